// SPDX-License-Identifier: Apache-2.0
// What hooked the kernel, from the dumps: the arm64 7.2 guest ran the
// function tracer on two functions and had a kprobe on do_sys_openat2;
// ftrace's enabled_functions must read as the guest printed it, its ops
// must name the filter the guest set, the kprobe must sit where the guest
// put it, and every slot of the system call and ops tables of these clean
// machines must be where the kernel put it.
#include <catch2/catch.hpp>

#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/fixtures.hpp"
#include "support/run.hpp"

using support::quote;
using support::run_tool;
using json = nlohmann::json;

namespace {

// The lines under "# NAME" in a file of such sections.
std::vector<std::string> section(const std::string& text, const std::string& name) {
  std::vector<std::string> out;
  std::istringstream in(text);
  bool inside = false;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("# ", 0) == 0) inside = line == "# " + name;
    else if (inside) out.push_back(line);
  }
  return out;
}

} // namespace

TEST_CASE("hooks: the arm64 7.2 dump's ftrace and kprobe, as the guest set them", "[hooks][fixture]") {
  const std::string fx = "arm64-7.2-full";
  const auto dump = support::require_fixture(fx + "/dump.elf.zst");
  const auto truth = support::read_text(support::fixtures_dir() / fx / "tracing.truth");
  const auto r = run_tool("hooks " + quote(dump.string()), "hooks-arm64");
  REQUIRE(r.status == 0);
  CHECK(r.err.empty());
  CHECK(section(r.out, "enabled_functions") == section(truth, "enabled_functions"));

  const auto j = run_tool("hooks --format json " + quote(dump.string()), "hooks-arm64-json");
  REQUIRE(j.status == 0);
  const auto got = json::parse(j.out);
  bool global = false;
  for (const auto& o : got["ftrace_ops"])
    if (o["ops"] == "global_ops+0x0/0x108") {
      global = true;
      CHECK(o["func"]["symbol"] == "function_trace_call+0x0/0x170");
      CHECK(o["func"]["backed"] == true);
      CHECK(o["filter"] == json::array({"vfs_fsync_range", "ksys_sync"}));
    }
  CHECK(global);
  REQUIRE(got["kprobes"].size() == 1);
  CHECK(got["kprobes"][0]["symbol_name"] == "do_sys_openat2");
  CHECK(got["kprobes"][0]["probed"].get<std::string>().rfind("do_sys_openat2+0x0/", 0) == 0);
  CHECK(got["kprobes"][0]["pre_handler"]["backed"] == true);
}

TEST_CASE("hooks: every system call and ops table slot of the clean dumps is where the kernel put it",
          "[hooks][fixture]") {
  for (const std::string fx : {"arm64-7.2-full", "x86_64-7.2-modules", "x86_64-6.1-boot1"}) {
    DYNAMIC_SECTION(fx) {
      const auto dump = support::require_fixture(fx + "/dump.elf.zst");
      const auto j = run_tool("hooks --format json " + quote(dump.string()), "hooks-tables-" + fx);
      REQUIRE(j.status == 0);
      const auto got = json::parse(j.out);
      std::size_t syscalls = 0, ops = 0;
      for (const auto& t : got["tables"]) {
        INFO(t["name"]);
        CHECK_FALSE(t.contains("problem"));
        for (const auto& s : t["slots"]) {
          INFO(s["slot"] << " " << s["symbol"]);
          CHECK(s["backed"] == true);
          CHECK(s["expected"] == true);
          CHECK(s["module"] == "");
        }
        (t["type"] == "system calls" ? syscalls : ops) += t["slots"].size();
      }
      CHECK(syscalls > 300);
      CHECK(ops > 20);
    }
  }
}

TEST_CASE("bpf: the fixture guests loaded no BPF program or map, and the dumps say so", "[hooks][bpf][fixture]") {
  // The guests ran busybox init, not systemd: their prog_idr and map_idr
  // are empty (the guests' kallsyms list no [bpf] line). Both listings are
  // there, empty, with nothing on stderr; hooks ends with them.
  for (const std::string fx : {"arm64-7.2-full", "x86_64-7.2-modules", "x86_64-6.1-boot1"}) {
    DYNAMIC_SECTION(fx) {
      const auto dump = support::require_fixture(fx + "/dump.elf.zst");
      const auto r = run_tool("bpf " + quote(dump.string()), "bpf-" + fx);
      REQUIRE(r.status == 0);
      CHECK(r.err.empty());
      CHECK(r.out == "# bpftool prog list\n# bpftool map list\n");
      const auto j = run_tool("bpf --format json " + quote(dump.string()), "bpf-json-" + fx);
      REQUIRE(j.status == 0);
      const auto got = json::parse(j.out);
      CHECK(got["programs"].empty());
      CHECK(got["maps"].empty());
      CHECK_FALSE(got.contains("problem"));
      if (fx == "arm64-7.2-full") {
        const auto h = run_tool("hooks " + quote(dump.string()), "hooks-bpf-" + fx);
        REQUIRE(h.status == 0);
        const std::string tail = "# bpftool prog list\n# bpftool map list\n";
        REQUIRE(h.out.size() > tail.size());
        CHECK(h.out.substr(h.out.size() - tail.size()) == tail);
      }
    }
  }
}
