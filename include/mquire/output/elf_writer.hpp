// SPDX-License-Identifier: Apache-2.0
// An ELF file for disassemblers and debuggers (gdb, objdump, Ghidra, IDA,
// radare2): the kernel's bytes mapped at their virtual addresses, one
// PT_LOAD per region, and every recovered symbol in .symtab.
//
// Section headers are needed for a symbol table, and they also carry what
// `nm` shows as a symbol's letter: nm derives it from the section's flags
// (code, read-only, data, bss) and the symbol's binding. So each region is
// cut into sections at every change of letter class in address order, and
// `nm` of the file gives back the kallsyms letters. Symbols outside every
// region (per-CPU offsets, 'A') are absolute.
#pragma once

#include <algorithm>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "../bytes.hpp"
#include "../error.hpp"
#include "symbol_entry.hpp"

namespace mquire::output {

namespace elf_format {
inline constexpr std::uint16_t et_exec = 2;
inline constexpr std::uint32_t pt_load = 1;
inline constexpr std::uint32_t pf_x = 1, pf_w = 2, pf_r = 4;
inline constexpr std::uint32_t sht_progbits = 1, sht_symtab = 2, sht_strtab = 3, sht_nobits = 8;
inline constexpr std::uint64_t shf_write = 1, shf_alloc = 2, shf_execinstr = 4;
inline constexpr std::uint16_t shn_abs = 0xfff1;
inline constexpr std::uint8_t stb_local = 0, stb_global = 1, stb_weak = 2, stb_gnu_unique = 10;
inline constexpr std::uint8_t stt_notype = 0, stt_object = 1, stt_func = 2;
// Section indexes at or above 0xff00 are reserved; stay below them rather
// than use extended numbering, which some readers mishandle.
inline constexpr std::size_t max_sections = 0xfe00;
inline constexpr std::uint64_t page = 4096;
} // namespace elf_format

// Bytes to map at `address`. `name` tells a module's regions apart in
// section names (".text.ext4"); the kernel's are unnamed.
struct elf_region {
  std::uint64_t address = 0;
  std::span<const std::uint8_t> bytes;
  std::string name;
};

struct elf_options {
  unsigned word_size = 8;
  byte_order order = byte_order::little;
  std::uint16_t machine = 0; // e_machine (EM_X86_64 62, EM_AARCH64 183, ...)
};

struct elf_report {
  std::size_t segments = 0, sections = 0, symbols = 0, absolute = 0;
  std::uint64_t bytes = 0;
};

// What nm derives from a section's flags.
enum class letter_class : std::uint8_t { none, code, rodata, data, bss };

constexpr letter_class class_of(char letter) noexcept {
  switch (letter) {
  case 't': case 'T': case 'W': case 'w': return letter_class::code;
  case 'r': case 'R': return letter_class::rodata;
  case 'd': case 'D': case 'V': case 'v': case 'g': case 'G': return letter_class::data;
  case 'b': case 'B': case 's': case 'S': return letter_class::bss;
  default: return letter_class::none;
  }
}

// 'A' and 'a': absolute values (per-CPU offsets), in no section.
constexpr bool is_absolute(char letter) noexcept { return letter == 'A' || letter == 'a'; }

namespace detail {

// Little- or big-endian fields of a 32- or 64-bit ELF file.
class elf_bytes {
public:
  elf_bytes(byte_order o, bool is64) : o_(o), is64_(is64) {}
  void u8(std::uint8_t v) { out.push_back(v); }
  void u16(std::uint64_t v) { put(v, 2); }
  void u32(std::uint64_t v) { put(v, 4); }
  void u64(std::uint64_t v) { put(v, 8); }
  void word(std::uint64_t v) { put(v, is64_ ? 8 : 4); } // address, offset, size
  void pad_to(std::size_t n) { out.resize(std::max(out.size(), n), 0); }
  std::vector<std::uint8_t> out;

private:
  void put(std::uint64_t v, unsigned n) {
    for (unsigned i = 0; i < n; ++i) {
      const unsigned shift = o_ == byte_order::little ? 8 * i : 8 * (n - 1 - i);
      out.push_back(static_cast<std::uint8_t>(v >> shift));
    }
  }
  byte_order o_;
  bool is64_;
};

struct elf_section {
  std::uint32_t name = 0;
  std::uint32_t type = elf_format::sht_progbits;
  std::uint64_t flags = 0, address = 0, offset = 0, size = 0;
  std::uint32_t link = 0, info = 0;
  std::uint64_t align = 1, entsize = 0;
  letter_class cls = letter_class::none;
};

inline std::string_view class_name(letter_class c) {
  switch (c) {
  case letter_class::code: return ".text";
  case letter_class::rodata: return ".rodata";
  case letter_class::bss: return ".bss";
  default: return ".data";
  }
}

inline std::uint64_t class_flags(letter_class c) {
  using namespace elf_format;
  switch (c) {
  case letter_class::code: return shf_alloc | shf_execinstr;
  case letter_class::rodata: return shf_alloc;
  default: return shf_alloc | shf_write;
  }
}

// A section of class `c` (nm reads a section without contents as bss).
inline elf_section class_section(std::uint32_t name, letter_class c, std::uint64_t address, std::uint64_t offset) {
  elf_section s;
  s.name = name;
  s.type = c == letter_class::bss ? elf_format::sht_nobits : elf_format::sht_progbits;
  s.flags = class_flags(c);
  s.address = address;
  s.offset = offset;
  s.cls = c;
  return s;
}

} // namespace detail

// What the file will hold, decided before a byte is written: where each
// region goes, the sections cut at each change of letter class, the symbol
// and string tables, and where the tables and section headers go. Built in
// memory, bounded by the symbol count; the region bytes are not copied.
struct elf_plan {
  bool is64 = true;
  std::vector<std::size_t> by_address;   // region indexes in address order
  std::vector<std::uint64_t> offset;     // each region's file offset (congruent to its address modulo a page)
  std::uint64_t end = 0;                 // one past the last byte placed so far
  std::vector<detail::elf_section> sections = std::vector<detail::elf_section>(1); // index 0: the null section
  std::string shstrtab{std::string(1, '\0')};
  std::vector<std::uint8_t> symtab;
  std::string strtab{std::string(1, '\0')};
  std::uint32_t symtab_index = 0, shstr_index = 0;
  std::uint64_t shoff = 0;
  elf_report report;
};

namespace detail {

struct elf_sizes {
  std::uint64_t ehdr, phent, shent, syment;
  explicit elf_sizes(bool is64)
      : ehdr(is64 ? 64 : 52), phent(is64 ? 56 : 32), shent(is64 ? 64 : 40), syment(is64 ? 24 : 16) {}
};

inline std::uint32_t add_section_name(elf_plan& p, std::string_view n) {
  const auto pos = static_cast<std::uint32_t>(p.shstrtab.size());
  p.shstrtab.append(n);
  p.shstrtab.push_back('\0');
  return pos;
}

// File layout: ELF header, program headers, then each region at an offset
// congruent to its address modulo the page size.
inline void place_regions(elf_plan& p, std::span<const elf_region> regions) {
  using elf_format::page;
  p.by_address.resize(regions.size());
  for (std::size_t i = 0; i < p.by_address.size(); ++i) p.by_address[i] = i;
  std::sort(p.by_address.begin(), p.by_address.end(),
            [&](std::size_t a, std::size_t b) { return regions[a].address < regions[b].address; });
  const elf_sizes z(p.is64);
  p.offset.assign(regions.size(), 0);
  std::uint64_t at = z.ehdr + z.phent * regions.size();
  for (const std::size_t i : p.by_address) {
    const std::uint64_t want = regions[i].address % page;
    at = (at + page - 1) / page * page + want;
    p.offset[i] = at;
    at += regions[i].bytes.size();
  }
  p.end = at;
}

// Sections: each region cut where the letter class of its symbols changes
// (`order` is the symbols in address order); each symbol's section in
// `section_of` (0: absolute). Symbols between regions get an empty section
// of their class at their address.
inline void cut_sections(elf_plan& p, std::span<const elf_region> regions, std::span<const symbol_entry> symbols,
                         const std::vector<std::uint32_t>& order, std::vector<std::uint16_t>& section_of) {
  using namespace elf_format;
  const std::uint64_t limit = p.is64 ? ~std::uint64_t{0} : 0xffffffffu;
  auto& sections = p.sections;
  std::vector<std::uint64_t> starts; // region addresses, ascending
  for (const std::size_t i : p.by_address) starts.push_back(regions[i].address);
  std::size_t next = 0; // into `order`
  for (const std::size_t i : p.by_address) {
    const auto& r = regions[i];
    const std::uint64_t end = r.address + (r.bytes.size() - 1); // inclusive: the region may end at 2^64
    while (next < order.size() && symbols[order[next]].address < r.address) ++next;
    letter_class current = letter_class::none;
    for (std::size_t k = next; k < order.size() && symbols[order[k]].address <= end; ++k)
      if ((current = class_of(symbols[order[k]].type)) != letter_class::none) break;
    if (current == letter_class::none) current = letter_class::data;
    const auto open = [&](std::uint64_t from, letter_class c) {
      const auto name = add_section_name(p, std::string(class_name(c)) + (r.name.empty() ? "" : "." + r.name));
      sections.push_back(class_section(name, c, from, p.offset[i] + (from - r.address)));
    };
    const auto close = [&](std::uint64_t last_inclusive) {
      sections.back().size = last_inclusive - sections.back().address + 1;
    };
    open(r.address, current);
    for (; next < order.size() && symbols[order[next]].address <= end; ++next) {
      const auto& s = symbols[order[next]];
      const letter_class c = class_of(s.type);
      if (c != letter_class::none && c != current && s.address != sections.back().address &&
          sections.size() + regions.size() < max_sections) {
        close(s.address - 1);
        open(s.address, c);
        current = c; // where a section just opened, the first class at that address wins
      }
      std::size_t home = sections.size() - 1;
      // An end marker (__stop_*, _etext) shares its address with the next
      // section's start: it belongs at the end of the previous one when
      // that one has its class.
      if (c != letter_class::none && c != sections[home].cls && s.address == sections[home].address &&
          home >= 2 && sections[home - 1].cls == c && sections[home - 1].address + sections[home - 1].size == s.address &&
          sections[home - 1].offset + sections[home - 1].size == sections[home].offset)
        --home;
      section_of[order[next]] = is_absolute(s.type) ? 0 : static_cast<std::uint16_t>(home);
    }
    close(end);
    // Markers of the region's end (_end, __bss_stop) sit one past its last
    // byte: they belong to its last section unless another region starts
    // there (found by binary search: regions are in address order).
    const bool next_region_there = end != limit && std::binary_search(starts.begin(), starts.end(), end + 1);
    if (end != limit && !next_region_there) {
      const std::size_t last = sections.size() - 1;
      for (std::size_t k = next; k < order.size() && symbols[order[k]].address == end + 1; ++k) {
        const char t = symbols[order[k]].type;
        if (!is_absolute(t) && class_of(t) == sections[last].cls) section_of[order[k]] = static_cast<std::uint16_t>(last);
      }
    }
  }
  // Symbols between regions (markers in the padding after a segment, areas
  // a dump does not hold) keep their letter through an empty section of
  // their class at their address; only 'A' symbols are absolute.
  for (const std::uint32_t i : order) {
    const auto& s = symbols[i];
    const letter_class c = class_of(s.type);
    if (section_of[i] != 0 || is_absolute(s.type) || c == letter_class::none) continue;
    const auto& prev = sections.back();
    if (!(prev.size == 0 && prev.address == s.address && prev.cls == c)) {
      if (sections.size() + 1 >= max_sections) continue;
      // Empty: placed after the region bytes.
      sections.push_back(class_section(add_section_name(p, std::string(class_name(c)) + ".gap"), c, s.address, p.end));
    }
    section_of[i] = static_cast<std::uint16_t>(sections.size() - 1);
  }
}

// .symtab and .strtab: locals first (ELF requires it), then the rest;
// sizes run to the next symbol's address within the section. Returns the
// index of the first global.
inline std::uint32_t fill_symbol_tables(elf_plan& p, std::span<const symbol_entry> symbols,
                                   const std::vector<std::uint32_t>& order, const std::vector<std::uint16_t>& section_of,
                                   byte_order endian) {
  using namespace elf_format;
  elf_bytes symtab(endian, p.is64);
  const auto write_symbol = [&](std::uint32_t name, std::uint8_t info, std::uint16_t shndx, std::uint64_t value,
                                std::uint64_t size) {
    if (p.is64) {
      symtab.u32(name);
      symtab.u8(info);
      symtab.u8(0);
      symtab.u16(shndx);
      symtab.u64(value);
      symtab.u64(size);
    } else {
      symtab.u32(name);
      symtab.u32(value);
      symtab.u32(size);
      symtab.u8(info);
      symtab.u8(0);
      symtab.u16(shndx);
    }
  };
  write_symbol(0, 0, 0, 0, 0);
  std::vector<std::uint64_t> size_of(symbols.size(), 0);
  bool have_next = false;
  std::uint64_t next_address = 0; // the next higher address any symbol has
  for (std::size_t k = order.size(); k-- > 0;) {
    const std::uint32_t i = order[k];
    if (k + 1 < order.size() && symbols[order[k + 1]].address != symbols[i].address) {
      have_next = true;
      next_address = symbols[order[k + 1]].address;
    }
    const std::uint16_t sec = section_of[i];
    if (sec == 0) continue;
    std::uint64_t stop = p.sections[sec].address + (p.sections[sec].size - 1);
    if (have_next && next_address - 1 < stop) stop = next_address - 1;
    size_of[i] = stop - symbols[i].address + 1;
  }
  std::uint32_t first_global = 0;
  for (const bool locals : {true, false}) {
    if (!locals) first_global = static_cast<std::uint32_t>(1 + p.report.symbols);
    for (std::uint32_t i = 0; i < symbols.size(); ++i) {
      const auto& s = symbols[i];
      const char t = s.type;
      std::uint8_t bind = (t >= 'A' && t <= 'Z') ? stb_global : stb_local;
      if (t == 'W' || t == 'w' || t == 'V' || t == 'v') bind = stb_weak;
      if (t == 'u') bind = stb_gnu_unique;
      if ((bind == stb_local) != locals) continue;
      const letter_class c = class_of(t);
      const std::uint8_t type = c == letter_class::code ? stt_func : c == letter_class::none ? stt_notype : stt_object;
      const std::uint16_t shndx = section_of[i] == 0 ? shn_abs : section_of[i];
      if (shndx == shn_abs) ++p.report.absolute;
      const auto name = static_cast<std::uint32_t>(p.strtab.size());
      p.strtab.append(s.name);
      p.strtab.push_back('\0');
      write_symbol(name, static_cast<std::uint8_t>(bind << 4 | type), shndx, s.address, size_of[i]);
      ++p.report.symbols;
    }
  }
  if (p.report.symbols == 0) first_global = 1;
  p.symtab = std::move(symtab.out);
  return first_global;
}

// The tables' sections after the region bytes, and the section headers
// after them.
inline void place_tables(elf_plan& p, std::uint32_t first_global) {
  using namespace elf_format;
  p.symtab_index = static_cast<std::uint32_t>(p.sections.size());
  const auto table_section = [&](std::string_view n, std::uint32_t type, std::uint64_t size, std::uint64_t align) {
    elf_section s;
    s.name = add_section_name(p, n);
    s.type = type;
    p.end = (p.end + align - 1) / align * align;
    s.offset = p.end;
    s.size = size;
    s.align = align;
    p.end += size;
    p.sections.push_back(s);
  };
  table_section(".symtab", sht_symtab, p.symtab.size(), p.is64 ? 8 : 4);
  p.sections.back().link = p.symtab_index + 1;
  p.sections.back().info = first_global;
  p.sections.back().entsize = elf_sizes(p.is64).syment;
  table_section(".strtab", sht_strtab, p.strtab.size(), 1);
  p.shstr_index = static_cast<std::uint32_t>(p.sections.size());
  const std::uint32_t shstr_name = add_section_name(p, ".shstrtab");
  elf_section shs;
  shs.name = shstr_name;
  shs.type = sht_strtab;
  shs.offset = p.end;
  shs.size = p.shstrtab.size();
  p.sections.push_back(shs);
  p.end += p.shstrtab.size();
  p.shoff = (p.end + 7) / 8 * 8;
  p.report.sections = p.sections.size();
}

// The ELF header and one PT_LOAD per region, in address order as ELF asks.
inline std::vector<std::uint8_t> elf_headers(const elf_plan& p, std::span<const elf_region> regions,
                                             const elf_options& o) {
  using namespace elf_format;
  const elf_sizes z(p.is64);
  elf_bytes head(o.order, p.is64);
  for (const std::uint8_t b : {std::uint8_t{0x7f}, std::uint8_t{'E'}, std::uint8_t{'L'}, std::uint8_t{'F'}}) head.u8(b);
  head.u8(p.is64 ? 2 : 1);
  head.u8(o.order == byte_order::little ? 1 : 2);
  head.u8(1); // EV_CURRENT
  head.pad_to(16);
  head.u16(et_exec);
  head.u16(o.machine);
  head.u32(1);
  head.word(0);                // no entry point
  head.word(z.ehdr);           // program headers right after
  head.word(p.shoff);
  head.u32(0);                 // flags
  head.u16(z.ehdr);
  head.u16(z.phent);
  head.u16(regions.size());
  head.u16(z.shent);
  head.u16(p.sections.size());
  head.u16(p.shstr_index);
  for (const std::size_t i : p.by_address) {
    const auto& r = regions[i];
    const std::uint64_t n = r.bytes.size();
    head.u32(pt_load);
    if (p.is64) {
      head.u32(pf_r | pf_w | pf_x);
      head.u64(p.offset[i]);
      head.u64(r.address);
      head.u64(r.address);
      head.u64(n);
      head.u64(n);
      head.u64(page);
    } else {
      head.u32(p.offset[i]);
      head.u32(r.address);
      head.u32(r.address);
      head.u32(n);
      head.u32(n);
      head.u32(pf_r | pf_w | pf_x);
      head.u32(page);
    }
  }
  return std::move(head.out);
}

} // namespace detail

// The plan for `regions` and `symbols`, or why they cannot make an ELF file.
inline result<elf_plan> plan_elf(std::span<const elf_region> regions, std::span<const symbol_entry> symbols,
                                 const elf_options& o) {
  if (o.word_size != 4 && o.word_size != 8)
    return make_error(error_code::invalid_argument, "ELF: word size " + std::to_string(o.word_size) + " is not 4 or 8");
  if (regions.empty()) return make_error(error_code::invalid_argument, "ELF: no bytes to map");
  if (regions.size() > 0xff00) return make_error(error_code::invalid_argument, "ELF: too many regions");
  elf_plan p;
  p.is64 = o.word_size == 8;
  const std::uint64_t limit = p.is64 ? ~std::uint64_t{0} : 0xffffffffu;
  for (const auto& r : regions)
    if (r.bytes.empty() || r.address > limit || r.bytes.size() - 1 > limit - r.address)
      return make_error(error_code::invalid_argument, "ELF: region at " + std::to_string(r.address) +
                                                          " is empty or leaves the address space");
  // Symbols in address order (stable: the table's first name at an address
  // sets the class there).
  std::vector<std::uint32_t> order(symbols.size());
  for (std::uint32_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](std::uint32_t a, std::uint32_t b) { return symbols[a].address < symbols[b].address; });
  detail::place_regions(p, regions);
  std::vector<std::uint16_t> section_of(symbols.size(), 0);
  detail::cut_sections(p, regions, symbols, order, section_of);
  p.report.segments = regions.size();
  const std::uint32_t first_global = detail::fill_symbol_tables(p, symbols, order, section_of, o.order);
  detail::place_tables(p, first_global);
  return p;
}

// Writes a planned ELF file to `sink` (a callable taking
// std::span<const std::uint8_t>): the headers, the region bytes straight
// from the caller's buffers, the tables, the section headers.
template <class Sink>
elf_report emit_elf(const elf_plan& p, std::span<const elf_region> regions, const elf_options& o, Sink&& sink) {
  elf_report rep = p.report;
  std::uint64_t written = 0;
  const auto emit = [&](std::span<const std::uint8_t> b) {
    if (b.empty()) return;
    sink(b);
    written += b.size();
  };
  const auto zeros_to = [&](std::uint64_t target) {
    static constexpr std::uint8_t zero[4096] = {};
    while (written < target) emit(std::span(zero, static_cast<std::size_t>(std::min<std::uint64_t>(4096, target - written))));
  };
  emit(detail::elf_headers(p, regions, o));
  for (const std::size_t i : p.by_address) {
    zeros_to(p.offset[i]);
    emit(regions[i].bytes);
    rep.bytes += regions[i].bytes.size();
  }
  zeros_to(p.sections[p.symtab_index].offset);
  emit(p.symtab);
  emit(std::span(reinterpret_cast<const std::uint8_t*>(p.strtab.data()), p.strtab.size()));
  emit(std::span(reinterpret_cast<const std::uint8_t*>(p.shstrtab.data()), p.shstrtab.size()));
  zeros_to(p.shoff);
  detail::elf_bytes sh(o.order, p.is64);
  for (const auto& s : p.sections) {
    sh.u32(s.name);
    sh.u32(s.type);
    sh.word(s.flags);
    sh.word(s.address);
    sh.word(s.offset);
    sh.word(s.size);
    sh.u32(s.link);
    sh.u32(s.info);
    sh.word(s.align);
    sh.word(s.entsize);
  }
  emit(sh.out);
  return rep;
}

// Plans and writes the ELF file in one call.
template <class Sink>
result<elf_report> write_elf(std::span<const elf_region> regions, std::span<const symbol_entry> symbols,
                             const elf_options& o, Sink&& sink) {
  auto plan = plan_elf(regions, symbols, o);
  if (!plan) return plan.err();
  return emit_elf(*plan, regions, o, sink);
}

} // namespace mquire::output
