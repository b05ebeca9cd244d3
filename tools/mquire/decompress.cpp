// SPDX-License-Identifier: Apache-2.0
#include "decompress.hpp"

#include <bzlib.h>
#include <lz4.h>
#include <lz4frame.h>
#include <lzma.h>
#include <lzo/lzo1x.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <cstring>
#include <optional>

#include <mquire/bytes.hpp>

namespace tool {
namespace {

using mquire::error_code;
using mquire::make_error;

using mquire::sources::starts_with_magic;
namespace magic = mquire::sources::magic;

mquire::error too_large(compression c, std::size_t limit) {
  return make_error(error_code::out_of_range, std::string(to_string(c)) + " payload decompresses to more than " +
                                                   std::to_string(limit) + " bytes");
}

mquire::error malformed(compression c, const std::string& why) {
  return make_error(error_code::malformed, std::string(to_string(c)) + " payload does not decompress (" + why + ")");
}

// Output that grows by doubling up to a limit; kernels compress about 4:1,
// so it starts near that. Every write is checked as it arrives (see
// max_uniform_run, bomb_ratio) and counted against the unpacking's budget.
class output_buffer {
public:
  // `expected`: the size the stream says it decompresses to (0: unknown).
  // Trusted when a kernel could have it (see plausible_size); then the
  // output is allocated once, with no regrowth and no copy.
  // `progress`: a trusted output is lent to it (see arrival_progress) and
  // what passes the checks of wrote() is published.
  output_buffer(compression c, std::size_t input, std::size_t limit, decompress_budget* budget,
                std::size_t expected = 0, arrival_progress* progress = nullptr)
      : c_(c), input_(input), limit_(limit), budget_(budget) {
    trusted_ = expected >= input && expected <= limit &&
               (expected <= bomb_ratio_floor || expected / bomb_ratio <= input);
    bytes_.resize(trusted_ ? expected : std::min(limit, std::max<std::size_t>(64u << 10, input * 4)));
    if (trusted_ && progress && progress->lend(std::span<const std::uint8_t>(bytes_.data(), bytes_.size())))
      lent_to_ = progress;
  }
  output_buffer(const output_buffer&) = delete;
  output_buffer& operator=(const output_buffer&) = delete;
  // A lent block that is not returned stays readable until the readers are
  // done (arrival_progress keeps it).
  ~output_buffer() {
    if (lent_to_) lent_to_->keep(std::move(bytes_));
  }
  // Whether the output was sized once from a size a kernel could have.
  bool trusted() const { return trusted_; }
  // Room for at least `n` more bytes after `produced`; false past the limit.
  bool reserve(std::size_t produced, std::size_t n) {
    if (n > limit_ || produced > limit_ - n) return false;
    if (lent_to_ && bytes_.size() - produced < n) {
      // The stream is longer than it said: readers keep the lent block, and
      // the output moves on in a copy that is no longer published.
      byte_buffer copy(bytes_.size());
      std::memcpy(copy.data(), bytes_.data(), produced);
      lent_to_->keep(std::move(bytes_));
      bytes_ = std::move(copy);
      lent_to_ = nullptr;
    }
    while (bytes_.size() - produced < n) bytes_.resize(std::min(limit_, bytes_.size() * 2));
    return true;
  }
  // Tells the readers of a lent output that [0, to) is final.
  void publish(std::size_t to) {
    if (lent_to_) lent_to_->publish(to);
  }
  std::uint8_t* at(std::size_t produced) { return bytes_.data() + produced; }
  std::size_t room(std::size_t produced) const { return bytes_.size() - produced; }
  // After [from, to) was written: why the output cannot be a kernel's, if so.
  std::optional<mquire::error> wrote(std::size_t from, std::size_t to) {
    if (to <= from) return std::nullopt;
    if (budget_) {
      budget_->spent += to - from;
      if (budget_->spent > budget_->limit)
        return make_error(error_code::out_of_range, std::string(to_string(c_)) + " payload: the unpacking has "
                          "decompressed more than its budget of " + std::to_string(budget_->limit) + " bytes");
    }
    if (to > bomb_ratio_floor && to / bomb_ratio > input_)
      return make_error(error_code::out_of_range,
                        std::string(to_string(c_)) + " payload of " + std::to_string(input_) + " bytes expands past " +
                            std::to_string(to) + " bytes, more than " + std::to_string(bomb_ratio) +
                            "-fold: no kernel image compresses that well (a compression bomb?)");
    // How far back from `to` the last byte repeats: eight bytes at a time
    // (a kernel's zero padding runs for megabytes), then byte by byte.
    const std::uint8_t last = bytes_[to - 1];
    const std::uint64_t repeated = 0x0101010101010101ull * last;
    std::size_t k = to;
    for (std::uint64_t w = 0; k - from >= 8; k -= 8) {
      std::memcpy(&w, bytes_.data() + k - 8, 8);
      if (w != repeated) break;
    }
    while (k > from && bytes_[k - 1] == last) --k;
    run_ = (k == from && run_ > 0 && last == run_value_) ? run_ + (to - from) : to - k;
    run_value_ = last;
    if (run_ > max_uniform_run)
      return make_error(error_code::out_of_range,
                        std::string(to_string(c_)) + " payload holds a run of more than " +
                            std::to_string(max_uniform_run >> 20) + " MiB of the byte " + std::to_string(last) +
                            ": no kernel image does (a compression bomb?)");
    return std::nullopt;
  }
  decompressed finish(std::size_t produced) && {
    bytes_.resize(produced);
    lent_to_ = nullptr; // the block leaves in the result
    return decompressed{std::move(bytes_), std::string(to_string(c_))};
  }

private:
  byte_buffer bytes_;
  compression c_;
  std::size_t input_, limit_;
  decompress_budget* budget_;
  std::uint8_t run_value_ = 0;
  std::size_t run_ = 0;
  bool trusted_ = false;
  arrival_progress* lent_to_ = nullptr;
};

// One call of a streaming decoder: how many bytes it wrote, and whether the
// stream ended, needs another call, or failed (with the library's reason).
struct step_result {
  enum { more, end, failed } status;
  std::size_t written = 0;
  std::string why{};
};

// Runs a streaming decoder until its stream ends, growing the output. A
// decoder that stops making progress has run out of input: truncated.
template <class Step>
mquire::result<decompressed> drain(compression c, std::size_t input_size, std::size_t limit, decompress_budget* budget,
                                   std::size_t expected, arrival_progress* progress, Step&& step) {
  output_buffer out(c, input_size, limit, budget, expected, progress);
  std::size_t produced = 0;
  int stalls = 0;
  for (;;) {
    if (out.room(produced) == 0) {
      if (produced >= limit) return too_large(c, limit);
      out.reserve(produced, std::min(std::max<std::size_t>(produced, 1u << 20), limit - produced));
    }
    // At most a chunk per step, so that the checks of output_buffer::wrote
    // stop a bomb within a chunk of where its output stops being a kernel's.
    const step_result s = step(out.at(produced), std::min<std::size_t>(out.room(produced), 1u << 20));
    if (auto bomb = out.wrote(produced, produced + s.written)) return *bomb;
    produced += s.written;
    out.publish(produced);
    if (s.status == step_result::end) return std::move(out).finish(produced);
    if (s.status == step_result::failed) return malformed(c, s.why);
    stalls = s.written == 0 ? stalls + 1 : 0;
    if (stalls > 2) return malformed(c, "the input ends before the stream does");
  }
}

mquire::result<decompressed> xz_or_lzma(compression c, std::span<const std::uint8_t> in, std::size_t limit, decompress_budget* budget,
                                  std::size_t expected, arrival_progress* progress) {
  lzma_stream s = LZMA_STREAM_INIT;
  // One stream only: the kernel appends the uncompressed size after it,
  // which a concatenated-stream decoder would try to read as another one.
  const lzma_ret init = c == compression::xz ? lzma_stream_decoder(&s, UINT64_MAX, 0) : lzma_alone_decoder(&s, UINT64_MAX);
  if (init != LZMA_OK) return make_error(error_code::unsupported, "liblzma cannot start its decoder");
  s.next_in = in.data();
  s.avail_in = in.size();
  auto r = drain(c, in.size(), limit, budget, expected, progress, [&](std::uint8_t* out, std::size_t room) {
    s.next_out = out;
    s.avail_out = room;
    const lzma_ret rc = lzma_code(&s, LZMA_RUN);
    const std::size_t written = room - s.avail_out;
    if (rc == LZMA_STREAM_END) return step_result{step_result::end, written};
    if (rc == LZMA_OK || rc == LZMA_BUF_ERROR) return step_result{step_result::more, written};
    return step_result{step_result::failed, written, "liblzma error " + std::to_string(rc)};
  });
  lzma_end(&s);
  return r;
}

mquire::result<decompressed> gzip(std::span<const std::uint8_t> in, std::size_t limit, decompress_budget* budget,
                                  std::size_t expected, arrival_progress* progress) {
  z_stream z{};
  if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) return make_error(error_code::unsupported, "zlib cannot start inflate");
  z.next_in = const_cast<Bytef*>(in.data());
  z.avail_in = static_cast<uInt>(std::min<std::size_t>(in.size(), UINT32_MAX));
  auto r = drain(compression::gzip, in.size(), limit, budget, expected, progress, [&](std::uint8_t* out, std::size_t room) {
    z.next_out = out;
    z.avail_out = static_cast<uInt>(std::min<std::size_t>(room, UINT32_MAX));
    const uInt before = z.avail_out;
    const int rc = inflate(&z, Z_NO_FLUSH);
    const std::size_t written = before - z.avail_out;
    if (rc == Z_STREAM_END) return step_result{step_result::end, written};
    if (rc == Z_OK || rc == Z_BUF_ERROR) return step_result{step_result::more, written};
    return step_result{step_result::failed, written, std::string("zlib: ") + (z.msg ? z.msg : std::to_string(rc))};
  });
  inflateEnd(&z);
  return r;
}

mquire::result<decompressed> bzip2(std::span<const std::uint8_t> in, std::size_t limit, decompress_budget* budget,
                                  std::size_t expected, arrival_progress* progress) {
  bz_stream z{};
  if (BZ2_bzDecompressInit(&z, 0, 0) != BZ_OK) return make_error(error_code::unsupported, "libbz2 cannot start its decoder");
  z.next_in = const_cast<char*>(reinterpret_cast<const char*>(in.data()));
  z.avail_in = static_cast<unsigned>(std::min<std::size_t>(in.size(), UINT32_MAX));
  auto r = drain(compression::bzip2, in.size(), limit, budget, expected, progress, [&](std::uint8_t* out, std::size_t room) {
    z.next_out = reinterpret_cast<char*>(out);
    z.avail_out = static_cast<unsigned>(std::min<std::size_t>(room, UINT32_MAX));
    const unsigned before = z.avail_out;
    const int rc = BZ2_bzDecompress(&z);
    const std::size_t written = before - z.avail_out;
    if (rc == BZ_STREAM_END) return step_result{step_result::end, written};
    if (rc == BZ_OK) return step_result{step_result::more, written};
    return step_result{step_result::failed, written, "libbz2 error " + std::to_string(rc)};
  });
  BZ2_bzDecompressEnd(&z);
  return r;
}

// A zstd frame whose size the payload states (and a kernel could have) is
// decompressed straight into the output: the streaming decoder's usual way
// would copy every byte once more out of its window. The output is checked
// as the streaming path checks it, a megabyte at a time, once written (its
// size is bounded by the stated one). Nothing when the frame does not end
// at that size (the streaming path then decides).
//
// Without readers waiting, it is one call. With them (`progress`), the same
// frame is fed to the decoder a piece at a time into the same fixed output
// (ZSTD_d_stableOutBuffer: no window of its own), and each megabyte is
// published once checked; the outcome is the one call's, so a failed check
// is only reported once the frame has decoded as the one call would have.
std::optional<mquire::result<decompressed>> zstd_at_stated_size(std::span<const std::uint8_t> in, std::size_t limit,
                                                                 decompress_budget* budget, std::size_t expected,
                                                                 arrival_progress* progress) {
  const std::size_t frame = ZSTD_findFrameCompressedSize(in.data(), in.size());
  if (expected == 0 || ZSTD_isError(frame)) return std::nullopt;
  output_buffer out(compression::zstd, in.size(), limit, nullptr, expected, progress);
  if (!out.trusted()) return std::nullopt;
  // The attempt counts against the unpacking's budget whether it succeeds
  // or not (it writes at most `expected` bytes); past the budget the
  // streaming path reports it.
  if (budget && (budget->spent > budget->limit || expected > budget->limit - budget->spent)) return std::nullopt;
  constexpr std::size_t mib = 1u << 20;
  ZSTD_DCtx* z = ZSTD_createDCtx();
  if (!z) return std::nullopt;
  std::size_t n = 0;
  std::optional<mquire::error> bomb;
  // Readers are only worth feeding piecewise where the decoder can write
  // into the output as it stands (libzstd 1.4.5 and later; its parameter
  // is still filed as experimental, so it is reached by its enum value's
  // generic name, ZSTD_d_experimentalParam2), and
  // may use a window as large as the one call allows.
  const bool piecewise =
      progress && !ZSTD_isError(ZSTD_DCtx_setParameter(z, ZSTD_d_experimentalParam2, 1)) &&
      !ZSTD_isError(ZSTD_DCtx_setParameter(z, ZSTD_d_windowLogMax, ZSTD_dParam_getBounds(ZSTD_d_windowLogMax).upperBound));
  if (!piecewise) {
    n = ZSTD_decompressDCtx(z, out.at(0), out.room(0), in.data(), frame);
  } else {
    ZSTD_inBuffer ib{in.data(), 0, 0};
    ZSTD_outBuffer ob{out.at(0), out.room(0), 0};
    std::size_t checked = 0;
    for (;;) {
      ib.size = std::min(frame, ib.pos + (256u << 10));
      const std::size_t before_in = ib.pos, before_out = ob.pos;
      const std::size_t rc = ZSTD_decompressStream(z, &ob, &ib);
      if (ZSTD_isError(rc)) {
        n = rc;
        break;
      }
      for (; !bomb && ob.pos - checked >= mib; checked += mib) {
        bomb = out.wrote(checked, checked + mib);
        if (!bomb) out.publish(checked + mib);
      }
      if (rc == 0) {
        n = ob.pos;
        break;
      }
      if (ib.pos == before_in && ob.pos == before_out && ib.size == frame) break; // stuck: not the stated size
    }
  }
  ZSTD_freeDCtx(z);
  if (budget) budget->spent += expected;
  if (ZSTD_isError(n) || n != expected) return std::nullopt;
  if (bomb) return *bomb;
  for (std::size_t from = piecewise ? n / mib * mib : 0; from < n; from += mib)
    if (auto b = out.wrote(from, std::min(n, from + mib))) return *b;
  out.publish(n);
  return std::move(out).finish(n);
}

mquire::result<decompressed> zstd(std::span<const std::uint8_t> in, std::size_t limit, decompress_budget* budget,
                                  std::size_t expected, arrival_progress* progress) {
  if (auto done = zstd_at_stated_size(in, limit, budget, expected, progress)) return std::move(*done);
  ZSTD_DStream* z = ZSTD_createDStream();
  if (!z) return make_error(error_code::unsupported, "libzstd cannot start its decoder");
  ZSTD_initDStream(z);
  ZSTD_inBuffer ib{in.data(), in.size(), 0};
  auto r = drain(compression::zstd, in.size(), limit, budget, expected, progress, [&](std::uint8_t* out, std::size_t room) {
    ZSTD_outBuffer ob{out, room, 0};
    const std::size_t rc = ZSTD_decompressStream(z, &ob, &ib);
    if (ZSTD_isError(rc)) return step_result{step_result::failed, ob.pos, ZSTD_getErrorName(rc)};
    return step_result{rc == 0 ? step_result::end : step_result::more, ob.pos};
  });
  ZSTD_freeDStream(z);
  return r;
}

mquire::result<decompressed> lz4_frame(std::span<const std::uint8_t> in, std::size_t limit, decompress_budget* budget,
                                  std::size_t expected, arrival_progress* progress) {
  LZ4F_dctx* z = nullptr;
  if (LZ4F_isError(LZ4F_createDecompressionContext(&z, LZ4F_VERSION)))
    return make_error(error_code::unsupported, "liblz4 cannot start its decoder");
  std::size_t pos = 0;
  auto r = drain(compression::lz4, in.size(), limit, budget, expected, progress, [&](std::uint8_t* out, std::size_t room) {
    std::size_t out_n = room, in_n = in.size() - pos;
    const std::size_t rc = LZ4F_decompress(z, out, &out_n, in.data() + pos, &in_n, nullptr);
    pos += in_n;
    if (LZ4F_isError(rc)) return step_result{step_result::failed, out_n, LZ4F_getErrorName(rc)};
    return step_result{rc == 0 ? step_result::end : step_result::more, out_n};
  });
  LZ4F_freeDecompressionContext(z);
  return r;
}

// lz4 -l (what the kernel build runs): the magic, then blocks of
// {u32 compressed size, data}, each at most 8 MiB once decompressed. The
// stream has no end marker; it ends where the input does or where a block
// cannot be one (the appended size, the image's next bytes).
mquire::result<decompressed> lz4_legacy(std::span<const std::uint8_t> in, std::size_t limit, decompress_budget* budget,
                                  std::size_t expected, arrival_progress* progress) {
  constexpr std::size_t block_max = 8u << 20;
  const mquire::byte_reader r(in);
  output_buffer out(compression::lz4, in.size(), limit, budget, expected, progress);
  std::size_t produced = 0, pos = sizeof magic::lz4_legacy;
  while (pos + 4 <= in.size()) {
    const std::uint32_t n = *r.u32(pos, mquire::byte_order::little);
    if (n == 0x184c2102) { // another legacy stream follows
      pos += 4;
      continue;
    }
    if (n == 0 || n > static_cast<std::uint32_t>(LZ4_compressBound(static_cast<int>(block_max))) || !r.fits(pos + 4, n)) break;
    if (!out.reserve(produced, block_max)) return too_large(compression::lz4, limit);
    const int got = LZ4_decompress_safe(reinterpret_cast<const char*>(in.data() + pos + 4),
                                        reinterpret_cast<char*>(out.at(produced)), static_cast<int>(n),
                                        static_cast<int>(block_max));
    if (got < 0) {
      if (produced == 0) return malformed(compression::lz4, "the first block is corrupt");
      break;
    }
    if (auto bomb = out.wrote(produced, produced + static_cast<std::size_t>(got))) return *bomb;
    produced += static_cast<std::size_t>(got);
    out.publish(produced);
    pos += 4 + n;
  }
  if (produced == 0) return malformed(compression::lz4, "no block");
  return std::move(out).finish(produced);
}

// lzop's container (what `lzop -9` writes for the kernel): a header, then
// blocks of {u32 uncompressed size, u32 compressed size, checksums, data}
// ending with a zero size; a block whose sizes are equal is stored as is.
mquire::result<decompressed> lzo(std::span<const std::uint8_t> in, std::size_t limit, decompress_budget* budget,
                                  std::size_t expected, arrival_progress* progress) {
  constexpr auto be = mquire::byte_order::big;
  constexpr std::uint32_t adler32_d = 0x1, adler32_c = 0x2, extra_field = 0x40, crc32_d = 0x100, crc32_c = 0x200,
                          filter = 0x800;
  constexpr std::size_t block_max = 64u << 20; // lzop writes 256 KiB blocks
  if (lzo_init() != LZO_E_OK) return make_error(error_code::unsupported, "liblzo2 cannot start");
  const mquire::byte_reader r(in);
  std::size_t pos = sizeof magic::lzop;
  const auto version = r.u16(pos, be);
  if (!version) return malformed(compression::lzo, "truncated header");
  pos += 4; // version, library version
  if (*version >= 0x0940) pos += 2; // version needed to extract
  const auto method = r.u8(pos);
  pos += *version >= 0x0940 ? 2 : 1; // method, level
  const auto flags = r.u32(pos, be);
  if (!method || !flags) return malformed(compression::lzo, "truncated header");
  if (*method < 1 || *method > 3) return malformed(compression::lzo, "method " + std::to_string(*method) + " is not LZO1X");
  pos += 4;
  if (*flags & filter) pos += 4;
  pos += *version >= 0x0940 ? 12 : 8; // mode, mtime (low, high)
  const auto name_len = r.u8(pos);
  if (!name_len) return malformed(compression::lzo, "truncated header");
  pos += 1 + *name_len + 4; // name, header checksum
  if (*flags & extra_field) {
    const auto extra = r.u32(pos, be);
    if (!extra || *extra > in.size()) return malformed(compression::lzo, "truncated header");
    pos += 4 + *extra + 4;
  }
  output_buffer out(compression::lzo, in.size(), limit, budget, expected, progress);
  std::size_t produced = 0;
  for (;;) {
    const auto dst_len = r.u32(pos, be);
    if (!dst_len) return malformed(compression::lzo, "the input ends before the end-of-stream block");
    if (*dst_len == 0) break;
    const auto src_len = r.u32(pos + 4, be);
    if (!src_len || *dst_len > block_max || *src_len > *dst_len)
      return malformed(compression::lzo, "a block's sizes are impossible");
    pos += 8;
    if (*flags & adler32_d) pos += 4;
    if (*flags & crc32_d) pos += 4;
    if (*src_len < *dst_len) {
      if (*flags & adler32_c) pos += 4;
      if (*flags & crc32_c) pos += 4;
    }
    if (!r.fits(pos, *src_len)) return malformed(compression::lzo, "a block runs past the input");
    if (!out.reserve(produced, *dst_len)) return too_large(compression::lzo, limit);
    if (*src_len == *dst_len) {
      std::memcpy(out.at(produced), in.data() + pos, *src_len);
    } else {
      lzo_uint got = *dst_len;
      const int rc = lzo1x_decompress_safe(in.data() + pos, *src_len, out.at(produced), &got, nullptr);
      if (rc != LZO_E_OK || got != *dst_len) return malformed(compression::lzo, "liblzo2 error " + std::to_string(rc));
    }
    if (auto bomb = out.wrote(produced, produced + *dst_len)) return *bomb;
    produced += *dst_len;
    out.publish(produced);
    pos += *src_len;
  }
  return std::move(out).finish(produced);
}

} // namespace

mquire::result<decompressed> decompress(compression c, std::span<const std::uint8_t> in, std::size_t limit,
                                        decompress_budget* budget, std::size_t expected, arrival_progress* progress) {
  switch (c) {
  case compression::xz:
  case compression::lzma: return xz_or_lzma(c, in, limit, budget, expected, progress);
  case compression::gzip: return gzip(in, limit, budget, expected, progress);
  case compression::bzip2: return bzip2(in, limit, budget, expected, progress);
  case compression::zstd: return zstd(in, limit, budget, expected, progress);
  case compression::lz4:
    return starts_with_magic(in, magic::lz4_frame) ? lz4_frame(in, limit, budget, expected, progress)
                                                   : lz4_legacy(in, limit, budget, expected, progress);
  case compression::lzo: return lzo(in, limit, budget, expected, progress);
  }
  return make_error(error_code::unsupported, "unknown compression");
}

mquire::result<decompressed> decompress_payload(std::span<const std::uint8_t> payload, std::size_t limit,
                                                decompress_budget* budget, arrival_progress* progress) {
  // The kernel build appends the uncompressed size (u32, little-endian) to
  // every compressed payload (scripts/Makefile.lib, size_append).
  const std::size_t appended =
      payload.size() >= 4 ? *mquire::byte_reader(payload).u32(payload.size() - 4, mquire::byte_order::little) : 0;
  if (auto c = compression_at(payload)) return decompress(*c, payload, limit, budget, appended, progress);
  return make_error(error_code::unsupported,
                    "the payload's compression is not recognised (no gzip, xz, lzma, bzip2, lz4, lzo or zstd header)");
}

} // namespace tool
