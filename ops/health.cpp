#include "ops/health.hpp"

#include <fmt/format.h>

namespace ops {

const char* to_string(SourceKind kind) noexcept { return kind == SourceKind::relay ? "relay" : "labeler"; }

Health evaluate_health(const DaemonStatus& status, const HealthPolicy& policy) {
    Health health;
    if (!status.db.reachable) {
        health.problems.push_back(status.db.error.empty()
                                      ? std::string("PostgreSQL is unreachable")
                                      : fmt::format("PostgreSQL is unreachable: {}", status.db.error));
    }
    for (const auto& relay : status.relays) {
        if (relay.kind != SourceKind::relay) continue;
        const double silence = relay.last_frame_age_s.value_or(status.uptime_s);
        if (silence > policy.max_relay_silence_s) {
            health.problems.push_back(fmt::format("relay {} has sent nothing for {:.0f} s{}", relay.host, silence,
                                                  relay.connected ? "" : " (disconnected)"));
        }
    }
    health.healthy = health.problems.empty();
    return health;
}

}  // namespace ops
