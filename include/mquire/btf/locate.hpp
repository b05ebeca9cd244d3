// SPDX-License-Identifier: Apache-2.0
// Where the kernel's BTF is: between the symbols __start_BTF and __stop_BTF
// when the table lists them, or, without them, wherever a BTF header sits
// whose whole blob parses. The blob is found in the bytes of a vmlinux, an
// image or a dump alike; nothing else points at it.
#pragma once

#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "../memory/virtual_memory.hpp"
#include "../kallsyms/table.hpp"
#include "types.hpp"

namespace mquire::btf {

struct symbol_bounds {
  std::uint64_t start = 0, stop = 0; // virtual addresses from kallsyms
};

// __start_BTF and __stop_BTF from the recovered table, when both are there
// and in order.
inline std::optional<symbol_bounds> bounds_from_kallsyms(const kallsyms_table& t) {
  std::optional<std::uint64_t> start, stop;
  for (const auto& s : t.symbols) {
    if (!s.trusted()) continue;
    const auto n = t.name(s);
    if (n == "__start_BTF") start = s.address;
    else if (n == "__stop_BTF") stop = s.address;
  }
  if (!start || !stop || *stop <= *start) return std::nullopt;
  return symbol_bounds{*start, *stop};
}

struct located {
  std::size_t offset = 0; // in the searched bytes
  std::size_t size = 0;
  std::size_t types = 0;
};

namespace detail {

// The blob whose header starts at `start`, when its header is BTF's (24
// bytes, some types) and the whole blob parses; `walked` adds the bytes a
// parse had to look at.
inline std::optional<located> blob_at(std::span<const std::uint8_t> bytes, std::size_t start, std::size_t& walked) {
  if (start % 4 != 0 || start + header_size > bytes.size()) return std::nullopt; // 4-byte aligned in every kernel
  const auto rest = bytes.subspan(start);
  auto h = read_header(rest);
  if (!h || h->hdr_len != header_size || h->type_len == 0) return std::nullopt;
  walked += static_cast<std::size_t>(h->total_size());
  auto parsed = type_info::parse(rest);
  if (!parsed) return std::nullopt;
  return located{start, static_cast<std::size_t>(h->total_size()), parsed->size()};
}

inline std::size_t default_walk_budget(std::size_t bytes) { return 2 * bytes + (64u << 20); }

} // namespace detail

// The BTF blobs whose headers start at the given positions of `bytes` (in
// increasing order: a landmark pass found them), each kept only when the
// whole blob parses. Blobs do not overlap: positions inside an accepted blob
// are skipped. `max_walked` bounds the bytes walked in candidates that fail.
inline std::vector<located> find_at(std::span<const std::uint8_t> bytes, std::span<const std::size_t> starts,
                                    std::size_t max_walked = 0) {
  std::vector<located> out;
  if (max_walked == 0) max_walked = detail::default_walk_budget(bytes.size());
  std::size_t walked = 0, resume = 0;
  for (std::size_t start : starts) {
    if (walked > max_walked) break;
    if (start < resume) continue;
    if (auto blob = detail::blob_at(bytes, start, walked)) {
      out.push_back(*blob);
      resume = start + blob->size;
    }
  }
  return out;
}

// Every BTF blob in `bytes` found by its header (magic, version 1, a
// 24-byte header) and kept only when the whole blob parses. Blobs do not
// overlap, so the work is bounded by the bytes' size times a small factor:
// a candidate's walk is bounded by its sections, which lie in `bytes`, and
// the scan resumes past every blob accepted. `max_walked` bounds the bytes
// walked in candidates that fail (hostile inputs full of headers).
inline std::vector<located> find_in_bytes(std::span<const std::uint8_t> bytes, std::size_t max_walked = 0) {
  std::vector<located> out;
  if (max_walked == 0) max_walked = detail::default_walk_budget(bytes.size());
  std::size_t walked = 0;
  static constexpr std::uint8_t le[4] = {0x9f, 0xeb, 0x01, 0x00}, be[4] = {0xeb, 0x9f, 0x01, 0x00};
  std::size_t at = 0;
  while (at + header_size <= bytes.size() && walked <= max_walked) {
    const std::uint8_t* p = static_cast<const std::uint8_t*>(std::memchr(bytes.data() + at, 0x9f, bytes.size() - at));
    if (!p) break;
    std::size_t hit = static_cast<std::size_t>(p - bytes.data());
    // The magic's other byte is on either side of 0x9f.
    std::size_t start = hit;
    if (hit + 4 <= bytes.size() && std::memcmp(p, le, 4) == 0) start = hit;
    else if (hit >= 1 && hit + 3 <= bytes.size() && std::memcmp(p - 1, be, 4) == 0) start = hit - 1;
    else {
      at = hit + 1;
      continue;
    }
    at = hit + 1;
    if (auto blob = detail::blob_at(bytes, start, walked)) {
      out.push_back(*blob);
      at = start + blob->size;
    }
  }
  return out;
}

// The largest BTF a kernel carries is a few tens of MiB; bounds what a
// hostile __start_BTF / __stop_BTF pair can make us read.
inline constexpr std::uint64_t max_blob = 256ull << 20;

// The kernel's BTF between __start_BTF and __stop_BTF, read through kernel
// virtual memory, exactly as the running kernel exposes it in
// /sys/kernel/btf/vmlinux; it must parse whole.
inline result<std::vector<std::uint8_t>> read_kernel_btf(const kallsyms_table& t, const virtual_memory& vm) {
  const auto b = bounds_from_kallsyms(t);
  if (!b) return make_error(error_code::not_found, "the table has no __start_BTF / __stop_BTF pair");
  const std::uint64_t size = b->stop - b->start;
  if (size > max_blob)
    return make_error(error_code::malformed, "__start_BTF .. __stop_BTF spans " + std::to_string(size) + " bytes");
  std::vector<std::uint8_t> blob(static_cast<std::size_t>(size));
  const std::size_t got = vm.read_available(b->start, blob.data(), blob.size());
  if (got != blob.size())
    return make_error(error_code::out_of_range, "BTF at " + mquire::detail::hex(b->start) + " (" + std::to_string(size) +
                                                    " bytes): only " + std::to_string(got) + " are in the input");
  auto parsed = type_info::parse(blob);
  if (!parsed)
    return make_error(error_code::malformed, "the bytes between __start_BTF and __stop_BTF are not BTF: " +
                                                 parsed.err().message);
  return blob;
}

} // namespace mquire::btf
