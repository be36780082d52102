/* test_committee.c — four real seqd processes on loopback order blocks and
 * transactions.
 *
 * In a fresh directory: seqctl keygen x4 (plaintext keys), seqctl genesis
 * with free loopback ports, one config per node; start four seqd, wait
 * until every node committed 20 blocks with the same hashes at the same
 * heights. Then submit signed EIP-1559 txs (each sender to its own node,
 * through the l1 client's eth_sendRawTransaction) and opaque payloads
 * (seq_sendPayload, spread over the nodes), check the rejections of a
 * duplicate and of a tx for another chain, and the txs of wallets behind a
 * load balancer (SPREAD_SENDERS new senders, each sending nonce 0 to one
 * node and nonce 1 to the next one right after: the second node must not
 * order 1 before 0 arrives by gossip, or 0 is lost; node/README.md
 * "Settling"); wait until every tx is soft-confirmed on every node at the
 * same (height, index), each sender's txs in nonce order and no tx
 * committed twice. SIGKILL one node and check that
 * the other three keep committing; restart it and check that it catches up
 * and agrees, txs included. Then SIGTERM every node (each must exit 0: a
 * clean shutdown, and no leak under the sanitizers), remove the
 * directory.
 *
 * Plain C on tests/e2e/e2e.h: every check prints what it expected and what
 * it saw, stops all nodes and exits 1. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "e2e.h"
#include "l1.h"

#define NODES             4u
#define HEIGHT_FIRST      20u    /* every node reaches this before the kill */
#define HEIGHT_MORE       10u    /* the three survivors commit this many more */
#define PHASE_MS_MAX      20000u /* each phase */
#define POLL_MS           100u
#define AGREE_HEIGHTS_MAX 300u  /* heights compared block by block */
#define L2_CHAIN_ID       901u  /* e2e_setup's genesis */
#define SENDERS           NODES /* sender k submits to node k */
#define NONCES            10u   /* txs per sender */
#define PAYLOADS          40u   /* opaque payloads, round robin over the nodes */
#define SPREAD_SENDERS    12u   /* new senders whose nonces 0 and 1 go to two nodes */
#define SETTLE_MS         300u  /* the nodes' mempool_settle_ms */
#define TXS               (SENDERS * NONCES + PAYLOADS + 2u * SPREAD_SENDERS)

static e2e_committee committee;

/* ----------------------------------------------------------------- txs */

typedef struct {
    seq_hash hash;
    int sender; /* -1 for a payload */
    uint64_t nonce;
    int64_t height; /* where node 0 committed it */
    int64_t index;
} sent_tx;

static sent_tx sent[TXS];

static void hex_of(char *out, size_t out_len, const uint8_t *in, size_t in_len)
{
    E2E_CHECK(l1_hex_encode(out, out_len, in, in_len) == SEQ_OK, "hex encode");
}

/* A signed EIP-1559 tx of sender (a test key) with nonce, for chain_id. */
static size_t signed_tx(uint8_t *raw, size_t cap, seq_hash *hash, unsigned sender, uint64_t nonce,
                        uint64_t chain_id)
{
    uint8_t key[32] = {0};
    key[31] = (uint8_t)(sender + 1);
    l1_tx tx = {.chain_id = chain_id,
                .nonce = nonce,
                .max_priority_fee_per_gas = 1000000000u,
                .max_fee_per_gas = 2000000000u,
                .gas_limit = 21000,
                .has_to = true};
    tx.to.b[19] = 0xaa;
    size_t len = 0;
    E2E_CHECK(l1_tx_sign(raw, cap, &len, hash, key, &tx) == SEQ_OK, "l1_tx_sign");
    return len;
}

static void submit_txs(void)
{
    uint8_t raw[512];
    size_t n = 0;
    for (unsigned k = 0; k < SENDERS; k++) {
        for (uint64_t nonce = 0; nonce < NONCES; nonce++, n++) {
            size_t len = signed_tx(raw, sizeof raw, &sent[n].hash, k, nonce, L2_CHAIN_ID);
            seq_hash echoed;
            seq_err err = l1_rpc_send_raw_tx(committee.nodes[k].rpc, &echoed, raw, len);
            E2E_CHECK(err == SEQ_OK, "node %u refused sender %u nonce %llu: %s (%s)", k, k,
                      (unsigned long long)nonce, seq_strerror(err),
                      l1_rpc_last_remote(committee.nodes[k].rpc) != NULL
                          ? l1_rpc_last_remote(committee.nodes[k].rpc)->message
                          : "-");
            sent[n].sender = (int)k;
            sent[n].nonce = nonce;
        }
    }
    /* The last tx again, to another node: already known there once gossip
     * delivered it, or admitted, but in no case committed twice; to its own
     * node: refused. */
    size_t len = signed_tx(raw, sizeof raw, &(seq_hash){{0}}, SENDERS - 1, NONCES - 1, L2_CHAIN_ID);
    seq_hash echoed;
    E2E_CHECK(l1_rpc_send_raw_tx(committee.nodes[SENDERS - 1].rpc, &echoed, raw, len) != SEQ_OK,
              "a duplicate tx was accepted by its ingress node");
    const l1_rpc_error *remote = l1_rpc_last_remote(committee.nodes[SENDERS - 1].rpc);
    E2E_CHECK(remote != NULL && strstr(remote->message, "already known") != NULL,
              "duplicate: expected \"already known\", got %s",
              remote != NULL ? remote->message : "-");
    /* Another chain's tx. */
    len = signed_tx(raw, sizeof raw, &(seq_hash){{0}}, 0, NONCES, L2_CHAIN_ID + 1);
    E2E_CHECK(l1_rpc_send_raw_tx(committee.nodes[0].rpc, &echoed, raw, len) != SEQ_OK,
              "a tx for another chain was accepted");
    /* Wallets behind a load balancer: nonce 0 to node k, 1 to node k + 1. */
    for (unsigned s = 0; s < SPREAD_SENDERS; s++) {
        unsigned sender = SENDERS + s;
        for (uint64_t nonce = 0; nonce < 2; nonce++, n++) {
            size_t to = (s + nonce) % NODES;
            len = signed_tx(raw, sizeof raw, &sent[n].hash, sender, nonce, L2_CHAIN_ID);
            E2E_CHECK(l1_rpc_send_raw_tx(committee.nodes[to].rpc, &echoed, raw, len) == SEQ_OK,
                      "node %zu refused sender %u nonce %llu", to, sender,
                      (unsigned long long)nonce);
            sent[n].sender = (int)sender;
            sent[n].nonce = nonce;
        }
    }
    for (unsigned p = 0; p < PAYLOADS; p++, n++) {
        uint8_t payload[32];
        memset(payload, (int)p, sizeof payload);
        char data[2 + 2 * sizeof payload + 1], params[128], *result = NULL;
        hex_of(data, sizeof data, payload, sizeof payload);
        snprintf(params, sizeof params, "[%u, \"%s\"]", 7 + p % 3, data);
        l1_rpc *rpc = committee.nodes[p % NODES].rpc;
        E2E_CHECK(l1_rpc_call(rpc, &result, "seq_sendPayload", params) == SEQ_OK,
                  "seq_sendPayload %u refused", p);
        /* The result is the hash, a JSON string. */
        E2E_CHECK(strlen(result) == 68 &&
                      l1_hex_decode_exact(sent[n].hash.b, SEQ_HASH_BYTES,
                                          (result[67] = '\0', result + 1)) == SEQ_OK,
                  "seq_sendPayload result %s", result);
        free(result);
        sent[n].sender = -1;
    }
}

/* seq_getTransactionStatus of tx on node i: *height and *index when soft-
 * confirmed (returns true), else false. */
static bool tx_location(size_t i, const sent_tx *tx, int64_t *height, int64_t *index)
{
    char hash[67], params[80], *text = NULL;
    hex_of(hash, sizeof hash, tx->hash.b, SEQ_HASH_BYTES);
    snprintf(params, sizeof params, "[\"%s\"]", hash);
    if (l1_rpc_call(committee.nodes[i].rpc, &text, "seq_getTransactionStatus", params) != SEQ_OK)
        return false;
    json_t *st = json_loads(text, 0, NULL);
    free(text);
    json_t *soft = json_object_get(st, "softConfirmed");
    bool ok = json_is_object(soft);
    if (ok) {
        *height = (int64_t)json_integer_value(json_object_get(soft, "height"));
        *index = (int64_t)json_integer_value(json_object_get(soft, "index"));
        const char *status = json_string_value(json_object_get(st, "status"));
        E2E_CHECK(status != NULL && strcmp(status, "softConfirmed") == 0, "status %s",
                  status != NULL ? status : "-");
    }
    json_decref(st);
    return ok;
}

/* Waits until every tx is soft-confirmed on every node in mask, at the
 * same place as on node 0. */
static void wait_txs(unsigned mask, const char *phase)
{
    uint64_t start = test_now_ms();
    for (size_t t = 0; t < TXS; t++) {
        for (size_t i = 0; i < NODES; i++) {
            if (!((mask >> i) & 1u))
                continue;
            int64_t h = -1, x = -1;
            while (!tx_location(i, &sent[t], &h, &x)) {
                E2E_CHECK(test_now_ms() - start < PHASE_MS_MAX,
                          "%s: tx %zu not soft-confirmed on node %zu in %u ms", phase, t, i,
                          PHASE_MS_MAX);
                test_sleep_ms(POLL_MS / 4);
            }
            if (i == 0) {
                sent[t].height = h;
                sent[t].index = x;
            }
            E2E_CHECK(h == sent[t].height && x == sent[t].index,
                      "%s: tx %zu at %lld/%lld on node %zu, %lld/%lld on node 0", phase, t,
                      (long long)h, (long long)x, i, (long long)sent[t].height,
                      (long long)sent[t].index);
        }
    }
    printf("test_committee: %s: %u txs soft-confirmed after %llu ms\n", phase, TXS,
           (unsigned long long)(test_now_ms() - start));
}

/* Each sender's txs commit in nonce order, and no tx twice: the blocks of
 * node 0 hold exactly as many txs as distinct hashes. */
static void check_tx_order(void)
{
    for (size_t t = 1; t < TXS; t++) {
        if (sent[t].sender < 0 || sent[t].sender != sent[t - 1].sender)
            continue;
        E2E_CHECK(sent[t].height > sent[t - 1].height ||
                      (sent[t].height == sent[t - 1].height && sent[t].index > sent[t - 1].index),
                  "sender %d: nonce %llu committed before nonce %llu", sent[t].sender,
                  (unsigned long long)sent[t].nonce, (unsigned long long)sent[t - 1].nonce);
    }
    int64_t top = 0;
    for (size_t t = 0; t < TXS; t++)
        top = SEQ_MAX(top, sent[t].height);
    size_t total = 0;
    for (int64_t h = 1; h <= top; h++) {
        char params[40], *text = NULL;
        snprintf(params, sizeof params, "[%lld, true]", (long long)h);
        E2E_CHECK(l1_rpc_call(committee.nodes[0].rpc, &text, "seq_getBlockByHeight", params) ==
                      SEQ_OK,
                  "block %lld", (long long)h);
        json_t *b = json_loads(text, 0, NULL);
        free(text);
        json_t *txs = json_object_get(b, "transactions");
        E2E_CHECK(json_is_array(txs) && json_array_size(txs) == (size_t)json_integer_value(
                                                                    json_object_get(b, "txCount")),
                  "block %lld: transactions do not match txCount", (long long)h);
        total += json_array_size(txs);
        json_decref(b);
    }
    E2E_CHECK(total == TXS, "blocks 1..%lld hold %zu txs, %u were submitted once each",
              (long long)top, total, TXS);
}

/* ---------------------------------------------------------------- RPC */

/* Time a node has to fetch the QC of a block it committed without one. */
#define QC_GRACE_MS 1500u

/* Committed blocks the agreement check found without a stored QC. */
static unsigned blocks_without_qc;

/* The hash of node i's block at height into out ("0x..."); false if none. */
static bool hash_at(char out[67], size_t i, uint64_t height)
{
    char params[32], *text = NULL;
    snprintf(params, sizeof params, "[%llu]", (unsigned long long)height);
    if (l1_rpc_call(committee.nodes[i].rpc, &text, "seq_getBlockByHeight", params) != SEQ_OK)
        return false;
    json_t *b = json_loads(text, 0, NULL);
    free(text);
    const char *hash = json_string_value(json_object_get(b, "hash"));
    bool ok = hash != NULL && strlen(hash) == 66;
    json_int_t signers = json_integer_value(json_object_get(b, "qcSigners"));
    E2E_CHECK(signers == 0 || signers >= 3, "node %zu: height %llu has a QC of %lld signers", i,
              (unsigned long long)height, (long long)signers);
    blocks_without_qc += ok && signers == 0;
    if (ok)
        memcpy(out, hash, 67);
    json_decref(b);
    return ok;
}

/* Every node in mask has the same block at each height 1..up_to. */
static void check_agreement(unsigned mask, uint64_t up_to)
{
    uint64_t from = up_to > AGREE_HEIGHTS_MAX ? up_to - AGREE_HEIGHTS_MAX + 1 : 1;
    for (uint64_t h = from; h <= up_to; h++) {
        char first[67] = "", other[67];
        for (size_t i = 0; i < NODES; i++) {
            if (!((mask >> i) & 1u))
                continue;
            E2E_CHECK(hash_at(other, i, h), "node %zu has no committed block at height %llu", i,
                      (unsigned long long)h);
            if (first[0] == '\0')
                memcpy(first, other, sizeof first);
            E2E_CHECK(strcmp(first, other) == 0, "height %llu: node %zu has %s, another has %s",
                      (unsigned long long)h, i, other, first);
        }
    }
}

/* Every node in mask stores a QC for each committed height below up_to
 * (the store must prove its chain to serve block sync). A block committed
 * without one has its QC fetched, so a missing one gets QC_GRACE_MS. */
static void check_qcs_stored(unsigned mask, uint64_t up_to)
{
    test_sleep_ms(QC_GRACE_MS);
    unsigned before = blocks_without_qc;
    check_agreement(mask, up_to);
    E2E_CHECK(blocks_without_qc == before,
              "%u committed blocks below height %llu have no stored QC", blocks_without_qc - before,
              (unsigned long long)up_to);
}

int main(void)
{
    uint64_t started = test_now_ms();
    e2e_setup(&committee, "test_committee", NODES, 300 /* views led by the killed node time
                                                        out quickly */
              ,
              0);
    const unsigned all = (1u << NODES) - 1u, survivors = all & ~(1u << (NODES - 1));

    for (size_t i = 0; i < NODES; i++) {
        /* Room for gossip on a loaded machine (sanitizers, parallel tests). */
        char name[16];
        snprintf(name, sizeof name, "node%zu.json", i);
        e2e_json_set(&committee, name, NULL, "mempool_settle_ms", json_integer(SETTLE_MS));
        e2e_node_start(&committee, i);
    }
    e2e_wait_heights(&committee, all, HEIGHT_FIRST, PHASE_MS_MAX, "four nodes");
    check_agreement(all, (uint64_t)e2e_min_height(&committee, all));
    submit_txs();
    wait_txs(all, "four nodes");
    check_tx_order();

    e2e_node_stop(&committee, NODES - 1, SIGKILL);
    int64_t at_kill = e2e_min_height(&committee, survivors);
    E2E_CHECK(at_kill >= HEIGHT_FIRST, "survivors answer after the kill");
    e2e_wait_heights(&committee, survivors, (uint64_t)at_kill + HEIGHT_MORE, PHASE_MS_MAX,
                     "three nodes after SIGKILL");

    e2e_node_start(&committee, NODES - 1);
    int64_t target = e2e_min_height(&committee, survivors);
    e2e_wait_heights(&committee, all, (uint64_t)target, PHASE_MS_MAX, "restarted node caught up");
    check_agreement(all, (uint64_t)e2e_min_height(&committee, all));
    wait_txs(all, "restarted node caught up");
    check_qcs_stored(all, (uint64_t)e2e_min_height(&committee, all));

    e2e_teardown(&committee);
    printf("test_committee: OK in %llu ms (%u committed blocks seen without a stored QC)\n",
           (unsigned long long)(test_now_ms() - started), blocks_without_qc);
    return 0;
}
