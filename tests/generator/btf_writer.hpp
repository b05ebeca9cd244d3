// SPDX-License-Identifier: Apache-2.0
// BTF blobs built word by word, for malformed-input tests and fuzz seeds
// (well-formed BTF in the tests comes from pahole itself). Records are the
// kernel's: name offset, info (kind << 24 | vlen, bit 31 the kind flag),
// size or type, then the kind's trailing words.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <mquire/btf/format.hpp>

namespace gen {

constexpr std::uint32_t btf_info(mquire::btf::kind k, std::uint32_t vlen = 0, bool flag = false) {
  return static_cast<std::uint32_t>(k) << 24 | vlen | (flag ? 0x80000000u : 0);
}

// A little-endian blob: the 24-byte header, the type words, the strings.
inline std::vector<std::uint8_t> btf_blob(const std::vector<std::uint32_t>& types, const std::string& strings) {
  std::vector<std::uint8_t> b;
  const auto put = [&](std::uint32_t v, int n) {
    for (int i = 0; i < n; ++i) b.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
  };
  put(mquire::btf::magic, 2);
  put(mquire::btf::version, 1);
  put(0, 1);
  put(24, 4);
  put(0, 4);
  put(static_cast<std::uint32_t>(types.size() * 4), 4);
  put(static_cast<std::uint32_t>(types.size() * 4), 4);
  put(static_cast<std::uint32_t>(strings.size()), 4);
  for (auto w : types) put(w, 4);
  b.insert(b.end(), strings.begin(), strings.end());
  return b;
}

// A small well-formed blob: int, a struct with a bitfield and an anonymous
// union, a pointer, an array, an enum, a typedef and a function.
inline std::vector<std::uint8_t> sample_btf() {
  using mquire::btf::kind;
  // strings: "" int node next val u a b color RED fn
  const std::string s("\0int\0node\0next\0val\0a\0b\0color\0RED\0fn\0", 37);
  return btf_blob(
      {
          1, btf_info(kind::int_), 4, 0x01000020u,               // 1: int
          5, btf_info(kind::struct_, 3, true), 24,                // 2: struct node (bitfield offsets)
          10, 3, 0,                                               //    next: ptr at 0
          15, 1, (3u << 24) | 64,                                 //    val: int:3 at bit 64
          0, 5, 128,                                              //    (anon union) at bit 128
          0, btf_info(kind::ptr), 2,                              // 3: struct node *
          0, btf_info(kind::array), 0, 1, 1, 4,                   // 4: int[4]
          0, btf_info(kind::union_, 2), 8,                        // 5: union { int a; int b; }
          19, 1, 0, 21, 1, 0,
          23, btf_info(kind::enum_, 1), 4, 29, 7,                 // 6: enum color { RED = 7 }
          23, btf_info(kind::typedef_), 6,                        // 7: typedef color
          0, btf_info(kind::func_proto, 1), 1, 0, 3,              // 8: int (struct node *)
          33, btf_info(kind::func), 8,                            // 9: fn
      },
      s);
}

} // namespace gen
