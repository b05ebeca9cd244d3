// SPDX-License-Identifier: Apache-2.0
// What was running, in one place for an embedder: the tasks with their
// command lines, environments and executables, each process's memory maps
// and open files. Built over kernel memory (page tables checked), the
// kernel's types and its symbol table; the readers it owns are shared by
// every view, so each object is read through the same checks.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "../memory/kernel_space.hpp"
#include "../objects/kernel_types.hpp"
#include "../objects/object_reader.hpp"
#include "../objects/symbol_index.hpp"
#include "maps.hpp"
#include "open_files.hpp"
#include "tasks.hpp"
#include "user_memory.hpp"
#include "vfs_path.hpp"
#include "../notes.hpp"

namespace mquire::processes {

// What /proc/PID/{exe,cmdline,environ} give for a process.
struct process_details {
  std::string exe;
  std::vector<std::uint8_t> cmdline, environ;
  bool cmdline_complete = true, environ_complete = true;
  mquire::notes problems;
};

// Work over every process together: a hostile dump of a million processes,
// each claiming the most one process may have, still ends. Real machines
// stay far below (a busy server: ~10^5 mappings, ~10^5 descriptors).
struct view_budget {
  std::uint64_t vmas = 1u << 24;
  std::uint64_t fd_slots = 1u << 26;
  std::uint64_t user_bytes = std::uint64_t{1} << 30;
};

class process_view {
public:
  // `space` is the kernel's checked page tables (user address spaces are
  // walked the same way); all arguments must outlive the view.
  process_view(const kallsyms_table& t, const btf::type_info& btf, const virtual_memory& kernel,
               const kernel_address_space& space)
      : process_view(t, objects::kernel_types(btf, kernel.pointer_size()), kernel, space) {}
  // Types from elsewhere (a Volatility symbol table's, say).
  process_view(const kallsyms_table& t, objects::kernel_types types, const virtual_memory& kernel,
               const kernel_address_space& space)
      : types_(std::move(types)), reader_(kernel, types_), syms_(t), space_(&space), kernel_(&kernel) {
    std::unordered_map<std::uint64_t, dname_style> dnames;
    const std::pair<const char*, dname_style> known[] = {
        {"sockfs_dname", dname_style::socket},      {"pipefs_dname", dname_style::pipe},
        {"anon_inodefs_dname", dname_style::anon_inode}, {"simple_dname", dname_style::simple},
        {"pidfs_dname", dname_style::pidfd},        {"ns_dname", dname_style::nsfs}};
    for (const auto& [name, style] : known)
      if (auto a = syms_.address(name)) dnames.emplace(*a, style);
    dnames_ = std::move(dnames);
  }

  // The readers point into this object.
  process_view(const process_view&) = delete;
  process_view& operator=(const process_view&) = delete;

  const objects::object_reader& reader() const noexcept { return reader_; }
  const objects::symbol_index& symbols() const noexcept { return syms_; }

  // Every task; the reader's root for paths is taken from pid 1 (else the
  // idle task's init_fs), as a shell on the machine would have seen them.
  result<task_list> tasks() {
    task_reader tr(reader_, syms_);
    auto list = tr.read_all();
    if (!list) return list.err();
    root_for_paths(*list);
    return list;
  }

  unsigned page_size() const noexcept { return 1u << space_->page_shift; }

  // The work left for maps(), files() and details() over all processes.
  const view_budget& budget() const noexcept { return budget_; }
  void set_budget(const view_budget& b) noexcept { budget_ = b; }

  process_details details(const task& t) const {
    process_details d;
    if (t.mm == 0) return d; // a kernel thread: /proc shows empty files
    auto mm = reader_.read(t.mm, "mm_struct");
    if (!mm) {
      d.problems.add("mm", mm.err());
      return d;
    }
    if (const auto exe = mm->u("exe_file"); exe && *exe != 0) {
      if (auto p = paths().file_path(*exe)) d.exe = *p;
      else d.problems.add("exe", p.err());
    }
    auto user = user_memory(*mm, *space_, *kernel_);
    if (!user) {
      d.problems.add("user memory", user.err());
      return d;
    }
    if (budget_.user_bytes == 0) {
      d.problems.add("command line and environment not read: " + spent("bytes of user memory"));
      return d;
    }
    auto c = read_cmdline(*mm, *user, page_size(), budget_.user_bytes);
    budget_.user_bytes -= c.bytes.size();
    d.cmdline = std::move(c.bytes);
    d.cmdline_complete = c.complete;
    if (!c.complete) d.problems.add("command line: not all of it is in the dump");
    auto e = read_environ(*mm, *user, budget_.user_bytes);
    budget_.user_bytes -= e.bytes.size();
    d.environ = std::move(e.bytes);
    d.environ_complete = e.complete;
    if (!e.complete) d.problems.add("environment: not all of it is in the dump");
    return d;
  }

  result<mapping_list> maps(const task& t) const {
    if (t.mm == 0) return mapping_list{};
    if (budget_.vmas == 0) return make_error(error_code::out_of_range, spent("mappings"));
    maps_reader mr(reader_, syms_, paths(), space_->page_shift);
    auto out = mr.read(t.mm, static_cast<std::size_t>(budget_.vmas));
    if (out) budget_.vmas -= std::min<std::uint64_t>(budget_.vmas, out->maps.size() + 1);
    return out;
  }

  result<open_file_list> files(const task& t) const {
    if (budget_.fd_slots == 0)
      return make_error(error_code::out_of_range, spent("descriptor slots"));
    files_reader fr(reader_, paths());
    auto out = fr.read(t.files, t.fs, budget_.fd_slots);
    if (out) budget_.fd_slots -= std::min<std::uint64_t>(budget_.fd_slots, out->slots_read + 1);
    return out;
  }

  const path_reader& paths() const {
    if (!paths_) paths_ = std::make_unique<path_reader>(reader_, dnames_, root_);
    return *paths_;
  }

private:
  static std::string spent(const char* what) {
    return std::string("the budget of ") + what + " over all processes is spent";
  }

  void root_for_paths(const task_list& list) {
    std::uint64_t fs = 0;
    for (const auto& t : list.tasks)
      if (t.pid == 1) fs = t.fs;
    if (fs == 0)
      if (auto init_fs = syms_.address("init_fs")) fs = *init_fs;
    if (fs != 0)
      if (auto o = reader_.read(fs, "fs_struct")) {
        root_.mnt = o->u("root.mnt").value_or(0);
        root_.dentry = o->u("root.dentry").value_or(0);
      }
    paths_.reset();
  }

  objects::kernel_types types_;
  objects::object_reader reader_;
  objects::symbol_index syms_;
  const kernel_address_space* space_;
  const virtual_memory* kernel_;
  std::unordered_map<std::uint64_t, dname_style> dnames_;
  vfs_root root_;
  mutable std::unique_ptr<path_reader> paths_;
  mutable view_budget budget_;
};

// Every process's open files, in the task list's order: each thread
// group once (threads share their leader's table), kernel threads skipped.
// A process whose files cannot be read adds a note and is passed over.
template <typename Each>
void each_process_files(const process_view& view, const task_list& tasks, mquire::notes& notes,
                        Each&& each) {
  for (const auto& t : tasks.tasks) {
    if (t.pid != t.tgid || t.kthread) continue;
    auto files = view.files(t);
    if (!files) {
      notes.add("pid " + std::to_string(t.pid) + ": open files not read", files.err());
      continue;
    }
    each(t, *files);
  }
}

} // namespace mquire::processes
