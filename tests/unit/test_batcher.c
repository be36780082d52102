/* The batcher (node/batcher.c) on its own, without a real L1: a store
 * holding a committed chain, time passed in, and an RPC client pointed
 * either at a closed local port (every call fails at once) or at a small
 * fake L1 in a thread (the L1 block of the last batch; estimateGas failing,
 * reverting or passing; enough of the rest for the tx manager to send).
 * Setup refusals; batch 0 formed once enough blocks are committed, its data
 * re-derived independently (whole-payload encoder, compressor, decoder) and
 * its stored attestation verified; the same statement formed by another
 * member on another store; peers' attestations counted only when valid and
 * matching; the poster's turn, the quorum, posts that fail, are refused
 * (named) or are sent once, and the turn moving on; the next deadline; the
 * counters of batches seen on L1; the next batch after a committee or a
 * forceAdvance batch is stored from L1, closing by time only after the L1
 * time of the last batch, and waiting while that L1 block cannot be read; a
 * restart reusing the stored attestation, and refusing to sign a second
 * one. */
/* cmocka needs these headers before its own, in this order. */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include <jansson.h>
#include <stdatomic.h>

#include <sodium.h>

#include "../../node/internal.h"
#include "fake_rpc.h"
#include "l1.h"
#include "node.h"
#include "test_files.h"

#define MEMBERS       4u
#define CHAIN_MAX     16u
#define TXS_MAX       3u
#define TX_BYTES_MAX  64u
#define BATCH_BLOCKS  5u
#define POSTER_MS     10000u
#define T0            1000000u /* now_ms of the first step */
#define DEAD_URL      "http://127.0.0.1:1"
#define DECODE_ARENA  (1u << 20)
#define OUTSIDER_BYTE 0x09 /* the key of a non-member */
#define L1_BLOCK_BYTE 0x80 /* the L1 block hash of every batch stored here */

/* ---------------------------------------------------------------- chain */

/* Block h (1..CHAIN_MAX) holds h % 3 txs; blocks 3 and up carry forced
 * cursor 1, so batch 0's cursor is its last block's. */
typedef struct {
    seq_block_header header;
    seq_hash hash;
    size_t tx_count;
    seq_bytes txs[TXS_MAX];
    uint8_t bytes[TXS_MAX][TX_BYTES_MAX];
} tblock;

static tblock chain[CHAIN_MAX + 1]; /* [h] is height h; [0] unused */

static void chain_build(void)
{
    seq_hash parent;
    memset(&parent, 0, sizeof parent);
    for (uint64_t h = 1; h <= CHAIN_MAX; h++) {
        tblock *b = &chain[h];
        memset(b, 0, sizeof *b);
        b->tx_count = (size_t)(h % 3);
        seq_hash hashes[TXS_MAX];
        for (size_t j = 0; j < b->tx_count; j++) {
            size_t len = 20 + (size_t)h + j;
            for (size_t k = 0; k < len; k++)
                b->bytes[j][k] = (uint8_t)(h * 31 + j * 7 + k);
            b->txs[j] = (seq_bytes){.ptr = b->bytes[j], .len = len};
            l1_keccak256(&hashes[j], b->bytes[j], len);
        }
        seq_block_header *hd = &b->header;
        *hd = (seq_block_header){.l2_chain_id = 901,
                                 .height = h,
                                 .view = h + 1,
                                 .parent_hash = parent,
                                 .l1_origin_number = 77,
                                 .forced_cursor = h >= 3 ? 1 : 0,
                                 .timestamp_ms = 1000 * h};
        l1_merkle_root(&hd->tx_root, hashes, b->tx_count);
        memset(hd->l1_origin_hash.b, 0x77, SEQ_HASH_BYTES);
        memset(hd->proposer.b, 0xaa, SEQ_ADDR_BYTES);
        l1_block_hash(&b->hash, hd);
        parent = b->hash;
    }
}

/* Stores and commits blocks from..to (the tip must be from - 1). */
static void commit_range(store *s, uint64_t from, uint64_t to)
{
    cons_block blocks[CHAIN_MAX], commits[CHAIN_MAX];
    size_t n = 0;
    assert_true(from >= 1 && to <= CHAIN_MAX && from <= to);
    for (uint64_t h = from; h <= to; h++, n++) {
        const tblock *b = &chain[h];
        blocks[n] =
            (cons_block){.hash = b->hash,
                         .block = {.header = b->header, .tx_count = b->tx_count, .txs = b->txs}};
        commits[n] = (cons_block){.hash = b->hash, .block = {.header = b->header}};
    }
    cons_update u = {.block_count = n, .blocks = blocks, .commit_count = n, .commits = commits};
    assert_int_equal(store_apply(s, &u), SEQ_OK);
}

static uint64_t txs_in(uint64_t first, uint64_t last)
{
    uint64_t n = 0;
    for (uint64_t h = first; h <= last; h++)
        n += chain[h].tx_count;
    return n;
}

/* ------------------------------------------------------------- fake L1 */

/* How the fake answers eth_estimateGas. */
typedef enum {
    ESTIMATE_FAIL = 0, /* a JSON-RPC error that is no revert */
    ESTIMATE_REVERT,   /* execution reverted with the Inbox's BadIndex */
    ESTIMATE_OK,       /* 21000 gas */
} estimate_mode;

#define FAKE_BODY_BYTES 1024u

/* Blocks have hash block_byte repeated and timestamp block_seconds. */
static struct {
    fake_rpc server;
    atomic_int block_byte;
    atomic_uint_fast64_t block_seconds;
    atomic_int estimate;
    atomic_uint blocks_asked, estimates_asked, raw_sent;
} fake;

/* The result (JSON text) or error (JSON object text) for method. */
static void fake_answer(char *result, char *error, const char *method, const json_t *params)
{
    result[0] = error[0] = '\0';
    if (strcmp(method, "eth_getBlockByNumber") == 0) {
        atomic_fetch_add(&fake.blocks_asked, 1);
        const char *number = json_string_value(json_array_get(params, 0));
        char hash[2 * SEQ_HASH_BYTES + 1];
        for (size_t i = 0; i < SEQ_HASH_BYTES; i++)
            snprintf(hash + 2 * i, 3, "%02x", (unsigned)atomic_load(&fake.block_byte));
        snprintf(result, FAKE_BODY_BYTES,
                 "{\"number\":\"%s\",\"hash\":\"0x%s\",\"parentHash\":\"0x%064d\","
                 "\"timestamp\":\"0x%llx\",\"baseFeePerGas\":\"0x1\"}",
                 number != NULL ? number : "0x0", hash, 0,
                 (unsigned long long)atomic_load(&fake.block_seconds));
    } else if (strcmp(method, "eth_estimateGas") == 0) {
        atomic_fetch_add(&fake.estimates_asked, 1);
        estimate_mode mode = (estimate_mode)atomic_load(&fake.estimate);
        if (mode == ESTIMATE_OK) {
            snprintf(result, FAKE_BODY_BYTES, "\"0x5208\"");
        } else if (mode == ESTIMATE_REVERT) {
            uint8_t sel[4];
            l1_abi_selector(sel, "BadIndex(uint64,uint64)");
            snprintf(error, FAKE_BODY_BYTES,
                     "{\"code\":3,\"message\":\"execution reverted\",\"data\":\"0x%02x%02x%02x%02x"
                     "%064d%064d\"}",
                     sel[0], sel[1], sel[2], sel[3], 0, 0);
        } else {
            snprintf(error, FAKE_BODY_BYTES, "{\"code\":-32000,\"message\":\"out of luck\"}");
        }
    } else if (strcmp(method, "eth_call") == 0) {
        snprintf(result, FAKE_BODY_BYTES, "\"0x%064d\"", 0); /* forcedAccAt */
    } else if (strcmp(method, "eth_getTransactionCount") == 0 ||
               strcmp(method, "eth_maxPriorityFeePerGas") == 0) {
        snprintf(result, FAKE_BODY_BYTES, "\"0x1\"");
    } else if (strcmp(method, "eth_blockNumber") == 0) {
        snprintf(result, FAKE_BODY_BYTES, "\"0x20\"");
    } else if (strcmp(method, "eth_feeHistory") == 0) {
        snprintf(result, FAKE_BODY_BYTES,
                 "{\"oldestBlock\":\"0x1f\",\"baseFeePerGas\":[\"0x1\",\"0x1\"],"
                 "\"gasUsedRatio\":[0.5],\"reward\":[[\"0x1\"]]}");
    } else if (strcmp(method, "eth_sendRawTransaction") == 0) {
        atomic_fetch_add(&fake.raw_sent, 1);
        snprintf(error, FAKE_BODY_BYTES, "{\"code\":-32000,\"message\":\"already known\"}");
    } else if (strcmp(method, "eth_getTransactionReceipt") == 0) {
        snprintf(result, FAKE_BODY_BYTES, "null");
    } else {
        snprintf(error, FAKE_BODY_BYTES, "{\"code\":-32601,\"message\":\"no such method\"}");
    }
}

/* Answers a request read whole with fake_answer, as a JSON-RPC response
 * under HTTP 200; closes without answering anything else. */
static void fake_serve(fake_rpc *server, int conn, const fake_rpc_request *request)
{
    (void)server;
    if (request->doc == NULL)
        return;
    char result[FAKE_BODY_BYTES], error[FAKE_BODY_BYTES], body[3 * FAKE_BODY_BYTES];
    fake_answer(result, error, request->method, json_object_get(request->doc, "params"));
    if (error[0] != '\0')
        snprintf(body, sizeof body, "{\"jsonrpc\":\"2.0\",\"id\":%lld,\"error\":%s}", request->id,
                 error);
    else
        snprintf(body, sizeof body, "{\"jsonrpc\":\"2.0\",\"id\":%lld,\"result\":%s}", request->id,
                 result);
    fake_rpc_respond(conn, "200 OK", body);
}

static void fake_start(void)
{
    atomic_store(&fake.block_byte, L1_BLOCK_BYTE);
    atomic_store(&fake.block_seconds, 1);
    atomic_store(&fake.estimate, ESTIMATE_FAIL);
    atomic_store(&fake.blocks_asked, 0);
    atomic_store(&fake.estimates_asked, 0);
    atomic_store(&fake.raw_sent, 0);
    assert_true(fake_rpc_start(&fake.server, fake_serve, NULL));
}

/* ------------------------------------------------------------- fixture */

typedef struct {
    char *root;
    seq_hash genesis_hash;
    node_genesis genesis;
    node_l1_record record;
    uint8_t keys[MEMBERS][32];
    uint8_t outsider[32];
    seq_addr outsider_address;
    seq_hash domain;
    l1_rpc *dead, *live;
    l1_rpc *rpc; /* what the next batcher gets: dead, or live once fake_use */
    store *stores[2];
    unsigned txmgr_dirs; /* a fresh tx manager directory per batcher */
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    f->root = tf_mkdtemp();
    l1_keccak256(&f->genesis_hash, (const uint8_t *)"genesis", 7);
    node_genesis_defaults(&f->genesis);
    node_genesis *g = &f->genesis;
    g->l1_chain_id = 31337;
    g->l2_chain_id = 901;
    g->validator_count = MEMBERS;
    for (size_t i = 0; i < MEMBERS; i++) {
        memset(f->keys[i], (int)(i + 1), 32);
        assert_int_equal(l1_secp_address(&g->validators[i].address, f->keys[i]), SEQ_OK);
        g->validators[i].weight = 1;
    }
    memset(f->outsider, OUTSIDER_BYTE, sizeof f->outsider);
    assert_int_equal(l1_secp_address(&f->outsider_address, f->outsider), SEQ_OK);
    g->batch.max_blocks = BATCH_BLOCKS;
    g->batch.max_span_ms = 1000000000u; /* never the bound here */
    g->batch.poster_timeout_ms = POSTER_MS;
    g->l1.has_committee_address = true;
    memset(g->l1.committee_address.b, 0xc0, SEQ_ADDR_BYTES);
    node_genesis_domain_separator(&f->domain, g);
    f->record.l1_chain_id = 31337;
    f->record.l2_chain_id = 901;
    f->record.genesis_hash = f->genesis_hash;
    memset(f->record.committee.b, 0xc0, SEQ_ADDR_BYTES);
    memset(f->record.inbox.b, 0x1b, SEQ_ADDR_BYTES);
    l1_rpc_options o;
    l1_rpc_options_default(&o);
    o.retries = 0;
    o.connect_timeout_ms = 500;
    o.timeout_ms = 1000;
    assert_int_equal(l1_rpc_new(&f->dead, DEAD_URL, &o), SEQ_OK);
    f->rpc = f->dead;
    for (size_t i = 0; i < 2; i++) {
        char dir[TF_PATH_BYTES];
        snprintf(dir, sizeof dir, "%s/data%zu", f->root, i);
        assert_int_equal(store_open(&f->stores[i], dir, &f->genesis_hash, NULL), SEQ_OK);
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    for (size_t i = 0; i < 2; i++)
        store_close(f->stores[i]);
    l1_rpc_free(f->dead);
    l1_rpc_free(f->live);
    fake_rpc_stop(&fake.server);
    tf_rmtree(f->root);
    free(f->root);
    free(f);
    return 0;
}

/* Batchers made from now on talk to a fresh fake L1. */
static void fake_use(fixture *f)
{
    fake_start();
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%u", (unsigned)fake.server.port);
    l1_rpc_options o;
    l1_rpc_options_default(&o);
    o.retries = 0;
    o.connect_timeout_ms = 1000;
    o.timeout_ms = 3000;
    assert_int_equal(l1_rpc_new(&f->live, url, &o), SEQ_OK);
    f->rpc = f->live;
}

static seq_err batcher_try(fixture *f, node_batcher **out, node_diag *why, store *s, size_t self,
                           const uint8_t *key)
{
    char dir[TF_PATH_BYTES];
    snprintf(dir, sizeof dir, "%s/tx%u", f->root, f->txmgr_dirs++);
    node_batcher_config c = {.genesis = &f->genesis,
                             .record = &f->record,
                             .store = s,
                             .rpc = f->rpc,
                             .key = key,
                             .self_index = self,
                             .txmgr_dir = dir};
    return node_batcher_new(out, why, &c);
}

static node_batcher *batcher(fixture *f, store *s, size_t self)
{
    node_batcher *b = NULL;
    node_diag why;
    assert_int_equal(batcher_try(f, &b, &why, s, self, f->keys[self]), SEQ_OK);
    assert_non_null(b);
    return b;
}

static node_batcher_status status(const node_batcher *b)
{
    node_batcher_status s;
    node_batcher_status_get(b, &s);
    return s;
}

static void step(node_batcher *b, uint64_t now_ms)
{
    assert_int_equal(node_batcher_step(b, now_ms), SEQ_OK);
}

/* The attestation stored for index (this node's own). */
static wire_attestation stored(store *s, uint64_t index)
{
    wire_attestation a;
    assert_int_equal(store_attestation_get(s, &a, index), SEQ_OK);
    return a;
}

static void digest_of(const fixture *f, seq_hash *out, const seq_attestation_stmt *stmt)
{
    seq_hash h;
    l1_eip712_attestation_hash(&h, stmt);
    l1_eip712_digest(out, &f->domain, &h);
}

/* stmt signed with key, claiming signer. */
static wire_attestation signed_by(const fixture *f, const seq_attestation_stmt *stmt,
                                  const uint8_t *key, const seq_addr *signer)
{
    wire_attestation a = {.stmt = *stmt, .signer = *signer};
    seq_hash d;
    digest_of(f, &d, stmt);
    assert_int_equal(l1_secp_sign(&a.sig, key, &d), SEQ_OK);
    return a;
}

static wire_attestation member_signed(const fixture *f, const seq_attestation_stmt *stmt,
                                      size_t member)
{
    return signed_by(f, stmt, f->keys[member], &f->genesis.validators[member].address);
}

/* batch 0 (blocks 1..5) formed on f->stores[i] by a batcher of self. */
static node_batcher *formed(fixture *f, size_t i, size_t self)
{
    commit_range(f->stores[i], 1, 7);
    node_batcher *b = batcher(f, f->stores[i], self);
    step(b, T0);
    node_batcher_status s = status(b);
    assert_true(s.has_batch);
    assert_int_equal(s.index, 0);
    return b;
}

/* ----------------------------------------------------------------- new */

static void test_new(void **state)
{
    fixture *f = *state;
    node_batcher *b = (node_batcher *)f; /* must come back NULL */
    node_diag why;
    f->genesis.l1.has_committee_address = false;
    assert_int_equal(batcher_try(f, &b, &why, f->stores[0], 0, f->keys[0]), SEQ_ERR_INVALID_ARG);
    assert_null(b);
    assert_non_null(strstr(why.text, "committee_address"));
    f->genesis.l1.has_committee_address = true;

    b = (node_batcher *)f;
    assert_int_equal(batcher_try(f, &b, &why, f->stores[0], MEMBERS, f->keys[0]),
                     SEQ_ERR_INVALID_ARG);
    assert_null(b);
    assert_non_null(strstr(why.text, "not a committee member"));

    /* Member 1's key given as member 0's, and a key of no member. */
    b = (node_batcher *)f;
    assert_int_equal(batcher_try(f, &b, &why, f->stores[0], 0, f->keys[1]), SEQ_ERR_INVALID_ARG);
    assert_null(b);
    assert_non_null(strstr(why.text, "key"));
    assert_int_equal(batcher_try(f, &b, &why, f->stores[0], 2, f->outsider), SEQ_ERR_INVALID_ARG);
    assert_null(b);

    b = batcher(f, f->stores[0], 2);
    node_batcher_status s = status(b);
    assert_true(s.enabled);
    assert_false(s.has_batch);
    assert_int_equal(s.quorum_weight, 3); /* > 2/3 of 4 */
    assert_int_equal(s.batches_formed, 0);
    assert_string_equal(s.last_error, "");
    node_batcher_free(b);
    node_batcher_free(NULL);
}

/* ---------------------------------------------------------------- form */

static void test_no_blocks(void **state)
{
    fixture *f = *state;
    node_batcher *b = batcher(f, f->stores[0], 0);
    step(b, T0);
    step(b, T0 + POSTER_MS * 3);
    node_batcher_status s = status(b);
    assert_false(s.has_batch);
    assert_int_equal(s.batches_formed, 0);
    assert_int_equal(s.attestations_signed, 0);
    assert_string_equal(s.last_error, "");
    assert_int_equal(node_batcher_next_ms(b, T0), UINT64_MAX);
    assert_int_equal(node_batcher_poll(b, T0), SEQ_OK);
    wire_attestation a;
    assert_int_equal(store_attestation_get(f->stores[0], &a, 0), SEQ_ERR_NOT_FOUND);
    node_batcher_free(b);
}

/* The batch data as the encoder of whole payloads makes it from blocks
 * first..last of the test chain. */
static size_t data_of(uint8_t *data, size_t *payload_len, uint64_t first, uint64_t last)
{
    l1_batch_block blocks[CHAIN_MAX];
    size_t n = 0;
    for (uint64_t h = first; h <= last; h++, n++)
        blocks[n] = (l1_batch_block){
            .header = chain[h].header, .tx_count = chain[h].tx_count, .txs = chain[h].txs};
    uint8_t *payload = malloc(L1_BATCH_DATA_BYTES_MAX);
    assert_non_null(payload);
    assert_int_equal(
        l1_batch_payload_encode(payload, L1_BATCH_DATA_BYTES_MAX, payload_len, blocks, n), SEQ_OK);
    size_t len = 0;
    assert_int_equal(l1_batch_compress(data, L1_BATCH_DATA_BYTES_MAX, &len, payload, *payload_len),
                     SEQ_OK);
    free(payload);
    return len;
}

static void test_form(void **state)
{
    fixture *f = *state;
    store *st = f->stores[0];
    node_batcher *b = batcher(f, st, 0);

    /* 3 of 5 blocks: the batch stays open, nothing is signed. */
    commit_range(st, 1, 3);
    step(b, T0);
    node_batcher_status s = status(b);
    assert_false(s.has_batch);
    assert_int_equal(s.batches_formed, 0);
    assert_int_equal(node_batcher_next_ms(b, T0), UINT64_MAX);
    wire_attestation a;
    assert_int_equal(store_attestation_get(st, &a, 0), SEQ_ERR_NOT_FOUND);
    step(b, T0 + 1); /* the same tip again */
    assert_false(status(b).has_batch);

    /* 7 blocks: batch 0 takes the first 5. */
    commit_range(st, 4, 7);
    step(b, T0 + 10);
    s = status(b);
    assert_true(s.has_batch);
    assert_int_equal(s.index, 0);
    assert_int_equal(s.first_height, 1);
    assert_int_equal(s.last_height, 5);
    assert_int_equal(s.forced_cursor, 1);
    assert_int_equal(s.block_count, 5);
    assert_int_equal(s.tx_count, txs_in(1, 5));
    assert_true(s.data_bytes > 0);
    assert_int_equal(s.batches_formed, 1);
    assert_int_equal(s.attestations_signed, 1);
    assert_int_equal(s.attestations, 1); /* its own */
    assert_int_equal(s.attested_weight, 1);
    assert_int_equal(s.poster, 0);
    assert_int_equal(s.attempt, 0);
    assert_int_equal(s.waiting_ms, 0);
    assert_string_equal(s.last_error, "");

    /* The stored attestation: this member's valid signature. */
    a = stored(st, 0);
    assert_true(seq_addr_equal(&a.signer, &f->genesis.validators[0].address));
    assert_int_equal(a.stmt.l2_chain_id, 901);
    assert_int_equal(a.stmt.index, 0);
    seq_hash zero;
    memset(&zero, 0, sizeof zero);
    assert_memory_equal(a.stmt.prev_batch_hash.b, zero.b, SEQ_HASH_BYTES);
    assert_int_equal(a.stmt.first_height, 1);
    assert_int_equal(a.stmt.last_height, 5);
    assert_int_equal(a.stmt.forced_cursor, 1);
    seq_hash d;
    digest_of(f, &d, &a.stmt);
    assert_int_equal(l1_secp_verify(&a.sig, &d, &a.signer), SEQ_OK);

    /* The data, re-derived with the whole-payload encoder. */
    uint8_t *data = malloc(L1_BATCH_DATA_BYTES_MAX);
    assert_non_null(data);
    size_t payload_len = 0, len = data_of(data, &payload_len, 1, 5);
    assert_int_equal(s.data_bytes, len);
    assert_int_equal(s.payload_bytes, payload_len);
    seq_hash want;
    l1_keccak256(&want, data, len);
    assert_memory_equal(a.stmt.data_hash.b, want.b, SEQ_HASH_BYTES);
    /* ... and it decodes to the chain's blocks 1..5. */
    uint8_t *mem = malloc(DECODE_ARENA);
    assert_non_null(mem);
    seq_arena arena;
    seq_arena_init(&arena, mem, DECODE_ARENA);
    l1_batch batch;
    assert_int_equal(l1_batch_decode(&batch, &arena, data, len), SEQ_OK);
    assert_int_equal(batch.block_count, 5);
    for (size_t i = 0; i < 5; i++)
        assert_memory_equal(batch.hashes[i].b, chain[i + 1].hash.b, SEQ_HASH_BYTES);
    free(mem);
    free(data);

    /* The next deadline: the rebroadcast (before the turn moves). */
    uint64_t next = node_batcher_next_ms(b, T0 + 10);
    assert_true(next <= T0 + 10 + POSTER_MS);
    assert_true(next <= T0 + 10 + NODE_BATCHER_REBROADCAST_MS);
    assert_int_equal(next, T0 + 10 + NODE_BATCHER_REBROADCAST_MS);
    step(b, next); /* rebroadcasts (to no one) */
    assert_int_equal(node_batcher_next_ms(b, next), next + NODE_BATCHER_REBROADCAST_MS);
    /* Near the turn's end the turn is next. */
    uint64_t late = T0 + 10 + POSTER_MS - 1;
    step(b, late);
    assert_int_equal(node_batcher_next_ms(b, late), T0 + 10 + POSTER_MS);
    s = status(b);
    assert_int_equal(s.attempt, 0);
    assert_int_equal(s.waiting_ms, POSTER_MS - 1);
    assert_int_equal(s.batches_formed, 1);
    assert_int_equal(s.attestations_signed, 1);                           /* never signed again */
    assert_int_equal(s.posts_failed + s.posts_refused + s.posts_sent, 0); /* no quorum */
    assert_int_equal(node_batcher_poll(b, late), SEQ_OK);
    node_batcher_free(b);
}

/* Two members on two stores holding the same chain form one statement:
 * each counts the other's attestation (only exact matches count). */
static void test_determinism(void **state)
{
    fixture *f = *state;
    node_batcher *b0 = formed(f, 0, 0);
    node_batcher *b1 = formed(f, 1, 1);
    wire_attestation a0 = stored(f->stores[0], 0), a1 = stored(f->stores[1], 0);
    assert_memory_equal(&a0.stmt, &a1.stmt, sizeof a0.stmt);
    assert_true(seq_addr_equal(&a1.signer, &f->genesis.validators[1].address));
    node_batcher_status s0 = status(b0), s1 = status(b1);
    assert_int_equal(s0.data_bytes, s1.data_bytes);
    assert_int_equal(s0.payload_bytes, s1.payload_bytes);
    assert_int_equal(s1.poster, 0);

    node_batcher_offer(b1, 0, &a0);
    node_batcher_offer(b0, 1, &a1);
    step(b0, T0 + 1);
    step(b1, T0 + 1);
    s0 = status(b0);
    s1 = status(b1);
    assert_int_equal(s0.attestations, 2);
    assert_int_equal(s0.attested_weight, 2);
    assert_int_equal(s1.attestations, 2);
    assert_int_equal(s1.attestations_received, 1);
    assert_int_equal(s1.attestations_rejected, 0);
    node_batcher_free(b0);
    node_batcher_free(b1);
}

/* -------------------------------------------------------------- offers */

static void test_offers(void **state)
{
    fixture *f = *state;
    node_batcher *b = formed(f, 0, 1); /* not batch 0's first poster */
    const seq_attestation_stmt stmt = stored(f->stores[0], 0).stmt;

    /* Invalid: rejected. Each comes from its own peer slot: the inbox
     * keeps one attestation per sending peer. */
    wire_attestation bad = member_signed(f, &stmt, 2);
    bad.sig.b[5] ^= 0x01; /* a broken signature */
    node_batcher_offer(b, 10, &bad);
    bad = member_signed(f, &stmt, 2);
    bad.signer = f->genesis.validators[3].address; /* 2's signature claimed as 3's */
    node_batcher_offer(b, 11, &bad);
    bad = signed_by(f, &stmt, f->outsider, &f->outsider_address); /* no member */
    node_batcher_offer(b, 12, &bad);
    bad = signed_by(f, &stmt, f->outsider, &f->genesis.validators[2].address);
    node_batcher_offer(b, 13, &bad);
    seq_attestation_stmt other = stmt;
    other.l2_chain_id = 902; /* another chain, validly signed */
    bad = member_signed(f, &other, 2);
    node_batcher_offer(b, 14, &bad);
    other = stmt;
    other.first_height = other.last_height + 1; /* an empty range */
    bad = member_signed(f, &other, 2);
    node_batcher_offer(b, 15, &bad);
    /* Valid but another statement: received, not counted. */
    other = stmt;
    other.data_hash.b[0] ^= 0xff;
    wire_attestation different = member_signed(f, &other, 3);
    node_batcher_offer(b, 3, &different);
    step(b, T0 + 1);
    node_batcher_status s = status(b);
    assert_int_equal(s.attestations_received, 7);
    assert_int_equal(s.attestations_rejected, 6);
    assert_int_equal(s.attestations, 1);
    assert_int_equal(s.attested_weight, 1);

    /* A matching one counts, once however often it comes. */
    wire_attestation good = member_signed(f, &stmt, 2);
    node_batcher_offer(b, 2, &good);
    node_batcher_offer(b, 0, &good);
    step(b, T0 + 2);
    s = status(b);
    assert_int_equal(s.attestations_received, 9);
    assert_int_equal(s.attestations_rejected, 6);
    assert_int_equal(s.attestations, 2);
    assert_int_equal(s.attested_weight, 2);

    /* Member 3 replaces its other statement with this one: a quorum, but
     * not this node's turn (member 0's): nothing is attempted. */
    wire_attestation good3 = member_signed(f, &stmt, 3);
    node_batcher_offer(b, 3, &good3);
    step(b, T0 + 3);
    s = status(b);
    assert_int_equal(s.attestations, 3);
    assert_int_equal(s.attested_weight, 3);
    assert_int_equal(s.poster, 0);
    assert_int_equal(s.posts_sent + s.posts_failed + s.posts_refused, 0);
    assert_string_equal(s.last_error, "");

    /* A peer flooding between two steps takes only its own slot: the
     * last one is read, the others are dropped and counted; another
     * peer's is not pushed out. */
    for (size_t i = 0; i < NODE_BATCHER_INBOX_MAX + 10; i++)
        node_batcher_offer(b, 2, &good);
    node_batcher_offer(b, 3, &good3);
    step(b, T0 + 4);
    s = status(b);
    assert_int_equal(s.attestations_received, 10 + 2);
    assert_int_equal(s.attestations_dropped, NODE_BATCHER_INBOX_MAX + 9);
    assert_int_equal(s.attestations, 3);
    /* A lower index than the one waiting from that peer is dropped. */
    seq_attestation_stmt older = stmt;
    older.index = stmt.index + 5;
    wire_attestation ahead = member_signed(f, &older, 2);
    node_batcher_offer(b, 2, &ahead);
    node_batcher_offer(b, 2, &good);                      /* index lower than ahead's: dropped */
    node_batcher_offer(b, NODE_BATCHER_INBOX_MAX, &good); /* no such peer slot */
    step(b, T0 + 5);
    s = status(b);
    assert_int_equal(s.attestations_received, 10 + 3);
    assert_int_equal(s.attestations_dropped, NODE_BATCHER_INBOX_MAX + 11);
    /* Member 2's latest is now for another index: it no longer counts. */
    assert_int_equal(s.attestations, 2);
    node_batcher_free(b);
}

/* ------------------------------------------------------- quorum, turn */

static void test_quorum_turn(void **state)
{
    fixture *f = *state;
    node_batcher *b = formed(f, 0, 0); /* batch 0's first poster */
    const seq_attestation_stmt stmt = stored(f->stores[0], 0).stmt;
    wire_attestation a1 = member_signed(f, &stmt, 1), a2 = member_signed(f, &stmt, 2);

    /* 2 of 4: no quorum, nothing attempted. */
    node_batcher_offer(b, 1, &a1);
    step(b, T0 + 1);
    node_batcher_status s = status(b);
    assert_int_equal(s.attestations, 2);
    assert_int_equal(s.poster, 0);
    assert_int_equal(s.posts_failed + s.posts_refused + s.posts_sent, 0);

    /* 3 of 4 in its turn: it tries to post; the dead RPC stops it. */
    node_batcher_offer(b, 2, &a2);
    step(b, T0 + 2);
    s = status(b);
    assert_int_equal(s.attestations, 3);
    assert_int_equal(s.attested_weight, 3);
    assert_int_equal(s.posts_failed + s.posts_refused, 1);
    assert_int_equal(s.posts_sent, 0);
    assert_non_null(strstr(s.last_error, "postBatch 0"));
    /* Retried after NODE_BATCHER_RETRY_MS, not before. */
    uint64_t next = node_batcher_next_ms(b, T0 + 2);
    assert_int_equal(next, T0 + 2 + NODE_BATCHER_RETRY_MS);
    step(b, T0 + 2 + NODE_BATCHER_RETRY_MS - 1);
    assert_int_equal(status(b).posts_failed + status(b).posts_refused, 1);
    step(b, T0 + 2 + NODE_BATCHER_RETRY_MS);
    s = status(b);
    assert_int_equal(s.posts_failed + s.posts_refused, 2);
    assert_int_equal(node_batcher_poll(b, T0 + 2 + NODE_BATCHER_RETRY_MS),
                     SEQ_OK); /* nothing sent */

    /* The turn moves on: member 1's, then 2's; member 0 waits. */
    step(b, T0 + POSTER_MS);
    s = status(b);
    assert_int_equal(s.attempt, 1);
    assert_int_equal(s.poster, 1);
    assert_int_equal(s.posts_failed + s.posts_refused, 2);
    step(b, T0 + 2 * POSTER_MS + 5);
    s = status(b);
    assert_int_equal(s.attempt, 2);
    assert_int_equal(s.poster, 2);
    assert_int_equal(s.posts_failed + s.posts_refused, 2);
    assert_int_equal(s.posts_failover, 0);
    /* Round the committee and back to member 0. */
    step(b, T0 + 4 * POSTER_MS);
    s = status(b);
    assert_int_equal(s.poster, 0);
    assert_int_equal(s.posts_failed + s.posts_refused, 3);
    node_batcher_free(b);
}

/* Member 1 with a quorum waits for member 0's turn to pass, then posts. */
static void test_failover_turn(void **state)
{
    fixture *f = *state;
    node_batcher *b = formed(f, 0, 1);
    const seq_attestation_stmt stmt = stored(f->stores[0], 0).stmt;
    wire_attestation a0 = member_signed(f, &stmt, 0), a2 = member_signed(f, &stmt, 2);
    node_batcher_offer(b, 0, &a0);
    node_batcher_offer(b, 2, &a2);
    step(b, T0 + 1);
    node_batcher_status s = status(b);
    assert_int_equal(s.attestations, 3);
    assert_int_equal(s.poster, 0);
    assert_int_equal(s.posts_failed + s.posts_refused + s.posts_sent, 0);
    uint64_t next = node_batcher_next_ms(b, T0 + 1);
    assert_true(next <= T0 + POSTER_MS);
    assert_true(next <= T0 + 1 + NODE_BATCHER_REBROADCAST_MS);
    step(b, T0 + POSTER_MS);
    s = status(b);
    assert_int_equal(s.attempt, 1);
    assert_int_equal(s.poster, 1);
    assert_int_equal(s.posts_failed + s.posts_refused, 1);
    assert_non_null(strstr(s.last_error, "postBatch 0"));
    node_batcher_free(b);
}

/* Member 0 in its turn with a quorum, against the fake L1: refused by the
 * Inbox (named), retried, then sent once and not again while it is open. */
static void test_post(void **state)
{
    fixture *f = *state;
    fake_use(f);
    atomic_store(&fake.estimate, ESTIMATE_REVERT);
    node_batcher *b = formed(f, 0, 0);
    const seq_attestation_stmt stmt = stored(f->stores[0], 0).stmt;
    wire_attestation a1 = member_signed(f, &stmt, 1), a3 = member_signed(f, &stmt, 3);
    node_batcher_offer(b, 1, &a1);
    node_batcher_offer(b, 3, &a3);
    step(b, T0 + 1);
    node_batcher_status s = status(b);
    assert_int_equal(s.posts_refused, 1);
    assert_int_equal(s.posts_failed, 0);
    assert_int_equal(s.posts_sent, 0);
    assert_non_null(strstr(s.last_error, "refused by the Inbox"));
    assert_non_null(strstr(s.last_error, "BadIndex(uint64,uint64)"));
    /* The name lookup on its own, on that revert: among the errors given
     * only. */
    static const char *const names[] = {"HeightGap(uint64,uint64)", "BadIndex(uint64,uint64)"};
    assert_string_equal(node_l1_revert_name(f->rpc, names, 2), "BadIndex(uint64,uint64)");
    assert_string_equal(node_l1_revert_name(f->rpc, names, 1), "");
    assert_string_equal(node_l1_revert_name(f->dead, names, 2), ""); /* never called: no data */
    step(b, T0 + 2);                                                 /* before the retry */
    assert_int_equal(atomic_load(&fake.estimates_asked), 1);
    step(b, T0 + 1 + NODE_BATCHER_RETRY_MS);
    assert_int_equal(status(b).posts_refused, 2);

    atomic_store(&fake.estimate, ESTIMATE_OK);
    step(b, T0 + 1 + 2 * NODE_BATCHER_RETRY_MS);
    s = status(b);
    assert_int_equal(s.posts_sent, 1);
    assert_int_equal(s.posts_failover, 0);
    assert_int_equal(s.posts_refused, 2);
    assert_string_equal(s.last_error, "");
    assert_true(atomic_load(&fake.raw_sent) >= 1);
    assert_int_equal(atomic_load(&fake.estimates_asked), 3);
    /* Open: not again, in this turn nor when the turn comes round. */
    step(b, T0 + 2 + 2 * NODE_BATCHER_RETRY_MS);
    step(b, T0 + 4 * POSTER_MS);
    s = status(b);
    assert_int_equal(s.poster, 0);
    assert_int_equal(s.posts_sent, 1);
    assert_int_equal(atomic_load(&fake.estimates_asked), 3);
    /* The tx manager's round: still pending, nothing counted. */
    assert_int_equal(node_batcher_poll(b, T0 + 4 * POSTER_MS), SEQ_OK);
    s = status(b);
    assert_int_equal(s.posts_reverted, 0);
    assert_int_equal(s.gas_used, 0);
    node_batcher_free(b);
}

/* Member 1 posts in the second turn: a failover post. */
static void test_post_failover(void **state)
{
    fixture *f = *state;
    fake_use(f);
    atomic_store(&fake.estimate, ESTIMATE_OK);
    node_batcher *b = formed(f, 0, 1);
    const seq_attestation_stmt stmt = stored(f->stores[0], 0).stmt;
    wire_attestation a2 = member_signed(f, &stmt, 2), a3 = member_signed(f, &stmt, 3);
    node_batcher_offer(b, 2, &a2);
    node_batcher_offer(b, 3, &a3);
    step(b, T0 + 1);
    assert_int_equal(status(b).posts_sent, 0);
    assert_int_equal(atomic_load(&fake.estimates_asked), 0);
    step(b, T0 + POSTER_MS);
    node_batcher_status s = status(b);
    assert_int_equal(s.attempt, 1);
    assert_int_equal(s.posts_sent, 1);
    assert_int_equal(s.posts_failover, 1);
    node_batcher_free(b);
}

/* ---------------------------------------------------------------- seen */

static store_l1_batch l1_batch_of(uint64_t index, uint64_t first, uint64_t last,
                                  const seq_addr *poster, uint64_t l1_block)
{
    store_l1_batch x;
    memset(&x, 0, sizeof x);
    x.index = index;
    memset(x.batch_hash.b, (int)(0x10 + index), SEQ_HASH_BYTES);
    memset(x.data_hash.b, (int)(0x40 + index), SEQ_HASH_BYTES);
    x.first_height = first;
    x.last_height = last;
    x.poster = *poster;
    x.l1_block = l1_block;
    memset(x.l1_block_hash.b, L1_BLOCK_BYTE, SEQ_HASH_BYTES);
    memset(x.l1_tx_hash.b, 0xc0, SEQ_HASH_BYTES);
    return x;
}

static void test_seen(void **state)
{
    fixture *f = *state;
    node_batcher *b = formed(f, 0, 0); /* blocks 1..7 committed */
    const seq_attestation_stmt stmt = stored(f->stores[0], 0).stmt;
    node_batcher_status formed_status = status(b);
    const seq_addr *v0 = &f->genesis.validators[0].address;

    /* Batch 0 by its first poster, live: 5 blocks, a lag per tx (a block
     * without txs counts once), 300 ms after block 5. */
    store_l1_batch x = l1_batch_of(0, 1, 5, v0, 10);
    x.data_hash = stmt.data_hash;
    node_batcher_seen(b, &x, true, 5000 + 300);
    node_batcher_status s = status(b);
    assert_int_equal(s.batches_seen, 1);
    assert_int_equal(s.forced_batches_seen, 0);
    assert_int_equal(s.failovers_seen, 0);
    assert_int_equal(s.blocks_posted, 5);
    assert_int_equal(s.txs_posted, txs_in(1, 5));
    assert_int_equal(s.posted_height, 5);
    assert_int_equal(s.payload_bytes_posted, formed_status.payload_bytes);
    assert_int_equal(s.data_bytes_posted, formed_status.data_bytes);
    uint64_t lags = 0, lag_sum = 0;
    for (uint64_t h = 1; h <= 5; h++) {
        uint64_t n = chain[h].tx_count > 0 ? chain[h].tx_count : 1;
        lags += n;
        lag_sum += n * (5300 - 1000 * h);
    }
    assert_int_equal(s.post_lag.count, lags);
    assert_int_equal(s.post_lag.sum_ms, lag_sum);

    /* A forceAdvance batch: counted as such only. */
    x = l1_batch_of(1, 0, 0, v0, 11);
    x.forced_cursor = 2;
    node_batcher_seen(b, &x, true, 9000);
    s = status(b);
    assert_int_equal(s.batches_seen, 2);
    assert_int_equal(s.forced_batches_seen, 1);
    assert_int_equal(s.failovers_seen, 0);
    assert_int_equal(s.blocks_posted, 5);
    assert_int_equal(s.txs_posted, txs_in(1, 5));
    assert_int_equal(s.posted_height, 5);
    assert_int_equal(s.post_lag.count, lags);

    /* Batch 2 (first poster: member 2) posted by member 0, replayed (not
     * live): a failover, no lag; heights 6..9 of which only 6..7 are in
     * this store; bytes unknown (this node did not form it). */
    x = l1_batch_of(2, 6, 9, v0, 12);
    node_batcher_seen(b, &x, false, 20000);
    s = status(b);
    assert_int_equal(s.batches_seen, 3);
    assert_int_equal(s.failovers_seen, 1);
    assert_int_equal(s.blocks_posted, 9);
    assert_int_equal(s.txs_posted, txs_in(1, 7));
    assert_int_equal(s.posted_height, 9);
    assert_int_equal(s.post_lag.count, lags);
    assert_int_equal(s.payload_bytes_posted, formed_status.payload_bytes);
    /* Batch 3 posted by its first poster (member 3), live, a lag of 0 for
     * blocks stamped after the wall clock. */
    x = l1_batch_of(3, 10, 10, &f->genesis.validators[3].address, 13);
    commit_range(f->stores[0], 8, 10);
    node_batcher_seen(b, &x, true, 100);
    s = status(b);
    assert_int_equal(s.failovers_seen, 1);
    assert_int_equal(s.posted_height, 10);
    assert_int_equal(s.post_lag.count, lags + (chain[10].tx_count > 0 ? chain[10].tx_count : 1));
    assert_int_equal(s.post_lag.sum_ms, lag_sum);
    node_batcher_free(b);
}

/* ------------------------------------------------------------ progress */

/* Stores x from L1 (the next index) with the cursor at its block. */
static void l1_store(store *s, const store_l1_batch *x)
{
    store_l1_change c = {.batches = x, .batch_count = 1, .cursor_number = x->l1_block};
    memset(c.cursor_hash.b, 0x99, SEQ_HASH_BYTES);
    assert_int_equal(store_l1_apply(s, &c), SEQ_OK);
}

/* Batch 0 of stmt as L1 stores it. */
static store_l1_batch on_l1(const fixture *f, const seq_attestation_stmt *stmt, size_t poster)
{
    store_l1_batch x = l1_batch_of(stmt->index, stmt->first_height, stmt->last_height,
                                   &f->genesis.validators[poster].address, 10 + stmt->index);
    l1_eip712_attestation_hash(&x.batch_hash, stmt);
    x.data_hash = stmt->data_hash;
    x.forced_cursor = stmt->forced_cursor;
    return x;
}

static void test_progress(void **state)
{
    fixture *f = *state;
    store *st = f->stores[0];
    fake_use(f);
    node_batcher *b = formed(f, 0, 1);
    const seq_attestation_stmt stmt0 = stored(st, 0).stmt;
    /* A peer's attestation for batch 0, kept from before. */
    wire_attestation old = member_signed(f, &stmt0, 2);
    node_batcher_offer(b, 2, &old);
    step(b, T0 + 1);
    assert_int_equal(status(b).attestations, 2);

    /* Batch 0 on L1: batch 1 waits for blocks 6..10 (7 committed). */
    store_l1_batch x0 = on_l1(f, &stmt0, 0);
    l1_store(st, &x0);
    step(b, T0 + 2);
    node_batcher_status s = status(b);
    assert_false(s.has_batch);
    assert_int_equal(s.attestations, 0);
    assert_int_equal(node_batcher_next_ms(b, T0 + 2), UINT64_MAX);
    commit_range(st, 8, 12);
    step(b, T0 + 3);
    s = status(b);
    assert_true(s.has_batch);
    assert_int_equal(s.index, 1);
    assert_int_equal(s.first_height, 6);
    assert_int_equal(s.last_height, 10);
    assert_int_equal(s.poster, 1);
    assert_int_equal(s.attestations, 1); /* member 2's was for batch 0 */
    assert_int_equal(s.batches_formed, 2);
    assert_int_equal(atomic_load(&fake.blocks_asked), 1); /* batch 0's L1 block, once */
    assert_int_equal(s.attestations_signed, 2);
    const seq_attestation_stmt stmt1 = stored(st, 1).stmt;
    assert_memory_equal(stmt1.prev_batch_hash.b, x0.batch_hash.b, SEQ_HASH_BYTES);
    assert_int_equal(stmt1.first_height, 6);
    assert_int_equal(stmt1.last_height, 10);
    assert_int_equal(stmt1.forced_cursor, 1);
    uint8_t *data = malloc(L1_BATCH_DATA_BYTES_MAX);
    assert_non_null(data);
    size_t payload_len = 0, len = data_of(data, &payload_len, 6, 10);
    seq_hash want;
    l1_keccak256(&want, data, len);
    assert_memory_equal(stmt1.data_hash.b, want.b, SEQ_HASH_BYTES);
    free(data);

    /* L1 takes index 1 as forceAdvance instead: batch 1 is dropped, batch
     * 2 starts at height 6 again, its cursor at least the one consumed. */
    store_l1_batch x1 = l1_batch_of(1, 0, 0, &f->genesis.validators[3].address, 11);
    x1.forced_cursor = 2;
    l1_store(st, &x1);
    step(b, T0 + 4);
    s = status(b);
    assert_true(s.has_batch);
    assert_int_equal(s.index, 2);
    assert_int_equal(s.first_height, 6);
    assert_int_equal(s.last_height, 10);
    assert_true(s.forced_cursor >= 2);
    assert_int_equal(s.poster, 2);
    assert_int_equal(s.waiting_ms, 0); /* ready anew */
    const seq_attestation_stmt stmt2 = stored(st, 2).stmt;
    assert_memory_equal(stmt2.prev_batch_hash.b, x1.batch_hash.b, SEQ_HASH_BYTES);
    assert_memory_equal(stmt2.data_hash.b, stmt1.data_hash.b, SEQ_HASH_BYTES);
    assert_int_equal(stmt2.forced_cursor, 2);
    assert_int_equal(atomic_load(&fake.blocks_asked), 2);
    /* Batch 1's attestation stays as it was. */
    const seq_attestation_stmt kept = stored(st, 1).stmt;
    assert_memory_equal(&kept, &stmt1, sizeof stmt1);

    /* Batch 2 on L1 and another forceAdvance (3) after it: batch 4 starts
     * after batch 2's blocks, found past the forceAdvance batch. */
    store_l1_batch x2 = on_l1(f, &stmt2, 2);
    l1_store(st, &x2);
    store_l1_batch x3 = l1_batch_of(3, 0, 0, &f->genesis.validators[3].address, 13);
    x3.forced_cursor = 3;
    l1_store(st, &x3);
    commit_range(st, 13, 15);
    step(b, T0 + 5);
    s = status(b);
    assert_true(s.has_batch);
    assert_int_equal(s.index, 4);
    assert_int_equal(s.first_height, 11);
    assert_int_equal(s.last_height, 15);
    assert_int_equal(s.forced_cursor, 3);
    assert_int_equal(atomic_load(&fake.blocks_asked), 3);
    assert_int_equal(atomic_load(&fake.estimates_asked), 0); /* never its turn with a quorum */
    node_batcher_free(b);
}

/* A backlog drains in full batches: a batch after k-1 closes by time only
 * at a block stamped at or after the L1 time of k-1's block. */
static void test_until(void **state)
{
    fixture *f = *state;
    store *st = f->stores[0];
    fake_use(f);
    f->genesis.batch.max_blocks = CHAIN_MAX;
    f->genesis.batch.max_span_ms = 2000;
    commit_range(st, 1, 8);
    node_batcher *b = batcher(f, st, 0);
    step(b, T0);
    node_batcher_status s = status(b);
    assert_true(s.has_batch);
    assert_int_equal(s.first_height, 1);
    assert_int_equal(s.last_height, 3); /* 3000 - 1000 >= 2000 */
    const seq_attestation_stmt stmt0 = stored(st, 0).stmt;
    store_l1_batch x0 = on_l1(f, &stmt0, 0);
    l1_store(st, &x0);

    /* Batch 0's L1 block at 9 s: blocks 4.. close at 9, not at 6. */
    atomic_store(&fake.block_seconds, 9);
    step(b, T0 + 1);
    assert_false(status(b).has_batch); /* tip 8 */
    commit_range(st, 9, 12);
    step(b, T0 + 2);
    s = status(b);
    assert_true(s.has_batch);
    assert_int_equal(s.index, 1);
    assert_int_equal(s.first_height, 4);
    assert_int_equal(s.last_height, 9);
    assert_int_equal(atomic_load(&fake.blocks_asked), 1);
    uint8_t *data = malloc(L1_BATCH_DATA_BYTES_MAX);
    assert_non_null(data);
    size_t payload_len = 0, len = data_of(data, &payload_len, 4, 9);
    seq_hash want;
    l1_keccak256(&want, data, len);
    free(data);
    const seq_attestation_stmt stmt1 = stored(st, 1).stmt;
    assert_memory_equal(stmt1.data_hash.b, want.b, SEQ_HASH_BYTES);
    assert_int_equal(s.payload_bytes, payload_len);
    node_batcher_free(b);
}

/* The L1 block of the last batch cannot be read (L1 away, or that block
 * reorged out): nothing is formed, the step says why and succeeds, and a
 * later step forms the batch. */
static void test_l1_block_unreadable(void **state)
{
    fixture *f = *state;
    store *st = f->stores[0];
    node_batcher *b = formed(f, 0, 1); /* the dead RPC */
    const seq_attestation_stmt stmt0 = stored(st, 0).stmt;
    store_l1_batch x0 = on_l1(f, &stmt0, 0);
    l1_store(st, &x0);
    commit_range(st, 8, 10);
    step(b, T0 + 1);
    node_batcher_status s = status(b);
    assert_false(s.has_batch);
    assert_int_equal(s.batches_formed, 1);
    assert_non_null(strstr(s.last_error, "cannot read the L1 block of batch 0"));
    assert_int_equal(node_batcher_next_ms(b, T0 + 1), UINT64_MAX);
    wire_attestation a;
    assert_int_equal(store_attestation_get(st, &a, 1), SEQ_ERR_NOT_FOUND);
    node_batcher_free(b);

    /* L1 has another block at that height: the same. */
    fake_use(f);
    atomic_store(&fake.block_byte, L1_BLOCK_BYTE + 1);
    b = batcher(f, st, 1);
    step(b, T0 + 2);
    s = status(b);
    assert_false(s.has_batch);
    assert_non_null(strstr(s.last_error, "cannot read the L1 block of batch 0"));
    assert_int_equal(store_attestation_get(st, &a, 1), SEQ_ERR_NOT_FOUND);
    /* Back on the canonical chain: batch 1 forms. */
    atomic_store(&fake.block_byte, L1_BLOCK_BYTE);
    step(b, T0 + 3);
    s = status(b);
    assert_true(s.has_batch);
    assert_int_equal(s.index, 1);
    assert_int_equal(s.first_height, 6);
    assert_string_equal(s.last_error, ""); /* the problem is over */
    assert_int_equal(atomic_load(&fake.blocks_asked), 2);
    node_batcher_free(b);
}

/* ------------------------------------------------------------- restart */

static void test_restart(void **state)
{
    fixture *f = *state;
    store *st = f->stores[0];
    node_batcher *b = formed(f, 0, 0);
    const wire_attestation a = stored(st, 0);
    node_batcher_free(b);

    /* The same member again: the stored attestation is reused. */
    b = batcher(f, st, 0);
    step(b, T0 + 50);
    node_batcher_status s = status(b);
    assert_true(s.has_batch);
    assert_int_equal(s.index, 0);
    assert_int_equal(s.batches_formed, 1);
    assert_int_equal(s.attestations_signed, 0);
    assert_int_equal(s.attestations, 1);
    const wire_attestation again = stored(st, 0);
    assert_memory_equal(&again, &a, sizeof a);
    /* And counted in the quorum as its own: a peer pair gets it posting. */
    wire_attestation a1 = member_signed(f, &a.stmt, 1), a2 = member_signed(f, &a.stmt, 2);
    node_batcher_offer(b, 1, &a1);
    node_batcher_offer(b, 2, &a2);
    step(b, T0 + 51);
    s = status(b);
    assert_int_equal(s.attestations, 3);
    assert_int_equal(s.posts_failed + s.posts_refused, 1);
    node_batcher_free(b);
}

static void test_conflict(void **state)
{
    fixture *f = *state;
    store *st = f->stores[0];
    commit_range(st, 1, 7);
    /* This member attested another batch 0 (another data_hash) before. */
    seq_attestation_stmt other = {
        .l2_chain_id = 901, .index = 0, .first_height = 1, .last_height = 5, .forced_cursor = 1};
    memset(other.data_hash.b, 0x5d, SEQ_HASH_BYTES);
    const wire_attestation old = member_signed(f, &other, 0);
    assert_int_equal(store_attestation_put(st, &old), SEQ_OK);

    node_batcher *b = batcher(f, st, 0);
    for (uint64_t i = 0; i < 3; i++) {
        step(b, T0 + i);
        node_batcher_status s = status(b);
        assert_false(s.has_batch);
        assert_int_equal(s.batches_formed, 0);
        assert_int_equal(s.attestations_signed, 0);
        assert_non_null(strstr(s.last_error, "attested another batch"));
        assert_non_null(strstr(s.last_error, "batch 0"));
    }
    assert_int_equal(node_batcher_next_ms(b, T0 + 3), UINT64_MAX);
    const wire_attestation kept = stored(st, 0);
    assert_memory_equal(&kept, &old, sizeof old); /* untouched */

    /* A quorum of peers on the real batch 0 changes nothing: no batch in
     * hand, nothing posted. */
    uint8_t *data = malloc(L1_BATCH_DATA_BYTES_MAX);
    assert_non_null(data);
    size_t payload_len = 0, len = data_of(data, &payload_len, 1, 5);
    seq_attestation_stmt real = other;
    l1_keccak256(&real.data_hash, data, len);
    free(data);
    for (size_t i = 1; i < MEMBERS; i++) {
        wire_attestation a = member_signed(f, &real, i);
        node_batcher_offer(b, (uint32_t)i, &a);
    }
    step(b, T0 + 10);
    node_batcher_status s = status(b);
    assert_false(s.has_batch);
    assert_int_equal(s.attestations_received, MEMBERS - 1);
    assert_int_equal(s.attestations_rejected, 0);
    assert_int_equal(s.posts_sent + s.posts_failed + s.posts_refused, 0);
    assert_int_equal(s.attestations_signed, 0);
    node_batcher_free(b);
}

/* With evidence: two valid attestations of one index by one member
 * become Attestation evidence; a member known slashed on L1 no longer
 * counts towards the quorum (its signature would be NotMember on L1). */
static void test_evidence(void **state)
{
    fixture *f = *state;
    store *st = f->stores[0];
    commit_range(st, 1, 7);
    node_evidence *ev = NULL;
    node_evidence_config ec = {.genesis = &f->genesis, .store = st, .self_index = 1};
    assert_int_equal(node_evidence_new(&ev, &ec), SEQ_OK);
    char dir[TF_PATH_BYTES];
    snprintf(dir, sizeof dir, "%s/tx%u", f->root, f->txmgr_dirs++);
    node_batcher_config c = {.genesis = &f->genesis,
                             .record = &f->record,
                             .store = st,
                             .rpc = f->rpc,
                             .key = f->keys[1],
                             .self_index = 1,
                             .txmgr_dir = dir,
                             .evidence = ev};
    node_batcher *b = NULL;
    node_diag why;
    assert_int_equal(node_batcher_new(&b, &why, &c), SEQ_OK);
    assert_non_null(node_batcher_txmgr(b));
    step(b, T0);
    const seq_attestation_stmt stmt = stored(st, 0).stmt;

    /* Members 2 and 3 attest it: a quorum with this node. */
    wire_attestation a2 = member_signed(f, &stmt, 2), a3 = member_signed(f, &stmt, 3);
    node_batcher_offer(b, 2, &a2);
    node_batcher_offer(b, 3, &a3);
    step(b, T0 + 1);
    assert_int_equal(status(b).attestations, 3);
    /* Member 3 then attests another batch 0. */
    seq_attestation_stmt other = stmt;
    other.data_hash.b[0] ^= 0xff;
    wire_attestation b3 = member_signed(f, &other, 3);
    node_batcher_offer(b, 3, &b3);
    step(b, T0 + 2);
    wire_evidence got;
    assert_int_equal(store_get_evidence(st, &got, WIRE_EVIDENCE_ATTESTATION,
                                        &f->genesis.validators[3].address, 0),
                     SEQ_OK);
    assert_memory_equal(&got.u.attestation.a.stmt, &stmt, sizeof stmt);
    assert_memory_equal(&got.u.attestation.b.stmt, &other, sizeof other);
    node_evidence_stats es;
    node_evidence_stats_get(ev, &es);
    assert_int_equal(es.validators[3].detected, 1);
    /* The same one again is not counted twice. */
    node_batcher_offer(b, 3, &a3);
    step(b, T0 + 3);
    node_batcher_offer(b, 3, &b3);
    step(b, T0 + 4);
    node_evidence_stats_get(ev, &es);
    assert_int_equal(es.validators[3].detected, 1);

    /* Member 2 slashed on L1: its matching attestation no longer counts. */
    assert_int_equal(status(b).attestations, 2); /* self and 2; 3 sent another */
    node_evidence_note_slashed(ev, &f->genesis.validators[2].address);
    step(b, T0 + 5);
    assert_int_equal(status(b).attestations, 1);
    assert_int_equal(status(b).attested_weight, 1);
    node_batcher_free(b);
    node_evidence_free(ev);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    seq_log_configure(SEQ_LOG_ERROR, SEQ_LOG_TEXT, NULL);
    chain_build();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_new, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_blocks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_form, setup, teardown),
        cmocka_unit_test_setup_teardown(test_determinism, setup, teardown),
        cmocka_unit_test_setup_teardown(test_offers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_quorum_turn, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failover_turn, setup, teardown),
        cmocka_unit_test_setup_teardown(test_post, setup, teardown),
        cmocka_unit_test_setup_teardown(test_post_failover, setup, teardown),
        cmocka_unit_test_setup_teardown(test_seen, setup, teardown),
        cmocka_unit_test_setup_teardown(test_progress, setup, teardown),
        cmocka_unit_test_setup_teardown(test_until, setup, teardown),
        cmocka_unit_test_setup_teardown(test_l1_block_unreadable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_restart, setup, teardown),
        cmocka_unit_test_setup_teardown(test_conflict, setup, teardown),
        cmocka_unit_test_setup_teardown(test_evidence, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
