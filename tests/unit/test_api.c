/* test_api.c — the node's JSON-RPC handling without HTTP (node_rpc_handle,
 * node/api.c): replies and their absence, parse errors, the batch reply
 * cap, submission into a real txpool over a real store. The HTTP side is
 * exercised by tests/e2e (test_committee, test_adversarial, test_faults);
 * fuzz/fuzz_jsonrpc.c fuzzes the same function.
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

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../node/internal.h"

#define CHAIN_ID 901u

typedef struct {
    char dir[64];
    store *store;
    node_txpool *pool;
    node_rpc rpc;
    unsigned status_calls;
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_single_and_notifications, setup, teardown),
        cmocka_unit_test_setup_teardown(test_parse_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_batch_reply_cap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_submit_and_blocks, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
