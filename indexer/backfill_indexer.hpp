// BackfillIndexer: the backfill next to the live path (docs/backfill.md). Repos wait in
// repo_backfill (a KeyedSpillQueue under DATA_DIR); BACKFILLER_WORKERS threads lease one each,
// fetch its CAR (RepoFetcher: DID → PDS → getRepo), classify it (RepoClassifier, signature checked
// with the resolved key) and stream the ops into firehose_backfill (memory, spilling to LMDB; no
// fetch starts while it holds more than the high-water mark) for the BackfillWriter, which
// acknowledges the key only after the repo's outcome committed. A control thread enumerates every relay's listRepos once
// (resumable) and moves queue_backfill's requests (wintermute.backfill_request) into the queue.
// A SIGKILL at any moment loses nothing: leased, unacknowledged keys come back on restart.
// Thread-safety: construct, start and stop from one thread; resync() from any thread.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <stop_token>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "atproto/lexicon/validator.hpp"
#include "common/log.hpp"
#include "common/result.hpp"
#include "indexer/backfill_writer.hpp"
#include "net/http_client.hpp"
#include "pipeline/config.hpp"
#include "stages/backfill/repo_classifier.hpp"
#include "stages/backfill/repo_enumerator.hpp"
#include "stages/backfill/repo_fetcher.hpp"
#include "stages/identity/identity_resolver.hpp"
#include "storage/pg/connection.hpp"
#include "storage/spill/keyed_spill_queue.hpp"

namespace indexer {

struct BackfillSettings {
    std::string database_url;
    std::filesystem::path queue_dir;           // DATA_DIR/repo_backfill
    std::vector<std::string> enumerate;        // http(s) bases whose listRepos is walked once at start
    std::size_t workers = 32;                  // concurrent fetches (BACKFILLER_WORKERS)
    std::size_t max_per_host = 8;              // concurrent getRepo transfers per PDS
    bool allow_private_addresses = false;
    stages::backfill::FetchConfig fetch;
    stages::backfill::EnumerateConfig enumerate_config;
    BackfillWriterConfig writer;               // the high-water mark and memory are shared by all writers
    // Database writers on their own connections; each takes whole repos (BACKFILLER_WRITERS). More
    // than one applies repos concurrently, as the reference's backfill does: values that depend on
    // another repo's rows (reply validity, gates) then depend on which commits first.
    std::size_t writers = 1;
    std::chrono::milliseconds request_poll{1'000};  // how often queue_backfill's requests are read
    // indexedAt of a repo's records; the local clock unless a test pins it.
    std::function<std::string(const std::string& did)> clock;
};

struct BackfillMetrics {
    std::atomic<std::uint64_t> fetched{0}, fetch_failed{0}, inactive{0}, bad_car{0}, car_bytes{0}, requests{0};
    std::atomic<std::uint64_t> deferred_requests{0};  // #sync or request of a repo in flight: fetched again after it
    std::atomic<std::uint64_t> records{0};  // MST leaves of the classified repos
    // Worker time (µs, summed over workers) per stage: fetch (DID resolution + getRepo), classify
    // (with streaming into firehose_backfill), and waiting below the high-water mark.
    std::atomic<std::uint64_t> fetch_micros{0}, classify_micros{0}, push_wait_micros{0};
    BackfillWriterMetrics writer;
};

// The daemon's settings: DATA_DIR's queue, every relay's http base, BACKFILLER_* limits.
[[nodiscard]] common::Result<BackfillSettings> backfill_settings(const pipeline::Config& config);

class BackfillIndexer {
public:
    // `identity` is shared with the live path (one cache, one PLC rate limit); it must outlive this.
    BackfillIndexer(BackfillSettings settings, stages::identity::IdentityResolver& identity, const common::Log& log);
    ~BackfillIndexer();  // stop()

    // Opens the queue and starts the threads. Error: the queue or the validator cannot be opened.
    [[nodiscard]] common::Result<void> start();
    // Stops fetching and writing at once; what is not committed comes back on the next start.
    void stop();

    // Repos to fetch again with priority (#sync, tooBig). A repo being fetched right now (its
    // fetch may predate the event) is queued again with priority once that fetch is finished.
    void resync(const std::vector<std::string>& dids);

    // Waits until the start-up listing is queued, the queue is empty and every fetched repo
    // committed (tests).
    bool settle(std::chrono::milliseconds timeout);

    [[nodiscard]] const BackfillMetrics& metrics() const noexcept { return metrics_; }
    // Ops in firehose_backfill (memory and spill) the writer has not taken yet.
    [[nodiscard]] std::uint64_t waiting_ops() const noexcept;
    [[nodiscard]] storage::spill::KeyedSpillQueue* queue() noexcept { return queue_ ? &*queue_ : nullptr; }
    // Workers holding a leased repo now (the fetch stage's busy threads).
    [[nodiscard]] std::size_t busy_workers() const noexcept { return busy_.load(std::memory_order_relaxed); }

private:
    void work(std::stop_token stop);
    BackfillWriter& least_loaded_writer();
    void index(const std::string& did, std::stop_token stop, stages::backfill::RepoClassifier& classifier,
               BackfillWriter& writer);
    std::string stream(const std::string& did, const stages::backfill::FetchedRepo& fetched, BackfillWriter& writer,
                       stages::backfill::RepoClassifier& classifier);
    std::optional<std::string> lease();                   // one key, marked in flight
    // Pushes the keys, except those in flight: each of those is re-queued (at the highest level
    // asked) when its fetch is released, which may predate the request. Adds them to `deferred`.
    storage::spill::KeyedPushResult push_after_flight(std::span<const storage::spill::KeyedPush> pushes,
                                                      std::size_t& deferred);
    // Gives back leased keys (acknowledged, or re-queued): one asked for again while in flight
    // is re-queued instead of acknowledged, at the highest level asked.
    void release(std::span<const std::string> acked, std::span<const storage::spill::KeyedPush> requeued);
    bool write_inactive(const stages::identity::Identity& identity, const std::string& status,
                        const std::string& time);
    bool record(const std::string& did, std::string_view status, const std::string& detail);
    void control(std::stop_token stop);
    void enumerate(storage::pg::Connection& conn, const std::string& base, bool again, std::stop_token stop);
    void take_requests(storage::pg::Connection& conn, std::stop_token stop);

    BackfillSettings settings_;
    stages::identity::IdentityResolver& identity_;
    const common::Log& log_;
    std::shared_ptr<spdlog::logger> logger_;
    BackfillMetrics metrics_;
    std::optional<storage::spill::KeyedSpillQueue> queue_;
    std::unique_ptr<net::HttpClient> http_;
    std::unique_ptr<stages::backfill::RepoFetcher> fetcher_;
    std::unique_ptr<atproto::lexicon::Validator> validator_;
    stages::backfill::RepoClassifyConfig classify_config_;
    std::vector<BackfillWriterConfig> writer_configs_;    // one per writer (they keep a reference)
    std::vector<std::unique_ptr<BackfillWriter>> writers_;
    std::mutex state_mutex_;                              // workers share one connection for repo states
    std::optional<storage::pg::Connection> state_conn_;
    std::optional<stages::batch_write::BatchApplier> state_applier_;  // on state_conn_
    std::atomic<bool> started_{false};      // the start-up requests and listings are queued
    std::atomic<std::size_t> busy_{0};                    // workers holding a leased key
    std::atomic<std::size_t> next_writer_{0};             // where least_loaded_writer starts looking
    std::mutex flight_mutex_;
    std::unordered_set<std::string> in_flight_;           // leased, not yet acknowledged or re-queued
    std::unordered_map<std::string, storage::spill::Priority> again_after_;  // asked for while in flight
    std::vector<std::jthread> threads_;
};

}  // namespace indexer
