/* mempool.h — transaction admission, lanes, ordering and payload selection.
 * Pure and deterministic like the consensus core: no I/O, no clock (time is
 * passed in), no randomness and no allocation after mempool_new.
 *
 * The envelope (what bytes a tx is, how its kind is told apart), the strict
 * decoder of Ethereum signed txs, the pool with its per-sender lanes, caps,
 * replacement and eviction rules, block payload selection and gossip
 * batching. See mempool/README.md for the invariants and limits. */
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

/* --------------------------------------------------------------- limits */

#define MEMPOOL_TX_BYTES_MAX        (128u << 10) /* one tx (= WIRE_TX_BYTES_MAX) */
#define MEMPOOL_POOL_TXS_MAX        (1u << 20)   /* largest configurable pool */
#define MEMPOOL_POOL_BYTES_MAX      (1u << 30)   /* largest configurable pool bytes */
#define MEMPOOL_SENDER_TXS_MAX      1024u        /* largest per-sender cap */
#define MEMPOOL_NONCE_WINDOW_MAX    4096u        /* largest nonce window */
#define MEMPOOL_GOSSIP_DELAY_MS_MAX 10000u       /* longest gossip batching delay */
#define MEMPOOL_SETTLE_MS_MAX       10000u       /* longest hold of a new sender's lane */
#define MEMPOOL_GAS_LIMIT_MIN       21000u       /* intrinsic gas of a plain transfer */
#define MEMPOOL_BUMP_PERCENT        10u          /* fee bump a replacement needs */
/* Legacy v = chain_id * 2 + 35 + parity must fit 64 bits. */
#define MEMPOOL_CHAIN_ID_MAX ((UINT64_MAX - 36u) / 2u)

_Static_assert(MEMPOOL_OPAQUE_HEADER_BYTES < MEMPOOL_TX_BYTES_MAX, "an opaque tx fits");
_Static_assert(MEMPOOL_TX_BYTES_MAX <= MEMPOOL_POOL_BYTES_MAX, "a pool holds its largest tx");
_Static_assert(MEMPOOL_SENDER_TXS_MAX <= MEMPOOL_NONCE_WINDOW_MAX,
               "a full lane fits in the nonce window");
_Static_assert((uint64_t)MEMPOOL_POOL_BYTES_MAX * 2u <= UINT32_MAX,
               "storage offsets (twice the pool bytes) fit 32 bits");

/* ------------------------------------------------------------- rejection */

/* Why a tx was refused: one code per rule, each with the JSON-RPC error the
 * node returns for eth_sendRawTransaction. Messages follow geth's wording
 * where geth has one, so wallets and tools recognise them. Codes: -32602
 * for bytes that are not a valid tx, -32003 (EIP-1474 "transaction
 * rejected") for a valid tx seqd will not take, -32000 for pool state
 * (nonce, duplicates, replacement, per-sender limit), -32005 (EIP-1474
 * "limit exceeded") when the pool is full. */
#define MEMPOOL_REJECT_TABLE(X)                                                           \
    X(MEMPOOL_REJECT_NONE, 0, "ok")                                                       \
    X(MEMPOOL_REJECT_EMPTY, -32602, "empty transaction")                                  \
    X(MEMPOOL_REJECT_TOO_LARGE, -32602, "oversized data")                                 \
    X(MEMPOOL_REJECT_MALFORMED, -32602, "malformed transaction encoding")                 \
    X(MEMPOOL_REJECT_NONCANONICAL, -32602, "non-canonical transaction encoding")          \
    X(MEMPOOL_REJECT_FIELD_TOO_LARGE, -32602, "integer field exceeds 64 bits")            \
    X(MEMPOOL_REJECT_TX_TYPE, -32003, "transaction type not supported")                   \
    X(MEMPOOL_REJECT_PRE_EIP155, -32003,                                                  \
      "only replay-protected (EIP-155) transactions allowed over RPC")                    \
    X(MEMPOOL_REJECT_CHAIN_ID, -32003, "invalid chain id for signer")                     \
    X(MEMPOOL_REJECT_SIGNATURE, -32003, "invalid sender")                                 \
    X(MEMPOOL_REJECT_HIGH_S, -32003, "invalid transaction v, r, s values")                \
    X(MEMPOOL_REJECT_INTRINSIC_GAS, -32003, "intrinsic gas too low")                      \
    X(MEMPOOL_REJECT_TIP_ABOVE_FEE_CAP, -32003,                                           \
      "max priority fee per gas higher than max fee per gas")                             \
    X(MEMPOOL_REJECT_ALREADY_KNOWN, -32000, "already known")                              \
    X(MEMPOOL_REJECT_NONCE_TOO_LOW, -32000, "nonce too low")                              \
    X(MEMPOOL_REJECT_NONCE_TOO_HIGH, -32000, "nonce too high")                            \
    X(MEMPOOL_REJECT_UNDERPRICED, -32000, "replacement transaction underpriced")          \
    X(MEMPOOL_REJECT_IN_FLIGHT, -32000, "transaction with this nonce is being sequenced") \
    X(MEMPOOL_REJECT_SENDER_FULL, -32000, "account limit exceeded")                       \
    X(MEMPOOL_REJECT_POOL_FULL, -32005, "txpool is full")

typedef enum {
#define MEMPOOL_REJECT_ENUM_(name, code, message) name,
    MEMPOOL_REJECT_TABLE(MEMPOOL_REJECT_ENUM_)
#undef MEMPOOL_REJECT_ENUM_
        MEMPOOL_REJECT_COUNT_
} mempool_reject;

/* "MEMPOOL_REJECT_NONCE_TOO_LOW", ...; never NULL, also out of range. */
const char *mempool_reject_name(mempool_reject reject);
/* The JSON-RPC error code (0 for NONE, -32603 out of range). */
int32_t mempool_reject_rpc_code(mempool_reject reject);
/* The JSON-RPC error message; never NULL. */
const char *mempool_reject_rpc_message(mempool_reject reject);

/* --------------------------------------------------------------- decode */

/* What admission learns from a tx. Opaque txs have no sender, nonce or
 * fees (all zero) and carry their namespace; signed txs have namespace 0.
 * Legacy and EIP-2930 txs have fee_cap = tip = gasPrice. */
typedef struct {
    mempool_tx_kind kind;
    seq_hash hash; /* keccak256(raw) */
    seq_addr sender;
    uint64_t chain_id;
    uint64_t nonce;
    uint64_t fee_cap; /* maxFeePerGas, wei per gas */
    uint64_t tip;     /* maxPriorityFeePerGas, wei per gas */
    uint64_t gas_limit;
    uint64_t namespace_id;
} mempool_tx_info;

/* Decodes and checks raw[0..raw_len) as a tx for chain_id: the envelope,
 * strict canonical RLP (every header and integer in shortest form, nothing
 * trailing, exact field counts, access lists of [20-byte address, [32-byte
 * keys]]), the chain id (EIP-155 v for legacy txs), sender recovery (v/
 * yParity, r and s in range, low s), gas limit >= MEMPOOL_GAS_LIMIT_MIN and
 * tip <= fee cap. Integers other than value, r and s must fit 64 bits.
 * Returns MEMPOOL_REJECT_NONE with *out filled (hash included) or the
 * reason, with *out zeroed. Pure; costs one keccak over raw plus, for a
 * signed tx, one over its signing payload and one public-key recovery. */
SEQ_MUST_USE mempool_reject mempool_tx_decode(mempool_tx_info *out, uint64_t chain_id,
                                              const uint8_t *raw, size_t raw_len);

/* mempool_tx_decode for a caller that already hashed raw: *hash must be
 * keccak256(raw[0..raw_len)) and becomes out->hash unchecked, so the keccak
 * over raw is not computed twice (a node hashes a client's tx first to
 * refuse a resubmission cheaply). */
SEQ_MUST_USE mempool_reject mempool_tx_decode_hashed(mempool_tx_info *out, uint64_t chain_id,
                                                     const uint8_t *raw, size_t raw_len,
                                                     const seq_hash *hash);

/* mempool_tx_decode for a tx whose sender another node already recovered
 * (gossip from an authenticated committee member): every check but the
 * signature, and *sender is taken as the sender. sender must be the zero
 * address for an opaque payload and non-zero for a signed tx, else
 * MEMPOOL_REJECT_SIGNATURE. Costs one keccak over raw. */
SEQ_MUST_USE mempool_reject mempool_tx_decode_trusted(mempool_tx_info *out, uint64_t chain_id,
                                                      const uint8_t *raw, size_t raw_len,
                                                      const seq_addr *sender);

/* ----------------------------------------------------------------- pool */

typedef struct mempool mempool;

typedef struct {
    uint64_t chain_id;       /* the L2 chain id; [1, MEMPOOL_CHAIN_ID_MAX] */
    mempool_policy policy;   /* selection and eviction order */
    uint32_t tx_bytes_max;   /* [MEMPOOL_OPAQUE_HEADER_BYTES + 1, MEMPOOL_TX_BYTES_MAX] */
    uint32_t pool_bytes_max; /* [tx_bytes_max, MEMPOOL_POOL_BYTES_MAX] */
    uint32_t pool_txs_max;   /* [1, MEMPOOL_POOL_TXS_MAX] */
    uint32_t sender_txs_max; /* [1, MEMPOOL_SENDER_TXS_MAX] */
    /* A sender's txs have nonces in [base, base + nonce_window) where base
     * is the next nonce after its last committed tx, or (never committed)
     * its lowest pending nonce. [sender_txs_max, MEMPOOL_NONCE_WINDOW_MAX] */
    uint32_t nonce_window;
    uint32_t gossip_delay_ms; /* [0, MEMPOOL_GOSSIP_DELAY_MS_MAX] */
    /* A sender whose committed nonce this pool does not know (never seen
     * committed, or its record recycled) has its lane held back from
     * selection until settle_ms after the lane's first pending tx was
     * admitted: a client that sends nonce n to one node and n + 1 to
     * another gets n here by gossip before n + 1 can be proposed alone
     * (and n then refused as too low). Senders with a known nonce and
     * opaque payloads are never held. [0, MEMPOOL_SETTLE_MS_MAX]; 0: no
     * hold. */
    uint32_t settle_ms;
    /* Keys the hash indexes so that peers cannot aim txs or addresses at
     * one bucket; any value, fixed for reproducible simulations. */
    uint64_t hash_seed;
} mempool_config;

#define MEMPOOL_TX_BYTES_DEFAULT        MEMPOOL_TX_BYTES_MAX
#define MEMPOOL_POOL_BYTES_DEFAULT      (256u << 20)
#define MEMPOOL_POOL_TXS_DEFAULT        (1u << 17)
#define MEMPOOL_SENDER_TXS_DEFAULT      64u
#define MEMPOOL_NONCE_WINDOW_DEFAULT    1024u
#define MEMPOOL_GOSSIP_DELAY_MS_DEFAULT 20u
#define MEMPOOL_SETTLE_MS_DEFAULT       0u

/* Fills *out with the defaults above, fifo ordering and chain_id. */
void mempool_config_default(mempool_config *out, uint64_t chain_id);

/* Allocates a pool for config (every table sized once, here: about
 * 2 * pool_bytes_max bytes of storage and ~300 bytes per tx slot).
 * SEQ_ERR_INVALID_ARG for a field out of range, SEQ_ERR_NO_MEMORY. *out is
 * NULL on failure; release it with mempool_free. */
SEQ_MUST_USE seq_err mempool_new(mempool **out, const mempool_config *config);
/* NULL is a no-op. */
void mempool_free(mempool *pool);

/* Where a tx came from: a client's own submission is forwarded to peers by
 * gossip; a tx received from a peer is not forwarded again. */
typedef enum {
    MEMPOOL_ORIGIN_CLIENT = 1,
    MEMPOOL_ORIGIN_PEER,
} mempool_origin;

typedef struct {
    mempool_tx_info info;   /* valid from the decode step on (hash: from the hash step) */
    bool replaced;          /* a pending tx of the same (sender, nonce) was replaced */
    uint32_t evicted_count; /* lower-priority txs evicted to make room */
} mempool_add_result;

/* Admits raw[0..raw_len) (copied into the pool) at now_ms. In order: size
 * (config.tx_bytes_max), hash and duplicate check, mempool_tx_decode, then
 * the pool rules: nonce below the sender's committed nonce, replacement of
 * the same (sender, nonce) only if neither is in flight and both fee cap
 * and tip rise by >= MEMPOOL_BUMP_PERCENT, per-sender count, nonce window,
 * and room: when the pool is full the lowest-priority evictable tx goes if
 * the new one ranks strictly above it (never under fifo, where the newcomer
 * ranks last), else MEMPOOL_REJECT_POOL_FULL. A replacement never evicts.
 * Returns MEMPOOL_REJECT_NONE or the reason (counted in the stats). out may
 * be NULL. Invalidates the raw pointers of earlier mempool_select and
 * mempool_gossip_take results (storage may be compacted). */
SEQ_MUST_USE mempool_reject mempool_add(mempool *pool, mempool_add_result *out, const uint8_t *raw,
                                        size_t raw_len, mempool_origin origin, uint64_t now_ms);

/* mempool_add for a tx decoded beforehand, so that the costly decode (sender
 * recovery) can run outside whatever lock guards the pool. info must be
 * what mempool_tx_decode or mempool_tx_decode_trusted returned for exactly
 * raw (its hash is trusted). Same rules and results as mempool_add, with
 * MEMPOOL_REJECT_CHAIN_ID for a signed tx decoded for another chain id. */
SEQ_MUST_USE mempool_reject mempool_add_decoded(mempool *pool, mempool_add_result *out,
                                                const uint8_t *raw, size_t raw_len,
                                                const mempool_tx_info *info, mempool_origin origin,
                                                uint64_t now_ms);

/* A number that changes whenever a tx enters or leaves the pool or an
 * in-flight mark is released: what mempool_select could pick differs only
 * then (marking txs in flight only takes picks away). */
uint64_t mempool_version(const mempool *pool);

/* True iff a tx with this hash is pending. */
bool mempool_contains(const mempool *pool, const seq_hash *hash);

/* Caps of one block payload (the node passes WIRE_BLOCK_* or smaller). */
typedef struct {
    size_t bytes_max;
    size_t txs_max;
} mempool_caps;

/* One selected tx. raw borrows from the pool (or, for a forced tx, from
 * the caller's forced array) until the next mempool_add, mempool_committed
 * or mempool_free. */
typedef struct {
    seq_bytes raw;
    seq_hash hash;
    seq_addr sender; /* zero for an opaque or a forced tx */
    bool forced;
} mempool_pick;

/* Fills out[0..*out_count) with a block payload of at most caps->txs_max
 * (and out_cap) txs and caps->bytes_max bytes: first forced[0..forced_count)
 * in the given order (forced-inclusion obligations; stops at the first that
 * does not fit), then pending txs that are not in flight, in policy order
 * (fifo: arrival; priority: tip, then arrival), a sender's nonce n + 1 only
 * after n, never past a nonce gap, and no lane still settling at now_ms
 * (config.settle_ms). A tx that does not fit the remaining bytes is skipped
 * together with its lane's later txs. Every pool tx picked (and every pool
 * tx equal to a forced one) is marked in flight: it stays pending but is
 * not picked again until released. Deterministic. */
SEQ_MUST_USE seq_err mempool_select(mempool *pool, mempool_pick *out, size_t out_cap,
                                    size_t *out_count, const mempool_caps *caps,
                                    const seq_bytes *forced, size_t forced_count, uint64_t now_ms);

/* The lanes mempool_select leaves out at now_ms because they are still
 * settling (config.settle_ms): returns how many pending txs not in flight
 * they hold, and sets *deadline to the earliest time after now_ms at which
 * one of them becomes selectable (UINT64_MAX if none is settling).
 * O(senders with pending txs). */
size_t mempool_settling(const mempool *pool, uint64_t now_ms, uint64_t *deadline);

/* Marks the pending txs among hashes[0..count) in flight (a block proposed
 * by another leader carries them). Returns how many were marked. */
size_t mempool_mark_in_flight(mempool *pool, const seq_hash *hashes, size_t count);

/* Releases the in-flight marks of the pending txs among hashes[0..count)
 * (the block that carried them was abandoned). Returns how many were
 * released. */
size_t mempool_release(mempool *pool, const seq_hash *hashes, size_t count);

/* Releases every in-flight mark (view change: the proposals they went into
 * will not commit). */
void mempool_release_in_flight(mempool *pool);

/* A block committed hashes[0..count): removes those pending (in flight or
 * not), advances each one's sender to nonce + 1 and drops that sender's
 * pending txs below it. Returns how many txs left the pool. */
size_t mempool_committed(mempool *pool, const seq_hash *hashes, size_t count);

/* Gossip: txs admitted from clients wait to be forwarded to peers, each
 * exactly once, oldest first. When at least max_count of them wait, or
 * max_bytes of them, or the oldest has waited config.gossip_delay_ms, this
 * writes up to max_count of them (at most max_bytes in total, at least one)
 * into out[0..*out_count) and, if senders is not NULL, their senders into
 * senders[0..*out_count) (the zero address for opaque payloads), and marks
 * them forwarded; otherwise *out_count is 0. raw borrows as in
 * mempool_pick. max_count >= 1, max_bytes >= config.tx_bytes_max. */
void mempool_gossip_take(mempool *pool, seq_bytes *out, seq_addr *senders, size_t *out_count,
                         size_t max_count, size_t max_bytes, uint64_t now_ms);

/* When the oldest waiting tx falls due (UINT64_MAX if none waits). */
uint64_t mempool_gossip_deadline(const mempool *pool);

/* The pool keeps its txs' bytes in one storage area, appending and
 * compacting: the storage in use stays at most the larger of this and
 * twice the live bytes (after the tx last added). */
#define MEMPOOL_COMPACT_MIN_BYTES (4u << 20)

typedef struct {
    size_t txs;            /* pending */
    size_t bytes;          /* sum of their raw lengths */
    size_t senders;        /* with at least one pending tx */
    size_t in_flight;      /* pending txs marked in flight */
    size_t gossip_waiting; /* not yet forwarded */
    size_t storage_used;   /* storage in use, live or not: see MEMPOOL_COMPACT_MIN_BYTES */
    uint64_t admitted;     /* since mempool_new */
    uint64_t replaced;
    uint64_t evicted;
    uint64_t committed;
    uint64_t rejected[MEMPOOL_REJECT_COUNT_]; /* by reason; [0] unused */
} mempool_stats;

void mempool_get_stats(const mempool *pool, mempool_stats *out);

/* Checks every internal invariant (counts and bytes, hash index, lanes in
 * strictly increasing nonce order inside their window, eviction heap,
 * arrival and storage order, gossip queue) with SEQ_ASSERT; for tests and
 * the simulator. O(pool size). */
void mempool_check(const mempool *pool);

#endif /* SEQ_MEMPOOL_H */
