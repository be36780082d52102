/* sim_rng.c — splitmix64 streams, all derived from one seed. */
#include "sim.h"

void sim_rng_seed(sim_rng *r, uint64_t seed, uint64_t stream)
{
    SEQ_ASSERT(r != NULL);
    /* Distinct streams start far apart; splitmix64 mixes them well. */
    *r = (sim_rng){.state = seed * 0x9e3779b97f4a7c15ULL + stream * 0xd1b54a32d192ed03ULL};
    (void)sim_rng_next(r);
}

void sim_rng_tape(sim_rng *r, const uint8_t *tape, size_t len)
{
    SEQ_ASSERT(r != NULL);
    SEQ_ASSERT(tape != NULL || len == 0);
    r->tape = tape;
    r->tape_len = len;
    r->tape_pos = 0;
}

uint64_t sim_rng_next(sim_rng *r)
{
    if (r->tape_pos + 8 <= r->tape_len) {
        uint64_t v = 0;
        for (size_t i = 0; i < 8; i++)
            v |= (uint64_t)r->tape[r->tape_pos + i] << (8 * i);
        r->tape_pos += 8;
        return v;
    }
    uint64_t z = (r->state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

uint64_t sim_rng_below(sim_rng *r, uint64_t bound)
{
    SEQ_ASSERT(bound > 0);
    return sim_rng_next(r) % bound;
}

uint64_t sim_rng_range(sim_rng *r, uint64_t lo, uint64_t hi)
{
    SEQ_ASSERT(lo <= hi);
    SEQ_ASSERT(hi - lo < UINT64_MAX);
    return lo + sim_rng_below(r, hi - lo + 1);
}

bool sim_rng_permille(sim_rng *r, uint32_t permille)
{
    SEQ_ASSERT(permille <= 1000);
    return sim_rng_below(r, 1000) < permille;
}

void sim_rng_fill(sim_rng *r, uint8_t *out, size_t len)
{
    SEQ_ASSERT(out != NULL || len == 0);
    for (size_t i = 0; i < len; i++)
        out[i] = (uint8_t)sim_rng_next(r);
}

void sim_rng_shuffle(sim_rng *r, size_t *items, size_t count)
{
    SEQ_ASSERT(items != NULL || count == 0);
    for (size_t i = count; i > 1; i--) {
        size_t j = (size_t)sim_rng_below(r, i);
        size_t t = items[i - 1];
        items[i - 1] = items[j];
        items[j] = t;
    }
}
