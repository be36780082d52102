/* sim_check.c — the invariants, checked as the data they are about changes
 * (so after every step):
 *   1 agreement        one block hash per height over all honest replicas
 *   2 chain            each honest committed chain is contiguous and linked
 *   3 persist-before-send  every statement sent is covered by the disk
 *   4 double-sign      no honest key signs two statements for one view,
 *                      nor votes in a view it has sent a timeout for
 *   5 halt             no honest core halts or fails a step
 *   6 evidence         evidence is valid and names byzantine keys only;
 *                      equivocation seen in the window is reported, also
 *                      a double voter's vote seen inside a certificate
 *   7 liveness         after the faults heal, every honest replica commits
 *                      within SIM_LIVENESS_MS */
#include <stdlib.h>
#include <string.h>

#include "sim.h"

#define SIM_AGREED_CAP_MIN 256u
/* Time a replica has to fetch the QC of a block it committed without one:
 * a few fetch retries, one of them after a restart. */
#define SIM_QC_GRACE_MS 2000u

/* A signed statement as carried by a proposal, vote or timeout message. */
typedef struct {
    sim_stmt_kind kind;
    seq_addr signer;
    uint64_t view;
    uint64_t high_qc_view; /* timeouts */
    seq_hash digest;       /* what was signed */
    seq_sig sig;
} sim_stmt;

static bool block_stmt_of(const sim_world *w, sim_stmt *out, sim_stmt_kind kind,
                          const seq_block_stmt *s)
{
    const cons_ops *ops = &w->ops_check;
    out->kind = kind;
    out->view = s->view;
    if (kind == SIM_STMT_PROPOSAL)
        ops->proposal_digest(ops->ctx, &out->digest, s);
    else
        ops->vote_digest(ops->ctx, &out->digest, s);
    return true;
}

/* Extracts the statement msg carries; false for other messages. */
static bool stmt_of(const sim_world *w, sim_stmt *out, const wire_msg *msg)
{
    memset(out, 0, sizeof *out);
    const cons_ops *ops = &w->ops_check;
    if (msg->type == WIRE_PROPOSAL) {
        const seq_block_header *hd = &msg->u.proposal.block.header;
        seq_block_stmt s = {.l2_chain_id = hd->l2_chain_id, .view = hd->view, .height = hd->height};
        ops->block_hash(ops->ctx, &s.block_hash, hd);
        out->signer = hd->proposer;
        out->sig = msg->u.proposal.sig;
        return block_stmt_of(w, out, SIM_STMT_PROPOSAL, &s);
    }
    if (msg->type == WIRE_VOTE) {
        out->signer = msg->u.vote.vote.signer;
        out->sig = msg->u.vote.vote.sig;
        return block_stmt_of(w, out, SIM_STMT_VOTE, &msg->u.vote.vote.stmt);
    }
    if (msg->type == WIRE_TIMEOUT) {
        const wire_timeout_statement *t = &msg->u.timeout.stmt;
        out->kind = SIM_STMT_TIMEOUT;
        out->signer = t->signer;
        out->sig = t->sig;
        out->view = t->stmt.view;
        out->high_qc_view = t->stmt.high_qc_view;
        ops->timeout_digest(ops->ctx, &out->digest, &t->stmt);
        return true;
    }
    return false;
}

static bool index_of(const sim_world *w, size_t *index, const seq_addr *addr)
{
    for (size_t i = 0; i < w->n; i++) {
        if (seq_addr_equal(sim_crypto_addr(w->crypto, i), addr)) {
            *index = i;
            return true;
        }
    }
    return false;
}

static const char *kind_name(sim_stmt_kind kind)
{
    switch (kind) {
    case SIM_STMT_PROPOSAL:
        return "proposal";
    case SIM_STMT_VOTE:
        return "vote";
    case SIM_STMT_TIMEOUT:
        return "timeout";
    }
    return "unknown";
}

/* Invariant 3: the disk covered st when it left the host. */
static void check_persisted(sim_world *w, const sim_host *h, const sim_stmt *st)
{
    const sim_disk *d = &h->disk;
    unsigned long long view = (unsigned long long)st->view;
    if (st->kind != SIM_STMT_TIMEOUT) {
        if (!d->has_safety || st->view > d->safety.view_voted)
            sim_fail(w, "persist-before-send",
                     "host %zu sent %s of view %llu, disk view_voted=%llu (persisted=%d)", h->id,
                     kind_name(st->kind), view, (unsigned long long)d->safety.view_voted,
                     d->has_safety);
        return;
    }
    bool covered =
        d->has_safety && st->view <= d->safety.view_timeout &&
        (st->view < d->safety.view_timeout || st->high_qc_view == d->safety.timeout_qc.view);
    if (!covered)
        sim_fail(w, "persist-before-send",
                 "host %zu sent timeout of view %llu high_qc_view %llu, disk view_timeout=%llu "
                 "high_qc_view=%llu (persisted=%d)",
                 h->id, view, (unsigned long long)st->high_qc_view,
                 (unsigned long long)d->safety.view_timeout,
                 (unsigned long long)d->safety.timeout_qc.view, d->has_safety);
}

void sim_check_sent(sim_world *w, const sim_host *h, const wire_msg *msg)
{
    SEQ_ASSERT(w != NULL && h != NULL && msg != NULL);
    sim_stmt st;
    if (!sim_host_honest(h) || !stmt_of(w, &st, msg) ||
        !seq_addr_equal(&st.signer, &h->config.self))
        return;
    const cons_ops *ops = &w->ops_check;
    if (!ops->verify(ops->ctx, &st.signer, &st.sig, &st.digest))
        sim_fail(w, "signature", "host %zu sent a badly signed %s of view %llu", h->id,
                 kind_name(st.kind), (unsigned long long)st.view);
    check_persisted(w, h, &st);
    if (st.kind == SIM_STMT_VOTE &&
        sim_kmap_get(&w->statements, sim_stmt_key(st.view, h->index, SIM_STMT_TIMEOUT)) != NULL)
        sim_fail(w, "vote-after-timeout",
                 "honest validator %zu (host %zu) voted in view %llu after timing out in it",
                 h->index, h->id, (unsigned long long)st.view);
    uint64_t key = sim_stmt_key(st.view, h->index, st.kind);
    const seq_hash *before = sim_kmap_get(&w->statements, key);
    if (before == NULL)
        sim_kmap_put(&w->statements, key, &st.digest);
    else if (!seq_hash_equal(before, &st.digest))
        sim_fail(w, "double-sign",
                 "honest validator %zu (host %zu) signed two different %ss for view %llu", h->index,
                 h->id, kind_name(st.kind), (unsigned long long)st.view);
}

/* ---------------------------------------------------------------- commits */

static void agree(sim_world *w, const sim_host *h, const cons_block *c)
{
    uint64_t height = c->block.header.height;
    SEQ_ASSERT(height >= 1 && height <= SIM_HEIGHTS_MAX);
    if (height > w->agreed_cap) {
        size_t cap = SEQ_MAX((size_t)SIM_AGREED_CAP_MIN, 2 * w->agreed_cap);
        cap = SEQ_MAX(cap, (size_t)height);
        seq_hash *agreed = realloc(w->agreed, cap * sizeof *agreed);
        SEQ_ASSERT(agreed != NULL);
        memset(agreed + w->agreed_cap, 0, (cap - w->agreed_cap) * sizeof *agreed);
        w->agreed = agreed;
        w->agreed_cap = cap;
    }
    seq_hash *slot = &w->agreed[height - 1];
    if (seq_hash_is_zero(slot))
        *slot = c->hash;
    else if (!seq_hash_equal(slot, &c->hash))
        sim_fail(w, "agreement",
                 "height %llu: host %zu committed %02x%02x%02x%02x.. (view %llu), another honest "
                 "replica committed %02x%02x%02x%02x..",
                 (unsigned long long)height, h->id, c->hash.b[0], c->hash.b[1], c->hash.b[2],
                 c->hash.b[3], (unsigned long long)c->block.header.view, slot->b[0], slot->b[1],
                 slot->b[2], slot->b[3]);
}

void sim_check_commit(sim_world *w, const sim_host *h, const cons_block *c)
{
    SEQ_ASSERT(w != NULL && h != NULL && c != NULL);
    if (!sim_host_honest(h))
        return;
    const sim_disk *d = &h->disk;
    const seq_block_header *hd = &c->block.header;
    const seq_hash *parent = d->height == 0 ? &w->genesis_hash : &d->chain[d->height - 1];
    if (hd->height != d->height + 1 || !seq_hash_equal(&hd->parent_hash, parent)) {
        sim_fail(w, "chain",
                 "host %zu committed height %llu view %llu on top of height %llu; parent %s", h->id,
                 (unsigned long long)hd->height, (unsigned long long)hd->view,
                 (unsigned long long)d->height,
                 seq_hash_equal(&hd->parent_hash, parent) ? "matches" : "differs");
        return;
    }
    seq_hash hash;
    w->ops_check.block_hash(w->ops_check.ctx, &hash, hd);
    if (!seq_hash_equal(&hash, &c->hash)) {
        sim_fail(w, "chain", "host %zu committed height %llu under a hash not its header's", h->id,
                 (unsigned long long)hd->height);
        return;
    }
    agree(w, h, c);
}

/* --------------------------------------------------------------- evidence */

static bool evidence_pair(const sim_world *w, sim_stmt *a, sim_stmt *b, const wire_evidence *e)
{
    const cons_ops *ops = &w->ops_check;
    memset(a, 0, sizeof *a);
    memset(b, 0, sizeof *b);
    if (e->kind == WIRE_EVIDENCE_PROPOSAL || e->kind == WIRE_EVIDENCE_VOTE) {
        sim_stmt_kind kind = (sim_stmt_kind)e->kind;
        a->signer = e->u.block.a.signer, a->sig = e->u.block.a.sig;
        b->signer = e->u.block.b.signer, b->sig = e->u.block.b.sig;
        return block_stmt_of(w, a, kind, &e->u.block.a.stmt) &&
               block_stmt_of(w, b, kind, &e->u.block.b.stmt);
    }
    if (e->kind != WIRE_EVIDENCE_TIMEOUT)
        return false;
    const wire_timeout_statement *ta = &e->u.timeout.a, *tb = &e->u.timeout.b;
    *a = (sim_stmt){.kind = SIM_STMT_TIMEOUT,
                    .signer = ta->signer,
                    .view = ta->stmt.view,
                    .high_qc_view = ta->stmt.high_qc_view,
                    .sig = ta->sig};
    *b = (sim_stmt){.kind = SIM_STMT_TIMEOUT,
                    .signer = tb->signer,
                    .view = tb->stmt.view,
                    .high_qc_view = tb->stmt.high_qc_view,
                    .sig = tb->sig};
    ops->timeout_digest(ops->ctx, &a->digest, &ta->stmt);
    ops->timeout_digest(ops->ctx, &b->digest, &tb->stmt);
    return true;
}

void sim_check_evidence(sim_world *w, sim_host *h, const wire_evidence *e)
{
    SEQ_ASSERT(w != NULL && h != NULL && e != NULL);
    const cons_ops *ops = &w->ops_check;
    sim_stmt a, b;
    size_t index = 0;
    bool valid = evidence_pair(w, &a, &b, e) && seq_addr_equal(&a.signer, &b.signer) &&
                 a.view == b.view && !seq_hash_equal(&a.digest, &b.digest) &&
                 ops->verify(ops->ctx, &a.signer, &a.sig, &a.digest) &&
                 ops->verify(ops->ctx, &b.signer, &b.sig, &b.digest) &&
                 index_of(w, &index, &a.signer);
    if (!valid) {
        sim_fail(w, "evidence", "host %zu emitted invalid evidence (kind %d)", h->id, (int)e->kind);
        return;
    }
    sim_log(w, "host=%zu evidence kind=%s signer=%zu view=%llu", h->id, kind_name(a.kind), index,
            (unsigned long long)a.view);
    if (w->byz_of_index[index] == SIM_BYZ_NONE) {
        sim_fail(w, "evidence", "host %zu accused honest validator %zu (%s, view %llu)", h->id,
                 index, kind_name(a.kind), (unsigned long long)a.view);
        return;
    }
    sim_kmap_put(&h->evidence, sim_stmt_key(a.view, index, a.kind), &a.digest);
    w->result->evidence += sim_host_honest(h);
    if (sim_host_honest(h) && a.kind == SIM_STMT_VOTE)
        w->vote_evidence[index]++;
}

/* Notes a statement by a byzantine signer delivered to honest host h
 * while h's view was within SIM_EVIDENCE_WINDOW_VIEWS of it; a second,
 * different one for the same (kind, signer, view) makes evidence due. */
static void note_delivered(sim_world *w, sim_host *h, size_t signer, const sim_stmt *st)
{
    const cons_ops *ops = &w->ops_check;
    if (!ops->verify(ops->ctx, &st->signer, &st->sig, &st->digest))
        return;
    uint64_t view = cons_view(h->core);
    uint64_t distance = view > st->view ? view - st->view : st->view - view;
    if (distance > SIM_EVIDENCE_WINDOW_VIEWS)
        return;
    uint64_t key = sim_stmt_key(st->view, signer, st->kind);
    const seq_hash *first = sim_kmap_get(&h->seen, key);
    if (first == NULL)
        sim_kmap_put(&h->seen, key, &st->digest);
    else if (!seq_hash_equal(first, &st->digest))
        sim_kmap_put(&h->expected, key, &st->digest);
}

/* The double voters' Vote statements inside qc. */
static void note_qc(sim_world *w, sim_host *h, const wire_qc *qc)
{
    const cons_ops *ops = &w->ops_check;
    seq_block_stmt s = {.l2_chain_id = h->config.l2_chain_id,
                        .view = qc->view,
                        .height = qc->height,
                        .block_hash = qc->block_hash};
    sim_stmt st = {.kind = SIM_STMT_VOTE, .view = qc->view};
    ops->vote_digest(ops->ctx, &st.digest, &s);
    for (size_t i = 0; i < qc->sig_count; i++) {
        size_t signer = 0;
        if (!index_of(w, &signer, &qc->sigs[i].signer) ||
            w->byz_of_index[signer] != SIM_BYZ_DOUBLE_VOTE)
            continue;
        st.signer = qc->sigs[i].signer;
        st.sig = qc->sigs[i].sig;
        note_delivered(w, h, signer, &st);
    }
}

/* The double voters' Timeout statements inside tc. */
static void note_tc(sim_world *w, sim_host *h, const wire_tc *tc)
{
    const cons_ops *ops = &w->ops_check;
    for (size_t i = 0; i < tc->sig_count; i++) {
        const wire_timeout_sig *e = &tc->sigs[i];
        size_t signer = 0;
        if (!index_of(w, &signer, &e->signer) || w->byz_of_index[signer] != SIM_BYZ_DOUBLE_VOTE)
            continue;
        seq_timeout_stmt s = {.l2_chain_id = h->config.l2_chain_id,
                              .view = tc->view,
                              .high_qc_view = e->high_qc_view};
        sim_stmt st = {.kind = SIM_STMT_TIMEOUT,
                       .signer = e->signer,
                       .view = tc->view,
                       .high_qc_view = e->high_qc_view,
                       .sig = e->sig};
        ops->timeout_digest(ops->ctx, &st.digest, &s);
        note_delivered(w, h, signer, &st);
    }
}

/* Certificate statements count only where the core checks every
 * certificate it is given (proposals, view syncs; a stale timeout's or a
 * sync response's may be skipped), and only for double voters: in their
 * mix each block has one certificate, so the first check of any copy of
 * it records its signatures (README.md, invariant 6). */
static void note_certificates(sim_world *w, sim_host *h, const wire_msg *msg)
{
    if (msg->type == WIRE_PROPOSAL) {
        note_qc(w, h, &msg->u.proposal.justify);
        if (msg->u.proposal.has_tc)
            note_tc(w, h, &msg->u.proposal.tc);
    } else if (msg->type == WIRE_VIEW_SYNC) {
        if (msg->u.view_sync.has_qc)
            note_qc(w, h, &msg->u.view_sync.high_qc);
        if (msg->u.view_sync.has_tc)
            note_tc(w, h, &msg->u.view_sync.high_tc);
    }
}

void sim_check_delivered(sim_world *w, sim_host *h, size_t from_index, const wire_msg *msg)
{
    SEQ_ASSERT(w != NULL && h != NULL && msg != NULL);
    (void)from_index;
    if (!sim_host_honest(h) || h->core == NULL)
        return;
    note_certificates(w, h, msg);
    sim_stmt st;
    size_t signer = 0;
    if (!stmt_of(w, &st, msg) || !index_of(w, &signer, &st.signer) ||
        w->byz_of_index[signer] == SIM_BYZ_NONE)
        return;
    note_delivered(w, h, signer, &st);
}

void sim_check_step(sim_world *w, const sim_host *h, seq_err err)
{
    SEQ_ASSERT(w != NULL && h != NULL && h->core != NULL);
    if (!sim_host_honest(h))
        return;
    if (err != SEQ_OK) {
        sim_fail(w, "halt", "host %zu: cons_step: %s", h->id, seq_strerror(err));
        return;
    }
    cons_status status;
    cons_get_status(h->core, &status);
    if (status.halted)
        sim_fail(w, "halt", "host %zu halted at view %llu", h->id, (unsigned long long)status.view);
}

/* Every committed block of an honest replica has its QC on disk (a store
 * that cannot prove its chain cannot serve block sync), except blocks
 * committed so recently that the fetch of their QC may still be under way. */
static void check_committed_qcs(sim_world *w, const sim_host *h)
{
    for (uint64_t height = 1; height <= h->disk.height && !w->failed; height++) {
        if (h->disk.chain_ms[height - 1] + SIM_QC_GRACE_MS > w->now_ms)
            break;
        if (sim_map_get(&h->disk.qcs, &h->disk.chain[height - 1]) == NULL)
            sim_fail(w, "committed-qc", "host %zu committed height %llu without storing its QC",
                     h->id, (unsigned long long)height);
    }
}

/* Every double voter that kept voting was caught by some honest replica.
 * Not for tape-steered runs: a schedule may hold a double voter's votes
 * back until every certificate has formed without them. */
static void check_double_voters(sim_world *w)
{
    if (w->params.tape != NULL)
        return;
    for (size_t i = 0; i < w->n && !w->failed; i++) {
        if (w->byz_of_index[i] != SIM_BYZ_DOUBLE_VOTE ||
            w->double_votes[i] < SIM_DOUBLE_VOTES_CAUGHT || w->vote_evidence[i] > 0)
            continue;
        sim_fail(w, "double-vote-caught",
                 "validator %zu sent %llu conflicting votes and no honest replica reported one", i,
                 (unsigned long long)w->double_votes[i]);
    }
}

void sim_check_final(sim_world *w)
{
    SEQ_ASSERT(w != NULL);
    for (size_t i = 0; i < w->host_count && !w->failed; i++) {
        const sim_host *h = &w->hosts[i];
        if (sim_host_honest(h))
            check_committed_qcs(w, h);
        w->result->evidence_owed += h->expected.count;
        for (size_t s = 0; s < h->expected.cap && !w->failed; s++) {
            if (!h->expected.used[s] || sim_kmap_get(&h->evidence, h->expected.keys[s]) != NULL)
                continue;
            uint64_t view;
            size_t signer;
            sim_stmt_kind kind;
            sim_stmt_key_split(h->expected.keys[s], &view, &signer, &kind);
            sim_fail(w, "evidence-completeness",
                     "host %zu saw two %ss of validator %zu for view %llu and reported none", h->id,
                     kind_name(kind), signer, (unsigned long long)view);
        }
    }
    if (!w->failed)
        check_double_voters(w);
}

/* --------------------------------------------------------------- liveness */

void sim_live_start(sim_world *w)
{
    SEQ_ASSERT(w != NULL && !w->liveness.active);
    sim_liveness *l = &w->liveness;
    l->active = true;
    l->deadline_ms = w->now_ms + SIM_LIVENESS_MS;
    l->pending = 0;
    for (size_t i = 0; i < w->host_count; i++) {
        const sim_host *h = &w->hosts[i];
        l->done[i] = !sim_host_honest(h);
        if (l->done[i])
            continue;
        SEQ_ASSERT(h->core != NULL);
        l->height_at[i] = h->disk.height;
        l->view_at[i] = cons_view(h->core);
        l->pending++;
    }
}

void sim_live_commit(sim_world *w, const sim_host *h, const cons_block *c)
{
    SEQ_ASSERT(w != NULL && h != NULL && c != NULL);
    sim_liveness *l = &w->liveness;
    if (!l->active || l->done[h->id] || c->block.header.height <= l->height_at[h->id])
        return;
    l->done[h->id] = true;
    l->pending--;
    uint64_t view = cons_view(h->core);
    sim_hist_add(&w->result->heal_views, view - SEQ_MIN(view, l->view_at[h->id]));
}

/* The core's counters of a stuck replica, for the verbose trace. */
static void log_status(const sim_world *w, const sim_host *h)
{
    if (h->core == NULL)
        return;
    cons_status st;
    cons_get_status(h->core, &st);
    const cons_stats *s = &st.stats;
    sim_log(w,
            "host=%zu status view=%llu committed=%llu high_qc=%llu timeouts=%u dropped_stale=%llu "
            "dropped_duplicate=%llu rejected_block=%llu rejected_certificate=%llu "
            "rejected_other=%llu fetches=%llu",
            h->id, (unsigned long long)st.view, (unsigned long long)st.height_committed,
            (unsigned long long)st.high_qc_view, st.timeouts_consecutive,
            (unsigned long long)s->dropped_stale, (unsigned long long)s->dropped_duplicate,
            (unsigned long long)s->rejected_block, (unsigned long long)s->rejected_certificate,
            (unsigned long long)s->rejected_other, (unsigned long long)s->fetches_sent);
}

void sim_live_check(sim_world *w)
{
    SEQ_ASSERT(w != NULL);
    const sim_liveness *l = &w->liveness;
    if (!l->active || l->pending == 0 || w->now_ms <= l->deadline_ms)
        return;
    for (size_t i = 0; i < w->host_count; i++) {
        const sim_host *h = &w->hosts[i];
        if (l->done[i])
            continue;
        log_status(w, h);
        sim_fail(w, "liveness",
                 "host %zu committed nothing in %u ms after the heal at %llu ms (height %llu, view "
                 "%llu -> %llu)",
                 h->id, SIM_LIVENESS_MS, (unsigned long long)w->faults.heal_ms,
                 (unsigned long long)h->disk.height, (unsigned long long)l->view_at[i],
                 (unsigned long long)(h->core != NULL ? cons_view(h->core) : 0));
        return;
    }
}
