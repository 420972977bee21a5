// wintermute-bench backfill: the daemon's backfill path (listRepos → repo_backfill → getRepo →
// classify → BackfillWriter → PostgreSQL) over a synthetic network of signed repos served on
// 127.0.0.1; records/s end to end and per stage, peak RSS (docs/benchmarks.md "Backfill").
#include "bin/bench/backfill_run.hpp"
#include "bin/bench/bench_options.hpp"
#include "bin/bench/benches.hpp"

#include <cstdlib>
#include <string_view>

#include <fmt/core.h>

#include "replay/synthetic_network.hpp"

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
    replay::SyntheticNetworkSpec network;
    bin::bench::BackfillRunSpec run;
    std::string dir;
};

common::Result<Options> parse(std::span<char* const> args) {
    Options o;
    if (const char* url = std::getenv("DATABASE_URL")) o.run.database_url = url;
    auto parsed = bin::bench::for_each_flag(args, [&](std::string_view flag, std::string_view value) -> std::optional<bool> {
        using bin::bench::positive_number;
        if (flag == "--database-url") o.run.database_url = value;
        else if (flag == "--dir") o.dir = value;
        else if (flag == "--repos") return positive_number(value, o.network.repos);
        else if (flag == "--records") return positive_number(value, o.network.records);
        else if (flag == "--seed") return positive_number(value, o.network.seed);
        else if (flag == "--workers") return positive_number(value, o.run.workers);
        else if (flag == "--writers") return positive_number(value, o.run.writers);
        else if (flag == "--batch") return positive_number(value, o.run.batch_ops);
        else if (flag == "--high-water") return positive_number(value, o.run.high_water);
        else return std::nullopt;
        return true;
    });
    if (!parsed) return tl::unexpected(parsed.error());
    if (o.run.database_url.empty()) return common::fail("no database: --database-url URL or DATABASE_URL");
    if (o.network.records < o.network.repos) return common::fail("--records must be at least --repos");
    o.run.repos = o.network.repos;
    return o;
}

// A scratch folder for the network and the data_dir, removed afterwards unless --dir named one.
class Scratch {
public:
    explicit Scratch(const std::string& dir) : keep_(!dir.empty()) {
        std::string pattern = (std::filesystem::temp_directory_path() / "wintermute-backfill-bench.XXXXXX").string();
        if (keep_) path_ = dir;
        else if (::mkdtemp(pattern.data()) != nullptr) path_ = pattern;
    }
    ~Scratch() {
        std::error_code ec;
        if (!keep_ && !path_.empty()) std::filesystem::remove_all(path_, ec);
    }
    Scratch(const Scratch&) = delete;
    Scratch& operator=(const Scratch&) = delete;
    [[nodiscard]] const std::filesystem::path& path() const { return path_; }

private:
    bool keep_;
    std::filesystem::path path_;
};

void print_network(const replay::SyntheticNetwork& n, double seconds) {
    fmt::print("backfill: {} repos, {} records (largest repo {}), {:.1f} MB of signed CARs, generated in {:.1f} s\n",
               n.repos, n.records, n.largest_repo, static_cast<double>(n.car_bytes) / 1e6, seconds);
    std::string mix;
    for (const auto& [collection, count] : n.collections) {
        mix += fmt::format("  {} {:.1f}%", collection.substr(collection.rfind('.') + 1),
                           100.0 * static_cast<double>(count) / static_cast<double>(n.records));
    }
    fmt::print("mix:{}\n", mix);
}

void print_result(const bin::bench::BackfillRunSpec& spec, const bin::bench::BackfillRunResult& r) {
    const double records = static_cast<double>(r.records);
    auto rate = [&](double seconds) { return seconds > 0 ? records / seconds : 0.0; };
    fmt::print("end to end   {:>8} records in {:6.1f} s  {:>8.0f} records/s  ({} repos indexed, {} failed, {} bad CARs)\n",
               r.records, r.seconds, rate(r.seconds), r.repos_indexed, r.repos_failed, r.bad_car);
    fmt::print("{:<12} {:>10} {:>14} {:>16}\n", "stage", "thread-s", "records/s per", "share of wall");
    fmt::print("{:<12} {:>10} {:>14} {:>16}\n", "", "(summed)", "busy thread", "(of its threads)");
    const double workers = static_cast<double>(spec.workers);
    fmt::print("{:<12} {:>10.1f} {:>14.0f} {:>15.0f}%\n", "fetch", r.fetch_seconds, rate(r.fetch_seconds),
               100 * r.fetch_seconds / (workers * r.seconds));
    fmt::print("{:<12} {:>10.1f} {:>14.0f} {:>15.0f}%\n", "classify", r.classify_seconds, rate(r.classify_seconds),
               100 * r.classify_seconds / (workers * r.seconds));
    fmt::print("{:<12} {:>10.1f} {:>14} {:>15.0f}%\n", "wait writer", r.push_wait_seconds, "",
               100 * r.push_wait_seconds / (workers * r.seconds));
    fmt::print("{:<12} {:>10.1f} {:>14.0f} {:>15.0f}%\n", "write", r.apply_seconds, rate(r.apply_seconds),
               100 * r.apply_seconds / (static_cast<double>(spec.writers) * r.seconds));
    const double batches = static_cast<double>(std::max<std::uint64_t>(r.batches, 1));
    fmt::print("write: {} batches, {:.0f} ops/batch, {:.1f} ms/batch, {:.1f} us/op; retries {}; PLC lookups {}\n",
               r.batches, static_cast<double>(r.ops) / batches, 1000 * r.apply_seconds / batches,
               1e6 * r.apply_seconds / static_cast<double>(std::max<std::uint64_t>(r.ops, 1)), r.retries,
               r.plc_requests);
    fmt::print("CPU: wintermute {:.1f} s ({:.2f} cores, {:.1f} us/record), local PostgreSQL {:.1f} s ({:.2f} cores, "
               "{:.1f} us/record)\n",
               r.cpu_seconds, r.cpu_seconds / r.seconds, 1e6 * r.cpu_seconds / records, r.postgres_cpu_seconds,
               r.postgres_cpu_seconds / r.seconds, 1e6 * r.postgres_cpu_seconds / records);
    fmt::print("RSS of this process: {:.0f} MiB at start, peak (VmHWM) {:.0f} MiB\n",
               static_cast<double>(r.rss_before_kib) / 1024, static_cast<double>(r.peak_rss_kib) / 1024);
}

}  // namespace

namespace bin::bench {

int backfill_bench(std::span<char* const> args) {
    auto options = parse(args);
    if (!options) {
        fmt::print(stderr, "wintermute-bench backfill: {}\n", options.error().message);
        return 2;
    }
    // The network is the same for a seed: a second run would find every repo current.
    if (auto migrated = bin::bench::migrate_empty(
            options->run.database_url, "SELECT 1 FROM bsky.backfill_repo LIMIT 1",
            "the database already holds backfilled repos: give the benchmark an empty one");
        !migrated) {
        fmt::print(stderr, "wintermute-bench backfill: {}\n", migrated.error().message);
        return 1;
    }
    const Scratch scratch(options->dir);
    if (scratch.path().empty()) {
        fmt::print(stderr, "wintermute-bench backfill: cannot create a scratch folder\n");
        return 1;
    }
    options->run.network_dir = scratch.path();
    const auto generate_start = Clock::now();
    const auto network = replay::write_synthetic_network(options->network, scratch.path());
    if (!network) {
        fmt::print(stderr, "wintermute-bench backfill: {}\n", network.error().message);
        return 1;
    }
    print_network(*network, std::chrono::duration<double>(Clock::now() - generate_start).count());
    fmt::print("daemon defaults: {} workers, {} writers, batches of {} ops, high-water mark {} ops; signatures "
               "verified\n",
               options->run.workers, options->run.writers, options->run.batch_ops, options->run.high_water);
    const common::Log log(spdlog::level::warn);
    const auto result = run_backfill(options->run, log);
    if (!result) {
        fmt::print(stderr, "wintermute-bench backfill: {}\n", result.error().message);
        return 1;
    }
    print_result(options->run, *result);
    return 0;
}

}  // namespace bin::bench
