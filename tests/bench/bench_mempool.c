/* bench_mempool — admission and selection of the mempool on one core.
 *
 * Admission of signed EIP-1559 txs: --txs pre-signed txs from --senders
 * keys (signing is not timed) are admitted into an empty pool; each
 * admission is hash + duplicate check + strict decode + sender recovery
 * (secp256k1) + insert, so the rate is bounded by public-key recovery.
 * Admission of opaque payloads (100-byte payloads): hash + insert.
 * Selection: with the pool full of the signed txs, the time to select one
 * block at the wire caps (WIRE_BLOCK_TXS_MAX txs, WIRE_BLOCK_TX_BYTES_MAX
 * bytes), for each policy; the in-flight marks are released between runs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "l1.h"
#include "mempool.h"
#include "wire.h"

#define CHAIN_ID        901u
#define TXS_DEFAULT     50000u
#define TXS_QUICK       1000u
#define TXS_MAX         MEMPOOL_POOL_TXS_MAX
#define SENDERS_DEFAULT 1000u
#define SELECTS_DEFAULT 20u
#define SELECTS_QUICK   2u
#define SELECTS_MAX     10000u
#define TX_SLOT_BYTES   256u /* room per pre-signed tx */
#define OPAQUE_PAYLOAD  100u

static const char usage[] = "usage: bench_mempool [--txs N] [--senders S] [--selects R] [--quick]\n"
                            "  --txs N      txs admitted per run (default 50000)\n"
                            "  --senders S  signing keys, N / S nonces each (default 1000)\n"
                            "  --selects R  block selections timed per policy (default 20)\n"
                            "  --quick      1000 txs, 2 selections (a smoke run)\n";

typedef struct {
    uint64_t txs, senders, selects;
} options;

typedef struct {
    uint8_t *raw; /* txs * TX_SLOT_BYTES */
    size_t *len;
} tx_set;

static void sign_all(tx_set *set, const options *o)
{
    set->raw = malloc(o->txs * TX_SLOT_BYTES);
    set->len = calloc(o->txs, sizeof *set->len);
    bench_check(set->raw != NULL && set->len != NULL, "out of memory");
    for (uint64_t i = 0; i < o->txs; i++) {
        uint64_t sender = i % o->senders, nonce = i / o->senders;
        uint8_t key[32] = {0x22};
        memcpy(key + 24, &sender, sizeof sender);
        l1_tx tx = {.chain_id = CHAIN_ID,
                    .nonce = nonce,
                    .max_priority_fee_per_gas = 1 + i % 97,
                    .max_fee_per_gas = 1000,
                    .gas_limit = 21000,
                    .has_to = true};
        tx.to.b[19] = 0xaa;
        seq_hash h;
        seq_err err =
            l1_tx_sign(set->raw + i * TX_SLOT_BYTES, TX_SLOT_BYTES, &set->len[i], &h, key, &tx);
        bench_check(err == SEQ_OK, "l1_tx_sign");
    }
}

static mempool *pool_for(const options *o, mempool_policy policy)
{
    mempool_config c;
    mempool_config_default(&c, CHAIN_ID);
    c.policy = policy;
    c.pool_txs_max = (uint32_t)o->txs;
    c.pool_bytes_max =
        (uint32_t)SEQ_MIN((uint64_t)MEMPOOL_POOL_BYTES_MAX,
                          SEQ_MAX(o->txs * TX_SLOT_BYTES, (uint64_t)MEMPOOL_TX_BYTES_MAX));
    c.sender_txs_max = MEMPOOL_SENDER_TXS_MAX;
    c.nonce_window = MEMPOOL_NONCE_WINDOW_MAX;
    mempool *pool = NULL;
    bench_check(mempool_new(&pool, &c) == SEQ_OK, "mempool_new");
    return pool;
}

static void report(const char *bench, const char *policy, uint64_t count, double seconds)
{
    double rate = (double)count / seconds;
    printf("{\"bench\":\"%s\",\"policy\":\"%s\",\"count\":%llu,\"seconds\":%.3f,\"per_s\":%.1f,"
           "\"us_mean\":%.2f}\n",
           bench, policy, (unsigned long long)count, seconds, rate, seconds * 1e6 / (double)count);
    fprintf(stderr, "%s (%s): %llu in %.3f s = %.0f/s, %.2f us each\n", bench, policy,
            (unsigned long long)count, seconds, rate, seconds * 1e6 / (double)count);
    fflush(stdout);
}

static mempool *bench_admit_signed(const options *o, const tx_set *set, mempool_policy policy)
{
    mempool *pool = pool_for(o, policy);
    uint64_t start = bench_now_ns();
    for (uint64_t i = 0; i < o->txs; i++) {
        mempool_reject r = mempool_add(pool, NULL, set->raw + i * TX_SLOT_BYTES, set->len[i],
                                       MEMPOOL_ORIGIN_CLIENT, i);
        bench_check(r == MEMPOOL_REJECT_NONE, "signed tx refused");
    }
    report("admit_eip1559", mempool_policy_name(policy), o->txs,
           bench_seconds(start, bench_now_ns()));
    return pool;
}

static void bench_admit_opaque(const options *o)
{
    mempool *pool = pool_for(o, MEMPOOL_POLICY_FIFO);
    uint8_t raw[MEMPOOL_OPAQUE_HEADER_BYTES + OPAQUE_PAYLOAD], payload[OPAQUE_PAYLOAD] = {0};
    uint64_t start = bench_now_ns();
    for (uint64_t i = 0; i < o->txs; i++) {
        memcpy(payload, &i, sizeof i);
        size_t len = 0;
        bench_check(mempool_opaque_encode(raw, sizeof raw, &len, 7, payload, sizeof payload) ==
                        SEQ_OK,
                    "encode");
        bench_check(mempool_add(pool, NULL, raw, len, MEMPOOL_ORIGIN_CLIENT, i) ==
                        MEMPOOL_REJECT_NONE,
                    "opaque tx refused");
    }
    report("admit_opaque", "fifo", o->txs, bench_seconds(start, bench_now_ns()));
    mempool_free(pool);
}

static void bench_select(const options *o, mempool *pool, mempool_policy policy)
{
    mempool_pick *picks = calloc(WIRE_BLOCK_TXS_MAX, sizeof *picks);
    bench_check(picks != NULL, "out of memory");
    mempool_caps caps = {.bytes_max = WIRE_BLOCK_TX_BYTES_MAX, .txs_max = WIRE_BLOCK_TXS_MAX};
    uint64_t total = 0, picked = 0;
    for (uint64_t r = 0; r < o->selects; r++) {
        size_t n = 0;
        uint64_t start = bench_now_ns();
        bench_check(mempool_select(pool, picks, WIRE_BLOCK_TXS_MAX, &n, &caps, NULL, 0, 0) ==
                        SEQ_OK,
                    "select");
        total += bench_now_ns() - start;
        mempool_release_in_flight(pool);
        picked = n;
    }
    double ms = (double)total / 1e6 / (double)o->selects;
    printf("{\"bench\":\"select_block\",\"policy\":\"%s\",\"pool_txs\":%llu,\"picked\":%llu,"
           "\"ms_mean\":%.3f}\n",
           mempool_policy_name(policy), (unsigned long long)o->txs, (unsigned long long)picked, ms);
    fprintf(stderr, "select_block (%s): pool %llu txs, picked %llu, %.3f ms per block\n",
            mempool_policy_name(policy), (unsigned long long)o->txs, (unsigned long long)picked,
            ms);
    fflush(stdout);
    free(picks);
}

int main(int argc, char **argv)
{
    options o = {.senders = SENDERS_DEFAULT};
    bool quick = false;
    for (int i = 1; i < argc; i++) {
        if (bench_arg_u64(argc, argv, &i, "--txs", 1, TXS_MAX, &o.txs) ||
            bench_arg_u64(argc, argv, &i, "--senders", 1, TXS_MAX, &o.senders) ||
            bench_arg_u64(argc, argv, &i, "--selects", 1, SELECTS_MAX, &o.selects))
            continue;
        if (strcmp(argv[i], "--quick") == 0)
            quick = true;
        else
            bench_usage(usage);
    }
    if (o.txs == 0)
        o.txs = quick ? TXS_QUICK : TXS_DEFAULT;
    if (o.selects == 0)
        o.selects = quick ? SELECTS_QUICK : SELECTS_DEFAULT;
    if ((o.txs + o.senders - 1) / o.senders > MEMPOOL_SENDER_TXS_MAX) {
        fprintf(stderr, "bench_mempool: more than %u txs per sender\n", MEMPOOL_SENDER_TXS_MAX);
        return BENCH_EXIT_USAGE;
    }
    tx_set set;
    sign_all(&set, &o);
    for (int policy = MEMPOOL_POLICY_FIFO; policy <= MEMPOOL_POLICY_PRIORITY; policy++) {
        mempool *pool = bench_admit_signed(&o, &set, (mempool_policy)policy);
        bench_select(&o, pool, (mempool_policy)policy);
        mempool_free(pool);
    }
    bench_admit_opaque(&o);
    free(set.raw);
    free(set.len);
    return 0;
}
