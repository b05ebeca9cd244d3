// SPDX-License-Identifier: Apache-2.0
// filesystems/cached_files, filesystems/page_cache and memory/page_frames
// on a page cache generated in kernel memory: the kernel's structures
// declared in C in two eras (7.x: memdesc_flags_t, struct folio, an
// anonymous d_alias union, SPARSEMEM_EXTREME's root pointers; 5.10: a
// plain flags word, struct page only, d_u.d_alias, the static section
// array), their BTF made by pahole, laid out behind x86_64 and arm64 page
// tables. A file of four pages (a small folio, a two-page folio filling a
// sibling slot, a page swapped out) must come back byte for byte with the
// swapped page as a reported hole; a deleted file and one on an unmounted
// filesystem are named as the kernel would; a folio that belongs to
// another file is never read as this one's.
#include <catch2/catch.hpp>

#include <cstddef>
#include <cstring>
#include <map>
#include <string>

#include <mquire/filesystems/cached_files.hpp>
#include <mquire/filesystems/page_cache.hpp>
#include <mquire/memory/page_frames.hpp>

#include "support/btf_producer.hpp"
#include "support/kernel_memory.hpp"
#include "support/page_cache_decls.hpp"
#include "support/symbol_table.hpp"

namespace {

// The era's types under the names the builder uses.
#define PC_TRAITS_TYPES \
  using page_t = page; \
  using dentry_t = dentry; \
  using inode_t = inode; \
  using super_block_t = super_block; \
  using file_system_type_t = file_system_type; \
  using mount_t = mount; \
  using mem_section_t = mem_section; \
  using xa_node_t = xa_node; \
  using address_space_t = address_space; \
  using xarray_t = xarray; \
  using hlist_node_t = hlist_node; \
  using hlist_bl_node_t = hlist_bl_node; \
  static constexpr unsigned reserved = PG_reserved;

namespace era7 {
PC_DECLS(PC_ERA7_PRELUDE, PC_ERA7_FLAGS, PC_ERA7_FOLIO, PC_ERA7_ALIAS, 13)
struct traits {
  PC_TRAITS_TYPES
  static constexpr bool extreme = true;
  static std::size_t alias_offset() { return offsetof(dentry, d_alias); }
  static constexpr const char* source = PC_ERA7_SOURCE;
};
} // namespace era7

namespace era510 {
PC_DECLS(PC_NOTHING, unsigned long, PC_NOTHING, PC_ERA510_ALIAS, 10)
struct traits {
  PC_TRAITS_TYPES
  static constexpr bool extreme = false;
  static std::size_t alias_offset() { return offsetof(dentry, d_u.d_alias); }
  static constexpr const char* source =
      PC_AS_TEXT(PC_DECLS(PC_NOTHING, unsigned long, PC_NOTHING, PC_ERA510_ALIAS, 10) PC_USE(PC_NOTHING));
};
} // namespace era510

using support::arch;
using support::kernel_memory;

constexpr std::uint64_t vmemmap = 0xffffea0000000000ull;
constexpr std::uint64_t data_pa = 0x20000000; // the file's frames: physically contiguous where a folio needs it
constexpr std::uint64_t file_size = 3 * 4096 + 100;

// The page cache of one generated machine, and what it must give.
struct cache_case {
  std::map<std::string, std::uint64_t> syms;
  std::string file_bytes; // the file's content; its fourth page was swapped out
  std::uint64_t messages_inode = 0, messages_mapping = 0, page0 = 0;
  std::uint64_t mount = 0, root_dentry = 0, sb = 0;
};

template <typename Era>
struct builder {
  kernel_memory& m;
  cache_case c;

  template <typename T>
  std::uint64_t obj(const T& v) {
    const std::uint64_t va = m.alloc(sizeof(T));
    m.write(va, &v, sizeof(T));
    return va;
  }
  std::uint64_t str(const std::string& s) {
    const std::uint64_t va = m.alloc(s.size() + 1);
    m.write(va, s.c_str(), s.size() + 1);
    return va;
  }
  void set_flags(std::uint64_t pfn, unsigned long flags) {
    const std::uint64_t page = vmemmap + pfn * sizeof(typename Era::page_t);
    m.map_at(page, sizeof(typename Era::page_t));
    m.write(page + offsetof(typename Era::page_t, flags), &flags, 8);
  }
  // A struct page for frame `pfn` naming `mapping` and `index`.
  std::uint64_t make_page(std::uint64_t pfn, std::uint64_t mapping, std::uint64_t index) {
    const std::uint64_t at = vmemmap + pfn * sizeof(typename Era::page_t);
    m.map_at(at, sizeof(typename Era::page_t));
    m.write(at + offsetof(typename Era::page_t, mapping), &mapping, 8);
    m.write(at + offsetof(typename Era::page_t, index), &index, 8);
    return at;
  }
  // Links `node` (a list_head at that address) after `head`'s last node.
  void list_add_tail(std::uint64_t head, std::uint64_t node) {
    const std::uint64_t last = *m.memory().uint(head + 8, 8);
    m.write(node, &head, 8);
    m.write(node + 8, &last, 8);
    m.write(last, &node, 8);
    m.write(head + 8, &node, 8);
  }
  void list_init(std::uint64_t head) {
    m.write(head, &head, 8);
    m.write(head + 8, &head, 8);
  }
  std::uint64_t make_dentry(const std::string& name, std::uint64_t parent, std::uint64_t sb, bool hashed = true) {
    typename Era::dentry_t d{};
    const std::uint64_t va = m.alloc(sizeof d);
    d.d_parent = support::as<typename Era::dentry_t*>(parent == 0 ? va : parent);
    d.d_name.len = static_cast<unsigned>(name.size());
    d.d_name.name = support::as<const unsigned char*>(str(name));
    d.d_sb = support::as<typename Era::super_block_t*>(sb);
    if (hashed) d.d_hash.pprev = support::as<typename Era::hlist_bl_node_t**>(va); // any non-null back link
    m.write(va, &d, sizeof d);
    return va;
  }
  std::uint64_t make_sb(const std::string& type, std::uint64_t sb_list) {
    typename Era::file_system_type_t t{};
    t.name = support::as<const char*>(str(type));
    typename Era::super_block_t s{};
    s.s_type = support::as<typename Era::file_system_type_t*>(obj(t));
    const std::uint64_t va = obj(s);
    list_init(va + offsetof(typename Era::super_block_t, s_inodes));
    list_add_tail(sb_list, va + offsetof(typename Era::super_block_t, s_list));
    return va;
  }
  // An inode of `sb` with `dentry` as its only alias and i_data as its
  // page cache, holding `nrpages`.
  std::uint64_t make_inode(std::uint64_t sb, std::uint64_t dentry, std::uint64_t ino, std::uint64_t size, unsigned nlink,
                      std::uint64_t nrpages) {
    typename Era::inode_t i{};
    i.i_mode = 0100644;
    i.i_ino = ino;
    i.__i_nlink = nlink;
    i.i_size = static_cast<long long>(size);
    i.i_data.nrpages = nrpages;
    const std::uint64_t va = m.alloc(sizeof i);
    i.i_mapping = support::as<typename Era::address_space_t*>(va + offsetof(typename Era::inode_t, i_data));
    i.i_sb = support::as<typename Era::super_block_t*>(sb);
    i.i_dentry.first = support::as<typename Era::hlist_node_t*>(dentry + Era::alias_offset());
    m.write(va, &i, sizeof i);
    const std::uint64_t in = va;
    m.write(dentry + offsetof(typename Era::dentry_t, d_inode), &in, 8);
    list_add_tail(sb + offsetof(typename Era::super_block_t, s_inodes), va + offsetof(typename Era::inode_t, i_sb_list));
    return va;
  }
  void set_xa_head(std::uint64_t mapping, std::uint64_t head) {
    m.write(mapping + offsetof(typename Era::address_space_t, i_pages) + offsetof(typename Era::xarray_t, xa_head), &head, 8);
  }

  cache_case build() {
    // The kernel image's frame, reserved as the kernel keeps it.
    const std::uint64_t text = m.alloc(4096);
    c.syms["_text"] = text;
    set_flags(*m.memory().physical(text) >> 12, 1ul << Era::reserved);
    // mem_section: one present section whose map is the array's base.
    typename Era::mem_section_t sec{};
    sec.section_mem_map = vmemmap | 3;
    if (Era::extreme) {
      const std::uint64_t section = obj(sec);
      const std::uint64_t roots = m.put_word(section);
      c.syms["mem_section"] = m.put_word(roots);
    } else {
      typename Era::mem_section_t two[2]{};
      two[1] = sec; // the first section is absent: no RAM there
      c.syms["mem_section"] = obj(two);
    }
    c.syms["max_pfn"] = m.put_word(0x40000);

    const std::uint64_t sbs = m.alloc(16);
    list_init(sbs);
    c.syms["super_blocks"] = sbs;

    // tmpfs mounted at /: /log/messages and a deleted /old.
    c.sb = make_sb("tmpfs", sbs);
    c.root_dentry = make_dentry("/", 0, c.sb);
    m.write(c.sb + offsetof(typename Era::super_block_t, s_root), &c.root_dentry, 8);
    typename Era::mount_t mt{};
    c.mount = m.alloc(sizeof mt);
    mt.mnt_parent = support::as<typename Era::mount_t*>(c.mount);
    mt.mnt_mountpoint = support::as<typename Era::dentry_t*>(c.root_dentry);
    mt.mnt.mnt_root = support::as<typename Era::dentry_t*>(c.root_dentry);
    mt.mnt.mnt_sb = support::as<typename Era::super_block_t*>(c.sb);
    m.write(c.mount, &mt, sizeof mt);

    const std::uint64_t log = make_dentry("log", c.root_dentry, c.sb);
    const std::uint64_t messages = make_dentry("messages", log, c.sb);
    c.messages_inode = make_inode(c.sb, messages, 7, file_size, 1, 3);
    c.messages_mapping = c.messages_inode + offsetof(typename Era::inode_t, i_data);
    for (std::size_t i = 0; i < file_size; ++i) c.file_bytes.push_back(static_cast<char>('a' + (i * 7 + i / 4096) % 26));
    // Page 0 in frame data_pa, pages 1-2 one folio in the next two frames,
    // page 3 swapped out (a value entry); the file's bytes where they live.
    m.phys.write(data_pa, c.file_bytes.data(), 3 * 4096);
    const std::uint64_t pfn0 = data_pa >> 12;
    c.page0 = make_page(pfn0, c.messages_mapping, 0);
    const std::uint64_t folio = make_page(pfn0 + 1, c.messages_mapping, 1);
    typename Era::xa_node_t node{};
    node.slots[0] = support::as<void*>(c.page0);
    node.slots[1] = support::as<void*>(folio);
    node.slots[2] = support::as<void*>(std::uint64_t{(1 << 2) | 2}); // sibling of slot 1
    node.slots[3] = support::as<void*>(std::uint64_t{(0x1234 << 1) | 1});
    node.count = 4;
    set_xa_head(c.messages_mapping, obj(node) | 2);

    const std::uint64_t old = make_dentry("old", c.root_dentry, c.sb, false);
    const std::uint64_t old_inode = make_inode(c.sb, old, 8, 5, 0, 1);
    const std::uint64_t old_mapping = old_inode + offsetof(typename Era::inode_t, i_data);
    m.phys.write(data_pa + 0x10000, "gone\n", 5);
    set_xa_head(old_mapping, make_page((data_pa + 0x10000) >> 12, old_mapping, 0));

    // An inode without pages is not listed; one on an unmounted pipefs is.
    make_inode(c.sb, make_dentry("empty", c.root_dentry, c.sb), 9, 0, 1, 0);
    const std::uint64_t pipefs = make_sb("pipefs", sbs);
    const std::uint64_t proot = make_dentry("/", 0, pipefs);
    const std::uint64_t pipe_inode = make_inode(pipefs, make_dentry("pipe", proot, pipefs), 10, 0, 1, 1);
    const std::uint64_t pipe_mapping = pipe_inode + offsetof(typename Era::inode_t, i_data);
    set_xa_head(pipe_mapping, make_page((data_pa + 0x20000) >> 12, pipe_mapping, 0));
    return c;
  }
};

const std::vector<std::uint8_t>& btf_of(const char* name, const char* source) {
  static std::map<std::string, std::vector<std::uint8_t>> made;
  auto it = made.find(name);
  if (it == made.end()) it = made.emplace(name, support::produce_btf(name, source, "gcc")).first;
  return it->second;
}

template <typename Era>
void check_era(const char* name) {
  auto bt = mquire::btf::type_info::parse(btf_of(name, Era::source));
  REQUIRE(bt);
  const mquire::objects::kernel_types types(*bt, 8);
  for (arch a : {arch::x86_64, arch::arm64}) {
    DYNAMIC_SECTION((a == arch::x86_64 ? "x86_64" : "arm64")) {
      kernel_memory m(a);
      builder<Era> b{m, {}};
      const cache_case c = b.build();
      const auto table = support::symbol_table(c.syms, 'd');
      const mquire::objects::symbol_index index(table);
      const auto vm = m.memory();
      const mquire::objects::object_reader reader(vm, types);
      mquire::filesystems::mount_table mounts;
      mquire::filesystems::mount_entry me;
      me.mount = c.mount;
      me.super_block = c.sb;
      me.root_dentry = c.root_dentry;
      me.root = "/";
      mounts.mounts.push_back(me);
      const std::uint64_t vfsmount = c.mount + offsetof(typename Era::mount_t, mnt);
      const mquire::processes::path_reader paths(reader, {}, {vfsmount, c.root_dentry});

      const auto frames = mquire::memory::locate_page_frames(reader, index, 12);
      if (!frames) FAIL(frames.err().message);
      CHECK(frames->vmemmap() == vmemmap);
      CHECK(frames->page_struct_size() == sizeof(typename Era::page_t));

      SECTION("the cached files, named as the mount namespace sees them") {
        const auto list = mquire::filesystems::read_cached_files(reader, index, mounts, paths);
        REQUIRE(list);
        CHECK(list->notes.empty());
        CHECK(list->inodes_read == 4);
        REQUIRE(list->files.size() == 3);
        CHECK(list->files[0].path == "/log/messages");
        CHECK(list->files[0].ino == 7);
        CHECK(list->files[0].size == file_size);
        CHECK(list->files[0].cached_pages == 3);
        CHECK(list->files[0].fs_type == "tmpfs");
        CHECK_FALSE(list->files[0].deleted);
        CHECK(list->files[1].path == "/old (deleted)");
        CHECK(list->files[1].deleted);
        CHECK(list->files[2].path == "pipefs:/pipe");
        CHECK_FALSE(list->files[2].mounted);
        CHECK(mquire::filesystems::find_cached_file(*list, "/old") == &list->files[1]);
        CHECK(mquire::filesystems::find_cached_file(*list, "/log/messages") == &list->files[0]);
        CHECK(mquire::filesystems::find_cached_file(*list, "/log") == nullptr);
      }
      SECTION("a file's bytes from its folios, the swapped page a reported hole") {
        const auto pages = mquire::filesystems::read_file_pages(reader, *frames, c.messages_mapping);
        REQUIRE(pages);
        CHECK(pages->problems.empty());
        REQUIRE(pages->runs.size() == 2);
        CHECK(pages->runs[1].first == 1);
        CHECK(pages->runs[1].count == 2);
        CHECK(pages->cached == 3);
        CHECK(pages->value_entries == 1);
        std::string got;
        const auto rep = mquire::filesystems::write_file_content(
            m.phys.reader(), *frames, *pages, file_size,
            [&](std::span<const std::uint8_t> s) { got.append(s.begin(), s.end()); });
        CHECK(rep.bytes == file_size);
        REQUIRE(rep.holes.size() == 1);
        CHECK(rep.holes[0].offset == 3 * 4096);
        CHECK(rep.holes[0].length == 100);
        CHECK(rep.holes[0].why == "not in the page cache");
        REQUIRE(got.size() == file_size);
        CHECK(got.substr(0, 3 * 4096) == c.file_bytes.substr(0, 3 * 4096));
        CHECK(got.substr(3 * 4096) == std::string(100, '\0'));
        // The zeros are bounded: a forged size writes no more than allowed.
        std::uint64_t bounded = 0;
        const auto stop = mquire::filesystems::write_file_content(
            m.phys.reader(), *frames, *pages, std::uint64_t{1} << 62,
            [&](std::span<const std::uint8_t> s) { bounded += s.size(); }, 50);
        CHECK(stop.stopped);
        CHECK(stop.bytes == 3 * 4096 + 50);
        CHECK(bounded == stop.bytes);
        CHECK_FALSE(rep.stopped);
        CHECK(mquire::filesystems::bytes_to_write(std::uint64_t{1} << 62, *pages, 4096) == 3 * 4096);
        CHECK(mquire::filesystems::bytes_to_write(file_size, *pages, 4096) == file_size);
      }
      SECTION("a folio that names another file is a hole, never this file's bytes") {
        const std::uint64_t other = c.messages_mapping + 0x1000;
        m.write(c.page0 + offsetof(typename Era::page_t, mapping), &other, 8);
        const auto pages = mquire::filesystems::read_file_pages(reader, *frames, c.messages_mapping);
        REQUIRE(pages);
        REQUIRE(pages->problems.size() == 1);
        CHECK(pages->problems[0].find("not to this file") != std::string::npos);
        REQUIRE(pages->runs.size() == 1);
        std::string got;
        const auto rep = mquire::filesystems::write_file_content(
            m.phys.reader(), *frames, *pages, file_size,
            [&](std::span<const std::uint8_t> s) { got.append(s.begin(), s.end()); });
        REQUIRE(rep.holes.size() == 2);
        CHECK(rep.holes[0].offset == 0);
        CHECK(rep.holes[0].length == 4096);
        CHECK(got.substr(0, 4096) == std::string(4096, '\0'));
        CHECK(got.substr(4096, 2 * 4096) == c.file_bytes.substr(4096, 2 * 4096));
      }
      SECTION("a struct page array that does not hold the kernel image as reserved is refused") {
        const unsigned long none = 0;
        const std::uint64_t pfn = *m.memory().physical(c.syms.at("_text")) >> 12;
        m.write(vmemmap + pfn * sizeof(typename Era::page_t) + offsetof(typename Era::page_t, flags), &none, 8);
        const auto refused = mquire::memory::locate_page_frames(reader, index, 12);
        REQUIRE_FALSE(refused);
        CHECK(refused.err().message.find("as reserved") != std::string::npos);
      }
      SECTION("a broken inode list ends with a note, no file invented") {
        const std::uint64_t nowhere = 0xffff88ff00000000ull;
        m.write(c.messages_inode + offsetof(typename Era::inode_t, i_sb_list), &nowhere, 8);
        const auto list = mquire::filesystems::read_cached_files(reader, index, mounts, paths);
        REQUIRE(list);
        REQUIRE(list->notes.size() == 1);
        CHECK(list->notes[0].find("its inodes") != std::string::npos);
        REQUIRE(list->files.size() == 2); // messages itself, then the pipe: nothing after the break
        CHECK(list->files[0].path == "/log/messages");
        CHECK(list->files[1].path == "pipefs:/pipe");
      }
    }
  }
}

} // namespace

TEST_CASE("page cache: 7.x folios, memdesc flags and SPARSEMEM_EXTREME, both architectures", "[pagecache][unit]") {
  check_era<era7::traits>("pagecache-era7");
}

TEST_CASE("page cache: 5.10 pages, a plain flags word and the static section array, both architectures",
          "[pagecache][unit]") {
  check_era<era510::traits>("pagecache-era510");
}
