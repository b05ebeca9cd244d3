// SPDX-License-Identifier: Apache-2.0
// Which reading of the data wins. Within one range: wrong readings of the
// same names are dropped, the rest ordered by evidence, and readings that
// decode to the very same table folded together. Across ranges (a kernel
// mapped twice, a dump's segments): virtual addresses first, then evidence,
// and a table seen again elsewhere reported once.
#pragma once

#include <algorithm>
#include <vector>

#include "table.hpp"

namespace mquire {

inline bool same_addresses(const kallsyms_table& a, const kallsyms_table& b) {
  return a.basis == b.basis && std::equal(a.symbols.begin(), a.symbols.end(), b.symbols.begin(), b.symbols.end(),
                                          [](const symbol& x, const symbol& y) { return x.address == y.address; });
}

// The same names at the same place decoded to the same addresses.
inline bool same_table(const kallsyms_table& a, const kallsyms_table& b) {
  const auto* na = a.section(section_role::names);
  const auto* nb = b.section(section_role::names);
  return na && nb && na->offset == nb->offset && a.num_syms == b.num_syms && a.word_size == b.word_size &&
         same_addresses(a, b);
}

// The same names and addresses, wherever they were found.
inline bool same_content(const kallsyms_table& a, const kallsyms_table& b) {
  return a.num_syms == b.num_syms && a.names == b.names && same_addresses(a, b);
}

// Readings of the same names (other layouts, word sizes, placements) that
// need more damaged entries than another reading of them are wrong readings,
// not damaged tables: a wrong reading of place-relative offsets as absolute
// values can be sorted but for a few hundred entries.
inline void drop_costlier_readings(std::vector<kallsyms_table>& tables) {
  auto same_names = [](const kallsyms_table& a, const kallsyms_table& b) {
    const auto* na = a.section(section_role::names);
    const auto* nb = b.section(section_role::names);
    return na && nb && na->offset == nb->offset && a.num_syms == b.num_syms;
  };
  std::vector<bool> costlier(tables.size(), false);
  for (std::size_t i = 0; i < tables.size(); ++i)
    for (const auto& o : tables)
      if (same_names(o, tables[i]) && o.damaged < tables[i].damaged) costlier[i] = true;
  std::vector<kallsyms_table> kept;
  for (std::size_t i = 0; i < tables.size(); ++i)
    if (!costlier[i]) kept.push_back(std::move(tables[i]));
  tables = std::move(kept);
}

// Best first within one range; a candidate that decodes to exactly the same
// table as a better one is folded into it as an equivalent reading.
inline void rank(search_report& rep) {
  drop_costlier_readings(rep.tables);
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

// Best first across ranges, each range's tables already ranked: `table(x)`
// gives the kallsyms_table of an element (the caller keeps where it was
// found beside it). A table found again in another range is dropped.
template <typename Found, typename TableOf>
void rank_across_ranges(std::vector<Found>& found, TableOf table) {
  std::stable_sort(found.begin(), found.end(), [&](const Found& a, const Found& b) {
    const kallsyms_table& ta = table(a);
    const kallsyms_table& tb = table(b);
    const bool va = ta.basis == address_basis::virtual_address;
    const bool vb = tb.basis == address_basis::virtual_address;
    if (va != vb) return va;
    if (ta.score != tb.score) return ta.score > tb.score;
    return ta.num_syms > tb.num_syms;
  });
  std::vector<Found> kept;
  for (auto& f : found) {
    const bool dup =
        std::any_of(kept.begin(), kept.end(), [&](const Found& k) { return same_content(table(k), table(f)); });
    if (!dup) kept.push_back(std::move(f));
  }
  found = std::move(kept);
}

} // namespace mquire
