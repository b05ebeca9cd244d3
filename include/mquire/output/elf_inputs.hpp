// SPDX-License-Identifier: Apache-2.0
// What an ELF file of a kernel is made of, decided from the recovered data:
// the kernel image's address range, each module's memory, and the machine.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "../addressing/resolve.hpp"
#include "../memory/readable_runs.hpp"
#include "../modules/module_list.hpp"
#include "../kallsyms/table.hpp"
#include "elf_writer.hpp"
#include "../notes.hpp"

namespace mquire::output {

// Far above any kernel image (Debian's are 30-70 MiB with bss) or module:
// a hostile table or module struct cannot make us copy more.
inline constexpr std::uint64_t max_kernel_bytes = std::uint64_t{1} << 30;
inline constexpr std::uint64_t max_module_bytes = std::uint64_t{1} << 26;
inline constexpr std::uint64_t max_all_module_bytes = std::uint64_t{1} << 30;

// [start, end) of the kernel image: _text (or _stext; or a symbol up to
// 2 MiB before it) up to _end (or the last symbol, plus a page).
inline std::optional<std::pair<std::uint64_t, std::uint64_t>> kernel_image_range(const kallsyms_table& t) {
  const symbol* start = mquire::detail::find_symbol(t, "_text");
  if (!start) start = mquire::detail::find_symbol(t, "_stext");
  std::uint64_t lo = start ? start->address : ~std::uint64_t{0}, hi = 0;
  if (const symbol* end = mquire::detail::find_symbol(t, "_end")) hi = end->address;
  if (!start || hi <= lo) {
    for (const auto& s : t.symbols) {
      if (!s.trusted() || is_absolute(s.type)) continue;
      if (!start) lo = std::min(lo, s.address);
      hi = std::max(hi, s.address);
    }
    if (hi < lo) return std::nullopt;
    hi = hi > ~std::uint64_t{0} - 4096 ? ~std::uint64_t{0} : hi + 4096;
  }
  // Head code some architectures place before _text (riscv's _start and
  // its PE header, at the image's first byte) is part of the image too.
  if (start)
    for (const auto& s : t.symbols)
      if (s.trusted() && !is_absolute(s.type) && s.address < lo && lo - s.address <= (1u << 21))
        lo = s.address;
  if (hi - lo > max_kernel_bytes) hi = lo + max_kernel_bytes;
  return std::make_pair(lo, hi);
}

// The kernel's bytes and each module's regions, as memory holds them.
struct elf_contents {
  std::vector<memory_run> runs;
  std::vector<std::string> run_names; // "" for the kernel, the module's name otherwise
  mquire::notes notes;     // what could not be read
};

// `kernel_file`: the input is a kernel image or vmlinux, whose bss (up to
// `_end`) is not in the file but is zero when the kernel starts; it is
// mapped as zeros. In a dump a hole is unknown memory and stays a hole.
inline elf_contents read_elf_contents(const kallsyms_table& t, const virtual_memory& m,
                                      const modules::module_list* mods, bool kernel_file = false) {
  elf_contents c;
  const auto take = [&](std::vector<memory_run> runs, const std::string& name) {
    for (auto& r : runs) {
      c.runs.push_back(std::move(r));
      c.run_names.push_back(name);
    }
  };
  if (const auto range = kernel_image_range(t)) {
    auto runs = readable_runs(m, range->first, range->second, max_kernel_bytes);
    if (kernel_file && !runs.empty()) {
      auto& last = runs.back();
      const std::uint64_t reached = last.address + last.bytes.size();
      if (reached < range->second) last.bytes.resize(static_cast<std::size_t>(range->second - last.address), 0);
    }
    if (runs.empty()) c.notes.add("the kernel image " + mquire::detail::hex(range->first) + ".." +
                                  mquire::detail::hex(range->second) + " is not in memory");
    take(std::move(runs), "");
  } else {
    c.notes.add("the table places no kernel image (no _text, _stext or text symbols)");
  }
  if (!mods) return c;
  std::uint64_t total = 0;
  for (const auto& mod : mods->modules)
    for (const auto& [address, size] : mod.regions) {
      if (size > max_module_bytes || total + size > max_all_module_bytes || address + size < address) {
        c.notes.add("module " + mod.name + ": region at " + mquire::detail::hex(address) + " of " +
                    std::to_string(size) + " bytes left out (too large)");
        continue;
      }
      auto runs = readable_runs(m, address, address + size, size);
      for (const auto& r : runs) total += r.bytes.size();
      if (runs.empty()) c.notes.add("module " + mod.name + ": region at " + mquire::detail::hex(address) +
                                    " is not in memory");
      take(std::move(runs), mod.name);
    }
  return c;
}

// e_machine for the kernel, from symbols only an architecture's kernel has
// (its system-call wrappers and entry code); 0 when none is known.
inline std::uint16_t machine_from_symbols(const kallsyms_table& t) {
  struct hint {
    std::string_view symbol;
    unsigned word_size;
    std::uint16_t machine;
  };
  static constexpr hint hints[] = {
      {"__x64_sys_read", 8, 62},   {"entry_SYSCALL_64", 8, 62}, {"startup_64", 8, 62},
      {"__ia32_sys_read", 4, 3},   {"entry_INT80_32", 4, 3},    {"startup_32", 4, 3},
      {"__arm64_sys_read", 8, 183}, {"primary_entry", 8, 183}, {"vector_swi", 4, 40},
      {"__s390x_sys_read", 8, 22}, {"system_call", 8, 22},      {"__riscv_sys_read", 8, 243},
      {"handle_exception", 8, 243}, {"handle_syscall", 8, 258}, {"system_call_common", 8, 21},
      {"handle_sys64", 8, 8},      {"handle_sys", 4, 8},
  };
  for (const auto& h : hints)
    if (t.word_size == h.word_size && mquire::detail::find_symbol(t, h.symbol)) return h.machine;
  return 0;
}

} // namespace mquire::output
