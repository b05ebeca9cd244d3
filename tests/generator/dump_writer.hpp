// SPDX-License-Identifier: Apache-2.0
// Dump containers around memory bytes, the way their producers write them:
// an ELF64 core (QEMU's dump-guest-memory: PT_NOTE with VMCOREINFO, then
// PT_LOADs with physical addresses) and LiME (a 32-byte header per range).
// Segments may share file bytes or be tiny: hostile layouts are written as
// easily as real ones.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace gen {

struct dump_segment {
  std::uint64_t data_offset = 0; // into the data block written after the headers
  std::uint64_t size = 0;
  std::uint64_t paddr = 0;
};

namespace detail {
inline void le(std::vector<std::uint8_t>& b, std::uint64_t v, int n) {
  for (int i = 0; i < n; ++i) b.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}
} // namespace detail

// An x86_64 ELF core: an optional VMCOREINFO note, one PT_LOAD a segment,
// then `data`, which the segments index.
inline std::vector<std::uint8_t> elf_core(const std::vector<std::uint8_t>& data, const std::vector<dump_segment>& segs,
                                          const std::string& vmcoreinfo = {}) {
  using detail::le;
  std::vector<std::uint8_t> note;
  if (!vmcoreinfo.empty()) {
    le(note, 11, 4);
    le(note, vmcoreinfo.size(), 4);
    le(note, 0, 4);
    for (char c : std::string("VMCOREINFO\0", 11)) note.push_back(static_cast<std::uint8_t>(c));
    while (note.size() % 4) note.push_back(0);
    note.insert(note.end(), vmcoreinfo.begin(), vmcoreinfo.end());
    while (note.size() % 4) note.push_back(0);
  }
  const std::uint64_t phnum = segs.size() + (note.empty() ? 0 : 1);
  const std::uint64_t ph = 64, note_at = ph + 56 * phnum, data_at = note_at + note.size();
  std::vector<std::uint8_t> out = {0x7f, 'E', 'L', 'F', 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  le(out, 4, 2);  // ET_CORE
  le(out, 62, 2); // EM_X86_64
  le(out, 1, 4);
  le(out, 0, 8);
  le(out, ph, 8);
  le(out, 0, 8);
  le(out, 0, 4);
  le(out, 64, 2);
  le(out, 56, 2);
  le(out, phnum, 2);
  le(out, 0, 2);
  le(out, 0, 2);
  le(out, 0, 2);
  auto phdr = [&](std::uint32_t type, std::uint64_t off, std::uint64_t paddr, std::uint64_t size) {
    le(out, type, 4);
    le(out, 0, 4);
    le(out, off, 8);
    le(out, 0, 8);
    le(out, paddr, 8);
    le(out, size, 8);
    le(out, size, 8);
    le(out, 0, 8);
  };
  if (!note.empty()) phdr(4, note_at, 0, note.size());
  for (const auto& s : segs) phdr(1, data_at + s.data_offset, s.paddr, s.size);
  out.insert(out.end(), note.begin(), note.end());
  out.insert(out.end(), data.begin(), data.end());
  return out;
}

// A LiME file: each range's header (magic, version 1, first and last
// physical address, reserved) followed by its bytes of `data`.
inline std::vector<std::uint8_t> lime(const std::vector<std::uint8_t>& data, const std::vector<dump_segment>& ranges) {
  using detail::le;
  std::vector<std::uint8_t> out;
  for (const auto& r : ranges) {
    le(out, 0x4C694D45u, 4);
    le(out, 1, 4);
    le(out, r.paddr, 8);
    le(out, r.paddr + r.size - 1, 8);
    le(out, 0, 8);
    out.insert(out.end(), data.begin() + static_cast<long>(r.data_offset),
               data.begin() + static_cast<long>(r.data_offset + r.size));
  }
  return out;
}

} // namespace gen
