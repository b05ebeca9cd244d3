#include "stream_scan.hpp"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <span>
#include <string>
#include <thread>

#include <mquire/addressing/find_vmcoreinfo.hpp>
#include <mquire/token_table.hpp>

namespace tool {
namespace {

// Each chunk is read with this many bytes of the previous one in front, so a
// landmark across a chunk boundary is whole in the next chunk.
constexpr std::size_t overlap = 32;

struct slot {
  std::vector<std::uint8_t> bytes;
  std::uint64_t start = 0; // region offset of bytes[0]
  std::size_t size = 0;
  bool full = false;
  bool last = false;
  int error = 0;
};

} // namespace

mquire::result<landmark_positions> stream_landmarks(int fd, std::uint64_t offset, std::uint64_t size,
                                                    const std::function<void(std::uint64_t, std::uint64_t)>& progress) {
  std::array<slot, 2> slots;
  for (auto& s : slots) s.bytes.resize(stream_chunk_bytes + overlap);
  std::mutex m;
  std::condition_variable cv;
  bool stop = false;

  std::thread reader([&] {
    std::uint64_t pos = 0;
    for (std::size_t k = 0;; ++k) {
      slot& s = slots[k % 2];
      {
        std::unique_lock lock(m);
        cv.wait(lock, [&] { return !s.full || stop; });
        if (stop) return;
      }
      const std::uint64_t from = pos >= overlap ? pos - overlap : 0;
      const std::uint64_t want = std::min<std::uint64_t>(size - from, stream_chunk_bytes + overlap);
      std::size_t got = 0;
      int err = 0;
      while (got < want) {
        const ssize_t r = ::pread(fd, s.bytes.data() + got, want - got, static_cast<off_t>(offset + from + got));
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) {
          err = r < 0 ? errno : EIO;
          break;
        }
        got += static_cast<std::size_t>(r);
      }
      pos = from + want;
      {
        std::lock_guard lock(m);
        s.start = from;
        s.size = got;
        s.error = err;
        s.last = err != 0 || pos >= size;
        s.full = true;
      }
      cv.notify_all();
      if (s.last) return;
    }
  });

  landmark_positions out;
  int error = 0;
  for (std::size_t k = 0; size > 0; ++k) {
    slot& s = slots[k % 2];
    {
      std::unique_lock lock(m);
      cv.wait(lock, [&] { return s.full; });
    }
    const std::span<const std::uint8_t> bytes(s.bytes.data(), s.size);
    // Scan in cache-sized blocks so both needles find the block in cache.
    constexpr std::size_t block = 1u << 20;
    for (std::size_t b = 0; b < bytes.size(); b += block) {
      const std::size_t len = std::min(bytes.size() - b, block + overlap);
      const auto part = bytes.subspan(b, len);
      mquire::for_each_digit_run(part, [&](std::size_t at) { out.digit_runs.push_back(s.start + b + at); });
      mquire::for_each_occurrence(part, mquire::vmcoreinfo_landmark,
                                  [&](std::size_t at) { out.vmcoreinfo.push_back(s.start + b + at); });
    }
    const bool last = s.last;
    error = s.error;
    if (progress) progress(s.start + s.size, size);
    {
      std::lock_guard lock(m);
      s.full = false;
    }
    cv.notify_all();
    if (last) break;
  }
  {
    std::lock_guard lock(m);
    stop = true;
  }
  cv.notify_all();
  reader.join();
  if (error != 0)
    return mquire::make_error(mquire::error_code::out_of_range, std::string("reading the input failed: ") + std::strerror(error));
  for (auto* v : {&out.digit_runs, &out.vmcoreinfo}) {
    std::sort(v->begin(), v->end());
    v->erase(std::unique(v->begin(), v->end()), v->end());
  }
  return out;
}

} // namespace tool
