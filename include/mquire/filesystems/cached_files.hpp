// SPDX-License-Identifier: Apache-2.0
// The files with pages in the page cache: every superblock on the
// kernel's super_blocks list, every inode on its s_inodes list, kept when
// its address_space holds pages. Each is named as a process of the mount
// namespace the caller gives (pid 1's, usually) would see it: through a
// mount of its superblock (the one showing the filesystem's root first)
// and its first dentry, " (deleted)" after an unlinked one. A file whose
// filesystem is mounted nowhere there (a pipe, a memfd, SysV shared
// memory) is named by its filesystem type and its path inside it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "../detail/hex.hpp"
#include "../error.hpp"
#include "../objects/object_reader.hpp"
#include "../objects/symbol_index.hpp"
#include "../objects/walkers.hpp"
#include "../processes/vfs_path.hpp"
#include "mounts.hpp"
#include "../notes.hpp"

namespace mquire::filesystems {

struct cached_file {
  std::uint64_t inode = 0;       // its struct inode
  std::uint64_t mapping = 0;     // its address_space (i_mapping)
  std::uint64_t super_block = 0;
  std::uint64_t ino = 0;
  std::uint64_t size = 0;        // i_size
  std::uint64_t cached_pages = 0; // address_space.nrpages
  unsigned mode = 0;             // i_mode: the file's type and permissions
  std::string fs_type;
  std::string path;   // as d_path gives it; "TYPE:/path" when not mounted
  std::vector<std::string> other_paths; // through the filesystem's other mounts (bind mounts)
  bool mounted = true;
  bool deleted = false; // no links left, or its dentry unhashed
  std::string problem;
};

struct cached_file_list {
  std::vector<cached_file> files;
  mquire::notes notes;
  std::uint64_t inodes_read = 0; // every inode looked at: the work done
};

inline constexpr std::size_t max_super_blocks = 1u << 16;
inline constexpr std::size_t max_inodes = 1u << 24;

namespace detail {

// The first dentry of an inode (i_dentry's d_alias chain), or 0.
inline std::uint64_t first_alias(const objects::object_reader& r, const objects::object& inode) {
  const auto& ty = r.types();
  auto alias = ty.field("dentry", "d_alias");
  if (!alias) alias = ty.field("dentry", "d_u.d_alias");
  const auto head = inode.address_of("i_dentry");
  if (!alias || !head) return 0;
  const auto first = r.pointer(*head);
  if (!first || *first == 0 || !r.kernel_pointer(*first, 8)) return 0;
  return *first - alias->offset;
}

} // namespace detail

// Files with cached pages, superblock by superblock in the kernel's order.
// `mounts` is the namespace to name them in; `paths` resolves from its root.
inline result<cached_file_list> read_cached_files(const objects::object_reader& r, const objects::symbol_index& syms,
                                                  const mount_table& mounts, const processes::path_reader& paths,
                                                  std::size_t inode_limit = max_inodes) {
  const auto& ty = r.types();
  const auto head = syms.address("super_blocks");
  if (!head) return make_error(error_code::not_found, "the symbol table has no super_blocks");
  const auto s_list = ty.field("super_block", "s_list"), s_inodes = ty.field("super_block", "s_inodes");
  const auto i_sb_list = ty.field("inode", "i_sb_list"), nrpages = ty.field("address_space", "nrpages");
  const auto mnt_at = ty.field("mount", "mnt");
  if (!s_list || !s_inodes || !i_sb_list || !nrpages || !mnt_at)
    return make_error(error_code::not_found, "the kernel's types lack super_block.s_list or .s_inodes, "
                                             "inode.i_sb_list, address_space.nrpages or mount.mnt");
  // Each superblock's mounts: its files are named through the first that
  // shows the filesystem's root (else the first), and also through every
  // other whose root lies above them.
  struct shown {
    std::uint64_t vfsmount = 0, root = 0;
    bool shows_root = false;
  };
  std::unordered_map<std::uint64_t, std::vector<shown>> mounts_of;
  for (const auto& m : mounts.mounts) {
    if (m.super_block == 0) continue;
    auto& v = mounts_of[m.super_block];
    const shown s{m.mount + mnt_at->offset, m.root_dentry, m.root == "/"};
    if (s.shows_root && !v.empty() && !v.front().shows_root) v.insert(v.begin(), s);
    else v.push_back(s);
  }
  const auto d_parent = ty.field("dentry", "d_parent");
  const auto below = [&](std::uint64_t dentry, std::uint64_t root) {
    for (std::size_t steps = 0; d_parent && steps < processes::max_path; ++steps) {
      if (dentry == root) return true;
      const auto up = r.memory().pointer(dentry + d_parent->offset);
      if (!up || *up == dentry || *up == 0) return false;
      dentry = *up;
    }
    return false;
  };

  cached_file_list out;
  const auto sbs = objects::walk_list(r, *head, max_super_blocks);
  if (!sbs.problem.empty()) out.notes.add("super_blocks: " + sbs.problem);
  std::size_t budget = inode_limit;
  for (const auto node : sbs.nodes) {
    const std::uint64_t sb_address = node - s_list->offset;
    auto sb = r.read(sb_address, "super_block");
    if (!sb) {
      out.notes.add("superblock at " + mquire::detail::hex(sb_address), sb.err());
      continue;
    }
    std::string type = "?";
    if (auto t = r.follow(*sb, "s_type", "file_system_type"))
      if (auto name = r.string(t->u("name").value_or(0), 256)) type = *name;
    const auto inodes = objects::walk_list(r, sb_address + s_inodes->offset, budget);
    budget -= std::min(budget, inodes.nodes.size());
    out.inodes_read += inodes.nodes.size();
    if (!inodes.problem.empty())
      out.notes.add(type + " superblock at " + mquire::detail::hex(sb_address) + ": its inodes: " +
                    inodes.problem);
    const auto mount = mounts_of.find(sb_address);
    for (const auto in : inodes.nodes) {
      const std::uint64_t inode_address = in - i_sb_list->offset;
      auto inode = r.read(inode_address, "inode");
      if (!inode) {
        out.notes.add(type + " inode at " + mquire::detail::hex(inode_address), inode.err());
        continue;
      }
      const auto mapping = inode->u("i_mapping").value_or(0);
      if (mapping == 0) continue;
      const auto pages = r.memory().pointer(mapping + nrpages->offset);
      if (!pages || *pages == 0) continue;
      cached_file f;
      f.inode = inode_address;
      f.mapping = mapping;
      f.super_block = sb_address;
      f.ino = inode->u("i_ino").value_or(0);
      f.size = static_cast<std::uint64_t>(std::max<std::int64_t>(0, inode->s("i_size").value_or(0)));
      f.cached_pages = *pages;
      f.mode = static_cast<unsigned>(inode->u("i_mode").value_or(0));
      f.fs_type = type;
      auto nlink = inode->u("__i_nlink");
      if (!nlink) nlink = inode->u("i_nlink");
      f.deleted = nlink && *nlink == 0;
      const std::uint64_t dentry = detail::first_alias(r, *inode);
      if (dentry == 0) {
        f.problem = "no dentry names it";
        f.path = type + ":" + "[inode " + std::to_string(f.ino) + "]";
        f.mounted = false;
      } else if (mount != mounts_of.end()) {
        auto p = paths.path(mount->second.front().vfsmount, dentry);
        if (p) f.path = *p;
        else f.problem = "its path: " + p.err().message;
        for (std::size_t i = 1; i < mount->second.size(); ++i)
          if (below(dentry, mount->second[i].root))
            if (auto q = paths.path(mount->second[i].vfsmount, dentry); q && *q != f.path)
              f.other_paths.push_back(*q);
      } else {
        f.mounted = false;
        auto p = paths.dentry_path(dentry);
        if (p) f.path = type + ":" + *p;
        else f.problem = "its path: " + p.err().message;
      }
      if (f.path.ends_with(" (deleted)") || f.path.ends_with("//deleted")) f.deleted = true;
      else if (f.deleted && f.mounted && !f.path.empty()) {
        f.path += " (deleted)";
        for (auto& o : f.other_paths) o += " (deleted)";
      }
      out.files.push_back(std::move(f));
    }
  }
  return out;
}

// The same, named as the process `task` (its struct task_struct) sees
// them: its mount namespace, from its root.
inline result<cached_file_list> read_cached_files(const objects::object_reader& r, const objects::symbol_index& syms,
                                                  std::uint64_t task, unsigned page_shift,
                                                  std::size_t inode_limit = max_inodes) {
  auto mounts = read_mounts(r, syms, task, page_shift);
  if (!mounts) return make_error(mounts.err().code, "the mounts to name files by: " + mounts.err().message);
  const processes::path_reader paths(r, {}, mounts->root);
  auto out = read_cached_files(r, syms, *mounts, paths, inode_limit);
  if (out) {
    // The mounts' notes first: they say why some files may be missing.
    mquire::notes all;
    all.add_all(mounts->notes, "mounts");
    all.add_all(out->notes);
    out->notes = std::move(all);
  }
  return out;
}

// The cached file a user names: one of its paths exactly as listed, or that path
// without the " (deleted)" mark. A live file wins over a deleted one of the
// same name; nullptr when none is listed.
inline const cached_file* find_cached_file(const cached_file_list& list, std::string_view path) {
  const cached_file* deleted = nullptr;
  const std::string marked = std::string(path) + " (deleted)";
  for (const auto& f : list.files)
    for (std::size_t i = 0; i <= f.other_paths.size(); ++i) {
      const std::string& name = i == 0 ? f.path : f.other_paths[i - 1];
      if (name == path && !f.deleted) return &f;
      if (!deleted && (name == path || (f.deleted && name == marked))) deleted = &f;
    }
  return deleted;
}

} // namespace mquire::filesystems
