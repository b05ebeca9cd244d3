// SPDX-License-Identifier: Apache-2.0
// The link address of a relocatable kernel image from the pointers it
// stores. Toolchains now pack relocations as RELR (`.relr.dyn`,
// `-z pack-relative-relocs`): its entries carry no addend, so the image
// itself holds every pointer at its link-time value. Under the right base B
// (the link address of the image's first byte) thousands of aligned words
// minus B land exactly on symbols of the table; under any other base only
// chance hits remain. Function-pointer tables make this sharper still: two
// adjacent words both landing on symbols is common under the right base and
// rare under a wrong one, so adjacent pairs are what is counted.
//
// The same count decides the word size: a 64-bit kernel stores 8-byte
// pointers, a 32-bit one 4-byte pointers, and reading the other width
// leaves few adjacent pairs that both land.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "../bytes.hpp"
#include "../detail/hex.hpp"
#include "../kallsyms/table.hpp"
#include "image_relocations.hpp"
#include "resolve.hpp"

namespace mquire {

namespace detail {

// The lowest and highest offset of the table's trusted, relocated symbols
// below `limit` (symbols beyond the range, such as bss and per-cpu areas
// past a file's end, still count up to it); nullopt when there is none.
inline std::optional<std::pair<std::uint64_t, std::uint64_t>> symbol_span(const kallsyms_table& t,
                                                                           std::uint64_t limit) {
  std::uint64_t lo = UINT64_MAX, hi = 0;
  for (const auto& s : t.symbols)
    if (s.trusted() && !is_absolute_type(s.type) && s.address < limit) {
      lo = std::min(lo, s.address);
      hi = std::max(hi, s.address);
    }
  if (lo > hi) return std::nullopt;
  return std::pair{lo, hi};
}

// Symbols may lie this far past the range (bss, per-cpu areas) and still count.
inline std::uint64_t symbol_limit(std::size_t range_size) { return 4 * std::uint64_t{range_size} + (64u << 20); }

// Symbol offsets (relative to the image's first byte) as a bitmap, for
// O(1) membership; offsets beyond `span` are not kept.
class offset_set {
public:
  offset_set(const kallsyms_table& t, std::uint64_t span) : span_(span), bits_((span + 63) / 64, 0) {
    for (const auto& s : t.symbols)
      if (s.trusted() && !is_absolute_type(s.type) && s.address < span_) {
        bits_[s.address / 64] |= std::uint64_t{1} << (s.address % 64);
        sorted_.push_back(s.address);
      }
    std::sort(sorted_.begin(), sorted_.end());
    sorted_.erase(std::unique(sorted_.begin(), sorted_.end()), sorted_.end());
  }
  bool contains(std::uint64_t off) const noexcept {
    return off < span_ && (bits_[off / 64] >> (off % 64) & 1) != 0;
  }
  const std::vector<std::uint64_t>& sorted() const noexcept { return sorted_; }

private:
  std::uint64_t span_;
  std::vector<std::uint64_t> bits_;
  std::vector<std::uint64_t> sorted_;
};

// Where the words are sampled: inside the kernel image (around the span of
// the table's symbols, so that a memory dump's other contents do not dilute
// it), in blocks of 64 words, one block in every `stride`, so that adjacent
// pairs stay adjacent while large images cost a fraction of a pass.
struct word_sample {
  std::size_t from = 0, to = 0; // bytes of the range sampled
  std::size_t block_bytes = 0, stride_bytes = 0;
  static word_sample over(const kallsyms_table& t, std::size_t range_size, unsigned width) {
    word_sample w;
    const auto span = symbol_span(t, range_size);
    if (!span) return w;
    const auto [lo, hi] = *span;
    // Without KALLSYMS_ALL the table holds text symbols only, and the data
    // that point at them (.rodata, .data) follow the text: the window
    // reaches as far again past the last symbol.
    w.from = static_cast<std::size_t>(lo) / width * width;
    w.to = static_cast<std::size_t>(std::min<std::uint64_t>(range_size, hi + (hi - lo) + (16u << 20)));
    w.block_bytes = 64 * width;
    const std::size_t blocks = (w.to - w.from) / w.block_bytes;
    w.stride_bytes = w.block_bytes * (blocks > 8192 ? blocks / 8192 : 1); // at most ~8192 blocks
    return w;
  }
};

// How many distinct symbols are pointed at from runs of three adjacent
// words that all point exactly at symbols under `base`. Distinct targets,
// because under a wrong base the hits pile up on a few symbols (zero words
// and small integers under base 0 all land on the image's first bytes);
// runs of three, because function-pointer tables (ops structures) are full
// of them under the right base, while under a base one page off a pointer
// lands on some other symbol by chance only (often on dense x86 text, but
// rarely three times in a row), and page-aligned targets not at all.
// Targets are counted once each.
inline std::size_t adjacent_hits(std::span<const std::uint8_t> image, unsigned width, byte_order order,
                                 std::uint64_t base, const offset_set& symbols, const word_sample& sample) {
  constexpr std::size_t run_length = 3;
  const byte_reader r(image);
  std::vector<std::uint64_t> targets;
  if (sample.block_bytes == 0) return 0;
  for (std::size_t b = sample.from; b + sample.block_bytes <= std::min(sample.to, image.size());
       b += sample.stride_bytes) {
    std::uint64_t run[run_length] = {};
    std::size_t in_run = 0;
    for (std::size_t at = b; at < b + sample.block_bytes; at += width) {
      const std::uint64_t off = r.uint_unchecked(at, width, order) - base;
      // Page-aligned targets do not count: arrays of pointers to
      // page-aligned objects (page tables, stacks) line up just as well
      // under a base one page off.
      if (off % 4096 == 0 || !symbols.contains(off)) {
        in_run = 0;
        continue;
      }
      // The last three targets; a run counts when their spacing is
      // irregular: pointers to evenly spaced objects (arrays of structures,
      // static-call tables) line up as well under a base one stride off.
      run[0] = run[1];
      run[1] = run[2];
      run[2] = off;
      if (++in_run < run_length) continue;
      if (run[1] - run[0] != run[2] - run[1]) targets.insert(targets.end(), run, run + run_length);
    }
  }
  std::sort(targets.begin(), targets.end());
  return static_cast<std::size_t>(std::unique(targets.begin(), targets.end()) - targets.begin());
}

// Candidate bases: for sampled words v, every page-aligned v - s over the
// table's symbol offsets s (only those in v's residue class modulo the page
// size can give an aligned base). The right base collects a vote from every
// sampled word that is a pointer to a symbol; the `keep` most voted are
// returned.
inline std::vector<std::uint64_t> voted_bases(std::span<const std::uint8_t> image, unsigned width, byte_order order,
                                              const offset_set& symbols, const word_sample& where, std::size_t keep) {
  constexpr std::uint64_t page = 4096;
  constexpr std::size_t samples = 2048, max_per_word = 2048; // at most 4M votes
  const auto& offs = symbols.sorted();
  // Symbol offsets grouped by residue modulo the page size.
  std::vector<std::uint64_t> by_residue(offs);
  std::sort(by_residue.begin(), by_residue.end(), [](std::uint64_t a, std::uint64_t b) {
    return a % page != b % page ? a % page < b % page : a < b;
  });
  std::vector<std::size_t> first(page + 1, 0);
  for (std::uint64_t s : by_residue) ++first[s % page + 1];
  for (std::size_t i = 1; i <= page; ++i) first[i] += first[i - 1];
  const byte_reader r(image);
  const std::size_t to = std::min(where.to, image.size());
  if (where.from >= to) return {};
  const std::size_t words = (to - where.from) / width;
  const std::size_t step = std::max<std::size_t>(1, words / samples);
  // Each distinct value votes once: fill patterns (0xcccc... padding,
  // poison values) repeat by the thousand and would outvote real pointers.
  std::vector<std::uint64_t> values;
  for (std::size_t w = 0; w < words; w += step) {
    const std::uint64_t v = r.uint_unchecked(where.from + w * width, width, order);
    if (v != 0) values.push_back(v);
  }
  std::sort(values.begin(), values.end());
  values.erase(std::unique(values.begin(), values.end()), values.end());
  std::vector<std::uint64_t> votes;
  for (const std::uint64_t v : values) {
    const std::size_t res = static_cast<std::size_t>(v % page);
    if (first[res + 1] - first[res] > max_per_word) continue; // uninformative (or hostile) residue
    for (std::size_t k = first[res]; k < first[res + 1]; ++k) votes.push_back(v - by_residue[k]);
  }
  std::sort(votes.begin(), votes.end());
  std::vector<std::pair<std::size_t, std::uint64_t>> counted;
  for (std::size_t i = 0; i < votes.size();) {
    std::size_t j = i;
    while (j < votes.size() && votes[j] == votes[i]) ++j;
    if (j - i >= 2) counted.emplace_back(j - i, votes[i]);
    i = j;
  }
  std::sort(counted.begin(), counted.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  std::vector<std::uint64_t> out;
  for (std::size_t i = 0; i < counted.size() && out.size() < keep; ++i) out.push_back(counted[i].second);
  return out;
}

// Where kernels of the common architectures link their first byte: extra
// candidates, scored like the voted ones and never taken on their own.
inline constexpr std::uint64_t conventional_bases[] = {
    0xffff800080000000ull, // arm64, 48-bit VA, 6.x+ (KIMAGE_VADDR above 2 GiB of modules)
    0xffff800008000000ull, // arm64, 48-bit VA, before 6.x (128 MiB of modules)
    0xffffffc080000000ull, // arm64, 39-bit VA
    0xffffffc008000000ull, // arm64, 39-bit VA, older
    0xffffc00080000000ull, // arm64, 47-bit VA (16K pages)
    0xffffffff80000000ull, // riscv64
    0x9000000000200000ull, // loongarch64
    0x0000000000100000ull, // s390x
    0xc000000000000000ull, // ppc64
    0xffffffff81000000ull, // x86_64
    0xc0008000ull,         // arm
    0xc0000000ull,         // 32-bit, 3G/1G split
};

} // namespace detail

// For a place-relative (7.0) table found in a relocatable image without a
// virtual base (addresses are offsets from the image's first byte): the
// image's link address and the kernel's word size, from the pointers the
// image stores. Answers only when one base stands well clear of the next.
inline address_method resolve_range_relative_with_pointers(const kallsyms_table& t, std::span<const std::uint8_t> image) {
  address_method m;
  m.method = "relocatable image: pointers stored in the image (RELR-style, no addends)";
  if (t.basis != address_basis::range_relative) {
    m.detail = "not a table with range-relative addresses";
    return m;
  }
  const auto span = detail::symbol_span(t, detail::symbol_limit(image.size()));
  const std::uint64_t max_off = span ? span->second : 0;
  const detail::offset_set symbols(t, max_off + 1);
  if (symbols.sorted().size() < 64 || image.size() < 4096) {
    m.detail = "too few symbols or too small an image to count pointers";
    return m;
  }
  struct base_and_width {
    std::uint64_t base;
    unsigned width;
  };
  detail::top_two<base_and_width> answer;
  std::size_t best_by_width[2] = {0, 0};
  for (unsigned width : {8u, 4u}) {
    const auto sample = detail::word_sample::over(t, image.size(), width);
    std::vector<std::uint64_t> bases = detail::voted_bases(image, width, t.order, symbols, sample, 8);
    for (std::uint64_t b : detail::conventional_bases) bases.push_back(b);
    std::sort(bases.begin(), bases.end());
    bases.erase(std::unique(bases.begin(), bases.end()), bases.end());
    for (std::uint64_t b : bases) {
      // The whole image must fit above its base in the word's range.
      if (b > UINT64_MAX - max_off || (width == 4 && b + max_off > 0xffffffffull)) continue;
      const std::size_t score = detail::adjacent_hits(image, width, t.order, b, symbols, sample);
      best_by_width[width == 8 ? 0 : 1] = std::max(best_by_width[width == 8 ? 0 : 1], score);
      answer.offer(score, {b, width});
    }
  }
  if (!answer.stands_out()) {
    m.detail = "no image base stands out (best explains " + std::to_string(answer.score) +
               " symbols through adjacent pointers, next best " + std::to_string(answer.second) + ")";
    return m;
  }
  m.range_vaddr = answer.best->base;
  m.word_size = answer.best->width;
  m.agreeing = answer.score;
  m.detail = "image base " + detail::hex(answer.best->base) + ": " + std::to_string(answer.score) +
             " distinct symbols are the targets of runs of three adjacent sampled " + std::to_string(8 * answer.best->width) +
             "-bit words that all point exactly at symbols (next best base: " + std::to_string(answer.second) +
             "; best with " + std::to_string(answer.best->width == 8 ? 32 : 64) + "-bit words: " +
             std::to_string(best_by_width[answer.best->width == 8 ? 1 : 0]) + ")";
  return m;
}

// The word size of a range-relative table whose base is known some other
// way (vmcoreinfo in a dump of a kernel with a 7.0 table): 8 when 8-byte
// words point at symbols under that base and 4-byte ones hardly do, 4 the
// other way round; nullopt when the pointers do not tell.
inline std::optional<unsigned> stored_pointer_width(const kallsyms_table& t, std::span<const std::uint8_t> range,
                                             std::uint64_t range_vaddr) {
  if (t.basis != address_basis::range_relative) return std::nullopt;
  const auto span = detail::symbol_span(t, detail::symbol_limit(range.size()));
  const std::uint64_t max_off = span ? span->second : 0;
  const detail::offset_set symbols(t, max_off + 1);
  std::size_t score[2] = {0, 0};
  for (unsigned width : {8u, 4u}) {
    if (range_vaddr > UINT64_MAX - max_off || (width == 4 && range_vaddr + max_off > 0xffffffffull)) continue;
    score[width == 8 ? 0 : 1] = detail::adjacent_hits(range, width, t.order, range_vaddr, symbols,
                                                      detail::word_sample::over(t, range.size(), width));
  }
  if (score[0] >= 16 && score[0] >= 4 * score[1]) return 8u;
  if (score[1] >= 16 && score[1] >= 4 * score[0]) return 4u;
  return std::nullopt;
}

} // namespace mquire
