#include "bin/bench/decode_bench.hpp"
#include "bin/bench/bench_options.hpp"

#include <ctime>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <fmt/core.h>

#include "atproto/cbor/json.hpp"
#include "atproto/cbor/reader.hpp"
#include "atproto/repo/mst_walker.hpp"
#include "atproto/repo/repo.hpp"
#include "bin/bench/libcbor_baseline.hpp"
#include "bin/read_file.hpp"

namespace bench {

namespace {

using Bytes = std::vector<std::byte>;

struct Corpus {
    std::vector<Bytes> cars;                         // repo CARs whose walk completes
    std::vector<std::span<const std::byte>> records;  // every record block of those CARs
    std::size_t car_bytes = 0;
    std::size_t record_bytes = 0;
    std::size_t skipped = 0;
};

// CAR parse + CID checks + block index + commit + MST walk + full validation of every record.
std::optional<std::size_t> decode_repo(std::span<const std::byte> car, bool verify_hashes,
                                       std::vector<std::span<const std::byte>>* records = nullptr) {
    auto repo = atproto::repo::open_repo(car, {.verify_hashes = verify_hashes});
    if (!repo) return std::nullopt;
    atproto::repo::MstWalker walker(repo->blocks, repo->commit.data);
    atproto::repo::Leaf leaf;
    std::size_t count = 0;
    for (;;) {
        auto more = walker.next(leaf);
        if (!more) return std::nullopt;
        if (!*more) break;
        if (!atproto::cbor::validate(leaf.record)) return std::nullopt;
        if (records) records->push_back(leaf.record);
        ++count;
    }
    return count;
}

Corpus load_corpus(const std::filesystem::path& root) {
    Corpus corpus;
    std::vector<std::filesystem::path> paths;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(root)) {
        if (entry.path().extension() == ".car") paths.push_back(entry.path());
    }
    std::sort(paths.begin(), paths.end());
    for (const auto& path : paths) {
        auto bytes = bin::read_file(path.string());
        if (!bytes || !decode_repo(*bytes, true)) {
            ++corpus.skipped;
            continue;
        }
        corpus.car_bytes += bytes->size();
        corpus.cars.push_back(std::move(*bytes));
    }
    for (const auto& car : corpus.cars) (void)decode_repo(car, false, &corpus.records);
    for (const auto& r : corpus.records) corpus.record_bytes += r.size();
    return corpus;
}

struct Rate {
    double mb_per_s;
    double records_per_s;
};

// CPU time of this thread: the machine is shared, and a rate per core should not count the time
// other processes held the core.
double thread_seconds() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

// Repeats `round` (one pass over the corpus, returning false on error) for at least `seconds`
// of CPU time.
template <class Round>
std::optional<Rate> measure(double seconds, std::size_t bytes, std::size_t records, Round&& round) {
    const double start = thread_seconds();
    std::size_t rounds = 0;
    double elapsed = 0;
    do {
        if (!round()) return std::nullopt;
        ++rounds;
        elapsed = thread_seconds() - start;
    } while (elapsed < seconds);
    return Rate{static_cast<double>(bytes * rounds) / elapsed / 1e6, static_cast<double>(records * rounds) / elapsed};
}

void print_pair(std::string_view name, std::optional<Rate> ours, std::optional<Rate> base) {
    auto cell = [](std::optional<Rate> r) {
        return r ? fmt::format("{:10.1f} {:14.0f}", r->mb_per_s, r->records_per_s) : fmt::format("{:>25}", "error");
    };
    const std::string ratio = ours && base ? fmt::format("{:.1f}x", ours->records_per_s / base->records_per_s) : "-";
    fmt::print("{:<28} {} {} {:>8}\n", name, cell(ours), cell(base), ratio);
}

}  // namespace

int decode_bench(std::span<char* const> args) {
    double seconds = 2.0;
    std::string root;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string_view arg = args[i];
        if (arg == "--seconds" && i + 1 < args.size() && bin::bench::positive_number(args[i + 1], seconds)) {
            ++i;
        } else if (arg.starts_with("-") || !root.empty()) {
            fmt::print(stderr, "usage: wintermute-bench decode [--seconds S] [FIXTURES_DIR]\n");
            return 2;
        } else {
            root = arg;
        }
    }
    if (root.empty()) {
        root = bin::bench::shared_dir() + "/fixtures";
    }
    if (std::error_code ec; !std::filesystem::is_directory(root, ec)) {
        fmt::print(stderr, "wintermute-bench decode: {} is not a directory\n", root);
        return 1;
    }
    const Corpus corpus = load_corpus(root);
    if (corpus.cars.empty()) {
        fmt::print(stderr, "wintermute-bench decode: no repo CARs under {}\n", root);
        return 1;
    }
    fmt::print("decode: {} repo CARs ({} bytes, {} records, {} record bytes) from {}; {} skipped (partial/bad)\n",
               corpus.cars.size(), corpus.car_bytes, corpus.records.size(), corpus.record_bytes, root, corpus.skipped);
    fmt::print("{:<28} {:>10} {:>14} {:>10} {:>14} {:>8}\n", "", "MB/s", "records/s", "MB/s", "records/s", "speedup");
    fmt::print("{:<28} {:>25} {:>25}\n", "", "wintermute", "libcbor cbor_load");
    for (const bool verify : {false, true}) {
        auto ours = measure(seconds, corpus.car_bytes, corpus.records.size(), [&] {
            for (const auto& car : corpus.cars)
                if (!decode_repo(car, verify)) return false;
            return true;
        });
        auto base = measure(seconds, corpus.car_bytes, corpus.records.size(), [&] {
            for (const auto& car : corpus.cars)
                if (!libcbor::decode_repo(car, verify)) return false;
            return true;
        });
        print_pair(verify ? "repo decode, CID checks on" : "repo decode, CID checks off", ours, base);
    }
    std::string out;
    auto json_round = [&](auto&& convert) {
        return [&, convert] {
            for (const auto& record : corpus.records) {
                out.clear();
                if (!convert(record, out)) return false;
            }
            return true;
        };
    };
    auto ours = measure(seconds, corpus.record_bytes, corpus.records.size(), json_round([](auto r, std::string& o) {
                            return atproto::cbor::to_json(r, o).has_value();
                        }));
    auto base = measure(seconds, corpus.record_bytes, corpus.records.size(),
                        json_round([](auto r, std::string& o) { return libcbor::to_json(r, o); }));
    print_pair("record DAG-CBOR -> JSON", ours, base);
    return 0;
}

}  // namespace bench
