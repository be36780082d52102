/* bench_cons — throughput of the consensus core.
 *
 * n replicas in one process; a lossless FIFO network that delivers every
 * message at once, each one encoded once (wire_encode) and decoded by every
 * receiver (wire_decode); the leader's payload request is answered at once
 * with K txs of B bytes. Virtual time stands still, so no view timer fires:
 * the figures are the CPU cost of ordering (core, codec, crypto) with no
 * disk and no sockets. Crypto is a BLAKE2b fake, or with --real-crypto the
 * production ops (keccak256, EIP-712, secp256k1 via node_cons_crypto). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "bench.h"
#include "consensus.h"
#include "fake_crypto.h"
#include "l1.h"
#include "node.h"

#define REPLICAS_MAX       10u
#define QUEUE_MAX          4096u /* packets in flight */
#define CHAIN_ID           901u
#define L1_CHAIN_ID        31337u
#define NOW_MS             1000u /* virtual time; advances only on a stall */
#define HASH_RING          1024u /* recent commits kept to check agreement */
#define STALLS_MAX         64u   /* quiet-network timer advances before giving up */
#define CLOCK_CHECK_TURNS  256u  /* turns of the loop between --seconds checks */
#define BLOCKS_DEFAULT     2000u
#define BLOCKS_QUICK       20u
#define TXS_DEFAULT        100u
#define TX_BYTES_DEFAULT   100u
#define SECONDS_MAX        3600.0
#define TIMEOUT_MS_BASE    1000u
#define TIMEOUT_MS_MAX     8000u
#define FETCH_RETRY_MS     200u
#define DECODE_ARENA_BYTES WIRE_DECODE_ARENA_BYTES(WIRE_MSG_BYTES_MAX)

_Static_assert(REPLICAS_MAX <= CONS_VALIDATORS_MAX, "the committee fits");
_Static_assert(REPLICAS_MAX *CONS_UPDATE_MESSAGES_MAX < QUEUE_MAX, "one round fits the queue");

static const uint64_t sizes_default[] = {1, 4, 7, 10};

static const char usage[] =
    "usage: bench_cons [--n N] [--txs K] [--tx-bytes B] [--blocks N] [--seconds S]\n"
    "                  [--real-crypto] [--quick]\n"
    "  --n N          replicas, 1..10 (default: 1, 4, 7 and 10 in turn)\n"
    "  --txs K        txs per block (default 100)\n"
    "  --tx-bytes B   bytes per tx (default 100)\n"
    "  --blocks N     stop when replica 0 committed N blocks (default 2000)\n"
    "  --seconds S    also stop after S seconds of wall time\n"
    "  --real-crypto  keccak256, EIP-712 and secp256k1 instead of a BLAKE2b fake\n"
    "  --quick        20 blocks (a smoke run for sanitizer builds)\n";

typedef struct {
    uint64_t n; /* 0: each of sizes_default */
    uint64_t txs, tx_bytes, blocks;
    double seconds; /* 0: no time limit */
    bool real_crypto;
} options;

typedef struct {
    size_t from, to; /* to: a replica or CONS_TO_ALL */
    size_t len;
    uint8_t *bytes;
} packet;

typedef struct {
    const options *opt;
    size_t n;
    cons_committee committee;
    seq_addr addrs[REPLICAS_MAX];
    node_cons_crypto *crypto[REPLICAS_MAX];
    cons *r[REPLICAS_MAX];
    uint64_t deadline_ms[REPLICAS_MAX];
    uint64_t height[REPLICAS_MAX];
    bool wanted[REPLICAS_MAX]; /* a payload request is outstanding */
    cons_payload_request request[REPLICAS_MAX];
    uint64_t now_ms;
    uint64_t height_top; /* the highest height any replica committed */
    seq_hash ring[HASH_RING];
    packet queue[QUEUE_MAX];
    size_t q_head, q_tail;
    uint8_t *enc_buf, *enc_mem, *dec_mem;
    seq_arena enc_arena, dec_arena;
    wire_msg msg; /* the message being delivered */
    seq_bytes *txs;
    uint8_t *tx_bytes;
    uint64_t steps, step_ns, messages, message_bytes;
} cluster;

static seq_err accept_all(void *ctx, const cons_block *block, const seq_block_header *parent)
{
    (void)ctx;
    (void)block;
    (void)parent;
    return SEQ_OK;
}

/* ------------------------------------------------------------ committee */

/* Replica i's validator key: keccak256("seqd-bench-validator-<i>"). */
static void real_key(uint8_t seckey[32], seq_addr *addr, size_t i)
{
    char name[64];
    int len = snprintf(name, sizeof name, "seqd-bench-validator-%zu", i);
    seq_hash h;
    l1_keccak256(&h, (const uint8_t *)name, (size_t)len);
    memcpy(seckey, h.b, 32);
    bench_check(l1_secp_address(addr, seckey) == SEQ_OK, "l1_secp_address");
}

/* Addresses (and, for real crypto, keys and their ops instances). */
static void committee_make(cluster *k)
{
    seq_hash domain;
    seq_addr contract;
    memset(contract.b, 0x5f, sizeof contract.b);
    l1_eip712_domain_separator(&domain, L1_EIP712_NAME, L1_EIP712_VERSION, L1_CHAIN_ID, &contract);
    cons_validator v[REPLICAS_MAX];
    for (size_t i = 0; i < k->n; i++) {
        if (k->opt->real_crypto) {
            uint8_t seckey[32];
            real_key(seckey, &k->addrs[i], i);
            seq_err err = node_cons_crypto_new(&k->crypto[i], &domain, seckey);
            sodium_memzero(seckey, sizeof seckey);
            bench_check(err == SEQ_OK, "node_cons_crypto_new");
        } else {
            memset(&k->addrs[i], 0, sizeof k->addrs[i]);
            k->addrs[i].b[0] = (uint8_t)(0xa0 - 16 * i); /* address order != index order */
            k->addrs[i].b[19] = (uint8_t)(i + 1);
        }
        v[i] = (cons_validator){.addr = k->addrs[i], .weight = 1};
    }
    bench_check(cons_committee_init(&k->committee, v, k->n) == SEQ_OK, "cons_committee_init");
}

static cons_config config_for(cluster *k, size_t i)
{
    cons_config cfg = {.l2_chain_id = CHAIN_ID,
                       .committee = k->committee,
                       .self = k->addrs[i],
                       .genesis = {.l2_chain_id = CHAIN_ID, .timestamp_ms = NOW_MS},
                       .timeout_ms_base = TIMEOUT_MS_BASE,
                       .timeout_ms_max = TIMEOUT_MS_MAX,
                       .fetch_retry_ms = FETCH_RETRY_MS,
                       .blocks_max = CONS_BLOCKS_DEFAULT,
                       .block_tx_bytes_max = WIRE_BLOCK_TX_BYTES_MAX,
                       .block_txs_max = WIRE_BLOCK_TXS_MAX,
                       .hooks = {.validate = accept_all}};
    if (k->opt->real_crypto)
        node_cons_crypto_ops(k->crypto[i], &cfg.ops);
    else
        cfg.ops = test_fake_ops(&k->addrs[i]);
    return cfg;
}

/* The payload every leader proposes: K txs of B pseudo-random bytes. */
static void txs_make(cluster *k)
{
    size_t count = (size_t)k->opt->txs, len = (size_t)k->opt->tx_bytes;
    k->txs = calloc(count + 1, sizeof *k->txs);
    k->tx_bytes = malloc(count * len + 1);
    bench_check(k->txs != NULL && k->tx_bytes != NULL, "out of memory");
    static const uint8_t seed[randombytes_SEEDBYTES] = {1};
    randombytes_buf_deterministic(k->tx_bytes, count * len, seed);
    for (size_t i = 0; i < count; i++)
        k->txs[i] = (seq_bytes){.ptr = k->tx_bytes + i * len, .len = len};
}

static cluster *cluster_new(const options *opt, size_t n)
{
    cluster *k = calloc(1, sizeof *k);
    bench_check(k != NULL, "out of memory");
    k->opt = opt;
    k->n = n;
    k->now_ms = NOW_MS;
    committee_make(k);
    for (size_t i = 0; i < n; i++) {
        cons_config cfg = config_for(k, i);
        bench_check(cons_new(&k->r[i], &cfg, NULL) == SEQ_OK, "cons_new");
    }
    k->enc_buf = malloc(WIRE_MSG_BYTES_MAX);
    k->enc_mem = malloc(WIRE_ENCODE_ARENA_BYTES);
    k->dec_mem = malloc(DECODE_ARENA_BYTES);
    bench_check(k->enc_buf && k->enc_mem && k->dec_mem, "out of memory");
    seq_arena_init(&k->enc_arena, k->enc_mem, WIRE_ENCODE_ARENA_BYTES);
    seq_arena_init(&k->dec_arena, k->dec_mem, DECODE_ARENA_BYTES);
    txs_make(k);
    return k;
}

static void cluster_free(cluster *k)
{
    for (size_t i = 0; i < k->n; i++) {
        cons_free(k->r[i]);
        node_cons_crypto_free(k->crypto[i]);
    }
    while (k->q_head != k->q_tail)
        free(k->queue[k->q_head++ % QUEUE_MAX].bytes);
    free(k->enc_buf);
    free(k->enc_mem);
    free(k->dec_mem);
    free(k->txs);
    free(k->tx_bytes);
    free(k);
}

/* --------------------------------------------------------------- driver */

static void enqueue(cluster *k, size_t from, const cons_message *m)
{
    if (k->n == 1)
        return; /* nobody else to hear it */
    size_t len = 0;
    seq_arena_reset(&k->enc_arena);
    bench_check(wire_encode(k->enc_buf, WIRE_MSG_BYTES_MAX, &len, &k->enc_arena, &m->msg) == SEQ_OK,
                "wire_encode");
    bench_check(k->q_tail - k->q_head < QUEUE_MAX, "packet queue full");
    packet *p = &k->queue[k->q_tail++ % QUEUE_MAX];
    *p = (packet){.from = from, .to = m->to, .len = len, .bytes = malloc(len)};
    bench_check(p->bytes != NULL, "out of memory");
    memcpy(p->bytes, k->enc_buf, len);
    k->messages++;
    k->message_bytes += len;
}

/* Checks that every replica commits the same block at each height (as far
 * back as the ring reaches). */
static void commit_record(cluster *k, size_t i, const cons_block *b)
{
    uint64_t h = b->block.header.height;
    bench_check(h == k->height[i] + 1, "commits are consecutive");
    k->height[i] = h;
    if (h > k->height_top) {
        k->height_top = h;
        k->ring[h % HASH_RING] = b->hash;
    } else if (k->height_top - h < HASH_RING) {
        bench_check(seq_hash_equal(&k->ring[h % HASH_RING], &b->hash), "replicas agree");
    }
}

/* Applies an update without a disk: nothing is persisted. */
static void apply(cluster *k, size_t i, const cons_update *u)
{
    for (size_t m = 0; m < u->message_count; m++)
        enqueue(k, i, &u->messages[m]);
    for (size_t c = 0; c < u->commit_count; c++)
        commit_record(k, i, &u->commits[c]);
    k->deadline_ms[i] = u->deadline_ms;
    if (u->payload_wanted) {
        k->wanted[i] = true;
        k->request[i] = u->payload_request;
    }
}

static void step(cluster *k, size_t i, const cons_event *e)
{
    cons_update u;
    uint64_t start = bench_now_ns();
    seq_err err = cons_step(k->r[i], &u, e);
    k->step_ns += bench_now_ns() - start;
    k->steps++;
    bench_check(err == SEQ_OK, "cons_step");
    apply(k, i, &u);
}

static void tick_all(cluster *k)
{
    for (size_t i = 0; i < k->n; i++)
        step(k, i, &(cons_event){.type = CONS_EVENT_TICK, .now_ms = k->now_ms});
}

/* Answers every outstanding payload request; false if there was none. */
static bool payloads_give(cluster *k)
{
    bool gave = false;
    for (size_t i = 0; i < k->n; i++) {
        if (!k->wanted[i])
            continue;
        const seq_block_header *parent = &k->request[i].parent;
        cons_event e = {.type = CONS_EVENT_PAYLOAD, .now_ms = k->now_ms};
        e.u.payload = (cons_payload){.view = k->request[i].view,
                                     .timestamp_ms = parent->timestamp_ms + 1,
                                     .l1_origin_number = parent->l1_origin_number,
                                     .l1_origin_hash = parent->l1_origin_hash,
                                     .forced_cursor = parent->forced_cursor,
                                     .tx_count = (size_t)k->opt->txs,
                                     .txs = k->txs};
        k->wanted[i] = false;
        step(k, i, &e);
        gave = true;
    }
    return gave;
}

/* Decodes the oldest packet once per receiver and feeds it. */
static void deliver_next(cluster *k)
{
    packet p = k->queue[k->q_head++ % QUEUE_MAX];
    for (size_t to = 0; to < k->n; to++) {
        if (to == p.from || (p.to != CONS_TO_ALL && p.to != to))
            continue;
        seq_arena_reset(&k->dec_arena);
        bench_check(wire_decode(&k->msg, &k->dec_arena, p.bytes, p.len) == SEQ_OK, "wire_decode");
        cons_event e = {.type = CONS_EVENT_MESSAGE, .now_ms = k->now_ms};
        e.u.message.from = p.from;
        e.u.message.msg = &k->msg;
        step(k, to, &e);
    }
    free(p.bytes);
}

/* The network is quiet and nobody wants a payload: only a timer can move
 * the committee on. Never expected on this lossless network. */
static void time_advance(cluster *k)
{
    uint64_t next = UINT64_MAX;
    for (size_t i = 0; i < k->n; i++)
        next = k->deadline_ms[i] < next ? k->deadline_ms[i] : next;
    k->now_ms = next > k->now_ms ? next : k->now_ms;
    tick_all(k);
}

/* Runs until replica 0 committed opt->blocks or opt->seconds passed. */
static void run(cluster *k, uint64_t start_ns)
{
    uint32_t stalls = 0;
    uint64_t turns = 0;
    tick_all(k);
    while (k->height[0] < k->opt->blocks) {
        if (k->opt->seconds > 0 && ++turns % CLOCK_CHECK_TURNS == 0 &&
            bench_seconds(start_ns, bench_now_ns()) >= k->opt->seconds)
            return;
        bool gave = payloads_give(k);
        if (k->q_head != k->q_tail) {
            deliver_next(k);
        } else if (!gave) {
            bench_check(++stalls <= STALLS_MAX, "the committee stopped making progress");
            time_advance(k);
        }
    }
}

/* -------------------------------------------------------------- results */

static void report(const cluster *k, double seconds)
{
    cons_status st;
    cons_get_status(k->r[0], &st);
    const options *o = k->opt;
    double blocks = (double)k->height[0], steps = (double)k->steps;
    double step_us = steps > 0 ? (double)k->step_ns / 1e3 / steps : 0.0;
    double share = seconds > 0 ? (double)k->step_ns / 1e9 / seconds : 0.0;
    printf("{\"bench\":\"cons\",\"n\":%zu,\"crypto\":\"%s\",\"txs_per_block\":%llu,"
           "\"tx_bytes\":%llu,\"blocks\":%llu,\"seconds\":%.3f,\"blocks_per_s\":%.1f,"
           "\"txs_per_s\":%.0f,\"steps\":%llu,\"steps_per_s\":%.0f,\"step_us_mean\":%.2f,"
           "\"step_time_share\":%.3f,\"messages\":%llu,\"message_bytes\":%llu,"
           "\"views_by_tc\":%llu}\n",
           k->n, o->real_crypto ? "real" : "fake", (unsigned long long)o->txs,
           (unsigned long long)o->tx_bytes, (unsigned long long)k->height[0], seconds,
           blocks / seconds, blocks * (double)o->txs / seconds, (unsigned long long)k->steps,
           steps / seconds, step_us, share, (unsigned long long)k->messages,
           (unsigned long long)k->message_bytes, (unsigned long long)st.stats.views_by_tc);
    fprintf(stderr,
            "cons n=%zu %s crypto, %llu txs x %llu B: %llu blocks in %.2f s = %.0f blocks/s, "
            "%.0f txs/s; %.0f steps/s, %.1f us/step in cons_step (%.0f%% of wall time)\n",
            k->n, o->real_crypto ? "real" : "fake", (unsigned long long)o->txs,
            (unsigned long long)o->tx_bytes, (unsigned long long)k->height[0], seconds,
            blocks / seconds, blocks * (double)o->txs / seconds, steps / seconds, step_us,
            100.0 * share);
    fflush(stdout);
}

static void bench_one(const options *opt, size_t n)
{
    cluster *k = cluster_new(opt, n);
    uint64_t start = bench_now_ns();
    run(k, start);
    double seconds = bench_seconds(start, bench_now_ns());
    report(k, seconds);
    cluster_free(k);
}

static void options_parse(options *o, int argc, char **argv)
{
    *o = (options){.txs = TXS_DEFAULT, .tx_bytes = TX_BYTES_DEFAULT, .blocks = 0};
    bool quick = false;
    for (int i = 1; i < argc; i++) {
        if (bench_arg_u64(argc, argv, &i, "--n", 1, REPLICAS_MAX, &o->n) ||
            bench_arg_u64(argc, argv, &i, "--txs", 0, WIRE_BLOCK_TXS_MAX, &o->txs) ||
            bench_arg_u64(argc, argv, &i, "--tx-bytes", 1, WIRE_TX_BYTES_MAX, &o->tx_bytes) ||
            bench_arg_u64(argc, argv, &i, "--blocks", 1, UINT32_MAX, &o->blocks) ||
            bench_arg_seconds(argc, argv, &i, "--seconds", SECONDS_MAX, &o->seconds))
            continue;
        if (strcmp(argv[i], "--real-crypto") == 0)
            o->real_crypto = true;
        else if (strcmp(argv[i], "--quick") == 0)
            quick = true;
        else
            bench_usage(usage);
    }
    if (o->blocks == 0)
        o->blocks = quick ? BLOCKS_QUICK : BLOCKS_DEFAULT;
    if (o->txs * o->tx_bytes > WIRE_BLOCK_TX_BYTES_MAX) {
        fprintf(stderr, "bench_cons: --txs x --tx-bytes exceeds %u bytes per block\n",
                WIRE_BLOCK_TX_BYTES_MAX);
        exit(BENCH_EXIT_USAGE);
    }
}

int main(int argc, char **argv)
{
    options opt;
    options_parse(&opt, argc, argv);
    bench_check(sodium_init() >= 0, "sodium_init");
    if (opt.n != 0) {
        bench_one(&opt, (size_t)opt.n);
        return 0;
    }
    for (size_t i = 0; i < sizeof sizes_default / sizeof sizes_default[0]; i++)
        bench_one(&opt, (size_t)sizes_default[i]);
    return 0;
}
