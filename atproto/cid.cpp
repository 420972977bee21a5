#include "atproto/cid.hpp"

#include <algorithm>

#include "atproto/base_encoding.hpp"

namespace atproto {

namespace {
constexpr std::byte version_1{0x01};
constexpr std::byte sha2_256{0x12};
constexpr std::byte digest_length{0x20};
}  // namespace

Cid Cid::of(std::uint8_t codec, std::span<const std::byte> block) { return Cid(codec, sha256(block)); }

std::optional<Cid> Cid::from_binary(std::span<const std::byte> bytes) {
    if (bytes.size() != binary_size || bytes[0] != version_1 || bytes[2] != sha2_256 || bytes[3] != digest_length)
        return std::nullopt;
    const auto codec = static_cast<std::uint8_t>(bytes[1]);
    if (codec != dag_cbor && codec != raw) return std::nullopt;
    Digest digest;
    std::copy_n(bytes.begin() + 4, digest.size(), digest.begin());
    return Cid(codec, digest);
}

std::optional<Cid> Cid::from_link(std::span<const std::byte> bytes) {
    if (bytes.empty() || bytes[0] != std::byte{0}) return std::nullopt;
    return from_binary(bytes.subspan(1));
}

std::optional<Cid> Cid::from_string(std::string_view text) {
    if (text.size() != string_size || text[0] != 'b') return std::nullopt;
    auto bytes = decode_base32(text.substr(1));
    if (!bytes) return std::nullopt;
    return from_binary(*bytes);
}

std::array<std::byte, Cid::binary_size> Cid::binary() const noexcept {
    std::array<std::byte, binary_size> out{version_1, std::byte{codec_}, sha2_256, digest_length};
    std::copy(digest_.begin(), digest_.end(), out.begin() + 4);
    return out;
}

std::string Cid::to_string() const {
    std::string out;
    out.reserve(string_size);
    append_to(out);
    return out;
}

void Cid::append_to(std::string& out) const {
    out.push_back('b');
    const auto bin = binary();
    append_base32(out, bin);
}

}  // namespace atproto
