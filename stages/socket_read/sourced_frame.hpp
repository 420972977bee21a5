// SourcedFrame: a RawFrame stamped with the index of the connection it came from and its arrival
// index there, so that stages running in parallel can be put back in arrival order by the writer.
// Move-only value item of the `frames` queue.
#pragma once

#include <cstdint>
#include <string>

#include "stages/socket_read/raw_frame.hpp"

namespace stages::socket_read {

struct SourcedFrame {
    std::uint32_t source = 0;
    std::uint64_t ordinal = 0;
    RawFrame raw;

    [[nodiscard]] std::string describe() const {
        return raw.host + " frame #" + std::to_string(ordinal);
    }
};

}  // namespace stages::socket_read
