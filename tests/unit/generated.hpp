// SPDX-License-Identifier: Apache-2.0
// One small generated table per test, with where the generator put every
// section: the unit tests below check each stage against those positions.
#pragma once

#include <cstdint>
#include <vector>

#include <mquire/mquire.hpp>

#include "generator/kallsyms_writer.hpp"
#include "generator/symbols.hpp"

namespace unit {

inline gen::output generated(gen::era e = gen::era::v6_4, unsigned word = 8,
                             mquire::byte_order order = mquire::byte_order::little,
                             mquire::address_encoding enc = mquire::address_encoding::base_relative,
                             std::size_t count = 700, bool uncompressed = false) {
  const std::uint64_t text = word == 8 ? 0xffffffff81000000ull : 0xc1000000ull;
  auto syms = gen::make_symbols({.count = count, .seed = 5, .text_base = text,
                                 .short_names_only = e == gen::era::v4_20 || e == gen::era::v4_6 || uncompressed});
  if (uncompressed) syms.push_back({text, 'T', "_stext"});
  gen::config c{.e = e, .word_size = word, .order = order, .encoding = enc, .vaddr = text + 0x1200000};
  c.uncompressed = uncompressed;
  return gen::write_kallsyms(syms, c);
}

inline std::size_t at(const gen::output& o, mquire::section_role r) { return o.offset.at(r); }

// Every token table the digit-run landmarks lead to.
inline std::vector<mquire::detail::token_table> token_tables(const std::vector<std::uint8_t>& bytes) {
  const mquire::byte_reader r(bytes);
  std::vector<mquire::detail::token_table> found;
  mquire::detail::for_each_digit_run(bytes, [&](std::size_t at) {
    for (auto& t : mquire::detail::read_token_tables(r, at)) found.push_back(t);
  });
  return found;
}

} // namespace unit
