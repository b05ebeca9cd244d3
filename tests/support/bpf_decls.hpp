// SPDX-License-Identifier: Apache-2.0
// The kernel's BPF structures as C declarations, in the eras bpf/ reads:
// the run statistics in bpf_prog (5.12 and later) or in bpf_prog_aux
// (before); a map's memlock as the pages it charged (5.10), as a footprint
// the kernel computes (5.11 to 6.3) or as each map type's own function's
// answer (6.4 and later, when bpf_map_ops has map_mem_usage); a program
// array's owner as map->owner (later 6.x), in bpf_array_aux's owner
// (5.16 on) or as its own members (before). Members are the ones bpf/
// reads, in the kernel's names and order; the rest of each struct is left
// out. The
// same text is compiled into the tests (to lay objects out) and given to
// pahole (for their BTF), and scripts/make_fuzz_btf.sh makes the fuzz
// target's BTF from it.
#pragma once

#define BPF_STRINGIFY(...) #__VA_ARGS__
#define BPF_AS_TEXT(...) BPF_STRINGIFY(__VA_ARGS__)

#define BPF_DECLS(PROG_STATS, AUX_STATS, MAP_MEMORY, MAP_OWNER, OPS_MEM_USAGE, ARRAY_OWNER)                            \
  enum bpf_prog_type {                                                                                                 \
    BPF_PROG_TYPE_UNSPEC = 0,                                                                                          \
    BPF_PROG_TYPE_SOCKET_FILTER = 1,                                                                                   \
    BPF_PROG_TYPE_KPROBE = 2,                                                                                          \
    BPF_PROG_TYPE_CGROUP_SKB = 8,                                                                                      \
    BPF_PROG_TYPE_TRACING = 26,                                                                                        \
  };                                                                                                                   \
  enum bpf_map_type {                                                                                                  \
    BPF_MAP_TYPE_UNSPEC = 0,                                                                                           \
    BPF_MAP_TYPE_HASH = 1,                                                                                             \
    BPF_MAP_TYPE_ARRAY = 2,                                                                                            \
    BPF_MAP_TYPE_PROG_ARRAY = 3,                                                                                       \
    BPF_MAP_TYPE_PERCPU_ARRAY = 6,                                                                                     \
    BPF_MAP_TYPE_CGROUP_STORAGE_DEPRECATED = 19,                                                                       \
    BPF_MAP_TYPE_CGROUP_STORAGE = 19,                                                                                  \
  };                                                                                                                   \
  enum bpf_attach_type {                                                                                               \
    BPF_CGROUP_INET_INGRESS = 0,                                                                                       \
    BPF_TRACE_FENTRY = 24,                                                                                             \
  };                                                                                                                   \
  struct xarray {                                                                                                      \
    int xa_lock;                                                                                                       \
    unsigned int xa_flags;                                                                                             \
    void *xa_head;                                                                                                     \
  };                                                                                                                   \
  struct xa_node {                                                                                                     \
    unsigned char shift, offset, count, nr_values;                                                                     \
    struct xa_node *parent;                                                                                            \
    struct xarray *array;                                                                                              \
    void *slots[64];                                                                                                   \
  };                                                                                                                   \
  struct idr {                                                                                                         \
    struct xarray idr_rt;                                                                                              \
    unsigned int idr_base;                                                                                             \
    unsigned int idr_next;                                                                                             \
  };                                                                                                                   \
  typedef struct {                                                                                                     \
    unsigned int val;                                                                                                  \
  } kuid_t;                                                                                                            \
  struct user_struct {                                                                                                 \
    int __count;                                                                                                       \
    kuid_t uid;                                                                                                        \
  };                                                                                                                   \
  struct btf_header {                                                                                                  \
    unsigned short magic;                                                                                              \
    unsigned char version, flags;                                                                                      \
    unsigned int hdr_len, type_off, type_len, str_off, str_len;                                                        \
  };                                                                                                                   \
  struct btf_type {                                                                                                    \
    unsigned int name_off, info, size;                                                                                 \
  };                                                                                                                   \
  struct btf {                                                                                                         \
    void *data;                                                                                                        \
    struct btf_type **types;                                                                                           \
    const char *strings;                                                                                               \
    struct btf_header hdr;                                                                                             \
    unsigned int nr_types;                                                                                             \
    unsigned int id;                                                                                                   \
    unsigned int start_id;                                                                                             \
    unsigned int start_str_off;                                                                                        \
  };                                                                                                                   \
  struct bpf_func_info {                                                                                               \
    unsigned int insn_off;                                                                                             \
    unsigned int type_id;                                                                                              \
  };                                                                                                                   \
  struct bpf_prog_stats {                                                                                              \
    unsigned long long cnt, nsecs, misses;                                                                             \
    unsigned long long syncp;                                                                                          \
  };                                                                                                                   \
  struct bpf_ksym {                                                                                                    \
    unsigned long start, end;                                                                                          \
    char name[512];                                                                                                    \
  };                                                                                                                   \
  struct bpf_map;                                                                                                      \
  struct bpf_map_ops {                                                                                                 \
    int (*map_alloc_check)(void *attr);                                                                                \
    OPS_MEM_USAGE                                                                                                      \
  };                                                                                                                   \
  struct bpf_map_memory {                                                                                              \
    unsigned int pages;                                                                                                \
    struct user_struct *user;                                                                                          \
  };                                                                                                                   \
  struct bpf_map_owner {                                                                                               \
    enum bpf_prog_type type;                                                                                           \
    unsigned char jited;                                                                                                 \
  };                                                                                                                   \
  struct bpf_map {                                                                                                     \
    const struct bpf_map_ops *ops;                                                                                     \
    enum bpf_map_type map_type;                                                                                        \
    unsigned int key_size, value_size, max_entries;                                                                    \
    unsigned int map_flags;                                                                                            \
    unsigned int id;                                                                                                   \
    struct btf *btf;                                                                                                   \
    MAP_MEMORY                                                                                                         \
    char name[16];                                                                                                     \
    MAP_OWNER                                                                                                          \
    unsigned char frozen;                                                                                                \
  };                                                                                                                   \
  struct bpf_array_aux {                                                                                               \
    ARRAY_OWNER                                                                                                        \
    void *poke_progs[2];                                                                                               \
  };                                                                                                                   \
  struct bpf_array {                                                                                                   \
    struct bpf_map map;                                                                                                \
    unsigned int elem_size, index_mask;                                                                                \
    struct bpf_array_aux *aux;                                                                                         \
  };                                                                                                                   \
  struct bpf_prog;                                                                                                     \
  struct bpf_prog_aux {                                                                                                \
    unsigned int used_map_cnt;                                                                                         \
    unsigned int id;                                                                                                   \
    unsigned int func_cnt;                                                                                             \
    unsigned int attach_btf_id;                                                                                        \
    struct bpf_prog *dst_prog;                                                                                         \
    const char *attach_func_name;                                                                                      \
    struct bpf_prog **func;                                                                                            \
    struct bpf_ksym ksym;                                                                                              \
    struct bpf_map **used_maps;                                                                                        \
    struct bpf_prog *prog;                                                                                             \
    struct user_struct *user;                                                                                          \
    unsigned long long load_time;                                                                                      \
    char name[16];                                                                                                     \
    void *offload;                                                                                                     \
    struct btf *btf;                                                                                                   \
    struct bpf_func_info *func_info;                                                                                   \
    unsigned int func_info_cnt;                                                                                        \
    AUX_STATS                                                                                                          \
  };                                                                                                                   \
  struct bpf_prog {                                                                                                    \
    unsigned short pages;                                                                                              \
    unsigned int jited : 1, jit_requested : 1, gpl_compatible : 1;                                                     \
    enum bpf_prog_type type;                                                                                           \
    enum bpf_attach_type expected_attach_type;                                                                         \
    unsigned int len;                                                                                                  \
    unsigned int jited_len;                                                                                            \
    union {                                                                                                            \
      unsigned char digest[32];                                                                                        \
      unsigned char tag[8];                                                                                            \
    };                                                                                                                 \
    PROG_STATS                                                                                                         \
    unsigned int (*bpf_func)(const void *ctx, const void *insn);                                                       \
    struct bpf_prog_aux *aux;                                                                                          \
  };

// Globals that make every type above reach the debug info pahole reads.
#define BPF_USE                                                                                                        \
  struct idr g_idr;                                                                                                    \
  struct bpf_prog g_prog;                                                                                              \
  struct bpf_prog_aux g_aux;                                                                                           \
  struct bpf_map g_map;                                                                                                \
  struct bpf_map_ops g_ops;                                                                                            \
  struct bpf_map_owner g_owner;                                                                                        \
  struct bpf_map_memory g_memory;                                                                                      \
  struct bpf_array g_array;                                                                                            \
  struct bpf_prog_stats g_stats;                                                                                       \
  struct xa_node g_node;                                                                                               \
  struct btf g_btf;                                                                                                    \
  struct btf_type g_btf_type;                                                                                          \
  struct bpf_func_info g_func_info;                                                                                    \
  enum bpf_attach_type g_attach;

#define BPF_STATS_MEMBER struct bpf_prog_stats *stats;
#define BPF_MAP_MEMORY_MEMBER struct bpf_map_memory memory;
#define BPF_MAP_OWNER_MEMBER struct bpf_map_owner *owner;
#define BPF_OPS_MEM_USAGE_MEMBER unsigned long long (*map_mem_usage)(const struct bpf_map *map);
// bpf_array_aux's owner: in a struct from 5.16, its own members before.
#define BPF_ARRAY_OWNER_STRUCT                                                                                         \
  struct {                                                                                                             \
    int lock;                                                                                                          \
    enum bpf_prog_type type;                                                                                           \
    unsigned char jited;                                                                                               \
  } owner;
#define BPF_ARRAY_OWNER_MEMBERS                                                                                        \
  enum bpf_prog_type type;                                                                                             \
  unsigned char jited;
#define BPF_NOTHING
