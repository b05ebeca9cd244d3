// SPDX-License-Identifier: Apache-2.0
// Deterministic, kernel-like symbol sets for the generator: sorted text and
// data addresses with aliases, static functions that share a name, compiler
// suffixes (.isra.0, .cold), digits, and optionally per-CPU absolute entries
// and very long names.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "kallsyms_writer.hpp"

namespace gen {

// splitmix64: fully specified, so every platform generates the same data.
struct rng {
  std::uint64_t state;
  std::uint64_t next() {
    std::uint64_t z = (state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  std::uint64_t below(std::uint64_t n) { return n == 0 ? 0 : next() % n; }
};

struct symbol_options {
  std::size_t count = 2000;
  std::uint64_t seed = 1;
  std::uint64_t text_base = 0xffffffff81000000ull;
  std::size_t percpu = 0;      // absolute per-CPU entries (type A) at the start
  std::size_t long_names = 0;  // Rust-like mangled names of 400..510 characters
  bool short_names_only = false;
};

inline std::vector<sym> make_symbols(const symbol_options& o) {
  static const char* const words[] = {
      "init", "exit", "sys", "do", "x64", "get", "set", "put", "page", "mm", "irq", "cpu", "net", "dev",
      "pci", "acpi", "ext4", "tcp", "ipv4", "read", "write", "lock", "unlock", "alloc", "free", "task",
      "sched", "timer", "work", "queue", "fs", "inode", "dentry", "file", "map", "user", "kernel", "trace",
      "event", "probe", "bpf", "cgroup", "blk", "scsi", "usb", "hid", "drm", "i915", "nvme", "vfs", "proc",
      "kmem", "cache", "rcu", "percpu", "vm", "area", "node", "zone", "slab", "crypto", "aes", "sha256",
      "ext3", "uart8250", "x87", "v7", "p9", "s390"};
  static const char* const suffixes[] = {"", "", "", "", "", ".isra.0", ".constprop.0", ".cold", ".part.0", "_1",
                                         "_64", "2"};
  static const char types[] = {'t', 't', 't', 'T', 'T', 'T', 't', 'd', 'D', 'r', 'R', 'b', 'B', 'W', 'V'};
  rng g{o.seed};
  std::vector<sym> out;
  out.reserve(o.count);
  std::uint64_t pc = 0;
  for (std::size_t i = 0; i < o.percpu && i < o.count; ++i) {
    out.push_back({pc, 'A', std::string(i == 0 ? "fixed_percpu_data" : "percpu_var_") + std::to_string(i)});
    pc += 8 * (1 + g.below(64));
  }
  std::uint64_t addr = o.text_base;
  std::string prev;
  while (out.size() < o.count) {
    std::string name;
    if (!prev.empty() && g.below(40) == 0) {
      name = prev; // a static function that shares its name with another
    } else {
      const std::size_t parts = 1 + g.below(4);
      if (g.below(5) == 0) name = "__";
      for (std::size_t p = 0; p < parts; ++p) {
        if (p) name += '_';
        name += words[g.below(sizeof(words) / sizeof(words[0]))];
      }
      name += suffixes[g.below(sizeof(suffixes) / sizeof(suffixes[0]))];
    }
    if (out.size() < o.percpu + o.long_names && out.size() >= o.percpu) {
      // _ZN<len><segment>...17h<16 hex digits>E: the hashes barely compress,
      // so these need two-byte lengths.
      static const char hex[] = "0123456789abcdef";
      name = "_ZN";
      const std::size_t target = 400 + g.below(100);
      while (name.size() < target) {
        std::string seg = words[g.below(sizeof(words) / sizeof(words[0]))];
        seg += "17h";
        for (int k = 0; k < 16; ++k) seg += hex[g.below(16)];
        name += std::to_string(seg.size()) + seg;
      }
      name += "E";
    }
    if (o.short_names_only && name.size() > 100) name.resize(100);
    const char t = types[g.below(sizeof(types))];
    out.push_back({addr, t, name});
    prev = name;
    if (g.below(10) != 0) addr += 16 * (1 + g.below(64)); // some aliases share an address
  }
  return out;
}

} // namespace gen
