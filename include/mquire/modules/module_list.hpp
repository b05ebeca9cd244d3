// SPDX-License-Identifier: Apache-2.0
// The kernel's loaded modules, read from memory the way /proc/modules and
// /proc/kallsyms read them: the `modules` list from kallsyms, every field of
// struct module and its friends placed by the kernel's own BTF (never a
// hard-coded offset: mem[] from 6.4, core_layout / init_layout before), the
// symbols from each module's kept symbol table (mod->kallsyms), in table
// order, with the type letter the kernel keeps for each (typetab, or
// st_info before typetab existed) in upper case when the module exports the
// symbol at that value.
#pragma once

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "../btf/lookup.hpp"
#include "../detail/hex.hpp"
#include "../error.hpp"
#include "../memory/virtual_memory.hpp"
#include "../kallsyms/table.hpp"
#include "../notes.hpp"

namespace mquire::modules {

// Bounds on what a hostile dump can make us do: Linux loads a few hundred
// modules, the largest symbol tables hold tens of thousands of entries, and
// a kallsyms name is at most KSYM_NAME_LEN (512) bytes.
inline constexpr std::size_t max_modules = 8192;
inline constexpr std::uint64_t max_symbols_per_module = 1u << 20;
// Symbols and exports read over the whole list: a hostile list can point
// every module at one huge table, so the work is bounded as a whole too
// (a distribution kernel with every module loaded has well under a million).
inline constexpr std::uint64_t max_symbols_total = 1u << 22;
inline constexpr std::size_t max_name = 512;
inline constexpr std::size_t module_name_len = 64; // MODULE_NAME_LEN on 64-bit kernels

struct module_symbol {
  std::uint64_t address = 0;
  char type = '?';
  std::string name;
};

struct module_info {
  std::uint64_t address = 0; // of its struct module
  std::string name;
  std::string state;         // Live, Loading, Unloading (as /proc/modules says)
  std::uint64_t base = 0;    // its text, the address /proc/modules prints
  std::uint64_t size = 0;    // every memory region's size, summed as /proc/modules does
  // Each memory region with a size (mem[i] from 6.4; core_layout and
  // init_layout before), as the module struct gives them: unchecked.
  std::vector<std::pair<std::uint64_t, std::uint64_t>> regions; // address, size
  std::vector<std::string> region_kinds; // each region's kind: "text", "rodata", ... ("core" before 6.4)
  std::optional<std::int64_t> users; // refcount less the base reference (CONFIG_MODULE_UNLOAD)
  std::vector<std::string> used_by;  // modules that depend on it (source_list)
  bool permanent = false;    // has an init and no exit: cannot be unloaded
  std::string taints;        // taint letters, as /proc/modules prints them in parentheses
  std::vector<module_symbol> symbols; // /proc/kallsyms order, unnamed entries left out
  std::string problem;       // what could not be read (the rest of the entry is still right)
};

struct module_list {
  std::uint64_t head = 0;              // address of `modules`
  std::string layout;                  // how module memory is described: "mem[]" or "core_layout"
  std::vector<module_info> modules;    // list order: newest first
  mquire::notes notes;      // anything skipped, and why
};

namespace detail {

struct field_at {
  std::uint64_t offset = 0;
  std::uint64_t size = 0;
};

// Offsets and sizes of the members this reader needs, from BTF.
struct module_fields {
  std::uint64_t module_size = 0;
  field_at state, list, name, kallsyms, syms, num_syms, refcnt, source_list, taints, init, exit;
  bool has_refcnt = false, has_source_list = false, has_taints = false, has_init = false, has_exit = false;
  // mem[] (6.4+): array of module_memory; else core_layout / init_layout.
  bool has_mem = false;
  field_at mem;
  std::uint64_t mem_count = 0, mem_stride = 0, mem_base = 0, mem_size_off = 0, mem_size_width = 0;
  std::vector<std::string> mem_kinds; // mem[i]'s kind, from enum mod_mem_type
  std::int64_t mod_text = 0;
  field_at core_base, core_size, init_size;
  // mod_kallsyms
  field_at ks_symtab, ks_num_symtab, ks_strtab, ks_typetab;
  bool has_typetab = false;
  // module_use
  field_at use_source_list, use_source;
  // kernel_symbol: place-relative offsets (PREL32) or pointers
  bool ksym_relative = false;
  field_at ksym_value, ksym_name;
  std::uint64_t ksym_size = 0;
  std::int64_t state_live = 0, state_coming = 1, state_going = 2, state_unformed = 3;
  std::vector<std::string> not_read; // optional parts BTF does not describe, said in the notes
};

inline std::optional<field_at> member(const btf::type_info& t, std::uint32_t struct_id, std::string_view path,
                                      unsigned ptr) {
  const auto f = btf::field_of(t, struct_id, path);
  if (!f || f->bit_offset % 8 != 0 || f->bitfield_size != 0) return std::nullopt;
  const auto size = btf::size_of(t, f->type, ptr);
  if (!size) return std::nullopt;
  return field_at{f->byte_offset(), *size};
}

inline result<module_fields> read_fields(const btf::type_info& t, unsigned ptr) {
  module_fields f;
  const auto need_struct = [&](std::string_view n) -> result<std::uint32_t> {
    if (auto id = btf::find_type(t, n, btf::kind::struct_)) return *id;
    return make_error(error_code::not_found, "BTF has no struct " + std::string(n));
  };
  auto mod = need_struct("module");
  if (!mod) return mod.err();
  f.module_size = btf::size_of(t, *mod, ptr).value_or(0);
  std::string missing;
  const auto need = [&](std::uint32_t s, std::string_view sname, std::string_view path, field_at& out) {
    if (auto m = member(t, s, path, ptr)) out = *m;
    else missing += (missing.empty() ? "" : ", ") + std::string(sname) + "." + std::string(path);
  };
  const auto want = [&](std::uint32_t s, std::string_view path, field_at& out) {
    if (auto m = member(t, s, path, ptr)) {
      out = *m;
      return true;
    }
    return false;
  };
  need(*mod, "module", "state", f.state);
  need(*mod, "module", "list", f.list);
  need(*mod, "module", "name", f.name);
  need(*mod, "module", "kallsyms", f.kallsyms);
  need(*mod, "module", "syms", f.syms);
  need(*mod, "module", "num_syms", f.num_syms);
  f.has_refcnt = want(*mod, "refcnt", f.refcnt);
  if (!f.has_refcnt) f.not_read.push_back("module.refcnt (no CONFIG_MODULE_UNLOAD?): users shown as -");
  f.has_source_list = want(*mod, "source_list", f.source_list);
  f.has_taints = want(*mod, "taints", f.taints);
  f.has_init = want(*mod, "init", f.init);
  f.has_exit = want(*mod, "exit", f.exit);
  if (auto mem = btf::field_of(t, *mod, "mem")) {
    const auto arr = btf::strip(t, mem->type);
    // Not an array reads as one of no elements (count 0), which is refused.
    const btf::array_info a = arr ? t.array(*arr).value_or(btf::array_info{}) : btf::array_info{};
    auto mm = need_struct("module_memory");
    if (!mm || a.count == 0) return make_error(error_code::malformed, "BTF: module.mem is not an array of module_memory");
    f.has_mem = true;
    f.mem = {mem->byte_offset(), 0};
    f.mem_count = a.count;
    f.mem_stride = btf::size_of(t, a.element, ptr).value_or(0);
    field_at base, size;
    need(*mm, "module_memory", "base", base);
    need(*mm, "module_memory", "size", size);
    f.mem_base = base.offset;
    f.mem_size_off = size.offset;
    f.mem_size_width = size.size;
    f.mod_text = btf::enum_value(t, "MOD_TEXT").value_or(0);
    // Each mem[] slot's kind, by enum mod_mem_type: MOD_RO_AFTER_INIT -> "ro_after_init".
    f.mem_kinds.assign(static_cast<std::size_t>(std::min<std::uint64_t>(f.mem_count, 64)), std::string());
    for (const char* kind : {"TEXT", "DATA", "RODATA", "RO_AFTER_INIT", "INIT_TEXT", "INIT_DATA", "INIT_RODATA"})
      if (const auto v = btf::enum_value(t, std::string("MOD_") + kind); v && *v >= 0 && static_cast<std::uint64_t>(*v) < f.mem_kinds.size()) {
        std::string name = kind;
        for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        f.mem_kinds[static_cast<std::size_t>(*v)] = name;
      }
  } else {
    need(*mod, "module", "core_layout.base", f.core_base);
    need(*mod, "module", "core_layout.size", f.core_size);
    need(*mod, "module", "init_layout.size", f.init_size);
  }
  if (auto ks = need_struct("mod_kallsyms")) {
    need(*ks, "mod_kallsyms", "symtab", f.ks_symtab);
    need(*ks, "mod_kallsyms", "num_symtab", f.ks_num_symtab);
    need(*ks, "mod_kallsyms", "strtab", f.ks_strtab);
    f.has_typetab = want(*ks, "typetab", f.ks_typetab);
  } else {
    return ks.err();
  }
  if (f.has_source_list) {
    if (auto use = need_struct("module_use")) {
      need(*use, "module_use", "source_list", f.use_source_list);
      need(*use, "module_use", "source", f.use_source);
    } else {
      f.has_source_list = false;
      f.not_read.push_back("struct module_use: the modules using each module are not listed");
    }
  }
  if (auto k = btf::find_type(t, "kernel_symbol", btf::kind::struct_)) {
    f.ksym_size = btf::size_of(t, *k, ptr).value_or(0);
    f.ksym_relative = want(*k, "value_offset", f.ksym_value) && want(*k, "name_offset", f.ksym_name);
    if (!f.ksym_relative) {
      need(*k, "kernel_symbol", "value", f.ksym_value);
      need(*k, "kernel_symbol", "name", f.ksym_name);
    }
  } else {
    missing += (missing.empty() ? "" : ", ") + std::string("struct kernel_symbol");
  }
  if (!missing.empty()) return make_error(error_code::not_found, "BTF lacks what the module list needs: " + missing);
  // Sizes come from the dump's BTF: buffers are sized by them only within
  // bounds no real kernel comes near (struct module is about 1.3 KiB).
  constexpr std::uint64_t max_struct = 64u << 10;
  const auto inside = [](const field_at& x, std::uint64_t limit) { return x.size <= limit && x.offset <= limit - x.size; };
  bool ok = f.module_size > 0 && f.module_size <= max_struct && f.name.size <= f.module_size &&
            f.name.offset <= f.module_size - f.name.size;
  for (const auto* x : {&f.state, &f.list, &f.kallsyms, &f.syms, &f.num_syms})
    ok = ok && inside(*x, f.module_size);
  for (const auto& [has, x] : {std::pair{f.has_refcnt, &f.refcnt}, std::pair{f.has_source_list, &f.source_list},
                               std::pair{f.has_taints, &f.taints}, std::pair{f.has_init, &f.init},
                               std::pair{f.has_exit, &f.exit}})
    ok = ok && (!has || x->offset <= f.module_size);
  if (f.has_mem) ok = ok && f.mem_stride != 0 && f.mem_count <= max_struct / f.mem_stride &&
                      f.mem.offset + f.mem_count * f.mem_stride <= f.module_size;
  else ok = ok && inside(f.core_base, f.module_size) && inside(f.core_size, f.module_size) &&
            inside(f.init_size, f.module_size);
  for (const auto* x : {&f.ks_symtab, &f.ks_num_symtab, &f.ks_strtab, &f.ks_typetab}) ok = ok && inside(*x, 4096);
  ok = ok && f.ksym_size <= 64 && inside(f.ksym_value, f.ksym_size == 0 ? 64 : f.ksym_size) &&
       inside(f.ksym_name, f.ksym_size == 0 ? 64 : f.ksym_size);
  if (!ok)
    return make_error(error_code::malformed, "BTF gives struct module (" + std::to_string(f.module_size) +
                                                 " bytes) or its parts sizes or offsets no kernel has");
  f.state_live = btf::enum_value(t, "MODULE_STATE_LIVE").value_or(0);
  f.state_coming = btf::enum_value(t, "MODULE_STATE_COMING").value_or(1);
  f.state_going = btf::enum_value(t, "MODULE_STATE_GOING").value_or(2);
  f.state_unformed = btf::enum_value(t, "MODULE_STATE_UNFORMED").value_or(3);
  return f;
}

// An unsigned field from bytes already read.
inline std::uint64_t get(const std::vector<std::uint8_t>& b, const field_at& f, byte_order o) {
  const unsigned w = f.size == 0 || f.size > 8 ? 8 : static_cast<unsigned>(f.size);
  return byte_reader(std::span<const std::uint8_t>(b)).uint(f.offset, w, o).value_or(0);
}

// Module taint letters by taint bit (kernel/panic.c, the flags with
// module = true), in bit order as module_flags_taint prints them.
inline std::string taint_letters(std::uint64_t taints) {
  static constexpr std::pair<unsigned, char> letters[] = {{0, 'P'},  {1, 'F'},  {10, 'C'}, {12, 'O'}, {13, 'E'},
                                                          {15, 'K'}, {16, 'X'}, {17, 'T'}, {18, 'N'}};
  std::string s;
  for (const auto& [bit, c] : letters)
    if (taints >> bit & 1) s.push_back(c);
  return s;
}

// Every node of the circular list at `head` (the list_head's own address),
// in `next` order; stops at the head, on a cycle, or at `limit` nodes.
inline std::vector<std::uint64_t> list_nodes(const virtual_memory& vm, std::uint64_t head, std::size_t limit,
                                             std::string& problem) {
  std::vector<std::uint64_t> nodes;
  std::set<std::uint64_t> seen;
  std::uint64_t at = head;
  for (;;) {
    const auto next = vm.pointer(at);
    if (!next) {
      problem = "list pointer at " + mquire::detail::hex(at) + " is not in the dump";
      return nodes;
    }
    if (*next == head) return nodes;
    if (!seen.insert(*next).second) {
      problem = "list loops back to " + mquire::detail::hex(*next) + " without returning to its head";
      return nodes;
    }
    if (nodes.size() >= limit) {
      problem = "list longer than " + std::to_string(limit) + " entries";
      return nodes;
    }
    nodes.push_back(*next);
    at = *next;
  }
}

inline std::set<std::pair<std::string, std::uint64_t>> exported(const virtual_memory& vm, const module_fields& f,
                                                                std::uint64_t syms, std::uint64_t count,
                                                                std::uint64_t& budget) {
  std::set<std::pair<std::string, std::uint64_t>> out;
  if (syms == 0 || f.ksym_size == 0 || count > max_symbols_per_module || count > budget) return out;
  budget -= count;
  std::vector<std::uint8_t> b(static_cast<std::size_t>(f.ksym_size));
  for (std::uint64_t i = 0; i < count; ++i) {
    const std::uint64_t at = syms + i * f.ksym_size;
    if (!vm.read(at, b.data(), b.size())) break;
    std::uint64_t value = get(b, f.ksym_value, vm.order()), name = get(b, f.ksym_name, vm.order());
    if (f.ksym_relative) {
      value = at + f.ksym_value.offset + static_cast<std::uint64_t>(sign_extend32(value));
      name = at + f.ksym_name.offset + static_cast<std::uint64_t>(sign_extend32(name));
    }
    if (auto n = vm.c_string(name, max_name)) out.emplace(std::move(*n), value);
  }
  return out;
}

inline void read_symbols(const virtual_memory& vm, const module_fields& f, std::uint64_t kallsyms_ptr,
                         const std::set<std::pair<std::string, std::uint64_t>>& exports, std::uint64_t& budget,
                         module_info& m) {
  const unsigned ptr = vm.pointer_size();
  std::vector<std::uint8_t> ks(static_cast<std::size_t>(
      std::max({f.ks_symtab.offset + f.ks_symtab.size, f.ks_num_symtab.offset + f.ks_num_symtab.size,
                f.ks_strtab.offset + f.ks_strtab.size, f.has_typetab ? f.ks_typetab.offset + f.ks_typetab.size : 0})));
  if (kallsyms_ptr == 0 || !vm.read(kallsyms_ptr, ks.data(), ks.size())) {
    m.problem = "its mod_kallsyms at " + mquire::detail::hex(kallsyms_ptr) + " is not in the dump";
    return;
  }
  const std::uint64_t symtab = get(ks, f.ks_symtab, vm.order()), num = get(ks, f.ks_num_symtab, vm.order()),
                      strtab = get(ks, f.ks_strtab, vm.order()),
                      typetab = f.has_typetab ? get(ks, f.ks_typetab, vm.order()) : 0;
  if (num > max_symbols_per_module || num > budget) {
    m.problem = "its symbol table claims " + std::to_string(num) + " entries" +
                (num > budget ? ", past what is left of the list's symbol budget" : "");
    return;
  }
  budget -= num;
  // Elf64_Sym / Elf32_Sym, fixed by the ELF format. Read in chunks, so that
  // memory follows what the dump holds, not what the count claims.
  const std::size_t sym_size = ptr == 8 ? 24 : 16;
  const std::size_t value_at = ptr == 8 ? 8 : 4, info_at = ptr == 8 ? 4 : 12;
  constexpr std::uint64_t chunk = 4096;
  std::vector<std::uint8_t> syms, types;
  std::size_t unreadable = 0;
  for (std::uint64_t first = 0; first < num; first += chunk) {
    const std::uint64_t n = std::min(chunk, num - first);
    syms.resize(static_cast<std::size_t>(n) * sym_size);
    if (!vm.read(symtab + first * sym_size, syms.data(), syms.size())) {
      m.problem = "its symbol table (" + std::to_string(num) + " entries at " + mquire::detail::hex(symtab) +
                  ") is not wholly in the dump";
      return;
    }
    types.resize(static_cast<std::size_t>(n));
    if (f.has_typetab && !vm.read(typetab + first, types.data(), types.size())) {
      m.problem = "its type table at " + mquire::detail::hex(typetab) + " is not in the dump";
      return;
    }
    const byte_reader r(syms);
    for (std::size_t i = 0; i < n; ++i) {
      const std::size_t at = i * sym_size;
      const std::uint64_t name_off = r.uint_unchecked(at, 4, vm.order());
      const std::uint64_t value = r.uint_unchecked(at + value_at, ptr, vm.order());
      const char type = static_cast<char>(f.has_typetab ? types[i] : syms[at + info_at]);
      auto name = vm.c_string(strtab + name_off, max_name);
      if (!name) {
        ++unreadable;
        continue;
      }
      if (name->empty()) continue; // /proc/kallsyms prints no unnamed entry
      const bool is_exported = exports.count({*name, value}) != 0;
      const char letter = static_cast<char>(is_exported ? std::toupper(static_cast<unsigned char>(type))
                                                        : std::tolower(static_cast<unsigned char>(type)));
      m.symbols.push_back({value, letter, std::move(*name)});
    }
  }
  if (unreadable != 0)
    m.problem = std::to_string(unreadable) + " of its " + std::to_string(num) + " symbol names are not in the dump";
}

} // namespace detail

// Reads every module on the kernel's `modules` list. `t` is the recovered
// kernel table (virtual addresses), `types` the kernel's BTF, `vm` kernel
// virtual memory. An entry that cannot be read whole says so in `problem`.
// With `symbols_for`, only the modules whose memory holds one of those
// addresses have their symbols read (a caller naming a few code pointers
// needs no other module's thousands of names).
inline result<module_list> read_modules(const kallsyms_table& t, const btf::type_info& types, const virtual_memory& vm,
                                        std::span<const std::uint64_t> symbols_for = {}) {
  if (t.basis != address_basis::virtual_address)
    return make_error(error_code::invalid_argument, "modules: the table's addresses are not virtual addresses");
  std::optional<std::uint64_t> head;
  for (const auto& s : t.symbols)
    if (s.trusted() && t.name(s) == "modules") head = s.address;
  if (!head) return make_error(error_code::not_found, "modules: the table has no `modules` symbol");
  const unsigned ptr = vm.pointer_size();
  auto fields = detail::read_fields(types, ptr);
  if (!fields) return make_error(fields.err().code, "modules: " + fields.err().message);
  const auto& f = *fields;
  module_list out;
  out.head = *head;
  out.layout = f.has_mem ? "mem[] (6.4 and later)" : "core_layout / init_layout (before 6.4)";
  for (const auto& n : f.not_read) out.notes.add("BTF lacks " + n);
  std::string list_problem;
  const auto nodes = detail::list_nodes(vm, *head, max_modules, list_problem);
  if (!list_problem.empty()) out.notes.add("modules list: " + list_problem);
  std::vector<std::uint8_t> b(static_cast<std::size_t>(f.module_size));
  std::uint64_t budget = max_symbols_total;
  for (const std::uint64_t node : nodes) {
    module_info m;
    m.address = node - f.list.offset;
    if (!vm.read(m.address, b.data(), b.size())) {
      out.notes.add("struct module at " + mquire::detail::hex(m.address) + " is not in the dump: left out");
      continue;
    }
    const auto o = vm.order();
    const auto state = static_cast<std::int64_t>(detail::get(b, f.state, o));
    if (state == f.state_unformed) continue; // not yet a module: the kernel skips it too
    m.state = state == f.state_going ? "Unloading" : state == f.state_coming ? "Loading" : "Live";
    {
      const std::size_t at = static_cast<std::size_t>(f.name.offset);
      const std::size_t len = static_cast<std::size_t>(std::min<std::uint64_t>(f.name.size, module_name_len));
      for (std::size_t i = 0; i < len && at + i < b.size() && b[at + i] != 0; ++i) m.name.push_back(static_cast<char>(b[at + i]));
    }
    if (f.has_mem) {
      for (std::uint64_t i = 0; i < f.mem_count; ++i) {
        const std::uint64_t at = f.mem.offset + i * f.mem_stride;
        const std::uint64_t size = detail::get(b, {at + f.mem_size_off, f.mem_size_width}, o);
        m.size += size;
        if (size != 0) {
          m.regions.emplace_back(detail::get(b, {at + f.mem_base, ptr}, o), size);
          m.region_kinds.push_back(i < f.mem_kinds.size() && !f.mem_kinds[i].empty() ? f.mem_kinds[i] : "mem" + std::to_string(i));
        }
        if (static_cast<std::int64_t>(i) == f.mod_text) m.base = detail::get(b, {at + f.mem_base, ptr}, o);
      }
    } else {
      m.base = detail::get(b, f.core_base, o);
      m.size = detail::get(b, f.core_size, o) + detail::get(b, f.init_size, o);
      if (detail::get(b, f.core_size, o) != 0) {
        m.regions.emplace_back(m.base, detail::get(b, f.core_size, o));
        m.region_kinds.emplace_back("core");
      }
    }
    if (f.has_refcnt) m.users = static_cast<std::int32_t>(detail::get(b, f.refcnt, o)) - 1; // MODULE_REF_BASE
    if (f.has_taints) m.taints = detail::taint_letters(detail::get(b, f.taints, o));
    if (f.has_init && f.has_exit) m.permanent = detail::get(b, f.init, o) != 0 && detail::get(b, f.exit, o) == 0;
    if (f.has_source_list) {
      std::string problem;
      for (const std::uint64_t use : detail::list_nodes(vm, m.address + f.source_list.offset, max_modules, problem)) {
        const auto src = vm.pointer(use - f.use_source_list.offset + f.use_source.offset);
        auto name = src ? vm.c_string(*src + f.name.offset, module_name_len) : std::nullopt;
        if (name) m.used_by.push_back(std::move(*name));
        else problem = "a user's name is not in the dump";
      }
      if (!problem.empty()) m.problem = "users: " + problem;
    }
    bool wanted = symbols_for.empty();
    for (const auto a : symbols_for)
      for (const auto& [base, size] : m.regions) wanted = wanted || (a >= base && a - base < size);
    if (wanted) {
      const auto exports = detail::exported(vm, f, detail::get(b, f.syms, o), detail::get(b, f.num_syms, o), budget);
      detail::read_symbols(vm, f, detail::get(b, f.kallsyms, o), exports, budget, m);
    }
    out.modules.push_back(std::move(m));
  }
  return out;
}

// One /proc/modules line (without the newline).
inline std::string proc_modules_line(const module_info& m, unsigned pointer_size = 8) {
  std::string s = m.name + " " + std::to_string(m.size);
  if (m.users) {
    s += ' ';
    s += std::to_string(*m.users);
    s += ' ';
    std::string deps;
    for (const auto& u : m.used_by) deps += u + ",";
    if (m.permanent) deps += "[permanent],";
    s += deps.empty() ? "-" : deps;
  } else {
    s += " - -";
  }
  s += " " + m.state + " 0x" + mquire::detail::hex_digits(m.base, pointer_size * 2);
  if (!m.taints.empty()) s += " (" + m.taints + ")";
  return s;
}

} // namespace mquire::modules
