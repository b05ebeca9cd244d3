// SPDX-License-Identifier: Apache-2.0
// The link address and word size of a relocatable image from the pointers
// it stores (addressing/image_pointers.hpp): generated 7.0 kernels whose
// data hold function-pointer tables at their link-time values, as an image
// linked with RELR relocations does, in 64-bit (also big-endian with a low
// base, like s390x) and 32-bit.
#include <catch2/catch.hpp>

#include <mquire/addressing/image_pointers.hpp>
#include <mquire/mquire.hpp>

#include "generator/kallsyms_writer.hpp"
#include "generator/symbols.hpp"
#include "support/fixtures.hpp"

using mquire::byte_order;

namespace {

struct pointer_image {
  std::vector<std::uint8_t> bytes;
  std::vector<gen::sym> symbols; // table order
};

// [text: the symbols' addresses][rodata: the 7.0 table][data: ops tables of
// `word`-byte pointers to functions, with zeros and noise between them].
pointer_image make_pointer_image(std::uint64_t base, unsigned word, byte_order order, std::size_t ops_tables,
                                 std::uint64_t seed) {
  auto syms = gen::make_symbols({.count = 3000, .seed = seed, .text_base = base + 0x1000});
  std::uint64_t end = 0;
  for (const auto& s : syms) end = std::max(end, s.address - base);
  const std::size_t table_at = static_cast<std::size_t>((end + 0x10000) & ~std::uint64_t{0xfff});
  gen::config c{.e = gen::era::v7_0, .word_size = word, .order = order,
                .encoding = mquire::address_encoding::place_relative, .vaddr = base + table_at};
  const auto out = gen::write_kallsyms(syms, c);
  pointer_image img;
  img.symbols = out.symbols;
  const std::size_t data_at = (table_at + out.bytes.size() + 0xfff) & ~std::size_t{0xfff};
  img.bytes.assign(data_at + ops_tables * 8 * word + 4096, 0);
  std::copy(out.bytes.begin(), out.bytes.end(), img.bytes.begin() + static_cast<long>(table_at));
  gen::rng g{seed + 1};
  // Text: noise, like code.
  for (std::size_t i = 0; i < table_at; ++i) img.bytes[i] = static_cast<std::uint8_t>(g.next());
  auto put = [&](std::size_t at, std::uint64_t v) {
    for (unsigned k = 0; k < word; ++k)
      img.bytes[at + k] = static_cast<std::uint8_t>(order == byte_order::little ? v >> (8 * k) : v >> (8 * (word - 1 - k)));
  };
  std::vector<std::uint64_t> functions;
  for (const auto& s : out.symbols)
    if (s.type == 't' || s.type == 'T') functions.push_back(s.address);
  std::size_t at = data_at;
  for (std::size_t t = 0; t < ops_tables; ++t) {
    const std::size_t fields = 3 + g.below(4);
    for (std::size_t f = 0; f < fields && at + word <= img.bytes.size(); ++f, at += word)
      put(at, functions[g.below(functions.size())]);
    for (std::size_t k = 0; k < 1 + g.below(3) && at + word <= img.bytes.size(); ++k, at += word)
      put(at, g.below(4) == 0 ? g.next() : 0); // a counter, a flag, or nothing
  }
  return img;
}

mquire::kallsyms_table range_relative_table(const pointer_image& img) {
  // The image alone: no virtual base, so the table is read relative to it.
  auto rep = mquire::find_kallsyms(mquire::byte_range{img.bytes});
  REQUIRE(!rep.tables.empty());
  REQUIRE(rep.tables.front().basis == mquire::address_basis::range_relative);
  return std::move(rep.tables.front());
}

} // namespace

TEST_CASE("image base and word size from stored pointers", "[addressing][pointers]") {
  struct variant {
    const char* what;
    std::uint64_t base;
    unsigned word;
    byte_order order;
  };
  const variant variants[] = {
      {"arm64-like, 64-bit LE", 0xffff800080000000ull, 8, byte_order::little},
      {"riscv64-like, 64-bit LE", 0xffffffff80000000ull, 8, byte_order::little},
      {"s390x-like, 64-bit BE at a low base", 0x100000ull, 8, byte_order::big},
      {"32-bit LE", 0xc0008000ull, 4, byte_order::little},
      {"32-bit BE", 0x80100000ull, 4, byte_order::big},
  };
  for (const auto& v : variants) {
    DYNAMIC_SECTION(v.what) {
      const auto img = make_pointer_image(v.base, v.word, v.order, 4000, 91);
      auto t = range_relative_table(img);
      const auto m = mquire::resolve_range_relative_with_pointers(t, img.bytes);
      INFO(m.detail);
      REQUIRE(m.range_vaddr);
      CHECK(*m.range_vaddr == v.base);
      REQUIRE(m.word_size);
      CHECK(*m.word_size == v.word);
      // Applied, the addresses are the link-time ones, exactly.
      t.word_size = *m.word_size;
      mquire::detail::rebase(t, *m.range_vaddr);
      for (std::size_t i = 0; i < t.symbols.size(); ++i)
        CHECK(t.symbols[i].address == (img.symbols[i].address & mquire::detail::word_mask(v.word)));
      // With the base known from elsewhere, the pointers still tell the width.
      const auto again = range_relative_table(img);
      CHECK(mquire::stored_pointer_width(again, img.bytes, v.base) == v.word);
    }
  }
}

TEST_CASE("no pointers, no answer: the image base is never guessed", "[addressing][pointers]") {
  const auto img = make_pointer_image(0xffff800080000000ull, 8, byte_order::little, 0, 93);
  const auto t = range_relative_table(img);
  const auto m = mquire::resolve_range_relative_with_pointers(t, img.bytes);
  CHECK_FALSE(m.range_vaddr);
  CHECK_THAT(m.detail, Catch::Contains("no image base stands out"));
  CHECK_FALSE(mquire::stored_pointer_width(t, img.bytes, 0xffff800080000000ull));
}

// A real dump: Debian's 7.2 kernel after KASLR (offset 0x2e00000, loaded at
// physical 0x5400000). Its stored pointers hold runtime addresses, so they
// give the virtual address of physical 0 through the kernel image mapping
// with no vmcoreinfo and no page tables: _text 0xffffffff83e00000 minus
// 0x5400000.
TEST_CASE("a real 7.2 dump: the stored pointers give the kernel's runtime base", "[addressing][pointers][fixture]") {
  const auto core = support::require_fixture("x86_64-7.2-modules/dump.elf.zst");
  const auto raw = support::read_file(support::derived_from_core(core, "raw"));
  auto rep = mquire::find_kallsyms(mquire::byte_range{raw});
  REQUIRE(!rep.tables.empty());
  const auto& t = rep.tables.front();
  REQUIRE(t.basis == mquire::address_basis::range_relative);
  const auto m = mquire::resolve_range_relative_with_pointers(t, raw);
  INFO(m.detail);
  REQUIRE(m.range_vaddr);
  CHECK(*m.range_vaddr == 0xffffffff83e00000ull - 0x5400000ull);
  CHECK(m.word_size == 8u);
}
