#include "stages/classify/event_classifier.hpp"

#include <fmt/core.h>

#include "atproto/car/block_index.hpp"
#include "atproto/cbor/json.hpp"
#include "atproto/verify/commit_proof.hpp"

namespace stages::classify {

namespace {

std::string label_json(const atproto::frame::Label& l) {
    using atproto::cbor::append_json_string;
    std::string json = "{\"src\":";
    append_json_string(json, l.src);
    json += ",\"uri\":";
    append_json_string(json, l.uri);
    if (l.cid) {
        json += ",\"cid\":";
        append_json_string(json, *l.cid);
    }
    json += ",\"val\":";
    append_json_string(json, l.val);
    json += l.neg ? ",\"neg\":true" : ",\"neg\":false";
    json += ",\"cts\":";
    append_json_string(json, l.cts);
    if (l.exp) {
        json += ",\"exp\":";
        append_json_string(json, *l.exp);
    }
    json += '}';
    return json;
}

// A staged op with the fields every kind has; the caller sets the rest.
StagedOp op_of(OpKind kind, std::int64_t seq, std::string_view did, std::string_view time) {
    StagedOp op;
    op.kind = kind;
    op.seq = seq;
    op.did = std::string(did);
    op.time = std::string(time);
    return op;
}

bool is_known_account_status(std::string_view status) {
    return status == "takendown" || status == "suspended" || status == "deleted" || status == "deactivated";
}

}  // namespace

CountedCollection counted_collection(std::string_view collection) noexcept {
    if (collection == "app.bsky.feed.post") return CountedCollection::post;
    if (collection == "app.bsky.feed.like") return CountedCollection::like;
    if (collection == "app.bsky.graph.follow") return CountedCollection::follow;
    if (collection == "app.bsky.feed.repost") return CountedCollection::repost;
    if (collection == "app.bsky.graph.block") return CountedCollection::block;
    if (collection == "app.bsky.actor.profile") return CountedCollection::profile;
    return CountedCollection::other;
}

void EventClassifier::classify(const atproto::frame::Frame& frame, ClassifiedEvent& out) {
    using namespace atproto::frame;
    out.seq = seq_of(frame);
    std::visit(
        [&](const auto& body) {
            using T = std::decay_t<decltype(body)>;
            if constexpr (std::is_same_v<T, Commit>) {
                commit(body, out);
            } else if constexpr (std::is_same_v<T, Sync>) {
                sync(body, out);
            } else if constexpr (std::is_same_v<T, Identity>) {
                ++metrics_.identities;
                out.identities.push_back({std::string(body.did), std::string(body.time), true});
            } else if constexpr (std::is_same_v<T, Account>) {
                account(body, out);
            } else if constexpr (std::is_same_v<T, Labels>) {
                labels(body, out);
            } else if constexpr (std::is_same_v<T, Info>) {
                ++metrics_.infos;
                log_->info("#info {}: {}", body.name, body.message.value_or(""));
            } else if constexpr (std::is_same_v<T, ErrorFrame>) {
                ++metrics_.error_frames;
                log_->warn("error frame {}: {}", body.error, body.message.value_or(""));
            } else {
                ++metrics_.unknown_frames;
                log_->debug("ignoring frame type {}", body.type);
            }
        },
        frame.body);
}

void EventClassifier::commit(const atproto::frame::Commit& c, ClassifiedEvent& out) {
    ++metrics_.commits;
    if (c.too_big) out.resyncs.emplace_back(c.repo);
    auto reader = atproto::car::CarReader::open(c.blocks, {.verify_hashes = config_.verify_block_hashes});
    const atproto::Expected<void> read = reader ? blocks_.read(*reader) : tl::unexpected(reader.error());
    if (!read) {
        ++metrics_.bad_cars;
        log_->warn("seq {} repo {}: bad CAR slice: {}", c.seq, c.repo, read.error().describe());
        return;
    }
    // An op yields an event when it deletes, or when its record block is in the slice (tooBig
    // commits lack them). A commit that yields nothing writes nothing, not even actor_sync.
    auto block_of = [&](const atproto::frame::RepoOp& op) {
        return op.cid ? blocks_.find(*op.cid) : std::nullopt;
    };
    bool yields = false;
    for (const auto& op : c.ops) yields = yields || op.action == "delete" || block_of(op).has_value();
    if (!yields) return;
    if (!verified(c, blocks_)) {
        out.resyncs.emplace_back(c.repo);
        return;
    }

    // The header and at most one op per repo op: the ops never move while they are filled.
    out.ops.reserve(out.ops.size() + 1 + c.ops.size());
    auto& header = out.ops.emplace_back(op_of(OpKind::commit, c.seq, c.repo, c.time));
    header.cid = c.commit.to_string();
    header.rev = std::string(c.rev);
    for (const auto& op : c.ops) {
        const auto slash = op.path.find('/');
        const auto collection = op.path.substr(0, slash);
        const auto rkey = slash == std::string_view::npos ? std::string_view{} : op.path.substr(slash + 1);
        if (op.action == "delete") {
            if (!is_indexed_collection(collection)) continue;
            ++metrics_.deletes_staged;
            ++metrics_.collection_events[static_cast<std::size_t>(counted_collection(collection))];
            auto& del = out.ops.emplace_back(op_of(OpKind::del, c.seq, c.repo, c.time));
            del.uri = fmt::format("at://{}/{}", c.repo, op.path);
            del.extra = std::string(collection);
            continue;
        }
        auto block = block_of(op);
        if (!block || (op.action != "create" && op.action != "update")) continue;
        cid_text_.clear();
        op.cid->append_to(cid_text_);
        const RecordInput in{op.action == "create" ? OpKind::create : OpKind::update, c.seq, c.repo,
                             collection, rkey, cid_text_, *block, c.time};
        // Classified in place (a StagedOp is some 400 bytes), taken back if rejected.
        const auto why = records_.classify(in, out.ops.emplace_back(), detail_);
        if (why == Rejection::none) {
            ++metrics_.records_staged;
            ++metrics_.collection_events[static_cast<std::size_t>(counted_collection(collection))];
        } else {
            out.ops.pop_back();
            if (why != Rejection::not_indexed) reject(why, op.path, detail_);
        }
    }
    out.identities.push_back({std::string(c.repo), std::string(c.time), false});
}

bool EventClassifier::verified(const atproto::frame::Commit& c, const atproto::car::BlockIndex& blocks) {
    if (!config_.verify_commits || !config_.signing_key) return true;
    const auto key = config_.signing_key(c.repo);
    if (!key) {
        ++metrics_.commits_unverified;
        return true;
    }
    std::string why;
    const auto block = blocks.find(c.commit);
    if (!block) {
        why = "the commit block is missing from the slice";
    } else if (auto verdict = verifier_.verify(*block, *key); !verdict) {
        why = verdict.error().describe();
    } else if (*verdict != atproto::crypto::Verdict::valid) {
        why = "bad signature";
    } else if (c.prev_data) {
        // Sync 1.1: the ops, inverted on the slice's partial MST, must give the previous root.
        if (auto proof = atproto::verify::check_commit(c); !proof) why = proof.error().describe();
    }
    if (why.empty()) {
        ++metrics_.commits_verified;
        return true;
    }
    ++metrics_.commits_failed_verification;
    log_->warn("seq {} repo {}: commit {} fails verification ({}); not applied, repo queued for re-fetch", c.seq,
               c.repo, c.commit.to_string(), why);
    return false;
}

void EventClassifier::sync(const atproto::frame::Sync& s, ClassifiedEvent& out) {
    ++metrics_.syncs;
    auto reader = atproto::car::CarReader::open(s.blocks, {.verify_hashes = config_.verify_block_hashes});
    if (!reader || reader->roots().empty()) {
        ++metrics_.bad_cars;
        log_->warn("seq {} repo {}: bad #sync CAR", s.seq, s.did);
        return;
    }
    auto& op = out.ops.emplace_back(op_of(OpKind::sync, s.seq, s.did, s.time));
    op.cid = reader->roots().front().to_string();
    op.rev = std::string(s.rev);
    out.identities.push_back({std::string(s.did), std::string(s.time), false});
    out.resyncs.emplace_back(s.did);
}

void EventClassifier::account(const atproto::frame::Account& a, ClassifiedEvent& out) {
    ++metrics_.accounts;
    // Statuses the dataplane does not know (desynchronized, throttled) are dropped.
    if (a.status && !is_known_account_status(*a.status)) return;
    if (!a.active && a.status == "deleted") {
        out.deletions.push_back({std::string(a.did), std::string(a.time)});
    } else if (a.active) {
        out.ops.push_back(op_of(OpKind::account, a.seq, a.did, a.time));
    } else if (a.status) {
        out.ops.emplace_back(op_of(OpKind::account, a.seq, a.did, a.time)).extra = std::string(*a.status);
    } else {
        log_->warn("seq {}: #account for {} inactive without a status; ignored", a.seq, a.did);
    }
}

void EventClassifier::labels(const atproto::frame::Labels& l, ClassifiedEvent& out) {
    ++metrics_.labels;
    for (const auto& label : l.labels) {
        out.ops.emplace_back(op_of(OpKind::label, l.seq, {}, {})).json = label_json(label);
    }
}

void EventClassifier::reject(Rejection why, std::string_view path, const std::string& detail) {
    ++metrics_.records_rejected[static_cast<std::size_t>(why)];
    log_->warn("record {} rejected: {} {}", path, to_string(why), detail);
}

}  // namespace stages::classify
