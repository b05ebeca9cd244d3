// SPDX-License-Identifier: Apache-2.0
// Writes the seed corpora: generated tables of every layout in 64/32-bit and
// both byte orders, the same inside LiME and ELF containers, vmcoreinfo text,
// small compressed images, and (when given the fixtures folder) small slices
// of the real dumps around their landmarks.
//
//   make_seeds OUTDIR [FIXTURES_DIR]     -> OUTDIR/<target>/<name>
#include <cstdio>
#include <cstddef>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "generator/btf_writer.hpp"
#include "generator/compressors.hpp"
#include "generator/dump_writer.hpp"
#include "generator/kallsyms_writer.hpp"
#include "generator/memory_image.hpp"
#include "generator/symbols.hpp"
#include "support/bpf_decls.hpp"
#include "support/device_counters_decls.hpp"
#include "support/network_decls.hpp"
#include "support/hooks_decls.hpp"
#include "support/page_cache_decls.hpp"

namespace fs = std::filesystem;
using bytes = std::vector<std::uint8_t>;

// The 7.x socket layouts fuzz/types/network.btf describes.
namespace seed_net {
NET_DECLS(ERA7_SOCK, NOTHING, ERA7_UDP)
}
// The ftrace and kprobe layouts fuzz/types/hooks.btf describes.
namespace seed_hooks {
HOOKS_DECLS
}
// The 7.x BPF layouts fuzz/types/bpf.btf describes.
namespace seed_bpf {
BPF_DECLS(BPF_STATS_MEMBER, BPF_NOTHING, BPF_NOTHING, BPF_MAP_OWNER_MEMBER, BPF_OPS_MEM_USAGE_MEMBER, BPF_NOTHING)
}
// The 7.x net_device fuzz/types/devices.btf describes.
namespace seed_dev {
DC_DECLS(DC_ERA7_STAT, DC_ERA7_TAIL)
}
// The 7.x page cache layouts fuzz/types/page_cache.btf describes.
namespace seed_pc {
PC_DECLS(PC_ERA7_PRELUDE, PC_ERA7_FLAGS, PC_ERA7_FOLIO, PC_ERA7_ALIAS, 13)
}

namespace {

fs::path out_dir;

void put(const std::string& target, const std::string& name, const bytes& b) {
  fs::create_directories(out_dir / target);
  std::ofstream(out_dir / target / name, std::ios::binary)
      .write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}

// The table's memory as a LiME file of two ranges with a gap between them.
bytes lime_of(const bytes& mem) {
  const std::size_t half = mem.size() / 2;
  return gen::lime(mem, {{0, half, 0x100000}, {half, mem.size() - half, 0x100000 + half + 0x10000}});
}

bytes elf_core_of(const bytes& mem, const std::string& vmcoreinfo) {
  return gen::elf_core(mem, {{0, mem.size(), 0x1000000}}, vmcoreinfo);
}

// A minimal bzImage: setup header fields the reader uses, then the payload.
bytes bzimage_of(const bytes& payload) {
  bytes out(5 * 512, 0);
  out[0x1f1] = 4;
  std::memcpy(out.data() + 0x202, "HdrS", 4);
  out[0x206] = 0x0f;
  out[0x207] = 0x02;
  const std::uint32_t off = 0x40, len = static_cast<std::uint32_t>(payload.size());
  std::memcpy(out.data() + 0x248, &off, 4);
  std::memcpy(out.data() + 0x24c, &len, 4);
  out.resize(5 * 512 + off, 0);
  out.insert(out.end(), payload.begin(), payload.end());
  return out;
}

bytes read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

} // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: make_seeds OUTDIR [FIXTURES_DIR]\n");
    return 2;
  }
  out_dir = argv[1];
  using E = gen::era;
  using A = mquire::address_encoding;
  const struct {
    E era;
    A enc;
    const char* name;
  } cases[] = {{E::v4_20, A::absolute, "4.20-abs"},         {E::v6_1, A::base_relative_percpu, "6.1-percpu"},
               {E::v6_2, A::base_relative, "6.2-rel"},     {E::v6_4, A::absolute, "6.4-abs"},
               {E::v6_4, A::base_relative, "6.4-rel"},     {E::v7_0, A::place_relative, "7.0-place"},
               {E::v7_0, A::absolute_u32, "7.0-abs32"}};
  const std::string info = "OSRELEASE=7.0.0-seed\nPAGESIZE=4096\nSYMBOL(_stext)=ffffffff81000000\nKERNELOFFSET=0\n";
  int k = 0;
  for (const auto& c : cases) {
    for (unsigned word : {8u, 4u}) {
      for (auto order : {mquire::byte_order::little, mquire::byte_order::big}) {
        if (c.enc == A::absolute_u32 && word == 8) continue;
        const std::uint64_t text = word == 8 ? 0xffffffff81000000ull : 0xc1000000ull;
        const auto syms = gen::make_symbols({.count = 300 + 40 * static_cast<std::size_t>(k % 5), .seed = 100u + k,
                                             .text_base = text, .percpu = c.enc == A::base_relative_percpu ? 8u : 0u,
                                             .short_names_only = true});
        gen::config cfg{.e = c.era, .word_size = word, .order = order, .encoding = c.enc, .vaddr = text + 0x800000,
                        .banner = "Linux version 6.1.0-seed"};
        const auto out = gen::write_kallsyms(syms, cfg);
        const auto mem = gen::embed(out.bytes, {.total = out.bytes.size() + 2048, .at = 1024, .seed = 200u + k,
                                                .decoy_digit_runs = 2, .decoy_banners = 1});
        const std::string name = std::string(c.name) + "-" + std::to_string(word * 8) +
                                 (order == mquire::byte_order::little ? "le" : "be");
        bytes sel{static_cast<std::uint8_t>(k)};
        sel.insert(sel.end(), mem.begin(), mem.end());
        for (const char* t : {"pipeline_fuzzer", "token_table_fuzzer"}) put(t, name, mem);
        put("layout_search_fuzzer", name, sel);
        // markers: the marker array itself, with the selector bytes in front
        const std::size_t m = out.offset.at(mquire::section_role::markers);
        bytes mk{static_cast<std::uint8_t>(order == mquire::byte_order::big ? 2 : 0), 0};
        mk.insert(mk.end(), out.bytes.begin() + static_cast<long>(m) - 64, out.bytes.begin() + static_cast<long>(m) + 64);
        put("markers_fuzzer", name, mk);
        const std::size_t nm = out.offset.at(mquire::section_role::names);
        bytes nmb{static_cast<std::uint8_t>(out.num_syms & 0xff), static_cast<std::uint8_t>(out.num_syms >> 8), 0};
        nmb.insert(nmb.end(), out.bytes.begin() + static_cast<long>(nm), out.bytes.begin() + static_cast<long>(m));
        put("names_fuzzer", name, nmb);
        if (k % 3 == 0) {
          put("lime_fuzzer", name, lime_of(mem));
          put("elf_fuzzer", name, elf_core_of(mem, info));
        }
        ++k;
      }
    }
  }
  put("vmcoreinfo_fuzzer", "synthetic", bytes(info.begin(), info.end()));
  // BTF: a sample blob alone, inside other bytes, and followed by a copy
  // (read as split BTF over the first).
  const auto sample = gen::sample_btf();
  put("btf_fuzzer", "sample", sample);
  bytes embedded(300, 0x9f);
  embedded.insert(embedded.begin() + 128, sample.begin(), sample.end());
  put("btf_fuzzer", "embedded", embedded);
  bytes twice = sample;
  twice.insert(twice.end(), sample.begin(), sample.end());
  put("btf_fuzzer", "split", twice);
  // Page tables: one x86_64 4-level chain and one arm64 4K/48-bit chain
  // mapping a kernel address to physical 0x5000 in a 6-page memory.
  for (const bool arm : {false, true}) {
    bytes p(17 + 6 * 4096, 0);
    p[0] = arm ? 1 : 0;
    const std::uint64_t va = arm ? 0xffff800000201000ull : 0xffffffff81001000ull;
    for (int i = 0; i < 8; ++i) p[9 + i] = static_cast<std::uint8_t>(va >> (8 * i));
    const auto entry = [&](std::uint64_t table, unsigned index, std::uint64_t value) {
      for (int i = 0; i < 8; ++i) p[17 + table + index * 8 + i] = static_cast<std::uint8_t>(value >> (8 * i));
    };
    // top at 0x0, then tables at 0x1000, 0x2000, 0x3000; the page at 0x5000
    for (unsigned level = 0; level < 4; ++level) {
      const unsigned shift = 39 - 9 * level;
      const std::uint64_t next = level == 3 ? 0x5000 : 0x1000 * (level + 1);
      entry(0x1000 * level, (va >> shift) & 511, next | 3);
    }
    put("paging_fuzzer", arm ? "arm64-4k-48" : "x86_64-4level", p);
  }
  // Kernel-object walkers: a circular list of three nodes, a two-level
  // maple tree and xarray, and a printk ring of four records, in memory
  // mapped at 0xffff888000000000.
  {
    constexpr std::uint64_t kbase = 0xffff888000000000ull;
    const auto seed = [&](std::uint8_t sel, const std::string& name, auto&& fill, std::size_t size = 4096) {
      bytes m(9 + size, 0);
      m[0] = sel;
      const auto word = [&](std::uint64_t at, std::uint64_t v) {
        for (int i = 0; i < 8; ++i) m[9 + at + i] = static_cast<std::uint8_t>(v >> (8 * i));
      };
      fill(word);
      put("objects_fuzzer", name, m);
    };
    seed(0, "list", [&](auto&& word) { // head at 0, nodes at 0x100, 0x200, 0x300
      const std::uint64_t n[] = {0, 0x100, 0x200, 0x300};
      for (int i = 0; i < 4; ++i) {
        word(n[i], kbase + n[(i + 1) % 4]);
        word(n[i] + 8, kbase + n[(i + 3) % 4]);
      }
    });
    seed(3, "xarray", [&](auto&& word) { // xa_head -> node at 0x400 (shift 0), slots 1 and 5
      word(8, kbase + 0x400 + 2);
      word(0x400 + 40 + 8, kbase + 0x900);
      word(0x400 + 40 + 40, kbase + 0xa00);
    });
    seed(4, "maple", [&](auto&& word) { // ma_root -> range node at 0x100 -> leaves at 0x200, 0x300
      word(8, (kbase + 0x100) | (2 << 3) | 2);
      word(0x100 + 8, 0x7fff);
      word(0x100 + 128, (kbase + 0x200) | (1 << 3));
      word(0x100 + 136, (kbase + 0x300) | (1 << 3));
      word(0x100 + 248, 1); // meta.end: two slots in use
      word(0x200 + 8, 0x0fff);
      word(0x200 + 128, 0xffff888000abc000ull);
      word(0x300 + 128, 0xffff888000def000ull);
    });
    seed(5, "printk-ring", [&](auto&& word) { // 4 descriptors at 0x100, infos at 0x200, 256 text bytes at 0x800
      word(0, 2);                             // desc_ring.count_bits
      word(8, kbase + 0x100);                 // descs
      word(16, kbase + 0x200);                // infos
      word(24, 3);                            // head_id
      word(32, 0);                            // tail_id
      word(48, 8);                            // text_data_ring.size_bits
      word(56, kbase + 0x800);                // data
      for (std::uint64_t id = 0; id < 4; ++id) {
        word(0x100 + 24 * id, std::uint64_t{2} << 62 | id); // finalized
        word(0x100 + 24 * id + 8, 32 * id);
        word(0x100 + 24 * id + 16, 32 * id + 24);
        word(0x200 + 88 * id, id);                     // seq
        word(0x200 + 88 * id + 8, 1000000 * (id + 1)); // ts_nsec
        word(0x200 + 88 * id + 16, 16);                // text_len
        word(0x800 + 32 * id, id);                     // the block's id, then its text
        word(0x800 + 32 * id + 8, 0x2064726f63657220ull);
        word(0x800 + 32 * id + 16, 0x2e2e2e2e2e2e2e30ull + id);
      }
    });
    // /proc/net: init_net at 0 with a one-slot UDP table (a socket on
    // 0.0.0.0:53) and a unix bucket holding one socket; the raw tables,
    // jiffies and kptr_restrict where the fuzzer's symbols put them.
    seed(
        8, "proc-net",
        [&](auto&& word) {
          using namespace seed_net;
          word(offsetof(struct net, ipv4) + offsetof(netns_ipv4, udp_table), kbase + 0x200);
          word(0x200 + offsetof(udp_table, hash), kbase + 0x240);
          const std::uint64_t udp = 0x300, node = offsetof(sock_common, skc_node);
          word(0x240, kbase + udp + node);
          word(udp + node + 8, kbase + 0x240); // pprev
          word(udp + offsetof(sock_common, skc_family), 2 | (std::uint64_t{7} << 16)); // AF_INET, TCP_CLOSE
          word(udp + offsetof(sock_common, skc_net), kbase);
          word(udp + offsetof(inet_sock, inet_sport), 0x3500);
          word(offsetof(struct net, unx) + offsetof(netns_unix, table) + offsetof(unix_table, buckets), kbase + 0x2400);
          const std::uint64_t u = 0x600;
          word(0x2400 + 3 * 8, kbase + u + node);
          word(u + node + 8, kbase + 0x2400 + 3 * 8);
          word(u + offsetof(sock_common, skc_family), 1);
          word(0x2200, 0x100001388ull); // jiffies_64
          word(0x2208, 1);              // kptr_restrict
        },
        0x3400);
  }
  // The page cache: super_blocks at 0 holding a tmpfs superblock at
  // 0x100 with one inode at 0x400, named "f" (dentries at 0xa00 and its
  // root at 0xb00), whose one cached page is frame 2 (struct page in the
  // fuzzer's array at 0x4000).
  {
    constexpr std::uint64_t kbase = 0xffff888000000000ull;
    using namespace seed_pc;
    bytes m(9 + 0x5000, 0);
    m[0] = 9;
    const auto word = [&](std::uint64_t at, std::uint64_t v) {
      for (int i = 0; i < 8; ++i) m[9 + at + i] = static_cast<std::uint8_t>(v >> (8 * i));
    };
    const auto text = [&](std::uint64_t at, const char* s) {
      for (std::size_t i = 0; s[i]; ++i) m[9 + at + i] = static_cast<std::uint8_t>(s[i]);
    };
    const std::uint64_t sb = 0x100, fst = 0x300, inode_at = 0x400, d = 0xa00, root = 0xb00;
    const std::uint64_t s_list = sb + offsetof(super_block, s_list), s_inodes = sb + offsetof(super_block, s_inodes);
    const std::uint64_t i_sb_list = inode_at + offsetof(struct inode, i_sb_list);
    const std::uint64_t mapping = inode_at + offsetof(struct inode, i_data);
    const std::uint64_t page_at = 0x4000 + 2 * sizeof(struct page);
    word(0, kbase + s_list);
    word(8, kbase + s_list);
    word(s_list, kbase);
    word(s_list + 8, kbase);
    word(sb + offsetof(super_block, s_type), kbase + fst);
    word(fst, kbase + fst + 0x40);
    text(fst + 0x40, "tmpfs");
    word(s_inodes, kbase + i_sb_list);
    word(s_inodes + 8, kbase + i_sb_list);
    word(i_sb_list, kbase + s_inodes);
    word(i_sb_list + 8, kbase + s_inodes);
    word(inode_at + offsetof(struct inode, i_mapping), kbase + mapping);
    word(inode_at + offsetof(struct inode, i_ino), 5);
    word(inode_at + offsetof(struct inode, __i_nlink), 1);
    word(inode_at + offsetof(struct inode, i_size), 20);
    word(inode_at + offsetof(struct inode, i_dentry), kbase + d + offsetof(dentry, d_alias));
    word(mapping + offsetof(address_space, nrpages), 1);
    word(mapping + offsetof(address_space, i_pages) + offsetof(xarray, xa_head), kbase + page_at);
    word(d + offsetof(dentry, d_parent), kbase + root);
    word(d + offsetof(dentry, d_name) + offsetof(qstr, len), 1);
    word(d + offsetof(dentry, d_name) + offsetof(qstr, name), kbase + d + 0x80);
    text(d + 0x80, "f");
    word(d + offsetof(dentry, d_hash) + offsetof(hlist_bl_node, pprev), kbase + d);
    word(root + offsetof(dentry, d_parent), kbase + root);
    word(page_at + offsetof(struct page, mapping), kbase + mapping);
    text(0x2000, "cached file content\n");
    put("objects_fuzzer", "page-cache", m);
  }
  // Hooks: one ftrace_ops at 0x1000 whose filter hash (0x1100, one
  // bucket at 0x1140) names the function at 0x10, its list ending at the
  // fuzzer's ftrace_list_end; a page of two records (one enabled) at
  // 0x1200; a kprobe at 0x1300 on the function at 0x20; a system call
  // table of two entries and an ops table of four, all into the text half.
  {
    constexpr std::uint64_t kbase = 0xffff888000000000ull;
    using namespace seed_hooks;
    bytes m(9 + 0x4000, 0);
    m[0] = 10;
    const auto word = [&](std::uint64_t at, std::uint64_t v) {
      for (int i = 0; i < 8; ++i) m[9 + at + i] = static_cast<std::uint8_t>(v >> (8 * i));
    };
    const std::uint64_t ops = 0x1000, hash = 0x1100, bucket = 0x1140, entry = 0x1180, page = 0x1200,
                        records = 0x1240, probe = 0x1300;
    word(0, kbase + ops);                                                  // ftrace_ops_list
    word(ops + offsetof(ftrace_ops, func), kbase + 0x30);
    word(ops + offsetof(ftrace_ops, next), kbase + 0x100);                 // ftrace_list_end
    word(ops + offsetof(ftrace_ops, func_hash), kbase + ops + offsetof(ftrace_ops, local_hash));
    word(ops + offsetof(ftrace_ops, local_hash) + offsetof(ftrace_ops_hash, filter_hash), kbase + hash);
    word(hash + offsetof(ftrace_hash, buckets), kbase + bucket);
    word(hash + offsetof(ftrace_hash, count), 1);
    word(bucket, kbase + entry + offsetof(ftrace_func_entry, hlist));
    word(entry + offsetof(ftrace_func_entry, hlist) + 8, kbase + bucket);
    word(entry + offsetof(ftrace_func_entry, ip), kbase + 0x10);
    word(0x200, kbase + page);                                             // ftrace_pages_start
    word(page + offsetof(ftrace_page, records), kbase + records);
    word(page + offsetof(ftrace_page, index), 2);
    word(records + offsetof(dyn_ftrace, ip), kbase + 0x10);
    word(records + offsetof(dyn_ftrace, flags), (std::uint64_t{1} << 31) | (1u << 22) | (1u << 21) | 1);
    word(records + sizeof(dyn_ftrace) + offsetof(dyn_ftrace, ip), kbase + 0x18);
    word(0x400 + 5 * 8, kbase + probe + offsetof(kprobe, hlist));          // kprobe_table[5]
    word(probe + offsetof(kprobe, hlist) + 8, kbase + 0x400 + 5 * 8);
    word(probe + offsetof(kprobe, addr), kbase + 0x20);
    word(probe + offsetof(kprobe, pre_handler), kbase + 0x30);
    word(0x800, kbase + 0x10);                                             // sys_call_table
    word(0x808, kbase + 0x18);
    for (int i = 0; i < 4; ++i) word(0xa00 + 8 * i, kbase + 0x20 + 8 * i); // tcp4_seq_ops
    put("objects_fuzzer", "hooks", m);
  }
  // BPF: prog_idr at 0 with program 1 (at 0x2000, its aux at 0x2400, its
  // statistics at 0x3000) using map 2 (at 0x2800), map_idr at 0x40; one
  // CPU, at offset 0.
  {
    constexpr std::uint64_t kbase = 0xffff888000000000ull;
    using namespace seed_bpf;
    bytes m(9 + 0x4000, 0);
    m[0] = 11;
    const auto word = [&](std::uint64_t at, std::uint64_t v, unsigned width = 8) {
      for (unsigned i = 0; i < width; ++i) m[9 + at + i] = static_cast<std::uint8_t>(v >> (8 * i));
    };
    const std::uint64_t progs = 0x1000, maps = 0x1400, prog = 0x2000, aux = 0x2400, map = 0x2800, stats = 0x3000,
                        used = 0x3100;
    word(offsetof(idr, idr_rt) + offsetof(xarray, xa_head), kbase + progs + 2);
    word(0x40 + offsetof(idr, idr_rt) + offsetof(xarray, xa_head), kbase + maps + 2);
    word(0xc0, 1); // CPU 0 possible; its offset (at 0x80) is 0
    word(progs + offsetof(xa_node, slots) + 8, kbase + prog);
    word(maps + offsetof(xa_node, slots) + 16, kbase + map);
    word(prog + offsetof(bpf_prog, type), 2, 4);
    word(prog + offsetof(bpf_prog, len), 4, 4);
    word(prog + offsetof(bpf_prog, stats), kbase + stats);
    word(prog + offsetof(bpf_prog, aux), kbase + aux);
    word(aux + offsetof(bpf_prog_aux, id), 1, 4);
    word(aux + offsetof(bpf_prog_aux, prog), kbase + prog);
    word(aux + offsetof(bpf_prog_aux, name), 0x64656573, 4); // "seed"
    word(aux + offsetof(bpf_prog_aux, used_map_cnt), 1, 4);
    word(aux + offsetof(bpf_prog_aux, used_maps), kbase + used);
    word(used, kbase + map);
    word(map + offsetof(bpf_map, id), 2, 4);
    word(map + offsetof(bpf_map, map_type), 1, 4);
    word(map + offsetof(bpf_map, key_size), 4, 4);
    word(map + offsetof(bpf_map, value_size), 8, 4);
    word(map + offsetof(bpf_map, max_entries), 16, 4);
    word(stats + offsetof(bpf_prog_stats, cnt), 1);
    word(stats + offsetof(bpf_prog_stats, nsecs), 10);
    put("objects_fuzzer", "bpf", m);
  }
  // Net devices: four at 0x400 * k; the first counted by the loopback
  // driver's per-CPU lstats (at 0x2000), the second by dev->stats; one
  // CPU, at offset 0; the drivers' functions in the text (0x100-0x300).
  {
    constexpr std::uint64_t kbase = 0xffff888000000000ull;
    using namespace seed_dev;
    bytes m(9 + 0x4000, 0);
    m[0] = 12;
    for (int i = 1; i < 9; ++i) m[i] = 0;
    m[2] = 0x04; // start at 0x400
    const auto word = [&](std::uint64_t at, std::uint64_t v) {
      for (int i = 0; i < 8; ++i) m[9 + at + i] = static_cast<std::uint8_t>(v >> (8 * i));
    };
    word(0x40, 1); // CPU 0 possible; its offset (at 0) is 0
    const std::uint64_t lo = 0x400, plain = 0x800, lo_ops = 0x3000, plain_ops = 0x3100, lstats = 0x2000;
    word(lo + offsetof(net_device, netdev_ops), kbase + lo_ops);
    word(lo + offsetof(net_device, lstats), kbase + lstats);
    word(lo_ops + offsetof(net_device_ops, ndo_get_stats64), kbase + 0x100);
    word(lstats + offsetof(pcpu_lstats, packets), 7);
    word(lstats + offsetof(pcpu_lstats, bytes), 452);
    word(plain + offsetof(net_device, netdev_ops), kbase + plain_ops);
    word(plain + offsetof(net_device, stats) + 16, 77); // rx_bytes
    put("objects_fuzzer", "devices", m);
  }
  bytes with_nul{0};
  with_nul.insert(with_nul.end(), info.begin(), info.end());
  with_nul.push_back(0);
  put("vmcoreinfo_fuzzer", "in-memory", with_nul);
  // Uncompressed names (no token table), for the pipeline's second search.
  for (unsigned word : {8u, 4u}) {
    const std::uint64_t text = word == 8 ? 0xffffffff81000000ull : 0xc1000000ull;
    auto syms = gen::make_symbols({.count = 400, .seed = 77u + word, .text_base = text + 0x100, .short_names_only = true});
    syms.push_back({text, 'T', "_stext"});
    const auto out = gen::write_kallsyms(syms, {.e = word == 8 ? gen::era::v6_2 : gen::era::v6_4, .word_size = word,
                                                .order = word == 8 ? mquire::byte_order::little : mquire::byte_order::big,
                                                .uncompressed = true});
    put("pipeline_fuzzer", "uncompressed-" + std::to_string(word * 8),
        gen::embed(out.bytes, {.total = out.bytes.size() + 2048, .at = 1024, .seed = word}));
  }

  // Images: a small kernel (a table in random bytes) in each compression,
  // whole, inside a bzImage, an EFI zboot header and a boot image.
  {
    const auto syms = gen::make_symbols({.count = 200, .seed = 5});
    const auto table = gen::write_kallsyms(syms, {.e = gen::era::v6_2});
    const bytes kernel = gen::embed(table.bytes, {.total = 0x10000, .at = 0x1000, .decoy_digit_runs = 1, .decoy_banners = 1});
    for (const char* c : {"gzip", "xz", "lzma", "bzip2", "lz4", "lzo", "zstd"}) {
      const bytes packed = gen::append_size(gen::compress(c, kernel), kernel.size());
      put("image_fuzzer", c, packed);
      bytes boot(0x400, 0x90);
      boot.insert(boot.end(), packed.begin(), packed.end());
      put("image_fuzzer", std::string("embedded-") + c, boot);
    }
    put("image_fuzzer", "bzimage-gzip", bzimage_of(gen::gzip_compress(kernel)));
    bytes zboot(0x40, 0);
    const bytes payload = gen::gzip_compress(kernel);
    std::memcpy(zboot.data(), "MZ\0\0zimg", 8);
    const std::uint32_t off = 0x40, len = static_cast<std::uint32_t>(payload.size());
    std::memcpy(zboot.data() + 8, &off, 4);
    std::memcpy(zboot.data() + 12, &len, 4);
    std::memcpy(zboot.data() + 24, "gzip", 4);
    zboot.insert(zboot.end(), payload.begin(), payload.end());
    put("image_fuzzer", "efi-zboot-gzip", zboot);
  }

  // Small slices of the real fixtures, when present.
  if (argc > 2) {
    const fs::path fx(argv[2]);
    const fs::path vmci = fx / "x86_64-6.1-vmcoreinfo/vmcoreinfo.txt";
    if (fs::exists(vmci)) {
      const bytes text = read_all(vmci);
      put("vmcoreinfo_fuzzer", "fixture", text);
      put("elf_fuzzer", "fixture-shape", elf_core_of(bytes(4096, 0), std::string(text.begin(), text.end())));
    }
    // The head of QEMU's kdump-zlib file: headers, bitmaps and the first pages.
    const fs::path kdump = fx / "x86_64-6.1-vmcoreinfo/dump.kdump-zlib";
    if (fs::exists(kdump)) {
      std::ifstream in(kdump, std::ios::binary);
      bytes head(256 * 1024);
      in.read(reinterpret_cast<char*>(head.data()), static_cast<std::streamsize>(head.size()));
      head.resize(static_cast<std::size_t>(in.gcount()));
      put("kdump_fuzzer", "fixture-head", head);
    }
    const fs::path iomem = fx / "x86_64-6.1-boot1/iomem.txt";
    if (fs::exists(iomem)) put("lime_fuzzer", "iomem-text", read_all(iomem));
  }
  std::printf("seeds written to %s\n", out_dir.c_str());
  return 0;
}
