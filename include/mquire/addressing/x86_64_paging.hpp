// SPDX-License-Identifier: Apache-2.0
// x86_64 page tables, read from physical memory: 4-level and 5-level walks,
// and the search for where the kernel image mapping (the top 2 GiB) puts a
// given physical page. Reads go through a callback, so any dump format
// (mapped file, kdump pages) can serve them.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>

namespace mquire {

// Reads `n` bytes of physical memory at `pa` into `out`; false when absent.
using physical_reader = std::function<bool(std::uint64_t pa, std::uint8_t* out, std::size_t n)>;

namespace x86_64 {

inline constexpr std::uint64_t kernel_map_start = 0xffffffff80000000ull; // __START_KERNEL_map
inline constexpr std::uint64_t default_text = 0xffffffff81000000ull;     // link address with the default PHYSICAL_START
inline constexpr std::uint64_t entry_address_mask = 0x000ffffffffff000ull;
inline constexpr std::uint64_t present = 1, huge = 0x80;

inline std::optional<std::uint64_t> read_entry(const physical_reader& rd, std::uint64_t pa) {
  std::uint8_t b[8];
  if (!rd(pa, b, 8)) return std::nullopt;
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | b[i];
  return v;
}

// Where `va` lies under the top-level table at `top` (CR3 or the kernel's
// init_top_pgt), with `levels` 4 or 5: its physical address and the size of
// the page (4 KiB, 2 MiB or 1 GiB) that holds it. A non-canonical address
// has no mapping.
struct page_mapping {
  std::uint64_t pa = 0;
  std::uint64_t page_size = 0;
};

inline std::optional<page_mapping> translate_page(const physical_reader& rd, std::uint64_t top, std::uint64_t va,
                                                  unsigned levels) {
  const unsigned va_bits = 12 + 9 * levels;
  const std::uint64_t upper = va >> (va_bits - 1);
  if (upper != 0 && upper != (~std::uint64_t{0} >> (va_bits - 1))) return std::nullopt;
  std::uint64_t table = top & entry_address_mask;
  for (unsigned level = levels; level >= 1; --level) {
    const unsigned shift = 12 + 9 * (level - 1);
    const auto e = read_entry(rd, table + ((va >> shift) & 511) * 8);
    if (!e || !(*e & present)) return std::nullopt;
    if ((level == 2 || level == 3) && (*e & huge)) {
      const std::uint64_t page = std::uint64_t{1} << shift;
      return page_mapping{((*e & entry_address_mask) & ~(page - 1)) | (va & (page - 1)), page};
    }
    table = *e & entry_address_mask;
    if (level == 1) return page_mapping{table | (va & 0xfff), 4096};
  }
  return std::nullopt;
}

inline std::optional<std::uint64_t> translate(const physical_reader& rd, std::uint64_t top, std::uint64_t va,
                                              unsigned levels) {
  if (auto m = translate_page(rd, top, va, levels)) return m->pa;
  return std::nullopt;
}

// The virtual address at which the kernel image mapping shows physical `pa`,
// found by walking the top 2 GiB in 2 MiB steps and checking the exact page.
inline std::optional<std::uint64_t> kernel_vaddr_of(const physical_reader& rd, std::uint64_t top, std::uint64_t pa,
                                                    unsigned levels) {
  constexpr std::uint64_t step = 2ull << 20;
  for (std::uint64_t va = kernel_map_start; va >= kernel_map_start; va += step) {
    const auto base = translate(rd, top, va, levels);
    if (!base) continue;
    if (pa < *base || pa - *base >= step) continue;
    const std::uint64_t candidate = va + (pa - *base);
    if (translate(rd, top, candidate, levels) == pa) return candidate;
  }
  return std::nullopt;
}

} // namespace x86_64
} // namespace mquire
