// SPDX-License-Identifier: Apache-2.0
// Per-CPU variables: each online CPU's copy of a per-CPU symbol is at the
// symbol's address plus that CPU's __per_cpu_offset entry (x86_64 keeps
// the section at zero, so the symbol is a small offset; arm64 links it at
// a kernel address; the sum is right on both); so is each copy of what
// alloc_percpu() returned. CPUs come from the __cpu_online_mask (or
// __cpu_possible_mask) bitmap; without it, CPU 0 alone.
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

namespace detail {

// Each CPU of `mask` (a cpumask symbol) with its __per_cpu_offset entry
// added to `base`.
inline per_cpu_result cpu_copies(const object_reader& r, const symbol_index& syms, std::uint64_t base,
                                 std::string_view mask) {
  per_cpu_result out;
  const auto offsets = syms.address("__per_cpu_offset");
  if (!offsets) {
    out.problem = "no __per_cpu_offset symbol";
    return out;
  }
  const auto cpus = syms.address(mask);
  const unsigned ps = r.pointer_size();
  const unsigned bits = ps * 8;
  for (std::size_t cpu = 0; cpu < max_cpus; ++cpu) {
    if (cpus) {
      const auto word = r.memory().uint(*cpus + (cpu / bits) * ps, ps);
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
    out.copies.push_back({cpu, base + *off});
  }
  return out;
}

} // namespace detail

// The online CPUs' copies of a per-CPU symbol (runqueues, say).
inline per_cpu_result per_cpu_addresses(const object_reader& r, const symbol_index& syms, std::string_view symbol) {
  const auto base = syms.address(symbol);
  if (!base) return {{}, "no " + std::string(symbol) + " symbol"};
  return detail::cpu_copies(r, syms, *base, "__cpu_online_mask");
}

// Every possible CPU's copy of a dynamically allocated per-CPU object (a
// `__percpu` pointer, as alloc_percpu() returns it): what the kernel's
// for_each_possible_cpu() sums, since a CPU gone offline keeps its counts.
inline per_cpu_result per_cpu_pointer_copies(const object_reader& r, const symbol_index& syms, std::uint64_t pointer) {
  return detail::cpu_copies(r, syms, pointer, "__cpu_possible_mask");
}

} // namespace mquire::objects
