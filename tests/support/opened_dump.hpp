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

#include "analysis.hpp"
#include "support/fixtures.hpp"

namespace support {

// The tool's own stages (tool::analyze), without the module list: the tests
// that use this read tasks and tables, so memory and types must be there.
struct opened_dump {
  tool::analysis analyzed;
  tool::kernel_view& view;
  const tool::found_table& best() const { return analyzed.best(); }
  explicit opened_dump(tool::analysis a) : analyzed(std::move(a)), view(*analyzed.view) {}
  // `view` refers into `analyzed`: a copy would refer into the original.
  opened_dump(const opened_dump&) = delete;
  opened_dump& operator=(const opened_dump&) = delete;
};

inline std::unique_ptr<opened_dump> open_dump(const fs::path& file) {
  tool::analysis_request req;
  req.file = file.string();
  for (const auto& layout : mquire::builtin_layouts()) req.scan.layouts.push_back(layout);
  req.beyond_table = [](bool) {
    tool::view_request want;
    want.modules = false;
    return std::optional<tool::view_request>(want);
  };
  auto analyzed = tool::analyze(req);
  REQUIRE(std::holds_alternative<tool::analysis>(analyzed));
  auto& a = std::get<tool::analysis>(analyzed);
  REQUIRE(a.has_table());
  REQUIRE(a.view);
  REQUIRE(a.view->memory);
  REQUIRE(a.view->types);
  return std::make_unique<opened_dump>(std::move(a));
}

// FIXTURE/NAME parsed, or the test skipped when the fixture lacks it.
inline nlohmann::json truth_json(const std::string& fixture, const std::string& name) {
  const auto p = fixtures_dir() / fixture / name;
  if (!fs::exists(p)) skip("fixture " + fixture + "/" + name + " not found");
  return nlohmann::json::parse(read_text(p));
}

} // namespace support
