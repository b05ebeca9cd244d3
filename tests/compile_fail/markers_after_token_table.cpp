// Must not compile: markers must come before token_table.
#include <mquire/layouts.hpp>

namespace s = mquire::sections;
using bad = mquire::layout<"bad", mquire::layout_traits{mquire::address_encoding::place_relative}, s::token_table, s::token_index, s::num_syms<>, s::names, s::markers<>, s::offsets>;
constexpr auto problem = bad::problem;

int main() { return static_cast<int>(problem); }
