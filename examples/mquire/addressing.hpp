// Virtual addresses for a table found in physical memory: every method that
// applies (the user's --base, vmcoreinfo from the input's note or from
// memory, the x86_64 page tables, the x86_64 default link address for the
// slide), compared, and applied to a place-relative table when they agree.
#pragma once

#include <optional>

#include <mquire/addressing/resolve.hpp>

#include "scan.hpp"

namespace tool {

struct addressing {
  mquire::address_resolution resolution;
  std::optional<std::uint64_t> slide;
  std::string slide_method;
  bool rebased = false; // a relative table was turned into virtual addresses
};

addressing resolve_addresses(found_table& best, const scan_result& r, input& in, std::optional<std::uint64_t> user_base);

} // namespace tool
