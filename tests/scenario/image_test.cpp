// SPDX-License-Identifier: Apache-2.0
// Kernel images as inputs, built the way the kernel build wraps them: each
// of the seven compressions as a whole file and embedded in a boot image
// among decoys, EFI zboot around an arm64 Image, ARM zImage, relocatable
// images whose base only their relocation tables tell. The tool's output is
// compared line for line with the generated table.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <optional>

#include "decompress.hpp"
#include "image_input.hpp"
#include "generator/compressors.hpp"
#include "generator/dump_writer.hpp"
#include "generator/kallsyms_writer.hpp"
#include "generator/memory_image.hpp"
#include "generator/symbols.hpp"
#include "support/fixtures.hpp"
#include "support/run.hpp"

namespace {

using mquire::byte_order;
using gen::bytes;

const char* const all_compressions[] = {"gzip", "xz", "lzma", "bzip2", "lz4", "lzo", "zstd"};

// A kernel proper: a raw image with a 6.2-era table inside random bytes.
struct kernel {
  bytes image;
  std::string kallsyms; // what the tool must print
  std::size_t table_at = 0;
  gen::output table;
};

std::string expected_text(const gen::output& out, unsigned word_size) {
  std::string s;
  char line[600];
  for (const auto& y : out.symbols) {
    std::snprintf(line, sizeof line, "%0*llx %c %s\n", static_cast<int>(word_size * 2),
                  static_cast<unsigned long long>(y.address), y.type, y.name.c_str());
    s += line;
  }
  return s;
}

kernel make_kernel(std::uint64_t seed, std::uint64_t text_base = 0xffffffff80100000ull,
                   byte_order order = byte_order::little) {
  kernel k;
  const auto syms = gen::make_symbols({.count = 3000, .seed = seed, .text_base = text_base});
  k.table = gen::write_kallsyms(syms, {.e = gen::era::v6_2, .word_size = 8, .order = order,
                                       .encoding = mquire::address_encoding::base_relative});
  k.table_at = 0x80000;
  k.image = gen::embed(k.table.bytes, {.total = 0x100000, .at = k.table_at, .seed = seed});
  k.kallsyms = expected_text(k.table, 8);
  return k;
}

std::string write_input(const std::string& name, const bytes& b) {
  const auto p = support::cache_dir() / ("image-" + name);
  REQUIRE(support::write_file(p, b));
  return p.string();
}

struct tool_answer {
  std::string kallsyms;
  std::string description;
  std::string err;
  int status;
};

tool_answer run_on(const std::string& path, const std::string& tag) {
  const auto r = support::run_tool("kallsyms " + support::quote(path), tag);
  const auto j = support::run_tool("inspect --format json " + support::quote(path), tag + "-inspect");
  tool_answer a{r.out, "", r.err, r.status};
  if (j.status == 0) a.description = nlohmann::json::parse(j.out)["description"].get<std::string>();
  return a;
}

// A boot image: a few KiB of "code", decoys that look like the start of a
// compressed stream but are not one, a small valid gzip stream that is not
// the kernel (an initramfs or a config), then the kernel's stream.
bytes boot_image(const bytes& kernel_stream, std::uint64_t seed) {
  bytes b = gen::embed({}, {.total = 0x3000, .seed = seed, .decoy_digit_runs = 0, .decoy_banners = 0});
  const bytes decoys[] = {{0x1f, 0x8b, 0x08, 0x00, 0xff, 0xff}, {0xfd, '7', 'z', 'X', 'Z', 0x00, 0x13}};
  for (const auto& d : decoys) b.insert(b.end(), d.begin(), d.end());
  const bytes other = gen::gzip_compress(gen::embed({}, {.total = 0x8000, .seed = seed + 1}));
  b.insert(b.end(), other.begin(), other.end());
  b.resize((b.size() + 0xfff) & ~std::size_t{0xfff}, 0);
  b.insert(b.end(), kernel_stream.begin(), kernel_stream.end());
  b.insert(b.end(), 0x200, 0);
  return b;
}

void put(bytes& b, std::size_t at, std::uint64_t v, unsigned n, byte_order o) {
  for (unsigned i = 0; i < n; ++i) {
    const unsigned shift = 8 * (o == byte_order::little ? i : n - 1 - i);
    b.at(at + i) = static_cast<std::uint8_t>(v >> shift);
  }
}

// A relocatable image (arm64 Image, s390 image): relative_base reads 0 and
// the image's .rela.dyn fills it in, plus pointers to symbols.
struct relocatable {
  std::uint64_t base;      // link address of the image's first byte
  byte_order order;
  std::uint32_t relative;  // R_*_RELATIVE
  std::uint32_t symbolic;  // when nonzero: relative_base via R_*_64 against _text (s390)
};

// Appends a .rela.dyn after the table: 400 R_*_RELATIVE entries pointing
// at symbols, and, when `rb` is set, at index 200 the entry that fills
// kallsyms_relative_base (at image offset *rb).
void write_relocations(kernel& k, const relocatable& r, std::optional<std::size_t> rb, std::uint64_t seed) {
  std::size_t pos = (k.table_at + k.table.bytes.size() + 0x1000) & ~std::size_t{7};
  const auto entry = [&](std::uint64_t offset, std::uint64_t info, std::uint64_t addend) {
    put(k.image, pos, offset, 8, r.order);
    put(k.image, pos + 8, info, 8, r.order);
    put(k.image, pos + 16, addend, 8, r.order);
    pos += 24;
  };
  gen::rng g{seed};
  for (int i = 0; i < 400; ++i) {
    if (i == 200 && rb) {
      const std::uint64_t first = r.base + 0x10000;
      if (r.symbolic) entry(r.base + *rb, (std::uint64_t{7} << 32) | r.symbolic, first - r.base);
      else entry(r.base + *rb, r.relative, first);
      continue;
    }
    const auto& target = k.table.symbols[g.below(k.table.symbols.size())];
    entry(r.base + 0x20000 + 8 * static_cast<std::uint64_t>(i), r.relative, target.address);
  }
}

kernel make_relocatable(const relocatable& r, std::uint64_t seed) {
  kernel k = make_kernel(seed, r.base + 0x10000, r.order);
  const std::size_t rb = k.table_at + k.table.offset.at(mquire::section_role::relative_base);
  put(k.image, rb, 0, 8, r.order);
  write_relocations(k, r, rb, seed);
  return k;
}

} // namespace

TEST_CASE("decompress: every kernel compression round-trips, and trailing bytes are ignored", "[image][decompress]") {
  const bytes data = gen::embed({}, {.total = 300000, .seed = 3});
  for (const char* c : all_compressions) {
    INFO(c);
    const bytes packed = gen::append_size(gen::compress(c, data), data.size());
    REQUIRE(tool::compression_at(packed));
    CHECK(mquire::sources::to_string(*tool::compression_at(packed)) == c);
    auto d = tool::decompress_payload(packed);
    REQUIRE(d);
    CHECK(std::ranges::equal(d->bytes, data));
    CHECK(d->how == c);
  }
}

TEST_CASE("decompress: truncated, corrupt and oversized streams are refused with a reason", "[image][decompress][errors]") {
  const bytes data(4u << 20, 'k'); // compresses to almost nothing: a bomb in miniature
  for (const char* c : all_compressions) {
    INFO(c);
    const bytes packed = gen::compress(c, data);
    auto big = tool::decompress_payload(packed, 1u << 20);
    REQUIRE_FALSE(big);
    CHECK_THAT(big.err().message, Catch::Contains("more than 1048576 bytes"));
    const bytes cut(packed.begin(), packed.begin() + static_cast<long>(packed.size() / 2));
    auto truncated = tool::decompress_payload(cut);
    if (std::string(c) != "lz4") { // legacy lz4 has no end marker: a cut stream is a shorter one
      REQUIRE_FALSE(truncated);
      CHECK_THAT(truncated.err().message, Catch::Contains(c));
    }
  }
  const bytes junk = {0x42, 0x00, 0x17};
  auto none = tool::decompress_payload(junk);
  REQUIRE_FALSE(none);
  CHECK_THAT(none.err().message, Catch::Contains("not recognised"));
}

TEST_CASE("tool: a kernel compressed whole with each compression (vmlinux.xz, Image.lz4, ...)", "[image][tool]") {
  const kernel k = make_kernel(11);
  for (const char* c : all_compressions) {
    INFO(c);
    const auto path = write_input(std::string("whole.") + c, gen::append_size(gen::compress(c, k.image), k.image.size()));
    const auto a = run_on(path, std::string("whole-") + c);
    REQUIRE(a.status == 0);
    CHECK(a.kallsyms == k.kallsyms);
    CHECK(a.err.empty());
    CHECK_THAT(a.description, Catch::Contains(std::string("whole file, ") + c));
  }
}

// A bzImage (Documentation/arch/x86/boot.rst) around `payload`, the
// compressed kernel with the uncompressed size the build appends.
bytes bzimage(const bytes& payload) {
  constexpr std::size_t setup_sects = 3, payload_offset = 0x200;
  bytes img((setup_sects + 1) * 512 + payload_offset, 0);
  std::memcpy(img.data() + 0x202, "HdrS", 4);
  put(img, 0x1f1, setup_sects, 1, byte_order::little);
  put(img, 0x206, 0x20f, 2, byte_order::little);
  put(img, 0x248, payload_offset, 4, byte_order::little);
  put(img, 0x24c, payload.size(), 4, byte_order::little);
  img.insert(img.end(), payload.begin(), payload.end());
  return img;
}

// A vmlinux: an ELF image whose first PT_LOAD holds the kernel's table
// (3 MiB in all) and whose second holds 1.5 MiB more, with a note before
// them: each more than the megabyte a decompression publishes at a time.
bytes vmlinux_of(const kernel& k) {
  bytes data = gen::embed(k.image, {.total = 3u << 20, .at = 0x100000, .seed = 5, .decoy_digit_runs = 2});
  const bytes more = gen::embed({}, {.total = 3u << 19, .seed = 6, .decoy_digit_runs = 0, .decoy_banners = 0});
  data.insert(data.end(), more.begin(), more.end());
  bytes elf = gen::elf_core(data, {{0, 3u << 20, 0x1000000}, {3u << 20, 3u << 19, 0x1400000}}, "OSRELEASE=6.2.0\n");
  put(elf, 16, 2, 2, byte_order::little); // ET_EXEC
  for (std::size_t i = 1; i <= 2; ++i) // p_vaddr of each PT_LOAD (after the note's header)
    put(elf, 64 + 56 * i + 16, 0xffffffff80000000ull + (i == 1 ? 0 : (3u << 20)), 8, byte_order::little);
  return elf;
}

TEST_CASE("tool: a bzImage is searched while its payload arrives, and answers as the whole payload would",
          "[image][tool][arriving]") {
  // No SECTIONs: each would build and compress the kernel again.
  const kernel k = make_kernel(21);
  const bytes vmlinux = vmlinux_of(k);
  // What the vmlinux gives by itself is what its bzImage must give.
  const auto plain = run_on(write_input("arriving.vmlinux", vmlinux), "arriving-vmlinux");
  REQUIRE(plain.status == 0);
  REQUIRE(plain.kallsyms.find(k.kallsyms) == 0);
  const std::string unpacked = "vmlinux ELF, " + std::to_string(vmlinux.size()) + " bytes -> ";
  const auto run_bz = [&](const std::string& name, const bytes& payload) {
    INFO(name);
    return run_on(write_input(name, bzimage(payload)), name);
  };
  for (const std::string c : {"zstd", "xz", "gzip"}) {
    INFO(c);
    const bytes packed = gen::compress(c, vmlinux);
    const auto a = run_bz("arriving-" + c, gen::append_size(packed, vmlinux.size()));
    CHECK(a.status == 0);
    CHECK(a.kallsyms == plain.kallsyms);
    CHECK(a.err == plain.err);
    CHECK_THAT(a.description, Catch::Contains("bzImage payload at file offset 0xa00, " + c + " -> " + unpacked +
                                              "ELF64 LE image, machine 62, 2 loadable segments, VMCOREINFO note"));
    // A payload that does not end at its stated size is not the block that
    // was searched as it came: the search runs again over what came.
    for (const long skew : {-4096L, 4096L}) {
      INFO(skew);
      const auto b = run_bz("arriving-skew" + std::to_string(skew) + "-" + c,
                            gen::append_size(packed, static_cast<std::size_t>(static_cast<long>(vmlinux.size()) + skew)));
      CHECK(b.status == 0);
      CHECK(b.kallsyms == plain.kallsyms);
      CHECK_THAT(b.description, Catch::Contains(c + " -> " + unpacked));
    }
    // Cut after the table has arrived: the search found it, but the image
    // does not unpack, and the tool says so as it always has.
    const bytes cut(packed.begin(), packed.begin() + static_cast<std::ptrdiff_t>(packed.size() * 3 / 4));
    const bytes img = bzimage(gen::append_size(cut, vmlinux.size()));
    const auto unpacked_whole = tool::unpack_kernel_image(img);
    REQUIRE_FALSE(unpacked_whole);
    const auto path = write_input("arriving-cut-" + c, img);
    const auto r = support::run_tool("kallsyms " + support::quote(path), "arriving-cut-" + c);
    CHECK(r.status == 3);
    CHECK(r.out.empty());
    CHECK(r.err == "mquire: " + path + ": " + unpacked_whole.err().message + "\n");
  }
  const auto raw = run_bz("arriving-raw", gen::append_size(gen::zstd_compress(k.image), k.image.size()));
  CHECK(raw.status == 0);
  CHECK(raw.kallsyms == k.kallsyms);
  CHECK_THAT(raw.description, Catch::Contains("zstd -> raw kernel image, " + std::to_string(k.image.size()) + " bytes"));
}

TEST_CASE("tool: a boot image embedding the kernel's stream among decoys, each compression", "[image][tool]") {
  const kernel k = make_kernel(12);
  for (const char* c : all_compressions) {
    INFO(c);
    const bytes stream = gen::append_size(gen::compress(c, k.image), k.image.size());
    const bytes img = boot_image(stream, 5);
    auto unpacked = tool::unpack_kernel_image(img);
    REQUIRE(unpacked);
    CHECK(std::ranges::equal(unpacked->bytes, k.image));
    CHECK_THAT(unpacked->how, Catch::StartsWith(std::string("embedded ") + c + " stream at file offset 0x"));
    // lz4 and lzo leave incompressible data as literals, so the table may be
    // found in the file directly; either way the answer is the same.
    const auto a = run_on(write_input(std::string("boot.") + c, img), std::string("boot-") + c);
    REQUIRE(a.status == 0);
    CHECK(a.kallsyms == k.kallsyms);
  }
}

TEST_CASE("tool: ARM zImage (magic at 0x24) with a gzip payload", "[image][tool]") {
  const kernel k = make_kernel(13);
  bytes img = boot_image(gen::append_size(gen::gzip_compress(k.image), k.image.size()), 6);
  put(img, 0x24, 0x016f2818, 4, byte_order::little);
  const auto a = run_on(write_input("zImage", img), "zimage");
  REQUIRE(a.status == 0);
  CHECK(a.kallsyms == k.kallsyms);
  CHECK_THAT(a.description, Catch::StartsWith("ARM zImage, embedded gzip stream"));
}

TEST_CASE("tool: relocatable images get their link-time base from their own relocations", "[image][tool][addressing]") {
  SECTION("arm64 Image inside an EFI zboot image (gzip): R_AARCH64_RELATIVE") {
    const std::uint64_t base = 0xffff800008000000ull;
    kernel k = make_relocatable({base, byte_order::little, 1027, 0}, 21);
    std::memcpy(k.image.data() + 0x38, "ARM\x64", 4);
    const bytes payload = gen::gzip_compress(k.image);
    bytes zboot(0x200, 0);
    std::memcpy(zboot.data(), "MZ\0\0zimg", 8);
    put(zboot, 8, zboot.size(), 4, byte_order::little);
    put(zboot, 12, payload.size(), 4, byte_order::little);
    std::memcpy(zboot.data() + 24, "gzip", 5);
    zboot.insert(zboot.end(), payload.begin(), payload.end());
    zboot.insert(zboot.end(), 0x1000, 0);
    const auto a = run_on(write_input("zboot", zboot), "zboot");
    REQUIRE(a.status == 0);
    CHECK(a.kallsyms == k.kallsyms);
    CHECK(a.err.empty());
    CHECK_THAT(a.description, Catch::Contains("EFI zboot payload at file offset 0x200, gzip -> arm64 Image"));
  }
  SECTION("big-endian s390-style image (xz): relative_base through R_390_64 against _text") {
    const std::uint64_t base = 0x100000;
    const kernel k = make_relocatable({base, byte_order::big, 12, 22}, 22);
    const auto a = run_on(write_input("s390.xz", gen::append_size(gen::xz_compress(k.image), k.image.size())), "s390");
    REQUIRE(a.status == 0);
    CHECK(a.kallsyms == k.kallsyms);
    CHECK(a.err.empty());
  }
  SECTION("riscv64 Image.gz: R_RISCV_RELATIVE") {
    const std::uint64_t base = 0xffffffff80000000ull;
    kernel k = make_relocatable({base, byte_order::little, 3, 0}, 24);
    std::memcpy(k.image.data() + 0x38, "RSC\x05", 4);
    const auto a = run_on(write_input("riscv.Image.gz", gen::gzip_compress(k.image)), "riscv");
    REQUIRE(a.status == 0);
    CHECK(a.kallsyms == k.kallsyms);
    CHECK(a.err.empty());
    CHECK_THAT(a.description, Catch::Contains("whole file, gzip -> riscv Image"));
  }
  SECTION("7.0 place-relative arm64 Image: the base from the relocations alone") {
    const relocatable r{0xffff800080000000ull, byte_order::little, 1027, 0};
    kernel k;
    k.table_at = 0x80000;
    const auto syms = gen::make_symbols({.count = 3000, .seed = 25, .text_base = r.base + 0x10000});
    k.table = gen::write_kallsyms(syms, {.e = gen::era::v7_0, .word_size = 8, .encoding = mquire::address_encoding::place_relative,
                                         .vaddr = r.base + k.table_at});
    k.image = gen::embed(k.table.bytes, {.total = 0x100000, .at = k.table_at, .seed = 25});
    k.kallsyms = expected_text(k.table, 8);
    std::memcpy(k.image.data() + 0x38, "ARM\x64", 4);
    write_relocations(k, r, std::nullopt, 25);
    const auto a = run_on(write_input("v70.Image", k.image), "v70");
    REQUIRE(a.status == 0);
    CHECK(a.kallsyms == k.kallsyms);
    CHECK(a.err.empty());
  }
  SECTION("without its relocation table the same image prints offsets and says so") {
    kernel k = make_relocatable({0xffff800008000000ull, byte_order::little, 1027, 0}, 23);
    const std::size_t rela = (k.table_at + k.table.bytes.size() + 0x1000) & ~std::size_t{7};
    std::fill(k.image.begin() + static_cast<long>(rela), k.image.begin() + static_cast<long>(rela + 400 * 24), 0);
    const auto a = run_on(write_input("norela.gz", gen::gzip_compress(k.image)), "norela");
    REQUIRE(a.status == 0);
    CHECK_THAT(a.err, Catch::Contains("addresses are relative"));
    CHECK(a.kallsyms.substr(0, 17) == "0000000000000000 ");
  }
}

TEST_CASE("tool: images that hold no kernel say what was tried", "[image][tool][errors]") {
  SECTION("a stream that decompresses to something else") {
    const bytes img = boot_image(gen::xz_compress(gen::embed({}, {.total = 0x20000, .seed = 9})), 7);
    const auto r = support::run_tool("kallsyms " + support::quote(write_input("nokernel", img)), "nokernel");
    CHECK(r.status == 1);
    CHECK_THAT(r.err, Catch::Contains("no decompressed stream holds a kallsyms token table"));
    CHECK_THAT(r.err, Catch::Contains("xz at 0x"));
  }
  SECTION("decoy streams nested inside decoy streams cost a bounded number of attempts") {
    bytes inner;
    for (int i = 0; i < 20; ++i) {
      const bytes g = gen::gzip_compress(gen::embed({}, {.total = 0x400, .seed = 100u + i}));
      inner.insert(inner.end(), g.begin(), g.end());
    }
    bytes outer = {0x00}; // not a stream at offset 0: the embedded search
    for (int i = 0; i < 20; ++i) {
      const bytes g = gen::gzip_compress(inner);
      outer.insert(outer.end(), g.begin(), g.end());
    }
    auto r = tool::unpack_kernel_image(outer, 1u << 20);
    REQUIRE_FALSE(r);
    // 48 attempts in all, not 20 x 20: the budget is shared by every layer.
    const std::string& m = r.err().message;
    CHECK(static_cast<std::size_t>(std::count(m.begin(), m.end(), '(')) <= tool::max_embedded_attempts);
  }
  SECTION("a compressed file cut short") {
    const kernel k = make_kernel(14);
    bytes packed = gen::xz_compress(k.image);
    packed.resize(packed.size() / 3);
    const auto r = support::run_tool("kallsyms " + support::quote(write_input("cut.xz", packed)), "cutxz");
    CHECK(r.status == 1);
    CHECK_THAT(r.err, Catch::Contains("none decompresses"));
  }
  SECTION("a bzImage whose payload lies outside the file") {
    bytes img(0x1000, 0);
    std::memcpy(img.data() + 0x202, "HdrS", 4);
    put(img, 0x1f1, 4, 1, byte_order::little);
    put(img, 0x206, 0x20f, 2, byte_order::little);
    put(img, 0x248, 0x100, 4, byte_order::little);
    put(img, 0x24c, 0x100000, 4, byte_order::little);
    const auto r = support::run_tool("kallsyms " + support::quote(write_input("badbz", img)), "badbz");
    CHECK(r.status == 3);
    CHECK_THAT(r.err, Catch::Contains("bzImage payload [0xb00, +0x100000) lies outside the file"));
  }
}

TEST_CASE("tool: an OpenWRT-style kernel (uncompressed names, 32-bit big-endian) inside an lzma boot image", "[image][tool][uncompressed]") {
  auto syms = gen::make_symbols({.count = 2500, .seed = 31, .text_base = 0x80001000, .short_names_only = true});
  syms.push_back({0x80000400, 'T', "_stext"});
  gen::config c{.e = gen::era::v6_4, .word_size = 4, .order = byte_order::big,
                .encoding = mquire::address_encoding::base_relative, .uncompressed = true};
  const auto table = gen::write_kallsyms(syms, c);
  const bytes kernel = gen::embed(table.bytes, {.total = 0x80000, .at = 0x40000, .seed = 31});
  const bytes img = boot_image(gen::append_size(gen::lzma_compress(kernel), kernel.size()), 8);
  const auto a = run_on(write_input("openwrt", img), "openwrt");
  REQUIRE(a.status == 0);
  CHECK(a.kallsyms == expected_text(table, 4));
  CHECK_THAT(a.description, Catch::Contains("embedded lzma stream"));
  const auto j = nlohmann::json::parse(
      support::run_tool("inspect --format json " + support::quote(support::cache_dir().string() + "/image-openwrt"), "openwrt-j").out);
  CHECK(j["tables"][0]["layout"] == "uncompressed-names-6.4-base-relative");
}

TEST_CASE("compression bombs in every compression stop early, within the unpacking's byte budget",
          "[image][tool][hostile]") {
  const bytes zeros(64u << 20, 0); // twice the longest run of one byte a kernel may hold
  // One attempt stops within a chunk (lzo: a block) past the longest run.
  const std::uint64_t per_attempt = tool::max_uniform_run + (64u << 20);
  // No SECTIONs: each would run the loop again, compressing every bomb anew.
  for (const char* c : all_compressions) {
    INFO(c);
    const bytes bomb = gen::compress(c, zeros);
    // The whole file is a bomb.
    tool::decompress_budget spent;
    const auto r = tool::unpack_kernel_image(bomb, tool::max_decompressed, &spent);
    REQUIRE_FALSE(r);
    CHECK_THAT(r.err().message, Catch::Contains("compression bomb"));
    CHECK(spent.spent <= 2 * per_attempt); // the whole file, then the same stream as an embedded one
    const auto t = support::run_tool("kallsyms " + support::quote(write_input(std::string("bomb.") + c, bomb)),
                                     std::string("bomb-") + c);
    CHECK((t.status == 1 || t.status == 3));
    CHECK_THAT(t.err, Catch::Contains("compression bomb"));
    // Embedded after other bytes.
    bytes embedded = gen::embed({}, {.total = 4096, .seed = 7});
    embedded.insert(embedded.end(), bomb.begin(), bomb.end());
    tool::decompress_budget embedded_spent;
    CHECK_FALSE(tool::unpack_kernel_image(embedded, tool::max_decompressed, &embedded_spent));
    CHECK(embedded_spent.spent <= per_attempt + 4096 * 64);
    // Nested in gzip: the outer layer is no bomb (its bytes come back as "no
    // kallsyms landmark"); the bomb inside stops as early as a whole file does.
    const bytes nested = gen::gzip_compress(bomb);
    tool::decompress_budget nested_spent;
    (void)tool::unpack_kernel_image(nested, tool::max_decompressed, &nested_spent);
    CHECK(nested_spent.spent <= bomb.size() + 3 * per_attempt);
  }
}
