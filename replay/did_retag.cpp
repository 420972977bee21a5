#include "replay/did_retag.hpp"

#include <stdexcept>
#include <string_view>

namespace replay {
namespace {

constexpr std::string_view prefix = "did:plc:";
constexpr std::size_t suffix_length = 24;
constexpr std::string_view base32 = "abcdefghijklmnopqrstuvwxyz234567";

bool is_base32(std::byte b) {
    const auto c = std::to_integer<char>(b);
    return (c >= 'a' && c <= 'z') || (c >= '2' && c <= '7');
}

}  // namespace

std::vector<std::size_t> find_plc_dids(std::span<const std::byte> bytes) {
    std::vector<std::size_t> found;
    const std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    const std::size_t whole = prefix.size() + suffix_length;
    for (auto at = text.find(prefix); at != std::string_view::npos; at = text.find(prefix, at + 1)) {
        if (text.size() - at < whole) break;
        std::size_t i = at + prefix.size();
        while (i < at + whole && is_base32(bytes[i])) ++i;
        if (i == at + whole) found.push_back(at);
    }
    return found;
}

void retag_plc_dids(std::span<std::byte> bytes, std::uint32_t tag) {
    if (tag >= plc_tag_count) throw std::logic_error("did:plc tag out of range");
    std::byte digits[plc_tag_length];
    for (std::size_t i = plc_tag_length; i-- > 0; tag /= 32) digits[i] = static_cast<std::byte>(base32[tag % 32]);
    for (const auto at : find_plc_dids(bytes)) {
        const std::size_t end = at + prefix.size() + suffix_length;
        for (std::size_t i = 0; i < plc_tag_length; ++i) bytes[end - plc_tag_length + i] = digits[i];
    }
}

}  // namespace replay
