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
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <boost/hana/for_each.hpp>
#include <boost/hana/tuple.hpp>
#include <boost/hana/type.hpp>
#include <range/v3/view/filter.hpp>
#include <range/v3/view/join.hpp>
#include <range/v3/view/transform.hpp>

#include "../bytes.hpp"
#include "candidate.hpp"
#include "landmarks.hpp"
#include "layouts.hpp"
#include "markers.hpp"
#include "names.hpp"
#include "plain_names.hpp"
#include "rank.hpp"
#include "rejection.hpp"
#include "salvage.hpp"
#include "search_options.hpp"
#include "table.hpp"
#include "token_table.hpp"
#include "validate.hpp"

namespace mquire {

namespace detail {

// The furthest stage any candidate reached, and the distinct reasons (a
// few) why candidates stopped there.
struct progress_mark {
  search_stage stage = search_stage::nothing;
  std::vector<rejection_note> reasons;
  void reach(search_stage s, rejection_note note) {
    if (s < stage) return;
    if (s > stage) {
      stage = s;
      reasons.clear();
    }
    if (reasons.size() < 4 && std::find(reasons.begin(), reasons.end(), note) == reasons.end())
      reasons.push_back(note);
  }
  std::string detail() const {
    std::string d;
    for (const auto& r : reasons) d += (d.empty() ? "" : "; ") + describe(r);
    return d;
  }
};

// The values computed for the last `Kept` keys, the oldest dropped first:
// what several layouts and word sizes reading the same bytes share. A
// returned reference holds until the next get().
template <typename Key, typename Value, std::size_t Kept>
class recent_results {
public:
  // The value for `key`, made by `make()` when it is not kept.
  template <typename Make>
  Value& get(const Key& key, Make&& make) {
    for (auto& [k, v] : entries_)
      if (k == key) return v;
    if (entries_.size() == Kept) entries_.erase(entries_.begin());
    entries_.emplace_back(key, make());
    return entries_.back().second;
  }

private:
  std::vector<std::pair<Key, Value>> entries_;
};

struct engine {
  const byte_range& range;
  byte_reader r;
  const search_options& opt;
  search_report& report;
  progress_mark mark;
  // Where the nearest earlier token table's index ends: no section of a
  // later table lies before it, so every backward window stops there. This
  // keeps the work linear when the input is packed with token-table decoys.
  std::size_t floor = 0;
  std::size_t floor_candidate = 0;

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

  // Address screens of the last few readings (several layouts store their
  // addresses alike, and read the same array the same way).
  struct screen_key {
    address_data data{};
    std::size_t n = 0, limit = 0;
    bool operator==(const screen_key&) const = default;
  };
  recent_results<screen_key, bool, 8> screens{};

  // Places a candidate and asks the checks that need no names; false (the
  // reason kept) when it fails them, which saves decoding its names.
  bool placed_and_screened(const candidate& c, placement& p) {
    p = place_sections(r, c, opt.strict);
    if (p.why != rejection::none) {
      mark.reach(search_stage::names, {c.layout->name, p.why, p.section});
      return false;
    }
    const auto too_unsorted = [&](const address_data& a, std::size_t n, std::size_t limit) {
      return screens.get({a, n, limit}, [&] { return unsorted_beyond(r, a, n, limit); });
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

  // Names decoded for the last few (token table, names start, N): every
  // layout and word size that reads the same names shares one decoding.
  // Salvaged names also depend on the markers, the length coding and the
  // alignment their walk used, so those are part of their key.
  struct names_key {
    std::size_t table_offset = 0, names_start = 0;
    std::uint64_t n = 0;
    bool salvaged = false;
    std::size_t markers_start = 0, markers_count = 0, align = 0;
    name_length coding = name_length::uleb128;
    bool operator==(const names_key&) const = default;
  };
  struct decoded_names {
    rejection why = rejection::none;
    kallsyms_table names{};
  };
  recent_results<names_key, decoded_names, 4> names_cache{};

  static names_key key_of(const candidate& c) {
    names_key k{c.tokens->table_offset, c.names_start, c.n};
    if (c.salvaged) {
      k.salvaged = true;
      k.markers_start = c.markers.start;
      k.markers_count = c.markers.count;
      k.align = c.align.a;
      k.coding = c.layout->traits.names;
    }
    return k;
  }

  void decode_and_accept(const candidate& c, placement p) {
    decoded_names& d = names_cache.get(key_of(c), [&] {
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

  // Walks of the last few (names start, markers, N, length coding): the
  // layouts and word sizes that agree on those walk the same bytes once.
  struct walk_key {
    std::size_t names_start = 0, markers_start = 0, markers_count = 0;
    std::uint64_t n = 0;
    unsigned marker_width = 0;
    byte_order order = byte_order::little;
    name_length coding = name_length::uleb128;
    bool operator==(const walk_key&) const = default;
  };
  static walk_key walk_key_of(std::size_t names_start, const candidate& c, std::uint64_t n, unsigned marker_width) {
    return {names_start, c.markers.start, c.markers.count, n, marker_width, c.order, c.layout->traits.names};
  }
  recent_results<walk_key, names_walk, 8> walks{};

  names_walk walk_shared(std::size_t names_start, const candidate& c, std::uint64_t n,
                         const std::vector<std::uint64_t>& markers, unsigned marker_width) {
    return walks.get(walk_key_of(names_start, c, n, marker_width), [&] {
      const names_walk w = walk_names(r, names_start, c.markers.start, n, markers, c.layout->traits.names);
      report.stats.window_bytes += (w.ok ? w.end : w.failed_at) - names_start;
      return w;
    });
  }

  // Salvages likewise, which also depend on the alignment that decides
  // where the names may end.
  struct salvage_key {
    walk_key walk{};
    std::size_t align = 0, phase = 0;
    bool operator==(const salvage_key&) const = default;
  };
  recent_results<salvage_key, salvaged_names, 2> salvages{};

  template <typename EndOk>
  const salvaged_names& salvage_shared(std::size_t names_start, const candidate& c, std::uint64_t n,
                                       const std::vector<std::uint64_t>& markers, unsigned marker_width,
                                       EndOk&& names_end_ok) {
    return salvages.get({walk_key_of(names_start, c, n, marker_width), c.align.a, c.align.phase}, [&] {
      report.stats.window_bytes += c.markers.start - names_start;
      return salvage_names(r, names_start, c.markers.start, n, markers, c.layout->traits.names, names_end_ok);
    });
  }

  // --- token-compressed names: from a token table backwards -------------

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
        for_each_word_size(L, [&](unsigned word, std::string_view why) {
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
    on_markers(with_markers, gap, n_lo, n_hi);
  }

  void on_markers(candidate c, std::uint64_t gap, std::uint64_t n_lo, std::uint64_t n_hi) {
    const layout_desc& L = *c.layout;
    const marker_run& run = c.markers;
    const label_alignment& al = c.align;
    const std::size_t i_markers = L.index_of(section_role::markers);
    const std::size_t i_tokens = L.index_of(section_role::token_table);
    const unsigned mw = L.sections[i_markers].width(c.word);
    const std::vector<std::uint64_t> markers = read_markers(r, run, mw, c.order);
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
      if (run_size(L, i_markers + 1, i_tokens, n, c.word, al) != gap) continue;
      if (!r.all_zero(q + nsw, ns_span - nsw)) continue;
      ++report.stats.num_syms_candidates;
      mark.reach(search_stage::num_syms, {L.name, rejection::names_disagree, {}});
      c.num_syms_at = q;
      c.names_start = names_start;
      c.n = n;
      c.salvaged = nullptr;
      placement p;
      if (!placed_and_screened(c, p)) continue;
      const names_walk w = walk_shared(names_start, c, n, markers, mw);
      const auto names_end_ok = [&](std::size_t end) {
        return end <= run.start && al.up(end) == run.start && r.all_zero(end, run.start - end);
      };
      if (w.ok && names_end_ok(w.end)) {
        ++report.stats.names_decoded;
        mark.reach(search_stage::names, {L.name, rejection::range_ends_before_address_data, {}});
        decode_and_accept(c, std::move(p));
        continue;
      }
      if (opt.strict) continue;
      // Damaged names (or markers): salvage group by group. At least half
      // of the groups must walk whole, so that random bytes never pass.
      const salvaged_names& salvaged = salvage_shared(names_start, c, n, markers, mw, names_end_ok);
      if (salvaged.groups == 0 || 2 * salvaged.whole_groups < salvaged.groups || salvaged.lost * 2 > n) continue;
      ++report.stats.names_decoded;
      mark.reach(search_stage::names, {L.name, rejection::range_ends_before_address_data, {}});
      c.salvaged = &salvaged;
      decode_and_accept(c, std::move(p));
    }
  }

  // --- plain names: from the `_stext` entry ------------------------------

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
      for_each_word_size(*L, [&](unsigned w, std::string_view why) {
        if (w == word) c.word_source = why;
      });
      placement p;
      if (placed_and_screened(c, p)) screened.emplace_back(c, std::move(p));
    }
    if (screened.empty()) return;
    ++report.stats.names_decoded;
    kallsyms_table names;
    expand_plain_names(r, names_at, n, names);
    for (auto& [reading, p] : screened) {
      mark.reach(search_stage::names, {reading.layout->name, rejection::range_ends_before_address_data, {}});
      accept(reading, names, std::move(p));
    }
  }
};

} // namespace detail

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
  report.stats.digit_runs = runs.size();
  if (!runs.empty()) eng.mark.reach(search_stage::digit_run, {"token table", rejection::no_token_index, {}});
  // landmarks -> token tables -> (per layout) the rest of the table
  auto token_tables = runs | ranges::views::filter([&](std::size_t at) { return at < range.bytes.size(); }) |
                      ranges::views::transform([&](std::size_t at) { return read_token_tables(eng.r, at); }) |
                      ranges::views::join;
  for (const token_table& tt : token_tables) {
    ++report.stats.token_tables;
    if (eng.floor_candidate <= tt.table_offset) eng.floor = std::max(eng.floor, eng.floor_candidate);
    eng.mark.reach(search_stage::token_table, {"markers", rejection::no_marker_array, {}});
    eng.on_token_table(tt, descs);
    eng.floor_candidate = std::max(eng.floor_candidate, tt.index_end());
  }
  // No token table anywhere: the names may be stored plain (OpenWRT), which
  // has a landmark of its own.
  std::vector<const layout_desc*> plain;
  for (const layout_desc& d : descs)
    if (d.plain_names()) plain.push_back(&d);
  if (report.stats.token_tables == 0 && !plain.empty())
    for_each_plain_stext(range.bytes, [&](std::size_t at) { eng.on_plain_stext(at, plain); });
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
