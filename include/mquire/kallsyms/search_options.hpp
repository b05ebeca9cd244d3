// SPDX-License-Identifier: Apache-2.0
// What a caller may tell the search: bounds, the word size when known, the
// all-or-nothing mode, and a progress callback.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>

namespace mquire {

struct search_options {
  // The largest symbol count considered; bounds every search window.
  std::uint32_t max_symbols = 1u << 22;
  // Restrict the kernel word size (4 or 8); 0 tries what each layout allows.
  unsigned word_size = 0;
  // For layouts whose data do not depend on the word size (7.0 has no
  // pointer-sized field), the word size to report: 0 decides from the range's
  // virtual address (above 4 GiB: 64-bit), else 64-bit.
  unsigned word_size_hint = 0;
  // All or nothing: a table with any damaged entry (a name that does not
  // walk, an address out of order, a broken seqs_of_names) is rejected, as
  // is one whose markers or names had to be salvaged. Off: the table is
  // decoded as far as its data allow and damaged entries are marked.
  bool strict = false;
  // Called now and then during the landmark scan with (bytes done, total).
  std::function<void(std::size_t, std::size_t)> progress{};
};

} // namespace mquire
