// SPDX-License-Identifier: Apache-2.0
// Comparing a recovered table with what was generated, entry by entry.
#pragma once

#include <catch2/catch.hpp>

#include <mquire/mquire.hpp>

#include "generator/kallsyms_writer.hpp"

namespace support {

// The address /proc/kallsyms would print for a generated symbol.
inline std::uint64_t printed_address(const gen::sym& s, unsigned word_size) {
  return s.address & mquire::detail::word_mask(word_size);
}

// Number of entries that differ (address, type or name); 0 means exact.
inline std::size_t mismatches(const mquire::kallsyms_table& t, const std::vector<gen::sym>& expect,
                              unsigned word_size) {
  if (t.symbols.size() != expect.size()) return std::max(t.symbols.size(), expect.size());
  std::size_t bad = 0;
  for (std::size_t i = 0; i < expect.size(); ++i) {
    const auto& s = t.symbols[i];
    if (s.address != printed_address(expect[i], word_size) || s.type != expect[i].type ||
        t.name(s) != expect[i].name) {
      if (bad == 0)
        UNSCOPED_INFO("first mismatch at " << i << ": got " << std::hex << s.address << " " << s.type << " "
                                           << t.name(s) << ", want " << printed_address(expect[i], word_size) << " "
                                           << expect[i].type << " " << expect[i].name);
      ++bad;
    }
  }
  return bad;
}

} // namespace support
