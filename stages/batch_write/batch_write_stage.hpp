// BatchWriteStage: the sink of the live path. Restores each source's arrival order, groups the
// events into batches and writes each batch in one transaction with its sources' cursors
// (BatchApplier). A lost database connection is retried with backoff until it commits; meanwhile
// the stage does not return, so the queues fill and the sockets stop reading. Nothing is reported
// as committed (cursors, identity requests, re-syncs) before the commit.
// Thread-safety: one instance (one worker); the hooks are called on its thread.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <stop_token>
#include <string>
#include <vector>

#include <spdlog/logger.h>

#include "pipeline/stage.hpp"
#include "stages/batch_write/batch_applier.hpp"
#include "stages/batch_write/reorder_buffer.hpp"
#include "stages/batch_write/writer_inbox.hpp"

namespace stages::batch_write {

struct BatchWriteConfig {
    std::string database_url;
    std::size_t max_batch_ops = 5000;  // write early when this many ops are ready
    std::chrono::milliseconds retry_initial{250};
    std::chrono::milliseconds retry_max{30'000};
};

struct BatchWriteMetrics {
    std::atomic<std::uint64_t> batches{0}, events{0}, ops{0}, stale_writes{0}, accounts_ignored{0};
    std::atomic<std::uint64_t> refused_rows{0}, retries{0}, commit_micros{0};
    std::atomic<std::uint64_t> poison_events{0};  // events the database refused; skipped, logged
    std::atomic<bool> connected{false};
};

struct WriterHooks {
    // After a commit: the highest committed seq of a source (for reconnects and health).
    std::function<void(std::uint32_t source, std::int64_t seq)> committed;
    // After a commit: identities to (re)index and deletions to confirm.
    std::function<void(std::vector<classify::IdentityRequest>&&, std::vector<classify::DeletionRequest>&&)> identity;
    // After a commit: repos to re-fetch.
    std::function<void(std::vector<std::string>&&)> resync;
    // After a commit: each event's time from arrival to commit.
    std::function<void(std::chrono::steady_clock::duration)> lag;
    // After a commit: how many of a source's frames it finished (every frame read gives one event).
    std::function<void(std::uint32_t source, std::uint64_t events)> events;
};

class BatchWriteStage {
public:
    using In = classify::ClassifiedEvent;
    using Out = pipeline::Nothing;

    // `cursor_keys[i]` is source i's key in sub_state. `abort` ends the retry loop on a hard stop.
    BatchWriteStage(const BatchWriteConfig& config, std::vector<std::string> cursor_keys, WriterInbox& inbox,
                    WriterHooks hooks, BatchWriteMetrics& metrics, std::stop_token abort,
                    std::shared_ptr<spdlog::logger> log);

    pipeline::Outcome process(In&& event, pipeline::Emit<Out>& emit);
    void flush(pipeline::Emit<Out>& emit);

private:
    enum class Commit : std::uint8_t { done, aborted, refused };

    void write();
    // Retries connection losses until it commits or the stage is aborted; `refused` when the
    // database rejects the data itself (a bug or an unforeseen input), which retrying cannot fix.
    Commit commit(std::span<const classify::StagedOp> ops, const std::vector<CursorUpdate>& cursors);
    // After a refused batch: commits event by event and skips (logs, counts) the ones refused.
    // `ops` is the batch: the inbox's first, then each ready event's, ending at `ends[i]`.
    void write_one_by_one(std::span<const classify::StagedOp> ops, std::size_t inbox_ops,
                          const std::vector<std::size_t>& ends);
    std::vector<CursorUpdate> cursor_of(const classify::ClassifiedEvent& event) const;
    void report_committed(const std::vector<CursorUpdate>& cursors);
    void after_commit();

    const BatchWriteConfig& config_;
    std::vector<std::string> cursor_keys_;
    WriterInbox& inbox_;
    WriterHooks hooks_;
    BatchWriteMetrics& metrics_;
    std::stop_token abort_;
    std::shared_ptr<spdlog::logger> log_;
    std::vector<ReorderBuffer> reorder_;
    std::vector<classify::ClassifiedEvent> ready_;
    std::size_t ready_ops_ = 0;
    std::optional<storage::pg::Connection> conn_;
    std::optional<BatchApplier> applier_;
};

}  // namespace stages::batch_write
