#include "atproto/crypto/public_key.hpp"

#include "atproto/crypto/base58.hpp"
#include "atproto/crypto/openssl_handle.hpp"

#include <fmt/format.h>
#include <openssl/core_names.h>
#include <openssl/params.h>
#include <secp256k1.h>

#include <cstring>
#include <optional>

namespace atproto::crypto {

static_assert(sizeof(secp256k1_pubkey) == 64, "PublicKey::secp_ holds a secp256k1_pubkey");

namespace {

constexpr std::string_view did_key_prefix = "did:key:";
constexpr std::size_t uncompressed_key_length = 65;

// Unsigned LEB128 multicodec prefix; advances `pos`. nullopt if truncated or > 9 bytes.
std::optional<std::uint64_t> read_varint(std::span<const std::uint8_t> bytes, std::size_t& pos) {
    std::uint64_t value = 0;
    for (unsigned shift = 0; pos < bytes.size() && shift < 63; shift += 7) {
        const std::uint8_t byte = bytes[pos++];
        value |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
        if ((byte & 0x80) == 0) return value;
    }
    return std::nullopt;
}

void put_varint(std::uint64_t value, std::vector<std::uint8_t>& out) {
    for (; value >= 0x80; value >>= 7) out.push_back(static_cast<std::uint8_t>(value | 0x80));
    out.push_back(static_cast<std::uint8_t>(value));
}

common::Result<std::vector<std::uint8_t>> decode_multibase(std::string_view multibase) {
    if (multibase.empty() || multibase.front() != 'z') {
        return common::fail("key multibase must be base58btc ('z' prefix)");
    }
    auto bytes = base58_decode(multibase.substr(1));
    if (!bytes) return common::fail("key multibase is not valid base58");
    return std::move(*bytes);
}

bool import_k256(std::span<const std::uint8_t> point, std::array<unsigned char, 64>& secp,
                 std::array<std::uint8_t, 33>& compressed) {
    secp256k1_pubkey parsed;
    if (secp256k1_ec_pubkey_parse(secp256k1_context_static, &parsed, point.data(), point.size()) != 1) {
        return false;
    }
    std::memcpy(secp.data(), parsed.data, secp.size());
    std::size_t length = compressed.size();
    return secp256k1_ec_pubkey_serialize(secp256k1_context_static, compressed.data(), &length, &parsed,
                                         SECP256K1_EC_COMPRESSED) == 1 &&
           length == compressed.size();
}

// OpenSSL checks that the point lies on the curve while importing it.
std::shared_ptr<evp_pkey_st> import_p256(std::span<const std::uint8_t> point) {
    char group[] = "prime256v1";
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, group, 0),
        OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY,
                                          const_cast<std::uint8_t*>(point.data()), point.size()),
        OSSL_PARAM_construct_end()};
    ossl::PkeyCtx ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
    EVP_PKEY* raw = nullptr;
    if (!ctx || EVP_PKEY_fromdata_init(ctx.get()) <= 0 ||
        EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params) <= 0) {
        ossl::clear_errors();
        return nullptr;
    }
    return std::shared_ptr<evp_pkey_st>(raw, EVP_PKEY_free);
}

// SEC1 compression by hand: 0x02/0x03 by the parity of Y, then X.
std::array<std::uint8_t, 33> compress(std::span<const std::uint8_t> point) {
    std::array<std::uint8_t, 33> out{};
    if (point.size() == compressed_key_length) {
        std::memcpy(out.data(), point.data(), out.size());
    } else {
        out[0] = static_cast<std::uint8_t>(0x02 | (point[64] & 1));
        std::memcpy(out.data() + 1, point.data() + 1, 32);
    }
    return out;
}

}  // namespace

common::Result<PublicKey> PublicKey::from_sec1(KeyType type, std::span<const std::uint8_t> point) {
    if (point.size() != compressed_key_length && point.size() != uncompressed_key_length) {
        return common::fail(
            fmt::format("public key must be a 33- or 65-byte SEC1 point, got {} bytes", point.size()));
    }
    PublicKey key;
    key.type_ = type;
    if (type == KeyType::k256) {
        if (!import_k256(point, key.secp_, key.compressed_)) {
            return common::fail("secp256k1 public key is not a point on the curve");
        }
        return key;
    }
    key.evp_ = import_p256(point);
    if (!key.evp_) return common::fail("P-256 public key is not a point on the curve");
    key.compressed_ = compress(point);
    return key;
}

common::Result<PublicKey> PublicKey::from_multikey(std::string_view multibase) {
    auto bytes = decode_multibase(multibase);
    if (!bytes) return tl::unexpected(bytes.error());
    std::size_t pos = 0;
    const auto codec = read_varint(*bytes, pos);
    if (!codec) return common::fail("multikey has a malformed multicodec prefix");
    const std::span<const std::uint8_t> point = std::span(*bytes).subspan(pos);
    if (*codec == multicodec_k256_pub) return from_sec1(KeyType::k256, point);
    if (*codec == multicodec_p256_pub) return from_sec1(KeyType::p256, point);
    return common::fail(fmt::format("unsupported multicodec key type {:#x}", *codec));
}

common::Result<PublicKey> PublicKey::from_did_key(std::string_view did_key) {
    if (!did_key.starts_with(did_key_prefix)) return common::fail("did:key must start with 'did:key:'");
    return from_multikey(did_key.substr(did_key_prefix.size()));
}

common::Result<PublicKey> PublicKey::from_legacy_multibase(KeyType type, std::string_view multibase) {
    auto bytes = decode_multibase(multibase);
    if (!bytes) return tl::unexpected(bytes.error());
    return from_sec1(type, *bytes);
}

std::string PublicKey::multikey() const {
    std::vector<std::uint8_t> bytes;
    bytes.reserve(2 + compressed_.size());
    put_varint(type_ == KeyType::k256 ? multicodec_k256_pub : multicodec_p256_pub, bytes);
    bytes.insert(bytes.end(), compressed_.begin(), compressed_.end());
    return "z" + base58_encode(bytes);
}

std::string PublicKey::did_key() const { return std::string(did_key_prefix) + multikey(); }

}  // namespace atproto::crypto
