// SPDX-License-Identifier: Apache-2.0
// A process's own address space, read through its own page tables
// (mm->pgd: x86_64 4/5-level, arm64 TTBR0 with the kernel's granule), and
// what /proc reads from it: the command line and the environment, byte for
// byte as /proc/PID/cmdline and /proc/PID/environ return them. A page the
// dump does not hold (swapped out, never touched) ends the read there.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "../detail/hex.hpp"
#include "../error.hpp"
#include "../memory/kernel_space.hpp"
#include "../objects/object_reader.hpp"

namespace mquire::processes {

// /proc/PID/cmdline has no bound of its own beyond the argument area; a
// hostile mm could claim terabytes, so reads stop here.
inline constexpr std::uint64_t max_user_read = 16u << 20;

// The user address space of the mm_struct `mm`.
inline result<virtual_memory> user_memory(const objects::object& mm, const kernel_address_space& space,
                                          const virtual_memory& kernel) {
  if (!space.walk_user)
    return make_error(error_code::unsupported, "user page tables: the kernel's paging has no user walk");
  const auto pgd = mm.u("pgd");
  if (!pgd || *pgd == 0) return make_error(error_code::not_found, "mm_struct.pgd is not set");
  const auto pa = kernel.physical(*pgd);
  if (!pa)
    return make_error(error_code::out_of_range, "mm->pgd " + mquire::detail::hex(*pgd) + " is not mapped in the kernel");
  auto walk = space.walk_user;
  const std::uint64_t root = *pa;
  page_translator tr = [walk, root](std::uint64_t va) { return walk(root, va); };
  return virtual_memory(std::move(tr), kernel.reader(), kernel.order(), kernel.pointer_size());
}

struct user_bytes {
  std::vector<std::uint8_t> bytes;
  bool complete = true; // false: a page was missing, and `bytes` is what came before it
};

// [start, end) of user memory, up to the first missing page and at most
// `limit` bytes.
inline user_bytes read_user_range(const virtual_memory& user, std::uint64_t start, std::uint64_t end,
                                  std::uint64_t limit = max_user_read) {
  user_bytes out;
  if (end <= start) return out;
  const std::uint64_t n = std::min({end - start, max_user_read, limit});
  out.bytes.resize(static_cast<std::size_t>(n));
  const std::size_t got = user.read_available(start, out.bytes.data(), out.bytes.size());
  out.complete = got == out.bytes.size() && n == end - start;
  out.bytes.resize(got);
  return out;
}

// get_mm_cmdline(): arg_start..arg_end; when the last byte of argv is not
// NUL (setproctitle() wrote past it into the environment), the string from
// arg_start up to its first NUL within the environment's end, at most a
// page.
inline user_bytes read_cmdline(const objects::object& mm, const virtual_memory& user, unsigned page_size,
                               std::uint64_t limit = max_user_read) {
  const std::uint64_t arg_start = mm.u("arg_start").value_or(0), arg_end = mm.u("arg_end").value_or(0);
  std::uint64_t env_start = mm.u("env_start").value_or(0), env_end = mm.u("env_end").value_or(0);
  if (arg_start == 0 || arg_end <= arg_start) return {};
  if (env_start != arg_end || env_end < env_start) env_start = env_end = arg_end;
  std::uint8_t last = 0;
  if (user.read(arg_end - 1, &last, 1) && last != 0) {
    auto r = read_user_range(user, arg_start, std::min<std::uint64_t>(env_end, arg_start + page_size), limit);
    for (std::size_t i = 0; i < r.bytes.size(); ++i)
      if (r.bytes[i] == 0) {
        r.bytes.resize(i + 1);
        r.complete = true;
        break;
      }
    return r;
  }
  return read_user_range(user, arg_start, arg_end, limit);
}

inline user_bytes read_environ(const objects::object& mm, const virtual_memory& user,
                               std::uint64_t limit = max_user_read) {
  return read_user_range(user, mm.u("env_start").value_or(0), mm.u("env_end").value_or(0), limit);
}

// NUL-separated strings (argv, envp) as a list; a last string without its
// NUL is kept.
inline std::vector<std::string> split_nul(const std::vector<std::uint8_t>& b) {
  std::vector<std::string> out;
  std::string cur;
  for (auto c : b) {
    if (c == 0) {
      out.push_back(std::move(cur));
      cur.clear();
    } else {
      cur.push_back(static_cast<char>(c));
    }
  }
  if (!cur.empty()) out.push_back(std::move(cur));
  return out;
}

} // namespace mquire::processes
