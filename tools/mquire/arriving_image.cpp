// SPDX-License-Identifier: Apache-2.0
#include "arriving_image.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include "image_input.hpp"

namespace tool {

arriving_image::arriving_image(mquire::sources::mapped_file file) : file_(std::move(file)) {}

std::unique_ptr<arriving_image> arriving_image::start(mquire::sources::mapped_file& file) {
  const auto b = file.bytes();
  // unpack_kernel_image() tries the bzImage header first.
  const bool bz = is_bzimage(b);
  if (!bz && !is_efi_zboot(b)) return nullptr;
  std::unique_ptr<arriving_image> a(new arriving_image(std::move(file)));
  arriving_image* self = a.get();
  a->worker_ = std::thread([self, bz] {
    const auto in = self->file_.bytes();
    self->payload_ = bz ? unpack_bzimage(in, max_decompressed, &self->spent_, &self->progress_)
                        : unpack_efi_zboot(in, max_decompressed, &self->spent_, &self->progress_);
    self->progress_.end();
  });
  return a;
}

void arriving_image::prefault() {
#ifdef MADV_POPULATE_WRITE
  const auto b = progress_.block();
  const auto page = static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE));
  const auto from = reinterpret_cast<std::uintptr_t>(b.data()) / page * page;
  const auto to = reinterpret_cast<std::uintptr_t>(b.data() + b.size());
  // Populating for writing maps each missing page in (zero-filled, as the
  // first write would) and leaves present pages, and their bytes, alone.
  if (!b.empty()) ::madvise(reinterpret_cast<void*>(from), to - from, MADV_POPULATE_WRITE);
#endif
}

arriving_image::~arriving_image() {
  if (worker_.joinable()) worker_.join();
}

mquire::result<decompressed> arriving_image::finish() {
  if (worker_.joinable()) worker_.join();
  if (!payload_) return mquire::make_error(mquire::error_code::unsupported, "the image was unpacked already");
  mquire::result<decompressed> d = std::move(*payload_);
  payload_.reset();
  if (!d) return d;
  return settle_payload(std::move(*d), spent_);
}

} // namespace tool
