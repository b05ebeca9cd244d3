// SPDX-License-Identifier: Apache-2.0
// Fills a row by column name, so that a table's code reads as its schema
// does whatever order the columns are declared in; columns the query does
// not read are left NULL without being computed (wants()).
#pragma once

#include <string>
#include <utility>

#include "table_rows.hpp"

namespace mquire::tables {

class row_builder {
public:
  row_builder(const table_schema& s, const scan_request& req) : schema_(&s), req_(&req) {}

  // Whether the query reads `column` (so that a costly cell is worth computing).
  bool wants(std::string_view column) const {
    const auto i = schema_->index_of(column);
    return i && req_->uses(*i);
  }
  row_builder& set(std::string_view column, cell value) {
    if (const auto i = schema_->index_of(column)) {
      if (row_.size() != schema_->columns.size()) row_.resize(schema_->columns.size());
      row_[*i] = std::move(value);
    }
    return *this;
  }
  row_builder& set_int(std::string_view column, std::int64_t v) { return set(column, cell(v)); }
  row_builder& set_text(std::string_view column, std::string v) { return set(column, cell(std::move(v))); }
  // The row so far, which stays as the base of the next one.
  row take() const {
    row r = row_;
    r.resize(schema_->columns.size());
    return r;
  }

private:
  const table_schema* schema_;
  const scan_request* req_;
  row row_;
};

} // namespace mquire::tables
