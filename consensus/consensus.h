/* consensus.h — seqd's ordering core: a rotating-leader, two-chain BFT
 * protocol (Jolteon / HotStuff-2 family) as a pure, deterministic state
 * machine. No sockets, clock, disk or allocation after init; crypto comes in
 * through an ops table. See consensus/README.md for the protocol, the
 * invariants and the persistence contract.
 *
 * Two parts: the committee (membership, weights, quorum rule, leader
 * schedule), which the L1 contracts agree on, and the replica itself,
 * driven by cons_step(). */
#ifndef SEQ_CONSENSUS_H
#define SEQ_CONSENSUS_H

#include "seq.h"
#include "wire.h"

/* ------------------------------------------------------------ committee */

#define CONS_VALIDATORS_MAX WIRE_VALIDATORS_MAX
/* Weights are voting-power units, not token amounts: the leader schedule
 * has one slot per unit, so the total is kept small. */
#define CONS_WEIGHT_TOTAL_MAX 4096u

_Static_assert(CONS_VALIDATORS_MAX <= 256, "leader schedule stores indices as uint8_t");
_Static_assert(CONS_VALIDATORS_MAX <= CONS_WEIGHT_TOTAL_MAX, "every validator has weight >= 1");

typedef struct {
    seq_addr addr;   /* Ethereum address of the validator's secp256k1 key */
    uint32_t weight; /* >= 1 */
} cons_validator;

/* An ordered committee. The order is genesis order; it fixes the leader
 * schedule. */
typedef struct {
    size_t count;
    cons_validator validators[CONS_VALIDATORS_MAX];
    uint32_t weight_total;
    uint32_t weight_quorum; /* smallest weight strictly above 2/3 of total */
    /* Leader of view v is validators[schedule[v % weight_total]]. */
    uint8_t schedule[CONS_WEIGHT_TOTAL_MAX];
} cons_committee;

/* Initialises *c from validators[0..count). Errors (for a bad genesis, so
 * never an assertion): SEQ_ERR_INVALID_ARG if count is 0 or above
 * CONS_VALIDATORS_MAX, a weight is 0, the total exceeds
 * CONS_WEIGHT_TOTAL_MAX, an address is zero, or an address repeats. On
 * failure *c is zeroed. */
SEQ_MUST_USE seq_err cons_committee_init(cons_committee *c, const cons_validator *validators,
                                         size_t count);

/* True iff weight is a quorum: strictly more than 2/3 of the total. */
bool cons_committee_is_quorum(const cons_committee *c, uint64_t weight);

/* Finds addr; on success *index is its position. */
bool cons_committee_find(const cons_committee *c, size_t *index, const seq_addr *addr);

/* Index of the leader of view. Weight-aware round robin: over any
 * weight_total consecutive views each validator leads exactly weight times,
 * interleaved (smooth weighted round robin), so no heavy validator holds a
 * long run of views. */
size_t cons_committee_leader(const cons_committee *c, uint64_t view);

/* -------------------------------------------------------------- replica */

/* Equivocation detection. The core remembers the first signed statement
 * of each kind (Proposal, Vote, Timeout) per signer and view, whether it
 * arrived alone or inside a certificate it verified: every signature of a
 * QC is its signer's Vote(l2ChainId, view, height, blockHash), every entry
 * of a TC its signer's Timeout(l2ChainId, view, highQcView). A second,
 * different statement of the same kind, signer and view becomes one
 * wire_evidence carrying both statements with their own signatures. A
 * certificate for a block already certified is not verified again, so its
 * signatures are not recorded. A statement is recorded when its view lies
 * in [view - 32, view + 32) of the receiving replica's current view. */
#define CONS_EQUIVOCATION_VIEWS 64u
/* Default capacity of the in-memory tree of uncommitted blocks. */
#define CONS_BLOCKS_DEFAULT 256u
#define CONS_BLOCKS_MIN     (WIRE_SYNC_BLOCKS_MAX + 8u)
#define CONS_BLOCKS_MAX     4096u
/* Bounds on what one cons_step() can emit (beyond commits, which are
 * bounded by the block tree). Evidence found beyond CONS_UPDATE_EVIDENCE_MAX
 * in one step (a sync response can carry many certificates) is kept and
 * emitted by the next steps; the update's deadline_ms is then the current
 * time, so that the driver steps again at once. */
#define CONS_UPDATE_MESSAGES_MAX 16u
#define CONS_UPDATE_BLOCKS_MAX   (WIRE_SYNC_BLOCKS_MAX + 4u)
#define CONS_UPDATE_EVIDENCE_MAX 4u
#define CONS_UPDATE_FETCHES_MAX  8u
/* Blocks being fetched at once; a fetch is retried every fetch_retry_ms. */
#define CONS_FETCHES_MAX 16u

/* Message destination meaning "every other validator". */
#define CONS_TO_ALL SIZE_MAX

/* Crypto and hashing, injected. Production uses keccak256, EIP-712 and
 * secp256k1 (node/); tests may inject a fast fake. Every function is called
 * only from inside cons_step() and must be deterministic. */
typedef struct {
    void *ctx;
    /* keccak256(abi.encode(header fields)) in production. */
    void (*block_hash)(void *ctx, seq_hash *out, const seq_block_header *header);
    /* The Merkle root of txs[0..tx_count) (l1_merkle_root in production). */
    void (*tx_root)(void *ctx, seq_hash *out, const seq_bytes *txs, size_t tx_count);
    /* EIP-712 digests of the three statements the core signs. */
    void (*proposal_digest)(void *ctx, seq_hash *out, const seq_block_stmt *stmt);
    void (*vote_digest)(void *ctx, seq_hash *out, const seq_block_stmt *stmt);
    void (*timeout_digest)(void *ctx, seq_hash *out, const seq_timeout_stmt *stmt);
    /* Signs digest with this replica's validator key. Must be
     * deterministic (RFC 6979): re-signing a statement reproduces it. */
    SEQ_MUST_USE seq_err (*sign)(void *ctx, seq_sig *out, const seq_hash *digest);
    /* True iff sig is a valid signature of digest by signer. */
    bool (*verify)(void *ctx, const seq_addr *signer, const seq_sig *sig, const seq_hash *digest);
} cons_ops;

/* A block as the core sees it: the header, its hash and its transactions.
 * The txs are borrowed (see cons_update for how long). */
typedef struct {
    seq_hash hash;
    wire_block block;
} cons_block;

/* Block validity beyond what the core checks itself. The core checks
 * structure and chain rules against the parent (height, view, chain id,
 * proposer, tx root, hash, timestamp and L1 origin and forced cursor never
 * going backwards, the block caps); the node adds timestamp drift, L1 origin
 * freshness and forced-inclusion obligations. Called before the core would
 * vote for a proposal; a block it rejects is never voted for. Blocks that
 * arrive already certified (block sync) are not re-judged: a quorum
 * accepted them. Returns SEQ_OK to accept. */
typedef struct {
    void *ctx;
    seq_err (*validate)(void *ctx, const cons_block *block, const seq_block_header *parent);
} cons_hooks;

/* A quorum certificate with its signatures stored inline (ascending by
 * signer address). */
typedef struct {
    uint64_t view;
    uint64_t height;
    seq_hash block_hash;
    uint32_t sig_count;
    wire_sig sigs[CONS_VALIDATORS_MAX];
} cons_qc;

/* The safety state. The driver stores it durably whenever an update says so,
 * before sending anything from that update, and hands it back to
 * cons_new() on restart. It only ever grows, so persisting a later copy
 * covers every earlier update. */
typedef struct {
    uint64_t view_voted;   /* highest view with a vote or proposal signed */
    uint64_t view_timeout; /* highest view with a timeout signed */
    /* The certificate that timeout carried: its view is the highQcView
     * signed, and a re-sent timeout carries it again, byte for byte. */
    cons_qc timeout_qc;
    cons_qc high_qc; /* highest certificate known */
} cons_safety;

typedef struct {
    uint64_t l2_chain_id;
    cons_committee committee;
    seq_addr self; /* this replica's validator address; must be a member */
    /* Block 0: height 0, view 0, zero parent; certified by definition. */
    seq_block_header genesis;
    uint32_t timeout_ms_base;    /* first view timer; doubles per timeout */
    uint32_t timeout_ms_max;     /* cap of the doubling */
    uint32_t fetch_retry_ms;     /* how long before a missing block is asked again */
    uint32_t blocks_max;         /* block tree capacity, CONS_BLOCKS_MIN..MAX */
    uint32_t block_tx_bytes_max; /* <= WIRE_BLOCK_TX_BYTES_MAX */
    uint32_t block_txs_max;      /* <= WIRE_BLOCK_TXS_MAX */
    cons_ops ops;
    cons_hooks hooks;
} cons_config;

/* Committed blocks whose certificate was not yet known when they
 * committed are fetched again until it arrives (it reaches the store
 * through cons_update.qcs); at most this many are tracked. */
#define CONS_QC_MISSING 32u

/* A block named by hash, height and view. */
typedef struct {
    seq_hash hash;
    uint64_t height;
    uint64_t view;
} cons_block_ref;

/* What a restarting replica reloads: its safety state, its last committed
 * block, and the committed blocks its store holds no QC for (the most
 * recent first; at most CONS_QC_MISSING are used). Blocks above the
 * committed one are fetched through cons_update.fetches, which the driver
 * answers from its own store first. */
typedef struct {
    const cons_safety *safety;         /* NULL: never signed anything */
    const seq_block_header *committed; /* NULL: genesis */
    size_t uncertified_count;
    const cons_block_ref *uncertified;
} cons_restart;

typedef enum {
    CONS_EVENT_TICK = 1, /* time passed; fires the view timer and fetch retries */
    CONS_EVENT_MESSAGE,  /* a decoded message from an authenticated peer */
    CONS_EVENT_PAYLOAD,  /* the transactions asked for by payload_wanted */
} cons_event_type;

/* The leader's block contents, supplied by the node (mempool, L1 view). */
typedef struct {
    uint64_t view; /* cons_update.payload_request.view it answers */
    uint64_t timestamp_ms;
    uint64_t l1_origin_number;
    seq_hash l1_origin_hash;
    uint64_t forced_cursor;
    size_t tx_count;
    const seq_bytes *txs;
} cons_payload;

typedef struct {
    cons_event_type type;
    uint64_t now_ms; /* monotonic; every event carries it */
    union {
        struct {
            size_t from; /* committee index the transport authenticated */
            const wire_msg *msg;
        } message;
        cons_payload payload;
    } u;
} cons_event;

typedef struct {
    size_t to; /* committee index, or CONS_TO_ALL */
    wire_msg msg;
} cons_message;

/* A block the core needs. The driver looks in its own store first and
 * feeds what it finds back as a sync_response message from the replica's
 * own index; otherwise it sends msg to peer. */
typedef struct {
    size_t peer;
    wire_sync_request request;
} cons_fetch;

typedef struct {
    uint64_t view;
    uint64_t height;
    seq_block_header parent;
    seq_hash parent_hash;
} cons_payload_request;

/* What one cons_step() asks of the driver. Apply in this order:
 *   1. safety != NULL: store *safety durably (one fsync'd commit, together
 *      with blocks and qcs below); nothing of this update leaves the
 *      process before that commit returns;
 *   2. blocks, qcs: store by block hash (they serve block sync requests;
 *      they may share the commit of step 1);
 *   3. messages, fetches: send;
 *   4. commits: apply in order (ascending height; payloads from the store);
 *   5. evidence: persist and gossip;
 *   6. payload_wanted: gather a payload and feed it back as an event;
 *   7. arm a timer for deadline_ms (the view timer or a fetch retry,
 *      whichever is first) and feed CONS_EVENT_TICK when it fires.
 * Sync requests from peers are the driver's to answer from its store
 * (committed ranges and blocks by hash, each with its QC); the core never
 * sees them. Evidence gossiped by peers is not fed back to the core.
 * Every pointer stays valid until the next cons_step() or cons_free(), and
 * may borrow from the event that produced it. */
typedef struct {
    const cons_safety *safety;
    size_t block_count;
    const cons_block *blocks;
    size_t qc_count;
    const wire_qc *qcs;
    size_t message_count;
    const cons_message *messages;
    size_t fetch_count;
    const cons_fetch *fetches;
    size_t commit_count;
    const cons_block *commits;     /* header and hash only: tx_count is 0 */
    size_t evidence_count;         /* <= CONS_UPDATE_EVIDENCE_MAX */
    const wire_evidence *evidence; /* each conflict once, both signatures */
    bool payload_wanted;
    cons_payload_request payload_request;
    uint64_t deadline_ms;
} cons_update;

/* Counters for metrics and tests. Rejections are inputs refused as
 * invalid; drops are valid inputs that came too late or were not needed. */
typedef struct {
    uint64_t proposals_made, votes_sent, timeouts_sent, qcs_formed, tcs_formed;
    uint64_t views_by_qc, views_by_tc, blocks_committed, evidence_found;
    uint64_t rejected_signature, rejected_certificate, rejected_block, rejected_other;
    uint64_t dropped_stale, dropped_duplicate, fetches_sent;
} cons_stats;

typedef struct {
    uint64_t view;
    size_t leader;
    uint64_t height_committed;
    seq_hash hash_committed;
    uint64_t high_qc_view;
    uint32_t timeouts_consecutive;
    bool halted; /* a safety violation was detected; the replica stopped */
    cons_stats stats;
} cons_status;

typedef struct cons cons;

/* Creates a replica. restart may be NULL (fresh start). Allocates all the
 * memory it will ever use. SEQ_ERR_INVALID_ARG for a bad config (self not a
 * member, limits out of range, genesis not at height 0 view 0, a restart
 * state inconsistent with itself); SEQ_ERR_NO_MEMORY. On failure *out is
 * NULL. */
SEQ_MUST_USE seq_err cons_new(cons **out, const cons_config *config, const cons_restart *restart);

/* Frees a replica; NULL is fine. */
void cons_free(cons *c);

/* Feeds one event and fills *update (overwritten, see cons_update). The
 * first call should be a tick: it arms the first view timer and, for the
 * first leader, asks for a payload. Hostile messages are counted and
 * ignored, never errors. Returns SEQ_ERR_INVALID_ARG for a malformed event
 * (a payload beyond the configured caps or with a bad from index),
 * SEQ_ERR_UNAVAILABLE if the replica has halted after detecting a safety
 * violation, or the error of ops.sign; the update is still valid then. */
SEQ_MUST_USE seq_err cons_step(cons *c, cons_update *update, const cons_event *event);

/* Current state, for logs, metrics and tests. */
void cons_get_status(const cons *c, cons_status *status);

/* The highest view this replica is in. */
uint64_t cons_view(const cons *c);

/* A wire view of a stored certificate; borrows qc->sigs. */
wire_qc cons_qc_wire(const cons_qc *qc);

#endif /* SEQ_CONSENSUS_H */
