#include "stages/batch_write/writer_session.hpp"

#include "stages/batch_write/batch_write_stage.hpp"
#include "storage/pg/error.hpp"

namespace stages::batch_write {

void WriterSession::open(const std::string& database_url) {
    close();
    conn.emplace(database_url);
    try {
        applier.emplace(*conn);
    } catch (...) {
        conn.reset();
        throw;
    }
}

void WriterSession::close() noexcept {
    applier.reset();  // first: it refers to the connection
    conn.reset();
}

std::size_t writer_session_count(const BatchWriteConfig& config) noexcept {
    return config.lanes > 1 ? config.lanes + 1 : 1;
}

std::vector<std::unique_ptr<WriterSession>> open_writer_sessions(const BatchWriteConfig& config, spdlog::logger& log) {
    std::vector<std::unique_ptr<WriterSession>> sessions;
    for (std::size_t i = 0; i < writer_session_count(config); ++i) {
        auto& session = *sessions.emplace_back(std::make_unique<WriterSession>());
        try {
            session.open(config.database_url);
        } catch (const storage::pg::PgError& e) {
            log.warn("writer connection {} not opened at start; the writer retries at its first commit: {}", i,
                     e.what());
        }
    }
    return sessions;
}

}  // namespace stages::batch_write
