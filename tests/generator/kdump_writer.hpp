// SPDX-License-Identifier: Apache-2.0
// A kdump-compressed dump, laid out the way makedumpfile (and QEMU's
// dump-guest-memory -z) write one: the disk_dump_header in block 0
// (signature "KDUMP   ", header version 6, utsname, block size = page
// size, bitmap size, max_mapnr), the kdump_sub_header in block 1 with the
// vmcoreinfo text after it, two page bitmaps (pages that exist; pages that
// are dumped), one 24-byte page descriptor per dumped page in pfn order,
// then the page data, each page zlib-compressed when that saves space and
// every all-zero page sharing one stored copy. libkdumpfile reads it.
#pragma once

#include <zlib.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace gen {

struct kdump_range {
  std::uint64_t paddr = 0; // page-aligned
  const std::uint8_t* bytes = nullptr;
  std::uint64_t size = 0;  // a multiple of the page size
};

inline std::vector<std::uint8_t> kdump_compressed(const std::vector<kdump_range>& ranges, const std::string& vmcoreinfo,
                                                  const std::string& machine, const std::string& release) {
  constexpr std::uint64_t page = 4096;
  const auto put = [](std::vector<std::uint8_t>& b, std::size_t at, std::uint64_t v, int n) {
    if (b.size() < at + static_cast<std::size_t>(n)) b.resize(at + static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) b[at + static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(v >> (8 * i));
  };
  std::uint64_t max_pfn = 0;
  for (const auto& r : ranges) max_pfn = std::max(max_pfn, (r.paddr + r.size) / page);
  // Each bitmap covers max_pfn bits, rounded up to whole blocks.
  const std::uint64_t bitmap_bytes = (max_pfn + 8 * page - 1) / (8 * page) * page;
  const std::uint64_t bitmap_blocks = 2 * bitmap_bytes / page;
  const std::uint64_t sub_hdr_blocks = 1 + (vmcoreinfo.size() + 128 + page - 1) / page;

  std::vector<std::uint8_t> out(page * (1 + sub_hdr_blocks + bitmap_blocks), 0);
  // disk_dump_header (x86_64 layout: timeval 8-aligned at 408).
  std::memcpy(out.data(), "KDUMP   ", 8);
  put(out, 8, 6, 4); // header_version
  const auto uts = [&](int field, const std::string& s) {
    std::memcpy(out.data() + 12 + 65 * field, s.data(), std::min<std::size_t>(s.size(), 64));
  };
  uts(0, "Linux");
  uts(2, release);
  uts(4, machine);
  put(out, 424, 1u, 4);             // status: DUMP_DH_COMPRESSED_ZLIB
  put(out, 428, page, 4);           // block_size
  put(out, 432, sub_hdr_blocks, 4); // sub_hdr_size
  put(out, 436, bitmap_blocks, 4);
  put(out, 440, max_pfn, 4);        // max_mapnr (32-bit copy)
  put(out, 460, 1, 4);              // nr_cpus
  // kdump_sub_header in block 1; the vmcoreinfo text follows it.
  const std::size_t sub = page;
  const std::size_t vmci_at = sub + 128;
  put(out, sub + 8, 0, 4);                   // dump_level: every page
  put(out, sub + 16, 0, 8);                  // start_pfn
  put(out, sub + 24, max_pfn, 8);            // end_pfn
  put(out, sub + 32, vmcoreinfo.empty() ? 0 : vmci_at, 8); // offset_vmcoreinfo
  put(out, sub + 40, vmcoreinfo.size(), 8);  // size_vmcoreinfo
  put(out, sub + 80, 0, 8);                  // start_pfn_64
  put(out, sub + 88, max_pfn, 8);            // end_pfn_64
  put(out, sub + 96, max_pfn, 8);            // max_mapnr_64
  std::memcpy(out.data() + vmci_at, vmcoreinfo.data(), vmcoreinfo.size());
  // Both bitmaps: the pages the ranges hold.
  const std::size_t bm1 = page * (1 + sub_hdr_blocks), bm2 = bm1 + bitmap_bytes;
  std::uint64_t dumped = 0;
  for (const auto& r : ranges)
    for (std::uint64_t pfn = r.paddr / page; pfn < (r.paddr + r.size) / page; ++pfn) {
      out[bm1 + pfn / 8] |= static_cast<std::uint8_t>(1u << (pfn % 8));
      out[bm2 + pfn / 8] |= static_cast<std::uint8_t>(1u << (pfn % 8));
      ++dumped;
    }
  // Page descriptors in pfn order, then the data.
  std::vector<const kdump_range*> sorted;
  for (const auto& r : ranges) sorted.push_back(&r);
  std::sort(sorted.begin(), sorted.end(), [](auto* a, auto* b) { return a->paddr < b->paddr; });
  const std::size_t descs = out.size();
  out.resize(descs + 24 * dumped, 0);
  std::uint64_t zero_at = 0, zero_size = 0, zero_flags = 0; // the one stored all-zero page
  std::vector<std::uint8_t> packed(compressBound(page));
  std::size_t d = descs;
  for (const auto* r : sorted)
    for (std::uint64_t off = 0; off < r->size; off += page, d += 24) {
      const std::uint8_t* p = r->bytes + off;
      const bool zero = std::all_of(p, p + page, [](std::uint8_t b) { return b == 0; });
      std::uint64_t at = out.size(), size = page, flags = 0;
      if (zero && zero_size != 0) {
        at = zero_at;
        size = zero_size;
        flags = zero_flags;
      } else {
        uLongf n = static_cast<uLongf>(packed.size());
        if (compress2(packed.data(), &n, p, page, 1) == Z_OK && n < page) {
          out.insert(out.end(), packed.begin(), packed.begin() + static_cast<long>(n));
          size = n;
          flags = 1; // DUMP_DH_COMPRESSED_ZLIB
        } else {
          out.insert(out.end(), p, p + page);
        }
        if (zero) {
          zero_at = at;
          zero_size = size;
          zero_flags = flags;
        }
      }
      put(out, d, at, 8);
      put(out, d + 8, size, 4);
      put(out, d + 12, flags, 4);
      put(out, d + 16, 0, 8);
    }
  return out;
}

} // namespace gen
