// SPDX-License-Identifier: Apache-2.0
#include "recording_allocator.hpp"

#include <cstdlib>
#include <new>

namespace support {
std::atomic<std::size_t> largest_allocation{0};
}

// Under AddressSanitizer the sanitizer owns operator new/delete (it checks
// their pairing); the allocation bounds are then checked by the other builds.
#if defined(__SANITIZE_ADDRESS__)
#define MQUIRE_RECORDING_ALLOCATOR 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MQUIRE_RECORDING_ALLOCATOR 0
#endif
#endif
#ifndef MQUIRE_RECORDING_ALLOCATOR
#define MQUIRE_RECORDING_ALLOCATOR 1
#endif

namespace support {
bool recording_allocations() { return MQUIRE_RECORDING_ALLOCATOR != 0; }
} // namespace support

#if MQUIRE_RECORDING_ALLOCATOR
void* operator new(std::size_t n) {
  std::size_t seen = support::largest_allocation.load(std::memory_order_relaxed);
  while (n > seen && !support::largest_allocation.compare_exchange_weak(seen, n)) {
  }
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) { return ::operator new(n); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
#endif
