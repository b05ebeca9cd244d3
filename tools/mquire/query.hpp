// SPDX-License-Identifier: Apache-2.0
// SQL over a dump: `mquire query` runs statements (or a dot command) and
// prints their rows as an aligned table, CSV or JSON; `mquire shell` reads
// statements interactively, with line editing and history, and keeps every
// view it read for the next statement.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

#include <fmt/format.h>

#include <mquire/sql/sqlite_tables.hpp>

#include "failure.hpp"

namespace tool {

enum class query_format { table, csv, json };

// Prints statements' rows as they come: CSV and JSON row by row, an
// aligned table once its last row gives the columns' widths.
class statement_printer {
public:
  statement_printer(std::FILE* out, query_format format);
  void begin(const std::vector<std::string>& columns);
  void row(const std::vector<mquire::sql::value>& values);
  void end();
  void flush();

private:
  void put(std::string_view s);
  std::FILE* out_;
  query_format format_;
  fmt::memory_buffer buf_;
  std::vector<std::string> columns_;
  std::vector<std::size_t> width_;
  std::vector<std::vector<std::string>> cells_;
  std::size_t rows_ = 0;
};

struct sql_request {
  std::string sql;     // query: the statements (or a dot command)
  query_format format = query_format::table;
  bool stats = false;  // print the scans' work on stderr when done
};

// Exit status as the tool's: 0 ran, 1 a table could not be read, 2 bad SQL.
exit_status run_query(mquire::tables::dump_tables& tables, const sql_request& req);
// Reads statements from standard input until end of input or .quit.
exit_status run_shell(mquire::tables::dump_tables& tables, const sql_request& req);

} // namespace tool
