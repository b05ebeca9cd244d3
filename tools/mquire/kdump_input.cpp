// SPDX-License-Identifier: Apache-2.0
#include "kdump_input.hpp"

#if MQUIRE_WITH_KDUMPFILE

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include <libkdumpfile/kdumpfile.h>

namespace tool {
namespace {

using namespace mquire::sources;

class kdump_input final : public input {
public:
  kdump_input(kdump_ctx_t* ctx, int fd, input_map m, std::uint64_t page_size, kdump_bmp_t* pages)
      : ctx_(ctx), fd_(fd), map_(std::move(m)), page_size_(page_size), pages_(pages) {}
  ~kdump_input() override {
    kdump_free(ctx_);
    ::close(fd_);
  }
  const input_map& map() const override { return map_; }

  mquire::result<bool> for_each_segment(const std::function<bool(const segment_view&)>& f) override {
    std::vector<std::uint8_t> buf;
    kdump_addr_t pfn = 0;
    std::size_t index = 0;
    while (kdump_bmp_find_set(pages_, &pfn) == KDUMP_OK) {
      kdump_addr_t end = pfn;
      if (kdump_bmp_find_clear(pages_, &end) != KDUMP_OK) end = max_pfn_;
      if (end <= pfn) break;
      // One run of present pages, visited in overlapping chunks.
      const std::uint64_t run_start = pfn * page_size_, run_end = end * page_size_;
      for (std::uint64_t at = run_start; at < run_end;) {
        const std::uint64_t len = std::min(kdump_chunk_bytes, run_end - at);
        buf.resize(len);
        std::size_t got = len;
        const kdump_status st = kdump_read(ctx_, KDUMP_MACHPHYSADDR, at, buf.data(), &got);
        if (st != KDUMP_OK && st != KDUMP_ERR_NODATA)
          return mquire::make_error(mquire::error_code::malformed,
                                    "kdump: cannot read physical " + mquire::detail::hex(at) + ": " +
                                        kdump_get_err(ctx_));
        if (got > 0) {
          memory_segment seg{0, got, at, true, {}};
          if (!f(segment_view{index, seg, std::span<const std::uint8_t>(buf.data(), got)})) return false;
        }
        if (at + len >= run_end) break;
        at += len - kdump_chunk_overlap;
      }
      ++index;
      pfn = end;
    }
    return true;
  }

  bool read_physical(std::uint64_t pa, std::uint8_t* out, std::size_t n) override {
    std::size_t got = n;
    return kdump_read(ctx_, KDUMP_MACHPHYSADDR, pa, out, &got) == KDUMP_OK && got == n;
  }

  std::uint64_t max_pfn_ = 0;

private:
  kdump_ctx_t* ctx_;
  int fd_;
  input_map map_;
  std::uint64_t page_size_;
  kdump_bmp_t* pages_;
};

} // namespace

mquire::result<std::unique_ptr<input>> open_kdump(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return mquire::make_error(mquire::error_code::invalid_argument, "cannot open " + path + ": " + std::strerror(errno));
  kdump_ctx_t* ctx = kdump_new();
  if (ctx == nullptr) {
    ::close(fd);
    return mquire::make_error(mquire::error_code::unsupported, "libkdumpfile: cannot allocate a context");
  }
  auto fail = [&](const std::string& what) -> mquire::result<std::unique_ptr<input>> {
    std::string msg = path + ": kdump: " + what + ": " + kdump_get_err(ctx);
    kdump_free(ctx);
    ::close(fd);
    return mquire::make_error(mquire::error_code::malformed, msg);
  };
  // Read with read(), never mmap: a truncated file must give an error, not
  // a SIGBUS (found by the kdump fuzz target).
  if (kdump_set_number_attr(ctx, KDUMP_ATTR_FILE_MMAP_POLICY, KDUMP_MMAP_NEVER) != KDUMP_OK)
    return fail("cannot switch libkdumpfile to read()");
  if (kdump_open_fd(ctx, fd) != KDUMP_OK) return fail("not a readable kdump file");
  kdump_num_t page_size = 0;
  if (kdump_get_number_attr(ctx, KDUMP_ATTR_PAGE_SIZE, &page_size) != KDUMP_OK || page_size == 0 ||
      page_size > (1u << 24))
    return fail("no usable page size");
  kdump_attr_t attr;
  attr.type = KDUMP_BITMAP; // typed lookup: the type asked for
  if (kdump_get_typed_attr(ctx, KDUMP_ATTR_FILE_PAGEMAP, &attr) != KDUMP_OK || attr.type != KDUMP_BITMAP)
    return fail("no page map");
  kdump_num_t max_pfn = 0;
  kdump_get_number_attr(ctx, "max_pfn", &max_pfn);
  input_map m;
  m.format = input_format::kdump;
  const char* fmt = nullptr;
  kdump_get_string_attr(ctx, KDUMP_ATTR_FILE_FORMAT, &fmt);
  m.description = std::string("kdump-compressed (") + (fmt ? fmt : "?") + "), page size " +
                  std::to_string(page_size) + ", " + std::to_string(max_pfn) + " page frames";
  kdump_num_t ptr_size = 0;
  if (kdump_get_number_attr(ctx, KDUMP_ATTR_PTR_SIZE, &ptr_size) == KDUMP_OK && (ptr_size == 4 || ptr_size == 8))
    m.word_size = static_cast<unsigned>(ptr_size);
  const char* info = nullptr;
  if (kdump_get_string_attr(ctx, "linux.vmcoreinfo.raw", &info) == KDUMP_OK && info) m.vmcoreinfo = info;
  auto* in = new kdump_input(ctx, fd, std::move(m), page_size, attr.val.bitmap);
  in->max_pfn_ = max_pfn;
  return std::unique_ptr<input>(in);
}

} // namespace tool

#endif
