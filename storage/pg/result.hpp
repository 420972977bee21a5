// Result: owns one PGresult (PQclear on destruction) and reads its cells.
// Move-only; not thread-safe to share while moving, read-only use is safe.
#pragma once

#include <memory>
#include <optional>
#include <string_view>

#include <libpq-fe.h>

namespace storage::pg {

class Result {
public:
    explicit Result(PGresult* result) noexcept : result_(result) {}

    [[nodiscard]] ExecStatusType status() const noexcept { return PQresultStatus(result_.get()); }
    [[nodiscard]] int rows() const noexcept { return PQntuples(result_.get()); }
    [[nodiscard]] int columns() const noexcept { return PQnfields(result_.get()); }
    [[nodiscard]] bool is_null(int row, int column) const noexcept {
        return PQgetisnull(result_.get(), row, column) != 0;
    }
    // The cell as text ("" for NULL); valid while this Result lives.
    [[nodiscard]] std::string_view value(int row, int column) const noexcept {
        return {PQgetvalue(result_.get(), row, column),
                static_cast<std::size_t>(PQgetlength(result_.get(), row, column))};
    }
    [[nodiscard]] std::optional<std::string_view> optional_value(int row, int column) const noexcept {
        if (is_null(row, column)) return std::nullopt;
        return value(row, column);
    }
    // Rows affected by INSERT/UPDATE/DELETE/COPY; 0 when the command reports none.
    [[nodiscard]] std::uint64_t affected_rows() const;
    [[nodiscard]] PGresult* get() const noexcept { return result_.get(); }

private:
    struct Clear {
        void operator()(PGresult* r) const noexcept { PQclear(r); }
    };
    std::unique_ptr<PGresult, Clear> result_;
};

}  // namespace storage::pg
