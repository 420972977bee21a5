// RepoPresenceChecker: deleteActor's confirmation (indexing-semantics §5.3). Resolves the DID
// document afresh, then asks the PDS for com.atproto.sync.getLatestCommit: RepoNotFound, no
// document or no PDS → gone; an answer (or another XRPC refusal such as RepoTakendown) → present;
// network trouble, 429, 5xx → retry_later. Thread-safety: check() from any thread; callbacks run
// on the HTTP client's thread.
#pragma once

#include <functional>
#include <string>

#include "net/http_client.hpp"
#include "stages/identity/did_resolver.hpp"
#include "stages/identity/identity.hpp"
#include "stages/identity/identity_config.hpp"
#include "stages/identity/identity_metrics.hpp"

namespace stages::identity {

class RepoPresenceChecker {
public:
    using Callback = std::function<void(RepoPresence)>;

    RepoPresenceChecker(const IdentityConfig& config, DidResolver& dids, net::HttpClient& http,
                        IdentityMetrics& metrics);

    // Never blocks; the callback runs exactly once.
    void check(const std::string& did, Callback callback);

    // How a getLatestCommit answer (or failure) decides the question.
    [[nodiscard]] static RepoPresence interpret_latest_commit(const net::HttpResult& result);

private:
    void ask_pds(const std::string& did, const std::string& pds, Callback callback);
    void deliver(const Callback& callback, RepoPresence presence);

    const IdentityConfig& config_;
    DidResolver& dids_;
    net::HttpClient& http_;
    IdentityMetrics& metrics_;
};

}  // namespace stages::identity
