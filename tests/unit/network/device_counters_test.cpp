// SPDX-License-Identifier: Apache-2.0
// network/device_counters on devices generated in kernel memory, in two
// eras of struct net_device (BTF from pahole, the same declarations laid
// out here behind x86_64 and arm64 page tables): 7.x, whose stats are
// unions of a word and an atomic, with pcpu_stat_type and per-CPU
// core_stats; 5.10, with plain words and the atomic drop counters in the
// device. A loopback and a dummy device counted by their drivers' per-CPU
// lstats, a bridge by tstats over dev->stats, a plain device by dev->stats
// alone, and a device whose driver counts for itself: each line must be
// the one /proc/net/dev prints (its format string is spelled out here),
// and the driver's device must say it is unknown, not borrow dev->stats.
#include <catch2/catch.hpp>

#include <cstdio>
#include <cstring>
#include <map>
#include <string>

#include <mquire/network/device_counters.hpp>

#include "support/btf_producer.hpp"
#include "support/device_counters_decls.hpp"
#include "support/kernel_memory.hpp"
#include "support/symbol_table.hpp"

namespace {

namespace era7 {
DC_DECLS(DC_ERA7_STAT, DC_ERA7_TAIL)
constexpr const char* source = DC_AS_TEXT(DC_DECLS(DC_ERA7_STAT, DC_ERA7_TAIL) DC_USE);
} // namespace era7
namespace era510 {
DC_DECLS(DC_ERA510_STAT, DC_ERA510_TAIL)
constexpr const char* source = DC_AS_TEXT(DC_DECLS(DC_ERA510_STAT, DC_ERA510_TAIL) DC_USE);
} // namespace era510

constexpr std::uint64_t text = 0xffffffff81000000ull;

template <typename T>
std::uint64_t put(support::kernel_memory& m, const T& v) {
  const std::uint64_t at = m.alloc(sizeof(T));
  m.write(at, &v, sizeof(T));
  return at;
}

// dev_seq_printf_stats's own format string, with the sums it prints.
std::string proc_line(const char* name, std::initializer_list<unsigned long long> v) {
  std::vector<unsigned long long> c(v);
  char buf[256];
  std::snprintf(buf, sizeof buf,
                "%6s: %7llu %7llu %4llu %4llu %4llu %5llu %10llu %9llu "
                "%8llu %7llu %4llu %4llu %4llu %5llu %7llu %10llu",
                name, c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7], c[8], c[9], c[10], c[11], c[12], c[13], c[14],
                c[15]);
  return buf;
}

// The same columns, each '?': counters only the driver knows.
std::string unknown_line(const char* name) {
  char buf[256];
  std::snprintf(buf, sizeof buf, "%6s: %7s %7s %4s %4s %4s %5s %10s %9s %8s %7s %4s %4s %4s %5s %7s %10s", name, "?",
                "?", "?", "?", "?", "?", "?", "?", "?", "?", "?", "?", "?", "?", "?", "?");
  return buf;
}

template <typename Dev, typename Ops, typename L, typename T, typename Core>
void check_era(const char* name, const char* source, bool era7) {
  const auto blob = support::produce_btf(name, source, "gcc"); // the types view its bytes
  auto bt = mquire::btf::type_info::parse(blob);
  REQUIRE(bt);
  const mquire::objects::kernel_types types(*bt, 8);
  const auto table = support::symbol_table({{"loopback_get_stats64", text + 0x100},
                                            {"dummy_get_stats64", text + 0x200},
                                            {"dev_get_tstats64", text + 0x300},
                                            {"virtnet_stats", text + 0x400},
                                            {"_etext", text + 0x10000}},
                                           't');
  const mquire::objects::code_symbols symbols(table);
  for (auto a : {support::arch::x86_64, support::arch::arm64}) {
    DYNAMIC_SECTION((a == support::arch::x86_64 ? "x86_64" : "arm64")) {
      support::kernel_memory m(a);
      const std::uint64_t cpu0 = m.alloc(4096), cpu1 = m.alloc(4096);
      const std::uint64_t offsets[2] = {0, cpu1 - cpu0};
      std::map<std::string, std::uint64_t> syms = {{"__per_cpu_offset", put(m, offsets)},
                                                   {"__cpu_possible_mask", m.put_word(0x3)}};
      // A per-CPU object: its two copies, at the pointer and at cpu1's offset from it.
      std::uint64_t next = 0;
      const auto per_cpu = [&](const auto& on0, const auto& on1) {
        const std::uint64_t at = cpu0 + next;
        m.write(at, &on0, sizeof on0);
        m.write(cpu1 + next, &on1, sizeof on1);
        next += 256;
        return at;
      };
      const auto ops = [&](std::uint64_t stats64) {
        Ops o{};
        o.ndo_get_stats64 = support::as<decltype(o.ndo_get_stats64)>(stats64);
        return put(m, o);
      };
      mquire::network::interface_list list;
      const auto add = [&](const char* n, int index, Dev d) {
        std::strncpy(d.name, n, sizeof d.name - 1);
        d.ifindex = index;
        mquire::network::interface i;
        i.device = put(m, d);
        i.name = n;
        i.index = index;
        list.interfaces.push_back(i);
      };
      {
        Dev lo{};
        lo.netdev_ops = support::as<const Ops*>(ops(text + 0x100));
        lo.lstats = support::as<L*>(per_cpu(L{5, 300, 0}, L{2, 152, 0}));
        lo.stats.rx_errors = 99; // not read: the driver counts
        add("lo", 1, lo);
      }
      {
        Dev dummy{};
        dummy.netdev_ops = support::as<const Ops*>(ops(text + 0x200));
        dummy.lstats = support::as<L*>(per_cpu(L{3, 210, 0}, L{0, 0, 0}));
        if constexpr (requires { dummy.core_stats; })
          dummy.core_stats = support::as<Core*>(per_cpu(Core{0, 1, 0, 0}, Core{0, 0, 0, 0}));
        else
          dummy.tx_dropped.counter = 1;
        add("dummy0", 2, dummy);
      }
      {
        Dev br{};
        br.tstats = support::as<T*>(per_cpu(T{10, 1000, 5, 500, 0}, T{0, 0, 0, 0, 0}));
        br.stats.rx_errors = 4;
        if constexpr (requires { br.pcpu_stat_type; }) {
          br.netdev_ops = support::as<const Ops*>(ops(0));
          br.pcpu_stat_type = static_cast<decltype(br.pcpu_stat_type)>(2); // the core sums tstats
        } else {
          br.netdev_ops = support::as<const Ops*>(ops(text + 0x300));
        }
        add("br0", 3, br);
      }
      {
        Dev eth{};
        eth.netdev_ops = support::as<const Ops*>(ops(text + 0x400));
        add("eth0", 4, eth);
      }
      {
        Dev plain{};
        plain.netdev_ops = support::as<const Ops*>(ops(0));
        plain.stats.rx_bytes = 77;
        plain.stats.rx_packets = 1;
        plain.stats.rx_crc_errors = 2;
        plain.stats.rx_frame_errors = 1;
        plain.stats.tx_carrier_errors = 1;
        plain.stats.tx_aborted_errors = 1;
        plain.stats.rx_missed_errors = 1;
        plain.stats.rx_dropped = 1;
        if constexpr (requires { plain.rx_dropped.counter; }) plain.rx_dropped.counter = 3;
        add("plain0", 5, plain);
      }
      const auto index = support::symbol_table(syms, 'd');
      const mquire::objects::symbol_index idx(index);
      const auto vm = m.memory();
      const mquire::objects::object_reader reader(vm, types);
      const auto counters = mquire::network::read_device_counters(reader, idx, &symbols, list);
      REQUIRE(counters.size() == 5);
      std::vector<std::string> lines;
      for (const auto& d : counters) lines.push_back(mquire::network::device_counters_line(d));
      CHECK(lines[0] == proc_line("lo", {452, 7, 0, 0, 0, 0, 0, 0, 452, 7, 0, 0, 0, 0, 0, 0}));
      CHECK(lines[1] == proc_line("dummy0", {0, 0, 0, 0, 0, 0, 0, 0, 210, 3, 0, 1, 0, 0, 0, 0}));
      CHECK(lines[2] == proc_line("br0", {1000, 10, 4, 0, 0, 0, 0, 0, 500, 5, 0, 0, 0, 0, 0, 0}));
      CHECK(lines[3] == unknown_line("eth0"));
      CHECK(lines[4] == proc_line("plain0", {77, 1, 0, era7 ? 2ull : 5ull, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0}));
      CHECK(counters[0].source == "loopback_get_stats64");
      CHECK(counters[2].source == (era7 ? "dev->stats and tstats" : "dev_get_tstats64"));
      CHECK(counters[4].source == "dev->stats");
      CHECK_FALSE(counters[3].counters);
      CHECK(counters[3].problem.find("virtnet_stats") != std::string::npos);
      for (std::size_t i : {0u, 1u, 2u, 4u}) CHECK(counters[i].problem.empty());
      // Without the symbols the drivers' functions cannot be named.
      const auto unnamed = mquire::network::read_device_counters(reader, idx, nullptr, list);
      CHECK_FALSE(unnamed[0].counters);
      CHECK(unnamed[4].counters);
      const auto listing = mquire::network::device_counters_listing(counters);
      CHECK(listing.name == "dev");
      CHECK(listing.header.find("Inter-|   Receive") == 0);
      CHECK(listing.rows.size() == 5);
    }
  }
}

} // namespace

TEST_CASE("/proc/net/dev: generated devices of the 7.x era", "[network][device_counters]") {
  check_era<era7::net_device, era7::net_device_ops, era7::pcpu_lstats, era7::pcpu_sw_netstats,
            era7::net_device_core_stats>("devstats7", era7::source, true);
}

TEST_CASE("/proc/net/dev: generated devices of the 5.10 era", "[network][device_counters]") {
  check_era<era510::net_device, era510::net_device_ops, era510::pcpu_lstats, era510::pcpu_sw_netstats,
            era510::net_device_core_stats>("devstats510", era510::source, false);
}
