// SPDX-License-Identifier: Apache-2.0
// How the tool fails: one status per kind of failure, which is also the
// process's exit status, and a message that says what was looked for and
// what was found. Every stage of the tool library that can stop a command
// returns this; main.cpp prints the message and exits with the status, and
// nothing else turns an error into a number.
#pragma once

#include <string>

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

} // namespace tool
