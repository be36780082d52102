/* internal.h — the replica's state, shared by core.c and canary.c only. */
#ifndef SEQ_CONSENSUS_INTERNAL_H
#define SEQ_CONSENSUS_INTERNAL_H

#include "canary.h"
#include "consensus.h"

/* Canary branches exist only in the test library (see canary.h); in seqd
 * they are the constant false and compile away. */
#ifdef CONS_TEST_CANARIES
#define CONS_CANARY(c, which) ((c)->canary == (which))
#else
#define CONS_CANARY(c, which) false
#endif

#define CONS_NONE UINT32_MAX /* "no slot" in the block tree */

/* Vote and timeout aggregation slots; a view needs one slot per distinct
 * block voted for, and only views around the current one are kept. */
#define CONS_VOTE_SLOTS    8u
#define CONS_TIMEOUT_SLOTS 4u
/* Verified certificates whose block has not arrived yet, kept so that the
 * block is certified (and its QC stored) the moment it does. */
#define CONS_QC_WAITING 4u
/* Certificates one step can hand to the store: one per block of a sync
 * response, twice over for the missing-QC and waiting paths. */
#define CONS_UPDATE_QCS_MAX (2u * CONS_UPDATE_BLOCKS_MAX)
/* Evidence found in a step whose update already holds
 * CONS_UPDATE_EVIDENCE_MAX: kept here and emitted first by the following
 * steps. One sync response can reveal a conflict per signature of each of
 * its certificates, far more than one update carries. */
#define CONS_EVIDENCE_BACKLOG (8u * CONS_UPDATE_EVIDENCE_MAX)

typedef enum {
    EQUIV_PROPOSAL = 0,
    EQUIV_VOTE = 1,
    EQUIV_TIMEOUT = 2,
    EQUIV_KINDS = 3,
} equiv_kind;

/* The first signed statement of one kind seen from one signer in one view. */
typedef struct {
    bool used;
    bool reported;
    uint64_t view;
    union {
        seq_block_stmt block;
        seq_timeout_stmt timeout;
    } stmt;
    seq_sig sig;
} equiv_record;

/* One block in the in-memory tree of uncommitted blocks (plus the committed
 * tip, the root). Headers only: payloads live in the driver's store. */
typedef struct {
    bool used;
    bool certified; /* a valid QC for this block has been seen */
    seq_hash hash;
    seq_block_header header;
    uint32_t parent; /* slot of the parent, or CONS_NONE if not (yet) here */
} tree_node;

typedef struct {
    bool used;
    bool formed; /* a QC was already made from this slot */
    uint64_t view;
    uint64_t height;
    seq_hash block_hash;
    uint64_t weight;
    bool *present; /* [committee.count] */
    seq_sig *sigs; /* [committee.count] */
} vote_slot;

typedef struct {
    bool used;
    bool formed; /* a TC was already made from this slot */
    uint64_t view;
    uint64_t weight;
    bool *present;          /* [committee.count] */
    uint64_t *high_qc_view; /* [committee.count] */
    seq_sig *sigs;          /* [committee.count] */
} timeout_slot;

typedef struct {
    uint64_t view;
    uint32_t sig_count;
    wire_timeout_sig sigs[CONS_VALIDATORS_MAX];
} cons_tc;

/* A block asked for and not yet received. */
typedef struct {
    bool used;
    seq_hash hash;
    uint64_t height;
    size_t peer;
    uint64_t sent_ms;
} fetch_entry;

typedef struct {
    bool used;
    seq_hash hash;
    uint64_t height;
    uint64_t view;
    size_t peer;
    uint64_t sent_ms;
} qc_missing_entry;

/* Committed blocks whose own QC this replica never saw (the block came in a
 * proposal, its child through block sync): the QC is fetched so that the
 * store can prove every committed block. */

/* A proposal whose parent is missing, kept (with a copy of its payload)
 * until the parent arrives or the view passes. */
typedef struct {
    bool used;
    size_t from;
    wire_proposal proposal;
    cons_tc tc;        /* storage behind proposal.tc */
    cons_qc justify;   /* storage behind proposal.justify */
    seq_bytes *txs;    /* [block_txs_max] */
    uint8_t *tx_bytes; /* [block_tx_bytes_max] */
} pending_proposal;

/* Everything one cons_step() emits, in storage owned by the replica. */
typedef struct {
    bool safety_changed;
    cons_block blocks[CONS_UPDATE_BLOCKS_MAX];
    size_t block_count;
    wire_qc *qcs; /* [CONS_UPDATE_QCS_MAX] */
    size_t qc_count;
    cons_message messages[CONS_UPDATE_MESSAGES_MAX];
    size_t message_count;
    cons_fetch fetches[CONS_UPDATE_FETCHES_MAX];
    size_t fetch_count;
    cons_block *commits; /* [blocks_max] */
    size_t commit_count;
    wire_evidence evidence[CONS_UPDATE_EVIDENCE_MAX];
    size_t evidence_count;
    bool payload_wanted;
    cons_payload_request payload_request;
    seq_arena arena; /* signature arrays of emitted certificates */
} update_buffers;

struct cons {
    cons_config config;
    const cons_committee *committee; /* &config.committee */
    size_t self;
    size_t n;
    /* committee indices in ascending address order: certificates list
     * their signers this way */
    uint8_t by_address[CONS_VALIDATORS_MAX];
    cons_canary canary;
    bool halted;

    uint64_t now_ms;
    uint64_t view;
    uint64_t deadline_ms;
    uint32_t timeouts_consecutive;
    bool payload_requested; /* for the current view */
    bool started;

    cons_safety safety;
    bool has_high_tc;
    cons_tc high_tc;
    uint64_t high_tc_max_qc_view; /* highest highQcView inside high_tc */

    tree_node *tree; /* [blocks_max] */
    uint32_t tree_cap;
    uint32_t committed;     /* slot of the last committed block */
    uint32_t commit_wanted; /* highest block known committed but not yet linked */

    vote_slot votes[CONS_VOTE_SLOTS];
    timeout_slot timeouts[CONS_TIMEOUT_SLOTS];
    equiv_record *records; /* [CONS_EQUIVOCATION_VIEWS][n][EQUIV_KINDS] */
    fetch_entry fetches[CONS_FETCHES_MAX];
    uint64_t range_fetch_ms; /* when the outstanding range fetch was sent; 0: none */
    pending_proposal pending;
    uint64_t *view_synced_ms; /* [n]: when a view-sync reply last went to each peer */

    seq_hash genesis_hash;
    cons_qc qc_scratch; /* copy of a certificate being stored */
    cons_qc qc_waiting[CONS_QC_WAITING];
    qc_missing_entry qc_missing[CONS_QC_MISSING];
    uint32_t qc_missing_next; /* ring position of the next one kept */
    uint32_t qc_waiting_next; /* ring position of the next one kept */
    cons_qc qc_formed;        /* certificate just aggregated */
    cons_tc tc_formed;
    wire_evidence evidence_backlog[CONS_EVIDENCE_BACKLOG]; /* oldest first */
    size_t evidence_backlog_count;

    update_buffers out;
    uint8_t *arena_buf;
    cons_stats stats;
};

#endif /* SEQ_CONSENSUS_INTERNAL_H */
