// Must not compile: plain (uncompressed) names have no token_table.
#include <mquire/layouts.hpp>

namespace s = mquire::sections;
using bad = mquire::layout<"bad", mquire::layouts::plain_names(mquire::address_encoding::place_relative), s::num_syms<>, s::names, s::markers<>, s::token_table, s::token_index, s::offsets>;
constexpr auto problem = bad::problem;

int main() { return static_cast<int>(problem); }
