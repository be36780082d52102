/* txpool.c — the node's transaction pool: the mempool behind a mutex, the
 * committed-tx check against the store, in-flight marks for the txs of
 * uncommitted blocks, the no-tx-twice rule for blocks (proposed and
 * received), and gossip batches with senders (node.h).
 *
 * Locking: one mutex guards the mempool, the tracked blocks and the set of
 * their tx hashes. Decoding (the public-key recovery above all), hashing
 * and store lookups run before it is taken. Only the event loop changes
 * the tracked blocks, so the loop may read them between two locks. */
#include "internal.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "l1.h"

/* ------------------------------------------------------ hash multiset */

/* Tx hashes of the tracked blocks with a reference count each (a tx may sit
 * in two competing blocks). Open addressing with linear probing and
 * backward-shift deletion; slots are indexed by SipHash of the tx hash under
 * a random key, so that nobody can grind txs into one probe run. */
typedef struct {
    seq_hash hash;
    uint32_t refs; /* 0: empty slot */
} txp_slot;

typedef struct {
    txp_slot *slots;
    size_t cap; /* a power of two */
    size_t count;
    uint8_t key[crypto_shorthash_KEYBYTES];
} txp_set;

#define TXP_SET_CAP_MIN 1024u

static size_t txp_home(const txp_set *set, const seq_hash *hash)
{
    uint8_t out[crypto_shorthash_BYTES];
    crypto_shorthash(out, hash->b, sizeof hash->b, set->key);
    uint64_t h;
    memcpy(&h, out, sizeof h);
    return (size_t)h & (set->cap - 1);
}

static size_t txp_find(const txp_set *set, const seq_hash *hash)
{
    for (size_t i = txp_home(set, hash);; i = (i + 1) & (set->cap - 1)) {
        if (set->slots[i].refs == 0 || seq_hash_equal(&set->slots[i].hash, hash))
            return i;
    }
}

static bool txp_set_init(txp_set *set, size_t cap)
{
    set->slots = calloc(cap, sizeof *set->slots);
    set->cap = cap;
    set->count = 0;
    return set->slots != NULL;
}

/* Doubles the table; false (and unchanged) if out of memory. */
static bool txp_grow(txp_set *set)
{
    txp_set bigger = *set;
    if (!txp_set_init(&bigger, set->cap * 2u))
        return false;
    for (size_t i = 0; i < set->cap; i++) {
        if (set->slots[i].refs == 0)
            continue;
        bigger.slots[txp_find(&bigger, &set->slots[i].hash)] = set->slots[i];
        bigger.count++;
    }
    free(set->slots);
    *set = bigger;
    return true;
}

/* Adds one reference to hash; false if the table is full and cannot grow
 * (the tx is then simply not tracked). */
static bool txp_ref(txp_set *set, const seq_hash *hash)
{
    if ((set->count + 1) * 2u > set->cap && !txp_grow(set) && set->count + 1 >= set->cap)
        return false;
    txp_slot *s = &set->slots[txp_find(set, hash)];
    if (s->refs == 0) {
        s->hash = *hash;
        set->count++;
    }
    s->refs++;
    return true;
}

static bool txp_contains(const txp_set *set, const seq_hash *hash)
{
    return set->slots[txp_find(set, hash)].refs > 0;
}

/* Drops one reference; returns true if it was the last. */
static bool txp_unref(txp_set *set, const seq_hash *hash)
{
    size_t i = txp_find(set, hash);
    if (set->slots[i].refs == 0)
        return false; /* never tracked (the table was full) */
    if (--set->slots[i].refs > 0)
        return false;
    set->count--;
    /* Backward shift: pull later members of the run into the hole. */
    size_t hole = i;
    for (size_t j = (i + 1) & (set->cap - 1); set->slots[j].refs != 0;
         j = (j + 1) & (set->cap - 1)) {
        size_t home = txp_home(set, &set->slots[j].hash);
        /* j may move to hole iff home is not cyclically in (hole, j]. */
        bool stays = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
        if (stays)
            continue;
        set->slots[hole] = set->slots[j];
        set->slots[j].refs = 0;
        hole = j;
    }
    return true;
}

/* ------------------------------------------------------ judged hashes */

/* The tx hashes of one block (or payload) being judged, by position: a
 * set with the index of each hash's first occurrence. Keyed like txp_set;
 * cleared after each use through the list of the slots it filled. */
typedef struct {
    seq_hash hash;
    uint32_t at; /* position + 1; 0: empty slot */
} txp_entry;

typedef struct {
    txp_entry *slots; /* TXP_JUDGE_CAP */
    uint32_t *filled; /* WIRE_BLOCK_TXS_MAX: the slots in use */
    size_t filled_count;
    uint8_t key[crypto_shorthash_KEYBYTES];
} txp_judge;

#define TXP_JUDGE_CAP (2u * WIRE_BLOCK_TXS_MAX)
_Static_assert((TXP_JUDGE_CAP & (TXP_JUDGE_CAP - 1u)) == 0, "a power of two");
_Static_assert(WIRE_BLOCK_TXS_MAX < UINT32_MAX, "positions fit txp_entry.at");

static size_t judge_find(const txp_judge *j, const seq_hash *hash)
{
    uint8_t out[crypto_shorthash_BYTES];
    crypto_shorthash(out, hash->b, sizeof hash->b, j->key);
    uint64_t h;
    memcpy(&h, out, sizeof h);
    for (size_t i = (size_t)h & (TXP_JUDGE_CAP - 1u);; i = (i + 1) & (TXP_JUDGE_CAP - 1u)) {
        if (j->slots[i].at == 0 || seq_hash_equal(&j->slots[i].hash, hash))
            return i;
    }
}

/* Adds hash at position at; returns the position of an earlier copy, or
 * at itself. */
static size_t judge_add(txp_judge *j, const seq_hash *hash, size_t at)
{
    SEQ_ASSERT(j->filled_count < WIRE_BLOCK_TXS_MAX && at < WIRE_BLOCK_TXS_MAX);
    size_t i = judge_find(j, hash);
    if (j->slots[i].at != 0)
        return j->slots[i].at - 1u;
    j->slots[i] = (txp_entry){.hash = *hash, .at = (uint32_t)at + 1u};
    j->filled[j->filled_count++] = (uint32_t)i;
    return at;
}

/* The position of hash, or SIZE_MAX. */
static size_t judge_position(const txp_judge *j, const seq_hash *hash)
{
    size_t i = judge_find(j, hash);
    return j->slots[i].at == 0 ? SIZE_MAX : j->slots[i].at - 1u;
}

static void judge_clear(txp_judge *j)
{
    for (size_t k = 0; k < j->filled_count; k++)
        j->slots[j->filled[k]].at = 0;
    j->filled_count = 0;
}

/* ------------------------------------------------------------- the pool */

typedef struct {
    seq_hash hash;
    seq_hash parent; /* the block it extends */
    uint64_t height;
    size_t tx_count;  /* every tx of the block */
    size_t ref_count; /* txs[0..ref_count) hold a reference in tracked_txs */
    seq_hash *txs;    /* owned */
} txp_block;

/* What a judged tx is (node_txpool.judged): node_tx_verdict. */
typedef node_tx_verdict txp_verdict;
#define TXP_FRESH       NODE_TX_FRESH
#define TXP_REPEATED    NODE_TX_REPEATED
#define TXP_COMMITTED   NODE_TX_COMMITTED
#define TXP_IN_ANCESTOR NODE_TX_IN_ANCESTOR
/* judge_txs only, never a verdict: fresh, and held by the pool. */
#define TXP_POOLED 0xffu

struct node_txpool {
    mempool_config config;
    const store *store;
    node_txpool_wake_fn wake;
    void *wake_ctx;
    node_tx_hashes_fn hashes; /* NULL: hash every block's txs */
    void *hashes_ctx;
    nng_mtx *mtx;
    /* mtx */
    mempool *pool;
    uint64_t commit_epoch; /* node_txpool_committed calls so far */
    txp_set tracked_txs;
    txp_block blocks[NODE_TXPOOL_TRACKED_BLOCKS_MAX]; /* unordered */
    size_t block_count;
    uint64_t committed_height;
    uint64_t tx_commit_height;                /* the last committed block with txs; 0: none */
    uint64_t rejected[MEMPOOL_REJECT_COUNT_]; /* refused before the pool */
    uint64_t received, gossiped;
    /* Loop-owned buffers, allocated once. */
    mempool_pick *picks;      /* WIRE_BLOCK_TXS_MAX */
    seq_bytes *payload_txs;   /* WIRE_BLOCK_TXS_MAX */
    seq_hash *payload_hashes; /* WIRE_BLOCK_TXS_MAX */
    uint8_t *payload_bytes;   /* WIRE_BLOCK_TX_BYTES_MAX */
    size_t payload_count;
    seq_bytes *gossip_txs;    /* WIRE_TX_BATCH_MAX */
    seq_addr *gossip_senders; /* WIRE_TX_BATCH_MAX */
    uint8_t *gossip_bytes;    /* WIRE_TX_BATCH_BYTES_MAX */
    mempool_tx_info *infos;   /* WIRE_TX_BATCH_MAX: one received batch */
    mempool_reject *verdicts; /* WIRE_TX_BATCH_MAX */
    seq_hash *scratch;        /* WIRE_BLOCK_TXS_MAX: hashes of one block */
    /* The no-tx-twice rule (loop only). */
    bool pool_unsure; /* node_txpool_commit_unread was called: judge_txs */
    txp_judge judge;
    uint8_t *judged;        /* WIRE_BLOCK_TXS_MAX txp_verdict: one per judged tx */
    seq_hash *check_hashes; /* WIRE_BLOCK_TXS_MAX: the hashes of a checked block */
    seq_arena ancestor;     /* STORE_BLOCK_ARENA_BYTES: an ancestor read from the store */
    /* The pool's version (mempool_version) when a payload of this node
     * last took no pool tx: until it changes, the pending txs are ones no
     * payload picks (a nonce gap, a censored sender), and no reason to
     * hurry a block. */
    bool idle_known;
    uint64_t idle_version;
    /* Test mode: senders whose txs this node leaves out of its payloads. */
    seq_addr censor[NODE_CONFIG_CENSOR_MAX];
    size_t censor_count;
};

seq_err node_txpool_new(node_txpool **out, const mempool_config *config, const store *s,
                        node_txpool_wake_fn wake, void *wake_ctx)
{
    SEQ_ASSERT(out != NULL && config != NULL && s != NULL);
    *out = NULL;
    if (sodium_init() < 0)
        return SEQ_ERR_INTERNAL;
    node_txpool *p = calloc(1, sizeof *p);
    if (p == NULL)
        return SEQ_ERR_NO_MEMORY;
    p->config = *config;
    p->store = s;
    p->wake = wake;
    p->wake_ctx = wake_ctx;
    seq_err err = mempool_new(&p->pool, config);
    if (err != SEQ_OK)
        goto fail;
    err = SEQ_ERR_NO_MEMORY;
    randombytes_buf(p->tracked_txs.key, sizeof p->tracked_txs.key);
    p->picks = calloc(WIRE_BLOCK_TXS_MAX, sizeof *p->picks);
    p->payload_txs = calloc(WIRE_BLOCK_TXS_MAX, sizeof *p->payload_txs);
    p->payload_hashes = calloc(WIRE_BLOCK_TXS_MAX, sizeof *p->payload_hashes);
    p->payload_bytes = malloc(WIRE_BLOCK_TX_BYTES_MAX);
    p->gossip_txs = calloc(WIRE_TX_BATCH_MAX, sizeof *p->gossip_txs);
    p->gossip_senders = calloc(WIRE_TX_BATCH_MAX, sizeof *p->gossip_senders);
    p->gossip_bytes = malloc(WIRE_TX_BATCH_BYTES_MAX);
    p->infos = calloc(WIRE_TX_BATCH_MAX, sizeof *p->infos);
    p->verdicts = calloc(WIRE_TX_BATCH_MAX, sizeof *p->verdicts);
    p->scratch = calloc(WIRE_BLOCK_TXS_MAX, sizeof *p->scratch);
    randombytes_buf(p->judge.key, sizeof p->judge.key);
    p->judge.slots = calloc(TXP_JUDGE_CAP, sizeof *p->judge.slots);
    p->judge.filled = calloc(WIRE_BLOCK_TXS_MAX, sizeof *p->judge.filled);
    p->judged = calloc(WIRE_BLOCK_TXS_MAX, sizeof *p->judged);
    p->check_hashes = calloc(WIRE_BLOCK_TXS_MAX, sizeof *p->check_hashes);
    void *ancestor = malloc(STORE_BLOCK_ARENA_BYTES);
    if (ancestor != NULL)
        seq_arena_init(&p->ancestor, ancestor, STORE_BLOCK_ARENA_BYTES);
    if (p->picks == NULL || p->payload_txs == NULL || p->payload_hashes == NULL ||
        p->payload_bytes == NULL || p->gossip_txs == NULL || p->gossip_senders == NULL ||
        p->gossip_bytes == NULL || p->infos == NULL || p->verdicts == NULL || p->scratch == NULL ||
        p->judge.slots == NULL || p->judge.filled == NULL || p->judged == NULL ||
        p->check_hashes == NULL || ancestor == NULL ||
        !txp_set_init(&p->tracked_txs, TXP_SET_CAP_MIN) || nng_mtx_alloc(&p->mtx) != 0)
        goto fail;
    *out = p;
    return SEQ_OK;
fail:
    node_txpool_free(p);
    return err;
}

void node_txpool_free(node_txpool *p)
{
    if (p == NULL)
        return;
    for (size_t i = 0; i < p->block_count; i++)
        free(p->blocks[i].txs);
    free(p->tracked_txs.slots);
    free(p->ancestor.base);
    free(p->check_hashes);
    free(p->judged);
    free(p->judge.filled);
    free(p->judge.slots);
    free(p->scratch);
    free(p->verdicts);
    free(p->infos);
    free(p->gossip_bytes);
    free(p->gossip_senders);
    free(p->gossip_txs);
    free(p->payload_bytes);
    free(p->payload_hashes);
    free(p->payload_txs);
    free(p->picks);
    mempool_free(p->pool);
    if (p->mtx != NULL)
        nng_mtx_free(p->mtx);
    free(p);
}

void node_txpool_set_tx_hashes(node_txpool *p, node_tx_hashes_fn fn, void *ctx)
{
    SEQ_ASSERT(p != NULL);
    p->hashes = fn;
    p->hashes_ctx = ctx;
}

void node_txpool_set_censor(node_txpool *p, const seq_addr *senders, size_t count)
{
    SEQ_ASSERT(p != NULL && count <= NODE_CONFIG_CENSOR_MAX && (senders != NULL || count == 0));
    for (size_t i = 0; i < count; i++)
        p->censor[i] = senders[i];
    p->censor_count = count;
}

size_t node_txpool_censor_count(const node_txpool *p)
{
    SEQ_ASSERT(p != NULL);
    return p->censor_count;
}

bool node_txpool_censors(const node_txpool *p, const seq_addr *sender)
{
    SEQ_ASSERT(p != NULL && sender != NULL);
    for (size_t i = 0; i < p->censor_count; i++)
        if (seq_addr_equal(&p->censor[i], sender))
            return true;
    return false;
}

/* ------------------------------------------------------------ admission */

static bool committed(const node_txpool *p, const seq_hash *hash)
{
    store_tx_location loc;
    return store_get_tx(p->store, &loc, hash) == SEQ_OK;
}

/* Adds a decoded tx; mtx held. A tx whose block is already tracked is
 * marked in flight at once. */
static mempool_reject add_locked(node_txpool *p, mempool_add_result *res, const uint8_t *raw,
                                 size_t raw_len, const mempool_tx_info *info, mempool_origin origin,
                                 uint64_t now_ms)
{
    mempool_reject r = mempool_add_decoded(p->pool, res, raw, raw_len, info, origin, now_ms);
    if (r == MEMPOOL_REJECT_NONE && txp_contains(&p->tracked_txs, &info->hash))
        (void)mempool_mark_in_flight(p->pool, &info->hash, 1);
    return r;
}

static void count_rejected(node_txpool *p, mempool_reject r)
{
    nng_mtx_lock(p->mtx);
    p->rejected[r]++;
    nng_mtx_unlock(p->mtx);
}

mempool_reject node_txpool_submit(node_txpool *p, mempool_add_result *out, const uint8_t *raw,
                                  size_t raw_len, uint64_t now_ms)
{
    SEQ_ASSERT(p != NULL);
    SEQ_ASSERT(raw != NULL || raw_len == 0);
    mempool_add_result res = {0};
    mempool_reject r = MEMPOOL_REJECT_NONE;
    if (raw_len == 0)
        r = MEMPOOL_REJECT_EMPTY;
    else if (raw_len > p->config.tx_bytes_max)
        r = MEMPOOL_REJECT_TOO_LARGE;
    seq_hash hash = {{0}};
    uint64_t epoch = 0;
    if (r == MEMPOOL_REJECT_NONE) {
        /* A resubmission costs a hash, not a recovery; the decode reuses it. */
        l1_keccak256(&hash, raw, raw_len);
        nng_mtx_lock(p->mtx);
        bool pooled = mempool_contains(p->pool, &hash);
        epoch = p->commit_epoch;
        nng_mtx_unlock(p->mtx);
        if (pooled || committed(p, &hash))
            r = MEMPOOL_REJECT_ALREADY_KNOWN;
    }
    if (r == MEMPOOL_REJECT_NONE)
        r = mempool_tx_decode_hashed(&res.info, p->config.chain_id, raw, raw_len, &hash);
    if (r != MEMPOOL_REJECT_NONE) {
        count_rejected(p, r);
    } else {
        nng_mtx_lock(p->mtx);
        /* A block committed while this thread decoded may hold the tx, and
         * its tracking is gone: look again (rare, so under the lock). */
        if (p->commit_epoch != epoch && committed(p, &hash)) {
            r = MEMPOOL_REJECT_ALREADY_KNOWN;
            p->rejected[r]++;
        } else {
            mempool_tx_info info = res.info;
            r = add_locked(p, &res, raw, raw_len, &info, MEMPOOL_ORIGIN_CLIENT, now_ms);
        }
        nng_mtx_unlock(p->mtx);
        if (r == MEMPOOL_REJECT_NONE && p->wake != NULL)
            p->wake(p->wake_ctx);
    }
    if (out != NULL)
        *out = res;
    return r;
}

size_t node_txpool_receive(node_txpool *p, const wire_tx_batch *batch, uint64_t now_ms)
{
    SEQ_ASSERT(p != NULL && batch != NULL && batch->count <= WIRE_TX_BATCH_MAX);
    for (size_t i = 0; i < batch->count; i++) {
        const seq_bytes *tx = &batch->txs[i];
        mempool_tx_info *info = &p->infos[i];
        mempool_reject r = MEMPOOL_REJECT_NONE;
        if (tx->len > p->config.tx_bytes_max)
            r = MEMPOOL_REJECT_TOO_LARGE;
        else if (batch->senders != NULL)
            r = mempool_tx_decode_trusted(info, p->config.chain_id, tx->ptr, tx->len,
                                          &batch->senders[i]);
        else
            r = mempool_tx_decode(info, p->config.chain_id, tx->ptr, tx->len);
        if (r == MEMPOOL_REJECT_NONE && committed(p, &info->hash))
            r = MEMPOOL_REJECT_ALREADY_KNOWN;
        p->verdicts[i] = r;
    }
    size_t admitted = 0;
    nng_mtx_lock(p->mtx);
    p->received += batch->count;
    for (size_t i = 0; i < batch->count; i++) {
        mempool_reject r = p->verdicts[i];
        if (r == MEMPOOL_REJECT_NONE)
            r = add_locked(p, NULL, batch->txs[i].ptr, batch->txs[i].len, &p->infos[i],
                           MEMPOOL_ORIGIN_PEER, now_ms);
        else
            p->rejected[r]++;
        admitted += r == MEMPOOL_REJECT_NONE;
    }
    nng_mtx_unlock(p->mtx);
    return admitted;
}

bool node_txpool_contains(node_txpool *p, const seq_hash *hash)
{
    SEQ_ASSERT(p != NULL && hash != NULL);
    nng_mtx_lock(p->mtx);
    bool found = mempool_contains(p->pool, hash);
    nng_mtx_unlock(p->mtx);
    return found;
}

/* --------------------------------------------------------------- gossip */

uint64_t node_txpool_gossip_deadline(node_txpool *p)
{
    SEQ_ASSERT(p != NULL);
    nng_mtx_lock(p->mtx);
    uint64_t at = mempool_gossip_deadline(p->pool);
    nng_mtx_unlock(p->mtx);
    return at;
}

bool node_txpool_gossip(node_txpool *p, wire_tx_batch *out, uint64_t now_ms)
{
    SEQ_ASSERT(p != NULL && out != NULL);
    memset(out, 0, sizeof *out);
    size_t n = 0;
    nng_mtx_lock(p->mtx);
    mempool_gossip_take(p->pool, p->gossip_txs, p->gossip_senders, &n, WIRE_TX_BATCH_MAX,
                        WIRE_TX_BATCH_BYTES_MAX, now_ms);
    size_t used = 0;
    for (size_t i = 0; i < n; i++) { /* the pool's bytes move on the next add */
        memcpy(p->gossip_bytes + used, p->gossip_txs[i].ptr, p->gossip_txs[i].len);
        p->gossip_txs[i].ptr = p->gossip_bytes + used;
        used += p->gossip_txs[i].len;
    }
    p->gossiped += n;
    nng_mtx_unlock(p->mtx);
    if (n == 0)
        return false;
    *out = (wire_tx_batch){.count = n, .txs = p->gossip_txs, .senders = p->gossip_senders};
    return true;
}

/* ------------------------------------------------------ tracked blocks */

/* The block's tx hashes: from the hashes source if it knows them, else
 * computed. */
static void hash_txs(const node_txpool *p, seq_hash *out, const wire_block *b)
{
    if (p->hashes != NULL && p->hashes(p->hashes_ctx, out, &b->header, b->tx_count))
        return;
    for (size_t i = 0; i < b->tx_count; i++)
        l1_keccak256(&out[i], b->txs[i].ptr, b->txs[i].len);
}

void node_txpool_block_hashes(const node_txpool *p, seq_hash *out, const wire_block *b)
{
    SEQ_ASSERT(p != NULL && (out != NULL || b->tx_count == 0));
    hash_txs(p, out, b);
}

/* The index of the tracked block with this hash, or SIZE_MAX. */
static size_t tracked_index_locked(const node_txpool *p, const seq_hash *block_hash)
{
    for (size_t i = 0; i < p->block_count; i++) {
        if (seq_hash_equal(&p->blocks[i].hash, block_hash))
            return i;
    }
    return SIZE_MAX;
}

static bool tracked_locked(const node_txpool *p, const seq_hash *block_hash)
{
    return tracked_index_locked(p, block_hash) != SIZE_MAX;
}

/* Forgets tracked block i; releases the marks of its txs no other tracked
 * block holds. mtx held. */
static void forget_locked(node_txpool *p, size_t i)
{
    txp_block *b = &p->blocks[i];
    for (size_t k = 0; k < b->ref_count; k++) {
        if (txp_unref(&p->tracked_txs, &b->txs[k]))
            (void)mempool_release(p->pool, &b->txs[k], 1);
    }
    free(b->txs);
    p->blocks[i] = p->blocks[--p->block_count];
}

static size_t lowest_locked(const node_txpool *p)
{
    size_t low = 0;
    for (size_t i = 1; i < p->block_count; i++) {
        if (p->blocks[i].height < p->blocks[low].height)
            low = i;
    }
    return low;
}

/* Tracks the block hash (header h) whose tx hashes are txs[0..tx_count),
 * taking txs (NULL if tx_count is 0), and marks them in flight; when full,
 * the lowest tracked block is forgotten first. Returns its index. mtx
 * held. */
static size_t track_locked(node_txpool *p, const seq_hash *hash, const seq_block_header *h,
                           seq_hash *txs, size_t tx_count)
{
    SEQ_ASSERT(txs != NULL || tx_count == 0);
    if (p->block_count == NODE_TXPOOL_TRACKED_BLOCKS_MAX)
        forget_locked(p, lowest_locked(p));
    size_t refs = 0;
    while (refs < tx_count && txp_ref(&p->tracked_txs, &txs[refs]))
        refs++;
    (void)mempool_mark_in_flight(p->pool, txs, refs);
    p->blocks[p->block_count] = (txp_block){.hash = *hash,
                                            .parent = h->parent_hash,
                                            .height = h->height,
                                            .tx_count = tx_count,
                                            .ref_count = refs,
                                            .txs = txs};
    return p->block_count++;
}

void node_txpool_blocks_seen(node_txpool *p, const cons_block *blocks, size_t count)
{
    SEQ_ASSERT(p != NULL && (blocks != NULL || count == 0));
    for (size_t i = 0; i < count; i++) {
        const cons_block *cb = &blocks[i];
        nng_mtx_lock(p->mtx);
        bool skip = cb->block.header.height <= p->committed_height || tracked_locked(p, &cb->hash);
        nng_mtx_unlock(p->mtx);
        if (skip)
            continue;
        seq_hash *txs = NULL;
        if (cb->block.tx_count > 0) {
            txs = malloc(cb->block.tx_count * sizeof *txs);
            if (txs == NULL) {
                SEQ_LOG(SEQ_LOG_WARN, "txpool_untracked", SEQ_F_STR("why", "out of memory"),
                        SEQ_F_U64("height", cb->block.header.height));
                continue;
            }
            hash_txs(p, txs, &cb->block);
        }
        nng_mtx_lock(p->mtx);
        (void)track_locked(p, &cb->hash, &cb->block.header, txs, cb->block.tx_count);
        nng_mtx_unlock(p->mtx);
    }
}

/* The commit of a block at height with hashes[0..count): they leave the
 * pool, the tracked blocks up to that height are forgotten. mtx held. */
static void committed_locked(node_txpool *p, uint64_t height, const seq_hash *hashes, size_t count)
{
    (void)mempool_committed(p->pool, hashes, count);
    p->commit_epoch++;
    p->committed_height = SEQ_MAX(p->committed_height, height);
    if (count > 0)
        p->tx_commit_height = SEQ_MAX(p->tx_commit_height, height);
    for (size_t i = 0; i < p->block_count;) {
        if (p->blocks[i].height <= height)
            forget_locked(p, i); /* moves the last entry to i */
        else
            i++;
    }
}

void node_txpool_committed(node_txpool *p, const cons_block *block)
{
    SEQ_ASSERT(p != NULL && block != NULL && block->block.tx_count <= WIRE_BLOCK_TXS_MAX);
    /* Usually the block is tracked with its tx hashes: hash only if not. */
    const seq_hash *hashes = NULL;
    nng_mtx_lock(p->mtx);
    size_t i = tracked_index_locked(p, &block->hash);
    if (i != SIZE_MAX && p->blocks[i].tx_count == block->block.tx_count)
        hashes = p->blocks[i].txs;
    if (hashes == NULL) {
        nng_mtx_unlock(p->mtx);
        hash_txs(p, p->scratch, &block->block);
        hashes = p->scratch;
        nng_mtx_lock(p->mtx);
    }
    committed_locked(p, block->block.header.height, hashes, block->block.tx_count);
    nng_mtx_unlock(p->mtx);
}

bool node_txpool_committed_tracked(node_txpool *p, size_t *tx_count, const seq_hash *hash,
                                   uint64_t height)
{
    SEQ_ASSERT(p != NULL && tx_count != NULL && hash != NULL);
    *tx_count = 0;
    nng_mtx_lock(p->mtx);
    size_t i = tracked_index_locked(p, hash);
    bool tracked = i != SIZE_MAX && p->blocks[i].height == height;
    if (tracked) {
        /* committed_locked forgets the block, and its hashes with it. */
        txp_block *b = &p->blocks[i];
        *tx_count = b->tx_count;
        if (b->tx_count > 0) /* an empty block has no array */
            memcpy(p->scratch, b->txs, b->tx_count * sizeof *b->txs);
        committed_locked(p, height, p->scratch, *tx_count);
    }
    nng_mtx_unlock(p->mtx);
    return tracked;
}

void node_txpool_commit_unread(node_txpool *p, uint64_t height)
{
    SEQ_ASSERT(p != NULL);
    if (!p->pool_unsure)
        SEQ_LOG(SEQ_LOG_WARN, "txpool_unsure", SEQ_F_U64("height", height),
                SEQ_F_STR("then", "blocks' txs looked up in the store, pooled or not"));
    p->pool_unsure = true;
}

/* ------------------------------------------------- the branch of a block */

/* Blocks vouched for by the caller of a walk (node_txpool_check_block). */
typedef struct {
    const cons_block *blocks;
    size_t count;
} txp_vouched;

/* The uncommitted ancestor with this hash: tracked (*index); else one the
 * caller vouched for, or read from the store (a block stored before a
 * restart, or one the pool forgot); a stored one is tracked now. If it is
 * not tracked, *index is SIZE_MAX and *loose holds it (the caller frees
 * loose->txs). SEQ_ERR_NOT_FOUND if none has it (not synced yet); store
 * errors. Loop only. */
static seq_err ancestor_get(node_txpool *p, size_t *index, txp_block *loose,
                            const txp_vouched *vouched, const seq_hash *hash)
{
    *loose = (txp_block){0};
    nng_mtx_lock(p->mtx);
    *index = tracked_index_locked(p, hash);
    nng_mtx_unlock(p->mtx);
    if (*index != SIZE_MAX)
        return SEQ_OK;
    cons_block b;
    seq_err err = SEQ_ERR_NOT_FOUND;
    for (size_t i = 0; vouched != NULL && i < vouched->count && err != SEQ_OK; i++) {
        if (seq_hash_equal(&vouched->blocks[i].hash, hash)) {
            b = vouched->blocks[i];
            err = SEQ_OK;
        }
    }
    bool stored = err != SEQ_OK;
    if (stored) {
        seq_arena_reset(&p->ancestor);
        err = store_get_block(p->store, &b, &p->ancestor, hash);
    }
    if (err != SEQ_OK)
        return err;
    seq_hash *txs = NULL;
    if (b.block.tx_count > 0) {
        txs = malloc(b.block.tx_count * sizeof *txs);
        if (txs == NULL)
            return SEQ_ERR_NO_MEMORY;
        hash_txs(p, txs, &b.block);
    }
    nng_mtx_lock(p->mtx); /* a vouched block reaches blocks_seen after the step */
    if (stored && p->block_count < NODE_TXPOOL_TRACKED_BLOCKS_MAX)
        *index = track_locked(p, hash, &b.block.header, txs, b.block.tx_count);
    nng_mtx_unlock(p->mtx);
    if (*index == SIZE_MAX)
        *loose = (txp_block){.hash = *hash,
                             .parent = b.block.header.parent_hash,
                             .height = b.block.header.height,
                             .tx_count = b.block.tx_count,
                             .txs = txs};
    return SEQ_OK;
}

/* Judges the txs of one ancestor: a judged tx it carries is TXP_IN_ANCESTOR. */
static void judge_ancestor(node_txpool *p, const txp_block *b)
{
    for (size_t k = 0; k < b->tx_count; k++) {
        size_t at = judge_position(&p->judge, &b->txs[k]);
        if (at != SIZE_MAX && p->judged[at] == TXP_FRESH)
            p->judged[at] = TXP_IN_ANCESTOR;
    }
}

/* Walks the uncommitted ancestry of a block extending parent_hash at
 * parent_height, from the parent down to the committed tip (the store's):
 * sets on_branch[i] (if not NULL) for each tracked block on it, tracking
 * those only the store holds (room permitting), and if judge is set runs
 * judge_ancestor on each. vouched may be NULL. SEQ_ERR_NOT_FOUND if an
 * ancestor is neither tracked, vouched for nor stored, the ancestry is
 * deeper than
 * NODE_TXPOOL_ANCESTRY_MAX or does not reach the tip: it is not known in
 * full, so nothing can be said about the txs it may carry. Store errors.
 * Loop only: the tracked blocks are read between locks. */
static seq_err branch_walk(node_txpool *p, bool *on_branch, const txp_vouched *vouched,
                           const seq_hash *parent_hash, uint64_t parent_height, bool judge)
{
    store_tip tip = {0};
    seq_err err = store_get_tip(p->store, &tip);
    if (err != SEQ_OK && err != SEQ_ERR_NOT_FOUND)
        return err;
    bool has_tip = err == SEQ_OK;
    seq_hash at = *parent_hash;
    uint64_t height = parent_height;
    for (size_t steps = 0; height > tip.height; steps++) {
        if (steps == NODE_TXPOOL_ANCESTRY_MAX)
            return SEQ_ERR_NOT_FOUND;
        size_t i;
        txp_block loose;
        if ((err = ancestor_get(p, &i, &loose, vouched, &at)) != SEQ_OK)
            return err;
        const txp_block *b = i != SIZE_MAX ? &p->blocks[i] : &loose;
        if (b->height != height) { /* a hash names one block: a corrupt record */
            free(loose.txs);
            return SEQ_ERR_CORRUPT;
        }
        if (i != SIZE_MAX && on_branch != NULL)
            on_branch[i] = true;
        if (judge)
            judge_ancestor(p, b);
        at = b->parent;
        height--;
        free(loose.txs);
    }
    if (has_tip && height == tip.height && !seq_hash_equal(&at, &tip.hash))
        return SEQ_ERR_NOT_FOUND; /* a branch beside the committed chain */
    return SEQ_OK;
}

/* Judges hashes[0..count), the txs of a block extending parent_hash at
 * parent_height, into p->judged[0..count): TXP_REPEATED for a later copy
 * of an earlier tx, TXP_COMMITTED for one the store has committed,
 * TXP_IN_ANCESTOR for one an uncommitted ancestor on that branch carries,
 * else TXP_FRESH. SEQ_OK whatever the verdicts; else branch_walk's or the
 * store's error. Loop only.
 *
 * A tx the pool holds is not committed, so only the others are looked up
 * in the store (a random B-tree read each): the pool takes a tx in only
 * after the store has not found it committed (looked up again under the
 * lock if a block committed meanwhile), and node_txpool_committed takes a
 * committed block's txs out on this loop, before it judges again. If that
 * could not happen for a block (p->pool_unsure), every tx is looked up. */
static seq_err judge_txs(node_txpool *p, const seq_hash *hashes, size_t count,
                         const txp_vouched *vouched, const seq_hash *parent_hash,
                         uint64_t parent_height)
{
    SEQ_ASSERT(count <= WIRE_BLOCK_TXS_MAX && p->judge.filled_count == 0);
    for (size_t i = 0; i < count; i++)
        p->judged[i] = judge_add(&p->judge, &hashes[i], i) == i ? TXP_FRESH : TXP_REPEATED;
    if (!p->pool_unsure) {
        nng_mtx_lock(p->mtx);
        for (size_t i = 0; i < count; i++) {
            if (p->judged[i] == TXP_FRESH && mempool_contains(p->pool, &hashes[i]))
                p->judged[i] = TXP_POOLED;
        }
        nng_mtx_unlock(p->mtx);
    }
    seq_err err = SEQ_OK;
    for (size_t i = 0; i < count && err == SEQ_OK; i++) {
        store_tx_location loc;
        if (p->judged[i] != TXP_FRESH)
            continue;
        err = store_get_tx(p->store, &loc, &hashes[i]);
        if (err == SEQ_OK)
            p->judged[i] = TXP_COMMITTED;
        else if (err == SEQ_ERR_NOT_FOUND)
            err = SEQ_OK;
    }
    for (size_t i = 0; i < count; i++)
        p->judged[i] = p->judged[i] == TXP_POOLED ? TXP_FRESH : p->judged[i];
    if (err == SEQ_OK && count > 0)
        err = branch_walk(p, NULL, vouched, parent_hash, parent_height, true);
    judge_clear(&p->judge);
    return err;
}

seq_err node_txpool_judge(node_txpool *p, uint8_t *verdicts, const seq_hash *hashes, size_t count,
                          const cons_block *vouched, size_t vouched_count,
                          const seq_hash *parent_hash, uint64_t parent_height)
{
    SEQ_ASSERT(p != NULL && parent_hash != NULL && count <= WIRE_BLOCK_TXS_MAX);
    SEQ_ASSERT((verdicts != NULL && hashes != NULL) || count == 0);
    SEQ_ASSERT(vouched != NULL || vouched_count == 0);
    if (count == 0)
        return SEQ_OK;
    txp_vouched v = {.blocks = vouched, .count = vouched_count};
    seq_err err = judge_txs(p, hashes, count, &v, parent_hash, parent_height);
    if (err == SEQ_OK)
        memcpy(verdicts, p->judged, count);
    return err;
}

static const char *verdict_name(txp_verdict v)
{
    switch (v) {
    case TXP_REPEATED:
        return "repeated_in_block";
    case TXP_COMMITTED:
        return "committed";
    case TXP_IN_ANCESTOR:
        return "in_ancestor";
    default:
        return "fresh";
    }
}

seq_err node_txpool_check_block(node_txpool *p, seq_hash *tx_out, const char **why_out,
                                const cons_block *block, const cons_block *vouched,
                                size_t vouched_count)
{
    SEQ_ASSERT(p != NULL && tx_out != NULL && why_out != NULL && block != NULL);
    SEQ_ASSERT(vouched != NULL || vouched_count == 0);
    SEQ_ASSERT(block->block.tx_count <= WIRE_BLOCK_TXS_MAX);
    memset(tx_out, 0, sizeof *tx_out);
    *why_out = NULL;
    const wire_block *b = &block->block;
    if (b->tx_count == 0)
        return SEQ_OK;
    if (b->header.height == 0)
        return SEQ_ERR_INVALID_ARG;
    hash_txs(p, p->check_hashes, b);
    txp_vouched v = {.blocks = vouched, .count = vouched_count};
    seq_err err = judge_txs(p, p->check_hashes, b->tx_count, &v, &b->header.parent_hash,
                            b->header.height - 1u);
    if (err != SEQ_OK)
        return err;
    for (size_t i = 0; i < b->tx_count; i++) {
        if (p->judged[i] != TXP_FRESH) {
            *tx_out = p->check_hashes[i];
            *why_out = verdict_name(p->judged[i]);
            return SEQ_ERR_EXISTS;
        }
    }
    return SEQ_OK;
}

/* -------------------------------------------------------------- payload */

uint64_t node_txpool_settle_deadline(node_txpool *p)
{
    SEQ_ASSERT(p != NULL);
    uint64_t deadline = 0;
    nng_mtx_lock(p->mtx);
    (void)mempool_settling(p->pool, seq_monotonic_ms(), &deadline);
    nng_mtx_unlock(p->mtx);
    return deadline;
}

bool node_txpool_wants_block(node_txpool *p, uint64_t parent_height)
{
    SEQ_ASSERT(p != NULL);
    mempool_stats st;
    nng_mtx_lock(p->mtx);
    mempool_get_stats(p->pool, &st);
    bool carrying = p->tracked_txs.count > 0 ||
                    (p->tx_commit_height > 0 && p->tx_commit_height + 1 >= parent_height);
    bool pickable =
        st.txs > st.in_flight && !(p->idle_known && p->idle_version == mempool_version(p->pool));
    if (pickable) { /* not if every tx it could pick is in a settling lane */
        uint64_t deadline = 0;
        pickable = st.txs - st.in_flight > mempool_settling(p->pool, seq_monotonic_ms(), &deadline);
    }
    nng_mtx_unlock(p->mtx);
    return pickable || carrying;
}

/* Makes the in-flight marks match the branch a new block extends: the txs
 * of the tracked blocks on it (on_branch, from branch_walk) stay marked;
 * those of the other tracked blocks (another branch: abandoned after a
 * failed view, or still racing) are released, so they can go into this
 * block. At most one branch commits, so a tx is never committed twice.
 * mtx held. */
static void marks_follow_branch_locked(node_txpool *p, const bool *on_branch)
{
    for (size_t i = 0; i < p->block_count; i++) {
        if (!on_branch[i])
            (void)mempool_release(p->pool, p->blocks[i].txs, p->blocks[i].ref_count);
    }
    for (size_t i = 0; i < p->block_count; i++) {
        if (on_branch[i])
            (void)mempool_mark_in_flight(p->pool, p->blocks[i].txs, p->blocks[i].ref_count);
    }
}

/* Drops from the n picks in the payload buffers what judge_txs refuses
 * (the marks keep out the txs of tracked ancestors, so this catches a tx
 * committed meanwhile, or one of an ancestor the pool had no room to
 * track): a committed tx leaves the pool, an ancestor's tx is released
 * (it goes into a block again if that ancestor is abandoned). The first
 * `forced` picks are the block's forced txs, judged already
 * (node_forced_plan): they are kept, and only serve to catch a pool tx
 * equal to one of them. If the judge fails, every pool pick is released.
 * Returns how many picks are kept. */
static size_t payload_filter(node_txpool *p, size_t n, size_t forced, const seq_hash *parent_hash,
                             uint64_t parent_height)
{
    seq_err err = judge_txs(p, p->payload_hashes, n, NULL, parent_hash, parent_height);
    size_t kept = forced, committed = 0, released = 0;
    for (size_t i = forced; i < n; i++) {
        txp_verdict v = err == SEQ_OK ? (txp_verdict)p->judged[i] : TXP_IN_ANCESTOR;
        if (v == TXP_FRESH) {
            p->payload_txs[kept] = p->payload_txs[i];
            p->payload_hashes[kept++] = p->payload_hashes[i];
        } else if (v == TXP_COMMITTED) {
            p->scratch[committed++] = p->payload_hashes[i];
        } else if (v == TXP_IN_ANCESTOR) {
            p->check_hashes[released++] = p->payload_hashes[i];
        } /* TXP_REPEATED: the pool holds a tx once; its first copy stays */
    }
    if (kept == n)
        return n;
    nng_mtx_lock(p->mtx);
    (void)mempool_committed(p->pool, p->scratch, committed);
    (void)mempool_release(p->pool, p->check_hashes, released);
    nng_mtx_unlock(p->mtx);
    SEQ_LOG(SEQ_LOG_INFO, "payload_filtered", SEQ_F_U64("height", parent_height + 1u),
            SEQ_F_U64("committed", committed), SEQ_F_U64("in_ancestor", released),
            SEQ_F_U64("kept", kept), SEQ_F_ERR(err));
    return kept;
}

/* Test mode: leaves the pool picks of censored senders out (their marks
 * released, so another leader may pick them). mtx held. */
static size_t payload_censor_locked(node_txpool *p, size_t n)
{
    size_t kept = 0, dropped = 0;
    for (size_t i = 0; i < n; i++) {
        if (!p->picks[i].forced && node_txpool_censors(p, &p->picks[i].sender))
            p->scratch[dropped++] = p->picks[i].hash;
        else
            p->picks[kept++] = p->picks[i];
    }
    (void)mempool_release(p->pool, p->scratch, dropped);
    return kept;
}

size_t node_txpool_payload(node_txpool *p, const seq_bytes **txs, const mempool_caps *caps,
                           const seq_hash *parent_hash, uint64_t parent_height,
                           const seq_bytes *forced, size_t forced_count)
{
    SEQ_ASSERT(p != NULL && txs != NULL && caps != NULL && parent_hash != NULL);
    SEQ_ASSERT(caps->bytes_max <= WIRE_BLOCK_TX_BYTES_MAX && caps->txs_max <= WIRE_BLOCK_TXS_MAX);
    SEQ_ASSERT(forced != NULL || forced_count == 0);
    p->payload_count = 0;
    *txs = p->payload_txs;
    bool on_branch[NODE_TXPOOL_TRACKED_BLOCKS_MAX] = {false};
    seq_err err = branch_walk(p, on_branch, NULL, parent_hash, parent_height, false);
    if (err != SEQ_OK) { /* e.g. right after a restart, while syncing */
        SEQ_LOG(SEQ_LOG_INFO, "payload_empty",
                SEQ_F_STR("why", err == SEQ_ERR_NOT_FOUND ? "ancestry_unknown" : "store"),
                SEQ_F_U64("height", parent_height + 1u), SEQ_F_ERR(err));
        return 0;
    }
    size_t n = 0;
    uint64_t now_ms = seq_monotonic_ms(), settle_deadline = 0;
    nng_mtx_lock(p->mtx);
    marks_follow_branch_locked(p, on_branch);
    err = mempool_select(p->pool, p->picks, WIRE_BLOCK_TXS_MAX, &n, caps, forced, forced_count,
                         now_ms);
    SEQ_ASSERT(err == SEQ_OK); /* out_cap covers every cap; forced txs are non-empty */
    if (p->censor_count > 0)
        n = payload_censor_locked(p, n);
    size_t used = 0, forced_picked = 0;
    for (size_t i = 0; i < n; i++) {
        const mempool_pick *pick = &p->picks[i];
        memcpy(p->payload_bytes + used, pick->raw.ptr, pick->raw.len);
        p->payload_txs[i] = (seq_bytes){.ptr = p->payload_bytes + used, .len = pick->raw.len};
        p->payload_hashes[i] = pick->hash;
        used += pick->raw.len;
        forced_picked += pick->forced;
    }
    nng_mtx_unlock(p->mtx);
    /* The plan fitted its forced txs into the caps: every one is picked. */
    SEQ_ASSERT(forced_picked == forced_count);
    p->payload_count = payload_filter(p, n, forced_picked, parent_hash, parent_height);
    nng_mtx_lock(p->mtx);
    /* Txs left out only because their lane settles are not idle ones (the
     * scan runs only for an empty payload: off the busy path). */
    p->idle_known = p->payload_count == forced_picked &&
                    mempool_settling(p->pool, now_ms, &settle_deadline) == 0;
    p->idle_version = mempool_version(p->pool);
    nng_mtx_unlock(p->mtx);
    return p->payload_count;
}

const seq_hash *node_txpool_payload_hashes(const node_txpool *p)
{
    SEQ_ASSERT(p != NULL);
    return p->payload_hashes;
}

void node_txpool_payload_dropped(node_txpool *p)
{
    SEQ_ASSERT(p != NULL);
    nng_mtx_lock(p->mtx);
    (void)mempool_release(p->pool, p->payload_hashes, p->payload_count);
    nng_mtx_unlock(p->mtx);
    p->payload_count = 0;
}

/* ---------------------------------------------------------------- stats */

void node_txpool_get_stats(node_txpool *p, node_txpool_stats *out)
{
    SEQ_ASSERT(p != NULL && out != NULL);
    nng_mtx_lock(p->mtx);
    mempool_get_stats(p->pool, &out->pool);
    for (size_t r = 1; r < MEMPOOL_REJECT_COUNT_; r++)
        out->pool.rejected[r] += p->rejected[r];
    out->tracked_blocks = p->block_count;
    out->tracked_txs = p->tracked_txs.count;
    out->received = p->received;
    out->gossiped = p->gossiped;
    nng_mtx_unlock(p->mtx);
}
