// SPDX-License-Identifier: Apache-2.0
// Per-CPU variables: each online CPU's copy of a per-CPU symbol is at the
// symbol's address plus that CPU's __per_cpu_offset entry (x86_64 keeps
// the section at zero, so the symbol is a small offset; arm64 links it at
// a kernel address; the sum is right on both). Online CPUs come from the
// __cpu_online_mask bitmap; without it, CPU 0 alone.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "object_reader.hpp"
#include "symbol_index.hpp"

namespace mquire::objects {

// NR_CPUS is at most 8192 in any distribution configuration.
inline constexpr std::size_t max_cpus = 8192;

struct per_cpu_copy {
  std::size_t cpu = 0;
  std::uint64_t address = 0;
};

struct per_cpu_result {
  std::vector<per_cpu_copy> copies;
  std::string problem;
};

inline per_cpu_result per_cpu_addresses(const object_reader& r, const symbol_index& syms, std::string_view symbol) {
  per_cpu_result out;
  const auto base = syms.address(symbol);
  const auto offsets = syms.address("__per_cpu_offset");
  if (!base || !offsets) {
    out.problem = "no " + std::string(base ? "__per_cpu_offset" : symbol) + " symbol";
    return out;
  }
  const auto online = syms.address("__cpu_online_mask");
  const unsigned ps = r.pointer_size();
  const unsigned bits = ps * 8;
  for (std::size_t cpu = 0; cpu < max_cpus; ++cpu) {
    if (online) {
      const auto word = r.memory().uint(*online + (cpu / bits) * ps, ps);
      if (!word) break;
      if (!((*word >> (cpu % bits)) & 1)) {
        if (cpu % bits == 0 && *word == 0) break; // no CPU in this word: none further
        continue;
      }
    } else if (cpu > 0) {
      break;
    }
    const auto off = r.pointer(*offsets + cpu * ps);
    if (!off) {
      out.problem = "__per_cpu_offset[" + std::to_string(cpu) + "] is not readable";
      break;
    }
    out.copies.push_back({cpu, *base + *off});
  }
  return out;
}

} // namespace mquire::objects
