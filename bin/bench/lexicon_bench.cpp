#include "bin/bench/lexicon_bench.hpp"

#include <chrono>
#include <cstdlib>
#include <string>

#include <fmt/core.h>
#include <simdjson.h>

#include "atproto/lexicon/validator.hpp"

namespace bin::bench {
namespace {

using Clock = std::chrono::steady_clock;

// Typical records: a reply with a mention facet and language, an image post, a like.
constexpr std::string_view post_json =
    R"({"$type":"app.bsky.feed.post","text":"Good morning @alice.bsky.social! Coffee first, then the )"
    R"(lexicon validator 🚀☕","createdAt":"2024-11-27T08:12:45.123Z","langs":["en"],"facets":[{"index":)"
    R"({"byteStart":13,"byteEnd":31},"features":[{"$type":"app.bsky.richtext.facet#mention","did":)"
    R"("did:plc:ewvi7nxzyoun6zhxrhs64oiz"}]}],"reply":{"root":{"uri":"at://did:plc:ewvi7nxzyoun6zhxrhs64oiz/)"
    R"(app.bsky.feed.post/3kbsh2ldtvc2r","cid":"bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm"},)"
    R"("parent":{"uri":"at://did:plc:ewvi7nxzyoun6zhxrhs64oiz/app.bsky.feed.post/3kbsh2ldtvc2r","cid":)"
    R"("bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm"}}})";
constexpr std::string_view image_post_json =
    R"({"$type":"app.bsky.feed.post","text":"sunset","createdAt":"2024-11-27T08:12:45.123Z",)"
    R"("embed":{"$type":"app.bsky.embed.images","images":[{"alt":"orange sky over the sea","image":)"
    R"({"$type":"blob","ref":{"$link":"bafkreibme22gw2h7y2h7tg2fhqotaqjucnbc24deqo72b6mkl2egezxhvy"},)"
    R"("mimeType":"image/jpeg","size":483021},"aspectRatio":{"width":2000,"height":1500}}]}})";
constexpr std::string_view like_json =
    R"({"$type":"app.bsky.feed.like","subject":{"uri":"at://did:plc:ewvi7nxzyoun6zhxrhs64oiz/)"
    R"(app.bsky.feed.post/3kbsh2ldtvc2r","cid":"bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm"},)"
    R"("createdAt":"2024-11-27T08:12:45.123Z"})";

template <class Fn>
double rate(Fn fn, int iterations) {
    auto start = Clock::now();
    for (int i = 0; i < iterations; ++i) fn();
    std::chrono::duration<double> took = Clock::now() - start;
    return iterations / took.count();
}

// Touches every value of an On-Demand document: what a full walk would at least cost.
void walk(simdjson::ondemand::value value, size_t& count) {
    ++count;
    switch (value.type()) {
        case simdjson::ondemand::json_type::object:
            for (auto field : value.get_object()) walk(field.value(), count);
            break;
        case simdjson::ondemand::json_type::array:
            for (auto item : value.get_array()) walk(item.value(), count);
            break;
        default: break;
    }
}

void report(std::string_view name, double per_second) {
    fmt::print("  {:<44} {:>12.0f} /s   {:>7.0f} ns each\n", name, per_second, 1e9 / per_second);
}

}  // namespace

int run_lexicon_bench(std::span<char* const> args) {
    int iterations = args.empty() ? 200000 : std::atoi(args[0]);
    auto validator = atproto::lexicon::Validator::create_embedded();
    if (!validator) {
        fmt::print(stderr, "lexicon: {}\n", validator.error().message);
        return 1;
    }
    fmt::print("lexicon validation, one thread, {} iterations each\n", iterations);
    struct Case { std::string_view name, collection, json; };
    for (const Case& c : {Case{"post (reply, facet, langs)", "app.bsky.feed.post", post_json},
                          Case{"post (image embed)", "app.bsky.feed.post", image_post_json},
                          Case{"like", "app.bsky.feed.like", like_json}}) {
        if (!validator->validate(c.collection, c.json).ok()) {
            fmt::print(stderr, "lexicon: sample {} does not validate\n", c.name);
            return 1;
        }
        fmt::print("{} ({} bytes)\n", c.name, c.json.size());
        report("parse (DOM) + validate", rate([&] { (void)validator->validate(c.collection, c.json); }, iterations));
        simdjson::dom::parser dom;
        simdjson::dom::element parsed = dom.parse(c.json.data(), c.json.size()).value();
        report("validate a parsed DOM", rate([&] { (void)validator->validate(c.collection, parsed); }, iterations));
        report("DOM parse only", rate([&] { (void)dom.parse(c.json.data(), c.json.size()); }, iterations));
        simdjson::ondemand::parser ondemand;
        simdjson::padded_string padded(c.json);
        size_t values = 0;
        report("On-Demand full walk only", rate([&] {
            auto doc = ondemand.iterate(padded);
            walk(doc.get_value().value(), values);
        }, iterations));
    }
    return 0;
}

}  // namespace bin::bench
