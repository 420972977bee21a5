#include "indexer/live_indexer.hpp"

#include "stages/batch_write/batch_applier.hpp"
#include "stages/classify/classify_stage.hpp"
#include "storage/pg/connection.hpp"
#include "storage/pg/error.hpp"
#include "storage/schema/migrator.hpp"

#include <filesystem>

namespace indexer {

namespace {

using stages::socket_read::Stream;

// The live writer: one ordered worker that commits as soon as its input runs dry, so live lag
// stays low at any rate while batches grow under load.
pipeline::StageSettings live_writer(pipeline::StageSettings settings) {
    settings.threads = 1;
    settings.flush_when_idle = true;
    return settings;
}

}  // namespace

LiveIndexer::LiveIndexer(const pipeline::Config& config, const common::Log& log, pipeline::Metrics& metrics,
                         LiveObservers observers)
    : config_(config), log_(log), logger_(log.component("indexer")), metrics_(metrics),
      observers_(std::move(observers)) {
    classify_config_.verify_block_hashes = config.classify.verify_block_hashes;
    writer_config_.database_url = config.database.url;
    writer_config_.max_batch_ops = std::max<std::size_t>(config.stages.batch_write.batch_size * 5, 1000);
    // The stage has one worker (batches are ordered); its threads are the writer's lanes.
    writer_config_.lanes = config.stages.batch_write.threads;
}

LiveIndexer::~LiveIndexer() {
    if (pipeline_) {
        writer_abort_.request_stop();
        pipeline_->request_stop();
        pipeline_->request_stop();
        (void)pipeline_->wait();
    }
}

common::Result<void> LiveIndexer::load_sources() {
    auto add = [&](const std::string& entry, Stream stream) -> common::Result<void> {
        auto endpoint = stages::socket_read::parse_relay_endpoint(entry);
        if (!endpoint) return tl::unexpected(endpoint.error());
        auto source = std::make_unique<SourceState>();
        source->cursor_key = endpoint->cursor_key(stream);
        source->endpoint = std::move(*endpoint);
        source->stream = stream;
        sources_.push_back(std::move(source));
        return {};
    };
    for (const auto& host : config_.relay_hosts) {
        if (auto added = add(host, Stream::repos); !added) return added;
    }
    for (const auto& host : config_.labeler_hosts) {
        if (auto added = add(host, Stream::labels); !added) return added;
    }
    storage::pg::Connection conn(config_.database.url);
    for (auto& source : sources_) {
        if (auto saved = stages::batch_write::load_cursor(conn, source->cursor_key)) source->committed = *saved;
    }
    return {};
}

common::Result<void> LiveIndexer::start() {
    try {
        storage::pg::Connection conn(config_.database.url);
        auto migrated = storage::schema::Migrator(conn).run();
        if (!migrated) return tl::unexpected(migrated.error());
        for (const auto& name : migrated->applied) logger_->info("applied migration {}", name);
        if (auto loaded = load_sources(); !loaded) return loaded;
    } catch (const storage::pg::PgError& e) {
        return common::fail(e.what());
    }
    if (auto identity = start_identity(); !identity) return identity;
    auto validator = atproto::lexicon::Validator::create_embedded();
    if (!validator) return tl::unexpected(validator.error());
    validator_ = std::make_unique<atproto::lexicon::Validator>(std::move(*validator));
    classify_config_.verify_commits = config_.classify.verify_commits;
    classify_config_.signing_key = [this](std::string_view did) -> std::optional<atproto::crypto::PublicKey> {
        auto identity = identity_->resolver().cache().get(did, std::chrono::system_clock::now());
        if (!identity) return std::nullopt;
        return identity->signing_key;
    };
    // The writer's connections are opened before the sources subscribe: opening them at the first
    // commits, while frames arrive, held up the first batches (docs/benchmarks.md).
    writer_sessions_ = stages::batch_write::open_writer_sessions(writer_config_, *logger_);
    build();
    pipeline_->start();
    for (const auto& s : sources_) {
        const auto committed = s->committed.load();
        logger_->info("{} {}: starting from {}", s->stream == Stream::repos ? "relay" : "labeler", s->endpoint.authority,
                      committed >= 0 ? std::to_string(committed) : std::string("the initial cursor"));
    }
    return {};
}

common::Result<void> LiveIndexer::start_identity() {
    stages::identity::IdentityConfig config;
    config.plc_url = config_.identity.plc_url;
    config.handle_wellknown_base_url = config_.identity.handle_wellknown_base_url;
    config.allow_private_addresses = config_.network.allow_private_addresses;
    config.cache_dir = std::filesystem::path(config_.data_dir) / "identity";
    std::error_code ec;
    std::filesystem::create_directories(config.cache_dir, ec);
    auto resolver = stages::identity::IdentityResolver::create(std::move(config), log_.component("identity"));
    if (!resolver) return tl::unexpected(resolver.error());
    identity_ = std::make_unique<IdentityFeeder>(std::move(*resolver), inbox_, log_.component("identity"));
    return {};
}

void LiveIndexer::build() {
    pipeline::PipelineOptions options;
    options.shutdown_deadline = config_.shutdown.deadline;
    pipeline_ = std::make_unique<pipeline::Pipeline>(log_, metrics_, options);
    const auto& stages = config_.stages;
    auto& frames = pipeline_->queue<stages::socket_read::SourcedFrame>("frames", stages.decode.queue_capacity);
    auto& decoded = pipeline_->queue<stages::decode::DecodedFrame>("decoded", stages.classify.queue_capacity);
    auto& events = pipeline_->queue<stages::classify::ClassifiedEvent>("events", stages.batch_write.queue_capacity);

    for (std::uint32_t i = 0; i < sources_.size(); ++i) {
        SourceState& state = *sources_[i];
        const auto initial = config_.firehose.initial_cursor;
        auto cursor = [&state, initial]() -> std::optional<std::int64_t> {
            if (const auto committed = state.committed.load(); committed >= 0) return committed;
            if (initial.start == pipeline::FirehoseCursor::Start::oldest) return 0;
            if (initial.start == pipeline::FirehoseCursor::Start::seq) return initial.seq;
            return std::nullopt;
        };
        const bool repos = state.stream == Stream::repos;
        const auto name = fmt::format("{}:{}", repos ? "firehose_read" : "label_read", state.endpoint.authority);
        stages::socket_read::SourceSpec spec{i, state.endpoint, state.stream, cursor};
        pipeline_->source<stages::socket_read::SocketSource>(
            name, repos ? stages.firehose_read : stages.label_read,
            [this, spec, &state] {
                return stages::socket_read::SocketSource(spec, socket_config_, state.socket_metrics,
                                                          log_.component("socket_read"));
            },
            frames);
    }
    pipeline_->stage<stages::decode::DecodeStage>(
        "decode", stages.decode, [this] { return stages::decode::DecodeStage(decode_, log_.component("decode")); },
        frames, decoded);
    pipeline_->stage<stages::classify::ClassifyStage>(
        "classify", stages.classify,
        [this] {
            return stages::classify::ClassifyStage(*validator_, classify_config_, classify_,
                                                   log_.component("classify"));
        },
        decoded, events);

    std::vector<std::string> cursor_keys;
    for (const auto& s : sources_) cursor_keys.push_back(s->cursor_key);
    stages::batch_write::WriterHooks hooks;
    hooks.committed = [this](std::uint32_t source, std::int64_t seq) { sources_[source]->committed = seq; };
    hooks.events = [this](std::uint32_t source, std::uint64_t events) { sources_[source]->frames_committed += events; };
    hooks.identity = [this](auto&& identities, auto&& deletions) {
        identity_->submit(std::move(identities), std::move(deletions));
    };
    hooks.resync = resync_;
    hooks.lag = observers_.lag;
    // The live writer is one ordered worker: it restores each source's order and owns the cursors.
    pipeline_->sink<stages::batch_write::BatchWriteStage>(
        "batch_write", live_writer(stages.batch_write),
        [this, cursor_keys, hooks] {
            return stages::batch_write::BatchWriteStage(writer_config_, cursor_keys, inbox_, hooks, writer_,
                                                        writer_abort_.get_token(), log_.component("batch_write"),
                                                        std::move(writer_sessions_));
        },
        events);
}

void LiveIndexer::request_stop() {
    if (!pipeline_) return;
    if (stop_requests_.fetch_add(1) >= 1) writer_abort_.request_stop();
    pipeline_->request_stop();
}

common::Result<void> LiveIndexer::wait() {
    if (!pipeline_) return {};
    auto result = pipeline_->wait();
    pipeline_.reset();
    if (result && !writer_abort_.stop_requested()) write_pending_identities();
    logger_->info("committed {} events ({} ops) in {} batches; {} stale writes skipped; commits verified {}, "
                  "unverified (key unknown) {}, failed {}; {} records rejected",
                  writer_.events.load(), writer_.ops.load(), writer_.batches.load(), writer_.stale_writes.load(),
                  classify_.commits_verified.load(), classify_.commits_unverified.load(),
                  classify_.commits_failed_verification.load(), [&] {
                      std::uint64_t n = 0;
                      for (const auto& r : classify_.records_rejected) n += r.load();
                      return n;
                  }());
    return result;
}

void LiveIndexer::write_pending_identities() {
    // After a graceful stop the stream's last identity requests may still be answering: wait a
    // little and write their answers, so a clean stop leaves nothing half done.
    if (!identity_->settle(std::chrono::seconds(10))) logger_->warn("identity resolutions still running at stop");
    std::vector<stages::classify::StagedOp> ops;
    inbox_.drain(ops);
    if (ops.empty()) return;
    try {
        storage::pg::Connection conn(config_.database.url);
        stages::batch_write::BatchApplier(conn).apply(ops, {});
    } catch (const storage::pg::PgError& e) {
        logger_->error("{} identity writes not saved at stop: {}", ops.size(), e.what());
    }
}

}  // namespace indexer
