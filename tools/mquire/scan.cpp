// SPDX-License-Identifier: Apache-2.0
#include "scan.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>

#include <mquire/addressing/find_vmcoreinfo.hpp>
#include <mquire/rank.hpp>

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

} // namespace

mquire::result<scan_result> scan(input& in, const scan_options& opt) {
  scan_result out;
  progress_line bar(opt.progress);
  std::optional<mquire::error> failure;
  // Each file byte is searched once: segments that map the same bytes would
  // only find the same tables again, so overlapping ones are one region.
  auto visited = for_each_file_region(in, [&](const segment_view& v) {
    mquire::byte_range range{v.bytes, v.seg.vaddr, v.seg.address};
    if (opt.base) range.base_vaddr = *opt.base + v.seg.address;
    mquire::search_options so = opt.search;
    if (so.word_size_hint == 0 && in.map().word_size) so.word_size_hint = *in.map().word_size;
    so.progress = [&](std::size_t done, std::size_t total) { bar.update(done, total, v.index); };
    // The landmark pass streamed from the file where the input allows it,
    // else over the bytes in memory; the search itself then only touches the
    // neighbourhood of each landmark.
    auto streamed = in.stream_landmarks(v, [&](std::uint64_t done, std::uint64_t total) { bar.update(done, total, v.index); });
    if (!streamed) {
      failure = streamed.err();
      return false;
    }
    // Bytes that could not be streamed (a decompressed image, kdump chunks)
    // get the same one pass over memory.
    landmark_positions lm = *streamed ? std::move(**streamed) : landmarks_in_memory(v.bytes);
    const mquire::search_report rep = mquire::find_kallsyms_from(range, lm.digit_runs, so, opt.layouts);
    std::vector<mquire::vmcoreinfo_hit> infos;
    for (std::size_t at : lm.vmcoreinfo)
      if (auto info = mquire::vmcoreinfo_at(v.bytes, at)) infos.push_back({at, std::move(*info)});
    if (lm.btf_headers) out.btf_headers.push_back({v.index, v.seg.address, v.bytes.size(), std::move(*lm.btf_headers)});
    ++out.segments;
    out.bytes += v.bytes.size();
    out.stats += rep.stats;
    if (rep.furthest > out.furthest || (rep.furthest == out.furthest && out.furthest_detail.empty())) {
      out.furthest = rep.furthest;
      out.furthest_detail = rep.furthest_detail;
    }
    for (auto& hit : infos) {
      const std::uint64_t at = v.seg.address + hit.offset;
      const bool seen = std::any_of(out.vmcoreinfo.begin(), out.vmcoreinfo.end(),
                                    [&](const vmcoreinfo_found& f) { return f.address == at || f.info.values == hit.info.values; });
      if (!seen && out.vmcoreinfo.size() < 8) out.vmcoreinfo.push_back({at, std::move(hit.info)});
    }
    for (auto& t : rep.tables) {
      memory_segment where = v.seg;
      out.tables.push_back({std::move(t), where});
    }
    return true;
  }, &out.segments_skipped);
  if (failure) return *failure;
  if (!visited) return visited.err();
  mquire::rank_across_ranges(out.tables, [](const found_table& f) -> const mquire::kallsyms_table& { return f.table; });
  return out;
}

} // namespace tool
