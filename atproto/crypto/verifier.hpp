// ECDSA verification of atproto signatures: SHA-256 of the message, 64-byte compact
// r||s, low-S required (high-S and DER-encoded signatures are rejected).
// Thread-safety: one Verifier per worker thread (it owns a reusable digest context);
// the PublicKey passed in may be shared between threads.
#pragma once

#include "atproto/crypto/public_key.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

namespace atproto::crypto {

inline constexpr std::size_t signature_length = 64;

enum class Verdict : std::uint8_t {
    valid,
    malformed,  // not 64 bytes (e.g. DER), or r / s zero or not below the curve order
    high_s,     // s > n/2: a valid ECDSA signature that atproto forbids (malleable)
    mismatch,   // well-formed but does not verify with this key and message
};

[[nodiscard]] const char* to_string(Verdict verdict) noexcept;

class Verifier {
public:
    // Throws std::runtime_error when OpenSSL cannot provide SHA-256 (a broken install).
    Verifier();
    ~Verifier();
    Verifier(Verifier&&) noexcept;
    Verifier& operator=(Verifier&&) noexcept;

    [[nodiscard]] Verdict verify(const PublicKey& key, std::span<const std::uint8_t> message,
                                 std::span<const std::uint8_t> signature);
    [[nodiscard]] Verdict verify(const PublicKey& key, std::span<const std::byte> message,
                                 std::span<const std::byte> signature);
    // For callers that already hold SHA-256(message).
    [[nodiscard]] Verdict verify_digest(const PublicKey& key, std::span<const std::uint8_t, 32> digest,
                                        std::span<const std::uint8_t> signature) const;

    [[nodiscard]] std::array<std::uint8_t, 32> sha256(std::span<const std::uint8_t> message);

private:
    struct Handles;
    std::unique_ptr<Handles> handles_;
};

// One-shot form for tests and cold paths; builds a Verifier each call.
[[nodiscard]] bool verify(const PublicKey& key, std::span<const std::uint8_t> message,
                          std::span<const std::uint8_t> signature);

}  // namespace atproto::crypto
