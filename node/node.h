/* node.h — the seqd daemon and the seqctl command-line tool.
 *
 * Both programs are thin main() wrappers around the functions below, so
 * their behaviour (arguments, output, exit codes) is tested in-process. */
#ifndef SEQ_NODE_H
#define SEQ_NODE_H

#include <stdio.h>

#include "consensus.h"
#include "mempool.h"
#include "seq.h"

/* Exit codes shared by seqd and seqctl. */
#define NODE_EXIT_OK      0
#define NODE_EXIT_FAILURE 1 /* the command ran and failed */
#define NODE_EXIT_USAGE   2 /* bad arguments */

/* Writes one line "seqd 0.1.0 (wire v1; libsodium X, nng Y, ...)" with the
 * versions of the libraries actually linked, NUL-terminated and truncated
 * to out_len. */
void node_version_line(char *out, size_t out_len);

/* Runs the seqd daemon with argv; writes normal output to out and
 * diagnostics to err; returns a NODE_EXIT_* code. */
int node_seqd_main(int argc, char **argv, FILE *out, FILE *err);

/* Runs one seqctl command with argv; same conventions. */
int node_seqctl_main(int argc, char **argv, FILE *out, FILE *err);

/* ----------------------------------------------------------- cons_crypto */

/* The production crypto of the consensus core (cons_ops): keccak256 block
 * hashes (l1_block_hash), tx roots (l1_merkle_root over keccak256 of each raw
 * tx), EIP-712 digests of Proposal, Vote and Timeout under one domain
 * separator, and recoverable secp256k1 signatures (RFC 6979, low s,
 * v in {27, 28}) checked strictly against the claimed signer, exactly as
 * the L1 contracts re-check them. The validator address of a key is
 * l1_secp_address(). */
typedef struct node_cons_crypto node_cons_crypto;

/* Creates an instance for domain_separator (copied). seckey (copied into
 * sodium_malloc'd memory, inaccessible except while signing, zeroed on free;
 * the caller keeps and wipes its own copy) may be NULL for a verify-only
 * instance, whose sign op returns SEQ_ERR_UNAVAILABLE. Allocates everything
 * it will use, including tx_root's scratch of WIRE_BLOCK_TXS_MAX hashes.
 * Errors: SEQ_ERR_BAD_KEY if seckey is not in [1, n-1], SEQ_ERR_NO_MEMORY,
 * SEQ_ERR_INTERNAL (libsodium or libsecp256k1 could not start, memory
 * protection failed). On failure *out is NULL. */
SEQ_MUST_USE seq_err node_cons_crypto_new(node_cons_crypto **out, const seq_hash *domain_separator,
                                          const uint8_t seckey[32]);

/* Frees c and wipes its key; NULL is fine. c must outlive every cons_ops
 * filled from it. */
void node_cons_crypto_free(node_cons_crypto *c);

/* Fills every function of *out with ctx = c. The ops of one instance are not
 * reentrant (tx_root uses c's scratch; sign toggles the key's protection):
 * give each replica, or each thread, its own instance. tx_root asserts
 * tx_count <= WIRE_BLOCK_TXS_MAX; verify returns false for any malformed,
 * high-s or wrong-signer signature. */
void node_cons_crypto_ops(node_cons_crypto *c, cons_ops *out);

/* Where the node's parts get the tx hashes (keccak256 of each raw tx) of a
 * block instead of hashing its txs again: fills out[0..tx_count) and
 * returns true if ctx knows them, else returns false (out is then
 * unspecified and the caller hashes). header must be that of a block whose
 * tx_root was checked against its txs (the core checks every block it
 * accepts), since the answer is looked up by header->tx_root. */
typedef bool (*node_tx_hashes_fn)(void *ctx, seq_hash *out, const seq_block_header *header,
                                  size_t tx_count);

/* A node_tx_hashes_fn with ctx = a node_cons_crypto: the tx hashes its
 * tx_root op computed for the last NODE_CONS_CRYPTO_MEMO_BLOCKS distinct
 * roots (they are the Merkle leaves' inputs), found by the root, which
 * commits to all of them. Not thread-safe: call it from the thread that
 * runs the core. */
#define NODE_CONS_CRYPTO_MEMO_BLOCKS 8u

/* Until the next hint, the tx_root op takes hashes[i] as the hash of
 * txs[i] when it is given this very tx list (the same array, count txs)
 * instead of hashing them: the runtime hints the payload it feeds the core,
 * whose hashes its own pool computed from these bytes. count 0 ends it.
 * The arrays must stay valid and unchanged while hinted. */
void node_cons_crypto_hint(node_cons_crypto *c, const seq_bytes *txs, const seq_hash *hashes,
                           size_t count);
bool node_cons_crypto_tx_hashes(void *crypto, seq_hash *out, const seq_block_header *header,
                                size_t tx_count);

/* ----------------------------------------------------------------- store */

/* The node's durable state: one LMDB environment in a data directory with
 * named databases for the meta record, the safety state, blocks, QCs, the
 * committed-height index and evidence, and a second one for the tx index,
 * written in the background (node/README.md has the keys, record formats
 * and the "Tx index" decision). Every write is one transaction committed with
 * an fsync; LMDB flags that weaken that are refused. Every read copies out
 * of the map before its read transaction ends, so nothing returned ever
 * points into LMDB. A stored record that fails its checks is reported as
 * SEQ_ERR_CORRUPT (logged with its database and key); other records are
 * still served.
 *
 * Threads: store_apply from one thread at a time; the reads may run
 * concurrently with it and with each other from any thread (each thread at
 * most one store call at a time). */

#define STORE_SCHEMA_VERSION 2u /* layout of the databases; in the meta record */
/* Schema 1 kept the tx index in the main environment; store_open migrates
 * it (node/README.md, "Tx index"). */
#define STORE_SCHEMA_VERSION_INLINE_TX_INDEX 1u

/* The tx index (node/README.md, "Tx index") lives in its own environment in
 * the subdirectory STORE_TX_INDEX_DIR and is written by a background
 * thread. Committed txs not yet in it are held in memory, at most about
 * STORE_TX_PENDING_TXS_MAX of them (store_apply waits for the indexer
 * beyond) in at most STORE_TX_PENDING_BLOCKS_MAX blocks. */
#define STORE_TX_INDEX_DIR          "txindex"
#define STORE_TX_PENDING_TXS_MAX    (1u << 18)
#define STORE_TX_PENDING_BLOCKS_MAX 4096u
/* The indexer commits at most once per STORE_TX_INDEX_BATCH_MS (a batch
 * takes every block committed meanwhile), retries a failed write after
 * STORE_TX_INDEX_RETRY_MS, and writes a batch of empty blocks only once
 * STORE_TX_INDEX_IDLE_BLOCKS of them wait (they only move its watermark). */
#define STORE_TX_INDEX_BATCH_MS    1000u
#define STORE_TX_INDEX_RETRY_MS    1000u
#define STORE_TX_INDEX_IDLE_BLOCKS 1024u
_Static_assert(STORE_TX_INDEX_IDLE_BLOCKS < STORE_TX_PENDING_BLOCKS_MAX,
               "idle blocks are written before the queue fills");

#define STORE_RECORD_VERSION 1u /* first byte of every record */

#define STORE_MAP_BYTES_DEFAULT ((uint64_t)1 << 30)
#define STORE_MAP_BYTES_MIN     ((uint64_t)1 << 20)
#define STORE_MAP_BYTES_MAX     ((uint64_t)1 << 40)

/* Record layout: version (1) || kind (1) || body || checksum, where the
 * checksum is a 16-byte BLAKE2b of everything before it. Fixed-width
 * integers are big-endian. */
#define STORE_CHECKSUM_BYTES 16u
/* Second byte of a record: its kind, readable in a hex dump. */
#define STORE_KIND_META        'M'
#define STORE_KIND_SAFETY      'S'
#define STORE_KIND_BLOCK       'B'
#define STORE_KIND_QC          'Q'
#define STORE_KIND_HEIGHT      'H'
#define STORE_KIND_TX          'T'
#define STORE_KIND_EVIDENCE    'E'
#define STORE_KIND_L1_CURSOR   'C'
#define STORE_KIND_L1_BATCH    'P'
#define STORE_KIND_ATTESTATION 'A'
#define STORE_KIND_L1_FORCED   'F'

#define STORE_RECORD_OVERHEAD_BYTES (2u + STORE_CHECKSUM_BYTES)
#define STORE_HEADER_BYTES          164u /* a seq_block_header, fields in hash order */
#define STORE_QC_SIG_BYTES          (SEQ_ADDR_BYTES + SEQ_SIG_BYTES)
#define STORE_QC_BODY_BYTES_MAX \
    (8u + 8u + SEQ_HASH_BYTES + 4u + WIRE_VALIDATORS_MAX * STORE_QC_SIG_BYTES)
/* The largest record of all: a block at every cap. */
#define STORE_RECORD_BYTES_MAX                                                \
    (STORE_RECORD_OVERHEAD_BYTES + SEQ_HASH_BYTES + STORE_HEADER_BYTES + 4u + \
     4u * WIRE_BLOCK_TXS_MAX + WIRE_BLOCK_TX_BYTES_MAX)
#define STORE_EVIDENCE_KEY_BYTES (1u + SEQ_ADDR_BYTES + 8u) /* kind || signer || view */
/* Evidence records kept per (kind, signer): one convicts on L1; a few more
 * show a pattern; a validator equivocating in every view fills no disk. */
#define STORE_EVIDENCE_PER_SIGNER_MAX 16u

/* Arenas that always suffice: one block's txs, one QC's signatures. */
#define STORE_BLOCK_ARENA_BYTES \
    (WIRE_BLOCK_TXS_MAX * sizeof(seq_bytes) + WIRE_BLOCK_TX_BYTES_MAX + 2u * SEQ_ARENA_ALIGN)
#define STORE_QC_ARENA_BYTES (WIRE_VALIDATORS_MAX * sizeof(wire_sig) + SEQ_ARENA_ALIGN)
/* A sync answer is cut so that its encoding stays under this many bytes
 * (counted conservatively); the first block always fits. */
#define STORE_SYNC_RESPONSE_BYTES_MAX (WIRE_MSG_BYTES_MAX - (64u << 10))
/* The arena that always suffices for store_sync_answer. */
#define STORE_SYNC_ARENA_BYTES            \
    (2u * STORE_SYNC_RESPONSE_BYTES_MAX + \
     WIRE_SYNC_BLOCKS_MAX * (sizeof(wire_certified_block) + 4u * SEQ_ARENA_ALIGN))

_Static_assert(STORE_RECORD_BYTES_MAX < STORE_SYNC_RESPONSE_BYTES_MAX,
               "a full block with its QC fits in one sync answer");
_Static_assert(STORE_QC_BODY_BYTES_MAX + 24u + STORE_RECORD_OVERHEAD_BYTES < STORE_RECORD_BYTES_MAX,
               "a safety record is smaller than the largest record");

typedef struct store store;

typedef struct {
    /* LMDB map size, rounded up to 64 KiB; 0 means STORE_MAP_BYTES_DEFAULT.
     * Outside [STORE_MAP_BYTES_MIN, STORE_MAP_BYTES_MAX] is refused. */
    uint64_t map_bytes;
    /* Extra MDB_* environment flags. Only MDB_WRITEMAP, MDB_NORDAHEAD,
     * MDB_NOMEMINIT and MDB_NOTLS are accepted; MDB_NOSYNC, MDB_NOMETASYNC
     * and MDB_MAPASYNC are refused as non-durable, anything else as
     * unknown. */
    unsigned int env_flags;
    /* Tests: no indexer thread; the tx index is written only inside
     * store_tx_index_sync (and caught up by store_open). */
    bool tx_index_manual;
} store_options;

/* The meta record. Its layout is frozen across schema versions so that any
 * seqd can read which schema a directory holds. */
typedef struct {
    uint32_t schema_version;
    seq_hash genesis_hash;
    uint64_t created_at_ms; /* wall clock, Unix epoch */
} store_meta;

/* Where a committed tx is: block height and position in the block. */
typedef struct {
    uint64_t height;
    uint32_t index;
} store_tx_location;

/* The highest committed block. */
typedef struct {
    uint64_t height;
    seq_hash hash;
    seq_block_header header;
} store_tip;

/* Opens (creating if needed) the store in directory dir: the directory is
 * created with mode 0700 if missing (its parent must exist), the files with
 * 0600, and the directory is locked against a second opener, in this or
 * another process. A new store records STORE_SCHEMA_VERSION, genesis_hash
 * and the creation time. options may be NULL (defaults). On success *out
 * owns the store (store_close). Errors, each logged once with the reason:
 *   SEQ_ERR_INVALID_ARG  bad options, dir not a directory or path too long
 *   SEQ_ERR_UNSUPPORTED  non-durable LMDB flags requested, or found set
 *                        after opening
 *   SEQ_ERR_EXISTS       the store belongs to another genesis (both
 *                        hashes are logged)
 *   SEQ_ERR_BAD_VERSION  unknown schema version or LMDB file format
 *   SEQ_ERR_UNAVAILABLE  the directory is in use by another store
 *   SEQ_ERR_CORRUPT      the meta record is corrupt or missing beside data
 *   SEQ_ERR_IO, SEQ_ERR_NO_SPACE, SEQ_ERR_NO_MEMORY, SEQ_ERR_INTERNAL
 * On failure *out is NULL and nothing was written. */
SEQ_MUST_USE seq_err store_open(store **out, const char *dir, const seq_hash *genesis_hash,
                                const store_options *options);

/* Closes s; NULL is fine. No call may be running on s. */
void store_close(store *s);

/* Persists what update u asks to persist, in ONE durable write transaction,
 * and returns only after it committed (fsync'd): the safety state if
 * u->safety is set (refused with SEQ_ERR_INVALID_ARG if one of its views
 * would go backwards), the blocks and QCs by block hash (the first stored
 * copy is kept), the commits (each must be the next height on the committed
 * chain, or an exact repeat, and its block must be stored or in u; this
 * fills the height index, and queues the block's txs for the tx index,
 * whose first location of a tx is kept; store_get_tx finds them on
 * return) and the evidence (one record per kind, signer and view; the first
 * is kept; past STORE_EVIDENCE_PER_SIGNER_MAX records of one kind and
 * signer, more are left out). Call it before sending anything of the update. An update with
 * nothing to persist returns SEQ_OK without writing. Errors: SEQ_ERR_NO_SPACE
 * when the map is full, SEQ_ERR_INVALID_ARG for an update that breaks the
 * rules above or a record cap, SEQ_ERR_CORRUPT if a record it must read is
 * corrupt, SEQ_ERR_IO and other LMDB errors. On any error nothing of u was
 * written. u is only read. */
SEQ_MUST_USE seq_err store_apply(store *s, const cons_update *u);
/* store_apply also returns, with nothing written: SEQ_ERR_INVALID_ARG for
 * more than STORE_TX_PENDING_BLOCKS_MAX commits, and the tx indexer's
 * error (or SEQ_ERR_UNAVAILABLE with tx_index_manual) when the txs
 * waiting for it reach the bounds above while it cannot write. Under those
 * bounds it waits for the indexer. */

/* Reads the meta record into *out. */
SEQ_MUST_USE seq_err store_get_meta(const store *s, store_meta *out);

/* Reads the safety state. SEQ_ERR_NOT_FOUND on a fresh store (the replica
 * has never signed anything: restart with safety NULL). */
SEQ_MUST_USE seq_err store_get_safety(const store *s, cons_safety *out);

/* Reads the highest committed block. SEQ_ERR_NOT_FOUND if nothing has been
 * committed above genesis. */
SEQ_MUST_USE seq_err store_get_tip(const store *s, store_tip *out);

/* Reads the block with hash into *out; its txs are copied into arena
 * (STORE_BLOCK_ARENA_BYTES always suffices; SEQ_ERR_NO_SPACE if arena is
 * too small) and live as long as the arena. SEQ_ERR_NOT_FOUND if absent. */
SEQ_MUST_USE seq_err store_get_block(const store *s, cons_block *out, seq_arena *arena,
                                     const seq_hash *hash);

/* Reads the QC certifying block_hash; its signatures are copied into arena
 * (STORE_QC_ARENA_BYTES always suffices). SEQ_ERR_NOT_FOUND if absent. */
SEQ_MUST_USE seq_err store_get_qc(const store *s, wire_qc *out, seq_arena *arena,
                                  const seq_hash *block_hash);

/* Reads the hash of the block committed at height (>= 1; genesis is not
 * stored). SEQ_ERR_NOT_FOUND above the tip. */
SEQ_MUST_USE seq_err store_get_hash_at(const store *s, seq_hash *out, uint64_t height);

/* The lowest committed height whose block's header has forced_cursor >
 * entry (the L2 block that consumed forced entry `entry`), in one read
 * transaction; SEQ_ERR_NOT_FOUND if no committed block has. Forced cursors
 * never decrease with height: a binary search over the committed heights
 * that parses block records in place (no tx is copied). SEQ_ERR_CORRUPT
 * (logged) for an unreadable or missing record below the tip; LMDB
 * errors. *height is 0 on failure. */
SEQ_MUST_USE seq_err store_committed_consuming(const store *s, uint64_t entry, uint64_t *height);

/* Reads where the committed tx with tx_hash = keccak256(raw) is (its first
 * location), whether the indexer has written it yet or not: a tx is found
 * from the moment store_apply returned with its commit. SEQ_ERR_NOT_FOUND
 * if no committed block holds it. */
SEQ_MUST_USE seq_err store_get_tx(const store *s, store_tx_location *out, const seq_hash *tx_hash);

/* Where store_apply gets the tx hashes of the blocks it commits (for the
 * tx index) before hashing them itself; see node_tx_hashes_fn. fn is
 * called from store_apply's thread only. Set it before the first
 * store_apply. */
void store_set_tx_hashes(store *s, node_tx_hashes_fn fn, void *ctx);

/* Waits until every tx committed so far is in the durable tx index (with
 * tx_index_manual: writes them now, in this thread). SEQ_OK, or the
 * indexer's last error (SEQ_ERR_NO_SPACE, SEQ_ERR_IO, ...) while it cannot
 * write. Callable from store_apply's thread (not concurrently with it). */
SEQ_MUST_USE seq_err store_tx_index_sync(store *s);

typedef struct {
    uint64_t indexed_height; /* the durable index holds every tx up to here */
    size_t pending_txs;      /* committed, held in memory until indexed */
    size_t pending_blocks;
    uint64_t batches;  /* index transactions committed since open */
    uint64_t failures; /* index transactions that failed since open */
} store_tx_index_stats;

/* A snapshot of the indexer's state; any thread. */
void store_get_tx_index_stats(const store *s, store_tx_index_stats *out);

/* Reads the evidence stored for (kind, signer, view); for attestations
 * view is the batch index. SEQ_ERR_NOT_FOUND if none. */
SEQ_MUST_USE seq_err store_get_evidence(const store *s, wire_evidence *out, wire_evidence_kind kind,
                                        const seq_addr *signer, uint64_t view);

/* Stores evidence received from outside the core (a peer, the batcher)
 * in its own durable write transaction: SEQ_OK if it was stored now,
 * SEQ_ERR_EXISTS if a record for its (kind, signer, view) is stored
 * already (the first is kept), SEQ_ERR_TOO_LARGE if
 * STORE_EVIDENCE_PER_SIGNER_MAX records of its kind and signer are,
 * SEQ_ERR_INVALID_ARG if it is not two conflicting statements (see
 * store_evidence_encode; signatures are not checked here), LMDB errors.
 * Any thread. */
SEQ_MUST_USE seq_err store_put_evidence(store *s, const wire_evidence *evidence);

/* Called by store_evidence_each for each record; return false to stop. The
 * pointer is valid during the call only. It must not call into the store. */
typedef bool (*store_evidence_each_fn)(void *ctx, const wire_evidence *evidence);

/* Calls fn for every stored evidence in key order (kind, signer, view).
 * A corrupt record is logged and skipped, the others are still visited, and
 * the result is then SEQ_ERR_CORRUPT. */
SEQ_MUST_USE seq_err store_evidence_each(const store *s, store_evidence_each_fn fn, void *ctx);

/* Answers a peer's sync request from the store into *out, allocating in
 * arena (STORE_SYNC_ARENA_BYTES always suffices): by hash, the block and
 * its QC if both are stored, else nothing; by range, the committed blocks
 * from request->from_height upwards (at most max_blocks, capped at
 * WIRE_SYNC_BLOCKS_MAX), each with its QC, stopping before the first one
 * that is missing, has no QC, is corrupt (logged) or would take the answer
 * past STORE_SYNC_RESPONSE_BYTES_MAX or the arena. An empty answer is
 * SEQ_OK. SEQ_ERR_NO_SPACE if the arena cannot hold even the first block;
 * LMDB errors. On failure *out is zeroed. */
SEQ_MUST_USE seq_err store_sync_answer(const store *s, wire_sync_response *out, seq_arena *arena,
                                       const wire_sync_request *request);

/* ------------------------------------------------------------- store: L1 */

/* What the node's L1 follower (node/l1link.c) has seen, in the `l1`
 * database: its cursor (the last L1 block whose logs are applied) and every
 * batch the Inbox accepted, by index. Both change in one write transaction
 * per followed range, so after a crash the cursor and the batches agree. */

/* A BatchPosted event of the Inbox, and where it was on L1. */
typedef struct {
    uint64_t index;
    seq_hash batch_hash, data_hash;
    uint64_t first_height, last_height, forced_cursor; /* 0, 0 for forceAdvance */
    seq_addr poster;
    uint64_t l1_block;
    seq_hash l1_block_hash, l1_tx_hash;
} store_l1_batch;

#define STORE_L1_BATCHES_PER_CHANGE_MAX 1024u

/* A ForcedTxQueued event of the Inbox: entry index of the forced queue,
 * and where it was on L1. tx (1..STORE_L1_FORCED_TX_BYTES_MAX bytes) hashes
 * to tx_hash; acc is the queue's accumulator after this entry. */
#define STORE_L1_FORCED_TX_BYTES_MAX   (128u << 10) /* Inbox.MAX_FORCED_TX_CAP */
#define STORE_L1_FORCED_PER_CHANGE_MAX 512u         /* L1_FOLLOW_LOGS_MAX */
typedef struct {
    uint64_t index;
    seq_addr sender;
    uint64_t l1_block, l1_timestamp; /* where and when it was queued */
    seq_hash tx_hash, acc;
    seq_hash l1_block_hash, l1_tx_hash;
    const uint8_t *tx;
    size_t tx_len;
} store_l1_forced;

typedef struct {
    /* First, if rewind: forget every batch and forced entry seen in a
     * block above rewind_to, and every origin numbered above it (an L1
     * reorg). */
    bool rewind;
    uint64_t rewind_to;
    /* Then add these, in index order, each the next index. */
    const store_l1_batch *batches;
    size_t batch_count;            /* <= STORE_L1_BATCHES_PER_CHANGE_MAX */
    const store_l1_forced *forced; /* forced queue entries, likewise */
    size_t forced_count;           /* <= STORE_L1_FORCED_PER_CHANGE_MAX */
    /* And move the cursor here. */
    uint64_t cursor_number;
    seq_hash cursor_hash;
} store_l1_change;

/* Applies c durably in one write transaction; a rewind forgets batches,
 * forced entries and origins alike. SEQ_ERR_INVALID_ARG (nothing written,
 * logged) for a batch or forced entry that is not the next index, sits in
 * a block above the new cursor, or breaks a record rule; LMDB errors. */
SEQ_MUST_USE seq_err store_l1_apply(store *s, const store_l1_change *c);
/* The cursor; SEQ_ERR_NOT_FOUND before the first store_l1_apply. */
SEQ_MUST_USE seq_err store_l1_get_cursor(const store *s, uint64_t *number, seq_hash *hash);
/* The batch with index; SEQ_ERR_NOT_FOUND if none. */
SEQ_MUST_USE seq_err store_l1_get_batch(const store *s, store_l1_batch *out, uint64_t index);
/* The committee batch holding L2 block height (first_height <= height <=
 * last_height; never a forceAdvance batch, which holds no block), read in
 * one read transaction. SEQ_ERR_NOT_FOUND if none: height 0 (genesis),
 * a height not posted yet, or one whose batch a rewind dropped.
 * SEQ_ERR_CORRUPT (logged) for an unreadable batch or a missing index
 * below the last; LMDB errors. *out is zeroed on failure.
 * Relies on what the Inbox enforces: committee batches hold contiguous,
 * ascending height ranges in index order, with forceAdvance batches
 * (0, 0) anywhere between them. A binary search over the indexes
 * [0, last]: a probe on a forceAdvance batch steps down to the nearest
 * committee batch, and every batch it steps over leaves the search
 * range, so it reads O(log n) batches plus at most one per forceAdvance
 * batch. */
SEQ_MUST_USE seq_err store_l1_batch_at_height(const store *s, store_l1_batch *out, uint64_t height);
/* The batch with the highest index; SEQ_ERR_NOT_FOUND if none. */
SEQ_MUST_USE seq_err store_l1_last_batch(const store *s, store_l1_batch *out);
/* Forced queue entry index, its tx copied into buf[0..buf_cap)
 * (STORE_L1_FORCED_TX_BYTES_MAX always suffices; SEQ_ERR_NO_SPACE if
 * not). SEQ_ERR_NOT_FOUND if none; *out zeroed on failure. */
SEQ_MUST_USE seq_err store_l1_get_forced(const store *s, store_l1_forced *out, uint8_t *buf,
                                         size_t buf_cap, uint64_t index);
/* How many forced queue entries are stored (the next index). */
SEQ_MUST_USE seq_err store_l1_forced_count(const store *s, uint64_t *count);

/* Lookups over the stored queue and batches as L1 stood at a block, each in
 * one read transaction. They rely on what the Inbox enforces: entries are
 * queued and batches accepted in index order, so their L1 blocks never
 * decrease with the index, nor do the batches' forced cursors; each is a
 * binary search over the indexes. SEQ_ERR_CORRUPT (logged) for an
 * unreadable record or a missing index below the last; LMDB errors. On
 * failure the outputs are zeroed. */
/* How many forced entries were queued in L1 blocks <= l1_block. */
SEQ_MUST_USE seq_err store_l1_forced_count_at(const store *s, uint64_t l1_block, uint64_t *count);
/* The forced cursor L1 had reached by block l1_block: the forced_cursor of
 * the last stored batch (committee or forceAdvance) seen in an L1 block <=
 * l1_block; 0 if there is none. */
SEQ_MUST_USE seq_err store_l1_consumed_at(const store *s, uint64_t l1_block, uint64_t *cursor);
/* The first stored batch whose forced_cursor > entry: the batch that
 * consumed forced entry `entry` on L1. SEQ_ERR_NOT_FOUND if none. */
SEQ_MUST_USE seq_err store_l1_batch_consuming(const store *s, store_l1_batch *out, uint64_t entry);

/* An L1 block the node's follower verified as canonical at confirmation
 * depth: a candidate L1 origin for L2 blocks. Kept by number in the `l1`
 * database, at most up to the cursor (a rewind drops those above it). */
typedef struct {
    uint64_t number;
    seq_hash hash;      /* never zero */
    uint64_t timestamp; /* seconds, as L1 reports it */
} store_l1_origin;

#define STORE_L1_ORIGINS_PER_PUT_MAX 256u

/* Stores origins[0..count) durably in one write transaction, replacing
 * stored ones with the same numbers, then deletes every stored origin
 * numbered below keep_from (afterwards none below it is stored, of these
 * neither). The list must hold 1..STORE_L1_ORIGINS_PER_PUT_MAX origins with
 * strictly ascending, contiguous numbers, none above the stored cursor.
 * SEQ_ERR_INVALID_ARG (nothing written, logged) for a list that breaks
 * those rules or a record rule, or when no cursor is stored; LMDB
 * errors. */
SEQ_MUST_USE seq_err store_l1_origins_put(store *s, const store_l1_origin *origins, size_t count,
                                          uint64_t keep_from);
/* The origin numbered number; SEQ_ERR_NOT_FOUND if none; *out zeroed on
 * failure. */
SEQ_MUST_USE seq_err store_l1_get_origin(const store *s, store_l1_origin *out, uint64_t number);
/* The highest stored origin; SEQ_ERR_NOT_FOUND if none; *out zeroed on
 * failure. */
SEQ_MUST_USE seq_err store_l1_last_origin(const store *s, store_l1_origin *out);

/* The node's own batch attestations, by batch index, in the `l1`
 * database: a validator signs BatchAttestation(k) once. store_attestation_put
 * is its persist-before-send point, like the safety state for votes. */

/* Stores a (first_height <= last_height) durably unless an attestation for
 * its index is stored already: SEQ_OK if it was stored now or the same one
 * was there; SEQ_ERR_EXISTS (nothing written, logged) if a different one
 * is: the caller must not send a. SEQ_ERR_INVALID_ARG, LMDB errors. */
SEQ_MUST_USE seq_err store_attestation_put(store *s, const wire_attestation *a);
/* The attestation stored for index; SEQ_ERR_NOT_FOUND if none. */
SEQ_MUST_USE seq_err store_attestation_get(const store *s, wire_attestation *out, uint64_t index);

/* --------------------------------------------------------- store records */

/* The record codec: pure functions from structs to bytes and back, with no
 * LMDB and no logging, so they can be fuzzed. libsodium must be initialised
 * (sodium_init; store_open does it).
 *
 * Encoders write one record into out[0..out_cap) (STORE_RECORD_BYTES_MAX
 * always suffices) and set *out_len. They refuse (SEQ_ERR_INVALID_ARG) a
 * value the decoder would refuse, so everything encoded decodes;
 * SEQ_ERR_NO_SPACE if out_cap is too small. On failure *out_len is 0.
 *
 * Decoders never trust a length: a wrong checksum, version, kind, length,
 * cap, order or trailing byte is SEQ_ERR_CORRUPT. Those with an arena copy
 * the variable parts into it (SEQ_ERR_NO_SPACE if it is too small) and
 * borrow nothing from in. On failure *out is zeroed. */
SEQ_MUST_USE seq_err store_meta_encode(uint8_t *out, size_t out_cap, size_t *out_len,
                                       const store_meta *meta);
SEQ_MUST_USE seq_err store_meta_decode(store_meta *out, const uint8_t *in, size_t in_len);

/* high_qc: at most CONS_VALIDATORS_MAX signatures, strictly ascending. */
SEQ_MUST_USE seq_err store_safety_encode(uint8_t *out, size_t out_cap, size_t *out_len,
                                         const cons_safety *safety);
SEQ_MUST_USE seq_err store_safety_decode(cons_safety *out, const uint8_t *in, size_t in_len);

/* The block's hash, header and txs (each 1..WIRE_TX_BYTES_MAX bytes, at
 * most WIRE_BLOCK_TXS_MAX of them, WIRE_BLOCK_TX_BYTES_MAX in all). */
SEQ_MUST_USE seq_err store_block_encode(uint8_t *out, size_t out_cap, size_t *out_len,
                                        const cons_block *block);
SEQ_MUST_USE seq_err store_block_decode(cons_block *out, seq_arena *arena, const uint8_t *in,
                                        size_t in_len);

/* At most WIRE_VALIDATORS_MAX signatures, strictly ascending by signer. */
SEQ_MUST_USE seq_err store_qc_encode(uint8_t *out, size_t out_cap, size_t *out_len,
                                     const wire_qc *qc);
SEQ_MUST_USE seq_err store_qc_decode(wire_qc *out, seq_arena *arena, const uint8_t *in,
                                     size_t in_len);

/* The heights record: the height again and the block hash. */
SEQ_MUST_USE seq_err store_height_encode(uint8_t *out, size_t out_cap, size_t *out_len,
                                         uint64_t height, const seq_hash *hash);
SEQ_MUST_USE seq_err store_height_decode(uint64_t *height, seq_hash *hash, const uint8_t *in,
                                         size_t in_len);

SEQ_MUST_USE seq_err store_tx_encode(uint8_t *out, size_t out_cap, size_t *out_len,
                                     const store_tx_location *location);
SEQ_MUST_USE seq_err store_tx_decode(store_tx_location *out, const uint8_t *in, size_t in_len);

/* Evidence: a known kind, two statements by one signer for one view (one
 * batch index for attestations) that differ; attestations have
 * first_height <= last_height. */
SEQ_MUST_USE seq_err store_evidence_encode(uint8_t *out, size_t out_cap, size_t *out_len,
                                           const wire_evidence *evidence);
SEQ_MUST_USE seq_err store_evidence_decode(wire_evidence *out, const uint8_t *in, size_t in_len);

/* The evidence database key of a valid evidence: kind (1) || signer (20) ||
 * view or batch index (8, big-endian). */
void store_evidence_key(uint8_t out[STORE_EVIDENCE_KEY_BYTES], const wire_evidence *evidence);

/* The L1 cursor (number, hash) and a batch (index < UINT64_MAX, first <=
 * last). */
SEQ_MUST_USE seq_err store_l1_cursor_encode(uint8_t *out, size_t out_cap, size_t *out_len,
                                            uint64_t number, const seq_hash *hash);
SEQ_MUST_USE seq_err store_l1_cursor_decode(uint64_t *number, seq_hash *hash, const uint8_t *in,
                                            size_t in_len);
SEQ_MUST_USE seq_err store_l1_batch_encode(uint8_t *out, size_t out_cap, size_t *out_len,
                                           const store_l1_batch *batch);
SEQ_MUST_USE seq_err store_l1_batch_decode(store_l1_batch *out, const uint8_t *in, size_t in_len);

/* A forced queue entry: tx of 1..STORE_L1_FORCED_TX_BYTES_MAX bytes whose
 * keccak256 is tx_hash (checked both ways). The decoder's tx points into
 * in. */
SEQ_MUST_USE seq_err store_l1_forced_encode(uint8_t *out, size_t out_cap, size_t *out_len,
                                            const store_l1_forced *f);
SEQ_MUST_USE seq_err store_l1_forced_decode(store_l1_forced *out, const uint8_t *in, size_t in_len);

/* An L1 origin (hash not zero), kind STORE_KIND_L1_ORIGIN. */
#define STORE_KIND_L1_ORIGIN 'O'
SEQ_MUST_USE seq_err store_l1_origin_encode(uint8_t *out, size_t out_cap, size_t *out_len,
                                            const store_l1_origin *origin);
SEQ_MUST_USE seq_err store_l1_origin_decode(store_l1_origin *out, const uint8_t *in, size_t in_len);

/* An own attestation (first_height <= last_height). */
SEQ_MUST_USE seq_err store_attestation_encode(uint8_t *out, size_t out_cap, size_t *out_len,
                                              const wire_attestation *a);
SEQ_MUST_USE seq_err store_attestation_decode(wire_attestation *out, const uint8_t *in,
                                              size_t in_len);

/* ---------------------------------------------------------------- txpool */

/* The node's transaction pool: a mempool (mempool.h) behind a mutex, so
 * that API threads admit transactions while the event loop gossips them and
 * fills blocks, plus what ties it to consensus:
 *  - a tx the store's tx index holds is committed and refused as already
 *    known, wherever it comes from;
 *  - txs carried by blocks the core accepted but has not committed are
 *    marked in flight (never proposed twice), also when the tx itself
 *    arrives after its block; the marks of a block that can no longer
 *    commit (another block was committed at its height) are released;
 *  - no tx twice on a chain: a payload, and a block this validator votes
 *    for, holds no tx twice, none the store has committed, and none an
 *    uncommitted ancestor on its branch carries (node_txpool_check_block);
 *  - gossip batches carry the sender the ingress node recovered, so a
 *    signed tx costs one public-key recovery in the whole committee.
 * Thread-safety: node_txpool_submit, node_txpool_contains and
 * node_txpool_get_stats from any thread; everything else from the event
 * loop only. */
typedef struct node_txpool node_txpool;

/* Uncommitted blocks whose txs are tracked; beyond it the lowest is
 * forgotten (and its marks released). */
#define NODE_TXPOOL_TRACKED_BLOCKS_MAX 256u
/* The deepest uncommitted ancestry a block's txs are checked against: no
 * more uncommitted blocks fit the core's block tree. Deeper counts as not
 * known in full. */
#define NODE_TXPOOL_ANCESTRY_MAX CONS_BLOCKS_MAX

/* Called (from the submitting thread) after a client tx was admitted, so
 * the event loop can propose without waiting for its timer. */
typedef void (*node_txpool_wake_fn)(void *ctx);

/* Creates a pool for config over the store s (read only, for the tx
 * index; it must outlive the pool). wake may be NULL. Errors: those of
 * mempool_new, SEQ_ERR_NO_MEMORY. */
SEQ_MUST_USE seq_err node_txpool_new(node_txpool **out, const mempool_config *config,
                                     const store *s, node_txpool_wake_fn wake, void *wake_ctx);
/* NULL is fine. */
void node_txpool_free(node_txpool *p);

/* Where the pool gets the tx hashes of the blocks the core accepts and
 * commits (node_tx_hashes_fn; the runtime passes node_cons_crypto_tx_hashes,
 * whose tx_root op already hashed them) before hashing them itself. fn is
 * called from the event loop only. Set it before the loop runs. */
void node_txpool_set_tx_hashes(node_txpool *p, node_tx_hashes_fn fn, void *ctx);

/* Admits a client's tx: decodes it and recovers its sender in the caller's
 * thread (outside the lock), refuses it as MEMPOOL_REJECT_ALREADY_KNOWN if
 * it is committed, then mempool_add_decoded. out may be NULL; out->info
 * holds the hash once decoding succeeded. */
SEQ_MUST_USE mempool_reject node_txpool_submit(node_txpool *p, mempool_add_result *out,
                                               const uint8_t *raw, size_t raw_len, uint64_t now_ms);

/* Admits the txs of a peer's gossip batch, taking the senders it names
 * (recovering those it does not). Returns how many were admitted; the
 * others are counted in the pool's stats. */
size_t node_txpool_receive(node_txpool *p, const wire_tx_batch *batch, uint64_t now_ms);

/* When a gossip batch is due (mempool_gossip_deadline); UINT64_MAX if none
 * waits. */
uint64_t node_txpool_gossip_deadline(node_txpool *p);

/* If a batch is due at now_ms, fills *out with it (txs and senders copied
 * into p, valid until the next call) and returns true. */
bool node_txpool_gossip(node_txpool *p, wire_tx_batch *out, uint64_t now_ms);

/* True iff a block extending a parent at parent_height would move a tx
 * forward: a pending tx is not in flight nor in a settling lane
 * (mempool_config.settle_ms) and the pool changed since this node's last
 * payload took none while no lane was settling (the block would carry
 * it), an
 * uncommitted block carries txs (the blocks above it commit it), or the
 * parent's parent was committed here with txs (the block carries the QC
 * that lets the other replicas commit it too). Idle committees pace empty
 * blocks; this says when not to. */
bool node_txpool_wants_block(node_txpool *p, uint64_t parent_height);

/* When a lane settling now becomes selectable (mempool_settling, on the
 * monotonic clock); UINT64_MAX if none is settling. */
uint64_t node_txpool_settle_deadline(node_txpool *p);

/* Selects a payload within caps for a block extending parent_hash at
 * parent_height, copies it into p and points *txs at it (valid until the
 * next node_txpool_payload). Returns the tx count. It opens with
 * forced[0..forced_count), the block's forced txs (node_forced_plan_block:
 * judged by the rule below already, and fitting the caps), then pool txs
 * (mempool_select); in test mode the pool txs of censored senders
 * (node_txpool_set_censor) are left out and released.
 * First the parent's uncommitted ancestry is walked down to the store's
 * committed tip, and ancestors only the store holds (stored before a
 * restart) are tracked; if it is not known in full (an ancestor not synced
 * yet), the payload is empty. Then the in-flight marks are made to match
 * that branch: txs of tracked blocks on it stay out; txs of tracked
 * blocks on other branches (a block whose view failed, e.g. because the
 * next leader is down) are released and may be picked, since at most one
 * branch commits. Last, the picks go through the rule of
 * node_txpool_check_block: a committed one leaves the pool, one an
 * ancestor carries is released, neither is proposed. The picks stay in
 * flight until node_txpool_payload_dropped, a commit, or the next payload
 * on another branch; each payload must be proposed (its block then reaches
 * node_txpool_blocks_seen) or dropped before the next one. */
size_t node_txpool_payload(node_txpool *p, const seq_bytes **txs, const mempool_caps *caps,
                           const seq_hash *parent_hash, uint64_t parent_height,
                           const seq_bytes *forced, size_t forced_count);

/* The hashes of the last payload's txs, in its order (valid as the
 * payload's txs are). */
const seq_hash *node_txpool_payload_hashes(const node_txpool *p);

/* The last payload did not become a block (the core moved on): releases
 * its in-flight marks. */
void node_txpool_payload_dropped(node_txpool *p);

/* Blocks the core accepted (cons_update.blocks): tracks them and marks
 * their txs in flight. A block already tracked is ignored. */
void node_txpool_blocks_seen(node_txpool *p, const cons_block *blocks, size_t count);

/* The validity rule that keeps a tx from being ordered twice, for a
 * proposal this validator may vote for (never trust the proposer): block
 * (its txs checked against its tx root, as the core does before asking
 * cons_hooks.validate) must not hold the same tx twice, nor a tx the store
 * has committed (store_get_tx), nor a tx of an uncommitted ancestor on its
 * branch, from its parent down to the committed tip (tracked blocks' tx
 * hashes; else one of vouched[0..vouched_count); else the stored block,
 * which is then tracked). vouched (NULL if vouched_count is 0) are blocks
 * neither stored nor tracked yet whose hash and tx root the caller checked:
 * those a sync response brings, since the core judges a proposal that
 * waited for its parent in the very step that inserts them. A tx in a
 * block on another branch (abandoned after a failed view) is fine. Tx hashes come
 * from the hashes source (node_txpool_set_tx_hashes) when it knows them.
 * Returns SEQ_OK; SEQ_ERR_EXISTS with *tx_out the first offending tx and
 * *why_out "repeated_in_block", "committed" or "in_ancestor" (static
 * strings); SEQ_ERR_NOT_FOUND if the block has txs and its ancestry is not
 * known in full (an ancestor in none of the above, or deeper than
 * NODE_TXPOOL_ANCESTRY_MAX): refuse it, the tx it repeats may be there;
 * SEQ_ERR_INVALID_ARG for txs at height 0; store errors. *tx_out is zero
 * and *why_out NULL unless SEQ_ERR_EXISTS. Event loop only. */
SEQ_MUST_USE seq_err node_txpool_check_block(node_txpool *p, seq_hash *tx_out, const char **why_out,
                                             const cons_block *block, const cons_block *vouched,
                                             size_t vouched_count);

/* What the no-tx-twice rule says of one tx of a block. */
typedef enum {
    NODE_TX_FRESH = 0,
    NODE_TX_REPEATED,    /* an earlier tx of the same block is the same */
    NODE_TX_COMMITTED,   /* the store has it committed */
    NODE_TX_IN_ANCESTOR, /* an uncommitted ancestor on the branch carries it */
} node_tx_verdict;

/* The rule of node_txpool_check_block for hashes[0..count) (<=
 * WIRE_BLOCK_TXS_MAX) as the leading txs of a block extending parent_hash
 * at parent_height: verdicts[i] (a node_tx_verdict) for each. vouched as
 * there. SEQ_OK whatever the verdicts; SEQ_ERR_NOT_FOUND if the ancestry
 * is not known in full (count > 0); store errors. Event loop only. */
SEQ_MUST_USE seq_err node_txpool_judge(node_txpool *p, uint8_t *verdicts, const seq_hash *hashes,
                                       size_t count, const cons_block *vouched,
                                       size_t vouched_count, const seq_hash *parent_hash,
                                       uint64_t parent_height);

/* The hashes of b's txs into out[0..b->tx_count) (from the hashes source
 * when it knows them). */
void node_txpool_block_hashes(const node_txpool *p, seq_hash *out, const wire_block *b);

/* Test mode (node/README.md "Test modes"): this node's payloads leave out
 * the pool txs of senders[0..count) (count <= NODE_CONFIG_CENSOR_MAX), as
 * a censoring leader would. count 0 ends it. Before the loop runs. */
void node_txpool_set_censor(node_txpool *p, const seq_addr *senders, size_t count);
/* How many senders are censored (0: not in test mode). */
size_t node_txpool_censor_count(const node_txpool *p);
/* True iff sender is censored (never for the zero address unless set). */
bool node_txpool_censors(const node_txpool *p, const seq_addr *sender);

/* block (with its txs, as the store returns it) was committed: its txs
 * leave the pool (mempool_committed), and every tracked block at or below
 * its height is forgotten, releasing the marks no other tracked block
 * holds. Commits come in ascending height order. */
void node_txpool_committed(node_txpool *p, const cons_block *block);

/* As node_txpool_committed for the block with this hash at this height,
 * from the tx hashes the pool tracks it with (node_txpool_blocks_seen), so
 * that the caller need not read the block back: true, with its tx count in
 * *tx_count. False, and nothing done, if the pool does not track it. */
bool node_txpool_committed_tracked(node_txpool *p, size_t *tx_count, const seq_hash *hash,
                                   uint64_t height);

/* A block committed whose txs could not be read (a corrupt record): the
 * pool may hold some of them, so from now on the no-tx-twice rule looks
 * every tx up in the store, not only those the pool does not hold (see
 * judge_txs in txpool.c). Logged once. Event loop only. */
void node_txpool_commit_unread(node_txpool *p, uint64_t height);

/* True iff the tx with this hash is pending. */
bool node_txpool_contains(node_txpool *p, const seq_hash *hash);

typedef struct {
    mempool_stats pool;
    size_t tracked_blocks; /* uncommitted blocks tracked */
    size_t tracked_txs;    /* distinct tx hashes in them */
    uint64_t received;     /* txs received by gossip */
    uint64_t gossiped;     /* txs sent by gossip */
} node_txpool_stats;

void node_txpool_get_stats(node_txpool *p, node_txpool_stats *out);

/* ----------------------------------------------------- config diagnostics */

/* One line telling an operator what is wrong and where, naming the file and
 * the field: "genesis.json: committee[2].weight: 0 is outside 1..4096".
 * Every key, genesis and config function that takes a node_diag fills it on
 * failure and empties it on success; NULL is accepted when only the code is
 * wanted. Diagnostics never contain key material or passphrases. */
#define NODE_DIAG_BYTES 640u

typedef struct {
    char text[NODE_DIAG_BYTES];
} node_diag;

/* ------------------------------------------------------------------ keys */

/* A key directory holds two files, each one small JSON object (node/README.md
 * "Keys" has the format): the validator key (a secp256k1 secret; its
 * Ethereum address is the validator id) and the transport key (an Ed25519
 * seed; its public key authenticates the node to its peers). Each is sealed
 * with a passphrase (Argon2id13 + XSalsa20-Poly1305 secretbox) or, for
 * devnets only, stored in plaintext. Files are created with mode 0600 and
 * O_EXCL (never overwritten), the directory with 0700; a file whose mode
 * grants anything to group or others is refused on load. */

#define NODE_KEY_FILE_VALIDATOR       "validator.key"
#define NODE_KEY_FILE_TRANSPORT       "transport.key"
#define NODE_KEY_FORMAT_VERSION       1u
#define NODE_KEY_KIND_VALIDATOR       "seqd-validator-key"
#define NODE_KEY_KIND_TRANSPORT       "seqd-transport-key"
#define NODE_KEY_KDF_ALG              "argon2id13"
#define NODE_KEY_FILE_BYTES_MAX       4096u /* a key file is about 450 bytes */
#define NODE_KEY_SECRET_BYTES         32u   /* a secp256k1 secret; an Ed25519 seed */
#define NODE_KEY_ED25519_SECRET_BYTES 64u   /* libsodium's seed || public key form */
/* A passphrase is 1..NODE_KEY_PASSPHRASE_BYTES_MAX bytes, taken as is. */
#define NODE_KEY_PASSPHRASE_BYTES_MAX 1024u

/* Argon2id cost of a new key. MODERATE (libsodium's, 256 MiB, about a
 * second) is the default; INTERACTIVE (64 MiB) is for tests and devnets.
 * Loading accepts any cost from INTERACTIVE up to libsodium's SENSITIVE
 * limits, so a hostile file cannot make seqd allocate more than 1 GiB. */
typedef enum {
    NODE_KEY_KDF_MODERATE = 0,
    NODE_KEY_KDF_INTERACTIVE,
} node_key_kdf;

/* The public halves, as they appear in genesis. */
typedef struct {
    seq_addr validator_address;
    uint8_t transport_public_key[WIRE_ED25519_KEY_BYTES];
} node_key_public;

/* The secrets, always in sodium_malloc'd memory (guard pages, locked,
 * read-only once loaded). */
typedef struct {
    uint8_t validator[NODE_KEY_SECRET_BYTES];         /* secp256k1, in [1, n-1] */
    uint8_t transport_seed[NODE_KEY_SECRET_BYTES];    /* Ed25519 seed */
    uint8_t transport[NODE_KEY_ED25519_SECRET_BYTES]; /* crypto_sign secret key */
} node_key_secrets;

typedef struct {
    node_key_public pub;
    node_key_secrets *secrets; /* owned; released and wiped by node_key_free */
    bool insecure;             /* loaded from a plaintext key file */
} node_keys;

/* A passphrase in sodium_malloc'd memory (len bytes, not NUL-terminated). */
typedef struct {
    uint8_t *bytes;
    size_t len;
} node_key_passphrase;

/* Reads a passphrase from file (its whole content minus one trailing "\n"
 * or "\r\n"; mode must be 0600 or stricter) or, if file is NULL, from the
 * environment variable env_name (exactly one of them non-NULL). On success
 * *out owns sodium_malloc'd memory: release it with
 * node_key_passphrase_free. Errors: SEQ_ERR_NOT_FOUND (no such file or
 * variable), SEQ_ERR_UNSUPPORTED (file mode too open), SEQ_ERR_INVALID_ARG
 * (empty), SEQ_ERR_TOO_LARGE (above NODE_KEY_PASSPHRASE_BYTES_MAX),
 * SEQ_ERR_IO, SEQ_ERR_NO_MEMORY. On failure *out is zeroed. */
SEQ_MUST_USE seq_err node_key_passphrase_read(node_key_passphrase *out, node_diag *why,
                                              const char *file, const char *env_name);

/* Wipes and frees p's memory and zeroes *p; a zeroed *p is fine. */
void node_key_passphrase_free(node_key_passphrase *p);

/* Writes the key directory dir from the given secrets: creates dir (mode
 * 0700) if missing, then validator.key and transport.key (mode 0600,
 * O_EXCL). passphrase NULL writes plaintext (insecure) files; otherwise each
 * file is sealed with its own salt and nonce at cost kdf. Nothing is
 * overwritten: SEQ_ERR_EXISTS if either file exists, and a failure after
 * the first file removes it again. *out receives the public halves.
 * Errors: SEQ_ERR_BAD_KEY (validator secret not in [1, n-1]),
 * SEQ_ERR_EXISTS, SEQ_ERR_IO, SEQ_ERR_NO_MEMORY, SEQ_ERR_INTERNAL. The
 * secrets are only read; every copy made is wiped. On failure *out is
 * zeroed. */
SEQ_MUST_USE seq_err node_key_write(node_key_public *out, node_diag *why, const char *dir,
                                    const uint8_t validator[NODE_KEY_SECRET_BYTES],
                                    const uint8_t transport_seed[NODE_KEY_SECRET_BYTES],
                                    const node_key_passphrase *passphrase, node_key_kdf kdf);

/* node_key_write with fresh secrets from randombytes_buf (the validator
 * secret redrawn until it is in [1, n-1]). Same errors. */
SEQ_MUST_USE seq_err node_key_generate(node_key_public *out, node_diag *why, const char *dir,
                                       const node_key_passphrase *passphrase, node_key_kdf kdf);

/* Loads both keys of dir into *out (node_key_free releases them). A sealed
 * file needs passphrase; a plaintext file is refused unless allow_insecure.
 * Each file's "public" must match its secret. Errors:
 *   SEQ_ERR_NOT_FOUND    a file is missing
 *   SEQ_ERR_UNSUPPORTED  mode wider than 0600; plaintext without
 *                        allow_insecure
 *   SEQ_ERR_INVALID_ARG  a sealed file and no passphrase
 *   SEQ_ERR_BAD_KEY      wrong passphrase or corrupt key file (the
 *                        ciphertext does not open); the public field does
 *                        not match the secret; a secret out of range
 *   SEQ_ERR_MALFORMED    not JSON, a missing, unknown or ill-typed field,
 *                        wrong kind, KDF cost outside the accepted range
 *   SEQ_ERR_BAD_VERSION  version is not NODE_KEY_FORMAT_VERSION
 *   SEQ_ERR_TOO_LARGE, SEQ_ERR_IO, SEQ_ERR_NO_MEMORY, SEQ_ERR_INTERNAL
 * Every intermediate copy of a secret is wiped, on every path. On failure
 * *out is zeroed (secrets NULL). */
SEQ_MUST_USE seq_err node_key_load(node_keys *out, node_diag *why, const char *dir,
                                   const node_key_passphrase *passphrase, bool allow_insecure);

/* Reads only the public halves of dir's two files (no passphrase, no
 * decryption, no mode check): what `seqctl genesis` needs. Same format
 * errors as node_key_load. On failure *out is zeroed. */
SEQ_MUST_USE seq_err node_key_read_public(node_key_public *out, node_diag *why, const char *dir);

/* Wipes and frees keys->secrets and zeroes *keys; a zeroed *keys is fine. */
void node_key_free(node_keys *keys);

/* --------------------------------------------------------------- genesis */

/* The genesis file fixes what every validator of one chain must agree on:
 * chain ids, the ordered committee (address, weight, transport key,
 * endpoint), consensus, mempool, batch and L1 parameters. node/README.md
 * "Genesis" has the JSON format and the hash encoding. */

#define NODE_GENESIS_FORMAT_VERSION 1u
#define NODE_GENESIS_FILE_BYTES_MAX (1u << 20)
/* Chain ids and the timestamp stay within 2^53 - 1 so that every JSON tool
 * (JavaScript numbers included) reads them exactly. */
#define NODE_GENESIS_INTEGER_MAX ((UINT64_C(1) << 53) - 1u)
/* "tcp://HOST:PORT"; the buffer holds the NUL too. */
#define NODE_GENESIS_ENDPOINT_BYTES_MAX 128u
/* Range of the three timers (timeout_ms_base, timeout_ms_max,
 * fetch_retry_ms). */
#define NODE_GENESIS_TIMER_MS_MIN     10u
#define NODE_GENESIS_TIMER_MS_MAX     600000u
#define NODE_GENESIS_BATCH_BLOCKS_MAX 65536u
/* The Inbox contract refuses batch data above 128 KiB (MAX_BATCH_BYTES).
 * Boundaries are measured on the uncompressed payload, and zstd may expand
 * incompressible input by 1/256: 127 KiB of payload always fits (genesis.c
 * checks the bound at compile time). */
#define NODE_GENESIS_BATCH_BYTES_MAX      (127u << 10)
#define NODE_GENESIS_CONFIRMATIONS_MAX    1024u
#define NODE_GENESIS_INCLUSION_WINDOW_MAX 1000000u /* L1 blocks, about 139 days */

/* What `seqctl genesis` writes unless told otherwise. */
#define NODE_GENESIS_TIMEOUT_MS_BASE_DEFAULT   1000u
#define NODE_GENESIS_TIMEOUT_MS_MAX_DEFAULT    30000u
#define NODE_GENESIS_FETCH_RETRY_MS_DEFAULT    500u
#define NODE_GENESIS_BLOCK_TX_BYTES_DEFAULT    (100u << 10)
#define NODE_GENESIS_BLOCK_TXS_DEFAULT         4096u
#define NODE_GENESIS_BATCH_BLOCKS_DEFAULT      1024u
#define NODE_GENESIS_BATCH_BYTES_DEFAULT       (120u << 10)
#define NODE_GENESIS_BATCH_SPAN_MS_DEFAULT     2000u
#define NODE_GENESIS_POSTER_TIMEOUT_MS_DEFAULT 10000u
#define NODE_GENESIS_CONFIRMATIONS_DEFAULT     1u
#define NODE_GENESIS_INCLUSION_WINDOW_DEFAULT  32u

/* The first bytes of the genesis hash preimage. */
#define NODE_GENESIS_HASH_TAG "seqd-genesis"

typedef struct {
    seq_addr address;
    uint32_t weight; /* 1..CONS_WEIGHT_TOTAL_MAX */
    uint8_t transport_public_key[WIRE_ED25519_KEY_BYTES];
    char endpoint[NODE_GENESIS_ENDPOINT_BYTES_MAX]; /* "tcp://HOST:PORT" */
} node_genesis_validator;

typedef struct {
    uint64_t l2_chain_id;  /* 1..NODE_GENESIS_INTEGER_MAX */
    uint64_t l1_chain_id;  /* 1..NODE_GENESIS_INTEGER_MAX */
    uint64_t timestamp_ms; /* of the genesis block, Unix epoch */
    uint32_t validator_count;
    node_genesis_validator validators[CONS_VALIDATORS_MAX]; /* genesis order */
    struct {
        uint32_t timeout_ms_base;
        uint32_t timeout_ms_max;
        uint32_t fetch_retry_ms;
        uint32_t blocks_max;
        uint32_t block_tx_bytes_max;
        uint32_t block_txs_max;
    } consensus;
    struct {
        mempool_policy ordering;
    } mempool;
    struct {
        /* Boundaries (l1_batch_cut): a batch closes at max_blocks blocks,
         * at max_bytes payload bytes, or once its blocks' timestamps span
         * max_span_ms, whichever comes first. */
        uint32_t max_blocks;
        uint32_t max_bytes;
        uint32_t max_span_ms;
        /* Posting: validator (index + attempt) mod n posts batch index;
         * the attempt moves on every poster_timeout_ms that the batch is
         * not on L1 (node/README.md "Batches"). */
        uint32_t poster_timeout_ms;
    } batch;
    struct {
        bool has_committee_address; /* JSON null when false */
        seq_addr committee_address;
        bool has_inbox_address;
        seq_addr inbox_address;
        uint32_t confirmations;
        uint64_t inclusion_window_blocks;
    } l1;
} node_genesis;

/* Fills *out with no validators, chain ids 0 (not yet valid) and every
 * parameter at its default. */
void node_genesis_defaults(node_genesis *out);

/* The most payload bytes one block can take in a batch
 * (l1_batch_block_bytes of a block at both consensus caps). Validation
 * requires batch.max_bytes to hold it when the genesis names the L1
 * Committee (whose chain posts batches), so every block can be posted. */
uint64_t node_genesis_block_payload_bytes_max(const node_genesis *g);

/* The largest batch.max_bytes (a multiple of 64) whose postBatch
 * transaction fits L1's transaction size limit (L1_TX_DATA_BYTES_MAX of
 * calldata) with zstd's worst-case expansion and a signature from each of
 * g's validators. Validation requires batch.max_bytes to stay within it. */
uint32_t node_genesis_batch_bytes_limit(const node_genesis *g);

/* The due delay of the forced queue, in L1 blocks: an entry queued in
 * block q is due at L1 origin q + this, a quarter of the Inbox's inclusion
 * window (rounded down, at least 1). The rest is the margin for a batch
 * holding that block to reach L1 before the Inbox would refuse it
 * (node/README.md "Forced inclusion"). */
uint64_t node_genesis_forced_due_blocks(const node_genesis *g);

/* Checks every rule node_genesis_load applies to the values: ranges
 * (against the WIRE_ and CONS_ limits and the NODE_GENESIS_ ones above),
 * timeout_ms_base <= timeout_ms_max, endpoints, Ed25519 keys that are valid
 * points, no repeated address, transport key or endpoint, and a committee
 * cons_committee_init accepts. SEQ_ERR_INVALID_ARG with the JSON name of the
 * first bad field in *why. */
SEQ_MUST_USE seq_err node_genesis_validate(node_diag *why, const node_genesis *g);

/* Parses text[0..text_len) strictly into *out: every field is required,
 * unknown or repeated fields are refused, integers must be JSON integers in
 * range, addresses "0x" + 40 hex digits (mixed case must be the EIP-55
 * checksum), then node_genesis_validate. name labels the messages. Errors:
 * SEQ_ERR_MALFORMED (not JSON, a missing, unknown or ill-typed field),
 * SEQ_ERR_BAD_VERSION, SEQ_ERR_INVALID_ARG (a value out of range, a bad
 * committee), SEQ_ERR_TOO_LARGE. On failure *out is zeroed. */
SEQ_MUST_USE seq_err node_genesis_parse(node_genesis *out, node_diag *why, const char *name,
                                        const char *text, size_t text_len);

/* node_genesis_parse of the file at path (at most
 * NODE_GENESIS_FILE_BYTES_MAX bytes); SEQ_ERR_NOT_FOUND or SEQ_ERR_IO for a
 * file it cannot read. */
SEQ_MUST_USE seq_err node_genesis_load(node_genesis *out, node_diag *why, const char *path);

/* Writes g (validated first) as indented JSON to a new file at path (mode
 * 0644, O_EXCL: SEQ_ERR_EXISTS if it exists) and fsyncs it. Addresses are
 * written in EIP-55 form, keys as 0x-prefixed lowercase hex. */
SEQ_MUST_USE seq_err node_genesis_write(node_diag *why, const char *path, const node_genesis *g);

/* keccak256 of the canonical binary encoding of g (node/README.md): fixed-
 * width big-endian fields in a fixed order, independent of the JSON text.
 * Endpoints are not part of it, so a validator can move to another host
 * without changing the chain's identity. g must be valid. */
void node_genesis_hash(seq_hash *out, const node_genesis *g);

/* The genesis block: height 0, view 0, g's L2 chain id and timestamp, every
 * other field zero. */
void node_genesis_block_header(seq_block_header *out, const node_genesis *g);

/* The committee in genesis order. SEQ_ERR_INVALID_ARG as
 * cons_committee_init; *out zeroed on failure. */
SEQ_MUST_USE seq_err node_genesis_committee(cons_committee *out, const node_genesis *g);

/* The EIP-712 domain separator of g's deployment: L1_EIP712_NAME,
 * L1_EIP712_VERSION, l1_chain_id and the Committee contract (the zero
 * address while l1.committee_address is null, i.e. before the contracts
 * are deployed). */
void node_genesis_domain_separator(seq_hash *out, const node_genesis *g);

/* Fills every field of *out except ops and hooks for the replica self (a
 * member of g). SEQ_ERR_INVALID_ARG if self is not in the committee or the
 * committee is bad; *out zeroed on failure. */
SEQ_MUST_USE seq_err node_genesis_cons_config(cons_config *out, const node_genesis *g,
                                              const seq_addr *self);

/* Finds addr in g; on success *index is its position. */
bool node_genesis_find(const node_genesis *g, size_t *index, const seq_addr *addr);

/* True iff endpoint is "tcp://HOST:PORT" with HOST a DNS name, a dotted
 * IPv4 address or a bracketed IPv6 address, PORT 1..65535 without leading
 * zeros, and the whole shorter than NODE_GENESIS_ENDPOINT_BYTES_MAX. */
bool node_genesis_endpoint_valid(const char *endpoint);

/* ------------------------------------------------------ L1 deployment */

/* The deployment record `seqctl l1 deploy` writes next to the genesis file
 * (l1/README.md, "Deployment record") and a node with an L1 reads. */
#define NODE_L1_RECORD_FILE      "l1-deployment.json"
#define NODE_L1_RECORD_VERSION   1u
#define NODE_L1_RECORD_BYTES_MAX (16u << 10)

typedef struct {
    uint64_t l1_chain_id, l2_chain_id;
    seq_hash genesis_hash;
    seq_addr committee, inbox;
    bool has_deployer; /* false when an existing deployment was adopted */
    seq_addr deployer;
    uint64_t block_number; /* the Committee's deployment block (epoch 0 starts here) */
    seq_hash block_hash;
    uint64_t epoch_blocks, evidence_window_blocks, unbonding_delay_blocks, min_bond_wei;
    uint64_t inclusion_window_blocks, force_grace_blocks, force_fee_wei, forced_tx_bytes_max;
} node_l1_record;

/* Strict reader (SEQ_ERR_NOT_FOUND, SEQ_ERR_MALFORMED, SEQ_ERR_BAD_VERSION,
 * SEQ_ERR_INVALID_ARG, SEQ_ERR_IO, ...; *out zeroed on failure) and writer
 * (a new file only: SEQ_ERR_EXISTS; written to a temporary file, fsynced
 * and linked into place, so a reader never sees half a record). */
SEQ_MUST_USE seq_err node_l1_record_load(node_l1_record *out, node_diag *why, const char *path);
/* SEQ_OK iff r records a deployment of genesis g (whose hash is
 * genesis_hash): the same genesis hash, both chain ids, and the Committee
 * and Inbox addresses g names, if it names them. SEQ_ERR_INVALID_ARG with
 * *why (which names path). */
SEQ_MUST_USE seq_err node_l1_record_matches(node_diag *why, const char *path,
                                            const node_l1_record *r, const node_genesis *g,
                                            const seq_hash *genesis_hash);
SEQ_MUST_USE seq_err node_l1_record_write(node_diag *why, const char *path,
                                          const node_l1_record *r);
/* DIR/l1-deployment.json for a genesis file DIR/NAME ("./" if no DIR). */
void node_l1_record_default_path(char *out, size_t out_len, const char *genesis_path);

/* ---------------------------------------------------------------- config */

/* seqd's configuration: a JSON file (node/README.md "Config") and flags that
 * override it. Relative paths in the file are relative to the file's
 * directory; those given as flags, to the working directory. */

#define NODE_CONFIG_FORMAT_VERSION     1u
#define NODE_CONFIG_FILE_BYTES_MAX     (64u << 10)
#define NODE_CONFIG_PATH_BYTES_MAX     1024u /* including the NUL */
#define NODE_CONFIG_URL_BYTES_MAX      256u  /* including the NUL */
#define NODE_CONFIG_ENV_BYTES_MAX      128u  /* an environment variable name */
#define NODE_CONFIG_L1_POLL_MS_DEFAULT 1000u
#define NODE_CONFIG_L1_POLL_MS_MIN     50u
#define NODE_CONFIG_L1_POLL_MS_MAX     60000u
#define NODE_CONFIG_CENSOR_MAX         8u /* test.censor_senders */
/* test.fault_seed: at most 2^53 - 1, exact in every JSON tool. */
#define NODE_CONFIG_FAULT_SEED_MAX ((UINT64_C(1) << 53) - 1u)

typedef struct {
    char data_dir[NODE_CONFIG_PATH_BYTES_MAX];        /* required */
    char genesis[NODE_CONFIG_PATH_BYTES_MAX];         /* required */
    char key_dir[NODE_CONFIG_PATH_BYTES_MAX];         /* required */
    char passphrase_file[NODE_CONFIG_PATH_BYTES_MAX]; /* "" if none */
    char passphrase_env[NODE_CONFIG_ENV_BYTES_MAX];   /* "" if none */
    bool insecure_key;
    char listen[NODE_GENESIS_ENDPOINT_BYTES_MAX];   /* "": the own genesis endpoint */
    char rpc_listen[NODE_CONFIG_URL_BYTES_MAX];     /* "http://HOST:PORT"; "": no API */
    char l1_rpc[NODE_CONFIG_URL_BYTES_MAX];         /* "": no L1 */
    char l1_deployment[NODE_CONFIG_PATH_BYTES_MAX]; /* "": next to the genesis file */
    uint32_t l1_poll_ms;                            /* NODE_CONFIG_L1_POLL_MS_* */
    /* The pool's caps (mempool_config); 0: the mempool defaults. */
    uint32_t mempool_txs_max;        /* [1, MEMPOOL_POOL_TXS_MAX] */
    uint32_t mempool_bytes_max;      /* [MEMPOOL_TX_BYTES_MAX, MEMPOOL_POOL_BYTES_MAX] */
    uint32_t mempool_sender_txs_max; /* [1, MEMPOOL_SENDER_TXS_MAX] */
    /* mempool_config.settle_ms: [0, MEMPOOL_SETTLE_MS_MAX], default
     * NODE_CONFIG_SETTLE_MS_DEFAULT; 0 holds nothing. */
    uint32_t mempool_settle_ms;
    seq_log_level log_level;
    seq_log_format log_format;
    /* Test modes ("test" in the file; builds with SEQ_TEST_MODES only):
     * as leader, leave out the txs of these senders (forced ones until
     * they are due). */
    size_t censor_count;
    seq_addr censor[NODE_CONFIG_CENSOR_MAX];
    /* ... and double-vote: with every vote, sign a second one for the
     * same view and another block and send it to the other peers. */
    bool equivocate_votes;
    /* ... and the transport's fault layer ("faults": true): the net is
     * created with faults_enabled, its links start perfect and the API's
     * seq_testSetFault changes them at runtime. Its generator is seeded
     * with fault_seed when has_fault_seed ("fault_seed": N), else with the
     * node's committee index, so each node draws its own sequence, the
     * same in every run. */
    bool test_faults;
    bool has_fault_seed;
    uint64_t fault_seed; /* <= NODE_CONFIG_FAULT_SEED_MAX */
} node_config;

/* The flags of seqd that override the file; NULL (false) leaves a field as
 * it is. */
typedef struct {
    const char *data_dir, *genesis, *key_dir, *listen, *rpc_listen, *l1_rpc;
    const char *log_level, *log_format, *passphrase_file;
    bool insecure_key; /* only switches it on */
} node_config_flags;

/* A sender this node has seen nothing committed of has its txs held this
 * long after its first one arrived (mempool_config.settle_ms), so that a
 * lower nonce sent to another node arrives by gossip first: several gossip
 * delays (NODE_RUNTIME_GOSSIP_DELAY_MS) and hops between nodes on one
 * site. Committees spread over regions raise it ("mempool_settle_ms"). */
#define NODE_CONFIG_SETTLE_MS_DEFAULT 25u

/* Every field empty or at its default (log info, text, settle). */
void node_config_defaults(node_config *out);

/* Reads the config file at path over the defaults. Every field is checked
 * and a bad one is named. Errors: SEQ_ERR_NOT_FOUND, SEQ_ERR_IO,
 * SEQ_ERR_TOO_LARGE, SEQ_ERR_MALFORMED (not JSON, unknown or ill-typed
 * field), SEQ_ERR_BAD_VERSION, SEQ_ERR_INVALID_ARG (a bad value). On failure
 * *out is zeroed. */
SEQ_MUST_USE seq_err node_config_load(node_config *out, node_diag *why, const char *path);

/* Overrides the fields of *config that flags sets, with the same checks
 * (the message names the flag). SEQ_ERR_INVALID_ARG; *config is unchanged
 * on failure. */
SEQ_MUST_USE seq_err node_config_apply_flags(node_config *config, node_diag *why,
                                             const node_config_flags *flags);

/* Everything a node starts from, loaded and cross-checked. */
typedef struct {
    node_config config; /* listen filled from genesis if it was empty */
    node_genesis genesis;
    seq_hash genesis_hash;
    node_keys keys;    /* owned: node_config_release */
    size_t self_index; /* the key's position in the committee */
    bool has_l1;       /* config.l1_rpc is set: l1 is its deployment */
    node_l1_record l1;
    bool data_dir_exists; /* false: the store will create it */
} node_config_resolved;

/* Checks that the required fields are set, loads the genesis file and the
 * keys (reading the passphrase the config names), and checks that the
 * validator key is a member of the committee ("key 0x... is not in the
 * genesis committee") whose transport key is the one in the key
 * directory, that the data directory is a directory or can be created in
 * an existing parent, and that the listen address is valid. Errors are
 * those of the loaders, plus SEQ_ERR_INVALID_ARG for a missing field or a
 * mismatch and SEQ_ERR_NOT_FOUND for a key outside the committee. On
 * success *out owns the keys (node_config_release); on failure it is
 * zeroed and nothing is held. */
SEQ_MUST_USE seq_err node_config_resolve(node_config_resolved *out, node_diag *why,
                                         const node_config *config);

/* Releases what node_config_resolve acquired (wipes the keys); a zeroed
 * *r is fine. */
void node_config_release(node_config_resolved *r);

/* ------------------------------------------------------------------- net */

/* The peer transport: authenticated, encrypted connections between the
 * committee's nodes (node/README.md, "Transport", has the protocol).
 *
 * Every node listens on its endpoint and dials every peer over TCP (nng
 * byte streams, our own framing). Each connection runs a symmetric
 * handshake: Hello {genesis hash, ephemeral X25519 key} in clear, session
 * keys from crypto_kx, then Auth {validator, Ed25519 transport key,
 * signature over the transcript} encrypted; the key must be the one the
 * committee lists for that validator. Afterwards every frame is
 * XChaCha20-Poly1305 under a per-direction key and counter nonce, so a
 * forged, replayed, reordered or truncated frame closes the connection.
 * One authenticated connection per peer is kept (the one dialled by the
 * lower committee index wins a tie); lost peers are redialled with
 * exponential backoff and jitter.
 *
 * Delivery is best effort: in order and at most once per connection;
 * messages queued while a peer is away are sent when it connects, within
 * the queue bounds. Nothing grows without bound: per-peer send queues drop
 * (and count) when full, and a full inbox pauses the reading of the
 * connections that want to add to it (TCP flow control then pushes back on
 * the sender) instead of buffering more.
 *
 * Threads: every function may be called from any thread, except that
 * net_new, net_start and net_free must not overlap any other call on the
 * same net. net_recv is meant for one consumer (the event loop). nng runs
 * the I/O callbacks on its own threads and each net has one timer thread;
 * all shared state is behind one mutex. No call blocks on the network;
 * net_recv waits at most its timeout. */

#define NET_PEERS_MAX           WIRE_VALIDATORS_MAX /* committee size, self included */
#define NET_MSG_BYTES_MAX       WIRE_MSG_BYTES_MAX  /* one message (a wire envelope) */
#define NET_PUBLIC_KEY_BYTES    32u                 /* Ed25519 transport public key */
#define NET_SEED_BYTES          32u                 /* Ed25519 seed */
#define NET_SECRET_KEY_BYTES    64u                 /* libsodium Ed25519 secret key */
#define NET_URL_BYTES_MAX       128u                /* "tcp://host:port" with its NUL */
#define NET_FRAME_HEADER_BYTES  4u                  /* big-endian length of the body */
#define NET_AEAD_TAG_BYTES      16u                 /* Poly1305 tag ending every sealed body */
#define NET_FRAME_BYTES_MAX     (NET_MSG_BYTES_MAX + NET_AEAD_TAG_BYTES) /* one body */
#define NET_HANDSHAKE_BYTES_MAX 256u     /* one Hello or sealed Auth body */
#define NET_FAULT_PPM           1000000u /* rates are parts per million */
#define NET_FAULT_DELAY_MS_MAX  60000u

/* Defaults of net_limits (0 in a field means its default) and bounds. */
#define NET_SEND_QUEUE_DEPTH_DEFAULT     1024u /* messages per peer */
#define NET_SEND_QUEUE_DEPTH_MAX         65536u
#define NET_SEND_QUEUE_BYTES_DEFAULT     ((uint64_t)32 << 20) /* per peer */
#define NET_INBOX_DEPTH_DEFAULT          4096u
#define NET_INBOX_DEPTH_MAX              (1u << 20)
#define NET_INBOX_BYTES_DEFAULT          ((uint64_t)64 << 20)
#define NET_QUEUE_BYTES_MAX              ((uint64_t)1 << 34) /* any byte bound */
#define NET_HANDSHAKE_TIMEOUT_MS_DEFAULT 5000u
#define NET_IDLE_TIMEOUT_MS_DEFAULT      30000u /* a keepalive goes out every quarter */
#define NET_BACKOFF_BASE_MS_DEFAULT      100u
#define NET_BACKOFF_MAX_MS_DEFAULT       5000u
#define NET_PENDING_DEFAULT              64u /* accepted, not yet authenticated */
#define NET_PENDING_MAX                  1024u
#define NET_TICK_MS                      10u /* timer resolution: deadlines, delays, dials */
#define NET_TIMEOUT_MS_MIN               (4u * NET_TICK_MS) /* any timeout or backoff */
#define NET_TIMEOUT_MS_MAX               600000u

_Static_assert(NET_SEND_QUEUE_BYTES_DEFAULT >= NET_MSG_BYTES_MAX, "a message fits a send queue");
_Static_assert(NET_INBOX_BYTES_DEFAULT >= NET_MSG_BYTES_MAX, "a message fits the inbox");
_Static_assert(NET_FRAME_BYTES_MAX < UINT32_MAX, "a body length fits the frame header");
_Static_assert(NET_HANDSHAKE_BYTES_MAX < NET_FRAME_BYTES_MAX, "handshake frames are small");
_Static_assert(NET_BACKOFF_BASE_MS_DEFAULT <= NET_BACKOFF_MAX_MS_DEFAULT, "backoff grows");
_Static_assert(NET_TICK_MS * 4 <= NET_HANDSHAKE_TIMEOUT_MS_DEFAULT, "timer resolves deadlines");
_Static_assert(NET_IDLE_TIMEOUT_MS_DEFAULT / 4 > NET_TICK_MS, "keepalives beat the idle timeout");
_Static_assert(NET_URL_BYTES_MAX >= NODE_GENESIS_ENDPOINT_BYTES_MAX, "a genesis endpoint fits");
_Static_assert(NET_PUBLIC_KEY_BYTES == WIRE_ED25519_KEY_BYTES, "genesis lists Ed25519 keys");

typedef struct net net;

/* Every bound of a net; 0 in a field means its default. Byte bounds must
 * be at least NET_MSG_BYTES_MAX (so every message can pass), timeouts and
 * backoffs in [NET_TIMEOUT_MS_MIN, NET_TIMEOUT_MS_MAX], backoff_base_ms <=
 * backoff_max_ms. */
typedef struct {
    uint32_t send_queue_depth;     /* messages queued per peer, <= NET_SEND_QUEUE_DEPTH_MAX */
    uint64_t send_queue_bytes;     /* bytes queued per peer, <= NET_QUEUE_BYTES_MAX */
    uint32_t inbox_depth;          /* received messages waiting for net_recv */
    uint64_t inbox_bytes;          /* their bytes, <= NET_QUEUE_BYTES_MAX */
    uint32_t handshake_timeout_ms; /* connect + handshake; also the dial timeout */
    uint32_t idle_timeout_ms;      /* no complete frame for this long closes */
    uint32_t backoff_base_ms;      /* first redial after a failure, before jitter */
    uint32_t backoff_max_ms;       /* the bound of every redial delay */
    uint32_t pending_max;          /* accepted connections still in the handshake */
} net_limits;

/* One committee member as genesis lists it. */
typedef struct {
    seq_addr address;                                   /* validator address */
    uint8_t transport_public_key[NET_PUBLIC_KEY_BYTES]; /* Ed25519 */
    const char *url; /* "tcp://host:port" it listens on; copied by net_new */
} net_peer_config;

typedef struct {
    const net_peer_config *peers; /* the committee in genesis order, self included */
    size_t peer_count;            /* 1..NET_PEERS_MAX; the index is the peer's id */
    uint32_t self_index;          /* < peer_count */
    /* NET_SEED_BYTES seed or NET_SECRET_KEY_BYTES libsodium secret key;
     * copied (the caller wipes its copy). Its public key must be
     * peers[self_index].transport_public_key. */
    const uint8_t *transport_secret_key;
    size_t transport_secret_key_len;
    seq_hash genesis_hash;  /* both ends of a connection must agree */
    const char *listen_url; /* NULL: peers[self_index].url; "tcp://0.0.0.0:port" binds all */
    net_limits limits;
    /* Test configuration only: lets net_fault_set inject faults, drawn
     * from a generator seeded with fault_seed. Off, net_fault_set refuses. */
    bool faults_enabled;
    uint64_t fault_seed;
} net_config;

/* Why a connection was closed; the counters keep one tally per reason. */
#define NET_CLOSE_REASON_TABLE(X)                                             \
    X(NET_CLOSE_PEER_CLOSED, "peer_closed")             /* EOF or reset */    \
    X(NET_CLOSE_IO, "io")                               /* other I/O error */ \
    X(NET_CLOSE_HANDSHAKE_TIMEOUT, "handshake_timeout") /* incl. slowloris */ \
    X(NET_CLOSE_IDLE_TIMEOUT, "idle_timeout")                                 \
    X(NET_CLOSE_FRAME_SIZE, "frame_size") /* length prefix out of bounds */   \
    X(NET_CLOSE_MALFORMED, "malformed")   /* bad Hello / Auth */              \
    X(NET_CLOSE_GENESIS_MISMATCH, "genesis_mismatch")                         \
    X(NET_CLOSE_UNKNOWN_VALIDATOR, "unknown_validator")                       \
    X(NET_CLOSE_WRONG_KEY, "wrong_key") /* not genesis's key */               \
    X(NET_CLOSE_BAD_SIGNATURE, "bad_signature")                               \
    X(NET_CLOSE_WRONG_PEER, "wrong_peer")         /* not who we dialled */    \
    X(NET_CLOSE_DECRYPT_FAILED, "decrypt_failed") /* forged or replayed */    \
    X(NET_CLOSE_DUPLICATE, "duplicate")           /* lost the tie-break */    \
    X(NET_CLOSE_PENDING_FULL, "pending_full")     /* too many handshakes */   \
    X(NET_CLOSE_NO_MEMORY, "no_memory")                                       \
    X(NET_CLOSE_SHUTDOWN, "shutdown")

typedef enum {
#define NET_CLOSE_ENUM_(name, text) name,
    NET_CLOSE_REASON_TABLE(NET_CLOSE_ENUM_)
#undef NET_CLOSE_ENUM_
        NET_CLOSE_REASON_COUNT_
} net_close_reason;

/* Returns the reason's static snake_case name ("decrypt_failed"), for logs
 * and metric labels; never NULL. */
const char *net_close_reason_name(net_close_reason reason);

/* Totals of one net. */
typedef struct {
    uint64_t accepted;      /* inbound connections */
    uint64_t dials;         /* outbound attempts */
    uint64_t dial_failures; /* outbound attempts that did not connect */
    uint64_t handshakes;    /* connections authenticated */
    uint64_t closed[NET_CLOSE_REASON_COUNT_];
    uint64_t inbox_depth; /* now */
    uint64_t inbox_bytes; /* now */
} net_counters;

/* What one peer link did. Bytes are wire bytes (headers, tags and the
 * handshake once the peer is known); frames are messages (keepalives
 * excluded; frames_in also counts those block_recv discards). */
typedef struct {
    bool connected;
    uint64_t connects;    /* times it became connected */
    uint64_t disconnects; /* times it stopped being connected */
    uint64_t bytes_in, bytes_out;
    uint64_t frames_in, frames_out;
    uint64_t drops_queue_full; /* net_send found the queue full */
    uint64_t drops_fault;      /* the fault layer dropped (send or receive side) */
    /* Handshakes that failed while attributed to this peer (we dialled it,
     * or its Auth named it) and frames from it that failed authentication. */
    uint64_t auth_failures;
    uint64_t protocol_errors; /* an authenticated connection broke the framing */
    uint64_t queue_depth;     /* now */
    uint64_t queue_bytes;     /* now */
} net_peer_counters;

/* Faults on the link to one peer (test configuration only). delay_ms plus
 * a uniform draw from [0, jitter_ms] holds each message in the send queue
 * before it is sealed; order is kept, as on any stream. drop_ppm and
 * duplicate_ppm drop a message or queue it twice (the receiver then gets
 * it twice). block_send drops everything to the peer, block_recv discards
 * everything from it after authentication; both make a partition. The
 * zero value is a perfect link. */
typedef struct {
    uint32_t delay_ms;      /* <= NET_FAULT_DELAY_MS_MAX */
    uint32_t jitter_ms;     /* <= NET_FAULT_DELAY_MS_MAX */
    uint32_t drop_ppm;      /* <= NET_FAULT_PPM */
    uint32_t duplicate_ppm; /* <= NET_FAULT_PPM */
    bool block_send;
    bool block_recv;
} net_fault;

/* Checks config and creates a net (not yet listening or dialling). Copies
 * everything it keeps: the secret key into sodium_malloc'd memory that is
 * inaccessible except while signing and wiped on free. Errors:
 *   SEQ_ERR_INVALID_ARG  bad count, index, URL (not tcp://host:port or too
 *                        long), limits, or two peers sharing an address or
 *                        a transport key
 *   SEQ_ERR_BAD_KEY      the secret key has a bad length, is not a valid
 *                        libsodium key, or does not match self's public key
 *   SEQ_ERR_NO_MEMORY, SEQ_ERR_INTERNAL (libsodium or nng could not start)
 * On failure *out is NULL. */
SEQ_MUST_USE seq_err net_new(net **out, const net_config *config);

/* Binds the listen URL and starts accepting, dialling and the timer thread.
 * Call once. Errors: SEQ_ERR_UNAVAILABLE (address in use or not local),
 * SEQ_ERR_INVALID_ARG (URL refused by nng), SEQ_ERR_NO_MEMORY,
 * SEQ_ERR_INTERNAL. After a failure only net_free is allowed. */
SEQ_MUST_USE seq_err net_start(net *n);

/* Copies bytes[0..len) into peer's send queue and returns; never blocks.
 * Errors: SEQ_ERR_INVALID_ARG (peer out of range or self, len 0),
 * SEQ_ERR_TOO_LARGE (len > NET_MSG_BYTES_MAX), SEQ_ERR_NO_SPACE (queue full:
 * dropped and counted), SEQ_ERR_NO_MEMORY. A message the fault layer drops
 * is SEQ_OK (it is the network that lost it). */
SEQ_MUST_USE seq_err net_send(net *n, uint32_t peer, const uint8_t *bytes, size_t len);

/* net_send to every peer but self, sharing one copy. Returns SEQ_OK, or the
 * first error of a peer after queueing to all others (SEQ_ERR_NO_SPACE if
 * some queue was full), or the argument errors of net_send. */
SEQ_MUST_USE seq_err net_broadcast(net *n, const uint8_t *bytes, size_t len);

/* Takes the oldest received message (authenticated and decrypted), waiting
 * up to timeout_ms (0: poll): copies it into buf[0..cap), sets *len and
 * *from (the sender's committee index). Errors: SEQ_ERR_TIMEOUT (nothing
 * arrived), SEQ_ERR_NO_SPACE (cap < the message: it stays first in line
 * and *len is its size; NET_MSG_BYTES_MAX always suffices). On failure
 * *from is 0 and, but for SEQ_ERR_NO_SPACE, *len is 0. */
SEQ_MUST_USE seq_err net_recv(net *n, uint32_t *from, uint8_t *buf, size_t cap, size_t *len,
                              uint32_t timeout_ms);

/* Makes the current (or, if none waits, the next) net_recv return
 * SEQ_ERR_TIMEOUT at once if no message is waiting: another thread has
 * work for the loop. */
void net_wake(net *n);

/* Copies the counters of the link to peer. SEQ_ERR_INVALID_ARG if peer is
 * out of range or self (*out zeroed). */
SEQ_MUST_USE seq_err net_peer_stats(net *n, net_peer_counters *out, uint32_t peer);

/* Copies the totals. */
void net_stats(net *n, net_counters *out);

/* Sets the faults of the link to peer (replacing the previous ones; a zero
 * net_fault clears them). SEQ_ERR_UNSUPPORTED unless the net was created
 * with faults_enabled; SEQ_ERR_INVALID_ARG for a bad peer or out-of-range
 * values. */
SEQ_MUST_USE seq_err net_fault_set(net *n, uint32_t peer, const net_fault *fault);

/* Copies the faults now in force on the link to peer (the zero net_fault
 * for a perfect link). SEQ_ERR_UNSUPPORTED unless the net was created with
 * faults_enabled; SEQ_ERR_INVALID_ARG for a peer out of range or self. On
 * failure *out is zeroed. */
SEQ_MUST_USE seq_err net_fault_get(net *n, net_fault *out, uint32_t peer);

/* True iff the net was created with faults_enabled (net_fault_set and
 * net_fault_get then work). */
bool net_faults_enabled(const net *n);

/* The committee size (self included) and this node's index in it, as
 * net_new was given them. */
uint32_t net_peer_count(const net *n);
uint32_t net_self_index(const net *n);

/* Closes every connection, stops the threads, frees everything and wipes
 * the keys. Queued and unreceived messages are dropped. NULL is fine. */
void net_free(net *n);

/* ---------------------------------------------------------------- l1link */

/* The node's L1 part (node/l1link.c, node/README.md "L1 link"): a thread
 * that checks the deployment on the L1 node, follows the Inbox and
 * Committee logs up to head - confirmations with the reorg-aware follower
 * (l1_follow), stores every accepted batch and the cursor durably
 * (store_l1_apply), and reports. L1 being down, slow or wrong never stops
 * consensus: the link retries with backoff and says why in its status. */

#define NODE_L1LINK_BACKOFF_MS_MAX 10000u /* between failed polls, at most */
/* A batch counts for the posting lag when its L1 block is within this many
 * blocks of head - confirmations as the link sees it (not a replay). */
#define NODE_L1LINK_LIVE_BLOCKS 4u
#define NODE_L1LINK_ERROR_BYTES 320u
/* Live batches of one turn whose forced entries' posting latency is
 * measured, and entries measured per turn, at most (metrics only). */
#define NODE_L1LINK_POSTED_MAX         64u
#define NODE_L1LINK_POSTED_ENTRIES_MAX 1024u
#define NODE_L1LINK_EVENT_KINDS        8u  /* >= L1_EVENT_KIND_COUNT_ (l1.h) */
#define NODE_L1LINK_SLASHINGS_MAX      64u /* slashing logs of one range of blocks */
/* The L1 origin table (store_l1_origins_put) follows the cursor: each turn
 * fetches the headers above the last stored origin, the newest
 * NODE_L1LINK_ORIGINS_FETCH_MAX at most, and keeps the origins of the
 * NODE_L1LINK_ORIGINS_KEEP blocks below the cursor. */
#define NODE_L1LINK_ORIGINS_FETCH_MAX 64u
#define NODE_L1LINK_ORIGINS_KEEP      1024u
_Static_assert(NODE_L1LINK_ORIGINS_FETCH_MAX <= STORE_L1_ORIGINS_PER_PUT_MAX,
               "one turn's origins go in one put");
_Static_assert(NODE_L1LINK_ORIGINS_FETCH_MAX <= NODE_L1LINK_ORIGINS_KEEP,
               "a turn's origins are not pruned at once");

typedef struct node_l1link node_l1link;

/* Posting lag: from a block's timestamp to this node seeing the batch that
 * holds it on L1 at confirmation depth, counted once per tx (a block
 * without txs counts once). Bucket i < NODE_POST_LAG_BUCKETS holds lags up
 * to node_post_lag_bound_ms(i); the last bucket is +Inf. */
#define NODE_POST_LAG_BUCKETS 14u
typedef struct {
    uint64_t buckets[NODE_POST_LAG_BUCKETS + 1]; /* per bucket, not cumulative */
    uint64_t count;
    uint64_t sum_ms;
} node_post_lag;

/* The upper bound (ms, inclusive) of posting lag bucket i, for i <
 * NODE_POST_LAG_BUCKETS: 500 ms .. 10 min, 500 ms apart up to 3 s. */
uint64_t node_post_lag_bound_ms(size_t i);
/* Adds count observations of lag_ms to *h. */
void node_post_lag_observe(node_post_lag *h, uint64_t lag_ms, uint64_t count);

/* The batcher (node/batcher.c, node/README.md "Batches"), run by the L1
 * link: forms batch k from the committed chain once batch k-1 is on L1,
 * attests it, collects the committee's attestations and, in its turn,
 * posts it. Counters are since start. */
typedef struct {
    bool enabled; /* this node attests and posts (it has an L1) */
    /* The batch in hand: formed, attested, waiting for L1. */
    bool has_batch;
    uint64_t index, first_height, last_height, forced_cursor;
    uint64_t block_count, tx_count, payload_bytes, data_bytes;
    uint32_t attestations;                   /* matching ones held, own included */
    uint64_t attested_weight, quorum_weight; /* quorum: weight needed (> 2/3) */
    uint32_t poster;                         /* the validator (genesis order) whose turn it is */
    uint64_t attempt;    /* poster_timeout_ms periods since the batch was ready */
    uint64_t waiting_ms; /* since it was ready */
    /* This node's work. */
    uint64_t batches_formed, attestations_signed;
    uint64_t attestations_received, attestations_rejected;
    uint64_t attestations_dropped; /* replaced unread by the same peer's next one */
    uint64_t posts_sent;           /* postBatch transactions stored by the tx manager */
    uint64_t posts_refused;        /* estimateGas reverted: not sent (e.g. already posted) */
    uint64_t posts_failed;         /* the tx manager or the RPC failed */
    uint64_t posts_reverted;       /* mined but reverted (a lost race) */
    uint64_t posts_failover;       /* sent when it was not the first poster's turn */
    uint64_t gas_used;             /* by this node's mined postBatch transactions */
    /* Every batch seen on L1 at confirmation depth, whoever posted it. */
    uint64_t batches_seen, forced_batches_seen; /* the latter: forceAdvance */
    uint64_t failovers_seen;                    /* posted by another than validator index mod n */
    uint64_t blocks_posted, txs_posted, payload_bytes_posted, data_bytes_posted;
    uint64_t posted_height; /* the last block height on L1; 0: none */
    node_post_lag post_lag;
    char last_error[NODE_L1LINK_ERROR_BYTES]; /* why the last step stopped; "" if fine */
} node_batcher_status;

typedef struct {
    bool enabled;      /* false: no l1_rpc configured; the rest is zero */
    bool ok;           /* the last poll succeeded */
    bool verified;     /* the deployment was checked on this L1 node */
    uint64_t chain_id; /* from the record */
    seq_addr committee, inbox;
    uint64_t head; /* the latest L1 block number seen */
    bool has_cursor;
    uint64_t cursor; /* every log up to this block is applied */
    seq_hash cursor_hash;
    uint64_t polls, poll_failures, failures_consecutive, reorgs;
    uint64_t last_ok_ms;                      /* monotonic; 0: never */
    uint64_t events[NODE_L1LINK_EVENT_KINDS]; /* logs applied since start, by l1_event_kind */
    bool has_batch;
    store_l1_batch last_batch; /* the newest batch the Inbox accepted */
    bool has_inbox_head;       /* the Inbox's own counters, read at latest */
    uint64_t inbox_next_index, forced_consumed, forced_count;
    bool has_finalized;
    uint64_t finalized; /* L1's `finalized` block number, as its node reports it */
    /* The forced queue as stored (at confirmation depth): entries, those
     * the last batch consumed, and the L1 block of the oldest not consumed. */
    uint64_t forced_stored, forced_consumed_stored;
    bool has_forced_oldest;
    uint64_t forced_oldest_block;
    uint64_t inclusion_window; /* genesis l1.inclusion_window_blocks */
    /* The newest stored L1 origin, and the turns whose headers did not
     * chain up to the cursor (a reorg in progress: nothing was stored). */
    bool has_origin;
    uint64_t origin_number, origin_timestamp;
    uint64_t origin_mismatches;
    /* Forced entries consumed on L1 by live batches: from the entry's L1
     * timestamp to that of the batch's block (from the origin table). */
    node_post_lag forced_posted_lag;
    node_batcher_status batcher;
    char url[NODE_CONFIG_URL_BYTES_MAX];
    char last_error[NODE_L1LINK_ERROR_BYTES]; /* "" after a success */
} node_l1link_status;

typedef struct {
    const char *rpc_url;
    const node_l1_record *record; /* copied */
    const node_genesis *genesis;  /* copied */
    store *store;                 /* must outlive the link */
    uint32_t poll_ms;
    /* Batch posting (node/README.md "Batches"): with a key, the link also
     * runs the batcher as committee member self_index, sends attestations
     * on net and keeps its L1 transactions in txmgr_dir. NULL key: follow
     * only. */
    const uint8_t *key; /* the validator's secp256k1 key (32 bytes), copied */
    size_t self_index;
    net *net; /* must outlive the link */
    const char *txmgr_dir;
    /* Evidence: submitted to L1 by this node in its turn (with a key);
     * slashings seen on L1 are noted. NULL: neither. */
    struct node_evidence *evidence;
} node_l1link_config;

/* Starts the link's thread. SEQ_ERR_INVALID_ARG (a URL the client
 * refuses), SEQ_ERR_NO_MEMORY, SEQ_ERR_INTERNAL (no thread), with *why;
 * *out NULL on failure. Nothing is sent to L1 before the thread runs. */
SEQ_MUST_USE seq_err node_l1link_start(node_l1link **out, node_diag *why,
                                       const node_l1link_config *config);
/* A peer's BatchAttestation for the batcher (any thread); ignored without
 * one. Wakes the link's thread. */
void node_l1link_offer_attestation(node_l1link *l, uint32_t from, const wire_attestation *a);

/* Copies the current status; any thread. */
void node_l1link_status_get(node_l1link *l, node_l1link_status *out);
/* Stops the thread (within one RPC timeout) and frees l; NULL is fine. */
void node_l1link_free(node_l1link *l);

/* ---------------------------------------------------------------- forced */

/* Forced inclusion on the node side (node/forced.c, node/README.md
 * "Forced inclusion"): which L1 origin a leader's block names and which
 * forced txs open it, and the rule every validator checks before voting.
 *
 * An L2 block names an L1 origin O (a block of the L1 origin table,
 * store_l1_get_origin) and a forced cursor c: the forced queue entries
 * below c are consumed. With parent cursor p, the L1 floor F (the cursor
 * L1 had reached by block O, store_l1_consumed_at) and s = max(p, F), the
 * entries s..c-1 are consumed by this block, in queue order: each opens
 * the payload with its tx, unless the tx cannot be ordered (larger than
 * a block or a tx may be), or is ordered already (committed, in an
 * ancestor on the branch, or an earlier entry of this block: the
 * no-tx-twice rule), in which case it is consumed without a copy. Entries
 * below F are on L1 already (a forceAdvance, or a batch of this chain)
 * and are never copied. A block may only consume entries queued by O,
 * must consume every entry due at O (queued at or before O - due_blocks)
 * unless the block is full of forced txs, and consumes at most
 * NODE_FORCED_PER_BLOCK_MAX entries past s. Event loop only. */

#define NODE_FORCED_ORIGIN_LAG_BLOCKS 2u /* a leader's origin: below its newest verified block */
#define NODE_FORCED_ORIGIN_AGE_MAX_BLOCKS \
    32u                                /* a validator refuses an origin this far below its newest */
#define NODE_FORCED_PER_BLOCK_MAX 256u /* entries past s one block consumes, at most */

typedef struct node_forced node_forced;

/* The due delay for an Inbox inclusion window (both in L1 blocks): a quarter
 * of it, at least 1 (node_genesis_forced_due_blocks). */
uint64_t node_forced_due_blocks(uint64_t inclusion_window_blocks);

typedef struct {
    const store *store;
    node_txpool *txpool; /* the no-tx-twice rule; the censored senders (test mode) */
    bool enabled;        /* the genesis names an Inbox; else origin and cursor never move */
    uint64_t due_blocks; /* node_genesis_forced_due_blocks */
    uint64_t chain_id;   /* L2: decoding a forced tx's sender (test mode) */
    mempool_caps caps;   /* the block caps */
} node_forced_config;

/* SEQ_ERR_NO_MEMORY; *out is NULL on failure. */
SEQ_MUST_USE seq_err node_forced_new(node_forced **out, const node_forced_config *config);
void node_forced_free(node_forced *f);

/* A leader's block: its origin and cursor, and the forced txs that open
 * its payload (borrowed from the node_forced until the next plan). */
typedef struct {
    uint64_t origin_number;
    seq_hash origin_hash;
    uint64_t forced_cursor;
    size_t tx_count;
    const seq_bytes *txs;
    /* A due entry did not fit: the block carries these forced txs and no
     * pool txs. */
    bool forced_only;
} node_forced_plan;

/* Plans the block extending parent (whose hash is parent_hash): the origin
 * moves to NODE_FORCED_ORIGIN_LAG_BLOCKS below the newest stored origin if
 * that is ahead of the parent's; then every entry queued by the origin is
 * consumed, in order, while it fits the caps (a censored sender's entry,
 * in test mode, only once due). Never fails: without an L1 view, or if
 * the store or the ancestry cannot be read (logged), the block keeps the
 * parent's origin and cursor where that is all it can vouch for. */
void node_forced_plan_block(node_forced *f, node_forced_plan *out, const seq_block_header *parent,
                            const seq_hash *parent_hash);

/* The rule above for block (its tx root checked), extending parent;
 * vouched as for node_txpool_check_block. SEQ_OK to accept; else
 * *why_out names the reason (a static string): SEQ_ERR_INVALID_ARG for a
 * block that breaks the rule ("l1_origin_moved" without an Inbox,
 * "l1_origin_hash", "l1_origin_stale", "forced_cursor_ahead" of the
 * origin, "forced_cursor_behind_l1", "forced_tx_missing" (a tx is not
 * where it must be), "forced_tx_due"); SEQ_ERR_NOT_FOUND if this node
 * cannot tell ("l1_origin_unknown": not in its table yet; "ancestry"),
 * store errors ("store"). */
SEQ_MUST_USE seq_err node_forced_check(node_forced *f, const char **why_out,
                                       const cons_block *block, const seq_block_header *parent,
                                       const cons_block *vouched, size_t vouched_count);

/* What committed blocks consumed (node_forced_committed), for status and
 * metrics. The soft latency is from an entry's L1 timestamp to the
 * timestamp of the L2 block that consumed it. */
typedef struct {
    uint64_t consumed;    /* entries consumed by committed blocks */
    uint64_t included;    /* of those, with their tx in the block */
    uint64_t last_cursor; /* the committed tip's cursor */
    node_post_lag soft_lag;
} node_forced_stats;

/* A block committed; parent_cursor is its parent's forced cursor. Counts
 * the entries it consumed. Store errors are logged and skipped. */
void node_forced_committed(node_forced *f, const cons_block *block, uint64_t parent_cursor);
void node_forced_stats_get(const node_forced *f, node_forced_stats *out);

/* --------------------------------------------------------------- runtime */

/* One committee member running: the event loop that owns the consensus
 * core and drives it from the transport, a monotonic clock and the store,
 * plus the JSON-RPC/HTTP API (node/README.md, "Runtime" and "API").
 *
 * Threads: node_runtime_run runs the loop on the calling thread; the API
 * runs on nng's threads and sees only a status snapshot (copied under a
 * mutex after each turn of the loop) and the store's read functions.
 * node_runtime_stop may be called from any thread and from a signal
 * handler. */

/* Longest single wait for the network: bounds how long a stop request or
 * a due timer can go unnoticed. */
#define NODE_RUNTIME_WAIT_MS_MAX 50u
/* A proposed block may be at most this far ahead of this node's wall
 * clock; later ones are not voted for. */
#define NODE_RUNTIME_DRIFT_MS_MAX 2000u
/* Follow-up events (payloads, fetches answered from the own store) waiting
 * to be fed after the update that asked for them; more are dropped (the
 * core retries fetches and asks for a payload again in a later view). */
#define NODE_RUNTIME_LOCAL_EVENTS_MAX 64u
/* Without transactions to order, the leader proposes a block this long
 * after its parent's timestamp (an idle committee would otherwise commit
 * empty blocks as fast as the disk allows). */
#define NODE_RUNTIME_EMPTY_BLOCK_MS 100u
/* After a failed durable write the core is rebuilt from the store, at most
 * this often. */
#define NODE_RUNTIME_STORE_RETRY_MS 1000u
/* On start, committed blocks this far below the tip are checked for a
 * missing QC (cons_restart.uncertified). */
#define NODE_RUNTIME_QC_SCAN_HEIGHTS 256u
/* Client txs wait at most this long before they are gossiped to the
 * committee (sooner when a batch fills up). */
#define NODE_RUNTIME_GOSSIP_DELAY_MS 2u
/* A JSON-RPC request body larger than this is refused: room for the
 * largest tx in hex, or a batch of many small ones. */
#define NODE_API_BODY_BYTES_MAX (1u << 20)
/* Requests in one JSON-RPC batch. */
#define NODE_API_BATCH_MAX 1024u

_Static_assert(NODE_RUNTIME_LOCAL_EVENTS_MAX >= CONS_UPDATE_FETCHES_MAX + 1u,
               "one update's follow-ups always fit");

typedef struct node_runtime node_runtime;

/* One peer link, as the status reports it. */
typedef struct {
    seq_addr address;
    bool connected;
    uint64_t frames_in, frames_out;
    uint64_t bytes_in, bytes_out;
    uint64_t drops; /* queue full or fault layer */
    uint64_t auth_failures, protocol_errors;
} node_peer_status;

/* One committee member as this node's commits show it (node/README.md,
 * "Metrics"), counted since this node started. A slot is a view; the
 * leader of view w (cons_committee_leader) missed it when the committed
 * chain skips w: block B at view v committed right after a block at view
 * u means every view in (u, v) produced no committed block. */
typedef struct {
    seq_addr address;
    uint64_t proposed_committed; /* committed blocks it proposed */
    uint64_t slots_missed;       /* views it led that the committed chain skips */
} node_validator_status;

/* Commit latency: the local wall clock when this node applies a commit
 * minus the block's timestamp_ms (clamped at 0), so it includes the clock
 * skew between the proposer and this node. Finite bucket bounds are in
 * node_commit_latency_bound_ms; the last bucket is +Inf. */
#define NODE_COMMIT_LATENCY_BUCKETS 13u
typedef struct {
    uint64_t buckets[NODE_COMMIT_LATENCY_BUCKETS + 1]; /* per bucket, not cumulative */
    uint64_t count;
    uint64_t sum_ms;
} node_commit_latency;

/* Equivocation evidence (node/evidence.c, node/README.md "Evidence"), per
 * accused committee member and in total, since start. */
typedef struct {
    uint64_t detected;  /* new evidence this node found (its core, its batcher) */
    uint64_t received;  /* new evidence from peers, verified and stored */
    uint64_t submitted; /* submitEvidence transactions this node sent */
    uint64_t accepted;  /* EvidenceAccepted on L1 (any reporter), seen by the link */
    bool slashed;       /* Slashed on L1 (ValidatorSlashed, or its status read) */
} node_evidence_validator;

typedef struct {
    uint64_t detected, received, submitted, accepted; /* sums of the above */
    uint64_t known;          /* offered again: already stored (or just gossiped) */
    uint64_t capped;         /* not stored: STORE_EVIDENCE_PER_SIGNER_MAX reached */
    uint64_t invalid;        /* failed verification (from peers: a byzantine sender) */
    uint64_t store_failures; /* could not be stored */
    uint64_t gossiped;       /* evidence messages broadcast */
    uint64_t submit_refused; /* submitEvidence would revert (estimateGas): not sent */
    uint64_t submit_failed;  /* the RPC or the tx manager failed */
    node_evidence_validator validators[CONS_VALIDATORS_MAX]; /* committee order */
} node_evidence_stats;

/* A snapshot of a running node. */
typedef struct {
    bool running;
    seq_addr validator;
    size_t self_index;
    size_t committee_size;
    uint64_t view;
    size_t leader_index;
    seq_addr leader;
    uint64_t height_committed;
    seq_hash hash_committed;
    uint64_t high_qc_view;
    uint32_t timeouts_consecutive;
    bool halted;        /* the core stopped after detecting a safety violation */
    bool store_failing; /* the last durable write failed */
    size_t peers_connected;
    node_peer_status peers[CONS_VALIDATORS_MAX]; /* committee order; self is zero */
    uint64_t uptime_ms;
    uint64_t messages_in;      /* decoded messages from peers */
    uint64_t messages_invalid; /* that failed to decode */
    uint64_t messages_ignored; /* of a type the node does not handle yet */
    uint64_t sync_served;      /* sync requests answered */
    uint64_t store_failures;   /* failed durable writes */
    uint64_t txs_committed;    /* txs in blocks committed since start */
    /* Per committee member (committee order, self included) since start;
     * views above slots_from_view (the stored tip's view at start) count. */
    node_validator_status validators[CONS_VALIDATORS_MAX];
    uint64_t slots_from_view;
    node_commit_latency commit_latency;
    uint64_t last_commit_ms; /* wall clock (Unix ms) of the last commit; 0: none since start */
    cons_stats stats;
    node_txpool_stats txpool;
    node_forced_stats forced; /* forced entries consumed by committed blocks */
    node_evidence_stats evidence;
    net_counters net; /* the transport's totals, also of unauthenticated connections */
    node_l1link_status l1;
} node_status;

/* Resolves config (node_config_resolve: genesis, keys, committee), opens
 * the store of the genesis in the data directory, restarts the core from
 * its safety state and committed tip, starts the transport to the
 * committee and, if config->rpc_listen is set, the API. On failure *why
 * says what went wrong and *out is NULL. Errors: those of
 * node_config_resolve, store_open, net_new, net_start (SEQ_ERR_UNAVAILABLE:
 * an address in use), cons_new, and SEQ_ERR_NO_MEMORY. */
SEQ_MUST_USE seq_err node_runtime_new(node_runtime **out, node_diag *why,
                                      const node_config *config);

/* Runs the event loop until node_runtime_stop. Returns SEQ_OK after a
 * stop; the node keeps running through operating errors (a failed disk
 * write is logged and retried), so nothing else ends it. */
SEQ_MUST_USE seq_err node_runtime_run(node_runtime *rt);

/* Asks the loop to return within NODE_RUNTIME_WAIT_MS_MAX plus the work
 * of one turn. Async-signal-safe. */
void node_runtime_stop(node_runtime *rt);

/* The snapshot s in the Prometheus text format (0.0.4) that GET /metrics
 * serves: into out[0..cap), NUL-terminated, *len without the NUL.
 * now_ms (monotonic) ages the L1 link's last success. SEQ_ERR_NO_SPACE
 * (out "", *len 0) if it does not fit; NODE_METRICS_BYTES_MAX always does. */
#define NODE_METRICS_BYTES_MAX (512u << 10)
SEQ_MUST_USE seq_err node_metrics_render(char *out, size_t cap, size_t *len, const node_status *s,
                                         uint64_t now_ms);

/* The upper bound (ms, inclusive) of commit latency bucket i, for i <
 * NODE_COMMIT_LATENCY_BUCKETS: 1 ms .. 10 s. */
uint64_t node_commit_latency_bound_ms(size_t i);

/* Adds one commit of latency_ms to *h. */
void node_commit_latency_observe(node_commit_latency *h, uint64_t latency_ms);

/* Counts into v (committee order, c->count entries) the commit of a block
 * at view, proposed by proposer, whose predecessor on the committed chain
 * was at view_prev: one proposed_committed for proposer (nothing if it is
 * not a member) and one slots_missed for the leader of every view in
 * (view_prev, view) (none if view <= view_prev + 1). Work is bounded by
 * the committee's weight total, whatever the gap. */
void node_validators_commit(node_validator_status *v, const cons_committee *c, uint64_t view_prev,
                            uint64_t view, const seq_addr *proposer);

/* Copies the latest snapshot (taken by the loop after each turn). */
void node_runtime_status(node_runtime *rt, node_status *out);

/* Stops the API and the transport, frees the core, closes the store and
 * wipes the keys; NULL is fine. The loop must not be running. */
void node_runtime_free(node_runtime *rt);

#endif /* SEQ_NODE_H */
