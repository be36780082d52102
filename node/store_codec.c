/* store_codec.c — the store's record formats: pure encoders and decoders
 * between structs and bytes, with no LMDB and no logging, so that they can
 * be fuzzed and tested on their own.
 *
 * Every record is version (1) || kind (1) || body || checksum (16), the
 * checksum being BLAKE2b-128 over everything before it. Integers are
 * fixed-width big-endian; every variable part carries an explicit length
 * or count that is checked against its cap and against the bytes that are
 * actually there before anything is allocated. */
#include <sodium.h>
#include <string.h>

#include "internal.h"

#define REC_HEAD_BYTES 2u /* version, kind */

#define META_BODY_BYTES          (4u + SEQ_HASH_BYTES + 8u)
#define SAFETY_VIEWS_BYTES       16u
#define QC_HEAD_BYTES            (8u + 8u + SEQ_HASH_BYTES + 4u)
#define BLOCK_HEAD_BYTES         (SEQ_HASH_BYTES + STORE_HEADER_BYTES + 4u)
#define HEIGHT_BODY_BYTES        (8u + SEQ_HASH_BYTES)
#define TX_BODY_BYTES            (8u + 4u)
#define SIGNED_BYTES             (SEQ_ADDR_BYTES + SEQ_SIG_BYTES)
#define BLOCK_STMT_BYTES         (8u + 8u + 8u + SEQ_HASH_BYTES + SIGNED_BYTES)
#define TIMEOUT_STMT_BYTES       (8u + 8u + 8u + SIGNED_BYTES)
#define ATTESTATION_STMT_BYTES   (8u + 8u + 2u * SEQ_HASH_BYTES + 8u + 8u + 8u + SIGNED_BYTES)
#define EVIDENCE_BODY_BYTES(one) (1u + 2u * (one))

_Static_assert(STORE_CHECKSUM_BYTES >= crypto_generichash_BYTES_MIN, "BLAKE2b output size");
_Static_assert(STORE_HEADER_BYTES == 6u * 8u + 3u * SEQ_HASH_BYTES + SEQ_ADDR_BYTES,
               "header width matches its fields");
_Static_assert(STORE_QC_BODY_BYTES_MAX == QC_HEAD_BYTES + WIRE_VALIDATORS_MAX * STORE_QC_SIG_BYTES,
               "QC cap matches its layout");
_Static_assert(CONS_VALIDATORS_MAX <= WIRE_VALIDATORS_MAX, "a safety QC is a wire QC");
_Static_assert(WIRE_BLOCK_TXS_MAX <= UINT32_MAX && WIRE_TX_BYTES_MAX <= UINT32_MAX,
               "counts and lengths are stored as u32");

/* ------------------------------------------------------- integers, keys */

void store_u64_be(uint8_t out[8], uint64_t v)
{
    for (size_t i = 0; i < 8; i++)
        out[i] = (uint8_t)(v >> (56 - 8 * i));
}

uint64_t store_u64_from_be(const uint8_t in[8])
{
    uint64_t v = 0;
    for (size_t i = 0; i < 8; i++)
        v = (v << 8) | in[i];
    return v;
}

/* --------------------------------------------------------------- writer */

/* Writes into a buffer whose exact size is known in advance: running past
 * it is a bug of this file. */
typedef struct {
    uint8_t *p;
    size_t len;
    size_t cap;
} rec_out;

static void out_bytes(rec_out *w, const void *src, size_t n)
{
    SEQ_ASSERT(n <= w->cap - w->len);
    if (n > 0)
        memcpy(w->p + w->len, src, n);
    w->len += n;
}

static void out_u8(rec_out *w, uint8_t v)
{
    out_bytes(w, &v, 1);
}

static void out_u32(rec_out *w, uint32_t v)
{
    uint8_t b[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
    out_bytes(w, b, sizeof b);
}

static void out_u64(rec_out *w, uint64_t v)
{
    uint8_t b[8];
    store_u64_be(b, v);
    out_bytes(w, b, sizeof b);
}

/* Starts a record of kind with body_len body bytes in out[0..out_cap). */
static seq_err rec_begin(rec_out *w, uint8_t *out, size_t out_cap, size_t *out_len, uint8_t kind,
                         size_t body_len)
{
    SEQ_ASSERT(out_len != NULL);
    SEQ_ASSERT(body_len <= STORE_RECORD_BYTES_MAX - STORE_RECORD_OVERHEAD_BYTES);
    *out_len = 0;
    size_t total = body_len + STORE_RECORD_OVERHEAD_BYTES;
    if (out == NULL || out_cap < total)
        return SEQ_ERR_NO_SPACE;
    *w = (rec_out){.p = out, .len = 0, .cap = total - STORE_CHECKSUM_BYTES};
    out_u8(w, STORE_RECORD_VERSION);
    out_u8(w, kind);
    return SEQ_OK;
}

/* Appends the checksum once the body is complete. */
static void rec_end(rec_out *w, size_t *out_len)
{
    SEQ_ASSERT(w->len == w->cap);
    int rc = crypto_generichash(w->p + w->len, STORE_CHECKSUM_BYTES, w->p, w->len, NULL, 0);
    SEQ_ASSERT(rc == 0);
    *out_len = w->len + STORE_CHECKSUM_BYTES;
}

/* --------------------------------------------------------------- reader */

/* Reads from untrusted bytes: any read past the end clears ok and yields
 * zeros, so a parser checks ok once at the end. */
typedef struct {
    const uint8_t *p;
    size_t left;
    bool ok;
} rec_in;

static void in_bytes(rec_in *r, void *dst, size_t n)
{
    if (!r->ok || n > r->left) {
        r->ok = false;
        memset(dst, 0, n);
        return;
    }
    memcpy(dst, r->p, n);
    r->p += n;
    r->left -= n;
}

static void in_skip(rec_in *r, size_t n)
{
    if (!r->ok || n > r->left) {
        r->ok = false;
        return;
    }
    r->p += n;
    r->left -= n;
}

static uint8_t in_u8(rec_in *r)
{
    uint8_t v;
    in_bytes(r, &v, 1);
    return v;
}

static uint32_t in_u32(rec_in *r)
{
    uint8_t b[4];
    in_bytes(r, b, sizeof b);
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

static uint64_t in_u64(rec_in *r)
{
    uint8_t b[8];
    in_bytes(r, b, sizeof b);
    return store_u64_from_be(b);
}

/* Checks length bounds, checksum, version and kind, and positions *r on
 * the body. */
static seq_err rec_open(rec_in *r, const uint8_t *in, size_t in_len, uint8_t kind)
{
    *r = (rec_in){.ok = false};
    if (in == NULL || in_len < STORE_RECORD_OVERHEAD_BYTES || in_len > STORE_RECORD_BYTES_MAX)
        return SEQ_ERR_CORRUPT;
    size_t body_end = in_len - STORE_CHECKSUM_BYTES;
    uint8_t sum[STORE_CHECKSUM_BYTES];
    int rc = crypto_generichash(sum, sizeof sum, in, body_end, NULL, 0);
    SEQ_ASSERT(rc == 0);
    if (memcmp(sum, in + body_end, sizeof sum) != 0)
        return SEQ_ERR_CORRUPT;
    if (in[0] != STORE_RECORD_VERSION || in[1] != kind)
        return SEQ_ERR_CORRUPT;
    *r = (rec_in){.p = in + REC_HEAD_BYTES, .left = body_end - REC_HEAD_BYTES, .ok = true};
    return SEQ_OK;
}

/* The body must have been read exactly. */
static bool rec_done(const rec_in *r)
{
    return r->ok && r->left == 0;
}

/* ----------------------------------------------------------------- meta */

seq_err store_meta_encode(uint8_t *out, size_t out_cap, size_t *out_len, const store_meta *meta)
{
    SEQ_ASSERT(meta != NULL);
    rec_out w;
    seq_err err = rec_begin(&w, out, out_cap, out_len, STORE_KIND_META, META_BODY_BYTES);
    if (err != SEQ_OK)
        return err;
    out_u32(&w, meta->schema_version);
    out_bytes(&w, meta->genesis_hash.b, SEQ_HASH_BYTES);
    out_u64(&w, meta->created_at_ms);
    rec_end(&w, out_len);
    return SEQ_OK;
}

seq_err store_meta_decode(store_meta *out, const uint8_t *in, size_t in_len)
{
    SEQ_ASSERT(out != NULL);
    memset(out, 0, sizeof *out);
    rec_in r;
    if (rec_open(&r, in, in_len, STORE_KIND_META) != SEQ_OK)
        return SEQ_ERR_CORRUPT;
    out->schema_version = in_u32(&r);
    in_bytes(&r, out->genesis_hash.b, SEQ_HASH_BYTES);
    out->created_at_ms = in_u64(&r);
    if (!rec_done(&r)) {
        memset(out, 0, sizeof *out);
        return SEQ_ERR_CORRUPT;
    }
    return SEQ_OK;
}

/* ------------------------------------------------------------------- QC */

static bool sigs_ascending(const wire_sig *sigs, size_t count)
{
    for (size_t i = 1; i < count; i++) {
        if (seq_addr_compare(&sigs[i - 1].signer, &sigs[i].signer) >= 0)
            return false;
    }
    return true;
}

static bool qc_valid(const wire_qc *qc, size_t sig_count_max)
{
    return qc->sig_count <= sig_count_max && (qc->sigs != NULL || qc->sig_count == 0) &&
           sigs_ascending(qc->sigs, qc->sig_count);
}

static size_t qc_body_len(const wire_qc *qc)
{
    return QC_HEAD_BYTES + qc->sig_count * STORE_QC_SIG_BYTES;
}

static void out_qc(rec_out *w, const wire_qc *qc)
{
    out_u64(w, qc->view);
    out_u64(w, qc->height);
    out_bytes(w, qc->block_hash.b, SEQ_HASH_BYTES);
    out_u32(w, (uint32_t)qc->sig_count);
    for (size_t i = 0; i < qc->sig_count; i++) {
        out_bytes(w, qc->sigs[i].signer.b, SEQ_ADDR_BYTES);
        out_bytes(w, qc->sigs[i].sig.b, SEQ_SIG_BYTES);
    }
}

/* Reads a QC's fixed head; the signatures must be exactly what is left of
 * the body and within sig_count_max, checked before anything is copied.
 * Returns the count, or clears r->ok. */
static size_t in_qc_head(rec_in *r, wire_qc *qc, size_t sig_count_max)
{
    qc->view = in_u64(r);
    qc->height = in_u64(r);
    in_bytes(r, qc->block_hash.b, SEQ_HASH_BYTES);
    uint32_t count = in_u32(r);
    if (!r->ok || count > sig_count_max || r->left != (size_t)count * STORE_QC_SIG_BYTES) {
        r->ok = false;
        return 0;
    }
    return count;
}

static void in_sigs(rec_in *r, wire_sig *sigs, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        in_bytes(r, sigs[i].signer.b, SEQ_ADDR_BYTES);
        in_bytes(r, sigs[i].sig.b, SEQ_SIG_BYTES);
    }
    if (!sigs_ascending(sigs, count))
        r->ok = false;
}

seq_err store_qc_encode(uint8_t *out, size_t out_cap, size_t *out_len, const wire_qc *qc)
{
    SEQ_ASSERT(out_len != NULL && qc != NULL);
    *out_len = 0;
    if (!qc_valid(qc, WIRE_VALIDATORS_MAX))
        return SEQ_ERR_INVALID_ARG;
    rec_out w;
    seq_err err = rec_begin(&w, out, out_cap, out_len, STORE_KIND_QC, qc_body_len(qc));
    if (err != SEQ_OK)
        return err;
    out_qc(&w, qc);
    rec_end(&w, out_len);
    return SEQ_OK;
}

seq_err store_qc_decode(wire_qc *out, seq_arena *arena, const uint8_t *in, size_t in_len)
{
    SEQ_ASSERT(out != NULL && arena != NULL);
    memset(out, 0, sizeof *out);
    rec_in r;
    if (rec_open(&r, in, in_len, STORE_KIND_QC) != SEQ_OK)
        return SEQ_ERR_CORRUPT;
    wire_qc qc = {0};
    size_t count = in_qc_head(&r, &qc, WIRE_VALIDATORS_MAX);
    if (!r.ok)
        return SEQ_ERR_CORRUPT;
    wire_sig *sigs = seq_arena_alloc(arena, count * sizeof *sigs);
    if (sigs == NULL)
        return SEQ_ERR_NO_SPACE;
    in_sigs(&r, sigs, count);
    if (!rec_done(&r))
        return SEQ_ERR_CORRUPT;
    qc.sig_count = count;
    qc.sigs = sigs;
    *out = qc;
    return SEQ_OK;
}

/* --------------------------------------------------------------- safety */

static wire_qc qc_view(const cons_qc *q)
{
    return (wire_qc){.view = q->view,
                     .height = q->height,
                     .block_hash = q->block_hash,
                     .sig_count = q->sig_count,
                     .sigs = q->sigs};
}

seq_err store_safety_encode(uint8_t *out, size_t out_cap, size_t *out_len,
                            const cons_safety *safety)
{
    SEQ_ASSERT(out_len != NULL && safety != NULL);
    *out_len = 0;
    wire_qc timeout_qc = qc_view(&safety->timeout_qc), high_qc = qc_view(&safety->high_qc);
    if (!qc_valid(&timeout_qc, CONS_VALIDATORS_MAX) || !qc_valid(&high_qc, CONS_VALIDATORS_MAX))
        return SEQ_ERR_INVALID_ARG;
    rec_out w;
    seq_err err = rec_begin(&w, out, out_cap, out_len, STORE_KIND_SAFETY,
                            SAFETY_VIEWS_BYTES + qc_body_len(&timeout_qc) + qc_body_len(&high_qc));
    if (err != SEQ_OK)
        return err;
    out_u64(&w, safety->view_voted);
    out_u64(&w, safety->view_timeout);
    out_qc(&w, &timeout_qc);
    out_qc(&w, &high_qc);
    rec_end(&w, out_len);
    return SEQ_OK;
}

/* Reads one certificate that more bytes may follow. */
static void in_cons_qc(rec_in *r, cons_qc *out)
{
    out->view = in_u64(r);
    out->height = in_u64(r);
    in_bytes(r, out->block_hash.b, SEQ_HASH_BYTES);
    uint32_t count = in_u32(r);
    if (!r->ok || count > CONS_VALIDATORS_MAX || r->left < (size_t)count * STORE_QC_SIG_BYTES) {
        r->ok = false;
        return;
    }
    out->sig_count = count;
    in_sigs(r, out->sigs, count);
}

seq_err store_safety_decode(cons_safety *out, const uint8_t *in, size_t in_len)
{
    SEQ_ASSERT(out != NULL);
    memset(out, 0, sizeof *out);
    rec_in r;
    if (rec_open(&r, in, in_len, STORE_KIND_SAFETY) != SEQ_OK)
        return SEQ_ERR_CORRUPT;
    out->view_voted = in_u64(&r);
    out->view_timeout = in_u64(&r);
    in_cons_qc(&r, &out->timeout_qc);
    if (r.ok)
        in_cons_qc(&r, &out->high_qc);
    if (!r.ok || !rec_done(&r)) {
        memset(out, 0, sizeof *out);
        return SEQ_ERR_CORRUPT;
    }
    return SEQ_OK;
}

/* ---------------------------------------------------------------- block */

static void out_header(rec_out *w, const seq_block_header *h)
{
    out_u64(w, h->l2_chain_id);
    out_u64(w, h->height);
    out_u64(w, h->view);
    out_bytes(w, h->parent_hash.b, SEQ_HASH_BYTES);
    out_bytes(w, h->tx_root.b, SEQ_HASH_BYTES);
    out_u64(w, h->l1_origin_number);
    out_bytes(w, h->l1_origin_hash.b, SEQ_HASH_BYTES);
    out_u64(w, h->forced_cursor);
    out_u64(w, h->timestamp_ms);
    out_bytes(w, h->proposer.b, SEQ_ADDR_BYTES);
}

static void in_header(rec_in *r, seq_block_header *h)
{
    h->l2_chain_id = in_u64(r);
    h->height = in_u64(r);
    h->view = in_u64(r);
    in_bytes(r, h->parent_hash.b, SEQ_HASH_BYTES);
    in_bytes(r, h->tx_root.b, SEQ_HASH_BYTES);
    h->l1_origin_number = in_u64(r);
    in_bytes(r, h->l1_origin_hash.b, SEQ_HASH_BYTES);
    h->forced_cursor = in_u64(r);
    h->timestamp_ms = in_u64(r);
    in_bytes(r, h->proposer.b, SEQ_ADDR_BYTES);
}

/* The body length of a block within every cap, or 0 if it breaks one. */
static size_t block_body_len(const wire_block *b)
{
    if (b->tx_count > WIRE_BLOCK_TXS_MAX || (b->txs == NULL && b->tx_count > 0))
        return 0;
    size_t total = 0;
    for (size_t i = 0; i < b->tx_count; i++) {
        size_t len = b->txs[i].len;
        if (len == 0 || len > WIRE_TX_BYTES_MAX || b->txs[i].ptr == NULL)
            return 0;
        total += len;
        if (total > WIRE_BLOCK_TX_BYTES_MAX)
            return 0;
    }
    return BLOCK_HEAD_BYTES + 4u * b->tx_count + total;
}

seq_err store_block_encode(uint8_t *out, size_t out_cap, size_t *out_len, const cons_block *block)
{
    SEQ_ASSERT(out_len != NULL && block != NULL);
    *out_len = 0;
    const wire_block *b = &block->block;
    size_t body_len = block_body_len(b);
    if (body_len == 0)
        return SEQ_ERR_INVALID_ARG;
    rec_out w;
    seq_err err = rec_begin(&w, out, out_cap, out_len, STORE_KIND_BLOCK, body_len);
    if (err != SEQ_OK)
        return err;
    out_bytes(&w, block->hash.b, SEQ_HASH_BYTES);
    out_header(&w, &b->header);
    out_u32(&w, (uint32_t)b->tx_count);
    for (size_t i = 0; i < b->tx_count; i++) {
        out_u32(&w, (uint32_t)b->txs[i].len);
        out_bytes(&w, b->txs[i].ptr, b->txs[i].len);
    }
    rec_end(&w, out_len);
    return SEQ_OK;
}

/* Walks the length-prefixed txs, checking every cap; fills the totals. */
static bool block_txs_check(rec_in *r, store_block_view *v, uint32_t count)
{
    if (count > WIRE_BLOCK_TXS_MAX)
        return false;
    v->txs = r->p;
    v->txs_len = r->left;
    size_t total = 0;
    for (uint32_t i = 0; i < count; i++) {
        uint32_t len = in_u32(r);
        if (!r->ok || len == 0 || len > WIRE_TX_BYTES_MAX || len > r->left)
            return false;
        total += len;
        if (total > WIRE_BLOCK_TX_BYTES_MAX)
            return false;
        in_skip(r, len);
    }
    v->tx_count = count;
    v->tx_bytes = total;
    return rec_done(r);
}

seq_err store_block_view_parse(store_block_view *out, const uint8_t *in, size_t in_len)
{
    SEQ_ASSERT(out != NULL);
    memset(out, 0, sizeof *out);
    rec_in r;
    if (rec_open(&r, in, in_len, STORE_KIND_BLOCK) != SEQ_OK)
        return SEQ_ERR_CORRUPT;
    in_bytes(&r, out->hash.b, SEQ_HASH_BYTES);
    in_header(&r, &out->header);
    uint32_t count = in_u32(&r);
    if (!r.ok || !block_txs_check(&r, out, count)) {
        memset(out, 0, sizeof *out);
        return SEQ_ERR_CORRUPT;
    }
    return SEQ_OK;
}

void store_tx_cursor_init(store_tx_cursor *c, const store_block_view *view)
{
    SEQ_ASSERT(c != NULL && view != NULL);
    *c = (store_tx_cursor){.next = view->txs, .left = view->txs_len, .remaining = view->tx_count};
}

seq_bytes store_tx_cursor_next(store_tx_cursor *c)
{
    /* The view was checked by store_block_view_parse: these hold unless
     * the input changed underneath it. */
    SEQ_ASSERT(c->remaining > 0 && c->left >= 4);
    size_t len =
        (size_t)c->next[0] << 24 | (size_t)c->next[1] << 16 | (size_t)c->next[2] << 8 | c->next[3];
    SEQ_ASSERT(len <= c->left - 4);
    seq_bytes tx = {.ptr = c->next + 4, .len = len};
    c->next += 4 + len;
    c->left -= 4 + len;
    c->remaining--;
    return tx;
}

seq_err store_block_decode(cons_block *out, seq_arena *arena, const uint8_t *in, size_t in_len)
{
    SEQ_ASSERT(out != NULL && arena != NULL);
    memset(out, 0, sizeof *out);
    store_block_view v;
    seq_err err = store_block_view_parse(&v, in, in_len);
    if (err != SEQ_OK)
        return err;
    seq_bytes *txs = seq_arena_alloc(arena, v.tx_count * sizeof *txs);
    uint8_t *bytes = txs == NULL ? NULL : seq_arena_alloc(arena, v.tx_bytes);
    if (bytes == NULL)
        return SEQ_ERR_NO_SPACE;
    store_tx_cursor c;
    store_tx_cursor_init(&c, &v);
    for (size_t i = 0; i < v.tx_count; i++) {
        seq_bytes tx = store_tx_cursor_next(&c);
        memcpy(bytes, tx.ptr, tx.len);
        txs[i] = (seq_bytes){.ptr = bytes, .len = tx.len};
        bytes += tx.len;
    }
    out->hash = v.hash;
    out->block = (wire_block){.header = v.header, .tx_count = v.tx_count, .txs = txs};
    return SEQ_OK;
}

/* --------------------------------------------------- heights, tx index */

seq_err store_height_encode(uint8_t *out, size_t out_cap, size_t *out_len, uint64_t height,
                            const seq_hash *hash)
{
    SEQ_ASSERT(hash != NULL);
    rec_out w;
    seq_err err = rec_begin(&w, out, out_cap, out_len, STORE_KIND_HEIGHT, HEIGHT_BODY_BYTES);
    if (err != SEQ_OK)
        return err;
    out_u64(&w, height);
    out_bytes(&w, hash->b, SEQ_HASH_BYTES);
    rec_end(&w, out_len);
    return SEQ_OK;
}

seq_err store_height_decode(uint64_t *height, seq_hash *hash, const uint8_t *in, size_t in_len)
{
    SEQ_ASSERT(height != NULL && hash != NULL);
    *height = 0;
    memset(hash, 0, sizeof *hash);
    rec_in r;
    if (rec_open(&r, in, in_len, STORE_KIND_HEIGHT) != SEQ_OK)
        return SEQ_ERR_CORRUPT;
    uint64_t h = in_u64(&r);
    in_bytes(&r, hash->b, SEQ_HASH_BYTES);
    if (!rec_done(&r)) {
        memset(hash, 0, sizeof *hash);
        return SEQ_ERR_CORRUPT;
    }
    *height = h;
    return SEQ_OK;
}

seq_err store_tx_encode(uint8_t *out, size_t out_cap, size_t *out_len,
                        const store_tx_location *location)
{
    SEQ_ASSERT(out_len != NULL && location != NULL);
    *out_len = 0;
    if (location->index >= WIRE_BLOCK_TXS_MAX)
        return SEQ_ERR_INVALID_ARG;
    rec_out w;
    seq_err err = rec_begin(&w, out, out_cap, out_len, STORE_KIND_TX, TX_BODY_BYTES);
    if (err != SEQ_OK)
        return err;
    out_u64(&w, location->height);
    out_u32(&w, location->index);
    rec_end(&w, out_len);
    return SEQ_OK;
}

seq_err store_tx_decode(store_tx_location *out, const uint8_t *in, size_t in_len)
{
    SEQ_ASSERT(out != NULL);
    memset(out, 0, sizeof *out);
    rec_in r;
    if (rec_open(&r, in, in_len, STORE_KIND_TX) != SEQ_OK)
        return SEQ_ERR_CORRUPT;
    uint64_t height = in_u64(&r);
    uint32_t index = in_u32(&r);
    if (!rec_done(&r) || index >= WIRE_BLOCK_TXS_MAX)
        return SEQ_ERR_CORRUPT;
    *out = (store_tx_location){.height = height, .index = index};
    return SEQ_OK;
}

/* ------------------------------------------------------------- evidence */

static size_t evidence_stmt_bytes(wire_evidence_kind kind)
{
    switch (kind) {
    case WIRE_EVIDENCE_PROPOSAL:
    case WIRE_EVIDENCE_VOTE:
        return BLOCK_STMT_BYTES;
    case WIRE_EVIDENCE_TIMEOUT:
        return TIMEOUT_STMT_BYTES;
    case WIRE_EVIDENCE_ATTESTATION:
        return ATTESTATION_STMT_BYTES;
    }
    return 0;
}

static bool block_stmts_conflict(const wire_block_statement *a, const wire_block_statement *b)
{
    return seq_addr_equal(&a->signer, &b->signer) && a->stmt.view == b->stmt.view &&
           (a->stmt.l2_chain_id != b->stmt.l2_chain_id || a->stmt.height != b->stmt.height ||
            !seq_hash_equal(&a->stmt.block_hash, &b->stmt.block_hash));
}

static bool timeout_stmts_conflict(const wire_timeout_statement *a, const wire_timeout_statement *b)
{
    return seq_addr_equal(&a->signer, &b->signer) && a->stmt.view == b->stmt.view &&
           (a->stmt.l2_chain_id != b->stmt.l2_chain_id ||
            a->stmt.high_qc_view != b->stmt.high_qc_view);
}

static bool attestations_conflict(const wire_attestation *a, const wire_attestation *b)
{
    const seq_attestation_stmt *x = &a->stmt, *y = &b->stmt;
    if (x->first_height > x->last_height || y->first_height > y->last_height)
        return false;
    return seq_addr_equal(&a->signer, &b->signer) && x->index == y->index &&
           (x->l2_chain_id != y->l2_chain_id ||
            !seq_hash_equal(&x->prev_batch_hash, &y->prev_batch_hash) ||
            !seq_hash_equal(&x->data_hash, &y->data_hash) || x->first_height != y->first_height ||
            x->last_height != y->last_height || x->forced_cursor != y->forced_cursor);
}

/* True iff e is evidence: a known kind, one signer, one view, two
 * different statements. */
static bool evidence_valid(const wire_evidence *e)
{
    switch (e->kind) {
    case WIRE_EVIDENCE_PROPOSAL:
    case WIRE_EVIDENCE_VOTE:
        return block_stmts_conflict(&e->u.block.a, &e->u.block.b);
    case WIRE_EVIDENCE_TIMEOUT:
        return timeout_stmts_conflict(&e->u.timeout.a, &e->u.timeout.b);
    case WIRE_EVIDENCE_ATTESTATION:
        return attestations_conflict(&e->u.attestation.a, &e->u.attestation.b);
    }
    return false;
}

static void out_signed(rec_out *w, const seq_addr *signer, const seq_sig *sig)
{
    out_bytes(w, signer->b, SEQ_ADDR_BYTES);
    out_bytes(w, sig->b, SEQ_SIG_BYTES);
}

static void in_signed(rec_in *r, seq_addr *signer, seq_sig *sig)
{
    in_bytes(r, signer->b, SEQ_ADDR_BYTES);
    in_bytes(r, sig->b, SEQ_SIG_BYTES);
}

/* A signed BatchAttestation: its fields in EIP-712 order, signer, signature. */
static void out_attestation(rec_out *w, const wire_attestation *a)
{
    out_u64(w, a->stmt.l2_chain_id);
    out_u64(w, a->stmt.index);
    out_bytes(w, a->stmt.prev_batch_hash.b, SEQ_HASH_BYTES);
    out_bytes(w, a->stmt.data_hash.b, SEQ_HASH_BYTES);
    out_u64(w, a->stmt.first_height);
    out_u64(w, a->stmt.last_height);
    out_u64(w, a->stmt.forced_cursor);
    out_signed(w, &a->signer, &a->sig);
}

static void in_attestation(rec_in *r, wire_attestation *a)
{
    a->stmt.l2_chain_id = in_u64(r);
    a->stmt.index = in_u64(r);
    in_bytes(r, a->stmt.prev_batch_hash.b, SEQ_HASH_BYTES);
    in_bytes(r, a->stmt.data_hash.b, SEQ_HASH_BYTES);
    a->stmt.first_height = in_u64(r);
    a->stmt.last_height = in_u64(r);
    a->stmt.forced_cursor = in_u64(r);
    in_signed(r, &a->signer, &a->sig);
}

static void out_statement(rec_out *w, wire_evidence_kind kind, const wire_evidence *e, bool second)
{
    if (kind == WIRE_EVIDENCE_TIMEOUT) {
        const wire_timeout_statement *s = second ? &e->u.timeout.b : &e->u.timeout.a;
        out_u64(w, s->stmt.l2_chain_id);
        out_u64(w, s->stmt.view);
        out_u64(w, s->stmt.high_qc_view);
        out_signed(w, &s->signer, &s->sig);
    } else if (kind == WIRE_EVIDENCE_ATTESTATION) {
        out_attestation(w, second ? &e->u.attestation.b : &e->u.attestation.a);
    } else {
        const wire_block_statement *s = second ? &e->u.block.b : &e->u.block.a;
        out_u64(w, s->stmt.l2_chain_id);
        out_u64(w, s->stmt.view);
        out_u64(w, s->stmt.height);
        out_bytes(w, s->stmt.block_hash.b, SEQ_HASH_BYTES);
        out_signed(w, &s->signer, &s->sig);
    }
}

static void in_statement(rec_in *r, wire_evidence_kind kind, wire_evidence *e, bool second)
{
    if (kind == WIRE_EVIDENCE_TIMEOUT) {
        wire_timeout_statement *s = second ? &e->u.timeout.b : &e->u.timeout.a;
        s->stmt.l2_chain_id = in_u64(r);
        s->stmt.view = in_u64(r);
        s->stmt.high_qc_view = in_u64(r);
        in_signed(r, &s->signer, &s->sig);
    } else if (kind == WIRE_EVIDENCE_ATTESTATION) {
        in_attestation(r, second ? &e->u.attestation.b : &e->u.attestation.a);
    } else {
        wire_block_statement *s = second ? &e->u.block.b : &e->u.block.a;
        s->stmt.l2_chain_id = in_u64(r);
        s->stmt.view = in_u64(r);
        s->stmt.height = in_u64(r);
        in_bytes(r, s->stmt.block_hash.b, SEQ_HASH_BYTES);
        in_signed(r, &s->signer, &s->sig);
    }
}

seq_err store_evidence_encode(uint8_t *out, size_t out_cap, size_t *out_len,
                              const wire_evidence *evidence)
{
    SEQ_ASSERT(out_len != NULL && evidence != NULL);
    *out_len = 0;
    if (!evidence_valid(evidence))
        return SEQ_ERR_INVALID_ARG;
    size_t one = evidence_stmt_bytes(evidence->kind);
    rec_out w;
    seq_err err =
        rec_begin(&w, out, out_cap, out_len, STORE_KIND_EVIDENCE, EVIDENCE_BODY_BYTES(one));
    if (err != SEQ_OK)
        return err;
    out_u8(&w, (uint8_t)evidence->kind);
    out_statement(&w, evidence->kind, evidence, false);
    out_statement(&w, evidence->kind, evidence, true);
    rec_end(&w, out_len);
    return SEQ_OK;
}

seq_err store_evidence_decode(wire_evidence *out, const uint8_t *in, size_t in_len)
{
    SEQ_ASSERT(out != NULL);
    memset(out, 0, sizeof *out);
    rec_in r;
    if (rec_open(&r, in, in_len, STORE_KIND_EVIDENCE) != SEQ_OK)
        return SEQ_ERR_CORRUPT;
    wire_evidence_kind kind = (wire_evidence_kind)in_u8(&r);
    size_t one = evidence_stmt_bytes(kind);
    if (!r.ok || one == 0 || r.left != 2 * one)
        return SEQ_ERR_CORRUPT;
    out->kind = kind;
    in_statement(&r, kind, out, false);
    in_statement(&r, kind, out, true);
    if (!rec_done(&r) || !evidence_valid(out)) {
        memset(out, 0, sizeof *out);
        return SEQ_ERR_CORRUPT;
    }
    return SEQ_OK;
}

void store_evidence_key(uint8_t out[STORE_EVIDENCE_KEY_BYTES], const wire_evidence *evidence)
{
    SEQ_ASSERT(out != NULL && evidence != NULL);
    SEQ_ASSERT(evidence_stmt_bytes(evidence->kind) != 0);
    const seq_addr *signer = &evidence->u.block.a.signer;
    uint64_t view = evidence->u.block.a.stmt.view;
    if (evidence->kind == WIRE_EVIDENCE_TIMEOUT) {
        signer = &evidence->u.timeout.a.signer;
        view = evidence->u.timeout.a.stmt.view;
    } else if (evidence->kind == WIRE_EVIDENCE_ATTESTATION) {
        signer = &evidence->u.attestation.a.signer;
        view = evidence->u.attestation.a.stmt.index;
    }
    out[0] = (uint8_t)evidence->kind;
    memcpy(out + 1, signer->b, SEQ_ADDR_BYTES);
    store_u64_be(out + 1 + SEQ_ADDR_BYTES, view);
}

/* ------------------------------------------------------------------ L1 */

#define L1_CURSOR_BODY_BYTES (8u + SEQ_HASH_BYTES)
#define L1_BATCH_BODY_BYTES \
    (8u + 2u * SEQ_HASH_BYTES + 3u * 8u + SEQ_ADDR_BYTES + 8u + 2u * SEQ_HASH_BYTES)

seq_err store_l1_cursor_encode(uint8_t *out, size_t out_cap, size_t *out_len, uint64_t number,
                               const seq_hash *hash)
{
    SEQ_ASSERT(hash != NULL);
    rec_out w;
    seq_err err = rec_begin(&w, out, out_cap, out_len, STORE_KIND_L1_CURSOR, L1_CURSOR_BODY_BYTES);
    if (err != SEQ_OK)
        return err;
    out_u64(&w, number);
    out_bytes(&w, hash->b, SEQ_HASH_BYTES);
    rec_end(&w, out_len);
    return SEQ_OK;
}

seq_err store_l1_cursor_decode(uint64_t *number, seq_hash *hash, const uint8_t *in, size_t in_len)
{
    SEQ_ASSERT(number != NULL && hash != NULL);
    *number = 0;
    memset(hash, 0, sizeof *hash);
    rec_in r;
    if (rec_open(&r, in, in_len, STORE_KIND_L1_CURSOR) != SEQ_OK)
        return SEQ_ERR_CORRUPT;
    uint64_t n = in_u64(&r);
    in_bytes(&r, hash->b, SEQ_HASH_BYTES);
    if (!rec_done(&r)) {
        memset(hash, 0, sizeof *hash);
        return SEQ_ERR_CORRUPT;
    }
    *number = n;
    return SEQ_OK;
}

static bool l1_batch_valid(const store_l1_batch *b)
{
    return b->index < UINT64_MAX && b->first_height <= b->last_height;
}

seq_err store_l1_batch_encode(uint8_t *out, size_t out_cap, size_t *out_len,
                              const store_l1_batch *batch)
{
    SEQ_ASSERT(out_len != NULL && batch != NULL);
    *out_len = 0;
    if (!l1_batch_valid(batch))
        return SEQ_ERR_INVALID_ARG;
    rec_out w;
    seq_err err = rec_begin(&w, out, out_cap, out_len, STORE_KIND_L1_BATCH, L1_BATCH_BODY_BYTES);
    if (err != SEQ_OK)
        return err;
    out_u64(&w, batch->index);
    out_bytes(&w, batch->batch_hash.b, SEQ_HASH_BYTES);
    out_bytes(&w, batch->data_hash.b, SEQ_HASH_BYTES);
    out_u64(&w, batch->first_height);
    out_u64(&w, batch->last_height);
    out_u64(&w, batch->forced_cursor);
    out_bytes(&w, batch->poster.b, SEQ_ADDR_BYTES);
    out_u64(&w, batch->l1_block);
    out_bytes(&w, batch->l1_block_hash.b, SEQ_HASH_BYTES);
    out_bytes(&w, batch->l1_tx_hash.b, SEQ_HASH_BYTES);
    rec_end(&w, out_len);
    return SEQ_OK;
}

#define L1_FORCED_FIXED_BYTES \
    (8u + SEQ_ADDR_BYTES + 8u + 8u + 4u * SEQ_HASH_BYTES + 4u) /* then the tx */

static bool l1_forced_valid(const store_l1_forced *f)
{
    if (f->tx == NULL || f->tx_len == 0 || f->tx_len > STORE_L1_FORCED_TX_BYTES_MAX)
        return false;
    seq_hash h;
    l1_keccak256(&h, f->tx, f->tx_len);
    return seq_hash_equal(&h, &f->tx_hash);
}

seq_err store_l1_forced_encode(uint8_t *out, size_t out_cap, size_t *out_len,
                               const store_l1_forced *f)
{
    SEQ_ASSERT(out_len != NULL && f != NULL);
    *out_len = 0;
    if (!l1_forced_valid(f))
        return SEQ_ERR_INVALID_ARG;
    rec_out w;
    seq_err err = rec_begin(&w, out, out_cap, out_len, STORE_KIND_L1_FORCED,
                            L1_FORCED_FIXED_BYTES + f->tx_len);
    if (err != SEQ_OK)
        return err;
    out_u64(&w, f->index);
    out_bytes(&w, f->sender.b, SEQ_ADDR_BYTES);
    out_u64(&w, f->l1_block);
    out_u64(&w, f->l1_timestamp);
    out_bytes(&w, f->tx_hash.b, SEQ_HASH_BYTES);
    out_bytes(&w, f->acc.b, SEQ_HASH_BYTES);
    out_bytes(&w, f->l1_block_hash.b, SEQ_HASH_BYTES);
    out_bytes(&w, f->l1_tx_hash.b, SEQ_HASH_BYTES);
    out_u32(&w, (uint32_t)f->tx_len);
    out_bytes(&w, f->tx, f->tx_len);
    rec_end(&w, out_len);
    return SEQ_OK;
}

seq_err store_l1_forced_decode(store_l1_forced *out, const uint8_t *in, size_t in_len)
{
    SEQ_ASSERT(out != NULL);
    memset(out, 0, sizeof *out);
    rec_in r;
    if (rec_open(&r, in, in_len, STORE_KIND_L1_FORCED) != SEQ_OK)
        return SEQ_ERR_CORRUPT;
    out->index = in_u64(&r);
    in_bytes(&r, out->sender.b, SEQ_ADDR_BYTES);
    out->l1_block = in_u64(&r);
    out->l1_timestamp = in_u64(&r);
    in_bytes(&r, out->tx_hash.b, SEQ_HASH_BYTES);
    in_bytes(&r, out->acc.b, SEQ_HASH_BYTES);
    in_bytes(&r, out->l1_block_hash.b, SEQ_HASH_BYTES);
    in_bytes(&r, out->l1_tx_hash.b, SEQ_HASH_BYTES);
    uint32_t len = in_u32(&r);
    if (r.ok && len == r.left) {
        out->tx = r.p;
        out->tx_len = len;
        in_skip(&r, len);
    }
    if (!rec_done(&r) || !l1_forced_valid(out)) {
        memset(out, 0, sizeof *out);
        return SEQ_ERR_CORRUPT;
    }
    return SEQ_OK;
}

seq_err store_l1_batch_decode(store_l1_batch *out, const uint8_t *in, size_t in_len)
{
    SEQ_ASSERT(out != NULL);
    memset(out, 0, sizeof *out);
    rec_in r;
    if (rec_open(&r, in, in_len, STORE_KIND_L1_BATCH) != SEQ_OK)
        return SEQ_ERR_CORRUPT;
    out->index = in_u64(&r);
    in_bytes(&r, out->batch_hash.b, SEQ_HASH_BYTES);
    in_bytes(&r, out->data_hash.b, SEQ_HASH_BYTES);
    out->first_height = in_u64(&r);
    out->last_height = in_u64(&r);
    out->forced_cursor = in_u64(&r);
    in_bytes(&r, out->poster.b, SEQ_ADDR_BYTES);
    out->l1_block = in_u64(&r);
    in_bytes(&r, out->l1_block_hash.b, SEQ_HASH_BYTES);
    in_bytes(&r, out->l1_tx_hash.b, SEQ_HASH_BYTES);
    if (!rec_done(&r) || !l1_batch_valid(out)) {
        memset(out, 0, sizeof *out);
        return SEQ_ERR_CORRUPT;
    }
    return SEQ_OK;
}

#define L1_ORIGIN_BODY_BYTES (8u + SEQ_HASH_BYTES + 8u)

/* A zero hash is what an origin never filled in looks like; no L1 block
 * has it. */
static bool l1_origin_valid(const store_l1_origin *o)
{
    return !seq_hash_is_zero(&o->hash);
}

seq_err store_l1_origin_encode(uint8_t *out, size_t out_cap, size_t *out_len,
                               const store_l1_origin *origin)
{
    SEQ_ASSERT(out_len != NULL && origin != NULL);
    *out_len = 0;
    if (!l1_origin_valid(origin))
        return SEQ_ERR_INVALID_ARG;
    rec_out w;
    seq_err err = rec_begin(&w, out, out_cap, out_len, STORE_KIND_L1_ORIGIN, L1_ORIGIN_BODY_BYTES);
    if (err != SEQ_OK)
        return err;
    out_u64(&w, origin->number);
    out_bytes(&w, origin->hash.b, SEQ_HASH_BYTES);
    out_u64(&w, origin->timestamp);
    rec_end(&w, out_len);
    return SEQ_OK;
}

seq_err store_l1_origin_decode(store_l1_origin *out, const uint8_t *in, size_t in_len)
{
    SEQ_ASSERT(out != NULL);
    memset(out, 0, sizeof *out);
    rec_in r;
    if (rec_open(&r, in, in_len, STORE_KIND_L1_ORIGIN) != SEQ_OK)
        return SEQ_ERR_CORRUPT;
    out->number = in_u64(&r);
    in_bytes(&r, out->hash.b, SEQ_HASH_BYTES);
    out->timestamp = in_u64(&r);
    if (!rec_done(&r) || !l1_origin_valid(out)) {
        memset(out, 0, sizeof *out);
        return SEQ_ERR_CORRUPT;
    }
    return SEQ_OK;
}

/* ----------------------------------------------------- own attestations */

seq_err store_attestation_encode(uint8_t *out, size_t out_cap, size_t *out_len,
                                 const wire_attestation *a)
{
    SEQ_ASSERT(out_len != NULL && a != NULL);
    *out_len = 0;
    if (a->stmt.first_height > a->stmt.last_height)
        return SEQ_ERR_INVALID_ARG;
    rec_out w;
    seq_err err =
        rec_begin(&w, out, out_cap, out_len, STORE_KIND_ATTESTATION, ATTESTATION_STMT_BYTES);
    if (err != SEQ_OK)
        return err;
    out_attestation(&w, a);
    rec_end(&w, out_len);
    return SEQ_OK;
}

seq_err store_attestation_decode(wire_attestation *out, const uint8_t *in, size_t in_len)
{
    SEQ_ASSERT(out != NULL);
    memset(out, 0, sizeof *out);
    rec_in r;
    if (rec_open(&r, in, in_len, STORE_KIND_ATTESTATION) != SEQ_OK)
        return SEQ_ERR_CORRUPT;
    in_attestation(&r, out);
    if (!rec_done(&r) || out->stmt.first_height > out->stmt.last_height) {
        memset(out, 0, sizeof *out);
        return SEQ_ERR_CORRUPT;
    }
    return SEQ_OK;
}
