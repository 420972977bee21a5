#include "ops/status_json.hpp"

#include "ops/json_writer.hpp"

namespace ops {
namespace {

void write_relays(JsonWriter& w, const DaemonStatus& status) {
    w.key("relays").begin_array();
    for (const auto& r : status.relays) {
        w.begin_object()
            .field("host", r.host)
            .field("kind", to_string(r.kind))
            .field("connected", r.connected)
            .field("cursor", r.cursor)
            .field("last_frame_age_s", r.last_frame_age_s)
            .field("lag_s", r.lag_s)
            .end_object();
    }
    w.end_array();
}

void write_queues(JsonWriter& w, const DaemonStatus& status) {
    w.key("queues").begin_array();
    for (const auto& q : status.queues) {
        w.begin_object()
            .field("name", q.name)
            .field("from", q.from)
            .field("to", q.to)
            .field("depth", q.depth)
            .field("capacity", q.capacity)
            .field("spilled_items", q.spilled_items)
            .field("spilled_bytes", q.spilled_bytes)
            .end_object();
    }
    w.end_array();
}

void write_backfill(JsonWriter& w, const DaemonStatus& status, const StatusRates& rates) {
    const auto& b = status.backfill;
    w.key("backfill").begin_object().field("enabled", b.enabled).key("repos_by_state").begin_object();
    for (const auto& s : b.repos_by_state) w.field(s.state, s.repos);
    w.end_object()
        .field("repos_done", b.repos_done)
        .field("repos_remaining", b.repos_remaining)
        .field("records_extracted", b.records_extracted)
        .field("records_per_s", rates.backfill_records_per_s)
        .field("eta_s", rates.backfill_eta_s)
        .end_object();
}

void write_common(JsonWriter& w, const DaemonStatus& status, const Health& health, const StatusRates& rates) {
    w.field("status", health.healthy ? "ok" : "unhealthy").key("problems").begin_array();
    for (const auto& p : health.problems) w.value(p);
    w.end_array().field("uptime_s", status.uptime_s);
    write_relays(w, status);
    write_queues(w, status);
    write_backfill(w, status, rates);
    const auto& db = status.db;
    w.key("db")
        .begin_object()
        .field("reachable", db.reachable)
        .field("pool_in_use", std::uint64_t{db.pool_in_use})
        .field("pool_size", std::uint64_t{db.pool_size})
        .field("error", db.error)
        .end_object();
}

void write_stages(JsonWriter& w, const DaemonStatus& status, const StatusRates& rates) {
    w.key("stages").begin_array();
    for (std::size_t i = 0; i < status.stages.size(); ++i) {
        const auto& s = status.stages[i];
        // Rates may come from a window that ended before a stage appeared: zero until the next.
        const StageRates r = i < rates.stages.size() ? rates.stages[i] : StageRates{};
        w.begin_object()
            .field("name", s.name)
            .field("lane", s.lane)
            .field("threads", std::uint64_t{s.threads})
            .field("items_in", s.items_in)
            .field("items_out", s.items_out)
            .field("rejected", s.rejected)
            .field("errors", s.errors)
            .field("in_per_s", r.in_per_s)
            .field("out_per_s", r.out_per_s)
            .field("busy_share", r.busy_share)
            .end_object();
    }
    w.end_array();
}

void write_errors(JsonWriter& w, const DaemonStatus& status) {
    w.key("recent_errors").begin_array();
    for (const auto& line : status.recent_errors) {
        w.begin_object()
            .field("unix_time", line.unix_time)
            .field("level", line.level)
            .field("component", line.component)
            .field("message", line.message)
            .field("repeats", std::uint64_t{line.repeats})
            .end_object();
    }
    w.end_array();
}

}  // namespace

std::string health_json(const DaemonStatus& status, const Health& health, const StatusRates& rates) {
    JsonWriter w;
    w.begin_object();
    write_common(w, status, health, rates);
    w.end_object();
    return w.str();
}

std::string status_json(const DaemonStatus& status, const Health& health, const StatusRates& rates) {
    JsonWriter w;
    w.begin_object().field("version", status.version).field("rate_window_s", rates.interval_s);
    write_common(w, status, health, rates);
    write_stages(w, status, rates);
    write_errors(w, status);
    w.end_object();
    return w.str();
}

}  // namespace ops
