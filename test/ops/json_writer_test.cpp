#include "ops/json_writer.hpp"

#include <catch2/catch.hpp>

#include <limits>

TEST_CASE("the json writer places commas and escapes strings", "[ops][json_writer]") {
    ops::JsonWriter w;
    w.begin_object()
        .field("a", std::uint64_t{1})
        .key("list")
        .begin_array()
        .value("x\"y\\z\n")
        .value(true)
        .null()
        .end_array()
        .field("n", std::optional<double>{})
        .field("inf", std::numeric_limits<double>::infinity())
        .field("tag", "</script>")
        .end_object();
    CHECK(w.str() == R"({"a":1,"list":["x\"y\\z\n",true,null],"n":null,"inf":null,"tag":"\u003c/script>"})");
}

TEST_CASE("the json writer writes control characters as unicode escapes", "[ops][json_writer]") {
    CHECK(ops::json_quote(std::string_view("a\x01" "b", 3)) == R"("a\u0001b")");
}
