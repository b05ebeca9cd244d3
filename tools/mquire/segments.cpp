// SPDX-License-Identifier: Apache-2.0
#include "segments.hpp"

#include <algorithm>
#include <cstring>

#include "arriving_image.hpp"
#include "image_input.hpp"
#include "kdump_input.hpp"

namespace tool {
namespace {

using namespace mquire::sources;

// An input whose bytes are all addressable at once: a mapped file, or the
// decompressed contents of a kernel image, or those contents while they
// are still arriving (see arriving_image).
mquire::result<input_map> kernel_map(std::span<const std::uint8_t> bytes, const std::string& how);

class mapped_input final : public input {
public:
  mapped_input(mapped_file f, input_map m) : file_(std::move(f)), map_(std::move(m)) {}
  mapped_input(byte_buffer owned, input_map m) : owned_(std::move(owned)), map_(std::move(m)) {}
  // `m` is the map of `arriving`'s bytes as far as their headers have come.
  mapped_input(std::unique_ptr<arriving_image> arriving, std::span<const std::uint8_t> block, input_map m)
      : arrival_(std::move(arriving)), arriving_(block), map_(std::move(m)) {}
  const input_map& map() const override { return map_; }

  bool arriving() const override { return arrival_ != nullptr; }
  mquire::result<bool> await_arrival() override {
    if (!arrival_) return false;
    auto d = arrival_->finish();
    if (!d) return d.err();
    auto m = kernel_map(d->bytes, d->how);
    if (!m) return m.err();
    // The header's map was made before the unpacking could describe it.
    input_map early = std::move(map_);
    early.description = m->description;
    const bool same = d->bytes.data() == arriving_.data() && d->bytes.size() == arriving_.size() && early == *m;
    owned_ = std::move(d->bytes);
    map_ = std::move(*m);
    arriving_ = {};
    arrival_.reset();
    by_address_.clear();
    return !same;
  }
  mquire::result<bool> for_each_segment(const std::function<bool(const segment_view&)>& f) override {
    for (std::size_t i = 0; i < map_.segments.size(); ++i) {
      const auto& s = map_.segments[i];
      if (!f(segment_view{i, s, bytes().subspan(s.file_offset, s.size)})) return false;
    }
    return true;
  }

  mquire::result<std::optional<landmark_positions>> stream_landmarks(
      const segment_view& v, const std::function<void(std::uint64_t, std::uint64_t)>& progress) override {
    if (arrival_) return landmarks_as_they_arrive(v);
    if (!owned_.empty()) return std::optional<landmark_positions>{};
    auto lm = tool::stream_landmarks(file_.fd(), v.seg.file_offset, v.seg.size, progress);
    if (!lm) return lm.err();
    lm->digit_runs = tool::confirm_token_tables(file_.fd(), v.seg.file_offset, v.seg.size, lm->digit_runs);
    return std::optional<landmark_positions>(std::move(*lm));
  }

  std::span<const std::uint8_t> whole() const override { return bytes(); }

  bool read_physical(std::uint64_t pa, std::uint8_t* out, std::size_t n) override { return read_at(pa, out, n, true); }
  bool read_address(std::uint64_t at, std::uint8_t* out, std::size_t n) override { return read_at(at, out, n, false); }

private:
  bool read_at(std::uint64_t at, std::uint8_t* out, std::size_t n, bool physical_only) const {
    // Page-table walks read 8 bytes at a time: find the segment by binary
    // search over segments sorted by address (a LiME file may hold 10^5).
    if (by_address_.size() != map_.segments.size()) {
      by_address_.resize(map_.segments.size());
      for (std::size_t i = 0; i < by_address_.size(); ++i) by_address_[i] = i;
      std::stable_sort(by_address_.begin(), by_address_.end(), [&](std::size_t a, std::size_t b) {
        return map_.segments[a].address < map_.segments[b].address;
      });
    }
    auto it = std::upper_bound(by_address_.begin(), by_address_.end(), at,
                               [&](std::uint64_t v, std::size_t i) { return v < map_.segments[i].address; });
    if (it != by_address_.begin()) {
      const auto& s = map_.segments[*std::prev(it)];
      if ((!physical_only || s.address_is_physical) && at - s.address < s.size && n <= s.size - (at - s.address)) {
        std::memcpy(out, bytes().data() + s.file_offset + (at - s.address), n);
        return true;
      }
    }
    // Overlapping segments: any that holds the whole read.
    for (const auto& s : map_.segments) {
      if ((physical_only && !s.address_is_physical) || at < s.address || at - s.address >= s.size ||
          n > s.size - (at - s.address))
        continue;
      std::memcpy(out, bytes().data() + s.file_offset + (at - s.address), n);
      return true;
    }
    // Adjacent segments (a vmlinux's PT_LOADs): the read continues in the
    // segment that starts where the previous one ends.
    std::size_t done = 0;
    for (std::size_t hops = 0; done < n && hops < 64; ++hops) {
      const std::uint64_t a = at + done;
      auto next = std::upper_bound(by_address_.begin(), by_address_.end(), a,
                                   [&](std::uint64_t v, std::size_t i) { return v < map_.segments[i].address; });
      if (next == by_address_.begin()) return false;
      const auto& seg = map_.segments[*std::prev(next)];
      if ((physical_only && !seg.address_is_physical) || a - seg.address >= seg.size) return false;
      const std::size_t take = static_cast<std::size_t>(std::min<std::uint64_t>(n - done, seg.size - (a - seg.address)));
      std::memcpy(out + done, bytes().data() + seg.file_offset + (a - seg.address), take);
      done += take;
    }
    return done == n;
  }
  // The landmark pass over an arriving segment, a chunk at a time as each
  // arrives: the same positions as one pass over the whole (each chunk
  // starts with the previous one's last bytes). Returns once the whole
  // segment is there.
  mquire::result<std::optional<landmark_positions>> landmarks_as_they_arrive(const segment_view& v) {
    landmark_positions out;
    const std::size_t start = static_cast<std::size_t>(v.seg.file_offset);
    for (std::size_t pos = 0; pos < v.bytes.size(); pos += stream_chunk_bytes) {
      const std::size_t end = std::min(v.bytes.size(), pos + stream_chunk_bytes);
      if (!arrival_->wait_for(start + end))
        return mquire::make_error(mquire::error_code::out_of_range, "the image's payload ended before file offset " +
                                                                        std::to_string(start + end));
      const std::size_t from = pos >= landmark_overlap ? pos - landmark_overlap : 0;
      add_landmarks(v.bytes.subspan(from, end - from), from, out);
    }
    if (v.bytes.empty() && !arrival_->wait_for(start))
      return mquire::make_error(mquire::error_code::out_of_range, "the image's payload ended early");
    return std::optional<landmark_positions>(std::move(out));
  }
  std::span<const std::uint8_t> bytes() const {
    if (arrival_) return arriving_;
    return owned_.empty() ? file_.bytes() : std::span<const std::uint8_t>(owned_);
  }
  std::unique_ptr<arriving_image> arrival_;
  std::span<const std::uint8_t> arriving_;
  mapped_file file_;
  byte_buffer owned_;
  input_map map_;
  mutable std::vector<std::size_t> by_address_; // segment indices by address, built on the first read
};

// The map of a kernel proper: a vmlinux ELF's program headers (link-time
// addresses), an arm64 or riscv Image (file offset 0 is _text; its base is
// inferred later from its relocations), or bytes with no addresses known.
mquire::result<input_map> kernel_map(std::span<const std::uint8_t> bytes, const std::string& how) {
  input_map m;
  if (detect_format(bytes.first(std::min<std::size_t>(bytes.size(), 4096))) == input_format::vmlinux) {
    auto elf = parse_elf(bytes);
    if (!elf) return mquire::make_error(elf.err().code, how + ": " + elf.err().message);
    m = std::move(*elf);
    m.description = how + " -> " + m.description;
  } else {
    m.segments.push_back({0, bytes.size(), 0, false, {}});
    if (!raw_image_name(bytes).empty()) {
      m.word_size = 8;
      m.order = mquire::byte_order::little;
    }
    m.description = how.empty() ? std::string(raw_image_name(bytes)) + ", " + std::to_string(bytes.size()) + " bytes" : how;
  }
  m.format = input_format::image;
  return m;
}

std::variant<std::unique_ptr<input>, failure> from_image(const std::string& path,
                                                         mquire::result<decompressed> d) {
  if (!d) return failure{unreadable, path + ": " + d.err().message};
  auto m = kernel_map(d->bytes, d->how);
  if (!m) return failure{unreadable, path + ": " + m.err().message};
  return std::unique_ptr<input>(new mapped_input(std::move(d->bytes), std::move(*m)));
}

// A bzImage or EFI zboot image whose payload is still being decompressed:
// opened once the kernel's headers have arrived, so the search can start on
// its first segment while the rest arrives. Where the payload is not
// written in place, or its headers do not make a map, it is opened the
// usual way once unpacked.
std::variant<std::unique_ptr<input>, failure> open_arriving(const std::string& path,
                                                            std::unique_ptr<arriving_image> a) {
  const auto b = a->bytes();
  a->prefault();
  const std::size_t head = std::min<std::size_t>(b.size(), 4096);
  const auto ready = [&](std::size_t end) { return a->wait_for(end); };
  if (!b.empty() && a->wait_for(head) &&
      (detect_format(b.first(head)) != input_format::vmlinux || elf_headers_ready(b, ready))) {
    if (auto m = kernel_map(b, ""))
      return std::unique_ptr<input>(new mapped_input(std::move(a), b, std::move(*m)));
  }
  return from_image(path, a->finish());
}

} // namespace

std::variant<std::unique_ptr<input>, failure> open_embedded_kernel(const input& in) {
  const auto bytes = in.whole();
  if (bytes.empty() || bytes.size() > max_embedding_file) return failure{not_found, "too large to hold a kernel image"};
  auto d = unpack_kernel_image(bytes);
  if (!d) return failure{not_found, d.err().message};
  return from_image("", std::move(d));
}

std::variant<std::unique_ptr<input>, failure> open_input(const std::string& path,
                                                         std::optional<input_format> forced) {
  auto file = mapped_file::open(path);
  if (!file) return failure{unreadable, file.err().message};
  const auto bytes = file->bytes();
  if (bytes.empty()) return failure{unreadable, path + " is empty"};
  const input_format fmt = forced ? *forced : detect_format(bytes.first(std::min<std::size_t>(bytes.size(), 4096)));
  if (fmt == input_format::kdump) {
#if MQUIRE_WITH_KDUMPFILE
    auto k = open_kdump(path);
    if (!k) return failure{unreadable, k.err().message};
    return std::move(*k);
#else
    return failure{unreadable, path + " is a kdump-compressed dump, but this mquire was built without libkdumpfile "
                                  "(configure with -DMQUIRE_WITH_KDUMPFILE=ON)"};
#endif
  }
  if (fmt == input_format::image && !raw_image_name(bytes).empty()) {
    auto m = kernel_map(bytes, "");
    return std::unique_ptr<input>(new mapped_input(std::move(*file), std::move(*m)));
  }
  // Wrapped kernels: a bzImage, EFI zboot or zImage, or a whole file that
  // is one compressed stream (Image.gz, vmlinux.xz). A raw dump whose first
  // bytes merely look like a compression header stays a raw dump.
  if (fmt == input_format::image) {
    if (auto a = arriving_image::start(*file)) return open_arriving(path, std::move(a));
    return from_image(path, unpack_kernel_image(bytes));
  }
  if (!forced && compression_at(bytes)) {
    if (auto d = unpack_kernel_image(bytes)) return from_image(path, std::move(d));
  }
  mquire::result<input_map> m = [&]() -> mquire::result<input_map> {
    switch (fmt) {
    case input_format::lime: return parse_lime(bytes);
    case input_format::elf_core:
    case input_format::vmlinux: return parse_elf(bytes);
    default: {
      input_map raw;
      raw.format = input_format::raw;
      raw.segments.push_back({0, bytes.size(), 0, true, {}});
      raw.description = "raw memory, " + std::to_string(bytes.size()) + " bytes (file offset = physical address)";
      return raw;
    }
    }
  }();
  if (!m) return failure{unreadable, path + ": " + m.err().message};
  return std::unique_ptr<input>(new mapped_input(std::move(*file), std::move(*m)));
}

mquire::result<bool> for_each_file_region(input& in, const std::function<bool(const segment_view&)>& f,
                                          std::size_t* merged) {
  const auto whole = in.whole();
  const auto& segs = in.map().segments;
  if (whole.empty()) return in.for_each_segment(f); // not one file's bytes: nothing can overlap
  // Segments in file order, swept into groups whose file ranges overlap.
  std::vector<std::size_t> order(segs.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return segs[a].file_offset < segs[b].file_offset; });
  std::vector<std::size_t> lead_of(segs.size());
  std::vector<std::uint64_t> end_of(segs.size()); // a lead's group end
  for (std::size_t k = 0; k < order.size();) {
    const std::size_t lead = order[k];
    std::uint64_t end = segs[lead].file_offset + segs[lead].size;
    std::size_t j = k;
    for (; j < order.size() && (j == k || segs[order[j]].file_offset < end); ++j) {
      lead_of[order[j]] = lead;
      end = std::max(end, segs[order[j]].file_offset + segs[order[j]].size);
    }
    end_of[lead] = end;
    k = j;
  }
  // In the map's order, each group once, as its lead's mapping over the
  // group's whole file range.
  std::vector<bool> done(segs.size(), false);
  for (std::size_t i = 0; i < segs.size(); ++i) {
    const std::size_t lead = lead_of[i];
    if (done[lead]) {
      if (merged) ++*merged;
      continue;
    }
    done[lead] = true;
    memory_segment s = segs[lead];
    if (end_of[lead] > whole.size()) continue; // the map checked this already
    s.size = end_of[lead] - s.file_offset;
    if (!f(segment_view{lead, s, whole.subspan(static_cast<std::size_t>(s.file_offset), static_cast<std::size_t>(s.size))}))
      return false;
  }
  return true;
}

} // namespace tool
