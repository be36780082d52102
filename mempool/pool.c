/* pool.c — the pool's tables: lists, heaps, hash indexes, sender records,
 * storage, and admission (mempool_add). */
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "l1.h"

#define MP_HASH_MIX1 0xbf58476d1ce4e5b9ull
#define MP_HASH_MIX2 0x94d049bb133111ebull
#define MP_HASH_SEED 0x9e3779b97f4a7c15ull
#define MP_PERCENT   100u

const mp_links mp_arrival_links = {sizeof(mp_tx), offsetof(mp_tx, arrival_prev),
                                   offsetof(mp_tx, arrival_next)};
const mp_links mp_gossip_links = {sizeof(mp_tx), offsetof(mp_tx, gossip_prev),
                                  offsetof(mp_tx, gossip_next)};
const mp_links mp_sender_links = {sizeof(mp_sender), offsetof(mp_sender, list_prev),
                                  offsetof(mp_sender, list_next)};

/* ----------------------------------------------------------------- lists */

static uint32_t *mp_link(void *base, const mp_links *k, uint32_t i, size_t offset)
{
    return (uint32_t *)((uint8_t *)base + (size_t)i * k->stride + offset);
}

void mp_list_push(mp_list *l, void *base, const mp_links *k, uint32_t i)
{
    SEQ_ASSERT(i != MP_NIL);
    SEQ_ASSERT((l->head == MP_NIL) == (l->count == 0));
    *mp_link(base, k, i, k->prev) = l->tail;
    *mp_link(base, k, i, k->next) = MP_NIL;
    if (l->tail == MP_NIL)
        l->head = i;
    else
        *mp_link(base, k, l->tail, k->next) = i;
    l->tail = i;
    l->count++;
}

void mp_list_unlink(mp_list *l, void *base, const mp_links *k, uint32_t i)
{
    SEQ_ASSERT(i != MP_NIL && l->count > 0);
    uint32_t prev = *mp_link(base, k, i, k->prev), next = *mp_link(base, k, i, k->next);
    if (prev == MP_NIL)
        l->head = next;
    else
        *mp_link(base, k, prev, k->next) = next;
    if (next == MP_NIL)
        l->tail = prev;
    else
        *mp_link(base, k, next, k->prev) = prev;
    *mp_link(base, k, i, k->prev) = MP_NIL;
    *mp_link(base, k, i, k->next) = MP_NIL;
    l->count--;
}

/* ----------------------------------------------------------------- heaps */

bool mp_before(const mempool *pool, uint32_t a, uint32_t b)
{
    const mp_tx *x = &pool->txs[a], *y = &pool->txs[b];
    SEQ_ASSERT(x->used && y->used);
    if (pool->config.policy == MEMPOOL_POLICY_PRIORITY && x->tip != y->tip)
        return x->tip > y->tip;
    return x->arrival < y->arrival;
}

/* The eviction heap's root is the tx its policy sequences last. */
bool mp_evict_less(const mempool *pool, uint32_t a, uint32_t b)
{
    return mp_before(pool, b, a);
}

static void mp_heap_set(mempool *pool, uint32_t *heap, uint32_t pos, uint32_t slot, bool indexed)
{
    heap[pos] = slot;
    if (indexed)
        pool->txs[slot].heap_pos = pos;
}

static void mp_heap_up(mempool *pool, uint32_t *heap, uint32_t pos, mp_less_fn less, bool indexed)
{
    uint32_t slot = heap[pos];
    while (pos > 0) {
        uint32_t parent = (pos - 1) / 2;
        if (!less(pool, slot, heap[parent]))
            break;
        mp_heap_set(pool, heap, pos, heap[parent], indexed);
        pos = parent;
    }
    mp_heap_set(pool, heap, pos, slot, indexed);
}

static void mp_heap_down(mempool *pool, uint32_t *heap, uint32_t count, uint32_t pos,
                         mp_less_fn less, bool indexed)
{
    SEQ_ASSERT(pos < count);
    uint32_t slot = heap[pos];
    for (;;) {
        uint32_t child = 2 * pos + 1;
        if (child >= count)
            break;
        if (child + 1 < count && less(pool, heap[child + 1], heap[child]))
            child++;
        if (!less(pool, heap[child], slot))
            break;
        mp_heap_set(pool, heap, pos, heap[child], indexed);
        pos = child;
    }
    mp_heap_set(pool, heap, pos, slot, indexed);
}

void mp_heap_push(mempool *pool, uint32_t *heap, uint32_t *count, uint32_t slot, mp_less_fn less,
                  bool indexed)
{
    SEQ_ASSERT(*count < pool->config.pool_txs_max);
    SEQ_ASSERT(!indexed || pool->txs[slot].heap_pos == MP_NIL);
    heap[*count] = slot;
    (*count)++;
    mp_heap_up(pool, heap, *count - 1, less, indexed);
}

void mp_heap_remove(mempool *pool, uint32_t *heap, uint32_t *count, uint32_t pos, mp_less_fn less,
                    bool indexed)
{
    SEQ_ASSERT(pos < *count);
    uint32_t gone = heap[pos];
    (*count)--;
    if (pos < *count) {
        mp_heap_set(pool, heap, pos, heap[*count], indexed);
        mp_heap_down(pool, heap, *count, pos, less, indexed);
        mp_heap_up(pool, heap, pos, less, indexed);
    }
    if (indexed)
        pool->txs[gone].heap_pos = MP_NIL;
}

uint32_t mp_heap_pop(mempool *pool, uint32_t *heap, uint32_t *count, mp_less_fn less, bool indexed)
{
    SEQ_ASSERT(*count > 0);
    uint32_t top = heap[0];
    mp_heap_remove(pool, heap, count, 0, less, indexed);
    return top;
}

static void mp_evict_push(mempool *pool, uint32_t slot)
{
    mp_heap_push(pool, pool->evict_heap, &pool->evict_count, slot, mp_evict_less, true);
}

static void mp_evict_remove(mempool *pool, uint32_t slot)
{
    SEQ_ASSERT(pool->txs[slot].heap_pos != MP_NIL);
    mp_heap_remove(pool, pool->evict_heap, &pool->evict_count, pool->txs[slot].heap_pos,
                   mp_evict_less, true);
}

/* --------------------------------------------------------- hash indexes */

static uint64_t mp_mix(uint64_t z)
{
    z = (z ^ (z >> 30)) * MP_HASH_MIX1;
    z = (z ^ (z >> 27)) * MP_HASH_MIX2;
    return z ^ (z >> 31);
}

/* A keyed hash: peers cannot aim keys at one bucket without the seed. */
static uint32_t mp_bucket(const mempool *pool, const uint8_t *key, size_t len, uint32_t mask)
{
    uint64_t h = pool->config.hash_seed ^ MP_HASH_SEED;
    for (size_t i = 0; i < len; i += 8) {
        uint64_t w = 0;
        size_t n = SEQ_MIN(len - i, (size_t)8);
        memcpy(&w, key + i, n);
        h = mp_mix(h ^ w);
    }
    return (uint32_t)h & mask;
}

typedef struct {
    uint32_t *table;
    uint32_t mask;
    const void *base;
    size_t stride;
    size_t key_offset;
    size_t key_len;
} mp_index;

static mp_index mp_tx_index(const mempool *pool)
{
    return (mp_index){pool->tx_index, pool->tx_index_mask,   pool->txs,
                      sizeof(mp_tx),  offsetof(mp_tx, hash), SEQ_HASH_BYTES};
}

static mp_index mp_sender_index(const mempool *pool)
{
    return (mp_index){pool->sender_index, pool->sender_index_mask,   pool->senders,
                      sizeof(mp_sender),  offsetof(mp_sender, addr), SEQ_ADDR_BYTES};
}

static const uint8_t *mp_index_key(const mp_index *ix, uint32_t i)
{
    return (const uint8_t *)ix->base + (size_t)i * ix->stride + ix->key_offset;
}

/* The table position holding key, or of the empty bucket ending its probe. */
static uint32_t mp_index_probe(const mempool *pool, const mp_index *ix, const uint8_t *key)
{
    uint32_t pos = mp_bucket(pool, key, ix->key_len, ix->mask);
    for (uint32_t n = 0; n <= ix->mask; n++) {
        uint32_t i = ix->table[pos];
        if (i == MP_NIL || memcmp(mp_index_key(ix, i), key, ix->key_len) == 0)
            return pos;
        pos = (pos + 1) & ix->mask;
    }
    SEQ_ASSERT(!"hash index full"); /* sized at least twice its entries */
    return 0;
}

static void mp_index_insert(const mempool *pool, const mp_index *ix, uint32_t i)
{
    uint32_t pos = mp_index_probe(pool, ix, mp_index_key(ix, i));
    SEQ_ASSERT(ix->table[pos] == MP_NIL);
    ix->table[pos] = i;
}

/* Linear-probing deletion by backward shift: no tombstones. */
static void mp_index_delete(const mempool *pool, const mp_index *ix, uint32_t i)
{
    uint32_t hole = mp_index_probe(pool, ix, mp_index_key(ix, i));
    SEQ_ASSERT(ix->table[hole] == i);
    uint32_t j = hole;
    for (;;) {
        j = (j + 1) & ix->mask;
        uint32_t e = ix->table[j];
        if (e == MP_NIL)
            break;
        uint32_t home = mp_bucket(pool, mp_index_key(ix, e), ix->key_len, ix->mask);
        /* e may fill the hole iff its home is not cyclically in (hole, j]. */
        bool stays = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
        if (stays)
            continue;
        ix->table[hole] = e;
        hole = j;
    }
    ix->table[hole] = MP_NIL;
}

uint32_t mp_tx_find(const mempool *pool, const seq_hash *hash)
{
    mp_index ix = mp_tx_index(pool);
    return ix.table[mp_index_probe(pool, &ix, hash->b)];
}

static uint32_t mp_sender_find(const mempool *pool, const seq_addr *addr)
{
    mp_index ix = mp_sender_index(pool);
    return ix.table[mp_index_probe(pool, &ix, addr->b)];
}

bool mempool_contains(const mempool *pool, const seq_hash *hash)
{
    SEQ_ASSERT(pool != NULL && hash != NULL);
    return mp_tx_find(pool, hash) != MP_NIL;
}

/* --------------------------------------------------------------- senders */

bool mp_sender_base(const mempool *pool, const mp_sender *s, uint64_t *base)
{
    SEQ_ASSERT(s->used);
    if (s->nonce_known) {
        *base = s->nonce_next;
        return true;
    }
    if (s->count > 0) {
        *base = pool->txs[s->head].nonce;
        return true;
    }
    return false;
}

/* The record of addr, created if needed (recycling the oldest idle one).
 * The caller gives it a tx at once. */
static uint32_t mp_sender_get(mempool *pool, const seq_addr *addr)
{
    uint32_t i = mp_sender_find(pool, addr);
    if (i != MP_NIL) {
        if (pool->senders[i].count == 0)
            mp_list_unlink(&pool->idle, pool->senders, &mp_sender_links, i);
        return i;
    }
    mp_index ix = mp_sender_index(pool);
    if (pool->sender_free != MP_NIL) {
        i = pool->sender_free;
        pool->sender_free = pool->senders[i].list_next;
    } else {
        i = pool->idle.head;
        SEQ_ASSERT(i != MP_NIL); /* active senders < pool_txs_max < senders_cap */
        mp_list_unlink(&pool->idle, pool->senders, &mp_sender_links, i);
        mp_index_delete(pool, &ix, i);
    }
    mp_sender *s = &pool->senders[i];
    *s = (mp_sender){.addr = *addr,
                     .head = MP_NIL,
                     .tail = MP_NIL,
                     .list_prev = MP_NIL,
                     .list_next = MP_NIL,
                     .used = true};
    mp_index_insert(pool, &ix, i);
    return i;
}

/* s's lane became empty: keep it idle if it remembers a nonce, else free. */
static void mp_sender_release(mempool *pool, uint32_t i)
{
    mp_sender *s = &pool->senders[i];
    SEQ_ASSERT(s->count == 0 && s->head == MP_NIL);
    mp_list_unlink(&pool->active, pool->senders, &mp_sender_links, i);
    if (s->nonce_known) {
        mp_list_push(&pool->idle, pool->senders, &mp_sender_links, i);
        return;
    }
    mp_index ix = mp_sender_index(pool);
    mp_index_delete(pool, &ix, i);
    *s = (mp_sender){
        .head = MP_NIL, .tail = MP_NIL, .list_prev = MP_NIL, .list_next = pool->sender_free};
    pool->sender_free = i;
}

/* ----------------------------------------------------------------- lanes */

/* The pending tx of s with this nonce, or MP_NIL. */
static uint32_t mp_lane_find(const mempool *pool, const mp_sender *s, uint64_t nonce)
{
    for (uint32_t i = s->tail; i != MP_NIL; i = pool->txs[i].lane_prev) {
        if (pool->txs[i].nonce == nonce)
            return i;
        if (pool->txs[i].nonce < nonce)
            break;
    }
    return MP_NIL;
}

/* Links slot into its sender's lane in nonce order; a new tail replaces the
 * old one in the eviction heap. */
static void mp_lane_insert(mempool *pool, uint32_t sender, uint32_t slot)
{
    mp_sender *s = &pool->senders[sender];
    mp_tx *t = &pool->txs[slot];
    SEQ_ASSERT(mp_lane_find(pool, s, t->nonce) == MP_NIL);
    uint32_t after = s->tail;
    while (after != MP_NIL && pool->txs[after].nonce > t->nonce)
        after = pool->txs[after].lane_prev;
    uint32_t before = after == MP_NIL ? s->head : pool->txs[after].lane_next;
    t->sender_index = sender;
    t->lane_prev = after;
    t->lane_next = before;
    if (after == MP_NIL)
        s->head = slot;
    else
        pool->txs[after].lane_next = slot;
    if (before == MP_NIL) {
        if (s->tail != MP_NIL)
            mp_evict_remove(pool, s->tail);
        s->tail = slot;
        mp_evict_push(pool, slot);
    } else {
        pool->txs[before].lane_prev = slot;
    }
    if (s->count++ == 0)
        mp_list_push(&pool->active, pool->senders, &mp_sender_links, sender);
    SEQ_ASSERT(s->count <= pool->config.sender_txs_max);
}

static void mp_lane_unlink(mempool *pool, uint32_t slot)
{
    mp_tx *t = &pool->txs[slot];
    uint32_t sender = t->sender_index;
    mp_sender *s = &pool->senders[sender];
    SEQ_ASSERT(s->count > 0);
    bool was_tail = s->tail == slot;
    if (was_tail)
        mp_evict_remove(pool, slot);
    if (t->lane_prev == MP_NIL)
        s->head = t->lane_next;
    else
        pool->txs[t->lane_prev].lane_next = t->lane_next;
    if (t->lane_next == MP_NIL)
        s->tail = t->lane_prev;
    else
        pool->txs[t->lane_next].lane_prev = t->lane_prev;
    s->count--;
    if (was_tail && s->tail != MP_NIL)
        mp_evict_push(pool, s->tail);
    if (s->count == 0)
        mp_sender_release(pool, sender);
}

/* --------------------------------------------------------------- storage */

/* Moves every pending tx down to the start of storage, in arrival order
 * (which is storage order: txs are appended as they arrive). */
static void mp_compact(mempool *pool)
{
    size_t at = 0;
    for (uint32_t i = pool->arrival.head; i != MP_NIL; i = pool->txs[i].arrival_next) {
        mp_tx *t = &pool->txs[i];
        SEQ_ASSERT(t->raw_offset >= at);
        if (t->raw_offset != at)
            memmove(pool->storage + at, pool->storage + t->raw_offset, t->raw_len);
        t->raw_offset = (uint32_t)at;
        at += t->raw_len;
    }
    SEQ_ASSERT(at == pool->bytes);
    pool->storage_tail = at;
}

/* Appends raw. Compacts first if it would not fit, or once the storage in
 * use would pass both MEMPOOL_COMPACT_MIN_BYTES and twice the live bytes: what
 * the pool touches stays near what it holds (warm in cache, and pages it
 * never needs are never faulted in) instead of sweeping the whole 2 x
 * pool_bytes_max before its first compaction. Each compaction moves at
 * most the live bytes, after at least as many were appended since the
 * last: amortised O(1) per byte. */
static uint32_t mp_store(mempool *pool, const uint8_t *raw, size_t len)
{
    SEQ_ASSERT(pool->bytes + len <= pool->config.pool_bytes_max);
    size_t end = pool->storage_tail + len;
    if (end > pool->storage_cap ||
        (end > MEMPOOL_COMPACT_MIN_BYTES && end > 2u * ((size_t)pool->bytes + len)))
        mp_compact(pool);
    SEQ_ASSERT(pool->storage_tail + len <= pool->storage_cap);
    uint32_t offset = (uint32_t)pool->storage_tail;
    memcpy(pool->storage + offset, raw, len);
    pool->storage_tail += len;
    return offset;
}

/* ------------------------------------------------------------- lifecycle */

void mempool_config_default(mempool_config *out, uint64_t chain_id)
{
    SEQ_ASSERT(out != NULL);
    *out = (mempool_config){
        .chain_id = chain_id,
        .policy = MEMPOOL_POLICY_FIFO,
        .tx_bytes_max = MEMPOOL_TX_BYTES_DEFAULT,
        .pool_bytes_max = MEMPOOL_POOL_BYTES_DEFAULT,
        .pool_txs_max = MEMPOOL_POOL_TXS_DEFAULT,
        .sender_txs_max = MEMPOOL_SENDER_TXS_DEFAULT,
        .nonce_window = MEMPOOL_NONCE_WINDOW_DEFAULT,
        .gossip_delay_ms = MEMPOOL_GOSSIP_DELAY_MS_DEFAULT,
        .settle_ms = MEMPOOL_SETTLE_MS_DEFAULT,
    };
}

static bool mp_config_valid(const mempool_config *c)
{
    SEQ_ASSERT(c != NULL);
    return c->chain_id >= 1 && c->chain_id <= MEMPOOL_CHAIN_ID_MAX &&
           (c->policy == MEMPOOL_POLICY_FIFO || c->policy == MEMPOOL_POLICY_PRIORITY) &&
           c->tx_bytes_max > MEMPOOL_OPAQUE_HEADER_BYTES &&
           c->tx_bytes_max <= MEMPOOL_TX_BYTES_MAX && c->pool_bytes_max >= c->tx_bytes_max &&
           c->pool_bytes_max <= MEMPOOL_POOL_BYTES_MAX && c->pool_txs_max >= 1 &&
           c->pool_txs_max <= MEMPOOL_POOL_TXS_MAX && c->sender_txs_max >= 1 &&
           c->sender_txs_max <= MEMPOOL_SENDER_TXS_MAX && c->nonce_window >= c->sender_txs_max &&
           c->nonce_window <= MEMPOOL_NONCE_WINDOW_MAX &&
           c->gossip_delay_ms <= MEMPOOL_GOSSIP_DELAY_MS_MAX &&
           c->settle_ms <= MEMPOOL_SETTLE_MS_MAX;
}

/* The smallest power of two at least twice n. */
static uint32_t mp_table_size(uint32_t n)
{
    uint32_t size = 1;
    while (size < 2u * n)
        size <<= 1;
    return size;
}

static seq_err mp_alloc(mempool *pool)
{
    const mempool_config *c = &pool->config;
    uint32_t tx_table = mp_table_size(c->pool_txs_max);
    pool->senders_cap = c->pool_txs_max * MP_SENDERS_PER_TX;
    uint32_t sender_table = mp_table_size(pool->senders_cap);
    pool->storage_cap = (size_t)c->pool_bytes_max * MP_STORAGE_FACTOR;
    pool->txs = calloc(c->pool_txs_max, sizeof *pool->txs);
    pool->tx_index = malloc((size_t)tx_table * sizeof *pool->tx_index);
    pool->senders = calloc(pool->senders_cap, sizeof *pool->senders);
    pool->sender_index = malloc((size_t)sender_table * sizeof *pool->sender_index);
    pool->evict_heap = malloc((size_t)c->pool_txs_max * sizeof *pool->evict_heap);
    pool->scratch = malloc((size_t)c->pool_txs_max * sizeof *pool->scratch);
    pool->storage = malloc(pool->storage_cap);
    if (!pool->txs || !pool->tx_index || !pool->senders || !pool->sender_index ||
        !pool->evict_heap || !pool->scratch || !pool->storage)
        return SEQ_ERR_NO_MEMORY;
    memset(pool->tx_index, 0xff, (size_t)tx_table * sizeof *pool->tx_index);
    memset(pool->sender_index, 0xff, (size_t)sender_table * sizeof *pool->sender_index);
    pool->tx_index_mask = tx_table - 1;
    pool->sender_index_mask = sender_table - 1;
    return SEQ_OK;
}

static void mp_init_free_lists(mempool *pool)
{
    uint32_t n = pool->config.pool_txs_max;
    for (uint32_t i = 0; i < n; i++)
        pool->txs[i] = (mp_tx){.arrival_next = i + 1 < n ? i + 1 : MP_NIL, .heap_pos = MP_NIL};
    pool->tx_free = 0;
    for (uint32_t i = 0; i < pool->senders_cap; i++)
        pool->senders[i] = (mp_sender){.head = MP_NIL,
                                       .tail = MP_NIL,
                                       .list_prev = MP_NIL,
                                       .list_next = i + 1 < pool->senders_cap ? i + 1 : MP_NIL};
    pool->sender_free = 0;
    mp_list empty = {MP_NIL, MP_NIL, 0};
    pool->active = pool->idle = pool->arrival = pool->gossip = empty;
}

seq_err mempool_new(mempool **out, const mempool_config *config)
{
    SEQ_ASSERT(out != NULL && config != NULL);
    *out = NULL;
    if (!mp_config_valid(config))
        return SEQ_ERR_INVALID_ARG;
    mempool *pool = calloc(1, sizeof *pool);
    if (pool == NULL)
        return SEQ_ERR_NO_MEMORY;
    pool->config = *config;
    seq_err err = mp_alloc(pool);
    if (err != SEQ_OK) {
        mempool_free(pool);
        return err;
    }
    mp_init_free_lists(pool);
    *out = pool;
    return SEQ_OK;
}

void mempool_free(mempool *pool)
{
    if (pool == NULL)
        return;
    free(pool->txs);
    free(pool->tx_index);
    free(pool->senders);
    free(pool->sender_index);
    free(pool->evict_heap);
    free(pool->scratch);
    free(pool->storage);
    free(pool);
}

/* ------------------------------------------------------ insert and remove */

void mp_remove(mempool *pool, uint32_t slot)
{
    pool->version++;
    mp_tx *t = &pool->txs[slot];
    SEQ_ASSERT(t->used);
    SEQ_ASSERT(pool->bytes >= t->raw_len);
    mp_index ix = mp_tx_index(pool);
    mp_index_delete(pool, &ix, slot);
    mp_list_unlink(&pool->arrival, pool->txs, &mp_arrival_links, slot);
    if (t->gossip_waiting) {
        mp_list_unlink(&pool->gossip, pool->txs, &mp_gossip_links, slot);
        pool->gossip_bytes -= t->raw_len;
    }
    if (t->in_flight)
        pool->in_flight--;
    if (t->sender_index != MP_NIL)
        mp_lane_unlink(pool, slot);
    else
        mp_evict_remove(pool, slot);
    pool->bytes -= t->raw_len;
    *t = (mp_tx){.arrival_next = pool->tx_free, .heap_pos = MP_NIL};
    pool->tx_free = slot;
}

static void mp_insert(mempool *pool, const mempool_tx_info *info, const uint8_t *raw,
                      size_t raw_len, mempool_origin origin, uint64_t now_ms)
{
    pool->version++;
    uint32_t slot = pool->tx_free;
    SEQ_ASSERT(slot != MP_NIL && pool->arrival.count < pool->config.pool_txs_max);
    uint32_t offset = mp_store(pool, raw, raw_len);
    mp_tx *t = &pool->txs[slot];
    pool->tx_free = t->arrival_next;
    *t = (mp_tx){.hash = info->hash,
                 .sender = info->sender,
                 .nonce = info->nonce,
                 .fee_cap = info->fee_cap,
                 .tip = info->tip,
                 .arrival = pool->arrival_next++,
                 .admitted_ms = now_ms,
                 .raw_offset = offset,
                 .raw_len = (uint32_t)raw_len,
                 .sender_index = MP_NIL,
                 .lane_prev = MP_NIL,
                 .lane_next = MP_NIL,
                 .gossip_prev = MP_NIL,
                 .gossip_next = MP_NIL,
                 .heap_pos = MP_NIL,
                 .kind = (uint8_t)info->kind,
                 .used = true};
    mp_index ix = mp_tx_index(pool);
    mp_index_insert(pool, &ix, slot);
    mp_list_push(&pool->arrival, pool->txs, &mp_arrival_links, slot);
    if (origin == MEMPOOL_ORIGIN_CLIENT) {
        t->gossip_waiting = true;
        mp_list_push(&pool->gossip, pool->txs, &mp_gossip_links, slot);
        pool->gossip_bytes += raw_len;
    }
    if (info->kind == MEMPOOL_TX_OPAQUE)
        mp_evict_push(pool, slot);
    else {
        uint32_t si = mp_sender_get(pool, &info->sender);
        if (pool->senders[si].count == 0)
            pool->senders[si].lane_since_ms = now_ms;
        mp_lane_insert(pool, si, slot);
    }
    pool->bytes += raw_len;
}

/* -------------------------------------------------------------- admission */

/* new >= old * (100 + MEMPOOL_BUMP_PERCENT) / 100 and new > old, without
 * overflow. */
static bool mp_bumped(uint64_t old, uint64_t fresh)
{
    uint64_t bump = old / MP_PERCENT * MEMPOOL_BUMP_PERCENT +
                    old % MP_PERCENT * MEMPOOL_BUMP_PERCENT / MP_PERCENT;
    if (bump > UINT64_MAX - old)
        return false;
    return fresh > old && fresh >= old + bump;
}

/* The nonce rules for a new (sender, nonce); *replace receives the pending
 * tx with the same nonce, if any. */
static mempool_reject mp_check_nonce(const mempool *pool, const mempool_tx_info *info,
                                     uint32_t *replace)
{
    *replace = MP_NIL;
    uint32_t i = mp_sender_find(pool, &info->sender);
    if (i == MP_NIL)
        return MEMPOOL_REJECT_NONE;
    const mp_sender *s = &pool->senders[i];
    SEQ_ASSERT(s->used && (s->count > 0 || s->nonce_known));
    if (s->nonce_known && info->nonce < s->nonce_next)
        return MEMPOOL_REJECT_NONCE_TOO_LOW;
    *replace = mp_lane_find(pool, s, info->nonce);
    if (*replace != MP_NIL)
        return MEMPOOL_REJECT_NONE;
    if (s->count >= pool->config.sender_txs_max)
        return MEMPOOL_REJECT_SENDER_FULL;
    uint64_t low = info->nonce, high = info->nonce;
    if (s->nonce_known)
        low = s->nonce_next;
    if (s->count > 0) {
        const mp_tx *head = &pool->txs[s->head];
        /* Below a head already proposed: that nonce is taken or never will be. */
        if (!s->nonce_known && info->nonce < head->nonce && head->in_flight)
            return MEMPOOL_REJECT_NONCE_TOO_LOW;
        low = SEQ_MIN(low, head->nonce);
        high = SEQ_MAX(high, pool->txs[s->tail].nonce);
    }
    return high - low >= pool->config.nonce_window ? MEMPOOL_REJECT_NONCE_TOO_HIGH
                                                   : MEMPOOL_REJECT_NONE;
}

static mempool_reject mp_check_replace(const mempool *pool, uint32_t old,
                                       const mempool_tx_info *info, size_t raw_len)
{
    const mp_tx *t = &pool->txs[old];
    SEQ_ASSERT(t->used && t->nonce == info->nonce);
    if (t->in_flight)
        return MEMPOOL_REJECT_IN_FLIGHT;
    if (!mp_bumped(t->fee_cap, info->fee_cap) || !mp_bumped(t->tip, info->tip))
        return MEMPOOL_REJECT_UNDERPRICED;
    if (pool->bytes - t->raw_len + raw_len > pool->config.pool_bytes_max)
        return MEMPOOL_REJECT_POOL_FULL;
    return MEMPOOL_REJECT_NONE;
}

/* Evicts lane tails that rank below the new tx until it fits. A tail of
 * the new tx's own sender below its nonce is never taken (it would open a
 * gap under the new tx). */
static mempool_reject mp_make_room(mempool *pool, const mempool_tx_info *info, size_t raw_len,
                                   uint32_t *evicted)
{
    const mempool_config *c = &pool->config;
    SEQ_ASSERT(raw_len <= c->pool_bytes_max);
    while (pool->arrival.count >= c->pool_txs_max || pool->bytes + raw_len > c->pool_bytes_max) {
        if (pool->evict_count == 0)
            return MEMPOOL_REJECT_POOL_FULL;
        uint32_t victim = pool->evict_heap[0];
        const mp_tx *t = &pool->txs[victim];
        /* The newcomer arrives last: it outranks only a lower tip. */
        bool outranks = c->policy == MEMPOOL_POLICY_PRIORITY && info->tip > t->tip;
        bool own_gap = info->kind != MEMPOOL_TX_OPAQUE && t->kind != MEMPOOL_TX_OPAQUE &&
                       seq_addr_equal(&t->sender, &info->sender) && t->nonce < info->nonce;
        if (!outranks || t->in_flight || own_gap)
            return MEMPOOL_REJECT_POOL_FULL;
        mp_remove(pool, victim);
        pool->counters.evicted++;
        (*evicted)++;
    }
    return MEMPOOL_REJECT_NONE;
}

/* The pool rules for a decoded tx; inserts it on success. */
static mempool_reject mp_admit(mempool *pool, mempool_add_result *res, const uint8_t *raw,
                               size_t raw_len, mempool_origin origin, uint64_t now_ms)
{
    const mempool_tx_info *info = &res->info;
    uint32_t replace = MP_NIL;
    mempool_reject r = MEMPOOL_REJECT_NONE;
    if (info->kind != MEMPOOL_TX_OPAQUE)
        r = mp_check_nonce(pool, info, &replace);
    if (r == MEMPOOL_REJECT_NONE && replace != MP_NIL)
        r = mp_check_replace(pool, replace, info, raw_len);
    if (r != MEMPOOL_REJECT_NONE)
        return r;
    if (replace != MP_NIL) {
        mp_remove(pool, replace);
        pool->counters.replaced++;
        res->replaced = true;
    } else {
        r = mp_make_room(pool, info, raw_len, &res->evicted_count);
        if (r != MEMPOOL_REJECT_NONE)
            return r;
    }
    mp_insert(pool, info, raw, raw_len, origin, now_ms);
    return MEMPOOL_REJECT_NONE;
}

mempool_reject mempool_add(mempool *pool, mempool_add_result *out, const uint8_t *raw,
                           size_t raw_len, mempool_origin origin, uint64_t now_ms)
{
    SEQ_ASSERT(pool != NULL);
    SEQ_ASSERT(raw != NULL || raw_len == 0);
    SEQ_ASSERT(origin == MEMPOOL_ORIGIN_CLIENT || origin == MEMPOOL_ORIGIN_PEER);
    mempool_add_result res = {0};
    mempool_reject r = MEMPOOL_REJECT_NONE;
    if (raw_len == 0)
        r = MEMPOOL_REJECT_EMPTY;
    else if (raw_len > pool->config.tx_bytes_max)
        r = MEMPOOL_REJECT_TOO_LARGE;
    if (r == MEMPOOL_REJECT_NONE) {
        seq_hash hash;
        l1_keccak256(&hash, raw, raw_len);
        if (mp_tx_find(pool, &hash) != MP_NIL) {
            r = MEMPOOL_REJECT_ALREADY_KNOWN;
            res.info.hash = hash;
        } else {
            r = mempool_decode_unhashed(&res.info, pool->config.chain_id, raw, raw_len, NULL);
            res.info.hash = hash;
        }
    }
    if (r == MEMPOOL_REJECT_NONE)
        r = mp_admit(pool, &res, raw, raw_len, origin, now_ms);
    if (r == MEMPOOL_REJECT_NONE)
        pool->counters.admitted++;
    else
        pool->counters.rejected[r]++;
    if (out != NULL)
        *out = res;
    return r;
}

mempool_reject mempool_add_decoded(mempool *pool, mempool_add_result *out, const uint8_t *raw,
                                   size_t raw_len, const mempool_tx_info *info,
                                   mempool_origin origin, uint64_t now_ms)
{
    SEQ_ASSERT(pool != NULL && info != NULL);
    SEQ_ASSERT(raw != NULL || raw_len == 0);
    SEQ_ASSERT(origin == MEMPOOL_ORIGIN_CLIENT || origin == MEMPOOL_ORIGIN_PEER);
    SEQ_ASSERT(info->kind >= MEMPOOL_TX_LEGACY && info->kind <= MEMPOOL_TX_OPAQUE);
    mempool_add_result res = {.info = *info};
    mempool_reject r = MEMPOOL_REJECT_NONE;
    if (raw_len == 0)
        r = MEMPOOL_REJECT_EMPTY;
    else if (raw_len > pool->config.tx_bytes_max)
        r = MEMPOOL_REJECT_TOO_LARGE;
    else if (info->kind != MEMPOOL_TX_OPAQUE && info->chain_id != pool->config.chain_id)
        r = MEMPOOL_REJECT_CHAIN_ID;
    else if (mp_tx_find(pool, &info->hash) != MP_NIL)
        r = MEMPOOL_REJECT_ALREADY_KNOWN;
    else
        r = mp_admit(pool, &res, raw, raw_len, origin, now_ms);
    if (r == MEMPOOL_REJECT_NONE)
        pool->counters.admitted++;
    else
        pool->counters.rejected[r]++;
    if (out != NULL)
        *out = res;
    return r;
}
