#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The whole test suite, as CI runs it: g++ and clang++ builds with warnings as
# errors, then an ASan+UBSan build; every build runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
jobs=$(nproc)
# One test cache for the three builds: decompressed fixtures and generated
# dumps (about 2.5 GB) are written once, not once per build. Started empty so
# that nothing from an older checkout's generators is reused.
test_cache=$PWD/build-test-cache
rm -rf "$test_cache"
df -h . | tail -n 1 | awk '{print "disk: " $4 " free before the builds"}'
build() { # name, compiler, extra cmake args...
  local dir=build-$1 cxx=$2
  shift 2
  cmake -S . -B "$dir" -G Ninja -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMQUIRE_WERROR=ON \
    -DMQUIRE_TEST_CACHE_DIR="$test_cache" "$@"
  cmake --build "$dir" -j "$jobs"
  ctest --test-dir "$dir" -j "$jobs" --output-on-failure
}
build gcc g++
build clang clang++ -DMQUIRE_CLIENT_TESTS=OFF # Volatility runs once, in the g++ build
build asan clang++ -DMQUIRE_SANITIZE=ON -DMQUIRE_CLIENT_TESTS=OFF
# Every fuzz target from its seed corpus for a bounded time (FUZZ_SECONDS).
scripts/fuzz.sh
