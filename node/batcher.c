/* batcher.c — batch posting (internal.h "batcher", node/README.md
 * "Batches"). Runs on the L1 link's thread.
 *
 * Batch k is formed only once batch k-1 is on L1 at confirmation depth
 * (the link's stored BatchPosted events), so its index, prevBatchHash and
 * first height come from L1 itself, and every honest node forms the same
 * batch from the same committed chain: blocks from the Inbox's next height
 * on, cut by the genesis bounds (l1_batch_cut, on what the blocks say),
 * encoded and compressed deterministically. The node then signs
 * BatchAttestation(k), stores it durably (store_attestation_put: one
 * attestation per index, ever), and only then broadcasts it. Peers'
 * attestations are checked (a committee member's valid signature over
 * exactly the statement this node formed) and counted by weight.
 *
 * Posting rotates: batch k's first poster is validator k mod n (genesis
 * order); every poster_timeout_ms that k is not seen on L1, the turn moves
 * to the next validator. The poster in turn with a quorum sends
 * Inbox.postBatch through its tx manager, after an eth_estimateGas that
 * stops it when the Inbox would refuse (someone else posted first, say).
 * Two posters racing cost one reverted transaction, never a stall: the
 * next batch is formed from whatever L1 accepted.
 *
 * Why not form batch k+1 before batch k is on L1: both would be signed
 * for good, and if L1 then took index k otherwise (forceAdvance, once a
 * forced entry is overdue) the attestation for k+1 could never be used
 * nor replaced without signing two statements for one index, which is
 * slashable. Posting throughput is therefore one batch per L1 round trip
 * (inclusion plus confirmations); node/README.md "Batches" has figures. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <zstd.h>

#include "internal.h"

/* What the next batch must carry, from the batches stored from L1. */
typedef struct {
    uint64_t index;
    seq_hash prev;
    uint64_t first_height;
    uint64_t forced_cursor; /* the last batch's: the next may not go below */
    uint64_t l1_block;      /* where the last batch is on L1; 0: none */
    seq_hash l1_block_hash;
    uint64_t until_ms; /* the L1 time of that block (l1_batch_bounds.until_ms) */
} batch_target;

/* The latest valid attestation each validator sent. */
typedef struct {
    bool has;
    wire_attestation a;
} peer_attestation;

struct node_batcher {
    node_genesis genesis;
    node_l1_record record;
    store *store;
    net *net;
    l1_rpc *rpc;
    l1_txmgr *txmgr;
    node_evidence *evidence; /* NULL: no evidence, no exclusion */
    uint8_t *key;            /* sodium_malloc'd, 32 bytes */
    size_t self;
    seq_addr address;
    seq_hash domain;
    uint64_t weight_total;
    /* Peers' attestations arrive on the event loop's thread. */
    nng_mtx *inbox_mtx;
    /* One slot per sending peer, so no peer can crowd out another. */
    wire_attestation inbox[NODE_BATCHER_INBOX_MAX]; /* inbox_mtx */
    bool inbox_full[NODE_BATCHER_INBOX_MAX];        /* inbox_mtx */
    uint64_t inbox_dropped;                         /* inbox_mtx */
    wire_attestation drained[NODE_BATCHER_INBOX_MAX];
    peer_attestation peers[CONS_VALIDATORS_MAX];
    /* The batch in hand. */
    bool formed;
    batch_target target;
    seq_attestation_stmt stmt;
    wire_attestation own;
    uint64_t ready_ms, broadcast_ms, retry_ms;
    uint64_t tip_seen; /* the committed height the last unclosed form read up to */
    bool sent;         /* a postBatch of ours for this batch is open */
    uint64_t sent_attempt, tx_id;
    bool conflict_logged;
    size_t data_len, payload_len;
    uint64_t block_count, tx_count;
    /* Buffers, allocated once. */
    uint8_t *payload; /* batch.max_bytes */
    uint8_t *data;    /* L1_BATCH_DATA_BYTES_MAX */
    uint8_t *call;    /* L1_TX_DATA_BYTES_MAX */
    size_t *sizes;    /* batch.max_blocks + 1 */
    uint64_t *stamps; /* batch.max_blocks + 1 */
    uint8_t *block_buf;
    seq_arena block_arena; /* STORE_BLOCK_ARENA_BYTES */
    uint8_t msg[NODE_BATCHER_MSG_BYTES];
    uint8_t scratch_buf[NODE_BATCHER_SCRATCH_BYTES];
    /* Own posts whose outcome is not counted yet (tx manager ids). */
    uint64_t open_ids[NODE_BATCHER_OPEN_POSTS_MAX];
    size_t open_count;
    /* Sizes of the batches this node formed, by dataHash, for the
     * counters of what L1 accepted. */
    struct {
        uint64_t index;
        seq_hash data_hash;
        uint64_t payload_bytes, data_bytes;
    } recent[NODE_BATCHER_RECENT_MAX];
    size_t recent_next;
    node_batcher_status status;
};

/* ------------------------------------------------------------- helpers */

static void set_error(node_batcher *b, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

static void set_error(node_batcher *b, const char *format, ...)
{
    va_list ap;
    va_start(ap, format);
    vsnprintf(b->status.last_error, sizeof b->status.last_error, format, ap);
    va_end(ap);
}

static bool stmt_equal(const seq_attestation_stmt *x, const seq_attestation_stmt *y)
{
    return x->l2_chain_id == y->l2_chain_id && x->index == y->index &&
           seq_hash_equal(&x->prev_batch_hash, &y->prev_batch_hash) &&
           seq_hash_equal(&x->data_hash, &y->data_hash) && x->first_height == y->first_height &&
           x->last_height == y->last_height && x->forced_cursor == y->forced_cursor;
}

static void attestation_digest(const node_batcher *b, seq_hash *out, const seq_attestation_stmt *s)
{
    seq_hash h;
    l1_eip712_attestation_hash(&h, s);
    l1_eip712_digest(out, &b->domain, &h);
}

/* The committee member with address a; false if none. */
static bool member_index(const node_batcher *b, size_t *out, const seq_addr *a)
{
    for (size_t i = 0; i < b->genesis.validator_count; i++) {
        if (seq_addr_equal(&b->genesis.validators[i].address, a)) {
            *out = i;
            return true;
        }
    }
    return false;
}

/* ------------------------------------------------------------- target */

/* The next batch as L1 (at confirmation depth) has it: after the last
 * stored batch, its first height after the last committee batch's (a
 * forceAdvance batch holds no blocks). */
static seq_err target_read(node_batcher *b, batch_target *t)
{
    store_l1_batch last;
    seq_err err = store_l1_last_batch(b->store, &last);
    if (err == SEQ_ERR_NOT_FOUND) {
        *t = (batch_target){.index = 0, .first_height = 1};
        return SEQ_OK;
    }
    if (err != SEQ_OK)
        return err;
    *t = (batch_target){.index = last.index + 1,
                        .prev = last.batch_hash,
                        .first_height = 1,
                        .forced_cursor = last.forced_cursor,
                        .l1_block = last.l1_block,
                        .l1_block_hash = last.l1_block_hash};
    for (uint64_t i = last.index + 1; i-- > 0;) {
        store_l1_batch x = last;
        if (i != last.index && (err = store_l1_get_batch(b->store, &x, i)) != SEQ_OK)
            return err;
        if (x.last_height != 0) {
            t->first_height = x.last_height + 1;
            break;
        }
    }
    return SEQ_OK;
}

static bool target_equal(const batch_target *x, const batch_target *y)
{
    return x->index == y->index && seq_hash_equal(&x->prev, &y->prev) &&
           x->first_height == y->first_height && x->forced_cursor == y->forced_cursor &&
           x->l1_block == y->l1_block && seq_hash_equal(&x->l1_block_hash, &y->l1_block_hash);
}

/* The L1 time of the block holding the last batch, which every node reads
 * alike: a batch runs at least up to it, so a backlog drains in full
 * batches. Kept while the target stays; SEQ_ERR_NOT_FOUND if that block
 * is no longer canonical (the follower will rewind). */
static seq_err target_until(node_batcher *b, batch_target *t)
{
    if (t->index == 0) {
        t->until_ms = 0;
        return SEQ_OK;
    }
    if (target_equal(t, &b->target)) {
        t->until_ms = b->target.until_ms;
        return SEQ_OK;
    }
    l1_rpc_block block;
    seq_err err = l1_rpc_block_by_number(b->rpc, &block, t->l1_block);
    if (err != SEQ_OK)
        return err;
    if (!seq_hash_equal(&block.hash, &t->l1_block_hash))
        return SEQ_ERR_NOT_FOUND;
    t->until_ms = block.timestamp * 1000u;
    return SEQ_OK;
}

/* --------------------------------------------------------------- form */

/* Reads committed blocks from the target's first height and cuts them.
 * SEQ_OK with *closed false: not enough blocks yet. */
static seq_err form(node_batcher *b, bool *closed)
{
    *closed = false;
    store_tip tip;
    seq_err err = store_get_tip(b->store, &tip);
    if (err == SEQ_ERR_NOT_FOUND)
        return SEQ_OK;
    if (err != SEQ_OK)
        return err;
    const batch_target *t = &b->target;
    if (tip.height < t->first_height || tip.height == b->tip_seen)
        return SEQ_OK;
    l1_batch_bounds bounds = {.max_blocks = b->genesis.batch.max_blocks,
                              .max_bytes = b->genesis.batch.max_bytes,
                              .max_span_ms = b->genesis.batch.max_span_ms,
                              .until_ms = t->until_ms};
    size_t n = 0, pos = L1_BATCH_COUNT_BYTES, txs = 0;
    uint64_t last_cursor = 0;
    for (uint64_t h = t->first_height; h <= tip.height && n < bounds.max_blocks; h++) {
        seq_hash hash;
        cons_block block;
        seq_arena_reset(&b->block_arena);
        if ((err = store_get_hash_at(b->store, &hash, h)) != SEQ_OK ||
            (err = store_get_block(b->store, &block, &b->block_arena, &hash)) != SEQ_OK)
            return err;
        const l1_batch_block blk = {
            .header = block.block.header, .tx_count = block.block.tx_count, .txs = block.block.txs};
        size_t size = l1_batch_block_bytes(&blk);
        b->sizes[n] = size;
        b->stamps[n] = blk.header.timestamp_ms;
        n++;
        if (n > 1 && pos + size > bounds.max_bytes)
            break; /* known not to fit: l1_batch_cut leaves it out */
        size_t wrote = 0;
        err =
            l1_batch_block_encode(b->payload + pos, b->genesis.batch.max_bytes - pos, &wrote, &blk);
        if (err != SEQ_OK)
            return err; /* validation keeps every block within a batch */
        pos += wrote;
        txs += blk.tx_count;
        last_cursor = blk.header.forced_cursor;
        if (pos >= bounds.max_bytes ||
            l1_batch_time_closes(&bounds, b->stamps[0], blk.header.timestamp_ms))
            break;
    }
    size_t count = l1_batch_cut(closed, b->sizes, b->stamps, n, &bounds);
    if (!*closed) {
        b->tip_seen = tip.height;
        return SEQ_OK;
    }
    /* The loop stops where the cut does; a block read but left out (it did
     * not fit) was not encoded, so pos and txs describe the cut. */
    SEQ_ASSERT(count == n || count + 1 == n);
    size_t check = L1_BATCH_COUNT_BYTES;
    for (size_t i = 0; i < count; i++)
        check += b->sizes[i];
    SEQ_ASSERT(check == pos);
    l1_batch_count_put(b->payload, (uint32_t)count);
    size_t data_len = 0;
    err = l1_batch_compress(b->data, L1_BATCH_DATA_BYTES_MAX, &data_len, b->payload, pos);
    if (err != SEQ_OK)
        return err;
    /* The forced cursor of the batch: its last block's (forced inclusion
     * moves it), never below what L1 already consumed. */
    uint64_t cursor = SEQ_MAX(last_cursor, t->forced_cursor);
    seq_hash data_hash;
    l1_keccak256(&data_hash, b->data, data_len);
    b->stmt = (seq_attestation_stmt){.l2_chain_id = b->genesis.l2_chain_id,
                                     .index = t->index,
                                     .prev_batch_hash = t->prev,
                                     .data_hash = data_hash,
                                     .first_height = t->first_height,
                                     .last_height = t->first_height + count - 1,
                                     .forced_cursor = cursor};
    b->data_len = data_len;
    b->payload_len = pos;
    b->block_count = count;
    b->tx_count = txs;
    return SEQ_OK;
}

/* ------------------------------------------------------------- attest */

static void broadcast_own(node_batcher *b, uint64_t now_ms)
{
    b->broadcast_ms = now_ms;
    if (b->net == NULL)
        return;
    wire_msg msg = {.type = WIRE_ATTESTATION};
    msg.u.attestation = b->own;
    seq_arena scratch;
    seq_arena_init(&scratch, b->scratch_buf, sizeof b->scratch_buf);
    size_t len = 0;
    seq_err err = wire_encode(b->msg, sizeof b->msg, &len, &scratch, &msg);
    if (err == SEQ_OK)
        err = net_broadcast(b->net, b->msg, len);
    if (err != SEQ_OK && err != SEQ_ERR_NO_SPACE)
        SEQ_LOG(SEQ_LOG_WARN, "attestation_send_failed", SEQ_F_U64("index", b->own.stmt.index),
                SEQ_F_ERR(err));
}

/* Signs the formed batch, or takes the attestation stored for its index
 * (a restart). SEQ_ERR_EXISTS: this node attested another batch with this
 * index and must not sign again. */
static seq_err attest(node_batcher *b)
{
    wire_attestation stored;
    seq_err err = store_attestation_get(b->store, &stored, b->stmt.index);
    if (err == SEQ_OK) {
        if (!stmt_equal(&stored.stmt, &b->stmt))
            return SEQ_ERR_EXISTS;
        b->own = stored;
        return SEQ_OK;
    }
    if (err != SEQ_ERR_NOT_FOUND)
        return err;
    seq_hash digest;
    attestation_digest(b, &digest, &b->stmt);
    wire_attestation a = {.stmt = b->stmt, .signer = b->address};
    if ((err = l1_secp_sign(&a.sig, b->key, &digest)) != SEQ_OK)
        return err;
    /* Durable before it leaves the process. */
    if ((err = store_attestation_put(b->store, &a)) != SEQ_OK)
        return err;
    b->own = a;
    b->status.attestations_signed++;
    return SEQ_OK;
}

/* Two valid attestations of one index by one signer: evidence. */
static void double_attestation(node_batcher *b, const wire_attestation *first,
                               const wire_attestation *second)
{
    if (b->evidence == NULL)
        return;
    wire_evidence e = {.kind = WIRE_EVIDENCE_ATTESTATION};
    e.u.attestation.a = *first;
    e.u.attestation.b = *second;
    node_evidence_add(b->evidence, &e, NODE_EVIDENCE_FROM_BATCHER, 0);
}

/* Takes the queued peer attestations: a committee member's valid
 * signature over a statement of this chain replaces what that member sent
 * before for an index as high or lower. */
static void drain(node_batcher *b)
{
    wire_attestation *in = b->drained;
    size_t count = 0;
    nng_mtx_lock(b->inbox_mtx);
    for (size_t i = 0; i < NODE_BATCHER_INBOX_MAX; i++) {
        if (b->inbox_full[i])
            in[count++] = b->inbox[i];
        b->inbox_full[i] = false;
    }
    b->status.attestations_dropped = b->inbox_dropped;
    nng_mtx_unlock(b->inbox_mtx);
    for (size_t k = 0; k < count; k++) {
        const wire_attestation *a = &in[k];
        size_t i;
        seq_hash digest;
        b->status.attestations_received++;
        bool ok = a->stmt.l2_chain_id == b->genesis.l2_chain_id &&
                  member_index(b, &i, &a->signer) && a->stmt.first_height <= a->stmt.last_height;
        if (ok) {
            attestation_digest(b, &digest, &a->stmt);
            ok = l1_secp_verify(&a->sig, &digest, &a->signer) == SEQ_OK;
        }
        if (!ok) {
            b->status.attestations_rejected++;
            SEQ_LOG(SEQ_LOG_DEBUG, "attestation_rejected", SEQ_F_U64("index", a->stmt.index),
                    SEQ_F_HEX("signer", a->signer.b, SEQ_ADDR_BYTES));
            continue;
        }
        peer_attestation *p = &b->peers[i];
        if (p->has && a->stmt.index == p->a.stmt.index && !stmt_equal(&a->stmt, &p->a.stmt))
            double_attestation(b, &p->a, a);
        if (!p->has || a->stmt.index >= p->a.stmt.index)
            *p = (peer_attestation){.has = true, .a = *a};
    }
}

/* The weight attesting exactly the formed statement; fills sigs in
 * ascending signer order until the quorum is passed. */
static uint64_t quorum(node_batcher *b, seq_sig *sigs, size_t *sig_count)
{
    size_t order[CONS_VALIDATORS_MAX], n = 0;
    uint64_t weight = 0;
    for (size_t i = 0; i < b->genesis.validator_count; i++) {
        const peer_attestation *p = &b->peers[i];
        /* A validator slashed on L1 leaves the committee at the next epoch
         * (Committee, "Slashing"): its signature would make postBatch
         * revert with NotMember then, so it is never sent. */
        if (b->evidence != NULL && node_evidence_slashed(b->evidence, i))
            continue;
        if (i == b->self || (p->has && stmt_equal(&p->a.stmt, &b->stmt))) {
            order[n++] = i;
            weight += b->genesis.validators[i].weight;
        }
    }
    b->status.attestations = (uint32_t)n;
    b->status.attested_weight = weight;
    if (sigs == NULL)
        return weight;
    /* Insertion sort by address: n is the committee size. */
    for (size_t i = 1; i < n; i++) {
        size_t v = order[i], j = i;
        while (j > 0 && seq_addr_compare(&b->genesis.validators[order[j - 1]].address,
                                         &b->genesis.validators[v].address) > 0) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = v;
    }
    uint64_t counted = 0;
    *sig_count = 0;
    for (size_t k = 0; k < n && counted * 3 <= b->weight_total * 2; k++) {
        size_t i = order[k];
        sigs[(*sig_count)++] = i == b->self ? b->own.sig : b->peers[i].a.sig;
        counted += b->genesis.validators[i].weight;
    }
    return weight;
}

/* --------------------------------------------------------------- post */

static const char *const inbox_errors[] = {
    "WrongChainId(uint64)",
    "BadIndex(uint64,uint64)",
    "BadPrevBatchHash(bytes32,bytes32)",
    "BatchTooLarge(uint256)",
    "BadDataHash(bytes32,bytes32)",
    "BadHeightRange(uint64,uint64)",
    "HeightGap(uint64,uint64)",
    "CursorBackwards(uint64,uint64)",
    "CursorBeyondQueue(uint64,uint64)",
    "BadForcedAcc(bytes32,bytes32)",
    "ForcedTxOverdue(uint64,uint64)",
    "InsufficientQuorum(uint256,uint256)",
    "NotMember(address)",
    "DuplicateSigner(address)",
    "SignersNotAscending(address,address)",
    "BadSignaturesLength(uint256)",
};

const char *node_l1_revert_name(const l1_rpc *rpc, const char *const *errors, size_t count)
{
    SEQ_ASSERT(rpc != NULL && (errors != NULL || count == 0));
    uint8_t data[256];
    size_t len = 0;
    if (l1_rpc_revert_data(rpc, data, sizeof data, &len) != SEQ_OK || len < 4)
        return "";
    for (size_t i = 0; i < count; i++) {
        uint8_t sel[4];
        l1_abi_selector(sel, errors[i]);
        if (memcmp(sel, data, 4) == 0)
            return errors[i];
    }
    return "";
}

/* The name of the Inbox error the last call reverted with, or "". */
static const char *revert_name(const node_batcher *b)
{
    return node_l1_revert_name(b->rpc, inbox_errors, SEQ_ARRAY_LEN(inbox_errors));
}

/* Inbox.forcedAccAt(cursor); zero for cursor 0. */
static seq_err forced_acc(node_batcher *b, seq_hash *out, uint64_t cursor)
{
    memset(out, 0, sizeof *out);
    if (cursor == 0)
        return SEQ_OK;
    uint8_t call[4 + 32], word[32];
    l1_abi_selector(call, "forcedAccAt(uint64)");
    l1_abi_u64(call + 4, cursor);
    l1_rpc_tx_request req = {
        .has_to = true, .to = b->record.inbox, .data = call, .data_len = sizeof call};
    size_t len = 0;
    seq_err err = l1_rpc_eth_call(b->rpc, word, sizeof word, &len, &req, L1_TAG_LATEST);
    if (err == SEQ_OK && len != sizeof word)
        err = SEQ_ERR_MALFORMED;
    if (err == SEQ_OK)
        memcpy(out->b, word, SEQ_HASH_BYTES);
    return err;
}

static void post(node_batcher *b, uint64_t now_ms, uint64_t attempt)
{
    seq_sig sigs[CONS_VALIDATORS_MAX];
    size_t sig_count = 0;
    quorum(b, sigs, &sig_count);
    l1_batch_header h = {.stmt = b->stmt};
    seq_err err = forced_acc(b, &h.forced_acc, b->stmt.forced_cursor);
    size_t call_len = 0;
    if (err == SEQ_OK)
        err = l1_batch_post_calldata(b->call, L1_TX_DATA_BYTES_MAX, &call_len, &h, b->data,
                                     b->data_len, sigs, sig_count);
    uint64_t gas = 0;
    l1_rpc_tx_request req = {.from = b->address,
                             .has_to = true,
                             .to = b->record.inbox,
                             .data = b->call,
                             .data_len = call_len};
    if (err == SEQ_OK)
        err = l1_rpc_estimate_gas(b->rpc, &gas, &req);
    if (err != SEQ_OK) {
        b->retry_ms = now_ms + NODE_BATCHER_RETRY_MS;
        bool reverted = l1_rpc_last_kind(b->rpc) == L1_RPC_KIND_REVERTED;
        const char *why = reverted ? revert_name(b) : l1_rpc_last_error(b->rpc);
        if (reverted)
            b->status.posts_refused++;
        else
            b->status.posts_failed++;
        set_error(b, "postBatch %llu %s: %s", (unsigned long long)b->stmt.index,
                  reverted ? "refused by the Inbox" : "not sent",
                  why[0] != '\0' ? why : seq_strerror(err));
        SEQ_LOG(SEQ_LOG_WARN, "batch_post_refused", SEQ_F_U64("index", b->stmt.index),
                SEQ_F_BOOL("reverted", reverted), SEQ_F_STR("why", why), SEQ_F_ERR(err));
        return;
    }
    /* Headroom over the estimate: the state may move before inclusion. */
    uint64_t limit = gas + gas / 4 + 20000u;
    uint64_t id = 0;
    err = l1_txmgr_send(b->txmgr, &id, now_ms, &b->record.inbox, NULL, b->call, call_len, limit);
    if (err != SEQ_OK) {
        b->retry_ms = now_ms + NODE_BATCHER_RETRY_MS;
        b->status.posts_failed++;
        set_error(b, "postBatch %llu: the tx manager refused it: %s",
                  (unsigned long long)b->stmt.index, seq_strerror(err));
        SEQ_LOG(SEQ_LOG_WARN, "batch_post_failed", SEQ_F_U64("index", b->stmt.index),
                SEQ_F_ERR(err));
        return;
    }
    b->sent = true;
    b->sent_attempt = attempt;
    b->tx_id = id;
    b->status.posts_sent++;
    if (attempt > 0)
        b->status.posts_failover++;
    if (b->open_count < NODE_BATCHER_OPEN_POSTS_MAX)
        b->open_ids[b->open_count++] = id;
    b->status.last_error[0] = '\0';
    SEQ_LOG(SEQ_LOG_INFO, "batch_post_sent", SEQ_F_U64("index", b->stmt.index),
            SEQ_F_U64("attempt", attempt), SEQ_F_U64("nonce", id), SEQ_F_U64("gas_limit", limit),
            SEQ_F_U64("signatures", sig_count), SEQ_F_U64("data_bytes", b->data_len));
}

/* The outcome of own posts: gas of the mined ones, reverts counted. A
 * reverted or lost post of the batch in hand lets this node post again in
 * a later turn. */
static void track_posts(node_batcher *b)
{
    size_t keep = 0;
    for (size_t k = 0; k < b->open_count; k++) {
        uint64_t id = b->open_ids[k];
        l1_txmgr_tx_status st;
        seq_err err = l1_txmgr_status(b->txmgr, &st, id);
        bool final =
            err == SEQ_ERR_NOT_FOUND ||
            (err == SEQ_OK && (st.state == L1_TXMGR_CONFIRMED || st.state == L1_TXMGR_LOST));
        if (!final) {
            b->open_ids[keep++] = id;
            continue;
        }
        if (err == SEQ_OK && st.state == L1_TXMGR_CONFIRMED) {
            l1_rpc_tx_receipt r;
            if (l1_rpc_receipt(b->rpc, &r, &st.tx_hash) == SEQ_OK)
                b->status.gas_used += r.gas_used;
            if (!st.success) {
                b->status.posts_reverted++;
                SEQ_LOG(SEQ_LOG_INFO, "batch_post_reverted", SEQ_F_U64("nonce", id),
                        SEQ_F_HEX("tx", st.tx_hash.b, SEQ_HASH_BYTES));
            }
        }
        if (b->sent && b->tx_id == id && !(err == SEQ_OK && st.success))
            b->sent = false;
    }
    b->open_count = keep;
}

/* ------------------------------------------------------------ the step */

static void drop_batch(node_batcher *b)
{
    b->status.last_error[0] = '\0'; /* what it said was about this batch */
    b->formed = false;
    b->sent = false;
    b->tip_seen = 0;
    b->conflict_logged = false;
    b->status.has_batch = false;
    b->status.attestations = 0;
    b->status.attested_weight = 0;
}

static void status_batch(node_batcher *b, uint64_t now_ms, uint64_t attempt)
{
    node_batcher_status *s = &b->status;
    s->has_batch = b->formed;
    if (!b->formed)
        return;
    s->index = b->stmt.index;
    s->first_height = b->stmt.first_height;
    s->last_height = b->stmt.last_height;
    s->forced_cursor = b->stmt.forced_cursor;
    s->block_count = b->block_count;
    s->tx_count = b->tx_count;
    s->payload_bytes = b->payload_len;
    s->data_bytes = b->data_len;
    s->attempt = attempt;
    s->poster = (uint32_t)((b->stmt.index + attempt) % b->genesis.validator_count);
    s->waiting_ms = now_ms - b->ready_ms;
}

seq_err node_batcher_step(node_batcher *b, uint64_t now_ms)
{
    SEQ_ASSERT(b != NULL);
    drain(b);
    batch_target t;
    seq_err err = target_read(b, &t);
    if (err != SEQ_OK) {
        set_error(b, "cannot read the L1 batches stored: %s", seq_strerror(err));
        return err;
    }
    if (b->formed && !target_equal(&t, &b->target))
        drop_batch(b); /* on L1 now, or L1 moved otherwise */
    if (!b->formed) {
        if ((err = target_until(b, &t)) != SEQ_OK) {
            set_error(b, "cannot read the L1 block of batch %llu: %s",
                      (unsigned long long)t.index - 1, seq_strerror(err));
            return SEQ_OK; /* an L1 matter: retried at the next step */
        }
        if (!target_equal(&t, &b->target))
            b->tip_seen = 0;
        b->target = t;
        bool closed = false;
        if ((err = form(b, &closed)) != SEQ_OK) {
            set_error(b, "cannot form batch %llu: %s", (unsigned long long)t.index,
                      seq_strerror(err));
            return err;
        }
        if (!closed)
            return SEQ_OK;
        err = attest(b);
        if (err == SEQ_ERR_EXISTS) {
            if (!b->conflict_logged)
                SEQ_LOG(SEQ_LOG_ERROR, "attestation_conflict", SEQ_F_U64("index", t.index),
                        SEQ_F_U64("first_height", b->stmt.first_height),
                        SEQ_F_U64("last_height", b->stmt.last_height));
            b->conflict_logged = true;
            b->tip_seen = 0;
            set_error(b,
                      "batch %llu: this node attested another batch with this index and will "
                      "not sign a second one",
                      (unsigned long long)t.index);
            return SEQ_OK;
        }
        if (err != SEQ_OK) {
            set_error(b, "cannot attest batch %llu: %s", (unsigned long long)t.index,
                      seq_strerror(err));
            return err;
        }
        b->formed = true;
        b->status.last_error[0] = '\0';
        b->ready_ms = now_ms;
        b->retry_ms = 0;
        b->status.batches_formed++;
        b->recent[b->recent_next].index = b->stmt.index;
        b->recent[b->recent_next].data_hash = b->stmt.data_hash;
        b->recent[b->recent_next].payload_bytes = b->payload_len;
        b->recent[b->recent_next].data_bytes = b->data_len;
        b->recent_next = (b->recent_next + 1) % NODE_BATCHER_RECENT_MAX;
        SEQ_LOG(SEQ_LOG_INFO, "batch_formed", SEQ_F_U64("index", b->stmt.index),
                SEQ_F_U64("first_height", b->stmt.first_height),
                SEQ_F_U64("last_height", b->stmt.last_height), SEQ_F_U64("txs", b->tx_count),
                SEQ_F_U64("payload_bytes", b->payload_len), SEQ_F_U64("data_bytes", b->data_len),
                SEQ_F_HEX("data_hash", b->stmt.data_hash.b, SEQ_HASH_BYTES));
        broadcast_own(b, now_ms);
    }
    if (now_ms - b->broadcast_ms >= NODE_BATCHER_REBROADCAST_MS)
        broadcast_own(b, now_ms);
    uint64_t attempt = (now_ms - b->ready_ms) / b->genesis.batch.poster_timeout_ms;
    status_batch(b, now_ms, attempt);
    uint64_t weight = quorum(b, NULL, NULL);
    bool my_turn = b->status.poster == b->self;
    if (!my_turn || weight * 3 <= b->weight_total * 2 || now_ms < b->retry_ms)
        return SEQ_OK;
    /* Once per turn; again in a later turn only if the earlier post is
     * known to have failed. */
    if (b->sent)
        return SEQ_OK;
    post(b, now_ms, attempt);
    return SEQ_OK;
}

seq_err node_batcher_poll(node_batcher *b, uint64_t now_ms)
{
    SEQ_ASSERT(b != NULL);
    if (b->open_count == 0 && !b->sent)
        return SEQ_OK;
    seq_err err = l1_txmgr_poll(b->txmgr, now_ms);
    if (err == SEQ_OK)
        track_posts(b);
    return err;
}

uint64_t node_batcher_next_ms(const node_batcher *b, uint64_t now_ms)
{
    SEQ_ASSERT(b != NULL);
    if (!b->formed)
        return UINT64_MAX;
    uint64_t next = b->broadcast_ms + NODE_BATCHER_REBROADCAST_MS;
    uint64_t timeout = b->genesis.batch.poster_timeout_ms;
    uint64_t attempt = (now_ms - b->ready_ms) / timeout;
    next = SEQ_MIN(next, b->ready_ms + (attempt + 1) * timeout);
    if (b->retry_ms > now_ms)
        next = SEQ_MIN(next, b->retry_ms);
    return next;
}

/* ---------------------------------------------------- batches from L1 */

void node_batcher_seen(node_batcher *b, const store_l1_batch *batch, bool live,
                       uint64_t now_wall_ms)
{
    SEQ_ASSERT(b != NULL && batch != NULL);
    node_batcher_status *s = &b->status;
    s->batches_seen++;
    if (batch->last_height == 0) {
        s->forced_batches_seen++;
        return;
    }
    size_t first_poster = (size_t)(batch->index % b->genesis.validator_count);
    if (!seq_addr_equal(&batch->poster, &b->genesis.validators[first_poster].address))
        s->failovers_seen++;
    s->blocks_posted += batch->last_height - batch->first_height + 1;
    s->posted_height = SEQ_MAX(s->posted_height, batch->last_height);
    for (size_t i = 0; i < NODE_BATCHER_RECENT_MAX; i++) {
        if (b->recent[i].index == batch->index &&
            seq_hash_equal(&b->recent[i].data_hash, &batch->data_hash)) {
            s->payload_bytes_posted += b->recent[i].payload_bytes;
            s->data_bytes_posted += b->recent[i].data_bytes;
            break;
        }
    }
    /* Txs and the posting lag, from this node's copy of the blocks (a
     * node still catching up may not have them yet). */
    for (uint64_t h = batch->first_height; h <= batch->last_height; h++) {
        seq_hash hash;
        cons_block block;
        seq_arena_reset(&b->block_arena);
        if (store_get_hash_at(b->store, &hash, h) != SEQ_OK ||
            store_get_block(b->store, &block, &b->block_arena, &hash) != SEQ_OK)
            break;
        size_t txs = block.block.tx_count;
        s->txs_posted += txs;
        uint64_t ts = block.block.header.timestamp_ms;
        if (live)
            node_post_lag_observe(&s->post_lag, now_wall_ms > ts ? now_wall_ms - ts : 0,
                                  txs > 0 ? txs : 1);
    }
}

/* --------------------------------------------------------- the outside */

void node_batcher_offer(node_batcher *b, uint32_t from, const wire_attestation *a)
{
    SEQ_ASSERT(b != NULL && a != NULL);
    nng_mtx_lock(b->inbox_mtx);
    if (from >= NODE_BATCHER_INBOX_MAX) {
        b->inbox_dropped++;
    } else {
        /* The newer of two from one peer (its statements only move up);
         * the older is dropped unread. */
        if (b->inbox_full[from]) {
            b->inbox_dropped++;
            if (b->inbox[from].stmt.index > a->stmt.index) {
                nng_mtx_unlock(b->inbox_mtx);
                return;
            }
        }
        b->inbox[from] = *a;
        b->inbox_full[from] = true;
    }
    nng_mtx_unlock(b->inbox_mtx);
}

l1_txmgr *node_batcher_txmgr(node_batcher *b)
{
    SEQ_ASSERT(b != NULL);
    return b->txmgr;
}

void node_batcher_status_get(const node_batcher *b, node_batcher_status *out)
{
    SEQ_ASSERT(b != NULL && out != NULL);
    *out = b->status;
}

seq_err node_batcher_new(node_batcher **out, node_diag *why, const node_batcher_config *c)
{
    SEQ_ASSERT(out != NULL && c != NULL && c->genesis != NULL && c->record != NULL);
    SEQ_ASSERT(c->store != NULL && c->rpc != NULL && c->key != NULL && c->txmgr_dir != NULL);
    *out = NULL;
    const node_genesis *g = c->genesis;
    if (!g->l1.has_committee_address)
        return node_diag_set(why, SEQ_ERR_INVALID_ARG,
                             "batches: the genesis names no l1.committee_address, so "
                             "attestations would not verify on L1");
    if (c->self_index >= g->validator_count)
        return node_diag_set(why, SEQ_ERR_INVALID_ARG, "batches: not a committee member");
    node_batcher *b = calloc(1, sizeof *b);
    if (b == NULL)
        return node_diag_set(why, SEQ_ERR_NO_MEMORY, "out of memory");
    b->genesis = *g;
    b->record = *c->record;
    b->store = c->store;
    b->net = c->net;
    b->evidence = c->evidence;
    b->rpc = c->rpc;
    b->self = c->self_index;
    b->address = g->validators[c->self_index].address;
    node_genesis_domain_separator(&b->domain, g);
    for (size_t i = 0; i < g->validator_count; i++)
        b->weight_total += g->validators[i].weight;
    b->status.enabled = true;
    b->status.quorum_weight = b->weight_total * 2 / 3 + 1;
    seq_err err = SEQ_ERR_NO_MEMORY;
    b->key = sodium_malloc(32);
    b->payload = malloc(g->batch.max_bytes);
    b->data = malloc(L1_BATCH_DATA_BYTES_MAX);
    b->call = malloc(L1_TX_DATA_BYTES_MAX);
    b->sizes = calloc((size_t)g->batch.max_blocks + 1, sizeof *b->sizes);
    b->stamps = calloc((size_t)g->batch.max_blocks + 1, sizeof *b->stamps);
    b->block_buf = malloc(STORE_BLOCK_ARENA_BYTES);
    if (b->key == NULL || b->payload == NULL || b->data == NULL || b->call == NULL ||
        b->sizes == NULL || b->stamps == NULL || b->block_buf == NULL ||
        nng_mtx_alloc(&b->inbox_mtx) != 0)
        goto fail;
    memcpy(b->key, c->key, 32);
    seq_arena_init(&b->block_arena, b->block_buf, STORE_BLOCK_ARENA_BYTES);
    seq_addr derived;
    if (l1_secp_address(&derived, b->key) != SEQ_OK || !seq_addr_equal(&derived, &b->address)) {
        node_batcher_free(b);
        return node_diag_set(why, SEQ_ERR_INVALID_ARG,
                             "batches: the validator key is not committee member %zu's",
                             c->self_index);
    }
    l1_txmgr_options o;
    l1_txmgr_options_default(&o);
    o.confirm_depth = SEQ_MAX((uint64_t)1, (uint64_t)g->l1.confirmations + 1);
    err = l1_txmgr_open(&b->txmgr, c->txmgr_dir, c->rpc, b->key, b->record.l1_chain_id, &o);
    if (err != SEQ_OK) {
        node_batcher_free(b);
        return node_diag_set(why, err, "batches: the L1 tx manager in %s: %s", c->txmgr_dir,
                             seq_strerror(err));
    }
    *out = b;
    return SEQ_OK;
fail:
    node_batcher_free(b);
    return node_diag_set(why, err, "batches: %s", seq_strerror(err));
}

void node_batcher_free(node_batcher *b)
{
    if (b == NULL)
        return;
    l1_txmgr_close(b->txmgr);
    if (b->key != NULL)
        sodium_free(b->key); /* wipes */
    if (b->inbox_mtx != NULL)
        nng_mtx_free(b->inbox_mtx);
    free(b->payload);
    free(b->data);
    free(b->call);
    free(b->sizes);
    free(b->stamps);
    free(b->block_buf);
    free(b);
}
