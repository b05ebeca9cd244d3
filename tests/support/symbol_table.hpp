// SPDX-License-Identifier: Apache-2.0
// A kallsyms table made from (name, address) pairs, for tests that lay
// kernel objects out themselves and need the symbols a view looks up.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include <mquire/kallsyms/table.hpp>

namespace support {

inline mquire::kallsyms_table symbol_table(const std::map<std::string, std::uint64_t>& syms, char type = 'D') {
  mquire::kallsyms_table t;
  for (const auto& [name, address] : syms) {
    mquire::symbol s;
    s.address = address;
    s.type = type;
    s.name_offset = static_cast<std::uint32_t>(t.names.size());
    s.name_length = static_cast<std::uint32_t>(name.size());
    t.names += name;
    t.symbols.push_back(s);
  }
  return t;
}

} // namespace support
