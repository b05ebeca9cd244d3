// SPDX-License-Identifier: Apache-2.0
// objects/code_symbols and hooks/call_tables on tables generated in
// kernel memory: %pS as the kernel prints it (the first of several names
// at an address, sized to the next higher symbol; a module's symbol sized
// to the next one or its region's end), and a system call table and an
// ops table with one slot of each kind: at a system call entry, inside a
// function, in no text at all, and in a module.
#include <catch2/catch.hpp>

#include <map>

#include <mquire/hooks/call_tables.hpp>

#include "support/btf_producer.hpp"
#include "support/kernel_memory.hpp"
#include "support/symbol_table.hpp"

namespace {

constexpr std::uint64_t text = 0xffff880000000000ull;
constexpr std::uint64_t module_base = 0xffffffffc0000000ull;

const char* const seq_ops_source = "struct seq_file;\n"
                                   "struct seq_operations {\n"
                                   "  void *(*start)(struct seq_file *m, long *pos);\n"
                                   "  void (*stop)(struct seq_file *m, void *v);\n"
                                   "  void *(*next)(struct seq_file *m, void *v, long *pos);\n"
                                   "  int (*show)(struct seq_file *m, void *v);\n"
                                   "  int not_a_pointer;\n"
                                   "};\n"
                                   "struct seq_operations g_ops;\n";

mquire::modules::module_list evil_module() {
  mquire::modules::module_list mods;
  mquire::modules::module_info m;
  m.name = "evil";
  m.regions.push_back({module_base, 0x1000});
  m.symbols.push_back({module_base + 0x100, 't', "evil_show"});
  m.symbols.push_back({module_base + 0x80, 'U', "printk"}); // undefined: never the answer
  mods.modules.push_back(m);
  return mods;
}

} // namespace

TEST_CASE("code_symbols: %pS as kallsyms_lookup() gives it, in the kernel and in a module", "[hooks][unit]") {
  const auto table = support::symbol_table({{"_stext", text},
                                            {"__x64_sys_read", text + 0x100},
                                            {"helper", text + 0x400},
                                            {"_etext", text + 0x10000},
                                            {"_end", text + 0x20000}},
                                           't');
  const auto mods = evil_module();
  const mquire::objects::code_symbols symbols(table, &mods);
  CHECK(symbols.describe(text + 0x100) == "__x64_sys_read+0x0/0x300");
  CHECK(symbols.describe(text + 0x410) == "helper+0x10/0xfc00");
  CHECK(symbols.name_of(text + 0x410) == "helper");
  CHECK(symbols.in_kernel_text(text + 0x410));
  CHECK_FALSE(symbols.in_kernel_text(text + 0x10000));
  CHECK(symbols.describe(module_base + 0x108) == "evil_show+0x8/0xf00 [evil]");
  CHECK(symbols.module_at(module_base + 0x108)->name == "evil");
  CHECK(symbols.describe(0xffff8a0000000000ull) == "0xffff8a0000000000");
  CHECK_FALSE(symbols.lookup(text - 1));
}

TEST_CASE("call tables: each slot expected, inside a function, unbacked or in a module", "[hooks][unit]") {
  const auto blob = support::produce_btf("hooks-seq-ops", seq_ops_source, "gcc");
  auto bt = mquire::btf::type_info::parse(blob);
  REQUIRE(bt);
  const mquire::objects::kernel_types types(*bt, 8);
  const auto members = types.function_pointers("seq_operations");
  REQUIRE(members.size() == 4);
  CHECK(members[3].first == "show");
  CHECK(members[3].second == 24);
  for (auto a : {support::arch::x86_64, support::arch::arm64}) {
    DYNAMIC_SECTION((a == support::arch::x86_64 ? "x86_64" : "arm64")) {
      support::kernel_memory m(a);
      const std::uint64_t calls = m.alloc(64), ops = m.alloc(32);
      const std::uint64_t entries[] = {text + 0x100, text + 0x200, text + 0x300, text + 0x410, 0xffff8a0000000000ull,
                                       0, 0, 0};
      m.write(calls, entries, sizeof entries);
      const std::uint64_t seq[] = {text + 0x500, text + 0x600, 0, module_base + 0x100};
      m.write(ops, seq, sizeof seq);
      const auto table = support::symbol_table({{"_stext", text},
                                                {"__x64_sys_read", text + 0x100},
                                                {"__arm64_sys_write", text + 0x200},
                                                {"sys_ni_syscall", text + 0x300},
                                                {"helper", text + 0x400},
                                                {"tcp4_seq_start", text + 0x500},
                                                {"tcp4_seq_stop", text + 0x600},
                                                {"_etext", text + 0x10000},
                                                {"sys_call_table", calls},
                                                {"after_the_table", calls + 64},
                                                {"tcp4_seq_ops", ops},
                                                {"_end", 0xffff889000000000ull}},
                                               't');
      const mquire::objects::symbol_index index(table);
      const auto mods = evil_module();
      const mquire::objects::code_symbols symbols(table, &mods);
      const auto vm = m.memory();
      const mquire::objects::object_reader reader(vm, types);
      const auto hooks = mquire::hooks::read_hook_tables(reader, index, symbols);
      REQUIRE(hooks.tables.size() == 2);
      const auto& sc = hooks.tables[0];
      CHECK(sc.name == "sys_call_table");
      CHECK(sc.problem.empty());
      REQUIRE(sc.slots.size() == 5); // the zeros after the last entry are padding
      CHECK(sc.slots[0].check.expected);
      CHECK(sc.slots[1].check.expected);
      CHECK(sc.slots[2].check.expected);
      CHECK(sc.slots[3].check.backed);
      CHECK_FALSE(sc.slots[3].check.expected);
      CHECK(sc.slots[3].check.symbol == "helper+0x10/0x100");
      CHECK_FALSE(sc.slots[4].check.backed);
      CHECK(sc.slots[4].check.symbol == "0xffff8a0000000000");
      const auto& so = hooks.tables[1];
      CHECK(so.type == "struct seq_operations");
      CHECK(so.null_slots == 1);
      REQUIRE(so.slots.size() == 3);
      CHECK(so.slots[0].name == "start");
      CHECK(so.slots[0].check.expected);
      CHECK(so.slots[2].name == "show");
      CHECK(so.slots[2].check.backed);
      CHECK_FALSE(so.slots[2].check.expected);
      CHECK(so.slots[2].check.module == "evil");
      CHECK(so.slots[2].check.symbol == "evil_show+0x0/0xf00 [evil]");
    }
  }
}
