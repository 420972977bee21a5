#include "bin/run_command.hpp"

#include <csignal>
#include <thread>

#include <fmt/core.h>
#include <prometheus/registry.h>

#include "common/log.hpp"
#include "indexer/backfill_indexer.hpp"
#include "indexer/live_indexer.hpp"
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
    const auto command_line = pipeline::parse_command_line(args);
    if (!command_line) {
        fmt::print(stderr, "wintermute: {}\n", command_line.error().message);
        return 2;
    }
    const auto loaded = pipeline::load_config(*command_line, pipeline::environment_from(envp));
    if (!loaded) {
        fmt::print(stderr, "wintermute: configuration refused: {}\n", loaded.error().message);
        return 2;
    }
    const auto& config = loaded->config;
    if (config.database.url.empty()) {
        fmt::print(stderr, "wintermute: no database: set DATABASE_URL or database.url\n");
        return 2;
    }
    common::Log log(config.log.level);
    auto logger = log.component("main");
    prometheus::Registry registry;
    pipeline::Metrics metrics(registry);
    indexer::LiveIndexer live(config, log, metrics);
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
    std::jthread signals([&](std::stop_token stop) {
        while (!stop.stop_requested()) {
            timespec tick{0, 200'000'000};
            const int sig = sigtimedwait(&stop_signals, nullptr, &tick);
            if (sig > 0) {
                logger->info("signal {}: stopping{}", sig, " (a second signal stops at once)");
                if (auto* b = backfill_target.exchange(nullptr)) b->stop();
                live.request_stop();
            }
        }
    });
    auto result = live.wait();
    signals.request_stop();
    backfill_target = nullptr;
    backfill->reset();
    if (!result) {
        logger->error("stopped with an error: {}", result.error().message);
        return 1;
    }
    logger->info("stopped cleanly");
    return 0;
}

}  // namespace bin
