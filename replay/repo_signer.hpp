// RepoSigner: a secp256k1 (k256) repo signing key for synthetic repos (replay/synthetic_network):
// signs commit digests the way a PDS does (compact r‖s, low-S) and gives its public key in the
// forms a DID document carries. The private key comes from a 32-byte seed, so a network can be
// regenerated identically. Thread-safety: one signer per thread (each owns a secp256k1 context).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>

#include "atproto/crypto/public_key.hpp"
#include "common/result.hpp"

struct secp256k1_context_struct;

namespace replay {

class RepoSigner {
public:
    // Error: the seed is not a valid secp256k1 secret key (zero or ≥ the curve order: ~2^-128).
    [[nodiscard]] static common::Result<RepoSigner> create(const std::array<std::uint8_t, 32>& seed);

    [[nodiscard]] const atproto::crypto::PublicKey& public_key() const noexcept { return public_key_; }
    // The 64-byte compact low-S signature of a SHA-256 digest.
    [[nodiscard]] std::array<std::uint8_t, 64> sign(std::span<const std::uint8_t, 32> digest) const;

private:
    struct ContextRelease {
        void operator()(secp256k1_context_struct* context) const noexcept;
    };
    RepoSigner(std::unique_ptr<secp256k1_context_struct, ContextRelease> context,
               const std::array<std::uint8_t, 32>& secret, atproto::crypto::PublicKey key)
        : context_(std::move(context)), secret_(secret), public_key_(std::move(key)) {}

    std::unique_ptr<secp256k1_context_struct, ContextRelease> context_;
    std::array<std::uint8_t, 32> secret_;
    atproto::crypto::PublicKey public_key_;
};

}  // namespace replay
