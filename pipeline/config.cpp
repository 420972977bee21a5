#include "pipeline/config.hpp"

#include <algorithm>
#include <set>

#include <fmt/core.h>
#include <fmt/ranges.h>
#include <toml++/toml.h>

#include "pipeline/config_keys.hpp"

namespace pipeline {

namespace {

const ConfigKey* find_key(std::string_view name) {
    for (const auto& key : config_keys()) {
        if (key.name == name) return &key;
    }
    return nullptr;
}

// "unknown key 'database.poolsize'; [database] has: pool_size, url" — the keys next to it.
std::string unknown_key(std::string_view name, std::string_view where) {
    const auto dot = name.rfind('.');
    const std::string section(dot == std::string_view::npos ? "" : name.substr(0, dot));
    std::set<std::string> siblings;
    for (const auto& key : config_keys()) {
        if (section.empty()) {
            siblings.insert(key.name.substr(0, key.name.find('.')));
        } else if (key.name.starts_with(section + ".")) {
            const auto rest = key.name.substr(section.size() + 1);
            siblings.insert(rest.substr(0, rest.find('.')));
        }
    }
    if (siblings.empty()) return fmt::format("unknown key '{}' in {}; see docs/configuration.md", name, where);
    return fmt::format("unknown key '{}' in {}; {} has: {}", name, where,
                       section.empty() ? "the top level" : "[" + section + "]", fmt::join(siblings, ", "));
}

common::Result<void> apply(LoadedConfig& loaded, const ConfigKey& key, const ConfigValue& value, Origin origin,
                           const std::string& where, std::string_view shown) {
    if (!key.set(loaded.config, value)) {
        return common::fail(fmt::format("{}: bad value {} for {}: it takes {}", where, shown, key.name, key.allowed));
    }
    loaded.origins[key.name] = {origin, origin == Origin::env ? where : std::string()};
    return {};
}

std::optional<ConfigValue> from_toml(const toml::node& node) {
    if (const auto* s = node.as_string()) return ConfigValue{s->get(), false};
    if (const auto* i = node.as_integer()) return ConfigValue{i->get(), false};
    if (const auto* b = node.as_boolean()) return ConfigValue{b->get(), false};
    if (const auto* array = node.as_array()) {
        std::vector<std::string> items;
        for (const auto& element : *array) {
            const auto* s = element.as_string();
            if (s == nullptr) return std::nullopt;
            items.push_back(s->get());
        }
        return ConfigValue{std::move(items), false};
    }
    return std::nullopt;
}

std::string shown_toml(const toml::node& node) {
    std::string out;
    node.visit([&](const auto& v) {
        if constexpr (toml::is_string<decltype(v)>) {
            out = "\"" + v.get() + "\"";
        } else if constexpr (toml::is_number<decltype(v)> || toml::is_boolean<decltype(v)>) {
            out = fmt::format("{}", v.get());
        } else {
            out = fmt::format("(a TOML {})", toml::impl::node_type_friendly_names[static_cast<int>(v.type())]);
        }
    });
    return out;
}

common::Result<void> apply_table(LoadedConfig& loaded, const toml::table& table, const std::string& prefix,
                                 const std::string& file) {
    for (const auto& [k, node] : table) {
        const std::string name = prefix.empty() ? std::string(k.str()) : prefix + "." + std::string(k.str());
        if (const auto* sub = node.as_table()) {
            if (auto r = apply_table(loaded, *sub, name, file); !r) return r;
            continue;
        }
        const auto* key = find_key(name);
        if (key == nullptr) return common::fail(unknown_key(name, file));
        const auto value = from_toml(node);
        const auto where = fmt::format("{} line {}", file, node.source().begin.line);
        if (!value) {
            return common::fail(fmt::format("{}: bad value {} for {}: it takes {}", where, shown_toml(node), name,
                                            key->allowed));
        }
        if (auto r = apply(loaded, *key, *value, Origin::file, where, shown_toml(node)); !r) return r;
    }
    return {};
}

common::Result<void> apply_file(LoadedConfig& loaded, const std::string& file) {
    toml::table table;
    try {
        table = toml::parse_file(file);
    } catch (const toml::parse_error& e) {
        return common::fail(fmt::format("{} line {}: {}", file, e.source().begin.line, e.description()));
    }
    return apply_table(loaded, table, "", file);
}

common::Result<void> apply_env(LoadedConfig& loaded, const Environment& env) {
    for (const auto& key : config_keys()) {
        for (const auto& name : key.env) {
            const auto it = env.find(name);
            if (it == env.end()) continue;
            const ConfigValue value{it->second, true};
            if (auto r = apply(loaded, key, value, Origin::env, name, "\"" + it->second + "\""); !r) return r;
            break;
        }
    }
    return {};
}

common::Result<void> apply_flags(LoadedConfig& loaded, const CommandLine& command_line) {
    for (const auto& [name, text] : command_line.settings) {
        const auto* key = find_key(name);
        if (key == nullptr) return common::fail(unknown_key(name, "the command line"));
        const ConfigValue value{text, true};
        if (auto r = apply(loaded, *key, value, Origin::flag, "--" + name, "\"" + text + "\""); !r) return r;
    }
    return {};
}

// Where a key's value was set, for a message: "INDEXER_BATCH_SIZE", "--stages.classify.threads", "the config file".
std::string where_set(const LoadedConfig& loaded, const std::string& key) {
    const auto& [origin, env_name] = loaded.origins.at(key);
    switch (origin) {
        case Origin::built_in: return "the default";
        case Origin::file: return "the config file";
        case Origin::env: return env_name;
        case Origin::flag: return "--" + key;
    }
    return key;
}

// The original daemon's names for two stage settings: one setting under two names. The name set
// by the later layer (file < environment < flag) gives both its value and its origin (for
// --print-config); both set to different values in one layer is refused, since either choice
// would silently drop one.
common::Result<void> apply_aliases(LoadedConfig& loaded) {
    static constexpr std::pair<std::string_view, std::string_view> aliases[] = {
        {"indexer.batch_size", "stages.batch_write.batch_size"},
        {"indexer.workers", "stages.classify.threads"},
    };
    for (const auto& [alias_name, target_name] : aliases) {
        const auto& alias = *find_key(alias_name);
        const auto& target = *find_key(target_name);
        const auto alias_layer = loaded.origins.at(alias.name).first;
        const auto target_layer = loaded.origins.at(target.name).first;
        const auto alias_value = alias.show(loaded.config);
        const auto target_value = target.show(loaded.config);
        if (alias_layer == target_layer && alias_layer != Origin::built_in && alias_value != target_value) {
            return common::fail(fmt::format("{} = {} (from {}) and {} = {} (from {}) are one setting: set one of them",
                                            alias.name, alias_value, where_set(loaded, alias.name), target.name,
                                            target_value, where_set(loaded, target.name)));
        }
        const auto& [from, to] = alias_layer > target_layer ? std::pair{&alias, &target} : std::pair{&target, &alias};
        if (!to->set(loaded.config, ConfigValue{from->show(loaded.config), true})) {
            return common::fail(fmt::format("{}: {} is not allowed for {}, which it also sets: it takes {}",
                                            where_set(loaded, from->name), from->show(loaded.config), to->name,
                                            to->allowed));
        }
        loaded.origins[to->name] = loaded.origins.at(from->name);
    }
    return {};
}

}  // namespace

Environment environment_from(const char* const* envp) {
    Environment env;
    for (; envp != nullptr && *envp != nullptr; ++envp) {
        const std::string_view entry(*envp);
        const auto eq = entry.find('=');
        if (eq == std::string_view::npos) continue;
        env.emplace(std::string(entry.substr(0, eq)), std::string(entry.substr(eq + 1)));
    }
    return env;
}

common::Result<CommandLine> parse_command_line(std::span<char* const> args) {
    CommandLine out;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string_view arg(args[i]);
        if (!arg.starts_with("--") || arg.size() == 2) {
            return common::fail(fmt::format("unexpected argument '{}': settings are --section.key value", arg));
        }
        if (arg == "--print-config") {
            out.print_config = true;
            continue;
        }
        const auto eq = arg.find('=');
        std::string name(arg.substr(2, eq == std::string_view::npos ? std::string_view::npos : eq - 2));
        std::string value;
        if (eq != std::string_view::npos) {
            value = std::string(arg.substr(eq + 1));
        } else if (i + 1 < args.size()) {
            value = args[++i];
        } else {
            return common::fail(fmt::format("{} needs a value", arg));
        }
        std::replace(name.begin(), name.end(), '-', '_');
        if (name == "config") {
            out.config_file = std::move(value);
        } else {
            out.settings.emplace_back(std::move(name), std::move(value));
        }
    }
    return out;
}

common::Result<LoadedConfig> load_config(const CommandLine& command_line, const Environment& env) {
    LoadedConfig loaded;
    for (const auto& key : config_keys()) loaded.origins[key.name] = {Origin::built_in, {}};
    if (command_line.config_file) {
        if (auto r = apply_file(loaded, *command_line.config_file); !r) return tl::unexpected(r.error());
    }
    if (auto r = apply_env(loaded, env); !r) return tl::unexpected(r.error());
    if (auto r = apply_flags(loaded, command_line); !r) return tl::unexpected(r.error());
    if (auto r = apply_aliases(loaded); !r) return tl::unexpected(r.error());
    return loaded;
}

std::string print_config(const LoadedConfig& loaded) {
    std::string out;
    for (const auto& key : config_keys()) {
        const auto& [origin, env_name] = loaded.origins.at(key.name);
        std::string from;
        switch (origin) {
            case Origin::built_in: from = "default"; break;
            case Origin::file: from = "file"; break;
            case Origin::env: from = "env " + env_name; break;
            case Origin::flag: from = "flag"; break;
        }
        const auto value = key.show(loaded.config);
        if (value.empty()) {
            out += fmt::format("# {} is unset  # {}\n", key.name, from);
        } else {
            out += fmt::format("{} = {}  # {}\n", key.name, value, from);
        }
    }
    return out;
}

}  // namespace pipeline
