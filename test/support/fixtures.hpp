// Test helpers: paths into ../shared (WINTERMUTE_SHARED), the environment meson sets, waiting for a
// condition with a deadline.
#pragma once

#include <chrono>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <thread>

namespace test_support {

inline std::string shared_path(const std::string& relative) {
    const char* root = std::getenv("WINTERMUTE_SHARED");
    if (root == nullptr) throw std::runtime_error("WINTERMUTE_SHARED is not set (run through meson test)");
    return std::string(root) + "/" + relative;
}

// An environment variable meson's test() sets (WINTERMUTE_BIN, …); throws when it is missing.
inline std::string required_env(const char* name) {
    const char* value = std::getenv(name);
    if (value == nullptr) throw std::runtime_error(std::string(name) + " is not set (run through meson test)");
    return value;
}

// Polls `done` every 5 ms until it holds or `timeout` passes; returns its last value.
template <class Predicate>
bool eventually(Predicate done, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!done()) {
        if (std::chrono::steady_clock::now() > deadline) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return true;
}

}  // namespace test_support
