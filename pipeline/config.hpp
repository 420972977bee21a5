// pipeline::Config: every daemon setting as plain structs with in-class defaults, loaded once
// from built-in defaults < TOML file < environment < command-line flags (docs/configuration.md).
// config.cpp is the only file that knows TOML; no component reads the environment itself.
// Thread-safety: plain values; loading has no shared state.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <spdlog/common.h>

#include "common/result.hpp"
#include "pipeline/stage_settings.hpp"

namespace pipeline {

// Where the firehose starts when no cursor is saved: the relay's live tip, its oldest
// retained event, or a given sequence number.
struct FirehoseCursor {
    enum class Start : std::uint8_t { live, oldest, seq };
    Start start = Start::live;
    std::int64_t seq = 0;
};

// LMDB commit durability of the spill queues: full (fsync each commit), nometasync (the
// last commit may be lost on an OS crash), nosync (leave flushing to the OS).
enum class Durability : std::uint8_t { full, nometasync, nosync };

struct SpillConfig {
    Durability durability = Durability::full;
    std::uint64_t map_size_mb = 4096;
    std::string repo_backfill_path = "repo_backfill";          // under data_dir
    std::uint64_t repo_backfill_high_water_mark = 10'000'000;
    std::string firehose_backfill_path = "firehose_backfill";  // under data_dir
};

struct StagesConfig {
    StageSettings firehose_read{.threads = 1, .queue_capacity = 4096, .batch_size = 1};
    StageSettings label_read{.threads = 1, .queue_capacity = 1024, .batch_size = 1};
    StageSettings decode{.threads = 2, .queue_capacity = 4096, .batch_size = 1};
    StageSettings classify{.threads = 4, .queue_capacity = 8192, .batch_size = 1};
    // The live writer lingers up to 10 ms for more input when a small batch's input runs dry: at
    // 2,000 events/s that cut its time in PostgreSQL from 98 % to under 40 % (docs/benchmarks.md).
    // Its threads are the live writer's lanes, each with its own connection (docs/indexing.md
    // "Writer lanes"): two keep both cores of the benchmark machine busy. Every transaction costs
    // a few ms of fixed work, so under load 2,000 events a batch beat 1,000 (1.11×), and with the
    // ordered part pipelined 4,000 beat 2,000 (1.06× into a fresh database, 1.12× into a deeper
    // one) where 8,000 gained nothing (docs/benchmarks.md). Batches below the load stay small.
    StageSettings batch_write{.threads = 2, .queue_capacity = 16384, .batch_size = 4000,
                              .idle_linger = std::chrono::milliseconds{10}};
    StageSettings repo_fetch{.threads = 32, .queue_capacity = 256, .batch_size = 1};
    StageSettings backfill_decode{.threads = 2, .queue_capacity = 1024, .batch_size = 1};
    StageSettings backfill_classify{.threads = 2, .queue_capacity = 8192, .batch_size = 1};
};

struct Config {
    std::vector<std::string> relay_hosts{"bsky.network"};
    std::vector<std::string> labeler_hosts{};
    std::string data_dir = "./data";
    std::uint64_t inline_concurrency = 100;
    struct {
        std::string url;
        std::uint64_t pool_size = 20;
    } database;
    struct {
        std::uint16_t port = 9090;
        std::uint64_t relay_silence_seconds = 60;
    } metrics;
    // The original daemon's names for stages.classify.threads and stages.batch_write.batch_size:
    // load_config gives each pair one value (docs/configuration.md); read the stage settings. Their
    // defaults are the stages'.
    struct {
        std::uint64_t workers = StagesConfig{}.classify.threads;
        std::uint64_t batch_size = StagesConfig{}.batch_write.batch_size;
    } indexer;
    struct {
        bool enabled = true;
        std::uint64_t max_car_mb = 1024;
        std::uint64_t max_per_host = 8;
        std::uint64_t workers = 32;
        std::uint64_t writers = 2;
        std::uint64_t batch_size = 1000;
        std::uint64_t output_high_water_mark = 100'000;
        std::chrono::seconds timeout{120};
    } backfiller;
    struct {
        spdlog::level::level_enum level = spdlog::level::info;
    } log;
    struct {
        FirehoseCursor initial_cursor;
    } firehose;
    struct {
        std::string plc_url = "https://plc.directory";
        std::optional<std::string> handle_wellknown_base_url;
    } identity;
    struct {
        bool allow_private_addresses = false;
    } network;
    struct {
        bool verify_commits = true;
        bool verify_block_hashes = true;  // off only to replay frames whose blocks were rewritten
    } classify;
    SpillConfig spill;
    struct {
        std::chrono::milliseconds deadline{30'000};
    } shutdown;
    StagesConfig stages;
};

enum class Origin : std::uint8_t { built_in, file, env, flag };

struct LoadedConfig {
    Config config;
    // Keyed by dotted key ("database.pool_size"): where the effective value came from, and
    // for env the variable's name.
    std::map<std::string, std::pair<Origin, std::string>> origins;
};

// What the command line asked for: `--config FILE`, `--print-config`, and settings given as
// `--section.key value` or `--section.key=value` (dashes in the key may stand for underscores).
struct CommandLine {
    std::optional<std::string> config_file;
    bool print_config = false;
    std::vector<std::pair<std::string, std::string>> settings;
};

using Environment = std::map<std::string, std::string>;

// Copies a NAME=value array (main's `environ`) into a map.
[[nodiscard]] Environment environment_from(const char* const* envp);

// Error: an argument that is not a --flag, or a flag without its value.
[[nodiscard]] common::Result<CommandLine> parse_command_line(std::span<char* const> args);

// Error: unreadable or malformed file, unknown key, or bad value; the message names the key,
// where it was set, and what is allowed.
[[nodiscard]] common::Result<LoadedConfig> load_config(const CommandLine& command_line, const Environment& env);

// The effective configuration as dotted TOML lines, each with a comment saying where it came from.
[[nodiscard]] std::string print_config(const LoadedConfig& loaded);

}  // namespace pipeline
