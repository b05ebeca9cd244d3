// SPDX-License-Identifier: Apache-2.0
// LiME reader: every range it accepts lies inside the file, in order.
#include <mquire/sources.hpp>

#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto m = mquire::sources::parse_lime({data, size});
  if (!m) {
    MQUIRE_FUZZ_CHECK(!m.err().message.empty());
    return 0;
  }
  std::uint64_t end = 0;
  for (const auto& s : m->segments) {
    MQUIRE_FUZZ_CHECK(s.file_offset >= end + mquire::sources::lime_header_size);
    MQUIRE_FUZZ_CHECK(s.file_offset <= size && s.size <= size - s.file_offset);
    end = s.file_offset + s.size;
  }
  return 0;
}
