// wintermute-bench live: the whole live path (socket → decode → classify → batch writer →
// PostgreSQL) fed by an in-process replay of the pds-capture firehose, repeated with retagged
// DIDs (each copy is a distinct set of repos) and rewritten seqs; once at full speed and once
// paced at --rate, side by side (docs/benchmarks.md "Live path").
#include "bin/bench/benches.hpp"
#include "bin/bench/bench_options.hpp"
#include "bin/bench/live_phase.hpp"

#include <cstdlib>
#include <set>
#include <string_view>

#include <fmt/core.h>

#include "replay/did_retag.hpp"

namespace {

struct Options {
    std::string database_url;
    std::string capture_dir;
    std::string frames;  // default: capture_dir/firehose.frames
    std::uint64_t events = 100'000;
    double rate = 2000;
    std::optional<std::uint64_t> idle_linger_ms;
    std::optional<std::uint64_t> writer_lanes;
    std::optional<std::uint64_t> writer_batch;
};

std::string default_capture_dir() { return bin::bench::shared_dir() + "/fixtures/pds-capture"; }

common::Result<Options> parse(std::span<char* const> args) {
    Options o;
    if (const char* url = std::getenv("DATABASE_URL")) o.database_url = url;
    o.capture_dir = default_capture_dir();
    const auto take = [&](std::string_view flag, std::string_view value) -> std::optional<bool> {
        if (flag == "--database-url") o.database_url = value;
        else if (flag == "--capture") o.capture_dir = value;
        else if (flag == "--frames") o.frames = value;
        else if (flag == "--events") return bin::bench::positive_number(value, o.events);
        else if (flag == "--rate") return bin::bench::positive_number(value, o.rate);
        else if (flag == "--idle-linger-ms") return bin::bench::number(value, o.idle_linger_ms.emplace());
        else if (flag == "--writer-lanes") return bin::bench::positive_number(value, o.writer_lanes.emplace());
        else if (flag == "--writer-batch") return bin::bench::positive_number(value, o.writer_batch.emplace());
        else return std::nullopt;
        return true;
    };
    if (auto parsed = bin::bench::for_each_flag(args, take); !parsed) return tl::unexpected(parsed.error());
    if (o.database_url.empty()) return common::fail("no database: --database-url URL or DATABASE_URL");
    if (o.frames.empty()) o.frames = o.capture_dir + "/firehose.frames";
    return o;
}

// Retagging keeps all but the last plc_tag_length characters of a DID: the capture's DIDs must already
// differ before them, or two repos would merge into one.
common::Result<std::size_t> check_dids(const std::vector<replay::CapturedFrame>& frames) {
    std::set<std::string> dids, stems;
    for (const auto& frame : frames) {
        for (const auto at : replay::find_plc_dids(frame.bytes)) {
            const std::string did(reinterpret_cast<const char*>(frame.bytes.data()) + at, 32);
            dids.insert(did);
            stems.insert(did.substr(0, did.size() - replay::plc_tag_length));
        }
    }
    if (dids.size() != stems.size()) return common::fail("capture DIDs differ only in their last characters, which retagging replaces");
    return dids.size();
}

double percentile(const std::vector<double>& sorted, double p) {
    if (sorted.empty()) return 0;
    const auto index = static_cast<std::size_t>(p * static_cast<double>(sorted.size() - 1) + 0.5);
    return sorted[std::min(index, sorted.size() - 1)];
}

void print_row(std::string_view name, const bin::bench::LivePhaseResult& r) {
    const double events = static_cast<double>(r.events);
    fmt::print("{:<12} {:>8} {:>7.1f} {:>9.0f} {:>10.0f} {:>9.1f} {:>9.1f} {:>9.1f}\n", name, r.events, r.seconds,
               events / r.seconds, static_cast<double>(r.records) / r.seconds, percentile(r.lag_ms, 0.5),
               percentile(r.lag_ms, 0.99), r.lag_ms.empty() ? 0.0 : r.lag_ms.back());
}

void print_time(std::string_view name, const bin::bench::LivePhaseResult& r) {
    const double batches = static_cast<double>(std::max<std::uint64_t>(r.batches, 1));
    const auto all_ops = r.ops + r.lane_ops;
    const double ops = static_cast<double>(std::max<std::uint64_t>(all_ops, 1));
    // The writer's own busy counter misses the commits made when its input runs dry (flush on
    // idle), so the share of wall time inside BatchApplier is the writer's load. With lanes, the
    // lanes' transactions run side by side: the shares add up, and batches count transactions.
    fmt::print("{:<12} writer in BatchApplier (COPY + apply_batch + commit) {:.0f}% of wall;"
               " {} transactions, {:.0f} ops/transaction, {:.1f} ms/transaction, {:.0f} us/op;"
               " on lanes {:.0f}% of ops, {} gave way\n",
               name, 100 * r.commit_seconds / r.seconds, r.batches, static_cast<double>(all_ops) / batches,
               1000 * r.commit_seconds / batches, 1e6 * r.commit_seconds / ops,
               100 * static_cast<double>(r.lane_ops) / ops, r.lane_give_ways);
    fmt::print("{:<12} busy thread-s (wall clock): decode {:.1f}, classify {:.1f}; stale {}, poison {}, retries {};"
               " PLC lookups {} ({} unknown)\n",
               "", r.decode_busy, r.classify_busy, r.stale, r.poison, r.retries, r.plc_requests, r.plc_not_found);
    const double events = static_cast<double>(std::max<std::uint64_t>(r.events, 1));
    fmt::print("{:<12} CPU: this process (relay included) {:.2f} cores, {:.1f} us/event; local PostgreSQL {:.2f} cores,"
               " {:.1f} us/event\n",
               "", r.cpu_seconds / r.seconds, 1e6 * r.cpu_seconds / events, r.postgres_cpu_seconds / r.seconds,
               1e6 * r.postgres_cpu_seconds / events);
}

}  // namespace

namespace bin::bench {

int live_bench(std::span<char* const> args) {
    const auto options = parse(args);
    if (!options) {
        fmt::print(stderr, "wintermute-bench live: {}\n", options.error().message);
        return 2;
    }
    auto frames = replay::load_capture(options->frames);
    auto dids = frames ? check_dids(*frames) : tl::unexpected(frames.error());
    if (!dids) {
        fmt::print(stderr, "wintermute-bench live: {}\n", dids.error().message);
        return 1;
    }
    const auto copies = static_cast<std::uint32_t>((options->events + frames->size() - 1) / frames->size());
    if (2 * copies > replay::plc_tag_count) {
        fmt::print(stderr, "wintermute-bench live: at most {} events\n", replay::plc_tag_count / 2 * frames->size());
        return 2;
    }
    // Copies are retagged the same way in every run: a second run would be all stale writes.
    if (auto migrated = migrate_empty(options->database_url, "SELECT 1 FROM bsky.actor_sync LIMIT 1",
                                      "the database already holds repos: give the benchmark an empty one");
        !migrated) {
        fmt::print(stderr, "wintermute-bench live: {}\n", migrated.error().message);
        return 1;
    }
    fmt::print("live: {} x {} frames of {} ({} did:plc retagged per copy, seqs rewritten);\n"
               "      block hash checks OFF (retagging changes block bytes); PLC/handles served from {}\n",
               copies, frames->size(), options->frames, *dids, options->capture_dir);
    fmt::print("{:<12} {:>8} {:>7} {:>9} {:>10} {:>9} {:>9} {:>9}\n", "replay", "events", "secs", "events/s",
               "records/s", "lag p50", "lag p99", "lag max");
    const common::Log log(spdlog::level::warn);
    std::vector<std::pair<std::string, LivePhaseResult>> results;
    const std::optional<double> paced = options->rate;
    for (const auto& rate : {std::optional<double>{}, paced}) {
        const LivePhaseSpec spec{options->database_url, options->capture_dir, copies,
                                 static_cast<std::uint32_t>(results.size()) * copies, rate, options->idle_linger_ms,
                                 options->writer_lanes, options->writer_batch};
        auto result = run_live_phase(spec, *frames, log);
        if (!result) {
            fmt::print(stderr, "wintermute-bench live: {}\n", result.error().message);
            return 1;
        }
        const auto name = rate ? fmt::format("{:.0f}/s", *rate) : std::string("full speed");
        print_row(name, *result);
        results.emplace_back(name, std::move(*result));
    }
    fmt::print("(lag in ms: frame received -> its batch committed)\n");
    for (const auto& [name, result] : results) print_time(name, result);
    return 0;
}

}  // namespace bin::bench
