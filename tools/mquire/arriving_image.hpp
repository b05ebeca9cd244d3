// SPDX-License-Identifier: Apache-2.0
// A bzImage or EFI zboot kernel image whose payload is decompressed on a
// second thread while the caller starts on what has arrived: the search of
// the kernel's first segment overlaps the decompression of the rest, so an
// image costs little more than its decompressor. What the caller reads is
// speculative until finish(), which returns exactly what
// unpack_kernel_image() would have; the caller keeps its work only when
// those are the bytes it read (see mapped_input::await_arrival).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <thread>

#include <mquire/error.hpp>
#include <mquire/sources/mapped_file.hpp>

#include "decompress.hpp"

namespace tool {

class arriving_image {
public:
  // Starts unpacking `file` when it is a bzImage or an EFI zboot image
  // (what unpack_kernel_image() would unwrap first), taking it over;
  // nullptr, and `file` left as it was, for any other file.
  static std::unique_ptr<arriving_image> start(mquire::sources::mapped_file& file);
  arriving_image(const arriving_image&) = delete;
  arriving_image& operator=(const arriving_image&) = delete;
  ~arriving_image();

  // The payload as it arrives, at its stated size; empty when the
  // decompression does not write it in place (its size unstated or
  // implausible), and then only finish() has the answer.
  std::span<const std::uint8_t> bytes() { return progress_.block(); }
  // Whether [0, end) of bytes() has arrived (waits for it); false when the
  // decompression ended before.
  bool wait_for(std::size_t end) { return progress_.wait_for(end); }
  // Maps in the pages of bytes() ahead of the decompression, from the
  // caller's thread, which would otherwise only wait: the decompressing
  // thread then writes without stopping for a page fault every 4 KiB (a
  // fifth of its time). The bytes are not changed. A no-op before Linux 5.14.
  void prefault();
  // Waits for the decompression and settles the payload: the result of
  // unpack_kernel_image() on the file. Once only.
  mquire::result<decompressed> finish();

private:
  explicit arriving_image(mquire::sources::mapped_file file);
  mquire::sources::mapped_file file_;
  arrival_progress progress_;
  decompress_budget spent_{};
  std::optional<mquire::result<decompressed>> payload_;
  std::thread worker_;
};

} // namespace tool
