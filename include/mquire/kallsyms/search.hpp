// SPDX-License-Identifier: Apache-2.0
// The one candidate-search combinator. Given a byte range and a list of
// layouts it
// 1. finds token tables by their digit-run landmark (shared by all layouts),
// 2. finds marker runs in a bounded window in front of each token table,
//    keeping those whose distance to the table fits the layout,
// 3. finds num_syms in a bounded window in front of the names those markers
//    describe and walks the N names,
// 4. hands each candidate to place -> decode -> validate (candidate.hpp).
// Layouts with plain names (no token table) start instead from the plain
// `_stext` entry, go back to num_syms and forward through the names to the
// markers, and then take the same steps. Every candidate is carried through
// every stage; only data that fail to line up drop one. The reasons they do
// are kept (rejection.hpp) so that a failure can be explained.
//
// This header holds the entry points; the steps are in detail::
// (token_search.hpp from a token table, plain_search.hpp from `_stext`,
// engine.hpp for what both share, search_caches.hpp for what readings of
// the same bytes compute once).
#pragma once

#include <algorithm>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/hana/for_each.hpp>
#include <boost/hana/tuple.hpp>
#include <boost/hana/type.hpp>

#include "../bytes.hpp"
#include "../error.hpp"
#include "engine.hpp"
#include "landmarks.hpp"
#include "layout_families.hpp"
#include "layouts.hpp"
#include "plain_names.hpp"
#include "plain_search.hpp"
#include "rank.hpp"
#include "search_options.hpp"
#include "table.hpp"
#include "token_search.hpp"
#include "token_table.hpp"

namespace mquire {

// Runtime descriptors of the layouts in a hana tuple of layout types.
template <typename LayoutTypes>
std::vector<layout_desc> describe_layouts(LayoutTypes layouts) {
  std::vector<layout_desc> descs;
  boost::hana::for_each(layouts, [&](auto t) { descs.push_back(decltype(t)::type::describe()); });
  return descs;
}

inline std::vector<layout_desc> builtin_layouts() { return describe_layouts(layouts::all); }

// Runs the layouts `descs` over `range`, starting from digit runs already
// found (offsets in `range`, increasing): for callers that stream the
// landmark pass themselves and keep only the candidates' neighbourhoods.
inline search_report find_kallsyms_from(const byte_range& range, std::span<const std::size_t> runs,
                                        const search_options& opt, const std::vector<layout_desc>& descs) {
  search_report report;
  detail::engine eng{range, byte_reader(range.bytes), opt, report, {}};
  detail::token_search tokens{{eng}};
  detail::plain_search plain_path{{eng}};
  report.stats.digit_runs = runs.size();
  if (!runs.empty()) eng.mark.reach(search_stage::digit_run, {"token table", rejection::no_token_index, {}});
  // landmarks -> token tables -> (per layout) the rest of the table
  for (const std::size_t at : runs) {
    if (at >= range.bytes.size()) continue;
    for (const detail::token_table& tt : detail::read_token_tables(eng.r, at)) {
      ++report.stats.token_tables;
      if (tokens.floor_candidate <= tt.table_offset) tokens.floor = std::max(tokens.floor, tokens.floor_candidate);
      eng.mark.reach(search_stage::token_table, {"markers", rejection::no_marker_array, {}});
      tokens.on_token_table(tt, descs);
      tokens.floor_candidate = std::max(tokens.floor_candidate, tt.index_end());
    }
  }
  // No token table anywhere: the names may be stored plain (OpenWRT), which
  // has a landmark of its own.
  std::vector<const layout_desc*> plain;
  for (const layout_desc& d : descs)
    if (d.plain_names()) plain.push_back(&d);
  if (report.stats.token_tables == 0 && !plain.empty())
    detail::for_each_plain_stext(range.bytes, [&](std::size_t at) { plain_path.on_plain_stext(at, plain); });
  report.furthest = eng.mark.stage;
  report.furthest_detail = eng.mark.detail();
  rank(report);
  return report;
}

// Runs the layouts `descs` over `range`: the landmark scan, then the search.
inline search_report find_kallsyms(const byte_range& range, const search_options& opt,
                                   const std::vector<layout_desc>& descs) {
  std::vector<std::size_t> runs;
  // The landmark pass's vector prefilter (memmem of the whole run is
  // several times slower over tens of MiB); vmcoreinfo hits are not wanted.
  scan_landmarks(
      range.bytes,
      [&](std::size_t at) {
        runs.push_back(at);
        if (opt.progress && runs.size() % 64 == 0) opt.progress(at, range.bytes.size());
      },
      [](std::size_t) {});
  return find_kallsyms_from(range, runs, opt, descs);
}

// Runs every layout in `layouts` (a hana tuple of layout types) over `range`.
template <typename LayoutTypes>
search_report find_kallsyms(const byte_range& range, const search_options& opt, LayoutTypes layouts) {
  return find_kallsyms(range, opt, describe_layouts(layouts));
}

// Runs the built-in layouts.
inline search_report find_kallsyms(const byte_range& range, const search_options& opt = {}) {
  return find_kallsyms(range, opt, builtin_layouts());
}

// Runs the built-in layouts with plain (uncompressed) names only.
inline search_report find_uncompressed_kallsyms(const byte_range& range, const search_options& opt = {}) {
  return find_kallsyms(range, opt, layouts::plain);
}

// Runs only `Layouts...` (built-in or the user's own).
template <typename... Layouts>
search_report find_kallsyms_with(const byte_range& range, const search_options& opt = {}) {
  return find_kallsyms(range, opt, boost::hana::tuple_t<Layouts...>);
}

// How far a search got, in one line: the count each stage kept, the
// furthest stage and what stopped the candidates there.
inline std::string describe_progress(const search_stats& st, search_stage furthest, std::string_view detail) {
  std::string s = std::to_string(st.digit_runs) + " token-table landmarks, " + std::to_string(st.token_tables) +
                  " token tables, " + std::to_string(st.marker_candidates) + " marker candidates, " +
                  std::to_string(st.num_syms_candidates) + " num_syms candidates, " +
                  std::to_string(st.names_decoded) + " name streams decoded";
  s += "; furthest stage: ";
  s += to_string(furthest);
  if (!detail.empty()) {
    s += " (";
    s += detail;
    s += ")";
  }
  return s;
}

// A one-line explanation of why a report holds no table.
inline std::string describe_failure(const search_report& rep) {
  return "no kallsyms table found: " + describe_progress(rep.stats, rep.furthest, rep.furthest_detail);
}

// The best table, or an error that says how far the search got.
inline result<kallsyms_table> recover_kallsyms(const byte_range& range, const search_options& opt = {}) {
  search_report rep = find_kallsyms(range, opt);
  if (rep.tables.empty()) return make_error(error_code::not_found, describe_failure(rep));
  return std::move(rep.tables.front());
}

} // namespace mquire
