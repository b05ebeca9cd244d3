// SPDX-License-Identifier: Apache-2.0
// Test-side encoders for every compression the kernel build offers, each
// writing the container the kernel's own Makefile rules produce: gzip -n -9,
// xz --check=crc32, lzma -9 (the .lzma "alone" header), bzip2 -9,
// lz4 -l (legacy framing: magic, then {u32 size, block} of 8 MiB inputs),
// lzop -9 (lzop's header and blocks with Adler-32 of the data), zstd -22.
// append_size() adds the uncompressed size the way size_append does.
#pragma once

#include <bzlib.h>
#include <lz4.h>
#include <lzma.h>
#include <lzo/lzo1x.h>
#include <zlib.h>
#include <zstd.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace gen {

using bytes = std::vector<std::uint8_t>;

inline void put_be32(bytes& b, std::uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) b.push_back(static_cast<std::uint8_t>(v >> s));
}
inline void put_le32(bytes& b, std::uint32_t v) {
  for (int s = 0; s < 32; s += 8) b.push_back(static_cast<std::uint8_t>(v >> s));
}

// The kernel build appends the uncompressed size as 4 little-endian bytes.
inline bytes append_size(bytes compressed, std::size_t original) {
  put_le32(compressed, static_cast<std::uint32_t>(original));
  return compressed;
}

inline bytes gzip_compress(const bytes& in) {
  z_stream z{};
  if (deflateInit2(&z, 9, Z_DEFLATED, 16 + MAX_WBITS, 9, Z_DEFAULT_STRATEGY) != Z_OK) throw std::runtime_error("zlib");
  bytes out(deflateBound(&z, in.size()));
  z.next_in = const_cast<Bytef*>(in.data());
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = out.data();
  z.avail_out = static_cast<uInt>(out.size());
  if (deflate(&z, Z_FINISH) != Z_STREAM_END) throw std::runtime_error("deflate");
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

inline bytes xz_compress(const bytes& in) {
  bytes out(lzma_stream_buffer_bound(in.size()));
  std::size_t pos = 0;
  if (lzma_easy_buffer_encode(6, LZMA_CHECK_CRC32, nullptr, in.data(), in.size(), out.data(), &pos, out.size()) != LZMA_OK)
    throw std::runtime_error("xz");
  out.resize(pos);
  return out;
}

inline bytes lzma_compress(const bytes& in) {
  lzma_options_lzma opt;
  lzma_lzma_preset(&opt, 6); // lzma -9 differs only in dictionary size (64 MiB)
  lzma_stream s = LZMA_STREAM_INIT;
  if (lzma_alone_encoder(&s, &opt) != LZMA_OK) throw std::runtime_error("lzma");
  bytes out(in.size() + in.size() / 2 + 4096);
  s.next_in = in.data();
  s.avail_in = in.size();
  s.next_out = out.data();
  s.avail_out = out.size();
  if (lzma_code(&s, LZMA_FINISH) != LZMA_STREAM_END) throw std::runtime_error("lzma encode");
  out.resize(s.total_out);
  lzma_end(&s);
  return out;
}

inline bytes bzip2_compress(const bytes& in) {
  bytes out(in.size() + in.size() / 100 + 600);
  unsigned len = static_cast<unsigned>(out.size());
  if (BZ2_bzBuffToBuffCompress(reinterpret_cast<char*>(out.data()), &len,
                               const_cast<char*>(reinterpret_cast<const char*>(in.data())),
                               static_cast<unsigned>(in.size()), 9, 0, 0) != BZ_OK)
    throw std::runtime_error("bzip2");
  out.resize(len);
  return out;
}

inline bytes lz4_legacy_compress(const bytes& in) {
  constexpr std::size_t block = 8u << 20;
  bytes out;
  put_le32(out, 0x184c2102);
  for (std::size_t pos = 0; pos < in.size(); pos += block) {
    const int n = static_cast<int>(std::min(block, in.size() - pos));
    std::vector<char> buf(static_cast<std::size_t>(LZ4_compressBound(n)));
    const int got = LZ4_compress_default(reinterpret_cast<const char*>(in.data() + pos), buf.data(), n,
                                         static_cast<int>(buf.size()));
    if (got <= 0) throw std::runtime_error("lz4");
    put_le32(out, static_cast<std::uint32_t>(got));
    out.insert(out.end(), buf.begin(), buf.begin() + got);
  }
  return out;
}

inline bytes lzo_compress(const bytes& in) {
  if (lzo_init() != LZO_E_OK) throw std::runtime_error("lzo_init");
  constexpr std::size_t block = 256u << 10;
  bytes out = {0x89, 'L', 'Z', 'O', 0x00, 0x0d, 0x0a, 0x1a, 0x0a};
  out.insert(out.end(), {0x10, 0x40, 0x20, 0xa0, 0x09, 0x40}); // version 1.040, lib 2.0a0, needs 0.940
  out.insert(out.end(), {1, 9});                               // method LZO1X-1, level 9
  put_be32(out, 0x1);                                          // flags: Adler-32 of the data
  put_be32(out, 0100644);                                      // mode
  put_be32(out, 0);                                            // mtime low
  put_be32(out, 0);                                            // mtime high
  out.push_back(0);                                            // no file name
  put_be32(out, 0);                                            // header checksum (not checked by readers here)
  std::vector<std::uint8_t> work(LZO1X_1_MEM_COMPRESS);
  for (std::size_t pos = 0; pos < in.size(); pos += block) {
    const std::size_t n = std::min(block, in.size() - pos);
    bytes buf(n + n / 16 + 64 + 3);
    lzo_uint got = buf.size();
    if (lzo1x_1_compress(in.data() + pos, n, buf.data(), &got, work.data()) != LZO_E_OK) throw std::runtime_error("lzo");
    put_be32(out, static_cast<std::uint32_t>(n));
    const bool stored = got >= n;
    put_be32(out, static_cast<std::uint32_t>(stored ? n : got));
    put_be32(out, static_cast<std::uint32_t>(lzo_adler32(1, in.data() + pos, n)));
    if (stored) out.insert(out.end(), in.begin() + static_cast<long>(pos), in.begin() + static_cast<long>(pos + n));
    else out.insert(out.end(), buf.begin(), buf.begin() + static_cast<long>(got));
  }
  put_be32(out, 0); // end of stream
  return out;
}

inline bytes zstd_compress(const bytes& in) {
  bytes out(ZSTD_compressBound(in.size()));
  const std::size_t n = ZSTD_compress(out.data(), out.size(), in.data(), in.size(), 19);
  if (ZSTD_isError(n)) throw std::runtime_error("zstd");
  out.resize(n);
  return out;
}

// By the name the tool reports.
inline bytes compress(const std::string& how, const bytes& in) {
  if (how == "gzip") return gzip_compress(in);
  if (how == "xz") return xz_compress(in);
  if (how == "lzma") return lzma_compress(in);
  if (how == "bzip2") return bzip2_compress(in);
  if (how == "lz4") return lz4_legacy_compress(in);
  if (how == "lzo") return lzo_compress(in);
  if (how == "zstd") return zstd_compress(in);
  throw std::runtime_error("unknown compression " + how);
}

} // namespace gen
