#include "replay/repo_signer.hpp"

#include <stdexcept>

#include <secp256k1.h>

namespace replay {

void RepoSigner::ContextRelease::operator()(secp256k1_context_struct* context) const noexcept {
    secp256k1_context_destroy(context);
}

common::Result<RepoSigner> RepoSigner::create(const std::array<std::uint8_t, 32>& seed) {
    std::unique_ptr<secp256k1_context, ContextRelease> context(secp256k1_context_create(SECP256K1_CONTEXT_NONE));
    if (!context) return common::fail("cannot create a secp256k1 context");
    if (secp256k1_ec_seckey_verify(context.get(), seed.data()) != 1) return common::fail("invalid secp256k1 secret key");
    secp256k1_pubkey point;
    if (secp256k1_ec_pubkey_create(context.get(), &point, seed.data()) != 1) {
        return common::fail("cannot derive the secp256k1 public key");
    }
    std::array<std::uint8_t, atproto::crypto::compressed_key_length> compressed{};
    std::size_t length = compressed.size();
    secp256k1_ec_pubkey_serialize(context.get(), compressed.data(), &length, &point, SECP256K1_EC_COMPRESSED);
    auto key = atproto::crypto::PublicKey::from_sec1(atproto::crypto::KeyType::k256, compressed);
    if (!key) return tl::unexpected(key.error());
    return RepoSigner(std::move(context), seed, std::move(*key));
}

std::array<std::uint8_t, 64> RepoSigner::sign(std::span<const std::uint8_t, 32> digest) const {
    secp256k1_ecdsa_signature signature;
    // libsecp256k1 always produces the low-S form atproto requires.
    if (secp256k1_ecdsa_sign(context_.get(), &signature, digest.data(), secret_.data(), nullptr, nullptr) != 1) {
        throw std::logic_error("secp256k1 signing failed with a verified key");
    }
    std::array<std::uint8_t, 64> compact{};
    secp256k1_ecdsa_signature_serialize_compact(context_.get(), compact.data(), &signature);
    return compact;
}

}  // namespace replay
