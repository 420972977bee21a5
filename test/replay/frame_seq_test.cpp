#include "replay/capture.hpp"
#include "replay/frame_seq.hpp"

#include <catch2/catch.hpp>

#include "test/support/fixtures.hpp"

using replay::find_seq;

namespace {

std::vector<std::byte> hex(std::string_view text) {
    std::vector<std::byte> out;
    for (std::size_t i = 0; i + 1 < text.size(); i += 2) {
        out.push_back(static_cast<std::byte>(std::stoi(std::string(text.substr(i, 2)), nullptr, 16)));
    }
    return out;
}

// {"op":1,"t":"#x"}
constexpr std::string_view header = "a2626f7001617462" "2378";

}  // namespace

TEST_CASE("seq is found in every frame of the real captures and increases", "[replay][frame_seq]") {
    for (const char* file : {"fixtures/jetstream-corpus/frames.bin", "fixtures/pds-capture/firehose.frames",
                             "fixtures/pds-capture/labels.frames"}) {
        INFO(file);
        const auto frames = replay::load_capture(test_support::shared_path(file));
        REQUIRE(frames.has_value());
        REQUIRE_FALSE(frames->empty());
        std::uint64_t previous = 0;
        for (const auto& frame : *frames) {
            REQUIRE(frame.seq.has_value());
            CHECK(frame.seq->value > previous);
            previous = frame.seq->value;
        }
    }
    const auto jetstream = replay::load_capture(test_support::shared_path("fixtures/jetstream-corpus/frames.bin"));
    CHECK(jetstream->front().seq->value == 31527015322);
    CHECK(jetstream->back().seq->value == 31527015471);
}

TEST_CASE("rewriting seq changes only that integer, whatever its encoded length", "[replay][frame_seq]") {
    const auto frames = replay::load_capture(test_support::shared_path("fixtures/pds-capture/firehose.frames"));
    REQUIRE(frames.has_value());
    const auto& frame = (*frames)[10];
    const auto field = *frame.seq;
    for (const std::uint64_t seq : {0ull, 23ull, 24ull, 255ull, 256ull, 65535ull, 65536ull, 4294967295ull,
                                    4294967296ull, 18446744073709551615ull}) {
        INFO(seq);
        std::vector<std::byte> out{std::byte{0x42}};
        replay::append_with_seq(frame.bytes, field, seq, out);
        const std::span rewritten = std::span(out).subspan(1);
        const auto found = find_seq(rewritten);
        REQUIRE(found.has_value());
        CHECK(found->value == seq);
        CHECK(found->offset == field.offset);
        CHECK(std::equal(frame.bytes.begin(), frame.bytes.begin() + field.offset, rewritten.begin()));
        CHECK(std::equal(frame.bytes.begin() + field.offset + field.length, frame.bytes.end(),
                         rewritten.begin() + found->offset + found->length, rewritten.end()));
    }
}

TEST_CASE("seq is found after nested values of every kind", "[replay][frame_seq]") {
    // body {"a": [1, -2, h'0102', {"x": 1.5}, tag42(h'00'), true, null], "seq": 1000}
    const auto frame = hex(std::string(header) + "a2" "6161" "87" "01" "21" "420102" "a16178f93e00" "d82a4100" "f5" "f6"
                           "63736571" "1903e8");
    const auto found = find_seq(frame);
    REQUIRE(found.has_value());
    CHECK(found->value == 1000);
    CHECK(found->length == 3);
}

TEST_CASE("frames without a readable seq give nothing and never read past the end", "[replay][frame_seq]") {
    const std::string h(header);
    const std::string cases[] = {
        "",
        "01",                               // header not a map
        h,                                  // no body
        h + "80",                           // body not a map
        h + "a0",                           // body without seq
        h + "a1" "63736571" "20",           // seq negative
        h + "a1" "63736571" "6161",         // seq a string
        h + "a1" "63736571" "1b0000",       // seq truncated
        h + "bf" "63736571" "01" "ff",      // indefinite-length body
        h + "a2" "6161" "9bffffffffffffffff" "63736571" "01",   // absurd array length
        h + "a2" "01" "01" "63736571" "01",                     // non-text key
        "a1626f70" "5f4101ff" "a163736571" "01",                // indefinite bytes in the header
        h + "a1" "63736571" "1c",                               // reserved additional info
    };
    for (const auto& text : cases) {
        INFO(text);
        CHECK_FALSE(find_seq(hex(text)).has_value());
    }
    std::string deep = "a1626f70";
    for (int i = 0; i < 100; ++i) deep += "81";
    CHECK_FALSE(find_seq(hex(deep + "01a163736571" "01")).has_value());
}

TEST_CASE("every prefix of a real frame is handled without crashing", "[replay][frame_seq]") {
    const auto frames = replay::load_capture(test_support::shared_path("fixtures/jetstream-corpus/frames.bin"));
    REQUIRE(frames.has_value());
    const auto& frame = (*frames)[0].bytes;
    const auto full = find_seq(frame);
    REQUIRE(full.has_value());
    for (std::size_t n = 0; n < frame.size(); ++n) {
        const auto found = find_seq(std::span(frame).first(n));
        if (found) CHECK(found->value == full->value);
        if (found) CHECK(found->offset + found->length <= n);
    }
}
