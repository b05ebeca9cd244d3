// kallsyms_names: N entries, each a length and that many token indices.
// Decoding happens in two passes: a structural walk (lengths and marker
// agreement, no allocation) that rejects almost every wrong candidate
// cheaply, then the expansion through the token table for the survivors.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "bytes.hpp"
#include "layouts.hpp"
#include "table.hpp"
#include "token_table.hpp"

namespace mquire {

struct names_walk {
  bool ok = false;
  std::size_t end = 0;          // one past the last entry
  std::uint64_t entries = 0;    // how many entries were read before stopping
  std::size_t failed_at = 0;    // where the walk stopped, when !ok
  std::string_view why;         // when !ok
};

// Walks `n` entries from `start` without reading at or past `limit`; entry
// 256*k must start at start + markers[k].
inline names_walk walk_names(const byte_reader& r, std::size_t start, std::size_t limit, std::uint64_t n,
                             const std::vector<std::uint64_t>& markers, name_length enc) noexcept {
  names_walk w;
  if (limit > r.size()) limit = r.size();
  if (markers.size() != (n + 255) / 256) {
    w.why = "marker count does not match the symbol count";
    return w;
  }
  const std::uint8_t* d = r.data();
  std::size_t pos = start;
  for (std::uint64_t i = 0; i < n; ++i) {
    w.entries = i;
    w.failed_at = pos;
    if ((i & 255) == 0 && pos - start != markers[i >> 8]) {
      w.why = "a name does not start where its marker says";
      return w;
    }
    if (pos >= limit) {
      w.why = "the names run into the markers";
      return w;
    }
    std::size_t len = d[pos++];
    if (len & 0x80) {
      if (enc == name_length::one_byte || pos >= limit) {
        w.why = "a name length is out of range";
        return w;
      }
      len = (len & 0x7f) | (std::size_t{d[pos++]} << 7);
    }
    if (len == 0 || len > limit - pos) {
      w.why = len == 0 ? "an empty name" : "a name runs into the markers";
      return w;
    }
    pos += len;
  }
  w.entries = n;
  w.ok = true;
  w.end = pos;
  return w;
}

// Type letters the kernel's nm-derived types use (kallsyms keeps the case).
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

// Expands `n` entries (already walked) into `out.symbols` / `out.names`.
// Returns an empty string on success, else what was wrong.
inline std::string_view expand_names(const byte_reader& r, std::size_t start, std::uint64_t n,
                                     const token_table& tokens, kallsyms_table& out) {
  out.symbols.clear();
  out.names.clear();
  out.symbols.reserve(n);
  const std::uint8_t* d = r.data();
  std::size_t pos = start;
  std::string buf;
  for (std::uint64_t i = 0; i < n; ++i) {
    std::size_t len = d[pos++];
    if (len & 0x80) len = (len & 0x7f) | (std::size_t{d[pos++]} << 7);
    buf.clear();
    for (std::size_t k = 0; k < len; ++k) buf += tokens.token(r, d[pos + k]);
    pos += len;
    if (buf.size() < 2) return "a name decodes to fewer than two characters";
    if (!is_type_letter(buf[0])) return "a name does not start with a symbol type letter";
    symbol s;
    s.type = buf[0];
    s.name_offset = static_cast<std::uint32_t>(out.names.size());
    s.name_length = static_cast<std::uint32_t>(buf.size() - 1);
    out.names.append(buf, 1, std::string::npos);
    out.symbols.push_back(s);
  }
  return {};
}

} // namespace mquire
