// Must not compile: only the last section may be optional.
#include <mquire/layouts.hpp>

namespace s = mquire::sections;
using bad = mquire::layout<"bad", mquire::layout_traits{mquire::address_encoding::place_relative}, s::num_syms<>, s::names, s::markers<>, s::optional<s::seqs_of_names>, s::token_table, s::token_index, s::offsets>;
constexpr auto problem = bad::problem;

int main() { return static_cast<int>(problem); }
