/* libFuzzer target: batch data as the Inbox could hold it (l1_batch_decode).
 * Byte 0 picks the form: odd, the rest is the data as is; even, the rest is
 * a payload that the target compresses first, so the payload parser meets
 * hostile counts, lengths and chains behind a valid frame. Oracles: only
 * the documented errors; a failure zeroes the batch; every decoded tx lies
 * inside the decompressed payload; and an accepted payload encodes back to
 * exactly itself, and its hashes chain. */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "l1.h"

#define INPUT_MAX  (256u << 10)
#define ARENA_SIZE (4u << 20)

static uint8_t arena_mem[ARENA_SIZE];
static uint8_t data[INPUT_MAX + 1024];
static uint8_t again[INPUT_MAX + 1024];

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t len)
{
    if (len < 1 || len - 1 > INPUT_MAX)
        return 0;
    const uint8_t *rest = in + 1;
    size_t rest_len = len - 1;
    size_t data_len = rest_len;
    if (in[0] % 2 == 0) {
        if (l1_batch_compress(data, sizeof data, &data_len, rest, rest_len) != SEQ_OK)
            return 0;
    } else {
        if (rest_len > 0)
            memcpy(data, rest, rest_len);
    }
    seq_arena arena;
    seq_arena_init(&arena, arena_mem, sizeof arena_mem);
    l1_batch b;
    seq_err err = l1_batch_decode(&b, &arena, data, data_len);
    SEQ_ASSERT(err == SEQ_OK || err == SEQ_ERR_MALFORMED || err == SEQ_ERR_BAD_VERSION ||
               err == SEQ_ERR_TOO_LARGE || err == SEQ_ERR_NO_SPACE);
    if (err != SEQ_OK) {
        static const l1_batch zero;
        SEQ_ASSERT(memcmp(&b, &zero, sizeof b) == 0);
        return 0;
    }
    SEQ_ASSERT(b.block_count >= 1 && b.block_count <= L1_BATCH_BLOCKS_MAX);
    for (size_t i = 0; i < b.block_count; i++) {
        for (size_t t = 0; t < b.blocks[i].tx_count; t++) {
            const seq_bytes *tx = &b.blocks[i].txs[t];
            SEQ_ASSERT(tx->len >= 1 && tx->len <= L1_BATCH_TX_BYTES_MAX);
            SEQ_ASSERT(tx->ptr >= arena_mem && tx->ptr + tx->len <= arena_mem + sizeof arena_mem);
        }
        seq_hash h;
        l1_block_hash(&h, &b.blocks[i].header);
        SEQ_ASSERT(seq_hash_equal(&h, &b.hashes[i]));
        if (i > 0)
            SEQ_ASSERT(seq_hash_equal(&b.blocks[i].header.parent_hash, &b.hashes[i - 1]));
    }
    size_t n = 0;
    SEQ_ASSERT(l1_batch_payload_encode(again, sizeof again, &n, b.blocks, b.block_count) == SEQ_OK);
    if (in[0] % 2 == 0)
        SEQ_ASSERT(n == rest_len && memcmp(again, rest, n) == 0);
    return 0;
}
