// A parsed atproto signing key (P-256 or secp256k1), from did:key, multikey or the
// legacy raw-point multibase. Parse once, verify many times (see verifier.hpp).
// Immutable after construction: copies share the parsed key and may be used from any
// number of threads at once.
#pragma once

#include "common/result.hpp"

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

struct evp_pkey_st;  // OpenSSL's EVP_PKEY; only atproto/crypto sources see its definition

namespace atproto::crypto {

enum class KeyType : std::uint8_t { p256, k256 };

inline constexpr std::size_t compressed_key_length = 33;
inline constexpr std::uint64_t multicodec_k256_pub = 0xe7;
inline constexpr std::uint64_t multicodec_p256_pub = 0x1200;

class PublicKey {
public:
    // `did:key:z…`: base58btc of varint multicodec (0xe7 / 0x1200) + SEC1 point.
    [[nodiscard]] static common::Result<PublicKey> from_did_key(std::string_view did_key);
    // `z…` multikey, i.e. a did:key without the `did:key:` prefix (type `Multikey`).
    [[nodiscard]] static common::Result<PublicKey> from_multikey(std::string_view multibase);
    // `z…` of the bare SEC1 point (types EcdsaSecp256r1/k1VerificationKey2019).
    [[nodiscard]] static common::Result<PublicKey> from_legacy_multibase(KeyType type,
                                                                        std::string_view multibase);
    // SEC1 point: 33 bytes compressed or 65 bytes uncompressed; must lie on the curve.
    [[nodiscard]] static common::Result<PublicKey> from_sec1(KeyType type,
                                                             std::span<const std::uint8_t> point);

    [[nodiscard]] KeyType type() const noexcept { return type_; }
    [[nodiscard]] const std::array<std::uint8_t, compressed_key_length>& compressed() const noexcept {
        return compressed_;
    }
    // Canonical forms: compressed point, multicodec prefix, base58btc.
    [[nodiscard]] std::string multikey() const;
    [[nodiscard]] std::string did_key() const;

    friend bool operator==(const PublicKey& a, const PublicKey& b) noexcept {
        return a.type_ == b.type_ && a.compressed_ == b.compressed_;
    }

private:
    friend class Verifier;
    PublicKey() = default;

    KeyType type_ = KeyType::k256;
    std::array<std::uint8_t, compressed_key_length> compressed_{};
    std::array<unsigned char, 64> secp_{};  // secp256k1_pubkey (k256 only)
    std::shared_ptr<evp_pkey_st> evp_;      // P-256 key (p256 only)
};

}  // namespace atproto::crypto
