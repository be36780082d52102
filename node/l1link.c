/* l1link.c — the node's L1 part (node.h "l1link", node/README.md "L1
 * link").
 *
 * One thread, its own JSON-RPC client. Each turn:
 *   1. once per connection, check that the record's contracts are this
 *      genesis's deployment on this chain (l1_deploy_check: never trust an
 *      address to hold what it claims);
 *   2. read the head, then let the follower deliver the Inbox and Committee
 *      logs of the next ranges up to head - confirmations. Each range's
 *      batches and the cursor after it go to the store in one durable
 *      transaction; a reorg rewinds both to the common ancestor first;
 *   3. bring the L1 origin table up to the cursor: the headers above the
 *      newest stored origin, checked to chain up to the cursor's hash;
 *   4. read the Inbox's counters (status()) for the report.
 * A failed turn leaves the stored state as it was, is counted and reported,
 * and the next turn comes after a doubling backoff (poll_ms up to
 * NODE_L1LINK_BACKOFF_MS_MAX). A log from our contracts that does not
 * decode stops the follower at that range (reported, retried): skipping it
 * would lose a batch. The consensus loop never waits for any of this. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "internal.h"

_Static_assert(L1_EVENT_KIND_COUNT_ <= NODE_L1LINK_EVENT_KINDS, "every event kind is counted");

/* What eth_call of Inbox.status() returns: nextIndex, lastBatchHash,
 * forcedConsumed, forcedCount, nextHeight. */
#define INBOX_STATUS_BYTES (5u * 32u)

/* A live batch that consumed forced entries [from, to) on L1. */
typedef struct {
    uint64_t from, to, l1_block;
} l1link_posted;

struct node_l1link {
    node_l1_record record;
    node_genesis genesis;
    l1_deploy_params params;
    store *store;
    uint32_t poll_ms;
    l1_rpc *rpc;
    l1_follow *follow;
    bool verified;
    node_batcher *batcher; /* NULL: follow only */
    node_slasher *slasher; /* with the batcher and evidence */
    node_evidence *evidence;
    uint64_t slasher_failures;
    /* Slashing logs of the range being delivered, noted at its CURSOR. */
    seq_addr accepted[NODE_L1LINK_SLASHINGS_MAX], slashed[NODE_L1LINK_SLASHINGS_MAX];
    size_t accepted_count, slashed_count;
    uint64_t batcher_failures;
    uint64_t head; /* the last head read, for telling live batches */
    /* The range being delivered: its batches and forced entries wait for
     * the CURSOR event. */
    store_l1_batch *pending; /* STORE_L1_BATCHES_PER_CHANGE_MAX */
    size_t pending_count;
    store_l1_forced *forced; /* STORE_L1_FORCED_PER_CHANGE_MAX */
    size_t forced_count;
    uint8_t *forced_bytes; /* their txs: L1_FOLLOW_DATA_BYTES_MAX */
    size_t forced_used;
    /* The queue as stored: the next index and its accumulator. */
    uint64_t forced_next;
    seq_hash forced_acc;
    uint64_t events[NODE_L1LINK_EVENT_KINDS]; /* of the range being delivered */
    /* One turn's L1 headers for the origin table, and what is stored. */
    l1_rpc_block origin_headers[NODE_L1LINK_ORIGINS_FETCH_MAX];
    store_l1_origin origins[NODE_L1LINK_ORIGINS_FETCH_MAX];
    /* Live batches of this turn that consumed forced entries [from, to)
     * on L1, measured once the origin table has their blocks. */
    l1link_posted posted[NODE_L1LINK_POSTED_MAX];
    size_t posted_count;
    seq_err callback_err; /* why the callback stopped the poll */
    char callback_why[NODE_L1LINK_ERROR_BYTES];
    /* The thread and the stop flag. */
    nng_thread *thread;
    nng_mtx *mtx;
    nng_cv *cv;
    bool stopping;             /* mtx */
    bool woken;                /* mtx: an attestation arrived */
    node_l1link_status status; /* mtx */
};

/* ------------------------------------------------------------ follower */

static seq_err fail(node_l1link *l, seq_err err, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

static seq_err fail(node_l1link *l, seq_err err, const char *format, ...)
{
    va_list ap;
    va_start(ap, format);
    vsnprintf(l->callback_why, sizeof l->callback_why, format, ap);
    va_end(ap);
    l->callback_err = err;
    return err;
}

/* The queue's entry hash and accumulator (Inbox.sol): entry =
 * keccak256(abi.encode(index, sender, l1Block, l1Timestamp, txHash)),
 * acc' = keccak256(abi.encode(acc, entry)). */
static void forced_acc_next(seq_hash *out, const seq_hash *acc, const l1_event_forced_tx_queued *q)
{
    uint8_t words[5 * 32];
    seq_hash entry;
    l1_abi_u64(words, q->index);
    l1_abi_addr(words + 32, &q->sender);
    l1_abi_u64(words + 64, q->l1_block);
    l1_abi_u64(words + 96, q->l1_timestamp);
    memcpy(words + 128, q->tx_hash.b, SEQ_HASH_BYTES);
    l1_keccak256(&entry, words, sizeof words);
    memcpy(words, acc->b, SEQ_HASH_BYTES);
    memcpy(words + 32, entry.b, SEQ_HASH_BYTES);
    l1_keccak256(out, words, 64);
}

/* A forced queue entry: checked against what the Inbox computes (the
 * next index, the tx's hash, the accumulator chain) before it is kept,
 * so a lying L1 node cannot slip in another tx. */
static seq_err on_forced(node_l1link *l, const l1_rpc_log *log, const l1_event_forced_tx_queued *q)
{
    uint64_t want = l->forced_count > 0 ? l->forced[l->forced_count - 1].index + 1 : l->forced_next;
    const seq_hash *acc =
        l->forced_count > 0 ? &l->forced[l->forced_count - 1].acc : &l->forced_acc;
    seq_hash tx_hash, next;
    l1_keccak256(&tx_hash, q->tx, q->tx_len);
    forced_acc_next(&next, acc, q);
    if (q->index != want || !seq_hash_equal(&tx_hash, &q->tx_hash) ||
        !seq_hash_equal(&next, &q->acc) || q->tx_len == 0 ||
        q->tx_len > STORE_L1_FORCED_TX_BYTES_MAX || q->l1_block != log->block_number)
        return fail(l, SEQ_ERR_MALFORMED,
                    "forced entry %llu in L1 block %llu does not follow the queue (index, tx "
                    "hash or accumulator)",
                    (unsigned long long)q->index, (unsigned long long)log->block_number);
    if (l->forced_count == STORE_L1_FORCED_PER_CHANGE_MAX ||
        q->tx_len > L1_FOLLOW_DATA_BYTES_MAX - l->forced_used)
        return fail(l, SEQ_ERR_NO_SPACE, "more than %u forced entries in one range of blocks",
                    STORE_L1_FORCED_PER_CHANGE_MAX);
    uint8_t *tx = l->forced_bytes + l->forced_used;
    memcpy(tx, q->tx, q->tx_len);
    l->forced_used += q->tx_len;
    l->forced[l->forced_count++] = (store_l1_forced){.index = q->index,
                                                     .sender = q->sender,
                                                     .l1_block = q->l1_block,
                                                     .l1_timestamp = q->l1_timestamp,
                                                     .tx_hash = q->tx_hash,
                                                     .acc = q->acc,
                                                     .l1_block_hash = log->block_hash,
                                                     .l1_tx_hash = log->tx_hash,
                                                     .tx = tx,
                                                     .tx_len = q->tx_len};
    return SEQ_OK;
}

static seq_err on_slashing(node_l1link *l, const l1_event *ev)
{
    bool accepted = ev->kind == L1_EVENT_EVIDENCE_ACCEPTED;
    size_t *count = accepted ? &l->accepted_count : &l->slashed_count;
    if (*count == NODE_L1LINK_SLASHINGS_MAX)
        return fail(l, SEQ_ERR_NO_SPACE, "more than %u slashing logs in one range of blocks",
                    NODE_L1LINK_SLASHINGS_MAX);
    if (accepted)
        l->accepted[(*count)++] = ev->evidence_accepted.validator;
    else
        l->slashed[(*count)++] = ev->validator_slashed.validator;
    return SEQ_OK;
}

/* The slashing logs of a stored range: to the evidence counters. */
static void slashings_note(node_l1link *l)
{
    for (size_t i = 0; l->evidence != NULL && i < l->accepted_count; i++)
        node_evidence_note_accepted(l->evidence, &l->accepted[i]);
    for (size_t i = 0; i < l->slashed_count; i++) {
        if (l->evidence != NULL)
            node_evidence_note_slashed(l->evidence, &l->slashed[i]);
        SEQ_LOG(SEQ_LOG_WARN, "l1_validator_slashed",
                SEQ_F_HEX("validator", l->slashed[i].b, SEQ_ADDR_BYTES));
    }
}

static seq_err on_log(node_l1link *l, const l1_rpc_log *log)
{
    l1_event ev;
    if (l1_event_decode(&ev, log) != SEQ_OK)
        return fail(l, SEQ_ERR_MALFORMED,
                    "a log of block %llu (tx index %llu, log index %llu) does not decode",
                    (unsigned long long)log->block_number, (unsigned long long)log->tx_index,
                    (unsigned long long)log->log_index);
    if (ev.kind == L1_EVENT_UNKNOWN)
        return SEQ_OK;
    const seq_addr *from = l1_event_from_inbox(ev.kind) ? &l->record.inbox : &l->record.committee;
    if (memcmp(log->address.b, from->b, SEQ_ADDR_BYTES) != 0)
        return SEQ_OK; /* the other contract's event of the same shape: not ours */
    l->events[ev.kind]++;
    if (ev.kind == L1_EVENT_FORCED_TX_QUEUED)
        return on_forced(l, log, &ev.forced_tx_queued);
    if (ev.kind == L1_EVENT_EVIDENCE_ACCEPTED || ev.kind == L1_EVENT_VALIDATOR_SLASHED)
        return on_slashing(l, &ev);
    if (ev.kind != L1_EVENT_BATCH_POSTED)
        return SEQ_OK;
    if (l->pending_count == STORE_L1_BATCHES_PER_CHANGE_MAX)
        return fail(l, SEQ_ERR_NO_SPACE, "more than %u batches in one range of blocks",
                    STORE_L1_BATCHES_PER_CHANGE_MAX);
    const l1_event_batch_posted *b = &ev.batch_posted;
    l->pending[l->pending_count++] = (store_l1_batch){.index = b->index,
                                                      .batch_hash = b->batch_hash,
                                                      .data_hash = b->data_hash,
                                                      .first_height = b->first_height,
                                                      .last_height = b->last_height,
                                                      .forced_cursor = b->forced_cursor,
                                                      .poster = b->poster,
                                                      .l1_block = log->block_number,
                                                      .l1_block_hash = log->block_hash,
                                                      .l1_tx_hash = log->tx_hash};
    return SEQ_OK;
}

static void range_reset(node_l1link *l)
{
    l->pending_count = 0;
    l->forced_count = 0;
    l->forced_used = 0;
    l->accepted_count = l->slashed_count = 0;
    memset(l->events, 0, sizeof l->events);
}

/* The stored queue's next index and accumulator, and what the report
 * shows about it: entries, consumed (the last batch's cursor), and the L1
 * block of the oldest one not consumed. */
static seq_err forced_reload(node_l1link *l)
{
    uint64_t count = 0;
    seq_err err = store_l1_forced_count(l->store, &count);
    store_l1_forced f;
    memset(&f, 0, sizeof f);
    if (err == SEQ_OK && count > 0)
        err =
            store_l1_get_forced(l->store, &f, l->forced_bytes, L1_FOLLOW_DATA_BYTES_MAX, count - 1);
    if (err != SEQ_OK)
        return err;
    l->forced_next = count;
    l->forced_acc = f.acc; /* zero for an empty queue: acc_0 */
    store_l1_batch last;
    uint64_t consumed = 0;
    if (store_l1_last_batch(l->store, &last) == SEQ_OK)
        consumed = last.forced_cursor;
    bool has_oldest = consumed < count;
    if (has_oldest && (err = store_l1_get_forced(l->store, &f, l->forced_bytes,
                                                 L1_FOLLOW_DATA_BYTES_MAX, consumed)) != SEQ_OK)
        return err;
    nng_mtx_lock(l->mtx);
    l->status.forced_stored = count;
    l->status.forced_consumed_stored = consumed;
    l->status.has_forced_oldest = has_oldest;
    l->status.forced_oldest_block = has_oldest ? f.l1_block : 0;
    nng_mtx_unlock(l->mtx);
    return SEQ_OK;
}

/* The newest stored origin, into the status. */
static seq_err origin_status_reload(node_l1link *l)
{
    store_l1_origin last;
    seq_err err = store_l1_last_origin(l->store, &last);
    if (err != SEQ_OK && err != SEQ_ERR_NOT_FOUND)
        return err;
    nng_mtx_lock(l->mtx);
    l->status.has_origin = err == SEQ_OK;
    l->status.origin_number = last.number; /* zeroed when there is none */
    l->status.origin_timestamp = last.timestamp;
    nng_mtx_unlock(l->mtx);
    return SEQ_OK;
}

/* Live batches (in the blocks just confirmed, not replayed from long
 * ago). */
static bool batch_live(const node_l1link *l, const store_l1_batch *b)
{
    return b->l1_block + l->genesis.l1.confirmations + NODE_L1LINK_LIVE_BLOCKS >= l->head;
}

/* Notes the forced entries the range's live batches consumed on L1
 * (before forced_reload moves the stored cursor past them). */
static void posted_note(node_l1link *l)
{
    uint64_t consumed = l->status.forced_consumed_stored; /* only this thread writes it */
    for (size_t i = 0; i < l->pending_count; i++) {
        const store_l1_batch *b = &l->pending[i];
        if (b->forced_cursor <= consumed)
            continue;
        if (batch_live(l, b) && l->posted_count < NODE_L1LINK_POSTED_MAX)
            l->posted[l->posted_count++] = (l1link_posted){consumed, b->forced_cursor, b->l1_block};
        consumed = b->forced_cursor;
    }
}

/* The posting latency of the entries posted_note kept: the batch block's
 * timestamp (origin table) minus the entry's. A block the table does not
 * hold, or an unreadable entry, is skipped: these are metrics. */
static void posted_observe(node_l1link *l)
{
    size_t measured = 0;
    for (size_t k = 0; k < l->posted_count; k++) {
        store_l1_origin o;
        if (store_l1_get_origin(l->store, &o, l->posted[k].l1_block) != SEQ_OK)
            continue;
        for (uint64_t i = l->posted[k].from;
             i < l->posted[k].to && measured < NODE_L1LINK_POSTED_ENTRIES_MAX; i++, measured++) {
            store_l1_forced f;
            if (store_l1_get_forced(l->store, &f, l->forced_bytes, L1_FOLLOW_DATA_BYTES_MAX, i) !=
                SEQ_OK)
                continue;
            uint64_t lag_s = o.timestamp > f.l1_timestamp ? o.timestamp - f.l1_timestamp : 0;
            nng_mtx_lock(l->mtx);
            node_post_lag_observe(&l->status.forced_posted_lag, lag_s * 1000u, 1);
            nng_mtx_unlock(l->mtx);
        }
    }
    l->posted_count = 0;
}

/* Stores the range's batches and the cursor after it, then counts it. */
static seq_err on_cursor(node_l1link *l, uint64_t number, const seq_hash *hash)
{
    store_l1_change c = {.batches = l->pending,
                         .batch_count = l->pending_count,
                         .forced = l->forced,
                         .forced_count = l->forced_count,
                         .cursor_number = number,
                         .cursor_hash = *hash};
    seq_err err = store_l1_apply(l->store, &c);
    if (err != SEQ_OK)
        return fail(l, err, "the store refused L1 block %llu: %s", (unsigned long long)number,
                    seq_strerror(err));
    if (l->forced_count > 0) {
        l->forced_next = l->forced[l->forced_count - 1].index + 1;
        l->forced_acc = l->forced[l->forced_count - 1].acc;
        for (size_t i = 0; i < l->forced_count; i++)
            SEQ_LOG(SEQ_LOG_INFO, "l1_forced_seen", SEQ_F_U64("index", l->forced[i].index),
                    SEQ_F_U64("l1_block", l->forced[i].l1_block),
                    SEQ_F_U64("tx_bytes", l->forced[i].tx_len),
                    SEQ_F_HEX("tx_hash", l->forced[i].tx_hash.b, SEQ_HASH_BYTES));
    }
    posted_note(l);
    slashings_note(l);
    if ((l->forced_count > 0 || l->pending_count > 0) && (err = forced_reload(l)) != SEQ_OK)
        return fail(l, err, "the store's forced queue: %s", seq_strerror(err));
    store_l1_batch last;
    bool has_last = l->pending_count > 0;
    if (has_last)
        last = l->pending[l->pending_count - 1];
    if (l->batcher != NULL) {
        uint64_t wall = seq_wall_ms();
        for (size_t i = 0; i < l->pending_count; i++) {
            /* Live: in the blocks just confirmed, not replayed from long ago. */
            node_batcher_seen(l->batcher, &l->pending[i], batch_live(l, &l->pending[i]), wall);
        }
    }
    nng_mtx_lock(l->mtx);
    node_l1link_status *s = &l->status;
    s->has_cursor = true;
    s->cursor = number;
    s->cursor_hash = *hash;
    for (size_t k = 0; k < NODE_L1LINK_EVENT_KINDS; k++)
        s->events[k] += l->events[k];
    if (has_last) {
        s->has_batch = true;
        s->last_batch = last;
    }
    nng_mtx_unlock(l->mtx);
    for (size_t i = 0; i < l->pending_count; i++)
        SEQ_LOG(SEQ_LOG_INFO, "l1_batch_seen", SEQ_F_U64("index", l->pending[i].index),
                SEQ_F_U64("first_height", l->pending[i].first_height),
                SEQ_F_U64("last_height", l->pending[i].last_height),
                SEQ_F_U64("l1_block", l->pending[i].l1_block));
    range_reset(l);
    return SEQ_OK;
}

/* A reorg: forget the batches above the common ancestor, durably, before
 * the follower re-delivers the new chain. */
static seq_err on_rewind(node_l1link *l, uint64_t number, const seq_hash *hash)
{
    range_reset(l);
    store_l1_change c = {
        .rewind = true, .rewind_to = number, .cursor_number = number, .cursor_hash = *hash};
    seq_err err = store_l1_apply(l->store, &c);
    if (err == SEQ_OK)
        err = forced_reload(l);
    if (err != SEQ_OK)
        return fail(l, err, "the store refused the rewind to L1 block %llu: %s",
                    (unsigned long long)number, seq_strerror(err));
    if ((err = origin_status_reload(l)) != SEQ_OK)
        return fail(l, err, "the store's L1 origins: %s", seq_strerror(err));
    store_l1_batch last;
    bool has_last = store_l1_last_batch(l->store, &last) == SEQ_OK;
    nng_mtx_lock(l->mtx);
    l->status.reorgs++;
    l->status.cursor = number;
    l->status.cursor_hash = *hash;
    l->status.has_batch = has_last;
    l->status.last_batch = has_last ? last : (store_l1_batch){0};
    nng_mtx_unlock(l->mtx);
    return SEQ_OK;
}

static seq_err follow_cb(void *ctx, const l1_follow_event *ev)
{
    node_l1link *l = ctx;
    switch (ev->kind) {
    case L1_FOLLOW_LOG:
        return on_log(l, ev->log);
    case L1_FOLLOW_CURSOR:
        return on_cursor(l, ev->number, &ev->hash);
    case L1_FOLLOW_REWIND:
        return on_rewind(l, ev->number, &ev->hash);
    }
    return SEQ_ERR_INTERNAL;
}

/* ------------------------------------------------------------- origins */

/* Reads the headers from..to (at most NODE_L1LINK_ORIGINS_FETCH_MAX) into
 * l->origin_headers, stopping at the first that breaks the chain. *links:
 * each is the parent of the next and the last has hash to_hash; false for
 * a header L1 no longer has (a shorter chain) too. RPC errors, with why.
 * l1_rpc_block_by_number refuses a header of another number. */
static seq_err origins_fetch(node_l1link *l, char why[NODE_L1LINK_ERROR_BYTES], bool *links,
                             uint64_t from, uint64_t to, const seq_hash *to_hash)
{
    SEQ_ASSERT(from <= to && to - from < NODE_L1LINK_ORIGINS_FETCH_MAX);
    *links = false;
    l1_rpc_block *h = l->origin_headers;
    for (uint64_t i = 0; i <= to - from; i++) {
        seq_err err = l1_rpc_block_by_number(l->rpc, &h[i], from + i);
        if (err == SEQ_ERR_NOT_FOUND)
            return SEQ_OK;
        if (err != SEQ_OK) {
            snprintf(why, NODE_L1LINK_ERROR_BYTES, "L1 header %llu: %s",
                     (unsigned long long)(from + i), l1_rpc_last_error(l->rpc));
            return err;
        }
        if (i > 0 && !seq_hash_equal(&h[i].parent_hash, &h[i - 1].hash))
            return SEQ_OK;
    }
    *links = seq_hash_equal(&h[to - from].hash, to_hash);
    return SEQ_OK;
}

/* *links: the stored origin from - 1, if there is one, is the parent of
 * the first header fetched. Store errors, with why. */
static seq_err origins_below_links(node_l1link *l, char why[NODE_L1LINK_ERROR_BYTES], bool *links,
                                   uint64_t from)
{
    store_l1_origin below;
    seq_err err = from > 0 ? store_l1_get_origin(l->store, &below, from - 1) : SEQ_ERR_NOT_FOUND;
    *links = err == SEQ_ERR_NOT_FOUND ||
             (err == SEQ_OK && seq_hash_equal(&below.hash, &l->origin_headers[0].parent_hash));
    if (err == SEQ_ERR_NOT_FOUND || err == SEQ_OK)
        return SEQ_OK;
    snprintf(why, NODE_L1LINK_ERROR_BYTES, "the store's L1 origins: %s", seq_strerror(err));
    return err;
}

/* Stores the fetched headers from..to as origins, dropping those below
 * keep_from, and reports the newest. */
static seq_err origins_store(node_l1link *l, char why[NODE_L1LINK_ERROR_BYTES], uint64_t from,
                             uint64_t to, uint64_t keep_from)
{
    size_t count = (size_t)(to - from + 1);
    for (size_t i = 0; i < count; i++)
        l->origins[i] = (store_l1_origin){.number = l->origin_headers[i].number,
                                          .hash = l->origin_headers[i].hash,
                                          .timestamp = l->origin_headers[i].timestamp};
    seq_err err = store_l1_origins_put(l->store, l->origins, count, keep_from);
    if (err == SEQ_OK)
        err = origin_status_reload(l);
    if (err != SEQ_OK)
        snprintf(why, NODE_L1LINK_ERROR_BYTES, "the store refused L1 origins %llu..%llu: %s",
                 (unsigned long long)from, (unsigned long long)to, seq_strerror(err));
    return err;
}

/* Brings the origin table up to the stored cursor (node.h,
 * NODE_L1LINK_ORIGINS_*): the headers above the newest stored origin, no
 * more than the window of the newest NODE_L1LINK_ORIGINS_FETCH_MAX and
 * none below the deployment block. They must chain from the stored origin
 * below them to the cursor's hash. Headers that do not chain are a reorg
 * in progress: nothing is stored (counted), and the follower rewinds on a
 * later poll. A stored origin below them that is not their parent is a
 * stale tail: the whole window is fetched again and replaces it, and if
 * the origin below the window does not link either, everything below the
 * window goes. */
static seq_err origins_fill(node_l1link *l, char why[NODE_L1LINK_ERROR_BYTES])
{
    uint64_t cursor;
    seq_hash cursor_hash;
    store_l1_origin last;
    seq_err err = store_l1_get_cursor(l->store, &cursor, &cursor_hash);
    if (err == SEQ_ERR_NOT_FOUND)
        return SEQ_OK; /* nothing followed yet */
    if (err == SEQ_OK)
        err = store_l1_last_origin(l->store, &last);
    if (err != SEQ_OK && err != SEQ_ERR_NOT_FOUND) {
        snprintf(why, NODE_L1LINK_ERROR_BYTES, "the store's L1 origins: %s", seq_strerror(err));
        return err;
    }
    uint64_t window = SEQ_MAX(l->record.block_number,
                              cursor - SEQ_MIN(cursor, NODE_L1LINK_ORIGINS_FETCH_MAX - 1u));
    uint64_t from = err == SEQ_OK ? SEQ_MAX(window, last.number + 1) : window;
    if (from > cursor)
        return SEQ_OK; /* up to date */
    bool links, below = false;
    err = origins_fetch(l, why, &links, from, cursor, &cursor_hash);
    if (err == SEQ_OK && links)
        err = origins_below_links(l, why, &below, from);
    if (err == SEQ_OK && links && !below && from > window) {
        SEQ_LOG(SEQ_LOG_INFO, "l1_origins_stale", SEQ_F_U64("origin", from - 1),
                SEQ_F_U64("refetch_from", window));
        from = window;
        err = origins_fetch(l, why, &links, from, cursor, &cursor_hash);
        if (err == SEQ_OK && links)
            err = origins_below_links(l, why, &below, from);
    }
    if (err != SEQ_OK)
        return err;
    if (!links) {
        nng_mtx_lock(l->mtx);
        l->status.origin_mismatches++;
        nng_mtx_unlock(l->mtx);
        SEQ_LOG(SEQ_LOG_INFO, "l1_origins_unlinked", SEQ_F_U64("from", from),
                SEQ_F_U64("cursor", cursor),
                SEQ_F_STR("why", "the headers do not chain up to the cursor: a reorg"));
        return SEQ_OK;
    }
    uint64_t keep_from = cursor - SEQ_MIN(cursor, NODE_L1LINK_ORIGINS_KEEP);
    if (!below) {
        SEQ_LOG(
            SEQ_LOG_INFO, "l1_origins_dropped", SEQ_F_U64("below", from),
            SEQ_F_STR("why", "the stored origin below the window is not on the cursor's chain"));
        keep_from = SEQ_MAX(keep_from, from);
    }
    return origins_store(l, why, from, cursor, keep_from);
}

/* ------------------------------------------------------------- a turn */

static seq_err verify(node_l1link *l, char why[NODE_L1LINK_ERROR_BYTES])
{
    char check[L1_DEPLOY_WHY_BYTES] = "";
    uint64_t block = 0;
    seq_err err =
        l1_deploy_check(&block, check, l->rpc, &l->params, &l->record.committee, &l->record.inbox);
    if (err == SEQ_OK && block != l->record.block_number) {
        snprintf(check, sizeof check, "the Committee was deployed in block %llu, not %llu",
                 (unsigned long long)block, (unsigned long long)l->record.block_number);
        err = SEQ_ERR_EXISTS;
    }
    if (err == SEQ_ERR_NOT_FOUND || err == SEQ_ERR_EXISTS || err == SEQ_ERR_INVALID_ARG) {
        snprintf(why, NODE_L1LINK_ERROR_BYTES, "the deployment record does not match L1: %.250s",
                 check);
        return err;
    }
    if (err != SEQ_OK) {
        snprintf(why, NODE_L1LINK_ERROR_BYTES, "%s", l1_rpc_last_error(l->rpc));
        return err;
    }
    l->verified = true;
    SEQ_LOG(SEQ_LOG_INFO, "l1_deployment_verified", SEQ_F_U64("chain_id", l->record.l1_chain_id),
            SEQ_F_HEX("inbox", l->record.inbox.b, SEQ_ADDR_BYTES),
            SEQ_F_U64("block", l->record.block_number));
    return SEQ_OK;
}

static uint64_t word_u64(const uint8_t *w)
{
    return store_u64_from_be(w + 24);
}

/* Inbox.status() at the latest block: what the report shows. */
static seq_err inbox_head(node_l1link *l)
{
    uint8_t call[4], out[INBOX_STATUS_BYTES];
    l1_abi_selector(call, "status()");
    l1_rpc_tx_request req = {.has_to = true, .to = l->record.inbox, .data = call, .data_len = 4};
    size_t len = 0;
    seq_err err = l1_rpc_eth_call(l->rpc, out, sizeof out, &len, &req, L1_TAG_LATEST);
    if (err == SEQ_OK && len != sizeof out)
        err = SEQ_ERR_MALFORMED;
    if (err != SEQ_OK)
        return err;
    /* L1's finalized block, for the third clock; a node without one
     * (NOT_FOUND) just has no finality to report yet. */
    l1_rpc_block fin;
    seq_err ferr = l1_rpc_block_by_tag(l->rpc, &fin, L1_TAG_FINALIZED);
    if (ferr != SEQ_OK && ferr != SEQ_ERR_NOT_FOUND)
        return ferr;
    nng_mtx_lock(l->mtx);
    l->status.has_inbox_head = true;
    l->status.inbox_next_index = word_u64(out);
    l->status.forced_consumed = word_u64(out + 64);
    l->status.forced_count = word_u64(out + 96);
    l->status.has_finalized = ferr == SEQ_OK;
    if (ferr == SEQ_OK)
        l->status.finalized = fin.number;
    nng_mtx_unlock(l->mtx);
    return SEQ_OK;
}

static seq_err turn(node_l1link *l, char why[NODE_L1LINK_ERROR_BYTES])
{
    seq_err err = l->verified ? SEQ_OK : verify(l, why);
    if (err != SEQ_OK)
        return err;
    uint64_t head = 0;
    err = l1_rpc_block_number(l->rpc, &head);
    if (err != SEQ_OK) {
        snprintf(why, NODE_L1LINK_ERROR_BYTES, "%s", l1_rpc_last_error(l->rpc));
        return err;
    }
    l->head = head;
    nng_mtx_lock(l->mtx);
    l->status.head = head;
    nng_mtx_unlock(l->mtx);
    l->callback_err = SEQ_OK;
    range_reset(l);
    l->posted_count = 0;
    err = l1_follow_poll(l->follow, follow_cb, l);
    if (err != SEQ_OK) {
        if (l->callback_err != SEQ_OK)
            snprintf(why, NODE_L1LINK_ERROR_BYTES, "%s", l->callback_why);
        else if (err == SEQ_ERR_UNSUPPORTED)
            snprintf(why, NODE_L1LINK_ERROR_BYTES, "an L1 reorg deeper than %u blocks",
                     L1_FOLLOW_RING_MAX);
        else
            snprintf(why, NODE_L1LINK_ERROR_BYTES, "%s", l1_rpc_last_error(l->rpc));
        return err;
    }
    err = origins_fill(l, why);
    if (err != SEQ_OK)
        return err;
    posted_observe(l);
    err = inbox_head(l);
    if (err != SEQ_OK)
        snprintf(why, NODE_L1LINK_ERROR_BYTES, "Inbox.status() or the finalized block: %s",
                 l1_rpc_last_error(l->rpc));
    return err;
}

/* ------------------------------------------------------------- thread */

/* Waits until the monotonic time until, a wake or a stop; true when
 * stopped. */
static bool pause_until(node_l1link *l, uint64_t until)
{
    uint64_t now = seq_monotonic_ms();
    nng_time deadline = nng_clock() + (nng_time)(until > now ? until - now : 0);
    nng_mtx_lock(l->mtx);
    while (!l->stopping && !l->woken && nng_cv_until(l->cv, deadline) != NNG_ETIMEDOUT) {
    }
    l->woken = false;
    bool stopping = l->stopping;
    nng_mtx_unlock(l->mtx);
    return stopping;
}

static void report(node_l1link *l, seq_err err, const char *why, uint64_t failures)
{
    nng_mtx_lock(l->mtx);
    node_l1link_status *s = &l->status;
    s->polls++;
    s->ok = err == SEQ_OK;
    s->verified = l->verified;
    if (err == SEQ_OK) {
        s->last_ok_ms = seq_monotonic_ms();
        s->failures_consecutive = 0;
        s->last_error[0] = '\0';
    } else {
        s->poll_failures++;
        s->failures_consecutive = failures;
        snprintf(s->last_error, sizeof s->last_error, "%s", why);
    }
    nng_mtx_unlock(l->mtx);
}

/* One batcher step (and, after a turn, the tx manager's round), with its
 * status published. Only while L1 answers: posting needs it, and forming
 * waits for what L1 accepted anyway. */
static void batcher_run(node_l1link *l, bool after_turn)
{
    uint64_t now = seq_monotonic_ms();
    seq_err err = after_turn ? node_batcher_poll(l->batcher, now) : SEQ_OK;
    if (err == SEQ_OK)
        err = node_batcher_step(l->batcher, now);
    if (err == SEQ_OK) {
        l->batcher_failures = 0;
    } else {
        uint64_t n = ++l->batcher_failures;
        if ((n & (n - 1)) == 0) /* the first failure, then powers of two */
            SEQ_LOG(SEQ_LOG_WARN, "batcher_failed", SEQ_F_U64("failures", n), SEQ_F_ERR(err));
    }
    if (l->slasher != NULL) {
        err = node_slasher_step(l->slasher, seq_monotonic_ms());
        uint64_t n = err == SEQ_OK ? 0 : ++l->slasher_failures;
        l->slasher_failures = n;
        if (n > 0 && (n & (n - 1)) == 0)
            SEQ_LOG(SEQ_LOG_WARN, "slasher_failed", SEQ_F_U64("failures", n), SEQ_F_ERR(err));
    }
    nng_mtx_lock(l->mtx);
    node_batcher_status_get(l->batcher, &l->status.batcher);
    nng_mtx_unlock(l->mtx);
}

static void link_thread(void *arg)
{
    node_l1link *l = arg;
    uint64_t failures = 0, next_turn = 0;
    bool ok = false;
    for (;;) {
        bool turned = false;
        if (seq_monotonic_ms() >= next_turn) {
            char why[NODE_L1LINK_ERROR_BYTES] = "";
            seq_err err = turn(l, why);
            if (err == SEQ_OK) {
                if (failures > 0)
                    SEQ_LOG(SEQ_LOG_INFO, "l1_recovered", SEQ_F_U64("failures", failures));
                failures = 0;
            } else {
                /* Logged on the first failure and then at every power of
                 * two, so a long outage does not flood the log. */
                failures++;
                if ((failures & (failures - 1)) == 0)
                    SEQ_LOG(SEQ_LOG_WARN, "l1_poll_failed", SEQ_F_U64("failures", failures),
                            SEQ_F_STR("why", why), SEQ_F_ERR(err));
                /* A new connection may be another L1 node: check it again. */
                if (err != SEQ_ERR_MALFORMED && err != SEQ_ERR_NO_SPACE)
                    l->verified = false;
            }
            report(l, err, why, failures);
            ok = err == SEQ_OK;
            turned = true;
            uint64_t wait = l->poll_ms;
            for (uint64_t i = 1; i < failures && wait < NODE_L1LINK_BACKOFF_MS_MAX; i++)
                wait *= 2;
            next_turn = seq_monotonic_ms() + SEQ_MIN(wait, (uint64_t)NODE_L1LINK_BACKOFF_MS_MAX);
        }
        uint64_t until = next_turn;
        if (ok && l->batcher != NULL) {
            batcher_run(l, turned);
            until = SEQ_MIN(until, node_batcher_next_ms(l->batcher, seq_monotonic_ms()));
            if (l->slasher != NULL)
                until = SEQ_MIN(until, node_slasher_next_ms(l->slasher, seq_monotonic_ms()));
        }
        if (pause_until(l, until))
            return;
    }
}

/* ------------------------------------------------------------ set up */

static seq_err follower_new(node_l1link *l)
{
    l1_rpc_log_filter filter;
    memset(&filter, 0, sizeof filter);
    filter.addresses[0] = l->record.inbox;
    filter.addresses[1] = l->record.committee;
    filter.address_count = 2;
    seq_err err = l1_follow_new(&l->follow, l->rpc, &filter, l->record.block_number,
                                l->genesis.l1.confirmations);
    if (err != SEQ_OK)
        return err;
    uint64_t number;
    seq_hash hash;
    err = store_l1_get_cursor(l->store, &number, &hash);
    if (err == SEQ_OK) {
        l1_follow_resume(l->follow, number, &hash);
        store_l1_batch last;
        bool has_last = store_l1_last_batch(l->store, &last) == SEQ_OK;
        l->status.has_cursor = true;
        l->status.cursor = number;
        l->status.cursor_hash = hash;
        l->status.has_batch = has_last;
        if (has_last)
            l->status.last_batch = last;
        return SEQ_OK;
    }
    return err == SEQ_ERR_NOT_FOUND ? SEQ_OK : err;
}

seq_err node_l1link_start(node_l1link **out, node_diag *why, const node_l1link_config *config)
{
    SEQ_ASSERT(out != NULL && config != NULL && config->rpc_url != NULL);
    SEQ_ASSERT(config->record != NULL && config->genesis != NULL && config->store != NULL);
    *out = NULL;
    node_l1link *l = calloc(1, sizeof *l);
    if (l == NULL)
        return node_diag_set(why, SEQ_ERR_NO_MEMORY, "out of memory");
    l->record = *config->record;
    l->genesis = *config->genesis;
    node_l1_record_params(&l->params, &l->record, &l->genesis);
    l->store = config->store;
    l->evidence = config->evidence;
    l->poll_ms = config->poll_ms > 0 ? config->poll_ms : NODE_CONFIG_L1_POLL_MS_DEFAULT;
    l->status.enabled = true;
    l->status.chain_id = l->record.l1_chain_id;
    l->status.committee = l->record.committee;
    l->status.inbox = l->record.inbox;
    l->status.inclusion_window = l->genesis.l1.inclusion_window_blocks;
    snprintf(l->status.url, sizeof l->status.url, "%s", config->rpc_url);
    snprintf(l->status.last_error, sizeof l->status.last_error, "not polled yet");
    seq_err err = SEQ_ERR_NO_MEMORY;
    l->pending = calloc(STORE_L1_BATCHES_PER_CHANGE_MAX, sizeof *l->pending);
    l->forced = calloc(STORE_L1_FORCED_PER_CHANGE_MAX, sizeof *l->forced);
    l->forced_bytes = malloc(L1_FOLLOW_DATA_BYTES_MAX);
    if (l->pending == NULL || l->forced == NULL || l->forced_bytes == NULL ||
        nng_mtx_alloc(&l->mtx) != 0 || nng_cv_alloc(&l->cv, l->mtx) != 0)
        goto free_link;
    /* Short attempts: a stop waits for the call in flight, and the turn's
     * own backoff does the patient retrying. */
    l1_rpc_options o;
    l1_rpc_options_default(&o);
    o.connect_timeout_ms = 1000;
    o.timeout_ms = 3000;
    o.retries = 1;
    err = l1_rpc_new(&l->rpc, config->rpc_url, &o);
    if (err != SEQ_OK) {
        node_l1link_free(l);
        return node_diag_set(why, err, "l1_rpc %s: %s", config->rpc_url, seq_strerror(err));
    }
    err = follower_new(l);
    if (err == SEQ_OK)
        err = forced_reload(l);
    if (err == SEQ_OK)
        err = origin_status_reload(l);
    if (err != SEQ_OK) {
        node_l1link_free(l);
        return node_diag_set(why, err, "L1 follower: %s", seq_strerror(err));
    }
    if (config->key != NULL && !config->genesis->l1.has_committee_address) {
        /* Attestations are signed under the Committee's EIP-712 domain: a
         * genesis that does not name it cannot post. Follow only. */
        SEQ_LOG(SEQ_LOG_WARN, "batches_disabled",
                SEQ_F_STR("why", "the genesis names no l1.committee_address"));
    } else if (config->key != NULL) {
        node_batcher_config bc = {.genesis = config->genesis,
                                  .record = config->record,
                                  .store = config->store,
                                  .net = config->net,
                                  .rpc = l->rpc,
                                  .key = config->key,
                                  .self_index = config->self_index,
                                  .txmgr_dir = config->txmgr_dir,
                                  .evidence = config->evidence};
        err = node_batcher_new(&l->batcher, why, &bc);
        if (err != SEQ_OK) {
            node_l1link_free(l);
            return err;
        }
        if (config->evidence != NULL) {
            node_slasher_config sc = {.genesis = config->genesis,
                                      .record = config->record,
                                      .store = config->store,
                                      .rpc = l->rpc,
                                      .txmgr = node_batcher_txmgr(l->batcher),
                                      .evidence = config->evidence,
                                      .self_index = config->self_index};
            if ((err = node_slasher_new(&l->slasher, &sc)) != SEQ_OK)
                goto free_link;
        }
        node_batcher_status_get(l->batcher, &l->status.batcher);
    }
    if (nng_thread_create(&l->thread, link_thread, l) != 0) {
        err = SEQ_ERR_INTERNAL;
        goto free_link;
    }
    *out = l;
    return SEQ_OK;
free_link:
    node_l1link_free(l);
    return node_diag_set(why, err, "L1 link: %s", seq_strerror(err));
}

void node_l1link_offer_attestation(node_l1link *l, uint32_t from, const wire_attestation *a)
{
    SEQ_ASSERT(a != NULL);
    if (l == NULL || l->batcher == NULL)
        return;
    node_batcher_offer(l->batcher, from, a);
    nng_mtx_lock(l->mtx);
    l->woken = true;
    nng_cv_wake(l->cv);
    nng_mtx_unlock(l->mtx);
}

void node_l1link_status_get(node_l1link *l, node_l1link_status *out)
{
    SEQ_ASSERT(out != NULL);
    if (l == NULL) {
        memset(out, 0, sizeof *out);
        return;
    }
    nng_mtx_lock(l->mtx);
    *out = l->status;
    nng_mtx_unlock(l->mtx);
}

void node_l1link_free(node_l1link *l)
{
    if (l == NULL)
        return;
    if (l->thread != NULL) {
        nng_mtx_lock(l->mtx);
        l->stopping = true;
        nng_cv_wake(l->cv);
        nng_mtx_unlock(l->mtx);
        nng_thread_destroy(l->thread); /* joins */
    }
    node_slasher_free(l->slasher);
    node_batcher_free(l->batcher); /* before the client it borrows */
    l1_follow_free(l->follow);
    l1_rpc_free(l->rpc);
    if (l->cv != NULL)
        nng_cv_free(l->cv);
    if (l->mtx != NULL)
        nng_mtx_free(l->mtx);
    free(l->pending);
    free(l->forced);
    free(l->forced_bytes);
    free(l);
}
