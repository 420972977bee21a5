#include "atproto/crypto/verifier.hpp"

#include "fixture_json.hpp"

#include <thread>

namespace ac = atproto::crypto;
using test_crypto::base64;
using test_crypto::load_json;
using test_crypto::str;

namespace {

bool has_tag(simdjson::dom::element entry, std::string_view tag) {
    for (auto t : entry["tags"].get_array()) {
        if (std::string_view(t.get_string()) == tag) return true;
    }
    return false;
}

}  // namespace

TEST_CASE("every signature fixture verifies exactly when it is marked valid", "[atproto][crypto][verify]") {
    simdjson::dom::parser parser;
    ac::Verifier verifier;
    std::size_t valid = 0;
    std::size_t invalid = 0;
    for (auto entry : load_json(parser, "atproto-interop-tests/crypto/signature-fixtures.json").get_array()) {
        INFO(str(entry, "comment"));
        const auto key = ac::PublicKey::from_did_key(str(entry, "publicKeyDid"));
        REQUIRE(key.has_value());
        const auto message = base64(str(entry, "messageBase64"));
        const auto signature = base64(str(entry, "signatureBase64"));
        const auto verdict = verifier.verify(*key, message, signature);
        INFO("verdict: " << ac::to_string(verdict));
        if (bool(entry["validSignature"])) {
            CHECK(verdict == ac::Verdict::valid);
            CHECK(ac::verify(*key, message, signature));
            ++valid;
        } else {
            CHECK(verdict != ac::Verdict::valid);
            if (has_tag(entry, "high-s")) CHECK(verdict == ac::Verdict::high_s);
            if (has_tag(entry, "der-encoded")) CHECK(verdict == ac::Verdict::malformed);
            CHECK_FALSE(ac::verify(*key, message, signature));
            ++invalid;
        }
    }
    CHECK(valid >= 2);
    CHECK(invalid >= 4);
}

TEST_CASE("a valid signature fails after flipping one message or signature bit", "[atproto][crypto][verify]") {
    simdjson::dom::parser parser;
    ac::Verifier verifier;
    for (auto entry : load_json(parser, "atproto-interop-tests/crypto/signature-fixtures.json").get_array()) {
        if (!bool(entry["validSignature"])) continue;
        INFO(str(entry, "comment"));
        const auto key = ac::PublicKey::from_did_key(str(entry, "publicKeyDid"));
        REQUIRE(key.has_value());
        auto message = base64(str(entry, "messageBase64"));
        auto signature = base64(str(entry, "signatureBase64"));
        REQUIRE(verifier.verify(*key, message, signature) == ac::Verdict::valid);
        message[0] ^= 1;
        CHECK(verifier.verify(*key, message, signature) == ac::Verdict::mismatch);
        message[0] ^= 1;
        signature[5] ^= 1;
        CHECK(verifier.verify(*key, message, signature) == ac::Verdict::mismatch);
        signature[5] ^= 1;
        // The same bytes as std::byte spans (what CBOR decoders hand out).
        CHECK(verifier.verify(*key, std::as_bytes(std::span(message)), std::as_bytes(std::span(signature))) ==
              ac::Verdict::valid);
    }
}

TEST_CASE("signatures with zero or out-of-range scalars are malformed", "[atproto][crypto][verify]") {
    const auto key = ac::PublicKey::from_did_key("did:key:zDnaembgSGUhZULN2Caob4HLJPaxBh92N7rtH21TErzqf8HQo");
    REQUIRE(key.has_value());
    ac::Verifier verifier;
    const std::vector<std::uint8_t> message = {1, 2, 3};
    CHECK(verifier.verify(*key, message, std::vector<std::uint8_t>(64, 0)) == ac::Verdict::malformed);
    CHECK(verifier.verify(*key, message, std::vector<std::uint8_t>(64, 0xff)) == ac::Verdict::malformed);
    CHECK(verifier.verify(*key, message, std::vector<std::uint8_t>(63, 1)) == ac::Verdict::malformed);
    CHECK(verifier.verify(*key, message, std::vector<std::uint8_t>{}) == ac::Verdict::malformed);
}

TEST_CASE("one parsed key serves verifiers on several threads at once", "[atproto][crypto][verify]") {
    simdjson::dom::parser parser;
    struct Case {
        ac::PublicKey key;
        std::vector<std::uint8_t> message;
        std::vector<std::uint8_t> signature;
    };
    std::vector<Case> cases;
    for (auto entry : load_json(parser, "atproto-interop-tests/crypto/signature-fixtures.json").get_array()) {
        if (!bool(entry["validSignature"])) continue;
        cases.push_back({*ac::PublicKey::from_did_key(str(entry, "publicKeyDid")),
                         base64(str(entry, "messageBase64")), base64(str(entry, "signatureBase64"))});
    }
    std::atomic<int> failures{0};
    auto worker = [&] {
        ac::Verifier verifier;
        for (int round = 0; round < 200; ++round) {
            for (const auto& c : cases) {
                if (verifier.verify(c.key, c.message, c.signature) != ac::Verdict::valid) ++failures;
            }
        }
    };
    std::jthread a(worker);
    std::jthread b(worker);
    a.join();
    b.join();
    CHECK(failures == 0);
}
