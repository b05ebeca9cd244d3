// SPDX-License-Identifier: Apache-2.0
// system/kernel_log on logs generated in kernel memory: the printk ring
// buffer (5.10 and later) and the log_buf of struct printk_log records
// before it, declared in C, their BTF made by pahole, the same
// declarations compiled into this test to lay the logs out on scattered
// pages behind x86_64 and arm64 page tables. The ring holds what a real
// one holds after it wrapped: a record whose text was pushed out, a
// multi-line record, an empty line, a text block that wrapped to the
// ring's start, a torn block and a last record not yet finalized. The
// reader must print what the kernel's syslog reader would, and say what it
// left out.
#include <catch2/catch.hpp>

#include <cstddef>
#include <cstring>
#include <map>

#include <mquire/system/kernel_log.hpp>

#include "support/btf_producer.hpp"
#include "support/kernel_memory.hpp"
#include "support/symbol_table.hpp"

namespace {

#define LOG_STRINGIFY(...) #__VA_ARGS__
#define LOG_AS_TEXT(...) LOG_STRINGIFY(__VA_ARGS__)

#define LOG_DECLS                                                                                                      \
  typedef unsigned long long u64;                                                                                      \
  typedef unsigned int u32;                                                                                            \
  typedef unsigned short u16;                                                                                          \
  typedef unsigned char u8;                                                                                            \
  typedef struct {                                                                                                     \
    long counter;                                                                                                      \
  } atomic_long_t;                                                                                                     \
  struct dev_printk_info {                                                                                             \
    char subsystem[16];                                                                                                \
    char device[48];                                                                                                   \
  };                                                                                                                   \
  struct printk_info {                                                                                                 \
    u64 seq;                                                                                                           \
    u64 ts_nsec;                                                                                                       \
    u16 text_len;                                                                                                      \
    u8 facility;                                                                                                       \
    u8 flags : 5;                                                                                                      \
    u8 level : 3;                                                                                                      \
    u32 caller_id;                                                                                                     \
    struct dev_printk_info dev_info;                                                                                   \
  };                                                                                                                   \
  struct prb_data_blk_lpos {                                                                                           \
    unsigned long begin;                                                                                               \
    unsigned long next;                                                                                                \
  };                                                                                                                   \
  struct prb_desc {                                                                                                    \
    atomic_long_t state_var;                                                                                           \
    struct prb_data_blk_lpos text_blk_lpos;                                                                            \
  };                                                                                                                   \
  struct prb_data_ring {                                                                                               \
    unsigned int size_bits;                                                                                            \
    char *data;                                                                                                        \
    atomic_long_t head_lpos;                                                                                           \
    atomic_long_t tail_lpos;                                                                                           \
  };                                                                                                                   \
  struct prb_desc_ring {                                                                                               \
    unsigned int count_bits;                                                                                           \
    struct prb_desc *descs;                                                                                            \
    struct printk_info *infos;                                                                                         \
    atomic_long_t head_id;                                                                                             \
    atomic_long_t tail_id;                                                                                             \
    atomic_long_t last_finalized_seq;                                                                                  \
  };                                                                                                                   \
  struct printk_ringbuffer {                                                                                           \
    struct prb_desc_ring desc_ring;                                                                                    \
    struct prb_data_ring text_data_ring;                                                                               \
    atomic_long_t fail;                                                                                                \
  };                                                                                                                   \
  struct printk_log {                                                                                                  \
    u64 ts_nsec;                                                                                                       \
    u16 len;                                                                                                           \
    u16 text_len;                                                                                                      \
    u16 dict_len;                                                                                                      \
    u8 facility;                                                                                                       \
    u8 flags : 5;                                                                                                      \
    u8 level : 3;                                                                                                      \
  };

#define LOG_USE                                                                                                        \
  struct printk_ringbuffer g_rb;                                                                                       \
  struct printk_log g_log;

LOG_DECLS

using support::arch;
using support::as;
using support::kernel_memory;

const std::vector<std::uint8_t>& log_btf() {
  static const auto blob = support::produce_btf("kernel_log", LOG_AS_TEXT(LOG_DECLS LOG_USE), "gcc");
  return blob;
}

constexpr std::uint64_t sv_flags_shift = 62;
constexpr std::uint64_t ts_of(std::uint64_t id) { return 1500000000ull + id * 1000123ull; }

// A wrapped ring of 8 descriptors over 256 text bytes, ids 10..17.
struct ring_case {
  std::map<std::string, std::uint64_t> syms;
  std::string want; // what dmesg prints
};

ring_case build_ring(kernel_memory& m) {
  constexpr unsigned count_bits = 3, size_bits = 8;
  constexpr std::uint64_t count = 1u << count_bits, size = 1u << size_bits;
  const std::uint64_t descs = m.alloc(sizeof(prb_desc) * count), infos = m.alloc(sizeof(printk_info) * count);
  const std::uint64_t data = m.alloc(size);
  enum kind { lost, text, empty_line, torn, committed };
  struct rec {
    kind k;
    std::string body;
  };
  // id 10 .. 17
  const std::vector<rec> recs = {{lost, "pushed out"},        {text, "first line"},   {text, "multi\nline"},
                                 {empty_line, ""},            {torn, "torn block"},   {text, "wrapped to the start"},
                                 {text, "last final record"}, {committed, "still open"}};
  std::uint64_t lpos = 3 * size + 152; // the writer is in its fourth lap, past the middle (lpos are id-aligned)
  ring_case out;
  for (std::size_t i = 0; i < recs.size(); ++i) {
    const std::uint64_t id = 10 + i, index = id & (count - 1);
    const rec& r = recs[i];
    prb_desc d{};
    printk_info info{};
    info.seq = id - 4;
    info.ts_nsec = ts_of(id);
    info.text_len = static_cast<u16>(r.body.size());
    info.level = 6;
    const std::uint64_t state = r.k == lost ? 3 : r.k == committed ? 1 : 2;
    d.state_var.counter = static_cast<long>(state << sv_flags_shift | id);
    if (r.k == empty_line) {
      d.text_blk_lpos = {3, 3};
    } else {
      const std::uint64_t need = (8 + r.body.size() + 7) / 8 * 8;
      std::uint64_t begin = lpos, next = begin + need, block = begin % size;
      if (begin / size != next / size) { // get_next_lpos(): ends in the next lap, so stored at the start
        next = (begin / size + 1) * size + need;
        block = 0;
        const std::uint64_t marker = id;
        m.write(data + begin % size, &marker, 8);
      }
      const std::uint64_t block_id = r.k == torn ? id + 1000 : id;
      m.write(data + block, &block_id, 8);
      m.write(data + block + 8, r.body.data(), r.body.size());
      d.text_blk_lpos = {static_cast<unsigned long>(begin), static_cast<unsigned long>(next)};
      lpos = next;
    }
    m.write(descs + index * sizeof(prb_desc), &d, sizeof d);
    m.write(infos + index * sizeof(printk_info), &info, sizeof info);
    if (r.k == text || r.k == empty_line) {
      char prefix[32];
      std::snprintf(prefix, sizeof prefix, "[%5llu.%06llu] ", static_cast<unsigned long long>(ts_of(id) / 1000000000),
                    static_cast<unsigned long long>(ts_of(id) % 1000000000 / 1000));
      std::string body = r.body;
      for (std::size_t nl; (nl = body.find('\n')) != std::string::npos; body.erase(0, nl + 1))
        out.want += prefix + body.substr(0, nl) + "\n";
      out.want += prefix + body + "\n";
    }
  }
  REQUIRE(out.want.find("wrapped to the start") != std::string::npos);
  printk_ringbuffer rb{};
  rb.desc_ring.count_bits = count_bits;
  rb.desc_ring.descs = as<prb_desc*>(descs);
  rb.desc_ring.infos = as<printk_info*>(infos);
  rb.desc_ring.tail_id.counter = 10;
  rb.desc_ring.head_id.counter = 17;
  rb.text_data_ring.size_bits = size_bits;
  rb.text_data_ring.data = as<char*>(data);
  const std::uint64_t rb_va = m.alloc(sizeof rb);
  m.write(rb_va, &rb, sizeof rb);
  out.syms["prb"] = m.put_word(rb_va);
  return out;
}

// log_buf of 160 bytes: records 7..10, the last one wrapped to the start.
ring_case build_log_buf(kernel_memory& m) {
  constexpr std::uint64_t size = 160;
  const std::uint64_t buf = m.alloc(size);
  ring_case out;
  std::uint64_t idx = 64;
  const std::vector<std::string> texts = {"alpha", "bravo charlie", "delta", "echo foxtrot"};
  for (std::size_t i = 0; i < texts.size(); ++i) {
    printk_log h{};
    h.ts_nsec = ts_of(i);
    h.text_len = static_cast<u16>(texts[i].size());
    h.len = static_cast<u16>((sizeof h + texts[i].size() + 7) / 8 * 8);
    if (idx + h.len + sizeof h > size) { // the writer's wrap: a zero header, then the start
      const printk_log zero{};
      m.write(buf + idx, &zero, sizeof zero);
      idx = 0;
    }
    m.write(buf + idx, &h, sizeof h);
    m.write(buf + idx + sizeof h, texts[i].data(), texts[i].size());
    idx += h.len;
    char prefix[32];
    std::snprintf(prefix, sizeof prefix, "[%5llu.%06llu] ", static_cast<unsigned long long>(ts_of(i) / 1000000000),
                  static_cast<unsigned long long>(ts_of(i) % 1000000000 / 1000));
    out.want += prefix + texts[i] + "\n";
  }
  REQUIRE(idx < 64); // the last record wrapped
  out.syms["log_buf"] = m.put_word(buf);
  std::uint64_t v = size;
  out.syms["log_buf_len"] = m.put_word(v);
  out.syms["log_first_idx"] = m.put_word(64);
  out.syms["log_first_seq"] = m.put_word(7);
  out.syms["log_next_seq"] = m.put_word(7 + texts.size());
  return out;
}

// The log as read_kernel_log finds it through `m`'s page tables, with
// `syms` as the kernel's symbols.
mquire::result<mquire::system::kernel_log> read_log(const kernel_memory& m, const mquire::objects::kernel_types& types,
                                                    const std::map<std::string, std::uint64_t>& syms) {
  const auto vm = m.memory();
  const mquire::objects::object_reader reader(vm, types);
  const auto table = support::symbol_table(syms, 'd');
  const mquire::objects::symbol_index index(table);
  return mquire::system::read_kernel_log(reader, index);
}

std::string dmesg_of(const mquire::system::kernel_log& log) {
  std::string s;
  for (const auto& r : log.records) s += mquire::system::dmesg_text(r);
  return s;
}

} // namespace

TEST_CASE("kernel log: the printk ring buffer and log_buf, as dmesg prints them", "[system][kernel_log]") {
  const auto& blob = log_btf();
  auto bt = mquire::btf::type_info::parse(blob);
  REQUIRE(bt);
  const mquire::objects::kernel_types types(*bt, 8);
  for (arch a : {arch::x86_64, arch::arm64}) {
    DYNAMIC_SECTION((a == arch::x86_64 ? "x86_64" : "arm64")) {
      kernel_memory m(a);
      SECTION("ring buffer: finalized records only, the lost, torn and open ones said") {
        const ring_case c = build_ring(m);
        auto log = read_log(m, types, c.syms);
        REQUIRE(log);
        CHECK(dmesg_of(*log) == c.want);
        REQUIRE(log->records.size() == 5);
        CHECK(log->records.front().seq == 7);
        CHECK(log->records.front().level == 6);
        CHECK(log->records[2].text.empty()); // the empty line
        std::string notes;
        for (const auto& n : log->notes) notes += n + "\n";
        CHECK(notes.find("1 records had their text overwritten") != std::string::npos);
        CHECK(notes.find("1 records are torn") != std::string::npos);
      }
      SECTION("log_buf: records from log_first_idx, through the writer's wrap") {
        const ring_case c = build_log_buf(m);
        auto log = read_log(m, types, c.syms);
        REQUIRE(log);
        CHECK(dmesg_of(*log) == c.want);
        CHECK(log->notes.empty());
        CHECK(log->records.back().seq == 10);
      }
      SECTION("hostile sizes are refused, not walked") {
        const ring_case c = build_ring(m);
        // A ring claiming 2^40 descriptors.
        const auto rb = m.memory().pointer(c.syms.at("prb"));
        REQUIRE(rb);
        const unsigned huge = 40;
        m.write(*rb + offsetof(printk_ringbuffer, desc_ring.count_bits), &huge, 4);
        auto log = read_log(m, types, c.syms);
        REQUIRE(!log);
        CHECK(log.err().message.find("implausible sizes") != std::string::npos);
      }
    }
  }
}
