// SPDX-License-Identifier: Apache-2.0
// The command-line tool end to end: every input format the fixtures come in
// (and the ones derived from them), its output checked line for line against
// the kernel's own /proc/kallsyms, and every error path's status and message.
#include <catch2/catch.hpp>

#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "analysis.hpp"
#include "generator/btf_writer.hpp"
#include "generator/dump_writer.hpp"
#include "generator/kallsyms_writer.hpp"
#include "generator/memory_image.hpp"
#include "generator/symbols.hpp"
#include "support/fixtures.hpp"
#include "support/run.hpp"

using support::run_tool;
using support::quote;

namespace {
std::size_t count_lines(const std::string& s) { return static_cast<std::size_t>(std::count(s.begin(), s.end(), '\n')); }
} // namespace

TEST_CASE("tool: ELF core, raw, LiME and kdump forms of the fixtures give /proc/kallsyms exactly", "[tool][fixture]") {
  for (const std::string fixture : {"x86_64-6.1-boot1", "x86_64-6.1-vmcoreinfo", "x86_64-7.2-modules"}) {
    const auto core = support::require_fixture(fixture + "/dump.elf.zst");
    // Kernel lines, then module lines: the guest's whole /proc/kallsyms (the
    // 6.1 guests had no module loaded; the 7.2 one has 13, 7,338 lines).
    const std::string want = support::read_text(support::require_fixture(fixture + "/kallsyms.truth.zst"));
    const std::string kernel_only = support::truth_without_modules(fixture);
    const std::size_t lines = fixture == "x86_64-7.2-modules" ? 206435 : 94266;
    for (const std::string kind : {"elf", "raw", "lime", "kdump"}) {
#if !MQUIRE_WITH_KDUMPFILE
      if (kind == "kdump") continue;
#endif
      DYNAMIC_SECTION(fixture << " " << kind) {
        const auto file = kind == "elf" ? core : support::derived_from_core(core, kind);
        const auto r = run_tool("kallsyms " + quote(file.string()), fixture + "-" + kind);
        CHECK(r.status == 0);
        CHECK(r.err.empty());
        CHECK(count_lines(r.out) == lines);
        CHECK(r.out == want);
        const auto k = run_tool("kallsyms --no-modules " + quote(file.string()), fixture + "-" + kind + "-k");
        CHECK(k.out == kernel_only);
        // and the format is detected from content: --input agrees
        if (kind != "elf" && kind != "kdump") {
          const auto forced = run_tool("kallsyms --input " + kind + " " + quote(file.string()), fixture + "-forced");
          CHECK(forced.status == 0);
          CHECK(forced.out == want);
        }
      }
    }
  }
}

TEST_CASE("tool: the arm64 7.2 dump's /proc/kallsyms exactly, the kprobe page after the modules", "[tool][fixture]") {
  // After the modules' lines the guest's kernel listed the code it made at
  // run time: here one kprobe instruction page (a kprobe was set).
  const std::string fixture = "arm64-7.2-full";
  const auto core = support::require_fixture(fixture + "/dump.elf.zst");
  const std::string want = support::read_text(support::require_fixture(fixture + "/kallsyms.truth.zst"));
  const auto r = run_tool("kallsyms " + quote(core.string()), fixture);
  CHECK(r.status == 0);
  CHECK(r.err.empty());
  CHECK(count_lines(r.out) == 212303);
  CHECK(r.out == want);
  CHECK(r.out.substr(r.out.rfind('\n', r.out.size() - 2) + 1) == "ffff800080025000 t kprobe_insn_page\t[__builtin__kprobes]\n");
  const auto j = run_tool("kallsyms --format json " + quote(core.string()), fixture + "-json");
  REQUIRE(j.status == 0);
  const auto doc = nlohmann::json::parse(j.out);
  REQUIRE(doc["builtin_symbols"]["symbols"].size() == 1);
  CHECK(doc["builtin_symbols"]["symbols"][0]["module"] == "__builtin__kprobes");
}

TEST_CASE("tool: kdump-compressed dump written by QEMU dump-guest-memory -z", "[tool][fixture][kdump]") {
  const auto kdump = support::fixtures_dir() / "x86_64-6.1-vmcoreinfo/dump.kdump-zlib";
  if (!std::filesystem::exists(kdump)) support::skip("fixture dump.kdump-zlib not found");
  const auto r = run_tool("kallsyms " + quote(kdump.string()), "kdump");
  CHECK(r.status == 0);
  CHECK(r.out == support::truth_without_modules("x86_64-6.1-vmcoreinfo"));
  const auto i = run_tool("inspect --format json " + quote(kdump.string()), "kdump-inspect");
  REQUIRE(i.status == 0);
  const auto j = nlohmann::json::parse(i.out);
  CHECK(j["input_format"] == "kdump");
  CHECK(j["tables"][0]["num_syms"] == 94266);
}

TEST_CASE("tool: inspect reports layout, sections, candidates and the KASLR slide", "[tool][fixture]") {
  const auto core = support::require_fixture("x86_64-6.1-vmcoreinfo/dump.elf.zst");
  const auto r = run_tool("inspect --format json " + quote(core.string()), "inspect-json");
  REQUIRE(r.status == 0);
  const auto j = nlohmann::json::parse(r.out);
  CHECK(j["input_format"] == "elf");
  CHECK(j["stages"]["token_tables"] >= 1);
  const auto& t = j["tables"][0];
  CHECK(t["layout"] == "6.2-base-relative-percpu");
  CHECK(t["num_syms"] == 94266);
  CHECK(t["word_size"] == 64);
  CHECK(t["relative_base"] == "ffffffff8e000000");
  // kallsyms_num_syms sits at the physical address the kernel's own vmcoreinfo
  // gives for it (SYMBOL(kallsyms_num_syms) = 0xffffffff8f1bdab8, phys_base
  // 0xfffffffff7a00000): 0xffffffff8f1bdab8 - 0xffffffff80000000 + phys_base.
  bool seen = false;
  for (const auto& s : t["sections"])
    if (s["name"] == "kallsyms_num_syms") {
      seen = true;
      CHECK(s["physical_address"] == 0x6bbdab8);
    }
  CHECK(seen);
  CHECK(j["kaslr"]["slide"] == "0xd000000");
  const auto text = run_tool("inspect " + quote(core.string()), "inspect-text");
  CHECK(text.status == 0);
  CHECK_THAT(text.out, Catch::Contains("kallsyms_token_table") && Catch::Contains("KASLR slide: 0xd000000"));
}

TEST_CASE("tool: --format json carries the table and its layout", "[tool][fixture]") {
  const auto core = support::require_fixture("x86_64-6.1-boot1/dump.elf.zst");
  const auto r = run_tool("kallsyms --format json " + quote(core.string()), "json");
  REQUIRE(r.status == 0);
  const auto j = nlohmann::json::parse(r.out);
  CHECK(j["layout"] == "6.2-base-relative-percpu");
  CHECK(j["symbols"].size() == 94266);
  CHECK(j["symbols"][0]["address"] == "0000000000000000");
  CHECK(j["symbols"][0]["name"] == "fixed_percpu_data");
  CHECK(j["addresses_are_virtual"] == true);
}

TEST_CASE("tool: a generated 32-bit big-endian table in a raw file", "[tool]") {
  const auto syms = gen::make_symbols({.count = 3000, .seed = 77, .text_base = 0xc0100000});
  gen::config c{.e = gen::era::v6_4, .word_size = 4, .order = mquire::byte_order::big,
                .encoding = mquire::address_encoding::base_relative, .vaddr = 0xc0900000};
  const auto out = gen::write_kallsyms(syms, c);
  const auto path = support::cache_dir() / "gen-be32.raw";
  REQUIRE(support::write_file(path, gen::embed(out.bytes, {.total = 1 << 20, .at = 70000})));
  const auto r = run_tool("kallsyms " + quote(path.string()), "be32");
  REQUIRE(r.status == 0);
  CHECK(count_lines(r.out) == 3000);
  char first[64];
  std::snprintf(first, sizeof first, "%08llx %c %s\n", static_cast<unsigned long long>(out.symbols[0].address),
                out.symbols[0].type, out.symbols[0].name.c_str());
  CHECK(r.out.substr(0, std::strlen(first)) == first);
}

TEST_CASE("tool: BTF found by its header where the table has no __start_BTF, from the streamed landmark pass",
          "[tool][btf]") {
  // A 12 MiB raw dump (past the size the landmark pass reads on a second
  // thread) with a table and the BTF blob at a 4-byte aligned address
  // straddling a 1 MiB chunk boundary, and an unaligned decoy header.
  const auto syms = gen::make_symbols({.count = 2000, .seed = 91});
  gen::config c{.e = gen::era::v6_4, .word_size = 8, .encoding = mquire::address_encoding::base_relative};
  const auto table = gen::write_kallsyms(syms, c);
  auto mem = gen::embed(table.bytes, {.total = 12u << 20, .at = 0x200000, .seed = 92});
  const auto blob = gen::sample_btf();
  const std::size_t at = (7u << 20) - 8;
  std::copy(blob.begin(), blob.end(), mem.begin() + static_cast<long>(at));
  std::copy(blob.begin(), blob.begin() + 4, mem.begin() + static_cast<long>(at + 0x1001)); // unaligned: not BTF
  const auto path = support::cache_dir() / "btf-by-header.raw";
  REQUIRE(support::write_file(path, mem));
  const auto j = nlohmann::json::parse(run_tool("inspect --format json " + quote(path.string()), "btfh").out);
  REQUIRE(j.contains("kernel"));
  CHECK(j["kernel"]["btf"]["size"] == blob.size());
  CHECK_THAT(j["kernel"]["btf"]["source"].get<std::string>(), Catch::Contains("a BTF header at input address 0x6ffff8"));
  CHECK(j["kernel"]["btf"]["header_scan_bytes"] == 0); // read where the landmark pass saw it, nothing more
  const auto out = support::cache_dir() / "btf-by-header.btf";
  CHECK(run_tool("btf -o " + quote(out.string()) + " " + quote(path.string()), "btfh-out").status == 0);
  CHECK(support::read_file(out) == blob);
}

TEST_CASE("tool: 7.0 table in a physical dump says its addresses are relative", "[tool]") {
  const auto syms = gen::make_symbols({.count = 2000, .seed = 78});
  gen::config c{.e = gen::era::v7_0, .encoding = mquire::address_encoding::place_relative};
  const auto out = gen::write_kallsyms(syms, c);
  const auto path = support::cache_dir() / "gen-70.raw";
  const std::size_t at = 0x200000; // physical address of the generated bytes
  REQUIRE(support::write_file(path, gen::embed(out.bytes, {.total = 4 << 20, .at = at})));
  const auto r = run_tool("kallsyms " + quote(path.string()), "v70");
  CHECK(r.status == 0);
  CHECK_THAT(r.err, Catch::Contains("addresses are relative"));
  const auto j = nlohmann::json::parse(run_tool("kallsyms --format json " + quote(path.string()), "v70j").out);
  CHECK(j["addresses_are_virtual"] == false);
  // With --base (virtual address of physical 0) the addresses are exact.
  char base[32];
  std::snprintf(base, sizeof base, "%llx", static_cast<unsigned long long>(c.vaddr - at));
  const auto b = run_tool("kallsyms --no-modules --base " + std::string(base) + " " + quote(path.string()), "v70b");
  CHECK(b.status == 0);
  CHECK(b.err.empty());
  char first[96];
  std::snprintf(first, sizeof first, "%016llx %c %s\n", static_cast<unsigned long long>(out.symbols[0].address),
                out.symbols[0].type, out.symbols[0].name.c_str());
  CHECK(b.out.substr(0, std::strlen(first)) == first);
  CHECK(count_lines(b.out) == 2000);
}

TEST_CASE("tool: analyze() runs the tool's stages: open, search, addresses, what lies beyond the table",
          "[tool][analyze]") {
  const auto syms = gen::make_symbols({.count = 2000, .seed = 79});
  gen::config c{.e = gen::era::v7_0, .encoding = mquire::address_encoding::place_relative};
  const auto out = gen::write_kallsyms(syms, c);
  const auto path = support::cache_dir() / "gen-70-analyze.raw";
  const std::size_t at = 0x200000;
  REQUIRE(support::write_file(path, gen::embed(out.bytes, {.total = 4 << 20, .at = at})));
  tool::analysis_request req;
  req.file = path.string();
  for (const auto& layout : mquire::builtin_layouts()) req.scan.layouts.push_back(layout);
  req.scan.base = c.vaddr - at;
  std::optional<bool> asked_as_dump;
  req.beyond_table = [&](bool is_dump) {
    asked_as_dump = is_dump;
    return std::optional<tool::view_request>{};
  };
  auto analyzed = tool::analyze(req);
  REQUIRE(std::holds_alternative<tool::analysis>(analyzed));
  const auto& a = std::get<tool::analysis>(analyzed);
  REQUIRE(a.has_table());
  CHECK(a.is_dump()); // a raw file's offsets are physical addresses
  CHECK(asked_as_dump == true);
  CHECK_FALSE(a.view); // the command asked for nothing beyond the table
  REQUIRE(a.addr);
  const auto& table = a.best().table;
  REQUIRE(table.symbols.size() == 2000);
  for (std::size_t i : {std::size_t{0}, std::size_t{999}, std::size_t{1999}}) {
    CHECK(table.symbols[i].address == out.symbols[i].address); // --base made them exact
    CHECK(table.name(table.symbols[i]) == out.symbols[i].name);
  }

  SECTION("an input that cannot be opened is a failure with the tool's status") {
    req.file = (support::cache_dir() / "no-such-input.raw").string();
    auto missing = tool::analyze(req);
    REQUIRE(std::holds_alternative<tool::failure>(missing));
    CHECK(std::get<tool::failure>(missing).status == tool::unreadable);
    CHECK_THAT(std::get<tool::failure>(missing).message, Catch::Contains("no-such-input.raw"));
  }
  SECTION("an input without a table is an analysis that says what was searched") {
    const auto empty = support::cache_dir() / "no-table-analyze.raw";
    REQUIRE(support::write_file(empty, std::vector<std::uint8_t>(1 << 20, 0x5a)));
    req.file = empty.string();
    asked_as_dump.reset();
    auto none = tool::analyze(req);
    REQUIRE(std::holds_alternative<tool::analysis>(none));
    const auto& n = std::get<tool::analysis>(none);
    CHECK_FALSE(n.has_table());
    CHECK_FALSE(asked_as_dump); // nothing beyond a table that is not there
    CHECK_THAT(n.not_found_message(empty.string()),
               Catch::StartsWith("no kallsyms table found in " + empty.string() + " (raw, 1048576 bytes in 1 segments): "));
  }
}

TEST_CASE("tool: error paths give their exit status and a message", "[tool][errors]") {
  const auto dir = support::cache_dir();
  SECTION("usage") {
    CHECK(run_tool("", "u1").status == 2);
    CHECK(run_tool("kallsyms", "u2").status == 2);
    CHECK(run_tool("kallsyms --format xml x", "u3").status == 2);
    const auto r = run_tool("kallsyms --base zz " + quote((dir / "gen-be32.raw").string()), "u4");
    CHECK(r.status == 2);
    CHECK_THAT(r.err, Catch::Contains("not a hexadecimal address"));
  }
  SECTION("missing and empty files") {
    auto r = run_tool("kallsyms " + quote((dir / "does-not-exist").string()), "e1");
    CHECK(r.status == 3);
    CHECK_THAT(r.err, Catch::Contains("cannot open"));
    REQUIRE(support::write_file(dir / "empty.bin", {}));
    r = run_tool("kallsyms " + quote((dir / "empty.bin").string()), "e2");
    CHECK(r.status == 3);
    CHECK_THAT(r.err, Catch::Contains("is empty"));
  }
  SECTION("random bytes: nothing found, and what was searched") {
    REQUIRE(support::write_file(dir / "random.bin", gen::embed({}, {.total = 3 << 20, .at = 0, .decoy_digit_runs = 20})));
    const auto r = run_tool("kallsyms " + quote((dir / "random.bin").string()), "e3");
    CHECK(r.status == 1);
    CHECK(r.out.empty());
    CHECK_THAT(r.err, Catch::Contains("no kallsyms table found") && Catch::Contains("token-table landmarks"));
  }
  SECTION("a raw dump cut in the middle of the table") {
    const auto syms = gen::make_symbols({.count = 4000, .seed = 79});
    gen::config c{.e = gen::era::v6_4, .encoding = mquire::address_encoding::base_relative};
    const auto out = gen::write_kallsyms(syms, c);
    auto image = gen::embed(out.bytes, {.total = 1 << 20, .at = 4096});
    image.resize(4096 + out.offset.at(mquire::section_role::markers) + 100);
    REQUIRE(support::write_file(dir / "cut.raw", image));
    const auto r = run_tool("kallsyms " + quote((dir / "cut.raw").string()), "e4");
    CHECK(r.status == 1);
    CHECK(r.out.empty());
    CHECK_THAT(r.err, Catch::Contains("furthest stage"));
  }
  SECTION("a LiME file with a bad header") {
    std::vector<std::uint8_t> lime = {'E', 'M', 'i', 'L', 2, 0, 0, 0};
    lime.resize(64, 0);
    REQUIRE(support::write_file(dir / "bad.lime", lime));
    auto r = run_tool("kallsyms " + quote((dir / "bad.lime").string()), "e5");
    CHECK(r.status == 3);
    CHECK_THAT(r.err, Catch::Contains("version 2"));
    // a range that claims more bytes than the file holds
    std::vector<std::uint8_t> big = {'E', 'M', 'i', 'L', 1, 0, 0, 0};
    big.resize(32, 0);
    big[16] = 0xff;
    big[17] = 0xff;
    big[18] = 0xff; // end = 0xffffff: 16 MiB claimed
    big.resize(4096, 0);
    REQUIRE(support::write_file(dir / "short.lime", big));
    r = run_tool("kallsyms " + quote((dir / "short.lime").string()), "e6");
    CHECK(r.status == 3);
    CHECK_THAT(r.err, Catch::Contains("runs past the end of the file"));
  }
  SECTION("an ELF core whose program headers lie") {
    const auto core = support::require_fixture("x86_64-6.1-boot1/dump.elf.zst");
    auto file = mquire::sources::mapped_file::open(core.string());
    REQUIRE(file);
    // Keep the headers and the first 64 KiB: PT_LOAD then claims 160 MiB that are not there.
    std::vector<std::uint8_t> head(file->bytes().begin(), file->bytes().begin() + 65536);
    REQUIRE(support::write_file(dir / "lying.elf", head));
    const auto r = run_tool("kallsyms " + quote((dir / "lying.elf").string()), "e7");
    CHECK(r.status == 3);
    CHECK_THAT(r.err, Catch::Contains("program header") && Catch::Contains("truncated dump or lying header"));
  }
  SECTION("forcing a format the file does not have") {
    const auto r = run_tool("kallsyms --input lime " + quote((dir / "random.bin").string()), "e8");
    CHECK(r.status == 3);
    CHECK_THAT(r.err, Catch::Contains("expected magic"));
  }
}

TEST_CASE("example: a custom compile-time layout recovers a vendor table", "[example]") {
  using R = mquire::section_role;
  const auto syms = gen::make_symbols({.count = 2500, .seed = 80});
  gen::config c{.e = gen::era::v6_4, .encoding = mquire::address_encoding::base_relative};
  c.order_override = {R::num_syms, R::names,         R::markers, R::token_table,
                      R::token_index, R::seqs_of_names, R::offsets, R::relative_base};
  const auto out = gen::write_kallsyms(syms, c);
  const auto path = support::cache_dir() / "vendor.raw";
  REQUIRE(support::write_file(path, gen::embed(out.bytes, {.total = 1 << 20, .at = 8192})));
  // The built-in layouts do not read it...
  CHECK(run_tool("kallsyms " + quote(path.string()), "vendor-builtin").status == 1);
  // ...the example's own layout does, exactly.
  const std::string cmd = quote(MQUIRE_CUSTOM_LAYOUT_EXAMPLE) + " " + quote(path.string()) + " >" +
                          quote((support::cache_dir() / "vendor.out").string()) + " 2>/dev/null";
  REQUIRE(std::system(cmd.c_str()) == 0);
  const std::string got = support::read_text(support::cache_dir() / "vendor.out");
  std::string want;
  char line[600];
  for (const auto& s : out.symbols) {
    std::snprintf(line, sizeof line, "%016llx %c %s\n", static_cast<unsigned long long>(s.address), s.type,
                  s.name.c_str());
    want += line;
  }
  CHECK(got == want);
}

TEST_CASE("tool: a table whose landmark straddles a streaming chunk boundary", "[tool][stream]") {
  // The streamed landmark pass reads 1 MiB chunks (tools/mquire/
  // stream_scan.hpp); 8 MiB is a chunk boundary whatever the chunk size
  // that divides it. Put the digit run across one boundary and the
  // vmcoreinfo text across another.
  const auto syms = gen::make_symbols({.count = 5000, .seed = 81, .percpu = 10});
  gen::config c{.e = gen::era::v6_2, .encoding = mquire::address_encoding::base_relative_percpu};
  const auto out = gen::write_kallsyms(syms, c);
  const std::size_t chunk = 8u << 20;
  // digit run position inside the generated bytes
  std::size_t digits = 0;
  mquire::detail::for_each_digit_run(out.bytes, [&](std::size_t at) { digits = at; });
  REQUIRE(digits > 0);
  const std::size_t at = chunk - 7 - digits; // the run starts 7 bytes before the boundary
  auto image = gen::embed(out.bytes, {.total = 3 * chunk, .at = at});
  const std::string info = std::string(1, '\0') + "OSRELEASE=6.1.0-x\nPAGESIZE=4096\nKERNELOFFSET=0\n" + '\0';
  std::copy(info.begin(), info.end(), image.begin() + static_cast<long>(2 * chunk - 5));
  const auto path = support::cache_dir() / "straddle.raw";
  REQUIRE(support::write_file(path, image));
  const auto r = run_tool("kallsyms " + quote(path.string()), "straddle");
  REQUIRE(r.status == 0);
  CHECK(count_lines(r.out) == 5000);
  const auto j = nlohmann::json::parse(run_tool("inspect --format json " + quote(path.string()), "straddle-i").out);
  CHECK(j["vmcoreinfo_in_memory"] == 1);
}

TEST_CASE("tool: a damaged table is printed but for its damaged entries, which are said, listed and marked",
          "[tool][damage]") {
  const auto syms = gen::make_symbols({.count = 3000, .seed = 97});
  gen::config c{.e = gen::era::v6_4, .encoding = mquire::address_encoding::absolute};
  auto out = gen::write_kallsyms(syms, c);
  // A torn page: 1 KiB of the names zeroed.
  const std::size_t names = out.offset.at(mquire::section_role::names);
  std::fill(out.bytes.begin() + static_cast<long>(names + 9000), out.bytes.begin() + static_cast<long>(names + 10024), 0);
  const auto path = support::cache_dir() / "gen-torn.raw";
  REQUIRE(support::write_file(path, gen::embed(out.bytes, {.total = 2 << 20, .at = 0x10000})));
  const auto r = run_tool("kallsyms " + quote(path.string()), "torn");
  CHECK(r.status == 0);
  CHECK_THAT(r.err, Catch::Contains("the table is damaged") && Catch::Contains("name unreadable"));
  const std::size_t printed = count_lines(r.out);
  CHECK(printed < 3000);
  CHECK(printed > 3000 - 200);
  // Every printed line is a generated symbol at its own index's place.
  std::set<std::string> generated;
  for (const auto& s : out.symbols) {
    char line[600];
    std::snprintf(line, sizeof line, "%016llx %c %s", static_cast<unsigned long long>(s.address), s.type, s.name.c_str());
    generated.insert(line);
  }
  std::istringstream in(r.out);
  std::size_t unknown = 0;
  for (std::string line; std::getline(in, line);) unknown += generated.count(line) ? 0 : 1;
  CHECK(unknown == 0);
  // json: every entry, the damaged ones marked; inspect lists them; strict refuses.
  const auto j = nlohmann::json::parse(run_tool("kallsyms --format json " + quote(path.string()), "tornj").out);
  CHECK(j["symbols"].size() == 3000);
  std::size_t marked = 0;
  for (const auto& e : j["symbols"]) marked += e.contains("damage") ? 1 : 0;
  CHECK(marked == 3000 - printed);
  CHECK(j["damaged_entries"] == 3000 - printed);
  const auto insp = run_tool("inspect " + quote(path.string()), "torni");
  CHECK_THAT(insp.out, Catch::Contains("damaged entries: " + std::to_string(3000 - printed)));
  CHECK_THAT(insp.out, Catch::Contains(": name unreadable"));
  const auto strict = run_tool("kallsyms --strict " + quote(path.string()), "torns");
  CHECK(strict.status == 1);
  CHECK(strict.out.empty());
}

TEST_CASE("tool: segment tables built to multiply the work are read in time linear in the file",
          "[tool][hostile]") {
  // The bytes the tool searched, from `inspect --format json`, for a file
  // that must give `status`; never more than the file holds.
  const auto scanned = [](const std::string& name, const std::vector<std::uint8_t>& file, int status) {
    const auto path = support::cache_dir() / name;
    REQUIRE(support::write_file(path, file));
    const auto r = run_tool("inspect --format json " + quote(path.string()), name);
    INFO(r.err);
    REQUIRE(r.status == status);
    const auto j = nlohmann::json::parse(r.out);
    CHECK(j["scanned"]["bytes"].get<std::uint64_t>() <= file.size());
    CHECK(j["scanned"]["search_window_bytes"].get<std::uint64_t>() <= 64 * file.size());
    // The BTF header scan, when the table gives no __start_BTF, reads each
    // file byte once too.
    if (j.contains("kernel")) CHECK(j["kernel"]["btf"]["header_scan_bytes"].get<std::uint64_t>() <= file.size());
    return j;
  };
  // `total` bytes of memory with a 3000-symbol 6.4 table at 1 MiB.
  const auto memory_with_table = [](std::uint64_t seed, std::size_t total) {
    const auto syms = gen::make_symbols({.count = 3000, .seed = seed, .text_base = 0xffffffff81000000ull});
    gen::config c{.e = gen::era::v6_4, .word_size = 8, .order = mquire::byte_order::little,
                  .encoding = mquire::address_encoding::base_relative, .vaddr = 0xffffffff82000000ull};
    return gen::embed(gen::write_kallsyms(syms, c).bytes, {.total = total, .at = 1u << 20});
  };
  SECTION("2000 PT_LOADs over the same 4 MiB holding a kernel table: searched once, found once") {
    const auto mem = memory_with_table(78, 4u << 20);
    std::vector<gen::dump_segment> segs;
    for (std::uint64_t i = 0; i < 2000; ++i) segs.push_back({0, mem.size(), i << 32});
    const auto j = scanned("overlap2000.elf", gen::elf_core(mem, segs), 0);
    CHECK(j["scanned"]["segments"] == 1);
    CHECK(j["scanned"]["segments_skipped"] == 1999);
    CHECK(j["tables"].size() == 1);
    CHECK(j["tables"][0]["num_syms"] == 3000);
    CHECK(j["kernel"]["btf"]["header_scan_bytes"].get<std::uint64_t>() <= 4u << 20); // one segment at most, not 2000
  }
  SECTION("2000 PT_LOADs over the same bytes, each shifted by a page: one region, each byte searched once") {
    const auto mem = memory_with_table(79, 12u << 20);
    std::vector<gen::dump_segment> segs;
    // Each covers 4 MiB starting a page after the one before: every one adds
    // bytes the others lack, and the table lies across many of them.
    for (std::uint64_t i = 0; i < 2000; ++i) segs.push_back({i * 4096, 4u << 20, i << 32});
    const auto file = gen::elf_core(mem, segs);
    const auto j = scanned("shifted2000.elf", file, 0);
    CHECK(j["scanned"]["segments"] == 1);
    CHECK(j["scanned"]["segments_skipped"] == 1999);
    CHECK(j["scanned"]["bytes"].get<std::uint64_t>() == 1999u * 4096 + (4u << 20)); // the union, once
    CHECK(j["tables"].size() == 1);
    CHECK(j["tables"][0]["num_syms"] == 3000);
  }
  // `count` ranges of 16 bytes each, with 16-byte holes between them.
  const auto tiny = [](std::uint64_t count) {
    std::pair<std::vector<std::uint8_t>, std::vector<gen::dump_segment>> t;
    t.first = gen::embed({}, {.total = count * 16, .seed = count});
    for (std::uint64_t i = 0; i < count; ++i) t.second.push_back({16 * i, 16, 0x100000 + 32 * i});
    return t;
  };
  SECTION("65535 tiny PT_LOADs") {
    // (65535 is PN_XNUM in the ELF spec, which sends a reader to section
    // header 0 for the count; with no section headers it is the count.)
    const auto [mem, segs] = tiny(65535);
    CHECK(scanned("tiny65535.elf", gen::elf_core(mem, segs), 1)["scanned"]["segments"] == 65535);
  }
  SECTION("200,000 LiME ranges") {
    const auto [mem, ranges] = tiny(200000);
    CHECK(scanned("tiny200k.lime", gen::lime(mem, ranges), 1)["scanned"]["segments"] == 200000);
  }
}
