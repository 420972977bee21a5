// PgError: the one exception type of storage::pg. It carries the server's SQLSTATE
// (empty when the failure was on the client side, e.g. a refused connection), the
// server's or libpq's message, and what we were doing. Immutable; safe to share.
#pragma once

#include <stdexcept>
#include <string>

#include <libpq-fe.h>

namespace storage::pg {

class PgError : public std::runtime_error {
public:
    PgError(std::string sqlstate, std::string message, std::string context);

    // From a failed result: SQLSTATE and primary message of the server's report.
    [[nodiscard]] static PgError from_result(const PGresult* result, std::string context);
    // From the connection's last libpq error message (no SQLSTATE).
    [[nodiscard]] static PgError from_connection(const PGconn* conn, std::string context);

    [[nodiscard]] const std::string& sqlstate() const noexcept { return sqlstate_; }
    [[nodiscard]] const std::string& message() const noexcept { return message_; }
    [[nodiscard]] const std::string& context() const noexcept { return context_; }

private:
    std::string sqlstate_;
    std::string message_;
    std::string context_;
};

}  // namespace storage::pg
