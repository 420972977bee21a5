#include "stages/batch_write/batch_applier.hpp"

#include <algorithm>
#include <charconv>
#include <stdexcept>

#include "stages/batch_write/set_group.hpp"
#include "storage/pg/copy_in.hpp"

namespace stages::batch_write {

namespace {

void optional_text(storage::pg::CopyIn& copy, const std::string& value) {
    if (value.empty()) copy.null();
    else copy.text(value);
}

void optional_text(storage::pg::CopyIn& copy, const std::optional<std::string>& value) {
    if (value) copy.text(*value);
    else copy.null();
}

std::int64_t to_int(const storage::pg::Result& r, int column) {
    std::int64_t value = 0;
    const std::string_view text = r.value(0, column);
    std::from_chars(text.data(), text.data() + text.size(), value);
    return value;
}

// One row of wm_op; false if COPY refused it (NUL bytes, over 1 GiB).
bool copy_op(storage::pg::CopyIn& copy, std::int64_t ord, const classify::StagedOp& op, SetDecision decision) {
    copy.int8(ord);
    copy.int8(op.seq);
    copy.text(classify::to_string(op.kind));
    optional_text(copy, op.did);
    optional_text(copy, op.uri);
    optional_text(copy, op.cid);
    optional_text(copy, op.rev);
    optional_text(copy, op.time);
    optional_text(copy, op.json);
    optional_text(copy, op.created_at);
    optional_text(copy, op.extra);
    copy.boolean(decision.set_based);
    copy.boolean(decision.apply_before);
    return static_cast<bool>(copy.end_row());
}

bool ends_a_repo(const classify::StagedOp& op) {
    return op.kind == classify::OpKind::repo_end || op.kind == classify::OpKind::repo_status;
}

RepoOutcome outcome_of(std::string_view text) {
    if (text == "indexed") return RepoOutcome::indexed;
    if (text == "stale") return RepoOutcome::stale;
    if (text == "incomplete") return RepoOutcome::incomplete;
    if (text == "failed") return RepoOutcome::failed;
    if (text == "inactive") return RepoOutcome::inactive;
    throw std::logic_error("unknown repo outcome from apply_batch");
}

}  // namespace

BatchApplier::BatchApplier(storage::pg::Connection& conn) : conn_(conn) {
    conn_.exec("SET search_path TO bsky, public", "preparing the writer session");
    conn_.exec("SELECT wintermute.prepare_session()", "preparing the writer session");
}

std::uint64_t BatchApplier::stage(OpParts parts) {
    storage::pg::CopyIn copy(conn_,
                             "wm_op (ord, seq, kind, did, uri, cid, rev, t, json, created_at, extra, set_based, "
                             "apply_before)",
                             storage::pg::CopyFormat::text);
    std::uint64_t refused = 0;
    std::int64_t ord = 0;
    SetGroup group;
    for (const auto& part : parts) {
        for (const auto& op : part) {
            if (!copy_op(copy, ord++, op, group.next(op))) ++refused;
        }
    }
    copy.finish();
    return refused;
}

BatchResult BatchApplier::apply(std::span<const classify::StagedOp> ops, std::span<const CursorUpdate> cursors,
                                Mode mode) {
    const std::span<const classify::StagedOp> whole[] = {ops};
    return apply(whole, cursors, mode);
}

BatchResult BatchApplier::apply(OpParts parts, std::span<const CursorUpdate> cursors, Mode mode) {
    BatchResult result;
    conn_.exec("BEGIN", "starting a batch");
    try {
        result.refused_rows = stage(parts);
        if (mode == Mode::lane && has_replied_post()) {
            conn_.exec("ROLLBACK", "giving way");
            result.gave_way = true;
            return result;
        }
        auto r = conn_.exec("SELECT applied, stale, accounts_ignored FROM wintermute.apply_batch()",
                            "applying a batch");
        result.applied = to_int(r, 0);
        result.stale = to_int(r, 1);
        result.accounts_ignored = to_int(r, 2);
        if (std::any_of(parts.begin(), parts.end(),
                        [](const auto& part) { return std::any_of(part.begin(), part.end(), ends_a_repo); })) {
            read_repo_outcomes(result);
        }
        for (const auto& c : cursors) {
            conn_.exec_params("INSERT INTO sub_state (service, cursor) VALUES ($1, $2) "
                              "ON CONFLICT (service) DO UPDATE SET cursor = excluded.cursor",
                              {c.service, std::to_string(c.cursor)}, "saving a cursor");
        }
        conn_.exec("COMMIT", "committing a batch");
    } catch (...) {
        // The connection may be gone; a failed ROLLBACK changes nothing then.
        conn_.exec_quietly("ROLLBACK");
        throw;
    }
    return result;
}

bool BatchApplier::has_replied_post() {
    // LATERAL … LIMIT 1: an index probe per post whatever the planner guesses of wm_op (it has no
    // statistics; a plain join was planned as a scan of post per row).
    auto r = conn_.exec("SELECT EXISTS (SELECT 1 FROM wm_op o CROSS JOIN LATERAL "
                        "(SELECT 1 FROM post p WHERE p.\"replyParent\" = o.uri LIMIT 1) replied "
                        "WHERE o.kind = 'create' AND o.extra = 'app.bsky.feed.post')",
                        "checking a lane's posts");
    return r.value(0, 0) == "t";
}

void BatchApplier::read_repo_outcomes(BatchResult& result) {
    auto r = conn_.exec("SELECT did, outcome, coalesce(detail, '') FROM wm_repo_outcome", "reading repo outcomes");
    result.repos.reserve(static_cast<std::size_t>(r.rows()));
    for (int row = 0; row < r.rows(); ++row) {
        result.repos.push_back(
            {std::string(r.value(row, 0)), outcome_of(r.value(row, 1)), std::string(r.value(row, 2))});
    }
}

std::optional<std::int64_t> load_cursor(storage::pg::Connection& conn, const std::string& service) {
    auto r = conn.exec_params("SELECT cursor FROM bsky.sub_state WHERE service = $1", {service}, "loading a cursor");
    if (r.rows() == 0) return std::nullopt;
    return to_int(r, 0);
}

}  // namespace stages::batch_write
