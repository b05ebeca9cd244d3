// SPDX-License-Identifier: Apache-2.0
// A read-only memory mapping of a whole file (POSIX), with its descriptor
// kept open for streamed reads. Large dumps are mapped, never read whole
// into memory.
#pragma once

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <utility>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../error.hpp"

namespace mquire::sources {

class mapped_file {
public:
  mapped_file() = default;
  mapped_file(const mapped_file&) = delete;
  mapped_file& operator=(const mapped_file&) = delete;
  mapped_file(mapped_file&& o) noexcept
      : data_(std::exchange(o.data_, nullptr)), size_(std::exchange(o.size_, 0)), fd_(std::exchange(o.fd_, -1)) {}
  mapped_file& operator=(mapped_file&& o) noexcept {
    if (this != &o) {
      release();
      data_ = std::exchange(o.data_, nullptr);
      size_ = std::exchange(o.size_, 0);
      fd_ = std::exchange(o.fd_, -1);
    }
    return *this;
  }
  ~mapped_file() { release(); }

  static result<mapped_file> open(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return make_error(error_code::invalid_argument, "cannot open " + path + ": " + std::strerror(errno));
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
      const std::string why = S_ISDIR(st.st_mode) ? "is a directory" : "is not a regular file";
      ::close(fd);
      return make_error(error_code::invalid_argument, path + " " + why);
    }
    mapped_file f;
    f.size_ = static_cast<std::size_t>(st.st_size);
    if (f.size_ > 0) {
      void* p = ::mmap(nullptr, f.size_, PROT_READ, MAP_PRIVATE, fd, 0);
      if (p == MAP_FAILED) {
        const std::string why = std::strerror(errno);
        ::close(fd);
        return make_error(error_code::invalid_argument, "cannot map " + path + ": " + why);
      }
      f.data_ = static_cast<const std::uint8_t*>(p);
    }
    f.fd_ = fd; // kept for streamed reads (pread), which beat page faults on a whole-file pass
    return f;
  }

  std::span<const std::uint8_t> bytes() const noexcept { return {data_, size_}; }
  int fd() const noexcept { return fd_; }

private:
  void release() noexcept {
    if (data_ != nullptr) ::munmap(const_cast<std::uint8_t*>(data_), size_);
    if (fd_ >= 0) ::close(fd_);
    data_ = nullptr;
    size_ = 0;
    fd_ = -1;
  }
  const std::uint8_t* data_ = nullptr;
  std::size_t size_ = 0;
  int fd_ = -1;
};

} // namespace mquire::sources
