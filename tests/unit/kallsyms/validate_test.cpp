// SPDX-License-Identifier: Apache-2.0
// validate.hpp: what a decoded table must satisfy, and the rejection each
// failure gives.
#include <catch2/catch.hpp>

#include <mquire/mquire.hpp>

#include "unit/generated.hpp"

using mquire::rejection;

namespace {
mquire::kallsyms_table recovered(const gen::output& o) {
  auto rep = mquire::find_kallsyms(mquire::byte_range{o.bytes, 0xffffffff81000000ull + 0x1200000});
  REQUIRE(!rep.tables.empty());
  return rep.tables.front();
}
const mquire::layout_desc& layout_named(std::string_view name) {
  static const auto all = mquire::builtin_layouts();
  for (const auto& d : all)
    if (d.name == name) return d;
  FAIL("no layout " << name);
  return all.front();
}
} // namespace

TEST_CASE("validate: a good table passes with its evidence", "[unit][validate]") {
  const auto o = unit::generated(gen::era::v6_4, 8, mquire::byte_order::little,
                                 mquire::address_encoding::base_relative, 700);
  auto t = recovered(o);
  const auto& L = layout_named(t.layout);
  const auto v = mquire::detail::validate_table(mquire::byte_reader(o.bytes), L, t);
  CHECK(v.ok());
  CHECK(v.score == t.score);
  CHECK(v.evidence.front() == "700 names decode through the token table and agree with 3 markers");
}

TEST_CASE("validate: unsorted addresses are marked, or rejected past the allowance or when strict", "[unit][validate]") {
  const auto o = unit::generated(gen::era::v6_4, 8, mquire::byte_order::little,
                                 mquire::address_encoding::base_relative, 700);
  const auto good = recovered(o);
  const auto& L = layout_named(good.layout);
  const mquire::byte_reader r(o.bytes);
  auto one = good;
  one.symbols[300].address = one.symbols[0].address + 1; // far out of order
  CHECK(mquire::detail::validate_table(r, L, one).ok());
  CHECK(one.symbols[300].damage == mquire::entry_damage::address_out_of_order);
  auto strict = good;
  strict.symbols[300].address = strict.symbols[0].address + 1;
  CHECK(mquire::detail::validate_table(r, L, strict, true).why == rejection::addresses_not_sorted);
  auto many = good;
  for (std::size_t i = 100; i < 400; i += 2) many.symbols[i].address = many.symbols[0].address + 1;
  CHECK(mquire::detail::validate_table(r, L, many).why == rejection::addresses_not_sorted);
}

TEST_CASE("validate: the first relocated symbol must sit at kallsyms_relative_base", "[unit][validate]") {
  const auto o = unit::generated(gen::era::v6_4, 8, mquire::byte_order::little,
                                 mquire::address_encoding::base_relative, 700);
  auto t = recovered(o);
  REQUIRE(t.relative_base);
  *t.relative_base += 0x1000;
  CHECK(mquire::detail::validate_table(mquire::byte_reader(o.bytes), layout_named(t.layout), t).why ==
        rejection::relative_base_mismatch);
}

TEST_CASE("validate: every rejection has words", "[unit][validate][rejection]") {
  for (int k = 0; k <= static_cast<int>(rejection::absolute_far_from_table); ++k)
    CHECK(mquire::to_string(static_cast<rejection>(k)) != "?");
  CHECK(mquire::describe({"6.4-absolute", rejection::section_past_range_end, mquire::section_role::addresses}) ==
        "6.4-absolute: kallsyms_addresses would run past the end of the range");
}
