/* libFuzzer target: the strict RLP decoder. Oracles: the tree validator and
 * the item decoder agree; every accepted item, re-encoded with the writer by
 * walking the tree, reproduces the input exactly (canonical form); the
 * integer accessors accept only canonical integers. */
#include <string.h>

#include "fuzz.h"
#include "l1.h"

#define REENCODE_BYTES_MAX 8192

static void reencode(l1_rlp_writer *w, const l1_rlp_item *item, size_t depth)
{
    SEQ_ASSERT(depth <= L1_RLP_DEPTH_MAX);
    if (!item->is_list) {
        l1_rlp_put_bytes(w, item->payload, item->payload_len);
        uint64_t u;
        seq_err err = l1_rlp_item_u64(&u, item);
        if (err == SEQ_OK) {
            /* A canonical integer re-encodes to the same string. */
            SEQ_ASSERT(item->payload_len <= 8);
            SEQ_ASSERT(item->payload_len == 0 || item->payload[0] != 0);
        }
        uint8_t word[32];
        if (l1_rlp_item_uint_be(word, sizeof word, item) == SEQ_OK)
            SEQ_ASSERT(item->payload_len <= 32);
        return;
    }
    l1_rlp_list_begin(w);
    l1_rlp_iter it;
    l1_rlp_iter_init(&it, item);
    l1_rlp_item child;
    while (!l1_rlp_iter_done(&it)) {
        SEQ_ASSERT(l1_rlp_iter_next(&it, &child) == SEQ_OK);
        reencode(w, &child, depth + 1);
    }
    l1_rlp_list_end(w);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    l1_rlp_item item;
    size_t consumed = 0;
    seq_err head = l1_rlp_decode_item(&item, &consumed, data, size);
    if (head == SEQ_OK)
        SEQ_ASSERT(consumed > 0 && consumed <= size);
    seq_err whole = l1_rlp_validate(data, size);
    if (whole != SEQ_OK)
        return 0;
    SEQ_ASSERT(head == SEQ_OK && consumed == size);
    SEQ_ASSERT(l1_rlp_decode_single(&item, data, size) == SEQ_OK);
    if (size > REENCODE_BYTES_MAX)
        return 0;
    static uint8_t out[REENCODE_BYTES_MAX];
    l1_rlp_writer w;
    l1_rlp_writer_init(&w, out, sizeof out);
    reencode(&w, &item, 0);
    size_t len = 0;
    SEQ_ASSERT(l1_rlp_writer_finish(&w, &len) == SEQ_OK);
    SEQ_ASSERT(len == size && memcmp(out, data, size) == 0);
    return 0;
}
