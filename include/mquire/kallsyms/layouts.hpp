// SPDX-License-Identifier: Apache-2.0
// Layout variants: an ordered list of section descriptors plus the few facts
// that differ between kernel eras (alignment, address encoding, name length
// encoding, word sizes). Layouts are types, checked at compile time, so a
// user can declare a vendor layout next to the built-in ones:
//
//   using my_layout = mquire::layout<"vendor-x", traits,
//       sections::num_syms<>, sections::names, sections::markers<>,
//       sections::token_table, sections::token_index, sections::offsets,
//       sections::relative_base>;
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include <boost/hana/core/to.hpp>
#include <boost/hana/ext/std/array.hpp>
#include <boost/hana/tuple.hpp>
#include <boost/hana/type.hpp>
#include <boost/hana/unpack.hpp>

#include "sections.hpp"

namespace mquire {

// How symbol i's address is stored.
enum class address_encoding : std::uint8_t {
  absolute,             // addresses[i]
  base_relative,        // relative_base + (u32)offsets[i]
  base_relative_percpu, // offsets[i] >= 0 ? offsets[i] : relative_base - 1 - offsets[i]
  place_relative,       // &offsets[i] + (s32)offsets[i]            (7.0)
  absolute_u32,         // (u32)offsets[i]                          (7.0, 32-bit)
};

constexpr std::string_view to_string(address_encoding e) noexcept {
  switch (e) {
  case address_encoding::absolute: return "absolute";
  case address_encoding::base_relative: return "base-relative";
  case address_encoding::base_relative_percpu: return "base-relative, absolute per-cpu";
  case address_encoding::place_relative: return "place-relative";
  case address_encoding::absolute_u32: return "absolute u32";
  }
  return "?";
}

// ALGN in scripts/kallsyms.c: the word size before 7.0, 4 bytes from 7.0.
enum class alignment_rule : std::uint8_t { word, four };

// One length byte (< 0x80) before 6.1; from 6.1 a two-byte ULEB128 for long names.
enum class name_length : std::uint8_t { one_byte, uleb128 };

enum class word_sizes : std::uint8_t { w32 = 1, w64 = 2, any = 3 };

// How kallsyms_names stores a name: as token indices into kallsyms_token_table
// (every kernel), or as plain text with no token table at all (OpenWRT's
// KALLSYMS_UNCOMPRESSED patch).
enum class name_coding : std::uint8_t { token_compressed, plain };

struct layout_traits {
  address_encoding encoding = address_encoding::base_relative;
  alignment_rule alignment = alignment_rule::word;
  name_length names = name_length::uleb128;
  word_sizes words = word_sizes::any;
  name_coding coding = name_coding::token_compressed;

  constexpr unsigned align(unsigned word_size) const noexcept {
    return alignment == alignment_rule::four ? 4u : word_size;
  }
  constexpr bool allows(unsigned word_size) const noexcept {
    const unsigned bit = word_size == 8 ? 2u : word_size == 4 ? 1u : 0u;
    return (static_cast<unsigned>(words) & bit) != 0;
  }
};

// A string usable as a template argument (layout names).
template <std::size_t N>
struct fixed_string {
  char chars[N]{};
  constexpr fixed_string(const char (&s)[N]) noexcept {
    for (std::size_t i = 0; i < N; ++i) chars[i] = s[i];
  }
  constexpr std::string_view view() const noexcept { return {chars, N - 1}; }
};

inline constexpr std::size_t max_sections = 12;

// The runtime form of a layout, which the search engine walks.
struct layout_desc {
  std::string_view name;
  layout_traits traits{};
  std::array<section_desc, max_sections> sections{};
  std::size_t count = 0;

  constexpr std::size_t index_of(section_role r) const noexcept {
    for (std::size_t i = 0; i < count; ++i)
      if (sections[i].role == r) return i;
    return count;
  }
  constexpr bool has(section_role r) const noexcept { return index_of(r) != count; }
  // The section of role `r`; a layout without it (check_layout rules that
  // out for the core sections) gives an empty descriptor, never a read past
  // the array.
  constexpr section_desc at(section_role r) const noexcept {
    const std::size_t i = index_of(r);
    return i < count && i < max_sections ? sections[i] : section_desc{};
  }
  constexpr bool plain_names() const noexcept { return traits.coding == name_coding::plain; }
};

// What is wrong with a section list, if anything. Each value has a
// static_assert below whose message names the problem.
enum class layout_problem : std::uint8_t {
  none,
  too_many_sections,
  duplicate_section,
  missing_core_section,
  names_not_after_num_syms,
  markers_not_after_names,
  token_index_not_after_token_table,
  markers_after_token_table,
  no_address_section,
  both_address_sections,
  encoding_needs_addresses,
  encoding_needs_offsets_and_base,
  encoding_forbids_relative_base,
  plain_names_with_token_table,
  optional_section_not_last,
};

constexpr layout_problem check_layout(const layout_desc& d) noexcept {
  if (d.count > max_sections) return layout_problem::too_many_sections;
  for (std::size_t i = 0; i < d.count; ++i)
    for (std::size_t j = i + 1; j < d.count; ++j)
      if (d.sections[i].role == d.sections[j].role) return layout_problem::duplicate_section;
  using R = section_role;
  for (R r : {R::num_syms, R::names, R::markers})
    if (!d.has(r)) return layout_problem::missing_core_section;
  const bool plain = d.traits.coding == name_coding::plain;
  if (plain && (d.has(R::token_table) || d.has(R::token_index))) return layout_problem::plain_names_with_token_table;
  if (!plain && (!d.has(R::token_table) || !d.has(R::token_index))) return layout_problem::missing_core_section;
  if (d.index_of(R::names) != d.index_of(R::num_syms) + 1) return layout_problem::names_not_after_num_syms;
  if (d.index_of(R::markers) != d.index_of(R::names) + 1) return layout_problem::markers_not_after_names;
  if (!plain && d.index_of(R::token_index) != d.index_of(R::token_table) + 1)
    return layout_problem::token_index_not_after_token_table;
  if (!plain && d.index_of(R::markers) > d.index_of(R::token_table)) return layout_problem::markers_after_token_table;
  for (std::size_t i = 0; i + 1 < d.count && i + 1 < max_sections; ++i)
    if (d.sections[i].optional) return layout_problem::optional_section_not_last;
  const bool addr = d.has(R::addresses), offs = d.has(R::offsets), base = d.has(R::relative_base);
  if (!addr && !offs) return layout_problem::no_address_section;
  if (addr && offs) return layout_problem::both_address_sections;
  switch (d.traits.encoding) {
  case address_encoding::absolute:
    if (!addr || base) return layout_problem::encoding_needs_addresses;
    break;
  case address_encoding::base_relative:
  case address_encoding::base_relative_percpu:
    if (!offs || !base) return layout_problem::encoding_needs_offsets_and_base;
    break;
  case address_encoding::place_relative:
  case address_encoding::absolute_u32:
    if (!offs) return layout_problem::encoding_needs_offsets_and_base;
    if (base) return layout_problem::encoding_forbids_relative_base;
    break;
  }
  return layout_problem::none;
}

template <fixed_string Name, layout_traits Traits, typename... Sections>
struct layout {
  static constexpr std::string_view name = Name.view();
  static constexpr layout_traits traits = Traits;
  static constexpr auto section_types = boost::hana::tuple_t<Sections...>;

  static constexpr layout_desc describe() noexcept {
    layout_desc d{};
    d.name = name;
    d.traits = traits;
    d.count = sizeof...(Sections);
    if constexpr (sizeof...(Sections) <= max_sections) {
      d.sections = boost::hana::unpack(section_types, [](auto... t) {
        return std::array<section_desc, max_sections>{
            describe_section<typename decltype(t)::type>()...};
      });
    }
    return d;
  }

  static constexpr layout_problem problem = check_layout(describe());
  static_assert(problem != layout_problem::too_many_sections, "mquire layout: more sections than max_sections");
  static_assert(problem != layout_problem::duplicate_section, "mquire layout: a section appears twice");
  static_assert(problem != layout_problem::missing_core_section,
                "mquire layout: num_syms, names and markers are required, and token_table and token_index "
                "unless the names are plain");
  static_assert(problem != layout_problem::names_not_after_num_syms,
                "mquire layout: names must come right after num_syms (true in every kernel era)");
  static_assert(problem != layout_problem::markers_not_after_names,
                "mquire layout: markers must come right after names");
  static_assert(problem != layout_problem::token_index_not_after_token_table,
                "mquire layout: token_index must come right after token_table");
  static_assert(problem != layout_problem::markers_after_token_table,
                "mquire layout: markers must come before token_table");
  static_assert(problem != layout_problem::no_address_section,
                "mquire layout: needs either addresses or offsets");
  static_assert(problem != layout_problem::both_address_sections,
                "mquire layout: has both addresses and offsets");
  static_assert(problem != layout_problem::encoding_needs_addresses,
                "mquire layout: the absolute encoding needs addresses and no relative_base");
  static_assert(problem != layout_problem::encoding_needs_offsets_and_base,
                "mquire layout: this encoding needs offsets (and relative_base for base-relative)");
  static_assert(problem != layout_problem::encoding_forbids_relative_base,
                "mquire layout: place-relative and absolute-u32 offsets have no relative_base");
  static_assert(problem != layout_problem::plain_names_with_token_table,
                "mquire layout: plain (uncompressed) names have no token_table or token_index");
  static_assert(problem != layout_problem::optional_section_not_last,
                "mquire layout: only the last section may be optional");
};

// The built-in layouts, by kernel era.
namespace layouts {
namespace s = sections;
using enc = address_encoding;

inline constexpr layout_traits word_aligned(enc e, word_sizes w = word_sizes::any) {
  return layout_traits{e, alignment_rule::word, name_length::uleb128, w};
}
inline constexpr layout_traits four_aligned(enc e, word_sizes w) {
  return layout_traits{e, alignment_rule::four, name_length::uleb128, w};
}

inline constexpr layout_traits one_byte_names(enc e) {
  return layout_traits{e, alignment_rule::word, name_length::one_byte, word_sizes::any};
}
inline constexpr layout_traits plain_names(enc e) {
  return layout_traits{e, alignment_rule::word, name_length::uleb128, word_sizes::any, name_coding::plain};
}

// 2.6.10 .. 4.5 (and later kernels without base-relative offsets, up to
// 4.19): absolute addresses first, pointer-sized num_syms and markers.
using v2_6_absolute = layout<"2.6-absolute", one_byte_names(enc::absolute), s::addresses, s::num_syms<pointer_width>,
                             s::names, s::markers<pointer_width>, s::token_table, s::token_index>;
// 4.6 .. 4.19: base-relative offsets, still pointer-sized num_syms and markers.
using v4_6_base_relative =
    layout<"4.6-base-relative", one_byte_names(enc::base_relative), s::offsets, s::relative_base,
           s::num_syms<pointer_width>, s::names, s::markers<pointer_width>, s::token_table, s::token_index>;
using v4_6_base_relative_percpu =
    layout<"4.6-base-relative-percpu", one_byte_names(enc::base_relative_percpu), s::offsets, s::relative_base,
           s::num_syms<pointer_width>, s::names, s::markers<pointer_width>, s::token_table, s::token_index>;

// 4.20 .. 6.1: address data first, 32-bit num_syms and markers. Name lengths
// are one byte up to 6.0 and ULEB128 (one or two bytes) from 6.1; these
// layouts read ULEB128, which reads the older one-byte lengths the same way
// (they never have the top bit set), so one layout covers the whole era.
using v4_20_absolute = layout<"4.20-absolute", word_aligned(enc::absolute), s::addresses, s::num_syms<>,
                              s::names, s::markers<>, s::token_table, s::token_index>;
using v4_20_base_relative =
    layout<"4.20-base-relative", word_aligned(enc::base_relative), s::offsets, s::relative_base,
           s::num_syms<>, s::names, s::markers<>, s::token_table, s::token_index>;
using v4_20_base_relative_percpu =
    layout<"4.20-base-relative-percpu", word_aligned(enc::base_relative_percpu), s::offsets,
           s::relative_base, s::num_syms<>, s::names, s::markers<>, s::token_table, s::token_index>;

// 6.2 .. 6.3 (and Debian's 6.1, which backported it): seqs_of_names between
// markers and the token table.
using v6_2_absolute = layout<"6.2-absolute", word_aligned(enc::absolute), s::addresses, s::num_syms<>,
                             s::names, s::markers<>, s::seqs_of_names, s::token_table, s::token_index>;
using v6_2_base_relative =
    layout<"6.2-base-relative", word_aligned(enc::base_relative), s::offsets, s::relative_base,
           s::num_syms<>, s::names, s::markers<>, s::seqs_of_names, s::token_table, s::token_index>;
using v6_2_base_relative_percpu =
    layout<"6.2-base-relative-percpu", word_aligned(enc::base_relative_percpu), s::offsets,
           s::relative_base, s::num_syms<>, s::names, s::markers<>, s::seqs_of_names, s::token_table,
           s::token_index>;

// 6.4 .. 6.x: the reorder; address data after the token index.
using v6_4_absolute = layout<"6.4-absolute", word_aligned(enc::absolute), s::num_syms<>, s::names,
                             s::markers<>, s::token_table, s::token_index, s::addresses, s::seqs_of_names>;
using v6_4_base_relative =
    layout<"6.4-base-relative", word_aligned(enc::base_relative), s::num_syms<>, s::names, s::markers<>,
           s::token_table, s::token_index, s::offsets, s::relative_base, s::seqs_of_names>;
using v6_4_base_relative_percpu =
    layout<"6.4-base-relative-percpu", word_aligned(enc::base_relative_percpu), s::num_syms<>, s::names,
           s::markers<>, s::token_table, s::token_index, s::offsets, s::relative_base, s::seqs_of_names>;

// 7.0: every label 4-byte aligned, place-relative offsets, no relative_base.
using v7_0_place_relative =
    layout<"7.0-place-relative", four_aligned(enc::place_relative, word_sizes::any), s::num_syms<>, s::names,
           s::markers<>, s::token_table, s::token_index, s::offsets, s::seqs_of_names>;
using v7_0_absolute32 =
    layout<"7.0-absolute32", four_aligned(enc::absolute_u32, word_sizes::w32), s::num_syms<>, s::names,
           s::markers<>, s::token_table, s::token_index, s::offsets, s::seqs_of_names>;

// OpenWRT's KALLSYMS_UNCOMPRESSED: the same arrays with the names as plain
// text and no token table or token index. Whether kallsyms_seqs_of_names
// follows depends on the kernel (6.2 on), so it is optional. The patch has
// been carried across eras: pointer-sized counts before 4.20, 32-bit after;
// address data in front of num_syms before 6.4, after the markers from 6.4.
using s_seqs = s::optional<s::seqs_of_names>;
using plain_v4_20_base_relative =
    layout<"uncompressed-names-4.20-base-relative", plain_names(enc::base_relative), s::offsets, s::relative_base,
           s::num_syms<>, s::names, s::markers<>, s_seqs>;
using plain_v4_20_base_relative_percpu =
    layout<"uncompressed-names-4.20-base-relative-percpu", plain_names(enc::base_relative_percpu), s::offsets,
           s::relative_base, s::num_syms<>, s::names, s::markers<>, s_seqs>;
using plain_v4_20_absolute = layout<"uncompressed-names-4.20-absolute", plain_names(enc::absolute), s::addresses,
                                    s::num_syms<>, s::names, s::markers<>, s_seqs>;
using plain_v6_4_base_relative =
    layout<"uncompressed-names-6.4-base-relative", plain_names(enc::base_relative), s::num_syms<>, s::names,
           s::markers<>, s::offsets, s::relative_base, s_seqs>;
using plain_v6_4_base_relative_percpu =
    layout<"uncompressed-names-6.4-base-relative-percpu", plain_names(enc::base_relative_percpu), s::num_syms<>,
           s::names, s::markers<>, s::offsets, s::relative_base, s_seqs>;
using plain_v6_4_absolute = layout<"uncompressed-names-6.4-absolute", plain_names(enc::absolute), s::num_syms<>,
                                   s::names, s::markers<>, s::addresses, s_seqs>;
using plain_v4_6_base_relative =
    layout<"uncompressed-names-4.6-base-relative", plain_names(enc::base_relative), s::offsets, s::relative_base,
           s::num_syms<pointer_width>, s::names, s::markers<pointer_width>>;
using plain_v4_6_base_relative_percpu =
    layout<"uncompressed-names-4.6-base-relative-percpu", plain_names(enc::base_relative_percpu), s::offsets,
           s::relative_base, s::num_syms<pointer_width>, s::names, s::markers<pointer_width>>;
using plain_v2_6_absolute = layout<"uncompressed-names-2.6-absolute", plain_names(enc::absolute), s::addresses,
                                   s::num_syms<pointer_width>, s::names, s::markers<pointer_width>>;

} // namespace layouts

} // namespace mquire
