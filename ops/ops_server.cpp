#include "ops/ops_server.hpp"

#include <string>
#include <vector>

#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include "ops/embedded_assets.hpp"
#include "ops/http_server.hpp"
#include "ops/status_json.hpp"
#include "ops/status_rates.hpp"

namespace ops {

struct OpsServer::State {
    OpsServerConfig config;
    OpsInputs inputs;
    RateTracker rates;   // touched only by handlers, which run on the server thread one at a time
    std::unique_ptr<HttpServer> server;   // last: stopped before the state its handlers use

    DaemonStatus snapshot() {
        DaemonStatus status = inputs.status();
        if (inputs.recent_errors) status.recent_errors = inputs.recent_errors->snapshot();
        return status;
    }

    HttpResponse metrics() {
        if (inputs.collect) inputs.collect();
        if (inputs.metrics != nullptr) inputs.metrics->publish(inputs.status());
        return {200, "text/plain; version=0.0.4; charset=utf-8",
                prometheus::TextSerializer().Serialize(inputs.registry->Collect())};
    }

    HttpResponse health() {
        const DaemonStatus status = snapshot();
        const Health verdict = evaluate_health(status, config.health);
        const StatusRates r = rates.update(status, RateTracker::Clock::now());
        return {verdict.healthy ? 200U : 503U, "application/json", health_json(status, verdict, r)};
    }

    HttpResponse status() {
        const DaemonStatus status = snapshot();
        const StatusRates r = rates.update(status, RateTracker::Clock::now());
        return {200, "application/json", status_json(status, evaluate_health(status, config.health), r)};
    }

    std::vector<HttpRoute> routes() {
        std::vector<HttpRoute> all{
            {"/metrics", [this](const HttpRequest&) { return metrics(); }},
            {"/_health", [this](const HttpRequest&) { return health(); }},
            {"/api/status", [this](const HttpRequest&) { return status(); }},
        };
        for (const auto& asset : embedded_assets()) {
            auto serve = [&asset](const HttpRequest&) {
                return HttpResponse{200, std::string(asset.content_type), std::string(asset.body)};
            };
            all.push_back({std::string(asset.path), serve});
            if (asset.path == "/") all.push_back({"/dashboard", serve});
        }
        return all;
    }
};

common::Result<std::unique_ptr<OpsServer>> OpsServer::start(const OpsServerConfig& config, OpsInputs inputs,
                                                            std::shared_ptr<spdlog::logger> log) {
    if (inputs.registry == nullptr || !inputs.status) {
        return common::fail("the ops server needs a metrics registry and a status source");
    }
    auto state = std::make_unique<State>(State{config, std::move(inputs), RateTracker{}, nullptr});
    auto server = HttpServer::start(config.listen, state->routes(), std::move(log));
    if (!server) return tl::unexpected(server.error());
    state->server = std::move(*server);
    return std::unique_ptr<OpsServer>(new OpsServer(std::move(state)));
}

OpsServer::OpsServer(std::unique_ptr<State> state) : state_(std::move(state)) {}
OpsServer::~OpsServer() = default;
std::uint16_t OpsServer::port() const noexcept { return state_->server->port(); }

}  // namespace ops
