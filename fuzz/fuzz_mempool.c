/* libFuzzer target: mempool admission of raw bytes. Oracles: the decoder
 * returns only documented reasons and zeroes its output on refusal; an
 * accepted tx hashes to keccak256 of its bytes, its kind matches the
 * envelope, tip <= fee cap and gas >= the intrinsic minimum; the pool
 * agrees with the decoder (same reason, same info), admits each tx once
 * (a second submission is "already known"), selects exactly what it
 * admitted with the same bytes, and keeps its invariants throughout. */
#include <string.h>

#include "fuzz.h"
#include "l1.h"
#include "mempool.h"

#define FUZZ_CHAIN_ID 901u

static mempool *fuzz_pool(void)
{
    static mempool *pool;
    if (pool == NULL) {
        mempool_config c;
        mempool_config_default(&c, FUZZ_CHAIN_ID);
        c.pool_txs_max = 64;
        c.pool_bytes_max = 4u << 20;
        SEQ_ASSERT(mempool_new(&pool, &c) == SEQ_OK);
    }
    return pool;
}

static void fuzz_check_info(const mempool_tx_info *info, const uint8_t *data, size_t size)
{
    seq_hash h;
    l1_keccak256(&h, data, size);
    SEQ_ASSERT(seq_hash_equal(&h, &info->hash));
    mempool_tx_kind kind = 0;
    SEQ_ASSERT(mempool_tx_classify(&kind, data, size) == SEQ_OK && kind == info->kind);
    if (kind == MEMPOOL_TX_OPAQUE)
        return;
    SEQ_ASSERT(info->chain_id == FUZZ_CHAIN_ID && info->tip <= info->fee_cap);
    SEQ_ASSERT(info->gas_limit >= MEMPOOL_GAS_LIMIT_MIN && info->nonce < UINT64_MAX);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const mempool_tx_info zero;
    mempool_tx_info info;
    mempool_reject r = mempool_tx_decode(&info, FUZZ_CHAIN_ID, data, size);
    SEQ_ASSERT((unsigned)r < MEMPOOL_REJECT_COUNT_);
    SEQ_ASSERT(r < MEMPOOL_REJECT_ALREADY_KNOWN); /* decoding reasons only */
    if (r != MEMPOOL_REJECT_NONE) {
        SEQ_ASSERT(memcmp(&info, &zero, sizeof info) == 0);
    } else {
        fuzz_check_info(&info, data, size);
    }
    mempool *pool = fuzz_pool();
    mempool_release_in_flight(pool);
    mempool_add_result res;
    mempool_reject a = mempool_add(pool, &res, data, size, MEMPOOL_ORIGIN_CLIENT, 0);
    mempool_check(pool);
    if (r != MEMPOOL_REJECT_NONE) {
        SEQ_ASSERT(a == r);
        return 0;
    }
    if (a == MEMPOOL_REJECT_NONE) {
        SEQ_ASSERT(memcmp(&res.info, &info, sizeof info) == 0);
        SEQ_ASSERT(mempool_add(pool, NULL, data, size, MEMPOOL_ORIGIN_PEER, 0) ==
                   MEMPOOL_REJECT_ALREADY_KNOWN);
        static mempool_pick picks[64];
        mempool_caps caps = {.bytes_max = 4u << 20, .txs_max = 64};
        size_t n = 0;
        SEQ_ASSERT(mempool_select(pool, picks, 64, &n, &caps, NULL, 0, 0) == SEQ_OK);
        for (size_t i = 0; i < n; i++) /* a gapped lane may hold it back */
            if (seq_hash_equal(&picks[i].hash, &info.hash))
                SEQ_ASSERT(picks[i].raw.len == size && memcmp(picks[i].raw.ptr, data, size) == 0);
        /* Commit everything picked: the pool drains and never grows stale. */
        seq_hash hashes[64];
        for (size_t i = 0; i < n; i++)
            hashes[i] = picks[i].hash;
        SEQ_ASSERT(mempool_committed(pool, hashes, n) >= n);
        mempool_check(pool);
    }
    return 0;
}
