/* forced.c — forced inclusion on the node side (node.h "forced",
 * node/README.md "Forced inclusion"): the L1 origin and forced cursor a
 * leader's block names, the forced txs that open its payload, and the
 * rule a validator checks before it votes.
 *
 * The plan and the check share one computation so that an honest leader's
 * block always passes: the frame (what the queue looks like from the
 * block's origin) and the verdict of each candidate entry (copied into the
 * block, or consumed without a copy). Everything they read is a function
 * of the origin (entries and batches stored from L1 up to that block) and
 * of the block's branch (the no-tx-twice rule), never of the reader's
 * clock or of how far its own L1 view has moved since. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

#include "l1.h"

/* At most this many entries are judged at once: those a block consumes,
 * and the one after (is it due, does it fit?). */
#define FORCED_CANDIDATES_MAX (NODE_FORCED_PER_BLOCK_MAX + 1u)
_Static_assert(FORCED_CANDIDATES_MAX <= WIRE_BLOCK_TXS_MAX, "candidates go through the judge");

struct node_forced {
    node_forced_config c;
    uint8_t *entry;         /* STORE_L1_FORCED_TX_BYTES_MAX: one entry's tx */
    seq_hash *hashes;       /* FORCED_CANDIDATES_MAX: the candidates' tx hashes */
    uint32_t *lens;         /* FORCED_CANDIDATES_MAX: their tx lengths */
    uint8_t *verdicts;      /* FORCED_CANDIDATES_MAX node_tx_verdict */
    uint8_t *plan_bytes;    /* caps.bytes_max: the plan's forced txs */
    seq_bytes *plan_txs;    /* NODE_FORCED_PER_BLOCK_MAX */
    seq_hash *block_hashes; /* WIRE_BLOCK_TXS_MAX: a checked block's tx hashes */
    node_forced_stats stats;
};

uint64_t node_forced_due_blocks(uint64_t inclusion_window_blocks)
{
    return SEQ_MAX(inclusion_window_blocks / 4u, (uint64_t)1);
}

seq_err node_forced_new(node_forced **out, const node_forced_config *config)
{
    SEQ_ASSERT(out != NULL && config != NULL && config->store != NULL && config->txpool != NULL);
    SEQ_ASSERT(config->caps.bytes_max <= WIRE_BLOCK_TX_BYTES_MAX &&
               config->caps.txs_max <= WIRE_BLOCK_TXS_MAX);
    *out = NULL;
    node_forced *f = calloc(1, sizeof *f);
    if (f == NULL)
        return SEQ_ERR_NO_MEMORY;
    f->c = *config;
    f->entry = malloc(STORE_L1_FORCED_TX_BYTES_MAX);
    f->hashes = calloc(FORCED_CANDIDATES_MAX, sizeof *f->hashes);
    f->lens = calloc(FORCED_CANDIDATES_MAX, sizeof *f->lens);
    f->verdicts = calloc(FORCED_CANDIDATES_MAX, sizeof *f->verdicts);
    f->plan_bytes = malloc(SEQ_MAX(config->caps.bytes_max, (size_t)1));
    f->plan_txs = calloc(NODE_FORCED_PER_BLOCK_MAX, sizeof *f->plan_txs);
    f->block_hashes = calloc(WIRE_BLOCK_TXS_MAX, sizeof *f->block_hashes);
    if (f->entry == NULL || f->hashes == NULL || f->lens == NULL || f->verdicts == NULL ||
        f->plan_bytes == NULL || f->plan_txs == NULL || f->block_hashes == NULL) {
        node_forced_free(f);
        return SEQ_ERR_NO_MEMORY;
    }
    *out = f;
    return SEQ_OK;
}

void node_forced_free(node_forced *f)
{
    if (f == NULL)
        return;
    free(f->block_hashes);
    free(f->plan_txs);
    free(f->plan_bytes);
    free(f->verdicts);
    free(f->lens);
    free(f->hashes);
    free(f->entry);
    free(f);
}

/* ------------------------------------------------------------- the frame */

/* The forced queue as seen from L1 origin block `origin`, for a block
 * whose parent's cursor is parent_cursor. */
typedef struct {
    uint64_t seen;  /* entries queued in blocks <= origin */
    uint64_t due;   /* entries queued in blocks <= origin - due_blocks */
    uint64_t floor; /* the cursor L1 had reached by origin */
    uint64_t start; /* max(parent cursor, floor): the first entry this block may consume */
} forced_frame;

static seq_err frame_get(const node_forced *f, forced_frame *out, uint64_t origin,
                         uint64_t parent_cursor)
{
    *out = (forced_frame){0};
    seq_err err = store_l1_forced_count_at(f->c.store, origin, &out->seen);
    if (err == SEQ_OK && origin >= f->c.due_blocks)
        err = store_l1_forced_count_at(f->c.store, origin - f->c.due_blocks, &out->due);
    if (err == SEQ_OK)
        err = store_l1_consumed_at(f->c.store, origin, &out->floor);
    out->start = SEQ_MAX(parent_cursor, out->floor);
    return err;
}

/* A forced tx a block can carry at all; any other is consumed without a
 * copy (every validator tells the same from its length alone). */
static bool orderable(const node_forced *f, size_t len)
{
    return len > 0 && len <= WIRE_TX_BYTES_MAX && len <= f->c.caps.bytes_max;
}

/* Reads the entries [from, from + count) into the candidate arrays and
 * judges them as the leading txs of a block extending parent_hash at
 * parent_height. */
static seq_err candidates_judge(node_forced *f, uint64_t from, size_t count,
                                const seq_hash *parent_hash, uint64_t parent_height,
                                const cons_block *vouched, size_t vouched_count)
{
    SEQ_ASSERT(count <= FORCED_CANDIDATES_MAX);
    for (size_t k = 0; k < count; k++) {
        store_l1_forced e;
        seq_err err =
            store_l1_get_forced(f->c.store, &e, f->entry, STORE_L1_FORCED_TX_BYTES_MAX, from + k);
        if (err != SEQ_OK)
            return err;
        f->hashes[k] = e.tx_hash;
        f->lens[k] = (uint32_t)e.tx_len;
    }
    return node_txpool_judge(f->c.txpool, f->verdicts, f->hashes, count, vouched, vouched_count,
                             parent_hash, parent_height);
}

/* Candidate k goes into the block (rather than being consumed without a
 * copy). */
static bool copied(const node_forced *f, size_t k)
{
    return orderable(f, f->lens[k]) && f->verdicts[k] == NODE_TX_FRESH;
}

/* ------------------------------------------------------------- the plan */

/* Test mode: the sender of a forced tx, if it decodes as a signed tx.
 * Without censored senders nothing is decoded (a recovery per entry). */
static bool censored(const node_forced *f, const uint8_t *tx, size_t len)
{
    mempool_tx_info info;
    if (node_txpool_censor_count(f->c.txpool) == 0 ||
        mempool_tx_decode(&info, f->c.chain_id, tx, len) != MEMPOOL_REJECT_NONE)
        return false;
    return info.kind != MEMPOOL_TX_OPAQUE && node_txpool_censors(f->c.txpool, &info.sender);
}

/* The origin a leader names: NODE_FORCED_ORIGIN_LAG_BLOCKS below the
 * newest verified L1 block, if that is ahead of the parent's; else the
 * parent's. */
static void plan_origin(const node_forced *f, node_forced_plan *out, const seq_block_header *parent)
{
    out->origin_number = parent->l1_origin_number;
    out->origin_hash = parent->l1_origin_hash;
    store_l1_origin last, o;
    if (store_l1_last_origin(f->c.store, &last) != SEQ_OK ||
        last.number < NODE_FORCED_ORIGIN_LAG_BLOCKS)
        return;
    uint64_t want = last.number - NODE_FORCED_ORIGIN_LAG_BLOCKS;
    if (want <= parent->l1_origin_number || store_l1_get_origin(f->c.store, &o, want) != SEQ_OK)
        return;
    out->origin_number = o.number;
    out->origin_hash = o.hash;
}

void node_forced_plan_block(node_forced *f, node_forced_plan *out, const seq_block_header *parent,
                            const seq_hash *parent_hash)
{
    SEQ_ASSERT(f != NULL && out != NULL && parent != NULL && parent_hash != NULL);
    *out = (node_forced_plan){.origin_number = parent->l1_origin_number,
                              .origin_hash = parent->l1_origin_hash,
                              .forced_cursor = parent->forced_cursor,
                              .txs = f->plan_txs};
    if (!f->c.enabled)
        return;
    node_forced_plan moved = *out;
    plan_origin(f, &moved, parent);
    forced_frame fr;
    seq_err err = frame_get(f, &fr, moved.origin_number, parent->forced_cursor);
    size_t n = fr.start < fr.seen
                   ? (size_t)SEQ_MIN(fr.seen - fr.start, (uint64_t)NODE_FORCED_PER_BLOCK_MAX)
                   : 0;
    if (err == SEQ_OK)
        err = candidates_judge(f, fr.start, n, parent_hash, parent->height, NULL, 0);
    if (err != SEQ_OK) { /* keep what the parent vouched for */
        SEQ_LOG(SEQ_LOG_WARN, "forced_plan_failed", SEQ_F_U64("height", parent->height + 1u),
                SEQ_F_U64("origin", moved.origin_number), SEQ_F_ERR(err));
        return;
    }
    *out = moved;
    size_t bytes = 0, k = 0;
    for (; k < n; k++) {
        uint64_t index = fr.start + k;
        if (!copied(f, k))
            continue; /* consumed without a copy */
        if (f->lens[k] > f->c.caps.bytes_max - bytes || out->tx_count + 1u > f->c.caps.txs_max)
            break; /* the next block takes it */
        store_l1_forced e;
        err = store_l1_get_forced(f->c.store, &e, f->plan_bytes + bytes,
                                  f->c.caps.bytes_max - bytes, index);
        if (err != SEQ_OK) {
            SEQ_LOG(SEQ_LOG_WARN, "forced_plan_failed", SEQ_F_U64("height", parent->height + 1u),
                    SEQ_F_U64("entry", index), SEQ_F_ERR(err));
            break;
        }
        if (index >= fr.due && censored(f, e.tx, e.tx_len)) {
            SEQ_LOG(SEQ_LOG_INFO, "forced_censored", SEQ_F_U64("entry", index),
                    SEQ_F_U64("due", fr.due));
            break; /* test mode: not before it is due */
        }
        f->plan_txs[out->tx_count++] = (seq_bytes){.ptr = f->plan_bytes + bytes, .len = e.tx_len};
        bytes += e.tx_len;
    }
    out->forced_cursor = fr.start + k;
    /* A due entry left for the next block: this one carries forced txs
     * only (node_forced_check). */
    out->forced_only = out->forced_cursor < fr.due;
}

/* ------------------------------------------------------------ the check */

static seq_err refuse(const char **why_out, seq_err err, const char *why)
{
    *why_out = why;
    return err;
}

/* The origin is the parent's, or a verified block of this node's table
 * that is not too far below the newest one. */
static seq_err origin_check(const node_forced *f, const char **why_out, const seq_block_header *h,
                            const seq_block_header *parent)
{
    bool same = h->l1_origin_number == parent->l1_origin_number &&
                seq_hash_equal(&h->l1_origin_hash, &parent->l1_origin_hash);
    if (!f->c.enabled) {
        if (!same || h->forced_cursor != parent->forced_cursor)
            return refuse(why_out, SEQ_ERR_INVALID_ARG, "l1_origin_moved");
        return SEQ_OK;
    }
    store_l1_origin o;
    seq_err err;
    if (!same) {
        err = store_l1_get_origin(f->c.store, &o, h->l1_origin_number);
        if (err == SEQ_ERR_NOT_FOUND)
            return refuse(why_out, err, "l1_origin_unknown");
        if (err != SEQ_OK)
            return refuse(why_out, err, "store");
        if (!seq_hash_equal(&o.hash, &h->l1_origin_hash))
            return refuse(why_out, SEQ_ERR_INVALID_ARG, "l1_origin_hash");
    }
    err = store_l1_last_origin(f->c.store, &o);
    if (err == SEQ_OK && h->l1_origin_number + NODE_FORCED_ORIGIN_AGE_MAX_BLOCKS < o.number)
        return refuse(why_out, SEQ_ERR_INVALID_ARG, "l1_origin_stale");
    if (err != SEQ_OK && err != SEQ_ERR_NOT_FOUND)
        return refuse(why_out, err, "store");
    return SEQ_OK;
}

seq_err node_forced_check(node_forced *f, const char **why_out, const cons_block *block,
                          const seq_block_header *parent, const cons_block *vouched,
                          size_t vouched_count)
{
    SEQ_ASSERT(f != NULL && why_out != NULL && block != NULL && parent != NULL);
    *why_out = NULL;
    const seq_block_header *h = &block->block.header;
    seq_err err = origin_check(f, why_out, h, parent);
    if (err != SEQ_OK || !f->c.enabled)
        return err;
    forced_frame fr;
    if ((err = frame_get(f, &fr, h->l1_origin_number, parent->forced_cursor)) != SEQ_OK)
        return refuse(why_out, err, "store");
    uint64_t c = h->forced_cursor;
    if (c > fr.seen || (c > fr.start && c - fr.start > NODE_FORCED_PER_BLOCK_MAX))
        return refuse(why_out, SEQ_ERR_INVALID_ARG, "forced_cursor_ahead");
    if (c < fr.start) /* the core keeps c >= the parent's: below L1's */
        return refuse(why_out, SEQ_ERR_INVALID_ARG, "forced_cursor_behind_l1");
    bool leaves_due = c < fr.due;
    size_t n = (size_t)(c - fr.start) + (leaves_due ? 1u : 0u);
    err = candidates_judge(f, fr.start, n, &h->parent_hash, h->height - 1u, vouched, vouched_count);
    if (err == SEQ_ERR_NOT_FOUND)
        return refuse(why_out, err, "ancestry");
    if (err != SEQ_OK)
        return refuse(why_out, err, "store");
    /* The consumed entries' copies open the payload, in queue order. */
    const wire_block *b = &block->block;
    node_txpool_block_hashes(f->c.txpool, f->block_hashes, b);
    size_t pos = 0, bytes = 0;
    for (size_t k = 0; k < (size_t)(c - fr.start); k++) {
        if (!copied(f, k))
            continue;
        if (pos >= b->tx_count || !seq_hash_equal(&f->block_hashes[pos], &f->hashes[k]))
            return refuse(why_out, SEQ_ERR_INVALID_ARG, "forced_tx_missing");
        bytes += f->lens[k];
        pos++;
    }
    if (leaves_due) { /* only a block full of forced txs may leave a due one */
        size_t k = n - 1u;
        bool full = k == NODE_FORCED_PER_BLOCK_MAX ||
                    (pos == b->tx_count && copied(f, k) &&
                     (f->lens[k] > f->c.caps.bytes_max - bytes || pos + 1u > f->c.caps.txs_max));
        if (!full)
            return refuse(why_out, SEQ_ERR_INVALID_ARG, "forced_tx_due");
    }
    return SEQ_OK;
}

/* ------------------------------------------------------------- commits */

void node_forced_committed(node_forced *f, const cons_block *block, uint64_t parent_cursor)
{
    SEQ_ASSERT(f != NULL && block != NULL);
    const wire_block *b = &block->block;
    uint64_t c = b->header.forced_cursor;
    f->stats.last_cursor = c;
    if (!f->c.enabled || c <= parent_cursor)
        return;
    node_txpool_block_hashes(f->c.txpool, f->block_hashes, b);
    size_t pos = 0;
    for (uint64_t i = parent_cursor; i < c; i++) {
        store_l1_forced e;
        seq_err err =
            store_l1_get_forced(f->c.store, &e, f->entry, STORE_L1_FORCED_TX_BYTES_MAX, i);
        if (err != SEQ_OK) {
            SEQ_LOG(SEQ_LOG_WARN, "forced_entry_unreadable", SEQ_F_U64("entry", i), SEQ_F_ERR(err));
            continue;
        }
        f->stats.consumed++;
        /* Copies open the payload in queue order: one matching the next
         * position is this entry's. */
        bool included = pos < b->tx_count && seq_hash_equal(&f->block_hashes[pos], &e.tx_hash);
        pos += included;
        uint64_t queued_ms = e.l1_timestamp * 1000u;
        uint64_t lag_ms =
            b->header.timestamp_ms > queued_ms ? b->header.timestamp_ms - queued_ms : 0;
        if (included) {
            f->stats.included++;
            node_post_lag_observe(&f->stats.soft_lag, lag_ms, 1);
        }
        SEQ_LOG(SEQ_LOG_INFO, "forced_consumed", SEQ_F_U64("entry", i),
                SEQ_F_U64("height", b->header.height), SEQ_F_STR("copy", included ? "yes" : "no"),
                SEQ_F_U64("l1_block", e.l1_block), SEQ_F_U64("origin", b->header.l1_origin_number),
                SEQ_F_U64("lag_ms", lag_ms));
    }
}

void node_forced_stats_get(const node_forced *f, node_forced_stats *out)
{
    SEQ_ASSERT(f != NULL && out != NULL);
    *out = f->stats;
}
