#include "storage/pg/error.hpp"

#include <fmt/core.h>

namespace storage::pg {

namespace {

std::string describe(const std::string& sqlstate, const std::string& message, const std::string& context) {
    if (sqlstate.empty()) return fmt::format("{}: {}", context, message);
    return fmt::format("{}: {} (SQLSTATE {})", context, message, sqlstate);
}

// libpq messages end in a newline (sometimes several lines); keep them one line.
std::string trimmed(const char* text) {
    std::string s = text ? text : "";
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    return s;
}

}  // namespace

PgError::PgError(std::string sqlstate, std::string message, std::string context)
    : std::runtime_error(describe(sqlstate, message, context)),
      sqlstate_(std::move(sqlstate)),
      message_(std::move(message)),
      context_(std::move(context)) {}

PgError PgError::from_result(const PGresult* result, std::string context) {
    const char* state = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
    const char* primary = result ? PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
    std::string message = primary ? trimmed(primary) : trimmed(result ? PQresultErrorMessage(result) : nullptr);
    if (message.empty() && result) message = PQresStatus(PQresultStatus(result));
    if (message.empty()) message = "no result (out of memory or connection lost)";
    return PgError(state ? state : "", std::move(message), std::move(context));
}

PgError PgError::from_connection(const PGconn* conn, std::string context) {
    std::string message = conn ? trimmed(PQerrorMessage(conn)) : "out of memory";
    return PgError("", std::move(message), std::move(context));
}

}  // namespace storage::pg
