// IdentityResolver: indexHandle's steps 2–3 (indexing-semantics §5.1) without ever blocking the
// caller. It owns an HTTP client thread and DNS worker threads; a request returns at once and the
// result arrives later, through a callback (resolve) or a queue the caller drains (request/poll).
// Fresh cache entries answer at once; concurrent requests for one DID share one resolution; at
// most max_in_flight DIDs resolve at a time, up to max_waiting more wait, beyond that: overloaded.
// Thread-safety: every public member may be called from any thread. Callbacks run on the
// resolver's threads (or on the caller's for cache hits and immediate errors), must be quick, and
// must not destroy the resolver.
#pragma once

#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <spdlog/logger.h>

#include "common/result.hpp"
#include "net/dns_txt_resolver.hpp"
#include "net/http_client.hpp"
#include "stages/identity/did_resolver.hpp"
#include "stages/identity/handle_resolver.hpp"
#include "stages/identity/identity.hpp"
#include "stages/identity/identity_cache.hpp"
#include "stages/identity/identity_config.hpp"
#include "stages/identity/identity_metrics.hpp"
#include "stages/identity/repo_presence_checker.hpp"

namespace stages::identity {

struct IdentityRequest {
    std::string did;
    std::string event_time;   // the caller's T (e.g. the event's `time`), handed back untouched
    bool force = false;       // bypass the cache (an #identity event)
};

struct IdentityOutcome {
    IdentityRequest request;
    IdentityResult result;
};

class IdentityResolver {
public:
    using Callback = std::function<void(IdentityResult)>;

    // Opens the cache and starts the threads. Errors: the cache cannot be opened.
    [[nodiscard]] static common::Result<std::unique_ptr<IdentityResolver>> create(
        IdentityConfig config, std::shared_ptr<spdlog::logger> log);
    // Fails what is waiting (transient, "stopping"), stops the threads.
    ~IdentityResolver();
    IdentityResolver(const IdentityResolver&) = delete;
    IdentityResolver& operator=(const IdentityResolver&) = delete;

    // Resolves `did` (from the cache unless `force`); the callback runs exactly once.
    void resolve(const std::string& did, bool force, Callback callback);
    // resolve() with the outcome queued for poll().
    void request(IdentityRequest request);
    // Up to `max` finished outcomes, oldest first. Never blocks.
    [[nodiscard]] std::vector<IdentityOutcome> poll(std::size_t max = 1024);

    // Drops the cached identity (an #identity event). Returns false when none was cached.
    bool invalidate(std::string_view did);
    // §5.3: is the repo gone from its PDS? Never blocks; the callback runs exactly once.
    void confirm_repo_gone(const std::string& did, RepoPresenceChecker::Callback callback);

    [[nodiscard]] const IdentityMetrics& metrics() const noexcept { return metrics_; }
    [[nodiscard]] const IdentityCache& cache() const noexcept { return *cache_; }

private:
    IdentityResolver(IdentityConfig config, std::shared_ptr<spdlog::logger> log, std::unique_ptr<IdentityCache> cache);

    void start(const std::string& did);
    void on_document(const std::string& did, DocumentResult document);
    void finish(const std::string& did, IdentityResult result);
    void count(const IdentityResult& result);

    IdentityConfig config_;
    std::shared_ptr<spdlog::logger> log_;
    IdentityMetrics metrics_;
    std::unique_ptr<IdentityCache> cache_;
    std::unique_ptr<net::HttpClient> http_;
    std::unique_ptr<net::DnsTxtResolver> dns_;
    std::unique_ptr<DidResolver> dids_;
    std::unique_ptr<HandleResolver> handles_;
    std::unique_ptr<RepoPresenceChecker> presence_;

    std::mutex mutex_;
    bool stopping_ = false;
    std::size_t in_flight_ = 0;
    std::unordered_map<std::string, std::vector<Callback>> waiters_;   // running or queued DIDs
    std::deque<std::string> queue_;                                    // not started yet

    std::mutex outcomes_mutex_;
    std::deque<IdentityOutcome> outcomes_;
};

}  // namespace stages::identity
