// SPDX-License-Identifier: Apache-2.0
// The outputs for the analyst's next tools, checked by those tools on the
// real dumps: Volatility 3 (unmodified, from ../shared/tools) with only the
// symbol table `mquire isf` wrote, and binutils and gdb on the file `mquire
// elf` wrote. Volatility runs in one build only (MQUIRE_CLIENT_TESTS).
#include <catch2/catch.hpp>

#include <map>
#include <set>
#include <sstream>

#include <mquire/mquire.hpp>
#include <nlohmann/json.hpp>

#include "support/btf_producer.hpp"
#include "support/fixtures.hpp"
#include "support/run.hpp"

using support::quote;
using support::run_tool;

namespace {

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

// Volatility's CSV: a header row, then one row per result; fields may be
// quoted (with "" for a quote inside).
std::vector<std::map<std::string, std::string>> parse_csv(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row;
  std::string field;
  bool quoted = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') field += '"', ++i;
      else if (c == '"') quoted = false;
      else field += c;
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      row.push_back(field), field.clear();
    } else if (c == '\n') {
      row.push_back(field), field.clear();
      rows.push_back(row), row.clear();
    } else if (c != '\r') {
      field += c;
    }
  }
  // Volatility prints its name line first, even with -q.
  std::size_t header = 0;
  while (header < rows.size() && (rows[header].empty() || rows[header][0] != "TreeDepth")) ++header;
  std::vector<std::map<std::string, std::string>> out;
  for (std::size_t r = header + 1; r < rows.size(); ++r) {
    if (rows[r].size() < rows[header].size()) continue; // the blank line at the end
    std::map<std::string, std::string> m;
    for (std::size_t k = 0; k < rows[header].size() && k < rows[r].size(); ++k) m[rows[header][k]] = rows[r][k];
    out.push_back(m);
  }
  return out;
}

// Volatility 3 unpacked once into the test cache.
support::fs::path volatility() {
  if (!MQUIRE_CLIENT_TESTS) support::skip("real-client checks run in one build only (MQUIRE_CLIENT_TESTS=OFF here)");
  if (!support::have("python3")) support::skip("python3 not installed");
  const support::fs::path tarball = support::fs::path(MQUIRE_SHARED_TOOLS_DIR) / "volatility3-2.11.0.tar.xz";
  if (!support::fs::exists(tarball)) support::skip("Volatility 3 not found at " + tarball.string());
  const auto dir = support::cache_dir() / "volatility3";
  const auto vol = dir / "volatility3-2.11.0" / "vol.py";
  if (!support::fs::exists(vol)) {
    support::fs::create_directories(dir);
    REQUIRE(std::system(("tar -xJf " + quote(tarball.string()) + " -C " + quote(dir.string())).c_str()) == 0);
  }
  return vol;
}

// One symbol directory per dump, holding only the ISF mquire wrote from it.
struct vol_session {
  support::fs::path vol, symbols, home, dump;
  std::string tag;

  std::vector<std::map<std::string, std::string>> run(const std::string& plugin, const std::string& extra = "") const {
    const auto out = support::cache_dir() / (tag + "-" + plugin + ".csv");
    const auto err = support::cache_dir() / (tag + "-" + plugin + ".err");
    const std::string cmd = "HOME=" + quote(home.string()) + " python3 " + quote(vol.string()) + " -q -r csv -s " +
                            quote(symbols.string()) + " -f " + quote(dump.string()) + " " + plugin + " " + extra +
                            " > " + quote(out.string()) + " 2> " + quote(err.string());
    INFO(cmd);
    INFO(support::read_text(err));
    REQUIRE(std::system(cmd.c_str()) == 0);
    return parse_csv(support::read_text(out));
  }
};

vol_session isf_session(const std::string& fixture) {
  vol_session s;
  s.vol = volatility();
  s.dump = support::require_fixture(fixture + "/dump.elf.zst");
  s.tag = "vol-" + fixture;
  const auto base = support::cache_dir() / s.tag;
  support::fs::remove_all(base);
  s.symbols = base / "symbols";
  s.home = base / "home"; // Volatility's identifier cache: fresh, shared by this dump's runs
  support::fs::create_directories(s.symbols / "linux");
  support::fs::create_directories(s.home);
  const auto isf = s.symbols / "linux" / (fixture + ".json.xz");
  const auto r = run_tool("isf " + quote(s.dump.string()) + " -o " + quote(isf.string()), s.tag + "-isf");
  INFO(r.err);
  REQUIRE(r.status == 0);
  REQUIRE(r.err.find("mquire: ISF: ") != std::string::npos);
  return s;
}

std::string first_kmsg_line(const vol_session& s) {
  const auto rows = s.run("linux.kmsg.Kmsg");
  REQUIRE(!rows.empty());
  return rows.front().at("line");
}

} // namespace

TEST_CASE("isf: Volatility 3 reads the 7.2 dump with only mquire's symbol table", "[isf][volatility][fixture]") {
  const std::string fixture = "x86_64-7.2-modules";
  const auto s = isf_session(fixture);
  const auto tasks = nlohmann::json::parse(support::read_text(support::fixtures_dir() / fixture / "tasks.json"));

  { // linux.pslist: every process, and with --threads every thread, as the guest listed them (one body: the sections would each start Volatility afresh)
    std::set<std::tuple<long, long, std::string>> want_processes, want_threads, got_processes, got_threads;
    for (const auto& t : tasks) {
      const auto key = std::make_tuple(t["pid"].get<long>(), t["ppid"].get<long>(), t["task_comm"].get<std::string>());
      want_threads.insert(key);
      if (t["pid"] == t["tgid"]) want_processes.insert(key);
    }
    for (const auto& r : s.run("linux.pslist.PsList"))
      got_processes.emplace(std::stol(r.at("PID")), std::stol(r.at("PPID")), r.at("COMM"));
    for (const auto& r : s.run("linux.pslist.PsList", "--threads"))
      got_threads.emplace(std::stol(r.at("TID")), std::stol(r.at("PPID")), r.at("COMM"));
    CHECK(got_processes == want_processes);
    CHECK(got_threads.size() == want_threads.size());
    for (const auto& [pid, ppid, comm] : want_threads) {
      bool seen = false; // a thread's PPID is its group leader's parent in Volatility's listing
      for (const auto& [gpid, gppid, gcomm] : got_threads) seen = seen || (gpid == pid && gcomm == comm);
      CHECK(seen);
    }
  }
  { // linux.lsmod: the 13 modules of /proc/modules, with their sizes
    std::set<std::pair<std::string, std::string>> want, got;
    for (const auto& l : lines_of(support::read_text(support::fixtures_dir() / fixture / "modules.truth"))) {
      std::istringstream in(l);
      std::string name, size;
      in >> name >> size;
      want.emplace(name, size);
    }
    for (const auto& r : s.run("linux.lsmod.Lsmod")) got.emplace(r.at("Name"), r.at("Size"));
    CHECK(want.size() == 13);
    CHECK(got == want);
  }
  { // linux.psaux: the command lines the guest had
    std::map<std::string, std::string> got;
    for (const auto& r : s.run("linux.psaux.PsAux")) got[r.at("PID")] = r.at("ARGS");
    const auto truth = lines_of(support::read_text(support::fixtures_dir() / fixture / "cmdlines.truth"));
    REQUIRE(!truth.empty());
    // Volatility 2.11 reports a command line longer than a page as
    // unreadable ("-"), with the DWARF-made reference ISF too (4,657 bytes
    // for pid 114 here); every other one must be exact.
    std::size_t unreadable = 0;
    for (const auto& l : truth) {
      const auto tab = l.find('\t');
      const std::string pid = l.substr(0, tab), args = l.substr(tab + 1);
      INFO(pid);
      if (got[pid] == "-" && args.size() > 4096) ++unreadable;
      else CHECK(got[pid] == args);
    }
    CHECK(unreadable <= 1);
  }
  { // linux.kmsg: the log starts with the banner
    const auto dmesg = lines_of(support::read_text(support::fixtures_dir() / fixture / "dmesg.truth"));
    const std::string banner = dmesg.front().substr(dmesg.front().find("] ") + 2);
    CHECK(first_kmsg_line(s) == banner);
  }
  { // linux.check_syscall: every handler named as kallsyms names it
    // Volatility prints addresses with the top 16 bits dropped.
    std::map<std::uint64_t, std::set<std::string>> names;
    for (const auto& l : lines_of(support::truth_without_modules(fixture))) {
      std::istringstream in(l);
      std::string addr, type, name;
      in >> addr >> type >> name;
      names[std::stoull(addr, nullptr, 16) & 0xffffffffffffull].insert(name);
    }
    const auto rows = s.run("linux.check_syscall.Check_syscall");
    REQUIRE(rows.size() > 400);
    std::size_t named = 0;
    for (const auto& r : rows) {
      const auto at = std::stoull(r.at("Handler Address"), nullptr, 16) & 0xffffffffffffull;
      INFO(r.at("Index") << " " << r.at("Handler Address") << " " << r.at("Handler Symbol"));
      REQUIRE(names.count(at) == 1);
      CHECK(names[at].count(r.at("Handler Symbol")) == 1);
      named += names[at].count(r.at("Handler Symbol"));
    }
    CHECK(named == rows.size());
  }
}

TEST_CASE("isf: Volatility 3 reads the 6.1 dumps with only mquire's symbol table", "[isf][volatility][fixture]") {
  for (const std::string fixture : {"x86_64-6.1-boot1", "x86_64-6.1-vmcoreinfo"}) {
    DYNAMIC_SECTION(fixture) {
      const auto s = isf_session(fixture);
      // The guest ran init and one sleep besides kernel threads.
      std::set<std::string> user;
      std::size_t kthreads = 0;
      for (const auto& r : s.run("linux.pslist.PsList")) {
        const long pid = std::stol(r.at("PID")), ppid = std::stol(r.at("PPID"));
        if (pid == 2 || ppid == 2) ++kthreads;
        else user.insert(r.at("PID") + " " + r.at("COMM"));
      }
      CHECK(kthreads > 30);
      CHECK(user.count("1 init") == 1);
      CHECK(user.size() == 2);
      bool sleeping = false;
      for (const auto& u : user) sleeping = sleeping || u.ends_with(" sleep");
      CHECK(sleeping);
      const std::string version = lines_of(support::read_text(support::fixtures_dir() / fixture / "version.txt")).front();
      CHECK(first_kmsg_line(s) == version);
    }
  }
}

// Member by member against BTF (btf_test.cpp checks the kernel's BTF against
// the DWARF-made reference ISF on every struct).
TEST_CASE("isf: the structs Volatility's plugins read are laid out as BTF says", "[isf][fixture]") {
  const std::string fixture = "x86_64-7.2-modules";
  const auto dump = support::require_fixture(fixture + "/dump.elf.zst");
  const auto isf = support::cache_dir() / "isf-7.2.json";
  const auto btf = support::cache_dir() / "isf-7.2.btf";
  REQUIRE(run_tool("isf " + quote(dump.string()) + " -o " + quote(isf.string()), "isf-72").status == 0);
  REQUIRE(run_tool("btf " + quote(dump.string()) + " -o " + quote(btf.string()), "isf-72-btf").status == 0);
  const auto doc = nlohmann::json::parse(support::read_text(isf));
  const auto blob = support::read_file(btf);
  const auto types = mquire::btf::type_info::parse(blob);
  REQUIRE(types);

  CHECK(doc["metadata"]["format"] == "6.2.0");
  CHECK(doc["symbols"]["init_task"]["type"] == nlohmann::json({{"kind", "struct"}, {"name", "task_struct"}}));
  CHECK(doc["symbols"]["modules"]["type"] == nlohmann::json({{"kind", "struct"}, {"name", "list_head"}}));
  CHECK(doc["symbols"].contains("linux_banner"));
  CHECK(doc["symbols"]["linux_banner"].contains("constant_data"));

  // Where a member starts, in bits from the start of its struct.
  const auto bit_of = [](const nlohmann::json& field) {
    std::uint64_t bit = field["offset"].get<std::uint64_t>() * 8;
    if (field["type"]["kind"] == "bitfield") bit += field["type"]["bit_position"].get<std::uint64_t>();
    return bit;
  };
  const std::vector<std::string> used_by_plugins = {
      "task_struct", "mm_struct", "module", "list_head", "file", "dentry", "inode", "cred", "mount",
      "vm_area_struct", "files_struct", "fdtable", "super_block", "qstr", "path", "vfsmount", "kobject",
      "module_memory", "printk_ringbuffer", "prb_desc_ring", "prb_data_ring", "printk_info", "net", "sock",
      "socket", "pid", "upid", "pid_namespace", "nsproxy", "maple_tree", "fs_struct", "signal_struct"};
  std::size_t fields = 0;
  for (const auto& name : used_by_plugins) {
    INFO(name);
    REQUIRE(doc["user_types"].contains(name));
    const auto& ours = doc["user_types"][name];
    const auto id = mquire::btf::find_type(*types, name, mquire::btf::kind::struct_);
    REQUIRE(id);
    CHECK(ours["size"] == types->type(*id)->size_or_type);
    for (const auto& [member, field] : ours["fields"].items()) {
      if (member.starts_with("unnamed_field_")) continue;
      INFO(member);
      const auto f = mquire::btf::field_of(*types, *id, member);
      REQUIRE(f);
      CHECK(bit_of(field) == f->bit_offset);
      ++fields;
    }
  }
  CHECK(fields > 800);

  // (Volatility checks the whole document against its own schema when it
  // first loads it, with python3-jsonschema installed: the runs above.)
}

TEST_CASE("elf: nm, gdb and objdump read the file mquire elf writes from the 7.2 dump", "[elf][fixture]") {
  const std::string fixture = "x86_64-7.2-modules";
  const auto dump = support::require_fixture(fixture + "/dump.elf.zst");
  for (const std::string tool : {"nm", "objdump", "readelf"})
    if (!support::have(tool)) support::skip(tool + " not installed (Debian: binutils)");
  const auto elf = support::cache_dir() / "elf-7.2.elf";
  const auto r = run_tool("elf " + quote(dump.string()) + " -o " + quote(elf.string()), "elf-72");
  INFO(r.err);
  REQUIRE(r.status == 0);

  // nm lists exactly what mquire kallsyms prints (module lines without their
  // "[module]"), letters included (three symbols lie past _end, where the
  // dump maps nothing: empty sections of their class keep their letters).
  const auto ks = run_tool("kallsyms " + quote(dump.string()), "elf-72-kallsyms");
  REQUIRE(ks.status == 0);
  std::multiset<std::string> want, got;
  for (auto l : lines_of(ks.out)) {
    if (const auto tab = l.find('\t'); tab != std::string::npos) l.resize(tab);
    want.insert(l);
  }
  const auto nm = support::cache_dir() / "elf-7.2.nm";
  REQUIRE(std::system(("nm -p " + quote(elf.string()) + " > " + quote(nm.string())).c_str()) == 0);
  for (const auto& l : lines_of(support::read_text(nm))) got.insert(l);
  REQUIRE(got.size() == want.size());
  std::vector<std::string> missing;
  for (const auto& l : want)
    if (!got.count(l)) missing.push_back(l);
  CHECK(missing.empty());

  // readelf finds nothing to complain about.
  const auto re = support::cache_dir() / "elf-7.2.readelf";
  REQUIRE(std::system(("readelf -a -W " + quote(elf.string()) + " > " + quote(re.string()) + " 2>&1").c_str()) == 0);
  const std::string readelf = support::read_text(re);
  CHECK(readelf.find("readelf: Warning") == std::string::npos);
  CHECK(readelf.find("readelf: Error") == std::string::npos);

  // objdump disassembles a known function at its address.
  std::string addr;
  for (const auto& l : lines_of(ks.out))
    if (l.ends_with(" T do_sys_open")) addr = l.substr(0, 16);
  REQUIRE(!addr.empty());
  const auto dis = support::cache_dir() / "elf-7.2.objdump";
  const std::uint64_t start = std::stoull(addr, nullptr, 16);
  const std::string cmd = "objdump -d --start-address=" + std::to_string(start) + " --stop-address=" +
                          std::to_string(start + 32) + " " + quote(elf.string()) + " > " + quote(dis.string());
  REQUIRE(std::system(cmd.c_str()) == 0);
  const std::string text = support::read_text(dis);
  CHECK(text.find(addr + " <do_sys_open>:") != std::string::npos);
  CHECK(text.find("nopl") != std::string::npos); // the function's ftrace pad: real code, disassembled

  // gdb names the symbol for sampled addresses, kernel and module.
  if (!support::have("gdb")) support::skip("gdb not installed");
  std::vector<std::pair<std::string, std::string>> samples; // address, what gdb should say
  for (const std::string name : {"do_sys_open", "ksys_read", "schedule", "init_task", "ext4_fill_super"})
    for (const auto& l : lines_of(ks.out)) {
      std::istringstream in(l);
      std::string a, t, n;
      in >> a >> t >> n;
      if (n == name && samples.size() < 8) {
        samples.emplace_back(a, name + " in section");
        break;
      }
    }
  REQUIRE(samples.size() == 5);
  std::string args;
  for (const auto& [a, _] : samples) args += " -ex " + quote("info symbol 0x" + a);
  const auto gdb_out = support::cache_dir() / "elf-7.2.gdb";
  REQUIRE(std::system(("gdb -batch -nx" + args + " " + quote(elf.string()) + " > " + quote(gdb_out.string()) + " 2>&1")
                          .c_str()) == 0);
  const auto said = lines_of(support::read_text(gdb_out));
  for (const auto& [a, want_text] : samples) {
    INFO(a);
    bool found = false;
    for (const auto& l : said) found = found || l.starts_with(want_text);
    CHECK(found);
  }
}
