// SPDX-License-Identifier: Apache-2.0
// The generator must write what scripts/kallsyms.c writes; these tests pin
// the byte-level facts the search relies on, so a generator bug cannot make
// the search tests pass for the wrong reason.
#include <catch2/catch.hpp>

#include <cstring>

#include "generator/kallsyms_writer.hpp"
#include "generator/symbols.hpp"

using mquire::byte_order;
using mquire::section_role;
using mquire::address_encoding;

namespace {
std::uint64_t read(const std::vector<std::uint8_t>& b, std::size_t at, unsigned w, byte_order o) {
  std::uint64_t v = 0;
  for (unsigned i = 0; i < w; ++i) {
    const unsigned k = o == byte_order::little ? w - 1 - i : i;
    v = (v << 8) | b.at(at + k);
  }
  return v;
}
} // namespace

TEST_CASE("token table keeps literal bytes and holds the digit run", "[generator]") {
  const auto syms = gen::make_symbols({.count = 3000, .seed = 3});
  gen::config c;
  const auto out = gen::write_kallsyms(syms, c);
  const std::size_t tt = out.offset.at(section_role::token_table);
  const std::size_t ti = out.offset.at(section_role::token_index);
  const std::uint8_t digits[] = {'0', 0, '1', 0, '2', 0, '3', 0, '4', 0, '5', 0, '6', 0, '7', 0, '8', 0, '9', 0};
  const std::size_t d = read(out.bytes, ti + 2 * 0x30, 2, c.order);
  CHECK(std::memcmp(out.bytes.data() + tt + d, digits, sizeof digits) == 0);
  CHECK(read(out.bytes, ti, 2, c.order) == 0);
  // The token for 'a' is "a": every literal byte keeps its meaning.
  const std::size_t a = read(out.bytes, ti + 2 * 'a', 2, c.order);
  CHECK(out.bytes.at(tt + a) == 'a');
  CHECK(out.bytes.at(tt + a + 1) == 0);
}

TEST_CASE("7.0 layout: no padding after num_syms, markers touch the token table", "[generator]") {
  const auto syms = gen::make_symbols({.count = 1000, .seed = 5});
  gen::config c{.e = gen::era::v7_0, .encoding = address_encoding::place_relative};
  const auto out = gen::write_kallsyms(syms, c);
  CHECK(out.offset.at(section_role::names) == out.offset.at(section_role::num_syms) + 4);
  CHECK(out.offset.at(section_role::token_table) ==
        out.offset.at(section_role::markers) + 4 * ((out.num_syms + 255) / 256));
  CHECK(out.offset.at(section_role::offsets) == out.offset.at(section_role::token_index) + 512);
}

TEST_CASE("6.2 layout: word-aligned labels, seqs between markers and token table", "[generator]") {
  const auto syms = gen::make_symbols({.count = 700, .seed = 9, .percpu = 10});
  gen::config c{.e = gen::era::v6_2, .encoding = address_encoding::base_relative_percpu};
  const auto out = gen::write_kallsyms(syms, c);
  for (const auto& [role, at] : out.offset) CHECK((c.vaddr + at) % 8 == 0);
  CHECK(out.offset.at(section_role::offsets) < out.offset.at(section_role::num_syms));
  CHECK(out.offset.at(section_role::markers) < out.offset.at(section_role::seqs_of_names));
  CHECK(out.offset.at(section_role::seqs_of_names) < out.offset.at(section_role::token_table));
  // per-CPU entries are stored as their (non-negative) value, the rest negative
  const std::size_t off = out.offset.at(section_role::offsets);
  CHECK(read(out.bytes, off, 4, c.order) == 0);
  CHECK(static_cast<std::int32_t>(read(out.bytes, off + 4 * 20, 4, c.order)) < 0);
}

TEST_CASE("two-byte name lengths from 6.1, refused before", "[generator]") {
  auto syms = gen::make_symbols({.count = 400, .seed = 11, .long_names = 40});
  gen::config c{.e = gen::era::v6_1};
  const auto out = gen::write_kallsyms(syms, c);
  bool saw_two_byte = false;
  std::size_t pos = out.offset.at(section_role::names);
  for (std::uint32_t i = 0; i < out.num_syms; ++i) {
    std::size_t len = out.bytes.at(pos++);
    if (len & 0x80) {
      saw_two_byte = true;
      len = (len & 0x7f) | (std::size_t{out.bytes.at(pos++)} << 7);
    }
    pos += len;
  }
  CHECK(saw_two_byte);
  c.e = gen::era::v4_20;
  // Long names only get their compressed length over 127 with enough text;
  // make one that cannot compress below that.
  std::string noise;
  gen::rng g{99};
  const char alphabet[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_";
  while (noise.size() < 400) noise += alphabet[g.below(sizeof(alphabet) - 1)];
  syms.push_back({0xffffffff81ffff00ull, 'T', noise});
  CHECK_THROWS(gen::write_kallsyms(syms, c));
}

TEST_CASE("big-endian 32-bit output stores every integer in target order", "[generator]") {
  const auto syms = gen::make_symbols({.count = 600, .seed = 13, .text_base = 0xc0100000});
  gen::config c{.e = gen::era::v6_4, .word_size = 4, .order = byte_order::big, .encoding = address_encoding::absolute,
                .vaddr = 0xc0800000};
  const auto out = gen::write_kallsyms(syms, c);
  CHECK(read(out.bytes, out.offset.at(section_role::num_syms), 4, byte_order::big) == 600);
  CHECK(read(out.bytes, out.offset.at(section_role::addresses), 4, byte_order::big) == out.symbols.front().address);
  CHECK(read(out.bytes, out.offset.at(section_role::markers) + 4, 4, byte_order::big) > 512);
}
