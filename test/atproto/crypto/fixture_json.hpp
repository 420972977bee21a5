// Test helpers: locate shared fixtures, load JSON with simdjson's DOM, decode the
// unpadded standard base64 and hex that the crypto fixtures use.
#pragma once

#include <catch2/catch.hpp>
#include <simdjson.h>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

namespace test_crypto {

inline std::string shared_path(const std::string& relative) {
    const char* shared = std::getenv("WINTERMUTE_SHARED");
    REQUIRE(shared != nullptr);
    return std::string(shared) + "/fixtures/" + relative;
}

inline simdjson::dom::element load_json(simdjson::dom::parser& parser, const std::string& relative) {
    simdjson::dom::element root;
    const auto error = parser.load(shared_path(relative)).get(root);
    INFO("fixture " << relative << ": " << simdjson::error_message(error));
    REQUIRE(error == simdjson::SUCCESS);
    return root;
}

inline std::string_view str(simdjson::dom::element e, const char* key) {
    std::string_view out;
    REQUIRE(e[key].get(out) == simdjson::SUCCESS);
    return out;
}

inline std::vector<std::uint8_t> base64(std::string_view text) {
    constexpr std::string_view alphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::vector<std::uint8_t> out;
    unsigned buffer = 0;
    int bits = 0;
    for (char c : text) {
        if (c == '=') break;
        const auto index = alphabet.find(c);
        REQUIRE(index != std::string_view::npos);
        buffer = buffer << 6 | static_cast<unsigned>(index);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(static_cast<std::uint8_t>(buffer >> bits & 0xff));
        }
    }
    return out;
}

inline std::vector<std::uint8_t> hex(std::string_view text) {
    std::vector<std::uint8_t> out;
    for (std::size_t i = 0; i + 1 < text.size(); i += 2) {
        out.push_back(static_cast<std::uint8_t>(std::stoi(std::string(text.substr(i, 2)), nullptr, 16)));
    }
    return out;
}

}  // namespace test_crypto
