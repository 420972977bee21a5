// Connection: one libpq connection (PQfinish on destruction) with exec helpers
// that turn every failure into PgError. Not thread-safe: one thread at a time.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <libpq-fe.h>

#include "storage/pg/result.hpp"

namespace storage::pg {

// `bsky` runs `SET search_path TO bsky, public` after connecting, as the dataplane does.
enum class SearchPath : std::uint8_t { keep, bsky };

class Connection {
public:
    // `conninfo` is a URL or keyword string. Throws PgError naming where it tried to connect.
    explicit Connection(const std::string& conninfo, SearchPath search_path = SearchPath::keep);

    // Runs one or more statements (simple query protocol) and returns the last result.
    // Throws PgError (with `context`, or the SQL's first line) unless that result succeeded.
    Result exec(std::string_view sql, std::string_view context = {});
    // Runs one statement with text parameters $1…; nullopt is SQL NULL. Throws PgError.
    Result exec_params(std::string_view sql, std::initializer_list<std::optional<std::string>> params,
                       std::string_view context = {});

    // Runs `sql` and discards the outcome: for ROLLBACK and unlock on error paths, where the
    // connection may already be gone.
    void exec_quietly(const char* sql) noexcept;
    // False once the server connection is lost.
    [[nodiscard]] bool ok() const noexcept { return PQstatus(conn_.get()) == CONNECTION_OK; }

    [[nodiscard]] PGconn* get() const noexcept { return conn_.get(); }

private:
    struct Finish {
        void operator()(PGconn* c) const noexcept { PQfinish(c); }
    };
    std::unique_ptr<PGconn, Finish> conn_;
};

}  // namespace storage::pg
