// SPDX-License-Identifier: Apache-2.0
// btf/: the parser, every lookup over what it accepts, the header scan, and
// split BTF over a base. Invariants: an accepted blob lies inside the input,
// every id reads back with a known kind, every reference resolves or ends,
// and every walk stops (cycles included). The Volatility symbol table made
// from what the parser accepts is valid JSON whatever the names hold.
#include <nlohmann/json.hpp>

#include "fuzz_common.hpp"

namespace btf = mquire::btf;

namespace {
void walk(const btf::type_info& t) {
  for (std::uint32_t id = t.first_id(); id <= t.last_id() && id < t.first_id() + 4096; ++id) {
    const auto v = t.type(id);
    MQUIRE_FUZZ_CHECK(v.has_value());
    MQUIRE_FUZZ_CHECK(static_cast<unsigned>(v->kind) >= 1 && static_cast<unsigned>(v->kind) <= btf::max_kind);
    (void)btf::strip(t, id);
    (void)btf::size_of(t, id);
    for (const auto& m : t.members(*v)) {
      MQUIRE_FUZZ_CHECK(m.type <= t.last_id());
      // A named member is always found (the first of its name); a path
      // splits at dots, so a name with a dot is not a path to itself.
      if (m.name.empty() || m.name.find('.') != std::string_view::npos) continue;
      const auto f = btf::field_of(t, id, m.name);
      MQUIRE_FUZZ_CHECK(f.has_value());
    }
    for (const auto& e : t.enumerators(*v)) (void)btf::enum_value(t, e.name);
    if (auto a = t.array(*v)) MQUIRE_FUZZ_CHECK(a->element <= t.last_id());
    (void)t.params(*v);
    (void)t.datasec_vars(*v);
  }
  (void)btf::find_type(t, "module", btf::kind::struct_);
}

void write_isf(const btf::type_info& t) {
  static constexpr mquire::isf::symbol_entry symbols[] = {
      {"init_task", 0x1000, 'D'}, {"modules", 0x3000, 'd'}, {"linux_banner", 0x4000, 'D'}, {"init_task", 0x5000, 'd'}};
  mquire::isf::options o;
  o.banner = std::string_view("Linux version 0\n", 17);
  std::string text;
  const auto rep = mquire::isf::write_isf(t, symbols, o, [&](std::string_view c) { text += c; });
  if (!rep) return;
  MQUIRE_FUZZ_CHECK(nlohmann::json::accept(text));
  MQUIRE_FUZZ_CHECK(rep->symbols == 3);
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> in(data, size);
  auto t = btf::type_info::parse(in);
  if (t) {
    MQUIRE_FUZZ_CHECK(t->hdr().total_size() <= size);
    MQUIRE_FUZZ_CHECK(t->size() <= size / btf::type_record_size);
    walk(*t);
    write_isf(*t);
    // The rest of the input as split BTF over this one.
    const auto rest = in.subspan(static_cast<std::size_t>(t->hdr().total_size()));
    if (auto split = btf::type_info::parse(rest, &*t)) {
      MQUIRE_FUZZ_CHECK(split->first_id() == t->last_id() + 1);
      walk(*split);
    }
  }
  for (const auto& hit : btf::find_in_bytes(in)) {
    MQUIRE_FUZZ_CHECK(hit.offset + hit.size <= size);
    MQUIRE_FUZZ_CHECK(btf::type_info::parse(in.subspan(hit.offset)).ok());
  }
  return 0;
}
