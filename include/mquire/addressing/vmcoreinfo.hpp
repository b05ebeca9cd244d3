// SPDX-License-Identifier: Apache-2.0
// The kernel's vmcoreinfo text ("KEY=VALUE" lines: OSRELEASE=, PAGESIZE=,
// SYMBOL(name)=hex, NUMBER(name)=decimal, KERNELOFFSET=hex, ...). It comes
// in an ELF core's VMCOREINFO note, a kdump header, or the dumped memory.
// Parsed strictly: a line that does not have the form is an error, so that
// random bytes that happen to contain "KERNELOFFSET=" are not believed.
#pragma once

#include <charconv>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "../error.hpp"

namespace mquire {

struct vmcoreinfo {
  std::map<std::string, std::string, std::less<>> values; // key -> raw value text

  std::optional<std::string_view> get(std::string_view key) const {
    auto it = values.find(key);
    if (it == values.end()) return std::nullopt;
    return std::string_view(it->second);
  }
  // The whole value of `key` as a number in `base`; nothing when absent or
  // when anything but digits is there.
  template <typename T>
  std::optional<T> number(std::string_view key, int base) const {
    auto v = get(key);
    if (!v || v->empty()) return std::nullopt;
    T out{};
    auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), out, base);
    if (ec != std::errc() || p != v->data() + v->size()) return std::nullopt;
    return out;
  }
  std::optional<std::uint64_t> hex(std::string_view key) const { return number<std::uint64_t>(key, 16); }
  std::optional<std::int64_t> decimal(std::string_view key) const { return number<std::int64_t>(key, 10); }
  std::optional<std::uint64_t> symbol(std::string_view name) const {
    return hex("SYMBOL(" + std::string(name) + ")");
  }
  std::optional<std::uint64_t> kernel_offset() const { return hex("KERNELOFFSET"); }
};

constexpr bool vmcoreinfo_key_char(char c) noexcept {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '(' ||
         c == ')' || c == '.' || c == '-';
}

// Parses `text` (NUL padding at the end is allowed).
inline result<vmcoreinfo> parse_vmcoreinfo(std::string_view text) {
  while (!text.empty() && text.back() == '\0') text.remove_suffix(1);
  vmcoreinfo info;
  std::size_t line_no = 0;
  while (!text.empty()) {
    const std::size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    ++line_no;
    if (line.empty()) continue;
    const std::size_t eq = line.find('=');
    if (eq == std::string_view::npos || eq == 0)
      return make_error(error_code::malformed, "vmcoreinfo line " + std::to_string(line_no) + " has no KEY=VALUE");
    const std::string_view key = line.substr(0, eq), value = line.substr(eq + 1);
    for (char c : key)
      if (!vmcoreinfo_key_char(c))
        return make_error(error_code::malformed, "vmcoreinfo line " + std::to_string(line_no) + ": bad key");
    for (char c : value)
      if (c < 0x20 || c > 0x7e)
        return make_error(error_code::malformed, "vmcoreinfo line " + std::to_string(line_no) + ": bad value");
    info.values.emplace(std::string(key), std::string(value));
  }
  if (!info.get("OSRELEASE"))
    return make_error(error_code::malformed, "vmcoreinfo has no OSRELEASE line");
  return info;
}

} // namespace mquire
