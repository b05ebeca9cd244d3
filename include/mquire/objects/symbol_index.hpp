// SPDX-License-Identifier: Apache-2.0
// Kernel symbols by name, for the readers of kernel objects: where a global
// (init_task, init_pid_ns, runqueues) lies, and which function a pointer
// names. Built once from the recovered table; the first address of a name
// wins, as the kernel's own kallsyms_lookup_name() finds it.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <unordered_map>

#include "../table.hpp"

namespace mquire::objects {

class symbol_index {
public:
  symbol_index() = default;
  // `t` must outlive the index (names are views into it).
  explicit symbol_index(const kallsyms_table& t) {
    by_name_.reserve(t.symbols.size());
    for (const auto& s : t.symbols)
      if (s.trusted()) by_name_.try_emplace(t.name(s), s.address);
  }

  std::optional<std::uint64_t> address(std::string_view name) const {
    const auto it = by_name_.find(name);
    if (it == by_name_.end()) return std::nullopt;
    return it->second;
  }

  // For tests and embedders with symbols of their own.
  void add(std::string_view name, std::uint64_t address) { by_name_.try_emplace(name, address); }

private:
  std::unordered_map<std::string_view, std::uint64_t> by_name_;
};

} // namespace mquire::objects
