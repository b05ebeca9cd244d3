// SPDX-License-Identifier: Apache-2.0
// Input format detection by content, never by file name.
#pragma once

#include <cstdint>
#include <cstring>
#include <span>

#include "image_headers.hpp"
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
  if (has_image_header(head)) return input_format::image;
  if (starts_with(head, kdump_signature, 8) || starts_with(head, flattened_signature, sizeof flattened_signature - 1))
    return input_format::kdump;
  return input_format::raw;
}

} // namespace mquire::sources
