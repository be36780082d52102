/* The L1 link on its own, against a dead endpoint: the status before any
 * poll, failures counted and explained, a stored cursor and batch reported
 * from the store at once, a URL the client refuses, and a prompt stop.
 * Against a fake L1 (fake_rpc): the L1 origin table filling up to the
 * cursor, following it, pruned, rewound with a reorg and refilled after,
 * nothing stored from headers that do not chain, and a stale stored tail
 * replaced. Following a live anvil is tested with four seqd in
 * tests/e2e/test_l1_node.c. */
/* cmocka needs these headers before its own, in this order. */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>

#include "anvil.h"
#include "clock.h"
#include "fake_rpc.h"
#include "l1.h"
#include "node.h"
#include "test_files.h"

typedef struct {
    char *root;
    char dir[TF_PATH_BYTES];
    store *s;
    node_genesis genesis;
    node_l1_record record;
    char url[64];
} fixture;

/* ------------------------------------------------------------- fake L1 */

/* A chain of blocks 0..head that a test moves and reorgs: block n's hash is
 * n (8 bytes, big-endian) || its fork (1) || zeros || 0x5a, its parent the
 * hash of n - 1 (but for the block the test breaks), its time
 * FAKE_TIME_0 + 12 n. The deployment checks pass against the fixture's
 * record and genesis; a log query finds only the Committee's genesis
 * members; Inbox.status() is all zeros; there is no finalized block. */
#define FAKE_CHAIN_MAX  2048u
#define FAKE_BODY_BYTES 4096u
#define FAKE_TIME_0     1700000000u

static struct {
    fake_rpc server;
    pthread_mutex_t mtx;
    uint64_t head;                /* mtx */
    uint8_t fork[FAKE_CHAIN_MAX]; /* mtx: block n is on fork[n] */
    uint64_t broken;              /* mtx: its parentHash is wrong; 0: none */
} fake = {.mtx = PTHREAD_MUTEX_INITIALIZER};

static void fake_hash_locked(seq_hash *out, uint64_t n)
{
    SEQ_ASSERT(n < FAKE_CHAIN_MAX);
    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < 8; i++)
        out->b[i] = (uint8_t)(n >> (56 - 8 * i));
    out->b[8] = fake.fork[n];
    out->b[31] = 0x5a;
}

static seq_hash fake_hash(uint64_t n)
{
    seq_hash h;
    pthread_mutex_lock(&fake.mtx);
    fake_hash_locked(&h, n);
    pthread_mutex_unlock(&fake.mtx);
    return h;
}

static void hex_of(char *out, size_t out_len, const uint8_t *in, size_t in_len)
{
    SEQ_ASSERT(l1_hex_encode(out, out_len, in, in_len) == SEQ_OK);
}

static void word_of(char out[67], uint64_t v)
{
    uint8_t w[32];
    l1_abi_u64(w, v);
    hex_of(out, 67, w, sizeof w);
}

/* eth_getBlockByNumber: null above the head and for tags. */
static void fake_block(char *result, const char *number)
{
    pthread_mutex_lock(&fake.mtx);
    uint64_t n = number != NULL && strncmp(number, "0x", 2) == 0 ? strtoull(number + 2, NULL, 16)
                                                                 : UINT64_MAX;
    if (n > fake.head) {
        pthread_mutex_unlock(&fake.mtx);
        snprintf(result, FAKE_BODY_BYTES, "null");
        return;
    }
    seq_hash hash, parent = {{0}};
    fake_hash_locked(&hash, n);
    if (n > 0)
        fake_hash_locked(&parent, n - 1);
    if (n == fake.broken)
        parent.b[20] ^= 0xff;
    pthread_mutex_unlock(&fake.mtx);
    char h[67], p[67];
    hex_of(h, sizeof h, hash.b, SEQ_HASH_BYTES);
    hex_of(p, sizeof p, parent.b, SEQ_HASH_BYTES);
    snprintf(result, FAKE_BODY_BYTES,
             "{\"number\":\"0x%llx\",\"hash\":\"%s\",\"parentHash\":\"%s\","
             "\"timestamp\":\"0x%llx\",\"baseFeePerGas\":\"0x1\"}",
             (unsigned long long)n, h, p, (unsigned long long)(FAKE_TIME_0 + 12 * n));
}

/* eth_getLogs: the CommitteeChanged logs of the genesis members when asked
 * by topic (the deployment check), else none (the follower). */
static void fake_logs(char *result, const fixture *f, const json_t *filter)
{
    const json_t *topics = json_object_get(filter, "topics");
    if (json_array_size(topics) == 0) {
        snprintf(result, FAKE_BODY_BYTES, "[]");
        return;
    }
    seq_hash event, block = fake_hash(f->record.block_number);
    const char *signature = "CommitteeChanged(address,uint64,uint64,uint64)";
    l1_keccak256(&event, (const uint8_t *)signature, strlen(signature));
    char ev[67], addr[67], blk[67], weight[67], zero[67], committee[43];
    hex_of(ev, sizeof ev, event.b, SEQ_HASH_BYTES);
    hex_of(blk, sizeof blk, block.b, SEQ_HASH_BYTES);
    hex_of(committee, sizeof committee, f->record.committee.b, SEQ_ADDR_BYTES);
    word_of(zero, 0);
    size_t used = (size_t)snprintf(result, FAKE_BODY_BYTES, "[");
    for (size_t i = 0; i < f->genesis.validator_count; i++) {
        uint8_t w[32];
        l1_abi_addr(w, &f->genesis.validators[i].address);
        hex_of(addr, sizeof addr, w, sizeof w);
        word_of(weight, f->genesis.validators[i].weight);
        used += (size_t)snprintf(
            result + used, FAKE_BODY_BYTES - used,
            "%s{\"address\":\"%s\",\"topics\":[\"%s\",\"%s\",\"%s\"],\"data\":\"%s%s\","
            "\"blockNumber\":\"0x%llx\",\"blockHash\":\"%s\",\"transactionHash\":\"%s\","
            "\"transactionIndex\":\"0x0\",\"logIndex\":\"0x%zx\",\"removed\":false}",
            i > 0 ? "," : "", committee, ev, addr, zero, weight, zero + 2,
            (unsigned long long)f->record.block_number, blk, ev, i);
        SEQ_ASSERT(used < FAKE_BODY_BYTES);
    }
    snprintf(result + used, FAKE_BODY_BYTES - used, "]");
}

/* eth_call: the views the deployment check and the link read. */
static bool fake_call(char *result, const fixture *f, const json_t *call)
{
    const node_l1_record *r = &f->record;
    const char *data = json_string_value(json_object_get(call, "data"));
    uint8_t selector[4], want[4];
    size_t len = 0;
    if (data == NULL || strlen(data) != 10 ||
        l1_hex_decode(selector, sizeof selector, &len, data, 10) != SEQ_OK)
        return false;
    const struct {
        const char *signature;
        uint64_t value;
    } views[] = {
        {"l2ChainId()", r->l2_chain_id},
        {"inclusionWindow()", r->inclusion_window_blocks},
        {"forceGrace()", r->force_grace_blocks},
        {"forceFee()", r->force_fee_wei},
        {"maxForcedTxBytes()", r->forced_tx_bytes_max},
        {"epochLength()", r->epoch_blocks},
        {"evidenceWindow()", r->evidence_window_blocks},
        {"unbondingDelay()", r->unbonding_delay_blocks},
        {"minBond()", r->min_bond_wei},
        {"genesisBlock()", r->block_number},
    };
    char word[67];
    for (size_t i = 0; i < SEQ_ARRAY_LEN(views); i++) {
        l1_abi_selector(want, views[i].signature);
        if (memcmp(want, selector, 4) == 0) {
            word_of(word, views[i].value);
            snprintf(result, FAKE_BODY_BYTES, "\"%s\"", word);
            return true;
        }
    }
    uint8_t w[5 * 32] = {0};
    l1_abi_selector(want, "committee()");
    if (memcmp(want, selector, 4) == 0) {
        l1_abi_addr(w, &r->committee);
        hex_of(word, sizeof word, w, 32);
        snprintf(result, FAKE_BODY_BYTES, "\"%s\"", word);
        return true;
    }
    l1_abi_selector(want, "status()");
    if (memcmp(want, selector, 4) != 0)
        return false;
    char status[2 * sizeof w + 3];
    hex_of(status, sizeof status, w, sizeof w);
    snprintf(result, FAKE_BODY_BYTES, "\"%s\"", status);
    return true;
}

static void fake_serve(fake_rpc *server, int conn, const fake_rpc_request *request)
{
    if (request->doc == NULL)
        return;
    const fixture *f = server->context;
    const json_t *params = json_object_get(request->doc, "params");
    char result[FAKE_BODY_BYTES] = "", body[2 * FAKE_BODY_BYTES];
    const char *m = request->method;
    bool ok = true;
    if (strcmp(m, "eth_chainId") == 0) {
        snprintf(result, sizeof result, "\"0x%llx\"", (unsigned long long)f->record.l1_chain_id);
    } else if (strcmp(m, "eth_getCode") == 0) {
        snprintf(result, sizeof result, "\"0x6001\"");
    } else if (strcmp(m, "eth_blockNumber") == 0) {
        pthread_mutex_lock(&fake.mtx);
        snprintf(result, sizeof result, "\"0x%llx\"", (unsigned long long)fake.head);
        pthread_mutex_unlock(&fake.mtx);
    } else if (strcmp(m, "eth_getBlockByNumber") == 0) {
        fake_block(result, json_string_value(json_array_get(params, 0)));
    } else if (strcmp(m, "eth_getLogs") == 0) {
        fake_logs(result, f, json_array_get(params, 0));
    } else if (strcmp(m, "eth_call") == 0) {
        ok = fake_call(result, f, json_array_get(params, 0));
    } else {
        ok = false;
    }
    if (ok)
        snprintf(body, sizeof body, "{\"jsonrpc\":\"2.0\",\"id\":%lld,\"result\":%s}", request->id,
                 result);
    else
        snprintf(body, sizeof body,
                 "{\"jsonrpc\":\"2.0\",\"id\":%lld,\"error\":{\"code\":-32601,"
                 "\"message\":\"not faked\"}}",
                 request->id);
    fake_rpc_respond(conn, "200 OK", body);
}

/* A fresh chain of head + 1 blocks on fork 0, served to f->url. */
static void fake_start(fixture *f, uint64_t head)
{
    pthread_mutex_lock(&fake.mtx);
    fake.head = head;
    memset(fake.fork, 0, sizeof fake.fork);
    fake.broken = 0;
    pthread_mutex_unlock(&fake.mtx);
    assert_true(fake_rpc_start(&fake.server, fake_serve, f));
    snprintf(f->url, sizeof f->url, "http://127.0.0.1:%u", (unsigned)fake.server.port);
}

static void fake_set_head(uint64_t head)
{
    assert_true(head < FAKE_CHAIN_MAX);
    pthread_mutex_lock(&fake.mtx);
    fake.head = head;
    pthread_mutex_unlock(&fake.mtx);
}

/* Blocks from `from` up move to fork. */
static void fake_reorg(uint64_t from, uint8_t fork)
{
    pthread_mutex_lock(&fake.mtx);
    for (uint64_t n = from; n < FAKE_CHAIN_MAX; n++)
        fake.fork[n] = fork;
    pthread_mutex_unlock(&fake.mtx);
}

static void fake_break(uint64_t number)
{
    pthread_mutex_lock(&fake.mtx);
    fake.broken = number;
    pthread_mutex_unlock(&fake.mtx);
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    f->root = tf_mkdtemp();
    snprintf(f->dir, sizeof f->dir, "%s/data", f->root);
    seq_hash genesis_hash;
    l1_keccak256(&genesis_hash, (const uint8_t *)"genesis", 7);
    assert_int_equal(store_open(&f->s, f->dir, &genesis_hash, NULL), SEQ_OK);
    node_genesis_defaults(&f->genesis);
    f->genesis.l1_chain_id = 31337;
    f->genesis.l2_chain_id = 901;
    f->genesis.validator_count = 1;
    memset(f->genesis.validators[0].address.b, 0x0a, SEQ_ADDR_BYTES);
    f->genesis.validators[0].weight = 1;
    f->record.l1_chain_id = 31337;
    f->record.l2_chain_id = 901;
    f->record.genesis_hash = genesis_hash;
    memset(f->record.committee.b, 0xc0, SEQ_ADDR_BYTES);
    memset(f->record.inbox.b, 0x1b, SEQ_ADDR_BYTES);
    f->record.block_number = 1;
    f->record.epoch_blocks = 20;
    f->record.evidence_window_blocks = 30;
    f->record.unbonding_delay_blocks = 40;
    f->record.inclusion_window_blocks = 32;
    f->record.forced_tx_bytes_max = 4096;
    uint16_t port = test_port_free();
    assert_true(port != 0);
    snprintf(f->url, sizeof f->url, "http://127.0.0.1:%u", (unsigned)port);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    fake_rpc_stop(&fake.server);
    store_close(f->s);
    tf_rmtree(f->root);
    free(f->root);
    free(f);
    return 0;
}

static node_l1link *start(fixture *f, const char *url)
{
    node_l1link_config c = {
        .rpc_url = url, .record = &f->record, .genesis = &f->genesis, .store = f->s, .poll_ms = 50};
    node_l1link *l = NULL;
    node_diag why;
    assert_int_equal(node_l1link_start(&l, &why, &c), SEQ_OK);
    assert_non_null(l);
    return l;
}

static void test_dead_endpoint(void **state)
{
    fixture *f = *state;
    node_l1link *l = start(f, f->url);
    node_l1link_status s;
    node_l1link_status_get(l, &s);
    assert_true(s.enabled);
    assert_int_equal(s.chain_id, 31337);
    assert_true(seq_addr_equal(&s.inbox, &f->record.inbox));
    assert_string_equal(s.url, f->url);
    assert_false(s.has_cursor);
    assert_false(s.has_batch);
    /* Two failed turns (50 ms, then 100 ms apart), each explained. */
    uint64_t until = test_now_ms() + 10000;
    do {
        test_sleep_ms(20);
        node_l1link_status_get(l, &s);
    } while (s.failures_consecutive < 2 && test_now_ms() < until);
    assert_true(s.failures_consecutive >= 2);
    assert_false(s.ok);
    assert_false(s.verified);
    assert_true(s.poll_failures >= 2 && s.polls >= s.poll_failures);
    assert_int_equal(s.last_ok_ms, 0);
    assert_non_null(strstr(s.last_error, "127.0.0.1"));
    uint64_t t0 = test_now_ms();
    node_l1link_free(l);
    assert_true(test_now_ms() - t0 < 5000);
}

/* Parameters the contracts would refuse are reported as a mismatch, before
 * anything is asked of L1. */
static void test_bad_params(void **state)
{
    fixture *f = *state;
    f->record.forced_tx_bytes_max = 0;
    node_l1link *l = start(f, f->url);
    node_l1link_status s;
    uint64_t until = test_now_ms() + 10000;
    do {
        test_sleep_ms(20);
        node_l1link_status_get(l, &s);
    } while (s.failures_consecutive < 1 && test_now_ms() < until);
    assert_non_null(strstr(s.last_error, "does not match L1"));
    assert_false(s.verified);
    node_l1link_free(l);
}

/* What the store holds is reported before the first poll. */
static void test_stored_state(void **state)
{
    fixture *f = *state;
    store_l1_batch b;
    memset(&b, 0, sizeof b);
    b.first_height = 1;
    b.last_height = 9;
    b.l1_block = 4;
    store_l1_change c = {.batches = &b, .batch_count = 1, .cursor_number = 6};
    memset(c.cursor_hash.b, 0x66, SEQ_HASH_BYTES);
    assert_int_equal(store_l1_apply(f->s, &c), SEQ_OK);
    store_l1_origin o = {.number = 5, .timestamp = 1234};
    memset(o.hash.b, 0x55, SEQ_HASH_BYTES);
    assert_int_equal(store_l1_origins_put(f->s, &o, 1, 0), SEQ_OK);
    node_l1link *l = start(f, f->url);
    node_l1link_status s;
    node_l1link_status_get(l, &s);
    assert_true(s.has_origin);
    assert_int_equal(s.origin_number, 5);
    assert_int_equal(s.origin_timestamp, 1234);
    assert_int_equal(s.origin_mismatches, 0);
    assert_true(s.has_cursor);
    assert_int_equal(s.cursor, 6);
    assert_int_equal(s.cursor_hash.b[0], 0x66);
    assert_true(s.has_batch);
    assert_int_equal(s.last_batch.last_height, 9);
    node_l1link_free(l);
}

/* ------------------------------------------------------------- origins */

/* The stored origins first..last are the fake chain's blocks as it is now. */
static bool origins_match(fixture *f, uint64_t first, uint64_t last)
{
    for (uint64_t n = first; n <= last; n++) {
        store_l1_origin o;
        seq_hash want = fake_hash(n);
        if (store_l1_get_origin(f->s, &o, n) != SEQ_OK || !seq_hash_equal(&o.hash, &want) ||
            o.timestamp != FAKE_TIME_0 + 12 * n)
            return false;
    }
    return true;
}

static void expect_no_origin(fixture *f, uint64_t number)
{
    store_l1_origin o;
    assert_int_equal(store_l1_get_origin(f->s, &o, number), SEQ_ERR_NOT_FOUND);
}

/* Waits (20 s at most) until the link's cursor and newest origin are at
 * number, that origin is the fake chain's, it counted at least reorgs
 * reorgs, and the last turn succeeded (the origin is reported during a
 * turn, ok after it); returns the status. */
static node_l1link_status wait_origin(fixture *f, node_l1link *l, uint64_t number, uint64_t reorgs)
{
    node_l1link_status s;
    uint64_t until = test_now_ms() + 20000;
    bool done;
    do {
        test_sleep_ms(20);
        node_l1link_status_get(l, &s);
        done = s.ok && s.has_cursor && s.cursor == number && s.has_origin &&
               s.origin_number == number && s.reorgs >= reorgs && origins_match(f, number, number);
    } while (!done && test_now_ms() < until);
    if (!done)
        fail_msg("want origin %llu: cursor %llu, origin %llu (%d), reorgs %llu, error \"%s\"",
                 (unsigned long long)number, (unsigned long long)s.cursor,
                 (unsigned long long)s.origin_number, s.has_origin, (unsigned long long)s.reorgs,
                 s.last_error);
    return s;
}

/* Waits (20 s at most) until the link counted mismatches turns whose
 * headers did not chain. */
static node_l1link_status wait_mismatches(node_l1link *l, uint64_t mismatches)
{
    node_l1link_status s;
    uint64_t until = test_now_ms() + 20000;
    do {
        test_sleep_ms(20);
        node_l1link_status_get(l, &s);
    } while (s.origin_mismatches < mismatches && test_now_ms() < until);
    if (s.origin_mismatches < mismatches)
        fail_msg("want %llu mismatches, have %llu, error \"%s\"", (unsigned long long)mismatches,
                 (unsigned long long)s.origin_mismatches, s.last_error);
    return s;
}

/* The table fills from the deployment block up to the cursor (head -
 * confirmations), follows it, and after a long jump holds the newest
 * NODE_L1LINK_ORIGINS_FETCH_MAX with everything older than
 * NODE_L1LINK_ORIGINS_KEEP below the cursor pruned. */
static void test_origins_follow(void **state)
{
    fixture *f = *state;
    fake_start(f, 40);
    node_l1link *l = start(f, f->url);
    node_l1link_status s = wait_origin(f, l, 39, 0);
    assert_int_equal(s.origin_timestamp, FAKE_TIME_0 + 12 * 39);
    assert_int_equal(s.origin_mismatches, 0);
    assert_true(origins_match(f, 1, 39));
    expect_no_origin(f, 0); /* below the deployment */

    fake_set_head(45);
    wait_origin(f, l, 44, 0);
    assert_true(origins_match(f, 1, 44));

    uint64_t top = NODE_L1LINK_ORIGINS_KEEP + 175;
    fake_set_head(top + 1);
    wait_origin(f, l, top, 0);
    uint64_t window = top - NODE_L1LINK_ORIGINS_FETCH_MAX + 1;
    assert_true(origins_match(f, window, top));
    expect_no_origin(f, window - 1);
    for (uint64_t n = 1; n <= 44; n++)
        expect_no_origin(f, n); /* below the cursor - NODE_L1LINK_ORIGINS_KEEP */
    node_l1link_status_get(l, &s);
    assert_int_equal(s.origin_mismatches, 0);
    node_l1link_free(l);
}

/* A reorg: the follower's rewind drops the origins above the common
 * ancestor at once; while the new chain's headers do not chain (a block
 * in it broken) nothing is stored, and once they do the table refills
 * with the new chain's blocks. */
static void test_origins_reorg(void **state)
{
    fixture *f = *state;
    fake_start(f, 40);
    node_l1link *l = start(f, f->url);
    wait_origin(f, l, 39, 0);
    fake_set_head(45); /* the follower remembers 40 and 44 */
    wait_origin(f, l, 44, 0);

    fake_break(43); /* first: a turn between the two must not see the new fork whole */
    fake_reorg(42, 1);
    node_l1link_status s = wait_mismatches(l, 1);
    assert_true(s.reorgs >= 1);
    assert_true(s.has_origin);
    assert_int_equal(s.origin_number, 40); /* the ancestor */
    for (uint64_t n = 41; n <= 44; n++)
        expect_no_origin(f, n);
    assert_true(origins_match(f, 1, 40));

    fake_break(0);
    wait_origin(f, l, 44, 1);
    assert_true(origins_match(f, 1, 44));
    store_l1_origin o;
    assert_int_equal(store_l1_get_origin(f->s, &o, 43), SEQ_OK);
    assert_int_equal(o.hash.b[8], 1); /* the new fork's */
    node_l1link_free(l);
}

/* Headers that do not chain up to the cursor store nothing, every turn,
 * while the turn itself succeeds. */
static void test_origins_unlinked(void **state)
{
    fixture *f = *state;
    fake_start(f, 40);
    fake_break(20);
    node_l1link *l = start(f, f->url);
    node_l1link_status s = wait_mismatches(l, 2);
    assert_true(s.has_cursor);
    assert_int_equal(s.cursor, 39);
    assert_false(s.has_origin);
    store_l1_origin o;
    assert_int_equal(store_l1_last_origin(f->s, &o), SEQ_ERR_NOT_FOUND);
    fake_break(0);
    wait_origin(f, l, 39, 0);
    assert_true(origins_match(f, 1, 39));
    node_l1link_free(l);
}

/* A stored tail the cursor's chain does not continue is replaced by the
 * window fetched again; and if the origin below the window does not link
 * either, everything below the window goes. */
static void test_origins_stale(void **state)
{
    fixture *f = *state;
    fake_start(f, 40);
    /* Stored as if by an earlier run: cursor 30 (the fake's), origins
     * 25..30 of another fork. */
    store_l1_change c = {.cursor_number = 30, .cursor_hash = fake_hash(30)};
    assert_int_equal(store_l1_apply(f->s, &c), SEQ_OK);
    store_l1_origin o[256];
    for (uint64_t n = 25; n <= 30; n++)
        o[n - 25] = (store_l1_origin){.number = n, .hash = fake_hash(n), .timestamp = 1};
    for (size_t i = 0; i < 6; i++)
        o[i].hash.b[8] = 7;
    assert_int_equal(store_l1_origins_put(f->s, o, 6, 0), SEQ_OK);
    node_l1link *l = start(f, f->url);
    wait_origin(f, l, 39, 0);
    assert_true(origins_match(f, 1, 39));
    node_l1link_free(l);

    /* Cursor 200, origins 100..200 stale: the window (147..210) replaces
     * them, and 146 does not link to it, so 1..146 go. */
    c = (store_l1_change){.cursor_number = 200, .cursor_hash = fake_hash(200)};
    assert_int_equal(store_l1_apply(f->s, &c), SEQ_OK);
    for (uint64_t n = 100; n <= 200; n++) {
        o[n - 100] = (store_l1_origin){.number = n, .hash = fake_hash(n), .timestamp = 1};
        o[n - 100].hash.b[8] = 7;
    }
    assert_int_equal(store_l1_origins_put(f->s, o, 101, 0), SEQ_OK);
    fake_set_head(211);
    l = start(f, f->url);
    wait_origin(f, l, 210, 0);
    uint64_t window = 210 - NODE_L1LINK_ORIGINS_FETCH_MAX + 1;
    assert_true(origins_match(f, window, 210));
    expect_no_origin(f, window - 1);
    expect_no_origin(f, 100);
    expect_no_origin(f, 39);
    node_l1link_free(l);
}

static void test_refused(void **state)
{
    fixture *f = *state;
    node_l1link_config c = {.rpc_url = "ftp://127.0.0.1:1",
                            .record = &f->record,
                            .genesis = &f->genesis,
                            .store = f->s,
                            .poll_ms = 50};
    node_l1link *l = (node_l1link *)&c; /* must come back NULL */
    node_diag why;
    assert_int_equal(node_l1link_start(&l, &why, &c), SEQ_ERR_INVALID_ARG);
    assert_null(l);
    assert_non_null(strstr(why.text, "ftp://"));
    /* No link: a zero status, and free is a no-op. */
    node_l1link_status s;
    memset(&s, 0xff, sizeof s);
    node_l1link_status_get(NULL, &s);
    assert_false(s.enabled);
    assert_int_equal(s.polls, 0);
    node_l1link_free(NULL);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    seq_log_configure(SEQ_LOG_ERROR, SEQ_LOG_TEXT, NULL);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_dead_endpoint, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_params, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stored_state, setup, teardown),
        cmocka_unit_test_setup_teardown(test_origins_follow, setup, teardown),
        cmocka_unit_test_setup_teardown(test_origins_reorg, setup, teardown),
        cmocka_unit_test_setup_teardown(test_origins_unlinked, setup, teardown),
        cmocka_unit_test_setup_teardown(test_origins_stale, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refused, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
