#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Regenerates fuzz/types/network.btf: the 7.x socket declarations of
# tests/support/network_decls.hpp, compiled with -g and converted by pahole
# (Debian's dwarves), as the objects fuzzer's types for /proc/net. The blob
# is kept in the tree so that fuzz builds (OSS-Fuzz's too) need no pahole.
set -eu
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf '#include "support/network_decls.hpp"\nNET_DECLS(ERA7_SOCK, NOTHING, ERA7_UDP) NET_USE\n' >"$tmp/net.c"
gcc -E -P -I tests "$tmp/net.c" >"$tmp/decls.c"
gcc -g -O0 -c "$tmp/decls.c" -o "$tmp/decls.o"
pahole --btf_gen_all --btf_encode_detached="$tmp/network.btf" "$tmp/decls.o"
cp "$tmp/network.btf" fuzz/types/network.btf
echo "fuzz/types/network.btf: $(wc -c <fuzz/types/network.btf) bytes"
