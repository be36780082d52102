/* bench.c — see bench.h. */
#include "bench.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

uint64_t bench_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

double bench_seconds(uint64_t start_ns, uint64_t end_ns)
{
    return (double)(end_ns - start_ns) / 1e9;
}

static int compare_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

void bench_sort(uint64_t *values, size_t count)
{
    qsort(values, count, sizeof *values, compare_u64);
}

uint64_t bench_percentile(const uint64_t *sorted, size_t count, double pct)
{
    if (count == 0)
        return 0;
    size_t rank = (size_t)((pct / 100.0) * (double)count + 0.5);
    if (rank == 0)
        rank = 1;
    if (rank > count)
        rank = count;
    return sorted[rank - 1];
}

void bench_check(bool ok, const char *what)
{
    if (ok)
        return;
    fprintf(stderr, "bench: failed: %s\n", what);
    exit(BENCH_EXIT_FAILURE);
}

void bench_usage(const char *usage)
{
    fputs(usage, stderr);
    exit(BENCH_EXIT_USAGE);
}

static const char *arg_value(int argc, char **argv, int *i)
{
    if (*i + 1 >= argc) {
        fprintf(stderr, "bench: %s needs a value\n", argv[*i]);
        exit(BENCH_EXIT_USAGE);
    }
    *i += 1;
    return argv[*i];
}

bool bench_arg_u64(int argc, char **argv, int *i, const char *flag, uint64_t min, uint64_t max,
                   uint64_t *out)
{
    if (strcmp(argv[*i], flag) != 0)
        return false;
    const char *text = arg_value(argc, argv, i);
    char *end = NULL;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || text[0] == '-' || v < min || v > max) {
        fprintf(stderr, "bench: %s: '%s' is not an integer in %llu..%llu\n", flag, text,
                (unsigned long long)min, (unsigned long long)max);
        exit(BENCH_EXIT_USAGE);
    }
    *out = (uint64_t)v;
    return true;
}

bool bench_arg_seconds(int argc, char **argv, int *i, const char *flag, double max, double *out)
{
    if (strcmp(argv[*i], flag) != 0)
        return false;
    const char *text = arg_value(argc, argv, i);
    char *end = NULL;
    double v = strtod(text, &end);
    if (end == text || *end != '\0' || !(v > 0.0) || v > max) {
        fprintf(stderr, "bench: %s: '%s' is not a number of seconds in (0, %g]\n", flag, text, max);
        exit(BENCH_EXIT_USAGE);
    }
    *out = v;
    return true;
}

void bench_temp_dir(char out[BENCH_PATH_BYTES], const char *parent)
{
    if (parent == NULL)
        parent = getenv("TMPDIR");
    if (parent == NULL || parent[0] == '\0')
        parent = "/tmp";
    int len = snprintf(out, BENCH_PATH_BYTES, "%s/seqd-bench-XXXXXX", parent);
    bench_check(len > 0 && (size_t)len < BENCH_PATH_BYTES, "temporary directory path too long");
    bench_check(mkdtemp(out) != NULL, "mkdtemp");
}

static void remove_tree_at(const char *path, unsigned depth)
{
    DIR *d = depth < BENCH_TREE_DEPTH_MAX ? opendir(path) : NULL;
    if (d != NULL) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            char child[2 * BENCH_PATH_BYTES];
            int len = snprintf(child, sizeof child, "%s/%s", path, e->d_name);
            if (len <= 0 || (size_t)len >= sizeof child)
                continue;
            struct stat st;
            if (lstat(child, &st) == 0 && S_ISDIR(st.st_mode))
                remove_tree_at(child, depth + 1);
            else
                unlink(child);
        }
        closedir(d);
    }
    rmdir(path);
}

void bench_remove_tree(const char *path)
{
    remove_tree_at(path, 0);
}
