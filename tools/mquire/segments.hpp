// SPDX-License-Identifier: Apache-2.0
// The tool's view of an input file: its format and a way to visit every
// memory segment as a byte range. Files are mapped; kdump-compressed dumps
// are decompressed through libkdumpfile in bounded chunks.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <mquire/mquire.hpp>
#include <mquire/sources.hpp>

#include "failure.hpp"
#include "input.hpp"

namespace tool {

// Visits the input's bytes once however many segments map them. Segments
// of one file whose file ranges overlap (a hostile core whose thousands of
// PT_LOADs map the same bytes, each shifted a little) form one region: the
// union of their file ranges, visited once with the mapping of the segment
// that starts it; `merged` counts the segments folded into another's
// region. Segments that do not overlap are visited as they are, in the
// map's order; inputs that are not one file's bytes (kdump) too.
mquire::result<bool> for_each_file_region(input& in, const std::function<bool(const segment_view&)>& f,
                                          std::size_t* merged = nullptr);

// Opens `path` as `forced` (or by content when nullopt).
std::variant<std::unique_ptr<input>, failure> open_input(const std::string& path,
                                                         std::optional<input_format> forced);

// Files up to this size are searched for an embedded compressed kernel when
// no kallsyms table is found in them directly (an ELF-wrapped MIPS vmlinuz,
// an s390 image, a firmware blob); kernel images are tens of MiB.
inline constexpr std::size_t max_embedding_file = 512ull << 20;

// The kernel inside `in` (a mapped file with no kallsyms of its own), from
// the compressed streams it embeds; a failure says what was tried.
std::variant<std::unique_ptr<input>, failure> open_embedded_kernel(const input& in);

} // namespace tool
