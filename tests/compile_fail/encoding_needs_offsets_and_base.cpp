// Must not compile: this encoding needs offsets.
#include <mquire/layouts.hpp>

namespace s = mquire::sections;
using bad = mquire::layout<"bad", mquire::layout_traits{mquire::address_encoding::base_relative}, s::num_syms<>, s::names, s::markers<>, s::token_table, s::token_index, s::offsets>;
constexpr auto problem = bad::problem;

int main() { return static_cast<int>(problem); }
