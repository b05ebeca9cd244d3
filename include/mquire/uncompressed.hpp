// Kernels built with OpenWRT's KALLSYMS_UNCOMPRESSED patch store every name
// as plain text ({length, type letter, name}) and write no token table or
// token index, so the digit-run landmark does not exist. Their landmark is
// the plain entry of `_stext`, a symbol every kallsyms table holds. From it
// the search goes backwards to the symbol count (the names label follows
// kallsyms_num_syms directly), forwards through the N entries to the
// markers, which must give every 256th entry's offset, and then tries the
// places the address data can take: in front of num_syms (up to 6.3) or
// after the markers (6.4 on), as absolute addresses or base-relative
// offsets. The usual validation decides.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "addresses.hpp"
#include "bytes.hpp"
#include "detail/find.hpp"
#include "layouts.hpp"
#include "names.hpp"
#include "search.hpp"
#include "table.hpp"
#include "validate.hpp"

namespace mquire {

namespace detail {

// One plain entry: its text (type letter, then the name) and its length.
struct plain_name {
  std::size_t text = 0, length = 0;
  std::size_t end() const noexcept { return text + length; }
};

// The plain entry at `pos`: a length prefix (one or two bytes), then a type
// letter followed by symbol characters.
inline std::optional<plain_name> plain_entry(const byte_reader& r, std::size_t pos) noexcept {
  const auto b = r.u8(pos);
  if (!b) return std::nullopt;
  std::size_t len = *b;
  ++pos;
  if (len & 0x80) {
    const auto hi = r.u8(pos);
    if (!hi) return std::nullopt;
    len = (len & 0x7f) | (std::size_t{*hi} << 7);
    ++pos;
  }
  if (len < 2 || !r.fits(pos, len)) return std::nullopt;
  const std::uint8_t* d = r.data() + pos;
  if (!is_type_letter(static_cast<char>(d[0]))) return std::nullopt;
  for (std::size_t k = 1; k < len; ++k)
    if (!is_symbol_char(d[k])) return std::nullopt;
  return plain_name{pos, len};
}

// Where the address data of an uncompressed table may be, relative to its
// num_syms / names / markers.
struct uncompressed_arrangement {
  std::string_view layout;
  bool address_data_first; // up to 6.3: [addresses | offsets, relative_base], num_syms, names, markers
  address_encoding encoding;
};

inline constexpr uncompressed_arrangement uncompressed_arrangements[] = {
    {"uncompressed-names-4.20-base-relative", true, address_encoding::base_relative},
    {"uncompressed-names-4.20-base-relative-percpu", true, address_encoding::base_relative_percpu},
    {"uncompressed-names-4.20-absolute", true, address_encoding::absolute},
    {"uncompressed-names-6.4-base-relative", false, address_encoding::base_relative},
    {"uncompressed-names-6.4-base-relative-percpu", false, address_encoding::base_relative_percpu},
    {"uncompressed-names-6.4-absolute", false, address_encoding::absolute},
};

constexpr std::size_t round_up(std::size_t v, std::size_t a) noexcept { return (v + a - 1) / a * a; }

// The first position at or after `x` that is aligned like `like` (labels are
// aligned in virtual terms; the range may start anywhere).
constexpr std::size_t align_like(std::size_t x, std::size_t like, std::size_t a) noexcept {
  return x + (like % a + a - x % a) % a;
}

class uncompressed_search {
public:
  uncompressed_search(const byte_range& range, const search_options& opt, search_report& rep)
      : range_(range), r_(range.bytes), opt_(opt), rep_(rep) {}

  // `stext` is where a plain `_stext` entry (its length byte) lies.
  // Landmarks come in increasing order; a table has one `_stext` entry, so
  // the names of this one start after the previous landmark: the backward
  // windows never overlap, which keeps the work linear.
  void from_landmark(std::size_t stext) {
    floor_ = std::max(floor_, previous_ == npos ? 0 : previous_ + 1);
    previous_ = stext;
    for (unsigned word : {8u, 4u}) {
      if (opt_.word_size != 0 && opt_.word_size != word) continue;
      for (byte_order order : {byte_order::little, byte_order::big})
        for (unsigned count_width : {4u, word}) {
          if (count_width == 8 && word == 4) continue;
          search_names_start(stext, word, order, count_width);
          if (count_width == word) break;
        }
    }
  }

private:
  static constexpr std::size_t backward_window = 512u << 10;

  void search_names_start(std::size_t stext, unsigned word, byte_order order, unsigned count_width) {
    const std::size_t a = word;
    const std::size_t ns_span = round_up(count_width, a);
    const std::size_t lo = std::max(stext > backward_window ? stext - backward_window : 0, floor_);
    rep_.stats.window_bytes += stext - lo;
    for (std::size_t s = stext; s >= lo + ns_span; --s) {
      const std::size_t q = s - ns_span;
      const std::uint64_t n = r_.uint_unchecked(q, count_width, order);
      if (n < 16 || n > opt_.max_symbols || !r_.all_zero(q + count_width, ns_span - count_width)) continue;
      // The entries from s must land exactly on the _stext entry.
      std::size_t pos = s;
      std::uint64_t i = 0;
      while (pos < stext && i < n) {
        const auto next = plain_entry(r_, pos);
        if (!next) break;
        pos = next->end();
        ++i;
      }
      if (pos != stext) continue;
      ++rep_.stats.num_syms_candidates;
      on_names(q, s, n, word, order, count_width);
      if (s == 0) break;
    }
  }

  void on_names(std::size_t num_syms_at, std::size_t names_at, std::uint64_t n, unsigned word, byte_order order,
                unsigned count_width) {
    const std::size_t a = word;
    std::vector<std::uint64_t> marks;
    marks.reserve(static_cast<std::size_t>((n + 255) / 256));
    std::size_t pos = names_at;
    for (std::uint64_t i = 0; i < n; ++i) {
      if ((i & 255) == 0) marks.push_back(pos - names_at);
      const auto next = plain_entry(r_, pos);
      if (!next) return;
      pos = next->end();
    }
    const std::size_t markers_at = align_like(pos, names_at, a);
    const std::size_t markers_size = count_width * marks.size();
    if (!r_.fits(markers_at, markers_size) || !r_.all_zero(pos, markers_at - pos)) return;
    for (std::size_t k = 0; k < marks.size(); ++k)
      if (r_.uint_unchecked(markers_at + k * count_width, count_width, order) != marks[k]) return;
    ++rep_.stats.marker_candidates;
    ++rep_.stats.names_decoded;
    kallsyms_table base;
    base.word_size = word;
    base.order = order;
    base.num_syms = static_cast<std::uint32_t>(n);
    base.symbols.reserve(static_cast<std::size_t>(n));
    pos = names_at;
    for (std::uint64_t i = 0; i < n; ++i) {
      const plain_name e = *plain_entry(r_, pos); // walked above
      symbol s;
      s.type = static_cast<char>(r_.data()[e.text]);
      s.name_offset = static_cast<std::uint32_t>(base.names.size());
      s.name_length = static_cast<std::uint32_t>(e.length - 1);
      base.names.append(r_.chars(e.text + 1, e.length - 1));
      base.symbols.push_back(s);
      pos = e.end();
    }
    const section_location ns{section_role::num_syms, num_syms_at, count_width, {}};
    const section_location nm{section_role::names, names_at, markers_at - names_at, {}};
    const section_location mk{section_role::markers, markers_at, markers_size, {}};
    for (const auto& arr : uncompressed_arrangements) try_arrangement(base, arr, ns, nm, mk);
  }

  void try_arrangement(const kallsyms_table& base, const uncompressed_arrangement& arr, const section_location& ns,
                       const section_location& nm, const section_location& mk) {
    const unsigned word = base.word_size;
    const std::size_t a = word, n = base.num_syms;
    const bool relative = arr.encoding != address_encoding::absolute;
    const std::size_t data_size = relative ? 4 * n : word * n;
    std::vector<section_location> loc;
    std::size_t data_at = 0, rb_at = 0, after = 0;
    if (arr.address_data_first) {
      const std::size_t rb_span = relative ? round_up(word, a) : 0;
      if (ns.offset < rb_span + round_up(data_size, a)) return;
      rb_at = ns.offset - rb_span;
      data_at = rb_at - round_up(data_size, a);
      after = mk.offset + mk.size;
    } else {
      data_at = align_like(mk.offset + mk.size, mk.offset, a);
      rb_at = align_like(data_at + data_size, mk.offset, a);
      after = relative ? rb_at + word : data_at + data_size;
    }
    if (!r_.fits(data_at, data_size) || (relative && !r_.fits(rb_at, word))) return;
    loc.push_back({relative ? section_role::offsets : section_role::addresses, data_at, data_size, {}});
    if (relative) loc.push_back({section_role::relative_base, rb_at, word, {}});
    if (arr.address_data_first) {
      loc.push_back(ns);
      loc.push_back(nm);
      loc.push_back(mk);
    } else {
      loc.insert(loc.begin(), {ns, nm, mk});
    }
    // 6.2 on: kallsyms_seqs_of_names (3 bytes per symbol) follows.
    const std::size_t seqs_at = align_like(after, mk.offset, a);
    if (r_.fits(seqs_at, 3 * n) && seqs_are_permutation(r_, seqs_at, n))
      loc.push_back({section_role::seqs_of_names, seqs_at, 3 * n, {}});

    kallsyms_table t = base;
    t.layout = arr.layout;
    t.encoding = arr.encoding;
    address_data ad;
    ad.encoding = arr.encoding;
    ad.word_size = word;
    ad.order = t.order;
    ad.range_vaddr = range_.base_vaddr;
    ad.offset = data_at;
    if (relative) {
      ad.relative_base = r_.uint_unchecked(rb_at, word, t.order);
      t.relative_base = ad.relative_base;
    }
    decode_addresses(r_, ad, t);
    if (range_.base_vaddr)
      for (auto& l : loc) l.vaddr = *range_.base_vaddr + l.offset;
    t.sections = std::move(loc);
    layout_desc shape; // validation only counts the sections
    shape.name = arr.layout;
    shape.count = t.sections.size();
    auto v = validate_table(r_, token_table{}, shape, t, opt_.strict);
    if (!v.ok) {
      ++rep_.stats.tables_rejected;
      return;
    }
    t.score = v.score;
    t.evidence = std::move(v.evidence);
    t.evidence.front() = std::to_string(n) + " plain names (no token table) agree with " +
                         std::to_string((n + 255) / 256) + " markers";
    t.banner = find_banner_before(r_, t.sections.front().offset, &t.banner_offset);
    ++rep_.stats.tables;
    rep_.tables.push_back(std::move(t));
  }

  static constexpr std::size_t npos = static_cast<std::size_t>(-1);
  std::size_t floor_ = 0, previous_ = npos;
  const byte_range& range_;
  byte_reader r_;
  const search_options& opt_;
  search_report& rep_;
};

} // namespace detail

// Calls f(offset) for every plain kallsyms_names entry of `_stext`
// ({7, 'T' or 't', "_stext"}): the landmark of tables with uncompressed names.
template <typename F>
void for_each_plain_stext(std::span<const std::uint8_t> bytes, F&& f) {
  for (const char type : {'T', 't'}) {
    const std::uint8_t landmark[] = {7, static_cast<std::uint8_t>(type), '_', 's', 't', 'e', 'x', 't'};
    for_each_occurrence(bytes, landmark, f);
  }
}

// Searches `range` for tables with uncompressed names; every landmark is a
// candidate.
inline search_report find_uncompressed_kallsyms(const byte_range& range, const search_options& opt = {}) {
  search_report rep;
  detail::uncompressed_search s(range, opt, rep);
  std::vector<std::size_t> landmarks;
  for_each_plain_stext(range.bytes, [&](std::size_t at) { landmarks.push_back(at); });
  std::sort(landmarks.begin(), landmarks.end()); // 'T' and 't' entries, merged in order
  for (std::size_t at : landmarks) s.from_landmark(at);
  detail::rank(rep);
  return rep;
}

} // namespace mquire
