// SPDX-License-Identifier: Apache-2.0
// What a kernel image's first bytes say about it: the boot headers of the
// wrappers the kernel build writes (x86 bzImage, EFI zboot, ARM zImage) and
// of raw bootable Images (arm64, riscv), and the magic of every compression
// a kernel payload uses. Pure checks on bytes, shared by format detection
// and by whoever unwraps an image.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string_view>

namespace mquire::sources {

inline bool bytes_at(std::span<const std::uint8_t> b, std::size_t at, const void* s, std::size_t n) noexcept {
  return b.size() >= at && b.size() - at >= n && std::memcmp(b.data() + at, s, n) == 0;
}

// x86 bzImage: the setup header's "HdrS" signature at 0x202
// (Documentation/arch/x86/boot.rst).
inline bool is_bzimage(std::span<const std::uint8_t> b) noexcept { return bytes_at(b, 0x202, "HdrS", 4); }

// arm64/riscv/loongarch EFI zboot (zboot-header.S): "MZ", then "zimg" at 4.
inline bool is_efi_zboot(std::span<const std::uint8_t> b) noexcept {
  return bytes_at(b, 0, "MZ", 2) && bytes_at(b, 4, "zimg", 4);
}

// ARM zImage: the magic 0x016f2818 at 0x24, in either byte order.
inline bool is_arm_zimage(std::span<const std::uint8_t> b) noexcept {
  return bytes_at(b, 0x24, "\x18\x28\x6f\x01", 4) || bytes_at(b, 0x24, "\x01\x6f\x28\x18", 4);
}

// arm64 Image: "ARM\x64" at 0x38 of its 64-byte header.
inline bool is_arm64_image(std::span<const std::uint8_t> b) noexcept { return bytes_at(b, 0x38, "ARM\x64", 4); }

// riscv Image (Documentation/arch/riscv/boot-image-header.rst): "RSC\x05" at 0x38.
inline bool is_riscv_image(std::span<const std::uint8_t> b) noexcept { return bytes_at(b, 0x38, "RSC\x05", 4); }

// The name of a bootable raw kernel Image with a header of its own (arm64,
// riscv: 64-bit little-endian, relocatable), or empty.
inline std::string_view raw_image_name(std::span<const std::uint8_t> b) noexcept {
  if (is_arm64_image(b)) return "arm64 Image";
  if (is_riscv_image(b)) return "riscv Image";
  return {};
}

// Any header that marks a kernel image (wrapped or raw).
inline bool has_image_header(std::span<const std::uint8_t> b) noexcept {
  return is_arm64_image(b) || is_riscv_image(b) || is_efi_zboot(b) || is_arm_zimage(b) || is_bzimage(b);
}

enum class compression : std::uint8_t { gzip, xz, lzma, bzip2, lz4, lzo, zstd };

constexpr std::string_view to_string(compression c) noexcept {
  switch (c) {
  case compression::gzip: return "gzip";
  case compression::xz: return "xz";
  case compression::lzma: return "lzma";
  case compression::bzip2: return "bzip2";
  case compression::lz4: return "lz4";
  case compression::lzo: return "lzo";
  case compression::zstd: return "zstd";
  }
  return "?";
}

namespace magic {
inline constexpr std::uint8_t gzip[] = {0x1f, 0x8b, 0x08}; // deflate is the only method gzip defines
inline constexpr std::uint8_t xz[] = {0xfd, '7', 'z', 'X', 'Z', 0x00};
inline constexpr std::uint8_t bzip2[] = {'B', 'Z', 'h'};
inline constexpr std::uint8_t lz4_legacy[] = {0x02, 0x21, 0x4c, 0x18};
inline constexpr std::uint8_t lz4_frame[] = {0x04, 0x22, 0x4d, 0x18};
inline constexpr std::uint8_t lzop[] = {0x89, 'L', 'Z', 'O', 0x00, 0x0d, 0x0a, 0x1a, 0x0a};
inline constexpr std::uint8_t zstd[] = {0x28, 0xb5, 0x2f, 0xfd};
// The first byte of every magic above, and lzma's property byte.
inline constexpr std::uint8_t first_bytes[] = {0x1f, 0xfd, 0x28, 0x02, 0x04, 0x89, 'B', 0x5d};
} // namespace magic

template <std::size_t N>
bool starts_with_magic(std::span<const std::uint8_t> b, const std::uint8_t (&m)[N]) noexcept {
  return bytes_at(b, 0, m, N);
}

// The kernel's lzma payloads come from `lzma -9`: properties 0x5d (lc=3,
// lp=0, pb=2) and a dictionary of 2^n or 2^n + 2^(n-1) bytes. lzma has no
// magic of its own, so this is what recognises it.
inline bool plausible_lzma_header(std::span<const std::uint8_t> b) noexcept {
  if (b.size() < 13 || b[0] != 0x5d) return false;
  const std::uint32_t dict = b[1] | (b[2] << 8) | (b[3] << 16) | (std::uint32_t{b[4]} << 24);
  if (dict < 4096 || dict > (1u << 30)) return false;
  const std::uint32_t top = std::bit_floor(dict);
  return dict == top || dict == top + top / 2;
}

// "BZh" + block size digit + the first block's magic (pi: 0x314159265359).
inline bool plausible_bzip2_header(std::span<const std::uint8_t> b) noexcept {
  static constexpr std::uint8_t block[] = {0x31, 0x41, 0x59, 0x26, 0x53, 0x59};
  return b.size() >= 10 && starts_with_magic(b, magic::bzip2) && b[3] >= '1' && b[3] <= '9' &&
         bytes_at(b, 4, block, sizeof block);
}

// The compression whose header `b` starts with, if any.
inline std::optional<compression> compression_at(std::span<const std::uint8_t> b) noexcept {
  if (starts_with_magic(b, magic::xz)) return compression::xz;
  if (starts_with_magic(b, magic::gzip)) return compression::gzip;
  if (starts_with_magic(b, magic::zstd)) return compression::zstd;
  if (starts_with_magic(b, magic::lz4_legacy) || starts_with_magic(b, magic::lz4_frame)) return compression::lz4;
  if (starts_with_magic(b, magic::lzop)) return compression::lzo;
  if (plausible_bzip2_header(b)) return compression::bzip2;
  if (plausible_lzma_header(b)) return compression::lzma;
  return std::nullopt;
}

} // namespace mquire::sources
