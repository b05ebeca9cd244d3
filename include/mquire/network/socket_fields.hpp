// SPDX-License-Identifier: Apache-2.0
// The fields of one socket that /proc/net's listings print, read from its
// struct sock the way the kernel's helpers read them: sock_i_ino (sk_ino
// from 6.17, else the inode of its struct socket), sk_uid, the write and
// read memory counters, the drop counter (the per-NUMA counters where a
// protocol has them) and the addresses in its sock_common. Each socket is
// read as the struct it is (tcp_sock, udp_sock, unix_sock, ...); `prefix`
// is the path of its embedded struct sock within that struct.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "../objects/object_reader.hpp"

namespace mquire::network {

// A struct sock's printed fields.
struct sock_fields {
  std::uint64_t refcnt = 0;
  std::uint32_t uid = 0;
  std::uint64_t inode = 0;
  std::int64_t wmem = 0; // sk_wmem_alloc_get: the allocation less the socket's own reference
  std::int64_t rmem = 0; // sk_rmem_alloc_get
  std::uint64_t drops = 0;
  std::uint32_t state = 0;
  unsigned family = 0;
};

// A member of `o` under `prefix`, as an unsigned value (0 when absent:
// callers first check the members whose absence matters).
inline std::uint64_t member(const objects::object& o, std::string_view prefix, std::string_view name) {
  std::string path(prefix);
  path += name;
  return o.u(path).value_or(0);
}
inline std::int64_t signed_member(const objects::object& o, std::string_view prefix, std::string_view name) {
  std::string path(prefix);
  path += name;
  return o.s(path).value_or(0);
}

// The inode number /proc shows for a socket: sk_ino where the kernel keeps
// it, else SOCK_INODE(sk->sk_socket)->i_ino, 0 for a socket with no
// struct socket (an orphan).
inline std::uint64_t socket_inode(const objects::object_reader& r, const objects::object& o, std::string_view prefix) {
  std::string path(prefix);
  if (o.u(path + "sk_ino")) return *o.u(path + "sk_ino");
  const auto socket = o.u(path + "sk_socket");
  if (!socket || *socket == 0) return 0;
  const auto& ty = r.types();
  const auto inode = ty.field("socket_alloc", "vfs_inode"), socket_at = ty.field("socket_alloc", "socket");
  const auto ino = ty.field("inode", "i_ino");
  if (!inode || !socket_at || !ino || *socket < socket_at->offset) return 0;
  return r.memory().uint(*socket - socket_at->offset + inode->offset + ino->offset, static_cast<unsigned>(ino->size)).value_or(0);
}

inline sock_fields read_sock_fields(const objects::object_reader& r, const objects::object& o, std::string_view prefix) {
  sock_fields f;
  const std::string common = std::string(prefix) + "__sk_common.";
  f.refcnt = member(o, common, "skc_refcnt.refs.counter");
  f.state = static_cast<std::uint32_t>(member(o, common, "skc_state"));
  f.family = static_cast<unsigned>(member(o, common, "skc_family"));
  f.uid = static_cast<std::uint32_t>(member(o, prefix, "sk_uid.val"));
  f.inode = socket_inode(r, o, prefix);
  f.wmem = static_cast<std::int64_t>(static_cast<std::int32_t>(member(o, prefix, "sk_wmem_alloc.refs.counter"))) - 1;
  f.rmem = static_cast<std::int32_t>(member(o, prefix, "sk_backlog.rmem_alloc.counter"));
  // sk_drops_read: the per-NUMA counters a protocol points sk_drop_counters
  // at (6.18+), else sk_drops.
  const std::uint64_t counters = member(o, prefix, "sk_drop_counters");
  const auto d0 = r.types().field("numa_drop_counters", "drops0"), d1 = r.types().field("numa_drop_counters", "drops1");
  if (counters != 0 && d0 && d1) {
    const auto a = r.memory().uint(counters + d0->offset, 4), b = r.memory().uint(counters + d1->offset, 4);
    f.drops = static_cast<std::uint32_t>(a.value_or(0) + b.value_or(0));
  } else {
    f.drops = static_cast<std::uint32_t>(member(o, prefix, "sk_drops.counter"));
  }
  return f;
}

// An IPv6 address's four 32-bit words as the kernel prints them (%08X of
// each s6_addr32, in the machine's byte order), from 16 bytes at `offset`.
inline std::string ipv6_words(const objects::object& o, std::uint64_t offset) {
  std::string out;
  char buf[12];
  for (int i = 0; i < 4; ++i) {
    std::snprintf(buf, sizeof buf, "%08X", static_cast<unsigned>(o.at(offset + 4 * i, 4).value_or(0)));
    out += buf;
  }
  return out;
}

// Address text for JSON: dotted IPv4 from the stored (network order)
// word, RFC 5952 IPv6 from the 16 stored bytes.
inline std::string ipv4_text(std::uint32_t stored, bool little_endian) {
  std::uint8_t b[4];
  for (int i = 0; i < 4; ++i) b[i] = static_cast<std::uint8_t>(little_endian ? stored >> (8 * i) : stored >> (8 * (3 - i)));
  return std::to_string(b[0]) + "." + std::to_string(b[1]) + "." + std::to_string(b[2]) + "." + std::to_string(b[3]);
}

inline std::string ipv6_text(const std::uint8_t (&a)[16]) {
  std::uint16_t g[8];
  for (int i = 0; i < 8; ++i) g[i] = static_cast<std::uint16_t>(a[2 * i] << 8 | a[2 * i + 1]);
  // The longest run of two or more zero groups (the first of equals) becomes "::".
  int best = -1, best_len = 0;
  for (int i = 0; i < 8;) {
    if (g[i] != 0) {
      ++i;
      continue;
    }
    int j = i;
    while (j < 8 && g[j] == 0) ++j;
    if (j - i > best_len && j - i >= 2) best = i, best_len = j - i;
    i = j;
  }
  // An IPv4-mapped address keeps its dotted tail.
  if (best == 0 && best_len == 5 && g[5] == 0xffff)
    return "::ffff:" + std::to_string(a[12]) + "." + std::to_string(a[13]) + "." + std::to_string(a[14]) + "." +
           std::to_string(a[15]);
  std::string out;
  char buf[8];
  for (int i = 0; i < 8; ++i) {
    if (i == best) {
      out += "::";
      i += best_len - 1;
      continue;
    }
    if (!out.empty() && out.back() != ':') out += ':';
    std::snprintf(buf, sizeof buf, "%x", g[i]);
    out += buf;
  }
  return out;
}

} // namespace mquire::network
