// SPDX-License-Identifier: Apache-2.0
// Page-table walks over fuzzed physical memory: x86_64 (4 and 5 levels) and
// arm64 (every granule, VA size and output size), and reads through virtual
// memory. Input: a selector byte, the top table's physical address and a
// virtual address (8 bytes each, little-endian), then physical memory from
// address 0. Invariants: a translation keeps the offset within its page,
// pages are powers of two from 4 KiB, and a read never claims more than
// it was asked for.
#include "fuzz_common.hpp"

#include <mquire/addressing/arm64_paging.hpp>
#include <mquire/memory/virtual_memory.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 17) return 0;
  const mquire::byte_reader r({data, size});
  const std::uint8_t sel = data[0];
  const std::uint64_t top = *r.uint(1, 8, mquire::byte_order::little) % (size + 4096);
  const std::uint64_t va = *r.uint(9, 8, mquire::byte_order::little);
  const std::span<const std::uint8_t> mem(data + 17, size - 17);
  const mquire::physical_reader rd = [mem](std::uint64_t pa, std::uint8_t* out, std::size_t n) {
    if (pa > mem.size() || n > mem.size() - pa) return false;
    std::memcpy(out, mem.data() + pa, n);
    return true;
  };
  mquire::page_translator tr;
  if (sel & 1) {
    static constexpr unsigned granules[] = {12, 14, 16};
    static constexpr unsigned vas[] = {36, 39, 42, 47, 48, 52};
    const mquire::arm64::paging_config c{granules[(sel >> 1) % 3], vas[(sel >> 3) % 6], (sel & 0x40) != 0,
                                         (sel & 0x80) != 0};
    tr = [rd, top, c](std::uint64_t v) { return mquire::arm64::translate_page(rd, top, v, c); };
  } else {
    const unsigned levels = (sel & 2) ? 5 : 4;
    tr = [rd, top, levels](std::uint64_t v) { return mquire::x86_64::translate_page(rd, top, v, levels); };
  }
  if (const auto m = tr(va)) {
    MQUIRE_FUZZ_CHECK(m->page_size >= 4096 && (m->page_size & (m->page_size - 1)) == 0);
    MQUIRE_FUZZ_CHECK((m->pa & (m->page_size - 1)) == (va & (m->page_size - 1)));
  }
  const mquire::virtual_memory vm(tr, rd, mquire::byte_order::little, 8);
  std::uint8_t buf[256];
  MQUIRE_FUZZ_CHECK(vm.read_available(va, buf, sizeof buf) <= sizeof buf);
  if (auto s = vm.c_string(va, 64)) MQUIRE_FUZZ_CHECK(s->size() <= 64);
  return 0;
}
