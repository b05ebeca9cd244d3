// SPDX-License-Identifier: Apache-2.0
#include "query.hpp"

#include <unistd.h>

#include <cstdlib>
#include <iostream>

#include <editline/readline.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace tool {
namespace {

std::string text_of(const mquire::sql::value& v) {
  if (const auto* s = std::get_if<std::string>(&v)) return *s;
  if (const auto* i = std::get_if<std::int64_t>(&v)) return std::to_string(*i);
  if (const auto* d = std::get_if<double>(&v)) return fmt::format("{}", *d);
  return {};
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string out = "\"";
  for (const char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

// Cells are printed on one line each: a newline inside one shows as \n.
std::string table_cell(const mquire::sql::value& v) {
  std::string out;
  for (const char c : text_of(v)) out += c == '\n' ? std::string("\\n") : std::string(1, c);
  return out;
}

// Columns' width in characters (UTF-8 continuation bytes do not count).
std::size_t width_of(const std::string& s) {
  std::size_t n = 0;
  for (const unsigned char c : s) n += (c & 0xc0) != 0x80;
  return n;
}

// Notes the tables gathered since the last call, once each.
void report_notes(const mquire::tables::dump_tables& tables, std::size_t& shown) {
  const auto& notes = tables.notes();
  for (; shown < notes.size(); ++shown) std::fprintf(stderr, "mquire: warning: %s\n", notes[shown].c_str());
}

void report_stats(const mquire::tables::dump_tables& tables) {
  const auto& w = tables.work();
  std::fprintf(stderr, "mquire: read: %llu tasks' command lines and environments, %llu tasks' open files, %llu tasks' "
                       "mappings\n",
               static_cast<unsigned long long>(w.task_details), static_cast<unsigned long long>(w.task_files),
               static_cast<unsigned long long>(w.task_maps));
}

// Runs `text` (statements, or one dot command) on `db`: 0, 1 or 2.
int execute(mquire::sql::database& db, mquire::tables::dump_tables& tables, const std::string& text,
            query_format format, std::size_t& notes_shown) {
  std::size_t start = text.find_first_not_of(" \t\r\n");
  if (start != std::string::npos && text[start] == '.') {
    auto dot = mquire::sql::dot_command(db, std::string_view(text).substr(start));
    if (!dot) {
      std::fprintf(stderr, "mquire: unknown command '%s' (.tables, .schema [TABLE])\n", text.substr(start).c_str());
      return 2;
    }
    if (!*dot) {
      std::fprintf(stderr, "mquire: %s\n", dot->err().message.c_str());
      return 1;
    }
    std::fputs((*dot)->c_str(), stdout);
    return 0;
  }
  auto r = db.run(text, [&](const mquire::sql::statement_result& s) { write_statement(stdout, s, format); });
  report_notes(tables, notes_shown);
  if (!r) {
    std::fprintf(stderr, "mquire: SQL: %s\n", r.err().message.c_str());
    return r.err().code == mquire::error_code::invalid_argument ? 2 : 1;
  }
  return 0;
}

} // namespace

void write_statement(std::FILE* out, const mquire::sql::statement_result& r, query_format format) {
  fmt::memory_buffer buf;
  auto put = [&](std::string_view s) { buf.append(s.data(), s.data() + s.size()); };
  if (format == query_format::json) {
    auto rows = nlohmann::json::array();
    for (const auto& row : r.rows) {
      auto o = nlohmann::json::object();
      for (std::size_t i = 0; i < r.columns.size(); ++i) {
        const auto& v = row[i];
        if (const auto* s = std::get_if<std::string>(&v)) o[r.columns[i]] = *s;
        else if (const auto* n = std::get_if<std::int64_t>(&v)) o[r.columns[i]] = *n;
        else if (const auto* d = std::get_if<double>(&v)) o[r.columns[i]] = *d;
        else o[r.columns[i]] = nullptr;
      }
      rows.push_back(std::move(o));
    }
    put(rows.dump(1, ' ', false, nlohmann::json::error_handler_t::replace));
    put("\n");
  } else if (format == query_format::csv) {
    for (std::size_t i = 0; i < r.columns.size(); ++i) put((i ? "," : "") + csv_field(r.columns[i]));
    put("\n");
    for (const auto& row : r.rows) {
      for (std::size_t i = 0; i < row.size(); ++i) put((i ? "," : "") + csv_field(text_of(row[i])));
      put("\n");
    }
  } else {
    std::vector<std::size_t> width(r.columns.size());
    std::vector<std::vector<std::string>> cells;
    for (std::size_t i = 0; i < r.columns.size(); ++i) width[i] = width_of(r.columns[i]);
    for (const auto& row : r.rows) {
      auto& c = cells.emplace_back();
      for (std::size_t i = 0; i < row.size(); ++i) {
        c.push_back(table_cell(row[i]));
        width[i] = std::max(width[i], width_of(c.back()));
      }
    }
    const auto line = [&](const std::vector<std::string>& v) {
      for (std::size_t i = 0; i < v.size(); ++i) {
        put(i ? " | " : "");
        put(v[i]);
        if (i + 1 < v.size()) put(std::string(width[i] - width_of(v[i]), ' '));
      }
      put("\n");
    };
    line(r.columns);
    for (std::size_t i = 0; i < width.size(); ++i) put((i ? "-+-" : "") + std::string(width[i], '-'));
    put("\n");
    for (const auto& c : cells) line(c);
    put(fmt::format("({} row{})\n", r.rows.size(), r.rows.size() == 1 ? "" : "s"));
  }
  std::fwrite(buf.data(), 1, buf.size(), out);
}

int run_query(mquire::tables::dump_tables& tables, const sql_request& req) {
  auto db = mquire::sql::database::open(tables);
  if (!db) {
    std::fprintf(stderr, "mquire: %s\n", db.err().message.c_str());
    return 3;
  }
  std::size_t shown = 0;
  const int rc = execute(**db, tables, req.sql, req.format, shown);
  if (req.stats) report_stats(tables);
  if (std::fflush(stdout) != 0) return 3;
  return rc;
}

int run_shell(mquire::tables::dump_tables& tables, const sql_request& req) {
  auto db = mquire::sql::database::open(tables);
  if (!db) {
    std::fprintf(stderr, "mquire: %s\n", db.err().message.c_str());
    return 3;
  }
  const bool interactive = ::isatty(0) != 0;
  std::string history;
  if (interactive) {
    if (const char* home = std::getenv("HOME")) history = std::string(home) + "/.mquire_history";
    using_history();
    if (!history.empty()) read_history(history.c_str());
    std::printf("mquire shell: SQL over the dump's tables; .tables lists them, .schema TABLE shows one, .quit ends\n");
  }
  std::size_t shown = 0;
  int last = 0;
  std::string pending;
  for (;;) {
    std::string line;
    if (interactive) {
      char* got = readline(pending.empty() ? "mquire> " : "   ...> ");
      if (!got) break;
      line = got;
      std::free(got);
    } else if (!std::getline(std::cin, line)) {
      break;
    }
    if (pending.empty()) {
      const auto first = line.find_first_not_of(" \t");
      if (first == std::string::npos) continue;
      if (line[first] == '.') { // a dot command is one line
        if (interactive) add_history(line.c_str());
        const std::string cmd = line.substr(first);
        if (cmd.rfind(".quit", 0) == 0 || cmd.rfind(".exit", 0) == 0) break;
        if (cmd.rfind(".help", 0) == 0) {
          std::printf(".tables            list the tables\n.schema [TABLE]    their columns and what each holds\n"
                      ".quit              leave\nSQL statements end with ';'\n");
          continue;
        }
        last = execute(**db, tables, cmd, req.format, shown);
        std::fflush(stdout);
        continue;
      }
    }
    pending += line + "\n";
    if (!sqlite3_complete(pending.c_str())) continue;
    if (interactive) {
      std::string one = pending;
      while (!one.empty() && one.back() == '\n') one.pop_back();
      add_history(one.c_str());
    }
    last = execute(**db, tables, pending, req.format, shown);
    pending.clear();
    std::fflush(stdout);
  }
  if (!pending.empty()) last = execute(**db, tables, pending, req.format, shown); // input ended mid-statement
  if (interactive && !history.empty()) write_history(history.c_str());
  if (req.stats) report_stats(tables);
  return interactive ? 0 : last;
}

} // namespace tool
