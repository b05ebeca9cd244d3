// SPDX-License-Identifier: Apache-2.0
// ELF reader (cores and images): segments inside the file, notes parsed
// without overrun, and the vmcoreinfo note parsed strictly.
#include <mquire/sources.hpp>

#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto m = mquire::sources::parse_elf({data, size});
  if (!m) {
    MQUIRE_FUZZ_CHECK(!m.err().message.empty());
    return 0;
  }
  MQUIRE_FUZZ_CHECK(!m->segments.empty());
  for (const auto& s : m->segments) MQUIRE_FUZZ_CHECK(s.file_offset <= size && s.size <= size - s.file_offset);
  if (!m->vmcoreinfo.empty()) (void)mquire::parse_vmcoreinfo(m->vmcoreinfo);
  return 0;
}
