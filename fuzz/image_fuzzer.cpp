// Compressed kernel images: the bzImage header reader and the payload
// decompressors (xz, gzip, zstd), with a small output limit so that a
// decompression bomb is refused rather than followed.
#include "../examples/mquire/image_input.hpp"
#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  constexpr std::size_t limit = 8u << 20;
  const std::span<const std::uint8_t> in(data, size);
  if (auto d = tool::unpack_bzimage(in, limit)) MQUIRE_FUZZ_CHECK(d->bytes.size() <= limit);
  if (auto d = tool::decompress_payload(in, limit)) MQUIRE_FUZZ_CHECK(d->bytes.size() <= limit);
  return 0;
}
