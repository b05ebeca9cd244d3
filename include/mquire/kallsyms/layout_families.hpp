// SPDX-License-Identifier: Apache-2.0
// Families of layouts: a family is a Boost.Hana tuple of layout types
// (`boost::hana::tuple_t<L...>`, like `layouts::all`), composed and queried
// at compile time. The queries keep the family's order (which is the order
// in which tables found at the same place are preferred), so a user's
// family is the built-in one narrowed to what a target can be, with the
// user's own layouts added:
//
//   namespace h = boost::hana;
//   constexpr auto arm32 = h::concat(mquire::layouts::readable_at<4>(mquire::layouts::compressed),
//                                    h::tuple_t<vendor_layout>);
//   auto report = mquire::find_kallsyms(range, {}, arm32);
//
// Every query is a constant expression over the layouts' traits; nothing of
// it is left at run time but the descriptors the search walks.
#pragma once

#include <array>
#include <cstddef>
#include <string_view>

#include <boost/hana/bool.hpp>
#include <boost/hana/concat.hpp>
#include <boost/hana/contains.hpp>
#include <boost/hana/filter.hpp>
#include <boost/hana/length.hpp>
#include <boost/hana/tuple.hpp>
#include <boost/hana/type.hpp>
#include <boost/hana/unpack.hpp>

#include "layouts.hpp"

namespace mquire::layouts {

// The layouts of `family` whose traits satisfy `Pred`, a captureless
// constexpr predicate on layout_traits.
template <typename Family, typename Pred>
constexpr auto where(Family family, Pred) {
  return boost::hana::filter(family, [](auto t) { return boost::hana::bool_c<Pred{}(decltype(t)::type::traits)>; });
}

// The layouts that can be read at this word size (4 or 8 bytes).
template <unsigned Word, typename Family>
constexpr auto readable_at(Family family) {
  static_assert(Word == 4 || Word == 8, "mquire: a kernel's word is 4 or 8 bytes");
  return where(family, [](const layout_traits& t) { return t.allows(Word); });
}

// The layouts whose addresses are stored this way.
template <address_encoding Encoding, typename Family>
constexpr auto encoded_as(Family family) {
  return where(family, [](const layout_traits& t) { return t.encoding == Encoding; });
}

// The layouts whose names are token-compressed (every kernel's), and those
// whose names are plain text with no token table (OpenWRT's patch).
template <typename Family>
constexpr auto token_compressed(Family family) {
  return where(family, [](const layout_traits& t) { return t.coding == name_coding::token_compressed; });
}
template <typename Family>
constexpr auto plain_named(Family family) {
  return where(family, [](const layout_traits& t) { return t.coding == name_coding::plain; });
}

// The layouts' names, in the family's order (for option lists and messages
// known at compile time).
template <typename Family>
constexpr auto names_of(Family family) {
  return boost::hana::unpack(family, [](auto... t) {
    return std::array<std::string_view, sizeof...(t)>{decltype(t)::type::name...};
  });
}

// How many layouts a family holds, and whether it holds layout L.
template <typename Family>
constexpr std::size_t size_of(Family family) {
  return decltype(boost::hana::length(family))::value;
}
template <typename L, typename Family>
constexpr bool holds(Family family) {
  return decltype(boost::hana::contains(family, boost::hana::type_c<L>))::value;
}

// The built-in families. One list, newest first: the token-compressed
// layouts, then the plain ones, 32-bit counts first among those, so that
// on 32-bit kernels (where both readings agree) the 4.20 and 6.4 names are
// the ones reported. The search runs the plain ones only where no token
// table exists.
inline constexpr auto all = boost::hana::tuple_t<
    v7_0_place_relative, v7_0_absolute32, v6_4_base_relative_percpu, v6_4_base_relative, v6_4_absolute,
    v6_2_base_relative_percpu, v6_2_base_relative, v6_2_absolute, v4_20_base_relative_percpu,
    v4_20_base_relative, v4_20_absolute, v4_6_base_relative_percpu, v4_6_base_relative, v2_6_absolute,
    plain_v4_20_base_relative, plain_v4_20_base_relative_percpu, plain_v4_20_absolute, plain_v6_4_base_relative,
    plain_v6_4_base_relative_percpu, plain_v6_4_absolute, plain_v4_6_base_relative, plain_v4_6_base_relative_percpu,
    plain_v2_6_absolute>;
inline constexpr auto compressed = token_compressed(all);
inline constexpr auto plain = plain_named(all);

} // namespace mquire::layouts
