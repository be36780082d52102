/* core.c — the replica: a rotating-leader, two-chain BFT protocol as a pure
 * step function. See consensus/README.md for the protocol and its rules;
 * comments here explain the code, not the protocol again. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

/* Consecutive timeouts beyond this no longer double the view timer. */
#define TIMEOUT_DOUBLINGS_MAX 20u
/* A missing block this many heights above the committed one is fetched by
 * committed range (a replica far behind), nearer ones by hash. */
#define SYNC_BY_HASH_DEPTH 16u

/* ------------------------------------------------------------- helpers */

static const seq_addr *validator_addr(const cons *c, size_t index)
{
    SEQ_ASSERT(index < c->n);
    return &c->committee->validators[index].addr;
}

static uint32_t validator_weight(const cons *c, size_t index)
{
    SEQ_ASSERT(index < c->n);
    return c->committee->validators[index].weight;
}

static size_t leader_of(const cons *c, uint64_t view)
{
    return cons_committee_leader(c->committee, view);
}

static bool is_quorum(const cons *c, uint64_t weight)
{
    if (CONS_CANARY(c, CONS_CANARY_QUORUM_SHORT))
        return weight + 1 >= c->committee->weight_quorum;
    return cons_committee_is_quorum(c->committee, weight);
}

/* Weight that must include at least one honest validator. */
static bool is_honest_witness(const cons *c, uint64_t weight)
{
    return weight > (uint64_t)c->committee->weight_total - c->committee->weight_quorum;
}

/* Committee index of addr by binary search over the address order. */
static bool member_find(const cons *c, size_t *index, const seq_addr *addr)
{
    size_t lo = 0, hi = c->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int cmp = seq_addr_compare(validator_addr(c, c->by_address[mid]), addr);
        if (cmp == 0) {
            *index = c->by_address[mid];
            return true;
        }
        if (cmp < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return false;
}

static uint64_t view_timeout_ms(const cons *c)
{
    uint32_t doublings = c->timeouts_consecutive < TIMEOUT_DOUBLINGS_MAX ? c->timeouts_consecutive
                                                                         : TIMEOUT_DOUBLINGS_MAX;
    uint64_t ms = (uint64_t)c->config.timeout_ms_base << doublings;
    return ms < c->config.timeout_ms_max ? ms : c->config.timeout_ms_max;
}

static seq_block_stmt block_stmt(const cons *c, const seq_block_header *h, const seq_hash *hash)
{
    return (seq_block_stmt){.l2_chain_id = c->config.l2_chain_id,
                            .view = h->view,
                            .height = h->height,
                            .block_hash = *hash};
}

static uint64_t height_committed(const cons *c)
{
    return c->tree[c->committed].header.height;
}

/* -------------------------------------------------------------- output */

static void emit_message(cons *c, size_t to, const wire_msg *msg)
{
    SEQ_ASSERT(to == CONS_TO_ALL || (to < c->n && to != c->self));
    SEQ_ASSERT(c->out.message_count < CONS_UPDATE_MESSAGES_MAX);
    c->out.messages[c->out.message_count++] = (cons_message){.to = to, .msg = *msg};
}

static void *out_alloc(cons *c, size_t size)
{
    void *p = seq_arena_alloc(&c->out.arena, size);
    SEQ_ASSERT(p != NULL); /* sized in cons_new for the per-step maxima */
    return p;
}

/* A wire certificate whose signatures live in this step's output arena, so
 * later changes to the replica's own copies cannot alter what was emitted. */
static wire_qc out_qc(cons *c, const cons_qc *qc)
{
    wire_qc w = cons_qc_wire(qc);
    if (qc->sig_count > 0) {
        wire_sig *sigs = out_alloc(c, qc->sig_count * sizeof *sigs);
        memcpy(sigs, qc->sigs, qc->sig_count * sizeof *sigs);
        w.sigs = sigs;
    }
    return w;
}

static wire_tc out_tc(cons *c, const cons_tc *tc)
{
    SEQ_ASSERT(tc->sig_count > 0);
    wire_timeout_sig *sigs = out_alloc(c, tc->sig_count * sizeof *sigs);
    memcpy(sigs, tc->sigs, tc->sig_count * sizeof *sigs);
    return (wire_tc){.view = tc->view, .sig_count = tc->sig_count, .sigs = sigs};
}

static void emit_qc_store(cons *c, const cons_qc *qc)
{
    SEQ_ASSERT(c->out.qc_count < CONS_UPDATE_QCS_MAX);
    c->out.qcs[c->out.qc_count++] = out_qc(c, qc);
}

static void emit_block_store(cons *c, const seq_hash *hash, const wire_block *block)
{
    SEQ_ASSERT(c->out.block_count < CONS_UPDATE_BLOCKS_MAX);
    c->out.blocks[c->out.block_count++] = (cons_block){.hash = *hash, .block = *block};
}

static void safety_changed(cons *c)
{
    c->out.safety_changed = true;
}

/* Copies a verified wire certificate into a stored one. */
static void qc_from_wire(cons_qc *out, const wire_qc *w)
{
    SEQ_ASSERT(w->sig_count <= CONS_VALIDATORS_MAX);
    out->view = w->view;
    out->height = w->height;
    out->block_hash = w->block_hash;
    out->sig_count = (uint32_t)w->sig_count;
    if (w->sig_count > 0)
        memcpy(out->sigs, w->sigs, w->sig_count * sizeof *w->sigs);
}

static void tc_from_wire(cons_tc *out, const wire_tc *w)
{
    SEQ_ASSERT(w->sig_count >= 1 && w->sig_count <= CONS_VALIDATORS_MAX);
    out->view = w->view;
    out->sig_count = (uint32_t)w->sig_count;
    memcpy(out->sigs, w->sigs, w->sig_count * sizeof *w->sigs);
}

wire_qc cons_qc_wire(const cons_qc *qc)
{
    SEQ_ASSERT(qc != NULL);
    SEQ_ASSERT(qc->sig_count <= CONS_VALIDATORS_MAX);
    return (wire_qc){.view = qc->view,
                     .height = qc->height,
                     .block_hash = qc->block_hash,
                     .sig_count = qc->sig_count,
                     .sigs = qc->sig_count ? qc->sigs : NULL};
}

/* ---------------------------------------------------------- block tree */

static uint32_t tree_find(const cons *c, const seq_hash *hash)
{
    for (uint32_t i = 0; i < c->tree_cap; i++) {
        if (c->tree[i].used && seq_hash_equal(&c->tree[i].hash, hash))
            return i;
    }
    return CONS_NONE;
}

static void commit_try(cons *c, uint32_t slot);

/* True iff child may hang below parent: one height up, a later view. Every
 * link in the tree obeys this, so a walk down from a block to the committed
 * one meets every height once. */
static bool tree_may_link(const seq_block_header *child, const seq_block_header *parent)
{
    return child->height == parent->height + 1 && child->view > parent->view;
}

/* Links the children of slot that were waiting for it. */
static void tree_link_children(cons *c, uint32_t slot)
{
    for (uint32_t i = 0; i < c->tree_cap; i++) {
        tree_node *child = &c->tree[i];
        if (!child->used || child->parent != CONS_NONE || i == c->committed)
            continue;
        if (!seq_hash_equal(&child->header.parent_hash, &c->tree[slot].hash) ||
            !tree_may_link(&child->header, &c->tree[slot].header))
            continue;
        child->parent = slot;
        if (child->certified)
            commit_try(c, i);
    }
}

/* A verified certificate for the block with hash that arrived before the
 * block: the highQc, or one kept in the waiting ring. */
static const cons_qc *qc_waiting_find(const cons *c, const seq_hash *hash)
{
    if (seq_hash_equal(&c->safety.high_qc.block_hash, hash))
        return &c->safety.high_qc;
    for (size_t i = 0; i < CONS_QC_WAITING; i++) {
        if (c->qc_waiting[i].view > 0 && seq_hash_equal(&c->qc_waiting[i].block_hash, hash))
            return &c->qc_waiting[i];
    }
    return NULL;
}

/* Keeps a verified certificate until its block arrives (a ring: the
 * oldest makes room; its block then comes with a QC through block sync). */
static void qc_wait(cons *c, const wire_qc *qc)
{
    for (size_t i = 0; i < CONS_QC_WAITING; i++) {
        if (c->qc_waiting[i].view == qc->view &&
            seq_hash_equal(&c->qc_waiting[i].block_hash, &qc->block_hash))
            return;
    }
    qc_from_wire(&c->qc_waiting[c->qc_waiting_next], qc);
    c->qc_waiting_next = (c->qc_waiting_next + 1) % CONS_QC_WAITING;
}

/* A free slot; when the tree is full, the slot of the highest block not
 * linked to the committed one (the least likely to be needed soon), if it
 * is above height. */
static uint32_t tree_free_slot(cons *c, uint64_t height)
{
    uint32_t victim = CONS_NONE;
    for (uint32_t i = 0; i < c->tree_cap; i++) {
        const tree_node *node = &c->tree[i];
        if (!node->used)
            return i;
        if (i == c->committed || node->parent != CONS_NONE || node->header.height <= height)
            continue;
        if (victim == CONS_NONE || node->header.height > c->tree[victim].header.height)
            victim = i;
    }
    if (victim == CONS_NONE)
        return CONS_NONE;
    for (uint32_t i = 0; i < c->tree_cap; i++) { /* its children become roots */
        if (c->tree[i].used && c->tree[i].parent == victim)
            c->tree[i].parent = CONS_NONE;
    }
    if (c->commit_wanted == victim)
        c->commit_wanted = CONS_NONE;
    c->tree[victim].used = false;
    return victim;
}

/* Inserts a verified block; returns its slot, or CONS_NONE if it is at or
 * below the committed height (not needed) or the tree is full. */
static uint32_t tree_insert(cons *c, const seq_block_header *header, const seq_hash *hash)
{
    SEQ_ASSERT(tree_find(c, hash) == CONS_NONE);
    if (header->height <= height_committed(c))
        return CONS_NONE;
    uint32_t slot = tree_free_slot(c, header->height);
    if (slot == CONS_NONE) {
        c->stats.dropped_stale++;
        return CONS_NONE;
    }
    tree_node *node = &c->tree[slot];
    *node = (tree_node){.used = true, .hash = *hash, .header = *header};
    node->parent = tree_find(c, &header->parent_hash);
    if (node->parent != CONS_NONE && !tree_may_link(header, &c->tree[node->parent].header))
        node->parent = CONS_NONE; /* certified yet malformed: only a byzantine quorum signs that */
    tree_link_children(c, slot);
    const cons_qc *qc = qc_waiting_find(c, hash);
    if (qc != NULL && qc->view == header->view && qc->height == header->height) {
        node->certified = true;
        emit_qc_store(c, qc);
        commit_try(c, slot);
    }
    return slot;
}

/* A node is dead once it can no longer join the committed chain: at or
 * below the committed height, a child of a dead node, or a root right
 * above the committed block that names another parent. */
static bool tree_node_dead(const cons *c, uint32_t i)
{
    const tree_node *node = &c->tree[i];
    uint64_t committed = height_committed(c);
    if (node->header.height <= committed)
        return true;
    if (node->parent != CONS_NONE)
        return node->parent != c->committed && !c->tree[node->parent].used;
    return node->header.height == committed + 1 &&
           !seq_hash_equal(&node->header.parent_hash, &c->tree[c->committed].hash);
}

static void tree_prune(cons *c)
{
    c->tree[c->committed].parent = CONS_NONE;
    bool changed = true;
    while (changed) {
        changed = false;
        for (uint32_t i = 0; i < c->tree_cap; i++) {
            if (!c->tree[i].used || i == c->committed || !tree_node_dead(c, i))
                continue;
            c->tree[i].used = false;
            changed = true;
        }
    }
}

/* Highest certified block linked to the committed one through the tree:
 * the chain is known up to there (an uncertified fork may reach higher but
 * proves nothing about the heights a range fetch must fill). */
static uint64_t tree_certified_height(const cons *c)
{
    uint64_t best = height_committed(c);
    for (uint32_t i = 0; i < c->tree_cap; i++) {
        if (!c->tree[i].used || !c->tree[i].certified || c->tree[i].header.height <= best)
            continue;
        uint32_t s = i;
        while (s != CONS_NONE && s != c->committed)
            s = c->tree[s].parent;
        if (s == c->committed)
            best = c->tree[i].header.height;
    }
    return best;
}

/* --------------------------------------------------------------- fetch */

static size_t peer_other_than_self(const cons *c, size_t peer)
{
    if (c->n == 1)
        return peer;
    return peer == c->self ? (peer + 1) % c->n : peer;
}

static void emit_fetch(cons *c, size_t peer, const wire_sync_request *req)
{
    if (c->out.fetch_count == CONS_UPDATE_FETCHES_MAX)
        return; /* asked again at the next retry */
    c->out.fetches[c->out.fetch_count++] = (cons_fetch){.peer = peer, .request = *req};
    c->stats.fetches_sent++;
}

static void fetch_range(cons *c, size_t peer)
{
    if (c->range_fetch_ms != 0 && c->now_ms < c->range_fetch_ms + c->config.fetch_retry_ms)
        return;
    c->range_fetch_ms = c->now_ms > 0 ? c->now_ms : 1;
    wire_sync_request req = {.from_height = tree_certified_height(c) + 1,
                             .max_blocks = WIRE_SYNC_BLOCKS_MAX};
    emit_fetch(c, peer_other_than_self(c, peer), &req);
}

/* Asks peer for the block with hash, which sits at height. */
static void fetch_block(cons *c, const seq_hash *hash, uint64_t height, size_t peer)
{
    if (seq_hash_is_zero(hash) || height <= height_committed(c))
        return; /* nothing to fetch: the zero hash, or below what is final */
    if (height > height_committed(c) + SYNC_BY_HASH_DEPTH) {
        fetch_range(c, peer);
        return;
    }
    fetch_entry *slot = NULL;
    for (size_t i = 0; i < CONS_FETCHES_MAX; i++) {
        fetch_entry *f = &c->fetches[i];
        if (f->used && seq_hash_equal(&f->hash, hash))
            return; /* in flight; retried by tick */
        if (slot == NULL && !f->used)
            slot = f;
        if (slot != NULL && slot->used && f->sent_ms < slot->sent_ms)
            slot = f;
    }
    if (slot == NULL)
        slot = &c->fetches[0];
    *slot = (fetch_entry){.used = true,
                          .hash = *hash,
                          .height = height,
                          .peer = peer_other_than_self(c, peer),
                          .sent_ms = c->now_ms};
    wire_sync_request req = {.by_hash = true, .block_hash = *hash};
    emit_fetch(c, slot->peer, &req);
}

static void fetch_retry(cons *c)
{
    for (size_t i = 0; i < CONS_FETCHES_MAX; i++) {
        fetch_entry *f = &c->fetches[i];
        if (!f->used)
            continue;
        if (f->height <= height_committed(c) || tree_find(c, &f->hash) != CONS_NONE) {
            f->used = false; /* arrived, or final without it */
            continue;
        }
        if (c->now_ms < f->sent_ms + c->config.fetch_retry_ms)
            continue;
        /* Ask the next validator: the first may be down or lying. */
        f->peer = peer_other_than_self(c, (f->peer + 1) % c->n);
        f->sent_ms = c->now_ms;
        wire_sync_request req = {.by_hash = true, .block_hash = f->hash};
        emit_fetch(c, f->peer, &req);
    }
}

/* ------------------------------------------------------- equivocation */

typedef enum { EQUIV_FIRST, EQUIV_SAME, EQUIV_CONFLICT, EQUIV_OUTSIDE } equiv_result;

static bool equiv_in_window(const cons *c, uint64_t view)
{
    if (view >= c->view)
        return view - c->view < CONS_EQUIVOCATION_VIEWS / 2;
    return c->view - view <= CONS_EQUIVOCATION_VIEWS / 2;
}

static equiv_record *equiv_slot(cons *c, equiv_kind kind, size_t signer, uint64_t view)
{
    size_t row = (size_t)(view % CONS_EQUIVOCATION_VIEWS);
    return &c->records[(row * c->n + signer) * EQUIV_KINDS + kind];
}

/* The next free evidence entry: this update's, else the backlog's; NULL
 * when both are full. */
static wire_evidence *evidence_slot(cons *c)
{
    SEQ_ASSERT(c->out.evidence_count <= CONS_UPDATE_EVIDENCE_MAX);
    SEQ_ASSERT(c->evidence_backlog_count <= CONS_EVIDENCE_BACKLOG);
    if (c->out.evidence_count < CONS_UPDATE_EVIDENCE_MAX)
        return &c->out.evidence[c->out.evidence_count++];
    if (c->evidence_backlog_count < CONS_EVIDENCE_BACKLOG)
        return &c->evidence_backlog[c->evidence_backlog_count++];
    return NULL;
}

/* Emits evidence of the conflict between the recorded statement first and
 * stmt; false if there was no room for it. */
static bool evidence_emit(cons *c, equiv_kind kind, size_t signer, const equiv_record *first,
                          const void *stmt, const seq_sig *sig)
{
    SEQ_ASSERT(first->used && !first->reported);
    wire_evidence *e = evidence_slot(c);
    if (e == NULL)
        return false;
    c->stats.evidence_found++;
    memset(e, 0, sizeof *e);
    const seq_addr *addr = validator_addr(c, signer);
    if (kind == EQUIV_TIMEOUT) {
        e->kind = WIRE_EVIDENCE_TIMEOUT;
        e->u.timeout.a = (wire_timeout_statement){first->stmt.timeout, *addr, first->sig};
        e->u.timeout.b = (wire_timeout_statement){*(const seq_timeout_stmt *)stmt, *addr, *sig};
        return true;
    }
    e->kind = kind == EQUIV_PROPOSAL ? WIRE_EVIDENCE_PROPOSAL : WIRE_EVIDENCE_VOTE;
    e->u.block.a = (wire_block_statement){first->stmt.block, *addr, first->sig};
    e->u.block.b = (wire_block_statement){*(const seq_block_stmt *)stmt, *addr, *sig};
    return true;
}

/* Moves evidence left over by earlier steps into this update, oldest
 * first. */
static void evidence_flush(cons *c)
{
    SEQ_ASSERT(c->out.evidence_count == 0);
    SEQ_ASSERT(c->evidence_backlog_count <= CONS_EVIDENCE_BACKLOG);
    size_t count = SEQ_MIN(c->evidence_backlog_count, (size_t)CONS_UPDATE_EVIDENCE_MAX);
    if (count == 0)
        return;
    memcpy(c->out.evidence, c->evidence_backlog, count * sizeof *c->out.evidence);
    c->out.evidence_count = count;
    c->evidence_backlog_count -= count;
    memmove(c->evidence_backlog, c->evidence_backlog + count,
            c->evidence_backlog_count * sizeof *c->evidence_backlog);
}

/* Records the first signed statement per (kind, signer, view); a second,
 * different one becomes evidence (once). stmt is a seq_block_stmt or, for
 * EQUIV_TIMEOUT, a seq_timeout_stmt; its signature is already verified.
 * Statements come alone (proposals, votes, timeouts) or inside verified
 * certificates (each QC signature is a Vote, each TC signature a Timeout
 * of its signer); "first" is the first one verified, whichever way it
 * came. A conflict found when there is no room for its evidence stays
 * unreported, so that the next sight of it reports it. */
static equiv_result equiv_check(cons *c, equiv_kind kind, size_t signer, const void *stmt,
                                const seq_sig *sig)
{
    SEQ_ASSERT(kind < EQUIV_KINDS && signer < c->n);
    uint64_t view = kind == EQUIV_TIMEOUT ? ((const seq_timeout_stmt *)stmt)->view
                                          : ((const seq_block_stmt *)stmt)->view;
    if (!equiv_in_window(c, view))
        return EQUIV_OUTSIDE;
    size_t size = kind == EQUIV_TIMEOUT ? sizeof(seq_timeout_stmt) : sizeof(seq_block_stmt);
    equiv_record *r = equiv_slot(c, kind, signer, view);
    if (!r->used || r->view != view) {
        *r = (equiv_record){.used = true, .view = view, .sig = *sig};
        memcpy(&r->stmt, stmt, size);
        return EQUIV_FIRST;
    }
    if (memcmp(&r->stmt, stmt, size) == 0)
        return EQUIV_SAME;
    if (!r->reported)
        r->reported = evidence_emit(c, kind, signer, r, stmt, sig);
    return EQUIV_CONFLICT;
}

/* Records every signature of a verified QC as its signer's Vote for
 * (view, height, block). A conflict makes evidence; the certificate stays
 * valid (it still holds a quorum of signatures). */
static void equiv_record_qc(cons *c, const wire_qc *qc, const seq_block_stmt *stmt)
{
    SEQ_ASSERT(stmt->view == qc->view && stmt->height == qc->height);
    if (!equiv_in_window(c, qc->view))
        return;
    for (size_t i = 0; i < qc->sig_count; i++) {
        size_t index;
        bool member = member_find(c, &index, &qc->sigs[i].signer);
        SEQ_ASSERT(member); /* the certificate was verified */
        (void)equiv_check(c, EQUIV_VOTE, index, stmt, &qc->sigs[i].sig);
    }
}

/* Records every signature of a verified TC as its signer's
 * Timeout(view, highQcView). */
static void equiv_record_tc(cons *c, const wire_tc *tc)
{
    if (!equiv_in_window(c, tc->view))
        return;
    for (size_t i = 0; i < tc->sig_count; i++) {
        const wire_timeout_sig *s = &tc->sigs[i];
        size_t index;
        bool member = member_find(c, &index, &s->signer);
        SEQ_ASSERT(member); /* the certificate was verified */
        SEQ_ASSERT(s->high_qc_view < tc->view);
        seq_timeout_stmt stmt = {.l2_chain_id = c->config.l2_chain_id,
                                 .view = tc->view,
                                 .high_qc_view = s->high_qc_view};
        (void)equiv_check(c, EQUIV_TIMEOUT, index, &stmt, &s->sig);
    }
}

/* --------------------------------------------------------- certificates */

static bool qc_is_genesis(const cons *c, const wire_qc *qc)
{
    return qc->view == 0 && qc->height == 0 && qc->sig_count == 0 &&
           seq_hash_equal(&qc->block_hash, &c->genesis_hash);
}

/* True iff qc certifies its block: quorum weight of distinct members'
 * valid Vote signatures, or the genesis certificate. A certificate whose
 * signatures were verified here also has each of them recorded for
 * equivocation detection (equiv_record_qc); one for a block already
 * certified is taken as valid without looking at its signatures, which
 * were then neither verified nor recorded. */
static bool qc_valid(cons *c, const wire_qc *qc)
{
    if (qc->view == 0 || qc->height == 0)
        return qc_is_genesis(c, qc);
    uint32_t slot = tree_find(c, &qc->block_hash);
    if (slot != CONS_NONE && c->tree[slot].certified && c->tree[slot].header.view == qc->view &&
        c->tree[slot].header.height == qc->height)
        return true; /* this block's certificate was verified before */
    seq_block_stmt stmt = {.l2_chain_id = c->config.l2_chain_id,
                           .view = qc->view,
                           .height = qc->height,
                           .block_hash = qc->block_hash};
    seq_hash digest;
    c->config.ops.vote_digest(c->config.ops.ctx, &digest, &stmt);
    uint64_t weight = 0;
    for (size_t i = 0; i < qc->sig_count; i++) {
        size_t index;
        if (i > 0 && seq_addr_compare(&qc->sigs[i - 1].signer, &qc->sigs[i].signer) >= 0)
            return false;
        if (!member_find(c, &index, &qc->sigs[i].signer))
            return false;
        if (!c->config.ops.verify(c->config.ops.ctx, &qc->sigs[i].signer, &qc->sigs[i].sig,
                                  &digest))
            return false;
        weight += validator_weight(c, index);
    }
    if (!is_quorum(c, weight))
        return false;
    if (!CONS_CANARY(c, CONS_CANARY_SKIP_CERT_EVIDENCE))
        equiv_record_qc(c, qc, &stmt);
    return true;
}

/* True iff tc proves a quorum timed out in tc->view; *max_qc_view receives
 * the highest highQcView it carries. The signatures of a valid TC are
 * recorded for equivocation detection (equiv_record_tc). */
static bool tc_valid(cons *c, uint64_t *max_qc_view, const wire_tc *tc)
{
    uint64_t weight = 0, highest = 0;
    for (size_t i = 0; i < tc->sig_count; i++) {
        const wire_timeout_sig *s = &tc->sigs[i];
        size_t index;
        if (i > 0 && seq_addr_compare(&tc->sigs[i - 1].signer, &s->signer) >= 0)
            return false;
        if (s->high_qc_view >= tc->view || !member_find(c, &index, &s->signer))
            return false;
        seq_timeout_stmt stmt = {.l2_chain_id = c->config.l2_chain_id,
                                 .view = tc->view,
                                 .high_qc_view = s->high_qc_view};
        seq_hash digest;
        c->config.ops.timeout_digest(c->config.ops.ctx, &digest, &stmt);
        if (!c->config.ops.verify(c->config.ops.ctx, &s->signer, &s->sig, &digest))
            return false;
        weight += validator_weight(c, index);
        highest = s->high_qc_view > highest ? s->high_qc_view : highest;
    }
    *max_qc_view = highest;
    if (tc->sig_count == 0 || !is_quorum(c, weight))
        return false;
    if (!CONS_CANARY(c, CONS_CANARY_SKIP_CERT_EVIDENCE))
        equiv_record_tc(c, tc);
    return true;
}

/* ----------------------------------------------------------- pacemaker */

static void propose_try(cons *c);

static void enter_view(cons *c, uint64_t view, bool by_qc)
{
    SEQ_ASSERT(view > c->view);
    c->view = view;
    if (by_qc) {
        c->timeouts_consecutive = 0;
        c->stats.views_by_qc++;
    } else {
        if (c->timeouts_consecutive < UINT32_MAX)
            c->timeouts_consecutive++;
        c->stats.views_by_tc++;
    }
    c->deadline_ms = c->now_ms + view_timeout_ms(c);
    c->payload_requested = false;
    if (c->pending.used && c->pending.proposal.block.header.view < view)
        c->pending.used = false;
}

static void timeout_aggregate(cons *c, size_t signer, const seq_timeout_stmt *stmt,
                              const seq_sig *sig);

/* Signs and broadcasts Timeout(view, highQcView) with the certificate for
 * highQcView. A timeout already signed in this view is re-sent as it was
 * (same statement, same certificate, deterministic signature), even if the
 * highQc has risen since: a different one would be an equivocation. */
static seq_err timeout_send(cons *c)
{
    if (c->safety.view_timeout < c->view) {
        c->safety.view_timeout = c->view;
        c->safety.timeout_qc = c->safety.high_qc;
        safety_changed(c);
    }
    SEQ_ASSERT(c->safety.view_timeout == c->view);
    SEQ_ASSERT(c->safety.timeout_qc.view < c->view);
    seq_timeout_stmt stmt = {.l2_chain_id = c->config.l2_chain_id,
                             .view = c->view,
                             .high_qc_view = c->safety.timeout_qc.view};
    seq_hash digest;
    seq_sig sig;
    c->config.ops.timeout_digest(c->config.ops.ctx, &digest, &stmt);
    seq_err err = c->config.ops.sign(c->config.ops.ctx, &sig, &digest);
    if (err != SEQ_OK)
        return err;
    wire_msg msg = {.type = WIRE_TIMEOUT};
    msg.u.timeout.stmt = (wire_timeout_statement){stmt, *validator_addr(c, c->self), sig};
    msg.u.timeout.high_qc = out_qc(c, &c->safety.timeout_qc);
    if (c->n > 1)
        emit_message(c, CONS_TO_ALL, &msg);
    c->stats.timeouts_sent++;
    timeout_aggregate(c, c->self, &stmt, &sig);
    return SEQ_OK;
}

/* The view timer fired. A first expiry sends the timeout; each further
 * expiry in the same view (no TC yet) re-sends it and doubles the wait. */
static seq_err on_timer(cons *c)
{
    if (c->safety.view_timeout >= c->view && c->timeouts_consecutive < UINT32_MAX)
        c->timeouts_consecutive++;
    c->deadline_ms = c->now_ms + view_timeout_ms(c);
    return timeout_send(c);
}

/* ------------------------------------------------- commits, QC and TC */

static void halt(cons *c)
{
    c->halted = true;
}

/* Remembers a committed block without a known QC and asks for it (from the
 * next leader of its view, which formed it). A full ring forgets the
 * oldest. */
static void qc_missing_add(cons *c, const cons_block_ref *block, bool send_now)
{
    qc_missing_entry *e = &c->qc_missing[c->qc_missing_next];
    c->qc_missing_next = (c->qc_missing_next + 1) % CONS_QC_MISSING;
    *e = (qc_missing_entry){.used = true,
                            .hash = block->hash,
                            .height = block->height,
                            .view = block->view,
                            .peer = peer_other_than_self(c, leader_of(c, block->view + 1)),
                            .sent_ms = c->now_ms};
    if (!send_now) {
        e->sent_ms = 0; /* asked at the first tick */
        return;
    }
    wire_sync_request req = {.by_hash = true, .block_hash = block->hash};
    emit_fetch(c, e->peer, &req);
}

/* Stores qc if it is the missing certificate of a committed block. */
static void qc_missing_fill(cons *c, const wire_qc *qc)
{
    for (size_t i = 0; i < CONS_QC_MISSING; i++) {
        qc_missing_entry *e = &c->qc_missing[i];
        if (!e->used || e->view != qc->view || e->height != qc->height ||
            !seq_hash_equal(&e->hash, &qc->block_hash))
            continue;
        if (!qc_valid(c, qc)) {
            c->stats.rejected_certificate++;
            return;
        }
        e->used = false;
        qc_from_wire(&c->qc_scratch, qc);
        emit_qc_store(c, &c->qc_scratch);
        return;
    }
}

static void qc_missing_retry(cons *c)
{
    for (size_t i = 0; i < CONS_QC_MISSING; i++) {
        qc_missing_entry *e = &c->qc_missing[i];
        if (!e->used || (e->sent_ms != 0 && c->now_ms < e->sent_ms + c->config.fetch_retry_ms))
            continue;
        e->peer = peer_other_than_self(c, (e->peer + 1) % c->n);
        e->sent_ms = c->now_ms;
        wire_sync_request req = {.by_hash = true, .block_hash = e->hash};
        emit_fetch(c, e->peer, &req);
    }
}

/* Commits target and every uncommitted ancestor, lowest first. */
static void commit_chain(cons *c, uint32_t target)
{
    tree_node *t = &c->tree[target];
    if (t->header.height <= height_committed(c))
        return;
    size_t count = 0;
    for (uint32_t s = target; s != c->committed; s = c->tree[s].parent) {
        const tree_node *node = &c->tree[s];
        if (node->parent == CONS_NONE) {
            if (node->header.height == height_committed(c) + 1) {
                halt(c); /* two-chain commit of a block off the committed chain */
                return;
            }
            c->commit_wanted = target;
            fetch_block(c, &node->header.parent_hash, node->header.height - 1,
                        leader_of(c, node->header.view));
            return;
        }
        count++;
    }
    SEQ_ASSERT(count == t->header.height - height_committed(c));
    SEQ_ASSERT(c->out.commit_count + count <= c->tree_cap);
    size_t at = c->out.commit_count + count;
    for (uint32_t s = target; s != c->committed; s = c->tree[s].parent) {
        c->out.commits[--at] =
            (cons_block){.hash = c->tree[s].hash, .block = {.header = c->tree[s].header}};
        if (!c->tree[s].certified) {
            const tree_node *node = &c->tree[s];
            cons_block_ref ref = {node->hash, node->header.height, node->header.view};
            qc_missing_add(c, &ref, true);
        }
    }
    c->out.commit_count += count;
    c->stats.blocks_committed += count;
    c->committed = target;
    c->commit_wanted = CONS_NONE;
    tree_prune(c);
}

/* The two-chain rule: a certified block whose parent is from the view just
 * before commits that parent. */
static void commit_try(cons *c, uint32_t slot)
{
    const tree_node *b = &c->tree[slot];
    SEQ_ASSERT(b->used && b->certified);
    if (CONS_CANARY(c, CONS_CANARY_COMMIT_ONE_CHAIN)) {
        commit_chain(c, slot);
        return;
    }
    if (b->parent == CONS_NONE) {
        if (b->header.height > height_committed(c) + 1)
            fetch_block(c, &b->header.parent_hash, b->header.height - 1,
                        leader_of(c, b->header.view));
        return;
    }
    const tree_node *p = &c->tree[b->parent];
    if (p->header.view + 1 == b->header.view)
        commit_chain(c, b->parent);
}

/* Acts on a verified certificate: raise highQc, certify the block (and
 * commit by the two-chain rule), fetch it if missing, move to view + 1. */
static void qc_process(cons *c, const wire_qc *qc, size_t from)
{
    if (qc->view > c->safety.high_qc.view) {
        qc_from_wire(&c->safety.high_qc, qc);
        safety_changed(c);
    }
    uint32_t slot = tree_find(c, &qc->block_hash);
    if (slot != CONS_NONE && !c->tree[slot].certified) {
        c->tree[slot].certified = true;
        cons_qc *copy = &c->qc_scratch;
        qc_from_wire(copy, qc);
        emit_qc_store(c, copy);
        commit_try(c, slot);
    } else if (slot == CONS_NONE && qc->height > height_committed(c)) {
        qc_wait(c, qc);
        fetch_block(c, &qc->block_hash, qc->height, from);
    } else if (slot == CONS_NONE) {
        qc_missing_fill(c, qc);
    }
    if (qc->view >= c->view)
        enter_view(c, qc->view + 1, true);
}

static void tc_process(cons *c, const wire_tc *tc, uint64_t max_qc_view)
{
    bool newer = !c->has_high_tc || tc->view > c->high_tc.view;
    bool better =
        c->has_high_tc && tc->view == c->high_tc.view && max_qc_view < c->high_tc_max_qc_view;
    if (newer || better) {
        tc_from_wire(&c->high_tc, tc);
        c->high_tc_max_qc_view = max_qc_view;
        c->has_high_tc = true;
    }
    if (tc->view >= c->view)
        enter_view(c, tc->view + 1, false);
}

/* --------------------------------------------------------- aggregation */

/* Certificates list signers in ascending address order. */
static void qc_build(cons *c, cons_qc *qc, const vote_slot *v)
{
    *qc = (cons_qc){.view = v->view, .height = v->height, .block_hash = v->block_hash};
    for (size_t k = 0; k < c->n; k++) {
        size_t i = c->by_address[k];
        if (v->present[i])
            qc->sigs[qc->sig_count++] = (wire_sig){*validator_addr(c, i), v->sigs[i]};
    }
    SEQ_ASSERT(qc->sig_count >= 1);
}

static void tc_build(cons *c, cons_tc *tc, uint64_t *max_qc_view, const timeout_slot *t)
{
    tc->view = t->view;
    tc->sig_count = 0;
    *max_qc_view = 0;
    for (size_t k = 0; k < c->n; k++) {
        size_t i = c->by_address[k];
        if (!t->present[i])
            continue;
        tc->sigs[tc->sig_count++] =
            (wire_timeout_sig){*validator_addr(c, i), t->high_qc_view[i], t->sigs[i]};
        *max_qc_view = t->high_qc_view[i] > *max_qc_view ? t->high_qc_view[i] : *max_qc_view;
    }
    SEQ_ASSERT(tc->sig_count >= 1);
}

/* The slot for (view, hash): an existing one, a free one, or the one with
 * the lowest view. */
static vote_slot *vote_slot_get(cons *c, uint64_t view, const seq_hash *hash, uint64_t height)
{
    vote_slot *victim = &c->votes[0];
    for (size_t i = 0; i < CONS_VOTE_SLOTS; i++) {
        vote_slot *v = &c->votes[i];
        if (v->used && v->view == view && v->height == height &&
            seq_hash_equal(&v->block_hash, hash))
            return v;
        if (victim->used && (!v->used || v->view < victim->view))
            victim = v;
    }
    victim->used = true;
    victim->formed = false;
    victim->view = view;
    victim->height = height;
    victim->block_hash = *hash;
    victim->weight = 0;
    memset(victim->present, 0, c->n * sizeof *victim->present);
    return victim;
}

/* Counts a verified vote at the next leader; a quorum forms a QC. */
static void vote_aggregate(cons *c, size_t signer, const seq_block_stmt *stmt, const seq_sig *sig)
{
    if (leader_of(c, stmt->view + 1) != c->self || stmt->view + 1 < c->view) {
        c->stats.dropped_stale++;
        return;
    }
    vote_slot *v = vote_slot_get(c, stmt->view, &stmt->block_hash, stmt->height);
    if (v->present[signer]) {
        c->stats.dropped_duplicate++;
        return;
    }
    v->present[signer] = true;
    v->sigs[signer] = *sig;
    v->weight += validator_weight(c, signer);
    if (v->formed || !is_quorum(c, v->weight))
        return;
    v->formed = true;
    c->stats.qcs_formed++;
    qc_build(c, &c->qc_formed, v);
    wire_qc qc = cons_qc_wire(&c->qc_formed);
    qc_process(c, &qc, signer == c->self ? leader_of(c, stmt->view) : signer);
}

static timeout_slot *timeout_slot_get(cons *c, uint64_t view)
{
    timeout_slot *victim = &c->timeouts[0];
    for (size_t i = 0; i < CONS_TIMEOUT_SLOTS; i++) {
        timeout_slot *t = &c->timeouts[i];
        if (t->used && t->view == view)
            return t;
        if (victim->used && (!t->used || t->view < victim->view))
            victim = t;
    }
    victim->used = true;
    victim->formed = false;
    victim->view = view;
    victim->weight = 0;
    memset(victim->present, 0, c->n * sizeof *victim->present);
    return victim;
}

/* Counts a verified timeout. Weight that must include an honest validator
 * pulls this replica into the view (and it times out too); a quorum forms
 * a TC. */
static void timeout_aggregate(cons *c, size_t signer, const seq_timeout_stmt *stmt,
                              const seq_sig *sig)
{
    if (stmt->view + 1 < c->view) {
        c->stats.dropped_stale++;
        return;
    }
    timeout_slot *t = timeout_slot_get(c, stmt->view);
    if (t->present[signer]) {
        c->stats.dropped_duplicate++;
        return;
    }
    t->present[signer] = true;
    t->high_qc_view[signer] = stmt->high_qc_view;
    t->sigs[signer] = *sig;
    t->weight += validator_weight(c, signer);
    if (stmt->view >= c->view && c->safety.view_timeout < stmt->view &&
        is_honest_witness(c, t->weight)) {
        if (stmt->view > c->view)
            enter_view(c, stmt->view, false);
        seq_err err = timeout_send(c); /* counts itself in t */
        if (err != SEQ_OK)
            return;
    }
    if (t->formed || !is_quorum(c, t->weight))
        return;
    t->formed = true;
    c->stats.tcs_formed++;
    uint64_t max_qc_view;
    tc_build(c, &c->tc_formed, &max_qc_view, t);
    wire_tc tc = {
        .view = c->tc_formed.view, .sig_count = c->tc_formed.sig_count, .sigs = c->tc_formed.sigs};
    tc_process(c, &tc, max_qc_view);
}

/* --------------------------------------------------------------- votes */

static seq_err vote_send(cons *c, const seq_block_header *h, const seq_hash *hash)
{
    SEQ_ASSERT(h->view == c->view);
    SEQ_ASSERT(h->view > c->safety.view_voted || CONS_CANARY(c, CONS_CANARY_SKIP_VOTING_RULE) ||
               leader_of(c, h->view) == c->self);
    seq_block_stmt stmt = block_stmt(c, h, hash);
    seq_hash digest;
    seq_sig sig;
    c->config.ops.vote_digest(c->config.ops.ctx, &digest, &stmt);
    seq_err err = c->config.ops.sign(c->config.ops.ctx, &sig, &digest);
    if (err != SEQ_OK)
        return err;
    if (c->safety.view_voted < h->view) {
        c->safety.view_voted = h->view;
        if (!CONS_CANARY(c, CONS_CANARY_SKIP_PERSIST))
            safety_changed(c);
    }
    c->stats.votes_sent++;
    size_t to = leader_of(c, h->view + 1);
    if (to == c->self) {
        vote_aggregate(c, c->self, &stmt, &sig);
        return SEQ_OK;
    }
    wire_msg msg = {.type = WIRE_VOTE};
    msg.u.vote.vote = (wire_block_statement){stmt, *validator_addr(c, c->self), sig};
    emit_message(c, to, &msg);
    return SEQ_OK;
}

/* The voting rule (see README): a fresh view, no timeout sent in it, and a
 * justify from the view just before, or a TC for that view whose highest
 * highQcView the justify reaches. */
static bool vote_allowed(const cons *c, const wire_proposal *p, uint64_t tc_max_qc_view)
{
    uint64_t view = p->block.header.view;
    if (view != c->view)
        return false;
    if (CONS_CANARY(c, CONS_CANARY_SKIP_VOTING_RULE))
        return true;
    if (view <= c->safety.view_voted || view <= c->safety.view_timeout)
        return false;
    if (p->justify.view + 1 == view)
        return true;
    return p->has_tc && p->tc.view + 1 == view && p->justify.view >= tc_max_qc_view;
}

/* ----------------------------------------------------------- proposals */

static bool payload_within_caps(const cons *c, const seq_bytes *txs, size_t tx_count)
{
    if (tx_count > c->config.block_txs_max)
        return false;
    size_t total = 0;
    for (size_t i = 0; i < tx_count; i++) {
        if (txs[i].len == 0 || txs[i].len > WIRE_TX_BYTES_MAX)
            return false;
        total += txs[i].len;
    }
    return total <= c->config.block_tx_bytes_max;
}

/* Chain rules every block obeys against its parent. */
static bool block_follows(const cons *c, const seq_block_header *h, const seq_block_header *parent)
{
    return h->l2_chain_id == c->config.l2_chain_id && h->height == parent->height + 1 &&
           h->view > parent->view && h->timestamp_ms >= parent->timestamp_ms &&
           h->l1_origin_number >= parent->l1_origin_number &&
           h->forced_cursor >= parent->forced_cursor;
}

/* The block's hash, after checking its tx root against its txs. */
static bool block_hash_checked(cons *c, seq_hash *hash, const wire_block *b)
{
    seq_hash root;
    if (b->header.l2_chain_id != c->config.l2_chain_id ||
        !payload_within_caps(c, b->txs, b->tx_count))
        return false;
    c->config.ops.tx_root(c->config.ops.ctx, &root, b->txs, b->tx_count);
    if (!seq_hash_equal(&root, &b->header.tx_root))
        return false;
    c->config.ops.block_hash(c->config.ops.ctx, hash, &b->header);
    return true;
}

/* Stateless checks of a proposal: rightful leader, well-formed block,
 * signature, and certificates that fit the block. */
static bool proposal_verify(cons *c, seq_hash *hash, uint64_t *tc_max_qc_view,
                            const wire_proposal *p)
{
    const seq_block_header *h = &p->block.header;
    if (h->view == 0 || h->height == 0 ||
        !seq_addr_equal(&h->proposer, validator_addr(c, leader_of(c, h->view))) ||
        !block_hash_checked(c, hash, &p->block)) {
        c->stats.rejected_block++;
        return false;
    }
    seq_block_stmt stmt = block_stmt(c, h, hash);
    seq_hash digest;
    c->config.ops.proposal_digest(c->config.ops.ctx, &digest, &stmt);
    if (!c->config.ops.verify(c->config.ops.ctx, &h->proposer, &p->sig, &digest)) {
        c->stats.rejected_signature++;
        return false;
    }
    bool fits = seq_hash_equal(&p->justify.block_hash, &h->parent_hash) &&
                p->justify.height + 1 == h->height && p->justify.view < h->view &&
                (p->has_tc ? p->tc.view + 1 == h->view : p->justify.view + 1 == h->view);
    *tc_max_qc_view = 0;
    if (!fits || !qc_valid(c, &p->justify) || (p->has_tc && !tc_valid(c, tc_max_qc_view, &p->tc))) {
        c->stats.rejected_certificate++;
        return false;
    }
    return true;
}

static void pending_stash(cons *c, size_t from, const wire_proposal *p)
{
    pending_proposal *s = &c->pending;
    s->used = true;
    s->from = from;
    s->proposal = *p;
    size_t used = 0;
    for (size_t i = 0; i < p->block.tx_count; i++) {
        memcpy(s->tx_bytes + used, p->block.txs[i].ptr, p->block.txs[i].len);
        s->txs[i] = (seq_bytes){s->tx_bytes + used, p->block.txs[i].len};
        used += p->block.txs[i].len;
    }
    s->proposal.block.txs = s->txs;
    qc_from_wire(&s->justify, &p->justify);
    s->proposal.justify = cons_qc_wire(&s->justify);
    if (p->has_tc) {
        tc_from_wire(&s->tc, &p->tc);
        s->proposal.tc =
            (wire_tc){.view = s->tc.view, .sig_count = s->tc.sig_count, .sigs = s->tc.sigs};
    }
}

/* Inserts a verified proposal's block (if its parent is known and it is
 * valid) and votes for it if the voting rule allows. */
static seq_err proposal_accept(cons *c, size_t from, const wire_proposal *p, const seq_hash *hash,
                               uint64_t tc_max_qc_view)
{
    const seq_block_header *h = &p->block.header;
    uint32_t parent = tree_find(c, &h->parent_hash);
    if (parent == CONS_NONE) {
        if (h->view >= c->view) {
            pending_stash(c, from, p);
            fetch_block(c, &h->parent_hash, h->height - 1, from);
        }
        return SEQ_OK;
    }
    const cons_block block = {.hash = *hash, .block = p->block};
    if (!block_follows(c, h, &c->tree[parent].header) ||
        c->config.hooks.validate(c->config.hooks.ctx, &block, &c->tree[parent].header) != SEQ_OK) {
        c->stats.rejected_block++;
        return SEQ_OK;
    }
    if (tree_find(c, hash) == CONS_NONE && tree_insert(c, h, hash) != CONS_NONE)
        emit_block_store(c, hash, &p->block);
    if (tree_find(c, hash) == CONS_NONE || !vote_allowed(c, p, tc_max_qc_view))
        return SEQ_OK;
    return vote_send(c, h, hash);
}

static seq_err on_proposal(cons *c, size_t from, const wire_proposal *p)
{
    seq_hash hash;
    uint64_t tc_max_qc_view;
    if (!proposal_verify(c, &hash, &tc_max_qc_view, p))
        return SEQ_OK;
    const seq_block_header *h = &p->block.header;
    seq_block_stmt stmt = block_stmt(c, h, &hash);
    equiv_result r = equiv_check(c, EQUIV_PROPOSAL, leader_of(c, h->view), &stmt, &p->sig);
    if (r == EQUIV_CONFLICT)
        return SEQ_OK; /* evidence emitted; the first proposal stands */
    if (r == EQUIV_SAME && tree_find(c, &hash) != CONS_NONE) {
        c->stats.dropped_duplicate++;
        return SEQ_OK;
    }
    qc_process(c, &p->justify, from);
    if (p->has_tc)
        tc_process(c, &p->tc, tc_max_qc_view);
    if (c->halted)
        return SEQ_OK;
    return proposal_accept(c, from, p, &hash, tc_max_qc_view);
}

/* Re-runs the stashed proposal once its parent has arrived. */
static seq_err pending_retry(cons *c)
{
    if (!c->pending.used ||
        tree_find(c, &c->pending.proposal.block.header.parent_hash) == CONS_NONE)
        return SEQ_OK;
    c->pending.used = false;
    const wire_proposal *p = &c->pending.proposal;
    seq_hash hash;
    c->config.ops.block_hash(c->config.ops.ctx, &hash, &p->block.header);
    uint64_t tc_max_qc_view = 0;
    if (p->has_tc) {
        for (size_t i = 0; i < p->tc.sig_count; i++) {
            if (p->tc.sigs[i].high_qc_view > tc_max_qc_view)
                tc_max_qc_view = p->tc.sigs[i].high_qc_view;
        }
    }
    return proposal_accept(c, c->pending.from, p, &hash, tc_max_qc_view);
}

/* -------------------------------------------------- votes and timeouts */

static bool signer_index(cons *c, size_t *index, uint64_t l2_chain_id, const seq_addr *signer)
{
    if (l2_chain_id != c->config.l2_chain_id || !member_find(c, index, signer)) {
        c->stats.rejected_other++;
        return false;
    }
    return true;
}

static void on_vote(cons *c, const wire_vote *v)
{
    const wire_block_statement *s = &v->vote;
    size_t signer;
    seq_hash digest;
    if (!signer_index(c, &signer, s->stmt.l2_chain_id, &s->signer))
        return;
    c->config.ops.vote_digest(c->config.ops.ctx, &digest, &s->stmt);
    if (!c->config.ops.verify(c->config.ops.ctx, &s->signer, &s->sig, &digest)) {
        c->stats.rejected_signature++;
        return;
    }
    equiv_result r = equiv_check(c, EQUIV_VOTE, signer, &s->stmt, &s->sig);
    if (r == EQUIV_CONFLICT)
        return;
    vote_aggregate(c, signer, &s->stmt, &s->sig);
}

/* Sends a lagging peer this replica's certificates; at most once per base
 * view timeout per peer, as the peer re-sends its timeout at least that
 * slowly. */
static void view_sync_reply(cons *c, size_t to)
{
    if (to == c->self || (c->view_synced_ms[to] != 0 &&
                          c->now_ms < c->view_synced_ms[to] + c->config.timeout_ms_base))
        return;
    c->view_synced_ms[to] = c->now_ms > 0 ? c->now_ms : 1;
    wire_msg msg = {.type = WIRE_VIEW_SYNC};
    msg.u.view_sync.has_qc = true;
    msg.u.view_sync.high_qc = out_qc(c, &c->safety.high_qc);
    if (c->has_high_tc) {
        msg.u.view_sync.has_tc = true;
        msg.u.view_sync.high_tc = out_tc(c, &c->high_tc);
    }
    emit_message(c, to, &msg);
}

static seq_err on_timeout(cons *c, size_t from, const wire_timeout *t)
{
    const wire_timeout_statement *s = &t->stmt;
    size_t signer;
    seq_hash digest;
    if (!signer_index(c, &signer, s->stmt.l2_chain_id, &s->signer))
        return SEQ_OK;
    if (s->stmt.high_qc_view >= s->stmt.view || t->high_qc.view != s->stmt.high_qc_view) {
        c->stats.rejected_other++;
        return SEQ_OK;
    }
    c->config.ops.timeout_digest(c->config.ops.ctx, &digest, &s->stmt);
    if (!c->config.ops.verify(c->config.ops.ctx, &s->signer, &s->sig, &digest)) {
        c->stats.rejected_signature++;
        return SEQ_OK;
    }
    if (equiv_check(c, EQUIV_TIMEOUT, signer, &s->stmt, &s->sig) == EQUIV_CONFLICT)
        return SEQ_OK;
    if (s->stmt.view < c->view)
        view_sync_reply(c, from); /* it has not seen what moved this replica on */
    if (s->stmt.view + 1 < c->view) {
        c->stats.dropped_stale++;
        return SEQ_OK;
    }
    if (!qc_valid(c, &t->high_qc)) {
        c->stats.rejected_certificate++;
        return SEQ_OK;
    }
    qc_process(c, &t->high_qc, from);
    timeout_aggregate(c, signer, &s->stmt, &s->sig);
    return SEQ_OK;
}

static void on_view_sync(cons *c, size_t from, const wire_view_sync *v)
{
    if (v->has_qc) {
        if (qc_valid(c, &v->high_qc))
            qc_process(c, &v->high_qc, from);
        else
            c->stats.rejected_certificate++;
    }
    uint64_t max_qc_view;
    if (v->has_tc) {
        if (tc_valid(c, &max_qc_view, &v->high_tc))
            tc_process(c, &v->high_tc, max_qc_view);
        else
            c->stats.rejected_certificate++;
    }
}

/* ----------------------------------------------------------- block sync */

/* Checks one certified block from a sync response and adds it; returns 1
 * if it was new. Blocks
 * come with their own certificate, so the validity hook is not asked. */
static size_t sync_block(cons *c, size_t from, const wire_certified_block *cb)
{
    const seq_block_header *h = &cb->block.header;
    seq_hash hash;
    if (h->height <= height_committed(c) || h->view == 0) {
        qc_missing_fill(c, &cb->qc); /* the certificate may be what is missing */
        c->stats.dropped_stale++;
        return 0;
    }
    if (cb->qc.view != h->view || cb->qc.height != h->height ||
        !block_hash_checked(c, &hash, &cb->block) || !seq_hash_equal(&hash, &cb->qc.block_hash)) {
        c->stats.rejected_block++;
        return 0;
    }
    if (!qc_valid(c, &cb->qc)) {
        c->stats.rejected_certificate++;
        return 0;
    }
    size_t added = 0;
    if (tree_find(c, &hash) == CONS_NONE) {
        if (tree_insert(c, h, &hash) == CONS_NONE)
            return 0;
        emit_block_store(c, &hash, &cb->block);
        added = 1;
    }
    qc_process(c, &cb->qc, from);
    return added;
}

static seq_err on_sync_response(cons *c, size_t from, const wire_sync_response *r)
{
    size_t added = 0;
    for (size_t i = 0; i < r->count && !c->halted; i++)
        added += sync_block(c, from, &r->blocks[i]);
    if (added > 0)
        c->range_fetch_ms = 0; /* progress: the next gap may be asked at once */
    if (c->commit_wanted != CONS_NONE && c->tree[c->commit_wanted].used)
        commit_chain(c, c->commit_wanted);
    if (c->halted)
        return SEQ_OK;
    return pending_retry(c);
}

/* ------------------------------------------------------------ proposing */

/* As leader, asks the driver for a payload once the view has a
 * certificate to build on: QC of the previous view, or a TC for it that
 * this replica's highQc satisfies. */
static void propose_try(cons *c)
{
    if (leader_of(c, c->view) != c->self || c->payload_requested ||
        c->view <= c->safety.view_voted || c->view <= c->safety.view_timeout)
        return;
    const cons_qc *qc = &c->safety.high_qc;
    if (qc->view + 1 != c->view &&
        !(c->has_high_tc && c->high_tc.view + 1 == c->view && qc->view >= c->high_tc_max_qc_view))
        return;
    uint32_t parent = tree_find(c, &qc->block_hash);
    if (parent == CONS_NONE) {
        fetch_block(c, &qc->block_hash, qc->height, leader_of(c, qc->view));
        return;
    }
    c->payload_requested = true;
    c->out.payload_wanted = true;
    c->out.payload_request = (cons_payload_request){.view = c->view,
                                                    .height = c->tree[parent].header.height + 1,
                                                    .parent = c->tree[parent].header,
                                                    .parent_hash = c->tree[parent].hash};
}

static seq_err on_payload(cons *c, const cons_payload *pl)
{
    if (!payload_within_caps(c, pl->txs, pl->tx_count))
        return SEQ_ERR_INVALID_ARG;
    uint32_t parent = tree_find(c, &c->safety.high_qc.block_hash);
    if (pl->view != c->view || !c->payload_requested || c->view <= c->safety.view_voted ||
        parent == CONS_NONE) {
        c->stats.dropped_stale++;
        return SEQ_OK;
    }
    const seq_block_header *ph = &c->tree[parent].header;
    wire_block block = {.tx_count = pl->tx_count, .txs = pl->txs};
    block.header = (seq_block_header){.l2_chain_id = c->config.l2_chain_id,
                                      .height = ph->height + 1,
                                      .view = c->view,
                                      .parent_hash = c->tree[parent].hash,
                                      .l1_origin_number = pl->l1_origin_number,
                                      .l1_origin_hash = pl->l1_origin_hash,
                                      .forced_cursor = pl->forced_cursor,
                                      .timestamp_ms = pl->timestamp_ms,
                                      .proposer = *validator_addr(c, c->self)};
    if (!block_follows(c, &block.header, ph))
        return SEQ_ERR_INVALID_ARG;
    seq_hash hash, digest;
    c->config.ops.tx_root(c->config.ops.ctx, &block.header.tx_root, pl->txs, pl->tx_count);
    c->config.ops.block_hash(c->config.ops.ctx, &hash, &block.header);
    seq_block_stmt stmt = block_stmt(c, &block.header, &hash);
    wire_msg msg = {.type = WIRE_PROPOSAL};
    c->config.ops.proposal_digest(c->config.ops.ctx, &digest, &stmt);
    seq_err err = c->config.ops.sign(c->config.ops.ctx, &msg.u.proposal.sig, &digest);
    if (err != SEQ_OK)
        return err;
    c->safety.view_voted = c->view; /* a leader's proposal is also its vote */
    safety_changed(c);
    c->stats.proposals_made++;
    msg.u.proposal.block = block;
    msg.u.proposal.justify = out_qc(c, &c->safety.high_qc);
    if (c->safety.high_qc.view + 1 != c->view) {
        msg.u.proposal.has_tc = true;
        msg.u.proposal.tc = out_tc(c, &c->high_tc);
    }
    if (c->n > 1)
        emit_message(c, CONS_TO_ALL, &msg);
    if (tree_insert(c, &block.header, &hash) == CONS_NONE)
        return SEQ_OK;
    emit_block_store(c, &hash, &block);
    return vote_send(c, &block.header, &hash);
}

/* ----------------------------------------------------------------- step */

static seq_err on_message(cons *c, size_t from, const wire_msg *msg)
{
    switch (msg->type) {
    case WIRE_PROPOSAL:
        return on_proposal(c, from, &msg->u.proposal);
    case WIRE_VOTE:
        on_vote(c, &msg->u.vote);
        return SEQ_OK;
    case WIRE_TIMEOUT:
        return on_timeout(c, from, &msg->u.timeout);
    case WIRE_VIEW_SYNC:
        on_view_sync(c, from, &msg->u.view_sync);
        return SEQ_OK;
    case WIRE_SYNC_RESPONSE:
        return on_sync_response(c, from, &msg->u.sync_response);
    default:
        /* Handshakes, sync requests, tx gossip, evidence and attestations
         * belong to the node, not to the core. */
        c->stats.rejected_other++;
        return SEQ_OK;
    }
}

static void update_reset(cons *c)
{
    update_buffers *o = &c->out;
    o->safety_changed = false;
    o->block_count = o->qc_count = o->message_count = o->fetch_count = 0;
    o->commit_count = o->evidence_count = 0;
    o->payload_wanted = false;
    seq_arena_reset(&o->arena);
    evidence_flush(c);
}

/* The next moment the replica needs a tick: its view timer, or the retry
 * of a fetch (a lost answer must not wait for a view to time out); at
 * once while evidence waits in the backlog. */
static uint64_t next_deadline(const cons *c)
{
    if (c->evidence_backlog_count > 0)
        return c->now_ms;
    uint64_t deadline = c->deadline_ms;
    for (size_t i = 0; i < CONS_FETCHES_MAX; i++) {
        const fetch_entry *f = &c->fetches[i];
        if (f->used && f->sent_ms + c->config.fetch_retry_ms < deadline)
            deadline = f->sent_ms + c->config.fetch_retry_ms;
    }
    for (size_t i = 0; i < CONS_QC_MISSING; i++) {
        const qc_missing_entry *e = &c->qc_missing[i];
        if (e->used && e->sent_ms + c->config.fetch_retry_ms < deadline)
            deadline = e->sent_ms == 0 ? c->now_ms : e->sent_ms + c->config.fetch_retry_ms;
    }
    return deadline;
}

static void update_fill(const cons *c, cons_update *u)
{
    const update_buffers *o = &c->out;
    *u = (cons_update){.safety = o->safety_changed ? &c->safety : NULL,
                       .block_count = o->block_count,
                       .blocks = o->blocks,
                       .qc_count = o->qc_count,
                       .qcs = o->qcs,
                       .message_count = o->message_count,
                       .messages = o->messages,
                       .fetch_count = o->fetch_count,
                       .fetches = o->fetches,
                       .commit_count = o->commit_count,
                       .commits = o->commits,
                       .evidence_count = o->evidence_count,
                       .evidence = o->evidence,
                       .payload_wanted = o->payload_wanted,
                       .payload_request = o->payload_request,
                       .deadline_ms = next_deadline(c)};
}

static seq_err step_event(cons *c, const cons_event *e)
{
    switch (e->type) {
    case CONS_EVENT_TICK:
        fetch_retry(c);
        qc_missing_retry(c);
        return c->now_ms >= c->deadline_ms ? on_timer(c) : SEQ_OK;
    case CONS_EVENT_MESSAGE:
        if (e->u.message.from >= c->n || e->u.message.msg == NULL)
            return SEQ_ERR_INVALID_ARG;
        return on_message(c, e->u.message.from, e->u.message.msg);
    case CONS_EVENT_PAYLOAD:
        return on_payload(c, &e->u.payload);
    }
    return SEQ_ERR_INVALID_ARG;
}

seq_err cons_step(cons *c, cons_update *update, const cons_event *event)
{
    SEQ_ASSERT(c != NULL && update != NULL && event != NULL);
    update_reset(c);
    seq_err err = SEQ_ERR_UNAVAILABLE;
    if (!c->halted) {
        if (event->now_ms > c->now_ms)
            c->now_ms = event->now_ms;
        if (!c->started) {
            c->started = true;
            c->deadline_ms = c->now_ms + view_timeout_ms(c);
        }
        err = step_event(c, event);
        if (!c->halted)
            propose_try(c);
        if (c->halted)
            err = SEQ_ERR_UNAVAILABLE;
    }
    update_fill(c, update);
    SEQ_ASSERT(update->safety != NULL || !c->out.safety_changed);
    return err;
}

/* ------------------------------------------------------------ lifecycle */

static bool config_valid(const cons_config *cfg)
{
    const cons_ops *o = &cfg->ops;
    size_t self;
    return cfg->committee.count > 0 && cfg->committee.weight_total > 0 &&
           cons_committee_find(&cfg->committee, &self, &cfg->self) && cfg->timeout_ms_base > 0 &&
           cfg->timeout_ms_base <= cfg->timeout_ms_max && cfg->fetch_retry_ms > 0 &&
           cfg->blocks_max >= CONS_BLOCKS_MIN && cfg->blocks_max <= CONS_BLOCKS_MAX &&
           cfg->block_tx_bytes_max > 0 && cfg->block_tx_bytes_max <= WIRE_BLOCK_TX_BYTES_MAX &&
           cfg->block_txs_max > 0 && cfg->block_txs_max <= WIRE_BLOCK_TXS_MAX &&
           cfg->genesis.height == 0 && cfg->genesis.view == 0 &&
           cfg->genesis.l2_chain_id == cfg->l2_chain_id && o->block_hash && o->tx_root &&
           o->proposal_digest && o->vote_digest && o->timeout_digest && o->sign && o->verify &&
           cfg->hooks.validate;
}

static bool qc_shape_valid(const cons_qc *qc, size_t n)
{
    return qc->sig_count <= n && (qc->view > 0 || qc->sig_count == 0);
}

static bool restart_valid(const cons_config *cfg, const cons_restart *r)
{
    if (r == NULL)
        return true;
    if (r->committed != NULL && (r->committed->l2_chain_id != cfg->l2_chain_id))
        return false;
    if (r->uncertified_count > 0 && r->uncertified == NULL)
        return false;
    if (r->safety == NULL)
        return true;
    const cons_safety *s = r->safety;
    return qc_shape_valid(&s->high_qc, cfg->committee.count) &&
           qc_shape_valid(&s->timeout_qc, cfg->committee.count) &&
           (s->view_timeout == 0 || s->timeout_qc.view < s->view_timeout);
}

static void *alloc_array(size_t count, size_t size, bool *failed)
{
    void *p = calloc(count ? count : 1, size);
    *failed = *failed || p == NULL;
    return p;
}

static seq_err cons_alloc(cons *c)
{
    bool failed = false;
    size_t n = c->n;
    c->tree = alloc_array(c->tree_cap, sizeof *c->tree, &failed);
    c->records =
        alloc_array((size_t)CONS_EQUIVOCATION_VIEWS * n * EQUIV_KINDS, sizeof *c->records, &failed);
    for (size_t i = 0; i < CONS_VOTE_SLOTS; i++) {
        c->votes[i].present = alloc_array(n, sizeof(bool), &failed);
        c->votes[i].sigs = alloc_array(n, sizeof(seq_sig), &failed);
    }
    for (size_t i = 0; i < CONS_TIMEOUT_SLOTS; i++) {
        c->timeouts[i].present = alloc_array(n, sizeof(bool), &failed);
        c->timeouts[i].high_qc_view = alloc_array(n, sizeof(uint64_t), &failed);
        c->timeouts[i].sigs = alloc_array(n, sizeof(seq_sig), &failed);
    }
    c->view_synced_ms = alloc_array(n, sizeof(uint64_t), &failed);
    c->pending.txs = alloc_array(c->config.block_txs_max, sizeof(seq_bytes), &failed);
    c->pending.tx_bytes = alloc_array(c->config.block_tx_bytes_max, 1, &failed);
    c->out.qcs = alloc_array(CONS_UPDATE_QCS_MAX, sizeof(wire_qc), &failed);
    c->out.commits = alloc_array(c->tree_cap, sizeof(cons_block), &failed);
    /* Every message may carry a QC and a TC; every stored QC its sigs. */
    size_t arena =
        (size_t)CONS_UPDATE_MESSAGES_MAX * n * (sizeof(wire_sig) + sizeof(wire_timeout_sig)) +
        (size_t)CONS_UPDATE_QCS_MAX * n * sizeof(wire_sig) + 64u * 16u;
    c->arena_buf = alloc_array(arena, 1, &failed);
    if (failed)
        return SEQ_ERR_NO_MEMORY;
    seq_arena_init(&c->out.arena, c->arena_buf, arena);
    return SEQ_OK;
}

static void by_address_build(cons *c)
{
    for (size_t i = 0; i < c->n; i++)
        c->by_address[i] = (uint8_t)i;
    for (size_t i = 1; i < c->n; i++) { /* insertion sort: n <= 256, once */
        uint8_t v = c->by_address[i];
        size_t j = i;
        while (j > 0 && seq_addr_compare(validator_addr(c, c->by_address[j - 1]),
                                         validator_addr(c, v)) > 0) {
            c->by_address[j] = c->by_address[j - 1];
            j--;
        }
        c->by_address[j] = v;
    }
}

static void state_restore(cons *c, const cons_restart *r)
{
    const seq_block_header *root = &c->config.genesis;
    c->config.ops.block_hash(c->config.ops.ctx, &c->genesis_hash, root);
    c->safety.high_qc = (cons_qc){.block_hash = c->genesis_hash};
    if (r != NULL && r->safety != NULL)
        c->safety = *r->safety;
    if (r != NULL && r->committed != NULL)
        root = r->committed;
    seq_hash root_hash;
    c->config.ops.block_hash(c->config.ops.ctx, &root_hash, root);
    c->tree[0] = (tree_node){
        .used = true, .certified = true, .hash = root_hash, .header = *root, .parent = CONS_NONE};
    c->committed = 0;
    c->commit_wanted = CONS_NONE;
    size_t uncertified = r != NULL ? SEQ_MIN(r->uncertified_count, (size_t)CONS_QC_MISSING) : 0;
    for (size_t i = uncertified; i-- > 0;) /* oldest first: the newest survive the ring */
        qc_missing_add(c, &r->uncertified[i], false);
    uint64_t view = c->safety.high_qc.view + 1;
    view = c->safety.view_voted > view ? c->safety.view_voted : view;
    view = c->safety.view_timeout > view ? c->safety.view_timeout : view;
    c->view = view;
}

seq_err cons_new(cons **out, const cons_config *config, const cons_restart *restart)
{
    SEQ_ASSERT(out != NULL && config != NULL);
    *out = NULL;
    if (!config_valid(config) || !restart_valid(config, restart))
        return SEQ_ERR_INVALID_ARG;
    cons *c = calloc(1, sizeof *c);
    if (c == NULL)
        return SEQ_ERR_NO_MEMORY;
    c->config = *config;
    c->committee = &c->config.committee;
    c->n = c->committee->count;
    SEQ_ASSERT(cons_committee_find(c->committee, &c->self, &config->self));
    c->tree_cap = config->blocks_max;
    seq_err err = cons_alloc(c);
    if (err != SEQ_OK) {
        cons_free(c);
        return err;
    }
    by_address_build(c);
    state_restore(c, restart);
    *out = c;
    return SEQ_OK;
}

void cons_free(cons *c)
{
    if (c == NULL)
        return;
    free(c->tree);
    free(c->records);
    for (size_t i = 0; i < CONS_VOTE_SLOTS; i++) {
        free(c->votes[i].present);
        free(c->votes[i].sigs);
    }
    for (size_t i = 0; i < CONS_TIMEOUT_SLOTS; i++) {
        free(c->timeouts[i].present);
        free(c->timeouts[i].high_qc_view);
        free(c->timeouts[i].sigs);
    }
    free(c->view_synced_ms);
    free(c->pending.txs);
    free(c->pending.tx_bytes);
    free(c->out.qcs);
    free(c->out.commits);
    free(c->arena_buf);
    free(c);
}

void cons_get_status(const cons *c, cons_status *status)
{
    SEQ_ASSERT(c != NULL && status != NULL);
    *status = (cons_status){.view = c->view,
                            .leader = leader_of(c, c->view),
                            .height_committed = height_committed(c),
                            .hash_committed = c->tree[c->committed].hash,
                            .high_qc_view = c->safety.high_qc.view,
                            .timeouts_consecutive = c->timeouts_consecutive,
                            .halted = c->halted,
                            .stats = c->stats};
}

uint64_t cons_view(const cons *c)
{
    SEQ_ASSERT(c != NULL);
    return c->view;
}
