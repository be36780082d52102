/* test_torture.c — the double-sign torture test: four real seqd processes
 * under a steady load of opaque payloads, a node SIGKILLed at a random
 * moment KILLS times (100 by default), and an observer that collects every
 * statement each validator signed and finds no two different ones of one
 * kind for one view.
 *
 * Kills. Each round picks a mode and a delay from one seeded RNG: the
 * current leader (seq_status: leaderIndex, asked at the moment of the kill),
 * the node restarted last (with a short delay, so it is often still
 * starting: opening its store, catching up), or any node; the delay runs
 * from a few ms to a few hundred (three decades), so kills land while a
 * node persists, sends, proposes, times out or restarts. The node is
 * restarted at once or after a short random pause; at most one node is
 * down at a time, but the one restarted last may still be starting when
 * the next kill lands. Payloads keep arriving at the running nodes all the
 * while. Every ROUND_KILLS kills the committee must commit ROUND_HEIGHTS
 * more blocks (liveness under churn). The seed is printed; SEQ_TORTURE_SEED
 * replays the same decisions (not the same timing), SEQ_TORTURE_KILLS
 * changes the count for longer local runs.
 *
 * The observer. Frames between nodes are AEAD-sealed, so nothing on the
 * wire is readable from outside. The nodes run at log level debug, where
 * seqd writes one `event=signed` line for each statement of its own that an
 * outgoing consensus message carries (its proposal, vote or timeout, and
 * its signature inside a QC or TC it sends), after the durable commit and
 * before the send (node/runtime.c, log_signed). Each log file holds every
 * incarnation of its node, so the observer sees each signed statement that
 * could have left any incarnation, also one sent to a leader that died at
 * once. It checks: per (signer, kind, view) one content only (height and
 * block hash; highQcView for a timeout), and every line of node i is
 * signed by node i's validator. The checker is first run on a synthetic
 * log holding a conflicting pair, which it must report. The honest nodes
 * observe too: no log holds `event=evidence` or `event=core_halted`, and
 * the last incarnations report stats.evidenceFound 0, no evidence received
 * from peers, none stored (seq_getEvidence), and not halted.
 *
 * At the end every node runs its last incarnation; the committee commits
 * again, all four agree on every block hash up to the common height, and
 * every payload the test got a hash for is soft-confirmed, except ones
 * known to no node whose ingress node was killed after admitting them (a
 * payload not yet gossiped dies with its node: node/README.md, "Txpool");
 * those are counted, not failed. Every node exits 0 on SIGTERM.
 *
 * Plain C on tests/e2e/e2e.h: every check prints what it expected and what
 * it saw, stops all nodes and exits 1. */
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "clock.h"
#include "e2e.h"
#include "l1.h"

#define NODES                4u
#define ALL                  ((1u << NODES) - 1u)
#define TIMEOUT_MS_BASE      250u  /* a dead leader's view turns over quickly */
#define TIMEOUT_MS_MAX       1000u /* and the doubling stays short under churn */
#define KILLS_DEFAULT        100u
#define KILLS_MAX            100000u
#define ROUND_KILLS          10u    /* after this many kills ... */
#define ROUND_HEIGHTS        2u     /* ... the committee commits this many more */
#define HEIGHT_WARM          3u     /* before the first kill */
#define HEIGHT_END           5u     /* committed by all four after the last restart */
#define PHASE_MS_MAX         30000u /* any one wait for progress */
#define RESTART_DELAY_MS_MAX 150u
#define LOAD_GAP_MS          15u /* between two payloads */
#define PAYLOADS_MAX         16384u
#define PAYLOAD_MS_MAX       20000u /* for every known payload to be soft-confirmed */
#define STATEMENTS_MAX       (1u << 21)
#define LINE_BYTES_MAX       4096u
#define NAMESPACE            11u

static e2e_committee committee;
static const char *const me = "test_torture";

/* ------------------------------------------------------------------ rng */

static uint64_t rng_state;

/* splitmix64: one seed, every decision of the run. */
static uint64_t rng_next(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static uint32_t rng_below(uint32_t n)
{
    return (uint32_t)(rng_next() % n);
}

/* A delay spread over three decades: 3-9, 10-99 or 100-299 ms, each a
 * third of the time (decades at most `decades`). */
static uint32_t rng_delay_ms(uint32_t decades)
{
    static const uint32_t lo[] = {3, 10, 100}, hi[] = {10, 100, 300};
    uint32_t d = rng_below(decades);
    return lo[d] + rng_below(hi[d] - lo[d]);
}

static uint64_t env_u64(const char *name, uint64_t fallback)
{
    const char *v = getenv(name);
    if (v == NULL || *v == '\0')
        return fallback;
    char *end = NULL;
    unsigned long long n = strtoull(v, &end, 0);
    E2E_CHECK(*end == '\0', "%s=\"%s\" is not a number", name, v);
    return n;
}

/* ---------------------------------------------------------------- nodes */

typedef struct {
    bool running;
    uint32_t incarnation; /* 1 for the first start */
    long log_offset;      /* the log's size when this incarnation started */
    char validator[43];   /* its address, "0x" + 40 hex, from seq_status */
} node_state;

static node_state nodes[NODES];
static size_t restarted_last = SIZE_MAX;
/* started_ms[i][k], killed_ms[i][k]: when incarnation k of node i was
 * started and killed (monotonic). */
static uint64_t *started_ms[NODES], *killed_ms[NODES];

static struct {
    uint32_t kills, restarts, kills_leader, kills_starting, restarts_delayed;
    uint32_t payloads_refused;
} counts;

static void node_start(size_t i)
{
    nodes[i].log_offset = e2e_log_size(&committee, i);
    e2e_node_start(&committee, i);
    nodes[i].running = true;
    nodes[i].incarnation++;
    started_ms[i][nodes[i].incarnation] = test_now_ms();
    restarted_last = i;
}

/* SIGKILLs node i (and reaps it); counts a kill that came before the
 * incarnation reached its event loop. */
static void node_kill(size_t i)
{
    SEQ_ASSERT(nodes[i].running);
    bool started = e2e_log_has(&committee, i, nodes[i].log_offset, "event=running", NULL);
    e2e_node_stop(&committee, i, SIGKILL);
    killed_ms[i][nodes[i].incarnation] = test_now_ms();
    nodes[i].running = false;
    counts.kills++;
    counts.kills_starting += !started;
}

static unsigned running_mask(void)
{
    unsigned mask = 0;
    for (size_t i = 0; i < NODES; i++)
        mask |= nodes[i].running ? 1u << i : 0u;
    return mask;
}

/* A running node other than `not` if there is one (uniformly). */
static size_t pick_running(size_t not )
{
    size_t choice[NODES], n = 0;
    for (size_t i = 0; i < NODES; i++)
        if (nodes[i].running && i != not )
            choice[n++] = i;
    E2E_CHECK(n > 0, "no running node to pick");
    return choice[rng_below((uint32_t)n)];
}

/* The leader as the running nodes see it (the first that answers, the
 * node restarted last asked last), or SIZE_MAX. */
static size_t current_leader(void)
{
    for (size_t k = 0; k < NODES; k++) {
        size_t i = (restarted_last + 1 + k) % NODES;
        if (!nodes[i].running)
            continue;
        json_t *s = e2e_status(&committee, i);
        json_t *leader = json_object_get(s, "leaderIndex");
        size_t out = json_is_integer(leader) ? (size_t)json_integer_value(leader) : SIZE_MAX;
        json_decref(s);
        if (out < NODES)
            return out;
    }
    return SIZE_MAX;
}

/* ------------------------------------------------------------- payloads */

typedef struct {
    seq_hash hash;
    uint8_t ingress;      /* the node it was sent to */
    uint32_t incarnation; /* of the ingress node when it admitted it */
    uint64_t admitted_ms; /* when the node answered */
} payload;

static payload payloads[PAYLOADS_MAX];
static size_t payload_count;
static uint64_t payload_tag; /* from the seed: payloads differ across runs */

/* Sends a fresh payload to node i; a refusal or no answer (the node is
 * starting) is counted, not failed. */
static void payload_send(size_t i)
{
    if (payload_count == PAYLOADS_MAX)
        return;
    char params[96], *result = NULL;
    snprintf(params, sizeof params, "[%u, \"0x%016" PRIx64 "%08zx\"]", NAMESPACE, payload_tag,
             payload_count);
    if (l1_rpc_call(committee.nodes[i].rpc, &result, "seq_sendPayload", params) != SEQ_OK) {
        counts.payloads_refused++;
        return;
    }
    payload *p = &payloads[payload_count];
    E2E_CHECK(strlen(result) == 68 &&
                  (result[67] = '\0', l1_hex_decode_exact(p->hash.b, SEQ_HASH_BYTES, result + 1)) ==
                      SEQ_OK,
              "seq_sendPayload result %s", result);
    free(result);
    p->ingress = (uint8_t)i;
    p->incarnation = nodes[i].incarnation;
    p->admitted_ms = test_now_ms();
    payload_count++;
}

/* Keeps the load on for ms: one payload to a random running node every
 * LOAD_GAP_MS. */
static void load_for(uint32_t ms)
{
    uint64_t until = test_now_ms() + ms;
    for (;;) {
        if (running_mask() != 0)
            payload_send(pick_running(SIZE_MAX));
        uint64_t now = test_now_ms();
        if (now >= until)
            return;
        test_sleep_ms((uint32_t)SEQ_MIN((uint64_t)LOAD_GAP_MS, until - now));
    }
}

/* Waits, with the load on, until some node committed target. */
static void load_until_height(int64_t target, const char *phase)
{
    uint64_t start = test_now_ms();
    while (e2e_max_height(&committee, running_mask()) < target) {
        E2E_CHECK(test_now_ms() - start < PHASE_MS_MAX, "%s: height %lld not reached in %u ms",
                  phase, (long long)target, PHASE_MS_MAX);
        load_for(100);
    }
}

static int u64_order(const void *pa, const void *pb)
{
    uint64_t a = *(const uint64_t *)pa, b = *(const uint64_t *)pb;
    return a < b ? -1 : a > b;
}

typedef enum { TX_NO_ANSWER, TX_UNKNOWN, TX_PENDING, TX_CONFIRMED } tx_state;

static tx_state tx_status(size_t i, const seq_hash *hash)
{
    char text[67], params[80], *result = NULL;
    E2E_CHECK(l1_hex_encode(text, sizeof text, hash->b, SEQ_HASH_BYTES) == SEQ_OK, "hex");
    snprintf(params, sizeof params, "[\"%s\"]", text);
    if (l1_rpc_call(committee.nodes[i].rpc, &result, "seq_getTransactionStatus", params) != SEQ_OK)
        return TX_NO_ANSWER;
    json_t *st = json_loads(result, 0, NULL);
    free(result);
    const char *s = json_string_value(json_object_get(st, "status"));
    tx_state out = s == NULL                         ? TX_NO_ANSWER
                   : strcmp(s, "softConfirmed") == 0 ? TX_CONFIRMED
                   : strcmp(s, "pending") == 0       ? TX_PENDING
                                                     : TX_UNKNOWN;
    json_decref(st);
    return out;
}

/* The best any node knows of payload p (confirmed > pending > unknown). */
static tx_state payload_state(size_t t)
{
    tx_state best = TX_NO_ANSWER;
    for (size_t k = 0; k < NODES && best != TX_CONFIRMED; k++) {
        tx_state s = tx_status((t + k) % NODES, &payloads[t].hash);
        best = s > best ? s : best;
    }
    return best;
}

/* Every payload is soft-confirmed, or known to no node and admitted by an
 * incarnation that was killed since (lost with it). Waits while any node
 * still holds one pending. */
static void check_payloads(void)
{
    static uint8_t state[PAYLOADS_MAX];
    memset(state, TX_NO_ANSWER, sizeof state);
    uint64_t start = test_now_ms();
    size_t confirmed = 0, pending = 0, lost = 0;
    for (;;) {
        confirmed = pending = lost = 0;
        for (size_t t = 0; t < payload_count; t++) {
            if (state[t] != TX_CONFIRMED)
                state[t] = (uint8_t)payload_state(t);
            E2E_CHECK(state[t] != TX_NO_ANSWER, "payload %zu: no node answers", t);
            confirmed += state[t] == TX_CONFIRMED;
            pending += state[t] == TX_PENDING;
            lost += state[t] == TX_UNKNOWN;
        }
        if (pending == 0 || test_now_ms() - start > PAYLOAD_MS_MAX)
            break;
        test_sleep_ms(200);
    }
    E2E_CHECK(pending == 0, "%zu payloads still pending %u ms after the last restart", pending,
              PAYLOAD_MS_MAX);
    /* How long before its ingress node died each lost payload was
     * admitted. */
    static uint64_t gap_ms[PAYLOADS_MAX], age_ms[PAYLOADS_MAX];
    size_t lost_early = 0;
    for (size_t t = 0; t < payload_count; t++) {
        const payload *p = &payloads[t];
        if (state[t] != TX_UNKNOWN)
            continue;
        E2E_CHECK(p->incarnation != nodes[p->ingress].incarnation,
                  "payload %zu was admitted by node %u, which never died since, and no node knows "
                  "it",
                  t, (unsigned)p->ingress);
        age_ms[lost_early] = p->admitted_ms - started_ms[p->ingress][p->incarnation];
        gap_ms[lost_early++] = killed_ms[p->ingress][p->incarnation] - p->admitted_ms;
    }
    qsort(gap_ms, lost_early, sizeof gap_ms[0], u64_order);
    qsort(age_ms, lost_early, sizeof age_ms[0], u64_order);
    printf("%s: payloads: %zu admitted (%u refused by nodes down or starting), %zu soft-confirmed, "
           "%zu lost with a killed ingress node, checked in %llu ms\n",
           me, payload_count, counts.payloads_refused, confirmed, lost_early,
           (unsigned long long)(test_now_ms() - start));
    if (lost_early > 0)
        printf("%s: lost payloads were admitted %llu..%llu ms (median %llu) before their ingress "
               "node was killed, %llu..%llu ms (median %llu) after it was started\n",
               me, (unsigned long long)gap_ms[0], (unsigned long long)gap_ms[lost_early - 1],
               (unsigned long long)gap_ms[lost_early / 2], (unsigned long long)age_ms[0],
               (unsigned long long)age_ms[lost_early - 1],
               (unsigned long long)age_ms[lost_early / 2]);
}

/* ------------------------------------------------------------ observer */

typedef enum { STMT_PROPOSAL, STMT_VOTE, STMT_TIMEOUT, STMT_KINDS } stmt_kind;
static const char *const kind_names[STMT_KINDS] = {"proposal", "vote", "timeout"};

/* One `event=signed` line. For proposals and votes the content is
 * (height, hash); for timeouts (highQcView, ""). */
typedef struct {
    char signer[43];
    uint8_t kind;
    uint8_t node; /* whose log */
    uint64_t view;
    uint64_t value;
    char hash[67];
} statement;

typedef struct {
    statement *items;
    size_t count, cap;
    size_t by_kind[STMT_KINDS];
    size_t in_certificate; /* lines with in=qc or in=tc */
    /* Other lines of each node's log, all incarnations. */
    size_t evidence[NODES], halted[NODES], running[NODES];
} observed;

/* The value of key= in line into out (cut at out_cap); false if absent. */
static bool field(const char *line, const char *key, char *out, size_t out_cap)
{
    char pattern[32];
    snprintf(pattern, sizeof pattern, " %s=", key);
    const char *at = strstr(line, pattern);
    if (at == NULL)
        return false;
    at += strlen(pattern);
    size_t n = strcspn(at, " \n");
    if (n == 0 || n >= out_cap)
        return false;
    memcpy(out, at, n);
    out[n] = '\0';
    return true;
}

static bool field_u64(const char *line, const char *key, uint64_t *out)
{
    char text[24], *end = NULL;
    if (!field(line, key, text, sizeof text))
        return false;
    *out = strtoull(text, &end, 10);
    return *end == '\0';
}

/* Parses one `event=signed` line of node's log into o; fails on a line
 * it cannot read (the format is the observer's contract with seqd). */
static void observe_line(observed *o, uint8_t node, const char *line)
{
    statement s = {.node = node};
    char kind[16], in[16];
    bool ok = field(line, "kind", kind, sizeof kind) && field(line, "in", in, sizeof in) &&
              field(line, "signer", s.signer, sizeof s.signer) && strlen(s.signer) == 42 &&
              field_u64(line, "view", &s.view);
    s.kind = STMT_KINDS;
    for (uint8_t k = 0; ok && k < STMT_KINDS; k++)
        s.kind = strcmp(kind, kind_names[k]) == 0 ? k : s.kind;
    ok = ok && s.kind < STMT_KINDS;
    if (ok && s.kind == STMT_TIMEOUT)
        ok = field_u64(line, "high_qc_view", &s.value);
    else if (ok)
        ok = field_u64(line, "height", &s.value) && field(line, "hash", s.hash, sizeof s.hash) &&
             strlen(s.hash) == 66;
    E2E_CHECK(ok, "node %u: unreadable signed-statement line: %s", (unsigned)node, line);
    if (o->count == o->cap) {
        E2E_CHECK(o->cap < STATEMENTS_MAX, "more than %u signed statements", STATEMENTS_MAX);
        o->cap = o->cap == 0 ? 4096 : 2 * o->cap;
        o->items = realloc(o->items, o->cap * sizeof *o->items);
        E2E_CHECK(o->items != NULL, "out of memory");
    }
    o->items[o->count++] = s;
    o->by_kind[s.kind]++;
    o->in_certificate += strcmp(in, "message") != 0;
}

/* Reads every `event=signed` line of the log at path, and counts its
 * evidence, halt and loop start lines. */
static void observe_file(observed *o, uint8_t node, const char *path)
{
    FILE *f = fopen(path, "r");
    E2E_CHECK(f != NULL, "cannot read %s", path);
    static char line[LINE_BYTES_MAX];
    while (fgets(line, sizeof line, f) != NULL) {
        if (strstr(line, " event=signed ") != NULL)
            observe_line(o, node, line);
        o->evidence[node] += strstr(line, " event=evidence ") != NULL;
        o->halted[node] += strstr(line, " event=core_halted ") != NULL;
        o->running[node] += strstr(line, " event=running ") != NULL;
    }
    fclose(f);
}

static int statement_order(const void *pa, const void *pb)
{
    const statement *a = pa, *b = pb;
    int c = strcmp(a->signer, b->signer);
    if (c != 0)
        return c;
    if (a->kind != b->kind)
        return a->kind < b->kind ? -1 : 1;
    if (a->view != b->view)
        return a->view < b->view ? -1 : 1;
    if (a->value != b->value)
        return a->value < b->value ? -1 : 1;
    return strcmp(a->hash, b->hash);
}

/* Sorts o and returns how many (signer, kind, view) carry more than one
 * content, printing each (up to 10). */
static size_t equivocations(observed *o)
{
    qsort(o->items, o->count, sizeof *o->items, statement_order);
    size_t found = 0;
    for (size_t k = 1; k < o->count; k++) {
        const statement *a = &o->items[k - 1], *b = &o->items[k];
        if (strcmp(a->signer, b->signer) != 0 || a->kind != b->kind || a->view != b->view)
            continue;
        if (a->value == b->value && strcmp(a->hash, b->hash) == 0)
            continue;
        if (found++ < 10)
            fprintf(stderr,
                    "%s: EQUIVOCATION: %s signed two %ss for view %" PRIu64 ": (%" PRIu64
                    ", %s) in log%u and (%" PRIu64 ", %s) in log%u\n",
                    me, a->signer, kind_names[a->kind], a->view, a->value, a->hash,
                    (unsigned)a->node, b->value, b->hash, (unsigned)b->node);
    }
    return found;
}

/* The checker must see a conflict where there is one: a synthetic log with
 * a vote repeated (fine), a second vote for another block in the same
 * view, and a timeout re-signed with another highQcView. */
static void observer_selftest(void)
{
    static const char *const lines =
        "ts=x level=debug event=signed kind=vote in=message signer=0x%s view=7 height=5 "
        "hash=0x%s\n"
        "ts=x level=debug event=signed kind=vote in=qc signer=0x%s view=7 height=5 hash=0x%s\n"
        "ts=x level=debug event=signed kind=vote in=message signer=0x%s view=7 height=5 "
        "hash=0x%s\n"
        "ts=x level=debug event=signed kind=timeout in=message signer=0x%s view=9 "
        "high_qc_view=6\n"
        "ts=x level=debug event=signed kind=timeout in=tc signer=0x%s view=9 high_qc_view=7\n"
        "ts=x level=debug event=signed kind=proposal in=message signer=0x%s view=8 height=6 "
        "hash=0x%s\n";
    char signer[41], hash_a[65], hash_b[65], path[E2E_PATH_BYTES];
    memset(signer, 'a', 40);
    memset(hash_a, '1', 64);
    memset(hash_b, '2', 64);
    signer[40] = hash_a[64] = hash_b[64] = '\0';
    snprintf(path, sizeof path, "%s/observer-selftest.log", committee.dir);
    FILE *f = fopen(path, "w");
    E2E_CHECK(f != NULL, "cannot write %s", path);
    fprintf(f, lines, signer, hash_a, signer, hash_a, signer, hash_b, signer, signer, signer,
            hash_a);
    fclose(f);
    observed o = {0};
    observe_file(&o, 0, path);
    E2E_CHECK(o.count == 6 && o.in_certificate == 2, "observer self-test: %zu statements read",
              o.count);
    fprintf(stderr, "%s: observer self-test (two equivocations expected):\n", me);
    size_t found = equivocations(&o);
    E2E_CHECK(found == 2, "observer self-test: %zu equivocations found, 2 expected", found);
    free(o.items);
}

static void observe_logs(observed *o)
{
    for (uint8_t i = 0; i < NODES; i++) {
        char path[E2E_PATH_BYTES];
        snprintf(path, sizeof path, "%s/log%u", committee.dir, (unsigned)i);
        observe_file(o, i, path);
    }
}

/* On any failure (e2e_fail's hook): what the observer sees so far, so a
 * double-sign shows even when it first surfaced as a stall. */
static void observer_on_fail(void)
{
    observed o = {0};
    observe_logs(&o);
    size_t found = equivocations(&o);
    fprintf(stderr,
            "%s: on failure: %zu signed statements, %zu equivocations; evidence lines in "
            "log0..3: %zu %zu %zu %zu\n",
            me, o.count, found, o.evidence[0], o.evidence[1], o.evidence[2], o.evidence[3]);
    free(o.items);
}

/* Reads every node's log, checks each line's signer, and fails on any
 * equivocation, evidence or halt. */
static void check_signed_statements(void)
{
    observed o = {0};
    observe_logs(&o);
    for (size_t k = 0; k < o.count; k++) {
        const statement *s = &o.items[k];
        E2E_CHECK(strcasecmp(s->signer, nodes[s->node].validator) == 0,
                  "log%u holds a statement signed by %s, not by its validator %s",
                  (unsigned)s->node, s->signer, nodes[s->node].validator);
    }
    for (size_t i = 0; i < NODES; i++) {
        E2E_CHECK(o.evidence[i] == 0 && o.halted[i] == 0,
                  "log%zu: %zu evidence lines, %zu core_halted lines (the honest nodes observed a "
                  "double-sign or a safety violation)",
                  i, o.evidence[i], o.halted[i]);
        E2E_CHECK(o.running[i] > 0 && o.running[i] <= nodes[i].incarnation,
                  "log%zu: %zu loop starts for %u incarnations", i, o.running[i],
                  nodes[i].incarnation);
    }
    size_t found = equivocations(&o);
    E2E_CHECK(found == 0, "the observer found %zu equivocations (see above)", found);
    E2E_CHECK(o.by_kind[STMT_PROPOSAL] > 0 && o.by_kind[STMT_VOTE] > 0 &&
                  o.by_kind[STMT_TIMEOUT] > 0,
              "the observer saw %zu proposals, %zu votes, %zu timeouts: each kind must occur",
              o.by_kind[STMT_PROPOSAL], o.by_kind[STMT_VOTE], o.by_kind[STMT_TIMEOUT]);
    printf("%s: observer: %zu signed statements (%zu proposals, %zu votes, %zu timeouts; %zu "
           "inside certificates), no two different for one (validator, kind, view)\n",
           me, o.count, o.by_kind[STMT_PROPOSAL], o.by_kind[STMT_VOTE], o.by_kind[STMT_TIMEOUT],
           o.in_certificate);
    free(o.items);
}

/* --------------------------------------------------------------- checks */

/* The last incarnations: running, not halted, no evidence. */
static void check_nodes(void)
{
    for (size_t i = 0; i < NODES; i++) {
        json_t *s = e2e_status(&committee, i);
        E2E_CHECK(s != NULL, "node %zu does not answer seq_status", i);
        bool running = json_is_true(json_object_get(s, "running"));
        bool halted = json_is_true(json_object_get(s, "halted"));
        json_int_t evidence =
            json_integer_value(json_object_get(json_object_get(s, "stats"), "evidenceFound"));
        json_int_t received = e2e_int_at(s, "evidence.received");
        json_decref(s);
        E2E_CHECK(running && !halted && evidence == 0 && received == 0,
                  "node %zu: running %d, halted %d, evidenceFound %lld, evidence received %lld", i,
                  running, halted, (long long)evidence, (long long)received);
        /* Nothing stored either, from any incarnation. */
        json_t *r = e2e_call(&committee, i, "seq_getEvidence", NULL);
        size_t stored = json_array_size(json_object_get(r, "evidence"));
        E2E_CHECK(r != NULL && stored == 0, "node %zu stores %zu evidence records", i, stored);
        json_decref(r);
    }
}

/* Each node's validator address, from seq_status. */
static void read_validators(void)
{
    for (size_t i = 0; i < NODES; i++) {
        json_t *s = e2e_status(&committee, i);
        const char *validator = json_string_value(json_object_get(s, "validator"));
        E2E_CHECK(validator != NULL && strlen(validator) == 42, "node %zu: no validator address",
                  i);
        snprintf(nodes[i].validator, sizeof nodes[i].validator, "%s", validator);
        json_decref(s);
    }
}

static void check_agreement(void)
{
    int64_t top = e2e_min_height(&committee, ALL);
    E2E_CHECK(top > 0, "a node does not answer");
    e2e_check_agreement(&committee, ALL, 1, (uint64_t)top);
    printf("%s: all four agree on heights 1..%lld\n", me, (long long)top);
}

/* ----------------------------------------------------------------- kills */

typedef enum { MODE_LEADER, MODE_RESTARTED, MODE_ANY } kill_mode;

/* One kill: choose a mode and a delay, keep the load on for the delay,
 * resolve the target (the leader is asked at that moment), SIGKILL it,
 * restart it at once or after a short pause (load on). */
static void kill_one(void)
{
    uint32_t r = rng_below(100);
    kill_mode mode = r < 40 ? MODE_LEADER : r < 60 ? MODE_RESTARTED : MODE_ANY;
    uint32_t delay = rng_delay_ms(mode == MODE_RESTARTED ? 2 : 3);
    bool pause = rng_below(2) == 0;
    uint32_t restart_delay = pause ? rng_below(RESTART_DELAY_MS_MAX) : 0;
    size_t any = rng_below(NODES);
    load_for(delay);
    size_t target = any;
    if (mode == MODE_RESTARTED && restarted_last < NODES)
        target = restarted_last;
    if (mode == MODE_LEADER) {
        size_t leader = current_leader();
        target = leader < NODES ? leader : any;
        counts.kills_leader += leader < NODES;
    }
    node_kill(target);
    if (pause) {
        load_for(restart_delay);
        counts.restarts_delayed++;
    }
    node_start(target);
    counts.restarts++;
}

static void torture(uint32_t kills)
{
    uint64_t start = test_now_ms();
    int64_t round_height = e2e_max_height(&committee, ALL);
    for (uint32_t k = 1; k <= kills; k++) {
        kill_one();
        if (k % ROUND_KILLS != 0 && k != kills)
            continue;
        uint64_t t = test_now_ms();
        load_until_height(round_height + ROUND_HEIGHTS, "committee under churn");
        round_height = e2e_max_height(&committee, ALL);
        printf("%s: %u kills (%u of the leader, %u before the node ran) in %llu ms; height %lld "
               "(waited %llu ms for progress)\n",
               me, counts.kills, counts.kills_leader, counts.kills_starting,
               (unsigned long long)(test_now_ms() - start), (long long)round_height,
               (unsigned long long)(test_now_ms() - t));
    }
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0); /* in order with e2e_fail's stderr */
    uint64_t started = test_now_ms();
    rng_state = env_u64("SEQ_TORTURE_SEED", started ^ ((uint64_t)getpid() << 32));
    uint64_t seed = rng_state;
    uint64_t kills = env_u64("SEQ_TORTURE_KILLS", KILLS_DEFAULT);
    E2E_CHECK(kills >= 1 && kills <= KILLS_MAX, "SEQ_TORTURE_KILLS must be 1..%u", KILLS_MAX);
    payload_tag = rng_next();
    printf("%s: seed %" PRIu64 " (SEQ_TORTURE_SEED=%" PRIu64 " replays its decisions), %" PRIu64
           " kills\n",
           me, seed, seed, kills);

    e2e_setup_timeouts(&committee, me, NODES, TIMEOUT_MS_BASE, TIMEOUT_MS_MAX, 0);
    committee.log_level = "debug"; /* the `event=signed` lines */
    observer_selftest();
    committee.on_fail = observer_on_fail;
    for (size_t i = 0; i < NODES; i++) {
        started_ms[i] = calloc(kills + 2, sizeof *started_ms[i]);
        killed_ms[i] = calloc(kills + 2, sizeof *killed_ms[i]);
        E2E_CHECK(started_ms[i] != NULL && killed_ms[i] != NULL, "out of memory");
    }
    for (size_t i = 0; i < NODES; i++)
        node_start(i);
    restarted_last = SIZE_MAX;
    e2e_wait_heights(&committee, ALL, HEIGHT_WARM, PHASE_MS_MAX, "four nodes");
    read_validators();

    torture((uint32_t)kills);

    int64_t top = e2e_max_height(&committee, ALL);
    e2e_wait_heights(&committee, ALL, (uint64_t)(top + HEIGHT_END), PHASE_MS_MAX,
                     "four nodes after the last restart");
    check_nodes();
    check_payloads();
    check_agreement();
    check_signed_statements();
    printf("%s: %u kills (%u of the leader, %u before the node ran), %u restarts (%u after a "
           "pause), height %lld\n",
           me, counts.kills, counts.kills_leader, counts.kills_starting, counts.restarts,
           counts.restarts_delayed, (long long)e2e_max_height(&committee, ALL));

    committee.on_fail = NULL;
    e2e_teardown(&committee);
    for (size_t i = 0; i < NODES; i++) {
        free(started_ms[i]);
        free(killed_ms[i]);
    }
    printf("%s: OK in %llu ms (seed %" PRIu64 ")\n", me,
           (unsigned long long)(test_now_ms() - started), seed);
    return 0;
}
