/* slasher.c — evidence to L1 (internal.h "slasher", node/README.md
 * "Evidence"). Runs on the L1 link's thread, after the batcher, and sends
 * through the batcher's tx manager (one nonce sequence per account).
 *
 * One conviction takes a validator's whole bond, so per accused validator
 * one piece of evidence is submitted: the first stored. Every honest node
 * holds it (gossip), so they take turns rather than all paying gas for
 * one slashing: the turn order starts at validator (view mod n), skips
 * the accused, and each node waits its rank times NODE_SLASHER_TURN_MS
 * after it first saw the evidence. Before sending, a node reads the
 * validator's status on L1 and asks eth_estimateGas: a validator already
 * Slashed (someone was faster, a race lost) costs nothing. The reporter,
 * whoever it is, gets half the bond; the contract guarantees it is paid
 * once. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* Committee.validatorInfo's status enum. */
enum { STATUS_NONE = 0, STATUS_ACTIVE = 1, STATUS_UNBONDING = 2, STATUS_SLASHED = 3 };

typedef struct {
    bool has_evidence;
    wire_evidence evidence; /* the first stored against this validator */
    uint64_t seen_ms;       /* when this node first held it */
    bool open;              /* a submission of ours is in the tx manager */
    uint64_t tx_id;
    uint64_t retry_ms; /* no attempt before */
    bool hopeless;     /* L1 does not know it as a validator: logged, not retried */
} slasher_target;

struct node_slasher {
    node_genesis genesis;
    node_l1_record record;
    store *store;
    l1_rpc *rpc;
    l1_txmgr *txmgr;
    node_evidence *evidence;
    size_t self;
    seq_addr address;
    bool statuses_read;     /* every validator's L1 status read once since start */
    bool scanned;           /* the store's evidence read once since start */
    uint64_t evidence_seen; /* detected + received at the last scan */
    uint64_t now_ms;        /* of the step in progress (the store walk) */
    slasher_target targets[CONS_VALIDATORS_MAX];
    uint8_t call[L1_EVIDENCE_CALLDATA_BYTES_MAX];
};

static bool member_index(const node_slasher *s, size_t *out, const seq_addr *a)
{
    for (size_t i = 0; i < s->genesis.validator_count; i++) {
        if (seq_addr_equal(&s->genesis.validators[i].address, a)) {
            *out = i;
            return true;
        }
    }
    return false;
}

/* Committee.validatorInfo(v): its status. */
static seq_err status_read(node_slasher *s, unsigned *status, const seq_addr *v)
{
    uint8_t call[4 + 32], out[5 * 32];
    l1_abi_selector(call, "validatorInfo(address)");
    l1_abi_addr(call + 4, v);
    l1_rpc_tx_request req = {
        .has_to = true, .to = s->record.committee, .data = call, .data_len = sizeof call};
    size_t len = 0;
    seq_err err = l1_rpc_eth_call(s->rpc, out, sizeof out, &len, &req, L1_TAG_LATEST);
    if (err != SEQ_OK)
        return err;
    if (len != sizeof out)
        return SEQ_ERR_MALFORMED;
    *status = out[31];
    return SEQ_OK;
}

/* Reads every validator's status once, so slashings from before this
 * start are known (to the batcher as well). */
static seq_err statuses_read(node_slasher *s)
{
    for (size_t i = 0; i < s->genesis.validator_count; i++) {
        unsigned status = 0;
        seq_err err = status_read(s, &status, &s->genesis.validators[i].address);
        if (err != SEQ_OK)
            return err;
        if (status == STATUS_SLASHED)
            node_evidence_note_slashed(s->evidence, &s->genesis.validators[i].address);
    }
    s->statuses_read = true;
    return SEQ_OK;
}

static bool scan_each(void *ctx, const wire_evidence *e)
{
    node_slasher *s = ctx;
    size_t i;
    if (!member_index(s, &i, node_evidence_signer(e)))
        return true;
    slasher_target *t = &s->targets[i];
    if (!t->has_evidence) {
        t->has_evidence = true;
        t->evidence = *e;
        t->seen_ms = s->now_ms;
    }
    return true;
}

/* Picks up evidence stored since the last scan. */
static seq_err scan(node_slasher *s, uint64_t now_ms)
{
    node_evidence_stats st;
    node_evidence_stats_get(s->evidence, &st);
    uint64_t seen = st.detected + st.received;
    if (s->scanned && seen == s->evidence_seen)
        return SEQ_OK;
    s->now_ms = now_ms;
    seq_err err = store_evidence_each(s->store, scan_each, s);
    if (err != SEQ_OK && err != SEQ_ERR_CORRUPT) /* a corrupt record is skipped (logged) */
        return err;
    s->scanned = true;
    s->evidence_seen = seen;
    return SEQ_OK;
}

/* This node's place in the turn order for evidence against accused:
 * starting at (view mod n), the accused left out. */
static size_t rank_of(const node_slasher *s, size_t accused, uint64_t view)
{
    size_t n = s->genesis.validator_count;
    size_t rank = 0;
    for (size_t k = 0; k < n; k++) {
        size_t i = (size_t)((view + k) % n);
        if (i == accused)
            continue;
        if (i == s->self)
            return rank;
        rank++;
    }
    return rank;
}

/* The Committee errors submitEvidence can revert with. */
static const char *const committee_errors[] = {
    "UnknownKind(uint8)",
    "BadStatement()",
    "WrongChainId(uint64)",
    "ViewMismatch(uint64,uint64)",
    "IndexMismatch(uint64,uint64)",
    "SameContent()",
    "BadSignature()",
    "HighS()",
    "SignerMismatch(address,address)",
    "NotValidator(address)",
    "AlreadySlashed(address)",
};

/* Sends submitEvidence for target i, unless L1 says it is moot. */
static void submit(node_slasher *s, size_t i, uint64_t now_ms)
{
    slasher_target *t = &s->targets[i];
    const seq_addr *v = &s->genesis.validators[i].address;
    t->retry_ms = now_ms + NODE_SLASHER_RETRY_MS;
    unsigned status = 0;
    seq_err err = status_read(s, &status, v);
    if (err == SEQ_OK && status == STATUS_SLASHED) {
        node_evidence_note_slashed(s->evidence, v);
        return;
    }
    if (err == SEQ_OK && status == STATUS_NONE) {
        t->hopeless = true;
        SEQ_LOG(SEQ_LOG_WARN, "evidence_not_submitted",
                SEQ_F_HEX("validator", v->b, SEQ_ADDR_BYTES),
                SEQ_F_STR("why", "not a validator on L1 (never bonded or added)"));
        return;
    }
    l1_evidence l;
    node_evidence_to_l1(&l, &t->evidence);
    size_t len = 0;
    uint64_t gas = 0;
    if (err == SEQ_OK)
        err = l1_evidence_calldata(s->call, sizeof s->call, &len, &l);
    l1_rpc_tx_request req = {.from = s->address,
                             .has_to = true,
                             .to = s->record.committee,
                             .data = s->call,
                             .data_len = len};
    if (err == SEQ_OK)
        err = l1_rpc_estimate_gas(s->rpc, &gas, &req);
    if (err != SEQ_OK) {
        bool reverted = l1_rpc_last_kind(s->rpc) == L1_RPC_KIND_REVERTED;
        const char *why = reverted ? node_l1_revert_name(s->rpc, committee_errors,
                                                         SEQ_ARRAY_LEN(committee_errors))
                                   : l1_rpc_last_error(s->rpc);
        if (reverted && strcmp(why, "AlreadySlashed(address)") == 0) {
            node_evidence_note_slashed(s->evidence, v);
            return;
        }
        if (reverted)
            node_evidence_note_refused(s->evidence);
        else
            node_evidence_note_failed(s->evidence);
        SEQ_LOG(SEQ_LOG_WARN, "evidence_submit_refused",
                SEQ_F_HEX("validator", v->b, SEQ_ADDR_BYTES), SEQ_F_BOOL("reverted", reverted),
                SEQ_F_STR("why", why), SEQ_F_ERR(err));
        return;
    }
    uint64_t id = 0;
    err = l1_txmgr_send(s->txmgr, &id, now_ms, &s->record.committee, NULL, s->call, len,
                        gas + gas / 4 + 20000u);
    if (err != SEQ_OK) {
        node_evidence_note_failed(s->evidence);
        SEQ_LOG(SEQ_LOG_WARN, "evidence_submit_failed",
                SEQ_F_HEX("validator", v->b, SEQ_ADDR_BYTES), SEQ_F_ERR(err));
        return;
    }
    t->open = true;
    t->tx_id = id;
    node_evidence_note_submitted(s->evidence, v);
    SEQ_LOG(SEQ_LOG_WARN, "evidence_submitted", SEQ_F_HEX("validator", v->b, SEQ_ADDR_BYTES),
            SEQ_F_U64("kind", (uint64_t)t->evidence.kind),
            SEQ_F_U64("view", node_evidence_view(&t->evidence)), SEQ_F_U64("nonce", id),
            SEQ_F_U64("gas_estimate", gas));
}

/* The outcome of an open submission. */
static void track(node_slasher *s, size_t i)
{
    slasher_target *t = &s->targets[i];
    l1_txmgr_tx_status st;
    seq_err err = l1_txmgr_status(s->txmgr, &st, t->tx_id);
    if (err == SEQ_OK && st.state != L1_TXMGR_CONFIRMED && st.state != L1_TXMGR_LOST)
        return;
    t->open = false;
    const seq_addr *v = &s->genesis.validators[i].address;
    if (err == SEQ_OK && st.state == L1_TXMGR_CONFIRMED)
        SEQ_LOG(st.success ? SEQ_LOG_WARN : SEQ_LOG_INFO, "evidence_submission_mined",
                SEQ_F_HEX("validator", v->b, SEQ_ADDR_BYTES), SEQ_F_BOOL("success", st.success),
                SEQ_F_HEX("tx", st.tx_hash.b, SEQ_HASH_BYTES));
    /* A revert is a race lost (the next attempt reads the status first); a
     * success shows as ValidatorSlashed through the follower. */
}

seq_err node_slasher_step(node_slasher *s, uint64_t now_ms)
{
    SEQ_ASSERT(s != NULL);
    seq_err err = s->statuses_read ? SEQ_OK : statuses_read(s);
    if (err == SEQ_OK)
        err = scan(s, now_ms);
    if (err != SEQ_OK)
        return err;
    for (size_t i = 0; i < s->genesis.validator_count; i++) {
        slasher_target *t = &s->targets[i];
        if (t->open)
            track(s, i);
        if (!t->has_evidence || t->open || t->hopeless || i == s->self ||
            node_evidence_slashed(s->evidence, i) || now_ms < t->retry_ms)
            continue;
        uint64_t rank = rank_of(s, i, node_evidence_view(&t->evidence));
        if (now_ms < t->seen_ms + rank * NODE_SLASHER_TURN_MS)
            continue;
        submit(s, i, now_ms);
    }
    return SEQ_OK;
}

uint64_t node_slasher_next_ms(const node_slasher *s, uint64_t now_ms)
{
    SEQ_ASSERT(s != NULL);
    uint64_t next = UINT64_MAX;
    for (size_t i = 0; i < s->genesis.validator_count; i++) {
        const slasher_target *t = &s->targets[i];
        if (!t->has_evidence || t->hopeless || i == s->self ||
            node_evidence_slashed(s->evidence, i))
            continue;
        uint64_t due = t->open
                           ? now_ms + NODE_SLASHER_RETRY_MS
                           : SEQ_MAX(t->retry_ms,
                                     t->seen_ms + rank_of(s, i, node_evidence_view(&t->evidence)) *
                                                      NODE_SLASHER_TURN_MS);
        next = SEQ_MIN(next, due);
    }
    return next;
}

seq_err node_slasher_new(node_slasher **out, const node_slasher_config *c)
{
    SEQ_ASSERT(out != NULL && c != NULL && c->genesis != NULL && c->record != NULL);
    SEQ_ASSERT(c->store != NULL && c->rpc != NULL && c->txmgr != NULL && c->evidence != NULL);
    SEQ_ASSERT(c->self_index < c->genesis->validator_count);
    *out = NULL;
    node_slasher *s = calloc(1, sizeof *s);
    if (s == NULL)
        return SEQ_ERR_NO_MEMORY;
    s->genesis = *c->genesis;
    s->record = *c->record;
    s->store = c->store;
    s->rpc = c->rpc;
    s->txmgr = c->txmgr;
    s->evidence = c->evidence;
    s->self = c->self_index;
    s->address = c->genesis->validators[c->self_index].address;
    *out = s;
    return SEQ_OK;
}

void node_slasher_free(node_slasher *s)
{
    free(s);
}
