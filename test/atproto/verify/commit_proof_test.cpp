#include <catch2/catch.hpp>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "atproto/car/block_index.hpp"
#include "atproto/frame/frame.hpp"
#include "atproto/repo/commit.hpp"
#include "atproto/repo/mst_tree.hpp"
#include "atproto/verify/commit_proof.hpp"
#include "test/atproto/fixtures.hpp"

using atproto::Cid;
using atproto::Errc;
using atproto::frame::Commit;
using atproto::verify::check_commit;
using namespace test_atproto;

namespace {

struct Capture {
    std::vector<std::vector<std::byte>> frames;  // owns the bytes the commits view
    std::vector<Commit> commits;
};

Capture commits_of(const std::string& relative) {
    Capture capture{split_frames(read_bytes(shared_path(relative))), {}};
    for (const auto& bytes : capture.frames) {
        auto decoded = atproto::frame::decode_frame(bytes);
        REQUIRE(decoded);
        if (auto* commit = std::get_if<Commit>(&decoded->body)) capture.commits.push_back(*commit);
    }
    return capture;
}

struct Slice {
    atproto::car::BlockIndex blocks;
    Cid data;
};

Slice slice_of(const Commit& commit) {
    auto reader = atproto::car::CarReader::open(commit.blocks);
    REQUIRE(reader);
    auto blocks = atproto::car::BlockIndex::build(*reader);
    REQUIRE(blocks);
    auto decoded = atproto::repo::decode_commit(blocks->find(commit.commit).value());
    REQUIRE(decoded);
    return Slice{std::move(*blocks), decoded->data};
}

}  // namespace

TEST_CASE("every relay commit with prevData inverts to its prevData", "[atproto][verify]") {
    const auto capture = commits_of("fixtures/jetstream-corpus/frames.bin");
    std::size_t checked = 0;
    for (const auto& commit : capture.commits) {
        if (!commit.prev_data) continue;
        INFO(commit.repo << " " << commit.rev);
        const auto result = check_commit(commit);
        CHECK((result ? std::string("ok") : result.error().describe()) == "ok");
        ++checked;
    }
    CHECK(checked == 148);
}

TEST_CASE("every commit of the pds capture inverts to its prevData, or to the empty tree for a new repo",
          "[atproto][verify]") {
    const auto capture = commits_of("fixtures/pds-capture/firehose.frames");
    const Cid empty_tree = atproto::repo::MstTree().root_cid();
    std::size_t checked = 0;
    std::size_t genesis = 0;
    for (const auto& commit : capture.commits) {
        INFO(commit.repo << " " << commit.rev);
        if (commit.prev_data) {
            const auto result = check_commit(commit);
            CHECK((result ? std::string("ok") : result.error().describe()) == "ok");
            ++checked;
            continue;
        }
        CHECK(!commit.since);  // only a repo's first commit has no previous tree
        const Slice slice = slice_of(commit);
        const auto previous = atproto::verify::invert_ops(slice.blocks, slice.data, commit.ops);
        CHECK((previous ? previous->to_string() : previous.error().describe()) == empty_tree.to_string());
        ++genesis;
    }
    CHECK(checked + genesis == 2024);
    CHECK(checked > 1900);
}

TEST_CASE("a wrong prevData, op or missing node is its own error", "[atproto][verify]") {
    const auto capture = commits_of("fixtures/jetstream-corpus/frames.bin");
    const auto creates = std::find_if(capture.commits.begin(), capture.commits.end(), [](const Commit& c) {
        return c.ops.size() == 1 && c.ops[0].action == "create";
    });
    REQUIRE(creates != capture.commits.end());
    const Commit& good = *creates;
    const Cid other = Cid::of(Cid::dag_cbor, hex("a0"));

    Commit wrong_prev = good;
    wrong_prev.prev_data = other;
    CHECK(check_commit(wrong_prev).error().code == Errc::proof_mismatch);

    Commit no_prev = good;
    no_prev.prev_data.reset();
    CHECK(check_commit(no_prev).error().code == Errc::missing_field);

    Commit wrong_cid = good;
    wrong_cid.ops[0].cid = other;
    CHECK(check_commit(wrong_cid).error().code == Errc::op_mismatch);

    Commit present_delete = good;  // says the path was deleted, but the new tree holds it
    present_delete.ops[0] = {"delete", good.ops[0].path, std::nullopt, other};
    CHECK(check_commit(present_delete).error().code == Errc::op_mismatch);

    Commit bad_action = good;
    bad_action.ops[0].action = "upsert";
    CHECK(check_commit(bad_action).error().code == Errc::bad_repo_op);

    Commit bad_path = good;
    bad_path.ops[0].path = "not a path";
    CHECK(check_commit(bad_path).error().code == Errc::bad_repo_op);

    Commit legacy_delete = good;  // pre-Sync-1.1: no prev, nothing to re-insert
    legacy_delete.ops[0] = {"delete", "app.bsky.feed.like/3aaaaaaaaaaaa", std::nullopt, std::nullopt};
    CHECK(check_commit(legacy_delete).error().code == Errc::bad_repo_op);

    const Slice slice = slice_of(good);
    atproto::car::BlockIndex no_root;  // the slice without its MST root node
    const auto result = atproto::verify::invert_ops(no_root, slice.data, good.ops);
    REQUIRE_FALSE(result);
    CHECK(result.error().code == Errc::missing_block);
    CHECK(result.error().cid == slice.data);
}

namespace {

struct JsonCommit {
    std::vector<std::byte> blocks;
    std::vector<std::string> paths;  // owns the ops' path views
    Commit commit;                   // views into the two above
};

Cid link(simdjson::dom::element e) { return Cid::from_string(std::string_view(e["$link"])).value(); }

std::optional<Cid> optional_link(simdjson::dom::element body, const char* key) {
    simdjson::dom::element e;
    if (body[key].get(e) != simdjson::SUCCESS || e.is_null()) return std::nullopt;
    return link(e);
}

// A #commit body in atproto JSON ($bytes blocks, $link CIDs) as the decoder would return it.
std::unique_ptr<JsonCommit> json_commit(simdjson::dom::element body) {
    auto out = std::make_unique<JsonCommit>();
    out->blocks = base64(std::string_view(body["blocks"]["$bytes"]));
    auto ops = array(body["ops"]);
    for (simdjson::dom::element op : ops) out->paths.emplace_back(std::string_view(op["path"]));
    std::size_t i = 0;
    for (simdjson::dom::element op : ops) {
        const std::string_view action = std::string_view(op["action"]);
        out->commit.ops.push_back({action == "create" ? "create" : action == "update" ? "update" : "delete",
                                   out->paths[i++], optional_link(op, "cid"), optional_link(op, "prev")});
    }
    out->commit.blocks = out->blocks;
    out->commit.commit = link(body["commit"]);
    out->commit.prev_data = optional_link(body, "prevData");
    return out;
}

}  // namespace

TEST_CASE("the indigo firehose commits decode and the trimmed-top one inverts", "[atproto][verify]") {
    const std::filesystem::path folder = shared_path("fixtures/indigo-testdata/firehose-commits");
    std::size_t files = 0;
    simdjson::dom::parser parser;
    for (const auto& entry : std::filesystem::directory_iterator(folder)) {
        INFO(entry.path().filename().string());
        const auto text = read_text(entry.path().string());
        const auto json = json_commit(parser.parse(text));
        const Commit& commit = json->commit;
        const Slice slice = slice_of(commit);
        for (const auto& op : commit.ops) {
            if (op.cid) CHECK(slice.blocks.find(*op.cid));
        }
        ++files;
        // No prevData before Sync 1.1, so only this one's inversion is pinned: it must succeed
        // although the slice prunes the top of the tree.
        if (entry.path().filename() != "firehose_commit_4623075231.json") continue;
        const auto previous = atproto::verify::invert_ops(slice.blocks, slice.data, commit.ops);
        CHECK((previous ? std::string("ok") : previous.error().describe()) == "ok");
    }
    CHECK(files == 4);
}

TEST_CASE("the relay scenarios' valid Sync 1.1 commits invert to their prevData", "[atproto][verify]") {
    const std::filesystem::path folder = shared_path("fixtures/indigo-testdata/relay-scenarios");
    simdjson::dom::parser parser;
    std::size_t checked = 0;
    for (const auto& entry : std::filesystem::directory_iterator(folder)) {
        if (entry.path().extension() != ".json") continue;
        const auto text = read_text(entry.path().string());
        simdjson::dom::element scenario = parser.parse(text);
        for (simdjson::dom::element message : array(scenario["messages"])) {
            bool invalid = false;
            if (message["invalid"].get(invalid) != simdjson::SUCCESS) invalid = false;
            if (invalid || std::string_view(message["frame"]["header"]["t"]) != "#commit") continue;
            const auto json = json_commit(message["frame"]["body"]);
            if (!json->commit.prev_data) continue;
            INFO(entry.path().filename().string() << " " << std::string_view(message["frame"]["body"]["rev"]));
            const auto result = check_commit(json->commit);
            CHECK((result ? std::string("ok") : result.error().describe()) == "ok");
            ++checked;
        }
    }
    CHECK(checked >= 6);
}
