// Checks of a decoded candidate that need the whole table. A table that fails
// one is not returned; the ones it passes become its evidence, and the number
// of independent checks passed ranks candidates against each other.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "addresses.hpp"
#include "bytes.hpp"
#include "layouts.hpp"
#include "table.hpp"
#include "token_table.hpp"

namespace mquire {

struct validation {
  bool ok = false;
  std::string why;
  int score = 0;
  std::vector<std::string> evidence;
};

// kallsyms_seqs_of_names must be a permutation of 0..N-1 (3 bytes each,
// big-endian whatever the target's byte order).
inline bool seqs_are_permutation(const byte_reader& r, std::size_t at, std::size_t n) {
  if (!r.fits(at, 3 * n)) return false;
  std::vector<bool> seen(n, false);
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint64_t v = r.uint_unchecked(at + 3 * i, 3, byte_order::big);
    if (v >= n || seen[v]) return false;
    seen[v] = true;
  }
  return true;
}

// Symbols of a kernel image lie within this distance of its kallsyms data
// (which are in the image's .rodata); much larger distances mean the offsets
// were read with the wrong meaning.
inline constexpr std::uint64_t image_span_slack = 256ull << 20;

inline bool table_within_symbols(const kallsyms_table& t, std::uint64_t table_address) {
  std::uint64_t lo = UINT64_MAX, hi = 0;
  for (const symbol& s : t.symbols) {
    if (is_absolute_type(s.type)) continue;
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

inline validation validate_table(const byte_reader& r, const token_table&, const layout_desc& L,
                                 const kallsyms_table& t) {
  validation v;
  v.score = static_cast<int>(L.count);
  v.evidence.push_back(std::to_string(t.num_syms) + " names decode through the token table and agree with " +
                       std::to_string((t.num_syms + 255) / 256) + " markers");
  if (auto bad = first_unsorted(t)) {
    v.why = "addresses are not sorted (symbol " + std::to_string(*bad) + " of " + std::to_string(t.num_syms) + ")";
    return v;
  }
  v.evidence.push_back("addresses are sorted");
  if (const section_location* seqs = t.section(section_role::seqs_of_names)) {
    if (!seqs_are_permutation(r, seqs->offset, t.num_syms)) {
      v.why = "kallsyms_seqs_of_names is not a permutation of the symbols";
      return v;
    }
    v.score += 2;
    v.evidence.push_back("kallsyms_seqs_of_names is a permutation of the symbols");
  }
  if (t.relative_base) {
    // scripts/kallsyms.c takes relative_base from the first (lowest)
    // relocated symbol, so that symbol decodes to relative_base exactly.
    const auto first_relocated = std::find_if(t.symbols.begin(), t.symbols.end(), [&](const symbol& s) {
      return t.encoding != address_encoding::base_relative_percpu || !is_absolute_type(s.type);
    });
    if (first_relocated != t.symbols.end() && first_relocated->address != (*t.relative_base & word_mask(t.word_size))) {
      v.why = "the first relocated symbol is not at kallsyms_relative_base";
      return v;
    }
    v.evidence.push_back("the first relocated symbol is at kallsyms_relative_base");
    if (*t.relative_base != 0) {
      ++v.score;
      v.evidence.push_back("kallsyms_relative_base is set");
    } else {
      v.evidence.push_back("kallsyms_relative_base reads 0 (not relocated)");
    }
  }
  const section_location& first = t.sections.front();
  if (t.encoding == address_encoding::place_relative) {
    // Place-relative offsets point into the image around the table itself;
    // the table's own position (in the same frame as the addresses) must lie
    // within the symbols' span.
    const std::uint64_t table_at = first.vaddr ? *first.vaddr : first.offset;
    if (!table_within_symbols(t, table_at)) {
      v.why = "place-relative offsets point far outside the kernel image around the table";
      return v;
    }
    ++v.score;
    v.evidence.push_back("symbols surround the table, as place-relative offsets require");
  } else if (first.vaddr && t.basis == address_basis::virtual_address) {
    if (table_within_symbols(t, *first.vaddr)) {
      ++v.score;
      v.evidence.push_back("symbols surround the table's own virtual address");
    } else if (t.encoding == address_encoding::absolute_u32) {
      v.why = "absolute addresses are far from the table's own virtual address";
      return v;
    }
  }
  v.ok = true;
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

} // namespace mquire
