// Crash durability: a forked child pushes, leases and acknowledges with real threads until the parent kills it with
// SIGKILL at a random moment; the parent then reopens the queue and checks it against the child's log and the
// queue's contents before that round: nothing pushed is lost, nothing acknowledged comes back, batches are atomic.
#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <functional>
#include <random>
#include <thread>

#include "storage/spill/big_endian.hpp"
#include "storage/spill/keyed_spill_queue.hpp"
#include "storage/spill/spill_queue.hpp"
#include "test/storage/spill/crash_log.hpp"
#include "test/storage/temp_dir.hpp"

using namespace storage::spill;
using test_support::CrashLog;
using test_support::CrashLogWriter;

namespace {

std::vector<std::byte> payload(std::uint64_t n) {
    std::vector<std::byte> bytes(8 + n % 50, std::byte{'x'});
    put_u64(std::span<std::byte, 8>(bytes.data(), 8), n);
    return bytes;
}

void spill_consumer(SpillQueue& queue, const CrashLogWriter& log, std::atomic<std::uint64_t>& next_op, unsigned seed) {
    std::mt19937 rng(seed);
    std::vector<std::pair<std::uint64_t, std::uint64_t>> pending;  // spill id, number
    for (;;) {
        const auto leased = queue.lease(1 + rng() % 64);
        std::vector<std::uint64_t> leased_numbers;
        for (const auto& item : leased) {
            pending.emplace_back(item.id, decode_u64(item.bytes));
            leased_numbers.push_back(pending.back().second);
        }
        if (!leased.empty()) {
            // Written after lease() returned: the parent learns which items this process held in flight.
            const auto op = next_op++;
            log.begin('L', op, leased_numbers);
            log.done('L', op);
        }
        std::shuffle(pending.begin(), pending.end(), rng);
        const std::size_t take = rng() % (pending.size() + 1);
        if (take == 0) {
            std::this_thread::sleep_for(std::chrono::microseconds(200));
            continue;
        }
        std::vector<std::uint64_t> ids;
        std::vector<std::uint64_t> numbers;
        for (std::size_t i = 0; i < take; ++i) {
            ids.push_back(pending[i].first);
            numbers.push_back(pending[i].second);
        }
        const auto op = next_op++;
        log.begin('A', op, numbers);
        queue.ack(ids);
        log.done('A', op);
        pending.erase(pending.begin(), pending.begin() + static_cast<std::ptrdiff_t>(take));
    }
}

[[noreturn]] void spill_child(const SpillConfig& config, const std::filesystem::path& log_path, std::uint64_t first,
                              unsigned seed) {
    try {
        SpillQueue queue(config);
        const CrashLogWriter log(log_path);
        std::atomic<std::uint64_t> next_op{1};
        std::jthread producer([&] {
            std::mt19937 rng(seed);
            for (std::uint64_t next = first;;) {
                std::vector<std::uint64_t> numbers(1 + rng() % 64);
                for (auto& n : numbers) n = next++;
                std::vector<std::vector<std::byte>> payloads;
                std::vector<storage::lmdb::Bytes> views;
                for (const auto n : numbers) views.emplace_back(payloads.emplace_back(payload(n)));
                const auto op = next_op++;
                log.begin('P', op, numbers);
                const auto pressure = queue.push(views);
                log.done('P', op);
                if (pressure == Pressure::above_high_water) queue.wait_below_high_water({});
            }
        });
        spill_consumer(queue, log, next_op, seed + 1);
    } catch (const std::exception& error) {
        std::fprintf(stderr, "spill child: %s\n", error.what());
    }
    _exit(3);
}

std::string did(std::uint64_t n) { return "did:plc:" + std::to_string(n); }

std::uint64_t did_number(std::string_view key) { return std::stoull(std::string(key.substr(8))); }

// One thread: pushes fresh keys (plus duplicates of queued ones at random levels), leases, acknowledges.
// Only fresh keys are logged: duplicates of a queued key do not change what is queued.
[[noreturn]] void keyed_child(const SpillConfig& config, const std::filesystem::path& log_path, std::uint64_t first,
                              unsigned seed) {
    try {
        KeyedSpillQueue queue(config);
        const CrashLogWriter log(log_path);
        std::mt19937 rng(seed);
        std::set<std::uint64_t> acked;
        std::vector<std::uint64_t> pending;
        for (std::uint64_t next = first, op = 1;; ++op) {
            const auto choice = rng() % 3;
            if (choice == 0) {
                std::vector<std::uint64_t> fresh(1 + rng() % 32);
                for (auto& n : fresh) n = next++;
                std::vector<std::string> keys;
                for (const auto n : fresh) keys.push_back(did(n));
                for (int d = 0; d < 4; ++d) {
                    const auto n = first + rng() % (next - first);
                    if (acked.count(n) == 0) keys.push_back(did(n));
                }
                std::vector<KeyedPush> batch;
                for (const auto& key : keys) batch.push_back({key, static_cast<Priority>(rng() % priority_levels)});
                log.begin('P', op, fresh);
                queue.push(batch);
                log.done('P', op);
            } else if (choice == 1) {
                std::vector<std::uint64_t> numbers;
                for (const auto& item : queue.lease(1 + rng() % 32)) numbers.push_back(did_number(item.key));
                log.begin('L', op, numbers);
                log.done('L', op);
                pending.insert(pending.end(), numbers.begin(), numbers.end());
            } else {
                std::shuffle(pending.begin(), pending.end(), rng);
                const auto take = static_cast<std::ptrdiff_t>(rng() % (pending.size() + 1));
                const std::vector<std::uint64_t> numbers(pending.begin(), pending.begin() + take);
                pending.erase(pending.begin(), pending.begin() + static_cast<std::ptrdiff_t>(numbers.size()));
                std::vector<std::string> keys;
                for (const auto n : numbers) keys.push_back(did(n));
                acked.insert(numbers.begin(), numbers.end());
                log.begin('A', op, numbers);
                queue.ack(keys);
                log.done('A', op);
            }
        }
    } catch (const std::exception& error) {
        std::fprintf(stderr, "keyed child: %s\n", error.what());
    }
    _exit(3);
}

// Forks `child`, lets it run for a random time (at least `min_ms`), kills it with SIGKILL and reaps it.
void run_and_kill(const std::function<void()>& child, std::mt19937& rng, unsigned min_ms = 0) {
    const pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        child();
        _exit(4);
    }
    const auto ms = min_ms + (rng() % 8 == 0 ? 100 + rng() % 200 : 1 + rng() % 60);
    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
    REQUIRE(kill(pid, SIGKILL) == 0);
    int status = 0;
    REQUIRE(waitpid(pid, &status, 0) == pid);
    INFO("child ran " << ms << " ms");
    REQUIRE(WIFSIGNALED(status));  // it did not fail on its own
    REQUIRE(WTERMSIG(status) == SIGKILL);
}

// The reopened contents against the contents before the round and the child's log. Returns the violations.
std::vector<std::string> check_round(const std::set<std::uint64_t>& before, const CrashLog& log,
                                     const std::set<std::uint64_t>& found) {
    std::vector<std::string> bad;
    for (const auto n : found) {
        if (before.count(n) == 0 && log.push.attempted.count(n) == 0) {
            bad.push_back("never pushed " + std::to_string(n));
        }
        if (log.ack.confirmed.count(n) != 0) bad.push_back("acknowledged but back " + std::to_string(n));
    }
    auto must_survive = before;
    must_survive.insert(log.push.confirmed.begin(), log.push.confirmed.end());
    for (const auto n : must_survive) {
        if (log.ack.attempted.count(n) == 0 && found.count(n) == 0) bad.push_back("lost " + std::to_string(n));
    }
    auto all_or_none = [&](const std::vector<std::uint64_t>& batch, const std::set<std::uint64_t>& skip) {
        std::size_t considered = 0;
        std::size_t present = 0;
        for (const auto n : batch) {
            if (skip.count(n) != 0) continue;
            ++considered;
            present += found.count(n);
        }
        if (present != 0 && present != considered) bad.push_back("torn batch of " + std::to_string(batch.size()));
    };
    // A push cut before "P=" may already have been leased and acknowledged by the consumer thread.
    for (const auto& batch : log.push.unfinished) all_or_none(batch, log.ack.attempted);
    for (const auto& batch : log.ack.unfinished) all_or_none(batch, {});
    if (bad.size() > 5) bad.resize(5);
    return bad;
}

}  // namespace

TEST_CASE("a spill queue killed with SIGKILL at random moments loses nothing pushed and returns nothing acknowledged",
          "[spill][crash]") {
    struct Mode {
        Durability durability;
        int rounds;
        unsigned min_ms;  // fsync per commit is slow on a busy disk: give the child time to reach its acks
    };
    const Mode modes[] = {{Durability::nosync, 25, 0}, {Durability::nosync_meta, 4, 150}, {Durability::sync, 4, 150}};
    const auto seed = std::random_device{}();
    INFO("seed " << seed);
    std::mt19937 rng(seed);
    for (const auto& [mode, rounds, min_ms] : modes) {
        INFO("durability " << durability_name(mode));
        test_support::TempDir dir;
        const SpillConfig config{.path = dir.path() / "spill", .durability = mode, .initial_map_bytes = 256 * 1024,
                                 .high_water_items = 4000};
        std::set<std::uint64_t> before;
        std::uint64_t next_number = 1;
        std::uint64_t pushed = 0;
        std::uint64_t acked = 0;
        std::uint64_t redelivered = 0;  // leased by a killed child without acknowledgement, found again
        for (int round = 0; round < rounds; ++round) {
            INFO("round " << round);
            const auto log_path = dir.path() / "child.log";
            const unsigned child_seed = rng();
            run_and_kill([&] { spill_child(config, log_path, next_number, child_seed); }, rng, min_ms);
            const auto log = CrashLog::read(log_path);
            SpillQueue queue(config);
            const auto counts = queue.counts();
            std::set<std::uint64_t> found;
            std::uint64_t bytes = 0;
            std::uint64_t previous = 0;
            bool fifo = true;
            for (auto items = queue.lease(1000); !items.empty(); items = queue.lease(1000)) {
                for (const auto& item : items) {
                    const auto n = decode_u64(item.bytes);
                    fifo = fifo && n > previous && item.bytes == payload(n);
                    previous = n;
                    found.insert(n);
                    bytes += item.bytes.size();
                }
            }
            CHECK(fifo);
            CHECK(counts.items == found.size());
            CHECK(counts.bytes == bytes);
            const auto violations = check_round(before, log, found);
            CAPTURE(violations);
            CHECK(violations.empty());
            for (const auto n : log.lease.confirmed) redelivered += found.count(n);
            pushed += log.push.confirmed.size();
            acked += log.ack.confirmed.size();
            before = found;
            next_number = std::max(next_number, log.max_number + 1);
        }
        // The rounds exercised what they claim to: pushes, acks, and in-flight items cut by the kill.
        CHECK(pushed > 0);
        CHECK(acked > 0);
        CHECK(redelivered > 0);
        WARN(durability_name(mode) << ": " << pushed << " pushed, " << acked << " acknowledged, " << redelivered
                                   << " re-delivered over " << rounds << " kills");
    }
}

TEST_CASE("a keyed spill queue killed with SIGKILL at random moments keeps every queued key exactly once",
          "[spill][crash]") {
    const auto seed = std::random_device{}();
    INFO("seed " << seed);
    std::mt19937 rng(seed);
    test_support::TempDir dir;
    const SpillConfig config{.path = dir.path() / "keyed", .initial_map_bytes = 256 * 1024};
    std::set<std::uint64_t> before;
    std::uint64_t next_number = 1;
    std::uint64_t redelivered = 0;
    for (int round = 0; round < 8; ++round) {
        INFO("round " << round);
        const auto log_path = dir.path() / "child.log";
        const unsigned child_seed = rng();
        run_and_kill([&] { keyed_child(config, log_path, next_number, child_seed); }, rng);
        const auto log = CrashLog::read(log_path);
        KeyedSpillQueue queue(config);
        const auto counts = queue.counts();
        for (const auto n : log.ack.confirmed) CHECK_FALSE(queue.contains(did(n)));
        std::set<std::uint64_t> found;
        std::array<std::uint64_t, priority_levels> per_level{};
        std::uint64_t bytes = 0;
        std::size_t leased = 0;
        bool level_order = true;
        Priority previous = Priority::immediate;
        for (auto items = queue.lease(1000); !items.empty(); items = queue.lease(1000)) {
            for (const auto& item : items) {
                level_order = level_order && item.level >= previous;
                previous = item.level;
                found.insert(did_number(item.key));
                ++per_level[static_cast<std::size_t>(item.level)];
                bytes += item.key.size();
                ++leased;
            }
        }
        CHECK(leased == found.size());
        CHECK(level_order);
        CHECK(counts.per_level == per_level);
        CHECK(counts.bytes == bytes);
        const auto violations = check_round(before, log, found);
        CAPTURE(violations);
        CHECK(violations.empty());
        for (const auto n : log.lease.confirmed) redelivered += found.count(n);
        before = found;
        next_number = std::max(next_number, log.max_number + 1);
    }
    CHECK(redelivered > 0);
}
