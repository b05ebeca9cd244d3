// SPDX-License-Identifier: Apache-2.0
// The BTF wire format (the kernel's include/uapi/linux/btf.h): a 24-byte
// header, a type section of variable-length records and a string section.
// Type ids count from 1 in section order (0 is void); split BTF (a module's)
// continues the ids and string offsets of the BTF it is based on.
#pragma once

#include <cstdint>
#include <string_view>

namespace mquire::btf {

inline constexpr std::uint16_t magic = 0xeb9f;
inline constexpr std::uint8_t version = 1;
inline constexpr std::size_t header_size = 24; // hdr_len of every BTF written so far
inline constexpr std::size_t type_record_size = 12; // name_off, info, size/type

enum class kind : std::uint8_t {
  unknown = 0,
  int_ = 1,
  ptr = 2,
  array = 3,
  struct_ = 4,
  union_ = 5,
  enum_ = 6,
  fwd = 7,
  typedef_ = 8,
  volatile_ = 9,
  const_ = 10,
  restrict_ = 11,
  func = 12,
  func_proto = 13,
  var = 14,
  datasec = 15,
  float_ = 16,
  decl_tag = 17,
  type_tag = 18,
  enum64 = 19,
};
inline constexpr unsigned max_kind = 19;

constexpr std::string_view to_string(kind k) noexcept {
  switch (k) {
  case kind::int_: return "INT";
  case kind::ptr: return "PTR";
  case kind::array: return "ARRAY";
  case kind::struct_: return "STRUCT";
  case kind::union_: return "UNION";
  case kind::enum_: return "ENUM";
  case kind::fwd: return "FWD";
  case kind::typedef_: return "TYPEDEF";
  case kind::volatile_: return "VOLATILE";
  case kind::const_: return "CONST";
  case kind::restrict_: return "RESTRICT";
  case kind::func: return "FUNC";
  case kind::func_proto: return "FUNC_PROTO";
  case kind::var: return "VAR";
  case kind::datasec: return "DATASEC";
  case kind::float_: return "FLOAT";
  case kind::decl_tag: return "DECL_TAG";
  case kind::type_tag: return "TYPE_TAG";
  case kind::enum64: return "ENUM64";
  case kind::unknown: break;
  }
  return "UNKNOWN";
}

// Bytes that follow the 12-byte record of a type of kind `k` with `vlen`
// entries (vlen is 16 bits, so this never overflows).
constexpr std::size_t trailing_bytes(kind k, std::uint32_t vlen) noexcept {
  switch (k) {
  case kind::int_: return 4;                 // encoding, bit offset, bit count
  case kind::array: return 12;               // element type, index type, count
  case kind::struct_:
  case kind::union_: return 12u * vlen;      // name, type, offset per member
  case kind::enum_: return 8u * vlen;        // name, 32-bit value
  case kind::enum64: return 12u * vlen;      // name, low and high 32 bits
  case kind::func_proto: return 8u * vlen;   // name, type per parameter
  case kind::var: return 4;                  // linkage
  case kind::datasec: return 12u * vlen;     // variable type, offset, size
  case kind::decl_tag: return 4;             // component index
  default: return 0;
  }
}

// The `info` word of a record.
constexpr std::uint16_t info_vlen(std::uint32_t info) noexcept { return static_cast<std::uint16_t>(info & 0xffff); }
constexpr unsigned info_kind(std::uint32_t info) noexcept { return (info >> 24) & 0x1f; }
constexpr bool info_kind_flag(std::uint32_t info) noexcept { return (info >> 31) != 0; }

// An INT's encoding word.
inline constexpr std::uint8_t int_signed = 1, int_char = 2, int_bool = 4;
constexpr unsigned int_encoding(std::uint32_t w) noexcept { return (w >> 24) & 0x0f; }
constexpr unsigned int_offset(std::uint32_t w) noexcept { return (w >> 16) & 0xff; }
constexpr unsigned int_bits(std::uint32_t w) noexcept { return w & 0xff; }

} // namespace mquire::btf
