// SPDX-License-Identifier: Apache-2.0
// What the tables read from one dump, each view read once and kept: the
// tasks, each task's details, maps and files, the modules, the machine's
// identity, its log, sockets, interfaces, mounts, cached files and hooks.
// A query that joins or scans a table twice reads the dump once; a view
// that cannot be read says why, and the tables that need it fail with that.
#pragma once

#include <chrono>
#include <ctime>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "../filesystems/cached_files.hpp"
#include "../filesystems/mounts.hpp"
#include "../hooks/call_tables.hpp"
#include "../hooks/ftrace.hpp"
#include "../memory/kernel_space.hpp"
#include "../modules/builtin_kallsyms.hpp"
#include "../modules/module_list.hpp"
#include "../network/interfaces.hpp"
#include "../network/proc_net.hpp"
#include "../objects/code_symbols.hpp"
#include "../processes/process_view.hpp"
#include "../system/identity.hpp"
#include "../system/kernel_log.hpp"
#include "../notes.hpp"

namespace mquire::tables {

// The work the scans did, so that a caller (and a test) can see that a
// constrained scan read only what it was asked for.
struct scan_work {
  std::uint64_t task_details = 0; // tasks whose user memory (command line, environment) was read
  std::uint64_t task_files = 0;   // tasks whose descriptor tables were read
  std::uint64_t task_maps = 0;    // tasks whose mappings were read
};

class dump_context {
public:
  // All arguments must outlive the context.
  dump_context(const kallsyms_table& t, const btf::type_info& btf, const kernel_memory& memory)
      : table_(&t), btf_(&btf), memory_(&memory), types_(btf, memory.memory.pointer_size()),
        reader_(memory.memory, types_), syms_(t) {}

  dump_context(const dump_context&) = delete;
  dump_context& operator=(const dump_context&) = delete;

  const kallsyms_table& table() const noexcept { return *table_; }
  const objects::object_reader& reader() const noexcept { return reader_; }
  const objects::symbol_index& symbols() const noexcept { return syms_; }
  const virtual_memory& memory() const noexcept { return memory_->memory; }
  const scan_work& work() const noexcept { return work_; }
  // What could not be read, each view's notes once: for stderr.
  const mquire::notes& notes() const noexcept { return notes_; }
  // The same notes with when and where each was made: log_messages' rows.
  struct log_entry {
    std::string time, location, message;
  };
  const std::vector<log_entry>& log_entries() const noexcept { return log_entries_; }
  unsigned page_shift() const noexcept { return memory_->space ? memory_->space->page_shift : 12; }
  // The kernel's top-level page table: the first half of a kernel object's vaddr(...).
  std::uint64_t kernel_root() const noexcept { return memory_->space ? memory_->space->root_pa : 0; }

  // Every task, found every way (processes/tasks.hpp).
  result<const processes::task_list*> tasks() {
    if (!tasks_) {
      if (!memory_->space) {
        tasks_ = make_error(error_code::not_found,
                            "tasks are read through the kernel's page tables, which were not found: " +
                                (memory_->page_tables_problem.empty() ? std::string("a kernel file has none (give a memory dump)")
                                                                      : memory_->page_tables_problem));
      } else {
        view_ = std::make_unique<processes::process_view>(*table_, *btf_, memory_->memory, *memory_->space);
        auto t = view_->tasks();
        if (t) {
          add_notes("tasks", t->notes);
          for (const auto& task : t->tasks)
            for (const auto& p : task.problems) note("tasks", pid_note(task, p), false);
        }
        tasks_ = t ? result<processes::task_list>(std::move(*t)) : result<processes::task_list>(t.err());
      }
    }
    if (!*tasks_) return tasks_->err();
    return &**tasks_;
  }

  // The task at `address`, only if the task list has it: an address from
  // a query is never read as a task on its word.
  const processes::task* task_at(std::uint64_t address) {
    auto list = tasks();
    if (!list) return nullptr;
    for (const auto& t : (*list)->tasks)
      if (t.address == address) return &t;
    return nullptr;
  }

  const processes::process_details& details(const processes::task& t) {
    auto [it, fresh] = details_.try_emplace(t.address);
    if (fresh && view_) {
      ++work_.task_details;
      it->second = view_->details(t);
      for (const auto& p : it->second.problems) note("tasks", pid_note(t, p), false);
    }
    return it->second;
  }

  const result<processes::mapping_list>& maps(const processes::task& t) {
    auto it = maps_.find(t.address);
    if (it == maps_.end()) {
      ++work_.task_maps;
      it = maps_.emplace(t.address, view_ ? view_->maps(t) : result<processes::mapping_list>(no_view())).first;
      if (!it->second) note("memory_mappings", pid_note(t, "maps not read: " + it->second.err().message), false);
      else {
        for (const auto& n : it->second->notes) note("memory_mappings", pid_note(t, n), false);
        for (const auto& m : it->second->maps)
          if (!m.problem.empty())
            note("memory_mappings", pid_note(t, "mapping " + mquire::detail::hex(m.start) + ": " + m.problem), false);
      }
    }
    return it->second;
  }

  const result<processes::open_file_list>& files(const processes::task& t) {
    auto it = files_.find(t.address);
    if (it == files_.end()) {
      ++work_.task_files;
      it = files_.emplace(t.address, view_ ? view_->files(t) : result<processes::open_file_list>(no_view())).first;
      if (!it->second) note("task_open_files", pid_note(t, "files not read: " + it->second.err().message), false);
      else {
        for (const auto& n : it->second->notes) note("task_open_files", pid_note(t, n), false);
        for (const auto& f : it->second->files)
          if (!f.problem.empty()) note("task_open_files", pid_note(t, "fd " + std::to_string(f.fd) + ": " + f.problem), false);
      }
    }
    return it->second;
  }

  // The physical address of a task's top-level page table (mm->pgd), or
  // the kernel's for a kernel thread.
  std::uint64_t page_table_of(const processes::task& t) {
    if (t.mm == 0) return kernel_root();
    auto it = page_tables_.find(t.mm);
    if (it != page_tables_.end()) return it->second;
    std::uint64_t pa = 0;
    if (auto mm = reader_.read(t.mm, "mm_struct"))
      if (const auto pgd = mm->u("pgd"); pgd && *pgd != 0) pa = memory_->memory.physical(*pgd).value_or(0);
    page_tables_.emplace(t.mm, pa);
    return pa;
  }

  result<const modules::module_list*> modules() {
    if (!modules_) {
      auto m = modules::read_modules(*table_, *btf_, memory_->memory);
      if (m) {
        add_notes("modules", m->notes);
        for (const auto& mod : m->modules)
          if (!mod.problem.empty()) note("modules", "module " + mod.name + ": " + mod.problem, false);
      }
      modules_ = std::move(m);
    }
    if (!*modules_) return modules_->err();
    return &**modules_;
  }

  // What /proc/kallsyms lists after the modules: ftrace, BPF and kprobe code.
  const modules::builtin_symbol_list& builtins() {
    if (!builtins_) {
      builtins_ = modules::read_builtin_kallsyms(reader_, syms_);
      add_notes("kallsyms", builtins_->notes);
    }
    return *builtins_;
  }

  // Kernel and module code, for pointer checks (modules when readable).
  const objects::code_symbols& code() {
    if (!code_) {
      auto m = modules();
      if (!m) note("modules", "modules not read, so pointers into them count as unbacked: " + m.err().message, false);
      code_ = std::make_unique<objects::code_symbols>(*table_, m ? *m : nullptr);
    }
    return *code_;
  }

  result<const system::identity*> identity() {
    return once(identity_, "identity", [&] { return system::read_identity(reader_, syms_); });
  }
  result<const system::kernel_log*> log() {
    return once(log_, "kernel log", [&] { return system::read_kernel_log(reader_, syms_); });
  }
  result<const network::interface_list*> interfaces() {
    return once(interfaces_, "interfaces", [&] { return network::read_interfaces(reader_, syms_); });
  }
  const network::net_view& net() {
    if (!net_) {
      net_ = network::read_proc_net(reader_, syms_);
      add_notes("net", net_->notes);
      for (const auto& l : net_->listings)
        if (!l.problem.empty()) note("net", "/proc/net/" + l.name + ": " + l.problem, false);
    }
    return *net_;
  }
  // Pid 1's mounts and the page cache as pid 1 names it.
  result<const filesystems::mount_table*> mounts() {
    return once(mounts_, "mounts", [&]() -> result<filesystems::mount_table> {
      auto init = init_task();
      if (!init) return init.err();
      return filesystems::read_mounts(reader_, syms_, *init, page_shift());
    });
  }
  result<const filesystems::cached_file_list*> cached_files() {
    return once(cached_, "cached files", [&]() -> result<filesystems::cached_file_list> {
      auto init = init_task();
      if (!init) return init.err();
      return filesystems::read_cached_files(reader_, syms_, *init, page_shift());
    });
  }
  const hooks::ftrace_view& ftrace() {
    if (!ftrace_) {
      ftrace_ = hooks::read_ftrace(reader_, syms_, code());
      add_notes("ftrace", ftrace_->notes);
    }
    return *ftrace_;
  }
  const hooks::hook_tables& hook_tables() {
    if (!hooks_) {
      hooks_ = hooks::read_hook_tables(reader_, syms_, code());
      add_notes("hooks", hooks_->notes);
    }
    return *hooks_;
  }
  const btf::type_info& btf() const noexcept { return *btf_; }

private:
  // A note for stderr ("LOCATION: MESSAGE", or MESSAGE alone when it names
  // its subject) and for log_messages.
  void note(const std::string& location, const std::string& message, bool prefixed = true) {
    notes_.add(prefixed ? location + ": " + message : message);
    log_entries_.push_back({utc_now(), location, message});
  }
  static std::string utc_now() {
    const auto now = std::chrono::system_clock::now();
    const std::time_t secs = std::chrono::system_clock::to_time_t(now);
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char buf[96]; // room for any int the fields could hold
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                  tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
    return buf;
  }

  static std::string pid_note(const processes::task& t, const std::string& what) {
    return "pid " + std::to_string(t.pid) + ": " + what;
  }
  static error no_view() { return make_error(error_code::not_found, "tasks were not read"); }

  void add_notes(const std::string& what, const mquire::notes& notes) { notes_.add_all(notes, what); }

  template <typename T, typename Read>
  result<const T*> once(std::optional<result<T>>& slot, const char* what, Read read) {
    if (!slot) {
      slot = read();
      if (*slot) add_notes(what, (*slot)->notes);
    }
    if (!*slot) return slot->err();
    return &**slot;
  }

  // Pid 1's task_struct, found once: through the task list when it was
  // read, else through the kernel's own list (no page tables are needed).
  result<std::uint64_t> init_task() {
    if (!init_task_) {
      auto list = tasks();
      std::optional<result<processes::task_list>> own;
      if (!list) own = processes::task_reader(reader_, syms_).read_all();
      if (own && !*own) {
        init_task_ = own->err();
      } else {
        init_task_ = make_error(error_code::not_found, "no process with pid 1");
        for (const auto& t : own ? (*own)->tasks : (*list)->tasks)
          if (t.pid == 1 && t.tgid == 1) init_task_ = t.address;
      }
    }
    return *init_task_;
  }

  const kallsyms_table* table_;
  const btf::type_info* btf_;
  const kernel_memory* memory_;
  objects::kernel_types types_;
  objects::object_reader reader_;
  objects::symbol_index syms_;
  std::unique_ptr<processes::process_view> view_;
  std::optional<result<processes::task_list>> tasks_;
  std::optional<result<std::uint64_t>> init_task_;
  std::map<std::uint64_t, processes::process_details> details_;
  std::map<std::uint64_t, result<processes::mapping_list>> maps_;
  std::map<std::uint64_t, result<processes::open_file_list>> files_;
  std::map<std::uint64_t, std::uint64_t> page_tables_;
  std::optional<result<modules::module_list>> modules_;
  std::optional<modules::builtin_symbol_list> builtins_;
  std::unique_ptr<objects::code_symbols> code_;
  std::optional<result<system::identity>> identity_;
  std::optional<result<system::kernel_log>> log_;
  std::optional<result<network::interface_list>> interfaces_;
  std::optional<network::net_view> net_;
  std::optional<result<filesystems::mount_table>> mounts_;
  std::optional<result<filesystems::cached_file_list>> cached_;
  std::optional<hooks::ftrace_view> ftrace_;
  std::optional<hooks::hook_tables> hooks_;
  mquire::notes notes_;
  std::vector<log_entry> log_entries_;
  scan_work work_;
};

} // namespace mquire::tables
