// SPDX-License-Identifier: Apache-2.0
// Relocatable kernel images (arm64 Image, s390, ppc64, riscv64, ...) carry
// their own relocation table (.rela.dyn) inside the image: in the file,
// kallsyms_relative_base reads 0 and the kernel fills it in at boot. Finding
// the one entry that targets the field gives the image's link-time base.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <vector>
#include <span>
#include <string>
#include <string_view>

#include "../kallsyms/addresses.hpp"
#include "../bytes.hpp"
#include "../detail/hex.hpp"
#include "../kallsyms/table.hpp"
#include "resolve.hpp"

namespace mquire {

// Where the first symbol (the one at relative_base) lies in the range, for a
// table decoded against a zero relative_base: linux_banner, found in front
// of the table, is at a known distance from it.
inline std::optional<std::uint64_t> first_symbol_offset(const kallsyms_table& t) {
  const symbol* b = detail::find_symbol(t, "linux_banner");
  if (!b || t.banner.empty() || t.basis != address_basis::zero_base || b->address > t.banner_offset)
    return std::nullopt;
  return t.banner_offset - b->address;
}

// How one architecture's relocatable kernel fixes itself up at boot: RELA
// entries {offset, info, addend} in its byte order; info holds the type
// in its low 32 bits and the symbol index above.
struct relocation_scheme {
  std::string_view arch;
  byte_order order;
  std::uint32_t relative;       // R_*_RELATIVE: the field receives base + addend
  std::uint32_t absolute64;     // R_*_64 against a symbol: receives symbol + addend
  std::uint64_t base_alignment; // the link address of the image's first byte is a multiple of this
};

inline constexpr relocation_scheme relocation_schemes[] = {
    {"aarch64", byte_order::little, 1027, 257, 0x10000},
    {"s390x", byte_order::big, 12, 22, 0x1000},
    {"ppc64le", byte_order::little, 22, 38, 0x10000},
    {"ppc64", byte_order::big, 22, 38, 0x10000},
    {"riscv64/loongarch64", byte_order::little, 3, 2, 0x1000},
    {"x86_64", byte_order::little, 8, 1, 0x1000},
};

namespace detail {

struct rela_entry {
  std::uint64_t offset, info, addend;
};

// Every 8-byte-aligned 24-byte window of `image` read as a RELA entry in the
// scheme's byte order; f(entry) picks the ones that look like relocations.
template <typename F>
void for_each_rela(const relocation_scheme& scheme, std::span<const std::uint8_t> image, F&& f) {
  const byte_reader r(image);
  for (std::size_t pos = 0; pos + 24 <= image.size(); pos += 8)
    f(rela_entry{r.uint_unchecked(pos, 8, scheme.order), r.uint_unchecked(pos + 8, 8, scheme.order),
                 r.uint_unchecked(pos + 16, 8, scheme.order)});
}

// The R_*_RELATIVE entries of `scheme` in `image`.
inline std::vector<rela_entry> relative_entries(const relocation_scheme& scheme, std::span<const std::uint8_t> image) {
  std::vector<rela_entry> out;
  for_each_rela(scheme, image, [&](const rela_entry& e) {
    if (e.info == scheme.relative) out.push_back(e);
  });
  return out;
}

// The table's symbol addresses, sorted: what a relocation value must hit.
inline std::vector<std::uint64_t> sorted_symbol_addresses(const kallsyms_table& t) {
  std::vector<std::uint64_t> out;
  out.reserve(t.symbols.size());
  for (const auto& s : t.symbols) out.push_back(s.address);
  std::sort(out.begin(), out.end());
  return out;
}

// How many relocation values, minus `base`, land exactly on a symbol;
// every `step`-th entry is counted.
inline std::size_t landing_on_symbols(const std::vector<rela_entry>& relatives, std::uint64_t base,
                                      const std::vector<std::uint64_t>& sorted_symbols, std::size_t step = 1) {
  std::size_t score = 0;
  for (std::size_t i = 0; i < relatives.size(); i += step)
    score += std::binary_search(sorted_symbols.begin(), sorted_symbols.end(), relatives[i].addend - base) ? 1 : 0;
  return score;
}

// The best-scoring candidate and the runner-up's score: an answer is taken
// only when it stands well clear of the next one.
template <typename Candidate>
struct top_two {
  std::optional<Candidate> best{};
  std::size_t score = 0, second = 0;
  void offer(std::size_t s, const Candidate& c) {
    if (s > score) {
      second = score;
      score = s;
      best = c;
    } else if (s > second) {
      second = s;
    }
  }
  bool stands_out() const { return best && score >= 16 && score >= 4 * second; }
};

struct base_candidate {
  const relocation_scheme* scheme;
  std::uint64_t image_base, relative_base;
  bool symbolic; // found through an R_*_64 against _text rather than R_*_RELATIVE
};

// Offers every way `scheme` could have relocated kallsyms_relative_base (at
// `rb_offset` in the image), scored by how many R_*_RELATIVE entries then
// point exactly at a symbol. Returns how many R_*_RELATIVE entries it saw.
inline std::size_t score_relocations(const relocation_scheme& scheme, std::span<const std::uint8_t> image,
                                     std::size_t rb_offset, const std::vector<std::uint64_t>& sorted_symbols,
                                     top_two<base_candidate>& answer) {
  constexpr std::size_t max_candidates = 4096;
  std::vector<rela_entry> relatives;
  std::vector<base_candidate> candidates;
  const auto consider = [&](std::uint64_t base, std::uint64_t rb, bool symbolic) {
    if (base % scheme.base_alignment != 0 || rb - base >= image.size() || candidates.size() >= max_candidates) return;
    for (const auto& c : candidates)
      if (c.image_base == base && c.relative_base == rb) return;
    candidates.push_back({&scheme, base, rb, symbolic});
  };
  for_each_rela(scheme, image, [&](const rela_entry& e) {
    const bool relative = e.info == scheme.relative;
    const bool symbolic =
        (e.info & 0xffffffffu) == scheme.absolute64 && (e.info >> 32) != 0 && (e.info >> 32) < (1u << 24);
    if (!relative && !symbolic) return;
    if (relative) relatives.push_back(e);
    // The entry that fills relative_base has offset = base + rb_offset.
    // RELATIVE gives the value itself; a symbolic one is `_text + addend`
    // (how kallsyms emits it), and _text is the image's first byte.
    const std::uint64_t base = e.offset - rb_offset;
    consider(base, relative ? e.addend : base + e.addend, !relative);
  });
  for (const auto& c : candidates) answer.offer(landing_on_symbols(relatives, c.relative_base, sorted_symbols), c);
  return relatives.size();
}

} // namespace detail

// `image` is a relocatable kernel's image as loaded (file offset = link
// address - the image's base), whose kallsyms_relative_base reads 0 until the
// kernel relocates itself. The relocation entry that targets the field gives
// both the image's base (its offset minus the field's place) and the value
// (its addend). Every entry that could be it is scored by how many other
// relocations then point exactly at a symbol of the table (function pointers
// in ops tables, ...): the right one explains thousands, a wrong one next to
// none. Every architecture's scheme whose byte order matches is tried.
inline address_method resolve_with_image_relocations(const kallsyms_table& t, std::span<const std::uint8_t> image) {
  address_method m;
  m.method = "relocatable image: the relocation of kallsyms_relative_base and relocations of pointers to symbols";
  const section_location* rb = t.section(section_role::relative_base);
  if (!rb || t.word_size != 8 || t.basis != address_basis::zero_base) {
    m.detail = "not a 64-bit table with an unrelocated relative_base";
    return m;
  }
  const auto symbols = detail::sorted_symbol_addresses(t); // relative to the first symbol
  detail::top_two<detail::base_candidate> answer;
  std::size_t relatives = 0;
  for (const auto& scheme : relocation_schemes)
    if (scheme.order == t.order) relatives += detail::score_relocations(scheme, image, rb->offset, symbols, answer);
  if (!answer.stands_out()) {
    m.detail = relatives == 0 ? "no R_*_RELATIVE relocations in the image"
                              : "no relocation of kallsyms_relative_base stands out (" + std::to_string(relatives) +
                                    " possible relocations, best candidate explains " + std::to_string(answer.score) + ")";
    return m;
  }
  const detail::base_candidate& best = *answer.best;
  m.method = std::string(best.scheme->arch) + " " + m.method;
  m.range_vaddr = best.image_base;
  m.relative_base = best.relative_base;
  m.agreeing = answer.score;
  m.detail = std::string(best.symbolic ? "a symbolic relocation (_text + addend)" : "an R_*_RELATIVE relocation") +
             " sets relative_base to " + detail::hex(best.relative_base) + " (image base " +
             detail::hex(best.image_base) + "); " + std::to_string(answer.score) +
             " other relocations then point exactly at symbols (next best candidate: " + std::to_string(answer.second) + ")";
  return m;
}

// For a place-relative (7.0) table in a relocatable image, decoded without
// a virtual base: symbol addresses are offsets from the image's first byte.
// Every R_*_RELATIVE entry holds a link address (base + offset in the
// image) both in its place and in its value, so the base is the aligned
// value under which the most relocation values land exactly on symbols. The
// candidates are the aligned bases that put the bulk of the relocated
// places (1st to 99th percentile) inside the image.
inline address_method resolve_range_relative_with_relocations(const kallsyms_table& t, std::span<const std::uint8_t> image) {
  address_method m;
  m.method = "relocatable image: relocations of pointers to symbols";
  if (t.basis != address_basis::range_relative || t.word_size != 8) {
    m.detail = "not a 64-bit table with range-relative addresses";
    return m;
  }
  constexpr std::size_t max_candidates = 4096, sample = 4096;
  const auto symbols = detail::sorted_symbol_addresses(t);
  struct image_base {
    const relocation_scheme* scheme;
    std::uint64_t base;
  };
  detail::top_two<image_base> answer;
  std::size_t seen = 0;
  for (const auto& scheme : relocation_schemes) {
    if (scheme.order != t.order) continue;
    const auto rel = detail::relative_entries(scheme, image);
    seen += rel.size();
    if (rel.size() < 64) continue;
    std::vector<std::uint64_t> places;
    places.reserve(rel.size());
    for (const auto& e : rel) places.push_back(e.offset);
    std::sort(places.begin(), places.end());
    const std::uint64_t p1 = places[places.size() / 100], p99 = places[places.size() - 1 - places.size() / 100];
    if (p99 - p1 >= image.size()) continue;
    const std::uint64_t a = scheme.base_alignment;
    const std::uint64_t hi = p1 / a * a, lo_raw = p99 - image.size() + 1;
    const std::uint64_t lo = (lo_raw + a - 1) / a * a;
    if (lo > hi || (hi - lo) / a >= max_candidates) continue;
    const std::size_t step = std::max<std::size_t>(1, rel.size() / sample);
    for (std::uint64_t base = lo; base <= hi; base += a) {
      answer.offer(detail::landing_on_symbols(rel, base, symbols, step), {&scheme, base});
      if (base > UINT64_MAX - a) break;
    }
  }
  if (!answer.stands_out()) {
    m.detail = seen == 0 ? "no R_*_RELATIVE relocations in the image"
                         : "no image base stands out (" + std::to_string(seen) +
                               " possible relocations, best base explains " + std::to_string(answer.score) + ")";
    return m;
  }
  m.method = std::string(answer.best->scheme->arch) + " " + m.method;
  m.range_vaddr = answer.best->base;
  m.agreeing = answer.score;
  m.detail = "image base " + detail::hex(answer.best->base) + ": " + std::to_string(answer.score) +
             " sampled relocations then point exactly at symbols (next best base: " + std::to_string(answer.second) + ")";
  return m;
}

// Gives a table decoded against a zero relative_base its link-time
// addresses, once the virtual address of the range's first byte is known and
// either the relative_base value or the first symbol's place in the range
// (from linux_banner). False when neither is known.
inline bool rebase_zero_base(kallsyms_table& t, std::uint64_t range_vaddr,
                             std::optional<std::uint64_t> relative_base = std::nullopt) {
  const auto first = first_symbol_offset(t);
  if (!relative_base && !first) return false;
  const std::uint64_t mask = detail::word_mask(t.word_size);
  const std::uint64_t base = (relative_base ? *relative_base : range_vaddr + *first) & mask;
  const bool percpu = t.encoding == address_encoding::base_relative_percpu;
  for (auto& s : t.symbols)
    if (!(percpu && detail::is_absolute_type(s.type))) s.address = (s.address + base) & mask;
  for (auto& s : t.sections) s.vaddr = (range_vaddr + s.offset) & mask;
  t.relative_base = base;
  t.basis = address_basis::virtual_address;
  return true;
}

} // namespace mquire
