// WriterSession: one of the batch writer's PostgreSQL connections with its prepared BatchApplier.
// The live indexer opens the writer's sessions before its sources subscribe (open_writer_sessions),
// so the first batches do not wait on connecting and preparing while frames keep arriving; a session
// that is not open (the database was down at start, or the connection was lost) is opened by the
// writer at its next commit.
// Thread-safety: one thread at a time.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <spdlog/logger.h>

#include "stages/batch_write/batch_applier.hpp"
#include "storage/pg/connection.hpp"

namespace stages::batch_write {

struct BatchWriteConfig;

struct WriterSession {
    std::optional<storage::pg::Connection> conn;
    std::optional<BatchApplier> applier;

    [[nodiscard]] bool is_open() const noexcept { return applier.has_value(); }
    // Connects and prepares the session. Throws PgError and leaves the session closed.
    void open(const std::string& database_url);
    void close() noexcept;
};

// How many connections a writer with this config uses: the ordered parts' and, with several lanes,
// one per lane.
[[nodiscard]] std::size_t writer_session_count(const BatchWriteConfig& config) noexcept;

// Opens the writer's sessions in advance. A session that cannot be opened now is logged and left
// closed, for the writer to open (with its retries) when it first commits.
[[nodiscard]] std::vector<std::unique_ptr<WriterSession>> open_writer_sessions(const BatchWriteConfig& config,
                                                                              spdlog::logger& log);

}  // namespace stages::batch_write
