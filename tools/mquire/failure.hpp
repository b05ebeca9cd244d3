// SPDX-License-Identifier: Apache-2.0
// How the tool fails: one status per kind of failure, which is also the
// process's exit status, and a message that says what was looked for and
// what was found. Every stage of the tool library that can stop a command
// returns this; main.cpp prints the message and exits with the status. A
// library error gets its status here (failure_of, sql_status_of) and nowhere
// else: failing to read the input is the input layer's (unreadable), what is
// missing from what was read is not_found, and SQL the engine refuses is a
// usage error.
#pragma once

#include <string>

#include <mquire/error.hpp>

namespace tool {

enum exit_status : int {
  found = 0,      // a table (and what the command asked for) was found
  not_found = 1,  // no kallsyms table, or nothing of the kind the command prints
  usage = 2,      // the command line, or SQL that does not parse
  unreadable = 3, // the input (or an output) cannot be read or written
};

struct failure {
  exit_status status;
  std::string message;
};

// A library error that stops a command means that what was asked for is
// not in the input as read: `context: message` (an empty context keeps the
// message as it is, when it already says where).
inline failure failure_of(const mquire::error& e, const std::string& context = {}) {
  return {not_found, context.empty() ? e.message : context + ": " + e.message};
}

// The SQL engine refuses SQL that does not parse, or names a table or column
// that does not exist, as invalid_argument: the user's to fix. Its other
// errors are tables that could not be read.
constexpr exit_status sql_status_of(mquire::error_code c) noexcept {
  return c == mquire::error_code::invalid_argument ? usage : not_found;
}

} // namespace tool
