// SPDX-License-Identifier: Apache-2.0
// Turning the stored address data into addresses, per encoding, and the
// check that matters most: the kernel sorts the table by address, so a right
// interpretation yields non-decreasing addresses.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "../bytes.hpp"
#include "layouts.hpp"
#include "table.hpp"

namespace mquire::detail {

struct address_data {
  address_encoding encoding{};
  std::size_t offset = 0;            // addresses[] or offsets[] in the range
  std::optional<std::uint64_t> relative_base{};
  unsigned word_size = 8;
  byte_order order = byte_order::little;
  std::optional<std::uint64_t> range_vaddr{}; // virtual address of the range's first byte
  std::size_t available = SIZE_MAX;          // entries present (a truncated range holds fewer than N)
  bool operator==(const address_data&) const = default;
};

constexpr std::uint64_t word_mask(unsigned word_size) noexcept {
  return word_size >= 8 ? ~std::uint64_t{0} : (std::uint64_t{1} << (8 * word_size)) - 1;
}

// Calls f(i, address) for the first min(count, a.available) entries, in
// order, until f returns false: the one place that knows what each
// encoding's stored values mean.
template <typename F>
inline void for_each_address(const byte_reader& r, const address_data& a, std::size_t count, F&& f) {
  const std::uint64_t mask = word_mask(a.word_size);
  const std::size_t n = std::min(count, a.available);
  switch (a.encoding) {
  case address_encoding::absolute:
    for (std::size_t i = 0; i < n; ++i)
      if (!f(i, r.uint_unchecked(a.offset + i * a.word_size, a.word_size, a.order))) return;
    break;
  case address_encoding::base_relative:
  case address_encoding::base_relative_percpu: {
    const std::uint64_t base = a.relative_base.value_or(0);
    const bool percpu = a.encoding == address_encoding::base_relative_percpu;
    for (std::size_t i = 0; i < n; ++i) {
      const std::uint64_t raw = r.uint_unchecked(a.offset + 4 * i, 4, a.order);
      const std::int64_t s = sign_extend32(raw);
      std::uint64_t v;
      if (!percpu) v = base + raw;
      else if (s >= 0) v = raw;
      else v = base - 1 - static_cast<std::uint64_t>(s);
      if (!f(i, v & mask)) return;
    }
    break;
  }
  case address_encoding::place_relative: {
    const std::uint64_t origin = a.range_vaddr.value_or(0);
    for (std::size_t i = 0; i < n; ++i) {
      const std::size_t at = a.offset + 4 * i;
      const std::int64_t s = sign_extend32(r.uint_unchecked(at, 4, a.order));
      if (!f(i, (origin + at + static_cast<std::uint64_t>(s)) & mask)) return;
    }
    break;
  }
  case address_encoding::absolute_u32:
    for (std::size_t i = 0; i < n; ++i)
      if (!f(i, r.uint_unchecked(a.offset + 4 * i, 4, a.order))) return;
    break;
  }
}

// Fills symbols[i].address and out.basis. The caller has checked that the
// first `a.available` entries lie in the range; the entries beyond are
// marked as unreadable.
inline void decode_addresses(const byte_reader& r, const address_data& a, kallsyms_table& out) {
  const std::size_t n = std::min(out.symbols.size(), a.available);
  for (std::size_t i = n; i < out.symbols.size(); ++i) out.mark(i, entry_damage::address_unreadable);
  out.basis = address_basis::virtual_address;
  if ((a.encoding == address_encoding::base_relative || a.encoding == address_encoding::base_relative_percpu) &&
      a.relative_base.value_or(0) == 0)
    out.basis = address_basis::zero_base;
  if (a.encoding == address_encoding::place_relative && !a.range_vaddr) out.basis = address_basis::range_relative;
  for_each_address(r, a, n, [&](std::size_t i, std::uint64_t v) {
    out.symbols[i].address = v;
    return true;
  });
}

// A lower bound on how many entries of a sequence must be left out for the
// rest to be sorted, in one pass: inversions (a value above a later one)
// that share no entry each need an entry of their own left out. A stack of
// the values kept so far pairs each value below the top with that top, so
// the pairs share no entry.
class unsorted_bound {
public:
  explicit unsorted_bound(std::size_t expected = 0) { kept_.reserve(expected); }
  void add(std::uint64_t v) {
    if (!kept_.empty() && v < kept_.back()) {
      kept_.pop_back();
      ++pairs_;
    } else {
      kept_.push_back(v);
    }
  }
  std::size_t pairs() const noexcept { return pairs_; }

private:
  std::vector<std::uint64_t> kept_;
  std::size_t pairs_ = 0;
};

// unsorted_bound over the first `count` addresses as stored, absolute
// symbols included: it needs no names, so wrong readings can be turned away
// before their names are decoded. Whether it exceeds `limit`; the reading
// stops there (a bound over a prefix bounds the whole).
inline bool unsorted_beyond(const byte_reader& r, const address_data& a, std::size_t count, std::size_t limit) {
  unsorted_bound bound(std::min(count, a.available));
  for_each_address(r, a, count, [&](std::size_t, std::uint64_t v) {
    bound.add(v);
    return bound.pairs() <= limit;
  });
  return bound.pairs() > limit;
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

} // namespace mquire::detail
