#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Builds the mquire tool and runs it on real kernels: Debian's own 6.1 kernel
# package (fetched once with apt-get download into .cache/) and, when the
# shared fixtures are beside this checkout, a real memory dump of that kernel.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cmake -S . -B build-demo -G Ninja -DCMAKE_BUILD_TYPE=Release -DMQUIRE_BUILD_TESTS=OFF >/dev/null
cmake --build build-demo -j "$(nproc)" --target mquire_tool >/dev/null
tool=build-demo/tools/mquire

pkg=linux-image-6.1.0-56-amd64-unsigned ver=6.1.192-2
cache=.cache/debs
mkdir -p "$cache"
if [ ! -e "$cache/boot/vmlinuz-6.1.0-56-amd64" ]; then
  # Only boot/ (the kernel and its map): the module tree is most of the package.
  (cd "$cache" && apt-get download -q "$pkg=$ver" &&
    dpkg-deb --fsys-tarfile "${pkg}_"*.deb | tar -x ./boot && rm -f "${pkg}_"*.deb)
fi
vmlinuz=$cache/boot/vmlinuz-6.1.0-56-amd64
echo "== $tool inspect $vmlinuz"
"$tool" inspect "$vmlinuz"
echo "== $tool kallsyms $vmlinuz | head"
"$tool" kallsyms "$vmlinuz" > .cache/vmlinuz.kallsyms
head -n 5 .cache/vmlinuz.kallsyms
echo "... $(wc -l < .cache/vmlinuz.kallsyms) symbols in .cache/vmlinuz.kallsyms"

dump=../shared/fixtures/x86_64-6.1-boot1/dump.elf.zst
if [ -e "$dump" ]; then
  [ -e .cache/dump.elf ] || zstd -dqf "$dump" -o .cache/dump.elf
  echo "== $tool kallsyms .cache/dump.elf (a QEMU memory dump of that kernel, KASLR on)"
  "$tool" kallsyms .cache/dump.elf > .cache/dump.kallsyms
  if zstd -dc ../shared/fixtures/x86_64-6.1-boot1/kallsyms.truth.zst | cmp -s - .cache/dump.kallsyms; then
    echo "identical to the running kernel's own /proc/kallsyms ($(wc -l < .cache/dump.kallsyms) lines)"
  else
    echo "DIFFERS from the running kernel's /proc/kallsyms" >&2
    exit 1
  fi
  echo "== $tool ps .cache/dump.elf (what was running: every task, through the kernel's page tables and BTF)"
  "$tool" ps .cache/dump.elf
  echo "== $tool maps --pid 1 .cache/dump.elf (its /proc/1/maps)"
  "$tool" maps --pid 1 .cache/dump.elf
  echo "== $tool sysinfo .cache/dump.elf"
  "$tool" sysinfo .cache/dump.elf
  echo "== $tool dmesg .cache/dump.elf | tail -5 (the kernel log's last lines)"
  "$tool" dmesg .cache/dump.elf | tail -5
  echo "== $tool mounts .cache/dump.elf (its /proc/1/mounts)"
  "$tool" mounts .cache/dump.elf
  echo "== $tool ifaces .cache/dump.elf (ip -o link, ip -o addr)"
  "$tool" ifaces .cache/dump.elf
  echo "== $tool cached .cache/dump.elf (the files in the page cache)"
  "$tool" cached .cache/dump.elf
  echo "== $tool hooks .cache/dump.elf (ftrace, kprobes, system call and ops tables, BPF)"
  "$tool" hooks .cache/dump.elf
  echo "== $tool net .cache/dump.elf | sed -n 1,4p (/proc/net/tcp, ...)"
  "$tool" net .cache/dump.elf | sed -n 1,4p
  echo "== $tool net .cache/dump.elf | sed -n '/net.dev/,/if_inet6/p' (/proc/net/dev)"
  "$tool" net .cache/dump.elf | sed -n '/net.dev/,/if_inet6/p'
  q="SELECT t.pid, t.comm, t.command_line, m.perms, m.file_path FROM tasks t
     JOIN memory_mappings m ON m.task = t.virtual_address
     WHERE t.source = 'task_list' AND m.file_path IS NOT NULL"
  echo "== $tool query .cache/dump.elf \"$q\" (SQL: each process and the files it mapped)"
  "$tool" query .cache/dump.elf "$q"
fi
