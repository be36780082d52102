/* batch.c — the batch data format (l1.h "batches", l1/README.md "Batch
 * data"): what the Inbox stores as a batch's data, what a rollup's
 * derivation reads back.
 *
 *   data    = version (1 byte, L1_BATCH_VERSION) || one zstd frame(payload)
 *   payload = block_count (u32) || block_count x block
 *   block   = header (164 bytes, the fields of seq_block_header in hash
 *             order, integers u64) || tx_count (u32) || tx_count x
 *             (length u32 || tx bytes)
 * Integers are big-endian. The frame records its content size and carries
 * no checksum (the Inbox already binds keccak256(data)) and no dictionary.
 *
 * The encoder is deterministic for one zstd version and the fixed
 * parameters below: every node that encodes the same blocks gets the same
 * bytes, which is what lets a committee sign one dataHash. The decoder
 * trusts nothing: exactly one frame with a declared size within bounds,
 * decompressed to exactly that size, and a payload parsed strictly and
 * checked as a chain (consecutive heights, one L2 chain id, each parent
 * hash the previous block's hash, each tx root the Merkle root of its
 * txs). */
#include <string.h>
#include <zstd.h>
#include <zstd_errors.h>

#include "l1.h"

#define HEADER_BYTES     164u
#define BATCH_ZSTD_LEVEL 3

/* ------------------------------------------------------------- encoding */

static void put_u32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static void put_u64(uint8_t *p, uint64_t v)
{
    for (size_t i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (56 - 8 * i));
}

static uint32_t get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t get_u64(const uint8_t *p)
{
    uint64_t v = 0;
    for (size_t i = 0; i < 8; i++)
        v = v << 8 | p[i];
    return v;
}

static void header_put(uint8_t out[HEADER_BYTES], const seq_block_header *h)
{
    uint8_t *p = out;
    put_u64(p, h->l2_chain_id);
    put_u64(p + 8, h->height);
    put_u64(p + 16, h->view);
    memcpy(p + 24, h->parent_hash.b, SEQ_HASH_BYTES);
    memcpy(p + 56, h->tx_root.b, SEQ_HASH_BYTES);
    put_u64(p + 88, h->l1_origin_number);
    memcpy(p + 96, h->l1_origin_hash.b, SEQ_HASH_BYTES);
    put_u64(p + 128, h->forced_cursor);
    put_u64(p + 136, h->timestamp_ms);
    memcpy(p + 144, h->proposer.b, SEQ_ADDR_BYTES);
}

static void header_get(seq_block_header *h, const uint8_t in[HEADER_BYTES])
{
    const uint8_t *p = in;
    h->l2_chain_id = get_u64(p);
    h->height = get_u64(p + 8);
    h->view = get_u64(p + 16);
    memcpy(h->parent_hash.b, p + 24, SEQ_HASH_BYTES);
    memcpy(h->tx_root.b, p + 56, SEQ_HASH_BYTES);
    h->l1_origin_number = get_u64(p + 88);
    memcpy(h->l1_origin_hash.b, p + 96, SEQ_HASH_BYTES);
    h->forced_cursor = get_u64(p + 128);
    h->timestamp_ms = get_u64(p + 136);
    memcpy(h->proposer.b, p + 144, SEQ_ADDR_BYTES);
}

_Static_assert(144 + SEQ_ADDR_BYTES == HEADER_BYTES, "the header fills its bytes");
_Static_assert(HEADER_BYTES + 4 == L1_BATCH_BLOCK_HEAD_BYTES, "a block's head: header, tx count");

size_t l1_batch_block_bytes(const l1_batch_block *b)
{
    SEQ_ASSERT(b != NULL && (b->txs != NULL || b->tx_count == 0));
    size_t n = L1_BATCH_BLOCK_HEAD_BYTES;
    for (size_t i = 0; i < b->tx_count; i++)
        n += L1_BATCH_TX_PREFIX_BYTES + b->txs[i].len;
    return n;
}

static bool block_within_caps(const l1_batch_block *b)
{
    if (b->tx_count > L1_BATCH_BLOCK_TXS_MAX)
        return false;
    size_t bytes = 0;
    for (size_t i = 0; i < b->tx_count; i++) {
        if (b->txs[i].len == 0 || b->txs[i].len > L1_BATCH_TX_BYTES_MAX || b->txs[i].ptr == NULL)
            return false;
        bytes += b->txs[i].len;
    }
    return bytes <= L1_BATCH_BLOCK_TX_BYTES_MAX;
}

size_t l1_batch_payload_bytes(const l1_batch_block *blocks, size_t count)
{
    SEQ_ASSERT(blocks != NULL || count == 0);
    size_t n = 4;
    for (size_t i = 0; i < count; i++)
        n += l1_batch_block_bytes(&blocks[i]);
    return n;
}

bool l1_batch_time_closes(const l1_batch_bounds *bounds, uint64_t first_ms, uint64_t ts_ms)
{
    SEQ_ASSERT(bounds != NULL);
    /* Timestamps only grow along a chain (the validity rule); a block
     * claiming an earlier time than the first simply spans nothing. */
    return ts_ms >= first_ms && ts_ms - first_ms >= bounds->max_span_ms &&
           ts_ms >= bounds->until_ms;
}

size_t l1_batch_cut(bool *closed, const size_t *block_bytes, const uint64_t *timestamps_ms,
                    size_t count, const l1_batch_bounds *bounds)
{
    SEQ_ASSERT(closed != NULL && bounds != NULL && bounds->max_blocks >= 1);
    SEQ_ASSERT((block_bytes != NULL && timestamps_ms != NULL) || count == 0);
    *closed = false;
    size_t bytes = L1_BATCH_COUNT_BYTES, n = 0;
    while (n < count && n < bounds->max_blocks) {
        if (n > 0 && bytes + block_bytes[n] > bounds->max_bytes) {
            *closed = true; /* the next block exists and does not fit */
            return n;
        }
        bytes += block_bytes[n];
        n++;
        if (l1_batch_time_closes(bounds, timestamps_ms[0], timestamps_ms[n - 1])) {
            *closed = true;
            return n;
        }
    }
    *closed = n == bounds->max_blocks || (n > 0 && bytes >= bounds->max_bytes);
    return n;
}

/* One block's part of the payload at p (l1_batch_block_bytes(b) bytes). */
static uint8_t *block_put(uint8_t *p, const l1_batch_block *b)
{
    header_put(p, &b->header);
    p += HEADER_BYTES;
    put_u32(p, (uint32_t)b->tx_count);
    p += 4;
    for (size_t t = 0; t < b->tx_count; t++) {
        put_u32(p, (uint32_t)b->txs[t].len);
        memcpy(p + 4, b->txs[t].ptr, b->txs[t].len);
        p += 4 + b->txs[t].len;
    }
    return p;
}

seq_err l1_batch_block_encode(uint8_t *out, size_t out_cap, size_t *out_len,
                              const l1_batch_block *block)
{
    SEQ_ASSERT(out_len != NULL && block != NULL);
    *out_len = 0;
    if (!block_within_caps(block))
        return SEQ_ERR_INVALID_ARG;
    size_t need = l1_batch_block_bytes(block);
    if (out == NULL || out_cap < need)
        return SEQ_ERR_NO_SPACE;
    SEQ_ASSERT((size_t)(block_put(out, block) - out) == need);
    *out_len = need;
    return SEQ_OK;
}

seq_err l1_batch_payload_encode(uint8_t *out, size_t out_cap, size_t *out_len,
                                const l1_batch_block *blocks, size_t count)
{
    SEQ_ASSERT(out_len != NULL && (blocks != NULL || count == 0));
    *out_len = 0;
    if (count == 0 || count > L1_BATCH_BLOCKS_MAX)
        return SEQ_ERR_INVALID_ARG;
    for (size_t i = 0; i < count; i++) {
        if (!block_within_caps(&blocks[i]))
            return SEQ_ERR_INVALID_ARG;
    }
    size_t need = l1_batch_payload_bytes(blocks, count);
    if (need > L1_BATCH_PAYLOAD_BYTES_MAX)
        return SEQ_ERR_TOO_LARGE;
    if (out == NULL || out_cap < need)
        return SEQ_ERR_NO_SPACE;
    uint8_t *p = out;
    put_u32(p, (uint32_t)count);
    p += 4;
    for (size_t i = 0; i < count; i++)
        p = block_put(p, &blocks[i]);
    SEQ_ASSERT((size_t)(p - out) == need);
    *out_len = need;
    return SEQ_OK;
}

void l1_batch_count_put(uint8_t out[L1_BATCH_COUNT_BYTES], uint32_t count)
{
    SEQ_ASSERT(out != NULL);
    put_u32(out, count);
}

seq_err l1_batch_compress(uint8_t *out, size_t out_cap, size_t *out_len, const uint8_t *payload,
                          size_t payload_len)
{
    SEQ_ASSERT(out_len != NULL && payload != NULL);
    *out_len = 0;
    if (payload_len > L1_BATCH_PAYLOAD_BYTES_MAX)
        return SEQ_ERR_TOO_LARGE;
    if (out == NULL || out_cap < 1)
        return SEQ_ERR_NO_SPACE;
    ZSTD_CCtx *z = ZSTD_createCCtx();
    if (z == NULL)
        return SEQ_ERR_NO_MEMORY;
    /* Fixed parameters: the bytes must be the same on every node. */
    size_t rc = ZSTD_CCtx_setParameter(z, ZSTD_c_compressionLevel, BATCH_ZSTD_LEVEL);
    if (!ZSTD_isError(rc))
        rc = ZSTD_CCtx_setParameter(z, ZSTD_c_contentSizeFlag, 1);
    if (!ZSTD_isError(rc))
        rc = ZSTD_CCtx_setParameter(z, ZSTD_c_checksumFlag, 0);
    if (!ZSTD_isError(rc))
        rc = ZSTD_CCtx_setParameter(z, ZSTD_c_dictIDFlag, 0);
    if (!ZSTD_isError(rc))
        rc = ZSTD_compress2(z, out + 1, out_cap - 1, payload, payload_len);
    ZSTD_freeCCtx(z);
    if (ZSTD_isError(rc))
        return ZSTD_getErrorCode(rc) == ZSTD_error_dstSize_tooSmall ? SEQ_ERR_NO_SPACE
                                                                    : SEQ_ERR_INTERNAL;
    out[0] = L1_BATCH_VERSION;
    *out_len = rc + 1;
    return SEQ_OK;
}

/* ------------------------------------------------------------- decoding */

/* Parses one block at in[*at..len) into *b; its txs point into in. */
static seq_err block_parse(l1_batch_block *b, seq_arena *arena, const uint8_t *in, size_t len,
                           size_t *at)
{
    if (len - *at < HEADER_BYTES + 4)
        return SEQ_ERR_MALFORMED;
    header_get(&b->header, in + *at);
    uint32_t count = get_u32(in + *at + HEADER_BYTES);
    *at += HEADER_BYTES + 4;
    if (count > L1_BATCH_BLOCK_TXS_MAX || (size_t)count * 5u > len - *at)
        return SEQ_ERR_MALFORMED; /* each tx takes at least 5 bytes */
    seq_bytes *txs = NULL;
    if (count > 0) {
        txs = seq_arena_alloc(arena, (size_t)count * sizeof *txs);
        if (txs == NULL)
            return SEQ_ERR_NO_SPACE;
    }
    size_t bytes = 0;
    for (uint32_t t = 0; t < count; t++) {
        if (len - *at < 4)
            return SEQ_ERR_MALFORMED;
        uint32_t n = get_u32(in + *at);
        *at += 4;
        if (n == 0 || n > L1_BATCH_TX_BYTES_MAX || n > len - *at)
            return SEQ_ERR_MALFORMED;
        bytes += n;
        if (bytes > L1_BATCH_BLOCK_TX_BYTES_MAX)
            return SEQ_ERR_MALFORMED;
        txs[t] = (seq_bytes){.ptr = in + *at, .len = n};
        *at += n;
    }
    b->tx_count = count;
    b->txs = txs;
    return SEQ_OK;
}

/* The blocks must form one chain segment of one L2 chain. */
static seq_err chain_check(const l1_batch_block *blocks, seq_hash *block_hashes, size_t count,
                           seq_arena *arena)
{
    seq_hash *hashes = NULL;
    for (size_t i = 0; i < count; i++) {
        const l1_batch_block *b = &blocks[i];
        if (b->header.l2_chain_id != blocks[0].header.l2_chain_id)
            return SEQ_ERR_MALFORMED;
        if (i > 0 && (b->header.height != blocks[i - 1].header.height + 1 ||
                      !seq_hash_equal(&b->header.parent_hash, &block_hashes[i - 1])))
            return SEQ_ERR_MALFORMED;
        if (b->header.height == 0 || b->header.height == UINT64_MAX)
            return SEQ_ERR_MALFORMED;
        /* The tx root: scratch from the arena, reused block after block. */
        if (b->tx_count > 0 && hashes == NULL) {
            hashes = seq_arena_alloc(arena, L1_BATCH_BLOCK_TXS_MAX * sizeof *hashes);
            if (hashes == NULL)
                return SEQ_ERR_NO_SPACE;
        }
        for (size_t t = 0; t < b->tx_count; t++)
            l1_keccak256(&hashes[t], b->txs[t].ptr, b->txs[t].len);
        seq_hash root;
        l1_merkle_root(&root, hashes, b->tx_count);
        if (!seq_hash_equal(&root, &b->header.tx_root))
            return SEQ_ERR_MALFORMED;
        l1_block_hash(&block_hashes[i], &b->header);
    }
    return SEQ_OK;
}

seq_err l1_batch_payload_decode(l1_batch *out, seq_arena *arena, const uint8_t *in, size_t len)
{
    SEQ_ASSERT(out != NULL && arena != NULL && (in != NULL || len == 0));
    memset(out, 0, sizeof *out);
    if (len < 4)
        return SEQ_ERR_MALFORMED;
    uint32_t count = get_u32(in);
    if (count == 0 || count > L1_BATCH_BLOCKS_MAX || (size_t)count * (HEADER_BYTES + 4u) > len - 4)
        return SEQ_ERR_MALFORMED;
    l1_batch_block *blocks = seq_arena_alloc(arena, (size_t)count * sizeof *blocks);
    seq_hash *hashes = seq_arena_alloc(arena, (size_t)count * sizeof *hashes);
    if (blocks == NULL || hashes == NULL)
        return SEQ_ERR_NO_SPACE;
    size_t at = 4;
    seq_err err = SEQ_OK;
    for (uint32_t i = 0; i < count && err == SEQ_OK; i++)
        err = block_parse(&blocks[i], arena, in, len, &at);
    if (err == SEQ_OK && at != len)
        err = SEQ_ERR_MALFORMED;
    if (err == SEQ_OK)
        err = chain_check(blocks, hashes, count, arena);
    if (err == SEQ_OK)
        *out = (l1_batch){.block_count = count, .blocks = blocks, .hashes = hashes};
    return err;
}

seq_err l1_batch_decompress(uint8_t *out, size_t out_cap, size_t *out_len, const uint8_t *data,
                            size_t data_len)
{
    SEQ_ASSERT(out_len != NULL && (data != NULL || data_len == 0));
    *out_len = 0;
    if (data_len < 2 || data[0] != L1_BATCH_VERSION)
        return data_len >= 1 && data[0] != L1_BATCH_VERSION ? SEQ_ERR_BAD_VERSION
                                                            : SEQ_ERR_MALFORMED;
    const uint8_t *frame = data + 1;
    size_t frame_len = data_len - 1;
    /* Exactly one frame, and it says how large it is. */
    size_t one = ZSTD_findFrameCompressedSize(frame, frame_len);
    if (ZSTD_isError(one) || one != frame_len)
        return SEQ_ERR_MALFORMED;
    unsigned long long size = ZSTD_getFrameContentSize(frame, frame_len);
    if (size == ZSTD_CONTENTSIZE_UNKNOWN || size == ZSTD_CONTENTSIZE_ERROR)
        return SEQ_ERR_MALFORMED;
    if (size > L1_BATCH_PAYLOAD_BYTES_MAX)
        return SEQ_ERR_TOO_LARGE;
    if (out == NULL || out_cap < size)
        return SEQ_ERR_NO_SPACE;
    ZSTD_DCtx *z = ZSTD_createDCtx();
    if (z == NULL)
        return SEQ_ERR_NO_MEMORY;
    /* A window larger than the content is refused: memory stays bounded by
     * what was declared. */
    size_t rc = ZSTD_DCtx_setParameter(z, ZSTD_d_windowLogMax, 27);
    if (!ZSTD_isError(rc))
        rc = ZSTD_decompressDCtx(z, out, (size_t)size, frame, frame_len);
    ZSTD_freeDCtx(z);
    if (ZSTD_isError(rc) || rc != size)
        return SEQ_ERR_MALFORMED;
    *out_len = rc;
    return SEQ_OK;
}

seq_err l1_batch_decode(l1_batch *out, seq_arena *arena, const uint8_t *data, size_t data_len)
{
    SEQ_ASSERT(out != NULL && arena != NULL && (data != NULL || data_len == 0));
    memset(out, 0, sizeof *out);
    if (data_len < 2 || data[0] != L1_BATCH_VERSION)
        return data_len >= 1 && data[0] != L1_BATCH_VERSION ? SEQ_ERR_BAD_VERSION
                                                            : SEQ_ERR_MALFORMED;
    unsigned long long size = ZSTD_getFrameContentSize(data + 1, data_len - 1);
    if (size == ZSTD_CONTENTSIZE_UNKNOWN || size == ZSTD_CONTENTSIZE_ERROR)
        return SEQ_ERR_MALFORMED;
    if (size > L1_BATCH_PAYLOAD_BYTES_MAX)
        return SEQ_ERR_TOO_LARGE;
    uint8_t *payload = seq_arena_alloc(arena, size > 0 ? (size_t)size : 1);
    if (payload == NULL)
        return SEQ_ERR_NO_SPACE;
    size_t len = 0;
    seq_err err = l1_batch_decompress(payload, (size_t)size, &len, data, data_len);
    if (err == SEQ_OK)
        err = l1_batch_payload_decode(out, arena, payload, len);
    return err;
}

/* ------------------------------------------------------------- posting */

static size_t pad32(size_t n)
{
    return (n + 31u) / 32u * 32u;
}

size_t l1_batch_post_calldata_bytes(size_t data_len, size_t sig_count)
{
    /* selector, 8 header words, 2 offsets, then each bytes: length word
     * and padded contents. */
    return 4u + 10u * 32u + 32u + pad32(data_len) + 32u + pad32(sig_count * SEQ_SIG_BYTES);
}

seq_err l1_batch_post_calldata(uint8_t *out, size_t out_cap, size_t *out_len,
                               const l1_batch_header *h, const uint8_t *data, size_t data_len,
                               const seq_sig *sigs, size_t sig_count)
{
    SEQ_ASSERT(out_len != NULL && h != NULL && (data != NULL || data_len == 0));
    SEQ_ASSERT(sigs != NULL || sig_count == 0);
    *out_len = 0;
    size_t need = l1_batch_post_calldata_bytes(data_len, sig_count);
    if (out == NULL || out_cap < need)
        return SEQ_ERR_NO_SPACE;
    memset(out, 0, need);
    l1_abi_selector(out, L1_BATCH_POST_SIGNATURE);
    uint8_t *w = out + 4;
    const seq_attestation_stmt *s = &h->stmt;
    l1_abi_u64(w, s->l2_chain_id);
    l1_abi_u64(w + 32, s->index);
    memcpy(w + 64, s->prev_batch_hash.b, SEQ_HASH_BYTES);
    memcpy(w + 96, s->data_hash.b, SEQ_HASH_BYTES);
    l1_abi_u64(w + 128, s->first_height);
    l1_abi_u64(w + 160, s->last_height);
    l1_abi_u64(w + 192, s->forced_cursor);
    memcpy(w + 224, h->forced_acc.b, SEQ_HASH_BYTES);
    size_t data_at = 10u * 32u; /* offsets count from the arguments' start */
    size_t sigs_at = data_at + 32u + pad32(data_len);
    l1_abi_u64(w + 256, data_at);
    l1_abi_u64(w + 288, sigs_at);
    l1_abi_u64(w + data_at, data_len);
    if (data_len > 0)
        memcpy(w + data_at + 32, data, data_len);
    l1_abi_u64(w + sigs_at, sig_count * SEQ_SIG_BYTES);
    for (size_t i = 0; i < sig_count; i++)
        memcpy(w + sigs_at + 32 + i * SEQ_SIG_BYTES, sigs[i].b, SEQ_SIG_BYTES);
    *out_len = need;
    return SEQ_OK;
}
