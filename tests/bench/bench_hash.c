/* bench_hash — keccak256 on one core: the time of one l1_keccak256 call
 * for inputs of 32 B (a hash, as in Merkle nodes), 265 B (a typical
 * signed or opaque tx) and 1 KiB, and of l1_merkle_root over the leaves
 * of one block.
 *
 * Each size is hashed --iterations times over a rotating set of distinct
 * inputs (so no call sees the previous call's bytes), after a warm-up of
 * a tenth as many calls. The reported figure is the median of --repeats
 * timed runs. One JSON line per size on stdout. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "l1.h"

#define ITERATIONS_DEFAULT 200000u
#define ITERATIONS_QUICK   2000u
#define ITERATIONS_MAX     100000000u
#define REPEATS_DEFAULT    5u
#define REPEATS_QUICK      1u
#define REPEATS_MAX        101u
#define INPUTS             64u /* distinct inputs cycled through */
#define INPUT_BYTES_MAX    1024u
#define MERKLE_LEAVES      1300u /* about one block at 10k tx/s */

static const char usage[] =
    "usage: bench_hash [--iterations N] [--repeats R] [--quick]\n"
    "  --iterations N  calls per timed run (default 200000)\n"
    "  --repeats R     timed runs per size; the median is kept (default 5)\n"
    "  --quick         2000 calls, one run (a smoke run)\n";

typedef struct {
    uint64_t iterations, repeats;
} options;

static uint8_t inputs[INPUTS][INPUT_BYTES_MAX];
static volatile uint8_t bench_sink; /* written once: the hashing is kept */

static void inputs_fill(void)
{
    uint64_t x = 0x9e3779b97f4a7c15ull;
    for (size_t i = 0; i < INPUTS; i++) {
        for (size_t j = 0; j < INPUT_BYTES_MAX; j++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17; /* xorshift64 */
            inputs[i][j] = (uint8_t)x;
        }
    }
}

/* One timed run of n calls on len-byte inputs; returns ns per call. The
 * xor of all digests goes to *sink so nothing is optimised away. */
static double run_keccak(size_t len, uint64_t n, uint8_t *sink)
{
    seq_hash h;
    uint64_t start = bench_now_ns();
    for (uint64_t i = 0; i < n; i++) {
        l1_keccak256(&h, inputs[i % INPUTS], len);
        *sink ^= h.b[0];
    }
    return (double)(bench_now_ns() - start) / (double)n;
}

/* l1_merkle_root works in place: each call hashes a fresh copy (the copy
 * is timed too; it is about 1% of the call). */
static double run_merkle(const seq_hash *leaves, seq_hash *scratch, uint64_t n, uint8_t *sink)
{
    seq_hash root;
    uint64_t start = bench_now_ns();
    for (uint64_t i = 0; i < n; i++) {
        memcpy(scratch, leaves, MERKLE_LEAVES * sizeof *scratch);
        l1_merkle_root(&root, scratch, MERKLE_LEAVES);
        *sink ^= root.b[0];
    }
    return (double)(bench_now_ns() - start) / (double)n;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, size_t n)
{
    qsort(v, n, sizeof *v, cmp_double);
    return v[n / 2];
}

static void report(const char *what, size_t len, uint64_t iterations, uint64_t repeats, double ns)
{
    printf("{\"bench\":\"%s\",\"bytes\":%zu,\"iterations\":%llu,\"repeats\":%llu,"
           "\"ns_per_call\":%.1f,\"mb_per_s\":%.1f}\n",
           what, len, (unsigned long long)iterations, (unsigned long long)repeats, ns,
           ns > 0 ? (double)len * 1e3 / ns : 0.0);
    fprintf(stderr, "%s %zu B: %.1f ns per call (median of %llu x %llu)\n", what, len, ns,
            (unsigned long long)repeats, (unsigned long long)iterations);
}

static void bench_keccak(size_t len, const options *o, uint8_t *sink)
{
    double runs[REPEATS_MAX];
    (void)run_keccak(len, o->iterations / 10 + 1, sink);
    for (uint64_t r = 0; r < o->repeats; r++)
        runs[r] = run_keccak(len, o->iterations, sink);
    report("keccak256", len, o->iterations, o->repeats, median(runs, o->repeats));
}

static void bench_merkle(const options *o, uint8_t *sink)
{
    seq_hash *leaves = malloc(MERKLE_LEAVES * sizeof *leaves);
    seq_hash *scratch = malloc(MERKLE_LEAVES * sizeof *scratch);
    bench_check(leaves != NULL && scratch != NULL, "out of memory");
    for (size_t i = 0; i < MERKLE_LEAVES; i++)
        l1_keccak256(&leaves[i], inputs[i % INPUTS], 8 + i % 200);
    uint64_t n = o->iterations / MERKLE_LEAVES + 1;
    double runs[REPEATS_MAX];
    for (uint64_t r = 0; r < o->repeats; r++)
        runs[r] = run_merkle(leaves, scratch, n, sink);
    report("merkle_root_1300_leaves", MERKLE_LEAVES * SEQ_HASH_BYTES, n, o->repeats,
           median(runs, o->repeats));
    free(scratch);
    free(leaves);
}

int main(int argc, char **argv)
{
    options o = {.iterations = ITERATIONS_DEFAULT, .repeats = REPEATS_DEFAULT};
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--quick") == 0) {
            o.iterations = ITERATIONS_QUICK;
            o.repeats = REPEATS_QUICK;
        } else if (!bench_arg_u64(argc, argv, &i, "--iterations", 1, ITERATIONS_MAX,
                                  &o.iterations) &&
                   !bench_arg_u64(argc, argv, &i, "--repeats", 1, REPEATS_MAX, &o.repeats)) {
            bench_usage(usage);
        }
    }
    inputs_fill();
    /* A known answer first: a benchmark of a wrong hash is worthless. */
    seq_hash h, want;
    l1_keccak256(&h, (const uint8_t *)"abc", 3);
    bench_check(l1_hex_decode_exact(
                    want.b, sizeof want.b,
                    "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45") == SEQ_OK,
                "hex");
    bench_check(seq_hash_equal(&h, &want), "keccak256(\"abc\") known answer");
    uint8_t sink = 0;
    static const size_t sizes[] = {32, 265, 1024};
    for (size_t i = 0; i < SEQ_ARRAY_LEN(sizes); i++)
        bench_keccak(sizes[i], &o, &sink);
    bench_merkle(&o, &sink);
    bench_sink = sink;
    return 0;
}
