/* A committee of 4 seqd with an L1: a private anvil, the contracts deployed
 * by `seqctl l1 deploy`, each node following them (l1_rpc, l1_poll_ms).
 *
 *   1. Every node verifies the deployment and follows L1 up to its head.
 *   2. A tx queued with forceInclude (stored by every node as a waiting
 *      forced entry, l1.forcedQueue) and a forceAdvance past its window
 *      (both sent with cast, as any user could) reach every node: the
 *      ForcedTxQueued and ForceAdvanced events, batch 0 on L1 with its L1
 *      block and tx, and the Inbox's own counters.
 *   3. L1 down (anvil stopped): every node keeps committing blocks, and its
 *      L1 part reports the failure (ok false, failures counted, the error).
 *   4. L1 back (anvil restarted on the same port with its state): every
 *      node recovers by itself and follows on from where it was.
 *   5. A node restarted reports the stored batch and cursor at once, before
 *      its first poll.
 * Plain C on tests/e2e/e2e.c; SEQ_ANVIL and SEQ_CAST name the tools. */
#include <curl/curl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "anvil.h"
#include "clock.h"
#include "e2e.h"

#define NODES         4u
#define ALL           0xfu
#define WAIT_MS       30000u
#define OUTAGE_MS     3000u
#define FORCE_FEE     "10000000000000000" /* wei: the devnet default */
#define WINDOW_BLOCKS 41u                 /* inclusion window 32 + grace 8 + 1 */

static e2e_committee committee;
static test_anvil anvil;
static char anvil_path[E2E_PATH_BYTES];
static const char *cast_path;

static void stop_anvil(void)
{
    test_anvil_stop(&anvil);
}

static void start_anvil(uint16_t port)
{
    e2e_anvil_start(&committee, &anvil, anvil_path, port, NULL);
}

/* anvil_mine of n blocks through node 0's test client. */
static void mine(unsigned n)
{
    l1_rpc *rpc = NULL;
    E2E_CHECK(l1_rpc_new(&rpc, anvil.url, NULL) == SEQ_OK, "l1_rpc_new");
    char params[32], *result = NULL;
    snprintf(params, sizeof params, "[\"0x%x\"]", n);
    seq_err err = l1_rpc_call(rpc, &result, "anvil_mine", params);
    E2E_CHECK(err == SEQ_OK, "anvil_mine: %s", l1_rpc_last_error(rpc));
    free(result);
    l1_rpc_free(rpc);
}

/* cast send from the funded dev account. */
static void cast_send(const char *to, const char *signature, const char *arg, const char *value)
{
    char *argv[16];
    size_t a = 0;
    argv[a++] = (char *)cast_path;
    argv[a++] = "send";
    argv[a++] = "--rpc-url";
    argv[a++] = anvil.url;
    argv[a++] = "--private-key";
    argv[a++] = E2E_DEV_KEY;
    if (value != NULL) {
        argv[a++] = "--value";
        argv[a++] = (char *)value;
    }
    argv[a++] = (char *)to;
    argv[a++] = (char *)signature;
    if (arg != NULL)
        argv[a++] = (char *)arg;
    argv[a] = NULL;
    e2e_tool(&committee, argv);
}

typedef struct {
    char text[1 << 19];
    size_t len;
} http_body;

static size_t body_write(char *p, size_t size, size_t n, void *ctx)
{
    http_body *b = ctx;
    size_t len = size * n;
    if (len >= sizeof b->text - b->len)
        return 0;
    memcpy(b->text + b->len, p, len);
    b->len += len;
    b->text[b->len] = '\0';
    return len;
}

/* GET /metrics of node i into b; fails unless 200 with the Prometheus
 * content type. */
static void metrics_get(size_t i, http_body *b)
{
    char url[96];
    snprintf(url, sizeof url, "%s/metrics", committee.nodes[i].rpc_url);
    b->len = 0;
    b->text[0] = '\0';
    CURL *h = curl_easy_init();
    E2E_CHECK(h != NULL, "curl_easy_init");
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, body_write);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, b);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 5000L);
    CURLcode rc = curl_easy_perform(h);
    long code = 0;
    char *type = NULL;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
    curl_easy_getinfo(h, CURLINFO_CONTENT_TYPE, &type);
    bool prometheus = type != NULL && strncmp(type, "text/plain; version=0.0.4", 25) == 0;
    curl_easy_cleanup(h);
    E2E_CHECK(rc == CURLE_OK && code == 200 && prometheus, "GET %s: curl %d, HTTP %ld", url,
              (int)rc, code);
}

typedef bool (*l1_pred)(const json_t *l1, const void *arg);

/* Waits until pred holds for node i's l1 status. */
static void wait_l1(size_t i, l1_pred pred, const void *arg, const char *phase)
{
    uint64_t until = test_now_ms() + WAIT_MS;
    for (;;) {
        json_t *l1 = e2e_status_l1(&committee, i);
        bool ok = l1 != NULL && pred(l1, arg);
        if (!ok && test_now_ms() > until) {
            char *text = l1 != NULL ? json_dumps(l1, JSON_COMPACT) : NULL;
            e2e_fail("%s: node %zu: l1 status %s", phase, i, text != NULL ? text : "(none)");
        }
        json_decref(l1);
        if (ok)
            return;
        test_sleep_ms(50);
    }
}

static bool following(const json_t *l1, const void *arg)
{
    uint64_t block = *(const uint64_t *)arg;
    return json_is_true(json_object_get(l1, "ok")) &&
           json_is_true(json_object_get(l1, "verified")) &&
           e2e_int_at(l1, "cursor") >= (int64_t)block;
}

static bool batch_zero_seen(const json_t *l1, const void *arg)
{
    (void)arg;
    return e2e_int_at(l1, "lastBatch.index") == 0 && e2e_int_at(l1, "events.ForcedTxQueued") == 1 &&
           e2e_int_at(l1, "events.ForceAdvanced") == 1 &&
           e2e_int_at(l1, "events.BatchPosted") == 1 &&
           e2e_int_at(l1, "inboxStatus.batches") == 1 &&
           e2e_int_at(l1, "inboxStatus.forcedQueued") == 1 &&
           e2e_int_at(l1, "inboxStatus.forcedConsumed") == 1 &&
           e2e_int_at(l1, "forcedQueue.stored") == 1 &&
           e2e_int_at(l1, "forcedQueue.consumed") == 1 &&
           e2e_int_at(l1, "forcedQueue.waiting") == 0;
}

/* The queued tx is stored by the node, waiting: no batch consumed it. */
static bool forced_waiting(const json_t *l1, const void *arg)
{
    (void)arg;
    return e2e_int_at(l1, "forcedQueue.stored") == 1 &&
           e2e_int_at(l1, "forcedQueue.waiting") == 1 &&
           e2e_int_at(l1, "forcedQueue.consumed") == 0 &&
           e2e_int_at(l1, "forcedQueue.oldestAgeBlocks") > 0;
}

static bool failing(const json_t *l1, const void *arg)
{
    (void)arg;
    const char *why = json_string_value(json_object_get(l1, "lastError"));
    return json_is_false(json_object_get(l1, "ok")) && e2e_int_at(l1, "failuresConsecutive") >= 2 &&
           why != NULL && why[0] != '\0';
}

static uint64_t record_block(void)
{
    json_t *r = e2e_json_load(&committee, "l1-deployment.json");
    int64_t block = e2e_int_at(r, "deployment_block");
    const char *inbox = json_string_value(json_object_get(r, "inbox_address"));
    E2E_CHECK(block > 0 && inbox != NULL, "the deployment record has no block or inbox");
    json_decref(r);
    return (uint64_t)block;
}

static void record_inbox(char out[64])
{
    json_t *r = e2e_json_load(&committee, "l1-deployment.json");
    snprintf(out, 64, "%s", json_string_value(json_object_get(r, "inbox_address")));
    json_decref(r);
}

/* stdout of a cast command line (trimmed) into out; fails unless it exits 0. */
static void cast_capture(char *out, size_t out_len, const char *args)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "'%s' %s", cast_path, args);
    FILE *p = popen(cmd, "r");
    E2E_CHECK(p != NULL, "popen %s", cmd);
    size_t n = fread(out, 1, out_len - 1, p);
    out[n] = '\0';
    while (n > 0 && (out[n - 1] == '\n' || out[n - 1] == ' '))
        out[--n] = '\0';
    E2E_CHECK(pclose(p) == 0 && n > 0, "cast %s failed", args);
}

/* Wallet compatibility through the API: a legacy (EIP-155), an EIP-2930 and
 * an EIP-1559 tx, each built and signed by `cast mktx` for chain 901, go
 * through eth_sendRawTransaction at different nodes; each answer is the
 * hash cast computes, and all three are soft-confirmed on every node, in
 * nonce order. */
static void cast_wallet_txs(void)
{
    static const char *const forms[3] = {
        "--legacy --gas-price 1000000000",
        "--legacy --gas-price 1000000000 --access-list "
        "'[{\"address\":\"0x0000000000000000000000000000000000000002\",\"storageKeys\":[]}]'",
        "--gas-price 2000000000 --priority-gas-price 1000000000",
    };
    char hashes[3][80];
    for (size_t k = 0; k < 3; k++) {
        char args[1200], raw[1024], want[80], *got = NULL;
        snprintf(args, sizeof args,
                 "mktx --chain 901 --nonce %zu --gas-limit 30000 %s --private-key "
                 "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d "
                 "0x0000000000000000000000000000000000000001 --value %zu",
                 k, forms[k], k + 1);
        cast_capture(raw, sizeof raw, args);
        snprintf(args, sizeof args, "keccak %s", raw);
        cast_capture(want, sizeof want, args);
        char params[1100];
        snprintf(params, sizeof params, "[\"%s\"]", raw);
        l1_rpc *node = committee.nodes[k].rpc;
        E2E_CHECK(l1_rpc_call(node, &got, "eth_sendRawTransaction", params) == SEQ_OK,
                  "type %zu tx refused: %s", k, l1_rpc_last_error(node));
        E2E_CHECK(strlen(got) == strlen(want) + 2 && strncmp(got + 1, want, strlen(want)) == 0,
                  "type %zu: the node says %s, cast says %s", k, got, want);
        snprintf(hashes[k], sizeof hashes[k], "%s", want);
        free(got);
    }
    int64_t last = -1;
    for (size_t k = 0; k < 3; k++) {
        for (size_t i = 0; i < NODES; i++) {
            uint64_t until = test_now_ms() + WAIT_MS;
            int64_t at = -1;
            while (at < 0) {
                char params[96], *result = NULL;
                snprintf(params, sizeof params, "[\"%s\"]", hashes[k]);
                if (l1_rpc_call(committee.nodes[i].rpc, &result, "seq_getTransactionStatus",
                                params) == SEQ_OK) {
                    json_t *st = json_loads(result, 0, NULL);
                    json_t *soft = json_object_get(st, "softConfirmed");
                    if (json_is_object(soft))
                        at = e2e_int_at(soft, "height") * 100000 + e2e_int_at(soft, "index");
                    json_decref(st);
                }
                free(result);
                E2E_CHECK(at >= 0 || test_now_ms() < until, "tx %s not soft-confirmed on node %zu",
                          hashes[k], i);
                if (at < 0)
                    test_sleep_ms(50);
            }
            if (i == 0) {
                E2E_CHECK(at > last, "the sender's txs are out of nonce order");
                last = at;
            }
        }
    }
    printf("test_e2e_l1: cast mktx legacy, EIP-2930 and EIP-1559 txs soft-confirmed in order\n");
}

int main(void)
{
    const char *anvil_env = getenv("SEQ_ANVIL");
    cast_path = getenv("SEQ_CAST");
    if (anvil_env == NULL || anvil_env[0] == '\0' || cast_path == NULL || cast_path[0] == '\0') {
        fprintf(stderr, "test_e2e_l1: SEQ_ANVIL and SEQ_CAST must name anvil and cast\n");
        return 1;
    }
    snprintf(anvil_path, sizeof anvil_path, "%s", anvil_env);
    e2e_setup(&committee, "test_e2e_l1", NODES, 1000, 0);
    atexit(stop_anvil);
    start_anvil(0);
    uint16_t anvil_port = anvil.port;

    /* Deploy from the dev account (its key in a 0600 file). */
    e2e_dev_key_write(&committee);
    e2e_l1_deploy(&committee, anvil.url);
    uint64_t deployed = record_block();
    char inbox[64];
    record_inbox(inbox);
    for (size_t i = 0; i < NODES; i++) {
        e2e_config_l1(&committee, i, anvil.url);
        e2e_node_start(&committee, i);
    }
    e2e_wait_heights(&committee, ALL, 3, WAIT_MS, "start");
    cast_wallet_txs();

    /* 1. Following. */
    mine(2);
    for (size_t i = 0; i < NODES; i++)
        wait_l1(i, following, &deployed, "following the deployment");
    printf("test_e2e_l1: 4 nodes verified the deployment (block %" PRIu64 ") and follow L1\n",
           deployed);

    /* 2. Forced inclusion and the escape hatch, as any user would. */
    cast_send(inbox, "forceInclude(bytes)", "0x02c0ffee", FORCE_FEE);
    mine(WINDOW_BLOCKS);
    for (size_t i = 0; i < NODES; i++)
        wait_l1(i, forced_waiting, NULL, "the forced tx stored, waiting");
    cast_send(inbox, "forceAdvance()", NULL, NULL);
    mine(2);
    for (size_t i = 0; i < NODES; i++)
        wait_l1(i, batch_zero_seen, NULL, "batch 0 by forceAdvance");
    json_t *l1 = e2e_status_l1(&committee, 0);
    int64_t batch_block = e2e_int_at(l1, "lastBatch.l1Block");
    int64_t cursor_before = e2e_int_at(l1, "cursor");
    json_decref(l1);
    E2E_CHECK(batch_block > (int64_t)deployed, "batch 0 in L1 block %" PRId64, batch_block);
    printf("test_e2e_l1: batch 0 (forceAdvance) in L1 block %" PRId64 " seen by every node\n",
           batch_block);
    static http_body metrics;
    metrics_get(3, &metrics);
    E2E_CHECK(strstr(metrics.text, "\nseq_l1_ok 1\n") != NULL &&
                  strstr(metrics.text, "seq_l1_events_total{event=\"ForceAdvanced\"} 1\n") !=
                      NULL &&
                  strstr(metrics.text, "\nseq_l1_inbox_batches 1\n") != NULL &&
                  strstr(metrics.text, "\nseq_height_committed ") != NULL,
              "node 3's /metrics lacks what seq_status shows:\n%s", metrics.text);

    /* 3. L1 down: ordering goes on, the L1 part reports. */
    int64_t before = e2e_min_height(&committee, ALL);
    stop_anvil();
    uint64_t down_at = test_now_ms();
    for (size_t i = 0; i < NODES; i++)
        wait_l1(i, failing, NULL, "L1 down is reported");
    while (test_now_ms() < down_at + OUTAGE_MS)
        test_sleep_ms(50);
    e2e_wait_heights(&committee, ALL, (uint64_t)before + 10, WAIT_MS, "ordering while L1 is down");
    json_t *down = e2e_status_l1(&committee, 1);
    printf("test_e2e_l1: L1 down: heights %" PRId64 " -> %" PRId64 ", node 1 reports \"%s\"\n",
           before, e2e_min_height(&committee, ALL),
           json_string_value(json_object_get(down, "lastError")));
    json_decref(down);
    metrics_get(0, &metrics);
    E2E_CHECK(strstr(metrics.text, "\nseq_l1_ok 0\n") != NULL,
              "node 0's /metrics does not show L1 down");

    /* 4. L1 back with its state: every node recovers and follows on. */
    start_anvil(anvil_port);
    mine(3);
    uint64_t next = (uint64_t)cursor_before + 1;
    for (size_t i = 0; i < NODES; i++)
        wait_l1(i, following, &next, "following again after L1 came back");
    for (size_t i = 0; i < NODES; i++)
        wait_l1(i, batch_zero_seen, NULL, "batch 0 still known");

    /* 5. A restarted node reports what it stored before its first poll. */
    e2e_node_stop(&committee, 2, SIGTERM);
    stop_anvil();
    e2e_node_start(&committee, 2);
    e2e_wait_heights(&committee, 1u << 2, (uint64_t)before + 10, WAIT_MS, "node 2 restarted");
    l1 = e2e_status_l1(&committee, 2);
    E2E_CHECK(l1 != NULL && e2e_int_at(l1, "lastBatch.index") == 0 &&
                  e2e_int_at(l1, "cursor") >= (int64_t)next,
              "node 2 forgot its L1 state across a restart");
    json_decref(l1);

    e2e_teardown(&committee);
    printf("test_e2e_l1: ok\n");
    return 0;
}
