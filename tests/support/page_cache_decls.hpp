// SPDX-License-Identifier: Apache-2.0
// The kernel's page cache structures as C declarations, in two eras, for
// tests and fuzz targets that lay a page cache out themselves: pahole
// turns the same text into BTF (tests/unit/filesystems/page_cache_test.cpp;
// scripts/make_fuzz_btf.sh for fuzz/types/page_cache.btf), and the
// compiler into the layouts written. Members are the ones the readers of
// cached files use, in the kernel's names and nesting; the rest of each
// struct is left out.
#pragma once

#define PC_STRINGIFY(...) #__VA_ARGS__
#define PC_AS_TEXT(...) PC_STRINGIFY(__VA_ARGS__)

// PRELUDE: types the era's page needs first; FLAGS: a page's flags
// member; FOLIO: struct folio or nothing; ALIAS: the dentry's d_alias,
// bare or in d_u; RESERVED: PG_reserved's number.
#define PC_DECLS(PRELUDE, FLAGS, FOLIO, ALIAS, RESERVED)                                                               \
  PRELUDE                                                                                                              \
  struct list_head {                                                                                                   \
    struct list_head *next, *prev;                                                                                     \
  };                                                                                                                   \
  struct hlist_node {                                                                                                  \
    struct hlist_node *next, **pprev;                                                                                  \
  };                                                                                                                   \
  struct hlist_head {                                                                                                  \
    struct hlist_node *first;                                                                                          \
  };                                                                                                                   \
  struct hlist_bl_node {                                                                                               \
    struct hlist_bl_node *next, **pprev;                                                                               \
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
  struct address_space {                                                                                               \
    struct inode *host;                                                                                                \
    struct xarray i_pages;                                                                                             \
    unsigned long nrpages;                                                                                             \
  };                                                                                                                   \
  struct page {                                                                                                        \
    FLAGS flags;                                                                                                       \
    struct list_head lru;                                                                                              \
    struct address_space *mapping;                                                                                     \
    unsigned long index;                                                                                               \
    unsigned long private_data;                                                                                        \
    int _mapcount, _refcount;                                                                                          \
  };                                                                                                                   \
  FOLIO                                                                                                                \
  struct mem_section {                                                                                                 \
    unsigned long section_mem_map;                                                                                     \
    void *usage;                                                                                                       \
  };                                                                                                                   \
  enum pageflags { PG_locked = 0, PG_reserved = RESERVED };                                                            \
  struct qstr {                                                                                                        \
    unsigned int hash, len;                                                                                            \
    const unsigned char *name;                                                                                         \
  };                                                                                                                   \
  struct dentry_operations {                                                                                           \
    void *d_revalidate, *d_dname;                                                                                      \
  };                                                                                                                   \
  struct dentry {                                                                                                      \
    unsigned int d_flags;                                                                                              \
    struct hlist_bl_node d_hash;                                                                                       \
    struct dentry *d_parent;                                                                                           \
    struct qstr d_name;                                                                                                \
    struct inode *d_inode;                                                                                             \
    const struct dentry_operations *d_op;                                                                              \
    struct super_block *d_sb;                                                                                          \
    ALIAS                                                                                                              \
  };                                                                                                                   \
  struct inode {                                                                                                       \
    unsigned short i_mode;                                                                                             \
    struct super_block *i_sb;                                                                                          \
    struct address_space *i_mapping;                                                                                   \
    unsigned long i_ino;                                                                                               \
    union {                                                                                                            \
      const unsigned int i_nlink;                                                                                      \
      unsigned int __i_nlink;                                                                                          \
    };                                                                                                                 \
    long long i_size;                                                                                                  \
    struct list_head i_sb_list;                                                                                        \
    struct hlist_head i_dentry;                                                                                        \
    struct address_space i_data;                                                                                       \
  };                                                                                                                   \
  struct file_system_type {                                                                                            \
    const char *name;                                                                                                  \
  };                                                                                                                   \
  struct super_block {                                                                                                 \
    struct list_head s_list;                                                                                           \
    struct file_system_type *s_type;                                                                                   \
    struct dentry *s_root;                                                                                             \
    struct list_head s_inodes;                                                                                         \
  };                                                                                                                   \
  struct vfsmount {                                                                                                    \
    struct dentry *mnt_root;                                                                                           \
    struct super_block *mnt_sb;                                                                                        \
    int mnt_flags;                                                                                                     \
  };                                                                                                                   \
  struct mount {                                                                                                       \
    struct hlist_node mnt_hash;                                                                                        \
    struct mount *mnt_parent;                                                                                          \
    struct dentry *mnt_mountpoint;                                                                                     \
    struct vfsmount mnt;                                                                                               \
  };

// For the C side only: globals, so that the compiler emits every type.
#define PC_USE(EXTRA)                                                                                                  \
  EXTRA                                                                                                                \
  struct page g_page;                                                                                                  \
  struct mount g_mount;                                                                                                \
  struct inode g_inode;                                                                                                \
  struct mem_section g_section;                                                                                        \
  struct xa_node g_node;                                                                                               \
  enum pageflags g_flags;

#define PC_NOTHING
#define PC_ERA7_PRELUDE                                                                                                \
  typedef struct {                                                                                                     \
    unsigned long f;                                                                                                   \
  } memdesc_flags_t;
#define PC_ERA7_FLAGS memdesc_flags_t
#define PC_ERA7_FOLIO                                                                                                  \
  struct folio {                                                                                                       \
    memdesc_flags_t flags;                                                                                             \
    struct list_head lru;                                                                                              \
    struct address_space *mapping;                                                                                     \
    unsigned long index;                                                                                               \
    unsigned long private_data;                                                                                        \
    int _mapcount, _refcount;                                                                                          \
    unsigned long _flags_1;                                                                                            \
  };
#define PC_ERA7_ALIAS                                                                                                  \
  union {                                                                                                              \
    struct hlist_node d_alias;                                                                                         \
    struct hlist_bl_node d_in_lookup_hash;                                                                             \
  };
#define PC_ERA510_ALIAS                                                                                                \
  union {                                                                                                              \
    struct hlist_node d_alias;                                                                                         \
    struct hlist_bl_node d_in_lookup_hash;                                                                             \
  } d_u;

// The 7.x declarations as C text, for pahole.
#define PC_ERA7_SOURCE                                                                                                 \
  PC_AS_TEXT(PC_DECLS(PC_ERA7_PRELUDE, PC_ERA7_FLAGS, PC_ERA7_FOLIO, PC_ERA7_ALIAS, 13) PC_USE(struct folio g_folio;))
