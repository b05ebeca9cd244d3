// SPDX-License-Identifier: Apache-2.0
// Files from the page cache of the dumps, against what the guests wrote:
// /var/log/messages of the arm64 7.2 guest byte for byte (its sha256 as
// the guest computed it), every file the guest's processes held open
// listed under the path and inode the guest's own fd listing gave, the
// deleted file still there and marked; the initramfs's busybox of the
// other dumps written out whole, an ELF of its own size.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "support/fixtures.hpp"
#include "support/run.hpp"

using support::quote;
using support::run_tool;
using json = nlohmann::json;

namespace {

std::string sha256_of(const support::fs::path& p) {
  REQUIRE(std::system(("sha256sum " + quote(p.string()) + " > " + quote(p.string() + ".sha256")).c_str()) == 0);
  return support::read_text(p.string() + ".sha256").substr(0, 64);
}

const json* listed(const json& files, const std::string& path) {
  for (const auto& f : files) {
    if (f["path"] == path) return &f;
    for (const auto& o : f["other_paths"])
      if (o == path) return &f;
  }
  return nullptr;
}

} // namespace

TEST_CASE("cat: /var/log/messages of the arm64 7.2 dump, byte for byte from the page cache", "[pagecache][fixture]") {
  const std::string fx = "arm64-7.2-full";
  const auto dump = support::require_fixture(fx + "/dump.elf.zst");
  const auto truth = json::parse(support::read_text(support::fixtures_dir() / fx / "messages.json"));
  const auto out = support::cache_dir() / "messages.from-dump";
  const auto r = run_tool("cat " + quote(dump.string()) + " /var/log/messages -o " + quote(out.string()), "cat-messages");
  REQUIRE(r.status == 0);
  CHECK(r.err == "mquire: /var/log/messages: 65611 bytes, 65611 from the page cache, 0 as zeros\n");
  CHECK(support::fs::file_size(out) == truth["size"].get<std::uint64_t>());
  CHECK(sha256_of(out) == truth["sha256"].get<std::string>());

  // The deleted file and the one seen through a bind mount, by either name.
  const auto del = run_tool("cat " + quote(dump.string()) + " /tmp/evaldeleted.txt", "cat-deleted");
  REQUIRE(del.status == 0);
  CHECK(del.out == "evaldeleted: this file was unlinked while open\n");
  const auto bound = run_tool("cat " + quote(dump.string()) + " /mnt/bind/evalbind.txt", "cat-bind");
  REQUIRE(bound.status == 0);
  const auto direct = run_tool("cat " + quote(dump.string()) + " /mnt/data/sub/evalbind.txt", "cat-bind-direct");
  CHECK(bound.out == direct.out);
  CHECK(bound.out.size() == 56);

  const auto none = run_tool("cat " + quote(dump.string()) + " /no/such/file", "cat-none");
  CHECK(none.status == 1);
  CHECK(none.out.empty());
  CHECK(none.err.find("no file at /no/such/file has pages in the page cache") != std::string::npos);
}

TEST_CASE("cached: the arm64 7.2 dump's cached files, as its processes' fds name them", "[pagecache][fixture]") {
  const std::string fx = "arm64-7.2-full";
  const auto dump = support::require_fixture(fx + "/dump.elf.zst");
  const auto r = run_tool("cached --format json " + quote(dump.string()), "cached-json");
  REQUIRE(r.status == 0);
  CHECK(r.err.empty());
  const auto files = json::parse(r.out);
  // Every regular file the guest's processes held open on the initramfs
  // and the tmpfs mounts, under the guest's own path and inode number.
  const auto fds = json::parse(support::read_text(support::fixtures_dir() / fx / "fds.json"));
  std::set<std::string> checked;
  for (const auto& [pid, p] : fds.items())
    for (const auto& [fd, f] : p["fds"].items()) {
      const std::string target = f["target"];
      if (target.rfind("/dev/", 0) == 0 || target.rfind("/", 0) != 0 || target == "/mnt/data") continue;
      INFO(target);
      const json* got = listed(files, target);
      REQUIRE(got != nullptr);
      CHECK((*got)["ino"] == f["ino"]);
      CHECK((*got)["deleted"] == (target.find(" (deleted)") != std::string::npos));
      checked.insert(target);
    }
  CHECK(checked.size() == 6); // /init, /var/log/messages, two on /tmp, two on /mnt/data (one through the bind)
  const json* messages = listed(files, "/var/log/messages");
  REQUIRE(messages != nullptr);
  CHECK((*messages)["size"] == 65611);
  CHECK((*messages)["cached_pages"] == 17);
  CHECK((*messages)["fstype"] == "tmpfs");

  const auto text = run_tool("cached " + quote(dump.string()), "cached-text");
  REQUIRE(text.status == 0);
  CHECK(text.out.rfind("     PAGES         SIZE      INODE FSTYPE     PATH\n", 0) == 0);
  CHECK(text.out.find("        17        65611          2 tmpfs      /var/log/messages\n") != std::string::npos);
}

TEST_CASE("cat: the other dumps' busybox, whole from the page cache", "[pagecache][fixture]") {
  for (const std::string fx : {"x86_64-7.2-modules", "x86_64-6.1-boot1"}) {
    DYNAMIC_SECTION(fx) {
      const auto dump = support::require_fixture(fx + "/dump.elf.zst");
      const auto list = run_tool("cached --format json " + quote(dump.string()), "cached-" + fx);
      REQUIRE(list.status == 0);
      CHECK(list.err.empty());
      const auto files = json::parse(list.out);
      const json* bb = listed(files, "/bin/busybox");
      REQUIRE(bb != nullptr);
      const auto out = support::cache_dir() / ("busybox." + fx);
      const auto r = run_tool("cat " + quote(dump.string()) + " /bin/busybox -o " + quote(out.string()), "cat-" + fx);
      REQUIRE(r.status == 0);
      const std::uint64_t size = (*bb)["size"];
      CHECK(r.err == "mquire: /bin/busybox: " + std::to_string(size) + " bytes, " + std::to_string(size) +
                         " from the page cache, 0 as zeros\n");
      REQUIRE(support::fs::file_size(out) == size);
      CHECK(support::read_text(out).substr(0, 4) == "\x7f" "ELF");
    }
  }
}
