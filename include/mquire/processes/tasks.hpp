// SPDX-License-Identifier: Apache-2.0
// Every task the kernel had, found several independent ways and each read
// as /proc reads it: the init_task list of processes with each one's thread
// list, the initial PID namespace's IDR (struct pid -> task), each CPU's
// runqueue (the running task and the CFS tree), and the parent/children
// links. A task is printed only when the source that found it checks out
// (the IDR's pid names the task back, a child names its parent, a runqueue
// task says it is queued); a task one source sees and another misses is
// reported, never merged silently.
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "../detail/hex.hpp"
#include "../error.hpp"
#include "../objects/object_reader.hpp"
#include "../objects/per_cpu.hpp"
#include "../objects/symbol_index.hpp"
#include "../objects/walkers.hpp"
#include "../notes.hpp"

namespace mquire::processes {

// Bounds on a hostile dump: PID_MAX_LIMIT is 4M, and no real machine runs
// more than a few hundred thousand tasks or threads in one group.
inline constexpr std::size_t max_tasks = 1u << 20;
inline constexpr std::uint64_t max_pid = 1u << 22;
inline constexpr std::size_t max_groups = 65536; // NGROUPS_MAX
inline constexpr std::uint64_t pf_kthread = 0x00200000;

// The ways a task is found, as the `sources` of a row name them.
inline constexpr const char* source_task_list = "task_list";
inline constexpr const char* source_pid_idr = "pid_idr";
inline constexpr const char* source_runqueue = "runqueue";
inline constexpr const char* source_children = "children";

struct credentials {
  std::uint32_t uid = 0, euid = 0, suid = 0, fsuid = 0;
  std::uint32_t gid = 0, egid = 0, sgid = 0, fsgid = 0;
  std::vector<std::uint32_t> groups;
  std::uint64_t cap_inheritable = 0, cap_permitted = 0, cap_effective = 0, cap_bounding = 0, cap_ambient = 0;
};

struct task {
  std::uint64_t address = 0; // its struct task_struct
  std::int64_t pid = 0, tgid = 0, ppid = 0;
  char state = '?';          // as /proc/PID/stat prints it: R S D T t X Z P I
  std::string comm;
  std::uint64_t flags = 0;
  bool kthread = false;
  std::optional<credentials> creds;
  std::int64_t tracer_pid = 0;
  std::uint64_t ptrace = 0;  // the PT_* flags of task_struct.ptrace
  std::uint64_t start_time_ns = 0; // since boot (CLOCK_MONOTONIC), as task->start_time holds it
  std::int64_t threads = 0;  // signal->nr_threads
  std::uint64_t mm = 0;      // 0 for kernel threads
  std::uint64_t files = 0;   // struct files_struct *
  std::uint64_t fs = 0;      // struct fs_struct *
  std::vector<std::string> sources;
  mquire::notes problems; // what of this task could not be read
};

struct task_list {
  std::vector<task> tasks;          // pid order, threads included
  mquire::notes notes;   // broken walks, and tasks one source sees and another does not
};

namespace detail {

// task_state_index(): the state letter /proc prints.
inline char state_letter(std::uint64_t state, std::uint64_t exit_state) {
  constexpr std::uint64_t report = 0x7f, idle = 0x402, rtlock_wait = 0x1000, frozen = 0x8000;
  std::uint64_t s = (state | exit_state) & report;
  if ((state & idle) == idle) s = 0x80;
  if ((state & rtlock_wait) || (state & frozen)) s = 2;
  unsigned index = 0;
  while (s) {
    ++index;
    s >>= 1;
  }
  return "RSDTtXZPI"[index < 9 ? index : 0];
}

// kernel_cap_t: a u64 from 6.3, two u32 words (low first) before.
inline std::optional<std::uint64_t> capability(const objects::object& cred, const objects::kernel_types& ty,
                                               std::string_view member) {
  const auto f = ty.field("cred", member);
  if (!f) return std::nullopt;
  if (f->size == 8) {
    if (const auto whole = ty.field("kernel_cap_t", "val"); whole && whole->size == 8) return cred.at(f->offset, 8);
    const auto lo = cred.at(f->offset, 4), hi = cred.at(f->offset + 4, 4);
    if (lo && hi) return *lo | *hi << 32;
  }
  return cred.at(f->offset, f->size);
}

} // namespace detail

class task_reader {
public:
  task_reader(const objects::object_reader& r, const objects::symbol_index& syms) : r_(&r), syms_(&syms) {}

  // Every task, from every source; nothing is read twice.
  result<task_list> read_all() const {
    const auto& ty = r_->types();
    for (const char* path : {"tasks", "pid", "tgid", "comm", "real_parent", "flags"})
      if (!ty.field("task_struct", path))
        return make_error(error_code::not_found, std::string("the kernel's types have no task_struct.") + path);
    const auto init = syms_->address("init_task");
    if (!init) return make_error(error_code::not_found, "the symbol table has no init_task");
    task_list out;
    std::map<std::uint64_t, std::set<std::string>> found; // task address -> sources
    std::vector<std::uint64_t> listed = from_task_list(*init, out.notes);
    for (auto a : listed) found[a].insert(source_task_list);
    for (auto a : from_pid_idr(out.notes)) found[a].insert(source_pid_idr);
    for (auto a : from_runqueues(out.notes)) found[a].insert(source_runqueue);
    // Children of every task found so far (the links are checked both ways).
    std::vector<std::uint64_t> parents;
    for (const auto& [a, s] : found) parents.push_back(a);
    parents.push_back(*init);
    for (auto a : from_children(parents, out.notes)) found[a].insert(source_children);
    for (const auto& [address, sources] : found) {
      if (out.tasks.size() >= max_tasks) {
        out.notes.add("more than " + std::to_string(max_tasks) + " tasks: the rest left out");
        break;
      }
      auto t = read_task(address);
      if (!t) {
        out.notes.add("task at " + mquire::detail::hex(address) + " (found by " + join(sources) +
                      ") not read: " + t.err().message);
        continue;
      }
      if (t->pid == 0) continue; // the idle tasks: /proc lists none
      t->sources.assign(sources.begin(), sources.end());
      if (!sources.count(source_task_list))
        out.notes.add("pid " + std::to_string(t->pid) + " (" + t->comm + ", task " +
                      mquire::detail::hex(address) + ") is not on the task list; found by " + join(sources));
      else if (!sources.count(source_pid_idr) && idr_walked_)
        out.notes.add("pid " + std::to_string(t->pid) + " (" + t->comm + ", task " +
                      mquire::detail::hex(address) + ") is on the task list but not in the PID IDR");
      out.tasks.push_back(std::move(*t));
    }
    std::sort(out.tasks.begin(), out.tasks.end(), [](const task& a, const task& b) {
      return a.pid != b.pid ? a.pid < b.pid : a.address < b.address;
    });
    return out;
  }

  // One task_struct, read as /proc/PID/status and stat read it.
  result<task> read_task(std::uint64_t address) const {
    auto o = r_->read(address, "task_struct");
    if (!o) return o.err();
    task t;
    t.address = address;
    t.pid = o->s("pid").value_or(-1);
    t.tgid = o->s("tgid").value_or(-1);
    if (t.pid < 0 || static_cast<std::uint64_t>(t.pid) > max_pid || t.tgid < 0 ||
        static_cast<std::uint64_t>(t.tgid) > max_pid)
      return make_error(error_code::malformed, "pid " + std::to_string(t.pid) + ", tgid " + std::to_string(t.tgid) +
                                                   ": not a pid");
    t.comm = o->chars("comm").value_or("");
    t.flags = o->u("flags").value_or(0);
    t.kthread = (t.flags & pf_kthread) != 0;
    const auto state = o->u("__state") ? o->u("__state") : o->u("state");
    t.state = detail::state_letter(state.value_or(0), o->u("exit_state").value_or(0));
    t.ptrace = o->u("ptrace").value_or(0);
    t.start_time_ns = o->u("start_time").value_or(0);
    t.mm = o->u("mm").value_or(0);
    t.files = o->u("files").value_or(0);
    t.fs = o->u("fs").value_or(0);
    if (auto parent = r_->follow(*o, "real_parent", "task_struct")) t.ppid = parent->s("tgid").value_or(0);
    else t.problems.add("parent", parent.err());
    if (t.pid == 0) return t;
    if (t.ptrace != 0) {
      if (auto tracer = r_->follow(*o, "parent", "task_struct")) t.tracer_pid = tracer->s("pid").value_or(0);
      else t.problems.add("tracer", tracer.err());
    }
    if (auto sig = r_->follow(*o, "signal", "signal_struct")) t.threads = sig->s("nr_threads").value_or(0);
    else t.problems.add("signal", sig.err());
    if (auto c = read_credentials(*o)) t.creds = std::move(*c);
    else t.problems.add("credentials", c.err());
    return t;
  }

  // The threads of a thread group, from its leader (signal->thread_head,
  // or the leader's thread_group list before 6.7).
  std::vector<std::uint64_t> threads_of(const objects::object& leader, mquire::notes& notes) const {
    const auto& ty = r_->types();
    std::vector<std::uint64_t> out;
    if (const auto node = ty.field("task_struct", "thread_node"); node && ty.field("signal_struct", "thread_head")) {
      auto sig = r_->follow(leader, "signal", "signal_struct");
      if (!sig) {
        notes.add("threads of task " + mquire::detail::hex(leader.address()), sig.err());
        return out;
      }
      const auto w = objects::walk_list(*r_, *sig->address_of("thread_head"), max_tasks);
      if (!w.problem.empty()) notes.add("threads of task " + mquire::detail::hex(leader.address()) + ": " + w.problem);
      for (auto n : w.nodes) out.push_back(n - node->offset);
    } else if (const auto group = ty.field("task_struct", "thread_group")) {
      out.push_back(leader.address());
      const auto w = objects::walk_list(*r_, leader.address() + group->offset, max_tasks);
      if (!w.problem.empty()) notes.add("threads of task " + mquire::detail::hex(leader.address()) + ": " + w.problem);
      for (auto n : w.nodes) out.push_back(n - group->offset);
    }
    return out;
  }

private:
  static std::string join(const std::set<std::string>& s) {
    std::string out;
    for (const auto& x : s) out += (out.empty() ? "" : ", ") + x;
    return out;
  }

  // __task_cred(): real_cred, as /proc/PID/status reads it.
  result<credentials> read_credentials(const objects::object& task) const {
    auto cred = r_->follow(task, "real_cred", "cred");
    if (!cred) return cred.err();
    const auto& ty = r_->types();
    credentials c;
    const auto id = [&](const char* m) { return static_cast<std::uint32_t>(cred->u(m).value_or(0)); };
    c.uid = id("uid");
    c.euid = id("euid");
    c.suid = id("suid");
    c.fsuid = id("fsuid");
    c.gid = id("gid");
    c.egid = id("egid");
    c.sgid = id("sgid");
    c.fsgid = id("fsgid");
    c.cap_inheritable = detail::capability(*cred, ty, "cap_inheritable").value_or(0);
    c.cap_permitted = detail::capability(*cred, ty, "cap_permitted").value_or(0);
    c.cap_effective = detail::capability(*cred, ty, "cap_effective").value_or(0);
    c.cap_bounding = detail::capability(*cred, ty, "cap_bset").value_or(0);
    c.cap_ambient = detail::capability(*cred, ty, "cap_ambient").value_or(0);
    auto gi = r_->follow(*cred, "group_info", "group_info");
    if (!gi) return gi.err();
    const auto n = gi->s("ngroups");
    const auto gid = ty.field("group_info", "gid");
    if (!n || !gid || *n < 0 || static_cast<std::size_t>(*n) > max_groups)
      return make_error(error_code::malformed, "group_info at " + mquire::detail::hex(gi->address()) + ": " +
                                                   (n ? std::to_string(*n) + " groups" : std::string("no ngroups")));
    if (*n > 0) {
      auto raw = r_->bytes(gi->address() + gid->offset, static_cast<std::size_t>(*n) * 4);
      if (!raw) return make_error(error_code::out_of_range, "group_info's gid array is not readable");
      const byte_reader br{std::span<const std::uint8_t>(*raw)};
      for (std::size_t i = 0; i < static_cast<std::size_t>(*n); ++i)
        c.groups.push_back(static_cast<std::uint32_t>(br.uint_unchecked(i * 4, 4, r_->memory().order())));
    }
    return c;
  }

  // The process list from init_task, then each process's threads.
  std::vector<std::uint64_t> from_task_list(std::uint64_t init, mquire::notes& notes) const {
    std::vector<std::uint64_t> out;
    const auto tasks = r_->types().field("task_struct", "tasks");
    const auto w = objects::walk_list(*r_, init + tasks->offset, max_tasks);
    if (!w.problem.empty()) notes.add("task list: " + w.problem);
    for (auto n : w.nodes) {
      const std::uint64_t leader = n - tasks->offset;
      auto o = r_->read(leader, "task_struct");
      if (!o) {
        notes.add("task list", o.err());
        continue;
      }
      auto threads = threads_of(*o, notes);
      if (std::find(threads.begin(), threads.end(), leader) == threads.end()) out.push_back(leader);
      out.insert(out.end(), threads.begin(), threads.end());
      if (out.size() > max_tasks) break;
    }
    return out;
  }

  // init_pid_ns.idr: each struct pid, then the task on its PIDTYPE_PID list,
  // kept only when that task's pid is the IDR's number.
  std::vector<std::uint64_t> from_pid_idr(mquire::notes& notes) const {
    std::vector<std::uint64_t> out;
    const auto& ty = r_->types();
    const auto ns = syms_->address("init_pid_ns");
    const auto idr = ty.field("pid_namespace", "idr");
    const auto rt = ty.field("idr", "idr_rt");
    const auto base = ty.field("idr", "idr_base");
    const auto tasks = ty.field("pid", "tasks");
    const auto links = ty.field("task_struct", "pid_links");
    const auto nr = ty.field("pid", "numbers");
    const auto pid_field = ty.field("task_struct", "pid");
    if (!ns || !idr || !rt || !tasks || !links || !nr || !pid_field) {
      notes.add("PID IDR not walked: no init_pid_ns symbol or no pid_namespace.idr / pid.tasks in the types");
      return out;
    }
    const std::uint64_t idr_at = *ns + idr->offset;
    const std::uint64_t idr_base = base ? r_->memory().uint(idr_at + base->offset, 4).value_or(0) : 0;
    const auto w = objects::walk_xarray(*r_, idr_at + rt->offset, max_tasks);
    if (!w.problem.empty()) notes.add("PID IDR: " + w.problem);
    idr_walked_ = w.problem.empty() || !w.entries.empty();
    for (const auto& e : w.entries) {
      const std::uint64_t number = e.index + idr_base;
      const auto pid_nr = r_->memory().uint(e.value + nr->offset, 4); // numbers[0].nr
      if (!r_->kernel_pointer(e.value) || !pid_nr || *pid_nr != number) continue; // not (yet) a struct pid
      const auto first = r_->pointer(e.value + tasks->offset); // tasks[PIDTYPE_PID].first
      if (!first || *first == 0) continue;                     // a pid with no task (a reaped thread's, say)
      const std::uint64_t task = *first - links->offset;
      const auto task_pid = r_->memory().uint(task + pid_field->offset, 4);
      if (!task_pid || *task_pid != number) {
        notes.add("PID IDR: pid " + std::to_string(number) + " names task " + mquire::detail::hex(task) +
                  ", whose pid is not " + std::to_string(number));
        continue;
      }
      out.push_back(task);
    }
    return out;
  }

  // Each online CPU's runqueue: the task running on it, and the tasks
  // queued in its CFS tree (sched_entity.run_node; group entities skipped).
  std::vector<std::uint64_t> from_runqueues(mquire::notes& notes) const {
    std::vector<std::uint64_t> out;
    const auto& ty = r_->types();
    const auto curr = ty.field("rq", "curr");
    const auto rqs = objects::per_cpu_addresses(*r_, *syms_, "runqueues");
    if (!curr || (rqs.copies.empty() && !rqs.problem.empty())) {
      notes.add("runqueues not read: " + (curr ? rqs.problem : std::string("no rq.curr in the types")));
      return out;
    }
    const auto timeline = ty.field("rq", "cfs.tasks_timeline.rb_root.rb_node");
    const auto run_node = ty.field("task_struct", "se.run_node");
    const auto my_q = ty.field("sched_entity", "my_q");
    const auto on_rq = ty.field("task_struct", "on_rq");
    const auto se_field = ty.field("task_struct", "se");
    for (const auto& [cpu, this_rq] : rqs.copies) {
      if (const auto c = r_->pointer(this_rq + curr->offset); c && r_->kernel_pointer(*c)) out.push_back(*c);
      if (!timeline || !run_node || !on_rq || !se_field) continue;
      const auto root = r_->pointer(this_rq + timeline->offset);
      if (!root || *root == 0) continue;
      const auto w = objects::walk_rbtree(*r_, *root, max_tasks);
      if (!w.problem.empty()) notes.add("runqueue of CPU " + std::to_string(cpu) + ": " + w.problem);
      for (auto n : w.nodes) {
        const std::uint64_t se = n - (run_node->offset - se_field->offset);
        if (my_q && r_->pointer(se + my_q->offset).value_or(1) != 0) continue; // a group's entity
        const std::uint64_t task = n - run_node->offset;
        if (r_->memory().uint(task + on_rq->offset, on_rq->size).value_or(0) == 0) continue;
        out.push_back(task);
      }
    }
    return out;
  }

  // children/sibling lists: a child is kept when its real_parent is the
  // task whose list holds it.
  std::vector<std::uint64_t> from_children(const std::vector<std::uint64_t>& parents,
                                           mquire::notes& notes) const {
    std::vector<std::uint64_t> out;
    const auto& ty = r_->types();
    const auto children = ty.field("task_struct", "children");
    const auto sibling = ty.field("task_struct", "sibling");
    const auto real_parent = ty.field("task_struct", "real_parent");
    if (!children || !sibling || !real_parent) return out;
    std::set<std::uint64_t> known(parents.begin(), parents.end());
    std::vector<std::uint64_t> todo = parents;
    std::set<std::uint64_t> done;
    while (!todo.empty() && done.size() < max_tasks) {
      const std::uint64_t p = todo.back();
      todo.pop_back();
      if (!done.insert(p).second) continue;
      const auto w = objects::walk_list(*r_, p + children->offset, max_tasks);
      if (!w.problem.empty()) notes.add("children of task " + mquire::detail::hex(p) + ": " + w.problem);
      for (auto n : w.nodes) {
        const std::uint64_t child = n - sibling->offset;
        if (r_->pointer(child + real_parent->offset) != p) continue;
        out.push_back(child);
        if (!known.count(child)) {
          known.insert(child);
          todo.push_back(child);
        }
      }
    }
    return out;
  }

  const objects::object_reader* r_;
  const objects::symbol_index* syms_;
  mutable bool idr_walked_ = false;
};

} // namespace mquire::processes
