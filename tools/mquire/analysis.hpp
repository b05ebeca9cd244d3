// SPDX-License-Identifier: Apache-2.0
// The tool's stages in their order, the same for every command: open the
// input, search it (and, when it holds no table, the compressed kernel it
// may wrap), settle the best table's addresses, and read what the command
// needs beyond the table (kernel memory, BTF, modules). main.cpp parses
// options and prints what this returns; the tests call it as the tool does.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <variant>

#include "addressing.hpp"
#include "failure.hpp"
#include "kernel_view.hpp"
#include "scan.hpp"
#include "segments.hpp"

namespace tool {

struct analysis_request {
  std::string file;
  std::optional<input_format> forced; // --input; detected from content when nullopt
  scan_options scan;
  // What to read beyond the table once one is found, decided when it is
  // known whether it was found in a memory dump (physical addresses) or in
  // a kernel file; nullopt reads nothing more. Empty: nothing more either.
  std::function<std::optional<view_request>(bool is_dump)> beyond_table;
};

struct analysis {
  std::unique_ptr<input> in; // the kernel wrapped in the file when the file held no table of its own
  scan_result scanned;
  std::optional<addressing> addr; // the best table's, when one was found
  std::optional<kernel_view> view;
  // Why the search did not go on into an embedded kernel, when it found no
  // table: appended to the not-found message.
  std::string unwrap_note;

  bool has_table() const { return !scanned.tables.empty(); }
  const found_table& best() const { return scanned.tables.front(); }
  // The table's addresses are physical: the input is a memory dump.
  bool is_dump() const { return has_table() && best().where.address_is_physical; }
  // What was searched and how far the search got, for `file`.
  std::string not_found_message(const std::string& file) const;
};

// Fails only when the input cannot be opened or read; an input without a
// table is an analysis whose has_table() is false.
std::variant<analysis, failure> analyze(const analysis_request& req);

} // namespace tool
