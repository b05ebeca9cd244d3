// SPDX-License-Identifier: Apache-2.0
// Kernel pointers as the running kernel's `%pK` printed them in /proc
// (the socket listings' "pointer" and "Num" columns, for one). Under
// kptr_restrict 0 such a pointer is printed hashed: SipHash-2-4 of the
// address under the boot's random `ptr_key`, its low 32 bits, zero-padded
// to the pointer's width. The key is in the dump, so the hash is exact.
// kptr_restrict 1 shows the address to a reader with CAP_SYSLOG (root is
// assumed, as the truth files were read), 2 shows zeros; `no_hash_pointers`
// prints addresses as they are; before the key was filled the kernel
// printed "(____ptrval____)".
#pragma once

#include <array>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <span>
#include <string>

#include "../objects/object_reader.hpp"
#include "../objects/symbol_index.hpp"

namespace mquire::system {

// SipHash-2-4 (lib/siphash.c): the message's whole 8-byte words, then
// the last block (its length in the top byte over the trailing bytes).
inline std::uint64_t siphash_2_4(std::span<const std::uint64_t> words, std::uint64_t last, std::uint64_t k0,
                                 std::uint64_t k1) {
  std::uint64_t v0 = 0x736f6d6570736575ull ^ k0, v1 = 0x646f72616e646f6dull ^ k1;
  std::uint64_t v2 = 0x6c7967656e657261ull ^ k0, v3 = 0x7465646279746573ull ^ k1;
  const auto rotl = [](std::uint64_t x, int b) { return (x << b) | (x >> (64 - b)); };
  const auto round = [&] {
    v0 += v1; v1 = rotl(v1, 13); v1 ^= v0; v0 = rotl(v0, 32);
    v2 += v3; v3 = rotl(v3, 16); v3 ^= v2;
    v0 += v3; v3 = rotl(v3, 21); v3 ^= v0;
    v2 += v1; v1 = rotl(v1, 17); v1 ^= v2; v2 = rotl(v2, 32);
  };
  const auto compress = [&](std::uint64_t m) {
    v3 ^= m;
    round();
    round();
    v0 ^= m;
  };
  for (const std::uint64_t w : words) compress(w);
  compress(last);
  v2 ^= 0xff;
  for (int i = 0; i < 4; ++i) round();
  return v0 ^ v1 ^ v2 ^ v3;
}

// How this kernel printed %pK, read once from the dump.
class pointer_printer {
public:
  enum class mode { hashed, unhashed_key, raw, zeros };

  pointer_printer() = default;
  pointer_printer(mode m, std::uint64_t k0, std::uint64_t k1, unsigned pointer_size)
      : mode_(m), k0_(k0), k1_(k1), width_(pointer_size * 2) {}

  mode how() const noexcept { return mode_; }

  // The text %pK gave for `p`.
  std::string operator()(std::uint64_t p) const {
    char buf[24];
    std::uint64_t shown = p;
    if (mode_ == mode::zeros) shown = 0;
    else if (mode_ == mode::hashed || mode_ == mode::unhashed_key) {
      const bool is_error = p >= ~std::uint64_t{4094} || (width_ == 8 && p >= 0xfffff001ull);
      if (p != 0 && !is_error) { // NULL and error pointers are printed as they are
        if (mode_ == mode::unhashed_key) return width_ == 16 ? "(____ptrval____)" : "(ptrval)";
        // siphash_1u64 on 64-bit kernels, siphash_1u32 on 32-bit ones;
        // the low 32 bits either way.
        const std::uint64_t word[1] = {p};
        shown = (width_ == 16 ? siphash_2_4(word, std::uint64_t{8} << 56, k0_, k1_)
                              : siphash_2_4({}, (std::uint64_t{4} << 56) | (p & 0xffffffffu), k0_, k1_)) &
                0xffffffffu;
      }
    }
    std::snprintf(buf, sizeof buf, "%0*llx", static_cast<int>(width_), static_cast<unsigned long long>(shown));
    return buf;
  }

private:
  mode mode_ = mode::raw;
  std::uint64_t k0_ = 0, k1_ = 0;
  unsigned width_ = 16;
};

// The printer this dump's kernel used; nothing when the switches it reads
// (kptr_restrict, and for hashing the key) are not in the symbols or dump.
inline std::optional<pointer_printer> read_pointer_printer(const objects::object_reader& r,
                                                           const objects::symbol_index& syms) {
  const auto& vm = r.memory();
  const unsigned ps = r.pointer_size();
  const auto restrict_at = syms.address("kptr_restrict");
  if (!restrict_at) return std::nullopt;
  const auto restrict = vm.uint(*restrict_at, 4);
  if (!restrict) return std::nullopt;
  if (*restrict == 1) return pointer_printer(pointer_printer::mode::raw, 0, 0, ps);
  if (*restrict != 0) return pointer_printer(pointer_printer::mode::zeros, 0, 0, ps);
  if (const auto no_hash = syms.address("no_hash_pointers"))
    if (const auto v = vm.uint(*no_hash, 1); v && *v != 0) return pointer_printer(pointer_printer::mode::raw, 0, 0, ps);
  const auto key = syms.address("ptr_key");
  if (!key) return std::nullopt;
  const auto k0 = vm.uint(*key, 8), k1 = vm.uint(*key + 8, 8);
  if (!k0 || !k1) return std::nullopt;
  // Whether the key was filled: a bool from 6.x's rework, a static key
  // (not_filled_random_ptr_key, enabled while empty) before it.
  bool filled = true;
  if (const auto flag = syms.address("filled_random_ptr_key")) {
    const auto v = vm.uint(*flag, 1);
    if (!v) return std::nullopt;
    filled = *v != 0;
  } else if (const auto not_filled = syms.address("not_filled_random_ptr_key")) {
    const auto v = vm.uint(*not_filled, 4); // static_key.enabled
    if (!v) return std::nullopt;
    filled = *v == 0;
  }
  return pointer_printer(filled ? pointer_printer::mode::hashed : pointer_printer::mode::unhashed_key, *k0, *k1, ps);
}

} // namespace mquire::system
