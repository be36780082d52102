/* evidence.c — equivocation evidence in the node (internal.h "evidence",
 * node/README.md "Evidence").
 *
 * Three sources feed it: the core's updates (store_apply has stored the
 * evidence with the rest of the update), the batcher (two attestations of
 * one batch index by one signer) and peers' evidence messages. Each piece
 * is verified again exactly as the Committee contract will (the same
 * digests, strict signatures, one signer, same view, different contents)
 * and against the genesis committee, because a conviction on L1 is what
 * evidence is for: nothing L1 would refuse is stored, counted or relayed.
 *
 * Gossip is a flood with memory: a piece new to this node goes to every
 * peer once (the sender excepted), so it reaches every honest node that
 * is connected to any honest node that has it, and stops there because
 * the store (and the recent-key ring) turn repeats into no-ops. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

struct node_evidence {
    node_genesis genesis;
    seq_hash domain;
    store *store;
    net *net;
    uint32_t self; /* this node's committee index */
    nng_mtx *mtx;
    /* Keys taken since start, a ring (mtx). */
    uint8_t recent[NODE_EVIDENCE_RECENT_MAX][STORE_EVIDENCE_KEY_BYTES]; /* mtx */
    size_t recent_next, recent_count;                                   /* mtx */
    node_evidence_stats stats;                                          /* mtx */
    uint8_t msg[NODE_EVIDENCE_MSG_BYTES];                               /* mtx */
    uint8_t scratch[NODE_EVIDENCE_SCRATCH_BYTES];                       /* mtx */
};

const seq_addr *node_evidence_signer(const wire_evidence *e)
{
    SEQ_ASSERT(e != NULL);
    if (e->kind == WIRE_EVIDENCE_TIMEOUT)
        return &e->u.timeout.a.signer;
    if (e->kind == WIRE_EVIDENCE_ATTESTATION)
        return &e->u.attestation.a.signer;
    return &e->u.block.a.signer;
}

uint64_t node_evidence_view(const wire_evidence *e)
{
    SEQ_ASSERT(e != NULL);
    if (e->kind == WIRE_EVIDENCE_TIMEOUT)
        return e->u.timeout.a.stmt.view;
    if (e->kind == WIRE_EVIDENCE_ATTESTATION)
        return e->u.attestation.a.stmt.index;
    return e->u.block.a.stmt.view;
}

void node_evidence_to_l1(l1_evidence *out, const wire_evidence *e)
{
    SEQ_ASSERT(out != NULL && e != NULL);
    memset(out, 0, sizeof *out);
    out->kind = (l1_evidence_kind)e->kind; /* the same numbering */
    switch (e->kind) {
    case WIRE_EVIDENCE_TIMEOUT:
        out->a.timeout = e->u.timeout.a.stmt;
        out->b.timeout = e->u.timeout.b.stmt;
        out->sig_a = e->u.timeout.a.sig;
        out->sig_b = e->u.timeout.b.sig;
        break;
    case WIRE_EVIDENCE_ATTESTATION:
        out->a.attestation = e->u.attestation.a.stmt;
        out->b.attestation = e->u.attestation.b.stmt;
        out->sig_a = e->u.attestation.a.sig;
        out->sig_b = e->u.attestation.b.sig;
        break;
    default:
        out->a.block = e->u.block.a.stmt;
        out->b.block = e->u.block.b.stmt;
        out->sig_a = e->u.block.a.sig;
        out->sig_b = e->u.block.b.sig;
        break;
    }
}

static bool member_index(const node_evidence *ev, size_t *index, const seq_addr *a)
{
    for (size_t i = 0; i < ev->genesis.validator_count; i++) {
        if (seq_addr_equal(&ev->genesis.validators[i].address, a)) {
            *index = i;
            return true;
        }
    }
    return false;
}

seq_err node_evidence_verify(const node_evidence *ev, size_t *index, const char **why,
                             const wire_evidence *e)
{
    SEQ_ASSERT(ev != NULL && index != NULL && why != NULL && e != NULL);
    *index = 0;
    l1_evidence l;
    node_evidence_to_l1(&l, e);
    seq_addr signer;
    seq_err err = l1_evidence_check(&l, &ev->domain, ev->genesis.l2_chain_id, &signer, why);
    if (err != SEQ_OK)
        return err;
    /* The wire form names its signer; it must be the one that signed. */
    if (!seq_addr_equal(&signer, node_evidence_signer(e))) {
        *why = "SignerMismatch";
        return SEQ_ERR_BAD_SIGNATURE;
    }
    if (!member_index(ev, index, &signer)) {
        *why = "NotMember";
        return SEQ_ERR_NOT_FOUND;
    }
    return SEQ_OK;
}

/* ------------------------------------------------------------- recent */

static bool recent_has(const node_evidence *ev, const uint8_t key[STORE_EVIDENCE_KEY_BYTES])
{
    for (size_t i = 0; i < ev->recent_count; i++)
        if (memcmp(ev->recent[i], key, STORE_EVIDENCE_KEY_BYTES) == 0)
            return true;
    return false;
}

static void recent_add(node_evidence *ev, const uint8_t key[STORE_EVIDENCE_KEY_BYTES])
{
    memcpy(ev->recent[ev->recent_next], key, STORE_EVIDENCE_KEY_BYTES);
    ev->recent_next = (ev->recent_next + 1) % NODE_EVIDENCE_RECENT_MAX;
    if (ev->recent_count < NODE_EVIDENCE_RECENT_MAX)
        ev->recent_count++;
}

/* ------------------------------------------------------------- gossip */

/* Broadcasts e to every peer but `except` (UINT32_MAX: none). mtx held. */
static void gossip(node_evidence *ev, const wire_evidence *e, uint32_t except)
{
    if (ev->net == NULL)
        return;
    wire_msg msg = {.type = WIRE_EVIDENCE};
    msg.u.evidence = *e;
    seq_arena arena;
    seq_arena_init(&arena, ev->scratch, sizeof ev->scratch);
    size_t len = 0;
    seq_err err = wire_encode(ev->msg, sizeof ev->msg, &len, &arena, &msg);
    bool sent = false;
    for (uint32_t i = 0; err == SEQ_OK && i < ev->genesis.validator_count; i++) {
        if (i == except || i == ev->self)
            continue;
        seq_err e2 = net_send(ev->net, i, ev->msg, len);
        sent |= e2 == SEQ_OK;
        if (e2 != SEQ_OK && e2 != SEQ_ERR_NO_SPACE) /* a full queue is counted by net */
            SEQ_LOG(SEQ_LOG_WARN, "evidence_send_failed", SEQ_F_U64("to", i), SEQ_F_ERR(e2));
    }
    if (err != SEQ_OK)
        SEQ_LOG(SEQ_LOG_ERROR, "encode_failed", SEQ_F_STR("type", "evidence"), SEQ_F_ERR(err));
    if (sent)
        ev->stats.gossiped++;
}

/* --------------------------------------------------------------- take */

static const char *source_name(node_evidence_source source)
{
    switch (source) {
    case NODE_EVIDENCE_FROM_CORE:
        return "core";
    case NODE_EVIDENCE_FROM_BATCHER:
        return "batcher";
    case NODE_EVIDENCE_FROM_PEER:
        return "peer";
    }
    return "unknown";
}

const char *node_evidence_kind_name(wire_evidence_kind kind)
{
    switch (kind) {
    case WIRE_EVIDENCE_PROPOSAL:
        return "proposal";
    case WIRE_EVIDENCE_VOTE:
        return "vote";
    case WIRE_EVIDENCE_TIMEOUT:
        return "timeout";
    case WIRE_EVIDENCE_ATTESTATION:
        return "attestation";
    }
    return "unknown";
}

/* Stores e unless the core's update did; the result for a valid piece
 * whose key is not in the ring. mtx held. */
static node_evidence_result store_new(node_evidence *ev, const wire_evidence *e,
                                      node_evidence_source source)
{
    seq_err err = store_put_evidence(ev->store, e);
    if (err == SEQ_OK)
        return NODE_EVIDENCE_NEW;
    if (err == SEQ_ERR_EXISTS) /* the core's own is stored with its update */
        return source == NODE_EVIDENCE_FROM_CORE ? NODE_EVIDENCE_NEW : NODE_EVIDENCE_KNOWN;
    if (err == SEQ_ERR_TOO_LARGE) {
        ev->stats.capped++;
        return NODE_EVIDENCE_CAPPED;
    }
    ev->stats.store_failures++;
    SEQ_LOG(SEQ_LOG_ERROR, "evidence_store_failed", SEQ_F_STR("source", source_name(source)),
            SEQ_F_ERR(err));
    return NODE_EVIDENCE_FAILED;
}

node_evidence_result node_evidence_add(node_evidence *ev, const wire_evidence *e,
                                       node_evidence_source source, uint32_t from)
{
    SEQ_ASSERT(ev != NULL && e != NULL);
    const char *why = NULL;
    size_t index = 0;
    uint8_t key[STORE_EVIDENCE_KEY_BYTES];
    nng_mtx_lock(ev->mtx);
    node_evidence_result result = NODE_EVIDENCE_KNOWN;
    seq_err err = SEQ_OK;
    if (e->kind < WIRE_EVIDENCE_PROPOSAL || e->kind > WIRE_EVIDENCE_ATTESTATION) {
        err = SEQ_ERR_INVALID_ARG;
        why = "UnknownKind";
    } else {
        store_evidence_key(key, e);
        if (recent_has(ev, key))
            goto done;
        err = node_evidence_verify(ev, &index, &why, e);
    }
    if (err != SEQ_OK) {
        result = NODE_EVIDENCE_INVALID;
        ev->stats.invalid++;
        /* From the core or the batcher this is a bug; from a peer, a lie. */
        SEQ_LOG(source == NODE_EVIDENCE_FROM_PEER ? SEQ_LOG_WARN : SEQ_LOG_ERROR,
                "evidence_invalid", SEQ_F_STR("source", source_name(source)),
                SEQ_F_U64("peer", source == NODE_EVIDENCE_FROM_PEER ? from : UINT32_MAX),
                SEQ_F_STR("why", why), SEQ_F_ERR(err));
        goto done;
    }
    result = store_new(ev, e, source);
    if (result == NODE_EVIDENCE_FAILED)
        goto done; /* not remembered: the next copy may be stored */
    recent_add(ev, key);
    if (result != NODE_EVIDENCE_NEW)
        goto done;
    node_evidence_validator *v = &ev->stats.validators[index];
    if (source == NODE_EVIDENCE_FROM_PEER) {
        v->received++;
        ev->stats.received++;
    } else {
        v->detected++;
        ev->stats.detected++;
    }
    SEQ_LOG(SEQ_LOG_WARN, "evidence", SEQ_F_STR("kind", node_evidence_kind_name(e->kind)),
            SEQ_F_HEX("signer", node_evidence_signer(e)->b, SEQ_ADDR_BYTES),
            SEQ_F_U64("view", node_evidence_view(e)), SEQ_F_STR("source", source_name(source)));
    gossip(ev, e, source == NODE_EVIDENCE_FROM_PEER ? from : UINT32_MAX);
done:
    if (result == NODE_EVIDENCE_KNOWN)
        ev->stats.known++;
    nng_mtx_unlock(ev->mtx);
    return result;
}

/* ------------------------------------------------------------ from L1 */

static node_evidence_validator *validator_of(node_evidence *ev, const seq_addr *a)
{
    size_t i;
    return member_index(ev, &i, a) ? &ev->stats.validators[i] : NULL;
}

void node_evidence_note_submitted(node_evidence *ev, const seq_addr *validator)
{
    SEQ_ASSERT(ev != NULL && validator != NULL);
    nng_mtx_lock(ev->mtx);
    node_evidence_validator *v = validator_of(ev, validator);
    if (v != NULL) {
        v->submitted++;
        ev->stats.submitted++;
    }
    nng_mtx_unlock(ev->mtx);
}

void node_evidence_note_accepted(node_evidence *ev, const seq_addr *validator)
{
    SEQ_ASSERT(ev != NULL && validator != NULL);
    nng_mtx_lock(ev->mtx);
    node_evidence_validator *v = validator_of(ev, validator);
    if (v != NULL) {
        v->accepted++;
        ev->stats.accepted++;
    }
    nng_mtx_unlock(ev->mtx);
}

void node_evidence_note_slashed(node_evidence *ev, const seq_addr *validator)
{
    SEQ_ASSERT(ev != NULL && validator != NULL);
    nng_mtx_lock(ev->mtx);
    node_evidence_validator *v = validator_of(ev, validator);
    if (v != NULL)
        v->slashed = true;
    nng_mtx_unlock(ev->mtx);
}

void node_evidence_note_refused(node_evidence *ev)
{
    SEQ_ASSERT(ev != NULL);
    nng_mtx_lock(ev->mtx);
    ev->stats.submit_refused++;
    nng_mtx_unlock(ev->mtx);
}

void node_evidence_note_failed(node_evidence *ev)
{
    SEQ_ASSERT(ev != NULL);
    nng_mtx_lock(ev->mtx);
    ev->stats.submit_failed++;
    nng_mtx_unlock(ev->mtx);
}

bool node_evidence_slashed(const node_evidence *ev, size_t index)
{
    SEQ_ASSERT(ev != NULL);
    if (index >= ev->genesis.validator_count)
        return false;
    nng_mtx_lock(ev->mtx);
    bool slashed = ev->stats.validators[index].slashed;
    nng_mtx_unlock(ev->mtx);
    return slashed;
}

void node_evidence_stats_get(const node_evidence *ev, node_evidence_stats *out)
{
    SEQ_ASSERT(ev != NULL && out != NULL);
    nng_mtx_lock(ev->mtx);
    *out = ev->stats;
    nng_mtx_unlock(ev->mtx);
}

/* ------------------------------------------------------------ set up */

seq_err node_evidence_new(node_evidence **out, const node_evidence_config *config)
{
    SEQ_ASSERT(out != NULL && config != NULL && config->genesis != NULL && config->store != NULL);
    *out = NULL;
    node_evidence *ev = calloc(1, sizeof *ev);
    if (ev == NULL)
        return SEQ_ERR_NO_MEMORY;
    if (nng_mtx_alloc(&ev->mtx) != 0) {
        free(ev);
        return SEQ_ERR_NO_MEMORY;
    }
    ev->genesis = *config->genesis;
    node_genesis_domain_separator(&ev->domain, &ev->genesis);
    ev->store = config->store;
    ev->net = config->net;
    ev->self = (uint32_t)config->self_index;
    *out = ev;
    return SEQ_OK;
}

void node_evidence_free(node_evidence *ev)
{
    if (ev == NULL)
        return;
    nng_mtx_free(ev->mtx);
    free(ev);
}
