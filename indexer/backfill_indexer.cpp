#include "indexer/backfill_indexer.hpp"

#include <algorithm>
#include <chrono>
#include <condition_variable>

#include <fmt/core.h>

#include "atproto/syntax/datetime.hpp"
#include "common/stoppable_sleep.hpp"
#include "common/thread_name.hpp"
#include "stages/socket_read/relay_endpoint.hpp"
#include "storage/pg/error.hpp"

namespace indexer {

namespace {

using stages::backfill::FetchStatus;
using storage::spill::KeyedPush;
using storage::spill::Priority;

std::uint64_t micros_since(std::chrono::steady_clock::time_point start) {
    return static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start).count());
}

}  // namespace

common::Result<BackfillSettings> backfill_settings(const pipeline::Config& config) {
    BackfillSettings s;
    s.database_url = config.database.url;
    s.queue_dir = std::filesystem::path(config.data_dir) / config.spill.repo_backfill_path;
    for (const auto& host : config.relay_hosts) {
        auto endpoint = stages::socket_read::parse_relay_endpoint(host);
        if (!endpoint) return tl::unexpected(endpoint.error());
        s.enumerate.push_back(endpoint->http_base());
    }
    s.workers = config.backfiller.workers;
    s.max_per_host = config.backfiller.max_per_host;
    s.allow_private_addresses = config.network.allow_private_addresses;
    s.fetch.timeout = config.backfiller.timeout;
    s.fetch.max_car_bytes = config.backfiller.max_car_mb << 20;
    s.writer.database_url = config.database.url;
    s.writer.batch_ops = config.backfiller.batch_size;
    s.writer.max_waiting_ops = config.backfiller.output_high_water_mark;
    s.writer.spill_dir = std::filesystem::path(config.data_dir) / config.spill.firehose_backfill_path;
    s.writer.memory_ops = std::min<std::size_t>(config.backfiller.output_high_water_mark, 4 * config.backfiller.batch_size);
    // DB_POOL_SIZE bounds the daemon's long-lived connections: the live writer's (one per lane,
    // and with several lanes one more for the ordered parts; never shared, so live batches always
    // go first), the backfill's repo states, its listings and requests, and its reporter; then
    // its writers.
    const std::uint64_t lanes = config.stages.batch_write.threads;
    const std::uint64_t reserved = 3 + lanes + (lanes > 1 ? 1 : 0);
    const auto room = config.database.pool_size > reserved ? config.database.pool_size - reserved : 1;
    s.writers = static_cast<std::size_t>(std::clamp<std::uint64_t>(config.backfiller.writers, 1, room));
    return s;
}

BackfillIndexer::BackfillIndexer(BackfillSettings settings, stages::identity::IdentityResolver& identity,
                                 const common::Log& log)
    : settings_(std::move(settings)), identity_(identity), log_(log), logger_(log.component("backfill")) {
    if (!settings_.clock) settings_.clock = [](const std::string&) { return atproto::syntax::now_iso_millis(); };
}

BackfillIndexer::~BackfillIndexer() { stop(); }

common::Result<void> BackfillIndexer::start() {
    auto validator = atproto::lexicon::Validator::create_embedded();
    if (!validator) return tl::unexpected(validator.error());
    validator_ = std::make_unique<atproto::lexicon::Validator>(std::move(*validator));
    try {
        std::filesystem::create_directories(settings_.queue_dir);
        queue_.emplace(storage::spill::SpillConfig{.path = settings_.queue_dir});
    } catch (const std::exception& e) {
        return common::fail(fmt::format("cannot open the backfill queue {}: {}", settings_.queue_dir.string(), e.what()));
    }
    http_ = std::make_unique<net::HttpClient>(
        net::HttpClientConfig{.max_concurrent = std::max<std::size_t>(settings_.workers, 1),
                              .max_per_host = settings_.max_per_host,
                              .allow_private_addresses = settings_.allow_private_addresses},
        log_.component("backfill_http"));
    fetcher_ = std::make_unique<stages::backfill::RepoFetcher>(*http_, identity_, settings_.fetch);
    // One firehose_backfill per writer (a repo's ops stay with one writer), sharing the limits.
    const auto writers = std::max<std::size_t>(settings_.writers, 1);
    writer_configs_.assign(writers, settings_.writer);
    for (std::size_t i = 0; i < writers; ++i) {
        auto& config = writer_configs_[i];
        config.max_waiting_ops = std::max<std::size_t>(settings_.writer.max_waiting_ops / writers, 1);
        config.memory_ops = std::max<std::size_t>(settings_.writer.memory_ops / writers, 1);
        if (writers > 1) config.spill_dir = settings_.writer.spill_dir / fmt::format("writer-{}", i);
        try {
            writers_.push_back(std::make_unique<BackfillWriter>(
                config, metrics_.writer, logger_,
                [this](std::span<const std::string> acked, std::span<const KeyedPush> requeued) {
                    release(acked, requeued);
                }));
        } catch (const std::exception& e) {
            return common::fail(fmt::format("cannot open firehose_backfill {}: {}", config.spill_dir.string(),
                                            e.what()));
        }
    }
    const auto counts = queue_->counts();
    logger_->info("backfill: {} repos queued, {} workers, {} writers", counts.items, settings_.workers, writers);
    for (std::size_t i = 0; i < settings_.workers; ++i) {
        threads_.emplace_back([this](std::stop_token stop) {
            common::name_this_thread("backfill");
            work(stop);
        });
    }
    threads_.emplace_back([this](std::stop_token stop) {
        common::name_this_thread("backfill-ctl");
        control(stop);
    });
    return {};
}

void BackfillIndexer::stop() {
    for (auto& t : threads_) t.request_stop();
    if (http_) http_->stop();  // fetches in flight end now (their repos stay leased, not failed)
    threads_.clear();
    writers_.clear();
}

std::uint64_t BackfillIndexer::waiting_ops() const noexcept {
    std::uint64_t total = 0;
    for (const auto& writer : writers_) total += writer->waiting_ops();
    return total;
}

// A new repo goes to the writer with the fewest ops waiting; ties (idle writers) take turns.
BackfillWriter& BackfillIndexer::least_loaded_writer() {
    const auto first = next_writer_.fetch_add(1, std::memory_order_relaxed);
    auto* best = writers_[first % writers_.size()].get();
    for (std::size_t i = 1; i < writers_.size(); ++i) {
        auto* writer = writers_[(first + i) % writers_.size()].get();
        if (writer->waiting_ops() < best->waiting_ops()) best = writer;
    }
    return *best;
}

void BackfillIndexer::resync(const std::vector<std::string>& dids) {
    if (!queue_ || dids.empty()) return;
    std::vector<KeyedPush> pushes;
    pushes.reserve(dids.size());
    for (const auto& did : dids) pushes.push_back({did, Priority::priority});
    std::size_t deferred = 0;
    const auto result = push_after_flight(pushes, deferred);
    logger_->info("resync: {} repos queued with priority ({} already queued, {} after their fetch in flight)",
                  result.added + result.raised, result.duplicates, deferred);
}

storage::spill::KeyedPushResult BackfillIndexer::push_after_flight(std::span<const KeyedPush> pushes,
                                                                   std::size_t& deferred) {
    std::vector<KeyedPush> now;
    std::size_t later = 0;
    // Under the lock release() takes, so a key is either still in flight here (and release()
    // re-queues it) or already released (and pushed here): never absorbed by a key about to go.
    std::lock_guard lock(flight_mutex_);
    for (const auto& push : pushes) {
        if (!in_flight_.contains(std::string(push.key))) {
            now.push_back(push);
            continue;
        }
        auto [at, added] = again_after_.try_emplace(std::string(push.key), push.level);
        if (added) ++later;
        else at->second = std::min(at->second, push.level);  // a lower level is leased sooner
    }
    deferred += later;
    metrics_.deferred_requests += later;
    return queue_->push(now);
}

// Under the lock push_after_flight() takes: a request arriving now finds the key queued or in flight.
std::optional<std::string> BackfillIndexer::lease() {
    std::lock_guard lock(flight_mutex_);
    auto items = queue_->lease(1);
    if (items.empty()) return std::nullopt;
    in_flight_.insert(items.front().key);
    return std::move(items.front().key);
}

void BackfillIndexer::release(std::span<const std::string> acked, std::span<const KeyedPush> requeued) {
    // A key asked for again while in flight is re-queued in place of its ack, so it is never absent
    // from repo_backfill, even for a kill between the two writes.
    std::vector<std::string> gone;
    std::vector<KeyedPush> again(requeued.begin(), requeued.end());
    std::lock_guard lock(flight_mutex_);
    for (auto& push : again) {
        if (auto asked = again_after_.find(std::string(push.key)); asked != again_after_.end()) {
            push.level = std::min(push.level, asked->second);
            again_after_.erase(asked);
        }
    }
    for (const auto& did : acked) {
        if (auto asked = again_after_.find(did); asked != again_after_.end()) {
            again.push_back({did, asked->second});  // views `did`, not the map's key
            again_after_.erase(asked);
        } else {
            gone.push_back(did);
        }
    }
    queue_->ack(gone);
    queue_->requeue(again);
    // Out of flight under the lock: a request for one of them now finds it queued, or pushes it.
    for (const auto& did : acked) in_flight_.erase(did);
    for (const auto& push : requeued) in_flight_.erase(std::string(push.key));
}

bool BackfillIndexer::settle(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (started_ && queue_->counts().items == 0 && busy_.load() == 0) {
            bool settled = true;
            for (const auto& writer : writers_) settled = writer->settle(timeout) && settled;
            return settled;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
}

void BackfillIndexer::work(std::stop_token stop) {
    stages::backfill::RepoClassifier classifier(*validator_, classify_config_);
    // Fetching pauses while the chosen writer's firehose_backfill holds more than its high-water mark.
    while (!stop.stop_requested()) {
        const auto waiting = std::chrono::steady_clock::now();
        auto& writer = least_loaded_writer();
        if (!writer.wait_below_high_water(stop)) break;
        metrics_.push_wait_micros += micros_since(waiting);
        ++busy_;
        const auto did = lease();
        if (!did) {
            --busy_;
            common::sleep_unless_stopped(std::chrono::milliseconds(100), stop);
            continue;
        }
        index(*did, stop, classifier, writer);
        --busy_;
    }
}

void BackfillIndexer::index(const std::string& did, std::stop_token stop,
                            stages::backfill::RepoClassifier& classifier, BackfillWriter& writer) {
    const std::string key[] = {did};
    auto requeue = [&] {
        const KeyedPush again[] = {{did, Priority::normal}};
        release({}, again);
    };
    auto settle_as = [&](std::string_view status, const std::string& detail) {
        // The state commits before the key goes: a crash in between fetches the repo again.
        if (!record(did, status, detail)) return requeue();
        release(key, {});
    };
    if (!record(did, "fetching", {})) {
        requeue();
        common::sleep_unless_stopped(std::chrono::seconds(1), stop);
        return;
    }
    const auto fetch_start = std::chrono::steady_clock::now();
    auto fetched = fetcher_->fetch(did, stop);
    metrics_.fetch_micros += micros_since(fetch_start);
    switch (fetched.status) {
        case FetchStatus::stopped: return;  // stays leased: back on restart
        case FetchStatus::retry_later:
            logger_->info("{}: {}; queued again", did, fetched.detail);
            return requeue();
        case FetchStatus::failed:
            ++metrics_.fetch_failed;
            logger_->warn("backfill of {} failed: {}", did, fetched.detail);
            return settle_as("failed", fetched.detail);
        case FetchStatus::inactive:
            ++metrics_.inactive;
            // The reference indexes the identity of a repo it cannot fetch too (indexHandle).
            if (fetched.identity && !write_inactive(*fetched.identity, fetched.detail, settings_.clock(did))) {
                return requeue();
            }
            return settle_as("inactive", fetched.detail);
        case FetchStatus::ok: break;
    }
    ++metrics_.fetched;
    metrics_.car_bytes += fetched.car.size();
    if (auto failed = stream(did, fetched, writer, classifier); !failed.empty()) {
        ++metrics_.bad_car;
        logger_->warn("backfill of {} failed: {}", did, failed);
        settle_as("failed", failed);
    }
}

// The actor op (verified handle), then the classifier's ops in chunks as it walks the MST: the
// repo is held once, as its CAR. Returns why the CAR is bad, or nothing when it was streamed.
std::string BackfillIndexer::stream(const std::string& did, const stages::backfill::FetchedRepo& fetched,
                                    BackfillWriter& writer, stages::backfill::RepoClassifier& classifier) {
    constexpr std::size_t chunk_ops = 256;
    const auto t = settings_.clock(did);
    std::vector<stages::classify::StagedOp> chunk;
    stages::classify::StagedOp actor;
    actor.kind = stages::classify::OpKind::actor;
    actor.did = did;
    actor.time = t;
    actor.extra = fetched.identity->handle;
    chunk.push_back(std::move(actor));
    std::optional<std::uint64_t> id;
    auto flush = [&] {
        if (!id) id = writer.begin_stream();
        writer.push(*id, std::move(chunk));
        chunk.clear();
    };
    const auto car = std::as_bytes(std::span(fetched.car.data(), fetched.car.size()));
    // The sink runs only once the whole CAR checked out: a bad CAR pushes nothing.
    const auto classify_start = std::chrono::steady_clock::now();
    auto summary = classifier.classify({did, car, t, &fetched.identity->signing_key},
                                       [&](stages::classify::StagedOp&& op) {
                                           chunk.push_back(std::move(op));
                                           if (chunk.size() >= chunk_ops) flush();
                                       });
    metrics_.classify_micros += micros_since(classify_start);
    if (!summary) {
        return fmt::format("{}: {}", stages::backfill::to_string(summary.error().error), summary.error().detail);
    }
    metrics_.records += summary->records;
    flush();
    return {};
}

bool BackfillIndexer::write_inactive(const stages::identity::Identity& identity, const std::string& status,
                                     const std::string& time) {
    std::lock_guard lock(state_mutex_);
    try {
        if (!state_conn_) state_conn_.emplace(settings_.database_url);
        if (!state_applier_) state_applier_.emplace(*state_conn_);
        stages::classify::StagedOp actor;
        actor.kind = stages::classify::OpKind::actor;
        actor.did = identity.did;
        actor.time = time;
        actor.extra = identity.handle;
        state_applier_->apply(std::vector<stages::classify::StagedOp>{actor}, {});
        // Like a listed inactive repo: the status unless a live #account event already decided it.
        if (status != "not found") {
            state_conn_->exec_params("UPDATE bsky.actor SET \"upstreamStatus\" = $2 WHERE did = $1 AND NOT EXISTS "
                                     "(SELECT 1 FROM bsky.account_event_state e WHERE e.did = $1)",
                                     {identity.did, status}, "recording an inactive repo's status");
        }
        return true;
    } catch (const std::exception& e) {
        logger_->error("cannot write the identity of inactive {}: {}", identity.did, e.what());
        state_applier_.reset();
        state_conn_.reset();
        return false;
    }
}

bool BackfillIndexer::record(const std::string& did, std::string_view status, const std::string& detail) {
    std::lock_guard lock(state_mutex_);
    try {
        if (!state_conn_) state_conn_.emplace(settings_.database_url);
        state_conn_->exec_params(
            "INSERT INTO bsky.backfill_repo AS b (did, status, attempts, last_error) "
            "VALUES ($1, $2, CASE WHEN $2 = 'fetching' THEN 1 ELSE 0 END, $3) "
            "ON CONFLICT (did) DO UPDATE SET status = excluded.status, attempts = b.attempts + excluded.attempts, "
            "last_error = CASE WHEN excluded.status = 'fetching' THEN b.last_error ELSE excluded.last_error END, "
            "updated_at = now()",
            {did, std::string(status), detail.empty() ? std::nullopt : std::optional<std::string>(detail)},
            "recording a repo's backfill state");
        return true;
    } catch (const std::exception& e) {
        logger_->error("cannot record {} as {}: {}", did, status, e.what());
        state_applier_.reset();
        state_conn_.reset();
        return false;
    }
}

}  // namespace indexer
