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

inline result<input_map> parse_elf(std::span<const std::uint8_t> file) {
  const byte_reader r(file);
  if (file.size() < 52 || file[0] != 0x7f || file[1] != 'E' || file[2] != 'L' || file[3] != 'F')
    return make_error(error_code::malformed, "not an ELF file (no \\x7fELF header)");
  const unsigned cls = file[4], data = file[5];
  if ((cls != 1 && cls != 2) || (data != 1 && data != 2))
    return make_error(error_code::malformed, "ELF header: class " + std::to_string(cls) + " / data encoding " +
                                                 std::to_string(data) + " is neither 32/64-bit nor LE/BE");
  const bool is64 = cls == 2;
  const byte_order o = data == 1 ? byte_order::little : byte_order::big;
  const std::size_t ehsize = is64 ? 64 : 52;
  if (file.size() < ehsize) return make_error(error_code::out_of_range, "ELF header is truncated");
  input_map m;
  m.word_size = is64 ? 8 : 4;
  m.order = o;
  const std::uint16_t type = *r.u16(16, o);
  m.elf_machine = *r.u16(18, o);
  m.format = type == elf::et_core ? input_format::elf_core : input_format::vmlinux;
  const std::uint64_t phoff = is64 ? *r.uint(32, 8, o) : *r.u32(28, o);
  const std::uint16_t phentsize = *r.u16(is64 ? 54 : 42, o);
  const std::uint16_t phnum = *r.u16(is64 ? 56 : 44, o);
  const std::size_t want = is64 ? 56 : 32;
  if (phnum == 0) return make_error(error_code::malformed, "ELF file has no program headers");
  if (phentsize < want)
    return make_error(error_code::malformed, "ELF program header size " + std::to_string(phentsize) + ", expected " +
                                                 std::to_string(want));
  if (!r.fits(phoff, std::uint64_t{phnum} * phentsize))
    return make_error(error_code::out_of_range, "ELF program headers (" + std::to_string(phnum) + " at offset " +
                                                    std::to_string(phoff) + ") run past the end of the file (" +
                                                    std::to_string(file.size()) + " bytes)");
  for (unsigned i = 0; i < phnum; ++i) {
    const std::size_t h = phoff + std::size_t{i} * phentsize;
    const std::uint32_t p_type = *r.u32(h, o);
    std::uint64_t off, vaddr, paddr, filesz;
    if (is64) {
      off = *r.uint(h + 8, 8, o);
      vaddr = *r.uint(h + 16, 8, o);
      paddr = *r.uint(h + 24, 8, o);
      filesz = *r.uint(h + 32, 8, o);
    } else {
      off = *r.u32(h + 4, o);
      vaddr = *r.u32(h + 8, o);
      paddr = *r.u32(h + 12, o);
      filesz = *r.u32(h + 16, o);
    }
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
