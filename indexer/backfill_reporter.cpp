#include "indexer/backfill_reporter.hpp"

#include <algorithm>

#include "common/stoppable_sleep.hpp"

namespace indexer {

namespace {

// Every state bsky.backfill_repo allows, so a state that empties is published as 0, not dropped.
constexpr const char* repo_states[] = {"queued", "fetching", "indexed", "inactive", "failed"};

double seconds(std::uint64_t ns) { return static_cast<double>(ns) / 1e9; }

std::uint64_t load(const std::atomic<std::uint64_t>& value) { return value.load(std::memory_order_relaxed); }

}  // namespace

BackfillReporterConfig backfill_reporter_config(const pipeline::Config& config) {
    BackfillReporterConfig c;
    c.database_url = config.database.url;
    c.workers = static_cast<std::uint32_t>(config.backfiller.workers);
    c.queue_capacity = config.spill.repo_backfill_high_water_mark;
    c.waiting_capacity = config.backfiller.output_high_water_mark;
    return c;
}

BackfillReporter::BackfillReporter(BackfillIndexer& backfill, BackfillReporterConfig config,
                                   std::shared_ptr<spdlog::logger> log)
    : backfill_(backfill), queue_(backfill.queue()), config_(std::move(config)), log_(std::move(log)),
      thread_([this](std::stop_token stop) { run(stop); }) {}

BackfillReporter::~BackfillReporter() {
    detach();
    thread_.request_stop();
}

void BackfillReporter::detach() {
    std::lock_guard lock(indexer_mutex_);
    attached_ = false;
}

void BackfillReporter::run(std::stop_token stop) {
    std::optional<storage::pg::Connection> conn;
    auto last = std::chrono::steady_clock::now();
    auto next_count = last;
    while (!stop.stop_requested()) {
        const auto now = std::chrono::steady_clock::now();
        sample(std::chrono::duration<double>(now - last).count());
        last = now;
        if (now >= next_count) {
            count_states(conn);
            // On a large table the count is a long index scan: it may take a twentieth of the time at most.
            const auto took = std::chrono::steady_clock::now() - now;
            next_count = now + std::max<std::chrono::steady_clock::duration>(config_.count_every, took * 20);
        }
        common::sleep_unless_stopped(config_.sample_every, stop);
    }
}

void BackfillReporter::sample(double interval_s) {
    std::lock_guard lock(indexer_mutex_);
    if (!attached_) return;
    waiting_ops_.store(backfill_.waiting_ops(), std::memory_order_relaxed);
    const double busy = static_cast<double>(backfill_.busy_workers()) * interval_s;
    busy_fetch_ns_.fetch_add(static_cast<std::uint64_t>(busy * 1e9), std::memory_order_relaxed);
}

void BackfillReporter::count_states(std::optional<storage::pg::Connection>& conn) {
    try {
        if (!conn) {
            conn.emplace(config_.database_url);
            // A count that cannot finish in time is skipped (the previous one stays on show), and the
            // daemon's stop, which joins this thread, waits for one count at most this long.
            conn->exec("SET statement_timeout = '10s'", "limiting the backfill count");
        }
        auto rows = conn->exec("SELECT status, count(*) FROM bsky.backfill_repo GROUP BY status",
                               "counting backfill repos per state");
        std::vector<ops::BackfillStateCount> states;
        for (const char* state : repo_states) states.push_back({state, 0});
        for (int row = 0; row < rows.rows(); ++row) {
            const std::string state(rows.value(row, 0));
            const auto repos = std::stoull(std::string(rows.value(row, 1)));
            auto known = std::find_if(states.begin(), states.end(), [&](const auto& s) { return s.state == state; });
            if (known != states.end()) known->repos = repos;
            else states.push_back({state, repos});
        }
        std::lock_guard lock(states_mutex_);
        states_ = std::move(states);
    } catch (const std::exception& e) {
        log_->warn("cannot count the backfill repos per state: {}", e.what());
        conn.reset();
    }
}

void BackfillReporter::fill(ops::DaemonStatus& status) const {
    const auto& m = backfill_.metrics();
    const auto& w = m.writer;
    const std::uint32_t workers = config_.workers;
    const double classify_s = static_cast<double>(load(m.classify_micros)) / 1e6;
    // A worker holding a repo is fetching it, classifying it or waiting for the writer to take it.
    const double fetch_s = std::max(0.0, seconds(load(busy_fetch_ns_)) - classify_s);
    const auto fetched = load(m.fetched);
    status.stages.push_back({"repo_fetch", "backfill", workers, fetched + load(m.fetch_failed) + load(m.inactive),
                             fetched, 0, load(m.fetch_failed), fetch_s});
    // Repos in, records out: the classify stage runs on the fetch workers.
    status.stages.push_back({"repo_classify", "backfill", workers, fetched, load(m.records), load(m.bad_car), 0,
                             classify_s});
    status.stages.push_back({"backfill_write", "backfill", 1, load(w.ops), load(w.ops), load(w.failed),
                             load(w.retries), static_cast<double>(load(w.apply_micros)) / 1e6});

    const auto counts = queue_ != nullptr ? queue_->counts() : storage::spill::KeyedCounts{};
    status.queues.push_back({"repo_backfill", "", "repo_fetch", counts.items, config_.queue_capacity, counts.items,
                             counts.bytes});
    status.queues.push_back({"firehose_backfill", "repo_classify", "backfill_write", waiting_ops(),
                             config_.waiting_capacity, 0, 0});

    auto& b = status.backfill;
    b.enabled = true;
    b.repos_done = load(w.indexed) + load(w.inactive) + load(w.failed) + load(m.inactive) + load(m.fetch_failed) +
                   load(m.bad_car);
    b.records_extracted = load(m.records);
    {
        std::lock_guard lock(states_mutex_);
        b.repos_by_state = states_;
    }
    // The count may be seconds old; the queue is current but misses repos a crash left `fetching`.
    std::uint64_t counted = 0;
    for (const auto& s : b.repos_by_state) {
        if (s.state == "queued" || s.state == "fetching") counted += s.repos;
    }
    b.repos_remaining = std::max<std::uint64_t>(counted, counts.items);
}


void BackfillReporter::publish(pipeline::Metrics& runner) const {
    ops::DaemonStatus lane;
    fill(lane);
    for (const auto& stage : lane.stages) {
        auto& counters = runner.stage(stage.name);
        counters.items_in.store(stage.items_in, std::memory_order_relaxed);
        counters.items_out.store(stage.items_out, std::memory_order_relaxed);
        counters.rejected.store(stage.rejected, std::memory_order_relaxed);
        counters.errors.store(stage.errors, std::memory_order_relaxed);
        counters.busy_ns.store(static_cast<std::uint64_t>(stage.busy_seconds * 1e9), std::memory_order_relaxed);
    }
    for (const auto& queue : lane.queues) {
        runner.queue(queue.name, queue.capacity).depth.store(static_cast<std::int64_t>(queue.depth));
    }
    // Every key of repo_backfill is on disk.
    const auto& keys = lane.queues.front();
    auto& spill = runner.spill(keys.name);
    spill.items.store(static_cast<std::int64_t>(keys.spilled_items));
    spill.bytes.store(static_cast<std::int64_t>(keys.spilled_bytes));
}

}  // namespace indexer
