// SPDX-License-Identifier: Apache-2.0
// Kernel memory for tests that lay kernel objects out themselves: each
// allocation on frames of its own, scattered, with a guard page after it,
// behind x86_64 (4-level) or arm64 (4 KiB granule, 48-bit) page tables,
// read back through mquire's own translation.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include <catch2/catch.hpp>

#include <mquire/memory/virtual_memory.hpp>

#include "generator/page_tables.hpp"

namespace support {

enum class arch { x86_64, arm64 };

struct kernel_memory {
  arch a;
  gen::physical_memory phys;
  mquire::arm64::paging_config arm{12, 48, false, false};
  std::uint64_t top;
  std::uint64_t next_frame = 0x9000000, next_va = 0xffff888000200000ull;

  explicit kernel_memory(arch which) : a(which), top(phys.new_table(4096)) {}
  std::optional<mquire::page_mapping> walk(std::uint64_t va) const {
    if (a == arch::x86_64) return mquire::x86_64::translate_page(phys.reader(), top, va, 4);
    return mquire::arm64::translate_page(phys.reader(), top, va, arm);
  }
  std::uint64_t alloc(std::size_t n) {
    const std::uint64_t va = next_va;
    for (std::uint64_t p = 0; p < (n + 4095) / 4096 * 4096; p += 4096) {
      next_frame -= 3 * 4096;
      if (a == arch::x86_64) gen::map_x86(phys, top, 4, va + p, next_frame, 4096);
      else gen::map_arm64(phys, top, arm, va + p, next_frame, false);
      const std::vector<std::uint8_t> zero(4096);
      phys.write(next_frame, zero.data(), zero.size());
    }
    next_va += (n + 4095) / 4096 * 4096 + 4096;
    return va;
  }
  // Maps [va, va + n) on fresh frames where it is not mapped yet: an
  // object at an address of its own (the struct page array, say).
  void map_at(std::uint64_t va, std::size_t n) {
    for (std::uint64_t p = va & ~0xfffull; p < va + n; p += 4096) {
      if (walk(p)) continue;
      next_frame -= 3 * 4096;
      if (a == arch::x86_64) gen::map_x86(phys, top, 4, p, next_frame, 4096);
      else gen::map_arm64(phys, top, arm, p, next_frame, false);
      const std::vector<std::uint8_t> zero(4096);
      phys.write(next_frame, zero.data(), zero.size());
    }
  }
  void write(std::uint64_t va, const void* src, std::size_t n) {
    const auto* p = static_cast<const std::uint8_t*>(src);
    for (std::size_t i = 0; i < n; ++i) {
      const auto m = walk(va + i);
      REQUIRE(m);
      phys.write(m->pa, p + i, 1);
    }
  }
  std::uint64_t put_word(std::uint64_t v) {
    const std::uint64_t va = alloc(8);
    write(va, &v, 8);
    return va;
  }
  mquire::virtual_memory memory() const {
    const kernel_memory* self = this;
    return mquire::virtual_memory([self](std::uint64_t va) { return self->walk(va); }, phys.reader(),
                                  mquire::byte_order::little, 8);
  }
};

template <typename P>
P as(std::uint64_t va) {
  return reinterpret_cast<P>(static_cast<std::uintptr_t>(va));
}

} // namespace support
