// SPDX-License-Identifier: Apache-2.0
// Kernel types from somewhere other than the kernel's BTF: a plain table of
// structs and unions (size, members at byte offsets, each member's type as
// a small tree), base type sizes and enumerators. Volatility 3 symbol
// tables (ISF, made by dwarf2json from DWARF) map onto it one to one; an
// embedder fills it from whatever it has. kernel_types answers the same
// questions over it as over BTF.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace mquire::objects {

struct type_ref {
  enum class kind { base, pointer, array, struct_, union_, enum_, bitfield, function, other };
  kind k = kind::other;
  std::string name;                  // base, struct, union and enum types
  std::uint64_t count = 0;           // arrays
  std::uint32_t bit_position = 0;    // bitfields: within the storage unit at the member's offset
  std::uint32_t bit_length = 0;
  std::shared_ptr<type_ref> subtype; // pointers, arrays, bitfields (the storage unit's type)
};

struct member_def {
  std::string name;
  std::uint64_t offset = 0; // bytes from the start of the struct
  type_ref type;
  bool anonymous = false;   // an unnamed struct or union whose members are the outer one's
};

struct composite_def {
  std::uint64_t size = 0;
  bool is_union = false;
  std::vector<member_def> members;
};

struct type_table {
  unsigned pointer_size = 8;
  std::unordered_map<std::string, composite_def> composites;
  std::unordered_map<std::string, std::uint64_t> base_sizes;
  std::unordered_map<std::string, std::uint64_t> enum_sizes;
  std::unordered_map<std::string, std::int64_t> enumerators;

  // Size in bytes of a value of type `t`; nullopt for unknown names and
  // nesting deeper than any real kernel type.
  std::optional<std::uint64_t> size_of(const type_ref& t, unsigned depth = 0) const {
    if (depth > 64) return std::nullopt;
    switch (t.k) {
    case type_ref::kind::base: {
      const auto it = base_sizes.find(t.name);
      if (it == base_sizes.end()) return std::nullopt;
      return it->second;
    }
    case type_ref::kind::pointer:
    case type_ref::kind::function: return pointer_size;
    case type_ref::kind::struct_:
    case type_ref::kind::union_: {
      const auto it = composites.find(t.name);
      if (it == composites.end()) return std::nullopt;
      return it->second.size;
    }
    case type_ref::kind::enum_: {
      const auto it = enum_sizes.find(t.name);
      return it == enum_sizes.end() ? std::uint64_t{4} : it->second;
    }
    case type_ref::kind::array: {
      if (!t.subtype) return std::nullopt;
      const auto each = size_of(*t.subtype, depth + 1);
      if (!each || (t.count != 0 && *each > (std::uint64_t{1} << 40) / t.count)) return std::nullopt;
      return *each * t.count;
    }
    case type_ref::kind::bitfield:
      if (!t.subtype) return std::nullopt;
      return size_of(*t.subtype, depth + 1);
    case type_ref::kind::other: return std::nullopt;
    }
    return std::nullopt;
  }
};

} // namespace mquire::objects
