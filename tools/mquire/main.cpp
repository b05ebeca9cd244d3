// SPDX-License-Identifier: Apache-2.0
// mquire: rebuild /proc/kallsyms from a memory dump or a kernel image.
//
//   mquire kallsyms [--format kallsyms|json] [--no-modules] [options] FILE
//   mquire modules  [options] FILE     (/proc/modules)
//   mquire btf      [-o OUT] [--module NAME] [options] FILE  (as /sys/kernel/btf/vmlinux or /MODULE)
//   mquire isf      [-o OUT.json[.xz]] [options] FILE  (a Volatility 3 symbol table)
//   mquire elf      -o OUT.elf [options] FILE  (kernel and module bytes with every symbol)
//   mquire inspect  [--format text|json] [options] FILE
//   mquire ps       [--format text|json] [--btf FILE] [options] FILE   (every task)
//   mquire maps     [--pid N] [--format text|json] [--btf FILE] [options] FILE  (/proc/PID/maps)
//   mquire files    [--pid N] [--format text|json] [--btf FILE] [options] FILE  (/proc/PID/fd)
//   mquire sysinfo  [--format text|json] [--btf FILE] [options] FILE  (uname, hostname, boot time, uptime)
//   mquire dmesg    [--format text|json] [--btf FILE] [options] FILE  (the kernel log)
//   mquire net      [--format text|json] [--btf FILE] [options] FILE  (/proc/net's socket listings)
//   mquire ifaces   [--format text|json] [--btf FILE] [options] FILE  (ip -o link, ip -o addr)
//   mquire mounts   [--mountinfo] [--pid N] [--format text|json] [--btf FILE] [options] FILE  (/proc/PID/mounts)
//   mquire cached   [--pid N] [--format text|json] [--btf FILE] [options] FILE  (files in the page cache)
//   mquire cat      [-o OUT] [--pid N] [--btf FILE] [options] FILE PATH  (a cached file's bytes)
//   mquire hooks    [--format text|json] [--btf FILE] [options] FILE  (ftrace, kprobes, call tables, BPF)
//   mquire bpf      [--format text|json] [--btf FILE] [options] FILE  (bpftool prog list, bpftool map list)
//   mquire query    [--format table|csv|json] [--stats] [--btf FILE] [options] FILE SQL  (SQL over every table)
//   mquire shell    [--format table|csv|json] [--btf FILE] [options] FILE  (the same, interactively)
//   options: [--base ADDR] [--layout NAME] [--input FORMAT] [--strict]
//
// Exit status: 0 found; 1 no kallsyms found (or, for btf/modules, nothing of
// that kind; for query, a table that could not be read); 2 usage error (and
// SQL that does not parse); 3 unreadable input.
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <map>
#include <string>

#include <CLI/CLI.hpp>

#include "analysis.hpp"
#include "output.hpp"
#include "isf_input.hpp"
#include "process_output.hpp"
#include "system_output.hpp"
#include "output_file.hpp"
#include "query.hpp"
#include "scan.hpp"
#include "segments.hpp"

namespace {

using tool::found;
using tool::not_found;
using tool::unreadable;
using tool::usage;

struct common_options {
  std::string file;
  std::string format;
  std::string base;
  std::string layout;
  std::string input = "auto";
  bool strict = false;
  bool no_modules = false;
  std::string output; // btf: file to write instead of stdout
  std::string module; // btf: this module's split BTF instead of the kernel's
  std::optional<std::int64_t> pid; // ps/maps/files: one process
  std::string btf_file;            // ps/maps/files: types from this BTF file instead of the dump's
  std::string isf_file;            // ps/maps/files: types from this Volatility symbol table instead
  bool mountinfo = false;          // mounts: mountinfo's lines instead of mounts'
  std::string path;                // cat: the file to write out
  std::string sql;                 // query: the statements
  bool stats = false;              // query: the scans' work on stderr
};

enum class command { kallsyms, inspect, modules, btf, isf, elf, ps, maps, files, sysinfo, dmesg, net, ifaces, mounts, cached, cat, hooks, bpf, query, shell };

void add_common(CLI::App* cmd, common_options& o, const std::string& default_format,
                const std::vector<std::string>& formats) {
  o.format = default_format;
  cmd->add_option("FILE", o.file, "memory dump or kernel image")->required();
  cmd->add_option("--format", o.format, "output format")->check(CLI::IsMember(formats))->capture_default_str();
  cmd->add_option("--base", o.base,
                  "virtual address that input address 0 maps to (raw: file offset 0; dumps: physical 0), "
                  "hex; overrides detection");
  std::vector<std::string> names;
  for (const auto& d : mquire::builtin_layouts()) names.emplace_back(d.name);
  cmd->add_option("--layout", o.layout, "only try this layout")->check(CLI::IsMember(names));
  cmd->add_flag("--strict", o.strict,
                "all or nothing: refuse a table with any damaged entry instead of leaving those entries out");
  cmd->add_option("--input", o.input, "input format (detected from content by default)")
      ->check(CLI::IsMember({"auto", "raw", "lime", "elf", "kdump", "vmlinux", "image"}))
      ->capture_default_str();
}

int fail(int code, const std::string& msg) {
  std::fprintf(stderr, "mquire: %s\n", msg.c_str());
  return code;
}
int fail(const tool::failure& f) { return fail(f.status, f.message); }

// Each line of a partial result's notes as a warning.
void warn_each(const mquire::notes& lines) {
  for (const auto& l : lines) std::fprintf(stderr, "mquire: warning: %s\n", l.c_str());
}
// The same, after `about: ` when the notes are about one thing (a file, an
// interface).
void warn_each(const mquire::notes& lines, const std::string& about) {
  for (const auto& l : lines) std::fprintf(stderr, "mquire: warning: %s: %s\n", about.c_str(), l.c_str());
}

// The Volatility 3 symbol table: types from the kernel's BTF, symbols from
// the table, the banner from memory.
int write_isf(const common_options& o, const tool::found_table& best, const tool::kernel_view& v) {
  if (!v.types) return fail(not_found, o.file + ": no BTF, so no types for a symbol table: " + v.btf_problem);
  std::optional<std::string> banner;
  if (v.memory) banner = mquire::isf::banner_from_memory(best.table, v.memory->memory);
  if (!banner)
    std::fprintf(stderr, "mquire: warning: linux_banner not read, so Volatility will not match this symbol table "
                         "to a dump by itself\n");
  const auto symbols = mquire::isf::symbols_of(best.table);
  mquire::isf::options io;
  if (banner) io.banner = *banner;
  io.producer_version = MQUIRE_VERSION;
  io.pointer_size = best.table.word_size;
  std::string error;
  auto out = tool::output_file::open(o.output, error);
  if (!out) return fail(unreadable, error);
  const auto rep = mquire::isf::write_isf(*v.types, symbols, io, [&](std::string_view chunk) { out->write(chunk); });
  if (!rep) return fail(tool::failure_of(rep.err(), o.file));
  if (!out->close()) return fail(unreadable, "cannot write " + (o.output.empty() ? std::string("the output") : o.output));
  for (const auto& why : rep->left_untyped) std::fprintf(stderr, "mquire: note: left untyped: %s\n", why.c_str());
  std::fprintf(stderr,
               "mquire: ISF: %zu user types, %zu enums, %zu symbols (%zu typed from BTF, %zu from the table of known "
               "globals), %llu bytes of JSON\n",
               rep->user_types, rep->enums, rep->symbols, rep->typed_from_btf, rep->typed_from_table,
               static_cast<unsigned long long>(out->bytes_in()));
  return found;
}

// An ELF file: the kernel's (and, from a dump, each module's) bytes at their
// addresses, with every symbol.
int write_elf(const common_options& o, const tool::found_table& best, const tool::kernel_view& v,
              const mquire::sources::input_map& map) {
  if (o.output.empty() || o.output == "-") return fail(usage, "elf: give the file to write with -o");
  if (!v.memory) return fail(not_found, o.file + ": the kernel's memory is not readable: " + v.memory_problem);
  const auto& t = best.table;
  const mquire::modules::module_list* mods = v.modules ? &*v.modules : nullptr;
  if (!mods && map.format != mquire::sources::input_format::vmlinux && map.format != mquire::sources::input_format::image &&
      best.where.address_is_physical)
    std::fprintf(stderr, "mquire: warning: module bytes and symbols left out: %s\n", v.modules_problem.c_str());
  const bool kernel_file = !best.where.address_is_physical;
  const auto contents = mquire::output::read_elf_contents(t, v.memory->memory, mods, kernel_file);
  warn_each(contents.notes);
  if (contents.runs.empty()) return fail(not_found, o.file + ": no kernel bytes to write");
  std::vector<mquire::output::elf_region> regions;
  for (std::size_t i = 0; i < contents.runs.size(); ++i)
    regions.push_back({contents.runs[i].address, contents.runs[i].bytes, contents.run_names[i]});
  auto symbols = mquire::output::symbols_of(t);
  if (mods)
    for (const auto& m : mods->modules)
      for (const auto& s : m.symbols) symbols.push_back({s.name, s.address, s.type});
  mquire::output::elf_options eo;
  eo.word_size = t.word_size;
  eo.order = t.order;
  eo.machine = map.elf_machine != 0 ? map.elf_machine : mquire::output::machine_from_symbols(t);
  if (eo.machine == 0) std::fprintf(stderr, "mquire: warning: the machine is unknown: e_machine is EM_NONE\n");
  std::string error;
  auto out = tool::output_file::open(o.output, error);
  if (!out) return fail(unreadable, error);
  const auto rep = mquire::output::write_elf(regions, symbols, eo, [&](std::span<const std::uint8_t> b) {
    out->write(std::string_view(reinterpret_cast<const char*>(b.data()), b.size()));
  });
  if (!rep) return fail(tool::failure_of(rep.err(), o.file));
  if (!out->close()) return fail(unreadable, "cannot write " + o.output);
  std::fprintf(stderr, "mquire: ELF: %zu segments (%llu bytes), %zu sections, %zu symbols (%zu absolute), machine %u\n",
               rep->segments, static_cast<unsigned long long>(rep->bytes), rep->sections, rep->symbols, rep->absolute,
               static_cast<unsigned>(eo.machine));
  return found;
}

// The task_struct of --pid's process (pid 1 by default): whose mounts
// and root name the files.
mquire::result<std::uint64_t> process_task(const common_options& o, const mquire::objects::object_reader& reader,
                                           const mquire::objects::symbol_index& syms) {
  mquire::processes::task_reader tr(reader, syms);
  auto tasks = tr.read_all();
  if (!tasks) return mquire::make_error(tasks.err().code, o.file + ": tasks not read: " + tasks.err().message);
  const std::int64_t pid = o.pid.value_or(1);
  for (const auto& t : tasks->tasks)
    if (t.pid == pid && t.tgid == pid) return t.address;
  return mquire::make_error(mquire::error_code::not_found, o.file + ": no process with pid " + std::to_string(pid));
}

// The loaded BPF programs and maps, with the processes holding them (read
// through the page tables, when found) and the clocks for load times.
tool::bpf_report read_bpf_report(const tool::found_table& best, const tool::kernel_view& v,
                                 const mquire::objects::object_reader& reader, const mquire::objects::symbol_index& syms) {
  tool::bpf_report out;
  const unsigned page_shift = v.memory->space ? v.memory->space->page_shift : 12;
  auto view = mquire::bpf::read_bpf(reader, syms, 1u << page_shift);
  if (!view) {
    out.problem = view.err().message;
    return out;
  }
  out.view = std::move(*view);
  if (auto id = mquire::system::read_identity(reader, syms); id && id->realtime_ns && id->uptime_ns)
    out.clocks = mquire::bpf::dump_clocks{*id->realtime_ns, *id->uptime_ns};
  if (out.view->programs.empty() && out.view->maps.empty()) return out;
  if (!v.memory->space) {
    out.holders.notes.add("BPF holders: the page tables were not found: " + v.memory->page_tables_problem);
    return out;
  }
  mquire::processes::process_view pv(best.table, *v.types, v.memory->memory, *v.memory->space);
  if (auto tasks = pv.tasks()) out.holders = mquire::bpf::bpf_holders(pv, *tasks);
  else out.holders.notes.add("BPF holders: tasks not read", tasks.err());
  return out;
}

void report_bpf_problems(const tool::bpf_report& bpf) {
  if (!bpf.problem.empty()) std::fprintf(stderr, "mquire: warning: BPF not read: %s\n", bpf.problem.c_str());
  if (bpf.view) {
    for (const auto& n : bpf.view->notes) std::fprintf(stderr, "mquire: warning: BPF: %s\n", n.c_str());
    for (const auto& p : bpf.view->programs)
      for (const auto& why : p.problems) std::fprintf(stderr, "mquire: warning: BPF program %u: %s\n", p.id, why.c_str());
    for (const auto& m : bpf.view->maps)
      for (const auto& why : m.problems) std::fprintf(stderr, "mquire: warning: BPF map %u: %s\n", m.id, why.c_str());
    if (!bpf.view->programs.empty() && !bpf.clocks)
      std::fprintf(stderr, "mquire: warning: BPF: the clocks are not readable, so load times are shown as '?'\n");
  }
  warn_each(bpf.holders.notes);
}

// The page cache: which files have pages there (cached), and one file's
// bytes (cat), named as pid 1 (or --pid) sees them.
int show_page_cache(const common_options& o, command cmd, const mquire::objects::object_reader& reader,
                    const mquire::objects::symbol_index& syms, const tool::kernel_view& v) {
  const auto task = process_task(o, reader, syms);
  if (!task) return fail(tool::failure_of(task.err()));
  const unsigned page_shift = v.memory->space ? v.memory->space->page_shift : 12;
  auto list = mquire::filesystems::read_cached_files(reader, syms, *task, page_shift);
  if (!list) return fail(tool::failure_of(list.err(), o.file + ": cached files not read"));
  warn_each(list->notes);
  if (cmd == command::cached) {
    for (const auto& f : list->files)
      if (!f.problem.empty()) std::fprintf(stderr, "mquire: warning: inode %llu (%s): %s\n",
                                           static_cast<unsigned long long>(f.ino), f.fs_type.c_str(), f.problem.c_str());
    tool::write_cached(stdout, *list, 1u << page_shift, o.format == "json");
    if (std::fflush(stdout) != 0) return fail(unreadable, "cannot write the output");
    return found;
  }
  const auto* file = mquire::filesystems::find_cached_file(*list, o.path);
  if (!file) return fail(not_found, o.file + ": no file at " + o.path + " has pages in the page cache (mquire cached "
                                    "lists those that have)");
  if ((file->mode & 0170000) != 0100000)
    std::fprintf(stderr, "mquire: warning: %s is not a regular file (mode %o)\n", o.path.c_str(), file->mode);
  auto frames = mquire::memory::locate_page_frames(reader, syms, page_shift);
  if (!frames) return fail(tool::failure_of(frames.err(), o.file + ": page frames"));
  auto pages = mquire::filesystems::read_file_pages(reader, *frames, file->mapping);
  if (!pages) return fail(tool::failure_of(pages.err(), o.file + ": " + o.path));
  warn_each(pages->problems, o.path);
  const std::uint64_t size = mquire::filesystems::bytes_to_write(file->size, *pages, frames->page_size());
  if (size != file->size)
    std::fprintf(stderr, "mquire: warning: %s: its size is %llu bytes but nothing after byte %llu is cached: "
                         "written up to there\n", o.path.c_str(), static_cast<unsigned long long>(file->size),
                 static_cast<unsigned long long>(size));
  std::string error;
  auto out = tool::output_file::open(o.output, error);
  if (!out) return fail(unreadable, error);
  const auto rep = mquire::filesystems::write_file_content(
      v.memory->memory.reader(), *frames, *pages, size, [&](std::span<const std::uint8_t> b) {
        out->write(std::string_view(reinterpret_cast<const char*>(b.data()), b.size()));
      });
  if (!out->close()) return fail(unreadable, "cannot write " + (o.output.empty() ? std::string("the output") : o.output));
  std::uint64_t missing = 0;
  for (const auto& h : rep.holes) {
    missing += h.length;
    std::fprintf(stderr, "mquire: warning: %s: bytes %llu-%llu written as zeros: %s\n", o.path.c_str(),
                 static_cast<unsigned long long>(h.offset), static_cast<unsigned long long>(h.offset + h.length - 1),
                 h.why.c_str());
  }
  if (rep.stopped)
    std::fprintf(stderr, "mquire: warning: %s: stopped after %llu bytes: more zeros than %llu would follow\n",
                 o.path.c_str(), static_cast<unsigned long long>(rep.bytes),
                 static_cast<unsigned long long>(mquire::filesystems::max_trailing_zeros));
  std::fprintf(stderr, "mquire: %s: %llu bytes, %llu from the page cache, %llu as zeros\n", o.path.c_str(),
               static_cast<unsigned long long>(rep.bytes), static_cast<unsigned long long>(rep.bytes - missing),
               static_cast<unsigned long long>(missing));
  return found;
}

// The system's state read through the kernel's types: which machine this
// is (sysinfo), what it logged (dmesg), its sockets (net) and interfaces
// (ifaces) and mounts.
int show_system(const common_options& o, command cmd, const tool::found_table& best, const tool::kernel_view& v) {
  if (!v.memory) return fail(not_found, o.file + ": the kernel's memory is not readable: " + v.memory_problem);
  if (!v.types) return fail(not_found, o.file + ": this is read through the kernel's types: " + v.btf_problem);
  const mquire::objects::kernel_types types(*v.types, best.table.word_size);
  const mquire::objects::object_reader reader(v.memory->memory, types);
  const mquire::objects::symbol_index syms(best.table);
  if (cmd == command::cached || cmd == command::cat) return show_page_cache(o, cmd, reader, syms, v);
  if (cmd == command::hooks) {
    if (!v.modules)
      std::fprintf(stderr, "mquire: warning: modules not read, so pointers into them count as unbacked: %s\n",
                   v.modules_problem.c_str());
    const mquire::objects::code_symbols symbols(best.table, v.modules ? &*v.modules : nullptr);
    const auto ftrace = mquire::hooks::read_ftrace(reader, syms, symbols);
    const auto tables = mquire::hooks::read_hook_tables(reader, syms, symbols);
    warn_each(ftrace.notes);
    warn_each(tables.notes);
    for (const auto& op : ftrace.ops)
      if (!op.problem.empty()) std::fprintf(stderr, "mquire: warning: ftrace ops %s: %s\n", op.ops.c_str(), op.problem.c_str());
    const auto bpf = read_bpf_report(best, v, reader, syms);
    report_bpf_problems(bpf);
    tool::write_hooks(stdout, ftrace, tables, bpf, o.format == "json");
  } else if (cmd == command::bpf) {
    const auto bpf = read_bpf_report(best, v, reader, syms);
    report_bpf_problems(bpf);
    if (!bpf.view) return fail(not_found, o.file + ": BPF not read: " + bpf.problem);
    tool::write_bpf(stdout, bpf, o.format == "json");
  } else if (cmd == command::mounts) {
    const auto task = process_task(o, reader, syms);
    if (!task) return fail(tool::failure_of(task.err()));
    const unsigned page_shift = v.memory->space ? v.memory->space->page_shift : 12;
    auto table = mquire::filesystems::read_mounts(reader, syms, *task, page_shift);
    if (!table) return fail(tool::failure_of(table.err(), o.file + ": mounts not read"));
    warn_each(table->notes);
    for (const auto& m : table->mounts)
      if (!m.problem.empty())
        std::fprintf(stderr, "mquire: warning: mount %lld (%s): %s\n", static_cast<long long>(m.id), m.mount_point.c_str(),
                     m.problem.c_str());
    tool::write_mounts(stdout, *table, o.mountinfo, o.format == "json");
  } else if (cmd == command::ifaces) {
    auto list = mquire::network::read_interfaces(reader, syms);
    if (!list) return fail(tool::failure_of(list.err(), o.file + ": interfaces not read"));
    warn_each(list->notes);
    for (const auto& i : list->interfaces)
      warn_each(i.problems, i.name);
    tool::write_ifaces(stdout, *list, o.format == "json");
  } else if (cmd == command::net) {
    // /proc/net/dev names each driver's counting function; one outside the
    // kernel's text is a module's, and only then are the modules read.
    const mquire::objects::code_symbols kernel_symbols(best.table);
    auto net = mquire::network::read_proc_net(reader, syms, &kernel_symbols);
    std::vector<std::uint64_t> outside;
    for (const auto& d : net.devices)
      if (d.driver_function && !kernel_symbols.in_kernel_text(d.driver_function)) outside.push_back(d.driver_function);
    if (!outside.empty()) {
      // Only the modules holding those functions have their symbols read.
      auto modules = mquire::modules::read_modules(best.table, *v.types, v.memory->memory, outside);
      if (!modules) {
        std::fprintf(stderr, "mquire: warning: modules not read, so a module driver's counters are unknown: %s\n",
                     modules.err().message.c_str());
      } else {
        const mquire::objects::code_symbols symbols(best.table, &*modules);
        mquire::network::count_devices(reader, syms, &symbols, net.devices);
        for (auto& l : net.listings)
          if (l.name == "dev") l = mquire::network::device_counters_listing(net.devices, l.problem);
      }
    }
    for (const auto& d : net.devices)
      if (!d.problem.empty())
        std::fprintf(stderr, "mquire: warning: /proc/net/dev: %s: %s%s\n", d.name.c_str(),
                     d.counters ? "" : "counters unknown: ", d.problem.c_str());
    warn_each(net.notes);
    for (const auto& l : net.listings)
      if (!l.problem.empty()) std::fprintf(stderr, "mquire: warning: /proc/net/%s: %s\n", l.name.c_str(), l.problem.c_str());
    // JSON names each socket's holders, read through the page tables.
    std::optional<mquire::network::socket_owner_map> owners;
    if (o.format == "json") {
      if (v.memory->space) {
        mquire::processes::process_view view(best.table, *v.types, v.memory->memory, *v.memory->space);
        if (auto tasks = view.tasks()) {
          owners = mquire::network::socket_owners(view, *tasks);
          warn_each(owners->notes);
        } else {
          std::fprintf(stderr, "mquire: warning: sockets' owners: tasks not read: %s\n", tasks.err().message.c_str());
        }
      } else {
        std::fprintf(stderr, "mquire: warning: sockets' owners: the page tables were not found: %s\n",
                     v.memory->page_tables_problem.c_str());
      }
    }
    tool::write_net(stdout, net, o.format == "json", owners ? &*owners : nullptr);
  } else if (cmd == command::dmesg) {
    auto log = mquire::system::read_kernel_log(reader, syms);
    if (!log) return fail(tool::failure_of(log.err(), o.file + ": kernel log not read"));
    warn_each(log->notes);
    tool::write_dmesg(stdout, *log, o.format == "json");
  } else {
    auto id = mquire::system::read_identity(reader, syms);
    if (!id) return fail(tool::failure_of(id.err(), o.file + ": identity not read"));
    warn_each(id->notes);
    tool::write_sysinfo(stdout, *id, o.format == "json");
  }
  if (std::fflush(stdout) != 0) return fail(unreadable, "cannot write the output");
  return found;
}

// What was running: tasks, memory maps, open files, read through the
// kernel's page tables and types.
int show_processes(const common_options& o, command cmd, const tool::found_table& best, const tool::kernel_view& v) {
  if (!v.memory || !v.memory->space)
    return fail(not_found, o.file + ": processes are read through the kernel's page tables, which were not found: " +
                               (v.memory ? v.memory->page_tables_problem : v.memory_problem));
  std::optional<mquire::objects::type_table> isf;
  if (!o.isf_file.empty()) {
    auto t = tool::read_isf_types(o.isf_file);
    if (!t) return fail(unreadable, t.err().message);
    isf = std::move(*t);
  } else if (!v.types) {
    return fail(not_found, o.file + ": processes are read through the kernel's types: " + v.btf_problem +
                               " (give them with --btf or --isf)");
  }
  mquire::processes::process_view view(best.table,
                                       isf ? mquire::objects::kernel_types(*isf)
                                           : mquire::objects::kernel_types(*v.types, best.table.word_size),
                                       v.memory->memory, *v.memory->space);
  auto tasks = view.tasks();
  if (!tasks) return fail(tool::failure_of(tasks.err(), o.file + ": tasks not read"));
  for (const auto& n : tasks->notes) std::fprintf(stderr, "mquire: note: %s\n", n.c_str());
  tool::process_request req{o.pid, o.format == "json"};
  if (o.pid && std::none_of(tasks->tasks.begin(), tasks->tasks.end(),
                            [&](const auto& t) { return t.pid == *o.pid && t.tgid == *o.pid; }))
    return fail(not_found, o.file + ": no process with pid " + std::to_string(*o.pid));
  mquire::notes problems;
  if (cmd == command::ps) tool::write_ps(stdout, view, *tasks, req, problems);
  else if (cmd == command::maps) tool::write_maps(stdout, view, *tasks, req, best.table.word_size, problems);
  else tool::write_files(stdout, view, *tasks, req, problems);
  warn_each(problems);
  if (std::fflush(stdout) != 0) return fail(unreadable, "cannot write the output");
  return found;
}

// The module list's notes and each module's problem, as warnings.
void warn_module_problems(const mquire::modules::module_list& modules) {
  warn_each(modules.notes);
  for (const auto& m : modules.modules)
    if (!m.problem.empty()) std::fprintf(stderr, "mquire: warning: module %s: %s\n", m.name.c_str(), m.problem.c_str());
}

// btf: the kernel's BTF, or a loaded module's split BTF, byte for byte.
int write_btf(const common_options& o, const tool::kernel_view& v, bool is_dump) {
  if (v.btf.empty()) return fail(not_found, o.file + ": no BTF: " + v.btf_problem);
  const std::vector<std::uint8_t>* blob = &v.btf;
  std::string source = v.btf_source;
  if (!o.module.empty()) {
    if (!is_dump) return fail(not_found, o.file + ": a kernel file has no loaded modules (give a memory dump)");
    if (!v.module_btfs)
      return fail(not_found, o.file + ": module BTF not read: " +
                                 (v.modules_problem.empty() ? v.module_btfs_problem : v.modules_problem));
    blob = nullptr;
    for (const auto& m : v.module_btfs->blobs)
      if (m.module == o.module) blob = &m.bytes;
    if (!blob) return fail(not_found, o.file + ": no BTF for module " + o.module + " on the btf_modules list");
    source = "btf_modules (split BTF over the kernel's)";
  }
  std::FILE* dst = o.output.empty() || o.output == "-" ? stdout : std::fopen(o.output.c_str(), "wb");
  if (!dst) return fail(unreadable, "cannot open " + o.output + " for writing");
  const bool ok = std::fwrite(blob->data(), 1, blob->size(), dst) == blob->size();
  if ((dst != stdout && std::fclose(dst) != 0) || !ok) return fail(unreadable, "cannot write the BTF");
  std::fprintf(stderr, "mquire: BTF: %zu bytes from %s\n", blob->size(), source.c_str());
  return found;
}

// query and shell: SQL over every table of the dump.
int run_sql(const common_options& o, command cmd, const tool::found_table& best, const tool::kernel_view& v) {
  if (!v.memory) return fail(not_found, o.file + ": the kernel's memory is not readable: " + v.memory_problem);
  if (!v.types) return fail(not_found, o.file + ": the tables are read through the kernel's types: " + v.btf_problem);
  mquire::tables::dump_tables tables(best.table, *v.types, *v.memory);
  const tool::query_format format = o.format == "csv" ? tool::query_format::csv
                                    : o.format == "json" ? tool::query_format::json
                                                         : tool::query_format::table;
  const tool::sql_request req{o.sql, format, o.stats};
  return cmd == command::query ? tool::run_query(tables, req) : tool::run_shell(tables, req);
}

// modules: /proc/modules.
int write_modules(const common_options& o, const tool::found_table& best, const tool::kernel_view& v, bool is_dump) {
  if (!v.modules) return fail(not_found, o.file + ": modules not read: " + (is_dump ? v.modules_problem :
                               std::string("a kernel file has no loaded modules (give a memory dump)")));
  warn_module_problems(*v.modules);
  tool::write_proc_modules(stdout, *v.modules, best.table.word_size);
  if (std::fflush(stdout) != 0) return fail(unreadable, "cannot write the output");
  return found;
}

// kallsyms: /proc/kallsyms (with the module and built-in lines a dump
// gives) or its JSON.
int write_symbols(const common_options& o, const tool::analysis& an) {
  const tool::found_table& best = an.best();
  const tool::addressing* a = an.addr ? &*an.addr : nullptr;
  const tool::kernel_view* v = an.view ? &*an.view : nullptr;
  const auto& in = *an.in;
  if (v && !v->modules)
    std::fprintf(stderr, "mquire: warning: module symbols left out: %s\n", v->modules_problem.c_str());
  if (v && v->builtins)
    warn_each(v->builtins->notes);
  if (v && v->modules) warn_module_problems(*v->modules);
  if (o.format == "json") {
    tool::write_kallsyms_json(stdout, best, in.map(), a, v);
  } else {
    tool::write_kallsyms(stdout, best.table);
    if (v && v->modules) tool::write_module_kallsyms(stdout, *v->modules, best.table.word_size);
    if (v && v->builtins) tool::write_builtin_kallsyms(stdout, *v->builtins, best.table.word_size);
  }
  if (std::fflush(stdout) != 0) return fail(unreadable, "cannot write the output");
  return found;
}

int run(const common_options& o, command cmd) {
  const bool inspect = cmd == command::inspect;
  std::optional<tool::input_format> forced;
  static const std::map<std::string, tool::input_format> formats = {
      {"raw", tool::input_format::raw},         {"lime", tool::input_format::lime},
      {"elf", tool::input_format::elf_core},    {"kdump", tool::input_format::kdump},
      {"vmlinux", tool::input_format::vmlinux}, {"image", tool::input_format::image}};
  if (o.input != "auto") forced = formats.at(o.input);

  tool::scan_options so;
  if (!o.base.empty()) {
    std::string b = o.base;
    if (b.rfind("0x", 0) == 0 || b.rfind("0X", 0) == 0) b = b.substr(2);
    std::uint64_t v = 0;
    auto [p, ec] = std::from_chars(b.data(), b.data() + b.size(), v, 16);
    if (b.empty() || ec != std::errc() || p != b.data() + b.size())
      return fail(usage, "--base: '" + o.base + "' is not a hexadecimal address");
    so.base = v;
  }
  for (const auto& d : mquire::builtin_layouts())
    if (o.layout.empty() || d.name == o.layout) so.layouts.push_back(d);
  so.progress = ::isatty(2) != 0;
  so.search.strict = o.strict;

  // What the command reads beyond the table: kernel memory, BTF and modules,
  // only for a dump (an image's module list is empty) and only when the
  // command uses them.
  const bool processes = cmd == command::ps || cmd == command::maps || cmd == command::files;
  const bool system = cmd == command::sysinfo || cmd == command::dmesg || cmd == command::net ||
                      cmd == command::ifaces || cmd == command::mounts || cmd == command::cached ||
                      cmd == command::cat || cmd == command::hooks || cmd == command::bpf;
  const bool sql = cmd == command::query || cmd == command::shell; // the tables read modules when a query needs them
  tool::analysis_request req{o.file, forced, so, [&](bool is_dump) -> std::optional<tool::view_request> {
    if (!(cmd == command::btf || cmd == command::modules || cmd == command::isf || cmd == command::elf || inspect ||
          processes || system || sql || (cmd == command::kallsyms && is_dump && !o.no_modules)))
      return std::nullopt;
    tool::view_request want;
    want.btf = cmd != command::elf || is_dump; // modules are read through BTF
    want.modules = is_dump && cmd != command::isf && !processes && !sql && (!system || cmd == command::hooks) &&
                   (cmd != command::btf || !o.module.empty());
    want.builtins = want.modules && (cmd == command::kallsyms || inspect);
    want.btf_file = o.btf_file;
    if (processes && !o.isf_file.empty()) want.btf = false; // the types come from the symbol table
    return want;
  }};
  auto analyzed = tool::analyze(req);
  if (auto* f = std::get_if<tool::failure>(&analyzed)) return fail(f->status, f->message);
  tool::analysis& an = std::get<tool::analysis>(analyzed);
  auto& in = *an.in;
  tool::scan_result& r = an.scanned;
  const tool::addressing* a = an.addr ? &*an.addr : nullptr;
  const bool is_dump = an.is_dump();
  const tool::kernel_view* v = an.view ? &*an.view : nullptr;
  if (inspect) {
    if (o.format == "json") tool::write_inspect_json(stdout, r, in.map(), o.file, a, v);
    else tool::write_inspect(stdout, r, in.map(), o.file, a, v);
    return r.tables.empty() ? not_found : found;
  }
  if (!an.has_table()) return fail(not_found, an.not_found_message(o.file));
  const tool::found_table& best = r.tables.front();
  if (auto w = tool::address_warning(best, *a); !w.empty()) std::fprintf(stderr, "mquire: warning: %s\n", w.c_str());
  if (auto w = tool::damage_warning(best.table); !w.empty()) std::fprintf(stderr, "mquire: warning: %s\n", w.c_str());
  if (cmd == command::btf) return write_btf(o, *v, is_dump);
  if (sql) return run_sql(o, cmd, best, *v);
  if (processes) {
    if (!is_dump) return fail(not_found, o.file + ": a kernel file ran no processes (give a memory dump)");
    return show_processes(o, cmd, best, *v);
  }
  if (system) {
    if (!is_dump) return fail(not_found, o.file + ": a kernel file never ran (give a memory dump)");
    return show_system(o, cmd, best, *v);
  }
  if (cmd == command::isf) return write_isf(o, best, *v);
  if (cmd == command::elf) return write_elf(o, best, *v, in.map());
  if (cmd == command::modules) return write_modules(o, best, *v, is_dump);
  return write_symbols(o, an);
}

} // namespace

int main(int argc, char** argv) {
  CLI::App app{"mquire: rebuild the Linux kernel symbol table (/proc/kallsyms) from a memory dump or kernel image"};
  app.require_subcommand(1);
  common_options ko, io, mo, bo, so, eo, po, mpo, fo, yo, dmo, no, ifo, mno, cco, cto, hko, bpo, qo, sho;
  auto* kallsyms = app.add_subcommand("kallsyms", "print the recovered symbol table in /proc/kallsyms format, "
                                                  "module symbols included when the input is a memory dump");
  add_common(kallsyms, ko, "kallsyms", {"kallsyms", "json"});
  kallsyms->add_flag("--no-modules", ko.no_modules, "only the kernel's own symbols");
  auto* modules = app.add_subcommand("modules", "print the loaded modules as /proc/modules shows them");
  add_common(modules, mo, "text", {"text"});
  auto* btf = app.add_subcommand("btf", "write the kernel's BTF byte for byte, as /sys/kernel/btf/vmlinux");
  add_common(btf, bo, "raw", {"raw"});
  btf->add_option("-o,--output", bo.output, "file to write (default: standard output)");
  btf->add_option("--module", bo.module, "a loaded module's split BTF instead (as /sys/kernel/btf/MODULE)");
  auto* isf = app.add_subcommand("isf", "write a Volatility 3 symbol table (ISF JSON) for the kernel: types from its "
                                        "BTF, symbols from kallsyms");
  add_common(isf, so, "json", {"json"});
  isf->add_option("-o,--output", so.output, "file to write, xz-compressed if it ends in .xz (default: standard output)");
  auto* elf = app.add_subcommand("elf", "write an ELF file for disassemblers and debuggers: the kernel's bytes (and "
                                        "modules', from a dump) at their addresses, with every symbol");
  add_common(elf, eo, "elf", {"elf"});
  elf->add_option("-o,--output", eo.output, "file to write")->required();
  auto* inspect = app.add_subcommand("inspect", "show what was found and how: layout, sections, candidates, "
                                                "page tables, BTF, modules");
  add_common(inspect, io, "text", {"text", "json"});
  auto* ps = app.add_subcommand("ps", "list every task (processes and threads) with ids, credentials, capabilities, "
                                      "command line and environment, from a memory dump");
  add_common(ps, po, "text", {"text", "json"});
  auto* maps = app.add_subcommand("maps", "print each process's memory maps exactly as /proc/PID/maps");
  add_common(maps, mpo, "text", {"text", "json"});
  auto* files = app.add_subcommand("files", "print each process's open files as ls -l /proc/PID/fd shows them "
                                            "(json: with fdinfo's pos, flags, mnt_id, ino)");
  add_common(files, fo, "text", {"text", "json"});
  auto* sysinfo = app.add_subcommand("sysinfo", "print which machine this is and since when it ran: uname's fields, "
                                                "hostname, domainname, boot time (/proc/stat btime) and uptime");
  add_common(sysinfo, yo, "text", {"text", "json"});
  auto* dmesg = app.add_subcommand("dmesg", "print the kernel log as dmesg shows it, from the printk ring buffer "
                                            "(or log_buf before 5.10); json: one object per record");
  add_common(dmesg, dmo, "text", {"text", "json"});
  auto* net = app.add_subcommand("net", "print the socket listings of /proc/net (tcp, tcp6, udp, udp6, unix, raw, raw6, "
                                        "packet) exactly as the kernel printed them; json: with each socket's processes");
  add_common(net, no, "text", {"text", "json"});
  auto* ifaces = app.add_subcommand("ifaces", "print the network interfaces and their addresses as ip -o link and "
                                              "ip -o addr show them; json: one object per interface");
  add_common(ifaces, ifo, "text", {"text", "json"});
  auto* mounts = app.add_subcommand("mounts", "print a process's mounts exactly as /proc/PID/mounts (or, with "
                                              "--mountinfo, /proc/PID/mountinfo) reads; pid 1's by default");
  add_common(mounts, mno, "text", {"text", "json"});
  mounts->add_flag("--mountinfo", mno.mountinfo, "print /proc/PID/mountinfo's lines instead");
  mounts->add_option("--pid", mno.pid, "the process whose namespace and root are used (default 1)");
  auto* cached = app.add_subcommand("cached", "list the files with pages in the page cache (a deleted file still "
                                              "cached too): pages, size, inode, filesystem type and path");
  add_common(cached, cco, "text", {"text", "json"});
  cached->add_option("--pid", cco.pid, "the process whose mounts and root name the files (default 1)");
  auto* cat = app.add_subcommand("cat", "write a cached file's bytes, as the page cache holds them (what is not "
                                        "cached is written as zeros and reported)");
  add_common(cat, cto, "raw", {"raw"});
  cat->add_option("PATH", cto.path, "the file, as mquire cached names it")->required();
  cat->add_option("-o,--output", cto.output, "file to write (default: standard output)");
  cat->add_option("--pid", cto.pid, "the process whose mounts and root name the files (default 1)");
  auto* hooks = app.add_subcommand("hooks", "print what hooks the kernel: ftrace's ops and enabled_functions, kprobes, "
                                            "and the system call and ops tables with every pointer checked (json: each "
                                            "backed or unbacked)");
  add_common(hooks, hko, "text", {"text", "json"});
  auto* bpf = app.add_subcommand("bpf", "print the loaded BPF programs and maps as bpftool prog list and bpftool map "
                                        "list show them (with the processes holding each); json: one object each");
  add_common(bpf, bpo, "text", {"text", "json"});
  auto* query = app.add_subcommand("query", "run SQL over every table of the dump (tasks, task_open_files, "
                                            "memory_mappings, network_connections, kernel_modules, ...; .tables lists "
                                            "them, .schema TABLE shows one) and print the rows");
  add_common(query, qo, "table", {"table", "csv", "json"});
  query->add_option("SQL", qo.sql, "statements, or a dot command (.tables, .schema [TABLE])")->required();
  query->add_flag("--stats", qo.stats, "say on stderr how many tasks' details, files and mappings were read");
  auto* shell = app.add_subcommand("shell", "query the dump's tables interactively, with line editing and history; "
                                            "every view is read once per session");
  add_common(shell, sho, "table", {"table", "csv", "json"});
  shell->add_flag("--stats", sho.stats, "say on stderr, when the session ends, how many tasks' details, files and "
                                        "mappings were read");
  for (auto [cmd, opts] : {std::pair{sysinfo, &yo}, std::pair{dmesg, &dmo}, std::pair{net, &no}, std::pair{ifaces, &ifo},
                            std::pair{mounts, &mno}, std::pair{cached, &cco}, std::pair{cat, &cto},
                            std::pair{hooks, &hko}, std::pair{bpf, &bpo}, std::pair{query, &qo}, std::pair{shell, &sho}})
    cmd->add_option("--btf", opts->btf_file, "the kernel's types from this BTF file instead of the dump's own");
  for (auto [cmd, opts] : {std::pair{ps, &po}, std::pair{maps, &mpo}, std::pair{files, &fo}}) {
    auto* btf_opt = cmd->add_option("--btf", opts->btf_file, "the kernel's types from this BTF file (pahole -J of the "
                                                             "same kernel) instead of the dump's own");
    cmd->add_option("--isf", opts->isf_file, "the kernel's types from this Volatility 3 symbol table (ISF JSON, "
                                             "or .json.xz; dwarf2json makes one from the kernel's DWARF)")
        ->excludes(btf_opt);
    if (cmd != ps) cmd->add_option("--pid", opts->pid, "only this process (its lines without the == PID header)");
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return e.get_exit_code() == 0 ? 0 : (rc == 0 ? 0 : usage);
  }
  if (kallsyms->parsed()) return run(ko, command::kallsyms);
  if (modules->parsed()) return run(mo, command::modules);
  if (btf->parsed()) return run(bo, command::btf);
  if (isf->parsed()) return run(so, command::isf);
  if (elf->parsed()) return run(eo, command::elf);
  if (ps->parsed()) return run(po, command::ps);
  if (maps->parsed()) return run(mpo, command::maps);
  if (files->parsed()) return run(fo, command::files);
  if (sysinfo->parsed()) return run(yo, command::sysinfo);
  if (dmesg->parsed()) return run(dmo, command::dmesg);
  if (net->parsed()) return run(no, command::net);
  if (ifaces->parsed()) return run(ifo, command::ifaces);
  if (mounts->parsed()) return run(mno, command::mounts);
  if (cached->parsed()) return run(cco, command::cached);
  if (cat->parsed()) return run(cto, command::cat);
  if (hooks->parsed()) return run(hko, command::hooks);
  if (bpf->parsed()) return run(bpo, command::bpf);
  if (query->parsed()) return run(qo, command::query);
  if (shell->parsed()) return run(sho, command::shell);
  return run(io, command::inspect);
}
