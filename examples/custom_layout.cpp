// SPDX-License-Identifier: Apache-2.0
// Declaring your own kallsyms layout at compile time and searching with it.
//
// A (made-up) vendor kernel moved kallsyms_seqs_of_names in front of the
// address data in the 6.4 order. None of the built-in layouts reads that, so
// we declare it from the library's section vocabulary; the declaration is
// checked at compile time (swap names and num_syms and it will not compile).
//
//   custom_layout FILE     prints the table found in FILE (raw bytes)
#include <cstdio>
#include <fstream>
#include <iterator>
#include <vector>

#include <mquire/mquire.hpp>

namespace s = mquire::sections;

using vendor_layout = mquire::layout<
    "vendor-6.4-seqs-first",
    mquire::layout_traits{mquire::address_encoding::base_relative, mquire::alignment_rule::word,
                          mquire::name_length::uleb128, mquire::word_sizes::any},
    s::num_syms<>, s::names, s::markers<>, s::token_table, s::token_index, s::seqs_of_names, s::offsets,
    s::relative_base>;

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s FILE\n", argv[0]);
    return 2;
  }
  std::ifstream in(argv[1], std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "cannot open %s\n", argv[1]);
    return 3;
  }
  const std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());

  const mquire::search_report report = mquire::find_kallsyms_with<vendor_layout>(mquire::byte_range{bytes});
  if (report.tables.empty()) {
    std::fprintf(stderr, "%s\n", mquire::describe_failure(report).c_str());
    return 1;
  }
  const mquire::kallsyms_table& t = report.tables.front();
  std::fprintf(stderr, "layout %.*s, %u symbols\n", static_cast<int>(t.layout.size()), t.layout.data(), t.num_syms);
  for (const mquire::symbol& sym : t.symbols) {
    const std::string_view name = t.name(sym);
    std::printf("%0*llx %c %.*s\n", static_cast<int>(t.word_size * 2), static_cast<unsigned long long>(sym.address),
                sym.type, static_cast<int>(name.size()), name.data());
  }
  return 0;
}
