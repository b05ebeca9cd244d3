// SPDX-License-Identifier: Apache-2.0
// Each interface's traffic counters as /proc/net/dev prints them. The
// kernel's dev_get_stats() asks the driver first (netdev_ops'
// ndo_get_stats64, then ndo_get_stats), else takes the counters the core
// keeps (the per-CPU tstats or dstats the device's pcpu_stat_type names,
// on top of dev->stats), then adds the core's per-CPU drop counters. A
// driver's function is code, not data: the ones whose arithmetic is known
// (loopback, dummy, the tstats helpers the bridge and tunnels use) are
// summed here as they sum; any other driver's counters are reported as
// unknown with the function's name, never guessed from dev->stats.
#pragma once

#include <array>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "../objects/code_symbols.hpp"
#include "../objects/object_reader.hpp"
#include "../objects/per_cpu.hpp"
#include "../objects/symbol_index.hpp"
#include "interfaces.hpp"
#include "proc_net_rows.hpp"

namespace mquire::network {

// rtnl_link_stats64's counters, in its order; the first 23 are also
// net_device_stats', which netdev_stats_to_stats64() copies word by word.
inline constexpr std::array<std::string_view, 24> link_counter_names = {
    "rx_packets",        "tx_packets",        "rx_bytes",         "tx_bytes",          "rx_errors",
    "tx_errors",         "rx_dropped",        "tx_dropped",       "multicast",         "collisions",
    "rx_length_errors",  "rx_over_errors",    "rx_crc_errors",    "rx_frame_errors",   "rx_fifo_errors",
    "rx_missed_errors",  "tx_aborted_errors", "tx_carrier_errors", "tx_fifo_errors",   "tx_heartbeat_errors",
    "tx_window_errors",  "rx_compressed",     "tx_compressed",    "rx_nohandler"};
inline constexpr std::size_t device_stats_counters = 23;
// Per-CPU copies read for all devices: each device sums at most three
// per-CPU objects over its CPUs; a hostile dump with the most devices and
// CPUs stops here instead.
inline constexpr std::size_t max_counter_reads = 1u << 20;

struct link_counters {
  std::array<std::uint64_t, link_counter_names.size()> value{};
  // A counter by its name; every name used is one of link_counter_names.
  static constexpr std::size_t index(std::string_view name) {
    std::size_t i = 0;
    while (i + 1 < link_counter_names.size() && link_counter_names[i] != name) ++i;
    return i;
  }
  std::uint64_t& operator[](std::string_view name) { return value[index(name)]; }
  std::uint64_t get(std::string_view name) const {
    const auto i = index(name);
    return link_counter_names[i] == name ? value[i] : 0;
  }
};

struct device_counters {
  std::string name;
  int index = 0;
  std::uint64_t device = 0;              // its struct net_device
  std::optional<link_counters> counters; // empty when only the driver knows them
  std::string source;                    // how they were counted ("dev->stats", "loopback_get_stats64", ...)
  std::uint64_t driver_function = 0;     // the driver's ndo_get_stats64 / ndo_get_stats, when it has one
  std::string problem;                   // why they are unknown, or what could not be added
};

namespace detail {

// The sum over every possible CPU of the named u64 members of a per-CPU
// object of `type` at `pointer`.
inline bool add_per_cpu(const objects::object_reader& r, const objects::symbol_index& syms, std::uint64_t pointer,
                        std::string_view type,
                        std::initializer_list<std::pair<std::string_view, std::string_view>> member_to_counter,
                        link_counters& into, std::string& problem, std::size_t& budget) {
  if (pointer == 0) {
    problem = "its per-CPU " + std::string(type) + " pointer is NULL";
    return false;
  }
  const auto cpus = objects::per_cpu_pointer_copies(r, syms, pointer);
  if (!cpus.problem.empty() || cpus.copies.empty()) {
    problem = "per-CPU " + std::string(type) + ": " + (cpus.problem.empty() ? "no CPU" : cpus.problem);
    return false;
  }
  if (cpus.copies.size() > budget) {
    problem = "per-CPU " + std::string(type) + ": more than " + std::to_string(max_counter_reads) +
              " per-CPU counters read for all devices";
    return false;
  }
  budget -= cpus.copies.size();
  link_counters sum;
  for (const auto& c : cpus.copies) {
    auto o = r.read(c.address, type);
    if (!o) {
      problem = "CPU " + std::to_string(c.cpu) + "'s " + o.err().message;
      return false;
    }
    for (const auto& [member, counter] : member_to_counter) {
      const auto v = o->u(member);
      if (!v) {
        problem = "the kernel's types have no " + std::string(type) + "." + std::string(member);
        return false;
      }
      sum[counter] += *v;
    }
  }
  for (std::size_t i = 0; i < sum.value.size(); ++i) into.value[i] += sum.value[i];
  return true;
}

// netdev_stats_to_stats64(&dev->stats).
inline bool device_stats(const objects::object& dev, link_counters& into, std::string& problem) {
  for (std::size_t i = 0; i < device_stats_counters; ++i) {
    const auto v = dev.u("stats." + std::string(link_counter_names[i]));
    if (!v) {
      problem = "the kernel's types have no net_device.stats." + std::string(link_counter_names[i]);
      return false;
    }
    into.value[i] = *v;
  }
  return true;
}

enum class counted_by { core, lstats_both, lstats_tx, tstats, dstats, unknown };

// What a named ndo_get_stats64 does, for the drivers whose functions only
// sum the core's per-CPU counters.
inline counted_by stats64_function(std::string_view name) {
  if (name == "loopback_get_stats64") return counted_by::lstats_both;
  if (name == "dummy_get_stats64") return counted_by::lstats_tx;
  if (name == "dev_get_tstats64" || name == "br_get_stats64" || name == "ip_tunnel_get_stats64")
    return counted_by::tstats;
  if (name == "dev_get_dstats64") return counted_by::dstats;
  return counted_by::unknown;
}

inline void count_device(const objects::object_reader& r, const objects::symbol_index& syms,
                         const objects::code_symbols* symbols, const objects::object& dev, device_counters& out,
                         std::size_t& budget) {
  link_counters c;
  std::string problem;
  counted_by how = counted_by::core;
  std::string function;
  auto ops = r.follow(dev, "netdev_ops", "net_device_ops");
  if (!ops) {
    out.problem = "netdev_ops: " + ops.err().message;
    return;
  }
  for (const char* member : {"ndo_get_stats64", "ndo_get_stats"}) {
    const auto p = ops->u(member);
    if (!p || *p == 0) continue;
    out.driver_function = *p;
    const auto s = symbols ? symbols->lookup(*p) : std::nullopt;
    if (!s || s->offset != 0) {
      out.problem = std::string("its driver counts them (") + member + " at " + mquire::detail::hex(*p) +
                    (symbols ? ", not at a known function)" : "; functions are not named without the symbol table)");
      return;
    }
    function = std::string(s->name);
    how = std::string_view(member) == "ndo_get_stats64" ? stats64_function(function) : counted_by::unknown;
    if (how == counted_by::unknown) {
      out.problem = "its driver counts them (" + objects::code_symbols::describe(*s) + "), which reads no memory here";
      return;
    }
    break;
  }
  if (how == counted_by::core) {
    // dev_get_stats's own branches: the per-CPU counters the type names,
    // over dev->stats.
    const auto type = dev.u("pcpu_stat_type");
    const auto tstats = r.types().enumerator("NETDEV_PCPU_STAT_TSTATS"),
               dstats = r.types().enumerator("NETDEV_PCPU_STAT_DSTATS");
    if (type && tstats && static_cast<std::int64_t>(*type) == *tstats) how = counted_by::tstats;
    else if (type && dstats && static_cast<std::int64_t>(*type) == *dstats) how = counted_by::dstats;
  }
  bool ok = true;
  switch (how) {
  case counted_by::lstats_both:
  case counted_by::lstats_tx: {
    link_counters l;
    ok = add_per_cpu(r, syms, dev.u("lstats").value_or(0), "pcpu_lstats",
                     {{"packets", "tx_packets"}, {"bytes", "tx_bytes"}}, l, problem, budget);
    c["tx_packets"] = l["tx_packets"];
    c["tx_bytes"] = l["tx_bytes"];
    if (how == counted_by::lstats_both) {
      c["rx_packets"] = l["tx_packets"];
      c["rx_bytes"] = l["tx_bytes"];
    }
    break;
  }
  case counted_by::tstats:
    ok = device_stats(dev, c, problem) &&
         add_per_cpu(r, syms, dev.u("tstats").value_or(0), "pcpu_sw_netstats",
                     {{"rx_packets", "rx_packets"}, {"rx_bytes", "rx_bytes"}, {"tx_packets", "tx_packets"},
                      {"tx_bytes", "tx_bytes"}},
                     c, problem, budget);
    break;
  case counted_by::dstats:
    ok = device_stats(dev, c, problem) &&
         add_per_cpu(r, syms, dev.u("dstats").value_or(0), "pcpu_dstats",
                     {{"rx_packets", "rx_packets"}, {"rx_bytes", "rx_bytes"}, {"tx_packets", "tx_packets"},
                      {"tx_bytes", "tx_bytes"}, {"rx_drops", "rx_dropped"}, {"tx_drops", "tx_dropped"}},
                     c, problem, budget);
    break;
  default: ok = device_stats(dev, c, problem); break;
  }
  if (!ok) {
    out.problem = problem;
    return;
  }
  // The core's drop counters: per-CPU core_stats (5.19 and later), or the
  // atomic counters in the device before that.
  if (r.types().field("net_device", "core_stats")) {
    if (const auto p = dev.u("core_stats"); p && *p != 0 &&
        !add_per_cpu(r, syms, *p, "net_device_core_stats",
                     {{"rx_dropped", "rx_dropped"}, {"tx_dropped", "tx_dropped"}, {"rx_nohandler", "rx_nohandler"}}, c,
                     problem, budget)) {
      out.problem = "core drop counters: " + problem;
      return;
    }
  } else {
    for (const char* name : {"rx_dropped", "tx_dropped", "rx_nohandler"})
      if (const auto v = dev.u(name)) c[name] += *v;
  }
  out.counters = c;
  out.source = function.empty() ? (how == counted_by::tstats   ? "dev->stats and tstats"
                                   : how == counted_by::dstats ? "dev->stats and dstats"
                                                               : "dev->stats")
                                : function;
}

} // namespace detail

// Counts each device again, in place: for a caller that learns more
// names (a module's symbols) after a first count.
inline void count_devices(const objects::object_reader& r, const objects::symbol_index& syms,
                          const objects::code_symbols* symbols, std::vector<device_counters>& devices) {
  std::size_t budget = max_counter_reads;
  for (auto& d : devices) {
    d.counters.reset();
    d.source.clear();
    d.driver_function = 0;
    d.problem.clear();
    if (auto dev = r.read(d.device, "net_device")) detail::count_device(r, syms, symbols, *dev, d, budget);
    else d.problem = dev.err().message;
  }
}

// The counters of each interface, in the list's order.
inline std::vector<device_counters> read_device_counters(const objects::object_reader& r,
                                                         const objects::symbol_index& syms,
                                                         const objects::code_symbols* symbols,
                                                         const interface_list& interfaces) {
  std::vector<device_counters> out;
  for (const auto& i : interfaces.interfaces) {
    device_counters d;
    d.name = i.name;
    d.index = i.index;
    d.device = i.device;
    out.push_back(std::move(d));
  }
  count_devices(r, syms, symbols, out);
  return out;
}

// /proc/net/dev's two header lines.
inline std::string device_counters_header() {
  return "Inter-|   Receive                                                |  Transmit\n"
         " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls "
         "carrier compressed";
}

// dev_seq_printf_stats's line: the name right-aligned in six columns, then
// the grouped counters; '?' in each column when they are unknown.
inline std::string device_counters_line(const device_counters& d) {
  static constexpr int widths[] = {7, 7, 4, 4, 4, 5, 10, 9, 8, 7, 4, 4, 4, 5, 7, 10};
  std::uint64_t v[16] = {};
  if (d.counters) {
    const auto& c = *d.counters;
    const auto g = [&](std::string_view n) { return c.get(n); };
    const std::uint64_t values[16] = {
        g("rx_bytes"), g("rx_packets"), g("rx_errors"), g("rx_dropped") + g("rx_missed_errors"), g("rx_fifo_errors"),
        g("rx_length_errors") + g("rx_over_errors") + g("rx_crc_errors") + g("rx_frame_errors"), g("rx_compressed"),
        g("multicast"), g("tx_bytes"), g("tx_packets"), g("tx_errors"), g("tx_dropped"), g("tx_fifo_errors"),
        g("collisions"),
        g("tx_carrier_errors") + g("tx_aborted_errors") + g("tx_window_errors") + g("tx_heartbeat_errors"),
        g("tx_compressed")};
    for (int i = 0; i < 16; ++i) v[i] = values[i];
  }
  char buf[64];
  std::snprintf(buf, sizeof buf, "%6s:", d.name.c_str());
  std::string out = buf;
  for (int i = 0; i < 16; ++i) {
    if (d.counters) std::snprintf(buf, sizeof buf, " %*llu", widths[i], static_cast<unsigned long long>(v[i]));
    else std::snprintf(buf, sizeof buf, " %*s", widths[i], "?");
    out += buf;
  }
  return out;
}

// The listing /proc/net/dev reads as: one row per interface, its name as
// the row's device.
inline listing device_counters_listing(const std::vector<device_counters>& devices, std::string problem = {}) {
  listing out;
  out.name = "dev";
  out.header = device_counters_header();
  out.problem = std::move(problem);
  for (const auto& d : devices) {
    socket_row row;
    row.line = device_counters_line(d);
    row.device = d.name;
    row.ifindex = static_cast<unsigned>(d.index);
    out.rows.push_back(std::move(row));
  }
  return out;
}

} // namespace mquire::network
