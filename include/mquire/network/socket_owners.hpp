// SPDX-License-Identifier: Apache-2.0
// Which processes hold each socket: every process's open files, read
// through the process view, matched on the socket's inode as the fd's link
// names it ("socket:[INODE]"). Threads share their leader's table, so each
// thread group is read once.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "../processes/process_view.hpp"
#include "../notes.hpp"

namespace mquire::network {

struct socket_owner {
  std::int64_t pid = 0;
  std::string comm;
  std::uint64_t fd = 0;
};

struct socket_owner_map {
  std::unordered_map<std::uint64_t, std::vector<socket_owner>> by_inode;
  mquire::notes notes; // processes whose files could not be read
};

inline socket_owner_map socket_owners(const processes::process_view& view, const processes::task_list& tasks) {
  socket_owner_map m;
  const std::string prefix = "socket:[";
  processes::each_process_files(view, tasks, m.notes, [&](const processes::task& t, const processes::open_file_list& files) {
    for (const auto& f : files.files) {
      if (f.target.rfind(prefix, 0) != 0 || f.target.back() != ']') continue;
      const std::string digits = f.target.substr(prefix.size(), f.target.size() - prefix.size() - 1);
      if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos || digits.size() > 19) continue;
      m.by_inode[std::stoull(digits)].push_back({t.pid, t.comm, f.fd});
    }
  });
  return m;
}

} // namespace mquire::network
