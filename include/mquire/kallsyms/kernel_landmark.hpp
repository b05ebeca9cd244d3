// SPDX-License-Identifier: Apache-2.0
// Whether some bytes hold a kernel's kallsyms at all, cheaply: a token table
// (its digit-run landmark and an index that agrees with it) or, for kernels
// whose names are stored uncompressed, the plain `_stext` entry. What tells
// a kernel from the other compressed things an image carries, before the
// full search runs; and, for a caller that streams the input and holds only
// part of it, which digit runs a token table confirms.
#pragma once

#include <algorithm>
#include <cstdint>
#include <span>

#include "../bytes.hpp"
#include "landmarks.hpp"
#include "token_table.hpp"
#include "plain_names.hpp"

namespace mquire {

// The bytes around a digit run that its token table and index can span:
// a caller holding only part of the input reads [run - before, run + after)
// and asks token_table_confirmed of that window.
using detail::token_table_reach;

// Whether a token table with an index that agrees with it surrounds the
// digit run at `run` in `window`.
inline bool token_table_confirmed(std::span<const std::uint8_t> window, std::size_t run) {
  return !detail::read_token_tables(byte_reader(window), run).empty();
}

inline bool holds_kallsyms_landmark(std::span<const std::uint8_t> b) {
  bool found = false;
  // In pieces, so that the pass stops at the first token table.
  constexpr std::size_t piece = 4u << 20, overlap = 32;
  for (std::size_t pos = 0; pos < b.size() && !found; pos += piece) {
    const auto part = b.subspan(pos, std::min(b.size() - pos, piece + overlap));
    scan_landmarks(
        part, [&](std::size_t at) { found = found || token_table_confirmed(b, pos + at); },
        [](std::size_t) {});
  }
  if (!found) detail::for_each_plain_stext(b, [&](std::size_t) { found = true; });
  return found;
}

} // namespace mquire
