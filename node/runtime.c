/* runtime.c — the event loop of a committee member. One thread owns the
 * consensus core: it reads the transport into the core with a monotonic
 * clock, and applies every cons_update in the order consensus.h documents:
 * one durable store_apply before anything leaves the process, then
 * messages, fetches, commits, evidence, the payload, the timer.
 *
 * Follow-up events (a payload for the leader, a fetch answered from the
 * own store) wait in a small local queue and are fed only once the update
 * that asked for them is fully applied, because an update's pointers die
 * at the next cons_step. The payload the core asks for waits apart, until
 * its block is due. */
#include "internal.h"

#include <signal.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "l1.h"

/* One follow-up event: a fetch to answer from the own store. */
typedef struct {
    cons_fetch fetch;
} runtime_local;

struct node_runtime {
    node_config_resolved resolved;
    cons_config cons_config;
    node_cons_crypto *crypto;
    store *store;
    net *net;
    cons *core; /* NULL while waiting to be rebuilt after a store failure */
    node_api *api;
    node_txpool *txpool;
    node_forced *forced;
    node_evidence *evidence;
    node_l1link *l1; /* NULL without an L1 */
    atomic_bool stopping;
    atomic_bool txs_arrived;  /* a tx was admitted since the loop last looked */
    uint64_t started_ms;      /* monotonic */
    uint64_t deadline_ms;     /* the core's next timer */
    uint64_t core_rebuild_ms; /* when core is NULL: when to rebuild it */
    bool store_failed;        /* the last store_apply failed (logged once) */
    seq_hash rejected_hash;   /* the last block refused by the validity hook (logged once) */
    /* The sync response being stepped, if any, and those of its blocks
     * validate_txs vouches for (see there). */
    const wire_sync_response *stepping_sync;
    cons_block synced[WIRE_SYNC_BLOCKS_MAX];
    bool halted_logged;
    /* The payload the core asked for, fed once due (block pacing). */
    bool payload_pending;
    cons_payload_request payload_request;
    uint64_t payload_due_ms; /* monotonic */
    bool payload_proposed;   /* the payload fed last became the own block */
    mempool_caps payload_caps;
    /* The local queue, a ring. */
    runtime_local local[NODE_RUNTIME_LOCAL_EVENTS_MAX];
    size_t local_head, local_count;
    /* Buffers, allocated once. */
    uint8_t *rx;            /* NET_MSG_BYTES_MAX: one received message */
    uint8_t *tx;            /* NET_MSG_BYTES_MAX: one encoded message */
    seq_arena decode;       /* WIRE_DECODE_ARENA_BYTES(NET_MSG_BYTES_MAX) */
    seq_arena encode;       /* WIRE_ENCODE_ARENA_BYTES */
    seq_arena sync;         /* STORE_SYNC_ARENA_BYTES: one sync answer */
    seq_arena block;        /* STORE_BLOCK_ARENA_BYTES: one committed block */
    uint64_t gossip_due_ms; /* monotonic; UINT64_MAX if nothing waits */
    /* The view of the last committed block (the stored tip's at start),
     * for the leader slots of node_validators_commit. */
    bool view_committed_known;
    uint64_t view_committed;
    uint64_t cursor_committed; /* the forced cursor of the last committed block */
    /* Counters and the snapshot the API reads. */
    node_status counters; /* loop-owned: counters and per-validator commit figures */
    nng_mtx *status_mtx;
    node_status *status; /* status_mtx */
    node_status *status_scratch;
};

/* ---------------------------------------------------------------- clocks */

/* ----------------------------------------------------- validity hook */

/* The blocks of the sync response being stepped whose hash and tx root
 * check out (the core dropped the others, or will): they reach the store
 * and the txpool only after this step, but a proposal that waited for its
 * parent is judged inside it (the core retries it once the response
 * brought the parent). A block that hashes to an ancestor's hash and
 * matches its own tx root holds that ancestor's txs; its QC is not needed
 * for that. Recomputing the roots refreshes the crypto memo, so the
 * txpool takes the hashes from there. */
static size_t synced_vouch(node_runtime *rt)
{
    const cons_ops *ops = &rt->cons_config.ops;
    size_t n = 0;
    for (size_t i = 0; i < rt->stepping_sync->count; i++) {
        const wire_block *b = &rt->stepping_sync->blocks[i].block;
        seq_hash root;
        ops->tx_root(ops->ctx, &root, b->txs, b->tx_count);
        if (!seq_hash_equal(&root, &b->header.tx_root))
            continue;
        rt->synced[n].block = *b;
        ops->block_hash(ops->ctx, &rt->synced[n].hash, &b->header);
        n++;
    }
    return n;
}

/* The no-tx-twice rule (node_txpool_check_block). A refusal is logged
 * once per block: a proposal may come again (retransmitted, or retried
 * once a missing parent arrived). */
static seq_err validate_txs(node_runtime *rt, const cons_block *block)
{
    seq_hash tx;
    const char *why = NULL;
    seq_err err = node_txpool_check_block(rt->txpool, &tx, &why, block, NULL, 0);
    if (err == SEQ_ERR_NOT_FOUND && rt->stepping_sync != NULL) /* rare: look again */
        err = node_txpool_check_block(rt->txpool, &tx, &why, block, rt->synced, synced_vouch(rt));
    if (err == SEQ_OK || seq_hash_equal(&rt->rejected_hash, &block->hash))
        return err;
    rt->rejected_hash = block->hash;
    const seq_block_header *h = &block->block.header;
    if (err == SEQ_ERR_EXISTS)
        SEQ_LOG(SEQ_LOG_WARN, "block_rejected", SEQ_F_STR("reason", "duplicate_tx"),
                SEQ_F_U64("height", h->height), SEQ_F_U64("view", h->view),
                SEQ_F_HEX("tx", tx.b, SEQ_HASH_BYTES), SEQ_F_STR("where", why),
                SEQ_F_HEX("proposer", h->proposer.b, SEQ_ADDR_BYTES));
    else /* cannot tell: not voting is the safe side */
        SEQ_LOG(SEQ_LOG_WARN, "block_rejected",
                SEQ_F_STR("reason", err == SEQ_ERR_NOT_FOUND ? "ancestry_unknown" : "tx_check"),
                SEQ_F_U64("height", h->height), SEQ_F_U64("view", h->view), SEQ_F_ERR(err));
    return err;
}

/* The forced-inclusion rule (node_forced_check), logged once per block
 * like validate_txs, and looked at again with the vouched blocks of a
 * sync response when the ancestry was not known. */
static seq_err validate_forced(node_runtime *rt, const cons_block *block,
                               const seq_block_header *parent)
{
    const char *why = NULL;
    seq_err err = node_forced_check(rt->forced, &why, block, parent, NULL, 0);
    if (err == SEQ_ERR_NOT_FOUND && rt->stepping_sync != NULL)
        err = node_forced_check(rt->forced, &why, block, parent, rt->synced, synced_vouch(rt));
    if (err == SEQ_OK || seq_hash_equal(&rt->rejected_hash, &block->hash))
        return err;
    rt->rejected_hash = block->hash;
    const seq_block_header *h = &block->block.header;
    SEQ_LOG(SEQ_LOG_WARN, "block_rejected", SEQ_F_STR("reason", why != NULL ? why : "forced"),
            SEQ_F_U64("height", h->height), SEQ_F_U64("view", h->view),
            SEQ_F_U64("l1_origin", h->l1_origin_number),
            SEQ_F_U64("forced_cursor", h->forced_cursor), SEQ_F_ERR(err),
            SEQ_F_HEX("proposer", h->proposer.b, SEQ_ADDR_BYTES));
    return err;
}

/* Timestamp drift against this node's wall clock, the L1 origin and the
 * forced queue (validate_forced), and no tx twice (validate_txs). */
static seq_err runtime_validate(void *ctx, const cons_block *block, const seq_block_header *parent)
{
    node_runtime *rt = ctx;
    const seq_block_header *h = &block->block.header;
    if (h->timestamp_ms > seq_wall_ms() + NODE_RUNTIME_DRIFT_MS_MAX) {
        SEQ_LOG(SEQ_LOG_WARN, "block_rejected", SEQ_F_STR("reason", "timestamp_drift"),
                SEQ_F_U64("height", h->height), SEQ_F_U64("view", h->view),
                SEQ_F_U64("timestamp_ms", h->timestamp_ms));
        return SEQ_ERR_INVALID_ARG;
    }
    seq_err err = validate_forced(rt, block, parent);
    return err != SEQ_OK ? err : validate_txs(rt, block);
}

/* ------------------------------------------------------- applying updates */

static void local_push(node_runtime *rt, const runtime_local *item)
{
    if (rt->local_count == NODE_RUNTIME_LOCAL_EVENTS_MAX) {
        SEQ_LOG(SEQ_LOG_DEBUG, "local_event_dropped");
        return;
    }
    rt->local[(rt->local_head + rt->local_count) % NODE_RUNTIME_LOCAL_EVENTS_MAX] = *item;
    rt->local_count++;
}

/* Encodes msg into rt->tx; SEQ_OK with *len set, or the encoder's error. */
static seq_err encode_msg(node_runtime *rt, size_t *len, const wire_msg *msg)
{
    seq_arena_reset(&rt->encode);
    seq_err err = wire_encode(rt->tx, NET_MSG_BYTES_MAX, len, &rt->encode, msg);
    if (err != SEQ_OK)
        SEQ_LOG(SEQ_LOG_ERROR, "encode_failed", SEQ_F_STR("type", wire_type_name(msg->type)),
                SEQ_F_ERR(err));
    return err;
}

static void send_msg(node_runtime *rt, size_t to, const wire_msg *msg)
{
    size_t len = 0;
    if (encode_msg(rt, &len, msg) != SEQ_OK)
        return;
    seq_err err = to == CONS_TO_ALL ? net_broadcast(rt->net, rt->tx, len)
                                    : net_send(rt->net, (uint32_t)to, rt->tx, len);
    if (err != SEQ_OK && err != SEQ_ERR_NO_SPACE) /* a full queue is counted by net */
        SEQ_LOG(SEQ_LOG_WARN, "send_failed", SEQ_F_STR("type", wire_type_name(msg->type)),
                SEQ_F_U64("to", to == CONS_TO_ALL ? UINT64_MAX : (uint64_t)to), SEQ_F_ERR(err));
}

/* A committed block: its txs leave the pool, and it is logged. The block
 * is read back from the store only if the pool does not track it or it
 * consumed forced entries (node_forced_committed then looks at its txs);
 * c carries its header and hash only. */
static void apply_commit(node_runtime *rt, const cons_block *c)
{
    const seq_block_header *h = &c->block.header;
    size_t tx_count = 0;
    if (h->forced_cursor <= rt->cursor_committed &&
        node_txpool_committed_tracked(rt->txpool, &tx_count, &c->hash, h->height)) {
        node_forced_committed(rt->forced, c, rt->cursor_committed); /* the cursor only */
    } else {
        cons_block stored;
        seq_arena_reset(&rt->block);
        seq_err err = store_get_block(rt->store, &stored, &rt->block, &c->hash);
        if (err == SEQ_OK) {
            tx_count = stored.block.tx_count;
            node_forced_committed(rt->forced, &stored, rt->cursor_committed);
            node_txpool_committed(rt->txpool, &stored);
        } else { /* store_apply just wrote it: only a corrupt read lands here */
            SEQ_LOG(SEQ_LOG_ERROR, "committed_block_unreadable", SEQ_F_ERR(err),
                    SEQ_F_HEX("hash", c->hash.b, SEQ_HASH_BYTES));
            node_txpool_commit_unread(rt->txpool, h->height);
        }
    }
    rt->counters.txs_committed += tx_count;
    rt->cursor_committed = h->forced_cursor;
    uint64_t now_wall_ms = seq_wall_ms();
    node_validators_commit(rt->counters.validators, &rt->cons_config.committee, rt->view_committed,
                           h->view, &h->proposer);
    rt->view_committed = SEQ_MAX(rt->view_committed, h->view);
    node_commit_latency_observe(&rt->counters.commit_latency,
                                now_wall_ms > h->timestamp_ms ? now_wall_ms - h->timestamp_ms : 0);
    rt->counters.last_commit_ms = now_wall_ms;
    SEQ_LOG(SEQ_LOG_INFO, "commit", SEQ_F_U64("height", h->height),
            SEQ_F_HEX("hash", c->hash.b, SEQ_HASH_BYTES), SEQ_F_U64("view", h->view),
            SEQ_F_U64("txs", tx_count));
}

/* Diagnostics, at log level debug only: one `event=signed` line per
 * statement of this validator that an outgoing consensus message carries
 * (`in=message`: its proposal, vote or timeout; `in=qc` / `in=tc`: its
 * signature inside a certificate the message carries, which is how the
 * vote of the next leader, aggregated locally, leaves the process). Logged
 * after the update's durable commit and before the send, so every
 * incarnation's log holds each signed statement that could have left the
 * process; tests/e2e/test_torture.c checks that no two conflict. */
static void log_signed_block(const char *kind, const char *in, const seq_addr *signer,
                             uint64_t view, uint64_t height, const seq_hash *hash)
{
    SEQ_LOG(SEQ_LOG_DEBUG, "signed", SEQ_F_STR("kind", kind), SEQ_F_STR("in", in),
            SEQ_F_HEX("signer", signer->b, SEQ_ADDR_BYTES), SEQ_F_U64("view", view),
            SEQ_F_U64("height", height), SEQ_F_HEX("hash", hash->b, SEQ_HASH_BYTES));
}

static void log_signed_timeout(const char *in, const seq_addr *signer, uint64_t view,
                               uint64_t high_qc_view)
{
    SEQ_LOG(SEQ_LOG_DEBUG, "signed", SEQ_F_STR("kind", "timeout"), SEQ_F_STR("in", in),
            SEQ_F_HEX("signer", signer->b, SEQ_ADDR_BYTES), SEQ_F_U64("view", view),
            SEQ_F_U64("high_qc_view", high_qc_view));
}

static void log_signed_certs(node_runtime *rt, const wire_qc *qc, const wire_tc *tc)
{
    const seq_addr *self = &rt->resolved.keys.pub.validator_address;
    for (size_t i = 0; qc != NULL && i < qc->sig_count; i++)
        if (seq_addr_equal(&qc->sigs[i].signer, self))
            log_signed_block("vote", "qc", self, qc->view, qc->height, &qc->block_hash);
    for (size_t i = 0; tc != NULL && i < tc->sig_count; i++)
        if (seq_addr_equal(&tc->sigs[i].signer, self))
            log_signed_timeout("tc", self, tc->view, tc->sigs[i].high_qc_view);
}

static void log_signed(node_runtime *rt, const wire_msg *m)
{
    if (!seq_log_enabled(SEQ_LOG_DEBUG))
        return;
    if (m->type == WIRE_PROPOSAL) {
        const wire_proposal *p = &m->u.proposal;
        seq_hash hash;
        rt->cons_config.ops.block_hash(rt->cons_config.ops.ctx, &hash, &p->block.header);
        log_signed_block("proposal", "message", &p->block.header.proposer, p->block.header.view,
                         p->block.header.height, &hash);
        log_signed_certs(rt, &p->justify, p->has_tc ? &p->tc : NULL);
    } else if (m->type == WIRE_VOTE) {
        const wire_block_statement *v = &m->u.vote.vote;
        log_signed_block("vote", "message", &v->signer, v->stmt.view, v->stmt.height,
                         &v->stmt.block_hash);
    } else if (m->type == WIRE_TIMEOUT) {
        const wire_timeout_statement *t = &m->u.timeout.stmt;
        log_signed_timeout("message", &t->signer, t->stmt.view, t->stmt.high_qc_view);
        log_signed_certs(rt, &m->u.timeout.high_qc, NULL);
    } else if (m->type == WIRE_VIEW_SYNC) {
        const wire_view_sync *s = &m->u.view_sync;
        log_signed_certs(rt, s->has_qc ? &s->high_qc : NULL, s->has_tc ? &s->high_tc : NULL);
    }
}

/* Test mode "equivocate": vote went to `to`; a second vote for the same
 * view and height but another block goes, signed with the same key, to
 * every other peer. Each peer sees one vote directly; the double vote
 * shows once a certificate with the first reaches one that got the
 * second (consensus/README.md "Equivocation"). */
static void equivocate_vote(node_runtime *rt, size_t to, const wire_vote *vote)
{
    const cons_ops *ops = &rt->cons_config.ops;
    wire_msg msg = {.type = WIRE_VOTE};
    wire_block_statement *b = &msg.u.vote.vote;
    *b = vote->vote;
    for (size_t i = 0; i < SEQ_HASH_BYTES; i++)
        b->stmt.block_hash.b[i] ^= 0x5a;
    seq_hash digest;
    ops->vote_digest(ops->ctx, &digest, &b->stmt);
    if (ops->sign(ops->ctx, &b->sig, &digest) != SEQ_OK)
        return;
    SEQ_LOG(SEQ_LOG_WARN, "test_equivocation", SEQ_F_STR("kind", "vote"),
            SEQ_F_U64("view", b->stmt.view), SEQ_F_U64("height", b->stmt.height),
            SEQ_F_U64("first_to", to));
    for (size_t i = 0; i < rt->resolved.genesis.validator_count; i++)
        if (i != to && i != rt->resolved.self_index)
            send_msg(rt, i, &msg);
}

/* When a pending payload request is due, at now_ms (monotonic): at once
 * if transactions wait; else when a settling sender's txs may go in, or
 * at the latest NODE_RUNTIME_EMPTY_BLOCK_MS after the parent's timestamp,
 * so that an idle committee does not fill the disk with empty blocks. */
static uint64_t payload_due(node_runtime *rt, uint64_t now_ms)
{
    const cons_payload_request *req = &rt->payload_request;
    if (node_txpool_wants_block(rt->txpool, req->parent.height))
        return now_ms; /* transactions wait: propose now */
    uint64_t now_wall_ms = seq_wall_ms();
    uint64_t due_wall_ms = req->parent.timestamp_ms + NODE_RUNTIME_EMPTY_BLOCK_MS;
    uint64_t wait = due_wall_ms > now_wall_ms ? due_wall_ms - now_wall_ms : 0;
    uint64_t due = now_ms + SEQ_MIN(wait, (uint64_t)NODE_RUNTIME_EMPTY_BLOCK_MS);
    return SEQ_MIN(due, node_txpool_settle_deadline(rt->txpool));
}

/* Keeps the request until the block is due (payload_due). */
static void payload_schedule(node_runtime *rt, const cons_payload_request *req)
{
    rt->payload_pending = true;
    rt->payload_request = *req;
    uint64_t now_ms = seq_monotonic_ms();
    rt->payload_due_ms = payload_due(rt, now_ms);
    SEQ_LOG(SEQ_LOG_DEBUG, "payload_wanted", SEQ_F_U64("view", req->view),
            SEQ_F_U64("wait_ms", rt->payload_due_ms - now_ms));
}

/* Persists u in one durable commit. On failure logs once (until a write
 * succeeds again) and returns false: nothing of u may leave the process. */
static bool persist(node_runtime *rt, const cons_update *u)
{
    seq_err err = store_apply(rt->store, u);
    if (err == SEQ_OK) {
        if (rt->store_failed)
            SEQ_LOG0(SEQ_LOG_INFO, "store_recovered");
        rt->store_failed = false;
        return true;
    }
    rt->counters.store_failures++;
    if (!rt->store_failed)
        SEQ_LOG(SEQ_LOG_ERROR, "store_apply_failed", SEQ_F_ERR(err),
                SEQ_F_U64("retry_ms", NODE_RUNTIME_STORE_RETRY_MS));
    rt->store_failed = true;
    return false;
}

/* Applies u in the documented order. Returns false if the durable write
 * failed (then nothing was sent). */
static bool apply_update(node_runtime *rt, const cons_update *u)
{
    if (!persist(rt, u))
        return false;
    node_txpool_blocks_seen(rt->txpool, u->blocks, u->block_count);
    for (size_t i = 0; i < u->block_count; i++) {
        const seq_block_header *h = &u->blocks[i].block.header;
        if (h->view == rt->payload_request.view &&
            seq_addr_equal(&h->proposer, &rt->resolved.keys.pub.validator_address))
            rt->payload_proposed = true;
    }
    for (size_t i = 0; i < u->message_count; i++) {
        log_signed(rt, &u->messages[i].msg);
        send_msg(rt, u->messages[i].to, &u->messages[i].msg);
        if (rt->resolved.config.equivocate_votes && u->messages[i].msg.type == WIRE_VOTE)
            equivocate_vote(rt, u->messages[i].to, &u->messages[i].msg.u.vote);
    }
    /* Fetches go through the local queue: the own store answers first
     * (drain_local), and only a fetch it cannot answer goes to the peer. */
    for (size_t i = 0; i < u->fetch_count; i++)
        local_push(rt, &(runtime_local){.fetch = u->fetches[i]});
    for (size_t i = 0; i < u->commit_count; i++)
        apply_commit(rt, &u->commits[i]);
    for (size_t i = 0; i < u->evidence_count; i++)
        node_evidence_add(rt->evidence, &u->evidence[i], NODE_EVIDENCE_FROM_CORE, 0);
    if (u->payload_wanted)
        payload_schedule(rt, &u->payload_request);
    rt->deadline_ms = u->deadline_ms;
    return true;
}

/* Drops the core after a failed durable write; it is rebuilt from the
 * store (as after a crash) once NODE_RUNTIME_STORE_RETRY_MS passed. What
 * it signed but could not persist never left the process. */
static void core_drop(node_runtime *rt, uint64_t now_ms)
{
    cons_free(rt->core);
    rt->core = NULL;
    rt->local_count = 0;
    rt->payload_pending = false;
    rt->core_rebuild_ms = now_ms + NODE_RUNTIME_STORE_RETRY_MS;
}

static void feed(node_runtime *rt, const cons_event *ev)
{
    SEQ_ASSERT(rt->core != NULL);
    cons_update u;
    memset(&u, 0, sizeof u);
    seq_err err = cons_step(rt->core, &u, ev);
    if (err == SEQ_ERR_UNAVAILABLE && !rt->halted_logged) {
        SEQ_LOG(SEQ_LOG_ERROR, "core_halted", SEQ_F_STR("why", "safety violation detected"));
        rt->halted_logged = true;
    } else if (err != SEQ_OK && err != SEQ_ERR_UNAVAILABLE) {
        SEQ_LOG(SEQ_LOG_ERROR, "step_failed", SEQ_F_U64("event", (uint64_t)ev->type),
                SEQ_F_ERR(err));
    }
    if (!apply_update(rt, &u))
        core_drop(rt, ev->now_ms);
}

static void feed_payload(node_runtime *rt, const cons_payload_request *req)
{
    node_forced_plan plan;
    node_forced_plan_block(rt->forced, &plan, &req->parent, &req->parent_hash);
    mempool_caps caps = rt->payload_caps;
    if (plan.forced_only) { /* the caps hold the forced txs and nothing more */
        caps = (mempool_caps){.bytes_max = 0, .txs_max = plan.tx_count};
        for (size_t i = 0; i < plan.tx_count; i++)
            caps.bytes_max += plan.txs[i].len;
    }
    const seq_bytes *txs = NULL;
    size_t tx_count = node_txpool_payload(rt->txpool, &txs, &caps, &req->parent_hash,
                                          req->parent.height, plan.txs, plan.tx_count);
    cons_event ev = {.type = CONS_EVENT_PAYLOAD, .now_ms = seq_monotonic_ms()};
    ev.u.payload = (cons_payload){
        .view = req->view,
        .timestamp_ms = SEQ_MAX(seq_wall_ms(), req->parent.timestamp_ms),
        .l1_origin_number = plan.origin_number,
        .l1_origin_hash = plan.origin_hash,
        .forced_cursor = plan.forced_cursor,
        .tx_count = tx_count,
        .txs = txs,
    };
    rt->payload_proposed = false;
    SEQ_LOG(SEQ_LOG_DEBUG, "payload", SEQ_F_U64("view", req->view), SEQ_F_U64("txs", tx_count),
            SEQ_F_U64("forced", plan.tx_count), SEQ_F_U64("l1_origin", plan.origin_number));
    /* The pool hashed these txs already: the block's tx root need not. */
    node_cons_crypto_hint(rt->crypto, txs, node_txpool_payload_hashes(rt->txpool), tx_count);
    feed(rt, &ev);
    node_cons_crypto_hint(rt->crypto, NULL, NULL, 0);
    if (!rt->payload_proposed) /* the core moved on: the picks may go elsewhere */
        node_txpool_payload_dropped(rt->txpool);
}

/* Answers f from the own store and feeds the answer as a sync_response
 * from the replica's own index; asks the peer if the store has nothing. */
static void feed_fetch(node_runtime *rt, const cons_fetch *f)
{
    wire_msg msg = {.type = WIRE_SYNC_RESPONSE};
    seq_arena_reset(&rt->sync);
    seq_err err = store_sync_answer(rt->store, &msg.u.sync_response, &rt->sync, &f->request);
    if (err != SEQ_OK || msg.u.sync_response.count == 0) {
        wire_msg req = {.type = WIRE_SYNC_REQUEST, .u.sync_request = f->request};
        send_msg(rt, f->peer, &req);
        return;
    }
    cons_event ev = {.type = CONS_EVENT_MESSAGE, .now_ms = seq_monotonic_ms()};
    ev.u.message.from = rt->resolved.self_index;
    ev.u.message.msg = &msg;
    rt->stepping_sync = &msg.u.sync_response;
    feed(rt, &ev);
    rt->stepping_sync = NULL;
}

static void drain_local(node_runtime *rt)
{
    while (rt->core != NULL && rt->local_count > 0) {
        runtime_local item = rt->local[rt->local_head];
        rt->local_head = (rt->local_head + 1) % NODE_RUNTIME_LOCAL_EVENTS_MAX;
        rt->local_count--;
        feed_fetch(rt, &item.fetch);
    }
}

/* ------------------------------------------------------------- the core */

/* The most recent committed blocks whose QC the store lacks (the core
 * fetches those again), looking back at most NODE_RUNTIME_QC_SCAN_HEIGHTS
 * below the tip. */
static size_t uncertified_scan(node_runtime *rt, cons_block_ref *out, uint64_t tip_height)
{
    size_t count = 0;
    uint64_t lowest =
        tip_height > NODE_RUNTIME_QC_SCAN_HEIGHTS ? tip_height - NODE_RUNTIME_QC_SCAN_HEIGHTS : 0;
    for (uint64_t h = tip_height; h > lowest && count < CONS_QC_MISSING; h--) {
        seq_hash hash;
        wire_qc qc;
        cons_block block;
        seq_arena_reset(&rt->block);
        if (store_get_hash_at(rt->store, &hash, h) != SEQ_OK ||
            store_get_qc(rt->store, &qc, &rt->block, &hash) != SEQ_ERR_NOT_FOUND)
            continue;
        seq_arena_reset(&rt->block);
        if (store_get_block(rt->store, &block, &rt->block, &hash) != SEQ_OK)
            continue;
        out[count++] = (cons_block_ref){.hash = hash, .height = h, .view = block.block.header.view};
    }
    return count;
}

/* Creates the core from the store's safety state and committed tip. */
static seq_err core_start(node_runtime *rt)
{
    SEQ_ASSERT(rt->core == NULL);
    cons_safety *safety = malloc(sizeof *safety);
    store_tip *tip = malloc(sizeof *tip);
    seq_err err = SEQ_ERR_NO_MEMORY;
    if (safety == NULL || tip == NULL)
        goto free_buffers;
    err = store_get_safety(rt->store, safety);
    bool has_safety = err == SEQ_OK;
    if (err != SEQ_OK && err != SEQ_ERR_NOT_FOUND)
        goto free_buffers;
    err = store_get_tip(rt->store, tip);
    bool has_tip = err == SEQ_OK;
    if (err != SEQ_OK && err != SEQ_ERR_NOT_FOUND)
        goto free_buffers;
    cons_block_ref uncertified[CONS_QC_MISSING];
    cons_restart restart = {.safety = has_safety ? safety : NULL,
                            .committed = has_tip ? &tip->header : NULL,
                            .uncertified_count =
                                has_tip ? uncertified_scan(rt, uncertified, tip->height) : 0,
                            .uncertified = uncertified};
    err = cons_new(&rt->core, &rt->cons_config, &restart);
    if (err != SEQ_OK)
        goto free_buffers;
    SEQ_LOG(SEQ_LOG_INFO, "core_started", SEQ_F_U64("height", has_tip ? tip->height : 0),
            SEQ_F_U64("view", cons_view(rt->core)), SEQ_F_BOOL("restart", has_safety));
    if (!rt->view_committed_known) { /* the first start: leader slots count from the tip */
        rt->view_committed_known = true;
        rt->view_committed = has_tip ? tip->header.view : 0;
        rt->cursor_committed = has_tip ? tip->header.forced_cursor : 0;
        rt->counters.slots_from_view = rt->view_committed;
        for (size_t i = 0; i < rt->cons_config.committee.count; i++)
            rt->counters.validators[i].address = rt->cons_config.committee.validators[i].addr;
    }
    rt->local_count = 0;
    rt->payload_pending = false;
    uint64_t now_ms = seq_monotonic_ms();
    rt->deadline_ms = now_ms;
    feed(rt, &(cons_event){.type = CONS_EVENT_TICK, .now_ms = now_ms});
free_buffers:
    free(tip);
    free(safety);
    return err;
}

/* ------------------------------------------------------------- messages */

static void serve_sync(node_runtime *rt, uint32_t from, const wire_sync_request *req)
{
    wire_msg msg = {.type = WIRE_SYNC_RESPONSE};
    seq_arena_reset(&rt->sync);
    seq_err err = store_sync_answer(rt->store, &msg.u.sync_response, &rt->sync, req);
    if (err != SEQ_OK) {
        SEQ_LOG(SEQ_LOG_WARN, "sync_answer_failed", SEQ_F_U64("peer", from), SEQ_F_ERR(err));
        return;
    }
    rt->counters.sync_served++;
    send_msg(rt, from, &msg);
}

static void feed_message(node_runtime *rt, uint32_t from, const wire_msg *msg)
{
    cons_event ev = {.type = CONS_EVENT_MESSAGE, .now_ms = seq_monotonic_ms()};
    ev.u.message.from = from;
    ev.u.message.msg = msg;
    rt->stepping_sync = msg->type == WIRE_SYNC_RESPONSE ? &msg->u.sync_response : NULL;
    feed(rt, &ev);
    rt->stepping_sync = NULL;
}

static void dispatch(node_runtime *rt, uint32_t from, size_t len)
{
    wire_msg msg;
    seq_arena_reset(&rt->decode);
    seq_err err = wire_decode(&msg, &rt->decode, rt->rx, len);
    if (err != SEQ_OK) {
        rt->counters.messages_invalid++;
        SEQ_LOG(SEQ_LOG_DEBUG, "message_invalid", SEQ_F_U64("peer", from), SEQ_F_ERR(err));
        return;
    }
    rt->counters.messages_in++;
    SEQ_LOG(SEQ_LOG_DEBUG, "message_in", SEQ_F_STR("type", wire_type_name(msg.type)),
            SEQ_F_U64("peer", from), SEQ_F_U64("bytes", len));
    switch (msg.type) {
    case WIRE_PROPOSAL:
    case WIRE_VOTE:
    case WIRE_TIMEOUT:
    case WIRE_VIEW_SYNC:
    case WIRE_SYNC_RESPONSE:
        if (rt->core != NULL) /* else: rebuilding after a store failure */
            feed_message(rt, from, &msg);
        return;
    case WIRE_SYNC_REQUEST:
        serve_sync(rt, from, &msg.u.sync_request);
        return;
    case WIRE_TX_BATCH:
        if (node_txpool_receive(rt->txpool, &msg.u.tx_batch, seq_monotonic_ms()) > 0)
            atomic_store(&rt->txs_arrived, true);
        return;
    case WIRE_ATTESTATION:
        if (rt->l1 != NULL) {
            node_l1link_offer_attestation(rt->l1, from, &msg.u.attestation);
            return;
        }
        rt->counters.messages_ignored++; /* no L1: nothing to post */
        return;
    case WIRE_EVIDENCE:
        node_evidence_add(rt->evidence, &msg.u.evidence, NODE_EVIDENCE_FROM_PEER, from);
        return;
    default: /* a handshake message after the handshake */
        rt->counters.messages_ignored++;
        return;
    }
}

/* -------------------------------------------------------------- status */

static void snapshot_peers(node_runtime *rt, node_status *s)
{
    s->peers_connected = 0;
    for (size_t i = 0; i < s->committee_size; i++) {
        net_peer_counters c;
        node_peer_status *p = &s->peers[i];
        memset(p, 0, sizeof *p);
        p->address = rt->resolved.genesis.validators[i].address;
        if (i == rt->resolved.self_index || net_peer_stats(rt->net, &c, (uint32_t)i) != SEQ_OK)
            continue;
        *p = (node_peer_status){.address = p->address,
                                .connected = c.connected,
                                .frames_in = c.frames_in,
                                .frames_out = c.frames_out,
                                .bytes_in = c.bytes_in,
                                .bytes_out = c.bytes_out,
                                .drops = c.drops_queue_full + c.drops_fault,
                                .auth_failures = c.auth_failures,
                                .protocol_errors = c.protocol_errors};
        s->peers_connected += c.connected;
    }
}

static void snapshot(node_runtime *rt, bool running)
{
    node_status *s = rt->status_scratch;
    *s = rt->counters;
    s->running = running;
    s->validator = rt->resolved.keys.pub.validator_address;
    s->self_index = rt->resolved.self_index;
    s->committee_size = rt->resolved.genesis.validator_count;
    s->uptime_ms = seq_monotonic_ms() - rt->started_ms;
    s->store_failing = rt->store_failed;
    if (rt->forced != NULL)
        node_forced_stats_get(rt->forced, &s->forced);
    if (rt->evidence != NULL)
        node_evidence_stats_get(rt->evidence, &s->evidence);
    if (rt->core != NULL) {
        cons_status cs;
        cons_get_status(rt->core, &cs);
        s->view = cs.view;
        s->leader_index = cs.leader;
        s->leader = rt->cons_config.committee.validators[cs.leader].addr;
        s->height_committed = cs.height_committed;
        s->hash_committed = cs.hash_committed;
        s->high_qc_view = cs.high_qc_view;
        s->timeouts_consecutive = cs.timeouts_consecutive;
        s->halted = cs.halted;
        s->stats = cs.stats;
    } else {
        nng_mtx_lock(rt->status_mtx); /* keep the core's last figures */
        node_status *old = rt->status;
        s->view = old->view;
        s->leader_index = old->leader_index;
        s->leader = old->leader;
        s->height_committed = old->height_committed;
        s->hash_committed = old->hash_committed;
        s->high_qc_view = old->high_qc_view;
        s->stats = old->stats;
        nng_mtx_unlock(rt->status_mtx);
    }
    snapshot_peers(rt, s);
    net_stats(rt->net, &s->net);
    if (rt->txpool != NULL)
        node_txpool_get_stats(rt->txpool, &s->txpool);
    nng_mtx_lock(rt->status_mtx);
    rt->status_scratch = rt->status;
    rt->status = s;
    nng_mtx_unlock(rt->status_mtx);
}

void node_runtime_status(node_runtime *rt, node_status *out)
{
    SEQ_ASSERT(rt != NULL && out != NULL);
    nng_mtx_lock(rt->status_mtx);
    *out = *rt->status;
    nng_mtx_unlock(rt->status_mtx);
    node_l1link_status_get(rt->l1, &out->l1);
}

/* ------------------------------------------------------------- the loop */

static uint32_t wait_ms(const node_runtime *rt, uint64_t now_ms)
{
    if (rt->local_count > 0)
        return 0;
    uint64_t until = rt->core != NULL ? rt->deadline_ms : rt->core_rebuild_ms;
    if (rt->core != NULL && rt->payload_pending)
        until = SEQ_MIN(until, rt->payload_due_ms);
    until = SEQ_MIN(until, rt->gossip_due_ms);
    if (until <= now_ms)
        return 0;
    return (uint32_t)SEQ_MIN(until - now_ms, (uint64_t)NODE_RUNTIME_WAIT_MS_MAX);
}

/* Sends the gossip batch that is due, if any. */
static void gossip(node_runtime *rt, uint64_t now_ms)
{
    if (now_ms < rt->gossip_due_ms)
        return;
    wire_msg msg = {.type = WIRE_TX_BATCH};
    while (node_txpool_gossip(rt->txpool, &msg.u.tx_batch, now_ms))
        send_msg(rt, CONS_TO_ALL, &msg);
    rt->gossip_due_ms = node_txpool_gossip_deadline(rt->txpool);
}

/* One turn: at most one message, then the timer, then the follow-ups. */
static void turn(node_runtime *rt)
{
    uint32_t from = 0;
    size_t len = 0;
    seq_err err =
        net_recv(rt->net, &from, rt->rx, NET_MSG_BYTES_MAX, &len, wait_ms(rt, seq_monotonic_ms()));
    if (err == SEQ_OK)
        dispatch(rt, from, len);
    else if (err != SEQ_ERR_TIMEOUT)
        SEQ_LOG(SEQ_LOG_WARN, "recv_failed", SEQ_F_ERR(err));
    uint64_t now_ms = seq_monotonic_ms();
    if (rt->core == NULL && now_ms >= rt->core_rebuild_ms) {
        err = core_start(rt);
        if (err != SEQ_OK && rt->core == NULL) {
            SEQ_LOG(SEQ_LOG_ERROR, "core_restart_failed", SEQ_F_ERR(err));
            rt->core_rebuild_ms = now_ms + NODE_RUNTIME_STORE_RETRY_MS;
        }
    } else if (rt->core != NULL && now_ms >= rt->deadline_ms) {
        feed(rt, &(cons_event){.type = CONS_EVENT_TICK, .now_ms = now_ms});
    }
    drain_local(rt);
    bool arrived = atomic_exchange(&rt->txs_arrived, false);
    if (arrived) /* a client's tx may start a gossip deadline */
        rt->gossip_due_ms = node_txpool_gossip_deadline(rt->txpool);
    gossip(rt, seq_monotonic_ms());
    if (arrived && rt->payload_pending) /* perhaps no need to wait any longer */
        rt->payload_due_ms = SEQ_MIN(rt->payload_due_ms, payload_due(rt, seq_monotonic_ms()));
    if (rt->core != NULL && rt->payload_pending && seq_monotonic_ms() >= rt->payload_due_ms) {
        rt->payload_pending = false;
        feed_payload(rt, &rt->payload_request);
        drain_local(rt);
    }
}

seq_err node_runtime_run(node_runtime *rt)
{
    SEQ_ASSERT(rt != NULL);
    SEQ_LOG(SEQ_LOG_INFO, "running", SEQ_F_U64("validator_index", rt->resolved.self_index),
            SEQ_F_U64("committee", rt->resolved.genesis.validator_count),
            SEQ_F_STR("listen", rt->resolved.config.listen),
            SEQ_F_STR("rpc_listen", rt->resolved.config.rpc_listen));
    if (rt->core != NULL)
        drain_local(rt);
    snapshot(rt, true);
    while (!atomic_load(&rt->stopping)) {
        turn(rt);
        snapshot(rt, true);
    }
    snapshot(rt, false);
    SEQ_LOG0(SEQ_LOG_INFO, "stopping");
    return SEQ_OK;
}

void node_runtime_stop(node_runtime *rt)
{
    if (rt != NULL)
        atomic_store(&rt->stopping, true);
}

/* ------------------------------------------------------- construction */

static seq_err arena_new(seq_arena *a, size_t cap)
{
    void *buf = malloc(cap);
    if (buf == NULL)
        return SEQ_ERR_NO_MEMORY;
    seq_arena_init(a, buf, cap);
    return SEQ_OK;
}

static seq_err buffers_new(node_runtime *rt)
{
    rt->rx = malloc(NET_MSG_BYTES_MAX);
    rt->tx = malloc(NET_MSG_BYTES_MAX);
    rt->status = calloc(1, sizeof *rt->status);
    rt->status_scratch = calloc(1, sizeof *rt->status_scratch);
    if (rt->rx == NULL || rt->tx == NULL || rt->status == NULL || rt->status_scratch == NULL ||
        arena_new(&rt->decode, WIRE_DECODE_ARENA_BYTES(NET_MSG_BYTES_MAX)) != SEQ_OK ||
        arena_new(&rt->encode, WIRE_ENCODE_ARENA_BYTES) != SEQ_OK ||
        arena_new(&rt->sync, STORE_SYNC_ARENA_BYTES) != SEQ_OK ||
        arena_new(&rt->block, STORE_BLOCK_ARENA_BYTES) != SEQ_OK ||
        nng_mtx_alloc(&rt->status_mtx) != 0)
        return SEQ_ERR_NO_MEMORY;
    return SEQ_OK;
}

/* The consensus config: genesis parameters, production crypto, the hook. */
static seq_err consensus_setup(node_runtime *rt, node_diag *why)
{
    const node_config_resolved *r = &rt->resolved;
    seq_hash domain;
    node_genesis_domain_separator(&domain, &r->genesis);
    seq_err err =
        node_genesis_cons_config(&rt->cons_config, &r->genesis, &r->keys.pub.validator_address);
    if (err != SEQ_OK)
        return node_diag_set(why, err, "genesis %s: no consensus config for this validator",
                             r->config.genesis);
    err = node_cons_crypto_new(&rt->crypto, &domain, r->keys.secrets->validator);
    if (err != SEQ_OK)
        return node_diag_set(why, err, "consensus crypto: %s", seq_strerror(err));
    node_cons_crypto_ops(rt->crypto, &rt->cons_config.ops);
    rt->cons_config.hooks = (cons_hooks){.ctx = rt, .validate = runtime_validate};
    return SEQ_OK;
}

static seq_err transport_setup(node_runtime *rt, node_diag *why)
{
    const node_config_resolved *r = &rt->resolved;
    size_t count = r->genesis.validator_count;
    net_peer_config *peers = calloc(count, sizeof *peers);
    if (peers == NULL)
        return node_diag_set(why, SEQ_ERR_NO_MEMORY, "out of memory");
    for (size_t i = 0; i < count; i++) {
        const node_genesis_validator *v = &r->genesis.validators[i];
        peers[i].address = v->address;
        memcpy(peers[i].transport_public_key, v->transport_public_key, NET_PUBLIC_KEY_BYTES);
        peers[i].url = v->endpoint;
    }
    net_config nc = {.peers = peers,
                     .peer_count = count,
                     .self_index = (uint32_t)r->self_index,
                     .transport_secret_key = r->keys.secrets->transport,
                     .transport_secret_key_len = NODE_KEY_ED25519_SECRET_BYTES,
                     .genesis_hash = r->genesis_hash,
                     .listen_url = r->config.listen[0] != '\0' ? r->config.listen : NULL,
                     /* Test mode: links start perfect; seq_testSetFault changes them. */
                     .faults_enabled = r->config.test_faults,
                     .fault_seed = r->config.has_fault_seed ? r->config.fault_seed : r->self_index};
    seq_err err = net_new(&rt->net, &nc);
    free(peers);
    if (err != SEQ_OK)
        return node_diag_set(why, err, "transport: %s", seq_strerror(err));
    if (nc.faults_enabled)
        SEQ_LOG(SEQ_LOG_WARN, "test_mode", SEQ_F_STR("mode", "faults"),
                SEQ_F_U64("seed", nc.fault_seed));
    err = net_start(rt->net);
    if (err != SEQ_OK)
        return node_diag_set(why, err, "transport: cannot listen on %s: %s",
                             nc.listen_url != NULL ? nc.listen_url
                                                   : r->genesis.validators[r->self_index].endpoint,
                             seq_strerror(err));
    return SEQ_OK;
}

/* A client's tx was admitted (an API thread): the loop may propose now. */
static void runtime_wake(void *ctx)
{
    node_runtime *rt = ctx;
    atomic_store(&rt->txs_arrived, true);
    net_wake(rt->net);
}

static seq_err txpool_setup(node_runtime *rt, node_diag *why)
{
    const node_genesis *g = &rt->resolved.genesis;
    mempool_config mc;
    mempool_config_default(&mc, g->l2_chain_id);
    mc.policy = g->mempool.ordering;
    /* A tx larger than a block could never be ordered: refuse it. */
    mc.tx_bytes_max = SEQ_MIN(mc.tx_bytes_max, g->consensus.block_tx_bytes_max);
    mc.gossip_delay_ms = NODE_RUNTIME_GOSSIP_DELAY_MS;
    mc.settle_ms = rt->resolved.config.mempool_settle_ms;
    const node_config *c = &rt->resolved.config; /* caps checked by node_config_load */
    if (c->mempool_txs_max > 0)
        mc.pool_txs_max = c->mempool_txs_max;
    if (c->mempool_bytes_max > 0)
        mc.pool_bytes_max = c->mempool_bytes_max;
    if (c->mempool_sender_txs_max > 0)
        mc.sender_txs_max = c->mempool_sender_txs_max;
    randombytes_buf(&mc.hash_seed, sizeof mc.hash_seed);
    seq_err err = node_txpool_new(&rt->txpool, &mc, rt->store, runtime_wake, rt);
    if (err != SEQ_OK)
        return node_diag_set(why, err, "mempool: %s", seq_strerror(err));
    /* Blocks' tx hashes come from the core's tx_root (hashed once). */
    node_txpool_set_tx_hashes(rt->txpool, node_cons_crypto_tx_hashes, rt->crypto);
    rt->payload_caps = (mempool_caps){.bytes_max = g->consensus.block_tx_bytes_max,
                                      .txs_max = g->consensus.block_txs_max};
    rt->gossip_due_ms = UINT64_MAX;
    node_txpool_set_censor(rt->txpool, c->censor, c->censor_count);
    if (c->censor_count > 0)
        SEQ_LOG(SEQ_LOG_WARN, "test_mode", SEQ_F_STR("mode", "censor"),
                SEQ_F_U64("senders", c->censor_count),
                SEQ_F_HEX("first", c->censor[0].b, SEQ_ADDR_BYTES));
    node_forced_config fc = {.store = rt->store,
                             .txpool = rt->txpool,
                             .enabled = g->l1.has_inbox_address,
                             .due_blocks = node_genesis_forced_due_blocks(g),
                             .chain_id = g->l2_chain_id,
                             .caps = rt->payload_caps};
    if ((err = node_forced_new(&rt->forced, &fc)) != SEQ_OK)
        return node_diag_set(why, err, "forced inclusion: %s", seq_strerror(err));
    return SEQ_OK;
}

static seq_err runtime_setup(node_runtime *rt, node_diag *why, const node_config *config)
{
    seq_err err = node_config_resolve(&rt->resolved, why, config);
    if (err != SEQ_OK)
        return err;
    if (buffers_new(rt) != SEQ_OK)
        return node_diag_set(why, SEQ_ERR_NO_MEMORY, "out of memory");
    if ((err = consensus_setup(rt, why)) != SEQ_OK)
        return err;
    err = store_open(&rt->store, rt->resolved.config.data_dir, &rt->resolved.genesis_hash, NULL);
    if (err != SEQ_OK)
        return node_diag_set(why, err, "data_dir %s: cannot open the store: %s",
                             rt->resolved.config.data_dir, seq_strerror(err));
    store_set_tx_hashes(rt->store, node_cons_crypto_tx_hashes, rt->crypto);
    if ((err = transport_setup(rt, why)) != SEQ_OK)
        return err;
    if ((err = txpool_setup(rt, why)) != SEQ_OK)
        return err;
    node_evidence_config ec = {.genesis = &rt->resolved.genesis,
                               .store = rt->store,
                               .net = rt->net,
                               .self_index = rt->resolved.self_index};
    if ((err = node_evidence_new(&rt->evidence, &ec)) != SEQ_OK)
        return node_diag_set(why, err, "evidence: %s", seq_strerror(err));
    if (rt->resolved.config.equivocate_votes)
        SEQ_LOG(SEQ_LOG_WARN, "test_mode", SEQ_F_STR("mode", "equivocate"),
                SEQ_F_STR("kind", "vote"));
    if (rt->resolved.has_l1) {
        char txmgr_dir[NODE_CONFIG_PATH_BYTES_MAX + sizeof NODE_BATCHER_TXMGR_DIR];
        snprintf(txmgr_dir, sizeof txmgr_dir, "%s/%s", rt->resolved.config.data_dir,
                 NODE_BATCHER_TXMGR_DIR);
        node_l1link_config lc = {.rpc_url = rt->resolved.config.l1_rpc,
                                 .record = &rt->resolved.l1,
                                 .genesis = &rt->resolved.genesis,
                                 .store = rt->store,
                                 .poll_ms = rt->resolved.config.l1_poll_ms,
                                 .key = rt->resolved.keys.secrets->validator,
                                 .self_index = rt->resolved.self_index,
                                 .net = rt->net,
                                 .evidence = rt->evidence,
                                 .txmgr_dir = txmgr_dir};
        if ((err = node_l1link_start(&rt->l1, why, &lc)) != SEQ_OK)
            return err;
    }
    if ((err = core_start(rt)) != SEQ_OK)
        return node_diag_set(why, err, "consensus core: cannot start: %s", seq_strerror(err));
    snapshot(rt, false);
    if (rt->resolved.config.rpc_listen[0] != '\0') {
        seq_block_header genesis;
        node_genesis_block_header(&genesis, &rt->resolved.genesis);
        err = node_api_start(&rt->api, why, rt->resolved.config.rpc_listen, rt, rt->store,
                             rt->txpool, rt->net, &genesis);
    }
    return err;
}

seq_err node_runtime_new(node_runtime **out, node_diag *why, const node_config *config)
{
    SEQ_ASSERT(out != NULL && config != NULL);
    *out = NULL;
    node_runtime *rt = calloc(1, sizeof *rt);
    if (rt == NULL)
        return node_diag_set(why, SEQ_ERR_NO_MEMORY, "out of memory");
    atomic_init(&rt->stopping, false);
    atomic_init(&rt->txs_arrived, false);
    rt->started_ms = seq_monotonic_ms();
    seq_err err = runtime_setup(rt, why, config);
    if (err != SEQ_OK) {
        node_runtime_free(rt);
        return err;
    }
    node_diag_clear(why);
    *out = rt;
    return SEQ_OK;
}

void node_runtime_free(node_runtime *rt)
{
    if (rt == NULL)
        return;
    node_api_free(rt->api);   /* first: its callbacks read the status and the store */
    node_l1link_free(rt->l1); /* before the store it writes */
    net_free(rt->net);
    node_forced_free(rt->forced);
    node_evidence_free(rt->evidence); /* after the link and net, which call into it */
    node_txpool_free(rt->txpool);     /* after the API and net: both may call into it */
    cons_free(rt->core);
    store_close(rt->store);
    node_cons_crypto_free(rt->crypto);
    node_config_release(&rt->resolved);
    if (rt->status_mtx != NULL)
        nng_mtx_free(rt->status_mtx);
    free(rt->status);
    free(rt->status_scratch);
    free(rt->block.base);
    free(rt->sync.base);
    free(rt->encode.base);
    free(rt->decode.base);
    free(rt->tx);
    free(rt->rx);
    free(rt);
}
