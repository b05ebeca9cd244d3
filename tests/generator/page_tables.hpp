// SPDX-License-Identifier: Apache-2.0
// Page tables built in physical memory the way the kernel lays them out:
// x86_64 (4 or 5 levels; 4 KiB, 2 MiB, 1 GiB pages) and arm64 (any granule,
// VA size, 52-bit output addresses), over sparse physical memory that
// allocates 4 KiB frames on demand. Used to make dumps whose virtual
// memory the reader must walk.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <map>
#include <optional>
#include <vector>

#include <mquire/addressing/arm64_paging.hpp>
#include <mquire/addressing/x86_64_paging.hpp>

namespace gen {

// Sparse physical memory: pages allocated on demand.
struct physical_memory {
  std::map<std::uint64_t, std::vector<std::uint8_t>> pages; // 4 KiB frames
  std::uint64_t next_table = 0x100000;                       // where table pages are taken from

  void write(std::uint64_t pa, const void* src, std::size_t n) {
    const auto* p = static_cast<const std::uint8_t*>(src);
    for (std::size_t i = 0; i < n; ++i) {
      auto& page = pages[(pa + i) & ~0xfffull];
      if (page.empty()) page.resize(4096);
      page[(pa + i) & 0xfff] = p[i];
    }
  }
  void write64(std::uint64_t pa, std::uint64_t v) { write(pa, &v, 8); } // little-endian host
  std::optional<std::uint64_t> read64(std::uint64_t pa) const {
    std::uint8_t b[8];
    if (!read(pa, b, 8)) return std::nullopt;
    std::uint64_t v;
    std::memcpy(&v, b, 8);
    return v;
  }
  bool read(std::uint64_t pa, std::uint8_t* out, std::size_t n) const {
    for (std::size_t i = 0; i < n; ++i) {
      auto it = pages.find((pa + i) & ~0xfffull);
      if (it == pages.end()) return false;
      out[i] = it->second[(pa + i) & 0xfff];
    }
    return true;
  }
  std::uint64_t new_table(std::uint64_t size) {
    next_table = (next_table + size - 1) / size * size;
    const std::uint64_t at = next_table;
    next_table += size;
    for (std::uint64_t o = 0; o < size; o += 4096) pages[at + o].resize(4096);
    return at;
  }
  mquire::physical_reader reader() const {
    return [this](std::uint64_t pa, std::uint8_t* out, std::size_t n) { return read(pa, out, n); };
  }
};

// x86_64: maps `va` to `pa` with a page of 4 KiB, 2 MiB or 1 GiB.
inline void map_x86(physical_memory& m, std::uint64_t top, unsigned levels, std::uint64_t va, std::uint64_t pa,
             std::uint64_t page) {
  std::uint64_t table = top;
  for (unsigned level = levels; level >= 1; --level) {
    const unsigned shift = 12 + 9 * (level - 1);
    const std::uint64_t slot = table + ((va >> shift) & 511) * 8;
    if ((std::uint64_t{1} << shift) == page) {
      m.write64(slot, pa | 3 | (level > 1 ? 0x80 : 0));
      return;
    }
    auto e = m.read64(slot).value_or(0);
    if (!(e & 1)) {
      e = m.new_table(4096) | 3;
      m.write64(slot, e);
    }
    table = e & 0x000ffffffffff000ull;
  }
}

// arm64: maps `va` to `pa` with a page (granule) or a block one level up.
inline void map_arm64(physical_memory& m, std::uint64_t top, const mquire::arm64::paging_config& c, std::uint64_t va,
               std::uint64_t pa, bool block) {
  const unsigned levels = c.levels(), per = c.bits_per_level();
  const std::uint64_t granule = std::uint64_t{1} << c.granule_shift;
  const auto encode = [&](std::uint64_t addr, unsigned shift) {
    std::uint64_t d = addr & 0x0000ffffffffffffull & ~((std::uint64_t{1} << shift) - 1);
    if (c.pa52 && c.granule_shift == 16) d = (addr & 0x0000ffffffff0000ull & ~((std::uint64_t{1} << shift) - 1)) |
                                             ((addr >> 48) & 0xf) << 12;
    else if (c.pa52) d = (addr & 0x0003fffffffff000ull & ~((std::uint64_t{1} << shift) - 1)) | ((addr >> 50) & 3) << 8;
    return d;
  };
  std::uint64_t table = top;
  for (unsigned i = 0; i < levels; ++i) {
    const unsigned shift = c.granule_shift + per * (levels - 1 - i);
    const unsigned width = i == 0 ? c.va_bits - shift : per;
    const std::uint64_t slot = table + ((va >> shift) & ((std::uint64_t{1} << width) - 1)) * 8;
    if (i + 1 == levels) {
      m.write64(slot, encode(pa, shift) | 3);
      return;
    }
    if (block && i + 2 == levels) {
      m.write64(slot, encode(pa, shift) | 1);
      return;
    }
    auto e = m.read64(slot).value_or(0);
    if (!(e & 1)) {
      const std::uint64_t t = m.new_table(granule);
      e = encode(t, c.granule_shift) | 3;
      m.write64(slot, e);
    }
    table = mquire::arm64::output_address(e, c, c.granule_shift);
  }
}

} // namespace gen
