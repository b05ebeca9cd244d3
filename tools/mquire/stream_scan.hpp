// SPDX-License-Identifier: Apache-2.0
// The landmark pass over a file region, streamed: pread() of cache-sized
// chunks into a reused buffer (one per thread: large regions are shared by
// two), each scanned for the landmarks while it is still in cache. Memory
// stays at a chunk a thread whatever the dump's size, and no
// page of the file is mapped. Only the landmarks' positions are kept; the
// search then looks at the few pages around them.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <vector>

#include <mquire/error.hpp>

namespace tool {

struct landmark_positions {
  std::vector<std::size_t> digit_runs; // offsets in the region, increasing
  std::vector<std::size_t> vmcoreinfo; // where "OSRELEASE=" occurs
  // 4-byte aligned BTF headers' magic and version, for a kernel whose table
  // does not say where its BTF is; nullopt when there were more than
  // max_btf_headers (a hostile file: the caller then scans the bytes, with
  // that scan's own bounds).
  std::optional<std::vector<std::size_t>> btf_headers = std::vector<std::size_t>{};
};

inline constexpr std::size_t max_btf_headers = 1u << 16;

inline constexpr std::size_t stream_chunk_bytes = 1u << 20;
// Regions of more chunks than this are shared with a second thread.
inline constexpr std::uint64_t parallel_from_chunks = 8;

// Keeps the digit runs at which a whole token table and index verify, each
// checked on a small pread window: the search then touches the file only
// around real token tables, not around every decoy (a mapped page pulls its
// whole page-cache folio into the process's resident set).
std::vector<std::size_t> confirm_token_tables(int fd, std::uint64_t offset, std::uint64_t size,
                                              const std::vector<std::size_t>& digit_runs);

// The same pass over bytes already in memory (in increasing order).
landmark_positions landmarks_in_memory(std::span<const std::uint8_t> bytes);

// A chunk is read with this many bytes of the previous one in front, so a
// landmark across a chunk boundary is whole in the next chunk.
inline constexpr std::size_t landmark_overlap = 32;

// Adds the landmarks of `bytes`, which start at `from` and follow what was
// already passed over (in order, overlapping it by at most
// landmark_overlap bytes): those seen already are not added again, so
// chunk by chunk gives what one landmarks_in_memory() pass gives.
void add_landmarks(std::span<const std::uint8_t> bytes, std::uint64_t from, landmark_positions& out);

mquire::result<landmark_positions> stream_landmarks(int fd, std::uint64_t offset, std::uint64_t size,
                                                    const std::function<void(std::uint64_t, std::uint64_t)>& progress);

} // namespace tool
