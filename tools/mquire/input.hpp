// SPDX-License-Identifier: Apache-2.0
// What every input the tool opens offers, whatever its format: its memory
// segments as byte ranges, the landmark pass streamed from the file where
// it can be, and random access by physical or the input's own addresses.
// Each format's reader (segments.cpp, kdump_input, image_input) implements
// it; the search and the views only see this.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>

#include <mquire/error.hpp>
#include <mquire/sources.hpp>

#include "stream_scan.hpp"

namespace tool {

using mquire::sources::input_format;
using mquire::sources::input_map;
using mquire::sources::memory_segment;

// One scannable piece: its bytes and what they stand for.
struct segment_view {
  std::size_t index = 0; // of the segment in the input map (chunks share it)
  memory_segment seg;    // file_offset/address/vaddr of *these* bytes
  std::span<const std::uint8_t> bytes;
};

class input {
public:
  virtual ~input() = default;
  virtual const input_map& map() const = 0;
  // Visits every segment (or chunk of one); stops early when f returns false.
  virtual mquire::result<bool> for_each_segment(const std::function<bool(const segment_view&)>& f) = 0;
  // The landmark pass over a segment, streamed from the file; nullopt when
  // this input cannot stream it (the caller then scans the bytes in memory).
  virtual mquire::result<std::optional<landmark_positions>> stream_landmarks(
      const segment_view& v, const std::function<void(std::uint64_t, std::uint64_t)>& progress) {
    (void)v;
    (void)progress;
    return std::optional<landmark_positions>{};
  }
  // The whole input as one byte range when it is one (a mapped file or a
  // decompressed image); empty otherwise.
  virtual std::span<const std::uint8_t> whole() const { return {}; }
  // For an input whose bytes were still arriving when it was opened (a
  // kernel image decompressed in the background): waits for the rest and
  // checks the bytes the caller has read are the ones that came. false:
  // they are (or nothing was arriving); true: the input was rebuilt from
  // what came, and what was read of it before must be read again; an error
  // when the image cannot be unpacked (what opening it would have said).
  // Until then only stream_landmarks() may be called, and the segment's
  // bytes read only after it returns.
  virtual mquire::result<bool> await_arrival() { return false; }
  // Whether await_arrival() has something to wait for.
  virtual bool arriving() const { return false; }
  // Random access to physical memory (page-table walks); false where absent.
  virtual bool read_physical(std::uint64_t pa, std::uint8_t* out, std::size_t n) = 0;
  // Random access by the input's own addresses (physical in a dump, link or
  // file addresses in a kernel file); false where absent.
  virtual bool read_address(std::uint64_t at, std::uint8_t* out, std::size_t n) { return read_physical(at, out, n); }
};

} // namespace tool
