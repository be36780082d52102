/* test_api.c — the node's JSON-RPC handling without HTTP (node_rpc_handle,
 * node/api.c): replies and their absence, parse errors, the batch reply
 * cap, submission into a real txpool over a real store, and the forced
 * queue (seq_getForcedEntry, seq_getForcedQueue) over the store of
 * forced_scene.h, and the test methods seq_testSetFault and
 * seq_testGetFault over a net that is not started (in a build without
 * test modes: "method not found"). The HTTP side is exercised by tests/e2e
 * (test_committee, test_adversarial, test_faults); fuzz/fuzz_jsonrpc.c
 * fuzzes the same function.
 *
 * Includes node/internal.h, like the fuzz target: node_rpc_handle is
 * internal to node/. */
/* cmocka needs these headers before its own, in this order. */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../node/internal.h"
#include "forced_scene.h"

#define CHAIN_ID 901u

typedef struct {
    char dir[64];
    store *store;
    node_txpool *pool;
    node_rpc rpc;
    unsigned status_calls;
    bool no_commit; /* the status reports no commit since start */
    bool has_finalized;
    uint64_t finalized;        /* the status's l1.finalized when has_finalized */
    bool l1_batcher;           /* the status reports an L1 link with a batcher */
    uint64_t inclusion_window; /* > 0: the status reports an L1 link with this window */
} fixture;

static void status_fill(void *ctx, node_status *out)
{
    fixture *f = ctx;
    f->status_calls++;
    memset(out, 0, sizeof *out);
    out->running = true;
    out->committee_size = 4;
    out->self_index = 2;
    out->view = 77;
    for (size_t i = 0; i < 4; i++) {
        memset(out->validators[i].address.b, (int)(0xc0 + i), SEQ_ADDR_BYTES);
        out->validators[i].proposed_committed = 10 + i;
        out->validators[i].slots_missed = i;
    }
    out->slots_from_view = 40;
    if (!f->no_commit) {
        node_commit_latency_observe(&out->commit_latency, 42);
        out->last_commit_ms = 1767323045678;
    }
    out->l1.has_finalized = f->has_finalized;
    out->l1.finalized = f->finalized;
    if (f->inclusion_window > 0) {
        out->l1.enabled = true;
        out->l1.inclusion_window = f->inclusion_window;
    }
    if (f->l1_batcher) {
        out->l1.enabled = true;
        node_batcher_status *b = &out->l1.batcher;
        b->enabled = true;
        b->has_batch = true;
        b->index = 9;
        b->first_height = 100;
        b->last_height = 120;
        b->attestations = 3;
        b->quorum_weight = 3;
        b->posts_failover = 2;
        b->failovers_seen = 5;
        b->posted_height = 99;
        node_post_lag_observe(&b->post_lag, 1500, 4);
        out->l1.has_origin = true;
        out->l1.origin_number = 318;
        out->l1.origin_timestamp = 1700000318;
        out->l1.origin_mismatches = 1;
        out->forced.last_cursor = 5;
        out->forced.consumed = 5;
        out->forced.included = 4;
        node_post_lag_observe(&out->forced.soft_lag, 3000, 4);
        node_post_lag_observe(&out->l1.forced_posted_lag, 9000, 2);
        snprintf(b->last_error, sizeof b->last_error, "postBatch 9 refused");
    }
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    snprintf(f->dir, sizeof f->dir, "/tmp/seq-api-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    seq_block_header genesis = {.l2_chain_id = CHAIN_ID, .timestamp_ms = 1000};
    seq_hash genesis_hash;
    l1_block_hash(&genesis_hash, &genesis);
    assert_int_equal(store_open(&f->store, f->dir, &genesis_hash, NULL), SEQ_OK);
    mempool_config c;
    mempool_config_default(&c, CHAIN_ID);
    c.pool_bytes_max = 1u << 20;
    c.pool_txs_max = 64;
    assert_int_equal(node_txpool_new(&f->pool, &c, f->store, NULL, NULL), SEQ_OK);
    f->rpc = (node_rpc){.status = status_fill,
                        .status_ctx = f,
                        .store = f->store,
                        .pool = f->pool,
                        .genesis = genesis};
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

/* The parsed reply to body (json_decref it), or NULL when there is none. */
static json_t *call(fixture *f, const char *body)
{
    char *reply = NULL;
    size_t len = 0;
    assert_int_equal(node_rpc_handle(&f->rpc, &reply, &len, body, strlen(body)), SEQ_OK);
    if (reply == NULL) {
        assert_int_equal(len, 0);
        return NULL;
    }
    assert_int_equal(strlen(reply), len);
    json_t *r = json_loads(reply, 0, NULL);
    assert_non_null(r);
    free(reply);
    return r;
}

static json_int_t error_code(const json_t *r)
{
    const json_t *code = json_object_get(json_object_get(r, "error"), "code");
    assert_true(json_is_integer(code));
    return json_integer_value(code);
}

static void test_single_and_notifications(void **state)
{
    fixture *f = *state;
    json_t *r = call(f, "{\"jsonrpc\":\"2.0\",\"id\":\"s\",\"method\":\"seq_status\"}");
    assert_string_equal(json_string_value(json_object_get(r, "id")), "s");
    json_t *result = json_object_get(r, "result");
    assert_int_equal(json_integer_value(json_object_get(result, "view")), 77);
    assert_int_equal(json_integer_value(json_object_get(result, "validatorIndex")), 2);
    json_decref(r);
    assert_int_equal(f->status_calls, 1);

    /* Notifications get nothing, alone or in a batch of nothing else. */
    assert_null(call(f, "{\"jsonrpc\":\"2.0\",\"method\":\"seq_status\"}"));
    assert_null(call(f, "[{\"jsonrpc\":\"2.0\",\"method\":\"seq_status\"},"
                        "{\"jsonrpc\":\"2.0\",\"method\":\"nope\"}]"));
    /* An invalid request without id is answered, with id null. */
    r = call(f, "{\"jsonrpc\":\"1.0\",\"method\":\"seq_status\"}");
    assert_int_equal(error_code(r), -32600);
    assert_true(json_is_null(json_object_get(r, "id")));
    json_decref(r);
    r = call(f, "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"eth_chainId\"}");
    assert_int_equal(error_code(r), -32601);
    assert_int_equal(json_integer_value(json_object_get(r, "id")), 7);
    json_decref(r);
}

static void test_parse_errors(void **state)
{
    fixture *f = *state;
    const char *bodies[] = {"", "{", "[1,", "{\"a\":1,\"a\":2}", "\xff"};
    for (size_t i = 0; i < SEQ_ARRAY_LEN(bodies); i++) {
        json_t *r = call(f, bodies[i]);
        assert_int_equal(error_code(r), -32700);
        assert_true(json_is_null(json_object_get(r, "id")));
        json_decref(r);
    }
    /* Over the body limit: refused unread (HTTP refuses it before). */
    size_t big = NODE_API_BODY_BYTES_MAX + 1;
    char *body = malloc(big);
    assert_non_null(body);
    memset(body, ' ', big);
    char *reply = NULL;
    size_t len = 0;
    assert_int_equal(node_rpc_handle(&f->rpc, &reply, &len, body, big), SEQ_OK);
    assert_non_null(strstr(reply, "-32700"));
    free(reply);
    free(body);
    json_t *r = call(f, "[]");
    assert_int_equal(error_code(r), -32600);
    json_decref(r);
}

/* Past reply_bytes_max a batch's requests are answered -32005, unrun. */
static void test_batch_reply_cap(void **state)
{
    fixture *f = *state;
    f->rpc.reply_bytes_max = 1; /* the first reply passes it */
    json_t *r = call(f, "[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"seq_status\"},"
                        "{\"jsonrpc\":\"2.0\",\"id\":\"two\",\"method\":\"seq_status\"},"
                        "{\"jsonrpc\":\"2.0\",\"method\":\"seq_status\"},"
                        "5,"
                        "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"seq_getBlockByHeight\","
                        "\"params\":[0]}]");
    assert_true(json_is_array(r));
    assert_int_equal(json_array_size(r), 4); /* the notification is not answered */
    assert_non_null(json_object_get(json_array_get(r, 0), "result"));
    assert_int_equal(error_code(json_array_get(r, 1)), -32005);
    assert_string_equal(json_string_value(json_object_get(json_array_get(r, 1), "id")), "two");
    assert_int_equal(error_code(json_array_get(r, 2)), -32005);
    assert_true(json_is_null(json_object_get(json_array_get(r, 2), "id")));
    assert_int_equal(error_code(json_array_get(r, 3)), -32005);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(r, 3), "id")), 3);
    json_decref(r);
    assert_int_equal(f->status_calls, 1); /* the others did not run */

    f->rpc.reply_bytes_max = 0; /* the default: everything runs */
    r = call(f, "[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"seq_status\"},"
                "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"seq_status\"}]");
    assert_int_equal(json_array_size(r), 2);
    assert_non_null(json_object_get(json_array_get(r, 1), "result"));
    json_decref(r);
}

static void test_submit_and_blocks(void **state)
{
    fixture *f = *state;
    const char *body = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"seq_sendPayload\","
                       "\"params\":[7,\"0xc0ffee\"]}";
    json_t *r = call(f, body);
    const char *hash = json_string_value(json_object_get(r, "result"));
    assert_non_null(hash);
    char status_body[160];
    snprintf(status_body, sizeof status_body,
             "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"seq_getTransactionStatus\","
             "\"params\":[\"%s\"]}",
             hash);
    json_decref(r);
    r = call(f, status_body);
    assert_string_equal(json_string_value(json_object_get(json_object_get(r, "result"), "status")),
                        "pending");
    json_decref(r);
    /* Again: the pool's refusal, with its reason as data. */
    r = call(f, body);
    const char *data = json_string_value(json_object_get(json_object_get(r, "error"), "data"));
    assert_non_null(data);
    assert_non_null(strstr(data, "ALREADY_KNOWN"));
    json_decref(r);

    r = call(f, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"seq_getBlockByHeight\","
                "\"params\":[\"0x0\",true]}");
    json_t *b = json_object_get(r, "result");
    assert_int_equal(json_integer_value(json_object_get(b, "height")), 0);
    assert_int_equal(json_array_size(json_object_get(b, "transactions")), 0);
    json_decref(r);
    r = call(f, "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"seq_getBlockByHeight\","
                "\"params\":[1]}");
    assert_true(json_is_null(json_object_get(r, "result")));
    json_decref(r);
}

/* ------------------------------------------------------------ L1 clocks */

#define CLOCK_BLOCKS 6u

/* A committed chain of heights 1..CLOCK_BLOCKS, block h holding one tx
 * (bytes 0xc1, h) and timestamped 5000 + h. */
typedef struct {
    uint8_t tx_bytes[CLOCK_BLOCKS][2];
    seq_bytes txs[CLOCK_BLOCKS];
    cons_block blocks[CLOCK_BLOCKS];
    char tx_hash[CLOCK_BLOCKS][67];    /* "0x..." of block h's tx at [h - 1] */
    char block_hash[CLOCK_BLOCKS][67]; /* likewise the block hashes */
} clock_chain;

static void hex_text(char out[67], const seq_hash *h)
{
    out[0] = '0';
    out[1] = 'x';
    for (size_t i = 0; i < SEQ_HASH_BYTES; i++)
        snprintf(out + 2 + 2 * i, 3, "%02x", h->b[i]);
}

static void chain_commit(fixture *f, clock_chain *c)
{
    memset(c, 0, sizeof *c);
    seq_hash parent = {{0}};
    cons_block commits[CLOCK_BLOCKS];
    for (size_t i = 0; i < CLOCK_BLOCKS; i++) {
        c->tx_bytes[i][0] = 0xc1;
        c->tx_bytes[i][1] = (uint8_t)(i + 1);
        c->txs[i] = (seq_bytes){.ptr = c->tx_bytes[i], .len = 2};
        seq_hash tx;
        l1_keccak256(&tx, c->tx_bytes[i], 2);
        hex_text(c->tx_hash[i], &tx);
        cons_block *b = &c->blocks[i];
        b->block.header = (seq_block_header){.l2_chain_id = CHAIN_ID,
                                             .height = i + 1,
                                             .view = i + 1,
                                             .parent_hash = parent,
                                             .timestamp_ms = 5000 + i + 1};
        l1_merkle_root(&b->block.header.tx_root, &tx, 1);
        l1_block_hash(&b->hash, &b->block.header);
        b->block.tx_count = 1;
        b->block.txs = &c->txs[i];
        hex_text(c->block_hash[i], &b->hash);
        parent = b->hash;
        commits[i] = (cons_block){.hash = b->hash, .block = {.header = b->block.header}};
    }
    cons_update u = {.block_count = CLOCK_BLOCKS,
                     .blocks = c->blocks,
                     .commit_count = CLOCK_BLOCKS,
                     .commits = commits};
    assert_int_equal(store_apply(f->store, &u), SEQ_OK);
}

/* Batch index on L1 block l1_block holding heights first..last (0, 0:
 * forceAdvance), its hashes patterns of the index. */
static store_l1_batch clock_batch(uint64_t index, uint64_t first, uint64_t last, uint64_t l1_block)
{
    store_l1_batch b;
    memset(&b, 0, sizeof b);
    b.index = index;
    memset(b.batch_hash.b, (int)(0x10 + index), SEQ_HASH_BYTES);
    memset(b.data_hash.b, (int)(0x20 + index), SEQ_HASH_BYTES);
    b.first_height = first;
    b.last_height = last;
    b.forced_cursor = index;
    for (size_t i = 0; i < SEQ_ADDR_BYTES; i++)
        b.poster.b[i] = (uint8_t)(0xa0 + i); /* mixed case in EIP-55 */
    b.l1_block = l1_block;
    memset(b.l1_block_hash.b, (int)(0x30 + index), SEQ_HASH_BYTES);
    memset(b.l1_tx_hash.b, (int)(0x40 + index), SEQ_HASH_BYTES);
    return b;
}

/* "0x" and 32 bytes of value, in hex. */
static void pattern_text(char out[67], uint8_t value)
{
    seq_hash h;
    memset(h.b, value, SEQ_HASH_BYTES);
    hex_text(out, &h);
}

/* The result of seq_getTransactionStatus for hash; json_decref the reply. */
static json_t *tx_status_of(fixture *f, json_t **result, const char *hash)
{
    char body[200];
    snprintf(body, sizeof body,
             "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"seq_getTransactionStatus\","
             "\"params\":[\"%s\"]}",
             hash);
    json_t *r = call(f, body);
    *result = json_object_get(r, "result");
    assert_true(json_is_object(*result));
    return r;
}

/* The result of seq_getBlockByHeight for height; json_decref the reply. */
static json_t *block_of(fixture *f, json_t **result, uint64_t height)
{
    char body[160];
    snprintf(body, sizeof body,
             "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"seq_getBlockByHeight\","
             "\"params\":[%llu]}",
             (unsigned long long)height);
    json_t *r = call(f, body);
    *result = json_object_get(r, "result");
    assert_true(json_is_object(*result));
    return r;
}

/* posted is exactly batch b's object. */
static void expect_posted(const json_t *posted, const store_l1_batch *b)
{
    assert_true(json_is_object(posted));
    assert_int_equal(json_object_size(posted), 8);
    assert_int_equal(json_integer_value(json_object_get(posted, "batchIndex")), b->index);
    assert_int_equal(json_integer_value(json_object_get(posted, "l1Block")), b->l1_block);
    assert_int_equal(json_integer_value(json_object_get(posted, "firstHeight")), b->first_height);
    assert_int_equal(json_integer_value(json_object_get(posted, "lastHeight")), b->last_height);
    char want[67];
    hex_text(want, &b->batch_hash);
    assert_string_equal(json_string_value(json_object_get(posted, "batchHash")), want);
    hex_text(want, &b->l1_block_hash);
    assert_string_equal(json_string_value(json_object_get(posted, "l1BlockHash")), want);
    hex_text(want, &b->l1_tx_hash);
    assert_string_equal(json_string_value(json_object_get(posted, "l1TxHash")), want);
    char poster[43];
    l1_addr_checksum(poster, &b->poster);
    assert_string_equal(json_string_value(json_object_get(posted, "poster")), poster);
}

static void expect_final(const json_t *final, uint64_t index, uint64_t l1_block, uint64_t finalized)
{
    assert_true(json_is_object(final));
    assert_int_equal(json_object_size(final), 3);
    assert_int_equal(json_integer_value(json_object_get(final, "batchIndex")), index);
    assert_int_equal(json_integer_value(json_object_get(final, "l1Block")), l1_block);
    assert_int_equal(json_integer_value(json_object_get(final, "l1Finalized")), finalized);
}

/* The answer for the tx of block h: status, soft confirmation, posted
 * (batch; NULL: null) and final (batch with f->finalized; false: null). */
static void expect_tx(fixture *f, const clock_chain *c, uint64_t h, const char *status,
                      const store_l1_batch *batch, bool final)
{
    json_t *st;
    json_t *r = tx_status_of(f, &st, c->tx_hash[h - 1]);
    assert_string_equal(json_string_value(json_object_get(st, "hash")), c->tx_hash[h - 1]);
    assert_string_equal(json_string_value(json_object_get(st, "status")), status);
    json_t *soft = json_object_get(st, "softConfirmed");
    assert_int_equal(json_integer_value(json_object_get(soft, "height")), h);
    assert_int_equal(json_integer_value(json_object_get(soft, "index")), 0);
    assert_int_equal(json_integer_value(json_object_get(soft, "timestampMs")), 5000 + h);
    assert_string_equal(json_string_value(json_object_get(soft, "blockHash")),
                        c->block_hash[h - 1]);
    if (batch == NULL)
        assert_true(json_is_null(json_object_get(st, "posted")));
    else
        expect_posted(json_object_get(st, "posted"), batch);
    if (!final)
        assert_true(json_is_null(json_object_get(st, "final")));
    else
        expect_final(json_object_get(st, "final"), batch->index, batch->l1_block, f->finalized);
    assert_int_equal(json_object_size(st), 5);
    json_decref(r);
}

static void test_tx_clocks(void **state)
{
    fixture *f = *state;
    clock_chain *c = malloc(sizeof *c);
    assert_non_null(c);
    chain_commit(f, c);

    /* Committed, nothing on L1: soft-confirmed only, and the status source
     * is not asked (only a posted block needs it). */
    unsigned calls = f->status_calls;
    expect_tx(f, c, 1, "softConfirmed", NULL, false);
    expect_tx(f, c, 4, "softConfirmed", NULL, false);
    assert_int_equal(f->status_calls, calls);

    /* Batch 0 holds 1..2 (L1 block 50), 1 is a forceAdvance (52), 2 holds
     * 3..4 (55); 5 and 6 are not posted. */
    store_l1_batch b[3] = {clock_batch(0, 1, 2, 50), clock_batch(1, 0, 0, 52),
                           clock_batch(2, 3, 4, 55)};
    store_l1_change change = {.batches = b, .batch_count = 3, .cursor_number = 60};
    assert_int_equal(store_l1_apply(f->store, &change), SEQ_OK);
    expect_tx(f, c, 1, "posted", &b[0], false);
    expect_tx(f, c, 2, "posted", &b[0], false);
    expect_tx(f, c, 3, "posted", &b[2], false); /* past the forceAdvance batch */
    expect_tx(f, c, 4, "posted", &b[2], false);
    expect_tx(f, c, 5, "softConfirmed", NULL, false);
    char text[67];
    pattern_text(text, 0x12);
    json_t *st;
    json_t *r = tx_status_of(f, &st, c->tx_hash[3]);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(st, "posted"), "batchHash")), text);
    json_decref(r);

    /* L1 finalized block 54: batch 0 is final, batch 2 (block 55) is not. */
    f->has_finalized = true;
    f->finalized = 54;
    expect_tx(f, c, 1, "final", &b[0], true);
    expect_tx(f, c, 2, "final", &b[0], true);
    expect_tx(f, c, 3, "posted", &b[2], false);
    expect_tx(f, c, 6, "softConfirmed", NULL, false);
    /* Below every batch: nothing final. */
    f->finalized = 49;
    expect_tx(f, c, 1, "posted", &b[0], false);
    /* Exactly the batch's block is final. */
    f->finalized = 55;
    expect_tx(f, c, 3, "final", &b[2], true);
    expect_tx(f, c, 1, "final", &b[0], true);
    /* A finalized number the link does not vouch for counts for nothing. */
    f->has_finalized = false;
    f->finalized = 1000;
    expect_tx(f, c, 3, "posted", &b[2], false);

    /* A reorg drops batch 2: its txs are soft-confirmed only again. */
    f->has_finalized = true;
    f->finalized = 54;
    store_l1_change rewind = {.rewind = true, .rewind_to = 53, .cursor_number = 53};
    assert_int_equal(store_l1_apply(f->store, &rewind), SEQ_OK);
    expect_tx(f, c, 3, "softConfirmed", NULL, false);
    expect_tx(f, c, 2, "final", &b[0], true);

    /* Not committed: unknown, every clock null. */
    r = tx_status_of(f, &st, "0x1111111111111111111111111111111111111111111111111111111111111111");
    assert_string_equal(json_string_value(json_object_get(st, "status")), "unknown");
    assert_true(json_is_null(json_object_get(st, "softConfirmed")));
    assert_true(json_is_null(json_object_get(st, "posted")));
    assert_true(json_is_null(json_object_get(st, "final")));
    json_decref(r);
    free(c);
}

/* seq_getBlockByHeight carries the same posted and final, null for
 * genesis, above the batches and before finality; the other members stay. */
static void test_block_clocks(void **state)
{
    fixture *f = *state;
    clock_chain *c = malloc(sizeof *c);
    assert_non_null(c);
    chain_commit(f, c);
    store_l1_batch b[4] = {clock_batch(0, 0, 0, 40), clock_batch(1, 1, 3, 41),
                           clock_batch(2, 0, 0, 42), clock_batch(3, 4, 5, 47)};
    store_l1_change change = {.batches = b, .batch_count = 4, .cursor_number = 50};
    assert_int_equal(store_l1_apply(f->store, &change), SEQ_OK);
    f->has_finalized = true;
    f->finalized = 45;

    json_t *blk;
    json_t *r = block_of(f, &blk, 0);
    assert_int_equal(json_integer_value(json_object_get(blk, "height")), 0);
    assert_true(json_is_null(json_object_get(blk, "posted")));
    assert_true(json_is_null(json_object_get(blk, "final")));
    json_decref(r);

    r = block_of(f, &blk, 2);
    assert_int_equal(json_integer_value(json_object_get(blk, "height")), 2);
    assert_string_equal(json_string_value(json_object_get(blk, "hash")), c->block_hash[1]);
    assert_string_equal(json_string_value(json_object_get(blk, "parentHash")), c->block_hash[0]);
    assert_int_equal(json_integer_value(json_object_get(blk, "txCount")), 1);
    assert_int_equal(json_integer_value(json_object_get(blk, "timestampMs")), 5002);
    assert_int_equal(json_object_size(blk), 16); /* the 14 members before, and the two clocks */
    expect_posted(json_object_get(blk, "posted"), &b[1]);
    expect_final(json_object_get(blk, "final"), 1, 41, 45);
    json_decref(r);

    r = block_of(f, &blk, 5);
    expect_posted(json_object_get(blk, "posted"), &b[3]);
    assert_true(json_is_null(json_object_get(blk, "final"))); /* block 47 > 45 */
    json_decref(r);
    r = block_of(f, &blk, 6);
    assert_true(json_is_null(json_object_get(blk, "posted")));
    assert_true(json_is_null(json_object_get(blk, "final")));
    json_decref(r);

    /* With tx hashes too. */
    r = call(f, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"seq_getBlockByHeight\","
                "\"params\":[4,true]}");
    blk = json_object_get(r, "result");
    assert_string_equal(json_string_value(json_array_get(json_object_get(blk, "transactions"), 0)),
                        c->tx_hash[3]);
    expect_posted(json_object_get(blk, "posted"), &b[3]);
    json_decref(r);
    f->finalized = 47;
    r = block_of(f, &blk, 4);
    expect_final(json_object_get(blk, "final"), 3, 47, 47);
    json_decref(r);
    free(c);
}

/* ------------------------------------------------------------ evidence */

/* Two conflicting statements of kind by validator who (an address of
 * bytes who) at view (the batch index for attestations); signatures are
 * patterns, the store does not check them. */
static void evidence_make(wire_evidence *e, wire_evidence_kind kind, uint8_t who, uint64_t view)
{
    memset(e, 0, sizeof *e);
    e->kind = kind;
    seq_addr signer;
    memset(signer.b, who, SEQ_ADDR_BYTES);
    if (kind == WIRE_EVIDENCE_TIMEOUT) {
        wire_timeout_statement *a = &e->u.timeout.a, *b = &e->u.timeout.b;
        a->stmt = (seq_timeout_stmt){.l2_chain_id = CHAIN_ID, .view = view, .high_qc_view = 1};
        b->stmt = a->stmt;
        b->stmt.high_qc_view = 2;
        a->signer = b->signer = signer;
        memset(a->sig.b, 0xa1, SEQ_SIG_BYTES);
        memset(b->sig.b, 0xb1, SEQ_SIG_BYTES);
    } else if (kind == WIRE_EVIDENCE_ATTESTATION) {
        wire_attestation *a = &e->u.attestation.a, *b = &e->u.attestation.b;
        a->stmt = (seq_attestation_stmt){
            .l2_chain_id = CHAIN_ID, .index = view, .first_height = 10, .last_height = 20};
        memset(a->stmt.data_hash.b, 0x0d, SEQ_HASH_BYTES);
        b->stmt = a->stmt;
        memset(b->stmt.data_hash.b, 0x0e, SEQ_HASH_BYTES);
        a->signer = b->signer = signer;
        memset(a->sig.b, 0xa2, SEQ_SIG_BYTES);
        memset(b->sig.b, 0xb2, SEQ_SIG_BYTES);
    } else {
        wire_block_statement *a = &e->u.block.a, *b = &e->u.block.b;
        a->stmt = (seq_block_stmt){.l2_chain_id = CHAIN_ID, .view = view, .height = view + 1};
        memset(a->stmt.block_hash.b, 0xaa, SEQ_HASH_BYTES);
        b->stmt = a->stmt;
        memset(b->stmt.block_hash.b, 0xbb, SEQ_HASH_BYTES);
        a->signer = b->signer = signer;
        memset(a->sig.b, 0xa3, SEQ_SIG_BYTES);
        memset(b->sig.b, 0xb3, SEQ_SIG_BYTES);
    }
}

/* The result of seq_getEvidence with params_json (NULL: none); json_decref
 * the reply, *result points into it. */
static json_t *get_evidence(fixture *f, json_t **result, const char *params_json)
{
    char body[256];
    snprintf(body, sizeof body, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"seq_getEvidence\"%s%s}",
             params_json != NULL ? ",\"params\":" : "", params_json != NULL ? params_json : "");
    json_t *r = call(f, body);
    *result = json_object_get(r, "result");
    return r;
}

static void test_evidence(void **state)
{
    fixture *f = *state;
    json_t *result = NULL;
    json_t *r = get_evidence(f, &result, NULL);
    assert_int_equal(json_array_size(json_object_get(result, "evidence")), 0);
    assert_true(json_is_false(json_object_get(result, "truncated")));
    assert_int_equal(json_integer_value(json_object_get(result, "limit")), NODE_API_EVIDENCE_MAX);
    json_decref(r);

    wire_evidence ev[4];
    evidence_make(&ev[0], WIRE_EVIDENCE_VOTE, 0x22, 7);
    evidence_make(&ev[1], WIRE_EVIDENCE_TIMEOUT, 0x22, 8);
    evidence_make(&ev[2], WIRE_EVIDENCE_ATTESTATION, 0x33, 5);
    evidence_make(&ev[3], WIRE_EVIDENCE_PROPOSAL, 0x33, 9);
    cons_update u = {.evidence_count = 4, .evidence = ev};
    assert_int_equal(store_apply(f->store, &u), SEQ_OK);

    /* Everything, in store order (kind first). */
    r = get_evidence(f, &result, "[]");
    json_t *list = json_object_get(result, "evidence");
    assert_int_equal(json_array_size(list), 4);
    const char *kinds[] = {"proposal", "vote", "timeout", "attestation"};
    for (size_t i = 0; i < 4; i++)
        assert_string_equal(json_string_value(json_object_get(json_array_get(list, i), "kind")),
                            kinds[i]);
    json_t *vote = json_array_get(list, 1);
    char who[43];
    seq_addr a22;
    memset(a22.b, 0x22, SEQ_ADDR_BYTES);
    l1_addr_checksum(who, &a22);
    assert_string_equal(json_string_value(json_object_get(vote, "validator")), who);
    assert_int_equal(json_integer_value(json_object_get(vote, "view")), 7);
    json_t *va = json_object_get(vote, "a"), *vb = json_object_get(vote, "b");
    assert_int_equal(json_integer_value(json_object_get(va, "height")), 8);
    assert_int_equal(json_integer_value(json_object_get(va, "l2ChainId")), CHAIN_ID);
    assert_string_equal(json_string_value(json_object_get(va, "blockHash")),
                        "0xaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
    assert_string_equal(json_string_value(json_object_get(vb, "blockHash")),
                        "0xbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb");
    const char *sig = json_string_value(json_object_get(vb, "signature"));
    assert_non_null(sig);
    assert_int_equal(strlen(sig), 2 + 2 * SEQ_SIG_BYTES);
    assert_true(strncmp(sig, "0xb3b3", 6) == 0);
    json_t *timeout = json_array_get(list, 2);
    assert_int_equal(
        json_integer_value(json_object_get(json_object_get(timeout, "b"), "highQcView")), 2);
    json_t *att = json_array_get(list, 3);
    assert_int_equal(json_integer_value(json_object_get(att, "batchIndex")), 5);
    assert_null(json_object_get(att, "view"));
    json_t *aa = json_object_get(att, "a");
    assert_int_equal(json_integer_value(json_object_get(aa, "lastHeight")), 20);
    assert_non_null(json_string_value(json_object_get(aa, "prevBatchHash")));
    assert_string_equal(json_string_value(json_object_get(json_object_get(att, "b"), "dataHash")),
                        "0x0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e");
    json_decref(r);

    /* One validator: lower case or its checksum; null is no filter. */
    r = get_evidence(f, &result, "[\"0x3333333333333333333333333333333333333333\"]");
    assert_int_equal(json_array_size(json_object_get(result, "evidence")), 2);
    json_decref(r);
    char params[64];
    snprintf(params, sizeof params, "[\"%s\"]", who);
    r = get_evidence(f, &result, params);
    assert_int_equal(json_array_size(json_object_get(result, "evidence")), 2);
    json_decref(r);
    r = get_evidence(f, &result, "[\"0x4444444444444444444444444444444444444444\"]");
    assert_int_equal(json_array_size(json_object_get(result, "evidence")), 0);
    json_decref(r);
    r = get_evidence(f, &result, "[null]");
    assert_int_equal(json_array_size(json_object_get(result, "evidence")), 4);
    json_decref(r);

    const char *bad[] = {"[\"0x12\"]", "[7]", "{\"validator\":null}",
                         "[\"0x3333333333333333333333333333333333333333\",null]",
                         "[\"0xAaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"]"};
    for (size_t i = 0; i < SEQ_ARRAY_LEN(bad); i++) {
        r = get_evidence(f, &result, bad[i]);
        assert_int_equal(error_code(r), -32602);
        json_decref(r);
    }
}

/* More records than NODE_API_EVIDENCE_MAX: the first ones, and the reply
 * says it is cut. A filter counts only the matching records. */
static void test_evidence_cap(void **state)
{
    fixture *f = *state;
    size_t n = NODE_API_EVIDENCE_MAX + 3;
    wire_evidence *ev = calloc(n + 1, sizeof *ev);
    assert_non_null(ev);
    /* Several signers: the store keeps STORE_EVIDENCE_PER_SIGNER_MAX each. */
    for (size_t i = 0; i < n; i++)
        evidence_make(&ev[i], WIRE_EVIDENCE_VOTE,
                      (uint8_t)(0x10 + i / STORE_EVIDENCE_PER_SIGNER_MAX),
                      100 + i % STORE_EVIDENCE_PER_SIGNER_MAX);
    evidence_make(&ev[n], WIRE_EVIDENCE_TIMEOUT, 0x66, 3);
    cons_update u = {.evidence_count = n + 1, .evidence = ev};
    assert_int_equal(store_apply(f->store, &u), SEQ_OK);
    free(ev);
    json_t *result = NULL;
    json_t *r = get_evidence(f, &result, NULL);
    json_t *list = json_object_get(result, "evidence");
    assert_int_equal(json_array_size(list), NODE_API_EVIDENCE_MAX);
    assert_true(json_is_true(json_object_get(result, "truncated")));
    assert_int_equal(json_integer_value(json_object_get(json_array_get(list, 0), "view")), 100);
    json_decref(r);
    r = get_evidence(f, &result, "[\"0x6666666666666666666666666666666666666666\"]");
    assert_int_equal(json_array_size(json_object_get(result, "evidence")), 1);
    assert_true(json_is_false(json_object_get(result, "truncated")));
    json_decref(r);
}

/* --------------------------------------------------------- forced queue */

/* The reply to method with params_json (NULL: none); *result points into
 * it. json_decref the reply. */
static json_t *forced_call(fixture *f, json_t **result, const char *method, const char *params_json)
{
    char body[256];
    snprintf(body, sizeof body, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"%s\"%s%s}", method,
             params_json != NULL ? ",\"params\":" : "", params_json != NULL ? params_json : "");
    json_t *r = call(f, body);
    *result = json_object_get(r, "result");
    return r;
}

static json_t *forced_entry_of(fixture *f, json_t **entry, uint64_t index)
{
    char params[32];
    snprintf(params, sizeof params, "[%llu]", (unsigned long long)index);
    json_t *r = forced_call(f, entry, "seq_getForcedEntry", params);
    assert_true(json_is_object(*entry));
    return r;
}

static uint64_t member_u64(const json_t *obj, const char *name)
{
    const json_t *v = json_object_get(obj, name);
    if (!json_is_integer(v))
        fail_msg("member %s is not an integer", name);
    return (uint64_t)json_integer_value(v);
}

/* The entry's own members, window known (FS_WINDOW). */
static void expect_entry(const json_t *e, const fs_scene *sc, size_t i)
{
    const store_l1_forced *q = &sc->entries[i];
    assert_int_equal(json_object_size(e), 10);
    assert_int_equal(member_u64(e, "index"), i);
    char text[67];
    l1_addr_checksum(text, &q->sender);
    assert_string_equal(json_string_value(json_object_get(e, "sender")), text);
    assert_int_equal(member_u64(e, "l1Block"), q->l1_block);
    assert_int_equal(member_u64(e, "l1Timestamp"), FS_T0 + q->l1_block);
    hex_text(text, &q->tx_hash);
    assert_string_equal(json_string_value(json_object_get(e, "txHash")), text);
    assert_int_equal(member_u64(e, "txBytes"), q->tx_len);
    assert_int_equal(member_u64(e, "dueL1Block"), q->l1_block + FS_DUE);
    assert_int_equal(member_u64(e, "deadlineL1Block"), q->l1_block + FS_WINDOW);
}

/* consumed by block height, the tx committed at tx_height (0: not) at
 * index 0, and the soft latency. */
static void expect_consumed(const json_t *e, const fs_scene *sc, uint64_t height,
                            uint64_t tx_height, uint64_t soft_ms)
{
    const json_t *c = json_object_get(e, "consumed");
    assert_true(json_is_object(c));
    assert_int_equal(json_object_size(c), 7);
    assert_int_equal(member_u64(c, "height"), height);
    char text[67];
    hex_text(text, &sc->blocks[height - 1].hash);
    assert_string_equal(json_string_value(json_object_get(c, "blockHash")), text);
    assert_int_equal(member_u64(c, "timestampMs"), FS_BLOCK_MS[height - 1]);
    assert_true(json_is_boolean(json_object_get(c, "copied")));
    assert_int_equal(json_is_true(json_object_get(c, "copied")), tx_height != 0);
    if (tx_height == 0) {
        assert_true(json_is_null(json_object_get(c, "txHeight")));
        assert_true(json_is_null(json_object_get(c, "txIndex")));
    } else {
        assert_int_equal(member_u64(c, "txHeight"), tx_height);
        assert_int_equal(member_u64(c, "txIndex"), 0);
    }
    assert_int_equal(member_u64(c, "softLatencyMs"), soft_ms);
}

/* posted by batch index at l1_block; l1_time 0: no origin known. */
static void expect_posted_by(const json_t *e, uint64_t index, uint64_t l1_block, bool force_advance,
                             bool within, uint64_t l1_time, uint64_t latency_ms)
{
    const json_t *p = json_object_get(e, "posted");
    assert_true(json_is_object(p));
    assert_int_equal(json_object_size(p), 6);
    assert_int_equal(member_u64(p, "batchIndex"), index);
    assert_int_equal(member_u64(p, "l1Block"), l1_block);
    assert_int_equal(json_is_true(json_object_get(p, "forceAdvance")), force_advance);
    assert_true(json_is_boolean(json_object_get(p, "withinWindow")));
    assert_int_equal(json_is_true(json_object_get(p, "withinWindow")), within);
    if (l1_time == 0) {
        assert_true(json_is_null(json_object_get(p, "l1Timestamp")));
        assert_true(json_is_null(json_object_get(p, "postedLatencyMs")));
    } else {
        assert_int_equal(member_u64(p, "l1Timestamp"), l1_time);
        assert_int_equal(member_u64(p, "postedLatencyMs"), latency_ms);
    }
}

static void test_forced_entries(void **state)
{
    fixture *f = *state;
    f->inclusion_window = FS_WINDOW;
    json_t *e = NULL;
    /* Nothing stored: null. */
    json_t *r = forced_call(f, &e, "seq_getForcedEntry", "[0]");
    assert_true(json_is_null(e));
    assert_null(json_object_get(r, "error"));
    json_decref(r);

    fs_scene *sc = malloc(sizeof *sc);
    assert_non_null(sc);
    fs_scene_store(sc, f->store, CHAIN_ID);
    /* 0: copied into the consuming block 2, posted in batch 0 (L1 block
     * 14, in the window; no origin stored for it). */
    r = forced_entry_of(f, &e, 0);
    expect_entry(e, sc, 0);
    expect_consumed(e, sc, 2, 2, 700);
    expect_posted_by(e, 0, 14, false, true, 0, 0);
    json_decref(r);
    /* 1: consumed by block 2 without a copy, its tx ordered at height 1;
     * block 2 is older than its L1 time: latency 0. */
    r = forced_entry_of(f, &e, 1);
    expect_entry(e, sc, 1);
    expect_consumed(e, sc, 2, 1, 0);
    expect_posted_by(e, 0, 14, false, true, 0, 0);
    json_decref(r);
    /* 2: consumed by block 3, tx never committed; batch 1 at L1 block 30,
     * past its deadline 20. */
    r = forced_entry_of(f, &e, 2);
    expect_entry(e, sc, 2);
    expect_consumed(e, sc, 3, 0, 3000);
    expect_posted_by(e, 1, 30, false, false, FS_T0 + 30, 18000);
    json_decref(r);
    /* 3: consumed on L1 by a forceAdvance batch, then by block 4. */
    r = forced_entry_of(f, &e, 3);
    expect_entry(e, sc, 3);
    expect_consumed(e, sc, 4, 0, 21000);
    expect_posted_by(e, 2, 40, true, false, FS_T0 + 40, 20000);
    json_decref(r);
    /* 4: copied by block 5, on no batch yet; 5: consumed nowhere. */
    r = forced_entry_of(f, &e, 4);
    expect_entry(e, sc, 4);
    expect_consumed(e, sc, 5, 5, 7000);
    assert_true(json_is_null(json_object_get(e, "posted")));
    json_decref(r);
    r = forced_call(f, &e, "seq_getForcedEntry", "[\"0x5\"]");
    expect_entry(e, sc, 5);
    assert_true(json_is_null(json_object_get(e, "consumed")));
    assert_true(json_is_null(json_object_get(e, "posted")));
    json_decref(r);
    /* Past the queue: null. */
    const char *past[] = {"[6]", "[\"0x6\"]", "[\"0xffffffffffffffff\"]"};
    for (size_t i = 0; i < SEQ_ARRAY_LEN(past); i++) {
        r = forced_call(f, &e, "seq_getForcedEntry", past[i]);
        assert_true(json_is_null(e));
        assert_null(json_object_get(r, "error"));
        json_decref(r);
    }

    /* Origin 30 replaced by another block: batch 1's L1 time is unknown. */
    store_l1_origin other = {.number = 30, .timestamp = FS_T0 + 99};
    memset(other.hash.b, 0x99, SEQ_HASH_BYTES);
    assert_int_equal(store_l1_origins_put(f->store, &other, 1, 0), SEQ_OK);
    r = forced_entry_of(f, &e, 2);
    expect_posted_by(e, 1, 30, false, false, 0, 0);
    json_decref(r);

    /* Without an L1 link the window is unknown: due, deadline and
     * withinWindow are null, the rest stays. */
    f->inclusion_window = 0;
    r = forced_entry_of(f, &e, 3);
    assert_true(json_is_null(json_object_get(e, "dueL1Block")));
    assert_true(json_is_null(json_object_get(e, "deadlineL1Block")));
    const json_t *posted = json_object_get(e, "posted");
    assert_true(json_is_null(json_object_get(posted, "withinWindow")));
    assert_int_equal(member_u64(posted, "postedLatencyMs"), 20000);
    expect_consumed(e, sc, 4, 0, 21000);
    json_decref(r);
    free(sc);
}

static void test_forced_queue(void **state)
{
    fixture *f = *state;
    f->inclusion_window = FS_WINDOW;
    json_t *q = NULL;
    json_t *r = forced_call(f, &q, "seq_getForcedQueue", NULL);
    assert_int_equal(json_object_size(q), 5);
    assert_int_equal(member_u64(q, "count"), 0);
    assert_int_equal(member_u64(q, "consumedL2"), 0);
    assert_int_equal(member_u64(q, "consumedL1"), 0);
    assert_int_equal(member_u64(q, "dueBlocks"), FS_DUE);
    assert_int_equal(member_u64(q, "windowBlocks"), FS_WINDOW);
    json_decref(r);

    fs_scene *sc = malloc(sizeof *sc);
    assert_non_null(sc);
    fs_scene_store(sc, f->store, CHAIN_ID);
    r = forced_call(f, &q, "seq_getForcedQueue", "[]");
    assert_int_equal(member_u64(q, "count"), FS_ENTRIES);
    assert_int_equal(member_u64(q, "consumedL2"), 5); /* block 5's cursor */
    assert_int_equal(member_u64(q, "consumedL1"), 4); /* the forceAdvance batch's */
    json_decref(r);

    f->inclusion_window = 0;
    r = forced_call(f, &q, "seq_getForcedQueue", "{}");
    assert_int_equal(member_u64(q, "count"), FS_ENTRIES);
    assert_true(json_is_null(json_object_get(q, "dueBlocks")));
    assert_true(json_is_null(json_object_get(q, "windowBlocks")));
    json_decref(r);
    free(sc);
}

static void test_forced_bad_params(void **state)
{
    fixture *f = *state;
    const char *entry[] = {NULL,      "[]",       "[-1]",          "[1,2]",
                           "[\"1\"]", "[\"0x\"]", "[1.5]",         "[\"0x1g\"]",
                           "[true]",  "[null]",   "{\"index\":1}", "[\"0x10000000000000000\"]"};
    for (size_t i = 0; i < SEQ_ARRAY_LEN(entry); i++) {
        json_t *result;
        json_t *r = forced_call(f, &result, "seq_getForcedEntry", entry[i]);
        if (error_code(r) != -32602)
            fail_msg("params %s: not -32602", entry[i] != NULL ? entry[i] : "(none)");
        const char *message =
            json_string_value(json_object_get(json_object_get(r, "error"), "message"));
        assert_non_null(strstr(message, "seq_getForcedEntry takes [index"));
        json_decref(r);
    }
    const char *queue[] = {"[1]", "{\"a\":1}", "[null]"};
    for (size_t i = 0; i < SEQ_ARRAY_LEN(queue); i++) {
        json_t *result;
        json_t *r = forced_call(f, &result, "seq_getForcedQueue", queue[i]);
        assert_int_equal(error_code(r), -32602);
        json_decref(r);
    }
}

/* A store that cannot answer (block 3's record damaged on disk): an
 * internal error for the entries whose lookup reads it, and the node goes
 * on answering the rest. */
static void test_forced_store_error(void **state)
{
    fixture *f = *state;
    f->inclusion_window = FS_WINDOW;
    fs_scene *sc = malloc(sizeof *sc);
    assert_non_null(sc);
    fs_scene_store(sc, f->store, CHAIN_ID);
    MDB_txn *txn;
    assert_int_equal(mdb_txn_begin(f->store->env, NULL, 0, &txn), MDB_SUCCESS);
    uint8_t junk[16] = {0xde, 0xad};
    MDB_val k = {.mv_size = SEQ_HASH_BYTES, .mv_data = sc->blocks[2].hash.b};
    MDB_val v = {.mv_size = sizeof junk, .mv_data = junk};
    assert_int_equal(mdb_put(txn, f->store->dbis[STORE_DBI_BLOCKS], &k, &v, 0), MDB_SUCCESS);
    assert_int_equal(mdb_txn_commit(txn), MDB_SUCCESS);

    json_t *e = NULL;
    json_t *r = forced_call(f, &e, "seq_getForcedEntry", "[2]");
    assert_int_equal(error_code(r), -32603);
    assert_null(e);
    json_decref(r);
    r = forced_call(f, &e, "seq_getForcedQueue", NULL);
    assert_int_equal(member_u64(e, "consumedL2"), 5);
    json_decref(r);
    r = call(f, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"seq_status\"}");
    assert_non_null(json_object_get(r, "result"));
    json_decref(r);
    free(sc);
}

/* seq_status carries the per-validator commit figures of the snapshot. */
static void test_status_commits(void **state)
{
    fixture *f = *state;
    json_t *r = call(f, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"seq_status\"}");
    json_t *result = json_object_get(r, "result");
    json_t *validators = json_object_get(result, "validators");
    assert_int_equal(json_array_size(validators), 4);
    json_t *v3 = json_array_get(validators, 3);
    assert_int_equal(json_integer_value(json_object_get(v3, "index")), 3);
    assert_int_equal(json_integer_value(json_object_get(v3, "proposedCommitted")), 13);
    assert_int_equal(json_integer_value(json_object_get(v3, "slotsMissed")), 3);
    char who[43];
    seq_addr a;
    memset(a.b, 0xc3, SEQ_ADDR_BYTES);
    l1_addr_checksum(who, &a);
    assert_string_equal(json_string_value(json_object_get(v3, "address")), who);
    assert_int_equal(json_integer_value(json_object_get(result, "slotsFromView")), 40);
    assert_int_equal(json_integer_value(json_object_get(result, "lastCommitMs")), 1767323045678);
    json_t *latency = json_object_get(result, "commitLatencyMs");
    assert_int_equal(json_integer_value(json_object_get(latency, "count")), 1);
    assert_int_equal(json_integer_value(json_object_get(latency, "sum")), 42);
    json_decref(r);
    /* Before any commit since start: null. */
    f->no_commit = true;
    r = call(f, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"seq_status\"}");
    assert_true(json_is_null(json_object_get(json_object_get(r, "result"), "lastCommitMs")));
    json_decref(r);
}

/* seq_status's l1: the finalized block and the batcher, null or absent
 * when there is nothing to report. */
static void test_status_batcher(void **state)
{
    fixture *f = *state;
    f->l1_batcher = true;
    f->has_finalized = true;
    f->finalized = 321;
    json_t *r = call(f, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"seq_status\"}");
    json_t *l1 = json_object_get(json_object_get(r, "result"), "l1");
    assert_int_equal(json_integer_value(json_object_get(l1, "finalized")), 321);
    json_t *b = json_object_get(l1, "batcher");
    assert_true(json_is_true(json_object_get(b, "enabled")));
    assert_true(json_is_true(json_object_get(b, "hasBatch")));
    assert_int_equal(json_integer_value(json_object_get(b, "index")), 9);
    assert_int_equal(json_integer_value(json_object_get(b, "firstHeight")), 100);
    assert_int_equal(json_integer_value(json_object_get(b, "lastHeight")), 120);
    assert_int_equal(json_integer_value(json_object_get(b, "attestations")), 3);
    assert_int_equal(json_integer_value(json_object_get(b, "quorumWeight")), 3);
    assert_int_equal(json_integer_value(json_object_get(b, "postsFailover")), 2);
    assert_int_equal(json_integer_value(json_object_get(b, "failoversSeen")), 5);
    assert_int_equal(json_integer_value(json_object_get(b, "postedHeight")), 99);
    assert_int_equal(json_integer_value(json_object_get(b, "postLagCount")), 4);
    assert_int_equal(json_integer_value(json_object_get(b, "postLagSumMs")), 6000);
    assert_string_equal(json_string_value(json_object_get(b, "lastError")), "postBatch 9 refused");
    json_t *o = json_object_get(l1, "origin");
    assert_int_equal(json_integer_value(json_object_get(o, "newest")), 318);
    assert_int_equal(json_integer_value(json_object_get(o, "newestTimestamp")), 1700000318);
    assert_int_equal(json_integer_value(json_object_get(o, "mismatches")), 1);
    json_t *fl = json_object_get(l1, "forcedL2");
    assert_int_equal(json_integer_value(json_object_get(fl, "cursor")), 5);
    assert_int_equal(json_integer_value(json_object_get(fl, "consumed")), 5);
    assert_int_equal(json_integer_value(json_object_get(fl, "included")), 4);
    assert_int_equal(json_integer_value(json_object_get(fl, "softLagCount")), 4);
    assert_int_equal(json_integer_value(json_object_get(fl, "softLagMeanMs")), 3000);
    assert_int_equal(json_integer_value(json_object_get(fl, "postedLagCount")), 2);
    assert_int_equal(json_integer_value(json_object_get(fl, "postedLagMeanMs")), 9000);
    json_decref(r);
    /* No finalized block known, no batcher: null. */
    f->has_finalized = false;
    f->l1_batcher = false;
    r = call(f, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"seq_status\"}");
    l1 = json_object_get(json_object_get(r, "result"), "l1");
    assert_false(json_is_true(json_object_get(l1, "enabled")));
    assert_null(json_object_get(l1, "batcher")); /* without an L1, l1 is {enabled: false} */
    json_decref(r);
}

/* ---------------------------------------------------------- test faults */

#define FAULT_PEERS 4u
#define FAULT_SELF  2u

/* A net of FAULT_PEERS validators, this node FAULT_SELF, not started (the
 * fault layer needs no connection), its fault layer as enabled says. */
static net *fault_net(bool enabled)
{
    char urls[FAULT_PEERS][32];
    uint8_t seeds[FAULT_PEERS][NET_SEED_BYTES];
    net_peer_config peers[FAULT_PEERS];
    memset(peers, 0, sizeof peers);
    for (uint32_t i = 0; i < FAULT_PEERS; i++) {
        uint8_t sk[NET_SECRET_KEY_BYTES];
        memset(seeds[i], (int)(i + 1), NET_SEED_BYTES);
        crypto_sign_seed_keypair(peers[i].transport_public_key, sk, seeds[i]);
        peers[i].address.b[SEQ_ADDR_BYTES - 1] = (uint8_t)(i + 1);
        snprintf(urls[i], sizeof urls[i], "tcp://127.0.0.1:%u", 7000u + i);
        peers[i].url = urls[i];
    }
    net_config c = {.peers = peers,
                    .peer_count = FAULT_PEERS,
                    .self_index = FAULT_SELF,
                    .transport_secret_key = seeds[FAULT_SELF],
                    .transport_secret_key_len = NET_SEED_BYTES,
                    .faults_enabled = enabled,
                    .fault_seed = 1};
    net *n = NULL;
    assert_int_equal(net_new(&n, &c), SEQ_OK);
    return n;
}

/* seq_testSetFault with params (a JSON array's text); the reply. */
static json_t *set_fault(fixture *f, const char *params)
{
    char body[512];
    snprintf(body, sizeof body,
             "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"seq_testSetFault\","
             "\"params\":%s}",
             params);
    return call(f, body);
}

/* The listing's entry for peer (in result.peers), checked against want. */
static void expect_listed(const json_t *reply, uint32_t peer, const net_fault *want)
{
    const json_t *peers = json_object_get(json_object_get(reply, "result"), "peers");
    assert_int_equal(json_array_size(peers), FAULT_PEERS - 1u);
    const json_t *p = json_array_get(peers, peer < FAULT_SELF ? peer : peer - 1u);
    assert_int_equal(json_integer_value(json_object_get(p, "peer")), peer);
    assert_int_equal(json_integer_value(json_object_get(p, "delay_ms")), want->delay_ms);
    assert_int_equal(json_integer_value(json_object_get(p, "jitter_ms")), want->jitter_ms);
    assert_int_equal(json_integer_value(json_object_get(p, "drop_ppm")), want->drop_ppm);
    assert_int_equal(json_integer_value(json_object_get(p, "duplicate_ppm")), want->duplicate_ppm);
    assert_true(json_is_boolean(json_object_get(p, "block_send")));
    assert_int_equal(json_is_true(json_object_get(p, "block_send")), want->block_send);
    assert_int_equal(json_is_true(json_object_get(p, "block_recv")), want->block_recv);
}

/* What the net has in force on the link to peer is want. */
static void expect_in_force(net *n, uint32_t peer, const net_fault *want)
{
    net_fault got;
    assert_int_equal(net_fault_get(n, &got, peer), SEQ_OK);
    assert_int_equal(got.delay_ms, want->delay_ms);
    assert_int_equal(got.jitter_ms, want->jitter_ms);
    assert_int_equal(got.drop_ppm, want->drop_ppm);
    assert_int_equal(got.duplicate_ppm, want->duplicate_ppm);
    assert_int_equal(got.block_send, want->block_send);
    assert_int_equal(got.block_recv, want->block_recv);
}

/* One link, then every link ("all"), then healed with {}; the listing
 * after each, from seq_testSetFault and seq_testGetFault alike. */
static void test_fault_set_and_list(void **state)
{
    fixture *f = *state;
    f->rpc.net = fault_net(true);
    if (!NODE_TEST_MODES) { /* a release build has no such method */
        json_t *r = set_fault(f, "[1,{}]");
        assert_int_equal(error_code(r), -32601);
        json_decref(r);
        net_free(f->rpc.net);
        return;
    }
    const net_fault zero = {0};
    json_t *r = call(f, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"seq_testGetFault\"}");
    assert_int_equal(json_integer_value(json_object_get(json_object_get(r, "result"), "self")),
                     FAULT_SELF);
    for (uint32_t p = 0; p < FAULT_PEERS; p++)
        if (p != FAULT_SELF)
            expect_listed(r, p, &zero);
    json_decref(r);

    /* One link; a missing key is 0 or false. */
    const net_fault slow = {.delay_ms = 300, .jitter_ms = 20};
    r = set_fault(f, "[1,{\"delay_ms\":300,\"jitter_ms\":20}]");
    expect_listed(r, 0, &zero);
    expect_listed(r, 1, &slow);
    expect_listed(r, 3, &zero);
    json_decref(r);
    expect_in_force(f->rpc.net, 1, &slow);
    expect_in_force(f->rpc.net, 3, &zero);

    /* Every peer: the fault replaces what was in force. */
    const net_fault lossy = {.drop_ppm = 1000, .duplicate_ppm = 1000000, .block_recv = true};
    r = set_fault(f, "[\"all\",{\"drop_ppm\":1000,\"duplicate_ppm\":1000000,"
                     "\"block_recv\":true,\"block_send\":false}]");
    for (uint32_t p = 0; p < FAULT_PEERS; p++)
        if (p != FAULT_SELF) {
            expect_listed(r, p, &lossy);
            expect_in_force(f->rpc.net, p, &lossy);
        }
    json_decref(r);

    /* The bounds themselves are fine. */
    const net_fault most = {.delay_ms = NET_FAULT_DELAY_MS_MAX,
                            .jitter_ms = NET_FAULT_DELAY_MS_MAX,
                            .drop_ppm = NET_FAULT_PPM,
                            .duplicate_ppm = NET_FAULT_PPM,
                            .block_send = true,
                            .block_recv = true};
    r = set_fault(f, "[3,{\"delay_ms\":60000,\"jitter_ms\":60000,\"drop_ppm\":1000000,"
                     "\"duplicate_ppm\":1000000,\"block_send\":true,\"block_recv\":true}]");
    expect_listed(r, 3, &most);
    expect_listed(r, 0, &lossy);
    json_decref(r);

    /* {} heals; seq_testGetFault lists the same. */
    r = set_fault(f, "[\"all\",{}]");
    json_t *g =
        call(f, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"seq_testGetFault\",\"params\":[]}");
    assert_true(json_equal(json_object_get(r, "result"), json_object_get(g, "result")));
    for (uint32_t p = 0; p < FAULT_PEERS; p++)
        if (p != FAULT_SELF) {
            expect_listed(g, p, &zero);
            expect_in_force(f->rpc.net, p, &zero);
        }
    json_decref(r);
    json_decref(g);
    g = call(f, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"seq_testGetFault\",\"params\":[1]}");
    assert_int_equal(error_code(g), -32602);
    json_decref(g);
    net_free(f->rpc.net);
}

/* Every bad parameter is named; nothing changes. */
static void test_fault_bad_params(void **state)
{
    fixture *f = *state;
    if (!NODE_TEST_MODES)
        return; /* test_fault_set_and_list checks "method not found" */
    f->rpc.net = fault_net(true);
    const net_fault slow = {.delay_ms = 5};
    json_decref(set_fault(f, "[1,{\"delay_ms\":5}]"));
    const struct {
        const char *params, *why;
    } cases[] = {
        {"[]", "seq_testSetFault takes [peer"},
        {"[1]", "seq_testSetFault takes [peer"},
        {"[1,{},3]", "seq_testSetFault takes [peer"},
        {"{\"peer\":1,\"fault\":{}}", "seq_testSetFault takes [peer"},
        {"[\"some\",{}]", "peer: must be a validator index or \"all\""},
        {"[\"ALL\",{}]", "peer: must be a validator index or \"all\""},
        {"[1.0,{}]", "peer: must be a validator index"},
        {"[true,{}]", "peer: must be a validator index"},
        {"[null,{}]", "peer: must be a validator index"},
        {"[-1,{}]", "peer: -1 is not a committee index (0..3)"},
        {"[4,{}]", "peer: 4 is not a committee index (0..3)"},
        {"[2,{}]", "peer: 2 is this node itself"},
        {"[1,[]]", "fault: must be an object"},
        {"[1,null]", "fault: must be an object"},
        {"[1,{\"delay\":5}]", "fault.delay: unknown key (known: delay_ms, jitter_ms"},
        {"[1,{\"x\\u00e9\":5}]", "fault.x??: unknown key"},
        {"[1,{\"delay_ms\":60001}]", "fault.delay_ms: must be an integer in 0..60000"},
        {"[1,{\"delay_ms\":-1}]", "fault.delay_ms: must be an integer in 0..60000"},
        {"[1,{\"delay_ms\":\"5\"}]", "fault.delay_ms: must be an integer"},
        {"[1,{\"delay_ms\":5.0}]", "fault.delay_ms: must be an integer"},
        {"[1,{\"jitter_ms\":60001}]", "fault.jitter_ms: must be an integer in 0..60000"},
        {"[1,{\"drop_ppm\":1000001}]", "fault.drop_ppm: must be an integer in 0..1000000"},
        {"[1,{\"duplicate_ppm\":true}]", "fault.duplicate_ppm: must be an integer in 0..1000000"},
        {"[1,{\"block_send\":1}]", "fault.block_send: must be true or false"},
        {"[1,{\"block_recv\":\"true\"}]", "fault.block_recv: must be true or false"},
        {"[\"all\",{\"delay_ms\":1,\"drop_ppm\":2000000}]", "fault.drop_ppm"},
    };
    for (size_t i = 0; i < SEQ_ARRAY_LEN(cases); i++) {
        json_t *r = set_fault(f, cases[i].params);
        const char *message =
            json_string_value(json_object_get(json_object_get(r, "error"), "message"));
        if (error_code(r) != -32602 || message == NULL || strstr(message, cases[i].why) == NULL)
            fail_msg("case %zu (%s): got \"%s\"", i, cases[i].params,
                     message != NULL ? message : "?");
        json_decref(r);
    }
    expect_in_force(f->rpc.net, 1, &slow);
    expect_in_force(f->rpc.net, 0, &(net_fault){0});
    net_free(f->rpc.net);
}

/* A node whose config does not enable faults: no net, or a net without
 * its fault layer; specific error, nothing changes. */
static void test_fault_unavailable(void **state)
{
    fixture *f = *state;
    int want = NODE_TEST_MODES ? NODE_API_UNAVAILABLE : -32601;
    net *plain = fault_net(false);
    net *nets[] = {NULL, plain};
    for (size_t i = 0; i < SEQ_ARRAY_LEN(nets); i++) {
        f->rpc.net = nets[i];
        json_t *r = set_fault(f, "[1,{\"delay_ms\":5}]");
        assert_int_equal(error_code(r), want);
        const char *message =
            json_string_value(json_object_get(json_object_get(r, "error"), "message"));
        if (NODE_TEST_MODES)
            assert_non_null(strstr(message, "seq_testSetFault is unavailable: this node's config "
                                            "does not enable test faults (\"test\": "
                                            "{\"faults\": true})"));
        json_decref(r);
        r = call(f, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"seq_testGetFault\"}");
        assert_int_equal(error_code(r), want);
        json_decref(r);
    }
    net_free(plain);
    f->rpc.net = NULL;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_single_and_notifications, setup, teardown),
        cmocka_unit_test_setup_teardown(test_parse_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_batch_reply_cap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_submit_and_blocks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_evidence, setup, teardown),
        cmocka_unit_test_setup_teardown(test_evidence_cap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_status_commits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tx_clocks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_block_clocks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_status_batcher, setup, teardown),
        cmocka_unit_test_setup_teardown(test_forced_entries, setup, teardown),
        cmocka_unit_test_setup_teardown(test_forced_queue, setup, teardown),
        cmocka_unit_test_setup_teardown(test_forced_bad_params, setup, teardown),
        cmocka_unit_test_setup_teardown(test_forced_store_error, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fault_set_and_list, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fault_bad_params, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fault_unavailable, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
