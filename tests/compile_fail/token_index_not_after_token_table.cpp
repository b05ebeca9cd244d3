// Must not compile: token_index must come right after token_table.
#include <mquire/layouts.hpp>

namespace s = mquire::sections;
using bad = mquire::layout<"bad", mquire::layout_traits{mquire::address_encoding::place_relative}, s::num_syms<>, s::names, s::markers<>, s::token_table, s::offsets, s::token_index>;
constexpr auto problem = bad::problem;

int main() { return static_cast<int>(problem); }
