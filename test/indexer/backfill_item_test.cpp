#include <catch2/catch.hpp>

#include "indexer/backfill_item.hpp"

using indexer::BackfillItem;
using indexer::BackfillItemCodec;
using stages::classify::OpKind;

namespace {

BackfillItem sample() {
    BackfillItem item;
    item.stream = 0x0102030405060708;
    item.op.kind = OpKind::repo_record;
    item.op.seq = -5;
    item.op.did = "did:plc:6hf3ere46otfb636zn7mt2lv";
    item.op.uri = "at://did:plc:6hf3ere46otfb636zn7mt2lv/app.bsky.feed.post/3k";
    item.op.cid = "bafyreibbvuvlyhgpw46oktgv7ggfpuivms3y7xsfocxsys2ahdyr4uyola";
    item.op.json = std::string("{\"text\":\"nul \0 inside\"}", 23);
    item.op.created_at = "2026-11-27T00:00:00.000Z";
    item.op.extra = "app.bsky.feed.post";
    item.op.set_based = false;
    item.op.reply_parent = "at://did:plc:ewvi7nxzyoun6zhxrhs64oiz/app.bsky.feed.post/3a";
    item.op.reply_root = "at://did:plc:ewvi7nxzyoun6zhxrhs64oiz/app.bsky.feed.post/3b";
    return item;
}

}  // namespace

TEST_CASE("a backfill item survives its spill encoding, absent optionals and empty strings included",
          "[indexer][backfill_item]") {
    const BackfillItemCodec codec;
    auto item = sample();
    auto decoded = codec.decode(codec.encode(item));
    REQUIRE(decoded);
    CHECK(decoded->stream == item.stream);
    CHECK(decoded->op.kind == item.op.kind);
    CHECK(decoded->op.seq == -5);
    CHECK(decoded->op.did == item.op.did);
    CHECK(decoded->op.uri == item.op.uri);
    CHECK(decoded->op.cid == item.op.cid);
    CHECK(decoded->op.rev.empty());
    CHECK(decoded->op.json == item.op.json);
    CHECK(decoded->op.created_at == item.op.created_at);
    CHECK(decoded->op.extra == item.op.extra);
    // What the batch writer's SetGroup reads: lost, the backfill would apply everything one by one.
    CHECK_FALSE(decoded->op.set_based);
    CHECK(decoded->op.reply_parent == item.op.reply_parent);
    CHECK(decoded->op.reply_root == item.op.reply_root);
    item.op.set_based = true;
    item.op.subject = "did:plc:ewvi7nxzyoun6zhxrhs64oiz";
    decoded = codec.decode(codec.encode(item));
    REQUIRE(decoded);
    CHECK(decoded->op.set_based);
    CHECK(decoded->op.subject == item.op.subject);

    item.op.kind = OpKind::repo_end;
    item.op.created_at.reset();
    item.op.extra.reset();
    decoded = codec.decode(codec.encode(item));
    REQUIRE(decoded);
    CHECK(decoded->op.kind == OpKind::repo_end);
    CHECK_FALSE(decoded->op.created_at);
    CHECK_FALSE(decoded->op.extra);
}

TEST_CASE("truncated, extended or unknown spill bytes do not decode", "[indexer][backfill_item]") {
    const BackfillItemCodec codec;
    const auto bytes = codec.encode(sample());
    for (std::size_t size = 0; size < bytes.size(); ++size) {
        INFO(size);
        CHECK_FALSE(codec.decode(std::span(bytes).first(size)));
    }
    auto longer = bytes;
    longer.push_back(std::byte{0});
    CHECK_FALSE(codec.decode(longer));
    auto other_version = bytes;
    other_version[0] = std::byte{9};
    CHECK_FALSE(codec.decode(other_version));
    auto unknown_kind = bytes;
    unknown_kind[9] = std::byte{200};
    CHECK_FALSE(codec.decode(unknown_kind));
}
