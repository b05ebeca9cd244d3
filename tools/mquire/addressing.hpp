// SPDX-License-Identifier: Apache-2.0
// Virtual addresses for the best table: the library's settle_addresses,
// told what this input offers (its headers' addresses and vmcoreinfo, the
// vmcoreinfo found in memory, physical reads, the image file's bytes).
#pragma once

#include <optional>

#include <mquire/addressing/settle.hpp>

#include "scan.hpp"

namespace tool {

using addressing = mquire::address_outcome;

addressing resolve_addresses(found_table& best, const scan_result& r, input& in, std::optional<std::uint64_t> user_base);

} // namespace tool
