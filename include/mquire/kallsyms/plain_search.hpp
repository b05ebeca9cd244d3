// SPDX-License-Identifier: Apache-2.0
// The search for tables whose names are stored plain (no token table, as
// OpenWRT builds them), from the plain `_stext` entry: back to a num_syms
// from which exactly the entries before it walk to it, forward through the
// N names to markers that give every 256th entry's offset; each layout is
// then placed and screened by the engine (engine.hpp) before the names are
// expanded once for all that are left.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "engine.hpp"
#include "plain_names.hpp"

namespace mquire::detail {

struct plain_search : search_path {
  // Landmarks come in increasing order; a table has one `_stext` entry, so
  // the names of this one start after the previous landmark: the backward
  // windows never overlap, which keeps the work linear.
  static constexpr std::size_t plain_backward_window = 512u << 10;
  static constexpr std::uint64_t plain_min_symbols = 16;
  std::size_t plain_floor = 0;
  std::optional<std::size_t> previous_stext{};

  void on_plain_stext(std::size_t stext, const std::vector<const layout_desc*>& plain) {
    plain_floor = std::max(plain_floor, previous_stext ? *previous_stext + 1 : 0);
    previous_stext = stext;
    for (unsigned word : {8u, 4u}) {
      if (opt.word_size != 0 && opt.word_size != word) continue;
      for (byte_order order : {byte_order::little, byte_order::big})
        for (unsigned count_width : {4u, word}) {
          std::vector<const layout_desc*> readers; // the layouts with counts this wide
          for (const layout_desc* L : plain)
            if (L->traits.allows(word) && L->at(section_role::num_syms).width(word) == count_width)
              readers.push_back(L);
          if (!readers.empty()) plain_counts(stext, word, order, count_width, readers);
          if (count_width == word) break;
        }
    }
  }

  // Every num_syms in front of `stext` from which exactly the entries before
  // `_stext` walk to it.
  void plain_counts(std::size_t stext, unsigned word, byte_order order, unsigned count_width,
                    const std::vector<const layout_desc*>& readers) {
    const label_alignment word_aligned{word, 0};
    const std::size_t ns_span = static_cast<std::size_t>(word_aligned.span(count_width));
    const std::size_t lo = std::max(stext > plain_backward_window ? stext - plain_backward_window : 0, plain_floor);
    report.stats.window_bytes += stext - lo;
    for (std::size_t s = stext; s >= lo + ns_span; --s) {
      const std::size_t q = s - ns_span;
      const std::uint64_t n = r.uint_unchecked(q, count_width, order);
      if (n < plain_min_symbols || n > opt.max_symbols || !r.all_zero(q + count_width, ns_span - count_width))
        continue;
      if (!plain_entries_reach(r, s, stext, n)) continue;
      ++report.stats.num_syms_candidates;
      mark.reach(search_stage::num_syms, {readers.front()->name, rejection::names_disagree, {}});
      on_plain_names(q, s, n, word, order, count_width, readers);
      if (s == 0) break;
    }
  }

  // The N entries must walk, and the markers right after them (aligned like
  // the names) must give every 256th entry's offset.
  void on_plain_names(std::size_t num_syms_at, std::size_t names_at, std::uint64_t n, unsigned word,
                      byte_order order, unsigned count_width, const std::vector<const layout_desc*>& readers) {
    const auto walk = walk_plain_names(r, names_at, n);
    if (!walk) return;
    candidate c;
    c.word = word;
    c.order = order;
    c.align = {word, names_at % word};
    c.num_syms_at = num_syms_at;
    c.names_start = names_at;
    c.n = n;
    const std::size_t markers_at = c.align.up(walk->end);
    const std::size_t markers_size = count_width * walk->marks.size();
    if (!r.fits(markers_at, markers_size) || !r.all_zero(walk->end, markers_at - walk->end)) return;
    for (std::size_t k = 0; k < walk->marks.size(); ++k)
      if (r.uint_unchecked(markers_at + k * count_width, count_width, order) != walk->marks[k]) return;
    c.markers = {markers_at, markers_at + markers_size, walk->marks.size()};
    ++report.stats.marker_candidates;
    // Every layout is placed and screened first: the names are expanded
    // only when one of them is left to read them.
    std::vector<std::pair<candidate, placement>> screened;
    for (const layout_desc* L : readers) {
      c.layout = L;
      eng.for_each_word_size(*L, [&](unsigned w, std::string_view why) {
        if (w == word) c.word_source = why;
      });
      placement p;
      if (eng.placed_and_screened(c, p)) screened.emplace_back(c, std::move(p));
    }
    if (screened.empty()) return;
    ++report.stats.names_decoded;
    kallsyms_table names;
    expand_plain_names(r, names_at, n, names);
    for (auto& [reading, p] : screened) {
      mark.reach(search_stage::names, {reading.layout->name, rejection::range_ends_before_address_data, {}});
      eng.accept(reading, names, std::move(p));
    }
  }
};

} // namespace mquire::detail
