// SPDX-License-Identifier: Apache-2.0
// ELF inputs: cores (QEMU dump-guest-memory, kdump's /proc/vmcore, /proc/kcore)
// and kernel images (vmlinux). Only the program headers and notes are read;
// every header field is checked against the file before it is used.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "../detail/hex.hpp"
#include "../error.hpp"
#include "input_map.hpp"

namespace mquire::sources {

namespace elf {
inline constexpr std::uint32_t pt_load = 1;
inline constexpr std::uint32_t pt_note = 4;
inline constexpr std::uint16_t et_core = 4;
inline constexpr std::uint16_t em_x86_64 = 62;
} // namespace elf

// Kernel-image virtual addresses on x86_64 start here (the -2 GiB mapping);
// a core segment there maps the kernel image itself (kcore's text segment,
// vmcore's kernel segment), not the direct map.
inline constexpr std::uint64_t x86_64_kernel_map = 0xffffffff80000000ull;

struct elf_note {
  std::string name;
  std::uint32_t type = 0;
  std::span<const std::uint8_t> desc;
};

// Calls f(note) for each note in a PT_NOTE segment's bytes.
template <typename F>
void for_each_note(std::span<const std::uint8_t> seg, byte_order o, F&& f) {
  const byte_reader r(seg);
  std::size_t pos = 0;
  while (r.fits(pos, 12)) {
    const std::uint64_t namesz = *r.u32(pos, o), descsz = *r.u32(pos + 4, o), type = *r.u32(pos + 8, o);
    const std::uint64_t name_at = pos + 12, desc_at = name_at + ((namesz + 3) & ~std::uint64_t{3});
    if (!r.fits(name_at, namesz) || desc_at > seg.size() || !r.fits(desc_at, descsz)) return;
    std::string name(r.chars(name_at, namesz));
    while (!name.empty() && name.back() == '\0') name.pop_back();
    f(elf_note{name, static_cast<std::uint32_t>(type), seg.subspan(desc_at, descsz)});
    pos = desc_at + ((descsz + 3) & ~std::uint64_t{3});
  }
}

// The ELF header's fields parse_elf() uses, each checked against the file.
struct elf_header {
  bool is64 = false;
  byte_order order = byte_order::little;
  std::uint16_t type = 0, machine = 0;
  std::uint64_t phoff = 0;
  std::uint16_t phentsize = 0, phnum = 0;
  // Program header i's place in the file.
  std::size_t phdr_at(unsigned i) const { return static_cast<std::size_t>(phoff) + std::size_t{i} * phentsize; }
};

inline result<elf_header> read_elf_header(std::span<const std::uint8_t> file) {
  const byte_reader r(file);
  if (file.size() < 52 || file[0] != 0x7f || file[1] != 'E' || file[2] != 'L' || file[3] != 'F')
    return make_error(error_code::malformed, "not an ELF file (no \\x7fELF header)");
  const unsigned cls = file[4], data = file[5];
  if ((cls != 1 && cls != 2) || (data != 1 && data != 2))
    return make_error(error_code::malformed, "ELF header: class " + std::to_string(cls) + " / data encoding " +
                                                 std::to_string(data) + " is neither 32/64-bit nor LE/BE");
  elf_header h;
  h.is64 = cls == 2;
  h.order = data == 1 ? byte_order::little : byte_order::big;
  const std::size_t ehsize = h.is64 ? 64 : 52;
  if (file.size() < ehsize) return make_error(error_code::out_of_range, "ELF header is truncated");
  const byte_order o = h.order;
  h.type = *r.u16(16, o);
  h.machine = *r.u16(18, o);
  h.phoff = h.is64 ? *r.uint(32, 8, o) : *r.u32(28, o);
  h.phentsize = *r.u16(h.is64 ? 54 : 42, o);
  h.phnum = *r.u16(h.is64 ? 56 : 44, o);
  const std::size_t want = h.is64 ? 56 : 32;
  if (h.phnum == 0) return make_error(error_code::malformed, "ELF file has no program headers");
  if (h.phentsize < want)
    return make_error(error_code::malformed, "ELF program header size " + std::to_string(h.phentsize) +
                                                 ", expected " + std::to_string(want));
  if (!r.fits(h.phoff, std::uint64_t{h.phnum} * h.phentsize))
    return make_error(error_code::out_of_range, "ELF program headers (" + std::to_string(h.phnum) + " at offset " +
                                                    std::to_string(h.phoff) + ") run past the end of the file (" +
                                                    std::to_string(file.size()) + " bytes)");
  return h;
}

struct elf_program_header {
  std::uint32_t type = 0;
  std::uint64_t offset = 0, vaddr = 0, paddr = 0, filesz = 0;
};

// Program header i of a header read_elf_header() accepted.
inline elf_program_header read_program_header(std::span<const std::uint8_t> file, const elf_header& eh, unsigned i) {
  const byte_reader r(file);
  const std::size_t h = eh.phdr_at(i);
  const byte_order o = eh.order;
  elf_program_header p;
  p.type = *r.u32(h, o);
  if (eh.is64) {
    p.offset = *r.uint(h + 8, 8, o);
    p.vaddr = *r.uint(h + 16, 8, o);
    p.paddr = *r.uint(h + 24, 8, o);
    p.filesz = *r.uint(h + 32, 8, o);
  } else {
    p.offset = *r.u32(h + 4, o);
    p.vaddr = *r.u32(h + 8, o);
    p.paddr = *r.u32(h + 12, o);
    p.filesz = *r.u32(h + 16, o);
  }
  return p;
}

// For a caller whose file arrives front to back (decompressed as it is
// read): asks ready(end) for every part parse_elf() reads (the header, the
// program headers, the notes) before it is read, and says whether all came.
// Parts the file cannot hold are not asked for: parse_elf() refuses them
// unread.
template <typename Ready>
bool elf_headers_ready(std::span<const std::uint8_t> file, Ready&& ready) {
  if (!ready(std::min<std::size_t>(file.size(), 64))) return false;
  const auto eh = read_elf_header(file);
  if (!eh) return true;
  if (!ready(eh->phdr_at(eh->phnum))) return false;
  for (unsigned i = 0; i < eh->phnum; ++i) {
    const elf_program_header p = read_program_header(file, *eh, i);
    if (p.type == elf::pt_note && byte_reader(file).fits(p.offset, p.filesz) &&
        !ready(static_cast<std::size_t>(p.offset + p.filesz)))
      return false;
  }
  return true;
}

inline result<input_map> parse_elf(std::span<const std::uint8_t> file) {
  const byte_reader r(file);
  const auto eh = read_elf_header(file);
  if (!eh) return eh.err();
  const bool is64 = eh->is64;
  const byte_order o = eh->order;
  input_map m;
  m.word_size = is64 ? 8 : 4;
  m.order = o;
  m.elf_machine = eh->machine;
  m.format = eh->type == elf::et_core ? input_format::elf_core : input_format::vmlinux;
  for (unsigned i = 0; i < eh->phnum; ++i) {
    const elf_program_header p = read_program_header(file, *eh, i);
    const std::uint64_t off = p.offset, vaddr = p.vaddr, paddr = p.paddr, filesz = p.filesz;
    const std::uint32_t p_type = p.type;
    if (p_type != elf::pt_load && p_type != elf::pt_note) continue;
    if (!r.fits(off, filesz))
      return make_error(error_code::out_of_range,
                        "ELF program header " + std::to_string(i) + " claims file bytes [" + detail::hex(off) + ", +" +
                            detail::hex(filesz) + ") but the file has " + std::to_string(file.size()) +
                            " bytes (truncated dump or lying header)");
    if (p_type == elf::pt_note) {
      for_each_note(file.subspan(off, filesz), o, [&](const elf_note& n) {
        if (n.name == "VMCOREINFO") m.vmcoreinfo.assign(reinterpret_cast<const char*>(n.desc.data()), n.desc.size());
      });
      continue;
    }
    if (filesz == 0) continue;
    memory_segment s;
    s.file_offset = off;
    s.size = filesz;
    if (m.format == input_format::vmlinux) {
      s.address = vaddr;
      s.address_is_physical = false;
      s.vaddr = vaddr;
    } else {
      // Cores give physical addresses in p_paddr (QEMU, vmcore); kcore gives
      // kernel virtual addresses in p_vaddr. Only a segment of the kernel
      // image mapping tells the image's virtual address.
      s.address = paddr;
      if (is64 && m.elf_machine == elf::em_x86_64 && vaddr >= x86_64_kernel_map) s.vaddr = vaddr;
    }
    m.segments.push_back(s);
  }
  if (m.segments.empty()) return make_error(error_code::malformed, "ELF file has no loadable segment with bytes");
  m.description = std::string(is64 ? "ELF64 " : "ELF32 ") + (o == byte_order::little ? "LE " : "BE ") +
                  (m.format == input_format::elf_core ? "core" : "image") + ", machine " +
                  std::to_string(m.elf_machine) + ", " + std::to_string(m.segments.size()) + " loadable segments" +
                  (m.vmcoreinfo.empty() ? "" : ", VMCOREINFO note");
  return m;
}

} // namespace mquire::sources
