// SPDX-License-Identifier: Apache-2.0
// ELF reader (cores and images): segments inside the file, notes parsed
// without overrun, and the vmcoreinfo note parsed strictly. For a file that
// arrives front to back, parse_elf() reads nothing past what
// elf_headers_ready() waited for: the bytes after it changed, the answer is
// the same.
#include <mquire/sources.hpp>

#include <algorithm>
#include <vector>

#include "fuzz_common.hpp"

namespace {

void check_reach(const std::uint8_t* data, std::size_t size) {
  std::size_t reach = 0;
  const bool all = mquire::sources::elf_headers_ready(std::span<const std::uint8_t>(data, size), [&](std::size_t end) {
    reach = std::max(reach, end);
    return true;
  });
  MQUIRE_FUZZ_CHECK(all && reach <= size);
  std::vector<std::uint8_t> other(data, data + size);
  for (std::size_t i = reach; i < size; ++i) other[i] ^= 0xa5;
  const auto a = mquire::sources::parse_elf({data, size});
  const auto b = mquire::sources::parse_elf(other);
  MQUIRE_FUZZ_CHECK(static_cast<bool>(a) == static_cast<bool>(b));
  if (a) MQUIRE_FUZZ_CHECK(*a == *b);
  else MQUIRE_FUZZ_CHECK(a.err().message == b.err().message);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  check_reach(data, size);
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
