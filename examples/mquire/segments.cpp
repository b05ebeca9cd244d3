#include "segments.hpp"

#include "kdump_input.hpp"

namespace tool {
namespace {

using namespace mquire::sources;

class mapped_input final : public input {
public:
  mapped_input(mapped_file f, input_map m) : file_(std::move(f)), map_(std::move(m)) {}
  const input_map& map() const override { return map_; }
  mquire::result<bool> for_each_segment(const std::function<bool(const segment_view&)>& f) override {
    for (std::size_t i = 0; i < map_.segments.size(); ++i) {
      const auto& s = map_.segments[i];
      if (!f(segment_view{i, s, file_.bytes().subspan(s.file_offset, s.size)})) return false;
    }
    return true;
  }

private:
  mapped_file file_;
  input_map map_;
};

} // namespace

std::variant<std::unique_ptr<input>, open_failure> open_input(const std::string& path,
                                                              std::optional<input_format> forced) {
  auto file = mapped_file::open(path);
  if (!file) return open_failure{3, file.err().message};
  const auto bytes = file->bytes();
  if (bytes.empty()) return open_failure{3, path + " is empty"};
  const input_format fmt = forced ? *forced : detect_format(bytes.first(std::min<std::size_t>(bytes.size(), 64)));
  if (fmt == input_format::kdump) {
#if MQUIRE_WITH_KDUMPFILE
    auto k = open_kdump(path);
    if (!k) return open_failure{3, k.err().message};
    return std::move(*k);
#else
    return open_failure{3, path + " is a kdump-compressed dump, but this mquire was built without libkdumpfile "
                                  "(configure with -DMQUIRE_WITH_KDUMPFILE=ON)"};
#endif
  }
  mquire::result<input_map> m = [&]() -> mquire::result<input_map> {
    switch (fmt) {
    case input_format::lime: return parse_lime(bytes);
    case input_format::elf_core:
    case input_format::vmlinux: return parse_elf(bytes);
    default: {
      input_map raw;
      raw.format = input_format::raw;
      raw.segments.push_back({0, bytes.size(), 0, true, {}});
      raw.description = "raw memory, " + std::to_string(bytes.size()) + " bytes (file offset = physical address)";
      return raw;
    }
    }
  }();
  if (!m) return open_failure{3, path + ": " + m.err().message};
  return std::unique_ptr<input>(new mapped_input(std::move(*file), std::move(*m)));
}

} // namespace tool
