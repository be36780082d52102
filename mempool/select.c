/* select.c — block payload selection, in-flight marks, commits, gossip
 * batching, statistics and the invariant checker. */
#include <string.h>

#include "internal.h"
#include "l1.h"

/* ------------------------------------------------------------- selection */

/* The first tx from lane position i on that can be sequenced next, given
 * that `expected` is the next nonce: in-flight txs count as sequenced, a
 * gap ends the lane. */
static uint32_t mp_lane_ready(const mempool *pool, uint32_t i, uint64_t expected)
{
    for (; i != MP_NIL; i = pool->txs[i].lane_next, expected++) {
        const mp_tx *t = &pool->txs[i];
        SEQ_ASSERT(t->used && t->kind != MEMPOOL_TX_OPAQUE);
        if (t->nonce != expected)
            return MP_NIL;
        if (!t->in_flight)
            return i;
    }
    return MP_NIL;
}

static void mp_mark(mempool *pool, uint32_t slot)
{
    SEQ_ASSERT(pool->txs[slot].used && !pool->txs[slot].in_flight);
    pool->txs[slot].in_flight = true;
    pool->in_flight++;
}

/* When s's lane may be selected: at once if its committed nonce is known,
 * else settle_ms after the lane filled (no overflow: both are bounded). */
static uint64_t mp_lane_settled_ms(const mempool *pool, const mp_sender *s)
{
    SEQ_ASSERT(s->used && s->count > 0);
    if (s->nonce_known || pool->config.settle_ms == 0)
        return 0;
    return s->lane_since_ms > UINT64_MAX - pool->config.settle_ms
               ? UINT64_MAX
               : s->lane_since_ms + pool->config.settle_ms;
}

/* Pushes the first ready tx of every settled lane (every opaque tx is a
 * lane). */
static void mp_select_seed(mempool *pool, uint32_t *heap_count, uint64_t now_ms)
{
    for (uint32_t i = pool->active.head; i != MP_NIL; i = pool->senders[i].list_next) {
        const mp_sender *s = &pool->senders[i];
        uint64_t base = 0;
        bool fixed = mp_sender_base(pool, s, &base);
        SEQ_ASSERT(fixed && s->count > 0);
        if (now_ms < mp_lane_settled_ms(pool, s))
            continue;
        uint32_t first = mp_lane_ready(pool, s->head, base);
        if (first != MP_NIL)
            mp_heap_push(pool, pool->scratch, heap_count, first, mp_before, false);
    }
    for (uint32_t i = pool->arrival.head; i != MP_NIL; i = pool->txs[i].arrival_next) {
        const mp_tx *t = &pool->txs[i];
        if (t->kind == MEMPOOL_TX_OPAQUE && !t->in_flight)
            mp_heap_push(pool, pool->scratch, heap_count, i, mp_before, false);
    }
}

static void mp_select_pool(mempool *pool, mempool_pick *out, size_t limit, size_t *n, size_t *bytes,
                           size_t bytes_max, uint64_t now_ms)
{
    SEQ_ASSERT(*n <= limit && *bytes <= bytes_max);
    uint32_t heap_count = 0;
    if (*n < limit)
        mp_select_seed(pool, &heap_count, now_ms);
    while (heap_count > 0 && *n < limit) {
        uint32_t slot = mp_heap_pop(pool, pool->scratch, &heap_count, mp_before, false);
        const mp_tx *t = &pool->txs[slot];
        if (t->raw_len > bytes_max - *bytes)
            continue; /* and its lane's later txs with it */
        out[*n] = (mempool_pick){.raw = {pool->storage + t->raw_offset, t->raw_len},
                                 .hash = t->hash,
                                 .sender = t->sender};
        (*n)++;
        *bytes += t->raw_len;
        mp_mark(pool, slot);
        if (t->kind == MEMPOOL_TX_OPAQUE)
            continue;
        uint32_t next = mp_lane_ready(pool, t->lane_next, t->nonce + 1);
        if (next != MP_NIL)
            mp_heap_push(pool, pool->scratch, &heap_count, next, mp_before, false);
    }
    SEQ_ASSERT(*bytes <= bytes_max);
}

seq_err mempool_select(mempool *pool, mempool_pick *out, size_t out_cap, size_t *out_count,
                       const mempool_caps *caps, const seq_bytes *forced, size_t forced_count,
                       uint64_t now_ms)
{
    SEQ_ASSERT(pool != NULL && out_count != NULL && caps != NULL);
    SEQ_ASSERT((out != NULL || out_cap == 0) && (forced != NULL || forced_count == 0));
    *out_count = 0;
    for (size_t f = 0; f < forced_count; f++)
        if (forced[f].ptr == NULL || forced[f].len == 0 || forced[f].len > MEMPOOL_TX_BYTES_MAX)
            return SEQ_ERR_INVALID_ARG;
    size_t limit = SEQ_MIN(out_cap, caps->txs_max), n = 0, bytes = 0;
    for (size_t f = 0; f < forced_count && n < limit; f++) {
        if (forced[f].len > caps->bytes_max - bytes)
            break; /* obligations go in order: the rest waits for the next block */
        out[n] = (mempool_pick){.raw = forced[f], .forced = true};
        l1_keccak256(&out[n].hash, forced[f].ptr, forced[f].len);
        uint32_t slot = mp_tx_find(pool, &out[n].hash);
        if (slot != MP_NIL && !pool->txs[slot].in_flight)
            mp_mark(pool, slot);
        n++;
        bytes += forced[f].len;
    }
    mp_select_pool(pool, out, limit, &n, &bytes, caps->bytes_max, now_ms);
    *out_count = n;
    return SEQ_OK;
}

size_t mempool_settling(const mempool *pool, uint64_t now_ms, uint64_t *deadline)
{
    SEQ_ASSERT(pool != NULL && deadline != NULL);
    *deadline = UINT64_MAX;
    size_t held = 0;
    if (pool->config.settle_ms == 0)
        return held;
    for (uint32_t i = pool->active.head; i != MP_NIL; i = pool->senders[i].list_next) {
        const mp_sender *s = &pool->senders[i];
        uint64_t at = mp_lane_settled_ms(pool, s);
        if (at <= now_ms)
            continue;
        *deadline = SEQ_MIN(*deadline, at);
        for (uint32_t t = s->head; t != MP_NIL; t = pool->txs[t].lane_next)
            held += !pool->txs[t].in_flight;
    }
    return held;
}

size_t mempool_mark_in_flight(mempool *pool, const seq_hash *hashes, size_t count)
{
    SEQ_ASSERT(pool != NULL);
    SEQ_ASSERT(hashes != NULL || count == 0);
    size_t marked = 0;
    for (size_t i = 0; i < count; i++) {
        uint32_t slot = mp_tx_find(pool, &hashes[i]);
        if (slot != MP_NIL && !pool->txs[slot].in_flight) {
            mp_mark(pool, slot);
            marked++;
        }
    }
    return marked;
}

size_t mempool_release(mempool *pool, const seq_hash *hashes, size_t count)
{
    SEQ_ASSERT(pool != NULL);
    SEQ_ASSERT(hashes != NULL || count == 0);
    size_t released = 0;
    for (size_t i = 0; i < count; i++) {
        uint32_t slot = mp_tx_find(pool, &hashes[i]);
        if (slot != MP_NIL && pool->txs[slot].in_flight) {
            pool->txs[slot].in_flight = false;
            pool->in_flight--;
            released++;
        }
    }
    pool->version += released > 0;
    return released;
}

void mempool_release_in_flight(mempool *pool)
{
    SEQ_ASSERT(pool != NULL);
    pool->version += pool->in_flight > 0;
    for (uint32_t i = pool->arrival.head; i != MP_NIL && pool->in_flight > 0;
         i = pool->txs[i].arrival_next) {
        if (pool->txs[i].in_flight) {
            pool->txs[i].in_flight = false;
            pool->in_flight--;
        }
    }
    SEQ_ASSERT(pool->in_flight == 0);
}

/* ---------------------------------------------------------------- commits */

/* Drops the txs of sender si below its committed nonce. */
static size_t mp_prune(mempool *pool, uint32_t si)
{
    const mp_sender *s = &pool->senders[si];
    SEQ_ASSERT(s->used && s->nonce_known);
    size_t removed = 0;
    while (s->count > 0 && pool->txs[s->head].nonce < s->nonce_next) {
        mp_remove(pool, s->head);
        removed++;
    }
    return removed;
}

size_t mempool_committed(mempool *pool, const seq_hash *hashes, size_t count)
{
    SEQ_ASSERT(pool != NULL);
    SEQ_ASSERT(hashes != NULL || count == 0);
    size_t removed = 0;
    for (size_t i = 0; i < count; i++) {
        uint32_t slot = mp_tx_find(pool, &hashes[i]);
        if (slot == MP_NIL)
            continue;
        uint32_t si = pool->txs[slot].sender_index;
        if (si != MP_NIL) { /* before the removal, so the record stays idle */
            mp_sender *s = &pool->senders[si];
            uint64_t next = pool->txs[slot].nonce + 1; /* nonce < 2^64 - 1 (decode) */
            if (!s->nonce_known || next > s->nonce_next)
                s->nonce_next = next;
            s->nonce_known = true;
        }
        mp_remove(pool, slot);
        pool->counters.committed++;
        removed++;
        if (si != MP_NIL)
            removed += mp_prune(pool, si);
    }
    return removed;
}

/* ----------------------------------------------------------------- gossip */

uint64_t mempool_gossip_deadline(const mempool *pool)
{
    SEQ_ASSERT(pool != NULL);
    if (pool->gossip.head == MP_NIL)
        return UINT64_MAX;
    uint64_t admitted = pool->txs[pool->gossip.head].admitted_ms;
    SEQ_ASSERT(pool->txs[pool->gossip.head].gossip_waiting);
    uint64_t delay = pool->config.gossip_delay_ms;
    return admitted > UINT64_MAX - delay ? UINT64_MAX : admitted + delay;
}

void mempool_gossip_take(mempool *pool, seq_bytes *out, seq_addr *senders, size_t *out_count,
                         size_t max_count, size_t max_bytes, uint64_t now_ms)
{
    SEQ_ASSERT(pool != NULL && out != NULL && out_count != NULL);
    SEQ_ASSERT(max_count >= 1 && max_bytes >= pool->config.tx_bytes_max);
    *out_count = 0;
    bool due = pool->gossip.count >= max_count || pool->gossip_bytes >= max_bytes ||
               (pool->gossip.count > 0 && now_ms >= mempool_gossip_deadline(pool));
    if (!due)
        return;
    size_t n = 0, bytes = 0;
    while (pool->gossip.head != MP_NIL && n < max_count) {
        uint32_t slot = pool->gossip.head;
        mp_tx *t = &pool->txs[slot];
        if (t->raw_len > max_bytes - bytes)
            break;
        if (senders != NULL)
            senders[n] = t->sender; /* zero for opaque payloads */
        out[n++] = (seq_bytes){pool->storage + t->raw_offset, t->raw_len};
        bytes += t->raw_len;
        mp_list_unlink(&pool->gossip, pool->txs, &mp_gossip_links, slot);
        t->gossip_waiting = false;
        pool->gossip_bytes -= t->raw_len;
    }
    SEQ_ASSERT(n >= 1);
    *out_count = n;
}

/* ------------------------------------------------------------------ stats */

uint64_t mempool_version(const mempool *pool)
{
    SEQ_ASSERT(pool != NULL);
    return pool->version;
}

void mempool_get_stats(const mempool *pool, mempool_stats *out)
{
    SEQ_ASSERT(pool != NULL && out != NULL);
    *out = pool->counters;
    out->txs = pool->arrival.count;
    out->bytes = pool->bytes;
    out->senders = pool->active.count;
    out->in_flight = pool->in_flight;
    out->gossip_waiting = pool->gossip.count;
    out->storage_used = pool->storage_tail;
    SEQ_ASSERT(out->bytes <= pool->config.pool_bytes_max);
}
