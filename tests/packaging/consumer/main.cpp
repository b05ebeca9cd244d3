// SPDX-License-Identifier: Apache-2.0
// Searches a megabyte of zeros: the library links and explains its failure.
#include <cstdio>
#include <vector>

#include <mquire/mquire.hpp>

int main() {
  const std::vector<std::uint8_t> zeros(1u << 20, 0);
  const auto table = mquire::recover_kallsyms(mquire::byte_range{zeros});
  if (table) return 2;
  std::printf("%s\n", table.err().message.c_str());
  return 0;
}
