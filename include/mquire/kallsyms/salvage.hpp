// SPDX-License-Identifier: Apache-2.0
// Salvaging kallsyms_names around damage. A torn page, a flipped bit in a
// length byte or in a marker must cost only the entries whose bytes it held,
// not the table. The markers make this possible: every 256th entry's
// position is stored, so each group of 256 names can be walked on its own,
// and a group that cannot be walked whole is read forward up to the damage
// and backward from the next group's start.
//
// Only structure is checked here (entries that walk, positions that agree
// with markers); names that walk but decode wrong are caught later by the
// name order kallsyms_seqs_of_names records (validate.hpp).
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "../bytes.hpp"
#include "layouts.hpp"
#include "names.hpp"
#include "table.hpp"

namespace mquire::detail {

struct salvaged_names {
  // Per entry: its position relative to the names start, or lost_entry.
  std::vector<std::uint32_t> starts;
  std::uint64_t lost = 0;
  std::size_t groups = 0, whole_groups = 0;
  std::size_t markers_repaired = 0; // markers contradicted by the walks on both sides of them
};


// Positions of `count` entries walked from `pos`; the end, or nullopt when
// an entry does not walk. `fail_at` receives where the walk stopped.
inline std::optional<std::size_t> walk_group(const std::uint8_t* d, std::size_t pos, std::size_t limit,
                                             std::size_t count, name_length enc, std::vector<std::size_t>* at,
                                             std::size_t* fail_at = nullptr) {
  name_entry e;
  for (std::size_t i = 0; i < count; ++i) {
    if (read_name_entry(d, pos, limit, enc, e) != rejection::none) {
      if (fail_at) *fail_at = pos;
      return std::nullopt;
    }
    if (at) at->push_back(pos);
    pos = e.end();
  }
  return pos;
}

// The entries that end a group at `end`, read backwards over (from, end).
// Every position from which entries walk to `end` exactly is a possible
// entry start; following "the entry after" links, they form a tree rooted
// at `end`. The true entries after the damage are one path of it, and a
// false start (inside some entry's bytes) soon lands on a true boundary, so
// the true boundaries gather almost every position beneath them. The path
// is followed from `end` backwards while one child clearly outweighs its
// siblings (4 to 1, and at least 8 positions beneath it); near the damage
// that stops, and the entries there stay lost. Linear in the span.
inline std::vector<std::size_t> common_tail(const std::uint8_t* d, std::size_t from, std::size_t end,
                                            name_length enc) {
  std::vector<std::size_t> out;
  if (from >= end) return out;
  const std::size_t span = end - from;
  constexpr std::uint32_t none = UINT32_MAX;
  // next[i]: offset (from `from`) of the entry after the one at from+i, or
  // span when that is `end`; none when no chain to `end` passes there.
  std::vector<std::uint32_t> next(span, none);
  name_entry e;
  for (std::size_t i = span; i-- > 0;) {
    if (read_name_entry(d, from + i, end, enc, e) != rejection::none) continue;
    const std::size_t j = e.end() - from;
    if (j == span || (j < span && next[j] != none)) next[i] = static_cast<std::uint32_t>(j);
  }
  // Subtree sizes, and each node's heaviest and second heaviest child
  // (index span is the root, `end`). Children lie before their parent, so
  // one ascending pass completes every subtree before it is passed on.
  std::vector<std::uint32_t> size(span + 1, 0), best(span + 1, none), second(span + 1, 0);
  for (std::size_t i = 0; i < span; ++i) {
    if (next[i] == none) continue;
    size[i] += 1;
    const std::uint32_t q = next[i];
    size[q] += size[i];
    if (best[q] == none || size[i] > size[best[q]]) {
      if (best[q] != none) second[q] = std::max(second[q], size[best[q]]);
      best[q] = static_cast<std::uint32_t>(i);
    } else {
      second[q] = std::max(second[q], size[i]);
    }
  }
  for (std::size_t x = span; best[x] != none;) {
    const std::uint32_t c = best[x];
    if (size[c] < 8 || size[c] < 4 * second[x]) break;
    out.push_back(from + c);
    x = c;
  }
  std::reverse(out.begin(), out.end());
  return out;
}


// Walks N names group by group. `markers[k]` is where group k should start
// (relative to `start`); `is_end(pos)` says whether pos is where the names
// stream may end. Group k is whole when its 256 entries walk from its marker
// (or from where group k-1 ended, when that marker is the damaged one) to
// the next group's start; a group that is not whole keeps the entries before
// the failure (but the one right before it, which a tear may have cut) and
// the common tail in front of the next group's start.
inline salvaged_names salvage_names(const byte_reader& r, std::size_t start, std::size_t limit, std::uint64_t n,
                                    const std::vector<std::uint64_t>& markers, name_length enc,
                                    const std::function<bool(std::size_t)>& is_end) {
  salvaged_names out;
  if (limit > r.size()) limit = r.size();
  const std::size_t groups = static_cast<std::size_t>((n + 255) / 256);
  if (markers.size() != groups || start >= limit || limit - start > UINT32_MAX) return out;
  out.groups = groups;
  out.starts.assign(static_cast<std::size_t>(n), kallsyms_table::lost_entry);
  const std::uint8_t* d = r.data();
  auto marker_pos = [&](std::size_t k) -> std::optional<std::size_t> {
    if (k >= groups) return std::nullopt;
    if (markers[k] >= limit - start) return std::nullopt;
    return start + static_cast<std::size_t>(markers[k]);
  };
  auto count_of = [&](std::size_t k) { return static_cast<std::size_t>(std::min<std::uint64_t>(256, n - 256 * k)); };
  // Does group k, walked from pos, end where group k+1 starts (or where the
  // names end, for the last group)?
  auto ends_right = [&](std::size_t k, std::size_t end) {
    if (k + 1 == groups) return is_end(end);
    auto next = marker_pos(k + 1);
    return next && *next == end;
  };
  std::optional<std::size_t> prev_end; // where the previous group ended, when it was whole
  std::vector<std::size_t> at;
  for (std::size_t k = 0; k < groups; ++k) {
    const std::size_t count = count_of(k);
    std::optional<std::size_t> from[2] = {k == 0 ? std::optional<std::size_t>(start) : marker_pos(k), prev_end};
    if (from[1] && from[0] == from[1]) from[1].reset();
    bool whole = false;
    for (const auto& f : from) {
      if (!f) continue;
      at.clear();
      auto end = walk_group(d, *f, limit, count, enc, &at);
      if (!end) continue;
      bool right = ends_right(k, *end);
      if (!right && k + 1 < groups) {
        // The next marker may be the damaged one: group k+1 walked from
        // here must then end where group k+2 starts.
        auto next_end = walk_group(d, *end, limit, count_of(k + 1), enc, nullptr);
        right = next_end && ends_right(k + 1, *next_end);
        if (right) ++out.markers_repaired;
      }
      if (!right) continue;
      for (std::size_t i = 0; i < count; ++i) out.starts[256 * k + i] = static_cast<std::uint32_t>(at[i] - start);
      prev_end = *end;
      whole = true;
      break;
    }
    if (whole) {
      ++out.whole_groups;
      continue;
    }
    // Most groups broken: not a damaged table but no table; stop early so
    // that decoys cost little.
    if (2 * (k + 1 - out.whole_groups) > groups) {
      out.lost = n;
      return out;
    }
    // Damaged group: forward from its first known start up to the failure.
    std::size_t kept_front = 0, walked = 0, tail_from = 0;
    const auto first = from[1] ? from[1] : from[0];
    if (first) {
      at.clear();
      std::size_t fail_at = *first;
      auto end = walk_group(d, *first, limit, count, enc, &at, &fail_at);
      if (!end) {
        walked = at.size();
        kept_front = walked == 0 ? 0 : walked - 1;
        for (std::size_t i = 0; i < kept_front; ++i)
          out.starts[256 * k + i] = static_cast<std::uint32_t>(at[i] - start);
        tail_from = fail_at + 1;
      } else {
        tail_from = *first + 1; // walked but ended wrong: the damage is somewhere inside
      }
    }
    // Backward from the next group's start: only a marker fixes that end.
    const std::optional<std::size_t> group_end = k + 1 < groups ? marker_pos(k + 1) : std::nullopt;
    if (group_end && tail_from != 0 && tail_from < *group_end) {
      const auto tail = common_tail(d, tail_from, *group_end, enc);
      // The entry that failed is not in the tail: a longer tail is no tail.
      if (tail.size() + walked < count) {
        const std::size_t first_index = 256 * k + count - tail.size();
        for (std::size_t i = 0; i < tail.size(); ++i)
          out.starts[first_index + i] = static_cast<std::uint32_t>(tail[i] - start);
      }
    }
    prev_end.reset();
  }
  for (auto s : out.starts) out.lost += s == kallsyms_table::lost_entry ? 1 : 0;
  return out;
}

// Expands the located entries; the others stay in place as damaged entries
// (type '?', empty name) so that indices remain the kernel's.
inline void expand_salvaged(const byte_reader& r, std::size_t start, const salvaged_names& s,
                            const token_table& tokens, name_length enc, kallsyms_table& out) {
  out.symbols.clear();
  out.names.clear();
  out.damaged = 0;
  out.symbols.reserve(s.starts.size());
  out.entry_starts = s.starts;
  std::string buf;
  name_entry e;
  for (std::size_t i = 0; i < s.starts.size(); ++i) {
    const bool located = s.starts[i] != kallsyms_table::lost_entry;
    if (located && read_name_entry(r.data(), start + s.starts[i], r.size(), enc, e) == rejection::none &&
        append_expanded(r, e, tokens, buf, out) == rejection::none)
      continue;
    // Lost, or located but decoding to no valid name.
    out.entry_starts[i] = kallsyms_table::lost_entry;
    out.symbols.push_back(symbol{});
    out.mark(i, entry_damage::name_unreadable);
  }
  if (s.markers_repaired)
    out.damage_notes.add(std::to_string(s.markers_repaired) +
                         " damaged kallsyms_markers entries (the names walk across them)");
}

} // namespace mquire::detail
