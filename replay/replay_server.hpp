// wintermute-replay's server: serves capture files as a relay's com.atproto.sync.subscribeRepos
// and a labeler's com.atproto.label.subscribeLabels over plain ws on one address, plus plain HTTP
// GET routes (unknown paths: 404). One lws context serviced by the server's own thread; any number
// of concurrent subscribers, each with its own cursor and pace.
// Thread-safety: construct, query and destroy from the owner thread; counters from anywhere.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <spdlog/logger.h>

#include "common/result.hpp"
#include "replay/http_route.hpp"
#include "replay/replay_plan.hpp"

namespace replay {

struct ReplayServerConfig {
    std::string address = "127.0.0.1";
    std::uint16_t port = 0;               // 0: the kernel picks a free port; see port()
    std::optional<double> rate;           // events per second per connection; nullopt = full speed
    std::string tls_cert_file;            // PEM; with tls_key_file, serve wss/https instead of ws/http
    std::string tls_key_file;
};

struct ReplayStreams {
    std::optional<ReplayPlan> repos;     // nullopt: that subscription path answers 404
    std::optional<ReplayPlan> labels;
};

class ReplayServer {
public:
    [[nodiscard]] static common::Result<std::unique_ptr<ReplayServer>> start(
        const ReplayServerConfig& config, ReplayStreams streams, std::vector<HttpRoute> routes,
        std::shared_ptr<spdlog::logger> log);

    // Closes every connection and stops the service thread.
    ~ReplayServer();
    ReplayServer(const ReplayServer&) = delete;
    ReplayServer& operator=(const ReplayServer&) = delete;

    [[nodiscard]] std::uint16_t port() const noexcept;
    [[nodiscard]] std::uint64_t subscribers() const noexcept;   // open subscriptions now
    [[nodiscard]] std::uint64_t frames_sent() const noexcept;   // over all subscriptions

    class Impl;

private:
    explicit ReplayServer(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace replay
