// SPDX-License-Identifier: Apache-2.0
// The library on real memory: scanning the physical memory of the x86_64
// Debian 6.1 dumps must give exactly what the running kernel printed in
// /proc/kallsyms.
#include <catch2/catch.hpp>

#include <mquire/mquire.hpp>
#include <mquire/sources.hpp>

#include "support/fixtures.hpp"

namespace {

mquire::kallsyms_table recover_from_core(const std::string& fixture) {
  const auto core = support::require_fixture(fixture + "/dump.elf.zst");
  auto file = mquire::sources::mapped_file::open(core.string());
  REQUIRE(file);
  auto map = mquire::sources::parse_elf(file->bytes());
  REQUIRE(map);
  CHECK(map->format == mquire::sources::input_format::elf_core);
  std::vector<mquire::kallsyms_table> found;
  for (const auto& seg : map->segments) {
    mquire::byte_range range{file->bytes().subspan(seg.file_offset, seg.size), seg.vaddr, seg.address};
    auto rep = mquire::find_kallsyms(range);
    for (auto& t : rep.tables) found.push_back(std::move(t));
  }
  REQUIRE(found.size() == 1);
  return std::move(found.front());
}

} // namespace

TEST_CASE("x86_64 Debian 6.1 dump (boot1): exact /proc/kallsyms", "[fixture]") {
  const auto t = recover_from_core("x86_64-6.1-boot1");
  CHECK(t.layout == "6.2-base-relative-percpu");
  CHECK(t.num_syms == 94266);
  CHECK(t.word_size == 8);
  CHECK(t.banner.rfind("Linux version 6.1.0-56-amd64 ", 0) == 0);
  const std::string want = support::truth_without_modules("x86_64-6.1-boot1");
  const std::string got = support::as_kallsyms(t);
  CHECK(got.size() == want.size());
  CHECK(got == want);
  // _text moved by the recorded KASLR slide (0x26200000).
  for (const auto& s : t.symbols)
    if (t.name(s) == "_text") CHECK(s.address == 0xffffffff81000000ull + 0x26200000ull);
}

TEST_CASE("x86_64 Debian 6.1 dump (vmcoreinfo boot): exact /proc/kallsyms", "[fixture]") {
  const auto t = recover_from_core("x86_64-6.1-vmcoreinfo");
  CHECK(t.num_syms == 94266);
  CHECK(support::as_kallsyms(t) == support::truth_without_modules("x86_64-6.1-vmcoreinfo"));
}
