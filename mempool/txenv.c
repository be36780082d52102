/* txenv.c — the transaction envelope and ordering-policy names. */
#include "mempool.h"

#include <string.h>

seq_err mempool_tx_classify(mempool_tx_kind *out, const uint8_t *raw, size_t raw_len)
{
    SEQ_ASSERT(out != NULL);
    SEQ_ASSERT(raw != NULL || raw_len == 0);
    *out = 0;
    if (raw_len == 0)
        return SEQ_ERR_TRUNCATED;
    uint8_t first = raw[0];
    if (first >= 0xc0) {
        *out = MEMPOOL_TX_LEGACY;
    } else if (first == 0x01) {
        *out = MEMPOOL_TX_EIP2930;
    } else if (first == 0x02) {
        *out = MEMPOOL_TX_EIP1559;
    } else if (first == MEMPOOL_OPAQUE_TAG) {
        if (raw_len <= MEMPOOL_OPAQUE_HEADER_BYTES)
            return SEQ_ERR_TRUNCATED;
        *out = MEMPOOL_TX_OPAQUE;
    } else if (first >= 0x03 && first <= 0x7f) {
        return SEQ_ERR_UNSUPPORTED;
    } else {
        return SEQ_ERR_MALFORMED;
    }
    return SEQ_OK;
}

seq_err mempool_opaque_encode(uint8_t *out, size_t out_cap, size_t *out_len, uint64_t namespace_id,
                              const uint8_t *payload, size_t payload_len)
{
    SEQ_ASSERT(out_len != NULL);
    SEQ_ASSERT(out != NULL || out_cap == 0);
    *out_len = 0;
    if (payload == NULL || payload_len == 0)
        return SEQ_ERR_INVALID_ARG;
    if (out_cap < MEMPOOL_OPAQUE_HEADER_BYTES ||
        payload_len > out_cap - MEMPOOL_OPAQUE_HEADER_BYTES)
        return SEQ_ERR_NO_SPACE;
    out[0] = MEMPOOL_OPAQUE_TAG;
    for (int i = 0; i < 8; i++)
        out[1 + i] = (uint8_t)(namespace_id >> (56 - 8 * i));
    memcpy(out + MEMPOOL_OPAQUE_HEADER_BYTES, payload, payload_len);
    *out_len = MEMPOOL_OPAQUE_HEADER_BYTES + payload_len;
    return SEQ_OK;
}

seq_err mempool_opaque_decode(uint64_t *namespace_id, seq_bytes *payload, const uint8_t *raw,
                              size_t raw_len)
{
    SEQ_ASSERT(namespace_id != NULL && payload != NULL);
    SEQ_ASSERT(raw != NULL || raw_len == 0);
    *namespace_id = 0;
    *payload = (seq_bytes){0};
    if (raw_len == 0)
        return SEQ_ERR_TRUNCATED;
    if (raw[0] != MEMPOOL_OPAQUE_TAG)
        return SEQ_ERR_MALFORMED;
    if (raw_len <= MEMPOOL_OPAQUE_HEADER_BYTES)
        return SEQ_ERR_TRUNCATED;
    uint64_t ns = 0;
    for (int i = 0; i < 8; i++)
        ns = (ns << 8) | raw[1 + i];
    *namespace_id = ns;
    *payload = (seq_bytes){.ptr = raw + MEMPOOL_OPAQUE_HEADER_BYTES,
                           .len = raw_len - MEMPOOL_OPAQUE_HEADER_BYTES};
    return SEQ_OK;
}

bool mempool_policy_parse(mempool_policy *out, const char *name)
{
    SEQ_ASSERT(out != NULL && name != NULL);
    if (strcmp(name, "fifo") == 0) {
        *out = MEMPOOL_POLICY_FIFO;
        return true;
    }
    if (strcmp(name, "priority") == 0) {
        *out = MEMPOOL_POLICY_PRIORITY;
        return true;
    }
    return false;
}

const char *mempool_policy_name(mempool_policy policy)
{
    switch (policy) {
    case MEMPOOL_POLICY_FIFO:
        return "fifo";
    case MEMPOOL_POLICY_PRIORITY:
        return "priority";
    }
    return "unknown";
}
