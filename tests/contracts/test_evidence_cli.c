/* test_evidence_cli.c — `seqctl l1 bond`, `seqctl l1 validator`, `seqctl
 * evidence show` and `seqctl evidence submit` run in process
 * (node_seqctl_main with argv, output captured with open_memstream)
 * against a private anvil holding a fresh Committee and Inbox (l1_deploy;
 * two members, minBond 1 ether, L2 chain 901).
 *
 * Two validators bond with `seqctl l1 bond` from their key files. Evidence
 * files are built as seq_getEvidence returns records: one pair signed by
 * the C signer (l1_evidence_digest + l1_secp_sign), one signed by `cast
 * wallet sign --data` over EIP-712 typed data, an independent
 * implementation. `evidence submit --file` slashes: the validator's bond
 * goes to 0 and its status to Slashed, the reporter gains bond/2 minus
 * its gas, 0x…dEaD the other half; the same file again is refused with
 * AlreadySlashed and nothing is sent. Tampered files are refused locally
 * with the contract's error name, and for several of them an eth_call of
 * the same calldata shows the contract refuses them too. A fake node
 * (fake_rpc) serves seq_getEvidence for `evidence show` and `evidence
 * submit --node`.
 *
 * Every case starts from an evm_snapshot of the fresh deployment; anvil
 * is stopped by PID (and dies with this process). SEQ_ANVIL and SEQ_CAST
 * must name the binaries: without them the test fails. */
/* cmocka needs these headers before its own, in this order. */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "../../node/internal.h"
#include "anvil.h"
#include "capture.h"
#include "fake_rpc.h"
#include "l1.h"
#include "node.h"

#define ANVIL_CHAIN_ID  31337u
#define ANVIL_KEY_0_HEX "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"
#define L2_CHAIN_ID     901u
#define ETHER           1000000000000000000ull
#define BOND_WEI        (2 * ETHER)
#define FUND_WEI        (10 * ETHER)
#define DEAD_ADDR       "0x000000000000000000000000000000000000dEaD"
#define PATH_BYTES      256u
#define OUT_BYTES       16384u
#define ARGS_MAX        24u
#define JSON_MAX        4096u

typedef struct {
    uint8_t key[32];
    seq_addr addr;
    char addr_hex[43];
    char key_hex[67];
    char keyfile[PATH_BYTES];
} test_key;

static struct {
    const char *cast;
    test_anvil node;
    l1_rpc *c;
    uint8_t dev_key[32];
    seq_addr dev;
    test_key val_c, val_cast, reporter, outsider; /* val_*: the two members */
    l1_deployment d;
    seq_hash domain;
    char committee[43];
    char snapshot[80];
    char root[64];
    char record[PATH_BYTES];
    fake_rpc server; /* a node answering seq_getEvidence with served */
    char node_url[64];
    char served[JSON_MAX];
} fx;

#define EXPECT_OK(call) TEST_L1_OK(fx.c, call)

static void anvil_stop(void)
{
    test_anvil_stop(&fx.node);
}

/* ---------------------------------------------------------------- seqctl */

typedef struct {
    char out[OUT_BYTES];
    char err[OUT_BYTES];
} outputs;

static int seqctl(outputs *o, const char *const *args)
{
    return test_run_captured(node_seqctl_main, "seqctl", o->out, sizeof o->out, o->err,
                             sizeof o->err, args);
}

/* ------------------------------------------------------------------- L1 */

static uint64_t nonce_of(const seq_addr *a)
{
    uint64_t n = 0;
    EXPECT_OK(l1_rpc_nonce(fx.c, &n, a, L1_TAG_LATEST));
    return n;
}

static uint64_t balance_of(const seq_addr *a)
{
    uint8_t w[32];
    EXPECT_OK(l1_rpc_balance(fx.c, w, a, L1_TAG_LATEST));
    for (int i = 0; i < 24; i++)
        assert_int_equal(w[i], 0);
    uint64_t v = 0;
    for (int i = 24; i < 32; i++)
        v = v << 8 | w[i];
    return v;
}

/* One transaction from key (automine: mined at once), must succeed. */
static void send_tx(const uint8_t key[32], const seq_addr *to, uint64_t value_wei,
                    const uint8_t *data, size_t len)
{
    seq_addr from;
    assert_int_equal(l1_secp_address(&from, key), SEQ_OK);
    uint64_t nonce = 0;
    EXPECT_OK(l1_rpc_nonce(fx.c, &nonce, &from, L1_TAG_PENDING));
    l1_tx tx = {.chain_id = ANVIL_CHAIN_ID,
                .nonce = nonce,
                .max_priority_fee_per_gas = 1000000000u,
                .max_fee_per_gas = 100000000000u,
                .gas_limit = 300000,
                .has_to = true,
                .to = *to,
                .data = data,
                .data_len = len};
    for (int i = 0; i < 8; i++)
        tx.value[31 - i] = (uint8_t)(value_wei >> (8 * i));
    uint8_t raw[2048];
    size_t raw_len = 0;
    seq_hash hash, got;
    assert_int_equal(l1_tx_sign(raw, sizeof raw, &raw_len, &hash, key, &tx), SEQ_OK);
    EXPECT_OK(l1_rpc_send_raw_tx(fx.c, &got, raw, raw_len));
    l1_rpc_tx_receipt rc;
    seq_err err = SEQ_ERR_NOT_FOUND;
    for (int i = 0; i < 100 && err == SEQ_ERR_NOT_FOUND; i++) {
        err = l1_rpc_receipt(fx.c, &rc, &hash); /* automine may take a moment */
        if (err == SEQ_ERR_NOT_FOUND)
            seq_sleep_ms(20);
    }
    EXPECT_OK(err);
    assert_true(rc.success);
}

static void send_call(const uint8_t key[32], const char *signature)
{
    uint8_t data[4];
    l1_abi_selector(data, signature);
    send_tx(key, &fx.d.committee, 0, data, sizeof data);
}

/* The revert selector of an eth_call of e's calldata from the reporter:
 * what the contract itself says of e. */
static void contract_rejects(const l1_evidence *e, const char *error_sig)
{
    uint8_t call[L1_EVIDENCE_CALLDATA_BYTES_MAX], out[64], data[256], want[4];
    size_t len = 0, out_len = 0, data_len = 0;
    assert_int_equal(l1_evidence_calldata(call, sizeof call, &len, e), SEQ_OK);
    l1_rpc_tx_request req = {.from = fx.reporter.addr,
                             .has_to = true,
                             .to = fx.d.committee,
                             .data = call,
                             .data_len = len};
    seq_err err = l1_rpc_eth_call(fx.c, out, sizeof out, &out_len, &req, L1_TAG_LATEST);
    assert_int_equal(err, L1_RPC_ERR_REMOTE);
    assert_int_equal(l1_rpc_last_kind(fx.c), L1_RPC_KIND_REVERTED);
    assert_int_equal(l1_rpc_revert_data(fx.c, data, sizeof data, &data_len), SEQ_OK);
    l1_abi_selector(want, error_sig);
    assert_true(data_len >= 4);
    if (memcmp(data, want, 4) != 0)
        fail_msg("the contract does not revert with %s", error_sig);
}

/* ------------------------------------------------------------- evidence */

static void sign_stmt(seq_sig *sig, const test_key *k, l1_evidence_kind kind, const l1_statement *s)
{
    seq_hash d;
    l1_evidence_digest(&d, &fx.domain, kind, s);
    assert_int_equal(l1_secp_sign(sig, k->key, &d), SEQ_OK);
}

/* Two votes of one view by k, signed by the C signer. */
static void vote_pair(l1_evidence *e, const test_key *k, uint64_t view)
{
    memset(e, 0, sizeof *e);
    e->kind = L1_EVIDENCE_VOTE;
    e->a.block = (l1_block_stmt){.l2_chain_id = L2_CHAIN_ID, .view = view, .height = view - 1};
    e->b.block = e->a.block;
    memset(e->a.block.block_hash.b, 0xa1, SEQ_HASH_BYTES);
    memset(e->b.block.block_hash.b, 0xb2, SEQ_HASH_BYTES);
    sign_stmt(&e->sig_a, k, e->kind, &e->a);
    sign_stmt(&e->sig_b, k, e->kind, &e->b);
}

static json_t *hex_json(const uint8_t *b, size_t len)
{
    char text[2 * SEQ_SIG_BYTES + 3];
    assert_int_equal(l1_hex_encode(text, sizeof text, b, len), SEQ_OK);
    return json_string(text);
}

static json_t *stmt_json(l1_evidence_kind kind, const l1_statement *s, const seq_sig *sig)
{
    json_t *o;
    if (kind == L1_EVIDENCE_TIMEOUT) {
        o = json_pack("{s:I,s:I,s:I}", "l2ChainId", (json_int_t)s->timeout.l2_chain_id, "view",
                      (json_int_t)s->timeout.view, "highQcView",
                      (json_int_t)s->timeout.high_qc_view);
    } else if (kind == L1_EVIDENCE_ATTESTATION) {
        const l1_attestation_stmt *t = &s->attestation;
        o = json_pack("{s:I,s:I,s:o,s:o,s:I,s:I,s:I}", "l2ChainId", (json_int_t)t->l2_chain_id,
                      "index", (json_int_t)t->index, "prevBatchHash",
                      hex_json(t->prev_batch_hash.b, SEQ_HASH_BYTES), "dataHash",
                      hex_json(t->data_hash.b, SEQ_HASH_BYTES), "firstHeight",
                      (json_int_t)t->first_height, "lastHeight", (json_int_t)t->last_height,
                      "forcedCursor", (json_int_t)t->forced_cursor);
    } else {
        o = json_pack("{s:I,s:I,s:I,s:o}", "l2ChainId", (json_int_t)s->block.l2_chain_id, "view",
                      (json_int_t)s->block.view, "height", (json_int_t)s->block.height, "blockHash",
                      hex_json(s->block.block_hash.b, SEQ_HASH_BYTES));
    }
    assert_non_null(o);
    json_object_set_new(o, "signature", hex_json(sig->b, SEQ_SIG_BYTES));
    return o;
}

/* e as seq_getEvidence returns it, naming validator. */
static json_t *record_json(const l1_evidence *e, const seq_addr *validator)
{
    static const char *const kinds[] = {"", "proposal", "vote", "timeout", "attestation"};
    char addr[43];
    l1_addr_checksum(addr, validator);
    json_t *r =
        json_pack("{s:s,s:s,s:o,s:o}", "kind", kinds[e->kind], "validator", addr, "a",
                  stmt_json(e->kind, &e->a, &e->sig_a), "b", stmt_json(e->kind, &e->b, &e->sig_b));
    assert_non_null(r);
    json_object_set_new(r, e->kind == L1_EVIDENCE_ATTESTATION ? "batchIndex" : "view",
                        json_integer((json_int_t)l1_evidence_view(e->kind, &e->a)));
    return r;
}

static void path_in_root(char out[PATH_BYTES], const char *name)
{
    snprintf(out, PATH_BYTES, "%s/%s", fx.root, name);
}

static void file_write(const char *path, const char *text, mode_t mode)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_true(fputs(text, f) >= 0);
    assert_int_equal(fclose(f), 0);
    assert_int_equal(chmod(path, mode), 0);
}

/* Writes j (stolen) to the file name in the root; path receives it. */
static void json_file(char path[PATH_BYTES], const char *name, json_t *j)
{
    char *text = json_dumps(j, JSON_INDENT(2));
    assert_non_null(text);
    json_decref(j);
    path_in_root(path, name);
    file_write(path, text, 0644);
    free(text);
}

/* --------------------------------------------------------------- cast */

/* `cast wallet sign --data` over the typed data of a Timeout. */
static void cast_sign_timeout(seq_sig *sig, const test_key *k, const l1_timeout_stmt *t)
{
    char json[JSON_MAX], cmd[JSON_MAX + 512], out[256];
    snprintf(json, sizeof json,
             "{\"types\":{\"EIP712Domain\":[{\"name\":\"name\",\"type\":\"string\"},"
             "{\"name\":\"version\",\"type\":\"string\"},{\"name\":\"chainId\",\"type\":"
             "\"uint256\"},{\"name\":\"verifyingContract\",\"type\":\"address\"}],"
             "\"Timeout\":[{\"name\":\"l2ChainId\",\"type\":\"uint64\"},{\"name\":\"view\","
             "\"type\":\"uint64\"},{\"name\":\"highQcView\",\"type\":\"uint64\"}]},"
             "\"primaryType\":\"Timeout\",\"domain\":{\"name\":\"seqd\",\"version\":\"1\","
             "\"chainId\":%u,\"verifyingContract\":\"%s\"},\"message\":{\"l2ChainId\":%" PRIu64
             ",\"view\":%" PRIu64 ",\"highQcView\":%" PRIu64 "}}",
             ANVIL_CHAIN_ID, fx.committee, t->l2_chain_id, t->view, t->high_qc_view);
    snprintf(cmd, sizeof cmd, "'%s' wallet sign --private-key '%s' --data '%s' 2>&1", fx.cast,
             k->key_hex, json);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t len = fread(out, 1, sizeof out - 1, p);
    int status = pclose(p);
    out[len] = '\0';
    while (len > 0 && (out[len - 1] == '\n' || out[len - 1] == ' '))
        out[--len] = '\0';
    if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
        fail_msg("cast wallet sign failed: %s", out);
    assert_int_equal(l1_hex_decode_exact(sig->b, SEQ_SIG_BYTES, out), SEQ_OK);
}

/* ---------------------------------------------------------- fake node */

static void serve(fake_rpc *server, int conn, const fake_rpc_request *request)
{
    (void)server;
    if (request->doc == NULL)
        return;
    char body[JSON_MAX + 256];
    if (strcmp(request->method, "seq_getEvidence") == 0)
        snprintf(body, sizeof body,
                 "{\"jsonrpc\":\"2.0\",\"id\":%lld,\"result\":{\"evidence\":[%s],\"truncated\":"
                 "false,\"limit\":256,\"corruptSkipped\":false}}",
                 request->id, fx.served);
    else
        snprintf(body, sizeof body,
                 "{\"jsonrpc\":\"2.0\",\"id\":%lld,\"error\":{\"code\":-32601,\"message\":"
                 "\"method not found\"}}",
                 request->id);
    fake_rpc_respond(conn, "200 OK", body);
}

/* The node serves records (JSON texts, comma-separated). */
static void serve_records(const char *records)
{
    snprintf(fx.served, sizeof fx.served, "%s", records);
}

/* ------------------------------------------------------------- fixture */

static void key_init(test_key *k, const char *name)
{
    char label[96];
    snprintf(label, sizeof label, "test_evidence_cli key %s", name);
    seq_hash h;
    l1_keccak256(&h, (const uint8_t *)label, strlen(label));
    memcpy(k->key, h.b, 32);
    assert_int_equal(l1_secp_address(&k->addr, k->key), SEQ_OK);
    l1_addr_checksum(k->addr_hex, &k->addr);
    assert_int_equal(l1_hex_encode(k->key_hex, sizeof k->key_hex, k->key, 32), SEQ_OK);
    char file[64];
    snprintf(file, sizeof file, "%s.key", name);
    path_in_root(k->keyfile, file);
    char text[80];
    snprintf(text, sizeof text, "%s\n", k->key_hex);
    file_write(k->keyfile, text, 0600);
}

static int deploy(void)
{
    l1_deploy_params p;
    l1_deploy_params_default(&p);
    p.l1_chain_id = ANVIL_CHAIN_ID;
    p.l2_chain_id = L2_CHAIN_ID;
    p.member_count = 2;
    p.members[0] = fx.val_c.addr;
    p.members[1] = fx.val_cast.addr;
    p.weights[0] = p.weights[1] = 1;
    char why[L1_DEPLOY_WHY_BYTES];
    if (l1_deploy(&fx.d, why, fx.c, fx.dev_key, &p, NULL) != SEQ_OK) {
        fprintf(stderr, "l1_deploy: %s\n", why);
        return -1;
    }
    l1_addr_checksum(fx.committee, &fx.d.committee);
    l1_eip712_domain_separator(&fx.domain, L1_EIP712_NAME, L1_EIP712_VERSION, ANVIL_CHAIN_ID,
                               &fx.d.committee);
    node_l1_record r;
    seq_hash no_genesis = {{0}}; /* these tests have no genesis file */
    node_l1_record_from(&r, &p, &no_genesis, &fx.d.committee, &fx.d.inbox);
    r.has_deployer = true;
    r.deployer = fx.d.deployer;
    r.block_number = fx.d.block_number;
    r.block_hash = fx.d.block_hash;
    node_diag nd;
    path_in_root(fx.record, "l1-deployment.json");
    if (node_l1_record_write(&nd, fx.record, &r) != SEQ_OK) {
        fprintf(stderr, "record: %s\n", nd.text);
        return -1;
    }
    return 0;
}

static int group_setup(void **state)
{
    (void)state;
    const char *anvil = getenv("SEQ_ANVIL");
    fx.cast = getenv("SEQ_CAST");
    if (anvil == NULL || access(anvil, X_OK) != 0 || fx.cast == NULL ||
        access(fx.cast, X_OK) != 0 || strchr(fx.cast, '\'') != NULL) {
        fprintf(stderr, "SEQ_ANVIL and SEQ_CAST must name anvil and cast "
                        "(deploy/node_modules/.bin)\n");
        return -1;
    }
    if (sodium_init() < 0 || l1_hex_decode_exact(fx.dev_key, 32, ANVIL_KEY_0_HEX) != SEQ_OK ||
        l1_secp_address(&fx.dev, fx.dev_key) != SEQ_OK)
        return -1;
    snprintf(fx.root, sizeof fx.root, "/tmp/seq_evidence_cli_XXXXXX");
    if (mkdtemp(fx.root) == NULL)
        return -1;
    atexit(anvil_stop);
    if (!test_anvil_start(&fx.node, anvil) || l1_rpc_new(&fx.c, fx.node.url, NULL) != SEQ_OK) {
        fprintf(stderr, "cannot start anvil\n");
        return -1;
    }
    seq_log_configure(SEQ_LOG_WARN, SEQ_LOG_TEXT, NULL);
    key_init(&fx.val_c, "validator-c");
    key_init(&fx.val_cast, "validator-cast");
    key_init(&fx.reporter, "reporter");
    key_init(&fx.outsider, "outsider");
    if (deploy() != 0)
        return -1;
    const test_key *funded[] = {&fx.val_c, &fx.val_cast, &fx.reporter, &fx.outsider};
    for (size_t i = 0; i < SEQ_ARRAY_LEN(funded); i++)
        send_tx(fx.dev_key, &funded[i]->addr, FUND_WEI, NULL, 0);
    if (!fake_rpc_start(&fx.server, serve, NULL))
        return -1;
    snprintf(fx.node_url, sizeof fx.node_url, "http://127.0.0.1:%u", (unsigned)fx.server.port);
    return test_anvil_snapshot(fx.c, fx.snapshot, sizeof fx.snapshot) ? 0 : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    fake_rpc_stop(&fx.server);
    l1_rpc_free(fx.c);
    anvil_stop();
    char cmd[PATH_BYTES];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", fx.root);
    return system(cmd) == 0 ? 0 : -1;
}

static int from_snapshot(void **state)
{
    (void)state;
    serve_records("");
    return test_anvil_rewind(fx.c, fx.snapshot, sizeof fx.snapshot) ? 0 : -1;
}

/* ------------------------------------------------------------- helpers */

/* seqctl l1 bond of BOND_WEI by k; must succeed. */
static void bond(const test_key *k)
{
    outputs o;
    const char *args[] = {
        "l1",    "bond",     "--rpc",          fx.node.url,   "--deployment",        fx.record,
        "--key", k->keyfile, "--insecure-key", "--value-wei", "2000000000000000000", NULL};
    if (seqctl(&o, args) != NODE_EXIT_OK)
        fail_msg("seqctl l1 bond: %s", o.err);
    test_expect_in(o.out, "bonded 2000000000000000000 wei to Committee");
}

typedef struct {
    char status[16];
    char bond_wei[80];
    uint64_t weight, weight_next;
} validator_view;

/* seqctl l1 validator --json of addr. */
static void validator_of(validator_view *v, const char *addr)
{
    outputs o;
    const char *args[] = {"l1",         "validator", "--rpc",  fx.node.url, "--committee",
                          fx.committee, addr,        "--json", NULL};
    if (seqctl(&o, args) != NODE_EXIT_OK)
        fail_msg("seqctl l1 validator: %s", o.err);
    json_t *j = test_json_parse(o.out);
    snprintf(v->status, sizeof v->status, "%s", json_string_value(json_object_get(j, "status")));
    snprintf(v->bond_wei, sizeof v->bond_wei, "%s",
             json_string_value(json_object_get(j, "bond_wei")));
    v->weight = (uint64_t)json_integer_value(json_object_get(j, "weight"));
    v->weight_next = (uint64_t)json_integer_value(json_object_get(j, "weight_next"));
    json_decref(j);
}

/* seqctl evidence submit --file path with the reporter's key, extra
 * flags appended. */
static int submit_file(outputs *o, const char *path, const char *extra)
{
    const char *args[] = {"evidence",
                          "submit",
                          "--rpc",
                          fx.node.url,
                          "--deployment",
                          fx.record,
                          "--key",
                          fx.reporter.keyfile,
                          "--insecure-key",
                          "--file",
                          path,
                          extra,
                          NULL};
    return seqctl(o, args);
}

/* A refusal before anything is sent, naming error. */
static void refused_locally(const char *path, const char *error)
{
    outputs o;
    uint64_t nonce = nonce_of(&fx.reporter.addr);
    assert_int_equal(submit_file(&o, path, NULL), NODE_EXIT_FAILURE);
    char want[96];
    snprintf(want, sizeof want, "refused: the Committee would revert with %s:", error);
    test_expect_in(o.err, want);
    test_expect_in(o.err, "nothing sent");
    assert_string_equal(o.out, "");
    assert_int_equal(nonce_of(&fx.reporter.addr), nonce);
}

/* ---------------------------------------------------------------- cases */

/* Bad arguments: exit 2, nothing read from L1 or sent. */
static void test_usage(void **state)
{
    (void)state;
    const char *url = fx.node.url, *rec = fx.record, *key = fx.val_c.keyfile;
    const char *const cases[][ARGS_MAX] = {
        {"l1", "bond", NULL},
        {"l1", "bond", "--rpc", url, "--deployment", rec, "--key", key, NULL}, /* no value */
        {"l1", "bond", "--rpc", url, "--key", key, "--value-wei", "1", NULL},  /* no committee */
        {"l1", "bond", "--rpc", url, "--deployment", rec, "--committee", fx.committee, "--key", key,
         "--value-wei", "1", NULL},
        {"l1", "bond", "--rpc", url, "--deployment", rec, "--value-wei", "1", NULL}, /* no key */
        {"l1", "bond", "--rpc", url, "--deployment", rec, "--key", key, "--value-wei", "1e18",
         NULL},
        {"l1", "bond", "--rpc", url, "--deployment", rec, "--key", key, "--value-wei", "0", NULL},
        {"l1", "bond", "--rpc", url, "--committee", "0x12", "--key", key, "--value-wei", "1", NULL},
        {"l1", "bond", "--rpc", url, "--deployment", rec, "--key", key, "--value-wei", "1",
         fx.val_c.addr_hex, NULL},
        {"l1", "validator", "--rpc", url, "--deployment", rec, NULL}, /* no ADDR */
        {"l1", "validator", "--rpc", url, "--deployment", rec, "0x1234", NULL},
        {"l1", "validator", "--rpc", url, "--deployment", rec, "--key", key, fx.val_c.addr_hex,
         NULL},
        {"l1", "stake", NULL},
        {"evidence", NULL},
        {"evidence", "drop", NULL},
        {"evidence", "show", "--rpc", fx.node_url, NULL}, /* no validator */
        {"evidence", "show", "--rpc", fx.node_url, "--validator", fx.val_c.addr_hex, "--kind",
         "double", NULL},
        {"evidence", "show", "--rpc", fx.node_url, "--validator", fx.val_c.addr_hex, "--view", "x",
         NULL},
        {"evidence", "show", "--rpc", fx.node_url, "--validator", fx.val_c.addr_hex, "--domain",
         "0x12", NULL},
        {"evidence", "show", "--rpc", fx.node_url, "--validator", fx.val_c.addr_hex, "--committee",
         fx.committee, NULL}, /* --committee without --l1-rpc */
        {"evidence", "show", "--rpc", fx.node_url, "--validator", fx.val_c.addr_hex, "--key", key,
         NULL},
        {"evidence", "submit", "--rpc", url, "--deployment", rec, "--key", key, NULL}, /* no src */
        {"evidence", "submit", "--rpc", url, "--deployment", rec, "--key", key, "--file", rec,
         "--node", fx.node_url, "--validator", fx.val_c.addr_hex, NULL},
        {"evidence", "submit", "--rpc", url, "--deployment", rec, "--key", key, "--node",
         fx.node_url, NULL}, /* --node without --validator */
        {"evidence", "submit", "--rpc", url, "--deployment", rec, "--key", key, "--file", rec,
         "--kind", "vote", NULL},
        {"evidence", "submit", "--rpc", url, "--key", key, "--file", rec, NULL},
        {"evidence", "submit", "--rpc", url, "--deployment", rec, "--file", rec, NULL},
        {"evidence", "submit", "--rpc", url, "--deployment", rec, "--key", key, "--file", rec,
         "--wait-ms", "0", NULL},
    };
    uint64_t nonce = nonce_of(&fx.val_c.addr);
    for (size_t i = 0; i < SEQ_ARRAY_LEN(cases); i++) {
        outputs o;
        int code = seqctl(&o, cases[i]);
        if (code != NODE_EXIT_USAGE)
            fail_msg("case %zu: exit %d, stderr:\n%s", i, code, o.err);
        test_expect_in(o.err, "seqctl ");
        assert_string_equal(o.out, "");
    }
    outputs o;
    const char *help[] = {"evidence", "--help", NULL};
    assert_int_equal(seqctl(&o, help), NODE_EXIT_OK);
    test_expect_in(o.out, "seqctl evidence submit");
    const char *l1_help[] = {"l1", "--help", NULL};
    assert_int_equal(seqctl(&o, l1_help), NODE_EXIT_OK);
    test_expect_in(o.out, "seqctl l1 bond");
    const char *top[] = {"help", NULL};
    assert_int_equal(seqctl(&o, top), NODE_EXIT_OK);
    test_expect_in(o.out, "evidence submit");
    assert_int_equal(nonce_of(&fx.val_c.addr), nonce);
}

/* l1 bond and l1 validator: a member bonds and tops up; the Committee's
 * refusals are named before anything is sent (NotAllowlisted,
 * IsUnbonding, BondTooSmall); a plaintext key file needs --insecure-key. */
static void test_bond_and_validator(void **state)
{
    (void)state;
    validator_view v;
    validator_of(&v, fx.val_c.addr_hex);
    assert_string_equal(v.status, "Active");
    assert_string_equal(v.bond_wei, "0");
    assert_int_equal(v.weight, 1);

    bond(&fx.val_c);
    validator_of(&v, fx.val_c.addr_hex);
    assert_string_equal(v.bond_wei, "2000000000000000000");
    outputs o;
    const char *top_up[] = {
        "l1",    "bond",           "--rpc",          fx.node.url,   "--committee", fx.committee,
        "--key", fx.val_c.keyfile, "--insecure-key", "--value-wei", "500",         "--json",
        NULL};
    assert_int_equal(seqctl(&o, top_up), NODE_EXIT_OK);
    json_t *j = test_json_parse(o.out);
    assert_string_equal(json_string_value(json_object_get(j, "bond_wei")), "2000000000000000500");
    assert_string_equal(json_string_value(json_object_get(j, "bond_wei_before")),
                        "2000000000000000000");
    assert_string_equal(json_string_value(json_object_get(j, "validator")), fx.val_c.addr_hex);
    assert_true(json_integer_value(json_object_get(j, "gas_used")) > 21000);
    json_decref(j);
    const char *human[] = {"l1",           "validator", "--rpc",           fx.node.url,
                           "--deployment", fx.record,   fx.val_c.addr_hex, NULL};
    assert_int_equal(seqctl(&o, human), NODE_EXIT_OK);
    test_expect_in(o.out, "status         Active\n");
    test_expect_in(o.out, "bond           2000000000000000500 wei\n");
    test_expect_in(o.out, "withdrawable   -\n");

    /* An outsider cannot bond in allowlist mode; nothing is sent. */
    uint64_t nonce = nonce_of(&fx.outsider.addr);
    const char *outsider[] = {"l1",
                              "bond",
                              "--rpc",
                              fx.node.url,
                              "--deployment",
                              fx.record,
                              "--key",
                              fx.outsider.keyfile,
                              "--insecure-key",
                              "--value-wei",
                              "2000000000000000000",
                              NULL};
    assert_int_equal(seqctl(&o, outsider), NODE_EXIT_FAILURE);
    char want[160];
    snprintf(want, sizeof want, "bond() reverts: NotAllowlisted(caller %s); nothing sent",
             fx.outsider.addr_hex);
    test_expect_in(o.err, want);
    assert_int_equal(nonce_of(&fx.outsider.addr), nonce);

    /* Plaintext key file without --insecure-key. */
    const char *plain[] = {"l1",           "bond",    "--rpc", fx.node.url,
                           "--deployment", fx.record, "--key", fx.val_c.keyfile,
                           "--value-wei",  "1",       NULL};
    assert_int_equal(seqctl(&o, plain), NODE_EXIT_FAILURE);
    test_expect_in(o.err, "pass --insecure-key");

    /* Unbonding: status Unbonding, withdrawable from a block; bond refused. */
    send_call(fx.val_cast.key, "unbond()");
    validator_of(&v, fx.val_cast.addr_hex);
    assert_string_equal(v.status, "Unbonding");
    assert_int_equal(v.weight_next, 0);
    const char *unbonding[] = {"l1",
                               "bond",
                               "--rpc",
                               fx.node.url,
                               "--deployment",
                               fx.record,
                               "--key",
                               fx.val_cast.keyfile,
                               "--insecure-key",
                               "--value-wei",
                               "1",
                               NULL};
    assert_int_equal(seqctl(&o, unbonding), NODE_EXIT_FAILURE);
    snprintf(want, sizeof want, "IsUnbonding(validator %s)", fx.val_cast.addr_hex);
    test_expect_in(o.err, want);

    /* Permissionless: a newcomer below minBond is refused, at it joins. */
    send_call(fx.dev_key, "openBonding()");
    const char *small[] = {"l1",
                           "bond",
                           "--rpc",
                           fx.node.url,
                           "--deployment",
                           fx.record,
                           "--key",
                           fx.outsider.keyfile,
                           "--insecure-key",
                           "--value-wei",
                           "999",
                           NULL};
    assert_int_equal(seqctl(&o, small), NODE_EXIT_FAILURE);
    test_expect_in(o.err, "BondTooSmall(bond 999, minBond 1000000000000000000); nothing sent");
    assert_int_equal(seqctl(&o, outsider), NODE_EXIT_OK);
    validator_of(&v, fx.outsider.addr_hex);
    assert_string_equal(v.status, "Active");
    assert_int_equal(v.weight, 0);
    assert_int_equal(v.weight_next, 1);

    /* Not a Committee at that address. */
    const char *nobody[] = {"l1",          "validator", "--rpc",           fx.node.url,
                            "--committee", DEAD_ADDR,   fx.val_c.addr_hex, NULL};
    assert_int_equal(seqctl(&o, nobody), NODE_EXIT_FAILURE);
    test_expect_in(o.err, "no contract there?");
}

/* Submits path (from the reporter) against k's bond of BOND_WEI and checks
 * the effect on L1 and the printed figures; returns the gas used. */
static uint64_t slash_and_check(const char *path, const test_key *k, bool json)
{
    uint64_t reporter0 = balance_of(&fx.reporter.addr);
    seq_addr dead;
    assert_int_equal(l1_hex_decode_exact(dead.b, SEQ_ADDR_BYTES, DEAD_ADDR), SEQ_OK);
    uint64_t dead0 = balance_of(&dead);
    outputs o;
    int code = submit_file(&o, path, json ? "--json" : NULL);
    if (code != NODE_EXIT_OK)
        fail_msg("evidence submit: exit %d\n%s", code, o.err);
    char tx_hex[67];
    uint64_t gas = 0;
    if (json) {
        json_t *j = test_json_parse(o.out);
        assert_string_equal(json_string_value(json_object_get(j, "validator")), k->addr_hex);
        assert_string_equal(json_string_value(json_object_get(j, "bond_wei")),
                            "2000000000000000000");
        assert_string_equal(json_string_value(json_object_get(j, "burned_wei")),
                            "1000000000000000000");
        assert_string_equal(json_string_value(json_object_get(j, "reward_wei")),
                            "1000000000000000000");
        assert_string_equal(json_string_value(json_object_get(j, "reporter")),
                            fx.reporter.addr_hex);
        snprintf(tx_hex, sizeof tx_hex, "%s", json_string_value(json_object_get(j, "l1_tx_hash")));
        gas = (uint64_t)json_integer_value(json_object_get(j, "gas_used"));
        json_decref(j);
    } else {
        char line[160];
        snprintf(line, sizeof line, "slashed %s for ", k->addr_hex);
        test_expect_in(o.out, line);
        test_expect_in(o.out, "  bond           2000000000000000000 wei\n");
        test_expect_in(o.out, "  burned         1000000000000000000 wei");
        test_expect_in(o.out, "  reward         1000000000000000000 wei\n");
        snprintf(line, sizeof line, "  reporter       %s\n", fx.reporter.addr_hex);
        test_expect_in(o.out, line);
        test_expect_in(o.out, "  exit epoch     1");
        const char *at = strstr(o.out, "  l1 tx          ");
        assert_non_null(at);
        snprintf(tx_hex, sizeof tx_hex, "%.66s", at + 17);
        at = strstr(o.out, "  gas used       ");
        assert_non_null(at);
        gas = strtoull(at + 17, NULL, 10);
    }
    seq_hash h;
    l1_rpc_tx_receipt rc;
    assert_int_equal(l1_hex_decode_exact(h.b, SEQ_HASH_BYTES, tx_hex), SEQ_OK);
    EXPECT_OK(l1_rpc_receipt(fx.c, &rc, &h));
    assert_true(rc.success);
    assert_int_equal(rc.gas_used, gas);
    uint64_t reporter1 = balance_of(&fx.reporter.addr), dead1 = balance_of(&dead);
    printf("gas submitEvidence (%s) gasUsed=%" PRIu64 " price=%" PRIu64 " reporter %" PRIu64
           " -> %" PRIu64 " wei, 0x…dEaD %" PRIu64 " -> %" PRIu64 " wei\n",
           json ? "--json" : "text", rc.gas_used, rc.effective_gas_price, reporter0, reporter1,
           dead0, dead1);
    assert_int_equal(reporter1, reporter0 + BOND_WEI / 2 - rc.gas_used * rc.effective_gas_price);
    assert_int_equal(dead1, dead0 + (BOND_WEI - BOND_WEI / 2));

    validator_view v;
    validator_of(&v, k->addr_hex);
    assert_string_equal(v.status, "Slashed");
    assert_string_equal(v.bond_wei, "0");
    assert_int_equal(v.weight_next, 0);

    /* The same file again: AlreadySlashed from eth_estimateGas, nothing sent. */
    uint64_t nonce = nonce_of(&fx.reporter.addr);
    assert_int_equal(submit_file(&o, path, NULL), NODE_EXIT_FAILURE);
    char want[160];
    snprintf(want, sizeof want,
             "submitEvidence reverts: AlreadySlashed(validator %s); nothing sent", k->addr_hex);
    test_expect_in(o.err, want);
    assert_string_equal(o.out, "");
    assert_int_equal(nonce_of(&fx.reporter.addr), nonce);
    return gas;
}

/* A double vote signed by the C signer, as one record. */
static void test_submit_c_signed(void **state)
{
    (void)state;
    bond(&fx.val_c);
    l1_evidence e;
    vote_pair(&e, &fx.val_c, 7);
    char path[PATH_BYTES];
    json_file(path, "vote.json", record_json(&e, &fx.val_c.addr));
    slash_and_check(path, &fx.val_c, false);
}

/* A double timeout, both statements signed by `cast wallet sign --data`,
 * in a whole seq_getEvidence reply. */
static void test_submit_cast_signed(void **state)
{
    (void)state;
    bond(&fx.val_cast);
    l1_evidence e = {.kind = L1_EVIDENCE_TIMEOUT};
    e.a.timeout = (l1_timeout_stmt){.l2_chain_id = L2_CHAIN_ID, .view = 12, .high_qc_view = 10};
    e.b.timeout = (l1_timeout_stmt){.l2_chain_id = L2_CHAIN_ID, .view = 12, .high_qc_view = 11};
    cast_sign_timeout(&e.sig_a, &fx.val_cast, &e.a.timeout);
    cast_sign_timeout(&e.sig_b, &fx.val_cast, &e.b.timeout);
    json_t *reply = json_pack("{s:[o],s:b,s:i,s:b}", "evidence", record_json(&e, &fx.val_cast.addr),
                              "truncated", 0, "limit", 256, "corruptSkipped", 0);
    char path[PATH_BYTES];
    json_file(path, "timeout-reply.json", reply);
    slash_and_check(path, &fx.val_cast, true);
}

/* Tampered evidence is refused before anything is sent, naming the
 * contract's error; eth_call shows the contract refuses it as well. */
static void test_tampered(void **state)
{
    (void)state;
    bond(&fx.val_c);
    char path[PATH_BYTES];
    l1_evidence good, e;
    vote_pair(&good, &fx.val_c, 9);

    e = good; /* b signed by the other member */
    sign_stmt(&e.sig_b, &fx.val_cast, e.kind, &e.b);
    json_file(path, "signer.json", record_json(&e, &fx.val_c.addr));
    refused_locally(path, "SignerMismatch");
    contract_rejects(&e, "SignerMismatch(address,address)");

    e = good; /* the same statement twice */
    e.b = e.a;
    e.sig_b = e.sig_a;
    json_file(path, "same.json", record_json(&e, &fx.val_c.addr));
    refused_locally(path, "SameContent");
    contract_rejects(&e, "SameContent()");

    e = good; /* two views, each validly signed */
    e.b.block.view = 10;
    sign_stmt(&e.sig_b, &fx.val_c, e.kind, &e.b);
    json_file(path, "views.json", record_json(&e, &fx.val_c.addr));
    refused_locally(path, "ViewMismatch");
    contract_rejects(&e, "ViewMismatch(uint64,uint64)");

    e = good; /* v = 29 */
    e.sig_a.b[64] = 29;
    json_file(path, "badsig.json", record_json(&e, &fx.val_c.addr));
    refused_locally(path, "BadSignature");
    contract_rejects(&e, "BadSignature()");

    e = good; /* the high-s twin of b's signature: n - s, v flipped */
    static const uint8_t order[32] = {
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xff, 0xff, 0xff, 0xfe, 0xba, 0xae, 0xdc, 0xe6, 0xaf, 0x48,
        0xa0, 0x3b, 0xbf, 0xd2, 0x5e, 0x8c, 0xd0, 0x36, 0x41, 0x41,
    };
    int borrow = 0;
    for (int i = 31; i >= 0; i--) {
        int v = (int)order[i] - (int)e.sig_b.b[32 + i] - borrow;
        borrow = v < 0;
        e.sig_b.b[32 + i] = (uint8_t)(v + (borrow ? 256 : 0));
    }
    e.sig_b.b[64] = e.sig_b.b[64] == 27 ? 28 : 27;
    json_file(path, "highs.json", record_json(&e, &fx.val_c.addr));
    refused_locally(path, "HighS");
    contract_rejects(&e, "HighS()");

    e = good; /* another rollup's statements */
    e.a.block.l2_chain_id = e.b.block.l2_chain_id = L2_CHAIN_ID + 1;
    sign_stmt(&e.sig_a, &fx.val_c, e.kind, &e.a);
    sign_stmt(&e.sig_b, &fx.val_c, e.kind, &e.b);
    json_file(path, "chain.json", record_json(&e, &fx.val_c.addr));
    refused_locally(path, "WrongChainId");

    /* Valid evidence naming another validator than the signer. */
    json_file(path, "named.json", record_json(&good, &fx.val_cast.addr));
    outputs o;
    assert_int_equal(submit_file(&o, path, NULL), NODE_EXIT_FAILURE);
    char want[200];
    snprintf(want, sizeof want,
             "the record names validator %s, but both statements are signed by %s",
             fx.val_cast.addr_hex, fx.val_c.addr_hex);
    test_expect_in(o.err, want);

    /* Malformed files name the field. */
    static const struct {
        const char *text, *message;
    } bad[] = {
        {"{\"kind\":\"vote\"", "not valid JSON"},
        {"[]", "the top level must be a JSON object"},
        {"{\"evidence\":[]}", "holds 0 evidence records, not one"},
        {"{\"kind\":\"double\"}", "kind: 'double' is not proposal, vote, timeout or attestation"},
        {"{\"evidence\":{}}", "evidence: must be an array"},
    };
    for (size_t i = 0; i < SEQ_ARRAY_LEN(bad); i++) {
        path_in_root(path, "bad.json");
        file_write(path, bad[i].text, 0644);
        assert_int_equal(submit_file(&o, path, NULL), NODE_EXIT_FAILURE);
        test_expect_in(o.err, bad[i].message);
    }
    json_t *r = record_json(&good, &fx.val_c.addr);
    json_object_del(json_object_get(r, "a"), "blockHash");
    json_file(path, "missing.json", r);
    assert_int_equal(submit_file(&o, path, NULL), NODE_EXIT_FAILURE);
    test_expect_in(o.err, "missing.json: a.blockHash: missing field");
    r = record_json(&good, &fx.val_c.addr);
    json_object_set_new(json_object_get(r, "b"), "signature", json_string("0x1234"));
    json_file(path, "short.json", json_pack("{s:[o]}", "evidence", r));
    assert_int_equal(submit_file(&o, path, NULL), NODE_EXIT_FAILURE);
    test_expect_in(o.err, "short.json: evidence[0].b.signature: must be 0x and 130 hex digits");
    path_in_root(path, "absent.json");
    assert_int_equal(submit_file(&o, path, NULL), NODE_EXIT_FAILURE);
    test_expect_in(o.err, "absent.json");

    validator_view v;
    validator_of(&v, fx.val_c.addr_hex);
    assert_string_equal(v.status, "Active");
    assert_string_equal(v.bond_wei, "2000000000000000000");
}

/* Evidence against an address that never joined passes the local check
 * (it is well signed) and eth_estimateGas names NotValidator. */
static void test_not_validator(void **state)
{
    (void)state;
    l1_evidence e;
    vote_pair(&e, &fx.outsider, 3);
    char path[PATH_BYTES];
    json_file(path, "outsider.json", record_json(&e, &fx.outsider.addr));
    outputs o;
    uint64_t nonce = nonce_of(&fx.reporter.addr);
    assert_int_equal(submit_file(&o, path, NULL), NODE_EXIT_FAILURE);
    char want[160];
    snprintf(want, sizeof want, "submitEvidence reverts: NotValidator(signer %s); nothing sent",
             fx.outsider.addr_hex);
    test_expect_in(o.err, want);
    assert_int_equal(nonce_of(&fx.reporter.addr), nonce);
}

/* show from a node: the record in full, the digests (equal to the
 * Committee's statementDigest) and the signer; --json is the record,
 * which submit --file takes; submit --node picks by kind and view. */
static void test_show_and_submit_from_node(void **state)
{
    (void)state;
    bond(&fx.val_c);
    l1_evidence vote, timeout = {.kind = L1_EVIDENCE_TIMEOUT};
    vote_pair(&vote, &fx.val_c, 21);
    timeout.a.timeout = (l1_timeout_stmt){L2_CHAIN_ID, 22, 20};
    timeout.b.timeout = (l1_timeout_stmt){L2_CHAIN_ID, 22, 21};
    sign_stmt(&timeout.sig_a, &fx.val_c, timeout.kind, &timeout.a);
    sign_stmt(&timeout.sig_b, &fx.val_c, timeout.kind, &timeout.b);
    json_t *rv = record_json(&vote, &fx.val_c.addr), *rt = record_json(&timeout, &fx.val_c.addr);
    char *tv = json_dumps(rv, JSON_COMPACT), *tt = json_dumps(rt, JSON_COMPACT);
    char records[JSON_MAX];
    snprintf(records, sizeof records, "%s,%s", tv, tt);
    serve_records(records);

    outputs o;
    const char *show[] = {"evidence",        "show",    "--rpc",   fx.node_url, "--validator",
                          fx.val_c.addr_hex, "--kind",  "timeout", "--l1-rpc",  fx.node.url,
                          "--deployment",    fx.record, NULL};
    assert_int_equal(seqctl(&o, show), NODE_EXIT_OK);
    test_expect_in(o.out, "kind        timeout\n");
    test_expect_in(o.out, "view        22\n");
    test_expect_in(o.out, "a           l2ChainId 901 view 22 highQcView 20\n");
    test_expect_in(o.out, "b           l2ChainId 901 view 22 highQcView 21\n");
    char line[200];
    snprintf(line, sizeof line, "check       ok: both statements signed by %s, the record's",
             fx.val_c.addr_hex);
    test_expect_in(o.out, line);
    /* The digest printed for a is the Committee's statementDigest. */
    uint8_t stmt[L1_EVIDENCE_STMT_BYTES_MAX], data[4 + 4 * 32 + 96], word[32];
    size_t n = l1_evidence_stmt_encode(stmt, timeout.kind, &timeout.a), len = 0;
    l1_abi_selector(data, "statementDigest(uint8,bytes)");
    memset(data + 4, 0, sizeof data - 4);
    l1_abi_u64(data + 4, timeout.kind);
    l1_abi_u64(data + 36, 64);
    l1_abi_u64(data + 68, n);
    memcpy(data + 100, stmt, n);
    l1_rpc_tx_request req = {
        .has_to = true, .to = fx.d.committee, .data = data, .data_len = 100 + n};
    EXPECT_OK(l1_rpc_eth_call(fx.c, word, sizeof word, &len, &req, L1_TAG_LATEST));
    char digest[67];
    assert_int_equal(l1_hex_encode(digest, sizeof digest, word, 32), SEQ_OK);
    snprintf(line, sizeof line, "            digest        %s\n", digest);
    test_expect_in(o.out, line);

    /* Offline: the domain from the record alone gives the same digest. */
    const char *offline[] = {
        "evidence", "show", "--rpc",        fx.node_url, "--validator", fx.val_c.addr_hex,
        "--view",   "22",   "--deployment", fx.record,   NULL};
    assert_int_equal(seqctl(&o, offline), NODE_EXIT_OK);
    test_expect_in(o.out, line);
    const char *bare[] = {"evidence",        "show", "--rpc", fx.node_url, "--validator",
                          fx.val_c.addr_hex, NULL};
    assert_int_equal(seqctl(&o, bare), NODE_EXIT_OK);
    test_expect_in(o.out, "kind        vote\n"); /* the first record */
    test_expect_in(o.out, "(digests: give --deployment FILE");
    const char *none[] = {"evidence",        "show",   "--rpc",    fx.node_url, "--validator",
                          fx.val_c.addr_hex, "--kind", "proposal", NULL};
    assert_int_equal(seqctl(&o, none), NODE_EXIT_FAILURE);
    test_expect_in(o.err, "stores no proposal evidence against");

    /* --json is the record as the node gave it: the evidence file. */
    const char *export[] = {"evidence",        "show",   "--rpc", fx.node_url, "--validator",
                            fx.val_c.addr_hex, "--kind", "vote",  "--json",    NULL};
    assert_int_equal(seqctl(&o, export), NODE_EXIT_OK);
    json_t *got = test_json_parse(o.out);
    assert_true(json_equal(got, rv));
    json_decref(got);
    char path[PATH_BYTES];
    path_in_root(path, "exported.json");
    file_write(path, o.out, 0644);

    /* submit --node: the timeout at view 22. */
    const char *from_node[] = {"evidence",        "submit",     "--rpc",     fx.node.url,
                               "--committee",     fx.committee, "--key",     fx.reporter.keyfile,
                               "--insecure-key",  "--node",     fx.node_url, "--validator",
                               fx.val_c.addr_hex, "--view",     "22",        NULL};
    assert_int_equal(seqctl(&o, from_node), NODE_EXIT_OK);
    snprintf(line, sizeof line, "slashed %s for timeout evidence at view 22\n", fx.val_c.addr_hex);
    test_expect_in(o.out, line);
    /* The exported vote file now meets a slashed validator. */
    assert_int_equal(submit_file(&o, path, NULL), NODE_EXIT_FAILURE);
    test_expect_in(o.err, "AlreadySlashed");
    free(tv);
    free(tt);
    json_decref(rv);
    json_decref(rt);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_usage, from_snapshot),
        cmocka_unit_test_setup(test_bond_and_validator, from_snapshot),
        cmocka_unit_test_setup(test_submit_c_signed, from_snapshot),
        cmocka_unit_test_setup(test_submit_cast_signed, from_snapshot),
        cmocka_unit_test_setup(test_tampered, from_snapshot),
        cmocka_unit_test_setup(test_not_validator, from_snapshot),
        cmocka_unit_test_setup(test_show_and_submit_from_node, from_snapshot),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
