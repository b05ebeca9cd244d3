// SPDX-License-Identifier: Apache-2.0
// Substring search over bytes: glibc's memmem where available (it runs near
// memory bandwidth), a Horspool search elsewhere. Same results either way.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <functional>

namespace mquire::detail {

inline const std::uint8_t* find_bytes_portable(const std::uint8_t* hay, std::size_t n, const std::uint8_t* needle,
                                               std::size_t m);

inline const std::uint8_t* find_bytes(const std::uint8_t* hay, std::size_t n, const std::uint8_t* needle,
                                      std::size_t m) {
  if (m == 0 || n < m) return nullptr;
#if defined(__GLIBC__)
  return static_cast<const std::uint8_t*>(::memmem(hay, n, needle, m));
#else
  return find_bytes_portable(hay, n, needle, m);
#endif
}

// The fallback, also used by tests to prove both give the same answers.
inline const std::uint8_t* find_bytes_portable(const std::uint8_t* hay, std::size_t n, const std::uint8_t* needle,
                                               std::size_t m) {
  if (m == 0 || n < m) return nullptr;
  const auto it = std::search(hay, hay + n, std::boyer_moore_horspool_searcher(needle, needle + m));
  return it == hay + n ? nullptr : it;
}

} // namespace mquire::detail
