// SPDX-License-Identifier: Apache-2.0
// (2) The whole search and decode of a generated table (6.2 base-relative
// per-CPU, like Debian's 6.1) at 10k, 100k and 1M symbols, to show how the
// cost grows with N. Reported per symbol.
#include <benchmark/benchmark.h>

#include <map>

#include <mquire/mquire.hpp>

#include "generator/kallsyms_writer.hpp"
#include "generator/symbols.hpp"

namespace {

const gen::output& table(std::size_t n) {
  static std::map<std::size_t, gen::output> cache;
  auto it = cache.find(n);
  if (it == cache.end()) {
    const auto syms = gen::make_symbols({.count = n, .seed = 7, .percpu = 100});
    gen::config c{.e = gen::era::v6_2, .encoding = mquire::address_encoding::base_relative_percpu};
    it = cache.emplace(n, gen::write_kallsyms(syms, c)).first;
  }
  return it->second;
}

void BM_search_and_decode(benchmark::State& state) {
  const auto& t = table(static_cast<std::size_t>(state.range(0)));
  std::size_t found = 0;
  for (auto _ : state) {
    const auto rep = mquire::find_kallsyms(mquire::byte_range{t.bytes});
    found = rep.tables.size();
    benchmark::DoNotOptimize(rep);
  }
  if (found != 1) state.SkipWithError("table not recovered");
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * state.range(0)));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * t.bytes.size()));
}

} // namespace

BENCHMARK(BM_search_and_decode)->Arg(10'000)->Arg(100'000)->Arg(1'000'000)->Unit(benchmark::kMillisecond);
BENCHMARK_MAIN();
