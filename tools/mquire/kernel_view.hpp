// SPDX-License-Identifier: Apache-2.0
// What the tool reads beyond the symbol table, for a table found in an
// input: kernel virtual memory (page tables in a dump), the kernel's BTF,
// and the module list. Each part says why it is missing when it is.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <mquire/mquire.hpp>

#include "addressing.hpp"
#include "scan.hpp"

namespace tool {

struct kernel_view {
  std::optional<mquire::kernel_memory> memory;
  std::string memory_problem;
  // The kernel's BTF, byte for byte, and where it was found.
  std::vector<std::uint8_t> btf;
  std::string btf_source;
  std::string btf_problem;
  std::uint64_t btf_scanned_bytes = 0; // input bytes searched for a BTF header
  std::unique_ptr<mquire::btf::type_info> types; // parsed over `btf` (which it points into)
  std::optional<mquire::modules::module_list> modules;
  std::string modules_problem;
  // What /proc/kallsyms lists after the modules: ftrace, BPF and kprobe
  // code made at run time.
  std::optional<mquire::modules::builtin_symbol_list> builtins;
  // Each module's split BTF (/sys/kernel/btf/<module>).
  std::optional<mquire::modules::module_btf_list> module_btfs;
  std::string module_btfs_problem;
};

struct view_request {
  bool btf = true;
  bool modules = true;
  // With the modules: the code /proc/kallsyms lists after them (only the
  // commands that print it need the types indexed for it).
  bool builtins = false;
  // A BTF blob of the same kernel to use instead of the dump's own (a
  // kernel built without BTF: `pahole -J` of its debug vmlinux).
  std::string btf_file;
};

// `a` is the addressing settled for `best`.
kernel_view read_kernel_view(const found_table& best, const addressing& a, input& in, const scan_result& r,
                             view_request want);

} // namespace tool
