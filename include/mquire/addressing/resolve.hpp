// SPDX-License-Identifier: Apache-2.0
// Where the kernel image is in virtual memory, for a table found in a range
// of physical memory. Each method answers with the virtual address of the
// range's first byte (as the kernel image mapping sees it) and, when it can,
// the KASLR slide; every answer is checked against the table itself, and the
// methods are compared with each other. Nothing is guessed: a method that
// cannot tie its data to this table gives no answer and says why.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "../kallsyms/addresses.hpp"
#include "../detail/hex.hpp"
#include "../kallsyms/table.hpp"
#include "vmcoreinfo.hpp"
#include "x86_64_paging.hpp"

namespace mquire {

struct address_method {
  std::string method;                       // what was used
  std::optional<std::uint64_t> range_vaddr; // virtual address of the range's first byte
  std::optional<std::uint64_t> slide;       // KASLR slide, when the method tells it
  std::optional<std::uint64_t> relative_base; // the value an unrelocated relative_base receives
  std::optional<unsigned> word_size;        // the kernel's word size in bytes, when the method shows it
  std::size_t agreeing = 0;                 // independent ties that agree
  std::string detail;                       // what was found, or why there is no answer
};

struct address_resolution {
  std::vector<address_method> methods;
  std::optional<std::size_t> chosen; // index into methods
  bool consistent = true;            // all answering methods agree
  std::optional<std::uint64_t> range_vaddr() const {
    return chosen ? methods[*chosen].range_vaddr : std::nullopt;
  }
};

namespace detail {
// Symbols of `t` by name, for the few names a method asks about; damaged
// entries never answer.
inline const symbol* find_symbol(const kallsyms_table& t, std::string_view name) {
  for (const auto& s : t.symbols)
    if (s.trusted() && t.name(s) == name) return &s;
  return nullptr;
}
} // namespace detail

// From vmcoreinfo: SYMBOL(kallsyms_*) lines place the sections the search
// found; SYMBOL(name) lines of symbols in the table place the table itself
// (place-relative) or must equal the table's addresses (otherwise). Some
// SYMBOL() lines hold a pointer's value rather than the symbol's address
// (VMCOREINFO_SYMBOL_ARRAY: mem_section, node_data), so ties are counted:
// an answer needs at least two and more than twice as many as dissent.
inline address_method resolve_with_vmcoreinfo(const kallsyms_table& t, const vmcoreinfo& info, std::string method) {
  address_method m;
  m.method = std::move(method);
  const std::uint64_t mask = detail::word_mask(t.word_size);
  std::vector<std::uint64_t> votes; // range start implied by each tie
  std::size_t agree = 0, dissent = 0;
  std::string dissenters;
  for (const auto& s : t.sections)
    if (auto v = info.symbol(kernel_label(s.role))) votes.push_back((*v - s.offset) & mask);
  for (const auto& [key, value] : info.values) {
    if (key.rfind("SYMBOL(", 0) != 0 || key.back() != ')') continue;
    const std::string_view name = std::string_view(key).substr(7, key.size() - 8);
    if (name.rfind("kallsyms_", 0) == 0) continue;
    const symbol* s = detail::find_symbol(t, name);
    auto v = info.symbol(name);
    if (!s || !v) continue;
    if (t.basis == address_basis::range_relative) {
      votes.push_back((*v - s->address) & mask);
    } else if (t.basis == address_basis::virtual_address) {
      if (s->address == (*v & mask)) {
        ++agree;
      } else {
        ++dissent;
        dissenters += (dissenters.empty() ? "" : ", ") + std::string(name);
      }
    }
  }
  if (!votes.empty()) {
    std::sort(votes.begin(), votes.end());
    std::uint64_t best = votes[0];
    std::size_t best_n = 0;
    for (std::size_t i = 0; i < votes.size();) {
      std::size_t j = i;
      while (j < votes.size() && votes[j] == votes[i]) ++j;
      if (j - i > best_n) best_n = j - i, best = votes[i];
      i = j;
    }
    if (t.basis == address_basis::range_relative) {
      agree = best_n;
      dissent = votes.size() - best_n;
    } else {
      // sections tie the range; symbols were compared above
      agree += best_n;
      dissent += votes.size() - best_n;
    }
    m.range_vaddr = best;
  }
  m.agreeing = agree;
  if (agree < 2 || agree <= 2 * dissent) {
    m.range_vaddr.reset();
    m.detail = agree == 0 && dissent == 0 ? "names no symbol or section of this table"
                                          : std::to_string(agree) + " SYMBOL() lines agree with the table, " +
                                                std::to_string(dissent) + " do not: not this kernel's vmcoreinfo";
    return m;
  }
  m.slide = info.kernel_offset();
  m.detail = std::to_string(agree) + " SYMBOL() lines agree with the table" +
             (dissent ? " (" + std::to_string(dissent) + " hold pointer values" +
                            (dissenters.empty() ? std::string() : ": " + dissenters) + ")"
                      : std::string()) +
             (m.slide ? ", KERNELOFFSET=" + detail::hex(*m.slide) : std::string());
  return m;
}

// From the x86_64 page tables: the kernel's own top-level table
// (init_top_pgt) is located through the table, then the kernel image mapping
// is searched for the physical page the table lies in. `range_address` is
// the physical address of the range's first byte.
inline address_method resolve_with_x86_64_page_tables(const kallsyms_table& t, std::uint64_t range_address,
                                                      const physical_reader& rd) {
  address_method m;
  m.method = "x86_64 page tables (init_top_pgt)";
  if (t.word_size != 8) {
    m.detail = "not a 64-bit table";
    return m;
  }
  const symbol* pgt = detail::find_symbol(t, "init_top_pgt");
  if (!pgt) pgt = detail::find_symbol(t, "init_level4_pgt");
  if (!pgt) {
    m.detail = "the table has no init_top_pgt symbol (kernel built without KALLSYMS_ALL?)";
    return m;
  }
  // The page table's physical address: its distance to the table is the same
  // in physical and virtual memory (the kernel image is loaded contiguously).
  std::optional<std::uint64_t> pgt_pa;
  if (t.basis == address_basis::range_relative) {
    pgt_pa = range_address + pgt->address;
  } else if (const symbol* banner = detail::find_symbol(t, "linux_banner");
             banner && !t.banner.empty() && t.basis == address_basis::virtual_address) {
    pgt_pa = pgt->address - banner->address + range_address + t.banner_offset;
  }
  if (!pgt_pa) {
    m.detail = "no physical anchor for init_top_pgt (no linux_banner in front of the table)";
    return m;
  }
  const std::size_t anchor = t.sections.front().offset;
  for (unsigned levels : {4u, 5u}) {
    auto va = x86_64::kernel_vaddr_of(rd, *pgt_pa, range_address + anchor, levels);
    if (!va) continue;
    const std::uint64_t range_vaddr = *va - anchor;
    // Check: init_top_pgt's own virtual address maps back to where it was found.
    const std::uint64_t pgt_va = t.basis == address_basis::range_relative ? range_vaddr + pgt->address : pgt->address;
    if (x86_64::translate(rd, *pgt_pa, pgt_va, levels) != *pgt_pa) continue;
    m.range_vaddr = range_vaddr;
    m.agreeing = 2;
    m.method += levels == 4 ? ", 4-level" : ", 5-level";
    m.detail = "init_top_pgt at physical " + detail::hex(*pgt_pa) + " maps the table's page at " + detail::hex(*va) +
               " and itself back";
    return m;
  }
  m.detail = "the page tables at physical " + detail::hex(*pgt_pa) + " do not map the table's page (corrupt or not a page table)";
  return m;
}

// The x86_64 KASLR slide from the table's own _text, assuming the default
// link address (CONFIG_PHYSICAL_START 0x1000000): stated as an assumption.
inline address_method slide_from_x86_64_default_link(const kallsyms_table& t) {
  address_method m;
  m.method = "x86_64 _text against the default link address 0xffffffff81000000";
  const symbol* text = detail::find_symbol(t, "_text");
  if (t.basis != address_basis::virtual_address || t.word_size != 8 || !text ||
      text->address < x86_64::default_text || (text->address - x86_64::default_text) % (2u << 20) != 0 ||
      text->address - x86_64::default_text >= (1ull << 30)) {
    m.detail = "no x86_64 _text at a 2 MiB-aligned offset from the default link address";
    return m;
  }
  m.slide = text->address - x86_64::default_text;
  m.agreeing = 1;
  m.detail = "_text at " + detail::hex(text->address) + " (assumes the default CONFIG_PHYSICAL_START)";
  return m;
}

// Picks the answer: the user's base first, then the methods in the order given.
inline address_resolution combine(std::vector<address_method> methods) {
  address_resolution r;
  r.methods = std::move(methods);
  for (std::size_t i = 0; i < r.methods.size(); ++i) {
    if (!r.methods[i].range_vaddr) continue;
    if (!r.chosen) r.chosen = i;
    else if (r.methods[i].range_vaddr != r.methods[*r.chosen].range_vaddr) r.consistent = false;
  }
  std::optional<std::uint64_t> slide;
  for (const auto& m : r.methods)
    if (m.slide) {
      if (slide && *slide != *m.slide) r.consistent = false;
      slide = m.slide;
    }
  return r;
}

} // namespace mquire
