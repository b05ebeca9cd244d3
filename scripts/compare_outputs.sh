#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Runs a built tool over every input the tests cache (generated images and
# dumps in BUILD/test-cache, the fixtures' decompressed forms, the Debian
# kernel packages in .cache/debs) and writes each output form to OUTDIR:
# kallsyms (.k, with stderr and exit status in .ke), inspect (.i, .ie), json
# (.j) and a digest of --strict (.s). Two such directories, from the tool
# before and after a change, compare with `diff -r`.
#   scripts/compare_outputs.sh TOOL OUTDIR [BUILD]
set -uo pipefail
tool=$(realpath "$1") out=$2 build=${3:-build}
cd "$(dirname "$0")/.."
mkdir -p "$out"
{
  ls "$build"/test-cache/* 2>/dev/null | grep -v -e '\.stdout$' -e '\.stderr$' -e System.map -e truth -e '\.out$'
  find .cache/debs -path '*unpacked*' -name 'vmlinu*' -type f 2>/dev/null
} | sort -u | while read -r f; do
  n=$(echo "$f" | tr '/' '_')
  "$tool" kallsyms "$f" >"$out/$n.k" 2>"$out/$n.ke"; echo $? >>"$out/$n.ke"
  "$tool" inspect "$f" >"$out/$n.i" 2>"$out/$n.ie"; echo $? >>"$out/$n.ie"
  "$tool" kallsyms --format json "$f" >"$out/$n.j" 2>/dev/null
  "$tool" kallsyms --strict "$f" 2>&1 | md5sum >"$out/$n.s"
done
echo "$(ls "$out" | wc -l) outputs in $out"
