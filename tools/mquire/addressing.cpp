// SPDX-License-Identifier: Apache-2.0
#include "addressing.hpp"

namespace tool {

addressing resolve_addresses(found_table& best, const scan_result& r, input& in, std::optional<std::uint64_t> user_base) {
  mquire::table_surroundings s;
  const auto whole = in.whole();
  // The range's bytes, when the input holds them contiguously (mapped
  // files; not kdump).
  if (best.where.file_offset <= whole.size() && best.where.size <= whole.size() - best.where.file_offset)
    s.range = whole.subspan(best.where.file_offset, best.where.size);
  if (best.where.file_offset == 0) s.image_file = whole;
  s.range_address = best.where.address;
  s.range_is_physical = best.where.address_is_physical;
  s.range_vaddr = best.where.vaddr;
  s.user_base = user_base;
  s.vmcoreinfo_note = in.map().vmcoreinfo;
  for (const auto& hit : r.vmcoreinfo) s.vmcoreinfo_in_memory.emplace_back(hit.address, hit.info);
  if (s.range_is_physical)
    s.read_physical = [&in](std::uint64_t pa, std::uint8_t* out, std::size_t n) { return in.read_physical(pa, out, n); };
  return mquire::settle_addresses(best.table, s);
}

} // namespace tool
