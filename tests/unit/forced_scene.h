/* forced_scene.h — a forced queue in a real store, for the tests of
 * seq_getForcedEntry / seq_getForcedQueue (test_api.c) and of seqctl
 * forced (test_ctl_forced.c): six entries, five committed blocks, three
 * L1 batches and the L1 origins 20..45. Include after <cmocka.h> and the
 * node's headers.
 *
 * L1 block n has timestamp FS_T0 + n (s) and hash fs_l1_hash(n). With a
 * window of 16 blocks (due after 4):
 *   entry  queued  tx                     L2 (height, tx)         L1 batch (block)
 *   0      10      E0                     2, copy at 2.0          0 (14; no origin)
 *   1      11      = block 1's pool tx    2, ordered at 1.0       0 (14)
 *   2      12      E2, never committed    3, no tx                1 (30; past 20)
 *   3      20      E3, never committed    4, no tx                2 forceAdvance (40; past 28)
 *   4      35      E4                     5, copy at 5.0          -
 *   5      36      E5                     -                       -
 * Blocks: 1 [P1] cursor 0, 2 [E0, P2] cursor 2, 3 [P3] cursor 3, 4 [P4]
 * cursor 4, 5 [E4] cursor 5; times FS_BLOCK_MS. The L1 cursor is 45. */
#ifndef SEQ_TEST_FORCED_SCENE_H
#define SEQ_TEST_FORCED_SCENE_H

#include <stdint.h>
#include <string.h>

#include "l1.h"
#include "node.h"

#define FS_T0         1700000000ull /* L1 block 0's time, s */
#define FS_WINDOW     16u           /* inclusion window, L1 blocks */
#define FS_DUE        4u            /* node_forced_due_blocks(FS_WINDOW) */
#define FS_ENTRIES    6u
#define FS_BLOCKS     5u
#define FS_BATCHES    3u
#define FS_L1_CURSOR  45u
#define FS_ORIGIN_LOW 20u /* origins FS_ORIGIN_LOW..FS_L1_CURSOR are stored */

/* Block h's time (ms): soft latencies 700 (entry 0), 0 (entry 1: the block
 * is before its L1 time), 3000, 21000 and 7000. */
static const uint64_t FS_BLOCK_MS[FS_BLOCKS] = {(FS_T0 + 9) * 1000, (FS_T0 + 10) * 1000 + 700,
                                                (FS_T0 + 12) * 1000 + 3000, (FS_T0 + 41) * 1000,
                                                (FS_T0 + 42) * 1000};
static const uint64_t FS_QUEUED_AT[FS_ENTRIES] = {10, 11, 12, 20, 35, 36};

typedef struct {
    uint8_t entry_tx[FS_ENTRIES][24];
    size_t entry_tx_len[FS_ENTRIES];
    uint8_t pool_tx[FS_BLOCKS][2];
    seq_bytes txs[FS_BLOCKS][2];
    cons_block blocks[FS_BLOCKS];
    store_l1_forced entries[FS_ENTRIES];
    store_l1_batch batches[FS_BATCHES];
} fs_scene;

static inline seq_hash fs_l1_hash(uint64_t number)
{
    seq_hash h;
    memset(h.b, 0x5a, sizeof h.b);
    memcpy(h.b, &number, sizeof number);
    return h;
}

static inline seq_bytes fs_bytes(const uint8_t *p, size_t len)
{
    return (seq_bytes){.ptr = p, .len = len};
}

/* The entries' txs: entry 1's is block 1's pool tx, the others 10 + 2i
 * bytes of 0xe0 + i. */
static inline void fs_entries_make(fs_scene *sc)
{
    for (size_t i = 0; i < FS_ENTRIES; i++) {
        store_l1_forced *e = &sc->entries[i];
        size_t len = i == 1 ? 2 : 10 + 2 * i;
        if (i == 1)
            memcpy(sc->entry_tx[i], sc->pool_tx[0], 2);
        else
            memset(sc->entry_tx[i], (int)(0xe0 + i), len);
        sc->entry_tx_len[i] = len;
        *e = (store_l1_forced){.index = i,
                               .l1_block = FS_QUEUED_AT[i],
                               .l1_timestamp = FS_T0 + FS_QUEUED_AT[i],
                               .l1_block_hash = fs_l1_hash(FS_QUEUED_AT[i]),
                               .tx = sc->entry_tx[i],
                               .tx_len = len};
        memset(e->sender.b, (int)(0xa0 + i), SEQ_ADDR_BYTES);
        memset(e->acc.b, (int)(0x70 + i), SEQ_HASH_BYTES);
        memset(e->l1_tx_hash.b, (int)(0x60 + i), SEQ_HASH_BYTES);
        l1_keccak256(&e->tx_hash, e->tx, len);
    }
}

/* Block h (1-based) with txs[0..n) and forced cursor cursor. */
static inline void fs_block_make(fs_scene *sc, uint64_t chain_id, size_t h, size_t n,
                                 uint64_t cursor, const seq_hash *parent)
{
    cons_block *b = &sc->blocks[h - 1];
    seq_hash hashes[2];
    for (size_t i = 0; i < n; i++)
        l1_keccak256(&hashes[i], sc->txs[h - 1][i].ptr, sc->txs[h - 1][i].len);
    b->block.header = (seq_block_header){.l2_chain_id = chain_id,
                                         .height = h,
                                         .view = h,
                                         .parent_hash = *parent,
                                         .forced_cursor = cursor,
                                         .timestamp_ms = FS_BLOCK_MS[h - 1]};
    l1_merkle_root(&b->block.header.tx_root, hashes, n);
    l1_block_hash(&b->hash, &b->block.header);
    b->block.tx_count = n;
    b->block.txs = sc->txs[h - 1];
}

static inline void fs_blocks_commit(fs_scene *sc, store *s, uint64_t chain_id)
{
    static const size_t cursors[FS_BLOCKS] = {0, 2, 3, 4, 5};
    for (size_t h = 1; h <= FS_BLOCKS; h++) {
        sc->pool_tx[h - 1][0] = 0xc1;
        sc->pool_tx[h - 1][1] = (uint8_t)h;
        sc->txs[h - 1][0] = fs_bytes(sc->pool_tx[h - 1], 2);
    }
    fs_entries_make(sc); /* entry 1's tx is pool tx 1 */
    sc->txs[1][0] = fs_bytes(sc->entry_tx[0], sc->entry_tx_len[0]);
    sc->txs[1][1] = fs_bytes(sc->pool_tx[1], 2);
    sc->txs[4][0] = fs_bytes(sc->entry_tx[4], sc->entry_tx_len[4]);
    seq_hash parent = {{0}};
    cons_block commits[FS_BLOCKS];
    for (size_t h = 1; h <= FS_BLOCKS; h++) {
        fs_block_make(sc, chain_id, h, h == 2 ? 2 : 1, cursors[h - 1], &parent);
        parent = sc->blocks[h - 1].hash;
        commits[h - 1] =
            (cons_block){.hash = parent, .block = {.header = sc->blocks[h - 1].block.header}};
    }
    cons_update u = {.block_count = FS_BLOCKS,
                     .blocks = sc->blocks,
                     .commit_count = FS_BLOCKS,
                     .commits = commits};
    assert_int_equal(store_apply(s, &u), SEQ_OK);
}

static inline store_l1_batch fs_batch(uint64_t index, uint64_t first, uint64_t last,
                                      uint64_t cursor, uint64_t l1_block)
{
    store_l1_batch b;
    memset(&b, 0, sizeof b);
    b.index = index;
    memset(b.batch_hash.b, (int)(0x10 + index), SEQ_HASH_BYTES);
    memset(b.data_hash.b, (int)(0x20 + index), SEQ_HASH_BYTES);
    b.first_height = first;
    b.last_height = last;
    b.forced_cursor = cursor;
    memset(b.poster.b, 0x44, SEQ_ADDR_BYTES);
    b.l1_block = l1_block;
    b.l1_block_hash = fs_l1_hash(l1_block);
    memset(b.l1_tx_hash.b, (int)(0x40 + index), SEQ_HASH_BYTES);
    return b;
}

/* The L1 side: entries, batches, cursor and origins. */
static inline void fs_l1_store(fs_scene *sc, store *s)
{
    sc->batches[0] = fs_batch(0, 1, 2, 2, 14);
    sc->batches[1] = fs_batch(1, 3, 3, 3, 30);
    sc->batches[2] = fs_batch(2, 0, 0, 4, 40); /* forceAdvance */
    store_l1_change c = {.batches = sc->batches,
                         .batch_count = FS_BATCHES,
                         .forced = sc->entries,
                         .forced_count = FS_ENTRIES,
                         .cursor_number = FS_L1_CURSOR,
                         .cursor_hash = fs_l1_hash(FS_L1_CURSOR)};
    assert_int_equal(store_l1_apply(s, &c), SEQ_OK);
    store_l1_origin o[FS_L1_CURSOR - FS_ORIGIN_LOW + 1];
    for (uint64_t n = FS_ORIGIN_LOW; n <= FS_L1_CURSOR; n++)
        o[n - FS_ORIGIN_LOW] =
            (store_l1_origin){.number = n, .hash = fs_l1_hash(n), .timestamp = FS_T0 + n};
    assert_int_equal(store_l1_origins_put(s, o, SEQ_ARRAY_LEN(o), 0), SEQ_OK);
}

/* The whole scene into s. */
static inline void fs_scene_store(fs_scene *sc, store *s, uint64_t chain_id)
{
    memset(sc, 0, sizeof *sc);
    fs_blocks_commit(sc, s, chain_id);
    fs_l1_store(sc, s);
}

#endif /* SEQ_TEST_FORCED_SCENE_H */
