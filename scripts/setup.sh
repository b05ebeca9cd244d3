#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Installs everything mquire needs to build and test on Debian 12 / Ubuntu.
# The single list of system packages: .ci/run and the README commands use it.
set -euo pipefail
packages=(
  g++ clang libclang-rt-14-dev cmake ninja-build pkg-config
  libboost-dev                                           # the library: Boost.Hana
  catch2 libbenchmark-dev zip                            # tests, benchmarks, fuzz corpora (fuzz/build.sh)
  libcli11-dev nlohmann-json3-dev libfmt-dev             # the command-line tool
  libsqlite3-dev libedit-dev                             # mquire query and shell: SQLite, line editing
  zlib1g-dev liblzma-dev libzstd-dev libbz2-dev liblz4-dev liblzo2-dev  # compressed kernel images, fixtures
  libkdumpfile-dev                                       # kdump-compressed dumps
  dwarves bpftool                                        # BTF: pahole -J makes test BTF, bpftool reads ours
  python3 python3-jsonschema gdb binutils               # real clients of the ISF and ELF outputs (Volatility 3 is Python)
  zstd xz-utils dpkg ca-certificates
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# apt-get download in the tests needs fresh package lists as well.
if [ ${#missing[@]} -gt 0 ] || [ -n "${CI:-}" ]; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -q
  [ ${#missing[@]} -eq 0 ] || $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
