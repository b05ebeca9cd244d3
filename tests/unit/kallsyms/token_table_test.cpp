// SPDX-License-Identifier: Apache-2.0
// token_table.hpp: the digit-run landmark and reading the table with its index.
#include <catch2/catch.hpp>

#include <mquire/kallsyms/token_table.hpp>

#include "unit/generated.hpp"

using mquire::section_role;

TEST_CASE("token_table: the digit run leads to the table and its index, in either byte order", "[unit][token_table]") {
  for (auto order : {mquire::byte_order::little, mquire::byte_order::big}) {
    const auto o = unit::generated(gen::era::v6_4, 8, order);
    const mquire::byte_reader r(o.bytes);
    const auto found = unit::token_tables(o.bytes);
    REQUIRE(found.size() == 1);
    const auto& t = found.front();
    CHECK(t.table_offset == unit::at(o, section_role::token_table));
    CHECK(t.table_end - t.table_offset == o.token_table_size);
    CHECK(t.index_offset == unit::at(o, section_role::token_index));
    CHECK(t.order == order);
    // Token k starts where the index says, and tokens are symbol characters.
    for (unsigned k = 0; k < 256; ++k) {
      CHECK(t.offset[k] - t.table_offset == r.uint_unchecked(t.index_offset + 2 * k, 2, order));
      for (char c : t.token(r, static_cast<std::uint8_t>(k))) CHECK(mquire::detail::is_symbol_char(static_cast<std::uint8_t>(c)));
    }
  }
}

TEST_CASE("token_table: a digit run without an index that agrees is no table", "[unit][token_table]") {
  auto o = unit::generated();
  const std::size_t index = unit::at(o, section_role::token_index);
  o.bytes[index + 2 * 200] ^= 0x55; // token 200's start no longer agrees
  const mquire::byte_reader r(o.bytes);
  std::size_t tables = 0, runs = 0;
  mquire::detail::for_each_digit_run(o.bytes, [&](std::size_t at) {
    ++runs;
    tables += mquire::detail::read_token_tables(r, at).size();
  });
  CHECK(runs >= 1);
  CHECK(tables == 0);
}
