/* follow.c — the L1 log follower (l1.h, l1/README.md "Log follower").
 *
 * The follower walks the chain in ranges [from, to] up to a target (head -
 * depth, or the safe block). For each range it reads the header of `to`,
 * the header of `from` (its parent must be the cursor, else the chain
 * changed below the cursor), the logs, and the header of `to` again: when
 * both readings of `to` agree, the logs came from the chain ending in that
 * hash. The (number, hash) of `from` and `to` go into a ring; a reorg is a
 * changed hash at the cursor or a parent mismatch at `from`, and it rewinds
 * to the newest ring entry still canonical. */
#include <stdlib.h>
#include <string.h>

#include "l1.h"

#define FOLLOW_RANGE_BLOCKS_DEFAULT 100u

_Static_assert(FOLLOW_RANGE_BLOCKS_DEFAULT <= L1_FOLLOW_RANGE_BLOCKS_MAX, "range default");
_Static_assert(L1_FOLLOW_RING_MAX >= 2, "a range adds two entries");

typedef struct {
    uint64_t number;
    seq_hash hash;
} ring_entry;

struct l1_follow {
    l1_rpc *rpc;
    l1_rpc_log_filter filter;
    uint64_t depth;
    uint64_t next; /* the first block not done */
    uint64_t range_blocks;
    ring_entry ring[L1_FOLLOW_RING_MAX]; /* ascending numbers; the newest is the cursor */
    size_t ring_start;
    size_t ring_count;
    l1_rpc_log *logs; /* L1_FOLLOW_LOGS_MAX */
    uint8_t *data;    /* L1_FOLLOW_DATA_BYTES_MAX */
    seq_arena arena;
};

/* ----------------------------------------------------------------- ring */

static ring_entry *ring_at(l1_follow *f, size_t i)
{
    SEQ_ASSERT(i < f->ring_count);
    return &f->ring[(f->ring_start + i) % L1_FOLLOW_RING_MAX];
}

static void ring_push(l1_follow *f, uint64_t number, const seq_hash *hash)
{
    SEQ_ASSERT(f->ring_count == 0 || ring_at(f, f->ring_count - 1)->number < number);
    if (f->ring_count == L1_FOLLOW_RING_MAX) {
        f->ring_start = (f->ring_start + 1) % L1_FOLLOW_RING_MAX;
        f->ring_count--;
    }
    f->ring_count++;
    *ring_at(f, f->ring_count - 1) = (ring_entry){.number = number, .hash = *hash};
}

bool l1_follow_cursor(const l1_follow *f, uint64_t *number, seq_hash *hash)
{
    SEQ_ASSERT(f != NULL && number != NULL && hash != NULL);
    if (f->ring_count == 0) {
        *number = 0;
        *hash = (seq_hash){{0}};
        return false;
    }
    const ring_entry *e = &f->ring[(f->ring_start + f->ring_count - 1) % L1_FOLLOW_RING_MAX];
    *number = e->number;
    *hash = e->hash;
    return true;
}

/* --------------------------------------------------------------- set up */

seq_err l1_follow_new(l1_follow **out, l1_rpc *rpc, const l1_rpc_log_filter *filter,
                      uint64_t start_block, uint64_t depth)
{
    SEQ_ASSERT(out != NULL && rpc != NULL && filter != NULL);
    *out = NULL;
    if (depth > L1_FOLLOW_DEPTH_MAX && depth != L1_FOLLOW_DEPTH_SAFE)
        return SEQ_ERR_INVALID_ARG;
    if (filter->address_count > L1_LOG_FILTER_ADDRESSES_MAX)
        return SEQ_ERR_INVALID_ARG;
    for (size_t i = 0; i < L1_LOG_TOPICS_MAX; i++) {
        if (filter->topics[i].count > L1_LOG_FILTER_CHOICES_MAX)
            return SEQ_ERR_INVALID_ARG;
    }
    l1_follow *f = calloc(1, sizeof(*f));
    if (f == NULL)
        return SEQ_ERR_NO_MEMORY;
    f->logs = calloc(L1_FOLLOW_LOGS_MAX, sizeof(*f->logs));
    f->data = malloc(L1_FOLLOW_DATA_BYTES_MAX);
    if (f->logs == NULL || f->data == NULL)
        goto free_follower;
    f->rpc = rpc;
    f->filter = *filter;
    f->depth = depth;
    f->next = start_block;
    f->range_blocks = FOLLOW_RANGE_BLOCKS_DEFAULT;
    seq_arena_init(&f->arena, f->data, L1_FOLLOW_DATA_BYTES_MAX);
    *out = f;
    return SEQ_OK;
free_follower:
    l1_follow_free(f);
    return SEQ_ERR_NO_MEMORY;
}

void l1_follow_free(l1_follow *f)
{
    if (f == NULL)
        return;
    free(f->logs);
    free(f->data);
    free(f);
}

void l1_follow_resume(l1_follow *f, uint64_t number, const seq_hash *hash)
{
    SEQ_ASSERT(f != NULL && hash != NULL);
    SEQ_ASSERT(number < UINT64_MAX);
    f->ring_start = 0;
    f->ring_count = 0;
    ring_push(f, number, hash);
    f->next = number + 1;
}

/* ---------------------------------------------------------------- reorg */

/* Finds the newest ring entry still canonical, tells the callback, and
 * rewinds to it. The state changes only once the callback accepted. */
static seq_err rewind_to_ancestor(l1_follow *f, l1_follow_cb cb, void *ctx)
{
    for (size_t i = f->ring_count; i-- > 0;) {
        ring_entry e = *ring_at(f, i);
        l1_rpc_block b;
        seq_err err = l1_rpc_block_by_number(f->rpc, &b, e.number);
        if (err == SEQ_ERR_NOT_FOUND || (err == SEQ_OK && !seq_hash_equal(&b.hash, &e.hash)))
            continue;
        if (err != SEQ_OK)
            return err;
        uint64_t cursor = ring_at(f, f->ring_count - 1)->number;
        l1_follow_event ev = {.kind = L1_FOLLOW_REWIND, .number = e.number, .hash = e.hash};
        err = cb(ctx, &ev);
        if (err != SEQ_OK)
            return err;
        SEQ_LOG(SEQ_LOG_WARN, "l1_follow_reorg", SEQ_F_U64("cursor", cursor),
                SEQ_F_U64("rewind_to", e.number));
        f->ring_count = i + 1;
        f->next = e.number + 1;
        return SEQ_OK;
    }
    SEQ_LOG(SEQ_LOG_ERROR, "l1_follow_reorg_too_deep",
            SEQ_F_U64("oldest", f->ring_count > 0 ? ring_at(f, 0)->number : 0),
            SEQ_F_ERR(SEQ_ERR_UNSUPPORTED));
    return SEQ_ERR_UNSUPPORTED;
}

/* Rewinds when the cursor's block is no longer canonical. */
static seq_err reorg_check(l1_follow *f, l1_follow_cb cb, void *ctx)
{
    if (f->ring_count == 0)
        return SEQ_OK;
    const ring_entry *cursor = ring_at(f, f->ring_count - 1);
    l1_rpc_block b;
    seq_err err = l1_rpc_block_by_number(f->rpc, &b, cursor->number);
    if (err == SEQ_ERR_NOT_FOUND || (err == SEQ_OK && !seq_hash_equal(&b.hash, &cursor->hash)))
        return rewind_to_ancestor(f, cb, ctx);
    return err;
}

/* ---------------------------------------------------------------- ranges */

/* The newest block to deliver; *any false when there is none yet. */
static seq_err target_get(l1_follow *f, uint64_t *target, bool *any)
{
    *target = 0;
    *any = false;
    if (f->depth == L1_FOLLOW_DEPTH_SAFE) {
        l1_rpc_block b;
        seq_err err = l1_rpc_block_by_tag(f->rpc, &b, L1_TAG_SAFE);
        if (err != SEQ_OK)
            return err;
        *target = b.number;
        *any = true;
        return SEQ_OK;
    }
    uint64_t head = 0;
    seq_err err = l1_rpc_block_number(f->rpc, &head);
    if (err != SEQ_OK)
        return err;
    *any = head >= f->depth;
    *target = *any ? head - f->depth : 0;
    return SEQ_OK;
}

/* The logs of [from, to] as the node returned them: ordered, inside the
 * range, and (at from and to) on the blocks read. */
static bool logs_consistent(const l1_follow *f, size_t count, const l1_rpc_block *first,
                            const l1_rpc_block *top)
{
    for (size_t i = 0; i < count; i++) {
        const l1_rpc_log *l = &f->logs[i];
        if (l->removed)
            return false;
        if (l->block_number == first->number && !seq_hash_equal(&l->block_hash, &first->hash))
            return false;
        if (l->block_number == top->number && !seq_hash_equal(&l->block_hash, &top->hash))
            return false;
        if (i > 0 && (l->block_number < f->logs[i - 1].block_number ||
                      (l->block_number == f->logs[i - 1].block_number &&
                       l->log_index <= f->logs[i - 1].log_index)))
            return false;
    }
    return true;
}

static seq_err logs_fetch(l1_follow *f, size_t *count, uint64_t from, uint64_t to)
{
    f->filter.from_block = from;
    f->filter.to_block = to;
    seq_arena_reset(&f->arena);
    return l1_rpc_logs(f->rpc, f->logs, L1_FOLLOW_LOGS_MAX, count, &f->arena, &f->filter);
}

static seq_err deliver(l1_follow *f, size_t count, const l1_rpc_block *first,
                       const l1_rpc_block *top, l1_follow_cb cb, void *ctx)
{
    for (size_t i = 0; i < count; i++) {
        l1_follow_event ev = {.kind = L1_FOLLOW_LOG, .log = &f->logs[i]};
        seq_err err = cb(ctx, &ev);
        if (err != SEQ_OK)
            return err;
    }
    l1_follow_event ev = {.kind = L1_FOLLOW_CURSOR, .number = top->number, .hash = top->hash};
    seq_err err = cb(ctx, &ev);
    if (err != SEQ_OK)
        return err;
    if (first->number != top->number)
        ring_push(f, first->number, &first->hash);
    ring_push(f, top->number, &top->hash);
    f->next = top->number + 1;
    return SEQ_OK;
}

/* One range from f->next. Returns SEQ_OK without progress when the chain
 * moved under it (the caller tries again). */
static seq_err range_one(l1_follow *f, uint64_t target, l1_follow_cb cb, void *ctx)
{
    uint64_t from = f->next;
    uint64_t to = SEQ_MIN(target, from + f->range_blocks - 1);
    l1_rpc_block top, first, again;
    seq_err err = l1_rpc_block_by_number(f->rpc, &top, to);
    first = top;
    if (err == SEQ_OK && from != to)
        err = l1_rpc_block_by_number(f->rpc, &first, from);
    if (err != SEQ_OK)
        return err;
    if (f->ring_count > 0 &&
        !seq_hash_equal(&first.parent_hash, &ring_at(f, f->ring_count - 1)->hash))
        return rewind_to_ancestor(f, cb, ctx);
    size_t count = 0;
    err = logs_fetch(f, &count, from, to);
    if (err == SEQ_ERR_NO_SPACE && f->range_blocks > 1) {
        f->range_blocks /= 2; /* too many logs: narrower ranges from now on */
        return SEQ_OK;
    }
    if (err == SEQ_OK)
        err = l1_rpc_block_by_number(f->rpc, &again, to);
    if (err != SEQ_OK)
        return err;
    if (!seq_hash_equal(&again.hash, &top.hash) || !logs_consistent(f, count, &first, &top)) {
        SEQ_LOG(SEQ_LOG_INFO, "l1_follow_chain_moved", SEQ_F_U64("from", from),
                SEQ_F_U64("to", to));
        return SEQ_OK;
    }
    return deliver(f, count, &first, &top, cb, ctx);
}

seq_err l1_follow_poll(l1_follow *f, l1_follow_cb cb, void *ctx)
{
    SEQ_ASSERT(f != NULL && cb != NULL);
    seq_err err = reorg_check(f, cb, ctx);
    uint64_t target = 0;
    bool any = false;
    if (err == SEQ_OK)
        err = target_get(f, &target, &any);
    for (uint32_t i = 0; err == SEQ_OK && any && i < L1_FOLLOW_RANGES_PER_POLL; i++) {
        if (f->next > target)
            break;
        err = range_one(f, target, cb, ctx);
    }
    if (err != SEQ_OK && l1_rpc_last_error(f->rpc)[0] != '\0') /* else logged where it arose */
        SEQ_LOG(SEQ_LOG_WARN, "l1_follow_poll_failed", SEQ_F_STR("rpc", l1_rpc_last_error(f->rpc)),
                SEQ_F_ERR(err));
    return err;
}
