// SPDX-License-Identifier: Apache-2.0
#include "isf_input.hpp"

#include <cstdio>
#include <memory>
#include <vector>

#include <nlohmann/json.hpp>

#include "decompress.hpp"

namespace tool {
namespace {

using mquire::objects::type_ref;
using json = nlohmann::json;

// ISF files of whole kernels are tens of MiB (60 MiB for Debian's 7.2).
constexpr std::size_t max_isf = std::size_t{1} << 30;
constexpr unsigned max_type_depth = 32;

type_ref to_ref(const json& j, unsigned depth) {
  type_ref r;
  if (!j.is_object() || depth > max_type_depth) return r;
  const auto kind = j.value("kind", std::string());
  r.name = j.value("name", std::string());
  if (kind == "base") r.k = type_ref::kind::base;
  else if (kind == "pointer") r.k = type_ref::kind::pointer;
  else if (kind == "array") r.k = type_ref::kind::array;
  else if (kind == "struct" || kind == "class") r.k = type_ref::kind::struct_;
  else if (kind == "union") r.k = type_ref::kind::union_;
  else if (kind == "enum") r.k = type_ref::kind::enum_;
  else if (kind == "bitfield") r.k = type_ref::kind::bitfield;
  else if (kind == "function") r.k = type_ref::kind::function;
  if (r.k == type_ref::kind::array) r.count = j.value("count", std::uint64_t{0});
  if (r.k == type_ref::kind::bitfield) {
    r.bit_position = j.value("bit_position", 0u);
    r.bit_length = j.value("bit_length", 0u);
    if (j.contains("type")) r.subtype = std::make_shared<type_ref>(to_ref(j["type"], depth + 1));
  } else if (j.contains("subtype")) {
    r.subtype = std::make_shared<type_ref>(to_ref(j["subtype"], depth + 1));
  }
  return r;
}

} // namespace

mquire::result<mquire::objects::type_table> read_isf_types(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return mquire::make_error(mquire::error_code::not_found, "cannot open the symbol table " + path);
  std::vector<std::uint8_t> raw;
  std::uint8_t buf[1 << 16];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0 && raw.size() <= max_isf) raw.insert(raw.end(), buf, buf + n);
  std::fclose(f);
  if (raw.size() > max_isf)
    return mquire::make_error(mquire::error_code::out_of_range, path + ": larger than any kernel's symbol table");
  std::string text;
  if (const auto c = compression_at(raw); c == compression::xz) {
    auto d = decompress(*c, raw, max_isf);
    if (!d) return mquire::make_error(mquire::error_code::malformed, path + ": " + d.err().message);
    text.assign(d->bytes.begin(), d->bytes.end());
  } else {
    text.assign(raw.begin(), raw.end());
  }
  // The symbols (hundreds of thousands) are not types: dropped as parsed.
  const json::parser_callback_t skip_symbols = [](int depth, json::parse_event_t event, json& parsed) {
    return !(depth == 1 && event == json::parse_event_t::key && parsed == "symbols");
  };
  json doc = json::parse(text, skip_symbols, false);
  if (doc.is_discarded() || !doc.is_object() || !doc.contains("user_types"))
    return mquire::make_error(mquire::error_code::malformed, path + ": not a Volatility symbol table (ISF JSON)");
  mquire::objects::type_table table;
  if (auto bases = doc.find("base_types"); bases != doc.end() && bases->is_object())
    for (const auto& [name, b] : bases->items()) {
      if (!b.is_object()) continue;
      table.base_sizes[name] = b.value("size", std::uint64_t{0});
      if (name == "pointer") table.pointer_size = b.value("size", 8u); // dwarf2json's entry for every pointer
    }
  for (const auto& [name, u] : doc["user_types"].items()) {
    if (!u.is_object()) continue;
    mquire::objects::composite_def c;
    c.size = u.value("size", std::uint64_t{0});
    c.is_union = u.value("kind", std::string()) == "union";
    if (auto fields = u.find("fields"); fields != u.end() && fields->is_object())
      for (const auto& [fname, fv] : fields->items()) {
        if (!fv.is_object()) continue;
        mquire::objects::member_def m;
        m.name = fname;
        m.offset = fv.value("offset", std::uint64_t{0});
        m.anonymous = fv.value("anonymous", false);
        if (fv.contains("type")) m.type = to_ref(fv["type"], 0);
        c.members.push_back(std::move(m));
      }
    table.composites.emplace(name, std::move(c));
  }
  if (auto enums = doc.find("enums"); enums != doc.end() && enums->is_object())
    for (const auto& [name, e] : enums->items()) {
      if (!e.is_object()) continue;
      table.enum_sizes[name] = e.value("size", std::uint64_t{4});
      if (auto consts = e.find("constants"); consts != e.end() && consts->is_object())
        for (const auto& [cname, v] : consts->items())
          if (v.is_number_integer()) table.enumerators.emplace(cname, v.get<std::int64_t>());
    }
  if (table.composites.empty())
    return mquire::make_error(mquire::error_code::malformed, path + ": the symbol table defines no types");
  return table;
}

} // namespace tool
