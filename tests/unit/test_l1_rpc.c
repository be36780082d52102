/* test_l1_rpc.c — the JSON-RPC client against a private anvil and against a
 * misbehaving fake server.
 *
 * The group setup starts anvil ($SEQ_ANVIL) on a random free 127.0.0.1 port
 * and a fake HTTP server thread on another; the teardown (and an atexit
 * handler) stops anvil by PID, PR_SET_PDEATHSIG kills it if this process
 * dies, and the fake server thread ends with the group. Transactions are
 * built and signed with l1_tx_sign from anvil's first dev key.
 *
 * The fake server answers each connection in the mode the test sets: a
 * correct answer, not JSON, the wrong id, a body over the cap (with and
 * without a Content-Length), silence, HTTP 503, a dropped connection, or a
 * JSON-RPC error under HTTP 500. It counts requests, so the tests can check
 * which failures are retried and which are not. */
/* cmocka needs these headers before its own, in this order. */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "anvil.h"
#include "fake_rpc.h"
#include "l1.h"
#include "test_rng.h"

#define ANVIL_CHAIN_ID  31337u
#define ANVIL_KEY_0_HEX "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"
#define FAKE_CAP_BYTES  (1u << 20) /* response cap of the clients of the fake server */
#define RAW_MAX         (1024 + L1_TX_OVERHEAD_BYTES_MAX)
#define SECRET_PATH     "/v3/secret-api-key"

/* --------------------------------------------------------------- helpers */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        continue;
}

static void expect_text(const l1_rpc *c, const char *needle)
{
    const char *text = l1_rpc_last_error(c);
    if (strstr(text, needle) == NULL)
        fail_msg("last error lacks '%s': %s", needle, text);
    if (strstr(text, "secret") != NULL)
        fail_msg("last error shows the URL path: %s", text);
}

/* Checks err, printing the client's message when it differs. */
#define EXPECT_ERR(c, want, call)                                                            \
    do {                                                                                     \
        seq_err got_ = (call);                                                               \
        if (got_ != (want))                                                                  \
            fail_msg("%s: %s, expected %s: %s", #call, seq_errname(got_), seq_errname(want), \
                     l1_rpc_last_error(c));                                                  \
    } while (0)

/* ---------------------------------------------------------------- fixture */

static struct {
    const char *anvil;
    test_anvil node;
    l1_rpc *c;
    uint8_t key[32];
    seq_addr dev;
} fx;

static void anvil_stop(void)
{
    test_anvil_stop(&fx.node);
}

/* ------------------------------------------------------------ fake server */

typedef enum {
    FAKE_ANSWER,      /* result "0x2a" for the request's id */
    FAKE_NOT_JSON,    /* HTTP 200, a text body */
    FAKE_WRONG_ID,    /* a valid response to another request */
    FAKE_HUGE_LENGTH, /* Content-Length beyond the cap */
    FAKE_HUGE_STREAM, /* no length, a body beyond the cap until close */
    FAKE_SILENT,      /* reads the request, never answers */
    FAKE_503,         /* HTTP 503 with a text body */
    FAKE_CLOSE,       /* closes without answering */
    FAKE_ERROR_500,   /* HTTP 500 carrying a JSON-RPC "nonce too low" */
} fake_mode;

static struct {
    fake_rpc server;
    atomic_int mode;
    atomic_uint hits;
} fake;

/* Waits (bounded) until the client hangs up. */
static void fake_wait_close(fake_rpc *server, int conn)
{
    for (int i = 0; i < 100 && !fake_rpc_stopping(server); i++) {
        struct pollfd p = {.fd = conn, .events = POLLIN};
        if (poll(&p, 1, 50) > 0) {
            char tmp[256];
            if (recv(conn, tmp, sizeof(tmp), 0) <= 0)
                return;
        }
    }
}

static void fake_stream(int conn, size_t total)
{
    static const char head[] = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                               "Connection: close\r\n\r\n";
    fake_rpc_send(conn, head, strlen(head));
    static char chunk[16384];
    memset(chunk, '[', sizeof(chunk));
    for (size_t sent = 0; sent < total; sent += sizeof(chunk)) {
        if (send(conn, chunk, sizeof(chunk), MSG_NOSIGNAL) <= 0)
            return;
    }
}

/* Answers in fake.mode, counting the request (read whole or not). */
static void fake_serve(fake_rpc *server, int conn, const fake_rpc_request *request)
{
    long long id = request->id;
    atomic_fetch_add(&fake.hits, 1);
    char body[256];
    switch ((fake_mode)atomic_load(&fake.mode)) {
    case FAKE_ANSWER:
        snprintf(body, sizeof(body), "{\"jsonrpc\":\"2.0\",\"id\":%lld,\"result\":\"0x2a\"}", id);
        fake_rpc_respond(conn, "200 OK", body);
        break;
    case FAKE_NOT_JSON:
        fake_rpc_respond(conn, "200 OK", "this is not JSON");
        break;
    case FAKE_WRONG_ID:
        snprintf(body, sizeof(body), "{\"jsonrpc\":\"2.0\",\"id\":%lld,\"result\":\"0x2a\"}",
                 id + 1000);
        fake_rpc_respond(conn, "200 OK", body);
        break;
    case FAKE_HUGE_LENGTH: {
        char head[256];
        int n = snprintf(head, sizeof(head),
                         "HTTP/1.1 200 OK\r\nContent-Length: %u\r\nConnection: close\r\n\r\n[",
                         4 * FAKE_CAP_BYTES);
        fake_rpc_send(conn, head, (size_t)n);
        break;
    }
    case FAKE_HUGE_STREAM:
        fake_stream(conn, 2 * FAKE_CAP_BYTES);
        break;
    case FAKE_SILENT:
        fake_wait_close(server, conn);
        break;
    case FAKE_503:
        fake_rpc_respond(conn, "503 Service Unavailable", "upstream is down");
        break;
    case FAKE_CLOSE:
        break;
    case FAKE_ERROR_500:
        snprintf(body, sizeof(body),
                 "{\"jsonrpc\":\"2.0\",\"id\":%lld,\"error\":{\"code\":-32000,\"message\":"
                 "\"nonce too low\"}}",
                 id);
        fake_rpc_respond(conn, "500 Internal Server Error", body);
        break;
    }
}

/* A client of the fake server in mode; its URL path stands for an API key
 * that must never appear in messages. */
static l1_rpc *fake_client(fake_mode mode, uint32_t retries, uint32_t timeout_ms)
{
    atomic_store(&fake.mode, (int)mode);
    atomic_store(&fake.hits, 0);
    l1_rpc_options o;
    l1_rpc_options_default(&o);
    o.connect_timeout_ms = SEQ_MIN(200u, timeout_ms);
    o.timeout_ms = timeout_ms;
    o.retries = retries;
    o.backoff_ms_base = 5;
    o.backoff_ms_max = 20;
    o.response_bytes_max = FAKE_CAP_BYTES;
    char url[96];
    snprintf(url, sizeof(url), "http://127.0.0.1:%u" SECRET_PATH, (unsigned)fake.server.port);
    l1_rpc *c = NULL;
    assert_int_equal(l1_rpc_new(&c, url, &o), SEQ_OK);
    return c;
}

/* ------------------------------------------------------------ group setup */

static int group_setup(void **state)
{
    (void)state;
    rng_seed("l1_rpc");
    fx.anvil = getenv("SEQ_ANVIL");
    if (fx.anvil == NULL || access(fx.anvil, X_OK) != 0) {
        fprintf(stderr, "SEQ_ANVIL must name anvil (deploy/node_modules/.bin/anvil)\n");
        return -1;
    }
    atexit(anvil_stop);
    double t0 = now_s();
    if (!test_anvil_start(&fx.node, fx.anvil)) {
        fprintf(stderr, "cannot start anvil\n");
        return -1;
    }
    printf("anvil at %s (pid %d) after %.2f s\n", fx.node.url, (int)fx.node.pid, now_s() - t0);
    if (!fake_rpc_start(&fake.server, fake_serve, NULL)) {
        fprintf(stderr, "cannot start the fake server\n");
        return -1;
    }
    if (l1_hex_decode_exact(fx.key, 32, ANVIL_KEY_0_HEX) != SEQ_OK ||
        l1_secp_address(&fx.dev, fx.key) != SEQ_OK)
        return -1;
    return l1_rpc_new(&fx.c, fx.node.url, NULL) == SEQ_OK ? 0 : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    l1_rpc_free(fx.c);
    fx.c = NULL;
    fake_rpc_stop(&fake.server);
    anvil_stop();
    return 0;
}

/* -------------------------------------------------------- transactions */

typedef struct {
    uint8_t raw[RAW_MAX];
    size_t raw_len;
    seq_hash hash;
    l1_tx tx;
} signed_tx;

/* A transfer (or, with to == NULL, a creation of data) from the dev key,
 * fee cap = tip + 2 x next base fee. */
static void build_tx(signed_tx *s, uint64_t nonce, const seq_addr *to, uint64_t value,
                     const uint8_t *data, size_t data_len, uint64_t gas_limit)
{
    l1_rpc_fees fh;
    static const double pct[] = {50.0};
    EXPECT_ERR(fx.c, SEQ_OK, l1_rpc_fee_history(fx.c, &fh, 1, pct, 1));
    uint64_t tip = 0;
    EXPECT_ERR(fx.c, SEQ_OK, l1_rpc_max_priority_fee(fx.c, &tip));
    memset(s, 0, sizeof(*s));
    s->tx = (l1_tx){.chain_id = ANVIL_CHAIN_ID,
                    .nonce = nonce,
                    .max_priority_fee_per_gas = tip,
                    .max_fee_per_gas = tip + 2 * fh.base_fee_next,
                    .gas_limit = gas_limit,
                    .has_to = to != NULL,
                    .data = data,
                    .data_len = data_len};
    if (to != NULL)
        s->tx.to = *to;
    for (int i = 0; i < 8; i++)
        s->tx.value[31 - i] = (uint8_t)(value >> (8 * i));
    assert_int_equal(l1_tx_sign(s->raw, sizeof(s->raw), &s->raw_len, &s->hash, fx.key, &s->tx),
                     SEQ_OK);
}

static void wait_receipt(l1_rpc_tx_receipt *r, const seq_hash *hash)
{
    for (int i = 0; i < 100; i++) {
        seq_err err = l1_rpc_receipt(fx.c, r, hash);
        if (err == SEQ_OK)
            return;
        if (err != SEQ_ERR_NOT_FOUND)
            fail_msg("receipt: %s", l1_rpc_last_error(fx.c));
        sleep_ms(20);
    }
    fail_msg("no receipt: %s", l1_rpc_last_error(fx.c));
}

static uint64_t pending_nonce(void)
{
    uint64_t nonce = 0;
    EXPECT_ERR(fx.c, SEQ_OK, l1_rpc_nonce(fx.c, &nonce, &fx.dev, L1_TAG_PENDING));
    return nonce;
}

/* ------------------------------------------------------------ anvil tests */

static void test_reads(void **state)
{
    (void)state;
    l1_rpc *c = fx.c;
    uint64_t v = 0;
    EXPECT_ERR(c, SEQ_OK, l1_rpc_chain_id(c, &v));
    assert_int_equal(v, ANVIL_CHAIN_ID);
    assert_string_equal(l1_rpc_last_error(c), "");
    assert_null(l1_rpc_last_remote(c));
    uint64_t head = 0;
    EXPECT_ERR(c, SEQ_OK, l1_rpc_block_number(c, &head));

    l1_rpc_block genesis, b;
    EXPECT_ERR(c, SEQ_OK, l1_rpc_block_by_number(c, &genesis, 0));
    assert_int_equal(genesis.number, 0);
    assert_true(genesis.has_base_fee);
    EXPECT_ERR(c, SEQ_OK, l1_rpc_block_by_tag(c, &b, L1_TAG_EARLIEST));
    assert_memory_equal(b.hash.b, genesis.hash.b, 32);
    static const l1_block_tag tags[] = {L1_TAG_LATEST, L1_TAG_SAFE, L1_TAG_FINALIZED};
    for (size_t i = 0; i < SEQ_ARRAY_LEN(tags); i++) {
        EXPECT_ERR(c, SEQ_OK, l1_rpc_block_by_tag(c, &b, tags[i]));
        assert_true(b.number >= head || tags[i] != L1_TAG_LATEST);
        assert_true(b.timestamp >= genesis.timestamp);
    }
    EXPECT_ERR(c, SEQ_OK, l1_rpc_block_by_tag(c, &b, L1_TAG_LATEST));
    if (b.number > 0) {
        l1_rpc_block parent;
        EXPECT_ERR(c, SEQ_OK, l1_rpc_block_by_number(c, &parent, b.number - 1));
        assert_memory_equal(parent.hash.b, b.parent_hash.b, 32);
    }
    EXPECT_ERR(c, SEQ_ERR_NOT_FOUND, l1_rpc_block_by_number(c, &b, 1000000000));
    expect_text(c, "no block 0x3b9aca00");
    assert_int_equal(b.number, 0);

    l1_rpc_fees fh;
    static const double pct[] = {10.0, 50.0};
    EXPECT_ERR(c, SEQ_OK, l1_rpc_fee_history(c, &fh, 4, pct, 2));
    assert_true(fh.block_count >= 1 && fh.block_count <= 4);
    assert_true(fh.base_fee_next > 0);
    assert_int_equal(fh.percentile_count, 2);
    EXPECT_ERR(c, SEQ_OK, l1_rpc_max_priority_fee(c, &v));

    seq_addr nobody;
    rng_fill(nobody.b, sizeof(nobody.b));
    EXPECT_ERR(c, SEQ_OK, l1_rpc_nonce(c, &v, &nobody, L1_TAG_LATEST));
    assert_int_equal(v, 0);
    uint8_t wei[32];
    EXPECT_ERR(c, SEQ_OK, l1_rpc_balance(c, wei, &fx.dev, L1_TAG_LATEST));
    bool rich = false; /* 10000 ether is about 2^73: more than 64 bits */
    for (size_t i = 0; i < 24; i++)
        rich = rich || wei[i] != 0;
    assert_true(rich);

    seq_hash unknown;
    rng_fill(unknown.b, 32);
    l1_rpc_tx_receipt r;
    EXPECT_ERR(c, SEQ_ERR_NOT_FOUND, l1_rpc_receipt(c, &r, &unknown));
    expect_text(c, "no receipt");
}

static void test_estimate_gas(void **state)
{
    (void)state;
    l1_rpc *c = fx.c;
    l1_rpc_tx_request req = {.from = fx.dev, .has_to = true};
    req.to.b[19] = 0x01;
    req.value[31] = 1;
    uint64_t gas = 0;
    EXPECT_ERR(c, SEQ_OK, l1_rpc_estimate_gas(c, &gas, &req));
    assert_true(gas >= 21000 && gas < 30000);

    /* a creation whose code reverts: PUSH1 0 PUSH1 0 REVERT */
    static const uint8_t revert[] = {0x60, 0x00, 0x60, 0x00, 0xfd};
    req = (l1_rpc_tx_request){.from = fx.dev, .data = revert, .data_len = sizeof(revert)};
    EXPECT_ERR(c, L1_RPC_ERR_REMOTE, l1_rpc_estimate_gas(c, &gas, &req));
    assert_int_equal(gas, 0);
    assert_int_equal(l1_rpc_last_kind(c), L1_RPC_KIND_REVERTED);
    assert_non_null(l1_rpc_last_remote(c));
    assert_int_equal(l1_rpc_last_remote(c)->code, 3);
    expect_text(c, "reverted");
}

/* eth_call of init code (no `to`): returned bytes, a custom-error revert
 * decoded from its data, a revert without data; eth_getCode of an account
 * without code. */
static void test_eth_call(void **state)
{
    (void)state;
    l1_rpc *c = fx.c;
    /* mem[0..32) = 42; return it */
    static const uint8_t ret[] = {0x60, 0x2a, 0x60, 0x00, 0x52, 0x60, 0x20, 0x60, 0x00, 0xf3};
    l1_rpc_tx_request req = {.from = fx.dev, .data = ret, .data_len = sizeof(ret)};
    uint8_t out[64];
    size_t len = 99;
    EXPECT_ERR(c, SEQ_OK, l1_rpc_eth_call(c, out, sizeof(out), &len, &req, L1_TAG_LATEST));
    assert_int_equal(len, 32);
    assert_int_equal(out[31], 42);
    assert_int_equal(out[0], 0);
    EXPECT_ERR(c, SEQ_OK, l1_rpc_eth_call(c, out, sizeof(out), &len, &req, L1_TAG_PENDING));
    assert_int_equal(len, 32);
    EXPECT_ERR(c, SEQ_ERR_NO_SPACE, l1_rpc_eth_call(c, out, 8, &len, &req, L1_TAG_LATEST));
    assert_int_equal(len, 0);
    expect_text(c, "returned 32 bytes, room for 8");
    assert_int_equal(l1_rpc_revert_data(c, out, sizeof(out), &len), SEQ_ERR_NOT_FOUND);

    /* revert(0xdeadbeef): PUSH4 deadbeef PUSH1 e0 SHL PUSH1 0 MSTORE
     * PUSH1 4 PUSH1 0 REVERT */
    static const uint8_t rev[] = {0x63, 0xde, 0xad, 0xbe, 0xef, 0x60, 0xe0, 0x1b,
                                  0x60, 0x00, 0x52, 0x60, 0x04, 0x60, 0x00, 0xfd};
    req.data = rev;
    req.data_len = sizeof(rev);
    EXPECT_ERR(c, L1_RPC_ERR_REMOTE,
               l1_rpc_eth_call(c, out, sizeof(out), &len, &req, L1_TAG_LATEST));
    assert_int_equal(l1_rpc_last_kind(c), L1_RPC_KIND_REVERTED);
    assert_int_equal(l1_rpc_revert_data(c, out, sizeof(out), &len), SEQ_OK);
    assert_int_equal(len, 4);
    static const uint8_t deadbeef[] = {0xde, 0xad, 0xbe, 0xef};
    assert_memory_equal(out, deadbeef, 4);
    assert_int_equal(l1_rpc_revert_data(c, out, 2, &len), SEQ_ERR_NO_SPACE);
    assert_int_equal(len, 0);
    uint64_t gas = 0;
    EXPECT_ERR(c, L1_RPC_ERR_REMOTE, l1_rpc_estimate_gas(c, &gas, &req));
    assert_int_equal(l1_rpc_revert_data(c, out, sizeof(out), &len), SEQ_OK);
    assert_memory_equal(out, deadbeef, 4);

    /* a revert without data */
    static const uint8_t bare[] = {0x60, 0x00, 0x60, 0x00, 0xfd};
    req.data = bare;
    req.data_len = sizeof(bare);
    EXPECT_ERR(c, L1_RPC_ERR_REMOTE,
               l1_rpc_eth_call(c, out, sizeof(out), &len, &req, L1_TAG_LATEST));
    seq_err err = l1_rpc_revert_data(c, out, sizeof(out), &len);
    assert_true(err == SEQ_ERR_NOT_FOUND || (err == SEQ_OK && len == 0));
    printf("revert without data: %s (%s)\n", seq_errname(err), l1_rpc_last_remote(c)->data);

    EXPECT_ERR(c, SEQ_OK, l1_rpc_code(c, out, sizeof(out), &len, &fx.dev, L1_TAG_LATEST));
    assert_int_equal(len, 0);
}

static void test_send_and_receipt(void **state)
{
    (void)state;
    l1_rpc *c = fx.c;
    uint64_t nonce = pending_nonce();
    seq_addr to;
    rng_fill(to.b, sizeof(to.b));
    signed_tx s;
    build_tx(&s, nonce, &to, 12345, NULL, 0, 21000);
    seq_hash hash;
    EXPECT_ERR(c, SEQ_OK, l1_rpc_send_raw_tx(c, &hash, s.raw, s.raw_len));
    assert_memory_equal(hash.b, s.hash.b, 32);

    l1_rpc_tx_receipt r;
    wait_receipt(&r, &s.hash);
    assert_true(r.success);
    assert_int_equal(r.gas_used, 21000);
    assert_true(r.effective_gas_price <= s.tx.max_fee_per_gas);
    assert_false(r.has_contract_address);
    l1_rpc_block b;
    EXPECT_ERR(c, SEQ_OK, l1_rpc_block_by_number(c, &b, r.block_number));
    assert_memory_equal(b.hash.b, r.block_hash.b, 32);
    assert_true(r.effective_gas_price >= b.base_fee_per_gas);

    uint8_t wei[32], want[32] = {0};
    want[30] = 0x30;
    want[31] = 0x39;
    EXPECT_ERR(c, SEQ_OK, l1_rpc_balance(c, wei, &to, L1_TAG_LATEST));
    assert_memory_equal(wei, want, 32);
    assert_int_equal(pending_nonce(), nonce + 1);
    uint64_t latest = 0;
    EXPECT_ERR(c, SEQ_OK, l1_rpc_nonce(c, &latest, &fx.dev, L1_TAG_LATEST));
    assert_int_equal(latest, nonce + 1);

    /* the same nonce again: another transaction won it */
    build_tx(&s, nonce, &to, 1, NULL, 0, 21000);
    EXPECT_ERR(c, L1_RPC_ERR_REMOTE, l1_rpc_send_raw_tx(c, &hash, s.raw, s.raw_len));
    assert_true(seq_hash_is_zero(&hash));
    assert_int_equal(l1_rpc_last_kind(c), L1_RPC_KIND_NONCE_TOO_LOW);
    expect_text(c, "nonce too low");
    printf("stale nonce: %s\n", l1_rpc_last_error(c));

    /* more value than the account holds */
    build_tx(&s, nonce + 1, &to, 0, NULL, 0, 21000);
    memset(s.tx.value, 0, 8);
    s.tx.value[0] = 0x01; /* 2^248 wei */
    assert_int_equal(l1_tx_sign(s.raw, sizeof(s.raw), &s.raw_len, &s.hash, fx.key, &s.tx), SEQ_OK);
    EXPECT_ERR(c, L1_RPC_ERR_REMOTE, l1_rpc_send_raw_tx(c, &hash, s.raw, s.raw_len));
    assert_int_equal(l1_rpc_last_kind(c), L1_RPC_KIND_INSUFFICIENT_FUNDS);
}

static void set_automine(bool on)
{
    char *result = NULL;
    EXPECT_ERR(fx.c, SEQ_OK,
               l1_rpc_call(fx.c, &result, "evm_setAutomine", on ? "[true]" : "[false]"));
    assert_string_equal(result, "null");
    free(result);
}

static int automine_restore(void **state)
{
    (void)state;
    char *result = NULL;
    seq_err err = l1_rpc_call(fx.c, &result, "evm_setAutomine", "[true]");
    free(result);
    return err == SEQ_OK ? 0 : -1;
}

/* With mining paused: the same raw tx twice is "already known", a
 * replacement without a fee bump is underpriced, and the receipt appears
 * once a block is mined. */
static void test_pool_answers(void **state)
{
    (void)state;
    l1_rpc *c = fx.c;
    set_automine(false);
    uint64_t nonce = pending_nonce();
    seq_addr to = {.b = {0xde, 0xad}};
    signed_tx s, other;
    build_tx(&s, nonce, &to, 1, NULL, 0, 21000);
    seq_hash hash;
    EXPECT_ERR(c, SEQ_OK, l1_rpc_send_raw_tx(c, &hash, s.raw, s.raw_len));
    EXPECT_ERR(c, L1_RPC_ERR_REMOTE, l1_rpc_send_raw_tx(c, &hash, s.raw, s.raw_len));
    assert_int_equal(l1_rpc_last_kind(c), L1_RPC_KIND_ALREADY_KNOWN);
    printf("same tx again: %s\n", l1_rpc_last_error(c));

    build_tx(&other, nonce, &to, 2, NULL, 0, 21000); /* same fees, other value */
    assert_int_equal(other.tx.max_fee_per_gas, s.tx.max_fee_per_gas);
    EXPECT_ERR(c, L1_RPC_ERR_REMOTE, l1_rpc_send_raw_tx(c, &hash, other.raw, other.raw_len));
    assert_int_equal(l1_rpc_last_kind(c), L1_RPC_KIND_UNDERPRICED);
    expect_text(c, "replacement transaction underpriced");

    l1_rpc_tx_receipt r;
    EXPECT_ERR(c, SEQ_ERR_NOT_FOUND, l1_rpc_receipt(c, &r, &s.hash));
    char *result = NULL;
    EXPECT_ERR(c, SEQ_OK, l1_rpc_call(c, &result, "evm_mine", NULL));
    free(result);
    wait_receipt(&r, &s.hash);
    assert_true(r.success);
    set_automine(true);
}

/* Deploys init code that emits LOG1(topic, 42) and finds the log. */
static void test_logs(void **state)
{
    (void)state;
    l1_rpc *c = fx.c;
    seq_hash topic, other;
    l1_keccak256(&topic, (const uint8_t *)"Hello(uint256)", 14);
    l1_keccak256(&other, (const uint8_t *)"Other()", 7);
    uint8_t code[64];
    size_t n = 0;
    static const uint8_t store[] = {0x60, 0x2a, 0x60, 0x00, 0x52, 0x7f}; /* mem[0] = 42; PUSH32 */
    memcpy(code + n, store, sizeof(store));
    n += sizeof(store);
    memcpy(code + n, topic.b, 32);
    n += 32;
    static const uint8_t log1[] = {0x60, 0x20, 0x60, 0x00, 0xa1, 0x00}; /* LOG1(0, 32, topic) */
    memcpy(code + n, log1, sizeof(log1));
    n += sizeof(log1);

    l1_rpc_tx_request req = {.from = fx.dev, .data = code, .data_len = n};
    uint64_t gas = 0;
    EXPECT_ERR(c, SEQ_OK, l1_rpc_estimate_gas(c, &gas, &req));
    signed_tx s;
    build_tx(&s, pending_nonce(), NULL, 0, code, n, gas);
    seq_hash hash;
    EXPECT_ERR(c, SEQ_OK, l1_rpc_send_raw_tx(c, &hash, s.raw, s.raw_len));
    l1_rpc_tx_receipt r;
    wait_receipt(&r, &s.hash);
    assert_true(r.success);
    assert_true(r.has_contract_address);

    l1_rpc_log_filter f = {.from_block = r.block_number, .to_block = r.block_number};
    f.addresses[0] = r.contract_address;
    f.address_count = 1;
    f.topics[0].choices[0] = topic;
    f.topics[0].count = 1;
    l1_rpc_log logs[4];
    uint8_t buf[256];
    seq_arena arena;
    seq_arena_init(&arena, buf, sizeof(buf));
    size_t count = 0;
    EXPECT_ERR(c, SEQ_OK, l1_rpc_logs(c, logs, 4, &count, &arena, &f));
    assert_int_equal(count, 1);
    assert_memory_equal(logs[0].address.b, r.contract_address.b, SEQ_ADDR_BYTES);
    assert_int_equal(logs[0].topic_count, 1);
    assert_memory_equal(logs[0].topics[0].b, topic.b, 32);
    assert_int_equal(logs[0].data_len, 32);
    assert_int_equal(logs[0].data[31], 42);
    assert_memory_equal(logs[0].tx_hash.b, s.hash.b, 32);
    assert_memory_equal(logs[0].block_hash.b, r.block_hash.b, 32);
    assert_int_equal(logs[0].block_number, r.block_number);
    assert_false(logs[0].removed);

    f.topics[0].choices[0] = other; /* another event: nothing */
    EXPECT_ERR(c, SEQ_OK, l1_rpc_logs(c, logs, 4, &count, &arena, &f));
    assert_int_equal(count, 0);
    f.topics[0].choices[1] = topic; /* either event */
    f.topics[0].count = 2;
    EXPECT_ERR(c, SEQ_OK, l1_rpc_logs(c, logs, 4, &count, &arena, &f));
    assert_int_equal(count, 1);
    f.address_count = 0; /* any address, the whole chain so far */
    f.from_block = 0;
    EXPECT_ERR(c, SEQ_OK, l1_rpc_logs(c, logs, 4, &count, &arena, &f));
    assert_int_equal(count, 1);

    EXPECT_ERR(c, SEQ_ERR_NO_SPACE, l1_rpc_logs(c, logs, 0, &count, &arena, &f));
    expect_text(c, "exceed the room");
    seq_arena_init(&arena, buf, 8);
    EXPECT_ERR(c, SEQ_ERR_NO_SPACE, l1_rpc_logs(c, logs, 4, &count, &arena, &f));
    expect_text(c, "arena");
    assert_int_equal(count, 0);
}

static void test_generic_call(void **state)
{
    (void)state;
    l1_rpc *c = fx.c;
    char *result = (char *)"x";
    EXPECT_ERR(c, SEQ_OK, l1_rpc_call(c, &result, "eth_chainId", NULL));
    assert_string_equal(result, "\"0x7a69\"");
    free(result);
    EXPECT_ERR(c, SEQ_OK, l1_rpc_call(c, &result, "eth_getBlockByNumber", "[\"0x0\", false]"));
    assert_non_null(strstr(result, "\"number\":\"0x0\""));
    free(result);

    EXPECT_ERR(c, SEQ_ERR_INVALID_ARG, l1_rpc_call(c, &result, "eth_chainId", "{}"));
    assert_null(result);
    assert_null(l1_rpc_last_remote(c));
    EXPECT_ERR(c, SEQ_ERR_INVALID_ARG, l1_rpc_call(c, &result, "eth_chainId", "[1,"));
    EXPECT_ERR(c, SEQ_ERR_INVALID_ARG, l1_rpc_call(c, &result, "bad method", NULL));
    EXPECT_ERR(c, SEQ_ERR_INVALID_ARG, l1_rpc_call(c, &result, "", NULL));
    EXPECT_ERR(c, L1_RPC_ERR_REMOTE, l1_rpc_call(c, &result, "seqd_noSuchMethod", NULL));
    assert_null(result);
    assert_int_equal(l1_rpc_last_kind(c), L1_RPC_KIND_METHOD_NOT_FOUND);
    /* a success clears the last error */
    EXPECT_ERR(c, SEQ_OK, l1_rpc_call(c, &result, "eth_blockNumber", "[]"));
    free(result);
    assert_string_equal(l1_rpc_last_error(c), "");
    assert_int_equal(l1_rpc_last_kind(c), L1_RPC_KIND_NONE);
}

/* ------------------------------------------------------- failure tests */

static void test_options(void **state)
{
    (void)state;
    l1_rpc *c = (l1_rpc *)&fx; /* any non-NULL value: l1_rpc_new resets it on failure */
    l1_rpc_options o;
    l1_rpc_options_default(&o);
    l1_rpc_options bad[7];
    for (size_t i = 0; i < SEQ_ARRAY_LEN(bad); i++)
        bad[i] = o;
    bad[0].timeout_ms = 0;
    bad[1].timeout_ms = L1_RPC_TIMEOUT_MS_MAX + 1;
    bad[2].connect_timeout_ms = o.timeout_ms + 1;
    bad[3].retries = L1_RPC_RETRIES_MAX + 1;
    bad[4].backoff_ms_base = o.backoff_ms_max + 1;
    bad[5].response_bytes_max = L1_RPC_RESPONSE_BYTES_MIN - 1;
    bad[6].response_bytes_max = L1_RPC_RESPONSE_BYTES_MAX + 1;
    for (size_t i = 0; i < SEQ_ARRAY_LEN(bad); i++) {
        assert_int_equal(l1_rpc_new(&c, "http://127.0.0.1:1", &bad[i]), SEQ_ERR_INVALID_ARG);
        assert_null(c);
    }
    static char long_url[L1_RPC_URL_BYTES_MAX + 16];
    memset(long_url, 'a', sizeof(long_url) - 1);
    memcpy(long_url, "http://", 7);
    static const char *const urls[] = {
        "",          "127.0.0.1:8545", "ftp://127.0.0.1/", "file:///etc/passwd", "http://",
        "not a url", long_url};
    for (size_t i = 0; i < SEQ_ARRAY_LEN(urls); i++) {
        assert_int_equal(l1_rpc_new(&c, urls[i], NULL), SEQ_ERR_INVALID_ARG);
        assert_null(c);
    }
    assert_int_equal(l1_rpc_new(&c, "https://user:pw@example.invalid:8545/key?x=1", NULL), SEQ_OK);
    l1_rpc_free(c);
    l1_rpc_free(NULL);
}

/* Nothing listens on the port: unavailable at once, after the retries, also
 * for a send (nothing can have reached a node). */
static void test_dead_endpoint(void **state)
{
    (void)state;
    int s = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(s >= 0);
    struct sockaddr_in sa = {.sin_family = AF_INET};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t sa_len = sizeof(sa);
    assert_int_equal(bind(s, (struct sockaddr *)&sa, sizeof(sa)), 0);
    assert_int_equal(getsockname(s, (struct sockaddr *)&sa, &sa_len), 0);
    close(s); /* bound, never listened: the port refuses */
    char url[64];
    snprintf(url, sizeof(url), "http://127.0.0.1:%u" SECRET_PATH, (unsigned)ntohs(sa.sin_port));
    l1_rpc_options o;
    l1_rpc_options_default(&o);
    o.backoff_ms_base = 10;
    o.backoff_ms_max = 40;
    l1_rpc *c = NULL;
    assert_int_equal(l1_rpc_new(&c, url, &o), SEQ_OK);
    double t0 = now_s();
    uint64_t v = 1;
    EXPECT_ERR(c, SEQ_ERR_UNAVAILABLE, l1_rpc_chain_id(c, &v));
    double took = now_s() - t0;
    assert_int_equal(v, 0);
    expect_text(c, "127.0.0.1");
    expect_text(c, "3 attempt(s)");
    printf("dead endpoint (%.3f s): %s\n", took, l1_rpc_last_error(c));
    assert_true(took < 1.0);
    assert_null(l1_rpc_last_remote(c));

    static const uint8_t raw[] = {0x02, 0xc0};
    seq_hash hash;
    EXPECT_ERR(c, SEQ_ERR_UNAVAILABLE, l1_rpc_send_raw_tx(c, &hash, raw, sizeof(raw)));
    expect_text(c, "3 attempt(s)");
    l1_rpc_free(c);
}

static void test_fake_answer(void **state)
{
    (void)state;
    l1_rpc *c = fake_client(FAKE_ANSWER, 2, 1000);
    uint64_t v = 0;
    EXPECT_ERR(c, SEQ_OK, l1_rpc_chain_id(c, &v));
    assert_int_equal(v, 42);
    EXPECT_ERR(c, SEQ_OK, l1_rpc_block_number(c, &v)); /* the next id */
    assert_int_equal(atomic_load(&fake.hits), 2);
    uint8_t out[4];
    size_t len = 0;
    l1_rpc_tx_request req = {.has_to = true};
    EXPECT_ERR(c, SEQ_OK, l1_rpc_eth_call(c, out, sizeof(out), &len, &req, L1_TAG_LATEST));
    assert_int_equal(len, 1);
    assert_int_equal(out[0], 0x2a);
    l1_rpc_free(c);
}

static void test_fake_malformed(void **state)
{
    (void)state;
    static const struct {
        fake_mode mode;
        const char *text;
    } cases[] = {
        {FAKE_NOT_JSON, "not JSON"},
        {FAKE_WRONG_ID, "not for request id"},
        {FAKE_HUGE_LENGTH, "exceeds 1048576 bytes"},
        {FAKE_HUGE_STREAM, "exceeds 1048576 bytes"},
    };
    for (size_t i = 0; i < SEQ_ARRAY_LEN(cases); i++) {
        l1_rpc *c = fake_client(cases[i].mode, 2, 2000);
        uint64_t v = 1;
        double t0 = now_s();
        EXPECT_ERR(c, SEQ_ERR_MALFORMED, l1_rpc_block_number(c, &v));
        assert_int_equal(v, 0);
        if (cases[i].mode == FAKE_WRONG_ID) {
            uint8_t code[4];
            size_t len = 1;
            seq_addr a = {.b = {1}};
            EXPECT_ERR(c, SEQ_ERR_MALFORMED,
                       l1_rpc_code(c, code, sizeof(code), &len, &a, L1_TAG_LATEST));
            assert_int_equal(len, 0);
            atomic_store(&fake.hits, 1);
        }
        expect_text(c, "malformed response");
        expect_text(c, cases[i].text);
        assert_int_equal(atomic_load(&fake.hits), 1); /* never retried */
        printf("mode %d (%.3f s): %s\n", (int)cases[i].mode, now_s() - t0, l1_rpc_last_error(c));
        l1_rpc_free(c);
    }
}

static void test_fake_timeout(void **state)
{
    (void)state;
    l1_rpc *c = fake_client(FAKE_SILENT, 0, 300);
    uint64_t v = 1;
    double t0 = now_s();
    EXPECT_ERR(c, SEQ_ERR_TIMEOUT, l1_rpc_block_number(c, &v));
    double took = now_s() - t0;
    printf("silent server (%.3f s): %s\n", took, l1_rpc_last_error(c));
    assert_true(took >= 0.29 && took < 0.9);
    expect_text(c, "timed out");
    l1_rpc_free(c);

    /* a read is retried; a send that may have arrived is not */
    c = fake_client(FAKE_SILENT, 1, 200);
    EXPECT_ERR(c, SEQ_ERR_TIMEOUT, l1_rpc_block_number(c, &v));
    assert_int_equal(atomic_load(&fake.hits), 2);
    atomic_store(&fake.hits, 0);
    static const uint8_t raw[] = {0x02, 0xc0};
    seq_hash hash;
    EXPECT_ERR(c, SEQ_ERR_TIMEOUT, l1_rpc_send_raw_tx(c, &hash, raw, sizeof(raw)));
    sleep_ms(50); /* let the server see the hang-up */
    assert_int_equal(atomic_load(&fake.hits), 1);
    l1_rpc_free(c);
}

static void test_fake_unavailable(void **state)
{
    (void)state;
    static const fake_mode modes[] = {FAKE_503, FAKE_CLOSE};
    static const uint8_t raw[] = {0x02, 0xc0};
    for (size_t i = 0; i < SEQ_ARRAY_LEN(modes); i++) {
        l1_rpc *c = fake_client(modes[i], 2, 1000);
        uint64_t v = 1;
        EXPECT_ERR(c, SEQ_ERR_UNAVAILABLE, l1_rpc_block_number(c, &v));
        assert_int_equal(atomic_load(&fake.hits), 3);
        expect_text(c, "3 attempt(s)");
        if (modes[i] == FAKE_503)
            expect_text(c, "HTTP status 503");
        printf("mode %d: %s\n", (int)modes[i], l1_rpc_last_error(c));
        atomic_store(&fake.hits, 0);
        seq_hash hash;
        EXPECT_ERR(c, SEQ_ERR_UNAVAILABLE, l1_rpc_send_raw_tx(c, &hash, raw, sizeof(raw)));
        assert_int_equal(atomic_load(&fake.hits), 1);
        expect_text(c, "1 attempt(s)");
        l1_rpc_free(c);
    }
}

/* A JSON-RPC error under HTTP 500 is the node's answer, not an outage. */
static void test_fake_error_status(void **state)
{
    (void)state;
    l1_rpc *c = fake_client(FAKE_ERROR_500, 2, 1000);
    static const uint8_t raw[] = {0x02, 0xc0};
    seq_hash hash;
    EXPECT_ERR(c, L1_RPC_ERR_REMOTE, l1_rpc_send_raw_tx(c, &hash, raw, sizeof(raw)));
    assert_int_equal(l1_rpc_last_kind(c), L1_RPC_KIND_NONCE_TOO_LOW);
    assert_int_equal(l1_rpc_last_remote(c)->code, -32000);
    uint8_t data[8];
    size_t len = 1;
    assert_int_equal(l1_rpc_revert_data(c, data, sizeof(data), &len), SEQ_ERR_NOT_FOUND);
    assert_int_equal(len, 0);
    uint64_t v;
    EXPECT_ERR(c, L1_RPC_ERR_REMOTE, l1_rpc_block_number(c, &v));
    assert_int_equal(atomic_load(&fake.hits), 2); /* neither retried */
    l1_rpc_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reads),
        cmocka_unit_test(test_estimate_gas),
        cmocka_unit_test(test_eth_call),
        cmocka_unit_test(test_send_and_receipt),
        cmocka_unit_test_teardown(test_pool_answers, automine_restore),
        cmocka_unit_test(test_logs),
        cmocka_unit_test(test_generic_call),
        cmocka_unit_test(test_options),
        cmocka_unit_test(test_dead_endpoint),
        cmocka_unit_test(test_fake_answer),
        cmocka_unit_test(test_fake_malformed),
        cmocka_unit_test(test_fake_timeout),
        cmocka_unit_test(test_fake_unavailable),
        cmocka_unit_test(test_fake_error_status),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
