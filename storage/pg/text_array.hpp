// text_array: a PostgreSQL text[] literal ({"a","b"}) of any strings, for passing a list as one
// text parameter ($1::text[]). Thread-safety: a pure function.
#pragma once

#include <string>
#include <vector>

namespace storage::pg {

// Each element double-quoted, its quotes and backslashes escaped: safe for any text.
[[nodiscard]] inline std::string text_array(const std::vector<std::string>& values) {
    std::string out = "{";
    for (const auto& value : values) {
        if (out.size() > 1) out += ',';
        out += '"';
        for (const char c : value) {
            if (c == '"' || c == '\\') out += '\\';
            out += c;
        }
        out += '"';
    }
    return out + "}";
}

}  // namespace storage::pg
