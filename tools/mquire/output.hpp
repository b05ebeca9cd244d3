// SPDX-License-Identifier: Apache-2.0
// Rendering: /proc/kallsyms text, JSON, and the `inspect` report.
#pragma once

#include <cstdio>
#include <string>

#include "addressing.hpp"
#include "kernel_view.hpp"
#include "scan.hpp"

namespace tool {

// /proc/kallsyms lines: address zero-padded to the word size, type, name.
void write_kallsyms(std::FILE* out, const mquire::kallsyms_table& t);
// Module lines as /proc/kallsyms ends: "ADDRESS TYPE NAME\t[MODULE]".
void write_module_kallsyms(std::FILE* out, const mquire::modules::module_list& m, unsigned word_size);
// The lines after the modules': ftrace, BPF and kprobe code made at run time.
void write_builtin_kallsyms(std::FILE* out, const mquire::modules::builtin_symbol_list& list, unsigned word_size);
// /proc/modules lines.
void write_proc_modules(std::FILE* out, const mquire::modules::module_list& m, unsigned word_size);
// `v` (may be null) adds the modules.
void write_kallsyms_json(std::FILE* out, const found_table& f, const input_map& map, const addressing* a,
                         const kernel_view* v);
// `a` and `v` describe r.tables.front() (nullptr when nothing was found).
void write_inspect(std::FILE* out, const scan_result& r, const input_map& map, const std::string& path,
                   const addressing* a, const kernel_view* v);
void write_inspect_json(std::FILE* out, const scan_result& r, const input_map& map, const std::string& path,
                        const addressing* a, const kernel_view* v);

// A warning for stderr when addresses are not what the kernel would print, or empty.
std::string address_warning(const found_table& f, const addressing& a);
// A warning for stderr when entries of the table were left out as damaged, or empty.
std::string damage_warning(const mquire::kallsyms_table& t);

} // namespace tool
