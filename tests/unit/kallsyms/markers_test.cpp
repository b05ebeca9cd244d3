// SPDX-License-Identifier: Apache-2.0
// markers.hpp: marker runs found by value, and single damaged slots tolerated.
#include <catch2/catch.hpp>

#include <mquire/kallsyms/markers.hpp>

#include "unit/generated.hpp"

using mquire::section_role;

namespace {
// The longest run starting at `start` that for_each_marker_run reports.
std::size_t longest_run_from(const std::vector<std::uint8_t>& b, std::size_t lo, std::size_t hi, std::size_t start,
                             bool tolerate) {
  const mquire::byte_reader r(b);
  std::size_t best = 0;
  mquire::detail::for_each_marker_run(r, lo, hi, 4, start % 4, mquire::byte_order::little, [&](const mquire::detail::marker_run& run) {
    if (run.start == start) best = std::max(best, run.count);
  }, tolerate);
  return best;
}
} // namespace

TEST_CASE("markers: the generated markers are one run of ceil(N/256) entries", "[unit][markers]") {
  const auto o = unit::generated(gen::era::v6_4, 8, mquire::byte_order::little,
                                 mquire::address_encoding::base_relative, 2600);
  const std::size_t mk = unit::at(o, section_role::markers);
  const std::size_t count = (2600 + 255) / 256;
  CHECK(longest_run_from(o.bytes, mk - 64, unit::at(o, section_role::token_table), mk, false) == count);
  const mquire::byte_reader r(o.bytes);
  const auto values = mquire::detail::read_markers(r, {mk, mk + 4 * count, count}, 4, mquire::byte_order::little);
  REQUIRE(values.size() == count);
  CHECK(values.front() == 0);
  for (std::size_t k = 1; k < count; ++k) CHECK(mquire::detail::marker_step_ok(values[k - 1], values[k]));
}

TEST_CASE("markers: one damaged slot ends the run unless damage is tolerated", "[unit][markers]") {
  auto o = unit::generated(gen::era::v6_4, 8, mquire::byte_order::little, mquire::address_encoding::base_relative, 2600);
  const std::size_t mk = unit::at(o, section_role::markers);
  const std::size_t tt = unit::at(o, section_role::token_table);
  o.bytes[mk + 4 * 4 + 3] = 0x7f; // marker 4 is now huge
  CHECK(longest_run_from(o.bytes, mk, tt, mk, false) == 4);
  CHECK(longest_run_from(o.bytes, mk, tt, mk, true) == 11);
}

TEST_CASE("markers: steps are bounded by the smallest and largest 256 names", "[unit][markers]") {
  CHECK(mquire::detail::marker_step_ok(0, 512));
  CHECK_FALSE(mquire::detail::marker_step_ok(0, 511));
  CHECK(mquire::detail::marker_step_ok(0, 256 * mquire::detail::max_name_entry));
  CHECK_FALSE(mquire::detail::marker_step_ok(0, 256 * mquire::detail::max_name_entry + 1));
  CHECK(mquire::detail::marker_step_ok(1000, 1000 + 1024, 2));
  CHECK_FALSE(mquire::detail::marker_step_ok(1000, 1000 + 1023, 2));
}
