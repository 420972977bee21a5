#include "storage/schema/schema_state.hpp"

#include <algorithm>
#include <charconv>

namespace storage::schema {

namespace {

bool has_relation(const SchemaState& state, std::string_view name) {
    return std::binary_search(state.relations.begin(), state.relations.end(), name);
}

}  // namespace

SchemaState inspect_schema(pg::Connection& conn) {
    SchemaState state;
    auto rels = conn.exec(
        "SELECT c.relname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = 'bsky' AND c.relkind IN ('r', 'p', 'v', 'm', 'f') ORDER BY c.relname COLLATE \"C\"",
        "listing relations in schema bsky");
    for (int r = 0; r < rels.rows(); ++r) state.relations.emplace_back(rels.value(r, 0));

    if (has_relation(state, "kysely_migration")) {
        auto names = conn.exec("SELECT name FROM bsky.kysely_migration ORDER BY name COLLATE \"C\"",
                               "reading bsky.kysely_migration");
        auto& list = state.kysely_names.emplace();
        for (int r = 0; r < names.rows(); ++r) list.emplace_back(names.value(r, 0));
    }
    if (has_relation(state, bookkeeping_table)) {
        auto applied = conn.exec("SELECT version, name FROM bsky.wintermute_migration ORDER BY version",
                                 "reading bsky.wintermute_migration");
        auto& list = state.wintermute_applied.emplace();
        for (int r = 0; r < applied.rows(); ++r) {
            auto text = applied.value(r, 0);
            int version = 0;
            std::from_chars(text.data(), text.data() + text.size(), version);
            list.push_back({version, std::string(applied.value(r, 1))});
        }
    }
    return state;
}

}  // namespace storage::schema
