// SPDX-License-Identifier: Apache-2.0
// names.hpp and plain_names.hpp: the one length decoder, the structural walk
// and the expansion, each failure with its rejection.
#include <catch2/catch.hpp>

#include <mquire/kallsyms/names.hpp>
#include <mquire/kallsyms/plain_names.hpp>
#include <mquire/kallsyms/token_table.hpp>

#include "unit/generated.hpp"

using mquire::rejection;
using mquire::section_role;

TEST_CASE("names: the length prefix is one byte, or two as ULEB128 from 6.1", "[unit][names]") {
  const std::uint8_t b[] = {0x03, 'a', 'b', 'c', 0x81, 0x01, 'x'};
  mquire::detail::name_entry e;
  REQUIRE(mquire::detail::read_name_entry(b, 0, sizeof b, mquire::name_length::uleb128, e) == rejection::none);
  CHECK(e.tokens == 1);
  CHECK(e.length == 3);
  // 0x81 0x01: 1 + (1 << 7) = 129 tokens, more than the bytes hold.
  CHECK(mquire::detail::read_name_entry(b, 4, sizeof b, mquire::name_length::uleb128, e) == rejection::name_runs_into_markers);
  CHECK(mquire::detail::read_name_entry(b, 4, sizeof b, mquire::name_length::one_byte, e) ==
        rejection::name_length_out_of_range);
  const std::uint8_t zero[] = {0x00, 0x00};
  CHECK(mquire::detail::read_name_entry(zero, 0, sizeof zero, mquire::name_length::uleb128, e) == rejection::empty_name);
  CHECK(mquire::detail::read_name_entry(zero, 2, sizeof zero, mquire::name_length::uleb128, e) ==
        rejection::names_run_into_markers);
}

TEST_CASE("names: the walk ends at the markers and expands to the generator's names", "[unit][names]") {
  const auto o = unit::generated(gen::era::v6_4, 8, mquire::byte_order::little,
                                 mquire::address_encoding::base_relative, 700);
  const mquire::byte_reader r(o.bytes);
  const std::size_t names = unit::at(o, section_role::names), mk = unit::at(o, section_role::markers);
  const auto markers = mquire::detail::read_markers(r, {mk, mk + 12, 3}, 4, mquire::byte_order::little);
  const auto w = mquire::detail::walk_names(r, names, mk, 700, markers, mquire::name_length::uleb128);
  REQUIRE(w.ok());
  CHECK(w.entries == 700);
  CHECK(mk - w.end < 8); // only alignment padding before the markers
  const auto found = unit::token_tables(o.bytes);
  REQUIRE(found.size() == 1);
  const mquire::detail::token_table& tt = found.front();
  mquire::kallsyms_table t;
  REQUIRE(mquire::detail::expand_names(r, names, 700, tt, t) == rejection::none);
  REQUIRE(t.symbols.size() == 700);
  for (std::size_t i = 0; i < 700; ++i) {
    CHECK(t.name(t.symbols[i]) == o.symbols[i].name);
    CHECK(t.symbols[i].type == o.symbols[i].type);
  }
  // A marker that disagrees, and too few markers.
  auto wrong = markers;
  wrong[1] += 1;
  CHECK(mquire::detail::walk_names(r, names, mk, 700, wrong, mquire::name_length::uleb128).why == rejection::name_not_at_marker);
  wrong.pop_back();
  CHECK(mquire::detail::walk_names(r, names, mk, 700, wrong, mquire::name_length::uleb128).why ==
        rejection::marker_count_mismatch);
  // The names cut at the markers: 701 entries do not fit.
  CHECK(mquire::detail::walk_names(r, names, mk, 701, markers, mquire::name_length::uleb128).why != rejection::none);
}

TEST_CASE("plain names: entries are text with a type letter; the walk gives the markers", "[unit][names][plain]") {
  const auto o = unit::generated(gen::era::v6_4, 4, mquire::byte_order::big, mquire::address_encoding::base_relative,
                                 600, true);
  const mquire::byte_reader r(o.bytes);
  const std::size_t names = unit::at(o, section_role::names), mk = unit::at(o, section_role::markers);
  const auto w = mquire::detail::walk_plain_names(r, names, o.num_syms);
  REQUIRE(w);
  CHECK(mk - w->end < 4);
  REQUIRE(w->marks.size() == (o.num_syms + 255) / 256);
  for (std::size_t k = 0; k < w->marks.size(); ++k)
    CHECK(w->marks[k] == r.uint_unchecked(mk + 4 * k, 4, mquire::byte_order::big));
  mquire::kallsyms_table t;
  mquire::detail::expand_plain_names(r, names, o.num_syms, t);
  REQUIRE(t.symbols.size() == o.num_syms);
  for (std::size_t i = 0; i < o.num_syms; ++i) CHECK(t.name(t.symbols[i]) == o.symbols[i].name);
  std::size_t stext = 0;
  mquire::detail::for_each_plain_stext(o.bytes, [&](std::size_t at) { stext = at; });
  CHECK(stext > names);
  CHECK(mquire::detail::plain_entries_reach(r, names, stext, o.num_syms));
  CHECK_FALSE(mquire::detail::plain_entries_reach(r, names + 1, stext, o.num_syms));
}
