// StagedOp: one row of the batch writer's staging table `wm_op`, which
// wintermute.apply_batch() applies in order (docs/indexing.md lists the kinds).
// Plain value type owning its strings.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace stages::classify {

enum class OpKind : std::uint8_t {
    commit, sync, create, update, del, actor, account, delete_actor, label,
    repo_begin, repo_record, repo_end, repo_status,  // a backfilled repo (docs/indexing.md "Backfill")
};

[[nodiscard]] std::string_view to_string(OpKind kind) noexcept;

struct StagedOp {
    OpKind kind = OpKind::create;
    std::int64_t seq = 0;
    std::string did;
    std::string uri;
    std::string cid;
    std::string rev;
    std::string time;                       // the event's time: indexedAt on the live path
    std::string json;                       // record JSON; `force` for an #identity actor; the label
    std::optional<std::string> created_at;  // normalised createdAt (raw for profiles)
    std::optional<std::string> extra;       // collection; handle (actor); status (account, repo_status);
                                            // the abort reason (repo_end)
    // A create apply_batch may apply with its neighbours, one statement per table (a like, repost,
    // follow, block, or a post that does not quote; migrations 0008 and 0014, docs/indexing.md
    // "Set-based creates"); SetGroup decides where the group must be applied around it.
    bool set_based = false;
    // What stages::batch_write::SetGroup needs to tell which ops read a group's rows.
    std::string subject;       // like/repost: subject URI; follow/block: subject DID
    std::string reply_parent;  // a reply's parent and root URIs
    std::string reply_root;

    [[nodiscard]] bool is_reply() const { return !reply_parent.empty() || !reply_root.empty(); }
};

}  // namespace stages::classify
