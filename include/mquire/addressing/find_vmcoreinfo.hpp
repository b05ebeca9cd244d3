// Finding the kernel's vmcoreinfo text in dumped memory. The kernel builds it
// at boot in its own buffer (vmcoreinfo_data), starting with "OSRELEASE=",
// one KEY=VALUE per line, NUL after the last line. Every "OSRELEASE=" that
// starts such a block and parses strictly is a candidate.
#pragma once

#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>
#include <vector>

#include "vmcoreinfo.hpp"

namespace mquire {

struct vmcoreinfo_hit {
  std::size_t offset = 0; // in the searched bytes
  vmcoreinfo info;
};

// The kernel's buffer is one page (VMCOREINFO_BYTES); longer text is not it.
inline constexpr std::size_t max_vmcoreinfo_bytes = 4096;

inline std::vector<vmcoreinfo_hit> find_vmcoreinfo(std::span<const std::uint8_t> bytes) {
  static constexpr std::string_view key = "OSRELEASE=";
  std::vector<vmcoreinfo_hit> hits;
  const auto* base = reinterpret_cast<const char*>(bytes.data());
  std::size_t pos = 0;
  while (pos + key.size() <= bytes.size()) {
    const void* p = ::memmem(base + pos, bytes.size() - pos, key.data(), key.size());
    if (p == nullptr) break;
    const std::size_t at = static_cast<std::size_t>(static_cast<const char*>(p) - base);
    pos = at + 1;
    // The block starts the buffer or follows a NUL; a line in the middle of
    // other text (a copy in a log) is not the kernel's buffer.
    if (at > 0 && base[at - 1] != '\0') continue;
    std::size_t end = at;
    while (end < bytes.size() && end - at < max_vmcoreinfo_bytes && base[end] != '\0') ++end;
    if (end == bytes.size() || base[end] != '\0') continue;
    auto info = parse_vmcoreinfo(std::string_view(base + at, end - at));
    if (!info || !info->get("PAGESIZE")) continue;
    hits.push_back({at, std::move(*info)});
  }
  return hits;
}

} // namespace mquire
