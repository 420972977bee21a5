// The daemon's operator surface on one HTTP port: /metrics (Prometheus text), /_health (200/503
// JSON), /api/status (JSON for the dashboard), / and /dashboard (the status page) and its assets.
// Handlers run on the server's own thread: the status source and the collect hook are called from
// there and must be safe to call while the pipeline runs (read atomics, take short locks).
// Thread-safety: start/destroy from the owner thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>

#include <spdlog/logger.h>

#include "common/result.hpp"
#include "ops/daemon_metrics.hpp"
#include "ops/daemon_status.hpp"
#include "ops/health.hpp"
#include "ops/lws_listener.hpp"
#include "ops/recent_errors_sink.hpp"

namespace prometheus {
class Registry;
}

namespace ops {

struct OpsServerConfig {
    ListenerConfig listen{.address = "0.0.0.0", .port = 9090, .tls_cert_file = {}, .tls_key_file = {}};  // METRICS_PORT
    HealthPolicy health;
};

struct OpsInputs {
    prometheus::Registry* registry = nullptr;       // required; serialised by /metrics
    std::function<DaemonStatus()> status;           // required; a fresh snapshot per request
    std::function<void()> collect;                  // optional; before each /metrics: copy atomics in
    DaemonMetrics* metrics = nullptr;               // optional; publish(status) before each /metrics
    std::shared_ptr<RecentErrorsSink> recent_errors;   // optional; fills DaemonStatus::recent_errors
};

class OpsServer {
public:
    // Fails when the address cannot be bound or a required input is missing.
    [[nodiscard]] static common::Result<std::unique_ptr<OpsServer>> start(const OpsServerConfig& config,
                                                                          OpsInputs inputs,
                                                                          std::shared_ptr<spdlog::logger> log);
    ~OpsServer();
    OpsServer(const OpsServer&) = delete;
    OpsServer& operator=(const OpsServer&) = delete;

    [[nodiscard]] std::uint16_t port() const noexcept;

    struct State;

private:
    OpsServer(std::unique_ptr<State> state);
    std::unique_ptr<State> state_;
};

}  // namespace ops
