#include "replay/frame_seq.hpp"

#include <string_view>

namespace replay {
namespace {

constexpr int max_depth = 64;

struct Head {
    std::uint8_t major = 0;
    std::uint64_t argument = 0;
};

class Walker {
public:
    explicit Walker(std::span<const std::byte> data) : data_(data) {}

    std::size_t position() const { return pos_; }

    std::optional<Head> head() {
        if (pos_ >= data_.size()) return std::nullopt;
        const auto initial = std::to_integer<std::uint8_t>(data_[pos_++]);
        Head head{static_cast<std::uint8_t>(initial >> 5), initial & 0x1fu};
        if (head.argument < 24) return head;
        if (head.argument > 27) return std::nullopt;   // reserved or indefinite length
        const std::size_t width = std::size_t{1} << (head.argument - 24);
        if (data_.size() - pos_ < width) return std::nullopt;
        head.argument = 0;
        for (std::size_t i = 0; i < width; ++i) {
            head.argument = (head.argument << 8) | std::to_integer<std::uint8_t>(data_[pos_++]);
        }
        return head;
    }

    bool skip_bytes(std::uint64_t count) {
        if (data_.size() - pos_ < count) return false;
        pos_ += static_cast<std::size_t>(count);
        return true;
    }

    std::optional<std::string_view> text(const Head& head) {
        if (head.major != 3 || data_.size() - pos_ < head.argument) return std::nullopt;
        const auto* start = reinterpret_cast<const char*>(data_.data() + pos_);
        pos_ += static_cast<std::size_t>(head.argument);
        return std::string_view(start, static_cast<std::size_t>(head.argument));
    }

    bool skip_item(int depth) {
        if (depth > max_depth) return false;
        const auto item = head();
        if (!item) return false;
        switch (item->major) {
        case 2:
        case 3: return skip_bytes(item->argument);
        case 4: return skip_items(item->argument, depth);
        case 5: return item->argument <= (data_.size() - pos_) / 2 && skip_items(item->argument * 2, depth);
        case 6: return skip_item(depth + 1);
        default: return true;   // integers and simple values: the head was all of it
        }
    }

private:
    bool skip_items(std::uint64_t count, int depth) {
        // Every item takes at least one byte: a count beyond the remaining bytes is a lie.
        if (count > data_.size() - pos_) return false;
        for (std::uint64_t i = 0; i < count; ++i) {
            if (!skip_item(depth + 1)) return false;
        }
        return true;
    }

    std::span<const std::byte> data_;
    std::size_t pos_ = 0;
};

std::size_t encoded_length(std::uint64_t value) {
    if (value < 24) return 1;
    if (value <= 0xff) return 2;
    if (value <= 0xffff) return 3;
    if (value <= 0xffffffff) return 5;
    return 9;
}

}  // namespace

std::optional<SeqField> find_seq(std::span<const std::byte> frame) {
    Walker walker(frame);
    if (frame.empty() || std::to_integer<std::uint8_t>(frame[0]) >> 5 != 5 || !walker.skip_item(0)) {
        return std::nullopt;
    }
    const auto body = walker.head();
    if (!body || body->major != 5) return std::nullopt;
    for (std::uint64_t i = 0; i < body->argument; ++i) {
        const auto key_head = walker.head();
        if (!key_head) return std::nullopt;
        const auto key = walker.text(*key_head);
        if (!key) return std::nullopt;
        const std::size_t value_at = walker.position();
        if (*key != "seq") {
            if (!walker.skip_item(1)) return std::nullopt;
            continue;
        }
        const auto value = walker.head();
        if (!value || value->major != 0) return std::nullopt;
        return SeqField{value_at, walker.position() - value_at, value->argument};
    }
    return std::nullopt;
}

void append_with_seq(std::span<const std::byte> frame, const SeqField& field, std::uint64_t seq,
                     std::vector<std::byte>& out) {
    const auto before = frame.first(field.offset);
    const auto after = frame.subspan(field.offset + field.length);
    out.insert(out.end(), before.begin(), before.end());
    const std::size_t length = encoded_length(seq);
    constexpr std::uint8_t additional[] = {0, 24, 25, 0, 26, 0, 0, 0, 27};
    if (length == 1) {
        out.push_back(static_cast<std::byte>(seq));
    } else {
        out.push_back(static_cast<std::byte>(additional[length - 1]));
        for (std::size_t i = length - 1; i > 0; --i) out.push_back(static_cast<std::byte>(seq >> (8 * (i - 1))));
    }
    out.insert(out.end(), after.begin(), after.end());
}

}  // namespace replay
