// mquire: rebuild the Linux kernel symbol table (/proc/kallsyms) from the raw
// bytes of a memory dump or kernel image. Include this one header.
//
//   mquire::byte_range range{bytes};               // + base_vaddr if known
//   auto table = mquire::recover_kallsyms(range);  // result<kallsyms_table>
//   if (table) for (auto& s : table->symbols) use(s.address, s.type, table->name(s));
#pragma once

#include "addresses.hpp"
#include "bytes.hpp"
#include "error.hpp"
#include "layouts.hpp"
#include "markers.hpp"
#include "names.hpp"
#include "plain_names.hpp"
#include "rank.hpp"
#include "rejection.hpp"
#include "search.hpp"
#include "sections.hpp"
#include "table.hpp"
#include "token_table.hpp"
#include "validate.hpp"
#include "addressing/find_vmcoreinfo.hpp"
#include "addressing/resolve.hpp"
#include "addressing/vmcoreinfo.hpp"
#include "addressing/x86_64_paging.hpp"
#include "addressing/image_pointers.hpp"
#include "addressing/image_relocations.hpp"
#include "addressing/settle.hpp"
#include "kernel_landmark.hpp"
#include "candidate.hpp"
#include "salvage.hpp"
#include "search_options.hpp"
#include "landmarks.hpp"
#include "addressing/arm64_paging.hpp"
#include "btf/format.hpp"
#include "btf/locate.hpp"
#include "btf/lookup.hpp"
#include "btf/types.hpp"
#include "memory/kernel_space.hpp"
#include "memory/virtual_memory.hpp"
#include "modules/module_btf.hpp"
#include "modules/module_list.hpp"
