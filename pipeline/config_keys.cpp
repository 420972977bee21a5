#include "pipeline/config_keys.hpp"

#include <charconv>
#include <limits>
#include <optional>
#include <type_traits>

#include <fmt/core.h>
#include <fmt/ranges.h>

#include "common/log.hpp"

namespace pipeline {

namespace {

using Strings = std::vector<std::string>;

std::optional<std::int64_t> as_integer(const ConfigValue& v) {
    if (const auto* n = std::get_if<std::int64_t>(&v.value)) return *n;
    const auto* s = std::get_if<std::string>(&v.value);
    if (!v.textual || s == nullptr || s->empty()) return std::nullopt;
    std::int64_t n = 0;
    const auto [end, error] = std::from_chars(s->data(), s->data() + s->size(), n);
    if (error != std::errc{} || end != s->data() + s->size()) return std::nullopt;
    return n;
}

std::optional<bool> as_bool(const ConfigValue& v) {
    if (const auto* b = std::get_if<bool>(&v.value)) return *b;
    const auto* s = std::get_if<std::string>(&v.value);
    if (!v.textual || s == nullptr) return std::nullopt;
    if (*s == "true" || *s == "1" || *s == "yes" || *s == "on") return true;
    if (*s == "false" || *s == "0" || *s == "no" || *s == "off") return false;
    return std::nullopt;
}

const std::string* as_string(const ConfigValue& v) { return std::get_if<std::string>(&v.value); }

// A TOML array of strings, or (from env and flags) a comma-separated list.
std::optional<Strings> as_list(const ConfigValue& v) {
    if (const auto* list = std::get_if<Strings>(&v.value)) return *list;
    const auto* s = as_string(v);
    if (!v.textual || s == nullptr) return std::nullopt;
    Strings out;
    std::size_t start = 0;
    while (start <= s->size()) {
        const auto comma = std::min(s->find(',', start), s->size());
        auto item = s->substr(start, comma - start);
        item.erase(0, item.find_first_not_of(" \t"));
        item.erase(item.find_last_not_of(" \t") + 1);
        if (!item.empty()) out.push_back(item);
        start = comma + 1;
    }
    return out;
}

std::string quoted(const std::string& s) {
    std::string out = "\"";
    for (const char c : s) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    return out + "\"";
}

ConfigKey make(std::string name, Strings env, std::string help, std::string allowed) {
    return ConfigKey{std::move(name), std::move(env), std::move(help), std::move(allowed), {}, {}};
}

// An unsigned integer field (or a std::chrono duration, counted in its own unit).
template <class Field>
ConfigKey number(std::string name, Strings env, std::string help, std::int64_t min, std::int64_t max, Field field) {
    auto key = make(std::move(name), std::move(env), std::move(help),
                    fmt::format("an integer from {} to {}", min, max));
    key.set = [=](Config& c, const ConfigValue& v) {
        const auto n = as_integer(v);
        if (!n || *n < min || *n > max) return false;
        using T = std::remove_reference_t<decltype(field(c))>;
        if constexpr (std::is_integral_v<T>) {
            field(c) = static_cast<T>(*n);
        } else {
            field(c) = T(static_cast<typename T::rep>(*n));
        }
        return true;
    };
    key.show = [=](const Config& c) {
        const auto& value = field(c);
        if constexpr (std::is_integral_v<std::remove_cvref_t<decltype(value)>>) {
            return fmt::format("{}", value);
        } else {
            return fmt::format("{}", value.count());
        }
    };
    return key;
}

template <class Field>
ConfigKey text(std::string name, Strings env, std::string help, std::string allowed, bool (*ok)(const std::string&),
               Field field) {
    auto key = make(std::move(name), std::move(env), std::move(help), std::move(allowed));
    key.set = [=](Config& c, const ConfigValue& v) {
        const auto* s = as_string(v);
        if (s == nullptr || !ok(*s)) return false;
        field(c) = *s;
        return true;
    };
    key.show = [=](const Config& c) { return quoted(field(c)); };
    return key;
}

bool any(const std::string&) { return true; }
bool non_empty(const std::string& s) { return !s.empty(); }
bool http_url(const std::string& s) { return s.starts_with("https://") || s.starts_with("http://"); }
bool http_url_or_empty(const std::string& s) { return s.empty() || http_url(s); }

template <class Field>
ConfigKey hosts(std::string name, Strings env, std::string help, Field field) {
    auto key = make(std::move(name), std::move(env), std::move(help),
                    "a list of `host`, `host:port`, `ws://host:port` or `wss://host[:port]` entries "
                    "(TOML array of strings; comma-separated in env and flags)");
    key.set = [=](Config& c, const ConfigValue& v) {
        auto list = as_list(v);
        if (!list) return false;
        for (const auto& h : *list) {
            // A URL's scheme is the only place a slash may appear (the socket stage parses the rest).
            const auto rest = h.starts_with("wss://") ? h.substr(6) : h.starts_with("ws://") ? h.substr(5) : h;
            if (rest.empty() || rest.find_first_of(" \t") != std::string::npos) return false;
            if (auto slash = rest.find('/'); slash != std::string::npos && slash + 1 != rest.size()) return false;
        }
        field(c) = std::move(*list);
        return true;
    };
    key.show = [=](const Config& c) {
        Strings q;
        for (const auto& h : field(c)) q.push_back(quoted(h));
        return fmt::format("[{}]", fmt::join(q, ", "));
    };
    return key;
}

ConfigKey log_level() {
    auto key = make("log.level", {"LOG_LEVEL", "RUST_LOG"}, "least severe log level written",
                    "trace, debug, info, warn, error or off (RUST_LOG lists: the first bare level)");
    key.set = [](Config& c, const ConfigValue& v) {
        const auto* s = as_string(v);
        const auto level = s != nullptr ? common::parse_log_level(*s) : std::nullopt;
        if (!level) return false;
        c.log.level = *level;
        return true;
    };
    key.show = [](const Config& c) {
        switch (c.log.level) {
            case spdlog::level::trace: return quoted("trace");
            case spdlog::level::debug: return quoted("debug");
            case spdlog::level::info: return quoted("info");
            case spdlog::level::warn: return quoted("warn");
            case spdlog::level::err: return quoted("error");
            case spdlog::level::critical: return quoted("critical");
            default: return quoted("off");
        }
    };
    return key;
}

ConfigKey initial_cursor() {
    auto key = make("firehose.initial_cursor", {"FIREHOSE_INITIAL_CURSOR"},
                    "where the firehose starts when no cursor is saved",
                    "\"live\", \"oldest\" or a sequence number >= 0");
    key.set = [](Config& c, const ConfigValue& v) {
        using Start = FirehoseCursor::Start;
        const auto* s = as_string(v);
        if (s != nullptr && *s == "live") return c.firehose.initial_cursor = {Start::live, 0}, true;
        if (s != nullptr && *s == "oldest") return c.firehose.initial_cursor = {Start::oldest, 0}, true;
        ConfigValue number = v;
        if (s != nullptr) number.textual = true;  // "12345" is a sequence number even in TOML
        const auto n = as_integer(number);
        if (!n || *n < 0) return false;
        c.firehose.initial_cursor = {Start::seq, *n};
        return true;
    };
    key.show = [](const Config& c) {
        switch (c.firehose.initial_cursor.start) {
            case FirehoseCursor::Start::live: return std::string("\"live\"");
            case FirehoseCursor::Start::oldest: return std::string("\"oldest\"");
            case FirehoseCursor::Start::seq: break;
        }
        return fmt::format("{}", c.firehose.initial_cursor.seq);
    };
    return key;
}

ConfigKey durability() {
    auto key = make("spill.durability", {}, "when LMDB spill commits reach the disk",
                    "\"full\" (fsync every commit), \"nometasync\" or \"nosync\"");
    key.set = [](Config& c, const ConfigValue& v) {
        const auto* s = as_string(v);
        if (s == nullptr) return false;
        if (*s == "full") return c.spill.durability = Durability::full, true;
        if (*s == "nometasync") return c.spill.durability = Durability::nometasync, true;
        if (*s == "nosync") return c.spill.durability = Durability::nosync, true;
        return false;
    };
    key.show = [](const Config& c) {
        switch (c.spill.durability) {
            case Durability::full: break;
            case Durability::nometasync: return quoted("nometasync");
            case Durability::nosync: return quoted("nosync");
        }
        return quoted("full");
    };
    return key;
}

// A true/false field.
template <class Field>
ConfigKey boolean(std::string name, Strings env, std::string help, Field field) {
    auto key = make(std::move(name), std::move(env), std::move(help), "true or false");
    key.set = [=](Config& c, const ConfigValue& v) {
        const auto b = as_bool(v);
        if (!b) return false;
        field(c) = *b;
        return true;
    };
    key.show = [=](const Config& c) { return std::string(field(c) ? "true" : "false"); };
    return key;
}

ConfigKey handle_wellknown_base_url() {
    auto key = make("identity.handle_wellknown_base_url", {"HANDLE_WELLKNOWN_BASE_URL"},
                    "base URL replacing https://<handle> for /.well-known/atproto-did lookups (tests, mirrors)",
                    "an http(s) URL, or empty for unset");
    key.set = [](Config& c, const ConfigValue& v) {
        const auto* s = as_string(v);
        if (s == nullptr || !http_url_or_empty(*s)) return false;
        c.identity.handle_wellknown_base_url = s->empty() ? std::nullopt : std::optional<std::string>(*s);
        return true;
    };
    key.show = [](const Config& c) {
        return c.identity.handle_wellknown_base_url ? quoted(*c.identity.handle_wellknown_base_url) : std::string();
    };
    return key;
}

void add_stage_keys(std::vector<ConfigKey>& keys, const std::string& stage, StageSettings StagesConfig::*member,
                    const char* threads = "worker threads (lanes, for a keyed stage)") {
    const auto prefix = "stages." + stage + ".";
    keys.push_back(number(prefix + "threads", {}, threads, 1, 1024,
                          [member](auto& c) -> auto& { return (c.stages.*member).threads; }));
    keys.push_back(number(prefix + "queue_capacity", {}, "items its input queue holds before producers block", 1,
                          100'000'000, [member](auto& c) -> auto& { return (c.stages.*member).queue_capacity; }));
    keys.push_back(number(prefix + "batch_size", {}, "items per flush (batching stages)", 1, 1'000'000,
                          [member](auto& c) -> auto& { return (c.stages.*member).batch_size; }));
    keys.push_back(number(prefix + "flush_interval_ms", {}, "longest a batching stage holds items, milliseconds", 1,
                          3'600'000, [member](auto& c) -> auto& { return (c.stages.*member).flush_interval; }));
    keys.push_back(number(prefix + "idle_linger_ms", {},
                          "with flush on idle (the live writer): longest a batch's first item waits for more input "
                          "once the input runs dry, milliseconds (0: commit at once)",
                          0, 60'000, [member](auto& c) -> auto& { return (c.stages.*member).idle_linger; }));
}

std::vector<ConfigKey> build_keys() {
    std::vector<ConfigKey> k;
    k.push_back(hosts("relay_hosts", {"RELAY_HOSTS"}, "relays whose firehose is indexed",
                      [](auto& c) -> auto& { return c.relay_hosts; }));
    k.push_back(hosts("labeler_hosts", {"LABELER_HOSTS"}, "labelers whose label stream is indexed",
                      [](auto& c) -> auto& { return c.labeler_hosts; }));
    k.push_back(text("data_dir", {"DATA_DIR"}, "directory of every LMDB file (spill queues, caches)",
                     "a non-empty path", non_empty, [](auto& c) -> auto& { return c.data_dir; }));
    k.push_back(number("inline_concurrency", {"INLINE_CONCURRENCY"},
                       "repos backfilled inline from the live path at once", 1, 100'000,
                       [](auto& c) -> auto& { return c.inline_concurrency; }));
    k.push_back(text("database.url", {"DATABASE_URL"}, "PostgreSQL connection URL or conninfo", "a string", any,
                     [](auto& c) -> auto& { return c.database.url; }));
    k.push_back(number("database.pool_size", {"DB_POOL_SIZE"}, "PostgreSQL connections", 1, 1000,
                       [](auto& c) -> auto& { return c.database.pool_size; }));
    k.push_back(number("metrics.port", {"METRICS_PORT"},
                       "port of /metrics, /_health and the dashboard (0: any free port, logged at start)", 0, 65535,
                       [](auto& c) -> auto& { return c.metrics.port; }));
    k.push_back(number("metrics.relay_silence_seconds", {"HEALTH_RELAY_SILENCE_SECS"},
                       "a relay silent for longer makes /_health answer 503", 1, 86'400,
                       [](auto& c) -> auto& { return c.metrics.relay_silence_seconds; }));
    k.push_back(number("indexer.workers", {"INDEXER_WORKERS"},
                       "the original daemon's name for stages.classify.threads, the threads turning events into rows",
                       1, 1024, [](auto& c) -> auto& { return c.indexer.workers; }));
    k.push_back(number("indexer.batch_size", {"INDEXER_BATCH_SIZE"},
                       "the original daemon's name for stages.batch_write.batch_size, live events per database batch",
                       1, 1'000'000, [](auto& c) -> auto& { return c.indexer.batch_size; }));
    k.push_back(boolean("backfiller.enabled", {"BACKFILLER_ENABLED"},
                     "backfill repos: listRepos of every relay once, #sync re-fetches, queue_backfill requests",
                     [](auto& c) -> auto& { return c.backfiller.enabled; }));
    k.push_back(number("backfiller.max_car_mb", {"BACKFILLER_MAX_CAR_MB"}, "largest repo CAR fetched, MiB", 1,
                       1'048'576, [](auto& c) -> auto& { return c.backfiller.max_car_mb; }));
    k.push_back(number("backfiller.max_per_host", {"BACKFILLER_MAX_PER_HOST"}, "concurrent getRepo fetches per PDS",
                       1, 4096, [](auto& c) -> auto& { return c.backfiller.max_per_host; }));
    k.push_back(number("backfiller.workers", {"BACKFILLER_WORKERS"}, "repos fetched and indexed at once", 1, 4096,
                       [](auto& c) -> auto& { return c.backfiller.workers; }));
    k.push_back(number("backfiller.writers", {"BACKFILLER_WRITERS"},
                       "backfill database writers, each on its own connection (at most DB_POOL_SIZE - 3 - the live writer's lanes)", 1, 256,
                       [](auto& c) -> auto& { return c.backfiller.writers; }));
    k.push_back(number("backfiller.batch_size", {"BACKFILLER_BATCH_SIZE"}, "backfill records per database batch", 1,
                       1'000'000, [](auto& c) -> auto& { return c.backfiller.batch_size; }));
    k.push_back(number("backfiller.output_high_water_mark", {"BACKFILLER_OUTPUT_HIGH_WATER_MARK"},
                       "backfill items waiting (memory + spill) above which repo fetching pauses", 1,
                       1'000'000'000'000, [](auto& c) -> auto& { return c.backfiller.output_high_water_mark; }));
    k.push_back(number("backfiller.timeout_secs", {"BACKFILLER_TIMEOUT_SECS"},
                       "longest one repo fetch may take, seconds", 1, 86'400,
                       [](auto& c) -> auto& { return c.backfiller.timeout; }));
    k.push_back(log_level());
    k.push_back(initial_cursor());
    k.push_back(text("identity.plc_url", {"PLC_URL"}, "PLC directory resolving did:plc", "an http(s) URL", http_url,
                     [](auto& c) -> auto& { return c.identity.plc_url; }));
    k.push_back(handle_wellknown_base_url());
    k.push_back(boolean("network.allow_private_addresses", {"ALLOW_PRIVATE_ADDRESSES"},
                        "let PDS, did:web and handle fetches reach private and loopback addresses",
                        [](auto& c) -> auto& { return c.network.allow_private_addresses; }));
    k.push_back(boolean("classify.verify_block_hashes", {},
                        "check every CAR block of a #commit/#sync against its CID (off only for benchmarks "
                        "replaying rewritten frames)",
                        [](auto& c) -> auto& { return c.classify.verify_block_hashes; }));
    k.push_back(boolean("classify.verify_commits", {"VERIFY_COMMITS"},
                        "check the signature and Sync 1.1 proof of commits of repos whose signing key is known",
                        [](auto& c) -> auto& { return c.classify.verify_commits; }));
    k.push_back(durability());
    k.push_back(number("spill.map_size_mb", {}, "LMDB map size of each spill file, MiB", 1, 16'777'216,
                       [](auto& c) -> auto& { return c.spill.map_size_mb; }));
    k.push_back(text("spill.repo_backfill_path", {}, "repo backfill queue (keyed, deduplicated), relative to data_dir",
                     "a non-empty path", non_empty, [](auto& c) -> auto& { return c.spill.repo_backfill_path; }));
    k.push_back(number("spill.repo_backfill_high_water_mark", {}, "queued repos above which listRepos pauses", 1,
                       1'000'000'000'000, [](auto& c) -> auto& { return c.spill.repo_backfill_high_water_mark; }));
    k.push_back(text("spill.firehose_backfill_path", {}, "backfill event overflow spill, relative to data_dir",
                     "a non-empty path", non_empty, [](auto& c) -> auto& { return c.spill.firehose_backfill_path; }));
    k.push_back(number("shutdown.deadline_ms", {}, "longest a graceful stop may drain before queues are aborted", 1,
                       3'600'000, [](auto& c) -> auto& { return c.shutdown.deadline; }));
    add_stage_keys(k, "firehose_read", &StagesConfig::firehose_read);
    add_stage_keys(k, "label_read", &StagesConfig::label_read);
    add_stage_keys(k, "decode", &StagesConfig::decode);
    add_stage_keys(k, "classify", &StagesConfig::classify);
    add_stage_keys(k, "batch_write", &StagesConfig::batch_write,
                   "the live writer's lanes: connections applying a large batch's independent events in parallel "
                   "before the rest in order (docs/indexing.md \"Writer lanes\"); 1 applies every batch in one "
                   "transaction");
    add_stage_keys(k, "repo_fetch", &StagesConfig::repo_fetch);
    add_stage_keys(k, "backfill_decode", &StagesConfig::backfill_decode);
    add_stage_keys(k, "backfill_classify", &StagesConfig::backfill_classify);
    return k;
}

}  // namespace

const std::vector<ConfigKey>& config_keys() {
    static const std::vector<ConfigKey> keys = build_keys();
    return keys;
}

}  // namespace pipeline
