// DID document → the three things an atproto indexer needs: the `#atproto` signing key,
// the `#atproto_pds` endpoint and the `at://` handles. Thread-safety: a
// DidDocumentParser is one-per-thread (it reuses a simdjson parser); results are values.
#pragma once

#include "atproto/crypto/public_key.hpp"
#include "common/result.hpp"

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace atproto::crypto {

struct DidDocument {
    std::string id;
    std::vector<std::string> also_known_as;   // every entry, as written
    std::optional<std::string> handle;        // first `at://` entry, lower-cased; nullopt if none or invalid
    std::optional<std::string> pds_endpoint;  // `#atproto_pds` AtprotoPersonalDataServer serviceEndpoint
    std::optional<PublicKey> signing_key;     // `#atproto` verification method
    std::string signing_key_error;            // why a present `#atproto` method gave no key; else empty
};

class DidDocumentParser {
public:
    DidDocumentParser();
    ~DidDocumentParser();
    DidDocumentParser(DidDocumentParser&&) noexcept;
    DidDocumentParser& operator=(DidDocumentParser&&) noexcept;

    // Error for malformed JSON, a missing/invalid `id`, or wrongly typed known fields.
    // An unusable signing key is not an error: see DidDocument::signing_key_error.
    [[nodiscard]] common::Result<DidDocument> parse(std::string_view json);

private:
    struct State;
    std::unique_ptr<State> state_;
};

// One-shot form (builds a parser per call).
[[nodiscard]] common::Result<DidDocument> parse_did_document(std::string_view json);

}  // namespace atproto::crypto
