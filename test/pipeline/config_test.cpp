#include "pipeline/config.hpp"

#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "pipeline/config_keys.hpp"

using pipeline::CommandLine;
using pipeline::Environment;
using pipeline::Origin;

namespace {

// A TOML file in a fresh temporary directory, removed afterwards.
class TempFile {
public:
    explicit TempFile(const std::string& text) {
        static int counter = 0;
        path_ = std::filesystem::temp_directory_path() /
                ("wintermute-config-test-" + std::to_string(::getpid()) + "-" + std::to_string(++counter) + ".toml");
        std::ofstream(path_) << text;
    }
    ~TempFile() { std::filesystem::remove(path_); }
    TempFile(const TempFile&) = delete;
    TempFile& operator=(const TempFile&) = delete;
    [[nodiscard]] std::string path() const { return path_.string(); }

private:
    std::filesystem::path path_;
};

CommandLine with_file(const TempFile& file, std::vector<std::pair<std::string, std::string>> settings = {}) {
    return CommandLine{file.path(), false, std::move(settings)};
}

std::string error_of(const CommandLine& cl, const Environment& env = {}) {
    const auto loaded = pipeline::load_config(cl, env);
    REQUIRE_FALSE(loaded);
    return loaded.error().message;
}

CommandLine parse(std::vector<std::string> words) {
    std::vector<char*> argv;
    for (auto& w : words) argv.push_back(w.data());
    auto cl = pipeline::parse_command_line(argv);
    REQUIRE(cl);
    return *cl;
}

}  // namespace

TEST_CASE("built-in defaults are those of the original daemon", "[pipeline][config]") {
    const auto loaded = pipeline::load_config({}, {});
    REQUIRE(loaded);
    const auto& c = loaded->config;
    CHECK(c.database.pool_size == 20);
    CHECK(c.metrics.port == 9090);
    CHECK(c.backfiller.workers == 32);
    CHECK(c.backfiller.writers == 2);
    CHECK(c.backfiller.batch_size == 1000);
    CHECK(c.backfiller.output_high_water_mark == 100'000);
    CHECK(c.backfiller.timeout == std::chrono::seconds(120));
    CHECK(c.inline_concurrency == 100);
    CHECK(c.data_dir == "./data");
    CHECK(c.firehose.initial_cursor.start == pipeline::FirehoseCursor::Start::live);
    CHECK(c.identity.plc_url == "https://plc.directory");
    CHECK_FALSE(c.identity.handle_wellknown_base_url.has_value());
    CHECK_FALSE(c.network.allow_private_addresses);
    CHECK(c.classify.verify_block_hashes);
    CHECK(loaded->origins.at("database.pool_size").first == Origin::built_in);
}

TEST_CASE("the original's INDEXER_BATCH_SIZE and INDEXER_WORKERS set the writer's batch and the classify threads",
          "[pipeline][config]") {
    SECTION("unset, they show the stage settings' values") {
        const auto loaded = pipeline::load_config({}, {});
        REQUIRE(loaded);
        CHECK(loaded->config.indexer.batch_size == loaded->config.stages.batch_write.batch_size);
        CHECK(loaded->config.indexer.workers == loaded->config.stages.classify.threads);
        CHECK(loaded->origins.at("indexer.batch_size").first == Origin::built_in);
    }
    SECTION("set by the original's names") {
        const auto loaded = pipeline::load_config({}, {{"INDEXER_BATCH_SIZE", "2500"}, {"INDEXER_WORKERS", "6"}});
        REQUIRE(loaded);
        CHECK(loaded->config.stages.batch_write.batch_size == 2500);
        CHECK(loaded->config.stages.classify.threads == 6);
        const auto text = pipeline::print_config(*loaded);
        CHECK(text.find("stages.batch_write.batch_size = 2500  # env INDEXER_BATCH_SIZE") != std::string::npos);
        CHECK(text.find("stages.classify.threads = 6  # env INDEXER_WORKERS") != std::string::npos);
    }
    SECTION("set by the stage names") {
        const TempFile file("[stages.batch_write]\nbatch_size = 3000\n");
        const auto loaded = pipeline::load_config(with_file(file), {});
        REQUIRE(loaded);
        CHECK(loaded->config.indexer.batch_size == 3000);
        CHECK(pipeline::print_config(*loaded).find("indexer.batch_size = 3000  # file") != std::string::npos);
    }
    SECTION("the later layer's name wins, as for any key") {
        const TempFile file("[stages.batch_write]\nbatch_size = 3000\n");
        const auto loaded = pipeline::load_config(with_file(file), {{"INDEXER_BATCH_SIZE", "500"}});
        REQUIRE(loaded);
        CHECK(loaded->config.stages.batch_write.batch_size == 500);
        const auto flagged = pipeline::load_config(with_file(file, {{"stages.batch_write.batch_size", "700"}}),
                                                   {{"INDEXER_BATCH_SIZE", "500"}});
        REQUIRE(flagged);
        CHECK(flagged->config.indexer.batch_size == 700);
    }
    SECTION("both names in one layer: one value is accepted, two are refused naming both") {
        const TempFile same("[indexer]\nbatch_size = 3000\n[stages.batch_write]\nbatch_size = 3000\n");
        CHECK(pipeline::load_config(with_file(same), {}));
        const TempFile two("[indexer]\nbatch_size = 500\n[stages.batch_write]\nbatch_size = 3000\n");
        const auto message = error_of(with_file(two));
        CHECK(message.find("indexer.batch_size = 500 (from the config file)") != std::string::npos);
        CHECK(message.find("stages.batch_write.batch_size = 3000 (from the config file)") != std::string::npos);
    }
    SECTION("a value the stage setting does not allow is refused") {
        const auto message = error_of({}, {{"INDEXER_WORKERS", "2000"}});
        CHECK(message.find("INDEXER_WORKERS") != std::string::npos);
    }
}

TEST_CASE("packaging/wintermute.toml holds every key at its built-in default and docs/configuration.md lists it",
          "[pipeline][config]") {
    const char* root = std::getenv("WINTERMUTE_SOURCE_ROOT");
    REQUIRE(root != nullptr);
    std::ifstream docs_file(std::string(root) + "/docs/configuration.md");
    const std::string docs((std::istreambuf_iterator<char>(docs_file)), std::istreambuf_iterator<char>());
    REQUIRE_FALSE(docs.empty());
    const auto example = pipeline::load_config(
        CommandLine{std::string(root) + "/packaging/wintermute.toml", false, {}}, {});
    REQUIRE(example);
    const auto defaults = pipeline::load_config({}, {});
    REQUIRE(defaults);
    for (const auto& key : pipeline::config_keys()) {
        INFO(key.name);
        CHECK(docs.find("| `" + key.name + "` |") != std::string::npos);
        CHECK(key.show(example->config) == key.show(defaults->config));
        if (!key.show(defaults->config).empty()) {
            // Listed, not left out (the indexer.* names of two stage settings are commented out, and
            // take the stage settings' origin).
            CHECK(example->origins.at(key.name).first == Origin::file);
        }
    }
}

TEST_CASE("block hash checks can be turned off from the file or a flag, and only with a boolean",
          "[pipeline][config]") {
    const TempFile file("[classify]\nverify_block_hashes = false\n");
    auto from_file = pipeline::load_config(with_file(file), {});
    REQUIRE(from_file);
    CHECK_FALSE(from_file->config.classify.verify_block_hashes);
    auto from_flag = pipeline::load_config(parse({"--classify.verify-block-hashes", "off"}), {});
    REQUIRE(from_flag);
    CHECK_FALSE(from_flag->config.classify.verify_block_hashes);
    CHECK(error_of(parse({"--classify.verify_block_hashes=maybe"})).find("classify.verify_block_hashes") !=
          std::string::npos);
}

TEST_CASE("a flag beats an environment variable, which beats the file, which beats the default",
          "[pipeline][config]") {
    const TempFile file("[database]\npool_size = 8\n[stages.decode]\nthreads = 3\nflush_interval_ms = 250\n");
    const Environment env{{"DB_POOL_SIZE", "12"}, {"METRICS_PORT", "9200"}};

    auto only_file = pipeline::load_config(with_file(file), {});
    REQUIRE(only_file);
    CHECK(only_file->config.database.pool_size == 8);
    CHECK(only_file->origins.at("database.pool_size").first == Origin::file);
    CHECK(only_file->config.stages.decode.threads == 3);
    CHECK(only_file->config.stages.decode.flush_interval == std::chrono::milliseconds(250));

    auto file_env = pipeline::load_config(with_file(file), env);
    REQUIRE(file_env);
    CHECK(file_env->config.database.pool_size == 12);
    CHECK(file_env->origins.at("database.pool_size") == std::pair{Origin::env, std::string("DB_POOL_SIZE")});

    auto all = pipeline::load_config(with_file(file, {{"database.pool_size", "15"}}), env);
    REQUIRE(all);
    CHECK(all->config.database.pool_size == 15);
    CHECK(all->origins.at("database.pool_size").first == Origin::flag);
    CHECK(all->config.metrics.port == 9200);
    CHECK(all->config.stages.decode.threads == 3);
}

TEST_CASE("LOG_LEVEL wins over RUST_LOG and RUST_LOG lists are accepted", "[pipeline][config]") {
    auto rust = pipeline::load_config({}, {{"RUST_LOG", "wintermute=trace,debug"}});
    REQUIRE(rust);
    CHECK(rust->config.log.level == spdlog::level::debug);
    auto both = pipeline::load_config({}, {{"RUST_LOG", "debug"}, {"LOG_LEVEL", "warn"}});
    REQUIRE(both);
    CHECK(both->config.log.level == spdlog::level::warn);
    CHECK(both->origins.at("log.level").second == "LOG_LEVEL");
}

TEST_CASE("lists, cursors, booleans and optional URLs are read from the environment", "[pipeline][config]") {
    const Environment env{{"RELAY_HOSTS", "relay1.example, relay2.example,"},
                          {"FIREHOSE_INITIAL_CURSOR", "12345"},
                          {"ALLOW_PRIVATE_ADDRESSES", "true"},
                          {"HANDLE_WELLKNOWN_BASE_URL", "http://127.0.0.1:8080"}};
    auto loaded = pipeline::load_config({}, env);
    REQUIRE(loaded);
    const auto& c = loaded->config;
    CHECK(c.relay_hosts == std::vector<std::string>{"relay1.example", "relay2.example"});
    CHECK(c.firehose.initial_cursor.start == pipeline::FirehoseCursor::Start::seq);
    CHECK(c.firehose.initial_cursor.seq == 12345);
    CHECK(c.network.allow_private_addresses);
    CHECK(c.identity.handle_wellknown_base_url == "http://127.0.0.1:8080");
}

TEST_CASE("unknown keys are refused with the key and its known neighbours named", "[pipeline][config]") {
    const TempFile typo("[database]\npoolsize = 3\n");
    const auto message = error_of(with_file(typo));
    CHECK(message.find("unknown key 'database.poolsize'") != std::string::npos);
    CHECK(message.find("pool_size, url") != std::string::npos);

    const TempFile section("[stages.decoder]\nthreads = 2\n");
    CHECK(error_of(with_file(section)).find("'stages.decoder.threads'") != std::string::npos);

    CHECK(error_of({std::nullopt, false, {{"metrics.prot", "1"}}}).find("'metrics.prot' in the command line") !=
          std::string::npos);
}

TEST_CASE("bad values are refused naming the key, where it was set and what is allowed", "[pipeline][config]") {
    const auto env_error = error_of({}, {{"DB_POOL_SIZE", "twenty"}});
    CHECK(env_error.find("DB_POOL_SIZE") != std::string::npos);
    CHECK(env_error.find("database.pool_size") != std::string::npos);
    CHECK(env_error.find("an integer from 1 to 1000") != std::string::npos);

    const TempFile wrong_type("[metrics]\nport = \"9090\"\n");
    CHECK(error_of(with_file(wrong_type)).find("line 2") != std::string::npos);

    const TempFile zero_threads("[stages.classify]\nthreads = 0\n");
    CHECK(error_of(with_file(zero_threads)).find("stages.classify.threads: it takes an integer from 1") !=
          std::string::npos);

    const auto durability = error_of({std::nullopt, false, {{"spill.durability", "sometimes"}}});
    CHECK(durability.find("\"full\"") != std::string::npos);

    CHECK(error_of({}, {{"FIREHOSE_INITIAL_CURSOR", "-5"}}).find("firehose.initial_cursor") != std::string::npos);
    CHECK(error_of({}, {{"PLC_URL", "plc.directory"}}).find("an http(s) URL") != std::string::npos);
    CHECK(error_of({}, {{"ALLOW_PRIVATE_ADDRESSES", "maybe"}}).find("true or false") != std::string::npos);

    const TempFile broken("[database\nurl = 1\n");
    CHECK(error_of(with_file(broken)).find("line 1") != std::string::npos);
    CHECK(error_of({"/nonexistent/wintermute.toml", false, {}}).find("/nonexistent/wintermute.toml") !=
          std::string::npos);
}

TEST_CASE("the command line takes --config, --print-config and settings in both spellings", "[pipeline][config]") {
    const auto cl = parse({"--config", "w.toml", "--print-config", "--database.pool-size", "7",
                           "--stages.decode.threads=4"});
    CHECK(cl.config_file == "w.toml");
    CHECK(cl.print_config);
    REQUIRE(cl.settings.size() == 2);
    CHECK(cl.settings[0] == std::pair<std::string, std::string>{"database.pool_size", "7"});
    CHECK(cl.settings[1] == std::pair<std::string, std::string>{"stages.decode.threads", "4"});

    std::string stray = "serve";
    std::vector<char*> bad{stray.data()};
    CHECK_FALSE(pipeline::parse_command_line(bad));
    std::string dangling = "--metrics.port";
    std::vector<char*> missing{dangling.data()};
    CHECK_FALSE(pipeline::parse_command_line(missing));
}

TEST_CASE("print-config names every value's source and reads back as the same configuration",
          "[pipeline][config]") {
    const TempFile file("relay_hosts = [\"relay.example\"]\n[database]\nurl = \"postgres://db/bsky\"\n");
    const auto loaded = pipeline::load_config(with_file(file, {{"metrics.port", "9100"}}), {{"DB_POOL_SIZE", "5"}});
    REQUIRE(loaded);
    const auto text = pipeline::print_config(*loaded);
    CHECK(text.find("relay_hosts = [\"relay.example\"]  # file") != std::string::npos);
    CHECK(text.find("database.pool_size = 5  # env DB_POOL_SIZE") != std::string::npos);
    CHECK(text.find("metrics.port = 9100  # flag") != std::string::npos);
    CHECK(text.find("indexer.workers = 4  # default") != std::string::npos);
    CHECK(text.find("# identity.handle_wellknown_base_url is unset") != std::string::npos);

    const TempFile again(text);
    const auto reloaded = pipeline::load_config(with_file(again), {});
    REQUIRE(reloaded);
    auto strip = [](std::string s) {
        std::string out;
        std::size_t start = 0;
        while (start < s.size()) {
            const auto end = s.find('\n', start);
            const auto line = s.substr(start, end - start);
            out += line.substr(0, line.rfind("  # ")) + "\n";
            start = end + 1;
        }
        return out;
    };
    CHECK(strip(pipeline::print_config(*reloaded)) == strip(text));
}
