#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "storage/schema/migration.hpp"
#include "storage/schema/migration_plan.hpp"

using namespace storage::schema;

namespace {

std::vector<std::string> dataplane_kysely_names() {
    const auto& m = embedded_migrations()[0];
    return {m.kysely_names.begin(), m.kysely_names.end()};
}

std::vector<std::string> dataplane_relations() {
    const auto& m = embedded_migrations()[0];
    std::vector<std::string> rels(m.creates.begin(), m.creates.end());
    std::sort(rels.begin(), rels.end());
    return rels;
}

std::string refusal(const SchemaState& state) {
    auto plan = plan_migrations(state, embedded_migrations());
    REQUIRE_FALSE(plan);
    return plan.error().message;
}

}  // namespace

TEST_CASE("the embedded migrations are numbered 1..N and 0001 knows bsky's 61 kysely names and 57 relations",
          "[schema][migration_plan]") {
    auto all = embedded_migrations();
    REQUIRE(all.size() >= 2);
    for (std::size_t i = 0; i < all.size(); ++i) CHECK(all[i].version == static_cast<int>(i + 1));
    CHECK(migration_label(all[0]) == "0001_dataplane");
    CHECK(migration_label(all[1]) == "0002_wintermute_state");
    CHECK(all[0].kysely_names.size() == 61);
    CHECK(all[0].creates.size() == 57);
    CHECK(std::find(all[1].creates.begin(), all[1].creates.end(), "sub_state") != all[1].creates.end());
}

TEST_CASE("an empty database gets every migration", "[schema][migration_plan]") {
    auto plan = plan_migrations(SchemaState{}, embedded_migrations());
    REQUIRE(plan);
    CHECK(plan->adopt_through == 0);
    CHECK(plan->to_apply.size() == embedded_migrations().size());
}

TEST_CASE("a database with wintermute bookkeeping gets only the missing migrations", "[schema][migration_plan]") {
    SchemaState state{.relations = dataplane_relations(), .kysely_names = dataplane_kysely_names(),
                      .wintermute_applied = std::vector<AppliedMigration>{{1, "dataplane"}}};
    auto plan = plan_migrations(state, embedded_migrations());
    REQUIRE(plan);
    REQUIRE(plan->to_apply.size() == embedded_migrations().size() - 1);
    CHECK(plan->to_apply[0]->version == 2);
}

TEST_CASE("a bsky-built schema with exactly the known kysely names is adopted", "[schema][migration_plan]") {
    SchemaState state{.relations = dataplane_relations(), .kysely_names = dataplane_kysely_names(),
                      .wintermute_applied = std::nullopt};
    state.relations.push_back("sub_state");  // an rsky-wintermute deployment already has it
    auto plan = plan_migrations(state, embedded_migrations());
    REQUIRE(plan);
    CHECK(plan->adopt_through == 1);
    REQUIRE(plan->to_apply.size() == embedded_migrations().size() - 1);
    CHECK(plan->to_apply[0]->version == 2);
}

TEST_CASE("refusals name what was found", "[schema][migration_plan]") {
    SECTION("tables without any bookkeeping") {
        SchemaState state{.relations = {"foo", "bar"}, .kysely_names = std::nullopt,
                          .wintermute_applied = std::nullopt};
        CHECK_THAT(refusal(state), Catch::Contains("foo") && Catch::Contains("2 table(s)"));
    }
    SECTION("unknown kysely migration names") {
        SchemaState state{.relations = dataplane_relations(), .kysely_names = dataplane_kysely_names(),
                          .wintermute_applied = std::nullopt};
        state.kysely_names->push_back("_20990101T000000000Z");
        CHECK_THAT(refusal(state), Catch::Contains("_20990101T000000000Z"));
    }
    SECTION("an older bsky schema (kysely names a strict subset)") {
        SchemaState state{.relations = dataplane_relations(), .kysely_names = dataplane_kysely_names(),
                          .wintermute_applied = std::nullopt};
        state.kysely_names->pop_back();
        CHECK_THAT(refusal(state), Catch::Contains("60 of the 61") && Catch::Contains("_20260904T130000000Z"));
    }
    SECTION("kysely says complete but a table is missing") {
        SchemaState state{.relations = dataplane_relations(), .kysely_names = dataplane_kysely_names(),
                          .wintermute_applied = std::nullopt};
        std::erase(state.relations, "post");
        CHECK_THAT(refusal(state), Catch::Contains("missing") && Catch::Contains("post"));
    }
    SECTION("an extra table next to a bsky-built schema") {
        SchemaState state{.relations = dataplane_relations(), .kysely_names = dataplane_kysely_names(),
                          .wintermute_applied = std::nullopt};
        state.relations.push_back("mystery");
        CHECK_THAT(refusal(state), Catch::Contains("mystery"));
    }
    SECTION("a newer wintermute migration than this binary knows") {
        SchemaState state{.relations = dataplane_relations(), .kysely_names = dataplane_kysely_names(),
                          .wintermute_applied = std::vector<AppliedMigration>{{1, "dataplane"}, {2, "wintermute_state"},
                                                                              {99, "future"}}};
        CHECK_THAT(refusal(state), Catch::Contains("0099_future") && Catch::Contains("newer"));
    }
    SECTION("a recorded migration whose name this binary does not know") {
        SchemaState state{.relations = dataplane_relations(), .kysely_names = dataplane_kysely_names(),
                          .wintermute_applied = std::vector<AppliedMigration>{{1, "something_else"}}};
        CHECK_THAT(refusal(state), Catch::Contains("0001_something_else") && Catch::Contains("0001_dataplane"));
    }
}
