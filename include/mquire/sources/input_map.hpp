// SPDX-License-Identifier: Apache-2.0
// What an input file holds, as the search sees it: a list of memory segments
// (each one contiguous byte range in the file with the address it stands
// for), plus metadata some formats carry (ELF notes such as VMCOREINFO).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "../bytes.hpp"

namespace mquire::sources {

enum class input_format : std::uint8_t { raw, lime, elf_core, vmlinux, kdump, image };

constexpr std::string_view to_string(input_format f) noexcept {
  switch (f) {
  case input_format::raw: return "raw";
  case input_format::lime: return "lime";
  case input_format::elf_core: return "elf";
  case input_format::vmlinux: return "vmlinux";
  case input_format::kdump: return "kdump";
  case input_format::image: return "image";
  }
  return "?";
}

struct memory_segment {
  std::uint64_t file_offset = 0; // where its bytes start in the file
  std::uint64_t size = 0;
  std::uint64_t address = 0;     // physical address (dumps) or file offset (raw)
  bool address_is_physical = true;
  std::optional<std::uint64_t> vaddr{}; // kernel virtual address of the first byte, when the input says
  bool operator==(const memory_segment&) const = default;
};

struct input_map {
  input_format format = input_format::raw;
  std::vector<memory_segment> segments;
  std::string vmcoreinfo;        // the VMCOREINFO note's text, when present
  std::optional<unsigned> word_size{}; // from an ELF class, when present
  std::optional<byte_order> order{};
  std::uint16_t elf_machine = 0;
  std::string description;       // one line for `inspect`
  bool operator==(const input_map&) const = default;
};

} // namespace mquire::sources
