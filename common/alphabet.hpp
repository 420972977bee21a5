// Inverse tables of text encodings' alphabets (base58btc, base32-sortable, …), built at compile
// time: byte → digit value, -1 for bytes outside the alphabet.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace common {

constexpr std::array<std::int8_t, 256> inverse_alphabet(std::string_view alphabet) {
    std::array<std::int8_t, 256> table{};
    table.fill(-1);
    for (std::size_t i = 0; i < alphabet.size(); ++i) {
        table[static_cast<unsigned char>(alphabet[i])] = static_cast<std::int8_t>(i);
    }
    return table;
}

}  // namespace common
