// SPDX-License-Identifier: Apache-2.0
// Which processes hold each BPF program and map, as bpftool's "pids" line
// reports them: every process's open files whose file operations are
// bpf_prog_fops or bpf_map_fops, the object being the file's
// private_data. Each process is named once per object (by its thread
// group's pid and comm), in pid order.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "../processes/process_view.hpp"
#include "bpftool_lines.hpp"
#include "../notes.hpp"

namespace mquire::bpf {

struct holder_map {
  std::unordered_map<std::uint64_t, std::vector<holder>> by_object; // struct bpf_prog / bpf_map -> holders
  mquire::notes notes;
};

inline holder_map bpf_holders(const processes::process_view& view, const processes::task_list& tasks) {
  holder_map m;
  const auto& r = view.reader();
  const auto prog_fops = view.symbols().address("bpf_prog_fops"), map_fops = view.symbols().address("bpf_map_fops");
  if (!prog_fops && !map_fops) {
    m.notes.add("BPF holders: no bpf_prog_fops or bpf_map_fops symbol");
    return m;
  }
  processes::each_process_files(view, tasks, m.notes, [&](const processes::task& t, const processes::open_file_list& files) {
    for (const auto& f : files.files) {
      if (f.target.rfind("anon_inode:bpf-", 0) != 0) continue;
      auto file = r.read(f.file, "file");
      if (!file) continue;
      const auto ops = file->u("f_op");
      if (!ops || !((prog_fops && *ops == *prog_fops) || (map_fops && *ops == *map_fops))) continue;
      const auto object = file->u("private_data").value_or(0);
      if (object == 0) continue;
      auto& list = m.by_object[object];
      if (list.empty() || list.back().pid != t.pid) list.push_back({t.pid, t.comm});
    }
  });
  for (auto& [object, list] : m.by_object)
    std::stable_sort(list.begin(), list.end(), [](const holder& a, const holder& b) { return a.pid < b.pid; });
  return m;
}

} // namespace mquire::bpf
