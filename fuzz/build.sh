#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# OSS-Fuzz style build: uses $CC, $CXX, $CFLAGS, $CXXFLAGS, $LIB_FUZZING_ENGINE
# and writes the targets, their seed corpora (<target>_seed_corpus.zip) and
# dictionaries to $OUT; MQUIRE_CMAKE_ARGS adds CMake options. Locally: CC=clang CXX=clang++ LIB_FUZZING_ENGINE=-fsanitize=fuzzer OUT=/tmp/out fuzz/build.sh
set -euo pipefail
SRC=$(cd "$(dirname "$0")/.." && pwd)
OUT=${OUT:?set OUT}
WORK=${WORK:-$(mktemp -d)}
: "${CC:=clang}" "${CXX:=clang++}" "${LIB_FUZZING_ENGINE:=-fsanitize=fuzzer}"
export LIB_FUZZING_ENGINE
cmake -S "$SRC" -B "$WORK/build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_COMPILER="$CC" -DCMAKE_CXX_COMPILER="$CXX" \
  -DCMAKE_CXX_FLAGS="${CXXFLAGS:-}" -DCMAKE_C_FLAGS="${CFLAGS:-}" \
  -DMQUIRE_FUZZ=ON -DMQUIRE_BUILD_TESTS=OFF -DMQUIRE_BUILD_TOOL=OFF -DMQUIRE_BUILD_EXAMPLES=OFF ${MQUIRE_CMAKE_ARGS:-}
cmake --build "$WORK/build" -j "$(nproc)"
mkdir -p "$OUT"
for t in $(ls "$WORK/build/fuzz/seeds"); do
  cp "$WORK/build/fuzz/$t" "$OUT/"
  (cd "$WORK/build/fuzz/seeds/$t" && zip -q -r "$OUT/${t}_seed_corpus.zip" .)
  cp "$SRC/fuzz/kallsyms.dict" "$OUT/$t.dict"
done
echo "fuzz targets in $OUT"
