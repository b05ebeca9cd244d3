// SPDX-License-Identifier: Apache-2.0
// A dump opened the way the tool opens it (input, search, addresses, the
// kernel's memory and BTF), for tests that then read it through the
// library; and the fixtures' JSON truth files.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "addressing.hpp"
#include "kernel_view.hpp"
#include "scan.hpp"
#include "support/fixtures.hpp"

namespace support {

struct opened_dump {
  std::unique_ptr<tool::input> in;
  tool::scan_result scanned;
  std::optional<tool::addressing> addressing;
  tool::kernel_view view; // its memory and types are required to be there
  const tool::found_table& best() const { return scanned.tables.front(); }
};

// Without the module list: the tests that use this read tasks and tables.
inline std::unique_ptr<opened_dump> open_dump(const fs::path& file) {
  auto d = std::make_unique<opened_dump>();
  auto opened = tool::open_input(file.string(), std::nullopt);
  REQUIRE(std::holds_alternative<std::unique_ptr<tool::input>>(opened));
  d->in = std::move(std::get<std::unique_ptr<tool::input>>(opened));
  tool::scan_options so;
  for (const auto& layout : mquire::builtin_layouts()) so.layouts.push_back(layout);
  auto r = tool::scan(*d->in, so);
  REQUIRE(r);
  REQUIRE(!r->tables.empty());
  d->scanned = std::move(*r);
  d->addressing = tool::resolve_addresses(d->scanned.tables.front(), d->scanned, *d->in, std::nullopt);
  tool::view_request want;
  want.modules = false;
  d->view = tool::read_kernel_view(d->best(), *d->addressing, *d->in, d->scanned, want);
  REQUIRE(d->view.memory);
  REQUIRE(d->view.types);
  return d;
}

// FIXTURE/NAME parsed, or the test skipped when the fixture lacks it.
inline nlohmann::json truth_json(const std::string& fixture, const std::string& name) {
  const auto p = fixtures_dir() / fixture / name;
  if (!fs::exists(p)) skip("fixture " + fixture + "/" + name + " not found");
  return nlohmann::json::parse(read_text(p));
}

} // namespace support
