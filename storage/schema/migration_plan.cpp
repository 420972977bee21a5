#include "storage/schema/migration_plan.hpp"

#include <algorithm>
#include <set>
#include <string>

#include <fmt/core.h>
#include <fmt/ranges.h>

namespace storage::schema {

namespace {

using NameSet = std::set<std::string, std::less<>>;

// "a, b, c and 4 more": enough to recognise what is there without flooding the message.
std::string list_some(const std::vector<std::string>& names, std::size_t limit = 6) {
    std::vector<std::string> shown(names.begin(), names.begin() + static_cast<long>(std::min(limit, names.size())));
    auto text = fmt::format("{}", fmt::join(shown, ", "));
    if (names.size() > limit) text += fmt::format(" and {} more", names.size() - limit);
    return text;
}

NameSet kysely_names_through(std::span<const Migration> known, int version) {
    NameSet names;
    for (const auto& m : known) {
        if (m.version <= version) names.insert(m.kysely_names.begin(), m.kysely_names.end());
    }
    return names;
}

common::Result<void> check_kysely_names_known(const SchemaState& state, std::span<const Migration> known) {
    if (!state.kysely_names) return {};
    const auto all = kysely_names_through(known, known.empty() ? 0 : known.back().version);
    std::vector<std::string> unknown;
    for (const auto& n : *state.kysely_names) {
        if (!all.contains(n)) unknown.push_back(n);
    }
    if (unknown.empty()) return {};
    return common::fail(fmt::format(
        "refusing to migrate: bsky.kysely_migration lists {} migration(s) this wintermute does not know ({}); "
        "the schema is newer than this binary or not bsky's",
        unknown.size(), list_some(unknown)));
}

common::Result<MigrationPlan> plan_with_bookkeeping(const SchemaState& state, std::span<const Migration> known) {
    MigrationPlan plan;
    int expected = 1;
    for (const auto& applied : *state.wintermute_applied) {
        const auto label = migration_label(applied.version, applied.name);
        if (applied.version > static_cast<int>(known.size())) {
            return common::fail(fmt::format(
                "refusing to migrate: the database has wintermute migration {}, newer than this binary knows "
                "(latest {}); run a newer wintermute",
                label, known.empty() ? std::string("none") : migration_label(known.back())));
        }
        if (applied.version != expected || known[static_cast<std::size_t>(expected - 1)].name != applied.name) {
            return common::fail(fmt::format(
                "refusing to migrate: bsky.wintermute_migration records {} where this binary expects {}",
                label, migration_label(known[static_cast<std::size_t>(expected - 1)])));
        }
        ++expected;
    }
    for (auto i = static_cast<std::size_t>(expected - 1); i < known.size(); ++i) plan.to_apply.push_back(&known[i]);
    return plan;
}

// The highest version whose kysely names (with all earlier ones) are exactly the recorded set.
int adoptable_version(const SchemaState& state, std::span<const Migration> known) {
    const NameSet found(state.kysely_names->begin(), state.kysely_names->end());
    int adopt = 0;
    for (const auto& m : known) {
        if (!m.kysely_names.empty() && kysely_names_through(known, m.version) == found) adopt = m.version;
    }
    return adopt;
}

common::Result<void> check_adoptable_relations(const SchemaState& state, std::span<const Migration> known,
                                               int adopt) {
    NameSet expected, allowed;
    for (const auto& m : known) {
        for (auto rel : m.creates) (m.version <= adopt ? expected : allowed).emplace(rel);
    }
    std::vector<std::string> missing, extra;
    const NameSet present(state.relations.begin(), state.relations.end());
    for (const auto& rel : expected) {
        if (!present.contains(rel)) missing.push_back(rel);
    }
    for (const auto& rel : present) {
        if (!expected.contains(rel) && !allowed.contains(rel)) extra.push_back(rel);
    }
    if (!missing.empty()) {
        return common::fail(fmt::format(
            "refusing to adopt schema bsky: kysely_migration says it is complete but table(s) {} are missing",
            list_some(missing)));
    }
    if (!extra.empty()) {
        return common::fail(fmt::format(
            "refusing to adopt schema bsky: it holds table(s) neither bsky nor wintermute create: {}",
            list_some(extra)));
    }
    return {};
}

common::Result<MigrationPlan> plan_adoption(const SchemaState& state, std::span<const Migration> known) {
    const int adopt = adoptable_version(state, known);
    if (adopt == 0) {
        const auto expected = kysely_names_through(known, static_cast<int>(known.size()));
        std::vector<std::string> missing;
        for (const auto& n : expected) {
            if (std::find(state.kysely_names->begin(), state.kysely_names->end(), n) == state.kysely_names->end()) {
                missing.push_back(n);
            }
        }
        return common::fail(fmt::format(
            "refusing to adopt schema bsky: bsky.kysely_migration lists {} of the {} migrations of the bsky "
            "version this wintermute writes (missing {}); run bsky's own migrator to bring it up to date first",
            state.kysely_names->size(), expected.size(), list_some(missing)));
    }
    if (auto ok = check_adoptable_relations(state, known, adopt); !ok) return tl::unexpected(ok.error());
    MigrationPlan plan{.adopt_through = adopt, .to_apply = {}};
    for (const auto& m : known) {
        if (m.version > adopt) plan.to_apply.push_back(&m);
    }
    return plan;
}

}  // namespace

common::Result<MigrationPlan> plan_migrations(const SchemaState& state, std::span<const Migration> known) {
    if (auto ok = check_kysely_names_known(state, known); !ok) return tl::unexpected(ok.error());
    if (state.wintermute_applied) return plan_with_bookkeeping(state, known);
    if (state.kysely_names) return plan_adoption(state, known);
    if (!state.relations.empty()) {
        return common::fail(fmt::format(
            "refusing to migrate: schema bsky holds {} table(s) ({}) but neither wintermute's bookkeeping "
            "(bsky.{}) nor bsky's (bsky.kysely_migration); it is not a schema wintermute knows",
            state.relations.size(), list_some(state.relations), bookkeeping_table));
    }
    MigrationPlan plan;
    for (const auto& m : known) plan.to_apply.push_back(&m);
    return plan;
}

}  // namespace storage::schema
