/* The acceptance test of forced inclusion: a committee of 4 seqd with a
 * private anvil (1 s blocks), the contracts at the addresses `seqctl l1
 * predict` gave the genesis, an inclusion window of WINDOW_BLOCKS (16)
 * L1 blocks (an entry queued at L1 block q is due at L1 origin q + D,
 * D = 4), a force grace of GRACE_BLOCKS (4), every validator's L1 account
 * funded. One L2 sender S (a fixed test key) is censored by test mode
 * (`"test": {"censor_senders": [S]}` in a node's config). Its txs are
 * signed EIP-1559 txs, one nonce after the other; a forced one goes to L1
 * with `seqctl force-include` and never to a mempool.
 *
 *   1. One of four censoring (node 0): S's normal txs, sent one at a time
 *      to node 0 and to the others, all commit, each in a block another
 *      node proposed, and node 0 proposed blocks while one sent to it
 *      waited (so it did leave them out). A forced S tx queued at L1 block q is soft-confirmed by a
 *      non-censoring leader before it is due (origin in [q, q + D)) and
 *      posted in a batch at an L1 block <= q + WINDOW_BLOCKS.
 *   2. All four censoring (restarted with S in every config): S's normal
 *      tx stays pending for PENDING_CHECK_MS (the line reports how many
 *      blocks the committee made meanwhile). A forced S tx queued at q2
 *      is soft-confirmed in the first block whose origin makes it due
 *      (origin >= q2 + D, its parent's < q2 + D: the validity rule, not a
 *      leader's goodwill), and posted within the window.
 *   3. The committee halted (all stopped): a forced S tx queued at q3;
 *      `seqctl force-advance` is refused before q3 + window + grace + 1
 *      and works from there (batch k, cursor past the entry). The nodes
 *      restart without censoring once their L1 origin can be past the
 *      forceAdvance block; the committee's batch k+1 lands on L1 (the
 *      Inbox checks that it chains from batch k), the forced tx is in no
 *      L2 block and unknown to every node, the blocks whose origin sees
 *      the forceAdvance start past the entry, and every node has the
 *      same chain.
 * Each phase prints one line of figures. The halted committee waits for
 * the L1 blocks in real time rather than anvil_mine: mined blocks would
 * carry timestamps ahead of the wall clock, and a batch is cut no earlier
 * than the L1 time of the previous batch's block (node/README.md
 * "Batches"), which would hold every later batch back by that much.
 * Plain C on tests/e2e/e2e.c; SEQ_ANVIL names anvil. Needs a build with
 * -DSEQ_TEST_MODES=ON (the dev preset). */
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "anvil.h"
#include "clock.h"
#include "e2e.h"

#define NODES             4u
#define ALL               0xfu
#define L2_CHAIN_ID       901u
#define WINDOW_BLOCKS     16u
#define DUE_BLOCKS        (WINDOW_BLOCKS / 4u) /* node_genesis_forced_due_blocks */
#define GRACE_BLOCKS      4u
#define CONFIRMATIONS     1u
#define ORIGIN_LAG_BLOCKS 2u /* NODE_FORCED_ORIGIN_LAG_BLOCKS */
#define POSTER_TIMEOUT_MS 3000u
#define SPAN_MS           1000u
#define CENSORED_KEY_BYTE 0x07u /* S's secret key: 31 zero bytes, then 0x07 */
#define NORMAL_TXS        6u
/* Node 0 leads about one view in four, so a tx sent to it finds it leading
 * about one time in four: 32 tries to node 0 all miss with odds near
 * 0.75^32 = 1e-4 (12 tries missed once in a loaded run). A run stops at
 * the first hit, so the cap costs nothing when things go well. */
#define NORMAL_TXS_MAX   64u
#define PENDING_CHECK_MS 10000u
#define WAIT_MS          30000u
#define SOFT_WAIT_MS     60000u
#define POSTED_WAIT_MS   60000u
#define BATCH_WAIT_MS    120000u
#define L1_BLOCK_WAIT_MS 3000u /* per L1 block waited for (1 s blocks) */
#define POLL_MS          200u
#define SCAN_BLOCKS_MAX  20000u
#define TX_RAW_MAX       512u
#define WATCHED_MAX      (NORMAL_TXS_MAX + 1u)
#define SEQCTL_OUT_BYTES 8192u
#define BALANCE_WEI      "0x3635c9adc5dea00000" /* 1000 ether */

_Static_assert(DUE_BLOCKS >= 1 && DUE_BLOCKS < WINDOW_BLOCKS, "D is a quarter of the window");

/* The Inbox's status(): (nextIndex, lastBatchHash, forcedConsumed,
 * forcedCount, nextHeight). */
typedef struct {
    uint64_t next_index, forced_consumed, forced_count, next_height;
} inbox_head;

/* A forced tx as `seqctl force-include --json` reported it. */
typedef struct {
    seq_hash hash;
    uint64_t index, l1_block, l1_timestamp;
} forced_tx;

/* Where a tx was soft-confirmed: its block's header fields. */
typedef struct {
    uint64_t height, index, origin, cursor, timestamp_ms;
    int proposer; /* committee index */
} soft_at;

static e2e_committee committee;
static test_anvil anvil;
static char anvil_path[E2E_PATH_BYTES];
static l1_rpc *l1c; /* the test's own client to anvil */
static seq_addr inbox_addr, validators[NODES], censored;
static char censored_text[43];
static uint64_t nonce_next;           /* S's next nonce */
static int64_t height_stopped;        /* the highest height when the nodes were last stopped */
static seq_hash watched[WATCHED_MAX]; /* S's txs of the phase at hand, for report_on_fail */
static size_t watched_count;

/* ------------------------------------------------------------ helpers */

static void stop_anvil(void)
{
    test_anvil_stop(&anvil);
}

static uint64_t be64(const uint8_t *p)
{
    uint64_t v = 0;
    for (size_t k = 0; k < 8; k++)
        v = v << 8 | p[k];
    return v;
}

/* The committee index of an address, or -1. */
static int validator_of(const seq_addr *a)
{
    for (size_t i = 0; i < NODES; i++)
        if (seq_addr_equal(a, &validators[i]))
            return (int)i;
    return -1;
}

static double seconds_between(uint64_t from_ms, uint64_t to_ms)
{
    return ((double)to_ms - (double)from_ms) / 1000.0;
}

/* ------------------------------------------------------------------ L1 */

static bool inbox_status(inbox_head *out)
{
    uint8_t selector[4], w[5 * 32];
    l1_abi_selector(selector, "status()");
    l1_rpc_tx_request req = {.has_to = true, .to = inbox_addr, .data = selector, .data_len = 4};
    size_t len = 0;
    if (l1_rpc_eth_call(l1c, w, sizeof w, &len, &req, L1_TAG_LATEST) != SEQ_OK)
        return false;
    E2E_CHECK(len == sizeof w, "Inbox.status() returned %zu bytes", len);
    *out = (inbox_head){.next_index = be64(w + 24),
                        .forced_consumed = be64(w + 2 * 32 + 24),
                        .forced_count = be64(w + 3 * 32 + 24),
                        .next_height = be64(w + 4 * 32 + 24)};
    return true;
}

static inbox_head inbox_status_must(void)
{
    inbox_head h;
    E2E_CHECK(inbox_status(&h), "Inbox.status(): %s", l1_rpc_last_error(l1c));
    return h;
}

static uint64_t l1_head(void)
{
    uint64_t head = 0;
    E2E_CHECK(l1_rpc_block_number(l1c, &head) == SEQ_OK, "eth_blockNumber: %s",
              l1_rpc_last_error(l1c));
    return head;
}

/* The timestamp of L1 block number, in ms. */
static uint64_t l1_time_ms(uint64_t number)
{
    l1_rpc_block b;
    E2E_CHECK(l1_rpc_block_by_number(l1c, &b, number) == SEQ_OK, "L1 block %" PRIu64 ": %s", number,
              l1_rpc_last_error(l1c));
    return b.timestamp * 1000u;
}

/* Waits until the L1 head is at least number. */
static void l1_wait_head(uint64_t number, const char *phase)
{
    uint64_t head = l1_head();
    uint64_t until = test_now_ms() + (number > head ? number - head + 2u : 2u) * L1_BLOCK_WAIT_MS;
    while (head < number) {
        E2E_CHECK(test_now_ms() < until, "%s: L1 is at block %" PRIu64 ", not %" PRIu64, phase,
                  head, number);
        test_sleep_ms(POLL_MS);
        head = l1_head();
    }
}

/* ---------------------------------------------------------- the nodes */

static json_t *tx_status(size_t i, const seq_hash *hash);

/* The status of each watched tx at every node, one line each. */
static void report_watched(void)
{
    for (size_t t = 0; t < watched_count; t++) {
        fprintf(stderr, "test_e2e_forced: S's tx %zu:", t);
        for (size_t i = 0; i < NODES; i++) {
            json_t *st = committee.nodes[i].pid > 0 ? tx_status(i, &watched[t]) : NULL;
            const char *status = json_string_value(json_object_get(st, "status"));
            fprintf(stderr, " node %zu %s (height %" PRId64 ")", i, status != NULL ? status : "-",
                    e2e_int_at(st, "softConfirmed.height"));
            json_decref(st);
        }
        fputc('\n', stderr);
    }
}

/* What e2e_fail prints before it stops the nodes: the Inbox, each node's
 * forced queue and forced cursor, and S's txs of the phase. */
static void report_on_fail(void)
{
    report_watched();
    inbox_head h;
    if (anvil.pid > 0 && inbox_status(&h))
        fprintf(stderr,
                "test_e2e_forced: Inbox: nextIndex %" PRIu64 ", nextHeight %" PRIu64
                ", forced %" PRIu64 " consumed of %" PRIu64 "; L1 head %" PRIu64 "\n",
                h.next_index, h.next_height, h.forced_consumed, h.forced_count, l1_head());
    for (size_t i = 0; i < NODES; i++) {
        if (committee.nodes[i].pid <= 0)
            continue;
        json_t *l1 = e2e_status_l1(&committee, i);
        json_t *brief = json_pack("{s:O?,s:O?,s:O?,s:O?}", "cursor", json_object_get(l1, "cursor"),
                                  "forcedQueue", json_object_get(l1, "forcedQueue"), "forcedL2",
                                  json_object_get(l1, "forcedL2"), "lastBatch",
                                  json_object_get(l1, "lastBatch"));
        char *text = brief != NULL ? json_dumps(brief, JSON_COMPACT) : NULL;
        fprintf(stderr, "test_e2e_forced: node %zu height %" PRId64 " l1 %s%s\n", i,
                e2e_height(&committee, i), text != NULL ? text : "(no answer)",
                e2e_log_has(&committee, i, 0, "batch_post_refused", "ForcedTxOverdue")
                    ? "; its log has batch_post_refused why=ForcedTxOverdue"
                    : "");
        free(text);
        json_decref(brief);
        json_decref(l1);
    }
}

/* Node i censors S (as leader) or not, from its next start. */
static void censor_set(size_t i, bool on)
{
    char name[32];
    snprintf(name, sizeof name, "node%zu.json", i);
    json_t *list = on ? json_pack("[s]", censored_text) : json_array();
    e2e_json_set(&committee, name, NULL, "test", json_pack("{s:o}", "censor_senders", list));
}

/* Starts every node and waits until each has committed a few blocks past
 * the height they were stopped at (a restart goes on from its store);
 * fails unless exactly the censoring ones logged test_mode since. */
static void nodes_start(unsigned censoring)
{
    long log_at[NODES];
    for (size_t i = 0; i < NODES; i++) {
        log_at[i] = e2e_log_size(&committee, i);
        e2e_node_start(&committee, i);
    }
    e2e_wait_heights(&committee, ALL, (uint64_t)height_stopped + 3u, WAIT_MS, "start");
    for (size_t i = 0; i < NODES; i++)
        E2E_CHECK(e2e_log_has(&committee, i, log_at[i], "test_mode", "censor") ==
                      (((censoring >> i) & 1u) != 0),
                  "node %zu: its log %s event=test_mode mode=censor", i,
                  ((censoring >> i) & 1u) ? "lacks" : "has");
}

static void nodes_stop(void)
{
    height_stopped = SEQ_MAX(e2e_max_height(&committee, ALL), (int64_t)0);
    for (size_t i = 0; i < NODES; i++)
        e2e_node_stop(&committee, i, SIGTERM);
}

/* Node i's committed block at height (with its tx hashes if with_txs;
 * json_decref it), or NULL if it has none. */
static json_t *block_get(size_t i, uint64_t height, bool with_txs)
{
    char params[48];
    snprintf(params, sizeof params, "[%" PRIu64 ", %s]", height, with_txs ? "true" : "false");
    json_t *b = e2e_call(&committee, i, "seq_getBlockByHeight", params);
    if (json_is_object(b))
        return b;
    json_decref(b);
    return NULL;
}

/* The committee index of block b's proposer (fails on a stranger). */
static int proposer_of(const json_t *b)
{
    seq_addr a;
    int who = e2e_addr_from(&a, json_object_get(b, "proposer")) ? validator_of(&a) : -1;
    E2E_CHECK(who >= 0, "block %" PRId64 ": its proposer is not a committee member",
              e2e_int_at(b, "height"));
    return who;
}

/* ------------------------------------------------------------ S's txs */

/* Keeps hash for report_on_fail (the phase's first resets the list). */
static void watch(const seq_hash *hash)
{
    if (watched_count < WATCHED_MAX)
        watched[watched_count++] = *hash;
}

/* S's next tx (nonce_next), signed for the L2 chain. */
static size_t censored_tx(uint8_t raw[TX_RAW_MAX], seq_hash *hash)
{
    uint8_t key[32] = {0};
    key[31] = CENSORED_KEY_BYTE;
    l1_tx tx = {.chain_id = L2_CHAIN_ID,
                .nonce = nonce_next++,
                .max_priority_fee_per_gas = 1000000000u,
                .max_fee_per_gas = 2000000000u,
                .gas_limit = 21000,
                .has_to = true};
    tx.to.b[19] = 0xaa;
    size_t len = 0;
    E2E_CHECK(l1_tx_sign(raw, TX_RAW_MAX, &len, hash, key, &tx) == SEQ_OK, "l1_tx_sign");
    return len;
}

/* S's next tx, through node i's eth_sendRawTransaction. */
static seq_hash send_normal(size_t i)
{
    uint8_t raw[TX_RAW_MAX];
    seq_hash hash, echoed;
    size_t len = censored_tx(raw, &hash);
    l1_rpc *rpc = committee.nodes[i].rpc;
    E2E_CHECK(l1_rpc_send_raw_tx(rpc, &echoed, raw, len) == SEQ_OK &&
                  seq_hash_equal(&echoed, &hash),
              "node %zu refused S's tx (nonce %" PRIu64 "): %s", i, nonce_next - 1,
              l1_rpc_last_error(rpc));
    watch(&hash);
    return hash;
}

/* The JSON object seqctl printed into out (json_decref it). */
static json_t *seqctl_json(const char *out, const char *what)
{
    const char *p = strchr(out, '{');
    json_t *j = p != NULL ? json_loads(p, JSON_DISABLE_EOF_CHECK, NULL) : NULL;
    E2E_CHECK(json_is_object(j), "%s printed no JSON object: %s", what, out);
    return j;
}

/* S's next tx, queued on L1 with `seqctl force-include` only. */
static forced_tx force_include(void)
{
    uint8_t raw[TX_RAW_MAX];
    char hex[2 * TX_RAW_MAX + 3];
    static char out[SEQCTL_OUT_BYTES];
    forced_tx f = {0};
    size_t len = censored_tx(raw, &f.hash);
    watch(&f.hash);
    e2e_hex(hex, sizeof hex, raw, len);
    char *args[] = {"force-include",
                    "--rpc",
                    anvil.url,
                    "--deployment",
                    "l1-deployment.json",
                    "--key",
                    "dev.key",
                    "--tx",
                    hex,
                    "--json",
                    NULL};
    int code = e2e_seqctl(&committee, out, sizeof out, args);
    E2E_CHECK(code == 0, "seqctl force-include exited %d: %s", code, out);
    json_t *j = seqctl_json(out, "seqctl force-include");
    seq_hash echoed;
    int64_t index = e2e_int_at(j, "index"), block = e2e_int_at(j, "l1_block");
    int64_t stamp = e2e_int_at(j, "l1_timestamp");
    E2E_CHECK(index >= 0 && block > 0 && stamp > 0 &&
                  e2e_hash_from(&echoed, json_object_get(j, "tx_hash")) &&
                  seq_hash_equal(&echoed, &f.hash),
              "seqctl force-include: no index, l1_block or l1_timestamp, or another tx hash: %s",
              out);
    f.index = (uint64_t)index;
    f.l1_block = (uint64_t)block;
    f.l1_timestamp = (uint64_t)stamp;
    json_decref(j);
    return f;
}

/* seq_getTransactionStatus of hash at node i (json_decref it), or NULL. */
static json_t *tx_status(size_t i, const seq_hash *hash)
{
    char text[67], params[80];
    e2e_hex(text, sizeof text, hash->b, SEQ_HASH_BYTES);
    snprintf(params, sizeof params, "[\"%s\"]", text);
    return e2e_call(&committee, i, "seq_getTransactionStatus", params);
}

/* Waits until node i reports hash soft-confirmed (or later); returns
 * where, from that block's header. */
static soft_at wait_soft(size_t i, const seq_hash *hash, const char *what)
{
    uint64_t until = test_now_ms() + SOFT_WAIT_MS;
    json_t *st = tx_status(i, hash);
    while (!json_is_object(json_object_get(st, "softConfirmed"))) {
        E2E_CHECK(test_now_ms() < until, "%s: not soft-confirmed at node %zu after %u ms (%s)",
                  what, i, SOFT_WAIT_MS,
                  st != NULL ? json_string_value(json_object_get(st, "status")) : "no answer");
        json_decref(st);
        test_sleep_ms(POLL_MS);
        st = tx_status(i, hash);
    }
    soft_at s = {.height = (uint64_t)e2e_int_at(st, "softConfirmed.height"),
                 .index = (uint64_t)e2e_int_at(st, "softConfirmed.index")};
    json_decref(st);
    json_t *b = block_get(i, s.height, false);
    E2E_CHECK(b != NULL, "%s: node %zu has no block at its height %" PRIu64, what, i, s.height);
    s.origin = (uint64_t)e2e_int_at(b, "l1OriginNumber");
    s.cursor = (uint64_t)e2e_int_at(b, "forcedCursor");
    s.timestamp_ms = (uint64_t)e2e_int_at(b, "timestampMs");
    s.proposer = proposer_of(b);
    json_decref(b);
    return s;
}

/* Waits until node i reports hash posted; returns the batch's L1 block. */
static uint64_t wait_posted(size_t i, const seq_hash *hash, const char *what)
{
    uint64_t until = test_now_ms() + POSTED_WAIT_MS;
    json_t *st = tx_status(i, hash);
    while (!json_is_object(json_object_get(st, "posted"))) {
        E2E_CHECK(test_now_ms() < until, "%s: not posted at node %zu after %u ms (%s)", what, i,
                  POSTED_WAIT_MS,
                  st != NULL ? json_string_value(json_object_get(st, "status")) : "no answer");
        json_decref(st);
        test_sleep_ms(POLL_MS);
        st = tx_status(i, hash);
    }
    int64_t block = e2e_int_at(st, "posted.l1Block");
    json_decref(st);
    E2E_CHECK(block > 0, "%s: posted without an l1Block", what);
    return (uint64_t)block;
}

/* The checks and the figures line every forced tx gets once posted. */
static void forced_report(const char *phase, const forced_tx *f, const soft_at *s,
                          uint64_t posted_block)
{
    E2E_CHECK(s->index == 0 && s->cursor > f->index,
              "%s: forced entry %" PRIu64 " is tx %" PRIu64 " of height %" PRIu64
              " (cursor %" PRIu64 "): a forced copy opens its block",
              phase, f->index, s->index, s->height, s->cursor);
    E2E_CHECK(posted_block <= f->l1_block + WINDOW_BLOCKS,
              "%s: forced entry %" PRIu64 " queued at L1 block %" PRIu64
              " was posted at L1 block %" PRIu64 ", past the window of %u",
              phase, f->index, f->l1_block, posted_block, WINDOW_BLOCKS);
    uint64_t queued_ms = f->l1_timestamp * 1000u;
    printf("test_e2e_forced: %s: forced entry %" PRIu64 " queued at L1 block q=%" PRIu64
           "; soft-confirmed at height %" PRIu64 " (proposer node %d) %.1f s after queued, origin "
           "q+%" PRId64 " (due at q+%u); posted at L1 block q+%" PRIu64 " %.1f s after queued "
           "(window q+%u)\n",
           phase, f->index, f->l1_block, s->height, s->proposer,
           seconds_between(queued_ms, s->timestamp_ms), (int64_t)(s->origin - f->l1_block),
           DUE_BLOCKS, posted_block - f->l1_block,
           seconds_between(queued_ms, l1_time_ms(posted_block)), WINDOW_BLOCKS);
    /* The node's own figures saw it too: the soft latency at commit, the
     * posting latency once the link saw the batch (node 1 ran since the
     * entry was queued, so the batch was live to it). */
    uint64_t until = test_now_ms() + WAIT_MS;
    for (;;) {
        json_t *l1 = e2e_status_l1(&committee, 1);
        int64_t soft = e2e_int_at(l1, "forcedL2.softLagCount");
        int64_t posted = e2e_int_at(l1, "forcedL2.postedLagCount");
        int64_t soft_ms = e2e_int_at(l1, "forcedL2.softLagMeanMs");
        int64_t posted_ms = e2e_int_at(l1, "forcedL2.postedLagMeanMs");
        json_decref(l1);
        if (soft >= 1 && posted >= 1) {
            printf("test_e2e_forced: %s: node 1 reports %" PRId64 " soft (mean %" PRId64
                   " ms) and %" PRId64 " posted (mean %" PRId64 " ms) forced latencies\n",
                   phase, soft, soft_ms, posted, posted_ms);
            break;
        }
        E2E_CHECK(test_now_ms() < until,
                  "%s: node 1 reports %" PRId64 " soft and %" PRId64 " posted forced latencies",
                  phase, soft, posted);
        test_sleep_ms(POLL_MS);
    }
}

/* ------------------------------------------- phase 1: one of four */

/* Blocks node 0 proposed below height whose time is after wall_ms: it
 * proposed them after a tx was sent to it at wall_ms (the tx wakes the
 * leader, so that is when it was in its pool, save a few ms). */
static size_t node0_blocks_after(uint64_t wall_ms, uint64_t height)
{
    size_t n = 0;
    for (uint64_t h = height - 1u; h > 0 && height - h < SCAN_BLOCKS_MAX; h--) {
        json_t *b = block_get(1, h, false);
        E2E_CHECK(b != NULL, "node 1 has no block at height %" PRIu64, h);
        bool after = e2e_int_at(b, "timestampMs") > (int64_t)wall_ms;
        n += after && proposer_of(b) == 0;
        json_decref(b);
        if (!after)
            break;
    }
    return n;
}

/* S's normal txs, one at a time (a sender's nonces sent at once to
 * different nodes may commit out of order: a pool that never saw the
 * sender commit takes its lowest pending nonce as the next, and the ones
 * below then leave the pools), every other one to node 0, the others to
 * nodes 1, 2, 3 in turn. Each commits in a block another node proposed.
 * At least NORMAL_TXS, and on until node 0 has proposed a block while one
 * sent to it waited in its pool (the pauses before each vary, so that the
 * next leader is not always the same one). */
static void normal_txs_past_node0(const char *phase)
{
    size_t skipped = 0, t = 0;
    uint64_t start = test_now_ms();
    for (; t < NORMAL_TXS || skipped == 0; t++) {
        E2E_CHECK(t < NORMAL_TXS_MAX,
                  "%s: node 0 proposed no block while any of %zu S txs sent to it waited", phase,
                  t);
        size_t ingress = t % 2 == 0 ? 0 : 1u + (t / 2) % 3u;
        test_sleep_ms((uint32_t)(t * 137u % 400u));
        uint64_t sent_wall_ms = seq_wall_ms(); /* the leader may propose before we hear back */
        seq_hash hash = send_normal(ingress);
        soft_at s = wait_soft((ingress + 1) % NODES, &hash, "phase 1: S's normal tx");
        E2E_CHECK(s.proposer != 0,
                  "%s: S's tx %zu (nonce %zu, sent to node %zu) is at height %" PRIu64
                  ", proposed by node 0",
                  phase, t, t, ingress, s.height);
        if (ingress == 0)
            skipped += node0_blocks_after(sent_wall_ms, s.height);
    }
    printf("test_e2e_forced: %s: %zu normal S txs soft-confirmed one after the other in %" PRIu64
           " ms, none in a block of node 0, which proposed %zu blocks while one sent to it "
           "waited\n",
           phase, t, test_now_ms() - start, skipped);
}

static void phase_one_censoring(void)
{
    const char *phase = "phase 1 (node 0 censors)";
    watched_count = 0;
    normal_txs_past_node0(phase);
    forced_tx f = force_include();
    soft_at s = wait_soft(1, &f.hash, "phase 1: S's forced tx");
    E2E_CHECK(s.origin >= f.l1_block && s.origin < f.l1_block + DUE_BLOCKS,
              "%s: forced entry %" PRIu64 " queued at L1 block %" PRIu64
              " was included at origin %" PRIu64 ", not before it was due (%" PRIu64 ")",
              phase, f.index, f.l1_block, s.origin, f.l1_block + DUE_BLOCKS);
    E2E_CHECK(s.proposer != 0, "%s: node 0 included S's forced tx before it was due", phase);
    forced_report(phase, &f, &s, wait_posted(2, &f.hash, "phase 1: S's forced tx"));
}

/* ------------------------------------------ phase 2: all four censor */

/* S's tx stays pending: in a pool, committed by no node. */
static void check_pending(const seq_hash *hash, uint32_t ms)
{
    uint64_t until = test_now_ms() + ms;
    while (test_now_ms() < until) {
        for (size_t i = 0; i < NODES; i++) {
            json_t *st = tx_status(i, hash);
            const char *status = json_string_value(json_object_get(st, "status"));
            E2E_CHECK(status != NULL && (strcmp(status, "pending") == 0 ||
                                         (i != 1 && strcmp(status, "unknown") == 0)),
                      "phase 2: S's normal tx is \"%s\" at node %zu while all censor", status, i);
            json_decref(st);
        }
        test_sleep_ms(500);
    }
}

static void phase_all_censoring(void)
{
    const char *phase = "phase 2 (all censor)";
    nodes_stop();
    for (size_t i = 0; i < NODES; i++)
        censor_set(i, true);
    nodes_start(ALL);
    watched_count = 0;
    int64_t height_before = e2e_max_height(&committee, ALL);
    seq_hash normal = send_normal(1);
    check_pending(&normal, PENDING_CHECK_MS);
    int64_t height_after = e2e_max_height(&committee, ALL);
    printf("test_e2e_forced: %s: S's normal tx still pending after %u ms; the committee made "
           "%" PRId64 " blocks meanwhile (%.0f/s)\n",
           phase, PENDING_CHECK_MS, height_after - height_before,
           (double)(height_after - height_before) * 1000.0 / PENDING_CHECK_MS);

    forced_tx f = force_include();
    soft_at s = wait_soft(1, &f.hash, "phase 2: S's forced tx");
    uint64_t due = f.l1_block + DUE_BLOCKS;
    json_t *parent = block_get(1, s.height - 1u, false);
    E2E_CHECK(parent != NULL, "%s: no block at height %" PRIu64, phase, s.height - 1u);
    uint64_t parent_origin = (uint64_t)e2e_int_at(parent, "l1OriginNumber");
    json_decref(parent);
    E2E_CHECK(s.origin >= due && parent_origin < due,
              "%s: forced entry %" PRIu64 " (due at origin %" PRIu64 ") is at height %" PRIu64
              " with origin %" PRIu64 ", its parent's %" PRIu64
              ": not the first block that made it due",
              phase, f.index, due, s.height, s.origin, parent_origin);
    forced_report(phase, &f, &s, wait_posted(2, &f.hash, "phase 2: S's forced tx"));
}

/* -------------------------------------------- phase 3: halted committee */

/* Runs `seqctl force-advance`; returns its exit code, output in out. */
static int force_advance(char *out, size_t out_cap)
{
    char *args[] = {
        "force-advance", "--rpc",  anvil.url, "--deployment", "l1-deployment.json", "--key",
        "dev.key",       "--json", NULL};
    return e2e_seqctl(&committee, out, out_cap, args);
}

/* Until the batch after the forceAdvance batch k is on L1. */
static void wait_next_batch(uint64_t k)
{
    uint64_t start = test_now_ms();
    inbox_head h = inbox_status_must();
    while (h.next_index < k + 2u) {
        E2E_CHECK(test_now_ms() - start < BATCH_WAIT_MS,
                  "phase 3: the Inbox is at batch %" PRIu64 ", the committee's batch %" PRIu64
                  " after the forceAdvance batch %" PRIu64 " did not land in %u ms",
                  h.next_index, k + 1u, k, BATCH_WAIT_MS);
        test_sleep_ms(POLL_MS);
        h = inbox_status_must();
    }
}

/* The forced tx is in no block from height from on, the cursor never goes
 * back, and every block whose origin is at or past the forceAdvance block
 * starts past the entries it consumed. Returns how many blocks kept an
 * older origin. */
static size_t check_skipped(const seq_hash *hash, uint64_t from, uint64_t to,
                            uint64_t advance_block, uint64_t advance_cursor)
{
    size_t older = 0;
    uint64_t cursor = 0;
    for (uint64_t h = from; h <= to && h - from < SCAN_BLOCKS_MAX; h++) {
        json_t *b = block_get(0, h, true);
        E2E_CHECK(b != NULL, "phase 3: node 0 has no block at height %" PRIu64, h);
        uint64_t c = (uint64_t)e2e_int_at(b, "forcedCursor");
        uint64_t origin = (uint64_t)e2e_int_at(b, "l1OriginNumber");
        const json_t *txs = json_object_get(b, "transactions");
        for (size_t t = 0; t < json_array_size(txs); t++) {
            seq_hash got;
            E2E_CHECK(!e2e_hash_from(&got, json_array_get(txs, t)) || !seq_hash_equal(&got, hash),
                      "phase 3: the forced tx that forceAdvance ordered is tx %zu of height "
                      "%" PRIu64 " (origin %" PRIu64 ")",
                      t, h, origin);
        }
        E2E_CHECK(c >= cursor,
                  "phase 3: height %" PRIu64 ": forced cursor %" PRIu64
                  " below its parent's %" PRIu64,
                  h, c, cursor);
        E2E_CHECK(origin < advance_block || c >= advance_cursor,
                  "phase 3: height %" PRIu64 " (origin %" PRIu64 ", forceAdvance at %" PRIu64
                  ") has forced cursor %" PRIu64 ", below forceAdvance's %" PRIu64,
                  h, origin, advance_block, c, advance_cursor);
        older += origin < advance_block;
        cursor = c;
        json_decref(b);
    }
    return older;
}

/* force-advance before its block (refused), then from it; returns the
 * ForceAdvanced fields and checks them against the Inbox as it was just
 * before (a batch the committee sent before it stopped has landed by
 * then), which *before gets. */
static void advance(const forced_tx *f, inbox_head *before, uint64_t *k, uint64_t *to,
                    uint64_t *block)
{
    static char out[SEQCTL_OUT_BYTES];
    uint64_t allowed = f->l1_block + WINDOW_BLOCKS + GRACE_BLOCKS + 1u, said = 0;
    int code = force_advance(out, sizeof out);
    const char *not_yet = strstr(out, "not yet: allowed from L1 block ");
    E2E_CHECK(code == 1 && not_yet != NULL &&
                  sscanf(not_yet, "not yet: allowed from L1 block %" SCNu64, &said) == 1 &&
                  said == allowed,
              "phase 3: an early force-advance exited %d (want 1, \"not yet: allowed from L1 "
              "block %" PRIu64 "\"): %s",
              code, allowed, out);
    l1_wait_head(allowed - 1u, "phase 3: force-advance's block");
    *before = inbox_status_must();
    code = force_advance(out, sizeof out);
    E2E_CHECK(code == 0, "phase 3: force-advance exited %d: %s", code, out);
    json_t *j = seqctl_json(out, "seqctl force-advance");
    const char *result = json_string_value(json_object_get(j, "result"));
    *k = (uint64_t)e2e_int_at(j, "batch_index");
    *to = (uint64_t)e2e_int_at(j, "to_cursor");
    *block = (uint64_t)e2e_int_at(j, "l1_block");
    E2E_CHECK(result != NULL && strcmp(result, "advanced") == 0 && *k == before->next_index &&
                  e2e_int_at(j, "from_cursor") == (int64_t)f->index && *to == f->index + 1u &&
                  *block >= allowed,
              "phase 3: force-advance did not append batch %" PRIu64 " consuming entry %" PRIu64
              " from L1 block %" PRIu64 ": %s",
              before->next_index, f->index, allowed, out);
    json_decref(j);
    inbox_head after = inbox_status_must();
    E2E_CHECK(after.next_index == *k + 1u && after.forced_consumed == *to &&
                  after.next_height == before->next_height,
              "phase 3: after forceAdvance the Inbox is at batch %" PRIu64 ", cursor %" PRIu64
              ", height %" PRIu64,
              after.next_index, after.forced_consumed, after.next_height);
}

static void phase_halted(void)
{
    const char *phase = "phase 3 (committee halted)";
    inbox_head before = inbox_status_must();
    E2E_CHECK(before.forced_consumed == before.forced_count,
              "%s: %" PRIu64 " of %" PRIu64 " forced entries consumed on L1 before the halt", phase,
              before.forced_consumed, before.forced_count);
    int64_t stopped_at = e2e_min_height(&committee, ALL);
    nodes_stop();
    watched_count = 0;
    forced_tx f = force_include();
    uint64_t k = 0, to = 0, advance_block = 0;
    advance(&f, &before, &k, &to, &advance_block);
    /* An origin below the forceAdvance block still sees the entry due (and
     * an honest leader would copy it): restart once the leaders' origin,
     * head - confirmations - lag, can be at or past it. */
    l1_wait_head(advance_block + CONFIRMATIONS + ORIGIN_LAG_BLOCKS + 1u, "phase 3: restart");
    for (size_t i = 0; i < NODES; i++)
        censor_set(i, false);
    uint64_t restart_ms = test_now_ms();
    nodes_start(0);
    wait_next_batch(k);
    uint64_t batch_ms = test_now_ms() - restart_ms;
    inbox_head after = inbox_status_must();
    E2E_CHECK(after.forced_consumed >= to && after.next_height > before.next_height,
              "%s: batch %" PRIu64 " leaves the Inbox at cursor %" PRIu64 ", height %" PRIu64,
              phase, k + 1u, after.forced_consumed, after.next_height);

    /* Blocks keep coming with origins past the forceAdvance block. */
    uint64_t until = test_now_ms() + WAIT_MS;
    int64_t tip = e2e_min_height(&committee, ALL);
    json_t *b = block_get(0, (uint64_t)tip, false);
    while (b == NULL || e2e_int_at(b, "l1OriginNumber") < (int64_t)advance_block) {
        E2E_CHECK(test_now_ms() < until, "%s: no block with an origin past %" PRIu64, phase,
                  advance_block);
        json_decref(b);
        test_sleep_ms(POLL_MS);
        tip = e2e_min_height(&committee, ALL);
        b = block_get(0, (uint64_t)tip, false);
    }
    json_decref(b);
    size_t older = check_skipped(&f.hash, (uint64_t)SEQ_MAX(stopped_at, (int64_t)1), (uint64_t)tip,
                                 advance_block, to);
    for (size_t i = 0; i < NODES; i++) {
        json_t *st = tx_status(i, &f.hash);
        const char *status = json_string_value(json_object_get(st, "status"));
        E2E_CHECK(status != NULL && strcmp(status, "unknown") == 0,
                  "%s: node %zu reports the forceAdvance'd tx \"%s\"", phase, i, status);
        json_decref(st);
    }
    e2e_check_agreement(&committee, ALL, 1, (uint64_t)tip);
    uint64_t queued_ms = f.l1_timestamp * 1000u;
    printf("test_e2e_forced: %s: forced entry %" PRIu64 " queued at L1 block q=%" PRIu64
           "; force-advance refused before q+%u, then batch %" PRIu64 " (cursor %" PRIu64
           ") at L1 block q+%" PRIu64 ", %.1f s after queued; restarted, committee batch %" PRIu64
           " on L1 %.1f s later; the tx is in no L2 block (heights %" PRId64 "..%" PRId64
           " checked, %zu with an origin before the forceAdvance); agreement on 1..%" PRId64 "\n",
           phase, f.index, f.l1_block, WINDOW_BLOCKS + GRACE_BLOCKS + 1u, k, to,
           advance_block - f.l1_block, seconds_between(queued_ms, l1_time_ms(advance_block)),
           k + 1u, (double)batch_ms / 1000.0, stopped_at, tip, older, tip);
}

/* --------------------------------------------------------------- setup */

/* `seqctl l1 deploy` with the force grace of this test (e2e_l1_deploy
 * takes seqctl's default); the Inbox must land where predicted. */
static void deploy(void)
{
    char grace[16];
    snprintf(grace, sizeof grace, "%u", GRACE_BLOCKS);
    char *args[] = {(char *)committee.seqctl_path,
                    "l1",
                    "deploy",
                    "--rpc",
                    anvil.url,
                    "--genesis",
                    "genesis.json",
                    "--key",
                    "dev.key",
                    "--insecure-key",
                    "--force-grace-blocks",
                    grace,
                    NULL};
    e2e_tool(&committee, args);
    json_t *r = e2e_json_load(&committee, "l1-deployment.json");
    seq_addr inbox;
    E2E_CHECK(e2e_addr_from(&inbox, json_object_get(r, "inbox_address")) &&
                  seq_addr_equal(&inbox, &inbox_addr) &&
                  e2e_int_at(r, "params.inclusion_window_blocks") == WINDOW_BLOCKS &&
                  e2e_int_at(r, "params.force_grace_blocks") == GRACE_BLOCKS,
              "the deployment record: Inbox not the predicted one, or not window %u, grace %u",
              WINDOW_BLOCKS, GRACE_BLOCKS);
    json_decref(r);
}

/* Keys, the genesis with the predicted contracts, the window and the batch
 * settings, the deployment, funded validators and four nodes on L1, node
 * 0 censoring S. */
static void setup(void)
{
    e2e_setup_nodes(&committee, "test_e2e_forced", NODES, 0);
    committee.on_fail = report_on_fail;
    atexit(stop_anvil);
    const char *anvil_extra[] = {"--block-time", "1", "--slots-in-an-epoch", "1", NULL};
    e2e_anvil_start(&committee, &anvil, anvil_path, 0, anvil_extra);
    l1_rpc_options options;
    l1_rpc_options_default(&options);
    options.retries = 0;
    E2E_CHECK(l1_rpc_new(&l1c, anvil.url, &options) == SEQ_OK, "l1_rpc_new %s", anvil.url);
    e2e_dev_key_write(&committee);
    char committee_addr[43], inbox_text[43], span[24], timeout[24], window[24];
    e2e_l1_predict(&committee, anvil.url, committee_addr, inbox_text);
    E2E_CHECK(l1_hex_decode_exact(inbox_addr.b, SEQ_ADDR_BYTES, inbox_text) == SEQ_OK,
              "predicted inbox %s", inbox_text);
    snprintf(span, sizeof span, "%u", SPAN_MS);
    snprintf(timeout, sizeof timeout, "%u", POSTER_TIMEOUT_MS);
    snprintf(window, sizeof window, "%u", WINDOW_BLOCKS);
    const char *extra[] = {"--batch-max-span-ms",
                           span,
                           "--poster-timeout-ms",
                           timeout,
                           "--confirmations",
                           "1",
                           "--inclusion-window-blocks",
                           window,
                           "--committee-address",
                           committee_addr,
                           "--inbox-address",
                           inbox_text,
                           NULL};
    e2e_genesis(&committee, 1000, 0, extra);
    deploy();
    e2e_validators_fund(&committee, l1c, validators, BALANCE_WEI);
    uint8_t key[32] = {0};
    key[31] = CENSORED_KEY_BYTE;
    E2E_CHECK(l1_secp_address(&censored, key) == SEQ_OK, "S's address");
    e2e_hex(censored_text, sizeof censored_text, censored.b, SEQ_ADDR_BYTES);
    for (size_t i = 0; i < NODES; i++) {
        e2e_config_l1(&committee, i, anvil.url);
        censor_set(i, i == 0);
    }
    nodes_start(1u << 0);
    printf("test_e2e_forced: 4 nodes on anvil %s (Inbox %s), inclusion window %u blocks (due at "
           "+%u), force grace %u, 1 confirmation, batch span %u ms; S = %s\n",
           anvil.url, inbox_text, WINDOW_BLOCKS, DUE_BLOCKS, GRACE_BLOCKS, SPAN_MS, censored_text);
}

int main(void)
{
    const char *anvil_env = getenv("SEQ_ANVIL");
    if (anvil_env == NULL || anvil_env[0] == '\0') {
        fprintf(stderr, "test_e2e_forced: SEQ_ANVIL must name anvil\n");
        return 1;
    }
    snprintf(anvil_path, sizeof anvil_path, "%s", anvil_env);
    uint64_t start = test_now_ms();
    setup();
    phase_one_censoring();
    phase_all_censoring();
    phase_halted();
    e2e_teardown(&committee);
    l1_rpc_free(l1c);
    printf("test_e2e_forced: ok (%" PRIu64 " s)\n", (test_now_ms() - start) / 1000u);
    return 0;
}
