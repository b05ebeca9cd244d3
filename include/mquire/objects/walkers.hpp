// SPDX-License-Identifier: Apache-2.0
// The kernel's linked structures walked from a dump: circular lists
// (list_head), hash lists (hlist), red-black trees, xarrays (the IDR) and
// maple trees. Every walk is bounded by a node budget and cycle-safe; each
// link is checked before it is followed (kernel half, aligned, readable,
// and for a list the back link agreeing), and a walk that meets a broken
// link stops there and says why: the nodes before it are real, nothing
// after it is guessed.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <unordered_set>
#include <vector>

#include "../detail/hex.hpp"
#include "object_reader.hpp"

namespace mquire::objects {

struct walk_result {
  std::vector<std::uint64_t> nodes; // addresses of the embedded nodes (or entries), in walk order
  std::string problem;              // why the walk stopped early; empty when it ended normally
};

namespace detail {
inline std::string at_hex(std::uint64_t a) { return mquire::detail::hex(a); }
} // namespace detail

// A circular list_head at `head`: every node's address in `next` order,
// the head left out. A node whose `prev` does not point back at the node
// before it ends the walk (a torn or forged link), as does a cycle that
// does not return to the head.
inline walk_result walk_list(const object_reader& r, std::uint64_t head, std::size_t limit) {
  walk_result w;
  const unsigned ps = r.pointer_size();
  std::unordered_set<std::uint64_t> seen;
  std::uint64_t prev = head;
  auto next = r.pointer(head);
  if (!next) {
    w.problem = "list head at " + detail::at_hex(head) + " is not readable";
    return w;
  }
  while (*next != head) {
    if (!r.kernel_pointer(*next, ps)) {
      w.problem = "list at " + detail::at_hex(head) + ": link " + detail::at_hex(*next) + " after " +
                  detail::at_hex(prev) + " is not a kernel pointer";
      return w;
    }
    if (w.nodes.size() >= limit) {
      w.problem = "list at " + detail::at_hex(head) + ": more than " + std::to_string(limit) + " nodes";
      return w;
    }
    if (!seen.insert(*next).second) {
      w.problem = "list at " + detail::at_hex(head) + " loops back to " + detail::at_hex(*next) +
                  " without returning to its head";
      return w;
    }
    const auto back = r.pointer(*next + ps);
    if (!back || *back != prev) {
      w.problem = "list at " + detail::at_hex(head) + ": node " + detail::at_hex(*next) +
                  (back ? " points back to " + detail::at_hex(*back) + ", not to " + detail::at_hex(prev)
                        : std::string(" is not readable"));
      return w;
    }
    w.nodes.push_back(*next);
    prev = *next;
    next = r.pointer(*next);
    if (!next) {
      w.problem = "list at " + detail::at_hex(head) + ": node " + detail::at_hex(prev) + " is not readable";
      return w;
    }
  }
  return w;
}

// How an hlist ends: at NULL; an hlist_nulls (the socket hash chains) at
// an odd "nulls" marker that names the chain; or either, for a table whose
// chains changed kind between kernels.
enum class hlist_end { null, nulls_marker, either };

// An hlist at `head` (hlist_head.first, then hlist_node.next): each node's
// address. A node's pprev must point at the link that led to it.
inline walk_result walk_hlist_ending(const object_reader& r, std::uint64_t head, std::size_t limit, hlist_end end) {
  walk_result w;
  const unsigned ps = r.pointer_size();
  std::unordered_set<std::uint64_t> seen;
  std::uint64_t link = head; // where the pointer to the current node is stored
  auto node = r.pointer(head);
  if (!node) {
    w.problem = "hlist head at " + detail::at_hex(head) + " is not readable";
    return w;
  }
  const auto at_end = [end](std::uint64_t p) {
    return end == hlist_end::null ? p == 0 : end == hlist_end::nulls_marker ? (p & 1) != 0 : p == 0 || (p & 1) != 0;
  };
  while (!at_end(*node)) {
    if (!r.kernel_pointer(*node, ps) || w.nodes.size() >= limit || !seen.insert(*node).second) {
      w.problem = "hlist at " + detail::at_hex(head) + ": stopped at " + detail::at_hex(*node) +
                  (w.nodes.size() >= limit ? " (node budget spent)" : " (not a kernel pointer, or a loop)");
      return w;
    }
    const auto pprev = r.pointer(*node + ps);
    if (!pprev || *pprev != link) {
      w.problem = "hlist at " + detail::at_hex(head) + ": node " + detail::at_hex(*node) +
                  " does not point back at its link";
      return w;
    }
    w.nodes.push_back(*node);
    link = *node;
    node = r.pointer(*node);
    if (!node) {
      w.problem = "hlist at " + detail::at_hex(head) + ": node " + detail::at_hex(link) + " is not readable";
      return w;
    }
  }
  return w;
}

inline walk_result walk_hlist(const object_reader& r, std::uint64_t head, std::size_t limit) {
  return walk_hlist_ending(r, head, limit, hlist_end::null);
}

// A red-black tree from its root node pointer (rb_root.rb_node): every
// node in order (left, node, right). rb_node is { parent_color, right,
// left }; a child's parent must be the node it hangs from.
inline walk_result walk_rbtree(const object_reader& r, std::uint64_t root, std::size_t limit) {
  walk_result w;
  const unsigned ps = r.pointer_size();
  std::unordered_set<std::uint64_t> seen;
  std::vector<std::uint64_t> stack;
  std::uint64_t at = root;
  std::uint64_t parent = 0;
  while (at != 0 || !stack.empty()) {
    while (at != 0) {
      if (!r.kernel_pointer(at, ps) || !seen.insert(at).second || seen.size() > limit) {
        w.problem = "rb-tree at " + detail::at_hex(root) + ": stopped at " + detail::at_hex(at);
        return w;
      }
      const auto pc = r.pointer(at);
      if (!pc || (at != root && (*pc & ~std::uint64_t{3}) != parent)) {
        w.problem = "rb-tree at " + detail::at_hex(root) + ": node " + detail::at_hex(at) +
                    " does not name its parent " + detail::at_hex(parent);
        return w;
      }
      stack.push_back(at);
      const auto left = r.pointer(at + 2 * ps);
      if (!left) {
        w.problem = "rb-tree node " + detail::at_hex(at) + " is not readable";
        return w;
      }
      parent = at;
      at = *left;
    }
    at = stack.back();
    stack.pop_back();
    w.nodes.push_back(at);
    const auto right = r.pointer(at + ps);
    if (!right) {
      w.problem = "rb-tree node " + detail::at_hex(at) + " is not readable";
      return w;
    }
    parent = at;
    at = *right;
  }
  return w;
}

// Every entry stored in an xarray (the IDR's idr_rt), in index order, with
// its index. Internal entries (nodes, retry and zero entries) are not
// entries; a node's shift must drop by its level's width at every step.
struct xarray_entry {
  std::uint64_t index = 0;
  std::uint64_t value = 0;
  // How many indices the entry covers: a multi-index entry (a large folio
  // in the page cache) fills its slot and the sibling slots after it, each
  // slot covering 1 << shift indices.
  std::uint64_t span = 1;
};
struct xarray_walk {
  std::vector<xarray_entry> entries;
  std::string problem;
};

namespace detail {
// The walk itself; entries come out in stack order.
inline xarray_walk walk_xarray_unsorted(const object_reader& r, std::uint64_t xarray_address, std::size_t limit) {
  xarray_walk w;
  const auto& ty = r.types();
  const auto head_f = ty.field("xarray", "xa_head");
  const auto shift_f = ty.field("xa_node", "shift");
  const auto slots_f = ty.field("xa_node", "slots");
  if (!head_f || !shift_f || !slots_f || slots_f->count == 0 || slots_f->count > 256) {
    w.problem = "the kernel's types lack xarray.xa_head, xa_node.shift or xa_node.slots";
    return w;
  }
  const auto head = r.pointer(xarray_address + head_f->offset);
  if (!head) {
    w.problem = "xarray at " + detail::at_hex(xarray_address) + " is not readable";
    return w;
  }
  const auto is_node = [](std::uint64_t e) { return (e & 3) == 2 && e > 4096; };
  const auto is_internal = [](std::uint64_t e) { return (e & 3) == 2; };
  if (*head == 0) return w;
  if (!is_node(*head)) {
    if (!is_internal(*head)) w.entries.push_back({0, *head});
    return w;
  }
  const std::uint64_t per = slots_f->count;
  unsigned bits = 0;
  while ((std::uint64_t{1} << bits) < per) ++bits;
  struct frame {
    std::uint64_t node;
    std::uint64_t base;
    int expect_shift; // -1: the top node (any shift)
  };
  std::vector<frame> todo{{*head - 2, 0, -1}};
  std::unordered_set<std::uint64_t> seen;
  std::size_t nodes = 0;
  while (!todo.empty()) {
    const frame f = todo.back();
    todo.pop_back();
    if (!r.kernel_pointer(f.node, 8) || !seen.insert(f.node).second || ++nodes > limit) {
      w.problem = "xarray at " + detail::at_hex(xarray_address) + ": node " + detail::at_hex(f.node) +
                  " is not a kernel address, repeats, or is past the node budget";
      return w;
    }
    const auto sh = r.memory().uint(f.node + shift_f->offset, 1);
    std::vector<std::uint8_t> raw(static_cast<std::size_t>(per * r.pointer_size()));
    if (!sh || !r.memory().read(f.node + slots_f->offset, raw.data(), raw.size()) ||
        (f.expect_shift >= 0 && *sh != static_cast<std::uint64_t>(f.expect_shift)) || *sh > 64 - bits) {
      w.problem = "xarray node " + detail::at_hex(f.node) + " is not readable or has a shift out of place";
      return w;
    }
    const byte_reader br{std::span<const std::uint8_t>(raw)};
    const auto slot = [&](std::uint64_t i) {
      return br.uint_unchecked(static_cast<std::size_t>(i * r.pointer_size()), r.pointer_size(), r.memory().order());
    };
    // A sibling entry names the slot of the entry it extends (xa_mk_sibling:
    // the slot's offset, tagged internal), which lies before it.
    std::vector<std::uint64_t> siblings(static_cast<std::size_t>(per), 0);
    for (std::uint64_t i = 0; i < per; ++i)
      if (const std::uint64_t e = slot(i); is_internal(e) && (e >> 2) < per && (e >> 2) < i) ++siblings[e >> 2];
    // Children are pushed in reverse so that entries come out in index order.
    for (std::uint64_t i = per; i-- > 0;) {
      const std::uint64_t e = slot(i);
      if (e == 0) continue;
      const std::uint64_t index = f.base + (i << *sh);
      if (is_node(e)) {
        if (*sh == 0) {
          w.problem = "xarray node " + detail::at_hex(f.node) + " at shift 0 points to another node";
          return w;
        }
        todo.push_back({e - 2, index, static_cast<int>(*sh - bits)});
      } else if (!is_internal(e)) {
        w.entries.push_back({index, e, (siblings[static_cast<std::size_t>(i)] + 1) << *sh});
        if (w.entries.size() > limit) {
          w.problem = "xarray at " + detail::at_hex(xarray_address) + ": more than " + std::to_string(limit) +
                      " entries";
          return w;
        }
      }
    }
  }
  return w;
}
} // namespace detail

// Entries in index order on every path, an early stop's too (a walk cut
// short by a broken node still returns what it read, sorted).
inline xarray_walk walk_xarray(const object_reader& r, std::uint64_t xarray_address, std::size_t limit) {
  auto w = detail::walk_xarray_unsorted(r, xarray_address, limit);
  std::stable_sort(w.entries.begin(), w.entries.end(),
                   [](const xarray_entry& a, const xarray_entry& b) { return a.index < b.index; });
  return w;
}

// Every entry of a maple tree (mm->mm_mt, the VMAs from 6.1), in index
// order. A node pointer carries its type in bits 3..6 (leaf or range nodes
// with 16 slots and 15 pivots, allocation-range nodes with 10 and 9); the
// slots a node uses end where its pivots reach its maximum, or at the end
// its metadata gives.
inline walk_result walk_maple_tree(const object_reader& r, std::uint64_t tree_address, std::size_t limit) {
  walk_result w;
  const auto& ty = r.types();
  const auto root_f = ty.field("maple_tree", "ma_root");
  const auto r64_piv = ty.field("maple_range_64", "pivot");
  const auto r64_slot = ty.field("maple_range_64", "slot");
  const auto r64_meta = ty.field("maple_range_64", "meta.end");
  const auto a64_piv = ty.field("maple_arange_64", "pivot");
  const auto a64_slot = ty.field("maple_arange_64", "slot");
  const auto a64_meta = ty.field("maple_arange_64", "meta.end");
  const auto node_size = ty.struct_size("maple_node");
  if (!root_f || !r64_piv || !r64_slot || !a64_piv || !a64_slot || !a64_meta || !r64_meta || !node_size ||
      r64_piv->count + 1 != r64_slot->count || a64_piv->count + 1 != a64_slot->count || r64_slot->count > 64) {
    w.problem = "the kernel's types do not describe the maple tree nodes this reader knows";
    return w;
  }
  const std::int64_t leaf64 = ty.enumerator("maple_leaf_64").value_or(1);
  const std::int64_t range64 = ty.enumerator("maple_range_64").value_or(2);
  const std::int64_t arange64 = ty.enumerator("maple_arange_64").value_or(3);
  const auto root = r.pointer(tree_address + root_f->offset);
  if (!root) {
    w.problem = "maple tree at " + detail::at_hex(tree_address) + " is not readable";
    return w;
  }
  if (*root == 0) return w;
  const auto is_node = [](std::uint64_t e) { return (e & 3) == 2 && e > 4096; };
  if (!is_node(*root)) { // a lone entry at index 0
    if ((*root & 3) != 2) w.nodes.push_back(*root);
    return w;
  }
  const unsigned ps = r.pointer_size();
  struct frame {
    std::uint64_t enode;
    std::uint64_t max;
    unsigned depth;
  };
  std::vector<frame> todo{{*root, ~std::uint64_t{0}, 0}};
  std::unordered_set<std::uint64_t> seen;
  std::vector<std::uint8_t> raw(static_cast<std::size_t>(*node_size));
  while (!todo.empty()) {
    const frame f = todo.back();
    todo.pop_back();
    const std::uint64_t node = f.enode & ~std::uint64_t{255};
    const std::int64_t type = static_cast<std::int64_t>((f.enode >> 3) & 0xf);
    if (!r.kernel_pointer(node, 256) || !seen.insert(node).second || seen.size() > limit || f.depth > 32 ||
        !r.memory().read(node, raw.data(), raw.size())) {
      w.problem = "maple tree at " + detail::at_hex(tree_address) + ": node " + detail::at_hex(node) +
                  " is not readable, repeats, or is past the budget";
      return w;
    }
    const bool arange = type == arange64;
    if (type != leaf64 && type != range64 && !arange) {
      w.problem = "maple tree node " + detail::at_hex(node) + " has type " + std::to_string(type) +
                  ", which this reader does not walk";
      return w;
    }
    const field_ref& piv = arange ? *a64_piv : *r64_piv;
    const field_ref& slot = arange ? *a64_slot : *r64_slot;
    const field_ref& meta = arange ? *a64_meta : *r64_meta;
    const byte_reader br{std::span<const std::uint8_t>(raw)};
    const auto word = [&](std::uint64_t off) {
      return br.uint_unchecked(static_cast<std::size_t>(off), ps, r.memory().order());
    };
    const std::uint64_t npiv = piv.count;
    if (piv.offset + npiv * ps > raw.size() || slot.offset + slot.count * ps > raw.size() || meta.offset >= raw.size()) {
      w.problem = "maple tree node layout does not fit struct maple_node";
      return w;
    }
    // The last slot in use (ma_data_end).
    std::uint64_t end;
    const std::uint64_t last_pivot = word(piv.offset + (npiv - 1) * ps);
    if (arange || last_pivot == 0) end = raw[static_cast<std::size_t>(meta.offset)];
    else if (last_pivot == f.max) end = npiv - 1;
    else end = npiv;
    if (end >= slot.count) {
      w.problem = "maple tree node " + detail::at_hex(node) + " claims " + std::to_string(end + 1) + " slots";
      return w;
    }
    const bool leaf = type == leaf64;
    std::vector<frame> children;
    for (std::uint64_t i = 0; i <= end; ++i) {
      const std::uint64_t e = word(slot.offset + i * ps);
      const std::uint64_t child_max = i < npiv ? word(piv.offset + i * ps) : f.max;
      if (e == 0) continue;
      if (leaf) {
        if ((e & 3) != 2) w.nodes.push_back(e); // internal entries (retry, zero) are not stored values
        if (w.nodes.size() > limit) {
          w.problem = "maple tree at " + detail::at_hex(tree_address) + ": more than " + std::to_string(limit) +
                      " entries";
          return w;
        }
      } else {
        children.push_back({e, child_max == 0 && i == end ? f.max : child_max, f.depth + 1});
      }
    }
    for (auto it = children.rbegin(); it != children.rend(); ++it) todo.push_back(*it);
  }
  return w;
}

} // namespace mquire::objects
