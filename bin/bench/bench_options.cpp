#include "bin/bench/bench_options.hpp"

#include <cstdlib>

#include <fmt/core.h>

#include "storage/pg/connection.hpp"
#include "storage/pg/error.hpp"
#include "storage/schema/migrator.hpp"

namespace bin::bench {

std::string shared_dir() {
    const char* shared = std::getenv("WINTERMUTE_SHARED");
    return shared != nullptr ? shared : "../shared";
}

common::Result<void> for_each_flag(
    std::span<char* const> args, const std::function<std::optional<bool>(std::string_view, std::string_view)>& take) {
    for (std::size_t i = 0; i < args.size(); i += 2) {
        const std::string_view flag = args[i];
        if (i + 1 >= args.size()) return common::fail(fmt::format("{} needs a value", flag));
        const std::string_view value = args[i + 1];
        const auto ok = take(flag, value);
        if (!ok) return common::fail(fmt::format("unknown option {}", flag));
        if (!*ok) return common::fail(fmt::format("{}: not a valid value: '{}'", flag, value));
    }
    return {};
}

common::Result<void> migrate_empty(const std::string& url, const char* probe, std::string_view refusal) {
    try {
        storage::pg::Connection conn(url);
        auto migrated = storage::schema::Migrator(conn).run();
        if (!migrated) return tl::unexpected(migrated.error());
        if (conn.exec(probe).rows() > 0) return common::fail(std::string(refusal));
        return {};
    } catch (const storage::pg::PgError& e) {
        return common::fail(e.what());
    }
}

}  // namespace bin::bench
