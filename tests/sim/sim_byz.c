/* sim_byz.c — byzantine hosts whose core is honest and whose host lies.
 *
 * The equivocating leader: the host takes the proposal the core made,
 * builds a second block for the same view with different transactions (so
 * a different tx root and hash), re-signs the proposal with the same key
 * through the ops table, and sends version A to one half of the other
 * replicas and version B to the other half. Some replicas also get the
 * other version a little later, so that honest replicas see both
 * statements (what evidence is made of).
 *
 * The double voter: the host sends the vote its core made (A) to its
 * recipient, the next leader, and a vote for the same view and height but
 * another block hash (B), signed with the same key, to every other
 * replica. No replica receives both votes; the other replicas see A only
 * inside the QC the leader makes from it. */
#include <string.h>

#include "sim.h"

/* Chance that a replica also receives the version meant for the other half. */
#define SIM_EQUIVOCATE_BOTH_PERMILLE 250u

typedef struct {
    seq_bytes txs[SIM_PAYLOAD_TXS_MAX];
    uint8_t bytes[SIM_PAYLOAD_TXS_MAX][SIM_PAYLOAD_TX_BYTES_MAX];
} byz_payload;

/* Builds version B of proposal a into *b; false if signing failed. */
static bool make_version_b(sim_world *w, const sim_host *h, wire_msg *b, byz_payload *p,
                           const wire_msg *a)
{
    const cons_ops *ops = &h->config.ops;
    *b = *a;
    wire_proposal *prop = &b->u.proposal;
    size_t count = (size_t)sim_rng_range(&w->rng_data, 1, SIM_PAYLOAD_TXS_MAX);
    for (size_t i = 0; i < count; i++) {
        size_t len = (size_t)sim_rng_range(&w->rng_data, 1, SIM_PAYLOAD_TX_BYTES_MAX);
        sim_rng_fill(&w->rng_data, p->bytes[i], len);
        p->txs[i] = (seq_bytes){.ptr = p->bytes[i], .len = len};
    }
    prop->block.tx_count = count;
    prop->block.txs = p->txs;
    ops->tx_root(ops->ctx, &prop->block.header.tx_root, p->txs, count);
    seq_block_stmt stmt = {.l2_chain_id = prop->block.header.l2_chain_id,
                           .view = prop->block.header.view,
                           .height = prop->block.header.height};
    ops->block_hash(ops->ctx, &stmt.block_hash, &prop->block.header);
    seq_hash digest;
    ops->proposal_digest(ops->ctx, &digest, &stmt);
    seq_err err = ops->sign(ops->ctx, &prop->sig, &digest);
    if (err != SEQ_OK) {
        sim_fail(w, "harness", "equivocation: sign: %s", seq_strerror(err));
        return false;
    }
    return true;
}

static void send_split(sim_world *w, const sim_host *h, sim_blob *a, sim_blob *b)
{
    size_t order[SIM_HOSTS_MAX];
    size_t count = 0;
    for (size_t i = 0; i < w->host_count; i++) {
        if (w->hosts[i].index != h->index)
            order[count++] = i;
    }
    sim_rng_shuffle(&w->rng_data, order, count);
    for (size_t k = 0; k < count; k++) {
        bool first_half = k < count / 2;
        sim_world_send_blob(w, h, order[k], first_half ? a : b);
        if (sim_rng_permille(&w->rng_data, SIM_EQUIVOCATE_BOTH_PERMILLE))
            sim_world_send_blob(w, h, order[k], first_half ? b : a);
    }
}

void sim_byz_equivocate(sim_world *w, const sim_host *h, const wire_msg *proposal)
{
    SEQ_ASSERT(w != NULL && h != NULL && proposal != NULL);
    SEQ_ASSERT(proposal->type == WIRE_PROPOSAL && h->byz == SIM_BYZ_EQUIVOCATE);
    wire_msg other;
    byz_payload payload;
    if (!make_version_b(w, h, &other, &payload, proposal))
        return;
    sim_blob *a = sim_world_encode(w, proposal);
    sim_blob *b = sim_world_encode(w, &other);
    if (a != NULL && b != NULL) {
        sim_log(w, "host=%zu equivocate view=%llu", h->id,
                (unsigned long long)proposal->u.proposal.block.header.view);
        send_split(w, h, a, b);
    }
    sim_blob_release(a);
    sim_blob_release(b);
}

void sim_byz_double_vote(sim_world *w, const sim_host *h, const wire_msg *vote, size_t to_index)
{
    SEQ_ASSERT(w != NULL && h != NULL && vote != NULL);
    SEQ_ASSERT(vote->type == WIRE_VOTE && h->byz == SIM_BYZ_DOUBLE_VOTE);
    SEQ_ASSERT(to_index < w->n && to_index != h->index);
    sim_world_send(w, h, to_index, vote);
    const cons_ops *ops = &h->config.ops;
    wire_msg other = *vote;
    wire_block_statement *b = &other.u.vote.vote;
    while (seq_hash_equal(&b->stmt.block_hash, &vote->u.vote.vote.stmt.block_hash))
        sim_rng_fill(&w->rng_data, b->stmt.block_hash.b, SEQ_HASH_BYTES);
    seq_hash digest;
    ops->vote_digest(ops->ctx, &digest, &b->stmt);
    seq_err err = ops->sign(ops->ctx, &b->sig, &digest);
    if (err != SEQ_OK) {
        sim_fail(w, "harness", "double vote: sign: %s", seq_strerror(err));
        return;
    }
    sim_blob *blob = sim_world_encode(w, &other);
    if (blob == NULL)
        return;
    sim_log(w, "host=%zu double-vote view=%llu to=%zu", h->id, (unsigned long long)b->stmt.view,
            to_index);
    for (size_t i = 0; i < w->host_count; i++) {
        if (w->hosts[i].index != h->index && w->hosts[i].index != to_index)
            sim_world_send_blob(w, h, i, blob);
    }
    sim_blob_release(blob);
    w->double_votes[h->index]++;
}
