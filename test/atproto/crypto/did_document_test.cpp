#include "atproto/crypto/did_document.hpp"

#include "fixture_json.hpp"

#include <fstream>
#include <map>
#include <sstream>

namespace ac = atproto::crypto;
using test_crypto::load_json;
using test_crypto::str;

namespace {

std::string read_file(const std::string& relative) {
    std::ifstream in(test_crypto::shared_path(relative), std::ios::binary);
    INFO(relative);
    REQUIRE(in.good());
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

ac::DidDocument parse_fixture(ac::DidDocumentParser& parser, const std::string& name) {
    const auto doc = parser.parse(read_file("indigo-testdata/did-docs/" + name));
    INFO(name << ": " << (doc ? "" : doc.error().message));
    REQUIRE(doc.has_value());
    return *doc;
}

}  // namespace

TEST_CASE("multikey DID document yields key, handle and PDS", "[atproto][crypto][diddoc]") {
    ac::DidDocumentParser parser;
    const auto doc = parse_fixture(parser, "did_plc_doc.json");
    CHECK(doc.id == "did:plc:ewvi7nxzyoun6zhxrhs64oiz");
    CHECK(doc.handle == "atproto.com");
    CHECK(doc.also_known_as == std::vector<std::string>{"at://atproto.com"});
    CHECK(doc.pds_endpoint == "https://bsky.social");
    REQUIRE(doc.signing_key.has_value());
    CHECK(doc.signing_key->type() == ac::KeyType::k256);
    CHECK(doc.signing_key->did_key() == "did:key:zQ3shXjHeiBuRCKmM36cuYnm7YEMzhGnCmCyW92sRJ9pribSF");
    CHECK(doc.signing_key_error.empty());
}

TEST_CASE("legacy uncompressed-key DID document yields the same key as its multikey form",
          "[atproto][crypto][diddoc]") {
    ac::DidDocumentParser parser;
    const auto modern = parse_fixture(parser, "did_plc_doc.json");
    const auto legacy = parse_fixture(parser, "did_plc_doc_legacy.json");
    REQUIRE(legacy.signing_key.has_value());
    CHECK(*legacy.signing_key == *modern.signing_key);
    CHECK(legacy.handle == modern.handle);
    CHECK(legacy.pds_endpoint == modern.pds_endpoint);
}

TEST_CASE("did:web feed generator document has no key, handle or PDS", "[atproto][crypto][diddoc]") {
    ac::DidDocumentParser parser;
    const auto doc = parse_fixture(parser, "did_web_doc.json");
    CHECK(doc.id == "did:web:discover.bsky.social");
    CHECK_FALSE(doc.signing_key.has_value());
    CHECK(doc.signing_key_error.empty());
    CHECK_FALSE(doc.handle.has_value());
    CHECK_FALSE(doc.pds_endpoint.has_value());
}

TEST_CASE("CAR owners' DID documents give the keys the reference tools checked", "[atproto][crypto][diddoc]") {
    ac::DidDocumentParser parser;
    simdjson::dom::parser json;
    const std::vector<std::pair<std::string, std::string>> pairs = {
        {"paul_staging.didDoc.json", "paul_staging.repo"},
        {"fakermaker.didDoc.json", "fakermaker.repo"},
        {"did_plc_z5vnbioquyhivxirw3bbljmu.didDoc.json", "bafyreieovfuizojpw3zresz7sx3nk4trm2by23pt5rxbey3jme4uo5ogiu"}};
    for (const auto& [doc_name, car] : pairs) {
        INFO(doc_name);
        const auto doc = parse_fixture(parser, doc_name);
        const auto expected = load_json(json, "indigo-testdata/cars/" + car + ".expected.json");
        REQUIRE(doc.signing_key.has_value());
        CHECK(doc.signing_key->did_key() == str(expected["verify"]["signing_key"], "didKey"));
        CHECK(doc.handle.has_value());
        CHECK(doc.pds_endpoint.has_value());
    }
    const auto greenground = parse_fixture(parser, "greenground.didDoc.json");
    CHECK(greenground.handle == "greenground.bsky.social");
    CHECK(greenground.signing_key.has_value());
}

TEST_CASE("every jetstream corpus DID document parses and signs with its #atproto multikey",
          "[atproto][crypto][diddoc]") {
    simdjson::dom::parser json;
    const auto docs = load_json(json, "jetstream-corpus/did_docs.json");
    ac::DidDocumentParser parser;
    std::map<std::string, std::string, std::less<>> did_keys;
    for (auto [did, body] : docs.get_object()) {
        INFO(did);
        const auto doc = parser.parse(simdjson::minify(body));
        REQUIRE(doc.has_value());
        CHECK(doc->id == did);
        REQUIRE(doc->signing_key.has_value());
        std::string_view multibase;
        for (auto method : body["verificationMethod"].get_array()) {
            if (std::string_view(method["id"].get_string()).ends_with("#atproto")) multibase = method["publicKeyMultibase"];
        }
        CHECK(doc->signing_key->did_key() == "did:key:" + std::string(multibase));
        CHECK(doc->pds_endpoint.has_value());
        did_keys.emplace(std::string(did), doc->signing_key->did_key());
    }
    CHECK(did_keys.size() >= 100);

    // The 148 commits of the corpus were signed with exactly these keys.
    std::size_t commits = 0;
    for (auto frame : load_json(json, "jetstream-corpus/frames.expected.json")["frames"].get_array()) {
        simdjson::dom::element commit;
        if (frame["commit_object"].get(commit) != simdjson::SUCCESS) continue;
        const auto found = did_keys.find(str(commit, "did"));
        REQUIRE(found != did_keys.end());
        CHECK(found->second == str(commit, "signing_key"));
        ++commits;
    }
    CHECK(commits == 148);
}

TEST_CASE("malformed DID documents are errors and odd members are tolerated", "[atproto][crypto][diddoc]") {
    ac::DidDocumentParser parser;
    CHECK_FALSE(parser.parse("not json").has_value());
    CHECK_FALSE(parser.parse("[]").has_value());
    CHECK_FALSE(parser.parse("{}").has_value());
    CHECK_FALSE(parser.parse(R"({"id":"plc:abc"})").has_value());
    CHECK_FALSE(parser.parse(R"({"id":"did:plc:abc","alsoKnownAs":"at://x.test"})").has_value());
    CHECK_FALSE(parser.parse(R"({"id":"did:plc:abc","verificationMethod":[1]})").has_value());

    const auto odd = parser.parse(R"({"id":"did:plc:abc","alsoKnownAs":["https://x","at://Bad_Handle","at://b.test"],
        "verificationMethod":[{"id":"#atproto","type":"JsonWebKey2020","publicKeyJwk":{}}],
        "service":[{"id":"#atproto_pds","type":"AtprotoPersonalDataServer","serviceEndpoint":{"a":1}},
                   {"id":"did:plc:abc#atproto_pds","type":"AtprotoPersonalDataServer","serviceEndpoint":"https://pds.test"}]})");
    REQUIRE(odd.has_value());
    CHECK_FALSE(odd->handle.has_value());  // the first at:// entry decides, and it is invalid
    CHECK(odd->also_known_as.size() == 3);
    CHECK_FALSE(odd->signing_key.has_value());
    CHECK(odd->signing_key_error.find("JsonWebKey2020") != std::string::npos);
    CHECK(odd->pds_endpoint == "https://pds.test");

    const auto bad_key = parser.parse(R"({"id":"did:plc:abc","verificationMethod":[
        {"id":"did:plc:abc#atproto","type":"Multikey","publicKeyMultibase":"zzzz"}]})");
    REQUIRE(bad_key.has_value());
    CHECK_FALSE(bad_key->signing_key.has_value());
    CHECK_FALSE(bad_key->signing_key_error.empty());
}
