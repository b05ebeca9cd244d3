#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Runs every benchmark and prints the ratios against baselines measured in
# the same run: (1) landmark scan vs memmem, (2) search+decode per symbol at
# 10k/100k/1M symbols, (3) end-to-end `mquire kallsyms` vs `cat FILE >
# /dev/null` on warm 256 MiB, 1 GiB and 4 GiB dumps, with peak RSS, (4)
# Debian amd64 kernel images as shipped against their decompressor alone and
# one layout against all, (5) the vmlinux inside each of those images against
# `cat` and against a search told the layout (reading plus decoding alone),
# (6) each view of the x86_64 7.2 fixture against `mquire kallsyms`, (7) SQL
# over those views against the commands that print the same rows.
#   bench/run.sh [SIZES_MIB...]     (default: 256 1024 4096)
# With MQUIRE_BENCH_LOAD=N, N busy loops run for the whole run (a loaded
# machine: both a command and its baseline share the cores with them).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cmake -S . -B build-bench -G Ninja -DCMAKE_BUILD_TYPE=Release -DMQUIRE_BUILD_TESTS=OFF -DMQUIRE_BUILD_FUZZ_REPLAY=OFF \
  -DMQUIRE_BUILD_BENCH=ON >/dev/null
cmake --build build-bench -j "$(nproc)" >/dev/null
b=build-bench

load=${MQUIRE_BENCH_LOAD:-0}
if [ "$load" -gt 0 ]; then
  hogs=()
  for _ in $(seq "$load"); do sh -c 'while :; do :; done' & hogs+=($!); done
  trap 'kill "${hogs[@]}" 2>/dev/null' EXIT
  echo "== the machine is loaded: $load busy loops on $(nproc) cores"
fi

echo "== (1) landmark scan, 256 MiB in memory, single thread"
$b/bench/landmark_bench --benchmark_format=json --benchmark_min_time=1 >$b/landmark.json 2>/dev/null
python3 - "$b/landmark.json" <<'PY'
import json, sys
r = {x["name"]: x for x in json.load(open(sys.argv[1]))["benchmarks"]}
base = r["BM_memmem_baseline"]["real_time"]
for name, x in r.items():
    print(f"  {name:32s} {x['bytes_per_second']/1e9:6.2f} GB/s   time vs memmem: {x['real_time']/base:5.2f}x")
PY

echo "== (2) search + decode of one table, by symbol count"
$b/bench/search_bench --benchmark_format=json >$b/search.json 2>/dev/null
python3 - "$b/search.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["benchmarks"]
first = None
for x in r:
    n = int(x["name"].split("/")[1]); per = x["real_time"] * 1e6 / n
    first = first or per
    print(f"  N={n:>8}: {x['real_time']:8.1f} ms, {per:6.1f} ns/symbol ({per/first:4.2f}x the 10k cost per symbol)")
PY

echo "== (3) end to end: mquire kallsyms vs cat, warm page cache"
dir=${BENCH_DIR:-/tmp/mquire-bench}
mkdir -p "$dir"
measure() { # best wall time of 5 runs of "$@" in seconds (to the 0.1 ms), and the peak RSS in KiB
  python3 - "$@" <<'PY'
import resource, subprocess, sys, time
best = float("inf")
for _ in range(5):
    t = time.perf_counter()
    subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    best = min(best, time.perf_counter() - t)
print(f"{best:.4f} {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}")
PY
}
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(256 1024 4096)
for size in "${sizes[@]}"; do
  {
    f=$dir/dump-$size.raw
    [ -e "$f" ] || $b/bench/make_dump "$f" "$size" >/dev/null
    cat "$f" >/dev/null; cat "$f" >/dev/null
    read -r tc _ <<<"$(measure cat "$f")"
    read -r tm rss <<<"$(measure $b/tools/mquire kallsyms "$f")"
    python3 -c "print(f'  {$size:>5} MiB: cat {$tc:6.3f} s, mquire {$tm:6.3f} s, ratio {($tm/max($tc,0.001)):4.2f}x, mquire peak RSS {$rss/1024:6.1f} MiB')"
  }
done

echo "== (4) kernel images as shipped: mquire kallsyms vs the decompressor alone, and one layout vs all"
# Debian's amd64 bzImages cached by the tests (scripts/test.sh) or the demo.
images=$(find .cache/debs -path '*unpacked*' -name 'vmlinuz*' 2>/dev/null | grep amd64 | sort)
[ -n "$images" ] || echo "  (no Debian amd64 vmlinuz in .cache/debs: run scripts/test.sh or scripts/demo.sh first)"
for img in $images; do
  payload=$dir/$(basename "$img").payload
  # The bzImage setup header (Documentation/arch/x86/boot.rst) says where the
  # compressed kernel is; its first bytes say which decompressor.
  tool=$(python3 - "$img" "$payload" <<'PY'
import struct, sys
b = open(sys.argv[1], "rb").read()
sects = b[0x1f1] or 4
off, length = struct.unpack_from("<II", b, 0x248)
start = (sects + 1) * 512 + off
p = b[start:start + length - 4]  # without the size the kernel build appends
open(sys.argv[2], "wb").write(p)
print("zstd" if p[:4] == b"\x28\xb5\x2f\xfd" else "xz" if p[:6] == b"\xfd7zXZ\x00" else "gzip" if p[:2] == b"\x1f\x8b" else "")
PY
)
  [ -n "$tool" ] || continue
  cat "$img" "$payload" >/dev/null
  read -r td _ <<<"$(measure "$tool" -dc "$payload")"
  vmlinux=$dir/$(basename "$img").vmlinux
  "$tool" -dc "$payload" >"$vmlinux"
  kernel=$(stat -c %s "$vmlinux")
  read -r tm rss <<<"$(measure $b/tools/mquire kallsyms "$img")"
  layout=$($b/tools/mquire inspect "$img" | sed -n 's/^  layout: *\([^ ]*\).*/\1/p' | head -1)
  read -r tl _ <<<"$(measure $b/tools/mquire kallsyms --layout "$layout" "$img")"
  python3 -c "print(f'  {\"$(basename "$img")\":32s} $tool -dc {$td:6.3f} s, mquire {$tm:6.3f} s ({$tm/max($td,0.001):4.2f}x), --layout $layout {$tl:6.3f} s (all layouts {$tm/max($tl,0.001):4.2f}x one); peak RSS {$rss/1024:6.1f} MiB = kernel {$kernel/1048576:5.1f} MiB + {($rss*1024-$kernel)/1048576:5.1f} MiB')"
done

echo "== (5) vmlinux (the ELF inside each image above): mquire kallsyms vs cat, and vs one layout (reading + decoding)"
# vmlinux-to-elf's finder took 7.8 s on the 6.1 vmlinux where this project
# took 0.27-0.32 s (issue 12, measured on this kind of machine): the target
# is 100x that, or within 3x of cat plus decoding.
for vmlinux in "$dir"/*.vmlinux; do
  [ -e "$vmlinux" ] || { echo "  (no vmlinux: section (4) writes them)"; break; }
  cat "$vmlinux" >/dev/null
  read -r tc _ <<<"$(measure cat "$vmlinux")"
  read -r tm rss <<<"$(measure $b/tools/mquire kallsyms "$vmlinux")"
  layout=$($b/tools/mquire inspect "$vmlinux" | sed -n 's/^  layout: *\([^ ]*\).*/\1/p' | head -1)
  read -r tl _ <<<"$(measure $b/tools/mquire kallsyms --layout "$layout" "$vmlinux")"
  python3 -c "print(f'  {\"$(basename "$vmlinux")\":40s} cat {$tc:6.3f} s, mquire {$tm:6.3f} s, --layout $layout {$tl:6.3f} s: {$tm/max($tc+$tl,0.001):4.2f}x cat + decoding, all layouts {$tm/max($tl,0.001):4.2f}x one; peak RSS {$rss/1024:6.1f} MiB')"
done

echo "== (6) the views on the x86_64 7.2 fixture dump: mquire ps/maps/files/sysinfo/dmesg/net/ifaces/mounts/cached/cat/hooks/bpf vs mquire kallsyms, and ps vs Volatility 3's pslist"
fixture=${MQUIRE_SHARED_DIR:-../shared}/fixtures/x86_64-7.2-modules/dump.elf.zst
vol_tar=${MQUIRE_SHARED_DIR:-../shared}/tools/volatility3-2.11.0.tar.xz
if [ -e "$fixture" ]; then
  dump=$dir/x86_64-7.2.elf
  [ -e "$dump" ] || zstd -dc "$fixture" >"$dump"
  cat "$dump" >/dev/null
  read -r tk _ <<<"$(measure $b/tools/mquire kallsyms "$dump")"
  for view in "ps --format json" maps "files --format json" sysinfo dmesg net "net --format json" ifaces mounts cached hooks bpf; do
    read -r tv rss <<<"$(measure $b/tools/mquire $view "$dump")"
    python3 -c "print(f'  mquire {\"$view\":22s} {$tv:6.3f} s ({$tv/max($tk,0.001):4.2f}x mquire kallsyms {$tk:6.3f} s), peak RSS {$rss/1024:6.1f} MiB')"
  done
  # A file from the page cache: the initramfs's busybox, 2 MB.
  read -r tv rss <<<"$(measure $b/tools/mquire cat "$dump" /bin/busybox -o /dev/null)"
  python3 -c "print(f'  mquire {\"cat /bin/busybox\":22s} {$tv:6.3f} s ({$tv/max($tk,0.001):4.2f}x mquire kallsyms {$tk:6.3f} s), peak RSS {$rss/1024:6.1f} MiB')"
  if [ -e "$vol_tar" ]; then
    vol=$dir/volatility3
    [ -e "$vol/vol.py" ] || { mkdir -p "$vol" && tar -xJf "$vol_tar" -C "$vol" --strip-components=1; }
    mkdir -p "$dir/symbols/linux"
    $b/tools/mquire isf "$dump" -o "$dir/symbols/linux/x86_64-7.2.json.xz" 2>/dev/null
    # One run first: Volatility caches what it learns of a symbol table.
    python3 "$vol/vol.py" -q -s "$dir/symbols" -f "$dump" linux.pslist >/dev/null 2>&1 || true
    read -r tvol _ <<<"$(measure python3 "$vol/vol.py" -q -s "$dir/symbols" -f "$dump" linux.pslist)"
    read -r tps _ <<<"$(measure $b/tools/mquire ps --format json "$dump")"
    python3 -c "print(f'  Volatility 3 linux.pslist (mquire ISF) {$tvol:6.2f} s; mquire ps with command lines {$tps:6.3f} s: {$tvol/max($tps,0.001):6.1f}x faster')"
  fi
else
  echo "  (no $fixture)"
fi

echo "== (7) SQL on the x86_64 7.2 fixture dump: each query vs the view command(s) that print the same rows"
if [ -e "$fixture" ]; then
  dump=$dir/x86_64-7.2.elf
  sqlbench() { # label, query, baseline command(s) run one after another
    local label=$1 sql=$2
    shift 2
    read -r tq rss <<<"$(measure $b/tools/mquire query "$dump" "$sql")"
    local tb=0 t
    for view in "$@"; do
      read -r t _ <<<"$(measure $b/tools/mquire $view "$dump")"
      tb=$(python3 -c "print($tb + $t)")
    done
    python3 -c "print(f'  {\"$label\":34s} {$tq:6.3f} s vs {\"$*\"} {$tb:6.3f} s: {$tq/max($tb,0.001):4.2f}x, peak RSS {$rss/1024:6.1f} MiB')"
  }
  sqlbench "SELECT * FROM tasks" "SELECT * FROM tasks" "ps --format json"
  sqlbench "tasks x open files x sockets" "SELECT t.pid, tof.fd, nc.local_port FROM tasks t JOIN task_open_files tof ON tof.task = t.virtual_address JOIN network_connections nc ON nc.inode = tof.inode" "files --format json" "net"
  sqlbench "SELECT * FROM memory_mappings" "SELECT * FROM memory_mappings" maps
  sqlbench "SELECT * FROM kallsyms" "SELECT * FROM kallsyms" kallsyms
else
  echo "  (no $fixture)"
fi
