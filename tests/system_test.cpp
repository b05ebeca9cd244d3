// SPDX-License-Identifier: Apache-2.0
// The machine's identity from the dump, against what the guests printed:
// uname's fields, hostname and domainname, /proc/stat's btime exactly, and
// an uptime between the guest's last word and the moment of the dump.
#include <catch2/catch.hpp>

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
