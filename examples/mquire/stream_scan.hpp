// The landmark pass over a file region, streamed: a reader thread pread()s
// fixed-size chunks into two reused buffers while this thread scans the
// other one, so reading and scanning overlap on two cores and memory stays
// at two chunks whatever the dump's size. Only the landmarks' positions are
// kept; the search then looks at the few pages around them.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include <mquire/error.hpp>

namespace tool {

struct landmark_positions {
  std::vector<std::size_t> digit_runs; // offsets in the region, increasing
  std::vector<std::size_t> vmcoreinfo; // where "OSRELEASE=" occurs
};

inline constexpr std::size_t stream_chunk_bytes = 8u << 20;

mquire::result<landmark_positions> stream_landmarks(int fd, std::uint64_t offset, std::uint64_t size,
                                                    const std::function<void(std::uint64_t, std::uint64_t)>& progress);

} // namespace tool
