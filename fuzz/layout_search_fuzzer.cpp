// SPDX-License-Identifier: Apache-2.0
// One layout's full search (the first byte picks the layout and word size):
// every returned table holds the table invariants.
#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  static const std::vector<mquire::layout_desc> all = mquire::builtin_layouts();
  const std::vector<mquire::layout_desc> one{all[data[0] % all.size()]};
  mquire::search_options opt;
  opt.word_size = (data[0] & 0x80) ? 4 : 8;
  opt.max_symbols = 1u << 16;
  const std::span<const std::uint8_t> in(data + 1, size - 1);
  fuzz::check_report(in, mquire::find_kallsyms(mquire::byte_range{in}, opt, one));
  return 0;
}
