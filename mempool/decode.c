/* decode.c — strict decoding of the txs the mempool admits: legacy (with
 * EIP-155 replay protection), EIP-2930, EIP-1559 and opaque payloads.
 *
 * Field layouts (RLP lists; "|" separates the signed fields from the
 * signature):
 *   legacy  [nonce, gasPrice, gasLimit, to, value, data | v, r, s]
 *   0x01 || [chainId, nonce, gasPrice, gasLimit, to, value, data, accessList
 *            | yParity, r, s]
 *   0x02 || [chainId, nonce, tip, feeCap, gasLimit, to, value, data,
 *            accessList | yParity, r, s]
 * The signing payload reuses the raw bytes of the signed fields (they are
 * canonical, so re-encoding them would give the same bytes): a typed tx
 * signs keccak256(type || rlp([signed fields])), a legacy tx signs
 * keccak256(rlp([signed fields, chainId, 0, 0])) (EIP-155). The hash is
 * streamed, so no buffer as large as the data is needed. */
#include <string.h>

#include "internal.h"
#include "l1.h"
#include "wire.h"

_Static_assert(MEMPOOL_TX_BYTES_MAX == WIRE_TX_BYTES_MAX, "the pool takes what the wire carries");
_Static_assert(MEMPOOL_TX_BYTES_MAX <= L1_TX_BYTES_MAX, "no larger than geth's pool limit");

#define DEC_RLP_SHORT_MAX     55u
#define DEC_RLP_STRING_BASE   0x80u
#define DEC_RLP_LIST_BASE     0xc0u
#define DEC_LIST_HEADER_MAX   9u  /* 1 + 8 length bytes */
#define DEC_V_EIP155_BASE     35u /* v = chain_id * 2 + 35 + parity */
#define DEC_V_PRE155_LOW      27u
#define DEC_V_PRE155_HIGH     28u
#define DEC_STORAGE_KEY_BYTES 32u

/* Where the signed fields and the signature of a tx are. */
typedef struct {
    uint8_t type; /* 0 legacy, else the EIP-2718 type byte */
    const uint8_t *signed_fields;
    size_t signed_len;
    uint8_t parity;
    uint8_t r[32];
    uint8_t s[32];
} dec_sig;

/* An RLP item header or shape error of hostile input. */
static mempool_reject dec_rlp_reject(seq_err err)
{
    SEQ_ASSERT(err != SEQ_OK);
    return err == SEQ_ERR_NONCANONICAL ? MEMPOOL_REJECT_NONCANONICAL : MEMPOOL_REJECT_MALFORMED;
}

static mempool_reject dec_item(l1_rlp_item *out, l1_rlp_iter *it, bool want_list)
{
    seq_err err = l1_rlp_iter_next(it, out);
    if (err != SEQ_OK)
        return dec_rlp_reject(err);
    return out->is_list == want_list ? MEMPOOL_REJECT_NONE : MEMPOOL_REJECT_MALFORMED;
}

/* A 64-bit integer; too_large is the reason for a wider one. */
static mempool_reject dec_u64(uint64_t *out, l1_rlp_iter *it, mempool_reject too_large)
{
    l1_rlp_item item;
    mempool_reject r = dec_item(&item, it, false);
    if (r != MEMPOOL_REJECT_NONE)
        return r;
    seq_err err = l1_rlp_item_u64(out, &item);
    if (err == SEQ_ERR_TOO_LARGE)
        return too_large;
    return err == SEQ_OK ? MEMPOOL_REJECT_NONE : dec_rlp_reject(err);
}

/* A 256-bit integer (value, r, s). */
static mempool_reject dec_u256(uint8_t out[32], l1_rlp_iter *it)
{
    l1_rlp_item item;
    mempool_reject r = dec_item(&item, it, false);
    if (r != MEMPOOL_REJECT_NONE)
        return r;
    seq_err err = l1_rlp_item_uint_be(out, 32, &item);
    return err == SEQ_OK ? MEMPOOL_REJECT_NONE : dec_rlp_reject(err);
}

/* to (empty for a contract creation, else 20 bytes), value, data. */
static mempool_reject dec_to_value_data(l1_rlp_iter *it)
{
    l1_rlp_item item;
    mempool_reject r = dec_item(&item, it, false);
    if (r != MEMPOOL_REJECT_NONE)
        return r;
    if (item.payload_len != 0 && item.payload_len != SEQ_ADDR_BYTES)
        return MEMPOOL_REJECT_MALFORMED;
    uint8_t value[32];
    r = dec_u256(value, it);
    if (r != MEMPOOL_REJECT_NONE)
        return r;
    return dec_item(&item, it, false);
}

/* [[address, [storageKey, ...]], ...] with 20-byte addresses and 32-byte
 * keys. Its size is bounded by the tx size, so the loops are too. */
static mempool_reject dec_access_list(l1_rlp_iter *it)
{
    l1_rlp_item list;
    mempool_reject r = dec_item(&list, it, true);
    if (r != MEMPOOL_REJECT_NONE)
        return r;
    l1_rlp_iter entries;
    l1_rlp_iter_init(&entries, &list);
    while (!l1_rlp_iter_done(&entries)) {
        l1_rlp_item entry, field;
        r = dec_item(&entry, &entries, true);
        if (r != MEMPOOL_REJECT_NONE)
            return r;
        l1_rlp_iter fields;
        l1_rlp_iter_init(&fields, &entry);
        r = dec_item(&field, &fields, false);
        if (r == MEMPOOL_REJECT_NONE && field.payload_len != SEQ_ADDR_BYTES)
            r = MEMPOOL_REJECT_MALFORMED;
        if (r == MEMPOOL_REJECT_NONE)
            r = dec_item(&field, &fields, true);
        if (r != MEMPOOL_REJECT_NONE)
            return r;
        if (!l1_rlp_iter_done(&fields))
            return MEMPOOL_REJECT_MALFORMED;
        l1_rlp_iter keys;
        l1_rlp_iter_init(&keys, &field);
        while (!l1_rlp_iter_done(&keys)) {
            l1_rlp_item key;
            r = dec_item(&key, &keys, false);
            if (r != MEMPOOL_REJECT_NONE)
                return r;
            if (key.payload_len != DEC_STORAGE_KEY_BYTES)
                return MEMPOOL_REJECT_MALFORMED;
        }
    }
    return MEMPOOL_REJECT_NONE;
}

/* r and s, then nothing more. */
static mempool_reject dec_r_s(dec_sig *sig, l1_rlp_iter *it)
{
    mempool_reject r = dec_u256(sig->r, it);
    if (r == MEMPOOL_REJECT_NONE)
        r = dec_u256(sig->s, it);
    if (r != MEMPOOL_REJECT_NONE)
        return r;
    return l1_rlp_iter_done(it) ? MEMPOOL_REJECT_NONE : MEMPOOL_REJECT_MALFORMED;
}

static mempool_reject dec_legacy(mempool_tx_info *out, dec_sig *sig, l1_rlp_iter *it,
                                 uint64_t chain_id)
{
    const uint8_t *start = it->pos;
    mempool_reject r = dec_u64(&out->nonce, it, MEMPOOL_REJECT_FIELD_TOO_LARGE);
    if (r == MEMPOOL_REJECT_NONE)
        r = dec_u64(&out->fee_cap, it, MEMPOOL_REJECT_FIELD_TOO_LARGE);
    if (r == MEMPOOL_REJECT_NONE)
        r = dec_u64(&out->gas_limit, it, MEMPOOL_REJECT_FIELD_TOO_LARGE);
    if (r == MEMPOOL_REJECT_NONE)
        r = dec_to_value_data(it);
    if (r != MEMPOOL_REJECT_NONE)
        return r;
    out->tip = out->fee_cap;
    sig->signed_fields = start;
    sig->signed_len = (size_t)(it->pos - start);
    uint64_t v = 0;
    r = dec_u64(&v, it, MEMPOOL_REJECT_CHAIN_ID);
    if (r == MEMPOOL_REJECT_NONE)
        r = dec_r_s(sig, it);
    if (r != MEMPOOL_REJECT_NONE)
        return r;
    if (v == DEC_V_PRE155_LOW || v == DEC_V_PRE155_HIGH)
        return MEMPOOL_REJECT_PRE_EIP155;
    if (v < DEC_V_EIP155_BASE)
        return MEMPOOL_REJECT_SIGNATURE;
    out->chain_id = (v - DEC_V_EIP155_BASE) / 2u;
    sig->parity = (uint8_t)((v - DEC_V_EIP155_BASE) & 1u);
    return out->chain_id == chain_id ? MEMPOOL_REJECT_NONE : MEMPOOL_REJECT_CHAIN_ID;
}

static mempool_reject dec_typed(mempool_tx_info *out, dec_sig *sig, l1_rlp_iter *it,
                                uint64_t chain_id)
{
    const uint8_t *start = it->pos;
    mempool_reject r = dec_u64(&out->chain_id, it, MEMPOOL_REJECT_CHAIN_ID);
    if (r == MEMPOOL_REJECT_NONE)
        r = dec_u64(&out->nonce, it, MEMPOOL_REJECT_FIELD_TOO_LARGE);
    if (r == MEMPOOL_REJECT_NONE)
        r = dec_u64(sig->type == MEMPOOL_TX_TYPE_EIP1559 ? &out->tip : &out->fee_cap, it,
                    MEMPOOL_REJECT_FIELD_TOO_LARGE);
    if (r == MEMPOOL_REJECT_NONE && sig->type == MEMPOOL_TX_TYPE_EIP1559)
        r = dec_u64(&out->fee_cap, it, MEMPOOL_REJECT_FIELD_TOO_LARGE);
    if (r == MEMPOOL_REJECT_NONE)
        r = dec_u64(&out->gas_limit, it, MEMPOOL_REJECT_FIELD_TOO_LARGE);
    if (r == MEMPOOL_REJECT_NONE)
        r = dec_to_value_data(it);
    if (r == MEMPOOL_REJECT_NONE)
        r = dec_access_list(it);
    if (r != MEMPOOL_REJECT_NONE)
        return r;
    if (sig->type != MEMPOOL_TX_TYPE_EIP1559)
        out->tip = out->fee_cap;
    sig->signed_fields = start;
    sig->signed_len = (size_t)(it->pos - start);
    uint64_t parity = 0;
    r = dec_u64(&parity, it, MEMPOOL_REJECT_SIGNATURE);
    if (r == MEMPOOL_REJECT_NONE)
        r = dec_r_s(sig, it);
    if (r != MEMPOOL_REJECT_NONE)
        return r;
    if (parity > 1)
        return MEMPOOL_REJECT_SIGNATURE;
    sig->parity = (uint8_t)parity;
    return out->chain_id == chain_id ? MEMPOOL_REJECT_NONE : MEMPOOL_REJECT_CHAIN_ID;
}

/* Writes an RLP list header for a payload of len bytes; returns its size. */
static size_t dec_list_header(uint8_t out[DEC_LIST_HEADER_MAX], size_t len)
{
    if (len <= DEC_RLP_SHORT_MAX) {
        out[0] = (uint8_t)(DEC_RLP_LIST_BASE + len);
        return 1;
    }
    size_t n = 0;
    for (size_t v = len; v != 0; v >>= 8)
        n++;
    SEQ_ASSERT(n < DEC_LIST_HEADER_MAX);
    out[0] = (uint8_t)(DEC_RLP_LIST_BASE + DEC_RLP_SHORT_MAX + n);
    for (size_t i = 0; i < n; i++)
        out[1 + i] = (uint8_t)(len >> (8 * (n - 1 - i)));
    return 1 + n;
}

static void dec_signing_hash(seq_hash *out, const dec_sig *sig, uint64_t chain_id)
{
    uint8_t suffix[16];
    size_t suffix_len = 0;
    if (sig->type == 0) { /* EIP-155: chainId, 0, 0 */
        l1_rlp_writer w;
        l1_rlp_writer_init(&w, suffix, sizeof suffix);
        l1_rlp_put_u64(&w, chain_id);
        l1_rlp_put_u64(&w, 0);
        l1_rlp_put_u64(&w, 0);
        seq_err err = l1_rlp_writer_finish(&w, &suffix_len);
        SEQ_ASSERT(err == SEQ_OK);
    }
    uint8_t header[1 + DEC_LIST_HEADER_MAX];
    size_t header_len = 0;
    if (sig->type != 0)
        header[header_len++] = sig->type;
    header_len += dec_list_header(header + header_len, sig->signed_len + suffix_len);
    l1_keccak_ctx k;
    l1_keccak_init(&k);
    l1_keccak_update(&k, header, header_len);
    l1_keccak_update(&k, sig->signed_fields, sig->signed_len);
    l1_keccak_update(&k, suffix, suffix_len);
    l1_keccak_final(&k, out);
}

static mempool_reject dec_recover(mempool_tx_info *out, const dec_sig *sig)
{
    SEQ_ASSERT(sig->parity <= 1);
    seq_hash digest;
    dec_signing_hash(&digest, sig, out->chain_id);
    seq_sig rsv;
    memcpy(rsv.b, sig->r, 32);
    memcpy(rsv.b + 32, sig->s, 32);
    rsv.b[64] = (uint8_t)(27u + sig->parity);
    seq_err err = l1_secp_recover(&out->sender, &rsv, &digest);
    if (err == SEQ_ERR_HIGH_S)
        return MEMPOOL_REJECT_HIGH_S;
    return err == SEQ_OK ? MEMPOOL_REJECT_NONE : MEMPOOL_REJECT_SIGNATURE;
}

static mempool_reject dec_signed(mempool_tx_info *out, const uint8_t *raw, size_t raw_len,
                                 uint64_t chain_id, const seq_addr *sender)
{
    SEQ_ASSERT(out->kind != MEMPOOL_TX_OPAQUE);
    dec_sig sig = {.type = out->kind == MEMPOOL_TX_LEGACY ? 0 : raw[0]};
    size_t skip = sig.type == 0 ? 0 : 1;
    l1_rlp_item list;
    seq_err err = l1_rlp_decode_single(&list, raw + skip, raw_len - skip);
    if (err != SEQ_OK)
        return dec_rlp_reject(err);
    if (!list.is_list)
        return MEMPOOL_REJECT_MALFORMED;
    l1_rlp_iter it;
    l1_rlp_iter_init(&it, &list);
    mempool_reject r =
        sig.type == 0 ? dec_legacy(out, &sig, &it, chain_id) : dec_typed(out, &sig, &it, chain_id);
    if (r != MEMPOOL_REJECT_NONE)
        return r;
    if (out->nonce == UINT64_MAX) /* EIP-2681: the nonce stays below 2^64 - 1 */
        return MEMPOOL_REJECT_FIELD_TOO_LARGE;
    if (out->tip > out->fee_cap)
        return MEMPOOL_REJECT_TIP_ABOVE_FEE_CAP;
    if (out->gas_limit < MEMPOOL_GAS_LIMIT_MIN)
        return MEMPOOL_REJECT_INTRINSIC_GAS;
    if (sender == NULL)
        return dec_recover(out, &sig);
    if (seq_addr_is_zero(sender))
        return MEMPOOL_REJECT_SIGNATURE;
    out->sender = *sender;
    return MEMPOOL_REJECT_NONE;
}

mempool_reject mempool_decode_unhashed(mempool_tx_info *out, uint64_t chain_id, const uint8_t *raw,
                                       size_t raw_len, const seq_addr *sender)
{
    SEQ_ASSERT(out != NULL);
    SEQ_ASSERT(raw != NULL || raw_len == 0);
    memset(out, 0, sizeof *out);
    if (raw_len == 0)
        return MEMPOOL_REJECT_EMPTY;
    if (raw_len > MEMPOOL_TX_BYTES_MAX)
        return MEMPOOL_REJECT_TOO_LARGE;
    mempool_tx_kind kind = 0;
    seq_err err = mempool_tx_classify(&kind, raw, raw_len);
    if (err == SEQ_ERR_UNSUPPORTED)
        return MEMPOOL_REJECT_TX_TYPE;
    if (err != SEQ_OK)
        return MEMPOOL_REJECT_MALFORMED;
    out->kind = kind;
    mempool_reject r = MEMPOOL_REJECT_NONE;
    if (kind == MEMPOOL_TX_OPAQUE) {
        seq_bytes payload;
        err = mempool_opaque_decode(&out->namespace_id, &payload, raw, raw_len);
        SEQ_ASSERT(err == SEQ_OK); /* classify checked the length */
        if (sender != NULL && !seq_addr_is_zero(sender))
            r = MEMPOOL_REJECT_SIGNATURE; /* an opaque payload has no sender */
    } else {
        r = dec_signed(out, raw, raw_len, chain_id, sender);
    }
    if (r != MEMPOOL_REJECT_NONE)
        memset(out, 0, sizeof *out);
    return r;
}

mempool_reject mempool_tx_decode(mempool_tx_info *out, uint64_t chain_id, const uint8_t *raw,
                                 size_t raw_len)
{
    SEQ_ASSERT(out != NULL);
    SEQ_ASSERT(raw != NULL || raw_len == 0);
    mempool_reject r = mempool_decode_unhashed(out, chain_id, raw, raw_len, NULL);
    if (r == MEMPOOL_REJECT_NONE)
        l1_keccak256(&out->hash, raw, raw_len);
    return r;
}

mempool_reject mempool_tx_decode_hashed(mempool_tx_info *out, uint64_t chain_id, const uint8_t *raw,
                                        size_t raw_len, const seq_hash *hash)
{
    SEQ_ASSERT(out != NULL && hash != NULL);
    SEQ_ASSERT(raw != NULL || raw_len == 0);
    mempool_reject r = mempool_decode_unhashed(out, chain_id, raw, raw_len, NULL);
    if (r == MEMPOOL_REJECT_NONE)
        out->hash = *hash;
    return r;
}

mempool_reject mempool_tx_decode_trusted(mempool_tx_info *out, uint64_t chain_id,
                                         const uint8_t *raw, size_t raw_len, const seq_addr *sender)
{
    SEQ_ASSERT(out != NULL && sender != NULL);
    SEQ_ASSERT(raw != NULL || raw_len == 0);
    mempool_reject r = mempool_decode_unhashed(out, chain_id, raw, raw_len, sender);
    if (r == MEMPOOL_REJECT_NONE)
        l1_keccak256(&out->hash, raw, raw_len);
    return r;
}

/* ------------------------------------------------------------- rejection */

static const struct {
    const char *name;
    int32_t code;
    const char *message;
} dec_rejects[] = {
#define DEC_REJECT_ROW_(name, code, message) {#name, code, message},
    MEMPOOL_REJECT_TABLE(DEC_REJECT_ROW_)
#undef DEC_REJECT_ROW_
};
_Static_assert(SEQ_ARRAY_LEN(dec_rejects) == MEMPOOL_REJECT_COUNT_, "one row per reason");

const char *mempool_reject_name(mempool_reject reject)
{
    if ((unsigned)reject >= MEMPOOL_REJECT_COUNT_)
        return "MEMPOOL_REJECT_UNKNOWN";
    return dec_rejects[reject].name;
}

int32_t mempool_reject_rpc_code(mempool_reject reject)
{
    if ((unsigned)reject >= MEMPOOL_REJECT_COUNT_)
        return -32603;
    return dec_rejects[reject].code;
}

const char *mempool_reject_rpc_message(mempool_reject reject)
{
    if ((unsigned)reject >= MEMPOOL_REJECT_COUNT_)
        return "internal error";
    return dec_rejects[reject].message;
}
