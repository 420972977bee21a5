// wintermute-replay: serves capture files as a relay (subscribeRepos) and a labeler
// (subscribeLabels) on one address, for tests, the demo and the benchmark. Prints
// "listening ADDRESS:PORT" as its first stdout line, then serves until SIGINT or SIGTERM.
#include <charconv>
#include <csignal>
#include <cstdio>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "common/log.hpp"
#include "replay/capture.hpp"
#include "replay/identity_routes.hpp"
#include "replay/repo_routes.hpp"
#include "replay/replay_server.hpp"

namespace {

constexpr std::string_view usage = R"(usage: wintermute-replay [options]
  --repos FILE        capture served at /xrpc/com.atproto.sync.subscribeRepos
  --labels FILE       capture served at /xrpc/com.atproto.label.subscribeLabels
  --address ADDR      listen address (default 127.0.0.1)
  --port N            listen port; 0 (default) picks a free one
  --rate N            events per second per connection (default: full speed)
  --repeat K          serve each capture K times, seq rewritten to keep increasing (default 1)
  --seq-offset N      add N to every seq (default 0)
  --tls-cert FILE     serve wss/https with this PEM certificate (needs --tls-key)
  --tls-key FILE      its PEM private key
  --plc DIR           also serve a PLC directory from DIR/<did>.json, handle well-knowns (by Host
                      header) from DIR/handles.json, and getLatestCommit from --meta
  --meta FILE         the recording's meta.json (repo statuses; listRepos.json beside it)
  --pds DIR           also serve listRepos (DIR/listRepos.json, paged) and getRepo (DIR/repos/<did>.car)
  --log-level LEVEL   trace, debug, info (default), warn, error, off
Captures are [u32 little-endian length][frame] records. Without ?cursor= a subscriber gets the
whole capture (they were recorded from cursor=0); with one, the frames whose seq is greater.
)";

struct Options {
    std::optional<std::string> repos;
    std::optional<std::string> labels;
    std::optional<std::string> plc;
    std::optional<std::string> meta;
    std::optional<std::string> pds;
    replay::ReplayServerConfig server;
    std::uint32_t repeat = 1;
    std::uint64_t seq_offset = 0;
    spdlog::level::level_enum level = spdlog::level::info;
};

template <class T>
bool parse_number(std::string_view text, T& out) {
    const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    return !text.empty() && ec == std::errc{} && ptr == text.data() + text.size();
}

// One "--name value" pair; false on an unknown name or a bad value.
bool apply(Options& options, std::string_view name, std::string_view value) {
    if (name == "--repos") options.repos = std::string(value);
    else if (name == "--labels") options.labels = std::string(value);
    else if (name == "--plc") options.plc = std::string(value);
    else if (name == "--meta") options.meta = std::string(value);
    else if (name == "--pds") options.pds = std::string(value);
    else if (name == "--address") options.server.address = std::string(value);
    else if (name == "--tls-cert") options.server.tls_cert_file = std::string(value);
    else if (name == "--tls-key") options.server.tls_key_file = std::string(value);
    else if (name == "--port") return parse_number(value, options.server.port);
    else if (name == "--repeat") return parse_number(value, options.repeat) && options.repeat > 0;
    else if (name == "--seq-offset") return parse_number(value, options.seq_offset);
    else if (name == "--rate") {
        double rate = 0;
        if (!parse_number(value, rate) || rate <= 0) return false;
        options.server.rate = rate;
    } else if (name == "--log-level") {
        const auto level = common::parse_log_level(value);
        if (!level) return false;
        options.level = *level;
    } else return false;
    return true;
}

std::optional<Options> parse(std::span<char* const> args) {
    Options options;
    for (std::size_t i = 0; i < args.size(); ++i) {
        std::string_view name = args[i];
        std::string_view value;
        if (const auto eq = name.find('='); eq != std::string_view::npos) {
            value = name.substr(eq + 1);
            name = name.substr(0, eq);
        } else if (i + 1 < args.size()) {
            value = args[++i];
        }
        if (!apply(options, name, value)) {
            fmt::print(stderr, "wintermute-replay: bad option {} {}\n{}", name, value, usage);
            return std::nullopt;
        }
    }
    return options;
}

std::optional<replay::ReplayPlan> load(const std::optional<std::string>& path, const Options& options) {
    auto frames = replay::load_capture(*path);
    if (!frames) {
        fmt::print(stderr, "wintermute-replay: {}\n", frames.error().message);
        return std::nullopt;
    }
    return replay::ReplayPlan(std::move(*frames), options.repeat, options.seq_offset);
}

}  // namespace

int main(int argc, char** argv) {
    const auto options = parse(std::span<char* const>(argv + 1, argc - 1));
    if (!options) return 2;
    if (!options->repos && !options->labels) {
        fmt::print(stderr, "wintermute-replay: give --repos and/or --labels\n{}", usage);
        return 2;
    }
    replay::ReplayStreams streams;
    if (options->repos && !(streams.repos = load(options->repos, *options))) return 1;
    if (options->labels && !(streams.labels = load(options->labels, *options))) return 1;

    // Block the stop signals before any thread starts so that only sigwait below receives them.
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

    auto self_base = std::make_shared<std::string>();
    std::vector<replay::HttpRoute> routes;
    if (options->plc) {
        if (!options->meta) {
            fmt::print(stderr, "wintermute-replay: --plc needs --meta\n");
            return 2;
        }
        auto identity = replay::identity_routes(*options->plc, *options->meta, self_base);
        if (!identity) {
            fmt::print(stderr, "wintermute-replay: {}\n", identity.error().message);
            return 1;
        }
        routes = std::move(*identity);
    }
    if (options->pds) {
        auto repos = replay::repo_routes(*options->pds);
        if (!repos) {
            fmt::print(stderr, "wintermute-replay: {}\n", repos.error().message);
            return 1;
        }
        routes.insert(routes.end(), repos->begin(), repos->end());
    }
    common::Log log(options->level);
    auto server = replay::ReplayServer::start(options->server, std::move(streams), std::move(routes),
                                              log.component("replay"));
    if (!server) {
        fmt::print(stderr, "wintermute-replay: {}\n", server.error().message);
        return 1;
    }
    *self_base = fmt::format("http://{}:{}", options->server.address, (*server)->port());
    fmt::print("listening {}:{}\n", options->server.address, (*server)->port());
    std::fflush(stdout);
    int signal = 0;
    sigwait(&stop_signals, &signal);
    return 0;
}
