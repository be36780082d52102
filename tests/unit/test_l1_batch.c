/* The batch data format: a chain of blocks encoded, compressed, decoded
 * back to the same headers, txs and hashes; the byte layout of the payload
 * (what a rollup's derivation reads); the same bytes on every run; and
 * every way the data or the payload can be wrong (version, frames, sizes,
 * lengths, chain links, tx roots, caps). */
/* cmocka needs these headers before its own, in this order. */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#include "l1.h"

#define BLOCKS   3u
#define TXS      4u
#define ARENA    (L1_BATCH_PAYLOAD_BYTES_MAX + (1u << 20))
#define DATA_CAP (L1_BATCH_PAYLOAD_BYTES_MAX + 4096u)

typedef struct {
    l1_batch_block blocks[BLOCKS];
    seq_bytes txs[BLOCKS][TXS];
    uint8_t tx_bytes[BLOCKS][TXS][40];
    seq_hash hashes[BLOCKS];
} chain;

/* Blocks 5, 6, 7 of chain 901, linked, tx roots right: block 0 holds one
 * tx, block 1 two, block 2 none. */
static void chain_make(chain *c)
{
    memset(c, 0, sizeof *c);
    seq_hash parent;
    memset(parent.b, 0x44, sizeof parent.b);
    for (size_t i = 0; i < BLOCKS; i++) {
        l1_batch_block *b = &c->blocks[i];
        b->tx_count = i == BLOCKS - 1 ? 0 : i + 1;
        seq_hash leaves[TXS];
        for (size_t t = 0; t < b->tx_count; t++) {
            size_t len = 10 + 7 * t;
            memset(c->tx_bytes[i][t], (int)(0x30 + 4 * i + t), len);
            c->txs[i][t] = (seq_bytes){.ptr = c->tx_bytes[i][t], .len = len};
            l1_keccak256(&leaves[t], c->tx_bytes[i][t], len);
        }
        b->txs = c->txs[i];
        b->header = (seq_block_header){.l2_chain_id = 901,
                                       .height = 5 + i,
                                       .view = 9 + 2 * i,
                                       .parent_hash = parent,
                                       .l1_origin_number = 77,
                                       .forced_cursor = 2,
                                       .timestamp_ms = 1700000000000ull + i};
        memset(b->header.proposer.b, (int)(0xa0 + i), SEQ_ADDR_BYTES);
        l1_merkle_root(&b->header.tx_root, leaves, b->tx_count);
        l1_block_hash(&c->hashes[i], &b->header);
        parent = c->hashes[i];
    }
}

static uint8_t *payload_buf, *data_buf, *arena_buf;
static seq_arena arena;

static int setup(void **state)
{
    (void)state;
    payload_buf = malloc(DATA_CAP);
    data_buf = malloc(DATA_CAP);
    arena_buf = malloc(ARENA);
    if (payload_buf == NULL || data_buf == NULL || arena_buf == NULL)
        return -1;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    free(payload_buf);
    free(data_buf);
    free(arena_buf);
    return 0;
}

static seq_err decode_payload(l1_batch *out, const uint8_t *p, size_t len)
{
    seq_arena_init(&arena, arena_buf, ARENA);
    return l1_batch_payload_decode(out, &arena, p, len);
}

static size_t encode(const chain *c, size_t count)
{
    size_t len = 0;
    assert_int_equal(l1_batch_payload_encode(payload_buf, DATA_CAP, &len, c->blocks, count),
                     SEQ_OK);
    assert_int_equal(len, l1_batch_payload_bytes(c->blocks, count));
    return len;
}

static void test_round_trip(void **state)
{
    (void)state;
    chain c;
    chain_make(&c);
    size_t plen = encode(&c, BLOCKS);
    size_t dlen = 0;
    assert_int_equal(l1_batch_compress(data_buf, DATA_CAP, &dlen, payload_buf, plen), SEQ_OK);
    assert_int_equal(data_buf[0], L1_BATCH_VERSION);
    assert_true(dlen < plen); /* repetitive txs compress */
    /* The same bytes every time. */
    static uint8_t again[4096];
    size_t alen = 0;
    assert_int_equal(l1_batch_compress(again, sizeof again, &alen, payload_buf, plen), SEQ_OK);
    assert_int_equal(alen, dlen);
    assert_memory_equal(again, data_buf, dlen);

    l1_batch b;
    seq_arena_init(&arena, arena_buf, ARENA);
    assert_int_equal(l1_batch_decode(&b, &arena, data_buf, dlen), SEQ_OK);
    assert_int_equal(b.block_count, BLOCKS);
    for (size_t i = 0; i < BLOCKS; i++) {
        /* Every header field: the hash commits to all of them. */
        seq_hash h;
        l1_block_hash(&h, &b.blocks[i].header);
        assert_memory_equal(h.b, c.hashes[i].b, SEQ_HASH_BYTES);
        assert_int_equal(b.blocks[i].header.timestamp_ms, c.blocks[i].header.timestamp_ms);
        assert_int_equal(b.blocks[i].tx_count, c.blocks[i].tx_count);
        for (size_t t = 0; t < c.blocks[i].tx_count; t++) {
            assert_int_equal(b.blocks[i].txs[t].len, c.txs[i][t].len);
            assert_memory_equal(b.blocks[i].txs[t].ptr, c.txs[i][t].ptr, c.txs[i][t].len);
        }
        assert_memory_equal(b.hashes[i].b, c.hashes[i].b, SEQ_HASH_BYTES);
    }
    /* One block alone is a batch too. */
    size_t one = encode(&c, 1);
    assert_int_equal(decode_payload(&b, payload_buf, one), SEQ_OK);
    assert_int_equal(b.block_count, 1);
}

/* The payload's bytes, as l1/README.md documents them. */
static void test_layout(void **state)
{
    (void)state;
    chain c;
    chain_make(&c);
    size_t len = encode(&c, 2);
    const uint8_t *p = payload_buf;
    assert_memory_equal(p, "\x00\x00\x00\x02", 4);                     /* block count */
    assert_memory_equal(p + 4, "\x00\x00\x00\x00\x00\x00\x03\x85", 8); /* chain id 901 */
    assert_int_equal(p[4 + 8 + 7], 5);                                 /* height */
    assert_int_equal(p[4 + 16 + 7], 9);                                /* view */
    assert_memory_equal(p + 4 + 24, c.blocks[0].header.parent_hash.b, 32);
    assert_memory_equal(p + 4 + 56, c.blocks[0].header.tx_root.b, 32);
    assert_int_equal(p[4 + 88 + 7], 77); /* L1 origin number */
    assert_int_equal(p[4 + 128 + 7], 2); /* forced cursor */
    assert_memory_equal(p + 4 + 144, c.blocks[0].header.proposer.b, 20);
    assert_memory_equal(p + 4 + 164, "\x00\x00\x00\x01", 4); /* tx count */
    assert_memory_equal(p + 4 + 168, "\x00\x00\x00\x0a", 4); /* tx length */
    assert_memory_equal(p + 4 + 172, c.tx_bytes[0][0], 10);
    assert_int_equal(len, 4 + (164 + 4 + 4 + 10) + (164 + 4 + 4 + 10 + 4 + 17));
}

/* Rewrites the header of block i in the payload. */
static void header_poke(size_t offset_in_header, uint8_t value, size_t block_offset)
{
    payload_buf[4 + block_offset + offset_in_header] ^= value;
}

static void test_payload_refused(void **state)
{
    (void)state;
    chain c;
    chain_make(&c);
    l1_batch b;
    size_t len = encode(&c, BLOCKS);
    size_t second = 164 + 4 + 4 + 10; /* where block 1 starts */

    assert_int_equal(decode_payload(&b, payload_buf, len - 1), SEQ_ERR_MALFORMED);
    payload_buf[len] = 0;
    assert_int_equal(decode_payload(&b, payload_buf, len + 1), SEQ_ERR_MALFORMED);
    assert_int_equal(decode_payload(&b, payload_buf, 3), SEQ_ERR_MALFORMED);

    struct {
        size_t at;
        uint8_t flip;
        const char *what;
    } cases[] = {
        {0 + 3, 0x01, "block count"},
        {4 + 7, 0x01, "chain id of block 0 (block 1 differs then)"},
        {4 + second + 15, 0x01, "height of block 1"},
        {4 + second + 24, 0x01, "parent hash of block 1"},
        {4 + 56, 0x01, "tx root of block 0"},
        {4 + second + 164 + 3, 0x07, "tx count of block 1"},
        {4 + 164 + 4 + 3, 0x40, "a tx length"},
        {4 + 172, 0x01, "a tx byte (the tx root breaks)"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        encode(&c, BLOCKS);
        payload_buf[cases[k].at] ^= cases[k].flip;
        print_message("payload with a changed %s\n", cases[k].what);
        assert_int_equal(decode_payload(&b, payload_buf, len), SEQ_ERR_MALFORMED);
        static const l1_batch zero;
        assert_memory_equal(&b, &zero, sizeof b);
    }
    /* A view or a timestamp may be anything: only the links are checked. */
    encode(&c, BLOCKS);
    header_poke(16 + 7, 0x01, 0);
    /* ... but the block hash then changes, and block 1's parent link breaks. */
    assert_int_equal(decode_payload(&b, payload_buf, len), SEQ_ERR_MALFORMED);
    encode(&c, BLOCKS);
    header_poke(16 + 7, 0x01, 2 * second + 4 + 17); /* the last block's view */
    assert_int_equal(decode_payload(&b, payload_buf, len), SEQ_OK);

    /* Height 0 and a zero-length tx. */
    chain z;
    chain_make(&z);
    z.blocks[0].header.height = 0;
    size_t zl = encode(&z, 1);
    assert_int_equal(decode_payload(&b, payload_buf, zl), SEQ_ERR_MALFORMED);
    z.txs[0][0].len = 0;
    size_t out_len = 7;
    assert_int_equal(l1_batch_payload_encode(payload_buf, DATA_CAP, &out_len, z.blocks, 1),
                     SEQ_ERR_INVALID_ARG);
    assert_int_equal(out_len, 0);
}

static void test_encode_refused(void **state)
{
    (void)state;
    chain c;
    chain_make(&c);
    size_t len = 7;
    assert_int_equal(l1_batch_payload_encode(payload_buf, DATA_CAP, &len, c.blocks, 0),
                     SEQ_ERR_INVALID_ARG);
    assert_int_equal(l1_batch_payload_encode(payload_buf, 10, &len, c.blocks, 1), SEQ_ERR_NO_SPACE);
    assert_int_equal(len, 0);
    c.txs[0][0].len = L1_BATCH_TX_BYTES_MAX + 1;
    assert_int_equal(l1_batch_payload_encode(payload_buf, DATA_CAP, &len, c.blocks, 1),
                     SEQ_ERR_INVALID_ARG);
    uint8_t small[8];
    size_t plen = 0;
    chain_make(&c);
    plen = encode(&c, BLOCKS);
    assert_int_equal(l1_batch_compress(small, sizeof small, &len, payload_buf, plen),
                     SEQ_ERR_NO_SPACE);
    assert_int_equal(
        l1_batch_compress(data_buf, DATA_CAP, &len, payload_buf, L1_BATCH_PAYLOAD_BYTES_MAX + 1),
        SEQ_ERR_TOO_LARGE);
}

/* Data the Inbox could hold that is not a batch of this format. */
static void test_data_refused(void **state)
{
    (void)state;
    chain c;
    chain_make(&c);
    size_t plen = encode(&c, BLOCKS), dlen = 0;
    assert_int_equal(l1_batch_compress(data_buf, DATA_CAP, &dlen, payload_buf, plen), SEQ_OK);
    l1_batch b;
    size_t out_len = 0;
    static uint8_t out[8192];

    data_buf[0] = 2;
    assert_int_equal(l1_batch_decompress(out, sizeof out, &out_len, data_buf, dlen),
                     SEQ_ERR_BAD_VERSION);
    seq_arena_init(&arena, arena_buf, ARENA);
    assert_int_equal(l1_batch_decode(&b, &arena, data_buf, dlen), SEQ_ERR_BAD_VERSION);
    data_buf[0] = L1_BATCH_VERSION;
    assert_int_equal(l1_batch_decompress(out, sizeof out, &out_len, data_buf, 1),
                     SEQ_ERR_MALFORMED);
    assert_int_equal(l1_batch_decompress(out, sizeof out, &out_len, data_buf, dlen - 1),
                     SEQ_ERR_MALFORMED);
    assert_int_equal(l1_batch_decompress(out, plen - 1, &out_len, data_buf, dlen),
                     SEQ_ERR_NO_SPACE);
    /* Two frames. */
    memcpy(data_buf + dlen, data_buf + 1, dlen - 1);
    assert_int_equal(l1_batch_decompress(out, sizeof out, &out_len, data_buf, 2 * dlen - 1),
                     SEQ_ERR_MALFORMED);
    /* A frame that does not say its size (streamed). */
    ZSTD_CCtx *z = ZSTD_createCCtx();
    assert_non_null(z);
    assert_false(ZSTD_isError(ZSTD_CCtx_setParameter(z, ZSTD_c_contentSizeFlag, 0)));
    ZSTD_outBuffer ob = {data_buf + 1, DATA_CAP - 1, 0};
    ZSTD_inBuffer ib = {payload_buf, plen, 0};
    assert_int_equal(ZSTD_compressStream2(z, &ob, &ib, ZSTD_e_end), 0);
    ZSTD_freeCCtx(z);
    data_buf[0] = L1_BATCH_VERSION;
    assert_int_equal(ZSTD_getFrameContentSize(data_buf + 1, ob.pos), ZSTD_CONTENTSIZE_UNKNOWN);
    assert_int_equal(l1_batch_decompress(out, sizeof out, &out_len, data_buf, ob.pos + 1),
                     SEQ_ERR_MALFORMED);
    /* A frame declaring more than a payload may hold: refused before any
     * allocation (zeros compress to almost nothing). */
    size_t big = L1_BATCH_PAYLOAD_BYTES_MAX + 1;
    uint8_t *zeros = calloc(1, big);
    assert_non_null(zeros);
    size_t n = ZSTD_compress(data_buf + 1, DATA_CAP - 1, zeros, big, 1);
    free(zeros);
    assert_false(ZSTD_isError(n));
    assert_int_equal(l1_batch_decompress(out, sizeof out, &out_len, data_buf, n + 1),
                     SEQ_ERR_TOO_LARGE);
    seq_arena_init(&arena, arena_buf, 1024);
    assert_int_equal(l1_batch_decode(&b, &arena, data_buf, n + 1), SEQ_ERR_TOO_LARGE);
    /* A valid frame of garbage: the payload parser refuses it. */
    static const uint8_t junk[64] = {0, 0, 0, 1};
    n = ZSTD_compress(data_buf + 1, DATA_CAP - 1, junk, sizeof junk, 3);
    seq_arena_init(&arena, arena_buf, ARENA);
    assert_int_equal(l1_batch_decode(&b, &arena, data_buf, n + 1), SEQ_ERR_MALFORMED);
    /* An arena too small for the payload. */
    n = 0;
    assert_int_equal(l1_batch_compress(data_buf, DATA_CAP, &n, payload_buf, plen), SEQ_OK);
    seq_arena_init(&arena, arena_buf, 64);
    assert_int_equal(l1_batch_decode(&b, &arena, data_buf, n), SEQ_ERR_NO_SPACE);
}

static size_t cut(bool *closed, const size_t *sizes, size_t count, uint32_t max_blocks,
                  uint32_t max_bytes)
{
    static const uint64_t flat[BLOCKS + 8] = {0}; /* one timestamp: no span */
    SEQ_ASSERT(count <= SEQ_ARRAY_LEN(flat));
    l1_batch_bounds b = {.max_blocks = max_blocks, .max_bytes = max_bytes, .max_span_ms = 1000};
    return l1_batch_cut(closed, sizes, flat, count, &b);
}

/* Boundaries: by count, by bytes, a block too large alone, and not yet. */
static void test_cut(void **state)
{
    (void)state;
    bool closed = true;
    const size_t sizes[] = {100, 100, 100, 100, 100};
    /* 4 + 100 k bytes: three blocks fit in 320, the fourth would not. */
    assert_int_equal(cut(&closed, sizes, 5, 64, 320), 3);
    assert_true(closed);
    /* Only two blocks known so far, room for more: wait. */
    assert_int_equal(cut(&closed, sizes, 2, 64, 320), 2);
    assert_false(closed);
    /* Exactly full counts as closed. */
    assert_int_equal(cut(&closed, sizes, 3, 64, 304), 3);
    assert_true(closed);
    /* The block count bound. */
    assert_int_equal(cut(&closed, sizes, 5, 2, 100000), 2);
    assert_true(closed);
    assert_int_equal(cut(&closed, sizes, 1, 2, 100000), 1);
    assert_false(closed);
    /* A block above max_bytes is a batch of its own, closed. */
    const size_t big[] = {5000, 10};
    assert_int_equal(cut(&closed, big, 2, 64, 320), 1);
    assert_true(closed);
    assert_int_equal(cut(&closed, big, 1, 64, 320), 1);
    assert_true(closed);
    /* Nothing committed yet. */
    assert_int_equal(cut(&closed, sizes, 0, 64, 320), 0);
    assert_false(closed);
    /* The sizes are the payload's: a cut batch encodes within max_bytes. */
    chain c;
    chain_make(&c);
    size_t each[BLOCKS];
    for (size_t i = 0; i < BLOCKS; i++)
        each[i] = l1_batch_block_bytes(&c.blocks[i]);
    size_t limit = 4 + each[0] + each[1];
    assert_int_equal(cut(&closed, each, BLOCKS, 64, (uint32_t)limit), 2);
    assert_true(closed);
    assert_int_equal(l1_batch_payload_bytes(c.blocks, 2), limit);
}

/* Block by block, the payload is byte for byte l1_batch_payload_encode's;
 * a short buffer and a block over a cap are refused. */
static void test_block_by_block(void **state)
{
    (void)state;
    chain c;
    chain_make(&c);
    size_t plen = encode(&c, BLOCKS);
    static uint8_t built[DATA_CAP];
    l1_batch_count_put(built, BLOCKS);
    size_t pos = L1_BATCH_COUNT_BYTES;
    for (size_t i = 0; i < BLOCKS; i++) {
        size_t n = 0;
        assert_int_equal(l1_batch_block_encode(built + pos, sizeof built - pos, &n, &c.blocks[i]),
                         SEQ_OK);
        assert_int_equal(n, l1_batch_block_bytes(&c.blocks[i]));
        pos += n;
    }
    assert_int_equal(pos, plen);
    assert_memory_equal(built, payload_buf, plen);
    size_t n = 1;
    size_t need = l1_batch_block_bytes(&c.blocks[0]);
    assert_int_equal(l1_batch_block_encode(built, need - 1, &n, &c.blocks[0]), SEQ_ERR_NO_SPACE);
    assert_int_equal(n, 0);
    seq_bytes empty = {.ptr = built, .len = 0};
    l1_batch_block bad = c.blocks[0];
    bad.tx_count = 1;
    bad.txs = &empty;
    assert_int_equal(l1_batch_block_encode(built, sizeof built, &n, &bad), SEQ_ERR_INVALID_ARG);
}

/* postBatch calldata: selector, header words, offsets, padded bytes; too
 * small a buffer is refused. The contract tests (test_l1_client) post it. */
static void test_post_calldata(void **state)
{
    (void)state;
    l1_batch_header h = {.stmt = {.l2_chain_id = 901,
                                  .index = 7,
                                  .first_height = 10,
                                  .last_height = 20,
                                  .forced_cursor = 3}};
    memset(h.stmt.prev_batch_hash.b, 0xaa, SEQ_HASH_BYTES);
    memset(h.stmt.data_hash.b, 0xbb, SEQ_HASH_BYTES);
    memset(h.forced_acc.b, 0xcc, SEQ_HASH_BYTES);
    const uint8_t data[33] = {1, [32] = 2};
    seq_sig sigs[2];
    memset(sigs[0].b, 0x11, SEQ_SIG_BYTES);
    memset(sigs[1].b, 0x22, SEQ_SIG_BYTES);
    size_t need = l1_batch_post_calldata_bytes(sizeof data, 2);
    assert_int_equal(need, 4 + 320 + 32 + 64 + 32 + 160);
    static uint8_t out[1024];
    size_t len = 1;
    assert_int_equal(l1_batch_post_calldata(out, need - 1, &len, &h, data, sizeof data, sigs, 2),
                     SEQ_ERR_NO_SPACE);
    assert_int_equal(len, 0);
    memset(out, 0xee, sizeof out);
    assert_int_equal(l1_batch_post_calldata(out, sizeof out, &len, &h, data, sizeof data, sigs, 2),
                     SEQ_OK);
    assert_int_equal(len, need);
    uint8_t sel[4];
    l1_abi_selector(sel, L1_BATCH_POST_SIGNATURE);
    assert_memory_equal(out, sel, 4);
    const uint8_t *w = out + 4;
    uint8_t word[32];
    l1_abi_u64(word, 901);
    assert_memory_equal(w, word, 32);
    l1_abi_u64(word, 7);
    assert_memory_equal(w + 32, word, 32);
    assert_memory_equal(w + 64, h.stmt.prev_batch_hash.b, 32);
    assert_memory_equal(w + 96, h.stmt.data_hash.b, 32);
    l1_abi_u64(word, 3);
    assert_memory_equal(w + 192, word, 32);
    assert_memory_equal(w + 224, h.forced_acc.b, 32);
    l1_abi_u64(word, 320); /* data's offset */
    assert_memory_equal(w + 256, word, 32);
    l1_abi_u64(word, 320 + 32 + 64); /* signatures' offset */
    assert_memory_equal(w + 288, word, 32);
    l1_abi_u64(word, 33);
    assert_memory_equal(w + 320, word, 32);
    assert_memory_equal(w + 352, data, 33);
    for (size_t i = 33; i < 64; i++) /* zero padding */
        assert_int_equal(w[352 + i], 0);
    l1_abi_u64(word, 130);
    assert_memory_equal(w + 416, word, 32);
    assert_memory_equal(w + 448, sigs[0].b, 65);
    assert_memory_equal(w + 448 + 65, sigs[1].b, 65);
    for (size_t i = 130; i < 160; i++)
        assert_int_equal(w[448 + i], 0);
}

/* The time bound: a batch closes at the first block max_span_ms after its
 * first; before that it waits; other bounds still apply first. */
static void test_cut_span(void **state)
{
    (void)state;
    bool closed = false;
    const size_t sizes[] = {100, 100, 100, 100, 100};
    const uint64_t ts[] = {1000, 1400, 1999, 2000, 2600};
    l1_batch_bounds b = {.max_blocks = 64, .max_bytes = 100000, .max_span_ms = 1000};
    /* Block 3 is exactly 1000 ms after block 0: it closes the batch. */
    assert_int_equal(l1_batch_cut(&closed, sizes, ts, 5, &b), 4);
    assert_true(closed);
    /* Up to block 2 only 999 ms: wait for more. */
    assert_int_equal(l1_batch_cut(&closed, sizes, ts, 3, &b), 3);
    assert_false(closed);
    /* A zero span closes after every block. */
    b.max_span_ms = 0;
    assert_int_equal(l1_batch_cut(&closed, sizes, ts, 5, &b), 1);
    assert_true(closed);
    /* Bytes bind before the span. */
    b.max_span_ms = 1000;
    b.max_bytes = 204;
    assert_int_equal(l1_batch_cut(&closed, sizes, ts, 5, &b), 2);
    assert_true(closed);
    /* until_ms holds the batch open past the span: a backlog goes out in
     * one batch up to the first block at or after it. */
    b.max_bytes = 100000;
    b.until_ms = 2600;
    assert_int_equal(l1_batch_cut(&closed, sizes, ts, 5, &b), 5);
    assert_true(closed);
    assert_int_equal(l1_batch_cut(&closed, sizes, ts, 4, &b), 4);
    assert_false(closed);
    assert_false(l1_batch_time_closes(&b, 1000, 2599));
    assert_true(l1_batch_time_closes(&b, 1000, 2600));
    b.until_ms = 500; /* in the past: the span alone decides */
    assert_true(l1_batch_time_closes(&b, 1000, 2000));
    assert_false(l1_batch_time_closes(&b, 1000, 1999));
    b.until_ms = 0;
    /* A timestamp before the first spans nothing. */
    const uint64_t back[] = {5000, 10, 20};
    b.max_bytes = 100000;
    assert_int_equal(l1_batch_cut(&closed, sizes, back, 3, &b), 3);
    assert_false(closed);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),      cmocka_unit_test(test_layout),
        cmocka_unit_test(test_payload_refused), cmocka_unit_test(test_encode_refused),
        cmocka_unit_test(test_data_refused),    cmocka_unit_test(test_cut),
        cmocka_unit_test(test_cut_span),        cmocka_unit_test(test_block_by_block),
        cmocka_unit_test(test_post_calldata),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
