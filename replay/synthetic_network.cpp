#include "replay/synthetic_network.hpp"

#include <cstring>
#include <fstream>
#include <numeric>
#include <random>

#include <fmt/format.h>

#include "atproto/cbor/from_json.hpp"
#include "atproto/cbor/writer.hpp"
#include "atproto/repo/commit.hpp"
#include "atproto/repo/mst_tree.hpp"
#include "atproto/sha256.hpp"
#include "atproto/syntax/tid.hpp"
#include "replay/repo_signer.hpp"

namespace replay {

namespace {

namespace fs = std::filesystem;

// A 32-byte value derived from the seed, a purpose and an index.
atproto::Digest derive(std::uint64_t seed, std::string_view purpose, std::size_t index) {
    const auto text = fmt::format("{}/{}/{}", seed, purpose, index);
    return atproto::sha256(std::as_bytes(std::span(text.data(), text.size())));
}

std::string make_did(std::uint64_t seed, std::size_t index) {
    static constexpr std::string_view alphabet = "abcdefghijklmnopqrstuvwxyz234567";
    const auto digest = derive(seed, "did", index);
    std::string did = "did:plc:";
    for (std::size_t i = 0; i < 24; ++i) did += alphabet[std::to_integer<unsigned>(digest[i]) % 32];
    return did;
}

// Records per repo (profile included): log-normal weights scaled to the total, at least one each.
std::vector<std::size_t> repo_sizes(const SyntheticNetworkSpec& spec) {
    std::mt19937_64 rng(spec.seed);
    std::lognormal_distribution<double> spread(0.0, spec.size_spread);
    std::vector<double> weights(spec.repos);
    for (auto& w : weights) w = spread(rng);
    const double total = std::accumulate(weights.begin(), weights.end(), 0.0);
    const auto extra = spec.records - spec.repos;
    std::vector<std::size_t> sizes(spec.repos, 1);
    std::size_t given = 0;
    for (std::size_t i = 0; i < spec.repos; ++i) {
        const auto share = static_cast<std::size_t>(weights[i] / total * static_cast<double>(extra));
        sizes[i] += share;
        given += share;
    }
    for (std::size_t i = 0; given < extra; ++given, i = (i + 1) % spec.repos) ++sizes[i];
    return sizes;
}

void put_block(std::string& car, const atproto::Cid& cid, std::span<const std::byte> block) {
    std::uint64_t length = atproto::Cid::binary_size + block.size();
    while (length >= 0x80) {
        car += static_cast<char>((length & 0x7f) | 0x80);
        length >>= 7;
    }
    car += static_cast<char>(length);
    const auto binary = cid.binary();
    car.append(reinterpret_cast<const char*>(binary.data()), binary.size());
    car.append(reinterpret_cast<const char*>(block.data()), block.size());
}

struct RepoOut {
    std::string car;
    atproto::Cid head;
    std::string rev;
};

class Builder {
public:
    Builder(const SyntheticNetworkSpec& spec, SyntheticNetwork& summary)
        : summary_(summary), records_(spec.seed, spec.mix) {}

    common::Result<RepoOut> repo(std::size_t index, const std::vector<std::string>& dids, const std::string& handle,
                                 std::size_t size, const RepoSigner& signer) {
        const auto& did = dids[index];
        atproto::repo::MstTree tree;
        std::string blocks;
        for (std::size_t i = 0; i < size; ++i) {
            const auto record = i == 0 ? records_.profile(handle) : records_.next(did, posts_, dids);
            std::vector<std::byte> block;
            if (auto encoded = encoder_.encode(record.json, block); !encoded) {
                return common::fail(fmt::format("generated record does not encode: {}", record.json));
            }
            const auto cid = atproto::Cid::of(atproto::Cid::dag_cbor, block);
            if (!tree.insert(record.collection + "/" + record.rkey, cid)) return common::fail("MST insert failed");
            put_block(blocks, cid, block);
            ++summary_.collections[record.collection];
            if (record.collection == "app.bsky.feed.post") {
                posts_.push_back({fmt::format("at://{}/app.bsky.feed.post/{}", did, record.rkey), cid.to_string()});
            }
        }
        std::vector<atproto::repo::EncodedNode> nodes;
        const auto root = tree.root_cid(&nodes);
        for (const auto& node : nodes) put_block(blocks, node.cid, node.block);
        RepoOut out;
        out.rev = atproto::syntax::encode_tid({1'767'225'600'000'000 + index, 0});  // 2026-01-01
        const auto unsigned_bytes = atproto::repo::encode_commit(did, out.rev, root, {});
        const auto digest = atproto::sha256(unsigned_bytes);
        const auto sig = signer.sign(std::span<const std::uint8_t, 32>(
            reinterpret_cast<const std::uint8_t*>(digest.data()), 32));
        const auto commit = atproto::repo::encode_commit(did, out.rev, root, std::as_bytes(std::span(sig)));
        out.head = atproto::Cid::of(atproto::Cid::dag_cbor, commit);
        std::vector<std::byte> header;
        atproto::cbor::Writer h(header);
        h.map_head(2);
        h.text("roots");
        h.array_head(1);
        h.link(out.head);
        h.text("version");
        h.integer(1);
        auto length = header.size();
        for (; length >= 0x80; length >>= 7) out.car += static_cast<char>((length & 0x7f) | 0x80);
        out.car += static_cast<char>(length);
        out.car.append(reinterpret_cast<const char*>(header.data()), header.size());
        put_block(out.car, out.head, commit);
        out.car += blocks;
        return out;
    }

private:
    SyntheticNetwork& summary_;
    SyntheticRecords records_;
    atproto::cbor::JsonEncoder encoder_;
    std::vector<PostRef> posts_;
};

std::string did_document(const std::string& did, const std::string& handle, const atproto::crypto::PublicKey& key) {
    // The PDS endpoint is rewritten to the serving address by identity_routes.
    return fmt::format(
        R"({{"@context":["https://www.w3.org/ns/did/v1","https://w3id.org/security/multikey/v1"],"id":"{0}",)"
        R"("alsoKnownAs":["at://{1}"],"verificationMethod":[{{"id":"{0}#atproto","type":"Multikey",)"
        R"("controller":"{0}","publicKeyMultibase":"{2}"}}],"service":[{{"id":"#atproto_pds",)"
        R"("type":"AtprotoPersonalDataServer","serviceEndpoint":"http://localhost:1"}}]}})",
        did, handle, key.multikey());
}

bool write_file(const fs::path& path, std::string_view bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    return static_cast<bool>(out);
}

}  // namespace

common::Result<SyntheticNetwork> write_synthetic_network(const SyntheticNetworkSpec& spec, const fs::path& dir) {
    if (spec.repos == 0 || spec.records < spec.repos) return common::fail("at least one record (a profile) per repo");
    std::error_code ec;
    fs::create_directories(dir / "repos", ec);
    fs::create_directories(dir / "plc", ec);
    if (ec) return common::fail(fmt::format("cannot create {}: {}", dir.string(), ec.message()));
    std::vector<std::string> dids;
    for (std::size_t i = 0; i < spec.repos; ++i) dids.push_back(make_did(spec.seed, i));
    const auto sizes = repo_sizes(spec);
    SyntheticNetwork summary;
    Builder builder(spec, summary);
    std::string pages = "[", handles = "{", page;
    for (std::size_t i = 0; i < spec.repos; ++i) {
        const auto handle = fmt::format("u{:06}.s{}.bench.test", i, spec.seed);  // distinct across seeds
        const auto seed = derive(spec.seed, "key", i);
        std::array<std::uint8_t, 32> secret{};
        std::memcpy(secret.data(), seed.data(), secret.size());
        auto signer = RepoSigner::create(secret);
        if (!signer) return tl::unexpected(signer.error());
        auto repo = builder.repo(i, dids, handle, sizes[i], *signer);
        if (!repo) return tl::unexpected(repo.error());
        if (!write_file(dir / "repos" / (dids[i] + ".car"), repo->car) ||
            !write_file(dir / "plc" / (dids[i] + ".json"), did_document(dids[i], handle, signer->public_key()))) {
            return common::fail("cannot write into " + dir.string());
        }
        summary.car_bytes += repo->car.size();
        summary.records += sizes[i];
        summary.largest_repo = std::max(summary.largest_repo, sizes[i]);
        handles += fmt::format(R"({}"{}":"{}")", i > 0 ? "," : "", dids[i], handle);
        page += fmt::format(R"({}{{"did":"{}","head":"{}","rev":"{}","active":true}})", page.empty() ? "" : ",",
                            dids[i], repo->head.to_string(), repo->rev);
        const bool last = i + 1 == spec.repos;
        if ((i + 1) % spec.page_size == 0 || last) {
            const auto cursor = last ? std::string() : fmt::format(R"("cursor":"{}",)", dids[i]);
            pages += fmt::format(R"({}{{{}"repos":[{}]}})", pages.size() > 1 ? "," : "", cursor, page);
            page.clear();
        }
    }
    summary.repos = spec.repos;
    if (!write_file(dir / "listRepos.json", pages + "]") || !write_file(dir / "plc" / "handles.json", handles + "}") ||
        !write_file(dir / "meta.json", R"({"repoStatus":{}})")) {
        return common::fail("cannot write into " + dir.string());
    }
    return summary;
}

}  // namespace replay
