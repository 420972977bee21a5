// Pipeline: libpq pipeline mode on a borrowed Connection. Statements with text parameters are
// queued without waiting for their results; sync() sends them, waits for every result and says
// how many rows they affected. The server runs them in order in the current transaction (outside
// one, the statements up to a sync form an implicit one); after the first error it skips the rest
// until the sync, and sync() throws that error. The destructor
// leaves pipeline mode (draining what is left). Not thread-safe; one thread at a time.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "storage/pg/connection.hpp"

namespace storage::pg {

class Pipeline {
public:
    // Throws PgError when the connection cannot enter pipeline mode.
    explicit Pipeline(Connection& conn);
    ~Pipeline();
    Pipeline(const Pipeline&) = delete;
    Pipeline& operator=(const Pipeline&) = delete;

    // Queues one statement; nullopt is SQL NULL. Throws PgError if libpq refuses to queue it.
    void send(const std::string& sql, std::span<const std::optional<std::string>> params);
    // Sends the queue and collects every result: the rows affected by all of them. Throws PgError
    // (the first failed statement's) after draining up to the sync point.
    std::uint64_t sync(std::string_view context);

private:
    void drain() noexcept;

    Connection& conn_;
    std::size_t queued_ = 0;
};

}  // namespace storage::pg
