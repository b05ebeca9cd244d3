// SPDX-License-Identifier: Apache-2.0
#include "process_output.hpp"

#include <map>

#include <fmt/format.h>

#include <mquire/output/json_writer.hpp>

namespace tool {
namespace {

namespace mp = mquire::processes;

struct file_sink {
  std::FILE* out;
  void operator()(std::string_view s) const { std::fwrite(s.data(), 1, s.size(), out); }
};

// The JSON document of a view when JSON was asked for: an array or an
// object, closed (with a newline after it) when the view is done.
class json_document {
public:
  json_document(std::FILE* out, bool wanted, bool array) : sink_{out}, array_(array) {
    if (!wanted) return;
    writer_.emplace(sink_);
    if (array_) writer_->begin_array();
    else writer_->begin_object();
  }
  ~json_document() {
    if (!writer_) return;
    if (array_) writer_->end_array();
    else writer_->end_object();
    writer_->flush();
    std::fputc('\n', sink_.out);
  }
  json_document(const json_document&) = delete;
  json_document& operator=(const json_document&) = delete;
  explicit operator bool() const noexcept { return writer_.has_value(); }
  mquire::output::json_writer<file_sink>& operator*() { return *writer_; }
  mquire::output::json_writer<file_sink>* operator->() { return &*writer_; }

private:
  file_sink sink_;
  bool array_;
  std::optional<mquire::output::json_writer<file_sink>> writer_;
};

std::string hex_bytes(const std::vector<std::uint8_t>& b) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(b.size() * 2);
  for (auto c : b) {
    out.push_back(digits[c >> 4]);
    out.push_back(digits[c & 15]);
  }
  return out;
}

// Processes to show: thread-group leaders (pid == tgid), all or the one asked for.
std::vector<const mp::task*> processes(const mp::task_list& tasks, const process_request& req) {
  std::vector<const mp::task*> out;
  for (const auto& t : tasks.tasks)
    if (t.pid == t.tgid && (!req.pid || t.pid == *req.pid)) out.push_back(&t);
  return out;
}

// A task's own problems, then those of what was read for it, as
// "pid N: ..." lines.
void task_problems(const mp::task& t, const mquire::notes* more, mquire::notes& problems) {
  const std::string about = "pid " + std::to_string(t.pid);
  problems.add_all(t.problems, about);
  if (more) problems.add_all(*more, about);
}

// ps's COMMAND column: the argv joined by spaces, or [comm] for a task
// without a command line (kernel threads), as ps shows them.
std::string command_of(const mp::task& t, const mp::process_details& d) {
  if (d.cmdline.empty()) return "[" + t.comm + "]";
  std::string s;
  for (auto c : d.cmdline) s.push_back(c == 0 ? ' ' : static_cast<char>(c));
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

} // namespace

void write_ps(std::FILE* out, mp::process_view& view, const mp::task_list& tasks, const process_request& req,
              mquire::notes& problems) {
  json_document json(out, req.json, true);
  if (!json) {
    std::fprintf(out, "%7s %7s %7s %s %5s %5s %4s %-16s %s\n", "PID", "TGID", "PPID", "S", "UID", "GID", "THR",
                 "COMM", "COMMAND");
  }
  // Threads share their group's mm: the details are read once per mm.
  std::map<std::uint64_t, mp::process_details> by_mm;
  for (const auto& t : tasks.tasks) {
    if (req.pid && t.tgid != *req.pid) continue;
    auto [at, fresh] = by_mm.try_emplace(t.mm);
    if (fresh) at->second = view.details(t);
    const auto& d = at->second;
    task_problems(t, fresh ? &d.problems : nullptr, problems);
    if (!req.json) {
      const auto uid = t.creds ? std::to_string(t.creds->uid) : std::string("?");
      const auto gid = t.creds ? std::to_string(t.creds->gid) : std::string("?");
      std::fprintf(out, "%7lld %7lld %7lld %c %5s %5s %4lld %-16s %s\n", static_cast<long long>(t.pid),
                   static_cast<long long>(t.tgid), static_cast<long long>(t.ppid), t.state, uid.c_str(), gid.c_str(),
                   static_cast<long long>(t.threads), t.comm.c_str(), command_of(t, d).c_str());
      continue;
    }
    auto& j = *json;
    j.begin_object();
    j.member("virtual_address", fmt::format("{:#x}", t.address));
    j.member("pid", t.pid);
    j.member("tgid", t.tgid);
    j.member("ppid", t.ppid);
    j.member("state", std::string(1, t.state));
    j.member("comm", t.comm);
    j.member("flags", t.flags);
    j.member("kthread", t.kthread);
    j.member("threads", t.threads);
    if (t.creds) {
      const auto& c = *t.creds;
      j.member("uid", c.uid);
      j.member("euid", c.euid);
      j.member("suid", c.suid);
      j.member("fsuid", c.fsuid);
      j.member("gid", c.gid);
      j.member("egid", c.egid);
      j.member("sgid", c.sgid);
      j.member("fsgid", c.fsgid);
      j.key("groups");
      j.begin_array();
      for (auto g : c.groups) j.value(g);
      j.end_array();
      j.member("cap_inheritable", fmt::format("{:016x}", c.cap_inheritable));
      j.member("cap_permitted", fmt::format("{:016x}", c.cap_permitted));
      j.member("cap_effective", fmt::format("{:016x}", c.cap_effective));
      j.member("cap_bounding", fmt::format("{:016x}", c.cap_bounding));
      j.member("cap_ambient", fmt::format("{:016x}", c.cap_ambient));
    }
    j.member("tracer_pid", t.tracer_pid);
    j.member("ptrace", t.ptrace);
    j.member("start_time_ns", t.start_time_ns);
    j.member("exe", d.exe);
    j.key("cmdline");
    j.begin_array();
    for (const auto& a : mp::split_nul(d.cmdline)) j.value(a);
    j.end_array();
    j.member("cmdline_hex", hex_bytes(d.cmdline));
    j.key("environ");
    j.begin_array();
    for (const auto& a : mp::split_nul(d.environ)) j.value(a);
    j.end_array();
    j.member("environ_hex", hex_bytes(d.environ));
    j.key("sources");
    j.begin_array();
    for (const auto& s : t.sources) j.value(s);
    j.end_array();
    j.end_object();
  }
}

void write_maps(std::FILE* out, mp::process_view& view, const mp::task_list& tasks, const process_request& req,
                unsigned pointer_size, mquire::notes& problems) {
  json_document json(out, req.json, false);
  for (const auto* t : processes(tasks, req)) {
    if (t->mm == 0) continue; // kernel threads have no maps
    auto maps = view.maps(*t);
    if (!maps) {
      problems.add("pid " + std::to_string(t->pid) + ": maps not read", maps.err());
      continue;
    }
    task_problems(*t, &maps->notes, problems);
    if (json) {
      json->key(std::to_string(t->pid));
      json->begin_array();
    } else if (!req.pid) {
      std::fprintf(out, "== %lld\n", static_cast<long long>(t->pid));
    }
    for (const auto& m : maps->maps) {
      if (!m.problem.empty())
        problems.add("pid " + std::to_string(t->pid) + ": " + fmt::format("{:x}-{:x}", m.start, m.end) + ": " +
                     m.problem);
      if (!json) {
        std::fprintf(out, "%s\n", mp::maps_line(m, pointer_size).c_str());
        continue;
      }
      auto& j = *json;
      j.begin_object();
      j.member("virtual_address", fmt::format("{:#x}", m.address));
      j.member("start", fmt::format("{:#x}", m.start));
      j.member("end", fmt::format("{:#x}", m.end));
      j.member("flags", m.flags);
      j.member("offset", m.offset);
      j.member("dev", fmt::format("{:02x}:{:02x}", m.major, m.minor));
      j.member("inode", m.inode);
      j.member("path", m.name);
      j.member("line", mp::maps_line(m, pointer_size));
      j.end_object();
    }
    if (json) json->end_array();
  }
}

void write_files(std::FILE* out, mp::process_view& view, const mp::task_list& tasks, const process_request& req,
                 mquire::notes& problems) {
  json_document json(out, req.json, false);
  for (const auto* t : processes(tasks, req)) {
    auto files = view.files(*t);
    if (!files) {
      problems.add("pid " + std::to_string(t->pid) + ": files not read", files.err());
      continue;
    }
    task_problems(*t, &files->notes, problems);
    for (const auto& f : files->files)
      if (!f.problem.empty()) problems.add("pid " + std::to_string(t->pid) + ": fd " + std::to_string(f.fd) + ": " + f.problem);
    if (!json) {
      if (!req.pid) std::fprintf(out, "== %lld\n", static_cast<long long>(t->pid));
      for (const auto& f : files->files)
        std::fprintf(out, "%llu -> %s\n", static_cast<unsigned long long>(f.fd), f.target.c_str());
      continue;
    }
    auto& j = *json;
    j.key(std::to_string(t->pid));
    j.begin_object();
    j.member("exe", view.details(*t).exe);
    j.member("cwd", files->cwd);
    j.member("root", files->root);
    j.key("fds");
    j.begin_array();
    for (const auto& f : files->files) {
      j.begin_object();
      j.member("fd", f.fd);
      j.member("virtual_address", fmt::format("{:#x}", f.file));
      j.member("target", f.target);
      j.member("pos", f.pos);
      j.member("flags", fmt::format("0{:o}", f.flags));
      j.member("mnt_id", f.mnt_id);
      j.member("ino", f.inode);
      j.end_object();
    }
    j.end_array();
    j.end_object();
  }
}

} // namespace tool
