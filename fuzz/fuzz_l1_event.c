/* libFuzzer target: the L1 event decoder (l1_event_decode) on logs an L1
 * node could return. Input: byte 0 picks topic 0 (one of seqd's events, or
 * whatever the next 32 bytes say), byte 1 the topic count, then the other
 * topics (32 bytes each) and the data. Oracles: only SEQ_OK or
 * SEQ_ERR_MALFORMED; a failure zeroes the event; borrowed bytes stay inside
 * the log's data; and every accepted event encodes back (as Solidity would
 * emit it) to exactly the topics and data it was decoded from. */
#include <string.h>

#include "fuzz.h"
#include "l1.h"

#define DATA_MAX 2048u

typedef struct {
    seq_hash topics[L1_LOG_TOPICS_MAX];
    size_t topic_count;
    uint8_t data[DATA_MAX + 32];
    size_t data_len;
} encoded;

static void put_topic_u64(encoded *e, uint64_t v)
{
    l1_abi_u64(e->topics[e->topic_count++].b, v);
}

static void put_topic_addr(encoded *e, const seq_addr *a)
{
    l1_abi_addr(e->topics[e->topic_count++].b, a);
}

static void put_u64(encoded *e, uint64_t v)
{
    l1_abi_u64(e->data + e->data_len, v);
    e->data_len += 32;
}

static void put_addr(encoded *e, const seq_addr *a)
{
    l1_abi_addr(e->data + e->data_len, a);
    e->data_len += 32;
}

static void put_word(encoded *e, const uint8_t w[32])
{
    memcpy(e->data + e->data_len, w, 32);
    e->data_len += 32;
}

/* The log Solidity emits for ev. */
static void encode(encoded *out, const l1_event *ev)
{
    memset(out, 0, sizeof *out);
    l1_event_topic(&out->topics[0], ev->kind);
    out->topic_count = 1;
    switch (ev->kind) {
    case L1_EVENT_BATCH_POSTED: {
        const l1_event_batch_posted *b = &ev->batch_posted;
        put_topic_u64(out, b->index);
        out->topics[out->topic_count++] = b->batch_hash;
        put_word(out, b->data_hash.b);
        put_u64(out, b->first_height);
        put_u64(out, b->last_height);
        put_u64(out, b->forced_cursor);
        put_addr(out, &b->poster);
        break;
    }
    case L1_EVENT_FORCED_TX_QUEUED: {
        const l1_event_forced_tx_queued *f = &ev->forced_tx_queued;
        put_topic_u64(out, f->index);
        put_topic_addr(out, &f->sender);
        put_u64(out, f->l1_block);
        put_u64(out, f->l1_timestamp);
        put_word(out, f->tx_hash.b);
        put_word(out, f->acc.b);
        put_u64(out, 5 * 32);
        put_u64(out, f->tx_len);
        SEQ_ASSERT(out->data_len + f->tx_len <= DATA_MAX);
        if (f->tx_len > 0)
            memcpy(out->data + out->data_len, f->tx, f->tx_len);
        out->data_len += (f->tx_len + 31) / 32 * 32;
        break;
    }
    case L1_EVENT_FORCE_ADVANCED: {
        const l1_event_force_advanced *a = &ev->force_advanced;
        put_topic_u64(out, a->index);
        put_word(out, a->batch_hash.b);
        put_u64(out, a->from_cursor);
        put_u64(out, a->to_cursor);
        put_addr(out, &a->caller);
        break;
    }
    case L1_EVENT_COMMITTEE_CHANGED: {
        const l1_event_committee_changed *c = &ev->committee_changed;
        put_topic_addr(out, &c->validator);
        put_topic_u64(out, c->effective_epoch);
        put_u64(out, c->weight);
        put_u64(out, c->total_weight);
        break;
    }
    case L1_EVENT_EVIDENCE_ACCEPTED: {
        const l1_event_evidence_accepted *x = &ev->evidence_accepted;
        put_topic_u64(out, x->kind);
        put_topic_addr(out, &x->validator);
        put_topic_addr(out, &x->reporter);
        put_word(out, x->digest_a.b);
        put_word(out, x->digest_b.b);
        break;
    }
    case L1_EVENT_VALIDATOR_SLASHED: {
        const l1_event_validator_slashed *s = &ev->validator_slashed;
        put_topic_addr(out, &s->validator);
        put_word(out, s->bond_wei);
        put_word(out, s->burned_wei);
        put_word(out, s->reward_wei);
        put_addr(out, &s->reporter);
        put_u64(out, s->exit_epoch);
        break;
    }
    case L1_EVENT_UNKNOWN:
    case L1_EVENT_KIND_COUNT_:
        SEQ_ASSERT(false);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t len)
{
    if (len < 2)
        return 0;
    l1_rpc_log log;
    memset(&log, 0, sizeof log);
    uint8_t pick = in[0];
    log.topic_count = in[1] % (L1_LOG_TOPICS_MAX + 1);
    in += 2;
    len -= 2;
    size_t first = 0;
    if (log.topic_count > 0 && pick % 8 < L1_EVENT_KIND_COUNT_ - 1) {
        l1_event_topic(&log.topics[0], (l1_event_kind)(pick % 8 + 1));
        first = 1;
    }
    for (size_t i = first; i < log.topic_count; i++) {
        if (len < 32)
            return 0;
        memcpy(log.topics[i].b, in, 32);
        in += 32;
        len -= 32;
    }
    if (len > DATA_MAX)
        return 0;
    static uint8_t data[DATA_MAX];
    memcpy(data, in, len);
    log.data = data;
    log.data_len = len;

    l1_event ev;
    seq_err err = l1_event_decode(&ev, &log);
    SEQ_ASSERT(err == SEQ_OK || err == SEQ_ERR_MALFORMED);
    if (err != SEQ_OK) {
        static const l1_event zero;
        SEQ_ASSERT(memcmp(&ev, &zero, sizeof ev) == 0);
        return 0;
    }
    if (ev.kind == L1_EVENT_UNKNOWN)
        return 0;
    if (ev.kind == L1_EVENT_FORCED_TX_QUEUED) {
        const l1_event_forced_tx_queued *f = &ev.forced_tx_queued;
        SEQ_ASSERT(f->tx >= data && f->tx + f->tx_len <= data + len);
    }
    static encoded again;
    encode(&again, &ev);
    SEQ_ASSERT(again.topic_count == log.topic_count);
    SEQ_ASSERT(memcmp(again.topics, log.topics, log.topic_count * sizeof log.topics[0]) == 0);
    SEQ_ASSERT(again.data_len == len);
    SEQ_ASSERT(memcmp(again.data, data, len) == 0);
    return 0;
}
