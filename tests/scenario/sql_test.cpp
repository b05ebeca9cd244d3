// SPDX-License-Identifier: Apache-2.0
// SQL over the arm64 and x86_64 7.2 dumps: every table against what the
// guests themselves printed (the same truth files the views are tested
// with), the joins analysts write (processes, their files and sockets;
// modules and the hooks into them), queries written for the Rust mquire's
// tables, pushdown (a query about one process reads one process), and the
// tool: table, CSV and JSON output, dot commands, the shell, bad SQL.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include <mquire/sql/sqlite_tables.hpp>

#include "support/fixtures.hpp"
#include "support/opened_dump.hpp"
#include "support/run.hpp"

using json = nlohmann::json;
using support::quote;
using support::run_tool;

namespace {

const std::string arm = "arm64-7.2-full";
const std::string x86 = "x86_64-7.2-modules";

using support::truth_json;

// A dump opened the way an embedder would, with its tables and one SQL
// session over them.
struct session {
  std::unique_ptr<support::opened_dump> dump;
  std::unique_ptr<mquire::tables::dump_tables> tables;
  std::unique_ptr<mquire::sql::database> db;
};

std::unique_ptr<session> open_session(const std::string& fixture) {
  auto s = std::make_unique<session>();
  s->dump = support::open_dump(support::require_fixture(fixture + "/dump.elf.zst"));
  s->tables = std::make_unique<mquire::tables::dump_tables>(s->dump->best().table, *s->dump->view.types,
                                                             *s->dump->view.memory);
  auto db = mquire::sql::database::open(*s->tables);
  REQUIRE(db);
  s->db = std::move(*db);
  return s;
}

// One session per dump for the whole run: the views are read once.
session& arm_session() {
  static std::unique_ptr<session> s = open_session(arm);
  return *s;
}

// The rows of one statement as JSON objects keyed by column.
std::vector<json> query(session& s, const std::string& sql) {
  std::vector<json> out;
  auto r = s.db->run(sql, [&](const mquire::sql::statement_result& res) {
    for (const auto& row : res.rows) {
      json o = json::object();
      for (std::size_t i = 0; i < res.columns.size(); ++i) {
        const auto& v = row[i];
        if (const auto* t = std::get_if<std::string>(&v)) o[res.columns[i]] = *t;
        else if (const auto* n = std::get_if<std::int64_t>(&v)) o[res.columns[i]] = *n;
        else if (const auto* d = std::get_if<double>(&v)) o[res.columns[i]] = *d;
        else o[res.columns[i]] = nullptr;
      }
      out.push_back(std::move(o));
    }
  });
  INFO(sql);
  REQUIRE(r);
  return out;
}

std::string hex_of(std::uint64_t v) {
  char b[24];
  std::snprintf(b, sizeof b, "%016llx", static_cast<unsigned long long>(v));
  return b;
}

} // namespace

TEST_CASE("sql: every table is there, with the Rust mquire's columns where it has the table", "[sql]") {
  // Column names and types the Rust mquire's tables have (its schemas),
  // which saved queries written for it rely on.
  const std::map<std::string, std::vector<std::string>> rust = {
      {"tasks", {"binary_path TEXT", "comm TEXT", "command_line TEXT", "environment TEXT", "gid INTEGER",
                 "main_thread INTEGER", "page_table TEXT", "pid INTEGER", "ppid INTEGER", "real_ppid INTEGER", "root_task TEXT HIDDEN",
                 "tgid INTEGER", "type TEXT", "uid INTEGER", "virtual_address TEXT", "source TEXT"}},
      {"task_open_files", {"fd INTEGER", "inode INTEGER", "path TEXT", "task TEXT", "tgid INTEGER", "virtual_address TEXT"}},
      {"memory_mappings", {"executable INTEGER", "file_offset TEXT", "file_path TEXT", "readable INTEGER",
                           "region_end TEXT", "region_start TEXT", "shared INTEGER", "task TEXT",
                           "virtual_address TEXT", "writable INTEGER"}},
      {"kernel_modules", {"gpl_only_symbols INTEGER", "list_head TEXT HIDDEN", "name TEXT", "parameters TEXT",
                          "src_version TEXT", "state TEXT", "taints INTEGER", "version TEXT", "virtual_address TEXT"}},
      {"kernel_module_mem_entries", {"end TEXT", "kernel_module TEXT", "mem_type TEXT", "size INTEGER", "start TEXT"}},
      {"kallsyms", {"symbol_name TEXT", "symbol_type TEXT", "virtual_address TEXT"}},
      {"network_connections", {"inode INTEGER", "local_address TEXT", "local_port INTEGER", "protocol TEXT",
                               "remote_address TEXT", "remote_port INTEGER", "state TEXT", "type TEXT",
                               "virtual_address TEXT"}},
      {"network_interfaces", {"active_mac_address TEXT", "additional_mac_address TEXT", "ip_address TEXT",
                              "ip_type TEXT", "mask TEXT", "name TEXT", "physical_mac_address TEXT", "state TEXT",
                              "virtual_address TEXT"}},
      {"dmesg", {"caller_id INTEGER", "data_source TEXT", "facility INTEGER", "level INTEGER", "message TEXT",
                 "sequence INTEGER", "timestamp_ns INTEGER"}},
      {"boot_time", {"boot_time INTEGER", "virtual_address TEXT"}},
      {"os_version", {"arch TEXT", "kernel_version TEXT", "system_version TEXT"}},
      {"system_info", {"domain TEXT", "hostname TEXT"}},
      {"task_capabilities", {"ambient INTEGER", "bounding INTEGER", "effective INTEGER", "inheritable INTEGER",
                             "name TEXT", "permitted INTEGER", "task TEXT"}},
      {"task_ptrace_flags", {"name TEXT", "task TEXT", "value TEXT"}},
      {"ftrace_ops", {"end_vaddr TEXT HIDDEN", "flags INTEGER", "func TEXT", "func_addr TEXT",
                      "start_vaddr TEXT HIDDEN", "virtual_address TEXT"}},
      {"log_messages", {"level INTEGER", "location TEXT", "message TEXT", "time TEXT", "type TEXT"}},
      {"syslog_file", {"data_source TEXT", "file_virtual_address TEXT", "hostname TEXT", "message TEXT", "process TEXT",
                       "region_end TEXT", "region_start TEXT", "task_virtual_address TEXT", "tgid INTEGER",
                       "timestamp TEXT"}},
  };
  for (const auto& [table, columns] : rust) {
    INFO(table);
    const auto* s = mquire::tables::find_schema(table);
    REQUIRE(s);
    const auto sql = mquire::sql::schema_sql(*s);
    for (const auto& c : columns) CHECK(sql.find(c) != std::string::npos);
    // The Rust mquire's columns come in its (alphabetical) order.
    std::vector<std::string> names;
    for (const auto& c : s->columns) names.emplace_back(c.name);
    CHECK(std::is_sorted(names.begin(), names.end()));
  }
  for (const auto& s : mquire::tables::all_schemas()) {
    INFO(s.name);
    CHECK(!s.doc.empty());
    for (const auto& c : s.columns) CHECK(!c.doc.empty()); // every column says what it holds
  }
  CHECK(mquire::tables::all_schemas().size() == 22);
}

TEST_CASE("sql: addresses as the Rust mquire writes them, and back", "[sql]") {
  using mquire::tables::parse_vaddr;
  CHECK(mquire::tables::vaddr_text(0x42703000, 0xffff00000365a500) == "vaddr(0x0000000042703000, 0xffff00000365a500)");
  CHECK(parse_vaddr("vaddr(0x0000000042703000, 0xffff00000365a500)") == 0xffff00000365a500ull);
  CHECK(parse_vaddr("VADDR(0x1234, 0x5678)") == 0x5678u);
  CHECK(parse_vaddr(" 0xffffffff81000000 ") == 0xffffffff81000000ull);
  CHECK(parse_vaddr("ffffffff81000000") == 0xffffffff81000000ull);
  CHECK(!parse_vaddr("vaddr(0x1234 0x5678)"));
  CHECK(!parse_vaddr("vaddr(0x1234, 0x5678) extra"));
  CHECK(!parse_vaddr("0x1ffffffffffffffff")); // 17 digits
  CHECK(!parse_vaddr(""));
  const auto parts = mquire::tables::detail::syslog_parts("Dec  3 08:00:00 evalhost evald[4242]: seq=1 x");
  CHECK(parts[0] == "Dec  3 08:00:00");
  CHECK(parts[1] == "evalhost");
  CHECK(parts[2] == "evald[4242]:");
  CHECK(parts[3] == "seq=1 x");
  const auto rfc = mquire::tables::detail::syslog_parts("2026-12-03T08:00:00+00:00 host sshd[1]: hello there");
  CHECK(rfc[0] == "2026-12-03T08:00:00+00:00");
  CHECK(rfc[2] == "sshd[1]:");
  CHECK(rfc[3] == "hello there");
  CHECK(mquire::tables::detail::syslog_parts("short line")[3] == "short line");
  CHECK(mquire::tables::detail::ipv4_mask(24) == "255.255.255.0");
  CHECK(mquire::tables::detail::ipv4_mask(0) == "0.0.0.0");
  CHECK(mquire::tables::detail::ipv4_mask(32) == "255.255.255.255");
}

TEST_CASE("sql: tasks, command lines, environments and capabilities of the arm64 dump, as its /proc showed them",
          "[sql][fixture]") {
  auto& s = arm_session();
  // Every task the guest listed, found through the task list and the PID namespace.
  std::map<std::int64_t, json> got;
  for (auto& r : query(s, "SELECT pid, tgid, real_ppid, comm, type FROM tasks WHERE source = 'task_list'"))
    got[r["pid"].get<std::int64_t>()] = r;
  const auto tasks = truth_json(arm, "tasks.json");
  CHECK(got.size() == tasks.size());
  for (const auto& t : tasks) {
    const auto pid = t["pid"].get<std::int64_t>();
    INFO("pid " << pid);
    REQUIRE(got.count(pid));
    CHECK(got[pid]["tgid"] == t["tgid"]);
    CHECK(got[pid]["real_ppid"] == t["ppid"]);
    CHECK(got[pid]["comm"] == t["task_comm"]);
    const std::string type = t["kthread"].get<bool>() ? "kthread"
                             : t["pid"] == t["tgid"]  ? "thread_group_leader"
                                                      : "thread";
    CHECK(got[pid]["type"] == type);
  }
  CHECK(query(s, "SELECT count(*) AS n FROM tasks WHERE source = 'pid_ns'")[0]["n"] == tasks.size());
  // Every task was found by both of the Rust mquire's sources (and more): two rows each, sources naming all.
  CHECK(query(s, "SELECT count(*) AS n FROM tasks")[0]["n"] == 2 * tasks.size());
  CHECK(query(s, "SELECT count(*) AS n FROM tasks WHERE sources NOT LIKE 'task_list,pid_ns%'")[0]["n"] == 0);
  // Most are found a third way too: as a child their parent names.
  CHECK(query(s, "SELECT count(*) AS n FROM tasks WHERE sources = 'task_list,pid_ns,children'")[0]["n"].get<int>() > 100);
  // Nothing one source sees and the other misses (the Rust mquire's hidden-process check).
  CHECK(query(s, "WITH a AS MATERIALIZED (SELECT virtual_address FROM tasks WHERE source = 'task_list'), "
                 "b AS MATERIALIZED (SELECT virtual_address FROM tasks WHERE source = 'pid_ns') "
                 "SELECT * FROM a FULL OUTER JOIN b ON a.virtual_address = b.virtual_address "
                 "WHERE a.virtual_address IS NULL OR b.virtual_address IS NULL").empty());
  // Command lines (arguments joined by spaces) and executables.
  std::map<std::int64_t, json> procs;
  for (auto& r : query(s, "SELECT pid, binary_path, command_line, environment, uid, ppid FROM tasks "
                          "WHERE source = 'task_list' AND type = 'thread_group_leader'"))
    procs[r["pid"].get<std::int64_t>()] = r;
  for (const auto& c : truth_json(arm, "cmdlines.json")) {
    const auto pid = c["pid"].get<std::int64_t>();
    INFO("cmdline of pid " << pid);
    REQUIRE(procs.count(pid));
    std::string joined;
    for (const auto& a : c["argv"]) joined += (joined.empty() ? "" : " ") + a.get<std::string>();
    CHECK(procs[pid]["command_line"] == joined);
    CHECK(procs[pid]["binary_path"] == c["exe"]);
  }
  // Environments: the entries by name, each followed by ", ".
  const auto environ = truth_json(arm, "environ.json");
  for (const auto& [pid, entries] : environ.items()) {
    INFO("environ of pid " << pid);
    std::map<std::string, std::string> by_name;
    for (const auto& e : entries) {
      const auto text = e.get<std::string>();
      by_name[text.substr(0, text.find('='))] = text;
    }
    std::string want;
    for (const auto& [name, entry] : by_name) want += entry + ", ";
    const auto& row = procs[std::stoll(pid)];
    if (want.empty()) CHECK(row["environment"].is_null());
    else CHECK(row["environment"] == want);
  }
  CHECK(procs.at(126)["uid"] == 1000);
  // The Rust mquire's main_thread: one per thread group.
  CHECK(query(s, "SELECT count(*) AS n FROM tasks WHERE source = 'task_list' AND main_thread = 1")[0]["n"] ==
        query(s, "SELECT count(DISTINCT tgid) AS n FROM tasks")[0]["n"]);
  // Nothing in this dump was unreadable: log_messages is empty.
  CHECK(query(s, "SELECT * FROM log_messages").empty());
  for (const auto& st : truth_json(arm, "status.json")) {
    const auto pid = st["pid"].get<std::int64_t>();
    INFO("status of pid " << pid);
    const auto row = query(s, "SELECT uid, euid, gid, tracer_pid FROM tasks WHERE source = 'task_list' AND pid = " +
                                  std::to_string(pid));
    REQUIRE(row.size() == 1);
    CHECK(row[0]["uid"] == st["uid"][0]);
    CHECK(row[0]["euid"] == st["uid"][1]);
    CHECK(row[0]["gid"] == st["gid"][0]);
    CHECK(row[0]["tracer_pid"] == st["tracer_pid"]);
  }
  // Kernel threads run on the kernel's page tables; a process's mappings are read through its own.
  const auto kernel_root = query(s, "SELECT DISTINCT page_table FROM tasks WHERE type = 'kthread'");
  REQUIRE(kernel_root.size() == 1);
  // vaddr(0xPAGETABLE, ...) and PhysicalAddress(0xPAGETABLE): the same 16 digits.
  CHECK(query(s, "SELECT DISTINCT upper(substr(virtual_address, 9, 16)) AS r FROM tasks")[0]["r"] ==
        kernel_root[0]["page_table"].get<std::string>().substr(18, 16));
  CHECK(query(s, "SELECT count(*) AS n FROM tasks t JOIN memory_mappings m ON m.task = t.virtual_address WHERE "
                 "t.source = 'task_list' AND substr(t.page_table, 19, 16) != upper(substr(m.region_start, 9, 16))")
            [0]["n"] == 0);
  CHECK(kernel_root[0]["page_table"].get<std::string>().rfind("PhysicalAddress(0x", 0) == 0);
  CHECK(query(s, "SELECT DISTINCT raw_vaddr(root_task) AS r FROM tasks")[0]["r"] ==
        query(s, "SELECT address FROM kallsyms WHERE symbol_name = 'init_task'")[0]["address"]);
  CHECK(procs.at(137)["ppid"] == 127); // traced: its parent is the tracer
  // The LD_PRELOAD process, as the Rust mquire's saved query finds it.
  const auto preload = query(s, "SELECT pid FROM tasks WHERE source = 'task_list' AND environment LIKE '%LD_PRELOAD=%'");
  REQUIRE(preload.size() == 1);
  CHECK(preload[0]["pid"] == 128);
  // Capabilities, one row per capability, back into /proc/PID/status's masks.
  std::map<std::int64_t, std::map<std::string, std::uint64_t>> caps;
  for (auto& r : query(s, "SELECT t.pid, c.name, c.effective, c.permitted, c.inheritable, c.bounding, c.ambient "
                          "FROM tasks t JOIN task_capabilities c ON c.task = t.virtual_address "
                          "WHERE t.source = 'task_list' AND t.type != 'thread'")) {
    const auto name = r["name"].get<std::string>();
    REQUIRE(name.rfind("CAP_UNKNOWN_BIT_", 0) != 0);
    unsigned bit = 0;
    for (; bit < mquire::tables::detail::capability_names.size(); ++bit)
      if (name == mquire::tables::detail::capability_names[bit]) break;
    REQUIRE(bit < mquire::tables::detail::capability_names.size());
    auto& m = caps[r["pid"].get<std::int64_t>()];
    for (const char* set : {"effective", "permitted", "inheritable", "bounding", "ambient"})
      m[set] |= static_cast<std::uint64_t>(r[set].get<std::int64_t>()) << bit;
  }
  for (const auto& st : truth_json(arm, "status.json")) {
    const auto pid = st["pid"].get<std::int64_t>();
    if (pid != st["tgid"].get<std::int64_t>()) continue;
    INFO("capabilities of pid " << pid);
    REQUIRE(caps.count(pid));
    CHECK(hex_of(caps[pid]["effective"]) == st["cap_eff"]);
    CHECK(hex_of(caps[pid]["permitted"]) == st["cap_prm"]);
    CHECK(hex_of(caps[pid]["inheritable"]) == st["cap_inh"]);
    CHECK(hex_of(caps[pid]["bounding"]) == st["cap_bnd"]);
    CHECK(hex_of(caps[pid]["ambient"]) == st["cap_amb"]);
  }
  // The traced process's ptrace flags.
  const auto pt = query(s, "SELECT f.name, f.value FROM tasks t JOIN task_ptrace_flags f ON f.task = t.virtual_address "
                           "WHERE t.pid = 137 AND t.source = 'task_list'");
  std::map<std::string, std::string> flags;
  for (const auto& r : pt) flags[r["name"]] = r["value"];
  CHECK(flags["PT_PTRACED"] == "1");
  CHECK(flags["raw"] != "0x00000000");
  CHECK(flags["unused"] == "0x00000000");
}

TEST_CASE("sql: open files and memory mappings of every arm64 process, and the joins through them", "[sql][fixture]") {
  auto& s = arm_session();
  const auto fds = truth_json(arm, "fds.json");
  std::map<std::pair<std::string, std::string>, json> got;
  for (auto& r : query(s, "SELECT tgid, fd, path, inode, pos, mnt_id, flags FROM task_open_files"))
    got[{std::to_string(r["tgid"].get<std::int64_t>()), std::to_string(r["fd"].get<std::int64_t>())}] = r;
  std::size_t want = 0;
  for (const auto& [pid, t] : fds.items())
    for (const auto& [fd, tf] : t["fds"].items()) {
      INFO("pid " << pid << " fd " << fd);
      ++want;
      REQUIRE(got.count({pid, fd}));
      const auto& g = got.at({pid, fd});
      CHECK(g["path"] == tf["target"]);
      if (pid == "1" && (fd == "0" || fd == "10")) continue; // moved while the guest listed them
      CHECK(g["pos"] == tf["pos"]);
      CHECK(g["mnt_id"] == tf["mnt_id"]);
      CHECK(g["inode"] == tf["ino"]);
      CHECK(g["flags"] == std::stoll(tf["flags"].get<std::string>(), nullptr, 8));
    }
  CHECK(got.size() == want);
  // memory_mappings, back into /proc/PID/maps's lines.
  std::map<std::int64_t, std::string> maps;
  for (auto& r : query(s, "SELECT pid, raw_vaddr(region_start) AS s, raw_vaddr(region_end) AS e, perms, file_offset, "
                          "inode, name FROM memory_mappings ORDER BY pid, s")) {
    const auto start = std::stoull(r["s"].get<std::string>(), nullptr, 16);
    const auto end = std::stoull(r["e"].get<std::string>(), nullptr, 16);
    const std::uint64_t offset = r["file_offset"].is_null() ? 0 : std::stoull(r["file_offset"].get<std::string>());
    char head[128];
    std::snprintf(head, sizeof head, "%08llx-%08llx %s %08llx", static_cast<unsigned long long>(start),
                  static_cast<unsigned long long>(end), r["perms"].get<std::string>().c_str(),
                  static_cast<unsigned long long>(offset));
    maps[r["pid"].get<std::int64_t>()] += std::string(head) + " " + std::to_string(r["inode"].get<std::int64_t>()) + " " +
                                          (r["name"].is_null() ? "" : r["name"].get<std::string>()) + "\n";
  }
  // maps.truth: "== PID" then its lines; compared without the device and the padding.
  std::istringstream in(support::read_text(support::fixtures_dir() / arm / "maps.truth"));
  std::map<std::int64_t, std::string> truth;
  std::int64_t pid = -1;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("== ", 0) == 0) {
      pid = std::stoll(line.substr(3));
      truth[pid];
      continue;
    }
    std::istringstream w(line);
    std::string range, perms, offset, dev, inode, name;
    w >> range >> perms >> offset >> dev >> inode;
    std::getline(w, name);
    name.erase(0, name.find_first_not_of(' '));
    truth[pid] += range + " " + perms + " " + offset + " " + inode + " " + name + "\n";
  }
  for (auto& [p, text] : truth) {
    INFO("maps of pid " << p);
    CHECK(maps[p] == text);
  }
  // The anonymous writable and executable region (the Rust mquire's W+X check).
  const auto wx = query(s, "SELECT t.pid FROM tasks t JOIN memory_mappings m ON m.task = t.virtual_address "
                           "WHERE t.source = 'task_list' AND t.type = 'thread_group_leader' "
                           "AND m.writable = 1 AND m.executable = 1 AND m.file_path IS NULL");
  REQUIRE(wx.size() == 1);
  CHECK(wx[0]["pid"] == 130);
  // Processes, their descriptors and the sockets those name: every socket
  // of the guest's listings with a holder, as net --format json names them.
  const auto held = query(s, "SELECT t.pid, tof.fd, nc.protocol, nc.local_port, nc.state, nc.inode FROM tasks t "
                             "JOIN task_open_files tof ON tof.task = t.virtual_address "
                             "JOIN network_connections nc ON nc.inode = tof.inode "
                             "WHERE t.source = 'task_list' ORDER BY t.pid, tof.fd");
  std::set<std::int64_t> inodes;
  for (const auto& r : held) inodes.insert(r["inode"].get<std::int64_t>());
  const auto net = truth_json(arm, "net.json");
  std::set<std::int64_t> inet;
  for (const char* l : {"tcp", "tcp6", "udp", "udp6", "raw", "raw6"})
    for (const auto& so : net[l]) inet.insert(so["inode"].get<std::int64_t>());
  for (const auto i : inodes) CHECK(inet.count(i));
  const auto nc = std::find_if(held.begin(), held.end(), [](const json& r) { return r["local_port"] == 4444; });
  REQUIRE(nc != held.end());
  CHECK((*nc)["pid"] == 123);
  CHECK((*nc)["state"] == "listen");
}

TEST_CASE("sql: the machine's state in tables, against the arm64 guest's own listings", "[sql][fixture]") {
  auto& s = arm_session();
  // network_connections: /proc/net/{tcp,udp,raw}{,6}, socket for socket.
  const auto net = truth_json(arm, "net.json");
  for (const char* l : {"tcp", "tcp6", "udp", "udp6", "raw", "raw6"}) {
    INFO(l);
    const auto rows = query(s, std::string("SELECT * FROM network_connections WHERE listing = '") + l + "'");
    REQUIRE(rows.size() == net[l].size());
    for (std::size_t i = 0; i < rows.size(); ++i) {
      const auto& w = net[l][i];
      CHECK(rows[i]["local_address"] == w["local"]);
      CHECK(rows[i]["local_port"] == w["local_port"]);
      // An unset remote end is NULL, as the Rust mquire gives it.
      if (w["remote"] == "0.0.0.0" || w["remote"] == "::") CHECK(rows[i]["remote_address"].is_null());
      else CHECK(rows[i]["remote_address"] == w["remote"]);
      if (w["remote_port"] == 0) CHECK(rows[i]["remote_port"].is_null());
      else CHECK(rows[i]["remote_port"] == w["remote_port"]);
      CHECK(rows[i]["inode"] == w["inode"]);
      CHECK(rows[i]["uid"] == w["uid"]);
      if (w["state"].is_string()) {
        auto state = w["state"].get<std::string>();
        for (char& c : state) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        CHECK(rows[i]["state"] == state);
      }
      CHECK(rows[i]["type"] == (std::string(l).back() == '6' ? "ipv6" : "ipv4"));
    }
  }
  // network_interfaces: one row per address, as ip -o addr lists them.
  std::map<std::string, std::vector<std::string>> addrs;
  for (auto& r : query(s, "SELECT name, ip_address, mask, ip_type, active_mac_address FROM network_interfaces"))
    if (!r["ip_address"].is_null())
      addrs[r["name"]].push_back(r["ip_address"].get<std::string>() + "/" +
                                 (r["ip_type"] == "ipv6" ? r["mask"].get<std::string>() : std::string("")));
  for (const auto& i : truth_json(arm, "interfaces.json")) {
    INFO(i["name"]);
    std::vector<std::string> want;
    for (const auto& a : i["addrs"]) {
      auto text = a["addr"].get<std::string>();
      if (a["family"] == "inet") text = text.substr(0, text.find('/') + 1); // masks checked below
      want.push_back(text);
    }
    auto got = addrs[i["name"]];
    std::sort(got.begin(), got.end());
    std::sort(want.begin(), want.end());
    CHECK(got == want);
  }
  CHECK(query(s, "SELECT mask FROM network_interfaces WHERE name = 'evalbr0'")[0]["mask"] == "255.255.255.0");
  for (const auto& i : truth_json(arm, "interfaces.json")) {
    INFO(i["name"]);
    const auto row = query(s, "SELECT ifindex, mtu, active_mac_address, physical_mac_address, additional_mac_address "
                              "FROM network_interfaces WHERE name = '" + i["name"].get<std::string>() + "' LIMIT 1");
    REQUIRE(row.size() == 1);
    CHECK(row[0]["ifindex"] == i["index"]);
    CHECK(row[0]["mtu"] == i["mtu"]);
    CHECK(row[0]["active_mac_address"] == i["mac"]);
    CHECK(row[0]["additional_mac_address"].is_null()); // set up with one address each
    CHECK(row[0]["physical_mac_address"].is_null());   // software devices: no hardware address of their own
  }
  CHECK(query(s, "SELECT active_mac_address AS m FROM network_interfaces WHERE name = 'eval0' LIMIT 1")[0]["m"] ==
        "02:e0:a1:00:00:01");
  // dmesg: the log's records, line for line with dmesg's text.
  std::istringstream log(support::read_text(support::fixtures_dir() / arm / "dmesg.truth"));
  const auto records = query(s, "SELECT timestamp_ns, message FROM dmesg ORDER BY sequence");
  std::size_t i = 0;
  for (std::string line; std::getline(log, line);) {
    if (line.empty() || line[0] != '[') continue; // a record's continuation lines
    REQUIRE(i < records.size());
    const auto close = line.find("] ");
    CHECK(line.substr(close + 2) == records[i]["message"].get<std::string>().substr(0, records[i]["message"].get<std::string>().find('\n')));
    ++i;
  }
  CHECK(i == records.size());
  // The three lines the guest wrote to /dev/kmsg: their levels, the user facility, dmesg's timestamps.
  const auto kmsg = query(s, "SELECT level, facility, timestamp_ns, data_source FROM dmesg WHERE message LIKE "
                             "'evalfull: kmsg line %' ORDER BY sequence");
  REQUIRE(kmsg.size() == 3);
  const std::int64_t stamps[] = {3506204, 3508757, 3510189}; // [    3.506204] ... in dmesg.truth
  for (int k = 0; k < 3; ++k) {
    CHECK(kmsg[k]["level"] == 5 - k);
    CHECK(kmsg[k]["facility"] == 1);
    CHECK(kmsg[k]["timestamp_ns"].get<std::int64_t>() / 1000 == stamps[k]);
    CHECK(kmsg[k]["data_source"] == "printk_ringbuffer");
  }
  // The machine's names and boot time.
  const auto system = truth_json(arm, "system.json");
  const auto info = query(s, "SELECT * FROM system_info, boot_time, os_version");
  REQUIRE(info.size() == 1);
  CHECK(info[0]["hostname"] == system["hostname"]);
  CHECK(info[0]["domain"] == system["domainname"]);
  CHECK(std::to_string(info[0]["boot_time"].get<std::int64_t>()) == system["btime"]);
  const auto uname = support::read_text(support::fixtures_dir() / arm / "uname.txt");
  CHECK(uname.find(" " + info[0]["kernel_version"].get<std::string>() + " " +
                   info[0]["system_version"].get<std::string>() + " " + info[0]["arch"].get<std::string>()) !=
        std::string::npos);
  // Mounts, as mountinfo's fields.
  const auto mounts = query(s, "SELECT * FROM mounts");
  const auto mj = truth_json(arm, "mounts.json");
  REQUIRE(mounts.size() == mj.size());
  for (std::size_t k = 0; k < mounts.size(); ++k) {
    INFO("mount " << k);
    CHECK(mounts[k]["mount_id"] == mj[k]["mount_id"]);
    CHECK(mounts[k]["parent_id"] == mj[k]["parent_id"]);
    CHECK(mounts[k]["mount_point"] == mj[k]["mountpoint"]);
    CHECK(mounts[k]["fs_type"] == mj[k]["fstype"]);
    CHECK(mounts[k]["source"] == mj[k]["source"]);
    CHECK(mounts[k]["options"] == mj[k]["options"]);
    CHECK(mounts[k]["super_options"] == mj[k]["super_options"]);
    CHECK(std::to_string(mounts[k]["major"].get<int>()) + ":" + std::to_string(mounts[k]["minor"].get<int>()) ==
          mj[k]["dev"]);
  }
  // The system log from the page cache, line for line, with the logger holding it.
  std::istringstream messages(support::read_text(support::fixtures_dir() / arm / "messages.log"));
  const auto lines = query(s, "SELECT timestamp, hostname, process, message, tgid FROM syslog_file");
  std::size_t n = 0;
  for (std::string line; std::getline(messages, line); ++n) {
    REQUIRE(n < lines.size());
    const auto& l = lines[n];
    CHECK(l["timestamp"].get<std::string>() + " " + l["hostname"].get<std::string>() + " " +
              l["process"].get<std::string>() + " " + l["message"].get<std::string>() ==
          line);
  }
  CHECK(n == lines.size());
  CHECK(lines.front()["tgid"] == 135);
  // The log in cached_files: its size as the guest saw it, every page cached.
  const auto log_file = query(s, "SELECT size, cached_pages, fs_type, deleted, mode FROM cached_files WHERE path = "
                                 "'/var/log/messages'");
  REQUIRE(log_file.size() == 1);
  CHECK(log_file[0]["size"] == truth_json(arm, "messages.json")["size"]);
  CHECK(log_file[0]["cached_pages"] == (log_file[0]["size"].get<std::int64_t>() + 4095) / 4096);
  CHECK(log_file[0]["fs_type"] == "tmpfs");
  CHECK(log_file[0]["deleted"] == 0);
  CHECK((log_file[0]["mode"].get<std::int64_t>() & 0170000) == 0100000);
  CHECK(query(s, "SELECT count(*) AS n FROM cached_files WHERE deleted = 1 AND path LIKE '%evaldeleted%'")[0]["n"] == 1);
}

TEST_CASE("sql: modules, their memory and what points into them; kallsyms; BTF", "[sql][fixture]") {
  auto& s = arm_session();
  // kernel_modules against /proc/modules.
  std::istringstream in(support::read_text(support::fixtures_dir() / arm / "modules.truth"));
  const auto mods = query(s, "SELECT name, size, users, base, state, used_by FROM kernel_modules");
  std::size_t k = 0;
  for (std::string line; std::getline(in, line); ++k) {
    REQUIRE(k < mods.size());
    std::istringstream w(line);
    std::string name, size, users, used, state, base;
    w >> name >> size >> users >> used >> state >> base;
    CHECK(mods[k]["name"] == name);
    CHECK(std::to_string(mods[k]["size"].get<std::int64_t>()) == size);
    CHECK(std::to_string(mods[k]["users"].get<std::int64_t>()) == users);
    CHECK("0x" + mods[k]["base"].get<std::string>() == base);
    CHECK(mods[k]["state"] == "live");
    CHECK(mods[k]["used_by"].get<std::string>() + (used == "-" ? "-" : ",") == used);
  }
  CHECK(k == mods.size());
  // What struct module itself holds: bridge's MODULE_VERSION, its srcversion, the dummy's one parameter.
  const auto bridge = query(s, "SELECT version, src_version, taints, taint_letters, gpl_only_symbols FROM "
                               "kernel_modules WHERE name = 'bridge'");
  REQUIRE(bridge.size() == 1);
  CHECK(bridge[0]["version"] == "2.3");
  CHECK(bridge[0]["src_version"].get<std::string>().size() >= 20);
  CHECK(bridge[0]["taints"] == 0);
  CHECK(bridge[0]["taint_letters"] == "");
  CHECK(query(s, "SELECT parameters FROM kernel_modules WHERE name = 'dummy'")[0]["parameters"] ==
        "numdummies (perm: 0o0)");
  const auto kinds = query(s, "SELECT DISTINCT mem_type FROM kernel_module_mem_entries ORDER BY mem_type");
  std::vector<std::string> kind_names;
  for (const auto& r : kinds) kind_names.push_back(r["mem_type"]);
  CHECK(kind_names == std::vector<std::string>{"data", "ro_after_init", "rodata", "text"});
  // Memory regions: each module's text holds its text symbols.
  const auto outside = query(s, "SELECT k.symbol_name FROM kallsyms k JOIN kernel_modules m ON m.name = k.module "
                                "WHERE k.symbol_type IN ('t', 'T') AND NOT EXISTS (SELECT 1 FROM "
                                "kernel_module_mem_entries r WHERE r.kernel_module = m.virtual_address AND "
                                "r.mem_type IN ('text', 'init_text') AND k.address >= r.start AND k.address < r.end)");
  CHECK(outside.empty());
  CHECK(query(s, "SELECT sum(r.size) AS n FROM kernel_module_mem_entries r JOIN kernel_modules m ON "
                 "r.kernel_module = m.virtual_address WHERE m.name = 'bridge'")[0]["n"] == 331776);
  // Modules joined to the hooks that point into them: every hook a module backs names a loaded module.
  const auto in_modules = query(s, "SELECT h.name, h.slot, m.name AS module FROM hooks h JOIN kernel_modules m ON "
                                   "h.module = m.name");
  CHECK(in_modules.size() == query(s, "SELECT * FROM hooks WHERE module IS NOT NULL").size());
  CHECK(query(s, "SELECT * FROM hooks WHERE backed = 0").empty());
  // The Rust mquire's unbacked-ftrace check: nothing outside the kernel's text and the modules'.
  const auto unbacked =
      query(s, "SELECT h.func_addr FROM ftrace_ops h WHERE h.func_addr NOT BETWEEN "
               "expect((SELECT raw_vaddr(virtual_address) FROM kallsyms WHERE symbol_name = '_stext'), 'no _stext') AND "
               "expect((SELECT raw_vaddr(virtual_address) FROM kallsyms WHERE symbol_name = '_etext'), 'no _etext') "
               "AND NOT EXISTS (SELECT 1 FROM kernel_modules m JOIN kernel_module_mem_entries r ON "
               "r.kernel_module = m.virtual_address WHERE r.mem_type IN ('text', 'init_text') AND "
               "h.func_addr >= r.start AND h.func_addr < r.end)");
  CHECK(unbacked.empty());
  // tracing.truth: one ops, global_ops, calling function_trace_call; one kprobe on do_sys_openat2.
  const auto ops = query(s, "SELECT f.symbol, f.backed, k.symbol_name FROM ftrace_ops f JOIN kallsyms k ON "
                            "k.virtual_address = f.virtual_address");
  REQUIRE(ops.size() == 1);
  CHECK(ops[0]["symbol_name"] == "global_ops");
  CHECK(ops[0]["symbol"] == "function_trace_call+0x0/0x170");
  CHECK(ops[0]["backed"] == 1);
  const auto probes = query(s, "SELECT name, slot, type, symbol, expected FROM hooks WHERE kind = 'kprobe'");
  REQUIRE(probes.size() == 1);
  CHECK(probes[0]["name"] == "do_sys_openat2");
  CHECK(probes[0]["type"] == "pre_handler");
  CHECK(probes[0]["symbol"].get<std::string>().rfind("kprobe_dispatcher+0x0/", 0) == 0);
  CHECK(probes[0]["expected"] == 1);
  // The system call table: every slot backed and expected.
  CHECK(query(s, "SELECT count(*) AS n FROM hooks WHERE name = 'sys_call_table' AND expected = 1")[0]["n"].get<int>() >
        400);
  // expect() fails the query with its message.
  {
    auto r = s.db->run("SELECT expect((SELECT 1 WHERE 0), 'no such symbol')", [](const auto&) {});
    REQUIRE(!r);
    CHECK(r.err().message == "no such symbol");
  }
  // kallsyms: the kernel's symbols then the modules', as /proc/kallsyms lists them.
  const auto count = query(s, "SELECT count(*) AS n FROM kallsyms")[0]["n"].get<std::size_t>();
  const auto dump = support::require_fixture(arm + "/kallsyms.truth.zst");
  const auto truth = support::read_text(dump);
  CHECK(count == static_cast<std::size_t>(std::count(truth.begin(), truth.end(), '\n')));
  const auto stext = query(s, "SELECT address, symbol_type FROM kallsyms WHERE symbol_name = '_stext'");
  REQUIRE(stext.size() == 1);
  CHECK(truth.find(stext[0]["address"].get<std::string>() + " " + stext[0]["symbol_type"].get<std::string>() +
                   " _stext\n") != std::string::npos);
  CHECK(truth.find(query(s, "SELECT address FROM kallsyms WHERE symbol_name = 'br_dev_xmit'")[0]["address"]
                       .get<std::string>() + " t br_dev_xmit\t[bridge]\n") != std::string::npos);
  // BTF: task_struct and its pid member.
  const auto pid = query(s, "SELECT m.bit_offset, t.size FROM btf_types t JOIN btf_members m ON m.type_id = t.id "
                            "WHERE t.kind = 'STRUCT' AND t.name = 'task_struct' AND m.member = 'pid'");
  REQUIRE(pid.size() == 1);
  CHECK(pid[0]["bit_offset"].get<std::int64_t>() % 32 == 0);
  CHECK(pid[0]["size"].get<std::int64_t>() > 1000);
}

TEST_CASE("sql: a constraint on a process reads that process alone", "[sql][fixture]") {
  // A fresh session, so that nothing was read before.
  auto s = open_session(arm);
  const auto& work = s->tables->work();
  const auto one = query(*s, "SELECT fd, path FROM task_open_files WHERE task = (SELECT virtual_address FROM tasks "
                             "WHERE pid = 135 AND source = 'task_list')");
  CHECK(work.task_files == 1);
  CHECK(work.task_details == 0); // tasks' command lines were not asked for
  CHECK(std::any_of(one.begin(), one.end(), [](const json& r) { return r["path"] == "/tmp/evaldeleted.txt (deleted)"; }));
  query(*s, "SELECT * FROM memory_mappings WHERE pid = 130");
  CHECK(work.task_maps == 1);
  query(*s, "SELECT * FROM task_open_files WHERE tgid IN (1, 126)");
  CHECK(work.task_files == 3);
  // A join from a few tasks reaches only those.
  query(*s, "SELECT m.name FROM tasks t JOIN memory_mappings m ON m.task = t.virtual_address WHERE t.pid IN (1, 121)");
  CHECK(work.task_maps == 3);
  // Reading again reads nothing new: the views are kept for the session.
  query(*s, "SELECT * FROM task_open_files WHERE task = (SELECT virtual_address FROM tasks WHERE pid = 135 LIMIT 1)");
  CHECK(work.task_files == 3);
  // An address no task has gives no rows, and reads nothing.
  CHECK(query(*s, "SELECT * FROM task_open_files WHERE task = 'vaddr(0x0, 0xffff000000001000)'").empty());
  CHECK(query(*s, "SELECT * FROM task_open_files WHERE task = 'not an address'").empty());
  CHECK(work.task_files == 3);
  // Without a constraint, every process.
  query(*s, "SELECT count(*) FROM task_open_files");
  CHECK(work.task_files > 30);
}

TEST_CASE("sql: mquire query prints tables, CSV and JSON; dot commands; bad SQL is an error", "[sql][fixture][tool]") {
  const auto dump = support::require_fixture(x86 + "/dump.elf.zst");
  const std::string d = quote(dump.string());
  // README's join: the process listening on 4444.
  const std::string join = "SELECT t.pid, t.comm, tof.fd, nc.local_port, nc.state FROM tasks t JOIN task_open_files tof "
                           "ON tof.task = t.virtual_address JOIN network_connections nc ON nc.inode = tof.inode "
                           "WHERE t.source = 'task_list'";
  const auto table = run_tool("query " + d + " " + quote(join), "sql-table");
  REQUIRE(table.status == 0);
  CHECK(table.out == "pid | comm | fd | local_port | state\n"
                     "----+------+----+------------+-------\n"
                     "113 | nc   | 3  | 4444       | listen\n"
                     "(1 row)\n");
  const auto csv = run_tool("query --format csv " + d + " " + quote(join), "sql-csv");
  REQUIRE(csv.status == 0);
  CHECK(csv.out == "pid,comm,fd,local_port,state\n113,nc,3,4444,listen\n");
  const auto js = run_tool("query --format json " + d + " " + quote(join), "sql-json");
  REQUIRE(js.status == 0);
  CHECK(json::parse(js.out) ==
        json::parse(R"([{"pid":113,"comm":"nc","fd":3,"local_port":4444,"state":"listen"}])"));
  // The command lines the guest printed.
  std::istringstream in(support::read_text(support::fixtures_dir() / x86 / "cmdlines.truth"));
  std::string want = "pid,command_line\n";
  for (std::string line; std::getline(in, line);) want += line.replace(line.find('\t'), 1, ",") + "\n";
  const auto cmd = run_tool("query --format csv " + d +
                                " \"SELECT pid, command_line FROM tasks WHERE source = 'task_list' AND type = "
                                "'thread_group_leader' ORDER BY pid\"",
                            "sql-cmdlines");
  REQUIRE(cmd.status == 0);
  CHECK(cmd.out == want);
  // CSV quotes what needs it; NULL is an empty field.
  const auto quoted =
      run_tool("query --format csv " + d + " " + quote("SELECT 'a,b' AS x, 'say \"hi\"' AS y, NULL AS z"), "sql-csv-quote");
  CHECK(quoted.out == "x,y,z\n\"a,b\",\"say \"\"hi\"\"\",\n");
  // Dot commands.
  const auto tables = run_tool("query " + d + " .tables", "sql-tables");
  REQUIRE(tables.status == 0);
  CHECK(tables.out.find("tasks\n") != std::string::npos);
  CHECK(std::count(tables.out.begin(), tables.out.end(), '\n') == 22);
  const auto schema = run_tool("query " + d + " '.schema task_open_files'", "sql-schema");
  REQUIRE(schema.status == 0);
  CHECK(schema.out.find("CREATE TABLE task_open_files(fd INTEGER, flags INTEGER, inode INTEGER") != std::string::npos);
  CHECK(run_tool("query " + d + " '.schema nosuch'", "sql-schema-none").status == 1);
  CHECK(run_tool("query " + d + " '.frobnicate'", "sql-dot-bad").status == 2);
  // Bad SQL: exit status 2 and SQLite's own words.
  const auto bad = run_tool("query " + d + " 'SELEC pid FROM tasks'", "sql-bad");
  CHECK(bad.status == 2);
  CHECK(bad.err.find("mquire: SQL: near \"SELEC\": syntax error") != std::string::npos);
  const auto none = run_tool("query " + d + " 'SELECT * FROM nosuch'", "sql-nosuch");
  CHECK(none.status == 2);
  CHECK(none.err.find("no such table: nosuch") != std::string::npos);
  // --stats: a query about one process reads one process.
  const auto stats = run_tool("query --stats " + d + " 'SELECT * FROM task_open_files WHERE tgid = 113'", "sql-stats");
  REQUIRE(stats.status == 0);
  CHECK(stats.err.find("0 tasks' command lines and environments, 1 tasks' open files, 0 tasks' mappings") !=
        std::string::npos);
}

TEST_CASE("sql: mquire shell reads statements over several lines, dot commands, and keeps what it read",
          "[sql][fixture][tool]") {
  const auto dump = support::require_fixture(x86 + "/dump.elf.zst");
  const auto script = support::cache_dir() / "sql-shell.in";
  const std::string view = "SELECT t.pid, nc.local_port FROM tasks t JOIN task_open_files tof ON tof.task = "
                           "t.virtual_address\n  JOIN network_connections nc ON nc.inode = tof.inode WHERE t.source = "
                           "'task_list'";
  {
    std::ofstream f(script);
    f << "CREATE VIEW listeners AS\n  " << view << ";\n"
      << ".tables\n"
         "SELECT * FROM listeners;\n"
         ".schema listeners\n"
         "SELECT *\n  FROM listeners;\n"
         ".quit\n"
         "SELECT 'not reached';\n";
  }
  const auto r = run_tool("shell --stats --format csv " + quote(dump.string()) + " < " + quote(script.string()),
                          "sql-shell");
  REQUIRE(r.status == 0);
  CHECK(r.out.find("listeners\nlog_messages\n") != std::string::npos); // .tables lists the session's view
  CHECK(r.out.find("CREATE VIEW listeners AS") != std::string::npos);       // and .schema shows it
  std::size_t at = 0, twice = 0;
  while ((at = r.out.find("pid,local_port\n113,4444\n", at)) != std::string::npos) {
    ++twice;
    at += 1;
  }
  CHECK(twice == 2);
  CHECK(r.out.find("not reached") == std::string::npos);
  // Twice the view, once the reading: the same work as one query of it.
  const auto once = run_tool("query --stats --format csv " + quote(dump.string()) + " " + quote(view), "sql-shell-once");
  REQUIRE(once.status == 0);
  const auto stats = [](const std::string& err) { return err.substr(err.find("mquire: read: ")); };
  CHECK(stats(r.err) == stats(once.err));
  // A statement that fails ends the shell's input with its status.
  std::ofstream(script) << "SELECT nope FROM tasks;\n";
  const auto bad = run_tool("shell " + quote(dump.string()) + " < " + quote(script.string()), "sql-shell-bad");
  CHECK(bad.status == 2);
  CHECK(bad.err.find("no such column: nope") != std::string::npos);
}
