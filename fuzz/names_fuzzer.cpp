// SPDX-License-Identifier: Apache-2.0
// Names decoder against a fixed token table: the structural walk and the
// expansion agree, never read past the limit, and return N plausible names.
#include "fuzz_common.hpp"

#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 4) return 0;
  const std::uint64_t n = 1 + (data[0] | (data[1] << 8)) % 2048;
  const auto enc = (data[2] & 1) ? mquire::name_length::one_byte : mquire::name_length::uleb128;
  // A token table of one-character tokens in front of the fuzzed names: byte
  // b expands to a letter, or to 'T' for the values the type letters use.
  std::vector<std::uint8_t> buf;
  mquire::detail::token_table tt;
  for (unsigned i = 0; i < 256; ++i) {
    tt.offset[i] = buf.size();
    tt.length[i] = 1;
    buf.push_back(i < 0x80 && mquire::detail::is_type_letter(static_cast<char>(i)) ? static_cast<std::uint8_t>(i)
                                                                            : static_cast<std::uint8_t>('a' + i % 26));
    buf.push_back(0);
  }
  const std::size_t start = buf.size();
  buf.insert(buf.end(), data + 3, data + size);
  const mquire::byte_reader r(buf);
  // Markers: the positions of every 256th entry as the walk itself would find
  // them are unknown, so take them from a structural pre-pass with n entries.
  std::vector<std::uint64_t> markers;
  std::size_t pos = start;
  mquire::detail::name_entry e;
  for (std::uint64_t i = 0; i < n && pos < buf.size(); ++i) {
    if (i % 256 == 0) markers.push_back(pos - start);
    if (mquire::detail::read_name_entry(buf.data(), pos, buf.size(), enc, e) != mquire::rejection::none) break;
    pos = e.end();
  }
  const auto w = mquire::detail::walk_names(r, start, buf.size(), n, markers, enc);
  if (!w.ok()) return 0;
  MQUIRE_FUZZ_CHECK(w.end <= buf.size() && w.entries == n);
  mquire::kallsyms_table t;
  if (mquire::detail::expand_names(r, start, n, tt, t) != mquire::rejection::none) return 0;
  MQUIRE_FUZZ_CHECK(t.symbols.size() == n);
  std::size_t total = 0;
  // Every entry is a name with a printable type, or (torn: a run of zero
  // token bytes) marked unreadable and empty; the count says how many.
  std::size_t marked = 0;
  for (const auto& s : t.symbols) {
    if (!s.trusted()) {
      MQUIRE_FUZZ_CHECK(s.damage == mquire::entry_damage::name_unreadable && s.name_length == 0);
      ++marked;
      continue;
    }
    MQUIRE_FUZZ_CHECK(mquire::detail::is_symbol_type(s.type) && s.name_length >= 1);
    total += s.name_length;
  }
  MQUIRE_FUZZ_CHECK(marked == t.damaged);
  MQUIRE_FUZZ_CHECK(total == t.names.size());
  return 0;
}
