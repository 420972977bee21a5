// The dashboard in a real headless Chromium against the ops server with a fake daemon: the page
// renders, shows non-zero throughput, and logs nothing to the console (no errors, no warnings).
// A plain main, not Catch2: it exits 77, meson's skip code, when Chromium is not installed.
// WINTERMUTE_DASHBOARD_SCREENSHOT=path keeps the screenshot (docs/dashboard.png).
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <prometheus/registry.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "common/log.hpp"
#include "ops/ops_server.hpp"
#include "test/ops/fake_status.hpp"

extern char** environ;

namespace {

constexpr const char* chromium = "/usr/bin/chromium";
int failures = 0;

void check(bool ok, const std::string& what) {
    std::cout << (ok ? "ok   " : "FAIL ") << what << '\n';
    if (!ok) ++failures;
}

std::string slurp(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// Runs Chromium headless on `url` with `extra` arguments; stdout and stderr go to files in `dir`.
// Returns whether it exited 0 within a minute (it is killed otherwise).
bool run_chromium(const std::filesystem::path& dir, const std::string& url, std::vector<std::string> extra,
                  const std::string& name) {
    std::vector<std::string> args{chromium, "--headless", "--no-sandbox", "--disable-gpu",
                                  "--disable-background-networking", "--disable-component-update",
                                  "--no-first-run", "--disable-sync", "--disable-dev-shm-usage",
                                  "--user-data-dir=" + (dir / ("profile-" + name)).string(),
                                  "--virtual-time-budget=3000", "--enable-logging=stderr", "--v=0"};
    args.insert(args.end(), extra.begin(), extra.end());
    args.push_back(url);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t files;
    posix_spawn_file_actions_init(&files);
    const auto out = (dir / (name + ".out")).string();
    const auto err = (dir / (name + ".err")).string();
    posix_spawn_file_actions_addopen(&files, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&files, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    pid_t pid = 0;
    const int spawned = posix_spawn(&pid, chromium, &files, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&files);
    if (spawned != 0) return false;
    int status = 0;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (waitpid(pid, &status, WNOHANG) == 0) {
        if (std::chrono::steady_clock::now() > deadline) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            return false;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

// Lines where a page spoke to the console or threw: Chromium logs them as "INFO:CONSOLE:12]" (older
// versions "CONSOLE(12)"), failed resource loads included.
std::vector<std::string> console_lines(const std::string& log) {
    static const std::regex console(R"re(:CONSOLE[:(]|Uncaught)re");
    std::vector<std::string> lines;
    std::istringstream in(log);
    for (std::string line; std::getline(in, line);) {
        if (std::regex_search(line, console)) lines.push_back(line);
    }
    return lines;
}

}  // namespace

int main() {
    if (access(chromium, X_OK) != 0) {
        std::cout << "skip: " << chromium << " is not installed (scripts/bootstrap installs it)\n";
        return 77;
    }
    test_ops::FakeDaemon daemon;
    prometheus::Registry registry;
    ops::DaemonMetrics metrics(registry);
    auto recent = std::make_shared<ops::RecentErrorsSink>(10);
    common::Log log(spdlog::level::info, recent);
    log.component("socket_read")->warn("labels.test: connection reset, reconnecting in 2 s");
    log.component("classify")->error("rejected app.bsky.feed.post record: text longer than 3000 graphemes");
    ops::OpsServerConfig config;
    config.listen.address = "127.0.0.1";
    config.listen.port = 0;
    auto server = ops::OpsServer::start(
        config, ops::OpsInputs{&registry, [&daemon] { return daemon.snapshot(); }, {}, &metrics, recent},
        log.component("ops"));
    if (!server) {
        std::cout << "FAIL cannot start the ops server: " << server.error().message << '\n';
        return 1;
    }
    const std::string url = "http://127.0.0.1:" + std::to_string((*server)->port()) + "/";
    char dir_template[] = "/tmp/wintermute-dashboard.XXXXXX";
    const std::filesystem::path dir = mkdtemp(dir_template);

    // The detector must see what it is meant to catch, or its silence below proves nothing.
    check(run_chromium(dir, "data:text/html,<script>console.error('boom')</script>", {"--dump-dom"}, "probe") &&
              console_lines(slurp(dir / "probe.err")).size() == 1,
          "the console check sees a console.error");

    check(run_chromium(dir, url, {"--dump-dom"}, "dom"), "chromium --dump-dom exits 0");
    const std::string dom = slurp(dir / "dom.out");
    std::smatch m;
    const bool rendered = std::regex_search(dom, m, std::regex(R"re(data-rendered="(\d+)")re")) && std::stoi(m[1]) >= 2;
    check(rendered, "the page rendered /api/status at least twice (it polls)");
    const bool throughput =
        std::regex_search(dom, m, std::regex(R"re(data-throughput="([0-9.e+]+)")re")) && std::stod(m[1]) > 0;
    check(throughput, "the page shows non-zero throughput");
    check(dom.find("relay.test") != std::string::npos && dom.find("labels.test") != std::string::npos,
          "the page lists the relay and the labeler");
    check(dom.find("batch_write") != std::string::npos && dom.find("firehose_backfill") != std::string::npos,
          "the page draws the stages and queues");
    check(dom.find("text longer than 3000 graphemes") != std::string::npos, "the page shows recent errors");
    const auto console = console_lines(slurp(dir / "dom.err"));
    for (const auto& line : console) std::cout << "  console: " << line << '\n';
    check(console.empty(), "the page logs nothing to the console");

    const char* keep = std::getenv("WINTERMUTE_DASHBOARD_SCREENSHOT");
    const std::filesystem::path shot = keep != nullptr ? std::filesystem::absolute(keep) : dir / "dashboard.png";
    check(run_chromium(dir, url, {"--hide-scrollbars", "--window-size=1280,1300", "--screenshot=" + shot.string()},
                       "shot"),
          "chromium --screenshot exits 0");
    check(slurp(shot).rfind("\x89PNG", 0) == 0, "the screenshot is a PNG");
    check(console_lines(slurp(dir / "shot.err")).empty(), "no console output while taking the screenshot");

    if (failures == 0) std::filesystem::remove_all(dir);
    else std::cout << "chromium output kept in " << dir << '\n';
    return failures == 0 ? 0 : 1;
}
