// SPDX-License-Identifier: Apache-2.0
#include "system_output.hpp"

#include <string>

#include <mquire/output/json_writer.hpp>

namespace tool {
namespace {
struct file_sink {
  std::FILE* out;
  void operator()(std::string_view s) const { std::fwrite(s.data(), 1, s.size(), out); }
};
} // namespace

void write_sysinfo(std::FILE* out, const mquire::system::identity& id, bool json) {
  const std::pair<const char*, const std::string*> names[] = {
      {"sysname", &id.sysname}, {"nodename", &id.nodename}, {"domainname", &id.domainname},
      {"release", &id.release}, {"version", &id.version},   {"machine", &id.machine}};
  // /proc/uptime's first field: seconds with two decimals.
  const std::string uptime = id.uptime_ns ? mquire::system::uptime_text(*id.uptime_ns) : std::string();
  if (!json) {
    for (const auto& [k, v] : names) std::fprintf(out, "%-10s %s\n", k, v->c_str());
    std::fprintf(out, "%-10s %s\n", "btime", id.btime ? std::to_string(*id.btime).c_str() : "");
    std::fprintf(out, "%-10s %s\n", "uptime", uptime.c_str());
    return;
  }
  file_sink sink{out};
  {
    mquire::output::json_writer<file_sink> j(sink);
    j.begin_object();
    for (const auto& [k, v] : names) j.member(k, *v);
    if (id.btime) j.member("btime", *id.btime);
    if (id.uptime_ns) {
      j.member("uptime", uptime);
      j.member("uptime_ns", *id.uptime_ns);
    }
    j.end_object();
  }
  std::fputc('\n', out);
}

void write_dmesg(std::FILE* out, const mquire::system::kernel_log& log, bool json) {
  if (!json) {
    for (const auto& r : log.records) {
      const std::string lines = mquire::system::dmesg_text(r);
      std::fwrite(lines.data(), 1, lines.size(), out);
    }
    return;
  }
  file_sink sink{out};
  {
    mquire::output::json_writer<file_sink> j(sink);
    j.begin_array();
    for (const auto& r : log.records) {
      j.begin_object();
      j.member("seq", r.seq);
      j.member("ts_nsec", r.ts_nsec);
      j.member("facility", static_cast<std::uint64_t>(r.facility));
      j.member("level", static_cast<std::uint64_t>(r.level));
      j.member("caller_id", static_cast<std::uint64_t>(r.caller_id));
      j.member("text", r.text);
      j.end_object();
    }
    j.end_array();
  }
  std::fputc('\n', out);
}

void write_net(std::FILE* out, const mquire::network::net_view& net, bool json,
               const mquire::network::socket_owner_map* owners) {
  if (!json) {
    for (const auto& l : net.listings) {
      if (!l.problem.empty() && l.rows.empty() && l.header.empty()) continue;
      const std::string text = "# /proc/net/" + l.name + "\n" + mquire::network::listing_text(l);
      std::fwrite(text.data(), 1, text.size(), out);
    }
    return;
  }
  file_sink sink{out};
  {
    mquire::output::json_writer<file_sink> j(sink);
    j.begin_object();
    for (const auto& l : net.listings) {
      j.key(l.name);
      j.begin_array();
      if (l.name == "dev") {
        for (std::size_t k = 0; k < net.devices.size() && k < l.rows.size(); ++k) {
          const auto& d = net.devices[k];
          j.begin_object();
          j.member("name", d.name);
          j.member("index", static_cast<std::int64_t>(d.index));
          j.key("counters");
          if (d.counters) {
            j.begin_object();
            for (std::size_t c = 0; c < mquire::network::link_counter_names.size(); ++c)
              j.member(mquire::network::link_counter_names[c], d.counters->value[c]);
            j.end_object();
          } else {
            j.null();
          }
          j.member("counted_by", d.source);
          if (!d.problem.empty()) j.member("problem", d.problem);
          j.member("line", l.rows[k].line);
          j.end_object();
        }
        j.end_array();
        continue;
      }
      const bool inet = l.name.rfind("tcp", 0) == 0 || l.name.rfind("udp", 0) == 0 || l.name.rfind("raw", 0) == 0;
      for (const auto& r : l.rows) {
        j.begin_object();
        if (inet) {
          j.member("local", r.local);
          j.member("local_port", std::uint64_t{r.local_port});
          j.member("remote", r.remote);
          j.member("remote_port", std::uint64_t{r.remote_port});
          if (l.name.rfind("tcp", 0) == 0) j.member("state", mquire::network::tcp_state_name(r.state));
          else j.member("state", std::uint64_t{r.state});
          j.member("tx_queue", r.tx_queue);
          j.member("rx_queue", r.rx_queue);
          j.member("uid", r.uid);
        } else if (l.name == "if_inet6") {
          j.member("addr", r.local);
          j.member("ifindex", std::uint64_t{r.ifindex});
          j.member("prefixlen", std::uint64_t{r.prefix_len});
          j.member("scope", std::uint64_t{r.scope});
          j.member("flags", r.flags);
          j.member("name", r.device);
        } else if (l.name == "unix") {
          j.member("refcount", r.refcount);
          j.member("flags", r.flags);
          j.member("type", std::uint64_t{r.type});
          j.member("state", std::uint64_t{r.state});
          j.key("path");
          if (r.path) j.value(*r.path);
          else j.null();
        } else {
          j.member("refcount", r.refcount);
          j.member("type", std::uint64_t{r.type});
          j.member("proto", std::uint64_t{r.protocol});
          j.member("iface", std::uint64_t{r.ifindex});
          j.member("running", r.running);
          j.member("rmem", r.rx_queue);
          j.member("user", r.uid);
        }
        if (l.name != "if_inet6") j.member("inode", r.inode);
        j.member("line", r.line);
        if (owners && l.name != "if_inet6") {
          j.key("owners");
          j.begin_array();
          if (const auto it = owners->by_inode.find(r.inode); r.inode != 0 && it != owners->by_inode.end())
            for (const auto& o : it->second) {
              j.begin_object();
              j.member("pid", o.pid);
              j.member("comm", o.comm);
              j.member("fd", o.fd);
              j.end_object();
            }
          j.end_array();
        }
        j.end_object();
      }
      j.end_array();
    }
    j.end_object();
  }
  std::fputc('\n', out);
}

void write_ifaces(std::FILE* out, const mquire::network::interface_list& list, bool json) {
  namespace net = mquire::network;
  if (!json) {
    std::string text = "# ip -o link\n";
    for (const auto& i : list.interfaces) text += net::ip_link_line(i) + "\n";
    text += "# ip -o addr\n";
    for (const auto& i : list.interfaces)
      for (const auto& a : i.addresses) text += net::ip_addr_line(i, a) + "\n";
    std::fwrite(text.data(), 1, text.size(), out);
    return;
  }
  file_sink sink{out};
  {
    mquire::output::json_writer<file_sink> j(sink);
    j.begin_array();
    for (const auto& i : list.interfaces) {
      j.begin_object();
      j.member("name", i.name);
      j.member("index", std::int64_t{i.index});
      j.key("flags");
      j.begin_array();
      for (const auto& f : net::ip_link_flags(i)) j.value(f);
      j.end_array();
      j.member("mtu", std::uint64_t{i.mtu});
      j.member("link_type", net::link_type_name(i.type));
      j.member("mac", i.mac);
      j.member("broadcast", i.broadcast);
      j.member("qdisc", i.qdisc);
      j.member("qlen", std::uint64_t{i.qlen});
      j.key("master");
      if (i.master.empty()) j.null();
      else j.value(i.master);
      for (const unsigned family : {2u, 10u}) {
        j.key(family == 2 ? "ipv4" : "ipv6");
        j.begin_array();
        for (const auto& a : i.addresses)
          if (a.family == family) j.value(a.local + "/" + std::to_string(a.prefix_len));
        j.end_array();
      }
      j.key("addresses");
      j.begin_array();
      for (const auto& a : i.addresses) {
        j.begin_object();
        j.member("family", a.family == 2 ? "inet" : "inet6");
        j.member("address", a.local);
        j.member("prefix_len", std::uint64_t{a.prefix_len});
        if (!a.peer.empty()) j.member("peer", a.peer);
        if (!a.broadcast.empty()) j.member("broadcast", a.broadcast);
        j.member("scope", net::scope_name(a.scope));
        j.member("flags", std::uint64_t{a.flags});
        if (!a.label.empty()) j.member("label", a.label);
        j.member("valid_lft", std::uint64_t{a.valid});
        j.member("preferred_lft", std::uint64_t{a.preferred});
        j.end_object();
      }
      j.end_array();
      j.end_object();
    }
    j.end_array();
  }
  std::fputc('\n', out);
}

void write_mounts(std::FILE* out, const mquire::filesystems::mount_table& table, bool mountinfo, bool json) {
  namespace fs = mquire::filesystems;
  if (!json) {
    std::string text;
    for (const auto& m : table.mounts) text += (mountinfo ? fs::mountinfo_line(m) : fs::mounts_line(m)) + "\n";
    std::fwrite(text.data(), 1, text.size(), out);
    return;
  }
  file_sink sink{out};
  {
    mquire::output::json_writer<file_sink> j(sink);
    j.begin_array();
    for (const auto& m : table.mounts) {
      j.begin_object();
      j.member("mount_id", m.id);
      j.member("parent_id", m.parent_id);
      j.member("dev", std::to_string(m.major) + ":" + std::to_string(m.minor));
      j.member("root", m.root);
      j.member("mountpoint", m.mount_point);
      j.member("options", (m.mount_readonly ? "ro" : "rw") + m.mount_flags);
      j.key("optional");
      j.begin_array();
      for (std::size_t at = 0; at < m.propagation.size();) { // " shared:1 master:2" -> its tags
        const std::size_t next = m.propagation.find(' ', at + 1);
        j.value(m.propagation.substr(at + 1, next == std::string::npos ? std::string::npos : next - at - 1));
        at = next == std::string::npos ? m.propagation.size() : next;
      }
      j.end_array();
      j.member("fstype", m.type);
      j.member("source", m.source);
      j.member("super_options", (m.superblock_readonly ? "ro" : "rw") + m.superblock_flags + m.filesystem_options);
      j.member("mounts_line", fs::mounts_line(m));
      j.member("mountinfo_line", fs::mountinfo_line(m));
      if (!m.problem.empty()) j.member("problem", m.problem);
      j.end_object();
    }
    j.end_array();
  }
  std::fputc('\n', out);
}

void write_cached(std::FILE* out, const mquire::filesystems::cached_file_list& list, unsigned page_size, bool json) {
  if (!json) {
    std::fprintf(out, "%10s %12s %10s %-10s %s\n", "PAGES", "SIZE", "INODE", "FSTYPE", "PATH");
    for (const auto& f : list.files)
      std::fprintf(out, "%10llu %12llu %10llu %-10s %s\n", static_cast<unsigned long long>(f.cached_pages),
                   static_cast<unsigned long long>(f.size), static_cast<unsigned long long>(f.ino), f.fs_type.c_str(),
                   f.path.empty() ? "?" : f.path.c_str());
    return;
  }
  file_sink sink{out};
  {
    mquire::output::json_writer<file_sink> j(sink);
    j.begin_array();
    for (const auto& f : list.files) {
      j.begin_object();
      j.member("path", f.path);
      j.key("other_paths");
      j.begin_array();
      for (const auto& o : f.other_paths) j.value(o);
      j.end_array();
      j.member("fstype", f.fs_type);
      j.member("ino", f.ino);
      j.member("size", f.size);
      j.member("cached_pages", f.cached_pages);
      j.member("cached_bytes", f.cached_pages * page_size);
      j.member("mode", std::uint64_t{f.mode});
      j.member("deleted", f.deleted);
      j.member("mounted", f.mounted);
      j.member("inode", mquire::detail::hex(f.inode));
      if (!f.problem.empty()) j.member("problem", f.problem);
      j.end_object();
    }
    j.end_array();
  }
  std::fputc('\n', out);
}

namespace {

const char* verdict(const mquire::hooks::pointer_check& c) {
  return !c.backed ? "UNBACKED" : c.expected ? "expected" : "UNEXPECTED";
}

// A checked pointer's members: where it points, the symbol and module
// there, and the verdicts.
template <typename J>
void pointer_members(J& j, const mquire::hooks::pointer_check& c) {
  j.member("address", mquire::detail::hex(c.target));
  j.member("symbol", c.symbol);
  j.member("module", c.module);
  j.member("backed", c.backed);
  j.member("expected", c.expected);
}

template <typename J>
void pointer_json(J& j, const char* key, const mquire::hooks::pointer_check& c) {
  j.key(key);
  j.begin_object();
  pointer_members(j, c);
  j.end_object();
}

// BPF's two listings, each under its header line.
std::string bpf_text(const bpf_report& bpf) {
  namespace b = mquire::bpf;
  static const std::vector<b::holder> none;
  const auto held = [&](std::uint64_t object) -> const std::vector<b::holder>& {
    const auto it = bpf.holders.by_object.find(object);
    return it == bpf.holders.by_object.end() ? none : it->second;
  };
  std::string text = "# bpftool prog list\n";
  if (bpf.view)
    for (const auto& p : bpf.view->programs) text += b::program_lines(p, bpf.clocks, held(p.address));
  text += "# bpftool map list\n";
  if (bpf.view)
    for (const auto& m : bpf.view->maps) text += b::map_lines(m, held(m.address));
  return text;
}

template <typename J>
void holders_json(J& j, const bpf_report& bpf, std::uint64_t object) {
  j.key("pids");
  j.begin_array();
  if (const auto it = bpf.holders.by_object.find(object); it != bpf.holders.by_object.end())
    for (const auto& h : it->second) {
      j.begin_object();
      j.member("pid", h.pid);
      j.member("comm", h.comm);
      j.end_object();
    }
  j.end_array();
}

template <typename J>
void problems_json(J& j, const mquire::notes& problems) {
  if (problems.empty()) return;
  j.key("problems");
  j.begin_array();
  for (const auto& p : problems) j.value(p);
  j.end_array();
}

template <typename J>
void bpf_json(J& j, const bpf_report& bpf) {
  namespace b = mquire::bpf;
  j.begin_object();
  if (!bpf.problem.empty()) j.member("problem", bpf.problem);
  j.key("programs");
  j.begin_array();
  if (bpf.view)
    for (const auto& p : bpf.view->programs) {
      j.begin_object();
      j.member("id", std::uint64_t{p.id});
      j.member("type", p.type_name.empty() ? std::to_string(p.type) : p.type_name);
      j.member("name", p.name);
      j.member("tag", b::tag_hex(p.tag));
      j.member("gpl_compatible", p.gpl);
      j.member("load_time_ns", p.load_time_ns);
      if (bpf.clocks && p.load_time_ns) j.member("loaded_at", b::utc_time(b::load_wall_seconds(p.load_time_ns, *bpf.clocks)));
      j.member("uid", std::uint64_t{p.uid});
      j.member("bytes_xlated", p.xlated_len);
      j.member("bytes_jited", p.jited_len);
      j.member("bytes_memlock", p.memlock);
      j.key("map_ids");
      j.begin_array();
      for (const auto id : p.map_ids) j.value(std::uint64_t{id});
      j.end_array();
      j.member("btf_id", std::uint64_t{p.btf_id});
      if (p.stats) {
        j.member("run_time_ns", p.stats->run_time_ns);
        j.member("run_cnt", p.stats->run_cnt);
        j.member("recursion_misses", p.stats->recursion_misses);
      }
      j.member("expected_attach_type", p.attach_type_name.empty() ? std::to_string(p.expected_attach_type)
                                                                  : p.attach_type_name);
      if (!p.attach_to.empty()) j.member("attach_to", p.attach_to);
      if (p.attach_btf_id) j.member("attach_btf_id", std::uint64_t{p.attach_btf_id});
      if (p.target_prog_id) j.member("target_prog_id", std::uint64_t{p.target_prog_id});
      j.member("bpf_func", mquire::detail::hex(p.bpf_func));
      j.member("image_start", mquire::detail::hex(p.image_start));
      j.member("image_end", mquire::detail::hex(p.image_end));
      j.member("offloaded", p.offloaded);
      j.member("address", mquire::detail::hex(p.address));
      holders_json(j, bpf, p.address);
      problems_json(j, p.problems);
      j.end_object();
    }
  j.end_array();
  j.key("maps");
  j.begin_array();
  if (bpf.view)
    for (const auto& m : bpf.view->maps) {
      j.begin_object();
      j.member("id", std::uint64_t{m.id});
      j.member("type", m.type_name.empty() ? std::to_string(m.type) : m.type_name);
      j.member("name", m.name);
      j.member("flags", std::uint64_t{m.flags});
      j.member("bytes_key", std::uint64_t{m.key_size});
      j.member("bytes_value", std::uint64_t{m.value_size});
      j.member("max_entries", std::uint64_t{m.max_entries});
      j.key("bytes_memlock");
      if (m.memlock) j.value(*m.memlock);
      else j.null();
      j.member("btf_id", std::uint64_t{m.btf_id});
      j.member("frozen", m.frozen);
      if (m.owner_prog_type)
        j.member("owner_prog_type", m.owner_type_name.empty() ? std::to_string(*m.owner_prog_type) : m.owner_type_name);
      j.member("address", mquire::detail::hex(m.address));
      holders_json(j, bpf, m.address);
      problems_json(j, m.problems);
      j.end_object();
    }
  j.end_array();
  j.end_object();
}

} // namespace

void write_bpf(std::FILE* out, const bpf_report& bpf, bool json) {
  if (!json) {
    const std::string text = bpf_text(bpf);
    std::fwrite(text.data(), 1, text.size(), out);
    return;
  }
  file_sink sink{out};
  {
    mquire::output::json_writer<file_sink> j(sink);
    bpf_json(j, bpf);
  }
  std::fputc('\n', out);
}

void write_hooks(std::FILE* out, const mquire::hooks::ftrace_view& ftrace, const mquire::hooks::hook_tables& tables,
                 const bpf_report& bpf, bool json) {
  if (!json) {
    std::string text = "# ftrace_ops\n";
    for (const auto& o : ftrace.ops) {
      text += o.ops + " func " + o.func.symbol + (o.func.backed ? "" : " UNBACKED") + " flags " +
              mquire::detail::hex(o.flags);
      if (o.traces_all) text += " filter: (all functions)";
      else {
        text += " filter:";
        for (const auto& f : o.filter) text += " " + f.name;
      }
      if (!o.notrace.empty()) {
        text += " notrace:";
        for (const auto& f : o.notrace) text += " " + f.name;
      }
      text += "\n";
    }
    text += "# enabled_functions\n";
    for (const auto& l : ftrace.enabled_functions) text += l + "\n";
    text += "# kprobes\n";
    for (const auto& k : tables.kprobes) {
      text += mquire::detail::hex_digits(k.address, 16) + "  " + (k.ret_probe ? "r" : "k") + "  " + k.probed;
      if (k.pre_handler.target) text += "  pre " + k.pre_handler.symbol + " " + verdict(k.pre_handler);
      if (k.post_handler.target) text += "  post " + k.post_handler.symbol + " " + verdict(k.post_handler);
      text += (k.flags.empty() ? "" : "  " + k.flags) + "\n";
    }
    for (const auto& t : tables.tables) {
      std::size_t odd = 0;
      for (const auto& s : t.slots) odd += s.check.expected ? 0 : 1;
      text += "# " + t.name + " (" + t.type + " at " + mquire::detail::hex(t.address) + "): " +
              std::to_string(t.slots.size()) + " pointers, " +
              (odd == 0 ? std::string("all expected") : std::to_string(odd) + " not expected") +
              (t.problem.empty() ? "" : "; " + t.problem) + "\n";
      for (const auto& s : t.slots)
        if (!s.check.expected) text += s.name + " " + s.check.symbol + " " + verdict(s.check) + "\n";
    }
    text += bpf_text(bpf);
    std::fwrite(text.data(), 1, text.size(), out);
    return;
  }
  file_sink sink{out};
  {
    mquire::output::json_writer<file_sink> j(sink);
    j.begin_object();
    j.key("ftrace_ops");
    j.begin_array();
    for (const auto& o : ftrace.ops) {
      j.begin_object();
      j.member("address", mquire::detail::hex(o.address));
      j.member("ops", o.ops);
      pointer_json(j, "func", o.func);
      j.member("flags", o.flags);
      j.member("trampoline", mquire::detail::hex(o.trampoline));
      j.member("traces_all", o.traces_all);
      for (const auto* which : {"filter", "notrace"}) {
        j.key(which);
        j.begin_array();
        for (const auto& f : std::string_view(which) == "filter" ? o.filter : o.notrace) j.value(f.name);
        j.end_array();
      }
      if (!o.problem.empty()) j.member("problem", o.problem);
      j.end_object();
    }
    j.end_array();
    j.key("enabled_functions");
    j.begin_array();
    for (const auto& l : ftrace.enabled_functions) j.value(l);
    j.end_array();
    j.key("kprobes");
    j.begin_array();
    for (const auto& k : tables.kprobes) {
      j.begin_object();
      j.member("address", mquire::detail::hex(k.address));
      j.member("probed", k.probed);
      j.member("symbol_name", k.symbol_name);
      j.member("type", k.ret_probe ? "r" : "k");
      j.member("flags", k.flags);
      if (k.pre_handler.target) pointer_json(j, "pre_handler", k.pre_handler);
      if (k.post_handler.target) pointer_json(j, "post_handler", k.post_handler);
      j.end_object();
    }
    j.end_array();
    j.key("tables");
    j.begin_array();
    for (const auto& t : tables.tables) {
      j.begin_object();
      j.member("name", t.name);
      j.member("type", t.type);
      j.member("address", mquire::detail::hex(t.address));
      j.member("null_slots", t.null_slots);
      if (!t.problem.empty()) j.member("problem", t.problem);
      j.key("slots");
      j.begin_array();
      for (const auto& s : t.slots) {
        j.begin_object();
        j.member("slot", s.name);
        pointer_members(j, s.check);
        j.end_object();
      }
      j.end_array();
      j.end_object();
    }
    j.end_array();
    j.key("bpf");
    bpf_json(j, bpf);
    j.end_object();
  }
  std::fputc('\n', out);
}

} // namespace tool
