#include "storage/pg/pipeline.hpp"

#include <cstdlib>
#include <vector>

#include "storage/pg/error.hpp"

namespace storage::pg {

namespace {

struct Clear {
    void operator()(PGresult* r) const noexcept { PQclear(r); }
};
using Owned = std::unique_ptr<PGresult, Clear>;

}  // namespace

Pipeline::Pipeline(Connection& conn) : conn_(conn) {
    if (PQenterPipelineMode(conn_.get()) != 1) throw PgError::from_connection(conn_.get(), "entering pipeline mode");
}

Pipeline::~Pipeline() {
    drain();
    PQexitPipelineMode(conn_.get());
}

void Pipeline::send(const std::string& sql, std::span<const std::optional<std::string>> params) {
    std::vector<const char*> values;
    values.reserve(params.size());
    for (const auto& p : params) values.push_back(p ? p->c_str() : nullptr);
    if (PQsendQueryParams(conn_.get(), sql.c_str(), static_cast<int>(values.size()), nullptr, values.data(), nullptr,
                          nullptr, 0) != 1) {
        throw PgError::from_connection(conn_.get(), "queueing a pipelined statement");
    }
    ++queued_;
}

std::uint64_t Pipeline::sync(std::string_view context) {
    if (PQpipelineSync(conn_.get()) != 1) throw PgError::from_connection(conn_.get(), std::string(context));
    std::uint64_t rows = 0;
    std::optional<PgError> failed;
    // One result per statement, each followed by a null; then the sync's PGRES_PIPELINE_SYNC.
    while (true) {
        Owned result(PQgetResult(conn_.get()));
        if (!result) {
            if (PQstatus(conn_.get()) != CONNECTION_OK) {
                throw PgError::from_connection(conn_.get(), std::string(context));
            }
            continue;
        }
        const auto status = PQresultStatus(result.get());
        if (status == PGRES_PIPELINE_SYNC) break;
        if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) {
            rows += std::strtoull(PQcmdTuples(result.get()), nullptr, 10);
        } else if (status != PGRES_PIPELINE_ABORTED && !failed) {
            failed = PgError::from_result(result.get(), std::string(context));
        }
    }
    queued_ = 0;
    if (failed) throw *failed;
    return rows;
}

// Leaves nothing queued, so that the connection can leave pipeline mode.
void Pipeline::drain() noexcept {
    if (queued_ == 0) return;
    try {
        sync("draining a pipeline");
    } catch (const PgError&) {
        // The caller already failed or abandoned this pipeline; its errors were reported or do not matter.
    }
}

}  // namespace storage::pg
