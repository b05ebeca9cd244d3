// SPDX-License-Identifier: Apache-2.0
// What a search returns: decoded tables with where every section lies, and
// counts of what each stage kept, so a caller can explain a failure.
#pragma once

#include <algorithm>
#include <cstdint>
#include <utility>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "../bytes.hpp"
#include "layouts.hpp"
#include "sections.hpp"
#include "../notes.hpp"

namespace mquire {

// Why an entry of a damaged table cannot be trusted. A table is decoded as
// far as its data allow; an entry whose name or address fails its check is
// kept in place (indices stay the kernel's) but marked, and never printed as
// if it were right.
enum class entry_damage : std::uint8_t {
  none,
  name_unreadable,   // its bytes in kallsyms_names do not walk (torn page, bad length) or cannot be located
  name_out_of_order, // its name breaks the name order kallsyms_seqs_of_names records
  address_out_of_order, // its address breaks the table's sorted order
  address_unreadable,   // its address lies past the end of the range (a truncated dump)
};

inline constexpr std::size_t entry_damage_kinds = 5;

// kallsyms_table::word_size_source when nothing decided the word size.
inline constexpr std::string_view word_size_assumed = "nothing in the table tells: 64-bit assumed";

constexpr std::string_view to_string(entry_damage d) noexcept {
  switch (d) {
  case entry_damage::none: return "none";
  case entry_damage::name_unreadable: return "name unreadable";
  case entry_damage::name_out_of_order: return "name out of kallsyms_seqs_of_names order";
  case entry_damage::address_out_of_order: return "address out of sorted order";
  case entry_damage::address_unreadable: return "address past the end of the input";
  }
  return "?";
}

struct symbol {
  std::uint64_t address = 0;
  char type = '?';
  entry_damage damage = entry_damage::none;
  std::uint32_t name_offset = 0; // into kallsyms_table::names
  std::uint32_t name_length = 0;
  constexpr bool trusted() const noexcept { return damage == entry_damage::none; }
};

// What the printed addresses are.
enum class address_basis : std::uint8_t {
  virtual_address, // what the running kernel would print
  range_relative,  // place-relative data without a known virtual base: offsets from the range's first byte
  zero_base,       // base-relative data whose relative_base reads 0 (an image before relocation)
};

constexpr std::string_view to_string(address_basis b) noexcept {
  switch (b) {
  case address_basis::virtual_address: return "virtual";
  case address_basis::range_relative: return "relative to the range start";
  case address_basis::zero_base: return "relative to an unrelocated (zero) relative_base";
  }
  return "?";
}

struct section_location {
  section_role role{};
  std::size_t offset = 0; // in the searched range
  std::size_t size = 0;
  std::optional<std::uint64_t> vaddr{};
};

struct kallsyms_table {
  std::string_view layout;   // the layout's name (static storage)
  address_encoding encoding{};
  unsigned word_size = 8;    // bytes
  byte_order order = byte_order::little;
  std::uint32_t num_syms = 0;
  std::vector<section_location> sections;
  std::vector<symbol> symbols; // in table order
  std::string names;           // all names back to back; see name()
  address_basis basis = address_basis::virtual_address;
  std::optional<std::uint64_t> relative_base{};
  std::string banner;          // linux_banner found right before the table (a hint only)
  std::size_t banner_offset = 0; // where that banner starts in the range
  int score = 0;               // how much independent evidence agrees; higher is better
  std::vector<std::string> evidence;
  // Other layouts that read these same bytes into the very same table (for
  // example 6.4-absolute and 7.0-absolute32 on 32-bit kernels are identical).
  std::vector<std::string_view> equivalent_layouts;
  // Damage: how many entries are marked (see entry_damage), and what else
  // was found broken that costs no entry (a marker, seqs_of_names entries).
  std::size_t damaged = 0;
  mquire::notes damage_notes;
  // For a table whose names were salvaged around damage: where each entry
  // starts, relative to kallsyms_names (lost_entry where it could not be
  // located). Empty when the names walked whole.
  static constexpr std::uint32_t lost_entry = UINT32_MAX;
  std::vector<std::uint32_t> entry_starts;
  // What decided the word size (the layout's pointer fields, the input's
  // headers, pointers in the image, ...).
  std::string word_size_source;

  std::string_view name(const symbol& s) const noexcept {
    return std::string_view(names).substr(s.name_offset, s.name_length);
  }
  // The bytes all its sections occupy, as [begin, end) in the range.
  std::pair<std::size_t, std::size_t> extent() const noexcept {
    std::size_t b = SIZE_MAX, e = 0;
    for (const auto& s : sections) {
      b = std::min(b, s.offset);
      e = std::max(e, s.offset + s.size);
    }
    return {b, e};
  }
  // Marks entry i (once) and counts it.
  void mark(std::size_t i, entry_damage d) noexcept {
    if (symbols[i].damage != entry_damage::none) return;
    symbols[i].damage = d;
    ++damaged;
  }
  const section_location* section(section_role r) const noexcept {
    for (const auto& s : sections)
      if (s.role == r) return &s;
    return nullptr;
  }
};

// How far the search got, stage by stage.
enum class search_stage : std::uint8_t {
  nothing,
  digit_run,     // a token table landmark
  token_table,   // a table of 256 tokens that agrees with its index
  markers,       // a marker array in front of it
  num_syms,      // a symbol count that fits the markers
  names,         // N names whose positions agree with the markers
  addresses,     // address data placed and decoded
  table,         // the whole table validated
};

constexpr std::string_view to_string(search_stage s) noexcept {
  switch (s) {
  case search_stage::nothing: return "nothing";
  case search_stage::digit_run: return "token table landmark (digit run)";
  case search_stage::token_table: return "token table and token index";
  case search_stage::markers: return "markers";
  case search_stage::num_syms: return "num_syms";
  case search_stage::names: return "names";
  case search_stage::addresses: return "addresses";
  case search_stage::table: return "validated table";
  }
  return "?";
}

struct search_stats {
  std::size_t digit_runs = 0;
  std::size_t token_tables = 0;
  std::size_t marker_candidates = 0;
  std::size_t num_syms_candidates = 0;
  std::size_t names_decoded = 0;
  std::size_t tables_rejected = 0;
  std::size_t tables = 0;
  // Bytes examined in the backward windows and name walks: the search's work
  // beyond the landmark scan, which must stay linear in the input.
  std::uint64_t window_bytes = 0;

  search_stats& operator+=(const search_stats& o) noexcept {
    digit_runs += o.digit_runs;
    token_tables += o.token_tables;
    marker_candidates += o.marker_candidates;
    num_syms_candidates += o.num_syms_candidates;
    names_decoded += o.names_decoded;
    tables_rejected += o.tables_rejected;
    tables += o.tables;
    window_bytes += o.window_bytes;
    return *this;
  }
};

struct search_report {
  std::vector<kallsyms_table> tables; // ranked, best first
  search_stats stats;
  search_stage furthest = search_stage::nothing;
  std::string furthest_detail; // what stopped the candidate that got furthest
};

} // namespace mquire
