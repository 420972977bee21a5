#include "test/support/replay_daemon.hpp"

#include <fstream>
#include <iterator>
#include <thread>

namespace test_support {

std::map<std::string, std::string> replay_daemon_env(const std::string& database_url,
                                                     const std::string& replay_address, const std::string& data_dir) {
    return {{"DATABASE_URL", database_url},
            {"RELAY_HOSTS", "ws://" + replay_address},
            {"PLC_URL", "http://" + replay_address},
            {"HANDLE_WELLKNOWN_BASE_URL", "http://" + replay_address},
            {"ALLOW_PRIVATE_ADDRESSES", "true"},
            {"BACKFILLER_ENABLED", "true"},
            {"BACKFILLER_WORKERS", "2"},
            {"METRICS_PORT", "0"},
            {"DATA_DIR", data_dir}};
}

std::optional<std::string> ops_base_url(const std::string& daemon_log, std::chrono::milliseconds timeout) {
    const std::string marker = "dashboard on port ";
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        std::ifstream in(daemon_log);
        const std::string text((std::istreambuf_iterator<char>(in)), {});
        if (const auto at = text.find(marker); at != std::string::npos) {
            const auto from = at + marker.size();
            return "http://127.0.0.1:" + text.substr(from, text.find_first_not_of("0123456789", from) - from);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return std::nullopt;
}

}  // namespace test_support
