// SPDX-License-Identifier: Apache-2.0
// The machine's identity from the dump, against what the guests printed:
// uname's fields, hostname and domainname, /proc/stat's btime exactly, and
// an uptime between the guest's last word and the moment of the dump; the
// kernel log line for line, and a torn record left out and reported.
#include <catch2/catch.hpp>

#include <sstream>

#include <nlohmann/json.hpp>

#include "support/fixtures.hpp"
#include "support/run.hpp"

using support::quote;
using support::run_tool;
using json = nlohmann::json;

TEST_CASE("sysinfo: uname, hostname, boot time and uptime of the arm64 7.2 dump", "[system][fixture]") {
  const std::string fx = "arm64-7.2-full";
  const auto dump = support::require_fixture(fx + "/dump.elf.zst");
  const auto r = run_tool("sysinfo --format json " + quote(dump.string()), "sysinfo-arm64");
  REQUIRE(r.status == 0);
  CHECK(r.err.empty());
  const auto got = json::parse(r.out);
  const auto system = json::parse(support::read_text(support::fixtures_dir() / fx / "system.json"));
  CHECK(got["nodename"] == system["hostname"]);
  CHECK(got["domainname"] == system["domainname"]);
  CHECK(std::to_string(got["btime"].get<std::uint64_t>()) == system["btime"].get<std::string>());
  // uname -a: "SYSNAME NODENAME RELEASE VERSION MACHINE GNU/Linux".
  const auto uname = support::read_text(support::fixtures_dir() / fx / "uname.txt");
  const std::string want = got["sysname"].get<std::string>() + " " + got["nodename"].get<std::string>() + " " +
                           got["release"].get<std::string>() + " " + got["version"].get<std::string>() + " " +
                           got["machine"].get<std::string>() + " GNU/Linux\n";
  CHECK(uname == want);
  // The guest said 22.04 s when it finished its listing; the dump came
  // later, and no more than 40.1 s of host time after QEMU started.
  const double uptime = std::stod(got["uptime"].get<std::string>());
  CHECK(uptime >= 22.04);
  CHECK(uptime <= 40.1);
  CHECK(got["uptime_ns"].get<std::uint64_t>() / 10000000 == static_cast<std::uint64_t>(uptime * 100 + 0.5));
}

TEST_CASE("sysinfo: release and version of the x86_64 7.2 dump, as /proc/version printed them", "[system][fixture]") {
  const std::string fx = "x86_64-7.2-modules";
  const auto dump = support::require_fixture(fx + "/dump.elf.zst");
  const auto r = run_tool("sysinfo --format json " + quote(dump.string()), "sysinfo-x86");
  REQUIRE(r.status == 0);
  const auto got = json::parse(r.out);
  const auto version = support::read_text(support::fixtures_dir() / fx / "version.txt");
  CHECK(got["sysname"] == "Linux");
  CHECK(got["machine"] == "x86_64");
  CHECK(version.rfind("Linux version " + got["release"].get<std::string>() + " ", 0) == 0);
  CHECK(version.find(") " + got["version"].get<std::string>()) != std::string::npos);
  CHECK(got["nodename"] == "(none)"); // the guest never set a hostname
  const auto text = run_tool("sysinfo " + quote(dump.string()), "sysinfo-x86-text");
  CHECK(text.out.find("machine    x86_64\n") != std::string::npos);
}

TEST_CASE("dmesg: the kernel log of both 7.2 dumps, line for line", "[system][fixture]") {
  for (const std::string fx : {"arm64-7.2-full", "x86_64-7.2-modules"}) {
    DYNAMIC_SECTION(fx) {
      const auto dump = support::require_fixture(fx + "/dump.elf.zst");
      const auto r = run_tool("dmesg " + quote(dump.string()), "dmesg-" + fx);
      REQUIRE(r.status == 0);
      CHECK(r.err.empty());
      CHECK(r.out == support::read_text(support::fixtures_dir() / fx / "dmesg.truth"));
      // json: one object per record, the same texts, in sequence order.
      const auto j = run_tool("dmesg --format json " + quote(dump.string()), "dmesg-json-" + fx);
      REQUIRE(j.status == 0);
      const auto records = json::parse(j.out);
      REQUIRE(!records.empty());
      const auto first = records.front()["text"].get<std::string>();
      const bool opens_the_boot = first.rfind("Booting Linux", 0) == 0 || first.rfind("Linux version", 0) == 0;
      CHECK(opens_the_boot);
      for (std::size_t i = 1; i < records.size(); ++i)
        CHECK(records[i]["seq"].get<std::uint64_t>() > records[i - 1]["seq"].get<std::uint64_t>());
    }
  }
}

TEST_CASE("dmesg: the 6.1 dumps' logs open with the kernel's own banner", "[system][fixture]") {
  for (const std::string fx : {"x86_64-6.1-boot1", "x86_64-6.1-vmcoreinfo"}) {
    DYNAMIC_SECTION(fx) {
      const auto dump = support::require_fixture(fx + "/dump.elf.zst");
      const auto r = run_tool("dmesg --format json " + quote(dump.string()), "dmesg-61");
      REQUIRE(r.status == 0);
      CHECK(r.err.empty());
      const auto records = json::parse(r.out);
      REQUIRE(records.size() > 100);
      // No record was lost on these short runs: sequence numbers from 0 on,
      // one after the other. (Time may step back once early in the boot,
      // when the kernel changes clock source: the log keeps what it read.)
      for (std::size_t i = 0; i < records.size(); ++i) {
        INFO("record " << i);
        CHECK(records[i]["seq"].get<std::uint64_t>() == i);
      }
      CHECK(records[0]["ts_nsec"] == 0);
      const auto info = run_tool("sysinfo --format json " + quote(dump.string()), "sysinfo-61");
      REQUIRE(info.status == 0);
      const auto id = json::parse(info.out);
      CHECK(records[0]["text"].get<std::string>().rfind("Linux version " + id["release"].get<std::string>() + " ", 0) == 0);
    }
  }
}

TEST_CASE("dmesg: a torn record is left out and reported, the rest printed as it was", "[system][fixture][damage]") {
  const std::string fx = "arm64-7.2-full";
  const auto raw = support::derived_from_core(support::require_fixture(fx + "/dump.elf.zst"), "raw");
  auto bytes = support::read_file(raw);
  // The record's text in the ring, behind its 8-byte block id (the same
  // words also lie in the setup script's pages, behind "<4>" there).
  const std::string text = "evalfull: kmsg line 2: EVAL-KMSG-0002 warning-level marker";
  std::size_t at = 0, found = 0;
  const std::string_view all(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  for (std::size_t p = all.find(text); p != std::string_view::npos; p = all.find(text, p + 1))
    if (p >= 8 && all[p - 1] != '>') {
      at = p;
      ++found;
    }
  REQUIRE(found == 1);
  bytes[at - 8] ^= 0x5a; // the block id no longer names its descriptor
  const auto copy = support::cache_dir() / "dmesg-torn.raw";
  REQUIRE(support::write_file(copy, bytes));
  const auto r = run_tool("dmesg --input raw " + quote(copy.string()), "dmesg-torn");
  REQUIRE(r.status == 0);
  CHECK(r.err.find("1 records are torn") != std::string::npos);
  std::string want;
  std::istringstream truth(support::read_text(support::fixtures_dir() / fx / "dmesg.truth"));
  for (std::string line; std::getline(truth, line);)
    if (line.find(text) == std::string::npos) want += line + "\n";
  CHECK(r.out == want);
}
