// SPDX-License-Identifier: Apache-2.0
// What ftrace had hooked: the registered ftrace_ops (ftrace_ops_list up to
// ftrace_list_end), each with its callback, flags and the functions its
// filter and notrace hashes name; and the functions whose call sites were
// patched, line for line as /sys/kernel/tracing/enabled_functions prints
// them (the dyn_ftrace records of ftrace_pages_start with FTRACE_FL_ENABLED,
// their use count and flag columns, and the one ops that calls each one
// directly). A rootkit that hooks through ftrace shows up here, its
// callback in a module or in memory no module owns.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <unordered_set>
#include <vector>

#include "../detail/hex.hpp"
#include "../objects/code_symbols.hpp"
#include "../objects/object_reader.hpp"
#include "../objects/symbol_index.hpp"
#include "../objects/walkers.hpp"
#include "pointer_check.hpp"
#include "../notes.hpp"

namespace mquire::hooks {

struct traced_function {
  std::uint64_t ip = 0;
  std::string name; // %ps
};

struct ftrace_ops_entry {
  std::uint64_t address = 0; // the struct ftrace_ops
  std::string ops;           // %pS of it
  pointer_check func; // the callback: expected wherever it is backed
  std::uint64_t flags = 0;
  std::uint64_t trampoline = 0;
  bool traces_all = false; // an empty filter: every function not in notrace
  std::vector<traced_function> filter, notrace;
  std::string problem;
};

struct ftrace_view {
  std::vector<ftrace_ops_entry> ops;
  std::vector<std::string> enabled_functions; // the file's lines, without their newline
  std::uint64_t records = 0;                  // dyn_ftrace records looked at
  mquire::notes notes;
};

inline constexpr std::size_t max_ftrace_ops = 4096;
inline constexpr std::size_t max_hash_entries = 1u << 20;
inline constexpr std::size_t max_ftrace_records = 1u << 22;

namespace detail {

// The ips of an ftrace_hash: each bucket's hlist of ftrace_func_entry.
inline std::vector<std::uint64_t> hash_ips(const objects::object_reader& r, std::uint64_t hash, std::string& problem) {
  std::vector<std::uint64_t> out;
  if (hash == 0) return out;
  auto h = r.read(hash, "ftrace_hash");
  if (!h) {
    problem = "ftrace_hash: " + h.err().message;
    return out;
  }
  const std::uint64_t count = h->u("count").value_or(0), bits = h->u("size_bits").value_or(0);
  const std::uint64_t buckets = h->u("buckets").value_or(0);
  if (count == 0 || buckets == 0) return out;
  const auto hl = r.types().field("ftrace_func_entry", "hlist");
  const auto ip = r.types().field("ftrace_func_entry", "ip");
  if (bits > 16 || !hl || !ip) {
    problem = "ftrace_hash at " + mquire::detail::hex(hash) + ": " + std::to_string(bits) + " size bits, or no types";
    return out;
  }
  for (std::uint64_t b = 0; b < (std::uint64_t{1} << bits) && out.size() <= max_hash_entries; ++b) {
    const auto w = objects::walk_hlist(r, buckets + b * r.pointer_size(), max_hash_entries);
    if (!w.problem.empty()) problem = "ftrace_hash at " + mquire::detail::hex(hash) + ": " + w.problem;
    for (const auto node : w.nodes)
      if (const auto v = r.memory().pointer(node - hl->offset + ip->offset)) out.push_back(*v);
  }
  if (out.size() != count && problem.empty())
    problem = "ftrace_hash at " + mquire::detail::hex(hash) + " counts " + std::to_string(count) + " entries, " +
              std::to_string(out.size()) + " found";
  return out;
}

struct ops_hashes {
  std::uint64_t ops = 0, func = 0, trampoline = 0;
  std::unordered_set<std::uint64_t> filter, notrace;
};

// hash_contains_ip(): in the filter (or the filter is empty), not in notrace.
inline bool contains(const ops_hashes& h, std::uint64_t ip) {
  return (h.filter.empty() || h.filter.count(ip) != 0) && h.notrace.count(ip) == 0;
}

} // namespace detail

// `symbols` names callbacks and functions (modules included when it has them).
inline ftrace_view read_ftrace(const objects::object_reader& r, const objects::symbol_index& syms,
                               const objects::code_symbols& symbols) {
  ftrace_view out;
  const auto& ty = r.types();
  const auto list = syms.address("ftrace_ops_list"), end = syms.address("ftrace_list_end");
  if (!list || !end) {
    out.notes.add("ftrace: the symbol table has no ftrace_ops_list or ftrace_list_end (no function tracer)");
    return out;
  }
  std::vector<detail::ops_hashes> hashes;
  auto at = r.pointer(*list);
  std::unordered_set<std::uint64_t> seen;
  while (at && *at != *end) {
    if (!r.kernel_pointer(*at, 8) || !seen.insert(*at).second || seen.size() > max_ftrace_ops) {
      out.notes.add("ftrace_ops_list: " + mquire::detail::hex(*at) +
                    " is not a kernel address, repeats, or is past the budget: the list ends there");
      break;
    }
    auto o = r.read(*at, "ftrace_ops");
    if (!o) {
      out.notes.add("ftrace_ops_list: " + o.err().message + ": the list ends there");
      break;
    }
    ftrace_ops_entry e;
    e.address = *at;
    e.ops = symbols.describe(*at);
    e.func = check_pointer(symbols, o->u("func").value_or(0),
                           [](const objects::located_symbol&, const std::string&) { return true; });
    e.func.expected = e.func.backed; // any backed callback: ops are what tracers and modules register
    e.flags = o->u("flags").value_or(0);
    e.trampoline = o->u("trampoline").value_or(0);
    detail::ops_hashes h{e.address, e.func.target, e.trampoline, {}, {}};
    if (auto fh = r.follow(*o, "func_hash", "ftrace_ops_hash")) {
      for (const auto ip : detail::hash_ips(r, fh->u("filter_hash").value_or(0), e.problem)) {
        h.filter.insert(ip);
        e.filter.push_back({ip, symbols.name_of(ip)});
      }
      for (const auto ip : detail::hash_ips(r, fh->u("notrace_hash").value_or(0), e.problem)) {
        h.notrace.insert(ip);
        e.notrace.push_back({ip, symbols.name_of(ip)});
      }
    } else {
      e.problem = "its hashes: " + fh.err().message;
    }
    const auto by_ip = [](const traced_function& a, const traced_function& b) { return a.ip < b.ip; };
    std::sort(e.filter.begin(), e.filter.end(), by_ip);
    std::sort(e.notrace.begin(), e.notrace.end(), by_ip);
    e.traces_all = e.filter.empty();
    hashes.push_back(std::move(h));
    out.ops.push_back(std::move(e));
    at = o->u("next");
  }
  if (!at) out.notes.add("ftrace_ops_list: a next pointer is not readable: the list ends there");

  // enabled_functions: every record with FTRACE_FL_ENABLED.
  const auto flag = [&](const char* n) { return static_cast<std::uint64_t>(ty.enumerator(n).value_or(0)); };
  const std::uint64_t enabled = flag("FTRACE_FL_ENABLED"), regs = flag("FTRACE_FL_REGS"),
                      ipmodify = flag("FTRACE_FL_IPMODIFY"), direct = flag("FTRACE_FL_DIRECT"),
                      call_ops = flag("FTRACE_FL_CALL_OPS"), modified = flag("FTRACE_FL_MODIFIED"),
                      tramp_en = flag("FTRACE_FL_TRAMP_EN"), call_ops_en = flag("FTRACE_FL_CALL_OPS_EN");
  // The use count sits below the lowest flag.
  std::uint64_t lowest = enabled;
  for (const char* n : {"FTRACE_FL_REGS", "FTRACE_FL_REGS_EN", "FTRACE_FL_TRAMP", "FTRACE_FL_TRAMP_EN",
                        "FTRACE_FL_IPMODIFY", "FTRACE_FL_DISABLED", "FTRACE_FL_DIRECT", "FTRACE_FL_DIRECT_EN",
                        "FTRACE_FL_CALL_OPS", "FTRACE_FL_CALL_OPS_EN", "FTRACE_FL_TOUCHED", "FTRACE_FL_MODIFIED"})
    if (const auto v = flag(n); v != 0 && v < lowest) lowest = v;
  const auto pages = syms.address("ftrace_pages_start");
  const auto rec_size = ty.struct_size("dyn_ftrace");
  const auto rec_ip = ty.field("dyn_ftrace", "ip"), rec_flags = ty.field("dyn_ftrace", "flags");
  if (!pages || !rec_size || !rec_ip || !rec_flags || enabled == 0) {
    out.notes.add("enabled_functions: no ftrace_pages_start, struct dyn_ftrace or FTRACE_FL_ENABLED");
    return out;
  }
  const auto unique_ops = [&](std::uint64_t ip) -> const detail::ops_hashes* {
    const detail::ops_hashes* found = nullptr;
    for (const auto& h : hashes)
      if (detail::contains(h, ip)) {
        if (found) return nullptr;
        found = &h;
      }
    return found;
  };
  auto page = r.pointer(*pages);
  std::unordered_set<std::uint64_t> seen_pages;
  std::vector<std::uint8_t> raw;
  while (page && *page != 0) {
    if (!r.kernel_pointer(*page, 8) || !seen_pages.insert(*page).second) {
      out.notes.add("ftrace_pages: " + mquire::detail::hex(*page) + " is not a kernel address or repeats");
      break;
    }
    auto p = r.read(*page, "ftrace_page");
    if (!p) {
      out.notes.add("ftrace_pages", p.err());
      break;
    }
    const std::uint64_t n = static_cast<std::uint64_t>(std::max<std::int64_t>(0, p->s("index").value_or(0)));
    const std::uint64_t records = p->u("records").value_or(0);
    if (n > max_ftrace_records - std::min<std::uint64_t>(out.records, max_ftrace_records)) {
      out.notes.add("ftrace_pages: more than " + std::to_string(max_ftrace_records) + " records");
      break;
    }
    raw.resize(static_cast<std::size_t>(n * *rec_size));
    if (n != 0 && !r.memory().read(records, raw.data(), raw.size())) {
      out.notes.add("ftrace_pages: the records at " + mquire::detail::hex(records) + " are not readable");
      page = p->u("next");
      continue;
    }
    out.records += n;
    const byte_reader br{std::span<const std::uint8_t>(raw)};
    for (std::uint64_t i = 0; i < n; ++i) {
      const std::size_t base = static_cast<std::size_t>(i * *rec_size);
      const std::uint64_t ip = br.uint_unchecked(base + static_cast<std::size_t>(rec_ip->offset), 8, r.memory().order());
      const std::uint64_t fl = br.uint_unchecked(base + static_cast<std::size_t>(rec_flags->offset),
                                                 static_cast<unsigned>(std::min<std::uint64_t>(rec_flags->size, 8)),
                                                 r.memory().order());
      if ((fl & enabled) == 0) continue;
      std::string line = symbols.name_of(ip) + " (" + std::to_string(fl & (lowest - 1)) + ")";
      line += (fl & regs) ? " R" : "  ";
      line += (fl & ipmodify) ? " I" : "  ";
      line += (direct && (fl & direct)) ? " D" : "  ";
      line += (call_ops && (fl & call_ops)) ? " O" : "  ";
      line += (modified && (fl & modified)) ? " M " : "   ";
      if (tramp_en && (fl & tramp_en)) {
        // ftrace_find_tramp_ops_any(): the first ops with a trampoline that traces ip.
        const detail::ops_hashes* t = nullptr;
        for (const auto& h : hashes)
          if (h.trampoline != 0 && detail::contains(h, ip)) {
            t = &h;
            break;
          }
        line += t ? "\ttramp: " + symbols.describe(t->trampoline) + " (" + symbols.describe(t->func) + ")"
                  : std::string("\ttramp: ERROR!");
      }
      if (call_ops_en && (fl & call_ops_en)) {
        const auto* u = unique_ops(ip);
        line += u ? "\tops: " + symbols.describe(u->ops) + " (" + symbols.describe(u->func) + ")"
                  : std::string("\tops: ERROR!");
      }
      out.enabled_functions.push_back(std::move(line));
    }
    page = p->u("next");
  }
  return out;
}

} // namespace mquire::hooks
