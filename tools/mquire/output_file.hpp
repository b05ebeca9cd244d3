// SPDX-License-Identifier: Apache-2.0
// A file the tool writes, or standard output; xz-compressed when its name
// ends in ".xz" (Volatility reads .json.xz symbol tables as they are).
#pragma once

#include <cstdio>
#include <memory>
#include <string>
#include <string_view>

namespace tool {

class output_file {
public:
  // "" or "-" is standard output (never compressed).
  static std::unique_ptr<output_file> open(const std::string& path, std::string& error);
  ~output_file();
  output_file(const output_file&) = delete;
  output_file& operator=(const output_file&) = delete;

  void write(std::string_view bytes);
  // Finishes the stream and closes the file; false if any write failed.
  bool close();
  std::uint64_t bytes_in() const noexcept { return in_; }

private:
  output_file() = default;
  struct xz_state;
  std::FILE* f_ = nullptr;
  bool own_ = false, ok_ = true;
  std::unique_ptr<xz_state> xz_;
  std::uint64_t in_ = 0;
};

} // namespace tool
