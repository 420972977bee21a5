// SpillCodec: how an OverflowQueue item becomes spill bytes and back, and Delivery: an item handed to a consumer
// with the spill id to acknowledge when it came from the spill. Thread-safety: codecs are called under the queue's
// lock, one call at a time.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace storage::spill {

// How an item becomes spill bytes and back. decode() returns nullopt for bytes it cannot read.
template <class C, class T>
concept SpillCodec = requires(const C& codec, const T& item, std::span<const std::byte> bytes) {
    { codec.encode(item) } -> std::convertible_to<std::vector<std::byte>>;
    { codec.decode(bytes) } -> std::same_as<std::optional<T>>;
};

template <class T>
struct Delivery {
    T item;
    std::optional<std::uint64_t> spill_id;  // set when the item came from the spill: pass it to ack() when done
};

}  // namespace storage::spill
