// SPDX-License-Identifier: Apache-2.0
// One candidate table and the three steps that turn it into a decoded one:
// place (every section's position from N, the layout and its alignment),
// decode (names, then addresses) and validate (validate.hpp). The search
// (search.hpp) only finds candidates; everything after lives here, the same
// for token-compressed and plain names.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "addresses.hpp"
#include "../bytes.hpp"
#include "layouts.hpp"
#include "markers.hpp"
#include "names.hpp"
#include "plain_names.hpp"
#include "rejection.hpp"
#include "salvage.hpp"
#include "table.hpp"
#include "token_table.hpp"
#include "validate.hpp"

namespace mquire::detail {

// Alignment relative to a known label: every kallsyms label is aligned to
// ALGN, so positions are compared modulo ALGN with that label's position.
// This keeps placement right even when the range starts at an odd address.
struct label_alignment {
  std::size_t a = 1;
  std::size_t phase = 0;
  constexpr std::size_t up(std::size_t x) const noexcept {
    const std::size_t d = (x % a + a - phase) % a;
    return d == 0 ? x : x + (a - d);
  }
  constexpr bool at(std::size_t x) const noexcept { return x % a == phase; }
  // Bytes a section of `size` takes from an aligned start to the next label.
  constexpr std::uint64_t span(std::uint64_t size) const noexcept { return (size + a - 1) / a * a; }
};

// Size of the sections in [first, last) of the layout when laid out from an
// aligned position, including the alignment padding after each.
inline std::uint64_t run_size(const layout_desc& L, std::size_t first, std::size_t last, std::uint64_t n,
                              unsigned word, const label_alignment& al) {
  std::uint64_t total = 0;
  for (std::size_t i = first; i < last && i < max_sections; ++i) total += al.span(L.sections[i].size(n, word));
  return total;
}

// What the search found: a layout read with one word size and byte order,
// N, and where num_syms, the names and the markers lie. Token tables have
// `tokens`; plain names have none. `salvaged` holds the names when they did
// not walk whole.
struct candidate {
  const layout_desc* layout = nullptr;
  unsigned word = 8;
  std::string_view word_source{}; // what chose the word size (static storage)
  byte_order order = byte_order::little;
  label_alignment align{};
  const token_table* tokens = nullptr;
  std::size_t num_syms_at = 0;
  std::size_t names_start = 0;
  marker_run markers{};
  std::uint64_t n = 0;
  const salvaged_names* salvaged = nullptr;
};

struct placement {
  std::vector<section_location> sections; // layout order; absent optional sections left out
  bool truncated = false;                 // a trailing section is cut short by the end of the range
  rejection why = rejection::none;
  std::optional<section_role> section{};  // the section `why` concerns

  const section_location* find(section_role r) const noexcept {
    for (const auto& s : sections)
      if (s.role == r) return &s;
    return nullptr;
  }
};

// Places every section: backwards from num_syms, forwards from the markers
// (past the token table and index, where there are), each aligned and sized
// by N. Sections after the names may run past the end of a truncated range
// (a dump cut short): address data and seqs_of_names are then placed as far
// as they go, and the decoding marks the entries beyond.
inline placement place_sections(const byte_reader& r, const candidate& c, bool strict) {
  const layout_desc& L = *c.layout;
  const label_alignment& al = c.align;
  placement p;
  const auto fail = [&](rejection why, section_role role) {
    p.why = why;
    p.section = role;
    p.sections.clear();
    return p;
  };
  const std::size_t i_ns = L.index_of(section_role::num_syms);
  std::vector<section_location> before;
  std::size_t cur = c.num_syms_at;
  for (std::size_t i = i_ns; i-- > 0;) {
    const section_desc d = L.sections[i];
    const std::uint64_t sz = d.size(c.n, c.word), span = al.span(sz);
    if (span > cur) return fail(rejection::section_before_range, d.role);
    cur -= static_cast<std::size_t>(span);
    if (!r.all_zero(cur + sz, span - sz)) return fail(rejection::padding_not_zero, d.role);
    before.push_back({d.role, cur, static_cast<std::size_t>(sz), {}});
  }
  p.sections.assign(before.rbegin(), before.rend());
  p.sections.push_back({section_role::num_syms, c.num_syms_at, L.sections[i_ns].width(c.word), {}});
  p.sections.push_back({section_role::names, c.names_start, c.markers.start - c.names_start, {}});
  p.sections.push_back({section_role::markers, c.markers.start, c.markers.end - c.markers.start, {}});
  std::size_t at = c.markers.end;
  for (std::size_t i = L.index_of(section_role::markers) + 1; i < L.count && i < max_sections; ++i) {
    const section_desc d = L.sections[i];
    if (d.role == section_role::token_table && c.tokens) {
      p.sections.push_back({d.role, c.tokens->table_offset, c.tokens->table_end - c.tokens->table_offset, {}});
      continue;
    }
    if (d.role == section_role::token_index && c.tokens) {
      p.sections.push_back({d.role, c.tokens->index_offset, token_table::index_size, {}});
      at = c.tokens->index_end();
      continue;
    }
    const std::size_t start = std::min(al.up(at), r.size());
    const std::uint64_t sz = d.size(c.n, c.word);
    const bool fits = r.all_zero(at, start - at) && r.fits(start, sz);
    if (d.optional) {
      // Present only when its data say so (seqs_of_names: a permutation;
      // cut short by the end of the range: distinct entries as far as it
      // goes). Otherwise this kernel did not write it.
      const bool seqs = d.role == section_role::seqs_of_names;
      if (fits && (!seqs || seqs_are_permutation(r, start, c.n))) {
        p.sections.push_back({d.role, start, static_cast<std::size_t>(sz), {}});
      } else if (!fits && seqs && !strict && r.all_zero(at, start - at)) {
        const seqs_reading part = read_seqs(r, start, c.n);
        if (part.missing && part.damaged == 0 && !part.order.empty()) {
          p.truncated = true;
          p.sections.push_back({d.role, start, r.size() - start, {}});
        }
      }
      continue;
    }
    if (!r.all_zero(at, start - at)) return fail(rejection::padding_not_zero, p.sections.back().role);
    if (!r.fits(start, sz)) {
      const bool partial_ok = d.role == section_role::offsets || d.role == section_role::addresses ||
                              d.role == section_role::seqs_of_names;
      if (strict || !partial_ok) return fail(rejection::section_past_range_end, d.role);
      p.truncated = true;
      p.sections.push_back({d.role, start, r.size() - start, {}});
      at = r.size();
      continue;
    }
    p.sections.push_back({d.role, start, static_cast<std::size_t>(sz), {}});
    at = start + static_cast<std::size_t>(sz);
  }
  return p;
}

struct decoding {
  kallsyms_table table;
  rejection why = rejection::none;
  std::optional<section_role> section{};
};

// The names of a candidate, decoded once: every layout that reads the same
// names (same start, same N) shares them.
inline rejection decode_names(const byte_reader& r, const candidate& c, kallsyms_table& t) {
  if (!c.tokens) {
    expand_plain_names(r, c.names_start, c.n, t);
    return rejection::none;
  }
  if (c.salvaged) {
    expand_salvaged(r, c.names_start, *c.salvaged, *c.tokens, c.layout->traits.names, t);
    return rejection::none;
  }
  return expand_names(r, c.names_start, c.n, *c.tokens, t);
}

// Where a placed candidate's address data lie and how to read them, or why
// they cannot be read.
inline rejection address_data_of(const byte_reader& r, const byte_range& range, const candidate& c,
                                 const placement& p, address_data& a, std::optional<section_role>& section) {
  const layout_desc& L = *c.layout;
  a.encoding = L.traits.encoding;
  a.word_size = c.word;
  a.order = c.order;
  a.range_vaddr = range.base_vaddr;
  const bool absolute = L.has(section_role::addresses);
  const section_location* src = p.find(absolute ? section_role::addresses : section_role::offsets);
  a.offset = src->offset;
  a.available = src->size / (absolute ? c.word : 4);
  if (p.truncated && a.available == 0) return rejection::range_ends_before_address_data;
  if (L.has(section_role::relative_base)) {
    const section_location* rb = p.find(section_role::relative_base);
    if (!rb || rb->size < c.word) {
      section = section_role::relative_base;
      return rejection::section_past_range_end;
    }
    a.relative_base = r.uint_unchecked(rb->offset, c.word, c.order);
  }
  return rejection::none;
}

// The checks of validate_table that need no names, asked of a placed
// candidate before its names are decoded: most wrong readings (another
// layout's sections over the same bytes) fail here for a pass over their
// address data, instead of a decoding of every name. Lenient on purpose:
// only readings that validate_table would refuse anyway are turned away.
// - addresses: validate_table refuses a reading when more than
//   damage_allowance(n) of its relocated, trusted entries must be left out
//   for the rest to be sorted. Counted over every entry, that number grows
//   by at most one per absolute symbol (a handful in real kernels: 0-18 in
//   Debian's 6.1 builds, 1 in 7.2) and per entry whose name is lost while
//   its address is damaged too, so a bound above the allowance plus a slack
//   for those is no table.
// - a kallsyms_seqs_of_names the layout requires must be a permutation (an
//   optional one was checked when it was placed).
constexpr std::size_t screen_slack(std::size_t n) noexcept { return 64 + n / 32; }

// `too_unsorted(a, n, limit)` answers unsorted_beyond(r, a, n, limit); the
// search passes one that remembers the answers, since layouts that store
// their addresses alike read the same array the same way.
template <typename TooUnsorted>
rejection screen_candidate(const byte_reader& r, const byte_range& range, const candidate& c, const placement& p,
                           bool strict, TooUnsorted&& too_unsorted) {
  address_data a;
  std::optional<section_role> section;
  if (const rejection why = address_data_of(r, range, c, p, a, section); why != rejection::none) return why;
  const std::size_t n = static_cast<std::size_t>(c.n);
  if (too_unsorted(a, n, damage_allowance(n) + screen_slack(n))) return rejection::addresses_not_sorted;
  const layout_desc& L = *c.layout;
  const section_location* seqs_at = p.find(section_role::seqs_of_names);
  if (seqs_at && L.has(section_role::seqs_of_names) && !L.at(section_role::seqs_of_names).optional)
    return seqs_verdict(read_seqs(r, seqs_at->offset, n), n, strict);
  return rejection::none;
}

// The table of a placed candidate whose names are decoded in `t`: its
// addresses, and everything the candidate knows about it.
inline decoding decode_table(const byte_reader& r, const byte_range& range, const candidate& c, placement p,
                             kallsyms_table t) {
  const layout_desc& L = *c.layout;
  decoding out;
  t.layout = L.name;
  t.encoding = L.traits.encoding;
  t.word_size = c.word;
  t.word_size_source = c.word_source;
  t.order = c.order;
  t.num_syms = static_cast<std::uint32_t>(c.n);
  if (range.base_vaddr)
    for (auto& l : p.sections) l.vaddr = *range.base_vaddr + l.offset;
  address_data a;
  out.why = address_data_of(r, range, c, p, a, out.section);
  if (out.why != rejection::none) return out;
  t.relative_base = a.relative_base;
  decode_addresses(r, a, t);
  t.sections = std::move(p.sections);
  out.table = std::move(t);
  return out;
}

} // namespace mquire::detail
