// SPDX-License-Identifier: Apache-2.0
// A file's pages in the page cache: its address_space's xarray (i_pages)
// maps page indices to folios, each a run of physically contiguous page
// frames. A folio is used only when it points back at the mapping and at
// the index it was found under; anything else (a value entry for a page
// swapped out or evicted, a folio that moved, a frame the dump does not
// hold) is a hole, reported with its reason, and never filled with
// anything but zeros the caller is told about.
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "../detail/hex.hpp"
#include "../error.hpp"
#include "../memory/page_frames.hpp"
#include "../objects/object_reader.hpp"
#include "../objects/walkers.hpp"
#include "../notes.hpp"

namespace mquire::filesystems {

// Pages [first, first + count) of the file live in frames [pfn, pfn + count).
struct cached_run {
  std::uint64_t first = 0;
  std::uint64_t count = 0;
  std::uint64_t pfn = 0;
  std::uint64_t folio = 0;
};

struct file_pages {
  std::vector<cached_run> runs;   // in index order
  std::uint64_t cached = 0;       // pages in runs
  std::uint64_t value_entries = 0; // swapped out (shmem) or evicted (shadow) pages
  mquire::notes problems;
};

// The page cache's entries of one file: xarray slots read at most.
inline constexpr std::size_t max_cache_entries = 1u << 24;
// The largest folio: a PUD's worth of 4 KiB pages (1 GiB), more than the
// page cache uses (PMD-sized folios at most, 2 MiB to 512 MiB).
inline constexpr std::uint64_t max_folio_pages = std::uint64_t{1} << 18;

// The folios of the address_space at `mapping`.
inline result<file_pages> read_file_pages(const objects::object_reader& r, const memory::page_frames& frames,
                                          std::uint64_t mapping, std::size_t limit = max_cache_entries) {
  const auto& ty = r.types();
  const auto pages_f = ty.field("address_space", "i_pages");
  if (!pages_f) return make_error(error_code::not_found, "the kernel's types have no address_space.i_pages");
  const std::string_view folio_type = ty.has_struct("folio") ? "folio" : "page";
  auto walk = objects::walk_xarray(r, mapping + pages_f->offset, limit);
  file_pages out;
  if (!walk.problem.empty()) out.problems.add("page cache: " + walk.problem);
  for (const auto& e : walk.entries) {
    if (e.value & 1) { // xa_is_value: a swap entry or a shadow of an evicted page
      out.value_entries += e.span;
      continue;
    }
    const auto pfn = frames.pfn_of(e.value);
    if (!pfn) {
      out.problems.add("page " + std::to_string(e.index) + ": " + mquire::detail::hex(e.value) +
                       " is not a struct page");
      continue;
    }
    auto folio = r.read(e.value, folio_type);
    if (!folio) {
      out.problems.add("page " + std::to_string(e.index), folio.err());
      continue;
    }
    const auto back = folio->u("mapping"), index = folio->u("index");
    if (!back || !index || *back != mapping || *index != e.index) {
      out.problems.add("page " + std::to_string(e.index) + ": the folio at " + mquire::detail::hex(e.value) +
                       " belongs to " + mquire::detail::hex(back.value_or(0)) + " page " +
                       std::to_string(index.value_or(0)) + ", not to this file");
      continue;
    }
    const std::uint64_t span = e.span == 0 ? 1 : e.span;
    if (span > max_folio_pages) {
      out.problems.add("page " + std::to_string(e.index) + ": an entry covering " + std::to_string(span) +
                       " pages, more than any folio has");
      continue;
    }
    if (!out.runs.empty() && out.runs.back().first + out.runs.back().count > e.index) {
      out.problems.add("page " + std::to_string(e.index) + ": overlaps the folio before it");
      continue;
    }
    out.runs.push_back({e.index, span, *pfn, e.value});
    out.cached += span;
  }
  return out;
}

// How many bytes of a file of `size` to write: all of them, unless the
// zeros after the last cached page would exceed `max_trailing_zeros` (a
// sparse file of terabytes, or a forged i_size); then up to the end of the
// last cached page. write_file_content bounds the zeros it writes anywhere
// else by the same amount.
inline constexpr std::uint64_t max_trailing_zeros = std::uint64_t{1} << 32;
inline std::uint64_t bytes_to_write(std::uint64_t size, const file_pages& pages, std::uint64_t page_size) {
  const std::uint64_t cached_end =
      pages.runs.empty() ? 0 : (pages.runs.back().first + pages.runs.back().count) * page_size;
  if (size <= cached_end || size - cached_end <= max_trailing_zeros) return size;
  return cached_end;
}

// A hole in what was written: bytes [offset, offset + length) are zeros.
struct content_hole {
  std::uint64_t offset = 0, length = 0;
  std::string why;
};

struct content_report {
  std::uint64_t bytes = 0; // written
  std::vector<content_hole> holes;
  bool stopped = false; // the zeros reached their bound: bytes < the size asked for
};

// Writes `size` bytes of the file through `sink`: the cached pages' bytes
// read from physical memory, zeros for everything else (each such range in
// the report, with its reason). At most `max_zeros` zeros are written: the
// work follows what the dump holds, not what a forged size or index says.
inline content_report write_file_content(const physical_reader& read, const memory::page_frames& frames,
                                         const file_pages& pages, std::uint64_t size,
                                         const std::function<void(std::span<const std::uint8_t>)>& sink,
                                         std::uint64_t max_zeros = max_trailing_zeros) {
  content_report rep;
  std::uint64_t zeros = 0;
  const std::uint64_t ps = frames.page_size();
  std::vector<std::uint8_t> buf(static_cast<std::size_t>(ps));
  // Writes up to `length` zeros for a hole, fewer when the bound on zeros
  // is reached (then the report says it stopped); returns how many.
  const auto hole = [&](std::uint64_t offset, std::uint64_t length, const std::string& why) {
    if (length > max_zeros - zeros) {
      length = max_zeros - zeros;
      rep.stopped = true;
    }
    zeros += length;
    if (length == 0) return length;
    if (!rep.holes.empty() && rep.holes.back().offset + rep.holes.back().length == offset && rep.holes.back().why == why)
      rep.holes.back().length += length;
    else rep.holes.push_back({offset, length, why});
    std::fill(buf.begin(), buf.end(), std::uint8_t{0});
    for (std::uint64_t left = length; left > 0;) {
      const std::uint64_t n = std::min<std::uint64_t>(left, ps);
      sink(std::span<const std::uint8_t>(buf.data(), static_cast<std::size_t>(n)));
      left -= n;
    }
    return length;
  };
  std::size_t run = 0;
  std::uint64_t offset = 0;
  while (offset < size && !rep.stopped) {
    const std::uint64_t index = offset / ps;
    const std::uint64_t n = std::min<std::uint64_t>(ps - offset % ps, size - offset);
    while (run < pages.runs.size() && pages.runs[run].first + pages.runs[run].count <= index) ++run;
    if (run < pages.runs.size() && pages.runs[run].first <= index) {
      const std::uint64_t pa = frames.physical_of(pages.runs[run].pfn + (index - pages.runs[run].first)) + offset % ps;
      if (read(pa, buf.data(), static_cast<std::size_t>(n))) {
        sink(std::span<const std::uint8_t>(buf.data(), static_cast<std::size_t>(n)));
        offset += n;
      } else {
        offset += hole(offset, n, "its frame (physical " + mquire::detail::hex(pa - offset % ps) + ") is not in the dump");
      }
    } else {
      // Not cached: the whole stretch up to the next cached page at once.
      const std::uint64_t next = run < pages.runs.size() && pages.runs[run].first <= size / ps
                                     ? pages.runs[run].first * ps
                                     : size;
      offset += hole(offset, std::min(next, size) - offset, "not in the page cache");
    }
  }
  rep.bytes = offset;
  return rep;
}

} // namespace mquire::filesystems
