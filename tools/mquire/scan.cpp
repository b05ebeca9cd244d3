// SPDX-License-Identifier: Apache-2.0
#include "scan.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <thread>

#include <mquire/addressing/find_vmcoreinfo.hpp>
#include <mquire/kallsyms/rank.hpp>

namespace tool {
namespace {

// Draws "scanning ... %" on stderr, but only once a scan has taken long
// enough to be worth it, and clears the line at the end.
class progress_line {
public:
  explicit progress_line(bool enabled) : enabled_(enabled), start_(std::chrono::steady_clock::now()) {}
  ~progress_line() {
    if (drawn_) std::fputs("\r\033[K", stderr);
  }
  void update(std::uint64_t done, std::uint64_t total, std::size_t segment) {
    if (!enabled_) return;
    const auto now = std::chrono::steady_clock::now();
    if (now - start_ < std::chrono::milliseconds(500) || now - last_ < std::chrono::milliseconds(100)) return;
    last_ = now;
    drawn_ = true;
    std::fprintf(stderr, "\rmquire: scanning segment %zu: %3.0f%%", segment + 1,
                 total ? 100.0 * static_cast<double>(done) / static_cast<double>(total) : 100.0);
  }

private:
  bool enabled_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point start_, last_{};
};

// What the search of one region found.
struct region_search {
  segment_view view;
  std::optional<mquire::error> failure;
  std::optional<std::vector<std::size_t>> btf_headers;
  mquire::search_report report;
  std::vector<mquire::vmcoreinfo_hit> infos;
};

region_search search_region(input& in, const segment_view& v, const scan_options& opt, progress_line* bar) {
  region_search found{v, {}, {}, {}, {}};
  mquire::byte_range range{v.bytes, v.seg.vaddr, v.seg.address};
  if (opt.base) range.base_vaddr = *opt.base + v.seg.address;
  mquire::search_options so = opt.search;
  if (so.word_size_hint == 0 && in.map().word_size) so.word_size_hint = *in.map().word_size;
  const auto show = [&](std::uint64_t done, std::uint64_t total) {
    if (bar) bar->update(done, total, v.index);
  };
  so.progress = show;
  // The landmark pass streamed from the file where the input allows it,
  // else over the bytes in memory; the search itself then only touches the
  // neighbourhood of each landmark.
  auto streamed = in.stream_landmarks(v, show);
  if (!streamed) {
    found.failure = streamed.err();
    return found;
  }
  // Bytes that could not be streamed (kdump chunks) get the same one pass
  // over memory.
  landmark_positions lm = *streamed ? std::move(**streamed) : landmarks_in_memory(v.bytes);
  found.report = mquire::find_kallsyms_from(range, lm.digit_runs, so, opt.layouts);
  for (std::size_t at : lm.vmcoreinfo)
    if (auto info = mquire::vmcoreinfo_at(v.bytes, at)) found.infos.push_back({at, std::move(*info)});
  found.btf_headers = std::move(lm.btf_headers);
  return found;
}

// Adds a region's findings to the scan's, regions in the input's order.
void add_region(scan_result& out, region_search&& r) {
  const segment_view& v = r.view;
  if (r.btf_headers) out.btf_headers.push_back({v.index, v.seg.address, v.bytes.size(), std::move(*r.btf_headers)});
  ++out.segments;
  out.bytes += v.bytes.size();
  out.stats += r.report.stats;
  if (r.report.furthest > out.furthest || (r.report.furthest == out.furthest && out.furthest_detail.empty())) {
    out.furthest = r.report.furthest;
    out.furthest_detail = r.report.furthest_detail;
  }
  for (auto& hit : r.infos) {
    const std::uint64_t at = v.seg.address + hit.offset;
    const bool seen = std::any_of(out.vmcoreinfo.begin(), out.vmcoreinfo.end(),
                                  [&](const vmcoreinfo_found& f) { return f.address == at || f.info.values == hit.info.values; });
    if (!seen && out.vmcoreinfo.size() < 8) out.vmcoreinfo.push_back({at, std::move(hit.info)});
  }
  for (auto& t : r.report.tables) out.tables.push_back({std::move(t), v.seg});
}

// The regions of an input whose bytes are still arriving, searched by a
// few threads at once: each waits for its region, so a later region is
// searched as soon as the decompression has written it, beside an earlier
// one's search. The findings are merged in the input's order, as one
// thread would have.
mquire::result<bool> search_arriving(input& in, const scan_options& opt, progress_line& bar, scan_result& out) {
  std::vector<segment_view> views;
  auto listed = for_each_file_region(in, [&](const segment_view& v) {
    views.push_back(v);
    return true;
  }, &out.segments_skipped);
  if (!listed) return listed;
  std::vector<region_search> found(views.size());
  std::atomic<std::size_t> next{0};
  const auto work = [&](progress_line* shown) {
    for (std::size_t i; (i = next.fetch_add(1)) < views.size();) found[i] = search_region(in, views[i], opt, shown);
  };
  std::vector<std::thread> helpers;
  for (std::size_t k = 1; k < std::min<std::size_t>(views.size(), arriving_search_threads); ++k)
    helpers.emplace_back(work, nullptr);
  work(&bar);
  for (auto& t : helpers) t.join();
  for (auto& r : found) {
    if (r.failure) return *r.failure;
    add_region(out, std::move(r));
  }
  return true;
}

mquire::result<scan_result> scan_regions(input& in, const scan_options& opt) {
  scan_result out;
  progress_line bar(opt.progress);
  if (in.arriving()) {
    auto searched = search_arriving(in, opt, bar, out);
    if (!searched) return searched.err();
  } else {
    std::optional<mquire::error> failure;
    // Each file byte is searched once: segments that map the same bytes would
    // only find the same tables again, so overlapping ones are one region.
    auto visited = for_each_file_region(in, [&](const segment_view& v) {
      region_search r = search_region(in, v, opt, &bar);
      if (r.failure) {
        failure = std::move(r.failure);
        return false;
      }
      add_region(out, std::move(r));
      return true;
    }, &out.segments_skipped);
    if (failure) return *failure;
    if (!visited) return visited.err();
  }
  mquire::rank_across_ranges(out.tables, [](const found_table& f) -> const mquire::kallsyms_table& { return f.table; });
  return out;
}

} // namespace

mquire::result<scan_result> scan(input& in, const scan_options& opt) {
  auto out = scan_regions(in, opt);
  // An image unpacked in the background was searched as it arrived; the
  // search stands if the bytes it read are those that came, else it runs
  // again over them.
  auto arrived = in.await_arrival();
  if (!arrived) return arrived.err();
  if (*arrived) return scan_regions(in, opt);
  return out;
}

} // namespace tool
