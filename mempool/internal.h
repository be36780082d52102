/* internal.h — shared between the files of mempool/ only; never included
 * from another folder. The pool's tables, all sized once by mempool_new. */
#ifndef SEQ_MEMPOOL_INTERNAL_H
#define SEQ_MEMPOOL_INTERNAL_H

#include <stddef.h>

#include "mempool.h"

#define MP_NIL                  UINT32_MAX
#define MEMPOOL_TX_TYPE_EIP2930 0x01u
#define MEMPOOL_TX_TYPE_EIP1559 0x02u
/* Sender records: every pending tx may have its own sender, and as many
 * again are kept idle to remember committed nonces (so a replayed
 * committed tx is refused as "nonce too low"). */
#define MP_SENDERS_PER_TX 2u
/* Storage holds twice the pool bytes so compaction is amortised. */
#define MP_STORAGE_FACTOR 2u

_Static_assert((uint64_t)MEMPOOL_POOL_TXS_MAX *MP_SENDERS_PER_TX * 2u < MP_NIL,
               "indexes fit 32 bits with NIL to spare");

/* One pending tx. A slot is either free (linked through arrival_next) or
 * pending and then on the arrival list, in the hash index and in its lane
 * (or, opaque, a lane of its own). */
typedef struct {
    seq_hash hash;
    seq_addr sender; /* zero for opaque */
    uint64_t nonce;
    uint64_t fee_cap;
    uint64_t tip;
    uint64_t arrival; /* admission sequence number at this node */
    uint64_t admitted_ms;
    uint32_t raw_offset; /* into storage */
    uint32_t raw_len;
    uint32_t sender_index; /* MP_NIL for opaque */
    uint32_t lane_prev, lane_next;
    uint32_t arrival_prev, arrival_next;
    uint32_t gossip_prev, gossip_next;
    uint32_t heap_pos; /* in the eviction heap iff the tail of its lane, else MP_NIL */
    uint8_t kind;      /* mempool_tx_kind */
    bool used;
    bool in_flight;
    bool gossip_waiting;
} mp_tx;

/* A sender: active (count > 0), idle (count 0 but a committed nonce worth
 * remembering) or free. list_prev/next link it into the active or idle
 * list, or (free) the free list. */
typedef struct {
    seq_addr addr;
    uint64_t nonce_next;    /* valid iff nonce_known: one past the last committed nonce */
    uint64_t lane_since_ms; /* when the lane last went from empty to non-empty */
    uint32_t head, tail;    /* lane, lowest nonce first */
    uint32_t count;
    uint32_t list_prev, list_next;
    bool used;
    bool nonce_known;
} mp_sender;

typedef struct {
    uint32_t head, tail;
    uint32_t count;
} mp_list;

/* Where a list's links live inside its element type. */
typedef struct {
    size_t stride;
    size_t prev;
    size_t next;
} mp_links;

struct mempool {
    mempool_config config;
    mp_tx *txs; /* config.pool_txs_max slots */
    uint32_t tx_free;
    uint32_t *tx_index; /* open addressing, linear probing; MP_NIL empty */
    uint32_t tx_index_mask;
    mp_sender *senders;
    uint32_t senders_cap;
    uint32_t sender_free;
    uint32_t *sender_index;
    uint32_t sender_index_mask;
    mp_list active, idle;
    uint32_t *evict_heap; /* lane tails; root = the tx sequenced last */
    uint32_t evict_count;
    uint32_t *scratch; /* selection heap, pool_txs_max entries */
    uint8_t *storage;
    size_t storage_cap;
    size_t storage_tail;
    mp_list arrival; /* admission order = storage order */
    mp_list gossip;  /* waiting to be forwarded, oldest first */
    size_t gossip_bytes;
    size_t bytes;
    size_t in_flight;
    uint64_t version; /* mempool_version */
    uint64_t arrival_next;
    mempool_stats counters; /* the monotonic counters only */
};

extern const mp_links mp_arrival_links, mp_gossip_links, mp_sender_links;

void mp_list_push(mp_list *l, void *base, const mp_links *k, uint32_t i);
void mp_list_unlink(mp_list *l, void *base, const mp_links *k, uint32_t i);

/* Decodes without hashing (out->hash stays zero). sender NULL recovers the
 * sender; otherwise it is taken as given (mempool_tx_decode_trusted). */
SEQ_MUST_USE mempool_reject mempool_decode_unhashed(mempool_tx_info *out, uint64_t chain_id,
                                                    const uint8_t *raw, size_t raw_len,
                                                    const seq_addr *sender);

/* True iff a is sequenced before b under the pool's policy. */
bool mp_before(const mempool *pool, uint32_t a, uint32_t b);

typedef bool (*mp_less_fn)(const mempool *pool, uint32_t a, uint32_t b);
/* Binary heaps of slot ids; indexed heaps keep mp_tx.heap_pos current. */
void mp_heap_push(mempool *pool, uint32_t *heap, uint32_t *count, uint32_t slot, mp_less_fn less,
                  bool indexed);
uint32_t mp_heap_pop(mempool *pool, uint32_t *heap, uint32_t *count, mp_less_fn less, bool indexed);
void mp_heap_remove(mempool *pool, uint32_t *heap, uint32_t *count, uint32_t pos, mp_less_fn less,
                    bool indexed);
bool mp_evict_less(const mempool *pool, uint32_t a, uint32_t b);

/* The slot of a pending tx, or MP_NIL. */
uint32_t mp_tx_find(const mempool *pool, const seq_hash *hash);
/* Removes a pending tx from every structure and frees its slot. */
void mp_remove(mempool *pool, uint32_t slot);
/* The lowest nonce s's lane may start at; false if nothing fixes it. */
bool mp_sender_base(const mempool *pool, const mp_sender *s, uint64_t *base);

#endif /* SEQ_MEMPOOL_INTERNAL_H */
