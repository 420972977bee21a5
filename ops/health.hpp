// Whether the daemon is healthy, from a status snapshot: a pure function, so the rule is unit
// tested and /_health, /api/status and the dashboard all agree. Thread-safety: none needed.
#pragma once

#include <string>
#include <vector>

#include "ops/daemon_status.hpp"

namespace ops {

struct HealthPolicy {
    // A relay with no frame for longer than this is silent. Labelers are exempt: labels are rare.
    double max_relay_silence_s = 60;
};

struct Health {
    bool healthy = true;
    std::vector<std::string> problems;   // one sentence each, for the operator
};

// Unhealthy when PostgreSQL is unreachable or a relay (kind relay) has been silent longer than the
// policy allows. A relay that never sent a frame counts as silent since start (uptime_s).
[[nodiscard]] Health evaluate_health(const DaemonStatus& status, const HealthPolicy& policy = {});

}  // namespace ops
