/* test_l1_follow.c — the log follower against a private anvil.
 *
 * The logs come from a tiny contract assembled by hand. Its runtime code
 * emits one log per call, topic keccak256("Tick(uint256)") and data the
 * first 32 bytes of the call data:
 *
 *   60 00  PUSH1 0       35     CALLDATALOAD     word = calldata[0..32)
 *   60 00  PUSH1 0       52     MSTORE           mem[0..32) = word
 *   7f ..  PUSH32 topic
 *   60 20  PUSH1 32      60 00  PUSH1 0   a1  LOG1(mem 0, 32 bytes, topic)
 *   00     STOP                                  (45 bytes)
 *
 * and its creation code copies that runtime into memory and returns it:
 *
 *   60 2d  PUSH1 45      80     DUP1
 *   60 0b  PUSH1 11      60 00  PUSH1 0   39  CODECOPY(mem 0, code 11, 45)
 *   60 00  PUSH1 0       f3     RETURN(mem 0, 45)      (11 bytes)
 *
 * Reorgs are made with evm_snapshot / evm_revert and new calls. */
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

#include "anvil.h"
#include "clock.h"
#include "l1.h"

#define ANVIL_CHAIN_ID  31337u
#define ANVIL_KEY_0_HEX "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"
#define TIP_WEI         1000000000u
#define CALL_GAS        60000u
#define CREATE_GAS      200000u
#define EVENTS_MAX      64u
#define RUNTIME_BYTES   45u
#define CREATION_BYTES  11u
#define RECEIPT_POLLS   250
#define RECEIPT_POLL_MS 20u

static struct {
    test_anvil node;
    l1_rpc *c;
    uint8_t key[32];
    seq_addr dev;
    seq_addr emitter;
    uint64_t deploy_block;
    seq_hash topic;
} fx;

#define EXPECT_OK(call) TEST_L1_OK(fx.c, call)

static void anvil_stop(void)
{
    test_anvil_stop(&fx.node);
}

static char *call_json(const char *method, const char *params)
{
    char *result = NULL;
    EXPECT_OK(l1_rpc_call(fx.c, &result, method, params));
    return result;
}

/* Sends a tx from the dev key (automine on) and returns its receipt. */
static l1_rpc_tx_receipt send_tx(const seq_addr *to, const uint8_t *data, size_t data_len,
                                 uint64_t gas)
{
    static const double median[] = {50.0};
    l1_rpc_fees fh;
    EXPECT_OK(l1_rpc_fee_history(fx.c, &fh, 1, median, 1));
    uint64_t nonce = 0;
    EXPECT_OK(l1_rpc_nonce(fx.c, &nonce, &fx.dev, L1_TAG_PENDING));
    l1_tx tx = {.chain_id = ANVIL_CHAIN_ID,
                .nonce = nonce,
                .max_priority_fee_per_gas = TIP_WEI,
                .max_fee_per_gas = TIP_WEI + 2 * fh.base_fee_next,
                .gas_limit = gas,
                .has_to = to != NULL,
                .data = data,
                .data_len = data_len};
    if (to != NULL)
        tx.to = *to;
    uint8_t raw[L1_TX_OVERHEAD_BYTES_MAX + 128];
    size_t raw_len = 0;
    seq_hash h;
    EXPECT_OK(l1_tx_sign(raw, sizeof raw, &raw_len, &h, fx.key, &tx));
    EXPECT_OK(l1_rpc_send_raw_tx(fx.c, &h, raw, raw_len));
    l1_rpc_tx_receipt r;
    seq_err err = SEQ_ERR_NOT_FOUND;
    for (int i = 0; i < RECEIPT_POLLS && err == SEQ_ERR_NOT_FOUND; i++) {
        err = l1_rpc_receipt(fx.c, &r, &h);
        if (err == SEQ_ERR_NOT_FOUND)
            test_sleep_ms(RECEIPT_POLL_MS);
    }
    EXPECT_OK(err);
    assert_true(r.success);
    return r;
}

/* One call of the emitter: one block with one log carrying value. */
static uint64_t tick(uint64_t value)
{
    uint8_t word[32] = {0};
    l1_abi_u64(word, value);
    return send_tx(&fx.emitter, word, sizeof word, CALL_GAS).block_number;
}

/* ------------------------------------------------------------ collector */

typedef struct {
    l1_follow_event_kind kind;
    uint64_t number; /* LOG: its block */
    uint64_t value;  /* LOG: the data word */
} seen;

typedef struct {
    seen ev[EVENTS_MAX];
    size_t count;
} collector;

static seq_err collect(void *ctx, const l1_follow_event *ev)
{
    collector *c = ctx;
    assert_true(c->count < EVENTS_MAX);
    seen *s = &c->ev[c->count++];
    s->kind = ev->kind;
    s->number = ev->number;
    if (ev->kind == L1_FOLLOW_LOG) {
        assert_memory_equal(ev->log->address.b, fx.emitter.b, SEQ_ADDR_BYTES);
        assert_int_equal(ev->log->data_len, 32);
        s->number = ev->log->block_number;
        s->value = 0;
        for (size_t i = 24; i < 32; i++)
            s->value = s->value << 8 | ev->log->data[i];
    }
    return SEQ_OK;
}

/* The values of the LOG events in c[from..), checking they are all logs. */
static void expect_values(const collector *c, size_t from, const uint64_t *values, size_t n)
{
    size_t logs = 0;
    for (size_t i = from; i < c->count; i++) {
        if (c->ev[i].kind != L1_FOLLOW_LOG)
            continue;
        assert_true(logs < n);
        assert_int_equal(c->ev[i].value, values[logs]);
        logs++;
    }
    assert_int_equal(logs, n);
}

static l1_rpc_log_filter emitter_filter(void)
{
    l1_rpc_log_filter f = {.address_count = 1};
    f.addresses[0] = fx.emitter;
    f.topics[0].choices[0] = fx.topic;
    f.topics[0].count = 1;
    return f;
}

/* ---------------------------------------------------------------- setup */

static void deploy_emitter(void)
{
    uint8_t code[CREATION_BYTES + RUNTIME_BYTES];
    static const uint8_t creation[CREATION_BYTES] = {0x60, 0x2d, 0x80, 0x60, 0x0b, 0x60,
                                                     0x00, 0x39, 0x60, 0x00, 0xf3};
    static const uint8_t head[] = {0x60, 0x00, 0x35, 0x60, 0x00, 0x52, 0x7f};
    static const uint8_t tail[] = {0x60, 0x20, 0x60, 0x00, 0xa1, 0x00};
    _Static_assert(sizeof head + SEQ_HASH_BYTES + sizeof tail == RUNTIME_BYTES, "runtime size");
    l1_keccak256(&fx.topic, (const uint8_t *)"Tick(uint256)", 13);
    size_t n = 0;
    memcpy(code + n, creation, sizeof creation);
    n += sizeof creation;
    memcpy(code + n, head, sizeof head);
    n += sizeof head;
    memcpy(code + n, fx.topic.b, SEQ_HASH_BYTES);
    n += SEQ_HASH_BYTES;
    memcpy(code + n, tail, sizeof tail);
    n += sizeof tail;
    l1_rpc_tx_receipt r = send_tx(NULL, code, n, CREATE_GAS);
    assert_true(r.has_contract_address);
    fx.emitter = r.contract_address;
    fx.deploy_block = r.block_number;
}

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
    return 0;
}

/* ---------------------------------------------------------------- tests */

/* Each log once, in order, a CURSOR after each range; nothing twice. */
static void test_in_order(void **state)
{
    (void)state;
    deploy_emitter();
    l1_rpc_log_filter filter = emitter_filter();
    l1_follow *f = NULL;
    EXPECT_OK(l1_follow_new(&f, fx.c, &filter, fx.deploy_block, 0));
    uint64_t number = 1;
    seq_hash hash;
    assert_false(l1_follow_cursor(f, &number, &hash));
    collector c = {0};
    uint64_t last = 0;
    for (uint64_t v = 1; v <= 5; v++)
        last = tick(v);
    EXPECT_OK(l1_follow_poll(f, collect, &c));
    static const uint64_t first[] = {1, 2, 3, 4, 5};
    expect_values(&c, 0, first, 5);
    assert_int_equal(c.ev[c.count - 1].kind, L1_FOLLOW_CURSOR);
    assert_int_equal(c.ev[c.count - 1].number, last);
    for (size_t i = 1; i < 5; i++)
        assert_true(c.ev[i].number > c.ev[i - 1].number);
    assert_true(l1_follow_cursor(f, &number, &hash));
    assert_int_equal(number, last);
    l1_rpc_block b;
    EXPECT_OK(l1_rpc_block_by_number(fx.c, &b, last));
    assert_memory_equal(b.hash.b, hash.b, 32);

    size_t before = c.count;
    EXPECT_OK(l1_follow_poll(f, collect, &c)); /* nothing new */
    assert_int_equal(c.count, before);
    tick(6);
    tick(7);
    EXPECT_OK(l1_follow_poll(f, collect, &c));
    static const uint64_t more[] = {6, 7};
    expect_values(&c, before, more, 2);
    l1_follow_free(f);
}

/* With depth 2 the two newest blocks wait until two more are mined. */
static void test_depth(void **state)
{
    (void)state;
    l1_rpc_log_filter filter = emitter_filter();
    uint64_t head = 0;
    EXPECT_OK(l1_rpc_block_number(fx.c, &head));
    l1_follow *f = NULL;
    EXPECT_OK(l1_follow_new(&f, fx.c, &filter, head + 1, 2));
    collector c = {0};
    tick(11);
    tick(12);
    tick(13);
    EXPECT_OK(l1_follow_poll(f, collect, &c));
    static const uint64_t one[] = {11};
    expect_values(&c, 0, one, 1);
    char *result = call_json("anvil_mine", "[\"0x2\"]");
    free(result);
    EXPECT_OK(l1_follow_poll(f, collect, &c));
    static const uint64_t all[] = {11, 12, 13};
    expect_values(&c, 0, all, 3);
    l1_follow_free(f);
}

/* A snapshot is reverted and other calls mined at the same heights: the
 * follower reports a rewind to the last common block, then the new logs. */
static void test_reorg(void **state)
{
    (void)state;
    l1_rpc_log_filter filter = emitter_filter();
    uint64_t base = 0;
    EXPECT_OK(l1_rpc_block_number(fx.c, &base));
    l1_follow *f = NULL;
    EXPECT_OK(l1_follow_new(&f, fx.c, &filter, base, 0));
    collector c = {0};
    EXPECT_OK(l1_follow_poll(f, collect, &c)); /* remembers base */
    char *snap = call_json("evm_snapshot", NULL);
    tick(21);
    tick(22);
    EXPECT_OK(l1_follow_poll(f, collect, &c));
    static const uint64_t old[] = {21, 22};
    expect_values(&c, 0, old, 2);

    char params[80];
    snprintf(params, sizeof params, "[%s]", snap);
    free(snap);
    char *reverted = call_json("evm_revert", params);
    assert_string_equal(reverted, "true");
    free(reverted);
    tick(31);
    tick(32);
    tick(33);
    size_t before = c.count;
    EXPECT_OK(l1_follow_poll(f, collect, &c));
    assert_int_equal(c.ev[before].kind, L1_FOLLOW_REWIND);
    assert_int_equal(c.ev[before].number, base);
    static const uint64_t fresh[] = {31, 32, 33};
    expect_values(&c, before, fresh, 3);
    uint64_t number = 0;
    seq_hash hash;
    assert_true(l1_follow_cursor(f, &number, &hash));
    assert_int_equal(number, base + 3);
    l1_follow_free(f);
}

/* A cursor persisted before a reorg that happened while stopped. */
static void test_resume_after_reorg(void **state)
{
    (void)state;
    l1_rpc_log_filter filter = emitter_filter();
    uint64_t base = 0;
    EXPECT_OK(l1_rpc_block_number(fx.c, &base));
    l1_rpc_block b;
    EXPECT_OK(l1_rpc_block_by_number(fx.c, &b, base));
    char *snap = call_json("evm_snapshot", NULL);
    uint64_t gone = tick(41);
    l1_rpc_block g;
    EXPECT_OK(l1_rpc_block_by_number(fx.c, &g, gone));
    char params[80];
    snprintf(params, sizeof params, "[%s]", snap);
    free(snap);
    free(call_json("evm_revert", params));
    tick(42);

    l1_follow *f = NULL;
    EXPECT_OK(l1_follow_new(&f, fx.c, &filter, 0, 0));
    l1_follow_resume(f, gone, &g.hash); /* only this block is remembered */
    collector c = {0};
    assert_int_equal(l1_follow_poll(f, collect, &c), SEQ_ERR_UNSUPPORTED);
    assert_int_equal(c.count, 0);
    uint64_t number = 0;
    seq_hash hash;
    assert_true(l1_follow_cursor(f, &number, &hash));
    assert_int_equal(number, gone);

    l1_follow_resume(f, base, &b.hash); /* the block before is canonical */
    EXPECT_OK(l1_follow_poll(f, collect, &c));
    static const uint64_t now[] = {42};
    expect_values(&c, 0, now, 1);
    l1_follow_free(f);
}

/* A dead endpoint: a clear error, no callback, the cursor kept. */
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
    l1_rpc_log_filter filter = emitter_filter();
    l1_follow *f = NULL;
    EXPECT_OK(l1_follow_new(&f, dead, &filter, 0, 0));
    seq_hash h = {.b = {7}};
    l1_follow_resume(f, 5, &h);
    collector c = {0};
    assert_int_equal(l1_follow_poll(f, collect, &c), SEQ_ERR_UNAVAILABLE);
    assert_non_null(strstr(l1_rpc_last_error(dead), "127.0.0.1"));
    assert_int_equal(c.count, 0);
    uint64_t number = 0;
    seq_hash hash;
    assert_true(l1_follow_cursor(f, &number, &hash));
    assert_int_equal(number, 5);
    assert_memory_equal(hash.b, h.b, 32);
    l1_follow_free(f);
    l1_rpc_free(dead);

    assert_int_equal(l1_follow_new(&f, fx.c, &filter, 0, L1_FOLLOW_DEPTH_MAX + 1),
                     SEQ_ERR_INVALID_ARG);
    assert_null(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_in_order),      cmocka_unit_test(test_depth),
        cmocka_unit_test(test_reorg),         cmocka_unit_test(test_resume_after_reorg),
        cmocka_unit_test(test_dead_endpoint),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
