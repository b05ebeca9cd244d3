// SPDX-License-Identifier: Apache-2.0
// Kernel types from a Volatility 3 symbol table (ISF JSON, plain or xz, as
// dwarf2json writes it from a kernel's DWARF), for dumps of kernels without
// BTF: user types become the library's type_table (members at their
// offsets, anonymous members kept as such, bitfields with their bit
// position), with base type sizes and every enum constant.
#pragma once

#include <string>

#include <mquire/error.hpp>
#include <mquire/objects/type_table.hpp>

namespace tool {

mquire::result<mquire::objects::type_table> read_isf_types(const std::string& path);

} // namespace tool
