// SPDX-License-Identifier: Apache-2.0
// Checks of a decoded candidate that need the whole table. A table that fails
// one is not returned; the ones it passes become its evidence, and the number
// of independent checks passed ranks candidates against each other.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "addresses.hpp"
#include "../bytes.hpp"
#include "layouts.hpp"
#include "rejection.hpp"
#include "table.hpp"
#include "token_table.hpp"

namespace mquire::detail {

struct validation {
  rejection why = rejection::none; // none: the table passed
  int score = 0;
  std::vector<std::string> evidence;
  bool ok() const noexcept { return why == rejection::none; }
};

// kallsyms_seqs_of_names read as far as it holds: every entry that names a
// symbol no other entry names (damaged entries read as npos), and how many
// entries were damaged.
struct seqs_reading {
  std::vector<std::size_t> order; // symbol indices in name order
  std::size_t damaged = 0;
  std::size_t missing = 0;        // entries past the end of the range
};

inline seqs_reading read_seqs(const byte_reader& r, std::size_t at, std::size_t n) {
  seqs_reading out;
  // A truncated range holds only the first entries: the others are missing.
  const std::size_t present = at > r.size() ? 0 : std::min(n, (r.size() - at) / 3);
  out.missing = n - present;
  out.order.resize(present);
  std::vector<std::uint32_t> uses(n, 0);
  for (std::size_t i = 0; i < present; ++i) {
    const std::uint64_t v = r.uint_unchecked(at + 3 * i, 3, byte_order::big);
    out.order[i] = v < n ? static_cast<std::size_t>(v) : SIZE_MAX;
    if (v < n) ++uses[v];
  }
  for (auto& v : out.order)
    if (v == SIZE_MAX || uses[v] != 1) {
      v = SIZE_MAX;
      ++out.damaged;
    }
  return out;
}

// kallsyms_seqs_of_names must be a permutation of 0..N-1 (3 bytes each,
// big-endian whatever the target's byte order).
inline bool seqs_are_permutation(const byte_reader& r, std::size_t at, std::size_t n) {
  const seqs_reading s = read_seqs(r, at, n);
  return s.damaged == 0 && s.missing == 0;
}

// Which of `count` items a longest non-decreasing subsequence keeps (by
// `less`, a strict weak order over item indices): the items a single damaged
// value takes out of order are exactly the ones left out. O(count log count).
// Nothing when more than `max_left_out` items must be left out: that is
// known as soon as the items seen so far leave that many out, however the
// rest go, so a wrong reading stops early.
template <typename Less>
std::optional<std::vector<bool>> longest_nondecreasing(std::size_t count, Less less,
                                                       std::size_t max_left_out = SIZE_MAX) {
  std::vector<std::size_t> tails, parent(count, SIZE_MAX); // tails[k]: last item of the best run of length k+1
  for (std::size_t i = 0; i < count; ++i) {
    // First run whose last item is greater than item i (upper bound).
    std::size_t lo = 0, hi = tails.size();
    while (lo < hi) {
      const std::size_t mid = (lo + hi) / 2;
      if (less(i, tails[mid])) hi = mid;
      else lo = mid + 1;
    }
    parent[i] = lo > 0 ? tails[lo - 1] : SIZE_MAX;
    if (lo == tails.size()) tails.push_back(i);
    else tails[lo] = i;
    if (i + 1 - tails.size() > max_left_out) return std::nullopt;
  }
  std::vector<bool> keep(count, false);
  for (std::size_t i = tails.empty() ? SIZE_MAX : tails.back(); i != SIZE_MAX; i = parent[i]) keep[i] = true;
  return keep;
}

// A wrong value in a sorted array leaves it out of order; the entries that
// the longest sorted run leaves out are the damaged ones. Returns how many,
// or nothing (and marks none) when that is more than `limit`.
inline std::optional<std::size_t> mark_unsorted_addresses(kallsyms_table& t, std::size_t limit = SIZE_MAX) {
  std::vector<std::size_t> idx; // trusted, relocated entries: the ones the order binds
  for (std::size_t i = 0; i < t.symbols.size(); ++i)
    if (t.symbols[i].trusted() && !is_absolute_type(t.symbols[i].type)) idx.push_back(i);
  const auto keep = longest_nondecreasing(
      idx.size(), [&](std::size_t a, std::size_t b) { return t.symbols[idx[a]].address < t.symbols[idx[b]].address; },
      limit);
  if (!keep) return std::nullopt;
  std::size_t marked = 0;
  for (std::size_t k = 0; k < idx.size(); ++k)
    if (!(*keep)[k]) {
      t.mark(idx[k], entry_damage::address_out_of_order);
      ++marked;
    }
  return marked;
}

// At least how many relocated, trusted entries are out of sorted order
// (unsorted_bound): a cheap bound that turns wrong readings away before the
// longest-run search.
inline std::size_t unsorted_lower_bound(const kallsyms_table& t) {
  unsorted_bound bound;
  for (const symbol& s : t.symbols)
    if (!is_absolute_type(s.type) && s.trusted()) bound.add(s.address);
  return bound.pairs();
}

// The symbol indices, in seqs_of_names order, whose names break the byte
// order scripts/kallsyms.c sorted them in (strcmp of the names without the
// type): a name that walks but decodes wrong (a flipped token byte) is out
// of place there. Nothing when more than `limit` are.
inline std::optional<std::vector<std::size_t>> names_out_of_order(const kallsyms_table& t, const seqs_reading& seqs,
                                                                  std::size_t limit = SIZE_MAX) {
  std::vector<std::size_t> idx;
  for (std::size_t v : seqs.order)
    if (v != SIZE_MAX && v < t.symbols.size() && t.symbols[v].trusted()) idx.push_back(v);
  const auto less = [&](std::size_t a, std::size_t b) { return t.name(t.symbols[idx[a]]) < t.name(t.symbols[idx[b]]); };
  // An undamaged table is in order: one linear check settles it.
  bool sorted = true;
  for (std::size_t k = 1; k < idx.size() && sorted; ++k) sorted = !less(k, k - 1);
  if (sorted) return std::vector<std::size_t>{};
  const auto keep = longest_nondecreasing(idx.size(), less, limit);
  if (!keep) return std::nullopt;
  std::vector<std::size_t> out;
  for (std::size_t k = 0; k < idx.size(); ++k)
    if (!(*keep)[k]) out.push_back(idx[k]);
  return out;
}

// How many entries a reading may find out of order (addresses, or names in
// seqs_of_names order) and still be the table: a reading that needs more is
// a wrong reading, not a damaged table. Names that cannot be read are
// bounded elsewhere (salvage_names: most groups must walk whole).
constexpr std::size_t damage_allowance(std::size_t n) noexcept { return 16 + n / 8; }

// Symbols of a kernel image lie within this distance of its kallsyms data
// (which are in the image's .rodata); much larger distances mean the offsets
// were read with the wrong meaning.
inline constexpr std::uint64_t image_span_slack = 256ull << 20;

inline bool table_within_symbols(const kallsyms_table& t, std::uint64_t table_address) {
  std::uint64_t lo = UINT64_MAX, hi = 0;
  for (const symbol& s : t.symbols) {
    if (is_absolute_type(s.type) || !s.trusted()) continue;
    lo = std::min(lo, s.address);
    hi = std::max(hi, s.address);
  }
  if (lo > hi) return false;
  const std::uint64_t mask = word_mask(t.word_size);
  const std::uint64_t from = (lo - image_span_slack) & mask, to = (hi + image_span_slack) & mask;
  table_address &= mask;
  return from <= to ? (table_address >= from && table_address <= to)
                    : (table_address >= from || table_address <= to);
}

// Whether a reading of kallsyms_seqs_of_names for `n` symbols is one: a
// permutation but for the damage a table may carry. Needs no names, so the
// search also asks it before decoding them.
inline rejection seqs_verdict(const seqs_reading& seqs, std::size_t n, bool strict) {
  if (strict && seqs.missing) return rejection::seqs_past_range_end;
  if (seqs.damaged > (strict ? 0 : damage_allowance(n))) return rejection::seqs_not_permutation;
  return rejection::none;
}


// Each check adds its evidence (and score) to `v` and returns why the table
// fails it, or rejection::none.

inline rejection check_sorted(kallsyms_table& t, validation& v, bool strict) {
  if (!first_unsorted(t)) {
    v.evidence.push_back("addresses are sorted");
    return rejection::none;
  }
  if (strict || unsorted_lower_bound(t) > damage_allowance(t.symbols.size())) return rejection::addresses_not_sorted;
  const auto marked = mark_unsorted_addresses(t, damage_allowance(t.symbols.size()));
  if (!marked) return rejection::addresses_not_sorted;
  v.evidence.push_back("addresses are sorted but for " + std::to_string(*marked) + " damaged entries");
  return rejection::none;
}

// kallsyms_seqs_of_names (when the table has it) must be a permutation, and
// the names in its order sorted.
inline rejection check_seqs(const byte_reader& r, kallsyms_table& t, validation& v, bool strict) {
  const section_location* seqs_at = t.section(section_role::seqs_of_names);
  if (!seqs_at) return rejection::none;
  const std::size_t n = t.symbols.size();
  const seqs_reading seqs = read_seqs(r, seqs_at->offset, t.num_syms);
  if (const rejection why = seqs_verdict(seqs, n, strict); why != rejection::none) return why;
  if (seqs.missing)
    t.damage_notes.add("kallsyms_seqs_of_names is cut short by the end of the input: " +
                       std::to_string(seqs.order.size()) + " of " + std::to_string(n) +
                       " entries present (no symbol lost: the name-order check uses those)");
  v.score += 2;
  if (seqs.damaged == 0) {
    v.evidence.push_back("kallsyms_seqs_of_names is a permutation of the symbols");
  } else {
    v.evidence.push_back("kallsyms_seqs_of_names is a permutation of the symbols but for " +
                         std::to_string(seqs.damaged) + " damaged entries");
    t.damage_notes.add(std::to_string(seqs.damaged) +
                       " damaged kallsyms_seqs_of_names entries (no symbol lost: the name-order check skips them)");
  }
  // Names in seqs order must be sorted. A few exceptions are damage; many
  // mean this kernel sorted differently (clang LTO suffixes were once
  // stripped for sorting), and then the check says nothing.
  const std::size_t names_allowance = damage_allowance(n) / 2;
  const auto bad_names = names_out_of_order(t, seqs, names_allowance);
  if (bad_names && bad_names->empty()) {
    v.evidence.push_back("names follow kallsyms_seqs_of_names order");
  } else if (bad_names) {
    if (strict) return rejection::names_out_of_seqs_order_strict;
    for (std::size_t i : *bad_names) t.mark(i, entry_damage::name_out_of_order);
    v.evidence.push_back("names follow kallsyms_seqs_of_names order but for " + std::to_string(bad_names->size()) +
                         " damaged names");
  } else {
    v.evidence.push_back("names do not follow strcmp order in kallsyms_seqs_of_names (more than " +
                         std::to_string(names_allowance) + " exceptions): the name-order check says nothing here");
  }
  return rejection::none;
}

// scripts/kallsyms.c takes relative_base from the first (lowest) relocated
// symbol, so that symbol decodes to relative_base exactly.
inline rejection check_relative_base(const kallsyms_table& t, validation& v) {
  if (!t.relative_base) return rejection::none;
  const auto first_relocated = std::find_if(t.symbols.begin(), t.symbols.end(), [&](const symbol& s) {
    return t.encoding != address_encoding::base_relative_percpu || !is_absolute_type(s.type);
  });
  if (first_relocated != t.symbols.end() && !first_relocated->trusted()) {
    v.evidence.push_back("the first relocated symbol is damaged: kallsyms_relative_base not checked against it");
  } else if (first_relocated != t.symbols.end() &&
             first_relocated->address != (*t.relative_base & word_mask(t.word_size))) {
    return rejection::relative_base_mismatch;
  } else {
    v.evidence.push_back("the first relocated symbol is at kallsyms_relative_base");
  }
  if (*t.relative_base != 0) {
    ++v.score;
    v.evidence.push_back("kallsyms_relative_base is set");
  } else {
    v.evidence.push_back("kallsyms_relative_base reads 0 (not relocated)");
  }
  return rejection::none;
}

// The table lies inside the kernel image its symbols span: required for
// place-relative offsets, for absolute u32 values and for address data cut
// short; evidence for the others.
inline rejection check_position(const kallsyms_table& t, validation& v) {
  const section_location& first = t.sections.front();
  const bool virtual_frame = first.vaddr && t.basis == address_basis::virtual_address;
  // Cut short by the end of the range: sortedness of the few entries left is
  // weak evidence (two offsets read as one absolute address still climb), so
  // absolute readings must also surround the table's own virtual address.
  const bool cut_short = std::any_of(t.symbols.begin(), t.symbols.end(), [](const symbol& s) {
    return s.damage == entry_damage::address_unreadable;
  });
  if (cut_short && t.encoding != address_encoding::place_relative &&
      !(virtual_frame && table_within_symbols(t, *first.vaddr)))
    return rejection::cut_short_addresses_untied;
  if (t.encoding == address_encoding::place_relative) {
    // Place-relative offsets point into the image around the table itself;
    // the table's own position (in the same frame as the addresses) must lie
    // within the symbols' span.
    if (!table_within_symbols(t, first.vaddr ? *first.vaddr : first.offset))
      return rejection::place_relative_outside_image;
    ++v.score;
    v.evidence.push_back("symbols surround the table, as place-relative offsets require");
  } else if (virtual_frame) {
    if (table_within_symbols(t, *first.vaddr)) {
      ++v.score;
      v.evidence.push_back("symbols surround the table's own virtual address");
    } else if (t.encoding == address_encoding::absolute_u32) {
      return rejection::absolute_far_from_table;
    }
  }
  return rejection::none;
}


// Validates a decoded table of layout `L` whose sections are placed in
// `t.sections` (an optional section that was absent is not there): each
// section placed counts as evidence, and so does every check passed. The
// first check that fails says why the table is rejected.
inline validation validate_table(const byte_reader& r, const layout_desc& L, kallsyms_table& t, bool strict = false) {
  validation v;
  v.score = static_cast<int>(t.sections.size());
  if (strict && t.damaged) {
    v.why = rejection::damaged_names_strict;
    return v;
  }
  const std::string markers = std::to_string((t.num_syms + 255) / 256) + " markers";
  if (L.plain_names())
    v.evidence.push_back(std::to_string(t.num_syms) + " plain names (no token table) agree with " + markers);
  else
    v.evidence.push_back(std::to_string(t.num_syms - t.damaged) + " names decode through the token table and agree with " +
                         markers + (t.damaged ? " (" + std::to_string(t.damaged) + " lost to damage)" : std::string()));
  const auto failed = [&](rejection why) {
    v.why = why;
    return why != rejection::none;
  };
  (void)(failed(check_sorted(t, v, strict)) || failed(check_seqs(r, t, v, strict)) ||
         failed(check_relative_base(t, v)) || failed(check_position(t, v)));
  return v;
}

// The linux_banner string ("Linux version ...") ending right in front of the
// table, when the link order put it there. Reported as a hint only.
inline std::string find_banner_before(const byte_reader& r, std::size_t table_start, std::size_t* at_out = nullptr) {
  static constexpr std::string_view key = "Linux version ";
  const std::size_t window = 1024;
  const std::size_t lo = table_start > window ? table_start - window : 0;
  std::string_view w = r.chars(lo, table_start - lo);
  const std::size_t at = w.rfind(key);
  if (at == std::string_view::npos) return {};
  std::string_view rest = w.substr(at);
  const std::size_t nul = rest.find('\0');
  if (nul == std::string_view::npos) return {};
  // Only zero padding may separate the banner's NUL from the table.
  for (char c : rest.substr(nul)) if (c != '\0') return {};
  std::string banner(rest.substr(0, nul));
  if (at_out) *at_out = lo + at;
  while (!banner.empty() && (banner.back() == '\n' || banner.back() == '\r')) banner.pop_back();
  return banner;
}

} // namespace mquire::detail
