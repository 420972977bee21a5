#include "bin/bench/spill_bench.hpp"

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/core.h>

#include "storage/spill/spill_queue.hpp"

namespace bench {

namespace {

struct Options {
    std::uint64_t items = 2'000'000;
    std::size_t batch = 1000;
    double seconds = 10;
    std::filesystem::path dir = std::filesystem::temp_directory_path();
};

struct Run {
    std::uint64_t items = 0;
    double seconds = 0;
};

bool parse(std::span<char* const> args, Options& options) {
    for (std::size_t i = 0; i + 1 < args.size(); i += 2) {
        const std::string_view flag = args[i];
        const char* value = args[i + 1];
        if (flag == "--items") options.items = std::strtoull(value, nullptr, 10);
        else if (flag == "--batch") options.batch = std::strtoull(value, nullptr, 10);
        else if (flag == "--seconds") options.seconds = std::strtod(value, nullptr);
        else if (flag == "--dir") options.dir = value;
        else return false;
    }
    return args.size() % 2 == 0 && options.items > 0 && options.batch > 0 && options.seconds > 0;
}

// One push transaction, one lease, one ack transaction per batch, until `items` or the time cap.
Run measure(storage::spill::SpillQueue& queue, const Options& options) {
    const std::vector<std::byte> item(200, std::byte{0x5a});
    const std::vector<storage::lmdb::Bytes> batch(options.batch, storage::lmdb::Bytes(item));
    std::vector<std::uint64_t> ids;
    ids.reserve(options.batch);
    Run run;
    const auto start = std::chrono::steady_clock::now();
    const auto cap = std::chrono::duration<double>(options.seconds);
    while (run.items < options.items && std::chrono::steady_clock::now() - start < cap) {
        queue.push(batch);
        ids.clear();
        for (const auto& leased : queue.lease(options.batch)) ids.push_back(leased.id);
        queue.ack(ids);
        run.items += ids.size();
    }
    run.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return run;
}

}  // namespace

int run_spill(std::span<char* const> args) {
    Options options;
    if (!parse(args, options)) {
        fmt::print(stderr, "usage: wintermute-bench spill [--items N] [--batch N] [--seconds S] [--dir PATH]\n");
        return 2;
    }
    std::string pattern = (options.dir / "wintermute-spill-bench.XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) {
        fmt::print(stderr, "spill: cannot create a directory under {}\n", options.dir.string());
        return 1;
    }
    const std::filesystem::path root = pattern;
    fmt::print("spill queue: push+lease+ack, 200-byte items, {} items per transaction, in {}\n", options.batch,
               root.string());
    for (const auto mode : {storage::spill::Durability::nosync, storage::spill::Durability::nosync_meta,
                            storage::spill::Durability::sync}) {
        const auto name = storage::spill::durability_name(mode);
        storage::spill::SpillQueue queue(storage::spill::SpillConfig{.path = root / name, .durability = mode});
        const auto run = measure(queue, options);
        const auto counts = queue.counts();
        fmt::print("  {:<12} {:>10} items in {:6.2f} s  {:>10.0f} items/s  ({} left, map {} MiB)\n", name, run.items,
                   run.seconds, static_cast<double>(run.items) / run.seconds, counts.items,
                   counts.map_bytes >> 20);
    }
    std::filesystem::remove_all(root);
    return 0;
}

}  // namespace bench
