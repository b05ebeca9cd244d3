// SPDX-License-Identifier: Apache-2.0
// The vocabulary of mquire's tables, with no SQL engine in it: a table's
// columns, a row of cells, the equality constraints a scan may be given,
// and how kernel addresses are written in a cell. The SQL layer
// (sql/sqlite_tables.hpp) and C++ embedders read the same rows.
#pragma once

#include <charconv>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "../detail/hex.hpp"

namespace mquire::tables {

// A cell: NULL (not read, or not applicable), an integer, or text.
using cell = std::variant<std::monostate, std::int64_t, std::string>;
using row = std::vector<cell>;

enum class column_type { integer, text };

struct column {
  std::string_view name;
  column_type type = column_type::text;
  std::string_view doc;
  bool hidden = false; // a generator input only, as the Rust mquire's list heads
  bool key = false;    // an equality constraint on it narrows the scan (pushed down)
};

struct table_schema {
  std::string_view name;
  std::string_view doc;
  std::vector<column> columns;

  std::optional<std::size_t> index_of(std::string_view column_name) const {
    for (std::size_t i = 0; i < columns.size(); ++i)
      if (columns[i].name == column_name) return i;
    return std::nullopt;
  }
};

// `column = value`, as the SQL engine hands it to a scan.
struct constraint {
  std::size_t column = 0;
  cell value;
};

// A scan's request: the constraints on key columns, and which columns the
// query reads (bit i for column i; all set when unknown), so that costly
// cells nobody asked for are not read.
struct scan_request {
  std::span<const constraint> constraints;
  std::uint64_t columns_used = ~std::uint64_t{0};

  bool uses(std::size_t column) const noexcept { return column >= 63 || (columns_used >> column & 1) != 0; }
  const cell* value_of(std::size_t column) const noexcept {
    for (const auto& c : constraints)
      if (c.column == column) return &c.value;
    return nullptr;
  }
};

// Receives each row; returning false stops the scan.
using row_sink = std::function<bool(row&&)>;

// A kernel object's address as the Rust mquire writes it: the top-level
// page table it is read through, then the virtual address.
inline std::string vaddr_text(std::uint64_t page_table, std::uint64_t address) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "vaddr(0x%016llx, 0x%016llx)", static_cast<unsigned long long>(page_table),
                static_cast<unsigned long long>(address));
  return buf;
}

// 16 hex digits without 0x: text that orders as the address does, for
// range comparisons in SQL (func_addr, start, end).
inline std::string hex16(std::uint64_t address) { return mquire::detail::hex_digits(address, 16); }

namespace detail {
inline std::optional<std::uint64_t> parse_hex(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) s.remove_prefix(2);
  if (s.empty() || s.size() > 16) return std::nullopt;
  std::uint64_t v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v, 16);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}
} // namespace detail

// The address in a vaddr(...) text, or in plain hex ("0xffff...", "ffff...").
inline std::optional<std::uint64_t> parse_vaddr(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  if (s.size() > 6 && (s.substr(0, 6) == "vaddr(" || s.substr(0, 6) == "VADDR(") && s.back() == ')') {
    const auto comma = s.find(',');
    if (comma == std::string_view::npos) return std::nullopt;
    if (!detail::parse_hex(s.substr(6, comma - 6))) return std::nullopt;
    return detail::parse_hex(s.substr(comma + 1, s.size() - comma - 2));
  }
  return detail::parse_hex(s);
}

// An address constraint's value: vaddr text, hex text or an integer.
inline std::optional<std::uint64_t> address_of(const cell& c) {
  if (const auto* s = std::get_if<std::string>(&c)) return parse_vaddr(*s);
  if (const auto* i = std::get_if<std::int64_t>(&c)) return static_cast<std::uint64_t>(*i);
  return std::nullopt;
}

inline std::optional<std::int64_t> integer_of(const cell& c) {
  if (const auto* i = std::get_if<std::int64_t>(&c)) return *i;
  if (const auto* s = std::get_if<std::string>(&c)) {
    std::int64_t v = 0;
    const auto [end, ec] = std::from_chars(s->data(), s->data() + s->size(), v, 10);
    if (s->empty() || ec != std::errc() || end != s->data() + s->size()) return std::nullopt; // out of range too
    return v;
  }
  return std::nullopt;
}

// A scan's `column = value` constraint on a key column, read as an
// address (or an integer): nullopt when the query gives none; a value that
// is no address (no integer) sets `unparsable`, and then no row can match.
inline std::optional<std::uint64_t> address_constraint(const table_schema& s, const scan_request& req,
                                                       std::string_view column, bool& unparsable) {
  const auto i = s.index_of(column);
  const cell* v = i ? req.value_of(*i) : nullptr;
  if (!v) return std::nullopt;
  auto a = address_of(*v);
  if (!a) unparsable = true;
  return a;
}

inline std::optional<std::int64_t> integer_constraint(const table_schema& s, const scan_request& req,
                                                      std::string_view column, bool& unparsable) {
  const auto i = s.index_of(column);
  const cell* v = i ? req.value_of(*i) : nullptr;
  if (!v) return std::nullopt;
  auto n = integer_of(*v);
  if (!n) unparsable = true;
  return n;
}

// Text as a cell, NULL when absent.
inline cell text_or_null(const std::optional<std::string>& s) { return s ? cell(*s) : cell(); }
inline cell integer(std::uint64_t v) { return cell(static_cast<std::int64_t>(v)); }

} // namespace mquire::tables
