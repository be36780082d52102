/* sim_world.c — one seed's run: the hosts, the network, the fault plan and
 * the event loop in virtual time. Events at the same millisecond run in a
 * fixed order (faults, restarts, timers by host, deliveries by send order),
 * so a seed replays exactly. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

#define SIM_NET_LATENCY_MS_MAX 20u /* delays are uniform in 1..this */
#define SIM_STREAM_NET         1u
#define SIM_STREAM_FAULT       2u
#define SIM_STREAM_DATA        3u

static const char *const mix_names[SIM_MIX_COUNT] = {
    [SIM_MIX_NONE] = "none",
    [SIM_MIX_LOSS] = "loss",
    [SIM_MIX_CRASH] = "crash",
    [SIM_MIX_CRASH_LEADER] = "crash-leader",
    [SIM_MIX_PARTITION] = "partition",
    [SIM_MIX_TWINS] = "twins",
    [SIM_MIX_EQUIVOCATE] = "equivocate",
    [SIM_MIX_MIXED] = "mixed",
    [SIM_MIX_DOUBLE_VOTE] = "double-vote",
};

const char *sim_mix_name(sim_mix mix)
{
    return (unsigned)mix < SIM_MIX_COUNT ? mix_names[mix] : "unknown";
}

bool sim_mix_parse(sim_mix *out, const char *name)
{
    for (size_t i = 0; i < SIM_MIX_COUNT; i++) {
        if (strcmp(name, mix_names[i]) == 0) {
            *out = (sim_mix)i;
            return true;
        }
    }
    return false;
}

seq_err sim_scratch_new(sim_scratch **out)
{
    SEQ_ASSERT(out != NULL);
    sim_scratch *s = calloc(1, sizeof *s);
    size_t decode_bytes = WIRE_DECODE_ARENA_BYTES(WIRE_MSG_BYTES_MAX);
    if (s != NULL) {
        s->encode_out = malloc(WIRE_MSG_BYTES_MAX);
        s->encode_buf = malloc(WIRE_ENCODE_ARENA_BYTES);
        s->decode_buf = malloc(decode_bytes);
    }
    if (s == NULL || !s->encode_out || !s->encode_buf || !s->decode_buf) {
        sim_scratch_free(s);
        *out = NULL;
        return SEQ_ERR_NO_MEMORY;
    }
    seq_arena_init(&s->encode_arena, s->encode_buf, WIRE_ENCODE_ARENA_BYTES);
    seq_arena_init(&s->decode_arena, s->decode_buf, decode_bytes);
    *out = s;
    return SEQ_OK;
}

void sim_scratch_free(sim_scratch *s)
{
    if (s == NULL)
        return;
    free(s->encode_out);
    free(s->encode_buf);
    free(s->decode_buf);
    free(s);
}

void sim_fail(sim_world *w, const char *invariant, const char *fmt, ...)
{
    SEQ_ASSERT(w != NULL && invariant != NULL && fmt != NULL);
    if (w->failed)
        return;
    w->failed = true;
    sim_result *r = w->result;
    r->failed = true;
    snprintf(r->invariant, sizeof r->invariant, "%s", invariant);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->detail, sizeof r->detail, fmt, ap);
    va_end(ap);
    sim_log(w, "VIOLATION %s: %s", r->invariant, r->detail);
}

void sim_log(const sim_world *w, const char *fmt, ...)
{
    if (!w->params.verbose)
        return;
    char line[SIM_DETAIL_BYTES];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    fprintf(stderr, "t=%" PRIu64 " %s\n", w->now_ms, line);
}

uint64_t sim_world_view(const sim_world *w)
{
    uint64_t view = 0;
    for (size_t i = 0; i < w->host_count; i++) {
        const sim_host *h = &w->hosts[i];
        if (sim_host_honest(h) && h->core != NULL)
            view = SEQ_MAX(view, cons_view(h->core));
    }
    return view;
}

sim_blob *sim_world_encode(sim_world *w, const wire_msg *msg)
{
    SEQ_ASSERT(w != NULL && msg != NULL);
    sim_scratch *s = w->scratch;
    seq_arena_reset(&s->encode_arena);
    size_t len = 0;
    seq_err err = wire_encode(s->encode_out, WIRE_MSG_BYTES_MAX, &len, &s->encode_arena, msg);
    if (err != SEQ_OK) {
        sim_fail(w, "codec", "wire_encode(%s): %s", wire_type_name(msg->type), seq_strerror(err));
        return NULL;
    }
    return sim_blob_new(s->encode_out, len);
}

void sim_world_send_blob(sim_world *w, const sim_host *from, size_t to_host, sim_blob *blob)
{
    SEQ_ASSERT(w != NULL && from != NULL && blob != NULL);
    SEQ_ASSERT(to_host < w->host_count && to_host != from->id);
    sim_net_send(&w->net, &w->rng_net, w->now_ms, from->id, to_host, blob);
}

void sim_world_send(sim_world *w, const sim_host *from, size_t to_index, const wire_msg *msg)
{
    SEQ_ASSERT(w != NULL && from != NULL && msg != NULL);
    SEQ_ASSERT(to_index == CONS_TO_ALL || to_index < w->n);
    sim_blob *blob = sim_world_encode(w, msg);
    if (blob == NULL)
        return;
    for (size_t i = 0; i < w->host_count; i++) {
        const sim_host *h = &w->hosts[i];
        if (h->index == from->index || (to_index != CONS_TO_ALL && h->index != to_index))
            continue;
        sim_world_send_blob(w, from, i, blob);
    }
    sim_blob_release(blob);
}

static void trace_u64(sim_world *w, uint64_t v)
{
    uint8_t b[8];
    for (size_t i = 0; i < 8; i++)
        b[i] = (uint8_t)(v >> (8 * i));
    crypto_generichash_update(&w->trace, b, sizeof b);
}

void sim_world_trace_commit(sim_world *w, const sim_host *h, const cons_block *commit)
{
    SEQ_ASSERT(w != NULL && h != NULL && commit != NULL);
    trace_u64(w, w->now_ms);
    trace_u64(w, h->id);
    trace_u64(w, commit->block.header.height);
    crypto_generichash_update(&w->trace, commit->hash.b, SEQ_HASH_BYTES);
    w->result->commits++;
}

/* ------------------------------------------------------------------ setup */

static const char *byz_name(sim_byz byz)
{
    switch (byz) {
    case SIM_BYZ_NONE:
        return "honest";
    case SIM_BYZ_TWIN:
        return "twins";
    case SIM_BYZ_EQUIVOCATE:
        return "equivocating";
    case SIM_BYZ_DOUBLE_VOTE:
        return "double-voting";
    }
    return "unknown";
}

static seq_err world_init(sim_world *w, const sim_params *p, sim_result *r, sim_scratch *s)
{
    memset(w, 0, sizeof *w);
    w->params = *p;
    w->result = r;
    w->scratch = s;
    w->n = p->n;
    w->f = (p->n - 1) / 3;
    sim_rng_seed(&w->rng_net, p->seed, SIM_STREAM_NET);
    sim_rng_seed(&w->rng_fault, p->seed, SIM_STREAM_FAULT);
    sim_rng_seed(&w->rng_data, p->seed, SIM_STREAM_DATA);
    if (p->tape != NULL) {
        size_t half = p->tape_len / 2;
        sim_rng_tape(&w->rng_net, p->tape, half);
        sim_rng_tape(&w->rng_fault, p->tape + half, p->tape_len - half);
    }
    w->net.latency_ms_max = SIM_NET_LATENCY_MS_MAX;
    crypto_generichash_init(&w->trace, NULL, 0, SIM_TRACE_BYTES);
    seq_err err = sim_crypto_new(&w->crypto, p->seed, p->n, p->real_crypto);
    if (err != SEQ_OK)
        return err;
    sim_crypto_ops(w->crypto, &w->ops_check, 0);
    w->genesis = (seq_block_header){.l2_chain_id = SIM_L2_CHAIN_ID};
    w->ops_check.tx_root(w->ops_check.ctx, &w->genesis.tx_root, NULL, 0);
    w->ops_check.block_hash(w->ops_check.ctx, &w->genesis_hash, &w->genesis);
    sim_fault_plan(w);
    for (size_t i = 0; i < w->n; i++)
        sim_host_init(w, &w->hosts[i], i, i, w->byz_of_index[i]);
    w->host_count = w->n;
    for (size_t i = 0; i < w->n; i++) {
        if (w->byz_of_index[i] != SIM_BYZ_NONE)
            sim_log(w, "byzantine index=%zu %s", i, byz_name(w->byz_of_index[i]));
        if (w->byz_of_index[i] == SIM_BYZ_TWIN) {
            sim_host_init(w, &w->hosts[w->host_count], w->host_count, i, SIM_BYZ_TWIN);
            w->host_count++;
        }
    }
    return SEQ_OK;
}

static void world_free(sim_world *w)
{
    for (size_t i = 0; i < w->host_count; i++)
        sim_host_free(&w->hosts[i]);
    sim_net_free(&w->net);
    sim_kmap_free(&w->statements);
    free(w->agreed);
    sim_crypto_free(w->crypto);
}

/* ------------------------------------------------------------------- loop */

typedef enum {
    SIM_NEXT_FAULT = 0,
    SIM_NEXT_RESTART,
    SIM_NEXT_TICK,
    SIM_NEXT_DELIVERY,
    SIM_NEXT_WAKE,
} sim_next_kind;

typedef struct {
    sim_next_kind kind;
    uint64_t at_ms;
    size_t host;
} sim_next;

static void consider(sim_next *best, sim_next_kind kind, uint64_t at_ms, size_t host)
{
    if (at_ms < best->at_ms || (at_ms == best->at_ms && kind < best->kind))
        *best = (sim_next){.kind = kind, .at_ms = at_ms, .host = host};
}

/* When a host's armed timer fires: never twice in one millisecond. */
static uint64_t tick_ms(const sim_host *h)
{
    return SEQ_MAX(h->deadline_ms, h->tick_last_ms + 1);
}

static sim_next next_event(const sim_world *w)
{
    sim_next best = {.kind = SIM_NEXT_WAKE, .at_ms = UINT64_MAX};
    if (!w->faults.healed)
        consider(&best, SIM_NEXT_FAULT, w->faults.next_ms, 0);
    for (size_t i = 0; i < w->host_count; i++) {
        const sim_host *h = &w->hosts[i];
        if (h->core == NULL)
            consider(&best, SIM_NEXT_RESTART, h->restart_ms, i);
        else if (h->deadline_ms != 0)
            consider(&best, SIM_NEXT_TICK, tick_ms(h), i);
    }
    uint64_t at = 0;
    if (sim_net_next_ms(&w->net, &at))
        consider(&best, SIM_NEXT_DELIVERY, at, 0);
    if (w->liveness.active && w->liveness.pending > 0)
        consider(&best, SIM_NEXT_WAKE, w->liveness.deadline_ms + 1, 0);
    if (w->params.run_views == 0 && w->now_ms < w->params.run_ms)
        consider(&best, SIM_NEXT_WAKE, w->params.run_ms, 0);
    return best;
}

static void trace_delivery(sim_world *w, const sim_packet *p)
{
    trace_u64(w, w->now_ms);
    trace_u64(w, p->from_host);
    trace_u64(w, p->to_host);
    trace_u64(w, p->blob->len);
    crypto_generichash_update(&w->trace, p->blob->bytes, p->blob->len);
}

/* A short description of msg's key fields, for the verbose trace. */
static void describe(char *out, size_t out_len, const wire_msg *msg)
{
    const wire_proposal *p = &msg->u.proposal;
    switch (msg->type) {
    case WIRE_PROPOSAL:
        snprintf(out, out_len, "view=%llu height=%llu justify=%llu tc=%d txs=%zu",
                 (unsigned long long)p->block.header.view,
                 (unsigned long long)p->block.header.height, (unsigned long long)p->justify.view,
                 p->has_tc, p->block.tx_count);
        return;
    case WIRE_VOTE:
        snprintf(out, out_len, "view=%llu height=%llu block=%02x%02x%02x%02x",
                 (unsigned long long)msg->u.vote.vote.stmt.view,
                 (unsigned long long)msg->u.vote.vote.stmt.height,
                 msg->u.vote.vote.stmt.block_hash.b[0], msg->u.vote.vote.stmt.block_hash.b[1],
                 msg->u.vote.vote.stmt.block_hash.b[2], msg->u.vote.vote.stmt.block_hash.b[3]);
        return;
    case WIRE_TIMEOUT:
        snprintf(out, out_len, "view=%llu high_qc=%llu",
                 (unsigned long long)msg->u.timeout.stmt.stmt.view,
                 (unsigned long long)msg->u.timeout.stmt.stmt.high_qc_view);
        return;
    case WIRE_SYNC_RESPONSE:
        snprintf(out, out_len, "blocks=%zu first_height=%llu", msg->u.sync_response.count,
                 (unsigned long long)(msg->u.sync_response.count > 0
                                          ? msg->u.sync_response.blocks[0].block.header.height
                                          : 0));
        return;
    default:
        out[0] = '\0';
        return;
    }
}

static void log_delivery(const sim_world *w, const sim_packet *p, const wire_msg *msg)
{
    char what[SIM_DETAIL_BYTES / 2];
    describe(what, sizeof what, msg);
    sim_log(w, "host=%u deliver from=%u type=%s %s", p->to_host, p->from_host,
            wire_type_name(msg->type), what);
}

static void deliver(sim_world *w)
{
    sim_packet p;
    sim_net_pop(&w->net, &p);
    sim_host *to = &w->hosts[p.to_host];
    if (w->net.blocked[p.from_host][p.to_host] || to->core == NULL) {
        sim_blob_release(p.blob);
        return;
    }
    trace_delivery(w, &p);
    w->result->deliveries++;
    /* Exactly the arena wire.h promises suffices for this length. */
    seq_arena_init(&w->scratch->decode_arena, w->scratch->decode_buf,
                   WIRE_DECODE_ARENA_BYTES(p.blob->len));
    wire_msg msg;
    seq_err err = wire_decode(&msg, &w->scratch->decode_arena, p.blob->bytes, p.blob->len);
    sim_blob_release(p.blob);
    if (err != SEQ_OK) {
        sim_fail(w, "codec", "wire_decode of a message from host %u: %s", p.from_host,
                 seq_strerror(err));
        return;
    }
    if (w->params.verbose)
        log_delivery(w, &p, &msg);
    sim_host_deliver(w, to, &w->hosts[p.from_host], &msg);
}

static bool finished(const sim_world *w)
{
    if (!w->faults.healed || (w->liveness.active && w->liveness.pending > 0))
        return false;
    return sim_progress_permille(w) >= 1000;
}

static void dispatch(sim_world *w, const sim_next *next)
{
    sim_host *h = &w->hosts[next->host];
    switch (next->kind) {
    case SIM_NEXT_FAULT:
        sim_fault_step(w);
        break;
    case SIM_NEXT_RESTART:
        w->faults.crashed--;
        sim_host_start(w, h);
        break;
    case SIM_NEXT_TICK:
        sim_host_tick(w, h);
        break;
    case SIM_NEXT_DELIVERY:
        deliver(w);
        break;
    case SIM_NEXT_WAKE:
        break;
    }
}

static void world_loop(sim_world *w)
{
    for (size_t i = 0; i < w->host_count && !w->failed; i++)
        sim_host_start(w, &w->hosts[i]);
    if (w->params.mix == SIM_MIX_NONE && !w->failed)
        sim_fault_heal(w);
    while (!w->failed && !finished(w)) {
        sim_next next = next_event(w);
        SEQ_ASSERT(next.at_ms != UINT64_MAX);
        w->now_ms = SEQ_MAX(w->now_ms, next.at_ms);
        dispatch(w, &next);
        sim_live_check(w);
        w->result->packets_max = SEQ_MAX(w->result->packets_max, (uint64_t)w->net.count);
        if (w->net.overflowed > 0)
            sim_fail(w, "storm", "more than %u messages or %u bytes in flight at %llu ms",
                     SIM_PACKETS_MAX, SIM_NET_BYTES_MAX, (unsigned long long)w->now_ms);
        if (w->result->steps > SIM_STEPS_MAX)
            sim_fail(w, "runaway", "more than %u steps by %llu ms", SIM_STEPS_MAX,
                     (unsigned long long)w->now_ms);
    }
    if (!w->failed)
        sim_check_final(w);
}

void sim_run(sim_result *out, const sim_params *params, sim_scratch *scratch)
{
    SEQ_ASSERT(out != NULL && params != NULL && scratch != NULL);
    SEQ_ASSERT(params->n >= 1 && params->n <= SIM_REPLICAS_MAX);
    memset(out, 0, sizeof *out);
    sim_world *w = malloc(sizeof *w);
    SEQ_ASSERT(w != NULL);
    seq_err err = world_init(w, params, out, scratch);
    if (err != SEQ_OK)
        sim_fail(w, "harness", "setup: %s", seq_strerror(err));
    else
        world_loop(w);
    crypto_generichash_final(&w->trace, out->trace, SIM_TRACE_BYTES);
    out->end_ms = w->now_ms;
    out->view_max = sim_world_view(w);
    world_free(w);
    free(w);
}
