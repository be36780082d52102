/* test_faults.c — four real seqd processes on loopback lose members the
 * hard way.
 *
 * Leader kill: while opaque payloads keep arriving (one per poll, at the
 * surviving nodes), the current leader (seq_status: view, leaderIndex) is
 * SIGKILLed. The three others must keep committing and soft-confirm every
 * payload they admitted; the time from the kill to the next commit seen
 * is printed (and only bounded by HANG_MS, which catches a hang). The
 * killed node restarts, catches up and agrees on every block hash. The
 * seqctl query commands (submit, tx, block) run as a user runs them,
 * against a live node and against the dead one.
 *
 * Every payload the survivors admitted must be soft-confirmed in time. This
 * caught a liveness bug: a tx whose block lost its view (the next leader,
 * who collects the votes, was the dead node) stayed in flight until a
 * block at that height committed, so only the leader before the dead one
 * ever picked it again, and its blocks always lost; the txpool now follows
 * the branch a payload extends (node_txpool_payload).
 *
 * No quorum: one node SIGSTOPped, another SIGKILLed. The two left must not
 * commit for QUIET_MS while still answering seq_status; once the stopped
 * node resumes and the killed one restarts, all four commit again and
 * agree.
 *
 * Plain C on tests/e2e/e2e.h: every check prints what it expected and what
 * it saw, stops all nodes and exits 1. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "e2e.h"
#include "l1.h"

#define NODES           4u
#define ALL             ((1u << NODES) - 1u)
#define TIMEOUT_MS_BASE 300u  /* a dead leader's view times out quickly */
#define TIMEOUT_MS_MAX  2000u /* and the timer stays short while no quorum exists */
#define HEIGHT_WARM     5u
#define HEIGHT_MORE     10u    /* the survivors commit this many more */
#define PHASE_MS_MAX    20000u /* each phase */
#define HANG_MS         30000u /* kill to next commit: only a hang takes this long */
#define FAST_POLL_MS    10u
#define POLL_MS         100u
#define PAYLOADS_MAX    64u
#define PAYLOADS_KILL   24u   /* submitted while the leader is dead */
#define PAYLOAD_MS_MAX  8000u /* once the heights moved on, a payload takes well under 1 s */
#define SETTLE_MS       1000u /* for commits in flight when quorum is lost */
#define QUIET_MS        3000u /* the two left must not commit this long */
#define NAMESPACE       7u

static e2e_committee committee;
static const char *const me = "test_faults";

/* -------------------------------------------------------------- payloads */

typedef struct {
    seq_hash hash;
    size_t ingress; /* the node it was sent to */
    int64_t height, index;
} payload;

static payload payloads[PAYLOADS_MAX];
static size_t payload_count;

/* Sends a fresh opaque payload to node i through seq_sendPayload. */
static void payload_send(size_t i)
{
    E2E_CHECK(payload_count < PAYLOADS_MAX, "more than %u payloads", PAYLOADS_MAX);
    payload *p = &payloads[payload_count];
    char params[96], *result = NULL;
    snprintf(params, sizeof params, "[%u, \"0x%08x%08llx\"]", NAMESPACE, 0xfa017u,
             (unsigned long long)payload_count);
    seq_err err = l1_rpc_call(committee.nodes[i].rpc, &result, "seq_sendPayload", params);
    E2E_CHECK(err == SEQ_OK, "node %zu refused payload %zu: %s", i, payload_count,
              l1_rpc_last_error(committee.nodes[i].rpc));
    E2E_CHECK(strlen(result) == 68 &&
                  (result[67] = '\0', l1_hex_decode_exact(p->hash.b, SEQ_HASH_BYTES, result + 1)) ==
                      SEQ_OK,
              "seq_sendPayload result %s", result);
    free(result);
    p->ingress = i;
    p->height = p->index = -1;
    payload_count++;
}

/* The last status soft_confirmed saw ("unknown", "pending", ...). */
static char status_seen[32];

/* seq_getTransactionStatus of hash on node i: true with *height and *index
 * once soft-confirmed there. */
static bool soft_confirmed(size_t i, const seq_hash *hash, int64_t *height, int64_t *index)
{
    char text[67], params[80], *result = NULL;
    E2E_CHECK(l1_hex_encode(text, sizeof text, hash->b, SEQ_HASH_BYTES) == SEQ_OK, "hex");
    snprintf(params, sizeof params, "[\"%s\"]", text);
    if (l1_rpc_call(committee.nodes[i].rpc, &result, "seq_getTransactionStatus", params) != SEQ_OK)
        return false;
    json_t *st = json_loads(result, 0, NULL);
    free(result);
    json_t *soft = json_object_get(st, "softConfirmed");
    snprintf(status_seen, sizeof status_seen, "%s",
             json_string_value(json_object_get(st, "status")) != NULL
                 ? json_string_value(json_object_get(st, "status"))
                 : "?");
    bool ok = json_is_object(soft);
    if (ok) {
        *height = (int64_t)json_integer_value(json_object_get(soft, "height"));
        *index = (int64_t)json_integer_value(json_object_get(soft, "index"));
    }
    json_decref(st);
    return ok;
}

/* Called when payload t has not reached node i in time: fails, with
 * node i's mempool counters. */
static void payload_late(size_t t, size_t i, const char *phase)
{
    json_t *st = e2e_status(&committee, i);
    char *pool = json_dumps(json_object_get(st, "mempool"), JSON_COMPACT);
    json_decref(st);
    e2e_fail("%s: payload %zu (sent to node %zu) not soft-confirmed on node %zu in %u ms: it is "
             "%s there; its mempool: %s",
             phase, t, payloads[t].ingress, i, PAYLOAD_MS_MAX, status_seen,
             pool != NULL ? pool : "?");
}

/* Every payload sent to a node in ingress is soft-confirmed on every node
 * in mask, at one (height, index), within PAYLOAD_MS_MAX of the call. */
static void wait_payloads(unsigned ingress, unsigned mask, const char *phase)
{
    uint64_t start = test_now_ms();
    size_t checked = 0;
    for (size_t t = 0; t < payload_count; t++) {
        payload *p = &payloads[t];
        if (!((ingress >> p->ingress) & 1u))
            continue;
        for (size_t i = 0; i < NODES; i++) {
            if (!((mask >> i) & 1u))
                continue;
            int64_t h = -1, x = -1;
            while (!soft_confirmed(i, &p->hash, &h, &x)) {
                if (test_now_ms() - start >= PAYLOAD_MS_MAX)
                    payload_late(t, i, phase);
                else
                    test_sleep_ms(FAST_POLL_MS);
            }
            if (p->height < 0) {
                p->height = h;
                p->index = x;
            }
            E2E_CHECK(h == p->height && x == p->index,
                      "%s: payload %zu at %lld/%lld on node %zu, elsewhere at %lld/%lld", phase, t,
                      (long long)h, (long long)x, i, (long long)p->height, (long long)p->index);
        }
        checked++;
    }
    printf("%s: %s: %zu payloads soft-confirmed after %llu ms\n", me, phase, checked,
           (unsigned long long)(test_now_ms() - start));
}

/* ------------------------------------------------------------- heights */

static void check_all_agree(void)
{
    int64_t top = e2e_min_height(&committee, ALL);
    E2E_CHECK(top > 0, "a node does not answer");
    e2e_check_agreement(&committee, ALL, 1, (uint64_t)top);
    printf("%s: all four agree on heights 1..%lld\n", me, (long long)top);
}

/* --------------------------------------------------------------- seqctl */

/* Runs seqctl args; checks its exit code and that its output contains want
 * (if not NULL). The output stays in out. */
static void seqctl_expect(char *out, size_t out_cap, int code, const char *want, char *const args[])
{
    int got = e2e_seqctl(&committee, out, out_cap, args);
    E2E_CHECK(got == code && (want == NULL || strstr(out, want) != NULL),
              "seqctl %s %s: exit %d (want %d), output \"%s\" (want \"%s\")", args[0],
              args[1] != NULL ? args[1] : "", got, code, out, want != NULL ? want : "");
}

/* seqctl submit, tx and block as a user runs them: against node `live`
 * (every answer checked against the node's JSON-RPC) and the dead node
 * `dead` (a clear error). */
static void seqctl_queries(size_t dead, unsigned survivors)
{
    size_t live = 0;
    while (!((survivors >> live) & 1u))
        live++;
    char *url = committee.nodes[live].rpc_url, *dead_url = committee.nodes[dead].rpc_url;
    char out[8192], hash[67];

    /* submit a payload; its hash is the only line. */
    char *submit[] = {"submit", "--rpc", url, "--payload", "9:0xc0ffee", NULL};
    seqctl_expect(out, sizeof out, 0, "0x", submit);
    E2E_CHECK(strlen(out) == 67 && out[66] == '\n', "seqctl submit printed \"%s\"", out);
    memcpy(hash, out, 66);
    hash[66] = '\0';
    /* The same again: the node's refusal, exit 1. */
    seqctl_expect(out, sizeof out, 1, "already known", submit);

    /* tx until soft-confirmed, then --json agrees with the node. */
    char *tx[] = {"tx", "--rpc", url, hash, NULL};
    uint64_t start = test_now_ms();
    for (;;) {
        seqctl_expect(out, sizeof out, 0, hash, tx);
        if (strstr(out, "softConfirmed") != NULL)
            break;
        E2E_CHECK(strstr(out, "pending") != NULL, "seqctl tx: %s", out);
        E2E_CHECK(test_now_ms() - start < PHASE_MS_MAX, "seqctl tx: never soft-confirmed");
        test_sleep_ms(POLL_MS);
    }
    char *tx_json[] = {"tx", "--rpc", url, hash, "--json", NULL};
    seqctl_expect(out, sizeof out, 0, NULL, tx_json);
    json_t *st = json_loads(out, 0, NULL);
    json_t *soft = json_object_get(st, "softConfirmed");
    E2E_CHECK(json_is_object(soft), "seqctl tx --json: %s", out);
    char height[24];
    snprintf(height, sizeof height, "%lld",
             (long long)json_integer_value(json_object_get(soft, "height")));
    char block_hash[67];
    snprintf(block_hash, sizeof block_hash, "%s",
             json_string_value(json_object_get(soft, "blockHash")));
    json_decref(st);

    /* block HEIGHT --txs lists it, under the hash the node reports. */
    char *block[] = {"block", "--rpc", url, height, "--txs", NULL};
    seqctl_expect(out, sizeof out, 0, hash, block);
    char want[96];
    snprintf(want, sizeof want, "hash           %s", block_hash);
    E2E_CHECK(strstr(out, want) != NULL, "seqctl block: no \"%s\" in %s", want, out);
    E2E_CHECK(e2e_block_hash(&committee, live, strtoull(height, NULL, 10), want) &&
                  strcmp(want, block_hash) == 0,
              "seqctl block: %s, the node says %s", block_hash, want);
    char *block_json[] = {"block", "--rpc", url, "0x1", "--json", NULL};
    seqctl_expect(out, sizeof out, 0, "\"height\":1,", block_json);

    /* Errors: above the tip, a bad hash, a dead endpoint, a refused tx. */
    char *above[] = {"block", "--rpc", url, "99999999", NULL};
    seqctl_expect(out, sizeof out, 1, "no block at height 99999999", above);
    char *bad_hash[] = {"tx", "--rpc", url, "0x1234", NULL};
    seqctl_expect(out, sizeof out, 2, "is not a tx hash", bad_hash);
    char *dead_tx[] = {"tx", "--rpc", dead_url, hash, NULL};
    seqctl_expect(out, sizeof out, 1, "unavailable", dead_tx);
    char *refused[] = {"submit", "--rpc", url, "--raw", "0x00", NULL};
    seqctl_expect(out, sizeof out, 1, "seqctl submit: ", refused);
    printf("%s: seqctl submit, tx and block checked against node %zu and dead node %zu\n", me, live,
           dead);
}

/* ---------------------------------------------------------- leader kill */

/* Reads view and leader from node `from` and SIGKILLs that leader at
 * once. Returns the killed node. */
static size_t kill_leader(size_t from, uint64_t *view, int64_t *height)
{
    json_t *s = e2e_status(&committee, from);
    E2E_CHECK(s != NULL, "node %zu does not answer seq_status", from);
    json_int_t leader = json_integer_value(json_object_get(s, "leaderIndex"));
    *view = (uint64_t)json_integer_value(json_object_get(s, "view"));
    *height = (int64_t)json_integer_value(json_object_get(s, "height"));
    json_decref(s);
    E2E_CHECK(leader >= 0 && leader < (json_int_t)NODES, "leaderIndex %lld", (long long)leader);
    e2e_node_stop(&committee, (size_t)leader, SIGKILL);
    return (size_t)leader;
}

static void leader_kill(void)
{
    /* A little load first, spread over all four. */
    for (size_t k = 0; k < 8; k++)
        payload_send(k % NODES);
    size_t sent_before = payload_count;

    uint64_t view = 0;
    int64_t height_seen = 0;
    size_t dead = kill_leader(0, &view, &height_seen);
    uint64_t t_kill = test_now_ms(); /* the node is gone (its exit was waited for) */
    unsigned survivors = ALL & ~(1u << dead);
    /* What the survivors had committed when the leader died: a commit above
     * this is one the kill did not prevent. */
    int64_t at_kill = e2e_max_height(&committee, survivors);
    E2E_CHECK(at_kill >= (int64_t)HEIGHT_WARM, "survivors answer after the kill");
    printf("%s: killed node %zu, the leader of view %llu (height %lld seen before, %lld after)\n",
           me, dead, (unsigned long long)view, (long long)height_seen, (long long)at_kill);

    /* Poll the survivors, one payload per poll, until three commits after
     * the kill. */
    uint64_t first_ms = 0, third_ms = 0;
    size_t next = 0;
    while (third_ms == 0) {
        uint64_t now = test_now_ms();
        E2E_CHECK(now - t_kill < HANG_MS, "no 3 commits in %u ms after the leader was killed",
                  HANG_MS);
        if (payload_count - sent_before < PAYLOADS_KILL) {
            while (!((survivors >> next) & 1u))
                next = (next + 1) % NODES;
            payload_send(next);
            next = (next + 1) % NODES;
        }
        int64_t h = e2e_max_height(&committee, survivors);
        if (h > at_kill && first_ms == 0)
            first_ms = test_now_ms() - t_kill;
        if (h >= at_kill + 3)
            third_ms = test_now_ms() - t_kill;
        test_sleep_ms(FAST_POLL_MS);
    }
    printf("%s: leader kill: first commit %llu ms after the kill, third %llu ms after\n", me,
           (unsigned long long)first_ms, (unsigned long long)third_ms);
    while (payload_count - sent_before < PAYLOADS_KILL) {
        while (!((survivors >> next) & 1u))
            next = (next + 1) % NODES;
        payload_send(next);
        next = (next + 1) % NODES;
        test_sleep_ms(FAST_POLL_MS);
    }
    e2e_wait_heights(&committee, survivors, (uint64_t)at_kill + HEIGHT_MORE, PHASE_MS_MAX,
                     "three nodes after the leader kill");
    wait_payloads(survivors, survivors, "three nodes after the leader kill");

    /* seqctl against the dead node and the living. */
    seqctl_queries(dead, survivors);

    e2e_node_start(&committee, dead);
    int64_t target = e2e_max_height(&committee, survivors);
    e2e_wait_heights(&committee, ALL, (uint64_t)target, PHASE_MS_MAX, "killed leader caught up");
    check_all_agree();
    /* Payloads sent to the leader just before it died may have died with it
     * (nothing acknowledges gossip); those the survivors took must be on
     * every node, the restarted one included. */
    wait_payloads(survivors, ALL, "killed leader caught up");
}

/* ------------------------------------------------------------ no quorum */

/* With two of four nodes gone no QC or TC can form, so nothing new is
 * certified: the two left may still commit what a QC formed before the
 * stop certifies (one of them may learn it late, from the other's timeout
 * or a fetch), but neither may pass the highest height either had
 * committed once the stop settled. */
static void no_quorum(void)
{
    const size_t stopped = 1, killed = 2;
    const unsigned left = ALL & ~(1u << stopped) & ~(1u << killed);
    e2e_node_signal(&committee, stopped, SIGSTOP);
    e2e_node_stop(&committee, killed, SIGKILL);
    test_sleep_ms(SETTLE_MS);
    int64_t settled = e2e_max_height(&committee, left), views[NODES] = {0};
    uint64_t start = test_now_ms();
    unsigned polls = 0;
    while (test_now_ms() - start < QUIET_MS) {
        for (size_t i = 0; i < NODES; i++) {
            if (!((left >> i) & 1u))
                continue;
            json_t *s = e2e_status(&committee, i);
            E2E_CHECK(s != NULL, "no quorum: node %zu stopped answering seq_status", i);
            int64_t h = (int64_t)json_integer_value(json_object_get(s, "height"));
            views[i] = (int64_t)json_integer_value(json_object_get(s, "view"));
            bool running = json_is_true(json_object_get(s, "running"));
            bool halted = json_is_true(json_object_get(s, "halted"));
            json_decref(s);
            E2E_CHECK(running && !halted, "no quorum: node %zu is not running", i);
            E2E_CHECK(h <= settled,
                      "no quorum: node %zu committed height %lld with 2 of 4 nodes (%lld when "
                      "the stop settled)",
                      i, (long long)h, (long long)settled);
        }
        polls++;
        test_sleep_ms(POLL_MS);
    }
    printf("%s: no quorum: nodes 0 and 3 committed nothing above %lld for %u ms (%u polls; "
           "views %lld and %lld)\n",
           me, (long long)settled, QUIET_MS, polls, (long long)views[0], (long long)views[3]);

    uint64_t resumed = test_now_ms();
    e2e_node_signal(&committee, stopped, SIGCONT);
    e2e_node_start(&committee, killed);
    int64_t top = e2e_max_height(&committee, ALL & ~(1u << killed));
    int64_t first = -1;
    while (first < 0) {
        E2E_CHECK(test_now_ms() - resumed < HANG_MS, "no commit in %u ms after quorum returned",
                  HANG_MS);
        if (e2e_max_height(&committee, left | (1u << stopped)) > top)
            first = (int64_t)(test_now_ms() - resumed);
        test_sleep_ms(FAST_POLL_MS);
    }
    printf("%s: no quorum: first commit %lld ms after node %zu resumed and node %zu restarted\n",
           me, (long long)first, stopped, killed);
    e2e_wait_heights(&committee, ALL, (uint64_t)top + HEIGHT_MORE, PHASE_MS_MAX,
                     "four nodes after quorum returned");
    check_all_agree();
}

int main(void)
{
    uint64_t started = test_now_ms();
    e2e_setup_timeouts(&committee, me, NODES, TIMEOUT_MS_BASE, TIMEOUT_MS_MAX, 0);
    for (size_t i = 0; i < NODES; i++)
        e2e_node_start(&committee, i);
    e2e_wait_heights(&committee, ALL, HEIGHT_WARM, PHASE_MS_MAX, "four nodes");

    leader_kill();
    no_quorum();

    e2e_teardown(&committee);
    printf("%s: OK in %llu ms\n", me, (unsigned long long)(test_now_ms() - started));
    return 0;
}
