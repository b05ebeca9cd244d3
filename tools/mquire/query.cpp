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

// How far the tables' notes were shown: the kept lines, and the count the
// closing "left out" line had when last shown.
struct notes_shown {
  std::size_t lines = 0;
  std::size_t left_out = 0;
};

// Notes the tables gathered since the last call, once each; the closing
// line again when more were left out since.
void report_notes(const mquire::tables::dump_tables& tables, notes_shown& shown) {
  const auto& notes = tables.notes();
  for (; shown.lines < notes.kept(); ++shown.lines)
    std::fprintf(stderr, "mquire: warning: %s\n", notes[shown.lines].c_str());
  if (notes.left_out() > shown.left_out) {
    std::fprintf(stderr, "mquire: warning: %s\n", notes[notes.size() - 1].c_str());
    shown.left_out = notes.left_out();
  }
}

void report_stats(const mquire::tables::dump_tables& tables) {
  const auto& w = tables.work();
  std::fprintf(stderr, "mquire: read: %llu tasks' command lines and environments, %llu tasks' open files, %llu tasks' "
                       "mappings\n",
               static_cast<unsigned long long>(w.task_details), static_cast<unsigned long long>(w.task_files),
               static_cast<unsigned long long>(w.task_maps));
}

// Runs `text` (statements, or one dot command) on `db`.
exit_status execute(mquire::sql::database& db, mquire::tables::dump_tables& tables, const std::string& text,
                    query_format format, notes_shown& shown) {
  std::size_t start = text.find_first_not_of(" \t\r\n");
  if (start != std::string::npos && text[start] == '.') {
    auto dot = mquire::sql::dot_command(db, std::string_view(text).substr(start));
    if (!dot) {
      std::fprintf(stderr, "mquire: unknown command '%s' (.tables, .schema [TABLE])\n", text.substr(start).c_str());
      return usage;
    }
    if (!*dot) {
      std::fprintf(stderr, "mquire: %s\n", dot->err().message.c_str());
      return not_found;
    }
    std::fputs((*dot)->c_str(), stdout);
    return found;
  }
  statement_printer printer(stdout, format);
  auto r = db.stream(
      text, [&](const std::vector<std::string>& columns) { printer.begin(columns); },
      [&](const std::vector<mquire::sql::value>& values) { printer.row(values); }, [&] { printer.end(); });
  printer.flush();
  report_notes(tables, shown);
  if (!r) {
    std::fprintf(stderr, "mquire: SQL: %s\n", r.err().message.c_str());
    return sql_status_of(r.err().code);
  }
  return found;
}

} // namespace

statement_printer::statement_printer(std::FILE* out, query_format format) : out_(out), format_(format) {}

void statement_printer::flush() {
  std::fwrite(buf_.data(), 1, buf_.size(), out_);
  buf_.clear();
}

void statement_printer::put(std::string_view s) {
  buf_.append(s.data(), s.data() + s.size());
  if (buf_.size() > (1u << 20)) flush();
}

void statement_printer::begin(const std::vector<std::string>& columns) {
  columns_ = columns;
  rows_ = 0;
  cells_.clear();
  width_.assign(columns.size(), 0);
  for (std::size_t i = 0; i < columns.size(); ++i) width_[i] = width_of(columns[i]);
  if (format_ == query_format::csv) {
    for (std::size_t i = 0; i < columns.size(); ++i) put((i ? "," : "") + csv_field(columns[i]));
    put("\n");
  } else if (format_ == query_format::json) {
    put("[");
  }
}

void statement_printer::row(const std::vector<mquire::sql::value>& values) {
  if (format_ == query_format::json) {
    auto o = nlohmann::ordered_json::object();
    for (std::size_t i = 0; i < columns_.size() && i < values.size(); ++i) {
      const auto& v = values[i];
      if (const auto* s = std::get_if<std::string>(&v)) o[columns_[i]] = *s;
      else if (const auto* n = std::get_if<std::int64_t>(&v)) o[columns_[i]] = *n;
      else if (const auto* d = std::get_if<double>(&v)) o[columns_[i]] = *d;
      else o[columns_[i]] = nullptr;
    }
    put(rows_ ? ",\n " : "\n ");
    put(o.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace));
  } else if (format_ == query_format::csv) {
    for (std::size_t i = 0; i < values.size(); ++i) put((i ? "," : "") + csv_field(text_of(values[i])));
    put("\n");
  } else { // an aligned table needs every row's widths first
    auto& c = cells_.emplace_back();
    for (std::size_t i = 0; i < values.size(); ++i) {
      c.push_back(table_cell(values[i]));
      width_[i] = std::max(width_[i], width_of(c.back()));
    }
  }
  ++rows_;
}

void statement_printer::end() {
  if (format_ == query_format::json) {
    put(rows_ ? "\n]\n" : "]\n");
  } else if (format_ == query_format::table) {
    const auto line = [&](const std::vector<std::string>& v) {
      for (std::size_t i = 0; i < v.size(); ++i) {
        put(i ? " | " : "");
        put(v[i]);
        if (i + 1 < v.size()) put(std::string(width_[i] - width_of(v[i]), ' '));
      }
      put("\n");
    };
    line(columns_);
    for (std::size_t i = 0; i < width_.size(); ++i) put((i ? "-+-" : "") + std::string(width_[i], '-'));
    put("\n");
    for (const auto& c : cells_) line(c);
    put(fmt::format("({} row{})\n", rows_, rows_ == 1 ? "" : "s"));
    cells_.clear();
  }
  flush();
}

exit_status run_query(mquire::tables::dump_tables& tables, const sql_request& req) {
  auto db = mquire::sql::database::open(tables);
  if (!db) {
    std::fprintf(stderr, "mquire: %s\n", db.err().message.c_str());
    return unreadable;
  }
  notes_shown shown;
  const exit_status rc = execute(**db, tables, req.sql, req.format, shown);
  if (req.stats) report_stats(tables);
  if (std::fflush(stdout) != 0) return unreadable;
  return rc;
}

exit_status run_shell(mquire::tables::dump_tables& tables, const sql_request& req) {
  auto db = mquire::sql::database::open(tables);
  if (!db) {
    std::fprintf(stderr, "mquire: %s\n", db.err().message.c_str());
    return unreadable;
  }
  const bool interactive = ::isatty(0) != 0;
  std::string history;
  if (interactive) {
    if (const char* home = std::getenv("HOME")) history = std::string(home) + "/.mquire_history";
    using_history();
    if (!history.empty()) read_history(history.c_str());
    std::printf("mquire shell: SQL over the dump's tables; .tables lists them, .schema TABLE shows one, .quit ends\n");
  }
  notes_shown shown;
  exit_status last = found;
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
  return interactive ? found : last;
}

} // namespace tool
