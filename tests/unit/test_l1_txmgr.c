/* test_l1_txmgr.c — the transaction manager against a private anvil with
 * automine off: blocks are mined by the test (evm_mine, anvil_mine), time
 * is the test's own now_ms. Each test uses a fresh store directory under a
 * temporary root removed at the end. */
/* cmocka needs these headers before its own, in this order. */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include <inttypes.h>
#include <lmdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "anvil.h"
#include "clock.h"
#include "l1.h"

#define ANVIL_CHAIN_ID  31337u
#define ANVIL_KEY_0_HEX "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"
#define RESUBMIT_MS     1000u
#define CONFIRM_DEPTH   3u
#define TRANSFER_GAS    21000u
#define PATH_BYTES      256u
#define RESTART_TXS     5u

static struct {
    test_anvil node;
    l1_rpc *c;
    uint8_t key[32];
    seq_addr dev;
    char root[64];
    int dirs;
} fx;

#define EXPECT_OK(call) TEST_L1_OK(fx.c, call)

static void anvil_stop(void)
{
    test_anvil_stop(&fx.node);
}

static void call(const char *method, const char *params)
{
    char *result = NULL;
    EXPECT_OK(l1_rpc_call(fx.c, &result, method, params));
    free(result);
}

static void automine(bool on)
{
    call("evm_setAutomine", on ? "[true]" : "[false]");
}

static void mine(unsigned int blocks)
{
    char params[32];
    snprintf(params, sizeof params, "[\"0x%x\"]", blocks);
    call("anvil_mine", params);
}

/* A fresh store directory path (not created: the manager creates it). */
static void dir_new(char out[PATH_BYTES])
{
    snprintf(out, PATH_BYTES, "%s/m%d", fx.root, fx.dirs++);
}

static l1_txmgr *open_mgr(const char *dir)
{
    l1_txmgr_options o;
    l1_txmgr_options_default(&o);
    o.resubmit_ms = RESUBMIT_MS;
    o.confirm_depth = CONFIRM_DEPTH;
    l1_txmgr *m = NULL;
    EXPECT_OK(l1_txmgr_open(&m, dir, fx.c, fx.key, ANVIL_CHAIN_ID, &o));
    return m;
}

static uint64_t send_value(l1_txmgr *m, uint64_t now_ms, const seq_addr *to, uint8_t value)
{
    uint8_t wei[32] = {0};
    wei[31] = value;
    uint64_t id = 0;
    EXPECT_OK(l1_txmgr_send(m, &id, now_ms, to, wei, NULL, 0, TRANSFER_GAS));
    return id;
}

static l1_txmgr_tx_status status_of(const l1_txmgr *m, uint64_t id)
{
    l1_txmgr_tx_status s;
    EXPECT_OK(l1_txmgr_status(m, &s, id));
    return s;
}

static uint64_t chain_nonce(void)
{
    uint64_t n = 0;
    EXPECT_OK(l1_rpc_nonce(fx.c, &n, &fx.dev, L1_TAG_LATEST));
    return n;
}

static uint8_t balance_low_byte(const seq_addr *a)
{
    uint8_t wei[32];
    EXPECT_OK(l1_rpc_balance(fx.c, wei, a, L1_TAG_LATEST));
    for (int i = 0; i < 31; i++)
        assert_int_equal(wei[i], 0);
    return wei[31];
}

static bool hash_in(const seq_hash *h, const l1_txmgr_tx_status *s)
{
    for (size_t i = 0; i < s->attempt_count; i++) {
        if (seq_hash_equal(h, &s->attempt_hashes[i]))
            return true;
    }
    return false;
}

/* ---------------------------------------------------------------- setup */

static int group_setup(void **state)
{
    (void)state;
    const char *anvil = getenv("SEQ_ANVIL");
    if (anvil == NULL || access(anvil, X_OK) != 0) {
        fprintf(stderr, "SEQ_ANVIL must name anvil (deploy/node_modules/.bin/anvil)\n");
        return -1;
    }
    atexit(anvil_stop);
    if (!test_anvil_start(&fx.node, anvil)) {
        fprintf(stderr, "cannot start anvil\n");
        return -1;
    }
    snprintf(fx.root, sizeof fx.root, "/tmp/seq_txmgr_XXXXXX");
    if (mkdtemp(fx.root) == NULL)
        return -1;
    seq_log_configure(SEQ_LOG_WARN, SEQ_LOG_TEXT, NULL);
    if (l1_hex_decode_exact(fx.key, 32, ANVIL_KEY_0_HEX) != SEQ_OK ||
        l1_secp_address(&fx.dev, fx.key) != SEQ_OK)
        return -1;
    return l1_rpc_new(&fx.c, fx.node.url, NULL) == SEQ_OK ? 0 : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    l1_rpc_free(fx.c);
    anvil_stop();
    char cmd[PATH_BYTES + 16];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", fx.root);
    return system(cmd) == 0 ? 0 : -1;
}

static int automine_restore(void **state)
{
    (void)state;
    char *result = NULL;
    seq_err err = l1_rpc_call(fx.c, &result, "evm_setAutomine", "[true]");
    free(result);
    return err == SEQ_OK ? 0 : -1;
}

/* ---------------------------------------------------------------- tests */

/* Options and the directory lock. */
static void test_open_refusals(void **state)
{
    (void)state;
    char dir[PATH_BYTES];
    dir_new(dir);
    l1_txmgr_options o;
    l1_txmgr_options_default(&o);
    l1_txmgr *m = (l1_txmgr *)&o;
    o.env_flags = MDB_NOSYNC;
    assert_int_equal(l1_txmgr_open(&m, dir, fx.c, fx.key, ANVIL_CHAIN_ID, &o), SEQ_ERR_UNSUPPORTED);
    assert_null(m);
    o.env_flags = MDB_MAPASYNC;
    assert_int_equal(l1_txmgr_open(&m, dir, fx.c, fx.key, ANVIL_CHAIN_ID, &o), SEQ_ERR_UNSUPPORTED);
    l1_txmgr_options_default(&o);
    o.confirm_depth = 0;
    assert_int_equal(l1_txmgr_open(&m, dir, fx.c, fx.key, ANVIL_CHAIN_ID, &o), SEQ_ERR_INVALID_ARG);
    uint8_t zero[32] = {0};
    assert_int_equal(l1_txmgr_open(&m, dir, fx.c, zero, ANVIL_CHAIN_ID, NULL), SEQ_ERR_INVALID_ARG);

    m = open_mgr(dir);
    l1_txmgr *twin = NULL;
    assert_int_equal(l1_txmgr_open(&twin, dir, fx.c, fx.key, ANVIL_CHAIN_ID, NULL),
                     SEQ_ERR_UNAVAILABLE);
    l1_txmgr_close(m);
    assert_int_equal(l1_txmgr_open(&twin, dir, fx.c, fx.key, ANVIL_CHAIN_ID + 1, NULL),
                     SEQ_ERR_INVALID_ARG);
    l1_txmgr_close(NULL);
}

/* A tx is reported confirmed only once CONFIRM_DEPTH blocks hold it. */
static void test_confirm_depth(void **state)
{
    (void)state;
    automine(false);
    char dir[PATH_BYTES];
    dir_new(dir);
    l1_txmgr *m = open_mgr(dir);
    seq_addr to = {.b = {0x11, 0x01}};
    uint64_t nonce0 = chain_nonce();
    uint64_t id = send_value(m, 1, &to, 7);
    assert_int_equal(id, nonce0);
    l1_txmgr_tx_status s = status_of(m, id);
    assert_int_equal(s.state, L1_TXMGR_PENDING);
    assert_int_equal(s.attempt_count, 1);
    assert_int_equal(s.last_err, SEQ_OK);
    assert_true(s.fee_cap_wei > s.tip_wei);
    EXPECT_OK(l1_txmgr_poll(m, 2));
    assert_int_equal(status_of(m, id).state, L1_TXMGR_PENDING);

    for (unsigned int depth = 1; depth <= CONFIRM_DEPTH; depth++) {
        mine(1);
        EXPECT_OK(l1_txmgr_poll(m, 3));
        s = status_of(m, id);
        assert_int_equal(s.state, depth < CONFIRM_DEPTH ? L1_TXMGR_INCLUDED : L1_TXMGR_CONFIRMED);
    }
    assert_true(s.success);
    l1_rpc_tx_receipt r;
    EXPECT_OK(l1_rpc_receipt(fx.c, &r, &s.tx_hash));
    assert_int_equal(r.block_number, s.block_number);
    assert_memory_equal(r.block_hash.b, s.block_hash.b, 32);
    assert_int_equal(balance_low_byte(&to), 7);
    l1_txmgr_stats st;
    l1_txmgr_stats_get(m, &st);
    assert_int_equal(st.confirmed, 1);
    l1_txmgr_close(m);
}

/* A tx whose fee cap falls below the base fee is re-signed with +10% or
 * more after the resubmission timeout, and the bumped version is mined. */
static void test_bump(void **state)
{
    (void)state;
    automine(false);
    char dir[PATH_BYTES];
    dir_new(dir);
    l1_txmgr *m = open_mgr(dir);
    seq_addr to = {.b = {0x22, 0x02}};
    uint64_t id = send_value(m, 1000, &to, 9);
    l1_txmgr_tx_status s0 = status_of(m, id);

    char params[64];
    snprintf(params, sizeof params, "[\"0x%" PRIx64 "\"]", s0.fee_cap_wei * 4);
    call("anvil_setNextBlockBaseFeePerGas", params);
    mine(1);
    l1_rpc_tx_receipt r;
    assert_int_equal(l1_rpc_receipt(fx.c, &r, &s0.tx_hash), SEQ_ERR_NOT_FOUND);
    EXPECT_OK(l1_txmgr_poll(m, 1000 + RESUBMIT_MS - 1)); /* not yet */
    assert_int_equal(status_of(m, id).attempt_count, 1);

    EXPECT_OK(l1_txmgr_poll(m, 1000 + RESUBMIT_MS));
    l1_txmgr_tx_status s1 = status_of(m, id);
    assert_int_equal(s1.state, L1_TXMGR_PENDING);
    assert_int_equal(s1.attempt_count, 2);
    assert_true(s1.tip_wei * 10 >= s0.tip_wei * 11);
    assert_true(s1.fee_cap_wei * 10 >= s0.fee_cap_wei * 11);
    assert_true(s1.fee_cap_wei > s0.fee_cap_wei * 4 * 7 / 8); /* over the new base fee */
    assert_int_equal(s1.last_sent_ms, 1000 + RESUBMIT_MS);
    assert_int_equal(s1.first_sent_ms, 1000);
    printf("bumped: tip %" PRIu64 " -> %" PRIu64 ", fee cap %" PRIu64 " -> %" PRIu64 "\n",
           s0.tip_wei, s1.tip_wei, s0.fee_cap_wei, s1.fee_cap_wei);

    mine(CONFIRM_DEPTH);
    EXPECT_OK(l1_txmgr_poll(m, 1000 + RESUBMIT_MS + 1));
    l1_txmgr_tx_status s = status_of(m, id);
    assert_int_equal(s.state, L1_TXMGR_CONFIRMED);
    assert_memory_equal(s.tx_hash.b, s1.attempt_hashes[1].b, 32);
    assert_int_equal(l1_rpc_receipt(fx.c, &r, &s0.tx_hash), SEQ_ERR_NOT_FOUND);
    assert_int_equal(balance_low_byte(&to), 9);
    l1_txmgr_stats st;
    l1_txmgr_stats_get(m, &st);
    assert_int_equal(st.bumps, 1);
    l1_txmgr_close(m);
}

/* Closed mid-flight with one tx gone from the node's pool (as if the
 * process died between storing and broadcasting it), reopened: the gap is
 * re-broadcast, new sends continue the nonce sequence, and every logical
 * tx is mined exactly once. */
static void test_restart(void **state)
{
    (void)state;
    automine(false);
    char dir[PATH_BYTES];
    dir_new(dir);
    l1_txmgr *m = open_mgr(dir);
    uint64_t nonce0 = chain_nonce();
    seq_addr to[RESTART_TXS];
    uint64_t ids[RESTART_TXS];
    for (uint8_t i = 0; i < RESTART_TXS; i++)
        to[i] = (seq_addr){.b = {0x33, 0x03, i}};
    for (uint8_t i = 0; i < 3; i++)
        ids[i] = send_value(m, 10, &to[i], (uint8_t)(i + 1));
    l1_txmgr_tx_status s = status_of(m, ids[1]);
    char params[96], hex[67];
    assert_int_equal(l1_hex_encode(hex, sizeof hex, s.tx_hash.b, 32), SEQ_OK);
    snprintf(params, sizeof params, "[\"%s\"]", hex);
    call("anvil_dropTransaction", params);
    l1_txmgr_close(m);

    m = open_mgr(dir);
    uint64_t next = 0;
    assert_true(l1_txmgr_next_nonce(m, &next));
    assert_int_equal(next, nonce0 + 3);
    for (uint8_t i = 3; i < RESTART_TXS; i++)
        ids[i] = send_value(m, 20, &to[i], (uint8_t)(i + 1));
    EXPECT_OK(l1_txmgr_poll(m, 30)); /* the first poll after open re-broadcasts */
    l1_txmgr_stats st;
    l1_txmgr_stats_get(m, &st);
    assert_true(st.already_known >= 2); /* ids 0 and 2 were still in the pool */
    mine(1);
    EXPECT_OK(l1_txmgr_poll(m, 40));
    mine(CONFIRM_DEPTH);
    EXPECT_OK(l1_txmgr_poll(m, 50));

    assert_int_equal(chain_nonce(), nonce0 + RESTART_TXS);
    for (uint8_t i = 0; i < RESTART_TXS; i++) {
        assert_int_equal(ids[i], nonce0 + i);
        s = status_of(m, ids[i]);
        assert_int_equal(s.state, L1_TXMGR_CONFIRMED);
        assert_int_equal(s.attempt_count, 1);
        assert_true(hash_in(&s.tx_hash, &s));
        assert_int_equal(balance_low_byte(&to[i]), i + 1);
    }
    l1_txmgr_close(m);
}

/* Waits until anvil mined the foreign tx h. Automine answers before the
 * block is sealed at times, and a manager's send at that nonce would then
 * meet the tx still in the pool ("replacement transaction underpriced")
 * rather than mined. */
static void foreign_mined(const seq_hash *h)
{
    l1_rpc_tx_receipt mined;
    seq_err err = SEQ_ERR_NOT_FOUND;
    for (int tries = 0; tries < 200 && err == SEQ_ERR_NOT_FOUND; tries++) {
        err = l1_rpc_receipt(fx.c, &mined, h);
        if (err == SEQ_ERR_NOT_FOUND)
            usleep(10 * 1000);
    }
    EXPECT_OK(err);
}

/* The same key signs behind the manager's back: "nonce too low" on a
 * broadcast, and a pending tx replaced in the pool, both end as lost; the
 * next send signs after the foreign nonces. */
static void test_nonce_too_low(void **state)
{
    (void)state;
    automine(true);
    char dir[PATH_BYTES];
    dir_new(dir);
    l1_txmgr *m = open_mgr(dir);
    seq_addr to = {.b = {0x44, 0x04}};
    uint64_t id0 = send_value(m, 1, &to, 1); /* learns the nonce, mined at once */

    /* a foreign tx takes the manager's next nonce */
    l1_rpc_fees fh;
    static const double median[] = {50.0};
    EXPECT_OK(l1_rpc_fee_history(fx.c, &fh, 1, median, 1));
    l1_tx tx = {.chain_id = ANVIL_CHAIN_ID,
                .nonce = id0 + 1,
                .max_priority_fee_per_gas = 1000000000u,
                .max_fee_per_gas = 1000000000u + 2 * fh.base_fee_next,
                .gas_limit = TRANSFER_GAS,
                .has_to = true,
                .to = to};
    uint8_t raw[L1_TX_OVERHEAD_BYTES_MAX];
    size_t raw_len = 0;
    seq_hash h;
    EXPECT_OK(l1_tx_sign(raw, sizeof raw, &raw_len, &h, fx.key, &tx));
    EXPECT_OK(l1_rpc_send_raw_tx(fx.c, &h, raw, raw_len));
    foreign_mined(&h);

    uint64_t id1 = send_value(m, 2, &to, 2);
    assert_int_equal(id1, id0 + 1);
    l1_txmgr_tx_status s = status_of(m, id1);
    assert_int_equal(s.state, L1_TXMGR_LOST);
    l1_txmgr_stats st;
    l1_txmgr_stats_get(m, &st);
    assert_int_equal(st.nonce_too_low, 1);
    assert_int_equal(st.lost, 1);

    /* pending, then replaced in the pool by a foreign tx with higher fees */
    automine(false);
    uint64_t id2 = send_value(m, 3, &to, 3);
    assert_int_equal(id2, id1 + 1);
    s = status_of(m, id2);
    tx.nonce = id2;
    tx.max_priority_fee_per_gas = s.tip_wei * 2;
    tx.max_fee_per_gas = s.fee_cap_wei * 2;
    EXPECT_OK(l1_tx_sign(raw, sizeof raw, &raw_len, &h, fx.key, &tx));
    EXPECT_OK(l1_rpc_send_raw_tx(fx.c, &h, raw, raw_len));
    mine(1);
    EXPECT_OK(l1_txmgr_poll(m, 4));
    assert_int_equal(status_of(m, id2).state, L1_TXMGR_LOST);

    /* the manager goes on after the foreign nonces */
    uint64_t id3 = send_value(m, 5, &to, 4);
    assert_int_equal(id3, id2 + 1);
    mine(CONFIRM_DEPTH);
    EXPECT_OK(l1_txmgr_poll(m, 6));
    assert_int_equal(status_of(m, id0).state, L1_TXMGR_CONFIRMED);
    assert_int_equal(status_of(m, id3).state, L1_TXMGR_CONFIRMED);
    assert_int_equal(chain_nonce(), id3 + 1);
    l1_txmgr_close(m);
}

/* An L1 that does not answer: nothing is queued, the store is unchanged. */
static void test_dead_endpoint(void **state)
{
    (void)state;
    uint16_t port = test_port_free();
    assert_int_not_equal(port, 0);
    char url[48];
    snprintf(url, sizeof url, "http://127.0.0.1:%u", (unsigned)port);
    l1_rpc_options ro;
    l1_rpc_options_default(&ro);
    ro.retries = 0;
    l1_rpc *dead = NULL;
    EXPECT_OK(l1_rpc_new(&dead, url, &ro));
    char dir[PATH_BYTES];
    dir_new(dir);
    l1_txmgr *m = NULL;
    EXPECT_OK(l1_txmgr_open(&m, dir, dead, fx.key, ANVIL_CHAIN_ID, NULL));
    uint64_t id = 99;
    seq_addr to = {.b = {0x55}};
    assert_int_equal(l1_txmgr_send(m, &id, 1, &to, NULL, NULL, 0, TRANSFER_GAS),
                     SEQ_ERR_UNAVAILABLE);
    assert_int_equal(id, 0);
    uint64_t next = 0;
    assert_false(l1_txmgr_next_nonce(m, &next));
    EXPECT_OK(l1_txmgr_poll(m, 2)); /* nothing open: no call */
    l1_txmgr_tx_status s;
    assert_int_equal(l1_txmgr_status(m, &s, 0), SEQ_ERR_NOT_FOUND);
    l1_txmgr_close(m);
    l1_rpc_free(dead);
}

/* A reorg: the block holding an included tx is reverted away
 * (evm_snapshot / evm_revert) and replaced by empty blocks. The manager
 * notices the receipt is gone, puts the tx back to pending and re-sends
 * it; its confirmation depth counts again from the new block. */
static void test_reorg(void **state)
{
    (void)state;
    automine(false);
    char dir[PATH_BYTES];
    dir_new(dir);
    l1_txmgr *m = open_mgr(dir);
    seq_addr to = {.b = {0x66, 0x06}};
    char *snap = NULL;
    EXPECT_OK(l1_rpc_call(fx.c, &snap, "evm_snapshot", NULL));
    uint64_t id = send_value(m, 1, &to, 5);
    mine(1);
    EXPECT_OK(l1_txmgr_poll(m, 2));
    l1_txmgr_tx_status s0 = status_of(m, id);
    assert_int_equal(s0.state, L1_TXMGR_INCLUDED);

    char params[64];
    snprintf(params, sizeof params, "[%s]", snap);
    free(snap);
    call("evm_revert", params);
    call("anvil_dropAllTransactions", NULL); /* the other branch never saw it */
    mine(2);
    l1_rpc_tx_receipt r;
    assert_int_equal(l1_rpc_receipt(fx.c, &r, &s0.tx_hash), SEQ_ERR_NOT_FOUND);
    EXPECT_OK(l1_txmgr_poll(m, 3));
    l1_txmgr_tx_status s = status_of(m, id);
    assert_int_equal(s.state, L1_TXMGR_PENDING);
    assert_int_equal(s.block_number, 0);
    l1_txmgr_stats st;
    l1_txmgr_stats_get(m, &st);
    assert_int_equal(st.reorged, 1);

    mine(1); /* the re-sent tx */
    EXPECT_OK(l1_txmgr_poll(m, 4));
    s = status_of(m, id);
    assert_int_equal(s.state, L1_TXMGR_INCLUDED);
    assert_true(s.block_number > s0.block_number);
    assert_false(seq_hash_equal(&s.block_hash, &s0.block_hash));
    mine(CONFIRM_DEPTH - 2);
    EXPECT_OK(l1_txmgr_poll(m, 5));
    assert_int_equal(status_of(m, id).state, L1_TXMGR_INCLUDED); /* depth counts anew */
    mine(1);
    EXPECT_OK(l1_txmgr_poll(m, 6));
    s = status_of(m, id);
    assert_int_equal(s.state, L1_TXMGR_CONFIRMED);
    assert_int_equal(balance_low_byte(&to), 5); /* once */
    l1_txmgr_close(m);
}

/* A reorg after which another branch holds the tx in a later block (it
 * was re-sent by someone else): the receipt moves, the manager follows it
 * without re-sending, counts the reorg, and the depth counts anew. */
static void test_reorg_moved(void **state)
{
    (void)state;
    automine(false);
    char dir[PATH_BYTES];
    dir_new(dir);
    l1_txmgr *m = open_mgr(dir);
    seq_addr to = {.b = {0x67, 0x07}};
    char *snap = NULL;
    EXPECT_OK(l1_rpc_call(fx.c, &snap, "evm_snapshot", NULL));
    uint64_t id = send_value(m, 1, &to, 6);
    mine(1);
    EXPECT_OK(l1_txmgr_poll(m, 2));
    l1_txmgr_tx_status s1 = status_of(m, id);
    assert_int_equal(s1.state, L1_TXMGR_INCLUDED);
    char hash[67], params[128];
    assert_int_equal(l1_hex_encode(hash, sizeof hash, s1.tx_hash.b, 32), SEQ_OK);
    snprintf(params, sizeof params, "[\"%s\"]", hash);
    char *raw = NULL;
    EXPECT_OK(l1_rpc_call(fx.c, &raw, "eth_getRawTransactionByHash", params));

    snprintf(params, sizeof params, "[%s]", snap);
    free(snap);
    call("evm_revert", params);
    call("anvil_dropAllTransactions", NULL);
    mine(1); /* the other branch: an empty block at the tx's height */
    char *send_params = malloc(strlen(raw) + 3);
    assert_non_null(send_params);
    sprintf(send_params, "[%s]", raw);
    free(raw);
    call("eth_sendRawTransaction", send_params);
    free(send_params);
    mine(1);
    l1_txmgr_stats before;
    l1_txmgr_stats_get(m, &before);
    EXPECT_OK(l1_txmgr_poll(m, 3));
    l1_txmgr_tx_status s = status_of(m, id);
    assert_int_equal(s.state, L1_TXMGR_INCLUDED);
    assert_int_equal(s.block_number, s1.block_number + 1);
    assert_memory_equal(s.tx_hash.b, s1.tx_hash.b, 32);
    l1_txmgr_stats st;
    l1_txmgr_stats_get(m, &st);
    assert_int_equal(st.reorged, before.reorged + 1);
    assert_int_equal(st.broadcasts + st.already_known,
                     before.broadcasts + before.already_known); /* not re-sent */
    mine(CONFIRM_DEPTH - 2);
    EXPECT_OK(l1_txmgr_poll(m, 4));
    assert_int_equal(status_of(m, id).state, L1_TXMGR_INCLUDED);
    mine(1);
    EXPECT_OK(l1_txmgr_poll(m, 5));
    assert_int_equal(status_of(m, id).state, L1_TXMGR_CONFIRMED);
    assert_int_equal(balance_low_byte(&to), 6);
    l1_txmgr_close(m);
}

/* Another signer used two nonces: the manager's tx at the first is lost,
 * its next nonce jumps past the second, and the nonce in between, which
 * has no record, does not stop the manager. */
static void test_foreign_gap(void **state)
{
    (void)state;
    automine(true);
    char dir[PATH_BYTES];
    dir_new(dir);
    l1_txmgr *m = open_mgr(dir);
    seq_addr to = {.b = {0x68, 0x08}};
    uint64_t id0 = send_value(m, 1, &to, 1);
    l1_rpc_fees fh;
    static const double median[] = {50.0};
    EXPECT_OK(l1_rpc_fee_history(fx.c, &fh, 1, median, 1));
    for (uint64_t k = 1; k <= 2; k++) {
        l1_tx tx = {.chain_id = ANVIL_CHAIN_ID,
                    .nonce = id0 + k,
                    .max_priority_fee_per_gas = 1000000000u,
                    .max_fee_per_gas = 1000000000u + 2 * fh.base_fee_next,
                    .gas_limit = TRANSFER_GAS,
                    .has_to = true,
                    .to = to};
        uint8_t raw[L1_TX_OVERHEAD_BYTES_MAX];
        size_t raw_len = 0;
        seq_hash h;
        EXPECT_OK(l1_tx_sign(raw, sizeof raw, &raw_len, &h, fx.key, &tx));
        EXPECT_OK(l1_rpc_send_raw_tx(fx.c, &h, raw, raw_len));
        foreign_mined(&h);
    }
    uint64_t id1 = send_value(m, 2, &to, 2);
    assert_int_equal(id1, id0 + 1);
    assert_int_equal(status_of(m, id1).state, L1_TXMGR_LOST);
    uint64_t next = 0;
    assert_true(l1_txmgr_next_nonce(m, &next));
    assert_int_equal(next, id0 + 3);
    l1_txmgr_tx_status s;
    assert_int_equal(l1_txmgr_status(m, &s, id0 + 2), SEQ_ERR_NOT_FOUND);
    EXPECT_OK(l1_txmgr_poll(m, 3));
    uint64_t id3 = send_value(m, 4, &to, 3);
    assert_int_equal(id3, id0 + 3);
    mine(CONFIRM_DEPTH);
    EXPECT_OK(l1_txmgr_poll(m, 5));
    assert_int_equal(status_of(m, id3).state, L1_TXMGR_CONFIRMED);
    l1_txmgr_close(m);
    m = open_mgr(dir); /* the gap survives a restart too */
    EXPECT_OK(l1_txmgr_poll(m, 6));
    uint64_t id4 = send_value(m, 7, &to, 4);
    assert_int_equal(id4, id0 + 4);
    l1_txmgr_close(m);
}

/* Polls until id is confirmed (automine: its receipt may lag a little). */
static void poll_until_confirmed(l1_txmgr *m, uint64_t id, uint64_t now_ms)
{
    for (int i = 0; i < 100; i++) {
        EXPECT_OK(l1_txmgr_poll(m, now_ms));
        if (status_of(m, id).state == L1_TXMGR_CONFIRMED)
            return;
        usleep(20000);
    }
    fail_msg("tx %" PRIu64 " not confirmed", id);
}

/* Entries in the store's txs database, read with the manager closed. */
static size_t stored_records(const char *dir)
{
    MDB_env *env = NULL;
    MDB_txn *txn = NULL;
    MDB_dbi dbi;
    MDB_stat st = {0};
    assert_int_equal(mdb_env_create(&env), 0);
    assert_int_equal(mdb_env_set_maxdbs(env, 2), 0);
    assert_int_equal(mdb_env_open(env, dir, MDB_RDONLY, 0600), 0);
    assert_int_equal(mdb_txn_begin(env, NULL, MDB_RDONLY, &txn), 0);
    assert_int_equal(mdb_dbi_open(txn, "txs", 0, &dbi), 0);
    assert_int_equal(mdb_stat(txn, dbi, &st), 0);
    mdb_txn_abort(txn);
    mdb_env_close(env);
    return st.ms_entries;
}

/* Final records below the lowest open nonce are kept final_keep deep;
 * older ones are deleted, so the store stays bounded. */
static void test_prune(void **state)
{
    (void)state;
    automine(true);
    char dir[PATH_BYTES];
    dir_new(dir);
    l1_txmgr_options o;
    l1_txmgr_options_default(&o);
    assert_int_equal(o.final_keep, L1_TXMGR_FINAL_KEEP_DEFAULT);
    o.final_keep = L1_TXMGR_FINAL_KEEP_MAX + 1;
    l1_txmgr *m = NULL;
    assert_int_equal(l1_txmgr_open(&m, dir, fx.c, fx.key, ANVIL_CHAIN_ID, &o), SEQ_ERR_INVALID_ARG);
    o.final_keep = 2;
    o.confirm_depth = 1;
    EXPECT_OK(l1_txmgr_open(&m, dir, fx.c, fx.key, ANVIL_CHAIN_ID, &o));
    seq_addr to = {.b = {0x69, 0x09}};
    uint64_t ids[6];
    for (uint8_t i = 0; i < 6; i++)
        ids[i] = send_value(m, i, &to, 1);
    poll_until_confirmed(m, ids[5], 10);
    EXPECT_OK(l1_txmgr_poll(m, 10)); /* prunes once the last is final */
    l1_txmgr_tx_status s;
    for (size_t i = 0; i < 6; i++) {
        seq_err want = i < 4 ? SEQ_ERR_NOT_FOUND : SEQ_OK;
        assert_int_equal(l1_txmgr_status(m, &s, ids[i]), want);
        if (want == SEQ_OK)
            assert_int_equal(s.state, L1_TXMGR_CONFIRMED);
    }
    l1_txmgr_close(m);
    assert_int_equal(stored_records(dir), 2);
    EXPECT_OK(l1_txmgr_open(&m, dir, fx.c, fx.key, ANVIL_CHAIN_ID, &o));
    uint64_t id = send_value(m, 20, &to, 1);
    assert_int_equal(id, ids[5] + 1);
    poll_until_confirmed(m, id, 21);
    EXPECT_OK(l1_txmgr_poll(m, 22));
    assert_int_equal(l1_txmgr_status(m, &s, ids[4]), SEQ_ERR_NOT_FOUND);
    l1_txmgr_close(m);
    assert_int_equal(stored_records(dir), 2);
}

/* Waits (up to 2 s) until pid is in the stopped state ('T' in
 * /proc/PID/stat). */
static bool wait_stopped(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    for (int tries = 0; tries < 200; tries++) {
        FILE *f = fopen(path, "r");
        char line[512] = "";
        if (f != NULL) {
            if (fgets(line, sizeof line, f) == NULL)
                line[0] = '\0';
            fclose(f);
        }
        const char *close_paren = strrchr(line, ')');
        if (close_paren != NULL && close_paren[1] == ' ' && close_paren[2] == 'T')
            return true;
        usleep(10 * 1000);
    }
    return false;
}

/* L1 down: an anvil of its own is killed (its chain kept in a --state
 * file) with a tx in flight. Sends are refused with clear retryable
 * errors and queue nothing; polls fail the same way and keep the tx; once
 * anvil is back (its pool lost), the next poll re-broadcasts it and
 * everything is mined exactly once. Then the same with a frozen anvil
 * (SIGSTOP): timeouts, and a resume after SIGCONT. */
static void test_l1_down(void **state)
{
    (void)state;
    char state_file[PATH_BYTES], dir[PATH_BYTES];
    snprintf(state_file, sizeof state_file, "%s/anvil-state.json", fx.root);
    const char *extra[] = {"--state", state_file, "--no-mining", NULL};
    test_anvil l1;
    assert_true(test_anvil_start_with(&l1, getenv("SEQ_ANVIL"), 0, extra));
    l1_rpc_options ro;
    l1_rpc_options_default(&ro);
    ro.timeout_ms = 300;
    ro.connect_timeout_ms = 300;
    ro.retries = 1;
    ro.backoff_ms_base = 10;
    ro.backoff_ms_max = 20;
    l1_rpc *c = NULL;
    EXPECT_OK(l1_rpc_new(&c, l1.url, &ro));
    dir_new(dir);
    l1_txmgr_options o;
    l1_txmgr_options_default(&o);
    o.resubmit_ms = 60000; /* no bump: only the re-broadcast after the outage */
    o.confirm_depth = 1;
    l1_txmgr *m = NULL;
    EXPECT_OK(l1_txmgr_open(&m, dir, c, fx.key, ANVIL_CHAIN_ID, &o));
    seq_addr to = {.b = {0x70, 0x0a}};
    uint8_t wei[32] = {0};
    wei[31] = 3;
    uint64_t id0 = 0, id1 = 0;
    EXPECT_OK(l1_txmgr_send(m, &id0, 1, &to, wei, NULL, 0, TRANSFER_GAS));

    test_anvil_stop(&l1); /* SIGTERM: anvil dumps its chain, not its pool */
    seq_err err = l1_txmgr_send(m, &id1, 2, &to, wei, NULL, 0, TRANSFER_GAS);
    assert_int_equal(err, SEQ_ERR_UNAVAILABLE);
    assert_int_equal(id1, 0);
    printf("L1 down, send: %s\n", l1_rpc_last_error(c));
    assert_non_null(strstr(l1_rpc_last_error(c), "unavailable"));
    assert_int_equal(l1_txmgr_poll(m, 3), SEQ_ERR_UNAVAILABLE);
    l1_txmgr_tx_status s = status_of(m, id0);
    assert_int_equal(s.state, L1_TXMGR_PENDING);
    uint64_t next = 0;
    assert_true(l1_txmgr_next_nonce(m, &next));
    assert_int_equal(next, id0 + 1); /* nothing queued while down */

    assert_true(test_anvil_start_with(&l1, getenv("SEQ_ANVIL"), l1.port != 0 ? l1.port : 0, extra));
    /* back: re-broadcast. A restarted anvil may answer its first requests
     * late (it is loading its state): retry what is retryable for a while. */
    seq_err back = SEQ_ERR_TIMEOUT;
    for (int tries = 0; tries < 50 && back != SEQ_OK; tries++) {
        back = l1_txmgr_poll(m, 4);
        assert_true(back == SEQ_OK || back == SEQ_ERR_TIMEOUT || back == SEQ_ERR_UNAVAILABLE);
        if (back != SEQ_OK)
            usleep(100 * 1000);
    }
    EXPECT_OK(back);
    char *result = NULL;
    EXPECT_OK(l1_rpc_call(c, &result, "evm_mine", NULL));
    free(result);
    EXPECT_OK(l1_txmgr_poll(m, 5));
    s = status_of(m, id0);
    assert_int_equal(s.state, L1_TXMGR_CONFIRMED);
    EXPECT_OK(l1_txmgr_send(m, &id1, 6, &to, wei, NULL, 0, TRANSFER_GAS));
    assert_int_equal(id1, id0 + 1);

    /* frozen: connections are accepted, nothing answers */
    assert_int_equal(kill(l1.pid, SIGSTOP), 0);
    assert_true(wait_stopped(l1.pid)); /* kill() returns before the stop takes hold */
    assert_int_equal(l1_txmgr_poll(m, 7), SEQ_ERR_TIMEOUT);
    printf("L1 frozen, poll: %s\n", l1_rpc_last_error(c));
    assert_int_equal(kill(l1.pid, SIGCONT), 0);
    EXPECT_OK(l1_txmgr_poll(m, 8));
    EXPECT_OK(l1_rpc_call(c, &result, "evm_mine", NULL));
    free(result);
    EXPECT_OK(l1_txmgr_poll(m, 9));
    assert_int_equal(status_of(m, id1).state, L1_TXMGR_CONFIRMED);
    uint64_t n = 0;
    EXPECT_OK(l1_rpc_nonce(c, &n, &fx.dev, L1_TAG_LATEST));
    assert_int_equal(n, id1 + 1);
    uint8_t bal[32];
    EXPECT_OK(l1_rpc_balance(c, bal, &to, L1_TAG_LATEST));
    assert_int_equal(bal[31], 6); /* two transfers of 3 wei, each once */
    l1_txmgr_stats st;
    l1_txmgr_stats_get(m, &st);
    printf("stats: broadcasts %" PRIu64 ", already known %" PRIu64 ", send failures %" PRIu64 "\n",
           st.broadcasts, st.already_known, st.send_failures);
    l1_txmgr_close(m);
    l1_rpc_free(c);
    test_anvil_stop(&l1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_open_refusals),
        cmocka_unit_test_teardown(test_confirm_depth, automine_restore),
        cmocka_unit_test_teardown(test_bump, automine_restore),
        cmocka_unit_test_teardown(test_restart, automine_restore),
        cmocka_unit_test_teardown(test_nonce_too_low, automine_restore),
        cmocka_unit_test(test_dead_endpoint),
        cmocka_unit_test_teardown(test_reorg, automine_restore),
        cmocka_unit_test_teardown(test_reorg_moved, automine_restore),
        cmocka_unit_test_teardown(test_foreign_gap, automine_restore),
        cmocka_unit_test_teardown(test_prune, automine_restore),
        cmocka_unit_test(test_l1_down),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
