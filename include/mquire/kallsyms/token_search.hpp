// SPDX-License-Identifier: Apache-2.0
// The search from a token table backwards (token-compressed names, every
// layout but the plain ones): the marker runs in a bounded window in front
// of the table, kept when the sections between them and the table fit some
// N exactly; then num_syms in front of the names those markers describe,
// and the walk of the N names; each candidate then goes through the
// engine's shared steps (engine.hpp).
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "engine.hpp"
#include "markers.hpp"
#include "token_table.hpp"

namespace mquire::detail {

struct token_search : search_path {
  // Where the nearest earlier token table's index ends: no section of a
  // later table lies before it, so every backward window stops there. This
  // keeps the work linear when the input is packed with token-table decoys.
  std::size_t floor = 0;
  std::size_t floor_candidate = 0;

  // One reader of marker runs: a layout at one word size, and the window in
  // front of the token table its largest N could need.
  struct marker_reader {
    candidate c;
    std::size_t lo = 0;
    unsigned mw = 4;
    std::size_t i_markers = 0, i_tokens = 0;
    // Bytes of the sections between markers and token table for N symbols.
    std::uint64_t mid_size(std::uint64_t n) const {
      return run_size(*c.layout, i_markers + 1, i_tokens, n, c.word, c.align);
    }
  };
  // The largest N a run of `count` markers allows.
  std::uint64_t largest_n(std::size_t count) const { return std::min<std::uint64_t>(count * 256, opt.max_symbols); }

  std::optional<marker_reader> marker_reader_for(const token_table& tt, const layout_desc& L, unsigned word,
                                                 std::string_view word_why) const {
    marker_reader m;
    const std::size_t a = L.traits.align(word);
    candidate& c = m.c;
    c.layout = &L;
    c.word = word;
    c.word_source = word_why;
    c.order = tt.order;
    c.align = {a, tt.table_offset % a};
    c.tokens = &tt;
    if (!c.align.at(tt.index_offset)) return std::nullopt; // the index label is aligned too
    const std::size_t s = tt.table_offset;
    m.i_markers = L.index_of(section_role::markers);
    m.i_tokens = L.index_of(section_role::token_table);
    m.mw = L.sections[m.i_markers].width(word);
    const std::uint64_t nmax = opt.max_symbols;
    // The window: the largest sections between markers and token table,
    // and the markers of the largest N.
    const std::uint64_t window = m.mid_size(nmax) + a + m.mw * ((nmax + 255) / 256);
    m.lo = std::max(s > window ? s - static_cast<std::size_t>(window) : 0, floor);
    return m;
  }

  // Whether any prefix of `run` (its longest one: the others end further
  // from the table and allow a smaller N) can end where the reader's
  // sections between markers and token table start.
  bool could_read(const marker_reader& m, const marker_run& run, std::size_t s) const {
    if (run.start < m.lo || !m.c.align.at(run.start) || run.end > s) return false;
    return s - run.end <= m.mid_size(largest_n(run.count)) + m.c.align.a;
  }

  // Every layout and word size reads the marker runs in front of a token
  // table; readers of the same slots (width and phase) share one pass over
  // the largest window any of them needs, which keeps only the runs some
  // reader can use.
  void on_token_table(const token_table& tt, const std::vector<layout_desc>& descs) {
    std::vector<marker_reader> readers;
    for (const layout_desc& L : descs)
      if (!L.plain_names())
        eng.for_each_word_size(L, [&](unsigned word, std::string_view why) {
          if (auto m = marker_reader_for(tt, L, word, why)) readers.push_back(*m);
        });
    struct slot_pass {
      unsigned mw;
      std::size_t phase, lo;
      std::vector<marker_run> runs{};
    };
    std::vector<slot_pass> passes;
    const auto pass_of = [&](const marker_reader& m) -> slot_pass& {
      const std::size_t phase = m.c.align.phase % m.mw;
      for (slot_pass& p : passes)
        if (p.mw == m.mw && p.phase == phase) return p;
      return passes.emplace_back(slot_pass{m.mw, phase, m.lo});
    };
    for (const marker_reader& m : readers) {
      slot_pass& p = pass_of(m);
      p.lo = std::min(p.lo, m.lo);
    }
    const std::size_t s = tt.table_offset;
    for (slot_pass& p : passes) {
      report.stats.window_bytes += s - std::min(p.lo, s);
      std::vector<const marker_reader*> mine;
      for (const marker_reader& m : readers)
        if (&pass_of(m) == &p) mine.push_back(&m);
      // Most runs are a lone zero far from the table: the farthest any
      // reader could use a run of k markers, computed once per k (for the
      // short runs that are nearly all of them), turns them away before
      // each reader is asked.
      const auto farthest = [&](std::size_t count) {
        std::uint64_t far = 0;
        for (const marker_reader* m : mine) far = std::max(far, m->mid_size(largest_n(count)) + m->c.align.a);
        return far;
      };
      std::array<std::uint64_t, 64> reach;
      reach.fill(UINT64_MAX);
      const auto reach_of = [&](std::size_t count) {
        if (count >= reach.size()) return farthest(count);
        if (reach[count] == UINT64_MAX) reach[count] = farthest(count);
        return reach[count];
      };
      p.runs = collect_marker_runs(r, p.lo, s, p.mw, p.phase, tt.order, !opt.strict, [&](const marker_run& run) {
        if (run.end > s || s - run.end > reach_of(run.count)) return false;
        return std::any_of(mine.begin(), mine.end(), [&](const marker_reader* m) { return could_read(*m, run, s); });
      });
    }
    for (const marker_reader& m : readers)
      for (const marker_run& run : pass_of(m).runs)
        if (run.start >= m.lo)
          for_each_run_prefix(run, m.mw, [&](const marker_run& prefix) { on_marker_run(m, prefix); });
  }

  // A run of markers read by `m`: kept when the sections between it and the
  // token table fill the gap exactly for some N the run allows.
  void on_marker_run(const marker_reader& m, const marker_run& run) {
    const candidate& c = m.c;
    const layout_desc& L = *c.layout;
    const std::size_t s = c.tokens->table_offset;
    if (!c.align.at(run.start)) return;
    const std::size_t mid_start = c.align.up(run.end);
    if (mid_start > s || !r.all_zero(run.end, mid_start - run.end)) return;
    const std::uint64_t gap = s - mid_start;
    const std::uint64_t n_lo = (run.count - 1) * 256 + 1;
    const std::uint64_t n_hi = largest_n(run.count);
    if (n_lo > n_hi) return;
    // The sections between markers and token table must fill the gap exactly.
    if (m.mid_size(n_lo) > gap || m.mid_size(n_hi) < gap) return;
    if (m.i_markers + 1 == m.i_tokens && gap != 0) return;
    ++report.stats.marker_candidates;
    mark.reach(search_stage::markers, {L.name, rejection::no_symbol_count, {}});
    candidate with_markers = c;
    with_markers.markers = run;
    on_markers(m, with_markers, gap, n_lo, n_hi);
  }

  // The candidates `m` reads with the markers of `c`: every N in [n_lo,
  // n_hi] whose num_syms stands where the names must start.
  void on_markers(const marker_reader& m, candidate c, std::uint64_t gap, std::uint64_t n_lo, std::uint64_t n_hi) {
    const layout_desc& L = *c.layout;
    const marker_run& run = c.markers;
    const label_alignment& al = c.align;
    const std::vector<std::uint64_t> markers = read_markers(r, run, m.mw, c.order);
    if (markers.empty()) return;
    // names start + last marker + the last group's bytes lie in front of the
    // markers. A last marker that does not step from the one before is the
    // damaged one (the run tolerated it): bound by the one before instead.
    std::uint64_t last = markers.back() + min_name_entry;
    if (!opt.strict && markers.size() >= 2 && !marker_step_ok(markers[markers.size() - 2], markers.back()))
      last = markers[markers.size() - 2] + 256 * min_name_entry + min_name_entry;
    const unsigned nsw = L.at(section_role::num_syms).width(c.word);
    const std::size_t ns_span = static_cast<std::size_t>(al.span(nsw)); // num_syms start -> names start
    if (last > run.start) return;
    const std::size_t hi = run.start - static_cast<std::size_t>(last);
    const std::uint64_t reach = 256 * max_name_entry + al.a;
    const std::size_t lo = std::max(hi > reach ? hi - static_cast<std::size_t>(reach) : 0, floor);
    report.stats.window_bytes += hi - std::min(lo, hi);
    for (std::size_t names_start = al.up(lo); names_start <= hi; names_start += al.a) {
      if (names_start < ns_span) continue;
      const std::size_t q = names_start - ns_span;
      const std::uint64_t n = r.uint_unchecked(q, nsw, c.order);
      if (n < n_lo || n > n_hi) continue;
      if (m.mid_size(n) != gap) continue;
      if (!r.all_zero(q + nsw, ns_span - nsw)) continue;
      ++report.stats.num_syms_candidates;
      mark.reach(search_stage::num_syms, {L.name, rejection::names_disagree, {}});
      c.num_syms_at = q;
      c.names_start = names_start;
      c.n = n;
      c.salvaged = nullptr;
      placement p;
      if (!eng.placed_and_screened(c, p)) continue;
      const names_walk w = eng.walk_shared(names_start, c, n, markers, m.mw);
      const auto names_end_ok = [&](std::size_t end) {
        return end <= run.start && al.up(end) == run.start && r.all_zero(end, run.start - end);
      };
      if (w.ok() && names_end_ok(w.end)) {
        ++report.stats.names_decoded;
        mark.reach(search_stage::names, {L.name, rejection::range_ends_before_address_data, {}});
        eng.decode_and_accept(c, std::move(p));
        continue;
      }
      if (opt.strict) continue;
      // Damaged names (or markers): salvage group by group. At least half
      // of the groups must walk whole, so that random bytes never pass.
      const salvaged_names& salvaged = eng.salvage_shared(names_start, c, n, markers, m.mw, names_end_ok);
      if (salvaged.groups == 0 || 2 * salvaged.whole_groups < salvaged.groups || salvaged.lost * 2 > n) continue;
      ++report.stats.names_decoded;
      mark.reach(search_stage::names, {L.name, rejection::range_ends_before_address_data, {}});
      c.salvaged = &salvaged;
      eng.decode_and_accept(c, std::move(p));
    }
  }
};

} // namespace mquire::detail
