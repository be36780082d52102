/* net_fault.c — the transport's fault layer: per-link delay, jitter, drop,
 * duplication and partitions, for tests only (DESIGN.md, "Faults, on
 * purpose": this machine has no netem). A net created without
 * faults_enabled refuses every fault. Decisions are drawn from one seeded
 * generator per net, so a test that sends the same messages in the same
 * order sees the same faults. */
#include "internal.h"

#include <nng/supplemental/util/platform.h>
#include <string.h>

bool net_fault_valid(const net_fault *f)
{
    SEQ_ASSERT(f != NULL);
    return f->delay_ms <= NET_FAULT_DELAY_MS_MAX && f->jitter_ms <= NET_FAULT_DELAY_MS_MAX &&
           f->drop_ppm <= NET_FAULT_PPM && f->duplicate_ppm <= NET_FAULT_PPM;
}

/* True with probability ppm / NET_FAULT_PPM; draws only when it matters,
 * so a perfect link consumes no randomness. */
static bool fault_chance(uint64_t *rng, uint32_t ppm)
{
    if (ppm == 0)
        return false;
    if (ppm >= NET_FAULT_PPM)
        return true;
    return net_rng_next(rng) % NET_FAULT_PPM < ppm;
}

void net_fault_apply(net_fault_plan *out, const net_fault *f, uint64_t *rng, uint64_t now_ms)
{
    SEQ_ASSERT(out != NULL && f != NULL && rng != NULL);
    SEQ_ASSERT(net_fault_valid(f));
    out->copies = 1;
    out->due_ms = now_ms;
    if (f->block_send || fault_chance(rng, f->drop_ppm)) {
        out->copies = 0;
        return;
    }
    if (fault_chance(rng, f->duplicate_ppm))
        out->copies = 2;
    out->due_ms += f->delay_ms;
    if (f->jitter_ms > 0)
        out->due_ms += net_rng_next(rng) % ((uint64_t)f->jitter_ms + 1);
}

seq_err net_fault_set(net *n, uint32_t peer, const net_fault *fault)
{
    SEQ_ASSERT(n != NULL && fault != NULL);
    if (!n->faults_enabled)
        return SEQ_ERR_UNSUPPORTED;
    if (peer >= n->peer_count || peer == n->self || !net_fault_valid(fault))
        return SEQ_ERR_INVALID_ARG;
    nng_mtx_lock(n->mtx);
    n->peers[peer].fault = *fault;
    nng_mtx_unlock(n->mtx);
    SEQ_LOG(
        SEQ_LOG_INFO, "net_fault_set", SEQ_F_U64("peer", peer),
        SEQ_F_U64("delay_ms", fault->delay_ms), SEQ_F_U64("jitter_ms", fault->jitter_ms),
        SEQ_F_U64("drop_ppm", fault->drop_ppm), SEQ_F_U64("duplicate_ppm", fault->duplicate_ppm),
        SEQ_F_BOOL("block_send", fault->block_send), SEQ_F_BOOL("block_recv", fault->block_recv));
    return SEQ_OK;
}

seq_err net_fault_get(net *n, net_fault *out, uint32_t peer)
{
    SEQ_ASSERT(n != NULL && out != NULL);
    memset(out, 0, sizeof *out);
    if (!n->faults_enabled)
        return SEQ_ERR_UNSUPPORTED;
    if (peer >= n->peer_count || peer == n->self)
        return SEQ_ERR_INVALID_ARG;
    nng_mtx_lock(n->mtx);
    *out = n->peers[peer].fault;
    nng_mtx_unlock(n->mtx);
    SEQ_ASSERT(net_fault_valid(out));
    return SEQ_OK;
}

bool net_faults_enabled(const net *n)
{
    SEQ_ASSERT(n != NULL);
    return n->faults_enabled;
}
