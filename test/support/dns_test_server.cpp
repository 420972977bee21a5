#include "test/support/dns_test_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

#include <fmt/format.h>

namespace test_support {

namespace {

// The question's name in dotted form and where the question section ends; nullopt-like empty
// name when the message is malformed.
std::string question_name(const std::vector<unsigned char>& query, std::size_t& end) {
    std::string name;
    std::size_t at = 12;
    while (at < query.size() && query[at] != 0) {
        const std::size_t length = query[at];
        if (at + 1 + length > query.size()) return {};
        if (!name.empty()) name += '.';
        name.append(reinterpret_cast<const char*>(&query[at + 1]), length);
        at += 1 + length;
    }
    end = at + 1 + 4;   // zero label, QTYPE, QCLASS
    return name;
}

void put16(std::vector<unsigned char>& out, unsigned value) {
    out.push_back(static_cast<unsigned char>(value >> 8));
    out.push_back(static_cast<unsigned char>(value & 0xff));
}

}  // namespace

std::vector<unsigned char> TestDnsServer::answer(const std::vector<unsigned char>& query, const Table& table) {
    std::size_t question_end = 0;
    const std::string name = question_name(query, question_end);
    if (query.size() < 12 || question_end > query.size()) return {};
    std::vector<unsigned char> out(query.begin(), query.begin() + static_cast<long>(question_end));
    const auto found = table.find(name);
    const bool servfail = found != table.end() && !found->second.empty() && !found->second[0].empty() &&
                          found->second[0][0] == "SERVFAIL";
    const unsigned rcode = found == table.end() ? 3 : servfail ? 2 : 0;
    out[2] = 0x81;   // response, recursion desired
    out[3] = static_cast<unsigned char>(0x80 | rcode);
    const std::size_t count = rcode == 0 ? found->second.size() : 0;
    out[6] = 0;
    out[7] = static_cast<unsigned char>(count);
    out[8] = out[9] = out[10] = out[11] = 0;
    for (std::size_t i = 0; i < count; ++i) {
        std::vector<unsigned char> rdata;
        for (const auto& piece : found->second[i]) {
            rdata.push_back(static_cast<unsigned char>(piece.size()));
            rdata.insert(rdata.end(), piece.begin(), piece.end());
        }
        put16(out, 0xc00c);   // the question's name
        put16(out, 16);       // TXT
        put16(out, 1);        // IN
        put16(out, 0);
        put16(out, 60);       // TTL
        put16(out, static_cast<unsigned>(rdata.size()));
        out.insert(out.end(), rdata.begin(), rdata.end());
    }
    return out;
}

TestDnsServer::TestDnsServer(Table table) : table_(std::move(table)) {
    fd_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) throw std::system_error(errno, std::generic_category(), "socket");
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
        throw std::system_error(errno, std::generic_category(), "bind");
    }
    socklen_t length = sizeof address;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
    stop_fd_ = ::eventfd(0, EFD_CLOEXEC);
    thread_ = std::thread([this] { serve(); });
}

TestDnsServer::~TestDnsServer() {
    const std::uint64_t one = 1;
    [[maybe_unused]] const auto written = ::write(stop_fd_, &one, sizeof one);
    thread_.join();
    ::close(fd_);
    ::close(stop_fd_);
}

std::string TestDnsServer::address() const { return fmt::format("127.0.0.1:{}", port_); }

void TestDnsServer::serve() {
    for (;;) {
        pollfd fds[2] = {{fd_, POLLIN, 0}, {stop_fd_, POLLIN, 0}};
        if (::poll(fds, 2, -1) <= 0 || (fds[1].revents & POLLIN) != 0) return;
        std::vector<unsigned char> query(4096);
        sockaddr_in peer{};
        socklen_t peer_length = sizeof peer;
        const ssize_t n = ::recvfrom(fd_, query.data(), query.size(), 0, reinterpret_cast<sockaddr*>(&peer), &peer_length);
        if (n <= 0) continue;
        query.resize(static_cast<std::size_t>(n));
        const auto response = answer(query, table_);
        if (response.empty()) continue;
        ::sendto(fd_, response.data(), response.size(), 0, reinterpret_cast<sockaddr*>(&peer), peer_length);
    }
}

}  // namespace test_support
