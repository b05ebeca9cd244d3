// SPDX-License-Identifier: Apache-2.0
// Errors as values. The library never throws on the normal path and never
// prints: every failure is returned with a message that says what was looked
// for and what was found, so the caller decides how to report it.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace mquire {

enum class error_code {
  not_found,       // no kallsyms table in the bytes
  out_of_range,    // a read would leave the byte range
  malformed,       // the data contradict the format
  unsupported,     // a valid input the library does not handle
  invalid_argument // the caller asked for something impossible
};

constexpr const char* to_string(error_code c) noexcept {
  switch (c) {
  case error_code::not_found: return "not found";
  case error_code::out_of_range: return "out of range";
  case error_code::malformed: return "malformed";
  case error_code::unsupported: return "unsupported";
  case error_code::invalid_argument: return "invalid argument";
  }
  return "unknown";
}

struct error {
  error_code code;
  std::string message;
};

// A minimal expected<T, error>: C++20 has no std::expected.
template <typename T>
class [[nodiscard]] result {
public:
  result(T value) : v_(std::move(value)) {}
  result(error e) : v_(std::move(e)) {}

  bool ok() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return ok(); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const error& err() const& { return std::get<1>(v_); }

private:
  std::variant<T, error> v_;
};

inline error make_error(error_code c, std::string msg) { return error{c, std::move(msg)}; }

} // namespace mquire
