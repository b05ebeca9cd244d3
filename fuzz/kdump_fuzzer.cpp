// SPDX-License-Identifier: Apache-2.0
// kdump-compressed reader: the input written to an in-memory file and opened
// through the tool's kdump adapter (libkdumpfile); every segment it yields
// lies within what it claims, reads of absent pages fail cleanly.
#include <sys/mman.h>
#include <unistd.h>

#include "kdump_input.hpp"
#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const int fd = ::memfd_create("kdump", 0);
  if (fd < 0) return 0;
  if (::write(fd, data, size) != static_cast<ssize_t>(size)) {
    ::close(fd);
    return 0;
  }
  const std::string path = "/proc/self/fd/" + std::to_string(fd);
  if (auto in = tool::open_kdump(path)) {
    std::size_t segments = 0;
    (void)(*in)->for_each_segment([&](const tool::segment_view& v) {
      MQUIRE_FUZZ_CHECK(v.bytes.size() == v.seg.size);
      return ++segments < 64;
    });
    std::uint8_t page[64];
    (void)(*in)->read_physical(0, page, sizeof page);
  }
  ::close(fd);
  return 0;
}
