// SPDX-License-Identifier: Apache-2.0
// Virtual addresses from physical memory: each method on its own, together,
// and the negative cases, on generated 7.0 kernels at random KASLR slides;
// and the real 6.1 fixtures, where every method must give the recorded slide.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <mquire/mquire.hpp>

#include "generator/physical_image.hpp"
#include "support/exact.hpp"
#include "support/fixtures.hpp"
#include "support/run.hpp"

using support::quote;
using support::run_tool;

namespace {

std::string kallsyms_text(const std::vector<gen::sym>& syms) {
  std::string out;
  char line[700];
  for (const auto& s : syms) {
    std::snprintf(line, sizeof line, "%016llx %c %s\n", static_cast<unsigned long long>(s.address), s.type,
                  s.name.c_str());
    out += line;
  }
  return out;
}

struct outcome {
  support::run_result kallsyms;
  nlohmann::json inspect;
};

outcome run_on(const gen::physical_image& img, const std::string& tag) {
  const auto path = support::cache_dir() / (tag + ".raw");
  REQUIRE(support::write_file(path, img.ram));
  outcome o;
  // The generated kernels have no modules (nor BTF): only the addresses are asked.
  o.kallsyms = run_tool("kallsyms --no-modules " + quote(path.string()), tag);
  const auto i = run_tool("inspect --format json " + quote(path.string()), tag + "-i");
  REQUIRE(i.status == 0);
  o.inspect = nlohmann::json::parse(i.out);
  return o;
}

const nlohmann::json* method(const nlohmann::json& inspect, const std::string& prefix) {
  for (const auto& m : inspect["address_resolution"]["methods"])
    if (m["method"].get<std::string>().rfind(prefix, 0) == 0) return &m;
  return nullptr;
}

std::string hex(std::uint64_t v) {
  char b[32];
  std::snprintf(b, sizeof b, "0x%llx", static_cast<unsigned long long>(v));
  return b;
}

} // namespace

TEST_CASE("7.0 in physical memory: vmcoreinfo and page tables both recover the addresses", "[addressing][7.0]") {
  gen::rng g{2024};
  for (unsigned levels : {4u, 5u}) {
    const std::uint64_t slide = (8 + g.below(400)) << 21; // random 2 MiB-aligned KASLR slide
    DYNAMIC_SECTION(levels << "-level paging, slide " << hex(slide)) {
      const auto img = gen::make_physical_image({.slide = slide, .levels = levels, .seed = 100 + levels});
      const auto o = run_on(img, "phys70-" + std::to_string(levels));
      CHECK(o.kallsyms.status == 0);
      CHECK(o.kallsyms.err.empty());
      CHECK(o.kallsyms.out == kallsyms_text(img.symbols));
      const std::uint64_t range_vaddr = img.text_vaddr - (16ull << 20); // physical 0 in the kernel map
      const auto* vmci = method(o.inspect, "vmcoreinfo (in memory");
      const auto* pt = method(o.inspect, "x86_64 page tables");
      REQUIRE(vmci);
      REQUIRE(pt);
      CHECK((*vmci)["range_vaddr"] == hex(range_vaddr));
      CHECK((*pt)["range_vaddr"] == hex(range_vaddr));
      CHECK_THAT((*pt)["method"].get<std::string>(), Catch::Contains(std::to_string(levels) + "-level"));
      CHECK(o.inspect["address_resolution"]["consistent"] == true);
      CHECK(o.inspect["kaslr"]["slide"] == hex(slide));
    }
  }
}

TEST_CASE("7.0 in physical memory: each method alone", "[addressing][7.0]") {
  SECTION("vmcoreinfo only (no page tables)") {
    const auto img = gen::make_physical_image({.slide = 0x3c00000, .page_tables = false, .seed = 11});
    const auto o = run_on(img, "phys70-vmci");
    CHECK(o.kallsyms.out == kallsyms_text(img.symbols));
    CHECK(method(o.inspect, "vmcoreinfo (in memory")->at("chosen") == true);
    CHECK(method(o.inspect, "x86_64 page tables")->at("range_vaddr").is_null());
    CHECK(o.inspect["kaslr"]["slide"] == "0x3c00000");
  }
  SECTION("page tables only (no vmcoreinfo)") {
    const auto img = gen::make_physical_image({.slide = 0x12e00000, .vmcoreinfo = false, .seed = 12});
    const auto o = run_on(img, "phys70-pt");
    CHECK(o.kallsyms.out == kallsyms_text(img.symbols));
    CHECK(method(o.inspect, "x86_64 page tables")->at("chosen") == true);
    CHECK(o.inspect["vmcoreinfo_in_memory"] == 0);
    // the slide then comes from _text and the default link address, said as such
    CHECK(o.inspect["kaslr"]["slide"] == "0x12e00000");
    CHECK_THAT(o.inspect["kaslr"]["method"].get<std::string>(), Catch::Contains("default link address"));
  }
}

TEST_CASE("7.0 in physical memory: negative cases never print wrong addresses", "[addressing][7.0][errors]") {
  SECTION("vmcoreinfo disagrees with the page tables") {
    const auto img = gen::make_physical_image({.slide = 0x5000000, .vmcoreinfo_lie = 0x200000, .seed = 13});
    const auto o = run_on(img, "phys70-lie");
    CHECK(o.kallsyms.status == 0);
    CHECK_THAT(o.kallsyms.err, Catch::Contains("addresses are relative") && Catch::Contains("disagree"));
    CHECK(o.inspect["address_resolution"]["consistent"] == false);
    CHECK(o.inspect["tables"][0]["addresses_are_virtual"] == false);
    // relative addresses: the true ones minus the virtual address of physical 0
    const std::uint64_t origin = img.text_vaddr - (16ull << 20);
    char first[64];
    std::snprintf(first, sizeof first, "%016llx", static_cast<unsigned long long>(img.symbols[0].address - origin));
    CHECK(o.kallsyms.out.substr(0, 16) == first);
  }
  SECTION("no vmcoreinfo and corrupt page tables") {
    const auto img = gen::make_physical_image({.corrupt_page_tables = true, .vmcoreinfo = false, .seed = 14});
    const auto o = run_on(img, "phys70-none");
    CHECK(o.kallsyms.status == 0);
    CHECK_THAT(o.kallsyms.err, Catch::Contains("addresses are relative") && Catch::Contains("could not be recovered"));
    CHECK(o.inspect["tables"][0]["addresses_are_virtual"] == false);
    CHECK_THAT(method(o.inspect, "x86_64 page tables")->at("detail").get<std::string>(), Catch::Contains("do not map"));
    CHECK(o.inspect["kaslr"].is_null());
  }
  SECTION("missing vmcoreinfo, no page tables: --base still works") {
    const auto img = gen::make_physical_image({.page_tables = false, .vmcoreinfo = false, .seed = 15});
    const auto path = support::cache_dir() / "phys70-base.raw";
    REQUIRE(support::write_file(path, img.ram));
    const std::uint64_t origin = img.text_vaddr - (16ull << 20);
    char base[32];
    std::snprintf(base, sizeof base, "%llx", static_cast<unsigned long long>(origin));
    const auto r = run_tool("kallsyms --no-modules --base " + std::string(base) + " " + quote(path.string()), "phys70-base");
    CHECK(r.err.empty());
    CHECK(r.out == kallsyms_text(img.symbols));
  }
}

TEST_CASE("library: vmcoreinfo and page-table resolution on their own", "[addressing]") {
  const auto img = gen::make_physical_image({.slide = 0x7e00000, .seed = 21});
  const mquire::byte_range range{img.ram};
  auto rep = mquire::find_kallsyms(range);
  REQUIRE(rep.tables.size() == 1);
  auto t = rep.tables.front();
  REQUIRE(t.basis == mquire::address_basis::range_relative);
  const auto hits = mquire::find_vmcoreinfo(img.ram);
  REQUIRE(hits.size() == 1);
  const auto by_info = mquire::resolve_with_vmcoreinfo(t, hits[0].info, "vmcoreinfo");
  const mquire::physical_reader rd = [&](std::uint64_t pa, std::uint8_t* out, std::size_t n) {
    if (pa > img.ram.size() || n > img.ram.size() - pa) return false;
    std::memcpy(out, img.ram.data() + pa, n);
    return true;
  };
  const auto by_pt = mquire::resolve_with_x86_64_page_tables(t, 0, rd);
  REQUIRE(by_info.range_vaddr);
  REQUIRE(by_pt.range_vaddr);
  CHECK(*by_info.range_vaddr == *by_pt.range_vaddr);
  CHECK(by_info.slide == std::optional<std::uint64_t>(0x7e00000));
  mquire::detail::rebase(t, *by_pt.range_vaddr);
  CHECK(support::mismatches(t, img.symbols, 8) == 0);
}

TEST_CASE("real 6.1 dumps: every method gives the recorded KASLR slide", "[addressing][fixture]") {
  struct fx {
    std::string name;
    std::string slide;
    std::string range; // virtual address of physical 0 in the kernel map
  };
  for (const fx& f : {fx{"x86_64-6.1-boot1", "0x26200000", "0xffffffffa1c00000"},
                      fx{"x86_64-6.1-vmcoreinfo", "0xd000000", "0xffffffff88600000"}}) {
    DYNAMIC_SECTION(f.name) {
      const auto core = support::require_fixture(f.name + "/dump.elf.zst");
      const auto r = run_tool("inspect --format json " + quote(core.string()), f.name + "-addr");
      REQUIRE(r.status == 0);
      const auto j = nlohmann::json::parse(r.out);
      CHECK(j["address_resolution"]["consistent"] == true);
      std::size_t slides = 0, ranges = 0;
      for (const auto& m : j["address_resolution"]["methods"]) {
        if (!m["slide"].is_null()) {
          CHECK(m["slide"] == f.slide);
          ++slides;
        }
        if (!m["range_vaddr"].is_null()) {
          CHECK(m["range_vaddr"] == f.range);
          ++ranges;
        }
      }
      // vmcoreinfo in memory (+ the ELF note on the second) and the default link; page tables give the range
      CHECK(slides >= 2);
      CHECK(ranges >= 2);
      CHECK(method(j, "x86_64 page tables")->at("range_vaddr") == f.range);
      CHECK(j["kaslr"]["slide"] == f.slide);
      const auto out = run_tool("kallsyms " + quote(core.string()), f.name + "-addr-k");
      CHECK(out.out == support::truth_without_modules(f.name));
    }
  }
}
