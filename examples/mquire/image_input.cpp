#include "image_input.hpp"

#include <lzma.h>
#include <zlib.h>
#include <zstd.h>

#include <cstring>

#include <mquire/bytes.hpp>
#include <mquire/detail/hex.hpp>

namespace tool {
namespace {

using mquire::error_code;
using mquire::make_error;

constexpr std::uint8_t xz_magic[] = {0xfd, '7', 'z', 'X', 'Z', 0x00};
constexpr std::uint8_t gzip_magic[] = {0x1f, 0x8b};
constexpr std::uint8_t zstd_magic[] = {0x28, 0xb5, 0x2f, 0xfd};

bool has_magic(std::span<const std::uint8_t> b, const std::uint8_t* m, std::size_t n) {
  return b.size() >= n && std::memcmp(b.data(), m, n) == 0;
}

// Output buffer that grows by doubling up to a limit; kernels compress about
// 4:1, so it starts near that.
struct output_buffer {
  std::vector<std::uint8_t> bytes;
  std::size_t limit;
  output_buffer(std::size_t input, std::size_t lim) : limit(lim) {
    bytes.resize(std::min(lim, std::max<std::size_t>(1u << 20, input * 4)));
  }
  bool grow() {
    if (bytes.size() >= limit) return false;
    bytes.resize(std::min(limit, bytes.size() * 2));
    return true;
  }
};

mquire::error too_large(const char* what, std::size_t limit) {
  return make_error(error_code::out_of_range,
                    std::string(what) + " payload decompresses to more than " + std::to_string(limit) + " bytes");
}

mquire::result<decompressed> xz(std::span<const std::uint8_t> in, std::size_t limit) {
  lzma_stream s = LZMA_STREAM_INIT;
  if (lzma_stream_decoder(&s, UINT64_MAX, 0) != LZMA_OK)
    return make_error(error_code::unsupported, "xz: cannot start the decoder");
  output_buffer buf(in.size(), limit);
  s.next_in = in.data();
  s.avail_in = in.size();
  s.next_out = buf.bytes.data();
  s.avail_out = buf.bytes.size();
  lzma_ret rc = LZMA_OK;
  while (rc == LZMA_OK) {
    if (s.avail_out == 0) {
      const std::size_t done = buf.bytes.size();
      if (!buf.grow()) {
        lzma_end(&s);
        return too_large("xz", limit);
      }
      s.next_out = buf.bytes.data() + done;
      s.avail_out = buf.bytes.size() - done;
    }
    rc = lzma_code(&s, LZMA_FINISH);
  }
  const std::size_t produced = static_cast<std::size_t>(s.total_out);
  lzma_end(&s);
  decompressed out;
  out.bytes = std::move(buf.bytes);
  // One stream: the kernel appends the uncompressed size after it, which a
  // concatenated-stream decoder would try to read as another stream.
  if (rc != LZMA_STREAM_END)
    return make_error(error_code::malformed, "xz payload does not decompress (liblzma error " + std::to_string(rc) + ")");
  out.bytes.resize(produced);
  out.how = "xz";
  return out;
}

mquire::result<decompressed> gzip(std::span<const std::uint8_t> in, std::size_t limit) {
  z_stream z{};
  if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) return make_error(error_code::unsupported, "gzip: cannot start zlib");
  output_buffer buf(in.size(), limit);
  z.next_in = const_cast<Bytef*>(in.data());
  z.avail_in = static_cast<uInt>(std::min<std::size_t>(in.size(), UINT32_MAX));
  int rc = Z_OK;
  std::size_t produced = 0;
  while (rc == Z_OK) {
    if (produced == buf.bytes.size() && !buf.grow()) {
      inflateEnd(&z);
      return too_large("gzip", limit);
    }
    z.next_out = buf.bytes.data() + produced;
    z.avail_out = static_cast<uInt>(std::min<std::size_t>(buf.bytes.size() - produced, UINT32_MAX));
    const uInt before = z.avail_out;
    rc = inflate(&z, Z_NO_FLUSH);
    produced += before - z.avail_out;
  }
  inflateEnd(&z);
  if (rc != Z_STREAM_END) return make_error(error_code::malformed, "gzip payload does not decompress (zlib error " + std::to_string(rc) + ")");
  decompressed out;
  out.bytes = std::move(buf.bytes);
  out.bytes.resize(produced);
  out.how = "gzip";
  return out;
}

mquire::result<decompressed> zstd(std::span<const std::uint8_t> in, std::size_t limit) {
  ZSTD_DStream* z = ZSTD_createDStream();
  ZSTD_initDStream(z);
  output_buffer buf(in.size(), limit);
  ZSTD_inBuffer ib{in.data(), in.size(), 0};
  std::size_t produced = 0;
  std::size_t rc = 1;
  while (rc != 0 && ib.pos < ib.size) {
    if (produced == buf.bytes.size() && !buf.grow()) {
      ZSTD_freeDStream(z);
      return too_large("zstd", limit);
    }
    ZSTD_outBuffer ob{buf.bytes.data() + produced, buf.bytes.size() - produced, 0};
    rc = ZSTD_decompressStream(z, &ob, &ib);
    produced += ob.pos;
    if (ZSTD_isError(rc)) break;
  }
  ZSTD_freeDStream(z);
  if (rc != 0) return make_error(error_code::malformed, "zstd payload does not decompress");
  decompressed out;
  out.bytes = std::move(buf.bytes);
  out.bytes.resize(produced);
  out.how = "zstd";
  return out;
}

} // namespace

mquire::result<decompressed> decompress_payload(std::span<const std::uint8_t> payload, std::size_t limit) {
  if (has_magic(payload, xz_magic, sizeof xz_magic)) return xz(payload, limit);
  if (has_magic(payload, gzip_magic, sizeof gzip_magic)) return gzip(payload, limit);
  if (has_magic(payload, zstd_magic, sizeof zstd_magic)) return zstd(payload, limit);
  return make_error(error_code::unsupported, "the payload's compression is not recognised (no xz, gzip or zstd magic)");
}

mquire::result<decompressed> unpack_bzimage(std::span<const std::uint8_t> file, std::size_t limit) {
  const mquire::byte_reader r(file);
  // Setup header (Documentation/x86/boot.rst): setup_sects at 0x1f1,
  // payload_offset/payload_length at 0x248/0x24c (boot protocol 2.08+),
  // relative to the protected-mode code that follows the setup sectors.
  const auto setup_sects = r.u8(0x1f1);
  const auto version = r.u16(0x206, mquire::byte_order::little);
  const auto off = r.u32(0x248, mquire::byte_order::little);
  const auto len = r.u32(0x24c, mquire::byte_order::little);
  if (!setup_sects || !version || !off || !len) return make_error(error_code::out_of_range, "bzImage setup header is truncated");
  if (*version < 0x208)
    return make_error(error_code::unsupported, "bzImage boot protocol " + mquire::detail::hex(*version) +
                                                   " has no payload fields (2.08 or later needed)");
  const std::size_t pm_start = (std::size_t{*setup_sects == 0 ? 4u : *setup_sects} + 1) * 512;
  const std::size_t at = pm_start + *off;
  if (!r.fits(at, *len))
    return make_error(error_code::out_of_range, "bzImage payload [" + mquire::detail::hex(at) + ", +" +
                                                    mquire::detail::hex(*len) + ") lies outside the file");
  auto d = decompress_payload(file.subspan(at, *len), limit);
  if (!d) return d;
  d->how = "bzImage payload at file offset " + mquire::detail::hex(at) + ", " + d->how;
  return d;
}

} // namespace tool
