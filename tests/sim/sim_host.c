/* sim_host.c — one replica's process: a volatile core and a disk that
 * survives crashes. Applies every cons_update in the order consensus.h
 * documents: persist safety, store blocks and QCs, send messages and
 * fetches, apply commits, record evidence, gather a payload, arm the timer.
 * Follow-up events (fetches answered from the own disk, payloads) go to a
 * small local queue and are fed only after the update that asked for them
 * is fully applied, because the update's pointers die at the next step. */
#include <string.h>

#include "sim.h"

static seq_err accept_block(void *ctx, const cons_block *block, const seq_block_header *parent)
{
    (void)ctx;
    (void)block;
    (void)parent;
    return SEQ_OK;
}

void sim_host_init(sim_world *w, sim_host *h, size_t id, size_t index, sim_byz byz)
{
    SEQ_ASSERT(w != NULL && h != NULL);
    SEQ_ASSERT(id < SIM_HOSTS_MAX && index < w->n);
    memset(h, 0, sizeof *h);
    h->id = id;
    h->index = index;
    h->byz = byz;
    cons_config *c = &h->config;
    c->l2_chain_id = SIM_L2_CHAIN_ID;
    cons_validator validators[SIM_REPLICAS_MAX];
    for (size_t i = 0; i < w->n; i++)
        validators[i] = (cons_validator){.addr = *sim_crypto_addr(w->crypto, i), .weight = 1};
    seq_err err = cons_committee_init(&c->committee, validators, w->n);
    SEQ_ASSERT(err == SEQ_OK);
    c->self = validators[index].addr;
    c->genesis = w->genesis;
    c->timeout_ms_base = SIM_TIMEOUT_MS_BASE;
    c->timeout_ms_max = SIM_TIMEOUT_MS_MAX;
    c->fetch_retry_ms = SIM_FETCH_RETRY_MS;
    c->blocks_max = CONS_BLOCKS_DEFAULT;
    c->block_tx_bytes_max = SIM_BLOCK_TX_BYTES_MAX;
    c->block_txs_max = SIM_BLOCK_TXS_MAX;
    sim_crypto_ops(w->crypto, &c->ops, index);
    c->hooks = (cons_hooks){.ctx = NULL, .validate = accept_block};
}

void sim_host_free(sim_host *h)
{
    SEQ_ASSERT(h != NULL);
    cons_free(h->core);
    h->core = NULL;
    sim_disk_free(&h->disk);
    sim_kmap_free(&h->seen);
    sim_kmap_free(&h->expected);
    sim_kmap_free(&h->evidence);
}

bool sim_host_honest(const sim_host *h)
{
    return h->byz == SIM_BYZ_NONE;
}

static void local_push(sim_host *h, const sim_local *item)
{
    if (h->local_count == SIM_LOCAL_EVENTS_MAX) {
        /* Lossy like a busy node: the core retries fetches, and asks for a
         * payload again in its next view. */
        h->local_dropped++;
        return;
    }
    h->local[(h->local_head + h->local_count) % SIM_LOCAL_EVENTS_MAX] = *item;
    h->local_count++;
}

static void send_messages(sim_world *w, sim_host *h, const cons_update *up)
{
    for (size_t i = 0; i < up->message_count && !w->failed; i++) {
        const cons_message *m = &up->messages[i];
        sim_check_sent(w, h, &m->msg);
        bool own_proposal =
            m->msg.type == WIRE_PROPOSAL &&
            seq_addr_equal(&m->msg.u.proposal.block.header.proposer, &h->config.self);
        bool own_vote =
            m->msg.type == WIRE_VOTE && seq_addr_equal(&m->msg.u.vote.vote.signer, &h->config.self);
        if (h->byz == SIM_BYZ_EQUIVOCATE && own_proposal && m->to == CONS_TO_ALL)
            sim_byz_equivocate(w, h, &m->msg);
        else if (h->byz == SIM_BYZ_DOUBLE_VOTE && own_vote && m->to != CONS_TO_ALL)
            sim_byz_double_vote(w, h, &m->msg, m->to);
        else
            sim_world_send(w, h, m->to, &m->msg);
    }
}

static void log_fetch(const sim_world *w, const sim_host *h, const cons_fetch *f, bool local)
{
    const wire_sync_request *r = &f->request;
    if (r->by_hash)
        sim_log(w, "host=%zu fetch hash=%02x%02x%02x%02x peer=%zu%s", h->id, r->block_hash.b[0],
                r->block_hash.b[1], r->block_hash.b[2], r->block_hash.b[3], f->peer,
                local ? " local" : "");
    else
        sim_log(w, "host=%zu fetch heights=%llu+%u peer=%zu%s", h->id,
                (unsigned long long)r->from_height, r->max_blocks, f->peer, local ? " local" : "");
}

static void send_fetches(sim_world *w, sim_host *h, const cons_update *up)
{
    for (size_t i = 0; i < up->fetch_count && !w->failed; i++) {
        const cons_fetch *f = &up->fetches[i];
        wire_certified_block probe;
        bool local = sim_disk_answer(&h->disk, &probe, 1, &f->request) > 0;
        log_fetch(w, h, f, local);
        if (local) {
            local_push(h, &(sim_local){.kind = SIM_LOCAL_FETCH, .request = f->request});
            continue;
        }
        wire_msg msg = {.type = WIRE_SYNC_REQUEST, .u.sync_request = f->request};
        sim_world_send(w, h, f->peer, &msg);
    }
}

static void apply_commits(sim_world *w, sim_host *h, const cons_update *up)
{
    for (size_t i = 0; i < up->commit_count && !w->failed; i++) {
        const cons_block *c = &up->commits[i];
        sim_check_commit(w, h, c);
        sim_disk_commit(&h->disk, &c->hash, &c->block.header, w->now_ms);
        sim_world_trace_commit(w, h, c);
        sim_live_commit(w, h, c);
        sim_log(w, "host=%zu commit height=%llu view=%llu", h->id,
                (unsigned long long)c->block.header.height,
                (unsigned long long)c->block.header.view);
    }
    if (up->commit_count > 0 && sim_host_honest(h)) {
        const cons_block *last = &up->commits[up->commit_count - 1];
        uint64_t view = cons_view(h->core);
        uint64_t block_view = last->block.header.view;
        sim_hist_add(&w->result->commit_views, view > block_view ? view - block_view : 0);
    }
}

static void apply_update(sim_world *w, sim_host *h, const cons_update *up)
{
    if (up->safety != NULL) {
        h->disk.safety = *up->safety;
        h->disk.has_safety = true;
    }
    for (size_t i = 0; i < up->block_count; i++)
        sim_disk_store_block(&h->disk, &up->blocks[i]);
    for (size_t i = 0; i < up->qc_count; i++)
        sim_disk_store_qc(&h->disk, &up->qcs[i]);
    send_messages(w, h, up);
    send_fetches(w, h, up);
    apply_commits(w, h, up);
    for (size_t i = 0; i < up->evidence_count && !w->failed; i++)
        sim_check_evidence(w, h, &up->evidence[i]);
    if (up->payload_wanted)
        local_push(h, &(sim_local){.kind = SIM_LOCAL_PAYLOAD, .payload = up->payload_request});
    h->deadline_ms = up->deadline_ms;
}

static void feed(sim_world *w, sim_host *h, const cons_event *ev)
{
    SEQ_ASSERT(h->core != NULL);
    cons_update up;
    memset(&up, 0, sizeof up);
    seq_err err = cons_step(h->core, &up, ev);
    w->result->steps++;
    apply_update(w, h, &up);
    sim_check_step(w, h, err);
}

static void feed_payload(sim_world *w, sim_host *h, const cons_payload_request *req)
{
    size_t count = (size_t)sim_rng_range(&w->rng_data, 0, SIM_PAYLOAD_TXS_MAX);
    for (size_t i = 0; i < count; i++) {
        size_t len = (size_t)sim_rng_range(&w->rng_data, 1, SIM_PAYLOAD_TX_BYTES_MAX);
        sim_rng_fill(&w->rng_data, h->payload_bytes[i], len);
        h->payload_txs[i] = (seq_bytes){.ptr = h->payload_bytes[i], .len = len};
    }
    cons_event ev = {.type = CONS_EVENT_PAYLOAD, .now_ms = w->now_ms};
    ev.u.payload = (cons_payload){
        .view = req->view,
        .timestamp_ms = SEQ_MAX(w->now_ms, req->parent.timestamp_ms),
        .l1_origin_number = req->parent.l1_origin_number,
        .l1_origin_hash = req->parent.l1_origin_hash,
        .forced_cursor = req->parent.forced_cursor,
        .tx_count = count,
        .txs = h->payload_txs,
    };
    sim_log(w, "host=%zu payload view=%llu txs=%zu", h->id, (unsigned long long)req->view, count);
    feed(w, h, &ev);
}

static void feed_local_answer(sim_world *w, sim_host *h, const wire_sync_request *req)
{
    wire_certified_block *blocks = w->scratch->response;
    size_t count = sim_disk_answer(&h->disk, blocks, WIRE_SYNC_BLOCKS_MAX, req);
    wire_msg msg = {.type = WIRE_SYNC_RESPONSE,
                    .u.sync_response = {.count = count, .blocks = blocks}};
    cons_event ev = {.type = CONS_EVENT_MESSAGE, .now_ms = w->now_ms};
    ev.u.message.from = h->index;
    ev.u.message.msg = &msg;
    sim_log(w, "host=%zu local sync_response blocks=%zu first_height=%llu", h->id, count,
            (unsigned long long)(count > 0 ? blocks[0].block.header.height : 0));
    feed(w, h, &ev);
}

static void drain(sim_world *w, sim_host *h)
{
    while (h->core != NULL && h->local_count > 0 && !w->failed) {
        sim_local item = h->local[h->local_head];
        h->local_head = (h->local_head + 1) % SIM_LOCAL_EVENTS_MAX;
        h->local_count--;
        if (item.kind == SIM_LOCAL_FETCH)
            feed_local_answer(w, h, &item.request);
        else
            feed_payload(w, h, &item.payload);
    }
}

/* The committed blocks whose QC the disk lacks, most recent first. */
static size_t disk_uncertified(const sim_disk *d, cons_block_ref *out, size_t cap)
{
    size_t count = 0;
    for (uint64_t height = d->height; height > 0 && count < cap; height--) {
        const seq_hash *hash = &d->chain[height - 1];
        if (sim_map_get(&d->qcs, hash) != NULL)
            continue;
        const sim_block_rec *rec = sim_map_get(&d->blocks, hash);
        SEQ_ASSERT(rec != NULL); /* committed blocks are stored first */
        out[count++] = (cons_block_ref){.hash = *hash, .height = height, .view = rec->header.view};
    }
    return count;
}

void sim_host_start(sim_world *w, sim_host *h)
{
    SEQ_ASSERT(w != NULL && h != NULL);
    SEQ_ASSERT(h->core == NULL);
    bool forget = w->params.canary == SIM_CANARY_FORGET_STATE && h->incarnation > 0;
    if (forget)
        h->disk.has_safety = false;
    cons_block_ref uncertified[CONS_QC_MISSING];
    cons_restart restart = {
        .safety = h->disk.has_safety ? &h->disk.safety : NULL,
        .committed = h->disk.height > 0 ? &h->disk.tip : NULL,
        .uncertified_count = disk_uncertified(&h->disk, uncertified, CONS_QC_MISSING),
        .uncertified = uncertified,
    };
    seq_err err = cons_new(&h->core, &h->config, &restart);
    if (err != SEQ_OK) {
        sim_fail(w, "restart", "host %zu: cons_new: %s", h->id, seq_strerror(err));
        return;
    }
    sim_canary_apply(h->core, w->params.canary);
    h->incarnation++;
    h->deadline_ms = 0;
    h->tick_last_ms = w->now_ms;
    sim_log(w, "host=%zu start incarnation=%u height=%llu", h->id, h->incarnation,
            (unsigned long long)h->disk.height);
    feed(w, h, &(cons_event){.type = CONS_EVENT_TICK, .now_ms = w->now_ms});
    drain(w, h);
}

void sim_host_crash(sim_world *w, sim_host *h)
{
    SEQ_ASSERT(w != NULL && h != NULL);
    SEQ_ASSERT(h->core != NULL);
    cons_free(h->core);
    h->core = NULL;
    h->deadline_ms = 0;
    h->local_count = 0;
    /* The new incarnation remembers no statement it saw. */
    sim_kmap_clear(&h->seen);
    sim_log(w, "host=%zu crash", h->id);
}

void sim_host_tick(sim_world *w, sim_host *h)
{
    SEQ_ASSERT(w != NULL && h != NULL && h->core != NULL);
    h->tick_last_ms = w->now_ms;
    sim_log(w, "host=%zu tick view=%llu", h->id, (unsigned long long)cons_view(h->core));
    feed(w, h, &(cons_event){.type = CONS_EVENT_TICK, .now_ms = w->now_ms});
    drain(w, h);
}

/* Block sync requests are served by the host from its disk, not the core. */
static void answer_sync(sim_world *w, const sim_host *h, const sim_host *from,
                        const wire_sync_request *req)
{
    wire_certified_block *blocks = w->scratch->response;
    size_t count = sim_disk_answer(&h->disk, blocks, WIRE_SYNC_BLOCKS_MAX, req);
    if (count == 0)
        return;
    wire_msg msg = {.type = WIRE_SYNC_RESPONSE,
                    .u.sync_response = {.count = count, .blocks = blocks}};
    sim_blob *blob = sim_world_encode(w, &msg);
    if (blob == NULL)
        return;
    sim_world_send_blob(w, h, from->id, blob);
    sim_blob_release(blob);
}

void sim_host_deliver(sim_world *w, sim_host *h, const sim_host *from, const wire_msg *msg)
{
    SEQ_ASSERT(w != NULL && h != NULL && from != NULL && msg != NULL);
    SEQ_ASSERT(h->core != NULL);
    if (msg->type == WIRE_SYNC_REQUEST) {
        answer_sync(w, h, from, &msg->u.sync_request);
        return;
    }
    sim_check_delivered(w, h, from->index, msg);
    cons_event ev = {.type = CONS_EVENT_MESSAGE, .now_ms = w->now_ms};
    ev.u.message.from = from->index;
    ev.u.message.msg = msg;
    feed(w, h, &ev);
    drain(w, h);
}
