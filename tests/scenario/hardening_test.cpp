// SPDX-License-Identifier: Apache-2.0
// Malformed input: truncations at every section boundary and at random
// points, bit flips in every section, extreme counts, and inputs packed with
// landmark decoys. Each case must end with no table or a consistent one,
// with no allocation larger than the input justifies and linear work.
// This is its own executable: it replaces the global allocator to record the
// largest single allocation.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>

#include <atomic>
#include <cstdlib>
#include <new>

#include <mquire/mquire.hpp>

#include "generator/kallsyms_writer.hpp"
#include "generator/memory_image.hpp"
#include "generator/symbols.hpp"
#include "support/fixtures.hpp"
#include "support/invariants.hpp"

#include "support/recording_allocator.hpp"

using support::largest_allocation;

using mquire::address_encoding;
using mquire::section_role;

namespace {

struct sample {
  std::string name;
  std::vector<std::uint8_t> bytes;
  std::map<section_role, std::size_t> offset; // section starts in `bytes`
  std::uint32_t n;
};

std::vector<sample> samples() {
  std::vector<sample> out;
  const struct {
    gen::era e;
    address_encoding enc;
    unsigned word;
    mquire::byte_order order;
    const char* name;
    bool uncompressed = false;
  } cases[] = {{gen::era::v6_2, address_encoding::base_relative_percpu, 8, mquire::byte_order::little, "6.2-percpu"},
               {gen::era::v6_4, address_encoding::absolute, 4, mquire::byte_order::big, "6.4-abs-be32"},
               {gen::era::v7_0, address_encoding::place_relative, 8, mquire::byte_order::little, "7.0"},
               {gen::era::v4_20, address_encoding::base_relative, 8, mquire::byte_order::big, "4.20-be"},
               {gen::era::v6_4, address_encoding::base_relative, 4, mquire::byte_order::big, "6.4-uncompressed-be32", true},
               {gen::era::v6_2, address_encoding::base_relative, 8, mquire::byte_order::little, "6.2-uncompressed", true}};
  std::uint64_t seed = 1;
  for (const auto& c : cases) {
    const std::uint64_t text = c.word == 8 ? 0xffffffff81000000ull : 0xc1000000ull;
    auto syms = gen::make_symbols({.count = 1800, .seed = seed++, .text_base = text + 0x100,
                                   .percpu = c.enc == address_encoding::base_relative_percpu ? 12u : 0u,
                                   .short_names_only = c.e == gen::era::v4_20 || c.uncompressed});
    if (c.uncompressed) syms.push_back({text, 'T', "_stext"}); // its landmark
    gen::config cfg{.e = c.e, .word_size = c.word, .order = c.order, .encoding = c.enc, .vaddr = text + 0x900000,
                    .uncompressed = c.uncompressed};
    auto o = gen::write_kallsyms(syms, cfg);
    out.push_back({c.name, std::move(o.bytes), o.offset, o.num_syms});
  }
  return out;
}

// Runs the search on `bytes`; every returned table must be consistent, and no
// single allocation may exceed what the input justifies.
void expect_safe(const std::vector<std::uint8_t>& bytes, const std::string& what) {
  INFO(what);
  // Both searches: the token-table one and the uncompressed-names one.
  for (const bool plain : {false, true}) {
    largest_allocation = 0;
    const auto rep = plain ? mquire::find_uncompressed_kallsyms(mquire::byte_range{bytes})
                           : mquire::find_kallsyms(mquire::byte_range{bytes});
    const std::size_t largest = largest_allocation;
    if (support::recording_allocations()) CHECK(largest <= 8 * bytes.size() + (1u << 20));
    for (const auto& t : rep.tables) CHECK(support::table_violation(bytes, t) == "");
    CHECK(rep.stats.window_bytes <= 64 * (bytes.size() + 4096));
    if (rep.tables.empty()) CHECK(!mquire::describe_failure(rep).empty());
  }
}

void put32(std::vector<std::uint8_t>& b, std::size_t at, std::uint32_t v, mquire::byte_order o) {
  for (int i = 0; i < 4; ++i)
    b[at + i] = static_cast<std::uint8_t>(o == mquire::byte_order::little ? v >> (8 * i) : v >> (8 * (3 - i)));
}

} // namespace

TEST_CASE("truncated at every section boundary and at random points", "[hardening]") {
  for (const auto& s : samples()) {
    gen::rng g{42};
    std::vector<std::size_t> cuts;
    for (const auto& [role, at] : s.offset)
      for (std::size_t d : {0, 1, 3, 4, 7, 8, 100})
        if (at >= d) cuts.push_back(at - d), cuts.push_back(at + d);
    for (int k = 0; k < 20; ++k) cuts.push_back(g.below(s.bytes.size()));
    for (std::size_t cut : cuts) {
      if (cut >= s.bytes.size()) continue;
      const std::vector<std::uint8_t> head(s.bytes.begin(), s.bytes.begin() + static_cast<long>(cut));
      expect_safe(head, s.name + " cut at " + std::to_string(cut));
      const auto rep = mquire::find_kallsyms(mquire::byte_range{head});
      // A cut before the table's last section can never yield the full
      // table: at most the table with what the cut took marked as damage.
      // For plain names this cannot be told: seqs_of_names is optional, and
      // on a 32-bit kernel cut inside kallsyms_relative_base the offsets
      // before it read as a complete absolute table too (with no virtual
      // address to check them against). As before the layouts were merged,
      // the claim is made for token-compressed names.
      const bool plain = !s.offset.count(section_role::token_table);
      INFO(s.name << " cut at " << cut);
      if (cut < s.bytes.size() - 8 && !plain)
        for (const auto& t : rep.tables) CHECK((t.num_syms != s.n || t.damaged > 0 || !t.damage_notes.empty()));
    }
  }
}

TEST_CASE("bit flips in every section", "[hardening]") {
  for (const auto& s : samples()) {
    gen::rng g{7};
    std::vector<std::pair<section_role, std::size_t>> sections(s.offset.begin(), s.offset.end());
    std::sort(sections.begin(), sections.end(), [](auto& a, auto& b) { return a.second < b.second; });
    for (std::size_t i = 0; i < sections.size(); ++i) {
      const std::size_t from = sections[i].second;
      const std::size_t to = i + 1 < sections.size() ? sections[i + 1].second : s.bytes.size();
      for (int k = 0; k < 6 && to > from; ++k) {
        auto b = s.bytes;
        const std::size_t at = from + g.below(to - from);
        b[at] ^= static_cast<std::uint8_t>(1u << g.below(8));
        expect_safe(b, s.name + " flip in " + std::string(mquire::kernel_label(sections[i].first)) + " at " +
                           std::to_string(at));
      }
    }
  }
}

TEST_CASE("extreme counts and broken structure", "[hardening]") {
  for (const auto& s : samples()) {
    const auto order = s.name.find("be") != std::string::npos ? mquire::byte_order::big : mquire::byte_order::little;
    const bool plain = !s.offset.count(section_role::token_table); // uncompressed names
    const auto search = [&](const std::vector<std::uint8_t>& b) {
      return plain ? mquire::find_uncompressed_kallsyms(mquire::byte_range{b}) : mquire::find_kallsyms(mquire::byte_range{b});
    };
    const std::size_t ns = s.offset.at(section_role::num_syms);
    const std::size_t mk = s.offset.at(section_role::markers);
    for (std::uint32_t n : {0u, 1u, 255u, 256u, 257u, 0x7fffffffu, 0xffffffffu}) {
      auto b = s.bytes;
      put32(b, ns, n, order);
      expect_safe(b, s.name + " num_syms=" + std::to_string(n));
      for (const auto& t : search(b).tables) CHECK(t.num_syms != n);
    }
    {
      auto b = s.bytes; // a marker that goes backwards
      put32(b, mk + 4 * 3, 16, order);
      expect_safe(b, s.name + " markers backwards");
      if (plain) {
        CHECK(search(b).tables.empty()); // uncompressed names are all or nothing
      } else {
        // The names walk across the damaged marker: nothing is lost, and
        // the table says a marker was repaired; strict refuses it.
        const auto rep = search(b);
        REQUIRE(!rep.tables.empty());
        CHECK(rep.tables.front().num_syms == s.n);
        CHECK(rep.tables.front().damaged == 0);
        CHECK(rep.tables.front().damage_notes.size() == 1);
        mquire::search_options strict;
        strict.strict = true;
        CHECK(mquire::find_kallsyms(mquire::byte_range{b}, strict).tables.empty());
      }
    }
    if (!plain) {
      const std::size_t ti = s.offset.at(section_role::token_index);
      auto b = s.bytes; // a token index entry pointing past the table
      b[ti + 2 * 0x41] = 0xff;
      b[ti + 2 * 0x41 + 1] = 0xff;
      expect_safe(b, s.name + " token index past the table");
      CHECK(search(b).tables.empty());
    }
    {
      auto b = s.bytes; // every marker set to the maximum
      const std::size_t markers_end = mk + 4 * ((s.n + 255) / 256);
      for (std::size_t m = mk; m + 4 <= markers_end && m < mk + 64; m += 4) put32(b, m, 0xffffffffu, order);
      expect_safe(b, s.name + " markers all 0xffffffff");
      CHECK(search(b).tables.empty());
    }
  }
}

TEST_CASE("inputs packed with landmark decoys: work stays linear", "[hardening]") {
  // Copies of a real token table and its index, back to back, with digit
  // runs and zero-filled gaps: every copy is a verified token table.
  const auto s = samples()[0];
  const std::size_t tt = s.offset.at(section_role::token_table);
  const std::size_t end = s.offset.at(section_role::token_index) + 512;
  const std::vector<std::uint8_t> unit(s.bytes.begin() + static_cast<long>(tt), s.bytes.begin() + static_cast<long>(end));
  std::vector<std::uint64_t> work;
  for (std::size_t size : {std::size_t{256} << 10, std::size_t{1} << 20, std::size_t{4} << 20}) {
    std::vector<std::uint8_t> b;
    while (b.size() + unit.size() + 64 < size) {
      b.insert(b.end(), 64, 0);
      b.insert(b.end(), unit.begin(), unit.end());
    }
    b.resize(size, 0);
    largest_allocation = 0;
    const auto rep = mquire::find_kallsyms(mquire::byte_range{b});
    CHECK(rep.tables.empty());
    CHECK(rep.stats.token_tables >= size / (unit.size() + 64) - 1);
    if (support::recording_allocations()) CHECK(largest_allocation <= 8 * size + (1u << 20));
    work.push_back(rep.stats.window_bytes);
    UNSCOPED_INFO("size " << size << ": " << rep.stats.token_tables << " token tables, " << rep.stats.window_bytes
                          << " window bytes");
  }
  // 4x the input: at most ~4x the work (linear), never 16x (quadratic).
  CHECK(work[1] <= 5 * work[0] + 4096);
  CHECK(work[2] <= 5 * work[1] + 4096);
}

TEST_CASE("the real dump's table region, truncated and flipped", "[hardening][fixture]") {
  const auto core = support::require_fixture("x86_64-6.1-boot1/dump.elf.zst");
  auto file = mquire::sources::mapped_file::open(core.string());
  REQUIRE(file);
  // The table's own extent in the file, found by a search over the whole
  // file, plus a page of what surrounds it.
  const auto whole = mquire::find_kallsyms(mquire::byte_range{file->bytes()});
  REQUIRE(whole.tables.size() == 1);
  auto [from, to] = whole.tables[0].extent();
  from -= 4096;
  to += 4096;
  const std::vector<std::uint8_t> region(file->bytes().begin() + static_cast<long>(from),
                                         file->bytes().begin() + static_cast<long>(to));
  REQUIRE(mquire::find_kallsyms(mquire::byte_range{region}).tables.size() == 1);
  gen::rng g{3};
  for (int k = 0; k < 12; ++k) {
    const std::size_t cut = g.below(region.size());
    expect_safe(std::vector<std::uint8_t>(region.begin(), region.begin() + static_cast<long>(cut)),
                "fixture cut at " + std::to_string(cut));
    auto b = region;
    b[g.below(b.size())] ^= 0x10;
    expect_safe(b, "fixture flip " + std::to_string(k));
  }
}
