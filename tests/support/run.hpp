// SPDX-License-Identifier: Apache-2.0
// Runs the built mquire executable and captures its exit status and output.
#pragma once

#include <sys/wait.h>

#include <cstdlib>
#include <string>

#include "fixtures.hpp"

namespace support {

struct run_result {
  int status = -1;
  std::string out;
  std::string err;
};

inline std::string quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

inline run_result run_tool(const std::string& args, const std::string& tag = "run") {
  const fs::path out = cache_dir() / (tag + ".stdout"), err = cache_dir() / (tag + ".stderr");
  const std::string cmd = quote(MQUIRE_TOOL) + " " + args + " >" + quote(out.string()) + " 2>" + quote(err.string());
  const int rc = std::system(cmd.c_str());
  run_result r;
  r.status = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  r.out = read_text(out);
  r.err = read_text(err);
  return r;
}

} // namespace support
