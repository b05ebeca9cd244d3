// SPDX-License-Identifier: Apache-2.0
// The mounts a process saw, as /proc/PID/mounts and /proc/PID/mountinfo
// print them: the mounts of its mount namespace in the kernel's order (the
// namespace's rbtree by unique id from 6.8, its list before), each line
// built as show_vfsmnt and show_mountinfo build it: source (mangled), the
// mount point from the process's root (a mount outside that root is left
// out, as the kernel skips it), type, ro/rw, the superblock's and the
// mount's flags, the propagation tags, and the filesystem's own options
// (mount_options.hpp). A mount whose options cannot be reproduced is still
// listed, its problem said.
#pragma once

#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "../error.hpp"
#include "../objects/object_reader.hpp"
#include "../objects/symbol_index.hpp"
#include "../objects/walkers.hpp"
#include "../processes/vfs_path.hpp"
#include "mount_options.hpp"
#include "../notes.hpp"

namespace mquire::filesystems {

struct mount_entry {
  std::uint64_t mount = 0;       // its struct mount
  std::uint64_t super_block = 0; // its filesystem's struct super_block
  std::uint64_t root_dentry = 0; // the dentry it shows at its mount point
  std::int64_t id = 0, parent_id = 0;
  unsigned major = 0, minor = 0;
  std::string root;        // within its filesystem (mangled)
  std::string mount_point; // from the process's root (mangled)
  std::string type, source;
  bool mount_readonly = false, superblock_readonly = false;
  std::string mount_flags;        // ",nosuid,relatime": show_mnt_opts
  std::string superblock_flags;   // ",sync,lazytime": show_sb_opts
  std::string filesystem_options; // ",size=...": the filesystem's show_options
  std::string propagation;        // " shared:1 master:2 propagate_from:3 unbindable"
  std::string problem;            // what of the lines could not be reproduced
};

struct mount_table {
  std::vector<mount_entry> mounts;
  std::uint64_t namespace_address = 0;
  processes::vfs_root root; // the process's root, which the mount points are seen from
  mquire::notes notes;
};

inline constexpr std::size_t max_mounts = 1u << 20;

// /proc/PID/mounts's line (show_vfsmnt).
inline std::string mounts_line(const mount_entry& m) {
  return m.source + " " + m.mount_point + " " + m.type +
         (m.mount_readonly || m.superblock_readonly ? " ro" : " rw") + m.superblock_flags + m.mount_flags +
         m.filesystem_options + " 0 0";
}

// /proc/PID/mountinfo's line (show_mountinfo).
inline std::string mountinfo_line(const mount_entry& m) {
  return std::to_string(m.id) + " " + std::to_string(m.parent_id) + " " + std::to_string(m.major) + ":" +
         std::to_string(m.minor) + " " + m.root + " " + m.mount_point + (m.mount_readonly ? " ro" : " rw") +
         m.mount_flags + m.propagation + " - " + m.type + " " + m.source + (m.superblock_readonly ? " ro" : " rw") +
         m.superblock_flags + m.filesystem_options;
}

// mangle(): space, tab, newline and backslash as \ooo.
inline std::string mangle(const std::string& s) {
  std::string out;
  for (const char c : s) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\\') {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\%03o", static_cast<unsigned>(static_cast<unsigned char>(c)));
      out += buf;
    } else {
      out += c;
    }
  }
  return out;
}

namespace detail {

// A mount flag's value: the kernel's enum where it has one, else the
// value its #define had.
inline std::uint64_t flag_value(const objects::kernel_types& ty, const char* name, std::uint64_t fallback) {
  const auto v = ty.enumerator(name);
  return v && *v >= 0 ? static_cast<std::uint64_t>(*v) : fallback;
}

} // namespace detail

// The mounts `task` (a struct task_struct) saw: its namespace's mounts,
// paths from its root. `page_shift` is the kernel's page size (tmpfs
// prints its size in KiB).
inline result<mount_table> read_mounts(const objects::object_reader& r, const objects::symbol_index& syms,
                                       std::uint64_t task, unsigned page_shift) {
  mount_table out;
  auto t = r.read(task, "task_struct");
  if (!t) return t.err();
  auto nsproxy = r.follow(*t, "nsproxy", "nsproxy");
  if (!nsproxy) return make_error(error_code::not_found, "the task's namespaces: " + nsproxy.err().message);
  auto ns = r.follow(*nsproxy, "mnt_ns", "mnt_namespace");
  if (!ns) return make_error(error_code::not_found, "the task's mount namespace: " + ns.err().message);
  auto fs = r.follow(*t, "fs", "fs_struct");
  if (!fs) return make_error(error_code::not_found, "the task's root: " + fs.err().message);
  out.namespace_address = ns->address();
  out.root = {fs->u("root.mnt").value_or(0), fs->u("root.dentry").value_or(0)};
  const processes::path_reader paths(r, {}, out.root);
  const auto& ty = r.types();
  const auto mnt_at = ty.field("mount", "mnt");
  if (!mnt_at) return make_error(error_code::not_found, "the kernel's types have no struct mount.mnt");

  // The namespace's mounts: an rbtree by mnt_id_unique (6.8+), a list before.
  objects::walk_result walk;
  std::uint64_t node_offset = 0;
  if (const auto tree = ty.field("mnt_namespace", "mounts"), node = ty.field("mount", "mnt_node"); tree && node) {
    walk = objects::walk_rbtree(r, ns->u("mounts.rb_node").value_or(0), max_mounts);
    node_offset = node->offset;
  } else if (const auto list = ty.field("mnt_namespace", "list"), link = ty.field("mount", "mnt_list"); list && link) {
    walk = objects::walk_list(r, ns->address() + list->offset, max_mounts);
    node_offset = link->offset;
  } else {
    return make_error(error_code::not_found, "the kernel's types have neither mnt_namespace.mounts nor .list");
  }
  if (!walk.problem.empty()) out.notes.add("mount namespace: " + walk.problem);

  const std::uint64_t mnt_readonly = detail::flag_value(ty, "MNT_READONLY", 0x40);
  const std::pair<std::uint64_t, const char*> mnt_flags[] = {
      {detail::flag_value(ty, "MNT_NOSUID", 0x01), ",nosuid"},
      {detail::flag_value(ty, "MNT_NODEV", 0x02), ",nodev"},
      {detail::flag_value(ty, "MNT_NOEXEC", 0x04), ",noexec"},
      {detail::flag_value(ty, "MNT_NOATIME", 0x08), ",noatime"},
      {detail::flag_value(ty, "MNT_NODIRATIME", 0x10), ",nodiratime"},
      {detail::flag_value(ty, "MNT_RELATIME", 0x20), ",relatime"},
      {detail::flag_value(ty, "MNT_NOSYMFOLLOW", 0x80), ",nosymfollow"}};
  const std::pair<std::uint64_t, const char*> sb_flags[] = {
      {0x10, ",sync"}, {0x80, ",dirsync"}, {0x40, ",mand"}, {0x2000000, ",lazytime"}};
  // Propagation: mnt_t_flags' T_SHARED / T_UNBINDABLE from 6.16, the
  // MNT_SHARED / MNT_UNBINDABLE mount flags before.
  const bool t_flags = ty.field("mount", "mnt_t_flags").has_value();
  const std::uint64_t shared = t_flags ? detail::flag_value(ty, "T_SHARED", 1) : 0x1000;
  const std::uint64_t unbindable = t_flags ? detail::flag_value(ty, "T_UNBINDABLE", 2) : 0x2000;
  const auto nop_idmap = syms.address("nop_mnt_idmap");

  for (const auto node : walk.nodes) {
    const std::uint64_t address = node - node_offset;
    auto m = r.read(address, "mount");
    if (!m) {
      out.notes.add("mount at " + mquire::detail::hex(address), m.err());
      break;
    }
    const std::uint64_t vfsmnt = address + mnt_at->offset;
    const auto root_dentry = m->u("mnt.mnt_root").value_or(0);
    auto where = paths.path_under_root(vfsmnt, root_dentry);
    if (!where) {
      out.notes.add("mount at " + mquire::detail::hex(address) + ": its mount point", where.err());
      continue;
    }
    if (!*where) continue; // outside the process's root: the kernel skips it too
    mount_entry e;
    e.mount = address;
    e.root_dentry = root_dentry;
    e.id = m->s("mnt_id").value_or(0);
    e.mount_point = mangle(**where);
    if (auto parent = r.follow(*m, "mnt_parent", "mount")) e.parent_id = parent->s("mnt_id").value_or(0);
    const std::uint64_t flags = m->u("mnt.mnt_flags").value_or(0);
    e.mount_readonly = (flags & mnt_readonly) != 0;
    for (const auto& [bit, text] : mnt_flags)
      if (flags & bit) e.mount_flags += text;
    if (nop_idmap)
      if (const auto idmap = m->u("mnt.mnt_idmap"); idmap && *idmap && *idmap != *nop_idmap) e.mount_flags += ",idmapped";
    const std::uint64_t prop = t_flags ? m->u("mnt_t_flags").value_or(0) : flags;
    if (prop & shared) e.propagation += " shared:" + std::to_string(m->s("mnt_group_id").value_or(0));
    if (const auto master = m->u("mnt_master"); master && *master) {
      auto mm = r.read(*master, "mount");
      if (mm) e.propagation += " master:" + std::to_string(mm->s("mnt_group_id").value_or(0));
      else e.problem = "its master mount: " + mm.err().message;
      // get_dominating_id's propagate_from (a master outside the namespace) is
      // not worked out: say so rather than leave it out silently.
      if (mm && mm->u("mnt_ns").value_or(0) != ns->address())
        e.problem = "its master is in another mount namespace: propagate_from is not reproduced";
    }
    if (prop & unbindable) e.propagation += " unbindable";

    auto sb = r.follow(*m, "mnt.mnt_sb", "super_block");
    if (!sb) {
      out.notes.add("mount " + std::to_string(e.id) + ": its superblock", sb.err());
      continue;
    }
    e.super_block = sb->address();
    const std::uint64_t dev = sb->u("s_dev").value_or(0);
    e.major = static_cast<unsigned>(dev >> 20);
    e.minor = static_cast<unsigned>(dev & 0xfffff);
    const std::uint64_t s_flags = sb->u("s_flags").value_or(0);
    e.superblock_readonly = (s_flags & 1) != 0;
    for (const auto& [bit, text] : sb_flags)
      if (s_flags & bit) e.superblock_flags += text;
    if (auto type = r.follow(*sb, "s_type", "file_system_type")) {
      if (const auto name = r.string(type->u("name").value_or(0), 256)) e.type = mangle(*name);
      if (const auto sub = sb->u("s_subtype"); sub && *sub)
        if (const auto st = r.string(*sub, 256); st && !st->empty()) e.type += "." + mangle(*st);
    }
    if (e.type.empty()) e.problem = "its filesystem type's name is not readable";
    auto ops = r.follow(*sb, "s_op", "super_operations");
    const std::uint64_t show_options = ops ? ops->u("show_options").value_or(0) : 0;
    const std::uint64_t show_devname = ops ? ops->u("show_devname").value_or(0) : 0;
    const std::uint64_t show_path = ops ? ops->u("show_path").value_or(0) : 0;
    if (!ops) e.problem = "its super_operations: " + ops.err().message;
    if (show_devname) e.problem = "its filesystem names its source itself (show_devname), which is not reproduced";
    const auto devname = m->u("mnt_devname").value_or(0);
    const auto source = devname ? r.string(devname, 4096) : std::optional<std::string>("none");
    e.source = mangle(source.value_or("none"));
    if (!source) e.problem = "its source name is not readable";
    // show_path: kernfs's prints the dentry path unless the hierarchy has
    // its own (cgroup v1), as do filesystems without one.
    if (show_path) {
      const auto kernfs_path = syms.address("kernfs_sop_show_path");
      auto own = kernfs_path && *kernfs_path == show_path ? kernfs_defers(r, sb->u("s_fs_info").value_or(0), "show_path")
                                                         : result<bool>(true);
      if (!own || *own) e.problem = "its filesystem prints its root itself (show_path), which is not reproduced";
    }
    if (auto root = paths.dentry_path(root_dentry)) e.root = mangle(*root);
    else e.problem = "its root within the filesystem: " + root.err().message;
    if (show_options) {
      auto o = filesystem_options(r, syms, *sb, show_options, page_shift);
      if (o) e.filesystem_options = *o;
      else e.problem = e.type + " options: " + o.err().message;
    }
    out.mounts.push_back(std::move(e));
  }
  return out;
}

} // namespace mquire::filesystems
