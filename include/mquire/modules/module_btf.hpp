// SPDX-License-Identifier: Apache-2.0
// Each loaded module's BTF, as /sys/kernel/btf/<module> gives it: split BTF
// over the kernel's, kept by the kernel after load in a `struct btf` on the
// `btf_modules` list (kernel/bpf/btf.c; the module's own .BTF section is
// freed once the module is up). The list, `struct btf_module` and `struct
// btf` are placed by the kernel's BTF; each blob must parse as split BTF
// over the kernel's before it is returned.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "../btf/locate.hpp"
#include "../btf/lookup.hpp"
#include "module_list.hpp"
#include "../notes.hpp"

namespace mquire::modules {

struct module_btf {
  std::string module;              // its name
  std::vector<std::uint8_t> bytes; // the blob, byte for byte
  std::size_t types = 0;           // types it adds to the kernel's
};

struct module_btf_list {
  std::vector<module_btf> blobs;   // list order
  mquire::notes notes;  // what was skipped, and why
};

inline result<module_btf_list> read_module_btfs(const kallsyms_table& t, const btf::type_info& kernel,
                                                const virtual_memory& vm) {
  std::optional<std::uint64_t> head;
  for (const auto& s : t.symbols)
    if (s.trusted() && t.name(s) == "btf_modules") head = s.address;
  if (!head) return make_error(error_code::not_found, "module BTF: the table has no btf_modules symbol");
  const unsigned ptr = vm.pointer_size();
  const auto need = [&](std::string_view type, std::string_view path) -> std::optional<detail::field_at> {
    const auto id = btf::find_type(kernel, type, btf::kind::struct_);
    return id ? detail::member(kernel, *id, path, ptr) : std::nullopt;
  };
  const auto list = need("btf_module", "list"), owner = need("btf_module", "module"), blob = need("btf_module", "btf");
  const auto data = need("btf", "data"), size = need("btf", "data_size"), name = need("module", "name");
  if (!list || !owner || !blob || !data || !size || !name)
    return make_error(error_code::not_found,
                      "module BTF: the kernel's BTF lacks struct btf_module {list, module, btf}, "
                      "struct btf {data, data_size} or module.name");
  module_btf_list out;
  std::string problem;
  for (const std::uint64_t node : detail::list_nodes(vm, *head, max_modules, problem)) {
    const std::uint64_t entry = node - list->offset;
    const auto mod = vm.pointer(entry + owner->offset), b = vm.pointer(entry + blob->offset);
    if (!mod || !b) {
      out.notes.add("btf_module at " + mquire::detail::hex(entry) + " is not in the dump");
      continue;
    }
    module_btf m;
    m.module = vm.c_string(*mod + name->offset, module_name_len).value_or("?");
    const auto where = vm.pointer(*b + data->offset);
    const auto bytes = vm.uint(*b + size->offset, static_cast<unsigned>(std::min<std::uint64_t>(size->size, 8)));
    if (!where || !bytes || *bytes == 0 || *bytes > btf::max_blob) {
      out.notes.add(m.module + ": its struct btf is not readable");
      continue;
    }
    m.bytes.resize(static_cast<std::size_t>(*bytes));
    const std::size_t got = vm.read_available(*where, m.bytes.data(), m.bytes.size());
    if (got != m.bytes.size()) {
      out.notes.add(m.module + ": BTF of " + std::to_string(*bytes) + " bytes at " + mquire::detail::hex(*where) +
                    ", only " + std::to_string(got) + " in the dump");
      continue;
    }
    auto parsed = btf::type_info::parse(m.bytes, &kernel);
    if (!parsed) {
      out.notes.add(m.module + ": not split BTF over the kernel's", parsed.err());
      continue;
    }
    m.types = parsed->size();
    out.blobs.push_back(std::move(m));
  }
  if (!problem.empty()) out.notes.add("btf_modules list: " + problem);
  return out;
}

} // namespace mquire::modules
