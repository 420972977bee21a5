#include "stages/identity/repo_presence_checker.hpp"

#include <simdjson.h>

namespace stages::identity {

namespace {

// The `error` name of an XRPC error body, empty when the body is not one.
std::string xrpc_error_name(const std::string& body) {
    simdjson::dom::parser parser;
    simdjson::dom::element root;
    if (parser.parse(body).get(root) != simdjson::SUCCESS) return {};
    std::string_view name;
    if (root["error"].get(name) != simdjson::SUCCESS) return {};
    return std::string(name);
}

}  // namespace

RepoPresenceChecker::RepoPresenceChecker(const IdentityConfig& config, DidResolver& dids, net::HttpClient& http,
                                         IdentityMetrics& metrics)
    : config_(config), dids_(dids), http_(http), metrics_(metrics) {}

void RepoPresenceChecker::check(const std::string& did, Callback callback) {
    dids_.resolve(did, [this, did, callback = std::move(callback)](DocumentResult document) mutable {
        if (!document) {
            const bool gone = document.error().kind == IdentityErrorKind::not_found;
            return deliver(callback, gone ? RepoPresence::gone : RepoPresence::retry_later);
        }
        if (!document->pds_endpoint) return deliver(callback, RepoPresence::gone);
        ask_pds(did, *document->pds_endpoint, std::move(callback));
    });
}

void RepoPresenceChecker::ask_pds(const std::string& did, const std::string& pds, Callback callback) {
    std::string_view base = pds;
    while (base.ends_with('/')) base.remove_suffix(1);
    net::HttpRequest request{.url = std::string(base) + "/xrpc/com.atproto.sync.getLatestCommit?did=" + did,
                             .timeout = config_.did_timeout,
                             .max_body_bytes = 64 * 1024};
    http_.submit(std::move(request), [this, callback = std::move(callback)](net::HttpResult result) {
        deliver(callback, interpret_latest_commit(result));
    });
}

RepoPresence RepoPresenceChecker::interpret_latest_commit(const net::HttpResult& result) {
    if (!result) {
        // A PDS URL we must not or cannot call will not start working: like the reference, do
        // not delete, and do not retry either.
        const auto kind = result.error().kind;
        const bool permanent = kind == net::HttpErrorKind::bad_url || kind == net::HttpErrorKind::refused_address;
        return permanent ? RepoPresence::present : RepoPresence::retry_later;
    }
    const long status = result->status;
    if (status >= 200 && status <= 299) return RepoPresence::present;
    if (status == 429 || status >= 500 || status < 200) return RepoPresence::retry_later;
    return xrpc_error_name(result->body) == "RepoNotFound" ? RepoPresence::gone : RepoPresence::present;
}

void RepoPresenceChecker::deliver(const Callback& callback, RepoPresence presence) {
    switch (presence) {
        case RepoPresence::gone: bump(metrics_.repo_gone_total); break;
        case RepoPresence::present: bump(metrics_.repo_present_total); break;
        case RepoPresence::retry_later: bump(metrics_.repo_check_retry_total); break;
    }
    callback(presence);
}

}  // namespace stages::identity
