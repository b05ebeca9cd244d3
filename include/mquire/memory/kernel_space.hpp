// SPDX-License-Identifier: Apache-2.0
// The kernel's own page tables in a physical dump, found through the
// recovered symbol table and checked by translating known kernel addresses
// back to where they were found. The kernel image is contiguous in physical
// memory, so one anchor (a symbol whose physical place is known) gives the
// image's virtual-to-physical delta; the top-level table's physical address
// follows, and the walk must then reproduce that delta for every anchor.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "../addressing/arm64_paging.hpp"
#include "../addressing/resolve.hpp"
#include "../addressing/vmcoreinfo.hpp"
#include "../addressing/x86_64_paging.hpp"
#include "../detail/hex.hpp"
#include "../error.hpp"
#include "../kallsyms/table.hpp"
#include "virtual_memory.hpp"

namespace mquire {

// Where the table lies: the input address of its range's first byte (a
// physical address in a dump) and, when known, its virtual address.
struct table_placement {
  std::uint64_t range_address = 0;
  std::optional<std::uint64_t> range_vaddr{};
};

struct kernel_address_space {
  std::string paging;          // "x86_64 4-level", "arm64 4K pages, 48-bit VA, 4 levels"
  std::string root_symbol;     // init_top_pgt, swapper_pg_dir
  std::uint64_t root_pa = 0;   // physical address of the top-level table
  std::uint64_t image_delta = 0; // kernel image virtual minus physical address
  std::string anchor;          // what gave the delta
  std::vector<std::string> checks; // the translations that were checked
  page_translator translate;
  unsigned page_shift = 12;        // the base page size, as /proc prints offsets in it
  // The same walk under another top-level table: a process's own page
  // tables (mm->pgd's physical address), for its user addresses.
  std::function<std::optional<page_mapping>(std::uint64_t root_pa, std::uint64_t va)> walk_user;
};

namespace detail {

// The kernel image's virtual minus physical address, and the anchor it came
// from (said by `inspect`).
struct image_anchor {
  std::uint64_t delta = 0;
  std::string how;
};

// The delta from the first anchor that gives one: a kallsyms array listed in
// the table itself (KALLSYMS_ALL kernels of 6.2 and later list them), the
// linux_banner in front of the table, or the table range's virtual address.
inline result<image_anchor> image_delta(const kallsyms_table& t, const table_placement& p) {
  if (t.basis != address_basis::virtual_address)
    return make_error(error_code::unsupported, "the table's addresses are not virtual addresses");
  for (const auto& sec : t.sections)
    if (const symbol* s = find_symbol(t, kernel_label(sec.role)))
      return image_anchor{s->address - (p.range_address + sec.offset),
                          std::string(kernel_label(sec.role)) + " (the symbol, and where its array was found)"};
  if (const symbol* b = find_symbol(t, "linux_banner"); b && !t.banner.empty())
    return image_anchor{b->address - (p.range_address + t.banner_offset),
                        "linux_banner (the symbol, and the banner found in front of the table)"};
  if (p.range_vaddr)
    return image_anchor{*p.range_vaddr - p.range_address, "the virtual address the table's range was given"};
  return make_error(error_code::not_found, "no anchor ties the table's addresses to the input");
}

// Symbols whose translation must come back to image address minus delta:
// spread over text, read-only data and data.
inline std::vector<const symbol*> check_anchors(const kallsyms_table& t, std::string_view root) {
  std::vector<const symbol*> out;
  for (std::string_view n : {root, std::string_view("_text"), std::string_view("linux_banner"),
                             std::string_view("_etext"), std::string_view("_sdata"), std::string_view("_edata")})
    if (const symbol* s = find_symbol(t, n)) out.push_back(s);
  return out;
}

inline bool anchors_translate(const page_translator& tr, const std::vector<const symbol*>& anchors, std::uint64_t delta,
                              const kallsyms_table& t, std::vector<std::string>& checks) {
  if (anchors.size() < 2) return false;
  std::vector<std::string> done;
  for (const symbol* s : anchors) {
    const auto m = tr(s->address);
    if (!m || m->pa != s->address - delta) return false;
    done.push_back(std::string(t.name(*s)) + " " + hex(s->address) + " -> " + hex(m->pa));
  }
  checks = std::move(done);
  return true;
}

} // namespace detail

// The arm64 configurations tried when vmcoreinfo does not name one, most
// common first (Debian and Android use 4K/48; 16K/47 and 64K/48 or 52 exist).
inline std::vector<arm64::paging_config> arm64_configs_to_try(const vmcoreinfo* info) {
  std::vector<arm64::paging_config> out;
  if (info) {
    const auto page = info->decimal("PAGESIZE");
    auto va = info->decimal("NUMBER(VA_BITS)");
    if (auto t1sz = info->decimal("NUMBER(TCR_EL1_T1SZ)"); t1sz && *t1sz > 0 && *t1sz < 64) va = 64 - *t1sz;
    if (page && va) {
      unsigned shift = 0;
      while (shift < 20 && (std::int64_t{1} << shift) < *page) ++shift;
      for (bool pa52 : {false, true}) out.push_back({shift, static_cast<unsigned>(*va), pa52, false});
    }
  }
  constexpr std::array<std::pair<unsigned, unsigned>, 10> common{{{12, 48}, {12, 39}, {16, 48}, {16, 52}, {16, 42},
                                                                  {14, 47}, {14, 48}, {12, 52}, {14, 52}, {12, 47}}};
  for (const auto& [g, va] : common)
    for (bool pa52 : {false, true})
      if (!pa52 || va == 52) out.push_back({g, va, pa52, false});
  return out;
}

// Finds and checks the kernel's page tables for the 64-bit table `t` found
// at `p` in physical memory read by `rd`.
inline result<kernel_address_space> find_kernel_address_space(const kallsyms_table& t, const table_placement& p,
                                                              const physical_reader& rd,
                                                              const vmcoreinfo* info = nullptr) {
  if (t.word_size != 8)
    return make_error(error_code::unsupported, "kernel page tables: only 64-bit kernels (x86_64, arm64) are walked");
  kernel_address_space ks;
  auto anchor = detail::image_delta(t, p);
  if (!anchor)
    return make_error(error_code::not_found,
                      "kernel page tables: no anchor ties the table's virtual addresses to physical memory");
  const std::uint64_t delta = anchor->delta;
  ks.image_delta = delta;
  ks.anchor = std::move(anchor->how);
  std::string tried;
  // The root's virtual address from the table, else from vmcoreinfo (whose
  // SYMBOL() lines hold runtime addresses): a kernel without KALLSYMS_ALL
  // lists no data symbols.
  const auto root_address = [&](std::string_view root) -> std::optional<std::uint64_t> {
    if (const symbol* s = detail::find_symbol(t, root)) return s->address;
    if (info) return info->symbol(root);
    return std::nullopt;
  };
  // x86_64: init_top_pgt (init_level4_pgt before 4.13).
  for (std::string_view root : {"init_top_pgt", "init_level4_pgt"}) {
    const auto root_va = root_address(root);
    if (!root_va) continue;
    const std::uint64_t root_pa = *root_va - delta;
    const auto anchors = detail::check_anchors(t, root);
    std::vector<unsigned> levels{4, 5};
    if (info && info->decimal("NUMBER(pgtable_l5_enabled)").value_or(0) == 1) levels = {5, 4};
    for (unsigned l : levels) {
      page_translator tr = [rd, root_pa, l](std::uint64_t va) { return x86_64::translate_page(rd, root_pa, va, l); };
      if (detail::anchors_translate(tr, anchors, delta, t, ks.checks)) {
        ks.paging = "x86_64 " + std::to_string(l) + "-level";
        ks.walk_user = [rd, l](std::uint64_t root, std::uint64_t va) { return x86_64::translate_page(rd, root, va, l); };
        ks.root_symbol = std::string(root);
        ks.root_pa = root_pa;
        ks.translate = std::move(tr);
        return ks;
      }
    }
    tried += std::string(tried.empty() ? "" : "; ") + std::string(root) + " at physical " + detail::hex(root_pa) +
             " does not map the kernel image back with 4 or 5 levels";
  }
  if (const auto root_va = root_address("swapper_pg_dir")) {
    const std::uint64_t root_pa = *root_va - delta;
    const auto anchors = detail::check_anchors(t, "swapper_pg_dir");
    for (auto c : arm64_configs_to_try(info)) {
      c.big_endian = t.order == byte_order::big;
      page_translator tr = [rd, root_pa, c](std::uint64_t va) { return arm64::translate_page(rd, root_pa, va, c); };
      if (detail::anchors_translate(tr, anchors, delta, t, ks.checks)) {
        ks.paging = "arm64 " + c.describe();
        ks.page_shift = c.granule_shift;
        ks.walk_user = [rd, c](std::uint64_t root, std::uint64_t va) {
          return arm64::translate_page(rd, root, va, c, true);
        };
        ks.root_symbol = "swapper_pg_dir";
        ks.root_pa = root_pa;
        ks.translate = std::move(tr);
        return ks;
      }
    }
    tried += std::string(tried.empty() ? "" : "; ") + "swapper_pg_dir at physical " + detail::hex(root_pa) +
             " does not map the kernel image back under any arm64 granule and VA size";
  }
  if (tried.empty())
    tried = "neither the table nor vmcoreinfo names init_top_pgt, init_level4_pgt or swapper_pg_dir";
  return make_error(error_code::not_found, "kernel page tables: " + tried);
}

// Kernel virtual memory for a table found at `p`: through the kernel's page
// tables when the input is physical memory and they are found (every kernel
// address: vmalloc'ed modules too), else through the image's own linear
// placement (the kernel image only). `read` reads input addresses: physical
// ones for a dump, the input's own (file or link) addresses otherwise.
struct kernel_memory {
  virtual_memory memory;
  std::optional<kernel_address_space> space; // set when the page tables were found
  std::string how;                           // what reads go through, for `inspect`
  std::string page_tables_problem;           // why the page tables were not used
};

inline result<kernel_memory> kernel_memory_for(const kallsyms_table& t, const table_placement& p,
                                               const physical_reader& read, bool input_is_physical,
                                               const vmcoreinfo* info = nullptr) {
  kernel_memory km;
  if (input_is_physical) {
    auto space = find_kernel_address_space(t, p, read, info);
    if (space) {
      km.how = space->paging + " page tables at physical " + detail::hex(space->root_pa) + " (" + space->root_symbol + ")";
      km.memory = virtual_memory(space->translate, read, t.order, t.word_size);
      km.space = std::move(*space);
      return km;
    }
    km.page_tables_problem = space.err().message;
  }
  const auto anchor = detail::image_delta(t, p);
  if (!anchor) return anchor.err();
  const std::uint64_t d = anchor->delta;
  page_translator linear = [d](std::uint64_t va) -> std::optional<page_mapping> {
    return page_mapping{va - d, 4096};
  };
  km.how = "the kernel image's own placement (virtual minus input address " + detail::hex(d) + ", from " +
           anchor->how + "): kernel image only";
  km.memory = virtual_memory(std::move(linear), read, t.order, t.word_size);
  return km;
}

} // namespace mquire
