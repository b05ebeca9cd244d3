// SPDX-License-Identifier: Apache-2.0
// output/isf*.hpp: the Volatility symbol table made from BTF that a real
// producer wrote (C compiled with -g, converted by pahole -J), checked member
// by member against BTF and, for the shapes that matter, against the exact
// descriptors Volatility expects; and the JSON writer's escaping.
#include <catch2/catch.hpp>

#include <string>

#include <mquire/output/isf.hpp>
#include <nlohmann/json.hpp>

#include "support/btf_producer.hpp"

namespace btf = mquire::btf;
using nlohmann::json;

namespace {

const char* const layouts_c = R"(
typedef struct { unsigned long pgd; } pgd_t;
typedef struct { int counter; } atomic_t;
struct list_head { struct list_head *next, *prev; };
struct raw_lock { unsigned int val; };
typedef struct raw_lock raw_lock_t;
enum state { S_RUN = 0, S_STOP = 4, S_NEG = -1 };
enum wide { W_SMALL = 1, W_HUGE = 0x100000000ULL };
struct task {
  unsigned int __state;
  union { long u_long; char u_chars[8]; };
  struct { int a; int b; } named_inner;
  struct list_head tasks;
  atomic_t usage;
  raw_lock_t lock;
  unsigned in_iowait : 1;
  unsigned sched_bits : 6;
  enum state st : 4;
  char comm[16];
  int matrix[2][3];
  struct task *parent;
  void *opaque;
  int (*callback)(struct task *, int);
  const char **argv;
  _Bool flag;
  double ratio;
  enum wide w;
  struct { struct { short deep; }; };
  pgd_t pgd;
  char tail[];
};
struct task g_task;
pgd_t g_pgd[4];
)";

struct isf_doc {
  std::vector<std::uint8_t> blob;
  json doc;
  mquire::isf::report rep;
};

isf_doc make(const std::string& cc) {
  isf_doc d;
  d.blob = support::produce_btf("isf-" + cc, layouts_c, cc);
  auto t = btf::type_info::parse(d.blob);
  REQUIRE(t);
  const std::vector<mquire::isf::symbol_entry> symbols = {
      {"linux_banner", 0xffffffff82000000, 'D'}, {"init_task", 0xffffffff82100000, 'D'},
      {"modules", 0xffffffff82200000, 'd'},      {"init_top_pgt", 0xffffffff82300000, 'D'},
      {"do_work", 0xffffffff81000000, 'T'},      {"do_work", 0xffffffff81000100, 't'},
      {"_end", 0xffffffff83000000, 'B'}};
  mquire::isf::options o;
  const std::string banner = std::string("Linux version 9.9.9 (test)\n") + '\0';
  o.banner = banner;
  o.producer_version = "test";
  std::string text;
  auto rep = mquire::isf::write_isf(*t, symbols, o, [&](std::string_view chunk) { text += chunk; });
  REQUIRE(rep);
  d.rep = *rep;
  d.doc = json::parse(text);
  return d;
}

json base(const std::string& name) { return {{"kind", "base"}, {"name", name}}; }
json named(const std::string& kind, const std::string& name) { return {{"kind", kind}, {"name", name}}; }

} // namespace

TEST_CASE("isf: every member of pahole-made BTF as Volatility expects it", "[isf][btf]") {
  for (const std::string cc : {"gcc", "clang"}) {
    DYNAMIC_SECTION(cc) {
      const auto d = make(cc);
      const auto& ut = d.doc["user_types"];
      REQUIRE(ut.contains("task"));
      const auto& f = ut["task"]["fields"];
      CHECK(ut["task"]["kind"] == "struct");
      CHECK(ut["task"]["size"] == 168); // sizeof and offsetof as gcc and clang compute them

      CHECK(f["__state"] == json({{"type", base("unsigned int")}, {"offset", 0}}));
      // Anonymous members: "unnamed_field_N", marked anonymous, their members
      // in a type of their own that Volatility lifts into the outer one.
      CHECK(f["unnamed_field_0"]["anonymous"] == true);
      CHECK(f["unnamed_field_0"]["offset"] == 8);
      const std::string u = f["unnamed_field_0"]["type"]["name"];
      CHECK(f["unnamed_field_0"]["type"]["kind"] == "union");
      const std::string long_name = cc == "gcc" ? "long int" : "long"; // as each compiler names it in DWARF
      CHECK(ut[u]["fields"]["u_long"] == json({{"type", base(long_name)}, {"offset", 0}}));
      CHECK(ut[u]["fields"]["u_chars"]["type"] == json({{"count", 8}, {"kind", "array"}, {"subtype", base("char")}}));
      CHECK(f["named_inner"]["offset"] == 16);
      CHECK(f["named_inner"]["type"]["kind"] == "struct");
      CHECK(f["tasks"] == json({{"type", named("struct", "list_head")}, {"offset", 24}}));
      CHECK(ut["list_head"]["fields"]["prev"] ==
            json({{"type", {{"kind", "pointer"}, {"subtype", named("struct", "list_head")}}}, {"offset", 8}}));
      // A typedef of an anonymous struct names it; a typedef of a named
      // struct is a type of its own, as dwarf2json writes them.
      CHECK(f["usage"] == json({{"type", named("struct", "atomic_t")}, {"offset", 40}}));
      CHECK(ut["atomic_t"]["fields"]["counter"]["offset"] == 0);
      CHECK(f["lock"] == json({{"type", named("struct", "raw_lock_t")}, {"offset", 44}}));
      CHECK(ut["raw_lock_t"] == ut["raw_lock"]);
      // Bitfields: in a storage unit of their type's size.
      CHECK(f["in_iowait"] == json({{"type", {{"bit_length", 1}, {"bit_position", 0}, {"kind", "bitfield"},
                                              {"type", base("unsigned int")}}},
                                    {"offset", 48}}));
      CHECK(f["sched_bits"]["type"]["bit_position"] == 1);
      CHECK(f["sched_bits"]["type"]["bit_length"] == 6);
      CHECK(f["st"]["type"]["kind"] == "bitfield");
      CHECK(f["st"]["type"]["type"] == named("enum", "state"));
      CHECK(f["st"]["offset"].get<int>() * 8 + f["st"]["type"]["bit_position"].get<int>() == 48 * 8 + 7);
      CHECK(f["comm"] == json({{"type", {{"count", 16}, {"kind", "array"}, {"subtype", base("char")}}}, {"offset", 50}}));
      CHECK(f["matrix"]["type"] == json({{"count", 6}, {"kind", "array"}, {"subtype", base("int")}})); // pahole flattens it
      CHECK(f["parent"]["type"] == json({{"kind", "pointer"}, {"subtype", named("struct", "task")}}));
      CHECK(f["opaque"]["type"] == json({{"kind", "pointer"}, {"subtype", base("void")}}));
      CHECK(f["callback"]["type"] == json({{"kind", "pointer"}, {"subtype", {{"kind", "function"}}}}));
      CHECK(f["argv"]["type"] ==
            json({{"kind", "pointer"}, {"subtype", {{"kind", "pointer"}, {"subtype", base("char")}}}}));
      CHECK(f["flag"]["type"] == base("_Bool"));
      CHECK(f["ratio"]["type"] == base("double"));
      CHECK(f["w"]["type"] == named("enum", "wide"));
      CHECK(f["pgd"]["type"] == named("struct", "pgd_t"));
      CHECK(f["tail"]["type"] == json({{"count", 0}, {"kind", "array"}, {"subtype", base("char")}}));
      CHECK(f["tail"]["offset"] == 168);
      CHECK(f["matrix"]["offset"] == 68);
      CHECK(f["w"]["offset"] == 144);
      CHECK(f["pgd"]["offset"] == 160);

      // Every named member at the bit BTF gives it, in every struct.
      auto t = btf::type_info::parse(d.blob);
      REQUIRE(t);
      std::size_t checked = 0;
      for (const auto& [name, type] : ut.items()) {
        if (name.starts_with("unnamed_")) continue;
        auto id = btf::find_type(*t, name, btf::kind::struct_);
        if (!id) id = btf::find_type(*t, name, btf::kind::typedef_);
        REQUIRE(id);
        CHECK(type["size"] == btf::size_of(*t, *id).value());
        for (const auto& [member, field] : type["fields"].items()) {
          if (member.starts_with("unnamed_field_")) continue;
          const auto at = btf::field_of(*t, *id, member);
          REQUIRE(at);
          std::uint64_t bit = field["offset"].get<std::uint64_t>() * 8;
          if (field["type"]["kind"] == "bitfield") bit += field["type"]["bit_position"].get<std::uint64_t>();
          CHECK(bit == at->bit_offset);
          ++checked;
        }
      }
      CHECK(checked >= 25);

      // Base types with size and signedness; enums with their base and constants.
      const auto& bt = d.doc["base_types"];
      CHECK(bt["unsigned int"] == json({{"size", 4}, {"signed", false}, {"kind", "int"}, {"endian", "little"}}));
      CHECK(bt[long_name]["signed"] == true);
      CHECK(bt["_Bool"]["kind"] == "bool");
      CHECK(bt["double"]["kind"] == "float");
      CHECK(bt["char"]["kind"] == "char");
      CHECK(bt["pointer"] == json({{"size", 8}, {"signed", false}, {"kind", "int"}, {"endian", "little"}}));
      CHECK(bt["void"]["kind"] == "void");
      const auto& en = d.doc["enums"];
      CHECK(en["state"]["size"] == 4);
      CHECK(en["state"]["constants"] == json({{"S_RUN", 0}, {"S_STOP", 4}, {"S_NEG", -1}}));
      CHECK(bt.contains(en["state"]["base"].get<std::string>()));
      CHECK(en["wide"]["size"] == 8);
      CHECK(en["wide"]["constants"]["W_HUGE"] == 0x100000000ULL);

      // Symbols: the first of two same-named ones; known globals typed when
      // BTF has their type; the banner as constant data; metadata.
      const auto& sy = d.doc["symbols"];
      CHECK(sy["do_work"] == json({{"address", 0xffffffff81000000ULL}}));
      CHECK(sy["init_task"]["address"] == 0xffffffff82100000ULL);
      CHECK(!sy["init_task"].contains("type")); // this BTF has no task_struct
      CHECK(sy["modules"]["type"] == named("struct", "list_head"));
      CHECK(sy["init_top_pgt"]["type"] == json({{"count", 0}, {"kind", "array"}, {"subtype", named("struct", "pgd_t")}}));
      CHECK(sy["linux_banner"]["type"] == json({{"count", 0}, {"kind", "array"}, {"subtype", base("char")}}));
      CHECK(sy["linux_banner"]["constant_data"] == "TGludXggdmVyc2lvbiA5LjkuOSAodGVzdCkKAA==");
      CHECK(d.doc["metadata"] == json({{"format", "6.2.0"}, {"producer", {{"name", "mquire"}, {"version", "test"}}}}));
      CHECK(d.rep.symbols == 6);
      CHECK(d.rep.typed_from_table == 4); // modules, init_top_pgt, linux_banner, _end
      REQUIRE(d.rep.left_untyped.size() == 1);
      CHECK(d.rep.left_untyped[0] == "init_task: this kernel's BTF has no type task_struct");
    }
  }
}

TEST_CASE("isf: a known global whose type cannot fit before the next symbol stays untyped", "[isf][btf]") {
  const auto blob = support::produce_btf("isf-fit", layouts_c, "gcc");
  auto t = btf::type_info::parse(blob);
  REQUIRE(t);
  // list_head is 16 bytes; the next symbol is 8 bytes further.
  const std::vector<mquire::isf::symbol_entry> symbols = {{"modules", 0x1000, 'd'}, {"next_one", 0x1008, 'd'}};
  std::string text;
  auto rep = mquire::isf::write_isf(*t, symbols, {}, [&](std::string_view c) { text += c; });
  REQUIRE(rep);
  const auto doc = json::parse(text);
  CHECK(!doc["symbols"]["modules"].contains("type"));
  REQUIRE(rep->left_untyped.size() == 1);
  CHECK(rep->left_untyped[0] == "modules: its type list_head takes 16 bytes, but the next symbol is 8 bytes further");
}

TEST_CASE("json_writer: names from hostile bytes stay valid JSON", "[isf]") {
  std::string text;
  auto sink = [&](std::string_view c) { text += c; };
  {
    mquire::output::json_writer<decltype(sink)> w(sink, 4);
    w.begin_object();
    w.member(std::string_view("quote\"back\\slash", 16), std::string_view("\x01\x7f\xff\n", 4));
    w.key("list");
    w.begin_array();
    w.value(std::uint64_t{18446744073709551615ull});
    w.value(std::int64_t{-5});
    w.value(true);
    w.end_array();
    w.end_object();
    CHECK(w.depth() == 0);
  }
  const auto doc = json::parse(text);
  CHECK(doc["quote\"back\\slash"] == "\x01\x7f\xc3\xbf\n");
  CHECK(doc["list"] == json::parse("[18446744073709551615, -5, true]"));
}
