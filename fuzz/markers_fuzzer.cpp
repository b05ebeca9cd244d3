// SPDX-License-Identifier: Apache-2.0
// Marker-run scan: every run starts with 0, grows by a plausible group size
// at each step, and lies in the window it was asked about.
#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const unsigned width = (data[0] & 1) ? 8 : 4;
  const auto order = (data[0] & 2) ? mquire::byte_order::big : mquire::byte_order::little;
  const std::size_t phase = data[1] % width;
  const std::span<const std::uint8_t> in(data + 2, size - 2);
  const mquire::byte_reader r(in);
  const std::size_t lo = in.size() / 8, hi = in.size() - in.size() / 8;
  std::size_t runs = 0;
  mquire::detail::for_each_marker_run(r, lo, hi, width, phase, order, [&](const mquire::detail::marker_run& run) {
    ++runs;
    MQUIRE_FUZZ_CHECK(run.start >= lo && run.end <= hi && run.start % width == phase);
    MQUIRE_FUZZ_CHECK(run.count >= 1 && run.end - run.start == run.count * width);
    const auto v = mquire::detail::read_markers(r, run, width, order);
    MQUIRE_FUZZ_CHECK(v.size() == run.count && v[0] == 0);
    for (std::size_t i = 1; i < v.size(); ++i) MQUIRE_FUZZ_CHECK(mquire::detail::marker_step_ok(v[i - 1], v[i]));
  });
  MQUIRE_FUZZ_CHECK(runs <= in.size() / width + 1);
  return 0;
}
