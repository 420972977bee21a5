#include "bin/bench/backfill_run.hpp"

#include <fstream>
#include <memory>
#include <thread>

#include <fmt/core.h>

#include "bin/bench/process_cpu.hpp"
#include "indexer/backfill_indexer.hpp"
#include "replay/identity_routes.hpp"
#include "replay/replay_server.hpp"
#include "replay/repo_routes.hpp"

namespace bin::bench {

namespace {

using Clock = std::chrono::steady_clock;

// A field of /proc/self/status in KiB (VmRSS, VmHWM); 0 when absent.
std::uint64_t status_kib(std::string_view field) {
    std::ifstream in("/proc/self/status");
    for (std::string line; std::getline(in, line);) {
        if (line.starts_with(field) && line.size() > field.size() && line[field.size()] == ':') {
            return std::stoull(line.substr(field.size() + 1));
        }
    }
    return 0;
}

// Resets VmHWM to the current RSS, so the peak is the run's, not the generator's.
void reset_peak_rss() {
    std::ofstream clear("/proc/self/clear_refs");
    clear << "5";
}

double seconds_of(const std::atomic<std::uint64_t>& micros) { return static_cast<double>(micros.load()) / 1e6; }

// The network's relay, PDS and PLC directory on one loopback server.
common::Result<std::unique_ptr<replay::ReplayServer>> serve(const std::filesystem::path& dir, const common::Log& log,
                                                            std::string& base) {
    auto self = std::make_shared<std::string>();
    auto routes = replay::identity_routes((dir / "plc").string(), (dir / "meta.json").string(), self);
    if (!routes) return tl::unexpected(routes.error());
    auto repos = replay::repo_routes(dir.string());
    if (!repos) return tl::unexpected(repos.error());
    for (auto& route : *repos) routes->push_back(std::move(route));
    auto server = replay::ReplayServer::start({}, {}, std::move(*routes), log.component("replay"));
    if (!server) return tl::unexpected(server.error());
    *self = base = fmt::format("http://127.0.0.1:{}", (*server)->port());
    return server;
}

indexer::BackfillSettings settings_for(const BackfillRunSpec& spec, const std::string& base) {
    pipeline::Config config;
    config.database.url = spec.database_url;
    config.data_dir = spec.network_dir.string();
    config.backfiller.workers = spec.workers;
    config.backfiller.writers = spec.writers;
    config.backfiller.batch_size = spec.batch_ops;
    config.backfiller.output_high_water_mark = spec.high_water;
    config.network.allow_private_addresses = true;
    auto settings = indexer::backfill_settings(config);  // no relay hosts: cannot fail
    settings->queue_dir = spec.network_dir / "data" / "repo_backfill";
    settings->enumerate = {base};
    return std::move(*settings);
}

void collect(const indexer::BackfillMetrics& m, BackfillRunResult& r) {
    r.repos_indexed = m.writer.indexed;
    r.repos_failed = m.writer.failed + m.fetch_failed;
    r.bad_car = m.bad_car;
    r.records = m.records;
    r.ops = m.writer.ops;
    r.batches = m.writer.batches;
    r.retries = m.writer.retries;
    r.car_bytes = m.car_bytes;
    r.fetch_seconds = seconds_of(m.fetch_micros);
    r.classify_seconds = seconds_of(m.classify_micros);
    r.push_wait_seconds = seconds_of(m.push_wait_micros);
    r.apply_seconds = seconds_of(m.writer.apply_micros);
}

}  // namespace

common::Result<BackfillRunResult> run_backfill(const BackfillRunSpec& spec, const common::Log& log) {
    std::string base;
    auto server = serve(spec.network_dir, log, base);
    if (!server) return tl::unexpected(server.error());
    stages::identity::IdentityConfig identity;
    identity.plc_url = base;
    identity.handle_wellknown_base_url = base;
    identity.allow_private_addresses = true;
    identity.plc_requests_per_second = 0;  // a loopback directory: no rate limit
    identity.cache_dir = spec.network_dir / "data" / "identity";
    std::error_code ec;
    std::filesystem::create_directories(identity.cache_dir, ec);
    auto resolver = stages::identity::IdentityResolver::create(identity, log.component("identity"));
    if (!resolver) return tl::unexpected(resolver.error());

    BackfillRunResult r;
    reset_peak_rss();
    r.rss_before_kib = status_kib("VmRSS");
    const double cpu_before = process_cpu_seconds();
    const double postgres_before = postgres_cpu_seconds();
    const auto start = Clock::now();
    indexer::BackfillIndexer backfill(settings_for(spec, base), **resolver, log);
    if (auto started = backfill.start(); !started) return tl::unexpected(started.error());
    const auto& m = backfill.metrics();
    const auto deadline = start + std::chrono::hours(1);
    auto finished = [&] { return m.writer.indexed + m.writer.failed + m.fetch_failed + m.bad_car + m.inactive >= spec.repos; };
    while (!finished() && Clock::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    r.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    r.cpu_seconds = process_cpu_seconds() - cpu_before;
    r.postgres_cpu_seconds = postgres_cpu_seconds() - postgres_before;
    r.peak_rss_kib = status_kib("VmHWM");
    collect(m, r);
    r.plc_requests = (*resolver)->metrics().plc_requests_total;
    backfill.stop();
    if (!finished()) return common::fail(fmt::format("only {} of {} repos done within an hour", r.repos_indexed, spec.repos));
    return r;
}

}  // namespace bin::bench
