#include "stages/batch_write/batch_applier.hpp"

#include <algorithm>
#include <charconv>
#include <stdexcept>
#include <utility>

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

// One row of wm_op; false if COPY refused it (NUL bytes, over 1 GiB). `header` is the #commit op
// whose actor_sync move the row carries (migration 0015): the commit's own, or its first op's.
bool copy_op(storage::pg::CopyIn& copy, std::int64_t ord, const classify::StagedOp& op, SetDecision decision,
             const classify::StagedOp* header) {
    copy.int8(ord);
    copy.int8(op.seq);
    copy.text(classify::to_string(op.kind));
    optional_text(copy, op.did);
    optional_text(copy, op.uri);
    optional_text(copy, op.cid);
    optional_text(copy, header ? header->rev : op.rev);
    optional_text(copy, op.time);
    optional_text(copy, op.json);
    optional_text(copy, op.created_at);
    optional_text(copy, op.extra);
    copy.boolean(decision.set_based);
    copy.boolean(decision.apply_before);
    if (header) copy.text(header->cid);
    else copy.null();
    return static_cast<bool>(copy.end_row());
}

// A commit's header rides on the op after it when that is one of the commit's record ops.
bool carries_header(const classify::StagedOp& header, const classify::StagedOp& op) {
    using classify::OpKind;
    return op.seq == header.seq && op.did == header.did &&
           (op.kind == OpKind::create || op.kind == OpKind::update || op.kind == OpKind::del);
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
                             "apply_before, commit_cid)",
                             storage::pg::CopyFormat::text);
    std::uint64_t refused = 0;
    std::int64_t ord = 0;
    SetGroup group;
    // A refused row's order to apply the group first goes to the next op's row: SetGroup has
    // already started a new group after it.
    bool apply_before = false;
    auto put = [&](const classify::StagedOp& op, SetDecision decision, const classify::StagedOp* header) {
        const bool header_only = op.kind == classify::OpKind::commit;
        if (!header_only) decision.apply_before = std::exchange(apply_before, false) || decision.apply_before;
        if (copy_op(copy, ord++, op, decision, header)) return true;
        ++refused;
        if (!header_only) apply_before = decision.apply_before;
        return false;
    };
    for (const auto& part : parts) {
        for (std::size_t i = 0; i < part.size(); ++i) {
            const auto& op = part[i];
            if (op.kind != classify::OpKind::commit) {
                put(op, group.next(op), nullptr);
                continue;
            }
            // A commit never conflicts with the group (SetGroup::conflicts): the row takes the op's
            // decision. If COPY refuses that row, the op is lost, not its commit's header.
            if (i + 1 < part.size() && carries_header(op, part[i + 1])) {
                const auto& first = part[++i];
                if (put(first, group.next(first), &op)) continue;
            }
            put(op, group.next(op), &op);
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
