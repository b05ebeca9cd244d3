// SPDX-License-Identifier: Apache-2.0
// A process's memory maps, as /proc/PID/maps prints them: every VMA of its
// mm in address order (the maple tree mm->mm_mt from 6.1, the mm->mmap
// list before), each with its range, permissions, file offset, device,
// inode and name: the file's path, [heap], [stack], a special mapping's own
// name ([vdso], [vvar], ...), or an anonymous mapping's [anon:NAME].
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <cstdio>

#include "../detail/hex.hpp"
#include "../error.hpp"
#include "../objects/object_reader.hpp"
#include "../objects/symbol_index.hpp"
#include "../objects/walkers.hpp"
#include "vfs_path.hpp"
#include "../notes.hpp"

namespace mquire::processes {

// A process has at most vm.max_map_count VMAs (65530 by default); a
// hostile tree gets this many and a note.
inline constexpr std::size_t max_vmas = 1u << 20;

struct mapping {
  std::uint64_t address = 0; // its struct vm_area_struct
  std::uint64_t start = 0, end = 0;
  std::uint64_t flags = 0;   // vm_flags
  std::uint64_t offset = 0;  // in bytes (vm_pgoff << PAGE_SHIFT), 0 for anonymous maps
  std::uint32_t major = 0, minor = 0;
  std::uint64_t inode = 0;
  std::string name;
  std::string problem; // what of the name could not be read
  std::uint64_t file = 0;
};

struct mapping_list {
  std::vector<mapping> maps;
  mquire::notes notes;
};

// The permissions column of /proc/PID/maps: VM_READ, VM_WRITE, VM_EXEC,
// then 's' for VM_MAYSHARE or 'p'.
inline std::string maps_perms(const mapping& m) {
  return {(m.flags & 1) ? 'r' : '-', (m.flags & 2) ? 'w' : '-', (m.flags & 4) ? 'x' : '-', (m.flags & 0x80) ? 's' : 'p'};
}

// One /proc/PID/maps line (without the newline).
inline std::string maps_line(const mapping& m, unsigned pointer_size = 8) {
  char head[160];
  std::snprintf(head, sizeof head, "%08llx-%08llx %s %08llx %02x:%02x %llu ", static_cast<unsigned long long>(m.start),
                static_cast<unsigned long long>(m.end), maps_perms(m).c_str(), static_cast<unsigned long long>(m.offset),
                m.major, m.minor, static_cast<unsigned long long>(m.inode));
  std::string out = head;
  if (m.name.empty()) return out;
  // seq_pad(): the name starts after column 25 + 6 * sizeof(void *) - 1.
  const std::size_t column = 25 + 6 * pointer_size - 1;
  if (out.size() < column) out.append(column - out.size(), ' ');
  out.push_back(' ');
  return out + m.name;
}

class maps_reader {
public:
  maps_reader(const objects::object_reader& r, const objects::symbol_index& syms, const path_reader& paths,
              unsigned page_shift)
      : r_(&r), paths_(&paths), page_shift_(page_shift) {
    special_name_ = syms.address("special_mapping_name");
  }

  // At most `limit` VMAs (the caller's share of a budget over all processes).
  result<mapping_list> read(std::uint64_t mm_address, std::size_t limit = max_vmas) const {
    limit = std::min(limit, max_vmas);
    auto mm = r_->read(mm_address, "mm_struct");
    if (!mm) return mm.err();
    mapping_list out;
    std::vector<std::uint64_t> vmas;
    const auto& ty = r_->types();
    if (const auto mt = ty.field("mm_struct", "mm_mt")) {
      auto w = objects::walk_maple_tree(*r_, mm_address + mt->offset, limit);
      if (!w.problem.empty()) out.notes.add("VMAs: " + w.problem);
      vmas = std::move(w.nodes);
      if (vmas.size() > limit) vmas.resize(limit);
    } else if (ty.field("mm_struct", "mmap") && ty.field("vm_area_struct", "vm_next")) {
      std::uint64_t at = mm->u("mmap").value_or(0);
      while (at != 0 && vmas.size() < limit) {
        if (!r_->kernel_pointer(at)) {
          out.notes.add("VMAs: list link " + mquire::detail::hex(at) + " is not a kernel pointer");
          break;
        }
        vmas.push_back(at);
        auto v = r_->read(at, "vm_area_struct");
        if (!v) break;
        at = v->u("vm_next").value_or(0);
      }
      if (at != 0 && vmas.size() >= limit)
        out.notes.add("VMAs: more than " + std::to_string(limit) + " on the mmap list; the rest left out");
    } else {
      return make_error(error_code::not_found, "the kernel's types have neither mm_struct.mm_mt nor mm_struct.mmap");
    }
    const std::uint64_t brk = mm->u("brk").value_or(0), start_brk = mm->u("start_brk").value_or(0);
    const std::uint64_t start_stack = mm->u("start_stack").value_or(0);
    std::uint64_t last_end = 0;
    for (auto a : vmas) {
      auto v = r_->read(a, "vm_area_struct");
      if (!v) {
        out.notes.add("VMA " + mquire::detail::hex(a) + ": " + v.err().message + "; the maps end here");
        break;
      }
      mapping m;
      m.address = a;
      m.start = v->u("vm_start").value_or(0);
      m.end = v->u("vm_end").value_or(0);
      // A VMA belongs to this mm, covers whole pages, and follows the one
      // before it: anything else is not one of this process's mappings.
      const std::uint64_t page_mask = (std::uint64_t{1} << page_shift_) - 1;
      if (v->u("vm_mm") != mm_address || m.end <= m.start || (m.start & page_mask) || (m.end & page_mask) ||
          m.start < last_end) {
        out.notes.add("VMA " + mquire::detail::hex(a) + " (" + mquire::detail::hex(m.start) + "-" +
                      mquire::detail::hex(m.end) + ") is not a mapping of this mm in order; the maps end here");
        break;
      }
      last_end = m.end;
      m.flags = v->u("vm_flags").value_or(0);
      m.file = v->u("vm_file").value_or(0);
      if (m.file != 0) {
        describe_file(*v, m);
      } else {
        m.name = anonymous_name(*v, m, brk, start_brk, start_stack);
      }
      out.maps.push_back(std::move(m));
    }
    return out;
  }

private:
  void describe_file(const objects::object& v, mapping& m) const {
    m.offset = v.u("vm_pgoff").value_or(0) << page_shift_;
    auto f = r_->read(m.file, "file");
    if (!f) {
      m.problem = f.err().message;
      return;
    }
    if (auto inode = r_->follow(*f, "f_inode", "inode")) {
      m.inode = inode->u("i_ino").value_or(0);
      if (auto sb = r_->follow(*inode, "i_sb", "super_block")) {
        const std::uint64_t dev = sb->u("s_dev").value_or(0);
        m.major = static_cast<std::uint32_t>(dev >> 20);
        m.minor = static_cast<std::uint32_t>(dev & 0xfffff);
      }
    }
    if (auto p = paths_->file_path(m.file)) m.name = *p;
    else m.problem = p.err().message;
  }

  // get_vma_name() for a mapping without a file.
  std::string anonymous_name(const objects::object& v, mapping& m, std::uint64_t brk, std::uint64_t start_brk,
                             std::uint64_t start_stack) const {
    if (const auto ops = v.u("vm_ops"); ops && *ops != 0 && special_name_) {
      const auto name_fn = r_->types().field("vm_operations_struct", "name");
      if (name_fn && r_->pointer(*ops + name_fn->offset) == special_name_) {
        const auto sm = v.u("vm_private_data");
        const auto sm_name = r_->types().field("vm_special_mapping", "name");
        if (sm && sm_name)
          if (const auto p = r_->pointer(*sm + sm_name->offset))
            if (auto s = r_->string(*p, 256)) return *s;
        m.problem = "special mapping's name not readable";
        return {};
      }
    }
    if (m.start <= brk && m.end >= start_brk) return "[heap]";
    if (m.start <= start_stack && m.end >= start_stack) return "[stack]";
    if (const auto anon = v.u("anon_name"); anon && *anon != 0) {
      const auto name_f = r_->types().field("anon_vma_name", "name");
      if (name_f)
        if (auto s = r_->string(*anon + name_f->offset, 256)) return "[anon:" + *s + "]";
    }
    return {};
  }

  const objects::object_reader* r_;
  const path_reader* paths_;
  unsigned page_shift_;
  std::optional<std::uint64_t> special_name_;
};

} // namespace mquire::processes
