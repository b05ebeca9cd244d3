// SPDX-License-Identifier: Apache-2.0
// Which symbol an address lies in, as the kernel's kallsyms_lookup() says
// it (and so as %pS prints it: "name+0xoffset/0xsize [module]"): in the
// kernel image, the last symbol at or below the address, the first of
// several at that address, sized up to the next higher symbol; in a
// module, the best of its own symbols, sized up to the next one or the end
// of its memory region. An address in neither is not backed by any code or
// data the kernel knows, which is what a hook into injected memory looks
// like.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "../detail/hex.hpp"
#include "../modules/module_list.hpp"
#include "../kallsyms/table.hpp"

namespace mquire::objects {

struct located_symbol {
  std::string_view name;
  std::uint64_t address = 0; // the symbol's
  std::uint64_t offset = 0;  // of the address looked up, from the symbol
  std::uint64_t size = 0;
  std::string_view module; // empty in the kernel image
  char type = '?';
};

class code_symbols {
public:
  // `t` and `mods` (when given) must outlive this object.
  explicit code_symbols(const kallsyms_table& t, const modules::module_list* mods = nullptr) : t_(&t), mods_(mods) {
    order_.reserve(t.symbols.size());
    for (std::size_t i = 0; i < t.symbols.size(); ++i)
      if (t.symbols[i].trusted() && t.symbols[i].type != 'a' && t.symbols[i].type != 'A') order_.push_back(i);
    std::stable_sort(order_.begin(), order_.end(),
                     [&](std::size_t a, std::size_t b) { return t.symbols[a].address < t.symbols[b].address; });
    const auto at = [&](std::string_view n) -> std::optional<std::uint64_t> {
      for (const auto& s : t.symbols)
        if (s.name_length == n.size() && t.name(s) == n) return s.address;
      return std::nullopt;
    };
    text_start_ = at("_stext");
    if (!text_start_) text_start_ = at("_text");
    text_end_ = at("_etext");
    inittext_start_ = at("_sinittext");
    inittext_end_ = at("_einittext");
    image_end_ = at("_end");
  }

  // Kernel text (or init text): where the kernel's own functions are.
  bool in_kernel_text(std::uint64_t a) const {
    return (text_start_ && text_end_ && a >= *text_start_ && a < *text_end_) ||
           (inittext_start_ && inittext_end_ && a >= *inittext_start_ && a < *inittext_end_);
  }

  // The module whose memory holds `a`, or nullptr.
  const modules::module_info* module_at(std::uint64_t a) const {
    if (!mods_) return nullptr;
    for (const auto& m : mods_->modules)
      for (const auto& [base, size] : m.regions)
        if (a >= base && a - base < size) return &m;
    return nullptr;
  }

  std::optional<located_symbol> lookup(std::uint64_t a) const {
    if (const auto* m = module_at(a)) return in_module(*m, a);
    const std::uint64_t start = text_start_.value_or(0), end = image_end_ ? *image_end_ : text_end_.value_or(0);
    if (order_.empty() || a < start || (end != 0 && a >= end && !in_kernel_text(a))) return std::nullopt;
    const auto& syms = t_->symbols;
    auto it = std::upper_bound(order_.begin(), order_.end(), a,
                               [&](std::uint64_t v, std::size_t i) { return v < syms[i].address; });
    if (it == order_.begin()) return std::nullopt;
    --it;
    const std::uint64_t sym_address = syms[*it].address;
    while (it != order_.begin() && syms[*(it - 1)].address == sym_address) --it;
    auto next = std::upper_bound(it, order_.end(), sym_address,
                                 [&](std::uint64_t v, std::size_t i) { return v < syms[i].address; });
    std::uint64_t sym_end = 0;
    if (next != order_.end()) sym_end = syms[*next].address;
    else if (inittext_start_ && inittext_end_ && a >= *inittext_start_ && a < *inittext_end_) sym_end = *inittext_end_;
    else sym_end = end;
    located_symbol out;
    out.name = t_->name(syms[*it]);
    out.address = sym_address;
    out.offset = a - sym_address;
    out.size = sym_end > sym_address ? sym_end - sym_address : 0;
    out.type = syms[*it].type;
    return out;
  }

  // %pS: "name+0xoff/0xsize", " [module]" after a module's; the address
  // in hex when no symbol holds it.
  std::string describe(std::uint64_t a) const {
    const auto s = lookup(a);
    return s ? describe(*s) : mquire::detail::hex(a);
  }
  static std::string describe(const located_symbol& s) {
    std::string out = std::string(s.name) + "+" + mquire::detail::hex(s.offset) + "/" + mquire::detail::hex(s.size);
    if (!s.module.empty()) out += " [" + std::string(s.module) + "]";
    return out;
  }

  // %ps: the name alone, " [module]" after a module's.
  std::string name_of(std::uint64_t a) const {
    const auto s = lookup(a);
    if (!s) return mquire::detail::hex(a);
    std::string out(s->name);
    if (!s->module.empty()) out += " [" + std::string(s->module) + "]";
    return out;
  }

private:
  static std::optional<located_symbol> in_module(const modules::module_info& m, std::uint64_t a) {
    std::uint64_t region_end = 0;
    for (const auto& [base, size] : m.regions)
      if (a >= base && a - base < size) region_end = base + size;
    const modules::module_symbol* best = nullptr;
    std::uint64_t next = region_end;
    for (const auto& s : m.symbols) {
      if (s.type == 'U' || s.name.empty()) continue;
      if (s.address <= a && (!best || s.address > best->address)) best = &s;
      if (s.address > a && s.address < next) next = s.address;
    }
    if (!best) return std::nullopt;
    located_symbol out;
    out.name = best->name;
    out.address = best->address;
    out.offset = a - best->address;
    out.size = next - best->address;
    out.module = m.name;
    out.type = best->type;
    return out;
  }

  const kallsyms_table* t_;
  const modules::module_list* mods_;
  std::vector<std::size_t> order_; // symbol indices by address, table order among equals
  std::optional<std::uint64_t> text_start_, text_end_, inittext_start_, inittext_end_, image_end_;
};

} // namespace mquire::objects
