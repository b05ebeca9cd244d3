// SPDX-License-Identifier: Apache-2.0
// A Volatility 3 symbol table (ISF JSON, format 6.2.0) for a kernel, from
// what the kernel itself holds: its types from BTF and its symbols from
// kallsyms. No debug package is needed.
//
// Addresses are the table's as given (for a dump, where the running kernel
// had them, KASLR included: Volatility then computes a shift of zero). The
// `linux_banner` symbol carries the banner's bytes as constant data, which is
// how Volatility matches this table to a dump.
//
// BTF types functions and per-CPU variables, not ordinary globals. The
// globals Volatility's Linux plugins read get their C type from
// `known_variables` below, and only when the kernel's BTF has that type and,
// for an object, the symbol's extent (up to the next symbol) holds it.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "../btf/lookup.hpp"
#include "../btf/types.hpp"
#include "../addressing/resolve.hpp"
#include "../detail/base64.hpp"
#include "../error.hpp"
#include "../memory/virtual_memory.hpp"
#include "../kallsyms/table.hpp"
#include "isf_types.hpp"
#include "json_writer.hpp"
#include "symbol_entry.hpp"

namespace mquire::isf {

inline constexpr std::string_view format_version = "6.2.0";

using output::symbol_entry;
using output::symbols_of;

// How a known global is built from its named type T.
enum class shape : std::uint8_t {
  object,                 // T
  pointer,                // T *
  pointer_to_pointer,     // T **
  array,                  // T[]
  pointer_array,          // T *[]
  function_pointer_array, // (*[])() (T unused)
};

struct known_variable {
  std::string_view symbol;
  btf::kind kind; // of the named type: struct_, union_, typedef_ or int_
  std::string_view type;
  shape form;
};

// Globals Volatility 3's Linux support reads by name (automagic: init_task,
// init_files, the page-table root, linux_banner; plugins: pslist, lsmod,
// psaux, kmsg, check_syscall, check_idt, iomem, sockstat, ...), with their C
// declarations in the kernel sources. Types that differ between kernels are
// left to BTF's check: a symbol whose type this kernel lacks stays untyped.
inline constexpr known_variable known_variables[] = {
    {"init_task", btf::kind::struct_, "task_struct", shape::object},
    {"init_files", btf::kind::struct_, "files_struct", shape::object},
    {"init_mm", btf::kind::struct_, "mm_struct", shape::object},
    {"init_fs", btf::kind::struct_, "fs_struct", shape::object},
    {"init_nsproxy", btf::kind::struct_, "nsproxy", shape::object},
    {"init_pid_ns", btf::kind::struct_, "pid_namespace", shape::object},
    {"init_uts_ns", btf::kind::struct_, "uts_namespace", shape::object},
    {"init_ipc_ns", btf::kind::struct_, "ipc_namespace", shape::object},
    {"init_user_ns", btf::kind::struct_, "user_namespace", shape::object},
    {"init_net", btf::kind::struct_, "net", shape::object},
    {"init_cred", btf::kind::struct_, "cred", shape::object},
    {"init_sighand", btf::kind::struct_, "sighand_struct", shape::object},
    {"modules", btf::kind::struct_, "list_head", shape::object},
    {"super_blocks", btf::kind::struct_, "list_head", shape::object},
    {"net_namespace_list", btf::kind::struct_, "list_head", shape::object},
    {"tty_drivers", btf::kind::struct_, "list_head", shape::object},
    {"init_top_pgt", btf::kind::typedef_, "pgd_t", shape::array},
    {"init_level4_pgt", btf::kind::typedef_, "pgd_t", shape::array},
    {"swapper_pg_dir", btf::kind::typedef_, "pgd_t", shape::array},
    {"linux_banner", btf::kind::int_, "char", shape::array},
    {"linux_proc_banner", btf::kind::int_, "char", shape::array},
    {"boot_command_line", btf::kind::int_, "char", shape::array},
    {"saved_command_line", btf::kind::int_, "char", shape::pointer},
    {"_text", btf::kind::int_, "char", shape::array},
    {"_stext", btf::kind::int_, "char", shape::array},
    {"_etext", btf::kind::int_, "char", shape::array},
    {"_sdata", btf::kind::int_, "char", shape::array},
    {"_edata", btf::kind::int_, "char", shape::array},
    {"__bss_start", btf::kind::int_, "char", shape::array},
    {"_end", btf::kind::int_, "char", shape::array},
    {"sys_call_table", btf::kind::int_, "char", shape::function_pointer_array},
    {"ia32_sys_call_table", btf::kind::int_, "char", shape::function_pointer_array},
    {"x32_sys_call_table", btf::kind::int_, "char", shape::function_pointer_array},
    {"prb", btf::kind::struct_, "printk_ringbuffer", shape::pointer},
    {"printk_rb_static", btf::kind::struct_, "printk_ringbuffer", shape::object},
    {"printk_rb_dynamic", btf::kind::struct_, "printk_ringbuffer", shape::object},
    {"log_buf", btf::kind::int_, "char", shape::pointer},
    {"log_buf_len", btf::kind::int_, "unsigned int", shape::object},
    {"cap_last_cap", btf::kind::int_, "int", shape::object},
    {"nr_threads", btf::kind::int_, "int", shape::object},
    {"vmemmap_base", btf::kind::int_, "long unsigned int", shape::object},
    {"page_offset_base", btf::kind::int_, "long unsigned int", shape::object},
    {"vmalloc_base", btf::kind::int_, "long unsigned int", shape::object},
    {"jiffies", btf::kind::int_, "long unsigned int", shape::object},
    {"jiffies_64", btf::kind::int_, "long long unsigned int", shape::object},
    {"mem_map", btf::kind::struct_, "page", shape::pointer},
    {"mem_section", btf::kind::struct_, "mem_section", shape::pointer_to_pointer},
    {"node_data", btf::kind::struct_, "pglist_data", shape::pointer_array},
    {"idt_table", btf::kind::struct_, "gate_struct", shape::array},
    {"keyboard_notifier_list", btf::kind::struct_, "atomic_notifier_head", shape::object},
    {"mount_hashtable", btf::kind::struct_, "hlist_head", shape::pointer},
    {"iomem_resource", btf::kind::struct_, "resource", shape::object},
    {"ioport_resource", btf::kind::struct_, "resource", shape::object},
    {"tcp_hashinfo", btf::kind::struct_, "inet_hashinfo", shape::object},
    {"udp_table", btf::kind::struct_, "udp_table", shape::object},
    {"module_kset", btf::kind::struct_, "kset", shape::pointer},
    {"mod_tree", btf::kind::struct_, "mod_tree_root", shape::object},
    {"prog_idr", btf::kind::struct_, "idr", shape::object},
    {"map_idr", btf::kind::struct_, "idr", shape::object},
    {"link_idr", btf::kind::struct_, "idr", shape::object},
    {"net_families", btf::kind::struct_, "net_proto_family", shape::pointer_array},
    {"inet_protos", btf::kind::struct_, "net_protocol", shape::pointer_array},
};

struct options {
  std::string_view banner;            // linux_banner's bytes as stored, NUL included; empty: unknown
  std::string_view producer = "mquire";
  std::string_view producer_version;
  unsigned pointer_size = 8;
};

struct report {
  std::size_t user_types = 0, enums = 0, symbols = 0;
  std::size_t typed_from_btf = 0;   // per-CPU and other variables BTF types itself
  std::size_t typed_from_table = 0; // globals typed by known_variables
  std::vector<std::string> left_untyped; // known globals present but not confirmed, and why
};

namespace detail {

// The BTF type id of a known variable's named type, or why there is none.
inline std::optional<std::uint32_t> named_type(const btf::type_info& t, const known_variable& k) {
  if (auto id = btf::find_type(t, k.type, k.kind)) return id;
  if (k.kind == btf::kind::struct_) return btf::find_type(t, k.type, btf::kind::union_);
  return std::nullopt;
}

// Bytes an object of the known variable's shape takes (nullopt: not fixed).
inline std::optional<std::uint64_t> shape_size(const btf::type_info& t, std::uint32_t id, shape s, unsigned ptr) {
  switch (s) {
  case shape::object: return btf::size_of(t, id, ptr);
  case shape::pointer:
  case shape::pointer_to_pointer: return ptr;
  default: return std::nullopt; // arrays of unknown length
  }
}

template <class Sink>
void write_shape(json_writer<Sink>& w, const type_writer& types, std::uint32_t id, shape s) {
  const auto pointer_to = [&](auto&& inner) {
    w.begin_object();
    w.member("kind", "pointer");
    w.key("subtype");
    inner();
    w.end_object();
  };
  const auto array_of = [&](auto&& inner) {
    w.begin_object();
    w.member("count", std::uint64_t{0});
    w.member("kind", "array");
    w.key("subtype");
    inner();
    w.end_object();
  };
  const auto named = [&] { types.descriptor(w, id); };
  switch (s) {
  case shape::object: named(); break;
  case shape::pointer: pointer_to(named); break;
  case shape::pointer_to_pointer: pointer_to([&] { pointer_to(named); }); break;
  case shape::array: array_of(named); break;
  case shape::pointer_array: array_of([&] { pointer_to(named); }); break;
  case shape::function_pointer_array:
    array_of([&] { pointer_to([&] { type_writer::function_descriptor(w); }); });
    break;
  }
}

} // namespace detail

// Writes the ISF document to `sink` (a callable taking std::string_view).
// `symbols` are the kernel's, in table order; a name that occurs more than
// once (static symbols of different files) is written at its first address.
template <class Sink>
result<report> write_isf(const btf::type_info& types, std::span<const symbol_entry> symbols, const options& o,
                         Sink&& sink) {
  if (types.size() == 0) return make_error(error_code::not_found, "ISF: the BTF holds no types");
  if (o.pointer_size != 4 && o.pointer_size != 8)
    return make_error(error_code::invalid_argument, "ISF: pointer size " + std::to_string(o.pointer_size) + " is not 4 or 8");
  report rep;
  const type_writer tw(types, o.pointer_size);

  // Variables BTF types itself (VAR records: per-CPU data and a few others).
  std::unordered_map<std::string_view, std::uint32_t> btf_vars;
  for (std::uint32_t id = types.first_id(); id <= types.last_id(); ++id)
    if (const auto v = types.type(id); v && v->kind == btf::kind::var && !v->name.empty())
      btf_vars.emplace(v->name, v->size_or_type);
  std::unordered_map<std::string_view, const known_variable*> known;
  for (const auto& k : known_variables) known.emplace(k.symbol, &k);

  // Each symbol's extent ends at the next higher address: an object whose
  // type is larger than that cannot be this symbol.
  std::vector<std::uint64_t> addresses;
  addresses.reserve(symbols.size());
  for (const auto& s : symbols) addresses.push_back(s.address);
  std::sort(addresses.begin(), addresses.end());
  addresses.erase(std::unique(addresses.begin(), addresses.end()), addresses.end());
  const auto extent = [&](std::uint64_t a) -> std::optional<std::uint64_t> {
    const auto it = std::upper_bound(addresses.begin(), addresses.end(), a);
    if (it == addresses.end()) return std::nullopt;
    return *it - a;
  };

  json_writer<std::remove_reference_t<Sink>> w(sink);
  w.begin_object();
  w.key("metadata");
  w.begin_object();
  w.member("format", format_version);
  w.key("producer");
  w.begin_object();
  w.member("name", o.producer);
  w.member("version", o.producer_version);
  w.end_object();
  w.end_object();

  w.key("base_types");
  w.begin_object();
  tw.base_types(w);
  w.end_object();
  w.key("user_types");
  w.begin_object();
  rep.user_types = tw.user_types(w);
  w.end_object();
  w.key("enums");
  w.begin_object();
  rep.enums = tw.enums(w);
  w.end_object();

  w.key("symbols");
  w.begin_object();
  std::unordered_set<std::string_view> written;
  written.reserve(symbols.size());
  for (const auto& s : symbols) {
    if (s.name.empty() || !written.insert(s.name).second) continue;
    ++rep.symbols;
    w.key(s.name);
    w.begin_object();
    w.member("address", s.address);
    if (auto v = btf_vars.find(s.name); v != btf_vars.end()) {
      w.key("type");
      tw.descriptor(w, v->second);
      ++rep.typed_from_btf;
    } else if (auto k = known.find(s.name); k != known.end()) {
      const known_variable& kv = *k->second;
      const auto id = detail::named_type(types, kv);
      // 0 when the size is not fixed; the largest value when nothing follows.
      const std::uint64_t need = id ? detail::shape_size(types, *id, kv.form, o.pointer_size).value_or(0) : 0;
      const std::uint64_t room = extent(s.address).value_or(~std::uint64_t{0});
      if (!id) {
        rep.left_untyped.push_back(std::string(s.name) + ": this kernel's BTF has no type " + std::string(kv.type));
      } else if (need > room) {
        rep.left_untyped.push_back(std::string(s.name) + ": its type " + std::string(kv.type) + " takes " +
                                   std::to_string(need) + " bytes, but the next symbol is " + std::to_string(room) +
                                   " bytes further");
      } else {
        w.key("type");
        detail::write_shape(w, tw, *id, kv.form);
        ++rep.typed_from_table;
      }
    }
    if (s.name == "linux_banner" && !o.banner.empty()) {
      w.member("constant_data", mquire::detail::base64(o.banner));
    }
    w.end_object();
  }
  w.end_object();
  w.end_object();
  w.flush();
  return rep;
}

// linux_banner's bytes as memory holds them ("Linux version ...\n" and the
// NUL), which is what Volatility looks for; nullopt when the table has no
// linux_banner or memory does not hold a banner there.
inline std::optional<std::string> banner_from_memory(const kallsyms_table& t, const virtual_memory& m) {
  const symbol* banner = mquire::detail::find_symbol(t, "linux_banner");
  if (!banner) return std::nullopt;
  auto text = m.c_string(banner->address, 1024);
  if (!text || text->rfind("Linux version ", 0) != 0) return std::nullopt;
  text->push_back('\0');
  return text;
}

} // namespace mquire::isf
