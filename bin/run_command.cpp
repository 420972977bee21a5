#include "bin/run_command.hpp"

#include <csignal>
#include <thread>

#include <fmt/core.h>
#include <prometheus/registry.h>

#include "common/log.hpp"
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
    if (auto started = live.start(); !started) {
        logger->error("cannot start: {}", started.error().message);
        return 1;
    }
    std::jthread signals([&](std::stop_token stop) {
        while (!stop.stop_requested()) {
            timespec tick{0, 200'000'000};
            const int sig = sigtimedwait(&stop_signals, nullptr, &tick);
            if (sig > 0) {
                logger->info("signal {}: stopping{}", sig, " (a second signal stops at once)");
                live.request_stop();
            }
        }
    });
    auto result = live.wait();
    signals.request_stop();
    if (!result) {
        logger->error("stopped with an error: {}", result.error().message);
        return 1;
    }
    logger->info("stopped cleanly");
    return 0;
}

}  // namespace bin
