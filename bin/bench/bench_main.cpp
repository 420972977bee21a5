// wintermute-bench: benchmarks (docs/benchmarks.md). Each prints rates measured side by side in one run.
#include "bin/bench/decode_bench.hpp"
#include "bin/bench/lexicon_bench.hpp"
#include "bin/bench/identity_bench.hpp"
#include "bin/bench/spill_bench.hpp"
#include "bin/bench/benches.hpp"
#include "bin/command.hpp"

#include <array>

namespace {
constexpr std::array benches{
    bin::Command{"decode", "decode [--seconds S] [FIXTURES_DIR]: CAR/MST/record decode and JSON vs libcbor",
                 bench::decode_bench},
    bin::Command{"identity", "atproto syntax validators, did:key parsing, signature verification",
                 bin::bench::identity},
    bin::Command{"lexicon", "record validations/s on one core (post, image post, like) [iterations]",
                 bin::bench::run_lexicon_bench},
    bin::Command{"spill", "push+lease+ack items/s through the LMDB spill queue, per durability mode",
                 bench::run_spill},
    bin::Command{"pipeline", "items/s through a 4-stage chain of trivial stages", bin::bench::pipeline_bench},
    bin::Command{"classify",
                 "classify [--frames FILE] [--seconds S]: the live path's decode and classify stages, frames/s on "
                 "one core without PostgreSQL",
                 bin::bench::classify_bench},
    bin::Command{"live",
                 "live [--database-url URL] [--events N] [--rate R] [--capture DIR] [--frames FILE] [--idle-linger-ms MS] [--writer-lanes N] [--writer-batch N]: "
                 "capture "
                 "replay through the live path into PostgreSQL, full speed and paced",
                 bin::bench::live_bench},
    bin::Command{"backfill",
                 "backfill [--database-url URL] [--repos N] [--records N] [--workers N] [--writers N] [--batch N] "
                 "[--high-water N] "
                 "[--seed N] [--dir PATH]: a synthetic network through the backfill path into PostgreSQL",
                 bin::bench::backfill_bench},
    bin::Command{"stage",
                 "stage --database-url URL [--batches N] [--ops N]: the writer's staging step, COPY against libpq "
                 "pipeline mode",
                 bin::bench::stage_bench},
};
}  // namespace

int main(int argc, char** argv) {
    return bin::dispatch("wintermute-bench", benches, std::span<char* const>(argv + 1, argc - 1));
}
