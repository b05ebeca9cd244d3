// SPDX-License-Identifier: Apache-2.0
// The kernel's socket structures as C declarations, in two eras, for tests
// and fuzz targets that lay sockets out themselves: pahole turns the same
// text into BTF (tests/unit/network/network_test.cpp; scripts/make_fuzz_btf.sh for
// fuzz/types/network.btf), and the compiler into the layouts written.
// Members are the ones /proc/net's listings read, in the kernel's names
// and nesting; the rest of each struct is left out.
#pragma once

#define NET_STRINGIFY(...) #__VA_ARGS__
#define NET_AS_TEXT(...) NET_STRINGIFY(__VA_ARGS__)

// SOCK_ERA: struct sock's members that changed; ICSK_ERA and UDP_ERA the
// same for inet_connection_sock and udp_sock.
#define NET_DECLS(SOCK_ERA, ICSK_ERA, UDP_ERA)                                                                         \
  typedef unsigned long long u64;                                                                                      \
  typedef unsigned int u32;                                                                                            \
  typedef unsigned short u16;                                                                                          \
  typedef unsigned char u8;                                                                                            \
  typedef struct {                                                                                                     \
    int counter;                                                                                                       \
  } atomic_t;                                                                                                          \
  typedef struct {                                                                                                     \
    atomic_t refs;                                                                                                     \
  } refcount_t;                                                                                                        \
  typedef struct {                                                                                                     \
    u32 val;                                                                                                           \
  } kuid_t;                                                                                                            \
  struct hlist_node {                                                                                                  \
    struct hlist_node *next, **pprev;                                                                                  \
  };                                                                                                                   \
  struct hlist_head {                                                                                                  \
    struct hlist_node *first;                                                                                          \
  };                                                                                                                   \
  struct hlist_nulls_node {                                                                                            \
    struct hlist_nulls_node *next, **pprev;                                                                            \
  };                                                                                                                   \
  struct hlist_nulls_head {                                                                                            \
    struct hlist_nulls_node *first;                                                                                    \
  };                                                                                                                   \
  struct timer_list {                                                                                                  \
    struct hlist_node entry;                                                                                           \
    unsigned long expires;                                                                                             \
  };                                                                                                                   \
  struct in6_addr {                                                                                                    \
    u8 s6_addr[16];                                                                                                    \
  };                                                                                                                   \
  struct net;                                                                                                          \
  typedef struct {                                                                                                     \
    struct net *net;                                                                                                   \
  } possible_net_t;                                                                                                    \
  struct sock_common {                                                                                                 \
    u32 skc_daddr;                                                                                                     \
    u32 skc_rcv_saddr;                                                                                                 \
    u32 skc_hash;                                                                                                      \
    u16 skc_dport;                                                                                                     \
    u16 skc_num;                                                                                                       \
    unsigned short skc_family;                                                                                         \
    volatile unsigned char skc_state;                                                                                  \
    possible_net_t skc_net;                                                                                            \
    struct in6_addr skc_v6_daddr;                                                                                      \
    struct in6_addr skc_v6_rcv_saddr;                                                                                  \
    union {                                                                                                            \
      struct hlist_node skc_node;                                                                                      \
      struct hlist_nulls_node skc_nulls_node;                                                                          \
    };                                                                                                                 \
    refcount_t skc_refcnt;                                                                                             \
  };                                                                                                                   \
  struct inode {                                                                                                       \
    unsigned int i_mode;                                                                                               \
    unsigned long i_ino;                                                                                               \
  };                                                                                                                   \
  struct socket {                                                                                                      \
    int state;                                                                                                         \
    short type;                                                                                                        \
  };                                                                                                                   \
  struct socket_alloc {                                                                                                \
    struct socket socket;                                                                                              \
    struct inode vfs_inode;                                                                                            \
  };                                                                                                                   \
  struct numa_drop_counters {                                                                                          \
    atomic_t drops0;                                                                                                   \
    atomic_t drops1;                                                                                                   \
  };                                                                                                                   \
  struct sock_backlog {                                                                                                \
    atomic_t rmem_alloc;                                                                                               \
    int len;                                                                                                           \
  };                                                                                                                   \
  struct sock {                                                                                                        \
    struct sock_common __sk_common;                                                                                    \
    atomic_t sk_drops;                                                                                                 \
    struct sock_backlog sk_backlog;                                                                                    \
    struct socket *sk_socket;                                                                                          \
    refcount_t sk_wmem_alloc;                                                                                          \
    kuid_t sk_uid;                                                                                                     \
    u16 sk_protocol;                                                                                                   \
    u16 sk_type;                                                                                                       \
    u32 sk_ack_backlog;                                                                                                \
    SOCK_ERA                                                                                                           \
  };                                                                                                                   \
  struct inet_sock {                                                                                                   \
    struct sock sk;                                                                                                    \
    u32 inet_saddr;                                                                                                    \
    u16 inet_sport;                                                                                                    \
  };                                                                                                                   \
  struct fastopen_queue {                                                                                              \
    int qlen;                                                                                                          \
    int max_qlen;                                                                                                      \
  };                                                                                                                   \
  struct request_sock_queue {                                                                                          \
    struct fastopen_queue fastopenq;                                                                                   \
  };                                                                                                                   \
  struct icsk_ack_state {                                                                                              \
    u8 pending;                                                                                                        \
    u8 quick;                                                                                                          \
    u8 pingpong;                                                                                                       \
    u8 retry;                                                                                                          \
    u32 ato : 8;                                                                                                       \
    u32 lrcv_flowlabel : 20;                                                                                           \
  };                                                                                                                   \
  struct inet_connection_sock {                                                                                        \
    struct inet_sock icsk_inet;                                                                                        \
    struct request_sock_queue icsk_accept_queue;                                                                       \
    u32 icsk_rto;                                                                                                      \
    u8 icsk_retransmits;                                                                                               \
    u8 icsk_pending;                                                                                                   \
    u8 icsk_probes_out;                                                                                                \
    struct icsk_ack_state icsk_ack;                                                                                    \
    ICSK_ERA                                                                                                           \
  };                                                                                                                   \
  struct tcp_sock {                                                                                                    \
    struct inet_connection_sock inet_conn;                                                                             \
    u32 rcv_nxt;                                                                                                       \
    u32 copied_seq;                                                                                                    \
    u32 snd_una;                                                                                                       \
    u32 write_seq;                                                                                                     \
    u32 snd_cwnd;                                                                                                      \
    u32 snd_ssthresh;                                                                                                  \
  };                                                                                                                   \
  struct inet_timewait_sock {                                                                                          \
    struct sock_common __tw_common;                                                                                    \
    unsigned char tw_substate;                                                                                         \
    u16 tw_sport;                                                                                                      \
    struct timer_list tw_timer;                                                                                        \
  };                                                                                                                   \
  struct udp_sock {                                                                                                    \
    struct inet_sock inet;                                                                                             \
    int forward_deficit;                                                                                               \
    UDP_ERA                                                                                                            \
  };                                                                                                                   \
  struct sockaddr_un {                                                                                                 \
    unsigned short sun_family;                                                                                         \
    char sun_path[108];                                                                                                \
  };                                                                                                                   \
  struct unix_address {                                                                                                \
    refcount_t refcnt;                                                                                                 \
    int len;                                                                                                           \
    struct sockaddr_un name[1];                                                                                        \
  };                                                                                                                   \
  struct unix_sock {                                                                                                   \
    struct sock sk;                                                                                                    \
    struct unix_address *addr;                                                                                         \
  };                                                                                                                   \
  enum packet_sock_flags { PACKET_SOCK_ORIGDEV, PACKET_SOCK_AUXDATA, PACKET_SOCK_TX_HAS_OFF, PACKET_SOCK_TP_LOSS,   \
                           PACKET_SOCK_RUNNING };                                                                      \
  struct packet_sock {                                                                                                 \
    struct sock sk;                                                                                                    \
    unsigned long flags;                                                                                               \
    int ifindex;                                                                                                       \
    u16 num;                                                                                                           \
  };                                                                                                                   \
  struct inet_listen_hashbucket {                                                                                      \
    int lock;                                                                                                          \
    struct hlist_nulls_head nulls_head;                                                                                \
  };                                                                                                                   \
  struct inet_ehash_bucket {                                                                                           \
    struct hlist_nulls_head chain;                                                                                     \
  };                                                                                                                   \
  struct inet_hashinfo {                                                                                               \
    struct inet_ehash_bucket *ehash;                                                                                   \
    unsigned int ehash_mask;                                                                                           \
    unsigned int lhash2_mask;                                                                                          \
    struct inet_listen_hashbucket *lhash2;                                                                             \
  };                                                                                                                   \
  struct udp_hslot {                                                                                                   \
    struct hlist_head head;                                                                                            \
    int count;                                                                                                         \
    int lock;                                                                                                          \
  };                                                                                                                   \
  struct udp_table {                                                                                                   \
    struct udp_hslot *hash;                                                                                            \
    unsigned int mask;                                                                                                 \
  };                                                                                                                   \
  struct raw_hashinfo {                                                                                                \
    int lock;                                                                                                          \
    struct hlist_head ht[256];                                                                                         \
  };                                                                                                                   \
  struct inet_timewait_death_row {                                                                                     \
    refcount_t tw_refcount;                                                                                            \
    struct inet_hashinfo *hashinfo;                                                                                    \
  };                                                                                                                   \
  struct netns_ipv4 {                                                                                                  \
    struct inet_timewait_death_row tcp_death_row;                                                                      \
    struct udp_table *udp_table;                                                                                       \
    int sysctl_tcp_keepalive_time;                                                                                     \
    int sysctl_tcp_keepalive_intvl;                                                                                    \
    int sysctl_tcp_fin_timeout;                                                                                        \
    u8 sysctl_tcp_pingpong_thresh;                                                                                     \
  };                                                                                                                   \
  struct netns_ipv6 {                                                                                                  \
    struct hlist_head *inet6_addr_lst;                                                                                 \
  };                                                                                                                   \
  struct unix_table {                                                                                                  \
    int *locks;                                                                                                        \
    struct hlist_head *buckets;                                                                                        \
  };                                                                                                                   \
  struct netns_unix {                                                                                                  \
    struct unix_table table;                                                                                           \
  };                                                                                                                   \
  struct netns_packet {                                                                                                \
    int sklist_lock;                                                                                                   \
    struct hlist_head sklist;                                                                                          \
  };                                                                                                                   \
  struct net {                                                                                                         \
    struct netns_ipv4 ipv4;                                                                                            \
    struct netns_ipv6 ipv6;                                                                                            \
    struct netns_unix unx;                                                                                             \
    struct netns_packet packet;                                                                                        \
  };

#define NET_USE                                                                                                        \
  struct tcp_sock g_tcp;                                                                                               \
  struct inet_timewait_sock g_tw;                                                                                      \
  struct udp_sock g_udp;                                                                                               \
  struct unix_sock g_unix;                                                                                             \
  struct packet_sock g_packet;                                                                                         \
  struct raw_hashinfo g_raw;                                                                                           \
  struct socket_alloc g_socket;                                                                                        \
  struct net g_net;                                                                                                    \
  enum packet_sock_flags g_flags;

#define ERA7_SOCK                                                                                                      \
  union {                                                                                                              \
    struct timer_list sk_timer;                                                                                        \
    struct timer_list tcp_retransmit_timer;                                                                            \
  };                                                                                                                   \
  u64 sk_ino;                                                                                                          \
  struct numa_drop_counters *sk_drop_counters;
#define ERA7_UDP struct numa_drop_counters drop_counters;
#define ERA61_SOCK struct timer_list sk_timer;
#define ERA61_ICSK unsigned long icsk_timeout;
#define NOTHING

