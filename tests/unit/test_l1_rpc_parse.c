/* The pure side of the JSON-RPC client: strict quantities, the error
 * classifier, the response envelope and every result shape, with bodies
 * taken from anvil 1.7.1 and hand-broken variants of them. No network. */
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
#include "test_rng.h"

#define ID        7
#define HASH_ZERO "0000000000000000000000000000000000000000000000000000000000000000"
#define HASH_ONE  "0000000000000000000000000000000000000000000000000000000000000001"

/* --------------------------------------------------------------- helpers */

static l1_rpc_result res;
static l1_rpc_log logs[8];
static uint8_t arena_buf[4096];
static seq_arena arena;
static l1_rpc_space space = {.logs = logs, .logs_cap = SEQ_ARRAY_LEN(logs), .arena = &arena};

static seq_err parse_id(l1_rpc_shape shape, uint64_t id, const char *body)
{
    seq_arena_init(&arena, arena_buf, sizeof(arena_buf));
    memset(&res, 0xa5, sizeof(res));
    return l1_rpc_parse(&res, &space, shape, id, (const uint8_t *)body, strlen(body));
}

static seq_err parse(l1_rpc_shape shape, const char *body)
{
    return parse_id(shape, ID, body);
}

/* Parses a body that must fail with want; checks the value is zeroed and a
 * reason is given. */
static void expect_fail(seq_err want, l1_rpc_shape shape, const char *body)
{
    seq_err got = parse(shape, body);
    if (got != want)
        fail_msg("%s for %.200s, expected %s (detail: %s)", seq_errname(got), body,
                 seq_errname(want), res.detail);
    static const l1_rpc_result zero;
    assert_memory_equal(&res.v, &zero.v, sizeof(res.v));
    assert_false(res.is_null);
    assert_true(res.detail[0] != '\0');
}

/* {"jsonrpc":"2.0","id":7,"result":<result>} */
static const char *with_result(const char *result)
{
    static char body[8192];
    int n =
        snprintf(body, sizeof(body), "{\"jsonrpc\":\"2.0\",\"id\":%d,\"result\":%s}", ID, result);
    assert_true(n > 0 && (size_t)n < sizeof(body));
    return body;
}

static void hash_of(seq_hash *h, const char *hex)
{
    assert_int_equal(l1_hex_decode_exact(h->b, SEQ_HASH_BYTES, hex), SEQ_OK);
}

/* ------------------------------------------------------------ quantities */

static void test_quantity(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        seq_err err;
        uint64_t value;
    } cases[] = {
        {"0x0", SEQ_OK, 0},
        {"0x1", SEQ_OK, 1},
        {"0x7a69", SEQ_OK, 31337},
        {"0x3B9ACA00", SEQ_OK, 1000000000},
        {"0xffffffffffffffff", SEQ_OK, UINT64_MAX},
        {"0x10000000000000000", SEQ_ERR_TOO_LARGE, 0},
        {"0x00", SEQ_ERR_MALFORMED, 0},
        {"0x01", SEQ_ERR_MALFORMED, 0},
        {"0x0000000000000000001", SEQ_ERR_MALFORMED, 0},
        {"0x", SEQ_ERR_MALFORMED, 0},
        {"", SEQ_ERR_MALFORMED, 0},
        {"0", SEQ_ERR_MALFORMED, 0},
        {"12", SEQ_ERR_MALFORMED, 0},
        {"0X1", SEQ_ERR_MALFORMED, 0},
        {"0x1g", SEQ_ERR_MALFORMED, 0},
        {"0x 1", SEQ_ERR_MALFORMED, 0},
        {"0x-1", SEQ_ERR_MALFORMED, 0},
        {"x1", SEQ_ERR_MALFORMED, 0},
    };
    for (size_t i = 0; i < SEQ_ARRAY_LEN(cases); i++) {
        uint64_t v = 99;
        seq_err err = l1_quantity_u64(&v, cases[i].text, strlen(cases[i].text));
        if (err != cases[i].err)
            fail_msg("'%s': %s, expected %s", cases[i].text, seq_errname(err),
                     seq_errname(cases[i].err));
        assert_int_equal(v, cases[i].value); /* 0 on failure */
    }
    uint64_t v;
    assert_int_equal(l1_quantity_u64(&v, "0x1\0", 4), SEQ_ERR_MALFORMED); /* embedded NUL */
    assert_int_equal(l1_quantity_u64(&v, "0x12", 3), SEQ_OK);             /* length counts */
    assert_int_equal(v, 1);

    uint8_t be[32], want[32] = {0};
    const char *max = "0xffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff";
    assert_int_equal(l1_quantity_u256(be, max, strlen(max)), SEQ_OK);
    memset(want, 0xff, 32);
    assert_memory_equal(be, want, 32);
    assert_int_equal(l1_quantity_u256(be, "0x1ff", 5), SEQ_OK);
    memset(want, 0, 32);
    want[30] = 0x01;
    want[31] = 0xff;
    assert_memory_equal(be, want, 32);
    const char *wide = "0x1ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff";
    assert_int_equal(l1_quantity_u256(be, wide, strlen(wide)), SEQ_ERR_TOO_LARGE);
    assert_memory_equal(be, (uint8_t[32]){0}, 32);
    assert_int_equal(l1_quantity_u256(be, "0x00", 4), SEQ_ERR_MALFORMED);
}

/* format(parse(x)) == x for canonical x; parse(format(v)) == v. */
static void test_quantity_round_trip(void **state)
{
    (void)state;
    rng_seed("quantity_round_trip");
    for (int i = 0; i < 5000; i++) {
        uint64_t v = rng_next() >> rng_below(64);
        char text[L1_QUANTITY_U64_CHARS];
        l1_quantity_format_u64(text, v);
        uint64_t back = 0;
        assert_int_equal(l1_quantity_u64(&back, text, strlen(text)), SEQ_OK);
        assert_int_equal(back, v);

        uint8_t be[32] = {0}, be_back[32];
        size_t width = rng_below(33);
        rng_fill(be + 32 - width, width);
        char wide[L1_QUANTITY_U256_CHARS];
        l1_quantity_format_u256(wide, be);
        assert_int_equal(l1_quantity_u256(be_back, wide, strlen(wide)), SEQ_OK);
        assert_memory_equal(be_back, be, 32);
        assert_true(strlen(wide) == 3 || wide[2] != '0');
    }
    char text[L1_QUANTITY_U64_CHARS];
    l1_quantity_format_u64(text, 0);
    assert_string_equal(text, "0x0");
    l1_quantity_format_u64(text, UINT64_MAX);
    assert_string_equal(text, "0xffffffffffffffff");
}

/* ------------------------------------------------------------ classifier */

static void test_error_kind(void **state)
{
    (void)state;
    static const struct {
        int64_t code;
        const char *message;
        l1_rpc_kind kind;
    } cases[] = {
        {-32000, "already known", L1_RPC_KIND_ALREADY_KNOWN},                /* geth */
        {-32003, "transaction already imported", L1_RPC_KIND_ALREADY_KNOWN}, /* anvil */
        {-32010, "AlreadyKnown", L1_RPC_KIND_ALREADY_KNOWN},                 /* nethermind */
        {-32000, "known transaction: 0xabc", L1_RPC_KIND_ALREADY_KNOWN},     /* older geth */
        {-32000, "nonce too low: next nonce 5, tx nonce 4", L1_RPC_KIND_NONCE_TOO_LOW},
        {-32003, "nonce too low", L1_RPC_KIND_NONCE_TOO_LOW},              /* anvil */
        {-32000, "NONCE_TOO_LOW", L1_RPC_KIND_NONCE_TOO_LOW},              /* besu */
        {-32010, "OldNonce, Current nonce: 5", L1_RPC_KIND_NONCE_TOO_LOW}, /* nethermind */
        {-32000, "replacement transaction underpriced", L1_RPC_KIND_UNDERPRICED},
        {-32000, "REPLACEMENT_UNDERPRICED", L1_RPC_KIND_UNDERPRICED},
        {-32000, "transaction underpriced: tip needed 1, tip permitted 0", L1_RPC_KIND_UNDERPRICED},
        {-32003, "max fee per gas less than block base fee", L1_RPC_KIND_UNDERPRICED},
        {-32010, "FeeTooLowToCompete", L1_RPC_KIND_UNDERPRICED},
        {-32003, "Insufficient funds for gas * price + value", L1_RPC_KIND_INSUFFICIENT_FUNDS},
        {-32000, "UPFRONT_COST_EXCEEDS_BALANCE", L1_RPC_KIND_INSUFFICIENT_FUNDS},
        {3, "execution reverted", L1_RPC_KIND_REVERTED},
        {3, "execution reverted: nonce too low", L1_RPC_KIND_REVERTED}, /* a reason, not a pool */
        {-32000, "execution reverted: already known", L1_RPC_KIND_REVERTED},
        {-32601, "Method not found", L1_RPC_KIND_METHOD_NOT_FOUND},
        {-32601, "the method eth_foo does not exist/is not available",
         L1_RPC_KIND_METHOD_NOT_FOUND},
        {-32005, "limit exceeded", L1_RPC_KIND_LIMIT},
        {-32005, "query returned more than 10000 results", L1_RPC_KIND_LIMIT},
        {-32602, "query exceeds max results 10000", L1_RPC_KIND_LIMIT},
        {429, "Too Many Requests", L1_RPC_KIND_LIMIT},
        {-32000, "something else", L1_RPC_KIND_OTHER},
        {-32602, "invalid argument 0: hex string has leading zero digits", L1_RPC_KIND_OTHER},
        {-32005, NULL, L1_RPC_KIND_LIMIT},
        {1, NULL, L1_RPC_KIND_OTHER},
    };
    for (size_t i = 0; i < SEQ_ARRAY_LEN(cases); i++) {
        l1_rpc_kind got = l1_rpc_error_kind(cases[i].code, cases[i].message);
        if (got != cases[i].kind)
            fail_msg("%lld '%s': %s, expected %s", (long long)cases[i].code,
                     cases[i].message ? cases[i].message : "(null)", l1_rpc_kind_name(got),
                     l1_rpc_kind_name(cases[i].kind));
    }
    assert_string_equal(l1_rpc_kind_name(L1_RPC_KIND_ALREADY_KNOWN), "already_known");
    assert_string_equal(l1_rpc_kind_name((l1_rpc_kind)99), "unknown");
}

/* -------------------------------------------------------------- envelope */

static void test_envelope(void **state)
{
    (void)state;
    const l1_rpc_shape u = L1_RPC_SHAPE_U64;
    assert_int_equal(parse(u, "{\"jsonrpc\":\"2.0\",\"id\":7,\"result\":\"0x7a69\"}"), SEQ_OK);
    assert_int_equal(res.v.u64, 31337);
    assert_string_equal(res.detail, "");
    /* member order and unknown members do not matter */
    assert_int_equal(
        parse(u, " {\"result\":\"0x1\", \"x\":[1,{}], \"id\":7, \"jsonrpc\":\"2.0\"}\n"), SEQ_OK);
    assert_int_equal(parse_id(u, 123456789012ull,
                              "{\"jsonrpc\":\"2.0\",\"id\":123456789012,\"result\":\"0x1\"}"),
                     SEQ_OK);

    static const char *const bad[] = {
        "",
        "hello",
        "<html>502 Bad Gateway</html>",
        "[{\"jsonrpc\":\"2.0\",\"id\":7,\"result\":\"0x1\"}]", /* a batch */
        "\"0x1\"",
        "{\"id\":7,\"result\":\"0x1\"}",
        "{\"jsonrpc\":\"1.0\",\"id\":7,\"result\":\"0x1\"}",
        "{\"jsonrpc\":2.0,\"id\":7,\"result\":\"0x1\"}",
        "{\"jsonrpc\":\"2.0\\u0000\",\"id\":7,\"result\":\"0x1\"}",
        "{\"jsonrpc\":\"2.0\",\"id\":8,\"result\":\"0x1\"}",
        "{\"jsonrpc\":\"2.0\",\"id\":\"7\",\"result\":\"0x1\"}",
        "{\"jsonrpc\":\"2.0\",\"id\":7.0,\"result\":\"0x1\"}",
        "{\"jsonrpc\":\"2.0\",\"id\":-7,\"result\":\"0x1\"}",
        "{\"jsonrpc\":\"2.0\",\"result\":\"0x1\"}",
        "{\"jsonrpc\":\"2.0\",\"id\":null,\"result\":\"0x1\"}",
        "{\"jsonrpc\":\"2.0\",\"id\":7}",
        ("{\"jsonrpc\":\"2.0\",\"id\":7,\"result\":\"0x1\","
         "\"error\":{\"code\":1,\"message\":\"x\"}}"),
        "{\"jsonrpc\":\"2.0\",\"id\":7,\"result\":\"0x1\",\"result\":\"0x2\"}", /* duplicate */
        "{\"jsonrpc\":\"2.0\",\"id\":7,\"result\":\"0x1\"} trailing",
        "{\"jsonrpc\":\"2.0\",\"id\":7,\"result\":\"0x1\"",
        "{\"jsonrpc\":\"2.0\",\"id\":7,\"error\":{\"code\":\"-1\",\"message\":\"x\"}}",
        "{\"jsonrpc\":\"2.0\",\"id\":7,\"error\":{\"code\":1.5,\"message\":\"x\"}}",
        "{\"jsonrpc\":\"2.0\",\"id\":7,\"error\":{\"code\":1}}",
        "{\"jsonrpc\":\"2.0\",\"id\":7,\"error\":\"nonce too low\"}",
        "{\"jsonrpc\":\"2.0\",\"id\":99999999999999999999,\"result\":\"0x1\"}",
    };
    for (size_t i = 0; i < SEQ_ARRAY_LEN(bad); i++)
        expect_fail(SEQ_ERR_MALFORMED, u, bad[i]);
    /* jansson's own complaint quotes the input: kept printable */
    expect_fail(SEQ_ERR_MALFORMED, u, "\x01\x02\xff");
    for (const char *p = res.detail; *p != '\0'; p++)
        assert_true(*p >= 0x20 && *p < 0x7f);
}

static void test_error_object(void **state)
{
    (void)state;
    const l1_rpc_shape u = L1_RPC_SHAPE_U64;
    assert_int_equal(parse(u,
                           "{\"jsonrpc\":\"2.0\",\"id\":7,\"error\":{\"code\":-32003,\"message\":"
                           "\"nonce too low\"}}"),
                     L1_RPC_ERR_REMOTE);
    assert_int_equal(res.error.code, -32003);
    assert_string_equal(res.error.message, "nonce too low");
    assert_int_equal(res.error.kind, L1_RPC_KIND_NONCE_TOO_LOW);
    assert_string_equal(res.error.data, "");
    assert_non_null(strstr(res.detail, "nonce too low"));
    assert_int_equal(res.v.u64, 0);

    /* id null is allowed with an error; data kept; NULs and controls made safe */
    assert_int_equal(
        parse(u, "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":3,\"message\":"
                 "\"execution reverted: \\u0000\\u0001\\n\\u00e9\",\"data\":\"0x08c379a0\"}}"),
        L1_RPC_ERR_REMOTE);
    assert_int_equal(res.error.kind, L1_RPC_KIND_REVERTED);
    assert_string_equal(res.error.message, "execution reverted: ?????");
    assert_string_equal(res.error.data, "0x08c379a0");
    assert_int_equal(parse(u,
                           "{\"jsonrpc\":\"2.0\",\"id\":7,\"error\":{\"code\":-32000,\"message\":"
                           "\"x\",\"data\":{\"a\":[1,2]}}}"),
                     L1_RPC_ERR_REMOTE);
    assert_string_equal(res.error.data, "{\"a\":[1,2]}");

    /* a long message is truncated, not refused */
    static char body[4096], msg[1000];
    memset(msg, 'm', sizeof(msg) - 1);
    msg[sizeof(msg) - 1] = '\0';
    snprintf(body, sizeof(body),
             "{\"jsonrpc\":\"2.0\",\"id\":7,\"error\":{\"code\":1,\"message\":\"%s\"}}", msg);
    assert_int_equal(parse(u, body), L1_RPC_ERR_REMOTE);
    assert_int_equal(strlen(res.error.message), L1_RPC_MESSAGE_BYTES - 1);
}

/* Nesting and value count are bounded before jansson builds anything. */
static void test_json_bounds(void **state)
{
    (void)state;
    static char body[4 * 1024 * 1024];
    size_t n = 0;
    n += (size_t)sprintf(body, "{\"jsonrpc\":\"2.0\",\"id\":7,\"result\":");
    for (unsigned i = 0; i < L1_RPC_JSON_DEPTH_MAX + 1; i++)
        body[n++] = '[';
    for (unsigned i = 0; i < L1_RPC_JSON_DEPTH_MAX + 1; i++)
        body[n++] = ']';
    strcpy(body + n, "}");
    expect_fail(SEQ_ERR_MALFORMED, L1_RPC_SHAPE_U64, body);
    assert_non_null(strstr(res.detail, "nests"));

    n = (size_t)sprintf(body, "{\"jsonrpc\":\"2.0\",\"id\":7,\"result\":[");
    for (unsigned i = 0; i < L1_RPC_JSON_VALUES_MAX; i++) {
        body[n++] = '0';
        body[n++] = ',';
    }
    strcpy(body + n, "0]}");
    expect_fail(SEQ_ERR_MALFORMED, L1_RPC_SHAPE_U64, body);
    assert_non_null(strstr(res.detail, "JSON values"));

    /* brackets and commas inside strings do not count */
    n = (size_t)sprintf(body, "{\"jsonrpc\":\"2.0\",\"id\":7,\"x\":\"");
    for (unsigned i = 0; i < 200; i++)
        body[n++] = '[';
    n += (size_t)sprintf(body + n, "\\\"[,:\",\"result\":\"0x1\"}");
    assert_int_equal(parse(L1_RPC_SHAPE_U64, body), SEQ_OK);
}

/* ---------------------------------------------------------------- shapes */

#define BLOCK_1                                                                                    \
    "{\"hash\":\"0xceea2e9b00d2665d75274266c59fd24ec500074bbf35c20df14b82fe9a929b4d\","            \
    "\"parentHash\":\"0x72c2745c31ebc761d7e765e59eec3cd7d63aaf27d46ce4de8b0e564ec07a749b\","       \
    "\"miner\":\"0x0000000000000000000000000000000000000000\",\"difficulty\":\"0x0\","             \
    "\"number\":\"0x1\",\"gasLimit\":\"0x1c9c380\",\"gasUsed\":\"0x5208\","                        \
    "\"timestamp\":\"0x6b04c72d\",\"extraData\":\"0x\",\"baseFeePerGas\":\"0x3b9aca00\","          \
    "\"uncles\":[],\"transactions\":[\"0xad363735df58171a8f46f345acde0100acc13dfe253658ee55f8238d" \
    "c5e12609\"],\"withdrawals\":[]}"

static void test_block(void **state)
{
    (void)state;
    const l1_rpc_shape b = L1_RPC_SHAPE_BLOCK;
    assert_int_equal(parse(b, with_result(BLOCK_1)), SEQ_OK);
    assert_false(res.is_null);
    assert_int_equal(res.v.block.number, 1);
    assert_int_equal(res.v.block.timestamp, 0x6b04c72d);
    assert_true(res.v.block.has_base_fee);
    assert_int_equal(res.v.block.base_fee_per_gas, 1000000000);
    seq_hash h;
    hash_of(&h, "0xceea2e9b00d2665d75274266c59fd24ec500074bbf35c20df14b82fe9a929b4d");
    assert_memory_equal(res.v.block.hash.b, h.b, 32);
    hash_of(&h, "0x72c2745c31ebc761d7e765e59eec3cd7d63aaf27d46ce4de8b0e564ec07a749b");
    assert_memory_equal(res.v.block.parent_hash.b, h.b, 32);

    assert_int_equal(parse(b, with_result("null")), SEQ_OK);
    assert_true(res.is_null);

    /* pre-London: no base fee */
    assert_int_equal(
        parse(b, with_result("{\"number\":\"0x0\",\"timestamp\":\"0x0\",\"hash\":\"0x" HASH_ZERO
                             "\",\"parentHash\":\"0x" HASH_ZERO "\"}")),
        SEQ_OK);
    assert_false(res.v.block.has_base_fee);

    static const char *const bad[] = {
        "[]",
        "\"0x1\"",
        "{\"number\":\"0x01\",\"timestamp\":\"0x0\",\"hash\":\"0x" HASH_ZERO
        "\",\"parentHash\":\"0x" HASH_ZERO "\"}",
        "{\"number\":1,\"timestamp\":\"0x0\",\"hash\":\"0x" HASH_ZERO
        "\",\"parentHash\":\"0x" HASH_ZERO "\"}",
        "{\"timestamp\":\"0x0\",\"hash\":\"0x" HASH_ZERO "\",\"parentHash\":\"0x" HASH_ZERO "\"}",
        "{\"number\":\"0x0\",\"timestamp\":\"0x0\",\"hash\":null,\"parentHash\":\"0x" HASH_ZERO
        "\"}",
        "{\"number\":\"0x0\",\"timestamp\":\"0x0\",\"hash\":\"0x" HASH_ZERO
        "00\",\"parentHash\":\"0x" HASH_ZERO "\"}",
        "{\"number\":\"0x0\",\"timestamp\":\"0x0\",\"hash\":\"" HASH_ZERO
        "00\",\"parentHash\":\"0x" HASH_ZERO "\"}",
        "{\"number\":\"0x0\",\"timestamp\":\"0x0\",\"hash\":\"0X" HASH_ZERO
        "\",\"parentHash\":\"0x" HASH_ZERO "\"}",
        "{\"number\":\"0x0\",\"timestamp\":\"0x0\",\"hash\":\"0x" HASH_ZERO
        "\",\"parentHash\":\"0x" HASH_ZERO "\",\"baseFeePerGas\":\"0x10000000000000000\"}",
    };
    for (size_t i = 0; i < SEQ_ARRAY_LEN(bad); i++)
        expect_fail(SEQ_ERR_MALFORMED, b, with_result(bad[i]));
}

#define RECEIPT_FIELDS                                                                   \
    "\"transactionHash\":\"0x" HASH_ONE "\",\"blockHash\":\"0x" HASH_ZERO "\","          \
    "\"blockNumber\":\"0x2\",\"transactionIndex\":\"0x0\",\"gasUsed\":\"0x5208\","       \
    "\"effectiveGasPrice\":\"0x3b9aca07\",\"cumulativeGasUsed\":\"0x5208\",\"logs\":[]," \
    "\"from\":\"0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266\""

static void test_receipt(void **state)
{
    (void)state;
    const l1_rpc_shape r = L1_RPC_SHAPE_RECEIPT;
    assert_int_equal(
        parse(r, with_result("{" RECEIPT_FIELDS ",\"status\":\"0x1\",\"contractAddress\":null}")),
        SEQ_OK);
    assert_true(res.v.receipt.success);
    assert_int_equal(res.v.receipt.block_number, 2);
    assert_int_equal(res.v.receipt.gas_used, 21000);
    assert_int_equal(res.v.receipt.effective_gas_price, 1000000007);
    assert_false(res.v.receipt.has_contract_address);
    assert_int_equal(res.v.receipt.tx_hash.b[31], 1);

    assert_int_equal(
        parse(r, with_result("{" RECEIPT_FIELDS ",\"status\":\"0x0\",\"contractAddress\":"
                             "\"0x5fbdb2315678afecb367f032d93f642f64180aa3\"}")),
        SEQ_OK);
    assert_false(res.v.receipt.success);
    assert_true(res.v.receipt.has_contract_address);
    assert_int_equal(res.v.receipt.contract_address.b[0], 0x5f);

    assert_int_equal(parse(r, with_result("null")), SEQ_OK);
    assert_true(res.is_null);

    expect_fail(SEQ_ERR_MALFORMED, r, with_result("{" RECEIPT_FIELDS ",\"status\":\"0x2\"}"));
    expect_fail(SEQ_ERR_MALFORMED, r, with_result("{" RECEIPT_FIELDS "}")); /* no status */
    expect_fail(
        SEQ_ERR_MALFORMED, r,
        with_result("{" RECEIPT_FIELDS ",\"status\":\"0x1\",\"contractAddress\":\"0x12\"}"));
    expect_fail(SEQ_ERR_MALFORMED, r, with_result("{\"status\":\"0x1\"}"));
}

#define LOG_A                                                                                     \
    "{\"address\":\"0x5fbdb2315678afecb367f032d93f642f64180aa3\",\"topics\":[\"0x" HASH_ONE       \
    "\",\"0x" HASH_ZERO "\"],\"data\":\"0x000000000000000000000000000000000000000000000000000000" \
    "000000002a\",\"blockHash\":\"0x" HASH_ONE "\",\"blockNumber\":\"0x5\",\"transactionHash\":"  \
    "\"0x" HASH_ZERO "\",\"transactionIndex\":\"0x0\",\"logIndex\":\"0x3\",\"removed\":false}"
#define LOG_B                                                                                     \
    "{\"address\":\"0x5fbdb2315678afecb367f032d93f642f64180aa3\",\"topics\":[],\"data\":\"0x\","  \
    "\"blockHash\":\"0x" HASH_ONE "\",\"blockNumber\":\"0x6\",\"transactionHash\":\"0x" HASH_ZERO \
    "\",\"transactionIndex\":\"0x1\",\"logIndex\":\"0x0\"}"

static void test_logs(void **state)
{
    (void)state;
    const l1_rpc_shape l = L1_RPC_SHAPE_LOGS;
    assert_int_equal(parse(l, with_result("[]")), SEQ_OK);
    assert_int_equal(res.v.log_count, 0);
    assert_int_equal(parse(l, with_result("[" LOG_A "," LOG_B "]")), SEQ_OK);
    assert_int_equal(res.v.log_count, 2);
    assert_int_equal(logs[0].topic_count, 2);
    assert_int_equal(logs[0].topics[0].b[31], 1);
    assert_int_equal(logs[0].data_len, 32);
    assert_int_equal(logs[0].data[31], 0x2a);
    assert_int_equal(logs[0].block_number, 5);
    assert_int_equal(logs[0].log_index, 3);
    assert_false(logs[0].removed);
    assert_int_equal(logs[1].topic_count, 0);
    assert_int_equal(logs[1].data_len, 0);
    assert_non_null(logs[1].data); /* an empty allocation */
    assert_int_equal(logs[1].tx_index, 1);
    assert_int_equal(parse(l, with_result("[" LOG_B "," LOG_A "]")), SEQ_OK);

    /* room: more logs than the caller's array, more data than its arena */
    space.logs_cap = 1;
    expect_fail(SEQ_ERR_NO_SPACE, l, with_result("[" LOG_A "," LOG_B "]"));
    space.logs_cap = SEQ_ARRAY_LEN(logs);
    seq_arena_init(&arena, arena_buf, 16);
    static const l1_rpc_log zero_log;
    memset(&res, 0, sizeof(res));
    const char *body = with_result("[" LOG_B "," LOG_A "]");
    assert_int_equal(l1_rpc_parse(&res, &space, l, ID, (const uint8_t *)body, strlen(body)),
                     SEQ_ERR_NO_SPACE);
    assert_memory_equal(&logs[0], &zero_log, sizeof(zero_log)); /* written logs zeroed */
    assert_memory_equal(&logs[1], &zero_log, sizeof(zero_log));

    static const char *const bad[] = {
        "{}",
        "[1]",
        "[{\"address\":\"0x5fbdb2315678afecb367f032d93f642f64180aa3\"}]",
        "[" LOG_A ",{\"topics\":[]}]",
    };
    for (size_t i = 0; i < SEQ_ARRAY_LEN(bad); i++)
        expect_fail(SEQ_ERR_MALFORMED, l, with_result(bad[i]));
    /* five topics; odd data; removed not a boolean */
    static char mutated[4096];
    snprintf(mutated, sizeof(mutated), "[%s]", LOG_A);
    char *t = strstr(mutated, "\"topics\":[");
    assert_non_null(t);
    static char five[4096];
    snprintf(five, sizeof(five), "%.*s\"topics\":[\"0x%s\",\"0x%s\",\"0x%s\",\"0x%s\",%s",
             (int)(t - mutated), mutated, HASH_ONE, HASH_ONE, HASH_ONE, HASH_ONE,
             t + strlen("\"topics\":["));
    expect_fail(SEQ_ERR_MALFORMED, l, with_result(five));
    expect_fail(SEQ_ERR_MALFORMED, l,
                with_result("[{\"address\":\"0x5fbdb2315678afecb367f032d93f642f64180aa3\","
                            "\"topics\":[],\"data\":\"0x123\",\"blockHash\":\"0x" HASH_ONE
                            "\",\"blockNumber\":\"0x6\",\"transactionHash\":\"0x" HASH_ZERO
                            "\",\"transactionIndex\":\"0x1\",\"logIndex\":\"0x0\"}]"));
    expect_fail(SEQ_ERR_MALFORMED, l,
                with_result("[{\"address\":\"0x5fbdb2315678afecb367f032d93f642f64180aa3\","
                            "\"topics\":[],\"data\":\"0x\",\"blockHash\":\"0x" HASH_ONE
                            "\",\"blockNumber\":\"0x6\",\"transactionHash\":\"0x" HASH_ZERO
                            "\",\"transactionIndex\":\"0x1\",\"logIndex\":\"0x0\","
                            "\"removed\":\"false\"}]"));
}

static void test_fee_history(void **state)
{
    (void)state;
    const l1_rpc_shape f = L1_RPC_SHAPE_FEE_HISTORY;
    assert_int_equal(parse(f, with_result("{\"baseFeePerGas\":[\"0x3b9aca00\",\"0x3b9aca00\"],"
                                          "\"gasUsedRatio\":[0.0],\"baseFeePerBlobGas\":[\"0x1\","
                                          "\"0x1\"],\"blobGasUsedRatio\":[0.0],\"oldestBlock\":"
                                          "\"0x0\",\"reward\":[[\"0x0\",\"0x0\"]]}")),
                     SEQ_OK);
    const l1_rpc_fees *fh = &res.v.fee_history;
    assert_int_equal(fh->oldest_block, 0);
    assert_int_equal(fh->block_count, 1);
    assert_int_equal(fh->base_fee_next, 1000000000);
    assert_int_equal(fh->percentile_count, 2);

    assert_int_equal(parse(f, with_result("{\"oldestBlock\":\"0x10\",\"baseFeePerGas\":[\"0x1\","
                                          "\"0x2\",\"0x3\"],\"reward\":[[\"0x5\"],[\"0x6\"]]}")),
                     SEQ_OK);
    assert_int_equal(fh->block_count, 2);
    assert_int_equal(fh->base_fee_per_gas[1], 2);
    assert_int_equal(fh->base_fee_next, 3);
    assert_int_equal(fh->reward[1][0], 6);
    assert_int_equal(
        parse(f, with_result("{\"oldestBlock\":\"0x10\",\"baseFeePerGas\":[\"0x1\"]}")), SEQ_OK);
    assert_int_equal(fh->block_count, 0);
    assert_int_equal(fh->percentile_count, 0);

    static const char *const bad[] = {
        "{\"baseFeePerGas\":[\"0x1\",\"0x2\"]}",
        "{\"oldestBlock\":\"0x0\",\"baseFeePerGas\":[]}",
        "{\"oldestBlock\":\"0x0\",\"baseFeePerGas\":[\"0x1\",\"0x02\"]}",
        "{\"oldestBlock\":\"0x0\",\"baseFeePerGas\":[\"0x1\",\"0x2\"],\"reward\":[]}",
        "{\"oldestBlock\":\"0x0\",\"baseFeePerGas\":[\"0x1\",\"0x2\",\"0x3\"],"
        "\"reward\":[[\"0x1\"],[\"0x1\",\"0x2\"]]}",
        "{\"oldestBlock\":\"0x0\",\"baseFeePerGas\":[\"0x1\",\"0x2\"],"
        "\"reward\":[[\"0x1\",\"0x1\",\"0x1\",\"0x1\",\"0x1\",\"0x1\",\"0x1\",\"0x1\",\"0x1\"]]}",
        "{\"oldestBlock\":\"0x0\",\"baseFeePerGas\":[\"0x1\",\"0x2\"],\"reward\":[[1]]}",
    };
    for (size_t i = 0; i < SEQ_ARRAY_LEN(bad); i++)
        expect_fail(SEQ_ERR_MALFORMED, f, with_result(bad[i]));
    /* more blocks than L1_FEE_HISTORY_BLOCKS_MAX */
    static char many[8192];
    size_t n = (size_t)sprintf(many, "{\"oldestBlock\":\"0x0\",\"baseFeePerGas\":[");
    for (int i = 0; i < L1_FEE_HISTORY_BLOCKS_MAX + 2; i++)
        n += (size_t)sprintf(many + n, "%s\"0x1\"", i ? "," : "");
    strcpy(many + n, "]}");
    expect_fail(SEQ_ERR_MALFORMED, f, with_result(many));
}

static void test_small_shapes(void **state)
{
    (void)state;
    assert_int_equal(parse(L1_RPC_SHAPE_HASH, with_result("\"0x" HASH_ONE "\"")), SEQ_OK);
    assert_int_equal(res.v.hash.b[31], 1);
    expect_fail(SEQ_ERR_MALFORMED, L1_RPC_SHAPE_HASH, with_result("\"0x01\""));
    expect_fail(SEQ_ERR_MALFORMED, L1_RPC_SHAPE_HASH, with_result("null"));
    assert_int_equal(parse(L1_RPC_SHAPE_U256, with_result("\"0x21e19e0c9bab2400000\"")), SEQ_OK);
    assert_int_equal(res.v.u256[21], 0x00); /* 10^22 = 0x021e19e0c9bab2400000 */
    assert_int_equal(res.v.u256[22], 0x02);
    assert_int_equal(res.v.u256[23], 0x1e);
    assert_int_equal(res.v.u256[31], 0x00);
    expect_fail(SEQ_ERR_MALFORMED, L1_RPC_SHAPE_U256, with_result("\"0x021e\""));
    expect_fail(SEQ_ERR_MALFORMED, L1_RPC_SHAPE_U64, with_result("null"));
    expect_fail(SEQ_ERR_MALFORMED, L1_RPC_SHAPE_U64, with_result("1"));
    expect_fail(SEQ_ERR_MALFORMED, L1_RPC_SHAPE_U64, with_result("\"0x10000000000000000\""));
    assert_non_null(strstr(res.detail, "64 bits"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_quantity),     cmocka_unit_test(test_quantity_round_trip),
        cmocka_unit_test(test_error_kind),   cmocka_unit_test(test_envelope),
        cmocka_unit_test(test_error_object), cmocka_unit_test(test_json_bounds),
        cmocka_unit_test(test_block),        cmocka_unit_test(test_receipt),
        cmocka_unit_test(test_logs),         cmocka_unit_test(test_fee_history),
        cmocka_unit_test(test_small_shapes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
