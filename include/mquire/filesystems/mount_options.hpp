// SPDX-License-Identifier: Apache-2.0
// A filesystem's own mount options, as its super_operations.show_options
// writes them into /proc/mounts and mountinfo. The function is known by
// its address (the kernel's symbol of that name); each one known here is
// reproduced from the superblock's s_fs_info exactly as its C counterpart
// prints it, defaults left out the way it leaves them out. A filesystem
// whose function is not among them is an error that names it, never a
// guess.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

#include "../error.hpp"
#include "../objects/object_reader.hpp"
#include "../objects/symbol_index.hpp"

namespace mquire::filesystems {

namespace detail {

inline std::string octal(std::uint64_t v, int width) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%0*llo", width, static_cast<unsigned long long>(v));
  return buf;
}

// shmem_show_options (tmpfs, devtmpfs, the rootfs): size and nr_inodes
// when they differ from totalram_pages()/2, mode unless 1777, uid and gid
// unless root, inode64/inode32, huge, noswap.
inline result<std::string> shmem_options(const objects::object_reader& r, const objects::symbol_index& syms,
                                         std::uint64_t info, unsigned page_shift) {
  auto s = r.read(info, "shmem_sb_info");
  if (!s) return s.err();
  std::optional<std::uint64_t> totalram;
  if (const auto a = syms.address("_totalram_pages")) totalram = r.memory().uint(*a, r.pointer_size());
  else if (const auto b = syms.address("totalram_pages")) totalram = r.memory().uint(*b, r.pointer_size());
  if (!totalram) return make_error(error_code::not_found, "tmpfs options: _totalram_pages is not readable");
  std::string out;
  const std::uint64_t half = *totalram / 2;
  const auto blocks = s->u("max_blocks").value_or(0), inodes = s->u("max_inodes").value_or(0);
  if (blocks != half) out += ",size=" + std::to_string(blocks << (page_shift - 10)) + "k";
  if (inodes != half) out += ",nr_inodes=" + std::to_string(inodes);
  const auto mode = s->u("mode").value_or(0);
  if (mode != 01777) out += ",mode=" + octal(mode, 3);
  if (const auto uid = s->u("uid.val").value_or(0)) out += ",uid=" + std::to_string(uid);
  if (const auto gid = s->u("gid.val").value_or(0)) out += ",gid=" + std::to_string(gid);
  // inode64 or inode32: shown whenever the build defaults to 64-bit
  // inode numbers (Debian's does), and for full_inums in any case.
  out += s->u("full_inums").value_or(0) ? ",inode64" : ",inode32";
  if (const auto huge = s->s("huge").value_or(0)) {
    const char* name = huge == 1 ? "always" : huge == 2 ? "within_size" : huge == 3 ? "advise" : huge == -1 ? "deny" : huge == -2 ? "force" : "bad_val";
    out += std::string(",huge=") + name;
  }
  if (const auto mpol = s->u("mpol"); mpol && *mpol)
    if (auto m = r.read(*mpol, "mempolicy"); m && m->u("mode").value_or(0) != 0)
      return make_error(error_code::unsupported, "tmpfs options: a NUMA memory policy (mpol=) is not reproduced");
  if (s->u("noswap").value_or(0)) out += ",noswap";
  return out;
}

// proc_show_options: gid, hidepid, subset=pid.
inline result<std::string> proc_options(const objects::object_reader& r, std::uint64_t info) {
  auto p = r.read(info, "proc_fs_info");
  if (!p) return p.err();
  std::string out;
  if (const auto gid = p->u("pid_gid.val").value_or(0)) out += ",gid=" + std::to_string(gid);
  if (const auto hide = p->u("hide_pid").value_or(0)) {
    const char* name = hide == 1 ? "noaccess" : hide == 2 ? "invisible" : hide == 4 ? "ptraceable" : "unknown";
    out += std::string(",hidepid=") + name;
  }
  if (p->u("pidonly").value_or(0)) out += ",subset=pid";
  return out;
}

// tracefs_show_options and debugfs_show_options: uid, gid, and the mode
// unless it is their default 0700.
inline result<std::string> uid_gid_mode_options(const objects::object_reader& r, std::uint64_t info, const char* type) {
  auto f = r.read(info, type);
  if (!f) return f.err();
  std::string out;
  if (const auto uid = f->u("uid.val").value_or(0)) out += ",uid=" + std::to_string(uid);
  if (const auto gid = f->u("gid.val").value_or(0)) out += ",gid=" + std::to_string(gid);
  if (const auto mode = f->u("mode").value_or(0700); mode != 0700) out += ",mode=" + octal(mode, 0);
  return out;
}

// ramfs_show_options: the mode unless it is 0755.
inline result<std::string> ramfs_options(const objects::object_reader& r, std::uint64_t info) {
  auto f = r.read(info, "ramfs_fs_info");
  if (!f) return f.err();
  const auto mode = f->u("mount_opts.mode").value_or(0755);
  return mode != 0755 ? ",mode=" + octal(mode, 0) : std::string();
}

// devpts_show_options: uid and gid when set, mode and ptmxmode always,
// max below NR_UNIX98_PTY_MAX.
inline result<std::string> devpts_options(const objects::object_reader& r, std::uint64_t info) {
  auto f = r.read(info, "pts_fs_info");
  if (!f) return f.err();
  std::string out;
  if (f->u("mount_opts.setuid").value_or(0)) out += ",uid=" + std::to_string(f->u("mount_opts.uid.val").value_or(0));
  if (f->u("mount_opts.setgid").value_or(0)) out += ",gid=" + std::to_string(f->u("mount_opts.gid.val").value_or(0));
  out += ",mode=" + octal(f->u("mount_opts.mode").value_or(0), 3);
  out += ",ptmxmode=" + octal(f->u("mount_opts.ptmxmode").value_or(0), 3);
  if (const auto max = f->s("mount_opts.max").value_or(0); max < (1 << 20)) out += ",max=" + std::to_string(max);
  return out;
}

} // namespace detail

// Whether a kernfs superblock's hierarchy (sysfs, cgroup, ...) has a
// syscall_ops `member` (show_options, show_path) of its own, which
// kernfs's super_operations then defer to.
inline result<bool> kernfs_defers(const objects::object_reader& r, std::uint64_t info, const char* member) {
  auto k = r.read(info, "kernfs_super_info");
  if (!k) return k.err();
  auto root = r.follow(*k, "root", "kernfs_root");
  if (!root) return root.err();
  const auto ops = root->u("syscall_ops").value_or(0);
  if (ops == 0) return false;
  auto o = r.read(ops, "kernfs_syscall_ops");
  if (!o) return o.err();
  return o->u(member).value_or(0) != 0;
}

// The options show_options at `fn` writes for the superblock `sb`
// (",opt,opt=value", possibly empty).
inline result<std::string> filesystem_options(const objects::object_reader& r, const objects::symbol_index& syms,
                                              const objects::object& sb, std::uint64_t fn, unsigned page_shift) {
  const auto info = sb.u("s_fs_info").value_or(0);
  const auto is = [&](const char* name) {
    const auto a = syms.address(name);
    return a && *a == fn;
  };
  if (is("shmem_show_options")) return detail::shmem_options(r, syms, info, page_shift);
  if (is("proc_show_options")) return detail::proc_options(r, info);
  if (is("tracefs_show_options")) return detail::uid_gid_mode_options(r, info, "tracefs_fs_info");
  if (is("debugfs_show_options")) return detail::uid_gid_mode_options(r, info, "debugfs_fs_info");
  if (is("ramfs_show_options")) return detail::ramfs_options(r, info);
  if (is("devpts_show_options")) return detail::devpts_options(r, info);
  if (is("kernfs_sop_show_options")) {
    auto own = kernfs_defers(r, info, "show_options");
    if (!own) return own.err();
    if (!*own) return std::string();
    return make_error(error_code::unsupported, "the options of a kernfs hierarchy with its own show_options "
                                               "(cgroup) are not reproduced");
  }
  return make_error(error_code::unsupported, "its show_options at " + mquire::detail::hex(fn) +
                                                 " is not one this reader reproduces");
}

} // namespace mquire::filesystems
