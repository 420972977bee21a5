// A minimal streaming JSON writer for the ops endpoints: objects, arrays, strings (escaped),
// numbers (non-finite doubles become null), booleans and null. Commas are placed for the caller.
// Thread-safety: one writer per thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ops {

class JsonWriter {
public:
    JsonWriter& begin_object();
    JsonWriter& end_object();
    JsonWriter& begin_array();
    JsonWriter& end_array();
    JsonWriter& key(std::string_view name);   // inside an object, before each value

    JsonWriter& value(std::string_view text);
    JsonWriter& value(const char* text) { return value(std::string_view(text)); }
    JsonWriter& value(double number);
    JsonWriter& value(std::int64_t number);
    JsonWriter& value(std::uint64_t number);
    JsonWriter& value(bool flag);
    JsonWriter& null();
    template <typename T>
    JsonWriter& value(const std::optional<T>& maybe) {
        return maybe ? value(*maybe) : null();
    }

    // Shorthand for key(name).value(v).
    template <typename T>
    JsonWriter& field(std::string_view name, const T& v) {
        return key(name).value(v);
    }

    [[nodiscard]] const std::string& str() const noexcept { return out_; }

private:
    void separate();

    std::string out_;
    std::vector<bool> first_;   // per open container: no element written yet
    bool after_key_ = false;
};

// `text` as a JSON string literal, quotes included.
[[nodiscard]] std::string json_quote(std::string_view text);

}  // namespace ops
