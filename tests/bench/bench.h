/* bench.h — what the benchmarks in tests/bench share: a monotonic clock,
 * percentiles, argument parsing, a fatal check and a temporary directory.
 *
 * Every benchmark prints one JSON object per result on stdout and one
 * human line per result on stderr, and exits 0 only if every run
 * completed (a failed check exits 1, bad arguments exit 2). */
#ifndef SEQ_BENCH_H
#define SEQ_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BENCH_EXIT_FAILURE 1
#define BENCH_EXIT_USAGE   2
#define BENCH_PATH_BYTES   256u

/* Nanoseconds of CLOCK_MONOTONIC. */
uint64_t bench_now_ns(void);

/* Seconds between two bench_now_ns() readings. */
double bench_seconds(uint64_t start_ns, uint64_t end_ns);

/* Sorts values[0..count) ascending. */
void bench_sort(uint64_t *values, size_t count);

/* The value at percentile pct (0..100, nearest rank) of sorted[0..count);
 * 0 for an empty array. */
uint64_t bench_percentile(const uint64_t *sorted, size_t count, double pct);

/* If !ok: prints "what" and exits BENCH_EXIT_FAILURE. For conditions a
 * benchmark cannot go on without (a failed call, a broken invariant). */
void bench_check(bool ok, const char *what);

/* Parses argv[*i + 1] as an integer in [min, max] into *out and advances
 * *i, if argv[*i] is flag; returns false if it is another flag. Bad or
 * missing values print a message and exit BENCH_EXIT_USAGE. */
bool bench_arg_u64(int argc, char **argv, int *i, const char *flag, uint64_t min, uint64_t max,
                   uint64_t *out);

/* Same for a decimal number of seconds in (0, max]. */
bool bench_arg_seconds(int argc, char **argv, int *i, const char *flag, double max, double *out);

/* Prints usage to stderr and exits BENCH_EXIT_USAGE. */
void bench_usage(const char *usage);

/* Creates a fresh directory "<parent>/seqd-bench-XXXXXX" (parent NULL:
 * $TMPDIR or /tmp) into out[0..BENCH_PATH_BYTES); exits on failure. */
void bench_temp_dir(char out[BENCH_PATH_BYTES], const char *parent);

/* Removes path and everything under it (no symlinks are followed); at most
 * BENCH_TREE_DEPTH_MAX levels deep. */
#define BENCH_TREE_DEPTH_MAX 8u
void bench_remove_tree(const char *path);

#endif /* SEQ_BENCH_H */
