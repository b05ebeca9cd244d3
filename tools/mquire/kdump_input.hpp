// SPDX-License-Identifier: Apache-2.0
// kdump-compressed dumps (makedumpfile, QEMU dump-guest-memory -z) read with
// libkdumpfile, the reader drgn uses. Present pages are decompressed into a
// reused buffer in chunks that overlap, so that a table on a chunk boundary
// is still whole in one chunk, and memory stays bounded whatever the dump's
// size.
#pragma once

#include <memory>
#include <string>

#include "input.hpp"

namespace tool {

#if MQUIRE_WITH_KDUMPFILE
mquire::result<std::unique_ptr<input>> open_kdump(const std::string& path);
#endif

// Chunking: a kallsyms table with its search windows spans well under the
// overlap, so every table lies whole inside some chunk.
inline constexpr std::uint64_t kdump_chunk_bytes = 512ull << 20;
inline constexpr std::uint64_t kdump_chunk_overlap = 64ull << 20;

} // namespace tool
