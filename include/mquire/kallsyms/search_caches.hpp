// SPDX-License-Identifier: Apache-2.0
// What the search remembers between readings of the same bytes. Several
// layouts and word sizes read one table's arrays the same way: their
// address screens, name walks, salvages and decoded names are computed once
// and shared through small caches of the last few keys. Also the furthest
// stage any candidate reached, which explains a search that found nothing.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "addresses.hpp"
#include "candidate.hpp"
#include "names.hpp"
#include "rejection.hpp"
#include "salvage.hpp"
#include "table.hpp"

namespace mquire::detail {

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

// Address screens: several layouts store their addresses alike, and read
// the same array the same way.
struct screen_key {
  address_data data{};
  std::size_t n = 0, limit = 0;
  bool operator==(const screen_key&) const = default;
};

// Names decoded for a (token table, names start, N): every layout and word
// size that reads the same names shares one decoding. Salvaged names also
// depend on the markers, the length coding and the alignment their walk
// used, so those are part of their key.
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

inline names_key names_key_of(const candidate& c) {
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

// Walks of (names start, markers, N, length coding): the layouts and word
// sizes that agree on those walk the same bytes once.
struct walk_key {
  std::size_t names_start = 0, markers_start = 0, markers_count = 0;
  std::uint64_t n = 0;
  unsigned marker_width = 0;
  byte_order order = byte_order::little;
  name_length coding = name_length::uleb128;
  bool operator==(const walk_key&) const = default;
};
inline walk_key walk_key_of(std::size_t names_start, const candidate& c, std::uint64_t n, unsigned marker_width) {
  return {names_start, c.markers.start, c.markers.count, n, marker_width, c.order, c.layout->traits.names};
}

// Salvages likewise, which also depend on the alignment that decides where
// the names may end.
struct salvage_key {
  walk_key walk{};
  std::size_t align = 0, phase = 0;
  bool operator==(const salvage_key&) const = default;
};

// The caches one search keeps, each sized for the readings that share it.
struct search_caches {
  recent_results<screen_key, bool, 8> screens{};
  recent_results<names_key, decoded_names, 4> names{};
  recent_results<walk_key, names_walk, 8> walks{};
  recent_results<salvage_key, salvaged_names, 2> salvages{};
};

} // namespace mquire::detail
