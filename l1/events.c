/* events.c — strict decoding of the Inbox and Committee events
 * (l1.h, l1/README.md "Events").
 *
 * A log is untrusted input: it comes from an L1 node. The decoder accepts
 * exactly the ABI encoding Solidity emits for each event, checked word by
 * word: the topic count, every indexed and non-indexed word in range for
 * its type (a uint64 with a high bit set, an address with dirt in its top
 * twelve bytes are refused), the one dynamic `bytes` at its canonical
 * offset, its length inside the data and its padding zero, and no byte
 * more. Event signatures are hashed once, on first use. */
#include <pthread.h>
#include <string.h>

#include "l1.h"

#define WORD 32u

static const char *const signatures[L1_EVENT_KIND_COUNT_] = {
    [L1_EVENT_BATCH_POSTED] = "BatchPosted(uint64,bytes32,bytes32,uint64,uint64,uint64,address)",
    [L1_EVENT_FORCED_TX_QUEUED] =
        "ForcedTxQueued(uint64,address,uint256,uint256,bytes32,bytes32,bytes)",
    [L1_EVENT_FORCE_ADVANCED] = "ForceAdvanced(uint64,bytes32,uint64,uint64,address)",
    [L1_EVENT_COMMITTEE_CHANGED] = "CommitteeChanged(address,uint64,uint64,uint64)",
    [L1_EVENT_EVIDENCE_ACCEPTED] = "EvidenceAccepted(uint8,address,address,bytes32,bytes32)",
    [L1_EVENT_VALIDATOR_SLASHED] =
        "ValidatorSlashed(address,uint256,uint256,uint256,address,uint64)",
};

static seq_hash topic0[L1_EVENT_KIND_COUNT_];
static pthread_once_t topics_once = PTHREAD_ONCE_INIT;

static void topics_init(void)
{
    for (int k = L1_EVENT_UNKNOWN + 1; k < L1_EVENT_KIND_COUNT_; k++)
        l1_keccak256(&topic0[k], (const uint8_t *)signatures[k], strlen(signatures[k]));
}

void l1_event_topic(seq_hash *out, l1_event_kind kind)
{
    SEQ_ASSERT(out != NULL);
    SEQ_ASSERT(kind > L1_EVENT_UNKNOWN && kind < L1_EVENT_KIND_COUNT_);
    pthread_once(&topics_once, topics_init);
    *out = topic0[kind];
}

const char *l1_event_name(l1_event_kind kind)
{
    static const char *const names[L1_EVENT_KIND_COUNT_] = {
        [L1_EVENT_UNKNOWN] = "unknown",
        [L1_EVENT_BATCH_POSTED] = "BatchPosted",
        [L1_EVENT_FORCED_TX_QUEUED] = "ForcedTxQueued",
        [L1_EVENT_FORCE_ADVANCED] = "ForceAdvanced",
        [L1_EVENT_COMMITTEE_CHANGED] = "CommitteeChanged",
        [L1_EVENT_EVIDENCE_ACCEPTED] = "EvidenceAccepted",
        [L1_EVENT_VALIDATOR_SLASHED] = "ValidatorSlashed",
    };
    return kind >= 0 && kind < L1_EVENT_KIND_COUNT_ ? names[kind] : "invalid";
}

bool l1_event_from_inbox(l1_event_kind kind)
{
    return kind == L1_EVENT_BATCH_POSTED || kind == L1_EVENT_FORCED_TX_QUEUED ||
           kind == L1_EVENT_FORCE_ADVANCED;
}

/* ----------------------------------------------------------- ABI words */

static bool zeros(const uint8_t *p, size_t n)
{
    uint8_t acc = 0;
    for (size_t i = 0; i < n; i++)
        acc |= p[i];
    return acc == 0;
}

/* A word that holds a uint64 (or a uint256 that must fit one). */
static bool word_u64(uint64_t *out, const uint8_t w[WORD])
{
    if (!zeros(w, WORD - 8))
        return false;
    uint64_t v = 0;
    for (size_t i = WORD - 8; i < WORD; i++)
        v = v << 8 | w[i];
    *out = v;
    return true;
}

static bool word_u8(uint8_t *out, const uint8_t w[WORD])
{
    if (!zeros(w, WORD - 1))
        return false;
    *out = w[WORD - 1];
    return true;
}

static bool word_addr(seq_addr *out, const uint8_t w[WORD])
{
    if (!zeros(w, WORD - SEQ_ADDR_BYTES))
        return false;
    memcpy(out->b, w + WORD - SEQ_ADDR_BYTES, SEQ_ADDR_BYTES);
    return true;
}

static void word_hash(seq_hash *out, const uint8_t w[WORD])
{
    memcpy(out->b, w, WORD);
}

/* The data's word i; the caller checked the length. */
static const uint8_t *data_word(const l1_rpc_log *log, size_t i)
{
    return log->data + i * WORD;
}

/* A log with exactly topics topics and words static data words. */
static bool shape(const l1_rpc_log *log, size_t topics, size_t words)
{
    return log->topic_count == topics && log->data_len == words * WORD &&
           (words == 0 || log->data != NULL);
}

/* ------------------------------------------------------------- events */

static seq_err batch_posted(l1_event *out, const l1_rpc_log *log)
{
    l1_event_batch_posted *e = &out->batch_posted;
    if (!shape(log, 3, 5) || !word_u64(&e->index, log->topics[1].b) ||
        !word_u64(&e->first_height, data_word(log, 1)) ||
        !word_u64(&e->last_height, data_word(log, 2)) ||
        !word_u64(&e->forced_cursor, data_word(log, 3)) ||
        !word_addr(&e->poster, data_word(log, 4)))
        return SEQ_ERR_MALFORMED;
    word_hash(&e->batch_hash, log->topics[2].b);
    word_hash(&e->data_hash, data_word(log, 0));
    return SEQ_OK;
}

/* ForcedTxQueued: 4 static words, then the bytes' offset (5 words), its
 * length and the bytes padded to a word. */
static seq_err forced_tx_queued(l1_event *out, const l1_rpc_log *log)
{
    l1_event_forced_tx_queued *e = &out->forced_tx_queued;
    const size_t head = 6 * WORD;
    uint64_t offset = 0, len = 0;
    if (log->topic_count != 3 || log->data_len < head || log->data == NULL ||
        !word_u64(&e->index, log->topics[1].b) || !word_addr(&e->sender, log->topics[2].b) ||
        !word_u64(&e->l1_block, data_word(log, 0)) ||
        !word_u64(&e->l1_timestamp, data_word(log, 1)) || !word_u64(&offset, data_word(log, 4)) ||
        offset != 5 * WORD || !word_u64(&len, data_word(log, 5)))
        return SEQ_ERR_MALFORMED;
    size_t room = log->data_len - head;
    if (len > room || room != (len + WORD - 1) / WORD * WORD ||
        !zeros(log->data + head + len, room - (size_t)len))
        return SEQ_ERR_MALFORMED;
    word_hash(&e->tx_hash, data_word(log, 2));
    word_hash(&e->acc, data_word(log, 3));
    e->tx = log->data + head;
    e->tx_len = (size_t)len;
    return SEQ_OK;
}

static seq_err force_advanced(l1_event *out, const l1_rpc_log *log)
{
    l1_event_force_advanced *e = &out->force_advanced;
    if (!shape(log, 2, 4) || !word_u64(&e->index, log->topics[1].b) ||
        !word_u64(&e->from_cursor, data_word(log, 1)) ||
        !word_u64(&e->to_cursor, data_word(log, 2)) || !word_addr(&e->caller, data_word(log, 3)))
        return SEQ_ERR_MALFORMED;
    word_hash(&e->batch_hash, data_word(log, 0));
    return SEQ_OK;
}

static seq_err committee_changed(l1_event *out, const l1_rpc_log *log)
{
    l1_event_committee_changed *e = &out->committee_changed;
    if (!shape(log, 3, 2) || !word_addr(&e->validator, log->topics[1].b) ||
        !word_u64(&e->effective_epoch, log->topics[2].b) ||
        !word_u64(&e->weight, data_word(log, 0)) || !word_u64(&e->total_weight, data_word(log, 1)))
        return SEQ_ERR_MALFORMED;
    return SEQ_OK;
}

static seq_err evidence_accepted(l1_event *out, const l1_rpc_log *log)
{
    l1_event_evidence_accepted *e = &out->evidence_accepted;
    if (!shape(log, 4, 2) || !word_u8(&e->kind, log->topics[1].b) ||
        !word_addr(&e->validator, log->topics[2].b) || !word_addr(&e->reporter, log->topics[3].b))
        return SEQ_ERR_MALFORMED;
    word_hash(&e->digest_a, data_word(log, 0));
    word_hash(&e->digest_b, data_word(log, 1));
    return SEQ_OK;
}

static seq_err validator_slashed(l1_event *out, const l1_rpc_log *log)
{
    l1_event_validator_slashed *e = &out->validator_slashed;
    if (!shape(log, 2, 5) || !word_addr(&e->validator, log->topics[1].b) ||
        !word_addr(&e->reporter, data_word(log, 3)) || !word_u64(&e->exit_epoch, data_word(log, 4)))
        return SEQ_ERR_MALFORMED;
    memcpy(e->bond_wei, data_word(log, 0), WORD);
    memcpy(e->burned_wei, data_word(log, 1), WORD);
    memcpy(e->reward_wei, data_word(log, 2), WORD);
    return SEQ_OK;
}

seq_err l1_event_decode(l1_event *out, const l1_rpc_log *log)
{
    SEQ_ASSERT(out != NULL && log != NULL);
    SEQ_ASSERT(log->topic_count <= L1_LOG_TOPICS_MAX);
    memset(out, 0, sizeof *out);
    if (log->topic_count == 0)
        return SEQ_OK; /* anonymous: not one of ours */
    pthread_once(&topics_once, topics_init);
    l1_event_kind kind = L1_EVENT_UNKNOWN;
    for (int k = L1_EVENT_UNKNOWN + 1; k < L1_EVENT_KIND_COUNT_; k++) {
        if (seq_hash_equal(&log->topics[0], &topic0[k]))
            kind = (l1_event_kind)k;
    }
    seq_err err = SEQ_OK;
    switch (kind) {
    case L1_EVENT_UNKNOWN:
        return SEQ_OK;
    case L1_EVENT_BATCH_POSTED:
        err = batch_posted(out, log);
        break;
    case L1_EVENT_FORCED_TX_QUEUED:
        err = forced_tx_queued(out, log);
        break;
    case L1_EVENT_FORCE_ADVANCED:
        err = force_advanced(out, log);
        break;
    case L1_EVENT_COMMITTEE_CHANGED:
        err = committee_changed(out, log);
        break;
    case L1_EVENT_EVIDENCE_ACCEPTED:
        err = evidence_accepted(out, log);
        break;
    case L1_EVENT_VALIDATOR_SLASHED:
        err = validator_slashed(out, log);
        break;
    case L1_EVENT_KIND_COUNT_:
        SEQ_ASSERT(false);
    }
    if (err != SEQ_OK) {
        memset(out, 0, sizeof *out);
        return err;
    }
    out->kind = kind;
    return SEQ_OK;
}
