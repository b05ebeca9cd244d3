// SPDX-License-Identifier: Apache-2.0
// A global allocator that records the largest single allocation, so tests can
// prove that malformed input never makes the library allocate more than the
// input justifies. Defined in recording_allocator.cpp, linked only into the
// hardening tests.
#pragma once

#include <atomic>
#include <cstddef>

namespace support {
extern std::atomic<std::size_t> largest_allocation;
// False in sanitizer builds, where the sanitizer's allocator stays in place.
bool recording_allocations();
}
