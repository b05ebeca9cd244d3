// SPDX-License-Identifier: Apache-2.0
// The machine's state as tables: network_connections, network_interfaces,
// dmesg, boot_time, os_version, system_info, mounts, cached_files and
// syslog_file (the system log's lines, from the page cache).
#pragma once

#include <array>
#include <cctype>
#include <string>

#include "../filesystems/page_cache.hpp"
#include "../memory/page_frames.hpp"
#include "dump_context.hpp"
#include "row_builder.hpp"

namespace mquire::tables {

// The system log's bytes read at most: a larger log is read up to here.
inline constexpr std::uint64_t max_syslog_bytes = std::uint64_t{1} << 28;

namespace detail {

inline const char* operstate_name(unsigned s) {
  static const char* const names[] = {"unknown", "notpresent", "down", "lowerlayerdown", "testing", "dormant", "up"};
  return s < 7 ? names[s] : "unknown";
}

inline std::string ipv4_mask(unsigned prefix) {
  const std::uint32_t m = prefix == 0 ? 0 : prefix >= 32 ? 0xffffffffu : ~((1u << (32 - prefix)) - 1);
  return std::to_string(m >> 24) + "." + std::to_string(m >> 16 & 255) + "." + std::to_string(m >> 8 & 255) + "." +
         std::to_string(m & 255);
}

// A net_device's hardware addresses beyond dev_addr: perm_addr (the
// device's own), and the other entries on dev_addrs.
struct device_addresses {
  cell physical;
  std::vector<std::string> additional;
};

inline device_addresses read_device_addresses(dump_context& ctx, const network::interface& i) {
  device_addresses out;
  const auto& r = ctx.reader();
  auto dev = r.read(i.device, "net_device");
  if (!dev) return out;
  const auto len = dev->u("addr_len").value_or(0);
  const auto bytes_at = [&](const objects::object& o, std::uint64_t offset) -> std::optional<std::vector<std::uint8_t>> {
    if (len == 0 || len > 32 || offset + len > o.bytes().size()) return std::nullopt;
    return std::vector<std::uint8_t>(o.bytes().begin() + static_cast<std::ptrdiff_t>(offset),
                                     o.bytes().begin() + static_cast<std::ptrdiff_t>(offset + len));
  };
  if (const auto f = r.types().field("net_device", "perm_addr"))
    if (auto b = bytes_at(*dev, f->offset)) {
      bool zero = true;
      for (auto x : *b) zero = zero && x == 0;
      if (!zero) out.physical = network::detail::hardware_address(*b);
    }
  const auto list = r.types().field("net_device", "dev_addrs.list");
  const auto node = r.types().field("netdev_hw_addr", "list");
  const auto addr = r.types().field("netdev_hw_addr", "addr");
  if (!list || !node || !addr) return out;
  const auto walk = objects::walk_list(r, i.device + list->offset, 256);
  for (const auto n : walk.nodes) {
    auto e = r.read(n - node->offset, "netdev_hw_addr");
    if (!e) break;
    if (auto b = bytes_at(*e, addr->offset)) {
      auto text = network::detail::hardware_address(*b);
      if (text != i.mac) out.additional.push_back(std::move(text));
    }
  }
  return out;
}

// A syslog line's timestamp, host, process and message. The timestamp is
// one word (RFC 3339, rsyslog's default) or BSD syslog's "Mmm dd hh:mm:ss"
// (busybox syslogd, sysklogd); a line that has not all four is all message.
inline std::array<std::string_view, 4> syslog_parts(std::string_view line) {
  std::array<std::string_view, 4> out{};
  std::size_t stamp = line.find(' ');
  const auto digit = [&](std::size_t i) { return i < line.size() && line[i] >= '0' && line[i] <= '9'; };
  if (line.size() > 16 && line[3] == ' ' && (line[4] == ' ' || digit(4)) && digit(5) && line[6] == ' ' && line[9] == ':' &&
      line[12] == ':' && line[15] == ' ')
    stamp = 15;
  if (stamp == std::string_view::npos) {
    out[3] = line;
    return out;
  }
  std::string_view rest = line.substr(stamp + 1);
  const auto host = rest.find(' ');
  const auto proc = host == std::string_view::npos ? host : rest.find(' ', host + 1);
  if (proc == std::string_view::npos) {
    out[3] = line;
    return out;
  }
  out[0] = line.substr(0, stamp);
  out[1] = rest.substr(0, host);
  out[2] = rest.substr(host + 1, proc - host - 1);
  out[3] = rest.substr(proc + 1);
  return out;
}

} // namespace detail

inline result<bool> scan_network_connections(dump_context& ctx, const table_schema& s, const scan_request& req,
                                             const row_sink& sink) {
  const auto& net = ctx.net();
  const auto root = ctx.kernel_root();
  for (const auto& l : net.listings) {
    const bool inet = l.name == "tcp" || l.name == "tcp6" || l.name == "udp" || l.name == "udp6" || l.name == "raw" ||
                      l.name == "raw6";
    if (!inet) continue;
    const bool v6 = l.name.back() == '6';
    const std::string protocol = v6 ? l.name.substr(0, l.name.size() - 1) : l.name;
    for (const auto& so : l.rows) {
      row_builder b(s, req);
      b.set_text("virtual_address", vaddr_text(root, so.sock)).set_text("listing", l.name);
      b.set_text("protocol", protocol).set_text("type", v6 ? "ipv6" : "ipv4");
      b.set_text("local_address", so.local).set_int("local_port", so.local_port);
      // As the Rust mquire gives them: an unset remote end is NULL, states in lower case.
      if (so.remote != "0.0.0.0" && so.remote != "::" && !so.remote.empty()) b.set_text("remote_address", so.remote);
      if (so.remote_port != 0) b.set_int("remote_port", so.remote_port);
      std::string state = network::tcp_state_name(so.state);
      for (char& c : state) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (!state.empty()) b.set_text("state", state);
      b.set_int("inode", static_cast<std::int64_t>(so.inode));
      b.set_int("tx_queue", so.tx_queue).set_int("rx_queue", so.rx_queue).set_int("uid", so.uid);
      if (!sink(b.take())) return false;
    }
  }
  return true;
}

inline result<bool> scan_network_interfaces(dump_context& ctx, const table_schema& s, const scan_request& req,
                                            const row_sink& sink) {
  auto list = ctx.interfaces();
  if (!list) return list.err();
  const auto root = ctx.kernel_root();
  const auto head = ctx.symbols().address("init_net");
  for (const auto& i : (*list)->interfaces) {
    row_builder b(s, req);
    b.set_text("virtual_address", vaddr_text(root, i.device)).set_text("name", i.name).set_int("ifindex", i.index);
    b.set_int("mtu", i.mtu).set_text("state", detail::operstate_name(i.operstate));
    if (!i.mac.empty()) b.set_text("active_mac_address", i.mac);
    if (head) b.set_text("list_head", vaddr_text(root, *head));
    std::vector<std::string> additional;
    if (b.wants("physical_mac_address") || b.wants("additional_mac_address")) {
      auto a = detail::read_device_addresses(ctx, i);
      b.set("physical_mac_address", a.physical);
      additional = std::move(a.additional);
    }
    std::vector<row> bases;
    if (additional.empty()) bases.push_back(b.take());
    for (const auto& mac : additional) bases.push_back(b.set_text("additional_mac_address", mac).take());
    const auto ip_type = s.index_of("ip_type"), ip = s.index_of("ip_address"), mask = s.index_of("mask");
    for (auto& base : bases) {
      if (i.addresses.empty()) {
        if (!sink(std::move(base))) return false;
        continue;
      }
      for (const auto& a : i.addresses) {
        row r = base;
        const bool v4 = a.family == 2;
        r[*ip_type] = std::string(v4 ? "ipv4" : "ipv6");
        r[*ip] = a.local;
        r[*mask] = v4 ? detail::ipv4_mask(a.prefix_len) : std::to_string(a.prefix_len);
        if (!sink(std::move(r))) return false;
      }
    }
  }
  return true;
}

inline result<bool> scan_log_messages(dump_context& ctx, const table_schema& s, const scan_request& req,
                                      const row_sink& sink) {
  // A copy: a scan of another table in the same statement may add notes.
  const auto entries = ctx.log_entries();
  for (const auto& e : entries) {
    row_builder b(s, req);
    b.set_text("time", e.time).set_text("location", e.location).set_text("message", e.message);
    b.set_int("level", 2).set_text("type", "WARN");
    if (!sink(b.take())) return false;
  }
  return true;
}

inline result<bool> scan_dmesg(dump_context& ctx, const table_schema& s, const scan_request& req, const row_sink& sink) {
  auto log = ctx.log();
  if (!log) return log.err();
  const std::string source = (*log)->source.rfind("log_buf", 0) == 0 ? "log_buf" : "printk_ringbuffer";
  for (const auto& r : (*log)->records) {
    row_builder b(s, req);
    b.set_int("sequence", static_cast<std::int64_t>(r.seq)).set_int("timestamp_ns", static_cast<std::int64_t>(r.ts_nsec));
    b.set_int("level", r.level).set_int("facility", r.facility).set_text("message", r.text).set_text("data_source", source);
    if (r.caller_id != 0) b.set_int("caller_id", r.caller_id);
    if (!sink(b.take())) return false;
  }
  return true;
}

inline result<bool> scan_identity(dump_context& ctx, const table_schema& s, const scan_request& req, const row_sink& sink) {
  auto id = ctx.identity();
  if (!id) return id.err();
  row_builder b(s, req);
  if (s.name == "boot_time") {
    if (!(*id)->btime) return make_error(error_code::not_found, "the boot time is not readable (the timekeeper)");
    b.set_int("boot_time", static_cast<std::int64_t>(*(*id)->btime));
    if (const auto tk = system::detail::timekeeper_address(ctx.reader(), ctx.symbols()))
      b.set_text("virtual_address", vaddr_text(ctx.kernel_root(), *tk));
  } else if (s.name == "os_version") {
    b.set_text("kernel_version", (*id)->release).set_text("system_version", (*id)->version).set_text("arch", (*id)->machine);
  } else {
    b.set_text("hostname", (*id)->nodename).set_text("domain", (*id)->domainname);
  }
  sink(b.take());
  return true;
}

inline result<bool> scan_mounts(dump_context& ctx, const table_schema& s, const scan_request& req, const row_sink& sink) {
  auto table = ctx.mounts();
  if (!table) return table.err();
  for (const auto& m : (*table)->mounts) {
    row_builder b(s, req);
    b.set_text("virtual_address", vaddr_text(ctx.kernel_root(), m.mount)).set_int("mount_id", m.id);
    b.set_int("parent_id", m.parent_id).set_int("major", m.major).set_int("minor", m.minor);
    b.set_text("root", m.root).set_text("mount_point", m.mount_point).set_text("fs_type", m.type);
    b.set_text("source", m.source).set_text("options", (m.mount_readonly ? "ro" : "rw") + m.mount_flags);
    b.set_text("super_options", (m.superblock_readonly ? "ro" : "rw") + m.superblock_flags + m.filesystem_options);
    b.set_text("line", filesystems::mounts_line(m));
    if (!sink(b.take())) return false;
  }
  return true;
}

inline result<bool> scan_cached_files(dump_context& ctx, const table_schema& s, const scan_request& req,
                                      const row_sink& sink) {
  auto list = ctx.cached_files();
  if (!list) return list.err();
  for (const auto& f : (*list)->files) {
    row_builder b(s, req);
    b.set_text("virtual_address", vaddr_text(ctx.kernel_root(), f.inode)).set_text("path", f.path);
    b.set_int("ino", static_cast<std::int64_t>(f.ino)).set_int("size", static_cast<std::int64_t>(f.size));
    b.set_int("cached_pages", static_cast<std::int64_t>(f.cached_pages)).set_int("mode", f.mode);
    b.set_text("fs_type", f.fs_type).set_int("deleted", f.deleted ? 1 : 0).set_int("mounted", f.mounted ? 1 : 0);
    if (!sink(b.take())) return false;
  }
  return true;
}

inline result<bool> scan_syslog_file(dump_context& ctx, const table_schema& s, const scan_request& req,
                                     const row_sink& sink) {
  auto list = ctx.cached_files();
  if (!list) return list.err();
  const filesystems::cached_file* file = nullptr;
  std::string path;
  for (const char* p : {"/var/log/syslog", "/var/log/messages"})
    if (!file && (file = filesystems::find_cached_file(**list, p))) path = p;
  if (!file) return true; // no system log in the page cache: no rows
  auto frames = memory::locate_page_frames(ctx.reader(), ctx.symbols(), ctx.page_shift());
  if (!frames) return make_error(frames.err().code, "syslog_file: page frames: " + frames.err().message);
  auto pages = filesystems::read_file_pages(ctx.reader(), *frames, file->mapping);
  if (!pages) return make_error(pages.err().code, "syslog_file: " + path + ": " + pages.err().message);
  const std::uint64_t size =
      std::min(filesystems::bytes_to_write(file->size, *pages, frames->page_size()), max_syslog_bytes);
  std::string bytes;
  const auto rep = filesystems::write_file_content(ctx.memory().reader(), *frames, *pages, size,
                                                   [&](std::span<const std::uint8_t> b) { bytes.append(b.begin(), b.end()); });
  // The cached runs: the file less its holes (what is not cached is never read as zeros).
  std::vector<std::pair<std::uint64_t, std::uint64_t>> runs;
  std::uint64_t at = 0;
  for (const auto& h : rep.holes) {
    if (h.offset > at) runs.emplace_back(at, h.offset);
    at = h.offset + h.length;
  }
  if (at < bytes.size()) runs.emplace_back(at, bytes.size());
  // A process holding the log open: the logger.
  cell task, tgid;
  if (auto tasks = ctx.tasks())
    for (const auto& t : (*tasks)->tasks) {
      if (t.pid != t.tgid || t.files == 0 || !std::holds_alternative<std::monostate>(task)) continue;
      if (const auto& files = ctx.files(t))
        for (const auto& f : files->files)
          if (f.target == path) {
            task = vaddr_text(ctx.kernel_root(), t.address);
            tgid = t.tgid;
            break;
          }
    }
  row_builder b(s, req);
  b.set_text("data_source", "page_cache").set_text("file_virtual_address", vaddr_text(ctx.kernel_root(), file->inode));
  b.set("task_virtual_address", task).set("tgid", tgid);
  for (const auto& [start, end] : runs) {
    b.set_text("region_start", std::to_string(start)).set_text("region_end", std::to_string(end));
    std::uint64_t line = start;
    while (line < end) {
      std::uint64_t stop = line;
      while (stop < end && bytes[stop] != '\n') ++stop;
      const std::string_view text(bytes.data() + line, stop - line);
      const auto parts = detail::syslog_parts(text);
      b.set_text("timestamp", std::string(parts[0])).set_text("hostname", std::string(parts[1]));
      b.set_text("process", std::string(parts[2])).set_text("message", std::string(parts[3]));
      if (!text.empty() && !sink(b.take())) return false;
      line = stop + 1;
    }
  }
  return true;
}

} // namespace mquire::tables
