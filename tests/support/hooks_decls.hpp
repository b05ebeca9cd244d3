// SPDX-License-Identifier: Apache-2.0
// The kernel's ftrace, kprobe and seq_operations structures as C
// declarations (7.x), for the fuzz target that lays hooks out itself:
// scripts/make_fuzz_btf.sh turns the text into fuzz/types/hooks.btf with
// pahole, fuzz/make_seeds.cpp compiles it for the seed's layout. Members
// are the ones hooks/ftrace.hpp and hooks/call_tables.hpp read, in the
// kernel's names and order; the rest of each struct is left out.
#pragma once

#define HOOKS_DECLS                                                                                                    \
  struct hlist_node {                                                                                                  \
    struct hlist_node *next, **pprev;                                                                                  \
  };                                                                                                                   \
  struct hlist_head {                                                                                                  \
    struct hlist_node *first;                                                                                          \
  };                                                                                                                   \
  struct list_head {                                                                                                   \
    struct list_head *next, *prev;                                                                                     \
  };                                                                                                                   \
  struct ftrace_hash {                                                                                                 \
    unsigned long size_bits;                                                                                           \
    struct hlist_head *buckets;                                                                                        \
    unsigned long count;                                                                                               \
    unsigned long flags;                                                                                               \
  };                                                                                                                   \
  struct ftrace_func_entry {                                                                                           \
    struct hlist_node hlist;                                                                                           \
    unsigned long ip;                                                                                                  \
    unsigned long direct;                                                                                              \
  };                                                                                                                   \
  struct ftrace_ops_hash {                                                                                             \
    struct ftrace_hash *notrace_hash;                                                                                  \
    struct ftrace_hash *filter_hash;                                                                                   \
  };                                                                                                                   \
  struct ftrace_ops {                                                                                                  \
    void (*func)(unsigned long ip, unsigned long parent_ip, struct ftrace_ops *op, void *fregs);                       \
    struct ftrace_ops *next;                                                                                           \
    unsigned long flags;                                                                                               \
    void *private_data;                                                                                                \
    struct ftrace_ops_hash local_hash;                                                                                 \
    struct ftrace_ops_hash *func_hash;                                                                                 \
    unsigned long trampoline;                                                                                          \
  };                                                                                                                   \
  struct dyn_ftrace {                                                                                                  \
    unsigned long ip;                                                                                                  \
    unsigned long flags;                                                                                               \
  };                                                                                                                   \
  struct ftrace_page {                                                                                                 \
    struct ftrace_page *next;                                                                                          \
    struct dyn_ftrace *records;                                                                                        \
    int index;                                                                                                         \
    int order;                                                                                                         \
  };                                                                                                                   \
  enum {                                                                                                               \
    FTRACE_FL_ENABLED = 1u << 31,                                                                                      \
    FTRACE_FL_REGS = 1u << 30,                                                                                         \
    FTRACE_FL_TRAMP_EN = 1u << 27,                                                                                     \
    FTRACE_FL_IPMODIFY = 1u << 26,                                                                                     \
    FTRACE_FL_DIRECT = 1u << 24,                                                                                       \
    FTRACE_FL_CALL_OPS = 1u << 22,                                                                                     \
    FTRACE_FL_CALL_OPS_EN = 1u << 21,                                                                                  \
    FTRACE_FL_MODIFIED = 1u << 19                                                                                      \
  };                                                                                                                   \
  struct kprobe {                                                                                                      \
    struct hlist_node hlist;                                                                                           \
    struct list_head list;                                                                                             \
    unsigned long nmissed;                                                                                             \
    unsigned int *addr;                                                                                                \
    const char *symbol_name;                                                                                           \
    unsigned int offset;                                                                                               \
    int (*pre_handler)(struct kprobe *p, void *regs);                                                                  \
    void (*post_handler)(struct kprobe *p, void *regs, unsigned long flags);                                           \
    unsigned int opcode;                                                                                               \
    unsigned int flags;                                                                                                \
  };                                                                                                                   \
  struct seq_operations {                                                                                              \
    void *(*start)(void *m, long *pos);                                                                                \
    void (*stop)(void *m, void *v);                                                                                    \
    void *(*next)(void *m, void *v, long *pos);                                                                        \
    int (*show)(void *m, void *v);                                                                                     \
  };

// For the C side only: globals, so that the compiler emits every type.
#define HOOKS_USE                                                                                                      \
  struct ftrace_ops g_ops;                                                                                             \
  struct ftrace_func_entry g_entry;                                                                                    \
  struct ftrace_page g_page;                                                                                           \
  struct kprobe g_kprobe;                                                                                              \
  struct seq_operations g_seq;                                                                                         \
  unsigned int g_flag = FTRACE_FL_ENABLED;
