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

} // namespace tool
