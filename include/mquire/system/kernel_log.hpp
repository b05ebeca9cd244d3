// SPDX-License-Identifier: Apache-2.0
// The kernel log as `dmesg` prints it, read from the dump: the lockless
// printk ring buffer (5.10 and later: `prb`, a ring of descriptors and one
// of text blocks) or, before it, the `log_buf` of struct printk_log
// records. Records are read the way the kernel's own reader reads them:
// only finalized records, in sequence order, stopping at the first record
// not yet finalized. A record whose descriptor was reused, whose data were
// pushed out, or whose text block does not name it is reported and left
// out: never guessed.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "../detail/hex.hpp"
#include "../error.hpp"
#include "../objects/object_reader.hpp"
#include "../objects/symbol_index.hpp"
#include "../notes.hpp"

namespace mquire::system {

struct log_record {
  std::uint64_t seq = 0;
  std::uint64_t ts_nsec = 0;
  unsigned facility = 0, level = 0;
  std::uint32_t caller_id = 0;
  std::string text; // the record's text, which may hold several lines
};

struct kernel_log {
  std::vector<log_record> records; // in sequence order
  std::string source;              // which buffer, where
  mquire::notes notes;  // records left out, and why
};

// At most this many records are read (a ring of 2^22 descriptors holds a
// log of 128 MiB; a hostile count cannot make the walk longer).
inline constexpr std::uint64_t max_log_records = std::uint64_t{1} << 22;

// One record as `dmesg` prints it: each line of its text behind the
// "[seconds.micro] " prefix, as the kernel's syslog reader writes it
// (record_print_text) and dmesg shows it without the "<level>".
inline std::string dmesg_text(const log_record& r) {
  char prefix[48];
  std::snprintf(prefix, sizeof prefix, "[%5llu.%06llu] ", static_cast<unsigned long long>(r.ts_nsec / 1000000000),
                static_cast<unsigned long long>(r.ts_nsec % 1000000000 / 1000));
  std::string out;
  std::size_t at = 0;
  while (true) {
    const std::size_t nl = r.text.find('\n', at);
    out += prefix;
    out.append(r.text, at, nl == std::string::npos ? std::string::npos : nl - at);
    out += '\n';
    if (nl == std::string::npos) break;
    at = nl + 1;
  }
  return out;
}

namespace detail {

// The lockless ring buffer (kernel/printk/printk_ringbuffer.c): a
// descriptor's state_var holds its id in the low bits and its state in the
// top two.
enum class desc_state : unsigned { reserved = 0, committed = 1, finalized = 2, reusable = 3 };

inline constexpr std::uint64_t failed_lpos = 0x1, empty_line_lpos = 0x3;
inline constexpr std::size_t max_unreadable_descriptors = 4096;

// Where a record's text block lies in the data ring, as get_data() finds
// it from the descriptor's logical positions: within one lap, or (a block
// that did not fit before the ring's end) at the ring's start. Offset and
// size of the block (its id word included); nothing when the positions are
// not a block's, or not aligned to the id that heads it.
struct text_block {
  std::uint64_t offset = 0, size = 0;
};
inline std::optional<text_block> locate_text_block(std::uint64_t begin, std::uint64_t next, unsigned size_bits,
                                                   std::uint64_t word) {
  const std::uint64_t ring = std::uint64_t{1} << size_bits;
  text_block b;
  if ((begin >> size_bits) == (next >> size_bits) && begin < next) b = {begin & (ring - 1), next - begin};
  else if (((begin + ring) >> size_bits) == (next >> size_bits)) b = {0, next & (ring - 1)};
  else return std::nullopt;
  if (begin % word != 0 || next % word != 0 || b.size < word) return std::nullopt;
  return b;
}

inline result<kernel_log> read_ringbuffer(const objects::object_reader& r, std::uint64_t prb) {
  kernel_log log;
  auto rb = r.read(prb, "printk_ringbuffer");
  if (!rb) return rb.err();
  const auto count_bits = rb->u("desc_ring.count_bits"), size_bits = rb->u("text_data_ring.size_bits");
  const auto descs = rb->u("desc_ring.descs"), data = rb->u("text_data_ring.data");
  const auto head = rb->u("desc_ring.head_id.counter"), tail = rb->u("desc_ring.tail_id.counter");
  const auto infos = rb->u("desc_ring.infos"); // the records' meta data, in an array of their own
  if (!count_bits || !size_bits || !descs || !data || !head || !tail)
    return make_error(error_code::not_found, "the kernel's types lack a printk_ringbuffer member it needs");
  if (*count_bits > 30 || *size_bits > 34 || *size_bits < 4)
    return make_error(error_code::malformed, "printk ring buffer at " + mquire::detail::hex(prb) +
                                                 ": implausible sizes (2^" + std::to_string(*count_bits) +
                                                 " descriptors, 2^" + std::to_string(*size_bits) + " text bytes)");
  const auto desc_size = r.types().struct_size("prb_desc");
  const auto info_size = r.types().struct_size("printk_info");
  if (!desc_size || !info_size) return make_error(error_code::not_found, "the kernel's types have no prb_desc / printk_info");
  const unsigned bits = r.pointer_size() * 8;
  const std::uint64_t id_mask = (bits >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << bits) - 1) >> 2;
  const std::uint64_t count = std::uint64_t{1} << *count_bits;
  const std::uint64_t data_size = std::uint64_t{1} << *size_bits;
  const std::uint64_t word = r.pointer_size();
  log.source = "printk ring buffer at " + mquire::detail::hex(prb) + " (" + std::to_string(count) + " descriptors, " +
               std::to_string(data_size) + " text bytes)";
  const std::uint64_t first = *tail & id_mask, last = *head & id_mask;
  std::uint64_t span = ((last - first) & id_mask) + 1;
  std::uint64_t start = first;
  if (span > count || span > max_log_records) {
    log.notes.add("the ring's tail and head ids (" + std::to_string(first) + ", " + std::to_string(last) +
                  ") span more records than it holds: read from the head back");
    span = std::min(count, max_log_records);
    start = (last - span + 1) & id_mask;
  }
  std::size_t lost = 0, torn = 0, unreadable_run = 0;
  std::optional<std::uint64_t> previous_seq;
  for (std::uint64_t k = 0; k < span; ++k) {
    const std::uint64_t id = (start + k) & id_mask, index = id & (count - 1);
    auto d = r.read(*descs + index * *desc_size, "prb_desc");
    if (!d) {
      ++torn;
      // Pages of descriptors missing from the dump: a long run of them
      // means the ring's fields are not what they say (bounded work).
      if (++unreadable_run == max_unreadable_descriptors) {
        log.notes.add(std::to_string(unreadable_run) + " descriptors in a row are not in the dump: the rest of the ring is not read");
        break;
      }
      continue;
    }
    unreadable_run = 0;
    const auto sv = d->u("state_var.counter");
    const auto begin = d->u("text_blk_lpos.begin"), next = d->u("text_blk_lpos.next");
    if (!sv || !begin || !next) return make_error(error_code::not_found, "the kernel's types lack a prb_desc member");
    if ((*sv & id_mask) != id) { // reused for a later record, or torn
      ++torn;
      continue;
    }
    const auto state = static_cast<desc_state>((*sv >> (bits - 2)) & 3);
    if (state == desc_state::reserved || state == desc_state::committed) {
      // The kernel's reader stops here: this record is not yet final.
      if (k + 1 < span)
        log.notes.add("record id " + std::to_string(id) + " was not finalized: the " + std::to_string(span - k - 1) +
                      " after it are not shown, as the kernel would not show them");
      break;
    }
    if (state == desc_state::reusable || (*begin == failed_lpos && *next == failed_lpos)) {
      // Its text was pushed out of the ring, or never stored. The ring
      // starts with one such descriptor at its tail (prb_init): not a loss.
      const bool initial = k == 0 && state == desc_state::reusable && *begin == failed_lpos && *next == failed_lpos;
      if (!initial) ++lost;
      continue;
    }
    // The meta data: in their own array, or (early 5.10) in the descriptor.
    const auto info_at = infos ? std::optional<std::uint64_t>(*infos + index * *info_size) : d->address_of("info");
    if (!info_at) return make_error(error_code::not_found, "the kernel's types place printk_info nowhere");
    auto info = r.read(*info_at, "printk_info");
    if (!info) {
      ++torn;
      continue;
    }
    log_record rec;
    rec.seq = info->u("seq").value_or(0);
    rec.ts_nsec = info->u("ts_nsec").value_or(0);
    rec.facility = static_cast<unsigned>(info->u("facility").value_or(0));
    rec.level = static_cast<unsigned>(info->u("level").value_or(0));
    rec.caller_id = static_cast<std::uint32_t>(info->u("caller_id").value_or(0));
    const std::uint64_t text_len = info->u("text_len").value_or(0);
    if (previous_seq && rec.seq <= *previous_seq) {
      ++torn;
      continue;
    }
    if ((*begin & 1) && (*next & 1)) { // data-less: an empty line, or lost
      if (*begin != empty_line_lpos || *next != empty_line_lpos) {
        ++lost;
        continue;
      }
    } else {
      const auto block = locate_text_block(*begin, *next, static_cast<unsigned>(*size_bits), word);
      if (!block || block->size - word < text_len) {
        ++torn;
        continue;
      }
      const auto block_id = r.memory().pointer(*data + block->offset);
      auto text = r.bytes(*data + block->offset + word, static_cast<std::size_t>(text_len));
      if (!block_id || (*block_id & id_mask) != id || !text) {
        ++torn;
        continue;
      }
      rec.text.assign(text->begin(), text->end());
    }
    previous_seq = rec.seq;
    log.records.push_back(std::move(rec));
  }
  if (lost)
    log.notes.add(std::to_string(lost) + " records had their text overwritten or never stored (left out, as dmesg leaves them out)");
  if (torn)
    log.notes.add(std::to_string(torn) + " records are torn (a descriptor, its meta data or its text block "
                                               "disagree, or are not in the dump) and left out");
  return log;
}

// Before 5.10: struct printk_log records in log_buf, from log_first_idx
// (sequence log_first_seq) to log_next_seq; a record of length 0 sends the
// reader back to the buffer's start.
inline result<kernel_log> read_log_buf(const objects::object_reader& r, const objects::symbol_index& syms) {
  kernel_log log;
  const auto buf_at = syms.address("log_buf"), len_at = syms.address("log_buf_len");
  const auto first_idx_at = syms.address("log_first_idx"), first_seq_at = syms.address("log_first_seq");
  const auto next_seq_at = syms.address("log_next_seq");
  if (!buf_at || !len_at || !first_idx_at || !first_seq_at || !next_seq_at)
    return make_error(error_code::not_found, "neither prb nor log_buf, log_buf_len, log_first_idx, log_first_seq and "
                                             "log_next_seq among the symbols (a kernel without CONFIG_KALLSYMS_ALL?)");
  const auto buf = r.pointer(*buf_at);
  const auto len = r.bytes(*len_at, 4), first_idx = r.bytes(*first_idx_at, 4);
  const auto first_seq = r.bytes(*first_seq_at, 8), next_seq = r.bytes(*next_seq_at, 8);
  const auto header = r.types().struct_size("printk_log");
  if (!buf || !len || !first_idx || !first_seq || !next_seq || !header)
    return make_error(error_code::out_of_range, "log_buf's variables or struct printk_log are not readable");
  const auto word = [&](const std::vector<std::uint8_t>& b) {
    return byte_reader(std::span<const std::uint8_t>(b)).uint_unchecked(0, static_cast<unsigned>(b.size()),
                                                                         r.memory().order());
  };
  const std::uint64_t size = word(*len);
  if (size == 0 || size > (std::uint64_t{1} << 31))
    return make_error(error_code::malformed, "log_buf_len reads " + std::to_string(size));
  log.source = "log_buf at " + mquire::detail::hex(*buf) + " (" + std::to_string(size) + " bytes)";
  std::uint64_t idx = word(*first_idx), seq = word(*first_seq);
  const std::uint64_t end_seq = word(*next_seq);
  if (end_seq < seq) return make_error(error_code::malformed, "log_next_seq is before log_first_seq");
  bool wrapped = false;
  for (std::uint64_t k = 0; seq < end_seq && k < max_log_records; ++k) {
    auto m = r.read(*buf + idx, "printk_log");
    if (idx + *header > size || !m) {
      log.notes.add("record " + std::to_string(seq) + " at log_buf+" + std::to_string(idx) + " is not readable: the rest is left out");
      break;
    }
    const std::uint64_t rec_len = m->u("len").value_or(0);
    if (rec_len == 0) { // the writer wrapped here
      if (wrapped || idx == 0) {
        log.notes.add("log_buf wraps twice: the rest is left out");
        break;
      }
      wrapped = true;
      idx = 0;
      continue;
    }
    const std::uint64_t text_len = m->u("text_len").value_or(0);
    if (rec_len < *header + text_len || idx + rec_len > size) {
      log.notes.add("record " + std::to_string(seq) + " has an impossible length: the rest is left out");
      break;
    }
    auto text = r.bytes(*buf + idx + *header, static_cast<std::size_t>(text_len));
    if (!text) {
      log.notes.add("the text of record " + std::to_string(seq) + " is not in the dump: the rest is left out");
      break;
    }
    log_record rec;
    rec.seq = seq;
    rec.ts_nsec = m->u("ts_nsec").value_or(0);
    rec.facility = static_cast<unsigned>(m->u("facility").value_or(0));
    rec.level = static_cast<unsigned>(m->u("level").value_or(0));
    rec.caller_id = static_cast<std::uint32_t>(m->u("caller_id").value_or(0));
    rec.text.assign(text->begin(), text->end());
    log.records.push_back(std::move(rec));
    idx += rec_len;
    ++seq;
  }
  return log;
}

} // namespace detail

// The kernel log: the ring buffer `prb` points to, or log_buf before 5.10.
inline result<kernel_log> read_kernel_log(const objects::object_reader& r, const objects::symbol_index& syms) {
  if (const auto prb = syms.address("prb")) {
    const auto p = r.pointer(*prb);
    if (!p) return make_error(error_code::out_of_range, "prb at " + mquire::detail::hex(*prb) + " is not in the dump");
    if (!r.types().struct_size("printk_ringbuffer"))
      return make_error(error_code::not_found, "the kernel's types have no struct printk_ringbuffer");
    return detail::read_ringbuffer(r, *p);
  }
  return detail::read_log_buf(r, syms);
}

} // namespace mquire::system
