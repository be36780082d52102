/* test_force_cli.c — `seqctl force-include` and `seqctl force-advance`
 * run in process (node_seqctl_main with argv, output captured with
 * open_memstream) against a private anvil holding a fresh Committee and
 * Inbox (l1_deploy, devnet parameters: inclusion window 32, force grace 8,
 * fee 0.01 ether, 4096-byte cap). The user is anvil's first account, its
 * key in a 0600 hex key file. Every case starts from an evm_snapshot of
 * the fresh deployment; what L1 holds afterwards is read back with the C
 * client (Inbox.status(), forcedQueuedAt, receipts), and a refusal must
 * leave the account's nonce where it was: nothing was sent. */
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
#include <unistd.h>

#include <jansson.h>

#include "../../node/internal.h"
#include "anvil.h"
#include "capture.h"
#include "l1.h"
#include "node.h"

#define ANVIL_CHAIN_ID   31337u
#define ANVIL_KEY_0_HEX  "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"
#define L2_CHAIN_ID      901u
#define INCLUSION_WINDOW 32u
#define FORCE_GRACE      8u
#define FORCE_FEE_WEI    10000000000000000u
#define TX_BYTES_MAX     4096u /* the deployment's maxForcedTxBytes */
#define PATH_BYTES       256u
#define OUT_BYTES        8192u
#define HEX_BYTES        (2u * (TX_BYTES_MAX + 1u) + 3u)
#define ARGS_MAX         24u

static struct {
    test_anvil node;
    l1_rpc *c;
    uint8_t dev_key[32];
    seq_addr dev; /* anvil's funded account 0: the user */
    l1_deployment d;
    char inbox[43];    /* its address, EIP-55 */
    char snapshot[80]; /* evm_snapshot id, JSON text */
    char root[64];     /* temporary directory */
    char keyfile[PATH_BYTES];
    char record[PATH_BYTES]; /* the deployment record of d */
    uint8_t l2_tx[256];      /* a signed L2 tx: what the user forces */
    size_t l2_tx_len;
    char l2_tx_hex[2 * 256 + 3];
} fx;

#define EXPECT_OK(call) TEST_L1_OK(fx.c, call)

static void anvil_stop(void)
{
    test_anvil_stop(&fx.node);
}

/* --------------------------------------------------------------- helpers */

typedef struct {
    char out[OUT_BYTES];
    char err[OUT_BYTES];
} outputs;

/* seqctl args..., in process. */
static int seqctl(outputs *o, const char *const *args)
{
    return test_run_captured(node_seqctl_main, "seqctl", o->out, sizeof o->out, o->err,
                             sizeof o->err, args);
}

static char *rpc_json(const char *method, const char *params)
{
    char *result = NULL;
    EXPECT_OK(l1_rpc_call(fx.c, &result, method, params));
    return result;
}

static void mine(uint64_t blocks)
{
    char params[32];
    snprintf(params, sizeof params, "[\"0x%" PRIx64 "\"]", blocks);
    free(rpc_json("anvil_mine", params));
}

static uint64_t head(void)
{
    uint64_t n = 0;
    EXPECT_OK(l1_rpc_block_number(fx.c, &n));
    return n;
}

static uint64_t dev_nonce(void)
{
    uint64_t n = 0;
    EXPECT_OK(l1_rpc_nonce(fx.c, &n, &fx.dev, L1_TAG_LATEST));
    return n;
}

static uint64_t word_u64(const uint8_t *w)
{
    uint64_t v = 0;
    for (int i = 24; i < 32; i++)
        v = v << 8 | w[i];
    return v;
}

/* A view of the Inbox with an optional uint64 argument: out[0..32 * words). */
static void inbox_view(uint8_t *out, size_t words, const char *signature, const uint64_t *arg)
{
    uint8_t data[4 + 32];
    l1_abi_selector(data, signature);
    if (arg != NULL)
        l1_abi_u64(data + 4, *arg);
    l1_rpc_tx_request req = {.from = fx.dev,
                             .has_to = true,
                             .to = fx.d.inbox,
                             .data = data,
                             .data_len = arg != NULL ? sizeof data : 4u};
    size_t len = 0;
    EXPECT_OK(l1_rpc_eth_call(fx.c, out, words * 32, &len, &req, L1_TAG_LATEST));
    assert_int_equal(len, words * 32);
}

typedef struct {
    uint64_t next_index, forced_consumed, forced_count;
} inbox_status;

static void status_read(inbox_status *s)
{
    uint8_t w[5 * 32];
    inbox_view(w, 5, "status()", NULL);
    s->next_index = word_u64(w);
    s->forced_consumed = word_u64(w + 64);
    s->forced_count = word_u64(w + 96);
}

static uint64_t queued_at(uint64_t i)
{
    uint8_t w[32];
    inbox_view(w, 1, "forcedQueuedAt(uint64)", &i);
    return word_u64(w);
}

static void hash_hex(char out[67], const seq_hash *h)
{
    assert_int_equal(l1_hex_encode(out, 67, h->b, SEQ_HASH_BYTES), SEQ_OK);
}

static void path_in_root(char out[PATH_BYTES], const char *name)
{
    snprintf(out, PATH_BYTES, "%s/%s", fx.root, name);
}

static void file_write(const char *path, const void *data, size_t len, mode_t mode)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
    assert_int_equal(chmod(path, mode), 0);
}

/* "0x" + n bytes of hex, n <= TX_BYTES_MAX + 1. */
static void hex_of_size(char out[HEX_BYTES], size_t n)
{
    static uint8_t bytes[TX_BYTES_MAX + 1];
    assert_true(n <= sizeof bytes);
    for (size_t i = 0; i < n; i++)
        bytes[i] = (uint8_t)(i * 13 + 1);
    assert_int_equal(l1_hex_encode(out, HEX_BYTES, bytes, n), SEQ_OK);
}

/* --------------------------------------------------------------- fixture */

/* The user's L2 transaction: a signed EIP-1559 transfer on the L2 chain. */
static int l2_tx_make(void)
{
    uint8_t key[32];
    seq_hash h;
    l1_keccak256(&h, (const uint8_t *)"test_force_cli l2 sender", 24);
    memcpy(key, h.b, 32);
    l1_tx tx = {.chain_id = L2_CHAIN_ID,
                .nonce = 0,
                .max_priority_fee_per_gas = 1,
                .max_fee_per_gas = 1000,
                .gas_limit = 21000,
                .has_to = true,
                .value = {[31] = 1}};
    memset(tx.to.b, 0x42, SEQ_ADDR_BYTES);
    if (l1_tx_sign(fx.l2_tx, sizeof fx.l2_tx, &fx.l2_tx_len, &h, key, &tx) != SEQ_OK)
        return -1;
    return l1_hex_encode(fx.l2_tx_hex, sizeof fx.l2_tx_hex, fx.l2_tx, fx.l2_tx_len) == SEQ_OK ? 0
                                                                                              : -1;
}

static int deploy(void)
{
    l1_deploy_params p;
    l1_deploy_params_default(&p);
    p.l1_chain_id = ANVIL_CHAIN_ID;
    p.l2_chain_id = L2_CHAIN_ID;
    p.member_count = 1;
    memset(p.members[0].b, 0x77, SEQ_ADDR_BYTES);
    p.weights[0] = 1;
    p.inclusion_window_blocks = INCLUSION_WINDOW;
    p.force_grace_blocks = FORCE_GRACE;
    p.force_fee_wei = FORCE_FEE_WEI;
    p.forced_tx_bytes_max = TX_BYTES_MAX;
    char why[L1_DEPLOY_WHY_BYTES];
    if (l1_deploy(&fx.d, why, fx.c, fx.dev_key, &p, NULL) != SEQ_OK) {
        fprintf(stderr, "l1_deploy: %s\n", why);
        return -1;
    }
    l1_addr_checksum(fx.inbox, &fx.d.inbox);
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
    if (anvil == NULL || access(anvil, X_OK) != 0) {
        fprintf(stderr, "SEQ_ANVIL must name anvil (deploy/node_modules/.bin/anvil)\n");
        return -1;
    }
    if (sodium_init() < 0 || l1_hex_decode_exact(fx.dev_key, 32, ANVIL_KEY_0_HEX) != SEQ_OK ||
        l1_secp_address(&fx.dev, fx.dev_key) != SEQ_OK || l2_tx_make() != 0)
        return -1;
    atexit(anvil_stop);
    if (!test_anvil_start(&fx.node, anvil) || l1_rpc_new(&fx.c, fx.node.url, NULL) != SEQ_OK) {
        fprintf(stderr, "cannot start anvil\n");
        return -1;
    }
    snprintf(fx.root, sizeof fx.root, "/tmp/seq_force_cli_XXXXXX");
    if (mkdtemp(fx.root) == NULL)
        return -1;
    seq_log_configure(SEQ_LOG_WARN, SEQ_LOG_TEXT, NULL);
    path_in_root(fx.keyfile, "user.key");
    FILE *f = fopen(fx.keyfile, "w");
    if (f == NULL || fprintf(f, "%s\n", ANVIL_KEY_0_HEX) < 0 || fclose(f) != 0 ||
        chmod(fx.keyfile, 0600) != 0 || deploy() != 0)
        return -1;
    return test_anvil_snapshot(fx.c, fx.snapshot, sizeof fx.snapshot) ? 0 : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    l1_rpc_free(fx.c);
    anvil_stop();
    char cmd[PATH_BYTES];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", fx.root);
    return system(cmd) == 0 ? 0 : -1;
}

/* Every case starts from the freshly deployed contracts. */
static int from_snapshot(void **state)
{
    (void)state;
    return test_anvil_rewind(fx.c, fx.snapshot, sizeof fx.snapshot) ? 0 : -1;
}

/* ---------------------------------------------------------------- cases */

/* Bad arguments are usage errors (exit 2) and send nothing. */
static void test_usage(void **state)
{
    (void)state;
    const char *url = fx.node.url, *key = fx.keyfile, *inbox = fx.inbox, *tx = fx.l2_tx_hex;
    const char *const cases[][ARGS_MAX] = {
        {"force-include", NULL},
        {"force-include", "--inbox", inbox, "--key", key, "--tx", tx, NULL}, /* no --rpc */
        {"force-include", "--rpc", url, "--inbox", inbox, "--tx", tx, NULL}, /* no --key */
        {"force-include", "--rpc", url, "--key", key, "--tx", tx, NULL},     /* no inbox */
        {"force-include", "--rpc", url, "--inbox", inbox, "--deployment", fx.record, "--key", key,
         "--tx", tx, NULL},                                                    /* both */
        {"force-include", "--rpc", url, "--inbox", inbox, "--key", key, NULL}, /* no tx */
        {"force-include", "--rpc", url, "--inbox", inbox, "--key", key, "--tx", tx, "--tx-file",
         key, NULL}, /* both */
        {"force-include", "--rpc", url, "--inbox", "0x1234", "--key", key, "--tx", tx, NULL},
        {"force-include", "--rpc", url, "--inbox", inbox, "--key", key, "--tx", "0xabc", NULL},
        {"force-include", "--rpc", url, "--inbox", inbox, "--key", key, "--tx", "abcd", NULL},
        {"force-include", "--rpc", url, "--inbox", inbox, "--key", key, "--tx", "0xzz", NULL},
        {"force-include", "--rpc", url, "--inbox", inbox, "--key", key, "--tx", tx, "--fee", "1e18",
         NULL},
        {"force-include", "--rpc", url, "--inbox", inbox, "--key", key, "--tx", tx, "--wait-ms",
         "0", NULL},
        {"force-include", "--rpc", url, "--inbox", inbox, "--key", key, "--tx", tx, "--bogus",
         NULL},
        {"force-include", "--rpc", url, "--rpc", url, "--inbox", inbox, "--key", key, "--tx", tx,
         NULL},
        {"force-include", "--rpc", "ftp://x", "--inbox", inbox, "--key", key, "--tx", tx, NULL},
        {"force-include", "--rpc", url, "--inbox", inbox, "--key", key, "--tx", NULL},
        {"force-advance", NULL},
        {"force-advance", "--rpc", url, "--key", key, NULL},
        {"force-advance", "--rpc", url, "--inbox", inbox, "--key", key, "--tx", tx, NULL},
        {"force-advance", "--rpc", url, "--inbox", inbox, "--key", key, "--fee", "1", NULL},
        {"force-advance", "--rpc", url, "--inbox", inbox, NULL},
    };
    uint64_t nonce = dev_nonce();
    for (size_t i = 0; i < SEQ_ARRAY_LEN(cases); i++) {
        outputs o;
        int code = seqctl(&o, cases[i]);
        if (code != NODE_EXIT_USAGE)
            fail_msg("case %zu: exit %d, stderr:\n%s", i, code, o.err);
        test_expect_in(o.err, "seqctl force-");
        assert_string_equal(o.out, "");
    }
    outputs o;
    const char *help[] = {"force-include", "--help", NULL};
    assert_int_equal(seqctl(&o, help), NODE_EXIT_OK);
    test_expect_in(o.out, "seqctl force-advance");
    const char *top[] = {"help", NULL};
    assert_int_equal(seqctl(&o, top), NODE_EXIT_OK);
    test_expect_in(o.out, "force-include");
    assert_int_equal(dev_nonce(), nonce);
}

/* Refusals before anything is sent: a tx over maxForcedTxBytes, an empty
 * one, a fee below forceFee (eth_estimateGas names FeeTooLow), a key file
 * others may read, a record of another chain, an address without an
 * Inbox; force-advance on an empty queue has nothing to force. */
static void test_refusals(void **state)
{
    (void)state;
    static char big[HEX_BYTES];
    const char *url = fx.node.url, *key = fx.keyfile, *inbox = fx.inbox;
    uint64_t nonce = dev_nonce();
    outputs o;

    hex_of_size(big, TX_BYTES_MAX + 1);
    const char *too_big[] = {"force-include", "--rpc", url,    "--inbox", inbox,
                             "--key",         key,     "--tx", big,       NULL};
    assert_int_equal(seqctl(&o, too_big), NODE_EXIT_FAILURE);
    test_expect_in(o.err, "the tx is 4097 bytes; the Inbox takes 1 to 4096 (maxForcedTxBytes)");
    test_expect_in(o.err, "nothing sent");

    const char *empty[] = {"force-include", "--rpc", url,    "--inbox", inbox,
                           "--key",         key,     "--tx", "0x",      NULL};
    assert_int_equal(seqctl(&o, empty), NODE_EXIT_FAILURE);
    test_expect_in(o.err, "the tx is 0 bytes");

    const char *cheap[] = {"force-include", "--rpc", url, "--deployment",
                           fx.record,       "--key", key, "--tx",
                           fx.l2_tx_hex,    "--fee", "1", NULL};
    assert_int_equal(seqctl(&o, cheap), NODE_EXIT_FAILURE);
    test_expect_in(o.err, "forceInclude(bytes) reverts: FeeTooLow(paid 1, fee 10000000000000000)");
    test_expect_in(o.err, "nothing sent");
    assert_string_equal(o.out, "");

    char open_key[PATH_BYTES];
    path_in_root(open_key, "open.key");
    file_write(open_key, ANVIL_KEY_0_HEX "\n", strlen(ANVIL_KEY_0_HEX) + 1, 0644);
    const char *readable[] = {"force-include", "--rpc",  url,    "--inbox",    inbox,
                              "--key",         open_key, "--tx", fx.l2_tx_hex, NULL};
    assert_int_equal(seqctl(&o, readable), NODE_EXIT_FAILURE);
    test_expect_in(o.err, "chmod 600");

    char committee[43];
    l1_addr_checksum(committee, &fx.d.committee);
    const char *not_inbox[] = {"force-include", "--rpc", url,    "--inbox",    committee,
                               "--key",         key,     "--tx", fx.l2_tx_hex, NULL};
    assert_int_equal(seqctl(&o, not_inbox), NODE_EXIT_FAILURE);
    test_expect_in(o.err, "is not an Inbox");
    const char *nobody[] = {
        "force-advance", "--rpc", url, "--inbox", "0x000000000000000000000000000000000000dEaD",
        "--key",         key,     NULL};
    assert_int_equal(seqctl(&o, nobody), NODE_EXIT_FAILURE);
    test_expect_in(o.err, "no contract there?");

    const char *nothing[] = {"force-advance", "--rpc", url, "--deployment",
                             fx.record,       "--key", key, NULL};
    assert_int_equal(seqctl(&o, nothing), NODE_EXIT_OK);
    assert_string_equal(o.out, "nothing to force: all 0 forced txs are consumed\n");

    uint16_t port = test_port_free();
    char down[64];
    snprintf(down, sizeof down, "http://127.0.0.1:%u", (unsigned)port);
    const char *unreachable[] = {"force-include", "--rpc", down,   "--inbox",    inbox,
                                 "--key",         key,     "--tx", fx.l2_tx_hex, NULL};
    assert_int_equal(seqctl(&o, unreachable), NODE_EXIT_FAILURE);
    test_expect_in(o.err, "unavailable");

    inbox_status s;
    status_read(&s);
    assert_int_equal(s.forced_count, 0);
    assert_int_equal(dev_nonce(), nonce);
}

/* One forced tx through its whole life: queued (the printed fields match
 * L1), force-advance refused before its block, and one block earlier
 * still, then accepted at the first block the contract allows; then
 * nothing is left to force. */
static void test_include_then_advance(void **state)
{
    (void)state;
    const char *url = fx.node.url, *key = fx.keyfile;
    outputs o;
    const char *include[] = {"force-include", "--rpc", url,    "--deployment", fx.record,
                             "--key",         key,     "--tx", fx.l2_tx_hex,   NULL};
    assert_int_equal(seqctl(&o, include), NODE_EXIT_OK);

    inbox_status s;
    status_read(&s);
    assert_int_equal(s.forced_count, 1);
    assert_int_equal(s.forced_consumed, 0);
    uint64_t q = queued_at(0);
    assert_int_equal(q, head());

    seq_hash tx_hash;
    char tx_hex[67], line[256];
    l1_keccak256(&tx_hash, fx.l2_tx, fx.l2_tx_len);
    hash_hex(tx_hex, &tx_hash);
    test_expect_in(o.out, "queued forced tx 0\n");
    test_expect_in(o.out, "  index          0\n");
    snprintf(line, sizeof line, "  l1 block       %" PRIu64 "\n", q);
    test_expect_in(o.out, line);
    snprintf(line, sizeof line, "  tx hash        %s\n", tx_hex);
    test_expect_in(o.out, line);
    snprintf(line, sizeof line, "  due            by L1 block %" PRIu64, q + INCLUSION_WINDOW);
    test_expect_in(o.out, line);
    snprintf(line, sizeof line, "  force-advance  from L1 block %" PRIu64,
             q + INCLUSION_WINDOW + FORCE_GRACE + 1);
    test_expect_in(o.out, line);
    test_expect_in(o.out, "  fee            10000000000000000 wei\n");
    /* The printed L1 tx is the one in block q. */
    const char *l1_tx_at = strstr(o.out, "  l1 tx          ");
    assert_non_null(l1_tx_at);
    char l1_tx_hex[67];
    snprintf(l1_tx_hex, sizeof l1_tx_hex, "%.66s", l1_tx_at + 17);
    seq_hash l1_hash;
    assert_int_equal(l1_hex_decode_exact(l1_hash.b, SEQ_HASH_BYTES, l1_tx_hex), SEQ_OK);
    l1_rpc_tx_receipt rc;
    EXPECT_OK(l1_rpc_receipt(fx.c, &rc, &l1_hash));
    assert_true(rc.success);
    assert_int_equal(rc.block_number, q);

    /* Too early: at the head q, and at the block before the first allowed. */
    uint64_t nonce = dev_nonce();
    const char *advance[] = {"force-advance", "--rpc", url, "--deployment",
                             fx.record,       "--key", key, NULL};
    assert_int_equal(seqctl(&o, advance), NODE_EXIT_FAILURE);
    snprintf(line, sizeof line, "not yet: allowed from L1 block %" PRIu64 ", head is %" PRIu64,
             q + INCLUSION_WINDOW + FORCE_GRACE + 1, q);
    test_expect_in(o.err, line);
    assert_string_equal(o.out, "");
    mine(INCLUSION_WINDOW + FORCE_GRACE - 1);
    assert_int_equal(seqctl(&o, advance), NODE_EXIT_FAILURE);
    test_expect_in(o.err, "not yet");
    assert_int_equal(dev_nonce(), nonce);
    status_read(&s);
    assert_int_equal(s.next_index, 0);

    /* The head is now q + window + grace: the next block is the first the
     * contract allows. */
    mine(1);
    assert_int_equal(seqctl(&o, advance), NODE_EXIT_OK);
    test_expect_in(o.out, "force-advanced: batch 0 consumes forced txs 0..0\n");
    test_expect_in(o.out, "  cursor         0 -> 1\n");
    snprintf(line, sizeof line, "  l1 block       %" PRIu64 "\n",
             q + INCLUSION_WINDOW + FORCE_GRACE + 1);
    test_expect_in(o.out, line);
    status_read(&s);
    assert_int_equal(s.next_index, 1);
    assert_int_equal(s.forced_consumed, 1);
    assert_int_equal(s.forced_count, 1);

    assert_int_equal(seqctl(&o, advance), NODE_EXIT_OK);
    assert_string_equal(o.out, "nothing to force: all 1 forced txs are consumed\n");
}

/* The JSON outputs, --inbox and --tx-file (hex text and raw bytes), two
 * entries consumed by one force-advance, and a fee above forceFee. */
static void test_json_and_files(void **state)
{
    (void)state;
    const char *url = fx.node.url, *key = fx.keyfile, *inbox = fx.inbox;
    char hex_file[PATH_BYTES], raw_file[PATH_BYTES];
    path_in_root(hex_file, "tx.hex");
    path_in_root(raw_file, "tx.bin");
    char text[sizeof fx.l2_tx_hex + 1];
    snprintf(text, sizeof text, "%s\n", fx.l2_tx_hex);
    file_write(hex_file, text, strlen(text), 0644);
    file_write(raw_file, fx.l2_tx, fx.l2_tx_len, 0644);
    seq_hash tx_hash;
    char tx_hex[67];
    l1_keccak256(&tx_hash, fx.l2_tx, fx.l2_tx_len);
    hash_hex(tx_hex, &tx_hash);

    const char *files[] = {hex_file, raw_file};
    for (uint64_t i = 0; i < 2; i++) {
        outputs o;
        const char *args[] = {"force-include",
                              "--rpc",
                              url,
                              "--inbox",
                              inbox,
                              "--key",
                              key,
                              "--tx-file",
                              files[i],
                              "--json",
                              i == 1 ? "--fee" : NULL,
                              "20000000000000000",
                              NULL};
        assert_int_equal(seqctl(&o, args), NODE_EXIT_OK);
        if (i == 1)
            test_expect_in(o.err, "above the forceFee of 10000000000000000");
        json_error_t e;
        json_t *j = json_loads(o.out, JSON_REJECT_DUPLICATES, &e);
        if (j == NULL)
            fail_msg("not JSON (%s):\n%s", e.text, o.out);
        assert_int_equal(json_integer_value(json_object_get(j, "index")), i);
        assert_int_equal(json_integer_value(json_object_get(j, "l1_block")), queued_at(i));
        assert_string_equal(json_string_value(json_object_get(j, "tx_hash")), tx_hex);
        assert_string_equal(json_string_value(json_object_get(j, "fee_wei")),
                            i == 1 ? "20000000000000000" : "10000000000000000");
        const char *l1_tx_at = json_string_value(json_object_get(j, "l1_tx_hash"));
        assert_non_null(l1_tx_at);
        seq_hash h;
        l1_rpc_tx_receipt rc;
        assert_int_equal(l1_hex_decode_exact(h.b, SEQ_HASH_BYTES, l1_tx_at), SEQ_OK);
        EXPECT_OK(l1_rpc_receipt(fx.c, &rc, &h));
        assert_int_equal(rc.block_number, queued_at(i));
        json_decref(j);
    }

    mine(INCLUSION_WINDOW + FORCE_GRACE + 1);
    outputs o;
    const char *advance[] = {"force-advance", "--rpc", url,      "--inbox", inbox,
                             "--key",         key,     "--json", NULL};
    assert_int_equal(seqctl(&o, advance), NODE_EXIT_OK);
    json_t *j = json_loads(o.out, 0, NULL);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "result")), "advanced");
    assert_int_equal(json_integer_value(json_object_get(j, "batch_index")), 0);
    assert_int_equal(json_integer_value(json_object_get(j, "from_cursor")), 0);
    assert_int_equal(json_integer_value(json_object_get(j, "to_cursor")), 2);
    assert_int_equal(json_integer_value(json_object_get(j, "l1_block")), head());
    json_decref(j);
    inbox_status s;
    status_read(&s);
    assert_int_equal(s.next_index, 1);
    assert_int_equal(s.forced_consumed, 2);

    assert_int_equal(seqctl(&o, advance), NODE_EXIT_OK);
    j = json_loads(o.out, 0, NULL);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "result")), "nothing_to_force");
    json_decref(j);
}

/* With automine off the receipt does not come: the wait is bounded by
 * --wait-ms, exit 1 names the L1 tx, and the tx is mined later. */
static void test_wait_bounded(void **state)
{
    (void)state;
    free(rpc_json("evm_setAutomine", "[false]"));
    outputs o;
    const char *args[] = {"force-include", "--rpc", fx.node.url,  "--inbox",   fx.inbox, "--key",
                          fx.keyfile,      "--tx",  fx.l2_tx_hex, "--wait-ms", "300",    NULL};
    int code = seqctl(&o, args);
    free(rpc_json("evm_setAutomine", "[true]"));
    assert_int_equal(code, NODE_EXIT_FAILURE);
    test_expect_in(o.err, "not mined after 300 ms");
    const char *sent = strstr(o.err, "sent L1 tx ");
    assert_non_null(sent);
    char hex[67];
    snprintf(hex, sizeof hex, "%.66s", sent + 11);
    seq_hash h;
    assert_int_equal(l1_hex_decode_exact(h.b, SEQ_HASH_BYTES, hex), SEQ_OK);
    mine(1);
    l1_rpc_tx_receipt rc;
    EXPECT_OK(l1_rpc_receipt(fx.c, &rc, &h));
    assert_true(rc.success);
    inbox_status s;
    status_read(&s);
    assert_int_equal(s.forced_count, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_usage, from_snapshot),
        cmocka_unit_test_setup(test_refusals, from_snapshot),
        cmocka_unit_test_setup(test_include_then_advance, from_snapshot),
        cmocka_unit_test_setup(test_json_and_files, from_snapshot),
        cmocka_unit_test_setup(test_wait_bounded, from_snapshot),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
