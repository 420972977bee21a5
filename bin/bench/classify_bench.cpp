// wintermute-bench classify: the live path's per-frame work before the writer, on one core and
// without PostgreSQL — DecodeStage (frame → typed frame) then ClassifyStage (typed frame →
// staged ops) over a capture's frames, again and again for --seconds. The socket, the writer and
// the database are left out, so this measures what the decode and classify stages cost per frame,
// steadily enough to compare builds on a host whose speed drifts (docs/benchmarks.md).
#include "bin/bench/benches.hpp"
#include "bin/bench/bench_options.hpp"

#include <chrono>
#include <string>

#include <fmt/core.h>

#include "atproto/lexicon/validator.hpp"
#include "common/log.hpp"
#include "pipeline/stage.hpp"
#include "replay/capture.hpp"
#include "stages/classify/classify_stage.hpp"
#include "stages/decode/decode_stage.hpp"

namespace bin::bench {

namespace {

using Clock = std::chrono::steady_clock;

std::string default_frames() { return shared_dir() + "/fixtures/jetstream-corpus/frames.bin"; }

}  // namespace

int classify_bench(std::span<char* const> args) {
    std::string frames_path = default_frames();
    double seconds = 5;
    auto parsed = for_each_flag(args, [&](std::string_view flag, std::string_view value) -> std::optional<bool> {
        if (flag == "--frames") frames_path = value;
        else if (flag == "--seconds") return positive_number(value, seconds);
        else return std::nullopt;
        return true;
    });
    if (!parsed) {
        fmt::print(stderr, "wintermute-bench classify: {}\n", parsed.error().message);
        return 2;
    }
    auto frames = replay::load_capture(frames_path);
    if (!frames || frames->empty()) {
        const auto why = frames ? "no frames in " + frames_path : frames.error().message;
        fmt::print(stderr, "wintermute-bench classify: {}\n", why);
        return 1;
    }
    auto validator = atproto::lexicon::Validator::create_embedded();
    if (!validator) {
        fmt::print(stderr, "wintermute-bench classify: {}\n", validator.error().message);
        return 1;
    }
    const common::Log log(spdlog::level::off);
    stages::decode::DecodeMetrics decode_metrics;
    stages::classify::ClassifyMetrics classify_metrics;
    // As the live benchmark runs it: block hashes unchecked, no signing keys known.
    stages::classify::ClassifyConfig config;
    config.verify_block_hashes = false;
    stages::decode::DecodeStage decode(decode_metrics, log.component("decode"));
    stages::classify::ClassifyStage classify(*validator, config, classify_metrics, log.component("classify"));

    pipeline::VectorEmit<stages::decode::DecodedFrame> decoded;
    pipeline::VectorEmit<stages::classify::ClassifiedEvent> events;
    std::uint64_t frames_done = 0, ops = 0;
    const auto start = Clock::now();
    const auto until = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
    while (Clock::now() < until) {
        for (const auto& captured : *frames) {
            stages::socket_read::SourcedFrame in;
            in.ordinal = frames_done++;
            in.raw.bytes = captured.bytes;  // the copy a socket read makes
            (void)decode.process(std::move(in), decoded);
            for (auto& frame : decoded.items) (void)classify.process(std::move(frame), events);
            decoded.items.clear();
            for (const auto& event : events.items) ops += event.ops.size();
            events.items.clear();  // freed here, as the writer frees them after its commit
        }
    }
    const double took = std::chrono::duration<double>(Clock::now() - start).count();
    fmt::print("classify: the {} frames of {} {} times, decode + classify on one core, block hash checks off\n",
               frames->size(), frames_path, frames_done / frames->size());
    fmt::print("  {:>12.0f} frames/s   {:>7.2f} us per frame   {:>12.0f} staged ops/s\n", frames_done / took,
               1e6 * took / static_cast<double>(frames_done), static_cast<double>(ops) / took);
    return 0;
}

}  // namespace bin::bench
