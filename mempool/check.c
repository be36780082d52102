/* check.c — mempool_check: every invariant of the pool's tables, asserted.
 * For tests and the simulator; O(pool size). */
#include <string.h>

#include "internal.h"

typedef struct {
    size_t txs, bytes, in_flight, gossip, gossip_bytes, opaque, tails;
} mp_tally;

static void mp_check_tx(const mempool *pool, uint32_t i, mp_tally *n)
{
    const mp_tx *t = &pool->txs[i];
    SEQ_ASSERT(t->used && mp_tx_find(pool, &t->hash) == i);
    SEQ_ASSERT((size_t)t->raw_offset + t->raw_len <= pool->storage_tail);
    SEQ_ASSERT(t->raw_len >= 1 && t->raw_len <= pool->config.tx_bytes_max);
    bool opaque = t->kind == MEMPOOL_TX_OPAQUE;
    SEQ_ASSERT(opaque == (t->sender_index == MP_NIL));
    bool tail = opaque || pool->senders[t->sender_index].tail == i;
    SEQ_ASSERT(tail == (t->heap_pos != MP_NIL));
    if (tail)
        SEQ_ASSERT(t->heap_pos < pool->evict_count && pool->evict_heap[t->heap_pos] == i);
    n->txs++;
    n->bytes += t->raw_len;
    n->in_flight += t->in_flight;
    n->opaque += opaque;
    n->tails += tail;
    if (t->gossip_waiting) {
        n->gossip++;
        n->gossip_bytes += t->raw_len;
    }
}

/* Arrival order is storage order; every pending tx is indexed. */
static void mp_check_arrival(const mempool *pool, mp_tally *n)
{
    uint64_t arrival = 0;
    size_t end = 0;
    uint32_t prev = MP_NIL;
    for (uint32_t i = pool->arrival.head; i != MP_NIL; i = pool->txs[i].arrival_next) {
        const mp_tx *t = &pool->txs[i];
        SEQ_ASSERT(t->arrival_prev == prev && (prev == MP_NIL || t->arrival > arrival));
        SEQ_ASSERT(t->raw_offset >= end);
        arrival = t->arrival;
        end = (size_t)t->raw_offset + t->raw_len;
        prev = i;
        mp_check_tx(pool, i, n);
    }
    SEQ_ASSERT(prev == pool->arrival.tail && n->txs == pool->arrival.count);
    SEQ_ASSERT(n->bytes == pool->bytes && n->bytes <= pool->config.pool_bytes_max);
    SEQ_ASSERT(n->txs <= pool->config.pool_txs_max && n->in_flight == pool->in_flight);
    size_t indexed = 0;
    for (uint32_t p = 0; p <= pool->tx_index_mask; p++)
        indexed += pool->tx_index[p] != MP_NIL;
    SEQ_ASSERT(indexed == n->txs);
}

/* Lanes: strictly increasing nonces from the sender's base, inside the
 * nonce window, at most sender_txs_max long. */
static size_t mp_check_lane(const mempool *pool, uint32_t si)
{
    const mp_sender *s = &pool->senders[si];
    uint64_t base = 0;
    SEQ_ASSERT(s->used && s->count > 0 && mp_sender_base(pool, s, &base));
    SEQ_ASSERT(s->count <= pool->config.sender_txs_max);
    size_t count = 0;
    uint32_t prev = MP_NIL;
    for (uint32_t i = s->head; i != MP_NIL; i = pool->txs[i].lane_next) {
        const mp_tx *t = &pool->txs[i];
        SEQ_ASSERT(t->used && t->sender_index == si && t->lane_prev == prev);
        SEQ_ASSERT(seq_addr_equal(&t->sender, &s->addr));
        SEQ_ASSERT(t->nonce >= base && t->nonce - base < pool->config.nonce_window);
        SEQ_ASSERT(prev == MP_NIL || pool->txs[prev].nonce < t->nonce);
        prev = i;
        count++;
    }
    SEQ_ASSERT(prev == s->tail && count == s->count);
    return count;
}

static void mp_check_senders(const mempool *pool, const mp_tally *n)
{
    size_t signed_txs = 0, records = 0;
    for (uint32_t i = pool->active.head; i != MP_NIL; i = pool->senders[i].list_next) {
        signed_txs += mp_check_lane(pool, i);
        records++;
    }
    SEQ_ASSERT(records == pool->active.count && signed_txs + n->opaque == n->txs);
    for (uint32_t i = pool->idle.head; i != MP_NIL; i = pool->senders[i].list_next) {
        const mp_sender *s = &pool->senders[i];
        SEQ_ASSERT(s->used && s->count == 0 && s->nonce_known && s->head == MP_NIL);
        records++;
    }
    SEQ_ASSERT(records == pool->active.count + pool->idle.count);
    size_t indexed = 0;
    for (uint32_t p = 0; p <= pool->sender_index_mask; p++)
        indexed += pool->sender_index[p] != MP_NIL;
    SEQ_ASSERT(indexed == records);
}

static void mp_check_heap_and_gossip(const mempool *pool, const mp_tally *n)
{
    SEQ_ASSERT(pool->evict_count == n->tails && n->tails == pool->active.count + n->opaque);
    for (uint32_t i = 1; i < pool->evict_count; i++)
        SEQ_ASSERT(!mp_evict_less(pool, pool->evict_heap[i], pool->evict_heap[(i - 1) / 2]));
    SEQ_ASSERT(n->gossip == pool->gossip.count && n->gossip_bytes == pool->gossip_bytes);
    uint64_t admitted = 0;
    for (uint32_t i = pool->gossip.head; i != MP_NIL; i = pool->txs[i].gossip_next) {
        SEQ_ASSERT(pool->txs[i].gossip_waiting && pool->txs[i].arrival >= admitted);
        admitted = pool->txs[i].arrival;
    }
}

void mempool_check(const mempool *pool)
{
    SEQ_ASSERT(pool != NULL);
    SEQ_ASSERT(pool->storage_tail <= pool->storage_cap);
    mp_tally n;
    memset(&n, 0, sizeof n);
    mp_check_arrival(pool, &n);
    mp_check_senders(pool, &n);
    mp_check_heap_and_gossip(pool, &n);
}
