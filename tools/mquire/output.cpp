// SPDX-License-Identifier: Apache-2.0
#include "output.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>


namespace tool {
namespace {

std::string hex_address(std::uint64_t v, unsigned word) { return fmt::format("{:0{}x}", v, word * 2); }

// Lines of /proc/kallsyms ("%px %c %s", a module's with "\t[%s]"), written
// by hand into a buffer flushed a megabyte at a time: fmt's general
// formatting took an eighth of `mquire kallsyms`'s time on its own.
class kallsyms_lines {
public:
  explicit kallsyms_lines(std::FILE* out, unsigned word_size) : out_(out), width_(word_size * 2) {}
  kallsyms_lines(const kallsyms_lines&) = delete;
  kallsyms_lines& operator=(const kallsyms_lines&) = delete;
  ~kallsyms_lines() { flush(); }
  void line(std::uint64_t address, char type, std::string_view name) {
    char* p = room(name.size());
    p = put(put_hex(p, address), type, name);
    *p++ = '\n';
    used_ = static_cast<std::size_t>(p - buf_.data());
  }
  void line(std::uint64_t address, char type, std::string_view name, std::string_view module) {
    char* p = room(name.size() + module.size() + 3);
    p = put(put_hex(p, address), type, name);
    *p++ = '\t';
    *p++ = '[';
    p = std::copy(module.begin(), module.end(), p);
    *p++ = ']';
    *p++ = '\n';
    used_ = static_cast<std::size_t>(p - buf_.data());
  }

private:
  static constexpr std::size_t flush_at = 1u << 20;
  // Where a line of `text` bytes besides its address and type can go.
  char* room(std::size_t text) {
    const std::size_t need = 16 + 4 + text;
    if (used_ + need > buf_.size()) {
      flush();
      buf_.resize(std::max(flush_at + 256, need));
    }
    return buf_.data() + used_;
  }
  // The address in lower-case hex, zero-padded to the word's width (wider
  // when it needs more digits, as %0Nx does).
  char* put_hex(char* p, std::uint64_t v) const {
    char digits[16];
    unsigned n = 0;
    do {
      digits[n++] = "0123456789abcdef"[v & 15];
      v >>= 4;
    } while (v != 0);
    for (unsigned i = n; i < width_; ++i) *p++ = '0';
    while (n != 0) *p++ = digits[--n];
    return p;
  }
  static char* put(char* p, char type, std::string_view name) {
    *p++ = ' ';
    *p++ = type;
    *p++ = ' ';
    return std::copy(name.begin(), name.end(), p);
  }
  void flush() {
    if (used_ != 0) std::fwrite(buf_.data(), 1, used_, out_);
    used_ = 0;
  }
  std::FILE* out_;
  unsigned width_;
  std::vector<char> buf_;
  std::size_t used_ = 0;
};

nlohmann::json sections_json(const found_table& f) {
  nlohmann::json a = nlohmann::json::array();
  for (const auto& s : f.table.sections) {
    nlohmann::json j{{"name", std::string(mquire::kernel_label(s.role))},
                     {"file_offset", f.where.file_offset + s.offset},
                     {f.where.address_is_physical ? "physical_address" : "address", f.where.address + s.offset},
                     {"size", s.size}};
    j["virtual_address"] = s.vaddr ? nlohmann::json(hex_address(*s.vaddr, f.table.word_size)) : nlohmann::json();
    a.push_back(std::move(j));
  }
  return a;
}

nlohmann::json table_summary(const found_table& f) {
  const auto& t = f.table;
  nlohmann::json j{{"layout", std::string(t.layout)},
                   {"address_encoding", std::string(mquire::to_string(t.encoding))},
                   {"word_size", t.word_size * 8},
                   {"word_size_source", t.word_size_source},
                   {"damaged_entries", t.damaged},
                   {"damage_notes", t.damage_notes.lines()},
                   {"byte_order", std::string(mquire::to_string(t.order))},
                   {"num_syms", t.num_syms},
                   {"addresses", std::string(mquire::to_string(t.basis))},
                   {"addresses_are_virtual", t.basis == mquire::address_basis::virtual_address},
                   {"score", t.score},
                   {"evidence", t.evidence},
                   {"sections", sections_json(f)}};
  std::vector<std::string> eq(t.equivalent_layouts.begin(), t.equivalent_layouts.end());
  j["equivalent_layouts"] = eq;
  j["banner"] = t.banner.empty() ? nlohmann::json() : nlohmann::json(t.banner);
  if (t.relative_base) j["relative_base"] = hex_address(*t.relative_base, t.word_size);
  return j;
}

nlohmann::json addressing_json(const addressing& a) {
  nlohmann::json methods = nlohmann::json::array();
  for (std::size_t i = 0; i < a.resolution.methods.size(); ++i) {
    const auto& m = a.resolution.methods[i];
    nlohmann::json j{{"method", m.method}, {"detail", m.detail}, {"agreeing", m.agreeing},
                     {"chosen", a.resolution.chosen == i}};
    j["range_vaddr"] = m.range_vaddr ? nlohmann::json(fmt::format("{:#x}", *m.range_vaddr)) : nlohmann::json();
    j["slide"] = m.slide ? nlohmann::json(fmt::format("{:#x}", *m.slide)) : nlohmann::json();
    methods.push_back(std::move(j));
  }
  nlohmann::json j{{"methods", methods}, {"consistent", a.resolution.consistent}, {"rebased", a.rebased}};
  j["kaslr_slide"] = a.slide ? nlohmann::json(fmt::format("{:#x}", *a.slide)) : nlohmann::json();
  j["kaslr_slide_method"] = a.slide ? nlohmann::json(a.slide_method) : nlohmann::json();
  return j;
}

} // namespace

void write_kallsyms(std::FILE* out, const mquire::kallsyms_table& t) {
  kallsyms_lines lines(out, t.word_size);
  for (const auto& s : t.symbols)
    if (s.trusted()) lines.line(s.address, s.type, t.name(s)); // a damaged entry is never printed as if it were right
}

void write_module_kallsyms(std::FILE* out, const mquire::modules::module_list& list, unsigned word_size) {
  kallsyms_lines lines(out, word_size);
  for (const auto& m : list.modules)
    for (const auto& s : m.symbols) lines.line(s.address, s.type, s.name, m.name);
}

void write_builtin_kallsyms(std::FILE* out, const mquire::modules::builtin_symbol_list& list, unsigned word_size) {
  kallsyms_lines lines(out, word_size);
  for (const auto& s : list.symbols) lines.line(s.address, s.type, s.name, s.module);
}

void write_proc_modules(std::FILE* out, const mquire::modules::module_list& list, unsigned word_size) {
  for (const auto& m : list.modules) {
    const std::string line = mquire::modules::proc_modules_line(m, word_size) + "\n";
    std::fwrite(line.data(), 1, line.size(), out);
  }
}

namespace {
nlohmann::json modules_json(const kernel_view& v, unsigned word_size) {
  if (!v.modules) return nlohmann::json{{"problem", v.modules_problem}};
  nlohmann::json list = nlohmann::json::array();
  for (const auto& m : v.modules->modules) {
    nlohmann::json syms = nlohmann::json::array();
    for (const auto& s : m.symbols)
      syms.push_back({{"address", hex_address(s.address, word_size)}, {"type", std::string(1, s.type)}, {"name", s.name}});
    nlohmann::json j{{"name", m.name},
                     {"struct_module", hex_address(m.address, word_size)},
                     {"base", hex_address(m.base, word_size)},
                     {"size", m.size},
                     {"state", m.state},
                     {"used_by", m.used_by},
                     {"permanent", m.permanent},
                     {"taints", m.taints},
                     {"symbols", std::move(syms)}};
    j["users"] = m.users ? nlohmann::json(*m.users) : nlohmann::json();
    if (!m.problem.empty()) j["problem"] = m.problem;
    list.push_back(std::move(j));
  }
  return nlohmann::json{{"list_head", hex_address(v.modules->head, word_size)},
                        {"memory_layout", v.modules->layout},
                        {"notes", v.modules->notes.lines()},
                        {"modules", std::move(list)}};
}

// /proc/kallsyms's lines after the modules' (ftrace, BPF, kprobes).
nlohmann::json builtins_json(const mquire::modules::builtin_symbol_list& b, unsigned word_size) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& s : b.symbols)
    list.push_back({{"address", hex_address(s.address, word_size)}, {"type", std::string(1, s.type)},
                    {"name", s.name}, {"module", s.module}});
  return {{"symbols", std::move(list)}, {"notes", b.notes.lines()}};
}

nlohmann::json view_json(const kernel_view& v, unsigned word_size) {
  nlohmann::json j;
  if (v.memory) {
    j["kernel_memory"] = {{"through", v.memory->how}};
    if (v.memory->space) {
      j["kernel_memory"]["page_tables"] = {{"paging", v.memory->space->paging},
                                           {"root_symbol", v.memory->space->root_symbol},
                                           {"root_physical", fmt::format("{:#x}", v.memory->space->root_pa)},
                                           {"image_delta", fmt::format("{:#x}", v.memory->space->image_delta)},
                                           {"anchor", v.memory->space->anchor},
                                           {"checks", v.memory->space->checks}};
    } else if (!v.memory->page_tables_problem.empty()) {
      j["kernel_memory"]["page_tables_problem"] = v.memory->page_tables_problem;
    }
  } else {
    j["kernel_memory"] = {{"problem", v.memory_problem}};
  }
  if (!v.btf.empty())
    j["btf"] = {{"size", v.btf.size()}, {"source", v.btf_source}, {"types", v.types ? v.types->size() : 0}};
  else
    j["btf"] = {{"problem", v.btf_problem}};
  j["btf"]["header_scan_bytes"] = v.btf_scanned_bytes;
  j["modules"] = modules_json(v, word_size);
  if (v.builtins) j["builtin_symbols"] = builtins_json(*v.builtins, word_size);
  if (v.module_btfs) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& b : v.module_btfs->blobs)
      list.push_back({{"module", b.module}, {"size", b.bytes.size()}, {"types", b.types}});
    j["module_btf"] = {{"blobs", list}, {"notes", v.module_btfs->notes.lines()}};
  } else if (!v.module_btfs_problem.empty()) {
    j["module_btf"] = {{"problem", v.module_btfs_problem}};
  }
  return j;
}
} // namespace

void write_kallsyms_json(std::FILE* out, const found_table& f, const input_map& map, const addressing* a,
                         const kernel_view* v) {
  nlohmann::json j = table_summary(f);
  if (a) j["address_resolution"] = addressing_json(*a);
  j["input_format"] = std::string(mquire::sources::to_string(map.format));
  nlohmann::json syms = nlohmann::json::array();
  for (std::size_t i = 0; i < f.table.symbols.size(); ++i) {
    const auto& s = f.table.symbols[i];
    nlohmann::json j{{"index", i}};
    const bool name_known = s.damage != mquire::entry_damage::name_unreadable;
    j["address"] = hex_address(s.address, f.table.word_size);
    j["type"] = name_known ? nlohmann::json(std::string(1, s.type)) : nlohmann::json();
    j["name"] = name_known ? nlohmann::json(std::string(f.table.name(s))) : nlohmann::json();
    if (!s.trusted()) j["damage"] = std::string(mquire::to_string(s.damage));
    syms.push_back(std::move(j));
  }
  j["symbols"] = std::move(syms);
  if (v) j["modules"] = modules_json(*v, f.table.word_size);
  if (v && v->builtins) j["builtin_symbols"] = builtins_json(*v->builtins, f.table.word_size);
  const std::string text = j.dump(1) + "\n";
  std::fwrite(text.data(), 1, text.size(), out);
}

std::string address_warning(const found_table& f, const addressing& a) {
  switch (f.table.basis) {
  case mquire::address_basis::virtual_address: return {};
  case mquire::address_basis::range_relative:
    return fmt::format("addresses are relative: this {} table stores place-relative offsets and the virtual address "
                       "of the memory it lies in {}; each address is printed as an offset from input "
                       "address {:#x} (give --base to fix; `mquire inspect` shows what each method found)",
                       f.table.layout,
                       a.resolution.consistent ? "could not be recovered (no vmcoreinfo, no usable page tables)"
                                               : "is disputed: the methods that recover it disagree",
                       f.where.address);
  case mquire::address_basis::zero_base:
    return "addresses are relative: kallsyms_relative_base reads 0 (an image before relocation) and the image's "
           "base could not be inferred; addresses are offsets from the kernel's first symbol (give --base)";
  }
  return {};
}

std::string damage_warning(const mquire::kallsyms_table& t) {
  if (t.damaged == 0) return {};
  std::size_t by[mquire::entry_damage_kinds] = {};
  for (const auto& s : t.symbols) ++by[static_cast<std::size_t>(s.damage)];
  std::string why;
  for (auto d : {mquire::entry_damage::name_unreadable, mquire::entry_damage::name_out_of_order,
                 mquire::entry_damage::address_out_of_order, mquire::entry_damage::address_unreadable})
    if (by[static_cast<std::size_t>(d)])
      why += fmt::format("{}{} {}", why.empty() ? "" : ", ", by[static_cast<std::size_t>(d)], mquire::to_string(d));
  return fmt::format("the table is damaged: {} of {} entries left out ({}); `mquire inspect` lists them, "
                     "--strict refuses a damaged table",
                     t.damaged, t.symbols.size(), why);
}

void write_inspect(std::FILE* out, const scan_result& r, const input_map& map, const std::string& path,
                   const addressing* a, const kernel_view* v) {
  fmt::memory_buffer b;
  auto o = std::back_inserter(b);
  fmt::format_to(o, "input:        {}\nformat:       {} ({})\nscanned:      {} segments, {} bytes{}\n", path,
                 mquire::sources::to_string(map.format), map.description, r.segments, r.bytes,
                 r.segments_skipped ? fmt::format(" ({} more segments searched with another: they overlap it in the file)",
                                                  r.segments_skipped)
                                    : std::string());
  for (std::size_t i = 0; i < map.segments.size() && i < 16; ++i) {
    const auto& s = map.segments[i];
    fmt::format_to(o, "  segment {:2}: {} {:#014x}..{:#014x} at file offset {:#x}{}\n", i,
                   s.address_is_physical ? "phys" : "addr", s.address, s.address + s.size, s.file_offset,
                   s.vaddr ? fmt::format(", virtual {:#x}", *s.vaddr) : std::string());
  }
  if (map.segments.size() > 16) fmt::format_to(o, "  ... {} more segments\n", map.segments.size() - 16);
  const auto& st = r.stats;
  fmt::format_to(o,
                 "candidates:   {} digit runs -> {} token tables -> {} marker runs -> {} num_syms -> {} name "
                 "streams -> {} tables ({} rejected by validation)\n",
                 st.digit_runs, st.token_tables, st.marker_candidates, st.num_syms_candidates, st.names_decoded,
                 st.tables, st.tables_rejected);
  if (r.tables.empty()) {
    fmt::format_to(o, "result:       no kallsyms table; furthest stage: {} ({})\n", mquire::to_string(r.furthest),
                   r.furthest_detail);
  }
  for (std::size_t i = 0; i < r.tables.size(); ++i) {
    const auto& f = r.tables[i];
    const auto& t = f.table;
    fmt::format_to(o, "\ntable {}{}:\n  layout:     {}{}\n  encoding:   {}\n  word size:  {}-bit, {}-endian{}\n", i + 1,
                   i == 0 ? " (chosen)" : "", t.layout,
                   t.equivalent_layouts.empty() ? std::string()
                                                : fmt::format(" (same bytes also read as: {})",
                                                              fmt::join(t.equivalent_layouts, ", ")),
                   mquire::to_string(t.encoding), t.word_size * 8, mquire::to_string(t.order),
                   t.word_size_source.empty() ? std::string() : " (word size from: " + t.word_size_source + ")");
    fmt::format_to(o, "  num_syms:   {}\n  addresses:  {}\n  score:      {}\n", t.num_syms, mquire::to_string(t.basis),
                   t.score);
    if (!t.banner.empty()) fmt::format_to(o, "  banner:     {}\n", t.banner);
    if (t.relative_base) fmt::format_to(o, "  relative_base: {:#x}\n", *t.relative_base);
    for (const auto& s : t.sections)
      fmt::format_to(o, "  {:<24} file offset {:#012x}  {} {:#014x}  size {:>9}{}\n", mquire::kernel_label(s.role),
                     f.where.file_offset + s.offset, f.where.address_is_physical ? "phys" : "addr",
                     f.where.address + s.offset, s.size,
                     s.vaddr ? fmt::format("  virtual {:#x}", *s.vaddr) : std::string());
    for (const auto& e : t.evidence) fmt::format_to(o, "  evidence:   {}\n", e);
    for (const auto& d : t.damage_notes) fmt::format_to(o, "  damage:     {}\n", d);
    if (t.damaged) {
      fmt::format_to(o, "  damaged entries: {} (left out of the kallsyms output)\n", t.damaged);
      for (std::size_t k = 0; k < t.symbols.size(); ++k) {
        const auto& s = t.symbols[k];
        if (s.trusted()) continue;
        fmt::format_to(o, "    entry {:>8}: {}{}\n", k, mquire::to_string(s.damage),
                       s.damage == mquire::entry_damage::name_unreadable
                           ? std::string()
                           : fmt::format(" ({} {:0{}x})", t.name(s), s.address, t.word_size * 2));
      }
    }
    if (i == 0 && a) {
      fmt::format_to(o, "  virtual addresses:{}\n",
                     a->resolution.consistent ? "" : " METHODS DISAGREE: relative addresses kept");
      for (std::size_t k = 0; k < a->resolution.methods.size(); ++k) {
        const auto& m = a->resolution.methods[k];
        fmt::format_to(o, "    {} {}: {}{}\n", a->resolution.chosen == k ? "*" : "-", m.method,
                       m.range_vaddr ? fmt::format("range at {:#x}; ", *m.range_vaddr) : std::string(), m.detail);
      }
      if (a->slide) fmt::format_to(o, "  KASLR slide: {:#x} ({})\n", *a->slide, a->slide_method);
      else fmt::format_to(o, "  KASLR slide: unknown\n");
    }
    if (i == 0 && v) {
      if (v->memory) {
        fmt::format_to(o, "  kernel memory: through {}\n", v->memory->how);
        if (v->memory->space)
          for (const auto& c : v->memory->space->checks) fmt::format_to(o, "    checked: {}\n", c);
        else if (!v->memory->page_tables_problem.empty())
          fmt::format_to(o, "    no page tables: {}\n", v->memory->page_tables_problem);
      } else {
        fmt::format_to(o, "  kernel memory: none ({})\n", v->memory_problem);
      }
      if (!v->btf.empty())
        fmt::format_to(o, "  BTF:        {} bytes, {} types, from {}\n", v->btf.size(), v->types ? v->types->size() : 0,
                       v->btf_source);
      else fmt::format_to(o, "  BTF:        none ({})\n", v->btf_problem);
      if (v->modules) {
        std::size_t lines = 0;
        for (const auto& m : v->modules->modules) lines += m.symbols.size();
        fmt::format_to(o, "  modules:    {} on the list at {:#x} ({} symbols; struct module read through BTF, {})\n",
                       v->modules->modules.size(), v->modules->head, lines, v->modules->layout);
        for (const auto& m : v->modules->modules)
          fmt::format_to(o, "    {:<20} struct module {:#x}, text {:#x}, {} bytes, {} symbols{}\n", m.name, m.address,
                         m.base, m.size, m.symbols.size(), m.problem.empty() ? std::string() : "; " + m.problem);
        for (const auto& n : v->modules->notes) fmt::format_to(o, "    note: {}\n", n);
      } else {
        fmt::format_to(o, "  modules:    not read ({})\n", v->modules_problem);
      }
      if (v->module_btfs) {
        fmt::format_to(o, "  module BTF: {} on btf_modules\n", v->module_btfs->blobs.size());
        for (const auto& b : v->module_btfs->blobs)
          fmt::format_to(o, "    {:<20} {} bytes, {} types over the kernel's\n", b.module, b.bytes.size(), b.types);
        for (const auto& n : v->module_btfs->notes) fmt::format_to(o, "    note: {}\n", n);
      } else if (!v->module_btfs_problem.empty()) {
        fmt::format_to(o, "  module BTF: not read ({})\n", v->module_btfs_problem);
      }
    }
  }
  std::fwrite(b.data(), 1, b.size(), out);
}

void write_inspect_json(std::FILE* out, const scan_result& r, const input_map& map, const std::string& path,
                        const addressing* a, const kernel_view* v) {
  nlohmann::json segs = nlohmann::json::array();
  for (const auto& s : map.segments) {
    nlohmann::json j{{"file_offset", s.file_offset}, {"size", s.size}, {"address", s.address},
                     {"address_is_physical", s.address_is_physical}};
    j["virtual_address"] = s.vaddr ? nlohmann::json(*s.vaddr) : nlohmann::json();
    segs.push_back(std::move(j));
  }
  const auto& st = r.stats;
  nlohmann::json j{{"input", path},
                   {"input_format", std::string(mquire::sources::to_string(map.format))},
                   {"description", map.description},
                   {"segments", segs},
                   {"stages",
                    {{"digit_runs", st.digit_runs},
                     {"token_tables", st.token_tables},
                     {"marker_candidates", st.marker_candidates},
                     {"num_syms_candidates", st.num_syms_candidates},
                     {"names_decoded", st.names_decoded},
                     {"tables_rejected", st.tables_rejected},
                     {"tables", st.tables}}},
                   {"scanned",
                    {{"segments", r.segments},
                     {"segments_skipped", r.segments_skipped},
                     {"bytes", r.bytes},
                     {"search_window_bytes", st.window_bytes}}},
                   {"furthest_stage", std::string(mquire::to_string(r.furthest))},
                   {"furthest_detail", r.furthest_detail}};
  nlohmann::json tables = nlohmann::json::array();
  for (const auto& f : r.tables) tables.push_back(table_summary(f));
  j["tables"] = std::move(tables);
  j["vmcoreinfo_in_memory"] = r.vmcoreinfo.size();
  if (a) {
    j["address_resolution"] = addressing_json(*a);
    j["kaslr"] = a->slide ? nlohmann::json{{"slide", fmt::format("{:#x}", *a->slide)}, {"method", a->slide_method}}
                          : nlohmann::json();
  }
  if (v && !r.tables.empty()) j["kernel"] = view_json(*v, r.tables.front().table.word_size);
  const std::string text = j.dump(1) + "\n";
  std::fwrite(text.data(), 1, text.size(), out);
}

} // namespace tool
