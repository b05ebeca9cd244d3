// SPDX-License-Identifier: Apache-2.0
// What a returned table promises, checked from the input bytes alone: its
// sections lie in the input, every entry it trusts re-decodes to what it
// returned through its own token table and index (or reads as plain text
// when it has none: uncompressed names), from where the table says the entry
// starts (entry by entry for a table salvaged around damage), its trusted
// addresses are sorted, its counts agree.
// Shared by the malformed-input tests and the fuzz targets.
#pragma once

#include <cstring>
#include <span>
#include <string>

#include <mquire/mquire.hpp>

namespace support {

// Empty when every invariant holds, else the first one broken.
inline std::string table_violation(std::span<const std::uint8_t> input, const mquire::kallsyms_table& t) {
  const mquire::byte_reader r(input);
  if (t.symbols.size() != t.num_syms || t.num_syms == 0) return "symbol count";
  for (const auto& s : t.sections)
    if (!r.fits(s.offset, s.size)) return "a section lies outside the input";
  if (mquire::detail::first_unsorted(t)) return "addresses not sorted";
  const auto* names = t.section(mquire::section_role::names);
  const auto* tokens = t.section(mquire::section_role::token_table);
  const auto* index = t.section(mquire::section_role::token_index);
  if (!names || (tokens == nullptr) != (index == nullptr)) return "a core section is missing";
  std::size_t pos = names->offset;
  const std::size_t end = names->offset + names->size;
  if (!t.entry_starts.empty() && t.entry_starts.size() != t.symbols.size()) return "entry positions";
  std::size_t damaged = 0;
  for (std::size_t i = 0; i < t.symbols.size(); ++i) {
    const auto& s = t.symbols[i];
    damaged += s.trusted() ? 0 : 1;
    if (!t.entry_starts.empty()) {
      if (t.entry_starts[i] == mquire::kallsyms_table::lost_entry) {
        if (s.damage != mquire::entry_damage::name_unreadable) return "a lost entry is not marked";
        continue;
      }
      pos = names->offset + t.entry_starts[i];
    }
    mquire::detail::name_entry e;
    if (mquire::detail::read_name_entry(input.data(), pos, end, mquire::name_length::uleb128, e) != mquire::rejection::none)
      return "a name does not read within the names section";
    pos = e.tokens;
    const std::size_t len = e.length;
    std::string decoded;
    if (!tokens) decoded.assign(reinterpret_cast<const char*>(input.data() + pos), len);
    for (std::size_t k = 0; tokens && k < len; ++k) {
      const std::size_t off = tokens->offset + r.uint_unchecked(index->offset + 2u * input[pos + k], 2, t.order);
      if (off >= tokens->offset + tokens->size) return "a token lies outside the token table";
      const char* p = reinterpret_cast<const char*>(input.data() + off);
      decoded += std::string_view(p, strnlen(p, tokens->offset + tokens->size - off));
    }
    pos += len;
    if (s.damage == mquire::entry_damage::name_unreadable) continue;
    if (decoded.size() != s.name_length + 1u || decoded[0] != s.type ||
        decoded.compare(1, std::string::npos, t.name(s)) != 0)
      return "a name does not re-decode to what was returned";
    for (char c : t.name(s))
      if (!mquire::detail::is_symbol_char(static_cast<std::uint8_t>(c))) return "a name has a non-symbol character";
  }
  if (damaged != t.damaged) return "damaged count";
  return {};
}

} // namespace support
