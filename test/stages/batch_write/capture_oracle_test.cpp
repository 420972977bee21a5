// Replays pds-capture's firehose and labels through the real classifier and the batch applier
// into a migrated database, and checks the result against the app-view's own database
// (reference.sql) with the project's compare tool. Identity answers come from the capture's
// handles.json here; the daemon test resolves them over HTTP.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>

#include <fmt/core.h>
#include <simdjson.h>

#include "atproto/frame/frame.hpp"
#include "common/log.hpp"
#include "stages/batch_write/batch_applier.hpp"
#include "stages/classify/event_classifier.hpp"
#include "storage/pg/connection.hpp"
#include "storage/schema/migrator.hpp"
#include "test/support/throwaway_postgres.hpp"

namespace {

using stages::classify::ClassifiedEvent;
using stages::classify::OpKind;
using stages::classify::StagedOp;

std::string shared(const std::string& relative) {
    const char* root = std::getenv("WINTERMUTE_SHARED");
    return std::string(root ? root : "../shared") + "/" + relative;
}

std::vector<std::byte> read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    REQUIRE(in);
    std::string text((std::istreambuf_iterator<char>(in)), {});
    std::vector<std::byte> bytes(text.size());
    std::memcpy(bytes.data(), text.data(), text.size());
    return bytes;
}

std::vector<std::vector<std::byte>> frames_of(const std::string& path) {
    const auto file = read_file(path);
    std::vector<std::vector<std::byte>> frames;
    for (std::size_t pos = 0; pos + 4 <= file.size();) {
        std::uint32_t len = 0;
        std::memcpy(&len, file.data() + pos, 4);
        pos += 4;
        frames.emplace_back(file.begin() + static_cast<long>(pos), file.begin() + static_cast<long>(pos + len));
        pos += len;
    }
    return frames;
}

// did → verified handle, and the DIDs whose PDS answers RepoNotFound.
struct CaptureIdentity {
    std::map<std::string, std::string> handles;
    std::map<std::string, bool> gone;

    CaptureIdentity() {
        simdjson::dom::parser parser;
        simdjson::dom::object h = parser.load(shared("fixtures/pds-capture/plc/handles.json"));
        for (auto [did, handle] : h) handles[std::string(did)] = std::string(std::string_view(handle));
        simdjson::dom::parser meta_parser;
        simdjson::dom::object status = meta_parser.load(shared("fixtures/pds-capture/meta.json"))["repoStatus"];
        for (auto [did, s] : status) {
            gone[std::string(did)] = std::string_view(s).find("RepoNotFound") != std::string_view::npos;
        }
    }

    void stage(const ClassifiedEvent& event, std::vector<StagedOp>& ops) const {
        for (const auto& id : event.identities) {
            StagedOp op;
            op.kind = OpKind::actor;
            op.did = id.did;
            op.time = id.time;
            if (id.force) op.json = "force";
            if (auto it = handles.find(id.did); it != handles.end()) op.extra = it->second;
            ops.push_back(std::move(op));
        }
        for (const auto& d : event.deletions) {
            if (auto it = gone.find(d.did); it == gone.end() || !it->second) continue;
            StagedOp op;
            op.kind = OpKind::delete_actor;
            op.did = d.did;
            op.time = d.time;
            ops.push_back(std::move(op));
        }
    }
};

// Classifies and applies a capture in batches of `batch_events` frames.
void replay(const std::string& url, const std::string& capture, const std::string& service,
            std::size_t batch_events, const CaptureIdentity& identity) {
    common::Log log(spdlog::level::warn);
    auto validator = atproto::lexicon::Validator::create_embedded();
    REQUIRE(validator);
    stages::classify::ClassifyConfig config;
    stages::classify::ClassifyMetrics metrics;
    stages::classify::EventClassifier classifier(*validator, config, metrics, log.component("classify"));
    storage::pg::Connection conn(url);
    stages::batch_write::BatchApplier applier(conn);
    std::vector<StagedOp> batch;
    std::int64_t last_seq = 0;
    std::size_t in_batch = 0;
    auto flush = [&] {
        const std::vector<stages::batch_write::CursorUpdate> cursor{{service, last_seq}};
        auto result = applier.apply(batch, cursor);
        CHECK(result.refused_rows == 0);
        batch.clear();
        in_batch = 0;
    };
    for (const auto& bytes : frames_of(shared(capture))) {
        auto frame = atproto::frame::decode_frame(bytes);
        REQUIRE(frame);
        ClassifiedEvent event;
        classifier.classify(*frame, event);
        for (auto& op : event.ops) batch.push_back(std::move(op));
        identity.stage(event, batch);
        if (event.seq) last_seq = *event.seq;
        if (++in_batch == batch_events) flush();
    }
    flush();
}

int compare(const std::string& args) {
    const char* tool = std::getenv("WINTERMUTE_COMPARE_TOOL");
    REQUIRE(tool != nullptr);
    return std::system(fmt::format("python3 '{}' {} >compare.log 2>&1 || (cat compare.log; exit 1)", tool, args)
                           .c_str());
}

}  // namespace

TEST_CASE("the pds capture replayed through classify and the batch applier equals the app-view's database",
          "[batch_write][oracle]") {
    test_support::ThrowawayPostgres db;
    {
        storage::pg::Connection conn(db.url());
        REQUIRE(storage::schema::Migrator(conn).run());
    }
    const CaptureIdentity identity;
    replay(db.url(), "fixtures/pds-capture/firehose.frames", "firehose:capture", 64, identity);
    replay(db.url(), "fixtures/pds-capture/labels.frames", "labels:capture", 2, identity);

    const auto capture = shared("fixtures/pds-capture");
    CHECK(compare(fmt::format("dump-vs-db '{}' '{}' --with-indexed-at", capture, db.url())) == 0);
    CHECK(compare(fmt::format("labels '{}' '{}'", capture, db.url())) == 0);

    storage::pg::Connection conn(db.url());
    CHECK(stages::batch_write::load_cursor(conn, "firehose:capture") == 2132);
    CHECK(stages::batch_write::load_cursor(conn, "labels:capture") == 5);
}

TEST_CASE("replaying the capture a second time changes nothing", "[batch_write][oracle]") {
    test_support::ThrowawayPostgres db;
    {
        storage::pg::Connection conn(db.url());
        REQUIRE(storage::schema::Migrator(conn).run());
    }
    const CaptureIdentity identity;
    replay(db.url(), "fixtures/pds-capture/firehose.frames", "firehose:capture", 500, identity);
    replay(db.url(), "fixtures/pds-capture/firehose.frames", "firehose:capture", 1, identity);
    CHECK(compare(fmt::format("dump-vs-db '{}' '{}' --with-indexed-at", shared("fixtures/pds-capture"), db.url())) ==
          0);
}
