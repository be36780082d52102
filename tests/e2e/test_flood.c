/* A flood far above what the committee can order: four seqd with small
 * pool caps (config mempool_txs_max, mempool_bytes_max) and small blocks
 * (genesis block_txs_max), four client threads sending JSON-RPC batches of
 * seq_sendPayload as fast as the nodes answer, for FLOOD_MS.
 *
 * Checked: every answer is a tx hash or the "pool full" error (never
 * another error, never a timeout: the slowest request is printed and must
 * stay under REQUEST_MS_MAX), the pools never hold more than their cap,
 * every node keeps committing during the flood, each node's RSS grows by
 * less than RSS_GROWTH_KIB_MAX, and the offered rate is a multiple of the
 * committed one (printed, and at least OVERLOAD_MIN: the flood is real).
 * Plain C on tests/e2e/e2e.c. */
#include <curl/curl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "e2e.h"

#define NODES              4u
#define ALL                0xfu
#define POOL_TXS_MAX       2000u
#define POOL_BYTES_MAX     (1u << 20)
#define BLOCK_TXS_MAX      20u
#define BATCH              200u /* requests in one JSON-RPC batch */
#define FLOOD_MS           6000u
#define REQUEST_MS_MAX     5000u
#define RSS_GROWTH_KIB_MAX (64u << 10)
#define OVERLOAD_MIN       3u
#define POOL_FULL_CODE     -32005
#define BODY_BYTES         (BATCH * 256u + 64u)
#define REPLY_BYTES        (BATCH * 200u + 1024u)

static e2e_committee committee;
static atomic_bool flooding;

typedef struct {
    size_t node;
    uint64_t sent, accepted, pool_full, other, requests;
    uint64_t slowest_ms;
    char first_other[256];
} client;

typedef struct {
    char text[REPLY_BYTES];
    size_t len;
} reply_buf;

static size_t reply_write(char *p, size_t size, size_t n, void *ctx)
{
    reply_buf *r = ctx;
    size_t len = size * n;
    if (len >= sizeof r->text - r->len)
        return 0;
    memcpy(r->text + r->len, p, len);
    r->len += len;
    r->text[r->len] = '\0';
    return len;
}

/* Counts the answers of one batch reply. */
static void count_reply(client *cl, const reply_buf *r)
{
    json_t *root = json_loads(r->text, 0, NULL);
    if (!json_is_array(root)) {
        cl->other += BATCH;
        snprintf(cl->first_other, sizeof cl->first_other, "not a batch reply: %.200s", r->text);
        json_decref(root);
        return;
    }
    size_t i;
    json_t *item;
    json_array_foreach(root, i, item)
    {
        json_t *error = json_object_get(item, "error");
        if (json_is_string(json_object_get(item, "result"))) {
            cl->accepted++;
        } else if (json_integer_value(json_object_get(error, "code")) == POOL_FULL_CODE &&
                   strstr(json_string_value(json_object_get(error, "message")), "full") != NULL) {
            cl->pool_full++;
        } else {
            cl->other++;
            if (cl->first_other[0] == '\0') {
                char *text = json_dumps(item, JSON_COMPACT);
                snprintf(cl->first_other, sizeof cl->first_other, "%s", text ? text : "?");
                free(text);
            }
        }
    }
    json_decref(root);
}

static void *flood(void *arg)
{
    client *cl = arg;
    CURL *h = curl_easy_init();
    E2E_CHECK(h != NULL, "curl_easy_init");
    static _Thread_local char body[BODY_BYTES];
    static _Thread_local reply_buf reply;
    struct curl_slist *headers = curl_slist_append(NULL, "Content-Type: application/json");
    curl_easy_setopt(h, CURLOPT_URL, committee.nodes[cl->node].rpc_url);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, reply_write);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &reply);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)REQUEST_MS_MAX);
    uint64_t seq = 0;
    while (atomic_load(&flooding)) {
        size_t n = (size_t)snprintf(body, sizeof body, "[");
        for (size_t k = 0; k < BATCH; k++, seq++) {
            E2E_CHECK(n < sizeof body, "request body too large");
            n +=
                (size_t)snprintf(body + n, sizeof body - n,
                                 "%s{\"jsonrpc\":\"2.0\",\"id\":%zu,\"method\":\"seq_sendPayload\","
                                 "\"params\":[3,\"0x%02zx%014" PRIx64 "%0112x\"]}",
                                 k > 0 ? "," : "", k, cl->node, seq, 0u);
        }
        E2E_CHECK(n + 2 <= sizeof body, "request body too large");
        n += (size_t)snprintf(body + n, sizeof body - n, "]");
        E2E_CHECK(n < sizeof body, "request body too large");
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)n);
        reply.len = 0;
        reply.text[0] = '\0';
        uint64_t t0 = test_now_ms();
        CURLcode rc = curl_easy_perform(h);
        uint64_t took = test_now_ms() - t0;
        cl->slowest_ms = took > cl->slowest_ms ? took : cl->slowest_ms;
        cl->sent += BATCH;
        cl->requests++;
        if (rc != CURLE_OK) {
            cl->other += BATCH;
            if (cl->first_other[0] == '\0')
                snprintf(cl->first_other, sizeof cl->first_other, "curl: %s",
                         curl_easy_strerror(rc));
            continue;
        }
        count_reply(cl, &reply);
    }
    curl_slist_free_all(headers);
    curl_easy_cleanup(h);
    return NULL;
}

/* mempool.<field> of node i, or -1. */
static int64_t pool_field(size_t i, const char *field)
{
    json_t *s = e2e_status(&committee, i);
    json_t *v = json_object_get(json_object_get(s, "mempool"), field);
    int64_t out = json_is_integer(v) ? (int64_t)json_integer_value(v) : -1;
    json_decref(s);
    return out;
}

static int64_t txs_committed(size_t i)
{
    json_t *s = e2e_status(&committee, i);
    json_t *v = json_object_get(s, "txsCommitted");
    int64_t out = json_is_integer(v) ? (int64_t)json_integer_value(v) : -1;
    json_decref(s);
    return out;
}

int main(void)
{
    uint64_t started = test_now_ms();
    /* Under ASan the nodes keep freed memory in a quarantine (256 MiB by
     * default) that would dominate their RSS; a small one (inherited by
     * the seqd processes) lets the growth show what a node holds. */
    const char *asan = getenv("ASAN_OPTIONS");
    char options[512];
    snprintf(options, sizeof options, "%s%squarantine_size_mb=8:thread_local_quarantine_size_kb=64",
             asan != NULL ? asan : "", asan != NULL && asan[0] != '\0' ? ":" : "");
    setenv("ASAN_OPTIONS", options, 1);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    e2e_setup(&committee, "test_flood", NODES, 1000, 0);
    e2e_json_set(&committee, "genesis.json", "consensus", "block_txs_max",
                 json_integer(BLOCK_TXS_MAX));
    for (size_t i = 0; i < NODES; i++) {
        char name[32];
        snprintf(name, sizeof name, "node%zu.json", i);
        e2e_json_set(&committee, name, NULL, "mempool_txs_max", json_integer(POOL_TXS_MAX));
        e2e_json_set(&committee, name, NULL, "mempool_bytes_max", json_integer(POOL_BYTES_MAX));
        e2e_node_start(&committee, i);
    }
    e2e_wait_heights(&committee, ALL, 5, 30000, "start");
    int64_t rss0[NODES], heights0[NODES], committed0 = txs_committed(0);
    for (size_t i = 0; i < NODES; i++) {
        rss0[i] = e2e_rss_kib(committee.nodes[i].pid);
        heights0[i] = e2e_height(&committee, i);
    }

    client clients[NODES];
    pthread_t threads[NODES];
    memset(clients, 0, sizeof clients);
    atomic_store(&flooding, true);
    for (size_t i = 0; i < NODES; i++) {
        clients[i].node = i;
        E2E_CHECK(pthread_create(&threads[i], NULL, flood, &clients[i]) == 0, "pthread_create");
    }
    uint64_t flood_start = test_now_ms();
    int64_t pool_max = 0, rss_growth_max = 0;
    while (test_now_ms() - flood_start < FLOOD_MS) {
        for (size_t i = 0; i < NODES; i++) {
            int64_t txs = pool_field(i, "txs");
            pool_max = txs > pool_max ? txs : pool_max;
            E2E_CHECK(txs >= 0 && txs <= (int64_t)POOL_TXS_MAX,
                      "node %zu holds %" PRId64 " txs, its cap is %u", i, txs, POOL_TXS_MAX);
            int64_t growth = e2e_rss_kib(committee.nodes[i].pid) - rss0[i];
            rss_growth_max = growth > rss_growth_max ? growth : rss_growth_max;
        }
        test_sleep_ms(200);
    }
    atomic_store(&flooding, false);
    for (size_t i = 0; i < NODES; i++)
        pthread_join(threads[i], NULL);
    uint64_t flood_ms = test_now_ms() - flood_start;

    client total;
    memset(&total, 0, sizeof total);
    for (size_t i = 0; i < NODES; i++) {
        total.sent += clients[i].sent;
        total.accepted += clients[i].accepted;
        total.pool_full += clients[i].pool_full;
        total.other += clients[i].other;
        total.requests += clients[i].requests;
        total.slowest_ms =
            clients[i].slowest_ms > total.slowest_ms ? clients[i].slowest_ms : total.slowest_ms;
        E2E_CHECK(clients[i].other == 0,
                  "node %zu: %" PRIu64 " answers were neither a hash nor "
                  "pool full, e.g. %s",
                  i, clients[i].other, clients[i].first_other);
    }
    int64_t committed = txs_committed(0) - committed0;
    for (size_t i = 0; i < NODES; i++)
        E2E_CHECK(e2e_height(&committee, i) >= heights0[i] + 10,
                  "node %zu committed less than 10 blocks during the flood", i);
    double offered = (double)total.sent * 1000.0 / (double)flood_ms;
    double ordered = (double)committed * 1000.0 / (double)flood_ms;
    printf("test_flood: %" PRIu64 " payloads offered in %" PRIu64 " ms (%.0f/s): %" PRIu64
           " accepted, %" PRIu64 " pool full; %" PRId64 " committed (%.0f/s), overload %.1fx; "
           "largest pool %" PRId64 " txs (cap %u); slowest request %" PRIu64
           " ms; RSS growth at most %" PRId64 " KiB\n",
           total.sent, flood_ms, offered, total.accepted, total.pool_full, committed, ordered,
           ordered > 0 ? offered / ordered : 0.0, pool_max, POOL_TXS_MAX, total.slowest_ms,
           rss_growth_max);
    E2E_CHECK(total.pool_full > 0, "no client was told the pool is full: no overload reached");
    E2E_CHECK(offered >= OVERLOAD_MIN * ordered, "offered %.0f/s is not %ux the committed %.0f/s",
              offered, OVERLOAD_MIN, ordered);
    E2E_CHECK(total.slowest_ms < REQUEST_MS_MAX, "a request took %" PRIu64 " ms", total.slowest_ms);
    E2E_CHECK(rss_growth_max < (int64_t)RSS_GROWTH_KIB_MAX, "a node's RSS grew by %" PRId64 " KiB",
              rss_growth_max);
    /* The pools drain once the flood stops. */
    uint64_t drain_until = test_now_ms() + 30000;
    while (pool_field(0, "txs") > 0 && test_now_ms() < drain_until)
        test_sleep_ms(100);
    E2E_CHECK(pool_field(0, "txs") == 0, "node 0's pool did not drain after the flood");
    e2e_teardown(&committee);
    curl_global_cleanup();
    printf("test_flood: OK in %" PRIu64 " ms\n", test_now_ms() - started);
    return 0;
}
