/* test_slow_node.c — the transport's fault layer switched at runtime in
 * real seqd processes, through `seqctl fault` as a researcher runs it.
 * Four nodes; 0, 1 and 2 run with "test": {"faults": true}, node 3
 * without.
 *
 * Slow node: node 1's messages to every peer are delayed DELAY_MS; it is
 * listed, logged (event=net_fault_set), and the committee keeps
 * committing. Cut off: node 2 drops everything it sends and discards
 * everything it receives; the three others commit on (a quorum of 3 of
 * 4), node 2 falls behind and counts the drops. Healed, all four commit
 * again and agree on every block. Node 3 refuses, naming the config it
 * needs.
 *
 * The wire-level effect of each fault (when a delayed message arrives,
 * what is counted) is measured in tests/unit/test_ctl_fault.c; this test
 * shows that config, runtime, API and seqctl are wired together. Needs a
 * build with -DSEQ_TEST_MODES=ON (the dev preset).
 *
 * Plain C on tests/e2e/e2e.h: every check prints what it expected and what
 * it saw, stops all nodes and exits 1. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "e2e.h"

#define NODES           4u
#define ALL             ((1u << NODES) - 1u)
#define FAULTY          ((1u << 0) | (1u << 1) | (1u << 2)) /* "faults": true */
#define SLOW            1u                                  /* delayed */
#define CUT             2u                                  /* cut off */
#define PLAIN           3u                                  /* no fault layer */
#define DELAY_MS        "200"
#define TIMEOUT_MS_BASE 300u
#define TIMEOUT_MS_MAX  2000u
#define HEIGHT_WARM     3u
#define HEIGHT_MORE     5u
#define PHASE_MS_MAX    20000u
#define OUT_BYTES       4096u

static e2e_committee committee;
static const char *const me = "test_slow_node";

/* `seqctl fault --rpc <node i> args...` (NULL-terminated, at most 8); its
 * exit code, and what it printed in out. */
static int fault(size_t i, char out[OUT_BYTES], const char *const *args)
{
    char *argv[E2E_SEQCTL_ARGS_MAX] = {"fault", "--rpc", committee.nodes[i].rpc_url};
    size_t n = 3;
    for (size_t k = 0; args[k] != NULL; k++) {
        E2E_CHECK(n + 1 < E2E_SEQCTL_ARGS_MAX, "too many seqctl arguments");
        argv[n++] = (char *)args[k];
    }
    argv[n] = NULL;
    return e2e_seqctl(&committee, out, OUT_BYTES, argv);
}

static int64_t height_min(unsigned mask)
{
    return e2e_min_height(&committee, mask);
}

/* Node i's drops (queue full or fault layer) summed over its peers. */
static int64_t drops(size_t i)
{
    int64_t sum = 0;
    for (size_t p = 0; p < NODES; p++)
        if (p != i)
            sum += e2e_peer_counter(&committee, i, p, "drops");
    return sum;
}

static void slow_node(void)
{
    char out[OUT_BYTES];
    long log_at = e2e_log_size(&committee, SLOW);
    int code = fault(SLOW, out, (const char *[]){"--delay-ms", DELAY_MS, NULL});
    E2E_CHECK(code == 0, "seqctl fault --delay-ms on node %u: exit %d:\n%s", SLOW, code, out);
    E2E_CHECK(strstr(out, "faults on the links of validator 1:") != NULL &&
                  strstr(out, "    0       " DELAY_MS " ") != NULL &&
                  strstr(out, "    3       " DELAY_MS " ") != NULL,
              "seqctl fault did not list the delay on every link:\n%s", out);
    E2E_CHECK(
        e2e_log_has(&committee, SLOW, log_at, "event=net_fault_set peer=3", "delay_ms=" DELAY_MS),
        "node %u did not log the change", SLOW);
    code = fault(SLOW, out, (const char *[]){"--show", NULL});
    E2E_CHECK(code == 0 && strstr(out, "    2       " DELAY_MS " ") != NULL,
              "seqctl fault --show: exit %d:\n%s", code, out);
    int64_t from = height_min(ALL);
    e2e_wait_heights(&committee, ALL, (uint64_t)from + HEIGHT_MORE, PHASE_MS_MAX, "slow node");
    printf("%s: node %u's messages delayed %s ms; the committee went from %lld to %lld\n", me, SLOW,
           DELAY_MS, (long long)from, (long long)height_min(ALL));
}

static void cut_off(void)
{
    char out[OUT_BYTES];
    const unsigned others = ALL & ~(1u << CUT);
    int64_t drops_before = drops(CUT);
    int code = fault(CUT, out, (const char *[]){"--block-send", "--block-recv", NULL});
    E2E_CHECK(code == 0 && strstr(out, "         yes         yes") != NULL,
              "seqctl fault --block-send --block-recv on node %u: exit %d:\n%s", CUT, code, out);
    int64_t cut_at = e2e_height(&committee, CUT);
    e2e_wait_heights(&committee, others, (uint64_t)height_min(others) + HEIGHT_MORE, PHASE_MS_MAX,
                     "node 2 cut off");
    int64_t behind = e2e_height(&committee, CUT), ahead = height_min(others);
    E2E_CHECK(behind < ahead, "node %u (cut off at %lld) is at %lld, the others at %lld", CUT,
              (long long)cut_at, (long long)behind, (long long)ahead);
    E2E_CHECK(drops(CUT) > drops_before, "node %u counted no drops (%lld before)", CUT,
              (long long)drops_before);
    printf("%s: node %u cut off at height %lld stayed at %lld while the others reached %lld; "
           "%lld messages dropped\n",
           me, CUT, (long long)cut_at, (long long)behind, (long long)ahead,
           (long long)(drops(CUT) - drops_before));
}

static void heal(void)
{
    char out[OUT_BYTES];
    const size_t healed[] = {SLOW, CUT};
    for (size_t k = 0; k < SEQ_ARRAY_LEN(healed); k++) {
        int code = fault(healed[k], out, (const char *[]){NULL});
        E2E_CHECK(code == 0 && strstr(out, "         no          no") != NULL &&
                      strstr(out, "yes") == NULL,
                  "seqctl fault (heal) on node %zu: exit %d:\n%s", healed[k], code, out);
    }
    uint64_t target = (uint64_t)e2e_max_height(&committee, ALL) + HEIGHT_WARM;
    uint64_t started = test_now_ms();
    e2e_wait_heights(&committee, ALL, target, PHASE_MS_MAX, "healed");
    e2e_check_agreement(&committee, ALL, 1, target);
    printf("%s: healed; all four at height %llu after %llu ms, agreeing\n", me,
           (unsigned long long)target, (unsigned long long)(test_now_ms() - started));
}

/* Node 3 runs without the fault layer: a refusal that names the config. */
static void plain_refuses(void)
{
    char out[OUT_BYTES];
    int code = fault(PLAIN, out, (const char *[]){"--delay-ms", "5", NULL});
    E2E_CHECK(code == 1 && strstr(out, "does not enable test faults") != NULL &&
                  strstr(out, "add \"test\": {\"faults\": true}") != NULL,
              "seqctl fault on node %u (no faults): exit %d:\n%s", PLAIN, code, out);
}

int main(void)
{
    uint64_t started = test_now_ms();
    e2e_setup_timeouts(&committee, me, NODES, TIMEOUT_MS_BASE, TIMEOUT_MS_MAX, 0);
    long log_at[NODES];
    for (size_t i = 0; i < NODES; i++) {
        char name[32];
        snprintf(name, sizeof name, "node%zu.json", i);
        if (FAULTY & (1u << i))
            e2e_json_set(&committee, name, NULL, "test", json_pack("{s:b}", "faults", 1));
        log_at[i] = e2e_log_size(&committee, i);
        e2e_node_start(&committee, i);
    }
    e2e_wait_heights(&committee, ALL, HEIGHT_WARM, PHASE_MS_MAX, "four nodes");
    for (size_t i = 0; i < NODES; i++)
        E2E_CHECK(e2e_log_has(&committee, i, log_at[i], "event=test_mode mode=faults", "seed=") ==
                      ((FAULTY & (1u << i)) != 0),
                  "node %zu: event=test_mode mode=faults logged or missing wrongly", i);

    plain_refuses();
    slow_node();
    cut_off();
    heal();

    e2e_teardown(&committee);
    printf("%s: OK in %llu ms\n", me, (unsigned long long)(test_now_ms() - started));
    return 0;
}
