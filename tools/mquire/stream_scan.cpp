#include "stream_scan.hpp"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <thread>

#include <mquire/landmarks.hpp>

namespace tool {
namespace {

// Each chunk is read with this many bytes of the previous one in front, so a
// landmark across a chunk boundary is whole in the next chunk.
constexpr std::size_t overlap = 32;

} // namespace

namespace {

// Reads [from, from + want) of the file at `offset` into buf; what went wrong.
std::optional<mquire::error> read_fully(int fd, std::uint64_t offset, std::uint64_t from, std::uint8_t* buf,
                                        std::size_t want) {
  std::size_t got = 0;
  while (got < want) {
    const ssize_t r = ::pread(fd, buf + got, want - got, static_cast<off_t>(offset + from + got));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0)
      return mquire::make_error(mquire::error_code::out_of_range,
                                std::string("reading the input failed at offset ") + std::to_string(offset + from + got) +
                                    ": " + (r < 0 ? std::strerror(errno) : "unexpected end of file"));
    got += static_cast<std::size_t>(r);
  }
  return std::nullopt;
}

// Chunk k covers [k * chunk - overlap, (k + 1) * chunk) of the region (from 0
// for the first): each can be read without the one before.
struct chunk_span {
  std::uint64_t from = 0;
  std::size_t size = 0;
};
chunk_span chunk_at(std::uint64_t k, std::uint64_t size) {
  const std::uint64_t pos = k * stream_chunk_bytes;
  const std::uint64_t from = pos >= overlap ? pos - overlap : 0;
  return {from, static_cast<std::size_t>(std::min<std::uint64_t>(size, pos + stream_chunk_bytes) - from)};
}

// Chunks read by a second thread while this one scans the previous: the
// copy out of the page cache and the scan then take one core each. A few
// small buffers keep both in the cache (large ones were measured slower:
// the copies and scans then went through memory).
class chunk_pipeline {
public:
  chunk_pipeline(int fd, std::uint64_t offset, std::uint64_t size) : fd_(fd), offset_(offset), size_(size) {
    for (auto& b : slots_) b.bytes.resize(stream_chunk_bytes + overlap);
    reader_ = std::thread([this] { read_all(); });
  }
  ~chunk_pipeline() {
    {
      std::lock_guard lock(m_);
      stop_ = true;
    }
    cv_.notify_all();
    reader_.join();
  }
  chunk_pipeline(const chunk_pipeline&) = delete;
  chunk_pipeline& operator=(const chunk_pipeline&) = delete;

  // Chunk k's bytes once read (its slot stays the caller's until release(k)),
  // or the read error.
  mquire::result<std::span<const std::uint8_t>> wait(std::uint64_t k) {
    std::unique_lock lock(m_);
    cv_.wait(lock, [&] { return read_ > k || failure_; });
    if (read_ <= k) return *failure_;
    return std::span<const std::uint8_t>(slots_[k % slot_count].bytes.data(), chunk_at(k, size_).size);
  }
  void release(std::uint64_t k) {
    {
      std::lock_guard lock(m_);
      released_ = k + 1;
    }
    cv_.notify_all();
  }

private:
  static constexpr std::size_t slot_count = 3;
  struct slot {
    std::vector<std::uint8_t> bytes;
  };

  void read_all() {
    const std::uint64_t chunks = (size_ + stream_chunk_bytes - 1) / stream_chunk_bytes;
    for (std::uint64_t k = 0; k < chunks; ++k) {
      {
        std::unique_lock lock(m_);
        cv_.wait(lock, [&] { return stop_ || k < released_ + slot_count; });
        if (stop_) return;
      }
      const chunk_span c = chunk_at(k, size_);
      auto err = read_fully(fd_, offset_, c.from, slots_[k % slot_count].bytes.data(), c.size);
      {
        std::lock_guard lock(m_);
        if (err) failure_ = std::move(*err);
        else read_ = k + 1;
      }
      cv_.notify_all();
      if (err) return;
    }
  }

  int fd_;
  std::uint64_t offset_, size_;
  std::array<slot, slot_count> slots_;
  std::mutex m_;
  std::condition_variable cv_;
  std::uint64_t read_ = 0, released_ = 0;
  std::optional<mquire::error> failure_;
  bool stop_ = false;
  std::thread reader_;
};

} // namespace

mquire::result<landmark_positions> stream_landmarks(int fd, std::uint64_t offset, std::uint64_t size,
                                                    const std::function<void(std::uint64_t, std::uint64_t)>& progress) {
  landmark_positions out;
  const auto scan_chunk = [&](std::span<const std::uint8_t> bytes, std::uint64_t from) {
    mquire::scan_all_landmarks(
        bytes, [&](std::size_t at) { out.digit_runs.push_back(from + at); },
        [&](std::size_t at) { out.vmcoreinfo.push_back(from + at); },
        [&](std::size_t at) {
          if (!out.btf_headers || (from + at) % 4 != 0) return;
          if (out.btf_headers->size() == max_btf_headers) out.btf_headers.reset();
          else out.btf_headers->push_back(from + at);
        });
    if (progress) progress(from + bytes.size(), size);
  };
  const std::uint64_t chunks = (size + stream_chunk_bytes - 1) / stream_chunk_bytes;
  if (chunks <= pipelined_from_chunks) {
    // Small regions (and files of many tiny ranges) in one buffer sized by
    // the region, on this thread.
    std::vector<std::uint8_t> buf(static_cast<std::size_t>(std::min<std::uint64_t>(size, stream_chunk_bytes)) + overlap);
    for (std::uint64_t k = 0; k < chunks; ++k) {
      const chunk_span c = chunk_at(k, size);
      if (auto err = read_fully(fd, offset, c.from, buf.data(), c.size)) return *err;
      scan_chunk(std::span<const std::uint8_t>(buf.data(), c.size), c.from);
    }
  } else {
    chunk_pipeline pipe(fd, offset, size);
    for (std::uint64_t k = 0; k < chunks; ++k) {
      auto bytes = pipe.wait(k);
      if (!bytes) return bytes.err();
      scan_chunk(*bytes, chunk_at(k, size).from);
      pipe.release(k);
    }
  }
  std::vector<std::size_t> no_btf;
  for (auto* v : {&out.digit_runs, &out.vmcoreinfo, out.btf_headers ? &*out.btf_headers : &no_btf}) {
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
