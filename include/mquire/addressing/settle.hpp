// SPDX-License-Identifier: Apache-2.0
// Every address method that applies to one found table, in a fixed order,
// compared, and what they agree on applied to the table. This is the policy
// a tool needs after the search: which methods to ask given what the input
// offers, when the costly ones run (only when nothing cheaper answered),
// what the user's base overrides, and what settles the word size of a
// layout without pointer fields.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "../detail/hex.hpp"
#include "../kallsyms/table.hpp"
#include "image_pointers.hpp"
#include "image_relocations.hpp"
#include "resolve.hpp"
#include "vmcoreinfo.hpp"

namespace mquire {

// What the caller knows about where a table was found.
struct table_surroundings {
  // The bytes of the range the table was found in, when the input holds them
  // contiguously (empty otherwise: a kdump read page by page).
  std::span<const std::uint8_t> range{};
  // The whole input file, when the range starts at its first byte and the
  // file is an image (its relocations can then be read); empty otherwise.
  std::span<const std::uint8_t> image_file{};
  std::uint64_t range_address = 0;              // input address of the range's first byte
  bool range_is_physical = false;               // that address is a physical one
  std::optional<std::uint64_t> range_vaddr{};   // the range's virtual address from the input's headers
  std::optional<std::uint64_t> user_base{};     // the user's virtual address of input address 0
  std::string_view vmcoreinfo_note{};           // the VMCOREINFO note of the input's headers
  std::vector<std::pair<std::uint64_t, vmcoreinfo>> vmcoreinfo_in_memory{}; // input address, parsed text
  physical_reader read_physical{};              // reads physical memory (set when range_is_physical)
};

struct address_outcome {
  address_resolution resolution;
  std::optional<std::uint64_t> slide;
  std::string slide_method;
  bool rebased = false; // a relative table was turned into virtual addresses
};

// Every method that applies to `t` given what the caller knows, in order;
// the costly stored-pointer method only when nothing before it answered.
inline std::vector<address_method> address_methods(const kallsyms_table& t, const table_surroundings& s) {
  std::vector<address_method> methods;
  if (t.basis == address_basis::virtual_address && t.encoding != address_encoding::place_relative) {
    // Absolute and base-relative tables carry their addresses themselves:
    // runtime ones in a dump, link-time ones in a non-relocatable image.
    address_method m;
    m.method = "the table's own data";
    m.detail = t.relative_base ? "kallsyms_relative_base " + detail::hex(*t.relative_base) +
                                     " plus each symbol's offset gives its address; no base is needed"
                               : "the table stores absolute addresses; no base is needed";
    methods.push_back(std::move(m));
  }
  if (s.user_base) {
    address_method m;
    m.method = "--base";
    m.range_vaddr = *s.user_base + s.range_address;
    m.detail = "given by the user";
    methods.push_back(m);
  } else if (s.range_vaddr) {
    address_method m;
    m.method = "the input's own segment addresses";
    m.range_vaddr = *s.range_vaddr;
    m.detail = "virtual address " + detail::hex(*s.range_vaddr) + " from the input's headers";
    methods.push_back(m);
  }
  if (!s.vmcoreinfo_note.empty()) {
    if (auto info = parse_vmcoreinfo(s.vmcoreinfo_note)) {
      methods.push_back(resolve_with_vmcoreinfo(t, *info, "vmcoreinfo (the input's VMCOREINFO note)"));
    } else {
      address_method m;
      m.method = "vmcoreinfo (the input's VMCOREINFO note)";
      m.detail = info.err().message;
      methods.push_back(std::move(m));
    }
  }
  for (const auto& [at, info] : s.vmcoreinfo_in_memory)
    methods.push_back(resolve_with_vmcoreinfo(t, info, "vmcoreinfo (in memory at " + detail::hex(at) + ")"));
  if (s.range_is_physical && s.read_physical)
    methods.push_back(resolve_with_x86_64_page_tables(t, s.range_address, s.read_physical));
  if (t.basis == address_basis::zero_base && !s.image_file.empty())
    methods.push_back(resolve_with_image_relocations(t, s.image_file));
  const auto answered = [&] {
    return std::any_of(methods.begin(), methods.end(), [](const auto& m) { return m.range_vaddr.has_value(); });
  };
  if (t.basis == address_basis::range_relative && !s.image_file.empty() && !s.range_is_physical)
    methods.push_back(resolve_range_relative_with_relocations(t, s.image_file));
  // Images whose relocations carry no addends (RELR), and a dump's kernel
  // after KASLR alike, store every pointer at its (runtime) value: count the
  // ones that land on symbols, when nothing else answered.
  if (t.basis == address_basis::range_relative && !s.range.empty() && !answered())
    methods.push_back(resolve_range_relative_with_pointers(t, s.range));
  return methods;
}

// Asks every method, compares their answers and applies what they agree on
// (or what the user gave) to `t`: a relative table is rebased, a word size
// that a method showed is set. The slide is the first method's that tells
// one, else the x86_64 default link's.
inline address_outcome settle_addresses(kallsyms_table& t, const table_surroundings& s) {
  address_outcome a;
  a.resolution = combine(address_methods(t, s));
  const auto& res = a.resolution;
  // The user's base overrides; otherwise only answers that agree are applied.
  const bool apply = s.user_base.has_value() || res.consistent;
  if (apply && res.range_vaddr() && t.basis == address_basis::zero_base)
    a.rebased = rebase_zero_base(t, *res.range_vaddr(), res.methods[*res.chosen].relative_base);
  // A method that shows the word size (pointers of one width land on
  // symbols) settles it for a table whose layout has no pointer field; with
  // a base from elsewhere, the pointers under that base are asked.
  if (apply && res.chosen && res.methods[*res.chosen].word_size) {
    t.word_size = *res.methods[*res.chosen].word_size;
    t.word_size_source = res.methods[*res.chosen].method;
  } else if (apply && res.range_vaddr() && t.basis == address_basis::range_relative && !s.range.empty() &&
             t.word_size_source == word_size_assumed) {
    if (auto w = stored_pointer_width(t, s.range, *res.range_vaddr())) {
      t.word_size = *w;
      t.word_size_source = "pointers stored in memory under the recovered base";
    }
  }
  if (apply && res.range_vaddr() && t.basis == address_basis::range_relative) {
    detail::rebase(t, *res.range_vaddr());
    a.rebased = true;
  }
  // The slide: the first method that tells it; else the x86_64 default link.
  for (const auto& m : res.methods)
    if (m.slide) {
      a.slide = m.slide;
      a.slide_method = m.method;
      break;
    }
  auto link = slide_from_x86_64_default_link(t);
  if (!a.slide && link.slide) {
    a.slide = link.slide;
    a.slide_method = link.method + " (" + link.detail + ")";
  }
  a.resolution.methods.push_back(std::move(link));
  return a;
}

} // namespace mquire
