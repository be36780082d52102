/* replay.c — runs a fuzz target without libFuzzer: every file in the given
 * files or directories, then a deterministic stream of random and mutated
 * inputs (seeded by SEQ_FUZZ_SEED, default 1; SEQ_FUZZ_RANDOM_INPUTS of them,
 * default REPLAY_RANDOM_INPUTS), so each target's oracle also
 * runs in every ctest build. Exits non-zero if an input cannot be read; a
 * failed oracle aborts. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

#define REPLAY_FILE_BYTES_MAX   (8u << 20)
#define REPLAY_RANDOM_INPUTS    20000u
#define REPLAY_RANDOM_BYTES_MAX 512u

static uint8_t *seeds[4096];
static size_t seed_lens[4096];
static size_t seed_count;

static int run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "replay: cannot open %s\n", path);
        return 1;
    }
    uint8_t *buf = malloc(REPLAY_FILE_BYTES_MAX);
    size_t n = buf ? fread(buf, 1, REPLAY_FILE_BYTES_MAX, f) : 0;
    fclose(f);
    if (buf == NULL)
        return 1;
    LLVMFuzzerTestOneInput(buf, n);
    if (seed_count < sizeof seeds / sizeof seeds[0]) {
        seeds[seed_count] = buf;
        seed_lens[seed_count++] = n;
    } else {
        free(buf);
    }
    return 0;
}

static int run_path(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        fprintf(stderr, "replay: cannot stat %s\n", path);
        return 1;
    }
    if (!S_ISDIR(st.st_mode))
        return run_file(path);
    DIR *d = opendir(path);
    if (d == NULL)
        return 1;
    int rc = 0;
    struct dirent *e;
    char child[4096];
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        snprintf(child, sizeof child, "%s/%s", path, e->d_name);
        rc |= run_file(child);
    }
    closedir(d);
    return rc;
}

static uint64_t rng;

static uint64_t next(void)
{
    uint64_t z = (rng += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* Random bytes, or a seed with a few bytes changed, inserted or cut. */
static size_t make_input(uint8_t *buf, size_t cap)
{
    if (seed_count == 0 || next() % 3 == 0) {
        size_t n = next() % REPLAY_RANDOM_BYTES_MAX;
        for (size_t i = 0; i < n; i++)
            buf[i] = (uint8_t)next();
        return n;
    }
    size_t s = next() % seed_count;
    size_t n = seed_lens[s] < cap - 1 ? seed_lens[s] : cap - 1;
    memcpy(buf, seeds[s], n);
    for (int k = 0, edits = 1 + (int)(next() % 4); k < edits && n > 0; k++) {
        size_t at = next() % n;
        switch (next() % 3) {
        case 0:
            buf[at] = (uint8_t)next();
            break;
        case 1:
            memmove(buf + at + 1, buf + at, n - at);
            buf[at] = (uint8_t)next();
            n++;
            break;
        default:
            n = at;
            break;
        }
    }
    return n;
}

int main(int argc, char **argv)
{
    int rc = 0;
    for (int i = 1; i < argc; i++)
        rc |= run_path(argv[i]);
    const char *seed = getenv("SEQ_FUZZ_SEED");
    rng = seed ? strtoull(seed, NULL, 0) : 1;
    static uint8_t buf[REPLAY_FILE_BYTES_MAX + 8];
    const char *count_env = getenv("SEQ_FUZZ_RANDOM_INPUTS");
    unsigned count = count_env ? (unsigned)strtoul(count_env, NULL, 0) : REPLAY_RANDOM_INPUTS;
    for (unsigned i = 0; i < count; i++) {
        size_t n = make_input(buf, REPLAY_FILE_BYTES_MAX);
        LLVMFuzzerTestOneInput(buf, n);
    }
    printf("replay: %zu corpus files and %u generated inputs, no failure\n", seed_count, count);
    for (size_t i = 0; i < seed_count; i++)
        free(seeds[i]);
    return rc;
}
