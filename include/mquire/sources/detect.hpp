// Input format detection by content, never by file name.
#pragma once

#include <cstdint>
#include <cstring>
#include <span>

#include "input_map.hpp"

namespace mquire::sources {

inline constexpr std::uint8_t elf_magic[4] = {0x7f, 'E', 'L', 'F'};
inline constexpr std::uint8_t lime_magic[4] = {'E', 'M', 'i', 'L'}; // 0x4C694D45 little-endian
inline constexpr char kdump_signature[8] = {'K', 'D', 'U', 'M', 'P', ' ', ' ', ' '};
inline constexpr char flattened_signature[] = "makedumpfile";

inline bool starts_with(std::span<const std::uint8_t> b, const void* magic, std::size_t n) {
  return b.size() >= n && std::memcmp(b.data(), magic, n) == 0;
}

// The format a file's first bytes announce; raw when none.
inline input_format detect_format(std::span<const std::uint8_t> head) {
  if (starts_with(head, elf_magic, 4)) {
    // e_type 4 (ET_CORE) is a dump; executables and shared objects are images.
    if (head.size() >= 18) {
      const bool le = head[5] == 1;
      const unsigned type = le ? head[16] | (head[17] << 8) : (head[16] << 8) | head[17];
      return type == 4 ? input_format::elf_core : input_format::vmlinux;
    }
    return input_format::elf_core;
  }
  if (starts_with(head, lime_magic, 4)) return input_format::lime;
  // arm64 Image: "ARM\x64" at 0x38 of its 64-byte header; riscv: "RSC\x05".
  if (head.size() >= 0x40 && (std::memcmp(head.data() + 0x38, "ARM\x64", 4) == 0 ||
                              std::memcmp(head.data() + 0x38, "RSC\x05", 4) == 0))
    return input_format::image;
  // arm64/riscv/loongarch EFI zboot: "MZ" then "zimg".
  if (head.size() >= 8 && std::memcmp(head.data(), "MZ", 2) == 0 && std::memcmp(head.data() + 4, "zimg", 4) == 0)
    return input_format::image;
  // ARM zImage: 0x016f2818 at 0x24, in either byte order.
  if (head.size() >= 0x28 && (std::memcmp(head.data() + 0x24, "\x18\x28\x6f\x01", 4) == 0 ||
                              std::memcmp(head.data() + 0x24, "\x01\x6f\x28\x18", 4) == 0))
    return input_format::image;
  // x86 bzImage: the setup header's "HdrS" signature at 0x202.
  if (head.size() >= 0x206 && std::memcmp(head.data() + 0x202, "HdrS", 4) == 0) return input_format::image;
  if (starts_with(head, kdump_signature, 8) || starts_with(head, flattened_signature, sizeof flattened_signature - 1))
    return input_format::kdump;
  return input_format::raw;
}

} // namespace mquire::sources
