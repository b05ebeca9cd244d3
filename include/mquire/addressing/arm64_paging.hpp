// SPDX-License-Identifier: Apache-2.0
// arm64 stage-1 translation of kernel (TTBR1, upper half) addresses, read
// from physical memory: 4K, 16K and 64K granules, 36 to 52 bits of virtual
// address, 48- or 52-bit output addresses (64K pages keep PA[51:48] in
// descriptor bits [15:12]; 4K/16K with LPA2 keep PA[51:50] in bits [9:8]).
// The level count follows from the granule and the VA size, as the
// architecture defines it (each level resolves granule_shift - 3 bits).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "x86_64_paging.hpp" // physical_reader, page_mapping

namespace mquire::arm64 {

struct paging_config {
  unsigned granule_shift = 12; // 12 (4K), 14 (16K) or 16 (64K)
  unsigned va_bits = 48;       // 36..52
  bool pa52 = false;           // 52-bit output addresses (LPA / LPA2)
  bool big_endian = false;     // descriptors in big-endian memory (CONFIG_CPU_BIG_ENDIAN)

  constexpr bool valid() const noexcept {
    return (granule_shift == 12 || granule_shift == 14 || granule_shift == 16) && va_bits >= 36 && va_bits <= 52 &&
           va_bits > granule_shift;
  }
  constexpr unsigned bits_per_level() const noexcept { return granule_shift - 3; }
  constexpr unsigned levels() const noexcept {
    return (va_bits - granule_shift + bits_per_level() - 1) / bits_per_level();
  }
  std::string describe() const {
    return std::to_string(1u << (granule_shift - 10)) + "K pages, " + std::to_string(va_bits) + "-bit VA, " +
           std::to_string(levels()) + " levels" + (pa52 ? ", 52-bit PA" : "");
  }
};

inline std::optional<std::uint64_t> read_descriptor(const physical_reader& rd, std::uint64_t pa, bool big_endian) {
  std::uint8_t b[8];
  if (!rd(pa, b, 8)) return std::nullopt;
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = big_endian ? (v << 8) | b[i] : v | std::uint64_t{b[i]} << (8 * i);
  return v;
}

// The output address a table, block or page descriptor holds, for a block
// or page of 2^shift bytes.
constexpr std::uint64_t output_address(std::uint64_t desc, const paging_config& c, unsigned shift) noexcept {
  const std::uint64_t low_mask = (std::uint64_t{1} << shift) - 1;
  if (!c.pa52) return desc & 0x0000ffffffffffffull & ~low_mask;
  if (c.granule_shift == 16) return (desc & 0x0000ffffffffffffull & ~low_mask) | ((desc >> 12) & 0xf) << 48;
  return (desc & 0x0003ffffffffffffull & ~low_mask) | ((desc >> 8) & 0x3) << 50;
}

// Where the kernel address `va` lies under the translation table at
// physical `top` (swapper_pg_dir, or TTBR1's base), and the size of its page.
// With `user`, `va` is a user address (TTBR0: a process's mm->pgd), whose
// bits above the VA size are all clear.
inline std::optional<x86_64::page_mapping> translate_page(const physical_reader& rd, std::uint64_t top, std::uint64_t va,
                                                          const paging_config& c, bool user = false) {
  if (!c.valid()) return std::nullopt;
  // A kernel address has every bit above the VA size set, a user address none.
  const std::uint64_t upper = va >> c.va_bits;
  if (c.va_bits < 64 && upper != (user ? 0 : ~std::uint64_t{0} >> c.va_bits)) return std::nullopt;
  const unsigned levels = c.levels(), per = c.bits_per_level();
  std::uint64_t table = top & ~((std::uint64_t{1} << c.granule_shift) - 1);
  for (unsigned i = 0; i < levels; ++i) {
    const unsigned shift = c.granule_shift + per * (levels - 1 - i);
    // The top level resolves what is left of the VA; the others `per` bits.
    const unsigned width = i == 0 ? c.va_bits - shift : per;
    const std::uint64_t index = (va >> shift) & ((std::uint64_t{1} << width) - 1);
    const auto d = read_descriptor(rd, table + index * 8, c.big_endian);
    if (!d || !(*d & 1)) return std::nullopt;
    const bool last = i + 1 == levels;
    const bool is_table_or_page = (*d & 2) != 0;
    if (last) {
      if (!is_table_or_page) return std::nullopt; // level-3 block encodings are reserved
      return x86_64::page_mapping{output_address(*d, c, shift) | (va & ((std::uint64_t{1} << shift) - 1)),
                                  std::uint64_t{1} << shift};
    }
    if (!is_table_or_page) {
      // A block: allowed below the top level of a 4-level walk, at 1 GiB,
      // 32 MiB or 512 MiB and below; the top level of a 4K walk may not hold one.
      if (i == 0 && levels == 4) return std::nullopt;
      const std::uint64_t size = std::uint64_t{1} << shift;
      return x86_64::page_mapping{output_address(*d, c, shift) | (va & (size - 1)), size};
    }
    table = output_address(*d, c, c.granule_shift);
  }
  return std::nullopt;
}

} // namespace mquire::arm64
