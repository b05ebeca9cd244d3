// SPDX-License-Identifier: Apache-2.0
// Compile-time descriptors of the kallsyms arrays. A section says what it is
// (its role, i.e. the kernel's label), how wide one element is, and how many
// elements it has; where it lies is the layout's business.
#pragma once

#include <cstdint>
#include <string_view>

namespace mquire {

enum class section_role : std::uint8_t {
  num_syms,
  names,
  markers,
  token_table,
  token_index,
  addresses,
  offsets,
  relative_base,
  seqs_of_names,
};

// The kernel's own label for each array, as it appears in System.map.
constexpr std::string_view kernel_label(section_role r) noexcept {
  switch (r) {
  case section_role::num_syms: return "kallsyms_num_syms";
  case section_role::names: return "kallsyms_names";
  case section_role::markers: return "kallsyms_markers";
  case section_role::token_table: return "kallsyms_token_table";
  case section_role::token_index: return "kallsyms_token_index";
  case section_role::addresses: return "kallsyms_addresses";
  case section_role::offsets: return "kallsyms_offsets";
  case section_role::relative_base: return "kallsyms_relative_base";
  case section_role::seqs_of_names: return "kallsyms_seqs_of_names";
  }
  return "?";
}

// How many elements a section holds, as a function of the symbol count N.
enum class count_rule : std::uint8_t {
  one,            // a single value (num_syms, relative_base)
  per_symbol,     // N elements
  per_marker,     // ceil(N / 256) elements
  tokens,         // 256 elements (token index)
  self_delimited, // found by reading it (names, token table)
};

// Element width in bytes; `pointer_width` stands for the kernel's word size,
// which is only known once a candidate is being decoded (4 or 8).
inline constexpr unsigned pointer_width = 0;

template <section_role Role, unsigned ElementWidth, count_rule Count>
struct section {
  static constexpr section_role role = Role;
  static constexpr unsigned element_width = ElementWidth;
  static constexpr count_rule count = Count;
  static constexpr std::string_view label = kernel_label(Role);
};

// A trailing section that a kernel of the layout's era may or may not write
// (kallsyms_seqs_of_names appeared in 6.2): placed only when its data check
// out, left out of the table's sections otherwise.
template <typename S>
struct optional_section : S {
  static constexpr bool optional = true;
};

// The vocabulary layouts are written in.
namespace sections {
template <unsigned Width = 4>
using num_syms = section<section_role::num_syms, Width, count_rule::one>;
using names = section<section_role::names, 1, count_rule::self_delimited>;
template <unsigned Width = 4>
using markers = section<section_role::markers, Width, count_rule::per_marker>;
using token_table = section<section_role::token_table, 1, count_rule::self_delimited>;
using token_index = section<section_role::token_index, 2, count_rule::tokens>;
using addresses = section<section_role::addresses, pointer_width, count_rule::per_symbol>;
using offsets = section<section_role::offsets, 4, count_rule::per_symbol>;
using relative_base = section<section_role::relative_base, pointer_width, count_rule::one>;
// Symbol indices in name order, 3 bytes each, always big-endian.
using seqs_of_names = section<section_role::seqs_of_names, 3, count_rule::per_symbol>;
template <typename S>
using optional = optional_section<S>;
} // namespace sections

// Runtime form of a section, produced from the compile-time one.
struct section_desc {
  section_role role{};
  unsigned element_width = 0; // 0: the word size
  count_rule count{};
  bool optional = false; // may be absent (see optional_section)

  constexpr unsigned width(unsigned word_size) const noexcept {
    return element_width == pointer_width ? word_size : element_width;
  }
  // Size in bytes for N symbols; only meaningful for sections whose size the
  // symbol count decides (everything but names and the token table).
  constexpr std::uint64_t size(std::uint64_t n, unsigned word_size) const noexcept {
    const std::uint64_t w = width(word_size);
    switch (count) {
    case count_rule::one: return w;
    case count_rule::per_symbol: return w * n;
    case count_rule::per_marker: return w * ((n + 255) / 256);
    case count_rule::tokens: return w * 256;
    case count_rule::self_delimited: return 0;
    }
    return 0;
  }
};

template <typename S>
constexpr section_desc describe_section() noexcept {
  if constexpr (requires { S::optional; }) return section_desc{S::role, S::element_width, S::count, S::optional};
  else return section_desc{S::role, S::element_width, S::count, false};
}

} // namespace mquire
