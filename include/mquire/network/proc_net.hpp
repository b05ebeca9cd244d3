// SPDX-License-Identifier: Apache-2.0
// The socket listings of /proc/net (tcp, tcp6, udp, udp6, unix, raw, raw6,
// packet), its interface counters (dev, device_counters.hpp) and its IPv6
// address list (if_inet6) for the initial network
// namespace, line for line as the running
// kernel printed them: the same hash tables walked in the same order
// (TCP's listening buckets, then its established ones, which hold the
// time-wait and request sockets too; UDP's and raw's slots, whose number
// is the "sl" column; the unix table's buckets; the packet socket list),
// the same fields, the same formats and padding. Pointers are printed the
// way %pK printed them (printed_pointer.hpp), timers and timeouts in clock
// ticks from the dump's jiffies and HZ (kernel_clock.hpp). A chain that
// breaks ends that listing with a note; no row is made up.
#pragma once

#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "../objects/object_reader.hpp"
#include "../objects/symbol_index.hpp"
#include "../objects/walkers.hpp"
#include "../system/kernel_clock.hpp"
#include "../system/printed_pointer.hpp"
#include "device_counters.hpp"
#include "proc_net_rows.hpp"
#include "socket_fields.hpp"
#include "../notes.hpp"

namespace mquire::network {

struct net_view {
  std::vector<listing> listings; // tcp, tcp6, udp, udp6, unix, raw, raw6, packet, dev, if_inet6
  std::vector<device_counters> devices; // dev's rows, with their counters
  mquire::notes notes;
};

// The TCP states (include/net/tcp_states.h), by number.
inline const char* tcp_state_name(unsigned s) {
  static const char* const names[] = {"",          "ESTABLISHED", "SYN_SENT",   "SYN_RECV", "FIN_WAIT1",
                                      "FIN_WAIT2", "TIME_WAIT",   "CLOSE",      "CLOSE_WAIT", "LAST_ACK",
                                      "LISTEN",    "CLOSING",     "NEW_SYN_RECV", "BOUND_INACTIVE"};
  return s < sizeof names / sizeof names[0] ? names[s] : "";
}

// Work bounds: sockets per chain and in all, and hash buckets per table.
inline constexpr std::size_t max_chain_sockets = 1u << 16;
inline constexpr std::size_t max_listed_sockets = 1u << 20;
inline constexpr std::uint64_t max_hash_buckets = 1u << 24;

namespace detail {

inline constexpr unsigned af_unix = 1, af_inet = 2, af_inet6 = 10;
inline constexpr unsigned tcp_established = 1, tcp_syn_recv = 3, tcp_time_wait = 6, tcp_listen = 10,
                          tcp_new_syn_recv = 12;
inline constexpr std::uint64_t so_acceptcon = 1u << 16;

inline std::uint16_t net_to_host16(std::uint64_t stored, bool little_endian) {
  const auto v = static_cast<std::uint16_t>(stored);
  return little_endian ? static_cast<std::uint16_t>(v >> 8 | v << 8) : v;
}

// seq_pad: the line filled with spaces to `width` characters.
inline void pad_to(std::string& line, std::size_t width) {
  if (line.size() < width) line.append(width - line.size(), ' ');
}

template <typename... A>
std::string format(const char* f, A... a) {
  char buf[512];
  const int n = std::snprintf(buf, sizeof buf, f, a...);
  return n < 0 ? std::string() : std::string(buf, static_cast<std::size_t>(n) < sizeof buf ? static_cast<std::size_t>(n) : sizeof buf - 1);
}

class reader {
public:
  reader(const objects::object_reader& r, const objects::symbol_index& syms)
      : r_(r), syms_(syms), little_(r.memory().order() == byte_order::little) {
    clock_ = system::read_kernel_clock(r, syms);
    printer_ = system::read_pointer_printer(r, syms);
    init_net_ = syms.address("init_net");
    // inet_csk_in_pingpong_mode: the namespace's threshold where the kernel
    // has one (6.5+), else the fixed 1 of the kernels before it.
    if (const auto t = net_field("ipv4.sysctl_tcp_pingpong_thresh"); t && init_net_)
      pingpong_threshold_ = r.memory().uint(*init_net_ + t->offset, 1).value_or(1);
  }

  std::uint64_t pingpong_threshold() const { return pingpong_threshold_; }

  const std::optional<system::pointer_printer>& printer() const { return printer_; }
  const system::kernel_clock& clock() const { return clock_; }
  std::optional<std::uint64_t> init_net() const { return init_net_; }
  const objects::object_reader& objects() const { return r_; }
  bool little() const { return little_; }

  std::string pointer(std::uint64_t p) const {
    return printer_ ? (*printer_)(p) : std::string(r_.pointer_size() * 2, '?');
  }

  // jiffies_to_clock_t, or nothing when HZ is unknown.
  std::optional<std::uint64_t> clock_ticks(std::uint64_t j) const {
    if (!clock_.hz) return std::nullopt;
    return system::jiffies_to_clock_t(j, *clock_.hz);
  }
  // jiffies_delta_to_clock_t(expires - jiffies): no less than zero.
  std::optional<std::uint64_t> ticks_until(std::uint64_t expires) const {
    if (!clock_.jiffies || !clock_.hz) return std::nullopt;
    const auto delta = static_cast<std::int64_t>(expires - *clock_.jiffies);
    return system::jiffies_to_clock_t(delta > 0 ? static_cast<std::uint64_t>(delta) : 0, *clock_.hz);
  }

  // Whether a socket is in the initial namespace (every socket is, in a
  // kernel without namespaces); `common` is the path of its sock_common.
  bool in_init_net(const objects::object& o, std::string_view common) const {
    const auto n = o.u(std::string(common) + "skc_net.net");
    return !n || !init_net_ || *n == *init_net_;
  }

  // A member of init_net, by path.
  std::optional<objects::field_ref> net_field(std::string_view path) const { return r_.types().field("net", path); }
  std::optional<std::uint64_t> net_pointer(std::string_view path) const {
    const auto f = net_field(path);
    if (!init_net_ || !f) return std::nullopt;
    return r_.memory().pointer(*init_net_ + f->offset);
  }

  const objects::symbol_index& symbols() const { return syms_; }

private:
  const objects::object_reader& r_;
  const objects::symbol_index& syms_;
  bool little_;
  system::kernel_clock clock_;
  std::optional<system::pointer_printer> printer_;
  std::optional<std::uint64_t> init_net_;
  std::uint64_t pingpong_threshold_ = 1;
};

// The sockets on one hash chain (an hlist or hlist_nulls of sock_common's
// skc_node), as struct sock addresses; a broken chain's problem is added
// to the listing's.
inline std::vector<std::uint64_t> chain_sockets(const reader& rd, std::uint64_t head, objects::hlist_end end,
                                                std::size_t budget, listing& out) {
  const auto node = rd.objects().types().field("sock_common", "skc_node");
  if (!node) {
    out.problem = "the kernel's types have no sock_common.skc_node";
    return {};
  }
  auto w = objects::walk_hlist_ending(rd.objects(), head, budget, end);
  if (!w.problem.empty() && out.problem.empty()) out.problem = w.problem;
  std::vector<std::uint64_t> socks;
  for (const auto n : w.nodes) socks.push_back(n - node->offset);
  return socks;
}

// The rows of one chain: `row_of(sk, problem)` makes each socket's row
// (nothing for a socket the listing leaves out); the first problem, or
// the budget spent, ends the listing.
template <typename RowOf>
void add_chain_rows(const reader& rd, std::uint64_t head, objects::hlist_end end, std::size_t width, listing& out,
                    std::size_t& listed, RowOf&& row_of) {
  for (const auto sk : chain_sockets(rd, head, end, max_chain_sockets, out)) {
    std::string problem;
    auto row = row_of(sk, problem);
    if (!problem.empty()) {
      out.problem = problem;
      return;
    }
    if (!row) continue;
    if (++listed > max_listed_sockets) {
      out.problem = "more than " + std::to_string(max_listed_sockets) + " sockets";
      return;
    }
    pad_to(row->line, width);
    out.rows.push_back(std::move(*row));
  }
}

// Every chain of a hash table, in bucket order: `buckets` heads `stride`
// bytes apart from `base`, `row_of(sk, bucket, problem)` for each socket.
// An empty chain (NULL, or a nulls marker) is skipped; an unreadable head
// ends the listing.
template <typename RowOf>
void add_table_rows(const reader& rd, const std::string& what, std::uint64_t base, std::uint64_t buckets,
                    std::uint64_t stride, objects::hlist_end end, std::size_t width, listing& out, std::size_t& listed,
                    RowOf&& row_of) {
  for (std::uint64_t b = 0; b < buckets && out.problem.empty(); ++b) {
    const std::uint64_t head = base + b * stride;
    const auto first = rd.objects().pointer(head);
    if (!first) {
      out.problem = what + " bucket " + std::to_string(b) + " at " + mquire::detail::hex(head) + " is not in the dump";
      return;
    }
    if (*first == 0 || (*first & 1)) continue;
    add_chain_rows(rd, head, end, width, out, listed,
                   [&](std::uint64_t sk, std::string& problem) { return row_of(sk, b, problem); });
  }
}

// The timer column pair "tr:tm->when" and the jiffy-valued columns need
// HZ; without it they are printed as '?' and the listing says why.
inline std::string ticks_hex(const std::optional<std::uint64_t>& t) {
  return t ? format("%08lX", static_cast<unsigned long>(*t)) : std::string("????????");
}
inline std::string ticks_dec(const std::optional<std::uint64_t>& t) {
  return t ? std::to_string(*t) : std::string("?");
}

// The inet listings' addresses and ports, for JSON.
inline void inet_addresses(const reader& rd, const objects::object& o, std::string_view common, bool v6, socket_row& row,
                           unsigned local_port, unsigned remote_port) {
  row.local_port = local_port;
  row.remote_port = remote_port;
  if (!v6) {
    row.local = ipv4_text(static_cast<std::uint32_t>(member(o, common, "skc_rcv_saddr")), rd.little());
    row.remote = ipv4_text(static_cast<std::uint32_t>(member(o, common, "skc_daddr")), rd.little());
    return;
  }
  const auto& ty = rd.objects().types();
  const auto put = [&](const char* name, std::string& text) {
    const auto f = ty.field(o.type(), std::string(common) + name);
    if (!f || f->offset + 16 > o.bytes().size()) return;
    std::uint8_t a[16];
    for (int i = 0; i < 16; ++i) a[i] = o.bytes()[f->offset + i];
    text = ipv6_text(a);
  };
  put("skc_v6_rcv_saddr", row.local);
  put("skc_v6_daddr", row.remote);
}

inline std::string inet_endpoints(const reader& rd, const objects::object& o, std::string_view common, bool v6,
                                  unsigned sport, unsigned dport) {
  if (!v6)
    return format("%08X:%04X %08X:%04X", static_cast<unsigned>(member(o, common, "skc_rcv_saddr")), sport,
                  static_cast<unsigned>(member(o, common, "skc_daddr")), dport);
  const auto& ty = rd.objects().types();
  const auto src = ty.field(o.type(), std::string(common) + "skc_v6_rcv_saddr");
  const auto dst = ty.field(o.type(), std::string(common) + "skc_v6_daddr");
  if (!src || !dst) return {};
  return ipv6_words(o, src->offset) + format(":%04X ", sport) + ipv6_words(o, dst->offset) + format(":%04X", dport);
}

// One TCP row: a full socket, a time-wait socket or a request socket, by
// its state, as get_tcp4_sock / get_timewait4_sock / get_openreq4 (and
// their IPv6 twins) print it.
inline std::optional<socket_row> tcp_row(const reader& rd, std::uint64_t sk, bool v6, std::size_t number,
                                         std::string& problem) {
  const auto& r = rd.objects();
  auto common = r.read(sk, "sock_common");
  if (!common) {
    problem = "socket at " + mquire::detail::hex(sk) + ": " + common.err().message;
    return std::nullopt;
  }
  const unsigned family = static_cast<unsigned>(common->u("skc_family").value_or(0));
  if (family != (v6 ? af_inet6 : af_inet) || !rd.in_init_net(*common, "")) return std::nullopt;
  const unsigned state = static_cast<unsigned>(common->u("skc_state").value_or(0));
  socket_row row;
  row.sock = sk;
  row.family = family;
  row.state = state;
  const char* lead = "%4zu: ";
  if (state == tcp_time_wait) {
    auto tw = r.read(sk, "inet_timewait_sock");
    if (!tw) {
      problem = "time-wait socket at " + mquire::detail::hex(sk) + ": " + tw.err().message;
      return std::nullopt;
    }
    const unsigned sport = net_to_host16(tw->u("tw_sport").value_or(0), rd.little());
    const unsigned dport = net_to_host16(member(*tw, "__tw_common.", "skc_dport"), rd.little());
    const auto when = rd.ticks_until(tw->u("tw_timer.expires").value_or(0));
    row.refcount = member(*tw, "__tw_common.", "skc_refcnt.refs.counter");
    row.state = static_cast<unsigned>(tw->u("tw_substate").value_or(0));
    row.line = format(lead, number) + inet_endpoints(rd, *tw, "__tw_common.", v6, sport, dport) +
               format(" %02X %08X:%08X %02X:", row.state, 0u, 0u, 3u) + ticks_hex(when) +
               format(" %08X %5d %8d %d %d ", 0u, 0, 0, 0, static_cast<int>(row.refcount)) + rd.pointer(sk);
    inet_addresses(rd, *tw, "__tw_common.", v6, row, sport, dport);
    return row;
  }
  if (state == tcp_new_syn_recv) {
    auto req = r.read(sk, "request_sock");
    if (!req) {
      problem = "request socket at " + mquire::detail::hex(sk) + ": " + req.err().message;
      return std::nullopt;
    }
    const unsigned num = static_cast<unsigned>(member(*req, "__req_common.", "skc_num"));
    const unsigned rport = net_to_host16(member(*req, "__req_common.", "skc_dport"), rd.little());
    const auto when = rd.ticks_until(req->u("rsk_timer.expires").value_or(0));
    std::uint32_t uid = 0;
    if (const auto listener = req->u("rsk_listener"); listener && *listener)
      if (auto l = r.read(*listener, "sock")) uid = static_cast<std::uint32_t>(l->u("sk_uid.val").value_or(0));
    row.uid = uid;
    row.state = tcp_syn_recv;
    row.line = format(lead, number) + inet_endpoints(rd, *req, "__req_common.", v6, num, rport) +
               format(" %02X %08X:%08X %02X:", tcp_syn_recv, 0u, 0u, 1u) + ticks_hex(when) +
               format(" %08X %5u %8d %u %d ", static_cast<unsigned>(req->u("num_timeout").value_or(0)), uid, 0, 0u, 0) +
               rd.pointer(sk);
    inet_addresses(rd, *req, "__req_common.", v6, row, num, rport);
    return row;
  }
  auto tp = r.read(sk, "tcp_sock");
  if (!tp) {
    problem = "TCP socket at " + mquire::detail::hex(sk) + ": " + tp.err().message;
    return std::nullopt;
  }
  const std::string icsk = "inet_conn.", inet = "inet_conn.icsk_inet.", sock = "inet_conn.icsk_inet.sk.",
                    skc = "inet_conn.icsk_inet.sk.__sk_common.";
  const sock_fields f = read_sock_fields(r, *tp, sock);
  const unsigned sport = net_to_host16(member(*tp, inet, "inet_sport"), rd.little());
  const unsigned dport = net_to_host16(member(*tp, skc, "skc_dport"), rd.little());
  // Which timer is pending, as the kernel decides it: icsk_pending's
  // retransmission-like and probe timers first, then sk_timer.
  const unsigned pending = static_cast<unsigned>(member(*tp, icsk, "icsk_pending"));
  unsigned timer_active = 0;
  std::optional<std::uint64_t> expires;
  const auto icsk_timeout = [&]() -> std::uint64_t {
    if (const auto v = tp->u(icsk + "icsk_timeout")) return *v;
    if (const auto v = tp->u(icsk + "icsk_retransmit_timer.expires")) return *v;
    return member(*tp, sock, "tcp_retransmit_timer.expires");
  };
  if (pending == 1 || pending == 5 || pending == 6) timer_active = 1, expires = icsk_timeout();
  else if (pending == 3) timer_active = 4, expires = icsk_timeout();
  else if (member(*tp, sock, "sk_timer.entry.pprev") != 0) timer_active = 2, expires = member(*tp, sock, "sk_timer.expires");
  const std::optional<std::uint64_t> when = expires ? rd.ticks_until(*expires) : std::optional<std::uint64_t>(0);
  const std::uint32_t write_seq = static_cast<std::uint32_t>(tp->u("write_seq").value_or(0));
  const std::uint32_t snd_una = static_cast<std::uint32_t>(tp->u("snd_una").value_or(0));
  std::int64_t rx_queue;
  if (state == tcp_listen) {
    rx_queue = static_cast<std::int64_t>(member(*tp, sock, "sk_ack_backlog"));
  } else {
    const auto d = static_cast<std::int32_t>(static_cast<std::uint32_t>(tp->u("rcv_nxt").value_or(0)) -
                                             static_cast<std::uint32_t>(tp->u("copied_seq").value_or(0)));
    rx_queue = d > 0 ? d : 0;
  }
  const unsigned quick = static_cast<unsigned>(member(*tp, icsk, "icsk_ack.quick"));
  const bool pingpong = member(*tp, icsk, "icsk_ack.pingpong") >= rd.pingpong_threshold();
  const auto ssthresh = static_cast<std::uint32_t>(tp->u("snd_ssthresh").value_or(0));
  const int last = state == tcp_listen ? static_cast<int>(signed_member(*tp, icsk, "icsk_accept_queue.fastopenq.max_qlen"))
                   : ssthresh >= 0x7fffffffu ? -1
                                             : static_cast<int>(ssthresh);
  row.tx_queue = static_cast<std::uint32_t>(write_seq - snd_una);
  row.rx_queue = rx_queue;
  row.uid = f.uid;
  row.inode = f.inode;
  row.refcount = f.refcnt;
  row.line = format(lead, number) + inet_endpoints(rd, *tp, skc, v6, sport, dport) +
             format(" %02X %08X:%08X %02X:", state, static_cast<unsigned>(row.tx_queue), static_cast<unsigned>(rx_queue),
                    timer_active) +
             ticks_hex(when) +
             format(" %08X %5u %8d %lu %d ", static_cast<unsigned>(member(*tp, icsk, "icsk_retransmits")), f.uid,
                    static_cast<int>(member(*tp, icsk, "icsk_probes_out")), static_cast<unsigned long>(f.inode),
                    static_cast<int>(f.refcnt)) +
             rd.pointer(sk) + " " + ticks_dec(rd.clock_ticks(member(*tp, icsk, "icsk_rto"))) + " " +
             ticks_dec(rd.clock_ticks(member(*tp, icsk, "icsk_ack.ato"))) +
             format(" %u %u %d", (quick << 1) | (pingpong ? 1u : 0u),
                    static_cast<unsigned>(tp->u("snd_cwnd").value_or(0)), last);
  inet_addresses(rd, *tp, skc, v6, row, sport, dport);
  return row;
}

// The hashinfo TCP's sockets are in: the namespace's (6.1+), else the
// global tcp_hashinfo.
inline std::optional<std::uint64_t> tcp_hashinfo(const reader& rd) {
  if (const auto p = rd.net_pointer("ipv4.tcp_death_row.hashinfo"); p && *p) return p;
  return rd.symbols().address("tcp_hashinfo");
}

inline listing read_tcp(const reader& rd, bool v6, std::size_t& listed) {
  listing out;
  out.name = v6 ? "tcp6" : "tcp";
  out.header = v6 ? "  sl  local_address                         remote_address                        st tx_queue "
                    "rx_queue tr tm->when retrnsmt   uid  timeout inode"
                  : "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode";
  if (!v6) pad_to(out.header, 149);
  const auto& r = rd.objects();
  const auto hashinfo = tcp_hashinfo(rd);
  if (!hashinfo) {
    out.problem = "no TCP hash table: neither init_net's tcp_death_row.hashinfo nor a tcp_hashinfo symbol";
    return out;
  }
  auto h = r.read(*hashinfo, "inet_hashinfo");
  if (!h) {
    out.problem = "TCP hash table: " + h.err().message;
    return out;
  }
  const auto lhash2 = h->u("lhash2"), lmask = h->u("lhash2_mask"), ehash = h->u("ehash"), emask = h->u("ehash_mask");
  const auto lbucket = r.types().struct_size("inet_listen_hashbucket");
  const auto lhead = r.types().field("inet_listen_hashbucket", "nulls_head");
  const auto ebucket = r.types().struct_size("inet_ehash_bucket");
  if (!lhash2 || !lmask || !ehash || !emask || !lbucket || !lhead || !ebucket) {
    out.problem = "this kernel's TCP hash tables are not laid out as 5.19 and later lay them out (lhash2 of "
                  "hlist_nulls, ehash)";
    return out;
  }
  if (*lmask >= max_hash_buckets || *emask >= max_hash_buckets) {
    out.problem = "TCP hash table at " + mquire::detail::hex(*hashinfo) + ": implausible sizes";
    return out;
  }
  // Rows are numbered across both tables, as st->num counts them.
  const auto row_of = [&](std::uint64_t sk, std::uint64_t, std::string& problem) {
    return tcp_row(rd, sk, v6, out.rows.size(), problem);
  };
  const std::size_t width = v6 ? 0 : 149;
  add_table_rows(rd, "TCP listening", *lhash2 + lhead->offset, *lmask + 1, *lbucket, objects::hlist_end::nulls_marker,
                 width, out, listed, row_of);
  add_table_rows(rd, "TCP established", *ehash, *emask + 1, *ebucket, objects::hlist_end::nulls_marker, width, out,
                 listed, row_of);
  return out;
}

// A datagram row (udp, udp6, raw, raw6) as udp4_format_sock,
// raw_sock_seq_show and __ip6_dgram_sock_seq_show print it.
inline std::optional<socket_row> datagram_row(const reader& rd, std::uint64_t sk, const char* type, bool v6, bool raw,
                                              std::uint64_t bucket, std::string& problem) {
  const auto& r = rd.objects();
  auto common = r.read(sk, "sock_common");
  if (!common) {
    problem = "socket at " + mquire::detail::hex(sk) + ": " + common.err().message;
    return std::nullopt;
  }
  const unsigned family = static_cast<unsigned>(common->u("skc_family").value_or(0));
  if (family != (v6 ? af_inet6 : af_inet) || !rd.in_init_net(*common, "")) return std::nullopt;
  auto o = r.read(sk, type);
  if (!o) {
    problem = "socket at " + mquire::detail::hex(sk) + ": " + o.err().message;
    return std::nullopt;
  }
  const std::string inet = raw ? "" : "inet.";
  const std::string sock = inet + "sk.", skc = sock + "__sk_common.";
  const sock_fields f = read_sock_fields(r, *o, sock);
  socket_row row;
  row.sock = sk;
  row.family = family;
  row.state = f.state;
  row.uid = f.uid;
  row.inode = f.inode;
  row.refcount = f.refcnt;
  row.tx_queue = f.wmem;
  // udp_rqueue_get: the receive allocation less the forward deficit.
  row.rx_queue = raw ? f.rmem : f.rmem - signed_member(*o, "", "forward_deficit");
  const unsigned sport = raw ? static_cast<unsigned>(member(*o, skc, "skc_num"))
                             : net_to_host16(member(*o, inet, "inet_sport"), rd.little());
  const unsigned dport = raw ? 0 : net_to_host16(member(*o, skc, "skc_dport"), rd.little());
  const char* lead = raw && !v6 ? "%4llu: " : "%5llu: ";
  row.line = format(lead, static_cast<unsigned long long>(bucket)) + inet_endpoints(rd, *o, skc, v6, sport, dport) +
             format(" %02X %08X:%08X %02X:%08lX %08X %5u %8d %lu %d ", f.state, static_cast<unsigned>(row.tx_queue),
                    static_cast<unsigned>(row.rx_queue), 0u, 0ul, 0u, f.uid, 0, static_cast<unsigned long>(f.inode),
                    static_cast<int>(f.refcnt)) +
             rd.pointer(sk) + format(" %u", static_cast<unsigned>(f.drops));
  inet_addresses(rd, *o, skc, v6, row, sport, dport);
  return row;
}

inline const char* dgram6_header() {
  return "  sl  local_address                         remote_address                        st tx_queue rx_queue tr "
         "tm->when retrnsmt   uid  timeout inode ref pointer drops";
}

inline listing read_udp(const reader& rd, bool v6, std::size_t& listed) {
  listing out;
  out.name = v6 ? "udp6" : "udp";
  if (v6) out.header = dgram6_header();
  else {
    out.header = "   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref "
                 "pointer drops";
    pad_to(out.header, 127);
  }
  const auto& r = rd.objects();
  std::optional<std::uint64_t> table = rd.net_pointer("ipv4.udp_table");
  if (!table || !*table) table = rd.symbols().address("udp_table");
  if (!table) {
    out.problem = "no UDP hash table: neither init_net's ipv4.udp_table nor a udp_table symbol";
    return out;
  }
  auto t = r.read(*table, "udp_table");
  if (!t) {
    out.problem = "UDP hash table: " + t.err().message;
    return out;
  }
  const auto hash = t->u("hash"), mask = t->u("mask");
  const auto slot = r.types().struct_size("udp_hslot");
  if (!hash || !mask || !slot || *mask >= max_hash_buckets) {
    out.problem = "UDP hash table at " + mquire::detail::hex(*table) + ": no hash or mask, or an implausible mask";
    return out;
  }
  add_table_rows(rd, "UDP", *hash, *mask + 1, *slot, objects::hlist_end::null, v6 ? 0 : 127, out, listed,
                 [&](std::uint64_t sk, std::uint64_t bucket, std::string& problem) {
                   return datagram_row(rd, sk, "udp_sock", v6, false, bucket, problem);
                 });
  return out;
}

inline listing read_raw(const reader& rd, bool v6, std::size_t& listed) {
  listing out;
  out.name = v6 ? "raw6" : "raw";
  out.header = v6 ? dgram6_header()
                  : "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref "
                    "pointer drops";
  const auto& r = rd.objects();
  const char* symbol = v6 ? "raw_v6_hashinfo" : "raw_v4_hashinfo";
  const auto info = rd.symbols().address(symbol);
  const auto ht = r.types().field("raw_hashinfo", "ht");
  if (!info || !ht || ht->count == 0 || ht->element_size == 0) {
    out.problem = std::string("no ") + symbol + " symbol, or no raw_hashinfo.ht in the types";
    return out;
  }
  // 6.0 and 6.1 chained raw sockets as hlist_nulls, the others as plain
  // hlists: a walk that ends at either marker reads both.
  add_table_rows(rd, symbol, *info + ht->offset, ht->count, ht->element_size, objects::hlist_end::either, 0, out, listed,
                 [&](std::uint64_t sk, std::uint64_t bucket, std::string& problem) {
                   return datagram_row(rd, sk, "inet_sock", v6, true, bucket, problem);
                 });
  return out;
}

// unix_seq_show: refcount, protocol 0, flags (__SO_ACCEPTCON for a
// listener), type, the socket state (SS_*), inode, and the bound name with
// NULs shown as '@'.
inline std::optional<socket_row> unix_row(const reader& rd, std::uint64_t sk, std::string& problem) {
  const auto& r = rd.objects();
  auto u = r.read(sk, "unix_sock");
  if (!u) {
    problem = "unix socket at " + mquire::detail::hex(sk) + ": " + u.err().message;
    return std::nullopt;
  }
  const sock_fields f = read_sock_fields(r, *u, "sk.");
  socket_row row;
  row.sock = sk;
  row.family = af_unix;
  row.refcount = f.refcnt;
  row.inode = f.inode;
  row.uid = f.uid;
  row.type = static_cast<unsigned>(member(*u, "sk.", "sk_type"));
  row.flags = f.state == tcp_listen ? so_acceptcon : 0;
  const bool has_socket = member(*u, "sk.", "sk_socket") != 0;
  // SS_CONNECTED 3, SS_UNCONNECTED 1, SS_CONNECTING 2, SS_DISCONNECTING 4
  row.state = has_socket ? (f.state == tcp_established ? 3 : 1) : (f.state == tcp_established ? 2 : 4);
  row.line = rd.pointer(sk) + format(": %08X %08X %08X %04X %02X %5lu", static_cast<unsigned>(f.refcnt), 0u,
                                     static_cast<unsigned>(row.flags), row.type, row.state,
                                     static_cast<unsigned long>(f.inode));
  const auto addr_len = r.types().field("unix_address", "len"), addr_name = r.types().field("unix_address", "name");
  if (const auto a = u->u("addr"); a && *a && addr_len && addr_name) {
    const auto len = r.memory().uint(*a + addr_len->offset, 4);
    // sockaddr_un: a 2-byte family, then at most 108 bytes of path.
    const auto bytes = len && *len >= 2 && *len <= 110
                           ? r.bytes(*a + addr_name->offset + 2, static_cast<std::size_t>(*len - 2))
                           : std::nullopt;
    if (!bytes) {
      problem = "unix socket at " + mquire::detail::hex(sk) + ": its address is not in the dump or not a sockaddr_un";
      return std::nullopt;
    }
    std::string path;
    std::size_t n = bytes->size(), i = 0;
    if (n > 0 && (*bytes)[0] != 0) --n; // a filesystem name's length counts its NUL
    else if (n > 0) path += '@', i = 1;
    for (; i < n; ++i) path += (*bytes)[i] ? static_cast<char>((*bytes)[i]) : '@';
    row.line += " " + path;
    row.path = path;
  }
  return row;
}

inline listing read_unix(const reader& rd, std::size_t& listed) {
  listing out;
  out.name = "unix";
  out.header = "Num       RefCount Protocol Flags    Type St Inode Path";
  const auto buckets = rd.net_pointer("unx.table.buckets");
  if (!buckets || !*buckets) {
    out.problem = "no unix socket table: init_net's unx.table.buckets (5.18 and later) is not readable";
    return out;
  }
  constexpr std::uint64_t unix_hash_size = 512; // UNIX_HASH_SIZE: 256 unbound-or-bound slots, twice
  add_table_rows(rd, "unix socket", *buckets, unix_hash_size, rd.objects().pointer_size(), objects::hlist_end::null, 0,
                 out, listed, [&](std::uint64_t sk, std::uint64_t, std::string& problem) { return unix_row(rd, sk, problem); });
  return out;
}

inline std::optional<socket_row> packet_row(const reader& rd, std::uint64_t sk, std::string& problem) {
  const auto& r = rd.objects();
  auto p = r.read(sk, "packet_sock");
  if (!p) {
    problem = "packet socket at " + mquire::detail::hex(sk) + ": " + p.err().message;
    return std::nullopt;
  }
  const sock_fields f = read_sock_fields(r, *p, "sk.");
  // PACKET_SOCK_RUNNING is a bit of po->flags from 6.5, a bitfield before.
  const auto running_bit = r.types().enumerator("PACKET_SOCK_RUNNING");
  socket_row row;
  row.sock = sk;
  row.refcount = f.refcnt;
  row.type = static_cast<unsigned>(member(*p, "sk.", "sk_type"));
  row.protocol = net_to_host16(p->u("num").value_or(0), rd.little());
  row.ifindex = static_cast<unsigned>(p->s("ifindex").value_or(0));
  row.running = running_bit && *running_bit >= 0 && *running_bit < 64
                    ? ((p->u("flags").value_or(0) >> *running_bit) & 1) != 0
                    : p->u("running").value_or(0) != 0;
  row.rx_queue = f.rmem;
  row.uid = f.uid;
  row.inode = f.inode;
  row.line = rd.pointer(sk) + format(" %-6d %-4d %04x   %-5d %1d %-6u %-6u %-6lu", static_cast<int>(f.refcnt),
                                     static_cast<int>(row.type), row.protocol, static_cast<int>(row.ifindex),
                                     row.running ? 1 : 0, static_cast<unsigned>(f.rmem), f.uid,
                                     static_cast<unsigned long>(f.inode));
  return row;
}

// packet_seq_show: the namespace's packet socket list, in list order.
inline listing read_packet(const reader& rd, std::size_t& listed) {
  listing out;
  out.name = "packet";
  out.header = rd.objects().pointer_size() == 8 ? "sk               RefCnt Type Proto  Iface R Rmem   User   Inode"
                                                : "sk       RefCnt Type Proto  Iface R Rmem   User   Inode";
  const auto list = rd.net_field("packet.sklist");
  if (!list || !rd.init_net()) {
    out.problem = "no packet socket list: init_net has no packet.sklist";
    return out;
  }
  add_chain_rows(rd, *rd.init_net() + list->offset, objects::hlist_end::null, 0, out, listed,
                 [&](std::uint64_t sk, std::string& problem) { return packet_row(rd, sk, problem); });
  return out;
}

// if6_seq_show: each IPv6 address of the namespace, in the order of the
// address hash (net->ipv6.inet6_addr_lst from 5.19, the global
// inet6_addr_lst before), as "%pi6 %02x %02x %02x %02x %8s".
inline listing read_if_inet6(const reader& rd) {
  listing out;
  out.name = "if_inet6";
  const auto& r = rd.objects();
  const auto node = r.types().field("inet6_ifaddr", "addr_lst");
  constexpr std::uint64_t buckets = 256; // IN6_ADDR_HSIZE
  std::optional<std::uint64_t> table = rd.net_pointer("ipv6.inet6_addr_lst");
  if (!rd.net_field("ipv6.inet6_addr_lst")) table = rd.symbols().address("inet6_addr_lst");
  if (!node || !table || !*table) {
    out.problem = "no IPv6 address hash: neither init_net's ipv6.inet6_addr_lst nor an inet6_addr_lst symbol";
    return out;
  }
  for (std::uint64_t b = 0; b < buckets && out.problem.empty(); ++b) {
    const auto w = objects::walk_hlist(r, *table + b * r.pointer_size(), max_chain_sockets);
    if (!w.problem.empty()) out.problem = w.problem;
    for (const auto n : w.nodes) {
      auto ifa = r.read(n - node->offset, "inet6_ifaddr");
      if (!ifa) {
        out.problem = "IPv6 address at " + mquire::detail::hex(n - node->offset) + ": " + ifa.err().message;
        break;
      }
      auto idev = r.follow(*ifa, "idev", "inet6_dev");
      auto dev = idev ? r.follow(*idev, "dev", "net_device") : result<objects::object>(idev.err());
      if (!dev) {
        out.problem = "IPv6 address at " + mquire::detail::hex(ifa->address()) + ": its device: " + dev.err().message;
        break;
      }
      if (const auto dn = dev->u("nd_net.net"); dn && rd.init_net() && *dn != *rd.init_net()) continue;
      const auto addr = r.types().field("inet6_ifaddr", "addr");
      if (!addr) break;
      std::string hex;
      char buf[4];
      for (int i = 0; i < 16; ++i) {
        std::snprintf(buf, sizeof buf, "%02x", ifa->bytes()[addr->offset + i]);
        hex += buf;
      }
      socket_row row;
      row.sock = ifa->address();
      row.family = af_inet6;
      std::uint8_t a[16];
      for (int i = 0; i < 16; ++i) a[i] = ifa->bytes()[addr->offset + i];
      row.local = ipv6_text(a);
      row.ifindex = static_cast<unsigned>(dev->s("ifindex").value_or(0));
      row.prefix_len = static_cast<unsigned>(ifa->u("prefix_len").value_or(0));
      row.scope = static_cast<unsigned>(ifa->u("scope").value_or(0));
      row.flags = ifa->u("flags").value_or(0) & 0xff;
      row.device = dev->chars("name").value_or("");
      row.line = hex + format(" %02x %02x %02x %02x %8s", static_cast<unsigned>(dev->s("ifindex").value_or(0)),
                              static_cast<unsigned>(ifa->u("prefix_len").value_or(0)),
                              static_cast<unsigned>(ifa->u("scope").value_or(0)),
                              static_cast<unsigned>(ifa->u("flags").value_or(0) & 0xff),
                              dev->chars("name").value_or("").c_str());
      out.rows.push_back(std::move(row));
    }
  }
  return out;
}

} // namespace detail

// Every listing of the initial network namespace. A listing that cannot be
// read is still returned, empty, with its problem; the others are whole.
// `symbols` names the drivers' counting functions for /proc/net/dev
// (without it, a device whose driver counts is shown with unknown counters).
inline net_view read_proc_net(const objects::object_reader& r, const objects::symbol_index& syms,
                              const objects::code_symbols* symbols = nullptr) {
  net_view v;
  const detail::reader rd(r, syms);
  if (!rd.printer())
    v.notes.add("pointers: kptr_restrict or the pointer hash key is not readable; the pointer columns are shown as '?'");
  if (!rd.clock().hz || !rd.clock().jiffies)
    v.notes.add("timers and timeouts: " + rd.clock().note + "; those columns are shown as '?'");
  std::size_t listed = 0;
  v.listings.push_back(detail::read_tcp(rd, false, listed));
  v.listings.push_back(detail::read_tcp(rd, true, listed));
  v.listings.push_back(detail::read_udp(rd, false, listed));
  v.listings.push_back(detail::read_udp(rd, true, listed));
  v.listings.push_back(detail::read_unix(rd, listed));
  v.listings.push_back(detail::read_raw(rd, false, listed));
  v.listings.push_back(detail::read_raw(rd, true, listed));
  v.listings.push_back(detail::read_packet(rd, listed));
  if (auto interfaces = read_interfaces(r, syms)) {
    v.devices = read_device_counters(r, syms, symbols, *interfaces);
    std::string problem;
    for (const auto& n : interfaces->notes) problem += (problem.empty() ? "" : "; ") + n;
    v.listings.push_back(device_counters_listing(v.devices, std::move(problem)));
  } else {
    v.listings.push_back(device_counters_listing({}, interfaces.err().message));
  }
  v.listings.push_back(detail::read_if_inet6(rd));
  return v;
}

// A listing as its /proc/net file reads.
inline std::string listing_text(const listing& l) {
  std::string out = l.header.empty() ? std::string() : l.header + "\n";
  for (const auto& row : l.rows) out += row.line + "\n";
  return out;
}

} // namespace mquire::network
