// The dashboard in a real headless Chromium against a running demo: PostgreSQL, wintermute-replay
// serving the bundled capture (firehose and labels at a paced rate, PLC, handles, listRepos and
// getRepo for the backfill) and the real `wintermute run` with the backfill on. The page renders
// both lanes, shows non-zero throughput and backfill progress, and logs nothing to the console.
// A plain main, not Catch2: it exits 77, meson's skip code, when Chromium is not installed.
// WINTERMUTE_DASHBOARD_SCREENSHOT=path keeps the screenshot (docs/dashboard.png). Every wait is
// bounded so that the whole test stays under two minutes even when a step hangs.
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "test/ops/http_get.hpp"
#include "test/support/child_process.hpp"
#include "test/support/replay_daemon.hpp"
#include "test/support/throwaway_postgres.hpp"

extern char** environ;

using namespace std::chrono_literals;

namespace {

constexpr const char* chromium = "/usr/bin/chromium";
// The capture's 2,132 firehose frames at this rate keep the live lane busy for about 50 s.
constexpr const char* replay_rate = "40";
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

std::string env(const char* name) {
    const char* value = std::getenv(name);
    if (value == nullptr) throw std::runtime_error(std::string(name) + " is not set (meson test sets it)");
    return value;
}

// The first number captured by `pattern` in `text`, or nullopt.
std::optional<double> number(const std::string& text, const std::string& pattern) {
    std::smatch m;
    if (!std::regex_search(text, m, std::regex(pattern))) return std::nullopt;
    std::string digits = m[1];
    std::erase(digits, ',');
    return std::stod(digits);
}

// Runs Chromium headless on `url` with `extra` arguments; stdout and stderr go to files in `dir`.
// Returns whether it exited 0 within 18 s (it is killed otherwise).
bool run_chromium(const std::filesystem::path& dir, const std::string& url, std::vector<std::string> extra,
                  const std::string& name) {
    std::vector<std::string> args{chromium, "--headless", "--no-sandbox", "--disable-gpu",
                                  "--disable-background-networking", "--disable-component-update",
                                  "--no-first-run", "--disable-sync", "--disable-dev-shm-usage",
                                  "--user-data-dir=" + (dir / ("profile-" + name)).string(),
                                  "--virtual-time-budget=4000", "--enable-logging=stderr", "--v=0"};
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
    const auto deadline = std::chrono::steady_clock::now() + 18s;
    while (waitpid(pid, &status, WNOHANG) == 0) {
        if (std::chrono::steady_clock::now() > deadline) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            return false;
        }
        std::this_thread::sleep_for(50ms);
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

// The demo: replay (relay, labeler, PLC, handles, PDS) and the daemon with the backfill on.
struct Demo {
    std::string dir;
    test_support::ThrowawayPostgres db;
    std::optional<test_support::ChildProcess> replay;
    std::optional<test_support::ChildProcess> daemon;
    std::string address;   // replay's host:port
    std::string base;      // the daemon's ops port, http://127.0.0.1:N

    explicit Demo(std::string directory) : dir(std::move(directory)) {
        const auto data = env("WINTERMUTE_TEST_DATA") + "/pds-capture/";
        replay.emplace(env("WINTERMUTE_REPLAY"),
                       std::vector<std::string>{"--repos", data + "firehose.frames", "--labels", data + "labels.frames",
                                                "--plc", data + "plc", "--meta", data + "meta.json", "--pds",
                                                env("WINTERMUTE_SHARED") + "/fixtures/pds-capture", "--rate",
                                                replay_rate, "--port", "0"},
                       std::map<std::string, std::string>{}, dir + "/replay.log");
        const auto listening = test_support::wait_for_line(dir + "/replay.log", "listening ", 10s);
        if (!listening) throw std::runtime_error("wintermute-replay did not start");
        address = listening->substr(std::strlen("listening "));
        auto daemon_env = test_support::replay_daemon_env(db.url(), address, dir + "/data");
        daemon_env["LABELER_HOSTS"] = "ws://" + address;
        daemon.emplace(env("WINTERMUTE_BIN"), std::vector<std::string>{"run"}, daemon_env, dir + "/daemon.log");
        const auto ops = test_support::ops_base_url(dir + "/daemon.log", 15s);
        if (!ops) throw std::runtime_error("the daemon did not open its ops port; see " + dir + "/daemon.log");
        base = *ops;
    }

    // Waits until both lanes have done work: events committed, backfill records extracted and
    // repos counted as indexed.
    [[nodiscard]] bool busy(std::chrono::seconds timeout) const {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        while (std::chrono::steady_clock::now() < deadline) {
            const auto status = test_ops::http_get(base + "/api/status").body;
            const auto records = number(status, R"re("records_extracted":(\d+))re");
            const auto indexed = number(status, R"re("indexed":(\d+))re");
            const auto committed = number(status, R"re("name":"batch_write"[^}]*"items_out":(\d+))re");
            if (records.value_or(0) > 0 && indexed.value_or(0) > 0 && committed.value_or(0) > 0) return true;
            std::this_thread::sleep_for(200ms);
        }
        return false;
    }
};

void check_page(const std::filesystem::path& dir, const std::string& url) {
    check(run_chromium(dir, url, {"--dump-dom"}, "dom"), "chromium --dump-dom exits 0");
    const std::string dom = slurp(dir / "dom.out");
    check(number(dom, R"re(data-rendered="(\d+)")re").value_or(0) >= 2,
          "the page rendered /api/status at least twice (it polls)");
    check(number(dom, R"re(data-throughput="([0-9.e+]+)")re").value_or(0) > 0, "the page shows non-zero throughput");
    check(dom.find("data-lane=\"live\"") != std::string::npos && dom.find("data-lane=\"backfill\"") != std::string::npos,
          "the page draws the live and the backfill lane");
    for (const char* name : {"batch_write", "repo_fetch", "repo_classify", "backfill_write"}) {
        check(dom.find("data-stage=\"" + std::string(name) + "\"") != std::string::npos,
              std::string("the page draws the stage ") + name);
    }
    for (const char* name : {"frames", "events", "repo_backfill", "firehose_backfill"}) {
        check(dom.find("data-queue=\"" + std::string(name) + "\"") != std::string::npos,
              std::string("the page draws the queue ") + name);
    }
    check(number(dom, R"re(([0-9,]+) records extracted)re").value_or(0) > 0,
          "the backfill panel shows records extracted");
    check(number(dom, R"re(indexed ([0-9,]+))re").value_or(0) > 0, "the backfill panel shows repos by state");
    check(dom.find("<td>relay</td>") != std::string::npos && dom.find("<td>labeler</td>") != std::string::npos,
          "the page lists the relay and the labeler");
    const auto console = console_lines(slurp(dir / "dom.err"));
    for (const auto& line : console) std::cout << "  console: " << line << '\n';
    check(console.empty(), "the page logs nothing to the console");
}

}  // namespace

int main() {
    if (access(chromium, X_OK) != 0) {
        std::cout << "skip: " << chromium << " is not installed (scripts/bootstrap installs it)\n";
        return 77;
    }
    char dir_template[] = "/tmp/wintermute-dashboard.XXXXXX";
    const std::filesystem::path dir = mkdtemp(dir_template);
    try {
        // The detector must see what it is meant to catch, or its silence below proves nothing.
        check(run_chromium(dir, "data:text/html,<script>console.error('boom')</script>", {"--dump-dom"}, "probe") &&
                  console_lines(slurp(dir / "probe.err")).size() == 1,
              "the console check sees a console.error");
        Demo demo(dir.string());
        check(demo.busy(30s), "the daemon commits live events and backfills repos");
        const std::string url = demo.base + "/";
        check_page(dir, url);

        const char* keep = std::getenv("WINTERMUTE_DASHBOARD_SCREENSHOT");
        const auto shot = keep != nullptr ? std::filesystem::absolute(keep) : dir / "dashboard.png";
        check(run_chromium(dir, url, {"--hide-scrollbars", "--window-size=1440,1300", "--screenshot=" + shot.string()},
                           "shot"),
              "chromium --screenshot exits 0");
        check(slurp(shot).rfind("\x89PNG", 0) == 0, "the screenshot is a PNG");
        check(console_lines(slurp(dir / "shot.err")).empty(), "no console output while taking the screenshot");

        demo.daemon->signal(SIGTERM);
        check(demo.daemon->wait(10s) == 0, "the daemon stops cleanly");
    } catch (const std::exception& e) {
        check(false, e.what());
    }
    if (failures == 0) std::filesystem::remove_all(dir);
    else std::cout << "chromium, replay and daemon output kept in " << dir << '\n';
    return failures == 0 ? 0 : 1;
}
