// SPDX-License-Identifier: Apache-2.0
// Writes a raw "physical memory" file of a given size: random bytes with
// decoy landmarks and one Debian-6.1-like kallsyms table (100k symbols) in
// the middle, for the end-to-end benchmark.
//   make_dump FILE SIZE_MIB
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>

#include "generator/kallsyms_writer.hpp"
#include "generator/memory_image.hpp"
#include "generator/symbols.hpp"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: make_dump FILE SIZE_MIB\n");
    return 2;
  }
  const std::uint64_t size = std::strtoull(argv[2], nullptr, 10) << 20;
  const auto syms = gen::make_symbols({.count = 100'000, .seed = 3, .percpu = 200});
  gen::config c{.e = gen::era::v6_2, .encoding = mquire::address_encoding::base_relative_percpu,
                .banner = "Linux version 6.1.0-bench"};
  const auto table = gen::write_kallsyms(syms, c);
  std::ofstream out(argv[1], std::ios::binary);
  constexpr std::size_t chunk = 64u << 20;
  const std::uint64_t table_at = (size / 2) & ~std::uint64_t{0xfff};
  for (std::uint64_t pos = 0, k = 0; pos < size; pos += chunk, ++k) {
    const std::size_t len = static_cast<std::size_t>(std::min<std::uint64_t>(chunk, size - pos));
    auto block = gen::embed({}, {.total = len, .at = 0, .seed = 1000 + k, .decoy_digit_runs = 4, .decoy_banners = 1});
    if (table_at >= pos && table_at < pos + len) {
      const std::size_t at = static_cast<std::size_t>(table_at - pos);
      const std::size_t n = std::min(table.bytes.size(), len - at);
      std::memcpy(block.data() + at, table.bytes.data(), n);
      if (n < table.bytes.size()) { // spills into the next chunk
        out.write(reinterpret_cast<const char*>(block.data()), static_cast<std::streamsize>(len));
        auto next = gen::embed({}, {.total = chunk, .at = 0, .seed = 5000 + k});
        std::memcpy(next.data(), table.bytes.data() + n, table.bytes.size() - n);
        const std::size_t next_len = static_cast<std::size_t>(std::min<std::uint64_t>(chunk, size - pos - len));
        out.write(reinterpret_cast<const char*>(next.data()), static_cast<std::streamsize>(next_len));
        pos += chunk;
        ++k;
        continue;
      }
    }
    out.write(reinterpret_cast<const char*>(block.data()), static_cast<std::streamsize>(len));
  }
  std::printf("%s: %llu bytes, table of %u symbols at %#llx\n", argv[1], static_cast<unsigned long long>(size),
              table.num_syms, static_cast<unsigned long long>(table_at));
  return out ? 0 : 1;
}
