// SPDX-License-Identifier: Apache-2.0
// The type half of a Volatility 3 symbol table (ISF, "Intermediate Symbol
// Format" JSON) made from BTF: base types, structs and unions with member
// offsets and bitfields, enums, and the type descriptors that refer to them.
//
// ISF names every user type: a named struct keeps its name; an anonymous one
// that a typedef names takes the typedef's name (`pgd_t`, `atomic_t`, as
// Volatility's plugins expect); any other anonymous one is "unnamed_<id>".
// Typedefs and qualifiers are resolved away, since ISF has none. When two
// definitions share a name (a kernel has a few), the first complete one is
// written and every reference to the name means it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "../btf/lookup.hpp"
#include "../btf/types.hpp"
#include "../detail/hex.hpp"
#include "json_writer.hpp"

namespace mquire::isf {

using output::json_writer;

// Names given to types that have none, and which definition each name means.
class type_names {
public:
  explicit type_names(const btf::type_info& t) : t_(t) {
    // Named definitions first: they own their names.
    for (std::uint32_t id = first(); id <= t.last_id() && t.size() != 0; ++id) {
      const auto v = t.type(id);
      if (!v || v->name.empty()) continue;
      if (is_record(v->kind)) claim(records_, v->name, id, v->kind != btf::kind::fwd);
      if (is_enum(*v)) claim(enums_, v->name, id, v->vlen != 0);
    }
    // A typedef of an anonymous struct, union or enum names it, unless the
    // name is already taken.
    for (std::uint32_t id = first(); id <= t.last_id() && t.size() != 0; ++id) {
      const auto v = t.type(id);
      if (!v || v->kind != btf::kind::typedef_ || v->name.empty()) continue;
      const auto target = t.type(v->size_or_type);
      if (!target || !target->name.empty() || anonymous_.count(target->id)) continue;
      if (!is_record(target->kind) && !is_enum(*target)) continue;
      auto& owners = is_enum(*target) ? enums_ : records_;
      if (owners.emplace(std::string(v->name), target->id).second) anonymous_.emplace(target->id, std::string(v->name));
    }
    // A typedef of a named struct, union or enum (`spinlock_t`, `kernel_cap_t`)
    // is a type of its own in ISF, as dwarf2json writes it: Volatility attaches
    // its helpers to such names.
    for (std::uint32_t id = first(); id <= t.last_id() && t.size() != 0; ++id) {
      const auto v = t.type(id);
      if (!v || v->kind != btf::kind::typedef_ || v->name.empty()) continue;
      const auto target = btf::strip(t, v->size_or_type);
      if (!target || (!is_record(target->kind) && !is_enum(*target))) continue;
      auto& owners = is_enum(*target) ? enums_ : records_;
      if (owners.emplace(std::string(v->name), id).second) aliases_.insert(id);
    }
  }

  // Whether typedef `id` is written as a type of its own.
  bool is_alias(std::uint32_t id) const { return aliases_.count(id) != 0; }

  // The ISF name of struct, union, enum or forward declaration `v`.
  std::string name_of(const btf::type_view& v) const {
    if (!v.name.empty()) return std::string(v.name);
    if (auto it = anonymous_.find(v.id); it != anonymous_.end()) return it->second;
    return "unnamed_" + mquire::detail::hex_digits(v.id, 8);
  }

  // Whether `v` is the definition written under its name.
  bool owns_name(const btf::type_view& v) const {
    const auto& owners = is_enum(v) ? enums_ : records_;
    if (v.name.empty() && !anonymous_.count(v.id)) return true; // "unnamed_<id>" is its own
    const auto it = owners.find(name_of(v));
    return it != owners.end() && it->second == v.id;
  }

  static bool is_record(btf::kind k) noexcept {
    return k == btf::kind::struct_ || k == btf::kind::union_ || k == btf::kind::fwd;
  }
  static bool is_enum(const btf::type_view& v) noexcept {
    return v.kind == btf::kind::enum_ || v.kind == btf::kind::enum64;
  }

private:
  std::uint32_t first() const { return t_.base() ? 1 : t_.first_id(); }
  // A complete definition takes a name from a forward declaration.
  void claim(std::unordered_map<std::string, std::uint32_t>& owners, std::string_view name, std::uint32_t id,
             bool complete) {
    auto [it, fresh] = owners.emplace(std::string(name), id);
    if (!fresh && complete && !complete_.count(it->second)) it->second = id;
    if (complete) complete_.insert(id);
  }

  const btf::type_info& t_;
  std::unordered_map<std::string, std::uint32_t> records_, enums_;
  std::unordered_map<std::uint32_t, std::string> anonymous_;
  std::unordered_set<std::uint32_t> complete_;
  std::unordered_set<std::uint32_t> aliases_;
};

// The integer type names ISF enums are based on, by size and signedness.
inline std::string_view enum_base_name(std::uint32_t size, bool is_signed) {
  switch (size) {
  case 1: return is_signed ? "signed char" : "unsigned char";
  case 2: return is_signed ? "short int" : "short unsigned int";
  case 8: return is_signed ? "long int" : "long unsigned int";
  default: return is_signed ? "int" : "unsigned int";
  }
}

// Writes ISF's base_types, user_types and enums for `t` (a kernel's BTF, or a
// split BTF with its base).
class type_writer {
public:
  type_writer(const btf::type_info& t, unsigned pointer_size) : t_(t), names_(t), pointer_size_(pointer_size) {}

  const type_names& names() const noexcept { return names_; }

  // A type descriptor for type `id`: {"kind": "struct", "name": ...},
  // {"kind": "pointer", "subtype": ...}, ...
  template <class Sink>
  void descriptor(json_writer<Sink>& w, std::uint32_t id, unsigned depth = 0) const {
    w.begin_object();
    if (const auto alias = named_typedef(id)) {
      const auto target = btf::strip(t_, id);
      if (type_names::is_enum(*target)) w.member("kind", "enum");
      else w.member("kind", record_kind(*target));
      w.member("name", alias->name);
      w.end_object();
      return;
    }
    const auto v = depth < btf::max_depth ? btf::strip(t_, id) : std::nullopt;
    if (!v) { // void, or a chain of typedefs that never ends
      base(w, "void");
    } else {
      switch (v->kind) {
      case btf::kind::int_:
      case btf::kind::float_: base(w, v->name); break;
      case btf::kind::ptr: {
        w.member("kind", "pointer");
        w.key("subtype");
        const auto to = btf::strip(t_, v->size_or_type);
        if (to && to->kind == btf::kind::func_proto) {
          function_descriptor(w);
        } else {
          descriptor(w, v->size_or_type, depth + 1);
        }
        break;
      }
      case btf::kind::array: {
        const auto a = t_.array(*v);
        w.member("count", a->count);
        w.member("kind", "array");
        w.key("subtype");
        descriptor(w, a->element, depth + 1);
        break;
      }
      case btf::kind::struct_:
      case btf::kind::union_:
      case btf::kind::fwd:
        w.member("kind", record_kind(*v));
        w.member("name", names_.name_of(*v));
        break;
      case btf::kind::enum_:
      case btf::kind::enum64:
        w.member("kind", "enum");
        w.member("name", names_.name_of(*v));
        break;
      case btf::kind::func_proto:
      case btf::kind::func: w.member("kind", "function"); break;
      default: base(w, "void"); break; // VAR, DATASEC, tags: not value types
      }
    }
    w.end_object();
  }

  // {"kind": "function"}: what ISF says of any function type.
  template <class Sink>
  static void function_descriptor(json_writer<Sink>& w) {
    w.begin_object();
    w.member("kind", "function");
    w.end_object();
  }

  template <class Sink>
  void base_types(json_writer<Sink>& w) const {
    const std::string_view endian = t_.order() == byte_order::big ? "big" : "little";
    std::unordered_set<std::string> seen;
    const auto entry = [&](std::string_view name, std::uint64_t size, bool is_signed, std::string_view kind) {
      if (!seen.insert(std::string(name)).second) return;
      w.key(name);
      w.begin_object();
      w.member("size", size);
      w.member("signed", is_signed);
      w.member("kind", kind);
      w.member("endian", endian);
      w.end_object();
    };
    for_each_type([&](const btf::type_view& v) {
      if (v.kind == btf::kind::float_) entry(v.name, v.size_or_type, true, "float");
      if (v.kind != btf::kind::int_) return;
      const unsigned enc = btf::int_encoding(t_.extra_word(v).value_or(0));
      const bool is_char = (enc & btf::int_char) != 0 || (v.size_or_type == 1 && v.name.find("char") != v.name.npos);
      entry(v.name, v.size_or_type, (enc & btf::int_signed) != 0,
            (enc & btf::int_bool) != 0 ? "bool" : is_char ? "char" : "int");
    });
    entry("pointer", pointer_size_, false, "int");
    entry("void", 0, false, "void");
    for (const std::uint32_t size : {1u, 2u, 4u, 8u}) // what enums name as their base
      for (const bool s : {false, true}) entry(enum_base_name(size, s), size, s, size == 1 ? "char" : "int");
  }

  template <class Sink>
  std::size_t user_types(json_writer<Sink>& w) const {
    std::size_t n = 0;
    const auto is_record = [](const btf::type_view& v) { return type_names::is_record(v.kind); };
    for_each_type([&](const btf::type_view& named) {
      const auto def = written_definition(named, is_record);
      if (!def) return;
      const btf::type_view& v = def->second;
      ++n;
      w.key(def->first);
      w.begin_object();
      w.member("kind", record_kind(v));
      w.member("size", v.kind == btf::kind::fwd ? std::uint64_t{0} : std::uint64_t{v.size_or_type});
      w.key("fields");
      w.begin_object();
      fields(w, v);
      w.end_object();
      w.end_object();
    });
    return n;
  }

  template <class Sink>
  std::size_t enums(json_writer<Sink>& w) const {
    std::size_t n = 0;
    for_each_type([&](const btf::type_view& named) {
      const auto def = written_definition(named, type_names::is_enum);
      if (!def) return;
      const btf::type_view& v = def->second;
      ++n;
      const bool is_signed = v.kind_flag;
      w.key(def->first);
      w.begin_object();
      w.member("size", std::uint64_t{v.size_or_type});
      w.member("base", enum_base_name(v.size_or_type, is_signed));
      w.key("constants");
      w.begin_object();
      std::unordered_set<std::string_view> seen;
      for (const auto& e : t_.enumerators(v)) {
        if (!seen.insert(e.name).second) continue;
        w.key(e.name);
        if (is_signed) w.value(e.value);
        else w.value(v.kind == btf::kind::enum_ ? e.raw & 0xffffffffu : e.raw);
      }
      w.end_object();
      w.end_object();
    });
    return n;
  }

private:
  template <class F>
  void for_each_type(F&& f) const {
    for (std::uint32_t id = t_.base() ? 1 : t_.first_id(); id <= t_.last_id() && t_.size() != 0; ++id)
      if (const auto v = t_.type(id)) f(*v);
  }

  // What `named` writes as a user type or enum (`is_kind` says which): its
  // ISF name and the definition behind it. That is `named` itself when it
  // owns its name, the struct or enum behind a typedef written as a type of
  // its own; nullopt for anything else.
  template <class IsKind>
  std::optional<std::pair<std::string, btf::type_view>> written_definition(const btf::type_view& named,
                                                                           IsKind is_kind) const {
    if (named.kind == btf::kind::typedef_ && names_.is_alias(named.id)) {
      const auto target = btf::strip(t_, named.id);
      if (!target || !is_kind(*target)) return std::nullopt;
      return std::make_pair(std::string(named.name), *target);
    }
    if (!is_kind(named) || !names_.owns_name(named)) return std::nullopt;
    return std::make_pair(names_.name_of(named), named);
  }

  // The typedef written under its own name that `id` reaches through
  // qualifiers, if any.
  std::optional<btf::type_view> named_typedef(std::uint32_t id) const {
    for (unsigned i = 0; i < btf::max_depth; ++i) {
      const auto v = t_.type(id);
      if (!v) return std::nullopt;
      if (v->kind == btf::kind::typedef_) return names_.is_alias(v->id) ? v : std::nullopt;
      if (v->kind != btf::kind::const_ && v->kind != btf::kind::volatile_ && v->kind != btf::kind::restrict_ &&
          v->kind != btf::kind::type_tag)
        return std::nullopt;
      id = v->size_or_type;
    }
    return std::nullopt;
  }

  static std::string_view record_kind(const btf::type_view& v) {
    if (v.kind == btf::kind::union_ || (v.kind == btf::kind::fwd && v.kind_flag)) return "union";
    return "struct";
  }

  template <class Sink>
  static void base(json_writer<Sink>& w, std::string_view name) {
    w.member("kind", "base");
    w.member("name", name);
  }

  // Members of struct or union `v`. An anonymous struct or union member is
  // "unnamed_field_<n>" marked anonymous (Volatility lifts its members into
  // the outer type); a bitfield is placed in a storage unit of its type's size.
  template <class Sink>
  void fields(json_writer<Sink>& w, const btf::type_view& v) const {
    std::unordered_set<std::string_view> seen;
    unsigned unnamed = 0;
    for (const auto& m : t_.members(v)) {
      const auto type = btf::strip(t_, m.type);
      if (m.name.empty()) {
        if (!type || (type->kind != btf::kind::struct_ && type->kind != btf::kind::union_)) continue;
        w.key("unnamed_field_" + std::to_string(unnamed++));
        w.begin_object();
        w.key("type");
        descriptor(w, m.type);
        w.member("offset", m.bit_offset / 8);
        w.member("anonymous", true);
        w.end_object();
        continue;
      }
      if (!seen.insert(m.name).second) continue;
      w.key(m.name);
      w.begin_object();
      std::uint64_t bit = m.bit_offset;
      std::uint32_t bits = m.bitfield_size;
      if (bits == 0 && !v.kind_flag && type && type->kind == btf::kind::int_) {
        // Old BTF: a bitfield is an INT whose bit count is below its size.
        const std::uint32_t enc = t_.extra_word(*type).value_or(0);
        if (btf::int_bits(enc) != 0 && btf::int_bits(enc) < 8 * type->size_or_type) {
          bits = btf::int_bits(enc);
          bit += btf::int_offset(enc);
        }
      }
      const auto unit = bits ? btf::size_of(t_, m.type, pointer_size_) : std::nullopt;
      w.key("type");
      if (bits && unit && *unit != 0 && *unit <= 16) {
        std::uint64_t offset = bit / (8 * *unit) * *unit;
        if (bit - 8 * offset + bits > 8 * *unit) offset = bit / 8; // straddles its unit (packed)
        w.begin_object();
        w.member("bit_length", std::uint64_t{bits});
        w.member("bit_position", bit - 8 * offset);
        w.member("kind", "bitfield");
        w.key("type");
        descriptor(w, m.type);
        w.end_object();
        w.member("offset", offset);
      } else {
        descriptor(w, m.type);
        w.member("offset", bit / 8);
      }
      w.end_object();
    }
  }

  const btf::type_info& t_;
  type_names names_;
  unsigned pointer_size_;
};

} // namespace mquire::isf
