/* test_forced.c — forced inclusion on the node side (node/forced.c): the
 * origin and forced cursor a leader plans, the forced txs that open its
 * payload, and the rule validators check, against a real store holding
 * the L1 view (origins, queue entries, batches) and a real txpool. */
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

#include "l1.h"
#include "node.h"

#define CHAIN_ID  901u
#define DUE       4u /* due_blocks */
#define CAP_BYTES 4096u
#define CAP_TXS   16u

typedef struct {
    char dir[64];
    store *store;
    node_txpool *pool;
    node_forced *forced;
    uint64_t cursor;      /* the stored L1 cursor */
    uint64_t entries;     /* forced entries stored */
    uint64_t batches;     /* batches stored */
    seq_hash acc;         /* the queue's accumulator (any chain of values will do) */
    uint8_t txs[64][200]; /* the entries' txs */
    size_t lens[64];
    seq_bytes block_txs[64];
} fixture;

static seq_hash l1_hash(uint64_t number)
{
    seq_hash h;
    memset(h.b, 0x5a, sizeof h.b);
    memcpy(h.b, &number, sizeof number);
    return h;
}

static node_forced *forced_new(fixture *f, bool enabled, size_t cap_bytes)
{
    node_forced_config c = {.store = f->store,
                            .txpool = f->pool,
                            .enabled = enabled,
                            .due_blocks = DUE,
                            .chain_id = CHAIN_ID,
                            .caps = {.bytes_max = cap_bytes, .txs_max = CAP_TXS}};
    node_forced *out = NULL;
    assert_int_equal(node_forced_new(&out, &c), SEQ_OK);
    return out;
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    snprintf(f->dir, sizeof f->dir, "/tmp/seq-forced-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    seq_hash genesis = {{1}};
    assert_int_equal(store_open(&f->store, f->dir, &genesis, NULL), SEQ_OK);
    mempool_config c;
    mempool_config_default(&c, CHAIN_ID);
    assert_int_equal(node_txpool_new(&f->pool, &c, f->store, NULL, NULL), SEQ_OK);
    f->forced = forced_new(f, true, CAP_BYTES);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    node_forced_free(f->forced);
    node_txpool_free(f->pool);
    store_close(f->store);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    assert_int_equal(system(cmd), 0);
    free(f);
    return 0;
}

/* L1 moves to `to`: entries queued in it (their txs given), and every block
 * up to it verified as an origin. */
static void l1_advance(fixture *f, uint64_t to, const seq_bytes *txs, size_t n, uint64_t queued_at)
{
    store_l1_forced q[8];
    assert_true(n <= 8 && queued_at <= to);
    for (size_t i = 0; i < n; i++) {
        uint64_t index = f->entries + i;
        memcpy(f->txs[index], txs[i].ptr, txs[i].len);
        f->lens[index] = txs[i].len;
        q[i] = (store_l1_forced){.index = index,
                                 .l1_block = queued_at,
                                 .l1_timestamp = 1000 + queued_at,
                                 .tx = f->txs[index],
                                 .tx_len = txs[i].len,
                                 .l1_block_hash = l1_hash(queued_at)};
        l1_keccak256(&q[i].tx_hash, txs[i].ptr, txs[i].len);
        l1_keccak256(&f->acc, f->acc.b, sizeof f->acc.b);
        q[i].acc = f->acc;
    }
    store_l1_change c = {
        .forced = q, .forced_count = n, .cursor_number = to, .cursor_hash = l1_hash(to)};
    assert_int_equal(store_l1_apply(f->store, &c), SEQ_OK);
    f->entries += n;
    store_l1_origin o[STORE_L1_ORIGINS_PER_PUT_MAX];
    size_t count = 0;
    for (uint64_t b = f->cursor + 1; b <= to; b++)
        o[count++] = (store_l1_origin){.number = b, .hash = l1_hash(b), .timestamp = 1000 + b};
    if (count > 0)
        assert_int_equal(store_l1_origins_put(f->store, o, count, 0), SEQ_OK);
    f->cursor = to;
}

/* A batch seen in L1 block at, with forced cursor `cursor` (a forceAdvance
 * batch when heights are 0). */
static void l1_batch_at(fixture *f, uint64_t at, uint64_t cursor)
{
    store_l1_batch b = {.index = f->batches, .forced_cursor = cursor, .l1_block = at};
    b.l1_block_hash = l1_hash(at);
    store_l1_change c = {.batches = &b,
                         .batch_count = 1,
                         .cursor_number = f->cursor,
                         .cursor_hash = l1_hash(f->cursor)};
    assert_true(at <= f->cursor);
    assert_int_equal(store_l1_apply(f->store, &c), SEQ_OK);
    f->batches++;
}

static seq_bytes bytes_of(uint8_t *buf, size_t len, uint8_t fill)
{
    memset(buf, fill, len);
    return (seq_bytes){.ptr = buf, .len = len};
}

/* The genesis header the tests' blocks extend (origin 0, cursor 0). */
static const seq_hash GENESIS_HASH;
static seq_block_header genesis_header(void)
{
    return (seq_block_header){.l2_chain_id = CHAIN_ID};
}

/* A block at height 1 with this origin, cursor and txs. */
static cons_block block_of(fixture *f, uint64_t origin, uint64_t cursor, const seq_bytes *txs,
                           size_t n)
{
    for (size_t i = 0; i < n; i++)
        f->block_txs[i] = txs[i];
    cons_block b = {.block = {.tx_count = n, .txs = f->block_txs}};
    b.block.header = (seq_block_header){.l2_chain_id = CHAIN_ID,
                                        .height = 1,
                                        .view = 1,
                                        .l1_origin_number = origin,
                                        .l1_origin_hash = l1_hash(origin),
                                        .forced_cursor = cursor};
    l1_block_hash(&b.hash, &b.block.header);
    return b;
}

static seq_err check(fixture *f, const cons_block *b, const char **why)
{
    seq_block_header parent = genesis_header();
    return node_forced_check(f->forced, why, b, &parent, NULL, 0);
}

static node_forced_plan plan(fixture *f)
{
    seq_block_header parent = genesis_header();
    node_forced_plan p;
    node_forced_plan_block(f->forced, &p, &parent, &GENESIS_HASH);
    return p;
}

/* A chain without an Inbox: the origin and the cursor never move. */
static void test_disabled(void **state)
{
    fixture *f = *state;
    node_forced_free(f->forced);
    f->forced = forced_new(f, false, CAP_BYTES);
    uint8_t a[20];
    seq_bytes tx = bytes_of(a, sizeof a, 1);
    l1_advance(f, 10, &tx, 1, 5);
    node_forced_plan p = plan(f);
    assert_int_equal(p.origin_number, 0);
    assert_int_equal(p.forced_cursor, 0);
    assert_int_equal(p.tx_count, 0);
    const char *why = NULL;
    cons_block b = block_of(f, 0, 0, NULL, 0);
    b.block.header.l1_origin_hash = (seq_hash){{0}};
    assert_int_equal(check(f, &b, &why), SEQ_OK);
    b = block_of(f, 8, 0, NULL, 0);
    assert_int_equal(check(f, &b, &why), SEQ_ERR_INVALID_ARG);
    assert_string_equal(why, "l1_origin_moved");
}

/* The leader's origin trails the newest verified block by the lag; a
 * validator refuses an origin it does not know, a wrong hash, and one too
 * far below its newest block. */
static void test_origin(void **state)
{
    fixture *f = *state;
    l1_advance(f, 20, NULL, 0, 0);
    node_forced_plan p = plan(f);
    assert_int_equal(p.origin_number, 20 - NODE_FORCED_ORIGIN_LAG_BLOCKS);
    seq_hash want = l1_hash(18);
    assert_true(seq_hash_equal(&p.origin_hash, &want));
    assert_int_equal(p.forced_cursor, 0);
    const char *why = NULL;
    cons_block b = block_of(f, 18, 0, NULL, 0);
    assert_int_equal(check(f, &b, &why), SEQ_OK);
    b = block_of(f, 21, 0, NULL, 0);
    assert_int_equal(check(f, &b, &why), SEQ_ERR_NOT_FOUND);
    assert_string_equal(why, "l1_origin_unknown");
    b = block_of(f, 18, 0, NULL, 0);
    b.block.header.l1_origin_hash.b[31] ^= 1;
    assert_int_equal(check(f, &b, &why), SEQ_ERR_INVALID_ARG);
    assert_string_equal(why, "l1_origin_hash");
    /* The genesis origin is fine while L1 is young, stale once the
     * newest block is more than NODE_FORCED_ORIGIN_AGE_MAX_BLOCKS ahead. */
    b = block_of(f, 0, 0, NULL, 0);
    b.block.header.l1_origin_hash = (seq_hash){{0}};
    assert_int_equal(check(f, &b, &why), SEQ_OK);
    l1_advance(f, NODE_FORCED_ORIGIN_AGE_MAX_BLOCKS + 1, NULL, 0, 0);
    assert_int_equal(check(f, &b, &why), SEQ_ERR_INVALID_ARG);
    assert_string_equal(why, "l1_origin_stale");
    b = block_of(f, 1, 0, NULL, 0);
    assert_int_equal(check(f, &b, &why), SEQ_OK);
}

/* Entries queued by the origin open the payload in queue order, at once
 * (not only when due); those queued after it wait. A validator refuses a
 * block that leaves a copy out, reorders, or consumes past the origin. */
static void test_plan_and_check(void **state)
{
    fixture *f = *state;
    uint8_t a[30], b2[40], c3[50];
    seq_bytes q[2] = {bytes_of(a, sizeof a, 1), bytes_of(b2, sizeof b2, 2)};
    l1_advance(f, 10, q, 2, 9);
    seq_bytes late = bytes_of(c3, sizeof c3, 3);
    l1_advance(f, 14, &late, 1, 14); /* after the origin (12) */
    node_forced_plan p = plan(f);
    assert_int_equal(p.origin_number, 12);
    assert_int_equal(p.forced_cursor, 2);
    assert_int_equal(p.tx_count, 2);
    assert_false(p.forced_only);
    assert_memory_equal(p.txs[0].ptr, a, sizeof a);
    assert_memory_equal(p.txs[1].ptr, b2, sizeof b2);
    const char *why = NULL;
    uint8_t other[16];
    seq_bytes txs[3] = {q[0], q[1], bytes_of(other, sizeof other, 9)};
    cons_block blk = block_of(f, 12, 2, txs, 3); /* a pool tx after them is fine */
    assert_int_equal(check(f, &blk, &why), SEQ_OK);
    /* Not due yet at origin 12 (queued at 9, due at 13): leaving both is fine. */
    blk = block_of(f, 12, 0, txs + 2, 1);
    assert_int_equal(check(f, &blk, &why), SEQ_OK);
    /* Consuming one and leaving one: fine while neither is due. */
    blk = block_of(f, 12, 1, txs, 1);
    assert_int_equal(check(f, &blk, &why), SEQ_OK);
    seq_bytes swapped[2] = {q[1], q[0]};
    blk = block_of(f, 12, 2, swapped, 2);
    assert_int_equal(check(f, &blk, &why), SEQ_ERR_INVALID_ARG);
    assert_string_equal(why, "forced_tx_missing");
    blk = block_of(f, 12, 2, txs, 1);
    assert_int_equal(check(f, &blk, &why), SEQ_ERR_INVALID_ARG);
    assert_string_equal(why, "forced_tx_missing");
    seq_bytes three[3] = {q[0], q[1], late};
    blk = block_of(f, 12, 3, three, 3);
    assert_int_equal(check(f, &blk, &why), SEQ_ERR_INVALID_ARG);
    assert_string_equal(why, "forced_cursor_ahead");
    /* At origin 13 both are due: a block without them is refused. */
    blk = block_of(f, 13, 0, txs + 2, 1);
    assert_int_equal(check(f, &blk, &why), SEQ_ERR_INVALID_ARG);
    assert_string_equal(why, "forced_tx_due");
    blk = block_of(f, 13, 1, txs, 1);
    assert_int_equal(check(f, &blk, &why), SEQ_ERR_INVALID_ARG);
    assert_string_equal(why, "forced_tx_due");
    blk = block_of(f, 13, 2, txs, 2);
    assert_int_equal(check(f, &blk, &why), SEQ_OK);
}

/* An entry whose tx is ordered already (here: an earlier entry with the
 * same tx) or can never fit a block is consumed without a copy, by the
 * leader and the validators alike. */
static void test_consumed_without_copy(void **state)
{
    fixture *f = *state;
    node_forced_free(f->forced);
    f->forced = forced_new(f, true, 100); /* a block holds 100 bytes */
    uint8_t a[30], big[150], c3[20];
    seq_bytes q[4] = {bytes_of(a, sizeof a, 1), bytes_of(a, sizeof a, 1),
                      bytes_of(big, sizeof big, 2), bytes_of(c3, sizeof c3, 3)};
    l1_advance(f, 10, q, 4, 5);
    node_forced_plan p = plan(f);
    assert_int_equal(p.forced_cursor, 4);
    assert_int_equal(p.tx_count, 2);
    assert_memory_equal(p.txs[0].ptr, a, sizeof a);
    assert_memory_equal(p.txs[1].ptr, c3, sizeof c3);
    const char *why = NULL;
    seq_bytes txs[2] = {q[0], q[3]};
    cons_block blk = block_of(f, 8, 4, txs, 2);
    assert_int_equal(check(f, &blk, &why), SEQ_OK);
    seq_bytes twice[3] = {q[0], q[0], q[3]};
    blk = block_of(f, 8, 4, twice, 3);
    assert_int_equal(check(f, &blk, &why), SEQ_ERR_INVALID_ARG);
    assert_string_equal(why, "forced_tx_missing");
}

/* Entries L1 consumed by the origin (a forceAdvance) are never copied:
 * the block starts after them, and may not stay behind them. */
static void test_l1_floor(void **state)
{
    fixture *f = *state;
    uint8_t a[30], b2[30], c3[30];
    seq_bytes q[3] = {bytes_of(a, sizeof a, 1), bytes_of(b2, sizeof b2, 2),
                      bytes_of(c3, sizeof c3, 3)};
    l1_advance(f, 10, q, 3, 3);
    l1_batch_at(f, 9, 2); /* forceAdvance: entries 0 and 1 */
    /* Origin 8 is before the forceAdvance (block 9): all three are copied. */
    node_forced_plan p = plan(f);
    assert_int_equal(p.origin_number, 8);
    assert_int_equal(p.forced_cursor, 3);
    assert_int_equal(p.tx_count, 3);
    const char *why = NULL;
    cons_block blk = block_of(f, 8, 3, q, 3);
    assert_int_equal(check(f, &blk, &why), SEQ_OK);
    /* From origin 9 on, L1 has consumed 0 and 1. */
    l1_advance(f, 11, NULL, 0, 0);
    p = plan(f);
    assert_int_equal(p.origin_number, 9);
    assert_int_equal(p.forced_cursor, 3);
    assert_int_equal(p.tx_count, 1);
    blk = block_of(f, 9, 3, q + 2, 1);
    assert_int_equal(check(f, &blk, &why), SEQ_OK);
    blk = block_of(f, 9, 1, q, 1);
    assert_int_equal(check(f, &blk, &why), SEQ_ERR_INVALID_ARG);
    assert_string_equal(why, "forced_cursor_behind_l1");
}

/* Due entries that do not fit one block: the block carries forced txs
 * only, and the next one takes the rest. */
static void test_full_block(void **state)
{
    fixture *f = *state;
    node_forced_free(f->forced);
    f->forced = forced_new(f, true, 100);
    uint8_t a[40], b2[40], c3[40];
    seq_bytes q[3] = {bytes_of(a, sizeof a, 1), bytes_of(b2, sizeof b2, 2),
                      bytes_of(c3, sizeof c3, 3)};
    l1_advance(f, 20, q, 3, 2);
    node_forced_plan p = plan(f);
    assert_int_equal(p.forced_cursor, 2);
    assert_int_equal(p.tx_count, 2);
    assert_true(p.forced_only);
    const char *why = NULL;
    cons_block blk = block_of(f, 18, 2, q, 2);
    assert_int_equal(check(f, &blk, &why), SEQ_OK);
    uint8_t other[10];
    seq_bytes more[3] = {q[0], q[1], bytes_of(other, sizeof other, 9)};
    blk = block_of(f, 18, 2, more, 3);
    assert_int_equal(check(f, &blk, &why), SEQ_ERR_INVALID_ARG);
    assert_string_equal(why, "forced_tx_due");
    blk = block_of(f, 18, 1, q, 1);
    assert_int_equal(check(f, &blk, &why), SEQ_ERR_INVALID_ARG);
    assert_string_equal(why, "forced_tx_due");
}

/* Test mode: a censoring leader leaves a censored sender's forced tx out
 * until it is due, then must carry it. */
static void test_censor(void **state)
{
    fixture *f = *state;
    uint8_t key[32] = {0};
    key[31] = 7;
    l1_tx tx = {.chain_id = CHAIN_ID,
                .max_priority_fee_per_gas = 1,
                .max_fee_per_gas = 2,
                .gas_limit = 21000,
                .has_to = true};
    uint8_t raw[200];
    size_t len = 0;
    seq_hash hash;
    assert_int_equal(l1_tx_sign(raw, sizeof raw, &len, &hash, key, &tx), SEQ_OK);
    seq_addr sender;
    assert_int_equal(l1_secp_address(&sender, key), SEQ_OK);
    node_txpool_set_censor(f->pool, &sender, 1);
    uint8_t a[30];
    seq_bytes q[2] = {bytes_of(a, sizeof a, 1), {.ptr = raw, .len = len}};
    l1_advance(f, 12, q, 2, 10); /* due at 14 */
    node_forced_plan p = plan(f);
    assert_int_equal(p.origin_number, 10);
    assert_int_equal(p.forced_cursor, 1);
    assert_int_equal(p.tx_count, 1);
    l1_advance(f, 16, NULL, 0, 0);
    p = plan(f);
    assert_int_equal(p.origin_number, 14);
    assert_int_equal(p.forced_cursor, 2);
    assert_int_equal(p.tx_count, 2);
    assert_memory_equal(p.txs[1].ptr, raw, len);
    node_txpool_set_censor(f->pool, NULL, 0);
    assert_false(node_txpool_censors(f->pool, &sender));
}

/* Committed blocks: entries consumed, copies, and the soft latency of
 * each copy (block timestamp minus the entry's L1 timestamp). */
static void test_committed(void **state)
{
    fixture *f = *state;
    uint8_t a[30];
    seq_bytes q[2] = {bytes_of(a, sizeof a, 1), bytes_of(a, sizeof a, 1)};
    l1_advance(f, 10, q, 2, 4); /* L1 timestamp 1004 s */
    cons_block blk = block_of(f, 8, 2, q, 1);
    blk.block.header.timestamp_ms = 1006500;
    node_forced_committed(f->forced, &blk, 0);
    node_forced_stats st;
    node_forced_stats_get(f->forced, &st);
    assert_int_equal(st.consumed, 2);
    assert_int_equal(st.included, 1);
    assert_int_equal(st.last_cursor, 2);
    assert_int_equal(st.soft_lag.count, 1);
    assert_int_equal(st.soft_lag.sum_ms, 2500);
    /* A block that consumes nothing changes only the cursor. */
    blk = block_of(f, 8, 2, NULL, 0);
    node_forced_committed(f->forced, &blk, 2);
    node_forced_stats_get(f->forced, &st);
    assert_int_equal(st.consumed, 2);
}

/* The due delay: a quarter of the window, at least one block; the genesis' one
 * is its window's. */
static void test_due_blocks(void **state)
{
    (void)state;
    assert_int_equal(node_forced_due_blocks(32), 8);
    assert_int_equal(node_forced_due_blocks(35), 8);
    assert_int_equal(node_forced_due_blocks(4), 1);
    assert_int_equal(node_forced_due_blocks(3), 1);
    assert_int_equal(node_forced_due_blocks(1), 1);
    node_genesis *g = calloc(1, sizeof *g);
    assert_non_null(g);
    node_genesis_defaults(g);
    assert_int_equal(node_genesis_forced_due_blocks(g), NODE_GENESIS_INCLUSION_WINDOW_DEFAULT / 4);
    g->l1.inclusion_window_blocks = 7200;
    assert_int_equal(node_genesis_forced_due_blocks(g), 1800);
    free(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_due_blocks),
        cmocka_unit_test_setup_teardown(test_disabled, setup, teardown),
        cmocka_unit_test_setup_teardown(test_origin, setup, teardown),
        cmocka_unit_test_setup_teardown(test_plan_and_check, setup, teardown),
        cmocka_unit_test_setup_teardown(test_consumed_without_copy, setup, teardown),
        cmocka_unit_test_setup_teardown(test_l1_floor, setup, teardown),
        cmocka_unit_test_setup_teardown(test_full_block, setup, teardown),
        cmocka_unit_test_setup_teardown(test_censor, setup, teardown),
        cmocka_unit_test_setup_teardown(test_committed, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
