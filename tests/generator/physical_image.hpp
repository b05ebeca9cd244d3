// SPDX-License-Identifier: Apache-2.0
// A small x86_64 physical memory image around a generated kernel: the
// kernel image loaded at a physical address, mapped at a KASLR-slid virtual
// address through real page tables (4- or 5-level, 2 MiB pages, reachable
// from init_top_pgt), the kallsyms data in its .rodata, and the kernel's
// vmcoreinfo text elsewhere in RAM. Each piece can be left out or falsified
// for the negative cases.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "kallsyms_writer.hpp"
#include "memory_image.hpp"
#include "symbols.hpp"

namespace gen {

struct physical_options {
  std::uint64_t ram = 64ull << 20;
  std::uint64_t load_phys = 16ull << 20;   // where the kernel image sits in RAM (2 MiB aligned)
  std::uint64_t slide = 0x1a00000;         // virtual KASLR slide from 0xffffffff81000000
  unsigned levels = 4;                     // 4- or 5-level paging
  bool page_tables = true;
  bool corrupt_page_tables = false;
  bool vmcoreinfo = true;
  std::int64_t vmcoreinfo_lie = 0;         // added to every SYMBOL() value and KERNELOFFSET
  era e = era::v7_0;
  address_encoding encoding = address_encoding::place_relative;
  std::size_t symbols = 3000;
  std::uint64_t seed = 5;
};

struct physical_image {
  std::vector<std::uint8_t> ram;
  std::vector<sym> symbols;   // in table order, with their true virtual addresses
  std::uint64_t text_vaddr;   // _text
  std::uint64_t table_phys;   // first byte of the generated kallsyms data
  std::uint64_t pgd_phys;
};

inline physical_image make_physical_image(const physical_options& o) {
  constexpr std::uint64_t image_size = 16ull << 20;
  const std::uint64_t text = 0xffffffff81000000ull + o.slide;
  const std::uint64_t rodata = text + (8ull << 20), pgd_va = text + (12ull << 20);
  auto syms = make_symbols({.count = o.symbols, .seed = o.seed, .text_base = text + 0x1000});
  syms.push_back({text, 'T', "_text"});
  syms.push_back({text, 'T', "_stext"});
  syms.push_back({pgd_va, 'D', "init_top_pgt"});
  syms.push_back({text + (13ull << 20), 'D', "init_uts_ns"});
  syms.push_back({rodata, 'R', "linux_banner"});
  syms.push_back({text + image_size - 64, 'B', "_end"});
  config c{.e = o.e, .encoding = o.encoding, .vaddr = rodata, .banner = "Linux version 7.0.0-test (gen@mquire) #1 SMP"};
  output out = write_kallsyms(syms, c);

  physical_image img;
  img.ram = embed({}, {.total = o.ram, .at = 0, .seed = o.seed + 1, .decoy_digit_runs = 4, .decoy_banners = 2});
  img.text_vaddr = text;
  img.table_phys = o.load_phys + (rodata - text);
  img.pgd_phys = o.load_phys + (pgd_va - text);
  std::memcpy(img.ram.data() + img.table_phys, out.bytes.data(), out.bytes.size());
  img.symbols = out.symbols;

  auto put64 = [&](std::uint64_t pa, std::uint64_t v) {
    for (int i = 0; i < 8; ++i) img.ram[pa + i] = static_cast<std::uint8_t>(v >> (8 * i));
  };
  // Page tables inside the image (like init_top_pgt and its level tables):
  // top -> [p4d ->] pud -> pmd with 2 MiB pages covering the image.
  std::uint64_t table = img.pgd_phys;
  for (std::uint64_t pa = table; pa < table + 4 * 4096; ++pa) img.ram[pa] = 0;
  if (o.page_tables) {
    const unsigned top_shift = o.levels == 5 ? 48 : 39;
    std::uint64_t next = table + 4096;
    for (unsigned shift = top_shift; shift > 30; shift -= 9) {
      put64(table + ((text >> shift) & 511) * 8, next | 0x63);
      table = next;
      next += 4096;
    }
    put64(table + ((text >> 30) & 511) * 8, next | 0x63); // pud -> pmd
    for (std::uint64_t k = 0; k < image_size >> 21; ++k)
      put64(next + (((text >> 21) + k) & 511) * 8, (o.load_phys + (k << 21)) | 0xe3); // 2 MiB pages
  }
  if (o.corrupt_page_tables) {
    rng g{o.seed + 9};
    for (std::uint64_t pa = img.pgd_phys; pa < img.pgd_phys + 4 * 4096; pa += 8) put64(pa, g.next());
  }
  if (o.vmcoreinfo) {
    auto hex = [](std::uint64_t v) {
      char b[32];
      std::snprintf(b, sizeof b, "%llx", static_cast<unsigned long long>(v));
      return std::string(b);
    };
    const std::uint64_t lie = static_cast<std::uint64_t>(o.vmcoreinfo_lie);
    const std::string text_info = "OSRELEASE=7.0.0-test\nPAGESIZE=4096\nSYMBOL(init_uts_ns)=" +
                                  hex(text + (13ull << 20) + lie) + "\nSYMBOL(_stext)=" + hex(text + lie) +
                                  "\nSYMBOL(swapper_pg_dir)=" + hex(pgd_va + lie) + "\nSYMBOL(kallsyms_num_syms)=" +
                                  hex(rodata + out.offset.at(section_role::num_syms) + lie) +
                                  "\nNUMBER(phys_base)=0\nKERNELOFFSET=" + hex(o.slide + lie) + "\n";
    const std::uint64_t at = 0x100000;
    img.ram[at - 1] = 0;
    std::memcpy(img.ram.data() + at, text_info.c_str(), text_info.size() + 1);
  }
  return img;
}

} // namespace gen
