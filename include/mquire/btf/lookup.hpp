// SPDX-License-Identifier: Apache-2.0
// Questions a reader of kernel memory asks of BTF: a type by name, what a
// typedef or qualifier stands for, a type's size, where a member lies
// (through nested and anonymous members), an enumerator's value. Every walk
// is bounded, so a hostile blob with reference cycles ends in nullopt.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "types.hpp"

namespace mquire::btf {

// Deepest nesting followed: C types of real kernels nest a few levels; a
// cycle runs into this bound.
inline constexpr unsigned max_depth = 64;

// The first type named `name` of kind `k` (searching the base first).
inline std::optional<std::uint32_t> find_type(const type_info& t, std::string_view name, kind k) {
  if (t.base())
    if (auto id = find_type(*t.base(), name, k)) return id;
  for (std::uint32_t id = t.first_id(); id <= t.last_id() && t.size() != 0; ++id) {
    const auto v = t.type(id);
    if (v && v->kind == k && v->name == name) return id;
  }
  return std::nullopt;
}

// The type behind typedefs and qualifiers (CONST, VOLATILE, RESTRICT, TYPE_TAG).
inline std::optional<type_view> strip(const type_info& t, std::uint32_t id) {
  for (unsigned i = 0; i < max_depth; ++i) {
    const auto v = t.type(id);
    if (!v) return std::nullopt;
    switch (v->kind) {
    case kind::typedef_:
    case kind::const_:
    case kind::volatile_:
    case kind::restrict_:
    case kind::type_tag: id = v->size_or_type; continue;
    default: return v;
    }
  }
  return std::nullopt;
}

// Size in bytes of a value of type `id`; pointers are `pointer_size` bytes
// (BTF does not record it). nullopt for void, functions and cycles.
inline std::optional<std::uint64_t> size_of(const type_info& t, std::uint32_t id, unsigned pointer_size = 8,
                                            unsigned depth = 0) {
  if (depth > max_depth) return std::nullopt;
  const auto v = strip(t, id);
  if (!v) return std::nullopt;
  switch (v->kind) {
  case kind::int_:
  case kind::struct_:
  case kind::union_:
  case kind::enum_:
  case kind::enum64:
  case kind::datasec:
  case kind::float_: return v->size_or_type;
  case kind::ptr: return pointer_size;
  case kind::array: {
    const auto a = t.array(*v);
    const auto each = size_of(t, a->element, pointer_size, depth + 1);
    if (!each) return std::nullopt;
    if (a->count != 0 && *each > (std::uint64_t{1} << 40) / a->count) return std::nullopt;
    return *each * a->count;
  }
  default: return std::nullopt;
  }
}

struct field {
  std::uint64_t bit_offset = 0; // from the start of the outer type
  std::uint32_t type = 0;
  std::uint32_t bitfield_size = 0;
  std::uint64_t byte_offset() const noexcept { return bit_offset / 8; }
};

namespace detail {
// Member `name` of the struct or union `id`, looked for in anonymous
// members too (as C allows `s.x` for a member of an unnamed union in `s`).
// `budget` bounds the members visited: anonymous members that contain
// themselves (a hostile blob) would otherwise branch without end.
inline std::optional<field> member_named(const type_info& t, std::uint32_t id, std::string_view name, unsigned depth,
                                         std::size_t& budget) {
  if (depth > max_depth) return std::nullopt;
  const auto v = strip(t, id);
  if (!v) return std::nullopt;
  for (const auto& m : t.members(*v)) {
    if (budget == 0) return std::nullopt;
    --budget;
    if (m.name == name) return field{m.bit_offset, m.type, m.bitfield_size};
    if (m.name.empty())
      if (auto inner = member_named(t, m.type, name, depth + 1, budget)) {
        inner->bit_offset += m.bit_offset;
        return inner;
      }
  }
  return std::nullopt;
}
} // namespace detail

// Where `path` ("mem", "core_layout.base", "list.next") lies in the struct
// or union `id`.
inline std::optional<field> field_of(const type_info& t, std::uint32_t id, std::string_view path) {
  field at{0, id, 0};
  unsigned steps = 0;
  while (!path.empty()) {
    if (++steps > max_depth) return std::nullopt;
    const auto dot = path.find('.');
    const auto name = path.substr(0, dot);
    std::size_t budget = 1u << 16; // members visited per step: far above any real struct nesting
    auto f = detail::member_named(t, at.type, name, 0, budget);
    if (!f) return std::nullopt;
    at.bit_offset += f->bit_offset;
    at.type = f->type;
    at.bitfield_size = f->bitfield_size;
    path = dot == std::string_view::npos ? std::string_view{} : path.substr(dot + 1);
  }
  return at;
}

// Byte offset of `path` in the struct named `type_name`.
inline std::optional<std::uint64_t> offset_of(const type_info& t, std::string_view type_name, std::string_view path) {
  const auto id = find_type(t, type_name, kind::struct_);
  if (!id) return std::nullopt;
  const auto f = field_of(t, *id, path);
  if (!f || f->bit_offset % 8 != 0) return std::nullopt;
  return f->byte_offset();
}

// The value of enumerator `name` in any ENUM or ENUM64.
inline std::optional<std::int64_t> enum_value(const type_info& t, std::string_view name) {
  if (t.base())
    if (auto v = enum_value(*t.base(), name)) return v;
  for (std::uint32_t id = t.first_id(); id <= t.last_id() && t.size() != 0; ++id) {
    const auto v = t.type(id);
    if (!v || (v->kind != kind::enum_ && v->kind != kind::enum64)) continue;
    for (const auto& e : t.enumerators(*v))
      if (e.name == name) return e.value;
  }
  return std::nullopt;
}

} // namespace mquire::btf
