#include <catch2/catch.hpp>

#include <cstring>
#include <string>
#include <vector>

#include "atproto/frame/frame.hpp"
#include "test/atproto/fixtures.hpp"

using namespace test_atproto;
namespace frame = atproto::frame;

namespace {

std::string link_or_null(simdjson::dom::element e) {
    if (e.is_null()) return "null";
    return std::string(std::string_view(e["$link"]));
}

}  // namespace

TEST_CASE("every real relay frame decodes to the expected header, body fields and ops", "[atproto][frame]") {
    const auto frames = split_frames(read_bytes(shared_path("fixtures/jetstream-corpus/frames.bin")));
    simdjson::dom::parser parser;
    const auto expected_text = read_text(shared_path("fixtures/jetstream-corpus/frames.expected.json"));
    simdjson::dom::element expected = parser.parse(expected_text);
    auto expected_frames = array(expected["frames"]);
    REQUIRE(frames.size() == expected_frames.size());
    std::size_t i = 0;
    for (simdjson::dom::element want : expected_frames) {
        INFO("frame " << i);
        auto decoded = frame::decode_frame(frames[i++]);
        REQUIRE(decoded);
        CHECK(decoded->op == int64_t(want["header"]["op"]));
        CHECK(decoded->type == std::string_view(want["header"]["t"]));
        auto body = want["body"];
        CHECK(frame::seq_of(*decoded) == int64_t(body["seq"]));
        if (const auto* c = std::get_if<frame::Commit>(&decoded->body)) {
            CHECK(c->repo == std::string_view(body["repo"]));
            CHECK(c->rev == std::string_view(body["rev"]));
            CHECK(c->time == std::string_view(body["time"]));
            CHECK(c->commit.to_string() == link_or_null(body["commit"]));
            CHECK(c->too_big == bool(body["tooBig"]));
            CHECK(c->blocks.size() == uint64_t(want["blocks_car"]["byte_len"]));
            auto ops = array(body["ops"]);
            REQUIRE(c->ops.size() == ops.size());
            std::size_t k = 0;
            for (simdjson::dom::element op : ops) {
                CHECK(c->ops[k].action == std::string_view(op["action"]));
                CHECK(c->ops[k].path == std::string_view(op["path"]));
                CHECK((c->ops[k].cid ? c->ops[k].cid->to_string() : "null") == link_or_null(op["cid"]));
                simdjson::dom::element prev;
                if (op["prev"].get(prev) == simdjson::SUCCESS) {
                    CHECK((c->ops[k].prev ? c->ops[k].prev->to_string() : "null") == link_or_null(prev));
                }
                ++k;
            }
            CHECK((c->prev_data ? c->prev_data->to_string() : "null") == link_or_null(body["prevData"]));
        } else if (const auto* a = std::get_if<frame::Account>(&decoded->body)) {
            CHECK(a->did == std::string_view(body["did"]));
            CHECK(a->active == bool(body["active"]));
        } else if (const auto* id = std::get_if<frame::Identity>(&decoded->body)) {
            CHECK(id->did == std::string_view(body["did"]));
        } else {
            FAIL("unexpected frame type " << decoded->type);
        }
    }
}

TEST_CASE("the pds capture's frames all decode, labels included", "[atproto][frame]") {
    std::size_t commits = 0, labels = 0;
    for (const auto& f : split_frames(read_bytes(shared_path("fixtures/pds-capture/firehose.frames")))) {
        auto decoded = frame::decode_frame(f);
        REQUIRE(decoded);
        commits += std::holds_alternative<frame::Commit>(decoded->body);
    }
    CHECK(commits == 2024);
    std::vector<std::string> values;
    for (const auto& f : split_frames(read_bytes(shared_path("fixtures/pds-capture/labels.frames")))) {
        auto decoded = frame::decode_frame(f);
        REQUIRE(decoded);
        for (const auto& l : std::get<frame::Labels>(decoded->body).labels) values.emplace_back(l.val);
        labels += 1;
    }
    CHECK(labels == 5);
    CHECK(values == std::vector<std::string>{"spam", "porn", "peer-custom", "rude", "porn"});
}

TEST_CASE("an error frame, an unknown type and a bad frame decode as values", "[atproto][frame]") {
    // {"op": -1} {"error": "FutureCursor"}
    // The decoded views point into the bytes, so they must outlive the frame.
    const auto error_bytes = hex("a1 62 6f 70 20  a1 65 65 72 72 6f 72 6c 46 75 74 75 72 65 43 75 72 73 6f 72");
    auto error = frame::decode_frame(error_bytes);
    REQUIRE(error);
    CHECK(std::get<frame::ErrorFrame>(error->body).error == "FutureCursor");
    // {"t": "#new", "op": 1} {"x": 1}
    const auto unknown_bytes = hex("a2 61 74 64 23 6e 65 77 62 6f 70 01  a1 61 78 01");
    auto unknown = frame::decode_frame(unknown_bytes);
    REQUIRE(unknown);
    CHECK(std::get<frame::Unknown>(unknown->body).type == "#new");
    // A header alone: the body is missing.
    auto truncated = frame::decode_frame(hex("a2 61 74 64 23 6e 65 77 62 6f 70 01"));
    REQUIRE_FALSE(truncated);
    CHECK(truncated.error().code == atproto::Errc::truncated);
    // #identity whose did is an integer.
    auto wrong = frame::decode_frame(hex("a2 61 74 69 23 69 64 65 6e 74 69 74 79 62 6f 70 01  a1 63 64 69 64 01"));
    REQUIRE_FALSE(wrong);
    CHECK(wrong.error().code == atproto::Errc::unexpected_type);
}
