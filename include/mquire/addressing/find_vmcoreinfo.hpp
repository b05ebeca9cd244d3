// SPDX-License-Identifier: Apache-2.0
// Finding the kernel's vmcoreinfo text in dumped memory. The kernel builds it
// at boot in its own buffer (vmcoreinfo_data), starting with "OSRELEASE=",
// one KEY=VALUE per line, NUL after the last line. Every "OSRELEASE=" that
// starts such a block and parses strictly is a candidate.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <cstring>
#include <span>
#include <string_view>
#include <vector>

#include "../kallsyms/landmarks.hpp"
#include "../kallsyms/token_table.hpp"
#include "vmcoreinfo.hpp"

namespace mquire {

struct vmcoreinfo_hit {
  std::size_t offset = 0; // in the searched bytes
  vmcoreinfo info;
};

// The kernel's buffer is one page (VMCOREINFO_BYTES); longer text is not it.
inline constexpr std::size_t max_vmcoreinfo_bytes = 4096;

// The vmcoreinfo block starting at `at` (where "OSRELEASE=" was found), if
// it is one: it starts the buffer or follows a NUL (a line in the middle of
// other text, a copy in a log, is not the kernel's buffer), ends with a NUL
// within a page, parses strictly and has PAGESIZE.
inline std::optional<vmcoreinfo> vmcoreinfo_at(std::span<const std::uint8_t> bytes, std::size_t at) {
  const auto* base = reinterpret_cast<const char*>(bytes.data());
  if (at >= bytes.size() || (at > 0 && base[at - 1] != '\0')) return std::nullopt;
  std::size_t end = at;
  while (end < bytes.size() && end - at < max_vmcoreinfo_bytes && base[end] != '\0') ++end;
  if (end == bytes.size() || base[end] != '\0') return std::nullopt;
  auto info = parse_vmcoreinfo(std::string_view(base + at, end - at));
  if (!info || !info->get("PAGESIZE")) return std::nullopt;
  return std::move(*info);
}

inline std::vector<vmcoreinfo_hit> find_vmcoreinfo(std::span<const std::uint8_t> bytes) {
  std::vector<vmcoreinfo_hit> hits;
  detail::for_each_occurrence(bytes, vmcoreinfo_landmark, [&](std::size_t at) {
    if (auto info = vmcoreinfo_at(bytes, at)) hits.push_back({at, std::move(*info)});
  });
  return hits;
}

} // namespace mquire
