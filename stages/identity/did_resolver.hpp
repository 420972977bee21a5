// DidResolver: DID → DID document over HTTP, asynchronously. did:plc from the PLC directory
// (paced by a token bucket; a 429's Retry-After pauses it), did:web from
// https://<host>/.well-known/did.json (http for localhost). Always fetches (no cache: the caller
// caches resolved identities). Thread-safety: resolve() from any thread; callbacks run on the HTTP
// client's thread.
#pragma once

#include <functional>
#include <mutex>
#include <string>
#include <string_view>

#include "atproto/crypto/did_document.hpp"
#include "net/http_client.hpp"
#include "net/token_bucket.hpp"
#include "stages/identity/identity.hpp"
#include "stages/identity/identity_config.hpp"
#include "stages/identity/identity_metrics.hpp"

namespace stages::identity {

using DocumentResult = tl::expected<atproto::crypto::DidDocument, IdentityError>;

class DidResolver {
public:
    using Callback = std::function<void(DocumentResult)>;

    DidResolver(const IdentityConfig& config, net::HttpClient& http, IdentityMetrics& metrics);

    // Never blocks; the callback runs exactly once. The document's `id` must equal `did`.
    void resolve(const std::string& did, Callback callback);

    // Where the document of `did` lives; invalid_document for other methods or a did:web with a
    // path or a port (ports only for localhost).
    [[nodiscard]] static tl::expected<std::string, IdentityError> document_url(std::string_view did,
                                                                               std::string_view plc_url);

private:
    DocumentResult interpret(const std::string& did, bool is_plc, net::HttpResult result);

    const IdentityConfig& config_;
    net::HttpClient& http_;
    IdentityMetrics& metrics_;
    net::TokenBucket plc_bucket_;
    std::mutex parser_mutex_;
    atproto::crypto::DidDocumentParser parser_;
};

// The IdentityError for an HTTP failure or non-2xx status (shared with the other identity fetches).
[[nodiscard]] IdentityError http_failure(const net::HttpResult& result, std::string_view what);

}  // namespace stages::identity
