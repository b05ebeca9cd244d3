#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Regenerates the objects fuzzer's types: fuzz/types/network.btf from the
# 7.x socket declarations of tests/support/network_decls.hpp, and
# fuzz/types/page_cache.btf from the 7.x page cache declarations of
# tests/support/page_cache_decls.hpp, and fuzz/types/hooks.btf from the
# ftrace, kprobe and seq_operations declarations of
# tests/support/hooks_decls.hpp, fuzz/types/bpf.btf from the 7.x BPF
# declarations of tests/support/bpf_decls.hpp and fuzz/types/devices.btf
# from the 7.x net_device of tests/support/device_counters_decls.hpp,
# each compiled with -g and converted
# by pahole (Debian's dwarves). The blobs are kept in the tree so that fuzz
# builds (OSS-Fuzz's too) need no pahole.
set -eu
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
make_btf() { # NAME HEADER DECLARATIONS
  printf '#include "support/%s"\n%s\n' "$2" "$3" >"$tmp/$1.c"
  gcc -E -P -I tests "$tmp/$1.c" >"$tmp/$1.decls.c"
  gcc -g -O0 -c "$tmp/$1.decls.c" -o "$tmp/$1.o"
  pahole --btf_gen_all --btf_encode_detached="$tmp/$1.btf" "$tmp/$1.o"
  cp "$tmp/$1.btf" "fuzz/types/$1.btf"
  echo "fuzz/types/$1.btf: $(wc -c <"fuzz/types/$1.btf") bytes"
}
make_btf network network_decls.hpp 'NET_DECLS(ERA7_SOCK, NOTHING, ERA7_UDP) NET_USE'
make_btf page_cache page_cache_decls.hpp \
  'PC_DECLS(PC_ERA7_PRELUDE, PC_ERA7_FLAGS, PC_ERA7_FOLIO, PC_ERA7_ALIAS, 13) PC_USE(struct folio g_folio;)'
make_btf hooks hooks_decls.hpp 'HOOKS_DECLS HOOKS_USE'
make_btf bpf bpf_decls.hpp \
  'BPF_DECLS(BPF_STATS_MEMBER, BPF_NOTHING, BPF_NOTHING, BPF_MAP_OWNER_MEMBER, BPF_OPS_MEM_USAGE_MEMBER, BPF_NOTHING) BPF_USE'
make_btf devices device_counters_decls.hpp 'DC_DECLS(DC_ERA7_STAT, DC_ERA7_TAIL) DC_USE'
