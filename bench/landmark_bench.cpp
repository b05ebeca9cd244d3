// SPDX-License-Identifier: Apache-2.0
// (1) The landmark scan alone against glibc memmem and memchr over the same
// in-memory buffer (random bytes with a few decoys), single-threaded.
#include <benchmark/benchmark.h>

#include <cstring>

#include <mquire/mquire.hpp>

#include "generator/memory_image.hpp"

namespace {

const std::vector<std::uint8_t>& buffer() {
  static const std::vector<std::uint8_t> b =
      gen::embed({}, {.total = 256u << 20, .at = 0, .seed = 99, .decoy_digit_runs = 16, .decoy_banners = 4});
  return b;
}

void report(benchmark::State& state, std::size_t hits) {
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * buffer().size()));
  state.counters["hits"] = static_cast<double>(hits);
}

// Baseline: glibc memmem for the same 20-byte needle, every occurrence.
void BM_memmem_baseline(benchmark::State& state) {
  const auto& b = buffer();
  std::size_t hits = 0;
  for (auto _ : state) {
    hits = 0;
    const std::uint8_t* p = b.data();
    std::size_t left = b.size();
    while (const void* h = ::memmem(p, left, mquire::detail::digit_run_landmark.data(), 20)) {
      ++hits;
      const auto* q = static_cast<const std::uint8_t*>(h) + 1;
      left -= static_cast<std::size_t>(q - p);
      p = q;
    }
    benchmark::DoNotOptimize(hits);
  }
  report(state, hits);
}

// Baseline: memchr for a byte the buffer does not hold (pure streaming).
void BM_memchr_baseline(benchmark::State& state) {
  auto b = buffer();
  std::replace(b.begin(), b.end(), std::uint8_t{0xa5}, std::uint8_t{0x5a});
  for (auto _ : state) benchmark::DoNotOptimize(std::memchr(b.data(), 0xa5, b.size()));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * b.size()));
}

void BM_mquire_digit_runs(benchmark::State& state) {
  std::size_t hits = 0;
  for (auto _ : state) {
    hits = 0;
    mquire::detail::for_each_digit_run(buffer(), [&](std::size_t) { ++hits; });
    benchmark::DoNotOptimize(hits);
  }
  report(state, hits);
}

void BM_mquire_digit_runs_portable(benchmark::State& state) {
  const auto& b = buffer();
  std::size_t hits = 0;
  for (auto _ : state) {
    hits = 0;
    std::size_t pos = 0;
    while (const auto* h = mquire::detail::find_bytes_portable(b.data() + pos, b.size() - pos,
                                                               mquire::detail::digit_run_landmark.data(), 20)) {
      ++hits;
      pos = static_cast<std::size_t>(h - b.data()) + 1;
    }
    benchmark::DoNotOptimize(hits);
  }
  report(state, hits);
}

// Both landmarks (digit run and "OSRELEASE=") in one SIMD pass: what the
// tool's streamed scan runs, against two memmem passes as its baseline.
void BM_mquire_both_landmarks_one_pass(benchmark::State& state) {
  std::size_t hits = 0;
  for (auto _ : state) {
    hits = 0;
    mquire::scan_landmarks(buffer(), [&](std::size_t) { ++hits; }, [&](std::size_t) { ++hits; });
    benchmark::DoNotOptimize(hits);
  }
  report(state, hits);
}

void BM_memmem_both_landmarks_two_passes(benchmark::State& state) {
  std::size_t hits = 0;
  for (auto _ : state) {
    hits = 0;
    mquire::detail::for_each_digit_run(buffer(), [&](std::size_t) { ++hits; });
    mquire::detail::for_each_occurrence(buffer(), mquire::vmcoreinfo_landmark, [&](std::size_t) { ++hits; });
    benchmark::DoNotOptimize(hits);
  }
  report(state, hits);
}

} // namespace

BENCHMARK(BM_mquire_both_landmarks_one_pass)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_memmem_both_landmarks_two_passes)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_memmem_baseline)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_memchr_baseline)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_mquire_digit_runs)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_mquire_digit_runs_portable)->Unit(benchmark::kMillisecond);
BENCHMARK_MAIN();
