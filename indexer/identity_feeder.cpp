#include "indexer/identity_feeder.hpp"

#include <condition_variable>

#include "atproto/syntax/datetime.hpp"

namespace indexer {

namespace {

constexpr std::int64_t hour_ms = 3'600'000;
constexpr std::int64_t day_ms = 24 * hour_ms;
constexpr std::size_t max_remembered = 1'000'000;

using stages::classify::OpKind;
using stages::classify::StagedOp;

}  // namespace

IdentityFeeder::IdentityFeeder(std::unique_ptr<stages::identity::IdentityResolver> resolver,
                               stages::batch_write::WriterInbox& inbox, std::shared_ptr<spdlog::logger> log)
    : resolver_(std::move(resolver)), inbox_(inbox), log_(std::move(log)),
      drainer_([this](std::stop_token stop) { drain(stop); }) {}

IdentityFeeder::~IdentityFeeder() {
    drainer_.request_stop();
    drainer_.join();
    // The resolver fails what is still waiting, which runs callbacks that use this object's
    // logger and inbox: destroy it while they are still alive.
    resolver_.reset();
}

bool IdentityFeeder::recently_staged(const std::string& did, const std::string& time) {
    const auto at = atproto::syntax::parse_datetime_millis(time);
    std::lock_guard lock(mutex_);
    const auto it = staged_.find(did);
    if (it == staged_.end() || !at) return false;
    const auto age = *at - it->second.at_ms;
    return age >= 0 && age <= (it->second.has_handle ? day_ms : hour_ms);
}

void IdentityFeeder::submit(std::vector<stages::classify::IdentityRequest>&& identities,
                            std::vector<stages::classify::DeletionRequest>&& deletions) {
    for (auto& r : identities) {
        if (r.force) {
            resolver_->invalidate(r.did);
        } else if (recently_staged(r.did, r.time)) {
            continue;
        }
        ++submitted_;
        resolver_->request({std::move(r.did), std::move(r.time), r.force});
    }
    for (auto& d : deletions) {
        ++submitted_;
        resolver_->confirm_repo_gone(d.did, [this, d](stages::identity::RepoPresence presence) {
            struct Answered {
                std::atomic<std::uint64_t>& count;
                ~Answered() { ++count; }
            } answered{answered_};
            if (presence != stages::identity::RepoPresence::gone) {
                log_->info("#account deleted for {}: the PDS says {}, nothing deleted", d.did,
                           stages::identity::to_string(presence));
                return;
            }
            StagedOp op;
            op.kind = OpKind::delete_actor;
            op.did = d.did;
            op.time = d.time;
            inbox_.push(std::move(op));
        });
    }
}

bool IdentityFeeder::settle(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (answered_.load() < submitted_.load()) {
        if (std::chrono::steady_clock::now() >= deadline) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return true;
}

void IdentityFeeder::drain(std::stop_token stop) {
    std::mutex idle;
    std::condition_variable_any wake;
    while (!stop.stop_requested()) {
        for (auto& outcome : resolver_->poll()) {
            struct Answered {
                std::atomic<std::uint64_t>& count;
                ~Answered() { ++count; }
            } answered{answered_};
            auto& request = outcome.request;
            if (!outcome.result) {
                // No document, or no usable one: the reference writes no actor row either.
                log_->debug("identity of {} not indexed: {}", request.did, outcome.result.error().message);
                continue;
            }
            StagedOp op;
            op.kind = OpKind::actor;
            op.did = request.did;
            op.time = request.event_time;
            op.extra = outcome.result->handle;
            if (request.force) op.json = "force";
            if (const auto at = atproto::syntax::parse_datetime_millis(request.event_time)) {
                std::lock_guard lock(mutex_);
                if (staged_.size() >= max_remembered) staged_.clear();
                staged_[request.did] = {*at, outcome.result->handle.has_value()};
            }
            inbox_.push(std::move(op));
        }
        std::unique_lock lock(idle);
        wake.wait_for(lock, stop, std::chrono::milliseconds(20), [] { return false; });
    }
}

}  // namespace indexer
