// SPDX-License-Identifier: Apache-2.0
// processes/ on tasks generated in kernel memory: task_struct and its
// friends declared in C for two eras (7.x: __state, thread_node under
// signal->thread_head, a 64-bit kernel_cap_t, VMAs in a maple tree; 5.x:
// state, thread_group, kernel_cap_t as two u32 words, VMAs on mm->mmap),
// their BTF made by pahole, the same declarations compiled into this test
// to lay the objects out on scattered pages behind x86_64 and arm64 page
// tables, each process's user memory behind its own page tables. The views
// must give back every task (one hidden from the list, one found on a
// runqueue), its credentials, command line and environment, its maps as
// /proc/PID/maps prints them and its files as /proc/PID/fd shows them.
#include <catch2/catch.hpp>

#include <cstddef>
#include <map>

#include <mquire/processes/process_view.hpp>

#include "generator/page_tables.hpp"
#include "support/btf_producer.hpp"
#include "support/symbol_table.hpp"

namespace {

#define MQUIRE_STRINGIFY(...) #__VA_ARGS__
#define MQUIRE_AS_TEXT(...) MQUIRE_STRINGIFY(__VA_ARGS__)

// What both eras share. The kernel's own anonymous members (qstr, the
// maple node's union) are kept: the reader must find fields through them.
#define PROC_COMMON(CAP_T, SIGNAL_EXTRA, TASK_STATE, TASK_THREADS, MM_VMAS, VMA_EXTRA)                                 \
  typedef unsigned long long u64;                                                                                      \
  typedef unsigned int u32;                                                                                            \
  struct list_head {                                                                                                   \
    struct list_head *next, *prev;                                                                                     \
  };                                                                                                                   \
  struct hlist_node {                                                                                                  \
    struct hlist_node *next, **pprev;                                                                                  \
  };                                                                                                                   \
  struct hlist_head {                                                                                                  \
    struct hlist_node *first;                                                                                          \
  };                                                                                                                   \
  struct rb_node {                                                                                                     \
    unsigned long __rb_parent_color;                                                                                   \
    struct rb_node *rb_right, *rb_left;                                                                                \
  };                                                                                                                   \
  struct rb_root {                                                                                                     \
    struct rb_node *rb_node;                                                                                           \
  };                                                                                                                   \
  struct rb_root_cached {                                                                                              \
    struct rb_root rb_root;                                                                                            \
    struct rb_node *rb_leftmost;                                                                                       \
  };                                                                                                                   \
  typedef struct {                                                                                                     \
    u32 val;                                                                                                           \
  } kuid_t;                                                                                                            \
  typedef struct {                                                                                                     \
    u32 val;                                                                                                           \
  } kgid_t;                                                                                                            \
  CAP_T                                                                                                                \
  struct group_info {                                                                                                  \
    int usage;                                                                                                         \
    int ngroups;                                                                                                       \
    kgid_t gid[4];                                                                                                     \
  };                                                                                                                   \
  struct cred {                                                                                                        \
    int usage;                                                                                                         \
    kuid_t uid;                                                                                                        \
    kgid_t gid;                                                                                                        \
    kuid_t suid;                                                                                                       \
    kgid_t sgid;                                                                                                       \
    kuid_t euid;                                                                                                       \
    kgid_t egid;                                                                                                       \
    kuid_t fsuid;                                                                                                      \
    kgid_t fsgid;                                                                                                      \
    unsigned securebits;                                                                                               \
    kernel_cap_t cap_inheritable, cap_permitted, cap_effective, cap_bset, cap_ambient;                                 \
    struct group_info *group_info;                                                                                     \
  };                                                                                                                   \
  struct signal_struct {                                                                                               \
    int sigcnt;                                                                                                        \
    int nr_threads;                                                                                                    \
    SIGNAL_EXTRA                                                                                                       \
  };                                                                                                                   \
  struct qstr {                                                                                                        \
    union {                                                                                                            \
      struct {                                                                                                         \
        u32 hash;                                                                                                      \
        u32 len;                                                                                                       \
      };                                                                                                               \
      u64 hash_len;                                                                                                    \
    };                                                                                                                 \
    const unsigned char *name;                                                                                         \
  };                                                                                                                   \
  struct super_block {                                                                                                 \
    unsigned int s_dev;                                                                                                \
  };                                                                                                                   \
  struct inode {                                                                                                       \
    unsigned long i_ino;                                                                                               \
    struct super_block *i_sb;                                                                                          \
    void *i_private;                                                                                                   \
  };                                                                                                                   \
  struct dentry;                                                                                                       \
  struct dentry_operations {                                                                                           \
    int (*d_hash)(const struct dentry *);                                                                              \
    char *(*d_dname)(struct dentry *, char *, int);                                                                    \
  };                                                                                                                   \
  struct dentry {                                                                                                      \
    unsigned int d_flags;                                                                                              \
    struct hlist_node d_hash;                                                                                          \
    struct dentry *d_parent;                                                                                           \
    struct qstr d_name;                                                                                                \
    struct inode *d_inode;                                                                                             \
    const struct dentry_operations *d_op;                                                                              \
  };                                                                                                                   \
  struct vfsmount {                                                                                                    \
    struct dentry *mnt_root;                                                                                           \
    void *mnt_sb;                                                                                                      \
    int mnt_flags;                                                                                                     \
  };                                                                                                                   \
  struct mount {                                                                                                       \
    struct hlist_node mnt_hash;                                                                                        \
    struct mount *mnt_parent;                                                                                          \
    struct dentry *mnt_mountpoint;                                                                                     \
    struct vfsmount mnt;                                                                                               \
    int mnt_id;                                                                                                        \
  };                                                                                                                   \
  struct path {                                                                                                        \
    struct vfsmount *mnt;                                                                                              \
    struct dentry *dentry;                                                                                             \
  };                                                                                                                   \
  struct file {                                                                                                        \
    void *f_op;                                                                                                        \
    struct inode *f_inode;                                                                                             \
    unsigned int f_flags;                                                                                              \
    struct path f_path;                                                                                                \
    long long f_pos;                                                                                                   \
  };                                                                                                                   \
  struct fdtable {                                                                                                     \
    unsigned int max_fds;                                                                                              \
    struct file **fd;                                                                                                  \
    unsigned long *close_on_exec;                                                                                      \
  };                                                                                                                   \
  struct files_struct {                                                                                                \
    int count;                                                                                                         \
    struct fdtable *fdt;                                                                                               \
  };                                                                                                                   \
  struct fs_struct {                                                                                                   \
    int users;                                                                                                         \
    struct path root, pwd;                                                                                             \
  };                                                                                                                   \
  struct maple_metadata {                                                                                              \
    unsigned char end;                                                                                                 \
    unsigned char gap;                                                                                                 \
  };                                                                                                                   \
  struct maple_range_64 {                                                                                              \
    void *parent;                                                                                                      \
    unsigned long pivot[15];                                                                                           \
    union {                                                                                                            \
      void *slot[16];                                                                                                  \
      struct {                                                                                                         \
        void *pad[15];                                                                                                 \
        struct maple_metadata meta;                                                                                    \
      };                                                                                                               \
    };                                                                                                                 \
  };                                                                                                                   \
  struct maple_arange_64 {                                                                                             \
    void *parent;                                                                                                      \
    unsigned long pivot[9];                                                                                            \
    void *slot[10];                                                                                                    \
    unsigned long gap[10];                                                                                             \
    struct maple_metadata meta;                                                                                        \
  };                                                                                                                   \
  struct maple_node {                                                                                                  \
    union {                                                                                                            \
      struct maple_range_64 mr64;                                                                                      \
      struct maple_arange_64 ma64;                                                                                     \
    };                                                                                                                 \
  };                                                                                                                   \
  enum maple_type { maple_dense, maple_leaf_64, maple_range_64, maple_arange_64 };                                     \
  struct maple_tree {                                                                                                  \
    unsigned int ma_lock;                                                                                              \
    unsigned int ma_flags;                                                                                             \
    void *ma_root;                                                                                                     \
  };                                                                                                                   \
  struct vm_area_struct;                                                                                               \
  struct vm_operations_struct {                                                                                        \
    void *open;                                                                                                        \
    const char *(*name)(struct vm_area_struct *);                                                                      \
  };                                                                                                                   \
  struct vm_special_mapping {                                                                                          \
    const char *name;                                                                                                  \
    void *pages;                                                                                                       \
  };                                                                                                                   \
  struct mm_struct;                                                                                                    \
  struct vm_area_struct {                                                                                              \
    unsigned long vm_start, vm_end;                                                                                    \
    struct mm_struct *vm_mm;                                                                                           \
    unsigned long vm_flags;                                                                                            \
    const struct vm_operations_struct *vm_ops;                                                                         \
    unsigned long vm_pgoff;                                                                                            \
    struct file *vm_file;                                                                                              \
    void *vm_private_data;                                                                                             \
    VMA_EXTRA                                                                                                          \
  };                                                                                                                   \
  struct mm_struct {                                                                                                   \
    MM_VMAS                                                                                                            \
    void *pgd;                                                                                                         \
    unsigned long start_brk, brk, start_stack, arg_start, arg_end, env_start, env_end;                                 \
    struct file *exe_file;                                                                                             \
  };                                                                                                                   \
  struct sched_entity {                                                                                                \
    struct rb_node run_node;                                                                                           \
    void *my_q;                                                                                                        \
  };                                                                                                                   \
  struct task_struct {                                                                                                 \
    TASK_STATE;                                                                                                        \
    unsigned int flags;                                                                                                \
    unsigned int ptrace;                                                                                               \
    int on_rq;                                                                                                         \
    struct sched_entity se;                                                                                            \
    struct list_head tasks;                                                                                            \
    struct mm_struct *mm;                                                                                              \
    int exit_state;                                                                                                    \
    int pid;                                                                                                           \
    int tgid;                                                                                                          \
    struct task_struct *real_parent, *parent;                                                                          \
    struct list_head children, sibling;                                                                                \
    struct hlist_node pid_links[4];                                                                                    \
    struct list_head TASK_THREADS;                                                                                     \
    u64 start_time;                                                                                                    \
    const struct cred *real_cred, *cred;                                                                               \
    char comm[16];                                                                                                     \
    struct fs_struct *fs;                                                                                              \
    struct files_struct *files;                                                                                        \
    struct signal_struct *signal;                                                                                      \
  };                                                                                                                   \
  struct cfs_rq {                                                                                                      \
    struct rb_root_cached tasks_timeline;                                                                              \
  };                                                                                                                   \
  struct rq {                                                                                                          \
    int nr_running;                                                                                                    \
    struct cfs_rq cfs;                                                                                                 \
    struct task_struct *curr;                                                                                          \
  };                                                                                                                   \
  struct xa_node {                                                                                                     \
    unsigned char shift, offset, count, nr_values;                                                                     \
    struct xa_node *parent;                                                                                            \
    void *array;                                                                                                       \
    struct list_head private_list;                                                                                     \
    void *slots[64];                                                                                                   \
  };                                                                                                                   \
  struct xarray {                                                                                                      \
    unsigned int xa_lock;                                                                                              \
    unsigned int xa_flags;                                                                                             \
    void *xa_head;                                                                                                     \
  };                                                                                                                   \
  struct idr {                                                                                                         \
    struct xarray idr_rt;                                                                                              \
    unsigned int idr_base;                                                                                             \
    unsigned int idr_next;                                                                                             \
  };                                                                                                                   \
  struct upid {                                                                                                        \
    int nr;                                                                                                            \
    void *ns;                                                                                                          \
  };                                                                                                                   \
  struct pid {                                                                                                         \
    int count;                                                                                                         \
    unsigned int level;                                                                                                \
    struct hlist_head tasks[4];                                                                                        \
    struct upid numbers[1];                                                                                            \
  };                                                                                                                   \
  struct pid_namespace {                                                                                               \
    struct idr idr;                                                                                                    \
  };                                                                                                                   \
  __attribute__((unused)) struct task_struct g_task;                                                                   \
  __attribute__((unused)) struct rq g_rq;                                                                              \
  __attribute__((unused)) struct pid_namespace g_ns;                                                                   \
  __attribute__((unused)) struct pid g_pid;                                                                            \
  __attribute__((unused)) struct xa_node g_xa;                                                                         \
  __attribute__((unused)) struct maple_node g_mn;                                                                      \
  __attribute__((unused)) enum maple_type g_mt;                                                                        \
  __attribute__((unused)) struct vm_special_mapping g_sm;                                                              \
  __attribute__((unused)) struct vm_area_struct g_vma;                                                                 \
  __attribute__((unused)) struct mount g_mount;                                                                        \
  __attribute__((unused)) struct dentry_operations g_dops;

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpedantic"
namespace v7 { // 6.7 and later
#define V7_DECLS                                                                                                       \
  PROC_COMMON(typedef struct { u64 val; } kernel_cap_t;, struct list_head thread_head;, unsigned int __state,          \
              thread_node, struct maple_tree mm_mt;, )
V7_DECLS
} // namespace v7
namespace v5 { // 5.x: state, thread_group, kernel_cap_t of two words, the mmap list
#define V5_DECLS                                                                                                       \
  PROC_COMMON(typedef struct { u32 cap[2]; } kernel_cap_t;, , long state, thread_group,                              \
              struct vm_area_struct * mmap;, struct vm_area_struct * vm_next;)
V5_DECLS
} // namespace v5
#pragma GCC diagnostic pop

enum class arch { x86_64, arm64 };

// Kernel and user memory for the test: objects on scattered 4 KiB frames
// behind the kernel's page tables, a process's pages behind its own.
struct machine {
  arch a;
  gen::physical_memory phys;
  mquire::arm64::paging_config arm{12, 48, false, false};
  std::uint64_t top = 0;
  std::uint64_t next_frame = 0x8000000;
  std::uint64_t next_va;

  explicit machine(arch which) : a(which) {
    top = phys.new_table(4096);
    next_va = a == arch::x86_64 ? 0xffff888000100000ull : 0xffff000000100000ull;
  }
  void map(std::uint64_t root, std::uint64_t va, std::uint64_t pa) {
    if (a == arch::x86_64) gen::map_x86(phys, root, 4, va, pa, 4096);
    else gen::map_arm64(phys, root, arm, va, pa, false);
  }
  std::optional<mquire::page_mapping> walk(std::uint64_t root, std::uint64_t va, bool user) const {
    if (a == arch::x86_64) return mquire::x86_64::translate_page(phys.reader(), root, va, 4);
    return mquire::arm64::translate_page(phys.reader(), root, va, arm, user);
  }
  std::uint64_t frame() {
    next_frame -= 2 * 4096;
    std::vector<std::uint8_t> zero(4096);
    phys.write(next_frame, zero.data(), zero.size());
    return next_frame;
  }
  // `n` bytes of kernel memory (objects never cross into a guard page).
  std::uint64_t alloc(std::size_t n) {
    const std::uint64_t va = next_va;
    for (std::uint64_t p = 0; p < (n + 4095) / 4096 * 4096; p += 4096) map(top, va + p, frame());
    next_va += (n + 4095) / 4096 * 4096 + 4096;
    return va;
  }
  void write(std::uint64_t root, std::uint64_t va, const void* src, std::size_t n, bool user = false) {
    const auto* p = static_cast<const std::uint8_t*>(src);
    for (std::size_t i = 0; i < n; ++i) {
      const auto m = walk(root, va + i, user);
      REQUIRE(m);
      phys.write(m->pa, p + i, 1);
    }
  }
  template <typename T>
  std::uint64_t put(const T& obj) {
    const std::uint64_t va = alloc(sizeof(T));
    write(top, va, &obj, sizeof(T));
    return va;
  }
  template <typename T>
  void update(std::uint64_t va, const T& obj) {
    write(top, va, &obj, sizeof(T));
  }
  std::uint64_t put_string(const std::string& s) {
    const std::uint64_t va = alloc(s.size() + 1);
    write(top, va, s.c_str(), s.size() + 1);
    return va;
  }
  // A process's own top-level table, reachable from a kernel address.
  std::pair<std::uint64_t, std::uint64_t> new_user_root() {
    const std::uint64_t pa = phys.new_table(4096);
    const std::uint64_t va = next_va;
    map(top, va, pa);
    next_va += 2 * 4096;
    return {pa, va};
  }
  mquire::virtual_memory kernel() const {
    const auto rd = phys.reader();
    const machine* self = this;
    const std::uint64_t t = top;
    return mquire::virtual_memory([self, t](std::uint64_t va) { return self->walk(t, va, false); }, rd,
                                  mquire::byte_order::little, 8);
  }
  mquire::kernel_address_space space() const {
    mquire::kernel_address_space s;
    const machine* self = this;
    s.paging = a == arch::x86_64 ? "x86_64 4-level" : "arm64 4K pages, 48-bit VA, 4 levels";
    s.walk_user = [self](std::uint64_t root, std::uint64_t va) { return self->walk(root, va, true); };
    return s;
  }
};

// A kernel address stored in a pointer member of the generated objects
// (never dereferenced here: the test host only lays the bytes out).
template <typename P>
P as(std::uint64_t va) {
  return reinterpret_cast<P>(static_cast<std::uintptr_t>(va));
}
#define SET(member, va) (member) = as<std::remove_reference_t<decltype(member)>>(va)

// A circular list through `nodes` (list_heads; nodes[0] is the head).
void link_list(machine& m, const std::vector<std::uint64_t>& nodes) {
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    const std::uint64_t links[2] = {nodes[(i + 1) % nodes.size()], nodes[(i + nodes.size() - 1) % nodes.size()]};
    m.write(m.top, nodes[i], links, sizeof links);
  }
}

// The era's types, and what differs between them.
#define ERA_TYPES(ns) \
  using task_struct = ns::task_struct; using cred = ns::cred; using group_info = ns::group_info; \
  using signal_struct = ns::signal_struct; using dentry = ns::dentry; \
  using dentry_operations = ns::dentry_operations; using inode = ns::inode; \
  using super_block = ns::super_block; using mount = ns::mount; using file = ns::file; \
  using fdtable = ns::fdtable; using files_struct = ns::files_struct; \
  using fs_struct = ns::fs_struct; using maple_node = ns::maple_node; \
  using vm_area_struct = ns::vm_area_struct; using vm_operations_struct = ns::vm_operations_struct; \
  using vm_special_mapping = ns::vm_special_mapping; using mm_struct = ns::mm_struct; \
  using rq = ns::rq; using xa_node = ns::xa_node; using pid = ns::pid; \
  using pid_namespace = ns::pid_namespace;
struct era7 {
  ERA_TYPES(v7)
  static constexpr bool modern = true;
  static std::string source() { return MQUIRE_AS_TEXT(V7_DECLS); }
  static void set_state(task_struct& t, unsigned v) { t.__state = v; }
  static void set_caps(cred& c, std::uint64_t inh, std::uint64_t prm, std::uint64_t eff, std::uint64_t bnd,
                       std::uint64_t amb) {
    c.cap_inheritable.val = inh;
    c.cap_permitted.val = prm;
    c.cap_effective.val = eff;
    c.cap_bset.val = bnd;
    c.cap_ambient.val = amb;
  }
};
struct era5 {
  ERA_TYPES(v5)
  static constexpr bool modern = false;
  static std::string source() { return MQUIRE_AS_TEXT(V5_DECLS); }
  static void set_state(task_struct& t, unsigned v) { t.state = v; }
  static void set_caps(cred& c, std::uint64_t inh, std::uint64_t prm, std::uint64_t eff, std::uint64_t bnd,
                       std::uint64_t amb) {
    const auto put = [](auto& cap, std::uint64_t v) {
      cap.cap[0] = static_cast<std::uint32_t>(v);
      cap.cap[1] = static_cast<std::uint32_t>(v >> 32);
    };
    put(c.cap_inheritable, inh);
    put(c.cap_permitted, prm);
    put(c.cap_effective, eff);
    put(c.cap_bset, bnd);
    put(c.cap_ambient, amb);
  }
};

constexpr std::uint64_t special_mapping_name = 0xffffffff81100000ull, sockfs_dname = 0xffffffff81100100ull;
constexpr std::uint64_t full_caps = 0x1ffffffffffull;

// The machine the tests read: init (pid 1), a process 10 with two threads
// (10 and 11; uid 1000, groups 1000 1001, traced by 1, a command line, an
// environment, four mappings, three open files, cwd on a second mount), a
// kernel thread 20, and pid 30, hidden: off the task list, still in the
// PID IDR and on init's children list. Thread 11 runs on CPU 0.
template <typename E>
std::map<std::string, std::uint64_t> build(machine& m) {
  using task_struct = typename E::task_struct;
  std::map<std::string, std::uint64_t> syms{{"special_mapping_name", special_mapping_name},
                                            {"sockfs_dname", sockfs_dname}};
  // Paths: "/" (mount 1) with dev/null, bin/prog and tmp; a second mount
  // (id 2) on /tmp holding an unlinked "gone"; a socket on its own mount.
  using dentry = typename E::dentry;
  const auto d_root = m.alloc(sizeof(dentry)), d_dev = m.alloc(sizeof(dentry)), d_null = m.alloc(sizeof(dentry)),
             d_bin = m.alloc(sizeof(dentry)), d_prog = m.alloc(sizeof(dentry)), d_tmp = m.alloc(sizeof(dentry)),
             d_root2 = m.alloc(sizeof(dentry)), d_gone = m.alloc(sizeof(dentry)), d_sock = m.alloc(sizeof(dentry)),
             d_sockroot = m.alloc(sizeof(dentry));
  typename E::super_block sb{};
  sb.s_dev = 3;
  const auto sb_va = m.put(sb);
  typename E::dentry_operations sock_ops{};
  SET(sock_ops.d_dname, sockfs_dname);
  const auto sock_ops_va = m.put(sock_ops);
  const auto make_dentry = [&](std::uint64_t at, std::uint64_t parent, const std::string& name, std::uint64_t ino,
                               bool hashed, std::uint64_t ops = 0) {
    typename E::inode in{};
    in.i_ino = ino;
    SET(in.i_sb, sb_va);
    dentry d{};
    SET(d.d_parent, parent);
    d.d_name.len = static_cast<std::uint32_t>(name.size());
    SET(d.d_name.name, m.put_string(name));
    SET(d.d_inode, m.put(in));
    SET(d.d_hash.pprev, hashed ? at : 0); // any link: only NULL (unhashed) matters
    SET(d.d_op, ops);
    m.update(at, d);
  };
  make_dentry(d_root, d_root, "/", 1, false);
  make_dentry(d_dev, d_root, "dev", 2, true);
  make_dentry(d_null, d_dev, "null", 5, true);
  make_dentry(d_bin, d_root, "bin", 3, true);
  make_dentry(d_prog, d_bin, "prog", 20, true);
  make_dentry(d_tmp, d_root, "tmp", 4, true);
  make_dentry(d_root2, d_root2, "/", 1, false);
  make_dentry(d_gone, d_root2, "gone", 7, false); // unlinked: unhashed, not a root
  make_dentry(d_sockroot, d_sockroot, "socket:", 1, false);
  make_dentry(d_sock, d_sock, "", 4242, false, sock_ops_va);
  using mount = typename E::mount;
  const auto m1 = m.alloc(sizeof(mount)), m2 = m.alloc(sizeof(mount)), m3 = m.alloc(sizeof(mount));
  const auto make_mount = [&](std::uint64_t at, std::uint64_t parent, std::uint64_t mountpoint, std::uint64_t root,
                              int id) {
    mount mo{};
    SET(mo.mnt_parent, parent);
    SET(mo.mnt_mountpoint, mountpoint);
    SET(mo.mnt.mnt_root, root);
    mo.mnt_id = id;
    m.update(at, mo);
  };
  make_mount(m1, m1, d_root, d_root, 1);
  make_mount(m2, m1, d_tmp, d_root2, 2);
  make_mount(m3, m3, d_sockroot, d_sockroot, 3);
  const auto vfs = [](std::uint64_t mnt) { return mnt + offsetof(mount, mnt); };
  using file = typename E::file;
  const auto make_file = [&](std::uint64_t mnt, std::uint64_t d, unsigned flags, long long pos) {
    file f{};
    f.f_flags = flags;
    f.f_pos = pos;
    SET(f.f_path.mnt, vfs(mnt));
    SET(f.f_path.dentry, d);
    std::uint64_t inode_va = 0;
    REQUIRE(m.kernel().read(d + offsetof(dentry, d_inode), reinterpret_cast<std::uint8_t*>(&inode_va), 8));
    SET(f.f_inode, inode_va);
    return m.put(f);
  };
  const auto f_null = make_file(m1, d_null, 02, 0), f_sock = make_file(m3, d_sock, 02, 0),
             f_gone = make_file(m2, d_gone, 01, 5), f_prog = make_file(m1, d_prog, 0, 0);
  const std::uint64_t fds[4] = {f_null, f_sock, 0, f_gone};
  const std::uint64_t cloexec = 1u << 3;
  typename E::fdtable fdt{};
  fdt.max_fds = 4;
  SET(fdt.fd, m.alloc(sizeof fds));
  m.write(m.top, reinterpret_cast<std::uintptr_t>(fdt.fd), fds, sizeof fds);
  SET(fdt.close_on_exec, m.alloc(8));
  m.write(m.top, reinterpret_cast<std::uintptr_t>(fdt.close_on_exec), &cloexec, 8);
  typename E::files_struct files{};
  SET(files.fdt, m.put(fdt));
  const auto files_va = m.put(files);
  typename E::fs_struct fs{};
  SET(fs.root.mnt, vfs(m1));
  SET(fs.root.dentry, d_root);
  SET(fs.pwd.mnt, vfs(m2));
  SET(fs.pwd.dentry, d_root2);
  const auto fs_va = m.put(fs);

  // Process 10's address space: its own page tables, one user page holding
  // the argument and environment strings.
  const auto [user_pa, user_va] = m.new_user_root();
  m.map(user_pa, 0x7ffff000, m.frame());
  const char strings[] = "prog\0-x\0A=1\0B=2"; // 16 bytes with the final NUL
  m.write(user_pa, 0x7ffff100, strings, sizeof strings, true);
  typename E::mm_struct mm{};
  const auto mm_va = m.alloc(sizeof mm);
  SET(mm.pgd, user_va);
  mm.start_brk = 0x600000;
  mm.brk = 0x621000;
  mm.start_stack = 0x7ffff100;
  mm.arg_start = 0x7ffff100;
  mm.arg_end = 0x7ffff108;
  mm.env_start = 0x7ffff108;
  mm.env_end = 0x7ffff110;
  SET(mm.exe_file, f_prog);
  // VMAs: the program's text, the heap, a special mapping, the stack.
  typename E::vm_operations_struct special_ops{};
  SET(special_ops.name, special_mapping_name);
  typename E::vm_special_mapping vdso{};
  SET(vdso.name, m.put_string("[vdso]"));
  using vma = typename E::vm_area_struct;
  struct spec {
    std::uint64_t start, end, flags, file, ops, priv;
  };
  const std::vector<spec> specs{{0x400000, 0x401000, 5, f_prog, 0, 0},
                                {0x600000, 0x621000, 3, 0, 0, 0},
                                {0x7fff0000, 0x7fff2000, 5, 0, m.put(special_ops), m.put(vdso)},
                                {0x7fff8000, 0x80000000, 3, 0, 0, 0}};
  std::vector<std::uint64_t> vmas;
  for (std::size_t i = 0; i < specs.size(); ++i) vmas.push_back(m.alloc(sizeof(vma)));
  for (std::size_t i = 0; i < specs.size(); ++i) {
    vma v{};
    v.vm_start = specs[i].start;
    v.vm_end = specs[i].end;
    SET(v.vm_mm, mm_va);
    v.vm_flags = specs[i].flags;
    SET(v.vm_file, specs[i].file);
    SET(v.vm_ops, specs[i].ops);
    SET(v.vm_private_data, specs[i].priv);
    if constexpr (!E::modern) SET(v.vm_next, i + 1 < vmas.size() ? vmas[i + 1] : 0);
    m.update(vmas[i], v);
  }
  if constexpr (E::modern) {
    // One leaf as the root: gaps as NULL slots between the VMAs, the last
    // slot in use given by the metadata.
    typename E::maple_node leaf{};
    std::size_t slot = 0;
    std::uint64_t at = 0;
    for (std::size_t i = 0; i < specs.size(); ++i) {
      if (specs[i].start > at) leaf.mr64.pivot[slot++] = specs[i].start - 1;
      SET(leaf.mr64.slot[slot], vmas[i]);
      leaf.mr64.pivot[slot++] = specs[i].end - 1;
      at = specs[i].end;
    }
    leaf.mr64.meta.end = static_cast<unsigned char>(slot); // a final NULL slot up to the maximum
    const auto node = m.alloc(256 + sizeof leaf);
    const auto aligned = (node + 255) / 256 * 256;
    m.update(aligned, leaf);
    SET(mm.mm_mt.ma_root, aligned | (1u << 3) | 2);
  } else {
    SET(mm.mmap, vmas[0]);
  }
  m.update(mm_va, mm);

  // Credentials.
  typename E::group_info none{}, groups{};
  groups.ngroups = 2;
  groups.gid[0].val = 1000;
  groups.gid[1].val = 1001;
  typename E::cred root{}, user{};
  SET(root.group_info, m.put(none));
  E::set_caps(root, 0, full_caps, full_caps, full_caps, 0);
  user.uid.val = user.euid.val = user.suid.val = user.fsuid.val = 1000;
  user.gid.val = user.egid.val = user.sgid.val = user.fsgid.val = 1000;
  SET(user.group_info, m.put(groups));
  E::set_caps(user, 0, 0x3000, 0x2000, full_caps, 0x1000);
  const auto root_cred = m.put(root), user_cred = m.put(user);

  // Tasks.
  const int pids[] = {0, 1, 10, 11, 20, 30};
  std::map<int, std::uint64_t> va;
  for (int p : pids) va[p] = m.alloc(sizeof(task_struct));
  std::map<int, std::uint64_t> sig;
  for (int p : {1, 10, 20, 30}) sig[p] = m.alloc(sizeof(typename E::signal_struct));
  sig[11] = sig[10];
  sig[0] = sig[1];
  std::map<int, task_struct> t;
  const auto field = [&](int p, std::size_t off) { return va[p] + off; };
  for (int p : pids) {
    task_struct& x = t[p];
    x = task_struct{};
    x.pid = p;
    x.tgid = p == 11 ? 10 : p;
    SET(x.real_parent, va[p == 1 || p == 20 || p == 0 ? 0 : 1]);
    x.parent = x.real_parent;
    SET(x.cred, p == 10 || p == 11 ? user_cred : root_cred);
    x.real_cred = x.cred;
    SET(x.signal, sig[p]);
    x.start_time = 1000000u * static_cast<unsigned>(p);
    E::set_state(x, p == 11 ? 0 : p == 20 ? 0x402 : 1);
    const std::string comm = p == 0 ? "swapper/0" : p == 1 ? "init" : p == 10 ? "prog" : p == 11 ? "prog-worker"
                                                 : p == 20 ? "kworker/0:1" : "hidden";
    std::snprintf(x.comm, sizeof x.comm, "%s", comm.c_str());
    if (p == 20) x.flags = 0x00200000;
    if (p == 10 || p == 11) {
      SET(x.mm, mm_va);
      SET(x.files, files_va);
    }
    if (p == 1 || p == 10 || p == 11) SET(x.fs, fs_va);
    if (p == 11) x.on_rq = 1;
    // Empty lists point at themselves.
    const auto self = [&](auto& list, std::size_t off) {
      SET(list.next, field(p, off));
      list.prev = list.next;
    };
    self(x.tasks, offsetof(task_struct, tasks));
    self(x.children, offsetof(task_struct, children));
    self(x.sibling, offsetof(task_struct, sibling));
    if constexpr (E::modern) self(x.thread_node, offsetof(task_struct, thread_node));
    else self(x.thread_group, offsetof(task_struct, thread_group));
  }
  t[10].ptrace = 1; // traced by init
  for (auto& [p, x] : t) m.update(va[p], x);
  // The process list (pid 30 left off), and the children lists.
  const auto tasks_of = [&](int p) { return field(p, offsetof(task_struct, tasks)); };
  link_list(m, {tasks_of(0), tasks_of(1), tasks_of(10), tasks_of(20)});
  const auto children_of = [&](int p) { return field(p, offsetof(task_struct, children)); };
  const auto sibling_of = [&](int p) { return field(p, offsetof(task_struct, sibling)); };
  link_list(m, {children_of(0), sibling_of(1), sibling_of(20)});
  link_list(m, {children_of(1), sibling_of(10), sibling_of(30)});
  // Threads.
  for (int p : {1, 10, 20, 30}) {
    typename E::signal_struct s{};
    s.nr_threads = p == 10 ? 2 : 1;
    m.update(sig[p], s);
  }
  if constexpr (E::modern) {
    const auto head = [&](int p) { return sig[p] + offsetof(typename E::signal_struct, thread_head); };
    const auto node = [&](int p) { return field(p, offsetof(task_struct, thread_node)); };
    link_list(m, {head(1), node(1)});
    link_list(m, {head(10), node(10), node(11)});
    link_list(m, {head(20), node(20)});
    link_list(m, {head(30), node(30)});
  } else {
    link_list(m, {field(10, offsetof(task_struct, thread_group)), field(11, offsetof(task_struct, thread_group))});
  }
  // The PID IDR: one xarray node of 64 slots (shift 0), each slot a struct
  // pid whose PIDTYPE_PID list holds its task.
  typename E::xa_node xa{};
  for (int p : {1, 10, 11, 20, 30}) {
    typename E::pid pid{};
    pid.numbers[0].nr = p;
    SET(pid.tasks[0].first, 
        field(p, offsetof(task_struct, pid_links)));
    SET(xa.slots[p], m.put(pid));
  }
  typename E::pid_namespace ns{};
  SET(ns.idr.idr_rt.xa_head, m.put(xa) | 2);
  syms["init_pid_ns"] = m.put(ns);
  // CPU 0's runqueue, running thread 11.
  typename E::rq rq{};
  SET(rq.curr, va[11]);
  syms["runqueues"] = m.put(rq);
  const std::uint64_t zero = 0, one = 1;
  syms["__per_cpu_offset"] = m.alloc(8);
  m.write(m.top, syms["__per_cpu_offset"], &zero, 8);
  syms["__cpu_online_mask"] = m.alloc(8);
  m.write(m.top, syms["__cpu_online_mask"], &one, 8);
  syms["init_task"] = va[0];
  return syms;
}

template <typename E>
void check_views(arch a) {
  const auto btf = support::produce_btf(E::modern ? "processes-v7" : "processes-v5", E::source(), "gcc");
  auto types = mquire::btf::type_info::parse(btf);
  REQUIRE(types);
  machine m(a);
  const auto syms = build<E>(m);
  const auto table = support::symbol_table(syms);
  const auto kernel = m.kernel();
  const auto space = m.space();
  mquire::processes::process_view view(table, *types, kernel, space);
  auto tasks = view.tasks();
  REQUIRE(tasks);
  std::map<std::int64_t, const mquire::processes::task*> by_pid;
  for (const auto& t : tasks->tasks) by_pid[t.pid] = &t;
  REQUIRE(by_pid.size() == 5);
  using sv = std::vector<std::string>;
  CHECK(by_pid.at(1)->sources == sv{"children", "pid_idr", "task_list"});
  CHECK(by_pid.at(10)->sources == sv{"children", "pid_idr", "task_list"});
  CHECK(by_pid.at(11)->sources == sv{"pid_idr", "runqueue", "task_list"});
  CHECK(by_pid.at(20)->sources == sv{"children", "pid_idr", "task_list"});
  CHECK(by_pid.at(30)->sources == sv{"children", "pid_idr"});
  bool hidden_said = false;
  for (const auto& n : tasks->notes) hidden_said = hidden_said || n.find("pid 30 (hidden") != std::string::npos;
  CHECK(hidden_said);
  CHECK(tasks->notes.size() == 1);
  const auto& p10 = *by_pid.at(10);
  CHECK(p10.tgid == 10);
  CHECK(p10.ppid == 1);
  CHECK(p10.state == 'S');
  CHECK(p10.comm == "prog");
  CHECK(p10.threads == 2);
  CHECK(p10.tracer_pid == 1);
  REQUIRE(p10.creds);
  CHECK(p10.creds->uid == 1000);
  CHECK(p10.creds->fsgid == 1000);
  CHECK(p10.creds->groups == std::vector<std::uint32_t>{1000, 1001});
  CHECK(p10.creds->cap_permitted == 0x3000);
  CHECK(p10.creds->cap_effective == 0x2000);
  CHECK(p10.creds->cap_bounding == full_caps);
  CHECK(p10.creds->cap_ambient == 0x1000);
  CHECK(by_pid.at(11)->tgid == 10);
  CHECK(by_pid.at(11)->state == 'R');
  CHECK(by_pid.at(11)->comm == "prog-worker");
  CHECK(by_pid.at(20)->kthread);
  CHECK(by_pid.at(20)->state == 'I');
  CHECK(by_pid.at(20)->ppid == 0);
  CHECK(by_pid.at(30)->ppid == 1);
  CHECK(by_pid.at(1)->creds->cap_effective == full_caps);
  // The process's own memory, through its own page tables.
  const auto d = view.details(p10);
  CHECK(d.problems.empty());
  CHECK(d.exe == "/bin/prog");
  CHECK(std::string(d.cmdline.begin(), d.cmdline.end()) == std::string("prog\0-x\0", 8));
  CHECK(std::string(d.environ.begin(), d.environ.end()) == std::string("A=1\0B=2\0", 8));
  CHECK(view.details(*by_pid.at(20)).cmdline.empty());
  // /proc/PID/maps.
  auto maps = view.maps(p10);
  REQUIRE(maps);
  CHECK(maps->notes.empty());
  std::vector<std::string> lines;
  for (const auto& mp : maps->maps) lines.push_back(mquire::processes::maps_line(mp));
  const auto pad = [](std::string head, const std::string& name) { return head.append(72 - head.size(), ' ') + " " + name; };
  CHECK(lines == sv{pad("00400000-00401000 r-xp 00000000 00:03 20 ", "/bin/prog"),
                    pad("00600000-00621000 rw-p 00000000 00:00 0 ", "[heap]"),
                    pad("7fff0000-7fff2000 r-xp 00000000 00:00 0 ", "[vdso]"),
                    pad("7fff8000-80000000 rw-p 00000000 00:00 0 ", "[stack]")});
  // /proc/PID/fd and fdinfo.
  auto files = view.files(p10);
  REQUIRE(files);
  CHECK(files->notes.empty());
  CHECK(files->cwd == "/tmp");
  CHECK(files->root == "/");
  REQUIRE(files->files.size() == 3);
  CHECK(files->files[0].fd == 0);
  CHECK(files->files[0].target == "/dev/null");
  CHECK(files->files[0].mnt_id == 1);
  CHECK(files->files[0].inode == 5);
  CHECK(files->files[1].target == "socket:[4242]");
  CHECK(files->files[2].fd == 3);
  CHECK(files->files[2].target == "/tmp/gone (deleted)");
  CHECK(files->files[2].pos == 5);
  CHECK(files->files[2].flags == (01 | mquire::processes::o_cloexec));
  CHECK(files->files[2].mnt_id == 2);
  // The work over all processes is bounded: a budget of three mappings
  // gives three, then an error, never more.
  view.set_budget({3, 1u << 20, 1u << 20});
  auto some = view.maps(p10);
  REQUIRE(some);
  CHECK(some->maps.size() == 3);
  CHECK(!some->notes.empty());
  auto none = view.maps(p10);
  REQUIRE(!none);
  CHECK(none.err().message.find("budget") != std::string::npos);
  view.set_budget({1u << 20, 1u << 20, 4});
  const auto cut = view.details(p10);
  CHECK(cut.cmdline.size() == 4);
  CHECK(cut.environ.empty());
}

} // namespace

TEST_CASE("processes: 7.x structures (maple tree, thread_node, u64 capabilities), x86_64", "[processes][unit]") {
  check_views<era7>(arch::x86_64);
}
TEST_CASE("processes: 7.x structures, arm64 (TTBR0 user tables)", "[processes][unit]") {
  check_views<era7>(arch::arm64);
}
TEST_CASE("processes: 5.x structures (state, thread_group, two-word capabilities, mmap list), x86_64",
          "[processes][unit]") {
  check_views<era5>(arch::x86_64);
}
TEST_CASE("processes: 5.x structures, arm64", "[processes][unit]") { check_views<era5>(arch::arm64); }
