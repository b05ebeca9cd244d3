// SPDX-License-Identifier: Apache-2.0
// Layout declarations that break one rule each; compiling this file with
// -DMQUIRE_CASE_<rule> must fail with that rule's static_assert message
// (CMakeLists.txt here runs one compilation per rule).
#include <mquire/kallsyms/layouts.hpp>

namespace s = mquire::sections;

#if defined(MQUIRE_CASE_both_address_sections)
// has both addresses and offsets
using bad = mquire::layout<"bad", mquire::layout_traits{mquire::address_encoding::place_relative}, s::num_syms<>, s::names, s::markers<>, s::token_table, s::token_index, s::offsets, s::addresses>;
#elif defined(MQUIRE_CASE_duplicate_section)
// a section appears twice
using bad = mquire::layout<"bad", mquire::layout_traits{mquire::address_encoding::place_relative}, s::num_syms<>, s::names, s::markers<>, s::token_table, s::token_index, s::offsets, s::offsets>;
#elif defined(MQUIRE_CASE_encoding_forbids_relative_base)
// have no relative_base
using bad = mquire::layout<"bad", mquire::layout_traits{mquire::address_encoding::place_relative}, s::num_syms<>, s::names, s::markers<>, s::token_table, s::token_index, s::offsets, s::relative_base>;
#elif defined(MQUIRE_CASE_encoding_needs_addresses)
// the absolute encoding needs addresses
using bad = mquire::layout<"bad", mquire::layout_traits{mquire::address_encoding::absolute}, s::num_syms<>, s::names, s::markers<>, s::token_table, s::token_index, s::offsets>;
#elif defined(MQUIRE_CASE_encoding_needs_offsets_and_base)
// this encoding needs offsets
using bad = mquire::layout<"bad", mquire::layout_traits{mquire::address_encoding::base_relative}, s::num_syms<>, s::names, s::markers<>, s::token_table, s::token_index, s::offsets>;
#elif defined(MQUIRE_CASE_markers_after_token_table)
// markers must come before token_table
using bad = mquire::layout<"bad", mquire::layout_traits{mquire::address_encoding::place_relative}, s::token_table, s::token_index, s::num_syms<>, s::names, s::markers<>, s::offsets>;
#elif defined(MQUIRE_CASE_markers_not_after_names)
// markers must come right after names
using bad = mquire::layout<"bad", mquire::layout_traits{mquire::address_encoding::place_relative}, s::num_syms<>, s::names, s::token_table, s::markers<>, s::token_index, s::offsets>;
#elif defined(MQUIRE_CASE_missing_core_section)
// num_syms, names and markers are required
using bad = mquire::layout<"bad", mquire::layout_traits{mquire::address_encoding::place_relative}, s::num_syms<>, s::names, s::token_table, s::token_index, s::offsets>;
#elif defined(MQUIRE_CASE_names_not_after_num_syms)
// names must come right after num_syms
using bad = mquire::layout<"bad", mquire::layout_traits{mquire::address_encoding::place_relative}, s::names, s::num_syms<>, s::markers<>, s::token_table, s::token_index, s::offsets>;
#elif defined(MQUIRE_CASE_no_address_section)
// needs either addresses or offsets
using bad = mquire::layout<"bad", mquire::layout_traits{mquire::address_encoding::place_relative}, s::num_syms<>, s::names, s::markers<>, s::token_table, s::token_index>;
#elif defined(MQUIRE_CASE_optional_section_not_last)
// only the last section may be optional
using bad = mquire::layout<"bad", mquire::layout_traits{mquire::address_encoding::place_relative}, s::num_syms<>, s::names, s::markers<>, s::optional<s::seqs_of_names>, s::token_table, s::token_index, s::offsets>;
#elif defined(MQUIRE_CASE_plain_names_with_token_table)
// plain (uncompressed) names have no token_table
using bad = mquire::layout<"bad", mquire::layouts::plain_names(mquire::address_encoding::place_relative), s::num_syms<>, s::names, s::markers<>, s::token_table, s::token_index, s::offsets>;
#elif defined(MQUIRE_CASE_token_index_not_after_token_table)
// token_index must come right after token_table
using bad = mquire::layout<"bad", mquire::layout_traits{mquire::address_encoding::place_relative}, s::num_syms<>, s::names, s::markers<>, s::token_table, s::offsets, s::token_index>;
#elif defined(MQUIRE_CASE_too_many_sections)
// more sections than max_sections
using bad = mquire::layout<"bad", mquire::layout_traits{mquire::address_encoding::place_relative}, s::num_syms<>, s::names, s::markers<>, s::token_table, s::token_index, s::offsets, s::seqs_of_names, s::seqs_of_names, s::seqs_of_names, s::seqs_of_names, s::seqs_of_names, s::seqs_of_names, s::seqs_of_names>;
#else
#error "name a case: -DMQUIRE_CASE_<rule>"
#endif

constexpr auto problem = bad::problem;

int main() { return static_cast<int>(problem); }
