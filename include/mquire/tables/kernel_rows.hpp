// SPDX-License-Identifier: Apache-2.0
// The kernel's own tables: kallsyms, kernel_modules and their memory
// regions, ftrace_ops, hooks (every checked pointer) and the BTF types.
#pragma once

#include <string>

#include "../btf/format.hpp"
#include "dump_context.hpp"
#include "row_builder.hpp"

namespace mquire::tables {

namespace detail {

inline std::string module_state_name(const std::string& proc_modules_state) {
  if (proc_modules_state == "Loading") return "coming";
  if (proc_modules_state == "Unloading") return "going";
  return "live";
}

// A char * member of `o`, read as a C string (NULL when unset or unreadable).
inline cell string_member(dump_context& ctx, const objects::object& o, std::string_view member, std::size_t max) {
  const auto p = o.u(member);
  if (!p || *p == 0) return {};
  auto s = ctx.memory().c_string(*p, max);
  return s ? cell(std::move(*s)) : cell();
}

// module->kp[]: each parameter as "name (perm: 0oNNN)", as the Rust mquire lists them.
inline cell module_parameters(dump_context& ctx, const objects::object& mod) {
  const auto kp = mod.u("kp");
  const auto count = mod.u("num_kp");
  const auto size = ctx.reader().types().struct_size("kernel_param");
  if (!kp || !count || *kp == 0 || *count == 0 || !size || *size == 0) return {};
  std::string out;
  for (std::uint64_t i = 0; i < std::min<std::uint64_t>(*count, 4096); ++i) {
    auto p = ctx.reader().read(*kp + i * *size, "kernel_param");
    if (!p) break;
    const cell name = string_member(ctx, *p, "name", 256);
    const auto* n = std::get_if<std::string>(&name);
    if (!n) continue;
    char perm[32] = "?";
    if (const auto v = p->u("perm")) std::snprintf(perm, sizeof perm, "0o%llo", static_cast<unsigned long long>(*v));
    if (!out.empty()) out += ", ";
    out += *n + " (perm: " + perm + ")";
  }
  return out.empty() ? cell() : cell(out);
}

// `emit(id)` for the one type a constraint names, else for every type id.
template <typename Emit>
bool each_type(const btf::type_info& t, const std::optional<std::int64_t>& only, Emit emit) {
  if (only) return *only >= 1 && *only <= t.last_id() ? emit(static_cast<std::uint32_t>(*only)) : true;
  for (std::uint32_t id = 1; id <= t.last_id() && t.size() != 0; ++id)
    if (!emit(id)) return false;
  return true;
}

} // namespace detail

inline result<bool> scan_kallsyms(dump_context& ctx, const table_schema& s, const scan_request& req, const row_sink& sink) {
  const auto& t = ctx.table();
  const auto root = ctx.kernel_root();
  const bool vaddr = req.uses(*s.index_of("virtual_address"));
  const bool hex = req.uses(*s.index_of("address"));
  // symbol_name = '...' (the Rust mquire's _stext / _etext lookups) formats one row, not every symbol's.
  const cell* named = req.value_of(*s.index_of("symbol_name"));
  const std::string* only = named ? std::get_if<std::string>(named) : nullptr;
  if (named && !only) return true;
  const auto emit = [&](std::uint64_t address, char type, std::string_view name, const std::string* module) {
    if (only && name != *only) return true;
    row r(s.columns.size());
    r[0] = hex ? cell(hex16(address)) : cell();
    r[1] = module ? cell(*module) : cell();
    r[2] = std::string(name);
    r[3] = std::string(1, type);
    r[4] = vaddr ? cell(vaddr_text(root, address)) : cell();
    return sink(std::move(r));
  };
  for (const auto& sym : t.symbols)
    if (sym.trusted() && !emit(sym.address, sym.type, t.name(sym), nullptr)) return false;
  if (auto mods = ctx.modules()) // else the kernel's symbols stand alone; the notes say why
    for (const auto& m : (*mods)->modules)
      for (const auto& sym : m.symbols)
        if (!emit(sym.address, sym.type, sym.name, &m.name)) return false;
  for (const auto& sym : ctx.builtins().symbols)
    if (!emit(sym.address, sym.type, sym.name, &sym.module)) return false;
  return true;
}

inline result<bool> scan_kernel_modules(dump_context& ctx, const table_schema& s, const scan_request& req,
                                        const row_sink& sink) {
  auto mods = ctx.modules();
  if (!mods) return mods.err();
  const auto root = ctx.kernel_root();
  bool bad = false;
  const auto only = address_constraint(s, req, "virtual_address", bad);
  if (bad) return false;
  for (const auto& m : (*mods)->modules) {
    if (only && m.address != *only) continue;
    row_builder b(s, req);
    b.set_text("virtual_address", vaddr_text(root, m.address)).set_text("list_head", vaddr_text(root, (*mods)->head));
    b.set_text("name", m.name).set_text("state", detail::module_state_name(m.state));
    b.set_text("base", hex16(m.base)).set_int("size", static_cast<std::int64_t>(m.size));
    b.set_text("taint_letters", m.taints);
    if (m.users) b.set_int("users", *m.users);
    std::string used;
    for (const auto& u : m.used_by) used += (used.empty() ? "" : ",") + u;
    b.set_text("used_by", used);
    if (b.wants("taints") || b.wants("gpl_only_symbols") || b.wants("version") || b.wants("src_version") ||
        b.wants("parameters")) {
      if (auto o = ctx.reader().read(m.address, "module")) {
        if (const auto taints = o->u("taints")) b.set_int("taints", static_cast<std::int64_t>(*taints));
        if (const auto gpl = o->u("using_gplonly_symbols")) b.set_int("gpl_only_symbols", *gpl != 0 ? 1 : 0);
        b.set("version", detail::string_member(ctx, *o, "version", 256));
        b.set("src_version", detail::string_member(ctx, *o, "srcversion", 64));
        b.set("parameters", detail::module_parameters(ctx, *o));
      }
    }
    if (!sink(b.take())) return false;
  }
  return true;
}

inline result<bool> scan_kernel_module_mem_entries(dump_context& ctx, const table_schema& s, const scan_request& req,
                                                   const row_sink& sink) {
  auto mods = ctx.modules();
  if (!mods) return mods.err();
  bool bad = false;
  const auto only = address_constraint(s, req, "kernel_module", bad);
  if (bad) return false;
  for (const auto& m : (*mods)->modules) {
    if (only && m.address != *only) continue;
    row_builder b(s, req);
    b.set_text("kernel_module", vaddr_text(ctx.kernel_root(), m.address)).set_text("module_name", m.name);
    for (std::size_t i = 0; i < m.regions.size(); ++i) {
      const auto [base, size] = m.regions[i];
      b.set_text("mem_type", i < m.region_kinds.size() ? m.region_kinds[i] : std::string("?"));
      b.set_text("start", hex16(base)).set_text("end", hex16(base + size)).set_int("size", static_cast<std::int64_t>(size));
      if (!sink(b.take())) return false;
    }
  }
  return true;
}

inline result<bool> scan_ftrace_ops(dump_context& ctx, const table_schema& s, const scan_request& req,
                                    const row_sink& sink) {
  const auto& view = ctx.ftrace();
  const auto root = ctx.kernel_root();
  for (const auto& op : view.ops) {
    row_builder b(s, req);
    b.set_text("virtual_address", vaddr_text(root, op.address)).set_int("flags", static_cast<std::int64_t>(op.flags));
    b.set_text("func", vaddr_text(root, op.func.target)).set_text("func_addr", hex16(op.func.target));
    b.set_text("symbol", op.func.symbol).set_int("backed", op.func.backed ? 1 : 0);
    if (!op.func.module.empty()) b.set_text("module", op.func.module);
    if (op.trampoline != 0) b.set_text("trampoline", hex16(op.trampoline));
    if (!sink(b.take())) return false;
  }
  return true;
}

inline result<bool> scan_hooks(dump_context& ctx, const table_schema& s, const scan_request& req, const row_sink& sink) {
  const auto& tables = ctx.hook_tables();
  const auto root = ctx.kernel_root();
  const auto put = [&](row_builder& b, const hooks::pointer_check& c) {
    b.set_text("target", hex16(c.target)).set_text("symbol", c.symbol);
    b.set("module", c.module.empty() ? cell() : cell(c.module));
    b.set_int("backed", c.backed ? 1 : 0).set_int("expected", c.expected ? 1 : 0);
  };
  for (const auto& t : tables.tables) {
    row_builder b(s, req);
    b.set_text("kind", "table").set_text("name", t.name).set_text("type", t.type);
    b.set_text("virtual_address", vaddr_text(root, t.address));
    for (const auto& slot : t.slots) {
      b.set_text("slot", slot.name);
      put(b, slot.check);
      if (!sink(b.take())) return false;
    }
  }
  for (const auto& k : tables.kprobes) {
    row_builder b(s, req);
    b.set_text("kind", "kprobe").set_text("name", k.symbol_name.empty() ? k.probed : k.symbol_name);
    b.set_text("virtual_address", vaddr_text(root, k.kprobe)).set_text("slot", k.probed);
    for (const auto& [which, check] : {std::pair{"pre_handler", &k.pre_handler}, std::pair{"post_handler", &k.post_handler}}) {
      if (check->target == 0) continue;
      b.set_text("type", which);
      put(b, *check);
      if (!sink(b.take())) return false;
    }
  }
  return true;
}

inline result<bool> scan_btf_types(dump_context& ctx, const table_schema& s, const scan_request& req, const row_sink& sink) {
  const auto& t = ctx.btf();
  bool bad = false;
  const auto only = integer_constraint(s, req, "id", bad);
  if (bad) return false;
  const auto emit = [&](std::uint32_t id) {
    const auto v = t.type(id);
    if (!v) return true;
    row_builder b(s, req);
    b.set_int("id", id).set_text("kind", std::string(btf::to_string(v->kind))).set_text("name", std::string(v->name));
    b.set_int("vlen", v->vlen);
    const bool sized = v->kind == btf::kind::int_ || v->kind == btf::kind::struct_ || v->kind == btf::kind::union_ ||
                       v->kind == btf::kind::enum_ || v->kind == btf::kind::enum64 || v->kind == btf::kind::datasec ||
                       v->kind == btf::kind::float_;
    b.set_int(sized ? "size" : "type_id", v->size_or_type);
    return sink(b.take());
  };
  return detail::each_type(t, only, emit);
}

inline result<bool> scan_btf_members(dump_context& ctx, const table_schema& s, const scan_request& req,
                                     const row_sink& sink) {
  const auto& t = ctx.btf();
  bool bad = false;
  const auto only = integer_constraint(s, req, "type_id", bad);
  if (bad) return false;
  const auto emit = [&](std::uint32_t id) {
    const auto v = t.type(id);
    if (!v || (v->kind != btf::kind::struct_ && v->kind != btf::kind::union_)) return true;
    row_builder b(s, req);
    b.set_int("type_id", id).set_text("type_name", std::string(v->name));
    for (const auto& m : t.members(*v)) {
      b.set_text("member", std::string(m.name)).set_int("member_type_id", m.type);
      b.set_int("bit_offset", static_cast<std::int64_t>(m.bit_offset)).set_int("bitfield_size", m.bitfield_size);
      if (!sink(b.take())) return false;
    }
    return true;
  };
  return detail::each_type(t, only, emit);
}

} // namespace mquire::tables
