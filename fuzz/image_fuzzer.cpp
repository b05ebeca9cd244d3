// SPDX-License-Identifier: Apache-2.0
// Kernel images: the wrappers (bzImage, EFI zboot, zImage, embedded streams)
// and all seven decompressors, with a small output limit so that a
// decompression bomb is refused rather than followed.
#include "image_input.hpp"
#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  constexpr std::size_t limit = 8u << 20;
  const std::span<const std::uint8_t> in(data, size);
  if (auto d = tool::unpack_kernel_image(in, limit)) {
    MQUIRE_FUZZ_CHECK(d->bytes.size() <= limit);
    MQUIRE_FUZZ_CHECK(!d->how.empty());
  }
  if (auto d = tool::decompress_payload(in, limit)) MQUIRE_FUZZ_CHECK(d->bytes.size() <= limit);
  return 0;
}
