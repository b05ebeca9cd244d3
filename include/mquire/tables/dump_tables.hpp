// SPDX-License-Identifier: Apache-2.0
// Every table of one dump, by name: the rows any embedder (or the SQL
// layer) reads. Views are read once per dump_tables and kept, so a session
// of queries reads the dump once.
//
//   mquire::tables::dump_tables tables(table, btf, kernel_memory);
//   tables.scan("tasks", {}, [](mquire::tables::row&& r) { ...; return true; });
#pragma once

#include <string_view>

#include "kernel_rows.hpp"
#include "process_rows.hpp"
#include "schemas.hpp"
#include "system_rows.hpp"
#include "../notes.hpp"

namespace mquire::tables {

class dump_tables {
public:
  dump_tables(const kallsyms_table& t, const btf::type_info& btf, const kernel_memory& memory) : ctx_(t, btf, memory) {}

  static const std::vector<table_schema>& schemas() { return all_schemas(); }

  // Every row of `table` that `req`'s constraints allow (a row may still
  // fail them on columns that are not keys: the caller filters). An error
  // says which view could not be read and why.
  result<bool> scan(std::string_view table, const scan_request& req, const row_sink& sink) {
    const table_schema* s = find_schema(table);
    if (!s) return make_error(error_code::not_found, "no table named " + std::string(table));
    using scan_fn = result<bool> (*)(dump_context&, const table_schema&, const scan_request&, const row_sink&);
    static const std::pair<std::string_view, scan_fn> scans[] = {
        {"tasks", scan_tasks},
        {"task_open_files", scan_task_open_files},
        {"memory_mappings", scan_memory_mappings},
        {"task_capabilities", scan_task_capabilities},
        {"task_ptrace_flags", scan_task_ptrace_flags},
        {"kernel_modules", scan_kernel_modules},
        {"kernel_module_mem_entries", scan_kernel_module_mem_entries},
        {"kallsyms", scan_kallsyms},
        {"network_connections", scan_network_connections},
        {"network_interfaces", scan_network_interfaces},
        {"dmesg", scan_dmesg},
        {"log_messages", scan_log_messages},
        {"boot_time", scan_identity},
        {"os_version", scan_identity},
        {"system_info", scan_identity},
        {"mounts", scan_mounts},
        {"cached_files", scan_cached_files},
        {"syslog_file", scan_syslog_file},
        {"ftrace_ops", scan_ftrace_ops},
        {"hooks", scan_hooks},
        {"btf_types", scan_btf_types},
        {"btf_members", scan_btf_members},
    };
    for (const auto& [name, fn] : scans)
      if (name == table) {
        auto r = fn(ctx_, *s, req, sink);
        if (!r) return make_error(r.err().code, std::string(table) + ": " + r.err().message);
        return r;
      }
    return make_error(error_code::not_found, "table " + std::string(table) + " has no reader");
  }

  // Every row of `table`, collected: for embedders that want a vector.
  result<std::vector<row>> rows(std::string_view table, const scan_request& req = {}) {
    std::vector<row> out;
    auto r = scan(table, req, [&](row&& x) {
      out.push_back(std::move(x));
      return true;
    });
    if (!r) return r.err();
    return out;
  }

  const mquire::notes& notes() const noexcept { return ctx_.notes(); }
  const scan_work& work() const noexcept { return ctx_.work(); }
  dump_context& context() noexcept { return ctx_; }

private:
  dump_context ctx_;
};

} // namespace mquire::tables
