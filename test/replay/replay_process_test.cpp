// wintermute-replay as a subprocess: the listening line, serving, 404s, exit codes, SIGKILL.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>

#include "test/support/replay_client.hpp"

extern char** environ;

using namespace std::chrono_literals;
using test_support::bytes_of;
using test_support::capture;
using test_support::Client;
using test_support::eventually;
using test_support::shared_path;

namespace {

// A running wintermute-replay with its stdout on a pipe. Killed and reaped on destruction.
class ReplayProcess {
public:
    explicit ReplayProcess(std::vector<std::string> args) {
        const char* binary = std::getenv("WINTERMUTE_REPLAY");
        REQUIRE(binary != nullptr);
        args.insert(args.begin(), binary);
        std::vector<char*> argv;
        for (auto& arg : args) argv.push_back(arg.data());
        argv.push_back(nullptr);
        int pipe_fds[2];
        REQUIRE(pipe(pipe_fds) == 0);
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
        posix_spawn_file_actions_addclose(&actions, pipe_fds[0]);
        REQUIRE(posix_spawn(&pid_, binary, &actions, nullptr, argv.data(), environ) == 0);
        posix_spawn_file_actions_destroy(&actions);
        close(pipe_fds[1]);
        out_ = pipe_fds[0];
    }
    ~ReplayProcess() {
        if (pid_ > 0) kill(SIGKILL);
        close(out_);
    }

    // The first stdout line, or "" after `timeout` or at end of file.
    std::string first_line(std::chrono::milliseconds timeout = 10s) {
        std::string line;
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        while (std::chrono::steady_clock::now() < deadline) {
            pollfd fd{out_, POLLIN, 0};
            if (poll(&fd, 1, 50) <= 0) continue;
            char c = 0;
            if (read(out_, &c, 1) != 1) return "";
            if (c == '\n') return line;
            line += c;
        }
        return "";
    }

    std::uint16_t port() {
        const auto line = first_line();
        INFO(line);
        REQUIRE(line.starts_with("listening 127.0.0.1:"));
        return static_cast<std::uint16_t>(std::stoi(line.substr(line.rfind(':') + 1)));
    }

    int kill(int signal) {
        ::kill(pid_, signal);
        int status = 0;
        waitpid(pid_, &status, 0);
        pid_ = -1;
        return status;
    }

    int exit_status() {
        int status = 0;
        waitpid(pid_, &status, 0);
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }

private:
    pid_t pid_ = -1;
    int out_ = -1;
};

std::string http_get(std::uint16_t port, const std::string& target) {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    timeval timeout{5, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
    std::string response;
    if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0) {
        const auto request = fmt::format("GET {} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n", target);
        if (send(fd, request.data(), request.size(), 0) == static_cast<ssize_t>(request.size())) {
            char buffer[4096];
            for (ssize_t n; (n = recv(fd, buffer, sizeof(buffer), 0)) > 0;) response.append(buffer, n);
        }
    }
    close(fd);
    return response;
}

}  // namespace

TEST_CASE("wintermute-replay prints its port first and serves both captures", "[replay][replay_process]") {
    const auto relay = capture("fixtures/jetstream-corpus/frames.bin");
    const auto labeler = capture("fixtures/pds-capture/labels.frames");
    ReplayProcess process({"--port", "0", "--log-level", "warn", "--repos",
                           shared_path("fixtures/jetstream-corpus/frames.bin"),
                           "--labels=" + shared_path("fixtures/pds-capture/labels.frames")});
    const auto port = process.port();
    Client repos;
    repos.start(port);
    Client labels;
    labels.start(port, stages::socket_read::Stream::labels);
    REQUIRE(eventually([&] { return repos.collector.size() == relay.size() && labels.collector.size() == 5; }));
    CHECK(repos.collector.frames() == bytes_of(relay));
    CHECK(labels.collector.frames() == bytes_of(labeler));

    const auto missing = http_get(port, "/xrpc/com.atproto.sync.listRepos?limit=10");
    CHECK(missing.starts_with("HTTP/1.1 404"));
    CHECK(missing.find(R"("error":"NotFound")") != std::string::npos);
    CHECK(http_get(port, "/").starts_with("HTTP/1.1 404"));
    CHECK(process.kill(SIGTERM) == 0);
}

TEST_CASE("a reader survives wintermute-replay being killed and restarted on the same port",
          "[replay][replay_process]") {
    const auto relay = capture("fixtures/jetstream-corpus/frames.bin");
    const std::vector<std::string> args{"--log-level", "warn", "--repos",
                                        shared_path("fixtures/jetstream-corpus/frames.bin")};
    auto first_args = args;
    first_args.insert(first_args.end(), {"--port", "0"});
    auto first = std::make_unique<ReplayProcess>(first_args);
    const auto port = first->port();
    Client client;
    client.start(port);
    REQUIRE(eventually([&] { return client.collector.size() == relay.size(); }));
    client.cursor = static_cast<std::int64_t>(relay[119].seq->value);
    first->kill(SIGKILL);
    REQUIRE(eventually([&] { return !client.metrics.connected && client.metrics.reconnect_attempts >= 2; }));
    auto second_args = args;
    second_args.insert(second_args.end(), {"--port", std::to_string(port)});
    ReplayProcess second(second_args);
    CHECK(second.port() == port);
    REQUIRE(eventually([&] { return client.collector.size() == relay.size() + 30; }));
    const auto frames = client.collector.frames();
    CHECK(std::vector(frames.begin() + 150, frames.end()) == bytes_of(relay, 120));
    CHECK(client.metrics.connects == 2);
}

TEST_CASE("wintermute-replay refuses bad options and unreadable captures", "[replay][replay_process]") {
    CHECK(ReplayProcess({"--port", "x", "--repos", "a"}).exit_status() == 2);
    CHECK(ReplayProcess({"--rate", "0", "--repos", "a"}).exit_status() == 2);
    CHECK(ReplayProcess({"--port", "0"}).exit_status() == 2);
    CHECK(ReplayProcess({"--repos", "/nonexistent/capture"}).exit_status() == 1);
}
