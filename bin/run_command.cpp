#include "bin/run_command.hpp"

#include <csignal>
#include <thread>

#include <fmt/core.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <spdlog/sinks/dist_sink.h>

#include "common/log.hpp"
#include "indexer/backfill_indexer.hpp"
#include "indexer/live_indexer.hpp"
#include "indexer/status_reporter.hpp"
#include "ops/ops_server.hpp"
#include "ops/service_notifier.hpp"
#include "bin/load_config.hpp"
#include "pipeline/config.hpp"

namespace bin {

namespace {

// Blocks SIGINT and SIGTERM in this thread and every thread it starts, so that only the
// signal thread below receives them.
sigset_t block_stop_signals() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    return set;
}

// The backfill next to the live path, or nothing when backfiller.enabled is false.
common::Result<std::unique_ptr<indexer::BackfillIndexer>> start_backfill(const pipeline::Config& config,
                                                                        const common::Log& log,
                                                                        indexer::LiveIndexer& live) {
    if (!config.backfiller.enabled) return std::unique_ptr<indexer::BackfillIndexer>();
    auto settings = indexer::backfill_settings(config);
    if (!settings) return tl::unexpected(settings.error());
    auto backfill =
        std::make_unique<indexer::BackfillIndexer>(std::move(*settings), live.identity()->resolver(), log);
    if (auto started = backfill->start(); !started) return tl::unexpected(started.error());
    return backfill;
}

}  // namespace

int run_daemon(std::span<char* const> args, const char* const* envp) {
    // First of all, so that a stop signal during start-up is a graceful stop, not a kill.
    const sigset_t stop_signals = block_stop_signals();
    const auto loaded = load_command_config(args, envp);
    if (!loaded) return 2;
    const auto& config = loaded->loaded.config;
    if (config.database.url.empty()) {
        fmt::print(stderr, "wintermute: no database: set DATABASE_URL or database.url\n");
        return 2;
    }
    // Log lines go to stdout (repeats folded with a count); warnings and errors are also kept for
    // the dashboard.
    auto recent = std::make_shared<ops::RecentErrorsSink>(50);
    auto sinks = std::make_shared<spdlog::sinks::dist_sink_mt>(
        std::vector<spdlog::sink_ptr>{common::rate_limited_stdout(), recent});
    common::Log log(config.log.level, sinks);
    auto logger = log.component("main");
    prometheus::Registry registry;
    pipeline::Metrics metrics(registry);
    ops::DaemonMetrics daemon_metrics(registry);
    std::atomic<indexer::StatusReporter*> reporting{nullptr};
    indexer::LiveObservers observers{.lag = [&](std::chrono::steady_clock::duration lag) {
        const double seconds = std::chrono::duration<double>(lag).count();
        daemon_metrics.receive_lag().Observe(seconds);
        if (auto* r = reporting.load()) r->observe_lag(seconds);
    }};
    indexer::LiveIndexer live(config, log, metrics, std::move(observers));
    std::atomic<indexer::BackfillIndexer*> backfill_target{nullptr};
    live.on_resync([&backfill_target](std::vector<std::string>&& dids) {
        if (auto* backfill = backfill_target.load()) backfill->resync(dids);
    });
    if (auto started = live.start(); !started) {
        logger->error("cannot start: {}", started.error().message);
        return 1;
    }
    auto backfill = start_backfill(config, log, live);
    if (!backfill) {
        logger->error("cannot start the backfill: {}", backfill.error().message);
        live.request_stop();
        live.request_stop();
        (void)live.wait();
        return 1;
    }
    backfill_target = backfill->get();
    std::unique_ptr<indexer::BackfillReporter> backfill_status;
    if (*backfill) {
        backfill_status = std::make_unique<indexer::BackfillReporter>(
            **backfill, indexer::backfill_reporter_config(config), log.component("backfill_status"));
    }
    // The reporter samples the writer, which stop() destroys: it lets go first.
    auto stop_backfill = [&] {
        if (auto* b = backfill_target.exchange(nullptr)) {
            if (backfill_status) backfill_status->detach();
            b->stop();
        }
    };
    indexer::StatusReporter reporter(live, metrics, daemon_metrics, backfill_status.get());
    reporting = &reporter;
    ops::OpsServerConfig ops_config;
    ops_config.listen.address = "0.0.0.0";
    ops_config.listen.port = config.metrics.port;
    ops_config.health.max_relay_silence_s = static_cast<double>(config.metrics.relay_silence_seconds);
    auto ops_server = ops::OpsServer::start(
        ops_config,
        ops::OpsInputs{.registry = &registry,
                       .status = [&] { return reporter.status(); },
                       .collect = [&] { reporter.collect(); },
                       .metrics = &daemon_metrics,
                       .recent_errors = recent},
        log.component("ops"));
    if (!ops_server) {
        logger->error("cannot serve metrics on port {}: {}", config.metrics.port, ops_server.error().message);
        stop_backfill();
        live.request_stop();
        live.request_stop();
        (void)live.wait();
        return 1;
    }
    logger->info("metrics, health and dashboard on port {}", (*ops_server)->port());
    const ops::ServiceNotifier notifier;
    notifier.ready();
    std::jthread signals([&](std::stop_token stop) {
        while (!stop.stop_requested()) {
            timespec tick{0, 200'000'000};
            const int sig = sigtimedwait(&stop_signals, nullptr, &tick);
            if (sig > 0) {
                logger->info("signal {}: stopping{}", sig, " (a second signal stops at once)");
                notifier.stopping();
                stop_backfill();
                live.request_stop();
            }
        }
    });
    auto result = live.wait();
    signals.request_stop();
    signals.join();
    // The ops server reads the backfill's counters: it goes before the backfill does.
    ops_server->reset();
    stop_backfill();
    backfill_status.reset();
    backfill->reset();
    if (!result) {
        logger->error("stopped with an error: {}", result.error().message);
        return 1;
    }
    logger->info("stopped cleanly");
    return 0;
}

}  // namespace bin
