// BatchApplier: writes one batch of staged ops in one transaction: COPY into the session's
// staging table wm_op, wintermute.apply_batch() (the indexer's rules, in order), the sources'
// cursors in sub_state, COMMIT. A crash at any instant therefore neither loses nor repeats an
// event: the rows and the cursor that covers them commit together.
// Thread-safety: one instance per connection; not shared.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "stages/classify/staged_op.hpp"
#include "storage/pg/connection.hpp"

namespace stages::batch_write {

// A batch as consecutive parts (the events' own op vectors, in order): the writer hands them to
// BatchApplier where they are, rather than moving some 400 bytes per op into one vector.
using OpParts = std::span<const std::span<const classify::StagedOp>>;

struct CursorUpdate {
    std::string service;  // firehose:{host}, labels:{host}
    std::int64_t cursor;
};

// What became of a backfilled repo whose repo_end (or repo_status) was in the batch.
enum class RepoOutcome : std::uint8_t {
    indexed,     // every record applied and reconciled; backfill_repo says indexed at `detail` (the rev)
    stale,       // the database holds a newer rev (a live commit won); re-queue the repo
    incomplete,  // the session lost the repo's start (reconnect); re-queue the repo
    failed,      // the CAR was aborted (`detail` says why)
    inactive,    // repo_status: listed inactive (`detail` = its status)
};

struct RepoResult {
    std::string did;
    RepoOutcome outcome = RepoOutcome::indexed;
    std::string detail;
};

struct BatchResult {
    std::int64_t applied = 0;
    std::int64_t stale = 0;             // commits skipped by the stale-rev guard
    std::int64_t accounts_ignored = 0;  // #account events older than the last applied
    std::uint64_t refused_rows = 0;     // rows COPY could not carry (logged by the caller)
    std::vector<RepoResult> repos;      // one per repo_end / repo_status op
    bool gave_way = false;              // Mode::lane only: nothing applied, see Mode
};

class BatchApplier {
public:
    // Prepares the session: search_path and the temporary staging tables. Throws PgError.
    explicit BatchApplier(storage::pg::Connection& conn);

    enum class Mode : std::uint8_t {
        ordered,  // the batch as it comes
        // A writer lane's part of a batch (LaneSplit): if one of its plain posts has replies indexed
        // before it, which a reply of the batch's dependent part may walk up to, the part is rolled
        // back and `gave_way` set, for the caller to apply it in order with the dependent part.
        lane,
    };

    // Throws PgError; the transaction is rolled back and the caller may retry the same batch.
    BatchResult apply(OpParts parts, std::span<const CursorUpdate> cursors, Mode mode = Mode::ordered);
    // The same for a batch in one piece.
    BatchResult apply(std::span<const classify::StagedOp> ops, std::span<const CursorUpdate> cursors,
                      Mode mode = Mode::ordered);

private:
    std::uint64_t stage(OpParts parts);
    void read_repo_outcomes(BatchResult& result);
    [[nodiscard]] bool has_replied_post();

    storage::pg::Connection& conn_;
};

// Reads a saved cursor; nullopt when the service has none. Throws PgError.
[[nodiscard]] std::optional<std::int64_t> load_cursor(storage::pg::Connection& conn, const std::string& service);

}  // namespace stages::batch_write
