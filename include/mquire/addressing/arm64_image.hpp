// arm64 kernel Images are relocatable: kallsyms_relative_base reads 0 in the
// file and the kernel fills it in at boot from its own relocation table
// (.rela.dyn, inside the Image). That relocation is an R_AARCH64_RELATIVE
// entry whose offset is the field's own link address and whose addend is the
// value it receives: the link address of _text, which is the Image's first
// byte. Finding the one entry that targets the field gives the image base.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>
#include <optional>
#include <span>
#include <string>

#include "../addresses.hpp"
#include "../bytes.hpp"
#include "../detail/hex.hpp"
#include "../table.hpp"
#include "resolve.hpp"

namespace mquire {

inline constexpr std::uint64_t r_aarch64_relative = 1027;

// Where the first symbol (the one at relative_base) lies in the range, for a
// table decoded against a zero relative_base: linux_banner, found in front
// of the table, is at a known distance from it.
inline std::optional<std::uint64_t> first_symbol_offset(const kallsyms_table& t) {
  const symbol* b = detail::find_symbol(t, "linux_banner");
  if (!b || t.banner.empty() || t.basis != address_basis::zero_base || b->address > t.banner_offset)
    return std::nullopt;
  return t.banner_offset - b->address;
}

// `image` is the whole Image (file offset = link address - the image's base).
// Every R_AARCH64_RELATIVE entry {offset, info, addend} is read; the one of
// relative_base has offset = base + (its file offset) and addend = the first
// symbol's link address. Each entry that could be it (a 64 KiB-aligned
// base) is scored by how many other relocations then point exactly at a
// symbol of the table (function pointers in ops tables, ...): the right one
// explains thousands, a wrong one next to none.
inline address_method resolve_with_arm64_rela(const kallsyms_table& t, std::span<const std::uint8_t> image) {
  address_method m;
  m.method = "arm64 Image: relocations (R_AARCH64_RELATIVE) of kallsyms_relative_base and of pointers to symbols";
  const section_location* rb = t.section(section_role::relative_base);
  if (!rb || t.word_size != 8 || t.order != byte_order::little || t.basis != address_basis::zero_base) {
    m.detail = "not a 64-bit little-endian table with an unrelocated relative_base";
    return m;
  }
  struct rela {
    std::uint64_t offset, addend;
  };
  std::vector<rela> relocs;
  const byte_reader r(image);
  for (std::size_t pos = 0; pos + 24 <= image.size(); pos += 8)
    if (r.uint_unchecked(pos + 8, 8, byte_order::little) == r_aarch64_relative)
      relocs.push_back({r.uint_unchecked(pos, 8, byte_order::little), r.uint_unchecked(pos + 16, 8, byte_order::little)});
  std::vector<std::uint64_t> offsets; // symbol addresses relative to the first symbol
  offsets.reserve(t.symbols.size());
  for (const auto& s : t.symbols) offsets.push_back(s.address);
  std::sort(offsets.begin(), offsets.end());
  std::uint64_t best_base = 0, best_rb = 0;
  std::size_t best = 0, second = 0;
  for (const rela& e : relocs) {
    const std::uint64_t base = e.offset - rb->offset;
    if (base % 0x10000 != 0 || e.addend - base >= image.size()) continue;
    std::size_t score = 0;
    for (const rela& o : relocs)
      score += std::binary_search(offsets.begin(), offsets.end(), o.addend - e.addend) ? 1 : 0;
    if (score > best) {
      second = best;
      best = score;
      best_base = base;
      best_rb = e.addend;
    } else if (score > second) {
      second = score;
    }
  }
  if (best < 16 || best < 4 * second) {
    m.detail = relocs.empty() ? "no R_AARCH64_RELATIVE relocations in the image"
                              : "no relocation of kallsyms_relative_base stands out (" + std::to_string(relocs.size()) +
                                    " relocations, best candidate explains " + std::to_string(best) + ")";
    return m;
  }
  m.range_vaddr = best_base;
  m.relative_base = best_rb;
  m.agreeing = best;
  m.detail = "relocation sets relative_base to " + detail::hex(best_rb) + " (image base " + detail::hex(best_base) +
             "); " + std::to_string(best) + " other relocations then point exactly at symbols (next best candidate: " +
             std::to_string(second) + ")";
  return m;
}

// Gives a table decoded against a zero relative_base its link-time
// addresses, once the virtual address of the range's first byte is known and
// either the relative_base value or the first symbol's place in the range
// (from linux_banner). False when neither is known.
inline bool rebase_zero_base(kallsyms_table& t, std::uint64_t range_vaddr,
                             std::optional<std::uint64_t> relative_base = std::nullopt) {
  const auto first = first_symbol_offset(t);
  if (!relative_base && !first) return false;
  const std::uint64_t mask = word_mask(t.word_size);
  const std::uint64_t base = (relative_base ? *relative_base : range_vaddr + *first) & mask;
  const bool percpu = t.encoding == address_encoding::base_relative_percpu;
  for (auto& s : t.symbols)
    if (!(percpu && is_absolute_type(s.type))) s.address = (s.address + base) & mask;
  for (auto& s : t.sections) s.vaddr = (range_vaddr + s.offset) & mask;
  t.relative_base = base;
  t.basis = address_basis::virtual_address;
  return true;
}

} // namespace mquire
