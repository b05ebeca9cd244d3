// SPDX-License-Identifier: Apache-2.0
// Test-side generator: writes kallsyms data the way the kernel's
// scripts/kallsyms.c lays it out for each era, from a list of symbols.
// It compresses names with the kernel's scheme (every byte value that occurs
// in a name keeps its meaning; unused values become the most profitable
// adjacent pairs, repeatedly), aligns every label to the era's ALGN relative
// to the virtual address, and writes integers in the target's byte order.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <map>
#include <numeric>
#include <stdexcept>
#include <string>
#include <vector>

#include <mquire/bytes.hpp>
#include <mquire/kallsyms/layouts.hpp>
#include <mquire/kallsyms/sections.hpp>

namespace gen {

using mquire::address_encoding;
using mquire::byte_order;
using mquire::section_role;

struct sym {
  std::uint64_t address;
  char type;
  std::string name;
};

enum class era {
  v2_6,  // absolute addresses first, pointer-sized num_syms and markers, one-byte name lengths
  v4_6,  // base-relative offsets first, pointer-sized num_syms and markers, one-byte name lengths
  v4_20, // address data first, 32-bit num_syms and markers, one-byte name lengths
  v6_1,  // as 4.20, two-byte name lengths
  v6_2,  // + seqs_of_names between markers and token table (Debian's 6.1 too)
  v6_4,  // the reorder: address data after the token index
  v7_0,  // 4-byte alignment everywhere, place-relative (or u32 absolute) offsets
};

struct config {
  era e = era::v6_4;
  unsigned word_size = 8;
  byte_order order = byte_order::little;
  address_encoding encoding = address_encoding::base_relative;
  std::uint64_t vaddr = 0xffffffff82000000ull; // of the first byte written
  std::string banner{};                        // written (NUL-terminated) in front when not empty
  std::size_t gap_after_banner = 0;            // other read-only bytes between banner and table
  // A vendor's own section order (every section the encoding needs, once);
  // empty: the era's order.
  std::vector<section_role> order_override{};
  // OpenWRT's KALLSYMS_UNCOMPRESSED: names stored as plain text, no token
  // table and no token index.
  bool uncompressed = false;
};

// The section order scripts/kallsyms.c writes in each era.
inline std::vector<section_role> era_order(const config& c) {
  using R = section_role;
  std::vector<R> address_data;
  if (c.encoding == address_encoding::absolute) address_data = {R::addresses};
  else if (c.encoding == address_encoding::base_relative || c.encoding == address_encoding::base_relative_percpu)
    address_data = {R::offsets, R::relative_base};
  else address_data = {R::offsets};
  std::vector<R> o;
  auto add = [&](std::initializer_list<R> rs) {
    for (R r : rs) o.push_back(r);
  };
  auto add_address_data = [&] {
    for (R r : address_data) o.push_back(r);
  };
  switch (c.e) {
  case era::v2_6:
  case era::v4_6:
  case era::v4_20:
  case era::v6_1:
  case era::v6_2:
    add_address_data();
    add({R::num_syms, R::names, R::markers});
    if (c.e == era::v6_2) add({R::seqs_of_names});
    add({R::token_table, R::token_index});
    break;
  case era::v6_4:
  case era::v7_0:
    add({R::num_syms, R::names, R::markers, R::token_table, R::token_index});
    add_address_data();
    add({R::seqs_of_names});
    break;
  }
  return o;
}

struct output {
  std::vector<std::uint8_t> bytes;
  std::map<section_role, std::size_t> offset; // of each label in `bytes`
  std::uint32_t num_syms = 0;
  std::size_t token_table_size = 0;
  std::vector<sym> symbols; // in table order (sorted by address, stable)
};

// ---- the kernel's token compression --------------------------------------
class compressor {
public:
  explicit compressor(const std::vector<std::string>& entries) {
    for (const auto& e : entries) data_.emplace_back(e.begin(), e.end());
    for (auto& t : table_) t.clear();
    for (const auto& d : data_)
      for (std::uint8_t c : d) table_[c] = std::string(1, static_cast<char>(c));
    for (const auto& d : data_) learn(d, +1);
    for (int i = 255; i >= 0; --i) {
      if (!table_[i].empty()) continue;
      const auto best = std::max_element(profit_.begin(), profit_.end());
      if (*best <= 0) break;
      const auto pair = static_cast<unsigned>(best - profit_.begin());
      table_[i] = table_[pair >> 8] + table_[pair & 0xff];
      replace(pair, static_cast<std::uint8_t>(i));
    }
  }
  const std::vector<std::vector<std::uint8_t>>& entries() const { return data_; }
  const std::array<std::string, 256>& tokens() const { return table_; }

private:
  void learn(const std::vector<std::uint8_t>& d, int sign) {
    for (std::size_t k = 0; k + 1 < d.size(); ++k) profit_[(d[k] << 8) | d[k + 1]] += sign;
  }
  void replace(unsigned pair, std::uint8_t tok) {
    const std::uint8_t a = pair >> 8, b = pair & 0xff;
    for (auto& d : data_) {
      bool has = false;
      for (std::size_t k = 0; k + 1 < d.size() && !has; ++k) has = d[k] == a && d[k + 1] == b;
      if (!has) continue;
      learn(d, -1);
      std::vector<std::uint8_t> out;
      out.reserve(d.size());
      for (std::size_t k = 0; k < d.size(); ++k) {
        if (k + 1 < d.size() && d[k] == a && d[k + 1] == b) {
          out.push_back(tok);
          ++k;
        } else {
          out.push_back(d[k]);
        }
      }
      d.swap(out);
      learn(d, +1);
    }
  }
  std::vector<std::vector<std::uint8_t>> data_;
  std::array<std::string, 256> table_{};
  std::array<long, 65536> profit_{};
};

// ---- the assembler-like writer ------------------------------------------
class writer {
public:
  writer(const config& c) : c_(c) {}
  std::size_t align() const { return c_.e == era::v7_0 ? 4 : c_.word_size; }
  void balign() {
    while ((c_.vaddr + out_.size()) % align() != 0) out_.push_back(0);
  }
  std::size_t label(section_role r) {
    balign();
    offsets_[r] = out_.size();
    return out_.size();
  }
  void put(std::uint64_t v, unsigned width, byte_order o) {
    for (unsigned i = 0; i < width; ++i) {
      const unsigned shift = o == byte_order::little ? 8 * i : 8 * (width - 1 - i);
      out_.push_back(static_cast<std::uint8_t>(v >> shift));
    }
  }
  void put(std::uint64_t v, unsigned width) { put(v, width, c_.order); }
  void bytes(const std::string& s) { out_.insert(out_.end(), s.begin(), s.end()); }
  std::uint64_t vaddr_here() const { return c_.vaddr + out_.size(); }
  std::vector<std::uint8_t>& raw() { return out_; }
  std::map<section_role, std::size_t>& offsets() { return offsets_; }

private:
  const config& c_;
  std::vector<std::uint8_t> out_;
  std::map<section_role, std::size_t> offsets_;
};

inline bool absolute_symbol(const sym& s) { return s.type == 'A' || s.type == 'a'; }

inline output write_kallsyms(std::vector<sym> syms, const config& c) {
  std::stable_sort(syms.begin(), syms.end(), [](const sym& a, const sym& b) { return a.address < b.address; });
  const std::size_t n = syms.size();
  std::vector<std::string> entries;
  entries.reserve(n);
  for (const auto& s : syms) entries.push_back(std::string(1, s.type) + s.name);
  compressor comp(c.uncompressed ? std::vector<std::string>{} : entries);

  writer w(c);
  if (!c.banner.empty()) {
    w.bytes(c.banner);
    w.raw().push_back(0);
    for (std::size_t i = 0; i < c.gap_after_banner; ++i) w.raw().push_back(static_cast<std::uint8_t>(0x41 + i % 26));
  }

  std::uint64_t relative_base = 0;
  for (const auto& s : syms)
    if (!absolute_symbol(s)) {
      relative_base = s.address;
      break;
    }

  std::vector<std::uint64_t> markers;
  // Before 4.20 num_syms and markers were written with PTR (the word size).
  const bool pointer_sized_counts = c.e == era::v2_6 || c.e == era::v4_6;
  // Each writer emits one labelled section (the label aligns it).
  std::vector<std::uint64_t> index(256);
  std::size_t token_table_size = 0;
  auto write_section = [&](section_role r) {
    switch (r) {
    case section_role::addresses:
      w.label(r);
      for (const auto& s : syms) w.put(s.address, c.word_size);
      break;
    case section_role::offsets:
      w.label(r);
      for (const auto& s : syms) {
        std::int64_t off = 0;
        switch (c.encoding) {
        case address_encoding::base_relative_percpu:
          if (absolute_symbol(s)) {
            if (s.address > 0x7fffffff) throw std::runtime_error("per-cpu value out of range");
            off = static_cast<std::int64_t>(s.address);
          } else {
            off = static_cast<std::int64_t>(relative_base) - static_cast<std::int64_t>(s.address) - 1;
            if (off < INT32_MIN) throw std::runtime_error("offset out of range");
          }
          break;
        case address_encoding::base_relative:
          if (s.address - relative_base > UINT32_MAX) throw std::runtime_error("offset out of range");
          off = static_cast<std::int64_t>(s.address - relative_base);
          break;
        case address_encoding::place_relative:
          off = static_cast<std::int64_t>(s.address - w.vaddr_here());
          if (off < INT32_MIN || off > INT32_MAX) throw std::runtime_error("place-relative offset out of range");
          break;
        default:
          off = static_cast<std::int64_t>(s.address & 0xffffffffu);
        }
        w.put(static_cast<std::uint64_t>(off), 4);
      }
      break;
    case section_role::relative_base:
      w.label(r);
      w.put(relative_base, c.word_size);
      break;
    case section_role::num_syms:
      w.label(r);
      w.put(n, pointer_sized_counts ? c.word_size : 4);
      break;
    case section_role::names: {
      const bool two_byte = c.e != era::v4_20 && c.e != era::v4_6 && c.e != era::v2_6;
      w.label(r);
      const std::size_t names_at = w.raw().size();
      markers.clear();
      for (std::size_t i = 0; i < n; ++i) {
        if (i % 256 == 0) markers.push_back(w.raw().size() - names_at);
        const auto& e = c.uncompressed ? std::vector<std::uint8_t>(entries[i].begin(), entries[i].end()) : comp.entries()[i];
        const std::size_t len = e.size();
        if (len < 0x80) {
          w.raw().push_back(static_cast<std::uint8_t>(len));
        } else {
          if (!two_byte || len >= 0x4000) throw std::runtime_error("name too long for this era: " + syms[i].name);
          w.raw().push_back(static_cast<std::uint8_t>(0x80 | (len & 0x7f)));
          w.raw().push_back(static_cast<std::uint8_t>(len >> 7));
        }
        w.raw().insert(w.raw().end(), e.begin(), e.end());
      }
      break;
    }
    case section_role::markers:
      w.label(r);
      for (auto m : markers) w.put(m, pointer_sized_counts ? c.word_size : 4);
      break;
    case section_role::seqs_of_names: {
      std::vector<std::uint32_t> by_name(n);
      std::iota(by_name.begin(), by_name.end(), 0u);
      std::stable_sort(by_name.begin(), by_name.end(),
                       [&](std::uint32_t a, std::uint32_t b) { return syms[a].name < syms[b].name; });
      w.label(r);
      for (std::uint32_t i : by_name) w.put(i, 3, byte_order::big);
      break;
    }
    case section_role::token_table: {
      const std::size_t table_at = w.label(r);
      for (unsigned i = 0; i < 256; ++i) {
        index[i] = w.raw().size() - table_at;
        w.bytes(comp.tokens()[i]);
        w.raw().push_back(0);
      }
      token_table_size = w.raw().size() - table_at;
      break;
    }
    case section_role::token_index:
      w.label(r);
      for (auto v : index) w.put(v, 2);
      break;
    }
  };
  const auto order = c.order_override.empty() ? era_order(c) : c.order_override;
  for (section_role r : order)
    if (!c.uncompressed || (r != section_role::token_table && r != section_role::token_index)) write_section(r);

  output o;
  o.bytes = std::move(w.raw());
  o.offset = std::move(w.offsets());
  o.num_syms = static_cast<std::uint32_t>(n);
  o.token_table_size = token_table_size;
  o.symbols = std::move(syms);
  return o;
}

} // namespace gen
