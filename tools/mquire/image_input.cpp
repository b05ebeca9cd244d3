// SPDX-License-Identifier: Apache-2.0
#include "image_input.hpp"

#include <algorithm>
#include <cstring>

#include <mquire/bytes.hpp>
#include <mquire/detail/hex.hpp>
#include <mquire/kallsyms/token_table.hpp>
#include <mquire/kallsyms/kernel_landmark.hpp>

namespace tool {
namespace {

using mquire::error_code;
using mquire::make_error;
using mquire::detail::hex;
constexpr auto le = mquire::byte_order::little;

constexpr int max_depth = 4;

bool has_at(std::span<const std::uint8_t> b, std::size_t at, const char* s, std::size_t n) {
  return b.size() >= at + n && std::memcmp(b.data() + at, s, n) == 0;
}

// Offsets where some compression's magic occurs, in file order, at most
// `cap` of them. A stream of the kernel starts at one of them.
std::vector<std::size_t> stream_starts(std::span<const std::uint8_t> b, std::size_t cap) {
  // The first byte of every magic compression_at() knows; lzma's header
  // starts with its property byte 0x5d, which is too common to try blindly,
  // so it is only taken where the whole 13-byte header is plausible.
  const auto& firsts = mquire::sources::magic::first_bytes;
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < b.size() && out.size() < cap; ++i) {
    if (std::find(std::begin(firsts), std::end(firsts), b[i]) == std::end(firsts)) continue;
    if (compression_at(b.subspan(i))) out.push_back(i);
  }
  return out;
}

std::string describe_kernel(std::span<const std::uint8_t> b) {
  if (has_at(b, 0, "\x7f" "ELF", 4)) return "vmlinux ELF";
  if (const auto name = raw_image_name(b); !name.empty()) return std::string(name);
  return "raw kernel image";
}

// Decompression attempts and bytes left for one whole unpacking, shared by
// every layer so that nested decoys cannot multiply the work.
struct attempt_budget {
  std::size_t left = max_embedded_attempts;
  decompress_budget bytes{};
};

mquire::result<decompressed> unwrap(std::span<const std::uint8_t> b, std::size_t limit, int depth, attempt_budget& budget);

// Decompressed bytes are the kernel when they hold a token table; otherwise
// they may be another wrapper (an EFI zboot holds an Image.gz, say).
mquire::result<decompressed> settle(decompressed d, std::size_t limit, int depth, attempt_budget& budget) {
  if (holds_kallsyms_landmark(d.bytes)) {
    d.how += " -> " + describe_kernel(d.bytes) + ", " + std::to_string(d.bytes.size()) + " bytes";
    return d;
  }
  auto inner = unwrap(d.bytes, limit, depth + 1, budget);
  if (!inner) {
    // Bytes without a kallsyms landmark are still the answer when nothing
    // inside them looks like another layer; the search will say what it found.
    d.how += " -> " + describe_kernel(d.bytes) + ", " + std::to_string(d.bytes.size()) + " bytes (no kallsyms landmark)";
    return d;
  }
  inner->how = d.how + " -> " + inner->how;
  return inner;
}

// Tries every embedded stream in file order; the first whose contents hold
// a token table wins. Reports what was tried when none does.
mquire::result<decompressed> search_embedded(std::span<const std::uint8_t> b, std::size_t limit, int depth,
                                             attempt_budget& budget) {
  const auto starts = stream_starts(b, budget.left);
  std::string tried;
  for (std::size_t at : starts) {
    if (budget.left == 0) break;
    --budget.left;
    const auto c = compression_at(b.subspan(at));
    auto d = decompress(*c, b.subspan(at), limit, &budget.bytes);
    if (!d) continue;
    if (!tried.empty()) tried += ", ";
    tried += std::string(to_string(*c)) + " at " + hex(at) + " (" + std::to_string(d->bytes.size()) + " bytes)";
    d->how = "embedded " + d->how + " stream at file offset " + hex(at);
    if (holds_kallsyms_landmark(d->bytes)) return settle(std::move(*d), limit, depth, budget);
    if (depth + 1 < max_depth) {
      if (auto inner = unwrap(d->bytes, limit, depth + 1, budget); inner && holds_kallsyms_landmark(inner->bytes)) {
        inner->how = d->how + " -> " + inner->how;
        return inner;
      }
    }
  }
  if (starts.empty())
    return make_error(error_code::not_found, "no compressed stream (gzip, xz, lzma, bzip2, lz4, lzo, zstd) in " +
                                                 std::to_string(b.size()) + " bytes");
  if (tried.empty())
    return make_error(error_code::not_found, std::to_string(starts.size()) +
                                                 " places look like the start of a compressed stream, none decompresses");
  return make_error(error_code::not_found, "no decompressed stream holds a kallsyms token table or uncompressed names; decompressed: " + tried);
}

mquire::result<decompressed> unwrap(std::span<const std::uint8_t> b, std::size_t limit, int depth, attempt_budget& budget) {
  if (depth >= max_depth) return make_error(error_code::unsupported, "more than 4 layers of wrapping");
  if (is_bzimage(b)) {
    auto d = unpack_bzimage(b, limit, &budget.bytes);
    if (!d) return d;
    return settle(std::move(*d), limit, depth, budget);
  }
  if (is_efi_zboot(b)) {
    auto d = unpack_efi_zboot(b, limit, &budget.bytes);
    if (!d) return d;
    return settle(std::move(*d), limit, depth, budget);
  }
  std::string whole_failure;
  if (const auto c = compression_at(b)) {
    // A whole gzip file ends with its uncompressed size (ISIZE, mod 2^32).
    const std::size_t isize = *c == compression::gzip && b.size() >= 4 ? *mquire::byte_reader(b).u32(b.size() - 4, le) : 0;
    auto d = decompress(*c, b, limit, &budget.bytes, isize);
    if (d) {
      d->how = "whole file, " + d->how;
      return settle(std::move(*d), limit, depth, budget);
    }
    whole_failure = "as a whole: " + d.err().message + "; ";
  }
  auto d = search_embedded(b, limit, depth, budget);
  if (!d && !whole_failure.empty()) return make_error(d.err().code, whole_failure + d.err().message);
  if (d && is_arm_zimage(b)) d->how = "ARM zImage, " + d->how;
  return d;
}

} // namespace

mquire::result<decompressed> unpack_bzimage(std::span<const std::uint8_t> file, std::size_t limit,
                                            decompress_budget* budget, arrival_progress* progress) {
  const mquire::byte_reader r(file);
  // Setup header (Documentation/x86/boot.rst): setup_sects at 0x1f1,
  // payload_offset/payload_length at 0x248/0x24c (boot protocol 2.08+),
  // relative to the protected-mode code that follows the setup sectors.
  const auto setup_sects = r.u8(0x1f1);
  const auto version = r.u16(0x206, le);
  const auto off = r.u32(0x248, le);
  const auto len = r.u32(0x24c, le);
  if (!setup_sects || !version || !off || !len) return make_error(error_code::out_of_range, "bzImage setup header is truncated");
  if (*version < 0x208)
    return make_error(error_code::unsupported,
                      "bzImage boot protocol " + hex(*version) + " has no payload fields (2.08 or later needed)");
  const std::size_t pm_start = (std::size_t{*setup_sects == 0 ? 4u : *setup_sects} + 1) * 512;
  const std::size_t at = pm_start + *off;
  if (!r.fits(at, *len))
    return make_error(error_code::out_of_range, "bzImage payload [" + hex(at) + ", +" + hex(*len) + ") lies outside the file");
  auto d = decompress_payload(file.subspan(at, *len), limit, budget, progress);
  if (!d) return d;
  d->how = "bzImage payload at file offset " + hex(at) + ", " + d->how;
  return d;
}

mquire::result<decompressed> unpack_efi_zboot(std::span<const std::uint8_t> file, std::size_t limit,
                                              decompress_budget* budget, arrival_progress* progress) {
  // EFI zboot (the kernel's zboot-header.S): "MZ", "zimg",
  // payload offset and size (u32 LE) at 8 and 12, the compression's name
  // as a string at 24.
  const mquire::byte_reader r(file);
  const auto off = r.u32(8, le);
  const auto len = r.u32(12, le);
  if (!off || !len) return make_error(error_code::out_of_range, "EFI zboot header is truncated");
  if (!r.fits(*off, *len))
    return make_error(error_code::out_of_range,
                      "EFI zboot payload [" + hex(*off) + ", +" + hex(*len) + ") lies outside the file");
  std::string named(r.chars(24, 16));
  named = named.substr(0, named.find('\0'));
  auto d = decompress_payload(file.subspan(*off, *len), limit, budget, progress);
  if (!d) return make_error(d.err().code, "EFI zboot payload (" + named + "): " + d.err().message);
  d->how = "EFI zboot payload at file offset " + hex(*off) + ", " + d->how;
  return d;
}

mquire::result<decompressed> unpack_kernel_image(std::span<const std::uint8_t> file, std::size_t limit,
                                                 decompress_budget* spent) {
  attempt_budget budget;
  auto d = unwrap(file, limit, 0, budget);
  if (spent) *spent = budget.bytes;
  return d;
}

mquire::result<decompressed> settle_payload(decompressed payload, decompress_budget spent, std::size_t limit) {
  attempt_budget budget;
  budget.bytes = spent;
  return settle(std::move(payload), limit, 0, budget);
}

} // namespace tool
