#include "replay/synthetic_records.hpp"

#include <array>
#include <ctime>

#include <fmt/format.h>

#include "atproto/syntax/tid.hpp"

namespace replay {

namespace {

constexpr std::array words{"the",   "a",     "bluesky", "post",   "today", "coffee", "cat",   "morning", "new",
                           "thread", "think", "really",  "great",  "code",  "music",  "photo", "city",    "rain",
                           "weekend", "love", "why",     "finally", "read", "this",   "game",  "news",    "good"};

std::string iso_time(std::uint64_t micros) {
    const auto seconds = static_cast<std::time_t>(micros / 1'000'000);
    std::tm utc{};
    gmtime_r(&seconds, &utc);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &utc);
    return fmt::format("{}.{:03}Z", text, micros / 1000 % 1000);
}

}  // namespace

std::size_t SyntheticRecords::pick(std::size_t size) {
    return std::uniform_int_distribution<std::size_t>(0, size - 1)(rng_);
}

std::string SyntheticRecords::tick() {
    micros_ += std::uniform_int_distribution<std::uint64_t>(1'000, 60'000'000)(rng_);
    created_ = iso_time(micros_);
    return atproto::syntax::encode_tid({micros_, static_cast<std::uint32_t>(pick(1024))});
}

std::string SyntheticRecords::text(std::size_t min_words, std::size_t max_words) {
    const auto count = min_words + pick(max_words - min_words + 1);
    std::string out;
    for (std::size_t i = 0; i < count; ++i) {
        if (i > 0) out += ' ';
        out += words[pick(words.size())];
    }
    return out;
}

SyntheticRecord SyntheticRecords::profile(std::string_view handle) {
    tick();
    return {"app.bsky.actor.profile", "self",
            fmt::format(R"({{"$type":"app.bsky.actor.profile","displayName":"{}","description":"{}","createdAt":"{}"}})",
                        handle, text(3, 12), created_)};
}

SyntheticRecord SyntheticRecords::next(std::string_view did, const std::vector<PostRef>& posts,
                                       const std::vector<std::string>& dids) {
    const double roll = std::uniform_real_distribution<double>(0, 1)(rng_);
    double edge = mix_.like;
    if (roll < edge) return posts.empty() ? post(posts) : subject_ref("app.bsky.feed.like", posts[pick(posts.size())]);
    if (roll < (edge += mix_.post)) return post(posts);
    if (roll < (edge += mix_.repost)) {
        return posts.empty() ? post(posts) : subject_ref("app.bsky.feed.repost", posts[pick(posts.size())]);
    }
    const bool follow = roll < edge + mix_.follow;
    auto index = pick(dids.size());
    if (dids[index] == did) index = (index + 1) % dids.size();  // nobody follows or blocks themselves
    const std::string_view subject = dids[index];
    return subject_did(follow ? "app.bsky.graph.follow" : "app.bsky.graph.block", subject);
}

SyntheticRecord SyntheticRecords::post(const std::vector<PostRef>& posts) {
    auto rkey = tick();
    std::string extra;
    const auto kind = pick(10);
    if (!posts.empty() && kind < 3) {  // a reply: 30 %
        const auto& parent = posts[pick(posts.size())];
        extra = fmt::format(R"(,"reply":{{"root":{{"uri":"{0}","cid":"{1}"}},"parent":{{"uri":"{0}","cid":"{1}"}}}})",
                            parent.uri, parent.cid);
    } else if (!posts.empty() && kind == 3) {  // a quote: 10 %
        const auto& quoted = posts[pick(posts.size())];
        extra = fmt::format(R"(,"embed":{{"$type":"app.bsky.embed.record","record":{{"uri":"{}","cid":"{}"}}}})",
                            quoted.uri, quoted.cid);
    }
    return {"app.bsky.feed.post", std::move(rkey),
            fmt::format(R"({{"$type":"app.bsky.feed.post","text":"{}","langs":["en"],"createdAt":"{}"{}}})",
                        text(3, 30), created_, extra)};
}

SyntheticRecord SyntheticRecords::subject_ref(std::string_view collection, const PostRef& subject) {
    auto rkey = tick();
    return {std::string(collection), std::move(rkey),
            fmt::format(R"({{"$type":"{}","subject":{{"uri":"{}","cid":"{}"}},"createdAt":"{}"}})", collection,
                        subject.uri, subject.cid, created_)};
}

SyntheticRecord SyntheticRecords::subject_did(std::string_view collection, std::string_view subject) {
    auto rkey = tick();
    return {std::string(collection), std::move(rkey),
            fmt::format(R"({{"$type":"{}","subject":"{}","createdAt":"{}"}})", collection, subject, created_)};
}

}  // namespace replay
