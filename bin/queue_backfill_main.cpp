// queue_backfill: asks a running (or the next) wintermute daemon to backfill repos, and shows
// progress. It writes requests into PostgreSQL (wintermute.backfill_request), never into the
// daemon's LMDB queue, so it is safe while the daemon runs (docs/backfill.md).
//   queue_backfill csv --file F [--priority P]     one DID per line
//   queue_backfill dids --did D [--did D …] [--priority immediate|priority|normal]
//   queue_backfill pds --host H                    listRepos of one PDS
//   queue_backfill retry-failed
//   queue_backfill status
// The database comes from --database-url or DATABASE_URL.
#include <cstdlib>
#include <fstream>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/core.h>

#include "atproto/syntax/identifier.hpp"
#include "bin/command.hpp"
#include "storage/pg/connection.hpp"
#include "storage/pg/error.hpp"

namespace {

struct Options {
    std::string database_url;
    std::vector<std::string> dids;
    std::optional<std::string> file;
    std::optional<std::string> host;
    std::string priority = "normal";
};

// Reads `--name value` pairs; false (after a message) on anything else.
bool parse(std::span<char* const> args, Options& o) {
    if (const char* env = std::getenv("DATABASE_URL")) o.database_url = env;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string_view name = args[i];
        if (i + 1 >= args.size()) {
            fmt::print(stderr, "queue_backfill: {} needs a value\n", name);
            return false;
        }
        const std::string value = args[++i];
        if (name == "--database-url") o.database_url = value;
        else if (name == "--did") o.dids.push_back(value);
        else if (name == "--file") o.file = value;
        else if (name == "--host") o.host = value;
        else if (name == "--priority" && (value == "immediate" || value == "priority" || value == "normal")) o.priority = value;
        else {
            fmt::print(stderr, "queue_backfill: unknown option {} {}\n", name, value);
            return false;
        }
    }
    if (o.database_url.empty()) {
        fmt::print(stderr, "queue_backfill: set DATABASE_URL or --database-url\n");
        return false;
    }
    return true;
}

// Runs `work` with a connection; exit status 1 with the database's message on failure.
template <class Work>
int with_database(std::span<char* const> args, Work&& work) {
    Options o;
    if (!parse(args, o)) return 2;
    try {
        storage::pg::Connection conn(o.database_url);
        return work(conn, o);
    } catch (const storage::pg::PgError& e) {
        fmt::print(stderr, "queue_backfill: {}\n", e.what());
        return 1;
    }
}

int queue_dids(storage::pg::Connection& conn, const std::vector<std::string>& dids, const std::string& priority) {
    std::size_t queued = 0, refused = 0;
    conn.exec("BEGIN");
    for (const auto& did : dids) {
        if (!atproto::syntax::is_valid_did(did)) {
            fmt::print(stderr, "queue_backfill: not a DID: {}\n", did);
            ++refused;
            continue;
        }
        conn.exec_params("INSERT INTO wintermute.backfill_request (kind, did, priority) VALUES ('did', $1, $2)",
                         {did, priority});
        ++queued;
    }
    conn.exec("COMMIT");
    fmt::print("queued {} repos ({} priority){}\n", queued, priority,
               refused > 0 ? fmt::format(", refused {} lines that are not DIDs", refused) : "");
    return refused > 0 && queued == 0 ? 1 : 0;
}

int run_dids(std::span<char* const> args) {
    return with_database(args, [](storage::pg::Connection& conn, const Options& o) {
        if (o.dids.empty()) {
            fmt::print(stderr, "queue_backfill dids: give --did at least once\n");
            return 2;
        }
        return queue_dids(conn, o.dids, o.priority);
    });
}

int run_csv(std::span<char* const> args) {
    return with_database(args, [](storage::pg::Connection& conn, const Options& o) {
        std::ifstream in(o.file.value_or(""));
        if (!o.file || !in) {
            fmt::print(stderr, "queue_backfill csv: cannot read --file {}\n", o.file.value_or(""));
            return 2;
        }
        std::vector<std::string> dids;
        for (std::string line; std::getline(in, line);) {
            const auto start = line.find_first_not_of(" \t\r,\"");
            const auto end = line.find_last_not_of(" \t\r,\"");
            if (start != std::string::npos) dids.push_back(line.substr(start, end - start + 1));
        }
        return queue_dids(conn, dids, o.priority);
    });
}

int run_pds(std::span<char* const> args) {
    return with_database(args, [](storage::pg::Connection& conn, const Options& o) {
        if (!o.host) {
            fmt::print(stderr, "queue_backfill pds: give --host\n");
            return 2;
        }
        conn.exec_params("INSERT INTO wintermute.backfill_request (kind, host) VALUES ('pds', $1)", {*o.host});
        fmt::print("queued the listRepos of {}\n", *o.host);
        return 0;
    });
}

int run_retry_failed(std::span<char* const> args) {
    return with_database(args, [](storage::pg::Connection& conn, const Options&) {
        conn.exec("INSERT INTO wintermute.backfill_request (kind) VALUES ('retry_failed')");
        const auto failed = conn.exec("SELECT count(*) FROM bsky.backfill_repo WHERE status = 'failed'");
        fmt::print("queued a retry of {} failed repos\n", failed.value(0, 0));
        return 0;
    });
}

int run_status(std::span<char* const> args) {
    return with_database(args, [](storage::pg::Connection& conn, const Options&) {
        auto states = conn.exec("SELECT status, count(*) FROM bsky.backfill_repo GROUP BY status ORDER BY status");
        fmt::print("repos by state:\n");
        for (int i = 0; i < states.rows(); ++i) fmt::print("  {:<10} {}\n", states.value(i, 0), states.value(i, 1));
        auto pending = conn.exec("SELECT kind, count(*) FROM wintermute.backfill_request GROUP BY kind ORDER BY kind");
        fmt::print("requests not yet taken by the daemon:\n");
        for (int i = 0; i < pending.rows(); ++i) fmt::print("  {:<12} {}\n", pending.value(i, 0), pending.value(i, 1));
        // Rate and ETA from the repos finished in the last ten minutes.
        auto rate = conn.exec("SELECT count(*) FILTER (WHERE status = 'indexed' AND updated_at > now() - interval '10 minutes'),"
                              " count(*) FILTER (WHERE status IN ('queued', 'fetching')) FROM bsky.backfill_repo");
        const double per_second = std::stod(std::string(rate.value(0, 0))) / 600.0;
        const double remaining = std::stod(std::string(rate.value(0, 1)));
        fmt::print("repos/s (last 10 min): {:.2f}; remaining: {:.0f}; ETA: {}\n", per_second, remaining,
                   per_second > 0 ? fmt::format("{:.0f} s", remaining / per_second) : std::string("unknown"));
        return 0;
    });
}

constexpr std::array<bin::Command, 5> commands{{
    {"csv", "csv --file F [--priority P]: queue the DIDs of a file, one per line", run_csv},
    {"dids", "dids --did D [--did D …] [--priority immediate|priority|normal]: queue these repos", run_dids},
    {"pds", "pds --host H: queue every repo in the listRepos of one PDS", run_pds},
    {"retry-failed", "retry-failed: queue every failed repo again", run_retry_failed},
    {"status", "status: repos per state, pending requests, rate and ETA", run_status},
}};

}  // namespace

int main(int argc, char** argv) {
    return bin::dispatch("queue_backfill", commands, std::span<char* const>(argv + 1, static_cast<std::size_t>(argc - 1)));
}
