// libFuzzer target: one firehose frame → typed decode; for #commit, the CAR slice (hash checks
// off, so mutated blocks reach the decoders), the commit, every op record's JSON and the Sync 1.1
// inversion of the ops on the partial MST.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <variant>

#include "atproto/car/block_index.hpp"
#include "atproto/cbor/json.hpp"
#include "atproto/frame/frame.hpp"
#include "atproto/repo/commit.hpp"
#include "atproto/verify/commit_proof.hpp"

namespace {

void fuzz_commit(const atproto::frame::Commit& commit) {
    auto reader = atproto::car::CarReader::open(commit.blocks, {.verify_hashes = false});
    if (!reader) return;
    auto blocks = atproto::car::BlockIndex::build(*reader);
    if (!blocks) return;
    std::string json;
    for (const auto& op : commit.ops) {
        const auto record = op.cid ? blocks->find(*op.cid) : std::nullopt;
        json.clear();
        if (record) (void)atproto::cbor::to_json(*record, json);
    }
    const auto block = blocks->find(commit.commit);
    if (!block) return;
    auto decoded = atproto::repo::decode_commit(*block);
    if (!decoded) return;
    auto previous = atproto::verify::invert_ops(*blocks, decoded->data, commit.ops);
    if (previous && commit.prev_data) (void)(*previous == *commit.prev_data);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::span<const std::byte> bytes(reinterpret_cast<const std::byte*>(data), size);
    auto frame = atproto::frame::decode_frame(bytes);
    if (!frame) return 0;
    (void)atproto::frame::seq_of(*frame);
    if (const auto* commit = std::get_if<atproto::frame::Commit>(&frame->body)) fuzz_commit(*commit);
    return 0;
}
