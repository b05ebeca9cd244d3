// SPDX-License-Identifier: Apache-2.0
// A small streaming JSON writer: output goes to a caller's sink in chunks, so
// a document far larger than memory (a symbol table of a few hundred
// thousand entries, a type library of tens of thousands of structs) is never
// held whole. The writer tracks commas and nesting itself; the caller says
// what comes next.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace mquire::output {

// `Sink` is any callable taking a std::string_view (append to a file, a
// string, a compressor). It is called with chunks of about `chunk` bytes.
template <class Sink>
class json_writer {
public:
  explicit json_writer(Sink& sink, std::size_t chunk = std::size_t{1} << 16) : sink_(sink), chunk_(chunk) {}
  json_writer(const json_writer&) = delete;
  json_writer& operator=(const json_writer&) = delete;
  ~json_writer() { flush(); }

  void begin_object() { open('{'); }
  void end_object() { close('}'); }
  void begin_array() { open('['); }
  void end_array() { close(']'); }

  // The next member's name, inside an object. Members of the two outermost
  // levels start on their own line so that the file diffs and greps well.
  void key(std::string_view name) {
    separate();
    if (depth_.size() <= 2) buf_ += '\n';
    string(name);
    buf_ += ':';
    after_key_ = true;
  }

  void value(std::string_view s) {
    separate();
    string(s);
    done();
  }
  void value(const char* s) { value(std::string_view(s)); }
  void value(bool b) {
    separate();
    buf_ += b ? "true" : "false";
    done();
  }
  void value(std::uint64_t v) {
    separate();
    buf_ += std::to_string(v);
    done();
  }
  void value(std::int64_t v) {
    separate();
    buf_ += std::to_string(v);
    done();
  }
  void value(std::uint32_t v) { value(std::uint64_t{v}); }
  void null() {
    separate();
    buf_ += "null";
    done();
  }
  void value(int v) { value(std::int64_t{v}); }

  // Shorthand for key(k) followed by value(v).
  template <class T>
  void member(std::string_view k, const T& v) {
    key(k);
    value(v);
  }

  void flush() {
    if (!buf_.empty()) sink_(std::string_view(buf_));
    buf_.clear();
  }

  // Nesting still open (0 once the document is complete).
  std::size_t depth() const noexcept { return depth_.size(); }

private:
  void open(char c) {
    separate();
    buf_ += c;
    depth_.push_back(true);
  }
  void close(char c) {
    if (depth_.empty()) return; // unbalanced call: ignore rather than write invalid JSON
    depth_.pop_back();
    if (depth_.empty()) buf_ += '\n';
    buf_ += c;
    if (depth_.empty()) buf_ += '\n';
    done();
  }
  // A comma before every element but the first of its container.
  void separate() {
    if (after_key_) {
      after_key_ = false;
      return;
    }
    if (depth_.empty()) return;
    if (!depth_.back()) buf_ += ',';
    depth_.back() = false;
  }
  void done() {
    if (buf_.size() >= chunk_) flush();
  }
  // Names come from hostile bytes: control characters and every byte above
  // 0x7f are escaped, so the output is valid JSON (and ASCII) whatever they hold.
  void string(std::string_view s) {
    static constexpr char digits[] = "0123456789abcdef";
    buf_ += '"';
    for (const char ch : s) {
      const auto c = static_cast<unsigned char>(ch);
      if (c == '"' || c == '\\') {
        buf_ += '\\';
        buf_ += ch;
      } else if (c < 0x20 || c > 0x7e) {
        buf_ += "\\u00";
        buf_ += digits[c >> 4];
        buf_ += digits[c & 0xf];
      } else {
        buf_ += ch;
      }
    }
    buf_ += '"';
  }

  Sink& sink_;
  std::size_t chunk_;
  std::string buf_;
  std::vector<bool> depth_; // per open container: no element written yet
  bool after_key_ = false;
};

} // namespace mquire::output
