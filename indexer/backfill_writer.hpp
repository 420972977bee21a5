// BackfillWriter: the backfill's own database writer, never the live writer's connection, so a
// backfill never delays the live path. Fetch workers stream each repo (the actor op, repo_begin,
// records, repo_end) as one stream into firehose_backfill, an OverflowQueue (memory, spilling to
// LMDB under DATA_DIR); streams of several workers interleave, each in order. The writer groups
// ops into batches of about batch_size (a large repo spans several transactions of its session)
// and gives a repo's key in repo_backfill back (ReleaseKeys) only once its repo_end committed:
// indexed, inactive and failed are done; stale and incomplete go back to the queue with priority.
// Deadlocks are retried on the same connection; a lost connection re-queues the repos it held.
// Thread-safety: begin_stream/push/wait_below_high_water from any thread; the writer runs on its own.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <span>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include <spdlog/logger.h>

#include "indexer/backfill_item.hpp"
#include "stages/batch_write/batch_applier.hpp"
#include "storage/spill/keyed_spill_queue.hpp"
#include "storage/spill/overflow_queue.hpp"

namespace indexer {

struct BackfillWriterConfig {
    std::string database_url;
    std::filesystem::path spill_dir;        // firehose_backfill's LMDB: DATA_DIR/firehose_backfill
    std::size_t batch_ops = 5000;
    std::size_t max_waiting_ops = 100'000;  // fetching pauses beyond this (BACKFILLER_OUTPUT_HIGH_WATER_MARK)
    std::size_t memory_ops = 20'000;        // ops firehose_backfill keeps in memory before spilling
    std::chrono::milliseconds linger{20};   // an idle queue this long commits a partial batch
    std::chrono::milliseconds retry_initial{250};
    std::chrono::milliseconds retry_max{30'000};
};

struct BackfillWriterMetrics {
    std::atomic<std::uint64_t> batches{0}, ops{0}, indexed{0}, inactive{0}, failed{0}, requeued{0}, retries{0};
    std::atomic<std::uint64_t> skipped_ops{0};  // ops of repos abandoned mid-stream (re-fetched)
    std::atomic<std::uint64_t> dropped_at_start{0};  // ops a killed run left in the spill
    std::atomic<std::uint64_t> apply_micros{0};  // inside BatchApplier::apply (COPY, apply_batch, commit)
    std::atomic<std::uint32_t> connections{0};   // writers holding an open session now
};

// Gives back leased repo_backfill keys: `acked` are done, `requeued` go back to the queue.
using ReleaseKeys = std::function<void(std::span<const std::string> acked,
                                       std::span<const storage::spill::KeyedPush> requeued)>;

class BackfillWriter {
public:
    // `release` gives back the keys of the repos it is done with, to acknowledge or to re-queue
    // (repo_backfill's owner: BackfillIndexer::release).
    // Opens the spill, dropping what an earlier run left there. Throws: lmdb::LmdbError, filesystem_error.
    BackfillWriter(const BackfillWriterConfig& config, BackfillWriterMetrics& metrics,
                   std::shared_ptr<spdlog::logger> log, ReleaseKeys release);
    ~BackfillWriter();  // stops at once: what is not committed stays leased and comes back on restart

    // A new stream: one repo's ops, pushed in order by one worker.
    [[nodiscard]] std::uint64_t begin_stream();
    // Never blocks: firehose_backfill spills what memory cannot hold.
    void push(std::uint64_t stream, std::vector<stages::classify::StagedOp>&& ops);
    // Blocks while firehose_backfill holds more than max_waiting_ops; false if stopped first.
    bool wait_below_high_water(const std::stop_token& stop);
    // Waits until every stream begun is committed (tests, graceful stop) or `timeout` passes.
    bool settle(std::chrono::milliseconds timeout);
    [[nodiscard]] std::uint64_t waiting_ops() const noexcept { return held_.load(); }
    [[nodiscard]] storage::spill::OverflowCounts queue_counts() const { return overflow_->counts(); }

private:
    struct Open {
        std::string did;
        bool ended = false;  // its repo_end is in the batch
    };
    using Overflow = storage::spill::OverflowQueue<BackfillItem, BackfillItemCodec>;

    void drop_leftovers();
    void run(std::stop_token stop);
    void take(storage::spill::Delivery<BackfillItem>&& delivery, std::stop_token stop);
    bool commit(std::stop_token stop);
    void after_commit(const stages::batch_write::BatchResult& result);
    void abandon_open(std::vector<std::string>& dids);
    void connection_lost();
    void close_session();  // drops the connection (and its count in connections)
    void refused(const std::string& error);
    void done(std::span<const std::string> acked, std::span<const storage::spill::KeyedPush> requeued);

    const BackfillWriterConfig& config_;
    BackfillWriterMetrics& metrics_;
    std::shared_ptr<spdlog::logger> log_;
    ReleaseKeys release_;
    std::unique_ptr<storage::spill::SpillQueue> spill_;
    std::unique_ptr<Overflow> overflow_;

    std::mutex mutex_;
    std::condition_variable_any drained_;
    std::atomic<std::uint64_t> held_{0};  // ops pushed and not yet taken by the writer
    std::atomic<std::uint64_t> next_stream_{1}, begun_{0}, finished_{0};

    // Writer thread only.
    std::optional<storage::pg::Connection> conn_;
    std::optional<stages::batch_write::BatchApplier> applier_;  // set: the session is counted in connections
    std::vector<stages::classify::StagedOp> batch_;
    std::vector<std::uint64_t> spill_ids_;    // of the ops taken since the last acknowledgement
    std::map<std::uint64_t, Open> open_;      // streams begun on this session whose repo_end has not committed
    std::set<std::uint64_t> skipped_;         // abandoned streams: their remaining ops are dropped
    std::jthread thread_;
};

}  // namespace indexer
