// SPDX-License-Identifier: Apache-2.0
#include "kernel_view.hpp"

#include <algorithm>
#include <cstdio>

namespace tool {
namespace {

// BTF found by its header when the table has no __start_BTF / __stop_BTF:
// the largest blob that parses on its own (a module's split BTF does not).
// Headers are looked for where the landmark pass saw them, only there;
// elsewhere (a region with more headers than the pass keeps) by a scan of
// its bytes, counted in `scanned`.
std::optional<std::vector<std::uint8_t>> btf_by_header(input& in, const scan_result& r, std::string& where,
                                                       std::uint64_t& scanned) {
  std::vector<std::uint8_t> best;
  auto visited = for_each_file_region(in, [&](const segment_view& v) {
    const auto seen = std::find_if(r.btf_headers.begin(), r.btf_headers.end(), [&](const auto& h) {
      return h.segment == v.index && h.address == v.seg.address && h.size == v.bytes.size();
    });
    if (seen == r.btf_headers.end()) scanned += v.bytes.size();
    const auto hits = seen != r.btf_headers.end() ? mquire::btf::find_at(v.bytes, seen->at)
                                                   : mquire::btf::find_in_bytes(v.bytes);
    for (const auto& hit : hits)
      if (hit.size > best.size()) {
        best.assign(v.bytes.begin() + static_cast<std::ptrdiff_t>(hit.offset),
                    v.bytes.begin() + static_cast<std::ptrdiff_t>(hit.offset + hit.size));
        where = "a BTF header at input address " + mquire::detail::hex(v.seg.address + hit.offset) + " (" +
                std::to_string(hit.types) + " types; the table has no __start_BTF)";
      }
    return true;
  });
  if (!visited || best.empty()) return std::nullopt;
  return best;
}

} // namespace

kernel_view read_kernel_view(const found_table& best, const addressing& a, input& in, const scan_result& r,
                             view_request want) {
  kernel_view v;
  const auto& t = best.table;
  // kernel_memory_for says why when there is none (addresses that are not
  // virtual, no anchor).
  mquire::table_placement p{best.where.address, a.resolution.range_vaddr()};
  if (!p.range_vaddr) p.range_vaddr = best.where.vaddr;
  std::optional<mquire::vmcoreinfo> info;
  if (!in.map().vmcoreinfo.empty())
    if (auto parsed = mquire::parse_vmcoreinfo(in.map().vmcoreinfo)) info = std::move(*parsed);
  if (!info && !r.vmcoreinfo.empty()) info = r.vmcoreinfo.front().info;
  const bool physical = best.where.address_is_physical;
  mquire::physical_reader read;
  if (physical)
    read = [&in](std::uint64_t pa, std::uint8_t* out, std::size_t n) { return in.read_physical(pa, out, n); };
  else
    read = [&in](std::uint64_t at, std::uint8_t* out, std::size_t n) { return in.read_address(at, out, n); };
  auto memory = mquire::kernel_memory_for(t, p, read, physical, info ? &*info : nullptr);
  if (memory) v.memory = std::move(*memory);
  else v.memory_problem = memory.err().message;
  if (want.btf && !want.btf_file.empty()) {
    if (std::FILE* f = std::fopen(want.btf_file.c_str(), "rb")) {
      std::uint8_t buf[1 << 16];
      std::size_t n;
      // BTF of a whole kernel is a few MiB; a file past 1 GiB is not BTF.
      while ((n = std::fread(buf, 1, sizeof buf, f)) > 0 && v.btf.size() < (std::size_t{1} << 30))
        v.btf.insert(v.btf.end(), buf, buf + n);
      std::fclose(f);
      v.btf_source = "the file " + want.btf_file + " (--btf)";
    } else {
      v.btf_problem = "cannot open " + want.btf_file;
    }
  } else if (want.btf) {
    if (v.memory) {
      auto blob = mquire::btf::read_kernel_btf(t, v.memory->memory);
      if (blob) {
        v.btf = std::move(*blob);
        const auto b = *mquire::btf::bounds_from_kallsyms(t);
        v.btf_source = "__start_BTF " + mquire::detail::hex(b.start) + " .. __stop_BTF " + mquire::detail::hex(b.stop);
      } else {
        v.btf_problem = blob.err().message;
      }
    }
    if (v.btf.empty()) {
      std::string where;
      if (auto found = btf_by_header(in, r, where, v.btf_scanned_bytes)) {
        v.btf = std::move(*found);
        v.btf_source = where;
        v.btf_problem.clear();
      } else if (v.btf_problem.empty() || v.btf_problem.find("no __start_BTF") != std::string::npos) {
        v.btf_problem = "no BTF in the input (no __start_BTF symbol, no BTF header whose blob parses): "
                        "a kernel built without CONFIG_DEBUG_INFO_BTF?";
      }
    }
  }
  if (!v.btf.empty()) {
    auto parsed = mquire::btf::type_info::parse(v.btf);
    if (parsed) v.types = std::make_unique<mquire::btf::type_info>(std::move(*parsed));
    else v.btf_problem = parsed.err().message;
  }
  if (!want.modules) {
    v.modules_problem = "the input is a kernel file, not a memory dump: no module is loaded in it";
  } else {
    if (!v.memory || !v.memory->space) {
      v.modules_problem = "module memory is vmalloc'ed and only readable through the kernel's page tables: " +
                          (v.memory ? v.memory->page_tables_problem : v.memory_problem);
    } else if (!v.types) {
      v.modules_problem = "struct module is read through the kernel's BTF: " + v.btf_problem;
    } else {
      auto list = mquire::modules::read_modules(t, *v.types, v.memory->memory);
      if (list) v.modules = std::move(*list);
      else v.modules_problem = list.err().message;
      if (want.builtins) {
        const mquire::objects::kernel_types types(*v.types, t.word_size);
        const mquire::objects::object_reader reader(v.memory->memory, types);
        const mquire::objects::symbol_index syms(t);
        v.builtins = mquire::modules::read_builtin_kallsyms(reader, syms);
      }
      auto btfs = mquire::modules::read_module_btfs(t, *v.types, v.memory->memory);
      if (btfs) v.module_btfs = std::move(*btfs);
      else v.module_btfs_problem = btfs.err().message;
    }
  }
  return v;
}

} // namespace tool
