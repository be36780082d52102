/* mempool.h — transaction admission, lanes, ordering and payload selection.
 * Pure and deterministic like the consensus core: no I/O, time passed in.
 *
 * This header currently fixes the transaction envelope every other part of
 * seqd relies on (what bytes a tx is, how its kind is told apart) and the
 * ordering policies genesis can name. See mempool/README.md. */
#ifndef SEQ_MEMPOOL_H
#define SEQ_MEMPOOL_H

#include "seq.h"

/* ------------------------------------------------------------- envelope */

/* A transaction is its raw bytes; its hash is keccak256(raw). The first byte
 * tells the kind apart without parsing:
 *   0xc0..0xff  legacy Ethereum tx (an RLP list)
 *   0x01        EIP-2930 typed tx
 *   0x02        EIP-1559 typed tx
 *   0xb0        opaque rollup payload: 0xb0 || namespace (8 bytes,
 *               big-endian) || payload (>= 1 byte)
 * 0xb0 lies in the RLP short-string range, which no Ethereum transaction
 * encoding can start with, so the two spaces never collide. Other EIP-2718
 * types (0x03 blob, 0x04 set-code, ...) are refused: a sequencer that does not
 * execute cannot vouch for them. */
#define MEMPOOL_OPAQUE_TAG          0xb0u
#define MEMPOOL_OPAQUE_HEADER_BYTES 9u

typedef enum {
    MEMPOOL_TX_LEGACY = 1,
    MEMPOOL_TX_EIP2930,
    MEMPOOL_TX_EIP1559,
    MEMPOOL_TX_OPAQUE,
} mempool_tx_kind;

/* Classifies raw by its first byte (and, for opaque payloads, its minimum
 * length). SEQ_ERR_TRUNCATED for empty or short input, SEQ_ERR_UNSUPPORTED
 * for a known-but-refused EIP-2718 type (0x03..0x7f), SEQ_ERR_MALFORMED
 * for a first byte no transaction starts with. Does not validate the body. */
SEQ_MUST_USE seq_err mempool_tx_classify(mempool_tx_kind *out, const uint8_t *raw, size_t raw_len);

/* Builds the opaque envelope for (namespace_id, payload) into out.
 * SEQ_ERR_INVALID_ARG for an empty payload, SEQ_ERR_NO_SPACE if out_cap is
 * too small; *out_len = 0 on failure. */
SEQ_MUST_USE seq_err mempool_opaque_encode(uint8_t *out, size_t out_cap, size_t *out_len,
                                           uint64_t namespace_id, const uint8_t *payload,
                                           size_t payload_len);

/* Splits an opaque envelope; *payload borrows from raw. */
SEQ_MUST_USE seq_err mempool_opaque_decode(uint64_t *namespace_id, seq_bytes *payload,
                                           const uint8_t *raw, size_t raw_len);

/* ------------------------------------------------------ ordering policy */

/* How a leader orders the txs it proposes; recorded in genesis so every
 * validator knows what to expect. */
typedef enum {
    MEMPOOL_POLICY_FIFO = 1, /* arrival order at the proposer */
    MEMPOOL_POLICY_PRIORITY, /* effective tip, then arrival */
} mempool_policy;

bool mempool_policy_parse(mempool_policy *out, const char *name);
/* "fifo" / "priority"; never NULL ("unknown" for other values). */
const char *mempool_policy_name(mempool_policy policy);

#endif /* SEQ_MEMPOOL_H */
