// SPDX-License-Identifier: Apache-2.0
// Kernel objects read from a dump by their type: a struct at a kernel
// virtual address, read whole once, then its fields by name. A pointer is
// followed only after it is checked (in the kernel half, aligned, and the
// object it names readable whole); a failed read says what and where,
// never a guess.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "../bytes.hpp"
#include "../detail/hex.hpp"
#include "../error.hpp"
#include "../memory/virtual_memory.hpp"
#include "kernel_types.hpp"

namespace mquire::objects {

// A struct's bytes as the dump holds them, and where they came from.
class object {
public:
  object() = default;
  object(std::uint64_t address, std::string_view type, std::vector<std::uint8_t> bytes, const kernel_types* types,
         byte_order order)
      : address_(address), type_(type), bytes_(std::move(bytes)), types_(types), order_(order) {}

  std::uint64_t address() const noexcept { return address_; }
  std::string_view type() const noexcept { return type_; }
  std::span<const std::uint8_t> bytes() const noexcept { return bytes_; }

  // The address of a member (for an embedded list_head, say).
  std::optional<std::uint64_t> address_of(std::string_view path) const {
    const auto f = types_->field(type_, path);
    if (!f) return std::nullopt;
    return address_ + f->offset;
  }

  // An unsigned member (any width up to 8 bytes, bitfields included).
  std::optional<std::uint64_t> u(std::string_view path) const {
    const auto f = types_->field(type_, path);
    if (!f) return std::nullopt;
    return u(*f);
  }
  std::optional<std::uint64_t> u(const field_ref& f) const {
    if (f.bit_size != 0) {
      if (f.size > 8 || f.offset + f.size > bytes_.size()) return std::nullopt;
      std::uint64_t v = 0;
      for (std::uint64_t i = 0; i < f.size; ++i) {
        const std::uint64_t b = bytes_[f.offset + i];
        v |= order_ == byte_order::little ? b << (8 * i) : b << (8 * (f.size - 1 - i));
      }
      if (order_ == byte_order::big) v >>= 8 * f.size - f.bit_offset - f.bit_size;
      else v >>= f.bit_offset;
      return f.bit_size >= 64 ? v : v & ((std::uint64_t{1} << f.bit_size) - 1);
    }
    return at(f.offset, f.size);
  }
  // A signed member, sign-extended from its width.
  std::optional<std::int64_t> s(std::string_view path) const {
    const auto f = types_->field(type_, path);
    if (!f) return std::nullopt;
    const auto v = u(*f);
    if (!v) return std::nullopt;
    const unsigned bits = f->bit_size ? f->bit_size : static_cast<unsigned>(f->size * 8);
    if (bits == 0 || bits >= 64) return static_cast<std::int64_t>(*v);
    const std::uint64_t sign = std::uint64_t{1} << (bits - 1);
    return static_cast<std::int64_t>((*v ^ sign) - sign);
  }
  // `width` bytes at byte `offset` of the object.
  std::optional<std::uint64_t> at(std::uint64_t offset, std::uint64_t width) const {
    if (width == 0 || width > 8 || offset > bytes_.size() || width > bytes_.size() - offset) return std::nullopt;
    return byte_reader(std::span<const std::uint8_t>(bytes_)).uint_unchecked(static_cast<std::size_t>(offset),
                                                                              static_cast<unsigned>(width), order_);
  }
  // A char array member up to its first NUL (comm[16], say).
  std::optional<std::string> chars(std::string_view path) const {
    const auto f = types_->field(type_, path);
    if (!f || f->offset + f->size > bytes_.size()) return std::nullopt;
    std::string out;
    for (std::uint64_t i = 0; i < f->size && bytes_[f->offset + i] != 0; ++i)
      out.push_back(static_cast<char>(bytes_[f->offset + i]));
    return out;
  }

private:
  std::uint64_t address_ = 0;
  std::string_view type_;
  std::vector<std::uint8_t> bytes_;
  const kernel_types* types_ = nullptr;
  byte_order order_ = byte_order::little;
};

// Reads objects through kernel virtual memory by their BTF type.
class object_reader {
public:
  object_reader(const virtual_memory& vm, const kernel_types& types) : vm_(&vm), types_(&types) {}

  const virtual_memory& memory() const noexcept { return *vm_; }
  const kernel_types& types() const noexcept { return *types_; }
  unsigned pointer_size() const noexcept { return vm_->pointer_size(); }

  // A pointer the kernel could hold to one of its own objects: in the upper
  // (kernel) half of the address space and aligned to `align`.
  bool kernel_pointer(std::uint64_t p, std::uint64_t align = 8) const noexcept {
    if (p == 0 || (align > 1 && p % align != 0)) return false;
    if (vm_->pointer_size() == 4) return p >= 0xc0000000ull;
    return (p >> 63) != 0 && p < ~std::uint64_t{0xfff}; // the top page holds error codes (ERR_PTR)
  }

  // The struct `type` at `address`, read whole. `type` must outlive the
  // object (a string literal, or a name the caller keeps).
  result<object> read(std::uint64_t address, std::string_view type) const {
    if (!kernel_pointer(address, 4))
      return make_error(error_code::malformed, std::string(type) + " at " + detail::hex(address) +
                                                   ": not a kernel address");
    const auto size = types_->struct_size(type);
    if (!size) return make_error(error_code::not_found, "the kernel's types have no struct " + std::string(type));
    std::vector<std::uint8_t> bytes(static_cast<std::size_t>(*size));
    const std::size_t got = vm_->read_available(address, bytes.data(), bytes.size());
    if (got != bytes.size())
      return make_error(error_code::out_of_range, std::string(type) + " at " + detail::hex(address) + ": " +
                                                      (got == 0 ? std::string("not in the dump")
                                                                : "only " + std::to_string(got) + " of " +
                                                                      std::to_string(bytes.size()) + " bytes readable"));
    return object(address, type, std::move(bytes), types_, vm_->order());
  }

  // The object a pointer member of `o` points to; an error for a null,
  // misaligned, non-kernel or unreadable target.
  result<object> follow(const object& o, std::string_view path, std::string_view type) const {
    const auto p = o.u(path);
    if (!p) return make_error(error_code::not_found, "the kernel's types have no " + std::string(o.type()) + "." +
                                                         std::string(path));
    if (*p == 0)
      return make_error(error_code::not_found, std::string(o.type()) + "." + std::string(path) + " is NULL");
    return read(*p, type);
  }

  // A NUL-terminated string in kernel memory, at most `max` bytes.
  std::optional<std::string> string(std::uint64_t address, std::size_t max) const {
    if (!kernel_pointer(address, 1)) return std::nullopt;
    return vm_->c_string(address, max);
  }

  // `n` bytes at `address`, all or nothing.
  std::optional<std::vector<std::uint8_t>> bytes(std::uint64_t address, std::size_t n) const {
    std::vector<std::uint8_t> out(n);
    if (!vm_->read(address, out.data(), n)) return std::nullopt;
    return out;
  }

  std::optional<std::uint64_t> pointer(std::uint64_t address) const { return vm_->pointer(address); }

private:
  const virtual_memory* vm_;
  const kernel_types* types_;
};

} // namespace mquire::objects
