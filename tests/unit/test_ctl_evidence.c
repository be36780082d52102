/* test_ctl_evidence.c — seqctl evidence (node/ctl_evidence.c) and the
 * seqctl L1 helpers it shares with l1 bond (ctl_force.c, ctl_l1.c),
 * without an L1 node:
 *
 * - the record -> l1_evidence conversion for all four kinds, and every
 *   way a record or an evidence file can be malformed, each named by its
 *   field; the record picker; the kind names;
 * - `evidence list` and `evidence show` against a node API: a fake
 *   JSON-RPC server (fake_rpc) handing each request to node_rpc_handle over
 *   a real store holding evidence signed here, so the records are what
 *   seqd answers; and the arguments of list, show and submit (exit 2,
 *   nothing sent);
 * - wei amounts, named reverts, the Committee views and validatorInfo
 *   against a fake L1 answering canned eth_chainId / eth_call results and
 *   reverts; the L1 key of a key directory or a hex key file.
 *
 * The sending half (node_ctl_send, node_ctl_event, node_ctl_rpc_failed)
 * runs against anvil in tests/contracts/test_evidence_cli.c and
 * test_force_cli.c.
 *
 * Includes node/internal.h: the functions are internal to node/. */
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
#include <sys/stat.h>

#include "../../node/internal.h"
#include "capture.h"
#include "fake_rpc.h"

#define CHAIN_ID    901u
#define L1_CHAIN_ID 31337u
#define SIGNER_SEED "test_ctl_evidence signer"
#define OTHER_SEED  "test_ctl_evidence other"

/* ------------------------------------------------------------ evidence */

static void key_of(uint8_t key[32], seq_addr *addr, const char *seed)
{
    seq_hash h;
    l1_keccak256(&h, (const uint8_t *)seed, strlen(seed));
    memcpy(key, h.b, 32);
    assert_int_equal(l1_secp_address(addr, key), SEQ_OK);
}

static void domain_of(seq_hash *out)
{
    seq_addr committee;
    memset(committee.b, 0x5f, SEQ_ADDR_BYTES);
    l1_eip712_domain_separator(out, L1_EIP712_NAME, L1_EIP712_VERSION, L1_CHAIN_ID, &committee);
}

/* Two conflicting statements of kind at view (batch index) v, signed by
 * the key of seed under domain_of. */
static void conflict(l1_evidence *e, l1_evidence_kind kind, uint64_t v, const char *seed)
{
    memset(e, 0, sizeof *e);
    e->kind = kind;
    if (kind == L1_EVIDENCE_TIMEOUT) {
        e->a.timeout = (l1_timeout_stmt){CHAIN_ID, v, v - 2};
        e->b.timeout = (l1_timeout_stmt){CHAIN_ID, v, v - 1};
    } else if (kind == L1_EVIDENCE_ATTESTATION) {
        l1_attestation_stmt t = {.l2_chain_id = CHAIN_ID,
                                 .index = v,
                                 .first_height = 10,
                                 .last_height = 19,
                                 .forced_cursor = 3};
        memset(t.prev_batch_hash.b, 0x77, SEQ_HASH_BYTES);
        memset(t.data_hash.b, 0x31, SEQ_HASH_BYTES);
        e->a.attestation = t;
        memset(t.data_hash.b, 0x32, SEQ_HASH_BYTES);
        e->b.attestation = t;
    } else {
        e->a.block = (l1_block_stmt){CHAIN_ID, v, v + 1, {{0}}};
        e->b.block = e->a.block;
        memset(e->a.block.block_hash.b, 0xaa, SEQ_HASH_BYTES);
        memset(e->b.block.block_hash.b, 0xbb, SEQ_HASH_BYTES);
    }
    uint8_t key[32];
    seq_addr addr;
    seq_hash domain, d;
    key_of(key, &addr, seed);
    domain_of(&domain);
    l1_evidence_digest(&d, &domain, kind, &e->a);
    assert_int_equal(l1_secp_sign(&e->sig_a, key, &d), SEQ_OK);
    l1_evidence_digest(&d, &domain, kind, &e->b);
    assert_int_equal(l1_secp_sign(&e->sig_b, key, &d), SEQ_OK);
}

/* e as wire evidence, signer named. */
static void to_wire(wire_evidence *w, const l1_evidence *e, const seq_addr *signer)
{
    memset(w, 0, sizeof *w);
    w->kind = (wire_evidence_kind)e->kind;
    if (e->kind == L1_EVIDENCE_TIMEOUT) {
        w->u.timeout.a = (wire_timeout_statement){e->a.timeout, *signer, e->sig_a};
        w->u.timeout.b = (wire_timeout_statement){e->b.timeout, *signer, e->sig_b};
    } else if (e->kind == L1_EVIDENCE_ATTESTATION) {
        w->u.attestation.a = (wire_attestation){e->a.attestation, *signer, e->sig_a};
        w->u.attestation.b = (wire_attestation){e->b.attestation, *signer, e->sig_b};
    } else {
        w->u.block.a = (wire_block_statement){e->a.block, *signer, e->sig_a};
        w->u.block.b = (wire_block_statement){e->b.block, *signer, e->sig_b};
    }
}

/* ------------------------------------------------------------- fixture */

typedef struct {
    char dir[64];
    store *store;
    node_txpool *pool;
    node_rpc rpc;
    fake_rpc server;
    char url[64];
    seq_addr signer;
    l1_evidence stored[4]; /* what the store holds, in kind order */
} fixture;

static void status_fill(void *ctx, node_status *out)
{
    (void)ctx;
    memset(out, 0, sizeof *out);
    out->running = true;
}

static void serve(fake_rpc *server, int conn, const fake_rpc_request *request)
{
    fixture *f = server->context;
    if (request->doc == NULL)
        return;
    char *text = json_dumps(request->doc, JSON_COMPACT);
    char *reply = NULL;
    size_t len = 0;
    if (text != NULL && node_rpc_handle(&f->rpc, &reply, &len, text, strlen(text)) == SEQ_OK &&
        reply != NULL)
        fake_rpc_respond(conn, "200 OK", reply);
    free(reply);
    free(text);
}

/* A node storing one piece of evidence of each kind by the signer. */
static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    snprintf(f->dir, sizeof f->dir, "/tmp/seq-ctl-evidence-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    seq_block_header genesis = {.l2_chain_id = CHAIN_ID, .timestamp_ms = 1000};
    seq_hash genesis_hash;
    l1_block_hash(&genesis_hash, &genesis);
    assert_int_equal(store_open(&f->store, f->dir, &genesis_hash, NULL), SEQ_OK);
    mempool_config c;
    mempool_config_default(&c, CHAIN_ID);
    assert_int_equal(node_txpool_new(&f->pool, &c, f->store, NULL, NULL), SEQ_OK);
    f->rpc = (node_rpc){.status = status_fill,
                        .status_ctx = f,
                        .store = f->store,
                        .pool = f->pool,
                        .genesis = genesis};
    uint8_t key[32];
    key_of(key, &f->signer, SIGNER_SEED);
    wire_evidence w[4];
    for (int k = 0; k < 4; k++) {
        conflict(&f->stored[k], (l1_evidence_kind)(k + 1), 7 + (uint64_t)k, SIGNER_SEED);
        to_wire(&w[k], &f->stored[k], &f->signer);
    }
    cons_update u = {.evidence_count = 4, .evidence = w};
    assert_int_equal(store_apply(f->store, &u), SEQ_OK);
    assert_true(fake_rpc_start(&f->server, serve, f));
    snprintf(f->url, sizeof f->url, "http://127.0.0.1:%u", (unsigned)f->server.port);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    fake_rpc_stop(&f->server);
    node_txpool_free(f->pool);
    store_close(f->store);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    assert_int_equal(system(cmd), 0);
    free(f);
    return 0;
}

/* Runs `seqctl evidence args...`; *out and *err are what it printed. */
static int run(char **out, char **err, const char *const *args, size_t n)
{
    char *argv[24] = {"seqctl", "evidence"};
    assert_true(n + 2 <= SEQ_ARRAY_LEN(argv));
    for (size_t i = 0; i < n; i++)
        argv[2 + i] = (char *)args[i];
    test_capture o, e;
    int code = node_seqctl_main((int)n + 2, argv, test_capture_begin(&o), test_capture_begin(&e));
    *out = test_capture_end(&o);
    *err = test_capture_end(&e);
    return code;
}

static void expect_in(const char *text, const char *needle)
{
    if (strstr(text, needle) == NULL)
        fail_msg("expected '%s' in:\n%s", needle, text);
}

/* The node's records of the signer (seq_getEvidence), json_decref it. */
static json_t *node_records(fixture *f)
{
    char addr[43], params[64], why[512];
    l1_addr_checksum(addr, &f->signer);
    snprintf(params, sizeof params, "[\"%s\"]", addr);
    json_t *answer = NULL;
    assert_int_equal(node_ctl_call(&answer, why, sizeof why, f->url, "seq_getEvidence", params),
                     SEQ_OK);
    assert_int_equal(json_array_size(json_object_get(answer, "evidence")), 4);
    return answer;
}

/* seqctl's client of a node: a bad URL is refused with no client; a good
 * one reaches the node's API. */
static void test_ctl_client(void **state)
{
    fixture *f = *state;
    l1_rpc *c = (l1_rpc *)f;
    assert_int_not_equal(node_ctl_client(&c, "not a url"), SEQ_OK);
    assert_null(c);
    assert_int_equal(node_ctl_client(&c, f->url), SEQ_OK);
    char *text = NULL;
    assert_int_equal(l1_rpc_call(c, &text, "seq_getEvidence", "[]"), SEQ_OK);
    assert_non_null(strstr(text, "evidence"));
    free(text);
    l1_rpc_free(c);
}

/* --------------------------------------------------------- conversion */

/* Every kind the node returns converts to the evidence it stored; the
 * validator is the signer; l1_evidence_check passes it. */
static void test_from_json_kinds(void **state)
{
    fixture *f = *state;
    json_t *answer = node_records(f);
    seq_hash domain;
    domain_of(&domain);
    for (size_t i = 0; i < 4; i++) {
        const json_t *r = json_array_get(json_object_get(answer, "evidence"), i);
        l1_evidence e;
        seq_addr v, signer;
        node_diag why;
        assert_int_equal(node_ctl_evidence_from_json(&e, &v, &why, "node", "", r), SEQ_OK);
        assert_true(seq_addr_equal(&v, &f->signer));
        const l1_evidence *want = &f->stored[e.kind - 1];
        assert_memory_equal(&e, want, sizeof e);
        const char *reason = "unset";
        assert_int_equal(l1_evidence_check(&e, &domain, CHAIN_ID, &signer, &reason), SEQ_OK);
        assert_true(seq_addr_equal(&signer, &f->signer));
    }
    json_decref(answer);
}

/* One malformed record: the error names where. */
static void expect_bad(const json_t *record, const char *where, const char *message)
{
    l1_evidence e;
    seq_addr v;
    node_diag why;
    memset(&e, 0xee, sizeof e);
    seq_err err = node_ctl_evidence_from_json(&e, &v, &why, "ev.json", where, record);
    if (err == SEQ_OK)
        fail_msg("accepted, expected: %s", message);
    expect_in(why.text, message);
    l1_evidence zero;
    memset(&zero, 0, sizeof zero);
    assert_memory_equal(&e, &zero, sizeof e);
}

/* A copy of the node's record i, json_decref it. */
static json_t *record_copy(const json_t *answer, size_t i)
{
    json_t *r = json_deep_copy(json_array_get(json_object_get(answer, "evidence"), i));
    assert_non_null(r);
    return r;
}

static void test_from_json_malformed(void **state)
{
    fixture *f = *state;
    json_t *answer = node_records(f);
    /* Store order is by kind: 0 proposal, 1 vote, 2 timeout, 3 attestation. */
    json_t *r = record_copy(answer, 1);
    json_object_del(r, "kind");
    expect_bad(r, "", "ev.json: kind: missing field");
    json_object_set_new(r, "kind", json_integer(2));
    expect_bad(r, "", "ev.json: kind: must be a string");
    json_object_set_new(r, "kind", json_string("Vote"));
    expect_bad(r, "", "ev.json: kind: 'Vote' is not proposal, vote, timeout or attestation");
    json_decref(r);

    r = record_copy(answer, 1);
    json_object_set_new(r, "extra", json_true());
    expect_bad(r, "", "ev.json: extra: unknown field");
    json_decref(r);
    r = record_copy(answer, 1);
    json_object_set_new(r, "batchIndex", json_integer(7)); /* only attestations */
    expect_bad(r, "", "ev.json: batchIndex: unknown field");
    json_decref(r);
    r = record_copy(answer, 3);
    json_object_set_new(r, "view", json_integer(7));
    expect_bad(r, "evidence[0]", "ev.json: evidence[0].view: unknown field");
    json_decref(r);

    r = record_copy(answer, 1);
    json_object_set_new(r, "validator", json_string("0x1234"));
    expect_bad(r, "", "ev.json: validator:");
    json_object_del(r, "validator");
    expect_bad(r, "", "ev.json: validator: missing field");
    json_decref(r);

    r = record_copy(answer, 1);
    json_object_set_new(r, "view", json_string("8"));
    expect_bad(r, "", "ev.json: view: must be an integer");
    json_object_set_new(r, "view", json_integer(-1));
    expect_bad(r, "", "ev.json: view: -1 is outside");
    json_object_set_new(r, "view", json_integer(9));
    expect_bad(r, "", "ev.json: view: 9, but statement a is for view 8");
    json_decref(r);
    r = record_copy(answer, 3);
    json_object_set_new(r, "batchIndex", json_integer(11));
    expect_bad(r, "", "ev.json: batchIndex: 11, but statement a is for batch index 10");
    json_decref(r);

    r = record_copy(answer, 0);
    json_object_set_new(r, "a", json_array());
    expect_bad(r, "", "ev.json: a: must be an object");
    json_object_del(r, "a");
    expect_bad(r, "", "ev.json: a: must be an object");
    json_decref(r);

    static const struct {
        size_t record;
        const char *stmt, *field;
        const char *message;
    } fields[] = {
        {0, "a", "blockHash", "ev.json: a.blockHash: must be 0x and 64 hex digits"},
        {0, "b", "height", "ev.json: b.height: must be an integer"},
        {1, "b", "signature", "ev.json: b.signature: must be 0x and 130 hex digits"},
        {2, "a", "highQcView", "ev.json: a.highQcView: must be an integer"},
        {3, "b", "dataHash", "ev.json: b.dataHash: must be 0x and 64 hex digits"},
        {3, "a", "forcedCursor", "ev.json: a.forcedCursor: must be an integer"},
    };
    for (size_t i = 0; i < SEQ_ARRAY_LEN(fields); i++) {
        r = record_copy(answer, fields[i].record);
        json_t *s = json_object_get(r, fields[i].stmt);
        json_object_set_new(s, fields[i].field, json_string("0x12"));
        expect_bad(r, "", fields[i].message);
        json_object_del(s, fields[i].field);
        expect_bad(r, "", "missing field");
        json_decref(r);
    }
    r = record_copy(answer, 2);
    json_object_set_new(json_object_get(r, "b"), "blockHash", json_string("0x00"));
    expect_bad(r, "", "ev.json: b.blockHash: unknown field"); /* not a Timeout field */
    json_decref(r);
    r = record_copy(answer, 0);
    json_object_set_new(json_object_get(r, "a"), "view", json_real(8.0));
    expect_bad(r, "", "ev.json: a.view: must be an integer");
    json_decref(r);
    r = record_copy(answer, 0);
    json_t *sig = json_object_get(json_object_get(r, "a"), "signature");
    char bad[2 * SEQ_SIG_BYTES + 3];
    snprintf(bad, sizeof bad, "%s", json_string_value(sig));
    bad[5] = 'g';
    json_object_set_new(json_object_get(r, "a"), "signature", json_string(bad));
    expect_bad(r, "", "ev.json: a.signature: must be 0x and 130 hex digits");
    json_decref(r);

    json_t *not_object = json_array();
    expect_bad(not_object, "", "ev.json: not a JSON object");
    json_decref(not_object);
    json_decref(answer);
}

static void file_write(const char *path, const char *text)
{
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    assert_true(fputs(text, fp) >= 0);
    assert_int_equal(fclose(fp), 0);
}

/* An evidence file: one record, or a whole reply holding one. */
static void test_file_load(void **state)
{
    fixture *f = *state;
    json_t *answer = node_records(f);
    char path[128];
    snprintf(path, sizeof path, "%s/ev.json", f->dir);
    l1_evidence e;
    seq_addr v;
    node_diag why;

    char *one = json_dumps(json_array_get(json_object_get(answer, "evidence"), 2), 0);
    file_write(path, one);
    assert_int_equal(node_ctl_evidence_file_load(&e, &v, &why, path), SEQ_OK);
    assert_memory_equal(&e, &f->stored[2], sizeof e);
    free(one);

    json_t *reply = json_deep_copy(answer);
    json_array_remove(json_object_get(reply, "evidence"), 0);
    json_array_remove(json_object_get(reply, "evidence"), 0);
    json_array_remove(json_object_get(reply, "evidence"), 0);
    char *text = json_dumps(reply, JSON_INDENT(2));
    file_write(path, text);
    assert_int_equal(node_ctl_evidence_file_load(&e, &v, &why, path), SEQ_OK);
    assert_memory_equal(&e, &f->stored[3], sizeof e);
    free(text);
    /* A malformed record inside a reply is named with its place. */
    json_object_del(json_object_get(json_array_get(json_object_get(reply, "evidence"), 0), "b"),
                    "lastHeight");
    text = json_dumps(reply, 0);
    file_write(path, text);
    assert_int_equal(node_ctl_evidence_file_load(&e, &v, &why, path), SEQ_ERR_MALFORMED);
    expect_in(why.text, "ev.json: evidence[0].b.lastHeight: missing field");
    free(text);
    json_decref(reply);

    text = json_dumps(answer, 0); /* four records */
    file_write(path, text);
    assert_int_equal(node_ctl_evidence_file_load(&e, &v, &why, path), SEQ_ERR_INVALID_ARG);
    expect_in(why.text, "holds 4 evidence records, not one");
    free(text);
    static const struct {
        const char *text, *message;
    } bad[] = {
        {"", "not valid JSON"},
        {"{\"kind\":", "not valid JSON"},
        {"\"vote\"", "not valid JSON"},
        {"[1]", "the top level must be a JSON object"},
        {"{\"evidence\":[]}", "holds 0 evidence records"},
        {"{\"evidence\":null}", "evidence: must be an array"},
        {"{\"evidence\":[7]}", "ev.json: evidence[0]: not a JSON object"},
        {"{\"kind\":\"vote\",\"kind\":\"vote\"}", "not valid JSON"}, /* duplicate */
    };
    for (size_t i = 0; i < SEQ_ARRAY_LEN(bad); i++) {
        file_write(path, bad[i].text);
        assert_int_not_equal(node_ctl_evidence_file_load(&e, &v, &why, path), SEQ_OK);
        expect_in(why.text, bad[i].message);
    }
    snprintf(path, sizeof path, "%s/absent.json", f->dir);
    assert_int_equal(node_ctl_evidence_file_load(&e, &v, &why, path), SEQ_ERR_NOT_FOUND);
    expect_in(why.text, "absent.json");
    json_decref(answer);
}

static void test_pick_and_kinds(void **state)
{
    fixture *f = *state;
    json_t *answer = node_records(f);
    const json_t *list = json_object_get(answer, "evidence");
    assert_ptr_equal(node_ctl_evidence_pick(list, 0, false, 0), json_array_get(list, 0));
    assert_ptr_equal(node_ctl_evidence_pick(list, L1_EVIDENCE_TIMEOUT, false, 0),
                     json_array_get(list, 2));
    assert_ptr_equal(node_ctl_evidence_pick(list, 0, true, 10), json_array_get(list, 3));
    assert_ptr_equal(node_ctl_evidence_pick(list, L1_EVIDENCE_ATTESTATION, true, 10),
                     json_array_get(list, 3));
    assert_null(node_ctl_evidence_pick(list, L1_EVIDENCE_ATTESTATION, true, 9));
    assert_null(node_ctl_evidence_pick(list, L1_EVIDENCE_VOTE, true, 7));
    assert_null(node_ctl_evidence_pick(NULL, 0, false, 0));
    json_t *odd = test_json_parse("[7, {\"kind\":\"spam\"}, {\"kind\":\"vote\",\"view\":-1}]");
    /* Only the vote has a known kind; its view is no uint64. */
    assert_ptr_equal(node_ctl_evidence_pick(odd, 0, false, 0), json_array_get(odd, 2));
    assert_null(node_ctl_evidence_pick(odd, 0, true, UINT64_MAX));
    assert_null(node_ctl_evidence_pick(odd, L1_EVIDENCE_TIMEOUT, false, 0));
    json_decref(odd);
    json_decref(answer);

    static const char *const names[] = {"proposal", "vote", "timeout", "attestation"};
    for (size_t k = 0; k < 4; k++) {
        assert_int_equal(node_ctl_evidence_kind_parse(names[k]), k + 1);
        assert_string_equal(node_ctl_evidence_kind_name((l1_evidence_kind)(k + 1)), names[k]);
    }
    assert_int_equal(node_ctl_evidence_kind_parse("Vote"), 0);
    assert_int_equal(node_ctl_evidence_kind_parse(""), 0);
    assert_string_equal(node_ctl_evidence_kind_name((l1_evidence_kind)0), "unknown");
    assert_string_equal(node_ctl_evidence_kind_name((l1_evidence_kind)9), "unknown");
}

/* ------------------------------------------------------------ commands */

static void test_list(void **state)
{
    fixture *f = *state;
    char *out, *err, addr[43];
    l1_addr_checksum(addr, &f->signer);
    const char *const all[] = {"list", "--rpc", f->url};
    assert_int_equal(run(&out, &err, all, 3), NODE_EXIT_OK);
    assert_string_equal(err, "");
    char line[128];
    snprintf(line, sizeof line, "proposal     %s  view 7\n", addr);
    expect_in(out, line);
    snprintf(line, sizeof line, "attestation  %s  batch 10\n", addr);
    expect_in(out, line);
    expect_in(out, "  a  view 9, highQcView 7\n");
    expect_in(out, "  b  index 10, heights 10..19, forcedCursor 3, data 0x3232");
    free(out);
    free(err);
    const char *const json[] = {"list", "--rpc", f->url, "--validator", addr, "--json"};
    assert_int_equal(run(&out, &err, json, 6), NODE_EXIT_OK);
    json_t *j = test_json_parse(out);
    assert_int_equal(json_array_size(json_object_get(j, "evidence")), 4);
    json_decref(j);
    free(out);
    free(err);
    const char *const nobody[] = {"list", "--rpc", f->url, "--validator",
                                  "0x000000000000000000000000000000000000dEaD"};
    assert_int_equal(run(&out, &err, nobody, 5), NODE_EXIT_OK);
    assert_string_equal(out, "no evidence stored\n");
    free(out);
    free(err);
    const char *const dead[] = {"list", "--rpc", "http://127.0.0.1:9"};
    assert_int_equal(run(&out, &err, dead, 3), NODE_EXIT_FAILURE);
    expect_in(err, "seqctl evidence list: ");
    assert_string_equal(out, "");
    free(out);
    free(err);
}

static void test_show(void **state)
{
    fixture *f = *state;
    char *out, *err, addr[43], domain_hex[67], line[200];
    seq_hash domain, d;
    domain_of(&domain);
    assert_int_equal(l1_hex_encode(domain_hex, sizeof domain_hex, domain.b, 32), SEQ_OK);
    l1_addr_checksum(addr, &f->signer);
    const char *const attestation[] = {"show",   "--rpc",       f->url,     "--validator", addr,
                                       "--kind", "attestation", "--domain", domain_hex};
    assert_int_equal(run(&out, &err, attestation, 9), NODE_EXIT_OK);
    assert_string_equal(err, "");
    expect_in(out, "kind        attestation\n");
    expect_in(out, "batch index 10\n");
    expect_in(out, "a           l2ChainId 901 index 10 firstHeight 10 lastHeight 19 "
                   "forcedCursor 3\n");
    expect_in(out, "            prevBatchHash 0x7777");
    l1_evidence_digest(&d, &domain, L1_EVIDENCE_ATTESTATION, &f->stored[3].b);
    char hex[67];
    assert_int_equal(l1_hex_encode(hex, sizeof hex, d.b, 32), SEQ_OK);
    snprintf(line, sizeof line, "            digest        %s\n", hex);
    expect_in(out, line);
    snprintf(line, sizeof line, "domain      %s (given with --domain)\n", domain_hex);
    expect_in(out, line);
    snprintf(line, sizeof line,
             "check       ok: both statements signed by %s, the record's validator (L2 chain 901, "
             "statement a's)\n",
             addr);
    expect_in(out, line);
    free(out);
    free(err);

    /* Another domain: the signatures recover to other addresses. */
    char other[67];
    memset(other, 'a', sizeof other);
    other[0] = '0', other[1] = 'x', other[66] = '\0';
    const char *const wrong[] = {"show", "--rpc", f->url, "--validator", addr, "--domain", other};
    assert_int_equal(run(&out, &err, wrong, 7), NODE_EXIT_OK);
    expect_in(out, "kind        proposal\n");
    expect_in(out, "check       the Committee would refuse it: SignerMismatch (statement a is "
                   "signed by");
    free(out);
    free(err);

    const char *const json[] = {"show", "--rpc",  f->url, "--validator",
                                addr,   "--view", "0x9",  "--json"};
    assert_int_equal(run(&out, &err, json, 8), NODE_EXIT_OK);
    json_t *j = test_json_parse(out);
    assert_string_equal(json_string_value(json_object_get(j, "kind")), "timeout");
    l1_evidence e;
    seq_addr v;
    node_diag why;
    assert_int_equal(node_ctl_evidence_from_json(&e, &v, &why, "out", "", j), SEQ_OK);
    assert_memory_equal(&e, &f->stored[2], sizeof e);
    json_decref(j);
    free(out);
    free(err);

    const char *const none[] = {"show", "--rpc", f->url, "--validator", addr, "--view", "99"};
    assert_int_equal(run(&out, &err, none, 7), NODE_EXIT_FAILURE);
    expect_in(err, "stores no evidence against");
    expect_in(err, "at view (batch index) 99");
    free(out);
    free(err);
    const char *const record[] = {"show",
                                  "--rpc",
                                  f->url,
                                  "--validator",
                                  addr,
                                  "--deployment",
                                  "/nonexistent/l1-deployment.json"};
    assert_int_equal(run(&out, &err, record, 7), NODE_EXIT_FAILURE);
    expect_in(err, "/nonexistent/l1-deployment.json");
    free(out);
    free(err);
}

/* Bad arguments: exit 2, the usage, nothing sent (the node sees no
 * request: --rpc points at nobody). */
static void test_arguments(void **state)
{
    (void)state;
#define addr "0x1111111111111111111111111111111111111111"
    const char *nobody = "http://127.0.0.1:9";
    static const struct {
        const char *args[16];
        const char *message;
    } cases[] = {
        {{NULL}, "a subcommand is required"},
        {{"lists", NULL}, "a subcommand is required"},
        {{"list", NULL}, "--rpc URL is required"},
        {{"list", "--rpc", NULL}, "incomplete argument '--rpc'"},
        {{"list", "--rpc", "x", "--rpc", "y", NULL}, "repeated"},
        {{"list", "--rpc", "x", "--kind", "vote", NULL}, "'--kind'"},
        {{"list", "--rpc", "x", "--validator", "0x12", NULL},
         "--validator '0x12' is not an address"},
        {{"show", "--rpc", "x", NULL}, "--validator ADDR is required"},
        {{"show", "--rpc", "x", "--validator", addr, "--kind", "Vote", NULL},
         "--kind: one of proposal"},
        {{"show", "--rpc", "x", "--validator", addr, "--view", "-1", NULL}, "--view: a number"},
        {{"show", "--rpc", "x", "--validator", addr, "--domain", "0x00", NULL},
         "--domain: 0x and 64 hex digits"},
        {{"show", "--rpc", "x", "--validator", addr, "--l1-rpc", "y", NULL},
         "--l1-rpc needs --committee ADDR or --deployment FILE"},
        {{"show", "--rpc", "x", "--validator", addr, "--committee", addr, NULL},
         "--committee ADDR needs --l1-rpc"},
        {{"show", "--rpc", "x", "--validator", addr, "--domain",
          "0x0000000000000000000000000000000000000000000000000000000000000000", "--deployment", "d",
          NULL},
         "give one of --domain, --deployment and --l1-rpc"},
        {{"show", "--rpc", "x", "--validator", addr, "--file", "f", NULL}, "'--file'"},
        {{"submit", "--rpc", "x", "--key", "k", "--file", "f", NULL},
         "give one of --committee ADDR and --deployment FILE"},
        {{"submit", "--rpc", "x", "--committee", addr, "--file", "f", NULL},
         "--key KEY is required"},
        {{"submit", "--rpc", "x", "--committee", "0xzz", "--key", "k", "--file", "f", NULL},
         "--committee '0xzz' is not an address"},
        {{"submit", "--rpc", "x", "--committee", addr, "--key", "k", NULL},
         "give one of --file EVIDENCE.json and --node NODE_URL"},
        {{"submit", "--rpc", "x", "--committee", addr, "--key", "k", "--node", "n", NULL},
         "--node needs --validator ADDR"},
        {{"submit", "--rpc", "x", "--committee", addr, "--key", "k", "--file", "f", "--view", "1",
          NULL},
         "choose a record of --node"},
        {{"submit", "--rpc", "x", "--committee", addr, "--key", "k", "--file", "f",
          "--passphrase-file", "p", "--passphrase-env", "V", NULL},
         "give one of --passphrase-file and --passphrase-env"},
        {{"submit", "--rpc", "x", "--committee", addr, "--key", "k", "--file", "f", "--wait-ms",
          "3600001", NULL},
         "--wait-ms: a number of ms in 1..3600000"},
        {{"submit", "--rpc", "x", "--committee", addr, "--key", "k", "--file", "f", "--domain",
          "0x00", NULL},
         "'--domain'"},
    };
    for (size_t i = 0; i < SEQ_ARRAY_LEN(cases); i++) {
        size_t n = 0;
        while (cases[i].args[n] != NULL)
            n++;
        char *out, *err;
        int code = run(&out, &err, cases[i].args, n);
        if (code != NODE_EXIT_USAGE || strstr(err, cases[i].message) == NULL)
            fail_msg("case %zu: exit %d, expected '%s' in:\n%s", i, code, cases[i].message, err);
        expect_in(err, "usage: seqctl evidence list");
        assert_string_equal(out, "");
        free(out);
        free(err);
    }
    /* The evidence is read before the L1 endpoint is looked at. */
    char *out, *err;
    const char *const url[] = {"submit", "--rpc", "ftp://x", "--committee", addr,
                               "--key",  "k",     "--file",  "/nonexistent"};
    assert_int_equal(run(&out, &err, url, 9), NODE_EXIT_FAILURE); /* the file first */
    expect_in(err, "/nonexistent");
    free(out);
    free(err);
    const char *const dead[] = {"show", "--rpc", nobody, "--validator", addr};
    assert_int_equal(run(&out, &err, dead, 5), NODE_EXIT_FAILURE);
    expect_in(err, "seqctl evidence show: ");
    free(out);
    free(err);
#undef addr
}

/* ------------------------------------------------------- the L1 helpers */

static void test_wei(void **state)
{
    (void)state;
    uint8_t w[32], zero[32] = {0};
    char text[NODE_CTL_WEI_CHARS];
    static const char *const good[] = {
        "0",
        "1",
        "255",
        "256",
        "1000000000000000000",
        "18446744073709551616",
        "115792089237316195423570985008687907853269984665640564039457584007913129639935"};
    for (size_t i = 0; i < SEQ_ARRAY_LEN(good); i++) {
        assert_true(node_ctl_wei_parse(w, good[i]));
        node_ctl_wei_text(text, w);
        assert_string_equal(text, good[i]);
    }
    assert_true(node_ctl_wei_parse(w, "256"));
    assert_int_equal(w[30], 1);
    assert_int_equal(w[31], 0);
    static const char *const bad[] = {
        "",
        "-1",
        "1e18",
        "0x10",
        " 1",
        "1.5",
        "115792089237316195423570985008687907853269984665640564039457584007913129639936"};
    for (size_t i = 0; i < SEQ_ARRAY_LEN(bad); i++) {
        memset(w, 0, sizeof w);
        assert_false(node_ctl_wei_parse(w, bad[i]));
        assert_memory_equal(w, zero, 32);
    }
    node_ctl_wei_text(text, zero);
    assert_string_equal(text, "0");
}

/* A fake L1: eth_chainId, and eth_call answered with l1.result (a hex
 * string) or, when l1.revert is set, reverted with that data. */
static struct {
    fake_rpc server;
    char url[64];
    const char *result;
    const char *revert;
    unsigned calls;
} l1;

static void serve_l1(fake_rpc *server, int conn, const fake_rpc_request *request)
{
    (void)server;
    if (request->doc == NULL)
        return;
    char body[1024];
    l1.calls++;
    if (strcmp(request->method, "eth_chainId") == 0)
        snprintf(body, sizeof body, "{\"jsonrpc\":\"2.0\",\"id\":%lld,\"result\":\"0x7a69\"}",
                 request->id);
    else if (l1.revert != NULL)
        snprintf(body, sizeof body,
                 "{\"jsonrpc\":\"2.0\",\"id\":%lld,\"error\":{\"code\":3,\"message\":"
                 "\"execution reverted\",\"data\":\"%s\"}}",
                 request->id, l1.revert);
    else
        snprintf(body, sizeof body, "{\"jsonrpc\":\"2.0\",\"id\":%lld,\"result\":\"%s\"}",
                 request->id, l1.result);
    fake_rpc_respond(conn, "200 OK", body);
}

static int l1_setup(void **state)
{
    (void)state;
    memset(&l1, 0, sizeof l1);
    assert_true(fake_rpc_start(&l1.server, serve_l1, NULL));
    snprintf(l1.url, sizeof l1.url, "http://127.0.0.1:%u", (unsigned)l1.server.port);
    return 0;
}

static int l1_teardown(void **state)
{
    (void)state;
    fake_rpc_stop(&l1.server);
    return 0;
}

static l1_rpc *l1_client(void)
{
    l1_rpc_options o;
    l1_rpc_options_default(&o);
    o.retries = 0;
    l1_rpc *c = NULL;
    assert_int_equal(l1_rpc_new(&c, l1.url, &o), SEQ_OK);
    return c;
}

/* Revert data: the selector of signature, then words (64 hex digits each). */
static void revert_data(char *out, size_t out_len, const char *signature, const char *words)
{
    uint8_t sel[4];
    l1_abi_selector(sel, signature);
    snprintf(out, out_len, "0x%02x%02x%02x%02x%s", sel[0], sel[1], sel[2], sel[3], words);
}

/* Named reverts: uints in decimal, addresses EIP-55, other words in hex;
 * an unknown selector or a wrong length is not named. */
static void test_revert_name(void **state)
{
    (void)state;
    l1_rpc *c = l1_client();
    char data[512], name[NODE_CTL_REVERT_CHARS];
    uint8_t out[32];
    size_t len = 0;
    l1_rpc_tx_request req = {.has_to = true};
    static const node_ctl_custom_error table[] = {
        {"Mixed(address,uint256)", {"who", "amount"}},
        {"Raw(bytes32)", {"value", NULL}},
        {"Nothing()", {NULL, NULL}},
    };
    revert_data(data, sizeof data, "Mixed(address,uint256)",
                "0000000000000000000000005fbdb2315678afecb367f032d93f642f64180aa3"
                "0000000000000000000000000000000000000000000000000de0b6b3a7640000");
    l1.revert = data;
    assert_int_equal(l1_rpc_eth_call(c, out, sizeof out, &len, &req, L1_TAG_LATEST),
                     L1_RPC_ERR_REMOTE);
    assert_true(node_ctl_revert_name(name, sizeof name, c, table, SEQ_ARRAY_LEN(table)));
    assert_string_equal(name, "Mixed(who 0x5FbDB2315678afecb367f032d93F642f64180aa3, amount "
                              "1000000000000000000)");
    revert_data(data, sizeof data, "Raw(bytes32)",
                "00000000000000000000000000000000000000000000000000000000000000ff");
    assert_int_not_equal(l1_rpc_eth_call(c, out, sizeof out, &len, &req, L1_TAG_LATEST), SEQ_OK);
    assert_true(node_ctl_revert_name(name, sizeof name, c, table, SEQ_ARRAY_LEN(table)));
    assert_string_equal(name,
                        "Raw(value "
                        "0x00000000000000000000000000000000000000000000000000000000000000ff)");
    revert_data(data, sizeof data, "Nothing()", "");
    assert_int_not_equal(l1_rpc_eth_call(c, out, sizeof out, &len, &req, L1_TAG_LATEST), SEQ_OK);
    assert_true(node_ctl_revert_name(name, sizeof name, c, table, SEQ_ARRAY_LEN(table)));
    assert_string_equal(name, "Nothing()");
    /* The Committee's table names its errors. */
    revert_data(data, sizeof data, "BondTooSmall(uint256,uint256)",
                "0000000000000000000000000000000000000000000000000000000000000005"
                "0000000000000000000000000000000000000000000000000de0b6b3a7640000");
    assert_int_not_equal(l1_rpc_eth_call(c, out, sizeof out, &len, &req, L1_TAG_LATEST), SEQ_OK);
    assert_true(node_ctl_revert_name(name, sizeof name, c, node_ctl_committee_errors,
                                     node_ctl_committee_error_count));
    assert_string_equal(name, "BondTooSmall(bond 5, minBond 1000000000000000000)");
    /* Not named: a known selector with extra bytes, an unknown one, no data. */
    revert_data(data, sizeof data, "Nothing()", "00");
    assert_int_not_equal(l1_rpc_eth_call(c, out, sizeof out, &len, &req, L1_TAG_LATEST), SEQ_OK);
    assert_false(node_ctl_revert_name(name, sizeof name, c, table, SEQ_ARRAY_LEN(table)));
    revert_data(data, sizeof data, "Other()", "");
    assert_int_not_equal(l1_rpc_eth_call(c, out, sizeof out, &len, &req, L1_TAG_LATEST), SEQ_OK);
    assert_false(node_ctl_revert_name(name, sizeof name, c, table, SEQ_ARRAY_LEN(table)));
    l1.revert = NULL;
    l1.result = "0x";
    assert_int_equal(l1_rpc_eth_call(c, out, sizeof out, &len, &req, L1_TAG_LATEST), SEQ_OK);
    assert_false(node_ctl_revert_name(name, sizeof name, c, table, SEQ_ARRAY_LEN(table)));
    l1_rpc_free(c);
}

/* The Committee by address or record, its views and validatorInfo. */
static void test_committee_views(void **state)
{
    (void)state;
    l1_rpc *c = l1_client();
    node_ctl_committee cm;
    node_diag why;
    const char *addr = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
    assert_int_equal(node_ctl_committee_open(&cm, &why, c, addr, NULL), SEQ_OK);
    assert_int_equal(cm.chain_id, 31337);
    assert_false(cm.has_record);
    assert_int_equal(
        node_ctl_committee_open(&cm, &why, c, "0x5fbdb2315678afecb367f032d93F642f64180aa3", NULL),
        SEQ_ERR_INVALID_ARG); /* bad checksum */
    expect_in(why.text, "--committee: ");
    assert_int_equal(node_ctl_committee_open(&cm, &why, c, NULL, "/nonexistent/record.json"),
                     SEQ_ERR_NOT_FOUND);
    expect_in(why.text, "/nonexistent/record.json");

    /* A record of another chain. */
    char dir[] = "/tmp/seq-ctl-evidence-l1-XXXXXX", path[96];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/l1-deployment.json", dir);
    node_l1_record r = {.l1_chain_id = 5, .l2_chain_id = CHAIN_ID, .epoch_blocks = 20};
    memset(r.committee.b, 0x5f, SEQ_ADDR_BYTES);
    assert_int_equal(node_l1_record_write(&why, path, &r), SEQ_OK);
    assert_int_equal(node_ctl_committee_open(&cm, &why, c, NULL, path), SEQ_ERR_INVALID_ARG);
    expect_in(why.text, "is a deployment on L1 chain 5, but the endpoint is chain 31337");

    assert_int_equal(node_ctl_committee_open(&cm, &why, c, addr, NULL), SEQ_OK);
    /* validatorInfo: Unbonding, weights 3 and 0, bond 2 ether, block 61. */
    l1.result = "0x"
                "0000000000000000000000000000000000000000000000000000000000000002"
                "0000000000000000000000000000000000000000000000000000000000000003"
                "0000000000000000000000000000000000000000000000000000000000000000"
                "0000000000000000000000000000000000000000000000001bc16d674ec80000"
                "000000000000000000000000000000000000000000000000000000000000003d";
    node_ctl_validator v;
    seq_addr who;
    memset(who.b, 0x11, SEQ_ADDR_BYTES);
    assert_int_equal(node_ctl_validator_read(&v, &why, &cm, &who), SEQ_OK);
    assert_int_equal(v.status, 2);
    assert_string_equal(node_ctl_validator_status_name(v.status), "Unbonding");
    assert_int_equal(v.weight, 3);
    assert_int_equal(v.weight_next, 0);
    assert_int_equal(v.withdrawable_at, 61);
    char wei[NODE_CTL_WEI_CHARS];
    node_ctl_wei_text(wei, v.bond_wei);
    assert_string_equal(wei, "2000000000000000000");
    /* A status word above 255, a short answer, no contract, a revert. */
    l1.result = "0x"
                "0000000000000000000000000000000000000000000000000000000000000102"
                "0000000000000000000000000000000000000000000000000000000000000003"
                "0000000000000000000000000000000000000000000000000000000000000000"
                "0000000000000000000000000000000000000000000000001bc16d674ec80000"
                "000000000000000000000000000000000000000000000000000000000000003d";
    assert_int_equal(node_ctl_validator_read(&v, &why, &cm, &who), SEQ_ERR_MALFORMED);
    expect_in(why.text, "validatorInfo returned malformed words");
    l1.result = "0x0000000000000000000000000000000000000000000000000000000000000001";
    assert_int_equal(node_ctl_validator_read(&v, &why, &cm, &who), SEQ_ERR_MALFORMED);
    expect_in(why.text, "is not a Committee (validatorInfo(address) returned 32 bytes)");
    l1.result = "0x";
    uint8_t w[32];
    assert_int_equal(node_ctl_committee_view(&cm, &why, w, 1, "domainSeparator()", NULL, 0),
                     SEQ_ERR_MALFORMED);
    expect_in(why.text, "returned 0 bytes: no contract there?");
    char data[256];
    revert_data(data, sizeof data, "NotActive(address)",
                "0000000000000000000000001111111111111111111111111111111111111111");
    l1.revert = data;
    assert_int_equal(node_ctl_committee_view(&cm, &why, w, 1, "l2ChainId()", NULL, 0),
                     L1_RPC_ERR_REMOTE);
    expect_in(
        why.text,
        "l2ChainId() reverts: NotActive(validator 0x1111111111111111111111111111111111111111)");
    l1.revert = "0x01020304";
    assert_int_equal(node_ctl_committee_view(&cm, &why, w, 1, "l2ChainId()", NULL, 0),
                     L1_RPC_ERR_REMOTE);
    expect_in(why.text, "is not a Committee (l2ChainId() reverts)");
    l1.revert = NULL;
    for (uint8_t s = 0; s < 5; s++)
        assert_non_null(node_ctl_validator_status_name(s));
    assert_string_equal(node_ctl_validator_status_name(0), "None");
    assert_string_equal(node_ctl_validator_status_name(1), "Active");
    assert_string_equal(node_ctl_validator_status_name(3), "Slashed");
    assert_string_equal(node_ctl_validator_status_name(4), "?");
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
    l1_rpc_free(c);
}

/* The L1 key: a keygen directory (plaintext with --insecure-key, or
 * sealed with a passphrase), or a hex key file only with --insecure-key. */
static void test_key_load(void **state)
{
    (void)state;
    assert_true(sodium_init() >= 0);
    char dir[] = "/tmp/seq-ctl-evidence-key-XXXXXX", keys[96], sealed[96], hex[96], pass[96];
    assert_non_null(mkdtemp(dir));
    snprintf(keys, sizeof keys, "%s/plain", dir);
    snprintf(sealed, sizeof sealed, "%s/sealed", dir);
    snprintf(hex, sizeof hex, "%s/user.key", dir);
    snprintf(pass, sizeof pass, "%s/pass", dir);
    node_diag why;
    node_key_public pub, pub2;
    assert_int_equal(node_key_generate(&pub, &why, keys, NULL, NODE_KEY_KDF_INTERACTIVE), SEQ_OK);
    file_write(pass, "correct horse\n");
    assert_int_equal(chmod(pass, 0600), 0);
    node_key_passphrase p = {0};
    assert_int_equal(node_key_passphrase_read(&p, &why, pass, NULL), SEQ_OK);
    assert_int_equal(node_key_generate(&pub2, &why, sealed, &p, NODE_KEY_KDF_INTERACTIVE), SEQ_OK);
    node_key_passphrase_free(&p);

    uint8_t *key = sodium_malloc(32);
    assert_non_null(key);
    seq_addr a;
    assert_int_equal(node_ctl_l1_key_load(key, &why, keys, NULL, NULL, true), SEQ_OK);
    assert_int_equal(l1_secp_address(&a, key), SEQ_OK);
    assert_true(seq_addr_equal(&a, &pub.validator_address));
    assert_int_not_equal(node_ctl_l1_key_load(key, &why, keys, NULL, NULL, false), SEQ_OK);
    assert_int_equal(node_ctl_l1_key_load(key, &why, sealed, pass, NULL, false), SEQ_OK);
    assert_int_equal(l1_secp_address(&a, key), SEQ_OK);
    assert_true(seq_addr_equal(&a, &pub2.validator_address));
    assert_int_equal(setenv("SEQ_TEST_CTL_PASS", "wrong", 1), 0);
    assert_int_equal(node_ctl_l1_key_load(key, &why, sealed, NULL, "SEQ_TEST_CTL_PASS", false),
                     SEQ_ERR_BAD_KEY);
    assert_int_equal(unsetenv("SEQ_TEST_CTL_PASS"), 0);

    file_write(hex, "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80\n");
    assert_int_equal(chmod(hex, 0600), 0);
    assert_int_equal(node_ctl_l1_key_load(key, &why, hex, NULL, NULL, false), SEQ_ERR_UNSUPPORTED);
    expect_in(why.text, "pass --insecure-key");
    assert_int_equal(node_ctl_l1_key_load(key, &why, hex, NULL, NULL, true), SEQ_OK);
    assert_int_equal(l1_secp_address(&a, key), SEQ_OK);
    char text[43];
    l1_addr_checksum(text, &a);
    assert_string_equal(text, "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
    assert_int_equal(chmod(hex, 0644), 0);
    assert_int_equal(node_ctl_l1_key_load(key, &why, hex, NULL, NULL, true), SEQ_ERR_UNSUPPORTED);
    expect_in(why.text, "chmod 600");
    assert_int_equal(node_ctl_l1_key_load(key, &why, "/nonexistent/key", NULL, NULL, true),
                     SEQ_ERR_NOT_FOUND);
    sodium_free(key);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_ctl_client, setup, teardown),
        cmocka_unit_test_setup_teardown(test_from_json_kinds, setup, teardown),
        cmocka_unit_test_setup_teardown(test_from_json_malformed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_load, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pick_and_kinds, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list, setup, teardown),
        cmocka_unit_test_setup_teardown(test_show, setup, teardown),
        cmocka_unit_test(test_arguments),
        cmocka_unit_test(test_wei),
        cmocka_unit_test_setup_teardown(test_revert_name, l1_setup, l1_teardown),
        cmocka_unit_test_setup_teardown(test_committee_views, l1_setup, l1_teardown),
        cmocka_unit_test(test_key_load),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
