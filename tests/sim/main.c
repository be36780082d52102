/* main.c — seqsim's command line: one seed, a soak over many seeds, the
 * replay check, statistics, and (seqsim_canary) the canary hunt.
 *
 *   seqsim --seeds 1000                 soak: mixes and n rotate by seed
 *   SEQ_SIM_SEED=123 seqsim --mix twins --n 7   replay exactly one seed
 *   seqsim_canary --canary quorum-short --mix twins --n 7 --seeds 200 --expect-caught
 *
 * Exit status 0 iff every seed passed (or, with --expect-caught, iff a
 * violation was found within the seed budget). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sim.h"

#define SIM_RUN_MS_DEFAULT 4000u
#define SIM_SEEDS_DEFAULT  100u
#define SIM_SEEDS_MAX      100000000u
#define SIM_RUN_MS_MAX     (24u * 3600u * 1000u)
#define SIM_VIEWS_MAX      1000000u
#define SIM_EXIT_OK        0
#define SIM_EXIT_FAIL      1
#define SIM_EXIT_USAGE     2

static const size_t sim_sizes[] = {4, 7, 10};

typedef struct {
    sim_params base; /* seed, mix and n are filled per seed */
    uint64_t seed_first;
    uint64_t seeds;
    bool mix_fixed;
    bool n_fixed;
    bool stats;
    bool replay_check;
    bool expect_caught;
} sim_cli;

typedef struct {
    uint64_t seeds[SIM_MIX_COUNT];
    uint64_t failures[SIM_MIX_COUNT];
    uint64_t steps;
    uint64_t deliveries;
    uint64_t packets_max;
    uint64_t evidence, evidence_owed;
    sim_hist commit_views[SIM_MIX_COUNT];
    sim_hist heal_views[SIM_MIX_COUNT];
} sim_totals;

static void usage(FILE *out)
{
    fprintf(out,
            "usage: %s [--seeds N] [--seed S] [--mix NAME] [--n 4|7|10] [--real-crypto]\n"
            "       [--ms N | --views N] [--verbose] [--stats] [--replay-check]%s\n"
            "SEQ_SIM_SEED=S replays exactly one seed. Mixes:",
            sim_canary_supported() ? "seqsim_canary" : "seqsim",
            sim_canary_supported() ? "\n       [--canary NAME] [--expect-caught]" : "");
    for (size_t i = 0; i < SIM_MIX_COUNT; i++)
        fprintf(out, " %s", sim_mix_name((sim_mix)i));
    fprintf(out, "\n");
}

static bool parse_u64(uint64_t *out, const char *s, uint64_t max)
{
    char *end = NULL;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 0);
    if (errno != 0 || end == s || *end != '\0' || s[0] == '-' || v > max)
        return false;
    *out = v;
    return true;
}

/* Parses the option at argv[*i] (and its value); false on a bad one. */
static bool parse_option(sim_cli *cli, int argc, char **argv, int *i)
{
    const char *opt = argv[*i];
    const char *val = *i + 1 < argc ? argv[*i + 1] : NULL;
    uint64_t v = 0;
    bool takes_value = true;
    bool ok = val != NULL;
    if (strcmp(opt, "--seeds") == 0)
        ok = ok && parse_u64(&cli->seeds, val, SIM_SEEDS_MAX) && cli->seeds > 0;
    else if (strcmp(opt, "--seed") == 0)
        ok = ok && parse_u64(&cli->seed_first, val, UINT64_MAX);
    else if (strcmp(opt, "--mix") == 0)
        ok = ok && (cli->mix_fixed = sim_mix_parse(&cli->base.mix, val));
    else if (strcmp(opt, "--n") == 0) {
        ok = ok && parse_u64(&v, val, SIM_REPLICAS_MAX) && (v == 4 || v == 7 || v == 10);
        cli->base.n = (size_t)v;
        cli->n_fixed = true;
    } else if (strcmp(opt, "--ms") == 0) {
        ok = ok && parse_u64(&cli->base.run_ms, val, SIM_RUN_MS_MAX) && cli->base.run_ms > 0;
        cli->base.run_views = 0;
    } else if (strcmp(opt, "--views") == 0)
        ok = ok && parse_u64(&cli->base.run_views, val, SIM_VIEWS_MAX) && cli->base.run_views > 0;
    else if (strcmp(opt, "--canary") == 0)
        ok = ok && sim_canary_parse(&cli->base.canary, val);
    else {
        takes_value = false;
        ok = true;
        if (strcmp(opt, "--real-crypto") == 0)
            cli->base.real_crypto = true;
        else if (strcmp(opt, "--verbose") == 0)
            cli->base.verbose = true;
        else if (strcmp(opt, "--stats") == 0)
            cli->stats = true;
        else if (strcmp(opt, "--replay-check") == 0)
            cli->replay_check = true;
        else if (strcmp(opt, "--expect-caught") == 0 && sim_canary_supported())
            cli->expect_caught = true;
        else
            ok = false;
    }
    if (ok && takes_value)
        (*i)++;
    return ok;
}

static bool parse_cli(sim_cli *cli, int argc, char **argv)
{
    memset(cli, 0, sizeof *cli);
    cli->base.run_ms = SIM_RUN_MS_DEFAULT;
    cli->base.liveness = true;
    cli->seeds = SIM_SEEDS_DEFAULT;
    cli->seed_first = 1;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0) {
            usage(stdout);
            exit(SIM_EXIT_OK);
        }
        if (!parse_option(cli, argc, argv, &i)) {
            fprintf(stderr, "bad option or value: %s\n", argv[i]);
            return false;
        }
    }
    if (cli->expect_caught && cli->base.canary == SIM_CANARY_NONE) {
        fprintf(stderr, "--expect-caught needs --canary\n");
        return false;
    }
    /* A canary hunt looks for safety violations only: no liveness tail. */
    if (cli->expect_caught)
        cli->base.liveness = false;
    const char *env = getenv("SEQ_SIM_SEED");
    if (env != NULL) {
        if (!parse_u64(&cli->seed_first, env, UINT64_MAX)) {
            fprintf(stderr, "bad SEQ_SIM_SEED: %s\n", env);
            return false;
        }
        cli->seeds = 1;
    }
    return true;
}

/* The parameters of one seed: mixes and sizes rotate unless fixed. */
static sim_params params_for(const sim_cli *cli, uint64_t seed)
{
    sim_params p = cli->base;
    p.seed = seed;
    uint64_t rest = seed;
    if (!cli->mix_fixed) {
        p.mix = (sim_mix)(seed % SIM_MIX_COUNT);
        rest = seed / SIM_MIX_COUNT;
    }
    if (!cli->n_fixed)
        p.n = sim_sizes[rest % SEQ_ARRAY_LEN(sim_sizes)];
    return p;
}

static void print_replay(FILE *out, const sim_params *p)
{
    fprintf(out, "replay: SEQ_SIM_SEED=%" PRIu64 " %s --mix %s --n %zu", p->seed,
            sim_canary_supported() ? "seqsim_canary" : "seqsim", sim_mix_name(p->mix), p->n);
    if (p->run_views != 0)
        fprintf(out, " --views %" PRIu64, p->run_views);
    else if (p->run_ms != SIM_RUN_MS_DEFAULT)
        fprintf(out, " --ms %" PRIu64, p->run_ms);
    if (p->real_crypto)
        fprintf(out, " --real-crypto");
    if (p->canary != SIM_CANARY_NONE)
        fprintf(out, " --canary %s", sim_canary_name(p->canary));
    fprintf(out, "\n");
}

static void trace_hex(char *out, const uint8_t *trace)
{
    for (size_t i = 0; i < SIM_TRACE_BYTES; i++)
        snprintf(out + 2 * i, 3, "%02x", trace[i]);
}

static void report_seed(const sim_params *p, const sim_result *r, bool single)
{
    char hex[2 * SIM_TRACE_BYTES + 1];
    trace_hex(hex, r->trace);
    if (r->failed) {
        printf("FAIL seed=%" PRIu64 " mix=%s n=%zu: %s: %s ; ", p->seed, sim_mix_name(p->mix), p->n,
               r->invariant, r->detail);
        print_replay(stdout, p);
        if (single)
            printf("  steps=%" PRIu64 " end_ms=%" PRIu64 " trace=%s\n", r->steps, r->end_ms, hex);
    } else if (single) {
        printf("ok seed=%" PRIu64 " mix=%s n=%zu steps=%" PRIu64 " deliveries=%" PRIu64
               " commits=%" PRIu64 " view=%" PRIu64 " end_ms=%" PRIu64 " trace=%s\n",
               p->seed, sim_mix_name(p->mix), p->n, r->steps, r->deliveries, r->commits,
               r->view_max, r->end_ms, hex);
    }
    fflush(stdout);
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void print_hist(const char *what, const char *mix, const sim_hist *h)
{
    printf("  %s %-12s samples=%" PRIu64 " p50=%" PRIu64 " p90=%" PRIu64 " max=%" PRIu64 "\n", what,
           mix, h->total, sim_hist_percentile(h, 500), sim_hist_percentile(h, 900), h->max);
}

static void print_stats(const sim_totals *t, double seconds)
{
    printf("stats:\n");
    for (size_t m = 0; m < SIM_MIX_COUNT; m++) {
        if (t->seeds[m] > 0)
            printf("  mix %-12s seeds=%" PRIu64 " violations=%" PRIu64 "\n",
                   sim_mix_name((sim_mix)m), t->seeds[m], t->failures[m]);
    }
    printf("  steps=%" PRIu64 " deliveries=%" PRIu64 " in-flight max=%" PRIu64
           " seconds=%.2f steps/s=%.0f\n",
           t->steps, t->deliveries, t->packets_max, seconds,
           seconds > 0 ? (double)t->steps / seconds : 0.0);
    printf("  evidence emitted by honest replicas=%" PRIu64 " (owed by the window check=%" PRIu64
           ")\n",
           t->evidence, t->evidence_owed);
    printf("  views-to-commit (replica view at commit - block view):\n");
    print_hist("commit", "none", &t->commit_views[SIM_MIX_NONE]);
    print_hist("commit", "crash-leader", &t->commit_views[SIM_MIX_CRASH_LEADER]);
    printf("  views from the heal to each honest replica's next commit:\n");
    for (size_t m = 0; m < SIM_MIX_COUNT; m++) {
        if (t->heal_views[m].total > 0)
            print_hist("heal", sim_mix_name((sim_mix)m), &t->heal_views[m]);
    }
}

static void add_totals(sim_totals *t, const sim_params *p, const sim_result *r)
{
    t->seeds[p->mix]++;
    t->failures[p->mix] += r->failed;
    t->steps += r->steps;
    t->deliveries += r->deliveries;
    t->packets_max = SEQ_MAX(t->packets_max, r->packets_max);
    t->evidence += r->evidence;
    t->evidence_owed += r->evidence_owed;
    sim_hist_merge(&t->commit_views[p->mix], &r->commit_views);
    sim_hist_merge(&t->heal_views[p->mix], &r->heal_views);
}

/* A canary is caught by a safety invariant; liveness, storms and runaways
 * say nothing about it (and may be the core's own bugs). */
static bool safety_invariant(const char *invariant)
{
    return strcmp(invariant, "liveness") != 0 && strcmp(invariant, "storm") != 0 &&
           strcmp(invariant, "runaway") != 0;
}

/* Runs p twice; a differing trace is a determinism failure. */
static void run_twice(sim_result *r, const sim_params *p, sim_scratch *scratch)
{
    sim_result again;
    sim_run(r, p, scratch);
    sim_run(&again, p, scratch);
    if (memcmp(r->trace, again.trace, SIM_TRACE_BYTES) != 0 || r->steps != again.steps) {
        r->failed = true;
        snprintf(r->invariant, sizeof r->invariant, "determinism");
        snprintf(r->detail, sizeof r->detail,
                 "two runs of one seed differ (steps %" PRIu64 " vs %" PRIu64 ")", r->steps,
                 again.steps);
    }
}

static int run_seeds(const sim_cli *cli, sim_scratch *scratch, sim_totals *totals)
{
    uint64_t failed = 0;
    bool single = cli->seeds == 1;
    for (uint64_t k = 0; k < cli->seeds; k++) {
        sim_params p = params_for(cli, cli->seed_first + k);
        sim_result *r = malloc(sizeof *r);
        SEQ_ASSERT(r != NULL);
        if (cli->replay_check)
            run_twice(r, &p, scratch);
        else
            sim_run(r, &p, scratch);
        add_totals(totals, &p, r);
        bool caught = r->failed && cli->expect_caught && safety_invariant(r->invariant);
        if (caught)
            printf("CAUGHT canary=%s seed=%" PRIu64 " (after %" PRIu64 " seeds) invariant=%s\n",
                   sim_canary_name(p.canary), p.seed, k + 1, r->invariant);
        report_seed(&p, r, single || cli->replay_check);
        failed += r->failed;
        free(r);
        if (caught)
            return SIM_EXIT_OK;
    }
    if (cli->expect_caught) {
        printf("NOT CAUGHT canary=%s in %" PRIu64 " seeds from %" PRIu64 "\n",
               sim_canary_name(cli->base.canary), cli->seeds, cli->seed_first);
        return SIM_EXIT_FAIL;
    }
    printf("seqsim: %" PRIu64 " seeds from %" PRIu64 ", %" PRIu64 " failed\n", cli->seeds,
           cli->seed_first, failed);
    return failed == 0 ? SIM_EXIT_OK : SIM_EXIT_FAIL;
}

int main(int argc, char **argv)
{
    sim_cli cli;
    if (!parse_cli(&cli, argc, argv)) {
        usage(stderr);
        return SIM_EXIT_USAGE;
    }
    if (sodium_init() < 0) {
        fprintf(stderr, "sodium_init failed\n");
        return SIM_EXIT_FAIL;
    }
    sim_scratch *scratch = NULL;
    if (sim_scratch_new(&scratch) != SEQ_OK) {
        fprintf(stderr, "out of memory\n");
        return SIM_EXIT_FAIL;
    }
    sim_totals *totals = calloc(1, sizeof *totals);
    SEQ_ASSERT(totals != NULL);
    double start = now_seconds();
    int rc = run_seeds(&cli, scratch, totals);
    if (cli.stats)
        print_stats(totals, now_seconds() - start);
    free(totals);
    sim_scratch_free(scratch);
    return rc;
}
