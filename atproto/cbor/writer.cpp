#include "atproto/cbor/writer.hpp"

namespace atproto::cbor {

void Writer::head(unsigned major, std::uint64_t argument) {
    const auto m = static_cast<std::uint8_t>(major << 5);
    if (argument < 24) {
        out_.push_back(std::byte(m | argument));
        return;
    }
    unsigned size = argument <= 0xff ? 1 : argument <= 0xffff ? 2 : argument <= 0xffffffffULL ? 4 : 8;
    const std::uint8_t info = size == 1 ? 24 : size == 2 ? 25 : size == 4 ? 26 : 27;
    out_.push_back(std::byte(m | info));
    for (unsigned i = size; i-- > 0;) out_.push_back(std::byte((argument >> (8 * i)) & 0xff));
}

void Writer::integer(std::int64_t value) {
    if (value >= 0) {
        head(0, static_cast<std::uint64_t>(value));
    } else {
        head(1, static_cast<std::uint64_t>(-1 - value));
    }
}

void Writer::text(std::string_view value) {
    head(3, value.size());
    const auto* p = reinterpret_cast<const std::byte*>(value.data());
    out_.insert(out_.end(), p, p + value.size());
}

void Writer::bytes(std::span<const std::byte> value) {
    head(2, value.size());
    out_.insert(out_.end(), value.begin(), value.end());
}

void Writer::link(const Cid& cid) {
    head(6, 42);
    const auto binary = cid.binary();
    head(2, binary.size() + 1);
    out_.push_back(std::byte{0});
    out_.insert(out_.end(), binary.begin(), binary.end());
}

void Writer::boolean(bool value) { out_.push_back(std::byte(value ? 0xf5 : 0xf4)); }

void Writer::null() { out_.push_back(std::byte{0xf6}); }

void Writer::array_head(std::uint64_t count) { head(4, count); }

void Writer::map_head(std::uint64_t count) { head(5, count); }

void Writer::raw(std::span<const std::byte> encoded) { out_.insert(out_.end(), encoded.begin(), encoded.end()); }

}  // namespace atproto::cbor
