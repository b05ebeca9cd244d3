// SPDX-License-Identifier: Apache-2.0
// Debian's real kernel packages as input, one per architecture, each image
// as shipped (bzImage, arm64 Image, ARM zImage, s390 image, ppc64el vmlinux,
// MIPS ELF wrapper): every recovered (address, name) pair must be in the
// kernel's real System.map, and N must equal kallsyms_num_syms. Packages are
// fetched with apt-get download (other architectures through their own
// package lists) and cached; a test is skipped (not passed) when its package
// cannot be fetched.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <set>
#include <sstream>

#include "support/fixtures.hpp"
#include "support/run.hpp"

namespace {

using support::fs::path;

// Packages are large (30-70 MB each): one download cache for every build
// directory of this checkout (the .cache/ the demo uses too).
path download_cache() {
  const path p = path(MQUIRE_DOWNLOAD_CACHE) / "debs";
  std::filesystem::create_directories(p);
  return p;
}

// Shell command (run in the package's directory) that unpacks the kernel and
// its map but not the module tree, which is most of a package's 300-400 MB
// and which no test reads, then drops the .deb.
std::string unpack_command(const std::string& package) {
  return "mkdir -p unpacked && dpkg-deb --fsys-tarfile " + package +
         "_*.deb | tar -x -C unpacked --exclude='*/modules/*/kernel' --exclude='./usr/share' "
         ">>download.log 2>&1 && rm -f " + package + "_*.deb";
}

// Fetches PACKAGE=VERSION into the cache and unpacks it; returns the unpack dir.
path fetch_deb(const std::string& package, const std::string& version) {
  const path dir = download_cache() / (package + "_" + version);
  if (std::filesystem::exists(dir / "unpacked.ok")) return dir;
  std::filesystem::create_directories(dir);
  const std::string cmd = "cd " + support::quote(dir.string()) + " && apt-get download -q " + package + "=" +
                          version + " >download.log 2>&1 && " + unpack_command(package);
  if (std::system(cmd.c_str()) != 0)
    support::skip("cannot fetch " + package + "=" + version + " with apt-get download (offline, or gone from the "
                  "archive); see " + (dir / "download.log").string());
  std::ofstream(dir / "unpacked.ok") << "ok\n";
  return dir;
}

std::set<std::pair<std::string, std::string>> system_map(const std::string& text) {
  std::istringstream in(text);
  std::set<std::pair<std::string, std::string>> out;
  std::string addr, type, name;
  while (in >> addr >> type >> name) out.emplace(addr, name);
  return out;
}


struct debian_kernel {
  std::string arch;        // Debian architecture
  std::string package;
  std::string version;
  std::string image;       // path inside the package
  std::string system_map;  // fixture path
  std::size_t symbols;     // what the table holds (N)
  unsigned word_bits;
  std::string format_says = "";   // expected in `inspect`'s description of the input
  bool strip_symbols = false;     // the image is an ELF with its own .symtab: blank it first
  // Empty: bookworm, System.map from the fixtures. Otherwise another Debian
  // suite (its own sources.list), System.map taken from the -dbg package
  // unless `system_map` names a fixture.
  std::string suite = "";
  // The -dbg package holding the real System.map, when its name is not the
  // image package's with -dbg for -unsigned (7.x: linux-binary-* images).
  std::string dbg = "";
  // The image as kept in the fixtures (zstd), for packages the archive has
  // already replaced: nothing is downloaded.
  std::string fixture_image = "";
  std::string dbg_map = "./usr/lib/debug/boot/System.map-*"; // where the -dbg package keeps it
};

// Blanks an ELF64 little-endian file's symbol tables and their string
// tables in place, so that nothing but kallsyms itself can give the answer.
// Returns how many bytes were zeroed.
std::size_t blank_elf64_symbols(std::vector<std::uint8_t>& elf) {
  const auto u16 = [&](std::size_t at) { return std::size_t{elf.at(at)} | std::size_t{elf.at(at + 1)} << 8; };
  const auto u32 = [&](std::size_t at) { return u16(at) | u16(at + 2) << 16; };
  const auto u64 = [&](std::size_t at) { return u32(at) | u32(at + 4) << 32; };
  const std::size_t shoff = u64(0x28), shentsize = u16(0x3a), shnum = u16(0x3c);
  std::size_t zeroed = 0;
  const auto blank = [&](std::size_t sh) {
    const std::size_t off = u64(sh + 0x18), size = u64(sh + 0x20);
    std::fill(elf.begin() + static_cast<std::ptrdiff_t>(off), elf.begin() + static_cast<std::ptrdiff_t>(off + size), 0);
    zeroed += size;
  };
  for (std::size_t i = 0; i < shnum; ++i) {
    const std::size_t sh = shoff + i * shentsize;
    if (u32(sh + 4) != 2 /* SHT_SYMTAB */) continue;
    blank(sh);
    blank(shoff + u32(sh + 0x28) * shentsize); // sh_link: its string table
  }
  return zeroed;
}

// Fetches PACKAGE=VERSION of another architecture or suite without changing
// the system's own configuration (its own package lists under the cache).
// For another suite the real System.map comes from the 1 GB -dbg package:
// only that one file is kept.
path fetch_foreign_deb(const debian_kernel& k) {
  if (k.arch == "amd64" && k.suite.empty()) return fetch_deb(k.package, k.version);
  const path dir = download_cache() / (k.package + "_" + k.version);
  if (std::filesystem::exists(dir / "unpacked.ok")) return dir;
  std::filesystem::create_directories(dir / "lists/partial");
  std::string o = "-oAPT::Architecture=" + k.arch + " -oAPT::Architectures=" + k.arch +
                  " -oDir::State::Lists=" + support::quote((dir / "lists").string());
  if (!k.suite.empty()) {
    std::ofstream(dir / "sources.list") << "deb [arch=" << k.arch << "] http://deb.debian.org/debian " << k.suite
                                        << " main\n";
    o += " -oDir::Etc::SourceList=" + support::quote((dir / "sources.list").string()) +
         " -oDir::Etc::SourceParts=/dev/null";
  }
  // An index that fails to update (a mirror mid-sync) does not stop the
  // download when the package's own index arrived.
  std::string cmd = "cd " + support::quote(dir.string()) + " && apt-get " + o + " update -q >download.log 2>&1; apt-get " +
                    o + " download -q " + k.package + "=" + k.version + " >>download.log 2>&1 && " +
                    unpack_command(k.package);
  if (!k.suite.empty() && k.system_map.empty()) {
    std::string dbg = k.dbg.empty() ? k.package.substr(0, k.package.rfind("-unsigned")) + "-dbg" : k.dbg;
    cmd += " && apt-get " + o + " download -q " + dbg + "=" + k.version + " >>download.log 2>&1 && dpkg-deb --fsys-tarfile " +
           dbg + "_*.deb | tar -xO --wildcards " + support::quote(k.dbg_map) + " >System.map 2>>download.log && rm -f " +
           dbg + "_*.deb";
  }
  if (std::system(cmd.c_str()) != 0)
    support::skip("cannot fetch " + k.arch + " " + k.package + "=" + k.version + (k.suite.empty() ? "" : " from " + k.suite) +
                  " (offline, or gone from the archive); see " + (dir / "download.log").string());
  std::ofstream(dir / "unpacked.ok") << "ok\n";
  return dir;
}

// `mquire elf` of the image: nm lists exactly the kallsyms lines, letters
// included (bss is mapped as the zeros it holds at boot).
// `placed`: whether anything ties the image's bytes to its addresses. The
// ARM and MIPS images' tables (no KALLSYMS_ALL) list no kallsyms_* array and
// no linux_banner, and the images carry no relocations: the tool says it
// cannot place them (exit 1) rather than guess a base.
void check_elf(const path& image, const std::string& kallsyms, const std::string& tag, bool placed) {
  if (std::system("command -v nm >/dev/null 2>&1") != 0) return; // binutils: installed by scripts/setup.sh
  const path elf = support::cache_dir() / (tag + ".elf"), nm = support::cache_dir() / (tag + ".nm");
  const auto r = support::run_tool("elf " + support::quote(image.string()) + " -o " + support::quote(elf.string()),
                                   tag + "-elf");
  INFO(r.err);
  if (!placed) {
    CHECK(r.status == 1);
    CHECK_THAT(r.err, Catch::Contains("no anchor ties the table's addresses to the input"));
    return;
  }
  REQUIRE(r.status == 0);
  REQUIRE(std::system(("nm -p " + support::quote(elf.string()) + " > " + support::quote(nm.string())).c_str()) == 0);
  std::multiset<std::string> want, got;
  std::istringstream k(kallsyms), n(support::read_text(nm));
  for (std::string l; std::getline(k, l);) want.insert(l);
  for (std::string l; std::getline(n, l);) got.insert(l);
  // A '?' (a table without types) has no ELF form: nm shows its section's letter.
  std::multiset<std::string> got_untyped;
  for (const auto& l : got)
    if (l.size() > 18) got_untyped.insert(l.substr(0, 17) + "? " + l.substr(19));
  std::vector<std::string> differ;
  for (const auto& l : want)
    if (!got.count(l) && !(l.size() > 18 && l[l.find(' ') + 1] == '?' && got_untyped.count(l))) differ.push_back(l);
  INFO(differ.size() << " kallsyms lines nm does not list, first: " << (differ.empty() ? "" : differ.front()));
  CHECK(got.size() == want.size());
  CHECK(differ.empty());
  std::filesystem::remove(elf);
}

void check_kernel_package(const debian_kernel& k) {
  const path dir = k.fixture_image.empty() ? fetch_foreign_deb(k) : support::cache_dir() / ("sid-" + k.arch);
  path image = k.fixture_image.empty() ? dir / "unpacked" / k.image : support::require_fixture(k.fixture_image);
  REQUIRE(std::filesystem::exists(image));
  std::filesystem::create_directories(dir);
  if (k.strip_symbols) {
    auto bytes = support::read_file(image);
    REQUIRE(blank_elf64_symbols(bytes) > k.symbols * 8); // names and entries were there
    image = dir / "stripped.elf";
    REQUIRE(support::write_file(image, bytes));
  }
  // Output files named by package and version: two kernels of one
  // architecture are checked in parallel.
  const std::string tag = "deb-" + k.arch + "-" + k.package + "_" + k.version;
  const auto r = support::run_tool("kallsyms " + support::quote(image.string()), tag);
  REQUIRE(r.status == 0);
  CHECK(r.err.empty()); // addresses are link-time and known: no warning
  const auto map = system_map(!k.system_map.empty() ? support::read_text(support::require_fixture(k.system_map))
                                                    : support::read_text(dir / "System.map"));
  REQUIRE(map.size() > 1000); // the real map, not the one-line stub the image package ships
  std::istringstream in(r.out);
  std::string addr, type, name;
  std::size_t lines = 0, matched = 0, wrong_width = 0;
  while (in >> addr >> type >> name) {
    ++lines;
    matched += map.count({addr, name});
    wrong_width += addr.size() != k.word_bits / 4;
  }
  CHECK(wrong_width == 0);
  CHECK(lines == k.symbols);
  CHECK(matched == lines);
  check_elf(image, r.out, tag, k.arch != "armhf" && k.arch != "mips64el");
  const auto j = nlohmann::json::parse(
      support::run_tool("inspect --format json " + support::quote(image.string()), tag + "-inspect").out);
  CHECK(j["input_format"] == (k.strip_symbols ? "vmlinux" : "image"));
  CHECK_THAT(j["description"].get<std::string>(), Catch::Contains(k.format_says));
  CHECK(j["tables"][0]["num_syms"] == lines);
  CHECK(j["tables"][0]["addresses_are_virtual"] == true);
}

} // namespace

TEST_CASE("Debian amd64 6.1 vmlinuz (bzImage, xz): every symbol is in System.map", "[debian][image]") {
  check_kernel_package({"amd64", "linux-image-6.1.0-56-amd64-unsigned", "6.1.192-2", "boot/vmlinuz-6.1.0-56-amd64",
                        "x86_64-6.1-boot1/System.map.zst", 94266, 64, "bzImage payload"});
}

TEST_CASE("Debian i386 6.1 vmlinuz (686-pae bzImage, xz, 32-bit): every symbol is in System.map", "[debian][image]") {
  check_kernel_package({"i386", "linux-image-6.1.0-50-686-pae-unsigned", "6.1.176-1", "boot/vmlinuz-6.1.0-50-686-pae",
                        "debian-system-maps/System.map-6.1.0-50-686-pae.zst", 45515, 32, "bzImage payload"});
}

TEST_CASE("Debian arm64 6.1 Image (relocatable, base from its own relocations)", "[debian][image]") {
  check_kernel_package({"arm64", "linux-image-6.1.0-56-arm64-unsigned", "6.1.192-2", "boot/vmlinuz-6.1.0-56-arm64",
                        "debian-system-maps/System.map-6.1.0-56-arm64.zst", 50336, 64, "arm64 Image"});
}

TEST_CASE("Debian armhf 6.1 zImage (armmp, xz, 32-bit, not relocatable)", "[debian][image]") {
  check_kernel_package({"armhf", "linux-image-6.1.0-50-armmp", "6.1.176-1", "boot/vmlinuz-6.1.0-50-armmp",
                        "debian-system-maps/System.map-6.1.0-50-armmp.zst", 45665, 32, "ARM zImage, embedded xz"});
}

TEST_CASE("Debian s390x 6.1 image (xz, 64-bit big-endian, base from its relocations)", "[debian][image]") {
  check_kernel_package({"s390x", "linux-image-6.1.0-50-s390x", "6.1.176-1", "boot/vmlinuz-6.1.0-50-s390x",
                        "debian-system-maps/System.map-6.1.0-50-s390x.zst", 34724, 64, "embedded xz"});
}

TEST_CASE("Debian ppc64el 6.1 vmlinux (ELF, its own symbol table blanked)", "[debian][image]") {
  check_kernel_package({"ppc64el", "linux-image-6.1.0-50-powerpc64le", "6.1.176-1", "boot/vmlinux-6.1.0-50-powerpc64le",
                        "debian-system-maps/System.map-6.1.0-50-powerpc64le.zst", 39178, 64, "ELF64 LE", true});
}

TEST_CASE("Debian mips64el 6.1 vmlinuz (ELF wrapper around an xz payload)", "[debian][image]") {
  check_kernel_package({"mips64el", "linux-image-6.1.0-50-mips64r2el", "6.1.176-1", "boot/vmlinuz-6.1.0-50-mips64r2el",
                        "debian-system-maps/System.map-6.1.0-50-mips64r2el.zst", 36928, 64, "embedded xz"});
}

// Debian 13 (trixie) kernels: 6.12, the layout after the 6.4 reorder
// (num_syms, names, markers, token table, token index, offsets,
// relative_base, seqs_of_names), on a real kernel.
TEST_CASE("Debian trixie amd64 6.12 vmlinuz (bzImage, zstd): every symbol is in System.map", "[debian][image][trixie]") {
  check_kernel_package({"amd64", "linux-image-6.12.117+deb13-amd64-unsigned", "6.12.117-1",
                        "boot/vmlinuz-6.12.117+deb13-amd64", "", 166932, 64, "bzImage payload at file offset 0x52cc, zstd",
                        false, "trixie"});
}

TEST_CASE("Debian trixie arm64 6.12 Image: every symbol is in System.map", "[debian][image][trixie]") {
  check_kernel_package({"arm64", "linux-image-6.12.117+deb13-arm64-unsigned", "6.12.117-1",
                        "boot/vmlinuz-6.12.117+deb13-arm64", "", 151722, 64, "arm64 Image", false, "trixie"});
}

// Debian sid's Linux 7.2.13: the 7.0 layout (place-relative offsets, every
// label 4-byte aligned) as Debian ships it. The relocatable images (arm64,
// riscv64, loong64, s390x) pack their relocations as RELR, so their link
// address comes from the pointers they store; ppc64el has symbol types
// outside nm's letters ('?'). sid replaces its packages quickly: the images
// that amd64 and armhf do not fetch are kept in the fixtures.
TEST_CASE("Debian sid 7.2 arm64 Image (relocatable, RELR): every symbol is in System.map", "[debian][image][sid]") {
  check_kernel_package({"arm64", "", "", "", "debian-sid-7.2/arm64/System.map.zst", 209893, 64, "arm64 Image", false, "",
                        "", "debian-sid-7.2/arm64/vmlinuz.unsigned.zst"});
}

TEST_CASE("Debian sid 7.2 riscv64 Image (relocatable, RELR): every symbol is in System.map", "[debian][image][sid]") {
  check_kernel_package({"riscv64", "", "", "", "debian-sid-7.2/riscv64/System.map.zst", 118383, 64, "riscv Image", false,
                        "", "", "debian-sid-7.2/riscv64/vmlinuz.zst"});
}

TEST_CASE("Debian sid 7.2 loong64 EFI zboot (zstd, relocatable): every symbol is in System.map", "[debian][image][sid]") {
  check_kernel_package({"loong64", "", "", "", "debian-sid-7.2/loong64/System.map.zst", 48924, 64, "EFI zboot payload",
                        false, "", "", "debian-sid-7.2/loong64/vmlinuz.zst"});
}

TEST_CASE("Debian sid 7.2 s390x image (embedded zstd, 64-bit big-endian): every symbol is in System.map",
          "[debian][image][sid]") {
  check_kernel_package({"s390x", "", "", "", "debian-sid-7.2/s390x/System.map.zst", 94433, 64, "embedded zstd", false,
                        "", "", "debian-sid-7.2/s390x/vmlinuz.zst"});
}

TEST_CASE("Debian sid 7.2 ppc64el vmlinux (symbol table blanked, '?' types): every symbol is in System.map",
          "[debian][image][sid]") {
  check_kernel_package({"ppc64el", "", "", "", "debian-sid-7.2/powerpc64le/System.map.zst", 113452, 64, "ELF64 LE", true,
                        "", "", "debian-sid-7.2/powerpc64le/vmlinuz.zst"});
}

TEST_CASE("Debian sid 7.2 amd64 vmlinuz (bzImage, zstd): every symbol is in System.map", "[debian][image][sid]") {
  check_kernel_package({"amd64", "linux-binary-unsigned-7.2.13+deb14-amd64", "7.2.13-1", "usr/lib/modules/7.2.13+deb14-amd64/vmlinuz.unsigned",
                        "x86_64-7.2-modules/System.map.zst", 199097, 64, "bzImage payload", false, "sid"});
}

TEST_CASE("Debian sid 7.2 armhf zImage (armmp, xz, 7.0 absolute32): every symbol is in System.map",
          "[debian][image][sid]") {
  check_kernel_package({"armhf", "linux-binary-7.2.13+deb14-armmp", "7.2.13-1", "usr/lib/modules/7.2.13+deb14-armmp/vmlinuz", "",
                        55460, 32, "ARM zImage", false, "sid", "linux-image-7.2.13+deb14-armmp-dbg", "",
                        "./usr/lib/debug/lib/modules/*/System.map"});
}
