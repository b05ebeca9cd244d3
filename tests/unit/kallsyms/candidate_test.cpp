// SPDX-License-Identifier: Apache-2.0
// candidate.hpp: placing every section of a candidate from N and the layout,
// and decoding it, against where the generator put them.
#include <catch2/catch.hpp>

#include <mquire/mquire.hpp>

#include "unit/generated.hpp"

using mquire::rejection;
using mquire::section_role;

namespace {
struct setup {
  gen::output o;
  mquire::detail::token_table tt;
  mquire::layout_desc L;
  mquire::detail::candidate c;
};

setup make(std::string_view layout, gen::era e, mquire::address_encoding enc) {
  setup s{unit::generated(e, 8, mquire::byte_order::little, enc, 900), {}, {}, {}};
  const auto found = unit::token_tables(s.o.bytes);
  REQUIRE(found.size() == 1);
  s.tt = found.front();
  for (const auto& d : mquire::builtin_layouts())
    if (d.name == layout) s.L = d;
  const std::size_t mk = unit::at(s.o, section_role::markers);
  s.c.layout = &s.L;
  s.c.word = 8;
  s.c.align = {8, s.tt.table_offset % 8};
  s.c.tokens = &s.tt;
  s.c.num_syms_at = unit::at(s.o, section_role::num_syms);
  s.c.names_start = unit::at(s.o, section_role::names);
  s.c.markers = {mk, mk + 4 * 4, 4};
  s.c.n = 900;
  return s;
}
} // namespace

TEST_CASE("candidate: every section lands where the generator wrote it", "[unit][candidate]") {
  for (auto [layout, era, enc] : {std::tuple{"6.4-base-relative", gen::era::v6_4, mquire::address_encoding::base_relative},
                                  std::tuple{"6.2-absolute", gen::era::v6_2, mquire::address_encoding::absolute}}) {
    DYNAMIC_SECTION(layout) {
      auto s = make(layout, era, enc);
      const mquire::byte_reader r(s.o.bytes);
      const auto p = mquire::detail::place_sections(r, s.c, false);
      REQUIRE(p.why == rejection::none);
      CHECK_FALSE(p.truncated);
      REQUIRE(p.sections.size() == s.L.count);
      for (const auto& l : p.sections) CHECK(l.offset == unit::at(s.o, l.role));
      mquire::kallsyms_table names;
      REQUIRE(mquire::detail::decode_names(r, s.c, names) == rejection::none);
      const auto d = mquire::detail::decode_table(r, mquire::byte_range{s.o.bytes}, s.c, p, names);
      REQUIRE(d.why == rejection::none);
      REQUIRE(d.table.symbols.size() == 900);
      for (std::size_t i = 0; i < 900; ++i) CHECK(d.table.symbols[i].address == s.o.symbols[i].address);
    }
  }
}

TEST_CASE("candidate: trailing address data cut short are placed as far as they go, unless strict",
          "[unit][candidate]") {
  auto s = make("6.4-base-relative", gen::era::v6_4, mquire::address_encoding::base_relative);
  s.o.bytes.resize(unit::at(s.o, section_role::offsets) + 4 * 500 + 2); // 500 whole offsets
  const mquire::byte_reader r(s.o.bytes);
  // relative_base lies past the cut: it cannot be read, so the table cannot be decoded.
  const auto p = mquire::detail::place_sections(r, s.c, false);
  CHECK(p.why == rejection::section_past_range_end);
  CHECK(p.section == section_role::relative_base);
  // Without relative_base (place-relative), the offsets are placed as far as they go.
  auto seven = make("7.0-place-relative", gen::era::v7_0, mquire::address_encoding::place_relative);
  seven.c.align = {4, seven.tt.table_offset % 4};
  seven.o.bytes.resize(unit::at(seven.o, section_role::offsets) + 4 * 500 + 2);
  const mquire::byte_reader r7(seven.o.bytes);
  const auto cut = mquire::detail::place_sections(r7, seven.c, false);
  REQUIRE(cut.why == rejection::none);
  CHECK(cut.truncated);
  CHECK(cut.find(section_role::offsets)->size == 4 * 500 + 2);
  const auto strict = mquire::detail::place_sections(r7, seven.c, true);
  CHECK(strict.why == rejection::section_past_range_end);
  CHECK(strict.section == section_role::offsets);
}

TEST_CASE("candidate: an optional section is placed only when its data check out", "[unit][candidate]") {
  auto o = unit::generated(gen::era::v6_4, 4, mquire::byte_order::big, mquire::address_encoding::base_relative, 600,
                           true);
  mquire::layout_desc L;
  for (const auto& d : mquire::builtin_layouts())
    if (d.name == "uncompressed-names-6.4-base-relative") L = d;
  REQUIRE(L.plain_names());
  const std::size_t mk = unit::at(o, section_role::markers);
  mquire::detail::candidate c;
  c.layout = &L;
  c.word = 4;
  c.order = mquire::byte_order::big;
  c.align = {4, unit::at(o, section_role::names) % 4};
  c.num_syms_at = unit::at(o, section_role::num_syms);
  c.names_start = unit::at(o, section_role::names);
  c.n = o.num_syms;
  c.markers = {mk, mk + 4 * 3, 3};
  const mquire::byte_reader r(o.bytes);
  auto p = mquire::detail::place_sections(r, c, false);
  REQUIRE(p.why == rejection::none);
  CHECK(p.find(section_role::seqs_of_names) != nullptr);
  const std::size_t seqs = p.find(section_role::seqs_of_names)->offset;
  o.bytes[seqs + 2] ^= 1; // two entries now name the same symbol
  const mquire::byte_reader broken(o.bytes);
  p = mquire::detail::place_sections(broken, c, false);
  REQUIRE(p.why == rejection::none);
  CHECK(p.find(section_role::seqs_of_names) == nullptr);
  CHECK(p.sections.size() == L.count - 1);
}
