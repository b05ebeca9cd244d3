// SPDX-License-Identifier: Apache-2.0
// notes.hpp: lines in the order they were added, other readers' notes after
// what they are about, and a bound that keeps the first lines and counts the
// rest in one closing line.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include <mquire/notes.hpp>

TEST_CASE("notes: lines in order, errors and other notes after what they are about", "[unit][notes]") {
  mquire::notes n;
  CHECK(n.empty());
  n.add("first");
  n.add("task list", mquire::make_error(mquire::error_code::malformed, "a loop at 0x10"));
  mquire::notes mounts;
  mounts.add("superblock at 0x20: unreadable");
  n.add_all(mounts, "mounts");
  n.add_all(mounts);
  CHECK(std::vector<std::string>(n.begin(), n.end()) ==
        std::vector<std::string>{"first", "task list: a loop at 0x10", "mounts: superblock at 0x20: unreadable",
                                 "superblock at 0x20: unreadable"});
  CHECK(n.size() == 4);
  CHECK(n.kept() == 4);
  CHECK(n.left_out() == 0);
  CHECK(n.back() == "superblock at 0x20: unreadable");
}

TEST_CASE("notes: past the limit, lines are counted, not kept", "[unit][notes]") {
  mquire::notes n(3);
  for (int i = 0; i < 1000; ++i) n.add("entry " + std::to_string(i) + " unreadable");
  REQUIRE(n.size() == 4);
  CHECK(n.kept() == 3);
  CHECK(n[2] == "entry 2 unreadable");
  CHECK(n.left_out() == 997);
  CHECK(n.back() == "997 more notes left out (the first 3 are kept)");
  // Notes added from a bounded list stay bounded, closing line and all.
  mquire::notes all(5);
  all.add_all(n, "tasks");
  CHECK(all.size() == 4);
  CHECK(all.back() == "tasks: 997 more notes left out (the first 3 are kept)");
  CHECK(mquire::notes::default_limit == 10000);
}
