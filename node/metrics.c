/* metrics.c — a node's status in the Prometheus text exposition format
 * (node.h "metrics", node/README.md "Metrics").
 *
 * A pure function of one node_status snapshot: every family is written
 * with its HELP and TYPE lines, counters end in _total, labels carry only
 * values the node chose (hex addresses, fixed reason and event names), so
 * nothing needs escaping. Output that would not fit the buffer is
 * SEQ_ERR_NO_SPACE, never a cut document. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

typedef struct {
    char *out;
    size_t cap;
    size_t len;
    bool full;
} metrics_out;

static void emit(metrics_out *m, const char *format, ...) __attribute__((format(printf, 2, 3)));

static void emit(metrics_out *m, const char *format, ...)
{
    if (m->full)
        return;
    va_list ap;
    va_start(ap, format);
    int n = vsnprintf(m->out + m->len, m->cap - m->len, format, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= m->cap - m->len) {
        m->full = true;
        return;
    }
    m->len += (size_t)n;
}

static void family(metrics_out *m, const char *name, const char *type, const char *help)
{
    emit(m, "# HELP seq_%s %s\n# TYPE seq_%s %s\n", name, help, name, type);
}

static void gauge(metrics_out *m, const char *name, const char *help, uint64_t v)
{
    family(m, name, "gauge", help);
    emit(m, "seq_%s %" PRIu64 "\n", name, v);
}

static void counter(metrics_out *m, const char *name, const char *help, uint64_t v)
{
    family(m, name, "counter", help);
    emit(m, "seq_%s %" PRIu64 "\n", name, v);
}

static void addr_hex(char out[2 * SEQ_ADDR_BYTES + 3], const seq_addr *a)
{
    seq_err err = l1_hex_encode(out, 2 * SEQ_ADDR_BYTES + 3, a->b, SEQ_ADDR_BYTES);
    SEQ_ASSERT(err == SEQ_OK);
}

/* ms as decimal seconds without trailing zeros: 2500 -> "2.5", 1 ->
 * "0.001", 3000 -> "3". */
static void seconds_text(char out[32], uint64_t ms)
{
    int n = snprintf(out, 32, "%" PRIu64 ".%03" PRIu64, ms / 1000u, ms % 1000u);
    SEQ_ASSERT(n > 0 && n < 32);
    while (out[n - 1] == '0')
        out[--n] = '\0';
    if (out[n - 1] == '.')
        out[n - 1] = '\0';
}

/* The histogram family seq_<name> (in seconds): bound_count finite buckets
 * with upper bounds bounds_ms[i] and per-bucket (not cumulative) counts
 * buckets[i], written cumulative, then the +Inf bucket (count), the sum
 * (sum_ms) and the count. */
static void histogram(metrics_out *m, const char *name, const char *help, const uint64_t *bounds_ms,
                      const uint64_t *buckets, size_t bound_count, uint64_t count, uint64_t sum_ms)
{
    family(m, name, "histogram", help);
    uint64_t cumulative = 0;
    char text[32];
    for (size_t i = 0; i < bound_count; i++) {
        cumulative += buckets[i];
        seconds_text(text, bounds_ms[i]);
        emit(m, "seq_%s_bucket{le=\"%s\"} %" PRIu64 "\n", name, text, cumulative);
    }
    seconds_text(text, sum_ms);
    emit(m,
         "seq_%s_bucket{le=\"+Inf\"} %" PRIu64 "\n"
         "seq_%s_sum %s\n"
         "seq_%s_count %" PRIu64 "\n",
         name, count, name, text, name, count);
}

/* ------------------------------------------------------ commit accounting */

static const uint64_t latency_bounds_ms[NODE_COMMIT_LATENCY_BUCKETS] = {
    1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000,
};

uint64_t node_commit_latency_bound_ms(size_t i)
{
    SEQ_ASSERT(i < NODE_COMMIT_LATENCY_BUCKETS);
    return latency_bounds_ms[i];
}

void node_commit_latency_observe(node_commit_latency *h, uint64_t latency_ms)
{
    SEQ_ASSERT(h != NULL);
    size_t i = 0;
    while (i < NODE_COMMIT_LATENCY_BUCKETS && latency_ms > latency_bounds_ms[i])
        i++;
    h->buckets[i]++;
    h->count++;
    h->sum_ms += latency_ms;
}

static const uint64_t post_lag_bounds_ms[NODE_POST_LAG_BUCKETS] = {
    500, 1000, 1500, 2000, 2500, 3000, 4000, 5000, 7500, 10000, 20000, 60000, 120000, 600000};

uint64_t node_post_lag_bound_ms(size_t i)
{
    SEQ_ASSERT(i < NODE_POST_LAG_BUCKETS);
    return post_lag_bounds_ms[i];
}

void node_post_lag_observe(node_post_lag *h, uint64_t lag_ms, uint64_t count)
{
    SEQ_ASSERT(h != NULL);
    size_t i = 0;
    while (i < NODE_POST_LAG_BUCKETS && lag_ms > post_lag_bounds_ms[i])
        i++;
    h->buckets[i] += count;
    h->count += count;
    h->sum_ms += lag_ms * count;
}

void node_validators_commit(node_validator_status *v, const cons_committee *c, uint64_t view_prev,
                            uint64_t view, const seq_addr *proposer)
{
    SEQ_ASSERT(v != NULL && c != NULL && proposer != NULL);
    SEQ_ASSERT(c->count > 0 && c->count <= CONS_VALIDATORS_MAX && c->weight_total > 0);
    size_t index = 0;
    if (cons_committee_find(c, &index, proposer))
        v[index].proposed_committed++;
    if (view <= view_prev + 1 || view_prev == UINT64_MAX)
        return;
    /* Views view_prev+1 .. view-1. Every weight_total consecutive views
     * give each member exactly its weight in slots, so whole rounds are
     * counted at once and only the rest view by view. */
    uint64_t gap = view - view_prev - 1;
    uint64_t rounds = gap / c->weight_total;
    for (size_t i = 0; rounds > 0 && i < c->count; i++)
        v[i].slots_missed += rounds * c->validators[i].weight;
    for (uint64_t w = view_prev + 1 + rounds * c->weight_total; w < view; w++)
        v[cons_committee_leader(c, w)].slots_missed++;
}

static void core_metrics(metrics_out *m, const node_status *s)
{
    char self[2 * SEQ_ADDR_BYTES + 3];
    addr_hex(self, &s->validator);
    family(m, "info", "gauge", "This validator; always 1.");
    emit(m, "seq_info{validator=\"%s\",index=\"%zu\"} 1\n", self, s->self_index);
    gauge(m, "committee_size", "Validators in the committee.", s->committee_size);
    gauge(m, "view", "The current view.", s->view);
    gauge(m, "leader_index", "Committee index of the current view's leader.", s->leader_index);
    gauge(m, "height_committed", "Height of the highest committed block.", s->height_committed);
    gauge(m, "high_qc_view", "View of the highest QC known.", s->high_qc_view);
    gauge(m, "timeouts_consecutive", "Views in a row that ended by timeout.",
          s->timeouts_consecutive);
    gauge(m, "halted", "1 once the core stopped on a safety violation.", s->halted);
    gauge(m, "store_failing", "1 while the last durable write failed.", s->store_failing);
    gauge(m, "uptime_seconds", "Seconds since the node started.", s->uptime_ms / 1000u);
    const cons_stats *c = &s->stats;
    counter(m, "proposals_made_total", "Blocks this node proposed.", c->proposals_made);
    counter(m, "votes_sent_total", "Votes this node sent.", c->votes_sent);
    counter(m, "timeouts_sent_total", "Timeouts this node sent.", c->timeouts_sent);
    counter(m, "qcs_formed_total", "QCs this node formed from votes.", c->qcs_formed);
    counter(m, "tcs_formed_total", "TCs this node formed from timeouts.", c->tcs_formed);
    family(m, "views_total", "counter", "Views entered, by how the previous view ended.");
    emit(m, "seq_views_total{by=\"qc\"} %" PRIu64 "\nseq_views_total{by=\"tc\"} %" PRIu64 "\n",
         c->views_by_qc, c->views_by_tc);
    counter(m, "blocks_committed_total", "Blocks committed since start.", c->blocks_committed);
    counter(m, "txs_committed_total", "Txs in blocks committed since start.", s->txs_committed);
    counter(m, "evidence_found_total", "Equivocations detected.", c->evidence_found);
    counter(m, "fetches_sent_total", "Block fetches sent.", c->fetches_sent);
    family(m, "inputs_rejected_total", "counter", "Inputs the core refused, by reason.");
    emit(m,
         "seq_inputs_rejected_total{reason=\"signature\"} %" PRIu64 "\n"
         "seq_inputs_rejected_total{reason=\"certificate\"} %" PRIu64 "\n"
         "seq_inputs_rejected_total{reason=\"block\"} %" PRIu64 "\n"
         "seq_inputs_rejected_total{reason=\"other\"} %" PRIu64 "\n",
         c->rejected_signature, c->rejected_certificate, c->rejected_block, c->rejected_other);
    counter(m, "store_failures_total", "Failed durable writes.", s->store_failures);
    family(m, "messages_total", "counter", "Peer messages, by outcome.");
    emit(m,
         "seq_messages_total{outcome=\"decoded\"} %" PRIu64 "\n"
         "seq_messages_total{outcome=\"invalid\"} %" PRIu64 "\n"
         "seq_messages_total{outcome=\"ignored\"} %" PRIu64 "\n",
         s->messages_in, s->messages_invalid, s->messages_ignored);
    counter(m, "sync_served_total", "Sync requests answered.", s->sync_served);
}

/* Per validator leader slots and the commit clock: what this node saw
 * commit since it started. */
static void commit_metrics(metrics_out *m, const node_status *s)
{
    size_t n = SEQ_MIN(s->committee_size, (size_t)CONS_VALIDATORS_MAX);
    gauge(m, "leader_slots_from_view",
          "Leader slots are counted for views above this one (the tip's view at start).",
          s->slots_from_view);
    static const struct {
        const char *name, *help;
    } f[] = {
        {"leader_slots_missed_total",
         "Views the validator led that the committed chain skips, since start."},
        {"blocks_proposed_committed_total",
         "Committed blocks the validator proposed, since start."},
    };
    for (size_t k = 0; k < SEQ_ARRAY_LEN(f); k++) {
        family(m, f[k].name, "counter", f[k].help);
        for (size_t i = 0; i < n; i++) {
            const node_validator_status *v = &s->validators[i];
            char a[2 * SEQ_ADDR_BYTES + 3];
            addr_hex(a, &v->address);
            emit(m, "seq_%s{validator=\"%s\"} %" PRIu64 "\n", f[k].name, a,
                 k == 0 ? v->slots_missed : v->proposed_committed);
        }
    }
    const node_commit_latency *h = &s->commit_latency;
    histogram(m, "commit_latency_seconds",
              "Local wall clock at commit minus the block's timestamp (includes clock skew).",
              latency_bounds_ms, h->buckets, NODE_COMMIT_LATENCY_BUCKETS, h->count, h->sum_ms);
    family(m, "last_commit_timestamp_seconds", "gauge",
           "Wall clock (Unix time) of the last commit; 0 before the first since start.");
    char text[32];
    seconds_text(text, s->last_commit_ms);
    emit(m, "seq_last_commit_timestamp_seconds %s\n", text);
}

/* Equivocation evidence per accused validator, and the totals that have
 * no validator. */
static void evidence_metrics(metrics_out *m, const node_status *s)
{
    const node_evidence_stats *e = &s->evidence;
    size_t n = SEQ_MIN(s->committee_size, (size_t)CONS_VALIDATORS_MAX);
    static const struct {
        const char *name, *type, *help;
    } f[] = {
        {"evidence_detected_total", "counter",
         "Equivocation evidence against the validator this node found, since start."},
        {"evidence_received_total", "counter",
         "Equivocation evidence against the validator received from peers, since start."},
        {"evidence_submitted_total", "counter",
         "submitEvidence transactions this node sent against the validator, since start."},
        {"evidence_accepted_total", "counter",
         "EvidenceAccepted logs against the validator seen on L1, since start."},
        {"validator_slashed", "gauge", "1 once the validator is known slashed on L1."},
    };
    for (size_t k = 0; k < SEQ_ARRAY_LEN(f); k++) {
        family(m, f[k].name, f[k].type, f[k].help);
        for (size_t i = 0; i < n; i++) {
            const node_evidence_validator *v = &e->validators[i];
            uint64_t value[] = {v->detected, v->received, v->submitted, v->accepted, v->slashed};
            char a[2 * SEQ_ADDR_BYTES + 3];
            addr_hex(a, &s->validators[i].address);
            emit(m, "seq_%s{validator=\"%s\"} %" PRIu64 "\n", f[k].name, a, value[k]);
        }
    }
    family(m, "evidence_dropped_total", "counter",
           "Evidence offered to this node and not stored, by reason.");
    emit(m, "seq_evidence_dropped_total{reason=\"known\"} %" PRIu64 "\n", e->known);
    emit(m, "seq_evidence_dropped_total{reason=\"capped\"} %" PRIu64 "\n", e->capped);
    emit(m, "seq_evidence_dropped_total{reason=\"invalid\"} %" PRIu64 "\n", e->invalid);
    emit(m, "seq_evidence_dropped_total{reason=\"store_failed\"} %" PRIu64 "\n", e->store_failures);
    counter(m, "evidence_gossiped_total", "Evidence messages this node broadcast.", e->gossiped);
    family(m, "evidence_submit_failures_total", "counter",
           "Evidence submissions not sent: L1 would revert, or the RPC failed.");
    emit(m, "seq_evidence_submit_failures_total{reason=\"refused\"} %" PRIu64 "\n",
         e->submit_refused);
    emit(m, "seq_evidence_submit_failures_total{reason=\"failed\"} %" PRIu64 "\n",
         e->submit_failed);
}

static void peer_metrics(metrics_out *m, const node_status *s)
{
    size_t n = SEQ_MIN(s->committee_size, (size_t)CONS_VALIDATORS_MAX);
    gauge(m, "peers_connected", "Peers with an authenticated connection.", s->peers_connected);
    static const struct {
        const char *name, *type, *help;
    } f[] = {
        {"peer_connected", "gauge", "1 while the peer is connected."},
        {"peer_frames_in_total", "counter", "Frames received from the peer."},
        {"peer_frames_out_total", "counter", "Frames sent to the peer."},
        {"peer_bytes_in_total", "counter", "Bytes received from the peer."},
        {"peer_bytes_out_total", "counter", "Bytes sent to the peer."},
        {"peer_drops_total", "counter", "Messages to the peer dropped (queue full or faults)."},
        {"peer_auth_failures_total", "counter", "Failed handshakes or frames from the peer."},
        {"peer_protocol_errors_total", "counter", "Bad framing by the authenticated peer."},
    };
    for (size_t k = 0; k < SEQ_ARRAY_LEN(f); k++) {
        family(m, f[k].name, f[k].type, f[k].help);
        for (size_t i = 0; i < n; i++) {
            if (i == s->self_index)
                continue;
            const node_peer_status *p = &s->peers[i];
            const uint64_t v[] = {p->connected, p->frames_in, p->frames_out,    p->bytes_in,
                                  p->bytes_out, p->drops,     p->auth_failures, p->protocol_errors};
            char a[2 * SEQ_ADDR_BYTES + 3];
            addr_hex(a, &p->address);
            emit(m, "seq_%s{peer=\"%s\"} %" PRIu64 "\n", f[k].name, a, v[k]);
        }
    }
    counter(m, "transport_accepted_total", "Incoming connections accepted.", s->net.accepted);
    counter(m, "transport_dials_total", "Outgoing connections started.", s->net.dials);
    counter(m, "transport_dial_failures_total", "Outgoing connections that failed.",
            s->net.dial_failures);
    counter(m, "transport_handshakes_total", "Handshakes completed.", s->net.handshakes);
    gauge(m, "transport_inbox_depth", "Received messages waiting for the loop.",
          s->net.inbox_depth);
    family(m, "transport_closed_total", "counter", "Connections closed, by reason.");
    for (size_t r = 0; r < NET_CLOSE_REASON_COUNT_; r++)
        emit(m, "seq_transport_closed_total{reason=\"%s\"} %" PRIu64 "\n",
             net_close_reason_name((net_close_reason)r), s->net.closed[r]);
}

static void pool_metrics(metrics_out *m, const node_status *s)
{
    const mempool_stats *p = &s->txpool.pool;
    gauge(m, "mempool_txs", "Txs in the pool.", p->txs);
    gauge(m, "mempool_bytes", "Bytes of the txs in the pool.", p->bytes);
    gauge(m, "mempool_senders", "Senders with txs in the pool.", p->senders);
    gauge(m, "mempool_in_flight", "Pool txs in proposed, uncommitted blocks.", p->in_flight);
    counter(m, "mempool_admitted_total", "Txs admitted.", p->admitted);
    counter(m, "mempool_evicted_total", "Txs evicted for better ones.", p->evicted);
    counter(m, "mempool_replaced_total", "Txs replaced by a fee bump.", p->replaced);
    family(m, "mempool_rejected_total", "counter", "Txs refused, by reason.");
    for (size_t r = 1; r < MEMPOOL_REJECT_COUNT_; r++) {
        const char *name = mempool_reject_name((mempool_reject)r);
        const char *prefix = "MEMPOOL_REJECT_";
        if (strncmp(name, prefix, strlen(prefix)) == 0)
            name += strlen(prefix);
        emit(m, "seq_mempool_rejected_total{reason=\"%s\"} %" PRIu64 "\n", name, p->rejected[r]);
    }
    counter(m, "gossip_received_total", "Txs received by gossip.", s->txpool.received);
    counter(m, "gossip_sent_total", "Txs gossiped to peers.", s->txpool.gossiped);
}

static void l1_metrics(metrics_out *m, const node_status *s, uint64_t now_ms)
{
    const node_l1link_status *l = &s->l1;
    gauge(m, "l1_enabled", "1 when the node follows an L1.", l->enabled);
    if (!l->enabled)
        return;
    gauge(m, "l1_ok", "1 when the last L1 poll worked.", l->ok);
    gauge(m, "l1_head", "The latest L1 block number seen.", l->head);
    gauge(m, "l1_cursor", "The L1 block up to which logs are applied.", l->cursor);
    gauge(m, "l1_lag_blocks", "L1 head minus cursor.",
          l->has_cursor && l->head > l->cursor ? l->head - l->cursor : 0);
    gauge(m, "l1_last_ok_age_seconds", "Seconds since the last successful L1 poll (0: never).",
          l->last_ok_ms > 0 && now_ms > l->last_ok_ms ? (now_ms - l->last_ok_ms) / 1000u : 0);
    counter(m, "l1_polls_total", "L1 polls.", l->polls);
    counter(m, "l1_poll_failures_total", "L1 polls that failed.", l->poll_failures);
    counter(m, "l1_reorgs_total", "L1 reorgs followed.", l->reorgs);
    family(m, "l1_events_total", "counter", "Contract events applied since start, by event.");
    for (int k = L1_EVENT_UNKNOWN + 1; k < L1_EVENT_KIND_COUNT_; k++)
        emit(m, "seq_l1_events_total{event=\"%s\"} %" PRIu64 "\n", l1_event_name((l1_event_kind)k),
             l->events[k]);
    if (l->has_batch)
        gauge(m, "l1_batch_last_height", "Last L2 height of the newest batch on L1.",
              l->last_batch.last_height);
    if (l->has_inbox_head) {
        gauge(m, "l1_inbox_batches", "Batches the Inbox holds.", l->inbox_next_index);
        gauge(m, "l1_forced_queue_length", "Forced txs queued on L1 and not yet consumed.",
              l->forced_count > l->forced_consumed ? l->forced_count - l->forced_consumed : 0);
    }
    if (l->has_finalized)
        gauge(m, "l1_finalized_block", "L1's finalized block number, as its node reports it.",
              l->finalized);
    gauge(m, "l1_forced_stored", "Forced queue entries followed and stored (confirmed).",
          l->forced_stored);
    gauge(m, "l1_forced_waiting", "Stored forced entries no batch on L1 has consumed yet.",
          l->forced_stored - SEQ_MIN(l->forced_consumed_stored, l->forced_stored));
    if (l->has_origin)
        gauge(m, "l1_origin_newest_block",
              "The newest L1 block in the origin table (verified up to the cursor).",
              l->origin_number);
    counter(m, "l1_origin_mismatches_total",
            "Turns whose L1 headers did not chain up to the cursor (a reorg in progress).",
            l->origin_mismatches);
    gauge(m, "l1_forced_inclusion_window_blocks",
          "The Inbox's inclusion window (genesis): a batch must consume an entry within it.",
          l->inclusion_window);
    if (l->has_forced_oldest)
        gauge(m, "l1_forced_oldest_age_blocks",
              "L1 blocks since the oldest unconsumed forced entry was queued.",
              l->head > l->forced_oldest_block ? l->head - l->forced_oldest_block : 0);
    /* The L2 side: what committed blocks consumed, and how soon. */
    const node_forced_stats *f = &s->forced;
    gauge(m, "forced_cursor", "Forced cursor of the last committed block.", f->last_cursor);
    counter(m, "forced_consumed_total", "Forced entries consumed by committed blocks.",
            f->consumed);
    counter(m, "forced_included_total",
            "Forced entries whose tx a committed block carries (the rest were ordered already).",
            f->included);
    const node_post_lag *pl = &l->forced_posted_lag;
    histogram(m, "forced_posted_latency_seconds",
              "From a forced tx's L1 block timestamp to that of the batch that consumed it on L1.",
              post_lag_bounds_ms, pl->buckets, NODE_POST_LAG_BUCKETS, pl->count, pl->sum_ms);
    histogram(m, "forced_soft_latency_seconds",
              "From a forced tx's L1 block timestamp to the L2 block that carries it.",
              post_lag_bounds_ms, f->soft_lag.buckets, NODE_POST_LAG_BUCKETS, f->soft_lag.count,
              f->soft_lag.sum_ms);
}

/* ---------------------------------------------------------------- batcher */

/* num / den as a decimal with at most three places, without trailing
 * zeros (3.5, 0.125, 2); den > 0. */
static void ratio_text(char out[48], uint64_t num, uint64_t den)
{
    SEQ_ASSERT(den > 0);
    int n = snprintf(out, 48, "%.3f", (double)num / (double)den);
    SEQ_ASSERT(n > 0 && n < 48);
    while (out[n - 1] == '0')
        out[--n] = '\0';
    if (out[n - 1] == '.')
        out[n - 1] = '\0';
}

static void gauge_ratio(metrics_out *m, const char *name, const char *help, uint64_t num,
                        uint64_t den)
{
    char text[48];
    ratio_text(text, num, den);
    family(m, name, "gauge", help);
    emit(m, "seq_%s %s\n", name, text);
}

/* This node's batcher work and what it saw reach L1 (node_batcher_status). */
static void batcher_counters(metrics_out *m, const node_batcher_status *b)
{
    const struct {
        const char *name, *help;
        uint64_t value;
    } f[] = {
        {"batch_formed_total", "Batches this node formed from the committed chain.",
         b->batches_formed},
        {"batch_attestations_signed_total", "Batch attestations this node signed.",
         b->attestations_signed},
        {"batch_attestations_received_total",
         "Batch attestations taken from peers (valid or not, for any batch).",
         b->attestations_received},
        {"batch_attestations_rejected_total",
         "Batch attestations refused: not a member's valid signature for this chain.",
         b->attestations_rejected},
        {"batch_attestations_dropped_total",
         "Batch attestations replaced unread by the same peer's next one.",
         b->attestations_dropped},
        {"batch_posts_sent_total",
         "postBatch transactions this node sent (stored by its tx manager).", b->posts_sent},
        {"batch_posts_refused_total",
         "postBatch transactions not sent because estimateGas reverted (e.g. already posted).",
         b->posts_refused},
        {"batch_posts_failed_total",
         "postBatch attempts that failed in the tx manager or the L1 RPC.", b->posts_failed},
        {"batch_posts_reverted_total",
         "postBatch transactions of this node mined but reverted (a lost race).",
         b->posts_reverted},
        {"batch_posts_failover_total",
         "postBatch transactions this node sent when it was not the first poster's turn.",
         b->posts_failover},
        {"batch_post_gas_used_total", "Gas used by this node's mined postBatch transactions.",
         b->gas_used},
        {"batch_seen_total", "Batches seen on L1 at confirmation depth, whoever posted them.",
         b->batches_seen},
        {"batch_forced_seen_total", "Batches seen on L1 that forceAdvance appended.",
         b->forced_batches_seen},
        {"batch_failovers_seen_total",
         "Batches seen on L1 posted by another than the first poster of their index.",
         b->failovers_seen},
        {"batch_posted_blocks_total", "L2 blocks in the batches seen on L1.", b->blocks_posted},
        {"batch_posted_txs_total", "Txs in the batches seen on L1.", b->txs_posted},
        {"batch_posted_payload_bytes_total",
         "Uncompressed payload bytes of the batches seen on L1.", b->payload_bytes_posted},
        {"batch_posted_data_bytes_total",
         "Batch data bytes (compressed, as posted) of the batches seen on L1.",
         b->data_bytes_posted},
    };
    for (size_t i = 0; i < SEQ_ARRAY_LEN(f); i++)
        counter(m, f[i].name, f[i].help, f[i].value);
}

/* The batch formed and waiting for L1; its details only while there is one. */
static void batcher_pending(metrics_out *m, const node_batcher_status *b)
{
    gauge(m, "batch_pending", "1 while a formed batch waits for L1.", b->has_batch);
    if (!b->has_batch)
        return;
    gauge(m, "batch_pending_index", "Index of the batch waiting for L1.", b->index);
    gauge(m, "batch_pending_attestations",
          "Matching attestations held for the waiting batch, own included.", b->attestations);
    gauge(m, "batch_pending_attested_weight", "Committee weight of those attestations.",
          b->attested_weight);
    gauge(m, "batch_pending_quorum_weight", "Weight needed to post (more than 2/3).",
          b->quorum_weight);
    gauge(m, "batch_pending_poster_index",
          "Committee index (genesis order) of the validator whose turn it is to post.", b->poster);
    gauge(m, "batch_pending_attempt", "Poster timeouts since the batch was ready.", b->attempt);
    gauge(m, "batch_pending_waiting_seconds", "Seconds since the batch was ready.",
          b->waiting_ms / 1000u);
}

static void batcher_metrics(metrics_out *m, const node_status *s)
{
    const node_batcher_status *b = &s->l1.batcher;
    batcher_counters(m, b);
    gauge(m, "batch_posted_height", "Last L2 height in a batch on L1 (0: none).", b->posted_height);
    gauge(m, "batch_gap_blocks", "Committed height minus the last height on L1.",
          s->height_committed > b->posted_height ? s->height_committed - b->posted_height : 0);
    if (b->data_bytes_posted > 0)
        gauge_ratio(m, "batch_compression_ratio",
                    "Payload bytes per batch data byte on L1, over the batches seen.",
                    b->payload_bytes_posted, b->data_bytes_posted);
    if (b->txs_posted > 0)
        gauge_ratio(m, "batch_l1_bytes_per_tx", "Batch data bytes on L1 per tx posted.",
                    b->data_bytes_posted, b->txs_posted);
    batcher_pending(m, b);
    const node_post_lag *h = &b->post_lag;
    histogram(m, "batch_post_lag_seconds",
              "From a block's timestamp to its batch on L1 at confirmation depth, per tx.",
              post_lag_bounds_ms, h->buckets, NODE_POST_LAG_BUCKETS, h->count, h->sum_ms);
}

seq_err node_metrics_render(char *out, size_t cap, size_t *len, const node_status *s,
                            uint64_t now_ms)
{
    SEQ_ASSERT(out != NULL && len != NULL && s != NULL);
    SEQ_ASSERT(cap > 0);
    metrics_out m = {.out = out, .cap = cap};
    core_metrics(&m, s);
    commit_metrics(&m, s);
    evidence_metrics(&m, s);
    peer_metrics(&m, s);
    pool_metrics(&m, s);
    l1_metrics(&m, s, now_ms);
    if (s->l1.enabled && s->l1.batcher.enabled)
        batcher_metrics(&m, s);
    if (m.full) {
        out[0] = '\0';
        *len = 0;
        return SEQ_ERR_NO_SPACE;
    }
    *len = m.len;
    return SEQ_OK;
}
