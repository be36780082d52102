/* test_rng.h — the one seeded generator of the unit tests: splitmix64,
 * seeded from SEQ_TEST_SEED or, if unset, from the clock and pid. The seed
 * is printed so any failing run replays exactly. */
#ifndef SEQ_TEST_RNG_H
#define SEQ_TEST_RNG_H

#include <inttypes.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static uint64_t rng_state;

static inline uint64_t rng_next(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* Uniform enough for tests in [0, n); 0 when n is 0. */
static inline size_t rng_below(size_t n)
{
    return n == 0 ? 0 : (size_t)(rng_next() % n);
}

static inline void rng_fill(uint8_t *p, size_t len)
{
    for (size_t i = 0; i < len; i++)
        p[i] = (uint8_t)rng_next();
}

static inline void rng_seed(const char *test)
{
    const char *env = getenv("SEQ_TEST_SEED");
    rng_state = env ? strtoull(env, NULL, 0) : (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
    printf("%s: seed=%" PRIu64 " (set SEQ_TEST_SEED to replay)\n", test, rng_state);
}

#endif /* SEQ_TEST_RNG_H */
