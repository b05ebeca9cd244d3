// SPDX-License-Identifier: Apache-2.0
// The kernel-object walkers over fuzzed kernel memory: circular lists,
// hlists and hlist_nulls, rb-trees, xarrays, maple trees, the printk ring
// buffer (BTF built word by word below) and /proc/net's socket tables
// (the BTF of tests/support/network_decls.hpp, fuzz/types/network.btf),
// the page cache's files and their bytes (tests/support/page_cache_decls.hpp,
// fuzz/types/page_cache.btf), and ftrace's ops and records, kprobes and
// call tables (tests/support/hooks_decls.hpp, fuzz/types/hooks.btf), the
// BPF programs and maps of prog_idr and map_idr (tests/support/bpf_decls.hpp,
// fuzz/types/bpf.btf) and /proc/net/dev's counters of net_devices
// (tests/support/device_counters_decls.hpp, fuzz/types/devices.btf).
// Input: a selector byte and a start address offset (8 bytes,
// little-endian), then the memory, mapped at a kernel address. Invariants:
// every node returned is a kernel address inside the memory (or an entry
// value), none twice, and no walk returns more than its budget.
#include "fuzz_common.hpp"

#include <map>
#include <set>

#include <mquire/bpf/bpftool_lines.hpp>
#include <mquire/filesystems/cached_files.hpp>
#include <mquire/filesystems/page_cache.hpp>
#include <mquire/hooks/call_tables.hpp>
#include <mquire/hooks/ftrace.hpp>
#include <mquire/network/device_counters.hpp>
#include <mquire/network/proc_net.hpp>

#include "generator/btf_writer.hpp"
#include "support/symbol_table.hpp"

namespace {

constexpr std::uint64_t base = 0xffff888000000000ull;
constexpr std::size_t budget = 4096;

// Types the walkers look up, at the kernel's 64-bit offsets.
std::vector<std::uint8_t> walker_btf() {
  using mquire::btf::kind;
  using gen::btf_info;
  std::string s(1, '\0');
  const auto name = [&](const char* n) {
    const auto at = static_cast<std::uint32_t>(s.size());
    s += n;
    s.push_back('\0');
    return at;
  };
  const std::uint32_t n_u64 = name("u64"), n_u8 = name("u8"), n_xarray = name("xarray"), n_flags = name("xa_flags"),
                      n_head = name("xa_head"), n_node = name("xa_node"), n_shift = name("shift"),
                      n_slots = name("slots"), n_tree = name("maple_tree"), n_root = name("ma_root"),
                      n_r64 = name("maple_range_64"), n_a64 = name("maple_arange_64"), n_parent = name("parent"),
                      n_pivot = name("pivot"), n_slot = name("slot"), n_gap = name("gap"), n_meta = name("meta"),
                      n_md = name("maple_metadata"), n_end = name("end"), n_mnode = name("maple_node"),
                      n_mt = name("maple_type"), n_leaf = name("maple_leaf_64"), n_range = name("maple_range_64"),
                      n_arange = name("maple_arange_64");
  // The printk ring buffer's types (kernel/printk/printk_ringbuffer.h).
  const std::uint32_t n_u32 = name("u32"), n_u16 = name("u16"), n_atomic = name("atomic_long_t"),
                      n_counter = name("counter"), n_lpos = name("prb_data_blk_lpos"), n_begin = name("begin"),
                      n_next = name("next"), n_desc = name("prb_desc"), n_state = name("state_var"),
                      n_blk = name("text_blk_lpos"), n_info = name("printk_info"), n_seq = name("seq"),
                      n_ts = name("ts_nsec"), n_len = name("text_len"), n_fac = name("facility"),
                      n_caller = name("caller_id"), n_dring = name("prb_desc_ring"), n_cbits = name("count_bits"),
                      n_descs = name("descs"), n_infos = name("infos"), n_hid = name("head_id"),
                      n_tid = name("tail_id"), n_tring = name("prb_data_ring"), n_sbits = name("size_bits"),
                      n_data = name("data"), n_hl = name("head_lpos"), n_tl = name("tail_lpos"),
                      n_rb = name("printk_ringbuffer"), n_dr = name("desc_ring"), n_tr = name("text_data_ring"),
                      n_fail = name("fail");
  std::vector<std::uint32_t> t = {
      n_u64, btf_info(kind::int_), 8, 64,                               // 1: u64
      n_u8, btf_info(kind::int_), 1, 8,                                 // 2: u8
      0, btf_info(kind::ptr), 0,                                        // 3: void *
      0, btf_info(kind::array), 0, 3, 1, 64,                            // 4: void *[64]
      0, btf_info(kind::array), 0, 1, 1, 15,                            // 5: u64[15]
      0, btf_info(kind::array), 0, 3, 1, 16,                            // 6: void *[16]
      0, btf_info(kind::array), 0, 1, 1, 9,                             // 7: u64[9]
      0, btf_info(kind::array), 0, 3, 1, 10,                            // 8: void *[10]
      0, btf_info(kind::array), 0, 1, 1, 10,                            // 9: u64[10]
      n_md, btf_info(kind::struct_, 2), 2,                              // 10: maple_metadata
      n_end, 2, 0, n_gap, 2, 8,
      n_xarray, btf_info(kind::struct_, 2), 16,                         // 11: xarray
      n_flags, 1, 0, n_head, 3, 64,
      n_node, btf_info(kind::struct_, 2), 576,                          // 12: xa_node
      n_shift, 2, 0, n_slots, 4, 40 * 8,
      n_tree, btf_info(kind::struct_, 1), 16,                           // 13: maple_tree
      n_root, 3, 64,
      n_r64, btf_info(kind::struct_, 4), 256,                           // 14: maple_range_64
      n_parent, 3, 0, n_pivot, 5, 64, n_slot, 6, 128 * 8, n_meta, 10, 248 * 8,
      n_a64, btf_info(kind::struct_, 5), 256,                           // 15: maple_arange_64
      n_parent, 3, 0, n_pivot, 7, 64, n_slot, 8, 80 * 8, n_gap, 9, 160 * 8, n_meta, 10, 240 * 8,
      n_mnode, btf_info(kind::union_, 2), 256,                          // 16: maple_node
      0, 14, 0, 0, 15, 0,
      n_mt, btf_info(kind::enum_, 3), 4,                                // 17: enum maple_type
      n_leaf, 1, n_range, 2, n_arange, 3,
      n_u32, btf_info(kind::int_), 4, 32,                               // 18: u32
      n_u16, btf_info(kind::int_), 2, 16,                               // 19: u16
      n_atomic, btf_info(kind::struct_, 1), 8,                          // 20: atomic_long_t
      n_counter, 1, 0,
      n_lpos, btf_info(kind::struct_, 2), 16,                           // 21: prb_data_blk_lpos
      n_begin, 1, 0, n_next, 1, 64,
      n_desc, btf_info(kind::struct_, 2), 24,                           // 22: prb_desc
      n_state, 20, 0, n_blk, 21, 64,
      n_info, btf_info(kind::struct_, 5), 88,                           // 23: printk_info
      n_seq, 1, 0, n_ts, 1, 64, n_len, 19, 128, n_fac, 2, 144, n_caller, 18, 160,
      n_dring, btf_info(kind::struct_, 5), 48,                          // 24: prb_desc_ring
      n_cbits, 18, 0, n_descs, 3, 64, n_infos, 3, 128, n_hid, 20, 192, n_tid, 20, 256,
      n_tring, btf_info(kind::struct_, 4), 32,                          // 25: prb_data_ring
      n_sbits, 18, 0, n_data, 3, 64, n_hl, 20, 128, n_tl, 20, 192,
      n_rb, btf_info(kind::struct_, 3), 88,                             // 26: printk_ringbuffer
      n_dr, 24, 0, n_tr, 25, 384, n_fail, 20, 640,
  };
  return gen::btf_blob(t, s);
}

const std::uint8_t network_btf[] = {
#include "network_btf.inc"
};
const std::uint8_t page_cache_btf[] = {
#include "page_cache_btf.inc"
};
const std::uint8_t hooks_btf[] = {
#include "hooks_btf.inc"
};
const std::uint8_t bpf_btf[] = {
#include "bpf_btf.inc"
};
const std::uint8_t devices_btf[] = {
#include "devices_btf.inc"
};

// The struct page array of the page cache selector: at this offset of the
// memory, whose frames are the memory's own 4 KiB pages.
constexpr std::uint64_t fuzz_vmemmap = base + 0x4000;

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::vector<std::uint8_t> blob = walker_btf();
  static const auto parsed = mquire::btf::type_info::parse(blob);
  MQUIRE_FUZZ_CHECK(parsed.ok());
  static const mquire::objects::kernel_types types(*parsed, 8);
  if (size < 9) return 0;
  const std::uint8_t sel = data[0];
  std::uint64_t off = 0;
  for (int i = 0; i < 8; ++i) off |= std::uint64_t{data[1 + i]} << (8 * i);
  const std::span<const std::uint8_t> mem(data + 9, size - 9);
  const mquire::physical_reader rd = [mem](std::uint64_t pa, std::uint8_t* out, std::size_t n) {
    if (pa > mem.size() || n > mem.size() - pa) return false;
    std::memcpy(out, mem.data() + pa, n);
    return true;
  };
  const mquire::page_translator tr = [](std::uint64_t va) -> std::optional<mquire::page_mapping> {
    if (va < base) return std::nullopt;
    return mquire::page_mapping{va - base, 4096};
  };
  const mquire::virtual_memory vm(tr, rd, mquire::byte_order::little, 8);
  const mquire::objects::object_reader r(vm, types);
  const std::uint64_t start = base + off % (mem.size() + 64);
  const auto inside = [&](std::uint64_t a) { return a >= base && a - base < mem.size(); };
  const auto check_nodes = [&](const std::vector<std::uint64_t>& nodes, bool addresses) {
    MQUIRE_FUZZ_CHECK(nodes.size() <= budget + 1);
    if (!addresses) return;
    std::set<std::uint64_t> seen;
    for (auto n : nodes) {
      MQUIRE_FUZZ_CHECK(inside(n));
      MQUIRE_FUZZ_CHECK(seen.insert(n).second);
    }
  };
  switch (sel % 13) {
  case 6:
  case 7: {
    // hlist_nulls chains, and the either-marker walk of the raw table.
    const auto end = sel % 13 == 6 ? mquire::objects::hlist_end::nulls_marker : mquire::objects::hlist_end::either;
    check_nodes(mquire::objects::walk_hlist_ending(r, start, budget, end).nodes, true);
    break;
  }
  case 8: {
    // Every /proc/net listing with init_net at `start` and the raw tables
    // and pointer-printing switches behind it: bounded rows, each a socket
    // inside the memory, each listing either whole or with its problem.
    static const auto net_parsed = mquire::btf::type_info::parse(std::span<const std::uint8_t>(network_btf));
    MQUIRE_FUZZ_CHECK(net_parsed.ok());
    static const mquire::objects::kernel_types net_types(*net_parsed, 8);
    const mquire::objects::object_reader nr(vm, net_types);
    const std::map<std::string, std::uint64_t> syms = {{"init_net", start},
                                                       {"raw_v4_hashinfo", start + 0x1000},
                                                       {"raw_v6_hashinfo", start + 0x1900},
                                                       {"jiffies_64", start + 0x2200},
                                                       {"kptr_restrict", start + 0x2208}};
    const auto table = support::symbol_table(syms, 'd');
    const mquire::objects::symbol_index index(table);
    const auto v = mquire::network::read_proc_net(nr, index);
    std::size_t rows = 0;
    for (const auto& l : v.listings) {
      rows += l.rows.size();
      for (const auto& row : l.rows) {
        MQUIRE_FUZZ_CHECK(!row.line.empty());
        MQUIRE_FUZZ_CHECK(inside(row.sock));
      }
    }
    MQUIRE_FUZZ_CHECK(rows <= mquire::network::max_listed_sockets + 1);
    break;
  }
  case 9: {
    // The files of super_blocks at `start` with pages in the page cache,
    // and each one's bytes: bounded files, each inode inside the memory;
    // each file's runs in order and apart, and the bytes asked for written
    // (holes included) unless the zeros reached their bound.
    static const auto pc_parsed = mquire::btf::type_info::parse(std::span<const std::uint8_t>(page_cache_btf));
    MQUIRE_FUZZ_CHECK(pc_parsed.ok());
    static const mquire::objects::kernel_types pc_types(*pc_parsed, 8);
    const mquire::objects::object_reader pr(vm, pc_types);
    const auto table = support::symbol_table({{"super_blocks", start}}, 'd');
    const mquire::objects::symbol_index index(table);
    const mquire::processes::path_reader paths(pr, {}, {});
    const auto list = mquire::filesystems::read_cached_files(pr, index, {}, paths, budget);
    if (!list) break;
    MQUIRE_FUZZ_CHECK(list->inodes_read <= budget);
    MQUIRE_FUZZ_CHECK(list->files.size() <= list->inodes_read);
    const mquire::memory::page_frames frames(fuzz_vmemmap, *pc_types.struct_size("page"), 12, 0);
    for (const auto& f : list->files) {
      MQUIRE_FUZZ_CHECK(inside(f.inode));
      const auto pages = mquire::filesystems::read_file_pages(pr, frames, f.mapping, budget);
      if (!pages) continue;
      for (std::size_t i = 1; i < pages->runs.size(); ++i)
        MQUIRE_FUZZ_CHECK(pages->runs[i - 1].first + pages->runs[i - 1].count <= pages->runs[i].first);
      const std::uint64_t size = std::min<std::uint64_t>(
          mquire::filesystems::bytes_to_write(f.size, *pages, frames.page_size()), std::uint64_t{1} << 16);
      std::uint64_t written = 0;
      const auto rep = mquire::filesystems::write_file_content(
          rd, frames, *pages, size, [&](std::span<const std::uint8_t> b) { written += b.size(); });
      MQUIRE_FUZZ_CHECK(written == rep.bytes && rep.bytes <= size && (rep.stopped || rep.bytes == size));
      for (const auto& h : rep.holes) MQUIRE_FUZZ_CHECK(h.offset + h.length <= rep.bytes);
    }
    break;
  }
  case 10: {
    // ftrace's ops list and records, the kprobe table and the call tables
    // at fixed places after `start`, the first half of the memory being
    // kernel text: bounded ops, lines and slots; every enabled line one
    // record's; every slot a pointer the memory held.
    static const auto hk_parsed = mquire::btf::type_info::parse(std::span<const std::uint8_t>(hooks_btf));
    MQUIRE_FUZZ_CHECK(hk_parsed.ok());
    static const mquire::objects::kernel_types hk_types(*hk_parsed, 8);
    MQUIRE_FUZZ_CHECK(hk_types.enumerator("FTRACE_FL_ENABLED").has_value());
    const mquire::objects::object_reader hr(vm, hk_types);
    const std::uint64_t half = base + mem.size() / 2;
    const auto table = support::symbol_table({{"ftrace_ops_list", start},
                                              {"ftrace_list_end", start + 0x100},
                                              {"ftrace_pages_start", start + 0x200},
                                              {"kprobe_table", start + 0x400},
                                              {"sys_call_table", start + 0x800},
                                              {"tcp4_seq_ops", start + 0xa00},
                                              {"after_the_tables", start + 0xa40},
                                              {"_stext", base},
                                              {"_etext", half},
                                              {"_end", base + mem.size() + 0x1000}},
                                             'd');
    const mquire::objects::symbol_index index(table);
    const mquire::objects::code_symbols symbols(table);
    const auto ftrace = mquire::hooks::read_ftrace(hr, index, symbols);
    MQUIRE_FUZZ_CHECK(ftrace.ops.size() <= mquire::hooks::max_ftrace_ops);
    MQUIRE_FUZZ_CHECK(ftrace.enabled_functions.size() <= ftrace.records);
    for (const auto& o : ftrace.ops) MQUIRE_FUZZ_CHECK(inside(o.address));
    const auto hooks = mquire::hooks::read_hook_tables(hr, index, symbols);
    for (const auto& t : hooks.tables) {
      MQUIRE_FUZZ_CHECK(t.slots.size() <= mquire::hooks::max_syscalls);
      for (const auto& sl : t.slots) MQUIRE_FUZZ_CHECK(!sl.check.expected || sl.check.backed);
    }
    for (const auto& k : hooks.kprobes) MQUIRE_FUZZ_CHECK(inside(k.kprobe));
    break;
  }
  case 11: {
    // prog_idr at `start`, map_idr 0x40 after it, the per-CPU offsets and
    // the possible CPUs' mask after them: programs and maps in strictly
    // rising id order, each inside the memory, its lines printed; the
    // work bounded by max_bpf_reads.
    static const auto bp_parsed = mquire::btf::type_info::parse(std::span<const std::uint8_t>(bpf_btf));
    MQUIRE_FUZZ_CHECK(bp_parsed.ok());
    static const mquire::objects::kernel_types bp_types(*bp_parsed, 8);
    MQUIRE_FUZZ_CHECK(bp_types.enumerator("BPF_PROG_TYPE_KPROBE").has_value());
    const mquire::objects::object_reader br(vm, bp_types);
    const auto table = support::symbol_table({{"prog_idr", start},
                                              {"map_idr", start + 0x40},
                                              {"__per_cpu_offset", start + 0x80},
                                              {"__cpu_possible_mask", start + 0xc0}},
                                             'd');
    const mquire::objects::symbol_index index(table);
    const auto v = mquire::bpf::read_bpf(br, index, 4096);
    if (!v) break;
    const mquire::bpf::dump_clocks clocks{1700000000123456789ll, 12345678901ull};
    for (std::size_t i = 0; i < v->programs.size(); ++i) {
      const auto& p = v->programs[i];
      MQUIRE_FUZZ_CHECK(inside(p.address));
      MQUIRE_FUZZ_CHECK(i == 0 || v->programs[i - 1].id < p.id);
      MQUIRE_FUZZ_CHECK(p.map_ids.size() <= mquire::bpf::max_used_maps);
      const auto lines = mquire::bpf::program_lines(p, clocks, {});
      MQUIRE_FUZZ_CHECK(lines.rfind(std::to_string(p.id) + ": ", 0) == 0 && lines.back() == '\n');
    }
    for (std::size_t i = 0; i < v->maps.size(); ++i) {
      MQUIRE_FUZZ_CHECK(inside(v->maps[i].address));
      MQUIRE_FUZZ_CHECK(i == 0 || v->maps[i - 1].id < v->maps[i].id);
      MQUIRE_FUZZ_CHECK(mquire::bpf::map_lines(v->maps[i], {}).back() == '\n');
    }
    break;
  }
  case 12: {
    // Four net_devices at `start` + 0x400 * k, the drivers' functions in
    // the memory's first half, the per-CPU offsets and possible CPUs'
    // mask at the memory's start: a line per device, known or '?', the
    // per-CPU reads bounded by max_counter_reads.
    static const auto dv_parsed = mquire::btf::type_info::parse(std::span<const std::uint8_t>(devices_btf));
    MQUIRE_FUZZ_CHECK(dv_parsed.ok());
    static const mquire::objects::kernel_types dv_types(*dv_parsed, 8);
    const mquire::objects::object_reader dr(vm, dv_types);
    const auto table = support::symbol_table({{"__per_cpu_offset", base},
                                              {"__cpu_possible_mask", base + 0x40},
                                              {"loopback_get_stats64", base + 0x100},
                                              {"dummy_get_stats64", base + 0x200},
                                              {"dev_get_tstats64", base + 0x300},
                                              {"_etext", base + 0x1000}},
                                             't');
    const mquire::objects::symbol_index index(table);
    const mquire::objects::code_symbols symbols(table);
    mquire::network::interface_list list;
    for (int k = 0; k < 4; ++k) {
      mquire::network::interface i;
      i.device = start + 0x400 * static_cast<std::uint64_t>(k);
      i.name = "dev" + std::to_string(k);
      i.index = k + 1;
      list.interfaces.push_back(i);
    }
    const auto counters = mquire::network::read_device_counters(dr, index, &symbols, list);
    MQUIRE_FUZZ_CHECK(counters.size() == 4);
    for (const auto& d : counters) {
      MQUIRE_FUZZ_CHECK(d.counters || !d.problem.empty());
      MQUIRE_FUZZ_CHECK(mquire::network::device_counters_line(d).rfind("  dev", 0) == 0);
    }
    break;
  }
  case 5: {
    // The kernel log's ring at `start`: records in sequence order, each
    // text no longer than its 16-bit length allows.
    const auto log = mquire::system::detail::read_ringbuffer(r, start);
    if (!log) break;
    MQUIRE_FUZZ_CHECK(log->records.size() <= mquire::system::max_log_records);
    for (std::size_t i = 0; i < log->records.size(); ++i) {
      MQUIRE_FUZZ_CHECK(log->records[i].text.size() <= 0xffff);
      if (i) MQUIRE_FUZZ_CHECK(log->records[i - 1].seq < log->records[i].seq);
    }
    break;
  }
  case 0: check_nodes(mquire::objects::walk_list(r, start, budget).nodes, true); break;
  case 1: check_nodes(mquire::objects::walk_hlist(r, start, budget).nodes, true); break;
  case 2: check_nodes(mquire::objects::walk_rbtree(r, start, budget).nodes, true); break;
  case 3: {
    const auto w = mquire::objects::walk_xarray(r, start, budget);
    MQUIRE_FUZZ_CHECK(w.entries.size() <= budget + 1);
    for (std::size_t i = 1; i < w.entries.size(); ++i) MQUIRE_FUZZ_CHECK(w.entries[i - 1].index <= w.entries[i].index);
    break;
  }
  default: check_nodes(mquire::objects::walk_maple_tree(r, start, budget).nodes, false); break;
  }
  return 0;
}
