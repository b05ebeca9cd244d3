// SPDX-License-Identifier: Apache-2.0
// The kernel's types as a reader of kernel objects asks for them: a struct's
// size by name, where a member lies ("d_name.len", through anonymous
// members), how wide it is, and an enumerator's value. Backed by the
// kernel's own BTF, or by a type_table (a Volatility symbol table made from
// DWARF, for a kernel without BTF); every answer is cached, since a walk
// over thousands of objects asks the same few questions again and again.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "../btf/lookup.hpp"
#include "../error.hpp"
#include "type_table.hpp"

namespace mquire::objects {

// Sizes a struct read from a dump may claim: the largest real kernel struct
// read here (task_struct) is about 13 KiB.
inline constexpr std::uint64_t max_struct_size = 64u << 10;

// A member, placed: byte offset from the start of its struct, width in
// bytes, and for a bitfield its bit position and width. An array member
// also says its element width and count.
struct field_ref {
  std::uint64_t offset = 0;
  std::uint64_t size = 0;
  std::uint32_t bit_offset = 0; // within the byte at `offset`, for bitfields
  std::uint32_t bit_size = 0;   // 0: not a bitfield
  std::uint64_t element_size = 0;
  std::uint64_t count = 0;      // array members: element count (0 otherwise)
  bool is_pointer = false;
};

class kernel_types {
public:
  kernel_types(const btf::type_info& t, unsigned pointer_size) : t_(&t), pointer_size_(pointer_size) {
    // One pass over the records: the first struct (or union) of each name,
    // the base's first. Names are views into the BTF's own strings.
    std::size_t n = 0;
    for (const btf::type_info* part = &t; part; part = part->base()) n += part->size();
    structs_.reserve(n / 4);
    std::vector<const btf::type_info*> parts;
    for (const btf::type_info* part = &t; part; part = part->base()) parts.insert(parts.begin(), part);
    for (const btf::type_info* part : parts)
      for (std::uint32_t id = part->first_id(); id <= part->last_id() && part->size() != 0; ++id) {
        const auto v = part->type(id);
        if (v && !v->name.empty() && (v->kind == btf::kind::struct_ || v->kind == btf::kind::union_))
          structs_.try_emplace(v->name, id);
      }
  }

  // Types from a table (which must outlive this object).
  explicit kernel_types(const type_table& table) : table_(&table), pointer_size_(table.pointer_size) {}

  unsigned pointer_size() const noexcept { return pointer_size_; }
  // What the types come from, for reports.
  const char* source() const noexcept { return t_ ? "BTF" : "a type table"; }

  bool has_struct(std::string_view name) const {
    return table_ ? table_->composites.count(std::string(name)) != 0 : structs_.count(name) != 0;
  }

  std::optional<std::uint64_t> struct_size(std::string_view name) const {
    if (table_) {
      const auto it = table_->composites.find(std::string(name));
      if (it == table_->composites.end() || it->second.size == 0 || it->second.size > max_struct_size)
        return std::nullopt;
      return it->second.size;
    }
    const auto it = structs_.find(name);
    if (it == structs_.end()) return std::nullopt;
    const auto s = btf::size_of(*t_, it->second, pointer_size_);
    if (!s || *s == 0 || *s > max_struct_size) return std::nullopt;
    return s;
  }

  // `path` inside struct `name`; nullopt when the kernel's struct has no
  // such member (an older or differently configured kernel).
  std::optional<field_ref> field(std::string_view name, std::string_view path) const {
    std::string key;
    key.reserve(name.size() + path.size() + 1);
    key.append(name).push_back(':');
    key.append(path);
    if (auto it = fields_.find(key); it != fields_.end()) return it->second;
    auto f = resolve(name, path);
    fields_.emplace(std::move(key), f);
    return f;
  }

  // A member that the reader cannot do without: an error naming it.
  result<field_ref> need(std::string_view name, std::string_view path) const {
    if (auto f = field(name, path)) return *f;
    return make_error(error_code::not_found, "the kernel's types have no " + std::string(name) + "." +
                                                 std::string(path));
  }

  std::optional<std::int64_t> enumerator(std::string_view name) const {
    const std::string key(name);
    if (auto it = enums_.find(key); it != enums_.end()) return it->second;
    std::optional<std::int64_t> v;
    if (table_) {
      if (const auto e = table_->enumerators.find(key); e != table_->enumerators.end()) v = e->second;
    } else {
      v = btf::enum_value(*t_, name);
    }
    enums_.emplace(key, v);
    return v;
  }

  // The enumerators of `enum name`, in declaration order (several may
  // share a value); empty when the types are a table's or the enum is
  // unknown.
  std::vector<std::pair<std::string, std::int64_t>> enumerators_of(std::string_view name) const {
    std::vector<std::pair<std::string, std::int64_t>> out;
    if (!t_) return out;
    auto id = btf::find_type(*t_, name, btf::kind::enum_);
    if (!id) id = btf::find_type(*t_, name, btf::kind::enum64);
    if (!id) return out;
    const auto v = t_->type(*id);
    if (!v) return out;
    for (const auto& e : t_->enumerators(*v)) out.emplace_back(std::string(e.name), e.value);
    return out;
  }

  // The function pointers of struct `name` (an ops table's slots), by
  // member name and byte offset, anonymous members looked into; empty
  // when the types are a table's (which keeps no pointer targets) or the
  // struct is unknown.
  std::vector<std::pair<std::string, std::uint64_t>> function_pointers(std::string_view name) const {
    std::vector<std::pair<std::string, std::uint64_t>> out;
    const auto it = t_ ? structs_.find(name) : structs_.end();
    if (it == structs_.end()) return out;
    struct level {
      std::uint32_t id;
      std::uint64_t offset;
    };
    std::vector<level> todo{{it->second, 0}};
    for (std::size_t visited = 0; !todo.empty() && visited < 4096; ++visited) {
      const level l = todo.back();
      todo.pop_back();
      const auto v = btf::strip(*t_, l.id);
      if (!v) continue;
      for (const auto& m : t_->members(*v)) {
        const auto mt = btf::strip(*t_, m.type);
        if (!mt || m.bitfield_size != 0) continue;
        const std::uint64_t at = l.offset + m.bit_offset / 8;
        if (m.name.empty() && (mt->kind == btf::kind::struct_ || mt->kind == btf::kind::union_)) {
          todo.push_back({m.type, at});
        } else if (mt->kind == btf::kind::ptr) {
          const auto target = btf::strip(*t_, mt->size_or_type);
          if (target && target->kind == btf::kind::func_proto) out.emplace_back(std::string(m.name), at);
        }
      }
    }
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.second < b.second; });
    return out;
  }

private:
  // A member of a table's composite, by name or inside its anonymous
  // members, with its offset from the start of `c`.
  std::optional<member_def> table_member(const composite_def& c, std::string_view name, unsigned depth,
                                         std::size_t& budget) const {
    if (depth > btf::max_depth) return std::nullopt;
    for (const auto& m : c.members) {
      if (budget == 0) return std::nullopt;
      --budget;
      if (m.name == name && !m.anonymous) return m;
      if (!m.anonymous) continue;
      const auto inner = table_->composites.find(m.type.name);
      if (inner == table_->composites.end()) continue;
      if (auto found = table_member(inner->second, name, depth + 1, budget)) {
        found->offset += m.offset;
        return found;
      }
    }
    return std::nullopt;
  }

  std::optional<field_ref> resolve_in_table(std::string_view name, std::string_view path) const {
    auto it = table_->composites.find(std::string(name));
    if (it == table_->composites.end()) return std::nullopt;
    std::uint64_t offset = 0;
    unsigned steps = 0;
    for (;;) {
      if (++steps > btf::max_depth) return std::nullopt;
      const auto dot = path.find('.');
      std::size_t budget = 1u << 16;
      auto m = table_member(it->second, path.substr(0, dot), 0, budget);
      if (!m) return std::nullopt;
      offset += m->offset;
      if (dot == std::string_view::npos) {
        field_ref r;
        r.offset = offset;
        const type_ref& t = m->type;
        if (t.k == type_ref::kind::bitfield) {
          r.offset += t.bit_position / 8;
          r.bit_offset = t.bit_position % 8;
          r.bit_size = t.bit_length;
          r.size = (r.bit_offset + r.bit_size + 7) / 8;
          return r;
        }
        const auto size = table_->size_of(t);
        if (!size || *size > max_struct_size) return std::nullopt;
        r.size = *size;
        r.is_pointer = t.k == type_ref::kind::pointer;
        if (t.k == type_ref::kind::array && t.subtype) {
          r.count = t.count;
          r.element_size = table_->size_of(*t.subtype).value_or(0);
        }
        return r;
      }
      if (m->type.k != type_ref::kind::struct_ && m->type.k != type_ref::kind::union_) return std::nullopt;
      it = table_->composites.find(m->type.name);
      if (it == table_->composites.end()) return std::nullopt;
      path = path.substr(dot + 1);
    }
  }

  std::optional<field_ref> resolve(std::string_view name, std::string_view path) const {
    if (table_) return resolve_in_table(name, path);
    const auto it = structs_.find(name);
    if (it == structs_.end()) return std::nullopt;
    const auto f = btf::field_of(*t_, it->second, path);
    if (!f) return std::nullopt;
    field_ref r;
    r.offset = f->bit_offset / 8;
    r.bit_size = f->bitfield_size;
    if (f->bitfield_size != 0) {
      r.bit_offset = static_cast<std::uint32_t>(f->bit_offset % 8);
      r.size = (r.bit_offset + f->bitfield_size + 7) / 8;
      return r;
    }
    if (f->bit_offset % 8 != 0) return std::nullopt;
    const auto size = btf::size_of(*t_, f->type, pointer_size_);
    if (!size || *size > max_struct_size) return std::nullopt;
    r.size = *size;
    if (const auto v = btf::strip(*t_, f->type)) {
      r.is_pointer = v->kind == btf::kind::ptr;
      if (v->kind == btf::kind::array)
        if (const auto a = t_->array(*v)) {
          r.count = a->count;
          r.element_size = btf::size_of(*t_, a->element, pointer_size_).value_or(0);
        }
    }
    return r;
  }

  const btf::type_info* t_ = nullptr;
  const type_table* table_ = nullptr;
  unsigned pointer_size_;
  std::unordered_map<std::string_view, std::uint32_t> structs_; // views into the BTF's strings
  mutable std::unordered_map<std::string, std::optional<field_ref>> fields_;
  mutable std::unordered_map<std::string, std::optional<std::int64_t>> enums_;
};

} // namespace mquire::objects
