// SPDX-License-Identifier: Apache-2.0
// Kernel symbols by name, for the readers of kernel objects: where a global
// (init_task, init_pid_ns, runqueues) lies, and which function a pointer
// names. The first address of a name wins, as the kernel's own
// kallsyms_lookup_name() finds it. The views ask for a dozen names out of
// hundreds of thousands, so each name is looked up once, by a scan of the
// table, and remembered: cheaper than indexing every name first.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "../kallsyms/table.hpp"

namespace mquire::objects {

class symbol_index {
public:
  symbol_index() = default;
  // `t` must outlive the index (names are views into it).
  explicit symbol_index(const kallsyms_table& t) : t_(&t) {}

  std::optional<std::uint64_t> address(std::string_view name) const {
    if (const auto it = known_.find(std::string(name)); it != known_.end()) return it->second;
    std::optional<std::uint64_t> found;
    if (t_)
      for (const auto& s : t_->symbols)
        if (s.name_length == name.size() && s.trusted() && t_->name(s) == name) {
          found = s.address;
          break;
        }
    known_.emplace(std::string(name), found);
    return found;
  }

  // For tests and embedders with symbols of their own.
  void add(std::string_view name, std::uint64_t address) { known_.try_emplace(std::string(name), address); }

private:
  const kallsyms_table* t_ = nullptr;
  mutable std::unordered_map<std::string, std::optional<std::uint64_t>> known_;
};

} // namespace mquire::objects
