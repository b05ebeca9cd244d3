// Turning the stored address data into addresses, per encoding, and the
// check that matters most: the kernel sorts the table by address, so a right
// interpretation yields non-decreasing addresses.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "bytes.hpp"
#include "layouts.hpp"
#include "table.hpp"

namespace mquire {

struct address_data {
  address_encoding encoding{};
  std::size_t offset = 0;            // addresses[] or offsets[] in the range
  std::optional<std::uint64_t> relative_base{};
  unsigned word_size = 8;
  byte_order order = byte_order::little;
  std::optional<std::uint64_t> range_vaddr{}; // virtual address of the range's first byte
  std::size_t available = SIZE_MAX;          // entries present (a truncated range holds fewer than N)
};

constexpr std::uint64_t word_mask(unsigned word_size) noexcept {
  return word_size >= 8 ? ~std::uint64_t{0} : (std::uint64_t{1} << (8 * word_size)) - 1;
}

// Fills symbols[i].address and out.basis. The caller has checked that the
// first `a.available` entries lie in the range; the entries beyond are
// marked as unreadable.
inline void decode_addresses(const byte_reader& r, const address_data& a, kallsyms_table& out) {
  const std::uint64_t mask = word_mask(a.word_size);
  const std::size_t n = std::min(out.symbols.size(), a.available);
  for (std::size_t i = n; i < out.symbols.size(); ++i) out.mark(i, entry_damage::address_unreadable);
  out.basis = address_basis::virtual_address;
  switch (a.encoding) {
  case address_encoding::absolute:
    for (std::size_t i = 0; i < n; ++i)
      out.symbols[i].address = r.uint_unchecked(a.offset + i * a.word_size, a.word_size, a.order);
    break;
  case address_encoding::base_relative:
  case address_encoding::base_relative_percpu: {
    const std::uint64_t base = a.relative_base.value_or(0);
    if (base == 0) out.basis = address_basis::zero_base;
    const bool percpu = a.encoding == address_encoding::base_relative_percpu;
    for (std::size_t i = 0; i < n; ++i) {
      const std::uint64_t raw = r.uint_unchecked(a.offset + 4 * i, 4, a.order);
      const std::int64_t s = sign_extend32(raw);
      std::uint64_t v;
      if (!percpu) v = base + raw;
      else if (s >= 0) v = raw;
      else v = base - 1 - static_cast<std::uint64_t>(s);
      out.symbols[i].address = v & mask;
    }
    break;
  }
  case address_encoding::place_relative: {
    const std::uint64_t origin = a.range_vaddr.value_or(0);
    if (!a.range_vaddr) out.basis = address_basis::range_relative;
    for (std::size_t i = 0; i < n; ++i) {
      const std::size_t at = a.offset + 4 * i;
      const std::int64_t s = sign_extend32(r.uint_unchecked(at, 4, a.order));
      out.symbols[i].address = (origin + at + static_cast<std::uint64_t>(s)) & mask;
    }
    break;
  }
  case address_encoding::absolute_u32:
    for (std::size_t i = 0; i < n; ++i) out.symbols[i].address = r.uint_unchecked(a.offset + 4 * i, 4, a.order);
    break;
  }
}

// Turns a place-relative table decoded without a virtual base (addresses
// relative to the range's first byte) into virtual addresses, once the
// virtual address of that first byte is known. Exact: place-relative
// addresses are linear in the origin.
inline void rebase(kallsyms_table& t, std::uint64_t range_vaddr) {
  if (t.basis != address_basis::range_relative) return;
  const std::uint64_t mask = word_mask(t.word_size);
  for (auto& s : t.symbols) s.address = (s.address + range_vaddr) & mask;
  for (auto& s : t.sections) s.vaddr = (range_vaddr + s.offset) & mask;
  t.basis = address_basis::virtual_address;
}

// Absolute symbols (type A) are not relocated and are allowed out of order.
constexpr bool is_absolute_type(char t) noexcept { return t == 'A' || t == 'a'; }

// Index of the first symbol that breaks the order, or nullopt when sorted.
inline std::optional<std::size_t> first_unsorted(const kallsyms_table& t) noexcept {
  bool have = false;
  std::uint64_t prev = 0;
  for (std::size_t i = 0; i < t.symbols.size(); ++i) {
    const symbol& s = t.symbols[i];
    if (is_absolute_type(s.type) || !s.trusted()) continue;
    if (have && s.address < prev) return i;
    prev = s.address;
    have = true;
  }
  return std::nullopt;
}

} // namespace mquire
