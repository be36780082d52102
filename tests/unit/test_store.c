/* store: record round trips and hostile records, one durable transaction
 * per update, reopen, refusals (other genesis, non-durable flags, unknown
 * schema, second opener), corrupt records, a full map, sync answers, and
 * crash safety with a SIGKILLed writer. */
/* cmocka needs these headers before its own, in this order. */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include <dirent.h>
#include <lmdb.h>
#include <signal.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "l1.h"
#include "node.h"
#include "test_rng.h"

#define TXS_MAX                 16u
#define SIGS                    3u
#define CHAIN_MAX               8u
#define PATH_BYTES              256u
#define CRASH_ROUNDS            3u
#define CRASH_KILL_DELAY_US_MAX 40000u
#define CRASH_HEIGHTS_MAX       100000u

/* --------------------------------------------------------------- fixture */

typedef struct {
    char root[PATH_BYTES]; /* mkdtemp'd */
    char dir[PATH_BYTES];  /* root/data, created by the store */
    seq_hash genesis;
    uint8_t *arena_mem;
    seq_arena arena;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    strcpy(f->root, "/tmp/seqd-store-XXXXXX");
    assert_non_null(mkdtemp(f->root));
    assert_true(strlen(f->root) + sizeof "/data" <= sizeof f->dir);
    strcpy(f->dir, f->root);
    strcat(f->dir, "/data");
    l1_keccak256(&f->genesis, (const uint8_t *)"genesis", 7);
    f->arena_mem = malloc(STORE_SYNC_ARENA_BYTES);
    assert_non_null(f->arena_mem);
    seq_arena_init(&f->arena, f->arena_mem, STORE_SYNC_ARENA_BYTES);
    *state = f;
    return 0;
}

static void remove_tree(const char *path)
{
    DIR *d = opendir(path);
    if (d == NULL)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char child[PATH_BYTES * 2];
        snprintf(child, sizeof child, "%s/%s", path, e->d_name);
        if (e->d_type == DT_DIR)
            remove_tree(child);
        else
            unlink(child);
    }
    closedir(d);
    rmdir(path);
}

static int teardown(void **state)
{
    fixture *f = *state;
    remove_tree(f->root);
    free(f->arena_mem);
    free(f);
    seq_log_configure(SEQ_LOG_WARN, SEQ_LOG_TEXT, NULL);
    return 0;
}

static store *open_ok(const fixture *f, const store_options *o)
{
    store *s = NULL;
    assert_int_equal(store_open(&s, f->dir, &f->genesis, o), SEQ_OK);
    assert_non_null(s);
    return s;
}

/* ---------------------------------------------------------------- chains */

/* A block with its txs and a QC certifying it. */
typedef struct {
    cons_block block;
    seq_bytes txs[TXS_MAX];
    uint8_t *bytes;
    wire_qc qc;
    wire_sig sigs[SIGS];
} tblock;

static void tblock_make(tblock *b, uint64_t height, const seq_hash *parent, size_t tx_count,
                        size_t tx_len)
{
    assert_true(tx_count <= TXS_MAX);
    memset(b, 0, sizeof *b);
    b->bytes = malloc(tx_count * tx_len + 1);
    assert_non_null(b->bytes);
    rng_fill(b->bytes, tx_count * tx_len);
    for (size_t i = 0; i < tx_count; i++)
        b->txs[i] = (seq_bytes){.ptr = b->bytes + i * tx_len, .len = tx_len};
    seq_block_header *h = &b->block.block.header;
    *h = (seq_block_header){.l2_chain_id = 901,
                            .height = height,
                            .view = height + 1,
                            .parent_hash = *parent,
                            .l1_origin_number = 77,
                            .forced_cursor = height / 2,
                            .timestamp_ms = 1000 * height};
    rng_fill(h->tx_root.b, SEQ_HASH_BYTES);
    rng_fill(h->l1_origin_hash.b, SEQ_HASH_BYTES);
    memset(h->proposer.b, 0xaa, SEQ_ADDR_BYTES);
    l1_block_hash(&b->block.hash, h);
    b->block.block.tx_count = tx_count;
    b->block.block.txs = b->txs;
    for (size_t i = 0; i < SIGS; i++) {
        memset(b->sigs[i].signer.b, 0, SEQ_ADDR_BYTES);
        b->sigs[i].signer.b[0] = (uint8_t)(i + 1);
        rng_fill(b->sigs[i].sig.b, SEQ_SIG_BYTES);
        b->sigs[i].sig.b[SEQ_SIG_BYTES - 1] = 27; /* what the wire accepts */
    }
    b->qc = (wire_qc){.view = h->view,
                      .height = height,
                      .block_hash = b->block.hash,
                      .sig_count = SIGS,
                      .sigs = b->sigs};
}

/* blocks[0..count) at heights 1..count, each the parent of the next. */
static void chain_make(tblock *blocks, size_t count, size_t tx_count, size_t tx_len)
{
    seq_hash parent = {{0}};
    for (size_t i = 0; i < count; i++) {
        tblock_make(&blocks[i], i + 1, &parent, tx_count, tx_len);
        parent = blocks[i].block.hash;
    }
}

static void chain_free(tblock *blocks, size_t count)
{
    for (size_t i = 0; i < count; i++)
        free(blocks[i].bytes);
}

static cons_block commit_of(const tblock *b)
{
    return (cons_block){.hash = b->block.hash, .block = {.header = b->block.block.header}};
}

static void safety_of(cons_safety *out, uint64_t view_voted, const wire_qc *qc)
{
    memset(out, 0, sizeof *out);
    out->view_voted = view_voted;
    out->view_timeout = view_voted / 2;
    out->timeout_qc.view = qc->view > 0 ? qc->view - 1 : 0;
    out->timeout_qc.height = qc->height > 0 ? qc->height - 1 : 0;
    out->timeout_qc.block_hash = qc->block_hash;
    out->timeout_qc.block_hash.b[0] ^= 0x5a;
    out->timeout_qc.sig_count = qc->sig_count > 1 ? (uint32_t)qc->sig_count - 1 : 0;
    if (out->timeout_qc.sig_count > 0)
        memcpy(out->timeout_qc.sigs, qc->sigs, out->timeout_qc.sig_count * sizeof(wire_sig));
    out->high_qc.view = qc->view;
    out->high_qc.height = qc->height;
    out->high_qc.block_hash = qc->block_hash;
    out->high_qc.sig_count = (uint32_t)qc->sig_count;
    memcpy(out->high_qc.sigs, qc->sigs, qc->sig_count * sizeof(wire_sig));
}

/* Stores blocks[0..count) with their QCs and commits them, one update. */
static void store_chain(store *s, tblock *blocks, size_t count)
{
    cons_block stored[CHAIN_MAX], commits[CHAIN_MAX];
    wire_qc qcs[CHAIN_MAX];
    assert_true(count <= CHAIN_MAX);
    for (size_t i = 0; i < count; i++) {
        stored[i] = blocks[i].block;
        qcs[i] = blocks[i].qc;
        commits[i] = commit_of(&blocks[i]);
    }
    cons_update u = {.block_count = count,
                     .blocks = stored,
                     .qc_count = count,
                     .qcs = qcs,
                     .commit_count = count,
                     .commits = commits};
    assert_int_equal(store_apply(s, &u), SEQ_OK);
}

/* ------------------------------------------------------------ comparisons */

static void assert_block_equal(const cons_block *got, const tblock *want)
{
    seq_hash h;
    l1_block_hash(&h, &got->block.header);
    assert_memory_equal(h.b, want->block.hash.b, SEQ_HASH_BYTES);
    assert_memory_equal(got->hash.b, want->block.hash.b, SEQ_HASH_BYTES);
    assert_int_equal(got->block.tx_count, want->block.block.tx_count);
    for (size_t i = 0; i < got->block.tx_count; i++) {
        assert_int_equal(got->block.txs[i].len, want->txs[i].len);
        assert_memory_equal(got->block.txs[i].ptr, want->txs[i].ptr, want->txs[i].len);
    }
}

static void assert_qc_equal(const wire_qc *got, const wire_qc *want)
{
    assert_int_equal(got->view, want->view);
    assert_int_equal(got->height, want->height);
    assert_memory_equal(got->block_hash.b, want->block_hash.b, SEQ_HASH_BYTES);
    assert_int_equal(got->sig_count, want->sig_count);
    if (want->sig_count > 0)
        assert_memory_equal(got->sigs, want->sigs, want->sig_count * sizeof(wire_sig));
}

static void assert_safety_equal(const cons_safety *got, const cons_safety *want)
{
    assert_int_equal(got->view_voted, want->view_voted);
    assert_int_equal(got->view_timeout, want->view_timeout);
    assert_int_equal(got->timeout_qc.view, want->timeout_qc.view);
    assert_int_equal(got->timeout_qc.height, want->timeout_qc.height);
    assert_memory_equal(&got->timeout_qc.block_hash, &want->timeout_qc.block_hash,
                        sizeof(seq_hash));
    assert_int_equal(got->timeout_qc.sig_count, want->timeout_qc.sig_count);
    if (want->timeout_qc.sig_count > 0)
        assert_memory_equal(got->timeout_qc.sigs, want->timeout_qc.sigs,
                            want->timeout_qc.sig_count * sizeof(wire_sig));
    wire_qc g = {got->high_qc.view, got->high_qc.height, got->high_qc.block_hash,
                 got->high_qc.sig_count, got->high_qc.sigs};
    wire_qc w = {want->high_qc.view, want->high_qc.height, want->high_qc.block_hash,
                 want->high_qc.sig_count, want->high_qc.sigs};
    assert_qc_equal(&g, &w);
}

static void assert_evidence_equal(const wire_evidence *got, const wire_evidence *want)
{
    wire_msg a = {.type = WIRE_EVIDENCE, .u.evidence = *got};
    wire_msg b = {.type = WIRE_EVIDENCE, .u.evidence = *want};
    assert_true(wire_msg_equal(&a, &b));
}

/* ---------------------------------------------------------------- evidence */

static void signed_fill(seq_addr *signer, seq_sig *sig, uint8_t who)
{
    memset(signer->b, who, SEQ_ADDR_BYTES);
    rng_fill(sig->b, SEQ_SIG_BYTES);
}

static void evidence_make(wire_evidence *e, wire_evidence_kind kind, uint8_t who, uint64_t view)
{
    memset(e, 0, sizeof *e);
    e->kind = kind;
    if (kind == WIRE_EVIDENCE_TIMEOUT) {
        wire_timeout_statement *a = &e->u.timeout.a, *b = &e->u.timeout.b;
        a->stmt = (seq_timeout_stmt){.l2_chain_id = 901, .view = view, .high_qc_view = view - 1};
        b->stmt = a->stmt;
        b->stmt.high_qc_view = view - 2;
        signed_fill(&a->signer, &a->sig, who);
        signed_fill(&b->signer, &b->sig, who);
    } else if (kind == WIRE_EVIDENCE_ATTESTATION) {
        wire_attestation *a = &e->u.attestation.a, *b = &e->u.attestation.b;
        a->stmt = (seq_attestation_stmt){
            .l2_chain_id = 901, .index = view, .first_height = 10, .last_height = 20};
        rng_fill(a->stmt.data_hash.b, SEQ_HASH_BYTES);
        b->stmt = a->stmt;
        rng_fill(b->stmt.data_hash.b, SEQ_HASH_BYTES);
        signed_fill(&a->signer, &a->sig, who);
        signed_fill(&b->signer, &b->sig, who);
    } else {
        wire_block_statement *a = &e->u.block.a, *b = &e->u.block.b;
        a->stmt = (seq_block_stmt){.l2_chain_id = 901, .view = view, .height = view};
        rng_fill(a->stmt.block_hash.b, SEQ_HASH_BYTES);
        b->stmt = a->stmt;
        rng_fill(b->stmt.block_hash.b, SEQ_HASH_BYTES);
        signed_fill(&a->signer, &a->sig, who);
        signed_fill(&b->signer, &b->sig, who);
    }
}

/* ------------------------------------------------------------- records */

static uint8_t record[STORE_RECORD_BYTES_MAX];

/* Recomputes the checksum of a hand-made record, so that only the body's
 * own checks can refuse it. */
static void reseal(uint8_t *rec, size_t len)
{
    assert_true(len >= STORE_RECORD_OVERHEAD_BYTES);
    size_t body_end = len - STORE_CHECKSUM_BYTES;
    assert_int_equal(
        crypto_generichash(rec + body_end, STORE_CHECKSUM_BYTES, rec, body_end, NULL, 0), 0);
}

/* Every flipped byte and every truncation of a record is SEQ_ERR_CORRUPT. */
static void assert_fragile(const uint8_t *rec, size_t len,
                           seq_err (*decode)(const uint8_t *in, size_t in_len))
{
    static uint8_t copy[4096];
    assert_true(len <= sizeof copy);
    for (size_t i = 0; i < len; i++) {
        memcpy(copy, rec, len);
        copy[i] ^= (uint8_t)(1u << (i % 8));
        assert_int_equal(decode(copy, len), SEQ_ERR_CORRUPT);
    }
    for (size_t cut = 0; cut < len; cut++)
        assert_int_equal(decode(rec, cut), SEQ_ERR_CORRUPT);
    assert_int_equal(decode(NULL, 0), SEQ_ERR_CORRUPT);
    assert_int_equal(decode(rec, len), SEQ_OK);
}

static seq_err decode_evidence(const uint8_t *in, size_t in_len)
{
    wire_evidence e;
    return store_evidence_decode(&e, in, in_len);
}

static seq_err decode_qc(const uint8_t *in, size_t in_len)
{
    static uint8_t mem[STORE_QC_ARENA_BYTES];
    seq_arena a;
    seq_arena_init(&a, mem, sizeof mem);
    wire_qc qc;
    return store_qc_decode(&qc, &a, in, in_len);
}

static seq_err decode_block(const uint8_t *in, size_t in_len)
{
    static uint8_t mem[4096];
    seq_arena a;
    seq_arena_init(&a, mem, sizeof mem);
    cons_block b;
    return store_block_decode(&b, &a, in, in_len);
}

static void test_small_records_round_trip(void **state)
{
    (void)state;
    size_t len;
    store_meta meta = {.schema_version = STORE_SCHEMA_VERSION, .created_at_ms = 1700000000123};
    rng_fill(meta.genesis_hash.b, SEQ_HASH_BYTES);
    assert_int_equal(store_meta_encode(record, sizeof record, &len, &meta), SEQ_OK);
    store_meta meta2;
    assert_int_equal(store_meta_decode(&meta2, record, len), SEQ_OK);
    assert_int_equal(meta2.schema_version, meta.schema_version);
    assert_int_equal(meta2.created_at_ms, meta.created_at_ms);
    assert_memory_equal(meta2.genesis_hash.b, meta.genesis_hash.b, SEQ_HASH_BYTES);

    seq_hash hash, hash2;
    rng_fill(hash.b, SEQ_HASH_BYTES);
    uint64_t height = 0;
    assert_int_equal(store_height_encode(record, sizeof record, &len, 1ull << 40, &hash), SEQ_OK);
    assert_int_equal(store_height_decode(&height, &hash2, record, len), SEQ_OK);
    assert_int_equal(height, 1ull << 40);
    assert_memory_equal(hash.b, hash2.b, SEQ_HASH_BYTES);

    store_tx_location loc = {.height = 99, .index = 7}, loc2;
    assert_int_equal(store_tx_encode(record, sizeof record, &len, &loc), SEQ_OK);
    assert_int_equal(store_tx_decode(&loc2, record, len), SEQ_OK);
    assert_int_equal(loc2.height, 99);
    assert_int_equal(loc2.index, 7);
    loc.index = WIRE_BLOCK_TXS_MAX;
    assert_int_equal(store_tx_encode(record, sizeof record, &len, &loc), SEQ_ERR_INVALID_ARG);
    assert_int_equal(len, 0);

    /* A record of one kind is never read as another. */
    assert_int_equal(store_tx_encode(record, sizeof record, &len, &loc2), SEQ_OK);
    assert_int_equal(store_meta_decode(&meta2, record, len), SEQ_ERR_CORRUPT);
    assert_int_equal(store_height_decode(&height, &hash2, record, len), SEQ_ERR_CORRUPT);
    assert_int_equal(height, 0);

    /* Too small an output buffer. */
    assert_int_equal(store_meta_encode(record, 10, &len, &meta), SEQ_ERR_NO_SPACE);
    assert_int_equal(len, 0);
}

static void test_safety_and_qc_round_trip(void **state)
{
    (void)state;
    tblock b;
    seq_hash parent = {{1}};
    tblock_make(&b, 5, &parent, 2, 10);
    cons_safety safety, got;
    safety_of(&safety, 9, &b.qc);
    size_t len;
    assert_int_equal(store_safety_encode(record, sizeof record, &len, &safety), SEQ_OK);
    assert_int_equal(store_safety_decode(&got, record, len), SEQ_OK);
    assert_safety_equal(&got, &safety);

    /* The genesis QC has no signatures. */
    cons_safety fresh = {.high_qc = {.block_hash = parent}};
    assert_int_equal(store_safety_encode(record, sizeof record, &len, &fresh), SEQ_OK);
    assert_int_equal(store_safety_decode(&got, record, len), SEQ_OK);
    assert_safety_equal(&got, &fresh);

    uint8_t mem[STORE_QC_ARENA_BYTES];
    seq_arena a;
    seq_arena_init(&a, mem, sizeof mem);
    wire_qc qc;
    assert_int_equal(store_qc_encode(record, sizeof record, &len, &b.qc), SEQ_OK);
    assert_int_equal(store_qc_decode(&qc, &a, record, len), SEQ_OK);
    assert_qc_equal(&qc, &b.qc);
    assert_fragile(record, len, decode_qc);

    /* Signers out of order are refused both ways. */
    wire_sig tmp = b.sigs[0];
    b.sigs[0] = b.sigs[1];
    b.sigs[1] = tmp;
    assert_int_equal(store_qc_encode(record, sizeof record, &len, &b.qc), SEQ_ERR_INVALID_ARG);
    b.sigs[1] = b.sigs[0];
    b.sigs[0] = tmp;
    assert_int_equal(store_qc_encode(record, sizeof record, &len, &b.qc), SEQ_OK);
    uint8_t *first_signer = record + 2 + 8 + 8 + SEQ_HASH_BYTES + 4;
    first_signer[0] = 0xff;
    reseal(record, len);
    assert_int_equal(store_qc_decode(&qc, &a, record, len), SEQ_ERR_CORRUPT);
    assert_int_equal(qc.sig_count, 0);
    free(b.bytes);
}

static void test_block_round_trip(void **state)
{
    (void)state;
    tblock b;
    seq_hash parent = {{2}};
    tblock_make(&b, 3, &parent, 3, 17);
    size_t len;
    assert_int_equal(store_block_encode(record, sizeof record, &len, &b.block), SEQ_OK);
    uint8_t mem[1024];
    seq_arena a;
    seq_arena_init(&a, mem, sizeof mem);
    cons_block got;
    assert_int_equal(store_block_decode(&got, &a, record, len), SEQ_OK);
    assert_block_equal(&got, &b);
    assert_fragile(record, len, decode_block);

    /* The txs are copied: the record can go. */
    memset(record, 0, len);
    assert_block_equal(&got, &b);

    /* Too small an arena. */
    assert_int_equal(store_block_encode(record, sizeof record, &len, &b.block), SEQ_OK);
    seq_arena_init(&a, mem, 40);
    assert_int_equal(store_block_decode(&got, &a, record, len), SEQ_ERR_NO_SPACE);
    assert_int_equal(got.block.tx_count, 0);

    /* Empty block. */
    b.block.block.tx_count = 0;
    assert_int_equal(store_block_encode(record, sizeof record, &len, &b.block), SEQ_OK);
    seq_arena_init(&a, mem, sizeof mem);
    assert_int_equal(store_block_decode(&got, &a, record, len), SEQ_OK);
    assert_int_equal(got.block.tx_count, 0);

    /* Caps on encode. */
    b.block.block.tx_count = 3;
    b.txs[1].len = 0;
    assert_int_equal(store_block_encode(record, sizeof record, &len, &b.block),
                     SEQ_ERR_INVALID_ARG);
    b.txs[1].len = WIRE_TX_BYTES_MAX + 1;
    assert_int_equal(store_block_encode(record, sizeof record, &len, &b.block),
                     SEQ_ERR_INVALID_ARG);
    b.block.block.tx_count = WIRE_BLOCK_TXS_MAX + 1;
    assert_int_equal(store_block_encode(record, sizeof record, &len, &b.block),
                     SEQ_ERR_INVALID_ARG);
    free(b.bytes);
}

/* Checksummed records whose lengths lie are refused before anything is
 * allocated. */
static void test_block_lengths_not_trusted(void **state)
{
    (void)state;
    tblock b;
    seq_hash parent = {{3}};
    tblock_make(&b, 3, &parent, 1, 8);
    size_t len;
    assert_int_equal(store_block_encode(record, sizeof record, &len, &b.block), SEQ_OK);
    size_t count_at = 2 + SEQ_HASH_BYTES + STORE_HEADER_BYTES;
    uint8_t mem[256];
    seq_arena a;
    cons_block got;
    const uint8_t counts[][4] = {{0xff, 0xff, 0xff, 0xff}, {0, 0, 0, 2}, {0, 0, 0, 0}};
    for (size_t i = 0; i < SEQ_ARRAY_LEN(counts); i++) {
        assert_int_equal(store_block_encode(record, sizeof record, &len, &b.block), SEQ_OK);
        memcpy(record + count_at, counts[i], 4);
        reseal(record, len);
        seq_arena_init(&a, mem, sizeof mem);
        assert_int_equal(store_block_decode(&got, &a, record, len), SEQ_ERR_CORRUPT);
        assert_int_equal(a.used, 0);
    }
    const uint8_t lens[][4] = {{0x7f, 0xff, 0xff, 0xff}, {0, 0, 0, 0}, {0, 0, 0, 9}, {0, 0, 0, 7}};
    for (size_t i = 0; i < SEQ_ARRAY_LEN(lens); i++) {
        assert_int_equal(store_block_encode(record, sizeof record, &len, &b.block), SEQ_OK);
        memcpy(record + count_at + 4, lens[i], 4);
        reseal(record, len);
        seq_arena_init(&a, mem, sizeof mem);
        assert_int_equal(store_block_decode(&got, &a, record, len), SEQ_ERR_CORRUPT);
    }
    /* A wrong version, resealed. */
    assert_int_equal(store_block_encode(record, sizeof record, &len, &b.block), SEQ_OK);
    record[0] = STORE_RECORD_VERSION + 1;
    reseal(record, len);
    assert_int_equal(decode_block(record, len), SEQ_ERR_CORRUPT);
    /* Oversized input. */
    assert_int_equal(decode_block(record, STORE_RECORD_BYTES_MAX + 1), SEQ_ERR_CORRUPT);
    free(b.bytes);
}

static void test_evidence_round_trip(void **state)
{
    (void)state;
    const wire_evidence_kind kinds[] = {WIRE_EVIDENCE_PROPOSAL, WIRE_EVIDENCE_VOTE,
                                        WIRE_EVIDENCE_TIMEOUT, WIRE_EVIDENCE_ATTESTATION};
    for (size_t i = 0; i < SEQ_ARRAY_LEN(kinds); i++) {
        wire_evidence e, got;
        evidence_make(&e, kinds[i], 0x11, 40 + i);
        size_t len;
        assert_int_equal(store_evidence_encode(record, sizeof record, &len, &e), SEQ_OK);
        assert_int_equal(store_evidence_decode(&got, record, len), SEQ_OK);
        assert_evidence_equal(&got, &e);
        assert_fragile(record, len, decode_evidence);
        uint8_t key[STORE_EVIDENCE_KEY_BYTES];
        store_evidence_key(key, &e);
        assert_int_equal(key[0], kinds[i]);
        assert_int_equal(key[1], 0x11);
        assert_int_equal(key[STORE_EVIDENCE_KEY_BYTES - 1], 40 + i);

        /* Not evidence: identical statements, two signers. */
        wire_evidence same;
        evidence_make(&same, kinds[i], 0x11, 40 + i);
        if (kinds[i] == WIRE_EVIDENCE_TIMEOUT)
            same.u.timeout.b.stmt = same.u.timeout.a.stmt;
        else if (kinds[i] == WIRE_EVIDENCE_ATTESTATION)
            same.u.attestation.b.stmt = same.u.attestation.a.stmt;
        else
            same.u.block.b.stmt = same.u.block.a.stmt;
        assert_int_equal(store_evidence_encode(record, sizeof record, &len, &same),
                         SEQ_ERR_INVALID_ARG);
        evidence_make(&same, kinds[i], 0x11, 40 + i);
        if (kinds[i] == WIRE_EVIDENCE_TIMEOUT)
            same.u.timeout.b.signer.b[0] ^= 1;
        else if (kinds[i] == WIRE_EVIDENCE_ATTESTATION)
            same.u.attestation.b.signer.b[0] ^= 1;
        else
            same.u.block.b.signer.b[0] ^= 1;
        assert_int_equal(store_evidence_encode(record, sizeof record, &len, &same),
                         SEQ_ERR_INVALID_ARG);
    }
    wire_evidence bad;
    evidence_make(&bad, WIRE_EVIDENCE_VOTE, 1, 5);
    bad.kind = (wire_evidence_kind)9;
    size_t len;
    assert_int_equal(store_evidence_encode(record, sizeof record, &len, &bad), SEQ_ERR_INVALID_ARG);
}

/* -------------------------------------------------------- store: basics */

typedef struct {
    size_t count;
    wire_evidence seen[8];
} evidence_seen;

static bool evidence_collect(void *ctx, const wire_evidence *e)
{
    evidence_seen *s = ctx;
    if (s->count < SEQ_ARRAY_LEN(s->seen))
        s->seen[s->count] = *e;
    s->count++;
    return true;
}

/* store_put_evidence: stored once (the first kept), refused when invalid,
 * and at most STORE_EVIDENCE_PER_SIGNER_MAX per kind and signer, whether
 * it comes this way or in a core update; other signers and kinds have
 * their own room. */
static void test_evidence_put_and_cap(void **state)
{
    fixture *f = *state;
    store *s = open_ok(f, NULL);
    wire_evidence e, got;
    evidence_make(&e, WIRE_EVIDENCE_VOTE, 0x31, 10);
    assert_int_equal(store_put_evidence(s, &e), SEQ_OK);
    assert_int_equal(store_get_evidence(s, &got, WIRE_EVIDENCE_VOTE, &e.u.block.a.signer, 10),
                     SEQ_OK);
    assert_evidence_equal(&got, &e);
    wire_evidence other;
    evidence_make(&other, WIRE_EVIDENCE_VOTE, 0x31, 10);
    other.u.block.b.stmt.height++;
    assert_int_equal(store_put_evidence(s, &other), SEQ_ERR_EXISTS);
    assert_int_equal(store_get_evidence(s, &got, WIRE_EVIDENCE_VOTE, &e.u.block.a.signer, 10),
                     SEQ_OK);
    assert_evidence_equal(&got, &e);
    wire_evidence same = e;
    same.u.block.b = same.u.block.a;
    assert_int_equal(store_put_evidence(s, &same), SEQ_ERR_INVALID_ARG);

    /* Fill 0x31's vote room: through store_put_evidence, then an update. */
    for (uint64_t v = 11; v < 10 + STORE_EVIDENCE_PER_SIGNER_MAX - 1; v++) {
        evidence_make(&e, WIRE_EVIDENCE_VOTE, 0x31, v);
        assert_int_equal(store_put_evidence(s, &e), SEQ_OK);
    }
    wire_evidence last[2];
    evidence_make(&last[0], WIRE_EVIDENCE_VOTE, 0x31, 100); /* the last with room */
    evidence_make(&last[1], WIRE_EVIDENCE_VOTE, 0x31, 101); /* left out */
    cons_update u = {.evidence_count = 2, .evidence = last};
    assert_int_equal(store_apply(s, &u), SEQ_OK);
    assert_int_equal(store_get_evidence(s, &got, WIRE_EVIDENCE_VOTE, &e.u.block.a.signer, 100),
                     SEQ_OK);
    assert_int_equal(store_get_evidence(s, &got, WIRE_EVIDENCE_VOTE, &e.u.block.a.signer, 101),
                     SEQ_ERR_NOT_FOUND);
    evidence_make(&e, WIRE_EVIDENCE_VOTE, 0x31, 5);
    assert_int_equal(store_put_evidence(s, &e), SEQ_ERR_TOO_LARGE);
    /* A stored one is still EXISTS, not capped. */
    evidence_make(&e, WIRE_EVIDENCE_VOTE, 0x31, 10);
    assert_int_equal(store_put_evidence(s, &e), SEQ_ERR_EXISTS);
    /* Another kind of the same signer, and another signer: room. */
    evidence_make(&e, WIRE_EVIDENCE_TIMEOUT, 0x31, 5);
    assert_int_equal(store_put_evidence(s, &e), SEQ_OK);
    evidence_make(&e, WIRE_EVIDENCE_VOTE, 0x32, 5);
    assert_int_equal(store_put_evidence(s, &e), SEQ_OK);
    evidence_seen seen = {0};
    assert_int_equal(store_evidence_each(s, evidence_collect, &seen), SEQ_OK);
    assert_int_equal(seen.count, STORE_EVIDENCE_PER_SIGNER_MAX + 2);
    store_close(s);
}

static void check_block_and_txs(fixture *f, store *s, const tblock *b)
{
    seq_arena_reset(&f->arena);
    cons_block got;
    assert_int_equal(store_get_block(s, &got, &f->arena, &b->block.hash), SEQ_OK);
    assert_block_equal(&got, b);
    wire_qc qc;
    assert_int_equal(store_get_qc(s, &qc, &f->arena, &b->block.hash), SEQ_OK);
    assert_qc_equal(&qc, &b->qc);
    seq_hash at;
    uint64_t height = b->block.block.header.height;
    assert_int_equal(store_get_hash_at(s, &at, height), SEQ_OK);
    assert_memory_equal(at.b, b->block.hash.b, SEQ_HASH_BYTES);
    for (size_t i = 0; i < b->block.block.tx_count; i++) {
        seq_hash tx_hash;
        l1_keccak256(&tx_hash, b->txs[i].ptr, b->txs[i].len);
        store_tx_location loc;
        assert_int_equal(store_get_tx(s, &loc, &tx_hash), SEQ_OK);
        assert_int_equal(loc.height, height);
        assert_int_equal(loc.index, i);
    }
}

static void test_fresh_store(void **state)
{
    fixture *f = *state;
    store *s = open_ok(f, NULL);
    struct stat st;
    assert_int_equal(stat(f->dir, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);
    store_meta meta;
    assert_int_equal(store_get_meta(s, &meta), SEQ_OK);
    assert_int_equal(meta.schema_version, STORE_SCHEMA_VERSION);
    assert_memory_equal(meta.genesis_hash.b, f->genesis.b, SEQ_HASH_BYTES);
    assert_true(meta.created_at_ms > 1600000000000ull);
    cons_safety safety;
    assert_int_equal(store_get_safety(s, &safety), SEQ_ERR_NOT_FOUND);
    store_tip tip;
    assert_int_equal(store_get_tip(s, &tip), SEQ_ERR_NOT_FOUND);
    seq_hash h;
    assert_int_equal(store_get_hash_at(s, &h, 0), SEQ_ERR_NOT_FOUND);
    assert_int_equal(store_get_hash_at(s, &h, 1), SEQ_ERR_NOT_FOUND);
    cons_update nothing = {0};
    assert_int_equal(store_apply(s, &nothing), SEQ_OK);

    /* The directory is locked while open. */
    store *second = (store *)1;
    assert_int_equal(store_open(&second, f->dir, &f->genesis, NULL), SEQ_ERR_UNAVAILABLE);
    assert_null(second);
    store_close(s);
    store_close(NULL);
}

/* The tip the open store reports follows every commit, from nothing
 * committed on: a repeated commit of a lower block leaves it, a failed
 * update (a commit that is not the next block) too, and so does an
 * update without commits. */
static void test_tip_follows_commits(void **state)
{
    fixture *f = *state;
    tblock b[3];
    chain_make(b, 3, 2, 40);
    store *s = open_ok(f, NULL);
    store_tip tip;
    assert_int_equal(store_get_tip(s, &tip), SEQ_ERR_NOT_FOUND);
    cons_block blocks[3] = {b[0].block, b[1].block, b[2].block};
    cons_update stored = {.block_count = 3, .blocks = blocks};
    assert_int_equal(store_apply(s, &stored), SEQ_OK);
    assert_int_equal(store_get_tip(s, &tip), SEQ_ERR_NOT_FOUND);
    for (size_t i = 0; i < 2; i++) {
        cons_block c = commit_of(&b[i]);
        cons_update u = {.commit_count = 1, .commits = &c};
        assert_int_equal(store_apply(s, &u), SEQ_OK);
        assert_int_equal(store_get_tip(s, &tip), SEQ_OK);
        assert_int_equal(tip.height, i + 1);
        assert_memory_equal(tip.hash.b, b[i].block.hash.b, SEQ_HASH_BYTES);
        seq_hash h;
        l1_block_hash(&h, &tip.header);
        assert_memory_equal(h.b, b[i].block.hash.b, SEQ_HASH_BYTES);
    }
    cons_block again = commit_of(&b[0]);
    cons_update repeat = {.commit_count = 1, .commits = &again};
    assert_int_equal(store_apply(s, &repeat), SEQ_OK);
    assert_int_equal(store_get_tip(s, &tip), SEQ_OK);
    assert_int_equal(tip.height, 2);
    cons_block skip[2] = {commit_of(&b[2]), commit_of(&b[2])};
    skip[1].block.header.height = 5; /* not the next block: the update fails */
    cons_update bad = {.commit_count = 2, .commits = skip};
    assert_int_equal(store_apply(s, &bad), SEQ_ERR_INVALID_ARG);
    assert_int_equal(store_get_tip(s, &tip), SEQ_OK);
    assert_int_equal(tip.height, 2);
    cons_safety safety;
    safety_of(&safety, 9, &b[2].qc);
    cons_update no_commit = {.safety = &safety};
    assert_int_equal(store_apply(s, &no_commit), SEQ_OK);
    assert_int_equal(store_get_tip(s, &tip), SEQ_OK);
    assert_memory_equal(tip.hash.b, b[1].block.hash.b, SEQ_HASH_BYTES);
    store_close(s);
    s = open_ok(f, NULL);
    assert_int_equal(store_get_tip(s, &tip), SEQ_OK);
    assert_int_equal(tip.height, 2);
    assert_memory_equal(tip.hash.b, b[1].block.hash.b, SEQ_HASH_BYTES);
    store_close(s);
    chain_free(b, 3);
}

static void test_apply_then_reopen(void **state)
{
    fixture *f = *state;
    tblock b[4];
    chain_make(b, 4, 3, 50);
    store *s = open_ok(f, NULL);

    /* Blocks 1..3 and their QCs, with safety and evidence, then commits. */
    cons_block blocks[3] = {b[0].block, b[1].block, b[2].block};
    wire_qc qcs[3] = {b[0].qc, b[1].qc, b[2].qc};
    wire_evidence ev[2];
    evidence_make(&ev[0], WIRE_EVIDENCE_VOTE, 0x22, 7);
    evidence_make(&ev[1], WIRE_EVIDENCE_TIMEOUT, 0x22, 8);
    cons_safety safety;
    safety_of(&safety, 3, &b[2].qc);
    cons_update u1 = {.safety = &safety,
                      .block_count = 3,
                      .blocks = blocks,
                      .qc_count = 3,
                      .qcs = qcs,
                      .evidence_count = 2,
                      .evidence = ev};
    assert_int_equal(store_apply(s, &u1), SEQ_OK);
    cons_block commits[3] = {commit_of(&b[0]), commit_of(&b[1]), commit_of(&b[2])};
    cons_update u2 = {.commit_count = 3, .commits = commits};
    assert_int_equal(store_apply(s, &u2), SEQ_OK);
    /* Block 4, its QC and its commit in one update; a repeated commit is
     * fine. */
    cons_block c4[2] = {commit_of(&b[2]), commit_of(&b[3])};
    cons_update u3 = {.block_count = 1,
                      .blocks = &b[3].block,
                      .qc_count = 1,
                      .qcs = &b[3].qc,
                      .commit_count = 2,
                      .commits = c4};
    assert_int_equal(store_apply(s, &u3), SEQ_OK);
    /* A second evidence for (vote, 0x22, 7) keeps the first. */
    wire_evidence dup;
    evidence_make(&dup, WIRE_EVIDENCE_VOTE, 0x22, 7);
    cons_update u4 = {.evidence_count = 1, .evidence = &dup};
    assert_int_equal(store_apply(s, &u4), SEQ_OK);
    store_close(s);

    s = open_ok(f, NULL);
    cons_safety got;
    assert_int_equal(store_get_safety(s, &got), SEQ_OK);
    assert_safety_equal(&got, &safety);
    store_tip tip;
    assert_int_equal(store_get_tip(s, &tip), SEQ_OK);
    assert_int_equal(tip.height, 4);
    assert_memory_equal(tip.hash.b, b[3].block.hash.b, SEQ_HASH_BYTES);
    seq_hash h;
    l1_block_hash(&h, &tip.header);
    assert_memory_equal(h.b, tip.hash.b, SEQ_HASH_BYTES);
    for (size_t i = 0; i < 4; i++)
        check_block_and_txs(f, s, &b[i]);
    assert_int_equal(store_get_hash_at(s, &h, 5), SEQ_ERR_NOT_FOUND);
    wire_evidence e;
    assert_int_equal(store_get_evidence(s, &e, WIRE_EVIDENCE_VOTE, &ev[0].u.block.a.signer, 7),
                     SEQ_OK);
    assert_evidence_equal(&e, &ev[0]);
    assert_int_equal(store_get_evidence(s, &e, WIRE_EVIDENCE_VOTE, &ev[0].u.block.a.signer, 8),
                     SEQ_ERR_NOT_FOUND);
    evidence_seen seen = {0};
    assert_int_equal(store_evidence_each(s, evidence_collect, &seen), SEQ_OK);
    assert_int_equal(seen.count, 2);
    assert_evidence_equal(&seen.seen[0], &ev[0]); /* key order: vote (2) before timeout (3) */
    assert_evidence_equal(&seen.seen[1], &ev[1]);
    store_close(s);
    chain_free(b, 4);
}

/* Updates that break a rule are refused whole: nothing of them is stored. */
static void test_apply_refusals(void **state)
{
    fixture *f = *state;
    tblock b[4];
    chain_make(b, 4, 2, 20);
    store *s = open_ok(f, NULL);
    store_chain(s, b, 2);
    seq_arena_reset(&f->arena);
    cons_block got;

    cons_block gap = commit_of(&b[3]); /* height 4 over tip 2 */
    cons_update u = {.block_count = 1, .blocks = &b[3].block, .commit_count = 1, .commits = &gap};
    assert_int_equal(store_apply(s, &u), SEQ_ERR_INVALID_ARG);
    assert_int_equal(store_get_block(s, &got, &f->arena, &b[3].block.hash), SEQ_ERR_NOT_FOUND);

    cons_block unknown = commit_of(&b[2]); /* next height, block never stored */
    u = (cons_update){.commit_count = 1, .commits = &unknown};
    assert_int_equal(store_apply(s, &u), SEQ_ERR_INVALID_ARG);

    tblock other;
    tblock_make(&other, 2, &b[0].block.hash, 1, 9); /* conflicts with committed height 2 */
    cons_block conflict = commit_of(&other);
    u = (cons_update){
        .block_count = 1, .blocks = &other.block, .commit_count = 1, .commits = &conflict};
    assert_int_equal(store_apply(s, &u), SEQ_ERR_INVALID_ARG);
    assert_int_equal(store_get_block(s, &got, &f->arena, &other.block.hash), SEQ_ERR_NOT_FOUND);

    cons_safety high, low;
    safety_of(&high, 10, &b[1].qc);
    safety_of(&low, 9, &b[1].qc);
    u = (cons_update){.safety = &high};
    assert_int_equal(store_apply(s, &u), SEQ_OK);
    u = (cons_update){.safety = &low, .qc_count = 1, .qcs = &b[2].qc};
    assert_int_equal(store_apply(s, &u), SEQ_ERR_INVALID_ARG);
    wire_qc qc;
    assert_int_equal(store_get_qc(s, &qc, &f->arena, &b[2].block.hash), SEQ_ERR_NOT_FOUND);
    cons_safety now;
    assert_int_equal(store_get_safety(s, &now), SEQ_OK);
    assert_int_equal(now.view_voted, 10);

    wire_evidence not_evidence;
    evidence_make(&not_evidence, WIRE_EVIDENCE_PROPOSAL, 3, 3);
    not_evidence.u.block.b = not_evidence.u.block.a;
    u = (cons_update){.evidence_count = 1, .evidence = &not_evidence};
    assert_int_equal(store_apply(s, &u), SEQ_ERR_INVALID_ARG);

    store_tip tip;
    assert_int_equal(store_get_tip(s, &tip), SEQ_OK);
    assert_int_equal(tip.height, 2);
    store_close(s);
    free(other.bytes);
    chain_free(b, 4);
}

/* ------------------------------------------------------------- refusals */

static void test_refuse_other_genesis(void **state)
{
    fixture *f = *state;
    store_close(open_ok(f, NULL));
    seq_hash other;
    l1_keccak256(&other, (const uint8_t *)"another network", 15);
    store *s = (store *)1;
    assert_int_equal(store_open(&s, f->dir, &other, NULL), SEQ_ERR_EXISTS);
    assert_null(s);
    store_close(open_ok(f, NULL));
}

static void test_refuse_non_durable(void **state)
{
    fixture *f = *state;
    const unsigned int non_durable[] = {MDB_NOSYNC, MDB_NOMETASYNC, MDB_MAPASYNC,
                                        MDB_WRITEMAP | MDB_MAPASYNC, MDB_NOSYNC | MDB_NORDAHEAD};
    for (size_t i = 0; i < SEQ_ARRAY_LEN(non_durable); i++) {
        store_options o = {.env_flags = non_durable[i]};
        store *s = (store *)1;
        assert_int_equal(store_open(&s, f->dir, &f->genesis, &o), SEQ_ERR_UNSUPPORTED);
        assert_null(s);
    }
    struct stat st;
    assert_int_equal(stat(f->dir, &st), -1); /* refused before touching the disk */

    const unsigned int unknown[] = {MDB_RDONLY, MDB_NOLOCK, MDB_NOSUBDIR, MDB_FIXEDMAP};
    for (size_t i = 0; i < SEQ_ARRAY_LEN(unknown); i++) {
        store_options o = {.env_flags = unknown[i]};
        store *s = NULL;
        assert_int_equal(store_open(&s, f->dir, &f->genesis, &o), SEQ_ERR_INVALID_ARG);
    }
    store_options tiny = {.map_bytes = STORE_MAP_BYTES_MIN - 1};
    store *s = NULL;
    assert_int_equal(store_open(&s, f->dir, &f->genesis, &tiny), SEQ_ERR_INVALID_ARG);

    /* Durable extras are fine. */
    store_options ok = {.map_bytes = 4u << 20, .env_flags = MDB_WRITEMAP | MDB_NORDAHEAD};
    store_close(open_ok(f, &ok));
}

/* Puts a record into the environment in dir directly, as another tool
 * would (creating the database if asked). */
static void raw_put_in(const char *dir, bool create, const char *dbi_name, const void *key,
                       size_t key_len, const void *value, size_t value_len)
{
    MDB_env *env;
    assert_int_equal(mdb_env_create(&env), 0);
    assert_int_equal(mdb_env_set_maxdbs(env, 16), 0);
    assert_int_equal(mdb_env_open(env, dir, 0, 0600), 0);
    MDB_txn *txn;
    assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
    MDB_dbi dbi;
    assert_int_equal(mdb_dbi_open(txn, dbi_name, create ? MDB_CREATE : 0, &dbi), 0);
    MDB_val k = {key_len, (void *)key}, v = {value_len, (void *)value};
    assert_int_equal(mdb_put(txn, dbi, &k, &v, 0), 0);
    assert_int_equal(mdb_txn_commit(txn), 0);
    mdb_env_close(env);
}

/* Opens the store's environment directly, as another tool would. */
static void raw_put(const fixture *f, const char *dbi_name, const void *key, size_t key_len,
                    const void *value, size_t value_len)
{
    raw_put_in(f->dir, false, dbi_name, key, key_len, value, value_len);
}

/* True iff the store's main environment has a database of that name. */
static bool raw_has_dbi(const fixture *f, const char *dbi_name)
{
    MDB_env *env;
    assert_int_equal(mdb_env_create(&env), 0);
    assert_int_equal(mdb_env_set_maxdbs(env, 16), 0);
    assert_int_equal(mdb_env_open(env, f->dir, MDB_RDONLY, 0600), 0);
    MDB_txn *txn;
    assert_int_equal(mdb_txn_begin(env, NULL, MDB_RDONLY, &txn), 0);
    MDB_dbi dbi;
    int rc = mdb_dbi_open(txn, dbi_name, 0, &dbi);
    assert_true(rc == 0 || rc == MDB_NOTFOUND);
    mdb_txn_abort(txn);
    mdb_env_close(env);
    return rc == 0;
}

/* Flips one byte of the stored record under key. */
static void raw_flip(const fixture *f, const char *dbi_name, const void *key, size_t key_len,
                     size_t at)
{
    MDB_env *env;
    assert_int_equal(mdb_env_create(&env), 0);
    assert_int_equal(mdb_env_set_maxdbs(env, 16), 0);
    assert_int_equal(mdb_env_open(env, f->dir, 0, 0600), 0);
    MDB_txn *txn;
    assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
    MDB_dbi dbi;
    assert_int_equal(mdb_dbi_open(txn, dbi_name, 0, &dbi), 0);
    MDB_val k = {key_len, (void *)key}, v;
    assert_int_equal(mdb_get(txn, dbi, &k, &v), 0);
    assert_true(at < v.mv_size && v.mv_size <= sizeof record);
    memcpy(record, v.mv_data, v.mv_size);
    record[at] ^= 0x40;
    v.mv_data = record;
    assert_int_equal(mdb_put(txn, dbi, &k, &v, 0), 0);
    assert_int_equal(mdb_txn_commit(txn), 0);
    mdb_env_close(env);
}

static void test_refuse_unknown_schema(void **state)
{
    fixture *f = *state;
    store_close(open_ok(f, NULL));
    store_meta meta = {.schema_version = STORE_SCHEMA_VERSION + 1, .genesis_hash = f->genesis};
    size_t len;
    assert_int_equal(store_meta_encode(record, sizeof record, &len, &meta), SEQ_OK);
    raw_put(f, "meta", "meta", 4, record, len);
    store *s = (store *)1;
    assert_int_equal(store_open(&s, f->dir, &f->genesis, NULL), SEQ_ERR_BAD_VERSION);
    assert_null(s);
    raw_put(f, "meta", "meta", 4, "garbage", 7);
    assert_int_equal(store_open(&s, f->dir, &f->genesis, NULL), SEQ_ERR_CORRUPT);
}

/* -------------------------------------------------------------- corrupt */

static char *read_all(FILE *fp)
{
    fflush(fp);
    long size = ftell(fp);
    assert_true(size >= 0);
    char *text = calloc(1, (size_t)size + 1);
    assert_non_null(text);
    rewind(fp);
    assert_int_equal(fread(text, 1, (size_t)size, fp), (size_t)size);
    return text;
}

static void test_corrupt_records(void **state)
{
    fixture *f = *state;
    tblock b[3];
    chain_make(b, 3, 2, 30);
    store *s = open_ok(f, NULL);
    store_chain(s, b, 3);
    cons_safety safety;
    safety_of(&safety, 4, &b[2].qc);
    wire_evidence ev[2];
    evidence_make(&ev[0], WIRE_EVIDENCE_PROPOSAL, 5, 1);
    evidence_make(&ev[1], WIRE_EVIDENCE_ATTESTATION, 5, 1);
    cons_update u = {.safety = &safety, .evidence_count = 2, .evidence = ev};
    assert_int_equal(store_apply(s, &u), SEQ_OK);
    store_close(s);

    raw_put(f, "blocks", b[1].block.hash.b, SEQ_HASH_BYTES,
            "\x01"
            "Bgarbage",
            9);
    raw_flip(f, "qcs", b[2].block.hash.b, SEQ_HASH_BYTES, 20);
    raw_flip(f, "safety", "safety", 6, 3);
    uint8_t key[STORE_EVIDENCE_KEY_BYTES];
    store_evidence_key(key, &ev[0]);
    raw_flip(f, "evidence", key, sizeof key, 40);

    FILE *log = tmpfile();
    assert_non_null(log);
    seq_log_configure(SEQ_LOG_WARN, SEQ_LOG_TEXT, log);
    s = open_ok(f, NULL);
    cons_block got;
    assert_int_equal(store_get_block(s, &got, &f->arena, &b[1].block.hash), SEQ_ERR_CORRUPT);
    assert_int_equal(got.block.tx_count, 0);
    wire_qc qc;
    assert_int_equal(store_get_qc(s, &qc, &f->arena, &b[2].block.hash), SEQ_ERR_CORRUPT);
    cons_safety got_safety;
    assert_int_equal(store_get_safety(s, &got_safety), SEQ_ERR_CORRUPT);
    /* Everything else is still served. */
    check_block_and_txs(f, s, &b[0]);
    seq_arena_reset(&f->arena);
    assert_int_equal(store_get_block(s, &got, &f->arena, &b[2].block.hash), SEQ_OK);
    assert_block_equal(&got, &b[2]);
    store_tip tip;
    assert_int_equal(store_get_tip(s, &tip), SEQ_OK);
    assert_int_equal(tip.height, 3);
    evidence_seen seen = {0};
    assert_int_equal(store_evidence_each(s, evidence_collect, &seen), SEQ_ERR_CORRUPT);
    assert_int_equal(seen.count, 1);
    assert_evidence_equal(&seen.seen[0], &ev[1]);
    /* A sync answer stops before the corrupt block. */
    wire_sync_response resp;
    wire_sync_request req = {.from_height = 1, .max_blocks = 3};
    seq_arena_reset(&f->arena);
    assert_int_equal(store_sync_answer(s, &resp, &f->arena, &req), SEQ_OK);
    assert_int_equal(resp.count, 1);
    store_close(s);

    seq_log_configure(SEQ_LOG_WARN, SEQ_LOG_TEXT, NULL);
    char *text = read_all(log);
    fclose(log);
    char hex[2 * SEQ_HASH_BYTES + 3];
    assert_int_equal(l1_hex_encode(hex, sizeof hex, b[1].block.hash.b, SEQ_HASH_BYTES), SEQ_OK);
    assert_non_null(strstr(text, "event=store_corrupt dbi=blocks key="));
    assert_non_null(strstr(text, hex));
    assert_non_null(strstr(text, "event=store_corrupt dbi=qcs"));
    assert_non_null(strstr(text, "event=store_corrupt dbi=safety"));
    assert_non_null(strstr(text, "event=store_corrupt dbi=evidence"));
    free(text);
    chain_free(b, 3);
}

/* ------------------------------------------------------------- map full */

static void test_map_full(void **state)
{
    fixture *f = *state;
    store_options o = {.map_bytes = STORE_MAP_BYTES_MIN};
    store *s = open_ok(f, &o);
    enum { BLOCKS_MAX = 64 };
    tblock b[BLOCKS_MAX];
    seq_hash parent = {{0}};
    size_t stored = 0;
    seq_err err = SEQ_OK;
    for (; stored < BLOCKS_MAX; stored++) {
        tblock_make(&b[stored], stored + 1, &parent, 8, 16u << 10);
        cons_block c = commit_of(&b[stored]);
        cons_update u = {.block_count = 1,
                         .blocks = &b[stored].block,
                         .qc_count = 1,
                         .qcs = &b[stored].qc,
                         .commit_count = 1,
                         .commits = &c};
        err = store_apply(s, &u);
        if (err != SEQ_OK)
            break;
        parent = b[stored].block.hash;
    }
    assert_int_equal(err, SEQ_ERR_NO_SPACE);
    assert_true(stored >= 1 && stored < BLOCKS_MAX);
    /* Nothing of the failed update; everything before it. */
    seq_arena_reset(&f->arena);
    cons_block got;
    assert_int_equal(store_get_block(s, &got, &f->arena, &b[stored].block.hash), SEQ_ERR_NOT_FOUND);
    store_tip tip;
    assert_int_equal(store_get_tip(s, &tip), SEQ_OK);
    assert_int_equal(tip.height, stored);
    store_close(s);
    s = open_ok(f, &o);
    for (size_t i = 0; i < stored; i++)
        check_block_and_txs(f, s, &b[i]);
    assert_int_equal(store_get_tip(s, &tip), SEQ_OK);
    assert_int_equal(tip.height, stored);
    store_close(s);
    chain_free(b, stored + 1);
}

/* ------------------------------------------------------------------ sync */

/* The answer encodes and decodes as a wire message. */
static void assert_wire_valid(const wire_sync_response *resp)
{
    static uint8_t buf[WIRE_MSG_BYTES_MAX];
    uint8_t *scratch = malloc(WIRE_ENCODE_ARENA_BYTES);
    assert_non_null(scratch);
    seq_arena a;
    seq_arena_init(&a, scratch, WIRE_ENCODE_ARENA_BYTES);
    wire_msg m = {.type = WIRE_SYNC_RESPONSE, .u.sync_response = *resp};
    size_t len;
    assert_int_equal(wire_encode(buf, sizeof buf, &len, &a, &m), SEQ_OK);
    free(scratch);
}

static size_t answer(fixture *f, store *s, const wire_sync_request *req)
{
    wire_sync_response resp;
    seq_arena_reset(&f->arena);
    assert_int_equal(store_sync_answer(s, &resp, &f->arena, req), SEQ_OK);
    assert_wire_valid(&resp);
    return resp.count;
}

static void test_sync_answers(void **state)
{
    fixture *f = *state;
    tblock b[7];
    chain_make(b, 7, 2, 25);
    store *s = open_ok(f, NULL);
    store_chain(s, b, 3);
    /* Block 4 committed without its QC, 5 committed, 6 and 7 stored but not
     * committed, 7 without a QC. */
    cons_block blocks[4] = {b[3].block, b[4].block, b[5].block, b[6].block};
    wire_qc qcs[2] = {b[4].qc, b[5].qc};
    cons_block commits[2] = {commit_of(&b[3]), commit_of(&b[4])};
    cons_update u = {.block_count = 4,
                     .blocks = blocks,
                     .qc_count = 2,
                     .qcs = qcs,
                     .commit_count = 2,
                     .commits = commits};
    assert_int_equal(store_apply(s, &u), SEQ_OK);

    wire_sync_request by_hash = {.by_hash = true, .block_hash = b[2].block.hash};
    wire_sync_response resp;
    seq_arena_reset(&f->arena);
    assert_int_equal(store_sync_answer(s, &resp, &f->arena, &by_hash), SEQ_OK);
    assert_int_equal(resp.count, 1);
    cons_block as_block = {.hash = b[2].block.hash, .block = resp.blocks[0].block};
    assert_block_equal(&as_block, &b[2]);
    assert_qc_equal(&resp.blocks[0].qc, &b[2].qc);
    assert_wire_valid(&resp);

    by_hash.block_hash = b[5].block.hash; /* certified, not committed */
    assert_int_equal(answer(f, s, &by_hash), 1);
    by_hash.block_hash = b[3].block.hash; /* no QC */
    assert_int_equal(answer(f, s, &by_hash), 0);
    by_hash.block_hash = b[6].block.hash;
    assert_int_equal(answer(f, s, &by_hash), 0);
    memset(by_hash.block_hash.b, 0x5a, SEQ_HASH_BYTES); /* unknown */
    assert_int_equal(answer(f, s, &by_hash), 0);

    wire_sync_request range = {.from_height = 1, .max_blocks = WIRE_SYNC_BLOCKS_MAX};
    assert_int_equal(answer(f, s, &range), 3); /* stops before 4, which has no QC */
    range.max_blocks = 2;
    assert_int_equal(answer(f, s, &range), 2);
    range = (wire_sync_request){.from_height = 2, .max_blocks = 1};
    seq_arena_reset(&f->arena);
    assert_int_equal(store_sync_answer(s, &resp, &f->arena, &range), SEQ_OK);
    assert_int_equal(resp.count, 1);
    assert_memory_equal(resp.blocks[0].qc.block_hash.b, b[1].block.hash.b, SEQ_HASH_BYTES);
    range = (wire_sync_request){.from_height = 5, .max_blocks = 10};
    assert_int_equal(answer(f, s, &range), 1);
    range = (wire_sync_request){.from_height = 0, .max_blocks = 10};
    assert_int_equal(answer(f, s, &range), 0);
    range = (wire_sync_request){.from_height = UINT64_MAX, .max_blocks = 10};
    assert_int_equal(answer(f, s, &range), 0);

    /* An arena that cannot hold the first block. */
    uint8_t small[256];
    seq_arena a;
    seq_arena_init(&a, small, sizeof small);
    range = (wire_sync_request){.from_height = 1, .max_blocks = 3};
    assert_int_equal(store_sync_answer(s, &resp, &a, &range), SEQ_ERR_NO_SPACE);
    assert_int_equal(resp.count, 0);

    /* Block 7 has no stored QC, but the safety state's highQc certifies it
     * (learned and persisted, then a crash before the block came with its
     * QC): asked by hash, the block is served with that QC. Ranges still
     * stop at a block without a stored QC. */
    cons_safety *safe = malloc(sizeof *safe);
    assert_non_null(safe);
    safety_of(safe, 20, &b[6].qc);
    cons_update su = {.safety = safe};
    assert_int_equal(store_apply(s, &su), SEQ_OK);
    free(safe);
    by_hash.block_hash = b[6].block.hash;
    seq_arena_reset(&f->arena);
    assert_int_equal(store_sync_answer(s, &resp, &f->arena, &by_hash), SEQ_OK);
    assert_int_equal(resp.count, 1);
    assert_qc_equal(&resp.blocks[0].qc, &b[6].qc);
    assert_wire_valid(&resp);
    by_hash.block_hash = b[3].block.hash; /* no QC anywhere */
    assert_int_equal(answer(f, s, &by_hash), 0);
    range = (wire_sync_request){.from_height = 1, .max_blocks = WIRE_SYNC_BLOCKS_MAX};
    assert_int_equal(answer(f, s, &range), 3);
    store_close(s);
    chain_free(b, 7);
}

/* Answers stay under the message cap: two full blocks do not fit one. */
static void test_sync_answer_size_cap(void **state)
{
    fixture *f = *state;
    tblock b[3];
    const size_t txs = WIRE_BLOCK_TX_BYTES_MAX / WIRE_TX_BYTES_MAX;
    chain_make(b, 3, txs, WIRE_TX_BYTES_MAX);
    store *s = open_ok(f, NULL);
    store_chain(s, b, 3);
    wire_sync_request range = {.from_height = 1, .max_blocks = 3};
    assert_int_equal(answer(f, s, &range), 1);
    range.from_height = 3;
    assert_int_equal(answer(f, s, &range), 1);
    store_close(s);
    chain_free(b, 3);
}

/* ------------------------------------------------------------ tx index */

static void check_tx_at(store *s, const seq_hash *tx_hash, uint64_t height, uint32_t index)
{
    store_tx_location loc;
    assert_int_equal(store_get_tx(s, &loc, tx_hash), SEQ_OK);
    assert_int_equal(loc.height, height);
    assert_int_equal(loc.index, index);
}

/* A hashes source that answers for one tx root with made-up hashes. */
typedef struct {
    seq_hash root;
    seq_hash fake[3];
    unsigned calls;
} fake_hashes;

static bool fake_hashes_for(void *ctx, seq_hash *out, const seq_block_header *header,
                            size_t tx_count)
{
    fake_hashes *fh = ctx;
    fh->calls++;
    if (tx_count != 3 || !seq_hash_equal(&header->tx_root, &fh->root))
        return false;
    memcpy(out, fh->fake, sizeof fh->fake);
    return true;
}

/* The index is written after the commit (here only in
 * store_tx_index_sync): a committed tx is found at once, before the index
 * has it, after, and after a reopen that catches up what was not written.
 * store_apply takes the hashes from its source when it knows them. A
 * watermark that does not match the chain makes the index rebuilt. */
static void test_tx_index_deferred(void **state)
{
    fixture *f = *state;
    tblock b[5];
    chain_make(b, 5, 3, 50);
    store_options manual = {.tx_index_manual = true};
    store *s = open_ok(f, &manual);
    store_chain(s, b, 2);
    store_tx_index_stats st;
    store_get_tx_index_stats(s, &st);
    assert_int_equal(st.pending_txs, 6);
    assert_int_equal(st.pending_blocks, 2);
    assert_int_equal(st.indexed_height, 0);
    check_block_and_txs(f, s, &b[0]);
    check_block_and_txs(f, s, &b[1]);
    assert_int_equal(store_tx_index_sync(s), SEQ_OK);
    store_get_tx_index_stats(s, &st);
    assert_int_equal(st.pending_txs, 0);
    assert_int_equal(st.indexed_height, 2);
    assert_int_equal(st.batches, 1);
    check_block_and_txs(f, s, &b[1]);

    /* Blocks 3, 4 committed, never indexed before the store closes. */
    store_chain(s, b + 2, 2);
    store_close(s);
    s = open_ok(f, &manual);
    store_get_tx_index_stats(s, &st);
    assert_int_equal(st.pending_txs, 0);
    assert_int_equal(st.indexed_height, 4);
    for (size_t i = 0; i < 4; i++)
        check_block_and_txs(f, s, &b[i]);

    /* Block 5's hashes come from the source (made up, to tell). */
    fake_hashes fh = {.root = b[4].block.block.header.tx_root};
    for (size_t i = 0; i < 3; i++)
        l1_keccak256(&fh.fake[i], (const uint8_t *)"fake", 1 + i);
    store_set_tx_hashes(s, fake_hashes_for, &fh);
    store_chain(s, b + 4, 1);
    assert_int_equal(fh.calls, 1);
    check_tx_at(s, &fh.fake[2], 5, 2);
    assert_int_equal(store_tx_index_sync(s), SEQ_OK);
    check_tx_at(s, &fh.fake[2], 5, 2);
    store_close(s);

    /* A watermark naming another block: the index is rebuilt from the
     * blocks (the made-up hashes go, the real ones come). */
    char index_dir[PATH_BYTES + 16];
    snprintf(index_dir, sizeof index_dir, "%s/%s", f->dir, STORE_TX_INDEX_DIR);
    uint8_t rec[STORE_RECORD_OVERHEAD_BYTES + 8 + SEQ_HASH_BYTES];
    size_t len;
    assert_int_equal(store_height_encode(rec, sizeof rec, &len, 5, &b[3].block.hash), SEQ_OK);
    raw_put_in(index_dir, false, "meta", "indexed", 7, rec, len);
    s = open_ok(f, NULL); /* with the indexer thread */
    store_get_tx_index_stats(s, &st);
    assert_int_equal(st.indexed_height, 5);
    store_tx_location loc;
    assert_int_equal(store_get_tx(s, &loc, &fh.fake[2]), SEQ_ERR_NOT_FOUND);
    for (size_t i = 0; i < 5; i++)
        check_block_and_txs(f, s, &b[i]);
    assert_int_equal(store_tx_index_sync(s), SEQ_OK);
    store_close(s);
    chain_free(b, 5);
}

/* A schema 1 store (tx index inside the main environment) is migrated:
 * the old database is deleted, the meta record says 2, and the new index
 * is built from the committed blocks. */
static void test_migrate_schema_1(void **state)
{
    fixture *f = *state;
    tblock b[2];
    chain_make(b, 2, 3, 40);
    store *s = open_ok(f, NULL);
    store_chain(s, b, 2);
    store_close(s);
    store_meta meta = {.schema_version = STORE_SCHEMA_VERSION_INLINE_TX_INDEX,
                       .genesis_hash = f->genesis,
                       .created_at_ms = 1700000000123};
    size_t len;
    assert_int_equal(store_meta_encode(record, sizeof record, &len, &meta), SEQ_OK);
    raw_put(f, "meta", "meta", 4, record, len);
    raw_put_in(f->dir, true, "txs", "old", 3, "old", 3);
    char cmd[2 * PATH_BYTES];
    snprintf(cmd, sizeof cmd, "rm -rf '%s/%s'", f->dir, STORE_TX_INDEX_DIR);
    assert_int_equal(system(cmd), 0);
    assert_true(raw_has_dbi(f, "txs"));

    s = open_ok(f, NULL);
    assert_int_equal(store_get_meta(s, &meta), SEQ_OK);
    assert_int_equal(meta.schema_version, STORE_SCHEMA_VERSION);
    assert_int_equal(meta.created_at_ms, 1700000000123);
    for (size_t i = 0; i < 2; i++)
        check_block_and_txs(f, s, &b[i]);
    store_close(s);
    assert_false(raw_has_dbi(f, "txs"));
    chain_free(b, 2);
}

/* ----------------------------------------------------------------- crash */

/* The child: extends the committed chain one durable update at a time
 * (safety, block, QC and commit together) until it is killed. */
static _Noreturn void crash_child(const fixture *f, int ready_fd, size_t round)
{
    /* Far from every other round's stream, so no tx repeats. */
    rng_state ^= ((uint64_t)(round + 1) << 56) | 0x5bd1e995u;
    store *s = NULL;
    if (store_open(&s, f->dir, &f->genesis, NULL) != SEQ_OK)
        _exit(2);
    store_tip tip;
    seq_err err = store_get_tip(s, &tip);
    if (err != SEQ_OK && err != SEQ_ERR_NOT_FOUND)
        _exit(3);
    seq_hash parent = tip.hash;
    static cons_safety safety;
    for (uint64_t h = tip.height + 1; h < CRASH_HEIGHTS_MAX; h++) {
        tblock b;
        tblock_make(&b, h, &parent, 1 + h % 4, 40 + h % 200);
        safety_of(&safety, h, &b.qc);
        cons_block c = commit_of(&b);
        cons_update u = {.safety = &safety,
                         .block_count = 1,
                         .blocks = &b.block,
                         .qc_count = 1,
                         .qcs = &b.qc,
                         .commit_count = 1,
                         .commits = &c};
        if (store_apply(s, &u) != SEQ_OK)
            _exit(4);
        if (h == tip.height + 1 && write(ready_fd, "r", 1) != 1)
            _exit(5);
        parent = b.block.hash;
        free(b.bytes);
    }
    _exit(0);
}

/* Checks the committed chain 1..tip is whole and returns tip. */
static uint64_t crash_check(fixture *f, store *s)
{
    store_tip tip;
    seq_err err = store_get_tip(s, &tip);
    if (err == SEQ_ERR_NOT_FOUND)
        return 0;
    assert_int_equal(err, SEQ_OK);
    cons_safety safety;
    assert_int_equal(store_get_safety(s, &safety), SEQ_OK);
    assert_int_equal(safety.view_voted, tip.height); /* written in the same transaction */
    seq_hash parent = {{0}};
    for (uint64_t h = 1; h <= tip.height; h++) {
        seq_hash hash;
        assert_int_equal(store_get_hash_at(s, &hash, h), SEQ_OK);
        seq_arena_reset(&f->arena);
        cons_block got;
        assert_int_equal(store_get_block(s, &got, &f->arena, &hash), SEQ_OK);
        assert_int_equal(got.block.header.height, h);
        assert_memory_equal(got.block.header.parent_hash.b, parent.b, SEQ_HASH_BYTES);
        wire_qc qc;
        assert_int_equal(store_get_qc(s, &qc, &f->arena, &hash), SEQ_OK);
        assert_memory_equal(qc.block_hash.b, hash.b, SEQ_HASH_BYTES);
        for (size_t i = 0; i < got.block.tx_count; i++) {
            seq_hash tx_hash;
            l1_keccak256(&tx_hash, got.block.txs[i].ptr, got.block.txs[i].len);
            store_tx_location loc;
            assert_int_equal(store_get_tx(s, &loc, &tx_hash), SEQ_OK);
            assert_int_equal(loc.height, h);
            assert_int_equal(loc.index, i);
        }
        parent = hash;
    }
    seq_hash above;
    assert_int_equal(store_get_hash_at(s, &above, tip.height + 1), SEQ_ERR_NOT_FOUND);
    return tip.height;
}

static void test_crash_safety(void **state)
{
    fixture *f = *state;
    rng_seed("store_crash");
    uint64_t tip = 0;
    for (size_t round = 0; round < CRASH_ROUNDS; round++) {
        int fds[2];
        assert_int_equal(pipe(fds), 0);
        fflush(NULL);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            close(fds[0]);
            crash_child(f, fds[1], round);
        }
        close(fds[1]);
        char ready;
        assert_int_equal(read(fds[0], &ready, 1), 1); /* at least one durable update */
        close(fds[0]);
        usleep((useconds_t)rng_below(CRASH_KILL_DELAY_US_MAX));
        assert_int_equal(kill(pid, SIGKILL), 0);
        int status;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        if (!WIFSIGNALED(status) && !(WIFEXITED(status) && WEXITSTATUS(status) == 0))
            fail_msg("the writer ended with status 0x%x", (unsigned)status);

        store *s = open_ok(f, NULL);
        uint64_t now = crash_check(f, s);
        assert_true(now > tip);
        tip = now;
        store_close(s);
    }
    printf("store_crash: %" PRIu64 " heights over %u kills\n", tip, CRASH_ROUNDS);
}

int main(void)
{
    assert_true(sodium_init() >= 0);
    seq_log_configure(SEQ_LOG_WARN, SEQ_LOG_TEXT, NULL);
    rng_seed("test_store");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_small_records_round_trip),
        cmocka_unit_test(test_safety_and_qc_round_trip),
        cmocka_unit_test(test_block_round_trip),
        cmocka_unit_test(test_block_lengths_not_trusted),
        cmocka_unit_test(test_evidence_round_trip),
        cmocka_unit_test_setup_teardown(test_evidence_put_and_cap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fresh_store, setup, teardown),
        cmocka_unit_test_setup_teardown(test_apply_then_reopen, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tip_follows_commits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_apply_refusals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refuse_other_genesis, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refuse_non_durable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refuse_unknown_schema, setup, teardown),
        cmocka_unit_test_setup_teardown(test_corrupt_records, setup, teardown),
        cmocka_unit_test_setup_teardown(test_map_full, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sync_answers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sync_answer_size_cap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tx_index_deferred, setup, teardown),
        cmocka_unit_test_setup_teardown(test_migrate_schema_1, setup, teardown),
        cmocka_unit_test_setup_teardown(test_crash_safety, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
