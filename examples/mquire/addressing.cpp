#include "addressing.hpp"

#include <algorithm>

#include <mquire/addressing/image_pointers.hpp>
#include <mquire/addressing/image_relocations.hpp>
#include <mquire/detail/hex.hpp>

namespace tool {

addressing resolve_addresses(found_table& best, const scan_result& r, input& in, std::optional<std::uint64_t> user_base) {
  auto& t = best.table;
  std::vector<mquire::address_method> methods;
  if (t.basis == mquire::address_basis::virtual_address && t.encoding != mquire::address_encoding::place_relative) {
    // Absolute and base-relative tables carry their addresses themselves:
    // runtime ones in a dump, link-time ones in a non-relocatable image.
    mquire::address_method m;
    m.method = "the table's own data";
    m.detail = t.relative_base ? "kallsyms_relative_base " + mquire::detail::hex(*t.relative_base) +
                                     " plus each symbol's offset gives its address; no base is needed"
                               : "the table stores absolute addresses; no base is needed";
    methods.push_back(std::move(m));
  }
  if (user_base) {
    mquire::address_method m;
    m.method = "--base";
    m.range_vaddr = *user_base + best.where.address;
    m.detail = "given by the user";
    methods.push_back(m);
  } else if (best.where.vaddr) {
    mquire::address_method m;
    m.method = "the input's own segment addresses";
    m.range_vaddr = *best.where.vaddr;
    m.detail = "virtual address " + mquire::detail::hex(*best.where.vaddr) + " from the input's headers";
    methods.push_back(m);
  }
  if (!in.map().vmcoreinfo.empty()) {
    if (auto info = mquire::parse_vmcoreinfo(in.map().vmcoreinfo)) {
      methods.push_back(mquire::resolve_with_vmcoreinfo(t, *info, "vmcoreinfo (the input's VMCOREINFO note)"));
    } else {
      mquire::address_method m;
      m.method = "vmcoreinfo (the input's VMCOREINFO note)";
      m.detail = info.err().message;
      methods.push_back(std::move(m));
    }
  }
  for (const auto& hit : r.vmcoreinfo)
    methods.push_back(mquire::resolve_with_vmcoreinfo(
        t, hit.info, "vmcoreinfo (in memory at " + mquire::detail::hex(hit.address) + ")"));
  if (best.where.address_is_physical) {
    const mquire::physical_reader rd = [&](std::uint64_t pa, std::uint8_t* out, std::size_t n) {
      return in.read_physical(pa, out, n);
    };
    methods.push_back(mquire::resolve_with_x86_64_page_tables(t, best.where.address, rd));
  }
  if (t.basis == mquire::address_basis::zero_base && !in.whole().empty() && best.where.file_offset == 0)
    methods.push_back(mquire::resolve_with_image_relocations(t, in.whole()));
  // The bytes of the range the table was found in, when the input holds
  // them contiguously (mapped files; not kdump).
  std::span<const std::uint8_t> range;
  if (const auto whole = in.whole();
      best.where.file_offset <= whole.size() && best.where.size <= whole.size() - best.where.file_offset)
    range = whole.subspan(best.where.file_offset, best.where.size);
  const auto answered = [&] {
    return std::any_of(methods.begin(), methods.end(), [](const auto& m) { return m.range_vaddr.has_value(); });
  };
  if (t.basis == mquire::address_basis::range_relative && !in.whole().empty() && best.where.file_offset == 0 &&
      !best.where.address_is_physical)
    methods.push_back(mquire::resolve_range_relative_with_relocations(t, in.whole()));
  // Images whose relocations carry no addends (RELR), and a dump's kernel
  // after KASLR alike, store every pointer at its (runtime) value: count the
  // ones that land on symbols, when nothing else answered.
  if (t.basis == mquire::address_basis::range_relative && !range.empty() && !answered())
    methods.push_back(mquire::resolve_range_relative_with_pointers(t, range));
  addressing a;
  a.resolution = mquire::combine(std::move(methods));
  // The user's --base overrides; otherwise only answers that agree are applied.
  const bool apply = user_base.has_value() || a.resolution.consistent;
  if (apply && a.resolution.range_vaddr() && t.basis == mquire::address_basis::zero_base) {
    a.rebased = mquire::rebase_zero_base(t, *a.resolution.range_vaddr(), a.resolution.methods[*a.resolution.chosen].relative_base);
  }
  // A method that shows the word size (pointers of one width land on
  // symbols) settles it for a table whose layout has no pointer field; with
  // a base from elsewhere, the pointers under that base are asked.
  if (apply && a.resolution.chosen && a.resolution.methods[*a.resolution.chosen].word_size) {
    t.word_size = *a.resolution.methods[*a.resolution.chosen].word_size;
    t.word_size_source = a.resolution.methods[*a.resolution.chosen].method;
  } else if (apply && a.resolution.range_vaddr() && t.basis == mquire::address_basis::range_relative &&
             !range.empty() && t.word_size_source == mquire::word_size_assumed) {
    if (auto w = mquire::stored_pointer_width(t, range, *a.resolution.range_vaddr())) {
      t.word_size = *w;
      t.word_size_source = "pointers stored in memory under the recovered base";
    }
  }
  if (apply && a.resolution.range_vaddr() && t.basis == mquire::address_basis::range_relative) {
    mquire::rebase(t, *a.resolution.range_vaddr());
    a.rebased = true;
  }
  // The slide: the first method that tells it; else the x86_64 default link.
  for (const auto& m : a.resolution.methods)
    if (m.slide) {
      a.slide = m.slide;
      a.slide_method = m.method;
      break;
    }
  auto link = mquire::slide_from_x86_64_default_link(t);
  if (!a.slide && link.slide) {
    a.slide = link.slide;
    a.slide_method = link.method + " (" + link.detail + ")";
  }
  a.resolution.methods.push_back(std::move(link));
  return a;
}

} // namespace tool
