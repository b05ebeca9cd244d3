// SPDX-License-Identifier: Apache-2.0
// Tables that survive damage: generated tables of every layout, damaged the
// way live acquisitions and bad pages damage them (a flipped bit in
// seqs_of_names, one corrupt address entry, a flipped bit in a marker, a
// zeroed 4 KiB page inside the names). Every entry the table trusts must be
// exactly right, the entries left out must be bounded by the damage, and
// strict mode must refuse what it cannot take whole.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdio>
#include <functional>

#include <mquire/mquire.hpp>

#include "support/fixtures.hpp"
#include "support/layout_cases.hpp"

using mquire::byte_order;
using mquire::section_role;

namespace {

struct outcome {
  bool found = false;
  std::size_t trusted = 0, left_out = 0, wrong = 0;
  bool strict_found = false;
  std::string detail;
};

// Searches the damaged image; compares every trusted entry with what was
// generated (index for index).
outcome search_damaged(const support::built& b, const std::vector<std::uint8_t>& image, unsigned word) {
  outcome o;
  const mquire::byte_range range{image, b.image_vaddr};
  const auto rep = mquire::find_kallsyms(range);
  mquire::search_options strict;
  strict.strict = true;
  const auto strict_rep = mquire::find_kallsyms(range, strict);
  o.strict_found = !strict_rep.tables.empty() && strict_rep.tables.front().num_syms == b.out.num_syms;
  if (rep.tables.empty()) {
    UNSCOPED_INFO("no table: " << mquire::describe_failure(rep));
    return o;
  }
  const auto& t = rep.tables.front();
  if (t.num_syms != b.out.num_syms || t.symbols.size() != b.out.symbols.size()) return o;
  o.found = true;
  o.left_out = t.damaged;
  std::size_t by[mquire::entry_damage_kinds] = {};
  for (const auto& s : t.symbols) ++by[static_cast<std::size_t>(s.damage)];
  o.detail = std::string("left out: ") + std::to_string(by[1]) + " names unreadable, " + std::to_string(by[2]) +
             " names out of order, " + std::to_string(by[3]) + " addresses out of order";
  UNSCOPED_INFO("left out: " << by[1] << " names unreadable, " << by[2] << " names out of order, " << by[3]
                             << " addresses out of order");
  for (std::size_t i = 0; i < t.symbols.size(); ++i) {
    const auto& s = t.symbols[i];
    if (!s.trusted()) continue;
    ++o.trusted;
    const auto& want = b.out.symbols[i];
    if (s.address != (want.address & mquire::detail::word_mask(word)) || s.type != want.type || t.name(s) != want.name) {
      if (o.wrong == 0)
        UNSCOPED_INFO("wrong entry " << i << ": " << std::hex << s.address << " " << s.type << " " << t.name(s)
                                     << ", want " << want.address << " " << want.type << " " << want.name);
      ++o.wrong;
    }
  }
  return o;
}

std::size_t section_at(const support::built& b, section_role r) { return b.at + b.out.offset.at(r); }

void put_u32(std::vector<std::uint8_t>& img, std::size_t at, std::uint32_t v, byte_order o) {
  for (int i = 0; i < 4; ++i)
    img[at + i] = static_cast<std::uint8_t>(o == byte_order::little ? v >> (8 * i) : v >> (8 * (3 - i)));
}

std::uint32_t get_u32(const std::vector<std::uint8_t>& img, std::size_t at, byte_order o) {
  std::uint32_t v = 0;
  for (int i = 0; i < 4; ++i)
    v |= std::uint32_t{img[at + i]} << (o == byte_order::little ? 8 * i : 8 * (3 - i));
  return v;
}

} // namespace

TEST_CASE("a flipped bit in kallsyms_seqs_of_names costs no symbol", "[damage]") {
  for (const auto& lc : support::all_cases) {
    const auto b = support::build(lc, 8, byte_order::little, 3000, 71);
    if (!b.out.offset.count(section_role::seqs_of_names)) continue;
    DYNAMIC_SECTION(lc.layout) {
      auto img = b.image;
      img[section_at(b, section_role::seqs_of_names) + 3 * 1234 + 1] ^= 0x10;
      const auto o = search_damaged(b, img, 8);
      REQUIRE(o.found);
      CHECK(o.wrong == 0);
      CHECK(o.left_out == 0);
      CHECK(o.trusted == 3000);
      CHECK_FALSE(o.strict_found);
    }
  }
}

TEST_CASE("one corrupt address entry costs that entry only", "[damage]") {
  for (const auto& lc : support::all_cases) {
    for (unsigned word : {8u, 4u}) {
      for (byte_order order : {byte_order::little, byte_order::big}) {
        if (lc.era == gen::era::v7_0 && word == 4) continue;
        DYNAMIC_SECTION(lc.layout << " word " << word << " " << mquire::to_string(order)) {
          const auto b = support::build(lc, word, order, 3000, 73);
          auto img = b.image;
          const bool absolute = lc.enc == mquire::address_encoding::absolute;
          const std::size_t data = section_at(b, absolute ? section_role::addresses : section_role::offsets);
          const std::size_t width = absolute ? word : 4;
          // Entry 1500 gets a far value: its high bits inverted.
          const std::size_t at = data + width * 1500 + (order == byte_order::big ? 0 : width - 4);
          put_u32(img, at, get_u32(img, at, order) ^ 0x70000000u, order);
          const auto o = search_damaged(b, img, word);
          REQUIRE(o.found);
          CHECK(o.wrong == 0);
          CHECK(o.left_out == 1);
          CHECK_FALSE(o.strict_found);
        }
      }
    }
  }
}

TEST_CASE("a flipped bit in kallsyms_markers costs no symbol", "[damage]") {
  for (const auto& lc : support::all_cases) {
    for (unsigned word : {8u, 4u}) {
      if (lc.era == gen::era::v7_0 && word == 4) continue;
      for (std::size_t marker : {1u, 5u, 11u}) { // 3000 symbols: 12 markers, the last one too
        for (unsigned bit : {2u, 9u, 20u}) {
          DYNAMIC_SECTION(lc.layout << " word " << word << " marker " << marker << " bit " << bit) {
            const auto b = support::build(lc, word, byte_order::little, 3000, 79);
            auto img = b.image;
            const bool wide = lc.era == gen::era::v2_6 || lc.era == gen::era::v4_6; // pointer-sized markers
            img[section_at(b, section_role::markers) + (wide ? word : 4) * marker + bit / 8] ^=
                static_cast<std::uint8_t>(1u << (bit % 8));
            const auto o = search_damaged(b, img, word);
            REQUIRE(o.found);
            CHECK(o.wrong == 0);
            CHECK(o.left_out == 0);
            CHECK_FALSE(o.strict_found);
          }
        }
      }
    }
  }
}

TEST_CASE("a zeroed 4 KiB page inside kallsyms_names costs the symbols whose bytes it held", "[damage]") {
  for (const auto& lc : support::all_cases) {
    for (unsigned word : {8u, 4u}) {
      if (lc.era == gen::era::v7_0 && word == 4) continue;
      for (std::size_t page_at : {5000u, 20000u}) {
        DYNAMIC_SECTION(lc.layout << " word " << word << " page at names+" << page_at) {
          const auto b = support::build(lc, word, byte_order::little, 6000, 83);
          auto img = b.image;
          const std::size_t names = section_at(b, section_role::names);
          const std::size_t names_end = section_at(b, section_role::markers);
          REQUIRE(names + page_at + 4096 < names_end);
          std::fill(img.begin() + static_cast<long>(names + page_at),
                    img.begin() + static_cast<long>(names + page_at + 4096), 0);
          // How many entries had a byte in the page: walk the clean names.
          std::size_t touched = 0;
          const auto enc = support::one_byte_era(lc.era) ? mquire::name_length::one_byte : mquire::name_length::uleb128;
          mquire::detail::name_entry e;
          for (std::size_t pos = names; pos < names_end; pos = e.end()) {
            // Stops at the zero padding before the markers (an empty name).
            if (mquire::detail::read_name_entry(b.image.data(), pos, names_end, enc, e) != mquire::rejection::none) break;
            touched += e.end() > names + page_at && pos < names + page_at + 4096 ? 1 : 0;
          }
          const auto o = search_damaged(b, img, word);
          REQUIRE(o.found);
          CHECK(o.wrong == 0);
          INFO("touched " << touched << ", left out " << o.left_out << ": " << o.detail);
          CHECK(o.left_out >= touched);
          CHECK(o.left_out <= touched + 16); // the cut entry before the page and a short resync after it
          CHECK(o.trusted + o.left_out == 6000);
          CHECK_FALSE(o.strict_found);
        }
      }
    }
  }
}

TEST_CASE("damage beyond what a table can carry is refused, not guessed", "[damage]") {
  const auto b = support::build(support::all_cases[12], 8, byte_order::little, 3000, 89); // 7.0
  auto img = b.image;
  // Seven of the twelve groups of names torn: more than half broken.
  const std::size_t names = section_at(b, section_role::names);
  const std::size_t markers = section_at(b, section_role::markers);
  for (std::size_t k : {0u, 2u, 4u, 6u, 8u, 10u, 11u}) {
    const std::size_t from = names + get_u32(img, markers + 4 * k, byte_order::little);
    std::fill(img.begin() + static_cast<long>(from), img.begin() + static_cast<long>(from + 200), 0);
  }
  const auto rep = mquire::find_kallsyms(mquire::byte_range{img, b.image_vaddr});
  for (const auto& t : rep.tables) CHECK(t.num_syms != b.out.num_syms);
  // Six of twelve: still the table, with the torn groups' entries left out.
  auto six = b.image;
  for (std::size_t k : {0u, 2u, 4u, 6u, 8u, 10u}) {
    const std::size_t from = names + get_u32(six, markers + 4 * k, byte_order::little);
    std::fill(six.begin() + static_cast<long>(from + 10), six.begin() + static_cast<long>(from + 200), 0);
  }
  const auto o = search_damaged(b, six, 8);
  REQUIRE(o.found);
  CHECK(o.wrong == 0);
  CHECK(o.left_out > 6);
  CHECK(o.left_out < 6 * 256);
}

// The same damage on a real kernel: Debian sid's 7.2 arm64 Image (209,893
// symbols), damaged in memory. Every entry the damaged table trusts must be
// the clean table's entry at the same index.
TEST_CASE("a real 7.2 kernel image damaged four ways", "[damage][sid]") {
  const auto clean_bytes = support::read_file(support::require_fixture("debian-sid-7.2/arm64/vmlinuz.unsigned.zst"));
  const auto clean_rep = mquire::find_kallsyms(mquire::byte_range{clean_bytes});
  REQUIRE(!clean_rep.tables.empty());
  const auto& clean = clean_rep.tables.front();
  REQUIRE(clean.num_syms == 209893);
  REQUIRE(clean.damaged == 0);
  const auto at = [&](section_role r) { return clean.section(r)->offset; };
  struct damage_case {
    std::string what;
    std::function<void(std::vector<std::uint8_t>&)> apply;
    std::size_t max_left_out;
  };
  const std::vector<damage_case> cases = {
      {"one flipped bit in kallsyms_seqs_of_names",
       [&](auto& b) { b[at(section_role::seqs_of_names) + 3 * 100000 + 2] ^= 0x04; }, 0},
      {"one corrupt kallsyms_offsets entry",
       [&](auto& b) { b[at(section_role::offsets) + 4 * 123456 + 3] ^= 0x40; }, 1},
      {"one flipped bit in kallsyms_markers", [&](auto& b) { b[at(section_role::markers) + 4 * 300 + 1] ^= 0x20; }, 0},
      {"a zeroed 4 KiB page inside kallsyms_names",
       [&](auto& b) {
         const std::size_t page = (at(section_role::names) + 1000000) / 4096 * 4096;
         std::fill(b.begin() + static_cast<long>(page), b.begin() + static_cast<long>(page + 4096), 0);
       },
       4096 / 2 + 16}, // entries are at least 2 bytes
  };
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.what) {
      auto bytes = clean_bytes;
      c.apply(bytes);
      const auto rep = mquire::find_kallsyms(mquire::byte_range{bytes});
      REQUIRE(!rep.tables.empty());
      const auto& t = rep.tables.front();
      REQUIRE(t.num_syms == clean.num_syms);
      std::size_t wrong = 0;
      for (std::size_t i = 0; i < t.symbols.size(); ++i) {
        const auto& s = t.symbols[i];
        if (s.trusted() && (s.address != clean.symbols[i].address || s.type != clean.symbols[i].type ||
                            t.name(s) != clean.name(clean.symbols[i])))
          ++wrong;
      }
      CHECK(wrong == 0);
      CHECK(t.damaged <= c.max_left_out);
      mquire::search_options strict;
      strict.strict = true;
      const auto whole = mquire::find_kallsyms(mquire::byte_range{bytes}, strict);
      CHECK((whole.tables.empty() || whole.tables.front().num_syms != clean.num_syms));
      std::printf("real 7.2 arm64, %s: %zu printed, %zu left out\n", c.what.c_str(),
                  static_cast<std::size_t>(t.num_syms) - t.damaged, t.damaged);
    }
  }
}

TEST_CASE("a range cut short inside the table: what is there is read, nothing beyond is guessed", "[damage]") {
  for (const auto& lc : support::all_cases) {
    const auto b = support::build(lc, 8, byte_order::little, 3000, 97);
    for (const auto& [role, offset] : b.out.offset) {
      DYNAMIC_SECTION(lc.layout << " cut inside " << mquire::kernel_label(role)) {
        // The cut: 1000 bytes into the section (or its middle, if shorter).
        std::size_t end = b.out.bytes.size();
        for (const auto& [r2, o2] : b.out.offset)
          if (o2 > offset) end = std::min(end, o2);
        const std::size_t cut = b.at + offset + std::min<std::size_t>(1000, (end - offset) / 2);
        const std::vector<std::uint8_t> img(b.image.begin(), b.image.begin() + static_cast<long>(cut));
        const auto o = search_damaged(b, img, 8);
        CHECK(o.wrong == 0);
        CHECK_FALSE(o.strict_found);
        // Only sections after the token index can be cut and leave a table
        // (6.4+); the address data only when no relative_base follows them.
        const bool after_index = offset > b.out.offset.at(section_role::token_index);
        const bool trailing = after_index && (role == section_role::seqs_of_names ||
                                              ((role == section_role::offsets || role == section_role::addresses) &&
                                               !b.out.offset.count(section_role::relative_base)));
        if (!trailing) {
          CHECK_FALSE(o.found); // the structure itself is cut: no table
        } else if (role == section_role::seqs_of_names) {
          REQUIRE(o.found);
          CHECK(o.left_out == 0); // the output never needed seqs_of_names
        } else {
          REQUIRE(o.found);
          const std::size_t width = role == section_role::addresses ? 8 : 4;
          CHECK(o.trusted == (cut - b.at - offset) / width);
          CHECK(o.left_out == 3000 - o.trusted);
        }
      }
    }
  }
}
