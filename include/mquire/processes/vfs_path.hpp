// SPDX-License-Identifier: Apache-2.0
// A file's path as the kernel's d_path() writes it for /proc/PID/fd and
// /proc/PID/maps: dentry names up to the mount's root, then on through the
// mount point into the parent mount, until the reader's root; " (deleted)"
// after an unlinked file; and the synthetic names of pseudo files
// (socket:[INODE], pipe:[INODE], anon_inode:[eventfd], ...), recognised by
// the d_dname function their dentry operations name, never by guessing.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "../error.hpp"
#include "../objects/object_reader.hpp"

namespace mquire::processes {

// NAME_MAX and PATH_MAX: longer names or paths are not the kernel's.
inline constexpr std::size_t max_name = 255;
inline constexpr std::size_t max_path = 4096;

// The d_dname functions whose output this reader writes, by name.
enum class dname_style { socket, pipe, anon_inode, simple, pidfd, nsfs };

struct vfs_root {
  std::uint64_t mnt = 0;    // struct vfsmount *
  std::uint64_t dentry = 0; // struct dentry *
};

class path_reader {
public:
  // `dnames`: the address of each d_dname function the kernel has (from
  // its symbol table), with the style it writes.
  path_reader(const objects::object_reader& r, std::unordered_map<std::uint64_t, dname_style> dnames, vfs_root root)
      : r_(&r), dnames_(std::move(dnames)), root_(root) {
    mount_mnt_ = r.types().field("mount", "mnt");
  }

  const vfs_root& root() const noexcept { return root_; }

  // The path of (vfsmount, dentry) as d_path() gives it.
  result<std::string> path(std::uint64_t vfsmnt, std::uint64_t dentry) const {
    if (!mount_mnt_) return make_error(error_code::not_found, "the kernel's types have no struct mount.mnt");
    auto d = r_->read(dentry, "dentry");
    if (!d) return d.err();
    auto m = r_->read(vfsmnt, "vfsmount");
    if (!m) return m.err();
    const auto parent = d->u("d_parent");
    const bool is_root = parent && *parent == dentry;
    if (const auto op = d->u("d_op"); op && *op != 0 && (!is_root || m->u("mnt_root") != dentry))
      if (const auto fn = r_->pointer(*op + dname_offset()); fn && *fn != 0) return synthetic(*d, *fn);
    std::string suffix;
    if (unlinked(*d, is_root)) suffix = " (deleted)";
    auto p = prepend_path(vfsmnt, dentry);
    if (!p) return p.err();
    return *p + suffix;
  }

  // The path of a struct file (its f_path).
  result<std::string> file_path(std::uint64_t file) const {
    auto f = r_->read(file, "file");
    if (!f) return f.err();
    const auto mnt = f->u("f_path.mnt");
    const auto dentry = f->u("f_path.dentry");
    if (!mnt || !dentry) return make_error(error_code::not_found, "the kernel's types have no file.f_path");
    return path(*mnt, *dentry);
  }

  // seq_path_root(): the path of (vfsmount, dentry) from the reader's
  // root, or nothing when it lies outside that root (the kernel then skips
  // the line, as /proc/PID/mounts does for mounts outside a chroot).
  result<std::optional<std::string>> path_under_root(std::uint64_t vfsmnt, std::uint64_t dentry) const {
    bool reached = false;
    auto p = prepend_path(vfsmnt, dentry, &reached);
    if (!p) return p.err();
    if (!reached) return std::optional<std::string>();
    return std::optional<std::string>(std::move(*p));
  }

  // dentry_path(): the names from the dentry up to its filesystem's root
  // ("/" for the root itself), "//deleted" appended to an unlinked one.
  result<std::string> dentry_path(std::uint64_t dentry) const {
    std::vector<std::string> parts;
    std::size_t total = 0;
    bool deleted = false;
    for (unsigned steps = 0;; ++steps) {
      if (steps > max_path) return make_error(error_code::malformed, "path deeper than PATH_MAX components");
      auto d = r_->read(dentry, "dentry");
      if (!d) return d.err();
      if (steps == 0) deleted = unlinked(*d, d->u("d_parent") == dentry);
      auto up = climb(*d, dentry, parts, total);
      if (!up) return up.err();
      if (!*up) break;
    }
    std::string out;
    for (auto it = parts.rbegin(); it != parts.rend(); ++it) out.append("/").append(*it);
    if (out.empty()) out = "/";
    return deleted ? out + "//deleted" : out;
  }

private:
  std::uint64_t dname_offset() const {
    const auto f = r_->types().field("dentry_operations", "d_dname");
    return f ? f->offset : ~std::uint64_t{0} / 2;
  }

  // d_unlinked(): unhashed (d_hash.pprev is NULL) and not a root.
  static bool unlinked(const objects::object& d, bool is_root) {
    if (is_root) return false;
    const auto pprev = d.u("d_hash.pprev");
    return pprev && *pprev == 0;
  }

  result<std::string> name_of(const objects::object& d) const {
    const auto len = d.u("d_name.len");
    const auto name = d.u("d_name.name");
    if (!len || !name) return make_error(error_code::not_found, "the kernel's types have no dentry.d_name");
    if (*len > max_name)
      return make_error(error_code::malformed, "dentry " + mquire::detail::hex(d.address()) + ": name length " +
                                                   std::to_string(*len));
    auto bytes = r_->bytes(*name, static_cast<std::size_t>(*len));
    if (!bytes || !r_->kernel_pointer(*name, 1))
      return make_error(error_code::out_of_range, "dentry " + mquire::detail::hex(d.address()) +
                                                      ": name not readable at " + mquire::detail::hex(*name));
    return std::string(bytes->begin(), bytes->end());
  }

  result<std::string> synthetic(const objects::object& d, std::uint64_t fn) const {
    const auto it = dnames_.find(fn);
    if (it == dnames_.end())
      return make_error(error_code::unsupported, "dentry " + mquire::detail::hex(d.address()) +
                                                     " is named by a d_dname function at " + mquire::detail::hex(fn) +
                                                     " that this reader does not know");
    const auto ino = [&]() -> result<std::uint64_t> {
      auto inode = r_->follow(d, "d_inode", "inode");
      if (!inode) return inode.err();
      if (auto i = inode->u("i_ino")) return *i;
      return make_error(error_code::not_found, "the kernel's types have no inode.i_ino");
    };
    switch (it->second) {
    case dname_style::socket:
    case dname_style::pipe: {
      auto i = ino();
      if (!i) return i.err();
      return std::string(it->second == dname_style::socket ? "socket:[" : "pipe:[") + std::to_string(*i) + "]";
    }
    case dname_style::anon_inode: {
      auto n = name_of(d);
      if (!n) return n.err();
      return "anon_inode:" + *n;
    }
    case dname_style::pidfd: return std::string("anon_inode:[pidfd]");
    case dname_style::simple: {
      auto n = name_of(d);
      if (!n) return n.err();
      return "/" + *n + " (deleted)";
    }
    case dname_style::nsfs: {
      auto inode = r_->follow(d, "d_inode", "inode");
      if (!inode) return inode.err();
      auto ns = r_->follow(*inode, "i_private", "ns_common");
      if (!ns) return ns.err();
      auto ops = r_->follow(*ns, "ops", "proc_ns_operations");
      if (!ops) return ops.err();
      const auto name_ptr = ops->u("name");
      const auto name = name_ptr ? r_->string(*name_ptr, 64) : std::nullopt;
      const auto i = inode->u("i_ino");
      if (!name || !i) return make_error(error_code::out_of_range, "nsfs dentry: namespace name not readable");
      return *name + ":[" + std::to_string(*i) + "]";
    }
    }
    return make_error(error_code::unsupported, "unknown d_dname style");
  }

  // One step up from dentry `d`: its name onto `parts`, `dentry` to its
  // parent; false at a filesystem's root (its own parent).
  result<bool> climb(const objects::object& d, std::uint64_t& dentry, std::vector<std::string>& parts,
                     std::size_t& total) const {
    const auto parent = d.u("d_parent");
    if (!parent) return make_error(error_code::not_found, "the kernel's types have no dentry.d_parent");
    if (*parent == dentry) return false;
    auto n = name_of(d);
    if (!n) return n.err();
    total += n->size() + 1;
    if (total > max_path) return make_error(error_code::malformed, "path longer than PATH_MAX");
    parts.push_back(std::move(*n));
    dentry = *parent;
    return true;
  }

  // prepend_path(): names from the dentry up to the reader's root,
  // crossing each mount's root into its mount point; `reached` says
  // whether the walk met that root (else it ended at the global root).
  result<std::string> prepend_path(std::uint64_t vfsmnt, std::uint64_t dentry, bool* reached = nullptr) const {
    std::vector<std::string> parts;
    std::size_t total = 0;
    if (reached) *reached = false;
    for (unsigned steps = 0;; ++steps) {
      if (dentry == root_.dentry && vfsmnt == root_.mnt) {
        if (reached) *reached = true;
        break;
      }
      if (steps > max_path) return make_error(error_code::malformed, "path deeper than PATH_MAX components");
      auto m = r_->read(vfsmnt, "vfsmount");
      if (!m) return m.err();
      const auto mnt_root = m->u("mnt_root");
      if (mnt_root && *mnt_root == dentry) {
        const std::uint64_t mount = vfsmnt - mount_mnt_->offset;
        auto mo = r_->read(mount, "mount");
        if (!mo) return mo.err();
        const auto parent = mo->u("mnt_parent");
        const auto mountpoint = mo->u("mnt_mountpoint");
        if (!parent || !mountpoint) return make_error(error_code::not_found, "the kernel's types lack struct mount's links");
        if (*parent == mount) break; // the namespace's root mount: outside the reader's root
        dentry = *mountpoint;
        vfsmnt = *parent + mount_mnt_->offset;
        continue;
      }
      auto d = r_->read(dentry, "dentry");
      if (!d) return d.err();
      auto up = climb(*d, dentry, parts, total);
      if (!up) return up.err();
      if (!*up) break; // a root that is not its mount's root
    }
    if (parts.empty()) return std::string("/");
    std::string out;
    out.reserve(total);
    for (auto it = parts.rbegin(); it != parts.rend(); ++it) out.append("/").append(*it);
    return out;
  }

  const objects::object_reader* r_;
  std::unordered_map<std::uint64_t, dname_style> dnames_;
  vfs_root root_;
  std::optional<objects::field_ref> mount_mnt_;
};

} // namespace mquire::processes
