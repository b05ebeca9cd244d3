// SPDX-License-Identifier: Apache-2.0
// Beyond the kernel's own table, on the real 7.2 dump with 13 modules
// loaded: the module list as /proc/modules printed it, the kernel's BTF byte
// for byte as /sys/kernel/btf/vmlinux gave it (and read back by Debian's
// bpftool), and inspect's account of page tables, BTF and modules. The
// module lines of `mquire kallsyms` are checked with the kernel lines in
// tool_test.cpp, on every input form.
#include <catch2/catch.hpp>

#include <sstream>

#include <nlohmann/json.hpp>

#include "support/fixtures.hpp"
#include "support/run.hpp"

using support::quote;
using support::run_tool;

namespace {
const std::string fixture = "x86_64-7.2-modules";

std::string sha256_of(const support::fs::path& p) {
  const auto r = std::system(("sha256sum " + quote(p.string()) + " > " + quote(p.string() + ".sha256")).c_str());
  REQUIRE(r == 0);
  return support::read_text(p.string() + ".sha256").substr(0, 64);
}
} // namespace

TEST_CASE("modules: /proc/modules of the real 7.2 dump, every field", "[modules][fixture]") {
  const auto core = support::require_fixture(fixture + "/dump.elf.zst");
  const auto truth_file = support::fixtures_dir() / (fixture + "/modules.truth");
  if (!support::fs::exists(truth_file)) support::skip("fixture " + fixture + "/modules.truth not found");
  const std::string want = support::read_text(truth_file);
  for (const std::string kind : {"elf", "raw", "lime"}) {
    DYNAMIC_SECTION(kind) {
      const auto file = kind == "elf" ? core : support::derived_from_core(core, kind);
      const auto r = run_tool("modules " + quote(file.string()), "mods-" + kind);
      CHECK(r.status == 0);
      CHECK(r.err.empty());
      CHECK(r.out == want);
    }
  }
}

TEST_CASE("modules: a guest with no module loaded gives an empty list", "[modules][fixture]") {
  // The 6.1 dump's guest loaded no module: an empty list, not an error.
  const auto core = support::require_fixture("x86_64-6.1-boot1/dump.elf.zst");
  const auto r = run_tool("modules " + quote(core.string()), "mods-61");
  CHECK(r.status == 0);
  CHECK(r.out.empty());
}

TEST_CASE("btf: the kernel's BTF from the dump, byte for byte", "[btf][fixture]") {
  const auto core = support::require_fixture(fixture + "/dump.elf.zst");
  const auto truth_file = support::fixtures_dir() / (fixture + "/btf.truth");
  if (!support::fs::exists(truth_file)) support::skip("fixture " + fixture + "/btf.truth not found");
  std::istringstream truth(support::read_text(truth_file));
  std::string name, sha;
  std::size_t size = 0;
  truth >> name >> size >> sha;
  REQUIRE(name == "vmlinux");
  const auto out = support::cache_dir() / "vmlinux-72.btf";
  const auto r = run_tool("btf -o " + quote(out.string()) + " " + quote(core.string()), "btf72");
  REQUIRE(r.status == 0);
  CHECK(support::fs::file_size(out) == size);
  CHECK(sha256_of(out) == sha);
  // The same blob to standard output.
  const auto s = run_tool("btf " + quote(core.string()), "btf72-stdout");
  CHECK(s.out.size() == size);
  // Debian's bpftool reads it as the kernel's own and writes a vmlinux.h.
  if (std::system("command -v bpftool >/dev/null 2>&1") != 0) support::skip("bpftool not installed (Debian: bpftool)");
  const auto h = support::cache_dir() / "vmlinux-72.h";
  REQUIRE(std::system(("bpftool btf dump file " + quote(out.string()) + " format c > " + quote(h.string())).c_str()) == 0);
  const std::string header = support::read_text(h);
  CHECK(header.find("struct module_memory {") != std::string::npos);
  CHECK(header.find("struct task_struct {") != std::string::npos);
}

TEST_CASE("btf: every module's split BTF from the dump, byte for byte", "[btf][modules][fixture]") {
  const auto core = support::require_fixture(fixture + "/dump.elf.zst");
  const auto truth_file = support::fixtures_dir() / (fixture + "/btf.truth");
  if (!support::fs::exists(truth_file)) support::skip("fixture " + fixture + "/btf.truth not found");
  std::istringstream truth(support::read_text(truth_file));
  std::string name, sha;
  std::size_t size = 0, modules = 0;
  const auto base = support::cache_dir() / "vmlinux-72-base.btf";
  REQUIRE(run_tool("btf -o " + quote(base.string()) + " " + quote(core.string()), "btf72-base").status == 0);
  while (truth >> name >> size >> sha) {
    if (name == "vmlinux") continue;
    ++modules;
    const auto out = support::cache_dir() / ("module-72-" + name + ".btf");
    const auto r = run_tool("btf --module " + name + " -o " + quote(out.string()) + " " + quote(core.string()),
                            "btf72-" + name);
    CHECK(r.status == 0);
    CHECK(support::fs::file_size(out) == size);
    CHECK(sha256_of(out) == sha);
  }
  CHECK(modules == 13);
  const auto missing = run_tool("btf --module no_such_module " + quote(core.string()), "btf72-none");
  CHECK(missing.status == 1);
  CHECK_THAT(missing.err, Catch::Contains("no BTF for module no_such_module"));
  // bpftool reads a module's BTF over the kernel's.
  if (std::system("command -v bpftool >/dev/null 2>&1") != 0) support::skip("bpftool not installed (Debian: bpftool)");
  const auto ext4 = support::cache_dir() / "module-72-ext4.btf", h = support::cache_dir() / "ext4-72.h";
  REQUIRE(std::system(("bpftool -B " + quote(base.string()) + " btf dump file " + quote(ext4.string()) + " format c > " +
                       quote(h.string()))
                          .c_str()) == 0);
  CHECK(support::read_text(h).find("struct ext4_sb_info {") != std::string::npos);
}

TEST_CASE("inspect: where the page tables, BTF and modules came from", "[modules][btf][fixture]") {
  const auto core = support::require_fixture(fixture + "/dump.elf.zst");
  const auto r = run_tool("inspect --format json " + quote(core.string()), "inspect72");
  REQUIRE(r.status == 0);
  const auto j = nlohmann::json::parse(r.out);
  const auto& k = j["kernel"];
  // meta.json: init_top_pgt at physical 0x762a000.
  CHECK(k["kernel_memory"]["page_tables"]["root_symbol"] == "init_top_pgt");
  CHECK(k["kernel_memory"]["page_tables"]["root_physical"] == "0x762a000");
  CHECK(k["kernel_memory"]["page_tables"]["paging"] == "x86_64 4-level");
  CHECK(k["btf"]["size"] == 5440252);
  CHECK_THAT(k["btf"]["source"].get<std::string>(), Catch::Contains("__start_BTF"));
  CHECK(k["modules"]["modules"].size() == 13);
  CHECK(k["modules"]["modules"][0]["name"] == "ext4");
  CHECK(k["modules"]["modules"][0]["symbols"].size() == 4897);
  CHECK(k["modules"]["memory_layout"] == "mem[] (6.4 and later)");
}
