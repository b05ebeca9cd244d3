// The compressions the kernel build uses for its images and payloads
// (gzip, xz, lzma, bzip2, lz4 legacy framing and frames, lzo in lzop's
// container, zstd), recognised by magic and decompressed in memory with a
// hard limit on the output, so a hostile payload cannot make the tool
// allocate more than that.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <mquire/error.hpp>

namespace tool {

struct decompressed {
  std::vector<std::uint8_t> bytes;
  std::string how; // e.g. "bzImage payload at file offset 0x4a4c, xz"
};

// Upper bound on what a payload may decompress to (kernels are tens of MiB).
inline constexpr std::size_t max_decompressed = 1ull << 30;

enum class compression : std::uint8_t { gzip, xz, lzma, bzip2, lz4, lzo, zstd };

std::string_view to_string(compression c) noexcept;

// The compression whose magic `b` starts with, if any. lzma has no magic of
// its own; its 13-byte header is recognised by the property byte the kernel
// build uses and a plausible dictionary size.
std::optional<compression> compression_at(std::span<const std::uint8_t> b) noexcept;

// Decompresses one stream of `c` from the start of `in`. Trailing bytes after
// the stream (the kernel appends the uncompressed size) are ignored.
mquire::result<decompressed> decompress(compression c, std::span<const std::uint8_t> in,
                                        std::size_t limit = max_decompressed);

// decompress() with the compression told by magic.
mquire::result<decompressed> decompress_payload(std::span<const std::uint8_t> payload,
                                                std::size_t limit = max_decompressed);

} // namespace tool
