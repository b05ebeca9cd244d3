// SPDX-License-Identifier: Apache-2.0
// modules/module_list.hpp on a module list generated in physical memory:
// struct module and friends declared in C, their BTF made by pahole, the
// same declarations compiled into this test to lay the objects out, placed
// in vmalloc space on scattered physical pages behind x86_64 page tables.
// Both layouts of module memory are generated (mem[] from 6.4,
// core_layout / init_layout before, with the type letter in st_info before
// typetab existed), and the reader must give back every field and every
// symbol as /proc/modules and /proc/kallsyms would print them.
#include <catch2/catch.hpp>

#include <cstddef>
#include <map>

#include <mquire/modules/module_list.hpp>

#include "generator/page_tables.hpp"
#include "support/btf_producer.hpp"

namespace {

#define MQUIRE_STRINGIFY(...) #__VA_ARGS__
#define MQUIRE_AS_TEXT(...) MQUIRE_STRINGIFY(__VA_ARGS__)

// Shared by both layouts: what /proc/kallsyms and /proc/modules read.
#define COMMON_DECLS                                                                                                   \
  typedef unsigned long long u64;                                                                                      \
  struct list_head {                                                                                                   \
    struct list_head *next, *prev;                                                                                     \
  };                                                                                                                   \
  typedef struct {                                                                                                     \
    int counter;                                                                                                       \
  } atomic_t;                                                                                                          \
  enum module_state { MODULE_STATE_LIVE, MODULE_STATE_COMING, MODULE_STATE_GOING, MODULE_STATE_UNFORMED };             \
  struct elf64_sym {                                                                                                   \
    unsigned int st_name;                                                                                              \
    unsigned char st_info;                                                                                             \
    unsigned char st_other;                                                                                            \
    unsigned short st_shndx;                                                                                           \
    u64 st_value;                                                                                                      \
    u64 st_size;                                                                                                       \
  };                                                                                                                   \
  struct kernel_symbol {                                                                                               \
    int value_offset;                                                                                                  \
    int name_offset;                                                                                                   \
    int namespace_offset;                                                                                              \
  };                                                                                                                   \
  struct module;                                                                                                       \
  struct module_use {                                                                                                  \
    struct list_head source_list;                                                                                      \
    struct list_head target_list;                                                                                      \
    struct module *source, *target;                                                                                    \
  };                                                                                                                   \
  __attribute__((unused)) struct module_use g_use;

namespace v64 { // 6.4 and later: mem[], typetab
#define V64_DECLS                                                                                                      \
  COMMON_DECLS                                                                                                         \
  enum mod_mem_type { MOD_TEXT = 0, MOD_DATA, MOD_RODATA, MOD_RO_AFTER_INIT, MOD_INIT_TEXT, MOD_INIT_DATA,            \
                      MOD_INIT_RODATA, MOD_MEM_NUM_TYPES };                                                            \
  struct module_memory {                                                                                               \
    void *base;                                                                                                        \
    unsigned int size;                                                                                                 \
  };                                                                                                                   \
  struct mod_kallsyms {                                                                                                \
    struct elf64_sym *symtab;                                                                                          \
    unsigned int num_symtab;                                                                                           \
    char *strtab;                                                                                                      \
    char *typetab;                                                                                                     \
  };                                                                                                                   \
  struct module {                                                                                                      \
    enum module_state state;                                                                                           \
    struct list_head list;                                                                                             \
    char name[56];                                                                                                     \
    const struct kernel_symbol *syms;                                                                                  \
    unsigned int num_syms;                                                                                             \
    int (*init)(void);                                                                                                 \
    struct module_memory mem[MOD_MEM_NUM_TYPES];                                                                       \
    struct mod_kallsyms *kallsyms;                                                                                     \
    struct list_head source_list;                                                                                      \
    struct list_head target_list;                                                                                      \
    void (*exit)(void);                                                                                                \
    atomic_t refcnt;                                                                                                   \
    unsigned long taints;                                                                                              \
  };                                                                                                                   \
  __attribute__((unused)) struct module g_module;
V64_DECLS
} // namespace v64
struct layout64 {
  using module = v64::module;
  using elf64_sym = v64::elf64_sym;
  using kernel_symbol = v64::kernel_symbol;
  using mod_kallsyms = v64::mod_kallsyms;
  using module_use = v64::module_use;
};

namespace v5 { // before 6.4: core_layout / init_layout; st_info holds the letter
#define V5_DECLS                                                                                                       \
  COMMON_DECLS                                                                                                         \
  struct module_layout {                                                                                               \
    void *base;                                                                                                        \
    unsigned int size;                                                                                                 \
    unsigned int text_size;                                                                                            \
    unsigned int ro_size;                                                                                              \
  };                                                                                                                   \
  struct mod_kallsyms {                                                                                                \
    struct elf64_sym *symtab;                                                                                          \
    unsigned int num_symtab;                                                                                           \
    char *strtab;                                                                                                      \
  };                                                                                                                   \
  struct module {                                                                                                      \
    enum module_state state;                                                                                           \
    struct list_head list;                                                                                             \
    char name[56];                                                                                                     \
    const struct kernel_symbol *syms;                                                                                  \
    unsigned int num_syms;                                                                                             \
    int (*init)(void);                                                                                                 \
    struct module_layout core_layout;                                                                                  \
    struct module_layout init_layout;                                                                                  \
    struct mod_kallsyms *kallsyms;                                                                                     \
    struct list_head source_list;                                                                                      \
    struct list_head target_list;                                                                                      \
    void (*exit)(void);                                                                                                \
    atomic_t refcnt;                                                                                                   \
    unsigned long taints;                                                                                              \
  };                                                                                                                   \
  __attribute__((unused)) struct module g_module;
V5_DECLS
} // namespace v5
struct layout5 {
  using module = v5::module;
  using elf64_sym = v5::elf64_sym;
  using kernel_symbol = v5::kernel_symbol;
  using mod_kallsyms = v5::mod_kallsyms;
  using module_use = v5::module_use;
};

// Kernel memory for the test: the image's `modules` head at a kernel-map
// address, module memory in vmalloc space, each 4 KiB page on its own
// physical frame (a page apart, in reverse order), behind 4-level tables.
struct kernel_image {
  gen::physical_memory phys;
  std::uint64_t top = 0;
  std::uint64_t next_frame = 0x8000000;          // frames handed out downwards
  std::uint64_t next_va = 0xffffffffc0000000ull; // vmalloc bump pointer
  std::map<std::uint64_t, std::uint64_t> mapped; // va page -> pa page

  kernel_image() {
    top = phys.new_table(4096);
    gen::map_x86(phys, top, 4, 0xffffffff81000000ull, 0x1000000, 2u << 20);
  }
  std::uint64_t alloc(std::size_t n) {
    const std::uint64_t va = next_va;
    for (std::uint64_t p = 0; p < (n + 4095) / 4096 * 4096; p += 4096) {
      next_frame -= 2 * 4096;
      gen::map_x86(phys, top, 4, va + p, next_frame, 4096);
      mapped[va + p] = next_frame;
      std::vector<std::uint8_t> zero(4096);
      phys.write(next_frame, zero.data(), zero.size());
    }
    next_va += (n + 4095) / 4096 * 4096 + 4096; // and a guard page
    return va;
  }
  void write(std::uint64_t va, const void* src, std::size_t n) {
    const auto* p = static_cast<const std::uint8_t*>(src);
    for (std::size_t i = 0; i < n; ++i) {
      const std::uint64_t v = va + i;
      const auto pa = mquire::x86_64::translate(phys.reader(), top, v, 4);
      REQUIRE(pa);
      phys.write(*pa, p + i, 1);
    }
  }
  std::uint64_t put(const void* src, std::size_t n) {
    const std::uint64_t va = alloc(n);
    write(va, src, n);
    return va;
  }
  mquire::virtual_memory memory() const {
    const auto rd = phys.reader();
    const std::uint64_t t = top;
    return mquire::virtual_memory([rd, t](std::uint64_t va) { return mquire::x86_64::translate_page(rd, t, va, 4); }, rd,
                                  mquire::byte_order::little, 8);
  }
};

template <typename T>
void set_pointer(T& obj, std::size_t offset, std::uint64_t va) {
  std::memcpy(reinterpret_cast<char*>(&obj) + offset, &va, 8);
}

struct sym {
  std::string name;
  char letter;
  std::uint64_t value;
  bool exported;
  std::uint64_t exported_at = 0; // the value its export names, when not `value`
};

struct spec {
  std::string name;
  std::vector<sym> syms;
  int refcnt = 1;
  bool has_exit = true;
  unsigned long taints = 0;
  int state = 0;
};

mquire::kallsyms_table kernel_table(std::uint64_t modules_head) {
  mquire::kallsyms_table t;
  const std::string name = "modules";
  mquire::symbol s;
  s.address = modules_head;
  s.type = 'D';
  s.name_length = static_cast<std::uint32_t>(name.size());
  t.names = name;
  t.symbols.push_back(s);
  return t;
}

// Builds modules (given newest first) in `k` for layout `Module`; returns
// the address of the list head. `users[i]` names modules using module i.
template <typename Ns>
std::uint64_t build(kernel_image& k, const std::vector<spec>& mods,
                    const std::map<std::string, std::vector<std::string>>& users) {
  using module = typename Ns::module;
  const std::uint64_t head = 0xffffffff81100000ull;
  std::vector<std::uint64_t> addrs(mods.size());
  std::map<std::string, std::uint64_t> by_name;
  for (std::size_t i = 0; i < mods.size(); ++i) {
    addrs[i] = k.alloc(sizeof(module));
    by_name[mods[i].name] = addrs[i];
  }
  const auto list_at = [&](std::size_t i) { return addrs[i] + offsetof(module, list); };
  // the list: head -> mods[0] -> ... -> head
  std::uint64_t first = mods.empty() ? head : list_at(0), last = mods.empty() ? head : list_at(mods.size() - 1);
  k.write(head, &first, 8);
  k.write(head + 8, &last, 8);
  for (std::size_t i = 0; i < mods.size(); ++i) {
    const spec& m = mods[i];
    module obj{};
    obj.state = static_cast<decltype(obj.state)>(m.state);
    std::snprintf(obj.name, sizeof obj.name, "%s", m.name.c_str());
    set_pointer(obj, offsetof(module, list), i + 1 < mods.size() ? list_at(i + 1) : head);
    set_pointer(obj, offsetof(module, list) + 8, i > 0 ? list_at(i - 1) : head);
    // strings, symbols, types
    std::string strtab(1, '\0');
    std::vector<typename Ns::elf64_sym> symtab(1); // entry 0: the null symbol
    std::string types(1, 'U');
    for (const auto& s : m.syms) {
      typename Ns::elf64_sym e{};
      e.st_name = static_cast<unsigned>(strtab.size());
      strtab += s.name + '\0';
      e.st_value = s.value;
      e.st_info = static_cast<unsigned char>(s.letter);
      symtab.push_back(e);
      types.push_back(s.letter);
    }
    const std::uint64_t str_va = k.put(strtab.data(), strtab.size());
    const std::uint64_t sym_va = k.put(symtab.data(), symtab.size() * sizeof(symtab[0]));
    // exports: place-relative kernel_symbol entries, names in a string block
    std::vector<const sym*> exported;
    for (const auto& s : m.syms)
      if (s.exported) exported.push_back(&s);
    std::string export_names;
    std::vector<std::size_t> name_at;
    for (const auto* s : exported) {
      name_at.push_back(export_names.size());
      export_names += s->name + '\0';
    }
    const std::uint64_t names_va = exported.empty() ? 0 : k.put(export_names.data(), export_names.size());
    const std::uint64_t ksyms_va = k.alloc(std::max<std::size_t>(1, exported.size()) * sizeof(typename Ns::kernel_symbol));
    for (std::size_t e = 0; e < exported.size(); ++e) {
      typename Ns::kernel_symbol ks{};
      const std::uint64_t at = ksyms_va + e * sizeof ks;
      const std::uint64_t value = exported[e]->exported_at ? exported[e]->exported_at : exported[e]->value;
      ks.value_offset = static_cast<int>(static_cast<std::int64_t>(value - at));
      ks.name_offset = static_cast<int>(static_cast<std::int64_t>(names_va + name_at[e] - (at + 4)));
      k.write(at, &ks, sizeof ks);
    }
    set_pointer(obj, offsetof(module, syms), exported.empty() ? 0 : ksyms_va);
    obj.num_syms = static_cast<unsigned>(exported.size());
    typename Ns::mod_kallsyms mk{};
    set_pointer(mk, offsetof(typename Ns::mod_kallsyms, symtab), sym_va);
    mk.num_symtab = static_cast<unsigned>(symtab.size());
    set_pointer(mk, offsetof(typename Ns::mod_kallsyms, strtab), str_va);
    if constexpr (requires { mk.typetab; }) {
      // typetab holds the letters; st_info the ELF bits (here: garbage).
      const std::uint64_t types_va = k.put(types.data(), types.size());
      set_pointer(mk, offsetof(typename Ns::mod_kallsyms, typetab), types_va);
      for (auto& e : symtab) e.st_info = 0x12;
      k.write(sym_va, symtab.data(), symtab.size() * sizeof(symtab[0]));
    }
    set_pointer(obj, offsetof(module, kallsyms), k.put(&mk, sizeof mk));
    set_pointer(obj, offsetof(module, init), 0xffffffffc1000000ull);
    set_pointer(obj, offsetof(module, exit), m.has_exit ? 0xffffffffc1000040ull : 0);
    obj.refcnt.counter = m.refcnt;
    obj.taints = m.taints;
    const std::uint64_t text = 0xffffffffc2000000ull + i * 0x100000;
    if constexpr (requires { obj.mem; }) {
      set_pointer(obj, offsetof(module, mem), text);
      obj.mem[0].size = 0x3000;
      obj.mem[1].size = 0x1000;
      obj.mem[2].size = 0x2000;
    } else {
      set_pointer(obj, offsetof(module, core_layout), text);
      obj.core_layout.size = 0x6000;
      obj.init_layout.size = 0;
    }
    // users: module_use entries on this module's source_list
    std::vector<std::uint64_t> uses;
    const auto u = users.find(m.name);
    if (u != users.end())
      for (std::size_t j = 0; j < u->second.size(); ++j) uses.push_back(k.alloc(sizeof(typename Ns::module_use)));
    const std::uint64_t src_head = addrs[i] + offsetof(module, source_list);
    set_pointer(obj, offsetof(module, source_list), uses.empty() ? src_head : uses.front());
    set_pointer(obj, offsetof(module, source_list) + 8, uses.empty() ? src_head : uses.back());
    for (std::size_t j = 0; j < uses.size(); ++j) {
      typename Ns::module_use use{};
      set_pointer(use, 0, j + 1 < uses.size() ? uses[j + 1] : src_head);
      set_pointer(use, 8, j > 0 ? uses[j - 1] : src_head);
      set_pointer(use, offsetof(typename Ns::module_use, source), by_name.at(u->second[j]));
      set_pointer(use, offsetof(typename Ns::module_use, target), addrs[i]);
      k.write(uses[j], &use, sizeof use);
    }
    k.write(addrs[i], &obj, sizeof obj);
  }
  return head;
}

const std::vector<spec> modules_spec() {
  return {
      {"newest", {{"newest_init", 't', 0xffffffffc2000010ull, false}, {"newest_api", 'T', 0xffffffffc2000040ull, true},
                  {"newest_table", 'r', 0xffffffffc2002000ull, false}},
       1, true, 0, 0},
      {"base_lib",
       {{"lib_helper", 't', 0xffffffffc2100000ull, false},
        {"lib_export", 'T', 0xffffffffc2100020ull, true},
        {"lib_data", 'd', 0xffffffffc2101000ull, true},
        // the same name exported at another value: the letter stays lower case
        {"lib_moved", 't', 0xffffffffc2100080ull, true, 0xffffffffc2100090ull}},
       3, true, (1ul << 12) | (1ul << 13), 0},
      {"stuck", {{"stuck_fn", 't', 0xffffffffc2200000ull, false}}, 1, false, 0, 0},
      {"half_loaded", {{"hl_fn", 't', 0xffffffffc2300000ull, false}}, 1, true, 0, 3}, // UNFORMED: not listed
  };
}

template <typename Ns>
void check_layout(const std::string& decls, const std::string& stem, const std::string& layout) {
  const auto blob = support::produce_btf(stem, decls, "gcc");
  auto types = mquire::btf::type_info::parse(blob);
  REQUIRE(types);
  kernel_image k;
  const auto specs = modules_spec();
  const std::uint64_t head = build<Ns>(k, specs, {{"base_lib", {"newest", "stuck"}}});
  const auto vm = k.memory();
  const auto list = mquire::modules::read_modules(kernel_table(head), *types, vm);
  INFO((list ? "" : list.err().message));
  REQUIRE(list);
  CHECK(list->layout == layout);
  CHECK(list->notes.empty());
  REQUIRE(list->modules.size() == 3); // half_loaded is UNFORMED
  const auto& newest = list->modules[0];
  const auto& lib = list->modules[1];
  const auto& stuck = list->modules[2];
  CHECK(newest.name == "newest");
  CHECK(newest.base == 0xffffffffc2000000ull);
  CHECK(newest.size == 0x6000);
  CHECK(newest.users == 0);
  CHECK(newest.problem.empty());
  REQUIRE(newest.symbols.size() == 3); // the null entry is not printed
  CHECK(newest.symbols[0].name == "newest_init");
  CHECK(newest.symbols[0].type == 't');
  CHECK(newest.symbols[1].name == "newest_api");
  CHECK(newest.symbols[1].type == 'T'); // exported at this value
  CHECK(newest.symbols[1].address == 0xffffffffc2000040ull);
  CHECK(newest.symbols[2].type == 'r');
  CHECK(lib.users == 2);
  CHECK(lib.used_by == std::vector<std::string>{"newest", "stuck"});
  CHECK(lib.taints == "OE");
  REQUIRE(lib.symbols.size() == 4);
  CHECK(lib.symbols[2].type == 'D');
  CHECK(lib.symbols[3].type == 't');
  CHECK(stuck.permanent);
  CHECK(mquire::modules::proc_modules_line(newest) == "newest 24576 0 - Live 0xffffffffc2000000");
  CHECK(mquire::modules::proc_modules_line(lib) == "base_lib 24576 2 newest,stuck, Live 0xffffffffc2100000 (OE)");
  CHECK(mquire::modules::proc_modules_line(stuck) == "stuck 24576 0 [permanent], Live 0xffffffffc2200000");
  // Symbols only for the module holding an address: the others listed whole but for their names.
  const std::uint64_t in_lib[] = {0xffffffffc2100024ull};
  const auto only = mquire::modules::read_modules(kernel_table(head), *types, vm, in_lib);
  REQUIRE(only);
  REQUIRE(only->modules.size() == 3);
  CHECK(only->modules[0].symbols.empty());
  CHECK(only->modules[1].symbols.size() == 4);
  CHECK(only->modules[2].symbols.empty());
  CHECK(mquire::modules::proc_modules_line(only->modules[1]) == mquire::modules::proc_modules_line(lib));
}

} // namespace

TEST_CASE("module list: 6.4+ layout (mem[], typetab) in generated memory", "[unit][modules]") {
  check_layout<layout64>(MQUIRE_AS_TEXT(V64_DECLS), "modules64", "mem[] (6.4 and later)");
}

TEST_CASE("module list: the layout before 6.4 (core_layout, letters in st_info)", "[unit][modules]") {
  check_layout<layout5>(MQUIRE_AS_TEXT(V5_DECLS), "modules5", "core_layout / init_layout (before 6.4)");
}

TEST_CASE("module list: a broken list ends with a note, not a loop", "[unit][modules]") {
  const auto blob = support::produce_btf("modules64-loop", MQUIRE_AS_TEXT(V64_DECLS), "gcc");
  auto types = mquire::btf::type_info::parse(blob);
  REQUIRE(types);
  kernel_image k;
  const std::uint64_t head = build<layout64>(k, modules_spec(), {});
  // The second module's next points back at the first: a cycle that never
  // returns to the head.
  const std::uint64_t first_node = *k.memory().pointer(head);
  const std::uint64_t second_node = *k.memory().pointer(first_node);
  k.write(second_node, &first_node, 8);
  const auto list = mquire::modules::read_modules(kernel_table(head), *types, k.memory());
  REQUIRE(list);
  CHECK(list->modules.size() == 2);
  REQUIRE(list->notes.size() == 1);
  CHECK_THAT(list->notes[0], Catch::Contains("loops back"));
}
