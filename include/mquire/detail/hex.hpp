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

} // namespace mquire::detail
