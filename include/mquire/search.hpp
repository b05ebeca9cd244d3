// The one candidate-search combinator. Given a byte range and a layout it
// 1. finds token tables by their digit-run landmark (shared by all layouts),
// 2. finds marker runs in a bounded window in front of each token table,
//    keeping those whose distance to the table fits the layout,
// 3. finds num_syms in a bounded window in front of the names those markers
//    describe and walks the N names,
// 4. places the remaining sections from N and the layout's alignment,
// 5. decodes and validates the table.
// Every candidate is carried through every stage; only data that fail to
// line up drop one. Running several layouts is a fold over the layout list.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
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

#include "addresses.hpp"
#include "bytes.hpp"
#include "layouts.hpp"
#include "markers.hpp"
#include "names.hpp"
#include "salvage.hpp"
#include "table.hpp"
#include "token_table.hpp"
#include "validate.hpp"

namespace mquire {

struct search_options {
  // The largest symbol count considered; bounds every search window.
  std::uint32_t max_symbols = 1u << 22;
  // Restrict the kernel word size (4 or 8); 0 tries what each layout allows.
  unsigned word_size = 0;
  // For layouts whose data do not depend on the word size (7.0 has no
  // pointer-sized field), the word size to report: 0 decides from the range's
  // virtual address (above 4 GiB: 64-bit), else 64-bit.
  unsigned word_size_hint = 0;
  // All or nothing: a table with any damaged entry (a name that does not
  // walk, an address out of order, a broken seqs_of_names) is rejected, as
  // is one whose markers or names had to be salvaged. Off: the table is
  // decoded as far as its data allow and damaged entries are marked.
  bool strict = false;
  // Called now and then during the landmark scan with (bytes done, total).
  std::function<void(std::size_t, std::size_t)> progress{};
};

namespace detail {

// Alignment relative to the token table: every kallsyms label is aligned to
// ALGN, so positions are compared modulo ALGN with the table's own start.
// This keeps the search right even when the range starts at an odd address.
struct aligner {
  std::size_t a;
  std::size_t phase;
  constexpr std::size_t up(std::size_t x) const noexcept {
    const std::size_t d = (x % a + a - phase) % a;
    return d == 0 ? x : x + (a - d);
  }
  constexpr bool at(std::size_t x) const noexcept { return x % a == phase; }
};

// The furthest stage any candidate reached, and the distinct reasons (a
// few) why candidates stopped there.
struct progress_mark {
  search_stage stage = search_stage::nothing;
  std::vector<std::string> reasons;
  void reach(search_stage s, std::string_view layout, std::string_view what) {
    if (s < stage) return;
    if (s > stage) {
      stage = s;
      reasons.clear();
    }
    std::string r = std::string(layout) + ": " + std::string(what);
    if (reasons.size() < 4 && std::find(reasons.begin(), reasons.end(), r) == reasons.end())
      reasons.push_back(std::move(r));
  }
  std::string detail() const {
    std::string d;
    for (const auto& r : reasons) d += (d.empty() ? "" : "; ") + r;
    return d;
  }
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
  std::string_view word_source{}; // why the current word size (static storage)

  // Size of the sections in [first, last) of the layout when laid out from
  // an aligned position, including the alignment padding after each.
  static std::uint64_t run_size(const layout_desc& L, std::size_t first, std::size_t last, std::uint64_t n,
                                unsigned word, std::size_t a) {
    std::uint64_t total = 0;
    for (std::size_t i = first; i < last; ++i) {
      const std::uint64_t s = L.sections[i].size(n, word);
      total += (s + a - 1) / a * a;
    }
    return total;
  }

  static bool has_pointer_fields(const layout_desc& L) {
    for (std::size_t i = 0; i < L.count; ++i)
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

  void on_token_table(const token_table& tt, const layout_desc& L) {
    if (!has_pointer_fields(L)) {
      const auto [word, why] = implied_word_size(L);
      if (L.traits.allows(word)) on_word_size(tt, L, word, why);
      return;
    }
    for (unsigned word : {8u, 4u}) {
      if (!L.traits.allows(word) || (opt.word_size != 0 && opt.word_size != word)) continue;
      on_word_size(tt, L, word, "the layout's pointer-sized fields");
    }
  }

  void on_word_size(const token_table& tt, const layout_desc& L, unsigned word, std::string_view word_why) {
    word_source = word_why;
    const aligner al{L.traits.align(word), tt.table_offset % L.traits.align(word)};
    if (!al.at(tt.index_offset)) return; // the index label is aligned too
    const std::size_t s = tt.table_offset;
    const std::size_t i_markers = L.index_of(section_role::markers);
    const std::size_t i_tokens = L.index_of(section_role::token_table);
    const unsigned mw = L.sections[i_markers].width(word);
    const std::uint64_t nmax = opt.max_symbols;
    const std::uint64_t mid_max = run_size(L, i_markers + 1, i_tokens, nmax, word, al.a);
    const std::uint64_t window = mid_max + al.a + mw * ((nmax + 255) / 256);
    const std::size_t lo = std::max(s > window ? s - static_cast<std::size_t>(window) : 0, floor);
    report.stats.window_bytes += s - std::min(lo, s);

    for_each_marker_run(
        r, lo, s, mw, al.phase % mw, tt.order, [&](const marker_run& run) {
      if (!al.at(run.start)) return;
      const std::size_t mid_start = al.up(run.end);
      if (mid_start > s || !r.all_zero(run.end, mid_start - run.end)) return;
      const std::uint64_t gap = s - mid_start;
      const std::uint64_t n_lo = (run.count - 1) * 256 + 1;
      const std::uint64_t n_hi = std::min<std::uint64_t>(run.count * 256, nmax);
      if (n_lo > n_hi) return;
      // The sections between markers and token table must fill the gap exactly.
      if (run_size(L, i_markers + 1, i_tokens, n_lo, word, al.a) > gap ||
          run_size(L, i_markers + 1, i_tokens, n_hi, word, al.a) < gap)
        return;
      if (i_markers + 1 == i_tokens && gap != 0) return;
      ++report.stats.marker_candidates;
      mark.reach(search_stage::markers, L.name, "no symbol count in front of the names fits the markers");
      on_markers(tt, L, word, al, run, gap, n_lo, n_hi);
    }, !opt.strict);
  }

  void on_markers(const token_table& tt, const layout_desc& L, unsigned word, const aligner& al,
                  const marker_run& run, std::uint64_t gap, std::uint64_t n_lo, std::uint64_t n_hi) {
    const std::size_t i_markers = L.index_of(section_role::markers);
    const std::size_t i_tokens = L.index_of(section_role::token_table);
    const unsigned mw = L.sections[i_markers].width(word);
    const std::vector<std::uint64_t> markers = read_markers(r, run, mw, tt.order);
    if (markers.empty()) return;
    // names start + last marker + the last group's bytes lie in front of the
    // markers. A last marker that does not step from the one before is the
    // damaged one (the run tolerated it): bound by the one before instead.
    std::uint64_t last = markers.back() + min_name_entry;
    if (!opt.strict && markers.size() >= 2 && !marker_step_ok(markers[markers.size() - 2], markers.back()))
      last = markers[markers.size() - 2] + 256 * min_name_entry + min_name_entry;
    const unsigned nsw = L.at(section_role::num_syms).width(word);
    const std::size_t ns_span = (nsw + al.a - 1) / al.a * al.a; // num_syms start -> names start
    if (last > run.start) return;
    const std::size_t hi = run.start - static_cast<std::size_t>(last);
    const std::uint64_t reach = 256 * max_name_entry + al.a;
    const std::size_t lo = std::max(hi > reach ? hi - static_cast<std::size_t>(reach) : 0, floor);
    report.stats.window_bytes += hi - std::min(lo, hi);
    for (std::size_t names_start = al.up(lo); names_start <= hi; names_start += al.a) {
      if (names_start < ns_span) continue;
      const std::size_t q = names_start - ns_span;
      const std::uint64_t n = r.uint_unchecked(q, nsw, tt.order);
      if (n < n_lo || n > n_hi) continue;
      if (run_size(L, i_markers + 1, i_tokens, n, word, al.a) != gap) continue;
      if (!r.all_zero(q + nsw, ns_span - nsw)) continue;
      ++report.stats.num_syms_candidates;
      mark.reach(search_stage::num_syms, L.name, "the names do not agree with the markers");
      const names_walk w = walk_names(r, names_start, run.start, n, markers, L.traits.names);
      report.stats.window_bytes += (w.ok ? w.end : w.failed_at) - names_start;
      const auto names_end_ok = [&](std::size_t end) {
        return end <= run.start && al.up(end) == run.start && r.all_zero(end, run.start - end);
      };
      if (w.ok && names_end_ok(w.end)) {
        ++report.stats.names_decoded;
        mark.reach(search_stage::names, L.name, "the address data do not fit in the range");
        build_table(tt, L, word, al, q, names_start, run, n, nullptr);
        continue;
      }
      if (opt.strict) continue;
      // Damaged names (or markers): salvage group by group. At least half
      // of the groups must walk whole, so that random bytes never pass.
      salvaged_names salvaged = salvage_names(r, names_start, run.start, n, markers, L.traits.names, names_end_ok);
      report.stats.window_bytes += run.start - names_start;
      if (salvaged.groups == 0 || 2 * salvaged.whole_groups < salvaged.groups || salvaged.lost * 2 > n) continue;
      ++report.stats.names_decoded;
      mark.reach(search_stage::names, L.name, "the address data do not fit in the range");
      build_table(tt, L, word, al, q, names_start, run, n, &salvaged);
    }
  }

  void build_table(const token_table& tt, const layout_desc& L, unsigned word, const aligner& al,
                   std::size_t num_syms_at, std::size_t names_start, const marker_run& run, std::uint64_t n,
                   const salvaged_names* salvaged) {
    kallsyms_table t;
    t.layout = L.name;
    t.encoding = L.traits.encoding;
    t.word_size = word;
    t.word_size_source = word_source;
    t.order = tt.order;
    t.num_syms = static_cast<std::uint32_t>(n);
    // Place every section: backwards from num_syms, forwards from markers
    // and from the token index, each aligned and sized by N.
    std::vector<section_location> loc(L.count);
    const std::size_t i_ns = L.index_of(section_role::num_syms);
    const std::size_t i_mk = L.index_of(section_role::markers);
    const std::size_t i_tt = L.index_of(section_role::token_table);
    loc[i_ns] = {section_role::num_syms, num_syms_at, L.sections[i_ns].width(word), {}};
    loc[i_ns + 1] = {section_role::names, names_start, run.start - names_start, {}};
    loc[i_mk] = {section_role::markers, run.start, run.end - run.start, {}};
    loc[i_tt] = {section_role::token_table, tt.table_offset, tt.table_end - tt.table_offset, {}};
    loc[i_tt + 1] = {section_role::token_index, tt.index_offset, token_table::index_size, {}};
    std::size_t cur = num_syms_at;
    for (std::size_t i = i_ns; i-- > 0;) {
      const std::uint64_t sz = L.sections[i].size(n, word);
      const std::uint64_t span = (sz + al.a - 1) / al.a * al.a;
      if (span > cur) {
        mark.reach(search_stage::names, L.name, std::string(kernel_label(L.sections[i].role)) +
                                                    " would start before the range");
        return;
      }
      cur -= static_cast<std::size_t>(span);
      if (!r.all_zero(cur + sz, span - sz)) {
        mark.reach(search_stage::names, L.name, "padding after " + std::string(kernel_label(L.sections[i].role)) +
                                                    " is not zero");
        return;
      }
      loc[i] = {L.sections[i].role, cur, static_cast<std::size_t>(sz), {}};
    }
    // Sections after the token index may run past the end of a truncated
    // range (a dump cut short): address data and seqs_of_names are then
    // read as far as they go, and the entries beyond are marked.
    bool truncated = false;
    auto place_forward = [&](std::size_t first, std::size_t last, std::size_t from, bool may_truncate) -> bool {
      std::size_t at = from;
      for (std::size_t i = first; i < last; ++i) {
        const std::size_t start = std::min(al.up(at), r.size());
        if (!r.all_zero(at, start - at)) return false;
        const std::uint64_t sz = L.sections[i].size(n, word);
        const section_role role = L.sections[i].role;
        if (!r.fits(start, sz)) {
          const bool partial_ok = role == section_role::offsets || role == section_role::addresses ||
                                  role == section_role::seqs_of_names;
          if (!may_truncate || opt.strict || !partial_ok) {
            mark.reach(search_stage::names, L.name,
                       std::string(kernel_label(role)) + " would run past the end of the range");
            return false;
          }
          truncated = true;
          loc[i] = {role, start, r.size() - start, {}};
          at = r.size();
          continue;
        }
        loc[i] = {role, start, static_cast<std::size_t>(sz), {}};
        at = start + static_cast<std::size_t>(sz);
      }
      return true;
    };
    if (!place_forward(i_mk + 1, i_tt, run.end, false)) return;
    if (!place_forward(i_tt + 2, L.count, tt.index_end(), true)) return;
    if (range.base_vaddr)
      for (auto& l : loc) l.vaddr = *range.base_vaddr + l.offset;

    if (salvaged) {
      expand_salvaged(r, names_start, *salvaged, tt, L.traits.names, t);
    } else if (auto why = expand_names(r, names_start, n, tt, t); !why.empty()) {
      mark.reach(search_stage::names, L.name, why);
      return;
    }
    address_data a;
    a.encoding = L.traits.encoding;
    a.word_size = word;
    a.order = tt.order;
    a.range_vaddr = range.base_vaddr;
    const auto& src = L.has(section_role::addresses) ? loc[L.index_of(section_role::addresses)]
                                                     : loc[L.index_of(section_role::offsets)];
    a.offset = src.offset;
    a.available = src.size / (L.has(section_role::addresses) ? word : 4);
    if (truncated && a.available == 0) {
      mark.reach(search_stage::names, L.name, "the range ends before the address data");
      return;
    }
    if (L.has(section_role::relative_base)) {
      if (loc[L.index_of(section_role::relative_base)].size < word) {
        mark.reach(search_stage::names, L.name, "the range ends before kallsyms_relative_base");
        return;
      }
      a.relative_base = r.uint_unchecked(loc[L.index_of(section_role::relative_base)].offset, word, tt.order);
      t.relative_base = a.relative_base;
    }
    decode_addresses(r, a, t);
    t.sections = std::move(loc);
    if (auto v = validate_table(r, tt, L, t, opt.strict); !v.ok) {
      ++report.stats.tables_rejected;
      mark.reach(search_stage::addresses, L.name, v.why);
      return;
    } else {
      t.score = v.score;
      t.evidence = std::move(v.evidence);
    }
    t.banner = find_banner_before(r, t.sections.front().offset, &t.banner_offset);
    ++report.stats.tables;
    mark.reach(search_stage::table, L.name, "accepted");
    report.tables.push_back(std::move(t));
  }
};

inline bool same_table(const kallsyms_table& a, const kallsyms_table& b) {
  const auto* na = a.section(section_role::names);
  const auto* nb = b.section(section_role::names);
  if (!na || !nb || na->offset != nb->offset || a.num_syms != b.num_syms || a.word_size != b.word_size ||
      a.basis != b.basis)
    return false;
  for (std::size_t i = 0; i < a.symbols.size(); ++i)
    if (a.symbols[i].address != b.symbols[i].address) return false;
  return true;
}

// Readings of the same names (other layouts, word sizes, placements) that
// need more damaged entries than another reading of them are wrong readings,
// not damaged tables: a wrong reading of place-relative offsets as absolute
// values can be sorted but for a few hundred entries.
inline void drop_costlier_readings(search_report& rep) {
  auto same_names = [](const kallsyms_table& a, const kallsyms_table& b) {
    const auto* na = a.section(section_role::names);
    const auto* nb = b.section(section_role::names);
    return na && nb && na->offset == nb->offset && a.num_syms == b.num_syms;
  };
  std::vector<bool> costlier(rep.tables.size(), false);
  for (std::size_t i = 0; i < rep.tables.size(); ++i)
    for (const auto& o : rep.tables)
      if (same_names(o, rep.tables[i]) && o.damaged < rep.tables[i].damaged) costlier[i] = true;
  std::vector<kallsyms_table> kept;
  for (std::size_t i = 0; i < rep.tables.size(); ++i)
    if (!costlier[i]) kept.push_back(std::move(rep.tables[i]));
  rep.tables = std::move(kept);
}

// Best first; a candidate that decodes to exactly the same table as a better
// one is folded into it as an equivalent reading.
inline void rank(search_report& rep) {
  drop_costlier_readings(rep);
  std::stable_sort(rep.tables.begin(), rep.tables.end(), [](const kallsyms_table& a, const kallsyms_table& b) {
    if (a.score != b.score) return a.score > b.score;
    if (a.damaged != b.damaged) return a.damaged < b.damaged;
    return a.num_syms > b.num_syms;
  });
  std::vector<kallsyms_table> kept;
  for (auto& t : rep.tables) {
    auto same = std::find_if(kept.begin(), kept.end(), [&](const kallsyms_table& k) { return same_table(k, t); });
    if (same != kept.end()) same->equivalent_layouts.push_back(t.layout);
    else kept.push_back(std::move(t));
  }
  rep.tables = std::move(kept);
}

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
  if (!runs.empty()) eng.mark.reach(search_stage::digit_run, "token table", "no token index agrees with the tokens");
  // landmarks -> token tables -> (per layout) the rest of the table
  auto token_tables = runs | ranges::views::filter([&](std::size_t at) { return at < range.bytes.size(); }) |
                      ranges::views::transform([&](std::size_t at) { return read_token_tables(eng.r, at); }) |
                      ranges::views::join;
  for (const token_table& tt : token_tables) {
    ++report.stats.token_tables;
    if (eng.floor_candidate <= tt.table_offset) eng.floor = std::max(eng.floor, eng.floor_candidate);
    eng.mark.reach(search_stage::token_table, "markers", "no marker array fits in front of the token table");
    for (const layout_desc& d : descs) eng.on_token_table(tt, d);
    eng.floor_candidate = std::max(eng.floor_candidate, tt.index_end());
  }
  report.furthest = eng.mark.stage;
  report.furthest_detail = eng.mark.detail();
  detail::rank(report);
  return report;
}

// Runs the layouts `descs` over `range`: the landmark scan, then the search.
inline search_report find_kallsyms(const byte_range& range, const search_options& opt,
                                   const std::vector<layout_desc>& descs) {
  std::vector<std::size_t> runs;
  for_each_digit_run(range.bytes, [&](std::size_t at) {
    runs.push_back(at);
    if (opt.progress && runs.size() % 64 == 0) opt.progress(at, range.bytes.size());
  });
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

// Runs only `Layouts...` (built-in or the user's own).
template <typename... Layouts>
search_report find_kallsyms_with(const byte_range& range, const search_options& opt = {}) {
  return find_kallsyms(range, opt, boost::hana::tuple_t<Layouts...>);
}

// A one-line explanation of why a report holds no table.
inline std::string describe_failure(const search_report& rep) {
  std::string s = "no kallsyms table found: " + std::to_string(rep.stats.digit_runs) +
                  " token-table landmarks, " + std::to_string(rep.stats.token_tables) + " token tables, " +
                  std::to_string(rep.stats.marker_candidates) + " marker candidates, " +
                  std::to_string(rep.stats.num_syms_candidates) + " num_syms candidates, " +
                  std::to_string(rep.stats.names_decoded) + " name streams decoded";
  if (rep.furthest != search_stage::nothing)
    s += "; furthest stage: " + std::string(to_string(rep.furthest)) + " (" + rep.furthest_detail + ")";
  return s;
}

// The best table, or an error that says how far the search got.
inline result<kallsyms_table> recover_kallsyms(const byte_range& range, const search_options& opt = {}) {
  search_report rep = find_kallsyms(range, opt);
  if (rep.tables.empty()) return make_error(error_code::not_found, describe_failure(rep));
  return std::move(rep.tables.front());
}

} // namespace mquire
