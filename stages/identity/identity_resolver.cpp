#include "stages/identity/identity_resolver.hpp"

#include <fmt/format.h>

#include "storage/lmdb/error.hpp"

namespace stages::identity {

using SystemClock = std::chrono::system_clock;

namespace {

tl::unexpected<IdentityError> identity_error(IdentityErrorKind kind, std::string message) {
    return tl::unexpected(IdentityError{kind, std::move(message), std::nullopt});
}

bool claims_at_handle(const atproto::crypto::DidDocument& document) {
    for (const auto& entry : document.also_known_as) {
        if (std::string_view(entry).starts_with("at://")) return true;
    }
    return false;
}

}  // namespace

common::Result<std::unique_ptr<IdentityResolver>> IdentityResolver::create(IdentityConfig config,
                                                                           std::shared_ptr<spdlog::logger> log) {
    auto cache = IdentityCache::open(config);
    if (!cache) return tl::unexpected(cache.error());
    return std::unique_ptr<IdentityResolver>(new IdentityResolver(std::move(config), std::move(log), std::move(*cache)));
}

IdentityResolver::IdentityResolver(IdentityConfig config, std::shared_ptr<spdlog::logger> log,
                                   std::unique_ptr<IdentityCache> cache)
    : config_(std::move(config)), log_(std::move(log)), cache_(std::move(cache)) {
    http_ = std::make_unique<net::HttpClient>(
        net::HttpClientConfig{.max_concurrent = std::max<std::size_t>(config_.max_in_flight, 1) * 2,
                              .max_per_host = std::max<std::size_t>(config_.max_per_host, 1),
                              .allow_private_addresses = config_.allow_private_addresses},
        log_);
    dns_ = std::make_unique<net::DnsTxtResolver>(net::DnsTxtResolverConfig{
        .dns = {.timeout = config_.dns_timeout, .nameserver = config_.dns_nameserver},
        .threads = config_.dns_threads,
        .max_queued = config_.max_waiting});
    dids_ = std::make_unique<DidResolver>(config_, *http_, metrics_);
    handles_ = std::make_unique<HandleResolver>(config_, *http_, *dns_, metrics_);
    presence_ = std::make_unique<RepoPresenceChecker>(config_, *dids_, *http_, metrics_);
}

IdentityResolver::~IdentityResolver() {
    std::unordered_map<std::string, std::vector<Callback>> abandoned;
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
        for (const auto& did : queue_) abandoned[did] = std::move(waiters_[did]);
        for (const auto& did : queue_) waiters_.erase(did);
        queue_.clear();
    }
    for (auto& [did, callbacks] : abandoned) {
        for (auto& callback : callbacks) callback(identity_error(IdentityErrorKind::transient, did + ": stopping"));
    }
    // Running resolutions finish with shutdown errors through finish(); none start any more.
    http_->stop();
    dns_->stop();
}

void IdentityResolver::resolve(const std::string& did, bool force, Callback callback) {
    bump(metrics_.requests_total);
    if (!force) {
        if (auto cached = cache_->get(did, SystemClock::now())) {
            bump(metrics_.cache_hits_total);
            return callback(std::move(*cached));
        }
    }
    std::unique_lock lock(mutex_);
    if (stopping_) {
        lock.unlock();
        return callback(identity_error(IdentityErrorKind::transient, did + ": stopping"));
    }
    if (auto running = waiters_.find(did); running != waiters_.end()) {
        running->second.push_back(std::move(callback));
        bump(metrics_.coalesced_total);
        return;
    }
    if (in_flight_ >= config_.max_in_flight) {
        if (queue_.size() >= config_.max_waiting) {
            lock.unlock();
            bump(metrics_.overloaded_total);
            return callback(identity_error(IdentityErrorKind::overloaded, did + ": too many identities waiting"));
        }
        queue_.push_back(did);
        waiters_[did].push_back(std::move(callback));
        return;
    }
    waiters_[did].push_back(std::move(callback));
    ++in_flight_;
    lock.unlock();
    start(did);
}

void IdentityResolver::request(IdentityRequest request) {
    auto did = request.did;
    const bool force = request.force;
    resolve(did, force, [this, request = std::move(request)](IdentityResult result) mutable {
        std::lock_guard lock(outcomes_mutex_);
        outcomes_.push_back(IdentityOutcome{std::move(request), std::move(result)});
    });
}

std::vector<IdentityOutcome> IdentityResolver::poll(std::size_t max) {
    std::vector<IdentityOutcome> out;
    std::lock_guard lock(outcomes_mutex_);
    while (!outcomes_.empty() && out.size() < max) {
        out.push_back(std::move(outcomes_.front()));
        outcomes_.pop_front();
    }
    return out;
}

bool IdentityResolver::invalidate(std::string_view did) { return cache_->invalidate(did); }

void IdentityResolver::confirm_repo_gone(const std::string& did, RepoPresenceChecker::Callback callback) {
    presence_->check(did, std::move(callback));
}

void IdentityResolver::start(const std::string& did) {
    dids_->resolve(did, [this, did](DocumentResult document) { on_document(did, std::move(document)); });
}

// indexHandle step 2: the document must give a signing key, a handle claim and a PDS. A claim
// that is not a valid handle cannot resolve back, so it yields a null handle (as in the reference,
// where resolving it fails), not an error.
void IdentityResolver::on_document(const std::string& did, DocumentResult document) {
    if (!document) return finish(did, tl::unexpected(document.error()));
    if (!document->signing_key) {
        return finish(did, identity_error(IdentityErrorKind::invalid_document,
                                          fmt::format("{}: no usable #atproto key {}", did, document->signing_key_error)));
    }
    if (!document->pds_endpoint) {
        return finish(did, identity_error(IdentityErrorKind::invalid_document, did + ": no #atproto_pds service"));
    }
    if (!claims_at_handle(*document)) {
        return finish(did, identity_error(IdentityErrorKind::invalid_document, did + ": no at:// handle"));
    }
    Identity identity{.did = did,
                      .handle = std::nullopt,
                      .pds_endpoint = *document->pds_endpoint,
                      .signing_key = *document->signing_key,
                      .resolved_at = SystemClock::now()};
    if (!document->handle) return finish(did, std::move(identity));
    // Step 3: the handle must resolve back to this DID.
    const std::string handle = *document->handle;
    handles_->resolve(handle, [this, handle, identity = std::move(identity)](std::optional<std::string> back) mutable {
        if (back == identity.did) identity.handle = handle;
        const std::string did = identity.did;
        finish(did, std::move(identity));
    });
}

void IdentityResolver::finish(const std::string& did, IdentityResult result) {
    count(result);
    if (result) {
        try {
            const auto evicted = cache_->put(*result);
            metrics_.cache_evictions_total.fetch_add(evicted, std::memory_order_relaxed);
        } catch (const storage::lmdb::LmdbError& error) {
            // Only the cache suffers: the identity is still delivered.
            log_->warn("identity cache: cannot store {}: {}", did, error.what());
        }
    }
    std::vector<Callback> callbacks;
    std::optional<std::string> next;
    {
        std::lock_guard lock(mutex_);
        if (auto it = waiters_.find(did); it != waiters_.end()) {
            callbacks = std::move(it->second);
            waiters_.erase(it);
        }
        --in_flight_;
        if (!stopping_ && !queue_.empty()) {
            next = std::move(queue_.front());
            queue_.pop_front();
            ++in_flight_;
        }
    }
    for (auto& callback : callbacks) callback(result);
    if (next) start(*next);
}

void IdentityResolver::count(const IdentityResult& result) {
    if (result) {
        bump(metrics_.resolved_total);
        bump(result->handle ? metrics_.handle_verified_total : metrics_.handle_unverified_total);
        return;
    }
    switch (result.error().kind) {
        case IdentityErrorKind::not_found: bump(metrics_.not_found_total); break;
        case IdentityErrorKind::invalid_document: bump(metrics_.invalid_document_total); break;
        case IdentityErrorKind::transient: bump(metrics_.transient_failures_total); break;
        case IdentityErrorKind::overloaded: bump(metrics_.overloaded_total); break;
    }
}

std::string_view to_string(IdentityErrorKind kind) noexcept {
    switch (kind) {
        case IdentityErrorKind::not_found: return "not_found";
        case IdentityErrorKind::invalid_document: return "invalid_document";
        case IdentityErrorKind::transient: return "transient";
        case IdentityErrorKind::overloaded: return "overloaded";
    }
    return "unknown";
}

std::string_view to_string(RepoPresence presence) noexcept {
    switch (presence) {
        case RepoPresence::gone: return "gone";
        case RepoPresence::present: return "present";
        case RepoPresence::retry_later: return "retry_later";
    }
    return "unknown";
}

}  // namespace stages::identity
