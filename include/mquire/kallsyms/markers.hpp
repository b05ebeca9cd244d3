// SPDX-License-Identifier: Apache-2.0
// kallsyms_markers: the offset into kallsyms_names of every 256th name.
// The first is 0 and each next one is larger by the size of 256 encoded
// names, at least 2 bytes each (length + one token) and at most a whole
// name each. Runs of such values are found in one linear pass.
#pragma once

#include <cstdint>
#include <cstring>
#include <vector>

#include "../bytes.hpp"

namespace mquire::detail {

// Upper bound of one encoded name: two length bytes and up to 1024 tokens
// (KSYM_NAME_LEN is 512 from 6.1; the slack costs nothing).
inline constexpr std::uint64_t max_name_entry = 2 + 1024;
inline constexpr std::uint64_t min_name_entry = 2;

// `next` can follow `prev` across `groups` groups of 256 names.
constexpr bool marker_step_ok(std::uint64_t prev, std::uint64_t next, std::uint64_t groups = 1) noexcept {
  return next > prev && next - prev >= groups * 256 * min_name_entry && next - prev <= groups * 256 * max_name_entry;
}

struct marker_run {
  std::size_t start = 0; // offset of markers[0]
  std::size_t end = 0;   // one past the last marker
  std::size_t count = 0;
};

// Whether the `width` bytes at p are all zero (4 and 8 read as one word).
inline bool zero_slot(const std::uint8_t* p, unsigned width) noexcept {
  if (width == 4) {
    std::uint32_t w;
    std::memcpy(&w, p, 4);
    return w == 0;
  }
  if (width == 8) {
    std::uint64_t w;
    std::memcpy(&w, p, 8);
    return w == 0;
  }
  for (unsigned i = 0; i < width; ++i)
    if (p[i] != 0) return false;
  return true;
}

// Calls f(run) for every run of markers that lies in [lo, hi) on slots of
// `width` bytes that share `phase` (offset % width), starting with a 0 entry.
// Every prefix of a run is a run too, so each slot in a run ends one. The
// pass is linear in the window however the data repeat.
//
// With `tolerate_damage`, a run survives single damaged slots (at most one
// in sixteen): a value that does not step from the last good one is skipped
// when the value after it steps over both groups. The names walk decides
// later whether the skipped marker was really damaged.
template <typename F>
void for_each_marker_run(const byte_reader& r, std::size_t lo, std::size_t hi, unsigned width,
                         std::size_t phase, byte_order order, F&& f, bool tolerate_damage = false) {
  if (hi > r.size()) hi = r.size();
  std::size_t pos = lo + ((phase % width) + width - lo % width) % width;
  bool in_run = false, pending_bad = false;
  std::size_t run_start = 0, bad = 0;
  std::uint64_t prev = 0;
  const std::uint8_t* bytes = r.data();
  for (; pos + width <= hi; pos += width) {
    // Outside a run only a zero slot matters (it starts one); zero reads the
    // same in either byte order, so those slots are skipped word by word.
    if (!in_run) {
      while (pos + width <= hi && !zero_slot(bytes + pos, width)) pos += width;
      if (pos + width > hi) break;
    }
    const std::uint64_t v = r.uint_unchecked(pos, width, order);
    if (v == 0) {
      in_run = true;
      pending_bad = false;
      run_start = pos;
      bad = 0;
      prev = 0;
    } else if (in_run && !pending_bad && marker_step_ok(prev, v)) {
      prev = v;
    } else if (in_run && pending_bad && marker_step_ok(prev, v, 2)) {
      prev = v; // the slot before was the damaged one
      pending_bad = false;
    } else if (in_run && tolerate_damage && !pending_bad && 16 * (bad + 1) <= (pos - run_start) / width + 16) {
      pending_bad = true;
      ++bad;
    } else {
      in_run = false;
    }
    if (in_run) f(marker_run{run_start, pos + width, (pos + width - run_start) / width});
  }
}

// The runs for_each_marker_run finds, each folded into its longest (every
// shorter prefix of a run is a run too), kept when `keep(run)`: one pass
// then serves every reader of the same slots, whatever each needs.
template <typename Keep>
std::vector<marker_run> collect_marker_runs(const byte_reader& r, std::size_t lo, std::size_t hi, unsigned width,
                                            std::size_t phase, byte_order order, bool tolerate_damage, Keep&& keep) {
  std::vector<marker_run> runs;
  marker_run current{};
  bool have = false;
  for_each_marker_run(
      r, lo, hi, width, phase, order,
      [&](const marker_run& run) {
        if (have && run.start == current.start) {
          current = run;
          return;
        }
        if (have && keep(current)) runs.push_back(current);
        current = run;
        have = true;
      },
      tolerate_damage);
  if (have && keep(current)) runs.push_back(current);
  return runs;
}

// Calls f for every prefix of `run` (1, 2, ... run.count markers), in the
// order for_each_marker_run would have.
template <typename F>
void for_each_run_prefix(const marker_run& run, unsigned width, F&& f) {
  for (std::size_t k = 1; k <= run.count; ++k) f(marker_run{run.start, run.start + k * width, k});
}

inline std::vector<std::uint64_t> read_markers(const byte_reader& r, const marker_run& run, unsigned width,
                                               byte_order order) {
  std::vector<std::uint64_t> v;
  if (!r.fits(run.start, run.count * width)) return v;
  v.reserve(run.count);
  for (std::size_t i = 0; i < run.count; ++i) v.push_back(r.uint_unchecked(run.start + i * width, width, order));
  return v;
}

} // namespace mquire::detail
