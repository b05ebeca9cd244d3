// SPDX-License-Identifier: Apache-2.0
// A process's open files, as `ls -l /proc/PID/fd` and /proc/PID/fdinfo show
// them: every descriptor of its fdtable with the file's path (d_path), its
// position, flags (O_CLOEXEC added from the close-on-exec bitmap, as
// fdinfo adds it), mount id and inode; plus the process's cwd and root.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "../detail/hex.hpp"
#include "../error.hpp"
#include "../objects/object_reader.hpp"
#include "vfs_path.hpp"
#include "../notes.hpp"

namespace mquire::processes {

// sysctl fs.nr_open is at most 1<<30; a real process holds far fewer. The
// table's slots are read in chunks, so memory follows what the dump holds.
inline constexpr std::uint64_t max_fds = 1u << 20;
inline constexpr std::uint64_t o_cloexec = 02000000; // the same on x86_64 and arm64 (asm-generic)

struct open_file {
  std::uint64_t fd = 0;
  std::uint64_t file = 0; // its struct file
  std::string target;     // as readlink(/proc/PID/fd/N) gives it
  std::uint64_t pos = 0;
  std::uint64_t flags = 0; // as fdinfo prints them (octal there)
  std::int64_t mnt_id = 0;
  std::uint64_t inode = 0;
  std::string problem;
};

struct open_file_list {
  std::vector<open_file> files;
  std::string cwd, root;
  mquire::notes notes;
  std::uint64_t slots_read = 0; // fdtable slots looked at: the work done
};

class files_reader {
public:
  files_reader(const objects::object_reader& r, const path_reader& paths) : r_(&r), paths_(&paths) {}

  // The file behind one struct file pointer, described as fdinfo does.
  open_file describe(std::uint64_t fd, std::uint64_t file) const {
    open_file f;
    f.fd = fd;
    f.file = file;
    auto o = r_->read(file, "file");
    if (!o) {
      f.problem = o.err().message;
      return f;
    }
    f.pos = o->u("f_pos").value_or(0);
    f.flags = o->u("f_flags").value_or(0);
    if (auto inode = r_->follow(*o, "f_inode", "inode")) f.inode = inode->u("i_ino").value_or(0);
    const auto mnt = o->u("f_path.mnt");
    const auto mnt_field = r_->types().field("mount", "mnt");
    if (mnt && mnt_field)
      if (auto m = r_->read(*mnt - mnt_field->offset, "mount")) f.mnt_id = m->s("mnt_id").value_or(0);
    if (auto p = paths_->file_path(file)) f.target = *p;
    else f.problem = p.err().message;
    return f;
  }

  // At most `limit` fdtable slots (the caller's share of a budget over all processes).
  result<open_file_list> read(std::uint64_t files_struct, std::uint64_t fs_struct,
                              std::uint64_t limit = max_fds) const {
    open_file_list out;
    if (fs_struct != 0) {
      if (auto fs = r_->read(fs_struct, "fs_struct")) {
        const auto path_of = [&](const char* which, std::string& into) {
          const std::string m = std::string(which) + ".mnt", d = std::string(which) + ".dentry";
          const auto mnt = fs->u(m), dentry = fs->u(d);
          if (!mnt || !dentry) return;
          if (auto p = paths_->path(*mnt, *dentry)) into = *p;
          else out.notes.add(which, p.err());
        };
        path_of("pwd", out.cwd);
        path_of("root", out.root);
      } else {
        out.notes.add("fs_struct", fs.err());
      }
    }
    if (files_struct == 0) return out;
    auto files = r_->read(files_struct, "files_struct");
    if (!files) return files.err();
    auto fdt = r_->follow(*files, "fdt", "fdtable");
    if (!fdt) return fdt.err();
    const std::uint64_t max = fdt->u("max_fds").value_or(0);
    const std::uint64_t array = fdt->u("fd").value_or(0);
    const std::uint64_t cloexec = fdt->u("close_on_exec").value_or(0);
    const std::uint64_t n = std::min({max, max_fds, limit});
    if (max > n)
      out.notes.add("fdtable claims " + std::to_string(max) + " slots; the first " + std::to_string(n) + " read");
    out.slots_read = n;
    const unsigned ps = r_->pointer_size();
    constexpr std::uint64_t chunk = 512;
    std::vector<std::uint8_t> raw;
    std::vector<std::uint8_t> bits;
    for (std::uint64_t base = 0; base < n; base += chunk) {
      const std::uint64_t count = std::min(chunk, n - base);
      raw.resize(static_cast<std::size_t>(count * ps));
      if (!r_->memory().read(array + base * ps, raw.data(), raw.size())) {
        out.notes.add("fd array at " + mquire::detail::hex(array + base * ps) + " not readable: descriptors from " +
                      std::to_string(base) + " on are missing");
        break;
      }
      bits.assign(static_cast<std::size_t>((count + 63) / 64 * 8), 0);
      const bool have_bits = cloexec != 0 && r_->memory().read_available(cloexec + base / 8, bits.data(), bits.size()) ==
                                                 bits.size();
      const byte_reader br{std::span<const std::uint8_t>(raw)};
      for (std::uint64_t i = 0; i < count; ++i) {
        const std::uint64_t p = br.uint_unchecked(static_cast<std::size_t>(i * ps), ps, r_->memory().order());
        if (p == 0) continue;
        if (!r_->kernel_pointer(p)) {
          out.notes.add("fd " + std::to_string(base + i) + ": " + mquire::detail::hex(p) +
                        " is not a kernel pointer");
          continue;
        }
        auto f = describe(base + i, p);
        // The bitmap is an array of longs: bit i of the table is bit i%8 of
        // byte i/8 on a little-endian kernel, of byte i/8 ^ (long-1) on a
        // big-endian one.
        std::size_t byte = static_cast<std::size_t>(i / 8);
        if (r_->memory().order() == byte_order::big) byte ^= ps - 1;
        if (have_bits && byte < bits.size() && ((bits[byte] >> (i % 8)) & 1)) f.flags |= o_cloexec;
        out.files.push_back(std::move(f));
      }
    }
    return out;
  }

private:
  const objects::object_reader* r_;
  const path_reader* paths_;
};

} // namespace mquire::processes
