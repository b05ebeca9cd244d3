// SPDX-License-Identifier: Apache-2.0
// The network interfaces of the initial namespace and their addresses, as
// rtnetlink reported them to `ip`: each net_device on init_net's
// dev_base_head (listed by ifindex, the order of a link dump), its flags as
// dev_get_flags() computes them (RUNNING, LOWER_UP and DORMANT from the
// device's state bits and operstate), MTU, queue discipline and length,
// link type, hardware and broadcast addresses, master; its IPv4 addresses
// (in_device's ifa_list) and IPv6 ones (inet6_dev's addr_list) with their
// prefix lengths, scopes, flags and remaining lifetimes as the netlink
// fill functions compute them at the dump's jiffies.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "../objects/object_reader.hpp"
#include "../objects/symbol_index.hpp"
#include "../objects/walkers.hpp"
#include "../system/kernel_clock.hpp"
#include "socket_fields.hpp"
#include "../notes.hpp"

namespace mquire::network {

inline constexpr std::uint32_t infinity_life_time = 0xffffffffu;

struct interface_address {
  unsigned family = 0;      // 2 (inet) or 10 (inet6)
  std::string local;        // the address (IFA_LOCAL)
  std::string peer;         // a point-to-point peer, when it differs
  std::string broadcast;    // IPv4 only, when set
  unsigned prefix_len = 0;
  unsigned scope = 0;       // rtnetlink's RT_SCOPE_* (0 global, 200 site, 253 link, 254 host)
  std::uint32_t flags = 0;  // IFA_F_*
  std::string label;        // IPv4's ifa_label
  std::uint32_t valid = infinity_life_time, preferred = infinity_life_time; // seconds left
};

struct interface {
  std::uint64_t device = 0; // its struct net_device
  std::string name;
  int index = 0;
  unsigned flags = 0; // IFF_*, as dev_get_flags() gives them
  unsigned mtu = 0;
  unsigned type = 0; // ARPHRD_*
  std::string mac, broadcast;
  std::string qdisc;
  unsigned qlen = 0;
  unsigned operstate = 0;
  std::string master;
  std::vector<interface_address> addresses; // IPv4 first, then IPv6, each in the kernel's list order
  mquire::notes problems;
};

struct interface_list {
  std::vector<interface> interfaces;
  mquire::notes notes;
};

inline constexpr std::size_t max_interfaces = 1u << 16, max_interface_addresses = 1u << 12;

namespace detail {

inline std::string hardware_address(const std::vector<std::uint8_t>& b) {
  std::string out;
  char buf[4];
  for (std::size_t i = 0; i < b.size(); ++i) {
    std::snprintf(buf, sizeof buf, "%02x", b[i]);
    if (i) out += ':';
    out += buf;
  }
  return out;
}

// rt_scope(): inet6_ifaddr.scope (IFA_HOST 0x10, IFA_LINK 0x20, IFA_SITE
// 0x40) as rtnetlink reports it.
inline unsigned ipv6_rt_scope(unsigned scope) {
  if (scope & 0x10) return 254;
  if (scope & 0x20) return 253;
  if (scope & 0x40) return 200;
  return 0;
}

// The lifetimes left, as inet_fill_ifaddr / inet6_fill_ifaddr compute them.
inline void lifetimes_left(interface_address& a, bool forever, std::uint64_t tstamp, const system::kernel_clock& clock) {
  if (forever) {
    a.valid = a.preferred = infinity_life_time;
    return;
  }
  if (a.preferred == infinity_life_time || !clock.jiffies || !clock.hz) return;
  const auto elapsed = static_cast<std::int64_t>(*clock.jiffies - tstamp) / static_cast<std::int64_t>(*clock.hz);
  const auto left = [&](std::uint32_t v) -> std::uint32_t {
    return static_cast<std::int64_t>(v) > elapsed ? static_cast<std::uint32_t>(v - elapsed) : 0;
  };
  a.preferred = left(a.preferred);
  if (a.valid != infinity_life_time) a.valid = left(a.valid);
}

inline void read_ipv4(const objects::object_reader& r, std::uint64_t in_device, const system::kernel_clock& clock,
                      interface& out) {
  auto dev = r.read(in_device, "in_device");
  if (!dev) {
    out.problems.add("IPv4", dev.err());
    return;
  }
  const bool little = r.memory().order() == byte_order::little;
  std::uint64_t at = dev->u("ifa_list").value_or(0);
  for (std::size_t n = 0; at != 0; ++n) {
    if (n == max_interface_addresses) {
      out.problems.add("IPv4: more than " + std::to_string(n) + " addresses");
      return;
    }
    auto ifa = r.read(at, "in_ifaddr");
    if (!ifa) {
      out.problems.add("IPv4", ifa.err());
      return;
    }
    if (ifa->u("ifa_dev").value_or(0) != in_device) {
      out.problems.add("IPv4: address at " + mquire::detail::hex(at) + " belongs to another device");
      return;
    }
    interface_address a;
    a.family = 2;
    const auto local = static_cast<std::uint32_t>(ifa->u("ifa_local").value_or(0));
    const auto address = static_cast<std::uint32_t>(ifa->u("ifa_address").value_or(0));
    const auto brd = static_cast<std::uint32_t>(ifa->u("ifa_broadcast").value_or(0));
    a.local = ipv4_text(local ? local : address, little);
    if (address && local && address != local) a.peer = ipv4_text(address, little);
    if (brd) a.broadcast = ipv4_text(brd, little);
    a.prefix_len = static_cast<unsigned>(ifa->u("ifa_prefixlen").value_or(0));
    a.scope = static_cast<unsigned>(ifa->u("ifa_scope").value_or(0));
    a.flags = static_cast<std::uint32_t>(ifa->u("ifa_flags").value_or(0));
    a.label = ifa->chars("ifa_label").value_or("");
    a.valid = static_cast<std::uint32_t>(ifa->u("ifa_valid_lft").value_or(infinity_life_time));
    a.preferred = static_cast<std::uint32_t>(ifa->u("ifa_preferred_lft").value_or(infinity_life_time));
    const bool permanent = (a.flags & 0x80) != 0;
    lifetimes_left(a, permanent || (a.preferred == infinity_life_time && a.valid == infinity_life_time),
                   ifa->u("ifa_tstamp").value_or(0), clock);
    out.addresses.push_back(std::move(a));
    at = ifa->u("ifa_next").value_or(0);
  }
}

inline void read_ipv6(const objects::object_reader& r, std::uint64_t inet6_dev, const system::kernel_clock& clock,
                      interface& out) {
  const auto list = r.types().field("inet6_dev", "addr_list");
  const auto link = r.types().field("inet6_ifaddr", "if_list");
  if (!list || !link) {
    out.problems.add("IPv6: the kernel's types have no inet6_dev.addr_list / inet6_ifaddr.if_list");
    return;
  }
  const auto w = objects::walk_list(r, inet6_dev + list->offset, max_interface_addresses);
  if (!w.problem.empty()) out.problems.add("IPv6: " + w.problem);
  for (const auto node : w.nodes) {
    auto ifa = r.read(node - link->offset, "inet6_ifaddr");
    if (!ifa) {
      out.problems.add("IPv6", ifa.err());
      return;
    }
    const auto addr = r.types().field("inet6_ifaddr", "addr"), peer = r.types().field("inet6_ifaddr", "peer_addr");
    if (!addr) return;
    interface_address a;
    a.family = 10;
    std::uint8_t b[16], p[16] = {};
    for (int i = 0; i < 16; ++i) b[i] = ifa->bytes()[addr->offset + i];
    bool has_peer = false;
    if (peer && peer->offset + 16 <= ifa->bytes().size())
      for (int i = 0; i < 16; ++i) p[i] = ifa->bytes()[peer->offset + i], has_peer = has_peer || p[i] != 0;
    a.local = ipv6_text(b);
    if (has_peer) a.peer = ipv6_text(p);
    a.prefix_len = static_cast<unsigned>(ifa->u("prefix_len").value_or(0));
    a.scope = ipv6_rt_scope(static_cast<unsigned>(ifa->u("scope").value_or(0)));
    a.flags = static_cast<std::uint32_t>(ifa->u("flags").value_or(0));
    a.valid = static_cast<std::uint32_t>(ifa->u("valid_lft").value_or(infinity_life_time));
    a.preferred = static_cast<std::uint32_t>(ifa->u("prefered_lft").value_or(infinity_life_time));
    lifetimes_left(a, (a.flags & 0x80) != 0 && a.preferred == infinity_life_time, ifa->u("tstamp").value_or(0), clock);
    out.addresses.push_back(std::move(a));
  }
}

} // namespace detail

inline result<interface_list> read_interfaces(const objects::object_reader& r, const objects::symbol_index& syms) {
  interface_list out;
  const auto net = syms.address("init_net");
  const auto head = r.types().field("net", "dev_base_head");
  const auto link = r.types().field("net_device", "dev_list");
  if (!net || !head || !link)
    return make_error(error_code::not_found, "no init_net symbol, or no net.dev_base_head / net_device.dev_list in the types");
  const auto clock = system::read_kernel_clock(r, syms);
  const auto w = objects::walk_list(r, *net + head->offset, max_interfaces);
  if (!w.problem.empty()) out.notes.add("interface list: " + w.problem);
  const auto& ty = r.types();
  const auto start_bit = ty.enumerator("__LINK_STATE_START"), nocarrier_bit = ty.enumerator("__LINK_STATE_NOCARRIER"),
             dormant_bit = ty.enumerator("__LINK_STATE_DORMANT");
  for (const auto node : w.nodes) {
    auto d = r.read(node - link->offset, "net_device");
    if (!d) {
      out.notes.add("interface at " + mquire::detail::hex(node - link->offset), d.err());
      break;
    }
    interface i;
    i.device = d->address();
    i.name = d->chars("name").value_or("");
    i.index = static_cast<int>(d->s("ifindex").value_or(0));
    i.mtu = static_cast<unsigned>(d->u("mtu").value_or(0));
    i.type = static_cast<unsigned>(d->u("type").value_or(0));
    i.qlen = static_cast<unsigned>(d->u("tx_queue_len").value_or(0));
    i.operstate = static_cast<unsigned>(d->u("operstate").value_or(0));
    // dev_get_flags: the configured flags without the ones the kernel
    // computes, the global PROMISC/ALLMULTI counts' flags, then RUNNING,
    // LOWER_UP and DORMANT for a running device.
    constexpr unsigned promisc = 0x100, allmulti = 0x200, running = 0x40, lower_up = 0x10000, dormant = 0x20000;
    const auto flags = static_cast<unsigned>(d->u("flags").value_or(0));
    const auto gflags = static_cast<unsigned>(d->u("gflags").value_or(0));
    const std::uint64_t state = d->u("state").value_or(0);
    const auto bit = [&](const std::optional<std::int64_t>& b) { return b && *b >= 0 && *b < 64 && ((state >> *b) & 1); };
    i.flags = (flags & ~(promisc | allmulti | running | lower_up | dormant)) | (gflags & (promisc | allmulti));
    if (bit(start_bit)) {
      if (i.operstate == 6 || i.operstate == 0) i.flags |= running; // IF_OPER_UP, IF_OPER_UNKNOWN
      if (!bit(nocarrier_bit)) i.flags |= lower_up;
      if (bit(dormant_bit)) i.flags |= dormant;
    }
    const auto len = static_cast<std::size_t>(d->u("addr_len").value_or(0));
    if (len > 32) i.problems.add("addr_len " + std::to_string(len) + " is more than MAX_ADDR_LEN");
    else if (len > 0) {
      if (const auto a = d->u("dev_addr"); a && *a)
        if (auto b = r.bytes(*a, len)) i.mac = detail::hardware_address(*b);
      if (const auto f = ty.field("net_device", "broadcast"); f && f->offset + len <= d->bytes().size())
        i.broadcast = detail::hardware_address(
            std::vector<std::uint8_t>(d->bytes().begin() + static_cast<std::ptrdiff_t>(f->offset),
                                      d->bytes().begin() + static_cast<std::ptrdiff_t>(f->offset + len)));
    }
    if (auto q = r.follow(*d, "qdisc", "Qdisc"))
      if (auto ops = r.follow(*q, "ops", "Qdisc_ops")) i.qdisc = ops->chars("id").value_or("");
    // netdev_master_upper_dev_get: the first upper device, if it is the master.
    if (const auto upper = ty.field("net_device", "adj_list.upper"), entry = ty.field("netdev_adjacent", "list");
        upper && entry) {
      const auto first = r.pointer(d->address() + upper->offset);
      if (first && *first != d->address() + upper->offset && r.kernel_pointer(*first))
        if (auto adj = r.read(*first - entry->offset, "netdev_adjacent"); adj && adj->u("master").value_or(0))
          if (auto m = r.follow(*adj, "dev", "net_device")) i.master = m->chars("name").value_or("");
    }
    if (const auto ip = d->u("ip_ptr"); ip && *ip) detail::read_ipv4(r, *ip, clock, i);
    if (const auto ip6 = d->u("ip6_ptr"); ip6 && *ip6) detail::read_ipv6(r, *ip6, clock, i);
    out.interfaces.push_back(std::move(i));
  }
  std::stable_sort(out.interfaces.begin(), out.interfaces.end(),
                   [](const interface& a, const interface& b) { return a.index < b.index; });
  return out;
}

// The link type's name as ip prints it (ARPHRD_*), else its number.
inline std::string link_type_name(unsigned type) {
  switch (type) {
  case 1: return "ether";
  case 24: return "ieee1394";
  case 32: return "infiniband";
  case 65534: return "none";
  case 768: return "ipip";
  case 769: return "tunnel6";
  case 772: return "loopback";
  case 776: return "sit";
  case 778: return "gre";
  case 801: return "ieee802.11";
  case 803: return "ieee802.11/radiotap";
  case 823: return "gre6";
  case 824: return "netlink";
  case 825: return "6lowpan";
  case 512: return "ppp";
  case 65535: return "void";
  default: return "[" + std::to_string(type) + "]";
  }
}

inline std::string scope_name(unsigned scope) {
  switch (scope) {
  case 0: return "global";
  case 200: return "site";
  case 253: return "link";
  case 254: return "host";
  case 255: return "nowhere";
  default: return std::to_string(scope);
  }
}

// The flags between ip's <...>: NO-CARRIER for a device up without
// RUNNING, the named ones in ip's order, then any others as one hex word.
inline std::vector<std::string> ip_link_flags(const interface& i) {
  std::vector<std::string> out;
  unsigned flags = i.flags;
  constexpr unsigned up = 0x1, running = 0x40;
  if ((flags & up) && !(flags & running)) out.emplace_back("NO-CARRIER");
  flags &= ~running;
  const std::pair<unsigned, const char*> named[] = {{0x8, "LOOPBACK"},   {0x2, "BROADCAST"}, {0x10, "POINTOPOINT"},
                                                    {0x1000, "MULTICAST"}, {0x80, "NOARP"},   {0x1, "UP"},
                                                    {0x10000, "LOWER_UP"}};
  for (const auto& [mask, name] : named)
    if (flags & mask) {
      out.emplace_back(name);
      flags &= ~mask;
    }
  if (flags) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%x", flags);
    // BusyBox prints the rest right after the last name, without a comma.
    if (out.empty()) out.emplace_back(buf);
    else out.back() += buf;
  }
  return out;
}

// `ip -o link`'s line for an interface (BusyBox ip's form, as the fixture
// guests print it): index, name, <flags>, mtu, qdisc, master, qlen, then
// after the "\" the link type and addresses.
inline std::string ip_link_line(const interface& i) {
  std::string out = std::to_string(i.index) + ": " + i.name + ": <";
  const auto flags = ip_link_flags(i);
  for (std::size_t k = 0; k < flags.size(); ++k) out += (k ? "," : "") + flags[k];
  out += "> mtu " + std::to_string(i.mtu) + " ";
  if (!i.qdisc.empty()) out += "qdisc " + i.qdisc + " ";
  if (!i.master.empty()) out += "master " + i.master + " ";
  if (i.qlen) out += "qlen " + std::to_string(i.qlen);
  out += "\\    link/" + link_type_name(i.type) + " " + i.mac;
  if (!i.broadcast.empty()) out += std::string((i.flags & 0x10) ? " peer " : " brd ") + i.broadcast;
  return out;
}

// `ip -o addr`'s line for one address of an interface.
inline std::string ip_addr_line(const interface& i, const interface_address& a) {
  std::string out = std::to_string(i.index) + ": " + i.name + (a.family == 2 ? "    inet " : "    inet6 ") + a.local;
  out += a.peer.empty() ? "/" + std::to_string(a.prefix_len) + " " : " peer " + a.peer + "/" + std::to_string(a.prefix_len) + " ";
  if (!a.broadcast.empty()) out += "brd " + a.broadcast + " ";
  out += "scope " + scope_name(a.scope) + " ";
  unsigned flags = a.flags & 0xff; // the header's ifa_flags byte
  const std::pair<unsigned, const char*> named[] = {{0x01, "secondary "}, {0x40, "tentative "}, {0x20, "deprecated "}};
  for (const auto& [mask, name] : named)
    if (flags & mask) out += name, flags &= ~mask;
  if (!(flags & 0x80)) out += "dynamic ";
  else flags &= ~0x80u;
  if (flags) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "flags %02x ", flags);
    out += buf;
  }
  out += a.label;
  out += "\\       valid_lft ";
  out += a.valid == infinity_life_time ? "forever" : std::to_string(static_cast<int>(a.valid)) + "sec";
  out += " preferred_lft ";
  out += a.preferred == infinity_life_time ? "forever" : std::to_string(static_cast<int>(a.preferred)) + "sec";
  return out;
}

} // namespace mquire::network
