// The KASLR slide, where the input tells it.
#pragma once

#include <optional>
#include <string>

#include <mquire/addressing/vmcoreinfo.hpp>

#include "segments.hpp"

namespace tool {

struct slide_answer {
  std::uint64_t slide;
  std::string how;
};

// From the input's own vmcoreinfo (an ELF VMCOREINFO note, a kdump header),
// checked against the recovered table where the table names the same symbol.
inline std::optional<slide_answer> kaslr_slide(const mquire::kallsyms_table& t, const input_map& map) {
  if (map.vmcoreinfo.empty()) return std::nullopt;
  auto info = mquire::parse_vmcoreinfo(map.vmcoreinfo);
  if (!info) return std::nullopt;
  auto off = info->kernel_offset();
  if (!off) return std::nullopt;
  std::string how = "KERNELOFFSET in the input's VMCOREINFO";
  if (auto stext = info->symbol("_stext"); stext && t.basis == mquire::address_basis::virtual_address) {
    for (const auto& s : t.symbols)
      if (t.name(s) == "_stext") {
        how += s.address == *stext ? "; SYMBOL(_stext) agrees with the table" : "; SYMBOL(_stext) DISAGREES with the table";
        break;
      }
  }
  return slide_answer{*off, how};
}

} // namespace tool
