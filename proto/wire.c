/* wire.c — strict codec between seqd's plain wire structs and seqd.proto v1.
 *
 * Decoding runs in three steps:
 *   1. protobuf-c unpacks the envelope, allocating only from the caller's
 *      arena (a bump allocator; exhaustion fails the decode cleanly);
 *   2. from_pb_* copies it into plain structs, enforcing every size, count,
 *      order and consistency rule;
 *   3. to_pb_* rebuilds the protobuf value from the plain structs and packs
 *      it into a buffer that compares against the input as it goes: any
 *      difference (unknown fields, odd field order, long varints, explicit
 *      defaults, duplicated fields) is SEQ_ERR_NONCANONICAL.
 * Step 3 is the same code wire_encode uses, so everything that decodes
 * re-encodes to the identical bytes. */
#include "wire.h"

#include <string.h>

#include "seqd.pb-c.h"

typedef Seqd__V1__Envelope pb_envelope;

/* ------------------------------------------------------ arena allocator */

typedef struct {
    ProtobufCAllocator base;
    seq_arena *arena;
    bool exhausted;
} arena_allocator;

static void *arena_alloc_cb(void *data, size_t size)
{
    arena_allocator *a = data;
    void *p = seq_arena_alloc(a->arena, size);
    if (p == NULL)
        a->exhausted = true;
    return p;
}

static void arena_free_cb(void *data, void *ptr)
{
    (void)data; /* bump allocator: freed all at once by the arena's owner */
    (void)ptr;
}

static void arena_allocator_init(arena_allocator *a, seq_arena *arena)
{
    a->base.alloc = arena_alloc_cb;
    a->base.free = arena_free_cb;
    a->base.allocator_data = a;
    a->arena = arena;
    a->exhausted = false;
}

/* Allocates count elements of size bytes each, checking the product. */
static void *arena_array(seq_arena *arena, size_t count, size_t size)
{
    if (count != 0 && size > SIZE_MAX / count)
        return NULL;
    return seq_arena_alloc(arena, count * size);
}

/* ---------------------------------------------------- comparing buffer */

/* A ProtobufCBuffer that, instead of storing, compares what is appended
 * with the expected bytes. */
typedef struct {
    ProtobufCBuffer base;
    const uint8_t *expected;
    size_t expected_len;
    size_t pos;
    bool mismatch;
} compare_buffer;

static void compare_append(ProtobufCBuffer *buffer, size_t len, const uint8_t *data)
{
    compare_buffer *c = (compare_buffer *)buffer;
    if (c->mismatch)
        return;
    if (len > c->expected_len - c->pos || memcmp(c->expected + c->pos, data, len) != 0) {
        c->mismatch = true;
        return;
    }
    c->pos += len;
}

/* ------------------------------------------------------- field decoders */

static seq_err get_fixed(uint8_t *out, size_t out_len, ProtobufCBinaryData in)
{
    if (in.len != out_len)
        return SEQ_ERR_MALFORMED;
    memcpy(out, in.data, out_len);
    return SEQ_OK;
}

static seq_err get_hash(seq_hash *out, ProtobufCBinaryData in)
{
    return get_fixed(out->b, sizeof out->b, in);
}

static seq_err get_addr(seq_addr *out, ProtobufCBinaryData in)
{
    return get_fixed(out->b, sizeof out->b, in);
}

/* A secp256k1 signature is r || s || v with v in {27, 28}; anything else
 * cannot verify and is rejected before any curve arithmetic. */
static seq_err get_sig(seq_sig *out, ProtobufCBinaryData in)
{
    seq_err err = get_fixed(out->b, sizeof out->b, in);
    if (err != SEQ_OK)
        return err;
    uint8_t v = out->b[SEQ_SIG_BYTES - 1];
    return (v == 27 || v == 28) ? SEQ_OK : SEQ_ERR_MALFORMED;
}

#define TRY(expr)                  \
    do {                           \
        seq_err try_err_ = (expr); \
        if (try_err_ != SEQ_OK)    \
            return try_err_;       \
    } while (0)

static seq_err from_pb_header(seq_block_header *out, const Seqd__V1__Header *in)
{
    if (in == NULL)
        return SEQ_ERR_MALFORMED;
    out->l2_chain_id = in->l2_chain_id;
    out->height = in->height;
    out->view = in->view;
    TRY(get_hash(&out->parent_hash, in->parent_hash));
    TRY(get_hash(&out->tx_root, in->tx_root));
    out->l1_origin_number = in->l1_origin_number;
    TRY(get_hash(&out->l1_origin_hash, in->l1_origin_hash));
    out->forced_cursor = in->forced_cursor;
    out->timestamp_ms = in->timestamp_ms;
    TRY(get_addr(&out->proposer, in->proposer));
    return SEQ_OK;
}

/* Copies a list of tx blobs, each non-empty and within its cap. */
static seq_err from_pb_txs(const seq_bytes **out, seq_arena *arena, const ProtobufCBinaryData *in,
                           size_t count, size_t count_max, size_t total_max)
{
    if (count > count_max)
        return SEQ_ERR_TOO_LARGE;
    seq_bytes *txs = arena_array(arena, count, sizeof *txs);
    if (txs == NULL)
        return SEQ_ERR_TOO_LARGE;
    size_t total = 0;
    for (size_t i = 0; i < count; i++) {
        if (in[i].len == 0)
            return SEQ_ERR_MALFORMED;
        if (in[i].len > WIRE_TX_BYTES_MAX)
            return SEQ_ERR_TOO_LARGE;
        total += in[i].len;
        if (total > total_max)
            return SEQ_ERR_TOO_LARGE;
        txs[i] = (seq_bytes){.ptr = in[i].data, .len = in[i].len};
    }
    *out = txs;
    return SEQ_OK;
}

static seq_err from_pb_block(wire_block *out, seq_arena *arena, const Seqd__V1__Block *in)
{
    if (in == NULL)
        return SEQ_ERR_MALFORMED;
    TRY(from_pb_header(&out->header, in->header));
    out->tx_count = in->n_txs;
    return from_pb_txs(&out->txs, arena, in->txs, in->n_txs, WIRE_BLOCK_TXS_MAX,
                       WIRE_BLOCK_TX_BYTES_MAX);
}

static seq_err from_pb_qc(wire_qc *out, seq_arena *arena, const Seqd__V1__QuorumCert *in)
{
    if (in == NULL)
        return SEQ_ERR_MALFORMED;
    if (in->n_sigs > WIRE_VALIDATORS_MAX)
        return SEQ_ERR_TOO_LARGE;
    out->view = in->view;
    out->height = in->height;
    TRY(get_hash(&out->block_hash, in->block_hash));
    wire_sig *sigs = arena_array(arena, in->n_sigs, sizeof *sigs);
    if (sigs == NULL)
        return SEQ_ERR_TOO_LARGE;
    for (size_t i = 0; i < in->n_sigs; i++) {
        if (in->sigs[i] == NULL)
            return SEQ_ERR_MALFORMED;
        TRY(get_addr(&sigs[i].signer, in->sigs[i]->signer));
        TRY(get_sig(&sigs[i].sig, in->sigs[i]->sig));
        if (i > 0 && seq_addr_compare(&sigs[i - 1].signer, &sigs[i].signer) >= 0)
            return SEQ_ERR_MALFORMED;
    }
    out->sig_count = in->n_sigs;
    out->sigs = sigs;
    return SEQ_OK;
}

static seq_err from_pb_tc(wire_tc *out, seq_arena *arena, const Seqd__V1__TimeoutCert *in)
{
    if (in == NULL || in->n_sigs == 0)
        return SEQ_ERR_MALFORMED;
    if (in->n_sigs > WIRE_VALIDATORS_MAX)
        return SEQ_ERR_TOO_LARGE;
    out->view = in->view;
    wire_timeout_sig *sigs = arena_array(arena, in->n_sigs, sizeof *sigs);
    if (sigs == NULL)
        return SEQ_ERR_TOO_LARGE;
    for (size_t i = 0; i < in->n_sigs; i++) {
        const Seqd__V1__TimeoutSignature *s = in->sigs[i];
        if (s == NULL)
            return SEQ_ERR_MALFORMED;
        TRY(get_addr(&sigs[i].signer, s->signer));
        sigs[i].high_qc_view = s->high_qc_view;
        TRY(get_sig(&sigs[i].sig, s->sig));
        if (i > 0 && seq_addr_compare(&sigs[i - 1].signer, &sigs[i].signer) >= 0)
            return SEQ_ERR_MALFORMED;
    }
    out->sig_count = in->n_sigs;
    out->sigs = sigs;
    return SEQ_OK;
}

static seq_err from_pb_block_stmt(wire_block_statement *out, const Seqd__V1__BlockStatement *in)
{
    if (in == NULL)
        return SEQ_ERR_MALFORMED;
    out->stmt.l2_chain_id = in->l2_chain_id;
    out->stmt.view = in->view;
    out->stmt.height = in->height;
    TRY(get_hash(&out->stmt.block_hash, in->block_hash));
    TRY(get_addr(&out->signer, in->signer));
    return get_sig(&out->sig, in->sig);
}

static seq_err from_pb_timeout_stmt(wire_timeout_statement *out,
                                    const Seqd__V1__TimeoutStatement *in)
{
    if (in == NULL)
        return SEQ_ERR_MALFORMED;
    out->stmt.l2_chain_id = in->l2_chain_id;
    out->stmt.view = in->view;
    out->stmt.high_qc_view = in->high_qc_view;
    TRY(get_addr(&out->signer, in->signer));
    return get_sig(&out->sig, in->sig);
}

static seq_err from_pb_attestation(wire_attestation *out, const Seqd__V1__BatchAttestation *in)
{
    if (in == NULL)
        return SEQ_ERR_MALFORMED;
    out->stmt.l2_chain_id = in->l2_chain_id;
    out->stmt.index = in->index;
    TRY(get_hash(&out->stmt.prev_batch_hash, in->prev_batch_hash));
    TRY(get_hash(&out->stmt.data_hash, in->data_hash));
    out->stmt.first_height = in->first_height;
    out->stmt.last_height = in->last_height;
    out->stmt.forced_cursor = in->forced_cursor;
    if (out->stmt.first_height > out->stmt.last_height)
        return SEQ_ERR_MALFORMED;
    TRY(get_addr(&out->signer, in->signer));
    return get_sig(&out->sig, in->sig);
}

/* --------------------------------------------------- message decoders */

static seq_err from_pb_proposal(wire_proposal *out, seq_arena *arena, const Seqd__V1__Proposal *in)
{
    TRY(from_pb_block(&out->block, arena, in->block));
    TRY(from_pb_qc(&out->justify, arena, in->justify));
    out->has_tc = in->tc != NULL;
    if (out->has_tc)
        TRY(from_pb_tc(&out->tc, arena, in->tc));
    return get_sig(&out->sig, in->sig);
}

static seq_err from_pb_timeout(wire_timeout *out, seq_arena *arena, const Seqd__V1__Timeout *in)
{
    TRY(from_pb_timeout_stmt(&out->stmt, in->stmt));
    TRY(from_pb_qc(&out->high_qc, arena, in->high_qc));
    if (out->stmt.stmt.high_qc_view != out->high_qc.view)
        return SEQ_ERR_MALFORMED;
    return SEQ_OK;
}

static seq_err from_pb_view_sync(wire_view_sync *out, seq_arena *arena,
                                 const Seqd__V1__ViewSync *in)
{
    if (in->high_qc == NULL && in->high_tc == NULL)
        return SEQ_ERR_MALFORMED;
    out->has_qc = in->high_qc != NULL;
    if (out->has_qc)
        TRY(from_pb_qc(&out->high_qc, arena, in->high_qc));
    out->has_tc = in->high_tc != NULL;
    if (out->has_tc)
        TRY(from_pb_tc(&out->high_tc, arena, in->high_tc));
    return SEQ_OK;
}

static seq_err from_pb_sync_request(wire_sync_request *out, const Seqd__V1__SyncRequest *in)
{
    out->by_hash = in->block_hash.len != 0;
    if (out->by_hash) {
        TRY(get_hash(&out->block_hash, in->block_hash));
        if (seq_hash_is_zero(&out->block_hash) || in->from_height != 0 || in->max_blocks != 0)
            return SEQ_ERR_MALFORMED;
        return SEQ_OK;
    }
    if (in->max_blocks == 0)
        return SEQ_ERR_MALFORMED;
    if (in->max_blocks > WIRE_SYNC_BLOCKS_MAX)
        return SEQ_ERR_TOO_LARGE;
    out->from_height = in->from_height;
    out->max_blocks = in->max_blocks;
    return SEQ_OK;
}

static seq_err from_pb_sync_response(wire_sync_response *out, seq_arena *arena,
                                     const Seqd__V1__SyncResponse *in)
{
    if (in->n_blocks > WIRE_SYNC_BLOCKS_MAX)
        return SEQ_ERR_TOO_LARGE;
    wire_certified_block *blocks = arena_array(arena, in->n_blocks, sizeof *blocks);
    if (blocks == NULL)
        return SEQ_ERR_TOO_LARGE;
    for (size_t i = 0; i < in->n_blocks; i++) {
        if (in->blocks[i] == NULL)
            return SEQ_ERR_MALFORMED;
        TRY(from_pb_block(&blocks[i].block, arena, in->blocks[i]->block));
        TRY(from_pb_qc(&blocks[i].qc, arena, in->blocks[i]->qc));
    }
    out->count = in->n_blocks;
    out->blocks = blocks;
    return SEQ_OK;
}

static seq_err from_pb_tx_batch(wire_tx_batch *out, seq_arena *arena, const Seqd__V1__TxBatch *in)
{
    if (in->n_txs == 0)
        return SEQ_ERR_MALFORMED;
    out->count = in->n_txs;
    TRY(from_pb_txs(&out->txs, arena, in->txs, in->n_txs, WIRE_TX_BATCH_MAX,
                    WIRE_TX_BATCH_BYTES_MAX));
    out->senders = NULL;
    if (in->n_senders == 0)
        return SEQ_OK;
    if (in->n_senders != in->n_txs)
        return SEQ_ERR_MALFORMED;
    seq_addr *senders = arena_array(arena, in->n_senders, sizeof *senders);
    if (senders == NULL)
        return SEQ_ERR_TOO_LARGE;
    for (size_t i = 0; i < in->n_senders; i++) {
        /* Empty is "no sender"; an explicit zero address would not
         * re-encode to the same bytes. */
        if (in->senders[i].len == 0)
            memset(&senders[i], 0, sizeof senders[i]);
        else if (get_addr(&senders[i], in->senders[i]) != SEQ_OK || seq_addr_is_zero(&senders[i]))
            return SEQ_ERR_MALFORMED;
    }
    out->senders = senders;
    return SEQ_OK;
}

static seq_err from_pb_evidence(wire_evidence *out, const Seqd__V1__Evidence *in)
{
    bool has_block = in->block_a != NULL || in->block_b != NULL;
    bool has_timeout = in->timeout_a != NULL || in->timeout_b != NULL;
    bool has_att = in->attestation_a != NULL || in->attestation_b != NULL;
    switch (in->kind) {
    case SEQD__V1__EVIDENCE_KIND__EVIDENCE_KIND_PROPOSAL:
    case SEQD__V1__EVIDENCE_KIND__EVIDENCE_KIND_VOTE:
        if (has_timeout || has_att)
            return SEQ_ERR_MALFORMED;
        out->kind = in->kind == SEQD__V1__EVIDENCE_KIND__EVIDENCE_KIND_PROPOSAL
                        ? WIRE_EVIDENCE_PROPOSAL
                        : WIRE_EVIDENCE_VOTE;
        TRY(from_pb_block_stmt(&out->u.block.a, in->block_a));
        return from_pb_block_stmt(&out->u.block.b, in->block_b);
    case SEQD__V1__EVIDENCE_KIND__EVIDENCE_KIND_TIMEOUT:
        if (has_block || has_att)
            return SEQ_ERR_MALFORMED;
        out->kind = WIRE_EVIDENCE_TIMEOUT;
        TRY(from_pb_timeout_stmt(&out->u.timeout.a, in->timeout_a));
        return from_pb_timeout_stmt(&out->u.timeout.b, in->timeout_b);
    case SEQD__V1__EVIDENCE_KIND__EVIDENCE_KIND_ATTESTATION:
        if (has_block || has_timeout)
            return SEQ_ERR_MALFORMED;
        out->kind = WIRE_EVIDENCE_ATTESTATION;
        TRY(from_pb_attestation(&out->u.attestation.a, in->attestation_a));
        return from_pb_attestation(&out->u.attestation.b, in->attestation_b);
    default:
        return SEQ_ERR_MALFORMED;
    }
}

static seq_err from_pb_hello(wire_hello *out, const Seqd__V1__Hello *in)
{
    TRY(get_hash(&out->genesis_hash, in->genesis_hash));
    return get_fixed(out->kx_public_key, sizeof out->kx_public_key, in->kx_public_key);
}

static seq_err from_pb_auth(wire_auth *out, const Seqd__V1__Auth *in)
{
    TRY(get_addr(&out->validator, in->validator));
    TRY(get_fixed(out->transport_public_key, sizeof out->transport_public_key,
                  in->transport_public_key));
    return get_fixed(out->transcript_sig, sizeof out->transcript_sig, in->transcript_sig);
}

static seq_err from_pb_envelope(wire_msg *out, seq_arena *arena, const pb_envelope *env)
{
    switch (env->body_case) {
    case SEQD__V1__ENVELOPE__BODY_HELLO:
        out->type = WIRE_HELLO;
        return from_pb_hello(&out->u.hello, env->hello);
    case SEQD__V1__ENVELOPE__BODY_AUTH:
        out->type = WIRE_AUTH;
        return from_pb_auth(&out->u.auth, env->auth);
    case SEQD__V1__ENVELOPE__BODY_PROPOSAL:
        out->type = WIRE_PROPOSAL;
        return from_pb_proposal(&out->u.proposal, arena, env->proposal);
    case SEQD__V1__ENVELOPE__BODY_VOTE:
        out->type = WIRE_VOTE;
        return from_pb_block_stmt(&out->u.vote.vote, env->vote->stmt);
    case SEQD__V1__ENVELOPE__BODY_TIMEOUT:
        out->type = WIRE_TIMEOUT;
        return from_pb_timeout(&out->u.timeout, arena, env->timeout);
    case SEQD__V1__ENVELOPE__BODY_VIEW_SYNC:
        out->type = WIRE_VIEW_SYNC;
        return from_pb_view_sync(&out->u.view_sync, arena, env->view_sync);
    case SEQD__V1__ENVELOPE__BODY_SYNC_REQUEST:
        out->type = WIRE_SYNC_REQUEST;
        return from_pb_sync_request(&out->u.sync_request, env->sync_request);
    case SEQD__V1__ENVELOPE__BODY_SYNC_RESPONSE:
        out->type = WIRE_SYNC_RESPONSE;
        return from_pb_sync_response(&out->u.sync_response, arena, env->sync_response);
    case SEQD__V1__ENVELOPE__BODY_TX_BATCH:
        out->type = WIRE_TX_BATCH;
        return from_pb_tx_batch(&out->u.tx_batch, arena, env->tx_batch);
    case SEQD__V1__ENVELOPE__BODY_EVIDENCE:
        out->type = WIRE_EVIDENCE;
        return from_pb_evidence(&out->u.evidence, env->evidence);
    case SEQD__V1__ENVELOPE__BODY_ATTESTATION:
        out->type = WIRE_ATTESTATION;
        return from_pb_attestation(&out->u.attestation, env->attestation);
    default:
        return SEQ_ERR_MALFORMED;
    }
}

/* ------------------------------------------------------- field encoders */

/* The encoder builds generated structs in the scratch arena. Their byte
 * fields point at the caller's message; nothing is copied. */

static ProtobufCBinaryData pb_bytes(const uint8_t *data, size_t len)
{
    return (ProtobufCBinaryData){.len = len, .data = (uint8_t *)data};
}

#define PB_NEW(arena, type, init_fn, out)               \
    do {                                                \
        (out) = seq_arena_alloc((arena), sizeof(type)); \
        if ((out) == NULL)                              \
            return SEQ_ERR_TOO_LARGE;                   \
        init_fn(out);                                   \
    } while (0)

static bool sig_v_valid(const seq_sig *sig)
{
    uint8_t v = sig->b[SEQ_SIG_BYTES - 1];
    return v == 27 || v == 28;
}

static seq_err to_pb_header(Seqd__V1__Header **out, seq_arena *arena, const seq_block_header *h)
{
    Seqd__V1__Header *p;
    PB_NEW(arena, Seqd__V1__Header, seqd__v1__header__init, p);
    p->l2_chain_id = h->l2_chain_id;
    p->height = h->height;
    p->view = h->view;
    p->parent_hash = pb_bytes(h->parent_hash.b, SEQ_HASH_BYTES);
    p->tx_root = pb_bytes(h->tx_root.b, SEQ_HASH_BYTES);
    p->l1_origin_number = h->l1_origin_number;
    p->l1_origin_hash = pb_bytes(h->l1_origin_hash.b, SEQ_HASH_BYTES);
    p->forced_cursor = h->forced_cursor;
    p->timestamp_ms = h->timestamp_ms;
    p->proposer = pb_bytes(h->proposer.b, SEQ_ADDR_BYTES);
    *out = p;
    return SEQ_OK;
}

static seq_err to_pb_txs(ProtobufCBinaryData **out, seq_arena *arena, const seq_bytes *txs,
                         size_t count, size_t count_max, size_t total_max)
{
    if (count > count_max)
        return SEQ_ERR_TOO_LARGE;
    ProtobufCBinaryData *p = arena_array(arena, count, sizeof *p);
    if (p == NULL)
        return SEQ_ERR_TOO_LARGE;
    size_t total = 0;
    for (size_t i = 0; i < count; i++) {
        if (txs[i].len == 0 || txs[i].ptr == NULL)
            return SEQ_ERR_INVALID_ARG;
        if (txs[i].len > WIRE_TX_BYTES_MAX)
            return SEQ_ERR_TOO_LARGE;
        total += txs[i].len;
        if (total > total_max)
            return SEQ_ERR_TOO_LARGE;
        p[i] = pb_bytes(txs[i].ptr, txs[i].len);
    }
    *out = p;
    return SEQ_OK;
}

static seq_err to_pb_block(Seqd__V1__Block **out, seq_arena *arena, const wire_block *b)
{
    Seqd__V1__Block *p;
    PB_NEW(arena, Seqd__V1__Block, seqd__v1__block__init, p);
    TRY(to_pb_header(&p->header, arena, &b->header));
    TRY(to_pb_txs(&p->txs, arena, b->txs, b->tx_count, WIRE_BLOCK_TXS_MAX,
                  WIRE_BLOCK_TX_BYTES_MAX));
    p->n_txs = b->tx_count;
    *out = p;
    return SEQ_OK;
}

static seq_err to_pb_qc(Seqd__V1__QuorumCert **out, seq_arena *arena, const wire_qc *qc)
{
    if (qc->sig_count > WIRE_VALIDATORS_MAX)
        return SEQ_ERR_TOO_LARGE;
    Seqd__V1__QuorumCert *p;
    PB_NEW(arena, Seqd__V1__QuorumCert, seqd__v1__quorum_cert__init, p);
    p->view = qc->view;
    p->height = qc->height;
    p->block_hash = pb_bytes(qc->block_hash.b, SEQ_HASH_BYTES);
    p->sigs = arena_array(arena, qc->sig_count, sizeof *p->sigs);
    if (p->sigs == NULL)
        return SEQ_ERR_TOO_LARGE;
    for (size_t i = 0; i < qc->sig_count; i++) {
        const wire_sig *s = &qc->sigs[i];
        if (!sig_v_valid(&s->sig) ||
            (i > 0 && seq_addr_compare(&qc->sigs[i - 1].signer, &s->signer) >= 0))
            return SEQ_ERR_INVALID_ARG;
        PB_NEW(arena, Seqd__V1__Signature, seqd__v1__signature__init, p->sigs[i]);
        p->sigs[i]->signer = pb_bytes(s->signer.b, SEQ_ADDR_BYTES);
        p->sigs[i]->sig = pb_bytes(s->sig.b, SEQ_SIG_BYTES);
    }
    p->n_sigs = qc->sig_count;
    *out = p;
    return SEQ_OK;
}

static seq_err to_pb_tc(Seqd__V1__TimeoutCert **out, seq_arena *arena, const wire_tc *tc)
{
    if (tc->sig_count == 0)
        return SEQ_ERR_INVALID_ARG;
    if (tc->sig_count > WIRE_VALIDATORS_MAX)
        return SEQ_ERR_TOO_LARGE;
    Seqd__V1__TimeoutCert *p;
    PB_NEW(arena, Seqd__V1__TimeoutCert, seqd__v1__timeout_cert__init, p);
    p->view = tc->view;
    p->sigs = arena_array(arena, tc->sig_count, sizeof *p->sigs);
    if (p->sigs == NULL)
        return SEQ_ERR_TOO_LARGE;
    for (size_t i = 0; i < tc->sig_count; i++) {
        const wire_timeout_sig *s = &tc->sigs[i];
        if (!sig_v_valid(&s->sig) ||
            (i > 0 && seq_addr_compare(&tc->sigs[i - 1].signer, &s->signer) >= 0))
            return SEQ_ERR_INVALID_ARG;
        PB_NEW(arena, Seqd__V1__TimeoutSignature, seqd__v1__timeout_signature__init, p->sigs[i]);
        p->sigs[i]->signer = pb_bytes(s->signer.b, SEQ_ADDR_BYTES);
        p->sigs[i]->high_qc_view = s->high_qc_view;
        p->sigs[i]->sig = pb_bytes(s->sig.b, SEQ_SIG_BYTES);
    }
    p->n_sigs = tc->sig_count;
    *out = p;
    return SEQ_OK;
}

static seq_err to_pb_block_stmt(Seqd__V1__BlockStatement **out, seq_arena *arena,
                                const wire_block_statement *s)
{
    if (!sig_v_valid(&s->sig))
        return SEQ_ERR_INVALID_ARG;
    Seqd__V1__BlockStatement *p;
    PB_NEW(arena, Seqd__V1__BlockStatement, seqd__v1__block_statement__init, p);
    p->l2_chain_id = s->stmt.l2_chain_id;
    p->view = s->stmt.view;
    p->height = s->stmt.height;
    p->block_hash = pb_bytes(s->stmt.block_hash.b, SEQ_HASH_BYTES);
    p->signer = pb_bytes(s->signer.b, SEQ_ADDR_BYTES);
    p->sig = pb_bytes(s->sig.b, SEQ_SIG_BYTES);
    *out = p;
    return SEQ_OK;
}

static seq_err to_pb_timeout_stmt(Seqd__V1__TimeoutStatement **out, seq_arena *arena,
                                  const wire_timeout_statement *s)
{
    if (!sig_v_valid(&s->sig))
        return SEQ_ERR_INVALID_ARG;
    Seqd__V1__TimeoutStatement *p;
    PB_NEW(arena, Seqd__V1__TimeoutStatement, seqd__v1__timeout_statement__init, p);
    p->l2_chain_id = s->stmt.l2_chain_id;
    p->view = s->stmt.view;
    p->high_qc_view = s->stmt.high_qc_view;
    p->signer = pb_bytes(s->signer.b, SEQ_ADDR_BYTES);
    p->sig = pb_bytes(s->sig.b, SEQ_SIG_BYTES);
    *out = p;
    return SEQ_OK;
}

static seq_err to_pb_attestation(Seqd__V1__BatchAttestation **out, seq_arena *arena,
                                 const wire_attestation *a)
{
    if (!sig_v_valid(&a->sig) || a->stmt.first_height > a->stmt.last_height)
        return SEQ_ERR_INVALID_ARG;
    Seqd__V1__BatchAttestation *p;
    PB_NEW(arena, Seqd__V1__BatchAttestation, seqd__v1__batch_attestation__init, p);
    p->l2_chain_id = a->stmt.l2_chain_id;
    p->index = a->stmt.index;
    p->prev_batch_hash = pb_bytes(a->stmt.prev_batch_hash.b, SEQ_HASH_BYTES);
    p->data_hash = pb_bytes(a->stmt.data_hash.b, SEQ_HASH_BYTES);
    p->first_height = a->stmt.first_height;
    p->last_height = a->stmt.last_height;
    p->forced_cursor = a->stmt.forced_cursor;
    p->signer = pb_bytes(a->signer.b, SEQ_ADDR_BYTES);
    p->sig = pb_bytes(a->sig.b, SEQ_SIG_BYTES);
    *out = p;
    return SEQ_OK;
}

/* --------------------------------------------------- message encoders */

static seq_err to_pb_proposal(Seqd__V1__Proposal **out, seq_arena *arena, const wire_proposal *m)
{
    if (!sig_v_valid(&m->sig))
        return SEQ_ERR_INVALID_ARG;
    Seqd__V1__Proposal *p;
    PB_NEW(arena, Seqd__V1__Proposal, seqd__v1__proposal__init, p);
    TRY(to_pb_block(&p->block, arena, &m->block));
    TRY(to_pb_qc(&p->justify, arena, &m->justify));
    if (m->has_tc)
        TRY(to_pb_tc(&p->tc, arena, &m->tc));
    p->sig = pb_bytes(m->sig.b, SEQ_SIG_BYTES);
    *out = p;
    return SEQ_OK;
}

static seq_err to_pb_vote(Seqd__V1__Vote **out, seq_arena *arena, const wire_vote *m)
{
    Seqd__V1__Vote *p;
    PB_NEW(arena, Seqd__V1__Vote, seqd__v1__vote__init, p);
    TRY(to_pb_block_stmt(&p->stmt, arena, &m->vote));
    *out = p;
    return SEQ_OK;
}

static seq_err to_pb_timeout(Seqd__V1__Timeout **out, seq_arena *arena, const wire_timeout *m)
{
    if (m->stmt.stmt.high_qc_view != m->high_qc.view)
        return SEQ_ERR_INVALID_ARG;
    Seqd__V1__Timeout *p;
    PB_NEW(arena, Seqd__V1__Timeout, seqd__v1__timeout__init, p);
    TRY(to_pb_timeout_stmt(&p->stmt, arena, &m->stmt));
    TRY(to_pb_qc(&p->high_qc, arena, &m->high_qc));
    *out = p;
    return SEQ_OK;
}

static seq_err to_pb_view_sync(Seqd__V1__ViewSync **out, seq_arena *arena, const wire_view_sync *m)
{
    if (!m->has_qc && !m->has_tc)
        return SEQ_ERR_INVALID_ARG;
    Seqd__V1__ViewSync *p;
    PB_NEW(arena, Seqd__V1__ViewSync, seqd__v1__view_sync__init, p);
    if (m->has_qc)
        TRY(to_pb_qc(&p->high_qc, arena, &m->high_qc));
    if (m->has_tc)
        TRY(to_pb_tc(&p->high_tc, arena, &m->high_tc));
    *out = p;
    return SEQ_OK;
}

static seq_err to_pb_sync_request(Seqd__V1__SyncRequest **out, seq_arena *arena,
                                  const wire_sync_request *m)
{
    Seqd__V1__SyncRequest *p;
    PB_NEW(arena, Seqd__V1__SyncRequest, seqd__v1__sync_request__init, p);
    if (m->by_hash) {
        if (seq_hash_is_zero(&m->block_hash) || m->from_height != 0 || m->max_blocks != 0)
            return SEQ_ERR_INVALID_ARG;
        p->block_hash = pb_bytes(m->block_hash.b, SEQ_HASH_BYTES);
    } else {
        if (m->max_blocks == 0 || m->max_blocks > WIRE_SYNC_BLOCKS_MAX)
            return SEQ_ERR_INVALID_ARG;
        p->from_height = m->from_height;
        p->max_blocks = m->max_blocks;
    }
    *out = p;
    return SEQ_OK;
}

static seq_err to_pb_sync_response(Seqd__V1__SyncResponse **out, seq_arena *arena,
                                   const wire_sync_response *m)
{
    if (m->count > WIRE_SYNC_BLOCKS_MAX)
        return SEQ_ERR_TOO_LARGE;
    Seqd__V1__SyncResponse *p;
    PB_NEW(arena, Seqd__V1__SyncResponse, seqd__v1__sync_response__init, p);
    p->blocks = arena_array(arena, m->count, sizeof *p->blocks);
    if (p->blocks == NULL)
        return SEQ_ERR_TOO_LARGE;
    for (size_t i = 0; i < m->count; i++) {
        PB_NEW(arena, Seqd__V1__CertifiedBlock, seqd__v1__certified_block__init, p->blocks[i]);
        TRY(to_pb_block(&p->blocks[i]->block, arena, &m->blocks[i].block));
        TRY(to_pb_qc(&p->blocks[i]->qc, arena, &m->blocks[i].qc));
    }
    p->n_blocks = m->count;
    *out = p;
    return SEQ_OK;
}

static seq_err to_pb_tx_batch(Seqd__V1__TxBatch **out, seq_arena *arena, const wire_tx_batch *m)
{
    if (m->count == 0)
        return SEQ_ERR_INVALID_ARG;
    Seqd__V1__TxBatch *p;
    PB_NEW(arena, Seqd__V1__TxBatch, seqd__v1__tx_batch__init, p);
    TRY(to_pb_txs(&p->txs, arena, m->txs, m->count, WIRE_TX_BATCH_MAX, WIRE_TX_BATCH_BYTES_MAX));
    p->n_txs = m->count;
    if (m->senders != NULL) {
        p->senders = arena_array(arena, m->count, sizeof *p->senders);
        if (p->senders == NULL)
            return SEQ_ERR_TOO_LARGE;
        for (size_t i = 0; i < m->count; i++) {
            bool none = seq_addr_is_zero(&m->senders[i]);
            p->senders[i] = pb_bytes(m->senders[i].b, none ? 0 : SEQ_ADDR_BYTES);
        }
        p->n_senders = m->count;
    }
    *out = p;
    return SEQ_OK;
}

static seq_err to_pb_evidence(Seqd__V1__Evidence **out, seq_arena *arena, const wire_evidence *m)
{
    Seqd__V1__Evidence *p;
    PB_NEW(arena, Seqd__V1__Evidence, seqd__v1__evidence__init, p);
    switch (m->kind) {
    case WIRE_EVIDENCE_PROPOSAL:
    case WIRE_EVIDENCE_VOTE:
        p->kind = m->kind == WIRE_EVIDENCE_PROPOSAL
                      ? SEQD__V1__EVIDENCE_KIND__EVIDENCE_KIND_PROPOSAL
                      : SEQD__V1__EVIDENCE_KIND__EVIDENCE_KIND_VOTE;
        TRY(to_pb_block_stmt(&p->block_a, arena, &m->u.block.a));
        TRY(to_pb_block_stmt(&p->block_b, arena, &m->u.block.b));
        break;
    case WIRE_EVIDENCE_TIMEOUT:
        p->kind = SEQD__V1__EVIDENCE_KIND__EVIDENCE_KIND_TIMEOUT;
        TRY(to_pb_timeout_stmt(&p->timeout_a, arena, &m->u.timeout.a));
        TRY(to_pb_timeout_stmt(&p->timeout_b, arena, &m->u.timeout.b));
        break;
    case WIRE_EVIDENCE_ATTESTATION:
        p->kind = SEQD__V1__EVIDENCE_KIND__EVIDENCE_KIND_ATTESTATION;
        TRY(to_pb_attestation(&p->attestation_a, arena, &m->u.attestation.a));
        TRY(to_pb_attestation(&p->attestation_b, arena, &m->u.attestation.b));
        break;
    default:
        return SEQ_ERR_INVALID_ARG;
    }
    *out = p;
    return SEQ_OK;
}

static seq_err to_pb_hello(Seqd__V1__Hello **out, seq_arena *arena, const wire_hello *m)
{
    Seqd__V1__Hello *p;
    PB_NEW(arena, Seqd__V1__Hello, seqd__v1__hello__init, p);
    p->genesis_hash = pb_bytes(m->genesis_hash.b, SEQ_HASH_BYTES);
    p->kx_public_key = pb_bytes(m->kx_public_key, sizeof m->kx_public_key);
    *out = p;
    return SEQ_OK;
}

static seq_err to_pb_auth(Seqd__V1__Auth **out, seq_arena *arena, const wire_auth *m)
{
    Seqd__V1__Auth *p;
    PB_NEW(arena, Seqd__V1__Auth, seqd__v1__auth__init, p);
    p->validator = pb_bytes(m->validator.b, SEQ_ADDR_BYTES);
    p->transport_public_key = pb_bytes(m->transport_public_key, sizeof m->transport_public_key);
    p->transcript_sig = pb_bytes(m->transcript_sig, sizeof m->transcript_sig);
    *out = p;
    return SEQ_OK;
}

static seq_err to_pb_envelope(pb_envelope *env, seq_arena *arena, const wire_msg *m)
{
    seqd__v1__envelope__init(env);
    env->version = WIRE_VERSION;
    switch (m->type) {
    case WIRE_HELLO:
        env->body_case = SEQD__V1__ENVELOPE__BODY_HELLO;
        return to_pb_hello(&env->hello, arena, &m->u.hello);
    case WIRE_AUTH:
        env->body_case = SEQD__V1__ENVELOPE__BODY_AUTH;
        return to_pb_auth(&env->auth, arena, &m->u.auth);
    case WIRE_PROPOSAL:
        env->body_case = SEQD__V1__ENVELOPE__BODY_PROPOSAL;
        return to_pb_proposal(&env->proposal, arena, &m->u.proposal);
    case WIRE_VOTE:
        env->body_case = SEQD__V1__ENVELOPE__BODY_VOTE;
        return to_pb_vote(&env->vote, arena, &m->u.vote);
    case WIRE_TIMEOUT:
        env->body_case = SEQD__V1__ENVELOPE__BODY_TIMEOUT;
        return to_pb_timeout(&env->timeout, arena, &m->u.timeout);
    case WIRE_VIEW_SYNC:
        env->body_case = SEQD__V1__ENVELOPE__BODY_VIEW_SYNC;
        return to_pb_view_sync(&env->view_sync, arena, &m->u.view_sync);
    case WIRE_SYNC_REQUEST:
        env->body_case = SEQD__V1__ENVELOPE__BODY_SYNC_REQUEST;
        return to_pb_sync_request(&env->sync_request, arena, &m->u.sync_request);
    case WIRE_SYNC_RESPONSE:
        env->body_case = SEQD__V1__ENVELOPE__BODY_SYNC_RESPONSE;
        return to_pb_sync_response(&env->sync_response, arena, &m->u.sync_response);
    case WIRE_TX_BATCH:
        env->body_case = SEQD__V1__ENVELOPE__BODY_TX_BATCH;
        return to_pb_tx_batch(&env->tx_batch, arena, &m->u.tx_batch);
    case WIRE_EVIDENCE:
        env->body_case = SEQD__V1__ENVELOPE__BODY_EVIDENCE;
        return to_pb_evidence(&env->evidence, arena, &m->u.evidence);
    case WIRE_ATTESTATION:
        env->body_case = SEQD__V1__ENVELOPE__BODY_ATTESTATION;
        return to_pb_attestation(&env->attestation, arena, &m->u.attestation);
    default:
        return SEQ_ERR_INVALID_ARG;
    }
}

/* ----------------------------------------------------------- public API */

static seq_err decode_steps(wire_msg *out, seq_arena *arena, const uint8_t *in, size_t in_len)
{
    arena_allocator alloc;
    arena_allocator_init(&alloc, arena);
    pb_envelope *env = seqd__v1__envelope__unpack(&alloc.base, in_len, in);
    if (env == NULL)
        return alloc.exhausted ? SEQ_ERR_TOO_LARGE : SEQ_ERR_MALFORMED;
    if (env->version != WIRE_VERSION)
        return SEQ_ERR_BAD_VERSION;
    /* The body members share one pointer in a union; a set case with a NULL
     * body cannot come out of protobuf-c, but costs nothing to refuse. */
    if (env->body_case != SEQD__V1__ENVELOPE__BODY__NOT_SET && env->hello == NULL)
        return SEQ_ERR_MALFORMED;
    seq_err err = from_pb_envelope(out, arena, env);
    if (err != SEQ_OK)
        return err;

    pb_envelope canon;
    err = to_pb_envelope(&canon, arena, out);
    if (err == SEQ_ERR_INVALID_ARG)
        return SEQ_ERR_INTERNAL; /* from_pb accepted what to_pb refuses */
    if (err != SEQ_OK)
        return err;
    compare_buffer cmp = {
        .base = {.append = compare_append}, .expected = in, .expected_len = in_len};
    protobuf_c_message_pack_to_buffer(&canon.base, &cmp.base);
    if (cmp.mismatch || cmp.pos != in_len)
        return SEQ_ERR_NONCANONICAL;
    return SEQ_OK;
}

seq_err wire_decode(wire_msg *out, seq_arena *arena, const uint8_t *in, size_t in_len)
{
    SEQ_ASSERT(out != NULL && arena != NULL);
    SEQ_ASSERT(in != NULL || in_len == 0);
    memset(out, 0, sizeof *out);
    if (in_len == 0)
        return SEQ_ERR_TRUNCATED;
    if (in_len > WIRE_MSG_BYTES_MAX)
        return SEQ_ERR_TOO_LARGE;
    seq_err err = decode_steps(out, arena, in, in_len);
    SEQ_ASSERT(err != SEQ_ERR_INTERNAL);
    if (err != SEQ_OK)
        memset(out, 0, sizeof *out);
    return err;
}

seq_err wire_encode(uint8_t *out, size_t out_cap, size_t *out_len, seq_arena *scratch,
                    const wire_msg *msg)
{
    SEQ_ASSERT(out_len != NULL && scratch != NULL && msg != NULL);
    SEQ_ASSERT(out != NULL || out_cap == 0);
    *out_len = 0;
    pb_envelope env;
    seq_err err = to_pb_envelope(&env, scratch, msg);
    if (err != SEQ_OK)
        return err;
    size_t size = protobuf_c_message_get_packed_size(&env.base);
    if (size > WIRE_MSG_BYTES_MAX)
        return SEQ_ERR_TOO_LARGE;
    if (size > out_cap)
        return SEQ_ERR_NO_SPACE;
    size_t packed = protobuf_c_message_pack(&env.base, out);
    SEQ_ASSERT(packed == size);
    *out_len = packed;
    return SEQ_OK;
}

const char *wire_type_name(wire_type type)
{
    switch (type) {
    case WIRE_HELLO:
        return "hello";
    case WIRE_AUTH:
        return "auth";
    case WIRE_PROPOSAL:
        return "proposal";
    case WIRE_VOTE:
        return "vote";
    case WIRE_TIMEOUT:
        return "timeout";
    case WIRE_VIEW_SYNC:
        return "view_sync";
    case WIRE_SYNC_REQUEST:
        return "sync_request";
    case WIRE_SYNC_RESPONSE:
        return "sync_response";
    case WIRE_TX_BATCH:
        return "tx_batch";
    case WIRE_EVIDENCE:
        return "evidence";
    case WIRE_ATTESTATION:
        return "attestation";
    }
    return "unknown";
}

/* -------------------------------------------------------------- equality */

static bool bytes_list_equal(const seq_bytes *a, const seq_bytes *b, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        if (a[i].len != b[i].len || memcmp(a[i].ptr, b[i].ptr, a[i].len) != 0)
            return false;
    }
    return true;
}

static bool senders_equal(const seq_addr *a, const seq_addr *b, size_t count)
{
    if (a == NULL || b == NULL)
        return a == b;
    return memcmp(a, b, count * sizeof *a) == 0;
}

static bool header_equal(const seq_block_header *a, const seq_block_header *b)
{
    return a->l2_chain_id == b->l2_chain_id && a->height == b->height && a->view == b->view &&
           seq_hash_equal(&a->parent_hash, &b->parent_hash) &&
           seq_hash_equal(&a->tx_root, &b->tx_root) && a->l1_origin_number == b->l1_origin_number &&
           seq_hash_equal(&a->l1_origin_hash, &b->l1_origin_hash) &&
           a->forced_cursor == b->forced_cursor && a->timestamp_ms == b->timestamp_ms &&
           seq_addr_equal(&a->proposer, &b->proposer);
}

static bool block_equal(const wire_block *a, const wire_block *b)
{
    return header_equal(&a->header, &b->header) && a->tx_count == b->tx_count &&
           bytes_list_equal(a->txs, b->txs, a->tx_count);
}

static bool sig_equal(const seq_sig *a, const seq_sig *b)
{
    return memcmp(a->b, b->b, sizeof a->b) == 0;
}

static bool qc_equal(const wire_qc *a, const wire_qc *b)
{
    if (a->view != b->view || a->height != b->height ||
        !seq_hash_equal(&a->block_hash, &b->block_hash) || a->sig_count != b->sig_count)
        return false;
    for (size_t i = 0; i < a->sig_count; i++) {
        if (!seq_addr_equal(&a->sigs[i].signer, &b->sigs[i].signer) ||
            !sig_equal(&a->sigs[i].sig, &b->sigs[i].sig))
            return false;
    }
    return true;
}

static bool tc_equal(const wire_tc *a, const wire_tc *b)
{
    if (a->view != b->view || a->sig_count != b->sig_count)
        return false;
    for (size_t i = 0; i < a->sig_count; i++) {
        if (!seq_addr_equal(&a->sigs[i].signer, &b->sigs[i].signer) ||
            a->sigs[i].high_qc_view != b->sigs[i].high_qc_view ||
            !sig_equal(&a->sigs[i].sig, &b->sigs[i].sig))
            return false;
    }
    return true;
}

static bool block_stmt_equal(const wire_block_statement *a, const wire_block_statement *b)
{
    return a->stmt.l2_chain_id == b->stmt.l2_chain_id && a->stmt.view == b->stmt.view &&
           a->stmt.height == b->stmt.height &&
           seq_hash_equal(&a->stmt.block_hash, &b->stmt.block_hash) &&
           seq_addr_equal(&a->signer, &b->signer) && sig_equal(&a->sig, &b->sig);
}

static bool timeout_stmt_equal(const wire_timeout_statement *a, const wire_timeout_statement *b)
{
    return a->stmt.l2_chain_id == b->stmt.l2_chain_id && a->stmt.view == b->stmt.view &&
           a->stmt.high_qc_view == b->stmt.high_qc_view && seq_addr_equal(&a->signer, &b->signer) &&
           sig_equal(&a->sig, &b->sig);
}

static bool attestation_equal(const wire_attestation *a, const wire_attestation *b)
{
    const seq_attestation_stmt *x = &a->stmt, *y = &b->stmt;
    return x->l2_chain_id == y->l2_chain_id && x->index == y->index &&
           seq_hash_equal(&x->prev_batch_hash, &y->prev_batch_hash) &&
           seq_hash_equal(&x->data_hash, &y->data_hash) && x->first_height == y->first_height &&
           x->last_height == y->last_height && x->forced_cursor == y->forced_cursor &&
           seq_addr_equal(&a->signer, &b->signer) && sig_equal(&a->sig, &b->sig);
}

static bool evidence_equal(const wire_evidence *a, const wire_evidence *b)
{
    if (a->kind != b->kind)
        return false;
    switch (a->kind) {
    case WIRE_EVIDENCE_PROPOSAL:
    case WIRE_EVIDENCE_VOTE:
        return block_stmt_equal(&a->u.block.a, &b->u.block.a) &&
               block_stmt_equal(&a->u.block.b, &b->u.block.b);
    case WIRE_EVIDENCE_TIMEOUT:
        return timeout_stmt_equal(&a->u.timeout.a, &b->u.timeout.a) &&
               timeout_stmt_equal(&a->u.timeout.b, &b->u.timeout.b);
    case WIRE_EVIDENCE_ATTESTATION:
        return attestation_equal(&a->u.attestation.a, &b->u.attestation.a) &&
               attestation_equal(&a->u.attestation.b, &b->u.attestation.b);
    }
    return false;
}

static bool proposal_equal(const wire_proposal *a, const wire_proposal *b)
{
    return block_equal(&a->block, &b->block) && qc_equal(&a->justify, &b->justify) &&
           a->has_tc == b->has_tc && (!a->has_tc || tc_equal(&a->tc, &b->tc)) &&
           sig_equal(&a->sig, &b->sig);
}

static bool view_sync_equal(const wire_view_sync *a, const wire_view_sync *b)
{
    return a->has_qc == b->has_qc && (!a->has_qc || qc_equal(&a->high_qc, &b->high_qc)) &&
           a->has_tc == b->has_tc && (!a->has_tc || tc_equal(&a->high_tc, &b->high_tc));
}

static bool sync_response_equal(const wire_sync_response *a, const wire_sync_response *b)
{
    if (a->count != b->count)
        return false;
    for (size_t i = 0; i < a->count; i++) {
        if (!block_equal(&a->blocks[i].block, &b->blocks[i].block) ||
            !qc_equal(&a->blocks[i].qc, &b->blocks[i].qc))
            return false;
    }
    return true;
}

bool wire_msg_equal(const wire_msg *a, const wire_msg *b)
{
    SEQ_ASSERT(a != NULL && b != NULL);
    if (a->type != b->type)
        return false;
    switch (a->type) {
    case WIRE_HELLO:
        return seq_hash_equal(&a->u.hello.genesis_hash, &b->u.hello.genesis_hash) &&
               memcmp(a->u.hello.kx_public_key, b->u.hello.kx_public_key,
                      sizeof a->u.hello.kx_public_key) == 0;
    case WIRE_AUTH:
        return seq_addr_equal(&a->u.auth.validator, &b->u.auth.validator) &&
               memcmp(a->u.auth.transport_public_key, b->u.auth.transport_public_key,
                      sizeof a->u.auth.transport_public_key) == 0 &&
               memcmp(a->u.auth.transcript_sig, b->u.auth.transcript_sig,
                      sizeof a->u.auth.transcript_sig) == 0;
    case WIRE_PROPOSAL:
        return proposal_equal(&a->u.proposal, &b->u.proposal);
    case WIRE_VOTE:
        return block_stmt_equal(&a->u.vote.vote, &b->u.vote.vote);
    case WIRE_TIMEOUT:
        return timeout_stmt_equal(&a->u.timeout.stmt, &b->u.timeout.stmt) &&
               qc_equal(&a->u.timeout.high_qc, &b->u.timeout.high_qc);
    case WIRE_VIEW_SYNC:
        return view_sync_equal(&a->u.view_sync, &b->u.view_sync);
    case WIRE_SYNC_REQUEST: {
        const wire_sync_request *x = &a->u.sync_request, *y = &b->u.sync_request;
        return x->by_hash == y->by_hash && seq_hash_equal(&x->block_hash, &y->block_hash) &&
               x->from_height == y->from_height && x->max_blocks == y->max_blocks;
    }
    case WIRE_SYNC_RESPONSE:
        return sync_response_equal(&a->u.sync_response, &b->u.sync_response);
    case WIRE_TX_BATCH:
        return a->u.tx_batch.count == b->u.tx_batch.count &&
               bytes_list_equal(a->u.tx_batch.txs, b->u.tx_batch.txs, a->u.tx_batch.count) &&
               senders_equal(a->u.tx_batch.senders, b->u.tx_batch.senders, a->u.tx_batch.count);
    case WIRE_EVIDENCE:
        return evidence_equal(&a->u.evidence, &b->u.evidence);
    case WIRE_ATTESTATION:
        return attestation_equal(&a->u.attestation, &b->u.attestation);
    }
    return false;
}
