/* libFuzzer target: the node's JSON-RPC request handling (node_rpc_handle
 * in node/api.c), exactly what POST / runs on an HTTP body, single
 * requests and batches, without the HTTP server.
 *
 * The node behind it is cheap and real where it matters: an LMDB store in
 * a temporary directory holding a short committed chain (blocks with
 * opaque txs, QCs for all but the tip, one block of BIG_TXS txs), a txpool
 * that is empty at the start of every input (so every input replays
 * exactly; eth_sendRawTransaction and seq_sendPayload admit into it for
 * real) and a fixed status snapshot for seq_status.
 *
 * Oracles (besides ASan, UBSan and LeakSanitizer):
 *  - the handler returns SEQ_OK; no reply only when the body is a valid
 *    notification or a batch of nothing else;
 *  - the reply is valid JSON of the JSON-RPC 2.0 shape: an object (or, for
 *    a batch of 1..NODE_API_BATCH_MAX, an array of objects, one per
 *    request with an id) with jsonrpc "2.0", an id that is a string, an
 *    integer or null, and exactly one of result and error {code (integer),
 *    message (string), data (optional)}; a single request's reply carries
 *    its id;
 *  - bounded memory: the reply stays within the configured reply cap plus
 *    one block reply plus what echoing the ids costs, and the heap the call
 *    takes at its peak (counted through the sanitizer's malloc hooks) stays
 *    under HEAP_BASE + HEAP_PER_BODY_BYTE x body + HEAP_PER_REPLY_BYTE x
 *    reply.
 *
 * This file includes node/internal.h (node_rpc_handle is internal to
 * node/), as fuzz_handshake.c does. */
#define _XOPEN_SOURCE 700 /* nftw */

#include <ftw.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../node/internal.h"
#include "fuzz.h"
#include "l1.h"

#define CHAIN_ID        901u
#define NAMESPACE       7u
#define CHAIN_BLOCKS    4u   /* committed heights 1..4; 4 has no stored QC */
#define BIG_HEIGHT      3u   /* the block with BIG_TXS txs */
#define BIG_TXS         512u /* its reply with tx hashes: about 36 KB */
#define SMALL_TXS       3u   /* txs of the other blocks (height 2 has none) */
#define QC_SIGS         3u
#define REPLY_BYTES_MAX (64u << 10) /* the cap given to the handler: low, so batches reach it */
/* The largest single reply the store can produce (the big block with its
 * tx hashes) is below this. */
#define REPLY_ONE_MAX (BIG_TXS * 72u + 4096u)
/* Per request of a batch, an error reply without its id. */
#define REPLY_PER_REQUEST_MAX 256u
/* Echoing an id: a string id may come back escaped ("\u0001" for one byte). */
#define REPLY_PER_BODY_BYTE 6u
/* Peak heap of one call: a block read's arenas (STORE_BLOCK_ARENA_BYTES +
 * STORE_QC_ARENA_BYTES, about 2.4 MiB), a status snapshot, the parsed body
 * and the reply tree. */
#define HEAP_BASE           (4u << 20)
#define HEAP_PER_BODY_BYTE  64u
#define HEAP_PER_REPLY_BYTE 8u

/* --------------------------------------------- heap accounting (ASan) */

/* The sanitizers' malloc hooks (sanitizer/allocator_interface.h), weak so
 * that a build without sanitizers still links; then memory is not
 * checked. */
int __sanitizer_install_malloc_and_free_hooks(void (*malloc_hook)(const volatile void *, size_t),
                                              void (*free_hook)(const volatile void *))
    __attribute__((weak));
size_t __sanitizer_get_allocated_size(const volatile void *p) __attribute__((weak));

/* Only the fuzzing thread counts: the store may run a thread of its own. */
static _Thread_local bool heap_counting;
static _Thread_local size_t heap_live, heap_peak;

static void on_malloc(const volatile void *p, size_t size)
{
    (void)p;
    if (!heap_counting)
        return;
    heap_live += size;
    heap_peak = heap_live > heap_peak ? heap_live : heap_peak;
}

static void on_free(const volatile void *p)
{
    if (!heap_counting || p == NULL || __sanitizer_get_allocated_size == NULL)
        return;
    size_t size = __sanitizer_get_allocated_size(p);
    heap_live = size <= heap_live ? heap_live - size : 0; /* allocated before counting */
}

/* ------------------------------------------------------------ the node */

static char dir[64];
static store *chain_store;
static seq_block_header genesis_header;
static node_status status_fixed;

static void status_fill(void *ctx, node_status *out)
{
    (void)ctx;
    *out = status_fixed;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void world_free(void)
{
    store_close(chain_store);
    chain_store = NULL;
    nftw(dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
}

/* Opaque tx number i of the block at height: 0xb0, namespace 7, the
 * payload "h" height, i (2 bytes). */
static seq_bytes chain_tx(uint8_t *buf, uint64_t height, size_t i)
{
    uint8_t payload[3] = {(uint8_t)height, (uint8_t)(i >> 8), (uint8_t)i};
    size_t len = 0;
    SEQ_ASSERT(mempool_opaque_encode(buf, MEMPOOL_OPAQUE_HEADER_BYTES + sizeof payload, &len,
                                     NAMESPACE, payload, sizeof payload) == SEQ_OK);
    return (seq_bytes){.ptr = buf, .len = len};
}

/* Commits heights 1..CHAIN_BLOCKS, with a QC for each but the last. */
static void chain_store_fill(void)
{
    enum { TX_BYTES = MEMPOOL_OPAQUE_HEADER_BYTES + 3 };
    static uint8_t tx_bytes[CHAIN_BLOCKS][BIG_TXS][TX_BYTES];
    static seq_bytes txs[CHAIN_BLOCKS][BIG_TXS];
    static wire_sig sigs[QC_SIGS];
    cons_block blocks[CHAIN_BLOCKS], commits[CHAIN_BLOCKS];
    wire_qc qcs[CHAIN_BLOCKS];
    seq_hash parent;
    l1_block_hash(&parent, &genesis_header);
    for (size_t s = 0; s < QC_SIGS; s++) {
        sigs[s].signer.b[0] = (uint8_t)(s + 1);
        memset(sigs[s].sig.b, 0x11 * (int)(s + 1), SEQ_SIG_BYTES);
        sigs[s].sig.b[SEQ_SIG_BYTES - 1] = 27;
    }
    for (uint64_t k = 0; k < CHAIN_BLOCKS; k++) {
        uint64_t height = k + 1;
        size_t count = height == BIG_HEIGHT ? BIG_TXS : height == 2 ? 0 : SMALL_TXS;
        for (size_t i = 0; i < count; i++)
            txs[k][i] = chain_tx(tx_bytes[k][i], height, i);
        cons_block *b = &blocks[k];
        memset(b, 0, sizeof *b);
        b->block.header = (seq_block_header){.l2_chain_id = CHAIN_ID,
                                             .height = height,
                                             .view = height + 1,
                                             .parent_hash = parent,
                                             .l1_origin_number = 5,
                                             .timestamp_ms = 1700000000000u + 100u * height};
        b->block.header.proposer.b[19] = (uint8_t)height;
        b->block.tx_count = count;
        b->block.txs = txs[k];
        b->block.header.tx_root.b[0] = (uint8_t)height; /* any root: the store keeps it */
        l1_block_hash(&b->hash, &b->block.header);
        parent = b->hash;
        qcs[k] = (wire_qc){.view = height + 1,
                           .height = height,
                           .block_hash = b->hash,
                           .sig_count = QC_SIGS,
                           .sigs = sigs};
        commits[k] = (cons_block){.hash = b->hash, .block = {.header = b->block.header}};
    }
    cons_update u = {.block_count = CHAIN_BLOCKS,
                     .blocks = blocks,
                     .qc_count = CHAIN_BLOCKS - 1,
                     .qcs = qcs,
                     .commit_count = CHAIN_BLOCKS,
                     .commits = commits};
    SEQ_ASSERT(store_apply(chain_store, &u) == SEQ_OK);
}

static void status_fixed_fill(void)
{
    node_status *s = &status_fixed;
    s->running = true;
    s->committee_size = 4;
    s->self_index = 1;
    s->view = 9;
    s->leader_index = 2;
    s->height_committed = CHAIN_BLOCKS;
    for (size_t i = 0; i < s->committee_size; i++) {
        s->peers[i].address.b[19] = (uint8_t)(i + 1);
        s->peers[i].connected = i != s->self_index;
        s->peers[i].frames_in = 10 * i;
    }
    s->validator = s->peers[1].address;
    s->leader = s->peers[2].address;
    s->peers_connected = 3;
    s->uptime_ms = 12345;
}

static void world_init(void)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/seq-fuzz-rpc-XXXXXX",
             tmp != NULL && strlen(tmp) < 32 ? tmp : "/tmp");
    SEQ_ASSERT(mkdtemp(dir) != NULL);
    genesis_header = (seq_block_header){.l2_chain_id = CHAIN_ID, .timestamp_ms = 1700000000000u};
    seq_hash genesis_hash;
    l1_block_hash(&genesis_hash, &genesis_header);
    store_options options = {.map_bytes = 64u << 20};
    SEQ_ASSERT(store_open(&chain_store, dir, &genesis_hash, &options) == SEQ_OK);
    atexit(world_free);
    chain_store_fill();
    status_fixed_fill();
    if (__sanitizer_install_malloc_and_free_hooks != NULL)
        __sanitizer_install_malloc_and_free_hooks(on_malloc, on_free);
}

static node_txpool *pool_new(void)
{
    mempool_config c;
    mempool_config_default(&c, CHAIN_ID);
    /* Small tables: a pool is made for every input. */
    c.tx_bytes_max = 8u << 10;
    c.pool_bytes_max = 32u << 10;
    c.pool_txs_max = 16;
    c.sender_txs_max = 16;
    c.hash_seed = 5;
    node_txpool *p = NULL;
    SEQ_ASSERT(node_txpool_new(&p, &c, chain_store, NULL, NULL) == SEQ_OK);
    return p;
}

/* ------------------------------------------------------------- oracles */

/* A JSON-RPC 2.0 response object; want_id (if not NULL) is its id. */
static void check_response(const json_t *r, const json_t *want_id)
{
    SEQ_ASSERT(json_is_object(r));
    const char *version = json_string_value(json_object_get(r, "jsonrpc"));
    SEQ_ASSERT(version != NULL && strcmp(version, "2.0") == 0);
    const json_t *id = json_object_get(r, "id");
    SEQ_ASSERT(json_is_string(id) || json_is_integer(id) || json_is_null(id));
    if (want_id != NULL)
        SEQ_ASSERT(json_equal(id, want_id));
    const json_t *result = json_object_get(r, "result");
    const json_t *error = json_object_get(r, "error");
    SEQ_ASSERT((result == NULL) != (error == NULL));
    SEQ_ASSERT(json_object_size(r) == 3);
    if (error != NULL) {
        SEQ_ASSERT(json_is_object(error));
        SEQ_ASSERT(json_is_integer(json_object_get(error, "code")));
        SEQ_ASSERT(json_is_string(json_object_get(error, "message")));
        SEQ_ASSERT(json_object_size(error) == 2 + (json_object_get(error, "data") != NULL));
    }
}

/* True iff req is a request with no id that passes the handler's request
 * checks (the handler answers it with nothing). */
static bool is_notification(const json_t *req)
{
    const json_t *params = json_object_get(req, "params");
    const char *version = json_string_value(json_object_get(req, "jsonrpc"));
    return json_is_object(req) && json_object_get(req, "id") == NULL && version != NULL &&
           strcmp(version, "2.0") == 0 && json_is_string(json_object_get(req, "method")) &&
           (params == NULL || json_is_array(params) || json_is_object(params));
}

/* The id a single valid request's reply must carry, or NULL if the reply
 * may carry null instead (no usable id). */
static const json_t *expected_id(const json_t *req)
{
    const json_t *id = json_object_get(req, "id");
    return json_is_string(id) || json_is_integer(id) ? id : NULL;
}

static void check_reply(const json_t *req, const char *reply, size_t reply_len)
{
    SEQ_ASSERT(reply != NULL && strlen(reply) == reply_len);
    json_error_t error;
    json_t *r = json_loadb(reply, reply_len, JSON_REJECT_DUPLICATES, &error);
    SEQ_ASSERT(r != NULL);
    size_t n = json_array_size(req);
    if (json_is_array(req) && n >= 1 && n <= NODE_API_BATCH_MAX) {
        size_t answered = 0;
        for (size_t i = 0; i < n; i++)
            answered += !is_notification(json_array_get(req, i));
        SEQ_ASSERT(json_is_array(r) && json_array_size(r) == answered);
        for (size_t i = 0; i < answered; i++)
            check_response(json_array_get(r, i), NULL);
    } else {
        check_response(r, json_is_object(req) ? expected_id(req) : NULL);
    }
    json_decref(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (chain_store == NULL)
        world_init();
    if (size > NODE_API_BODY_BYTES_MAX)
        return 0; /* the HTTP layer refuses it before the handler */
    /* An empty pool for every input, so that inputs replay exactly; one
     * that admitted nothing is still empty (the node's pool allocates
     * about 3 MiB of buffers, too slow to make for every input). */
    static node_txpool *pool;
    if (pool == NULL)
        pool = pool_new();
    node_rpc rpc = {.status = status_fill,
                    .store = chain_store,
                    .pool = pool,
                    .genesis = genesis_header,
                    .reply_bytes_max = REPLY_BYTES_MAX};
    char *reply = NULL;
    size_t reply_len = 0;
    heap_live = heap_peak = 0;
    heap_counting = true;
    seq_err err = node_rpc_handle(&rpc, &reply, &reply_len, (const char *)data, size);
    heap_counting = false;
    SEQ_ASSERT(err == SEQ_OK);
    size_t heap_bound =
        HEAP_BASE + HEAP_PER_BODY_BYTE * size + HEAP_PER_REPLY_BYTE * (size_t)reply_len;
    if (heap_peak > heap_bound) {
        fprintf(stderr, "fuzz_jsonrpc: the call took %zu bytes of heap at its peak (bound %zu)\n",
                heap_peak, heap_bound);
        abort();
    }
    size_t reply_bound = REPLY_BYTES_MAX + REPLY_ONE_MAX + REPLY_PER_BODY_BYTE * size +
                         REPLY_PER_REQUEST_MAX * NODE_API_BATCH_MAX;
    SEQ_ASSERT(reply_len <= reply_bound);

    json_error_t error;
    json_t *req = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &error);
    if (reply == NULL) {
        /* Nothing to answer: a notification, or a batch of nothing else. */
        SEQ_ASSERT(req != NULL);
        bool quiet = is_notification(req);
        if (json_is_array(req) && json_array_size(req) >= 1 &&
            json_array_size(req) <= NODE_API_BATCH_MAX) {
            quiet = true;
            for (size_t i = 0; i < json_array_size(req); i++)
                quiet = quiet && is_notification(json_array_get(req, i));
        }
        SEQ_ASSERT(quiet);
    } else {
        check_reply(req, reply, reply_len);
    }
    json_decref(req);
    free(reply);
    node_txpool_stats stats;
    node_txpool_get_stats(pool, &stats);
    if (stats.pool.admitted > 0) {
        node_txpool_free(pool);
        pool = NULL;
    }
    return 0;
}
