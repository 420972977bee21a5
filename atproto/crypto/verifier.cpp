#include "atproto/crypto/verifier.hpp"

#include "atproto/crypto/openssl_handle.hpp"

#include <secp256k1.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace atproto::crypto {

namespace {

using Scalar = std::array<std::uint8_t, 32>;  // big-endian

constexpr Scalar p256_order = {0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff,
                               0xff, 0xff, 0xff, 0xff, 0xff, 0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17,
                               0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51};
constexpr Scalar p256_half_order = {0x7f, 0xff, 0xff, 0xff, 0x80, 0x00, 0x00, 0x00, 0x7f, 0xff, 0xff,
                                    0xff, 0xff, 0xff, 0xff, 0xff, 0xde, 0x73, 0x7d, 0x56, 0xd3, 0x8b,
                                    0xcf, 0x42, 0x79, 0xdc, 0xe5, 0x61, 0x7e, 0x31, 0x92, 0xa8};
constexpr Scalar k256_order = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                               0xff, 0xff, 0xff, 0xff, 0xfe, 0xba, 0xae, 0xdc, 0xe6, 0xaf, 0x48,
                               0xa0, 0x3b, 0xbf, 0xd2, 0x5e, 0x8c, 0xd0, 0x36, 0x41, 0x41};
constexpr Scalar k256_half_order = {0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                    0xff, 0xff, 0xff, 0xff, 0xff, 0x5d, 0x57, 0x6e, 0x73, 0x57, 0xa4,
                                    0x50, 0x1d, 0xdf, 0xe9, 0x2f, 0x46, 0x68, 0x1b, 0x20, 0xa0};

// Big-endian comparison of a 32-byte slice against a constant.
int compare(std::span<const std::uint8_t> a, const Scalar& b) noexcept {
    return std::memcmp(a.data(), b.data(), b.size());
}

bool is_zero(std::span<const std::uint8_t> a) noexcept {
    return std::all_of(a.begin(), a.end(), [](std::uint8_t v) { return v == 0; });
}

// The range and low-S checks shared by both curves.
Verdict check_scalars(std::span<const std::uint8_t> signature, KeyType type) noexcept {
    if (signature.size() != signature_length) return Verdict::malformed;
    const auto r = signature.first(32);
    const auto s = signature.subspan(32);
    const Scalar& order = type == KeyType::p256 ? p256_order : k256_order;
    const Scalar& half = type == KeyType::p256 ? p256_half_order : k256_half_order;
    if (is_zero(r) || is_zero(s) || compare(r, order) >= 0 || compare(s, order) >= 0) {
        return Verdict::malformed;
    }
    return compare(s, half) > 0 ? Verdict::high_s : Verdict::valid;
}

// DER INTEGER of a positive big-endian scalar: minimal length, 0x00 pad if the top bit is set.
std::size_t put_der_integer(std::span<const std::uint8_t> scalar, std::uint8_t* out) noexcept {
    std::size_t skip = 0;
    while (skip + 1 < scalar.size() && scalar[skip] == 0) ++skip;
    const bool pad = (scalar[skip] & 0x80) != 0;
    const std::size_t length = scalar.size() - skip + (pad ? 1 : 0);
    std::size_t pos = 0;
    out[pos++] = 0x02;
    out[pos++] = static_cast<std::uint8_t>(length);
    if (pad) out[pos++] = 0x00;
    std::memcpy(out + pos, scalar.data() + skip, scalar.size() - skip);
    return pos + scalar.size() - skip;
}

// OpenSSL's EVP verify wants DER; a compact r||s always fits in 72 bytes.
std::size_t compact_to_der(std::span<const std::uint8_t> signature, std::array<std::uint8_t, 72>& der) noexcept {
    std::size_t pos = 2;
    pos += put_der_integer(signature.first(32), der.data() + pos);
    pos += put_der_integer(signature.subspan(32), der.data() + pos);
    der[0] = 0x30;
    der[1] = static_cast<std::uint8_t>(pos - 2);
    return pos;
}

bool verify_p256(evp_pkey_st* key, std::span<const std::uint8_t, 32> digest,
                 std::span<const std::uint8_t> signature) {
    std::array<std::uint8_t, 72> der{};
    const std::size_t der_length = compact_to_der(signature, der);
    ossl::PkeyCtx ctx(EVP_PKEY_CTX_new(key, nullptr));
    const bool ok = ctx && EVP_PKEY_verify_init(ctx.get()) > 0 &&
                    EVP_PKEY_verify(ctx.get(), der.data(), der_length, digest.data(), digest.size()) == 1;
    if (!ok) ossl::clear_errors();
    return ok;
}

bool verify_k256(const std::array<unsigned char, 64>& key, std::span<const std::uint8_t, 32> digest,
                 std::span<const std::uint8_t> signature) noexcept {
    secp256k1_ecdsa_signature sig;
    if (secp256k1_ecdsa_signature_parse_compact(secp256k1_context_static, &sig, signature.data()) != 1) {
        return false;
    }
    secp256k1_pubkey pubkey;
    std::memcpy(pubkey.data, key.data(), key.size());
    return secp256k1_ecdsa_verify(secp256k1_context_static, &sig, digest.data(), &pubkey) == 1;
}

}  // namespace

const char* to_string(Verdict verdict) noexcept {
    switch (verdict) {
        case Verdict::valid: return "valid";
        case Verdict::malformed: return "malformed signature";
        case Verdict::high_s: return "high-S signature";
        case Verdict::mismatch: return "signature mismatch";
    }
    return "unknown verdict";
}

struct Verifier::Handles {
    ossl::Md sha256{EVP_MD_fetch(nullptr, "SHA256", nullptr)};
    ossl::MdCtx digest{EVP_MD_CTX_new()};
};

Verifier::Verifier() : handles_(std::make_unique<Handles>()) {
    if (!handles_->sha256 || !handles_->digest) throw std::runtime_error("OpenSSL: SHA-256 unavailable");
}
Verifier::~Verifier() = default;
Verifier::Verifier(Verifier&&) noexcept = default;
Verifier& Verifier::operator=(Verifier&&) noexcept = default;

std::array<std::uint8_t, 32> Verifier::sha256(std::span<const std::uint8_t> message) {
    std::array<std::uint8_t, 32> out{};
    unsigned length = 0;
    EVP_MD_CTX* ctx = handles_->digest.get();
    if (EVP_DigestInit_ex2(ctx, handles_->sha256.get(), nullptr) != 1 ||
        EVP_DigestUpdate(ctx, message.data(), message.size()) != 1 ||
        EVP_DigestFinal_ex(ctx, out.data(), &length) != 1 || length != out.size()) {
        ossl::clear_errors();
        throw std::runtime_error("OpenSSL: SHA-256 failed");
    }
    return out;
}

Verdict Verifier::verify_digest(const PublicKey& key, std::span<const std::uint8_t, 32> digest,
                                std::span<const std::uint8_t> signature) const {
    const Verdict shape = check_scalars(signature, key.type_);
    if (shape != Verdict::valid) return shape;
    const bool ok = key.type_ == KeyType::p256 ? verify_p256(key.evp_.get(), digest, signature)
                                               : verify_k256(key.secp_, digest, signature);
    return ok ? Verdict::valid : Verdict::mismatch;
}

Verdict Verifier::verify(const PublicKey& key, std::span<const std::uint8_t> message,
                         std::span<const std::uint8_t> signature) {
    if (signature.size() != signature_length) return Verdict::malformed;
    const auto digest = sha256(message);
    return verify_digest(key, digest, signature);
}

Verdict Verifier::verify(const PublicKey& key, std::span<const std::byte> message,
                         std::span<const std::byte> signature) {
    const auto as_u8 = [](std::span<const std::byte> b) {
        return std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(b.data()), b.size());
    };
    return verify(key, as_u8(message), as_u8(signature));
}

bool verify(const PublicKey& key, std::span<const std::uint8_t> message, std::span<const std::uint8_t> signature) {
    Verifier verifier;
    return verifier.verify(key, message, signature) == Verdict::valid;
}

}  // namespace atproto::crypto
