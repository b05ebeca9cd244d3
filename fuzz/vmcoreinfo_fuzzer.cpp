// SPDX-License-Identifier: Apache-2.0
// vmcoreinfo: the strict parser and the in-memory scanner.
#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto info = mquire::parse_vmcoreinfo(text)) {
    MQUIRE_FUZZ_CHECK(info->get("OSRELEASE").has_value());
    for (const auto& [k, v] : info->values) MQUIRE_FUZZ_CHECK(!k.empty());
    (void)info->kernel_offset();
  }
  for (const auto& hit : mquire::find_vmcoreinfo({data, size})) {
    MQUIRE_FUZZ_CHECK(hit.offset < size);
    MQUIRE_FUZZ_CHECK(hit.info.get("PAGESIZE").has_value());
  }
  return 0;
}
