// libFuzzer target: repo CAR → commit → MST walk → record JSON. Hash checks are off so that
// mutated blocks reach the commit and MST decoders instead of failing the CID check.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "atproto/cbor/json.hpp"
#include "atproto/repo/mst_walker.hpp"
#include "atproto/repo/repo.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::span<const std::byte> bytes(reinterpret_cast<const std::byte*>(data), size);
    auto repo = atproto::repo::open_repo(bytes, {.verify_hashes = false});
    if (!repo) return 0;
    std::vector<std::byte> unsigned_commit;
    (void)atproto::repo::unsigned_commit(repo->commit_block, unsigned_commit);
    atproto::repo::MstWalker walker(repo->blocks, repo->commit.data, {.require_records = false});
    atproto::repo::Leaf leaf;
    std::string json;
    for (;;) {
        auto more = walker.next(leaf);
        if (!more || !*more) break;
        json.clear();
        if (leaf.present) (void)atproto::cbor::to_json(leaf.record, json);
    }
    return 0;
}
