// SPDX-License-Identifier: Apache-2.0
// Generated tables of every built-in layout, embedded at an odd offset in a
// larger range with decoys: the cases the search and damage tests share.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include <mquire/mquire.hpp>

#include "generator/kallsyms_writer.hpp"
#include "generator/memory_image.hpp"
#include "generator/symbols.hpp"

namespace support {

struct layout_case {
  gen::era era;
  mquire::address_encoding enc;
  std::string_view layout;
};

inline const layout_case all_cases[] = {
    {gen::era::v2_6, mquire::address_encoding::absolute, "2.6-absolute"},
    {gen::era::v4_6, mquire::address_encoding::base_relative, "4.6-base-relative"},
    {gen::era::v4_6, mquire::address_encoding::base_relative_percpu, "4.6-base-relative-percpu"},
    {gen::era::v4_20, mquire::address_encoding::absolute, "4.20-absolute"},
    {gen::era::v4_20, mquire::address_encoding::base_relative, "4.20-base-relative"},
    {gen::era::v6_1, mquire::address_encoding::base_relative_percpu, "4.20-base-relative-percpu"},
    {gen::era::v6_2, mquire::address_encoding::absolute, "6.2-absolute"},
    {gen::era::v6_2, mquire::address_encoding::base_relative, "6.2-base-relative"},
    {gen::era::v6_2, mquire::address_encoding::base_relative_percpu, "6.2-base-relative-percpu"},
    {gen::era::v6_4, mquire::address_encoding::absolute, "6.4-absolute"},
    {gen::era::v6_4, mquire::address_encoding::base_relative, "6.4-base-relative"},
    {gen::era::v6_4, mquire::address_encoding::base_relative_percpu, "6.4-base-relative-percpu"},
    {gen::era::v7_0, mquire::address_encoding::place_relative, "7.0-place-relative"},
};

inline bool one_byte_era(gen::era e) { return e == gen::era::v2_6 || e == gen::era::v4_6 || e == gen::era::v4_20; }

struct built {
  gen::output out;
  std::vector<std::uint8_t> image;
  std::size_t at;
  std::uint64_t image_vaddr;
};

inline built build(const layout_case& lc, unsigned word, mquire::byte_order order, std::size_t count, std::uint64_t seed,
            std::size_t at = 12345) {
  const bool percpu = lc.enc == mquire::address_encoding::base_relative_percpu;
  const std::uint64_t text = word == 8 ? 0xffffffff81000000ull : 0xc1000000ull;
  auto syms = gen::make_symbols({.count = count,
                                 .seed = seed,
                                 .text_base = text,
                                 .percpu = percpu ? 40u : 0u,
                                 .long_names = one_byte_era(lc.era) ? 0u : 20u,
                                 .short_names_only = one_byte_era(lc.era)});
  gen::config c{.e = lc.era, .word_size = word, .order = order, .encoding = lc.enc,
                .vaddr = text + 0x1200000 + (at % 8), // the table is aligned in virtual terms
                .banner = "Linux version 6.6.6-test (gen@mquire) #1 SMP"};
  built b{gen::write_kallsyms(syms, c), {}, at, 0};
  b.image = gen::embed(b.out.bytes, {.total = b.out.bytes.size() + 3 * at, .at = at, .seed = seed});
  b.image_vaddr = c.vaddr - at;
  return b;
}


} // namespace support
