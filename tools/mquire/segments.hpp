// SPDX-License-Identifier: Apache-2.0
// The tool's view of an input file: its format and a way to visit every
// memory segment as a byte range. Files are mapped; kdump-compressed dumps
// are decompressed through libkdumpfile in bounded chunks.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <mquire/mquire.hpp>
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

// Visits the input's bytes once however many segments map them. Segments
// of one file whose file ranges overlap (a hostile core whose thousands of
// PT_LOADs map the same bytes, each shifted a little) form one region: the
// union of their file ranges, visited once with the mapping of the segment
// that starts it; `merged` counts the segments folded into another's
// region. Segments that do not overlap are visited as they are, in the
// map's order; inputs that are not one file's bytes (kdump) too.
mquire::result<bool> for_each_file_region(input& in, const std::function<bool(const segment_view&)>& f,
                                          std::size_t* merged = nullptr);

struct open_failure {
  int exit_code; // 2 usage, 3 unreadable
  std::string message;
};

// Opens `path` as `forced` (or by content when nullopt).
std::variant<std::unique_ptr<input>, open_failure> open_input(const std::string& path,
                                                              std::optional<input_format> forced);

// Files up to this size are searched for an embedded compressed kernel when
// no kallsyms table is found in them directly (an ELF-wrapped MIPS vmlinuz,
// an s390 image, a firmware blob); kernel images are tens of MiB.
inline constexpr std::size_t max_embedding_file = 512ull << 20;

// The kernel inside `in` (a mapped file with no kallsyms of its own), from
// the compressed streams it embeds; a failure says what was tried.
std::variant<std::unique_ptr<input>, open_failure> open_embedded_kernel(const input& in);

} // namespace tool
