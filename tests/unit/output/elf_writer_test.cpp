// SPDX-License-Identifier: Apache-2.0
// output/elf_writer.hpp on generated regions and symbols: what binutils'
// readelf and nm read back, in each class and byte order, and the bounds.
#include <catch2/catch.hpp>

#include <set>
#include <sstream>

#include <mquire/output/elf_writer.hpp>

#include "support/btf_producer.hpp"
#include "support/fixtures.hpp"
#include "support/run.hpp"

using mquire::output::elf_region;
using mquire::output::symbol_entry;

namespace {

std::vector<std::uint8_t> write(std::span<const elf_region> regions, std::span<const symbol_entry> symbols,
                                const mquire::output::elf_options& o) {
  std::vector<std::uint8_t> out;
  auto rep = mquire::output::write_elf(regions, symbols, o, [&](std::span<const std::uint8_t> b) {
    out.insert(out.end(), b.begin(), b.end());
  });
  REQUIRE(rep);
  return out;
}

std::string nm_of(const std::vector<std::uint8_t>& file, const std::string& tag) {
  const auto path = support::cache_dir() / (tag + ".elf");
  REQUIRE(support::write_file(path, file));
  const auto out = support::cache_dir() / (tag + ".nm");
  REQUIRE(std::system(("nm -p " + support::quote(path.string()) + " > " + support::quote(out.string())).c_str()) == 0);
  return support::read_text(out);
}

} // namespace

TEST_CASE("elf writer: nm gives back every symbol with its kallsyms letter", "[elf]") {
  if (!support::have("nm")) support::skip("nm not installed (Debian: binutils)");
  std::vector<std::uint8_t> text(0x3000, 0x90), module(0x1000, 0xcc);
  // Code, then read-only data, data and bss; an end marker that shares its
  // address with the next class; an absolute per-CPU symbol; a module.
  const std::vector<symbol_entry> symbols = {
      {"_text", 0xffffffff81000000, 'T'},     {"start_kernel", 0xffffffff81000100, 'T'},
      {"helper", 0xffffffff81000200, 't'},    {"_etext", 0xffffffff81001000, 'T'},
      {"__start_rodata", 0xffffffff81001000, 'R'}, {"banner", 0xffffffff81001000, 'R'},
      {"table", 0xffffffff81001800, 'r'},     {"_sdata", 0xffffffff81002000, 'D'},
      {"counter", 0xffffffff81002010, 'd'},   {"weak_fn", 0xffffffff81000300, 'W'},
      {"__bss_start", 0xffffffff81002800, 'B'}, {"zeroes", 0xffffffff81002900, 'b'},
      {"_end", 0xffffffff81003000, 'B'},      {"pcpu_var", 0x1a000, 'A'},
      {"mod_init", 0xffffffffc0001000, 't'},  {"mod_data", 0xffffffffc0001800, 'd'}};
  const std::vector<elf_region> regions = {{0xffffffffc0001000, module, "mod"}, {0xffffffff81000000, text, ""}};
  for (const auto order : {mquire::byte_order::little, mquire::byte_order::big}) {
    DYNAMIC_SECTION((order == mquire::byte_order::little ? "little" : "big") << "-endian") {
      mquire::output::elf_options o;
      o.order = order;
      o.machine = order == mquire::byte_order::little ? 62 : 22; // x86_64, s390x
      const auto file = write(regions, symbols, o);
      std::multiset<std::string> got, want;
      std::istringstream in(nm_of(file, order == mquire::byte_order::little ? "elfw-le" : "elfw-be"));
      for (std::string l; std::getline(in, l);) got.insert(l);
      for (const auto& s : symbols) {
        char hex[17];
        std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(s.address));
        want.insert(std::string(hex) + " " + s.type + " " + std::string(s.name));
      }
      CHECK(got == want);
    }
  }
  SECTION("32-bit") {
    std::vector<std::uint8_t> small(0x2000, 0);
    const std::vector<symbol_entry> s32 = {{"_text", 0xc1000000, 'T'}, {"f", 0xc1000010, 't'}, {"d", 0xc1001000, 'D'}};
    const std::vector<elf_region> r32 = {{0xc1000000, small, ""}};
    mquire::output::elf_options o;
    o.word_size = 4;
    o.machine = 3;
    const auto file = write(r32, s32, o);
    CHECK(file[4] == 1); // ELFCLASS32
    CHECK(nm_of(file, "elfw-32") == "c1000010 t f\nc1000000 T _text\nc1001000 D d\n"); // locals first
  }
}

TEST_CASE("elf writer: refuses what it cannot write", "[elf]") {
  std::vector<std::uint8_t> b(16);
  const std::vector<symbol_entry> none;
  const auto fails = [&](std::span<const elf_region> r, mquire::output::elf_options o) {
    return !mquire::output::write_elf(r, none, o, [](std::span<const std::uint8_t>) {});
  };
  CHECK(fails({}, {}));
  const std::vector<elf_region> empty = {{0x1000, {}, ""}};
  CHECK(fails(empty, {}));
  const std::vector<elf_region> wraps = {{~std::uint64_t{0} - 4, b, ""}};
  CHECK(fails(wraps, {}));
  mquire::output::elf_options o32;
  o32.word_size = 4;
  const std::vector<elf_region> high = {{0x100000000ull, b, ""}};
  CHECK(fails(high, o32));
  mquire::output::elf_options odd;
  odd.word_size = 2;
  const std::vector<elf_region> fine = {{0x1000, b, ""}};
  CHECK(fails(fine, odd));
  CHECK(!fails(fine, {}));
}
