/* The store's L1 records: the follower's cursor, the batches the Inbox
 * accepted, and the node's own batch attestations (one per index, ever). Round trips of both codecs
 * with every corruption refused; store_l1_apply adding batches in index order, refusing gaps,
 * repeats and batches above the cursor with nothing written; rewinds (an L1 reorg) dropping exactly
 * the batches above the ancestor; and everything surviving a reopen. Also the L1 origin table
 * (puts, pruning, rewinds) and the lookups by L1 block and by forced entry, each against a linear
 * scan. */
/* cmocka needs these headers before its own, in this order. */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include <sodium.h>

#include "l1.h"
#include "node.h"
#include "test_files.h"

typedef struct {
    char *root;
    char dir[TF_PATH_BYTES];
    seq_hash genesis;
    store *s;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    f->root = tf_mkdtemp();
    snprintf(f->dir, sizeof f->dir, "%s/data", f->root);
    l1_keccak256(&f->genesis, (const uint8_t *)"genesis", 7);
    assert_int_equal(store_open(&f->s, f->dir, &f->genesis, NULL), SEQ_OK);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    store_close(f->s);
    tf_rmtree(f->root);
    free(f->root);
    free(f);
    seq_log_configure(SEQ_LOG_WARN, SEQ_LOG_TEXT, NULL);
    return 0;
}

static store_l1_batch batch_at(uint64_t index, uint64_t l1_block)
{
    store_l1_batch b;
    memset(&b, 0, sizeof b);
    b.index = index;
    memset(b.batch_hash.b, (int)(0x10 + index), SEQ_HASH_BYTES);
    memset(b.data_hash.b, (int)(0x40 + index), SEQ_HASH_BYTES);
    b.first_height = 1 + 10 * index;
    b.last_height = 10 + 10 * index;
    b.forced_cursor = index / 2;
    memset(b.poster.b, 0x77, SEQ_ADDR_BYTES);
    b.l1_block = l1_block;
    memset(b.l1_block_hash.b, (int)(0x80 + l1_block % 64), SEQ_HASH_BYTES);
    memset(b.l1_tx_hash.b, (int)(0xc0 + index % 32), SEQ_HASH_BYTES);
    return b;
}

static seq_hash block_hash(uint64_t number)
{
    seq_hash h;
    memset(h.b, 0, sizeof h.b);
    memcpy(h.b, &number, sizeof number);
    return h;
}

static seq_err apply(fixture *f, const store_l1_batch *b, size_t n, uint64_t cursor)
{
    store_l1_change c = {
        .batches = b, .batch_count = n, .cursor_number = cursor, .cursor_hash = block_hash(cursor)};
    return store_l1_apply(f->s, &c);
}

static void expect_cursor(fixture *f, uint64_t want)
{
    uint64_t n;
    seq_hash h;
    assert_int_equal(store_l1_get_cursor(f->s, &n, &h), SEQ_OK);
    assert_int_equal(n, want);
    seq_hash w = block_hash(want);
    assert_memory_equal(h.b, w.b, SEQ_HASH_BYTES);
}

static void expect_last(fixture *f, bool any, uint64_t index)
{
    store_l1_batch b;
    seq_err err = store_l1_last_batch(f->s, &b);
    if (!any) {
        assert_int_equal(err, SEQ_ERR_NOT_FOUND);
        return;
    }
    assert_int_equal(err, SEQ_OK);
    assert_int_equal(b.index, index);
}

/* ---------------------------------------------------------------- codec */

static void test_codec(void **state)
{
    (void)state;
    uint8_t rec[STORE_RECORD_BYTES_MAX];
    size_t len;
    seq_hash h = block_hash(77), h2;
    uint64_t n;
    assert_int_equal(store_l1_cursor_encode(rec, sizeof rec, &len, 77, &h), SEQ_OK);
    assert_int_equal(store_l1_cursor_decode(&n, &h2, rec, len), SEQ_OK);
    assert_int_equal(n, 77);
    assert_memory_equal(h.b, h2.b, SEQ_HASH_BYTES);
    for (size_t i = 0; i < len; i++) {
        rec[i] ^= 0x01;
        assert_int_equal(store_l1_cursor_decode(&n, &h2, rec, len), SEQ_ERR_CORRUPT);
        assert_int_equal(n, 0);
        rec[i] ^= 0x01;
    }
    assert_int_equal(store_l1_cursor_decode(&n, &h2, rec, len - 1), SEQ_ERR_CORRUPT);
    assert_int_equal(store_l1_cursor_encode(rec, 10, &len, 77, &h), SEQ_ERR_NO_SPACE);
    assert_int_equal(len, 0);

    store_l1_batch b = batch_at(3, 40), back;
    assert_int_equal(store_l1_batch_encode(rec, sizeof rec, &len, &b), SEQ_OK);
    assert_int_equal(rec[1], STORE_KIND_L1_BATCH);
    assert_int_equal(store_l1_batch_decode(&back, rec, len), SEQ_OK);
    assert_memory_equal(&back, &b, sizeof b);
    /* A cursor record is not a batch, and the reverse. */
    assert_int_equal(store_l1_cursor_decode(&n, &h2, rec, len), SEQ_ERR_CORRUPT);
    for (size_t i = 0; i < len; i += 7) {
        rec[i] ^= 0x80;
        assert_int_equal(store_l1_batch_decode(&back, rec, len), SEQ_ERR_CORRUPT);
        rec[i] ^= 0x80;
    }
    b.first_height = b.last_height + 1;
    assert_int_equal(store_l1_batch_encode(rec, sizeof rec, &len, &b), SEQ_ERR_INVALID_ARG);
    b = batch_at(UINT64_MAX, 1);
    assert_int_equal(store_l1_batch_encode(rec, sizeof rec, &len, &b), SEQ_ERR_INVALID_ARG);
    assert_int_equal(len, 0);
}

/* --------------------------------------------------------------- store */

static void test_empty(void **state)
{
    fixture *f = *state;
    uint64_t n = 1;
    seq_hash h;
    assert_int_equal(store_l1_get_cursor(f->s, &n, &h), SEQ_ERR_NOT_FOUND);
    assert_int_equal(n, 0);
    expect_last(f, false, 0);
    store_l1_batch b;
    assert_int_equal(store_l1_get_batch(f->s, &b, 0), SEQ_ERR_NOT_FOUND);
    /* A cursor alone, no batch yet. */
    assert_int_equal(apply(f, NULL, 0, 5), SEQ_OK);
    expect_cursor(f, 5);
    expect_last(f, false, 0);
}

static void test_batches_in_order(void **state)
{
    fixture *f = *state;
    store_l1_batch b[4] = {batch_at(0, 10), batch_at(1, 12), batch_at(2, 12), batch_at(3, 20)};
    assert_int_equal(apply(f, b, 2, 12), SEQ_OK);
    expect_cursor(f, 12);
    expect_last(f, true, 1);
    assert_int_equal(apply(f, b + 2, 2, 25), SEQ_OK);
    expect_last(f, true, 3);
    for (uint64_t i = 0; i < 4; i++) {
        store_l1_batch got;
        assert_int_equal(store_l1_get_batch(f->s, &got, i), SEQ_OK);
        assert_memory_equal(&got, &b[i], sizeof got);
    }

    /* Refused, nothing written (the cursor stays at 25): a repeat, a gap,
     * a batch above the new cursor, a change too large. */
    store_l1_batch bad = batch_at(3, 26);
    assert_int_equal(apply(f, &bad, 1, 30), SEQ_ERR_INVALID_ARG);
    bad = batch_at(5, 26);
    assert_int_equal(apply(f, &bad, 1, 30), SEQ_ERR_INVALID_ARG);
    bad = batch_at(4, 31);
    assert_int_equal(apply(f, &bad, 1, 30), SEQ_ERR_INVALID_ARG);
    store_l1_change big = {.batches = b, .batch_count = STORE_L1_BATCHES_PER_CHANGE_MAX + 1};
    assert_int_equal(store_l1_apply(f->s, &big), SEQ_ERR_INVALID_ARG);
    expect_cursor(f, 25);
    expect_last(f, true, 3);

    /* Survives a reopen. */
    store_close(f->s);
    f->s = NULL;
    assert_int_equal(store_open(&f->s, f->dir, &f->genesis, NULL), SEQ_OK);
    expect_cursor(f, 25);
    expect_last(f, true, 3);
}

static void test_first_batch_index_zero(void **state)
{
    fixture *f = *state;
    store_l1_batch b = batch_at(1, 3);
    assert_int_equal(apply(f, &b, 1, 3), SEQ_ERR_INVALID_ARG);
    assert_int_equal(store_l1_get_cursor(f->s, &(uint64_t){0}, &(seq_hash){{0}}),
                     SEQ_ERR_NOT_FOUND);
}

static void test_rewind(void **state)
{
    fixture *f = *state;
    store_l1_batch b[4] = {batch_at(0, 10), batch_at(1, 12), batch_at(2, 14), batch_at(3, 16)};
    assert_int_equal(apply(f, b, 4, 16), SEQ_OK);
    /* A reorg back to block 12: batches 2 and 3 are gone, 1 stays. */
    store_l1_change c = {
        .rewind = true, .rewind_to = 12, .cursor_number = 12, .cursor_hash = block_hash(12)};
    assert_int_equal(store_l1_apply(f->s, &c), SEQ_OK);
    expect_cursor(f, 12);
    expect_last(f, true, 1);
    store_l1_batch got;
    assert_int_equal(store_l1_get_batch(f->s, &got, 2), SEQ_ERR_NOT_FOUND);
    /* The new chain carries batch 2 in another block. */
    store_l1_batch again = batch_at(2, 13);
    assert_int_equal(apply(f, &again, 1, 15), SEQ_OK);
    assert_int_equal(store_l1_get_batch(f->s, &got, 2), SEQ_OK);
    assert_int_equal(got.l1_block, 13);
    /* A rewind below every batch empties the list; with the new batches
     * of the same change added after it. */
    store_l1_batch first = batch_at(0, 9);
    store_l1_change deep = {.rewind = true,
                            .rewind_to = 5,
                            .batches = &first,
                            .batch_count = 1,
                            .cursor_number = 9,
                            .cursor_hash = block_hash(9)};
    assert_int_equal(store_l1_apply(f->s, &deep), SEQ_OK);
    expect_last(f, true, 0);
    assert_int_equal(store_l1_get_batch(f->s, &got, 0), SEQ_OK);
    assert_int_equal(got.l1_block, 9);
    expect_cursor(f, 9);
}

/* ------------------------------------------------------- batch by height */

/* Batches from a pattern, one letter per index: 'C' a committee batch
 * holding the next 1..3 heights (the count varies with the index), 'F' a
 * forceAdvance batch (0, 0). Committee heights start at 1 and are
 * contiguous. Returns the last height held (0: none). */
static uint64_t batches_from(store_l1_batch *out, const char *pattern, uint64_t l1_block)
{
    uint64_t next = 1;
    for (size_t i = 0; pattern[i] != '\0'; i++) {
        out[i] = batch_at(i, l1_block + i);
        if (pattern[i] == 'F') {
            out[i].first_height = out[i].last_height = 0;
        } else {
            out[i].first_height = next;
            out[i].last_height = next + i % 3;
            next = out[i].last_height + 1;
        }
    }
    return next - 1;
}

/* The index of the committee batch holding height by a linear scan, or -1. */
static int64_t holder_of(const store_l1_batch *b, size_t n, uint64_t height)
{
    for (size_t i = 0; i < n; i++)
        if (b[i].last_height != 0 && b[i].first_height <= height && height <= b[i].last_height)
            return (int64_t)i;
    return -1;
}

/* Every height from 0 to a few past the last one against the linear scan
 * over b[0..n) (what the store holds). */
static void expect_heights(fixture *f, const store_l1_batch *b, size_t n, uint64_t last_height)
{
    for (uint64_t h = 0; h <= last_height + 3; h++) {
        store_l1_batch got;
        memset(&got, 0xee, sizeof got);
        seq_err err = store_l1_batch_at_height(f->s, &got, h);
        int64_t want = holder_of(b, n, h);
        if (want < 0) {
            if (err != SEQ_ERR_NOT_FOUND)
                fail_msg("height %llu: want NOT_FOUND, got %s", (unsigned long long)h,
                         seq_strerror(err));
            store_l1_batch zero;
            memset(&zero, 0, sizeof zero);
            assert_memory_equal(&got, &zero, sizeof got);
            continue;
        }
        if (err != SEQ_OK || got.index != (uint64_t)want)
            fail_msg("height %llu: want batch %lld, got %s index %llu", (unsigned long long)h,
                     (long long)want, seq_strerror(err), (unsigned long long)got.index);
        assert_memory_equal(&got, &b[want], sizeof got);
    }
}

static void test_batch_at_height_empty(void **state)
{
    fixture *f = *state;
    store_l1_batch got;
    assert_int_equal(store_l1_batch_at_height(f->s, &got, 0), SEQ_ERR_NOT_FOUND);
    assert_int_equal(store_l1_batch_at_height(f->s, &got, 1), SEQ_ERR_NOT_FOUND);
    assert_int_equal(store_l1_batch_at_height(f->s, &got, UINT64_MAX), SEQ_ERR_NOT_FOUND);
    assert_int_equal(apply(f, NULL, 0, 5), SEQ_OK); /* a cursor, no batch */
    assert_int_equal(store_l1_batch_at_height(f->s, &got, 1), SEQ_ERR_NOT_FOUND);
    /* Only forceAdvance batches: no height is in any. */
    store_l1_batch b[3];
    batches_from(b, "FFF", 6);
    assert_int_equal(apply(f, b, 3, 10), SEQ_OK);
    expect_heights(f, b, 3, 5);
    assert_int_equal(store_l1_batch_at_height(f->s, &got, 0), SEQ_ERR_NOT_FOUND);
}

/* Heights inside and at the edges of batches, with forceAdvance batches
 * first, in the middle, several in a row and last, and past the end. */
static void test_batch_at_height(void **state)
{
    fixture *f = *state;
    store_l1_batch b[4];
    /* Batch 0 holds 1, 1 holds 2..3, 2 holds 4..6, 3 holds 7. */
    uint64_t top = batches_from(b, "CCCC", 10);
    assert_int_equal(top, 7);
    assert_int_equal(apply(f, b, 4, 20), SEQ_OK);
    store_l1_batch got;
    assert_int_equal(store_l1_batch_at_height(f->s, &got, 4), SEQ_OK);
    assert_int_equal(got.index, 2);
    assert_int_equal(got.first_height, 4);
    assert_int_equal(got.l1_block, 12);
    assert_int_equal(store_l1_batch_at_height(f->s, &got, 6), SEQ_OK);
    assert_int_equal(got.index, 2);
    assert_int_equal(store_l1_batch_at_height(f->s, &got, 7), SEQ_OK);
    assert_int_equal(got.index, 3);
    assert_int_equal(store_l1_batch_at_height(f->s, &got, 1), SEQ_OK);
    assert_int_equal(got.index, 0);
    assert_int_equal(store_l1_batch_at_height(f->s, &got, 8), SEQ_ERR_NOT_FOUND);
    expect_heights(f, b, 4, top);
}

static void test_batch_at_height_forced(void **state)
{
    fixture *f = *state;
    const char *patterns[] = {
        "FC",
        "CF",
        "FCF",
        "CFC",
        "FFFFCCFFFC",
        "CFFFFFFFFC",
        "CCCCCCCCCCF",
        "FCCCCCCCCCC",
        "CFCFCFCFCFCF",
        "FFFFFFFFFFFFFFFC",
        "CFFFFFFFFF",
        "CCFCCFFCCCFFFCCCCFFFFC",
        "CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC",
    };
    for (size_t p = 0; p < SEQ_ARRAY_LEN(patterns); p++) {
        size_t n = strlen(patterns[p]);
        store_l1_batch b[64];
        assert_true(n <= SEQ_ARRAY_LEN(b));
        uint64_t top = batches_from(b, patterns[p], 100);
        /* Each pattern on a fresh list: a rewind below every batch. */
        store_l1_change c = {.rewind = true,
                             .rewind_to = 0,
                             .batches = b,
                             .batch_count = n,
                             .cursor_number = 100 + n,
                             .cursor_hash = block_hash(100 + n)};
        assert_int_equal(store_l1_apply(f->s, &c), SEQ_OK);
        expect_last(f, true, n - 1);
        expect_heights(f, b, n, top);
    }
}

/* A rewind forgets the dropped batches' heights; the new chain's batches
 * are found instead. */
static void test_batch_at_height_rewind(void **state)
{
    fixture *f = *state;
    store_l1_batch b[6];
    /* In L1 blocks 10..15: 0 holds 1, 1 holds 2..3, 2 is forced, 3 holds
     * 4, 4 is forced, 5 holds 5..7. */
    uint64_t top = batches_from(b, "CCFCFC", 10);
    assert_int_equal(apply(f, b, 6, 15), SEQ_OK);
    expect_heights(f, b, 6, top);
    store_l1_change c = {
        .rewind = true, .rewind_to = 12, .cursor_number = 12, .cursor_hash = block_hash(12)};
    assert_int_equal(store_l1_apply(f->s, &c), SEQ_OK);
    expect_last(f, true, 2);
    store_l1_batch got;
    assert_int_equal(store_l1_batch_at_height(f->s, &got, 3), SEQ_OK);
    assert_int_equal(got.index, 1);
    for (uint64_t h = 4; h <= top + 1; h++)
        assert_int_equal(store_l1_batch_at_height(f->s, &got, h), SEQ_ERR_NOT_FOUND);
    expect_heights(f, b, 3, top);
    /* The new chain posts 4..5 as batch 3, in another block. */
    store_l1_batch again = batch_at(3, 14);
    again.first_height = 4;
    again.last_height = 5;
    assert_int_equal(apply(f, &again, 1, 16), SEQ_OK);
    assert_int_equal(store_l1_batch_at_height(f->s, &got, 5), SEQ_OK);
    assert_int_equal(got.index, 3);
    assert_int_equal(got.l1_block, 14);
    assert_int_equal(store_l1_batch_at_height(f->s, &got, 6), SEQ_ERR_NOT_FOUND);
    /* And a reopen keeps it. */
    store_close(f->s);
    f->s = NULL;
    assert_int_equal(store_open(&f->s, f->dir, &f->genesis, NULL), SEQ_OK);
    assert_int_equal(store_l1_batch_at_height(f->s, &got, 4), SEQ_OK);
    assert_int_equal(got.index, 3);
}

/* ------------------------------------------------------- attestations */

static wire_attestation attestation_at(uint64_t index, uint8_t data)
{
    wire_attestation a;
    memset(&a, 0, sizeof a);
    a.stmt = (seq_attestation_stmt){.l2_chain_id = 901,
                                    .index = index,
                                    .first_height = 10 * index + 1,
                                    .last_height = 10 * index + 10,
                                    .forced_cursor = 1};
    memset(a.stmt.prev_batch_hash.b, 0x21, SEQ_HASH_BYTES);
    memset(a.stmt.data_hash.b, data, SEQ_HASH_BYTES);
    memset(a.signer.b, 0x5a, SEQ_ADDR_BYTES);
    memset(a.sig.b, 0x0c, SEQ_SIG_BYTES);
    return a;
}

static void test_attestation_codec(void **state)
{
    (void)state;
    uint8_t rec[STORE_RECORD_BYTES_MAX];
    size_t len;
    wire_attestation a = attestation_at(4, 0xd4), back;
    assert_int_equal(store_attestation_encode(rec, sizeof rec, &len, &a), SEQ_OK);
    assert_int_equal(rec[1], STORE_KIND_ATTESTATION);
    assert_int_equal(store_attestation_decode(&back, rec, len), SEQ_OK);
    assert_memory_equal(&back, &a, sizeof a);
    for (size_t i = 0; i < len; i += 5) {
        rec[i] ^= 0x10;
        assert_int_equal(store_attestation_decode(&back, rec, len), SEQ_ERR_CORRUPT);
        rec[i] ^= 0x10;
    }
    a.stmt.first_height = a.stmt.last_height + 1;
    assert_int_equal(store_attestation_encode(rec, sizeof rec, &len, &a), SEQ_ERR_INVALID_ARG);
}

/* One attestation per index, ever: the same again is fine, another is
 * refused with nothing written, and a reopen keeps them. */
static void test_attestation_once(void **state)
{
    fixture *f = *state;
    wire_attestation a = attestation_at(3, 0xaa), b = attestation_at(3, 0xbb), got;
    assert_int_equal(store_attestation_get(f->s, &got, 3), SEQ_ERR_NOT_FOUND);
    assert_int_equal(store_attestation_put(f->s, &a), SEQ_OK);
    assert_int_equal(store_attestation_put(f->s, &a), SEQ_OK);
    assert_int_equal(store_attestation_put(f->s, &b), SEQ_ERR_EXISTS);
    b = a;
    b.sig.b[0] ^= 1; /* another signature over the same statement */
    assert_int_equal(store_attestation_put(f->s, &b), SEQ_ERR_EXISTS);
    wire_attestation next = attestation_at(4, 0xbb);
    assert_int_equal(store_attestation_put(f->s, &next), SEQ_OK);
    /* Attestations and batches share the l1 database without mixing. */
    store_l1_batch batch = batch_at(0, 3);
    assert_int_equal(apply(f, &batch, 1, 5), SEQ_OK);
    expect_last(f, true, 0);
    store_close(f->s);
    f->s = NULL;
    assert_int_equal(store_open(&f->s, f->dir, &f->genesis, NULL), SEQ_OK);
    assert_int_equal(store_attestation_get(f->s, &got, 3), SEQ_OK);
    assert_memory_equal(&got, &a, sizeof a);
    assert_int_equal(store_attestation_get(f->s, &got, 4), SEQ_OK);
    assert_int_equal(got.stmt.data_hash.b[0], 0xbb);
    assert_int_equal(store_attestation_put(f->s, &b), SEQ_ERR_EXISTS);
    wire_attestation bad = attestation_at(5, 1);
    bad.stmt.last_height = 0;
    assert_int_equal(store_attestation_put(f->s, &bad), SEQ_ERR_INVALID_ARG);
    assert_int_equal(store_attestation_get(f->s, &got, 5), SEQ_ERR_NOT_FOUND);
}

/* ------------------------------------------------------- forced queue */

static uint8_t forced_txs[8][40];

static store_l1_forced forced_at(uint64_t index, uint64_t l1_block)
{
    store_l1_forced f;
    memset(&f, 0, sizeof f);
    f.index = index;
    memset(f.sender.b, (int)(0x20 + index), SEQ_ADDR_BYTES);
    f.l1_block = l1_block;
    f.l1_timestamp = 1700000000 + l1_block;
    uint8_t *tx = forced_txs[index % 8];
    size_t len = 10 + index % 8 * 4;
    memset(tx, (int)(0x90 + index), len);
    f.tx = tx;
    f.tx_len = len;
    l1_keccak256(&f.tx_hash, tx, len);
    memset(f.acc.b, (int)(0xa0 + index), SEQ_HASH_BYTES);
    memset(f.l1_block_hash.b, (int)(0x50 + l1_block % 64), SEQ_HASH_BYTES);
    memset(f.l1_tx_hash.b, (int)(0x60 + index), SEQ_HASH_BYTES);
    return f;
}

/* The record: a round trip; a tx that does not hash to tx_hash, an empty
 * or oversized tx, and any damage are refused. */
static void test_forced_codec(void **state)
{
    (void)state;
    assert_int_equal(sodium_init() >= 0, 1);
    static uint8_t rec[STORE_RECORD_BYTES_MAX];
    size_t len = 0;
    store_l1_forced f = forced_at(3, 40), got;
    assert_int_equal(store_l1_forced_encode(rec, sizeof rec, &len, &f), SEQ_OK);
    assert_int_equal(store_l1_forced_decode(&got, rec, len), SEQ_OK);
    assert_int_equal(got.index, 3);
    assert_int_equal(got.l1_block, 40);
    assert_int_equal(got.l1_timestamp, f.l1_timestamp);
    assert_true(seq_addr_equal(&got.sender, &f.sender));
    assert_true(seq_hash_equal(&got.acc, &f.acc));
    assert_true(seq_hash_equal(&got.l1_tx_hash, &f.l1_tx_hash));
    assert_int_equal(got.tx_len, f.tx_len);
    assert_memory_equal(got.tx, f.tx, f.tx_len);
    /* Each byte flipped: the checksum or a rule refuses it. */
    for (size_t i = 0; i < len; i++) {
        rec[i] ^= 0x01;
        assert_int_equal(store_l1_forced_decode(&got, rec, len), SEQ_ERR_CORRUPT);
        rec[i] ^= 0x01;
    }
    assert_int_equal(store_l1_forced_decode(&got, rec, len - 1), SEQ_ERR_CORRUPT);
    store_l1_forced bad = f;
    bad.tx_hash.b[0] ^= 1;
    assert_int_equal(store_l1_forced_encode(rec, sizeof rec, &len, &bad), SEQ_ERR_INVALID_ARG);
    bad = f;
    bad.tx_len = 0;
    assert_int_equal(store_l1_forced_encode(rec, sizeof rec, &len, &bad), SEQ_ERR_INVALID_ARG);
    bad = f;
    bad.tx_len = STORE_L1_FORCED_TX_BYTES_MAX + 1;
    assert_int_equal(store_l1_forced_encode(rec, sizeof rec, &len, &bad), SEQ_ERR_INVALID_ARG);
    assert_int_equal(store_l1_forced_encode(rec, 10, &len, &f), SEQ_ERR_NO_SPACE);
}

static seq_err apply_forced(fixture *f, const store_l1_forced *q, size_t n, uint64_t cursor)
{
    store_l1_change c = {
        .forced = q, .forced_count = n, .cursor_number = cursor, .cursor_hash = block_hash(cursor)};
    return store_l1_apply(f->s, &c);
}

/* Entries go in index order with their batches; gaps, repeats and
 * entries above the cursor are refused with nothing written; a rewind
 * forgets those above the ancestor; a small buffer is refused. */
static void test_forced_queue(void **state)
{
    fixture *f = *state;
    uint64_t count = 9;
    assert_int_equal(store_l1_forced_count(f->s, &count), SEQ_OK);
    assert_int_equal(count, 0);
    uint8_t buf[64];
    store_l1_forced got;
    assert_int_equal(store_l1_get_forced(f->s, &got, buf, sizeof buf, 0), SEQ_ERR_NOT_FOUND);

    store_l1_forced q[3] = {forced_at(0, 10), forced_at(1, 10), forced_at(2, 12)};
    store_l1_batch b = batch_at(0, 11);
    store_l1_change c = {.batches = &b,
                         .batch_count = 1,
                         .forced = q,
                         .forced_count = 3,
                         .cursor_number = 12,
                         .cursor_hash = block_hash(12)};
    assert_int_equal(store_l1_apply(f->s, &c), SEQ_OK);
    assert_int_equal(store_l1_forced_count(f->s, &count), SEQ_OK);
    assert_int_equal(count, 3);
    assert_int_equal(store_l1_get_forced(f->s, &got, buf, sizeof buf, 2), SEQ_OK);
    assert_int_equal(got.index, 2);
    assert_int_equal(got.l1_block, 12);
    assert_ptr_equal(got.tx, buf);
    assert_memory_equal(got.tx, q[2].tx, q[2].tx_len);
    assert_int_equal(store_l1_get_forced(f->s, &got, buf, 5, 2), SEQ_ERR_NO_SPACE);
    assert_null(got.tx);

    /* A gap, a repeat, an entry above the cursor: refused, nothing kept
     * (the batch of the same change neither). */
    store_l1_forced gap = forced_at(4, 13), repeat = forced_at(2, 13), late = forced_at(3, 20);
    assert_int_equal(apply_forced(f, &gap, 1, 14), SEQ_ERR_INVALID_ARG);
    assert_int_equal(apply_forced(f, &repeat, 1, 14), SEQ_ERR_INVALID_ARG);
    assert_int_equal(apply_forced(f, &late, 1, 14), SEQ_ERR_INVALID_ARG);
    store_l1_batch b1 = batch_at(1, 13);
    c = (store_l1_change){.batches = &b1,
                          .batch_count = 1,
                          .forced = &gap,
                          .forced_count = 1,
                          .cursor_number = 14,
                          .cursor_hash = block_hash(14)};
    assert_int_equal(store_l1_apply(f->s, &c), SEQ_ERR_INVALID_ARG);
    expect_last(f, true, 0);
    expect_cursor(f, 12);
    assert_int_equal(store_l1_forced_count(f->s, &count), SEQ_OK);
    assert_int_equal(count, 3);

    /* A reorg back to block 10: entry 2 (block 12) goes, 0 and 1 stay; the
     * new chain queues another entry 2. */
    store_l1_change r = {
        .rewind = true, .rewind_to = 10, .cursor_number = 10, .cursor_hash = block_hash(10)};
    assert_int_equal(store_l1_apply(f->s, &r), SEQ_OK);
    assert_int_equal(store_l1_forced_count(f->s, &count), SEQ_OK);
    assert_int_equal(count, 2);
    assert_int_equal(store_l1_get_forced(f->s, &got, buf, sizeof buf, 2), SEQ_ERR_NOT_FOUND);
    expect_last(f, false, 0); /* batch 0 was in block 11 */
    store_l1_forced again = forced_at(2, 11);
    assert_int_equal(apply_forced(f, &again, 1, 11), SEQ_OK);
    assert_int_equal(store_l1_get_forced(f->s, &got, buf, sizeof buf, 2), SEQ_OK);
    assert_int_equal(got.l1_block, 11);

    /* Everything survives a reopen. */
    store_close(f->s);
    assert_int_equal(store_open(&f->s, f->dir, &f->genesis, NULL), SEQ_OK);
    assert_int_equal(store_l1_forced_count(f->s, &count), SEQ_OK);
    assert_int_equal(count, 3);
    assert_int_equal(store_l1_get_forced(f->s, &got, buf, sizeof buf, 1), SEQ_OK);
    assert_memory_equal(got.tx, q[1].tx, q[1].tx_len);
}

/* ------------------------------------------------ lookups by L1 block */

/* Forced entries queued in blocks[0..n) (ascending), one per index. */
static void forced_in_blocks(fixture *f, const uint64_t *blocks, size_t n, uint64_t cursor)
{
    store_l1_forced q[16];
    assert_true(n <= SEQ_ARRAY_LEN(q));
    for (size_t i = 0; i < n; i++)
        q[i] = forced_at(i, blocks[i]);
    assert_int_equal(apply_forced(f, q, n, cursor), SEQ_OK);
}

/* store_l1_forced_count_at for every block from 0 to past the last,
 * against counting blocks[0..n). */
static void expect_forced_count_at(fixture *f, const uint64_t *blocks, size_t n, uint64_t top)
{
    for (uint64_t b = 0; b <= top + 2; b++) {
        uint64_t want = 0, got = 99;
        for (size_t i = 0; i < n; i++)
            want += blocks[i] <= b;
        assert_int_equal(store_l1_forced_count_at(f->s, b, &got), SEQ_OK);
        if (got != want)
            fail_msg("block %llu: want %llu entries, got %llu", (unsigned long long)b,
                     (unsigned long long)want, (unsigned long long)got);
    }
}

/* Several entries in one block, blocks without any, exact boundaries, a
 * rewind. */
static void test_forced_count_at(void **state)
{
    fixture *f = *state;
    uint64_t count = 99;
    assert_int_equal(store_l1_forced_count_at(f->s, 100, &count), SEQ_OK);
    assert_int_equal(count, 0);
    const uint64_t blocks[] = {10, 10, 12, 15, 15, 15, 16, 20};
    forced_in_blocks(f, blocks, SEQ_ARRAY_LEN(blocks), 20);
    expect_forced_count_at(f, blocks, SEQ_ARRAY_LEN(blocks), 20);
    assert_int_equal(store_l1_forced_count_at(f->s, 9, &count), SEQ_OK);
    assert_int_equal(count, 0);
    assert_int_equal(store_l1_forced_count_at(f->s, 15, &count), SEQ_OK);
    assert_int_equal(count, 6);
    assert_int_equal(store_l1_forced_count_at(f->s, UINT64_MAX, &count), SEQ_OK);
    assert_int_equal(count, 8);
    /* A reorg back to block 15 drops the entries of 16 and 20. */
    store_l1_change r = {
        .rewind = true, .rewind_to = 15, .cursor_number = 15, .cursor_hash = block_hash(15)};
    assert_int_equal(store_l1_apply(f->s, &r), SEQ_OK);
    expect_forced_count_at(f, blocks, 6, 20);
    /* Origins share the database and change nothing here. */
    store_l1_origin o = {.number = 15, .hash = block_hash(15), .timestamp = 1};
    assert_int_equal(store_l1_origins_put(f->s, &o, 1, 0), SEQ_OK);
    expect_forced_count_at(f, blocks, 6, 20);
}

/* Batches from a pattern as batches_from, batch i in L1 block blocks[i],
 * forced cursors cursors[i]. */
static void batches_with(store_l1_batch *out, const char *pattern, const uint64_t *blocks,
                         const uint64_t *cursors)
{
    batches_from(out, pattern, 0);
    for (size_t i = 0; pattern[i] != '\0'; i++) {
        out[i].l1_block = blocks[i];
        out[i].forced_cursor = cursors[i];
    }
}

/* store_l1_consumed_at for every block up to past the last, against a
 * linear scan of b[0..n). */
static void expect_consumed_at(fixture *f, const store_l1_batch *b, size_t n, uint64_t top)
{
    for (uint64_t block = 0; block <= top + 2; block++) {
        uint64_t want = 0, got = 99;
        for (size_t i = 0; i < n && b[i].l1_block <= block; i++)
            want = b[i].forced_cursor;
        assert_int_equal(store_l1_consumed_at(f->s, block, &got), SEQ_OK);
        if (got != want)
            fail_msg("block %llu: want cursor %llu, got %llu", (unsigned long long)block,
                     (unsigned long long)want, (unsigned long long)got);
    }
}

/* store_l1_batch_consuming for every entry up to past the last cursor,
 * against a linear scan of b[0..n). */
static void expect_batch_consuming(fixture *f, const store_l1_batch *b, size_t n)
{
    uint64_t top = n > 0 ? b[n - 1].forced_cursor : 0;
    for (uint64_t entry = 0; entry <= top + 2; entry++) {
        int64_t want = -1;
        for (size_t i = 0; i < n && want < 0; i++)
            if (b[i].forced_cursor > entry)
                want = (int64_t)i;
        store_l1_batch got;
        memset(&got, 0xee, sizeof got);
        seq_err err = store_l1_batch_consuming(f->s, &got, entry);
        if (want < 0) {
            assert_int_equal(err, SEQ_ERR_NOT_FOUND);
            store_l1_batch zero;
            memset(&zero, 0, sizeof zero);
            assert_memory_equal(&got, &zero, sizeof got);
            continue;
        }
        if (err != SEQ_OK || got.index != (uint64_t)want)
            fail_msg("entry %llu: want batch %lld, got %s index %llu", (unsigned long long)entry,
                     (long long)want, seq_strerror(err), (unsigned long long)got.index);
        assert_memory_equal(&got, &b[want], sizeof got);
    }
}

/* Batches (forceAdvance ones among them, several in one block, cursors
 * that stay put) as L1 stood at each block and by forced entry; empty,
 * then after a rewind. */
static void test_consumed_at(void **state)
{
    fixture *f = *state;
    uint64_t cursor = 99;
    assert_int_equal(store_l1_consumed_at(f->s, 50, &cursor), SEQ_OK);
    assert_int_equal(cursor, 0);
    store_l1_batch got;
    assert_int_equal(store_l1_batch_consuming(f->s, &got, 0), SEQ_ERR_NOT_FOUND);
    store_l1_batch b[8];
    const uint64_t blocks[8] = {10, 10, 11, 14, 14, 14, 17, 20};
    const uint64_t cursors[8] = {0, 2, 2, 3, 5, 5, 5, 9};
    batches_with(b, "CFCCFCFC", blocks, cursors);
    assert_int_equal(apply(f, b, 8, 20), SEQ_OK);
    expect_consumed_at(f, b, 8, 20);
    expect_batch_consuming(f, b, 8);
    assert_int_equal(store_l1_consumed_at(f->s, 9, &cursor), SEQ_OK);
    assert_int_equal(cursor, 0);
    assert_int_equal(store_l1_consumed_at(f->s, 14, &cursor), SEQ_OK);
    assert_int_equal(cursor, 5);
    assert_int_equal(store_l1_consumed_at(f->s, UINT64_MAX, &cursor), SEQ_OK);
    assert_int_equal(cursor, 9);
    /* Entry 4 went with the forceAdvance batch 4, entry 8 with batch 7. */
    assert_int_equal(store_l1_batch_consuming(f->s, &got, 4), SEQ_OK);
    assert_int_equal(got.index, 4);
    assert_int_equal(got.last_height, 0);
    assert_int_equal(store_l1_batch_consuming(f->s, &got, 8), SEQ_OK);
    assert_int_equal(got.index, 7);
    assert_int_equal(store_l1_batch_consuming(f->s, &got, 9), SEQ_ERR_NOT_FOUND);
    /* A reorg back to block 14: batches 6 and 7 are gone. */
    store_l1_change r = {
        .rewind = true, .rewind_to = 14, .cursor_number = 14, .cursor_hash = block_hash(14)};
    assert_int_equal(store_l1_apply(f->s, &r), SEQ_OK);
    expect_consumed_at(f, b, 6, 20);
    expect_batch_consuming(f, b, 6);
    assert_int_equal(store_l1_batch_consuming(f->s, &got, 5), SEQ_ERR_NOT_FOUND);
}

/* A committed chain whose headers carry forced cursors[0..n) at heights
 * 1..n. */
static void commit_cursors(fixture *f, const uint64_t *cursors, size_t n)
{
    cons_block blocks[32];
    assert_true(n <= SEQ_ARRAY_LEN(blocks));
    seq_hash parent = {{0}};
    for (size_t i = 0; i < n; i++) {
        seq_block_header *h = &blocks[i].block.header;
        memset(&blocks[i], 0, sizeof blocks[i]);
        *h = (seq_block_header){.l2_chain_id = 901,
                                .height = i + 1,
                                .view = i + 1,
                                .parent_hash = parent,
                                .forced_cursor = cursors[i],
                                .timestamp_ms = 1000 * (i + 1)};
        l1_block_hash(&blocks[i].hash, h);
        parent = blocks[i].hash;
    }
    cons_update u = {.block_count = n, .blocks = blocks, .commit_count = n, .commits = blocks};
    assert_int_equal(store_apply(f->s, &u), SEQ_OK);
}

/* The committed block that consumed each entry, against a linear scan:
 * nothing committed, cursors that start above 0, stay put and jump. */
static void test_committed_consuming(void **state)
{
    fixture *f = *state;
    uint64_t height = 99;
    assert_int_equal(store_committed_consuming(f->s, 0, &height), SEQ_ERR_NOT_FOUND);
    assert_int_equal(height, 0);
    const uint64_t cursors[] = {1, 1, 1, 2, 2, 5, 5, 5, 5, 6, 6, 9, 9, 9, 9, 9, 12};
    size_t n = SEQ_ARRAY_LEN(cursors);
    commit_cursors(f, cursors, n);
    for (uint64_t entry = 0; entry <= 13; entry++) {
        uint64_t want = 0;
        for (size_t i = 0; i < n && want == 0; i++)
            if (cursors[i] > entry)
                want = i + 1;
        seq_err err = store_committed_consuming(f->s, entry, &height);
        if (want == 0) {
            assert_int_equal(err, SEQ_ERR_NOT_FOUND);
            assert_int_equal(height, 0);
            continue;
        }
        if (err != SEQ_OK || height != want)
            fail_msg("entry %llu: want height %llu, got %s %llu", (unsigned long long)entry,
                     (unsigned long long)want, seq_strerror(err), (unsigned long long)height);
    }
    assert_int_equal(store_committed_consuming(f->s, 0, &height), SEQ_OK);
    assert_int_equal(height, 1);
    assert_int_equal(store_committed_consuming(f->s, 5, &height), SEQ_OK);
    assert_int_equal(height, 10);
    assert_int_equal(store_committed_consuming(f->s, 12, &height), SEQ_ERR_NOT_FOUND);
}

/* ---------------------------------------------------------- L1 origins */

static store_l1_origin origin_at(uint64_t number, uint8_t fork)
{
    store_l1_origin o = {.number = number, .timestamp = 1700000000 + 12 * number};
    o.hash = block_hash(number);
    o.hash.b[31] = fork;
    return o;
}

/* origins numbered first..last, of fork, in one put. */
static seq_err origins_put(fixture *f, uint64_t first, uint64_t last, uint8_t fork,
                           uint64_t keep_from)
{
    store_l1_origin o[STORE_L1_ORIGINS_PER_PUT_MAX];
    assert_true(first <= last && last - first < SEQ_ARRAY_LEN(o));
    for (uint64_t n = first; n <= last; n++)
        o[n - first] = origin_at(n, fork);
    return store_l1_origins_put(f->s, o, (size_t)(last - first + 1), keep_from);
}

/* first..last are stored, of fork. */
static void expect_origins(fixture *f, uint64_t first, uint64_t last, uint8_t fork)
{
    for (uint64_t n = first; n <= last; n++) {
        store_l1_origin got, want = origin_at(n, fork);
        seq_err err = store_l1_get_origin(f->s, &got, n);
        if (err != SEQ_OK)
            fail_msg("origin %llu: %s", (unsigned long long)n, seq_strerror(err));
        assert_memory_equal(&got, &want, sizeof got);
    }
}

/* The table spans lowest..highest: nothing just outside, the last one is
 * highest; lowest > highest: it is empty. */
static void expect_span(fixture *f, uint64_t lowest, uint64_t highest)
{
    store_l1_origin got;
    for (uint64_t d = 1; d <= 3; d++) {
        if (lowest >= d)
            assert_int_equal(store_l1_get_origin(f->s, &got, lowest - d), SEQ_ERR_NOT_FOUND);
        assert_int_equal(store_l1_get_origin(f->s, &got, highest + d), SEQ_ERR_NOT_FOUND);
        assert_int_equal(got.number, 0);
    }
    seq_err err = store_l1_last_origin(f->s, &got);
    if (lowest > highest) {
        assert_int_equal(err, SEQ_ERR_NOT_FOUND);
        assert_int_equal(got.number, 0);
        return;
    }
    assert_int_equal(err, SEQ_OK);
    assert_int_equal(got.number, highest);
}

static void test_origin_codec(void **state)
{
    (void)state;
    uint8_t rec[STORE_RECORD_BYTES_MAX];
    size_t len;
    store_l1_origin o = origin_at(77, 3), back;
    assert_int_equal(store_l1_origin_encode(rec, sizeof rec, &len, &o), SEQ_OK);
    assert_int_equal(rec[1], STORE_KIND_L1_ORIGIN);
    assert_int_equal(store_l1_origin_decode(&back, rec, len), SEQ_OK);
    assert_memory_equal(&back, &o, sizeof o);
    for (size_t i = 0; i < len; i++) {
        rec[i] ^= 0x01;
        assert_int_equal(store_l1_origin_decode(&back, rec, len), SEQ_ERR_CORRUPT);
        assert_int_equal(back.number, 0);
        rec[i] ^= 0x01;
    }
    assert_int_equal(store_l1_origin_decode(&back, rec, len - 1), SEQ_ERR_CORRUPT);
    /* Another record kind of the same size is not an origin, nor the
     * reverse. */
    uint64_t n;
    seq_hash h;
    assert_int_equal(store_l1_cursor_decode(&n, &h, rec, len), SEQ_ERR_CORRUPT);
    assert_int_equal(store_l1_cursor_encode(rec, sizeof rec, &len, 77, &o.hash), SEQ_OK);
    assert_int_equal(store_l1_origin_decode(&back, rec, len), SEQ_ERR_CORRUPT);
    assert_int_equal(store_l1_origin_encode(rec, 10, &len, &o), SEQ_ERR_NO_SPACE);
    assert_int_equal(len, 0);
    /* A zero hash is refused both ways. */
    memset(o.hash.b, 0, SEQ_HASH_BYTES);
    assert_int_equal(store_l1_origin_encode(rec, sizeof rec, &len, &o), SEQ_ERR_INVALID_ARG);
    assert_int_equal(len, 0);
    store_l1_origin ok = origin_at(77, 3);
    assert_int_equal(store_l1_origin_encode(rec, sizeof rec, &len, &ok), SEQ_OK);
    memset(rec + 2 + 8, 0, SEQ_HASH_BYTES); /* then resealed: only the rule refuses it */
    assert_int_equal(crypto_generichash(rec + len - STORE_CHECKSUM_BYTES, STORE_CHECKSUM_BYTES, rec,
                                        len - STORE_CHECKSUM_BYTES, NULL, 0),
                     0);
    assert_int_equal(store_l1_origin_decode(&back, rec, len), SEQ_ERR_CORRUPT);
}

/* Puts: only below the cursor, contiguous and ascending, at most a put's
 * worth, nothing written when refused; replacing by number; pruning below
 * keep_from; a reopen keeps them. */
static void test_origins(void **state)
{
    fixture *f = *state;
    expect_span(f, 1, 0);
    assert_int_equal(origins_put(f, 10, 15, 1, 0), SEQ_ERR_INVALID_ARG); /* no cursor yet */
    expect_span(f, 1, 0);
    assert_int_equal(apply(f, NULL, 0, 20), SEQ_OK);
    assert_int_equal(origins_put(f, 10, 15, 1, 0), SEQ_OK);
    expect_origins(f, 10, 15, 1);
    expect_span(f, 10, 15);

    /* Refused, nothing written: above the cursor (16 neither), no origin,
     * too many, a gap, descending, a repeat, a zero hash. */
    assert_int_equal(origins_put(f, 16, 21, 1, 0), SEQ_ERR_INVALID_ARG);
    assert_int_equal(store_l1_origins_put(f->s, NULL, 0, 0), SEQ_ERR_INVALID_ARG);
    store_l1_origin o[STORE_L1_ORIGINS_PER_PUT_MAX + 1];
    for (size_t i = 0; i < SEQ_ARRAY_LEN(o); i++)
        o[i] = origin_at(i, 2);
    assert_int_equal(store_l1_origins_put(f->s, o, SEQ_ARRAY_LEN(o), 0), SEQ_ERR_INVALID_ARG);
    store_l1_origin bad[2] = {origin_at(16, 1), origin_at(18, 1)};
    assert_int_equal(store_l1_origins_put(f->s, bad, 2, 0), SEQ_ERR_INVALID_ARG);
    bad[1] = origin_at(15, 1);
    assert_int_equal(store_l1_origins_put(f->s, bad, 2, 0), SEQ_ERR_INVALID_ARG);
    bad[1] = origin_at(16, 1);
    assert_int_equal(store_l1_origins_put(f->s, bad, 2, 0), SEQ_ERR_INVALID_ARG);
    bad[1] = origin_at(17, 1);
    memset(bad[1].hash.b, 0, SEQ_HASH_BYTES);
    assert_int_equal(store_l1_origins_put(f->s, bad, 2, 0), SEQ_ERR_INVALID_ARG);
    expect_origins(f, 10, 15, 1);
    expect_span(f, 10, 15);

    /* Up to the cursor exactly; 13..15 replaced by another fork's. */
    assert_int_equal(origins_put(f, 13, 20, 2, 0), SEQ_OK);
    expect_origins(f, 10, 12, 1);
    expect_origins(f, 13, 20, 2);
    expect_span(f, 10, 20);
    /* Pruning: below 12 goes, 12 stays; keep_from 0 and one below the
     * lowest change nothing. */
    assert_int_equal(origins_put(f, 20, 20, 2, 12), SEQ_OK);
    expect_origins(f, 12, 12, 1);
    expect_origins(f, 13, 20, 2);
    expect_span(f, 12, 20);
    assert_int_equal(origins_put(f, 20, 20, 2, 11), SEQ_OK);
    expect_span(f, 12, 20);
    /* A full put, pruning in the same transaction. */
    assert_int_equal(apply(f, NULL, 0, 1000), SEQ_OK);
    assert_int_equal(origins_put(f, 1000 - STORE_L1_ORIGINS_PER_PUT_MAX + 1, 1000, 3, 900), SEQ_OK);
    expect_origins(f, 900, 1000, 3);
    expect_span(f, 900, 1000);

    /* Survives a reopen. */
    store_close(f->s);
    f->s = NULL;
    assert_int_equal(store_open(&f->s, f->dir, &f->genesis, NULL), SEQ_OK);
    expect_origins(f, 900, 1000, 3);
    expect_span(f, 900, 1000);
    /* A keep_from above the put: afterwards nothing below it is stored. */
    assert_int_equal(origins_put(f, 999, 1000, 3, 1001), SEQ_OK);
    expect_span(f, 1, 0);
}

/* A rewind drops the origins above the ancestor with the batches, in the
 * same transaction; the new chain's go in after. */
static void test_origins_rewind(void **state)
{
    fixture *f = *state;
    store_l1_batch b[2] = {batch_at(0, 12), batch_at(1, 18)};
    assert_int_equal(apply(f, b, 2, 20), SEQ_OK);
    assert_int_equal(origins_put(f, 10, 20, 1, 0), SEQ_OK);
    store_l1_change r = {
        .rewind = true, .rewind_to = 15, .cursor_number = 15, .cursor_hash = block_hash(15)};
    assert_int_equal(store_l1_apply(f->s, &r), SEQ_OK);
    expect_origins(f, 10, 15, 1);
    expect_span(f, 10, 15);
    expect_last(f, true, 0);
    /* The cursor is at 15 now: 16 is above it until the follower moves. */
    assert_int_equal(origins_put(f, 16, 16, 2, 0), SEQ_ERR_INVALID_ARG);
    assert_int_equal(apply(f, NULL, 0, 22), SEQ_OK);
    assert_int_equal(origins_put(f, 16, 22, 2, 0), SEQ_OK);
    expect_origins(f, 10, 15, 1);
    expect_origins(f, 16, 22, 2);
    expect_span(f, 10, 22);
    /* Below every origin: all go. */
    r.rewind_to = 5;
    r.cursor_number = 5;
    r.cursor_hash = block_hash(5);
    assert_int_equal(store_l1_apply(f->s, &r), SEQ_OK);
    expect_span(f, 1, 0);
    expect_last(f, false, 0);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    seq_log_configure(SEQ_LOG_WARN, SEQ_LOG_TEXT, NULL);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_codec),
        cmocka_unit_test_setup_teardown(test_empty, setup, teardown),
        cmocka_unit_test_setup_teardown(test_batches_in_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_first_batch_index_zero, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rewind, setup, teardown),
        cmocka_unit_test_setup_teardown(test_batch_at_height_empty, setup, teardown),
        cmocka_unit_test_setup_teardown(test_batch_at_height, setup, teardown),
        cmocka_unit_test_setup_teardown(test_batch_at_height_forced, setup, teardown),
        cmocka_unit_test_setup_teardown(test_batch_at_height_rewind, setup, teardown),
        cmocka_unit_test(test_attestation_codec),
        cmocka_unit_test_setup_teardown(test_attestation_once, setup, teardown),
        cmocka_unit_test(test_forced_codec),
        cmocka_unit_test_setup_teardown(test_forced_queue, setup, teardown),
        cmocka_unit_test_setup_teardown(test_forced_count_at, setup, teardown),
        cmocka_unit_test_setup_teardown(test_consumed_at, setup, teardown),
        cmocka_unit_test_setup_teardown(test_committed_consuming, setup, teardown),
        cmocka_unit_test(test_origin_codec),
        cmocka_unit_test_setup_teardown(test_origins, setup, teardown),
        cmocka_unit_test_setup_teardown(test_origins_rewind, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
