// SPDX-License-Identifier: Apache-2.0
// network/proc_net on sockets generated in kernel memory: the kernel's
// socket structures declared in C in two eras (7.x: sk_ino, the per-NUMA
// drop counters and a retransmit timer shared with sk_timer; 6.1: the
// inode behind sk_socket, icsk_timeout), their BTF made by pahole, the
// same declarations compiled into this test to lay sockets out on
// scattered pages behind x86_64 and arm64 page tables. TCP listening,
// established and time-wait sockets on hlist_nulls chains, UDP and raw
// slots, bound, abstract and unbound unix sockets, a packet socket, a
// socket of another namespace: each listing must read as the kernel's own
// format strings print it, and a broken chain must end its listing with a
// note, never with an invented row.
#include <catch2/catch.hpp>

#include <cstddef>
#include <cstdio>
#include <cstring>
#include <map>

#include <mquire/network/proc_net.hpp>

#include "support/btf_producer.hpp"
#include "support/network_decls.hpp"
#include "support/kernel_memory.hpp"
#include "support/symbol_table.hpp"

namespace {

namespace era7 {
NET_DECLS(ERA7_SOCK, NOTHING, ERA7_UDP)
}
namespace era61 {
NET_DECLS(ERA61_SOCK, ERA61_ICSK, NOTHING)
}

using support::arch;
using support::kernel_memory;

constexpr unsigned hz = 250;
constexpr std::uint64_t jiffies_now = 0x100000000ull + 5000;

// Values the kernel stores in network byte order, as a little-endian
// machine holds them.
constexpr std::uint32_t be32(std::uint32_t v) {
  return (v >> 24) | ((v >> 8) & 0xff00) | ((v << 8) & 0xff0000) | (v << 24);
}
constexpr std::uint16_t be16(std::uint16_t v) { return static_cast<std::uint16_t>((v >> 8) | (v << 8)); }

std::string hex16(std::uint64_t v) {
  char b[20];
  std::snprintf(b, sizeof b, "%016llx", static_cast<unsigned long long>(v));
  return b;
}

std::string pad(std::string s, std::size_t n) {
  if (s.size() < n) s.append(n - s.size(), ' ');
  return s;
}

// One namespace's sockets and the listings the kernel would print for them.
struct net_case {
  std::map<std::string, std::uint64_t> syms;
  std::map<std::string, std::vector<std::string>> want; // listing -> its rows
  std::uint64_t udp_slot_head = 0;                      // to break a chain
  std::uint64_t unix_bucket_head = 0;
};

// hlist / hlist_nulls insertion at the head, as the kernel links sockets.
void link_head(kernel_memory& m, std::uint64_t head, std::uint64_t node, bool nulls, std::uint64_t marker) {
  std::uint64_t first = 0;
  const auto got = m.memory().pointer(head);
  REQUIRE(got);
  first = *got;
  if (first == 0 && nulls) first = marker;
  m.write(node, &first, 8);                    // node->next
  m.write(node + 8, &head, 8);                 // node->pprev = &head->first
  if ((first & 1) == 0 && first != 0) m.write(first + 8, &node, 8); // first->pprev = &node->next
  m.write(head, &node, 8);
}

// 7.x: sk_ino, the retransmit timer in struct sock, per-NUMA drop counters.
namespace era7 {
inline void set_inode(kernel_memory& m, std::uint64_t sk, std::uint64_t ino) {
  m.write(sk + offsetof(struct sock, sk_ino), &ino, 8);
}
inline void set_retransmit_expiry(kernel_memory& m, std::uint64_t sk, std::uint64_t expires) {
  m.write(sk + offsetof(struct sock, tcp_retransmit_timer) + offsetof(timer_list, expires), &expires, 8);
}
inline std::uint64_t set_drops(kernel_memory& m, std::uint64_t sk, std::uint32_t on0, std::uint32_t on1) {
  const std::uint64_t counters = sk + offsetof(udp_sock, drop_counters);
  m.write(counters + offsetof(numa_drop_counters, drops0), &on0, 4);
  m.write(counters + offsetof(numa_drop_counters, drops1), &on1, 4);
  m.write(sk + offsetof(struct sock, sk_drop_counters), &counters, 8);
  return on0 + on1;
}
#include "network_case.inc"
} // namespace era7

// 6.1: the inode of the struct socket, icsk_timeout, one drop counter.
namespace era61 {
inline void set_inode(kernel_memory& m, std::uint64_t sk, std::uint64_t ino) {
  const std::uint64_t sa = m.alloc(sizeof(socket_alloc));
  m.write(sa + offsetof(socket_alloc, vfs_inode) + offsetof(struct inode, i_ino), &ino, 8);
  const std::uint64_t socket = sa + offsetof(socket_alloc, socket);
  m.write(sk + offsetof(struct sock, sk_socket), &socket, 8);
}
inline void set_retransmit_expiry(kernel_memory& m, std::uint64_t sk, std::uint64_t expires) {
  m.write(sk + offsetof(inet_connection_sock, icsk_timeout), &expires, 8);
}
inline std::uint64_t set_drops(kernel_memory& m, std::uint64_t sk, std::uint32_t on0, std::uint32_t on1) {
  const std::uint32_t total = on0 + on1;
  m.write(sk + offsetof(struct sock, sk_drops), &total, 4);
  return total;
}
#include "network_case.inc"
} // namespace era61

const std::vector<std::uint8_t>& btf_of(const char* name, const char* source) {
  static std::map<std::string, std::vector<std::uint8_t>> made;
  auto it = made.find(name);
  if (it == made.end()) it = made.emplace(name, support::produce_btf(name, source, "gcc")).first;
  return it->second;
}

std::map<std::string, const mquire::network::listing*> by_name(const mquire::network::net_view& v) {
  std::map<std::string, const mquire::network::listing*> out;
  for (const auto& l : v.listings) out[l.name] = &l;
  return out;
}

template <typename Net, typename Ipv4>
void check_era(const std::vector<std::uint8_t>& blob, net_case (*build)(kernel_memory&)) {
  auto bt = mquire::btf::type_info::parse(blob);
  REQUIRE(bt);
  const mquire::objects::kernel_types types(*bt, 8);
  for (arch a : {arch::x86_64, arch::arm64}) {
    DYNAMIC_SECTION((a == arch::x86_64 ? "x86_64" : "arm64")) {
      kernel_memory m(a);
      const auto c = build(m);
      const auto table = support::symbol_table(c.syms, 'd');
      const mquire::objects::symbol_index index(table);
      const auto read = [&] {
        const auto vm = m.memory();
        const mquire::objects::object_reader reader(vm, types);
        return mquire::network::read_proc_net(reader, index);
      };
      SECTION("every listing, row for row") {
        const auto v = read();
        const auto got = by_name(v);
        for (const auto& [name, rows] : c.want) {
          INFO(name);
          REQUIRE(got.count(name) == 1);
          CHECK(got.at(name)->problem.empty());
          std::vector<std::string> lines;
          for (const auto& r : got.at(name)->rows) lines.push_back(r.line);
          CHECK(lines == rows);
        }
        CHECK(v.notes.empty());
        const auto& tcp = got.at("tcp")->rows;
        REQUIRE(tcp.size() == 3);
        CHECK(tcp[1].local == "10.0.0.1");
        CHECK(tcp[1].remote_port == 44444);
        CHECK(got.at("udp6")->rows.at(0).local == "::1");
      }
      SECTION("a chain that breaks ends its listing with a note, no row invented") {
        // The IPv6 UDP socket's back link no longer names its slot, and
        // the unix chain's second node points into nowhere.
        const std::uint64_t first = *m.memory().pointer(c.udp_slot_head);
        const std::uint64_t wrong = 0xffff888000000008ull;
        m.write(first + 8, &wrong, 8);
        const std::uint64_t second = *m.memory().pointer(*m.memory().pointer(c.unix_bucket_head));
        const std::uint64_t nowhere = 0xffff88ff00000000ull;
        m.write(second, &nowhere, 8);
        const auto v = read();
        const auto got = by_name(v);
        CHECK(got.at("udp6")->rows.empty());
        CHECK(got.at("udp6")->problem.find("does not point back") != std::string::npos);
        CHECK(got.at("udp")->rows.size() == 1); // the other family's row, from its own slot
        const auto& unix_rows = got.at("unix")->rows;
        REQUIRE(unix_rows.size() == 3); // the unbound one, then the two the broken link still reached
        CHECK(got.at("unix")->problem.find("hlist at") != std::string::npos);
      }
      SECTION("without HZ the tick columns say so instead of guessing") {
        const std::uint64_t zero = 0;
        m.write(c.syms.at("init_net") + offsetof(Net, ipv4) + offsetof(Ipv4, sysctl_tcp_keepalive_time), &zero, 4);
        const auto v = read();
        REQUIRE(!v.notes.empty());
        CHECK(v.notes.back().find("HZ unknown") != std::string::npos);
        CHECK(by_name(v).at("tcp")->rows.at(1).line.find("01:???????? ") != std::string::npos);
      }
    }
  }
}

} // namespace

TEST_CASE("net: generated sockets of the 7.x era read as /proc/net prints them", "[network][proc_net]") {
  check_era<era7::net, era7::netns_ipv4>(btf_of("net7", NET_AS_TEXT(NET_DECLS(ERA7_SOCK, NOTHING, ERA7_UDP) NET_USE)),
                                         era7::build);
}

TEST_CASE("net: generated sockets of the 6.1 era read as /proc/net prints them", "[network][proc_net]") {
  check_era<era61::net, era61::netns_ipv4>(
      btf_of("net61", NET_AS_TEXT(NET_DECLS(ERA61_SOCK, ERA61_ICSK, NOTHING) NET_USE)), era61::build);
}
