#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# OSS-Fuzz entry point (projects/mquire/build.sh in google/oss-fuzz): the
# project's own fuzz/build.sh does the work with the $CC, $CXX, $CFLAGS,
# $CXXFLAGS, $LIB_FUZZING_ENGINE and $OUT that OSS-Fuzz sets. The kdump
# target drives libkdumpfile, which the base image lacks: it is left out
# there (its findings would be libkdumpfile's own).
set -euo pipefail
MQUIRE_CMAKE_ARGS=-DMQUIRE_WITH_KDUMPFILE=OFF exec "$SRC/mquire/fuzz/build.sh"
