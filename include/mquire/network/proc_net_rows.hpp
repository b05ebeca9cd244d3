// SPDX-License-Identifier: Apache-2.0
// What a /proc/net listing is made of: its rows (each its exact line and
// the fields JSON gives), and the listing with its header and problem.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mquire::network {

// One row of a listing: its exact line and what JSON wants of it.
struct socket_row {
  std::uint64_t sock = 0; // the struct sock (or time-wait or request sock)
  std::string line;       // as the listing prints it, without the newline
  unsigned family = 0;
  std::string local, remote; // addresses as text (inet and inet6 listings)
  unsigned local_port = 0, remote_port = 0;
  unsigned state = 0;
  std::int64_t tx_queue = 0, rx_queue = 0;
  std::uint32_t uid = 0;
  std::uint64_t inode = 0;
  std::uint64_t refcount = 0;
  unsigned type = 0;                  // unix and packet: sk_type
  std::uint64_t flags = 0;            // unix: __SO_ACCEPTCON for a listener
  std::optional<std::string> path;    // unix: the bound name ('@' for abstract)
  unsigned protocol = 0, ifindex = 0; // packet
  bool running = false;               // packet
  unsigned prefix_len = 0, scope = 0; // if_inet6 (with ifindex, flags, local)
  std::string device;                 // if_inet6 and dev: the interface's name
};

struct listing {
  std::string name;   // "tcp", "udp6", ...: /proc/net/NAME
  std::string header; // its first line (if_inet6 has none)
  std::vector<socket_row> rows;
  std::string problem; // why the listing is missing or stops early
};

} // namespace mquire::network
