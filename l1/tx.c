/* tx.c — EIP-1559 (type 2) transactions: encoding, signing and a strict
 * decoder.
 *
 * An encoding is assembled from four pieces so that the signing hash can be
 * streamed without a buffer as large as the data:
 *   prefix  0x02 and the list header
 *   head    chainId .. value, then the header of the data string
 *   data    the data bytes themselves
 *   tail    the empty access list [, yParity, r, s]
 * The list header depends on the total payload length, so head and tail are
 * built first. */
#include <string.h>

#include "l1.h"

#define TX_HEAD_BYTES_MAX (5 * 9 + 21 + 33 + 9) /* five u64, to, value, data header */
#define TX_TAIL_BYTES_MAX (1 + 1 + 33 + 33)     /* [], yParity, r, s */
#define TX_PREFIX_BYTES   (1 + 9)               /* type byte, list header */
#define RLP_SHORT_MAX     55
#define RLP_STRING_OFFSET 0x80
#define RLP_LIST_OFFSET   0xc0

_Static_assert(TX_PREFIX_BYTES + TX_HEAD_BYTES_MAX + TX_TAIL_BYTES_MAX <= L1_TX_OVERHEAD_BYTES_MAX,
               "the fixed part of a transaction fits its overhead allowance");
_Static_assert(L1_TX_DATA_BYTES_MAX + L1_TX_OVERHEAD_BYTES_MAX <= L1_TX_BYTES_MAX,
               "the largest data fits the largest transaction");

typedef struct {
    uint8_t prefix[TX_PREFIX_BYTES];
    size_t prefix_len;
    uint8_t head[TX_HEAD_BYTES_MAX];
    size_t head_len;
    uint8_t tail[TX_TAIL_BYTES_MAX];
    size_t tail_len;
    const uint8_t *data;
    size_t data_len;
} tx_parts;

/* Writes an RLP header for a payload of len bytes; returns its size. */
static size_t tx_rlp_header(uint8_t *out, uint8_t offset, size_t len)
{
    if (len <= RLP_SHORT_MAX) {
        out[0] = (uint8_t)(offset + len);
        return 1;
    }
    size_t n = 0;
    for (size_t v = len; v != 0; v >>= 8)
        n++;
    out[0] = (uint8_t)(offset + RLP_SHORT_MAX + n);
    for (size_t i = 0; i < n; i++)
        out[1 + i] = (uint8_t)(len >> (8 * (n - 1 - i)));
    return 1 + n;
}

static seq_err tx_check(const l1_tx *tx)
{
    SEQ_ASSERT(tx != NULL);
    SEQ_ASSERT(tx->data != NULL || tx->data_len == 0);
    if (tx->max_priority_fee_per_gas > tx->max_fee_per_gas)
        return SEQ_ERR_INVALID_ARG;
    if (tx->data_len > L1_TX_DATA_BYTES_MAX)
        return SEQ_ERR_INVALID_ARG;
    return SEQ_OK;
}

/* Builds the pieces of the unsigned (sig == NULL) or signed encoding. */
static void tx_parts_build(tx_parts *p, const l1_tx *tx, const l1_tx_signed *sig)
{
    memset(p, 0, sizeof(*p));
    l1_rlp_writer w;
    l1_rlp_writer_init(&w, p->head, sizeof(p->head));
    l1_rlp_put_u64(&w, tx->chain_id);
    l1_rlp_put_u64(&w, tx->nonce);
    l1_rlp_put_u64(&w, tx->max_priority_fee_per_gas);
    l1_rlp_put_u64(&w, tx->max_fee_per_gas);
    l1_rlp_put_u64(&w, tx->gas_limit);
    l1_rlp_put_bytes(&w, tx->to.b, tx->has_to ? SEQ_ADDR_BYTES : 0);
    l1_rlp_put_uint_be(&w, tx->value, sizeof(tx->value));
    seq_err err = l1_rlp_writer_finish(&w, &p->head_len);
    SEQ_ASSERT(err == SEQ_OK);
    /* A single byte below 0x80 is its own encoding, without a header. */
    bool bare = tx->data_len == 1 && tx->data[0] < RLP_STRING_OFFSET;
    if (!bare)
        p->head_len += tx_rlp_header(p->head + p->head_len, RLP_STRING_OFFSET, tx->data_len);
    p->data = tx->data;
    p->data_len = tx->data_len;

    l1_rlp_writer_init(&w, p->tail, sizeof(p->tail));
    l1_rlp_list_begin(&w); /* the access list, always empty */
    l1_rlp_list_end(&w);
    if (sig != NULL) {
        l1_rlp_put_u64(&w, sig->y_parity);
        l1_rlp_put_uint_be(&w, sig->r, sizeof(sig->r));
        l1_rlp_put_uint_be(&w, sig->s, sizeof(sig->s));
    }
    err = l1_rlp_writer_finish(&w, &p->tail_len);
    SEQ_ASSERT(err == SEQ_OK);

    p->prefix[0] = L1_TX_TYPE_EIP1559;
    size_t payload_len = p->head_len + p->data_len + p->tail_len;
    p->prefix_len = 1 + tx_rlp_header(p->prefix + 1, RLP_LIST_OFFSET, payload_len);
}

static size_t tx_parts_len(const tx_parts *p)
{
    return p->prefix_len + p->head_len + p->data_len + p->tail_len;
}

static seq_err tx_parts_write(uint8_t *out, size_t out_len, size_t *written, const tx_parts *p)
{
    size_t total = tx_parts_len(p);
    if (total > out_len) {
        if (out_len > 0)
            memset(out, 0, out_len);
        return SEQ_ERR_NO_SPACE;
    }
    size_t at = 0;
    memcpy(out + at, p->prefix, p->prefix_len);
    at += p->prefix_len;
    memcpy(out + at, p->head, p->head_len);
    at += p->head_len;
    if (p->data_len > 0)
        memcpy(out + at, p->data, p->data_len);
    at += p->data_len;
    memcpy(out + at, p->tail, p->tail_len);
    at += p->tail_len;
    SEQ_ASSERT(at == total);
    *written = total;
    return SEQ_OK;
}

static void tx_parts_hash(seq_hash *out, const tx_parts *p)
{
    l1_keccak_ctx k;
    l1_keccak_init(&k);
    l1_keccak_update(&k, p->prefix, p->prefix_len);
    l1_keccak_update(&k, p->head, p->head_len);
    l1_keccak_update(&k, p->data, p->data_len);
    l1_keccak_update(&k, p->tail, p->tail_len);
    l1_keccak_final(&k, out);
}

seq_err l1_tx_encode_unsigned(uint8_t *out, size_t out_len, size_t *written, const l1_tx *tx)
{
    SEQ_ASSERT(out != NULL || out_len == 0);
    SEQ_ASSERT(written != NULL);
    *written = 0;
    seq_err err = tx_check(tx);
    if (err != SEQ_OK)
        return err;
    tx_parts p;
    tx_parts_build(&p, tx, NULL);
    return tx_parts_write(out, out_len, written, &p);
}

seq_err l1_tx_signing_hash(seq_hash *out, const l1_tx *tx)
{
    SEQ_ASSERT(out != NULL);
    memset(out, 0, sizeof(*out));
    seq_err err = tx_check(tx);
    if (err != SEQ_OK)
        return err;
    tx_parts p;
    tx_parts_build(&p, tx, NULL);
    tx_parts_hash(out, &p);
    return SEQ_OK;
}

seq_err l1_tx_encode_signed(uint8_t *out, size_t out_len, size_t *written, const l1_tx_signed *stx)
{
    SEQ_ASSERT(out != NULL || out_len == 0);
    SEQ_ASSERT(written != NULL);
    SEQ_ASSERT(stx != NULL);
    *written = 0;
    seq_err err = tx_check(&stx->tx);
    if (err != SEQ_OK)
        return err;
    if (stx->y_parity > 1)
        return SEQ_ERR_INVALID_ARG;
    tx_parts p;
    tx_parts_build(&p, &stx->tx, stx);
    return tx_parts_write(out, out_len, written, &p);
}

seq_err l1_tx_sign(uint8_t *raw, size_t raw_cap, size_t *raw_len, seq_hash *tx_hash,
                   const uint8_t seckey[32], const l1_tx *tx)
{
    SEQ_ASSERT(raw != NULL || raw_cap == 0);
    SEQ_ASSERT(raw_len != NULL && tx_hash != NULL && seckey != NULL);
    *raw_len = 0;
    memset(tx_hash, 0, sizeof(*tx_hash));
    l1_tx_signed stx;
    memset(&stx, 0, sizeof(stx));
    seq_hash digest;
    seq_sig sig;
    seq_err err = l1_tx_signing_hash(&digest, tx);
    if (err != SEQ_OK)
        goto done;
    err = l1_secp_sign(&sig, seckey, &digest);
    if (err != SEQ_OK)
        goto done;
    stx.tx = *tx;
    memcpy(stx.r, sig.b, 32);
    memcpy(stx.s, sig.b + 32, 32);
    SEQ_ASSERT(sig.b[64] == 27 || sig.b[64] == 28);
    stx.y_parity = (uint8_t)(sig.b[64] - 27);
    err = l1_tx_encode_signed(raw, raw_cap, raw_len, &stx);
    if (err != SEQ_OK)
        goto done;
    l1_keccak256(tx_hash, raw, *raw_len);
done:
    memset(&sig, 0, sizeof(sig));
    return err;
}

/* --------------------------------------------------------------- decoder */

/* The next list item, which must exist and be a string. */
static seq_err tx_next_string(l1_rlp_item *out, l1_rlp_iter *it)
{
    seq_err err = l1_rlp_iter_next(it, out);
    if (err != SEQ_OK)
        return err == SEQ_ERR_NOT_FOUND ? SEQ_ERR_MALFORMED : err;
    return out->is_list ? SEQ_ERR_MALFORMED : SEQ_OK;
}

static seq_err tx_next_u64(uint64_t *out, l1_rlp_iter *it)
{
    l1_rlp_item item;
    seq_err err = tx_next_string(&item, it);
    return err != SEQ_OK ? err : l1_rlp_item_u64(out, &item);
}

static seq_err tx_next_u256(uint8_t out[32], l1_rlp_iter *it)
{
    l1_rlp_item item;
    seq_err err = tx_next_string(&item, it);
    return err != SEQ_OK ? err : l1_rlp_item_uint_be(out, 32, &item);
}

/* chainId .. data, the nine unsigned fields without the access list. */
static seq_err tx_decode_body(l1_tx *tx, l1_rlp_iter *it)
{
    uint64_t *ints[5] = {&tx->chain_id, &tx->nonce, &tx->max_priority_fee_per_gas,
                         &tx->max_fee_per_gas, &tx->gas_limit};
    for (size_t i = 0; i < SEQ_ARRAY_LEN(ints); i++) {
        seq_err err = tx_next_u64(ints[i], it);
        if (err != SEQ_OK)
            return err;
    }
    l1_rlp_item item;
    seq_err err = tx_next_string(&item, it);
    if (err != SEQ_OK)
        return err;
    if (item.payload_len != 0 && item.payload_len != SEQ_ADDR_BYTES)
        return SEQ_ERR_MALFORMED;
    tx->has_to = item.payload_len == SEQ_ADDR_BYTES;
    if (tx->has_to)
        memcpy(tx->to.b, item.payload, SEQ_ADDR_BYTES);
    err = tx_next_u256(tx->value, it);
    if (err != SEQ_OK)
        return err;
    err = tx_next_string(&item, it);
    if (err != SEQ_OK)
        return err;
    if (item.payload_len > L1_TX_DATA_BYTES_MAX)
        return SEQ_ERR_TOO_LARGE;
    tx->data = item.payload_len > 0 ? item.payload : NULL;
    tx->data_len = item.payload_len;
    if (tx->max_priority_fee_per_gas > tx->max_fee_per_gas)
        return SEQ_ERR_MALFORMED;
    return SEQ_OK;
}

/* The access list (must be empty), yParity, r, s, and nothing after. */
static seq_err tx_decode_signature(l1_tx_signed *out, l1_rlp_iter *it)
{
    l1_rlp_item item;
    seq_err err = l1_rlp_iter_next(it, &item);
    if (err != SEQ_OK)
        return err == SEQ_ERR_NOT_FOUND ? SEQ_ERR_MALFORMED : err;
    if (!item.is_list)
        return SEQ_ERR_MALFORMED;
    if (item.payload_len != 0)
        return SEQ_ERR_UNSUPPORTED;
    uint64_t y_parity = 0;
    err = tx_next_u64(&y_parity, it);
    if (err != SEQ_OK)
        return err;
    if (y_parity > 1)
        return SEQ_ERR_BAD_SIGNATURE;
    out->y_parity = (uint8_t)y_parity;
    err = tx_next_u256(out->r, it);
    if (err == SEQ_OK)
        err = tx_next_u256(out->s, it);
    if (err != SEQ_OK)
        return err;
    return l1_rlp_iter_done(it) ? SEQ_OK : SEQ_ERR_MALFORMED;
}

static seq_err tx_recover(l1_tx_signed *out)
{
    seq_hash digest;
    seq_err err = l1_tx_signing_hash(&digest, &out->tx);
    if (err != SEQ_OK)
        return err;
    seq_sig sig;
    memcpy(sig.b, out->r, 32);
    memcpy(sig.b + 32, out->s, 32);
    sig.b[64] = (uint8_t)(27 + out->y_parity);
    return l1_secp_recover(&out->from, &sig, &digest);
}

seq_err l1_tx_decode(l1_tx_signed *out, const uint8_t *raw, size_t raw_len)
{
    SEQ_ASSERT(out != NULL);
    SEQ_ASSERT(raw != NULL || raw_len == 0);
    memset(out, 0, sizeof(*out));
    seq_err err = SEQ_OK;
    l1_rlp_item list;
    l1_rlp_iter it;
    if (raw_len == 0) {
        err = SEQ_ERR_TRUNCATED;
        goto fail;
    }
    if (raw_len > L1_TX_BYTES_MAX) {
        err = SEQ_ERR_TOO_LARGE;
        goto fail;
    }
    if (raw[0] != L1_TX_TYPE_EIP1559) {
        err = SEQ_ERR_BAD_VERSION;
        goto fail;
    }
    err = l1_rlp_decode_single(&list, raw + 1, raw_len - 1);
    if (err == SEQ_OK && !list.is_list)
        err = SEQ_ERR_MALFORMED;
    if (err != SEQ_OK)
        goto fail;
    l1_rlp_iter_init(&it, &list);
    err = tx_decode_body(&out->tx, &it);
    if (err == SEQ_OK)
        err = tx_decode_signature(out, &it);
    if (err == SEQ_OK)
        err = tx_recover(out);
    if (err != SEQ_OK)
        goto fail;
    l1_keccak256(&out->hash, raw, raw_len);
    return SEQ_OK;
fail:
    memset(out, 0, sizeof(*out));
    return err;
}
