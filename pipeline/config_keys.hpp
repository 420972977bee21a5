// The table of every configuration key: its dotted name, environment variables, meaning, what
// values it allows, and how to set and show it. Used only by config.cpp and its tests; values
// arrive already lifted out of TOML, so this file knows no file format.
// Thread-safety: the table is built once and never changes.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <variant>
#include <vector>

#include "pipeline/config.hpp"

namespace pipeline {

struct ConfigValue {
    std::variant<std::string, std::int64_t, bool, std::vector<std::string>> value;
    // From the environment or a flag: a string to read as whatever the key's type is.
    bool textual = false;
};

struct ConfigKey {
    std::string name;              // "database.pool_size"
    std::vector<std::string> env;  // the first one set wins
    std::string help;
    std::string allowed;  // "an integer from 1 to 1000"
    // False when the value is not allowed; the config is then unchanged.
    std::function<bool(Config&, const ConfigValue&)> set;
    // The value as TOML; empty for an unset optional.
    std::function<std::string(const Config&)> show;
};

[[nodiscard]] const std::vector<ConfigKey>& config_keys();

}  // namespace pipeline
