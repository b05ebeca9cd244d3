// SPDX-License-Identifier: Apache-2.0
// A symbol as the output writers take it: name, address and kallsyms letter,
// whatever it came from (the kernel's table, a module's symbol table).
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "../kallsyms/table.hpp"

namespace mquire::output {

struct symbol_entry {
  std::string_view name;
  std::uint64_t address = 0;
  char type = '?'; // the kallsyms letter
};

// The table's trusted symbols, in table order (they point into `t`).
inline std::vector<symbol_entry> symbols_of(const kallsyms_table& t) {
  std::vector<symbol_entry> out;
  out.reserve(t.symbols.size());
  for (const auto& s : t.symbols)
    if (s.trusted()) out.push_back({t.name(s), s.address, s.type});
  return out;
}

} // namespace mquire::output
