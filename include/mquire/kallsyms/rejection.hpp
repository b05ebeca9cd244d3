// SPDX-License-Identifier: Apache-2.0
// Why a candidate was rejected: one vocabulary for every stage of the search
// (token tables, marker runs, the names walk and expansion, placing the
// sections, validating the decoded table). Stages return a value of this
// enum (none: accepted so far); the report keeps which layout stopped where
// and why, and turns it into words only when asked.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "sections.hpp"

namespace mquire {

enum class rejection : std::uint8_t {
  none,
  // Landmarks and the backward search.
  no_token_index,      // a digit run, but no token index agrees with the tokens
  no_marker_array,     // no marker run fits in front of the token table
  no_symbol_count,     // no num_syms in front of the names fits the markers
  names_disagree,      // no names walk agrees with the markers
  // Walking kallsyms_names.
  marker_count_mismatch,
  name_not_at_marker,
  names_run_into_markers,
  name_length_out_of_range,
  empty_name,
  name_runs_into_markers,
  // Expanding names through the token table.
  torn_name,
  name_too_short,
  name_without_type,
  // Placing the remaining sections (each names the section it concerns).
  section_before_range,
  padding_not_zero,
  section_past_range_end,
  range_ends_before_address_data,
  // Validating the decoded table.
  damaged_names_strict,
  addresses_not_sorted,
  seqs_past_range_end,
  seqs_not_permutation,
  names_out_of_seqs_order_strict,
  relative_base_mismatch,
  cut_short_addresses_untied,
  place_relative_outside_image,
  absolute_far_from_table,
};

constexpr std::string_view to_string(rejection r) noexcept {
  switch (r) {
  case rejection::none: return "accepted";
  case rejection::no_token_index: return "no token index agrees with the tokens";
  case rejection::no_marker_array: return "no marker array fits in front of the token table";
  case rejection::no_symbol_count: return "no symbol count in front of the names fits the markers";
  case rejection::names_disagree: return "the names do not agree with the markers";
  case rejection::marker_count_mismatch: return "marker count does not match the symbol count";
  case rejection::name_not_at_marker: return "a name does not start where its marker says";
  case rejection::names_run_into_markers: return "the names run into the markers";
  case rejection::name_length_out_of_range: return "a name length is out of range";
  case rejection::empty_name: return "an empty name";
  case rejection::name_runs_into_markers: return "a name runs into the markers";
  case rejection::torn_name: return "a name holds a run of zero bytes (torn memory)";
  case rejection::name_too_short: return "a name decodes to fewer than two characters";
  case rejection::name_without_type: return "a name does not start with a symbol type";
  case rejection::section_before_range: return "would start before the range";
  case rejection::padding_not_zero: return "is followed by padding that is not zero";
  case rejection::section_past_range_end: return "would run past the end of the range";
  case rejection::range_ends_before_address_data: return "the range ends before the address data";
  case rejection::damaged_names_strict: return "names could not be read (strict)";
  case rejection::addresses_not_sorted: return "addresses are not sorted";
  case rejection::seqs_past_range_end: return "kallsyms_seqs_of_names runs past the end of the range";
  case rejection::seqs_not_permutation: return "kallsyms_seqs_of_names is not a permutation of the symbols";
  case rejection::names_out_of_seqs_order_strict: return "names are out of kallsyms_seqs_of_names order (strict)";
  case rejection::relative_base_mismatch: return "the first relocated symbol is not at kallsyms_relative_base";
  case rejection::cut_short_addresses_untied:
    return "the address data are cut short and what is left cannot be tied to the table's own address";
  case rejection::place_relative_outside_image:
    return "place-relative offsets point far outside the kernel image around the table";
  case rejection::absolute_far_from_table: return "absolute addresses are far from the table's own virtual address";
  }
  return "?";
}

// One rejection as the report keeps it: which layout, why, and for the
// placement stage which section.
struct rejection_note {
  std::string_view layout; // static storage (a layout's name, or a stage)
  rejection why = rejection::none;
  std::optional<section_role> section{};

  friend bool operator==(const rejection_note&, const rejection_note&) = default;
};

inline std::string describe(const rejection_note& n) {
  std::string s(n.layout);
  s += ": ";
  if (n.section) {
    s += kernel_label(*n.section);
    s += ' ';
  }
  s += to_string(n.why);
  return s;
}

} // namespace mquire
