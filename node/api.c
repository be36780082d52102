/* api.c — the node's HTTP API on nng's HTTP server: GET /health, GET
 * /metrics (Prometheus text, metrics.c) and JSON-RPC 2.0 on POST / (single requests and batches):
 * eth_sendRawTransaction, seq_sendPayload, seq_getTransactionStatus, seq_getBlockByHeight,
 * seq_status, seq_getEvidence, seq_getForcedEntry, seq_getForcedQueue, and in test
 * builds seq_testSetFault and seq_testGetFault. Callbacks run on nng's threads; they
 * read the runtime's status snapshot and the store, submit to the txpool and
 * switch the transport's fault layer (net calls are thread-safe), never touching
 * the consensus core. */
#include "internal.h"

#include <nng/supplemental/http/http.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "l1.h"

/* JSON-RPC 2.0 error codes. */
#define API_PARSE_ERROR      (-32700)
#define API_INVALID_REQUEST  (-32600)
#define API_METHOD_NOT_FOUND (-32601)
#define API_INVALID_PARAMS   (-32602)
#define API_INTERNAL_ERROR   (-32603)

/* A batch member not run because the batch's replies grew too large. */
#define API_REPLY_TOO_LARGE (-32005)

struct node_api {
    nng_url *url;
    nng_http_server *server;
    node_rpc rpc;
};

/* ------------------------------------------------------------- JSON */

static json_t *json_hex(const uint8_t *bytes, size_t len)
{
    char text[2 + 2 * SEQ_SIG_BYTES + 1];
    SEQ_ASSERT(len <= SEQ_SIG_BYTES);
    node_config_hex(text, 2 + 2 * len + 1, bytes, len);
    return json_string(text);
}

static json_t *json_addr(const seq_addr *addr)
{
    char text[43];
    l1_addr_checksum(text, addr);
    return json_string(text);
}

static json_t *json_u64(uint64_t v)
{
    return json_integer((json_int_t)v);
}

static json_t *status_peers(const node_status *s)
{
    json_t *peers = json_array();
    for (size_t i = 0; peers != NULL && i < s->committee_size; i++) {
        const node_peer_status *p = &s->peers[i];
        json_array_append_new(
            peers,
            json_pack("{s:I,s:o,s:b,s:b,s:I,s:I,s:I,s:I,s:I,s:I,s:I}", "index", (json_int_t)i,
                      "address", json_addr(&p->address), "self", i == s->self_index, "connected",
                      p->connected, "framesIn", (json_int_t)p->frames_in, "framesOut",
                      (json_int_t)p->frames_out, "bytesIn", (json_int_t)p->bytes_in, "bytesOut",
                      (json_int_t)p->bytes_out, "drops", (json_int_t)p->drops, "authFailures",
                      (json_int_t)p->auth_failures, "protocolErrors",
                      (json_int_t)p->protocol_errors));
    }
    return peers;
}

/* The transport's totals: what reached the node before (or without) an
 * authenticated peer, closes by reason. */
static json_t *transport_json(const net_counters *n)
{
    json_t *closed = json_object();
    for (size_t r = 0; closed != NULL && r < NET_CLOSE_REASON_COUNT_; r++)
        json_object_set_new(closed, net_close_reason_name((net_close_reason)r),
                            json_u64(n->closed[r]));
    return json_pack("{s:o,s:o,s:o,s:o,s:o,s:o,s:o}", "accepted", json_u64(n->accepted), "dials",
                     json_u64(n->dials), "dialFailures", json_u64(n->dial_failures), "handshakes",
                     json_u64(n->handshakes), "inboxDepth", json_u64(n->inbox_depth), "inboxBytes",
                     json_u64(n->inbox_bytes), "closed", closed);
}

/* The batcher (node/README.md "Batches"): the batch in hand and the
 * counters; null when this node does not post. */
static json_t *batcher_json(const node_batcher_status *b)
{
    if (!b->enabled)
        return json_null();
    json_t *o = json_object();
    const struct {
        const char *name;
        uint64_t value;
    } n[] = {
        {"index", b->index},
        {"firstHeight", b->first_height},
        {"lastHeight", b->last_height},
        {"forcedCursor", b->forced_cursor},
        {"blocks", b->block_count},
        {"txs", b->tx_count},
        {"payloadBytes", b->payload_bytes},
        {"dataBytes", b->data_bytes},
        {"attestations", b->attestations},
        {"attestedWeight", b->attested_weight},
        {"quorumWeight", b->quorum_weight},
        {"poster", b->poster},
        {"attempt", b->attempt},
        {"waitingMs", b->waiting_ms},
        {"batchesFormed", b->batches_formed},
        {"attestationsSigned", b->attestations_signed},
        {"attestationsReceived", b->attestations_received},
        {"attestationsRejected", b->attestations_rejected},
        {"attestationsDropped", b->attestations_dropped},
        {"postsSent", b->posts_sent},
        {"postsRefused", b->posts_refused},
        {"postsFailed", b->posts_failed},
        {"postsReverted", b->posts_reverted},
        {"postsFailover", b->posts_failover},
        {"gasUsed", b->gas_used},
        {"batchesSeen", b->batches_seen},
        {"forcedBatchesSeen", b->forced_batches_seen},
        {"failoversSeen", b->failovers_seen},
        {"blocksPosted", b->blocks_posted},
        {"txsPosted", b->txs_posted},
        {"payloadBytesPosted", b->payload_bytes_posted},
        {"dataBytesPosted", b->data_bytes_posted},
        {"postedHeight", b->posted_height},
    };
    json_object_set_new(o, "enabled", json_true());
    json_object_set_new(o, "hasBatch", json_boolean(b->has_batch));
    for (size_t i = 0; o != NULL && i < SEQ_ARRAY_LEN(n); i++)
        json_object_set_new(o, n[i].name, json_u64(n[i].value));
    json_object_set_new(o, "postLagCount", json_u64(b->post_lag.count));
    json_object_set_new(o, "postLagSumMs", json_u64(b->post_lag.sum_ms));
    json_object_set_new(o, "lastError", json_string(b->last_error));
    return o;
}

/* The forced entries committed blocks consumed: how many, how many with
 * a copy, and the soft latency of those (count, sum, mean); then the
 * posting latency of the entries live batches consumed on L1. */
static json_t *forced_json(const node_forced_stats *f, const node_post_lag *posted)
{
    return json_pack(
        "{s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o}", "cursor", json_u64(f->last_cursor), "consumed",
        json_u64(f->consumed), "included", json_u64(f->included), "softLagCount",
        json_u64(f->soft_lag.count), "softLagSumMs", json_u64(f->soft_lag.sum_ms), "softLagMeanMs",
        f->soft_lag.count > 0 ? json_u64(f->soft_lag.sum_ms / f->soft_lag.count) : json_null(),
        "postedLagCount", json_u64(posted->count), "postedLagSumMs", json_u64(posted->sum_ms),
        "postedLagMeanMs",
        posted->count > 0 ? json_u64(posted->sum_ms / posted->count) : json_null());
}

/* The L1 link: where it follows, how far, the newest batch on L1 and the
 * Inbox's counters, and whether the last poll worked (and why not). */
static json_t *l1_json(const node_l1link_status *l, const node_forced_stats *forced,
                       uint64_t now_ms)
{
    if (!l->enabled)
        return json_pack("{s:b}", "enabled", false);
    json_t *batch = json_null();
    if (l->has_batch)
        batch = json_pack("{s:o,s:o,s:o,s:o,s:o,s:o}", "index", json_u64(l->last_batch.index),
                          "firstHeight", json_u64(l->last_batch.first_height), "lastHeight",
                          json_u64(l->last_batch.last_height), "l1Block",
                          json_u64(l->last_batch.l1_block), "l1TxHash",
                          json_hex(l->last_batch.l1_tx_hash.b, SEQ_HASH_BYTES), "batchHash",
                          json_hex(l->last_batch.batch_hash.b, SEQ_HASH_BYTES));
    json_t *inbox = json_null();
    if (l->has_inbox_head)
        inbox =
            json_pack("{s:o,s:o,s:o}", "batches", json_u64(l->inbox_next_index), "forcedQueued",
                      json_u64(l->forced_count), "forcedConsumed", json_u64(l->forced_consumed));
    json_t *events = json_object();
    for (int k = L1_EVENT_UNKNOWN + 1; events != NULL && k < L1_EVENT_KIND_COUNT_; k++)
        json_object_set_new(events, l1_event_name((l1_event_kind)k), json_u64(l->events[k]));
    json_t *o = json_pack(
        "{s:b,s:s,s:o,s:o,s:o,s:b,s:b,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:s}", "enabled",
        true, "rpc", l->url, "chainId", json_u64(l->chain_id), "committee",
        json_addr(&l->committee), "inbox", json_addr(&l->inbox), "ok", l->ok, "verified",
        l->verified, "head", json_u64(l->head), "cursor",
        l->has_cursor ? json_u64(l->cursor) : json_null(), "lagBlocks",
        json_u64(l->has_cursor && l->head > l->cursor ? l->head - l->cursor : 0), "polls",
        json_u64(l->polls), "pollFailures", json_u64(l->poll_failures), "failuresConsecutive",
        json_u64(l->failures_consecutive), "reorgs", json_u64(l->reorgs), "lastOkAgoMs",
        l->last_ok_ms > 0 ? json_u64(now_ms - SEQ_MIN(l->last_ok_ms, now_ms)) : json_null(),
        "events", events, "lastBatch", batch, "inboxStatus", inbox, "lastError", l->last_error);
    if (o != NULL) {
        /* The forced queue as stored: what is waiting, and how long the
         * oldest has waited against the inclusion window. */
        uint64_t age = l->has_forced_oldest && l->head > l->forced_oldest_block
                           ? l->head - l->forced_oldest_block
                           : 0;
        json_object_set_new(
            o, "forcedQueue",
            json_pack(
                "{s:o,s:o,s:o,s:o,s:o,s:o,s:b}", "stored", json_u64(l->forced_stored), "consumed",
                json_u64(l->forced_consumed_stored), "waiting",
                json_u64(l->forced_stored - SEQ_MIN(l->forced_consumed_stored, l->forced_stored)),
                "oldestL1Block",
                l->has_forced_oldest ? json_u64(l->forced_oldest_block) : json_null(),
                "oldestAgeBlocks", l->has_forced_oldest ? json_u64(age) : json_null(),
                "inclusionWindowBlocks", json_u64(l->inclusion_window), "oldestOverdue",
                l->has_forced_oldest && age > l->inclusion_window));
        json_object_set_new(o, "forcedL2", forced_json(forced, &l->forced_posted_lag));
        json_object_set_new(o, "origin",
                            json_pack("{s:o,s:o,s:o}", "newest",
                                      l->has_origin ? json_u64(l->origin_number) : json_null(),
                                      "newestTimestamp",
                                      l->has_origin ? json_u64(l->origin_timestamp) : json_null(),
                                      "mismatches", json_u64(l->origin_mismatches)));
        json_object_set_new(o, "finalized",
                            l->has_finalized ? json_u64(l->finalized) : json_null());
        json_object_set_new(o, "batcher", batcher_json(&l->batcher));
    }
    return o;
}

/* Per committee member: committed blocks proposed and leader slots missed
 * since this node started. */
static json_t *status_validators(const node_status *s)
{
    json_t *list = json_array();
    size_t n = SEQ_MIN(s->committee_size, (size_t)CONS_VALIDATORS_MAX);
    for (size_t i = 0; list != NULL && i < n; i++) {
        const node_validator_status *v = &s->validators[i];
        json_array_append_new(list, json_pack("{s:I,s:o,s:o,s:o}", "index", (json_int_t)i,
                                              "address", json_addr(&v->address),
                                              "proposedCommitted", json_u64(v->proposed_committed),
                                              "slotsMissed", json_u64(v->slots_missed)));
    }
    return list;
}

/* Evidence: totals, and per accused committee member. */
static json_t *evidence_status_json(const node_status *s)
{
    const node_evidence_stats *e = &s->evidence;
    json_t *list = json_array();
    size_t n = SEQ_MIN(s->committee_size, (size_t)CONS_VALIDATORS_MAX);
    for (size_t i = 0; list != NULL && i < n; i++) {
        const node_evidence_validator *v = &e->validators[i];
        json_array_append_new(
            list, json_pack("{s:I,s:o,s:o,s:o,s:o,s:o,s:b}", "index", (json_int_t)i, "address",
                            json_addr(&s->validators[i].address), "detected", json_u64(v->detected),
                            "received", json_u64(v->received), "submitted", json_u64(v->submitted),
                            "accepted", json_u64(v->accepted), "slashed", v->slashed));
    }
    return json_pack("{s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o}", "detected",
                     json_u64(e->detected), "received", json_u64(e->received), "submitted",
                     json_u64(e->submitted), "accepted", json_u64(e->accepted), "known",
                     json_u64(e->known), "capped", json_u64(e->capped), "invalid",
                     json_u64(e->invalid), "storeFailures", json_u64(e->store_failures), "gossiped",
                     json_u64(e->gossiped), "submitRefused", json_u64(e->submit_refused),
                     "submitFailed", json_u64(e->submit_failed), "validators", list);
}

/* The figures of the commits this node applied: per validator, since
 * which view, when the last one was, and the latency's count and sum. */
static void status_commits(json_t *status, const node_status *s)
{
    if (status == NULL)
        return;
    json_object_set_new(status, "validators", status_validators(s));
    json_object_set_new(status, "evidence", evidence_status_json(s));
    json_object_set_new(status, "slotsFromView", json_u64(s->slots_from_view));
    json_object_set_new(status, "lastCommitMs",
                        s->last_commit_ms > 0 ? json_u64(s->last_commit_ms) : json_null());
    json_object_set_new(status, "commitLatencyMs",
                        json_pack("{s:o,s:o}", "count", json_u64(s->commit_latency.count), "sum",
                                  json_u64(s->commit_latency.sum_ms)));
}

static json_t *status_json(const node_status *s)
{
    const cons_stats *c = &s->stats;
    json_t *stats =
        json_pack("{s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o}", "proposalsMade", json_u64(c->proposals_made),
                  "votesSent", json_u64(c->votes_sent), "timeoutsSent", json_u64(c->timeouts_sent),
                  "qcsFormed", json_u64(c->qcs_formed), "tcsFormed", json_u64(c->tcs_formed),
                  "blocksCommitted", json_u64(c->blocks_committed), "evidenceFound",
                  json_u64(c->evidence_found), "fetchesSent", json_u64(c->fetches_sent));
    json_t *messages =
        json_pack("{s:o,s:o,s:o,s:o}", "in", json_u64(s->messages_in), "invalid",
                  json_u64(s->messages_invalid), "ignored", json_u64(s->messages_ignored),
                  "syncServed", json_u64(s->sync_served));
    const mempool_stats *m = &s->txpool.pool;
    uint64_t rejected = 0;
    for (size_t r = 1; r < MEMPOOL_REJECT_COUNT_; r++)
        rejected += m->rejected[r];
    json_t *pool = json_pack(
        "{s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o}", "txs", json_u64(m->txs), "bytes",
        json_u64(m->bytes), "senders", json_u64(m->senders), "inFlight", json_u64(m->in_flight),
        "admitted", json_u64(m->admitted), "rejected", json_u64(rejected), "evicted",
        json_u64(m->evicted), "replaced", json_u64(m->replaced), "committed",
        json_u64(m->committed), "gossipReceived", json_u64(s->txpool.received), "gossipSent",
        json_u64(s->txpool.gossiped), "trackedBlocks", json_u64(s->txpool.tracked_blocks));
    return json_pack(
        "{s:b,s:o,s:I,s:I,s:o,s:I,s:o,s:o,s:o,s:o,s:o,s:b,s:b,s:o,s:I,s:o,s:o,s:o,"
        "s:o,s:o,s:o,s:o,s:o}",
        "running", s->running, "validator", json_addr(&s->validator), "validatorIndex",
        (json_int_t)s->self_index, "committeeSize", (json_int_t)s->committee_size, "view",
        json_u64(s->view), "leaderIndex", (json_int_t)s->leader_index, "leader",
        json_addr(&s->leader), "height", json_u64(s->height_committed), "hash",
        json_hex(s->hash_committed.b, SEQ_HASH_BYTES), "highQcView", json_u64(s->high_qc_view),
        "timeoutsConsecutive", json_u64(s->timeouts_consecutive), "halted", s->halted,
        "storeFailing", s->store_failing, "uptimeMs", json_u64(s->uptime_ms), "peersConnected",
        (json_int_t)s->peers_connected, "peers", status_peers(s), "messages", messages, "stats",
        stats, "storeFailures", json_u64(s->store_failures), "txsCommitted",
        json_u64(s->txs_committed), "mempool", pool, "transport", transport_json(&s->net), "l1",
        l1_json(&s->l1, &s->forced, seq_monotonic_ms()));
}

static json_t *block_json(const seq_hash *hash, const seq_block_header *h, size_t tx_count,
                          size_t qc_signers, uint64_t qc_view)
{
    return json_pack(
        "{s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:I,s:I}", "l2ChainId",
        json_u64(h->l2_chain_id), "height", json_u64(h->height), "view", json_u64(h->view), "hash",
        json_hex(hash->b, SEQ_HASH_BYTES), "parentHash", json_hex(h->parent_hash.b, SEQ_HASH_BYTES),
        "txRoot", json_hex(h->tx_root.b, SEQ_HASH_BYTES), "l1OriginNumber",
        json_u64(h->l1_origin_number), "l1OriginHash",
        json_hex(h->l1_origin_hash.b, SEQ_HASH_BYTES), "forcedCursor", json_u64(h->forced_cursor),
        "timestampMs", json_u64(h->timestamp_ms), "proposer", json_addr(&h->proposer), "txCount",
        json_u64(tx_count), "qcSigners", (json_int_t)qc_signers, "qcView", (json_int_t)qc_view);
}

/* ------------------------------------------------------------ L1 clocks */

/* Where a block's batch is on L1: seq_getTransactionStatus's and
 * seq_getBlockByHeight's "posted". */
static json_t *posted_json(const store_l1_batch *b)
{
    return json_pack(
        "{s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o}", "batchIndex", json_u64(b->index), "batchHash",
        json_hex(b->batch_hash.b, SEQ_HASH_BYTES), "l1Block", json_u64(b->l1_block), "l1BlockHash",
        json_hex(b->l1_block_hash.b, SEQ_HASH_BYTES), "l1TxHash",
        json_hex(b->l1_tx_hash.b, SEQ_HASH_BYTES), "poster", json_addr(&b->poster), "firstHeight",
        json_u64(b->first_height), "lastHeight", json_u64(b->last_height));
}

/* The L1 clocks of the committed block at height: *posted (the batch
 * holding it, from the store) and *final (that batch's L1 block is at or
 * below the L1 link's finalized block), each JSON null while not reached.
 * The status source is read only for a posted block. Store errors (not
 * SEQ_ERR_NOT_FOUND: not posted yet), SEQ_ERR_NO_MEMORY; both NULL on
 * failure. */
static seq_err l1_clocks(const node_rpc *rpc, json_t **posted, json_t **final, uint64_t height)
{
    *posted = NULL;
    *final = NULL;
    store_l1_batch batch;
    seq_err err = store_l1_batch_at_height(rpc->store, &batch, height);
    if (err == SEQ_ERR_NOT_FOUND) {
        *posted = json_null();
        *final = json_null();
        return SEQ_OK;
    }
    if (err != SEQ_OK)
        return err;
    node_status *s = malloc(sizeof *s);
    if (s == NULL)
        return SEQ_ERR_NO_MEMORY;
    rpc->status(rpc->status_ctx, s);
    bool is_final = s->l1.has_finalized && s->l1.finalized >= batch.l1_block;
    *final = is_final
                 ? json_pack("{s:o,s:o,s:o}", "batchIndex", json_u64(batch.index), "l1Block",
                             json_u64(batch.l1_block), "l1Finalized", json_u64(s->l1.finalized))
                 : json_null();
    free(s);
    *posted = posted_json(&batch);
    if (*posted == NULL || *final == NULL) {
        json_decref(*posted);
        json_decref(*final);
        *posted = NULL;
        *final = NULL;
        return SEQ_ERR_NO_MEMORY;
    }
    return SEQ_OK;
}

/* Adds "posted" and "final" (l1_clocks) to b, the block object of the
 * committed block at height. */
static seq_err block_clocks(const node_rpc *rpc, json_t *b, uint64_t height)
{
    json_t *posted, *final;
    seq_err err = l1_clocks(rpc, &posted, &final, height);
    if (err != SEQ_OK)
        return err;
    json_object_set_new(b, "posted", posted);
    json_object_set_new(b, "final", final);
    return SEQ_OK;
}

/* The furthest clock a committed tx has reached. */
static const char *clock_status(const json_t *posted, const json_t *final)
{
    if (!json_is_null(final))
        return "final";
    return json_is_null(posted) ? "softConfirmed" : "posted";
}

/* ---------------------------------------------------------- JSON-RPC */

static json_t *rpc_error(json_t *id, int code, const char *message)
{
    return json_pack("{s:s,s:O,s:{s:i,s:s}}", "jsonrpc", "2.0", "id", id != NULL ? id : json_null(),
                     "error", "code", code, "message", message);
}

/* An error with a "data" string: the machine-readable reason. */
static json_t *rpc_error_data(json_t *id, int code, const char *message, const char *data)
{
    return json_pack("{s:s,s:O,s:{s:i,s:s,s:s}}", "jsonrpc", "2.0", "id",
                     id != NULL ? id : json_null(), "error", "code", code, "message", message,
                     "data", data);
}

static json_t *rpc_result(json_t *id, json_t *result)
{
    return json_pack("{s:s,s:O,s:o}", "jsonrpc", "2.0", "id", id, "result", result);
}

/* A height: a JSON integer or a "0x" hex string. */
static bool parse_height(uint64_t *out, const json_t *v)
{
    if (json_is_integer(v) && json_integer_value(v) >= 0) {
        *out = (uint64_t)json_integer_value(v);
        return true;
    }
    const char *text = json_string_value(v);
    if (text == NULL || strncmp(text, "0x", 2) != 0 || text[2] == '\0' || strlen(text) > 18)
        return false;
    char *end = NULL;
    unsigned long long h = strtoull(text + 2, &end, 16);
    if (*end != '\0' || text[2] == '-' || text[2] == '+' || text[2] == ' ')
        return false;
    *out = (uint64_t)h;
    return true;
}

/* The hashes of a block's txs, in block order. */
static json_t *tx_hashes_json(const wire_block *b)
{
    json_t *list = json_array();
    for (size_t i = 0; list != NULL && i < b->tx_count; i++) {
        seq_hash h;
        l1_keccak256(&h, b->txs[i].ptr, b->txs[i].len);
        json_array_append_new(list, json_hex(h.b, SEQ_HASH_BYTES));
    }
    return list;
}

/* The block at height with its QC (and its tx hashes if with_txs), or JSON
 * null above the tip. */
static json_t *get_block(const node_rpc *rpc, json_t *id, uint64_t height, bool with_txs)
{
    if (height == 0) {
        seq_hash hash = {{0}};
        l1_block_hash(&hash, &rpc->genesis);
        json_t *b = block_json(&hash, &rpc->genesis, 0, 0, 0);
        if (with_txs)
            json_object_set_new(b, "transactions", json_array());
        json_object_set_new(b, "posted", json_null()); /* genesis is in no batch */
        json_object_set_new(b, "final", json_null());
        return rpc_result(id, b);
    }
    json_t *reply = NULL;
    seq_hash hash;
    seq_err err = store_get_hash_at(rpc->store, &hash, height);
    if (err == SEQ_ERR_NOT_FOUND)
        return rpc_result(id, json_null());
    uint8_t *buf = malloc(STORE_BLOCK_ARENA_BYTES + STORE_QC_ARENA_BYTES);
    if (err != SEQ_OK || buf == NULL)
        goto fail;
    seq_arena block_arena, qc_arena;
    seq_arena_init(&block_arena, buf, STORE_BLOCK_ARENA_BYTES);
    seq_arena_init(&qc_arena, buf + STORE_BLOCK_ARENA_BYTES, STORE_QC_ARENA_BYTES);
    cons_block block;
    wire_qc qc = {0};
    err = store_get_block(rpc->store, &block, &block_arena, &hash);
    if (err == SEQ_OK) {
        seq_err qc_err = store_get_qc(rpc->store, &qc, &qc_arena, &hash);
        if (qc_err != SEQ_OK)
            memset(&qc, 0, sizeof qc); /* the next block's QC may still be on its way */
        json_t *b =
            block_json(&hash, &block.block.header, block.block.tx_count, qc.sig_count, qc.view);
        if (b != NULL && with_txs)
            json_object_set_new(b, "transactions", tx_hashes_json(&block.block));
        err = b != NULL ? block_clocks(rpc, b, height) : SEQ_ERR_NO_MEMORY;
        if (err == SEQ_OK)
            reply = rpc_result(id, b);
        else
            json_decref(b);
    }
fail:
    free(buf);
    if (reply == NULL)
        reply = rpc_error(id, API_INTERNAL_ERROR, seq_strerror(err));
    return reply;
}

/* ------------------------------------------------------- transactions */

/* Decodes the "0x" hex string v into a malloc'd buffer of at most max
 * bytes. Returns MEMPOOL_REJECT_NONE, MEMPOOL_REJECT_TOO_LARGE or
 * MEMPOOL_REJECT_MALFORMED (not a hex string). */
static mempool_reject param_bytes(uint8_t **out, size_t *len, const json_t *v, size_t max)
{
    *out = NULL;
    *len = 0;
    const char *text = json_string_value(v);
    if (text == NULL || strncmp(text, "0x", 2) != 0)
        return MEMPOOL_REJECT_MALFORMED;
    size_t digits = json_string_length(v) - 2;
    if (digits / 2 > max)
        return MEMPOOL_REJECT_TOO_LARGE;
    uint8_t *buf = malloc(digits / 2 + 1);
    if (buf == NULL)
        return MEMPOOL_REJECT_TOO_LARGE; /* the only way a size can fail here */
    if (l1_hex_decode(buf, digits / 2 + 1, len, text, digits + 2) != SEQ_OK) {
        free(buf);
        return MEMPOOL_REJECT_MALFORMED;
    }
    *out = buf;
    return MEMPOOL_REJECT_NONE;
}

static json_t *reject_error(json_t *id, mempool_reject r)
{
    return rpc_error_data(id, mempool_reject_rpc_code(r), mempool_reject_rpc_message(r),
                          mempool_reject_name(r));
}

/* Submits raw; replies with its hash or the rejection. */
static json_t *submit(const node_rpc *rpc, json_t *id, const uint8_t *raw, size_t raw_len)
{
    mempool_add_result res;
    mempool_reject r = node_txpool_submit(rpc->pool, &res, raw, raw_len, seq_monotonic_ms());
    if (r != MEMPOOL_REJECT_NONE)
        return reject_error(id, r);
    return rpc_result(id, json_hex(res.info.hash.b, SEQ_HASH_BYTES));
}

/* eth_sendRawTransaction ["0x..."]: any tx of the envelope (mempool.h). */
static json_t *send_raw(const node_rpc *rpc, json_t *id, json_t *params)
{
    if (!json_is_array(params) || json_array_size(params) != 1 ||
        !json_is_string(json_array_get(params, 0)))
        return rpc_error(id, API_INVALID_PARAMS,
                         "eth_sendRawTransaction takes [\"0x...\"] (the signed tx in hex)");
    uint8_t *raw = NULL;
    size_t len = 0;
    mempool_reject r = param_bytes(&raw, &len, json_array_get(params, 0), MEMPOOL_TX_BYTES_MAX);
    json_t *reply = r == MEMPOOL_REJECT_NONE ? submit(rpc, id, raw, len) : reject_error(id, r);
    free(raw);
    return reply;
}

/* seq_sendPayload [namespace, "0x..."]: an opaque rollup payload. */
static json_t *send_payload(const node_rpc *rpc, json_t *id, json_t *params)
{
    uint64_t ns = 0;
    if (!json_is_array(params) || json_array_size(params) != 2 ||
        !parse_height(&ns, json_array_get(params, 0)) || !json_is_string(json_array_get(params, 1)))
        return rpc_error(id, API_INVALID_PARAMS,
                         "seq_sendPayload takes [namespace (an integer or 0x hex), \"0x...\" "
                         "(the payload bytes)]");
    uint8_t *payload = NULL;
    size_t len = 0;
    mempool_reject r = param_bytes(&payload, &len, json_array_get(params, 1),
                                   MEMPOOL_TX_BYTES_MAX - MEMPOOL_OPAQUE_HEADER_BYTES);
    if (r != MEMPOOL_REJECT_NONE)
        return reject_error(id, r);
    json_t *reply = NULL;
    uint8_t *raw = malloc(len + MEMPOOL_OPAQUE_HEADER_BYTES);
    size_t raw_len = 0;
    if (len == 0)
        reply = reject_error(id, MEMPOOL_REJECT_EMPTY);
    else if (raw == NULL || mempool_opaque_encode(raw, len + MEMPOOL_OPAQUE_HEADER_BYTES, &raw_len,
                                                  ns, payload, len) != SEQ_OK)
        reply = rpc_error(id, API_INTERNAL_ERROR, "out of memory");
    else
        reply = submit(rpc, id, raw, raw_len);
    free(raw);
    free(payload);
    return reply;
}

/* seq_getTransactionStatus ["0x" + 64 hex]: the three clocks. Soft
 * confirmation is a commit by the committee; posted is the batch on L1
 * (at confirmation depth) holding its block, final once L1 finalized
 * that batch's block (l1_clocks); "status" names the furthest reached. */
static json_t *tx_status(const node_rpc *rpc, json_t *id, json_t *params)
{
    seq_hash hash;
    const char *text = json_string_value(json_array_get(params, 0));
    if (!json_is_array(params) || json_array_size(params) != 1 || text == NULL ||
        l1_hex_decode_exact(hash.b, sizeof hash.b, text) != SEQ_OK)
        return rpc_error(id, API_INVALID_PARAMS,
                         "seq_getTransactionStatus takes [\"0x...\"] (a 32-byte tx hash)");
    store_tx_location loc;
    seq_err err = store_get_tx(rpc->store, &loc, &hash);
    if (err == SEQ_ERR_NOT_FOUND) {
        const char *status = node_txpool_contains(rpc->pool, &hash) ? "pending" : "unknown";
        return rpc_result(id, json_pack("{s:o,s:s,s:n,s:n,s:n}", "hash",
                                        json_hex(hash.b, SEQ_HASH_BYTES), "status", status,
                                        "softConfirmed", "posted", "final"));
    }
    seq_hash block_hash;
    if (err == SEQ_OK)
        err = store_get_hash_at(rpc->store, &block_hash, loc.height);
    if (err != SEQ_OK)
        return rpc_error(id, API_INTERNAL_ERROR, seq_strerror(err));
    uint8_t *buf = malloc(STORE_BLOCK_ARENA_BYTES);
    if (buf == NULL)
        return rpc_error(id, API_INTERNAL_ERROR, "out of memory");
    seq_arena arena;
    seq_arena_init(&arena, buf, STORE_BLOCK_ARENA_BYTES);
    cons_block block;
    err = store_get_block(rpc->store, &block, &arena, &block_hash);
    json_t *posted = NULL, *final = NULL;
    if (err == SEQ_OK)
        err = l1_clocks(rpc, &posted, &final, loc.height);
    json_t *reply = NULL;
    if (err != SEQ_OK) {
        reply = rpc_error(id, API_INTERNAL_ERROR, seq_strerror(err));
    } else {
        json_t *soft =
            json_pack("{s:o,s:I,s:o,s:o}", "height", json_u64(loc.height), "index",
                      (json_int_t)loc.index, "blockHash", json_hex(block_hash.b, SEQ_HASH_BYTES),
                      "timestampMs", json_u64(block.block.header.timestamp_ms));
        reply = rpc_result(id, json_pack("{s:o,s:s,s:o,s:o,s:o}", "hash",
                                         json_hex(hash.b, SEQ_HASH_BYTES), "status",
                                         clock_status(posted, final), "softConfirmed", soft,
                                         "posted", posted, "final", final));
    }
    free(buf);
    return reply;
}

/* ------------------------------------------------------------ evidence */

static json_t *block_statement_json(const wire_block_statement *s)
{
    return json_pack("{s:o,s:o,s:o,s:o,s:o}", "l2ChainId", json_u64(s->stmt.l2_chain_id), "view",
                     json_u64(s->stmt.view), "height", json_u64(s->stmt.height), "blockHash",
                     json_hex(s->stmt.block_hash.b, SEQ_HASH_BYTES), "signature",
                     json_hex(s->sig.b, SEQ_SIG_BYTES));
}

static json_t *timeout_statement_json(const wire_timeout_statement *s)
{
    return json_pack("{s:o,s:o,s:o,s:o}", "l2ChainId", json_u64(s->stmt.l2_chain_id), "view",
                     json_u64(s->stmt.view), "highQcView", json_u64(s->stmt.high_qc_view),
                     "signature", json_hex(s->sig.b, SEQ_SIG_BYTES));
}

static json_t *attestation_json(const wire_attestation *s)
{
    const seq_attestation_stmt *t = &s->stmt;
    return json_pack(
        "{s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o}", "l2ChainId", json_u64(t->l2_chain_id), "index",
        json_u64(t->index), "prevBatchHash", json_hex(t->prev_batch_hash.b, SEQ_HASH_BYTES),
        "dataHash", json_hex(t->data_hash.b, SEQ_HASH_BYTES), "firstHeight",
        json_u64(t->first_height), "lastHeight", json_u64(t->last_height), "forcedCursor",
        json_u64(t->forced_cursor), "signature", json_hex(s->sig.b, SEQ_SIG_BYTES));
}

/* {kind, validator, view | batchIndex, a, b}. */
static json_t *evidence_json(const wire_evidence *e)
{
    json_t *a, *b, *out;
    if (e->kind == WIRE_EVIDENCE_TIMEOUT) {
        a = timeout_statement_json(&e->u.timeout.a);
        b = timeout_statement_json(&e->u.timeout.b);
    } else if (e->kind == WIRE_EVIDENCE_ATTESTATION) {
        a = attestation_json(&e->u.attestation.a);
        b = attestation_json(&e->u.attestation.b);
    } else {
        a = block_statement_json(&e->u.block.a);
        b = block_statement_json(&e->u.block.b);
    }
    out = json_pack("{s:s,s:o,s:o,s:o}", "kind", node_evidence_kind_name(e->kind), "validator",
                    json_addr(node_evidence_signer(e)), "a", a, "b", b);
    if (out == NULL)
        return NULL;
    if (e->kind == WIRE_EVIDENCE_ATTESTATION)
        json_object_set_new(out, "batchIndex", json_u64(e->u.attestation.a.stmt.index));
    else if (e->kind == WIRE_EVIDENCE_TIMEOUT)
        json_object_set_new(out, "view", json_u64(e->u.timeout.a.stmt.view));
    else
        json_object_set_new(out, "view", json_u64(e->u.block.a.stmt.view));
    return out;
}

typedef struct {
    json_t *list;
    bool filtered;
    seq_addr validator;
    bool truncated; /* a record past NODE_API_EVIDENCE_MAX matched */
    bool failed;    /* out of memory */
} evidence_walk;

static bool evidence_each(void *ctx, const wire_evidence *e)
{
    evidence_walk *w = ctx;
    if (w->filtered && !seq_addr_equal(node_evidence_signer(e), &w->validator))
        return true;
    if (json_array_size(w->list) == NODE_API_EVIDENCE_MAX) {
        w->truncated = true;
        return false;
    }
    json_t *item = evidence_json(e);
    if (item == NULL || json_array_append_new(w->list, item) != 0) {
        w->failed = true;
        return false;
    }
    return true;
}

/* seq_getEvidence [validator?]: the stored evidence in store order (kind,
 * validator, view), at most NODE_API_EVIDENCE_MAX records. */
static json_t *get_evidence(const node_rpc *rpc, json_t *id, json_t *params)
{
    evidence_walk w = {0};
    size_t n = json_array_size(params);
    json_t *filter = json_array_get(params, 0);
    if ((params != NULL && !json_is_array(params)) || n > 1 ||
        (n == 1 && !json_is_null(filter) &&
         (!json_is_string(filter) ||
          node_config_addr_parse(&w.validator, json_string_value(filter)) != SEQ_OK)))
        return rpc_error(id, API_INVALID_PARAMS,
                         "seq_getEvidence takes [] or [validator] (a 0x address)");
    w.filtered = n == 1 && !json_is_null(filter);
    w.list = json_array();
    if (w.list == NULL)
        return rpc_error(id, API_INTERNAL_ERROR, "out of memory");
    seq_err err = store_evidence_each(rpc->store, evidence_each, &w);
    if (w.failed || (err != SEQ_OK && err != SEQ_ERR_CORRUPT)) {
        json_decref(w.list);
        return rpc_error(id, API_INTERNAL_ERROR, w.failed ? "out of memory" : seq_strerror(err));
    }
    /* A corrupt record is logged and skipped by the store; the rest is
     * still worth answering, and the reply says so. */
    return rpc_result(id, json_pack("{s:o,s:b,s:I,s:b}", "evidence", w.list, "truncated",
                                    w.truncated, "limit", (json_int_t)NODE_API_EVIDENCE_MAX,
                                    "corruptSkipped", err == SEQ_ERR_CORRUPT));
}

/* --------------------------------------------------------- forced queue */

/* a + b, UINT64_MAX when that overflows. */
static uint64_t add_saturated(uint64_t a, uint64_t b)
{
    return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

/* later_ms - earlier_s in ms, 0 when it is not later (clocks differ). */
static uint64_t ms_after_s(uint64_t later_ms, uint64_t earlier_s)
{
    if (earlier_s > UINT64_MAX / 1000u)
        return 0;
    return later_ms > earlier_s * 1000u ? later_ms - earlier_s * 1000u : 0;
}

/* The genesis's inclusion window (L1 blocks) as the L1 link reports it; 0
 * when the node runs without one, which leaves the window unknown (a
 * genesis window is at least 1). SEQ_ERR_NO_MEMORY. */
static seq_err forced_window(const node_rpc *rpc, uint64_t *window)
{
    *window = 0;
    node_status *s = malloc(sizeof *s);
    if (s == NULL)
        return SEQ_ERR_NO_MEMORY;
    rpc->status(rpc->status_ctx, s);
    *window = s->l1.enabled ? s->l1.inclusion_window : 0;
    free(s);
    return SEQ_OK;
}

/* The consumed block's object: where, when, and where the tx is committed
 * (found: at loc), "copied" when that is the block or one before it. */
static json_t *forced_consumed_json(const store_l1_forced *e, uint64_t height, const seq_hash *hash,
                                    uint64_t timestamp_ms, bool found, const store_tx_location *loc)
{
    return json_pack("{s:o,s:o,s:o,s:b,s:o,s:o,s:o}", "height", json_u64(height), "blockHash",
                     json_hex(hash->b, SEQ_HASH_BYTES), "timestampMs", json_u64(timestamp_ms),
                     "copied", found && loc->height <= height, "txHeight",
                     found ? json_u64(loc->height) : json_null(), "txIndex",
                     found ? json_u64(loc->index) : json_null(), "softLatencyMs",
                     json_u64(ms_after_s(timestamp_ms, e->l1_timestamp)));
}

/* Where L2 consumed entry e (the lowest committed block whose forced cursor
 * passes it: store_committed_consuming) into *out, JSON null while none
 * did. Store errors, SEQ_ERR_NO_MEMORY; *out NULL on failure. */
static seq_err forced_consumed(const node_rpc *rpc, json_t **out, const store_l1_forced *e)
{
    *out = NULL;
    uint64_t height = 0;
    seq_err err = store_committed_consuming(rpc->store, e->index, &height);
    if (err == SEQ_ERR_NOT_FOUND) {
        *out = json_null();
        return SEQ_OK;
    }
    seq_hash hash;
    if (err == SEQ_OK)
        err = store_get_hash_at(rpc->store, &hash, height);
    if (err != SEQ_OK)
        return err;
    uint8_t *buf = malloc(STORE_BLOCK_ARENA_BYTES);
    if (buf == NULL)
        return SEQ_ERR_NO_MEMORY;
    seq_arena arena;
    seq_arena_init(&arena, buf, STORE_BLOCK_ARENA_BYTES);
    cons_block block;
    err = store_get_block(rpc->store, &block, &arena, &hash);
    store_tx_location loc = {0};
    seq_err tx_err = SEQ_ERR_NOT_FOUND;
    if (err == SEQ_OK) /* the first location: the copy, or where it was ordered before */
        tx_err = store_get_tx(rpc->store, &loc, &e->tx_hash);
    if (err == SEQ_OK && tx_err != SEQ_OK && tx_err != SEQ_ERR_NOT_FOUND)
        err = tx_err;
    if (err == SEQ_OK) {
        *out = forced_consumed_json(e, height, &hash, block.block.header.timestamp_ms,
                                    tx_err == SEQ_OK, &loc);
        err = *out != NULL ? SEQ_OK : SEQ_ERR_NO_MEMORY;
    }
    free(buf);
    return err;
}

/* Where L1 consumed entry e (the first batch whose forced cursor passes it:
 * store_l1_batch_consuming) into *out, JSON null while none did. The
 * batch's L1 time comes from the stored origins, null when they no longer
 * hold its block (or hold another block by that number). withinWindow is
 * null when window is 0 (unknown). Store errors, SEQ_ERR_NO_MEMORY; *out
 * NULL on failure. */
static seq_err forced_posted(const node_rpc *rpc, json_t **out, const store_l1_forced *e,
                             uint64_t window)
{
    *out = NULL;
    store_l1_batch b;
    seq_err err = store_l1_batch_consuming(rpc->store, &b, e->index);
    if (err == SEQ_ERR_NOT_FOUND) {
        *out = json_null();
        return SEQ_OK;
    }
    store_l1_origin o;
    if (err == SEQ_OK)
        err = store_l1_get_origin(rpc->store, &o, b.l1_block);
    bool known = err == SEQ_OK && seq_hash_equal(&o.hash, &b.l1_block_hash);
    if (err != SEQ_OK && err != SEQ_ERR_NOT_FOUND)
        return err;
    uint64_t latency_s = known && o.timestamp > e->l1_timestamp ? o.timestamp - e->l1_timestamp : 0;
    *out = json_pack(
        "{s:o,s:o,s:b,s:o,s:o,s:o}", "batchIndex", json_u64(b.index), "l1Block",
        json_u64(b.l1_block), "forceAdvance", b.first_height == 0 && b.last_height == 0,
        "withinWindow",
        window > 0 ? json_boolean(b.l1_block <= add_saturated(e->l1_block, window)) : json_null(),
        "l1Timestamp", known ? json_u64(o.timestamp) : json_null(), "postedLatencyMs",
        known ? json_u64(SEQ_MIN(latency_s, UINT64_MAX / 1000u) * 1000u) : json_null());
    return *out != NULL ? SEQ_OK : SEQ_ERR_NO_MEMORY;
}

static json_t *forced_entry_json(const store_l1_forced *e, uint64_t window, json_t *consumed,
                                 json_t *posted)
{
    uint64_t due = add_saturated(e->l1_block, node_forced_due_blocks(window));
    return json_pack("{s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o}", "index", json_u64(e->index),
                     "sender", json_addr(&e->sender), "l1Block", json_u64(e->l1_block),
                     "l1Timestamp", json_u64(e->l1_timestamp), "txHash",
                     json_hex(e->tx_hash.b, SEQ_HASH_BYTES), "txBytes", json_u64(e->tx_len),
                     "dueL1Block", window > 0 ? json_u64(due) : json_null(), "deadlineL1Block",
                     window > 0 ? json_u64(add_saturated(e->l1_block, window)) : json_null(),
                     "consumed", consumed, "posted", posted);
}

/* seq_getForcedEntry [index]: the stored forced queue entry, when it falls
 * due, and where L2 (a committed block) and L1 (a batch) consumed it; null
 * when the node stores no such entry. */
static json_t *get_forced_entry(const node_rpc *rpc, json_t *id, json_t *params)
{
    uint64_t index = 0;
    if (!json_is_array(params) || json_array_size(params) != 1 ||
        !parse_height(&index, json_array_get(params, 0)))
        return rpc_error(id, API_INVALID_PARAMS,
                         "seq_getForcedEntry takes [index (an integer or 0x hex)]");
    uint8_t *buf = malloc(STORE_L1_FORCED_TX_BYTES_MAX);
    if (buf == NULL)
        return rpc_error(id, API_INTERNAL_ERROR, "out of memory");
    store_l1_forced e;
    json_t *consumed = NULL, *posted = NULL, *reply = NULL;
    uint64_t window = 0;
    seq_err err = store_l1_get_forced(rpc->store, &e, buf, STORE_L1_FORCED_TX_BYTES_MAX, index);
    if (err == SEQ_ERR_NOT_FOUND) {
        reply = rpc_result(id, json_null());
        goto free_buf;
    }
    if (err == SEQ_OK)
        err = forced_window(rpc, &window);
    if (err == SEQ_OK)
        err = forced_consumed(rpc, &consumed, &e);
    if (err == SEQ_OK)
        err = forced_posted(rpc, &posted, &e, window);
    if (err == SEQ_OK) {
        json_t *entry = forced_entry_json(&e, window, consumed, posted); /* takes both */
        consumed = posted = NULL;
        reply = entry != NULL ? rpc_result(id, entry) : NULL;
        err = entry != NULL ? SEQ_OK : SEQ_ERR_NO_MEMORY;
    }
    json_decref(consumed);
    json_decref(posted);
    if (err != SEQ_OK)
        reply = rpc_error(id, API_INTERNAL_ERROR, seq_strerror(err));
free_buf:
    free(buf);
    return reply;
}

/* seq_getForcedQueue: how many entries are stored, the forced cursors of
 * the committed tip (L2) and of the last stored batch (L1), and the due
 * delay and window (null without an L1 link). */
static json_t *get_forced_queue(const node_rpc *rpc, json_t *id, json_t *params)
{
    if (params != NULL && json_array_size(params) + json_object_size(params) != 0)
        return rpc_error(id, API_INVALID_PARAMS, "seq_getForcedQueue takes no parameters");
    uint64_t count = 0, window = 0;
    uint64_t consumed_l2 = rpc->genesis.forced_cursor, consumed_l1 = 0;
    store_tip tip;
    store_l1_batch last;
    seq_err err = forced_window(rpc, &window);
    if (err == SEQ_OK)
        err = store_l1_forced_count(rpc->store, &count);
    seq_err tip_err = err == SEQ_OK ? store_get_tip(rpc->store, &tip) : err;
    if (tip_err == SEQ_OK)
        consumed_l2 = tip.header.forced_cursor;
    else if (tip_err != SEQ_ERR_NOT_FOUND) /* not found: nothing committed above genesis */
        err = tip_err;
    seq_err batch_err = err == SEQ_OK ? store_l1_last_batch(rpc->store, &last) : err;
    if (batch_err == SEQ_OK)
        consumed_l1 = last.forced_cursor;
    else if (batch_err != SEQ_ERR_NOT_FOUND) /* not found: no batch on L1 yet */
        err = batch_err;
    if (err != SEQ_OK)
        return rpc_error(id, API_INTERNAL_ERROR, seq_strerror(err));
    return rpc_result(
        id, json_pack("{s:o,s:o,s:o,s:o,s:o}", "count", json_u64(count), "consumedL2",
                      json_u64(consumed_l2), "consumedL1", json_u64(consumed_l1), "dueBlocks",
                      window > 0 ? json_u64(node_forced_due_blocks(window)) : json_null(),
                      "windowBlocks", window > 0 ? json_u64(window) : json_null()));
}

/* ---------------------------------------------------------- test faults */

/* The members of seq_testSetFault's fault object: net_fault's fields,
 * integers bounded as net_fault_valid requires; a missing one is 0 or
 * false. */
static const struct {
    const char *name;
    bool boolean;
    uint32_t max;
    size_t offset; /* in net_fault: a uint32_t, or a bool when boolean */
} FAULT_KEYS[] = {
    {"delay_ms", false, NET_FAULT_DELAY_MS_MAX, offsetof(net_fault, delay_ms)},
    {"jitter_ms", false, NET_FAULT_DELAY_MS_MAX, offsetof(net_fault, jitter_ms)},
    {"drop_ppm", false, NET_FAULT_PPM, offsetof(net_fault, drop_ppm)},
    {"duplicate_ppm", false, NET_FAULT_PPM, offsetof(net_fault, duplicate_ppm)},
    {"block_send", true, 1, offsetof(net_fault, block_send)},
    {"block_recv", true, 1, offsetof(net_fault, block_recv)},
};

#define FAULT_KEY_NAMES "delay_ms, jitter_ms, drop_ppm, duplicate_ppm, block_send, block_recv"
#define FAULT_WHY_BYTES 192u

/* A client's text safe to quote in an error message: at most 40 bytes,
 * printable ASCII (anything else '?'), so the message stays valid UTF-8. */
static void quote_safe(char out[41], const char *text)
{
    size_t i = 0;
    for (; i < 40 && text[i] != '\0'; i++)
        out[i] = text[i] >= 0x20 && text[i] < 0x7f ? text[i] : '?';
    out[i] = '\0';
}

/* The fault object v into *out; false with why naming the bad member.
 * *out is zeroed first. */
static bool fault_parse(net_fault *out, char why[FAULT_WHY_BYTES], const json_t *v)
{
    memset(out, 0, sizeof *out);
    if (!json_is_object(v)) {
        snprintf(why, FAULT_WHY_BYTES, "fault: must be an object with keys among " FAULT_KEY_NAMES);
        return false;
    }
    const char *key;
    json_t *value;
    json_object_foreach((json_t *)v, key, value)
    {
        size_t k = 0;
        while (k < SEQ_ARRAY_LEN(FAULT_KEYS) && strcmp(key, FAULT_KEYS[k].name) != 0)
            k++;
        char quoted[41];
        quote_safe(quoted, key);
        if (k == SEQ_ARRAY_LEN(FAULT_KEYS)) {
            snprintf(why, FAULT_WHY_BYTES, "fault.%s: unknown key (known: " FAULT_KEY_NAMES ")",
                     quoted);
            return false;
        }
        uint8_t *field = (uint8_t *)out + FAULT_KEYS[k].offset;
        json_int_t n = json_integer_value(value);
        if (FAULT_KEYS[k].boolean && !json_is_boolean(value)) {
            snprintf(why, FAULT_WHY_BYTES, "fault.%s: must be true or false", quoted);
            return false;
        }
        if (!FAULT_KEYS[k].boolean && (!json_is_integer(value) || n < 0 || n > FAULT_KEYS[k].max)) {
            snprintf(why, FAULT_WHY_BYTES, "fault.%s: must be an integer in 0..%u", quoted,
                     (unsigned)FAULT_KEYS[k].max);
            return false;
        }
        if (FAULT_KEYS[k].boolean)
            *(bool *)(void *)field = json_is_true(value);
        else
            *(uint32_t *)(void *)field = (uint32_t)n;
    }
    SEQ_ASSERT(net_fault_valid(out));
    return true;
}

/* The peer v names on n: a committee index other than self (*peer), or
 * "all" (*all); false with why. */
static bool peer_parse(uint32_t *peer, bool *all, char why[FAULT_WHY_BYTES], const json_t *v,
                       const net *n)
{
    uint32_t count = net_peer_count(n), self = net_self_index(n);
    *peer = 0;
    *all = json_is_string(v) && strcmp(json_string_value(v), "all") == 0;
    if (*all)
        return true;
    json_int_t index = json_integer_value(v);
    if (!json_is_integer(v)) {
        snprintf(why, FAULT_WHY_BYTES, "peer: must be a validator index or \"all\"");
        return false;
    }
    if (index < 0 || index >= count) {
        snprintf(why, FAULT_WHY_BYTES, "peer: %lld is not a committee index (0..%u)",
                 (long long)index, (unsigned)count - 1u);
        return false;
    }
    if (index == self) {
        snprintf(why, FAULT_WHY_BYTES, "peer: %u is this node itself", (unsigned)self);
        return false;
    }
    *peer = (uint32_t)index;
    return true;
}

/* {"self": i, "peers": [{"peer": j, <the fault's members>}, ...]}: the
 * faults in force on every link, in committee order, self left out. NULL
 * when out of memory. */
static json_t *faults_json(net *n)
{
    json_t *peers = json_array();
    uint32_t self = net_self_index(n);
    for (uint32_t i = 0; peers != NULL && i < net_peer_count(n); i++) {
        net_fault f;
        if (i == self || net_fault_get(n, &f, i) != SEQ_OK)
            continue;
        json_array_append_new(peers,
                              json_pack("{s:I,s:I,s:I,s:I,s:I,s:b,s:b}", "peer", (json_int_t)i,
                                        "delay_ms", (json_int_t)f.delay_ms, "jitter_ms",
                                        (json_int_t)f.jitter_ms, "drop_ppm", (json_int_t)f.drop_ppm,
                                        "duplicate_ppm", (json_int_t)f.duplicate_ppm, "block_send",
                                        f.block_send, "block_recv", f.block_recv));
    }
    return json_pack("{s:I,s:o}", "self", (json_int_t)self, "peers", peers);
}

/* The reply listing the faults in force. */
static json_t *faults_reply(const node_rpc *rpc, json_t *id)
{
    json_t *list = faults_json(rpc->net);
    return list != NULL ? rpc_result(id, list) : rpc_error(id, API_INTERNAL_ERROR, "out of memory");
}

/* NULL when the fault methods can run, else the error reply to method. */
static json_t *faults_unavailable(const node_rpc *rpc, json_t *id, const char *method)
{
    if (rpc->net != NULL && net_faults_enabled(rpc->net))
        return NULL;
    char message[200];
    snprintf(message, sizeof message,
             "%s is unavailable: this node's config does not enable test faults "
             "(\"test\": {\"faults\": true})",
             method);
    return rpc_error(id, NODE_API_UNAVAILABLE, message);
}

/* seq_testSetFault [peer, fault]: sets the faults of the link to peer (a
 * committee index) or to every peer ("all"); returns the faults in force
 * on every link. net_fault_set logs each change. */
static json_t *test_set_fault(const node_rpc *rpc, json_t *id, json_t *params)
{
    json_t *reply = faults_unavailable(rpc, id, "seq_testSetFault");
    if (reply != NULL)
        return reply;
    if (!json_is_array(params) || json_array_size(params) != 2)
        return rpc_error(id, API_INVALID_PARAMS,
                         "seq_testSetFault takes [peer (a validator index or \"all\"), fault (an "
                         "object with keys among " FAULT_KEY_NAMES ")]");
    char why[FAULT_WHY_BYTES];
    char message[FAULT_WHY_BYTES + 32];
    uint32_t peer = 0;
    bool all = false;
    net_fault fault;
    if (!peer_parse(&peer, &all, why, json_array_get(params, 0), rpc->net) ||
        !fault_parse(&fault, why, json_array_get(params, 1))) {
        snprintf(message, sizeof message, "seq_testSetFault: %s", why);
        return rpc_error(id, API_INVALID_PARAMS, message);
    }
    uint32_t self = net_self_index(rpc->net);
    for (uint32_t i = 0; i < net_peer_count(rpc->net); i++) {
        if (i == self || (!all && i != peer))
            continue;
        seq_err err = net_fault_set(rpc->net, i, &fault);
        if (err != SEQ_OK) /* peer and fault were checked above: a bug */
            return rpc_error(id, API_INTERNAL_ERROR, seq_strerror(err));
    }
    return faults_reply(rpc, id);
}

/* seq_testGetFault (no params): the faults in force on every link. */
static json_t *test_get_fault(const node_rpc *rpc, json_t *id, json_t *params)
{
    json_t *reply = faults_unavailable(rpc, id, "seq_testGetFault");
    if (reply != NULL)
        return reply;
    if (params != NULL && json_array_size(params) + json_object_size(params) != 0)
        return rpc_error(id, API_INVALID_PARAMS, "seq_testGetFault takes no parameters");
    return faults_reply(rpc, id);
}

static json_t *rpc_dispatch(const node_rpc *rpc, json_t *id, const char *method, json_t *params)
{
    /* Test builds only: elsewhere these are "method not found". */
    if (NODE_TEST_MODES && strcmp(method, "seq_testSetFault") == 0)
        return test_set_fault(rpc, id, params);
    if (NODE_TEST_MODES && strcmp(method, "seq_testGetFault") == 0)
        return test_get_fault(rpc, id, params);
    if (strcmp(method, "eth_sendRawTransaction") == 0)
        return send_raw(rpc, id, params);
    if (strcmp(method, "seq_sendPayload") == 0)
        return send_payload(rpc, id, params);
    if (strcmp(method, "seq_getTransactionStatus") == 0)
        return tx_status(rpc, id, params);
    if (strcmp(method, "seq_getEvidence") == 0)
        return get_evidence(rpc, id, params);
    if (strcmp(method, "seq_getForcedEntry") == 0)
        return get_forced_entry(rpc, id, params);
    if (strcmp(method, "seq_getForcedQueue") == 0)
        return get_forced_queue(rpc, id, params);
    if (strcmp(method, "seq_status") == 0) {
        if (params != NULL && json_array_size(params) + json_object_size(params) != 0)
            return rpc_error(id, API_INVALID_PARAMS, "seq_status takes no parameters");
        node_status *s = malloc(sizeof *s);
        if (s == NULL)
            return rpc_error(id, API_INTERNAL_ERROR, "out of memory");
        rpc->status(rpc->status_ctx, s);
        json_t *status = status_json(s);
        status_commits(status, s);
        json_t *reply = rpc_result(id, status);
        free(s);
        return reply;
    }
    if (strcmp(method, "seq_getBlockByHeight") == 0) {
        uint64_t height = 0;
        size_t n = json_array_size(params);
        json_t *with_txs = json_array_get(params, 1);
        if (!json_is_array(params) || n < 1 || n > 2 ||
            !parse_height(&height, json_array_get(params, 0)) ||
            (with_txs != NULL && !json_is_boolean(with_txs)))
            return rpc_error(id, API_INVALID_PARAMS,
                             "seq_getBlockByHeight takes [height (an integer or 0x hex), "
                             "withTxHashes (optional boolean)]");
        return get_block(rpc, id, height, json_is_true(with_txs));
    }
    return rpc_error(id, API_METHOD_NOT_FOUND, "method not found");
}

/* One request object; returns the reply, or NULL: for a notification (a
 * valid request without id, which gets no reply; *notification set) or
 * when out of memory. */
/* True iff req is a well-formed request object: jsonrpc "2.0", a method
 * string, an id (if any) that is a string, an integer or null, and params
 * (if any) an array or an object. */
static bool request_valid(json_t *req)
{
    json_t *id = json_object_get(req, "id");
    json_t *params = json_object_get(req, "params");
    const char *version = json_string_value(json_object_get(req, "jsonrpc"));
    bool id_ok = id == NULL || json_is_string(id) || json_is_integer(id) || json_is_null(id);
    return json_is_object(req) && version != NULL && strcmp(version, "2.0") == 0 &&
           json_is_string(json_object_get(req, "method")) && id_ok &&
           (params == NULL || json_is_array(params) || json_is_object(params));
}

/* The id an error reply to req carries: its own if usable, else NULL
 * (null). */
static json_t *request_id(json_t *req)
{
    json_t *id = json_object_get(req, "id");
    return json_is_string(id) || json_is_integer(id) || json_is_null(id) ? id : NULL;
}

static json_t *rpc_one(const node_rpc *rpc, json_t *req, bool *notification)
{
    *notification = false;
    json_t *id = json_object_get(req, "id");
    if (!request_valid(req))
        return rpc_error(request_id(req), API_INVALID_REQUEST,
                         "invalid request: need jsonrpc \"2.0\", a method string, an id and "
                         "array or object params");
    if (id == NULL) {
        *notification = true;
        return NULL;
    }
    return rpc_dispatch(rpc, id, json_string_value(json_object_get(req, "method")),
                        json_object_get(req, "params"));
}

/* A batch: an array of 1..NODE_API_BATCH_MAX requests, answered by an array
 * of the replies; *out NULL if all were notifications. Once the replies
 * pass rpc->reply_bytes_max, each further request with an id is answered
 * with API_REPLY_TOO_LARGE without being run. SEQ_ERR_NO_MEMORY. */
static seq_err rpc_batch(const node_rpc *rpc, json_t **out, json_t *reqs)
{
    *out = NULL;
    size_t n = json_array_size(reqs);
    if (n == 0 || n > NODE_API_BATCH_MAX) {
        char message[80] = "invalid request: an empty batch";
        if (n > 0)
            snprintf(message, sizeof message, "invalid request: a batch holds at most %u requests",
                     NODE_API_BATCH_MAX);
        *out = rpc_error(NULL, API_INVALID_REQUEST, message);
        return *out != NULL ? SEQ_OK : SEQ_ERR_NO_MEMORY;
    }
    json_t *replies = json_array();
    if (replies == NULL)
        return SEQ_ERR_NO_MEMORY;
    size_t bytes = 0;
    size_t bytes_max = rpc->reply_bytes_max != 0 ? rpc->reply_bytes_max : NODE_API_REPLY_BYTES_MAX;
    for (size_t i = 0; i < n; i++) {
        json_t *req = json_array_get(reqs, i);
        bool notification = false;
        json_t *reply = NULL;
        if (bytes <= bytes_max)
            reply = rpc_one(rpc, req, &notification);
        else if (request_valid(req) && json_object_get(req, "id") == NULL)
            notification = true;
        else
            reply = rpc_error(request_id(req), API_REPLY_TOO_LARGE,
                              "batch reply too large: send fewer requests at once");
        if (notification)
            continue;
        if (reply == NULL || json_array_append_new(replies, reply) != 0) {
            json_decref(replies);
            return SEQ_ERR_NO_MEMORY;
        }
        bytes += json_dumpb(reply, NULL, 0, JSON_COMPACT) + 1;
    }
    if (json_array_size(replies) == 0)
        json_decref(replies);
    else
        *out = replies;
    return SEQ_OK;
}

seq_err node_rpc_handle(const node_rpc *rpc, char **reply, size_t *reply_len, const char *body,
                        size_t body_len)
{
    SEQ_ASSERT(rpc != NULL && rpc->status != NULL && rpc->store != NULL && rpc->pool != NULL);
    SEQ_ASSERT(reply != NULL && reply_len != NULL && (body != NULL || body_len == 0));
    *reply = NULL;
    *reply_len = 0;
    json_error_t error;
    json_t *req =
        body_len > NODE_API_BODY_BYTES_MAX
            ? NULL
            : json_loadb(body != NULL ? body : "", body_len, JSON_REJECT_DUPLICATES, &error);
    json_t *out = NULL;
    seq_err err = SEQ_OK;
    if (req == NULL) {
        out = rpc_error(NULL, API_PARSE_ERROR, "parse error: the body is not JSON");
    } else if (json_is_array(req)) {
        err = rpc_batch(rpc, &out, req);
    } else {
        bool notification = false;
        out = rpc_one(rpc, req, &notification);
        err = out != NULL || notification ? SEQ_OK : SEQ_ERR_NO_MEMORY;
    }
    json_decref(req);
    if (err != SEQ_OK || out == NULL) {
        json_decref(out);
        return out == NULL && err == SEQ_OK ? SEQ_OK : SEQ_ERR_NO_MEMORY;
    }
    *reply = json_dumps(out, JSON_COMPACT);
    json_decref(out);
    if (*reply == NULL)
        return SEQ_ERR_NO_MEMORY;
    *reply_len = strlen(*reply);
    return SEQ_OK;
}

/* ------------------------------------------------------------- HTTP */

static void reply_typed(nng_aio *aio, uint16_t status, const char *content_type, const char *body,
                        size_t body_len)
{
    nng_http_res *res = NULL;
    if (nng_http_res_alloc(&res) != 0) {
        nng_aio_finish(aio, NNG_ENOMEM);
        return;
    }
    if (nng_http_res_set_status(res, status) != 0 ||
        nng_http_res_set_header(res, "Content-Type", content_type) != 0 ||
        (body != NULL && nng_http_res_copy_data(res, body, body_len) != 0)) {
        nng_http_res_free(res);
        nng_aio_finish(aio, NNG_ENOMEM);
        return;
    }
    nng_aio_set_output(aio, 0, res);
    nng_aio_finish(aio, 0);
}

static void reply_http(nng_aio *aio, uint16_t status, const char *body)
{
    reply_typed(aio, status, "application/json", body, body != NULL ? strlen(body) : 0);
}

static node_api *api_of(nng_aio *aio)
{
    return nng_http_handler_get_data(nng_aio_get_input(aio, 1));
}

static void health_cb(nng_aio *aio)
{
    node_api *api = api_of(aio);
    node_status *s = malloc(sizeof *s);
    if (s == NULL) {
        nng_aio_finish(aio, NNG_ENOMEM);
        return;
    }
    api->rpc.status(api->rpc.status_ctx, s);
    char body[160];
    snprintf(body, sizeof body, "{\"status\":\"%s\",\"height\":%llu,\"view\":%llu}\n",
             s->running && !s->halted ? "ok" : "unavailable",
             (unsigned long long)s->height_committed, (unsigned long long)s->view);
    uint16_t code =
        s->running && !s->halted ? NNG_HTTP_STATUS_OK : NNG_HTTP_STATUS_SERVICE_UNAVAILABLE;
    free(s);
    reply_http(aio, code, body);
}

/* GET /metrics: the status snapshot for Prometheus (node_metrics_render). */
static void metrics_cb(nng_aio *aio)
{
    node_api *api = api_of(aio);
    node_status *s = malloc(sizeof *s);
    char *text = malloc(NODE_METRICS_BYTES_MAX);
    size_t len = 0;
    if (s == NULL || text == NULL) {
        free(s);
        free(text);
        nng_aio_finish(aio, NNG_ENOMEM);
        return;
    }
    api->rpc.status(api->rpc.status_ctx, s);
    seq_err err = node_metrics_render(text, NODE_METRICS_BYTES_MAX, &len, s, seq_monotonic_ms());
    SEQ_ASSERT(err == SEQ_OK); /* NODE_METRICS_BYTES_MAX fits any snapshot */
    reply_typed(aio, NNG_HTTP_STATUS_OK, "text/plain; version=0.0.4", text, len);
    free(text);
    free(s);
}

static void rpc_cb(nng_aio *aio)
{
    node_api *api = api_of(aio);
    nng_http_req *req = nng_aio_get_input(aio, 0);
    void *data = NULL;
    size_t len = 0;
    nng_http_req_get_data(req, &data, &len);
    char *text = NULL;
    size_t text_len = 0;
    if (node_rpc_handle(&api->rpc, &text, &text_len, data, len) != SEQ_OK) {
        nng_aio_finish(aio, NNG_ENOMEM);
        return;
    }
    reply_http(aio, text != NULL ? NNG_HTTP_STATUS_OK : NNG_HTTP_STATUS_NO_CONTENT, text);
    free(text);
}

/* node_rpc's status source in a running node. */
static void runtime_status(void *ctx, node_status *out)
{
    node_runtime_status(ctx, out);
}

static seq_err add_handler(node_api *api, const char *path, const char *method,
                           void (*cb)(nng_aio *), size_t body_max)
{
    nng_http_handler *h = NULL;
    if (nng_http_handler_alloc(&h, path, cb) != 0)
        return SEQ_ERR_NO_MEMORY;
    if (nng_http_handler_set_method(h, method) != 0 ||
        nng_http_handler_set_data(h, api, NULL) != 0 ||
        (body_max > 0 && nng_http_handler_collect_body(h, true, body_max) != 0) ||
        nng_http_server_add_handler(api->server, h) != 0) {
        nng_http_handler_free(h);
        return SEQ_ERR_INTERNAL;
    }
    return SEQ_OK;
}

seq_err node_api_start(node_api **out, node_diag *why, const char *url, node_runtime *rt,
                       const store *s, node_txpool *pool, net *n, const seq_block_header *genesis)
{
    SEQ_ASSERT(out != NULL && url != NULL && rt != NULL && s != NULL && pool != NULL &&
               genesis != NULL);
    *out = NULL;
    node_api *api = calloc(1, sizeof *api);
    if (api == NULL)
        return node_diag_set(why, SEQ_ERR_NO_MEMORY, "out of memory");
    api->rpc = (node_rpc){.status = runtime_status,
                          .status_ctx = rt,
                          .store = s,
                          .pool = pool,
                          .genesis = *genesis,
                          .net = n};
    seq_err err = SEQ_ERR_INVALID_ARG;
    if (nng_url_parse(&api->url, url) != 0 || nng_http_server_hold(&api->server, api->url) != 0)
        goto free_api;
    if ((err = add_handler(api, "/health", "GET", health_cb, 0)) != SEQ_OK ||
        (err = add_handler(api, "/metrics", "GET", metrics_cb, 0)) != SEQ_OK ||
        (err = add_handler(api, "/", "POST", rpc_cb, NODE_API_BODY_BYTES_MAX)) != SEQ_OK)
        goto free_api;
    int rv = nng_http_server_start(api->server);
    if (rv != 0) {
        err = rv == NNG_EADDRINUSE ? SEQ_ERR_UNAVAILABLE : SEQ_ERR_INTERNAL;
        goto free_api;
    }
    *out = api;
    return SEQ_OK;
free_api:
    node_api_free(api);
    return node_diag_set(why, err, "rpc_listen %s: cannot serve the API: %s", url,
                         err == SEQ_ERR_UNAVAILABLE ? "address in use" : seq_strerror(err));
}

void node_api_free(node_api *api)
{
    if (api == NULL)
        return;
    if (api->server != NULL) {
        nng_http_server_stop(api->server);
        nng_http_server_release(api->server);
    }
    if (api->url != NULL)
        nng_url_free(api->url);
    free(api);
}
