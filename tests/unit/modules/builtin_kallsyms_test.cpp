// SPDX-License-Identifier: Apache-2.0
// modules/builtin_kallsyms on lists generated in kernel memory: ftrace's
// kept names of a module's init functions, two ftrace trampolines (one
// not yet made), a BPF program and a BPF trampoline, and kprobe
// instruction pages of both caches, declared in C, their BTF made by
// pahole, laid out behind x86_64 and arm64 page tables. The lines must come
// in the kernel's iterator order with its letters and pseudo-modules, and a
// broken list must end with a note.
#include <catch2/catch.hpp>

#include <cstddef>
#include <cstdio>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include <mquire/modules/builtin_kallsyms.hpp>

#include "support/btf_producer.hpp"
#include "support/kernel_memory.hpp"
#include "support/symbol_table.hpp"

namespace {

#define BK_STRINGIFY(...) #__VA_ARGS__
#define BK_AS_TEXT(...) BK_STRINGIFY(__VA_ARGS__)

#define BK_DECLS                                                                                                       \
  struct list_head {                                                                                                   \
    struct list_head *next, *prev;                                                                                     \
  };                                                                                                                   \
  struct module {                                                                                                      \
    int state;                                                                                                         \
    struct list_head list;                                                                                             \
    char name[56];                                                                                                     \
  };                                                                                                                   \
  struct ftrace_mod_func {                                                                                             \
    struct list_head list;                                                                                             \
    char *name;                                                                                                        \
    unsigned long ip;                                                                                                  \
    unsigned int size;                                                                                                 \
  };                                                                                                                   \
  struct ftrace_mod_map {                                                                                              \
    struct list_head rcu_pad;                                                                                          \
    struct list_head list;                                                                                             \
    struct module *mod;                                                                                                \
    unsigned long start_addr;                                                                                          \
    unsigned long end_addr;                                                                                            \
    struct list_head funcs;                                                                                            \
    unsigned int num_funcs;                                                                                            \
  };                                                                                                                   \
  struct ftrace_ops {                                                                                                  \
    void *func;                                                                                                        \
    struct ftrace_ops *next;                                                                                           \
    unsigned long flags;                                                                                               \
    unsigned long trampoline;                                                                                          \
    unsigned long trampoline_size;                                                                                     \
    struct list_head list;                                                                                             \
  };                                                                                                                   \
  struct bpf_ksym {                                                                                                    \
    unsigned long start;                                                                                               \
    unsigned long end;                                                                                                 \
    char name[512];                                                                                                    \
    struct list_head lnode;                                                                                            \
    unsigned char prog;                                                                                                \
  };                                                                                                                   \
  struct kprobe_insn_cache {                                                                                           \
    long mutex_pad[4];                                                                                                 \
    const char *sym;                                                                                                   \
    struct list_head pages;                                                                                            \
    unsigned long insn_size;                                                                                           \
    int nr_garbage;                                                                                                    \
  };                                                                                                                   \
  struct kprobe_insn_page {                                                                                            \
    struct list_head list;                                                                                             \
    unsigned char *insns;                                                                                              \
    struct kprobe_insn_cache *cache;                                                                                   \
    int nused;                                                                                                         \
  };

#define BK_USE                                                                                                         \
  struct ftrace_mod_map g_map;                                                                                         \
  struct ftrace_mod_func g_func;                                                                                       \
  struct ftrace_ops g_ops;                                                                                             \
  struct bpf_ksym g_ksym;                                                                                              \
  struct kprobe_insn_cache g_cache;                                                                                    \
  struct kprobe_insn_page g_page;

BK_DECLS

using support::arch;
using support::kernel_memory;

// A circular list at `head` through the nodes at `nodes`, in that order.
void link_list(kernel_memory& m, std::uint64_t head, const std::vector<std::uint64_t>& nodes) {
  std::vector<std::uint64_t> ring = {head};
  ring.insert(ring.end(), nodes.begin(), nodes.end());
  for (std::size_t i = 0; i < ring.size(); ++i) {
    const std::uint64_t next = ring[(i + 1) % ring.size()], prev = ring[(i + ring.size() - 1) % ring.size()];
    m.write(ring[i], &next, 8);
    m.write(ring[i] + 8, &prev, 8);
  }
}

std::uint64_t put_string(kernel_memory& m, const std::string& s) {
  const std::uint64_t at = m.alloc(s.size() + 1);
  m.write(at, s.c_str(), s.size() + 1);
  return at;
}

struct builtin_case {
  std::map<std::string, std::uint64_t> syms;
  std::vector<std::string> want; // "ADDRESS TYPE NAME [MODULE]"
  std::uint64_t bpf_head = 0;
};

std::string line(std::uint64_t a, char t, const std::string& n, const std::string& mod) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(a));
  return std::string(buf) + " " + t + " " + n + "\t[" + mod + "]";
}

builtin_case build(kernel_memory& m) {
  builtin_case c;
  const auto set = [&](std::uint64_t at, std::uint64_t v, std::size_t n) { m.write(at, &v, n); };
  // ftrace_mod_maps: one map of the module "dummy" with three functions.
  const std::uint64_t maps = m.alloc(16), mod = m.alloc(sizeof(module)), map = m.alloc(sizeof(ftrace_mod_map));
  m.write(mod + offsetof(module, name), "dummy", 6);
  set(map + offsetof(ftrace_mod_map, mod), mod, 8);
  set(map + offsetof(ftrace_mod_map, num_funcs), 3, 4);
  std::vector<std::uint64_t> funcs;
  const char* names[] = {"dummy_init_one", "dummy_init_two", "dummy_init_three"};
  for (int i = 0; i < 3; ++i) {
    const std::uint64_t f = m.alloc(sizeof(ftrace_mod_func));
    set(f + offsetof(ftrace_mod_func, name), put_string(m, names[i]), 8);
    set(f + offsetof(ftrace_mod_func, ip), 0xffffffffc0100000ull + 0x40 * i, 8);
    funcs.push_back(f + offsetof(ftrace_mod_func, list));
  }
  link_list(m, map + offsetof(ftrace_mod_map, funcs), funcs);
  link_list(m, maps, {map + offsetof(ftrace_mod_map, list)});
  c.syms["ftrace_mod_maps"] = maps;
  // The kernel's iterator answers the map's first two indices with its
  // first function, so the last one is not listed.
  c.want.push_back(line(0xffffffffc0100000ull, 'T', "dummy_init_one", "dummy"));
  c.want.push_back(line(0xffffffffc0100000ull, 'T', "dummy_init_one", "dummy"));
  c.want.push_back(line(0xffffffffc0100040ull, 'T', "dummy_init_two", "dummy"));
  // Two trampoline ops, the second without its trampoline yet.
  const std::uint64_t tramps = m.alloc(16), op1 = m.alloc(sizeof(ftrace_ops)), op2 = m.alloc(sizeof(ftrace_ops));
  set(op1 + offsetof(ftrace_ops, trampoline), 0xffffffffc0200000ull, 8);
  link_list(m, tramps, {op1 + offsetof(ftrace_ops, list), op2 + offsetof(ftrace_ops, list)});
  c.syms["ftrace_ops_trampoline_list"] = tramps;
  c.want.push_back(line(0xffffffffc0200000ull, 't', "ftrace_trampoline", "__builtin__ftrace"));
  // bpf_kallsyms: a program and a trampoline.
  const std::uint64_t bpf = m.alloc(16);
  std::vector<std::uint64_t> ksyms;
  const std::pair<std::uint64_t, const char*> progs[] = {{0xffffffffc0300000ull, "bpf_prog_6deef7357e7b4530_sd_fw_egress"},
                                                         {0xffffffffc0301000ull, "bpf_trampoline_6442491234"}};
  for (const auto& [start, name] : progs) {
    const std::uint64_t k = m.alloc(sizeof(bpf_ksym));
    set(k + offsetof(bpf_ksym, start), start, 8);
    m.write(k + offsetof(bpf_ksym, name), name, std::strlen(name) + 1);
    ksyms.push_back(k + offsetof(bpf_ksym, lnode));
    c.want.push_back(line(start, 't', name, "bpf"));
  }
  link_list(m, bpf, ksyms);
  c.syms["bpf_kallsyms"] = bpf;
  c.bpf_head = bpf;
  // kprobe pages: two in the plain cache, one in the optimized one.
  for (const char* cache : {"kprobe_insn_slots", "kprobe_optinsn_slots"}) {
    const std::uint64_t cc = m.alloc(sizeof(kprobe_insn_cache));
    const std::string sym = std::string(cache) == "kprobe_insn_slots" ? "kprobe_insn_page" : "kprobe_optinsn_page";
    set(cc + offsetof(kprobe_insn_cache, sym), put_string(m, sym), 8);
    std::vector<std::uint64_t> pages;
    for (int i = 0; i < (sym == "kprobe_insn_page" ? 2 : 1); ++i) {
      const std::uint64_t p = m.alloc(sizeof(kprobe_insn_page));
      const std::uint64_t insns = 0xffffffffc0400000ull + 0x1000 * (pages.size() + (sym == "kprobe_insn_page" ? 0 : 8));
      set(p + offsetof(kprobe_insn_page, insns), insns, 8);
      pages.push_back(p + offsetof(kprobe_insn_page, list));
      c.want.push_back(line(insns, 't', sym, "__builtin__kprobes"));
    }
    link_list(m, cc + offsetof(kprobe_insn_cache, pages), pages);
    c.syms[cache] = cc;
  }
  return c;
}

std::vector<std::string> lines_of(const mquire::modules::builtin_symbol_list& l) {
  std::vector<std::string> out;
  for (const auto& s : l.symbols) out.push_back(line(s.address, s.type, s.name, s.module));
  return out;
}

} // namespace

TEST_CASE("builtin kallsyms: ftrace, BPF and kprobe lines in the kernel's order", "[modules][builtin_kallsyms]") {
  static const auto blob = support::produce_btf("builtin_kallsyms", BK_AS_TEXT(BK_DECLS BK_USE), "gcc");
  auto bt = mquire::btf::type_info::parse(blob);
  REQUIRE(bt);
  const mquire::objects::kernel_types types(*bt, 8);
  for (arch a : {arch::x86_64, arch::arm64}) {
    DYNAMIC_SECTION((a == arch::x86_64 ? "x86_64" : "arm64")) {
      kernel_memory m(a);
      const auto c = build(m);
      const auto table = support::symbol_table(c.syms, 'd');
      const mquire::objects::symbol_index index(table);
      const auto vm = m.memory();
      const mquire::objects::object_reader reader(vm, types);
      SECTION("every line") {
        const auto got = mquire::modules::read_builtin_kallsyms(reader, index);
        CHECK(got.notes.empty());
        CHECK(lines_of(got) == c.want);
      }
      SECTION("a broken BPF list ends with a note, the other lists whole") {
        // The second program's node no longer points back at the first.
        const std::uint64_t first = *vm.pointer(c.bpf_head), second = *vm.pointer(first);
        const std::uint64_t wrong = 0xffff888000000040ull;
        m.write(second + 8, &wrong, 8);
        const auto got = mquire::modules::read_builtin_kallsyms(reader, index);
        REQUIRE(got.notes.size() == 1);
        CHECK(got.notes[0].find("bpf_kallsyms") == 0);
        auto want = c.want;
        want.erase(want.begin() + 5); // the trampoline the broken link led to
        CHECK(lines_of(got) == want);
      }
    }
  }
}
