// Walks one JSON value against a Node, stopping at the first violation like the
// reference. One instance per validate call (holds the current path): not shared.
#pragma once

#include <cstdint>
#include <string_view>
#include <array>

#include <simdjson.h>

#include "atproto/lexicon/schema.hpp"
#include "atproto/lexicon/verdict.hpp"

namespace atproto::lexicon::detail {

class ValueChecker {
public:
    // Returns true if `value` matches `node`; otherwise fills `failure()`.
    bool check(const Node& node, simdjson::dom::element value);
    [[nodiscard]] const Verdict& failure() const { return failure_; }

private:
    struct Segment {
        std::string_view key;  // empty: array index
        size_t index = 0;
    };

    bool check_record(const Node& node, simdjson::dom::element value);
    bool check_object(const Node& node, simdjson::dom::element value);
    bool check_properties(const Node& node, simdjson::dom::object object);
    bool check_union(const Node& node, simdjson::dom::element value);
    bool check_array(const Node& node, simdjson::dom::element value);
    bool check_string(const Node& node, simdjson::dom::element value);
    bool check_integer(const Node& node, simdjson::dom::element value);
    bool check_bytes(const Node& node, simdjson::dom::element value);
    bool check_blob(const Node& node, simdjson::dom::element value);
    bool check_lex_value(simdjson::dom::element value, bool must_be_map);
    bool check_scalar_choice(const Node& node, simdjson::dom::element value);
    bool fail(Reason reason, StringFormat format = StringFormat::none);
    bool fail_at(std::string_view key, Reason reason);
    void push(Segment segment);
    void pop() { --depth_; }

    // A fixed path buffer keeps validation free of allocations; segments deeper than
    // this (only possible inside `unknown` maps) are left out of the reported path.
    std::array<Segment, 32> path_{};
    size_t depth_ = 0;
    Verdict failure_;
};

}  // namespace atproto::lexicon::detail
