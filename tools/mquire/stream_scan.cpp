#include "stream_scan.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <span>
#include <string>

#include <mquire/landmarks.hpp>

namespace tool {
namespace {

// Each chunk is read with this many bytes of the previous one in front, so a
// landmark across a chunk boundary is whole in the next chunk.
constexpr std::size_t overlap = 32;

} // namespace

mquire::result<landmark_positions> stream_landmarks(int fd, std::uint64_t offset, std::uint64_t size,
                                                    const std::function<void(std::uint64_t, std::uint64_t)>& progress) {
  // One reused buffer that fits the core's cache: the copy out of the page
  // cache lands in cache and the scan reads it from there. (Measured against
  // a reader thread with two 8 MiB buffers, which was slower: both copies
  // and scans then went through memory.)
  // (Sized by the region too: a file of many tiny ranges costs no chunk each.)
  std::vector<std::uint8_t> buf(static_cast<std::size_t>(std::min<std::uint64_t>(size, stream_chunk_bytes)) + overlap);
  landmark_positions out;
  std::uint64_t pos = 0;
  while (pos < size) {
    const std::uint64_t from = pos >= overlap ? pos - overlap : 0;
    const std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(size - from, buf.size()));
    std::size_t got = 0;
    while (got < want) {
      const ssize_t r = ::pread(fd, buf.data() + got, want - got, static_cast<off_t>(offset + from + got));
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0)
        return mquire::make_error(mquire::error_code::out_of_range,
                                  std::string("reading the input failed at offset ") + std::to_string(offset + from + got) +
                                      ": " + (r < 0 ? std::strerror(errno) : "unexpected end of file"));
      got += static_cast<std::size_t>(r);
    }
    mquire::scan_landmarks(
        std::span<const std::uint8_t>(buf.data(), got), [&](std::size_t at) { out.digit_runs.push_back(from + at); },
        [&](std::size_t at) { out.vmcoreinfo.push_back(from + at); });
    pos = from + got;
    if (progress) progress(pos, size);
  }
  for (auto* v : {&out.digit_runs, &out.vmcoreinfo}) {
    std::sort(v->begin(), v->end());
    v->erase(std::unique(v->begin(), v->end()), v->end());
  }
  return out;
}

std::vector<std::size_t> confirm_token_tables(int fd, std::uint64_t offset, std::uint64_t size,
                                              const std::vector<std::size_t>& digit_runs) {
  constexpr std::size_t before = mquire::token_table_reach::before;
  constexpr std::size_t after = mquire::token_table_reach::after;
  std::vector<std::size_t> kept;
  std::vector<std::uint8_t> buf;
  for (std::size_t at : digit_runs) {
    const std::uint64_t from = at > before ? at - before : 0;
    const std::uint64_t to = std::min<std::uint64_t>(size, at + after);
    buf.resize(static_cast<std::size_t>(to - from));
    std::size_t got = 0;
    while (got < buf.size()) {
      const ssize_t r = ::pread(fd, buf.data() + got, buf.size() - got, static_cast<off_t>(offset + from + got));
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) break;
      got += static_cast<std::size_t>(r);
    }
    buf.resize(got);
    if (!mquire::read_token_tables(mquire::byte_reader(buf), static_cast<std::size_t>(at - from)).empty())
      kept.push_back(at);
  }
  return kept;
}

} // namespace tool
