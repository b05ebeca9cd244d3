// SPDX-License-Identifier: Apache-2.0
// SQL over a dump's tables: an in-memory SQLite database in which every
// mquire table is an eponymous virtual table. Equality constraints on a
// table's key columns (a task, a pid, a module) are handed to the scan
// (xBestIndex), so that a per-process table joined to tasks reads only the
// tasks the query reaches. The Rust mquire's helper functions are there
// too: raw_vaddr(vaddr) gives an address's 16 hex digits, expect(value,
// message) fails the query with `message` when value is NULL.
//
// Needs SQLite 3.38 or later (Debian 12 has 3.40) and linking -lsqlite3.
#pragma once

#include <sqlite3.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "../tables/dump_tables.hpp"

namespace mquire::sql {

// A result cell: SQL can compute values the tables never hold (real numbers).
using value = std::variant<std::monostate, std::int64_t, double, std::string>;

struct statement_result {
  std::vector<std::string> columns;
  std::vector<std::vector<value>> rows;
};

// CREATE TABLE as SQLite is told each table looks (also what .schema prints).
inline std::string schema_sql(const tables::table_schema& s) {
  std::string out = "CREATE TABLE " + std::string(s.name) + "(";
  for (std::size_t i = 0; i < s.columns.size(); ++i) {
    const auto& c = s.columns[i];
    out += (i ? ", " : "") + std::string(c.name) + (c.type == tables::column_type::integer ? " INTEGER" : " TEXT");
    if (c.hidden) out += " HIDDEN";
  }
  return out + ")";
}

namespace detail {

struct registration {
  tables::dump_tables* tables = nullptr;
  const tables::table_schema* schema = nullptr;
};

struct vtab : sqlite3_vtab {
  registration reg;
  // The last unconstrained scan, by the columns it read: a table on the
  // inner side of a join without a usable key is scanned once, not per row.
  std::map<std::string, std::shared_ptr<const std::vector<tables::row>>> whole;
};

struct cursor : sqlite3_vtab_cursor {
  std::shared_ptr<const std::vector<tables::row>> rows;
  std::size_t at = 0;
};

inline void set_error(sqlite3_vtab* v, const std::string& msg) {
  sqlite3_free(v->zErrMsg);
  v->zErrMsg = sqlite3_mprintf("%s", msg.c_str());
}

inline int connect(sqlite3* db, void* aux, int, const char* const*, sqlite3_vtab** out, char** err) {
  const auto* reg = static_cast<const registration*>(aux);
  const int rc = sqlite3_declare_vtab(db, schema_sql(*reg->schema).c_str());
  if (rc != SQLITE_OK) {
    *err = sqlite3_mprintf("%s: cannot declare its columns", std::string(reg->schema->name).c_str());
    return rc;
  }
  auto* v = new (std::nothrow) vtab();
  if (!v) return SQLITE_NOMEM;
  v->reg = *reg;
  *out = v;
  return SQLITE_OK;
}

inline int disconnect(sqlite3_vtab* v) {
  delete static_cast<vtab*>(v);
  return SQLITE_OK;
}

// idxStr: "COLUMNS_USED;KEY,KEY,..." (the key columns whose values follow in argv).
inline int best_index(sqlite3_vtab* base, sqlite3_index_info* info) {
  const auto& s = *static_cast<vtab*>(base)->reg.schema;
  std::string keys;
  int argv = 0;
  bool has_keys = false;
  for (const auto& c : s.columns) has_keys = has_keys || c.key;
  for (int i = 0; i < info->nConstraint; ++i) {
    const auto& c = info->aConstraint[i];
    if (!c.usable || c.op != SQLITE_INDEX_CONSTRAINT_EQ || c.iColumn < 0) continue;
    const auto col = static_cast<std::size_t>(c.iColumn);
    if (col >= s.columns.size() || !s.columns[col].key) continue;
    info->aConstraintUsage[i].argvIndex = ++argv;
    info->aConstraintUsage[i].omit = 0; // SQLite checks again: text and integer forms compare as SQL says
    keys += (keys.empty() ? "" : ",") + std::to_string(col);
  }
  const std::string idx = std::to_string(static_cast<unsigned long long>(info->colUsed)) + ";" + keys;
  info->idxStr = sqlite3_mprintf("%s", idx.c_str());
  info->needToFreeIdxStr = 1;
  // A keyed scan is cheap; an unkeyed scan of a per-task table reads every
  // process, so SQLite is steered to reach it through a key when it can.
  if (argv > 0) {
    info->estimatedCost = 10;
    info->estimatedRows = 10;
  } else {
    info->estimatedCost = has_keys && s.name != "tasks" ? 1e6 : 1e4;
    info->estimatedRows = has_keys && s.name != "tasks" ? 100000 : 1000;
  }
  return SQLITE_OK;
}

inline int open(sqlite3_vtab*, sqlite3_vtab_cursor** out) {
  auto* c = new (std::nothrow) cursor();
  if (!c) return SQLITE_NOMEM;
  *out = c;
  return SQLITE_OK;
}

inline int close(sqlite3_vtab_cursor* c) {
  delete static_cast<cursor*>(c);
  return SQLITE_OK;
}

inline tables::cell cell_of(sqlite3_value* v) {
  switch (sqlite3_value_type(v)) {
  case SQLITE_INTEGER: return tables::cell(static_cast<std::int64_t>(sqlite3_value_int64(v)));
  case SQLITE_TEXT: {
    const auto* t = sqlite3_value_text(v);
    return tables::cell(std::string(reinterpret_cast<const char*>(t), static_cast<std::size_t>(sqlite3_value_bytes(v))));
  }
  case SQLITE_FLOAT: {
    const double d = sqlite3_value_double(v);
    const auto i = static_cast<std::int64_t>(d);
    if (static_cast<double>(i) == d) return tables::cell(i);
    return tables::cell(std::string("not an integer"));
  }
  default: return {};
  }
}

inline int filter(sqlite3_vtab_cursor* base, int, const char* idx, int argc, sqlite3_value** argv) {
  auto* c = static_cast<cursor*>(base);
  auto* v = static_cast<vtab*>(c->pVtab);
  const std::string spec = idx ? idx : "";
  const auto semi = spec.find(';');
  tables::scan_request req;
  req.columns_used = semi == std::string::npos ? ~std::uint64_t{0} : std::strtoull(spec.substr(0, semi).c_str(), nullptr, 10);
  std::vector<tables::constraint> constraints;
  if (semi != std::string::npos) {
    std::size_t at = semi + 1;
    int arg = 0;
    while (at < spec.size() && arg < argc) {
      const auto comma = spec.find(',', at);
      const auto col = std::strtoull(spec.substr(at, comma - at).c_str(), nullptr, 10);
      tables::cell value = cell_of(argv[arg++]);
      if (std::holds_alternative<std::monostate>(value)) { // col = NULL is never true
        c->rows = std::make_shared<std::vector<tables::row>>();
        c->at = 0;
        return SQLITE_OK;
      }
      constraints.push_back({static_cast<std::size_t>(col), std::move(value)});
      at = comma == std::string::npos ? spec.size() : comma + 1;
    }
  }
  req.constraints = constraints;
  const std::string whole_key = constraints.empty() ? spec.substr(0, semi) : std::string();
  if (constraints.empty())
    if (const auto it = v->whole.find(whole_key); it != v->whole.end()) {
      c->rows = it->second;
      c->at = 0;
      return SQLITE_OK;
    }
  auto rows = std::make_shared<std::vector<tables::row>>();
  auto r = v->reg.tables->scan(v->reg.schema->name, req, [&](tables::row&& x) {
    rows->push_back(std::move(x));
    return true;
  });
  if (!r) {
    set_error(v, r.err().message);
    return SQLITE_ERROR;
  }
  if (constraints.empty()) v->whole[whole_key] = rows;
  c->rows = std::move(rows);
  c->at = 0;
  return SQLITE_OK;
}

inline int next(sqlite3_vtab_cursor* c) {
  ++static_cast<cursor*>(c)->at;
  return SQLITE_OK;
}

inline int eof(sqlite3_vtab_cursor* base) {
  const auto* c = static_cast<cursor*>(base);
  return !c->rows || c->at >= c->rows->size();
}

inline int column(sqlite3_vtab_cursor* base, sqlite3_context* ctx, int i) {
  const auto* c = static_cast<cursor*>(base);
  const auto& row = (*c->rows)[c->at];
  if (i < 0 || static_cast<std::size_t>(i) >= row.size()) {
    sqlite3_result_null(ctx);
    return SQLITE_OK;
  }
  const auto& cell = row[static_cast<std::size_t>(i)];
  if (const auto* n = std::get_if<std::int64_t>(&cell)) sqlite3_result_int64(ctx, *n);
  else if (const auto* s = std::get_if<std::string>(&cell))
    sqlite3_result_text(ctx, s->data(), static_cast<int>(s->size()), SQLITE_TRANSIENT);
  else sqlite3_result_null(ctx);
  return SQLITE_OK;
}

inline int rowid(sqlite3_vtab_cursor* c, sqlite3_int64* out) {
  *out = static_cast<sqlite3_int64>(static_cast<cursor*>(c)->at + 1);
  return SQLITE_OK;
}

inline const sqlite3_module& module() {
  static const sqlite3_module m = [] {
    sqlite3_module x{};
    x.iVersion = 0;
    x.xCreate = nullptr; // eponymous only: `SELECT * FROM tasks` needs no CREATE VIRTUAL TABLE
    x.xConnect = connect;
    x.xBestIndex = best_index;
    x.xDisconnect = disconnect;
    x.xDestroy = disconnect;
    x.xOpen = open;
    x.xClose = close;
    x.xFilter = filter;
    x.xNext = next;
    x.xEof = eof;
    x.xColumn = column;
    x.xRowid = rowid;
    return x;
  }();
  return m;
}

inline void raw_vaddr(sqlite3_context* ctx, int, sqlite3_value** argv) {
  const auto c = cell_of(argv[0]);
  const auto a = tables::address_of(c);
  if (!a) {
    sqlite3_result_null(ctx);
    return;
  }
  const auto text = tables::hex16(*a);
  sqlite3_result_text(ctx, text.c_str(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
}

inline void expect(sqlite3_context* ctx, int, sqlite3_value** argv) {
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL) {
    const auto* msg = sqlite3_value_text(argv[1]);
    sqlite3_result_error(ctx, msg ? reinterpret_cast<const char*>(msg) : "expect: NULL", -1);
    return;
  }
  sqlite3_result_value(ctx, argv[0]);
}

inline value value_of(sqlite3_stmt* st, int i) {
  switch (sqlite3_column_type(st, i)) {
  case SQLITE_INTEGER: return static_cast<std::int64_t>(sqlite3_column_int64(st, i));
  case SQLITE_FLOAT: return sqlite3_column_double(st, i);
  case SQLITE_TEXT:
    return std::string(reinterpret_cast<const char*>(sqlite3_column_text(st, i)),
                       static_cast<std::size_t>(sqlite3_column_bytes(st, i)));
  case SQLITE_BLOB: {
    const auto* b = static_cast<const std::uint8_t*>(sqlite3_column_blob(st, i));
    std::string hex;
    for (int k = 0; k < sqlite3_column_bytes(st, i); ++k) hex += mquire::detail::hex_digits(b[k], 2);
    return hex;
  }
  default: return std::monostate{};
  }
}

} // namespace detail

// One session: the tables of a dump, queried with SQL. Views read for one
// query are kept for the next.
class database {
public:
  static result<std::unique_ptr<database>> open(tables::dump_tables& t) {
    std::unique_ptr<database> d(new database());
    if (sqlite3_open_v2(":memory:", &d->db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) != SQLITE_OK)
      return make_error(error_code::unsupported, "SQLite: cannot open an in-memory database");
    for (const auto& s : t.schemas()) {
      d->regs_.push_back(std::make_unique<detail::registration>(detail::registration{&t, &s}));
      const std::string name(s.name);
      if (sqlite3_create_module_v2(d->db_, name.c_str(), &detail::module(), d->regs_.back().get(), nullptr) != SQLITE_OK)
        return make_error(error_code::unsupported, "SQLite: cannot register table " + name + ": " + sqlite3_errmsg(d->db_));
    }
    sqlite3_create_function_v2(d->db_, "raw_vaddr", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC, nullptr, detail::raw_vaddr,
                               nullptr, nullptr, nullptr);
    sqlite3_create_function_v2(d->db_, "expect", 2, SQLITE_UTF8 | SQLITE_DETERMINISTIC, nullptr, detail::expect, nullptr,
                               nullptr, nullptr);
    return d;
  }

  ~database() { sqlite3_close(db_); }
  database(const database&) = delete;
  database& operator=(const database&) = delete;

  // Runs every statement of `sql`, streaming: `columns(names)` when a
  // statement that returns rows (SELECT, PRAGMA ...) starts, `row(values)`
  // for each of its rows as SQLite produces it, `done()` when it ends.
  template <typename Columns, typename Row, typename Done>
  result<bool> stream(std::string_view sql, Columns columns, Row row, Done done) {
    std::string text(sql);
    const char* at = text.c_str();
    const char* end = at + text.size();
    std::vector<value> values;
    while (at < end) {
      sqlite3_stmt* st = nullptr;
      const char* rest = nullptr;
      if (sqlite3_prepare_v2(db_, at, static_cast<int>(end - at), &st, &rest) != SQLITE_OK)
        return make_error(error_code::invalid_argument, sqlite3_errmsg(db_)); // the SQL itself
      at = rest;
      if (!st) continue; // whitespace or a comment
      const int n = sqlite3_column_count(st);
      if (n > 0) {
        std::vector<std::string> names;
        for (int i = 0; i < n; ++i) names.emplace_back(sqlite3_column_name(st, i));
        columns(names);
      }
      int rc;
      while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        values.clear();
        for (int i = 0; i < n; ++i) values.push_back(detail::value_of(st, i));
        row(values);
      }
      if (rc != SQLITE_DONE) {
        std::string msg = sqlite3_errmsg(db_);
        sqlite3_finalize(st);
        return make_error(error_code::not_found, msg); // a table that could not be read, or expect()
      }
      sqlite3_finalize(st);
      if (n > 0) done();
    }
    return true;
  }

  // The same, each statement's rows collected: `each(statement_result)`.
  template <typename Each>
  result<bool> run(std::string_view sql, Each each) {
    statement_result current;
    return stream(
        sql,
        [&](const std::vector<std::string>& names) {
          current = statement_result{};
          current.columns = names;
        },
        [&](const std::vector<value>& v) { current.rows.push_back(v); }, [&] { each(current); });
  }

  sqlite3* handle() noexcept { return db_; }

private:
  database() = default;
  sqlite3* db_ = nullptr;
  std::vector<std::unique_ptr<detail::registration>> regs_;
};

// The shell's dot commands: ".tables" lists the tables, ".schema [TABLE]"
// prints their CREATE TABLE lines (with each column's meaning as a
// comment), also for the views a session created. nullopt when `line` is
// not a known dot command.
inline std::optional<result<std::string>> dot_command(database& db, std::string_view line) {
  while (!line.empty() && (line.back() == ' ' || line.back() == ';' || line.back() == '\n' || line.back() == '\r'))
    line.remove_suffix(1);
  const auto sp = line.find(' ');
  const std::string_view cmd = line.substr(0, sp);
  std::string_view arg = sp == std::string_view::npos ? std::string_view() : line.substr(sp + 1);
  while (!arg.empty() && arg.front() == ' ') arg.remove_prefix(1);
  if (cmd != ".tables" && cmd != ".schema") return std::nullopt;
  std::vector<std::pair<std::string, std::string>> views; // name, sql: the session's own
  (void)db.run("SELECT name, sql FROM sqlite_schema WHERE type = 'view' ORDER BY name", [&](const statement_result& r) {
    for (const auto& row : r.rows)
      if (const auto* n = std::get_if<std::string>(&row[0]))
        views.emplace_back(*n, std::holds_alternative<std::string>(row[1]) ? std::get<std::string>(row[1]) : "");
  });
  if (cmd == ".tables") {
    std::vector<std::string> names;
    for (const auto& s : tables::all_schemas()) names.emplace_back(s.name);
    for (const auto& v : views) names.push_back(v.first);
    std::sort(names.begin(), names.end());
    std::string out;
    for (const auto& n : names) out += n + "\n";
    return result<std::string>(out);
  }
  // .schema [TABLE]
  std::string out;
  bool found = false;
  for (const auto& s : tables::all_schemas()) {
    if (!arg.empty() && s.name != arg) continue;
    found = true;
    out += "-- " + std::string(s.doc) + "\n" + schema_sql(s) + ";\n";
    for (const auto& c : s.columns) out += "--   " + std::string(c.name) + ": " + std::string(c.doc) + "\n";
  }
  for (const auto& v : views)
    if (arg.empty() || v.first == arg) {
      found = true;
      out += v.second + ";\n";
    }
  if (!found) return result<std::string>(make_error(error_code::not_found, "no table named " + std::string(arg)));
  return result<std::string>(out);
}

} // namespace mquire::sql
