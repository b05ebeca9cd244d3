// SPDX-License-Identifier: Apache-2.0
// Shared by the fuzz targets: invariant checks that abort (so libFuzzer
// reports the input), and the invariants every returned table must hold.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <span>

#include <mquire/mquire.hpp>

#include "support/invariants.hpp"

#define MQUIRE_FUZZ_CHECK(cond)                                                                    \
  do {                                                                                             \
    if (!(cond)) {                                                                                 \
      std::fprintf(stderr, "invariant failed: %s (%s:%d)\n", #cond, __FILE__, __LINE__);          \
      std::abort();                                                                                \
    }                                                                                              \
  } while (0)

namespace fuzz {

inline void check_table(std::span<const std::uint8_t> input, const mquire::kallsyms_table& t) {
  const std::string why = support::table_violation(input, t);
  if (!why.empty()) std::fprintf(stderr, "table invariant: %s\n", why.c_str());
  MQUIRE_FUZZ_CHECK(why.empty());
}

inline void check_report(std::span<const std::uint8_t> input, const mquire::search_report& rep) {
  MQUIRE_FUZZ_CHECK(rep.stats.tables >= rep.tables.size());
  // Linear work: the backward windows never add up to more than a fixed
  // multiple of the input per layout and word size.
  MQUIRE_FUZZ_CHECK(rep.stats.window_bytes <= 64 * (input.size() + 4096) * 22);
  for (const auto& t : rep.tables) check_table(input, t);
}

} // namespace fuzz
