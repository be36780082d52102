/* The acceptance test of batch posting: a committee of 4 seqd with a
 * private anvil (1 s blocks, `finalized` = head - 2), the contracts at the
 * addresses `seqctl l1 predict` gave the genesis, every validator's L1
 * account funded, each node attesting and posting batches.
 *
 *   1. Steady posting: 1,000 opaque payloads of 256 bytes, spread over the
 *      4 nodes; each tx's seq_getTransactionStatus goes softConfirmed ->
 *      posted (with the L1 tx) -> final, never backwards.
 *   2. Reproduction from L1 alone: every BatchPosted log of the Inbox,
 *      indices 0, 1, 2, ... with no gap or repeat; each batch's postBatch
 *      calldata (header, data, signatures) read back from its L1 tx,
 *      keccak256(data) = dataHash, the header hashing to the event's batch
 *      hash and chaining to the previous batch, the data decoded
 *      (l1_batch_decode) into exactly the heights firstHeight..lastHeight,
 *      each batch starting where the previous ended (the first at 1), and
 *      every decoded block equal, field by field and tx by tx, to that
 *      height's block on every node; every tx submitted is in one batch,
 *      byte for byte, where its status said.
 *   3. The poster of the next batch SIGKILLed: another validator posts
 *      that batch within the poster timeout plus slack, later batches
 *      follow, failoversSeen grows on a live node; the node restarts and
 *      catches up.
 *   4. L1 down for SEQ_E2E_L1_DOWN_S seconds (default 60): every node
 *      keeps committing; anvil comes back with its state and the backlog
 *      is posted in order up to the height committed when L1 returned.
 * At the end the reproduction of phase 2 runs again over every batch.
 * Plain C on tests/e2e/e2e.c; SEQ_ANVIL and SEQ_CAST name the tools (only
 * anvil is used). SEQ_E2E_BATCH_SPAN_MS overrides the genesis
 * batch.max_span_ms (see SPAN_MS_DEFAULT). */
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
#define NAMESPACE         42u
#define OPAQUE_TAG        0xb0u /* mempool.h: 0xb0 || namespace (8, BE) || payload */
#define TX_PAYLOAD_BYTES  256u
#define TX_RAW_BYTES      (9u + TX_PAYLOAD_BYTES)
#define STEADY_TXS        1000u
#define SENT_MAX          8192u
#define POSTER_TIMEOUT_MS 3000u
/* batch.max_span_ms (SEQ_E2E_BATCH_SPAN_MS overrides it). The batcher
 * forms batch k only once k-1 is on L1 at confirmation depth (about 2 s
 * with 1 s blocks and 1 confirmation), and a batch then runs at least up
 * to the L1 time of the block holding k-1, so a backlog leaves in full
 * batches whatever the span. */
#define SPAN_MS_DEFAULT   1000u
#define L1_DOWN_S_DEFAULT 60u
#define FINAL_WAIT_MS     120000u
#define FAILOVER_SLACK_MS 10000u
#define BACKLOG_WAIT_MS   150000u
#define CATCH_UP_MS       60000u
#define WAIT_MS           30000u
#define TRICKLE_MS        200u /* one tx per 200 ms while waiting: 5 tx/s */
#define STATUS_POLL_MS    500u
#define BATCHES_MAX       4096u
#define LOGS_PER_CALL_MAX 1024u
#define LOG_RANGE_BLOCKS  1000u
#define LOG_ARENA_BYTES   (1u << 20)
#define CALL_BYTES_MAX    (256u << 10)
#define BALANCE_WEI       "0x3635c9adc5dea00000" /* 1000 ether */
#define BATCH_ARENA_BYTES                                                                     \
    (L1_BATCH_PAYLOAD_BYTES_MAX +                                                             \
     L1_BATCH_BLOCKS_MAX * (sizeof(l1_batch_block) + sizeof(seq_hash)) +                      \
     L1_BATCH_BLOCK_TXS_MAX * sizeof(seq_hash) + L1_BATCH_BLOCK_TXS_MAX * sizeof(seq_bytes) + \
     (64u << 10))

enum { RANK_UNKNOWN, RANK_PENDING, RANK_SOFT, RANK_POSTED, RANK_FINAL, RANK_COUNT };

/* A tx this test submitted: payload seq is its index in sent[]. */
typedef struct {
    seq_hash hash;
    size_t ingress;
    uint64_t submit_ms;
    uint64_t seen_ms[RANK_COUNT]; /* first poll that saw each status; 0: never */
    int rank;                     /* the furthest status seen */
    /* From its final status (phase 1 txs). */
    bool has_record;
    uint64_t height, batch_index;
    seq_hash l1_tx_hash;
    /* From the batches on L1 (reset by each reproduction). */
    uint32_t found;
    uint64_t found_height, found_batch;
} sent_tx;

/* A BatchPosted log of the Inbox. */
typedef struct {
    l1_event_batch_posted ev;
    uint64_t l1_block;
    seq_hash l1_tx_hash;
    bool forced; /* appended by forceAdvance: no data, no heights */
} batch_rec;

static e2e_committee committee;
static test_anvil anvil;
static char anvil_path[E2E_PATH_BYTES];
static l1_rpc *l1c; /* the test's own client to anvil */
static seq_addr inbox_addr, validators[NODES];
static uint64_t deployed_block, span_ms;
static sent_tx sent[SENT_MAX];
static size_t sent_count;
static batch_rec batches[BATCHES_MAX];
static size_t batch_count;
static uint8_t *batch_arena_mem, *call_buf, *log_arena_mem;
static l1_rpc_log logs[LOGS_PER_CALL_MAX];
static bool alive[NODES];
static uint64_t trickle_next_ms;
static size_t trickle_turn;

/* ------------------------------------------------------------ helpers */

static void stop_anvil(void)
{
    test_anvil_stop(&anvil);
}

static void start_anvil(uint16_t port)
{
    const char *extra[] = {"--block-time", "1", "--slots-in-an-epoch", "1", NULL};
    e2e_anvil_start(&committee, &anvil, anvil_path, port, extra);
}

static unsigned live_mask(void)
{
    unsigned mask = 0;
    for (size_t i = 0; i < NODES; i++)
        mask |= alive[i] ? 1u << i : 0u;
    return mask;
}

static uint64_t be64(const uint8_t *p)
{
    uint64_t v = 0;
    for (size_t k = 0; k < 8; k++)
        v = v << 8 | p[k];
    return v;
}

static void put_be64(uint8_t *p, uint64_t v)
{
    for (size_t k = 0; k < 8; k++)
        p[k] = (uint8_t)(v >> (56 - 8 * k));
}

/* The committee index of an address, or -1. */
static int validator_of(const seq_addr *a)
{
    for (size_t i = 0; i < NODES; i++)
        if (seq_addr_equal(a, &validators[i]))
            return (int)i;
    return -1;
}

static uint64_t env_u64(const char *name, uint64_t fallback)
{
    const char *text = getenv(name);
    if (text == NULL || text[0] == '\0')
        return fallback;
    char *end = NULL;
    unsigned long long v = strtoull(text, &end, 10);
    E2E_CHECK(*end == '\0' && v > 0, "%s=%s is not a positive number", name, text);
    return (uint64_t)v;
}

/* ------------------------------------------------------------------ L1 */

/* Inbox.status() at tag: nextIndex and nextHeight (0: no committee batch
 * yet). False if L1 does not answer. */
static bool inbox_status(uint64_t *next_index, uint64_t *next_height, l1_block_tag tag)
{
    uint8_t selector[4], out[5 * 32];
    l1_abi_selector(selector, "status()");
    l1_rpc_tx_request req = {.has_to = true, .to = inbox_addr, .data = selector, .data_len = 4};
    size_t len = 0;
    if (l1_rpc_eth_call(l1c, out, sizeof out, &len, &req, tag) != SEQ_OK)
        return false;
    E2E_CHECK(len == sizeof out, "Inbox.status() returned %zu bytes", len);
    *next_index = be64(out + 24);
    *next_height = be64(out + 4 * 32 + 24);
    return true;
}

static void inbox_status_must(uint64_t *next_index, uint64_t *next_height)
{
    E2E_CHECK(inbox_status(next_index, next_height, L1_TAG_LATEST), "Inbox.status(): %s",
              l1_rpc_last_error(l1c));
}

/* ------------------------------------------------------------ the nodes */

/* What e2e_fail prints before it stops the nodes: the Inbox and each
 * live node's batcher. */
static void report_on_fail(void)
{
    uint64_t next_index = 0, next_height = 0;
    if (anvil.pid > 0 && inbox_status(&next_index, &next_height, L1_TAG_LATEST))
        fprintf(stderr, "test_e2e_batches: Inbox: nextIndex %" PRIu64 ", nextHeight %" PRIu64 "\n",
                next_index, next_height);
    for (size_t i = 0; i < NODES; i++) {
        if (!alive[i])
            continue;
        json_t *l1 = e2e_status_l1(&committee, i);
        json_t *brief =
            json_pack("{s:O?,s:O?,s:O?,s:O?}", "ok", json_object_get(l1, "ok"), "lastError",
                      json_object_get(l1, "lastError"), "lastBatch",
                      json_object_get(l1, "lastBatch"), "batcher", json_object_get(l1, "batcher"));
        char *text = brief != NULL ? json_dumps(brief, JSON_COMPACT) : NULL;
        fprintf(stderr, "test_e2e_batches: node %zu height %" PRId64 " l1 %s\n", i,
                e2e_height(&committee, i), text != NULL ? text : "(no answer)");
        free(text);
        json_decref(brief);
        json_decref(l1);
    }
}

static void node_kill(size_t i)
{
    e2e_node_stop(&committee, i, SIGKILL);
    alive[i] = false;
}

static void node_start(size_t i)
{
    e2e_node_start(&committee, i);
    alive[i] = true;
}

/* ---------------------------------------------------------- submission */

/* Payload seq: its number (8 bytes, big-endian), then bytes of a
 * generator seeded by it (incompressible, like real rollup data). */
static void payload_of(uint8_t out[TX_PAYLOAD_BYTES], uint64_t seq)
{
    put_be64(out, seq);
    uint64_t x = seq * 0x9e3779b97f4a7c15ull + 0x5eed;
    for (size_t k = 8; k < TX_PAYLOAD_BYTES; k++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        out[k] = (uint8_t)(x >> 24);
    }
}

/* The raw tx of payload seq, by the envelope's documented layout. */
static void raw_of(uint8_t out[TX_RAW_BYTES], uint64_t seq)
{
    out[0] = OPAQUE_TAG;
    put_be64(out + 1, NAMESPACE);
    payload_of(out + 9, seq);
}

/* Sends the next payload to node i; its hash must be keccak256(raw). */
static void submit(size_t i)
{
    E2E_CHECK(sent_count < SENT_MAX, "more than %u txs", SENT_MAX);
    sent_tx *t = &sent[sent_count];
    uint8_t payload[TX_PAYLOAD_BYTES], raw[TX_RAW_BYTES];
    payload_of(payload, sent_count);
    raw_of(raw, sent_count);
    char hex[2 * TX_PAYLOAD_BYTES + 3], params[2 * TX_PAYLOAD_BYTES + 32], *result = NULL;
    e2e_hex(hex, sizeof hex, payload, sizeof payload);
    snprintf(params, sizeof params, "[%u, \"%s\"]", NAMESPACE, hex);
    l1_rpc *rpc = committee.nodes[i].rpc;
    E2E_CHECK(l1_rpc_call(rpc, &result, "seq_sendPayload", params) == SEQ_OK,
              "node %zu refused payload %zu: %s", i, sent_count, l1_rpc_last_error(rpc));
    seq_hash want, got;
    l1_keccak256(&want, raw, sizeof raw);
    bool ok =
        strlen(result) == 68 &&
        (result[67] = '\0', l1_hex_decode_exact(got.b, SEQ_HASH_BYTES, result + 1)) == SEQ_OK &&
        seq_hash_equal(&got, &want);
    E2E_CHECK(ok, "seq_sendPayload %zu at node %zu: %s is not keccak256 of the envelope",
              sent_count, i, result);
    free(result);
    memset(t, 0, sizeof *t);
    t->hash = want;
    t->ingress = i;
    t->submit_ms = test_now_ms();
    sent_count++;
}

/* While waiting: one tx every TRICKLE_MS to the live nodes in turn. */
static void trickle(void)
{
    uint64_t now = test_now_ms();
    if (now < trickle_next_ms)
        return;
    trickle_next_ms = now + TRICKLE_MS;
    for (size_t k = 0; k < NODES; k++) {
        size_t i = trickle_turn++ % NODES;
        if (alive[i]) {
            submit(i);
            return;
        }
    }
}

/* Sleeps ms while trickling. */
static void sleep_trickling(uint64_t ms)
{
    uint64_t until = test_now_ms() + ms;
    while (test_now_ms() < until) {
        trickle();
        test_sleep_ms(20);
    }
}

/* ------------------------------------------------- phase 1: tx status */

static int rank_of(const char *status)
{
    static const char *const names[RANK_COUNT] = {"unknown", "pending", "softConfirmed", "posted",
                                                  "final"};
    for (int r = 0; status != NULL && r < RANK_COUNT; r++)
        if (strcmp(status, names[r]) == 0)
            return r;
    return -1;
}

/* Checks a final status of tx t in full and keeps where it says the tx
 * is. */
static void final_record(size_t t, const json_t *st)
{
    const json_t *soft = json_object_get(st, "softConfirmed");
    const json_t *posted = json_object_get(st, "posted");
    const json_t *fin = json_object_get(st, "final");
    int64_t height = e2e_int_at(soft, "height");
    int64_t index = e2e_int_at(posted, "batchIndex");
    int64_t first = e2e_int_at(posted, "firstHeight"), last = e2e_int_at(posted, "lastHeight");
    int64_t l1_block = e2e_int_at(posted, "l1Block");
    seq_hash h, tx_hash;
    seq_addr poster;
    E2E_CHECK(e2e_hash_from(&h, json_object_get(st, "hash")) && seq_hash_equal(&h, &sent[t].hash),
              "tx %zu: the status names another hash", t);
    E2E_CHECK(height >= 1 && e2e_int_at(soft, "index") >= 0 &&
                  e2e_hash_from(&h, json_object_get(soft, "blockHash")),
              "tx %zu: softConfirmed lacks height, index or blockHash", t);
    E2E_CHECK(index >= 0 && e2e_hash_from(&h, json_object_get(posted, "batchHash")) &&
                  e2e_hash_from(&h, json_object_get(posted, "l1BlockHash")) &&
                  e2e_addr_from(&poster, json_object_get(posted, "poster")),
              "tx %zu: posted lacks batchIndex, batchHash, l1BlockHash or poster", t);
    E2E_CHECK(e2e_hash_from(&tx_hash, json_object_get(posted, "l1TxHash")) &&
                  !seq_hash_equal(&tx_hash, &(seq_hash){{0}}),
              "tx %zu: posted.l1TxHash is not set", t);
    E2E_CHECK(validator_of(&poster) >= 0, "tx %zu: posted.poster is not a validator", t);
    E2E_CHECK(first >= 1 && first <= height && height <= last,
              "tx %zu at height %" PRId64 ": posted in heights %" PRId64 "..%" PRId64, t, height,
              first, last);
    E2E_CHECK(l1_block > (int64_t)deployed_block, "tx %zu: posted.l1Block %" PRId64, t, l1_block);
    const json_t *l1_fin = json_object_get(fin, "l1Finalized");
    E2E_CHECK(e2e_int_at(fin, "batchIndex") == index && e2e_int_at(fin, "l1Block") == l1_block,
              "tx %zu: final names batch %" PRId64 " block %" PRId64 ", posted %" PRId64
              " block %" PRId64,
              t, e2e_int_at(fin, "batchIndex"), e2e_int_at(fin, "l1Block"), index, l1_block);
    E2E_CHECK(json_is_true(l1_fin) ||
                  (json_is_integer(l1_fin) && json_integer_value(l1_fin) >= l1_block),
              "tx %zu: final.l1Finalized does not cover L1 block %" PRId64, t, l1_block);
    sent[t].has_record = true;
    sent[t].height = (uint64_t)height;
    sent[t].batch_index = (uint64_t)index;
    sent[t].l1_tx_hash = tx_hash;
}

/* seq_getTransactionStatus of tx t at node i (json_decref it), or NULL. */
static json_t *tx_status(size_t i, size_t t)
{
    char hash[67], params[80];
    e2e_hex(hash, sizeof hash, sent[t].hash.b, SEQ_HASH_BYTES);
    snprintf(params, sizeof params, "[\"%s\"]", hash);
    return e2e_call(&committee, i, "seq_getTransactionStatus", params);
}

/* One status poll of tx t at node i: the status never goes back, and its
 * members match it (an object from softConfirmed, posted, final on). */
static void status_poll(size_t t, size_t i, uint64_t now)
{
    json_t *st = tx_status(i, t);
    E2E_CHECK(st != NULL, "seq_getTransactionStatus at node %zu: %s", i,
              l1_rpc_last_error(committee.nodes[i].rpc));
    const char *status = json_string_value(json_object_get(st, "status"));
    int r = rank_of(status);
    E2E_CHECK(r >= 0, "tx %zu: status \"%s\"", t, status != NULL ? status : "(none)");
    E2E_CHECK(r >= sent[t].rank, "tx %zu went back from rank %d to %s at node %zu", t, sent[t].rank,
              status, i);
    E2E_CHECK(json_is_object(json_object_get(st, "softConfirmed")) == (r >= RANK_SOFT) &&
                  json_is_object(json_object_get(st, "posted")) == (r >= RANK_POSTED) &&
                  json_is_object(json_object_get(st, "final")) == (r >= RANK_FINAL),
              "tx %zu: status %s with softConfirmed/posted/final members that do not match", t,
              status);
    if (sent[t].seen_ms[r] == 0)
        sent[t].seen_ms[r] = now;
    sent[t].rank = r;
    if (r == RANK_FINAL)
        final_record(t, st);
    json_decref(st);
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* p50 and max of the delay from submission to the first poll that saw
 * rank r (or a later one) over sent[0..n). */
static void latency(size_t n, int r, uint64_t *p50, uint64_t *max)
{
    static uint64_t d[SENT_MAX];
    for (size_t t = 0; t < n; t++) {
        uint64_t at = 0;
        for (int k = r; k < RANK_COUNT && at == 0; k++)
            at = sent[t].seen_ms[k];
        d[t] = at - sent[t].submit_ms;
    }
    qsort(d, n, sizeof d[0], cmp_u64);
    *p50 = d[n / 2];
    *max = d[n - 1];
}

static void phase_steady(void)
{
    uint64_t start = test_now_ms();
    for (size_t t = 0; t < STEADY_TXS; t++)
        submit(t % NODES);
    uint64_t submitted_ms = test_now_ms() - start;
    size_t done = 0, seen_posted_only = 0;
    while (done < STEADY_TXS) {
        uint64_t now = test_now_ms();
        if (now - start > FINAL_WAIT_MS) {
            size_t ranks[RANK_COUNT] = {0};
            for (size_t t = 0; t < STEADY_TXS; t++)
                ranks[sent[t].rank]++;
            e2e_fail("phase 1: %zu of %u txs final after %u ms (unknown %zu, pending %zu, "
                     "softConfirmed %zu, posted %zu)",
                     done, STEADY_TXS, FINAL_WAIT_MS, ranks[RANK_UNKNOWN], ranks[RANK_PENDING],
                     ranks[RANK_SOFT], ranks[RANK_POSTED]);
        }
        done = 0;
        for (size_t t = 0; t < STEADY_TXS; t++) {
            if (sent[t].rank < RANK_FINAL)
                status_poll(t, (t + 1) % NODES, now); /* not its ingress node */
            done += sent[t].rank == RANK_FINAL;
        }
        if (done < STEADY_TXS)
            test_sleep_ms(STATUS_POLL_MS);
    }
    for (size_t t = 0; t < STEADY_TXS; t++)
        seen_posted_only += sent[t].seen_ms[RANK_POSTED] != 0;
    uint64_t soft50, soft_max, posted50, posted_max, final50, final_max;
    latency(STEADY_TXS, RANK_SOFT, &soft50, &soft_max);
    latency(STEADY_TXS, RANK_POSTED, &posted50, &posted_max);
    latency(STEADY_TXS, RANK_FINAL, &final50, &final_max);
    printf("test_e2e_batches: phase 1: %u txs of %u B submitted in %" PRIu64
           " ms, all final after %" PRIu64 " ms; seen soft-confirmed p50 %" PRIu64
           " ms max %" PRIu64 ", posted p50 %" PRIu64 " max %" PRIu64 ", final p50 %" PRIu64
           " max %" PRIu64 " (poll every %u ms); %zu seen posted before final\n",
           STEADY_TXS, TX_PAYLOAD_BYTES, submitted_ms, test_now_ms() - start, soft50, soft_max,
           posted50, posted_max, final50, final_max, STATUS_POLL_MS, seen_posted_only);
}

/* ------------------------------------------ phase 2: batches from L1 */

/* Every BatchPosted log of the Inbox up to the head, in order: indices
 * 0, 1, ... without gap or repeat, committee batches continuing each
 * other's heights from 1, posted by validators. */
static void batches_load(const char *phase)
{
    uint64_t head = 0;
    E2E_CHECK(l1_rpc_block_number(l1c, &head) == SEQ_OK, "eth_blockNumber: %s",
              l1_rpc_last_error(l1c));
    seq_hash topic, empty;
    l1_event_topic(&topic, L1_EVENT_BATCH_POSTED);
    l1_keccak256(&empty, (const uint8_t *)"", 0);
    seq_arena arena;
    seq_arena_init(&arena, log_arena_mem, LOG_ARENA_BYTES);
    batch_count = 0;
    uint64_t next_height = 1;
    for (uint64_t from = deployed_block; from <= head; from += LOG_RANGE_BLOCKS) {
        l1_rpc_log_filter f = {.from_block = from,
                               .to_block = SEQ_MIN(head, from + LOG_RANGE_BLOCKS - 1),
                               .address_count = 1};
        f.addresses[0] = inbox_addr;
        f.topics[0].choices[0] = topic;
        f.topics[0].count = 1;
        size_t n = 0;
        seq_arena_reset(&arena);
        E2E_CHECK(l1_rpc_logs(l1c, logs, LOGS_PER_CALL_MAX, &n, &arena, &f) == SEQ_OK,
                  "%s: eth_getLogs %" PRIu64 "..%" PRIu64 ": %s", phase, f.from_block, f.to_block,
                  l1_rpc_last_error(l1c));
        for (size_t k = 0; k < n; k++) {
            l1_event ev;
            E2E_CHECK(!logs[k].removed, "%s: a removed log", phase);
            E2E_CHECK(l1_event_decode(&ev, &logs[k]) == SEQ_OK && ev.kind == L1_EVENT_BATCH_POSTED,
                      "%s: a BatchPosted log in L1 block %" PRIu64 " does not decode", phase,
                      logs[k].block_number);
            const l1_event_batch_posted *b = &ev.batch_posted;
            E2E_CHECK(batch_count < BATCHES_MAX, "%s: more than %u batches", phase, BATCHES_MAX);
            E2E_CHECK(b->index == batch_count,
                      "%s: BatchPosted index %" PRIu64 " where %zu was next (a gap or a repeat)",
                      phase, b->index, batch_count);
            batch_rec *r = &batches[batch_count++];
            r->ev = *b;
            r->l1_block = logs[k].block_number;
            r->l1_tx_hash = logs[k].tx_hash;
            r->forced = seq_hash_equal(&b->data_hash, &empty) && b->first_height == 0 &&
                        b->last_height == 0;
            if (r->forced)
                continue;
            E2E_CHECK(b->first_height == next_height && b->last_height >= b->first_height,
                      "%s: batch %" PRIu64 " holds heights %" PRIu64 "..%" PRIu64
                      ", the next height is %" PRIu64,
                      phase, b->index, b->first_height, b->last_height, next_height);
            E2E_CHECK(validator_of(&b->poster) >= 0, "%s: batch %" PRIu64 " posted by a stranger",
                      phase, b->index);
            next_height = b->last_height + 1;
        }
    }
}

/* The height the batches on L1 reach (0: none). */
static uint64_t batches_last_height(void)
{
    uint64_t h = 0;
    for (size_t k = 0; k < batch_count; k++)
        h = batches[k].forced ? h : batches[k].ev.last_height;
    return h;
}

/* The postBatch(header, data, signatures) calldata, parsed as the ABI
 * lays it out (node/ctl_batch.c): the header as 8 static words, then the
 * offsets of data and signatures, each as its length and padded words. */
typedef struct {
    seq_attestation_stmt stmt;
    seq_hash forced_acc;
    const uint8_t *data, *sigs;
    size_t data_len, sigs_len;
} post_call;

static bool word_u64(uint64_t *out, const uint8_t *w)
{
    static const uint8_t zero[24];
    *out = be64(w + 24);
    return memcmp(w, zero, 24) == 0;
}

static bool abi_bytes(const uint8_t **out, size_t *len, const uint8_t *args, size_t args_len,
                      const uint8_t *offset_word)
{
    uint64_t offset = 0, n = 0;
    if (!word_u64(&offset, offset_word) || offset % 32 != 0 || offset > args_len - 32 ||
        !word_u64(&n, args + offset) || n > args_len - offset - 32)
        return false;
    *out = args + offset + 32;
    *len = (size_t)n;
    return true;
}

static bool post_call_parse(post_call *p, const uint8_t *call, size_t call_len)
{
    uint8_t selector[4];
    l1_abi_selector(selector, L1_BATCH_POST_SIGNATURE);
    if (call_len < 4 + 10 * 32 || memcmp(call, selector, 4) != 0)
        return false;
    const uint8_t *a = call + 4;
    size_t a_len = call_len - 4;
    seq_attestation_stmt *s = &p->stmt;
    memcpy(s->prev_batch_hash.b, a + 2 * 32, 32);
    memcpy(s->data_hash.b, a + 3 * 32, 32);
    memcpy(p->forced_acc.b, a + 7 * 32, 32);
    return word_u64(&s->l2_chain_id, a) && word_u64(&s->index, a + 32) &&
           word_u64(&s->first_height, a + 4 * 32) && word_u64(&s->last_height, a + 5 * 32) &&
           word_u64(&s->forced_cursor, a + 6 * 32) &&
           abi_bytes(&p->data, &p->data_len, a, a_len, a + 8 * 32) &&
           abi_bytes(&p->sigs, &p->sigs_len, a, a_len, a + 9 * 32);
}

/* The postBatch calldata of batch k's L1 tx into *p (borrowing call_buf):
 * a tx to the Inbox, from the event's poster, in the event's block. */
static void batch_call(post_call *p, size_t k)
{
    const batch_rec *r = &batches[k];
    char hash[67], params[80], *text = NULL;
    e2e_hex(hash, sizeof hash, r->l1_tx_hash.b, SEQ_HASH_BYTES);
    snprintf(params, sizeof params, "[\"%s\"]", hash);
    E2E_CHECK(l1_rpc_call(l1c, &text, "eth_getTransactionByHash", params) == SEQ_OK,
              "eth_getTransactionByHash %s: %s", hash, l1_rpc_last_error(l1c));
    json_t *tx = json_loads(text, 0, NULL);
    free(text);
    const char *input = json_string_value(json_object_get(tx, "input"));
    const char *number = json_string_value(json_object_get(tx, "blockNumber"));
    seq_addr from, to;
    uint64_t block = 0;
    size_t len = 0;
    E2E_CHECK(input != NULL && number != NULL &&
                  e2e_addr_from(&from, json_object_get(tx, "from")) &&
                  e2e_addr_from(&to, json_object_get(tx, "to")) &&
                  l1_quantity_u64(&block, number, strlen(number)) == SEQ_OK,
              "batch %zu: L1 tx %s lacks input, blockNumber, from or to", k, hash);
    E2E_CHECK(seq_addr_equal(&to, &inbox_addr) && seq_addr_equal(&from, &r->ev.poster) &&
                  block == r->l1_block,
              "batch %zu: L1 tx %s is not the poster's tx to the Inbox in block %" PRIu64, k, hash,
              r->l1_block);
    E2E_CHECK(l1_hex_decode(call_buf, CALL_BYTES_MAX, &len, input, strlen(input)) == SEQ_OK &&
                  post_call_parse(p, call_buf, len),
              "batch %zu: L1 tx %s is not a postBatch call", k, hash);
    json_decref(tx);
}

/* Node i's block at height h against the block decoded from L1: every
 * field, the hash, the tx count and every tx's hash. */
static void block_compare(size_t i, const l1_batch_block *blk, const seq_hash *hash)
{
    const seq_block_header *h = &blk->header;
    char params[48];
    snprintf(params, sizeof params, "[%" PRIu64 ", true]", h->height);
    json_t *b = e2e_call(&committee, i, "seq_getBlockByHeight", params);
    for (uint64_t until = test_now_ms() + WAIT_MS; json_is_null(b) && test_now_ms() < until;) {
        json_decref(b); /* not committed there yet: a node behind the others */
        test_sleep_ms(100);
        b = e2e_call(&committee, i, "seq_getBlockByHeight", params);
    }
    E2E_CHECK(json_is_object(b), "node %zu has no block at height %" PRIu64 ": %s", i, h->height,
              b == NULL ? l1_rpc_last_error(committee.nodes[i].rpc) : "null");
    seq_hash got_hash, parent, root, origin;
    seq_addr proposer;
    bool fields = e2e_hash_from(&got_hash, json_object_get(b, "hash")) &&
                  e2e_hash_from(&parent, json_object_get(b, "parentHash")) &&
                  e2e_hash_from(&root, json_object_get(b, "txRoot")) &&
                  e2e_hash_from(&origin, json_object_get(b, "l1OriginHash")) &&
                  e2e_addr_from(&proposer, json_object_get(b, "proposer"));
    E2E_CHECK(fields && seq_hash_equal(&got_hash, hash),
              "height %" PRIu64 ": node %zu's block hash differs from the batch on L1", h->height,
              i);
    E2E_CHECK(e2e_int_at(b, "l2ChainId") == (int64_t)h->l2_chain_id &&
                  e2e_int_at(b, "height") == (int64_t)h->height &&
                  e2e_int_at(b, "view") == (int64_t)h->view &&
                  e2e_int_at(b, "l1OriginNumber") == (int64_t)h->l1_origin_number &&
                  e2e_int_at(b, "forcedCursor") == (int64_t)h->forced_cursor &&
                  e2e_int_at(b, "timestampMs") == (int64_t)h->timestamp_ms &&
                  seq_hash_equal(&parent, &h->parent_hash) && seq_hash_equal(&root, &h->tx_root) &&
                  seq_hash_equal(&origin, &h->l1_origin_hash) &&
                  seq_addr_equal(&proposer, &h->proposer),
              "height %" PRIu64 ": node %zu's header differs from the batch on L1", h->height, i);
    const json_t *txs = json_object_get(b, "transactions");
    E2E_CHECK(e2e_int_at(b, "txCount") == (int64_t)blk->tx_count &&
                  json_array_size(txs) == blk->tx_count,
              "height %" PRIu64 ": node %zu has %" PRId64 " txs, the batch %zu", h->height, i,
              e2e_int_at(b, "txCount"), blk->tx_count);
    for (size_t t = 0; t < blk->tx_count; t++) {
        seq_hash want, got;
        l1_keccak256(&want, blk->txs[t].ptr, blk->txs[t].len);
        E2E_CHECK(e2e_hash_from(&got, json_array_get(txs, t)) && seq_hash_equal(&got, &want),
                  "height %" PRIu64 " tx %zu: node %zu has another tx than the batch", h->height, t,
                  i);
    }
    json_decref(b);
}

/* A tx of a decoded block: one of ours, byte for byte, seen once. */
static void tx_account(const seq_bytes *tx, uint64_t height, uint64_t batch)
{
    E2E_CHECK(tx->len == TX_RAW_BYTES && tx->ptr[0] == OPAQUE_TAG && be64(tx->ptr + 1) == NAMESPACE,
              "height %" PRIu64 ": a tx of %zu bytes this test did not send", height, tx->len);
    uint64_t seq = be64(tx->ptr + 9);
    uint8_t raw[TX_RAW_BYTES];
    E2E_CHECK(seq < sent_count, "height %" PRIu64 ": payload %" PRIu64 " was never sent", height,
              seq);
    raw_of(raw, seq);
    E2E_CHECK(memcmp(raw, tx->ptr, TX_RAW_BYTES) == 0,
              "height %" PRIu64 ": payload %" PRIu64 " differs from what was sent", height, seq);
    sent_tx *s = &sent[seq];
    E2E_CHECK(s->found == 0,
              "payload %" PRIu64 " is in two L2 blocks (committed twice), both on L1: heights "
              "%" PRIu64 " and %" PRIu64,
              seq, s->found_height, height);
    s->found = 1;
    s->found_height = height;
    s->found_batch = batch;
}

typedef struct {
    uint64_t blocks, txs, data_bytes, payload_bytes, sigs;
    seq_hash prev_batch, last_block;
} verify_state;

/* Batch k from L1 alone: its calldata against the event, its data decoded
 * and every block against every node in mask. */
static void batch_verify(verify_state *v, size_t k, unsigned mask)
{
    const batch_rec *r = &batches[k];
    if (r->forced) { /* forceAdvance: no data; the chain of batch hashes goes on */
        v->prev_batch = r->ev.batch_hash;
        return;
    }
    post_call p;
    batch_call(&p, k);
    seq_hash data_hash, batch_hash;
    l1_keccak256(&data_hash, p.data, p.data_len);
    l1_eip712_attestation_hash(&batch_hash, &p.stmt);
    const l1_event_batch_posted *e = &r->ev;
    E2E_CHECK(seq_hash_equal(&data_hash, &e->data_hash) &&
                  seq_hash_equal(&p.stmt.data_hash, &e->data_hash),
              "batch %zu: keccak256(data) or the header's dataHash is not the event's", k);
    E2E_CHECK(p.stmt.l2_chain_id == L2_CHAIN_ID && p.stmt.index == e->index &&
                  p.stmt.first_height == e->first_height && p.stmt.last_height == e->last_height &&
                  p.stmt.forced_cursor == e->forced_cursor,
              "batch %zu: the calldata header is not the event's", k);
    E2E_CHECK(seq_hash_equal(&batch_hash, &e->batch_hash) &&
                  seq_hash_equal(&p.stmt.prev_batch_hash, &v->prev_batch),
              "batch %zu: the header does not hash to the event's batch hash or does not chain "
              "to the batch before",
              k);
    E2E_CHECK(p.sigs_len % 65 == 0 && p.sigs_len / 65 * 3 > 2 * NODES,
              "batch %zu: %zu bytes of signatures, not a quorum of 65-byte signatures", k,
              p.sigs_len);
    seq_arena arena;
    seq_arena_init(&arena, batch_arena_mem, BATCH_ARENA_BYTES);
    l1_batch b;
    seq_err err = l1_batch_decode(&b, &arena, p.data, p.data_len);
    E2E_CHECK(err == SEQ_OK, "batch %zu: its data does not decode: %s", k, seq_strerror(err));
    E2E_CHECK(b.block_count == e->last_height - e->first_height + 1 &&
                  b.blocks[0].header.height == e->first_height,
              "batch %zu: %zu blocks from height %" PRIu64 ", the event says %" PRIu64 "..%" PRIu64,
              k, b.block_count, b.blocks[0].header.height, e->first_height, e->last_height);
    E2E_CHECK(seq_hash_equal(&b.blocks[0].header.parent_hash, &v->last_block),
              "batch %zu: its first block does not extend the last of the batch before", k);
    for (size_t n = 0; n < b.block_count; n++) {
        const l1_batch_block *blk = &b.blocks[n];
        seq_hash hash;
        l1_block_hash(&hash, &blk->header);
        E2E_CHECK(seq_hash_equal(&hash, &b.hashes[n]) && blk->header.l2_chain_id == L2_CHAIN_ID,
                  "batch %zu: block %zu's hash or chain id", k, n);
        for (size_t i = 0; i < NODES; i++)
            if ((mask >> i) & 1u)
                block_compare(i, blk, &hash);
        for (size_t t = 0; t < blk->tx_count; t++)
            tx_account(&blk->txs[t], blk->header.height, k);
        v->txs += blk->tx_count;
    }
    v->blocks += b.block_count;
    v->data_bytes += p.data_len;
    v->payload_bytes += l1_batch_payload_bytes(b.blocks, b.block_count);
    v->sigs += p.sigs_len / 65;
    v->prev_batch = e->batch_hash;
    v->last_block = b.hashes[b.block_count - 1];
}

/* The tx statuses of phase 1 against the batches on L1. */
static void steady_txs_check(void)
{
    for (size_t t = 0; t < STEADY_TXS; t++) {
        const sent_tx *s = &sent[t];
        E2E_CHECK(s->found == 1, "phase 1 tx %zu (final) is in no batch on L1", t);
        E2E_CHECK(s->found_height == s->height && s->found_batch == s->batch_index &&
                      seq_hash_equal(&batches[s->batch_index].l1_tx_hash, &s->l1_tx_hash),
                  "phase 1 tx %zu: its status says height %" PRIu64 ", batch %" PRIu64
                  "; L1 has it at height %" PRIu64 " in batch %" PRIu64 " (or under another L1 tx)",
                  t, s->height, s->batch_index, s->found_height, s->found_batch);
    }
}

/* Phase 2 (and the end): everything on L1 read back and checked against
 * every node in mask. */
static void reproduce(const char *phase, unsigned mask)
{
    uint64_t start = test_now_ms();
    batches_load(phase);
    E2E_CHECK(batch_count > 0, "%s: no batch on L1", phase);
    for (size_t t = 0; t < sent_count; t++)
        sent[t].found = 0;
    verify_state v = {0};
    /* The first batch extends genesis: its parent is node 0's block 0. */
    json_t *g = e2e_call(&committee, 0, "seq_getBlockByHeight", "[0]");
    E2E_CHECK(e2e_hash_from(&v.last_block, json_object_get(g, "hash")), "%s: no genesis block",
              phase);
    json_decref(g);
    size_t forced = 0, posters[NODES] = {0};
    for (size_t k = 0; k < batch_count; k++) {
        batch_verify(&v, k, mask);
        forced += batches[k].forced;
        if (!batches[k].forced)
            posters[validator_of(&batches[k].ev.poster)]++;
    }
    steady_txs_check();
    size_t on_l1 = 0;
    for (size_t t = 0; t < sent_count; t++)
        on_l1 += sent[t].found;
    printf("test_e2e_batches: %s: %zu batches (0..%zu, %zu forced), heights 1..%" PRIu64
           ", %" PRIu64 " blocks, %" PRIu64 " txs (%zu of %zu sent), data %" PRIu64
           " B for %" PRIu64 " B payload (ratio %.2f), %.1f signatures per batch, posters "
           "%zu/%zu/%zu/%zu; checked on %d nodes in %" PRIu64 " ms\n",
           phase, batch_count, batch_count - 1, forced, batches_last_height(), v.blocks, v.txs,
           on_l1, sent_count, v.data_bytes, v.payload_bytes,
           v.data_bytes > 0 ? (double)v.payload_bytes / (double)v.data_bytes : 0.0,
           (double)v.sigs / (double)(batch_count - forced), posters[0], posters[1], posters[2],
           posters[3], __builtin_popcount(mask), test_now_ms() - start);
}

/* Every tx sent and not on L1 must be above the last height posted. */
static void unposted_txs_check(void)
{
    uint64_t last = batches_last_height();
    size_t above = 0;
    for (size_t t = 0; t < sent_count; t++) {
        if (sent[t].found)
            continue;
        json_t *st = tx_status(0, t);
        int64_t h = e2e_int_at(st, "softConfirmed.height");
        E2E_CHECK(h < 0 || (uint64_t)h > last,
                  "tx %zu was committed at height %" PRId64 " but is in no batch up to %" PRIu64, t,
                  h, last);
        above++;
        json_decref(st);
    }
    printf("test_e2e_batches: %zu txs sent last are not on L1 yet (above height %" PRIu64 ")\n",
           above, last);
}

/* The txs sent after phase 1 that are on L1 (failover and backlog batches
 * among them): a node reports each posted in the batch that holds it on
 * L1, under its L1 tx and poster. Nodes see a batch at confirmation
 * depth, so the newest may take a moment. */
static void later_txs_posted_check(void)
{
    uint64_t until = test_now_ms() + WAIT_MS;
    size_t checked = 0;
    for (size_t t = STEADY_TXS; t < sent_count; t++) {
        if (!sent[t].found)
            continue;
        size_t i = t % NODES;
        const batch_rec *r = &batches[sent[t].found_batch];
        for (;;) {
            json_t *st = tx_status(i, t);
            const json_t *posted = json_object_get(st, "posted");
            seq_hash posted_tx;
            seq_addr poster;
            bool ok = json_is_object(posted);
            E2E_CHECK(
                !ok || (e2e_int_at(posted, "batchIndex") == (int64_t)r->ev.index &&
                        e2e_int_at(st, "softConfirmed.height") == (int64_t)sent[t].found_height &&
                        e2e_hash_from(&posted_tx, json_object_get(posted, "l1TxHash")) &&
                        seq_hash_equal(&posted_tx, &r->l1_tx_hash) &&
                        e2e_addr_from(&poster, json_object_get(posted, "poster")) &&
                        seq_addr_equal(&poster, &r->ev.poster)),
                "tx %zu: node %zu's posted record is not batch %" PRIu64 " as on L1", t, i,
                r->ev.index);
            json_decref(st);
            if (ok)
                break;
            E2E_CHECK(test_now_ms() < until,
                      "tx %zu is on L1 in batch %" PRIu64 " but node %zu does not report it posted",
                      t, r->ev.index, i);
            test_sleep_ms(100);
        }
        checked++;
    }
    printf("test_e2e_batches: %zu txs of phases 3 and 4 on L1 are reported posted there\n",
           checked);
}

/* ---------------------------------------------- phase 3: poster killed */

static int64_t batcher_counter(size_t i, const char *name)
{
    char path[64];
    snprintf(path, sizeof path, "l1.batcher.%s", name);
    json_t *s = e2e_status(&committee, i);
    int64_t v = e2e_int_at(s, path);
    json_decref(s);
    return v;
}

/* Waits until the Inbox's nextIndex is at least index; fails after ms. */
static uint64_t wait_next_index(uint64_t index, uint64_t ms, const char *phase)
{
    uint64_t until = test_now_ms() + ms, next = 0, next_height = 0;
    for (;;) {
        inbox_status_must(&next, &next_height);
        if (next >= index)
            return next;
        E2E_CHECK(test_now_ms() < until,
                  "%s: the Inbox is at batch %" PRIu64 ", not %" PRIu64 " after %" PRIu64 " ms",
                  phase, next, index, ms);
        sleep_trickling(50);
    }
}

static void phase_failover(void)
{
    /* Right after a batch lands, the next one is not formed yet (it waits
     * for the confirmation), so its first poster has sent nothing. */
    uint64_t k0 = 0, h = 0;
    inbox_status_must(&k0, &h);
    uint64_t k = wait_next_index(k0 + 1, span_ms + 3 * POSTER_TIMEOUT_MS + WAIT_MS,
                                 "phase 3: a batch to land");
    size_t victim = (size_t)(k % NODES), witness = (victim + 1) % NODES;
    int64_t failovers = batcher_counter(witness, "failoversSeen");
    E2E_CHECK(failovers >= 0, "phase 3: node %zu's seq_status has no l1.batcher.failoversSeen",
              witness);
    node_kill(victim);
    uint64_t killed_at = test_now_ms();
    uint64_t deadline_ms = span_ms + POSTER_TIMEOUT_MS + FAILOVER_SLACK_MS;
    wait_next_index(k + 1, deadline_ms, "phase 3: failover");
    uint64_t failover_ms = test_now_ms() - killed_at;
    batches_load("phase 3");
    const batch_rec *r = &batches[k];
    int poster = validator_of(&r->ev.poster);
    E2E_CHECK(poster >= 0 && (size_t)poster != victim,
              "phase 3: batch %" PRIu64 " was posted by node %d, killed before its turn", k,
              poster);
    /* Later batches go on (k+1..k+2 are live nodes' first turns). */
    wait_next_index(k + 3, 2 * (span_ms + WAIT_MS), "phase 3: batches after the failover");
    uint64_t until = test_now_ms() + WAIT_MS;
    int64_t failovers_after = batcher_counter(witness, "failoversSeen");
    while (failovers_after <= failovers) {
        E2E_CHECK(test_now_ms() < until,
                  "phase 3: node %zu's failoversSeen stayed %" PRId64 " after batch %" PRIu64
                  " was posted by node %d",
                  witness, failovers_after, k, poster);
        sleep_trickling(100);
        failovers_after = batcher_counter(witness, "failoversSeen");
    }
    batches_load("phase 3, later batches");
    /* The victim comes back and catches up: blocks and L1 batches. */
    node_start(victim);
    uint64_t restarted = test_now_ms();
    int64_t target = e2e_max_height(&committee, live_mask() & ~(1u << victim));
    uint64_t next = 0;
    inbox_status_must(&next, &h);
    e2e_wait_heights(&committee, 1u << victim, (uint64_t)target, CATCH_UP_MS,
                     "phase 3: the killed node catches up");
    until = test_now_ms() + CATCH_UP_MS;
    for (;;) {
        json_t *l1 = e2e_status_l1(&committee, victim);
        bool caught = e2e_int_at(l1, "lastBatch.index") >= (int64_t)next - 1;
        json_decref(l1);
        if (caught)
            break;
        E2E_CHECK(test_now_ms() < until, "phase 3: node %zu did not catch up with the batches",
                  victim);
        sleep_trickling(100);
    }
    printf("test_e2e_batches: phase 3: node %zu (first poster of batch %" PRIu64
           ") SIGKILLed; node %d posted it %" PRIu64
           " ms later (poster timeout %u ms, span %" PRIu64 " ms); failoversSeen %" PRId64
           " -> %" PRId64 " on node %zu; %zu batches on L1; "
           "restarted, caught up to height %" PRId64 " and batch %" PRIu64 " in %" PRIu64 " ms\n",
           victim, k, poster, failover_ms, POSTER_TIMEOUT_MS, span_ms, failovers, failovers_after,
           witness, batch_count, target, next - 1, test_now_ms() - restarted);
}

/* ------------------------------------------------- phase 4: L1 down */

static void phase_l1_down(uint16_t anvil_port, uint64_t down_s)
{
    int64_t before[NODES];
    for (size_t i = 0; i < NODES; i++)
        before[i] = e2e_height(&committee, i);
    uint64_t index_before = 0, h = 0;
    inbox_status_must(&index_before, &h);
    stop_anvil(); /* SIGTERM: anvil writes its state */
    uint64_t down_at = test_now_ms();
    size_t sent_before = sent_count;
    sleep_trickling(down_s * 1000u);
    int64_t after[NODES];
    for (size_t i = 0; i < NODES; i++) {
        after[i] = e2e_height(&committee, i);
        E2E_CHECK(after[i] >= before[i] + (int64_t)down_s,
                  "phase 4: node %zu went from height %" PRId64 " to %" PRId64 " in %" PRIu64
                  " s without L1",
                  i, before[i], after[i], down_s);
    }
    int64_t target = e2e_max_height(&committee, ALL);
    start_anvil(anvil_port);
    uint64_t up_at = test_now_ms(), down_ms = up_at - down_at;
    uint64_t next = 0, next_height = 0;
    for (;;) {
        if (inbox_status(&next, &next_height, L1_TAG_LATEST) && next_height > (uint64_t)target)
            break;
        E2E_CHECK(test_now_ms() - up_at < BACKLOG_WAIT_MS,
                  "phase 4: the Inbox reached height %" PRIu64 " (batch %" PRIu64 "), not %" PRId64
                  ", %u ms after L1 came back",
                  next_height - (next_height > 0), next, target, BACKLOG_WAIT_MS);
        sleep_trickling(100);
    }
    uint64_t backlog_ms = test_now_ms() - up_at;
    batches_load("phase 4");
    printf("test_e2e_batches: phase 4: L1 down %" PRIu64 " s (%zu txs sent meanwhile): heights "
           "%" PRId64 "/%" PRId64 "/%" PRId64 "/%" PRId64 " -> %" PRId64 "/%" PRId64 "/%" PRId64
           "/%" PRId64 "; backlog to height %" PRId64 " posted %" PRIu64
           " ms after L1 returned, in %" PRIu64 " batches (%" PRIu64 "..%" PRIu64 ")\n",
           down_ms / 1000u, sent_count - sent_before, before[0], before[1], before[2], before[3],
           after[0], after[1], after[2], after[3], target, backlog_ms, next - index_before,
           index_before, next - 1);
}

/* --------------------------------------------------------------- setup */

static void deploy(void)
{
    e2e_l1_deploy(&committee, anvil.url);
    json_t *r = e2e_json_load(&committee, "l1-deployment.json");
    int64_t block = e2e_int_at(r, "deployment_block");
    seq_addr inbox;
    E2E_CHECK(block > 0 && e2e_addr_from(&inbox, json_object_get(r, "inbox_address")) &&
                  seq_addr_equal(&inbox, &inbox_addr),
              "the deployment record has no block, or its Inbox is not the predicted one");
    deployed_block = (uint64_t)block;
    json_decref(r);
}

/* Keys, the genesis with the predicted contracts and the batch settings,
 * the deployment, funded validators and four nodes on L1. */
static void setup(void)
{
    e2e_setup_nodes(&committee, "test_e2e_batches", NODES, 0);
    committee.on_fail = report_on_fail;
    atexit(stop_anvil);
    start_anvil(0);
    l1_rpc_options options;
    l1_rpc_options_default(&options);
    options.retries = 0;
    E2E_CHECK(l1_rpc_new(&l1c, anvil.url, &options) == SEQ_OK, "l1_rpc_new %s", anvil.url);
    e2e_dev_key_write(&committee);
    char committee_addr[43], inbox_text[43], span[24], timeout[24];
    e2e_l1_predict(&committee, anvil.url, committee_addr, inbox_text);
    E2E_CHECK(l1_hex_decode_exact(inbox_addr.b, SEQ_ADDR_BYTES, inbox_text) == SEQ_OK,
              "predicted inbox %s", inbox_text);
    snprintf(span, sizeof span, "%" PRIu64, span_ms);
    snprintf(timeout, sizeof timeout, "%u", POSTER_TIMEOUT_MS);
    const char *extra[] = {"--batch-max-span-ms",
                           span,
                           "--poster-timeout-ms",
                           timeout,
                           "--confirmations",
                           "1",
                           "--committee-address",
                           committee_addr,
                           "--inbox-address",
                           inbox_text,
                           NULL};
    e2e_genesis(&committee, 1000, 0, extra);
    deploy();
    e2e_validators_fund(&committee, l1c, validators, BALANCE_WEI);
    for (size_t i = 0; i < NODES; i++) {
        e2e_config_l1(&committee, i, anvil.url);
        node_start(i);
    }
    e2e_wait_heights(&committee, ALL, 3, WAIT_MS, "start");
    json_t *l1 = e2e_status_l1(&committee, 0);
    printf("test_e2e_batches: 4 nodes on anvil %s (Inbox %s from block %" PRIu64
           "), batch span %" PRIu64 " ms, poster timeout %u ms, 1 confirmation; node 0 batcher "
           "%s\n",
           anvil.url, inbox_text, deployed_block, span_ms, POSTER_TIMEOUT_MS,
           json_is_true(json_object_get(json_object_get(l1, "batcher"), "enabled"))
               ? "enabled"
               : "not reported");
    json_decref(l1);
}

int main(void)
{
    const char *anvil_env = getenv("SEQ_ANVIL");
    if (anvil_env == NULL || anvil_env[0] == '\0') {
        fprintf(stderr, "test_e2e_batches: SEQ_ANVIL must name anvil\n");
        return 1;
    }
    snprintf(anvil_path, sizeof anvil_path, "%s", anvil_env);
    span_ms = env_u64("SEQ_E2E_BATCH_SPAN_MS", SPAN_MS_DEFAULT);
    uint64_t down_s = env_u64("SEQ_E2E_L1_DOWN_S", L1_DOWN_S_DEFAULT);
    batch_arena_mem = malloc(BATCH_ARENA_BYTES);
    call_buf = malloc(CALL_BYTES_MAX);
    log_arena_mem = malloc(LOG_ARENA_BYTES);
    if (batch_arena_mem == NULL || call_buf == NULL || log_arena_mem == NULL) {
        fprintf(stderr, "test_e2e_batches: out of memory\n");
        return 1;
    }
    uint64_t start = test_now_ms();
    setup();
    uint16_t anvil_port = anvil.port;

    phase_steady();
    reproduce("phase 2", ALL);
    phase_failover();
    phase_l1_down(anvil_port, down_s);
    reproduce("end", ALL);
    later_txs_posted_check();
    unposted_txs_check();

    e2e_teardown(&committee);
    l1_rpc_free(l1c);
    free(log_arena_mem);
    free(call_buf);
    free(batch_arena_mem);
    printf("test_e2e_batches: ok (%" PRIu64 " s)\n", (test_now_ms() - start) / 1000u);
    return 0;
}
