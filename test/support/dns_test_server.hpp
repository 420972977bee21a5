// TestDnsServer: answers DNS TXT queries over UDP on 127.0.0.1 from a fixed table (unknown
// names: NXDOMAIN; a name mapped to "SERVFAIL": server failure), so that resolver code can be
// tested without the network. Also builds the answer messages for parser tests.
// Thread-safety: one serving thread; records() may be read from any thread.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <thread>
#include <vector>

namespace test_support {

class TestDnsServer {
public:
    // name (no trailing dot) → TXT records, each given as its character-strings.
    using Table = std::map<std::string, std::vector<std::vector<std::string>>>;

    explicit TestDnsServer(Table table);   // Throws std::system_error.
    ~TestDnsServer();
    TestDnsServer(const TestDnsServer&) = delete;
    TestDnsServer& operator=(const TestDnsServer&) = delete;

    [[nodiscard]] std::string address() const;   // "127.0.0.1:<port>"

    // A response to `query` (a DNS message with one question) from `table`.
    [[nodiscard]] static std::vector<unsigned char> answer(const std::vector<unsigned char>& query, const Table& table);

private:
    void serve();

    Table table_;
    int fd_ = -1;
    int stop_fd_ = -1;
    std::uint16_t port_ = 0;
    std::thread thread_;
};

}  // namespace test_support
