// SPDX-License-Identifier: Apache-2.0
// Every table mquire offers, its columns and what each holds. Where the
// Rust mquire (trailofbits/mquire) has a table of the same name, its
// columns keep their names and types, in its order (alphabetical, as its
// schemas are kept), so that queries written for it run unchanged; the
// columns it does not have are added in the same order. docs/SQL.md lists
// every difference.
#pragma once

#include <vector>

#include "table_rows.hpp"

namespace mquire::tables {

namespace detail {
inline column I(std::string_view n, std::string_view doc, bool key = false) {
  return column{n, column_type::integer, doc, false, key};
}
inline column T(std::string_view n, std::string_view doc, bool key = false) {
  return column{n, column_type::text, doc, false, key};
}
inline column H(std::string_view n, std::string_view doc) { return column{n, column_type::text, doc, true, false}; }
} // namespace detail

inline const std::vector<table_schema>& all_schemas() {
  using detail::H;
  using detail::I;
  using detail::T;
  static const std::vector<table_schema> schemas = {
      {"tasks",
       "every task (processes and threads), a row per source that found it",
       {T("binary_path", "the executable (mm->exe_file), as /proc/PID/exe names it; NULL for kernel threads"),
        T("comm", "the task's name (comm)"),
        T("command_line", "/proc/PID/cmdline, its arguments joined by spaces"),
        T("environment", "/proc/PID/environ's entries ordered by name, each followed by ', '; NULL when empty"),
        I("euid", "effective user id"),
        I("gid", "real group id"),
        I("main_thread", "1 for a thread group's leader (pid = tgid), kernel threads included"),
        T("page_table", "its top-level page table's physical address, as PhysicalAddress(0x...) (mm->pgd; the "
                        "kernel's for kernel threads)"),
        I("pid", "the task's id (a thread's own id)", true),
        I("ppid", "the parent's tgid (task->parent: the tracer while traced)"),
        I("real_ppid", "real_parent's tgid, as /proc/PID/status gives PPid"),
        H("root_task", "the task list's head (init_task)"),
        T("source", "how it was found: task_list or pid_ns (the PID namespace's IDR), a row each; runqueue or "
                    "children for a task only those found"),
        T("sources", "every way it was found, comma-separated: task_list, pid_ns, runqueue, children"),
        I("tgid", "the thread group (process) id", true),
        I("tracer_pid", "TracerPid: the tracing process, 0 when not traced"),
        T("type", "kthread, thread_group_leader or thread"),
        I("uid", "real user id"),
        T("virtual_address", "its task_struct", true)}},
      {"task_open_files",
       "each process's open file descriptors, as /proc/PID/fd and fdinfo show them",
       {I("fd", "the descriptor"), I("flags", "fdinfo's flags (octal there)"),
        I("inode", "the file's inode number (for a socket: the number in socket:[N])"),
        I("mnt_id", "fdinfo's mnt_id"), T("path", "readlink(/proc/PID/fd/N)"), I("pos", "fdinfo's pos"),
        T("task", "the task_struct whose table holds it (tasks.virtual_address)", true),
        I("tgid", "the process", true), T("virtual_address", "its struct file")}},
      {"memory_mappings",
       "each process's memory mappings, as /proc/PID/maps shows them",
       {I("executable", "1 when mapped executable"),
        T("file_offset", "offset into the file, in bytes (decimal); NULL when not file-backed"),
        T("file_path", "the mapped file; NULL when anonymous"), I("inode", "the file's inode number, 0 when anonymous"),
        T("name", "the name /proc/PID/maps prints: the file, [heap], [stack], [vdso], ..."),
        T("perms", "rwxp / rwxs, as /proc/PID/maps prints them"), I("pid", "the process", true),
        I("readable", "1 when mapped readable"), T("region_end", "end address, vaddr(process page table, address)"),
        T("region_start", "start address, vaddr(process page table, address)"), I("shared", "1 when shared (s)"),
        T("task", "the process's task_struct (tasks.virtual_address)", true), T("virtual_address", "its vm_area_struct"),
        I("writable", "1 when mapped writable")}},
      {"task_capabilities",
       "each task's capability sets, one row per capability",
       {I("ambient", "1 when in the ambient set"), I("bounding", "1 when in the bounding set"),
        I("effective", "1 when in the effective set"), I("inheritable", "1 when in the inheritable set"),
        T("name", "CAP_CHOWN ... CAP_CHECKPOINT_RESTORE, or CAP_UNKNOWN_BIT_N for a bit no capability has"),
        I("permitted", "1 when in the permitted set"), T("task", "the task_struct (tasks.virtual_address)", true)}},
      {"task_ptrace_flags",
       "each task's ptrace flags (task_struct.ptrace), one row per PT_* flag, then 'unused' and 'raw'",
       {T("name", "PT_PTRACED, PT_SEIZED, PT_TRACESYSGOOD, ..., unused (bits no flag has), raw (the whole word)"),
        T("task", "the task_struct (tasks.virtual_address)", true),
        T("value", "'1' or '0' for a flag; 0x%08x for unused and raw")}},
      {"kernel_modules",
       "the loaded modules, as the kernel's module list holds them",
       {T("base", "its text's address, as /proc/modules prints it (16 hex digits)"),
        I("gpl_only_symbols", "1 when it uses GPL-only symbols"), H("list_head", "the list's head (modules)"),
        T("name", "the module's name"), T("parameters", "its parameters: 'name (perm: 0oNNN)', comma-separated"),
        I("size", "its memory, as /proc/modules sums it"), T("src_version", "srcversion"),
        T("state", "live, coming or going"), T("taint_letters", "taints as /proc/modules prints them"),
        I("taints", "the taint bits"), T("used_by", "the modules using it, comma-separated"),
        I("users", "its reference count, as /proc/modules prints it"), T("version", "MODULE_VERSION"),
        T("virtual_address", "its struct module", true)}},
      {"kernel_module_mem_entries",
       "each module's memory regions",
       {T("end", "end address (16 hex digits)"),
        T("kernel_module", "the struct module (kernel_modules.virtual_address)", true),
        T("mem_type", "text, data, rodata, ro_after_init, init_text, init_data, init_rodata (core before 6.4)"),
        T("module_name", "the module's name"), I("size", "bytes"), T("start", "start address (16 hex digits)")}},
      {"kallsyms",
       "/proc/kallsyms: the kernel's symbols, then the modules', then code made at run time (bpf, __builtin__kprobes, ...)",
       {T("address", "the symbol's address (16 hex digits)"), T("module", "the module in /proc/kallsyms's brackets, NULL for the kernel"),
        T("symbol_name", "the name", true), T("symbol_type", "nm's letter"),
        T("virtual_address", "vaddr(kernel page table, address)")}},
      {"network_connections",
       "the inet sockets of /proc/net/{tcp,tcp6,udp,udp6,raw,raw6}",
       {I("inode", "the socket's inode number (task_open_files.inode)"),
        T("listing", "the /proc/net file it is listed in"), T("local_address", "local address"),
        I("local_port", "local port"), T("protocol", "tcp, udp or raw"),
        T("remote_address", "remote address; NULL when unset (0.0.0.0, ::)"),
        I("remote_port", "remote port; NULL when unset (0)"), I("rx_queue", "receive queue"),
        T("state", "established, listen, close, time_wait, ...: the kernel's state names in lower case"),
        I("tx_queue", "transmit queue"), T("type", "ipv4 or ipv6"), I("uid", "the owner's uid"),
        T("virtual_address", "its struct sock")}},
      {"network_interfaces",
       "the network interfaces, one row per address (one row when it has none)",
       {T("active_mac_address", "dev_addr"), T("additional_mac_address", "another address on dev_addrs besides dev_addr (a row each)"),
        I("ifindex", "the interface index"), T("ip_address", "an address of the interface"), T("ip_type", "ipv4 or ipv6"),
        H("list_head", "(the net namespace's device list)"),
        T("mask", "dotted netmask (IPv4) or prefix length (IPv6)"), I("mtu", "MTU"), T("name", "the name"),
        T("physical_mac_address", "perm_addr, the hardware's own address; NULL when the device has none"),
        T("state", "operstate: unknown, notpresent, down, lowerlayerdown, testing, dormant, up"),
        T("virtual_address", "its struct net_device")}},
      {"log_messages",
       "what mquire could not read while it answered this session's queries, once each",
       {I("level", "2 (a warning)"), T("location", "the view it was reading: tasks, modules, net, ..."),
        T("message", "what could not be read, and why"), T("time", "when it was noted (RFC 3339, UTC)"),
        T("type", "WARN")}},
      {"dmesg",
       "the kernel log's records",
       {I("caller_id", "the caller as the kernel stores it (a task's pid, or 0x80000000 | CPU); NULL when zero or not recorded"),
        T("data_source", "the buffer read: printk_ringbuffer or log_buf"), I("facility", "syslog facility"),
        I("level", "log level"), T("message", "the text"), I("sequence", "sequence number"),
        I("timestamp_ns", "time since boot")}},
      {"boot_time",
       "when the machine booted",
       {I("boot_time", "seconds since the epoch, as /proc/stat's btime"),
        T("virtual_address", "the timekeeper it was read from")}},
      {"os_version",
       "which kernel ran",
       {T("arch", "uname -m"), T("kernel_version", "uname -r"), T("system_version", "uname -v")}},
      {"system_info", "the machine's names", {T("domain", "domainname"), T("hostname", "hostname")}},
      {"mounts",
       "pid 1's mounts, as /proc/1/mountinfo shows them",
       {T("virtual_address", "its struct mount"), I("mount_id", "mount id"), I("parent_id", "parent mount id"),
        I("major", "device major"), I("minor", "device minor"), T("root", "the mount's root within its filesystem"),
        T("mount_point", "where it is mounted"), T("options", "the mount's options"), T("fs_type", "filesystem type"),
        T("source", "what is mounted"), T("super_options", "the superblock's options"),
        T("line", "its /proc/1/mounts line")}},
      {"cached_files",
       "the files with pages in the page cache, named as pid 1 sees them",
       {T("virtual_address", "its struct inode"), T("path", "its path"), I("ino", "inode number"),
        I("size", "i_size"), I("cached_pages", "pages in the page cache"), I("mode", "i_mode"),
        T("fs_type", "filesystem type"), I("deleted", "1 when deleted (no links, or unhashed)"),
        I("mounted", "1 when reachable through a mount")}},
      {"syslog_file",
       "the lines of /var/log/syslog (or /var/log/messages) that the page cache holds",
       {T("data_source", "page_cache"), T("file_virtual_address", "the file's struct inode"),
        T("hostname", "the line's second word"), T("message", "the rest of the line"),
        T("process", "the line's third word"), T("region_end", "end of the cached run holding it (byte offset)"),
        T("region_start", "start of the cached run holding it (byte offset)"),
        T("task_virtual_address", "a process holding the file open, NULL when none"),
        I("tgid", "that process, NULL when none"), T("timestamp", "the line's first word")}},
      {"ftrace_ops",
       "the registered ftrace callbacks (ftrace_ops_list)",
       {I("backed", "1 when the callback lies in kernel text or a module's memory"),
        H("end_vaddr", "(a walk's end)"), I("flags", "ftrace_ops.flags"), T("func", "vaddr(kernel page table, callback)"),
        T("func_addr", "the callback (16 hex digits)"), T("module", "the module holding the callback"),
        H("start_vaddr", "(a walk's start)"), T("symbol", "the callback as %pS prints it"),
        T("trampoline", "the ops' trampoline (16 hex digits)"), T("virtual_address", "its struct ftrace_ops")}},
      {"hooks",
       "every pointer of the checked call tables and kprobes, backed or not",
       {T("kind", "table or kprobe"), T("name", "the table (sys_call_table, tcp4_seq_ops, ...) or probed symbol"),
        T("type", "the table's type, or the kprobe's handler (pre_handler, post_handler)"),
        T("slot", "the member or system call number"), T("virtual_address", "the table or struct kprobe"),
        T("target", "the pointer (16 hex digits)"), T("symbol", "the target as %pS prints it"),
        T("module", "the module holding the target"), I("backed", "1 when in kernel text or a module's memory"),
        I("expected", "1 when backed and the symbol fits the slot")}},
      {"btf_types",
       "the kernel's BTF types",
       {I("id", "type id", true), T("kind", "INT, STRUCT, PTR, ..."), T("name", "its name, empty when anonymous"),
        I("size", "size in bytes, for sized kinds"), I("type_id", "the type referred to, for the other kinds"),
        I("vlen", "members, enumerators or parameters")}},
      {"btf_members",
       "the members of the kernel's BTF structs and unions",
       {I("type_id", "the struct or union (btf_types.id)", true), T("type_name", "its name"),
        T("member", "the member's name, empty when anonymous"), I("member_type_id", "the member's type"),
        I("bit_offset", "offset in bits"), I("bitfield_size", "bits, 0 when not a bitfield")}},
  };
  return schemas;
}

inline const table_schema* find_schema(std::string_view name) {
  for (const auto& s : all_schemas())
    if (s.name == name) return &s;
  return nullptr;
}

} // namespace mquire::tables
