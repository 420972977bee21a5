#include "replay/did_retag.hpp"

#include <catch2/catch.hpp>

#include <string>

namespace {

std::vector<std::byte> bytes_of(std::string_view text) {
    std::vector<std::byte> out;
    for (const char c : text) out.push_back(static_cast<std::byte>(c));
    return out;
}

std::string text_of(const std::vector<std::byte>& bytes) {
    return std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

constexpr std::string_view did = "did:plc:22hzdkcgxzvvftgjesk7ecfd";

}  // namespace

TEST_CASE("retagging rewrites every did:plc in place, inside URIs too, and keeps the length", "[replay][did_retag]") {
    // As in a frame: the DID text item is followed by the head of the next item, here "c" for "seq".
    const std::string text = "\x78\x20" + std::string(did) + "cseq|at://" + std::string(did) + "/app.bsky.feed.post/3k";
    auto bytes = bytes_of(text);
    CHECK(replay::find_plc_dids(bytes) == std::vector<std::size_t>{2, 44});
    replay::retag_plc_dids(bytes, 32 * 32 + 33);  // (1, 1, 1) in base 32: "bbb"
    const std::string tagged = "did:plc:22hzdkcgxzvvftgjesk7ebbb";
    CHECK(text_of(bytes) == "\x78\x20" + tagged + "cseq|at://" + tagged + "/app.bsky.feed.post/3k");
}

TEST_CASE("retagging leaves look-alikes alone: short, non-base32 and truncated identifiers", "[replay][did_retag]") {
    const std::string text = "did:plc:abc did:plc:22hzdkcgxzvvftgjesk7ecf1 did:plc:22HZDKCGXZVVFTGJESK7ECFD "
                             "did:web:example.com did:plc:22hzdkcgxzvvftgjesk7ec";
    auto bytes = bytes_of(text);
    CHECK(replay::find_plc_dids(bytes).empty());
    replay::retag_plc_dids(bytes, 5);
    CHECK(text_of(bytes) == text);
}

TEST_CASE("distinct tags give distinct identifiers and a tag out of range is a bug", "[replay][did_retag]") {
    auto a = bytes_of(did);
    auto b = bytes_of(did);
    replay::retag_plc_dids(a, 0);
    replay::retag_plc_dids(b, replay::plc_tag_count - 1);
    CHECK(text_of(a) == "did:plc:22hzdkcgxzvvftgjesk7eaaa");
    CHECK(text_of(b) == "did:plc:22hzdkcgxzvvftgjesk7e777");
    CHECK_THROWS_AS(replay::retag_plc_dids(a, replay::plc_tag_count), std::logic_error);
}
