/* test_txpool.c — the node's tx pool: admission against the store's tx
 * index, gossip batches with senders, payloads, and the in-flight marks of
 * uncommitted blocks (tracked, released on a fork, removed on commit). */
/* cmocka needs these headers before its own, in this order. */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "l1.h"
#include "node.h"

#define CHAIN_ID 901u
#define TXS      8u

typedef struct {
    uint8_t raw[256];
    size_t len;
    seq_hash hash;
} tx_buf;

typedef struct {
    char dir[64];
    store *store;
    node_txpool *pool;
    unsigned wakes;
    tx_buf tx[TXS];
} fixture;

static void on_wake(void *ctx)
{
    ((fixture *)ctx)->wakes++;
}

static tx_buf opaque(uint8_t fill)
{
    uint8_t payload[40];
    memset(payload, fill, sizeof payload);
    tx_buf t;
    assert_int_equal(mempool_opaque_encode(t.raw, sizeof t.raw, &t.len, 7, payload, sizeof payload),
                     SEQ_OK);
    l1_keccak256(&t.hash, t.raw, t.len);
    return t;
}

static tx_buf signed_tx(uint8_t key_byte, uint64_t nonce, seq_addr *sender)
{
    uint8_t key[32] = {0};
    key[31] = key_byte;
    l1_tx tx = {.chain_id = CHAIN_ID,
                .nonce = nonce,
                .max_priority_fee_per_gas = 1,
                .max_fee_per_gas = 2,
                .gas_limit = 21000,
                .has_to = true};
    tx_buf t;
    assert_int_equal(l1_tx_sign(t.raw, sizeof t.raw, &t.len, &t.hash, key, &tx), SEQ_OK);
    if (sender != NULL)
        assert_int_equal(l1_secp_address(sender, key), SEQ_OK);
    return t;
}

static node_txpool *pool_new(fixture *f, bool wake)
{
    mempool_config c;
    mempool_config_default(&c, CHAIN_ID);
    c.pool_bytes_max = 1u << 20;
    c.pool_txs_max = 64;
    c.gossip_delay_ms = 5;
    c.hash_seed = 3;
    node_txpool *p = NULL;
    assert_int_equal(node_txpool_new(&p, &c, f->store, wake ? on_wake : NULL, f), SEQ_OK);
    return p;
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    snprintf(f->dir, sizeof f->dir, "/tmp/seq-txpool-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    seq_hash genesis = {{1}};
    assert_int_equal(store_open(&f->store, f->dir, &genesis, NULL), SEQ_OK);
    f->pool = pool_new(f, true);
    for (unsigned i = 0; i < TXS; i++)
        f->tx[i] = opaque((uint8_t)(i + 1));
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    node_txpool_free(f->pool);
    store_close(f->store);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    assert_int_equal(system(cmd), 0);
    free(f);
    return 0;
}

/* A block at height holding txs[0..count). */
static cons_block block_of(uint64_t height, seq_bytes *txs, const tx_buf *const *from, size_t count)
{
    for (size_t i = 0; i < count; i++)
        txs[i] = (seq_bytes){.ptr = from[i]->raw, .len = from[i]->len};
    cons_block b = {.block = {.tx_count = count, .txs = txs}};
    b.block.header = (seq_block_header){.l2_chain_id = CHAIN_ID, .height = height, .view = height};
    b.block.header.tx_root.b[0] = (uint8_t)height;
    l1_block_hash(&b.hash, &b.block.header);
    return b;
}

static mempool_reject submit(fixture *f, const tx_buf *t)
{
    return node_txpool_submit(f->pool, NULL, t->raw, t->len, 100);
}

/* A payload for a block extending parent (a block of the pool's tests,
 * at its height). */
static size_t payload_on(fixture *f, const seq_bytes **txs, const cons_block *parent)
{
    mempool_caps caps = {.bytes_max = 1u << 20, .txs_max = 64};
    return node_txpool_payload(f->pool, txs, &caps, &parent->hash, parent->block.header.height,
                               NULL, 0);
}

/* A payload for a block extending genesis (height 0; the tests' blocks at
 * height 1 name the zero hash as parent). */
/* A payload on genesis; node_txpool_payload_hashes has each tx's hash. */
static size_t payload(fixture *f, const seq_bytes **txs)
{
    static const seq_hash genesis;
    mempool_caps caps = {.bytes_max = 1u << 20, .txs_max = 64};
    size_t n = node_txpool_payload(f->pool, txs, &caps, &genesis, 0, NULL, 0);
    const seq_hash *hashes = node_txpool_payload_hashes(f->pool);
    for (size_t i = 0; i < n; i++) {
        seq_hash h;
        l1_keccak256(&h, (*txs)[i].ptr, (*txs)[i].len);
        assert_true(seq_hash_equal(&h, &hashes[i]));
    }
    return n;
}

static void test_submit_and_committed(void **state)
{
    fixture *f = *state;
    mempool_add_result res;
    assert_int_equal(node_txpool_submit(f->pool, &res, f->tx[0].raw, f->tx[0].len, 100),
                     MEMPOOL_REJECT_NONE);
    assert_true(seq_hash_equal(&res.info.hash, &f->tx[0].hash));
    assert_int_equal(f->wakes, 1);
    assert_true(node_txpool_contains(f->pool, &f->tx[0].hash));
    assert_int_equal(submit(f, &f->tx[0]), MEMPOOL_REJECT_ALREADY_KNOWN);
    assert_int_equal(node_txpool_submit(f->pool, NULL, f->tx[0].raw, 0, 100), MEMPOOL_REJECT_EMPTY);
    static uint8_t big[MEMPOOL_TX_BYTES_MAX + 1];
    big[0] = MEMPOOL_OPAQUE_TAG;
    assert_int_equal(node_txpool_submit(f->pool, NULL, big, sizeof big, 100),
                     MEMPOOL_REJECT_TOO_LARGE);
    uint8_t blob = 0x03;
    assert_int_equal(node_txpool_submit(f->pool, NULL, &blob, 1, 100), MEMPOOL_REJECT_TX_TYPE);
    assert_int_equal(f->wakes, 1); /* only admissions wake the loop */

    /* tx[1] is committed (in the store's tx index) without ever being in
     * this pool: refused, from a client and from a peer alike. */
    seq_bytes txs[1];
    const tx_buf *in[] = {&f->tx[1]};
    cons_block b = block_of(1, txs, in, 1);
    cons_block commit = {.hash = b.hash, .block = {.header = b.block.header}};
    cons_update u = {.block_count = 1, .blocks = &b, .commit_count = 1, .commits = &commit};
    assert_int_equal(store_apply(f->store, &u), SEQ_OK);
    assert_int_equal(submit(f, &f->tx[1]), MEMPOOL_REJECT_ALREADY_KNOWN);
    seq_bytes raw = {.ptr = f->tx[1].raw, .len = f->tx[1].len};
    wire_tx_batch batch = {.count = 1, .txs = &raw};
    assert_int_equal(node_txpool_receive(f->pool, &batch, 100), 0);

    node_txpool_stats st;
    node_txpool_get_stats(f->pool, &st);
    assert_int_equal(st.pool.txs, 1);
    assert_int_equal(st.pool.admitted, 1);
    assert_int_equal(st.pool.rejected[MEMPOOL_REJECT_ALREADY_KNOWN], 3);
    assert_int_equal(st.pool.rejected[MEMPOOL_REJECT_EMPTY], 1);
    assert_int_equal(st.pool.rejected[MEMPOOL_REJECT_TOO_LARGE], 1);
    assert_int_equal(st.received, 1);
}

static void test_gossip_with_senders(void **state)
{
    fixture *f = *state;
    seq_addr alice;
    tx_buf s0 = signed_tx(9, 0, &alice);
    assert_int_equal(submit(f, &s0), MEMPOOL_REJECT_NONE);
    assert_int_equal(submit(f, &f->tx[2]), MEMPOOL_REJECT_NONE);
    assert_int_equal(node_txpool_gossip_deadline(f->pool), 105);
    wire_tx_batch batch;
    assert_false(node_txpool_gossip(f->pool, &batch, 104));
    assert_true(node_txpool_gossip(f->pool, &batch, 105));
    assert_int_equal(batch.count, 2);
    assert_non_null(batch.senders);
    assert_true(seq_addr_equal(&batch.senders[0], &alice));
    assert_true(seq_addr_is_zero(&batch.senders[1]));
    assert_memory_equal(batch.txs[1].ptr, f->tx[2].raw, f->tx[2].len);
    assert_int_equal(node_txpool_gossip_deadline(f->pool), UINT64_MAX);

    /* A peer's pool takes the batch on the senders' word, once, and does
     * not forward it again. */
    node_txpool *peer = pool_new(f, false);
    assert_int_equal(node_txpool_receive(peer, &batch, 200), 2);
    assert_int_equal(node_txpool_receive(peer, &batch, 200), 0);
    assert_true(node_txpool_contains(peer, &s0.hash));
    assert_int_equal(node_txpool_gossip_deadline(peer), UINT64_MAX);
    /* Without senders the peer recovers them itself. */
    tx_buf s1 = signed_tx(9, 1, NULL);
    seq_bytes raw = {.ptr = s1.raw, .len = s1.len};
    wire_tx_batch bare = {.count = 1, .txs = &raw};
    assert_int_equal(node_txpool_receive(peer, &bare, 200), 1);
    /* A signed tx named with no sender is refused. */
    tx_buf s2 = signed_tx(9, 2, NULL);
    seq_addr none = {{0}};
    raw = (seq_bytes){.ptr = s2.raw, .len = s2.len};
    wire_tx_batch anonymous = {.count = 1, .txs = &raw, .senders = &none};
    assert_int_equal(node_txpool_receive(peer, &anonymous, 200), 0);
    node_txpool_stats st;
    node_txpool_get_stats(peer, &st);
    assert_int_equal(st.pool.txs, 3);
    assert_int_equal(st.received, 6);
    assert_int_equal(st.pool.rejected[MEMPOOL_REJECT_SIGNATURE], 1);
    node_txpool_free(peer);
}

static void test_payload_tracking_and_forks(void **state)
{
    fixture *f = *state;
    const seq_bytes *txs = NULL;
    assert_false(node_txpool_wants_block(f->pool, 0)); /* idle */
    for (unsigned i = 0; i < 3; i++)
        assert_int_equal(submit(f, &f->tx[i]), MEMPOOL_REJECT_NONE);
    assert_true(node_txpool_wants_block(f->pool, 0));
    assert_int_equal(payload(f, &txs), 3);
    assert_memory_equal(txs[0].ptr, f->tx[0].raw, f->tx[0].len);
    assert_false(node_txpool_wants_block(f->pool, 0)); /* all in flight, nothing tracked */
    node_txpool_payload_dropped(f->pool);              /* the core did not use it */
    assert_int_equal(payload(f, &txs), 3);
    node_txpool_payload_dropped(f->pool);
    assert_int_equal(payload(f, &txs), 3);
    node_txpool_payload_dropped(f->pool);

    /* Two competing blocks at height 1: X carries tx0 and tx1, Y tx1 and tx2. */
    seq_bytes xt[2], yt[2];
    const tx_buf *xin[] = {&f->tx[0], &f->tx[1]}, *yin[] = {&f->tx[1], &f->tx[2]};
    cons_block x = block_of(1, xt, xin, 2), y = block_of(1, yt, yin, 2);
    y.block.header.view = 2;
    l1_block_hash(&y.hash, &y.block.header);
    node_txpool_blocks_seen(f->pool, &x, 1);
    node_txpool_blocks_seen(f->pool, &x, 1);      /* again: ignored */
    assert_int_equal(payload_on(f, &txs, &x), 1); /* on X: tx2 only */
    node_txpool_payload_dropped(f->pool);
    node_txpool_blocks_seen(f->pool, &y, 1);
    /* X and Y are siblings: a block on X may carry what only Y holds, and
     * the other way round; a block beside both (X's view failed) carries
     * everything. */
    assert_int_equal(payload_on(f, &txs, &x), 1);
    assert_memory_equal(txs[0].ptr, f->tx[2].raw, f->tx[2].len);
    node_txpool_payload_dropped(f->pool);
    assert_int_equal(payload_on(f, &txs, &y), 1);
    assert_memory_equal(txs[0].ptr, f->tx[0].raw, f->tx[0].len);
    node_txpool_payload_dropped(f->pool);
    assert_int_equal(payload(f, &txs), 3);
    node_txpool_payload_dropped(f->pool);
    assert_true(node_txpool_wants_block(f->pool, 1)); /* tracked blocks carry txs */
    node_txpool_stats st;
    node_txpool_get_stats(f->pool, &st);
    assert_int_equal(st.tracked_blocks, 2);
    assert_int_equal(st.tracked_txs, 3);

    /* X commits, told by hash and height (the pool tracks X with its tx
     * hashes): tx0 and tx1 leave the pool, Y is abandoned and tx2, which
     * only Y held, may go into a block again. A block the pool does not
     * track (another hash, or the height does not match) is not taken. */
    size_t committed_txs = 99;
    seq_hash unknown = {{0xee}};
    assert_false(node_txpool_committed_tracked(f->pool, &committed_txs, &unknown, 1));
    assert_int_equal(committed_txs, 0);
    assert_false(node_txpool_committed_tracked(f->pool, &committed_txs, &x.hash, 2));
    assert_true(node_txpool_contains(f->pool, &f->tx[0].hash));
    assert_true(node_txpool_committed_tracked(f->pool, &committed_txs, &x.hash, 1));
    assert_int_equal(committed_txs, 2);
    assert_false(node_txpool_contains(f->pool, &f->tx[0].hash));
    assert_false(node_txpool_contains(f->pool, &f->tx[1].hash));
    node_txpool_get_stats(f->pool, &st);
    assert_int_equal(st.tracked_blocks, 0);
    assert_int_equal(st.tracked_txs, 0);
    assert_int_equal(st.pool.txs, 1);
    assert_int_equal(st.pool.in_flight, 0);
    /* The block after X's child carries the QC that commits X elsewhere. */
    assert_true(node_txpool_wants_block(f->pool, 2));
    assert_false(node_txpool_wants_block(f->pool, 3) && st.pool.txs == st.pool.in_flight);
    assert_int_equal(payload(f, &txs), 1);
    assert_memory_equal(txs[0].ptr, f->tx[2].raw, f->tx[2].len);
    node_txpool_payload_dropped(f->pool);
    /* Blocks at or below the committed height are not tracked. */
    node_txpool_blocks_seen(f->pool, &y, 1);
    node_txpool_get_stats(f->pool, &st);
    assert_int_equal(st.tracked_blocks, 0);
    /* An empty block is tracked and committed by hash the same way. */
    cons_block e = block_of(2, NULL, NULL, 0);
    e.block.header.parent_hash = x.hash;
    l1_block_hash(&e.hash, &e.block.header);
    node_txpool_blocks_seen(f->pool, &e, 1);
    node_txpool_get_stats(f->pool, &st);
    assert_int_equal(st.tracked_blocks, 1);
    assert_true(node_txpool_committed_tracked(f->pool, &committed_txs, &e.hash, 2));
    assert_int_equal(committed_txs, 0);
    node_txpool_get_stats(f->pool, &st);
    assert_int_equal(st.tracked_blocks, 0);
}

/* A chain of uncommitted blocks a <- b <- c: a block on c leaves out the
 * txs of all three; on b, those of a and b (c is another branch then); a
 * block whose view failed (the next leader was down) releases its txs for
 * the next leader at once, with no commit needed. */
static void test_payload_follows_branch(void **state)
{
    fixture *f = *state;
    const seq_bytes *txs = NULL;
    for (unsigned i = 0; i < 4; i++)
        assert_int_equal(submit(f, &f->tx[i]), MEMPOOL_REJECT_NONE);
    seq_bytes at[1], bt[1], ct[1];
    const tx_buf *ain[] = {&f->tx[0]}, *bin[] = {&f->tx[1]}, *cin[] = {&f->tx[2]};
    cons_block a = block_of(1, at, ain, 1), b = block_of(2, bt, bin, 1),
               c = block_of(3, ct, cin, 1);
    b.block.header.parent_hash = a.hash;
    l1_block_hash(&b.hash, &b.block.header);
    c.block.header.parent_hash = b.hash;
    l1_block_hash(&c.hash, &c.block.header);
    cons_block seen[3] = {a, b, c};
    node_txpool_blocks_seen(f->pool, seen, 3);
    assert_int_equal(payload_on(f, &txs, &c), 1); /* tx3 */
    assert_memory_equal(txs[0].ptr, f->tx[3].raw, f->tx[3].len);
    node_txpool_payload_dropped(f->pool);
    assert_int_equal(payload_on(f, &txs, &b), 2); /* c failed: tx2 and tx3 */
    assert_memory_equal(txs[0].ptr, f->tx[2].raw, f->tx[2].len);
    /* Proposed: its block d (on b) is seen, and c stays another branch. */
    seq_bytes dt[2];
    const tx_buf *din[] = {&f->tx[2], &f->tx[3]};
    cons_block d = block_of(3, dt, din, 2);
    d.block.header.parent_hash = b.hash;
    d.block.header.view = 9;
    l1_block_hash(&d.hash, &d.block.header);
    node_txpool_blocks_seen(f->pool, &d, 1);
    assert_int_equal(payload_on(f, &txs, &d), 0);
    node_txpool_payload_dropped(f->pool);
    node_txpool_stats st;
    node_txpool_get_stats(f->pool, &st);
    assert_int_equal(st.tracked_blocks, 4);
    /* d commits with a and b: everything left the pool, c is forgotten. */
    node_txpool_committed(f->pool, &a);
    node_txpool_committed(f->pool, &b);
    node_txpool_committed(f->pool, &d);
    node_txpool_get_stats(f->pool, &st);
    assert_int_equal(st.pool.txs, 0);
    assert_int_equal(st.tracked_blocks, 0);
}

static void test_tx_after_its_block(void **state)
{
    fixture *f = *state;
    const seq_bytes *txs = NULL;
    /* The block arrives before the gossip of its tx. */
    seq_bytes zt[1];
    const tx_buf *zin[] = {&f->tx[5]};
    cons_block z = block_of(1, zt, zin, 1);
    node_txpool_blocks_seen(f->pool, &z, 1);
    assert_int_equal(submit(f, &f->tx[5]), MEMPOOL_REJECT_NONE);
    assert_int_equal(submit(f, &f->tx[6]), MEMPOOL_REJECT_NONE);
    assert_int_equal(payload_on(f, &txs, &z), 1); /* tx5 is in z: never twice */
    assert_memory_equal(txs[0].ptr, f->tx[6].raw, f->tx[6].len);
    node_txpool_committed(f->pool, &z);
    assert_false(node_txpool_contains(f->pool, &f->tx[5].hash));
    assert_true(node_txpool_contains(f->pool, &f->tx[6].hash));
}

/* A hashes source for the test: the hashes of one block, by tx root. */
typedef struct {
    seq_hash root;
    size_t count;
    seq_hash hashes[TXS];
    unsigned calls, hits;
} hashes_source;

static bool hashes_from(void *ctx, seq_hash *out, const seq_block_header *header, size_t tx_count)
{
    hashes_source *h = ctx;
    h->calls++;
    if (tx_count != h->count || !seq_hash_equal(&header->tx_root, &h->root))
        return false;
    memcpy(out, h->hashes, tx_count * sizeof *out);
    h->hits++;
    return true;
}

/* A committed tx stays refused while the store's tx index has not written
 * it yet (it is held in memory until then), after the index caught up,
 * and after a restart; the block's hashes come from the hashes source,
 * not from hashing again. */
static void test_committed_before_indexed(void **state)
{
    fixture *f = *state;
    node_txpool_free(f->pool);
    store_close(f->store);
    seq_hash genesis = {{1}};
    store_options manual = {.tx_index_manual = true};
    assert_int_equal(store_open(&f->store, f->dir, &genesis, &manual), SEQ_OK);
    f->pool = pool_new(f, false);
    static hashes_source src;
    memset(&src, 0, sizeof src);
    node_txpool_set_tx_hashes(f->pool, hashes_from, &src);
    store_set_tx_hashes(f->store, hashes_from, &src);

    assert_int_equal(submit(f, &f->tx[2]), MEMPOOL_REJECT_NONE);
    assert_int_equal(submit(f, &f->tx[3]), MEMPOOL_REJECT_NONE);
    const seq_bytes *picked;
    assert_int_equal(payload(f, &picked), 2);
    seq_bytes txs[2];
    const tx_buf *in[] = {&f->tx[2], &f->tx[3]};
    cons_block b = block_of(1, txs, in, 2);
    src.root = b.block.header.tx_root;
    src.count = 2;
    src.hashes[0] = f->tx[2].hash;
    src.hashes[1] = f->tx[3].hash;
    node_txpool_blocks_seen(f->pool, &b, 1);
    assert_int_equal(src.hits, 1);

    cons_block commit = {.hash = b.hash, .block = {.header = b.block.header}};
    cons_update u = {.block_count = 1, .blocks = &b, .commit_count = 1, .commits = &commit};
    assert_int_equal(store_apply(f->store, &u), SEQ_OK);
    assert_int_equal(src.hits, 2); /* the store took them too */
    node_txpool_committed(f->pool, &b);
    assert_int_equal(src.calls, 2); /* the pool kept the tracked hashes */

    store_tx_index_stats ist;
    store_get_tx_index_stats(f->store, &ist);
    assert_int_equal(ist.pending_txs, 2);
    assert_int_equal(ist.indexed_height, 0);
    for (int phase = 0; phase < 3; phase++) {
        if (phase == 1) {
            assert_int_equal(store_tx_index_sync(f->store), SEQ_OK);
            store_get_tx_index_stats(f->store, &ist);
            assert_int_equal(ist.pending_txs, 0);
            assert_int_equal(ist.indexed_height, 1);
        } else if (phase == 2) { /* a restart with the indexer thread */
            node_txpool_free(f->pool);
            store_close(f->store);
            assert_int_equal(store_open(&f->store, f->dir, &genesis, NULL), SEQ_OK);
            f->pool = pool_new(f, false);
        }
        store_tx_location loc;
        assert_int_equal(store_get_tx(f->store, &loc, &f->tx[3].hash), SEQ_OK);
        assert_int_equal(loc.height, 1);
        assert_int_equal(loc.index, 1);
        assert_int_equal(submit(f, &f->tx[2]), MEMPOOL_REJECT_ALREADY_KNOWN);
        seq_bytes raw = {.ptr = f->tx[3].raw, .len = f->tx[3].len};
        wire_tx_batch batch = {.count = 1, .txs = &raw};
        assert_int_equal(node_txpool_receive(f->pool, &batch, 100), 0);
        assert_int_equal(payload(f, &picked), 0); /* nothing to order twice */
    }
}

/* ------------------------------------------------- no tx twice on a chain */

/* A block at height on parent (NULL: the zero hash, genesis here) in view. */
static cons_block chain_of(uint64_t height, uint64_t view, const cons_block *parent, seq_bytes *txs,
                           const tx_buf *const *from, size_t count)
{
    cons_block b = block_of(height, txs, from, count);
    b.block.header.view = view;
    if (parent != NULL)
        b.block.header.parent_hash = parent->hash;
    b.block.header.tx_root.b[1] = (uint8_t)view;
    l1_block_hash(&b.hash, &b.block.header);
    return b;
}

/* Stores blocks[0..count) and commits the first commit_count of them. */
static void store_blocks(fixture *f, const cons_block *blocks, size_t count, size_t commit_count)
{
    cons_update u = {.block_count = count,
                     .blocks = blocks,
                     .commit_count = commit_count,
                     .commits = commit_count > 0 ? blocks : NULL};
    assert_int_equal(store_apply(f->store, &u), SEQ_OK);
}

/* SEQ_ERR_EXISTS for tx because why, or the error. */
static void refused(fixture *f, const cons_block *b, const tx_buf *tx, const char *why)
{
    seq_hash bad;
    const char *what = NULL;
    assert_int_equal(node_txpool_check_block(f->pool, &bad, &what, b, NULL, 0), SEQ_ERR_EXISTS);
    assert_true(seq_hash_equal(&bad, &tx->hash));
    assert_string_equal(what, why);
}

static seq_err check(fixture *f, const cons_block *b)
{
    seq_hash bad;
    const char *what = NULL;
    seq_err err = node_txpool_check_block(f->pool, &bad, &what, b, NULL, 0);
    if (err != SEQ_ERR_EXISTS) {
        assert_true(seq_hash_is_zero(&bad));
        assert_null(what);
    }
    return err;
}

/* The validity rule: committed c1 (tx0) <- a (tx1) <- b (tx2), tracked;
 * s (tx3) on b is a sibling whose view failed. A block on b may not
 * repeat a tx of its own, nor tx0 (committed), nor tx1 or tx2 (its
 * branch), but may carry tx3 (s is another branch). */
static void test_check_block_rules(void **state)
{
    fixture *f = *state;
    seq_bytes t1[1], ta[1], tb[1], ts[1], tn[2];
    const tx_buf *in0[] = {&f->tx[0]}, *in1[] = {&f->tx[1]}, *in2[] = {&f->tx[2]},
                 *in3[] = {&f->tx[3]};
    cons_block c1 = chain_of(1, 1, NULL, t1, in0, 1);
    store_blocks(f, &c1, 1, 1);
    node_txpool_committed(f->pool, &c1);
    cons_block a = chain_of(2, 2, &c1, ta, in1, 1), b = chain_of(3, 3, &a, tb, in2, 1),
               s = chain_of(4, 4, &b, ts, in3, 1);
    cons_block seen[] = {a, b, s};
    node_txpool_blocks_seen(f->pool, seen, 3);

    const tx_buf *fresh[] = {&f->tx[3], &f->tx[4]};
    cons_block n = chain_of(4, 5, &b, tn, fresh, 2);
    assert_int_equal(check(f, &n), SEQ_OK);
    const tx_buf *twice[] = {&f->tx[4], &f->tx[4]};
    n = chain_of(4, 5, &b, tn, twice, 2);
    refused(f, &n, &f->tx[4], "repeated_in_block");
    const tx_buf *old[] = {&f->tx[4], &f->tx[0]};
    n = chain_of(4, 5, &b, tn, old, 2);
    refused(f, &n, &f->tx[0], "committed");
    const tx_buf *grand[] = {&f->tx[4], &f->tx[1]};
    n = chain_of(4, 5, &b, tn, grand, 2);
    refused(f, &n, &f->tx[1], "in_ancestor");
    const tx_buf *parent[] = {&f->tx[2], &f->tx[4]};
    n = chain_of(4, 5, &b, tn, parent, 2);
    refused(f, &n, &f->tx[2], "in_ancestor");
    /* On s, tx3 is on the branch; on the tip, a's and b's txs are not. */
    n = chain_of(5, 6, &s, tn, fresh, 2);
    refused(f, &n, &f->tx[3], "in_ancestor");
    const tx_buf *again[] = {&f->tx[1], &f->tx[2]};
    n = chain_of(2, 7, &c1, tn, again, 2);
    assert_int_equal(check(f, &n), SEQ_OK);

    /* An ancestor neither tracked nor stored (not synced yet): a block with
     * txs cannot be judged and is refused; an empty one is fine. */
    seq_bytes tg[1];
    cons_block ghost = chain_of(5, 8, &b, tg, in0, 0); /* never seen */
    n = chain_of(6, 9, &ghost, tn, fresh, 2);
    assert_int_equal(check(f, &n), SEQ_ERR_NOT_FOUND);
    n = chain_of(6, 9, &ghost, tn, fresh, 0);
    assert_int_equal(check(f, &n), SEQ_OK);
}

/* node_txpool_judge gives the rule's verdict per hash, as the leading txs
 * of a block on a branch; node_txpool_block_hashes the block's tx hashes. */
static void test_judge(void **state)
{
    fixture *f = *state;
    seq_bytes t1[1], ta[1];
    const tx_buf *in0[] = {&f->tx[0]}, *in1[] = {&f->tx[1]};
    cons_block c1 = chain_of(1, 1, NULL, t1, in0, 1);
    store_blocks(f, &c1, 1, 1);
    node_txpool_committed(f->pool, &c1);
    cons_block a = chain_of(2, 2, &c1, ta, in1, 1);
    node_txpool_blocks_seen(f->pool, &a, 1);
    seq_hash h[4] = {f->tx[2].hash, f->tx[0].hash, f->tx[1].hash, f->tx[2].hash};
    uint8_t v[4];
    assert_int_equal(node_txpool_judge(f->pool, v, h, 4, NULL, 0, &a.hash, 2), SEQ_OK);
    assert_int_equal(v[0], NODE_TX_FRESH);
    assert_int_equal(v[1], NODE_TX_COMMITTED);
    assert_int_equal(v[2], NODE_TX_IN_ANCESTOR);
    assert_int_equal(v[3], NODE_TX_REPEATED);
    /* On the committed tip, a's tx is fresh. */
    assert_int_equal(node_txpool_judge(f->pool, v, h + 2, 1, NULL, 0, &c1.hash, 1), SEQ_OK);
    assert_int_equal(v[0], NODE_TX_FRESH);
    /* An unknown parent: cannot tell. Nothing to judge: fine. */
    seq_hash ghost = {{0x77}};
    assert_int_equal(node_txpool_judge(f->pool, v, h, 1, NULL, 0, &ghost, 5), SEQ_ERR_NOT_FOUND);
    assert_int_equal(node_txpool_judge(f->pool, v, h, 0, NULL, 0, &ghost, 5), SEQ_OK);
    seq_hash got[1];
    node_txpool_block_hashes(f->pool, got, &a.block);
    assert_true(seq_hash_equal(&got[0], &f->tx[1].hash));
}

/* Forced txs open the payload in order, a pool copy of one is not picked
 * again, and a censored sender's pool txs stay out (test mode) until the
 * censorship ends. */
static void test_payload_forced_and_censor(void **state)
{
    fixture *f = *state;
    seq_addr s;
    tx_buf signed0 = signed_tx(5, 0, &s);
    assert_int_equal(submit(f, &signed0), MEMPOOL_REJECT_NONE);
    assert_int_equal(submit(f, &f->tx[0]), MEMPOOL_REJECT_NONE);
    assert_int_equal(submit(f, &f->tx[1]), MEMPOOL_REJECT_NONE);
    assert_int_equal(node_txpool_censor_count(f->pool), 0);
    node_txpool_set_censor(f->pool, &s, 1);
    assert_int_equal(node_txpool_censor_count(f->pool), 1);
    assert_true(node_txpool_censors(f->pool, &s));
    assert_false(node_txpool_censors(f->pool, &(seq_addr){{0}}));
    tx_buf forced_only = opaque(0x42);
    seq_bytes forced[2] = {{forced_only.raw, forced_only.len}, {f->tx[1].raw, f->tx[1].len}};
    static const seq_hash genesis;
    mempool_caps caps = {.bytes_max = 1u << 20, .txs_max = 64};
    const seq_bytes *txs = NULL;
    size_t n = node_txpool_payload(f->pool, &txs, &caps, &genesis, 0, forced, 2);
    assert_int_equal(n, 3);
    assert_memory_equal(txs[0].ptr, forced_only.raw, forced_only.len);
    assert_memory_equal(txs[1].ptr, f->tx[1].raw, f->tx[1].len);
    assert_memory_equal(txs[2].ptr, f->tx[0].raw, f->tx[0].len);
    node_txpool_payload_dropped(f->pool);
    node_txpool_set_censor(f->pool, NULL, 0);
    n = payload(f, &txs);
    assert_int_equal(n, 3);
    bool has_signed = false;
    for (size_t i = 0; i < n; i++)
        has_signed |=
            txs[i].len == signed0.len && memcmp(txs[i].ptr, signed0.raw, signed0.len) == 0;
    assert_true(has_signed);
}

/* A pending tx no payload picks (a nonce gap; a censored sender) makes
 * no hurry once a payload came out without it, until the pool changes. */
static void test_wants_block_unpickable(void **state)
{
    fixture *f = *state;
    seq_addr s;
    tx_buf first = signed_tx(6, 0, &s), later = signed_tx(6, 2, NULL); /* 1 is missing */
    assert_int_equal(submit(f, &first), MEMPOOL_REJECT_NONE);
    node_txpool_set_censor(f->pool, &s, 1);
    assert_true(node_txpool_wants_block(f->pool, 0));
    const seq_bytes *txs = NULL;
    assert_int_equal(payload(f, &txs), 0); /* censored */
    assert_false(node_txpool_wants_block(f->pool, 0));
    node_txpool_payload_dropped(f->pool);
    assert_false(node_txpool_wants_block(f->pool, 0));
    assert_int_equal(submit(f, &f->tx[0]), MEMPOOL_REJECT_NONE); /* the pool changed */
    assert_true(node_txpool_wants_block(f->pool, 0));
    assert_int_equal(payload(f, &txs), 1);
    node_txpool_payload_dropped(f->pool);
    node_txpool_set_censor(f->pool, NULL, 0);
    /* Not censored: nonce 0 goes out; with it in flight, nonce 2 waits
     * behind the gap and the next payload is empty. */
    assert_int_equal(submit(f, &later), MEMPOOL_REJECT_NONE);
    assert_int_equal(payload(f, &txs), 2); /* nonce 0 and the opaque tx */
    assert_int_equal(payload(f, &txs), 0);
    assert_false(node_txpool_wants_block(f->pool, 0));
}

/* Ancestors only the store holds (stored before a restart, not reported
 * to this fresh pool): read from the store, judged and tracked. */
static void test_check_block_stored_ancestor(void **state)
{
    fixture *f = *state;
    seq_bytes t1[1], t2[1], t3[1], tn[2];
    const tx_buf *in0[] = {&f->tx[0]}, *in1[] = {&f->tx[1]}, *in2[] = {&f->tx[2]};
    cons_block chain[3] = {chain_of(1, 1, NULL, t1, in0, 1)};
    chain[1] = chain_of(2, 2, &chain[0], t2, in1, 1);
    chain[2] = chain_of(3, 3, &chain[1], t3, in2, 1);
    store_blocks(f, chain, 3, 1); /* c1 committed, the others above it */
    const tx_buf *grand[] = {&f->tx[5], &f->tx[1]};
    cons_block n = chain_of(4, 4, &chain[2], tn, grand, 2);
    refused(f, &n, &f->tx[1], "in_ancestor");
    node_txpool_stats st;
    node_txpool_get_stats(f->pool, &st);
    assert_int_equal(st.tracked_blocks, 2); /* the walk tracked them */
    assert_int_equal(st.tracked_txs, 2);
    const tx_buf *fresh[] = {&f->tx[5], &f->tx[6]};
    n = chain_of(4, 4, &chain[2], tn, fresh, 2);
    assert_int_equal(check(f, &n), SEQ_OK);
    /* A parent beside the committed chain: not judged. */
    seq_bytes tx_[1];
    cons_block beside = chain_of(1, 9, NULL, tx_, in1, 0);
    store_blocks(f, &beside, 1, 0);
    n = chain_of(2, 10, &beside, tn, fresh, 2);
    assert_int_equal(check(f, &n), SEQ_ERR_NOT_FOUND);
}

/* A proposal whose ancestors a sync response brings is judged in the step
 * that inserts them, before they are stored or tracked: the caller vouches
 * for them, and they are judged like any ancestor (and not tracked). */
static void test_check_block_vouched(void **state)
{
    fixture *f = *state;
    seq_bytes t1[1], t2[1], t3[1], tn[2];
    const tx_buf *in0[] = {&f->tx[0]}, *in1[] = {&f->tx[1]}, *in2[] = {&f->tx[2]};
    cons_block c1 = chain_of(1, 1, NULL, t1, in0, 1);
    store_blocks(f, &c1, 1, 1);
    cons_block synced[2] = {chain_of(2, 2, &c1, t2, in1, 1)};
    synced[1] = chain_of(3, 3, &synced[0], t3, in2, 1);
    const tx_buf *grand[] = {&f->tx[5], &f->tx[1]}, *fresh[] = {&f->tx[5], &f->tx[6]};
    cons_block n = chain_of(4, 4, &synced[1], tn, grand, 2);
    seq_hash bad;
    const char *why = NULL;
    assert_int_equal(node_txpool_check_block(f->pool, &bad, &why, &n, NULL, 0), SEQ_ERR_NOT_FOUND);
    assert_int_equal(node_txpool_check_block(f->pool, &bad, &why, &n, synced, 1),
                     SEQ_ERR_NOT_FOUND); /* block 3 missing still */
    assert_int_equal(node_txpool_check_block(f->pool, &bad, &why, &n, synced, 2), SEQ_ERR_EXISTS);
    assert_true(seq_hash_equal(&bad, &f->tx[1].hash));
    assert_string_equal(why, "in_ancestor");
    n = chain_of(4, 4, &synced[1], tn, fresh, 2);
    assert_int_equal(node_txpool_check_block(f->pool, &bad, &why, &n, synced, 2), SEQ_OK);
    node_txpool_stats st;
    node_txpool_get_stats(f->pool, &st);
    assert_int_equal(st.tracked_blocks, 0); /* they come through blocks_seen */
}

/* The e2e finding (tests/e2e/test_batches.c): a validator restarts with
 * committed tip 2 and blocks 3 and 4 stored above it; gossip queued for
 * it while it was down brings the txs of those blocks again. Its payloads
 * leave them out; and while an ancestor has not been synced yet, its
 * payloads are empty. */
static void test_payload_after_restart(void **state)
{
    fixture *f = *state;
    seq_bytes bt[4][1];
    const tx_buf *in[4][1] = {{&f->tx[0]}, {&f->tx[1]}, {&f->tx[2]}, {&f->tx[3]}};
    cons_block chain[4];
    for (unsigned i = 0; i < 4; i++)
        chain[i] = chain_of(i + 1, i + 1, i > 0 ? &chain[i - 1] : NULL, bt[i], in[i], 1);
    store_blocks(f, chain, 4, 2);
    node_txpool_free(f->pool);
    store_close(f->store);
    seq_hash genesis = {{1}};
    assert_int_equal(store_open(&f->store, f->dir, &genesis, NULL), SEQ_OK);
    f->pool = pool_new(f, false);

    seq_bytes raw[5];
    for (unsigned i = 0; i < 5; i++)
        raw[i] = (seq_bytes){.ptr = f->tx[i].raw, .len = f->tx[i].len};
    wire_tx_batch batch = {.count = 5, .txs = raw};
    assert_int_equal(node_txpool_receive(f->pool, &batch, 100), 3); /* tx0, tx1 committed */
    const seq_bytes *txs = NULL;
    assert_int_equal(payload_on(f, &txs, &chain[3]), 1);
    assert_memory_equal(txs[0].ptr, f->tx[4].raw, f->tx[4].len);
    node_txpool_payload_dropped(f->pool);
    assert_int_equal(payload_on(f, &txs, &chain[2]), 2); /* block 4 is another branch then */
    node_txpool_payload_dropped(f->pool);
    node_txpool_stats st;
    node_txpool_get_stats(f->pool, &st);
    assert_int_equal(st.tracked_blocks, 2);
    assert_int_equal(st.pool.in_flight, 1); /* tx2, in block 3 */

    /* Block 6 arrived (certified, by sync) before block 5: a payload on it
     * could repeat what block 5 holds, so it is empty until 5 is known. */
    seq_bytes t5[1], t6[1];
    const tx_buf *in5[] = {&f->tx[5]};
    cons_block b5 = chain_of(5, 5, &chain[3], t5, in5, 1), b6 = chain_of(6, 6, &b5, t6, in5, 0);
    node_txpool_blocks_seen(f->pool, &b6, 1);
    assert_int_equal(submit(f, &f->tx[5]), MEMPOOL_REJECT_NONE);
    assert_int_equal(payload_on(f, &txs, &b6), 0);
    node_txpool_payload_dropped(f->pool);
    node_txpool_blocks_seen(f->pool, &b5, 1);
    assert_int_equal(payload_on(f, &txs, &b6), 1); /* tx4; tx5 is in block 5 */
    assert_memory_equal(txs[0].ptr, f->tx[4].raw, f->tx[4].len);
    node_txpool_payload_dropped(f->pool);
}

/* A pooled tx the store has committed without the pool being told (its
 * block could not be read back: node_txpool_commit_unread), and an
 * ancestor the pool has no room to track: neither tx is proposed; the
 * committed one leaves the pool, the other stays (released). Until the
 * pool is told it may be unsure, a pooled tx is not looked up in the
 * store: the rule takes it as fresh. */
static void test_payload_filter(void **state)
{
    fixture *f = *state;
    seq_bytes t1[1], t2[1], tg[1];
    const tx_buf *in0[] = {&f->tx[0]}, *in1[] = {&f->tx[1]};
    for (unsigned i = 0; i < 3; i++)
        assert_int_equal(submit(f, &f->tx[i]), MEMPOOL_REJECT_NONE);
    cons_block chain[2] = {chain_of(1, 1, NULL, t1, in0, 1)};
    chain[1] = chain_of(2, 2, &chain[0], t2, in1, 1);
    store_blocks(f, chain, 2, 1); /* tx0 committed, tx1 in block 2 */
    uint8_t v[1];
    assert_int_equal(node_txpool_judge(f->pool, v, &f->tx[0].hash, 1, NULL, 0, &chain[1].hash, 2),
                     SEQ_OK);
    assert_int_equal(v[0], NODE_TX_FRESH); /* pooled: trusted */
    node_txpool_commit_unread(f->pool, 1);
    assert_int_equal(node_txpool_judge(f->pool, v, &f->tx[0].hash, 1, NULL, 0, &chain[1].hash, 2),
                     SEQ_OK);
    assert_int_equal(v[0], NODE_TX_COMMITTED);
    /* Fill the tracked blocks with another branch, far above. */
    for (unsigned i = 0; i < NODE_TXPOOL_TRACKED_BLOCKS_MAX; i++) {
        cons_block g = chain_of(100 + i, 100 + i, NULL, tg, in0, 0);
        node_txpool_blocks_seen(f->pool, &g, 1);
    }
    const seq_bytes *txs = NULL;
    assert_int_equal(payload_on(f, &txs, &chain[1]), 1);
    assert_memory_equal(txs[0].ptr, f->tx[2].raw, f->tx[2].len);
    node_txpool_payload_dropped(f->pool);
    assert_false(node_txpool_contains(f->pool, &f->tx[0].hash));
    assert_true(node_txpool_contains(f->pool, &f->tx[1].hash));
    node_txpool_stats st;
    node_txpool_get_stats(f->pool, &st);
    assert_int_equal(st.pool.in_flight, 0);
    assert_int_equal(st.tracked_blocks, NODE_TXPOOL_TRACKED_BLOCKS_MAX);
    /* The untracked ancestor still counts for the validity rule. */
    seq_bytes tn[1];
    cons_block n = chain_of(3, 3, &chain[1], tn, in1, 1);
    refused(f, &n, &f->tx[1], "in_ancestor");
}

/* A block of 4096 txs on two uncommitted ancestors of 4096 txs each: a
 * repeat is found wherever it sits. (Its cost is measured apart, never
 * asserted.) */
static void test_check_block_large(void **state)
{
    fixture *f = *state;
    enum { N = 4096 };
    static uint8_t raw[3][N][16];
    static seq_bytes txs[3][N];
    for (unsigned b = 0; b < 3; b++) {
        for (unsigned i = 0; i < N; i++) {
            memset(raw[b][i], 0, sizeof raw[b][i]);
            raw[b][i][0] = MEMPOOL_OPAQUE_TAG;
            raw[b][i][9] = (uint8_t)b;
            memcpy(&raw[b][i][10], &i, sizeof i);
            txs[b][i] = (seq_bytes){.ptr = raw[b][i], .len = sizeof raw[b][i]};
        }
    }
    cons_block chain[3];
    for (unsigned b = 0; b < 3; b++) {
        chain[b] = (cons_block){.block = {.tx_count = N, .txs = txs[b]}};
        chain[b].block.header =
            (seq_block_header){.l2_chain_id = CHAIN_ID, .height = b + 1, .view = b + 1};
        if (b > 0)
            chain[b].block.header.parent_hash = chain[b - 1].hash;
        l1_block_hash(&chain[b].hash, &chain[b].block.header);
    }
    node_txpool_blocks_seen(f->pool, chain, 2);
    assert_int_equal(check(f, &chain[2]), SEQ_OK);
    memcpy(raw[2][N - 1], raw[0][N / 2], sizeof raw[2][N - 1]);
    seq_hash bad;
    const char *why = NULL;
    assert_int_equal(node_txpool_check_block(f->pool, &bad, &why, &chain[2], NULL, 0),
                     SEQ_ERR_EXISTS);
    assert_string_equal(why, "in_ancestor");
    memcpy(raw[2][N - 1], raw[2][0], sizeof raw[2][N - 1]);
    assert_int_equal(node_txpool_check_block(f->pool, &bad, &why, &chain[2], NULL, 0),
                     SEQ_ERR_EXISTS);
    assert_string_equal(why, "repeated_in_block");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_submit_and_committed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_judge, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wants_block_unpickable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_payload_forced_and_censor, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gossip_with_senders, setup, teardown),
        cmocka_unit_test_setup_teardown(test_payload_tracking_and_forks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_payload_follows_branch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tx_after_its_block, setup, teardown),
        cmocka_unit_test_setup_teardown(test_committed_before_indexed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_check_block_rules, setup, teardown),
        cmocka_unit_test_setup_teardown(test_check_block_stored_ancestor, setup, teardown),
        cmocka_unit_test_setup_teardown(test_check_block_vouched, setup, teardown),
        cmocka_unit_test_setup_teardown(test_payload_after_restart, setup, teardown),
        cmocka_unit_test_setup_teardown(test_payload_filter, setup, teardown),
        cmocka_unit_test_setup_teardown(test_check_block_large, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
