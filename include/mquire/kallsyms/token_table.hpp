// SPDX-License-Identifier: Apache-2.0
// The token table is the entry point of every search: because each byte
// value that occurs literally in a symbol name keeps its meaning, the tokens
// for '0'..'9' sit back to back at indices 0x30..0x39 ("0\0" "1\0" ... "9\0").
// From such a digit run the table's start follows from the token index that
// comes after it (index[0x30] is the distance from the start to '0'), and the
// whole table is then checked token by token against the index. That makes
// the start unambiguous even when the markers run right up to the table.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

#include "../bytes.hpp"
#include "../detail/find.hpp"

namespace mquire::detail {

inline constexpr std::array<std::uint8_t, 20> digit_run_landmark = {
    '0', 0, '1', 0, '2', 0, '3', 0, '4', 0, '5', 0, '6', 0, '7', 0, '8', 0, '9', 0};

inline constexpr unsigned token_count = 256;
inline constexpr unsigned first_digit_token = 0x30;
// No token is longer than a whole symbol name (KSYM_NAME_LEN is 512 from 6.1).
inline constexpr std::size_t max_token_length = 512;

// Every occurrence of `needle` in `bytes`, in increasing order, passed to
// `f(offset)`. With the digit run this is the hot loop of a whole-dump scan.
template <typename F>
void for_each_occurrence(std::span<const std::uint8_t> bytes, std::span<const std::uint8_t> needle, F&& f) {
  const std::uint8_t* const begin = bytes.data();
  std::size_t pos = 0;
  while (pos + needle.size() <= bytes.size()) {
    const std::uint8_t* hit = find_bytes(begin + pos, bytes.size() - pos, needle.data(), needle.size());
    if (hit == nullptr) return;
    const std::size_t at = static_cast<std::size_t>(hit - begin);
    f(at);
    pos = at + 1;
  }
}

template <typename F>
void for_each_digit_run(std::span<const std::uint8_t> bytes, F&& f) {
  for_each_occurrence(bytes, digit_run_landmark, std::forward<F>(f));
}

// Characters that can occur in a kernel symbol name (and so in a token).
constexpr bool is_symbol_char(std::uint8_t c) noexcept { return c > 0x20 && c < 0x7f; }

// How far a token table found from the digit run at `at` can reach: tokens
// 0..0x2f lie before the run, 0x30..0xff and the index after it (with the
// index's alignment padding). A caller that holds only part of the input
// (a streamed file) reads [at - before, at + after) to check a run.
struct token_table_reach {
  static constexpr std::size_t before = first_digit_token * (max_token_length + 1) + 8;
  static constexpr std::size_t after = (token_count - first_digit_token) * (max_token_length + 1) + 8 + 2 * token_count;
};

struct token_table {
  std::size_t table_offset = 0; // first byte of token 0
  std::size_t table_end = 0;    // one past the NUL of token 255
  std::size_t index_offset = 0; // kallsyms_token_index
  byte_order order = byte_order::little;
  std::array<std::size_t, token_count> offset{}; // of each token's first byte, in the range
  std::array<std::uint16_t, token_count> length{};

  static constexpr std::size_t index_size = 2 * token_count;
  std::size_t index_end() const noexcept { return index_offset + index_size; }

  std::string_view token(const byte_reader& r, std::uint8_t i) const noexcept {
    return r.chars(offset[i], length[i]);
  }
};

// Reads `count` NUL-terminated tokens from `pos`; fills offsets from `first`.
// Returns the position after the last NUL, or npos if a token is malformed.
inline std::size_t read_tokens(const byte_reader& r, std::size_t pos, unsigned first, unsigned count,
                               token_table& t) noexcept {
  const std::uint8_t* d = r.data();
  for (unsigned i = first; i < first + count; ++i) {
    const std::size_t start = pos;
    while (true) {
      if (pos >= r.size() || pos - start > max_token_length) return std::string_view::npos;
      const std::uint8_t c = d[pos];
      if (c == 0) break;
      if (!is_symbol_char(c)) return std::string_view::npos;
      ++pos;
    }
    t.offset[i] = start;
    t.length[i] = static_cast<std::uint16_t>(pos - start);
    ++pos; // the NUL
  }
  return pos;
}

// Every consistent (token table, token index) pair around the digit run at
// `digits`. Normally one; the caller keeps them all as candidates.
inline std::vector<token_table> read_token_tables(const byte_reader& r, std::size_t digits) {
  std::vector<token_table> found;
  token_table fwd;
  const std::size_t end =
      read_tokens(r, digits, first_digit_token, token_count - first_digit_token, fwd);
  if (end == std::string_view::npos) return found;
  // The index is aligned (4 or 8) after the table, padded with zeros.
  for (std::size_t pad = 0; pad < 8; ++pad) {
    const std::size_t idx = end + pad;
    if (pad > 0 && !r.all_zero(end, pad)) break;
    if (!r.fits(idx, token_table::index_size)) break;
    for (byte_order o : {byte_order::little, byte_order::big}) {
      if (r.uint_unchecked(idx, 2, o) != 0) continue;
      const std::size_t to_digits = r.uint_unchecked(idx + 2 * first_digit_token, 2, o);
      if (to_digits > digits || to_digits < first_digit_token) continue; // a NUL at least per token
      token_table t = fwd;
      const std::size_t start = digits - to_digits;
      if (read_tokens(r, start, 0, first_digit_token, t) != digits) continue;
      bool match = true;
      for (unsigned i = 0; i < token_count && match; ++i)
        match = r.uint_unchecked(idx + 2 * i, 2, o) == t.offset[i] - start;
      if (!match) continue;
      t.table_offset = start;
      t.table_end = end;
      t.index_offset = idx;
      t.order = o;
      found.push_back(t);
    }
  }
  return found;
}

} // namespace mquire::detail
