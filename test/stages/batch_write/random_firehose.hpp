// RandomFirehose: random firehose batches of staged ops over a handful of actors and rkeys, so that
// likes repeat, URIs are created twice, replies and gates land on posts of the same batch, and
// deletes promote duplicates. For tests that apply the same events two ways and compare the rows.
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <vector>

#include <fmt/core.h>

#include "stages/classify/staged_op.hpp"

namespace test_support {

inline constexpr const char* random_firehose_cid = "bafyreibbvuvlyhgpw46oktgv7ggfpuivms3y7xsfocxsys2ahdyr4uyola";

class RandomFirehose {
    using OpKind = stages::classify::OpKind;
    using StagedOp = stages::classify::StagedOp;


public:
    // Writes as `authors` actors (did:plc:a…b, a…c, …); likes, replies and quotes go to posts of
    // `subject_authors` actors, follows and blocks to them (by default the writers themselves).
    explicit RandomFirehose(std::uint32_t seed, char first = 'b', int authors = 6, int subject_authors = 0)
        : random_(seed) {
        for (int i = 0; i < authors; ++i) actors_.push_back(fmt::format("did:plc:{:a>24}", static_cast<char>(first + i)));
        for (int i = 0; i < (subject_authors > 0 ? subject_authors : authors); ++i) {
            subjects_.push_back(fmt::format("did:plc:{:a>24}", static_cast<char>((subject_authors > 0 ? 'b' : first) + i)));
        }
        revs_.assign(actors_.size(), 0);
    }

    // Threads: posts get rkeys p0…p{n-1} (5 by default: a small pool, so that URIs are created again
    // and deleted often), and three replies in four answer one of the last posts created, under its
    // thread's root (or, one in four, another post's) — threads several levels deep.
    RandomFirehose& threads(std::size_t post_rkeys) {
        post_rkeys_ = post_rkeys;
        threads_ = true;
        return *this;
    }

    // One batch: a commit op and one record op per event.
    std::vector<StagedOp> batch(std::size_t events) {
        std::vector<StagedOp> ops;
        for (std::size_t e = 0; e < events; ++e) {
            const auto actor = pick(actors_.size());
            const auto t = fmt::format("2026-11-27T12:{:02}:{:02}.{:03}Z", seq_ / 60000 % 60, seq_ / 1000 % 60,
                                       seq_ % 1000);
            ++seq_;
            StagedOp commit;
            commit.kind = OpKind::commit;
            commit.seq = seq_;
            commit.did = actors_[actor];
            commit.cid = random_firehose_cid;
            commit.rev = fmt::format("3l{:011}", ++revs_[actor]);
            commit.time = t;
            ops.push_back(commit);
            ops.push_back(record(actor, t));
        }
        return ops;
    }

private:
    std::size_t pick(std::size_t n) { return std::uniform_int_distribution<std::size_t>(0, n - 1)(random_); }
    std::string uri(std::size_t actor, const std::string& collection, const std::string& rkey) const {
        return fmt::format("at://{}/{}/{}", actors_[actor], collection, rkey);
    }
    std::string post_uri() {
        return fmt::format("at://{}/app.bsky.feed.post/p{}", subjects_[pick(subjects_.size())], pick(post_rkeys_));
    }
    const std::string& subject_actor() { return subjects_[pick(subjects_.size())]; }

    StagedOp record(std::size_t actor, const std::string& t) {
        StagedOp op;
        op.kind = OpKind::create;
        op.seq = seq_;
        op.did = actors_[actor];
        op.cid = random_firehose_cid;
        op.time = t;
        op.created_at = t;
        const auto roll = pick(100);
        std::string collection;
        if (roll < 30 || (roll >= 80 && roll < 85)) {
            collection = roll < 30 ? "app.bsky.feed.like" : "app.bsky.feed.repost";
            op.subject = post_uri();
            const auto via = pick(4) == 0 ? fmt::format(R"(,"via":{{"uri":"{}","cid":"{}"}})",
                                                        fmt::format("at://{}/app.bsky.feed.repost/r1", subject_actor()), random_firehose_cid)
                                          : std::string();
            op.json = fmt::format(R"({{"$type":"{}","subject":{{"uri":"{}","cid":"{}"}}{},"createdAt":"{}"}})",
                                  collection, op.subject, random_firehose_cid, via, t);
            op.uri = uri(actor, collection, fmt::format("l{}", pick(8)));
            op.set_based = true;
        } else if (roll < 42) {
            collection = pick(3) == 0 ? "app.bsky.graph.block" : "app.bsky.graph.follow";
            op.subject = subject_actor();
            op.json = fmt::format(R"({{"$type":"{}","subject":"{}","createdAt":"{}"}})", collection, op.subject, t);
            op.uri = uri(actor, collection, fmt::format("f{}", pick(6)));
            op.set_based = true;
        } else if (roll < 65) {
            collection = "app.bsky.feed.post";
            op.uri = uri(actor, collection, fmt::format("p{}", pick(post_rkeys_)));
            // In threads, one post in three is one a reply already answered (indexed after its reply).
            if (threads_ && pick(3) == 0) {
                const auto prefix = "at://" + actors_[actor] + "/";
                const auto w = std::find_if(wanted_.begin(), wanted_.end(),
                                            [&](const std::string& u) { return u.starts_with(prefix); });
                if (w != wanted_.end()) {
                    op.uri = *w;
                    wanted_.erase(w);
                }
            }
            const auto kind = pick(10);
            std::string extra;
            if (kind < 4) {  // a reply: parent and root from the same pool of posts, some mentioning
                if (threads_ && !recent_posts_.empty() && pick(4) != 0) {
                    op.reply_parent = recent_posts_[recent_posts_.size() - 1 - pick(std::min<std::size_t>(recent_posts_.size(), 40))];
                    const auto root = roots_.find(op.reply_parent);
                    op.reply_root = pick(4) == 0 ? post_uri() : root != roots_.end() ? root->second : op.reply_parent;
                } else {
                    op.reply_parent = post_uri();
                    op.reply_root = pick(2) == 0 ? op.reply_parent : post_uri();
                    if (threads_) wanted_.push_back(op.reply_parent);
                }
                if (threads_) roots_[op.uri] = op.reply_root;
                extra = fmt::format(R"(,"reply":{{"root":{{"uri":"{}","cid":"{}"}},)"
                                    R"("parent":{{"uri":"{}","cid":"{}"}}}})",
                                    op.reply_root, random_firehose_cid, op.reply_parent, random_firehose_cid);
                if (pick(4) == 0) {
                    extra += fmt::format(R"(,"facets":[{{"index":{{"byteStart":0,"byteEnd":2}},"features":[{{"$type":)"
                                         R"("app.bsky.richtext.facet#mention","did":"{}"}}]}}])",
                                         subject_actor());
                }
            } else if (kind < 6) {  // a quote
                extra = fmt::format(R"(,"embed":{{"$type":"app.bsky.embed.record",)"
                                    R"("record":{{"uri":"{}","cid":"{}"}}}})",
                                    post_uri(), random_firehose_cid);
            } else if (kind < 8) {  // mentions
                extra = fmt::format(R"(,"facets":[{{"index":{{"byteStart":0,"byteEnd":2}},"features":[{{"$type":)"
                                    R"("app.bsky.richtext.facet#mention","did":"{}"}}]}}])",
                                    subject_actor());
            }
            op.set_based = kind < 4 || kind >= 6;  // not a quote (as the classifier marks them)
            if (threads_) recent_posts_.push_back(op.uri);
            op.json = fmt::format(R"({{"$type":"app.bsky.feed.post","text":"hi"{},"createdAt":"{}"}})", extra, t);
        } else if (roll < 80) {
            // A delete of something the actor may have written.
            static const char* collections[] = {"app.bsky.feed.like", "app.bsky.feed.repost", "app.bsky.graph.follow",
                                                "app.bsky.feed.post"};
            collection = collections[pick(4)];
            const char prefix = collection == "app.bsky.feed.post"      ? 'p'
                                : collection == "app.bsky.graph.follow" ? 'f'
                                                                        : 'l';
            op.kind = OpKind::del;
            op.uri = uri(actor, collection, fmt::format("{}{}", prefix, pick(8)));
            op.cid.clear();
            op.created_at.reset();
        } else {
            collection = "app.bsky.feed.threadgate";
            const auto rkey = fmt::format("p{}", pick(post_rkeys_));
            op.uri = uri(actor, collection, rkey);
            const auto roll_rule = pick(4);
            const auto rule = roll_rule == 0   ? std::string(R"({"$type":"app.bsky.feed.threadgate#followingRule"})")
                              : roll_rule == 1 ? std::string(R"({"$type":"app.bsky.feed.threadgate#followerRule"})")
                                               : std::string();
            // Some gates hide a reply (by its URI; whether it exists or not).
            const auto hidden_uri = threads_ && !recent_posts_.empty() ? recent_posts_[recent_posts_.size() - 1 - pick(std::min<std::size_t>(recent_posts_.size(), 40))]
                                                                        : post_uri();
            const auto hidden = pick(3) == 0 ? fmt::format(R"(,"hiddenReplies":["{}"])", hidden_uri) : std::string();
            op.json = fmt::format(R"({{"$type":"{}","post":"{}","allow":[{}]{},"createdAt":"{}"}})", collection,
                                  uri(actor, "app.bsky.feed.post", rkey), rule, hidden, t);
        }
        op.extra = collection;
        return op;
    }

    std::mt19937 random_;
    std::vector<std::string> actors_;
    std::vector<std::string> subjects_;
    std::vector<int> revs_;
    std::int64_t seq_ = 0;
    std::size_t post_rkeys_ = 5;
    bool threads_ = false;
    std::vector<std::string> recent_posts_;
    std::map<std::string, std::string> roots_;  // a reply's root
    std::vector<std::string> wanted_;           // posts replied to before they were created
};

}  // namespace test_support
