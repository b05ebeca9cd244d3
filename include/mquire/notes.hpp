// SPDX-License-Identifier: Apache-2.0
// Notes on a partial result. A reader of kernel objects that cannot read
// everything still returns what it could (every row it returns was checked)
// and says in its notes what it skipped and why: one line each, in the order
// they were met, worded for a person ("pid 42: open files not read: ...").
// A failure that leaves nothing to return is a result<T>'s error instead.
//
// Every view and object list carries this one type, so a caller reports
// them all the same way. A hostile dump can make every entry of a long list
// fail, so the lines are bounded: the first `limit` are kept, the rest only
// counted, and one closing line says how many were left out. Memory is
// bounded by the limit, not by the input.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "error.hpp"

namespace mquire {

class notes {
public:
  // Far above what a real dump gives (none on the fixture dumps), far
  // below what a hostile one could ask for.
  static constexpr std::size_t default_limit = 10000;

  notes() = default;
  explicit notes(std::size_t limit) : limit_(limit) {}

  void add(std::string line) {
    if (left_out_ == 0 && lines_.size() < limit_) {
      lines_.push_back(std::move(line));
      return;
    }
    ++left_out_;
    std::string closing = std::to_string(left_out_) + " more notes left out (the first " + std::to_string(limit_) +
                          " are kept)";
    if (left_out_ == 1) lines_.push_back(std::move(closing));
    else lines_.back() = std::move(closing);
  }
  // `about: message`, for an error met while reading one thing of many.
  void add(std::string_view about, const error& e) { add(std::string(about) + ": " + e.message); }
  // Another reader's notes, each after `about: ` (empty: as they are).
  void add_all(const notes& other, std::string_view about = {}) {
    for (const auto& line : other) add(about.empty() ? line : std::string(about) + ": " + line);
  }

  bool empty() const noexcept { return lines_.empty(); }
  // Lines to print, the closing line included.
  std::size_t size() const noexcept { return lines_.size(); }
  // Lines kept as they were added: all of them but the closing line.
  std::size_t kept() const noexcept { return lines_.size() - (left_out_ > 0 ? 1 : 0); }
  // How many lines past the limit were counted but not kept.
  std::size_t left_out() const noexcept { return left_out_; }
  const std::string& operator[](std::size_t i) const { return lines_[i]; }
  const std::string& front() const { return lines_.front(); }
  const std::string& back() const { return lines_.back(); }
  using const_iterator = std::vector<std::string>::const_iterator;
  const_iterator begin() const noexcept { return lines_.begin(); }
  const_iterator end() const noexcept { return lines_.end(); }
  const std::vector<std::string>& lines() const noexcept { return lines_; }

private:
  std::vector<std::string> lines_;
  std::size_t limit_ = default_limit;
  std::size_t left_out_ = 0;
};

} // namespace mquire
