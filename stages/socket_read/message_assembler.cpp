#include "stages/socket_read/message_assembler.hpp"

#include <algorithm>
#include <utility>

namespace stages::socket_read {

MessageAssembler::Status MessageAssembler::add(std::span<const std::byte> chunk, bool final,
                                               std::size_t remaining) {
    Status status = Status::incomplete;
    if (!skipping_) {
        // buffer_ never exceeds max_bytes_, so the subtraction cannot wrap.
        if (chunk.size() > max_bytes_ - buffer_.size()) {
            skipping_ = true;
            std::vector<std::byte>().swap(buffer_);
            status = Status::refused;
        } else {
            if (buffer_.empty()) buffer_.reserve(std::min(max_bytes_, chunk.size() + remaining));
            buffer_.insert(buffer_.end(), chunk.begin(), chunk.end());
        }
    }
    if (!final) return status;
    if (skipping_) {
        skipping_ = false;
        return status;
    }
    return Status::complete;
}

std::vector<std::byte> MessageAssembler::take() noexcept { return std::exchange(buffer_, {}); }

void MessageAssembler::reset() noexcept {
    std::vector<std::byte>().swap(buffer_);
    skipping_ = false;
}

}  // namespace stages::socket_read
