// SPDX-License-Identifier: Apache-2.0
// Hex formatting for messages (the library does not depend on fmt).
#pragma once

#include <cstdint>
#include <string>

namespace mquire::detail {

inline std::string hex(std::uint64_t v) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string s;
  do {
    s.insert(s.begin(), digits[v & 0xf]);
    v >>= 4;
  } while (v != 0);
  return "0x" + s;
}

// `v` as exactly `width` hex digits (zero-padded), no prefix.
inline std::string hex_digits(std::uint64_t v, unsigned width) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string s(width, '0');
  for (unsigned i = width; i-- > 0 && v != 0; v >>= 4) s[i] = digits[v & 0xf];
  return s;
}

} // namespace mquire::detail
