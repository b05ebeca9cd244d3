// SPDX-License-Identifier: Apache-2.0
// sources/detect.hpp and sources/image_headers.hpp: formats and wrappers told
// from their first bytes alone.
#include <catch2/catch.hpp>

#include <cstring>

#include <mquire/sources/detect.hpp>
#include <mquire/sources/image_headers.hpp>

using mquire::sources::compression;
using mquire::sources::input_format;

namespace {
std::vector<std::uint8_t> with_at(std::size_t size, std::size_t at, const void* s, std::size_t n) {
  std::vector<std::uint8_t> b(size, 0);
  std::memcpy(b.data() + at, s, n);
  return b;
}
} // namespace

TEST_CASE("detect: dump formats and images by content", "[unit][detect]") {
  auto core = with_at(64, 0, "\x7f" "ELF\x02\x01", 6);
  core[16] = 4; // ET_CORE
  CHECK(mquire::sources::detect_format(core) == input_format::elf_core);
  core[16] = 2; // ET_EXEC
  CHECK(mquire::sources::detect_format(core) == input_format::vmlinux);
  CHECK(mquire::sources::detect_format(with_at(64, 0, "EMiL", 4)) == input_format::lime);
  CHECK(mquire::sources::detect_format(with_at(64, 0, "KDUMP   ", 8)) == input_format::kdump);
  CHECK(mquire::sources::detect_format(with_at(64, 0, "makedumpfile", 12)) == input_format::kdump);
  CHECK(mquire::sources::detect_format(with_at(0x300, 0x202, "HdrS", 4)) == input_format::image);
  CHECK(mquire::sources::detect_format(with_at(64, 0x38, "ARM\x64", 4)) == input_format::image);
  CHECK(mquire::sources::detect_format(with_at(64, 0x38, "RSC\x05", 4)) == input_format::image);
  CHECK(mquire::sources::detect_format(with_at(64, 0x24, "\x18\x28\x6f\x01", 4)) == input_format::image);
  auto zboot = with_at(64, 0, "MZ", 2);
  std::memcpy(zboot.data() + 4, "zimg", 4);
  CHECK(mquire::sources::detect_format(zboot) == input_format::image);
  CHECK(mquire::sources::detect_format(std::vector<std::uint8_t>(64, 0x41)) == input_format::raw);
  CHECK(mquire::sources::detect_format(std::vector<std::uint8_t>{}) == input_format::raw);
}

TEST_CASE("image headers: names of raw Images and every compression's magic", "[unit][detect]") {
  CHECK(mquire::sources::raw_image_name(with_at(64, 0x38, "ARM\x64", 4)) == "arm64 Image");
  CHECK(mquire::sources::raw_image_name(with_at(64, 0x38, "RSC\x05", 4)) == "riscv Image");
  CHECK(mquire::sources::raw_image_name(with_at(64, 0, "", 0)).empty());
  // A header cut short is no header.
  CHECK_FALSE(mquire::sources::is_arm64_image(with_at(0x3a, 0x38, "AR", 2)));
  const std::pair<std::vector<std::uint8_t>, compression> streams[] = {
      {with_at(16, 0, "\x1f\x8b\x08", 3), compression::gzip},
      {with_at(16, 0, "\xfd" "7zXZ\x00", 6), compression::xz},
      {with_at(16, 0, "\x28\xb5\x2f\xfd", 4), compression::zstd},
      {with_at(16, 0, "\x02\x21\x4c\x18", 4), compression::lz4},
      {with_at(16, 0, "\x04\x22\x4d\x18", 4), compression::lz4},
      {with_at(16, 0, "\x89LZO\x00\x0d\x0a\x1a\x0a", 9), compression::lzo},
      {with_at(16, 0, "BZh9\x31\x41\x59\x26\x53\x59", 10), compression::bzip2},
      {with_at(16, 0, "\x5d\x00\x00\x80\x00", 5), compression::lzma}, // dictionary 8 MiB
  };
  for (const auto& [b, c] : streams) {
    INFO(mquire::sources::to_string(c));
    REQUIRE(mquire::sources::compression_at(b));
    CHECK(*mquire::sources::compression_at(b) == c);
  }
  CHECK_FALSE(mquire::sources::compression_at(with_at(16, 0, "BZh9xxxxxx", 10))); // no block magic
  CHECK_FALSE(mquire::sources::compression_at(with_at(16, 0, "\x5d\x00\x00\x70\x00", 5))); // odd dictionary
}
