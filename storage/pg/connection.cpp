#include "storage/pg/connection.hpp"

#include <vector>

#include <fmt/core.h>

#include "storage/pg/error.hpp"

namespace storage::pg {

namespace {

// Server NOTICEs (e.g. "extension already exists, skipping") are chatter, not
// failures; without this libpq prints them on stderr.
void ignore_notice(void*, const char*) {}

std::string context_or_sql(std::string_view context, std::string_view sql) {
    if (!context.empty()) return std::string(context);
    auto line = sql.substr(0, sql.find('\n'));
    if (line.size() > 80) line = line.substr(0, 80);
    return fmt::format("executing `{}`", line);
}

Result checked(PGconn* conn, PGresult* raw, std::string_view context, std::string_view sql) {
    Result result(raw);
    if (raw == nullptr) throw PgError::from_connection(conn, context_or_sql(context, sql));
    auto status = result.status();
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
        throw PgError::from_result(raw, context_or_sql(context, sql));
    }
    return result;
}

// Names the target without a password, for error messages.
std::string where(PGconn* conn) {
    if (conn == nullptr) return "PostgreSQL";
    return fmt::format("PostgreSQL at {}:{} database {}", PQhost(conn) ? PQhost(conn) : "?",
                       PQport(conn) ? PQport(conn) : "?", PQdb(conn) ? PQdb(conn) : "?");
}

}  // namespace

Connection::Connection(const std::string& conninfo, SearchPath search_path) : conn_(PQconnectdb(conninfo.c_str())) {
    if (!conn_ || PQstatus(conn_.get()) != CONNECTION_OK) {
        throw PgError::from_connection(conn_.get(), fmt::format("connecting to {}", where(conn_.get())));
    }
    PQsetNoticeProcessor(conn_.get(), ignore_notice, nullptr);
    if (search_path == SearchPath::bsky) exec("SET search_path TO bsky, public", "setting search_path");
}

Result Connection::exec(std::string_view sql, std::string_view context) {
    const std::string text(sql);
    return checked(conn_.get(), PQexec(conn_.get(), text.c_str()), context, sql);
}

Result Connection::exec_params(std::string_view sql, std::initializer_list<std::optional<std::string>> params,
                               std::string_view context) {
    const std::string text(sql);
    std::vector<const char*> values;
    values.reserve(params.size());
    for (const auto& p : params) values.push_back(p ? p->c_str() : nullptr);
    PGresult* raw = PQexecParams(conn_.get(), text.c_str(), static_cast<int>(values.size()), nullptr,
                                 values.data(), nullptr, nullptr, 0);
    return checked(conn_.get(), raw, context, sql);
}

void Connection::exec_quietly(const char* sql) noexcept { PQclear(PQexec(conn_.get(), sql)); }

}  // namespace storage::pg
