// SPDX-License-Identifier: Apache-2.0
// LiME (Linux Memory Extractor) files: a sequence of 32-byte headers, each
// followed by the bytes of one physical range.
//   u32 magic 0x4C694D45 ("EMiL"), u32 version (1), u64 start, u64 end (inclusive), u64 reserved
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "../detail/hex.hpp"
#include "../error.hpp"
#include "input_map.hpp"

namespace mquire::sources {

inline constexpr std::size_t lime_header_size = 32;

inline result<input_map> parse_lime(std::span<const std::uint8_t> file) {
  const byte_reader r(file);
  input_map m;
  m.format = input_format::lime;
  std::uint64_t pos = 0;
  std::size_t index = 0;
  while (pos < file.size()) {
    const std::string where = "LiME header " + std::to_string(index) + " at file offset " + std::to_string(pos);
    if (!r.fits(pos, lime_header_size))
      return make_error(error_code::out_of_range, where + ": file ends inside the 32-byte header");
    const std::uint32_t magic = *r.u32(pos, byte_order::little);
    const std::uint32_t version = *r.u32(pos + 4, byte_order::little);
    const std::uint64_t start = *r.uint(pos + 8, 8, byte_order::little);
    const std::uint64_t end = *r.uint(pos + 16, 8, byte_order::little);
    if (magic != 0x4C694D45u)
      return make_error(error_code::malformed,
                        where + ": expected magic \"EMiL\" (0x4c694d45), found " + detail::hex(magic));
    if (version != 1)
      return make_error(error_code::unsupported, where + ": version " + std::to_string(version) + ", only 1 is defined");
    if (end < start || end - start == UINT64_MAX)
      return make_error(error_code::malformed, where + ": range end is before its start");
    const std::uint64_t size = end - start + 1;
    const std::uint64_t data = pos + lime_header_size;
    if (size > file.size() - data)
      return make_error(error_code::out_of_range, where + ": range of " + std::to_string(size) +
                                                      " bytes runs past the end of the file (" +
                                                      std::to_string(file.size() - data) + " bytes left)");
    m.segments.push_back({data, size, start, true, {}});
    pos = data + size;
    ++index;
  }
  if (m.segments.empty()) return make_error(error_code::malformed, "LiME file holds no range");
  m.description = "LiME, " + std::to_string(m.segments.size()) + " ranges";
  return m;
}

} // namespace mquire::sources
