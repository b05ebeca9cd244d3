// SPDX-License-Identifier: Apache-2.0
// Rendering of what was running: `ps` (text and JSON), `maps` (exactly
// /proc/PID/maps) and `files` (`ls -l /proc/PID/fd` targets, JSON with
// fdinfo). Whatever cannot be read goes to `problems`, one line each, for
// stderr; the rest is still printed.
#pragma once

#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include <mquire/processes/process_view.hpp>

namespace tool {

struct process_request {
  std::optional<std::int64_t> pid; // one process (thread group) only
  bool json = false;
};

void write_ps(std::FILE* out, mquire::processes::process_view& view, const mquire::processes::task_list& tasks,
              const process_request& req, mquire::notes& problems);
void write_maps(std::FILE* out, mquire::processes::process_view& view, const mquire::processes::task_list& tasks,
                const process_request& req, unsigned pointer_size, mquire::notes& problems);
void write_files(std::FILE* out, mquire::processes::process_view& view, const mquire::processes::task_list& tasks,
                 const process_request& req, mquire::notes& problems);

} // namespace tool
