#include "stages/socket_read/message_assembler.hpp"

#include <catch2/catch.hpp>

using stages::socket_read::MessageAssembler;
using Status = MessageAssembler::Status;

namespace {

std::vector<std::byte> bytes(std::size_t n, std::uint8_t fill) { return std::vector<std::byte>(n, std::byte{fill}); }

}  // namespace

TEST_CASE("chunks of one message are joined in order", "[socket_read][message_assembler]") {
    MessageAssembler assembler(100);
    const auto a = bytes(30, 1);
    const auto b = bytes(40, 2);
    CHECK(assembler.add(a, false, 40) == Status::incomplete);
    CHECK(assembler.add(b, true) == Status::complete);
    auto message = assembler.take();
    REQUIRE(message.size() == 70);
    CHECK(message[29] == std::byte{1});
    CHECK(message[30] == std::byte{2});
    CHECK(assembler.add(a, true) == Status::complete);
    CHECK(assembler.take().size() == 30);
}

TEST_CASE("a message exactly at the limit is kept and one byte more is refused once",
          "[socket_read][message_assembler]") {
    MessageAssembler assembler(100);
    CHECK(assembler.add(bytes(100, 1), true) == Status::complete);
    CHECK(assembler.take().size() == 100);
    CHECK(assembler.add(bytes(60, 1), false) == Status::incomplete);
    CHECK(assembler.add(bytes(41, 1), false) == Status::refused);
    CHECK(assembler.add(bytes(500, 1), false) == Status::incomplete);
    CHECK(assembler.add(bytes(5, 1), true) == Status::incomplete);
    CHECK(assembler.add(bytes(7, 3), true) == Status::complete);
    CHECK(assembler.take() == bytes(7, 3));
}

TEST_CASE("a refused single-chunk message does not poison the next one", "[socket_read][message_assembler]") {
    MessageAssembler assembler(10);
    CHECK(assembler.add(bytes(11, 1), true) == Status::refused);
    CHECK(assembler.add(bytes(10, 2), true) == Status::complete);
    CHECK(assembler.take() == bytes(10, 2));
}

TEST_CASE("reset forgets a half-received message", "[socket_read][message_assembler]") {
    MessageAssembler assembler(100);
    CHECK(assembler.add(bytes(20, 1), false) == Status::incomplete);
    assembler.reset();
    CHECK(assembler.add(bytes(5, 2), true) == Status::complete);
    CHECK(assembler.take() == bytes(5, 2));
}
