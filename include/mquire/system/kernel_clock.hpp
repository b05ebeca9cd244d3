// SPDX-License-Identifier: Apache-2.0
// The kernel's tick: jiffies at the moment of the dump and HZ, which
// /proc's listings need to turn jiffies into clock ticks (timers, TCP's
// retransmission timeout). HZ is a build option recorded nowhere in the
// dump as a number, so it is derived twice, independently:
//   - from jiffies and the monotonic clock: jiffies start at
//     INITIAL_JIFFIES = (unsigned int)(-300 * HZ) and advance HZ a second,
//     so only the true HZ makes their elapsed ticks match the uptime;
//   - from the TCP sysctls' defaults, which are whole seconds of jiffies
//     (keepalive 7200 s, its interval 75 s, FIN timeout 60 s).
// An HZ is given only when the two agree, or when one is silent and the
// other unambiguous; otherwise the caller says the tick is unknown.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include "../objects/object_reader.hpp"
#include "../objects/symbol_index.hpp"
#include "identity.hpp"

namespace mquire::system {

struct kernel_clock {
  std::optional<std::uint64_t> jiffies; // jiffies_64 when the dump was taken
  std::optional<unsigned> hz;
  std::string note; // why HZ (or jiffies) is unknown, or how the two sources disagreed
};

namespace detail {

// The tick rates a Linux build offers on the architectures read here (and
// the odd ones other architectures allow).
inline constexpr std::array<unsigned, 10> hz_choices = {100, 250, 300, 1000, 24, 48, 64, 128, 256, 1024};

// The monotonic clock at the timekeeper's last update, in nanoseconds.
inline std::optional<std::uint64_t> monotonic_ns(const objects::object_reader& r, const objects::symbol_index& syms) {
  const auto tk = timekeeper_address(r, syms);
  if (!tk) return std::nullopt;
  auto t = r.read(*tk, "timekeeper");
  return t ? monotonic_of(*t) : std::nullopt;
}

// The HZ whose INITIAL_JIFFIES and rate make `jiffies` the uptime, within
// half a second; none when no choice or more than one fits (at 300 s of
// uptime every HZ gives the same jiffies).
inline std::optional<unsigned> hz_from_jiffies(std::uint64_t jiffies, std::uint64_t uptime_ns, unsigned word_bytes) {
  std::optional<unsigned> found;
  for (const unsigned hz : hz_choices) {
    const std::uint64_t initial = static_cast<std::uint32_t>(0u - 300u * hz);
    std::uint64_t elapsed = jiffies - initial;
    if (word_bytes == 4) elapsed &= 0xffffffffu;
    if (elapsed > (std::uint64_t{1} << 52)) continue; // before INITIAL_JIFFIES: not this rate
    const double seconds = static_cast<double>(elapsed) / hz, uptime = static_cast<double>(uptime_ns) / 1e9;
    if (seconds - uptime < 0.5 && uptime - seconds < 0.5) {
      if (found) return std::nullopt;
      found = hz;
    }
  }
  return found;
}

// The HZ the TCP sysctls' defaults imply, when all three say the same.
inline std::optional<unsigned> hz_from_tcp_defaults(const objects::object_reader& r, const objects::symbol_index& syms) {
  const auto net = syms.address("init_net");
  if (!net) return std::nullopt;
  const auto& ty = r.types();
  const auto keepalive = ty.field("net", "ipv4.sysctl_tcp_keepalive_time");
  const auto interval = ty.field("net", "ipv4.sysctl_tcp_keepalive_intvl");
  const auto fin = ty.field("net", "ipv4.sysctl_tcp_fin_timeout");
  if (!keepalive || !interval || !fin) return std::nullopt;
  const auto k = r.memory().uint(*net + keepalive->offset, 4), i = r.memory().uint(*net + interval->offset, 4),
             f = r.memory().uint(*net + fin->offset, 4);
  if (!k || !i || !f || *k % 7200 != 0 || *i % 75 != 0 || *f % 60 != 0) return std::nullopt;
  const std::uint64_t hz = *k / 7200;
  if (hz == 0 || *i / 75 != hz || *f / 60 != hz) return std::nullopt;
  for (const unsigned c : hz_choices)
    if (c == hz) return c;
  return std::nullopt;
}

} // namespace detail

inline kernel_clock read_kernel_clock(const objects::object_reader& r, const objects::symbol_index& syms) {
  kernel_clock c;
  if (const auto a = syms.address("jiffies_64")) c.jiffies = r.memory().uint(*a, 8);
  if (!c.jiffies) {
    c.note = "jiffies_64 is not in the symbols or not in the dump";
    return c;
  }
  const auto uptime = detail::monotonic_ns(r, syms);
  const auto by_jiffies = uptime ? detail::hz_from_jiffies(*c.jiffies, *uptime, r.pointer_size()) : std::nullopt;
  const auto by_sysctl = detail::hz_from_tcp_defaults(r, syms);
  if (by_jiffies && by_sysctl && *by_jiffies != *by_sysctl)
    c.note = "HZ unknown: jiffies against the uptime say " + std::to_string(*by_jiffies) +
             ", the TCP sysctls' defaults say " + std::to_string(*by_sysctl);
  else if (by_jiffies || by_sysctl)
    c.hz = by_jiffies ? *by_jiffies : *by_sysctl;
  else
    c.note = "HZ unknown: neither jiffies against the uptime nor the TCP sysctls' defaults settle it";
  return c;
}

// jiffies_to_clock_t: jiffies in USER_HZ (100) ticks, with the kernel's
// rounding (a tick of TICK_NSEC nanoseconds, truncated).
inline std::uint64_t jiffies_to_clock_t(std::uint64_t j, unsigned hz) {
  const std::uint64_t tick_nsec = (1000000000ull + hz / 2) / hz;
  if (tick_nsec % 10000000 == 0) return hz < 100 ? j * (100 / hz) : j / (hz / 100);
  // j * tick_nsec / 10^7 without overflow: whole units of 10^7 first.
  return j / 10000000 * tick_nsec + j % 10000000 * tick_nsec / 10000000;
}

} // namespace mquire::system
