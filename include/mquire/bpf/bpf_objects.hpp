// SPDX-License-Identifier: Apache-2.0
// The loaded BPF programs and maps, found where the bpf() system call
// finds them by id: the prog_idr and map_idr IDRs (xarrays), walked in id
// order as BPF_PROG_GET_NEXT_ID walks them. Each entry must be a program
// (or map) whose own id is the slot's; its fields are the ones
// bpf_prog_get_info_by_fd / bpf_map_get_info_by_fd and the objects' fdinfo
// report: type, name (the full name from the program's BTF when the
// 16-byte name is cut, as bpftool recovers it), tag, GPL, run-time
// statistics, load time and owner, translated and JIT-ed sizes, memlock,
// the maps a program uses, BTF ids, and where the kernel records a
// program's attach point. BPF is a way rootkits hide, so every program's
// JIT image is checked to be the one its kallsyms entry ([bpf]) covers.
#pragma once

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "../detail/hex.hpp"
#include "../error.hpp"
#include "../objects/object_reader.hpp"
#include "../objects/per_cpu.hpp"
#include "../objects/symbol_index.hpp"
#include "../objects/walkers.hpp"
#include "../notes.hpp"

namespace mquire::bpf {

// Both IDRs hand out ids up to INT_MAX; a dump cannot hold more objects
// than this many without being hostile.
inline constexpr std::size_t max_bpf_objects = 1u << 20;
inline constexpr std::size_t max_used_maps = 1u << 16; // MAX_USED_MAPS is 64; room for later kernels
inline constexpr std::size_t max_functions = 1u << 16;
// Objects read in all (programs, maps, their functions, used maps and
// per-CPU statistics): many times what real machines hold, and a bound on
// a hostile dump whose every slot names the same program with the largest
// counts.
inline constexpr std::size_t max_bpf_reads = 1u << 22;

struct run_statistics {
  std::uint64_t run_time_ns = 0, run_cnt = 0, recursion_misses = 0;
};

struct program {
  std::uint64_t address = 0; // its struct bpf_prog
  std::uint32_t id = 0;
  std::uint32_t type = 0;
  std::string type_name; // libbpf's name ("kprobe", "cgroup_skb", ...); empty when the enum does not name it
  std::string name;      // as bpftool prints it: the full name when BTF has it
  std::string short_name; // aux->name, the 16-byte field
  std::array<std::uint8_t, 8> tag{};
  bool gpl = false;
  std::optional<run_statistics> stats; // empty when not readable
  std::uint64_t load_time_ns = 0;      // CLOCK_BOOTTIME at load
  std::uint32_t uid = 0;
  std::uint64_t xlated_len = 0, jited_len = 0;
  std::uint64_t memlock = 0;
  std::vector<std::uint32_t> map_ids;
  std::uint32_t btf_id = 0;
  std::uint32_t expected_attach_type = 0;
  std::string attach_type_name; // libbpf's name of expected_attach_type, when the enum names it
  std::string attach_to;        // aux->attach_func_name (fentry, fexit, lsm, freplace, ...)
  std::uint32_t attach_btf_id = 0;
  std::uint32_t target_prog_id = 0; // aux->dst_prog's id (freplace)
  std::uint64_t bpf_func = 0;       // the JIT-ed entry, or the interpreter
  std::uint64_t image_start = 0, image_end = 0; // aux->ksym: what kallsyms lists as [bpf]
  bool offloaded = false;
  mquire::notes problems;
};

struct map {
  std::uint64_t address = 0; // its struct bpf_map
  std::uint32_t id = 0;
  std::uint32_t type = 0;
  std::string type_name;
  std::string name;
  std::uint32_t flags = 0;
  std::uint32_t key_size = 0, value_size = 0, max_entries = 0;
  std::optional<std::uint64_t> memlock; // empty when the map type's own function computes it (6.4+)
  std::uint32_t btf_id = 0;
  bool frozen = false;
  std::optional<std::uint32_t> owner_prog_type; // a program array's owner
  std::string owner_type_name;                  // its libbpf name, when the enum names it
  bool owner_jited = false;
  mquire::notes problems;
};

struct bpf_view {
  std::vector<program> programs; // by id
  std::vector<map> maps;         // by id
  mquire::notes notes;
};

namespace detail {

// libbpf's name for an enumerator of enum bpf_prog_type / bpf_map_type /
// bpf_attach_type: the enumerator's name past its prefix, in lower case
// (a value named twice, as CGROUP_STORAGE and CGROUP_STORAGE_DEPRECATED,
// by the name without the suffix).
inline std::string enum_text(const objects::kernel_types& ty, std::string_view type, std::string_view prefix,
                             std::uint64_t value) {
  std::string found;
  for (const auto& [name, v] : ty.enumerators_of(type)) {
    if (v < 0 || static_cast<std::uint64_t>(v) != value || name.rfind(prefix, 0) != 0 || name.size() == prefix.size())
      continue;
    std::string text = name.substr(prefix.size());
    constexpr std::string_view deprecated = "_DEPRECATED";
    if (text.size() > deprecated.size() && text.compare(text.size() - deprecated.size(), deprecated.size(), deprecated) == 0)
      text.resize(text.size() - deprecated.size());
    for (auto& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (found.empty() || text.size() < found.size()) found = text;
  }
  return found;
}

// The ids of an IDR's entries, each entry's address with it.
inline objects::xarray_walk idr_entries(const objects::object_reader& r, const objects::symbol_index& syms,
                                        std::string_view symbol, std::uint64_t& base, std::string& problem) {
  const auto at = syms.address(symbol);
  const auto rt = r.types().field("idr", "idr_rt");
  if (!at || !rt) {
    problem = at ? "the kernel's types have no idr.idr_rt" : "no " + std::string(symbol) + " symbol";
    return {};
  }
  const auto b = r.types().field("idr", "idr_base");
  base = b ? r.memory().uint(*at + b->offset, 4).value_or(0) : 0;
  return objects::walk_xarray(r, *at + rt->offset, max_bpf_objects);
}

// The kernel accepts no BTF name of KSYM_NAME_LEN (512) bytes or more.
inline constexpr std::size_t max_btf_name = 512;

// A name in a BTF's string section: NUL-terminated within the section and
// shorter than the kernel lets a BTF name be.
inline std::optional<std::string> btf_string(const objects::object_reader& r, const objects::object& btf,
                                             std::uint32_t offset) {
  const auto strings = btf.u("strings"), str_len = btf.u("hdr.str_len");
  const auto start = btf.u("start_str_off").value_or(0);
  if (!strings || !str_len || offset < start || offset - start >= *str_len) return std::nullopt;
  const std::uint64_t left = *str_len - (offset - start);
  return r.string(*strings + (offset - start), static_cast<std::size_t>(std::min<std::uint64_t>(left, max_btf_name)));
}

// bpftool's get_prog_full_name: a name that fills aux->name (15 bytes and
// its NUL) is the start of the function's name; the whole one is the
// BTF name of the program's first function.
inline std::optional<std::string> full_name(const objects::object_reader& r, const objects::object& aux) {
  const auto btf_at = aux.u("btf"), func_info = aux.u("func_info");
  if (!btf_at || !*btf_at || !func_info || !*func_info || aux.u("func_info_cnt").value_or(0) == 0) return std::nullopt;
  auto btf = r.read(*btf_at, "btf");
  if (!btf) return std::nullopt;
  const auto type_id = r.memory().uint(*func_info + 4, 4); // bpf_func_info.type_id
  const auto start_id = btf->u("start_id").value_or(0), nr_types = btf->u("nr_types").value_or(0);
  const auto types = btf->u("types");
  if (!type_id || !types || *type_id < start_id || *type_id - start_id >= nr_types) return std::nullopt;
  const auto type = r.pointer(*types + (*type_id - start_id) * r.pointer_size());
  if (!type || !r.kernel_pointer(*type, 4)) return std::nullopt;
  const auto name_off = r.memory().uint(*type, 4);
  if (!name_off) return std::nullopt;
  auto name = btf_string(r, *btf, static_cast<std::uint32_t>(*name_off));
  if (!name || name->empty()) return std::nullopt;
  return name;
}

inline std::uint32_t btf_id_of(const objects::object_reader& r, std::optional<std::uint64_t> btf) {
  if (!btf || *btf == 0) return 0;
  auto b = r.read(*btf, "btf");
  return b ? static_cast<std::uint32_t>(b->u("id").value_or(0)) : 0;
}

// bpf_prog_get_stats: the per-CPU counters summed over possible CPUs
// (bpf_prog.stats from 5.12, bpf_prog_aux.stats before).
inline std::optional<run_statistics> run_stats(const objects::object_reader& r, const objects::symbol_index& syms,
                                               std::uint64_t stats, std::size_t& budget) {
  if (stats == 0) return std::nullopt;
  const auto cpus = objects::per_cpu_pointer_copies(r, syms, stats);
  if (!cpus.problem.empty() || cpus.copies.empty() || cpus.copies.size() > budget) return std::nullopt;
  budget -= cpus.copies.size();
  run_statistics out;
  for (const auto& c : cpus.copies) {
    auto s = r.read(c.address, "bpf_prog_stats");
    if (!s) return std::nullopt;
    out.run_cnt += s->u("cnt").value_or(0);
    out.run_time_ns += s->u("nsecs").value_or(0);
    out.recursion_misses += s->u("misses").value_or(0);
  }
  return out;
}

// Each object of `type` that an array of `count` pointers at `array`
// names, in order, up to the first that cannot be read (whose problem is
// added, naming it "`what` N").
template <typename Each>
void each_pointed(const objects::object_reader& r, std::uint64_t array, std::uint64_t count, std::string_view type,
                  std::string_view what, mquire::notes& problems, Each&& each) {
  for (std::uint64_t i = 0; i < count; ++i) {
    const auto at = r.pointer(array + i * r.pointer_size());
    result<objects::object> o =
        at ? r.read(*at, type) : make_error(error_code::out_of_range, "its pointer is not readable");
    if (!o) {
      problems.add(std::string(what) + " " + std::to_string(i), o.err());
      return;
    }
    each(*o);
  }
}

inline program read_program(const objects::object_reader& r, const objects::symbol_index& syms,
                            const objects::object& p, unsigned page_size, std::size_t& budget) {
  const auto& ty = r.types();
  program out;
  out.address = p.address();
  out.type = static_cast<std::uint32_t>(p.u("type").value_or(0));
  out.type_name = enum_text(ty, "bpf_prog_type", "BPF_PROG_TYPE_", out.type);
  out.expected_attach_type = static_cast<std::uint32_t>(p.u("expected_attach_type").value_or(0));
  out.attach_type_name = enum_text(ty, "bpf_attach_type", "BPF_", out.expected_attach_type);
  if (const auto f = ty.field("bpf_prog", "tag"); f && f->offset + 8 <= p.bytes().size())
    for (std::size_t i = 0; i < 8; ++i) out.tag[i] = p.bytes()[f->offset + i];
  out.gpl = p.u("gpl_compatible").value_or(0) != 0;
  const auto len = p.u("len").value_or(0);
  out.xlated_len = len * 8; // struct bpf_insn is 8 bytes
  out.memlock = p.u("pages").value_or(0) * page_size;
  out.bpf_func = p.u("bpf_func").value_or(0);
  auto aux = r.follow(p, "aux", "bpf_prog_aux");
  if (!aux) {
    out.problems.add("aux", aux.err());
    return out;
  }
  if (aux->u("prog").value_or(0) != p.address())
    out.problems.add("its bpf_prog_aux at " + mquire::detail::hex(aux->address()) + " names another program");
  out.id = static_cast<std::uint32_t>(aux->u("id").value_or(0));
  out.short_name = aux->chars("name").value_or("");
  out.name = out.short_name;
  if (out.short_name.size() >= 15)
    if (auto full = full_name(r, *aux)) out.name = *full;
  out.load_time_ns = aux->u("load_time").value_or(0);
  if (auto user = r.follow(*aux, "user", "user_struct")) out.uid = static_cast<std::uint32_t>(user->u("uid.val").value_or(0));
  // jited_prog_len: the sum over the program's functions when it has several.
  const auto func_cnt = aux->u("func_cnt").value_or(0);
  if (func_cnt > budget) {
    out.problems.add("func_cnt " + std::to_string(func_cnt) + ": more than the reads left");
  } else if (func_cnt > 0 && func_cnt <= max_functions && aux->u("func").value_or(0) != 0) {
    budget -= func_cnt;
    each_pointed(r, *aux->u("func"), func_cnt, "bpf_prog", "function", out.problems,
                 [&](const objects::object& sub) { out.jited_len += sub.u("jited_len").value_or(0); });
  } else {
    out.jited_len = p.u("jited_len").value_or(0);
  }
  const auto stats_in_prog = ty.field("bpf_prog", "stats").has_value();
  out.stats = run_stats(r, syms, (stats_in_prog ? p.u("stats") : aux->u("stats")).value_or(0), budget);
  // The maps it uses.
  const auto used = aux->u("used_map_cnt").value_or(0);
  if (used > max_used_maps || used > budget) {
    out.problems.add("used_map_cnt " + std::to_string(used) + " is not a count a kernel keeps");
  } else if (used > 0) {
    budget -= used;
    each_pointed(r, aux->u("used_maps").value_or(0), used, "bpf_map", "used map", out.problems,
                 [&](const objects::object& m) { out.map_ids.push_back(static_cast<std::uint32_t>(m.u("id").value_or(0))); });
  }
  out.btf_id = btf_id_of(r, aux->u("btf"));
  out.attach_btf_id = static_cast<std::uint32_t>(aux->u("attach_btf_id").value_or(0));
  if (const auto name = aux->u("attach_func_name"); name && *name)
    out.attach_to = r.string(*name, 512).value_or("");
  if (auto dst = r.follow(*aux, "dst_prog", "bpf_prog"))
    if (auto dst_aux = r.follow(*dst, "aux", "bpf_prog_aux"))
      out.target_prog_id = static_cast<std::uint32_t>(dst_aux->u("id").value_or(0));
  out.image_start = aux->u("ksym.start").value_or(0);
  out.image_end = aux->u("ksym.end").value_or(0);
  out.offloaded = aux->u("offload").value_or(0) != 0;
  if (p.u("jited").value_or(0) && out.bpf_func != 0 &&
      (out.bpf_func < out.image_start || out.bpf_func >= out.image_end))
    out.problems.add("its JIT-ed entry " + mquire::detail::hex(out.bpf_func) +
                     " is outside the image its kallsyms entry covers (" + mquire::detail::hex(out.image_start) +
                     "-" + mquire::detail::hex(out.image_end) + ")");
  return out;
}

// bpf_map_memory_footprint (5.11 to 6.3): key and value (each possible
// CPU's for a per-CPU map, a u32 for a map of file descriptors) rounded to
// 8 bytes, times the entries, rounded to a page.
inline std::uint64_t memory_footprint(const map& m, std::uint64_t possible_cpus, unsigned page_size) {
  const auto round_up = [](std::uint64_t v, std::uint64_t to) { return (v + to - 1) / to * to; };
  std::uint64_t value = m.value_size;
  const std::string_view t = m.type_name;
  if (t == "percpu_hash" || t == "lru_percpu_hash" || t == "percpu_array" || t == "percpu_cgroup_storage")
    value = round_up(m.value_size, 8) * possible_cpus;
  else if (t == "prog_array" || t == "perf_event_array" || t == "cgroup_array" || t == "array_of_maps" ||
           t == "hash_of_maps")
    value = 4;
  return round_up(std::uint64_t{m.max_entries} * round_up(m.key_size + value, 8), page_size);
}

inline map read_map(const objects::object_reader& r, const objects::object& m, unsigned page_size,
                    std::uint64_t possible_cpus) {
  const auto& ty = r.types();
  map out;
  out.address = m.address();
  out.id = static_cast<std::uint32_t>(m.u("id").value_or(0));
  out.type = static_cast<std::uint32_t>(m.u("map_type").value_or(0));
  out.type_name = enum_text(ty, "bpf_map_type", "BPF_MAP_TYPE_", out.type);
  out.name = m.chars("name").value_or("");
  out.flags = static_cast<std::uint32_t>(m.u("map_flags").value_or(0));
  out.key_size = static_cast<std::uint32_t>(m.u("key_size").value_or(0));
  out.value_size = static_cast<std::uint32_t>(m.u("value_size").value_or(0));
  out.max_entries = static_cast<std::uint32_t>(m.u("max_entries").value_or(0));
  out.btf_id = btf_id_of(r, m.u("btf"));
  out.frozen = m.u("frozen").value_or(0) != 0;
  // memlock: up to 5.10 the pages the map charged; from 5.11 to 6.3
  // bpf_map_memory_footprint(); from 6.4 each map type's own
  // map_mem_usage function, whose arithmetic is not reproduced here.
  if (const auto pages = m.u("memory.pages")) {
    out.memlock = *pages * page_size;
  } else if (ty.has_struct("bpf_map_ops") && !ty.field("bpf_map_ops", "map_mem_usage")) {
    out.memlock = memory_footprint(out, possible_cpus, page_size);
  } else {
    out.problems.add("memlock: computed by the map type's own map_mem_usage function");
  }
  // A program array's owner, as fdinfo shows it (only once a program
  // type is recorded): map->owner in later kernels, the bpf_array's aux
  // before.
  if (out.type_name == "prog_array") {
    std::optional<std::uint64_t> type, jited;
    if (ty.field("bpf_map", "owner")) {
      if (const auto owner = m.u("owner"); owner && *owner)
        if (auto o = r.read(*owner, "bpf_map_owner")) type = o->u("type"), jited = o->u("jited");
    } else if (const bool nested = ty.field("bpf_array_aux", "owner.type").has_value();
               nested || ty.field("bpf_array_aux", "type")) {
      // bpf_array_aux.owner (5.16 and later), its type and jited before.
      if (auto array = r.read(m.address(), "bpf_array"))
        if (auto aux = r.follow(*array, "aux", "bpf_array_aux"))
          type = aux->u(nested ? "owner.type" : "type"), jited = aux->u(nested ? "owner.jited" : "jited");
    }
    if (type && *type != 0) {
      out.owner_prog_type = static_cast<std::uint32_t>(*type);
      out.owner_jited = jited.value_or(0) != 0;
      out.owner_type_name = enum_text(ty, "bpf_prog_type", "BPF_PROG_TYPE_", *out.owner_prog_type);
    }
  }
  return out;
}

} // namespace detail

// Every program on prog_idr and map on map_idr, by id. An entry that is
// not readable, or not the object its slot's id names, is reported and
// left out; the rest are listed.
inline result<bpf_view> read_bpf(const objects::object_reader& r, const objects::symbol_index& syms,
                                 unsigned page_size) {
  bpf_view v;
  std::string problem;
  std::uint64_t base = 0;
  const auto progs = detail::idr_entries(r, syms, "prog_idr", base, problem);
  if (!problem.empty()) return make_error(error_code::not_found, "BPF programs: " + problem);
  if (!progs.problem.empty()) v.notes.add("prog_idr: " + progs.problem);
  std::size_t budget = max_bpf_reads;
  for (const auto& e : progs.entries) {
    if (budget < 2) {
      v.notes.add("BPF: stopped at program id " + std::to_string(e.index + base) + ": more than " +
                  std::to_string(max_bpf_reads) + " objects read");
      break;
    }
    budget -= 2; // the program and its aux
    auto p = r.read(e.value, "bpf_prog");
    if (!p) {
      v.notes.add("program id " + std::to_string(e.index + base), p.err());
      continue;
    }
    auto prog = detail::read_program(r, syms, *p, page_size, budget);
    if (prog.id != e.index + base) {
      v.notes.add("prog_idr slot " + std::to_string(e.index + base) + " holds " + mquire::detail::hex(e.value) +
                  ", whose id is " + std::to_string(prog.id) + ": not listed");
      continue;
    }
    v.programs.push_back(std::move(prog));
  }
  const auto cpus = objects::per_cpu_pointer_copies(r, syms, 0);
  const std::uint64_t possible_cpus = cpus.copies.empty() ? 1 : cpus.copies.size();
  const auto maps = detail::idr_entries(r, syms, "map_idr", base, problem);
  if (!problem.empty()) {
    v.notes.add("BPF maps: " + problem);
    return v;
  }
  if (!maps.problem.empty()) v.notes.add("map_idr: " + maps.problem);
  for (const auto& e : maps.entries) {
    auto m = r.read(e.value, "bpf_map");
    if (!m) {
      v.notes.add("map id " + std::to_string(e.index + base), m.err());
      continue;
    }
    auto mp = detail::read_map(r, *m, page_size, possible_cpus);
    if (mp.id != e.index + base) {
      v.notes.add("map_idr slot " + std::to_string(e.index + base) + " holds " + mquire::detail::hex(e.value) +
                  ", whose id is " + std::to_string(mp.id) + ": not listed");
      continue;
    }
    v.maps.push_back(std::move(mp));
  }
  return v;
}

} // namespace mquire::bpf
