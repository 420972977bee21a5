// The JSON bodies of /_health (the short form a load balancer or an operator's curl reads) and
// /api/status (everything the dashboard draws). Pure functions. Thread-safety: none needed.
#pragma once

#include <string>

#include "ops/daemon_status.hpp"
#include "ops/health.hpp"
#include "ops/status_rates.hpp"

namespace ops {

// {status, problems, uptime_s, relays, queues, backfill, db}; backfill carries records/s and ETA.
[[nodiscard]] std::string health_json(const DaemonStatus& status, const Health& health, const StatusRates& rates);

// The health fields plus version, stages (with rates and busy share) and recent_errors.
[[nodiscard]] std::string status_json(const DaemonStatus& status, const Health& health, const StatusRates& rates);

}  // namespace ops
