/* seqbench.c — load generator for a running committee.
 *
 *   seqbench --rpc URL [--rpc URL ...] [--rate TX_PER_S] [--seconds S]
 *            [--kind opaque|eip1559] [--size BYTES] [--batch N] [--threads N]
 *            [--senders N] [--chain-id ID] [--l1-wait S] [--csv FILE]
 *
 * Transactions are made before the clock starts (signed EIP-1559 txs from
 * --senders keys, or opaque payloads of --size pseudo-random bytes, each
 * unique), then sent with eth_sendRawTransaction in JSON-RPC batches of
 * --batch txs over keep-alive HTTP connections, round robin over the --rpc
 * nodes. --rate 0
 * (the default) is closed loop: every thread sends its next batch as soon
 * as the last one was answered. Otherwise the load is open loop: batches
 * leave on a fixed schedule whatever the answers do.
 *
 * A watcher polls the first node every millisecond for new committed
 * blocks and reads their tx hashes; a tx's latency is from just before its
 * batch was sent to when the watcher saw it committed (soft-confirmed).
 * With --l1-wait S (a committee posting batches to L1), a follower polls
 * the first node's seq_getTransactionStatus every L1_POLL_MS for one tx of
 * each block seen committed (a block's txs share its batch) and notes when
 * the block is first reported posted (its batch on L1 at confirmation
 * depth) and final (L1 finalized that batch's block); after the load and
 * the drain it keeps following for up to S seconds, until every block is
 * final. Prints one JSON object on stdout and a summary on stderr; --csv
 * writes one line per tx (index, sent_us, confirmed_us, posted_us,
 * final_us; 0 if never), times from the start, whose wall clock the JSON
 * gives as start_unix_us. */
#include <curl/curl.h>
#include <inttypes.h>
#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"
#include "l1.h"
#include "mempool.h"

#define RPCS_MAX    16u
#define THREADS_MAX 64u
#define BATCH_MAX   1024u /* NODE_API_BATCH_MAX */
#define SIZE_MAX_TX 4096u
#define DRAIN_MS    10000u /* after the last send, wait this long for commits */
#define POLL_US     1000u
#define OPAQUE_NS   42u
#define L1_POLL_MS  100u

typedef struct {
    uint8_t *raw;
    size_t len;
    seq_hash hash;
    uint64_t sent_ns;      /* 0: not sent */
    uint64_t confirmed_ns; /* 0: not seen committed */
    uint64_t posted_ns;    /* 0: not seen posted (--l1-wait) */
    uint64_t final_ns;     /* 0: not seen final (--l1-wait) */
    uint32_t block;        /* index into blocks[] once confirmed */
    bool refused;
} bench_tx;

/* A committed block holding txs of this run, as the L1 follower sees it. */
typedef struct {
    size_t first_tx; /* one of its txs: the one whose status is polled */
    uint64_t posted_ns, final_ns;
} bench_block;

static struct {
    const char *rpcs[RPCS_MAX];
    size_t rpc_count;
    uint64_t rate, batch, threads, senders, size, chain_id;
    double seconds;
    bool eip1559;
    const char *csv;
    double l1_wait; /* seconds; 0: do not follow L1 */
} opt = {
    .batch = 100, .threads = 4, .senders = 1000, .size = 256, .chain_id = 901, .seconds = 10.0};

static bench_tx *txs;
static size_t tx_count;
static atomic_bool sending_done;
static uint64_t start_ns;
static uint64_t start_unix_us; /* the wall clock at start_ns, for aligning outside events */
static atomic_uint_fast64_t refused_count, http_errors;
/* Blocks holding this run's txs, appended by the watcher, read by the L1
 * follower (blocks_mtx). */
static bench_block *blocks;
static size_t block_count, block_cap;
static pthread_mutex_t blocks_mtx = PTHREAD_MUTEX_INITIALIZER;
static atomic_bool watching_done;

/* ------------------------------------------------------------ hash map */

/* tx hash -> index, open addressing on the hash's first 8 bytes. */
static size_t *slots;
static size_t slot_cap;

static uint64_t key_of(const seq_hash *h)
{
    uint64_t k;
    memcpy(&k, h->b, sizeof k);
    return k;
}

static void map_build(void)
{
    slot_cap = 1;
    while (slot_cap < tx_count * 2)
        slot_cap <<= 1;
    slots = malloc(slot_cap * sizeof *slots);
    bench_check(slots != NULL, "out of memory");
    for (size_t i = 0; i < slot_cap; i++)
        slots[i] = SIZE_MAX;
    for (size_t t = 0; t < tx_count; t++) {
        size_t i = key_of(&txs[t].hash) & (slot_cap - 1);
        while (slots[i] != SIZE_MAX)
            i = (i + 1) & (slot_cap - 1);
        slots[i] = t;
    }
}

static size_t map_find(const seq_hash *h)
{
    for (size_t i = key_of(h) & (slot_cap - 1); slots[i] != SIZE_MAX; i = (i + 1) & (slot_cap - 1))
        if (seq_hash_equal(&txs[slots[i]].hash, h))
            return slots[i];
    return SIZE_MAX;
}

/* ----------------------------------------------------------- generation */

static void make_tx(size_t t)
{
    bench_tx *x = &txs[t];
    if (!opt.eip1559) {
        /* Pseudo-random bytes (splitmix64 over a per-tx seed), unique per
         * tx and run: what reaches L1 compresses like real data would,
         * not like filler. */
        uint8_t payload[SIZE_MAX_TX];
        uint64_t state = ((uint64_t)t << 32) ^ start_ns;
        for (size_t i = 0; i < opt.size; i += 8) {
            uint64_t z = (state += UINT64_C(0x9e3779b97f4a7c15));
            z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
            z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
            z ^= z >> 31;
            memcpy(payload + i, &z, SEQ_MIN(sizeof z, (size_t)opt.size - i));
        }
        uint64_t tag = (uint64_t)t ^ start_ns; /* unique per tx and run */
        memcpy(payload, &tag, SEQ_MIN(sizeof tag, (size_t)opt.size));
        x->raw = malloc(opt.size + MEMPOOL_OPAQUE_HEADER_BYTES);
        bench_check(x->raw != NULL &&
                        mempool_opaque_encode(x->raw, opt.size + MEMPOOL_OPAQUE_HEADER_BYTES,
                                              &x->len, OPAQUE_NS, payload, opt.size) == SEQ_OK,
                    "opaque encode");
        l1_keccak256(&x->hash, x->raw, x->len);
        return;
    }
    /* Sender s sends nonces in order; txs are spread so consecutive ones
     * come from different senders. */
    uint64_t sender = t % opt.senders, nonce = t / opt.senders;
    uint8_t key[32] = {0};
    uint64_t seed = start_ns;
    memcpy(key, &seed, sizeof seed);
    key[30] = (uint8_t)(sender >> 8);
    key[31] = (uint8_t)(sender + 1);
    l1_tx tx = {.chain_id = opt.chain_id,
                .nonce = nonce,
                .max_priority_fee_per_gas = 1000000000u,
                .max_fee_per_gas = 2000000000u,
                .gas_limit = 21000,
                .has_to = true};
    tx.to.b[19] = 0xaa;
    uint8_t raw[256];
    bench_check(l1_tx_sign(raw, sizeof raw, &x->len, &x->hash, key, &tx) == SEQ_OK, "sign");
    x->raw = malloc(x->len);
    bench_check(x->raw != NULL, "out of memory");
    memcpy(x->raw, raw, x->len);
}

static void *gen_thread(void *arg)
{
    size_t id = (size_t)arg;
    for (size_t t = id; t < tx_count; t += opt.threads)
        make_tx(t);
    return NULL;
}

/* --------------------------------------------------------------- sending */

typedef struct {
    char *data;
    size_t len, cap;
} buf;

static void buf_put(buf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        b->cap = (b->len + n + 1) * 2;
        b->data = realloc(b->data, b->cap);
        bench_check(b->data != NULL, "out of memory");
    }
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *ctx)
{
    buf_put(ctx, ptr, size * nmemb);
    return size * nmemb;
}

/* Counts the errors in a batch reply; the ids are the tx indexes. */
static void read_reply(const char *text)
{
    json_t *reply = json_loads(text, 0, NULL);
    if (!json_is_array(reply)) {
        atomic_fetch_add(&http_errors, 1);
        json_decref(reply);
        return;
    }
    for (size_t i = 0; i < json_array_size(reply); i++) {
        json_t *r = json_array_get(reply, i);
        json_t *id = json_object_get(r, "id");
        if (json_object_get(r, "error") != NULL && json_is_integer(id) &&
            (size_t)json_integer_value(id) < tx_count) {
            txs[json_integer_value(id)].refused = true;
            atomic_fetch_add(&refused_count, 1);
        }
    }
    json_decref(reply);
}

static void *send_thread(void *arg)
{
    size_t id = (size_t)arg;
    CURL *curl = curl_easy_init();
    bench_check(curl != NULL, "curl_easy_init");
    struct curl_slist *headers = curl_slist_append(NULL, "Content-Type: application/json");
    curl_easy_setopt(curl, CURLOPT_URL, opt.rpcs[id % opt.rpc_count]);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 10000L);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
    buf body = {0}, reply = {0};
    char *hex = malloc(2 * SIZE_MAX_TX + 64);
    bench_check(hex != NULL, "out of memory");
    /* Open loop: this thread's share of the rate, one batch per slot. */
    double slot_ns =
        opt.rate > 0 ? 1e9 * (double)opt.batch * (double)opt.threads / (double)opt.rate : 0.0;
    uint64_t end_ns = start_ns + (uint64_t)(opt.seconds * 1e9);
    for (uint64_t k = 0;; k++) {
        if (opt.rate > 0) {
            uint64_t due = start_ns + (uint64_t)(slot_ns * (double)k) +
                           (uint64_t)(slot_ns * (double)id / (double)opt.threads);
            uint64_t now = bench_now_ns();
            if (due > now) {
                struct timespec ts = {.tv_sec = (time_t)((due - now) / 1000000000u),
                                      .tv_nsec = (long)((due - now) % 1000000000u)};
                nanosleep(&ts, NULL);
            }
        }
        if (bench_now_ns() >= end_ns)
            break;
        /* This thread's txs are id, id + threads, ...: with senders a
         * multiple of threads, each sender's txs go through one thread to
         * one node, in nonce order. */
        size_t first = id + (size_t)k * opt.batch * opt.threads;
        if (first >= tx_count)
            break;
        size_t last = SEQ_MIN(first + opt.batch * opt.threads, tx_count);
        body.len = 0;
        buf_put(&body, "[", 1);
        for (size_t t = first; t < last; t += opt.threads) {
            char head[96];
            int n = snprintf(head, sizeof head,
                             "%s{\"jsonrpc\":\"2.0\",\"id\":%zu,\"method\":"
                             "\"eth_sendRawTransaction\",\"params\":[\"",
                             t == first ? "" : ",", t);
            buf_put(&body, head, (size_t)n);
            bench_check(l1_hex_encode(hex, 2 * SIZE_MAX_TX + 64, txs[t].raw, txs[t].len) == SEQ_OK,
                        "hex");
            buf_put(&body, hex, strlen(hex));
            buf_put(&body, "\"]}", 3);
        }
        buf_put(&body, "]", 1);
        uint64_t now = bench_now_ns();
        for (size_t t = first; t < last; t += opt.threads)
            txs[t].sent_ns = now;
        reply.len = 0;
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data);
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, (long)body.len);
        curl_easy_setopt(curl, CURLOPT_WRITEDATA, &reply);
        if (curl_easy_perform(curl) != CURLE_OK || reply.data == NULL) {
            atomic_fetch_add(&http_errors, 1);
            continue;
        }
        read_reply(reply.data);
    }
    free(hex);
    free(body.data);
    free(reply.data);
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
    return NULL;
}

/* --------------------------------------------------------------- watcher */

static json_t *call(CURL *curl, buf *reply, const char *method, const char *params)
{
    char body[256];
    snprintf(body, sizeof body, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"%s\",\"params\":%s}",
             method, params);
    reply->len = 0;
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, reply);
    if (curl_easy_perform(curl) != CURLE_OK || reply->data == NULL)
        return NULL;
    json_t *r = json_loads(reply->data, 0, NULL);
    json_t *result = json_incref(json_object_get(r, "result"));
    json_decref(r);
    return result;
}

static int64_t committed_height(CURL *curl, buf *reply)
{
    json_t *s = call(curl, reply, "seq_status", "[]");
    int64_t h = json_is_integer(json_object_get(s, "height"))
                    ? (int64_t)json_integer_value(json_object_get(s, "height"))
                    : -1;
    json_decref(s);
    return h;
}

static size_t confirmed;
static int64_t first_height;

/* Appends a block whose first tx of this run is t (watcher only). */
static void block_add(size_t t)
{
    pthread_mutex_lock(&blocks_mtx);
    if (block_count == block_cap) {
        block_cap = block_cap == 0 ? 1024 : 2 * block_cap;
        blocks = realloc(blocks, block_cap * sizeof *blocks);
        bench_check(blocks != NULL, "out of memory");
    }
    blocks[block_count++] = (bench_block){.first_tx = t};
    pthread_mutex_unlock(&blocks_mtx);
}

static CURL *curl_for(const char *url, struct curl_slist *headers)
{
    CURL *curl = curl_easy_init();
    bench_check(curl != NULL, "curl_easy_init");
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 10000L);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
    return curl;
}

/* Polls the status of one tx of every block not yet final, every
 * L1_POLL_MS, noting when its block is first reported posted and final.
 * Runs until every block seen is final once the watcher has stopped, or
 * --l1-wait seconds after that. */
static void *l1_thread(void *arg)
{
    (void)arg;
    struct curl_slist *headers = curl_slist_append(NULL, "Content-Type: application/json");
    CURL *curl = curl_for(opt.rpcs[0], headers);
    buf reply = {0};
    size_t done = 0; /* blocks[0..done) are final */
    uint64_t watch_end_ns = 0;
    for (;;) {
        pthread_mutex_lock(&blocks_mtx);
        size_t count = block_count;
        pthread_mutex_unlock(&blocks_mtx);
        for (size_t b = done; b < count; b++) {
            pthread_mutex_lock(&blocks_mtx);
            bench_block blk = blocks[b]; /* blocks may move under realloc */
            pthread_mutex_unlock(&blocks_mtx);
            if (blk.final_ns != 0)
                continue;
            char params[80], hex[2 * SEQ_HASH_BYTES + 3];
            bench_check(l1_hex_encode(hex, sizeof hex, txs[blk.first_tx].hash.b, SEQ_HASH_BYTES) ==
                            SEQ_OK,
                        "hex");
            snprintf(params, sizeof params, "[\"%s\"]", hex);
            json_t *st = call(curl, &reply, "seq_getTransactionStatus", params);
            uint64_t at = bench_now_ns();
            bool posted = json_is_object(json_object_get(st, "posted"));
            bool final = json_is_object(json_object_get(st, "final"));
            json_decref(st);
            pthread_mutex_lock(&blocks_mtx);
            if (posted && blocks[b].posted_ns == 0)
                blocks[b].posted_ns = at;
            if (final && blocks[b].final_ns == 0)
                blocks[b].final_ns = at;
            pthread_mutex_unlock(&blocks_mtx);
        }
        pthread_mutex_lock(&blocks_mtx);
        while (done < block_count && blocks[done].final_ns != 0)
            done++;
        bool all_final = done == block_count;
        pthread_mutex_unlock(&blocks_mtx);
        if (atomic_load(&watching_done)) {
            uint64_t now = bench_now_ns();
            if (watch_end_ns == 0)
                watch_end_ns = now;
            if (all_final || now - watch_end_ns > (uint64_t)(opt.l1_wait * 1e9))
                break;
        }
        struct timespec ts = {.tv_sec = 0, .tv_nsec = L1_POLL_MS * 1000000L};
        nanosleep(&ts, NULL);
    }
    free(reply.data);
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
    return NULL;
}

static void *watch_thread(void *arg)
{
    (void)arg;
    struct curl_slist *headers = curl_slist_append(NULL, "Content-Type: application/json");
    CURL *curl = curl_for(opt.rpcs[0], headers);
    buf reply = {0};
    int64_t seen = first_height;
    uint64_t drain_from = 0;
    while (confirmed < tx_count) {
        uint64_t now = bench_now_ns();
        if (atomic_load(&sending_done)) {
            if (drain_from == 0)
                drain_from = now;
            if (now - drain_from > (uint64_t)DRAIN_MS * 1000000u)
                break;
        }
        int64_t top = committed_height(curl, &reply);
        for (int64_t h = seen + 1; top > seen && h <= top; h++) {
            char params[48];
            snprintf(params, sizeof params, "[%" PRId64 ", true]", h);
            json_t *b = call(curl, &reply, "seq_getBlockByHeight", params);
            uint64_t at = bench_now_ns();
            json_t *list = json_object_get(b, "transactions");
            bench_check(json_is_array(list), "a committed block without its tx list");
            bool listed = false;
            for (size_t i = 0; i < json_array_size(list); i++) {
                seq_hash hash;
                const char *text = json_string_value(json_array_get(list, i));
                if (text == NULL || l1_hex_decode_exact(hash.b, sizeof hash.b, text) != SEQ_OK)
                    continue;
                size_t t = map_find(&hash);
                if (t != SIZE_MAX && txs[t].confirmed_ns == 0) {
                    if (!listed)
                        block_add(t);
                    listed = true;
                    txs[t].block = (uint32_t)(block_count - 1);
                    txs[t].confirmed_ns = at;
                    confirmed++;
                }
            }
            json_decref(b);
            seen = h;
        }
        struct timespec ts = {.tv_sec = 0, .tv_nsec = POLL_US * 1000};
        nanosleep(&ts, NULL);
    }
    free(reply.data);
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
    return NULL;
}

/* ------------------------------------------------------------------ main */

static const char usage[] =
    "usage: seqbench --rpc URL [--rpc URL ...] [--rate TX_PER_S (0: closed loop)]\n"
    "                [--seconds S] [--kind opaque|eip1559] [--size BYTES] [--batch N]\n"
    "                [--threads N] [--senders N] [--chain-id ID] [--l1-wait S] [--csv FILE]";

static void parse(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool has_value = i + 1 < argc;
        if (strcmp(a, "--rpc") == 0 && has_value && opt.rpc_count < RPCS_MAX)
            opt.rpcs[opt.rpc_count++] = argv[++i];
        else if (strcmp(a, "--kind") == 0 && has_value) {
            a = argv[++i];
            if (strcmp(a, "eip1559") == 0)
                opt.eip1559 = true;
            else if (strcmp(a, "opaque") != 0)
                bench_usage(usage);
        } else if (strcmp(a, "--csv") == 0 && has_value)
            opt.csv = argv[++i];
        else if (!bench_arg_u64(argc, argv, &i, "--rate", 0, 10000000, &opt.rate) &&
                 !bench_arg_seconds(argc, argv, &i, "--seconds", 3600, &opt.seconds) &&
                 !bench_arg_seconds(argc, argv, &i, "--l1-wait", 3600, &opt.l1_wait) &&
                 !bench_arg_u64(argc, argv, &i, "--size", 1, SIZE_MAX_TX, &opt.size) &&
                 !bench_arg_u64(argc, argv, &i, "--batch", 1, BATCH_MAX, &opt.batch) &&
                 !bench_arg_u64(argc, argv, &i, "--threads", 1, THREADS_MAX, &opt.threads) &&
                 !bench_arg_u64(argc, argv, &i, "--senders", 1, 65535, &opt.senders) &&
                 !bench_arg_u64(argc, argv, &i, "--chain-id", 1, UINT32_MAX, &opt.chain_id))
            bench_usage(usage);
    }
    if (opt.rpc_count == 0)
        bench_usage(usage);
}

int main(int argc, char **argv)
{
    parse(argc, argv);
    opt.senders = (opt.senders + opt.threads - 1) / opt.threads * opt.threads;
    bench_check(curl_global_init(CURL_GLOBAL_DEFAULT) == 0, "curl_global_init");
    /* Closed loop cannot know how many txs it will send: make room for a
     * rate no 2-core committee reaches. */
    double planned = opt.rate > 0 ? (double)opt.rate * opt.seconds
                                  : (opt.eip1559 ? 40000.0 : 120000.0) * opt.seconds;
    tx_count = (size_t)planned;
    bench_check(tx_count > 0, "nothing to send");
    txs = calloc(tx_count, sizeof *txs);
    bench_check(txs != NULL, "out of memory");
    start_ns = bench_now_ns();
    fprintf(stderr, "seqbench: making %zu %s txs\n", tx_count,
            opt.eip1559 ? "signed EIP-1559" : "opaque");
    pthread_t th[THREADS_MAX + 1];
    for (size_t i = 0; i < opt.threads; i++)
        bench_check(pthread_create(&th[i], NULL, gen_thread, (void *)i) == 0, "pthread_create");
    for (size_t i = 0; i < opt.threads; i++)
        pthread_join(th[i], NULL);
    map_build();

    CURL *probe = curl_easy_init();
    struct curl_slist *headers = curl_slist_append(NULL, "Content-Type: application/json");
    curl_easy_setopt(probe, CURLOPT_URL, opt.rpcs[0]);
    curl_easy_setopt(probe, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(probe, CURLOPT_WRITEFUNCTION, on_body);
    buf reply = {0};
    first_height = committed_height(probe, &reply);
    bench_check(first_height >= 0, "the first --rpc node does not answer seq_status");

    start_ns = bench_now_ns();
    struct timespec wall;
    clock_gettime(CLOCK_REALTIME, &wall);
    start_unix_us = (uint64_t)wall.tv_sec * 1000000u + (uint64_t)wall.tv_nsec / 1000u;
    pthread_t watcher, follower;
    bench_check(pthread_create(&watcher, NULL, watch_thread, NULL) == 0, "pthread_create");
    if (opt.l1_wait > 0)
        bench_check(pthread_create(&follower, NULL, l1_thread, NULL) == 0, "pthread_create");
    for (size_t i = 0; i < opt.threads; i++)
        bench_check(pthread_create(&th[i], NULL, send_thread, (void *)i) == 0, "pthread_create");
    for (size_t i = 0; i < opt.threads; i++)
        pthread_join(th[i], NULL);
    uint64_t send_end_ns = bench_now_ns();
    atomic_store(&sending_done, true);
    pthread_join(watcher, NULL);
    int64_t last_height = committed_height(probe, &reply);
    atomic_store(&watching_done, true);
    if (opt.l1_wait > 0) {
        fprintf(stderr, "seqbench: following L1 for up to %.0f s more (%zu blocks)\n", opt.l1_wait,
                block_count);
        pthread_join(follower, NULL);
    }
    /* A tx is posted and final with its block. */
    size_t posted_n = 0, final_n = 0;
    uint64_t *posted_lat = malloc(tx_count * sizeof *posted_lat);
    uint64_t *final_lat = malloc(tx_count * sizeof *final_lat);
    bench_check(posted_lat != NULL && final_lat != NULL, "out of memory");
    for (size_t t = 0; t < tx_count; t++) {
        if (txs[t].confirmed_ns == 0 || block_count == 0)
            continue;
        const bench_block *b = &blocks[txs[t].block];
        txs[t].posted_ns = b->posted_ns;
        txs[t].final_ns = b->final_ns;
        if (b->posted_ns != 0)
            posted_lat[posted_n++] = (b->posted_ns - txs[t].sent_ns) / 1000u;
        if (b->final_ns != 0)
            final_lat[final_n++] = (b->final_ns - txs[t].sent_ns) / 1000u;
    }
    bench_sort(posted_lat, posted_n);
    bench_sort(final_lat, final_n);

    size_t sent = 0, n = 0;
    uint64_t last_confirm_ns = start_ns;
    uint64_t *lat = malloc(tx_count * sizeof *lat);
    bench_check(lat != NULL, "out of memory");
    for (size_t t = 0; t < tx_count; t++) {
        sent += txs[t].sent_ns != 0;
        if (txs[t].confirmed_ns != 0) {
            lat[n++] = (txs[t].confirmed_ns - txs[t].sent_ns) / 1000u;
            last_confirm_ns = SEQ_MAX(last_confirm_ns, txs[t].confirmed_ns);
        }
    }
    bench_sort(lat, n);
    double send_s = bench_seconds(start_ns, send_end_ns);
    double span_s = bench_seconds(start_ns, last_confirm_ns);
    double offered = (double)sent / send_s, ordered = span_s > 0 ? (double)n / span_s : 0.0;
    printf("{\"bench\":\"seqbench\",\"kind\":\"%s\",\"size\":%" PRIu64 ",\"nodes\":%zu,"
           "\"rate\":%" PRIu64 ",\"batch\":%" PRIu64 ",\"threads\":%" PRIu64
           ",\"sent\":%zu,\"refused\":%" PRIu64 ",\"http_errors\":%" PRIu64
           ",\"confirmed\":%zu,\"offered_tx_per_s\":%.0f,\"ordered_tx_per_s\":%.0f,"
           "\"latency_us\":{\"p50\":%" PRIu64 ",\"p90\":%" PRIu64 ",\"p99\":%" PRIu64
           ",\"max\":%" PRIu64 "},\"blocks\":%" PRId64 ",\"start_unix_us\":%" PRIu64,
           opt.eip1559 ? "eip1559" : "opaque", opt.eip1559 ? 0 : opt.size, opt.rpc_count, opt.rate,
           opt.batch, opt.threads, sent, (uint64_t)atomic_load(&refused_count),
           (uint64_t)atomic_load(&http_errors), n, offered, ordered, bench_percentile(lat, n, 50),
           bench_percentile(lat, n, 90), bench_percentile(lat, n, 99), n > 0 ? lat[n - 1] : 0,
           last_height - first_height, start_unix_us);
    if (opt.l1_wait > 0)
        printf(",\"posted\":%zu,\"posted_latency_us\":{\"p50\":%" PRIu64 ",\"p90\":%" PRIu64
               ",\"p99\":%" PRIu64 ",\"max\":%" PRIu64 "},\"final\":%zu,\"final_latency_us\":{"
               "\"p50\":%" PRIu64 ",\"p90\":%" PRIu64 ",\"p99\":%" PRIu64 ",\"max\":%" PRIu64 "}",
               posted_n, bench_percentile(posted_lat, posted_n, 50),
               bench_percentile(posted_lat, posted_n, 90),
               bench_percentile(posted_lat, posted_n, 99),
               posted_n > 0 ? posted_lat[posted_n - 1] : 0, final_n,
               bench_percentile(final_lat, final_n, 50), bench_percentile(final_lat, final_n, 90),
               bench_percentile(final_lat, final_n, 99), final_n > 0 ? final_lat[final_n - 1] : 0);
    printf("}\n");
    fprintf(stderr,
            "seqbench: %s, %zu nodes, rate %s%" PRIu64 ": sent %zu (%.0f tx/s), refused %" PRIu64
            ", confirmed %zu (%.0f tx/s); latency p50 %.1f ms p90 %.1f ms p99 %.1f ms max %.1f ms; "
            "%" PRId64 " blocks\n",
            opt.eip1559 ? "eip1559" : "opaque", opt.rpc_count, opt.rate == 0 ? "closed loop " : "",
            opt.rate, sent, offered, (uint64_t)atomic_load(&refused_count), n, ordered,
            (double)bench_percentile(lat, n, 50) / 1e3, (double)bench_percentile(lat, n, 90) / 1e3,
            (double)bench_percentile(lat, n, 99) / 1e3, n > 0 ? (double)lat[n - 1] / 1e3 : 0.0,
            last_height - first_height);
    if (opt.l1_wait > 0)
        fprintf(stderr,
                "seqbench: posted %zu, p50 %.2f s p99 %.2f s max %.2f s; final %zu, p50 %.2f s "
                "p99 %.2f s max %.2f s (sent to seen at node 0, polled every %u ms)\n",
                posted_n, (double)bench_percentile(posted_lat, posted_n, 50) / 1e6,
                (double)bench_percentile(posted_lat, posted_n, 99) / 1e6,
                posted_n > 0 ? (double)posted_lat[posted_n - 1] / 1e6 : 0.0, final_n,
                (double)bench_percentile(final_lat, final_n, 50) / 1e6,
                (double)bench_percentile(final_lat, final_n, 99) / 1e6,
                final_n > 0 ? (double)final_lat[final_n - 1] / 1e6 : 0.0, L1_POLL_MS);
    if (opt.csv != NULL) {
        FILE *f = fopen(opt.csv, "w");
        bench_check(f != NULL, "cannot write --csv");
        fprintf(f, "index,sent_us,confirmed_us,posted_us,final_us\n");
        for (size_t t = 0; t < tx_count; t++) {
            const bench_tx *x = &txs[t];
            if (x->sent_ns == 0)
                continue;
            fprintf(f, "%zu,%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 "\n", t,
                    (x->sent_ns - start_ns) / 1000u,
                    x->confirmed_ns != 0 ? (x->confirmed_ns - start_ns) / 1000u : 0,
                    x->posted_ns != 0 ? (x->posted_ns - start_ns) / 1000u : 0,
                    x->final_ns != 0 ? (x->final_ns - start_ns) / 1000u : 0);
        }
        fclose(f);
    }
    for (size_t t = 0; t < tx_count; t++)
        free(txs[t].raw);
    free(txs);
    free(lat);
    free(posted_lat);
    free(final_lat);
    free(blocks);
    free(slots);
    free(reply.data);
    curl_slist_free_all(headers);
    curl_easy_cleanup(probe);
    curl_global_cleanup();
    return 0;
}
