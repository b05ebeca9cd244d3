// SPDX-License-Identifier: Apache-2.0
// Real fixtures from ../shared/fixtures, decompressed once into the build's
// test cache, and the input formats derived from them (raw, LiME) written
// next to them. Tests that need something missing skip with a clear message.
#pragma once

#include <unistd.h>
#include <zstd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include <mquire/mquire.hpp>
#include <mquire/sources.hpp>

#include "generator/kdump_writer.hpp"

namespace support {

namespace fs = std::filesystem;

inline fs::path fixtures_dir() { return fs::path(MQUIRE_FIXTURES_DIR); }
inline fs::path cache_dir() {
  fs::path p(MQUIRE_CACHE_DIR);
  fs::create_directories(p);
  return p;
}

// Ends the test as skipped (ctest reads exit code 77 as "skipped").
[[noreturn]] inline void skip(const std::string& why) {
  std::cerr << "SKIPPED: " << why << std::endl;
  std::fflush(stdout);
  std::_Exit(77);
}

inline bool write_file(const fs::path& p, const std::vector<std::uint8_t>& bytes) {
  // A private temporary name: tests run in parallel and may build the same file.
  const fs::path tmp = p.string() + ".tmp." + std::to_string(::getpid());
  std::ofstream out(tmp, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out) return false;
  fs::rename(tmp, p);
  return true;
}

// `relative` (e.g. "x86_64-6.1-boot1/dump.elf.zst") decompressed into the
// cache; returns its path, or nullopt when the fixture is absent.
inline std::optional<fs::path> unpacked_fixture(const std::string& relative) {
  const fs::path src = fixtures_dir() / relative;
  if (!fs::exists(src)) return std::nullopt;
  std::string name = relative;
  for (char& c : name)
    if (c == '/') c = '_';
  fs::path dst = cache_dir() / name.substr(0, name.size() - 4); // drop .zst
  if (fs::exists(dst)) return dst;
  std::ifstream in(src, std::ios::binary);
  std::vector<char> packed((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ZSTD_DStream* z = ZSTD_createDStream();
  ZSTD_initDStream(z);
  std::vector<std::uint8_t> out;
  std::vector<std::uint8_t> chunk(ZSTD_DStreamOutSize());
  ZSTD_inBuffer ib{packed.data(), packed.size(), 0};
  while (ib.pos < ib.size) {
    ZSTD_outBuffer ob{chunk.data(), chunk.size(), 0};
    const std::size_t rc = ZSTD_decompressStream(z, &ob, &ib);
    if (ZSTD_isError(rc)) {
      ZSTD_freeDStream(z);
      return std::nullopt;
    }
    out.insert(out.end(), chunk.begin(), chunk.begin() + static_cast<long>(ob.pos));
  }
  ZSTD_freeDStream(z);
  if (!write_file(dst, out)) return std::nullopt;
  return dst;
}

inline fs::path require_fixture(const std::string& relative) {
  auto p = unpacked_fixture(relative);
  if (!p) skip("fixture " + relative + " not found under " + fixtures_dir().string());
  return *p;
}

// Raw physical memory (file offset = physical address) and a LiME file with
// one range per PT_LOAD, derived from an ELF core.
inline fs::path derived_from_core(const fs::path& core, const std::string& kind) {
  const fs::path dst = cache_dir() / (core.filename().string() + "." + kind);
  if (fs::exists(dst)) return dst;
  auto file = mquire::sources::mapped_file::open(core.string());
  REQUIRE(file);
  auto map = mquire::sources::parse_elf(file->bytes());
  REQUIRE(map);
  std::vector<std::uint8_t> out;
  if (kind == "kdump") {
    // makedumpfile's format, from the core's segments and VMCOREINFO note.
    std::vector<gen::kdump_range> ranges;
    for (const auto& s : map->segments)
      ranges.push_back({s.address, file->bytes().data() + s.file_offset, s.size});
    // A core without the note (QEMU without -device vmcoreinfo) gives a
    // kdump without vmcoreinfo, as makedumpfile would write from it.
    std::string release;
    if (auto info = mquire::parse_vmcoreinfo(map->vmcoreinfo)) release = info->get("OSRELEASE").value_or("");
    out = gen::kdump_compressed(ranges, map->vmcoreinfo, "x86_64", release);
    REQUIRE(write_file(dst, out));
    return dst;
  }
  for (const auto& s : map->segments) {
    const auto bytes = file->bytes().subspan(s.file_offset, s.size);
    if (kind == "raw") {
      if (s.address >= 0xc0000000ull) continue; // RAM only: not the firmware ROM below 4 GiB
      if (out.size() < s.address + s.size) out.resize(s.address + s.size);
      std::copy(bytes.begin(), bytes.end(), out.begin() + static_cast<long>(s.address));
    } else {
      auto put = [&](std::uint64_t v, int n) {
        for (int i = 0; i < n; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
      };
      put(0x4C694D45u, 4);
      put(1, 4);
      put(s.address, 8);
      put(s.address + s.size - 1, 8);
      put(0, 8);
      out.insert(out.end(), bytes.begin(), bytes.end());
    }
  }
  REQUIRE(write_file(dst, out));
  return dst;
}

inline std::vector<std::uint8_t> read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::vector<std::uint8_t>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

inline std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// The kernel's own /proc/kallsyms without module lines ("...\t[module]").
inline std::string truth_without_modules(const std::string& fixture) {
  const std::string all = read_text(require_fixture(fixture + "/kallsyms.truth.zst"));
  std::string out;
  std::size_t pos = 0;
  while (pos < all.size()) {
    std::size_t nl = all.find('\n', pos);
    if (nl == std::string::npos) nl = all.size() - 1;
    const std::string_view line(all.data() + pos, nl + 1 - pos);
    if (line.find('\t') == std::string_view::npos) out += line;
    pos = nl + 1;
  }
  return out;
}

// The table printed the way /proc/kallsyms prints it.
inline std::string as_kallsyms(const mquire::kallsyms_table& t) {
  std::string out;
  char buf[32];
  for (const auto& s : t.symbols) {
    std::snprintf(buf, sizeof buf, "%0*llx %c ", static_cast<int>(t.word_size * 2),
                  static_cast<unsigned long long>(s.address), s.type);
    out += buf;
    out += t.name(s);
    out += '\n';
  }
  return out;
}

} // namespace support
