#include "replay/capture.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>

#include <fmt/format.h>

namespace replay {

common::Result<std::vector<CapturedFrame>> parse_capture(std::span<const std::byte> data) {
    std::vector<CapturedFrame> frames;
    std::size_t pos = 0;
    while (pos < data.size()) {
        if (data.size() - pos < 4) return common::fail(fmt::format("capture truncated in the length at byte {}", pos));
        std::uint32_t length = 0;
        for (int i = 3; i >= 0; --i) length = (length << 8) | std::to_integer<std::uint32_t>(data[pos + i]);
        pos += 4;
        if (data.size() - pos < length) {
            return common::fail(fmt::format("capture truncated: frame at byte {} wants {} bytes", pos - 4, length));
        }
        const auto bytes = data.subspan(pos, length);
        frames.push_back(CapturedFrame{std::vector<std::byte>(bytes.begin(), bytes.end()), find_seq(bytes)});
        pos += length;
    }
    return frames;
}

common::Result<std::vector<CapturedFrame>> load_capture(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return common::fail(fmt::format("cannot open capture {}: {}", path, std::strerror(errno)));
    std::vector<char> raw((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in.bad()) return common::fail(fmt::format("cannot read capture {}", path));
    auto frames = parse_capture(std::as_bytes(std::span(raw)));
    if (!frames) return common::fail(fmt::format("{}: {}", path, frames.error().message));
    return frames;
}

}  // namespace replay
