#include "test/atproto/fixtures.hpp"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <stdexcept>

#include "atproto/base_encoding.hpp"
#include "atproto/cbor/json.hpp"
#include "atproto/cbor/writer.hpp"

namespace test_atproto {

std::string shared_path(std::string_view relative) {
    const char* root = std::getenv("WINTERMUTE_SHARED");
    if (root == nullptr) throw std::runtime_error("WINTERMUTE_SHARED is not set");
    return std::string(root) + "/" + std::string(relative);
}

std::vector<std::byte> read_bytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + path);
    std::vector<char> chars((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::vector<std::byte> out(chars.size());
    std::transform(chars.begin(), chars.end(), out.begin(), [](char c) { return std::byte(c); });
    return out;
}

std::string read_text(const std::string& path) {
    const auto bytes = read_bytes(path);
    return std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

std::vector<std::byte> hex(std::string_view text) {
    std::vector<std::byte> out;
    int high = -1;
    for (char c : text) {
        if (c == ' ') continue;
        const int v = c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
        if (high < 0) {
            high = v;
        } else {
            out.push_back(std::byte((high << 4) | v));
            high = -1;
        }
    }
    if (high >= 0) throw std::runtime_error("odd hex string");
    return out;
}

std::vector<std::byte> base64(std::string_view text) {
    auto bytes = atproto::decode_base64(text);
    if (!bytes) throw std::runtime_error("bad base64 in a fixture");
    return *bytes;
}

std::string canonical(simdjson::dom::element element) {
    using simdjson::dom::element_type;
    std::string out;
    switch (element.type()) {
        case element_type::OBJECT: {
            std::map<std::string, std::string> fields;
            simdjson::dom::object object;
            if (element.get(object) != simdjson::SUCCESS) throw std::runtime_error("not an object");
            for (auto field : object) fields[std::string(field.key)] = canonical(field.value);
            out.push_back('{');
            for (const auto& [k, v] : fields) {
                if (out.size() > 1) out.push_back(',');
                atproto::cbor::append_json_string(out, k);
                out += ":" + v;
            }
            out.push_back('}');
            return out;
        }
        case element_type::ARRAY: {
            out.push_back('[');
            simdjson::dom::array array;
            if (element.get(array) != simdjson::SUCCESS) throw std::runtime_error("not an array");
            for (auto v : array) {
                if (out.size() > 1) out.push_back(',');
                out += canonical(v);
            }
            out.push_back(']');
            return out;
        }
        case element_type::STRING: atproto::cbor::append_json_string(out, element.get_string().value()); return out;
        case element_type::INT64: return std::to_string(element.get_int64().value());
        case element_type::UINT64: return std::to_string(element.get_uint64().value());
        case element_type::DOUBLE: return std::to_string(element.get_double().value());
        case element_type::BOOL: return element.get_bool().value() ? "true" : "false";
        case element_type::NULL_VALUE: return "null";
    }
    return out;
}

simdjson::dom::array array(simdjson::dom::element element) {
    simdjson::dom::array out;
    if (element.get(out) != simdjson::SUCCESS) throw std::runtime_error("not an array");
    return out;
}

std::string canonical_json(std::string_view json) {
    simdjson::dom::parser parser;
    simdjson::padded_string padded(json);
    return canonical(parser.parse(padded).value());
}

std::vector<std::string> fixture_cars_with_expected() {
    std::vector<std::string> out;
    const std::filesystem::path root = shared_path("fixtures");
    for (const auto& entry : std::filesystem::recursive_directory_iterator(root)) {
        const auto& path = entry.path();
        if (path.extension() != ".car") continue;
        auto expected = path;
        expected.replace_extension(".expected.json");
        if (std::filesystem::exists(expected)) out.push_back(std::filesystem::relative(path, root).string());
    }
    std::sort(out.begin(), out.end());
    return out;
}

std::vector<std::vector<std::byte>> split_frames(const std::vector<std::byte>& file) {
    std::vector<std::vector<std::byte>> frames;
    std::size_t pos = 0;
    while (pos + 4 <= file.size()) {
        std::uint32_t len = 0;
        std::memcpy(&len, file.data() + pos, 4);
        pos += 4;
        if (pos + len > file.size()) throw std::runtime_error("frame capture truncated");
        frames.emplace_back(file.begin() + static_cast<std::ptrdiff_t>(pos),
                            file.begin() + static_cast<std::ptrdiff_t>(pos + len));
        pos += len;
    }
    if (pos != file.size()) throw std::runtime_error("frame capture has trailing bytes");
    return frames;
}

TestBlock block_of(std::vector<std::byte> data) {
    const auto cid = atproto::Cid::of(atproto::Cid::dag_cbor, data);
    return TestBlock{cid, std::move(data)};
}

namespace {
void append_varint(std::vector<std::byte>& out, std::uint64_t value) {
    do {
        auto byte = static_cast<std::uint8_t>(value & 0x7f);
        value >>= 7;
        if (value != 0) byte |= 0x80;
        out.push_back(std::byte{byte});
    } while (value != 0);
}
}  // namespace

std::vector<std::byte> make_car(const std::vector<atproto::Cid>& roots, const std::vector<TestBlock>& blocks) {
    std::vector<std::byte> header;
    atproto::cbor::Writer writer(header);
    writer.map_head(2);
    writer.text("roots");
    writer.array_head(roots.size());
    for (const auto& root : roots) writer.link(root);
    writer.text("version");
    writer.integer(1);
    std::vector<std::byte> car;
    append_varint(car, header.size());
    car.insert(car.end(), header.begin(), header.end());
    for (const auto& block : blocks) {
        const auto cid = block.cid.binary();
        append_varint(car, cid.size() + block.data.size());
        car.insert(car.end(), cid.begin(), cid.end());
        car.insert(car.end(), block.data.begin(), block.data.end());
    }
    return car;
}

}  // namespace test_atproto
