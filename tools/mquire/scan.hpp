// SPDX-License-Identifier: Apache-2.0
// Runs the search over every segment of an input and merges the results:
// tables found in several places (a kernel mapped twice, overlapping chunks)
// are reported once, the best reading first.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <mquire/addressing/vmcoreinfo.hpp>

#include "segments.hpp"

namespace tool {

struct found_table {
  mquire::kallsyms_table table;
  memory_segment where; // the segment (or chunk) it was found in
};

struct vmcoreinfo_found {
  std::uint64_t address; // input address of its first byte
  mquire::vmcoreinfo info;
};

struct scan_result {
  std::vector<vmcoreinfo_found> vmcoreinfo; // the kernel's vmcoreinfo text found in memory
  std::vector<found_table> tables; // best first
  mquire::search_stats stats;
  mquire::search_stage furthest = mquire::search_stage::nothing;
  std::string furthest_detail;
  std::size_t segments = 0;         // segments searched
  std::size_t segments_skipped = 0; // searched as part of another's region (they overlap it in the file)
  std::uint64_t bytes = 0;          // bytes searched
  // Where the landmark pass saw BTF headers, per region searched (by segment
  // index, input address and size): a BTF header search then reads only
  // there.
  struct btf_header_hits {
    std::size_t segment = 0;
    std::uint64_t address = 0, size = 0;
    std::vector<std::size_t> at; // offsets in the region, increasing
  };
  std::vector<btf_header_hits> btf_headers;
};

struct scan_options {
  mquire::search_options search;
  std::vector<mquire::layout_desc> layouts;
  std::optional<std::uint64_t> base; // --base: virtual address of input address 0
  bool progress = false;             // draw progress on stderr
};

// Threads that search an arriving input's regions (the caller's among them).
inline constexpr std::size_t arriving_search_threads = 2;

mquire::result<scan_result> scan(input& in, const scan_options& opt);

} // namespace tool
