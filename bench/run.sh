#!/usr/bin/env bash
# Runs every benchmark and prints the ratios against baselines measured in
# the same run: (1) landmark scan vs memmem, (2) search+decode per symbol at
# 10k/100k/1M symbols, (3) end-to-end `mquire kallsyms` vs `cat FILE >
# /dev/null` on warm 256 MiB, 1 GiB and 4 GiB dumps, with peak RSS.
#   bench/run.sh [SIZES_MIB...]     (default: 256 1024 4096)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
command -v /usr/bin/time >/dev/null || { [ "$(id -u)" -eq 0 ] && apt-get install -y -q time >/dev/null; }
cmake -S . -B build-bench -G Ninja -DCMAKE_BUILD_TYPE=Release -DMQUIRE_BUILD_TESTS=OFF -DMQUIRE_BUILD_FUZZ_REPLAY=OFF \
  -DMQUIRE_BUILD_BENCH=ON >/dev/null
cmake --build build-bench -j "$(nproc)" >/dev/null
b=build-bench

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
measure() { # best wall time of 3 runs of "$@" in seconds, and the peak RSS in KiB of the last
  local best=999 out=$dir/time.out
  for i in 1 2 3; do
    /usr/bin/time -o "$out" -f "%e %M" "$@" >/dev/null 2>/dev/null
    best=$(python3 -c "print(min($best, $(cut -d' ' -f1 "$out")))")
  done
  echo "$best $(cut -d' ' -f2 "$out")"
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
    python3 -c "print(f'  {$size:>5} MiB: cat {$tc:5.2f} s, mquire {$tm:5.2f} s, ratio {($tm/max($tc,0.01)):4.2f}x, mquire peak RSS {$rss/1024:6.1f} MiB')"
  }
done
