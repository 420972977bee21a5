#include "bin/inspect_frames.hpp"

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string_view>

#include <fmt/core.h>

#include "atproto/car/block_index.hpp"
#include "atproto/cbor/json.hpp"
#include "atproto/frame/frame.hpp"
#include "bin/read_file.hpp"

namespace bin {

namespace {

using atproto::Expected;

void append_optional_cid(std::string& out, const std::optional<atproto::Cid>& cid) {
    if (!cid) {
        out.append("null");
        return;
    }
    out.push_back('"');
    cid->append_to(out);
    out.push_back('"');
}

// `"header":{…},"body":{…}`: the header as is, the body's fields in CBOR order without `blocks`.
Expected<void> append_header_and_body(std::string& out, std::span<const std::byte> bytes) {
    atproto::cbor::Reader reader(bytes);
    out.append(R"("header":)");
    if (auto r = atproto::cbor::write_json(reader, out); !r) return r;
    out.append(R"(,"body":{)");
    auto map = reader.next(atproto::cbor::Kind::map);
    if (!map) return tl::unexpected(map.error());
    bool first = true;
    for (std::uint64_t i = 0; i < map->count; ++i) {
        auto key = reader.next(atproto::cbor::Kind::text);
        if (!key) return tl::unexpected(key.error());
        if (key->text == "blocks") {
            if (auto r = reader.skip(); !r) return r;
            continue;
        }
        if (!first) out.push_back(',');
        first = false;
        atproto::cbor::append_json_string(out, key->text);
        out.push_back(':');
        if (auto r = atproto::cbor::write_json(reader, out); !r) return r;
    }
    out.push_back('}');
    return reader.finish();
}

// `,"ops":[{action, path, cid, prev, record}]`; record is null for deletes and absent blocks.
Expected<void> append_ops(std::string& out, const atproto::frame::Commit& commit) {
    auto reader = atproto::car::CarReader::open(commit.blocks);
    if (!reader) return tl::unexpected(reader.error());
    auto blocks = atproto::car::BlockIndex::build(*reader);
    if (!blocks) return tl::unexpected(blocks.error());
    out.append(R"(,"ops":[)");
    for (std::size_t i = 0; i < commit.ops.size(); ++i) {
        const auto& op = commit.ops[i];
        out.append(i == 0 ? R"({"action":)" : R"(,{"action":)");
        atproto::cbor::append_json_string(out, op.action);
        out.append(R"(,"path":)");
        atproto::cbor::append_json_string(out, op.path);
        out.append(R"(,"cid":)");
        append_optional_cid(out, op.cid);
        out.append(R"(,"prev":)");
        append_optional_cid(out, op.prev);
        out.append(R"(,"record":)");
        const auto record = op.cid ? blocks->find(*op.cid) : std::nullopt;
        if (!record) {
            out.append("null}");
            continue;
        }
        if (auto r = atproto::cbor::to_json(*record, out); !r) {
            atproto::Error error = r.error();
            error.cid = *op.cid;
            return tl::unexpected(error);
        }
        out.push_back('}');
    }
    out.push_back(']');
    return {};
}

Expected<void> append_frame(std::string& out, std::size_t index, std::span<const std::byte> bytes) {
    auto frame = atproto::frame::decode_frame(bytes);
    if (!frame) return tl::unexpected(frame.error());
    out.assign(fmt::format(R"({{"index":{},)", index));
    if (auto r = append_header_and_body(out, bytes); !r) return r;
    if (const auto* commit = std::get_if<atproto::frame::Commit>(&frame->body)) {
        if (auto r = append_ops(out, *commit); !r) return r;
    }
    out.append("}\n");
    return {};
}

}  // namespace

int inspect_frames(const std::string& path) {
    const auto file = read_file(path);
    if (!file) {
        fmt::print(stderr, "wintermute inspect: cannot read {}\n", path);
        return 1;
    }
    const std::span<const std::byte> bytes(*file);
    int status = 0;
    std::string line;
    std::size_t pos = 0;
    for (std::size_t index = 0; pos < bytes.size(); ++index) {
        std::uint32_t length = 0;
        if (bytes.size() - pos < sizeof length ||
            (std::memcpy(&length, bytes.data() + pos, sizeof length), bytes.size() - pos - sizeof length < length)) {
            fmt::print(stderr, "wintermute inspect: {}: frame {} at byte {}: truncated record\n", path, index, pos);
            return 1;
        }
        const auto frame = bytes.subspan(pos + sizeof length, length);
        pos += sizeof length + length;
        if (auto r = append_frame(line, index, frame); !r) {
            fmt::print(stderr, "wintermute inspect: {}: frame {}: {}\n", path, index, r.error().describe());
            status = 1;
            continue;
        }
        std::fwrite(line.data(), 1, line.size(), stdout);
    }
    return status;
}

}  // namespace bin
