/* wire.h — seqd's wire messages as plain C structs, and their strict codec.
 *
 * The schema is proto/seqd.proto (v1). Generated protobuf-c types never leave
 * proto/: callers see only the structs below. Decoding is bounded twice:
 * the input by WIRE_MSG_BYTES_MAX and the per-field caps below, and all
 * memory by a caller-supplied arena, so hostile bytes can exhaust a fixed
 * budget but never the heap.
 *
 * Decoding checks structure only (sizes, counts, canonical encoding,
 * ordering, version, internal consistency); signatures, quorum weight and
 * protocol rules are the receiver's job. */
#ifndef SEQ_WIRE_H
#define SEQ_WIRE_H

#include "seq.h"

/* ---------------------------------------------------------------- limits */

#define WIRE_VERSION 1u

#define WIRE_MSG_BYTES_MAX      (4u << 20)   /* one envelope */
#define WIRE_TX_BYTES_MAX       (128u << 10) /* one transaction */
#define WIRE_BLOCK_TX_BYTES_MAX (2u << 20)   /* sum of a block's txs */
#define WIRE_BLOCK_TXS_MAX      16384u       /* txs in one block */
#define WIRE_VALIDATORS_MAX     256u         /* signatures in a QC or TC */
#define WIRE_SYNC_BLOCKS_MAX    64u          /* blocks in a sync response */
#define WIRE_TX_BATCH_MAX       4096u        /* txs in one gossip batch */
#define WIRE_TX_BATCH_BYTES_MAX (1u << 20)   /* sum of a gossip batch's txs */

/* Arena that always suffices to decode any message of in_len bytes that
 * passes the caps above (generated structs, our structs, re-encoding
 * scratch); hostile inputs that amplify beyond it fail with
 * SEQ_ERR_TOO_LARGE. */
#define WIRE_DECODE_ARENA_BYTES(in_len) (4u * (size_t)(in_len) + (3u << 20))
/* Scratch an encoder needs for any message within the caps. */
#define WIRE_ENCODE_ARENA_BYTES (3u << 20)

_Static_assert(WIRE_TX_BYTES_MAX <= WIRE_BLOCK_TX_BYTES_MAX, "a tx fits in a block");
_Static_assert(WIRE_BLOCK_TX_BYTES_MAX + (1u << 20) <= WIRE_MSG_BYTES_MAX,
               "a full block plus its certificates fits in one message");
_Static_assert(WIRE_TX_BATCH_BYTES_MAX < WIRE_MSG_BYTES_MAX, "a gossip batch fits in a message");

#define WIRE_ED25519_KEY_BYTES 32
#define WIRE_ED25519_SIG_BYTES 64
#define WIRE_X25519_KEY_BYTES  32

/* ------------------------------------------------------------- messages */

/* Variable-length parts (tx bytes, signature lists, blocks) are arrays the
 * decoder allocates in its arena; they live as long as the arena. */

typedef struct {
    seq_block_header header;
    size_t tx_count;
    const seq_bytes *txs; /* each 1..WIRE_TX_BYTES_MAX bytes */
} wire_block;

typedef struct {
    seq_addr signer;
    seq_sig sig;
} wire_sig;

typedef struct {
    uint64_t view;
    uint64_t height;
    seq_hash block_hash;
    size_t sig_count;     /* <= WIRE_VALIDATORS_MAX */
    const wire_sig *sigs; /* strictly ascending by signer */
} wire_qc;

typedef struct {
    seq_addr signer;
    uint64_t high_qc_view;
    seq_sig sig;
} wire_timeout_sig;

typedef struct {
    uint64_t view;
    size_t sig_count;             /* 1..WIRE_VALIDATORS_MAX */
    const wire_timeout_sig *sigs; /* strictly ascending by signer */
} wire_tc;

/* A signed Proposal or Vote statement. */
typedef struct {
    seq_block_stmt stmt;
    seq_addr signer;
    seq_sig sig;
} wire_block_statement;

typedef struct {
    seq_timeout_stmt stmt;
    seq_addr signer;
    seq_sig sig;
} wire_timeout_statement;

typedef struct {
    seq_attestation_stmt stmt;
    seq_addr signer;
    seq_sig sig;
} wire_attestation;

typedef struct {
    wire_block block;
    wire_qc justify;
    bool has_tc;
    wire_tc tc;
    seq_sig sig; /* by block.header.proposer over the Proposal digest */
} wire_proposal;

typedef struct {
    wire_block_statement vote;
} wire_vote;

typedef struct {
    wire_timeout_statement stmt; /* stmt.stmt.high_qc_view == high_qc.view */
    wire_qc high_qc;
} wire_timeout;

typedef struct {
    bool has_qc;
    wire_qc high_qc;
    bool has_tc;
    wire_tc high_tc;
} wire_view_sync; /* at least one of the two is present */

typedef struct {
    bool by_hash;         /* true: block_hash; false: committed range */
    seq_hash block_hash;  /* non-zero when by_hash */
    uint64_t from_height; /* range start when !by_hash */
    uint32_t max_blocks;  /* 1..WIRE_SYNC_BLOCKS_MAX when !by_hash, else 0 */
} wire_sync_request;

typedef struct {
    wire_block block;
    wire_qc qc; /* certifies block */
} wire_certified_block;

typedef struct {
    size_t count; /* 0..WIRE_SYNC_BLOCKS_MAX */
    const wire_certified_block *blocks;
} wire_sync_response;

typedef struct {
    size_t count;         /* 1..WIRE_TX_BATCH_MAX */
    const seq_bytes *txs; /* each 1..WIRE_TX_BYTES_MAX bytes */
    /* NULL, or count senders parallel to txs as the ingress node recovered
     * them; the zero address for a tx without a sender (opaque payloads). */
    const seq_addr *senders;
} wire_tx_batch;

typedef enum {
    WIRE_EVIDENCE_PROPOSAL = 1,
    WIRE_EVIDENCE_VOTE = 2,
    WIRE_EVIDENCE_TIMEOUT = 3,
    WIRE_EVIDENCE_ATTESTATION = 4,
} wire_evidence_kind;

typedef struct {
    wire_evidence_kind kind;
    union {
        struct {
            wire_block_statement a, b;
        } block; /* PROPOSAL, VOTE */
        struct {
            wire_timeout_statement a, b;
        } timeout; /* TIMEOUT */
        struct {
            wire_attestation a, b;
        } attestation; /* ATTESTATION */
    } u;
} wire_evidence;

typedef struct {
    seq_hash genesis_hash;
    uint8_t kx_public_key[WIRE_X25519_KEY_BYTES];
} wire_hello;

typedef struct {
    seq_addr validator;
    uint8_t transport_public_key[WIRE_ED25519_KEY_BYTES];
    uint8_t transcript_sig[WIRE_ED25519_SIG_BYTES];
} wire_auth;

typedef enum {
    WIRE_HELLO = 1,
    WIRE_AUTH,
    WIRE_PROPOSAL,
    WIRE_VOTE,
    WIRE_TIMEOUT,
    WIRE_VIEW_SYNC,
    WIRE_SYNC_REQUEST,
    WIRE_SYNC_RESPONSE,
    WIRE_TX_BATCH,
    WIRE_EVIDENCE,
    WIRE_ATTESTATION,
} wire_type;

typedef struct {
    wire_type type;
    union {
        wire_hello hello;
        wire_auth auth;
        wire_proposal proposal;
        wire_vote vote;
        wire_timeout timeout;
        wire_view_sync view_sync;
        wire_sync_request sync_request;
        wire_sync_response sync_response;
        wire_tx_batch tx_batch;
        wire_evidence evidence;
        wire_attestation attestation;
    } u;
} wire_msg;

/* Returns a static lowercase name ("proposal") for logs and metrics; never
 * NULL. */
const char *wire_type_name(wire_type type);

/* ----------------------------------------------------------------- codec */

/* Decodes one envelope from in[0..in_len) into *out. Variable-length parts
 * are allocated in arena and borrow nothing from in. Accepts only the
 * canonical v1 encoding (see seqd.proto). On failure *out is zeroed and the
 * arena's contents are unspecified (reset it). Errors:
 *   SEQ_ERR_TRUNCATED      empty input
 *   SEQ_ERR_TOO_LARGE      in_len > WIRE_MSG_BYTES_MAX, a count or size cap
 *                          exceeded, or the arena exhausted
 *   SEQ_ERR_MALFORMED      not protobuf, missing or wrong-size field,
 *                          unsorted or duplicate signers, inconsistent fields
 *   SEQ_ERR_BAD_VERSION    envelope version != WIRE_VERSION
 *   SEQ_ERR_NONCANONICAL   valid protobuf, but not the canonical encoding */
SEQ_MUST_USE seq_err wire_decode(wire_msg *out, seq_arena *arena, const uint8_t *in, size_t in_len);

/* Encodes *msg into out[0..out_cap); *out_len receives the size. scratch
 * holds temporary structures (WIRE_ENCODE_ARENA_BYTES always suffices) and
 * is reset by the caller. Refuses (SEQ_ERR_INVALID_ARG / SEQ_ERR_TOO_LARGE)
 * any message the decoder would refuse, so everything encoded decodes.
 * SEQ_ERR_NO_SPACE if out_cap is too small. On failure *out_len = 0. */
SEQ_MUST_USE seq_err wire_encode(uint8_t *out, size_t out_cap, size_t *out_len, seq_arena *scratch,
                                 const wire_msg *msg);

/* True iff the two messages are equal field by field (deep). */
bool wire_msg_equal(const wire_msg *a, const wire_msg *b);

#endif /* SEQ_WIRE_H */
