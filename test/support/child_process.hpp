// ChildProcess: a program run by a test (wintermute, wintermute-replay) with extra environment
// variables and its output in a log file. Killed (SIGKILL) and reaped on destruction.
// Not thread-safe; one owner.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace test_support {

class ChildProcess {
public:
    ChildProcess(const std::string& program, const std::vector<std::string>& args,
                 const std::map<std::string, std::string>& env, const std::string& log_file);
    ~ChildProcess();
    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;

    // Sends `signal`; nothing if the child is already reaped.
    void signal(int signal);
    // Waits up to `timeout` for the child to exit; its exit status, or nullopt if still running.
    std::optional<int> wait(std::chrono::milliseconds timeout);
    // SIGKILL and reap.
    void kill();
    [[nodiscard]] bool running() const noexcept { return pid_ > 0; }

private:
    pid_t pid_ = -1;
};

// Runs `command` through the shell: its exit status and its output (stdout and stderr).
std::pair<int, std::string> run_command(const std::string& command);

// The first line of `file` that starts with `prefix`, waiting up to `timeout` for it.
std::optional<std::string> wait_for_line(const std::string& file, const std::string& prefix,
                                         std::chrono::milliseconds timeout);

}  // namespace test_support
