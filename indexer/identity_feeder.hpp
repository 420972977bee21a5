// IdentityFeeder: the live path's link to the identity resolver. After each commit the writer
// hands it the DIDs whose identity the reference would (re)index (indexHandle) and the accounts
// to delete once their PDS confirms it; resolutions come back as `actor` and `delete_actor` ops
// in the writer's inbox. The live path never waits on PLC: everything here is asynchronous.
// A DID that was staged recently is not asked again until the dataplane's own freshness rule
// (daily re-verification, hourly for a missing handle) would let the write through.
// Thread-safety: submit from the writer thread; resolutions arrive on the feeder's own thread.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <stop_token>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "stages/batch_write/writer_inbox.hpp"
#include "stages/classify/classified_event.hpp"
#include "stages/identity/identity_resolver.hpp"

namespace indexer {

class IdentityFeeder {
public:
    IdentityFeeder(std::unique_ptr<stages::identity::IdentityResolver> resolver, stages::batch_write::WriterInbox& inbox,
                   std::shared_ptr<spdlog::logger> log);
    ~IdentityFeeder();

    void submit(std::vector<stages::classify::IdentityRequest>&& identities,
                std::vector<stages::classify::DeletionRequest>&& deletions);

    // Waits until every submitted request has its answer in the inbox, or `timeout` passes.
    // Returns whether it settled. For a graceful stop: what the stream asked for gets written.
    bool settle(std::chrono::milliseconds timeout);

    [[nodiscard]] const stages::identity::IdentityResolver& resolver() const noexcept { return *resolver_; }
    [[nodiscard]] stages::identity::IdentityResolver& resolver() noexcept { return *resolver_; }

private:
    struct Staged {
        std::int64_t at_ms;  // event time of the staged actor write
        bool has_handle;
    };

    void drain(std::stop_token stop);
    [[nodiscard]] bool recently_staged(const std::string& did, const std::string& time);

    std::unique_ptr<stages::identity::IdentityResolver> resolver_;
    stages::batch_write::WriterInbox& inbox_;
    std::shared_ptr<spdlog::logger> log_;
    std::mutex mutex_;
    std::unordered_map<std::string, Staged> staged_;
    std::atomic<std::uint64_t> submitted_{0};  // requests and deletion checks handed to the resolver
    std::atomic<std::uint64_t> answered_{0};   // of those, answered (and staged if there was anything)
    std::jthread drainer_;
};

}  // namespace indexer
