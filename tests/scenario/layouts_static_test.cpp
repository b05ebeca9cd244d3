// SPDX-License-Identifier: Apache-2.0
// Layout declarations are checked at compile time; these assertions pin the
// built-in layouts' shapes and the checker's verdict on malformed ones.
#include <catch2/catch.hpp>

#include <mquire/kallsyms/layout_families.hpp>
#include <mquire/kallsyms/layouts.hpp>

#include <boost/hana/concat.hpp>

namespace {
using namespace mquire;
namespace s = mquire::sections;
using R = section_role;

constexpr layout_desc debian61 = layouts::v6_2_base_relative_percpu::describe();
static_assert(debian61.count == 8);
static_assert(debian61.index_of(R::offsets) == 0 && debian61.index_of(R::seqs_of_names) == 5);
static_assert(debian61.at(R::relative_base).width(8) == 8 && debian61.at(R::relative_base).width(4) == 4);
static_assert(layouts::v7_0_place_relative::traits.align(8) == 4, "7.0 aligns to 4 bytes on 64-bit too");
static_assert(layouts::v6_4_absolute::traits.align(8) == 8);
static_assert(!layouts::v7_0_absolute32::traits.allows(8));

// The built-in families are queries over one list, in its order: 14
// token-compressed layouts newest first, then the 9 plain ones.
static_assert(layouts::size_of(layouts::all) == 23);
static_assert(layouts::size_of(layouts::compressed) == 14 && layouts::size_of(layouts::plain) == 9);
static_assert(layouts::names_of(layouts::compressed)[0] == "7.0-place-relative");
static_assert(layouts::names_of(layouts::compressed)[13] == "2.6-absolute");
static_assert(layouts::names_of(layouts::plain)[0] == "uncompressed-names-4.20-base-relative");
static_assert(layouts::holds<layouts::plain_v2_6_absolute>(layouts::plain));
static_assert(!layouts::holds<layouts::plain_v2_6_absolute>(layouts::compressed));
// Queried by traits: only 7.0-absolute32 cannot be read at 8 bytes, and
// only the 7.0 layouts store place-relative offsets or 32-bit absolutes.
static_assert(layouts::size_of(layouts::readable_at<8>(layouts::all)) == 22);
static_assert(!layouts::holds<layouts::v7_0_absolute32>(layouts::readable_at<8>(layouts::all)));
static_assert(layouts::size_of(layouts::readable_at<4>(layouts::all)) == 23);
static_assert(layouts::names_of(layouts::encoded_as<address_encoding::place_relative>(layouts::all)) ==
              std::array<std::string_view, 1>{"7.0-place-relative"});
static_assert(layouts::size_of(layouts::encoded_as<address_encoding::base_relative_percpu>(layouts::compressed)) == 4);
// A user's family: the built-in 32-bit readings with a vendor layout added
// after them, in that order.
using vendor = layout<"vendor-6.4-seqs-first", layout_traits{address_encoding::base_relative}, s::num_syms<>,
                      s::names, s::markers<>, s::token_table, s::token_index, s::seqs_of_names, s::offsets,
                      s::relative_base>;
constexpr auto vendor_family = boost::hana::concat(layouts::readable_at<4>(layouts::compressed), boost::hana::tuple_t<vendor>);
static_assert(layouts::size_of(vendor_family) == 15);
static_assert(layouts::names_of(vendor_family)[14] == "vendor-6.4-seqs-first");

// A descriptor the checker must refuse, built by hand (a `layout<...>` type
// with these sections would not compile; that is the point).
constexpr layout_desc make(std::initializer_list<section_desc> list, address_encoding e) {
  layout_desc d{};
  d.traits.encoding = e;
  for (auto x : list) d.sections[d.count++] = x;
  return d;
}
constexpr section_desc num_syms = describe_section<s::num_syms<>>();
constexpr section_desc names = describe_section<s::names>();
constexpr section_desc markers = describe_section<s::markers<>>();
constexpr section_desc table = describe_section<s::token_table>();
constexpr section_desc index = describe_section<s::token_index>();
constexpr section_desc offsets = describe_section<s::offsets>();
constexpr section_desc base = describe_section<s::relative_base>();
constexpr section_desc addrs = describe_section<s::addresses>();

static_assert(check_layout(make({num_syms, names, markers, table, index, offsets}, address_encoding::place_relative)) ==
              layout_problem::none);
static_assert(check_layout(make({names, num_syms, markers, table, index, offsets}, address_encoding::place_relative)) ==
              layout_problem::names_not_after_num_syms);
static_assert(check_layout(make({num_syms, names, markers, table, index, offsets}, address_encoding::base_relative)) ==
              layout_problem::encoding_needs_offsets_and_base);
static_assert(check_layout(make({num_syms, names, markers, table, index, offsets, base}, address_encoding::place_relative)) ==
              layout_problem::encoding_forbids_relative_base);
static_assert(check_layout(make({num_syms, names, markers, table, index, offsets, addrs}, address_encoding::absolute)) ==
              layout_problem::both_address_sections);
static_assert(check_layout(make({num_syms, names, markers, index, table, offsets}, address_encoding::place_relative)) ==
              layout_problem::token_index_not_after_token_table);
static_assert(check_layout(make({num_syms, names, markers, table, index, offsets, offsets}, address_encoding::place_relative)) ==
              layout_problem::duplicate_section);
} // namespace

TEST_CASE("section sizes follow the symbol count", "[layouts]") {
  CHECK(describe_section<s::markers<>>().size(256, 8) == 4);
  CHECK(describe_section<s::markers<>>().size(257, 8) == 8);
  CHECK(describe_section<s::seqs_of_names>().size(1000, 8) == 3000);
  CHECK(describe_section<s::addresses>().size(10, 4) == 40);
  CHECK(describe_section<s::addresses>().size(10, 8) == 80);
  CHECK(describe_section<s::token_index>().size(0, 8) == 512);
}
