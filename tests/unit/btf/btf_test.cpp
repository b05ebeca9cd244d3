// SPDX-License-Identifier: Apache-2.0
// btf/: the reader checked against a real producer (C compiled with -g,
// converted by pahole, Debian's dwarves), type by type against what the C
// declares, in both byte orders; against the real 7.2 kernel's BTF (every
// struct both it and the DWARF-made reference ISF describe); and on
// malformed blobs, which end in an error that says what is wrong.
#include <catch2/catch.hpp>

#include <map>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include <mquire/btf/locate.hpp>
#include <mquire/btf/lookup.hpp>

#include "generator/btf_writer.hpp"
#include "support/btf_producer.hpp"
#include "support/fixtures.hpp"
#include "support/run.hpp"

namespace btf = mquire::btf;
using btf::kind;

namespace {

// The C the producer compiles: every kind of type, bitfields, an anonymous
// union, qualifiers, a forward declaration, function pointers, 64-bit enums.
const char* const plain_c = R"(
struct inner { int a; char b; };
enum color { RED = 1, GREEN = -2, BLUE = 300 };
enum big { SMALL_ONE = 1, HUGE_ONE = 0x100000000ULL };
typedef unsigned long ulong_t;
struct fwd_only;
struct outer {
  int x;
  union { long u1; char u2[3]; };
  struct inner in;
  unsigned flag : 3;
  unsigned mode : 5;
  const volatile ulong_t *restrict p;
  struct inner arr[4];
  enum color c;
  void (*fn)(int, char *);
  struct fwd_only *opaque;
  double d;
  enum big b;
};
struct outer g_outer;
int use(struct outer *o, int k) { return o->x + k; }
)";

// Tags and per-CPU variables (clang emits the tags; pahole makes VAR and
// DATASEC for the per-CPU section, as it does for the kernel).
const char* const tagged_c = R"(
#define __tag(x) __attribute__((btf_type_tag(x)))
#define __decl(x) __attribute__((btf_decl_tag(x)))
struct tagged { int __tag("user") *uptr; int plain __decl("field_tag"); };
__attribute__((section(".data..percpu"))) int pcpu_counter;
__attribute__((section(".data..percpu"))) struct tagged pcpu_tagged;
int __decl("kfunc") tagged_fn(struct tagged *t) { return t->plain; }
float fl;
struct tagged g_tagged;
)";

// The same BTF in the other byte order: every header field and every
// 32-bit word of the type section swapped, strings as they are.
std::vector<std::uint8_t> byte_swapped(const std::vector<std::uint8_t>& in) {
  std::vector<std::uint8_t> out = in;
  const auto swap16 = [&](std::size_t at) { std::swap(out[at], out[at + 1]); };
  const auto swap32 = [&](std::size_t at) {
    std::swap(out[at], out[at + 3]);
    std::swap(out[at + 1], out[at + 2]);
  };
  const auto h = btf::read_header(in);
  REQUIRE(h);
  swap16(0);
  for (std::size_t at = 4; at < 24; at += 4) swap32(at);
  for (std::size_t at = h->hdr_len + h->type_off; at < h->hdr_len + h->type_off + h->type_len; at += 4) swap32(at);
  return out;
}

std::uint32_t id_of(const btf::type_info& t, std::string_view name, kind k) {
  const auto id = btf::find_type(t, name, k);
  REQUIRE(id);
  return *id;
}

void check_plain(const btf::type_info& t) {
  const auto outer = id_of(t, "outer", kind::struct_);
  CHECK(btf::size_of(t, outer) == 112u);
  const auto at = [&](std::string_view path) {
    const auto f = btf::field_of(t, outer, path);
    REQUIRE(f);
    return *f;
  };
  CHECK(at("x").bit_offset == 0);
  CHECK(at("u1").bit_offset == 64); // through the anonymous union
  CHECK(at("u2").bit_offset == 64);
  CHECK(at("in.b").bit_offset == 128 + 32); // nested member
  CHECK(at("flag").bit_offset == 192);
  CHECK(at("flag").bitfield_size == 3);
  CHECK(at("mode").bit_offset == 195);
  CHECK(at("mode").bitfield_size == 5);
  CHECK(at("p").byte_offset() == 32);
  CHECK(at("arr").byte_offset() == 40);
  CHECK(btf::size_of(t, at("arr").type) == 32u);
  CHECK(at("c").byte_offset() == 72);
  CHECK(at("fn").byte_offset() == 80);
  CHECK(at("opaque").byte_offset() == 88);
  CHECK(at("d").byte_offset() == 96);
  CHECK(at("b").byte_offset() == 104);
  CHECK_FALSE(btf::field_of(t, outer, "nonexistent"));
  // p: RESTRICT -> PTR -> VOLATILE -> CONST -> TYPEDEF ulong_t -> INT
  auto p = t.type(at("p").type);
  REQUIRE(p);
  CHECK(p->kind == kind::restrict_);
  const auto ptr = btf::strip(t, at("p").type);
  REQUIRE(ptr);
  CHECK(ptr->kind == kind::ptr);
  const auto target = t.type(ptr->size_or_type);
  CHECK(target->kind == kind::volatile_);
  const auto ulong = btf::strip(t, ptr->size_or_type);
  CHECK(ulong->kind == kind::int_);
  CHECK(ulong->name == "long unsigned int");
  CHECK(btf::find_type(t, "ulong_t", kind::typedef_));
  // the array of 3 chars in the union
  const auto u2 = t.type(at("u2").type);
  const auto a = t.array(*u2);
  REQUIRE(a);
  CHECK(a->count == 3);
  CHECK(t.type(a->element)->name == "char");
  // enums, signed and 64-bit
  CHECK(btf::enum_value(t, "GREEN") == -2);
  CHECK(btf::enum_value(t, "BLUE") == 300);
  CHECK(btf::enum_value(t, "HUGE_ONE") == 0x100000000ll);
  CHECK(t.type(id_of(t, "big", kind::enum64))->size_or_type == 8);
  // forward declaration, function and its prototype
  CHECK(btf::find_type(t, "fwd_only", kind::fwd));
  const auto fn = t.type(id_of(t, "use", kind::func));
  const auto proto = t.type(fn->size_or_type);
  REQUIRE(proto->kind == kind::func_proto);
  const auto params = t.params(*proto);
  REQUIRE(params.size() == 2);
  CHECK(params[0].name == "o");
  CHECK(params[1].name == "k");
  CHECK(t.type(proto->size_or_type)->name == "int");
  const auto fnptr = btf::strip(t, at("fn").type);
  CHECK(fnptr->kind == kind::ptr);
  CHECK(t.type(fnptr->size_or_type)->kind == kind::func_proto);
  CHECK(t.params(*t.type(fnptr->size_or_type)).size() == 2);
  // double is a FLOAT with --btf_gen_all
  CHECK(btf::find_type(t, "double", kind::float_));
  const auto i = t.type(id_of(t, "int", kind::int_));
  CHECK(btf::int_bits(*t.extra_word(*i)) == 32);
  CHECK(btf::int_encoding(*t.extra_word(*i)) == btf::int_signed);
}

void check_tagged(const btf::type_info& t) {
  const auto tagged = id_of(t, "tagged", kind::struct_);
  const auto uptr = btf::field_of(t, tagged, "uptr");
  REQUIRE(uptr);
  const auto p = t.type(uptr->type);
  REQUIRE(p->kind == kind::ptr);
  const auto tag = t.type(p->size_or_type);
  CHECK(tag->kind == kind::type_tag);
  CHECK(tag->name == "user");
  CHECK(btf::strip(t, p->size_or_type)->name == "int");
  const auto decl = t.type(id_of(t, "field_tag", kind::decl_tag));
  CHECK(decl->size_or_type == tagged);
  CHECK(t.extra_word(*decl) == 1u); // the second member
  const auto kfunc = t.type(id_of(t, "kfunc", kind::decl_tag));
  CHECK(t.type(kfunc->size_or_type)->name == "tagged_fn");
  CHECK(static_cast<std::int32_t>(*t.extra_word(*kfunc)) == -1); // the function itself
  const auto sec = t.type(id_of(t, ".data..percpu", kind::datasec));
  const auto vars = t.datasec_vars(*sec);
  REQUIRE(vars.size() == 2);
  CHECK(t.type(vars[0].type)->name == "pcpu_counter");
  CHECK(t.type(vars[0].type)->kind == kind::var);
  CHECK(vars[1].offset == 8);
  CHECK(vars[1].size == 16);
  CHECK(btf::find_type(t, "float", kind::float_));
}

} // namespace

TEST_CASE("btf: the BTF pahole makes of a C file, type by type, in either byte order", "[unit][btf]") {
  const auto le = support::produce_btf("plain", plain_c, "gcc");
  for (const bool swapped : {false, true}) {
    DYNAMIC_SECTION((swapped ? "big-endian" : "little-endian")) {
      const auto bytes = swapped ? byte_swapped(le) : le;
      auto t = btf::type_info::parse(bytes);
      INFO((t ? "" : t.err().message));
      REQUIRE(t);
      CHECK(t->order() == (swapped ? mquire::byte_order::big : mquire::byte_order::little));
      check_plain(*t);
    }
  }
}

TEST_CASE("btf: type and declaration tags, per-CPU variables, floats (clang + pahole)", "[unit][btf]") {
  const auto le = support::produce_btf("tagged", tagged_c, "clang");
  for (const bool swapped : {false, true}) {
    DYNAMIC_SECTION((swapped ? "big-endian" : "little-endian")) {
      const auto bytes = swapped ? byte_swapped(le) : le;
      auto t = btf::type_info::parse(bytes);
      INFO((t ? "" : t.err().message));
      REQUIRE(t);
      check_tagged(*t);
    }
  }
}

TEST_CASE("btf: found by its header inside other bytes", "[unit][btf]") {
  const auto blob = support::produce_btf("plain", plain_c, "gcc");
  std::vector<std::uint8_t> bytes(1 << 16, 0x9f); // the magic's low byte everywhere
  bytes.insert(bytes.begin() + 4096, blob.begin(), blob.end());
  const auto found = btf::find_in_bytes(bytes);
  REQUIRE(found.size() == 1);
  CHECK(found[0].offset == 4096);
  CHECK(found[0].size == blob.size());
}

TEST_CASE("btf: a blob built word by word reads back", "[unit][btf]") {
  const auto blob = gen::sample_btf();
  auto t = btf::type_info::parse(blob);
  INFO((t ? "" : t.err().message));
  REQUIRE(t);
  CHECK(t->size() == 9);
  const auto node = id_of(*t, "node", kind::struct_);
  CHECK(btf::field_of(*t, node, "val")->bitfield_size == 3);
  CHECK(btf::field_of(*t, node, "b")->bit_offset == 128); // through the anonymous union
  CHECK(btf::enum_value(*t, "RED") == 7);
  CHECK(btf::size_of(*t, 4) == 16u);
}

TEST_CASE("btf: malformed blobs end in an error that says what is wrong", "[unit][btf]") {
  const std::string strs("\0a\0b\0", 5);
  // A valid start: INT 'a' size 4, 32 bits.
  const std::vector<std::uint32_t> good{1, gen::btf_info(kind::int_), 4, 32};
  const auto good_blob = gen::btf_blob(good, strs);
  REQUIRE(btf::type_info::parse(good_blob));
  const auto fails_with = [&](const std::vector<std::uint8_t>& b, const std::string& words) {
    auto t = btf::type_info::parse(b);
    REQUIRE_FALSE(t);
    CHECK_THAT(t.err().message, Catch::Contains(words));
  };
  SECTION("a struct whose member count runs past the section") {
    fails_with(gen::btf_blob({1, gen::btf_info(kind::struct_, 5000), 8, 0, 1, 0}, strs), "run past the type section");
  }
  SECTION("a name past the string section") {
    fails_with(gen::btf_blob({99, gen::btf_info(kind::int_), 4, 32}, strs), "past the string section");
  }
  SECTION("a member's name past the string section") {
    fails_with(gen::btf_blob({1, gen::btf_info(kind::struct_, 1), 4, 777, 0, 0}, strs), "past the string section");
  }
  SECTION("a reference to a type that does not exist") {
    fails_with(gen::btf_blob({0, gen::btf_info(kind::ptr), 9}, strs), "refers to type 9");
  }
  SECTION("an unknown kind") {
    fails_with(gen::btf_blob({0, 25u << 24, 0}, strs), "unknown kind 25");
  }
  SECTION("a header whose sections run past the blob") {
    auto b = gen::btf_blob(good, strs);
    b.resize(b.size() - 3);
    fails_with(b, "past the");
  }
  SECTION("a string section without its final NUL") {
    fails_with(gen::btf_blob(good, std::string("\0a\0b", 4)), "NUL");
  }
  SECTION("a wrong magic") {
    auto b = gen::btf_blob(good, strs);
    b[0] = 0x12;
    fails_with(b, "magic");
  }
  SECTION("a cycle of typedefs parses, and every walk over it ends") {
    // 1: TYPEDEF a -> 2, 2: TYPEDEF b -> 1; 3: STRUCT with a member of type 1.
    const auto b = gen::btf_blob(
        {1, gen::btf_info(kind::typedef_), 2, 3, gen::btf_info(kind::typedef_), 1, 0, gen::btf_info(kind::struct_, 1), 8, 1, 1, 0},
        strs);
    auto t = btf::type_info::parse(b);
    REQUIRE(t);
    CHECK_FALSE(btf::strip(*t, 1));
    CHECK_FALSE(btf::size_of(*t, 1));
    CHECK_FALSE(btf::field_of(*t, 3, "a.b"));
  }
  SECTION("a struct whose anonymous members are itself: a member lookup still ends") {
    // 1: STRUCT with two anonymous members of type 1 and no member 'a'.
    const auto b = gen::btf_blob({0, gen::btf_info(kind::struct_, 2), 8, 0, 1, 0, 0, 1, 0}, strs);
    auto t = btf::type_info::parse(b);
    REQUIRE(t);
    CHECK_FALSE(btf::field_of(*t, 1, "a"));
  }
  SECTION("an array of itself has no size") {
    const auto b = gen::btf_blob({0, gen::btf_info(kind::array), 0, 1, 1, 4}, strs);
    auto t = btf::type_info::parse(b);
    REQUIRE(t);
    CHECK_FALSE(btf::size_of(*t, 1));
  }
}

TEST_CASE("btf: the real 7.2 kernel's BTF agrees with its DWARF on every struct", "[btf][fixture]") {
  const auto core = support::require_fixture("x86_64-7.2-modules/dump.elf.zst");
  const auto isf_xz = support::fixtures_dir() / "x86_64-7.2-modules/reference.isf.json.xz";
  if (!support::fs::exists(isf_xz)) support::skip("fixture x86_64-7.2-modules/reference.isf.json.xz not found");
  const auto out = support::cache_dir() / "vmlinux-72-unit.btf";
  REQUIRE(support::run_tool("btf -o " + support::quote(out.string()) + " " + support::quote(core.string()), "btf-unit")
              .status == 0);
  const auto bytes = support::read_file(out);
  auto t = btf::type_info::parse(bytes);
  REQUIRE(t);
  // Every kind a modern kernel's BTF uses is there.
  std::map<kind, std::size_t> kinds;
  for (std::uint32_t id = t->first_id(); id <= t->last_id(); ++id) ++kinds[t->type(id)->kind];
  for (auto k : {kind::int_, kind::ptr, kind::array, kind::struct_, kind::union_, kind::enum_, kind::fwd, kind::typedef_,
                 kind::volatile_, kind::const_, kind::restrict_, kind::func, kind::func_proto, kind::var, kind::datasec,
                 kind::float_, kind::decl_tag, kind::type_tag, kind::enum64})
    CHECK(kinds[k] > 0);
  // The reference's structs as "name size" lines, each followed by its
  // non-bitfield fields as "\tfield offset": extracted once into the test
  // cache (parsing 60 MB of JSON is the slow part), then read by every build.
  const auto extract = support::cache_dir() / "reference-72.structs";
  if (!support::fs::exists(extract)) {
    const std::string isf_path = (support::cache_dir() / "reference-72.isf.json").string();
    REQUIRE(std::system(("xz -dc " + support::quote(isf_xz.string()) + " > " + support::quote(isf_path)).c_str()) == 0);
    const auto isf = nlohmann::json::parse(support::read_text(isf_path));
    std::string text;
    for (const auto& [name, type] : isf["user_types"].items()) {
      if (type["kind"] != "struct" || name.rfind("unnamed", 0) == 0) continue;
      text += name + " " + std::to_string(type["size"].get<std::uint64_t>()) + "\n";
      for (const auto& [field, f] : type["fields"].items())
        if (field.rfind("unnamed", 0) != 0 && f["type"]["kind"] != "bitfield")
          text += "\t" + field + " " + std::to_string(f["offset"].get<std::uint64_t>()) + "\n";
    }
    std::filesystem::remove(isf_path);
    REQUIRE(support::write_file(extract, std::vector<std::uint8_t>(text.begin(), text.end())));
  }
  // Structs BTF holds under one name only: a name defined twice in the
  // kernel (BSD's and Solaris' d_partition) cannot be matched by name.
  std::map<std::string_view, std::uint32_t> by_name;
  std::set<std::string_view> twice;
  for (std::uint32_t id = t->first_id(); id <= t->last_id(); ++id)
    if (const auto v = t->type(id); v->kind == kind::struct_ && !v->name.empty())
      if (!by_name.emplace(v->name, id).second) twice.insert(v->name);
  for (const auto n : twice) by_name.erase(n);
  std::size_t structs = 0, fields = 0;
  std::vector<std::string> differ;
  std::istringstream in(support::read_text(extract));
  std::string line;
  std::uint32_t current = 0; // 0: not compared
  std::string current_name;
  while (std::getline(in, line)) {
    std::istringstream l(line);
    std::string name;
    std::uint64_t value = 0;
    l >> name >> value;
    if (line[0] != '\t') {
      const auto it = by_name.find(name);
      current = 0;
      if (it == by_name.end() || btf::size_of(*t, it->second) != value) continue;
      current = it->second;
      current_name = name;
      ++structs;
      continue;
    }
    if (current == 0) continue;
    ++fields;
    const auto got = btf::field_of(*t, current, name);
    if (!got || got->byte_offset() != value) differ.push_back(current_name + "." + name);
  }
  INFO(structs << " structs, " << fields << " fields");
  CHECK(structs > 5000);
  CAPTURE(differ);
  CHECK(differ.empty());
}
