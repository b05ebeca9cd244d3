// SPDX-License-Identifier: Apache-2.0
// SQL over a dump: `mquire query` runs statements (or a dot command) and
// prints their rows as an aligned table, CSV or JSON; `mquire shell` reads
// statements interactively, with line editing and history, and keeps every
// view it read for the next statement.
#pragma once

#include <cstdio>
#include <string>

#include <mquire/sql/sqlite_tables.hpp>

namespace tool {

enum class query_format { table, csv, json };

// One statement's rows, in `format`.
void write_statement(std::FILE* out, const mquire::sql::statement_result& r, query_format format);

struct sql_request {
  std::string sql;     // query: the statements (or a dot command)
  query_format format = query_format::table;
  bool stats = false;  // print the scans' work on stderr when done
};

// Exit status as the tool's: 0 ran, 1 a table could not be read, 2 bad SQL.
int run_query(mquire::tables::dump_tables& tables, const sql_request& req);
// Reads statements from standard input until end of input or .quit.
int run_shell(mquire::tables::dump_tables& tables, const sql_request& req);

} // namespace tool
