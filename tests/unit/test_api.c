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
    bool no_commit; /* the status reports no commit since start */
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
    for (size_t i = 0; i < n; i++)
        evidence_make(&ev[i], WIRE_EVIDENCE_VOTE, 0x55, 100 + i);
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
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
