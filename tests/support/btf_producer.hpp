// SPDX-License-Identifier: Apache-2.0
// BTF from a real producer: a C source compiled with -g and converted by
// pahole (Debian's dwarves), detached so that the file is the blob. Tests
// that need it skip when the producer is not installed.
#pragma once

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "run.hpp"

namespace support {

inline bool have(const std::string& program) {
  return std::system(("command -v " + program + " >/dev/null 2>&1").c_str()) == 0;
}

// BTF for `source` as pahole -J makes it (detached, so that the blob is the
// file); skips when the producer is not installed.
inline std::vector<std::uint8_t> produce_btf(const std::string& name, const std::string& source, const std::string& cc) {
  if (!have("pahole")) skip("pahole not installed (Debian: dwarves)");
  if (!have(cc)) skip(cc + " not installed");
  const auto dir = cache_dir() / "btf-gen";
  fs::create_directories(dir);
  // Per process: tests running in parallel may produce the same name.
  const std::string stem = name + "." + std::to_string(::getpid());
  const auto c = dir / (stem + ".c"), o = dir / (stem + ".o"), b = dir / (stem + ".btf");
  std::ofstream(c) << source;
  const std::string cmd = cc + " -g -O0 -c " + quote(c.string()) + " -o " + quote(o.string()) +
                          " && pahole --btf_gen_all --btf_encode_detached=" + quote(b.string()) + " " +
                          quote(o.string());
  REQUIRE(std::system(cmd.c_str()) == 0);
  return read_file(b);
}

} // namespace support
