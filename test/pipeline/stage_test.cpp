#include "pipeline/stage.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "test/pipeline/test_items.hpp"

namespace {

// Splits a line into words; empty lines are bad input.
struct SplitWords {
    using In = std::string;
    using Out = std::string;
    pipeline::Outcome process(std::string&& line, pipeline::Emit<std::string>& emit) {
        if (line.empty()) return pipeline::Outcome::rejected;
        std::size_t start = 0;
        while (start < line.size()) {
            const auto space = line.find(' ', start);
            const auto end = space == std::string::npos ? line.size() : space;
            if (end > start) emit(line.substr(start, end - start));
            start = end + 1;
        }
        return pipeline::Outcome::ok;
    }
};

struct Batcher {
    using In = int;
    using Out = std::vector<int>;
    pipeline::Outcome process(int&& n, pipeline::Emit<Out>&) {
        batch.push_back(n);
        return pipeline::Outcome::ok;
    }
    void flush(pipeline::Emit<Out>& emit) {
        if (!batch.empty()) emit(std::exchange(batch, {}));
    }
    std::vector<int> batch;
};

struct Ticker {
    using Out = int;
    pipeline::Outcome produce(std::stop_token, pipeline::Emit<int>& emit) {
        emit(1);
        return pipeline::Outcome::ok;
    }
};

}  // namespace

static_assert(pipeline::Stage<SplitWords>);
static_assert(!pipeline::BatchingStage<SplitWords>);
static_assert(pipeline::BatchingStage<Batcher>);
static_assert(pipeline::SourceStage<Ticker>);
static_assert(!pipeline::Stage<Ticker>);
static_assert(pipeline::Keyed<pipeline_test::Event>);
static_assert(!pipeline::Keyed<std::string>);

TEST_CASE("a stage runs without threads through a VectorEmit", "[pipeline][stage]") {
    SplitWords stage;
    pipeline::VectorEmit<std::string> emit;
    CHECK(stage.process("the quick  fox", emit) == pipeline::Outcome::ok);
    CHECK(emit.items == std::vector<std::string>{"the", "quick", "fox"});
    CHECK(stage.process("", emit) == pipeline::Outcome::rejected);
    CHECK(emit.items.size() == 3);
}

TEST_CASE("a batching stage emits its batch only on flush", "[pipeline][stage]") {
    Batcher stage;
    pipeline::VectorEmit<std::vector<int>> emit;
    (void)stage.process(1, emit);
    (void)stage.process(2, emit);
    CHECK(emit.items.empty());
    stage.flush(emit);
    REQUIRE(emit.items.size() == 1);
    CHECK(emit.items[0] == std::vector<int>{1, 2});
}

TEST_CASE("items are described by describe(), else by key, for failure logs", "[pipeline][stage]") {
    CHECK(pipeline::describe_item(pipeline_test::Event{"did:plc:a", 7, 0}) == "event did:plc:a seq 7");
    struct OnlyKey {
        std::string k;
        std::string_view key() const { return k; }
    };
    CHECK(pipeline::describe_item(OnlyKey{"did:plc:b"}) == "key did:plc:b");
    CHECK(pipeline::describe_item(3).find("no describe()") != std::string::npos);
}
