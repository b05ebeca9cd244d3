// SPDX-License-Identifier: Apache-2.0
// A parsed BTF blob: the header checked, every record walked once and
// checked (known kind, trailing data inside the section, names inside the
// string section, every type it refers to present), then records read by id.
// Nothing is copied: views point into the caller's bytes, which must outlive
// this object. Memory is one offset per type, bounded by the section's size.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "../bytes.hpp"
#include "../detail/hex.hpp"
#include "../error.hpp"
#include "format.hpp"

namespace mquire::btf {

struct header {
  byte_order order = byte_order::little;
  std::uint8_t flags = 0;
  std::uint32_t hdr_len = 0, type_off = 0, type_len = 0, str_off = 0, str_len = 0;
  // Bytes the blob occupies: the header and both sections.
  std::uint64_t total_size() const noexcept {
    const std::uint64_t types_end = std::uint64_t{hdr_len} + type_off + type_len;
    const std::uint64_t strs_end = std::uint64_t{hdr_len} + str_off + str_len;
    return types_end > strs_end ? types_end : strs_end;
  }
};

// Reads and checks the header at the start of `bytes` (which may run past
// the blob). The sections must lie inside `bytes`.
inline result<header> read_header(std::span<const std::uint8_t> bytes) {
  const byte_reader r(bytes);
  if (bytes.size() < header_size)
    return make_error(error_code::malformed, "BTF header: " + std::to_string(bytes.size()) + " bytes, need 24");
  header h;
  if (bytes[0] == 0x9f && bytes[1] == 0xeb) h.order = byte_order::little;
  else if (bytes[0] == 0xeb && bytes[1] == 0x9f) h.order = byte_order::big;
  else
    return make_error(error_code::malformed, "BTF header: magic " + detail::hex(*r.u16(0, byte_order::little)) +
                                                 ", expected 0xeb9f in either byte order");
  if (bytes[2] != version)
    return make_error(error_code::unsupported, "BTF header: version " + std::to_string(bytes[2]) + ", expected 1");
  h.flags = bytes[3];
  h.hdr_len = *r.u32(4, h.order);
  if (h.hdr_len < header_size || h.hdr_len > bytes.size())
    return make_error(error_code::malformed, "BTF header: hdr_len " + std::to_string(h.hdr_len) + " (at least 24, within " +
                                                 std::to_string(bytes.size()) + " bytes)");
  // A longer header (a newer producer) must be zero past the fields we know,
  // as the kernel requires.
  if (!r.all_zero(header_size, h.hdr_len - header_size))
    return make_error(error_code::unsupported, "BTF header: hdr_len " + std::to_string(h.hdr_len) +
                                                   " with unknown non-zero fields");
  h.type_off = *r.u32(8, h.order);
  h.type_len = *r.u32(12, h.order);
  h.str_off = *r.u32(16, h.order);
  h.str_len = *r.u32(20, h.order);
  if (h.type_off % 4 != 0 || h.type_len % 4 != 0)
    return make_error(error_code::malformed, "BTF header: type section at " + std::to_string(h.type_off) + ", length " +
                                                 std::to_string(h.type_len) + ": not 4-byte aligned");
  if (h.total_size() > bytes.size())
    return make_error(error_code::out_of_range, "BTF header: sections end at byte " + std::to_string(h.total_size()) +
                                                    ", past the " + std::to_string(bytes.size()) + " bytes available");
  const std::uint64_t t0 = h.type_off, t1 = t0 + h.type_len, s0 = h.str_off, s1 = s0 + h.str_len;
  if (h.type_len != 0 && h.str_len != 0 && t0 < s1 && s0 < t1)
    return make_error(error_code::malformed, "BTF header: the type and string sections overlap");
  return h;
}

// One type record, read by id.
struct type_view {
  std::uint32_t id = 0;
  btf::kind kind = btf::kind::unknown;
  std::string_view name;
  std::uint16_t vlen = 0;
  bool kind_flag = false;
  std::uint32_t size_or_type = 0; // size for INT, STRUCT, UNION, ENUM*, DATASEC, FLOAT; a type id otherwise
  std::size_t trailing = 0;       // offset of its trailing data in the type section
};

struct member {
  std::string_view name; // empty for an anonymous struct or union member
  std::uint32_t type = 0;
  std::uint64_t bit_offset = 0;
  std::uint32_t bitfield_size = 0; // 0: not a bitfield
};

struct enumerator {
  std::string_view name;
  std::int64_t value = 0; // sign per the type's kind_flag; ENUM64 values as stored
  std::uint64_t raw = 0;
};

struct array_info {
  std::uint32_t element = 0, index = 0, count = 0;
};

struct param {
  std::string_view name;
  std::uint32_t type = 0;
};

struct datasec_var {
  std::uint32_t type = 0, offset = 0, size = 0;
};

class type_info {
public:
  // Parses `blob` (exactly the header and both sections, or more: the rest is
  // ignored). `base` is the kernel's BTF when `blob` is a module's split BTF;
  // it must outlive this object.
  static result<type_info> parse(std::span<const std::uint8_t> blob, const type_info* base = nullptr) {
    auto h = read_header(blob);
    if (!h) return h.err();
    type_info t;
    t.h_ = *h;
    t.base_ = base;
    t.blob_ = blob.first(static_cast<std::size_t>(h->total_size()));
    t.types_ = t.blob_.subspan(h->hdr_len + std::size_t{h->type_off}, h->type_len);
    t.strs_ = t.blob_.subspan(h->hdr_len + std::size_t{h->str_off}, h->str_len);
    if (base && base->h_.order != h->order)
      return make_error(error_code::malformed, "split BTF in the other byte order from its base");
    if (!t.strs_.empty() && t.strs_.back() != 0)
      return make_error(error_code::malformed, "BTF string section does not end with a NUL byte");
    if (!base && (t.strs_.empty() || t.strs_.front() != 0))
      return make_error(error_code::malformed, "BTF string section does not start with the empty string");
    if (auto e = t.index_records(); !e.empty()) return make_error(error_code::malformed, e);
    if (auto e = t.check_references(); !e.empty()) return make_error(error_code::malformed, e);
    return t;
  }

  // The result points into the bytes: a temporary buffer would leave it
  // dangling, so that is refused at compile time.
  static result<type_info> parse(std::vector<std::uint8_t>&&, const type_info* = nullptr) = delete;

  const header& hdr() const noexcept { return h_; }
  byte_order order() const noexcept { return h_.order; }
  std::span<const std::uint8_t> bytes() const noexcept { return blob_; }
  const type_info* base() const noexcept { return base_; }
  // Ids this blob defines: first_id() .. last_id().
  std::uint32_t first_id() const noexcept { return base_ ? base_->last_id() + 1 : 1; }
  std::uint32_t last_id() const noexcept { return first_id() + static_cast<std::uint32_t>(offsets_.size()) - 1; }
  std::size_t size() const noexcept { return offsets_.size(); }

  // The string at `off` (in the base's section below its length), or
  // nullopt when it lies outside every string section.
  std::optional<std::string_view> string_at(std::uint32_t off) const {
    if (base_ && off < base_->string_space()) return base_->string_at(off);
    const std::uint64_t local = off - std::uint64_t{base_ ? base_->string_space() : 0};
    if (local >= strs_.size()) return std::nullopt;
    const char* p = reinterpret_cast<const char*>(strs_.data()) + local;
    return std::string_view(p); // the section ends with a NUL (checked)
  }

  std::optional<type_view> type(std::uint32_t id) const {
    if (id == 0) return std::nullopt; // void
    if (base_ && id < first_id()) return base_->type(id);
    if (id > last_id()) return std::nullopt;
    const std::size_t off = offsets_[id - first_id()];
    const byte_reader r(types_);
    const std::uint32_t info = static_cast<std::uint32_t>(r.uint_unchecked(off + 4, 4, h_.order));
    type_view v;
    v.id = id;
    v.kind = static_cast<btf::kind>(info_kind(info));
    v.name = string_at(static_cast<std::uint32_t>(r.uint_unchecked(off, 4, h_.order))).value_or("");
    v.vlen = info_vlen(info);
    v.kind_flag = info_kind_flag(info);
    v.size_or_type = static_cast<std::uint32_t>(r.uint_unchecked(off + 8, 4, h_.order));
    v.trailing = off + type_record_size;
    return v;
  }

  // The members of a STRUCT or UNION (empty for any other kind).
  std::vector<member> members(const type_view& t) const {
    std::vector<member> out;
    if (t.kind != kind::struct_ && t.kind != kind::union_) return out;
    const auto& self = owner(t.id);
    out.reserve(t.vlen);
    for (std::size_t i = 0; i < t.vlen; ++i) {
      const std::size_t at = t.trailing + 12 * i;
      member m;
      m.name = string_at(self.word(at)).value_or("");
      m.type = self.word(at + 4);
      const std::uint32_t off = self.word(at + 8);
      m.bit_offset = t.kind_flag ? (off & 0xffffff) : off;
      m.bitfield_size = t.kind_flag ? off >> 24 : 0;
      out.push_back(m);
    }
    return out;
  }

  std::vector<enumerator> enumerators(const type_view& t) const {
    std::vector<enumerator> out;
    if (t.kind != kind::enum_ && t.kind != kind::enum64) return out;
    const auto& self = owner(t.id);
    const std::size_t stride = t.kind == kind::enum_ ? 8 : 12;
    out.reserve(t.vlen);
    for (std::size_t i = 0; i < t.vlen; ++i) {
      const std::size_t at = t.trailing + stride * i;
      enumerator e;
      e.name = string_at(self.word(at)).value_or("");
      if (t.kind == kind::enum_) {
        e.raw = self.word(at + 4);
        e.value = t.kind_flag ? sign_extend32(e.raw) : static_cast<std::int64_t>(e.raw);
      } else {
        e.raw = std::uint64_t{self.word(at + 8)} << 32 | self.word(at + 4);
        e.value = static_cast<std::int64_t>(e.raw);
      }
      out.push_back(e);
    }
    return out;
  }

  std::optional<array_info> array(const type_view& t) const {
    if (t.kind != kind::array) return std::nullopt;
    const auto& self = owner(t.id);
    return array_info{self.word(t.trailing), self.word(t.trailing + 4), self.word(t.trailing + 8)};
  }

  std::vector<param> params(const type_view& t) const {
    std::vector<param> out;
    if (t.kind != kind::func_proto) return out;
    const auto& self = owner(t.id);
    for (std::size_t i = 0; i < t.vlen; ++i)
      out.push_back({string_at(self.word(t.trailing + 8 * i)).value_or(""), self.word(t.trailing + 8 * i + 4)});
    return out;
  }

  std::vector<datasec_var> datasec_vars(const type_view& t) const {
    std::vector<datasec_var> out;
    if (t.kind != kind::datasec) return out;
    const auto& self = owner(t.id);
    for (std::size_t i = 0; i < t.vlen; ++i) {
      const std::size_t at = t.trailing + 12 * i;
      out.push_back({self.word(at), self.word(at + 4), self.word(at + 8)});
    }
    return out;
  }

  // The one trailing word of INT (encoding), VAR (linkage), DECL_TAG (component).
  std::optional<std::uint32_t> extra_word(const type_view& t) const {
    if (t.kind != kind::int_ && t.kind != kind::var && t.kind != kind::decl_tag) return std::nullopt;
    return owner(t.id).word(t.trailing);
  }

private:
  // Bytes of string offsets this blob and its bases cover.
  std::uint64_t string_space() const noexcept { return (base_ ? base_->string_space() : 0) + strs_.size(); }
  const type_info& owner(std::uint32_t id) const { return base_ && id < first_id() ? base_->owner(id) : *this; }
  std::uint32_t word(std::size_t at) const {
    return static_cast<std::uint32_t>(byte_reader(types_).uint_unchecked(at, 4, h_.order));
  }
  // A name offset is good when it lies in a string section: each ends with
  // a NUL (checked), so no string needs measuring to know that.
  bool name_ok(std::uint32_t off) const { return off < string_space(); }

  // One pass over the type section: kinds, sizes and names.
  std::string index_records() {
    const byte_reader r(types_);
    offsets_.reserve(types_.size() / type_record_size);
    std::size_t off = 0;
    while (off < types_.size()) {
      // The message's prefix is made only for a record that fails.
      const auto where = [&] {
        const std::uint32_t id = first_id() + static_cast<std::uint32_t>(offsets_.size());
        return "BTF type " + std::to_string(id) + " at byte " + std::to_string(off) + ": ";
      };
      if (!r.fits(off, type_record_size)) return where() + "record runs past the type section";
      const std::uint32_t name_off = static_cast<std::uint32_t>(r.uint_unchecked(off, 4, h_.order));
      const std::uint32_t info = static_cast<std::uint32_t>(r.uint_unchecked(off + 4, 4, h_.order));
      const unsigned k = info_kind(info);
      if (k == 0 || k > max_kind) return where() + "unknown kind " + std::to_string(k);
      if ((info & 0x60ff0000u) != 0) return where() + "reserved bits set in its info word " + detail::hex(info);
      const std::size_t extra = trailing_bytes(static_cast<kind>(k), info_vlen(info));
      if (!r.fits(off + type_record_size, extra)) return where() + "its " + std::to_string(info_vlen(info)) +
                                                         " entries run past the type section";
      if (!name_ok(name_off)) return where() + "name offset " + std::to_string(name_off) + " is past the string section";
      if (auto e = check_entry_names(static_cast<kind>(k), info_vlen(info), off + type_record_size); !e.empty())
        return where() + e;
      offsets_.push_back(static_cast<std::uint32_t>(off));
      off += type_record_size + extra;
    }
    if (offsets_.size() > 0x7fffffffu - first_id()) return "BTF: too many types";
    return {};
  }

  std::string check_entry_names(kind k, std::uint32_t vlen, std::size_t at) const {
    std::size_t stride = 0;
    if (k == kind::struct_ || k == kind::union_ || k == kind::enum64) stride = 12;
    else if (k == kind::enum_ || k == kind::func_proto) stride = 8;
    if (stride == 0) return {};
    for (std::size_t i = 0; i < vlen; ++i)
      if (!name_ok(word(at + stride * i)))
        return "entry " + std::to_string(i) + "'s name offset is past the string section";
    return {};
  }

  // Every type id a record refers to must exist (a module's may refer to the
  // kernel's); checked after the walk since references may point forward.
  // Read from the raw words: no name is needed to follow a reference.
  std::string check_references() const {
    const std::uint32_t last = last_id();
    for (std::uint32_t id = first_id(); id <= last; ++id) {
      const std::size_t off = offsets_[id - first_id()];
      const std::uint32_t info = word(off + 4);
      const kind k = static_cast<kind>(info_kind(info));
      const std::size_t trailing = off + type_record_size;
      const std::uint32_t vlen = info_vlen(info);
      std::uint32_t bad_ref = 0;
      const auto refers = [&](std::uint32_t ref) {
        if (ref > last) bad_ref = ref;
        return ref <= last;
      };
      bool ok = true;
      switch (k) {
      case kind::ptr:
      case kind::typedef_:
      case kind::volatile_:
      case kind::const_:
      case kind::restrict_:
      case kind::func:
      case kind::var:
      case kind::decl_tag:
      case kind::type_tag: ok = refers(word(off + 8)); break;
      case kind::func_proto:
        ok = refers(word(off + 8));
        for (std::size_t i = 0; ok && i < vlen; ++i) ok = refers(word(trailing + 8 * i + 4));
        break;
      case kind::array: ok = refers(word(trailing)) && refers(word(trailing + 4)); break;
      case kind::struct_:
      case kind::union_:
        for (std::size_t i = 0; ok && i < vlen; ++i) ok = refers(word(trailing + 12 * i + 4));
        break;
      case kind::datasec:
        for (std::size_t i = 0; ok && i < vlen; ++i) ok = refers(word(trailing + 12 * i));
        break;
      default: break;
      }
      if (!ok)
        return "BTF type " + std::to_string(id) + " (" + std::string(to_string(k)) + ") refers to type " +
               std::to_string(bad_ref) + ", past the last type " + std::to_string(last);
    }
    return {};
  }

  header h_{};
  const type_info* base_ = nullptr;
  std::span<const std::uint8_t> blob_{}, types_{}, strs_{};
  std::vector<std::uint32_t> offsets_; // of each record in the type section, by id - first_id()
};

} // namespace mquire::btf
