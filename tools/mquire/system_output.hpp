// SPDX-License-Identifier: Apache-2.0
// Rendering of the machine's identity (`sysinfo`): uname's fields, boot
// time and uptime, as text lines or one JSON object.
#pragma once

#include <cstdio>

#include <optional>
#include <string>

#include <mquire/bpf/bpf_holders.hpp>
#include <mquire/bpf/bpf_objects.hpp>
#include <mquire/bpf/bpftool_lines.hpp>
#include <mquire/filesystems/cached_files.hpp>
#include <mquire/filesystems/mounts.hpp>
#include <mquire/hooks/call_tables.hpp>
#include <mquire/hooks/ftrace.hpp>
#include <mquire/network/interfaces.hpp>
#include <mquire/network/proc_net.hpp>
#include <mquire/network/socket_owners.hpp>
#include <mquire/system/identity.hpp>
#include <mquire/system/kernel_log.hpp>

namespace tool {

void write_sysinfo(std::FILE* out, const mquire::system::identity& id, bool json);

// The kernel log: dmesg's lines, or (json) one object per record.
void write_dmesg(std::FILE* out, const mquire::system::kernel_log& log, bool json);

// The socket listings: each under a "# /proc/net/NAME" line exactly as
// that file reads, or (json) one array of sockets per listing, each with
// the processes holding it when `owners` is given.
void write_net(std::FILE* out, const mquire::network::net_view& net, bool json,
               const mquire::network::socket_owner_map* owners);

// The interfaces: `ip -o link`'s lines then `ip -o addr`'s, each under a
// "# ip -o link" / "# ip -o addr" line, or (json) one object per interface.
void write_ifaces(std::FILE* out, const mquire::network::interface_list& list, bool json);

// The mounts: /proc/PID/mounts's lines, or mountinfo's, or (json) one
// object per mount with both lines.
void write_mounts(std::FILE* out, const mquire::filesystems::mount_table& table, bool mountinfo, bool json);

// The files with pages in the page cache: a line each under a header, or
// (json) one object per file.
void write_cached(std::FILE* out, const mquire::filesystems::cached_file_list& list, unsigned page_size, bool json);

// The loaded BPF programs and maps with what prints them: the processes
// holding each, and the clocks that turn load times into wall time.
struct bpf_report {
  std::optional<mquire::bpf::bpf_view> view; // empty when not read
  std::string problem;                       // why not
  mquire::bpf::holder_map holders;
  std::optional<mquire::bpf::dump_clocks> clocks;
};

// BPF: `bpftool prog list`'s lines then `bpftool map list`'s, each under a
// "# bpftool prog list" / "# bpftool map list" line; json: one object per
// program and map.
void write_bpf(std::FILE* out, const bpf_report& bpf, bool json);

// The hooks: ftrace's ops and enabled_functions, kprobes, each checked
// table (text: a summary line each, then the slots that are not what they
// should be), then BPF as write_bpf prints it; json: every pointer, backed
// or not.
void write_hooks(std::FILE* out, const mquire::hooks::ftrace_view& ftrace, const mquire::hooks::hook_tables& tables,
                 const bpf_report& bpf, bool json);

} // namespace tool
