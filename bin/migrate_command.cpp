// `wintermute migrate`: brings the database's schema bsky up to date (see docs/schema.md).
#include "bin/migrate_command.hpp"

#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#include <fmt/core.h>

#include "storage/pg/connection.hpp"
#include "storage/pg/error.hpp"
#include "storage/schema/migrator.hpp"

namespace bin {

namespace {

constexpr std::string_view usage =
    "usage: wintermute migrate [--database-url URL]\n"
    "  URL defaults to $DATABASE_URL (a postgresql:// URL or libpq keyword string)\n";

std::optional<std::string> database_url(std::span<char* const> args) {
    std::optional<std::string> url;
    if (const char* env = std::getenv("DATABASE_URL"); env && *env) url = env;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string_view arg = args[i];
        if (arg == "--database-url" && i + 1 < args.size()) {
            url = args[++i];
        } else if (arg.starts_with("--database-url=")) {
            url = std::string(arg.substr(std::string_view("--database-url=").size()));
        } else {
            fmt::print(stderr, "wintermute migrate: unexpected argument '{}'\n{}", arg, usage);
            return std::nullopt;
        }
    }
    if (!url) fmt::print(stderr, "wintermute migrate: no database URL (--database-url or DATABASE_URL)\n{}", usage);
    return url;
}

void print_outcome(const storage::schema::MigrationOutcome& outcome) {
    for (const auto& label : outcome.adopted) fmt::print("adopted {} (schema built by bsky's migrator)\n", label);
    for (const auto& label : outcome.applied) fmt::print("applied {}\n", label);
    if (outcome.adopted.empty() && outcome.applied.empty()) fmt::print("schema up to date\n");
}

}  // namespace

int run_migrate(std::span<char* const> args) {
    if (!args.empty() && (args[0] == std::string_view("--help") || args[0] == std::string_view("-h"))) {
        fmt::print("{}", usage);
        return 0;
    }
    auto url = database_url(args);
    if (!url) return 2;
    try {
        storage::pg::Connection conn(*url);
        auto outcome = storage::schema::Migrator(conn).run();
        if (!outcome) {
            fmt::print(stderr, "wintermute migrate: {}\n", outcome.error().message);
            return 1;
        }
        print_outcome(*outcome);
        return 0;
    } catch (const storage::pg::PgError& e) {
        fmt::print(stderr, "wintermute migrate: {}\n", e.what());
        return 1;
    }
}

}  // namespace bin
