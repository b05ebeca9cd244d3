// SPDX-License-Identifier: Apache-2.0
// The whole pipeline: bytes -> every layout (token-table and uncompressed
// names) -> ranked tables, plus the
// vmcoreinfo scan and the address resolution over the same bytes.
#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> in(data, size);
  mquire::search_options opt;
  opt.max_symbols = 1u << 16;
  const auto rep = mquire::find_kallsyms(mquire::byte_range{in}, opt);
  fuzz::check_report(in, rep);
  // Strict mode is all or nothing: a table it returns carries no damage.
  mquire::search_options strict = opt;
  strict.strict = true;
  const auto whole = mquire::find_kallsyms(mquire::byte_range{in}, strict);
  fuzz::check_report(in, whole);
  for (const auto& t : whole.tables) MQUIRE_FUZZ_CHECK(t.damaged == 0 && t.entry_starts.empty());
  // Tables with uncompressed names (OpenWRT), found from their own landmark.
  fuzz::check_report(in, mquire::find_uncompressed_kallsyms(mquire::byte_range{in}, opt));
  const auto hits = mquire::find_vmcoreinfo(in);
  const mquire::physical_reader rd = [&](std::uint64_t pa, std::uint8_t* out, std::size_t n) {
    if (pa > size || n > size - pa) return false;
    std::memcpy(out, data + pa, n);
    return true;
  };
  for (auto t : rep.tables) {
    for (const auto& h : hits) {
      const auto m = mquire::resolve_with_vmcoreinfo(t, h.info, "fuzz");
      MQUIRE_FUZZ_CHECK(!m.range_vaddr || m.agreeing >= 2);
    }
    const auto pt = mquire::resolve_with_x86_64_page_tables(t, 0, rd);
    if (pt.range_vaddr) {
      mquire::detail::rebase(t, *pt.range_vaddr);
      MQUIRE_FUZZ_CHECK(!mquire::detail::first_unsorted(t).has_value());
    }
  }
  return 0;
}
