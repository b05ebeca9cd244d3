// SPDX-License-Identifier: Apache-2.0
// The kernel's struct page array (vmemmap) in a dump: which physical page
// a struct page (or folio) describes. Both x86_64 and arm64 kernels keep
// one struct page per page frame in a virtually contiguous array whose
// base is randomised (x86_64) or derived from where RAM starts (arm64),
// and neither base is a symbol on every kernel. The sparse memory model
// records it anyway: each present section's section_mem_map holds its
// mem_map minus the section's first frame number, which for a virtually
// contiguous array is the array's base itself, with flag bits below.
// The base is accepted only when the struct page of a frame of the kernel
// image says what the kernel says of such frames: reserved.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "../detail/hex.hpp"
#include "../error.hpp"
#include "../objects/object_reader.hpp"
#include "../objects/symbol_index.hpp"

namespace mquire::memory {

class page_frames {
public:
  page_frames() = default;
  page_frames(std::uint64_t vmemmap, std::uint64_t page_struct_size, unsigned page_shift, std::uint64_t max_pfn)
      : vmemmap_(vmemmap), size_(page_struct_size), shift_(page_shift), max_pfn_(max_pfn) {}

  std::uint64_t vmemmap() const noexcept { return vmemmap_; }
  std::uint64_t page_struct_size() const noexcept { return size_; }
  unsigned page_shift() const noexcept { return shift_; }
  std::uint64_t page_size() const noexcept { return std::uint64_t{1} << shift_; }

  // The frame a struct page describes: nothing for an address that is not
  // one of the array's elements, or past the last frame the kernel has.
  std::optional<std::uint64_t> pfn_of(std::uint64_t page) const noexcept {
    if (size_ == 0 || page < vmemmap_ || (page - vmemmap_) % size_ != 0) return std::nullopt;
    const std::uint64_t pfn = (page - vmemmap_) / size_;
    if (max_pfn_ != 0 && pfn >= max_pfn_) return std::nullopt;
    return pfn;
  }
  std::uint64_t page_of(std::uint64_t pfn) const noexcept { return vmemmap_ + pfn * size_; }
  std::uint64_t physical_of(std::uint64_t pfn) const noexcept { return pfn << shift_; }

private:
  std::uint64_t vmemmap_ = 0, size_ = 0;
  unsigned shift_ = 12;
  std::uint64_t max_pfn_ = 0;
};

namespace detail {

// A page's flags word: memdesc_flags_t (7.x) wraps it in a struct.
inline std::optional<std::uint64_t> page_flags(const objects::object& page) {
  if (auto f = page.u("flags.f")) return f;
  return page.u("flags");
}

// The first present section's section_mem_map, from mem_section: an array
// of root pointers (SPARSEMEM_EXTREME, every distribution kernel) or the
// two-level array itself.
inline result<std::uint64_t> first_section_map(const objects::object_reader& r, std::uint64_t mem_section,
                                               std::uint64_t section_size, unsigned page_shift) {
  const std::uint64_t roots_readable = std::uint64_t{1} << page_shift; // a root array is at least a page
  const std::uint64_t per_root = section_size ? (std::uint64_t{1} << page_shift) / section_size : 0;
  if (per_root == 0) return make_error(error_code::malformed, "struct mem_section is larger than a page");
  const auto first = r.pointer(mem_section);
  if (!first) return make_error(error_code::out_of_range, "mem_section at " + mquire::detail::hex(mem_section) +
                                                              " is not readable");
  const auto present = [](std::uint64_t map) { return (map & 3) == 3; }; // MARKED_PRESENT and HAS_MEM_MAP
  const auto scan_root = [&](std::uint64_t root) -> std::optional<std::uint64_t> {
    for (std::uint64_t i = 0; i < per_root; ++i)
      if (const auto map = r.pointer(root + i * section_size); map && present(*map)) return *map;
    return std::nullopt;
  };
  if (r.kernel_pointer(*first, 8)) {
    // The roots: NR_SECTION_ROOTS pointers, of which the first non-null
    // one covers the lowest memory. Read at most a page of them.
    for (std::uint64_t i = 0; i < roots_readable / r.pointer_size(); ++i) {
      const auto root = r.pointer(*first + i * r.pointer_size());
      if (!root) break;
      if (*root == 0) continue;
      if (!r.kernel_pointer(*root, 8))
        return make_error(error_code::malformed, "mem_section root " + std::to_string(i) + " is " +
                                                     mquire::detail::hex(*root) + ", not a kernel address");
      if (auto map = scan_root(*root)) return *map;
    }
  } else if (auto map = scan_root(mem_section)) {
    return *map;
  }
  return make_error(error_code::not_found, "mem_section at " + mquire::detail::hex(mem_section) +
                                               " has no present section with a memory map");
}

} // namespace detail

// Finds the struct page array of the dump read by `r`; `page_shift` is the
// kernel's base page size.
inline result<page_frames> locate_page_frames(const objects::object_reader& r, const objects::symbol_index& syms,
                                              unsigned page_shift) {
  const auto& ty = r.types();
  const auto page_size = ty.struct_size("page");
  if (!page_size || *page_size == 0) return make_error(error_code::not_found, "the kernel's types have no struct page");
  std::uint64_t max_pfn = 0;
  if (const auto at = syms.address("max_pfn"))
    if (const auto v = r.pointer(*at)) max_pfn = *v;

  std::optional<std::uint64_t> base;
  std::string how;
  if (const auto ms = syms.address("mem_section"); ms && ty.struct_size("mem_section")) {
    auto map = detail::first_section_map(r, *ms, *ty.struct_size("mem_section"), page_shift);
    if (!map) return map.err();
    // The flag bits sit below bit 8 in every kernel; the array's base is
    // page aligned.
    base = *map & ~((std::uint64_t{1} << page_shift) - 1);
    how = "mem_section";
  } else if (const auto vb = syms.address("vmemmap_base")) { // x86_64 without the sparse symbol
    base = r.pointer(*vb);
    how = "vmemmap_base";
  }
  if (!base || !r.kernel_pointer(*base, 8))
    return make_error(error_code::not_found, "the struct page array: neither mem_section nor vmemmap_base gives it");

  page_frames frames(*base, *page_size, page_shift, max_pfn);
  // The check: a frame of the kernel image must be reserved.
  const auto reserved = ty.enumerator("PG_reserved");
  const auto text = syms.address("_text");
  const auto text_pa = text ? r.memory().physical(*text) : std::nullopt;
  if (!reserved || !text_pa)
    return make_error(error_code::not_found, "the struct page array at " + mquire::detail::hex(*base) + " (from " +
                                                 how + ") cannot be checked: no PG_reserved or no _text");
  const std::uint64_t pfn = *text_pa >> page_shift;
  auto page = r.read(frames.page_of(pfn), "page");
  const auto flags = page ? detail::page_flags(*page) : std::nullopt;
  if (!flags || *reserved < 0 || *reserved > 63 || ((*flags >> *reserved) & 1) == 0)
    return make_error(error_code::malformed,
                      "the struct page array at " + mquire::detail::hex(*base) + " (from " + how +
                          ") does not hold the kernel image's frame " + mquire::detail::hex(pfn) + " as reserved");
  return frames;
}

} // namespace mquire::memory
