#include "atproto/crypto/base58.hpp"
#include "atproto/crypto/public_key.hpp"

#include "fixture_json.hpp"

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/obj_mac.h>
#include <secp256k1.h>

#include <memory>

namespace ac = atproto::crypto;
using test_crypto::load_json;
using test_crypto::str;

namespace {

// Independent derivation of the public point from a private scalar (the library itself
// never sees private keys): libsecp256k1 for K-256, OpenSSL EC_POINT_mul for P-256.
std::vector<std::uint8_t> k256_public(const std::vector<std::uint8_t>& secret) {
    struct Destroy {
        void operator()(secp256k1_context* c) const noexcept { secp256k1_context_destroy(c); }
    };
    std::unique_ptr<secp256k1_context, Destroy> ctx(secp256k1_context_create(SECP256K1_CONTEXT_NONE));
    secp256k1_pubkey pubkey;
    REQUIRE(secp256k1_ec_pubkey_create(ctx.get(), &pubkey, secret.data()) == 1);
    std::vector<std::uint8_t> out(33);
    std::size_t length = out.size();
    REQUIRE(secp256k1_ec_pubkey_serialize(ctx.get(), out.data(), &length, &pubkey, SECP256K1_EC_COMPRESSED) == 1);
    return out;
}

std::vector<std::uint8_t> p256_public(const std::vector<std::uint8_t>& secret) {
    std::unique_ptr<EC_GROUP, decltype(&EC_GROUP_free)> group(EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1),
                                                              EC_GROUP_free);
    std::unique_ptr<EC_POINT, decltype(&EC_POINT_free)> point(EC_POINT_new(group.get()), EC_POINT_free);
    std::unique_ptr<BIGNUM, decltype(&BN_free)> scalar(
        BN_bin2bn(secret.data(), static_cast<int>(secret.size()), nullptr), BN_free);
    REQUIRE(EC_POINT_mul(group.get(), point.get(), scalar.get(), nullptr, nullptr, nullptr) == 1);
    std::vector<std::uint8_t> out(33);
    REQUIRE(EC_POINT_point2oct(group.get(), point.get(), POINT_CONVERSION_COMPRESSED, out.data(), out.size(),
                               nullptr) == out.size());
    return out;
}

}  // namespace

TEST_CASE("did:key derived from every W3C K-256 private key matches the fixture", "[atproto][crypto][didkey]") {
    simdjson::dom::parser parser;
    std::size_t count = 0;
    for (auto entry : load_json(parser, "atproto-interop-tests/crypto/w3c_didkey_K256.json").get_array()) {
        const auto expected = str(entry, "publicDidKey");
        const auto key = ac::PublicKey::from_sec1(ac::KeyType::k256, k256_public(test_crypto::hex(str(entry, "privateKeyBytesHex"))));
        REQUIRE(key.has_value());
        CHECK(key->did_key() == expected);
        const auto parsed = ac::PublicKey::from_did_key(expected);
        REQUIRE(parsed.has_value());
        CHECK(*parsed == *key);
        ++count;
    }
    CHECK(count >= 5);
}

TEST_CASE("did:key derived from the W3C P-256 private key matches the fixture", "[atproto][crypto][didkey]") {
    simdjson::dom::parser parser;
    std::size_t count = 0;
    for (auto entry : load_json(parser, "atproto-interop-tests/crypto/w3c_didkey_P256.json").get_array()) {
        const auto secret = ac::base58_decode(str(entry, "privateKeyBytesBase58"));
        REQUIRE(secret.has_value());
        const auto key = ac::PublicKey::from_sec1(ac::KeyType::p256, p256_public(*secret));
        REQUIRE(key.has_value());
        CHECK(key->did_key() == str(entry, "publicDidKey"));
        const auto parsed = ac::PublicKey::from_did_key(str(entry, "publicDidKey"));
        REQUIRE(parsed.has_value());
        CHECK(parsed->type() == ac::KeyType::p256);
        CHECK(*parsed == *key);
        ++count;
    }
    CHECK(count == 1);
}

TEST_CASE("signature fixture keys agree between did:key and legacy multibase forms", "[atproto][crypto][didkey]") {
    simdjson::dom::parser parser;
    for (auto entry : load_json(parser, "atproto-interop-tests/crypto/signature-fixtures.json").get_array()) {
        const auto type = str(entry, "algorithm") == "ES256" ? ac::KeyType::p256 : ac::KeyType::k256;
        const auto from_did = ac::PublicKey::from_did_key(str(entry, "publicKeyDid"));
        const auto legacy = ac::PublicKey::from_legacy_multibase(type, str(entry, "publicKeyMultibase"));
        INFO(str(entry, "comment"));
        REQUIRE(from_did.has_value());
        REQUIRE(legacy.has_value());
        CHECK(from_did->type() == type);
        CHECK(*from_did == *legacy);
        CHECK(legacy->did_key() == str(entry, "publicKeyDid"));
        CHECK("did:key:" + from_did->multikey() == from_did->did_key());
    }
}

TEST_CASE("uncompressed legacy keys compress to the did:key the reference tools derive",
          "[atproto][crypto][didkey]") {
    simdjson::dom::parser parser;
    for (const char* car : {"paul_staging.repo", "fakermaker.repo"}) {
        INFO(car);
        const simdjson::dom::element root = load_json(parser, std::string("indigo-testdata/cars/") + car + ".expected.json");
        const simdjson::dom::element signing = root["verify"]["signing_key"];
        const auto type = str(signing, "vmType") == "EcdsaSecp256r1VerificationKey2019" ? ac::KeyType::p256
                                                                                        : ac::KeyType::k256;
        const auto key = ac::PublicKey::from_legacy_multibase(type, str(signing, "legacyMultibase"));
        REQUIRE(key.has_value());
        CHECK(key->did_key() == str(signing, "didKey"));
    }
}

TEST_CASE("malformed did:key and multibase values are errors, not crashes", "[atproto][crypto][didkey]") {
    const std::string good = "did:key:zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme";
    REQUIRE(ac::PublicKey::from_did_key(good).has_value());
    CHECK_FALSE(ac::PublicKey::from_did_key("did:web:example.com").has_value());
    CHECK_FALSE(ac::PublicKey::from_did_key("did:key:").has_value());
    CHECK_FALSE(ac::PublicKey::from_did_key("did:key:mQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme").has_value());
    CHECK_FALSE(ac::PublicKey::from_did_key("did:key:zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBm0").has_value());
    CHECK_FALSE(ac::PublicKey::from_did_key(good.substr(0, good.size() - 3)).has_value());
    // ed25519 (0xed) is a valid did:key but not an atproto signing key type.
    const auto ed = ac::PublicKey::from_did_key("did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK");
    REQUIRE_FALSE(ed.has_value());
    CHECK(ed.error().message.find("0xed") != std::string::npos);
}

TEST_CASE("points that are not on the curve are rejected for both curves", "[atproto][crypto][didkey]") {
    const std::vector<std::uint8_t> secret(32, 7);
    for (auto type : {ac::KeyType::k256, ac::KeyType::p256}) {
        const auto compressed = type == ac::KeyType::k256 ? k256_public(secret) : p256_public(secret);
        REQUIRE(ac::PublicKey::from_sec1(type, compressed).has_value());
        // Same X with Y = 1: (X, 1) is not on either curve.
        std::vector<std::uint8_t> uncompressed(65, 0);
        uncompressed[0] = 0x04;
        std::copy(compressed.begin() + 1, compressed.end(), uncompressed.begin() + 1);
        uncompressed[64] = 1;
        CHECK_FALSE(ac::PublicKey::from_sec1(type, uncompressed).has_value());
        CHECK_FALSE(ac::PublicKey::from_sec1(type, std::vector<std::uint8_t>(33, 0)).has_value());
        CHECK_FALSE(ac::PublicKey::from_sec1(type, std::vector<std::uint8_t>(32, 2)).has_value());
    }
}
