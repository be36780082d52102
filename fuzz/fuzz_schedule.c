/* libFuzzer target: the consensus core under schedules the fuzzer chooses.
 * The input is a seed (8 bytes), a fault mix (1 byte) and a tape that the
 * simulator's network and fault decisions draw from before the seed: which
 * message is delayed, dropped or duplicated, when a replica crashes, which
 * links a partition cuts. Oracle: the simulator's safety invariants
 * (tests/sim/README.md), checked after every step: agreement, chain,
 * persist-before-send, no honest double-signing, evidence, no halt, and
 * bounded traffic (no message storm, no runaway step count). Liveness is
 * left to the simulator's own runs: a fuzzed schedule may legitimately
 * starve progress for its whole length. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>

#include "fuzz.h"
#include "sim.h"

#define SCHEDULE_RUN_MS 1500u
#define SCHEDULE_N      4u

static sim_scratch *scratch;
static sim_result result; /* large: keep it off the stack */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 9)
        return 0;
    if (scratch == NULL && (sodium_init() < 0 || sim_scratch_new(&scratch) != SEQ_OK))
        abort();
    uint64_t seed = 0;
    for (size_t i = 0; i < 8; i++)
        seed |= (uint64_t)data[i] << (8 * i);
    sim_params p = {.seed = seed,
                    .mix = (sim_mix)(data[8] % SIM_MIX_COUNT),
                    .n = SCHEDULE_N,
                    .run_ms = SCHEDULE_RUN_MS,
                    .tape = data + 9,
                    .tape_len = size - 9};
    sim_run(&result, &p, scratch);
    if (result.failed) {
        fprintf(stderr, "schedule violates %s: %s\n", result.invariant, result.detail);
        abort();
    }
    return 0;
}
