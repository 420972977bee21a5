#include "bin/bench/live_phase.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <thread>

#include <fmt/core.h>
#include <prometheus/registry.h>

#include "bin/bench/process_cpu.hpp"
#include "indexer/live_indexer.hpp"
#include "replay/did_retag.hpp"
#include "replay/identity_routes.hpp"
#include "replay/replay_server.hpp"

namespace bin::bench {

namespace {

using Clock = std::chrono::steady_clock;

// A scratch data_dir (identity cache), removed afterwards.
class TempDir {
public:
    TempDir() {
        std::string pattern = (std::filesystem::temp_directory_path() / "wintermute-live-bench.XXXXXX").string();
        if (::mkdtemp(pattern.data()) != nullptr) path_ = pattern;
    }
    ~TempDir() {
        std::error_code ec;
        if (!path_.empty()) std::filesystem::remove_all(path_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    [[nodiscard]] const std::string& path() const { return path_; }  // empty: could not be created

private:
    std::string path_;
};

common::Result<std::unique_ptr<replay::ReplayServer>> start_relay(const LivePhaseSpec& spec,
                                                                  const std::vector<replay::CapturedFrame>& frames,
                                                                  const common::Log& log) {
    auto self_base = std::make_shared<std::string>();
    auto routes = replay::identity_routes(spec.capture_dir + "/plc", spec.capture_dir + "/meta.json", self_base);
    if (!routes) return tl::unexpected(routes.error());
    const auto first_tag = spec.first_tag;
    replay::ReplayStreams streams;
    streams.repos.emplace(frames, spec.copies, 0, [first_tag](std::uint32_t copy, std::span<std::byte> frame) {
        replay::retag_plc_dids(frame, first_tag + copy);
    });
    replay::ReplayServerConfig config;
    config.rate = spec.rate;
    auto server = replay::ReplayServer::start(config, std::move(streams), std::move(*routes), log.component("replay"));
    if (!server) return tl::unexpected(server.error());
    *self_base = fmt::format("http://127.0.0.1:{}", (*server)->port());
    return server;
}

pipeline::Config indexer_config(const LivePhaseSpec& spec, std::uint16_t port, const std::string& data_dir) {
    pipeline::Config config;
    config.relay_hosts = {fmt::format("ws://127.0.0.1:{}", port)};
    config.labeler_hosts = {};
    config.database.url = spec.database_url;
    config.data_dir = data_dir;
    config.identity.plc_url = fmt::format("http://127.0.0.1:{}", port);
    config.identity.handle_wellknown_base_url = config.identity.plc_url;
    config.network.allow_private_addresses = true;
    config.classify.verify_block_hashes = false;  // retagged DIDs changed the blocks' bytes
    if (spec.idle_linger_ms) config.stages.batch_write.idle_linger = std::chrono::milliseconds(*spec.idle_linger_ms);
    if (spec.writer_lanes) config.stages.batch_write.threads = *spec.writer_lanes;
    if (spec.writer_batch) config.stages.batch_write.batch_size = *spec.writer_batch;
    return config;
}

double busy_seconds(pipeline::Metrics& metrics, std::string_view stage) {
    return static_cast<double>(metrics.stage(stage).busy_ns.load()) / 1e9;
}

void collect(const indexer::LiveIndexer& indexer, pipeline::Metrics& metrics, LivePhaseResult& r) {
    const auto& w = indexer.writer_metrics();
    r.events = w.events;
    r.batches = w.batches;
    r.ops = w.ops;
    r.stale = w.stale_writes;
    r.poison = w.poison_events;
    r.lane_ops = w.lane_ops;
    r.lane_give_ways = w.lane_give_ways;
    r.retries = w.retries;
    r.commit_seconds = static_cast<double>(w.commit_micros.load()) / 1e6;
    const auto& c = indexer.classify_metrics();
    r.records = c.records_staged + c.deletes_staged;
    r.decode_busy = busy_seconds(metrics, "decode");
    r.classify_busy = busy_seconds(metrics, "classify");
    if (const auto* identity = indexer.identity()) {
        r.plc_requests = identity->resolver().metrics().plc_requests_total;
        r.plc_not_found = identity->resolver().metrics().not_found_total;
    }
}

}  // namespace

common::Result<LivePhaseResult> run_live_phase(const LivePhaseSpec& spec,
                                               const std::vector<replay::CapturedFrame>& frames,
                                               const common::Log& log) {
    auto relay = start_relay(spec, frames, log);
    if (!relay) return tl::unexpected(relay.error());
    const replay::ReplayPlan plan(frames, spec.copies);
    const auto last_seq = static_cast<std::int64_t>(plan.seq(plan.size() - 1).value_or(0));

    const TempDir data_dir;
    if (data_dir.path().empty()) return common::fail("cannot create a temporary data_dir");
    const auto config = indexer_config(spec, (*relay)->port(), data_dir.path());
    prometheus::Registry registry;
    pipeline::Metrics metrics(registry);
    std::vector<Clock::duration> lags;
    lags.reserve(plan.size());
    indexer::LiveObservers observers{.lag = [&lags](Clock::duration lag) { lags.push_back(lag); }};
    indexer::LiveIndexer indexer(config, log, metrics, observers);
    if (auto started = indexer.start(); !started) return tl::unexpected(started.error());

    const auto connect_deadline = Clock::now() + std::chrono::seconds(30);
    while ((*relay)->frames_sent() == 0 && Clock::now() < connect_deadline) {
        std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    const auto first_frame = Clock::now();
    const double cpu_before = process_cpu_seconds();
    const double postgres_before = postgres_cpu_seconds();
    const auto expected = std::chrono::duration<double>(static_cast<double>(plan.size()) / spec.rate.value_or(500.0));
    const auto deadline = first_frame + std::chrono::duration_cast<Clock::duration>(expected * 3) + std::chrono::seconds(60);
    auto& committed = indexer.sources().front()->committed;
    while (committed.load() < last_seq && Clock::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(2));
    const auto done = Clock::now();
    const double cpu_seconds = process_cpu_seconds() - cpu_before;
    const double postgres_seconds = postgres_cpu_seconds() - postgres_before;
    indexer.request_stop();
    auto stopped = indexer.wait();
    if (committed.load() < last_seq) {
        return common::fail(fmt::format("only seq {} of {} committed before the deadline", committed.load(), last_seq));
    }
    if (!stopped) return tl::unexpected(stopped.error());

    LivePhaseResult result;
    result.seconds = std::chrono::duration<double>(done - first_frame).count();
    result.cpu_seconds = cpu_seconds;
    result.postgres_cpu_seconds = postgres_seconds;
    collect(indexer, metrics, result);
    result.lag_ms.reserve(lags.size());
    for (const auto lag : lags) result.lag_ms.push_back(std::chrono::duration<double, std::milli>(lag).count());
    std::sort(result.lag_ms.begin(), result.lag_ms.end());
    return result;
}

}  // namespace bin::bench
