// SPDX-License-Identifier: Apache-2.0
// What was running, against what the guests themselves printed: every task
// of the x86_64 and arm64 7.2 dumps (ids, state, comm, flags, credentials,
// groups, capabilities, TracerPid, threads, command line, environment,
// exe), /proc/PID/maps line for line, and every open file with its target
// and fdinfo. Then damaged copies: a task list cut or looped still gives
// only real rows, and the tasks it no longer reaches are found by the other
// sources and reported as missing from the list.
#include <catch2/catch.hpp>

#include <map>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "kernel_view.hpp"
#include "scan.hpp"
#include "segments.hpp"
#include "support/fixtures.hpp"
#include "support/opened_dump.hpp"
#include "support/run.hpp"

using support::quote;
using support::run_tool;
using json = nlohmann::json;

namespace {

const std::string arm = "arm64-7.2-full";
const std::string x86 = "x86_64-7.2-modules";

using support::truth_json;

std::map<std::int64_t, json> by_pid(const json& rows) {
  std::map<std::int64_t, json> out;
  for (const auto& r : rows) out[r["pid"].get<std::int64_t>()] = r;
  return out;
}

// Every row of `ps --format json` checked against tasks.json: the same set
// of pids, and each row's ids, state, comm (as memory holds it), flags.
void check_tasks(const json& ps, const json& tasks) {
  const auto got = by_pid(ps);
  std::set<std::int64_t> want;
  for (const auto& t : tasks) {
    const auto pid = t["pid"].get<std::int64_t>();
    want.insert(pid);
    INFO("pid " << pid);
    REQUIRE(got.count(pid));
    const auto& g = got.at(pid);
    CHECK(g["tgid"] == t["tgid"]);
    CHECK(g["ppid"] == t["ppid"]);
    CHECK(g["state"] == t["state"]);
    CHECK(g["comm"] == t["task_comm"]);
    CHECK(g["flags"] == t["flags"]);
    CHECK(g["kthread"] == t["kthread"]);
    const auto sources = g["sources"].get<std::vector<std::string>>();
    CHECK(std::find(sources.begin(), sources.end(), "task_list") != sources.end());
    CHECK(std::find(sources.begin(), sources.end(), "pid_idr") != sources.end());
  }
  for (const auto& [pid, row] : got) CHECK(want.count(pid)); // no row the guest did not have
}

// Under ASan+UBSan every tool run of a 168 MB dump takes tens of seconds:
// the sanitizer build runs the first case of the long fixture loops (the
// same code paths), the other builds all of them.
constexpr bool sanitized = MQUIRE_SANITIZED;

support::fs::path arm_dump() { return support::require_fixture(arm + "/dump.elf.zst"); }

} // namespace

TEST_CASE("ps: every task of the arm64 7.2 dump, as its /proc showed it", "[processes][fixture]") {
  const auto dump = arm_dump();
  const auto r = run_tool("ps --format json " + quote(dump.string()), "ps-arm64");
  REQUIRE(r.status == 0);
  CHECK(r.err.empty());
  const auto ps = json::parse(r.out);
  check_tasks(ps, truth_json(arm, "tasks.json"));
  const auto got = by_pid(ps);
  // /proc/PID/status: ids, groups, capabilities, tracer, threads.
  for (const auto& s : truth_json(arm, "status.json")) {
    const auto pid = s["pid"].get<std::int64_t>();
    INFO("status of pid " << pid);
    REQUIRE(got.count(pid));
    const auto& g = got.at(pid);
    CHECK(json::array({g["uid"], g["euid"], g["suid"], g["fsuid"]}) == s["uid"]);
    CHECK(json::array({g["gid"], g["egid"], g["sgid"], g["fsgid"]}) == s["gid"]);
    CHECK(g["groups"] == s["groups"]);
    CHECK(g["cap_inheritable"] == s["cap_inh"]);
    CHECK(g["cap_permitted"] == s["cap_prm"]);
    CHECK(g["cap_effective"] == s["cap_eff"]);
    CHECK(g["cap_bounding"] == s["cap_bnd"]);
    CHECK(g["cap_ambient"] == s["cap_amb"]);
    CHECK(g["tracer_pid"] == s["tracer_pid"]);
    CHECK(g["threads"] == s["threads"]);
  }
  // The capability-reduced process and the traced one are what they were set up to be.
  CHECK(got.at(126)["uid"] == 1000);
  CHECK(got.at(126)["groups"] == json::array({1000, 1001}));
  CHECK(got.at(137)["tracer_pid"] == 127);
  // Command lines byte for byte, and the executable.
  for (const auto& c : truth_json(arm, "cmdlines.json")) {
    const auto pid = c["pid"].get<std::int64_t>();
    INFO("cmdline of pid " << pid);
    CHECK(got.at(pid)["cmdline_hex"] == c["cmdline_hex"]);
    CHECK(got.at(pid)["cmdline"] == c["argv"]);
    CHECK(got.at(pid)["exe"] == c["exe"]);
  }
  // Environments byte for byte (LD_PRELOAD included).
  std::istringstream env(support::read_text(support::fixtures_dir() / arm / "environ.truth"));
  std::int64_t pid = 0;
  std::string hex;
  std::size_t environments = 0;
  while (env >> pid >> hex) {
    INFO("environ of pid " << pid);
    CHECK(got.at(pid)["environ_hex"] == hex);
    ++environments;
  }
  CHECK(environments == 15);
  const auto env128 = got.at(128)["environ"].get<std::vector<std::string>>();
  CHECK(std::find(env128.begin(), env128.end(), "LD_PRELOAD=/lib/libfake.so") != env128.end());
}

TEST_CASE("ps: every task of the x86_64 7.2 dump, in every input form (ELF, raw, LiME, kdump)", "[processes][fixture]") {
  const auto core = support::require_fixture(x86 + "/dump.elf.zst");
  const auto tasks = truth_json(x86, "tasks.json");
  std::map<std::int64_t, std::string> cmdlines;
  std::istringstream in(support::read_text(support::fixtures_dir() / x86 / "cmdlines.truth"));
  for (std::string line; std::getline(in, line);) {
    const auto tab = line.find('\t');
    cmdlines[std::stoll(line.substr(0, tab))] = line.substr(tab + 1);
  }
  REQUIRE(cmdlines.size() > 5);
  std::vector<std::string> kinds{"elf", "raw", "lime", "kdump"};
  if (sanitized) kinds.resize(1);
  for (const std::string& kind : kinds) {
    DYNAMIC_SECTION(kind) {
      const auto file = kind == "elf" ? core : support::derived_from_core(core, kind);
      const auto r = run_tool("ps --format json " + quote(file.string()), "ps-x86-" + kind);
      REQUIRE(r.status == 0);
      CHECK(r.err.empty());
      const auto ps = json::parse(r.out);
      check_tasks(ps, tasks);
      const auto got = by_pid(ps);
      for (const auto& [pid, line] : cmdlines) {
        INFO("cmdline of pid " << pid);
        std::string joined;
        for (const auto& a : got.at(pid)["cmdline"]) joined += (joined.empty() ? "" : " ") + a.get<std::string>();
        CHECK(joined == line);
      }
    }
  }
}

TEST_CASE("maps: /proc/PID/maps of every arm64 process, line for line", "[processes][fixture]") {
  const auto dump = arm_dump();
  const std::string want = support::read_text(support::fixtures_dir() / arm / "maps.truth");
  const auto r = run_tool("maps " + quote(dump.string()), "maps-arm64");
  REQUIRE(r.status == 0);
  CHECK(r.err.empty());
  CHECK(r.out == want);
  // One process alone: exactly its lines, no header.
  const auto one = run_tool("maps --pid 130 " + quote(dump.string()), "maps-arm64-130");
  REQUIRE(one.status == 0);
  const auto start = want.find("== 130\n") + 7;
  CHECK(one.out == want.substr(start, want.find("== ", start) - start));
  CHECK(one.out.find("rwxp") != std::string::npos); // the anonymous read-write-execute mapping
  // A pid that did not exist is an error, not an empty answer.
  CHECK(run_tool("maps --pid 99999 " + quote(dump.string()), "maps-arm64-none").status == 1);
}

TEST_CASE("files: every open file of every arm64 process, with fdinfo", "[processes][fixture]") {
  const auto dump = arm_dump();
  const auto truth = truth_json(arm, "fds.json");
  const auto r = run_tool("files --format json " + quote(dump.string()), "files-arm64");
  REQUIRE(r.status == 0);
  CHECK(r.err.empty());
  const auto got = json::parse(r.out);
  for (const auto& [pid, t] : truth.items()) {
    INFO("pid " << pid);
    REQUIRE(got.contains(pid));
    const auto& g = got[pid];
    CHECK(g["exe"] == t["exe"]);
    CHECK(g["cwd"] == t["cwd"]);
    CHECK(g["root"] == t["root"]);
    std::map<std::string, json> fds;
    for (const auto& f : g["fds"]) fds[std::to_string(f["fd"].get<std::uint64_t>())] = f;
    CHECK(fds.size() == t["fds"].size());
    for (const auto& [fd, tf] : t["fds"].items()) {
      INFO("fd " << fd);
      REQUIRE(fds.count(fd));
      const auto& f = fds.at(fd);
      CHECK(f["target"] == tf["target"]);
      // pid 1 is the shell that ran the listing: while it listed, its
      // stdin was redirected (fd 0 was a /proc file) and it kept reading
      // its script (fd 10), so those two moved before the dump.
      if (pid == "1" && (fd == "0" || fd == "10")) continue;
      CHECK(f["pos"] == tf["pos"]);
      CHECK(f["flags"] == tf["flags"]);
      CHECK(f["mnt_id"] == tf["mnt_id"]);
      CHECK(f["ino"] == tf["ino"]);
    }
  }
  // The text form: "FD -> TARGET" under "== PID", in fd order.
  const auto text = run_tool("files --pid 135 " + quote(dump.string()), "files-arm64-135");
  REQUIRE(text.status == 0);
  CHECK(text.out.find("4 -> /tmp/evaldeleted.txt (deleted)\n") != std::string::npos);
  CHECK(text.out.find("12 -> anon_inode:[eventfd]\n") != std::string::npos);
  CHECK(text.out.find("14 -> /mnt/bind/evalbind.txt\n") != std::string::npos);
  CHECK(text.out.find("5 -> pipe:[775]\n") != std::string::npos);
}

namespace {

// The physical address of `member` of the task with `pid` in the raw form
// of the arm64 dump, found the way an embedder would: through the library.
struct task_field {
  std::uint64_t va = 0, pa = 0;
};

task_field locate_task_field(const support::fs::path& raw, std::int64_t pid, std::string_view member) {
  const auto d = support::open_dump(raw);
  const auto& v = d->view;
  REQUIRE(v.memory->space);
  mquire::processes::process_view view(d->best().table, *v.types, v.memory->memory, *v.memory->space);
  auto tasks = view.tasks();
  REQUIRE(tasks);
  for (const auto& t : tasks->tasks)
    if (t.pid == pid) {
      const auto f = view.reader().types().field("task_struct", member);
      REQUIRE(f);
      const auto pa = v.memory->memory.physical(t.address + f->offset);
      REQUIRE(pa);
      return {t.address + f->offset, *pa};
    }
  FAIL("pid " << pid << " not found");
  return {};
}

support::fs::path damaged_copy(const support::fs::path& raw, std::uint64_t pa, std::uint64_t value,
                               const std::string& name) {
  auto bytes = support::read_file(raw);
  REQUIRE(pa + 8 <= bytes.size());
  for (int i = 0; i < 8; ++i) bytes[pa + i] = static_cast<std::uint8_t>(value >> (8 * i));
  const auto out = support::cache_dir() / name;
  REQUIRE(support::write_file(out, bytes));
  return out;
}

} // namespace

TEST_CASE("ps: a damaged task list gives only real rows and says what it lost", "[processes][fixture][damage]") {
  const auto raw = support::derived_from_core(arm_dump(), "raw");
  const auto tasks = truth_json(arm, "tasks.json");
  const auto truth = by_pid(tasks);
  const auto link = locate_task_field(raw, 128, "tasks.next"); // the process after 128 on the list
  struct damage {
    const char* name;
    std::uint64_t value;
  };
  std::vector<damage> damages{{"outside kernel space", 0x0000dead0000beefull},
                              {"looping back to itself", link.va},
                              {"into unmapped kernel space", 0xffff00000badf000ull}};
  if (sanitized) damages.resize(1);
  for (const damage& d : damages) {
    DYNAMIC_SECTION(d.name) {
      const auto copy = damaged_copy(raw, link.pa, d.value, std::string("damaged-tasks-") + std::to_string(d.value));
      const auto r = run_tool("ps --format json --input raw " + quote(copy.string()), "ps-damaged");
      REQUIRE(r.status == 0);
      CHECK(r.err.find("task list:") != std::string::npos); // the broken walk is said
      const auto ps = json::parse(r.out);
      std::size_t off_list = 0;
      for (const auto& row : ps) {
        const auto pid = row["pid"].get<std::int64_t>();
        INFO("pid " << pid);
        REQUIRE(truth.count(pid)); // every row is a task the guest had
        CHECK(row["comm"] == truth.at(pid)["task_comm"]);
        CHECK(row["ppid"] == truth.at(pid)["ppid"]);
        const auto s = row["sources"].get<std::vector<std::string>>();
        if (std::find(s.begin(), s.end(), "task_list") == s.end()) {
          ++off_list;
          CHECK(r.err.find("pid " + std::to_string(pid) + " ") != std::string::npos); // reported as hidden
        }
      }
      // The tasks the cut list no longer reaches are still found (the PID
      // IDR and the parents' children lists) and each one is reported.
      CHECK(off_list > 0);
      CHECK(ps.size() == tasks.size());
    }
  }
}

TEST_CASE("ps/maps/files: types from a BTF file or a Volatility symbol table give the same views",
          "[processes][fixture][types]") {
  const auto core = support::require_fixture(x86 + "/dump.elf.zst");
  const auto isf = support::fixtures_dir() / x86 / "reference.isf.json.xz";
  if (!support::fs::exists(isf)) support::skip("fixture " + x86 + "/reference.isf.json.xz not found");
  const auto btf = support::cache_dir() / "x86-7.2.btf";
  REQUIRE(run_tool("btf -o " + quote(btf.string()) + " " + quote(core.string()), "btf-x86").status == 0);
  std::vector<std::string> commands{"ps --format json", "maps", "files --format json"};
  if (sanitized) commands.resize(1);
  for (const std::string& cmd : commands) {
    DYNAMIC_SECTION(cmd) {
      const auto own = run_tool(cmd + " " + quote(core.string()), "types-own");
      REQUIRE(own.status == 0);
      REQUIRE(!own.out.empty());
      // The ISF was made by dwarf2json from the build's DWARF, not from BTF:
      // every offset the readers use comes from elsewhere, and the views
      // must not change.
      const auto from_isf = run_tool(cmd + " --isf " + quote(isf.string()) + " " + quote(core.string()), "types-isf");
      CHECK(from_isf.status == 0);
      CHECK(from_isf.err.empty());
      CHECK(from_isf.out == own.out);
      const auto from_btf = run_tool(cmd + " --btf " + quote(btf.string()) + " " + quote(core.string()), "types-btf");
      CHECK(from_btf.status == 0);
      CHECK(from_btf.out == own.out);
    }
  }
  // A file that is not a symbol table is refused with a reason.
  const auto bad = run_tool("ps --isf " + quote(btf.string()) + " " + quote(core.string()), "types-bad");
  CHECK(bad.status == 3);
  CHECK(bad.err.find("not a Volatility symbol table") != std::string::npos);
}

TEST_CASE("ps/maps/files on the 6.1 dumps: every source agrees, every parent is a task, nothing to warn of",
          "[processes][fixture]") {
  // Debian's 6.1 (thread_group lists, two-word capabilities, the first
  // maple-tree kernels): no task listing was recorded, so the views are
  // held to what must be true of any real machine's.
  std::vector<std::string> dumps{"x86_64-6.1-boot1", "x86_64-6.1-vmcoreinfo"};
  if (sanitized) dumps.resize(1);
  for (const std::string& fx : dumps) {
    DYNAMIC_SECTION(fx) {
      const auto dump = support::require_fixture(fx + "/dump.elf.zst");
      const auto r = run_tool("ps --format json " + quote(dump.string()), "ps-61");
      REQUIRE(r.status == 0);
      CHECK(r.err.empty());
      const auto ps = by_pid(json::parse(r.out));
      REQUIRE(ps.count(1));
      REQUIRE(ps.count(2));
      CHECK(ps.at(2)["kthread"] == true);
      CHECK(ps.at(1)["kthread"] == false);
      CHECK(ps.at(1)["cap_effective"] == "000001ffffffffff"); // CAP_LAST_CAP 40 on 6.1: both u32 words read
      for (const auto& [pid, row] : ps) {
        INFO("pid " << pid);
        const auto ppid = row["ppid"].get<std::int64_t>();
        CHECK((ppid == 0 || ps.count(ppid)));
        const auto sources = row["sources"].get<std::vector<std::string>>();
        CHECK(std::find(sources.begin(), sources.end(), "task_list") != sources.end());
        CHECK(std::find(sources.begin(), sources.end(), "pid_idr") != sources.end());
        CHECK(row["kthread"].get<bool>() == row["cmdline"].empty());
      }
      const auto maps = run_tool("maps --pid 1 " + quote(dump.string()), "maps-61");
      REQUIRE(maps.status == 0);
      CHECK(maps.err.empty());
      CHECK(maps.out.find(" /bin/busybox\n") != std::string::npos);
      CHECK(maps.out.find(" [stack]\n") != std::string::npos);
      CHECK(maps.out.find(" [vdso]\n") != std::string::npos);
      const auto files = run_tool("files --pid 1 " + quote(dump.string()), "files-61");
      REQUIRE(files.status == 0);
      CHECK(files.err.empty());
      CHECK(files.out.find("0 -> /dev/console\n") != std::string::npos);
    }
  }
}
