// LiveIndexer: assembles the live path from the configuration — one socket source per relay and
// labeler, the decode and classify pools, the ordered batch writer — on the pipeline engine,
// with the sources' saved cursors, and runs it until stopped (docs/architecture.md).
// Thread-safety: construct, start, wait from one thread; request_stop from any thread (signals).
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <stop_token>
#include <string>
#include <vector>

#include "common/log.hpp"
#include "common/result.hpp"
#include "pipeline/config.hpp"
#include "pipeline/metrics.hpp"
#include "pipeline/pipeline.hpp"
#include "indexer/identity_feeder.hpp"
#include "stages/batch_write/batch_write_stage.hpp"
#include "stages/classify/event_classifier.hpp"
#include "stages/decode/decode_stage.hpp"
#include "stages/socket_read/socket_source.hpp"

namespace indexer {

// One relay or labeler connection and its committed cursor.
struct SourceState {
    stages::socket_read::RelayEndpoint endpoint;
    stages::socket_read::Stream stream;
    std::string cursor_key;
    std::atomic<std::int64_t> committed{-1};  // -1: nothing committed and no saved cursor
    std::atomic<std::uint64_t> frames_committed{0};  // frames read and finished (committed or skipped)
    stages::socket_read::SocketReadMetrics socket_metrics;
};

// What an embedding program (the benchmark, tests) may watch. Called on the writer's thread after
// each commit; must be cheap and must not block.
struct LiveObservers {
    // Each committed event's time from the frame's arrival to its commit.
    std::function<void(std::chrono::steady_clock::duration)> lag;
};

class LiveIndexer {
public:
    LiveIndexer(const pipeline::Config& config, const common::Log& log, pipeline::Metrics& metrics,
                LiveObservers observers = {});
    ~LiveIndexer();

    [[nodiscard]] const stages::decode::DecodeMetrics& decode_metrics() const noexcept { return decode_; }
    [[nodiscard]] const pipeline::Config& config() const noexcept { return config_; }

    // Migrates the schema, loads the cursors, builds and starts the pipeline.
    [[nodiscard]] common::Result<void> start();
    // First call: graceful stop (drain, commit, save cursors); second call: hard stop.
    void request_stop();
    // Waits for the pipeline to end; error if it failed or had to be aborted.
    [[nodiscard]] common::Result<void> wait();

    [[nodiscard]] const std::vector<std::unique_ptr<SourceState>>& sources() const noexcept { return sources_; }
    [[nodiscard]] const stages::batch_write::BatchWriteMetrics& writer_metrics() const noexcept { return writer_; }
    [[nodiscard]] const stages::classify::ClassifyMetrics& classify_metrics() const noexcept { return classify_; }
    [[nodiscard]] stages::batch_write::WriterInbox& inbox() noexcept { return inbox_; }
    [[nodiscard]] const IdentityFeeder* identity() const noexcept { return identity_.get(); }
    [[nodiscard]] IdentityFeeder* identity() noexcept { return identity_.get(); }
    // Before start(): where the writer sends the repos to fetch again after a commit (#sync, tooBig).
    void on_resync(std::function<void(std::vector<std::string>&&)> resync) { resync_ = std::move(resync); }

private:
    common::Result<void> load_sources();
    common::Result<void> start_identity();
    void write_pending_identities();
    void build();

    const pipeline::Config& config_;
    const common::Log& log_;
    std::shared_ptr<spdlog::logger> logger_;
    pipeline::Metrics& metrics_;
    LiveObservers observers_;
    std::vector<std::unique_ptr<SourceState>> sources_;
    stages::socket_read::SocketReadConfig socket_config_;
    stages::decode::DecodeMetrics decode_;
    stages::classify::ClassifyConfig classify_config_;
    stages::classify::ClassifyMetrics classify_;
    stages::batch_write::BatchWriteConfig writer_config_;
    stages::batch_write::BatchWriteMetrics writer_;
    stages::batch_write::WriterInbox inbox_;
    std::vector<std::unique_ptr<stages::batch_write::WriterSession>> writer_sessions_;  // until the writer takes them
    std::unique_ptr<atproto::lexicon::Validator> validator_;
    std::unique_ptr<IdentityFeeder> identity_;  // after inbox_, which it fills
    std::function<void(std::vector<std::string>&&)> resync_;
    std::stop_source writer_abort_;
    std::atomic<int> stop_requests_{0};
    std::unique_ptr<pipeline::Pipeline> pipeline_;
};

}  // namespace indexer
