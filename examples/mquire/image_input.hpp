// Compressed kernel images: the payload is found by the image's own headers
// (x86 bzImage: payload_offset/payload_length in the setup header), its
// compression by magic, and it is decompressed in memory. A vmlinux ELF
// payload is then read with its program headers (link-time addresses).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include <mquire/error.hpp>

namespace tool {

struct decompressed {
  std::vector<std::uint8_t> bytes;
  std::string how; // e.g. "bzImage payload at 0x4a4c, xz"
};

// Upper bound on what a payload may decompress to (kernels are tens of MiB);
// a hostile payload cannot make the tool allocate more than this.
inline constexpr std::size_t max_decompressed = 1ull << 30;

// Decompresses by magic; refuses output beyond `limit` bytes.
mquire::result<decompressed> decompress_payload(std::span<const std::uint8_t> payload,
                                                std::size_t limit = max_decompressed);
mquire::result<decompressed> unpack_bzimage(std::span<const std::uint8_t> file, std::size_t limit = max_decompressed);

} // namespace tool
