// SPDX-License-Identifier: Apache-2.0
// Token-table landmark scan and reader: every table returned agrees with its
// index, lies in the input and has "0".."9" at 0x30..0x39.
#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> in(data, size);
  const mquire::byte_reader r(in);
  mquire::detail::for_each_digit_run(in, [&](std::size_t at) {
    MQUIRE_FUZZ_CHECK(at + mquire::detail::digit_run_landmark.size() <= size);
    MQUIRE_FUZZ_CHECK(std::memcmp(data + at, mquire::detail::digit_run_landmark.data(), 20) == 0);
    for (const auto& t : mquire::detail::read_token_tables(r, at)) {
      MQUIRE_FUZZ_CHECK(t.table_offset <= at && at < t.table_end && t.table_end <= t.index_offset);
      MQUIRE_FUZZ_CHECK(t.index_end() <= size);
      for (unsigned i = 0; i < mquire::detail::token_count; ++i) {
        MQUIRE_FUZZ_CHECK(r.uint_unchecked(t.index_offset + 2 * i, 2, t.order) == t.offset[i] - t.table_offset);
        MQUIRE_FUZZ_CHECK(t.offset[i] + t.length[i] < t.table_end && data[t.offset[i] + t.length[i]] == 0);
      }
      for (unsigned d = 0; d < 10; ++d) MQUIRE_FUZZ_CHECK(t.token(r, static_cast<std::uint8_t>(0x30 + d)) == std::string(1, char('0' + d)));
    }
  });
  return 0;
}
