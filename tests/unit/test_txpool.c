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

/* A payload for a block extending parent. */
static size_t payload_on(fixture *f, const seq_bytes **txs, const seq_hash *parent)
{
    mempool_caps caps = {.bytes_max = 1u << 20, .txs_max = 64};
    return node_txpool_payload(f->pool, txs, &caps, parent);
}

/* A payload for a block extending one the pool does not track (the
 * committed tip). */
static size_t payload(fixture *f, const seq_bytes **txs)
{
    static const seq_hash tip;
    return payload_on(f, txs, &tip);
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
    node_txpool_blocks_seen(f->pool, &x, 1);           /* again: ignored */
    assert_int_equal(payload_on(f, &txs, &x.hash), 1); /* on X: tx2 only */
    node_txpool_payload_dropped(f->pool);
    node_txpool_blocks_seen(f->pool, &y, 1);
    /* X and Y are siblings: a block on X may carry what only Y holds, and
     * the other way round; a block beside both (X's view failed) carries
     * everything. */
    assert_int_equal(payload_on(f, &txs, &x.hash), 1);
    assert_memory_equal(txs[0].ptr, f->tx[2].raw, f->tx[2].len);
    node_txpool_payload_dropped(f->pool);
    assert_int_equal(payload_on(f, &txs, &y.hash), 1);
    assert_memory_equal(txs[0].ptr, f->tx[0].raw, f->tx[0].len);
    node_txpool_payload_dropped(f->pool);
    assert_int_equal(payload(f, &txs), 3);
    node_txpool_payload_dropped(f->pool);
    assert_true(node_txpool_wants_block(f->pool, 1)); /* tracked blocks carry txs */
    node_txpool_stats st;
    node_txpool_get_stats(f->pool, &st);
    assert_int_equal(st.tracked_blocks, 2);
    assert_int_equal(st.tracked_txs, 3);

    /* X commits: tx0 and tx1 leave the pool, Y is abandoned and tx2,
     * which only Y held, may go into a block again. */
    node_txpool_committed(f->pool, &x);
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
    assert_int_equal(payload_on(f, &txs, &c.hash), 1); /* tx3 */
    assert_memory_equal(txs[0].ptr, f->tx[3].raw, f->tx[3].len);
    node_txpool_payload_dropped(f->pool);
    assert_int_equal(payload_on(f, &txs, &b.hash), 2); /* c failed: tx2 and tx3 */
    assert_memory_equal(txs[0].ptr, f->tx[2].raw, f->tx[2].len);
    /* Proposed: its block d (on b) is seen, and c stays another branch. */
    seq_bytes dt[2];
    const tx_buf *din[] = {&f->tx[2], &f->tx[3]};
    cons_block d = block_of(3, dt, din, 2);
    d.block.header.parent_hash = b.hash;
    d.block.header.view = 9;
    l1_block_hash(&d.hash, &d.block.header);
    node_txpool_blocks_seen(f->pool, &d, 1);
    assert_int_equal(payload_on(f, &txs, &d.hash), 0);
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
    cons_block z = block_of(5, zt, zin, 1);
    node_txpool_blocks_seen(f->pool, &z, 1);
    assert_int_equal(submit(f, &f->tx[5]), MEMPOOL_REJECT_NONE);
    assert_int_equal(submit(f, &f->tx[6]), MEMPOOL_REJECT_NONE);
    assert_int_equal(payload_on(f, &txs, &z.hash), 1); /* tx5 is in z: never twice */
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_submit_and_committed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gossip_with_senders, setup, teardown),
        cmocka_unit_test_setup_teardown(test_payload_tracking_and_forks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_payload_follows_branch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tx_after_its_block, setup, teardown),
        cmocka_unit_test_setup_teardown(test_committed_before_indexed, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
