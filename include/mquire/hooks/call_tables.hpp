// SPDX-License-Identifier: Apache-2.0
// Tables of function pointers that rootkits overwrite, each slot checked:
// the system call tables (every entry must be the start of a kernel
// function named as the kernel names its system call entry points, or
// sys_ni_syscall), and ops tables of the kernel image that hide processes,
// files and sockets when hooked (/proc's root, the socket listings' seq
// operations, sockets' and pipes' file operations), whose every function
// pointer must be the start of a function in kernel text. A slot pointing
// into a module is backed but not expected; one pointing at no text at all
// is unbacked. Registered kprobes are listed as hooks too: where each one
// sits and whose handler it calls.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "../detail/hex.hpp"
#include "../objects/code_symbols.hpp"
#include "../objects/object_reader.hpp"
#include "../objects/symbol_index.hpp"
#include "../objects/walkers.hpp"
#include "pointer_check.hpp"
#include "../notes.hpp"

namespace mquire::hooks {

struct table_slot {
  std::string name; // the member, or the system call number
  pointer_check check;
};

struct call_table {
  std::string name;        // sys_call_table, tcp4_seq_ops, ...
  std::string type;        // "system calls", "struct seq_operations"
  std::uint64_t address = 0;
  std::vector<table_slot> slots; // null ops slots left out
  std::uint64_t null_slots = 0;
  std::string problem;
};

struct kprobe_entry {
  std::uint64_t kprobe = 0; // its struct kprobe
  std::uint64_t address = 0;
  std::string probed;     // %pS of the probed address
  std::string symbol_name; // as registered
  bool ret_probe = false;
  std::string flags;      // [GONE][DISABLED][OPTIMIZED][FTRACE]
  pointer_check pre_handler, post_handler;
};

struct hook_tables {
  std::vector<call_table> tables;
  std::vector<kprobe_entry> kprobes;
  mquire::notes notes;
};

// The ops tables checked: (symbol, struct type).
inline constexpr std::pair<std::string_view, std::string_view> checked_ops_tables[] = {
    {"proc_root_operations", "file_operations"},
    {"proc_root_inode_operations", "inode_operations"},
    {"tcp4_seq_ops", "seq_operations"},
    {"tcp6_seq_ops", "seq_operations"},
    {"udp_seq_ops", "seq_operations"},
    {"udp6_seq_ops", "seq_operations"},
    {"raw_seq_ops", "seq_operations"},
    {"raw6_seq_ops", "seq_operations"},
    {"unix_seq_ops", "seq_operations"},
    {"packet_seq_ops", "seq_operations"},
    {"socket_file_ops", "file_operations"},
    {"pipefifo_fops", "file_operations"},
};

inline constexpr std::uint64_t max_syscalls = 4096;

namespace detail {

// The names the kernel gives its system call entry points, across eras
// and architectures (`ptregs_` and `stub_` are the assembly entry stubs
// older x86_64 kernels put in the table for execve, fork, rt_sigreturn).
inline bool syscall_name(std::string_view n) {
  for (std::string_view p : {"__x64_sys_", "__ia32_sys_", "__ia32_compat_sys_", "__x32_compat_sys_", "__arm64_sys_",
                             "__arm64_compat_sys_", "__se_sys_", "__se_compat_sys_", "__do_sys_", "__do_compat_sys_",
                             "sys_", "compat_sys_", "ptregs_", "stub_", "__sys_"})
    if (n.substr(0, p.size()) == p) return true;
  return n == "ni_syscall" || n == "sys_ni_syscall";
}

} // namespace detail

inline hook_tables read_hook_tables(const objects::object_reader& r, const objects::symbol_index& syms,
                                    const objects::code_symbols& symbols) {
  hook_tables out;
  const unsigned ps = r.pointer_size();
  for (std::string_view name : {"sys_call_table", "ia32_sys_call_table", "x32_sys_call_table", "compat_sys_call_table"}) {
    const auto at = syms.address(name);
    if (!at) continue;
    call_table t;
    t.name = name;
    t.type = "system calls";
    t.address = *at;
    // The table's extent: up to the next symbol; entries after the last
    // non-zero one are the alignment before it.
    const auto self = symbols.lookup(*at);
    const std::uint64_t size = self && self->address == *at ? self->size : 0;
    const std::uint64_t n = std::min<std::uint64_t>(size / ps, max_syscalls);
    if (n == 0) {
      t.problem = "its extent is unknown (no symbol after it)";
      out.tables.push_back(std::move(t));
      continue;
    }
    std::vector<std::uint8_t> raw(static_cast<std::size_t>(n * ps));
    const std::size_t got = r.memory().read_available(*at, raw.data(), raw.size());
    if (got < raw.size()) t.problem = "only " + std::to_string(got / ps) + " of " + std::to_string(n) + " entries readable";
    const byte_reader br{std::span<const std::uint8_t>(raw.data(), got / ps * ps)};
    std::uint64_t last = 0;
    for (std::uint64_t i = 0; i < got / ps; ++i)
      if (br.uint_unchecked(static_cast<std::size_t>(i * ps), ps, r.memory().order()) != 0) last = i + 1;
    for (std::uint64_t i = 0; i < last; ++i) {
      const std::uint64_t target = br.uint_unchecked(static_cast<std::size_t>(i * ps), ps, r.memory().order());
      t.slots.push_back({std::to_string(i),
                         check_pointer(symbols, target, [](const objects::located_symbol& w, const std::string& module) {
                           return module.empty() && w.offset == 0 && detail::syscall_name(w.name);
                         })});
    }
    out.tables.push_back(std::move(t));
  }
  for (const auto& [name, type] : checked_ops_tables) {
    const auto at = syms.address(name);
    if (!at) continue;
    call_table t;
    t.name = name;
    t.type = "struct " + std::string(type);
    t.address = *at;
    const auto members = r.types().function_pointers(type);
    if (members.empty()) {
      t.problem = "the kernel's types have no function pointers in struct " + std::string(type);
      out.tables.push_back(std::move(t));
      continue;
    }
    for (const auto& [member, offset] : members) {
      const auto target = r.memory().pointer(*at + offset);
      if (!target) {
        t.problem = "." + member + " is not readable";
        continue;
      }
      if (*target == 0) {
        ++t.null_slots;
        continue;
      }
      t.slots.push_back({member, check_pointer(symbols, *target,
                                               [](const objects::located_symbol& w, const std::string& module) {
                                                 return module.empty() && w.offset == 0;
                                               })});
    }
    out.tables.push_back(std::move(t));
  }

  // kprobes: kprobe_table's 64 hash chains.
  if (const auto table = syms.address("kprobe_table")) {
    const auto hlist = r.types().field("kprobe", "hlist");
    if (!hlist) {
      out.notes.add("kprobes: the kernel's types have no kprobe.hlist");
      return out;
    }
    const auto pre_kretprobe = syms.address("pre_handler_kretprobe");
    for (unsigned b = 0; b < 64; ++b) {
      const auto w = objects::walk_hlist(r, *table + b * ps, 4096);
      if (!w.problem.empty()) out.notes.add("kprobe_table[" + std::to_string(b) + "]: " + w.problem);
      for (const auto node : w.nodes) {
        auto k = r.read(node - hlist->offset, "kprobe");
        if (!k) {
          out.notes.add("kprobe at " + mquire::detail::hex(node - hlist->offset), k.err());
          continue;
        }
        kprobe_entry e;
        e.kprobe = k->address();
        e.address = k->u("addr").value_or(0);
        e.probed = symbols.describe(e.address);
        if (const auto sn = k->u("symbol_name"); sn && *sn) e.symbol_name = r.string(*sn, 512).value_or("");
        const std::uint64_t pre = k->u("pre_handler").value_or(0), post = k->u("post_handler").value_or(0);
        e.ret_probe = pre_kretprobe && pre == *pre_kretprobe;
        // A handler is expected at the start of a function of the kernel
        // or of a module (probes are what modules register).
        const auto handler = [&](std::uint64_t fn) {
          return check_pointer(symbols, fn,
                               [](const objects::located_symbol& w, const std::string&) { return w.offset == 0; });
        };
        if (pre) e.pre_handler = handler(pre);
        if (post) e.post_handler = handler(post);
        const std::uint64_t fl = k->u("flags").value_or(0);
        if (fl & 1) e.flags += "[GONE]";
        if ((fl & 2) && !(fl & 1)) e.flags += "[DISABLED]";
        if (fl & 4) e.flags += "[OPTIMIZED]";
        if (fl & 8) e.flags += "[FTRACE]";
        out.kprobes.push_back(std::move(e));
      }
    }
  }
  return out;
}

} // namespace mquire::hooks
