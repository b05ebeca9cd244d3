// SPDX-License-Identifier: Apache-2.0
// sources/elf.hpp: what parse_elf() reads of a file, for a caller whose file
// arrives front to back (a kernel image decompressed as it is searched).
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include <mquire/sources/elf.hpp>

#include "generator/dump_writer.hpp"

namespace {

// The parts elf_headers_ready() asks for, in order.
std::vector<std::size_t> asked(const std::vector<std::uint8_t>& file) {
  std::vector<std::size_t> ends;
  CHECK(mquire::sources::elf_headers_ready(std::span<const std::uint8_t>(file), [&](std::size_t end) {
    ends.push_back(end);
    return true;
  }));
  return ends;
}

} // namespace

TEST_CASE("elf: parse_elf reads nothing past the parts elf_headers_ready asks for", "[unit][elf]") {
  const std::string info = "OSRELEASE=7.2.0\nPAGESIZE=4096\n";
  std::vector<std::uint8_t> data(0x3000, 0x5a);
  auto file = gen::elf_core(data, {{0, 0x1000, 0x100000}, {0x1000, 0x2000, 0x200000}}, info);
  const auto ends = asked(file);
  // The header, three program headers (the note first), the note's bytes.
  const std::size_t note_end = 64 + 3 * 56 + 12 + 12 + info.size() + (4 - info.size() % 4) % 4;
  REQUIRE(ends == std::vector<std::size_t>{64, 64 + 3 * 56, note_end});
  const auto whole = mquire::sources::parse_elf(file);
  REQUIRE(whole);
  CHECK(whole->vmcoreinfo == info);
  // Every byte after the last part changed: the same map.
  auto other = file;
  for (std::size_t i = ends.back(); i < other.size(); ++i) other[i] ^= 0xff;
  const auto changed = mquire::sources::parse_elf(other);
  REQUIRE(changed);
  CHECK(*changed == *whole);

  SECTION("a reader told that the bytes will not come stops asking") {
    std::size_t calls = 0;
    CHECK_FALSE(mquire::sources::elf_headers_ready(std::span<const std::uint8_t>(file), [&](std::size_t end) {
      ++calls;
      return end <= 64;
    }));
    CHECK(calls == 2);
  }
  SECTION("a note the file cannot hold is not asked for: parse_elf refuses it unread") {
    file[64 + 32] = 0xff; // the note's p_filesz, far past the end
    file[64 + 33] = 0xff;
    file[64 + 34] = 0xff;
    CHECK(asked(file) == std::vector<std::size_t>{64, 64 + 3 * 56});
    const auto refused = mquire::sources::parse_elf(file);
    REQUIRE_FALSE(refused);
    CHECK_THAT(refused.err().message, Catch::Contains("ELF program header 0 claims file bytes"));
  }
  SECTION("a file that is not ELF: only its first bytes") {
    const std::vector<std::uint8_t> raw(100, 0);
    CHECK(asked(raw) == std::vector<std::size_t>{64});
    const std::vector<std::uint8_t> tiny(10, 0);
    CHECK(asked(tiny) == std::vector<std::size_t>{10});
  }
}
