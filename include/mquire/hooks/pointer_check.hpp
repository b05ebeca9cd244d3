// SPDX-License-Identifier: Apache-2.0
// One checked code pointer of a hook: where it points as %pS prints it,
// whether kernel text or a module's memory backs it, and whether the
// symbol there is the kind the slot should hold. One symbol lookup serves
// all three.
#pragma once

#include <cstdint>
#include <string>

#include "../detail/hex.hpp"
#include "../objects/code_symbols.hpp"

namespace mquire::hooks {

struct pointer_check {
  std::uint64_t target = 0;
  std::string symbol; // %pS, or the address in hex
  std::string module; // the module whose memory holds it
  bool backed = false;   // in kernel text or a module's memory
  bool expected = false; // backed, and `fits` the symbol it lies in
};

// `fits(located_symbol, module)`: whether the symbol at a backed target is
// what the slot should hold (the module name empty in the kernel image).
template <typename Fits>
pointer_check check_pointer(const objects::code_symbols& symbols, std::uint64_t target, Fits&& fits) {
  pointer_check c;
  c.target = target;
  const auto where = symbols.lookup(target);
  c.symbol = where ? symbols.describe(*where) : mquire::detail::hex(target);
  if (const auto* m = symbols.module_at(target)) {
    c.backed = true;
    c.module = m->name;
  } else {
    c.backed = symbols.in_kernel_text(target);
  }
  c.expected = c.backed && where && fits(*where, c.module);
  return c;
}

} // namespace mquire::hooks
