// CID v1 with a sha2-256 multihash, the only kind atproto uses: codec dag-cbor (0x71, records,
// commits, MST nodes) or raw (0x55, blobs). A 40-byte value type: compare, hash, use as a map key.
// Thread-safety: plain value.
#pragma once

#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "atproto/sha256.hpp"

namespace atproto {

class Cid {
public:
    static constexpr std::uint8_t dag_cbor = 0x71;
    static constexpr std::uint8_t raw = 0x55;
    static constexpr std::size_t binary_size = 36;  // 01 codec 12 20 digest
    static constexpr std::size_t string_size = 59;  // 'b' + base32(36 bytes)

    Cid() = default;  // the empty CID: codec 0, compares unequal to every real CID
    Cid(std::uint8_t codec, const Digest& digest) noexcept : codec_(codec), digest_(digest) {}

    // The CID of `block` (sha256 of its bytes).
    [[nodiscard]] static Cid of(std::uint8_t codec, std::span<const std::byte> block);
    // Exactly the 36 binary bytes; nullopt for anything else (other version, codec, hash, length).
    [[nodiscard]] static std::optional<Cid> from_binary(std::span<const std::byte> bytes);
    // The tag-42 payload form: 0x00 followed by the binary CID.
    [[nodiscard]] static std::optional<Cid> from_link(std::span<const std::byte> bytes);
    // "b" + lower-case base32 of the binary form.
    [[nodiscard]] static std::optional<Cid> from_string(std::string_view text);

    [[nodiscard]] std::uint8_t codec() const noexcept { return codec_; }
    [[nodiscard]] const Digest& digest() const noexcept { return digest_; }
    [[nodiscard]] bool empty() const noexcept { return codec_ == 0; }
    [[nodiscard]] std::array<std::byte, binary_size> binary() const noexcept;
    [[nodiscard]] std::string to_string() const;
    void append_to(std::string& out) const;
    // True when `block` hashes to this CID's digest.
    [[nodiscard]] bool matches(std::span<const std::byte> block) const { return sha256(block) == digest_; }

    friend bool operator==(const Cid&, const Cid&) = default;
    friend auto operator<=>(const Cid&, const Cid&) = default;

    // The digest is uniformly distributed, so its first 8 bytes are already a good hash.
    [[nodiscard]] std::size_t hash() const noexcept {
        std::uint64_t h = 0;
        std::memcpy(&h, digest_.data(), sizeof h);
        return static_cast<std::size_t>(h ^ codec_);
    }

private:
    std::uint8_t codec_ = 0;
    Digest digest_{};
};

}  // namespace atproto

template <>
struct std::hash<atproto::Cid> {
    std::size_t operator()(const atproto::Cid& cid) const noexcept { return cid.hash(); }
};
