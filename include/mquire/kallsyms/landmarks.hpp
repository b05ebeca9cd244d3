// SPDX-License-Identifier: Apache-2.0
// One pass over memory for the landmarks a dump scan needs: the token
// table's digit run ("0\0" ... "9\0"), the start of the vmcoreinfo text
// ("OSRELEASE=") and, for kernels whose table does not say where their BTF
// is, the BTF header's magic and version (9f eb 01 00 little-endian, eb 9f
// 01 00 big-endian). A two-byte prefilter ("0\0", "OS", 9f eb or eb 9f)
// finds candidate positions, 32 bytes at a time with AVX2 where the CPU has
// it, and each candidate is confirmed by a full compare. The portable path
// gives the same positions (a test holds them equal).
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <span>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define MQUIRE_HAVE_AVX2_PATH 1
#else
#define MQUIRE_HAVE_AVX2_PATH 0
#endif

#include "token_table.hpp"

namespace mquire {

// The first bytes of the kernel's vmcoreinfo text (addressing/
// find_vmcoreinfo.hpp says which occurrences are it).
inline constexpr std::array<std::uint8_t, 10> vmcoreinfo_landmark = {'O', 'S', 'R', 'E', 'L', 'E', 'A', 'S', 'E', '='};

namespace detail {

inline constexpr std::uint8_t btf_magic_le[4] = {0x9f, 0xeb, 0x01, 0x00};
inline constexpr std::uint8_t btf_magic_be[4] = {0xeb, 0x9f, 0x01, 0x00};

template <typename Digits, typename Info, typename Btf>
inline void confirm_landmark(std::span<const std::uint8_t> b, std::size_t i, Digits& on_digits, Info& on_info,
                             Btf& on_btf) {
  const std::size_t left = b.size() - i;
  if (b[i] == '0') {
    if (left >= digit_run_landmark.size() && std::memcmp(b.data() + i, digit_run_landmark.data(), 20) == 0)
      on_digits(i);
  } else if (b[i] == 'O') {
    if (left >= vmcoreinfo_landmark.size() &&
        std::memcmp(b.data() + i, vmcoreinfo_landmark.data(), vmcoreinfo_landmark.size()) == 0)
      on_info(i);
  } else if (left >= 4 && (std::memcmp(b.data() + i, btf_magic_le, 4) == 0 ||
                           std::memcmp(b.data() + i, btf_magic_be, 4) == 0)) {
    on_btf(i);
  }
}

inline bool landmark_pair(std::uint8_t c, std::uint8_t d) noexcept {
  return (c == '0' && d == 0) || (c == 'O' && d == 'S') || (c == 0x9f && d == 0xeb) || (c == 0xeb && d == 0x9f);
}

template <typename Digits, typename Info, typename Btf>
inline void scan_landmarks_portable(std::span<const std::uint8_t> b, std::size_t from, Digits& on_digits,
                                    Info& on_info, Btf& on_btf) {
  for (std::size_t i = from; i + 1 < b.size(); ++i)
    if (landmark_pair(b[i], b[i + 1])) confirm_landmark(b, i, on_digits, on_info, on_btf);
}

#if MQUIRE_HAVE_AVX2_PATH
// Returns where the vector loop stopped; the caller finishes the tail.
template <typename Digits, typename Info, typename Btf>
__attribute__((target("avx2"))) inline std::size_t scan_landmarks_avx2(std::span<const std::uint8_t> b,
                                                                       Digits& on_digits, Info& on_info, Btf& on_btf) {
  const __m256i zero_char = _mm256_set1_epi8('0'), nul = _mm256_setzero_si256();
  const __m256i o_char = _mm256_set1_epi8('O'), s_char = _mm256_set1_epi8('S');
  const __m256i b9f = _mm256_set1_epi8(static_cast<char>(0x9f)), beb = _mm256_set1_epi8(static_cast<char>(0xeb));
  std::size_t i = 0;
  for (; i + 33 <= b.size(); i += 32) {
    const __m256i a = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b.data() + i));
    const __m256i n = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b.data() + i + 1));
    const __m256i digits = _mm256_and_si256(_mm256_cmpeq_epi8(a, zero_char), _mm256_cmpeq_epi8(n, nul));
    const __m256i info = _mm256_and_si256(_mm256_cmpeq_epi8(a, o_char), _mm256_cmpeq_epi8(n, s_char));
    const __m256i btf = _mm256_or_si256(_mm256_and_si256(_mm256_cmpeq_epi8(a, b9f), _mm256_cmpeq_epi8(n, beb)),
                                        _mm256_and_si256(_mm256_cmpeq_epi8(a, beb), _mm256_cmpeq_epi8(n, b9f)));
    auto mask = static_cast<std::uint32_t>(_mm256_movemask_epi8(_mm256_or_si256(_mm256_or_si256(digits, info), btf)));
    while (mask != 0) {
      const unsigned bit = static_cast<unsigned>(__builtin_ctz(mask));
      confirm_landmark(b, i + bit, on_digits, on_info, on_btf);
      mask &= mask - 1;
    }
  }
  return i;
}

inline bool cpu_has_avx2() noexcept { return __builtin_cpu_supports("avx2"); }
#endif

} // namespace detail

// Calls on_digits(offset) for each digit run, on_info(offset) for each
// "OSRELEASE=" and on_btf(offset) for each BTF magic and version (any
// alignment: the caller knows which alignment its bytes start at), in
// increasing order within each kind.
template <typename Digits, typename Info, typename Btf>
void scan_all_landmarks(std::span<const std::uint8_t> bytes, Digits&& on_digits, Info&& on_info, Btf&& on_btf,
                        bool allow_simd = true) {
  std::size_t from = 0;
#if MQUIRE_HAVE_AVX2_PATH
  if (allow_simd && detail::cpu_has_avx2()) from = detail::scan_landmarks_avx2(bytes, on_digits, on_info, on_btf);
#else
  (void)allow_simd;
#endif
  detail::scan_landmarks_portable(bytes, from, on_digits, on_info, on_btf);
}

// The digit runs and "OSRELEASE=" only.
template <typename Digits, typename Info>
void scan_landmarks(std::span<const std::uint8_t> bytes, Digits&& on_digits, Info&& on_info,
                    bool allow_simd = true) {
  scan_all_landmarks(bytes, on_digits, on_info, [](std::size_t) {}, allow_simd);
}

} // namespace mquire
