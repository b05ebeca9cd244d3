// SPDX-License-Identifier: Apache-2.0
// Kernel virtual memory over a physical dump: a translation (the kernel's
// page tables) and a physical reader. A read that crosses an unmapped page,
// or a page the dump does not hold, fails as a whole or reports the hole:
// nothing is ever filled in.
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "../addressing/x86_64_paging.hpp"
#include "../bytes.hpp"

namespace mquire {

using page_mapping = x86_64::page_mapping;
using page_translator = std::function<std::optional<page_mapping>(std::uint64_t va)>;

class virtual_memory {
public:
  virtual_memory() = default;
  virtual_memory(page_translator translate, physical_reader read, byte_order order, unsigned pointer_size)
      : translate_(std::move(translate)), read_(std::move(read)), order_(order), pointer_size_(pointer_size) {}

  byte_order order() const noexcept { return order_; }
  unsigned pointer_size() const noexcept { return pointer_size_; }
  bool valid() const noexcept { return static_cast<bool>(translate_) && static_cast<bool>(read_); }
  // The physical reader under the translation (a process's own page tables
  // read the same physical memory).
  const physical_reader& reader() const noexcept { return read_; }

  std::optional<std::uint64_t> physical(std::uint64_t va) const {
    if (!translate_) return std::nullopt;
    if (auto m = translate_(va)) return m->pa;
    return std::nullopt;
  }

  // All `n` bytes at `va`, or false at the first byte that is not there.
  bool read(std::uint64_t va, std::uint8_t* out, std::size_t n) const {
    return read_available(va, out, n) == n;
  }

  // Reads page by page; returns how many bytes from the start were read
  // before the first hole (the rest of `out` is left untouched).
  std::size_t read_available(std::uint64_t va, std::uint8_t* out, std::size_t n) const {
    if (!valid()) return 0;
    std::size_t done = 0;
    while (done < n) {
      const std::uint64_t at = va + done;
      if (at < va) return done; // wrapped past the top of the address space
      const auto m = translate_(at);
      if (!m || m->page_size == 0) return done;
      const std::uint64_t in_page = m->page_size - (at & (m->page_size - 1));
      const std::size_t take = static_cast<std::size_t>(std::min<std::uint64_t>(in_page, n - done));
      if (!read_(m->pa, out + done, take)) {
        // The dump may hold the page in pieces (segments end inside it):
        // fall back to 4 KiB pieces before calling it a hole.
        std::size_t piece_done = 0;
        while (piece_done < take) {
          const std::size_t piece = std::min<std::size_t>(take - piece_done, 4096 - ((m->pa + piece_done) & 4095));
          if (!read_(m->pa + piece_done, out + done + piece_done, piece)) return done + piece_done;
          piece_done += piece;
        }
      }
      done += take;
    }
    return done;
  }

  std::optional<std::uint64_t> uint(std::uint64_t va, unsigned width) const {
    std::uint8_t b[8];
    if (width == 0 || width > 8 || !read(va, b, width)) return std::nullopt;
    return byte_reader(std::span<const std::uint8_t>(b, width)).uint_unchecked(0, width, order_);
  }
  std::optional<std::uint64_t> pointer(std::uint64_t va) const { return uint(va, pointer_size_); }

  // A NUL-terminated string of at most `max` bytes (without the NUL);
  // nullopt when no NUL comes within `max` bytes or memory ends first.
  std::optional<std::string> c_string(std::uint64_t va, std::size_t max) const {
    std::string s;
    std::uint8_t buf[64];
    while (s.size() < max) {
      const std::size_t want = std::min<std::size_t>(sizeof buf, max + 1 - s.size());
      const std::size_t got = read_available(va + s.size(), buf, want);
      for (std::size_t i = 0; i < got; ++i) {
        if (buf[i] == 0) return s;
        s.push_back(static_cast<char>(buf[i]));
        if (s.size() > max) return std::nullopt;
      }
      if (got < want) return std::nullopt;
    }
    return std::nullopt;
  }

private:
  page_translator translate_;
  physical_reader read_;
  byte_order order_ = byte_order::little;
  unsigned pointer_size_ = 8;
};

} // namespace mquire
