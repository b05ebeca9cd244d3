// SPDX-License-Identifier: Apache-2.0
// A contiguous byte range with the virtual address of its first byte, and
// reads that cannot leave it. Every integer in kallsyms is stored in the
// target's byte order and width, so both are parameters of each read.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string_view>

namespace mquire {

enum class byte_order : std::uint8_t { little, big };

constexpr std::string_view to_string(byte_order o) noexcept {
  return o == byte_order::little ? "little" : "big";
}

// The bytes a search runs over. `base_vaddr` is the virtual address of
// bytes[0] when the caller knows it (a vmlinux segment, a kcore range);
// for physical memory it is usually unknown and stays empty.
struct byte_range {
  std::span<const std::uint8_t> bytes;
  std::optional<std::uint64_t> base_vaddr{};
  // Address of bytes[0] as the input knows it (physical address for a dump
  // range, file offset for a plain file); reported, never used for decoding.
  std::uint64_t base_address = 0;
};

// Bounded, byte-order aware reads. Every accessor checks the full width of the
// read against the size, so a hostile offset can never overrun.
class byte_reader {
public:
  constexpr byte_reader() = default;
  constexpr explicit byte_reader(std::span<const std::uint8_t> b) noexcept : b_(b) {}

  constexpr std::size_t size() const noexcept { return b_.size(); }
  constexpr const std::uint8_t* data() const noexcept { return b_.data(); }
  constexpr std::span<const std::uint8_t> span() const noexcept { return b_; }

  constexpr bool fits(std::size_t off, std::size_t len) const noexcept {
    return off <= b_.size() && len <= b_.size() - off;
  }

  // Unsigned integer of `width` bytes (1..8) at `off`.
  constexpr std::optional<std::uint64_t> uint(std::size_t off, unsigned width,
                                              byte_order o) const noexcept {
    if (width == 0 || width > 8 || !fits(off, width)) return std::nullopt;
    return uint_unchecked(off, width, o);
  }
  constexpr std::optional<std::uint32_t> u32(std::size_t off, byte_order o) const noexcept {
    if (!fits(off, 4)) return std::nullopt;
    return static_cast<std::uint32_t>(uint_unchecked(off, 4, o));
  }
  constexpr std::optional<std::uint16_t> u16(std::size_t off, byte_order o) const noexcept {
    if (!fits(off, 2)) return std::nullopt;
    return static_cast<std::uint16_t>(uint_unchecked(off, 2, o));
  }
  constexpr std::optional<std::uint8_t> u8(std::size_t off) const noexcept {
    if (!fits(off, 1)) return std::nullopt;
    return b_[off];
  }

  // For loops that have already checked `fits` for the whole array.
  constexpr std::uint64_t uint_unchecked(std::size_t off, unsigned width,
                                         byte_order o) const noexcept {
    std::uint64_t v = 0;
    if (o == byte_order::little) {
      for (unsigned i = width; i-- > 0;) v = (v << 8) | b_[off + i];
    } else {
      for (unsigned i = 0; i < width; ++i) v = (v << 8) | b_[off + i];
    }
    return v;
  }

  constexpr bool all_zero(std::size_t off, std::size_t len) const noexcept {
    if (!fits(off, len)) return false;
    for (std::size_t i = 0; i < len; ++i)
      if (b_[off + i] != 0) return false;
    return true;
  }

  std::string_view chars(std::size_t off, std::size_t len) const noexcept {
    if (!fits(off, len)) return {};
    return {reinterpret_cast<const char*>(b_.data() + off), len};
  }

private:
  std::span<const std::uint8_t> b_{};
};

constexpr std::int64_t sign_extend32(std::uint64_t v) noexcept {
  return static_cast<std::int32_t>(static_cast<std::uint32_t>(v));
}

} // namespace mquire
