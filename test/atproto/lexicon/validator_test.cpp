// Hand-written records of the real collections, checked against the embedded lexicons.
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "atproto/lexicon/validator.hpp"

using namespace atproto::lexicon;

namespace {

const Validator& validator() {
    static const Validator v = [] {
        auto created = Validator::create_embedded();
        REQUIRE(created);
        return std::move(*created);
    }();
    return v;
}

constexpr std::string_view did = "did:plc:ewvi7nxzyoun6zhxrhs64oiz";
constexpr std::string_view blob_cid = "bafkreibme22gw2h7y2h7tg2fhqotaqjucnbc24deqo72b6mkl2egezxhvy";

std::string strong_ref() {
    return R"({"uri":"at://did:plc:ewvi7nxzyoun6zhxrhs64oiz/app.bsky.feed.post/3k43tv4rft22g",)"
           R"("cid":"bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm"})";
}

std::string blob(std::string_view mime, int size) {
    return "{\"$type\":\"blob\",\"ref\":{\"$link\":\"" + std::string(blob_cid) + "\"},\"mimeType\":\"" +
           std::string(mime) + "\",\"size\":" + std::to_string(size) + "}";
}

std::string post_with(std::string_view text, std::string_view extra = "") {
    return "{\"$type\":\"app.bsky.feed.post\",\"text\":\"" + std::string(text) +
           "\",\"createdAt\":\"2024-01-01T12:00:00.000Z\"" + std::string(extra) + "}";
}

std::string repeat(std::string_view s, int n) {
    std::string out;
    for (int i = 0; i < n; ++i) out += s;
    return out;
}

}  // namespace

TEST_CASE("a post with reply, facets, image embed, langs and self-labels is valid", "[lexicon][validator]") {
    std::string post = post_with("hi @alice.test",
        ",\"reply\":{\"root\":" + strong_ref() + ",\"parent\":" + strong_ref() + "}"
        ",\"facets\":[{\"index\":{\"byteStart\":3,\"byteEnd\":14},\"features\":[{\"$type\":\"app.bsky.richtext.facet#mention\",\"did\":\"" + std::string(did) + "\"}]}]"
        ",\"embed\":{\"$type\":\"app.bsky.embed.images\",\"images\":[{\"image\":" + blob("image/jpeg", 1000) + ",\"alt\":\"cat\"}]}"
        ",\"langs\":[\"en\"],\"labels\":{\"$type\":\"com.atproto.label.defs#selfLabels\",\"values\":[{\"val\":\"porn\"}]}");
    Verdict v = validator().validate("app.bsky.feed.post", post);
    INFO(v.describe());
    CHECK(v.ok());
}

TEST_CASE("post text is limited to 300 graphemes, not 300 code points", "[lexicon][validator]") {
    std::string family = "\xF0\x9F\x91\xA9\xE2\x80\x8D\xF0\x9F\x91\xA9\xE2\x80\x8D\xF0\x9F\x91\xA7";  // 3 emoji + 2 ZWJ
    CHECK(validator().validate("app.bsky.feed.post", post_with(repeat("a", 300))).ok());
    Verdict long_text = validator().validate("app.bsky.feed.post", post_with(repeat("a", 301)));
    CHECK(long_text.describe() == "text: too_many_graphemes");
    CHECK(validator().validate("app.bsky.feed.post", post_with(repeat(family, 166))).ok());   // 2988 bytes
    CHECK(validator().validate("app.bsky.feed.post", post_with(repeat(family, 167))).reason == Reason::too_long);
}

TEST_CASE("the offending field is named with its full path", "[lexicon][validator]") {
    std::string images;
    for (int i = 0; i < 3; ++i) images += std::string(i ? "," : "") + "{\"image\":" + blob("image/png", 10) + (i == 2 ? ",\"alt\":7}" : ",\"alt\":\"\"}");
    Verdict v = validator().validate("app.bsky.feed.post", post_with("x", ",\"embed\":{\"$type\":\"app.bsky.embed.images\",\"images\":[" + images + "]}"));
    CHECK(v.describe() == "embed.images[2].alt: wrong_type");
}

TEST_CASE("a like without subject is rejected as missing a required field", "[lexicon][validator]") {
    Verdict v = validator().validate("app.bsky.feed.like", R"({"$type":"app.bsky.feed.like","createdAt":"2024-01-01T00:00:00Z"})");
    CHECK(v.outcome == Outcome::invalid);
    CHECK(v.describe() == "subject: missing_required");
}

TEST_CASE("a follow of something that is not a DID fails the did format", "[lexicon][validator]") {
    Verdict v = validator().validate("app.bsky.graph.follow", R"({"$type":"app.bsky.graph.follow","subject":"alice.test","createdAt":"2024-01-01T00:00:00Z"})");
    CHECK(v.reason == Reason::bad_format);
    CHECK(v.format == StringFormat::did);
    CHECK(v.path == "subject");
}

TEST_CASE("a threadgate rule of an unknown type is accepted because allow is an open union", "[lexicon][validator]") {
    std::string gate = R"({"$type":"app.bsky.feed.threadgate","post":"at://did:plc:ewvi7nxzyoun6zhxrhs64oiz/app.bsky.feed.post/3k43tv4rft22g","createdAt":"2024-01-01T00:00:00Z","allow":[{"$type":"com.example.newRule"}]})";
    CHECK(validator().validate("app.bsky.feed.threadgate", gate).ok());
    std::string untyped = R"({"$type":"app.bsky.feed.threadgate","post":"at://did:plc:ewvi7nxzyoun6zhxrhs64oiz/app.bsky.feed.post/3k43tv4rft22g","createdAt":"2024-01-01T00:00:00Z","allow":[{}]})";
    CHECK(validator().validate("app.bsky.feed.threadgate", untyped).describe() == "allow[0]: wrong_type");
}

TEST_CASE("a profile avatar must be a png or jpeg blob of at most 1000000 bytes", "[lexicon][validator]") {
    auto profile = [](const std::string& avatar) { return "{\"$type\":\"app.bsky.actor.profile\",\"avatar\":" + avatar + "}"; };
    CHECK(validator().validate("app.bsky.actor.profile", profile(blob("image/png", 1000000))).ok());
    CHECK(validator().validate("app.bsky.actor.profile", profile(blob("image/gif", 10))).describe() == "avatar.mimeType: blob_mime_not_accepted");
    CHECK(validator().validate("app.bsky.actor.profile", profile(blob("image/png", 1000001))).describe() == "avatar: blob_too_large");
    std::string legacy = "{\"cid\":\"" + std::string(blob_cid) + "\",\"mimeType\":\"image/png\"}";
    CHECK(validator().validate("app.bsky.actor.profile", profile(legacy)).describe() == "avatar: bad_blob");
}

TEST_CASE("the record $type must equal the collection and be present", "[lexicon][validator]") {
    CHECK(validator().validate("app.bsky.feed.like", R"({"$type":"app.bsky.feed.repost","subject":)" + strong_ref() + R"(,"createdAt":"2024-01-01T00:00:00Z"})").describe() == "$type: bad_type_field");
    CHECK(validator().validate("app.bsky.feed.like", R"({"subject":)" + strong_ref() + R"(,"createdAt":"2024-01-01T00:00:00Z"})").describe() == "$type: bad_type_field");
}

TEST_CASE("createdAt needs an RFC 3339 datetime with a timezone", "[lexicon][validator]") {
    CHECK(validator().validate("app.bsky.feed.post", post_with("x")).ok());
    std::string no_zone = R"({"$type":"app.bsky.feed.post","text":"x","createdAt":"2024-01-01T12:00:00"})";
    CHECK(validator().validate("app.bsky.feed.post", no_zone).describe() == "createdAt: bad_format");
}

TEST_CASE("every collection of the indexer has a schema and chat declarations are left alone", "[lexicon][validator]") {
    for (std::string_view c : {"app.bsky.feed.post", "app.bsky.feed.threadgate", "app.bsky.feed.postgate", "app.bsky.feed.like",
                               "app.bsky.feed.repost", "app.bsky.graph.follow", "app.bsky.graph.block", "app.bsky.graph.list",
                               "app.bsky.graph.listitem", "app.bsky.graph.listblock", "app.bsky.graph.starterpack",
                               "app.bsky.graph.verification", "app.bsky.actor.profile", "app.bsky.actor.status",
                               "app.bsky.feed.generator", "app.bsky.labeler.service", "app.bsky.notification.declaration",
                               "com.germnetwork.declaration"}) {
        INFO(c);
        CHECK(validator().schemas().record(c) != nullptr);
    }
    CHECK(validator().validate("chat.bsky.actor.declaration", "{}").outcome == Outcome::not_validated);
    CHECK(validator().validate("com.example.peer.note", "{}").outcome == Outcome::unknown_collection);
}

TEST_CASE("concurrent validations from several threads give the same verdicts", "[lexicon][validator]") {
    std::string good = post_with("hello");
    std::string bad = post_with(repeat("b", 301));
    std::vector<int> mismatches(4, 0);
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < 2000; ++i) {
                if (!validator().validate("app.bsky.feed.post", good).ok()) ++mismatches[t];
                if (validator().validate("app.bsky.feed.post", bad).reason != Reason::too_many_graphemes) ++mismatches[t];
            }
        });
    }
    for (auto& th : threads) th.join();
    CHECK(mismatches == std::vector<int>(4, 0));
}
