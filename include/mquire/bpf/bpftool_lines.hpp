// SPDX-License-Identifier: Apache-2.0
// BPF programs and maps printed as `bpftool prog list` and `bpftool map
// list` print them (plain output): the header line with id, type, name,
// tag and flags, then the tab-indented lines of load time and owner,
// sizes, memlock and maps, BTF id, and the processes holding the object
// ("pids"). A value the dump cannot give is shown as '?'. Load times are
// wall-clock times as bpftool computes them (the realtime clock less the
// boottime clock, plus the load's boottime), printed in UTC.
#pragma once

#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "bpf_objects.hpp"

namespace mquire::bpf {

// The two clocks at the dump, for turning boottime stamps into wall time.
struct dump_clocks {
  std::int64_t realtime_ns = 0;
  std::uint64_t boottime_ns = 0;
};

// A process holding a BPF object through a file descriptor.
struct holder {
  std::int64_t pid = 0;
  std::string comm;
};

// "YYYY-MM-DDTHH:MM:SS+0000" for seconds since the epoch (UTC).
inline std::string utc_time(std::int64_t seconds) {
  std::int64_t days = seconds / 86400, rest = seconds % 86400;
  if (rest < 0) rest += 86400, --days;
  // Days since 1970-01-01 to a civil date (proleptic Gregorian), by 400-year eras.
  days += 719468;
  const std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const std::int64_t doe = days - era * 146097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  const std::int64_t day = doy - (153 * mp + 2) / 5 + 1;
  const std::int64_t month = mp < 10 ? mp + 3 : mp - 9;
  const std::int64_t year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04lld-%02lld-%02lldT%02lld:%02lld:%02lld+0000", static_cast<long long>(year),
                static_cast<long long>(month), static_cast<long long>(day), static_cast<long long>(rest / 3600),
                static_cast<long long>(rest / 60 % 60), static_cast<long long>(rest % 60));
  return buf;
}

// print_boot_time's arithmetic: whole seconds of each clock, their
// nanoseconds added to the stamp's and divided (toward zero) together.
// Done on the stamp's seconds and nanoseconds apart, so that no stamp a
// dump holds can overflow it.
inline std::int64_t load_wall_seconds(std::uint64_t load_boottime_ns, const dump_clocks& c) {
  constexpr std::int64_t giga = 1000000000;
  const std::int64_t real_sec = c.realtime_ns / giga, real_nsec = c.realtime_ns % giga;
  const auto boot_sec = static_cast<std::int64_t>(c.boottime_ns / giga),
             boot_nsec = static_cast<std::int64_t>(c.boottime_ns % giga);
  const auto load_sec = static_cast<std::int64_t>(load_boottime_ns / giga),
             load_nsec = static_cast<std::int64_t>(load_boottime_ns % giga);
  const std::int64_t rest = real_nsec - boot_nsec + load_nsec; // within (-2e9, 2e9)
  // (rest + load_sec * 1e9) / 1e9 in C's truncating division: with whole
  // seconds in the stamp the sum is not negative, so that is floor.
  const std::int64_t whole = load_sec == 0 ? rest / giga : load_sec + (rest >= 0 ? rest / giga : -((-rest + giga - 1) / giga));
  return (real_sec - boot_sec) + whole;
}

inline std::string holders_text(const std::vector<holder>& holders) {
  if (holders.empty()) return {};
  std::string out = "\n\tpids ";
  for (std::size_t i = 0; i < holders.size(); ++i)
    out += (i ? ", " : "") + holders[i].comm + "(" + std::to_string(holders[i].pid) + ")";
  return out;
}

inline std::string tag_hex(const std::array<std::uint8_t, 8>& tag) {
  std::string out;
  char b[4];
  for (const auto v : tag) {
    std::snprintf(b, sizeof b, "%02x", v);
    out += b;
  }
  return out;
}

// One program's lines, each ending in a newline.
inline std::string program_lines(const program& p, const std::optional<dump_clocks>& clocks,
                                 const std::vector<holder>& holders) {
  std::string out = std::to_string(p.id) + ": ";
  out += p.type_name.empty() ? "type " + std::to_string(p.type) + "  " : p.type_name + "  ";
  if (!p.name.empty()) out += "name " + p.name + "  ";
  out += "tag " + tag_hex(p.tag);
  if (p.gpl) out += "  gpl";
  if (p.stats && p.stats->run_time_ns)
    out += " run_time_ns " + std::to_string(p.stats->run_time_ns) + " run_cnt " + std::to_string(p.stats->run_cnt);
  if (p.stats && p.stats->recursion_misses) out += " recursion_misses " + std::to_string(p.stats->recursion_misses);
  out += "\n";
  if (p.load_time_ns) {
    out += "\tloaded_at ";
    out += clocks ? utc_time(load_wall_seconds(p.load_time_ns, *clocks)) : "?";
    out += "  uid " + std::to_string(p.uid) + "\n";
  }
  out += "\txlated " + std::to_string(p.xlated_len) + "B";
  out += p.jited_len ? "  jited " + std::to_string(p.jited_len) + "B" : "  not jited";
  out += "  memlock " + std::to_string(p.memlock) + "B";
  if (!p.map_ids.empty()) {
    out += "  map_ids ";
    for (std::size_t i = 0; i < p.map_ids.size(); ++i) out += (i ? "," : "") + std::to_string(p.map_ids[i]);
  }
  if (p.btf_id) out += "\n\tbtf_id " + std::to_string(p.btf_id);
  out += holders_text(holders);
  return out + "\n";
}

// One map's lines, each ending in a newline.
inline std::string map_lines(const map& m, const std::vector<holder>& holders) {
  char flags[16];
  std::snprintf(flags, sizeof flags, "0x%x", m.flags);
  std::string out = std::to_string(m.id) + ": ";
  out += m.type_name.empty() ? "type " + std::to_string(m.type) + "  " : m.type_name + "  ";
  if (!m.name.empty()) out += "name " + m.name + "  ";
  out += std::string("flags ") + flags + "\n";
  out += "\tkey " + std::to_string(m.key_size) + "B  value " + std::to_string(m.value_size) + "B  max_entries " +
         std::to_string(m.max_entries);
  out += "  memlock " + (m.memlock ? std::to_string(*m.memlock) : std::string("?")) + "B";
  if (m.owner_prog_type) {
    out += "\n\towner_prog_type " +
           (m.owner_type_name.empty() ? std::to_string(*m.owner_prog_type) : m.owner_type_name) + "  ";
    out += m.owner_jited ? "owner jited" : "owner not jited";
  }
  if (m.btf_id || m.frozen) out += "\n\t";
  if (m.btf_id) out += "btf_id " + std::to_string(m.btf_id);
  if (m.frozen) out += std::string(m.btf_id ? "  " : "") + "frozen";
  out += holders_text(holders);
  return out + "\n";
}

} // namespace mquire::bpf
