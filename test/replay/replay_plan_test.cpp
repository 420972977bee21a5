#include "replay/replay_plan.hpp"

#include <catch2/catch.hpp>

#include "test/support/fixtures.hpp"

using replay::CapturedFrame;
using replay::ReplayPlan;

namespace {

std::vector<CapturedFrame> jetstream() {
    auto frames = replay::load_capture(test_support::shared_path("fixtures/jetstream-corpus/frames.bin"));
    REQUIRE(frames.has_value());
    return std::move(*frames);
}

// A tiny capture: frames with the given seqs (0 = a frame without a readable seq).
std::vector<CapturedFrame> synthetic(std::initializer_list<int> seqs) {
    std::vector<std::byte> data;
    for (const int seq : seqs) {
        std::vector<std::byte> frame;
        const std::initializer_list<int> head{0xa1, 0x62, 'o', 'p', 0x01, 0xa1, 0x63, 's', 'e', 'q', 0x18};
        for (const int b : head) frame.push_back(std::byte(b));
        frame.push_back(std::byte(seq));
        if (seq == 0) frame[5] = std::byte{0x80};
        for (int i = 0; i < 4; ++i) data.push_back(std::byte((frame.size() >> (8 * i)) & 0xff));
        data.insert(data.end(), frame.begin(), frame.end());
    }
    auto frames = replay::parse_capture(data);
    REQUIRE(frames.has_value());
    return std::move(*frames);
}

}  // namespace

TEST_CASE("a plan without a cursor serves the whole capture unchanged", "[replay][replay_plan]") {
    const auto frames = jetstream();
    const ReplayPlan plan(frames);
    REQUIRE(plan.size() == 150);
    CHECK(plan.start_index(std::nullopt) == 0);
    for (std::size_t i = 0; i < plan.size(); ++i) {
        std::vector<std::byte> out;
        plan.append_frame(i, out);
        CHECK(out == frames[i].bytes);
        CHECK(plan.serves(i, std::nullopt));
    }
}

TEST_CASE("a cursor starts after the frame with that seq", "[replay][replay_plan]") {
    const auto frames = jetstream();
    const ReplayPlan plan(frames);
    const auto cursor = static_cast<std::int64_t>(frames[50].seq->value);
    CHECK(plan.start_index(cursor) == 51);
    CHECK(plan.start_index(0) == 0);
    CHECK(plan.start_index(static_cast<std::int64_t>(frames.back().seq->value)) == 150);
    CHECK_FALSE(plan.is_future(static_cast<std::int64_t>(frames.back().seq->value)));
    CHECK(plan.is_future(static_cast<std::int64_t>(frames.back().seq->value) + 1));
    CHECK_FALSE(plan.is_future(std::nullopt));
}

TEST_CASE("repeated copies carry seqs that keep increasing and decode back", "[replay][replay_plan]") {
    const auto frames = jetstream();
    const ReplayPlan plan(frames, 3, 1000);
    REQUIRE(plan.size() == 450);
    std::uint64_t previous = 0;
    for (std::size_t i = 0; i < plan.size(); ++i) {
        std::vector<std::byte> out;
        plan.append_frame(i, out);
        const auto found = replay::find_seq(out);
        REQUIRE(found.has_value());
        CHECK(found->value == *plan.seq(i));
        CHECK(found->value > previous);
        previous = found->value;
    }
    CHECK(*plan.seq(0) == frames[0].seq->value + 1000);
    CHECK(*plan.seq(150) == frames[0].seq->value + 1000 + 150);
    CHECK(plan.start_index(static_cast<std::int64_t>(*plan.seq(200))) == 201);
}

TEST_CASE("a copy rewrite sees each frame of its copy after the seq splice, and only that frame",
          "[replay][replay_plan]") {
    const auto frames = jetstream();
    std::vector<std::pair<std::uint32_t, std::size_t>> seen;
    const ReplayPlan plan(frames, 2, 0, [&seen](std::uint32_t copy, std::span<std::byte> frame) {
        seen.emplace_back(copy, frame.size());
        frame[frame.size() - 1] = std::byte{0x42};
    });
    std::vector<std::byte> out{std::byte{7}};
    plan.append_frame(151, out);
    REQUIRE(seen.size() == 1);
    CHECK(seen[0].first == 1);
    CHECK(seen[0].second == out.size() - 1);
    CHECK(out.front() == std::byte{7});
    CHECK(out.back() == std::byte{0x42});
    CHECK(replay::find_seq(std::span<const std::byte>(out).subspan(1))->value == *plan.seq(151));
}

TEST_CASE("frames without a readable seq are served in file order around the cursor", "[replay][replay_plan]") {
    const ReplayPlan plan(synthetic({1, 0, 3, 0, 5}));
    REQUIRE(plan.size() == 5);
    CHECK_FALSE(plan.seq(1).has_value());
    CHECK(plan.start_index(std::nullopt) == 0);
    CHECK(plan.start_index(1) == 1);
    CHECK(plan.start_index(3) == 3);
    CHECK(plan.start_index(4) == 3);
    CHECK(plan.serves(3, 4));
    CHECK(plan.serves(4, 4));
    CHECK_FALSE(plan.serves(2, 4));
    CHECK(plan.is_future(6));
}

TEST_CASE("a capture with a truncated record is refused with its offset", "[replay][capture]") {
    const std::vector<std::byte> short_length{std::byte{1}, std::byte{0}};
    CHECK(replay::parse_capture(short_length).error().message.find("byte 0") != std::string::npos);
    const std::vector<std::byte> short_frame{std::byte{5}, std::byte{0}, std::byte{0}, std::byte{0}, std::byte{1}};
    CHECK(replay::parse_capture(short_frame).error().message.find("wants 5 bytes") != std::string::npos);
    CHECK(replay::parse_capture({})->empty());
    CHECK_FALSE(replay::load_capture("/nonexistent/capture").has_value());
}
