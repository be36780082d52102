/* Tests for proto/wire: round trips of every message type, canonical-form
 * enforcement, size caps, arena bounds, and random/mutated garbage. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <stdio.h>

#include "test_rng.h"
#include "wire.h"

/* ------------------------------------------------------------ helpers */

/* Values that exercise varint lengths, including 0 (omitted) and max. */
static uint64_t rnd_u64(void)
{
    switch (rng_below(5)) {
    case 0:
        return 0;
    case 1:
        return UINT64_MAX;
    case 2:
        return rng_below(128);
    default:
        return rng_next() >> rng_below(64);
    }
}

static void rnd_sig(seq_sig *s)
{
    rng_fill(s->b, sizeof s->b);
    s->b[64] = (uint8_t)(27 + rng_below(2));
}

static void rnd_hash(seq_hash *h)
{
    rng_fill(h->b, sizeof h->b);
}

static void rnd_addr(seq_addr *a)
{
    rng_fill(a->b, sizeof a->b);
}

static int addr_cmp_qsort(const void *a, const void *b)
{
    return seq_addr_compare(a, b);
}

/* Distinct, ascending signer addresses; the signer is the first member of
 * both wire_sig and wire_timeout_sig. */
static void rnd_sorted_signers(void *items, size_t count, size_t stride)
{
    seq_addr addrs[WIRE_VALIDATORS_MAX];
    assert_true(count <= WIRE_VALIDATORS_MAX);
    for (size_t i = 0; i < count; i++) {
        rnd_addr(&addrs[i]);
        addrs[i].b[0] = (uint8_t)i; /* distinct */
    }
    qsort(addrs, count, sizeof addrs[0], addr_cmp_qsort);
    for (size_t i = 0; i < count; i++)
        memcpy((uint8_t *)items + i * stride, &addrs[i], sizeof addrs[i]);
}

static seq_arena gen_arena;

static void *gen_alloc(size_t n)
{
    void *p = seq_arena_alloc(&gen_arena, n);
    assert_non_null(p);
    return p;
}

static void rnd_header(seq_block_header *h)
{
    h->l2_chain_id = rnd_u64();
    h->height = rnd_u64();
    h->view = rnd_u64();
    rnd_hash(&h->parent_hash);
    rnd_hash(&h->tx_root);
    h->l1_origin_number = rnd_u64();
    rnd_hash(&h->l1_origin_hash);
    h->forced_cursor = rnd_u64();
    h->timestamp_ms = rnd_u64();
    rnd_addr(&h->proposer);
}

static const seq_bytes *rnd_txs(size_t count)
{
    seq_bytes *txs = gen_alloc(count * sizeof *txs + 1);
    for (size_t i = 0; i < count; i++) {
        size_t len = 1 + rng_below(200);
        uint8_t *p = gen_alloc(len);
        rng_fill(p, len);
        txs[i] = (seq_bytes){.ptr = p, .len = len};
    }
    return txs;
}

static void rnd_block(wire_block *b)
{
    rnd_header(&b->header);
    b->tx_count = rng_below(20);
    b->txs = rnd_txs(b->tx_count);
}

static void rnd_qc(wire_qc *qc, size_t sig_count)
{
    qc->view = rnd_u64();
    qc->height = rnd_u64();
    rnd_hash(&qc->block_hash);
    wire_sig *sigs = gen_alloc(sig_count * sizeof *sigs + 1);
    rnd_sorted_signers(sigs, sig_count, sizeof *sigs);
    for (size_t i = 0; i < sig_count; i++)
        rnd_sig(&sigs[i].sig);
    qc->sig_count = sig_count;
    qc->sigs = sigs;
}

static void rnd_tc(wire_tc *tc, size_t sig_count)
{
    tc->view = rnd_u64();
    wire_timeout_sig *sigs = gen_alloc(sig_count * sizeof *sigs);
    rnd_sorted_signers(sigs, sig_count, sizeof *sigs);
    for (size_t i = 0; i < sig_count; i++) {
        sigs[i].high_qc_view = rnd_u64();
        rnd_sig(&sigs[i].sig);
    }
    tc->sig_count = sig_count;
    tc->sigs = sigs;
}

static void rnd_block_stmt(wire_block_statement *s)
{
    s->stmt.l2_chain_id = rnd_u64();
    s->stmt.view = rnd_u64();
    s->stmt.height = rnd_u64();
    rnd_hash(&s->stmt.block_hash);
    rnd_addr(&s->signer);
    rnd_sig(&s->sig);
}

static void rnd_timeout_stmt(wire_timeout_statement *s)
{
    s->stmt.l2_chain_id = rnd_u64();
    s->stmt.view = rnd_u64();
    s->stmt.high_qc_view = rnd_u64();
    rnd_addr(&s->signer);
    rnd_sig(&s->sig);
}

static void rnd_attestation(wire_attestation *a)
{
    a->stmt.l2_chain_id = rnd_u64();
    a->stmt.index = rnd_u64();
    rnd_hash(&a->stmt.prev_batch_hash);
    rnd_hash(&a->stmt.data_hash);
    a->stmt.first_height = rnd_u64();
    a->stmt.last_height = a->stmt.first_height + rng_below(1000);
    if (a->stmt.last_height < a->stmt.first_height)
        a->stmt.last_height = a->stmt.first_height;
    a->stmt.forced_cursor = rnd_u64();
    rnd_addr(&a->signer);
    rnd_sig(&a->sig);
}

static void rnd_evidence(wire_evidence *e)
{
    e->kind = (wire_evidence_kind)(1 + rng_below(4));
    switch (e->kind) {
    case WIRE_EVIDENCE_PROPOSAL:
    case WIRE_EVIDENCE_VOTE:
        rnd_block_stmt(&e->u.block.a);
        rnd_block_stmt(&e->u.block.b);
        break;
    case WIRE_EVIDENCE_TIMEOUT:
        rnd_timeout_stmt(&e->u.timeout.a);
        rnd_timeout_stmt(&e->u.timeout.b);
        break;
    case WIRE_EVIDENCE_ATTESTATION:
        rnd_attestation(&e->u.attestation.a);
        rnd_attestation(&e->u.attestation.b);
        break;
    }
}

static void rnd_sync(wire_msg *m, bool response)
{
    if (response) {
        m->type = WIRE_SYNC_RESPONSE;
        size_t n = rng_below(5);
        wire_certified_block *blocks = gen_alloc(n * sizeof *blocks + 1);
        for (size_t i = 0; i < n; i++) {
            rnd_block(&blocks[i].block);
            rnd_qc(&blocks[i].qc, rng_below(8));
        }
        m->u.sync_response = (wire_sync_response){.count = n, .blocks = blocks};
        return;
    }
    m->type = WIRE_SYNC_REQUEST;
    wire_sync_request *r = &m->u.sync_request;
    r->by_hash = rng_below(2) == 0;
    if (r->by_hash) {
        rnd_hash(&r->block_hash);
        r->block_hash.b[0] |= 1;
    } else {
        r->from_height = rnd_u64();
        r->max_blocks = (uint32_t)(1 + rng_below(WIRE_SYNC_BLOCKS_MAX));
    }
}

/* A random valid message of the given type. */
static void rnd_msg(wire_msg *m, wire_type type)
{
    memset(m, 0, sizeof *m);
    m->type = type;
    switch (type) {
    case WIRE_HELLO:
        rnd_hash(&m->u.hello.genesis_hash);
        rng_fill(m->u.hello.kx_public_key, sizeof m->u.hello.kx_public_key);
        break;
    case WIRE_AUTH:
        rnd_addr(&m->u.auth.validator);
        rng_fill(m->u.auth.transport_public_key, sizeof m->u.auth.transport_public_key);
        rng_fill(m->u.auth.transcript_sig, sizeof m->u.auth.transcript_sig);
        break;
    case WIRE_PROPOSAL:
        rnd_block(&m->u.proposal.block);
        rnd_qc(&m->u.proposal.justify, rng_below(10));
        m->u.proposal.has_tc = rng_below(2) == 0;
        if (m->u.proposal.has_tc)
            rnd_tc(&m->u.proposal.tc, 1 + rng_below(10));
        rnd_sig(&m->u.proposal.sig);
        break;
    case WIRE_VOTE:
        rnd_block_stmt(&m->u.vote.vote);
        break;
    case WIRE_TIMEOUT:
        rnd_timeout_stmt(&m->u.timeout.stmt);
        rnd_qc(&m->u.timeout.high_qc, rng_below(10));
        m->u.timeout.stmt.stmt.high_qc_view = m->u.timeout.high_qc.view;
        break;
    case WIRE_VIEW_SYNC: {
        uint64_t which = rng_below(3);
        m->u.view_sync.has_qc = which != 1;
        m->u.view_sync.has_tc = which != 0;
        if (m->u.view_sync.has_qc)
            rnd_qc(&m->u.view_sync.high_qc, rng_below(10));
        if (m->u.view_sync.has_tc)
            rnd_tc(&m->u.view_sync.high_tc, 1 + rng_below(10));
        break;
    }
    case WIRE_SYNC_REQUEST:
        rnd_sync(m, false);
        break;
    case WIRE_SYNC_RESPONSE:
        rnd_sync(m, true);
        break;
    case WIRE_TX_BATCH:
        m->u.tx_batch.count = 1 + rng_below(30);
        m->u.tx_batch.txs = rnd_txs(m->u.tx_batch.count);
        m->u.tx_batch.senders = NULL;
        if (rng_below(2) == 0) { /* senders, some of them absent */
            seq_addr *senders = gen_alloc(m->u.tx_batch.count * sizeof *senders);
            for (size_t i = 0; i < m->u.tx_batch.count; i++) {
                if (rng_below(4) == 0)
                    memset(&senders[i], 0, sizeof senders[i]);
                else
                    rnd_addr(&senders[i]);
            }
            m->u.tx_batch.senders = senders;
        }
        break;
    case WIRE_EVIDENCE:
        rnd_evidence(&m->u.evidence);
        break;
    case WIRE_ATTESTATION:
        rnd_attestation(&m->u.attestation);
        break;
    }
}

#define TYPE_FIRST WIRE_HELLO
#define TYPE_LAST  WIRE_ATTESTATION
#define BUF_BYTES  (WIRE_MSG_BYTES_MAX + 64)

static uint8_t *enc_buf, *enc_buf2, *arena_mem, *scratch_mem, *gen_mem;
static size_t arena_bytes;

static int setup(void **state)
{
    (void)state;
    rng_seed("test_wire");
    arena_bytes = WIRE_DECODE_ARENA_BYTES(WIRE_MSG_BYTES_MAX);
    enc_buf = malloc(BUF_BYTES);
    enc_buf2 = malloc(BUF_BYTES);
    arena_mem = malloc(arena_bytes);
    scratch_mem = malloc(WIRE_ENCODE_ARENA_BYTES);
    gen_mem = malloc(64u << 20);
    seq_arena_init(&gen_arena, gen_mem, 64u << 20);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    free(enc_buf);
    free(enc_buf2);
    free(arena_mem);
    free(scratch_mem);
    free(gen_mem);
    return 0;
}

static seq_err encode(const wire_msg *m, uint8_t *out, size_t *len)
{
    seq_arena scratch;
    seq_arena_init(&scratch, scratch_mem, WIRE_ENCODE_ARENA_BYTES);
    return wire_encode(out, BUF_BYTES, len, &scratch, m);
}

static seq_err decode(wire_msg *m, const uint8_t *in, size_t len)
{
    seq_arena arena;
    seq_arena_init(&arena, arena_mem, arena_bytes);
    return wire_decode(m, &arena, in, len);
}

static bool is_zero(const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        if (b[i])
            return false;
    return true;
}

/* -------------------------------------------------------------- tests */

/* With SEQ_WIRE_CORPUS_DIR set, the round-trip test also writes one valid
 * encoding per type and iteration there: this is how fuzz/corpus/wire was
 * seeded. */
static void corpus_write(wire_type t, int iter, const uint8_t *buf, size_t len)
{
    const char *dir = getenv("SEQ_WIRE_CORPUS_DIR");
    if (dir == NULL || iter >= 3)
        return;
    char path[1024];
    snprintf(path, sizeof path, "%s/%s-%d", dir, wire_type_name(t), iter);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(buf, 1, len, f), len);
    fclose(f);
}

static void test_round_trip_every_type(void **state)
{
    (void)state;
    for (int iter = 0; iter < 60; iter++) {
        for (wire_type t = TYPE_FIRST; t <= TYPE_LAST; t++) {
            seq_arena_reset(&gen_arena);
            wire_msg m, d;
            rnd_msg(&m, t);
            size_t len = 0, len2 = 0;
            assert_int_equal(encode(&m, enc_buf, &len), SEQ_OK);
            assert_true(len > 0);
            assert_int_equal(decode(&d, enc_buf, len), SEQ_OK);
            assert_int_equal(d.type, t);
            assert_true(wire_msg_equal(&m, &d));
            assert_int_equal(encode(&d, enc_buf2, &len2), SEQ_OK);
            assert_int_equal(len, len2);
            assert_memory_equal(enc_buf, enc_buf2, len);
            corpus_write(t, iter, enc_buf, len);
        }
    }
}

static void test_equal_detects_difference(void **state)
{
    (void)state;
    seq_arena_reset(&gen_arena);
    wire_msg a, b;
    rnd_msg(&a, WIRE_VOTE);
    b = a;
    assert_true(wire_msg_equal(&a, &b));
    b.u.vote.vote.sig.b[3] ^= 1;
    assert_false(wire_msg_equal(&a, &b));
    b = a;
    b.type = WIRE_HELLO;
    assert_false(wire_msg_equal(&a, &b));
    rnd_msg(&a, WIRE_PROPOSAL);
    b = a;
    b.u.proposal.block.header.timestamp_ms ^= 1;
    assert_false(wire_msg_equal(&a, &b));
}

static void test_every_prefix_rejected(void **state)
{
    (void)state;
    for (wire_type t = TYPE_FIRST; t <= TYPE_LAST; t++) {
        seq_arena_reset(&gen_arena);
        wire_msg m, d;
        rnd_msg(&m, t);
        size_t len = 0;
        assert_int_equal(encode(&m, enc_buf, &len), SEQ_OK);
        for (size_t cut = 0; cut < len; cut++) {
            seq_err err = decode(&d, enc_buf, cut);
            assert_int_not_equal(err, SEQ_OK);
            assert_true(is_zero(&d, sizeof d));
        }
    }
    wire_msg d;
    assert_int_equal(decode(&d, enc_buf, 0), SEQ_ERR_TRUNCATED);
}

/* A vote's encoding starts with the version field: 08 01. */
static size_t encode_vote(wire_msg *m)
{
    seq_arena_reset(&gen_arena);
    rnd_msg(m, WIRE_VOTE);
    m->u.vote.vote.stmt.view = 300; /* a two-byte varint */
    size_t len = 0;
    assert_int_equal(encode(m, enc_buf, &len), SEQ_OK);
    assert_int_equal(enc_buf[0], 0x08);
    assert_int_equal(enc_buf[1], 0x01);
    return len;
}

static void test_noncanonical_rejected(void **state)
{
    (void)state;
    wire_msg m, d;
    size_t len = encode_vote(&m);

    /* Over-long varint for version: 08 81 00 still means 1. */
    enc_buf2[0] = 0x08;
    enc_buf2[1] = 0x81;
    enc_buf2[2] = 0x00;
    memcpy(enc_buf2 + 3, enc_buf + 2, len - 2);
    assert_int_equal(decode(&d, enc_buf2, len + 1), SEQ_ERR_NONCANONICAL);

    /* Duplicated version field at the end (protobuf: last one wins). */
    memcpy(enc_buf2, enc_buf, len);
    enc_buf2[len] = 0x08;
    enc_buf2[len + 1] = 0x01;
    assert_int_equal(decode(&d, enc_buf2, len + 2), SEQ_ERR_NONCANONICAL);

    /* Unknown field 15 (varint) appended. */
    memcpy(enc_buf2, enc_buf, len);
    enc_buf2[len] = 0x78;
    enc_buf2[len + 1] = 0x05;
    assert_int_equal(decode(&d, enc_buf2, len + 2), SEQ_ERR_NONCANONICAL);

    /* Fields out of order: body before version. */
    memcpy(enc_buf2, enc_buf + 2, len - 2);
    enc_buf2[len - 2] = 0x08;
    enc_buf2[len - 1] = 0x01;
    assert_int_equal(decode(&d, enc_buf2, len), SEQ_ERR_NONCANONICAL);

    /* The original still decodes. */
    assert_int_equal(decode(&d, enc_buf, len), SEQ_OK);
}

static void test_version_checked(void **state)
{
    (void)state;
    wire_msg m, d;
    size_t len = encode_vote(&m);
    enc_buf[1] = 0x02;
    assert_int_equal(decode(&d, enc_buf, len), SEQ_ERR_BAD_VERSION);
    /* Version 0 = field omitted. */
    assert_int_equal(decode(&d, enc_buf + 2, len - 2), SEQ_ERR_BAD_VERSION);
    /* An envelope with a version and no body. */
    uint8_t only_version[] = {0x08, 0x01};
    assert_int_equal(decode(&d, only_version, sizeof only_version), SEQ_ERR_MALFORMED);
}

/* An envelope holding TxBatch {txs: ["x"], senders: senders[0..count)},
 * written byte by byte; each sender is (length, fill byte). */
static size_t tx_batch_envelope(uint8_t *out, const uint8_t (*senders)[2], size_t count)
{
    uint8_t body[128];
    size_t n = 0;
    body[n++] = 0x0a; /* txs */
    body[n++] = 1;
    body[n++] = 'x';
    for (size_t i = 0; i < count; i++) {
        body[n++] = 0x12; /* senders */
        body[n++] = senders[i][0];
        memset(body + n, senders[i][1], senders[i][0]);
        n += senders[i][0];
    }
    size_t len = 0;
    out[len++] = 0x08; /* version 1 */
    out[len++] = 0x01;
    out[len++] = 0x52; /* field 10: tx_batch */
    out[len++] = (uint8_t)n;
    memcpy(out + len, body, n);
    return len + n;
}

static void test_tx_batch_senders(void **state)
{
    (void)state;
    wire_msg d;
    uint8_t buf[160];
    static const uint8_t one[][2] = {{20, 0xab}};
    static const uint8_t none[][2] = {{0, 0}};
    static const uint8_t two[][2] = {{20, 0xab}, {20, 0xcd}};
    static const uint8_t short_addr[][2] = {{3, 0xab}};
    static const uint8_t zero_addr[][2] = {{20, 0x00}};

    assert_int_equal(decode(&d, buf, tx_batch_envelope(buf, one, 0)), SEQ_OK);
    assert_null(d.u.tx_batch.senders);
    assert_int_equal(decode(&d, buf, tx_batch_envelope(buf, one, 1)), SEQ_OK);
    assert_non_null(d.u.tx_batch.senders);
    assert_int_equal(d.u.tx_batch.senders[0].b[0], 0xab);
    assert_int_equal(d.u.tx_batch.senders[0].b[19], 0xab);
    assert_int_equal(decode(&d, buf, tx_batch_envelope(buf, none, 1)), SEQ_OK);
    assert_true(seq_addr_is_zero(&d.u.tx_batch.senders[0]));
    /* Re-encoding an absent sender writes the empty entry again. */
    size_t len = 0;
    assert_int_equal(encode(&d, enc_buf, &len), SEQ_OK);
    assert_int_equal(len, tx_batch_envelope(buf, none, 1));
    assert_memory_equal(enc_buf, buf, len);

    assert_int_equal(decode(&d, buf, tx_batch_envelope(buf, two, 2)), SEQ_ERR_MALFORMED);
    assert_int_equal(decode(&d, buf, tx_batch_envelope(buf, short_addr, 1)), SEQ_ERR_MALFORMED);
    assert_int_equal(decode(&d, buf, tx_batch_envelope(buf, zero_addr, 1)), SEQ_ERR_MALFORMED);
}

static void test_structural_rules(void **state)
{
    (void)state;
    wire_msg m, d;
    size_t len = 0;

    /* Signers must be strictly ascending: the encoder refuses otherwise. */
    seq_arena_reset(&gen_arena);
    rnd_msg(&m, WIRE_TIMEOUT);
    rnd_qc(&m.u.timeout.high_qc, 3);
    m.u.timeout.stmt.stmt.high_qc_view = m.u.timeout.high_qc.view;
    wire_sig *sigs = (wire_sig *)m.u.timeout.high_qc.sigs;
    wire_sig tmp = sigs[0];
    sigs[0] = sigs[1];
    sigs[1] = tmp;
    assert_int_equal(encode(&m, enc_buf, &len), SEQ_ERR_INVALID_ARG);
    assert_int_equal(len, 0);
    sigs[0] = sigs[1]; /* duplicate signer */
    assert_int_equal(encode(&m, enc_buf, &len), SEQ_ERR_INVALID_ARG);

    /* Timeout statement must agree with the QC it carries. */
    rnd_msg(&m, WIRE_TIMEOUT);
    m.u.timeout.stmt.stmt.high_qc_view = m.u.timeout.high_qc.view + 1;
    assert_int_equal(encode(&m, enc_buf, &len), SEQ_ERR_INVALID_ARG);

    /* v must be 27 or 28. */
    rnd_msg(&m, WIRE_VOTE);
    m.u.vote.vote.sig.b[64] = 29;
    assert_int_equal(encode(&m, enc_buf, &len), SEQ_ERR_INVALID_ARG);

    /* Empty tx, empty TC, empty batch, empty view sync, bad sync request. */
    rnd_msg(&m, WIRE_TX_BATCH);
    ((seq_bytes *)m.u.tx_batch.txs)[0].len = 0;
    assert_int_equal(encode(&m, enc_buf, &len), SEQ_ERR_INVALID_ARG);
    rnd_msg(&m, WIRE_TX_BATCH);
    m.u.tx_batch.count = 0;
    assert_int_equal(encode(&m, enc_buf, &len), SEQ_ERR_INVALID_ARG);
    rnd_msg(&m, WIRE_VIEW_SYNC);
    m.u.view_sync.has_qc = m.u.view_sync.has_tc = false;
    assert_int_equal(encode(&m, enc_buf, &len), SEQ_ERR_INVALID_ARG);
    rnd_msg(&m, WIRE_VIEW_SYNC);
    m.u.view_sync.has_tc = true;
    m.u.view_sync.high_tc.sig_count = 0;
    assert_int_equal(encode(&m, enc_buf, &len), SEQ_ERR_INVALID_ARG);
    memset(&m, 0, sizeof m);
    m.type = WIRE_SYNC_REQUEST;
    m.u.sync_request.by_hash = true; /* zero hash */
    assert_int_equal(encode(&m, enc_buf, &len), SEQ_ERR_INVALID_ARG);
    m.u.sync_request.by_hash = false; /* max_blocks 0 */
    assert_int_equal(encode(&m, enc_buf, &len), SEQ_ERR_INVALID_ARG);
    rnd_msg(&m, WIRE_ATTESTATION);
    m.u.attestation.stmt.first_height = 10;
    m.u.attestation.stmt.last_height = 9;
    assert_int_equal(encode(&m, enc_buf, &len), SEQ_ERR_INVALID_ARG);
    m.type = (wire_type)99;
    assert_int_equal(encode(&m, enc_buf, &len), SEQ_ERR_INVALID_ARG);

    /* A decoded hash field of the wrong size: a Hello whose genesis hash
     * is 31 bytes (envelope: 08 01 12 <len> 0a <hashlen> ... 12 20 ...). */
    seq_arena_reset(&gen_arena);
    rnd_msg(&m, WIRE_HELLO);
    assert_int_equal(encode(&m, enc_buf, &len), SEQ_OK);
    assert_int_equal(len, 2 + 2 + 2 + 32 + 2 + 32);
    assert_int_equal(decode(&d, enc_buf, len), SEQ_OK);
    memcpy(enc_buf2, enc_buf, 6);
    enc_buf2[3] = 0x43;
    enc_buf2[5] = 0x1f;
    memcpy(enc_buf2 + 6, enc_buf + 6, 31);
    memcpy(enc_buf2 + 6 + 31, enc_buf + 6 + 32, 34);
    assert_int_equal(decode(&d, enc_buf2, len - 1), SEQ_ERR_MALFORMED);
    /* ... and 33 bytes. */
    memcpy(enc_buf2, enc_buf, 6 + 32);
    enc_buf2[3] = 0x45;
    enc_buf2[5] = 0x21;
    enc_buf2[6 + 32] = 0x77;
    memcpy(enc_buf2 + 6 + 33, enc_buf + 6 + 32, 34);
    assert_int_equal(decode(&d, enc_buf2, len + 1), SEQ_ERR_MALFORMED);
}

static void test_size_caps(void **state)
{
    (void)state;
    wire_msg m, d;
    size_t len = 0;

    assert_int_equal(decode(&d, enc_buf, WIRE_MSG_BYTES_MAX + 1), SEQ_ERR_TOO_LARGE);

    /* A tx one byte over the cap. */
    seq_arena_reset(&gen_arena);
    rnd_msg(&m, WIRE_TX_BATCH);
    uint8_t *big = gen_alloc(WIRE_TX_BYTES_MAX + 1);
    memset(big, 0xab, WIRE_TX_BYTES_MAX + 1);
    ((seq_bytes *)m.u.tx_batch.txs)[0] = (seq_bytes){.ptr = big, .len = WIRE_TX_BYTES_MAX + 1};
    assert_int_equal(encode(&m, enc_buf, &len), SEQ_ERR_TOO_LARGE);
    ((seq_bytes *)m.u.tx_batch.txs)[0].len = WIRE_TX_BYTES_MAX;
    assert_int_equal(encode(&m, enc_buf, &len), SEQ_OK);
    assert_int_equal(decode(&d, enc_buf, len), SEQ_OK);

    /* Too many signatures. */
    rnd_msg(&m, WIRE_VIEW_SYNC);
    m.u.view_sync.has_qc = true;
    rnd_qc(&m.u.view_sync.high_qc, WIRE_VALIDATORS_MAX);
    assert_int_equal(encode(&m, enc_buf, &len), SEQ_OK);
    assert_int_equal(decode(&d, enc_buf, len), SEQ_OK);
    m.u.view_sync.high_qc.sig_count = WIRE_VALIDATORS_MAX + 1;
    assert_int_equal(encode(&m, enc_buf, &len), SEQ_ERR_TOO_LARGE);

    /* Output buffer too small. */
    rnd_msg(&m, WIRE_VOTE);
    seq_arena scratch;
    seq_arena_init(&scratch, scratch_mem, WIRE_ENCODE_ARENA_BYTES);
    assert_int_equal(wire_encode(enc_buf, 10, &len, &scratch, &m), SEQ_ERR_NO_SPACE);
    assert_int_equal(len, 0);
}

/* The largest legitimate shapes decode within WIRE_DECODE_ARENA_BYTES. */
static void test_max_messages_fit_arena(void **state)
{
    (void)state;
    wire_msg m, d;
    size_t len = 0;

    /* A block at its tx-count cap with tiny txs (worst overhead per byte). */
    seq_arena_reset(&gen_arena);
    rnd_msg(&m, WIRE_PROPOSAL);
    rnd_qc(&m.u.proposal.justify, WIRE_VALIDATORS_MAX);
    seq_bytes *txs = gen_alloc(WIRE_BLOCK_TXS_MAX * sizeof *txs);
    static const uint8_t one = 0x42;
    for (size_t i = 0; i < WIRE_BLOCK_TXS_MAX; i++)
        txs[i] = (seq_bytes){.ptr = &one, .len = 1};
    m.u.proposal.block.txs = txs;
    m.u.proposal.block.tx_count = WIRE_BLOCK_TXS_MAX;
    assert_int_equal(encode(&m, enc_buf, &len), SEQ_OK);
    seq_arena arena;
    uint8_t *mem = malloc(WIRE_DECODE_ARENA_BYTES(len));
    seq_arena_init(&arena, mem, WIRE_DECODE_ARENA_BYTES(len));
    assert_int_equal(wire_decode(&d, &arena, enc_buf, len), SEQ_OK);
    assert_true(wire_msg_equal(&m, &d));
    free(mem);
    m.u.proposal.block.tx_count = WIRE_BLOCK_TXS_MAX + 1;
    assert_int_equal(encode(&m, enc_buf, &len), SEQ_ERR_TOO_LARGE);

    /* A sync response at its block cap, every block with a full QC. */
    seq_arena_reset(&gen_arena);
    m.type = WIRE_SYNC_RESPONSE;
    wire_certified_block *blocks = gen_alloc(WIRE_SYNC_BLOCKS_MAX * sizeof *blocks);
    for (size_t i = 0; i < WIRE_SYNC_BLOCKS_MAX; i++) {
        rnd_block(&blocks[i].block);
        rnd_qc(&blocks[i].qc, WIRE_VALIDATORS_MAX);
    }
    m.u.sync_response = (wire_sync_response){.count = WIRE_SYNC_BLOCKS_MAX, .blocks = blocks};
    assert_int_equal(encode(&m, enc_buf, &len), SEQ_OK);
    mem = malloc(WIRE_DECODE_ARENA_BYTES(len));
    seq_arena_init(&arena, mem, WIRE_DECODE_ARENA_BYTES(len));
    assert_int_equal(wire_decode(&d, &arena, enc_buf, len), SEQ_OK);
    assert_true(wire_msg_equal(&m, &d));

    /* The same message with a too-small arena fails cleanly. */
    seq_arena_init(&arena, mem, len);
    assert_int_equal(wire_decode(&d, &arena, enc_buf, len), SEQ_ERR_TOO_LARGE);
    assert_true(is_zero(&d, sizeof d));
    free(mem);
}

/* Random bytes and mutations of valid encodings: every outcome is either a
 * clean error with a zeroed output, or a message that re-encodes to exactly
 * the input. */
static void check_garbage(const uint8_t *in, size_t len, size_t *accepted)
{
    wire_msg d;
    seq_err err = decode(&d, in, len);
    if (err != SEQ_OK) {
        assert_true(is_zero(&d, sizeof d));
        assert_true(err > SEQ_OK && err < SEQ_ERR_COUNT_);
        return;
    }
    size_t len2 = 0;
    assert_int_equal(encode(&d, enc_buf2, &len2), SEQ_OK);
    assert_int_equal(len2, len);
    assert_memory_equal(in, enc_buf2, len);
    (*accepted)++;
}

static void test_garbage_and_mutations(void **state)
{
    (void)state;
    static uint8_t in[4096];
    size_t accepted = 0;
    for (int i = 0; i < 3000; i++) {
        size_t len = rng_below(sizeof in);
        rng_fill(in, len);
        check_garbage(in, len, &accepted);
    }
    for (int i = 0; i < 4000; i++) {
        seq_arena_reset(&gen_arena);
        wire_msg m;
        rnd_msg(&m, (wire_type)(TYPE_FIRST + rng_below(TYPE_LAST - TYPE_FIRST + 1)));
        size_t len = 0;
        assert_int_equal(encode(&m, enc_buf, &len), SEQ_OK);
        if (len > sizeof in - 8)
            continue;
        memcpy(in, enc_buf, len);
        switch (rng_below(4)) {
        case 0: /* flip bits */
            for (int k = 0; k < 1 + (int)rng_below(4); k++)
                in[rng_below(len)] ^= (uint8_t)(1u << rng_below(8));
            break;
        case 1: /* overwrite a byte */
            in[rng_below(len)] = (uint8_t)rng_next();
            break;
        case 2: /* insert a byte */ {
            size_t at = rng_below(len + 1);
            memmove(in + at + 1, in + at, len - at);
            in[at] = (uint8_t)rng_next();
            len++;
            break;
        }
        default: /* delete a byte */ {
            size_t at = rng_below(len);
            memmove(in + at, in + at + 1, len - at - 1);
            len--;
            break;
        }
        }
        check_garbage(in, len, &accepted);
    }
    print_message("garbage: %zu of 7000 inputs decoded (and re-encoded identically)\n", accepted);
}

static void test_type_names(void **state)
{
    (void)state;
    for (wire_type t = TYPE_FIRST; t <= TYPE_LAST; t++) {
        const char *name = wire_type_name(t);
        assert_non_null(name);
        assert_string_not_equal(name, "unknown");
        for (wire_type u = TYPE_FIRST; u < t; u++)
            assert_string_not_equal(name, wire_type_name(u));
    }
    assert_string_equal(wire_type_name(WIRE_PROPOSAL), "proposal");
    assert_string_equal(wire_type_name((wire_type)0), "unknown");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip_every_type),
        cmocka_unit_test(test_equal_detects_difference),
        cmocka_unit_test(test_every_prefix_rejected),
        cmocka_unit_test(test_noncanonical_rejected),
        cmocka_unit_test(test_version_checked),
        cmocka_unit_test(test_tx_batch_senders),
        cmocka_unit_test(test_structural_rules),
        cmocka_unit_test(test_size_caps),
        cmocka_unit_test(test_max_messages_fit_arena),
        cmocka_unit_test(test_garbage_and_mutations),
        cmocka_unit_test(test_type_names),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
