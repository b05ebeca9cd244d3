// SPDX-License-Identifier: Apache-2.0
// The readable parts of a virtual address range, copied out: what an ELF
// file maps of the kernel image or of a module. Holes (pages not present in
// a dump, or past an image's end) split the range into runs.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "virtual_memory.hpp"

namespace mquire {

struct memory_run {
  std::uint64_t address = 0;
  std::vector<std::uint8_t> bytes;
};

// Runs of [start, end) that memory holds, at most `max_bytes` in all (a
// hostile range is cut there). Work is bounded by the range's page count.
inline std::vector<memory_run> readable_runs(const virtual_memory& m, std::uint64_t start, std::uint64_t end,
                                             std::uint64_t max_bytes) {
  constexpr std::uint64_t page = 4096, chunk = std::uint64_t{1} << 21;
  std::vector<memory_run> out;
  std::uint64_t total = 0;
  std::uint64_t at = start;
  while (at < end && total < max_bytes) {
    const std::uint64_t want = std::min({chunk - at % chunk, end - at, max_bytes - total});
    if (!out.empty() && out.back().bytes.empty()) out.back().address = at; // after a hole
    else if (out.empty() || out.back().address + out.back().bytes.size() != at) out.push_back({at, {}});
    auto& run = out.back();
    const std::size_t old = run.bytes.size();
    run.bytes.resize(old + static_cast<std::size_t>(want));
    const std::size_t got = m.read_available(at, run.bytes.data() + old, static_cast<std::size_t>(want));
    run.bytes.resize(old + got);
    total += got;
    at += got;
    if (got < want) {
      // A hole. Its page may start with readable bytes (a segment of the
      // input ends inside it): keep the longest readable prefix, found by
      // halving, then go on at the next page.
      const std::uint64_t page_end = std::min((at / page + 1) * page, end);
      std::uint64_t lo = 0, hi = page_end - at; // lo bytes readable; hi+1 not
      std::vector<std::uint8_t> probe(static_cast<std::size_t>(hi));
      while (lo < hi) {
        const std::uint64_t mid = lo + (hi - lo + 1) / 2;
        if (m.read(at, probe.data(), static_cast<std::size_t>(mid))) lo = mid;
        else hi = mid - 1;
      }
      if (lo != 0 && total + lo <= max_bytes) {
        run.bytes.insert(run.bytes.end(), probe.begin(), probe.begin() + static_cast<std::ptrdiff_t>(lo));
        total += lo;
      }
      at = (at / page + 1) * page;
      if (at < start) break; // wrapped
    }
  }
  std::erase_if(out, [](const memory_run& r) { return r.bytes.empty(); });
  return out;
}

} // namespace mquire
