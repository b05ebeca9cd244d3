// SPDX-License-Identifier: Apache-2.0
// The search's shared steps, whichever landmark a candidate came from: the
// word sizes a layout is read with, placing and screening a candidate
// before its names are decoded, decoding and validating it, and the name
// walks and salvages that layouts reading the same bytes share (through
// search_caches.hpp). The token-table path (token_search.hpp) and the
// plain-names path (plain_search.hpp) find candidates and hand them here.
#pragma once

#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

#include "../bytes.hpp"
#include "candidate.hpp"
#include "layouts.hpp"
#include "names.hpp"
#include "salvage.hpp"
#include "search_caches.hpp"
#include "search_options.hpp"
#include "table.hpp"
#include "validate.hpp"

namespace mquire::detail {

struct engine {
  const byte_range& range;
  byte_reader r;
  const search_options& opt;
  search_report& report;
  progress_mark mark;
  search_caches caches{};

  static bool has_pointer_fields(const layout_desc& L) {
    for (std::size_t i = 0; i < L.count && i < max_sections; ++i)
      if (L.sections[i].element_width == pointer_width) return true;
    return false;
  }

  // The word size of a layout without pointer-sized fields cannot be read
  // from its data: one is chosen instead of reporting the table twice, and
  // what chose it is said (later evidence, such as the pointers of an image,
  // may still settle it).
  std::pair<unsigned, std::string_view> implied_word_size(const layout_desc& L) const {
    if (opt.word_size != 0) return {opt.word_size, "given by the caller"};
    if (!L.traits.allows(8)) return {4, "the layout is 32-bit only"};
    if (!L.traits.allows(4)) return {8, "the layout is 64-bit only"};
    if (opt.word_size_hint != 0) return {opt.word_size_hint, "the input's headers"};
    if (range.base_vaddr)
      return {*range.base_vaddr + range.bytes.size() > 0xffffffffull ? 8u : 4u, "the range's virtual address"};
    return {8, word_size_assumed};
  }

  // The word sizes to read layout L with, and why each.
  template <typename F>
  void for_each_word_size(const layout_desc& L, F&& f) const {
    if (!has_pointer_fields(L)) {
      const auto [word, why] = implied_word_size(L);
      if (L.traits.allows(word)) f(word, why);
      return;
    }
    for (unsigned word : {8u, 4u})
      if (L.traits.allows(word) && (opt.word_size == 0 || opt.word_size == word))
        f(word, std::string_view("the layout's pointer-sized fields"));
  }

  // Places a candidate and asks the checks that need no names; false (the
  // reason kept) when it fails them, which saves decoding its names.
  bool placed_and_screened(const candidate& c, placement& p) {
    p = place_sections(r, c, opt.strict);
    if (p.why != rejection::none) {
      mark.reach(search_stage::names, {c.layout->name, p.why, p.section});
      return false;
    }
    const auto too_unsorted = [&](const address_data& a, std::size_t n, std::size_t limit) {
      return caches.screens.get({a, n, limit}, [&] { return unsorted_beyond(r, a, n, limit); });
    };
    if (const rejection why = screen_candidate(r, range, c, p, opt.strict, too_unsorted); why != rejection::none) {
      ++report.stats.tables_rejected;
      mark.reach(search_stage::addresses, {c.layout->name, why, {}});
      return false;
    }
    return true;
  }

  // decode -> validate of a placed, screened candidate; the names are
  // decoded into `names` by the caller (once for every layout that reads
  // them). The decoded names' text is lent to each reading (moved in and
  // back) rather than copied: most readings of the same names are turned away.
  void accept(const candidate& c, kallsyms_table& names, placement p) {
    const std::string_view layout = c.layout->name;
    std::string text = std::move(names.names);
    names.names.clear();
    decoding d = decode_table(r, range, c, std::move(p), names);
    if (d.why != rejection::none) {
      names.names = std::move(text);
      mark.reach(search_stage::names, {layout, d.why, d.section});
      return;
    }
    kallsyms_table& t = d.table;
    t.names = std::move(text);
    validation v = validate_table(r, *c.layout, t, opt.strict);
    names.names = v.ok() ? t.names : std::move(t.names);
    if (!v.ok()) {
      ++report.stats.tables_rejected;
      mark.reach(search_stage::addresses, {layout, v.why, {}});
      return;
    }
    t.score = v.score;
    t.evidence = std::move(v.evidence);
    t.banner = find_banner_before(r, t.sections.front().offset, &t.banner_offset);
    ++report.stats.tables;
    mark.reach(search_stage::table, {layout, rejection::none, {}});
    report.tables.push_back(std::move(t));
  }

  void decode_and_accept(const candidate& c, placement p) {
    decoded_names& d = caches.names.get(names_key_of(c), [&] {
      decoded_names e;
      e.why = decode_names(r, c, e.names);
      return e;
    });
    if (d.why != rejection::none) {
      mark.reach(search_stage::names, {c.layout->name, d.why, {}});
      return;
    }
    accept(c, d.names, std::move(p));
  }

  // The walk of these names, shared by the readings that agree on its key.
  names_walk walk_shared(std::size_t names_start, const candidate& c, std::uint64_t n,
                         const std::vector<std::uint64_t>& markers, unsigned marker_width) {
    return caches.walks.get(walk_key_of(names_start, c, n, marker_width), [&] {
      const names_walk w = walk_names(r, names_start, c.markers.start, n, markers, c.layout->traits.names);
      report.stats.window_bytes += (w.ok() ? w.end : w.failed_at) - names_start;
      return w;
    });
  }

  // The salvage of these names, shared likewise.
  template <typename EndOk>
  const salvaged_names& salvage_shared(std::size_t names_start, const candidate& c, std::uint64_t n,
                                       const std::vector<std::uint64_t>& markers, unsigned marker_width,
                                       EndOk&& names_end_ok) {
    return caches.salvages.get({walk_key_of(names_start, c, n, marker_width), c.align.a, c.align.phase}, [&] {
      report.stats.window_bytes += c.markers.start - names_start;
      return salvage_names(r, names_start, c.markers.start, n, markers, c.layout->traits.names, names_end_ok);
    });
  }
};

// What a search path (from a token table, from `_stext`) works through: the
// engine's shared steps, and its reader, options, report and progress under
// their short names.
struct search_path {
  engine& eng;
  const byte_reader r = eng.r; // a copy: the hot loops read through it without reloading the engine
  const search_options& opt = eng.opt;
  search_report& report = eng.report;
  progress_mark& mark = eng.mark;
};

} // namespace mquire::detail
