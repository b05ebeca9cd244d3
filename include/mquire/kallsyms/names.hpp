// SPDX-License-Identifier: Apache-2.0
// kallsyms_names: N entries, each a length and that many token indices.
// Decoding happens in two passes: a structural walk (lengths and marker
// agreement, no allocation) that rejects almost every wrong candidate
// cheaply, then the expansion through the token table for the survivors.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "../bytes.hpp"
#include "layouts.hpp"
#include "rejection.hpp"
#include "table.hpp"
#include "token_table.hpp"

namespace mquire::detail {

// A walk over kallsyms_names: where it ended, or where and why it stopped.
struct names_walk {
  std::size_t end = 0;             // one past the last entry, when ok()
  std::uint64_t entries = 0;       // how many entries were read before stopping
  std::size_t failed_at = 0;       // where the walk stopped, when !ok()
  rejection why = rejection::none; // why it stopped; none when every entry walked
  constexpr bool ok() const noexcept { return why == rejection::none; }
};

// One entry of kallsyms_names at `pos`: where its token bytes start and how
// many there are, or why it cannot be an entry (nothing read at or past
// `limit`).
struct name_entry {
  std::size_t tokens = 0; // position of the first token byte
  std::size_t length = 0; // token count
  constexpr std::size_t end() const noexcept { return tokens + length; }
};

// The one decoder of the length prefix (one byte, or from 6.1 a two-byte
// ULEB128 for long names), shared by compressed and plain names.
inline rejection read_name_entry(const std::uint8_t* d, std::size_t pos, std::size_t limit, name_length enc,
                                 name_entry& out) noexcept {
  if (pos >= limit) return rejection::names_run_into_markers;
  std::size_t len = d[pos++];
  if (len & 0x80) {
    if (enc == name_length::one_byte || pos >= limit) return rejection::name_length_out_of_range;
    len = (len & 0x7f) | (std::size_t{d[pos++]} << 7);
  }
  if (len == 0) return rejection::empty_name;
  if (len > limit - pos) return rejection::name_runs_into_markers;
  out = {pos, len};
  return rejection::none;
}

// Walks `n` entries from `start` without reading at or past `limit`; entry
// 256*k must start at start + markers[k].
inline names_walk walk_names(const byte_reader& r, std::size_t start, std::size_t limit, std::uint64_t n,
                             const std::vector<std::uint64_t>& markers, name_length enc) noexcept {
  names_walk w;
  if (limit > r.size()) limit = r.size();
  if (markers.size() != (n + 255) / 256) {
    w.why = rejection::marker_count_mismatch;
    return w;
  }
  std::size_t pos = start;
  name_entry e;
  for (std::uint64_t i = 0; i < n; ++i) {
    w.entries = i;
    w.failed_at = pos;
    if ((i & 255) == 0 && pos - start != markers[i >> 8]) {
      w.why = rejection::name_not_at_marker;
      return w;
    }
    if (const rejection why = read_name_entry(r.data(), pos, limit, enc, e); why != rejection::none) {
      w.why = why;
      return w;
    }
    pos = e.end();
  }
  w.entries = n;
  w.end = pos;
  return w;
}

// A symbol type as kallsyms stores it: nm's letter, kept as the kernel
// prints it. Kernels also hold other printable characters (`?` for symbols
// nm cannot classify, as System.map shows them), so any printable non-space
// character is a type; only control bytes, spaces and non-ASCII are not.
constexpr bool is_symbol_type(char c) noexcept { return c > ' ' && c < 0x7f; }

// The letters nm uses: a stricter test for landmarks that must not match by
// chance (the plain `_stext` entry of uncompressed names).
constexpr bool is_type_letter(char c) noexcept {
  switch (c) {
  case 'A': case 'a': case 'B': case 'b': case 'C': case 'c': case 'D': case 'd':
  case 'G': case 'g': case 'I': case 'i': case 'N': case 'n': case 'P': case 'p':
  case 'R': case 'r': case 'S': case 's': case 'T': case 't': case 'U': case 'u':
  case 'V': case 'v': case 'W': case 'w':
    return true;
  default:
    return false;
  }
}

// A name whose token bytes hold a run of zeros was torn (a zeroed page):
// token 0 is an ordinary token, so the entry would still walk and decode,
// but to a wrong name. No real name repeats one token four times in a row.
inline bool holds_zero_run(const std::uint8_t* p, std::size_t n) noexcept {
  std::size_t run = 0;
  for (std::size_t k = 0; k < n; ++k) {
    run = p[k] == 0 ? run + 1 : 0;
    if (run >= 4) return true;
  }
  return false;
}

// Appends one symbol whose text (type then name) is `text`.
inline void append_symbol(std::string_view text, kallsyms_table& out) {
  symbol s;
  s.type = text[0];
  s.name_offset = static_cast<std::uint32_t>(out.names.size());
  s.name_length = static_cast<std::uint32_t>(text.size() - 1);
  out.names.append(text.substr(1));
  out.symbols.push_back(s);
}

// Appends the entry's expansion (type then name) to `out.symbols` /
// `out.names`, or says what was wrong.
inline rejection append_expanded(const byte_reader& r, const name_entry& e, const token_table& tokens,
                                 std::string& buf, kallsyms_table& out) {
  if (holds_zero_run(r.data() + e.tokens, e.length)) return rejection::torn_name;
  buf.clear();
  for (std::size_t k = 0; k < e.length; ++k) buf += tokens.token(r, r.data()[e.tokens + k]);
  if (buf.size() < 2) return rejection::name_too_short;
  if (!is_symbol_type(buf[0])) return rejection::name_without_type;
  append_symbol(buf, out);
  return rejection::none;
}

// The token table's strings for expanding many names: every token of up
// to `stride` bytes copied into a slot of its own, so that a token is
// expanded with one fixed-size copy (which the compiler makes two vector
// moves) instead of a library call for a few bytes. Longer tokens, which
// real kernels do not have, are copied from the input as they are.
class token_expander {
public:
  static constexpr std::size_t stride = 16;
  token_expander(const byte_reader& r, const token_table& tokens) : r_(r) {
    for (unsigned i = 0; i < token_count; ++i) {
      token_[i] = tokens.token(r, static_cast<std::uint8_t>(i));
      if (token_[i].size() <= stride) std::copy(token_[i].begin(), token_[i].end(), slots_.begin() + i * stride);
    }
  }
  // The entry's text (type, then name) in `buf`, reused from call to call;
  // the entry lies in the range (read_name_entry checked it).
  std::string_view expand(const name_entry& e, std::vector<char>& buf) const {
    const std::uint8_t* b = r_.data() + e.tokens;
    std::size_t total = 0;
    for (std::size_t k = 0; k < e.length; ++k) total += token_[b[k]].size();
    if (buf.size() < total + stride) buf.resize(total + stride);
    char* p = buf.data();
    for (std::size_t k = 0; k < e.length; ++k) {
      const std::string_view t = token_[b[k]];
      if (t.size() <= stride) std::memcpy(p, slots_.data() + b[k] * stride, stride);
      else std::memcpy(p, t.data(), t.size());
      p += t.size();
    }
    return {buf.data(), total};
  }

private:
  const byte_reader& r_;
  std::array<std::string_view, token_count> token_{};
  std::array<char, token_count * stride> slots_{};
};

// Expands `n` entries (already walked) into `out.symbols` / `out.names`,
// or says what was wrong.
inline rejection expand_names(const byte_reader& r, std::size_t start, std::uint64_t n, const token_table& tokens,
                              kallsyms_table& out) {
  out.symbols.clear();
  out.names.clear();
  out.damaged = 0;
  out.symbols.reserve(n);
  const token_expander expander(r, tokens);
  std::vector<char> buf;
  std::size_t pos = start;
  name_entry e;
  for (std::uint64_t i = 0; i < n; ++i) {
    // The walk has checked every entry; the reads stay in the range anyway.
    if (const rejection why = read_name_entry(r.data(), pos, r.size(), name_length::uleb128, e); why != rejection::none)
      return why;
    pos = e.end();
    // As append_expanded() decides, with the faster copy.
    rejection why = rejection::none;
    std::string_view text;
    if (holds_zero_run(r.data() + e.tokens, e.length)) why = rejection::torn_name;
    else if ((text = expander.expand(e, buf)).size() < 2) why = rejection::name_too_short;
    else if (!is_symbol_type(text[0])) why = rejection::name_without_type;
    if (why == rejection::none) {
      append_symbol(text, out);
      continue;
    }
    if (why != rejection::torn_name) return why;
    // Torn: kept in place, marked, never printed.
    out.symbols.push_back(symbol{});
    out.mark(out.symbols.size() - 1, entry_damage::name_unreadable);
  }
  return rejection::none;
}

} // namespace mquire::detail
