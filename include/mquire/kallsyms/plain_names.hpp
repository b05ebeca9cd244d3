// SPDX-License-Identifier: Apache-2.0
// Plain (uncompressed) kallsyms_names, as OpenWRT's KALLSYMS_UNCOMPRESSED
// patch writes them: each entry is the usual length prefix followed by the
// type letter and the name as text; there is no token table. Without the
// digit-run landmark, such a table is found from the plain entry of
// `_stext`, a symbol every kallsyms table holds.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "../bytes.hpp"
#include "../detail/find.hpp"
#include "names.hpp"
#include "table.hpp"
#include "token_table.hpp"

namespace mquire::detail {

// The plain entry at `pos`: its text (type letter, then the name) as a
// name_entry whose bytes are characters, not token indices.
inline std::optional<name_entry> read_plain_entry(const byte_reader& r, std::size_t pos) noexcept {
  name_entry e;
  if (read_name_entry(r.data(), pos, r.size(), name_length::uleb128, e) != rejection::none || e.length < 2)
    return std::nullopt;
  const std::uint8_t* d = r.data() + e.tokens;
  if (!is_type_letter(static_cast<char>(d[0]))) return std::nullopt;
  for (std::size_t k = 1; k < e.length; ++k)
    if (!is_symbol_char(d[k])) return std::nullopt;
  return e;
}

// Where `n` plain entries from `start` end, and the offset of every 256th
// one (what kallsyms_markers must hold), or nullopt when one does not read.
struct plain_walk {
  std::size_t end = 0;
  std::vector<std::uint64_t> marks;
};

inline std::optional<plain_walk> walk_plain_names(const byte_reader& r, std::size_t start, std::uint64_t n) {
  plain_walk w;
  w.marks.reserve(static_cast<std::size_t>((n + 255) / 256));
  std::size_t pos = start;
  for (std::uint64_t i = 0; i < n; ++i) {
    if ((i & 255) == 0) w.marks.push_back(pos - start);
    const auto e = read_plain_entry(r, pos);
    if (!e) return std::nullopt;
    pos = e->end();
  }
  w.end = pos;
  return w;
}

// Whether exactly `count` plain entries from `from` end at `to`.
inline bool plain_entries_reach(const byte_reader& r, std::size_t from, std::size_t to, std::uint64_t count) {
  std::size_t pos = from;
  std::uint64_t i = 0;
  while (pos < to && i < count) {
    const auto e = read_plain_entry(r, pos);
    if (!e) break;
    pos = e->end();
    ++i;
  }
  return pos == to;
}

// Appends `n` walked plain entries to `out`.
inline void expand_plain_names(const byte_reader& r, std::size_t start, std::uint64_t n, kallsyms_table& out) {
  out.symbols.clear();
  out.names.clear();
  out.damaged = 0;
  out.symbols.reserve(static_cast<std::size_t>(n));
  std::size_t pos = start;
  for (std::uint64_t i = 0; i < n; ++i) {
    const auto e = read_plain_entry(r, pos);
    if (!e) return; // walked before; cannot happen
    append_symbol(r.chars(e->tokens, e->length), out);
    pos = e->end();
  }
}

// Calls f(offset) for every plain kallsyms_names entry of `_stext`
// ({7, 'T' or 't', "_stext"}), in increasing order.
template <typename F>
void for_each_plain_stext(std::span<const std::uint8_t> bytes, F&& f) {
  // One pass for the name, its length and type checked where it occurs
  // (two passes, one a type, cost twice as much over a kernel's size).
  constexpr std::uint8_t name[] = {'_', 's', 't', 'e', 'x', 't'};
  for_each_occurrence(bytes, name, [&](std::size_t p) {
    if (p >= 2 && bytes[p - 2] == 7 && (bytes[p - 1] == 'T' || bytes[p - 1] == 't')) f(p - 2);
  });
}

} // namespace mquire::detail
