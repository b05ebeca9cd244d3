// SPDX-License-Identifier: Apache-2.0
// addresses.hpp: every address encoding decoded from hand-written bytes.
#include <catch2/catch.hpp>

#include <mquire/kallsyms/addresses.hpp>

namespace {
mquire::kallsyms_table with_symbols(std::initializer_list<char> types) {
  mquire::kallsyms_table t;
  for (char c : types) {
    mquire::symbol s;
    s.type = c;
    t.symbols.push_back(s);
  }
  t.num_syms = static_cast<std::uint32_t>(t.symbols.size());
  return t;
}
void put32le(std::vector<std::uint8_t>& b, std::size_t at, std::uint32_t v) {
  for (int k = 0; k < 4; ++k) b[at + k] = static_cast<std::uint8_t>(v >> (8 * k));
}
} // namespace

TEST_CASE("addresses: base-relative offsets add to kallsyms_relative_base", "[unit][addresses]") {
  std::vector<std::uint8_t> b(16);
  put32le(b, 0, 0);
  put32le(b, 4, 0x100);
  put32le(b, 8, 0x2345);
  auto t = with_symbols({'T', 't', 'D'});
  mquire::detail::address_data a;
  a.encoding = mquire::address_encoding::base_relative;
  a.relative_base = 0xffffffff81000000ull;
  mquire::detail::decode_addresses(mquire::byte_reader(b), a, t);
  CHECK(t.symbols[0].address == 0xffffffff81000000ull);
  CHECK(t.symbols[1].address == 0xffffffff81000100ull);
  CHECK(t.symbols[2].address == 0xffffffff81002345ull);
  CHECK(t.basis == mquire::address_basis::virtual_address);
}

TEST_CASE("addresses: per-cpu offsets are absolute when non-negative", "[unit][addresses]") {
  std::vector<std::uint8_t> b(8);
  put32le(b, 0, 0x2000);                         // absolute per-cpu value
  put32le(b, 4, static_cast<std::uint32_t>(-1 - 0x10)); // relative_base + 0x10
  auto t = with_symbols({'A', 'T'});
  mquire::detail::address_data a;
  a.encoding = mquire::address_encoding::base_relative_percpu;
  a.relative_base = 0xffffffff81000000ull;
  mquire::detail::decode_addresses(mquire::byte_reader(b), a, t);
  CHECK(t.symbols[0].address == 0x2000);
  CHECK(t.symbols[1].address == 0xffffffff81000010ull);
}

TEST_CASE("addresses: place-relative offsets count from their own slot", "[unit][addresses]") {
  std::vector<std::uint8_t> b(0x40);
  put32le(b, 0x20, 0x1000);                              // slot 0 at range offset 0x20
  put32le(b, 0x24, static_cast<std::uint32_t>(-0x4));    // slot 1 points at 0x20
  auto t = with_symbols({'T', 'T'});
  mquire::detail::address_data a;
  a.encoding = mquire::address_encoding::place_relative;
  a.offset = 0x20;
  SECTION("with the range's virtual address") {
    a.range_vaddr = 0xffffffff80000000ull;
    mquire::detail::decode_addresses(mquire::byte_reader(b), a, t);
    CHECK(t.symbols[0].address == 0xffffffff80001020ull);
    CHECK(t.symbols[1].address == 0xffffffff80000020ull);
    CHECK(t.basis == mquire::address_basis::virtual_address);
  }
  SECTION("without it, relative to the range") {
    mquire::detail::decode_addresses(mquire::byte_reader(b), a, t);
    CHECK(t.symbols[0].address == 0x1020);
    CHECK(t.symbols[1].address == 0x20);
    CHECK(t.basis == mquire::address_basis::range_relative);
  }
}

TEST_CASE("addresses: absolute words in either byte order; entries past the range are marked", "[unit][addresses]") {
  const std::vector<std::uint8_t> b = {0xc1, 0x00, 0x10, 0x00, 0xc1, 0x00, 0x20, 0x00};
  auto t = with_symbols({'T', 'T', 'T'});
  mquire::detail::address_data a;
  a.encoding = mquire::address_encoding::absolute;
  a.word_size = 4;
  a.order = mquire::byte_order::big;
  a.available = 2;
  mquire::detail::decode_addresses(mquire::byte_reader(b), a, t);
  CHECK(t.symbols[0].address == 0xc1001000u);
  CHECK(t.symbols[1].address == 0xc1002000u);
  CHECK(t.symbols[2].damage == mquire::entry_damage::address_unreadable);
  CHECK(t.damaged == 1);
}
