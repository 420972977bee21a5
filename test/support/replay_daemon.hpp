// `wintermute run` against one wintermute-replay that stands in for the relay, the PLC directory,
// the handle well-knowns and the PDS: its environment, and where its ops port is. Pure functions.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>

namespace test_support {

// DATABASE_URL, RELAY_HOSTS, PLC_URL, HANDLE_WELLKNOWN_BASE_URL at `replay_address` (host:port),
// private addresses allowed, the backfill on with 2 workers, METRICS_PORT=0 and DATA_DIR.
[[nodiscard]] std::map<std::string, std::string> replay_daemon_env(const std::string& database_url,
                                                                   const std::string& replay_address,
                                                                   const std::string& data_dir);

// http://127.0.0.1:PORT of the ops server, from the daemon's log line "… dashboard on port PORT",
// waiting up to `timeout` for it.
[[nodiscard]] std::optional<std::string> ops_base_url(const std::string& daemon_log, std::chrono::milliseconds timeout);

}  // namespace test_support
