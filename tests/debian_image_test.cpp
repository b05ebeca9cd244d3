// Debian's real kernel package as input: the vmlinuz of
// linux-image-6.1.0-56-amd64-unsigned (a bzImage with an xz payload) must
// give a table whose every (address, name) pair is in the kernel's real
// System.map. The package is fetched with apt-get download and cached; the
// test is skipped (not passed) when it cannot be fetched.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <set>
#include <sstream>

#include "support/fixtures.hpp"
#include "support/run.hpp"

namespace {

using support::fs::path;

// Fetches PACKAGE=VERSION into the cache and unpacks it; returns the unpack dir.
path fetch_deb(const std::string& package, const std::string& version) {
  const path dir = support::cache_dir() / "debs" / (package + "_" + version);
  if (std::filesystem::exists(dir / "unpacked.ok")) return dir;
  std::filesystem::create_directories(dir);
  const std::string cmd = "cd " + support::quote(dir.string()) + " && apt-get download -q " + package + "=" +
                          version + " >download.log 2>&1 && dpkg-deb -x " + package + "_*.deb unpacked >>download.log 2>&1";
  if (std::system(cmd.c_str()) != 0)
    support::skip("cannot fetch " + package + "=" + version + " with apt-get download (offline, or gone from the "
                  "archive); see " + (dir / "download.log").string());
  std::ofstream(dir / "unpacked.ok") << "ok\n";
  return dir;
}

std::set<std::pair<std::string, std::string>> system_map(const std::string& fixture) {
  std::istringstream in(support::read_text(support::require_fixture(fixture)));
  std::set<std::pair<std::string, std::string>> out;
  std::string addr, type, name;
  while (in >> addr >> type >> name) out.emplace(addr, name);
  return out;
}

} // namespace

TEST_CASE("Debian amd64 6.1 vmlinuz (bzImage, xz): every symbol is in System.map", "[debian][image]") {
  const path dir = fetch_deb("linux-image-6.1.0-56-amd64-unsigned", "6.1.192-2");
  const path vmlinuz = dir / "unpacked/boot/vmlinuz-6.1.0-56-amd64";
  REQUIRE(std::filesystem::exists(vmlinuz));
  const auto r = support::run_tool("kallsyms " + support::quote(vmlinuz.string()), "deb-amd64");
  REQUIRE(r.status == 0);
  const auto map = system_map("x86_64-6.1-boot1/System.map.zst");
  std::istringstream in(r.out);
  std::string addr, type, name;
  std::size_t lines = 0, matched = 0;
  while (in >> addr >> type >> name) {
    ++lines;
    matched += map.count({addr, name});
  }
  CHECK(lines == 94266);
  CHECK(matched == lines);
  const auto j = nlohmann::json::parse(support::run_tool("inspect --format json " + support::quote(vmlinuz.string()),
                                                         "deb-amd64-inspect").out);
  CHECK(j["input_format"] == "image");
  CHECK(j["tables"][0]["num_syms"] == lines);
  CHECK(j["tables"][0]["addresses_are_virtual"] == true);
}
