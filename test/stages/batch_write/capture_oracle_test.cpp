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
#include "storage/pg/result.hpp"
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

namespace {

// The one value of a one-row, one-column query ("<null>" for NULL, "<none>" for no row).
std::string value(storage::pg::Connection& conn, const std::string& sql) {
    auto r = conn.exec(sql);
    if (r.rows() == 0) return "<none>";
    if (r.is_null(0, 0)) return "<null>";
    return std::string(r.value(0, 0));
}

}  // namespace

TEST_CASE("specific rows of the capture are what the app-view writes for them", "[batch_write][oracle]") {
    test_support::ThrowawayPostgres db;
    {
        storage::pg::Connection conn(db.url());
        REQUIRE(storage::schema::Migrator(conn).run());
    }
    const CaptureIdentity identity;
    replay(db.url(), "fixtures/pds-capture/firehose.frames", "firehose:capture", 100, identity);
    replay(db.url(), "fixtures/pds-capture/labels.frames", "labels:capture", 5, identity);
    storage::pg::Connection c(db.url());
    const std::string alice = "did:plc:6hf3ere46otfb636zn7mt2lv", bob = "did:plc:nuftpih56uyxinjh4horny7z",
                      carol = "did:plc:ysgejvukp4usq2f5gbfmbjhl";

    SECTION("a reply with reply refs, langs and a mention of its parent's author: mention beats reply") {
        const std::string uri = "at://did:plc:6j5zykwrjuarjt7qfn4ngvbc/app.bsky.feed.post/3khws7rgqrcni";
        CHECK(value(c, "SELECT \"replyRoot\" || ' ' || \"replyParent\" || ' ' || langs::text FROM bsky.post WHERE uri = '" +
                           uri + "'") ==
              "at://did:plc:s4ttsddr6n7zolopzrjydqdq/app.bsky.feed.post/3khwfxetgu2ae "
              "at://did:plc:ysgejvukp4usq2f5gbfmbjhl/app.bsky.feed.post/3khwgppqx2sb5 [\"en\"]");
        CHECK(value(c, "SELECT string_agg(reason || ':' || did || ':' || coalesce(\"reasonSubject\", '-'), ' ' "
                       "ORDER BY reason) FROM bsky.notification WHERE \"recordUri\" = '" + uri + "'") ==
              "mention:" + carol + ":- reply:did:plc:s4ttsddr6n7zolopzrjydqdq:"
              "at://did:plc:s4ttsddr6n7zolopzrjydqdq/app.bsky.feed.post/3khwfxetgu2ae");
        CHECK(value(c, "SELECT \"sortAt\" FROM bsky.feed_item WHERE uri = '" + uri + "'") == "2024-01-01T17:52:26.209Z");
    }
    SECTION("a threadgate hides a reply: flagged, not counted, no notification") {
        const std::string reply = "at://did:plc:j5jxhjkjqiltrj3hsu3qwr3y/app.bsky.feed.post/3khxv5jbu5su7";
        CHECK(value(c, "SELECT \"invalidReplyRoot\"::text || ' ' || \"violatesThreadGate\"::text FROM bsky.post "
                       "WHERE uri = '" + reply + "'") == "false true");
        CHECK(value(c, "SELECT count(*) FROM bsky.notification WHERE \"recordUri\" = '" + reply + "'") == "0");
        CHECK(value(c, "SELECT \"replyCount\" FROM bsky.post_agg WHERE uri = 'at://" + alice +
                           "/app.bsky.feed.post/3khxv22zhxcu5'") == "1");
        CHECK(value(c, "SELECT \"hasThreadGate\"::text FROM bsky.post WHERE uri = 'at://" + alice +
                           "/app.bsky.feed.post/3khxv22zhxcu5'") == "true");
    }
    SECTION("a quote against a postgate violates the embedding rules; the quoted post counts both quotes") {
        CHECK(value(c, "SELECT \"violatesEmbeddingRules\"::text FROM bsky.post WHERE uri = 'at://" + bob +
                           "/app.bsky.feed.post/3khxvbg67x2ue'") == "true");
        CHECK(value(c, "SELECT \"quoteCount\" FROM bsky.post_agg WHERE uri = 'at://" + carol +
                           "/app.bsky.feed.post/3khxva2ce4kuc'") == "2");
        CHECK(value(c, "SELECT count(*) FROM bsky.notification WHERE \"recordUri\" = 'at://" + bob +
                           "/app.bsky.feed.post/3khxvbg67x2ue'") == "0");
    }
    SECTION("a deleted list item promotes its duplicate with the duplicate's own indexedAt") {
        CHECK(value(c, "SELECT \"indexedAt\" FROM bsky.list_item WHERE uri = 'at://" + alice +
                           "/app.bsky.graph.listitem/3khwf4zfvss7o'") == "2026-11-27T07:52:04.522Z");
        CHECK(value(c, "SELECT \"duplicateOf\" FROM bsky.duplicate_record WHERE uri = 'at://" + alice +
                           "/app.bsky.graph.listitem/3khwf4zfvss7o'") ==
              "at://" + alice + "/app.bsky.graph.listitem/3khwerws2xc76");
        CHECK(value(c, "SELECT count(*) FROM bsky.list_item WHERE uri = 'at://" + alice +
                           "/app.bsky.graph.listitem/3khwerws2xc76'") == "0");
    }
    SECTION("a like via a repost notifies both and counts on the post") {
        const std::string like = "at://did:plc:22hzdkcgxzvvftgjesk7ecfd/app.bsky.feed.like/3khxi6crv5sfk";
        CHECK(value(c, "SELECT string_agg(reason || ':' || did, ' ' ORDER BY reason) FROM bsky.notification "
                       "WHERE \"recordUri\" = '" + like + "'") ==
              "like:" + alice + " like-via-repost:did:plc:6j5zykwrjuarjt7qfn4ngvbc");
        CHECK(std::stoi(value(c, "SELECT \"likeCount\" FROM bsky.post_agg WHERE uri = 'at://" + alice +
                                     "/app.bsky.feed.post/3khwhoptqjkcb'")) >= 1);
    }
    SECTION("a reply to and a quote of a deleted post") {
        CHECK(value(c, "SELECT \"invalidReplyRoot\"::text FROM bsky.post WHERE uri = 'at://" + carol +
                           "/app.bsky.feed.post/3khxvfu2srkuj'") == "true");
        CHECK(value(c, "SELECT \"replyCount\" || ' ' || \"quoteCount\" FROM bsky.post_agg WHERE uri = 'at://" + bob +
                           "/app.bsky.feed.post/3khxverjpikui'") == "1 1");
        CHECK(value(c, "SELECT count(*) FROM bsky.post WHERE uri = 'at://" + bob + "/app.bsky.feed.post/3khxverjpikui'") ==
              "0");
    }
    SECTION("handle change, deactivation and reactivation, takedown, deletion") {
        CHECK(value(c, "SELECT handle || ' ' || \"indexedAt\" FROM bsky.actor WHERE did = 'did:plc:pkmallfny6jaby6ibwt7uelu'") ==
              "renamed-user.test 2026-11-27T07:52:32.244Z");
        CHECK(value(c, "SELECT \"upstreamStatus\" FROM bsky.actor WHERE did = 'did:plc:6j5zykwrjuarjt7qfn4ngvbc'") ==
              "<null>");
        CHECK(value(c, "SELECT \"upstreamStatus\" FROM bsky.actor WHERE did = 'did:plc:tl4u5buojaqp5oeiyj7cjz6c'") ==
              "deactivated");
        CHECK(value(c, "SELECT \"upstreamStatus\" FROM bsky.actor WHERE did = 'did:plc:6fsvw6taqqovmn2uzlocftqd'") ==
              "takendown");
        CHECK(value(c, "SELECT count(*) FROM bsky.actor WHERE did = 'did:plc:62rihhnzke34xjow65zpa5au'") == "0");
        CHECK(value(c, "SELECT count(*) FROM bsky.record WHERE did = 'did:plc:62rihhnzke34xjow65zpa5au'") == "0");
        CHECK(value(c, "SELECT count(*) FROM bsky.actor_sync WHERE did = 'did:plc:62rihhnzke34xjow65zpa5au'") == "1");
    }
    SECTION("a label and its negation, an account label") {
        CHECK(value(c, "SELECT string_agg(val || ':' || neg::text, ' ' ORDER BY val) FROM bsky.label WHERE uri = "
                       "'at://did:plc:pzms7nu6lrwd4uirf3sdoqyr/app.bsky.feed.post/3khwg3lqmbcaj'") ==
              "peer-custom:false porn:true");
        CHECK(value(c, "SELECT val || ' [' || cid || ']' FROM bsky.label WHERE uri = 'did:plc:s2jrptlhod2roxnxizq443ft'") ==
              "rude []");
    }
    SECTION("lists with items, starter packs, follows and profile counts") {
        CHECK(value(c, "SELECT count(*) FROM bsky.starter_pack") == "2");
        CHECK(std::stoi(value(c, "SELECT count(*) FROM bsky.list_item li JOIN bsky.list l ON l.uri = li.\"listUri\"")) > 0);
        // deleteActor recounts nothing (indexing-semantics §5.3): alice's count still includes the
        // follow of the deleted account, whose follow rows are gone.
        CHECK(value(c, "SELECT \"followersCount\" - (SELECT count(*) FROM bsky.follow WHERE \"subjectDid\" = '" + alice +
                           "') FROM bsky.profile_agg WHERE did = '" + alice + "'") == "1");
    }
}
