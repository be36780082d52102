/* test_l1_client.c — the L1 contracts driven by seqd's own C client: no
 * cast, no artifacts directory. The group setup starts a private anvil on a
 * free 127.0.0.1 port and deploys Committee and Inbox with l1_deploy (the
 * bytecode embedded in the binary at build time), then takes an
 * evm_snapshot that every case starts from.
 *
 * Batches and forced transactions are ABI-encoded here, signed with the C
 * EIP-712 digests, and sent as EIP-1559 transactions by l1_tx_sign and
 * l1_rpc_send_raw_tx. Every rejection is checked twice, through eth_call
 * (at the pending block) and eth_estimateGas, by decoding the revert data
 * with l1_rpc_revert_data and matching the custom error's selector and
 * arguments. The last case runs `seqctl l1 deploy` in process
 * (node_seqctl_main) against the same anvil. */
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

#include "anvil.h"
#include "l1.h"
#include "node.h"

#define ANVIL_CHAIN_ID   31337u
#define ANVIL_KEY_0_HEX  "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"
#define L2_CHAIN_ID      901u
#define MEMBERS          4u
#define INCLUSION_WINDOW 32u
#define FORCE_GRACE      8u
#define FORCE_FEE_WEI    10000000000000000u
#define TX_GAS           3000000u
#define DATA_MAX         512u
#define SIGS_MAX         8u
#define CALL_BYTES_MAX   (4u + 12u * 32u + DATA_MAX + SIGS_MAX * SEQ_SIG_BYTES + 64u)
#define PATH_BYTES       256u
#define OUT_BYTES        4096u

typedef struct {
    uint8_t key[32];
    seq_addr addr;
} test_key;

static struct {
    test_anvil node;
    l1_rpc *c;
    test_key dev;            /* anvil's funded account 0 */
    test_key val[MEMBERS];   /* the committee, ascending addresses */
    test_key outsider;       /* not a member */
    l1_deploy_params params; /* of the deployment below */
    l1_deployment d;         /* made by l1_deploy in the group setup */
    seq_hash domain;         /* its EIP-712 domain separator */
    char snapshot[80];       /* evm_snapshot id, JSON text */
    char root[64];           /* temporary directory */
} fx;

#define EXPECT_OK(call) TEST_L1_OK(fx.c, call)

static void anvil_stop(void)
{
    test_anvil_stop(&fx.node);
}

/* --------------------------------------------------------------- helpers */

static char *rpc_json(const char *method, const char *params)
{
    char *result = NULL;
    EXPECT_OK(l1_rpc_call(fx.c, &result, method, params));
    return result;
}

static void call(const char *method, const char *params)
{
    free(rpc_json(method, params));
}

static void mine(uint64_t blocks)
{
    if (blocks == 0)
        return;
    char params[32];
    snprintf(params, sizeof params, "[\"0x%" PRIx64 "\"]", blocks);
    call("anvil_mine", params);
}

static uint64_t head(void)
{
    uint64_t n = 0;
    EXPECT_OK(l1_rpc_block_number(fx.c, &n));
    return n;
}

/* Mines until the pending block (the one eth_call at "pending" simulates)
 * is `pending`. */
static void mine_until_pending(uint64_t pending)
{
    uint64_t now = head();
    assert_true(now + 1 <= pending);
    mine(pending - now - 1);
    assert_int_equal(head() + 1, pending);
}

static void key_from_label(test_key *k, const char *label)
{
    seq_hash h;
    l1_keccak256(&h, (const uint8_t *)label, strlen(label));
    memcpy(k->key, h.b, 32);
    assert_int_equal(l1_secp_address(&k->addr, k->key), SEQ_OK);
}

static uint64_t word_u64(const uint8_t *w)
{
    uint64_t v = 0;
    for (int i = 24; i < 32; i++)
        v = v << 8 | w[i];
    return v;
}

/* Signs and sends a call (to NULL: a creation) from dev with value wei;
 * waits for the receipt (automine is on). */
static void send_from(l1_rpc_tx_receipt *rc, const test_key *from, const seq_addr *to,
                      uint64_t value, const uint8_t *data, size_t len)
{
    uint64_t nonce = 0, tip = 0;
    l1_rpc_fees fh;
    static const double median[] = {50.0};
    EXPECT_OK(l1_rpc_nonce(fx.c, &nonce, &from->addr, L1_TAG_PENDING));
    EXPECT_OK(l1_rpc_fee_history(fx.c, &fh, 1, median, 1));
    EXPECT_OK(l1_rpc_max_priority_fee(fx.c, &tip));
    l1_tx tx = {.chain_id = ANVIL_CHAIN_ID,
                .nonce = nonce,
                .max_priority_fee_per_gas = tip,
                .max_fee_per_gas = tip + 2 * fh.base_fee_next,
                .gas_limit = TX_GAS,
                .has_to = to != NULL,
                .data = data,
                .data_len = len};
    if (to != NULL)
        tx.to = *to;
    for (int i = 0; i < 8; i++)
        tx.value[31 - i] = (uint8_t)(value >> (8 * i));
    static uint8_t raw[CALL_BYTES_MAX + L1_TX_OVERHEAD_BYTES_MAX];
    size_t raw_len = 0;
    seq_hash hash, got;
    EXPECT_OK(l1_tx_sign(raw, sizeof raw, &raw_len, &hash, from->key, &tx));
    EXPECT_OK(l1_rpc_send_raw_tx(fx.c, &got, raw, raw_len));
    for (int i = 0; i < 100; i++) {
        seq_err err = l1_rpc_receipt(fx.c, rc, &hash);
        if (err == SEQ_OK)
            return;
        assert_int_equal(err, SEQ_ERR_NOT_FOUND);
        usleep(20000);
    }
    fail_msg("no receipt");
}

/* A view of `to` at the latest block: selector(signature) || args. */
static size_t view(uint8_t *out, size_t cap, const seq_addr *to, const char *signature,
                   const uint8_t *args, size_t args_len)
{
    uint8_t data[4 + 64];
    assert_true(args_len <= 64);
    l1_abi_selector(data, signature);
    if (args_len > 0)
        memcpy(data + 4, args, args_len);
    l1_rpc_tx_request req = {
        .from = fx.dev.addr, .has_to = true, .to = *to, .data = data, .data_len = 4 + args_len};
    size_t len = 0;
    EXPECT_OK(l1_rpc_eth_call(fx.c, out, cap, &len, &req, L1_TAG_LATEST));
    return len;
}

typedef struct {
    uint64_t next_index;
    seq_hash last_batch_hash;
    uint64_t forced_consumed, forced_count, next_height;
} inbox_status;

static void status_read(inbox_status *s)
{
    uint8_t out[5 * 32];
    assert_int_equal(view(out, sizeof out, &fx.d.inbox, "status()", NULL, 0), sizeof out);
    s->next_index = word_u64(out);
    memcpy(s->last_batch_hash.b, out + 32, 32);
    s->forced_consumed = word_u64(out + 64);
    s->forced_count = word_u64(out + 96);
    s->next_height = word_u64(out + 128);
}

/* Fails unless `data` sent to `to` (value wei, from dev) reverts with
 * error_sig and exactly args[0..args_len) (args NULL: not checked), both in
 * eth_call at the pending block and in eth_estimateGas. */
static void expect_revert(const seq_addr *to, uint64_t value, const uint8_t *data, size_t len,
                          const char *error_sig, const uint8_t *args, size_t args_len)
{
    l1_rpc_tx_request req = {
        .from = fx.dev.addr, .has_to = true, .to = *to, .data = data, .data_len = len};
    for (int i = 0; i < 8; i++)
        req.value[31 - i] = (uint8_t)(value >> (8 * i));
    uint8_t selector[4], out[256];
    l1_abi_selector(selector, error_sig);
    for (int how = 0; how < 2; how++) {
        size_t got = 0;
        uint64_t gas = 0;
        seq_err err = how == 0 ? l1_rpc_eth_call(fx.c, out, sizeof out, &got, &req, L1_TAG_PENDING)
                               : l1_rpc_estimate_gas(fx.c, &gas, &req);
        if (err != L1_RPC_ERR_REMOTE || l1_rpc_last_kind(fx.c) != L1_RPC_KIND_REVERTED)
            fail_msg("%s: expected a revert with %s, got %s (%s)",
                     how == 0 ? "eth_call" : "eth_estimateGas", error_sig, seq_errname(err),
                     l1_rpc_last_error(fx.c));
        EXPECT_OK(l1_rpc_revert_data(fx.c, out, sizeof out, &got));
        if (got < 4 || memcmp(out, selector, 4) != 0)
            fail_msg("expected %s, the revert data is: %s", error_sig,
                     l1_rpc_last_remote(fx.c)->data);
        if (args != NULL) {
            assert_int_equal(got, 4 + args_len);
            assert_memory_equal(out + 4, args, args_len);
        }
    }
}

/* -------------------------------------------------------------- batches */

typedef struct {
    l1_attestation_stmt att;
    seq_hash forced_acc;
    uint8_t data[DATA_MAX];
    size_t data_len;
} batch;

static void batch_make(batch *b, uint64_t index, const seq_hash *prev, uint64_t first,
                       uint64_t last)
{
    memset(b, 0, sizeof(*b));
    b->att = (l1_attestation_stmt){
        .l2_chain_id = L2_CHAIN_ID, .index = index, .first_height = first, .last_height = last};
    if (prev != NULL)
        b->att.prev_batch_hash = *prev;
    b->data_len = 100 + (size_t)index;
    for (size_t i = 0; i < b->data_len; i++)
        b->data[i] = (uint8_t)(index * 7 + i);
    l1_keccak256(&b->att.data_hash, b->data, b->data_len);
}

static void batch_hash(seq_hash *out, const batch *b)
{
    l1_eip712_attestation_hash(out, &b->att);
}

static void batch_sign(seq_sig *sig, const batch *b, const test_key *k)
{
    seq_hash h, digest;
    batch_hash(&h, b);
    l1_eip712_digest(&digest, &fx.domain, &h);
    assert_int_equal(l1_secp_sign(sig, k->key, &digest), SEQ_OK);
}

/* postBatch calldata through the library's encoder, which the contract
 * then accepts or refuses in the tests below. */
static size_t post_encode(uint8_t *out, const batch *b, const seq_sig *sigs, size_t n)
{
    size_t len = 0;
    l1_batch_header h = {.stmt = b->att, .forced_acc = b->forced_acc};
    assert_int_equal(
        l1_batch_post_calldata(out, CALL_BYTES_MAX, &len, &h, b->data, b->data_len, sigs, n),
        SEQ_OK);
    assert_int_equal(len, l1_batch_post_calldata_bytes(b->data_len, n));
    return len;
}

/* Signatures of val[i] for each i in who[0..n). */
static void sign_by(seq_sig *sigs, const batch *b, const size_t *who, size_t n)
{
    for (size_t i = 0; i < n; i++)
        batch_sign(&sigs[i], b, &fx.val[who[i]]);
}

static const size_t QUORUM[] = {0, 1, 2}; /* 3 of 4 equal weights */

/* Posts b with a quorum of signatures; returns the L1 tx hash. */
static seq_hash post_ok(const batch *b)
{
    seq_sig sigs[3];
    sign_by(sigs, b, QUORUM, 3);
    static uint8_t data[CALL_BYTES_MAX];
    size_t len = post_encode(data, b, sigs, 3);
    l1_rpc_tx_request req = {
        .from = fx.dev.addr, .has_to = true, .to = fx.d.inbox, .data = data, .data_len = len};
    uint8_t out[32];
    size_t got = 0;
    EXPECT_OK(l1_rpc_eth_call(fx.c, out, sizeof out, &got, &req, L1_TAG_PENDING));
    assert_int_equal(got, 0);
    l1_rpc_tx_receipt rc;
    send_from(&rc, &fx.dev, &fx.d.inbox, 0, data, len);
    assert_true(rc.success);
    printf("gas postBatch index=%" PRIu64 " data=%zu signatures=3 gasUsed=%" PRIu64 "\n",
           b->att.index, b->data_len, rc.gas_used);
    return rc.tx_hash;
}

static void post_rejected(const batch *b, const seq_sig *sigs, size_t n, const char *error_sig,
                          const uint8_t *args, size_t args_len)
{
    static uint8_t data[CALL_BYTES_MAX];
    size_t len = post_encode(data, b, sigs, n);
    expect_revert(&fx.d.inbox, 0, data, len, error_sig, args, args_len);
}

/* s' = n - s, v flipped: the malleated twin of a valid signature. */
static void make_high_s(seq_sig *sig)
{
    static const uint8_t order[32] = {
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xff, 0xff, 0xff, 0xfe, 0xba, 0xae, 0xdc, 0xe6, 0xaf, 0x48,
        0xa0, 0x3b, 0xbf, 0xd2, 0x5e, 0x8c, 0xd0, 0x36, 0x41, 0x41,
    };
    int borrow = 0;
    for (int i = 31; i >= 0; i--) {
        int v = (int)order[i] - (int)sig->b[32 + i] - borrow;
        borrow = v < 0;
        sig->b[32 + i] = (uint8_t)(v + (borrow ? 256 : 0));
    }
    sig->b[64] = sig->b[64] == 27 ? 28 : 27;
}

/* ------------------------------------------------------- forced inclusion */

/* forceInclude(tx) from dev; returns the L1 block it was queued in and
 * acc_1 computed in C, checked against forcedAccAt(1). */
static uint64_t force_include(seq_hash *acc, const char *tx)
{
    size_t tx_len = strlen(tx);
    uint8_t data[4 + 3 * 32 + 64];
    assert_true(tx_len <= 64);
    memset(data, 0, sizeof data);
    l1_abi_selector(data, "forceInclude(bytes)");
    l1_abi_u64(data + 4, 32);
    l1_abi_u64(data + 36, tx_len);
    memcpy(data + 68, tx, tx_len);
    size_t len = 68 + (tx_len + 31) / 32 * 32;
    expect_revert(&fx.d.inbox, FORCE_FEE_WEI - 1, data, len, "FeeTooLow(uint256,uint256)", NULL, 0);
    l1_rpc_tx_receipt rc;
    send_from(&rc, &fx.dev, &fx.d.inbox, FORCE_FEE_WEI, data, len);
    assert_true(rc.success);
    l1_rpc_block blk;
    EXPECT_OK(l1_rpc_block_by_number(fx.c, &blk, rc.block_number));

    uint8_t words[5 * 32];
    seq_hash tx_hash, entry;
    l1_keccak256(&tx_hash, (const uint8_t *)tx, tx_len);
    l1_abi_u64(words, 0);
    l1_abi_addr(words + 32, &fx.dev.addr);
    l1_abi_u64(words + 64, rc.block_number);
    l1_abi_u64(words + 96, blk.timestamp);
    memcpy(words + 128, tx_hash.b, 32);
    l1_keccak256(&entry, words, sizeof words);
    memset(words, 0, 32); /* acc_0 */
    memcpy(words + 32, entry.b, 32);
    l1_keccak256(acc, words, 64);

    uint8_t k[32], stored[32];
    l1_abi_u64(k, 1);
    assert_int_equal(view(stored, sizeof stored, &fx.d.inbox, "forcedAccAt(uint64)", k, 32), 32);
    assert_memory_equal(stored, acc->b, 32);
    return rc.block_number;
}

/* ----------------------------------------------------------- setup */

static int keys_setup(void)
{
    test_key all[MEMBERS + 1];
    for (size_t i = 0; i <= MEMBERS; i++) {
        char label[32];
        snprintf(label, sizeof label, "test_l1_client validator %zu", i);
        key_from_label(&all[i], label);
    }
    for (size_t i = 1; i <= MEMBERS; i++) /* insertion sort by address */
        for (size_t j = i; j > 0 && seq_addr_compare(&all[j - 1].addr, &all[j].addr) > 0; j--) {
            test_key t = all[j];
            all[j] = all[j - 1];
            all[j - 1] = t;
        }
    /* The outsider sits between members so it is checked before a quorum. */
    memcpy(fx.val, all, sizeof(test_key));
    fx.outsider = all[1];
    memcpy(fx.val + 1, all + 2, (MEMBERS - 1) * sizeof(test_key));
    if (l1_hex_decode_exact(fx.dev.key, 32, ANVIL_KEY_0_HEX) != SEQ_OK ||
        l1_secp_address(&fx.dev.addr, fx.dev.key) != SEQ_OK)
        return -1;
    return 0;
}

static void params_make(l1_deploy_params *p)
{
    l1_deploy_params_default(p);
    p->l1_chain_id = ANVIL_CHAIN_ID;
    p->l2_chain_id = L2_CHAIN_ID;
    p->member_count = MEMBERS;
    for (size_t i = 0; i < MEMBERS; i++) {
        p->members[i] = fx.val[i].addr;
        p->weights[i] = 1;
    }
    p->inclusion_window_blocks = INCLUSION_WINDOW;
    p->force_grace_blocks = FORCE_GRACE;
    p->force_fee_wei = FORCE_FEE_WEI;
}

static int group_setup(void **state)
{
    (void)state;
    const char *anvil = getenv("SEQ_ANVIL");
    if (anvil == NULL || access(anvil, X_OK) != 0) {
        fprintf(stderr, "SEQ_ANVIL must name anvil (deploy/node_modules/.bin/anvil)\n");
        return -1;
    }
    if (sodium_init() < 0 || keys_setup() != 0)
        return -1;
    atexit(anvil_stop);
    if (!test_anvil_start(&fx.node, anvil) || l1_rpc_new(&fx.c, fx.node.url, NULL) != SEQ_OK) {
        fprintf(stderr, "cannot start anvil\n");
        return -1;
    }
    snprintf(fx.root, sizeof fx.root, "/tmp/seq_l1_client_XXXXXX");
    if (mkdtemp(fx.root) == NULL)
        return -1;
    seq_log_configure(SEQ_LOG_WARN, SEQ_LOG_TEXT, NULL);
    params_make(&fx.params);
    char why[L1_DEPLOY_WHY_BYTES];
    if (l1_deploy(&fx.d, why, fx.c, fx.dev.key, &fx.params, NULL) != SEQ_OK) {
        fprintf(stderr, "l1_deploy: %s\n", why);
        return -1;
    }
    printf("gas deploy Committee+Inbox members=%u gasUsed=%" PRIu64 "\n", MEMBERS, fx.d.gas_used);
    l1_eip712_domain_separator(&fx.domain, L1_EIP712_NAME, L1_EIP712_VERSION, ANVIL_CHAIN_ID,
                               &fx.d.committee);
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

/* ----------------------------------------------------------- deployment */

/* l1_deploy put code at both addresses, l1_deploy_check recognises the
 * deployment and refuses others, and the deploy-time refusals send
 * nothing. */
static void test_deploy(void **state)
{
    (void)state;
    seq_addr want;
    l1_create_address(&want, &fx.dev.addr, 0);
    assert_memory_equal(fx.d.committee.b, want.b, SEQ_ADDR_BYTES);
    l1_create_address(&want, &fx.dev.addr, 1);
    assert_memory_equal(fx.d.inbox.b, want.b, SEQ_ADDR_BYTES);
    assert_int_equal(fx.d.chain_id, ANVIL_CHAIN_ID);
    assert_memory_equal(fx.d.deployer.b, fx.dev.addr.b, SEQ_ADDR_BYTES);
    assert_true(fx.d.inbox_block_number >= fx.d.block_number);
    static uint8_t code[32768];
    size_t len = 0;
    EXPECT_OK(l1_rpc_code(fx.c, code, sizeof code, &len, &fx.d.committee, L1_TAG_LATEST));
    assert_true(len > 1000);
    EXPECT_OK(l1_rpc_code(fx.c, code, sizeof code, &len, &fx.dev.addr, L1_TAG_LATEST));
    assert_int_equal(len, 0);
    assert_int_equal(l1_rpc_code(fx.c, code, 8, &len, &fx.d.inbox, L1_TAG_LATEST),
                     SEQ_ERR_NO_SPACE);

    char why[L1_DEPLOY_WHY_BYTES];
    uint64_t block = 0;
    EXPECT_OK(l1_deploy_check(&block, why, fx.c, &fx.params, &fx.d.committee, &fx.d.inbox));
    assert_int_equal(block, fx.d.block_number);
    l1_deploy_params other = fx.params;
    other.weights[2] = 2; /* another genesis committee */
    assert_int_equal(l1_deploy_check(&block, why, fx.c, &other, &fx.d.committee, &fx.d.inbox),
                     SEQ_ERR_EXISTS);
    assert_non_null(strstr(why, "member 2"));
    other = fx.params;
    other.force_grace_blocks++;
    assert_int_equal(l1_deploy_check(&block, why, fx.c, &other, &fx.d.committee, &fx.d.inbox),
                     SEQ_ERR_EXISTS);
    assert_int_equal(l1_deploy_check(&block, why, fx.c, &fx.params, &fx.d.inbox, &fx.d.committee),
                     SEQ_ERR_EXISTS); /* swapped: answers as no Committee does */
    seq_addr nobody = {.b = {0x77, 1, 2, 3}};
    assert_int_equal(l1_deploy_check(&block, why, fx.c, &fx.params, &nobody, &fx.d.inbox),
                     SEQ_ERR_NOT_FOUND);
    other = fx.params;
    other.l1_chain_id = 1;
    assert_int_equal(l1_deploy_check(&block, why, fx.c, &other, &fx.d.committee, &fx.d.inbox),
                     SEQ_ERR_INVALID_ARG);
    assert_int_equal(block, 0);

    /* refused before anything is sent */
    uint64_t nonce_before = 0, nonce_after = 0;
    EXPECT_OK(l1_rpc_nonce(fx.c, &nonce_before, &fx.dev.addr, L1_TAG_PENDING));
    l1_deployment d;
    assert_int_equal(l1_deploy(&d, why, fx.c, fx.dev.key, &other, NULL), SEQ_ERR_INVALID_ARG);
    assert_non_null(strstr(why, "chain 31337"));
    l1_deploy_options o;
    l1_deploy_options_default(&o);
    o.has_expected = true;
    o.expect_committee = fx.d.committee; /* already used nonces */
    o.expect_inbox = fx.d.inbox;
    assert_int_equal(l1_deploy(&d, why, fx.c, fx.dev.key, &fx.params, &o), SEQ_ERR_INVALID_ARG);
    assert_non_null(strstr(why, "elsewhere"));
    EXPECT_OK(l1_rpc_nonce(fx.c, &nonce_after, &fx.dev.addr, L1_TAG_PENDING));
    assert_int_equal(nonce_after, nonce_before);

    /* an account without ether: the node refuses the creation */
    assert_int_equal(l1_deploy(&d, why, fx.c, fx.outsider.key, &fx.params, NULL),
                     L1_RPC_ERR_REMOTE);
    assert_non_null(strstr(why, "Committee"));
    assert_int_equal(d.chain_id, 0);
}

static void test_deploy_params(void **state)
{
    (void)state;
    char why[L1_DEPLOY_WHY_BYTES];
    l1_deploy_params p = fx.params;
    EXPECT_OK(l1_deploy_params_check(why, &p));
    assert_string_equal(why, "");
    p.member_count = 0;
    assert_int_equal(l1_deploy_params_check(why, &p), SEQ_ERR_INVALID_ARG);
    p.member_count = L1_DEPLOY_MEMBERS_MAX + 1;
    assert_int_equal(l1_deploy_params_check(why, &p), SEQ_ERR_INVALID_ARG);
    assert_non_null(strstr(why, "1..128"));
    p = fx.params;
    p.members[3] = p.members[1];
    assert_int_equal(l1_deploy_params_check(why, &p), SEQ_ERR_INVALID_ARG);
    assert_non_null(strstr(why, "members 1 and 3"));
    p = fx.params;
    memset(&p.members[0], 0, sizeof(seq_addr));
    assert_int_equal(l1_deploy_params_check(why, &p), SEQ_ERR_INVALID_ARG);
    p = fx.params;
    p.weights[0] = (uint64_t)UINT32_MAX + 1;
    assert_int_equal(l1_deploy_params_check(why, &p), SEQ_ERR_INVALID_ARG);
    p = fx.params;
    p.unbonding_delay_blocks = p.evidence_window_blocks;
    assert_int_equal(l1_deploy_params_check(why, &p), SEQ_ERR_INVALID_ARG);
    p = fx.params;
    p.forced_tx_bytes_max = L1_DEPLOY_FORCED_TX_BYTES_MAX + 1;
    assert_int_equal(l1_deploy_params_check(why, &p), SEQ_ERR_INVALID_ARG);
    p = fx.params;
    p.epoch_blocks = 0;
    assert_int_equal(l1_deploy_params_check(why, &p), SEQ_ERR_INVALID_ARG);
    p = fx.params;
    p.l2_chain_id = 0;
    assert_int_equal(l1_deploy_params_check(why, &p), SEQ_ERR_INVALID_ARG);
    l1_deploy_options o;
    l1_deploy_options_default(&o);
    assert_int_equal(o.receipt_timeout_ms, L1_DEPLOY_RECEIPT_TIMEOUT_MS_DEFAULT);
    o.poll_ms = 0;
    l1_deployment d;
    assert_int_equal(l1_deploy(&d, why, fx.c, fx.dev.key, &fx.params, &o), SEQ_ERR_INVALID_ARG);
}

/* ---------------------------------------------------------------- batches */

static void test_batch_accepted(void **state)
{
    (void)state;
    batch b0, b1;
    batch_make(&b0, 0, NULL, 1, 10);
    post_ok(&b0);
    inbox_status s;
    status_read(&s);
    seq_hash h0;
    batch_hash(&h0, &b0);
    assert_int_equal(s.next_index, 1);
    assert_memory_equal(s.last_batch_hash.b, h0.b, 32);
    assert_int_equal(s.next_height, 11);
    batch_make(&b1, 1, &h0, 11, 20);
    post_ok(&b1);
    status_read(&s);
    assert_int_equal(s.next_index, 2);
}

static void test_batch_rejections(void **state)
{
    (void)state;
    batch b0, b;
    batch_make(&b0, 0, NULL, 1, 10);
    post_ok(&b0);
    seq_hash h0;
    batch_hash(&h0, &b0);
    seq_sig sigs[SIGS_MAX];
    uint8_t args[64];

    /* a replayed batch and a skipped index */
    sign_by(sigs, &b0, QUORUM, 3);
    l1_abi_u64(args, 1);
    l1_abi_u64(args + 32, 0);
    post_rejected(&b0, sigs, 3, "BadIndex(uint64,uint64)", args, 64);
    batch_make(&b, 2, &h0, 11, 20);
    sign_by(sigs, &b, QUORUM, 3);
    l1_abi_u64(args + 32, 2);
    post_rejected(&b, sigs, 3, "BadIndex(uint64,uint64)", args, 64);

    /* a prevBatchHash that is not batch 0's */
    seq_hash wrong = h0;
    wrong.b[31] ^= 1;
    batch_make(&b, 1, &wrong, 11, 20);
    sign_by(sigs, &b, QUORUM, 3);
    memcpy(args, h0.b, 32);
    memcpy(args + 32, wrong.b, 32);
    post_rejected(&b, sigs, 3, "BadPrevBatchHash(bytes32,bytes32)", args, 64);

    /* data that is not what dataHash commits to */
    batch_make(&b, 1, &h0, 11, 20);
    seq_hash signed_hash = b.att.data_hash;
    b.data[0] ^= 0xff;
    sign_by(sigs, &b, QUORUM, 3);
    seq_hash computed;
    l1_keccak256(&computed, b.data, b.data_len);
    memcpy(args, computed.b, 32);
    memcpy(args + 32, signed_hash.b, 32);
    post_rejected(&b, sigs, 3, "BadDataHash(bytes32,bytes32)", args, 64);

    /* two of four: no quorum */
    batch_make(&b, 1, &h0, 11, 20);
    sign_by(sigs, &b, QUORUM, 2);
    l1_abi_u64(args, 2);
    l1_abi_u64(args + 32, MEMBERS);
    post_rejected(&b, sigs, 2, "InsufficientQuorum(uint256,uint256)", args, 64);

    /* one member twice */
    static const size_t dup[] = {0, 0, 1};
    sign_by(sigs, &b, dup, 3);
    l1_abi_addr(args, &fx.val[0].addr);
    post_rejected(&b, sigs, 3, "DuplicateSigner(address)", args, 32);

    /* a signer outside the committee, in ascending order */
    sign_by(sigs, &b, QUORUM, 3);
    batch_sign(&sigs[1], &b, &fx.outsider);
    assert_true(seq_addr_compare(&fx.val[0].addr, &fx.outsider.addr) < 0);
    assert_true(seq_addr_compare(&fx.outsider.addr, &fx.val[1].addr) < 0);
    sign_by(&sigs[2], &b, QUORUM + 1, 2);
    l1_abi_addr(args, &fx.outsider.addr);
    post_rejected(&b, sigs, 4, "NotMember(address)", args, 32);

    /* the high-s twin of a valid signature */
    sign_by(sigs, &b, QUORUM, 3);
    make_high_s(&sigs[1]);
    post_rejected(&b, sigs, 3, "HighS()", args, 0);

    /* and the right batch still goes through */
    post_ok(&b);
}

/* ------------------------------------------------------- forced inclusion */

/* An entry queued in block q may stay unconsumed by batches landing up to
 * block q + window; from q + window + 1 a batch must consume it. */
static void test_forced_window(void **state)
{
    (void)state;
    seq_hash acc1;
    uint64_t q = force_include(&acc1, "forced tx one");
    inbox_status s;
    status_read(&s);
    assert_int_equal(s.forced_count, 1);

    batch b;
    batch_make(&b, 0, NULL, 1, 10);
    seq_sig sigs[3];
    sign_by(sigs, &b, QUORUM, 3);
    static uint8_t data[CALL_BYTES_MAX];
    size_t len = post_encode(data, &b, sigs, 3);
    mine_until_pending(q + INCLUSION_WINDOW);
    l1_rpc_tx_request req = {
        .from = fx.dev.addr, .has_to = true, .to = fx.d.inbox, .data = data, .data_len = len};
    uint8_t out[32];
    size_t got = 0;
    EXPECT_OK(l1_rpc_eth_call(fx.c, out, sizeof out, &got, &req, L1_TAG_PENDING));
    mine(1);
    uint8_t args[64];
    l1_abi_u64(args, 0);
    l1_abi_u64(args + 32, q);
    post_rejected(&b, sigs, 3, "ForcedTxOverdue(uint64,uint64)", args, 64);

    /* a wrong accumulator, then the batch that consumes the entry */
    b.att.forced_cursor = 1;
    b.forced_acc = acc1;
    b.forced_acc.b[0] ^= 1;
    sign_by(sigs, &b, QUORUM, 3);
    memcpy(args, acc1.b, 32);
    memcpy(args + 32, b.forced_acc.b, 32);
    post_rejected(&b, sigs, 3, "BadForcedAcc(bytes32,bytes32)", args, 64);
    b.forced_acc = acc1;
    post_ok(&b);
    status_read(&s);
    assert_int_equal(s.forced_consumed, 1);
}

/* Nobody consumed the entry: forceAdvance is refused until block
 * q + window + grace + 1, then appends an empty batch the committee must
 * chain from. */
static void test_escape_hatch(void **state)
{
    (void)state;
    seq_hash acc1;
    uint64_t q = force_include(&acc1, "forced tx two");
    uint8_t sel[4], args[32];
    l1_abi_selector(sel, "forceAdvance()");
    uint64_t allowed = q + INCLUSION_WINDOW + FORCE_GRACE + 1;
    mine_until_pending(allowed - 1);
    l1_abi_u64(args, allowed);
    expect_revert(&fx.d.inbox, 0, sel, 4, "ForceAdvanceTooEarly(uint64)", args, 32);
    mine(1);
    l1_rpc_tx_receipt rc;
    send_from(&rc, &fx.dev, &fx.d.inbox, 0, sel, 4);
    assert_true(rc.success);
    assert_int_equal(rc.block_number, allowed);
    printf("gas forceAdvance entries=1 gasUsed=%" PRIu64 "\n", rc.gas_used);

    batch empty;
    memset(&empty, 0, sizeof empty);
    empty.att = (l1_attestation_stmt){.l2_chain_id = L2_CHAIN_ID, .index = 0, .forced_cursor = 1};
    l1_keccak256(&empty.att.data_hash, empty.data, 0);
    seq_hash he;
    batch_hash(&he, &empty);
    inbox_status s;
    status_read(&s);
    assert_int_equal(s.next_index, 1);
    assert_int_equal(s.forced_consumed, 1);
    assert_memory_equal(s.last_batch_hash.b, he.b, 32);
    expect_revert(&fx.d.inbox, 0, sel, 4, "NothingToForce()", args, 0);

    batch b;
    batch_make(&b, 1, &he, 1, 10);
    b.att.forced_cursor = 1;
    b.forced_acc = acc1;
    post_ok(&b);
}

/* ------------------------------------------------------------ seqctl l1 */

typedef struct {
    char out[OUT_BYTES];
    char err[OUT_BYTES];
} outputs;

/* seqctl COMMAND args..., in process. */
static int seqctl_run(outputs *o, const char *command, const char *const *args)
{
    char *argv[32];
    int argc = 0;
    argv[argc++] = (char *)"seqctl";
    argv[argc++] = (char *)command;
    for (size_t i = 0; args[i] != NULL; i++)
        argv[argc++] = (char *)args[i];
    argv[argc] = NULL;
    char *ob = NULL, *eb = NULL;
    size_t ol = 0, el = 0;
    FILE *out = open_memstream(&ob, &ol), *err = open_memstream(&eb, &el);
    assert_non_null(out);
    assert_non_null(err);
    int code = node_seqctl_main(argc, argv, out, err);
    fclose(out);
    fclose(err);
    snprintf(o->out, sizeof o->out, "%s", ob);
    snprintf(o->err, sizeof o->err, "%s", eb);
    free(ob);
    free(eb);
    return code;
}

static int seqctl(outputs *o, const char *const *args)
{
    return seqctl_run(o, "l1", args);
}

static void path_in_root(char out[PATH_BYTES], const char *name)
{
    snprintf(out, PATH_BYTES, "%s/%s", fx.root, name);
}

/* A genesis of the four validators (fresh transport keys), with the L1
 * addresses if given. */
static void genesis_write(const char *path, uint64_t l2_chain_id, const seq_addr *committee,
                          const seq_addr *inbox)
{
    static node_genesis g;
    node_genesis_defaults(&g);
    g.l2_chain_id = l2_chain_id;
    g.l1_chain_id = ANVIL_CHAIN_ID;
    g.timestamp_ms = 1700000000000u;
    g.validator_count = MEMBERS;
    for (size_t i = 0; i < MEMBERS; i++) {
        node_genesis_validator *v = &g.validators[i];
        v->address = fx.val[i].addr;
        v->weight = 1;
        uint8_t sk[crypto_sign_SECRETKEYBYTES], seed[32];
        memcpy(seed, fx.val[i].key, 32);
        seed[0] ^= 0x5a;
        crypto_sign_seed_keypair(v->transport_public_key, sk, seed);
        snprintf(v->endpoint, sizeof v->endpoint, "tcp://127.0.0.1:%zu", 7001 + i);
    }
    g.l1.inclusion_window_blocks = INCLUSION_WINDOW;
    if (committee != NULL) {
        g.l1.has_committee_address = g.l1.has_inbox_address = true;
        g.l1.committee_address = *committee;
        g.l1.inbox_address = *inbox;
    }
    node_diag why;
    if (node_genesis_write(&why, path, &g) != SEQ_OK)
        fail_msg("genesis: %s", why.text);
}

static uint64_t dev_nonce(void)
{
    uint64_t n = 0;
    EXPECT_OK(l1_rpc_nonce(fx.c, &n, &fx.dev.addr, L1_TAG_PENDING));
    return n;
}

/* The deployment record as JSON (json_decref it). */
static json_t *record_read(const char *path)
{
    json_error_t e;
    json_t *r = json_load_file(path, JSON_REJECT_DUPLICATES, &e);
    if (r == NULL)
        fail_msg("%s: %s", path, e.text);
    return r;
}

static void record_addr(seq_addr *out, json_t *r, const char *name)
{
    const char *text = json_string_value(json_object_get(r, name));
    assert_non_null(text);
    assert_int_equal(l1_hex_decode_exact(out->b, SEQ_ADDR_BYTES, text), SEQ_OK);
}

/* A copy of the record at from with one member replaced. */
static void record_variant(const char *to, const char *from, const char *name, json_t *value)
{
    json_t *r = record_read(from);
    assert_int_equal(json_object_set_new(r, name, value), 0);
    assert_int_equal(json_dump_file(r, to, JSON_INDENT(2)), 0);
    json_decref(r);
}

/* seqctl l1 deploy: a first run deploys and writes the record, a second
 * does nothing, records of another genesis or chain and stale records are
 * refused, and genesis addresses are honoured. */
static void test_seqctl_deploy(void **state)
{
    (void)state;
    char genesis[PATH_BYTES], keyfile[PATH_BYTES], record[PATH_BYTES];
    path_in_root(genesis, "genesis.json");
    path_in_root(keyfile, "dev.key");
    path_in_root(record, "l1-deployment.json");
    genesis_write(genesis, L2_CHAIN_ID, NULL, NULL);
    FILE *f = fopen(keyfile, "w");
    assert_non_null(f);
    fputs(ANVIL_KEY_0_HEX "\n", f);
    fclose(f);
    assert_int_equal(chmod(keyfile, 0600), 0);
    outputs o;

    const char *plain[] = {"deploy", "--rpc", fx.node.url, "--genesis",
                           genesis,  "--key", keyfile,     NULL};
    assert_int_equal(seqctl(&o, plain), NODE_EXIT_FAILURE);
    assert_non_null(strstr(o.err, "--insecure-key"));
    const char *no_rpc[] = {"deploy", "--genesis", genesis, NULL};
    assert_int_equal(seqctl(&o, no_rpc), NODE_EXIT_USAGE);
    const char *no_sub[] = {NULL};
    assert_int_equal(seqctl(&o, no_sub), NODE_EXIT_USAGE);

    /* first run: deploys next to the genesis file */
    uint64_t nonce = dev_nonce();
    const char *run[] = {"deploy", "--rpc", fx.node.url,      "--genesis", genesis,
                         "--key",  keyfile, "--insecure-key", NULL};
    assert_int_equal(seqctl(&o, run), NODE_EXIT_OK);
    assert_non_null(strstr(o.out, "deployed Committee"));
    assert_int_equal(dev_nonce(), nonce + 2);
    json_t *r = record_read(record);
    assert_int_equal(json_integer_value(json_object_get(r, "version")), 1);
    assert_int_equal(json_integer_value(json_object_get(r, "l1_chain_id")), ANVIL_CHAIN_ID);
    assert_int_equal(json_integer_value(json_object_get(r, "l2_chain_id")), L2_CHAIN_ID);
    seq_addr committee, inbox, deployer;
    record_addr(&committee, r, "committee_address");
    record_addr(&inbox, r, "inbox_address");
    record_addr(&deployer, r, "deployer");
    assert_memory_equal(deployer.b, fx.dev.addr.b, SEQ_ADDR_BYTES);
    char dwhy[L1_DEPLOY_WHY_BYTES];
    uint64_t block = 0;
    EXPECT_OK(l1_deploy_check(&block, dwhy, fx.c, &fx.params, &committee, &inbox));
    assert_int_equal(block, (uint64_t)json_integer_value(json_object_get(r, "deployment_block")));
    json_t *params = json_object_get(r, "params");
    assert_string_equal(json_string_value(json_object_get(params, "min_bond_wei")),
                        "1000000000000000000");
    assert_int_equal(json_integer_value(json_object_get(params, "inclusion_window_blocks")),
                     INCLUSION_WINDOW);
    json_decref(r);

    /* second run: nothing to do, nothing sent (no key needed) */
    assert_int_equal(seqctl(&o, run), NODE_EXIT_OK);
    assert_non_null(strstr(o.out, "nothing to do"));
    assert_int_equal(seqctl(&o, plain), NODE_EXIT_OK);
    assert_int_equal(dev_nonce(), nonce + 2);

    /* another genesis with the same record */
    char genesis2[PATH_BYTES];
    path_in_root(genesis2, "genesis2.json");
    genesis_write(genesis2, L2_CHAIN_ID + 1, NULL, NULL);
    const char *other[] = {"deploy", "--rpc",          fx.node.url, "--genesis", genesis2, "--key",
                           keyfile,  "--insecure-key", "--out",     record,      NULL};
    assert_int_equal(seqctl(&o, other), NODE_EXIT_FAILURE);
    assert_non_null(strstr(o.err, "another genesis"));

    /* a record of this genesis for another chain; a stale record */
    char rec2[PATH_BYTES], rec3[PATH_BYTES];
    path_in_root(rec2, "other-chain.json");
    path_in_root(rec3, "stale.json");
    record_variant(rec2, record, "l1_chain_id", json_integer(5));
    const char *chain[] = {"deploy", "--rpc",          fx.node.url, "--genesis", genesis, "--key",
                           keyfile,  "--insecure-key", "--out",     rec2,        NULL};
    assert_int_equal(seqctl(&o, chain), NODE_EXIT_FAILURE);
    assert_non_null(strstr(o.err, "another genesis or chain"));
    record_variant(rec3, record, "committee_address",
                   json_string("0x4200000000000000000000000000000000000042"));
    chain[9] = rec3;
    assert_int_equal(seqctl(&o, chain), NODE_EXIT_FAILURE);
    assert_non_null(strstr(o.err, "remove the record"));
    assert_int_equal(dev_nonce(), nonce + 2);

    /* predict, then a genesis naming the predicted addresses */
    const char *predict[] = {"predict", "--rpc",          fx.node.url, "--key",
                             keyfile,   "--insecure-key", NULL};
    assert_int_equal(seqctl(&o, predict), NODE_EXIT_OK);
    seq_addr pc, pi;
    uint64_t pn = 0;
    EXPECT_OK(l1_deploy_predict(&pc, &pi, &pn, fx.c, &fx.dev.addr));
    char text[43];
    l1_addr_checksum(text, &pc);
    assert_non_null(strstr(o.out, text));
    char genesis3[PATH_BYTES], rec4[PATH_BYTES];
    path_in_root(genesis3, "genesis3.json");
    path_in_root(rec4, "l1-3.json");
    seq_addr wrong = pc;
    wrong.b[5] ^= 1;
    genesis_write(genesis3, L2_CHAIN_ID, &wrong, &pi);
    const char *named[] = {"deploy", "--rpc",          fx.node.url, "--genesis", genesis3, "--key",
                           keyfile,  "--insecure-key", "--out",     rec4,        NULL};
    assert_int_equal(seqctl(&o, named), NODE_EXIT_FAILURE);
    assert_non_null(strstr(o.err, "elsewhere"));
    assert_int_equal(dev_nonce(), nonce + 2);
    assert_int_equal(unlink(genesis3), 0);
    genesis_write(genesis3, L2_CHAIN_ID, &pc, &pi);
    assert_int_equal(seqctl(&o, named), NODE_EXIT_OK);
    r = record_read(rec4);
    record_addr(&committee, r, "committee_address");
    record_addr(&inbox, r, "inbox_address");
    json_decref(r);
    assert_memory_equal(committee.b, pc.b, SEQ_ADDR_BYTES);
    assert_memory_equal(inbox.b, pi.b, SEQ_ADDR_BYTES);
    /* the record lost: the contracts at the genesis addresses are adopted */
    assert_int_equal(unlink(rec4), 0);
    assert_int_equal(seqctl(&o, named), NODE_EXIT_OK);
    assert_non_null(strstr(o.out, "found the genesis's"));
    r = record_read(rec4);
    assert_true(json_is_null(json_object_get(r, "deployer")));
    json_decref(r);
    assert_int_equal(dev_nonce(), nonce + 4);
}

/* A sealed key directory of seqctl keygen as the deployer. */
static void test_seqctl_key_dir(void **state)
{
    (void)state;
    char dir[PATH_BYTES], genesis[PATH_BYTES], record[PATH_BYTES];
    path_in_root(dir, "deployer-keys");
    path_in_root(genesis, "genesis-kd.json");
    path_in_root(record, "l1-kd.json");
    genesis_write(genesis, L2_CHAIN_ID, NULL, NULL);
    test_key k;
    key_from_label(&k, "test_l1_client deployer");
    uint8_t seed[32] = {7};
    /* node_key_passphrase_free wipes the full capacity a reader allocates */
    node_key_passphrase pass = {.bytes = sodium_malloc(NODE_KEY_PASSPHRASE_BYTES_MAX + 2u),
                                .len = 6};
    assert_non_null(pass.bytes);
    memcpy(pass.bytes, "secret", 6);
    node_key_public pub;
    node_diag why;
    EXPECT_OK(node_key_write(&pub, &why, dir, k.key, seed, &pass, NODE_KEY_KDF_INTERACTIVE));
    node_key_passphrase_free(&pass);
    char params[128], addr[43];
    l1_addr_checksum(addr, &k.addr);
    snprintf(params, sizeof params, "[\"%s\", \"0x56bc75e2d63100000\"]", addr); /* 100 ether */
    call("anvil_setBalance", params);

    outputs o;
    const char *no_pass[] = {"deploy", "--rpc", fx.node.url, "--genesis", genesis,
                             "--key",  dir,     "--out",     record,      NULL};
    assert_int_equal(seqctl(&o, no_pass), NODE_EXIT_FAILURE);
    assert_int_equal(setenv("SEQ_TEST_DEPLOY_PASS", "wrong", 1), 0);
    const char *with_pass[] = {"deploy",
                               "--rpc",
                               fx.node.url,
                               "--genesis",
                               genesis,
                               "--key",
                               dir,
                               "--passphrase-env",
                               "SEQ_TEST_DEPLOY_PASS",
                               "--out",
                               record,
                               NULL};
    assert_int_equal(seqctl(&o, with_pass), NODE_EXIT_FAILURE);
    assert_int_equal(setenv("SEQ_TEST_DEPLOY_PASS", "secret", 1), 0);
    assert_int_equal(seqctl(&o, with_pass), NODE_EXIT_OK);
    json_t *r = record_read(record);
    seq_addr got, want;
    record_addr(&got, r, "deployer");
    assert_memory_equal(got.b, k.addr.b, SEQ_ADDR_BYTES);
    l1_create_address(&want, &k.addr, 0);
    record_addr(&got, r, "committee_address");
    assert_memory_equal(got.b, want.b, SEQ_ADDR_BYTES);
    json_decref(r);
}

/* Records that do not parse are refused, naming the file; nothing is
 * sent. */
static void test_seqctl_bad_record(void **state)
{
    (void)state;
    char genesis[PATH_BYTES], keyfile[PATH_BYTES];
    path_in_root(genesis, "genesis-bad.json");
    path_in_root(keyfile, "dev.key");
    genesis_write(genesis, L2_CHAIN_ID, NULL, NULL);
    static const char *const bad[] = {
        "{}",
        "not json",
        "{\"version\": 2}",
        "{\"version\": 1, \"extra\": 1}",
    };
    uint64_t nonce = dev_nonce();
    for (size_t i = 0; i < SEQ_ARRAY_LEN(bad); i++) {
        char p[PATH_BYTES];
        snprintf(p, sizeof p, "%s/bad%zu.json", fx.root, i);
        FILE *f = fopen(p, "w");
        assert_non_null(f);
        fputs(bad[i], f);
        fclose(f);
        const char *run[] = {"deploy", "--rpc",          fx.node.url, "--genesis", genesis, "--key",
                             keyfile,  "--insecure-key", "--out",     p,           NULL};
        outputs o;
        assert_int_equal(seqctl(&o, run), NODE_EXIT_FAILURE);
        assert_non_null(strstr(o.err, p));
    }
    assert_int_equal(dev_nonce(), nonce);

    /* an L1 that does not answer: a clear error, nothing written */
    char url[48], rec[PATH_BYTES];
    uint16_t port = test_port_free();
    assert_int_not_equal(port, 0);
    snprintf(url, sizeof url, "http://127.0.0.1:%u", (unsigned)port);
    path_in_root(rec, "l1-down.json");
    const char *down[] = {"deploy", "--rpc",          url,     "--genesis", genesis, "--key",
                          keyfile,  "--insecure-key", "--out", rec,         NULL};
    outputs o;
    assert_int_equal(seqctl(&o, down), NODE_EXIT_FAILURE);
    assert_non_null(strstr(o.err, "unavailable"));
    assert_int_equal(access(rec, F_OK), -1);
}

/* Gas per batch and per signer: committees of 4, 7 and 10 equal weights
 * need 3, 5 and 7 signatures; the first batch on each (same data, same
 * cold storage) costs more by a steady amount per extra signature (an
 * ecrecover, 65 bytes of calldata, a weight lookup). */
static void test_gas_per_signer(void **state)
{
    (void)state;
    static const size_t sizes[] = {4, 7, 10};
    uint64_t gas[3] = {0};
    size_t quorum[3] = {0};
    for (size_t k = 0; k < 3; k++) {
        size_t n = sizes[k];
        test_key keys[10];
        for (size_t i = 0; i < n; i++) {
            char label[96];
            snprintf(label, sizeof label, "test_l1_client gas member %zu of %zu", i, n);
            key_from_label(&keys[i], label);
        }
        for (size_t i = 1; i < n; i++) /* ascending addresses */
            for (size_t j = i; j > 0 && seq_addr_compare(&keys[j - 1].addr, &keys[j].addr) > 0;
                 j--) {
                test_key t = keys[j];
                keys[j] = keys[j - 1];
                keys[j - 1] = t;
            }
        l1_deploy_params p = fx.params;
        p.member_count = n;
        for (size_t i = 0; i < n; i++) {
            p.members[i] = keys[i].addr;
            p.weights[i] = 1;
        }
        l1_deployment d;
        char why[L1_DEPLOY_WHY_BYTES];
        EXPECT_OK(l1_deploy(&d, why, fx.c, fx.dev.key, &p, NULL));
        seq_hash domain, h, digest;
        l1_eip712_domain_separator(&domain, L1_EIP712_NAME, L1_EIP712_VERSION, ANVIL_CHAIN_ID,
                                   &d.committee);
        batch b;
        batch_make(&b, 0, NULL, 1, 10);
        batch_hash(&h, &b);
        l1_eip712_digest(&digest, &domain, &h);
        quorum[k] = 2 * n / 3 + 1;
        seq_sig sigs[SIGS_MAX];
        assert_true(quorum[k] <= SIGS_MAX);
        for (size_t i = 0; i < quorum[k]; i++)
            assert_int_equal(l1_secp_sign(&sigs[i], keys[i].key, &digest), SEQ_OK);
        static uint8_t data[CALL_BYTES_MAX];
        size_t len = post_encode(data, &b, sigs, quorum[k]);
        l1_rpc_tx_receipt rc;
        send_from(&rc, &fx.dev, &d.inbox, 0, data, len);
        assert_true(rc.success);
        gas[k] = rc.gas_used;
        printf("gas postBatch first members=%zu signatures=%zu data=%zu gasUsed=%" PRIu64 "\n", n,
               quorum[k], b.data_len, gas[k]);
    }
    for (size_t k = 1; k < 3; k++) {
        assert_true(gas[k] > gas[k - 1]);
        uint64_t per = (gas[k] - gas[k - 1]) / (quorum[k] - quorum[k - 1]);
        printf("gas per extra signer (%zu -> %zu signatures) %" PRIu64 "\n", quorum[k - 1],
               quorum[k], per);
        assert_true(per > 3000 && per < 15000); /* ecrecover alone is 3000 */
    }
}

/* seqctl batch decode reads a batch of the node's format back from the
 * postBatch transaction that put it on L1, as a rollup's derivation would;
 * other transactions and unknown hashes are refused. */
static void test_batch_decode_from_l1(void **state)
{
    (void)state;
    static uint8_t tx_bytes[2][24];
    seq_bytes txs[2];
    l1_batch_block blocks[2];
    memset(blocks, 0, sizeof blocks);
    seq_hash parent = {{0}};
    for (size_t i = 0; i < 2; i++) {
        memset(tx_bytes[i], (int)('p' + i), sizeof tx_bytes[i]);
        txs[i] = (seq_bytes){.ptr = tx_bytes[i], .len = sizeof tx_bytes[i]};
        seq_hash leaf;
        l1_keccak256(&leaf, tx_bytes[i], sizeof tx_bytes[i]);
        blocks[i].header = (seq_block_header){
            .l2_chain_id = L2_CHAIN_ID, .height = 1 + i, .view = 3 + i, .parent_hash = parent};
        l1_merkle_root(&blocks[i].header.tx_root, &leaf, 1);
        blocks[i].tx_count = 1;
        blocks[i].txs = &txs[i];
        l1_block_hash(&parent, &blocks[i].header);
    }
    static uint8_t payload[1024];
    size_t plen = 0;
    batch b;
    batch_make(&b, 0, NULL, 1, 2);
    assert_int_equal(l1_batch_payload_encode(payload, sizeof payload, &plen, blocks, 2), SEQ_OK);
    assert_int_equal(l1_batch_compress(b.data, sizeof b.data, &b.data_len, payload, plen), SEQ_OK);
    l1_keccak256(&b.att.data_hash, b.data, b.data_len);
    seq_hash posted = post_ok(&b);

    char hash[2 * SEQ_HASH_BYTES + 3];
    assert_int_equal(l1_hex_encode(hash, sizeof hash, posted.b, SEQ_HASH_BYTES), SEQ_OK);
    outputs o;
    const char *json[] = {"decode", "--rpc", fx.node.url, "--tx", hash, "--json", NULL};
    assert_int_equal(seqctl_run(&o, "batch", json), NODE_EXIT_OK);
    json_t *j = json_loads(o.out, 0, NULL);
    assert_non_null(j);
    json_t *got = json_object_get(j, "blocks");
    assert_int_equal(json_array_size(got), 2);
    char want[2 * SEQ_HASH_BYTES + 3];
    assert_int_equal(l1_hex_encode(want, sizeof want, parent.b, SEQ_HASH_BYTES), SEQ_OK);
    assert_string_equal(json_string_value(json_object_get(json_array_get(got, 1), "hash")), want);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(got, 0), "height")), 1);
    assert_int_equal(json_integer_value(json_object_get(j, "dataBytes")), (json_int_t)b.data_len);
    json_decref(j);
    const char *text[] = {"decode", "--rpc", fx.node.url, "--tx", hash, NULL};
    assert_int_equal(seqctl_run(&o, "batch", text), NODE_EXIT_OK);
    assert_non_null(strstr(o.out, "heights 1..2, 2 blocks, 2 txs"));

    /* Not a postBatch, and no such transaction. */
    seq_hash acc;
    (void)force_include(&acc, "not a batch");
    char *block = rpc_json("eth_getBlockByNumber", "[\"latest\", false]");
    json_t *blk = json_loads(block, 0, NULL);
    const char *other = json_string_value(json_array_get(json_object_get(blk, "transactions"), 0));
    assert_non_null(other);
    const char *wrong[] = {"decode", "--rpc", fx.node.url, "--tx", other, NULL};
    assert_int_equal(seqctl_run(&o, "batch", wrong), NODE_EXIT_FAILURE);
    assert_non_null(strstr(o.err, "is not a postBatch call"));
    json_decref(blk);
    free(block);
    const char *none[] = {"decode",
                          "--rpc",
                          fx.node.url,
                          "--tx",
                          "0x1111111111111111111111111111111111111111111111111111111111111111",
                          NULL};
    assert_int_equal(seqctl_run(&o, "batch", none), NODE_EXIT_FAILURE);
    assert_non_null(strstr(o.err, "no transaction"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_deploy, from_snapshot),
        cmocka_unit_test_setup(test_deploy_params, from_snapshot),
        cmocka_unit_test_setup(test_batch_accepted, from_snapshot),
        cmocka_unit_test_setup(test_batch_rejections, from_snapshot),
        cmocka_unit_test_setup(test_forced_window, from_snapshot),
        cmocka_unit_test_setup(test_escape_hatch, from_snapshot),
        cmocka_unit_test_setup(test_batch_decode_from_l1, from_snapshot),
        cmocka_unit_test_setup(test_gas_per_signer, from_snapshot),
        cmocka_unit_test_setup(test_seqctl_deploy, from_snapshot),
        cmocka_unit_test_setup(test_seqctl_key_dir, from_snapshot),
        cmocka_unit_test_setup(test_seqctl_bad_record, from_snapshot),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
