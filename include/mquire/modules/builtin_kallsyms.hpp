// SPDX-License-Identifier: Apache-2.0
// The lines /proc/kallsyms prints after the modules' symbols: code the
// kernel made at run time, each under a pseudo-module, in the order of
// kallsyms' iterator (update_iter_mod): the names ftrace kept of modules'
// freed init functions (ftrace_mod_maps, 'T' under the module's name), the
// ftrace trampolines (ftrace_ops_trampoline_list, "ftrace_trampoline" under
// [__builtin__ftrace]), the BPF programs and trampolines (bpf_kallsyms,
// under [bpf]) and the kprobe instruction pages (kprobe_insn_slots, then
// kprobe_optinsn_slots, under [__builtin__kprobes]). A list that breaks
// ends with a note; nothing after it is guessed.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "../objects/object_reader.hpp"
#include "../objects/symbol_index.hpp"
#include "../objects/walkers.hpp"
#include "../notes.hpp"

namespace mquire::modules {

struct builtin_symbol {
  std::uint64_t address = 0;
  char type = 't';
  std::string name;
  std::string module; // "bpf", "__builtin__ftrace", "__builtin__kprobes", or a module's name
};

struct builtin_symbol_list {
  std::vector<builtin_symbol> symbols;
  mquire::notes notes;
};

inline constexpr std::size_t max_builtin_symbols = 1u << 20;

namespace detail {

// The entries of a list_head at `head` whose node is the member `link` of
// `type`; a broken list adds a note and returns what came before it.
inline std::vector<objects::object> list_entries(const objects::object_reader& r, std::uint64_t head, const char* type,
                                                 const char* link, const char* what, builtin_symbol_list& out) {
  std::vector<objects::object> entries;
  const auto at = r.types().field(type, link);
  if (!at) {
    out.notes.add(std::string(what) + ": the kernel's types have no " + type + "." + link);
    return entries;
  }
  const auto w = objects::walk_list(r, head, max_builtin_symbols);
  if (!w.problem.empty()) out.notes.add(std::string(what) + ": " + w.problem);
  for (const auto node : w.nodes) {
    auto o = r.read(node - at->offset, type);
    if (!o) {
      out.notes.add(what, o.err());
      break;
    }
    entries.push_back(std::move(*o));
  }
  return entries;
}

} // namespace detail

inline builtin_symbol_list read_builtin_kallsyms(const objects::object_reader& r, const objects::symbol_index& syms) {
  builtin_symbol_list out;
  const auto name_at = [&](std::uint64_t p) { return r.string(p, 512).value_or(""); };
  // ftrace_mod_get_kallsym: each map's functions (its quirk included: the
  // first function answers the first two indices, so the last is never
  // listed), then the trampolines.
  if (const auto maps = syms.address("ftrace_mod_maps")) {
    for (const auto& map : detail::list_entries(r, *maps, "ftrace_mod_map", "list", "ftrace_mod_maps", out)) {
      auto mod = r.follow(map, "mod", "module");
      const std::string module = mod ? mod->chars("name").value_or("") : std::string();
      const auto funcs = map.address_of("funcs");
      if (!funcs) break;
      const auto list = detail::list_entries(r, *funcs, "ftrace_mod_func", "list", "ftrace_mod_map funcs", out);
      const std::uint64_t count = map.u("num_funcs").value_or(0);
      for (std::uint64_t i = 0; i < count && !list.empty(); ++i) {
        const auto& f = list[std::min<std::uint64_t>(i == 0 ? 0 : i - 1, list.size() - 1)];
        out.symbols.push_back({f.u("ip").value_or(0), 'T', name_at(f.u("name").value_or(0)), module});
      }
    }
  }
  if (const auto tramps = syms.address("ftrace_ops_trampoline_list"))
    for (const auto& op : detail::list_entries(r, *tramps, "ftrace_ops", "list", "ftrace trampolines", out))
      if (const auto t = op.u("trampoline").value_or(0))
        out.symbols.push_back({t, 't', "ftrace_trampoline", "__builtin__ftrace"});
  if (const auto bpf = syms.address("bpf_kallsyms"))
    for (const auto& k : detail::list_entries(r, *bpf, "bpf_ksym", "lnode", "bpf_kallsyms", out))
      out.symbols.push_back({k.u("start").value_or(0), 't', k.chars("name").value_or(""), "bpf"});
  for (const char* cache : {"kprobe_insn_slots", "kprobe_optinsn_slots"}) {
    const auto c = syms.address(cache);
    if (!c) continue;
    auto cache_obj = r.read(*c, "kprobe_insn_cache");
    if (!cache_obj) {
      out.notes.add(cache, cache_obj.err());
      continue;
    }
    const std::string sym = name_at(cache_obj->u("sym").value_or(0));
    const auto pages = cache_obj->address_of("pages");
    if (!pages) continue;
    for (const auto& page : detail::list_entries(r, *pages, "kprobe_insn_page", "list", cache, out))
      out.symbols.push_back({page.u("insns").value_or(0), 't', sym, "__builtin__kprobes"});
  }
  if (out.symbols.size() > max_builtin_symbols) out.symbols.resize(max_builtin_symbols);
  return out;
}

} // namespace mquire::modules
