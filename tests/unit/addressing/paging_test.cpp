// SPDX-License-Identifier: Apache-2.0
// Page-table walks on tables built in the test: x86_64 with 4 and 5 levels
// (4 KiB, 2 MiB and 1 GiB pages) and arm64 with every granule (4K, 16K,
// 64K) and VA size (39 to 52 bits, 52-bit output addresses too). Every
// mapped address translates to where it was put, every unmapped one is a
// hole, reads through virtual memory cross scattered pages, and the kernel's
// page tables are found from a table's symbols and checked.
#include <catch2/catch.hpp>

#include <map>

#include <mquire/addressing/arm64_paging.hpp>
#include <mquire/memory/kernel_space.hpp>
#include <mquire/memory/virtual_memory.hpp>

#include "generator/page_tables.hpp"

using gen::physical_memory;
using gen::map_x86;
using gen::map_arm64;

TEST_CASE("paging: x86_64 4- and 5-level walks, every page size, holes as holes", "[unit][paging]") {
  for (unsigned levels : {4u, 5u}) {
    DYNAMIC_SECTION(levels << " levels") {
      physical_memory m;
      const std::uint64_t top = m.new_table(4096);
      const std::uint64_t va4k = levels == 5 ? 0xff11000012345000ull : 0xffffc90000a01000ull;
      map_x86(m, top, levels, va4k, 0x7654000, 4096);
      map_x86(m, top, levels, 0xffffffff81000000ull, 0x1000000, 2u << 20);
      map_x86(m, top, levels, 0xffff888000000000ull, 0x40000000, 1u << 30);
      const auto rd = m.reader();
      const auto tr = [&](std::uint64_t va) { return mquire::x86_64::translate_page(rd, top, va, levels); };
      CHECK(tr(va4k + 0x123)->pa == 0x7654123);
      CHECK(tr(va4k)->page_size == 4096);
      CHECK(tr(0xffffffff81123456ull)->pa == 0x1123456);
      CHECK(tr(0xffffffff81000000ull)->page_size == (2u << 20));
      CHECK(tr(0xffff888012345678ull)->pa == 0x52345678);
      CHECK(tr(0xffff888012345678ull)->page_size == (1u << 30));
      CHECK_FALSE(tr(va4k + 0x1000));            // the next page is not mapped
      CHECK_FALSE(tr(0xffffffff81200000ull));     // nor the next 2 MiB
      CHECK_FALSE(tr(0x0000800000000000ull));     // not canonical
      // and back: the kernel image mapping shows physical 0x1000000 at _text
      if (levels == 4) CHECK(mquire::x86_64::kernel_vaddr_of(rd, top, 0x1000abc, 4) == 0xffffffff81000abcull);
    }
  }
}

TEST_CASE("paging: arm64, every granule and VA size", "[unit][paging]") {
  using mquire::arm64::paging_config;
  std::vector<paging_config> configs;
  for (unsigned g : {12u, 14u, 16u})
    for (unsigned va : {39u, 42u, 47u, 48u, 52u}) {
      configs.push_back({g, va, false, false});
      if (va == 52) configs.push_back({g, va, true, false});
    }
  for (const auto& c : configs) {
    DYNAMIC_SECTION(c.describe()) {
      physical_memory m;
      const std::uint64_t granule = std::uint64_t{1} << c.granule_shift;
      // The top table holds 2^(va_bits - its shift) entries.
      const unsigned top_shift = c.granule_shift + c.bits_per_level() * (c.levels() - 1);
      const std::uint64_t top = m.new_table(std::max<std::uint64_t>(granule, (std::uint64_t{8} << (c.va_bits - top_shift))));
      const std::uint64_t kbase = ~std::uint64_t{0} << (c.va_bits - 1); // start of the kernel half
      const std::uint64_t va = kbase + 0x12345 * granule;
      const std::uint64_t pa = c.pa52 ? 0x000a000012340000ull & ~(granule - 1) : 0x0000000043210000ull & ~(granule - 1);
      map_arm64(m, top, c, va, pa, false);
      map_arm64(m, top, c, va + granule, pa + 7 * granule, false); // the next page, elsewhere
      const std::uint64_t block = granule << c.bits_per_level();
      const std::uint64_t bva = kbase + 64 * block, bpa = 16 * block;
      if (c.levels() >= 2) map_arm64(m, top, c, bva, bpa, true);
      const auto rd = m.reader();
      const auto tr = [&](std::uint64_t v) { return mquire::arm64::translate_page(rd, top, v, c); };
      REQUIRE(tr(va));
      CHECK(tr(va)->pa == pa);
      CHECK(tr(va + 5)->pa == pa + 5);
      CHECK(tr(va)->page_size == granule);
      CHECK(tr(va + granule + 9)->pa == pa + 7 * granule + 9);
      CHECK_FALSE(tr(va + 2 * granule));
      CHECK_FALSE(tr(0x0000123400000000ull)); // a user (TTBR0) address
      if (c.levels() >= 2) {
        CHECK(tr(bva + 77)->pa == bpa + 77);
        CHECK(tr(bva)->page_size == block);
      }
      // Virtual memory reads across the two scattered pages.
      std::vector<std::uint8_t> data(16);
      for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<std::uint8_t>(i + 1);
      const std::vector<std::uint8_t> zeros(granule);
      m.write(pa, zeros.data(), zeros.size()); // both pages wholly present in the dump
      m.write(pa + 7 * granule, zeros.data(), zeros.size());
      m.write(pa + granule - 8, data.data(), 8);
      m.write(pa + 7 * granule, data.data() + 8, 8);
      mquire::virtual_memory vm([&](std::uint64_t v) { return tr(v); }, rd, mquire::byte_order::little, 8);
      std::vector<std::uint8_t> got(16);
      REQUIRE(vm.read(va + granule - 8, got.data(), got.size()));
      CHECK(got == data);
      // A read running into the hole stops there and says how far it got.
      std::vector<std::uint8_t> long_read(granule + 16);
      CHECK(vm.read_available(va + granule, long_read.data(), long_read.size()) == granule);
    }
  }
}

namespace {
// A kernel table of the symbols the page-table finder asks about.
mquire::kallsyms_table table_of(const std::vector<std::pair<std::string, std::uint64_t>>& syms) {
  mquire::kallsyms_table t;
  t.word_size = 8;
  for (const auto& [name, addr] : syms) {
    mquire::symbol s;
    s.address = addr;
    s.type = 'T';
    s.name_offset = static_cast<std::uint32_t>(t.names.size());
    s.name_length = static_cast<std::uint32_t>(name.size());
    t.names += name;
    t.symbols.push_back(s);
  }
  t.banner = "Linux version";
  t.banner_offset = 0x100;
  return t;
}
} // namespace

TEST_CASE("paging: the kernel's page tables found from its symbols and checked", "[unit][paging]") {
  SECTION("arm64 16K pages, 47-bit VA: found by trying configurations") {
    const mquire::arm64::paging_config c{14, 47, false, false};
    physical_memory m;
    const std::uint64_t image_pa = 0x40200000, image_va = 0xffff800080200000ull; // kernel image, 16 MiB
    const std::uint64_t pgd_off = 0x800000;
    const std::uint64_t top = image_pa + pgd_off; // swapper_pg_dir lies inside the image
    for (std::uint64_t o = 0; o < (16u << 20); o += 1u << 14) map_arm64(m, top, c, image_va + o, image_pa + o, false);
    // linux_banner at table offset 0x100, the table range at physical 0x40a00000
    auto t = table_of({{"_text", image_va},
                       {"swapper_pg_dir", image_va + pgd_off},
                       {"linux_banner", image_va + 0x800100},
                       {"_etext", image_va + 0x400000},
                       {"_edata", image_va + 0xc00000}});
    const auto space = mquire::find_kernel_address_space(t, {image_pa + 0x800000, {}}, m.reader());
    INFO((space ? "" : space.err().message));
    REQUIRE(space);
    CHECK(space->paging == "arm64 16K pages, 47-bit VA, 3 levels");
    CHECK(space->root_pa == top);
    CHECK(space->image_delta == image_va - image_pa);
    CHECK(space->translate(image_va + 0x123456)->pa == image_pa + 0x123456);
  }
  SECTION("x86_64 5-level, named by vmcoreinfo") {
    physical_memory m;
    const std::uint64_t image_pa = 0x3000000, image_va = 0xffffffff83000000ull;
    const std::uint64_t top = image_pa + 0x600000;
    for (std::uint64_t o = 0; o < (16u << 20); o += 2u << 20) map_x86(m, top, 5, image_va + o, image_pa + o, 2u << 20);
    auto t = table_of({{"_text", image_va}, {"init_top_pgt", image_va + 0x600000}, {"linux_banner", image_va + 0x200100}});
    const auto info = mquire::parse_vmcoreinfo("OSRELEASE=6.1.0\nNUMBER(pgtable_l5_enabled)=1\n");
    REQUIRE(info);
    const auto space = mquire::find_kernel_address_space(t, {image_pa + 0x200000, {}}, m.reader(), &*info);
    REQUIRE(space);
    CHECK(space->paging == "x86_64 5-level");
    CHECK(space->checks.size() == 3);
  }
  SECTION("x86_64, the root named only by vmcoreinfo (a table without data symbols)") {
    physical_memory m;
    const std::uint64_t image_pa = 0x3000000, image_va = 0xffffffff83000000ull;
    const std::uint64_t top = image_pa + 0x600000;
    for (std::uint64_t o = 0; o < (16u << 20); o += 2u << 20) map_x86(m, top, 4, image_va + o, image_pa + o, 2u << 20);
    auto t = table_of({{"_text", image_va}, {"_etext", image_va + 0x100000}, {"linux_banner", image_va + 0x200100}});
    const auto info = mquire::parse_vmcoreinfo("OSRELEASE=6.1.0\nSYMBOL(init_top_pgt)=ffffffff83600000\n");
    REQUIRE(info);
    const auto space = mquire::find_kernel_address_space(t, {image_pa + 0x200000, {}}, m.reader(), &*info);
    REQUIRE(space);
    CHECK(space->root_pa == top);
    CHECK_FALSE(mquire::find_kernel_address_space(t, {image_pa + 0x200000, {}}, m.reader()));
  }
  SECTION("tables that do not map the image back are refused, with the reason") {
    physical_memory m;
    m.new_table(4096);
    auto t = table_of({{"_text", 0xffffffff81000000ull}, {"init_top_pgt", 0xffffffff81600000ull},
                       {"linux_banner", 0xffffffff81200100ull}});
    const auto space = mquire::find_kernel_address_space(t, {0x1200000, {}}, m.reader());
    REQUIRE_FALSE(space);
    CHECK_THAT(space.err().message, Catch::Contains("does not map the kernel image back"));
  }
}

TEST_CASE("paging: kernel memory through the page tables, else the image's placement, else why not",
          "[unit][paging]") {
  physical_memory m;
  const std::uint64_t image_pa = 0x3000000, image_va = 0xffffffff83000000ull;
  const std::uint64_t top = image_pa + 0x600000;
  for (std::uint64_t o = 0; o < (16u << 20); o += 2u << 20) map_x86(m, top, 4, image_va + o, image_pa + o, 2u << 20);
  auto t = table_of({{"_text", image_va}, {"init_top_pgt", image_va + 0x600000}, {"linux_banner", image_va + 0x200100}});
  const mquire::table_placement at{image_pa + 0x200000, {}};
  SECTION("a dump: every read goes through the page tables") {
    const auto km = mquire::kernel_memory_for(t, at, m.reader(), true);
    REQUIRE(km);
    REQUIRE(km->space);
    CHECK(km->how == "x86_64 4-level page tables at physical 0x3600000 (init_top_pgt)");
    CHECK(km->page_tables_problem.empty());
    CHECK(km->memory.physical(image_va + 0x1234) == image_pa + 0x1234);
  }
  SECTION("a kernel file: the image's own placement, from the banner") {
    const auto km = mquire::kernel_memory_for(t, at, m.reader(), false);
    REQUIRE(km);
    CHECK_FALSE(km->space);
    CHECK_THAT(km->how, Catch::Contains("from linux_banner"));
    CHECK(km->memory.physical(image_va + 0x1234) == image_pa + 0x1234);
  }
  SECTION("a dump whose page tables are lost: the placement, and why the tables were not used") {
    physical_memory empty;
    empty.new_table(4096);
    const auto km = mquire::kernel_memory_for(t, at, empty.reader(), true);
    REQUIRE(km);
    CHECK_FALSE(km->space);
    CHECK_THAT(km->page_tables_problem, Catch::Contains("does not map the kernel image back"));
  }
  SECTION("no anchor, or addresses that are not virtual: an error that says which") {
    t.banner.clear();
    const auto none = mquire::kernel_memory_for(t, at, m.reader(), false);
    REQUIRE_FALSE(none);
    CHECK(none.err().code == mquire::error_code::not_found);
    CHECK(none.err().message == "no anchor ties the table's addresses to the input");
    t.basis = mquire::address_basis::range_relative;
    const auto relative = mquire::kernel_memory_for(t, {image_pa + 0x200000, image_va + 0x200000}, m.reader(), false);
    REQUIRE_FALSE(relative);
    CHECK(relative.err().code == mquire::error_code::unsupported);
  }
}
