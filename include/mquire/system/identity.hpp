// SPDX-License-Identifier: Apache-2.0
// Which machine this is and since when it ran, as the running kernel would
// have said: uname's fields from the initial UTS namespace (init_uts_ns:
// sysname, nodename, release, version, machine, domainname), /proc/stat's
// btime and /proc/uptime's first number, from the timekeeper (btime is
// offs_real - offs_boot; uptime is the monotonic clock at the timekeeper's
// last update plus offs_boot: a dump holds no clock that ran on after it).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "../error.hpp"
#include "../objects/object_reader.hpp"
#include "../objects/symbol_index.hpp"
#include "../notes.hpp"

namespace mquire::system {

struct identity {
  std::string sysname, nodename, release, version, machine, domainname;
  std::optional<std::uint64_t> btime;     // seconds since the epoch, as /proc/stat's btime
  std::optional<std::uint64_t> uptime_ns; // CLOCK_BOOTTIME at the timekeeper's last update
  std::optional<std::int64_t> realtime_ns; // CLOCK_REALTIME then (the wall clock, in ns since the epoch)
  mquire::notes notes;         // what could not be read
};

// /proc/uptime's first field: seconds with two decimals.
inline std::string uptime_text(std::uint64_t ns) {
  const std::uint64_t centis = ns % 1000000000 / 10000000;
  return std::to_string(ns / 1000000000) + "." + (centis < 10 ? "0" : "") + std::to_string(centis);
}

namespace detail {

// Where the core timekeeper is: timekeeper_data[0] (7.x, struct tk_data),
// tk_core as a struct tk_data (6.13+), or tk_core as the unnamed struct of
// a seqcount and the timekeeper before that.
inline std::optional<std::uint64_t> timekeeper_address(const objects::object_reader& r,
                                                       const objects::symbol_index& syms) {
  const auto& ty = r.types();
  const auto in_tk_data = ty.field("tk_data", "timekeeper");
  if (const auto a = syms.address("timekeeper_data"); a && in_tk_data) return *a + in_tk_data->offset;
  const auto core = syms.address("tk_core");
  if (!core) return std::nullopt;
  if (in_tk_data) return *core + in_tk_data->offset;
  // seqcount_raw_spinlock_t, then the timekeeper at its 8-byte alignment.
  const auto seq = ty.struct_size("seqcount_raw_spinlock");
  if (!seq) return std::nullopt;
  return *core + (*seq + 7) / 8 * 8;
}

// CLOCK_MONOTONIC at the timekeeper's last update, from its tkr_mono.
inline std::optional<std::uint64_t> monotonic_of(const objects::object& timekeeper) {
  const auto base = timekeeper.s("tkr_mono.base");
  const auto nsec = timekeeper.u("tkr_mono.xtime_nsec"), shift = timekeeper.u("tkr_mono.shift");
  if (!base || !nsec || !shift || *shift >= 64 || *base < 0) return std::nullopt;
  return static_cast<std::uint64_t>(*base) + (*nsec >> *shift);
}

} // namespace detail

inline result<identity> read_identity(const objects::object_reader& r, const objects::symbol_index& syms) {
  identity id;
  const auto uts = syms.address("init_uts_ns");
  const auto name = r.types().field("uts_namespace", "name");
  if (!uts || !name) return make_error(error_code::not_found, "no init_uts_ns symbol, or no uts_namespace.name in the types");
  auto u = r.read(*uts + name->offset, "new_utsname");
  if (!u) return u.err();
  id.sysname = u->chars("sysname").value_or("");
  id.nodename = u->chars("nodename").value_or("");
  id.release = u->chars("release").value_or("");
  id.version = u->chars("version").value_or("");
  id.machine = u->chars("machine").value_or("");
  id.domainname = u->chars("domainname").value_or("");
  const auto tk = detail::timekeeper_address(r, syms);
  if (!tk) {
    id.notes.add("boot time and uptime: no timekeeper_data or tk_core symbol, or no layout for it");
    return id;
  }
  auto t = r.read(*tk, "timekeeper");
  if (!t) {
    id.notes.add("boot time and uptime", t.err());
    return id;
  }
  const auto offs_real = t->s("offs_real"), offs_boot = t->s("offs_boot");
  if (offs_real && offs_boot && *offs_real >= *offs_boot)
    id.btime = static_cast<std::uint64_t>(*offs_real - *offs_boot) / 1000000000;
  else
    id.notes.add("boot time: the timekeeper's offs_real / offs_boot are not readable or not in order");
  const auto monotonic = detail::monotonic_of(*t);
  if (monotonic && offs_boot && *offs_boot >= 0)
    id.uptime_ns = *monotonic + static_cast<std::uint64_t>(*offs_boot);
  else
    id.notes.add("uptime: the timekeeper's monotonic clock is not readable");
  if (monotonic && offs_real && *monotonic <= static_cast<std::uint64_t>(INT64_MAX - *offs_real) && *offs_real >= 0)
    id.realtime_ns = static_cast<std::int64_t>(*monotonic) + *offs_real;
  return id;
}

} // namespace mquire::system
