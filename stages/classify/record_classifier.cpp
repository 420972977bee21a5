#include "stages/classify/record_classifier.hpp"

#include <algorithm>
#include <array>

#include <fmt/core.h>

#include "atproto/cbor/json.hpp"
#include "atproto/syntax/at_uri.hpp"
#include "atproto/syntax/datetime.hpp"

namespace stages::classify {

namespace {

constexpr std::array<std::string_view, 20> indexed_collections{
    "app.bsky.feed.post",           "app.bsky.feed.threadgate",          "app.bsky.feed.postgate",
    "app.bsky.feed.like",           "app.bsky.feed.repost",              "app.bsky.graph.follow",
    "app.bsky.actor.profile",       "app.bsky.graph.list",               "app.bsky.graph.listitem",
    "app.bsky.graph.listblock",     "app.bsky.graph.block",              "app.bsky.feed.generator",
    "app.bsky.graph.starterpack",   "app.bsky.labeler.service",          "app.bsky.graph.verification",
    "app.bsky.notification.declaration", "chat.bsky.actor.declaration",  "com.germnetwork.declaration",
    "app.bsky.actor.status",        "app.bsky.graph.referencelistoptout",
};

constexpr std::string_view epoch = "1970-01-01T00:00:00.000Z";

std::string_view string_field(simdjson::dom::element record, std::string_view key) {
    std::string_view value;
    if (record[key].get(value) != simdjson::SUCCESS) return {};
    return value;
}

// listitem: the list must be the creator's; thread and post gates: same repo and rkey as the post.
bool owned_by_creator(std::string_view collection, std::string_view did, std::string_view rkey,
                      simdjson::dom::element record) {
    if (collection == "app.bsky.graph.listitem") {
        auto list = atproto::syntax::parse_at_uri(string_field(record, "list"));
        return list && list->authority == did;
    }
    if (collection == "app.bsky.feed.threadgate" || collection == "app.bsky.feed.postgate") {
        auto post = atproto::syntax::parse_at_uri(string_field(record, "post"));
        return post && post->authority == did && post->rkey == rkey;
    }
    return true;
}

// Creates that may join a set-based group (migrations 0008, 0014): likes, reposts, follows, blocks,
// and posts that do not quote (a quote reads the quoted post's gate and recounts its quotes). A
// reply reads its thread's rows: the batch writer's SetGroup applies the group around it so that
// it reads what it would one by one. A backfilled record is a create unless the database holds it
// already, which apply_batch finds out (migration 0009).
bool applies_set_based(OpKind kind, std::string_view collection, simdjson::dom::element record) {
    if (kind != OpKind::create && kind != OpKind::repo_record) return false;
    if (collection == "app.bsky.feed.like" || collection == "app.bsky.feed.repost" ||
        collection == "app.bsky.graph.follow" || collection == "app.bsky.graph.block") {
        return true;
    }
    if (collection != "app.bsky.feed.post") return false;
    simdjson::dom::element embed;
    if (record["embed"].get(embed) == simdjson::NO_SUCH_FIELD) return true;
    const auto type = string_field(embed, "$type");
    return type != "app.bsky.embed.record" && type != "app.bsky.embed.recordWithMedia";
}

// The fields StagedOp::subject and reply_* carry for stages::batch_write::SetGroup.
void note_references(std::string_view collection, simdjson::dom::element record, StagedOp& out) {
    if (collection == "app.bsky.feed.like" || collection == "app.bsky.feed.repost") {
        simdjson::dom::element subject;
        if (record["subject"].get(subject) == simdjson::SUCCESS) out.subject = string_field(subject, "uri");
    } else if (collection == "app.bsky.graph.follow" || collection == "app.bsky.graph.block") {
        out.subject = string_field(record, "subject");
    } else if (collection == "app.bsky.feed.post") {
        simdjson::dom::element reply;
        if (record["reply"].get(reply) != simdjson::SUCCESS) return;
        simdjson::dom::element ref;
        if (reply["parent"].get(ref) == simdjson::SUCCESS) out.reply_parent = string_field(ref, "uri");
        if (reply["root"].get(ref) == simdjson::SUCCESS) out.reply_root = string_field(ref, "uri");
    }
}

}  // namespace

std::string_view to_string(Rejection rejection) noexcept {
    switch (rejection) {
        case Rejection::none: return "none";
        case Rejection::not_indexed: return "not_indexed";
        case Rejection::bad_cbor: return "bad_cbor";
        case Rejection::too_large: return "too_large";
        case Rejection::nul_in_string: return "nul_in_string";
        case Rejection::lexicon: return "lexicon";
        case Rejection::not_owner: return "not_owner";
    }
    return "unknown";
}

bool is_indexed_collection(std::string_view collection) noexcept {
    return std::find(indexed_collections.begin(), indexed_collections.end(), collection) !=
           indexed_collections.end();
}

Rejection RecordClassifier::classify(const RecordInput& in, StagedOp& out, std::string& detail) {
    if (!is_indexed_collection(in.collection)) return Rejection::not_indexed;
    json_.clear();
    if (auto converted = atproto::cbor::to_json(in.block, json_); !converted) {
        detail = converted.error().describe();
        return Rejection::bad_cbor;
    }
    if (json_.size() > max_record_json_bytes) {
        detail = fmt::format("{} bytes of JSON", json_.size());
        return Rejection::too_large;
    }
    if (json_.find("\\u0000") != std::string::npos) return Rejection::nul_in_string;

    simdjson::dom::element record;
    if (auto error = parser_.parse(json_).get(record); error) {
        detail = simdjson::error_message(error);
        return Rejection::bad_cbor;
    }
    auto verdict = validator_.validate(in.collection, record);
    if (verdict.outcome == atproto::lexicon::Outcome::invalid) {
        detail = verdict.describe();
        return Rejection::lexicon;
    }
    if (!owned_by_creator(in.collection, in.did, in.rkey, record)) return Rejection::not_owner;

    out.kind = in.kind;
    out.seq = in.seq;
    out.did = std::string(in.did);
    out.uri = fmt::format("at://{}/{}/{}", in.did, in.collection, in.rkey);
    out.cid = std::string(in.cid);
    out.time = std::string(in.time);
    out.json = json_;
    out.extra = std::string(in.collection);
    out.set_based = applies_set_based(in.kind, in.collection, record);
    note_references(in.collection, record, out);
    const auto created_at = string_field(record, "createdAt");
    if (in.collection == "app.bsky.actor.profile") {
        // The profile plugin stores createdAt verbatim (or "now" when absent).
        out.created_at = created_at.empty() ? std::nullopt : std::optional<std::string>(created_at);
    } else {
        auto normalized = atproto::syntax::normalize_datetime(created_at);
        out.created_at = normalized ? std::move(*normalized) : std::string(epoch);
    }
    return Rejection::none;
}

}  // namespace stages::classify
