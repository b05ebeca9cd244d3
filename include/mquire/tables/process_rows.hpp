// SPDX-License-Identifier: Apache-2.0
// The per-task tables: tasks, task_open_files, memory_mappings,
// task_capabilities and task_ptrace_flags. A constraint on a task (its
// task_struct address, or its pid) reads that task alone; a task named by
// a query is only ever one the task list found and checked.
#pragma once

#include <algorithm>
#include <array>
#include <cstdio>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "dump_context.hpp"
#include "row_builder.hpp"

namespace mquire::tables {

namespace detail {

// The kernel's capability numbers, in order (include/uapi/linux/capability.h).
inline constexpr std::array<const char*, 41> capability_names = {
    "CAP_CHOWN",          "CAP_DAC_OVERRIDE",  "CAP_DAC_READ_SEARCH", "CAP_FOWNER",         "CAP_FSETID",
    "CAP_KILL",           "CAP_SETGID",        "CAP_SETUID",          "CAP_SETPCAP",        "CAP_LINUX_IMMUTABLE",
    "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN",     "CAP_NET_RAW",        "CAP_IPC_LOCK",
    "CAP_IPC_OWNER",      "CAP_SYS_MODULE",    "CAP_SYS_RAWIO",       "CAP_SYS_CHROOT",     "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT",      "CAP_SYS_ADMIN",     "CAP_SYS_BOOT",        "CAP_SYS_NICE",       "CAP_SYS_RESOURCE",
    "CAP_SYS_TIME",       "CAP_SYS_TTY_CONFIG", "CAP_MKNOD",          "CAP_LEASE",          "CAP_AUDIT_WRITE",
    "CAP_AUDIT_CONTROL",  "CAP_SETFCAP",       "CAP_MAC_OVERRIDE",    "CAP_MAC_ADMIN",      "CAP_SYSLOG",
    "CAP_WAKE_ALARM",     "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ",      "CAP_PERFMON",        "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE"};

// task_struct.ptrace's flags (include/linux/ptrace.h): PT_PTRACED and
// PT_SEIZED, then the PTRACE_O_* options shifted by PT_OPT_FLAG_SHIFT (3).
struct ptrace_flag {
  const char* name;
  std::uint32_t bit;
};
inline constexpr std::array<ptrace_flag, 12> ptrace_flags = {{{"PT_PTRACED", 0x1},
                                                              {"PT_SEIZED", 0x10000},
                                                              {"PT_TRACESYSGOOD", 1u << 3},
                                                              {"PT_TRACE_FORK", 1u << 4},
                                                              {"PT_TRACE_VFORK", 1u << 5},
                                                              {"PT_TRACE_CLONE", 1u << 6},
                                                              {"PT_TRACE_EXEC", 1u << 7},
                                                              {"PT_TRACE_VFORK_DONE", 1u << 8},
                                                              {"PT_TRACE_EXIT", 1u << 9},
                                                              {"PT_TRACE_SECCOMP", 1u << 10},
                                                              {"PT_EXITKILL", 1u << 23},
                                                              {"PT_SUSPEND_SECCOMP", 1u << 24}}};

// The Rust mquire's names for the ways a task is found.
inline std::string source_name(const std::string& s) { return s == processes::source_pid_idr ? "pid_ns" : s; }

inline std::string task_type(const processes::task& t) {
  if (t.kthread) return "kthread";
  return t.pid == t.tgid ? "thread_group_leader" : "thread";
}

// NUL-separated strings as one line: cmdline's arguments joined by spaces.
inline std::string joined_arguments(const std::vector<std::uint8_t>& bytes) {
  std::string out(bytes.begin(), bytes.end());
  while (!out.empty() && out.back() == '\0') out.pop_back();
  for (char& c : out)
    if (c == '\0') c = ' ';
  return out;
}

// environ's entries as the Rust mquire writes them: by name (a name set
// twice keeps its last value), each "NAME=VALUE" followed by ", ".
inline std::string environment_text(const std::vector<std::uint8_t>& bytes) {
  std::map<std::string, std::string> by_name;
  std::string entry;
  const auto put = [&] {
    if (entry.empty()) return;
    const auto eq = entry.find('=');
    by_name[entry.substr(0, eq)] = eq == std::string::npos ? std::string() : entry.substr(eq + 1);
    entry.clear();
  };
  for (const std::uint8_t b : bytes) {
    if (b != 0) entry.push_back(static_cast<char>(b));
    else put();
  }
  put();
  std::string out;
  for (const auto& [name, value] : by_name) out += name + "=" + value + ", ";
  return out;
}

// The tasks a per-task scan covers: the one its constraints name, else
// every process (a thread only when it has a table of its own, which
// `own` tells from its leader's).
template <typename Own>
std::vector<const processes::task*> tasks_to_scan(dump_context& ctx, const processes::task_list& list,
                                                  const std::optional<std::uint64_t>& task_address,
                                                  const std::optional<std::int64_t>& tgid, Own own) {
  std::vector<const processes::task*> out;
  if (task_address) {
    if (const auto* t = ctx.task_at(*task_address)) out.push_back(t);
    return out;
  }
  std::map<std::int64_t, const processes::task*> leaders;
  for (const auto& t : list.tasks)
    if (t.pid == t.tgid) leaders.emplace(t.tgid, &t);
  std::set<std::uint64_t> seen;
  for (const auto& t : list.tasks) {
    if (tgid && t.tgid != *tgid) continue;
    if (t.pid != t.tgid) {
      const auto l = leaders.find(t.tgid);
      if (l != leaders.end() && !own(t, *l->second)) continue;
    }
    if (seen.insert(t.address).second) out.push_back(&t);
  }
  return out;
}

// The tasks a per-task table reads for `req`: the one its `task` column
// names, else those of the process its `id_column` names (if any), else
// every process (tasks_to_scan). Empty when a constraint's value can match no task.
template <typename Own>
result<std::vector<const processes::task*>> scan_targets(dump_context& ctx, const table_schema& s,
                                                         const scan_request& req, std::string_view id_column, Own own) {
  auto list = ctx.tasks();
  if (!list) return list.err();
  bool bad = false;
  const auto task = address_constraint(s, req, "task", bad);
  const auto id = id_column.empty() ? std::nullopt : integer_constraint(s, req, id_column, bad);
  if (bad) return std::vector<const processes::task*>{};
  return tasks_to_scan(ctx, **list, task, id, own);
}

inline bool any_task(const processes::task&, const processes::task&) { return true; }

} // namespace detail

inline result<bool> scan_tasks(dump_context& ctx, const table_schema& s, const scan_request& req, const row_sink& sink) {
  auto list = ctx.tasks();
  if (!list) return list.err();
  bool bad = false;
  const auto only = address_constraint(s, req, "virtual_address", bad);
  const auto pid = integer_constraint(s, req, "pid", bad);
  const auto tgid = integer_constraint(s, req, "tgid", bad);
  if (bad) return false; // a value no task can have: no rows
  const auto root = ctx.symbols().address("init_task");
  std::map<std::int64_t, std::int64_t> tgid_of; // pid -> tgid, for a tracer's
  for (const auto& t : (*list)->tasks) tgid_of.emplace(t.pid, t.tgid);
  for (const auto& t : (*list)->tasks) {
    if ((only && t.address != *only) || (pid && t.pid != *pid) || (tgid && t.tgid != *tgid)) continue;
    row_builder b(s, req);
    b.set_text("virtual_address", vaddr_text(ctx.kernel_root(), t.address));
    if (root) b.set_text("root_task", vaddr_text(ctx.kernel_root(), *root));
    b.set_text("comm", t.comm).set_int("pid", t.pid).set_int("tgid", t.tgid).set_int("real_ppid", t.ppid);
    std::int64_t parent = t.ppid;
    if (t.tracer_pid != 0)
      if (const auto tr = tgid_of.find(t.tracer_pid); tr != tgid_of.end()) parent = tr->second;
    b.set_int("ppid", parent).set_int("tracer_pid", t.tracer_pid).set_text("type", detail::task_type(t));
    b.set_int("main_thread", t.pid == t.tgid ? 1 : 0);
    if (t.creds) b.set_int("uid", t.creds->uid).set_int("gid", t.creds->gid).set_int("euid", t.creds->euid);
    if (b.wants("page_table")) {
      char pt[48];
      std::snprintf(pt, sizeof pt, "PhysicalAddress(0x%016llX)", static_cast<unsigned long long>(ctx.page_table_of(t)));
      b.set_text("page_table", pt);
    }
    if (b.wants("binary_path") || b.wants("command_line") || b.wants("environment")) {
      const auto& d = ctx.details(t);
      if (t.mm != 0) {
        if (!d.exe.empty()) b.set_text("binary_path", d.exe);
        b.set_text("command_line", detail::joined_arguments(d.cmdline));
        const auto env = detail::environment_text(d.environ);
        if (!env.empty()) b.set_text("environment", env);
      }
    }
    // A row for each of the Rust mquire's two sources that found the task
    // (task_list, pid_ns); a task only the runqueues or the parent/children
    // links found still has a row, under that source: nothing is hidden.
    std::string all;
    for (const char* known : {processes::source_task_list, processes::source_pid_idr, processes::source_runqueue,
                              processes::source_children})
      if (std::find(t.sources.begin(), t.sources.end(), known) != t.sources.end())
        all += (all.empty() ? "" : ",") + detail::source_name(known);
    const auto is_main = [](const std::string& src) {
      return src == processes::source_task_list || src == processes::source_pid_idr;
    };
    const bool main_source = std::any_of(t.sources.begin(), t.sources.end(), is_main);
    b.set_text("sources", all);
    for (const auto& src : t.sources) {
      if (main_source && !is_main(src)) continue;
      b.set_text("source", detail::source_name(src));
      if (!sink(b.take())) return false;
    }
  }
  return true;
}

inline result<bool> scan_task_open_files(dump_context& ctx, const table_schema& s, const scan_request& req,
                                         const row_sink& sink) {
  const auto own = [](const processes::task& t, const processes::task& leader) { return t.files != leader.files; };
  auto targets = detail::scan_targets(ctx, s, req, "tgid", own);
  if (!targets) return targets.err();
  for (const auto* t : *targets) {
    if (t->files == 0) continue;
    const auto& files = ctx.files(*t);
    if (!files) continue; // said in the notes by the tool's own listing; no row invented
    for (const auto& f : files->files) {
      row_builder b(s, req);
      b.set_int("fd", static_cast<std::int64_t>(f.fd)).set_int("flags", static_cast<std::int64_t>(f.flags));
      b.set_int("inode", static_cast<std::int64_t>(f.inode)).set_int("mnt_id", f.mnt_id);
      b.set_text("path", f.target).set_int("pos", static_cast<std::int64_t>(f.pos));
      b.set_text("task", vaddr_text(ctx.kernel_root(), t->address)).set_int("tgid", t->tgid);
      b.set_text("virtual_address", vaddr_text(ctx.kernel_root(), f.file));
      if (!sink(b.take())) return false;
    }
  }
  return true;
}

inline result<bool> scan_memory_mappings(dump_context& ctx, const table_schema& s, const scan_request& req,
                                         const row_sink& sink) {
  const auto own = [](const processes::task& t, const processes::task& leader) { return t.mm != leader.mm; };
  auto targets = detail::scan_targets(ctx, s, req, "pid", own);
  if (!targets) return targets.err();
  for (const auto* t : *targets) {
    if (t->mm == 0) continue;
    const auto& maps = ctx.maps(*t);
    if (!maps) continue;
    const std::uint64_t pt = ctx.page_table_of(*t);
    for (const auto& m : maps->maps) {
      row_builder b(s, req);
      b.set_int("readable", (m.flags & 1) ? 1 : 0).set_int("writable", (m.flags & 2) ? 1 : 0);
      b.set_int("executable", (m.flags & 4) ? 1 : 0).set_int("shared", (m.flags & 0x80) ? 1 : 0);
      b.set_text("perms", processes::maps_perms(m)).set_int("inode", static_cast<std::int64_t>(m.inode)).set_int("pid", t->tgid);
      if (!m.name.empty()) b.set_text("name", m.name);
      if (m.file != 0) {
        b.set_text("file_path", m.name);
        b.set_text("file_offset", std::to_string(m.offset));
      }
      b.set_text("region_start", vaddr_text(pt, m.start)).set_text("region_end", vaddr_text(pt, m.end));
      b.set_text("task", vaddr_text(ctx.kernel_root(), t->address));
      b.set_text("virtual_address", vaddr_text(ctx.kernel_root(), m.address));
      if (!sink(b.take())) return false;
    }
  }
  return true;
}

inline result<bool> scan_task_capabilities(dump_context& ctx, const table_schema& s, const scan_request& req,
                                           const row_sink& sink) {
  auto targets = detail::scan_targets(ctx, s, req, {}, detail::any_task);
  if (!targets) return targets.err();
  for (const auto* t : *targets) {
    if (!t->creds) continue;
    const auto& c = *t->creds;
    const std::array<std::pair<const char*, std::uint64_t>, 5> sets = {{{"effective", c.cap_effective},
                                                                        {"permitted", c.cap_permitted},
                                                                        {"inheritable", c.cap_inheritable},
                                                                        {"bounding", c.cap_bounding},
                                                                        {"ambient", c.cap_ambient}}};
    row_builder b(s, req);
    b.set_text("task", vaddr_text(ctx.kernel_root(), t->address));
    std::uint64_t unknown = 0;
    for (const auto& [name, bits] : sets) unknown |= bits >> detail::capability_names.size();
    for (unsigned bit = 0; bit < 64; ++bit) {
      const bool named = bit < detail::capability_names.size();
      if (!named && !(unknown >> (bit - detail::capability_names.size()) & 1)) continue;
      b.set_text("name", named ? std::string(detail::capability_names[bit]) : "CAP_UNKNOWN_BIT_" + std::to_string(bit));
      for (const auto& [name, bits] : sets) b.set_int(name, (bits >> bit & 1) ? 1 : 0);
      if (!sink(b.take())) return false;
    }
  }
  return true;
}

inline result<bool> scan_task_ptrace_flags(dump_context& ctx, const table_schema& s, const scan_request& req,
                                           const row_sink& sink) {
  auto targets = detail::scan_targets(ctx, s, req, {}, detail::any_task);
  if (!targets) return targets.err();
  for (const auto* t : *targets) {
    row_builder b(s, req);
    b.set_text("task", vaddr_text(ctx.kernel_root(), t->address));
    std::uint64_t known = 0;
    for (const auto& f : detail::ptrace_flags) {
      known |= f.bit;
      b.set_text("name", f.name).set_text("value", (t->ptrace & f.bit) ? "1" : "0");
      if (!sink(b.take())) return false;
    }
    char word[32];
    std::snprintf(word, sizeof word, "0x%08llx", static_cast<unsigned long long>(t->ptrace & ~known & 0xffffffffu));
    b.set_text("name", "unused").set_text("value", word);
    if (!sink(b.take())) return false;
    std::snprintf(word, sizeof word, "0x%08llx", static_cast<unsigned long long>(t->ptrace & 0xffffffffu));
    b.set_text("name", "raw").set_text("value", word);
    if (!sink(b.take())) return false;
  }
  return true;
}

} // namespace mquire::tables
