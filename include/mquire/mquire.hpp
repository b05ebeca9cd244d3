// SPDX-License-Identifier: Apache-2.0
// mquire: rebuild the Linux kernel symbol table (/proc/kallsyms) from the raw
// bytes of a memory dump or kernel image. Include this one header.
//
//   mquire::byte_range range{bytes};               // + base_vaddr if known
//   auto table = mquire::recover_kallsyms(range);  // result<kallsyms_table>
//   if (table) for (auto& s : table->symbols) use(s.address, s.type, table->name(s));
#pragma once

// The vocabulary every layer shares
#include "bytes.hpp"
#include "error.hpp"
#include "notes.hpp"

// Kallsyms (kallsyms/): what an embedder uses. The layout vocabulary
// (sections, layouts, families), the search's entry points and options,
// and what it reports.
#include "kallsyms/sections.hpp"
#include "kallsyms/layouts.hpp"
#include "kallsyms/layout_families.hpp"
#include "kallsyms/search_options.hpp"
#include "kallsyms/table.hpp"
#include "kallsyms/rejection.hpp"
#include "kallsyms/rank.hpp"
#include "kallsyms/search.hpp"
// ... and the stages the search is made of, in the data's order:
// landmarks -> token table -> markers -> names -> candidate -> addresses ->
// validation (the search's own steps are in detail::, engine.hpp and beside it).
#include "kallsyms/landmarks.hpp"
#include "kallsyms/kernel_landmark.hpp"
#include "kallsyms/token_table.hpp"
#include "kallsyms/markers.hpp"
#include "kallsyms/names.hpp"
#include "kallsyms/plain_names.hpp"
#include "kallsyms/salvage.hpp"
#include "kallsyms/candidate.hpp"
#include "kallsyms/addresses.hpp"
#include "kallsyms/validate.hpp"

// Addresses: from the table to the kernel's virtual addresses (addressing/)
#include "addressing/arm64_paging.hpp"
#include "addressing/find_vmcoreinfo.hpp"
#include "addressing/image_pointers.hpp"
#include "addressing/image_relocations.hpp"
#include "addressing/resolve.hpp"
#include "addressing/settle.hpp"
#include "addressing/vmcoreinfo.hpp"
#include "addressing/x86_64_paging.hpp"

// Kernel memory through the page tables (memory/)
#include "memory/kernel_space.hpp"
#include "memory/page_frames.hpp"
#include "memory/readable_runs.hpp"
#include "memory/virtual_memory.hpp"

// Types: the kernel's BTF (btf/)
#include "btf/format.hpp"
#include "btf/locate.hpp"
#include "btf/lookup.hpp"
#include "btf/types.hpp"

// Kernel objects read through the types (objects/), and modules (modules/)
#include "modules/builtin_kallsyms.hpp"
#include "modules/module_btf.hpp"
#include "modules/module_list.hpp"
#include "objects/code_symbols.hpp"
#include "objects/kernel_types.hpp"
#include "objects/object_reader.hpp"
#include "objects/per_cpu.hpp"
#include "objects/symbol_index.hpp"
#include "objects/walkers.hpp"

// Views of what the machine was doing
#include "filesystems/cached_files.hpp"
#include "filesystems/mounts.hpp"
#include "filesystems/page_cache.hpp"
#include "hooks/call_tables.hpp"
#include "hooks/ftrace.hpp"
#include "network/interfaces.hpp"
#include "network/proc_net.hpp"
#include "network/socket_owners.hpp"
#include "processes/process_view.hpp"
#include "system/identity.hpp"
#include "system/kernel_clock.hpp"
#include "system/kernel_log.hpp"
#include "system/printed_pointer.hpp"

// Output: symbol tables for other tools (output/)
#include "output/elf_inputs.hpp"
#include "output/elf_writer.hpp"
#include "output/isf.hpp"
#include "output/isf_types.hpp"
#include "output/json_writer.hpp"
#include "output/symbol_entry.hpp"
