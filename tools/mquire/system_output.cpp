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

} // namespace tool
