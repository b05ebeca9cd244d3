// SPDX-License-Identifier: Apache-2.0
// The compressions the kernel build uses for its images and payloads
// (gzip, xz, lzma, bzip2, lz4 legacy framing and frames, lzo in lzop's
// container, zstd), recognised by magic and decompressed in memory with a
// hard limit on the output, so a hostile payload cannot make the tool
// allocate more than that.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <mquire/error.hpp>
#include <mquire/sources/image_headers.hpp>

namespace tool {

// A byte vector whose growth leaves the new bytes uninitialised: a
// decompressor writes every byte it keeps, so zero-filling tens of MiB first
// would cost only time and page faults.
template <class T>
struct uninitialised_allocator : std::allocator<T> {
  template <class U>
  struct rebind {
    using other = uninitialised_allocator<U>;
  };
  template <class U>
  void construct(U* p) noexcept {
    ::new (static_cast<void*>(p)) U;
  }
  template <class U, class... A>
  void construct(U* p, A&&... a) {
    ::new (static_cast<void*>(p)) U(std::forward<A>(a)...);
  }
};
using byte_buffer = std::vector<std::uint8_t, uninitialised_allocator<std::uint8_t>>;

struct decompressed {
  byte_buffer bytes;
  std::string how; // e.g. "bzImage payload at file offset 0x4a4c, xz"
};

// How far a decompression running on another thread has got, so that
// readers can start on its output before it ends. The decompressing thread
// lends the output of its first decompression whose size is trusted (sized
// once, so never moved by regrowth), then publishes how much of it is final
// (written and passed the checks). Published bytes are never rewritten. A
// block that leaves the decompression without being returned (a failed
// attempt, another decoder tried after it) is kept here, so a reader never
// reads freed memory; whether the result is the lent block, whole, is for
// the caller to compare once the decompression has ended.
class arrival_progress {
public:
  // The decompressing thread's side.
  bool lend(std::span<const std::uint8_t> block) {
    const std::lock_guard<std::mutex> lock(m_);
    if (lent_ || ended_) return false;
    lent_ = true;
    block_ = block;
    cv_.notify_all();
    return true;
  }
  void publish(std::size_t produced) {
    const std::lock_guard<std::mutex> lock(m_);
    produced_ = produced;
    cv_.notify_all();
  }
  template <class Buffer>
  void keep(Buffer&& b) {
    const std::lock_guard<std::mutex> lock(m_);
    kept_.push_back(std::make_shared<std::decay_t<Buffer>>(std::forward<Buffer>(b)));
  }
  void end() {
    const std::lock_guard<std::mutex> lock(m_);
    ended_ = true;
    cv_.notify_all();
  }
  // The readers' side: the lent block (empty when the decompression ended
  // without lending one), then whether [0, end) of it is final (false when
  // the decompression ended first).
  std::span<const std::uint8_t> block() {
    std::unique_lock<std::mutex> lock(m_);
    cv_.wait(lock, [&] { return lent_ || ended_; });
    return block_;
  }
  bool wait_for(std::size_t end) {
    std::unique_lock<std::mutex> lock(m_);
    cv_.wait(lock, [&] { return ended_ || (lent_ && produced_ >= end); });
    return lent_ && produced_ >= end;
  }

private:
  std::mutex m_;
  std::condition_variable cv_;
  std::span<const std::uint8_t> block_;
  std::size_t produced_ = 0;
  bool lent_ = false, ended_ = false;
  std::vector<std::shared_ptr<void>> kept_;
};

// Upper bound on what a payload may decompress to (kernels are tens of MiB).
inline constexpr std::size_t max_decompressed = 1ull << 30;

// What one unpacking (all its layers and attempts) may decompress in all:
// hostile files cannot make the tool produce more than this, whatever they
// nest. `spent` counts what was produced, for the caller and the tests.
struct decompress_budget {
  std::uint64_t limit = 2 * std::uint64_t{max_decompressed};
  std::uint64_t spent = 0;
};

// Output no kernel image produces stops a decompression as it arrives, long
// before the size limit: a run of one byte value longer than this, or an
// expansion past `bomb_ratio_floor` bytes of more than `bomb_ratio` times
// the input (kernels compress 3 to 8 fold).
inline constexpr std::size_t max_uniform_run = 32u << 20;
inline constexpr std::size_t bomb_ratio = 32;
inline constexpr std::size_t bomb_ratio_floor = 64u << 20;

// Which compression a stream starts with is told by the library.
using mquire::sources::compression;
using mquire::sources::compression_at;

// Decompresses one stream of `c` from the start of `in`. Trailing bytes after
// the stream (the kernel appends the uncompressed size) are ignored.
// `expected`, when the caller knows it (a kernel payload's appended size),
// sizes the output once; a wrong value costs only regrowth.
// `progress`, when given, is told how far the output has got (see
// arrival_progress); the result is the same with or without it.
mquire::result<decompressed> decompress(compression c, std::span<const std::uint8_t> in,
                                        std::size_t limit = max_decompressed, decompress_budget* budget = nullptr,
                                        std::size_t expected = 0, arrival_progress* progress = nullptr);

// decompress() with the compression told by magic, for a whole kernel
// payload (whose last four bytes give its uncompressed size).
mquire::result<decompressed> decompress_payload(std::span<const std::uint8_t> payload,
                                                std::size_t limit = max_decompressed,
                                                decompress_budget* budget = nullptr,
                                                arrival_progress* progress = nullptr);

} // namespace tool
