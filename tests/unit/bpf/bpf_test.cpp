// SPDX-License-Identifier: Apache-2.0
// bpf/ on programs and maps generated in kernel memory, in three eras of
// the kernel's structures (BTF from pahole, the same declarations compiled
// here to lay them out behind x86_64 and arm64 page tables): prog_idr and
// map_idr as xarrays, a kprobe program with two maps, per-CPU run
// statistics and BTF, a tracing program whose 16-byte name is cut (its
// full name from its BTF), maps of three kinds. Each must print as
// `bpftool prog list` / `bpftool map list` print them, memlock as that
// era's kernel computes it (or '?' where a map type's own function does),
// a program array's owner wherever its era keeps it,
// and a slot holding something else must be reported, never listed.
#include <catch2/catch.hpp>

#include <cstddef>
#include <cstring>
#include <map>
#include <string>

#include <mquire/bpf/bpftool_lines.hpp>

#include "support/bpf_decls.hpp"
#include "support/btf_producer.hpp"
#include "support/kernel_memory.hpp"
#include "support/symbol_table.hpp"

namespace {

namespace era7 {
BPF_DECLS(BPF_STATS_MEMBER, BPF_NOTHING, BPF_NOTHING, BPF_MAP_OWNER_MEMBER, BPF_OPS_MEM_USAGE_MEMBER, BPF_NOTHING)
constexpr const char* source = BPF_AS_TEXT(
    BPF_DECLS(BPF_STATS_MEMBER, BPF_NOTHING, BPF_NOTHING, BPF_MAP_OWNER_MEMBER, BPF_OPS_MEM_USAGE_MEMBER, BPF_NOTHING) BPF_USE);
} // namespace era7
namespace era61 {
BPF_DECLS(BPF_STATS_MEMBER, BPF_NOTHING, BPF_NOTHING, BPF_NOTHING, BPF_NOTHING, BPF_ARRAY_OWNER_STRUCT)
constexpr const char* source =
    BPF_AS_TEXT(BPF_DECLS(BPF_STATS_MEMBER, BPF_NOTHING, BPF_NOTHING, BPF_NOTHING, BPF_NOTHING, BPF_ARRAY_OWNER_STRUCT) BPF_USE);
} // namespace era61
namespace era510 {
BPF_DECLS(BPF_NOTHING, BPF_STATS_MEMBER, BPF_MAP_MEMORY_MEMBER, BPF_NOTHING, BPF_NOTHING, BPF_ARRAY_OWNER_MEMBERS)
constexpr const char* source =
    BPF_AS_TEXT(BPF_DECLS(BPF_NOTHING, BPF_STATS_MEMBER, BPF_MAP_MEMORY_MEMBER, BPF_NOTHING, BPF_NOTHING, BPF_ARRAY_OWNER_MEMBERS) BPF_USE);
} // namespace era510

using support::kernel_memory;

template <typename T>
std::uint64_t put(kernel_memory& m, const T& v) {
  const std::uint64_t at = m.alloc(sizeof(T));
  m.write(at, &v, sizeof(T));
  return at;
}

template <typename T>
T* ptr(std::uint64_t va) {
  return support::as<T*>(va);
}

struct bpf_case {
  std::map<std::string, std::uint64_t> syms;
  std::uint64_t probe = 0, tracer = 0, counts = 0; // the objects, for holders
};

// The objects of one era. `Prog`, `Aux`, `Map`, ... are that era's types.
template <typename Prog, typename Aux, typename Map, typename Node, typename Idr, typename Stats, typename User,
          typename Btf, typename BtfType, typename FuncInfo, typename Ops, typename Array, typename ArrayAux>
bpf_case build(kernel_memory& m) {
  bpf_case c;
  // Two possible CPUs; a per-CPU object's copies at its pointer plus each
  // CPU's offset.
  const std::uint64_t cpu0 = m.alloc(4096), cpu1 = m.alloc(4096);
  const std::uint64_t offsets[2] = {0, cpu1 - cpu0};
  c.syms["__per_cpu_offset"] = put(m, offsets);
  c.syms["__cpu_possible_mask"] = m.put_word(0x3);

  User root{}, user{};
  user.uid.val = 1000;
  const std::uint64_t root_at = put(m, root), user_at = put(m, user);

  // A BTF object: type 3 is the tracer's function, named past the cut.
  const char strings[] = "\0a_very_long_function_name";
  const std::uint64_t strings_at = m.alloc(sizeof strings);
  m.write(strings_at, strings, sizeof strings);
  BtfType fn{};
  fn.name_off = 1;
  const std::uint64_t fn_at = put(m, fn);
  const std::uint64_t types[3] = {0, 0, fn_at};
  Btf btf{};
  btf.types = ptr<BtfType*>(put(m, types));
  btf.strings = ptr<const char>(strings_at);
  btf.hdr.str_len = sizeof strings;
  btf.nr_types = 3;
  btf.start_id = 1;
  btf.id = 9;
  const std::uint64_t btf_at = put(m, btf);
  FuncInfo fi{};
  fi.type_id = 3;
  const std::uint64_t fi_at = put(m, fi);

  Ops ops{};
  const std::uint64_t ops_at = put(m, ops);
  const auto make_map = [&](unsigned id, unsigned type, const char* name, unsigned key, unsigned value,
                            unsigned entries, unsigned pages, bool owner, bool frozen, bool with_btf) {
    Map mp{};
    mp.ops = ptr<const Ops>(ops_at);
    mp.map_type = static_cast<decltype(mp.map_type)>(type);
    mp.key_size = key;
    mp.value_size = value;
    mp.max_entries = entries;
    mp.id = id;
    std::strncpy(mp.name, name, sizeof mp.name - 1);
    mp.frozen = frozen;
    if (with_btf) mp.btf = ptr<std::remove_pointer_t<decltype(mp.btf)>>(btf_at);
    if constexpr (requires { mp.memory.pages; }) mp.memory.pages = pages;
    if constexpr (requires { mp.owner; }) {
      if (owner) {
        std::remove_pointer_t<decltype(mp.owner)> o{};
        o.type = static_cast<decltype(o.type)>(2); // kprobe
        o.jited = 1;
        mp.owner = ptr<std::remove_pointer_t<decltype(mp.owner)>>(put(m, o));
      }
    } else if (owner) {
      // Before map->owner: the program array's aux records it.
      ArrayAux aux{};
      if constexpr (requires { aux.owner.type; }) {
        aux.owner.type = static_cast<decltype(aux.owner.type)>(2);
        aux.owner.jited = 1;
      } else {
        aux.type = static_cast<decltype(aux.type)>(2);
        aux.jited = 1;
      }
      Array array{};
      array.map = mp;
      array.aux = ptr<ArrayAux>(put(m, aux));
      return put(m, array);
    }
    return put(m, mp);
  };
  c.counts = make_map(5, 1, "counts", 4, 8, 1024, 5, false, false, false);
  const std::uint64_t jumps = make_map(6, 3, "jumps", 4, 4, 8, 1, true, true, false);
  const std::uint64_t pc = make_map(8, 6, "pc", 4, 12, 10, 1, false, false, true);

  const auto make_prog = [&](unsigned id, unsigned type, const char* name, std::uint8_t tag, bool gpl, bool jited,
                             unsigned len, unsigned jited_len, std::uint64_t load_time, std::uint64_t user_struct,
                             std::vector<std::uint64_t> maps, bool full_name, std::uint64_t stats) {
    const std::uint64_t prog_at = m.alloc(sizeof(Prog)), aux_at = m.alloc(sizeof(Aux));
    const std::uint64_t image = m.alloc(4096);
    Prog p{};
    p.pages = 1;
    p.jited = jited;
    p.gpl_compatible = gpl;
    p.type = static_cast<decltype(p.type)>(type);
    p.len = len;
    p.jited_len = jited_len;
    std::memset(p.tag, tag, sizeof p.tag);
    p.tag[0] = 0x01;
    p.bpf_func = ptr<std::remove_pointer_t<decltype(p.bpf_func)>>(image + 0x10);
    p.aux = ptr<Aux>(aux_at);
    Aux a{};
    a.id = id;
    a.prog = ptr<Prog>(prog_at);
    a.user = ptr<User>(user_struct);
    a.load_time = load_time;
    std::strncpy(a.name, name, sizeof a.name - 1);
    a.ksym.start = image;
    a.ksym.end = image + 0x100;
    if (!maps.empty()) {
      a.used_map_cnt = static_cast<unsigned>(maps.size());
      const std::uint64_t list = m.alloc(8 * maps.size());
      m.write(list, maps.data(), 8 * maps.size());
      a.used_maps = ptr<Map*>(list);
      a.btf = ptr<Btf>(btf_at);
    }
    if (full_name) {
      a.btf = ptr<Btf>(btf_at);
      a.func_info = ptr<FuncInfo>(fi_at);
      a.func_info_cnt = 1;
      a.attach_btf_id = 77;
      a.attach_func_name = ptr<const char>(m.alloc(16));
      m.write(reinterpret_cast<std::uint64_t>(a.attach_func_name), "do_unlinkat", 12);
      p.expected_attach_type = static_cast<decltype(p.expected_attach_type)>(24);
    }
    if constexpr (requires { p.stats; }) p.stats = ptr<Stats>(stats);
    else a.stats = ptr<Stats>(stats);
    m.write(prog_at, &p, sizeof p);
    m.write(aux_at, &a, sizeof a);
    return prog_at;
  };
  // Run statistics of the probe: two runs on CPU 0, one on CPU 1.
  Stats s0{}, s1{};
  s0.cnt = 2;
  s0.nsecs = 300;
  s1.cnt = 1;
  s1.nsecs = 200;
  m.write(cpu0, &s0, sizeof s0);
  m.write(cpu1, &s1, sizeof s1);
  c.probe = make_prog(3, 2, "probe_openat", 0xab, true, true, 12, 70, 5000000000ull, root_at, {c.counts, jumps}, false,
                      cpu0);
  c.tracer = make_prog(7, 26, "a_very_long_fun", 0x11, false, false, 3, 0, 7500000000ull, user_at, {}, true, 0);
  // Slot 9 holds the probe again: its own id is 3, not 9.
  Node progs{};
  progs.count = 3;
  progs.slots[3] = ptr<void>(c.probe);
  progs.slots[7] = ptr<void>(c.tracer);
  progs.slots[9] = ptr<void>(c.probe);
  Idr prog_idr{};
  prog_idr.idr_rt.xa_head = ptr<void>(put(m, progs) | 2);
  c.syms["prog_idr"] = put(m, prog_idr);
  // Slot 11 points at memory the dump does not hold.
  Node maps{};
  maps.count = 4;
  maps.slots[5] = ptr<void>(c.counts);
  maps.slots[6] = ptr<void>(jumps);
  maps.slots[8] = ptr<void>(pc);
  maps.slots[11] = ptr<void>(0xffff88ff00000000ull);
  Idr map_idr{};
  map_idr.idr_rt.xa_head = ptr<void>(put(m, maps) | 2);
  c.syms["map_idr"] = put(m, map_idr);
  return c;
}

const std::vector<std::uint8_t>& btf_of(const char* name, const char* source) {
  static std::map<std::string, std::vector<std::uint8_t>> made;
  auto it = made.find(name);
  if (it == made.end()) it = made.emplace(name, support::produce_btf(name, source, "gcc")).first;
  return it->second;
}

const std::string probe_lines = "3: kprobe  name probe_openat  tag 01ababababababab  gpl run_time_ns 500 run_cnt 3\n"
                                "\tloaded_at 2023-11-14T22:11:44+0000  uid 0\n"
                                "\txlated 96B  jited 70B  memlock 4096B  map_ids 5,6\n"
                                "\tbtf_id 9\n"
                                "\tpids sshd(412), agent(900)\n";
const std::string tracer_lines = "7: tracing  name a_very_long_function_name  tag 0111111111111111\n"
                                 "\tloaded_at 2023-11-14T22:11:47+0000  uid 1000\n"
                                 "\txlated 24B  not jited  memlock 4096B\n"
                                 "\tbtf_id 9\n";

template <typename Build>
void check_era(const char* name, const char* source, Build build_fn, const std::string& memlocks) {
  auto bt = mquire::btf::type_info::parse(btf_of(name, source));
  REQUIRE(bt);
  const mquire::objects::kernel_types types(*bt, 8);
  for (auto a : {support::arch::x86_64, support::arch::arm64}) {
    DYNAMIC_SECTION((a == support::arch::x86_64 ? "x86_64" : "arm64")) {
      kernel_memory m(a);
      const auto c = build_fn(m);
      const auto table = support::symbol_table(c.syms, 'd');
      const mquire::objects::symbol_index index(table);
      const auto vm = m.memory();
      const mquire::objects::object_reader reader(vm, types);
      const auto v = mquire::bpf::read_bpf(reader, index, 4096);
      REQUIRE(v);
      REQUIRE(v->programs.size() == 2);
      REQUIRE(v->maps.size() == 3);
      // The foreign slot and the unreadable one are reported, not listed.
      REQUIRE(v->notes.size() == 2);
      CHECK(v->notes[0].find("prog_idr slot 9") != std::string::npos);
      CHECK(v->notes[0].find("whose id is 3") != std::string::npos);
      CHECK(v->notes[1].find("map id 11") != std::string::npos);
      const mquire::bpf::dump_clocks clocks{1700000000600000000ll, 100700000000ull};
      const std::vector<mquire::bpf::holder> holders = {{412, "sshd"}, {900, "agent"}};
      CHECK(mquire::bpf::program_lines(v->programs[0], clocks, holders) == probe_lines);
      CHECK(mquire::bpf::program_lines(v->programs[1], clocks, {}) == tracer_lines);
      CHECK(v->programs[0].problems.empty());
      CHECK(v->programs[1].attach_type_name == "trace_fentry");
      CHECK(v->programs[1].attach_to == "do_unlinkat");
      CHECK(v->programs[1].attach_btf_id == 77);
      CHECK(v->programs[1].short_name == "a_very_long_fun");
      std::string maps;
      for (const auto& mp : v->maps) maps += mquire::bpf::map_lines(mp, {});
      const std::string owner = "\towner_prog_type kprobe  owner jited\n";
      std::string want = "5: hash  name counts  flags 0x0\n"
                         "\tkey 4B  value 8B  max_entries 1024  memlock " +
                         memlocks.substr(0, memlocks.find(',')) + "B\n" +
                         "6: prog_array  name jumps  flags 0x0\n"
                         "\tkey 4B  value 4B  max_entries 8  memlock " +
                         memlocks.substr(memlocks.find(',') + 1, memlocks.rfind(',') - memlocks.find(',') - 1) +
                         "B\n" + owner + "\tfrozen\n" +
                         "8: percpu_array  name pc  flags 0x0\n"
                         "\tkey 4B  value 12B  max_entries 10  memlock " + memlocks.substr(memlocks.rfind(',') + 1) +
                         "B\n\tbtf_id 9\n";
      CHECK(maps == want);
    }
  }
}

} // namespace

TEST_CASE("bpf: programs and maps of the 7.x era as bpftool lists them", "[bpf][unit]") {
  // 6.4 and later: each map type computes its own memlock, which is not
  // reproduced: '?'.
  check_era("bpf7", era7::source,
            build<era7::bpf_prog, era7::bpf_prog_aux, era7::bpf_map, era7::xa_node, era7::idr, era7::bpf_prog_stats,
                  era7::user_struct, era7::btf, era7::btf_type, era7::bpf_func_info, era7::bpf_map_ops, era7::bpf_array,
                  era7::bpf_array_aux>,
            "?,?,?");
}

TEST_CASE("bpf: programs and maps of the 6.1 era (bpf_map_memory_footprint, the owner in the array's aux)",
          "[bpf][unit]") {
  // Hash: 1024 entries of 16 bytes; the program array's values are u32
  // file descriptors; the per-CPU array's value is two CPUs' 16 bytes.
  check_era("bpf61", era61::source,
            build<era61::bpf_prog, era61::bpf_prog_aux, era61::bpf_map, era61::xa_node, era61::idr,
                  era61::bpf_prog_stats, era61::user_struct, era61::btf, era61::btf_type, era61::bpf_func_info,
                  era61::bpf_map_ops, era61::bpf_array, era61::bpf_array_aux>,
            "16384,4096,4096");
}

TEST_CASE("bpf: programs and maps of the 5.10 era (charged pages, statistics in the aux, the owner in the array's aux)",
          "[bpf][unit]") {
  check_era("bpf510", era510::source,
            build<era510::bpf_prog, era510::bpf_prog_aux, era510::bpf_map, era510::xa_node, era510::idr,
                  era510::bpf_prog_stats, era510::user_struct, era510::btf, era510::btf_type, era510::bpf_func_info,
                  era510::bpf_map_ops, era510::bpf_array, era510::bpf_array_aux>,
            "20480,4096,4096");
}

TEST_CASE("bpf: load times in UTC as bpftool's arithmetic gives them", "[bpf][unit]") {
  CHECK(mquire::bpf::utc_time(0) == "1970-01-01T00:00:00+0000");
  CHECK(mquire::bpf::utc_time(951782400) == "2000-02-29T00:00:00+0000");
  CHECK(mquire::bpf::utc_time(1700000000) == "2023-11-14T22:13:20+0000");
  // The stamp's nanoseconds join the clocks' before the division.
  const mquire::bpf::dump_clocks c{10 * 1000000000ll + 900000000, 2 * 1000000000ull + 100000000};
  CHECK(mquire::bpf::load_wall_seconds(0, c) == 8);
  CHECK(mquire::bpf::load_wall_seconds(300000000, c) == 9);
}
