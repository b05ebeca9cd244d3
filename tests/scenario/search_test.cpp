// SPDX-License-Identifier: Apache-2.0
// Exact recovery on generated tables of every built-in layout, in 64- and
// 32-bit and both byte orders, inside larger ranges with decoys.
#include <catch2/catch.hpp>

#include <algorithm>

#include <mquire/mquire.hpp>

#include "generator/kallsyms_writer.hpp"
#include "generator/memory_image.hpp"
#include "generator/symbols.hpp"
#include "support/exact.hpp"
#include "support/layout_cases.hpp"

using mquire::address_encoding;
using mquire::byte_order;
using mquire::section_role;

using support::layout_case;
using support::all_cases;
using support::build;
using support::built;
using support::one_byte_era;

TEST_CASE("every built-in layout is recovered exactly", "[search]") {
  for (const auto& lc : all_cases) {
    for (unsigned word : {8u, 4u}) {
      for (byte_order order : {byte_order::little, byte_order::big}) {
        if (lc.era == gen::era::v7_0 && word == 4) continue; // covered by the 7.0 32-bit cases below
        DYNAMIC_SECTION(lc.layout << " word " << word << " " << mquire::to_string(order)) {
          const built b = build(lc, word, order, 3000, 17 + word);
          mquire::byte_range range{b.image, b.image_vaddr};
          const auto rep = mquire::find_kallsyms(range);
          REQUIRE(!rep.tables.empty());
          const auto& t = rep.tables.front();
          const bool named = t.layout == lc.layout || std::find(t.equivalent_layouts.begin(), t.equivalent_layouts.end(),
                                                                  lc.layout) != t.equivalent_layouts.end();
          CHECK(named);
          CHECK(t.word_size == word);
          CHECK(t.order == order);
          CHECK(t.num_syms == 3000);
          CHECK(t.basis == mquire::address_basis::virtual_address);
          CHECK(support::mismatches(t, b.out.symbols, word) == 0);
          CHECK(t.section(section_role::token_table)->offset == b.at + b.out.offset.at(section_role::token_table));
          CHECK(t.section(section_role::num_syms)->offset == b.at + b.out.offset.at(section_role::num_syms));
          CHECK(t.banner == "Linux version 6.6.6-test (gen@mquire) #1 SMP");
        }
      }
    }
  }
}

TEST_CASE("a family queried at compile time searches only its layouts", "[search][families]") {
  // A 32-bit 6.4 table, searched with the layouts that read 32-bit place-
  // relative offsets only (the 7.0 one) and then with the 6.4 family.
  const auto lc = *std::find_if(std::begin(all_cases), std::end(all_cases),
                                [](const layout_case& c) { return c.layout == "6.4-base-relative"; });
  const built b = build(lc, 4, byte_order::little, 2000, 41);
  mquire::byte_range range{b.image, b.image_vaddr};
  namespace layouts = mquire::layouts;
  const auto only_70 = layouts::encoded_as<address_encoding::place_relative>(layouts::readable_at<4>(layouts::all));
  const auto none = mquire::find_kallsyms(range, {}, only_70);
  CHECK(none.tables.empty());
  const auto relative = layouts::encoded_as<address_encoding::base_relative>(layouts::compressed);
  const auto rep = mquire::find_kallsyms(range, {}, relative);
  REQUIRE(!rep.tables.empty());
  CHECK(rep.tables.front().layout == "6.4-base-relative");
  CHECK(rep.tables.front().num_syms == 2000);
  CHECK(support::mismatches(rep.tables.front(), b.out.symbols, 4) == 0);
}

TEST_CASE("7.0 32-bit: place-relative and absolute u32 are told apart", "[search][7.0]") {
  for (auto enc : {address_encoding::place_relative, address_encoding::absolute_u32}) {
    for (byte_order order : {byte_order::little, byte_order::big}) {
      const auto syms = gen::make_symbols({.count = 2500, .seed = 23, .text_base = 0xc1000000ull});
      gen::config c{.e = gen::era::v7_0, .word_size = 4, .order = order, .encoding = enc, .vaddr = 0xc1a00000ull};
      const auto out = gen::write_kallsyms(syms, c);
      const auto image = gen::embed(out.bytes, {.total = out.bytes.size() + 8192, .at = 4096});
      // With the virtual address known (a kernel image) and without (a dump).
      for (bool known : {true, false}) {
        DYNAMIC_SECTION(mquire::to_string(enc) << " " << mquire::to_string(order) << " vaddr known " << known) {
          mquire::byte_range range{image};
          if (known) range.base_vaddr = c.vaddr - 4096;
          mquire::search_options opt;
          opt.word_size = 4;
          const auto rep = mquire::find_kallsyms(range, opt);
          REQUIRE(!rep.tables.empty());
          const auto& t = rep.tables.front();
          if (enc == address_encoding::absolute_u32) {
            CHECK(t.layout == "7.0-absolute32");
            CHECK(support::mismatches(t, out.symbols, 4) == 0);
          } else {
            CHECK(t.layout == "7.0-place-relative");
            if (known) {
              CHECK(support::mismatches(t, out.symbols, 4) == 0);
            } else {
              CHECK(t.basis == mquire::address_basis::range_relative);
              // Relative addresses differ from the real ones by the range's base.
              CHECK(((t.symbols[7].address + (c.vaddr - 4096)) & 0xffffffffu) == out.symbols[7].address);
            }
          }
        }
      }
    }
  }
}

TEST_CASE("7.0 awkward cases: markers touch the token table with a printable last byte", "[search][7.0]") {
  // Big-endian markers end with their low byte; find a symbol set whose last
  // marker ends in a printable byte, so the token table's start is ambiguous
  // to a reader that walks backwards.
  for (std::uint64_t seed = 1; seed < 200; ++seed) {
    const auto syms = gen::make_symbols({.count = 1500, .seed = seed});
    gen::config c{.e = gen::era::v7_0, .order = byte_order::big, .encoding = address_encoding::place_relative};
    const auto out = gen::write_kallsyms(syms, c);
    const std::uint8_t before = out.bytes.at(out.offset.at(section_role::token_table) - 1);
    if (!mquire::detail::is_symbol_char(before)) continue;
    mquire::byte_range range{out.bytes, c.vaddr};
    const auto rep = mquire::find_kallsyms(range);
    REQUIRE(!rep.tables.empty());
    CHECK(rep.tables.front().layout == "7.0-place-relative");
    CHECK(rep.tables.front().section(section_role::token_table)->offset == out.offset.at(section_role::token_table));
    CHECK(support::mismatches(rep.tables.front(), out.symbols, 8) == 0);
    SUCCEED("seed " << seed);
    return;
  }
  FAIL("no seed produced a printable byte before the token table");
}

TEST_CASE("60,000+ symbols with long names, at an odd offset, among decoys", "[search][large]") {
  for (const auto& lc : {all_cases[8], all_cases[12]}) {
    DYNAMIC_SECTION(lc.layout) {
      const built b = build(lc, 8, byte_order::little, 61234, 5, 1000001);
      mquire::byte_range range{b.image, b.image_vaddr};
      const auto rep = mquire::find_kallsyms(range);
      REQUIRE(!rep.tables.empty());
      CHECK(rep.tables.front().layout == lc.layout);
      CHECK(rep.stats.digit_runs >= 2);
      CHECK(support::mismatches(rep.tables.front(), b.out.symbols, 8) == 0);
      std::size_t long_names = 0;
      for (const auto& s : rep.tables.front().symbols) long_names += rep.tables.front().name(s).size() > 127;
      CHECK(long_names >= 10);
    }
  }
}

TEST_CASE("banner separated from the table by other read-only data", "[search]") {
  const auto syms = gen::make_symbols({.count = 900, .seed = 31, .percpu = 5});
  gen::config c{.e = gen::era::v6_2, .encoding = address_encoding::base_relative_percpu,
                .banner = "Linux version 6.1.0-test", .gap_after_banner = 77};
  const auto out = gen::write_kallsyms(syms, c);
  mquire::byte_range range{out.bytes, c.vaddr};
  const auto rep = mquire::find_kallsyms(range);
  REQUIRE(!rep.tables.empty());
  CHECK(rep.tables.front().banner.empty()); // not adjacent: not claimed
  CHECK(support::mismatches(rep.tables.front(), out.symbols, 8) == 0);
}

TEST_CASE("the banner's version does not decide the layout", "[search]") {
  // A 6.4-ordered table behind a banner that claims 6.1.
  const auto syms = gen::make_symbols({.count = 1200, .seed = 37});
  gen::config c{.e = gen::era::v6_4, .encoding = address_encoding::base_relative, .banner = "Linux version 6.1.0-vendor"};
  const auto out = gen::write_kallsyms(syms, c);
  const auto rep = mquire::find_kallsyms(mquire::byte_range{out.bytes, c.vaddr});
  REQUIRE(!rep.tables.empty());
  CHECK(rep.tables.front().layout == "6.4-base-relative");
  CHECK(support::mismatches(rep.tables.front(), out.symbols, 8) == 0);
}

TEST_CASE("no table: a clear account of what was searched", "[search][errors]") {
  SECTION("empty range") {
    const auto rep = mquire::find_kallsyms(mquire::byte_range{});
    CHECK(rep.tables.empty());
    CHECK(rep.furthest == mquire::search_stage::nothing);
    CHECK_THAT(mquire::describe_failure(rep), Catch::Contains("0 token-table landmarks"));
  }
  SECTION("random bytes with decoy landmarks") {
    const std::vector<std::uint8_t> none;
    const auto image = gen::embed(none, {.total = 1 << 20, .at = 0, .decoy_digit_runs = 50});
    const auto rep = mquire::find_kallsyms(mquire::byte_range{image});
    CHECK(rep.tables.empty());
    CHECK(rep.stats.digit_runs >= 40);
    CHECK(rep.furthest == mquire::search_stage::digit_run);
    const auto r = mquire::recover_kallsyms(mquire::byte_range{image});
    REQUIRE(!r);
    CHECK(r.err().code == mquire::error_code::not_found);
    CHECK_THAT(r.err().message, Catch::Contains("no token index agrees"));
  }
  SECTION("a table whose names were cut short: strict refuses it, by default the rest is read") {
    const auto syms = gen::make_symbols({.count = 2000, .seed = 41});
    gen::config c{.e = gen::era::v6_4, .encoding = address_encoding::base_relative};
    auto out = gen::write_kallsyms(syms, c);
    // Zero the tail of the names stream: the markers no longer agree.
    const std::size_t m = out.offset.at(section_role::markers);
    std::fill(out.bytes.begin() + static_cast<long>(m - 3000), out.bytes.begin() + static_cast<long>(m), 0);
    // Strict: all or nothing, so nothing.
    mquire::search_options strict;
    strict.strict = true;
    const auto refused = mquire::find_kallsyms(mquire::byte_range{out.bytes, c.vaddr}, strict);
    CHECK(refused.tables.empty());
    CHECK(refused.furthest >= mquire::search_stage::num_syms);
    // By default the groups before the cut are read; the cut ones are
    // left out, never guessed.
    const auto rep = mquire::find_kallsyms(mquire::byte_range{out.bytes, c.vaddr});
    REQUIRE(rep.tables.size() == 1);
    const auto& t = rep.tables.front();
    CHECK(t.damaged > 3000 / 20);
    CHECK(t.damaged < 3 * 256);
    for (std::size_t i = 0; i < t.symbols.size(); ++i)
      if (t.symbols[i].trusted()) {
        INFO(i);
        CHECK(t.name(t.symbols[i]) == out.symbols[i].name);
        CHECK(t.symbols[i].address == out.symbols[i].address);
      }
  }
  SECTION("unsorted addresses cost only the entries out of order; strict refuses them") {
    auto syms = gen::make_symbols({.count = 800, .seed = 43});
    gen::config c{.e = gen::era::v6_4, .encoding = address_encoding::absolute};
    auto out = gen::write_kallsyms(syms, c);
    // Swap two addresses in the stored array.
    const std::size_t a = out.offset.at(section_role::addresses);
    std::swap_ranges(out.bytes.begin() + static_cast<long>(a + 8 * 100), out.bytes.begin() + static_cast<long>(a + 8 * 101),
                     out.bytes.begin() + static_cast<long>(a + 8 * 500));
    const auto rep = mquire::find_kallsyms(mquire::byte_range{out.bytes, c.vaddr});
    REQUIRE(rep.tables.size() == 1);
    const auto& t = rep.tables.front();
    CHECK(t.damaged == 2);
    for (std::size_t i = 0; i < t.symbols.size(); ++i) {
      INFO(i);
      const bool swapped = i == 100 || i == 500;
      CHECK(t.symbols[i].damage == (swapped ? mquire::entry_damage::address_out_of_order : mquire::entry_damage::none));
      if (!swapped) CHECK(t.symbols[i].address == out.symbols[i].address);
    }
    mquire::search_options strict;
    strict.strict = true;
    const auto refused = mquire::find_kallsyms(mquire::byte_range{out.bytes, c.vaddr}, strict);
    CHECK(refused.tables.empty());
    CHECK_THAT(mquire::describe_failure(refused), Catch::Contains("not sorted"));
  }
}

TEST_CASE("landmark scan: the glibc and portable paths find the same positions", "[search][landmark]") {
  auto image = gen::embed({}, {.total = 3 << 20, .at = 0, .seed = 8, .decoy_digit_runs = 300});
  // overlapping and back-to-back landmarks too
  const std::uint8_t* d = mquire::detail::digit_run_landmark.data();
  std::copy(d, d + 20, image.begin() + 1000);
  std::copy(d, d + 20, image.begin() + 1020);
  std::copy(d, d + 20, image.begin() + static_cast<long>(image.size()) - 20);
  std::vector<std::size_t> fast, portable;
  mquire::detail::for_each_digit_run(image, [&](std::size_t at) { fast.push_back(at); });
  for (std::size_t pos = 0;;) {
    const auto* h = mquire::detail::find_bytes_portable(image.data() + pos, image.size() - pos, d, 20);
    if (!h) break;
    portable.push_back(static_cast<std::size_t>(h - image.data()));
    pos = portable.back() + 1;
  }
  CHECK(fast.size() >= 250);
  CHECK(fast == portable);
  CHECK(fast.back() == image.size() - 20);
}

TEST_CASE("one-pass landmark scan: the SIMD and portable paths agree", "[search][landmark]") {
  auto image = gen::embed({}, {.total = (2 << 20) + 77, .at = 0, .seed = 9, .decoy_digit_runs = 200});
  const std::string info = "OSRELEASE=6.1.0\nPAGESIZE=4096\n";
  for (std::size_t at : {std::size_t{0}, std::size_t{31}, std::size_t{64}, std::size_t{4095}, image.size() - 40})
    std::copy(info.begin(), info.begin() + 10, image.begin() + static_cast<long>(at));
  // BTF headers' magic and version, both byte orders, at vector-block
  // edges and unaligned (the caller decides about alignment).
  const std::vector<std::size_t> btf_at = {100, 131, 4200, 8191, image.size() - 64};
  for (std::size_t k = 0; k < btf_at.size(); ++k) {
    const auto& magic = k % 2 ? mquire::detail::btf_magic_be : mquire::detail::btf_magic_le;
    std::copy(magic, magic + 4, image.begin() + static_cast<long>(btf_at[k]));
  }
  std::copy(mquire::detail::digit_run_landmark.begin(), mquire::detail::digit_run_landmark.end(), image.end() - 20);
  std::vector<std::size_t> d1, i1, b1, d2, i2, b2, d3;
  mquire::scan_all_landmarks(
      image, [&](std::size_t a) { d1.push_back(a); }, [&](std::size_t a) { i1.push_back(a); },
      [&](std::size_t a) { b1.push_back(a); }, true);
  mquire::scan_all_landmarks(
      image, [&](std::size_t a) { d2.push_back(a); }, [&](std::size_t a) { i2.push_back(a); },
      [&](std::size_t a) { b2.push_back(a); }, false);
  mquire::detail::for_each_digit_run(image, [&](std::size_t a) { d3.push_back(a); });
  CHECK(d1 == d2);
  CHECK(i1 == i2);
  CHECK(b1 == b2);
  CHECK(d1 == d3);
  CHECK(i1.size() == 5);
  CHECK(d1.back() == image.size() - 20);
  for (std::size_t at : btf_at) CHECK(std::find(b1.begin(), b1.end(), at) != b1.end());
}

TEST_CASE("uncompressed names (OpenWRT's KALLSYMS_UNCOMPRESSED): no token table, found from _stext", "[search][uncompressed]") {
  const layout_case cases[] = {
      {gen::era::v4_20, address_encoding::base_relative, "uncompressed-names-4.20-base-relative"},
      {gen::era::v4_20, address_encoding::absolute, "uncompressed-names-4.20-absolute"},
      {gen::era::v6_2, address_encoding::base_relative_percpu, "uncompressed-names-4.20-base-relative-percpu"},
      {gen::era::v6_4, address_encoding::base_relative, "uncompressed-names-6.4-base-relative"},
      {gen::era::v6_4, address_encoding::absolute, "uncompressed-names-6.4-absolute"},
  };
  for (const auto& uc : cases) {
    for (unsigned word : {8u, 4u}) {
      for (byte_order order : {byte_order::little, byte_order::big}) {
        DYNAMIC_SECTION(uc.layout << " word " << word << " " << mquire::to_string(order)) {
          const bool percpu = uc.enc == address_encoding::base_relative_percpu;
          const std::uint64_t text = word == 8 ? 0xffffffff81000000ull : 0xc1000000ull;
          auto syms = gen::make_symbols({.count = 2000, .seed = 5 + word, .text_base = text + 0x100,
                                         .percpu = percpu ? 30u : 0u, .short_names_only = true});
          syms.push_back({text, 'T', "_stext"});
          const std::size_t at = 4099;
          gen::config c{.e = uc.era, .word_size = word, .order = order, .encoding = uc.enc,
                        .vaddr = text + 0x900000 + at % 8, .uncompressed = true};
          const auto out = gen::write_kallsyms(syms, c);
          const auto image = gen::embed(out.bytes, {.total = out.bytes.size() + 3 * at, .at = at, .seed = word});
          mquire::byte_range range{image, c.vaddr - at};
          // One combinator for every layout: the full search finds it, and
          // so does the search restricted to plain-name layouts.
          const auto rep = mquire::find_kallsyms(range);
          REQUIRE(!rep.tables.empty());
          const auto plain_only = mquire::find_uncompressed_kallsyms(range);
          REQUIRE(!plain_only.tables.empty());
          CHECK(mquire::same_table(plain_only.tables.front(), rep.tables.front()));
          const auto& t = rep.tables.front();
          CHECK(t.layout == uc.layout);
          CHECK(t.word_size == word);
          CHECK(t.order == order);
          CHECK(t.num_syms == 2001);
          CHECK(support::mismatches(t, out.symbols, word) == 0);
          CHECK(t.section(section_role::num_syms)->offset == at + out.offset.at(section_role::num_syms));
          CHECK(t.section(section_role::token_table) == nullptr);
          CHECK((t.section(section_role::seqs_of_names) != nullptr) == (uc.era != gen::era::v4_20));
        }
      }
    }
  }
}
