// SPDX-License-Identifier: Apache-2.0
#include "analysis.hpp"

#include <fmt/format.h>

namespace tool {

std::string analysis::not_found_message(const std::string& file) const {
  return fmt::format("no kallsyms table found in {} ({}, {} bytes in {} segments): {}{}", file,
                     mquire::sources::to_string(in->map().format), scanned.bytes, scanned.segments,
                     mquire::describe_progress(scanned.stats, scanned.furthest, scanned.furthest_detail), unwrap_note);
}

std::variant<analysis, failure> analyze(const analysis_request& req) {
  auto opened = open_input(req.file, req.forced);
  if (auto* f = std::get_if<failure>(&opened)) return std::move(*f);
  analysis a;
  a.in = std::move(std::get<std::unique_ptr<input>>(opened));

  auto scanned = scan(*a.in, req.scan);
  if (!scanned) return failure{unreadable, req.file + ": " + scanned.err().message};
  // A file with no table of its own may wrap a compressed kernel that no
  // header announced (a MIPS vmlinuz ELF, an s390 image, a firmware blob).
  const auto format = a.in->map().format;
  if (scanned->tables.empty() &&
      (format == input_format::raw || format == input_format::vmlinux || format == input_format::image)) {
    auto inner = open_embedded_kernel(*a.in);
    if (auto* f = std::get_if<failure>(&inner)) {
      a.unwrap_note = "; no embedded kernel either: " + f->message;
    } else {
      auto& kernel = std::get<std::unique_ptr<input>>(inner);
      auto again = scan(*kernel, req.scan);
      if (again && !again->tables.empty()) {
        a.in = std::move(kernel);
        scanned = std::move(again);
      } else {
        a.unwrap_note = "; the embedded kernel (" + kernel->map().description + ") holds none either";
      }
    }
  }
  a.scanned = std::move(*scanned);
  if (!a.has_table()) return a;
  a.addr = resolve_addresses(a.scanned.tables.front(), a.scanned, *a.in, req.scan.base);
  if (req.beyond_table) {
    if (auto want = req.beyond_table(a.is_dump()))
      a.view = read_kernel_view(a.best(), *a.addr, *a.in, a.scanned, *want);
  }
  return a;
}

} // namespace tool
