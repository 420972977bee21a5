// wintermute-bench stage: the batch writer's staging step over its transports, side by side — COPY
// into the session's wm_op, text (what BatchApplier does) and binary, against libpq pipeline mode (one
// INSERT … VALUES ($1 … $13) per op, all sent before the first result is read). Same rows, same
// table, one transaction per batch; the modes alternate so that the machine's noise hits both.
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <fmt/core.h>

#include "bin/bench/bench_options.hpp"
#include "bin/bench/benches.hpp"
#include "storage/pg/connection.hpp"
#include "storage/pg/copy_in.hpp"
#include "storage/pg/error.hpp"
#include "storage/pg/pipeline.hpp"

namespace bin::bench {

namespace {

using Row = std::vector<std::optional<std::string>>;  // wm_op's 13 columns as text

constexpr const char* columns =
    "ord, seq, kind, did, uri, cid, rev, t, json, created_at, extra, set_based, apply_before";
constexpr const char* insert_sql =
    "INSERT INTO wm_op (ord, seq, kind, did, uri, cid, rev, t, json, created_at, extra, set_based, apply_before) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)";

// A batch shaped like the firehose: a commit then its record, mostly likes, some posts.
std::vector<Row> firehose_like_batch(std::size_t ops) {
    std::vector<Row> rows;
    const std::string did = "did:plc:ewvi7nxzyoun6zhxrhs64oiz";
    const std::string cid = "bafyreibbvuvlyhgpw46oktgv7ggfpuivms3y7xsfocxsys2ahdyr4uyola";
    const std::string t = "2026-11-27T12:00:00.000Z";
    for (std::size_t i = 0; rows.size() < ops; ++i) {
        const auto seq = std::to_string(i);
        rows.push_back({std::to_string(rows.size()), seq, "commit", did, std::nullopt, cid, "3lhmydhwizp2d", t,
                        std::nullopt, std::nullopt, std::nullopt, "f", "f"});
        const bool post = i % 4 == 0;
        const auto collection = post ? std::string("app.bsky.feed.post") : std::string("app.bsky.feed.like");
        const auto json = post ? fmt::format(R"({{"$type":"app.bsky.feed.post","text":"{:0>180}","langs":["en"],)"
                                             R"("createdAt":"{}"}})", i, t)
                               : fmt::format(R"({{"$type":"app.bsky.feed.like","subject":{{"uri":"at://{}/)"
                                             R"(app.bsky.feed.post/3k{}","cid":"{}"}},"createdAt":"{}"}})",
                                             did, i, cid, t);
        rows.push_back({std::to_string(rows.size()), seq, "create", did,
                        fmt::format("at://{}/{}/3l{}", did, collection, i), cid, std::nullopt, t, json, t, collection,
                        "t", "f"});
    }
    return rows;
}

void stage_by_copy(storage::pg::Connection& conn, const std::vector<Row>& rows, storage::pg::CopyFormat format) {
    storage::pg::CopyIn copy(conn, fmt::format("wm_op ({})", columns), format);
    for (const auto& row : rows) {
        // Binary COPY wants each column's own type: ord and seq are bigint, the flags boolean.
        for (std::size_t i = 0; i < row.size(); ++i) {
            if (!row[i]) copy.null();
            else if (format == storage::pg::CopyFormat::text) copy.text(*row[i]);
            else if (i < 2) copy.int8(std::stoll(*row[i]));
            else if (i >= 11) copy.boolean(*row[i] == "t");
            else copy.text(*row[i]);
        }
        if (!copy.end_row()) throw std::logic_error("a benchmark row was refused");
    }
    copy.finish();
}

void stage_by_pipeline(storage::pg::Connection& conn, const std::vector<Row>& rows) {
    storage::pg::Pipeline pipeline(conn);
    const std::string sql = insert_sql;
    for (const auto& row : rows) pipeline.send(sql, row);
    pipeline.sync("staging in pipeline mode");
}

}  // namespace

int stage_bench(std::span<char* const> args) {
    std::string database_url;
    std::size_t batches = 200;
    std::size_t ops = 2000;
    const auto take = [&](std::string_view flag, std::string_view value) -> std::optional<bool> {
        if (flag == "--database-url") database_url = value;
        else if (flag == "--batches") return positive_number(value, batches);
        else if (flag == "--ops") return positive_number(value, ops);
        else return std::nullopt;
        return true;
    };
    if (auto parsed = for_each_flag(args, take); !parsed || database_url.empty()) {
        fmt::print(stderr, "wintermute-bench stage: {}\n", parsed ? "--database-url URL" : parsed.error().message);
        return 2;
    }
    if (auto migrated = migrate_empty(database_url, "SELECT 1 WHERE false", ""); !migrated) {
        fmt::print(stderr, "wintermute-bench stage: {}\n", migrated.error().message);
        return 1;
    }
    try {
        storage::pg::Connection conn(database_url, storage::pg::SearchPath::bsky);
        conn.exec("SELECT wintermute.prepare_session()");
        const auto rows = firehose_like_batch(ops);
        constexpr std::size_t modes = 3;
        double seconds[modes] = {0, 0, 0};
        for (std::size_t b = 0; b < modes * batches; ++b) {
            const auto mode = b % modes;
            const auto start = std::chrono::steady_clock::now();
            conn.exec("BEGIN");
            if (mode == 0) stage_by_copy(conn, rows, storage::pg::CopyFormat::text);
            else if (mode == 1) stage_by_pipeline(conn, rows);
            else stage_by_copy(conn, rows, storage::pg::CopyFormat::binary);
            conn.exec("DELETE FROM wm_op");
            conn.exec("COMMIT");
            seconds[mode] += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        }
        fmt::print("stage: {} batches of {} ops into wm_op per transport, alternating (BEGIN, stage, DELETE, COMMIT)\n",
                   batches, rows.size());
        const char* names[modes] = {"COPY (text)", "pipeline INSERTs", "COPY (binary)"};
        for (std::size_t mode = 0; mode < modes; ++mode) {
            const double total = static_cast<double>(batches * rows.size());
            fmt::print("  {:<18} {:>10.0f} ops/s  {:>6.2f} us/op  {:>7.2f} ms/batch\n", names[mode],
                       total / seconds[mode], seconds[mode] * 1e6 / total, seconds[mode] * 1e3 / batches);
        }
        fmt::print("  time against COPY (text): pipeline {:.2f}x, COPY (binary) {:.2f}x\n", seconds[1] / seconds[0],
                   seconds[2] / seconds[0]);
    } catch (const storage::pg::PgError& e) {
        fmt::print(stderr, "wintermute-bench stage: {}\n", e.what());
        return 1;
    }
    return 0;
}

}  // namespace bin::bench
