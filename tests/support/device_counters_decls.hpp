// SPDX-License-Identifier: Apache-2.0
// struct net_device and its counters as C declarations, in two eras: 7.x
// (each net_device_stats counter a union of a word and an atomic,
// pcpu_stat_type, per-CPU core_stats) and 5.10 (plain words, the atomic
// drop counters in the device). Members are the ones
// network/device_counters.hpp reads, in the kernel's names and order. The
// same text is compiled into tests/unit/network/device_counters_test.cpp and given
// to pahole there and by scripts/make_fuzz_btf.sh (fuzz/types/devices.btf).
#pragma once

#define DC_STRINGIFY(...) #__VA_ARGS__
#define DC_AS_TEXT(...) DC_STRINGIFY(__VA_ARGS__)

// 7.x: each counter a union of the word and its atomic twin.
#define DC_ERA7_STAT(n)                                                                                                \
  union {                                                                                                              \
    unsigned long n;                                                                                                   \
    atomic_long_t __##n;                                                                                               \
  };
#define DC_ERA510_STAT(n) unsigned long n;

#define DC_DECLS(STAT, DEVICE_TAIL)                                                                                    \
  typedef struct {                                                                                                     \
    long counter;                                                                                                      \
  } atomic_long_t;                                                                                                     \
  enum netdev_stat_type {                                                                                              \
    NETDEV_PCPU_STAT_NONE = 0,                                                                                         \
    NETDEV_PCPU_STAT_LSTATS = 1,                                                                                       \
    NETDEV_PCPU_STAT_TSTATS = 2,                                                                                       \
    NETDEV_PCPU_STAT_DSTATS = 3,                                                                                       \
  };                                                                                                                   \
  struct net_device_stats {                                                                                            \
    STAT(rx_packets) STAT(tx_packets) STAT(rx_bytes) STAT(tx_bytes) STAT(rx_errors) STAT(tx_errors)                    \
        STAT(rx_dropped) STAT(tx_dropped) STAT(multicast) STAT(collisions) STAT(rx_length_errors)                      \
            STAT(rx_over_errors) STAT(rx_crc_errors) STAT(rx_frame_errors) STAT(rx_fifo_errors)                        \
                STAT(rx_missed_errors) STAT(tx_aborted_errors) STAT(tx_carrier_errors) STAT(tx_fifo_errors)            \
                    STAT(tx_heartbeat_errors) STAT(tx_window_errors) STAT(rx_compressed) STAT(tx_compressed)           \
  };                                                                                                                   \
  struct net_device_core_stats {                                                                                       \
    unsigned long rx_dropped, tx_dropped, rx_nohandler, rx_otherhost_dropped;                                          \
  };                                                                                                                   \
  struct pcpu_lstats {                                                                                                 \
    unsigned long long packets, bytes, syncp;                                                                          \
  };                                                                                                                   \
  struct pcpu_sw_netstats {                                                                                            \
    unsigned long long rx_packets, rx_bytes, tx_packets, tx_bytes, syncp;                                              \
  };                                                                                                                   \
  struct pcpu_dstats {                                                                                                 \
    unsigned long long rx_packets, rx_bytes, tx_packets, tx_bytes, rx_drops, tx_drops, syncp;                          \
  };                                                                                                                   \
  struct net_device;                                                                                                   \
  struct net_device_ops {                                                                                              \
    int (*ndo_open)(struct net_device *dev);                                                                           \
    void (*ndo_get_stats64)(struct net_device *dev, void *storage);                                                    \
    struct net_device_stats *(*ndo_get_stats)(struct net_device *dev);                                                 \
  };                                                                                                                   \
  struct net_device {                                                                                                  \
    char name[16];                                                                                                     \
    const struct net_device_ops *netdev_ops;                                                                           \
    union {                                                                                                            \
      void *ml_priv;                                                                                                   \
      struct pcpu_lstats *lstats;                                                                                      \
      struct pcpu_sw_netstats *tstats;                                                                                 \
      struct pcpu_dstats *dstats;                                                                                      \
    };                                                                                                                 \
    int ifindex;                                                                                                       \
    struct net_device_stats stats;                                                                                     \
    DEVICE_TAIL                                                                                                        \
  };
#define DC_ERA7_TAIL                                                                                                   \
  enum netdev_stat_type pcpu_stat_type : 8;                                                                            \
  struct net_device_core_stats *core_stats;
#define DC_ERA510_TAIL atomic_long_t rx_dropped, tx_dropped, rx_nohandler;
#define DC_USE                                                                                                         \
  struct net_device g_dev;                                                                                             \
  struct net_device_ops g_ops;                                                                                         \
  struct pcpu_lstats g_l;                                                                                              \
  struct pcpu_sw_netstats g_t;                                                                                         \
  struct pcpu_dstats g_d;                                                                                              \
  struct net_device_core_stats g_c;
