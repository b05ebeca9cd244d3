#!/usr/bin/env bash
# The whole test suite, as CI runs it: g++ and clang++ builds with warnings as
# errors, then an ASan+UBSan build; every build runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
jobs=$(nproc)
build() { # name, compiler, extra cmake args...
  local dir=build-$1 cxx=$2
  shift 2
  cmake -S . -B "$dir" -G Ninja -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMQUIRE_WERROR=ON "$@"
  cmake --build "$dir" -j "$jobs"
  ctest --test-dir "$dir" -j "$jobs" --output-on-failure
}
build gcc g++
build clang clang++
build asan clang++ -DMQUIRE_SANITIZE=ON
# Every fuzz target from its seed corpus for a bounded time (FUZZ_SECONDS).
scripts/fuzz.sh
