/* Tests for the consensus core's step function, with a small lossless
 * driver: n replicas, a FIFO network through the wire codec, fake crypto.
 * The deterministic simulator (tests/sim) covers faults and adversaries;
 * these tests pin down individual rules. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "canary.h"
#include "consensus.h"
#include "fake_crypto.h"

#define N_MAX      7
#define QUEUE_MAX  4096
#define CHAIN_ID   901
#define HEIGHT_MAX 64

static bool hook_reject_all;

static seq_err hook_validate(void *ctx, const cons_block *b, const seq_block_header *parent)
{
    (void)ctx;
    (void)b;
    (void)parent;
    return hook_reject_all ? SEQ_ERR_INVALID_ARG : SEQ_OK;
}

/* --------------------------------------------------------------- driver */

typedef struct {
    size_t from, to;
    size_t len;
    uint8_t *bytes;
} packet;

typedef struct {
    size_t n;
    cons_committee committee;
    seq_addr addrs[N_MAX];
    cons *r[N_MAX];
    bool down[N_MAX];
    bool lagging[N_MAX]; /* not waited for: this driver serves no block sync */
    cons_safety disk[N_MAX];
    bool has_disk[N_MAX];
    uint64_t deadline[N_MAX];
    uint64_t payload_view[N_MAX]; /* outstanding payload request, 0: none */
    uint64_t now_ms;
    seq_hash committed[N_MAX][HEIGHT_MAX + 8];
    uint64_t height[N_MAX];
    size_t evidence[N_MAX];
    wire_evidence last_evidence;
    packet queue[QUEUE_MAX];
    size_t q_head, q_tail;
    uint8_t *enc_buf, *arena_buf;
    seq_arena arena;
    uint8_t tx[N_MAX][16];
} cluster;

static cluster *k; /* large: keep off the stack */

static cons_config config_for(size_t i)
{
    cons_config cfg = {.l2_chain_id = CHAIN_ID,
                       .committee = k->committee,
                       .self = k->addrs[i],
                       .genesis = {.l2_chain_id = CHAIN_ID, .timestamp_ms = 1000},
                       .timeout_ms_base = 100,
                       .timeout_ms_max = 1600,
                       .fetch_retry_ms = 50,
                       .blocks_max = CONS_BLOCKS_MIN,
                       .block_tx_bytes_max = 4096,
                       .block_txs_max = 16,
                       .ops = test_fake_ops(&k->addrs[i]),
                       .hooks = {.validate = hook_validate}};
    return cfg;
}

static void cluster_start(size_t n)
{
    k = calloc(1, sizeof *k);
    assert_non_null(k);
    k->n = n;
    cons_validator v[N_MAX];
    for (size_t i = 0; i < n; i++) {
        memset(&k->addrs[i], 0, sizeof k->addrs[i]);
        k->addrs[i].b[0] = (uint8_t)(0xa0 - 16 * i); /* address order != index order */
        k->addrs[i].b[19] = (uint8_t)(i + 1);
        v[i] = (cons_validator){.addr = k->addrs[i], .weight = 1};
    }
    assert_int_equal(cons_committee_init(&k->committee, v, n), SEQ_OK);
    for (size_t i = 0; i < n; i++) {
        cons_config cfg = config_for(i);
        assert_int_equal(cons_new(&k->r[i], &cfg, NULL), SEQ_OK);
    }
    k->enc_buf = malloc(WIRE_MSG_BYTES_MAX);
    k->arena_buf = malloc(WIRE_ENCODE_ARENA_BYTES + WIRE_DECODE_ARENA_BYTES(1u << 16));
    assert_non_null(k->enc_buf);
    assert_non_null(k->arena_buf);
    seq_arena_init(&k->arena, k->arena_buf,
                   WIRE_ENCODE_ARENA_BYTES + WIRE_DECODE_ARENA_BYTES(1u << 16));
}

static void cluster_stop(void)
{
    for (size_t i = 0; i < k->n; i++)
        cons_free(k->r[i]);
    while (k->q_head != k->q_tail)
        free(k->queue[k->q_head++ % QUEUE_MAX].bytes);
    free(k->enc_buf);
    free(k->arena_buf);
    free(k);
    k = NULL;
}

static void enqueue(size_t from, size_t to, const wire_msg *msg)
{
    size_t len;
    seq_arena_reset(&k->arena);
    assert_int_equal(wire_encode(k->enc_buf, WIRE_MSG_BYTES_MAX, &len, &k->arena, msg), SEQ_OK);
    assert_true(k->q_tail - k->q_head < QUEUE_MAX);
    packet *p = &k->queue[k->q_tail++ % QUEUE_MAX];
    *p = (packet){.from = from, .to = to, .len = len, .bytes = malloc(len)};
    assert_non_null(p->bytes);
    memcpy(p->bytes, k->enc_buf, len);
}

/* True iff every signed statement in u is covered by what u persists
 * (or what was persisted before). */
static void check_persist_before_send(size_t i, const cons_update *u)
{
    if (u->safety != NULL) {
        k->disk[i] = *u->safety;
        k->has_disk[i] = true;
    }
    for (size_t m = 0; m < u->message_count; m++) {
        const wire_msg *msg = &u->messages[m].msg;
        if (msg->type == WIRE_VOTE)
            assert_true(msg->u.vote.vote.stmt.view <= k->disk[i].view_voted);
        if (msg->type == WIRE_PROPOSAL)
            assert_true(msg->u.proposal.block.header.view <= k->disk[i].view_voted);
        if (msg->type == WIRE_TIMEOUT)
            assert_true(msg->u.timeout.stmt.stmt.view <= k->disk[i].view_timeout);
    }
}

static void step(size_t i, const cons_event *e);

static void apply(size_t i, const cons_update *u)
{
    check_persist_before_send(i, u);
    for (size_t m = 0; m < u->message_count; m++) {
        for (size_t to = 0; to < k->n; to++) {
            if (to != i && (u->messages[m].to == CONS_TO_ALL || u->messages[m].to == to))
                enqueue(i, to, &u->messages[m].msg);
        }
    }
    for (size_t c = 0; c < u->commit_count; c++) {
        const cons_block *b = &u->commits[c];
        assert_int_equal(b->block.header.height, k->height[i] + 1);
        if (b->block.header.height <= HEIGHT_MAX)
            k->committed[i][b->block.header.height] = b->hash;
        k->height[i] = b->block.header.height;
    }
    k->evidence[i] += u->evidence_count;
    if (u->evidence_count > 0)
        k->last_evidence = u->evidence[0];
    k->deadline[i] = u->deadline_ms;
    if (u->payload_wanted)
        k->payload_view[i] = u->payload_request.view;
}

/* Answers a payload request; false if none is outstanding. */
static bool payload_give(size_t i)
{
    if (k->payload_view[i] == 0 || k->down[i])
        return false;
    k->tx[i][0] = (uint8_t)i;
    k->tx[i][1] = (uint8_t)k->payload_view[i];
    seq_bytes tx = {k->tx[i], sizeof k->tx[i]};
    cons_event e = {.type = CONS_EVENT_PAYLOAD, .now_ms = k->now_ms};
    e.u.payload = (cons_payload){
        .view = k->payload_view[i], .timestamp_ms = k->now_ms + 1000, .tx_count = 1, .txs = &tx};
    k->payload_view[i] = 0;
    step(i, &e);
    return true;
}

static void step(size_t i, const cons_event *e)
{
    cons_update u;
    assert_int_equal(cons_step(k->r[i], &u, e), SEQ_OK);
    apply(i, &u);
}

static void tick_all(void)
{
    for (size_t i = 0; i < k->n; i++) {
        if (!k->down[i])
            step(i, &(cons_event){.type = CONS_EVENT_TICK, .now_ms = k->now_ms});
    }
}

static bool all_reached(uint64_t height)
{
    for (size_t i = 0; i < k->n; i++) {
        if (!k->down[i] && !k->lagging[i] && k->height[i] < height)
            return false;
    }
    return true;
}

/* Delivers what is queued (and what that produces) in FIFO order until
 * the network is quiet or every live replica committed height. */
static void deliver_until(uint64_t height)
{
    static wire_msg msg;
    while (!all_reached(height)) {
        bool gave = false;
        for (size_t i = 0; i < k->n; i++)
            gave = payload_give(i) || gave;
        if (k->q_head == k->q_tail) {
            if (!gave)
                return;
            continue;
        }
        packet p = k->queue[k->q_head++ % QUEUE_MAX];
        if (!k->down[p.to] && !k->down[p.from]) {
            seq_arena_reset(&k->arena);
            assert_int_equal(wire_decode(&msg, &k->arena, p.bytes, p.len), SEQ_OK);
            cons_event e = {.type = CONS_EVENT_MESSAGE, .now_ms = k->now_ms};
            e.u.message.from = p.from;
            e.u.message.msg = &msg;
            step(p.to, &e);
        }
        free(p.bytes);
    }
}

/* Runs until every live replica committed height, advancing time to the
 * earliest deadline whenever the network is quiet. */
static void run_until(uint64_t height, uint64_t ms_max)
{
    uint64_t end = k->now_ms + ms_max;
    tick_all();
    for (;;) {
        deliver_until(height);
        bool done = true;
        uint64_t next = UINT64_MAX;
        for (size_t i = 0; i < k->n; i++) {
            if (k->down[i])
                continue;
            done = done && (k->lagging[i] || k->height[i] >= height);
            next = k->deadline[i] < next ? k->deadline[i] : next;
        }
        if (done)
            return;
        if (next > end) {
            for (size_t i = 0; i < k->n; i++) {
                cons_status st;
                cons_get_status(k->r[i], &st);
                print_message(
                    "replica %zu: view %llu height %llu highqc %llu tcs %llu qcs %llu to %llu\n", i,
                    (unsigned long long)st.view, (unsigned long long)st.height_committed,
                    (unsigned long long)st.high_qc_view, (unsigned long long)st.stats.tcs_formed,
                    (unsigned long long)st.stats.qcs_formed,
                    (unsigned long long)st.stats.timeouts_sent);
            }
        }
        assert_true(next <= end);
        k->now_ms = next > k->now_ms ? next : k->now_ms;
        tick_all();
    }
}

static void assert_agreement(void)
{
    for (size_t i = 1; i < k->n; i++) {
        uint64_t h = k->height[i] < k->height[0] ? k->height[i] : k->height[0];
        for (uint64_t x = 1; x <= h && x <= HEIGHT_MAX; x++)
            assert_memory_equal(&k->committed[i][x], &k->committed[0][x], sizeof(seq_hash));
    }
}

/* ---------------------------------------------------------------- tests */

static void test_new_rejects_bad_config(void **state)
{
    (void)state;
    cluster_start(4);
    cons *c = (cons *)1;
    cons_config cfg = config_for(0);
    cfg.self.b[5] ^= 1; /* not a member */
    assert_int_equal(cons_new(&c, &cfg, NULL), SEQ_ERR_INVALID_ARG);
    assert_null(c);
    cfg = config_for(0);
    cfg.genesis.height = 1;
    assert_int_equal(cons_new(&c, &cfg, NULL), SEQ_ERR_INVALID_ARG);
    cfg = config_for(0);
    cfg.blocks_max = CONS_BLOCKS_MIN - 1;
    assert_int_equal(cons_new(&c, &cfg, NULL), SEQ_ERR_INVALID_ARG);
    cfg = config_for(0);
    cfg.timeout_ms_max = cfg.timeout_ms_base - 1;
    assert_int_equal(cons_new(&c, &cfg, NULL), SEQ_ERR_INVALID_ARG);
    cfg = config_for(0);
    cfg.ops.verify = NULL;
    assert_int_equal(cons_new(&c, &cfg, NULL), SEQ_ERR_INVALID_ARG);
    cluster_stop();
}

/* n = 1 is a valid committee: the single operator commits alone. */
static void test_single_validator_commits(void **state)
{
    (void)state;
    cluster_start(1);
    run_until(10, 10);
    assert_int_equal(k->height[0], 10);
    cons_status st;
    cons_get_status(k->r[0], &st);
    assert_true(st.height_committed >= 10);
    assert_int_equal(st.stats.timeouts_sent, 0);
    assert_false(st.halted);
    cluster_stop();
}

static void test_happy_path_four(void **state)
{
    (void)state;
    cluster_start(4);
    run_until(30, 10);
    assert_agreement();
    cons_status st;
    cons_get_status(k->r[2], &st);
    assert_int_equal(st.stats.timeouts_sent, 0); /* no time passed: no timer fired */
    assert_true(st.stats.votes_sent >= 30);
    for (size_t i = 0; i < k->n; i++)
        assert_int_equal(k->evidence[i], 0);
    cluster_stop();
}

/* A crashed replica's views time out; the other three keep committing
 * through TCs. Restarted from its persisted safety state, it follows the
 * views again and asks for the blocks it lacks; it never signs twice in
 * one view (the persist check in apply() sees every statement it sends).
 * Catching up on blocks needs a store: the simulator has one, this driver
 * does not. */
static void test_crash_and_restart(void **state)
{
    (void)state;
    cluster_start(4);
    run_until(5, 10);
    k->down[1] = true;
    run_until(k->height[0] + 10, 60000);
    assert_agreement();
    cons_status st;
    cons_get_status(k->r[0], &st);
    assert_true(st.stats.views_by_tc > 0);
    cons_free(k->r[1]);
    cons_config cfg = config_for(1);
    cons_restart restart = {.safety = k->has_disk[1] ? &k->disk[1] : NULL};
    assert_int_equal(cons_new(&k->r[1], &cfg, &restart), SEQ_OK);
    k->lagging[1] = true;
    k->down[1] = false;
    run_until(k->height[0] + 10, 60000);
    assert_agreement();
    cons_status st0, st1;
    cons_get_status(k->r[0], &st0);
    cons_get_status(k->r[1], &st1);
    assert_true(st1.view + 1 >= st0.view);
    assert_true(st1.stats.fetches_sent > 0); /* it asks for the blocks it lacks */
    for (size_t i = 0; i < k->n; i++)
        assert_int_equal(k->evidence[i], 0);
    cluster_stop();
}

static void test_hook_rejection_blocks_votes(void **state)
{
    (void)state;
    cluster_start(4);
    hook_reject_all = true;
    tick_all();
    deliver_until(1);
    for (size_t i = 0; i < k->n; i++) {
        cons_status st;
        cons_get_status(k->r[i], &st);
        /* only the leader's own vote: replicas never vote for a rejected block */
        assert_int_equal(st.stats.votes_sent, st.stats.proposals_made);
    }
    hook_reject_all = false;
    cluster_stop();
}

/* Two different proposals signed by the leader for one view become
 * evidence carrying both statements. */
static void test_double_proposal_is_evidence(void **state)
{
    (void)state;
    cluster_start(4);
    tick_all(); /* leader of view 1 asks for a payload and proposes */
    size_t leader = cons_committee_leader(&k->committee, 1);
    assert_true(payload_give(leader));
    assert_true(k->q_tail > k->q_head);
    static wire_msg first;
    static uint8_t mem[WIRE_DECODE_ARENA_BYTES(1u << 12)];
    seq_arena own;
    seq_arena_init(&own, mem, sizeof mem);
    packet p = k->queue[k->q_head % QUEUE_MAX];
    assert_int_equal(p.from, leader);
    assert_int_equal(wire_decode(&first, &own, p.bytes, p.len), SEQ_OK);
    assert_int_equal(first.type, WIRE_PROPOSAL);
    /* The same view, another timestamp: a different block, validly signed,
     * queued behind the original. */
    wire_proposal *pr = &first.u.proposal;
    pr->block.header.timestamp_ms += 1;
    seq_hash hash, digest;
    test_fake_block_hash(NULL, &hash, &pr->block.header);
    seq_block_stmt stmt = {CHAIN_ID, pr->block.header.view, pr->block.header.height, hash};
    test_fake_proposal_digest(NULL, &digest, &stmt);
    test_fake_sig(&pr->sig, &k->addrs[leader], &digest);
    size_t victim = (leader + 1) % k->n;
    enqueue(leader, victim, &first);
    size_t before = k->evidence[victim];
    deliver_until(1);
    assert_int_equal(k->evidence[victim], before + 1);
    assert_int_equal(k->last_evidence.kind, WIRE_EVIDENCE_PROPOSAL);
    assert_memory_equal(&k->last_evidence.u.block.a.signer, &k->addrs[leader], sizeof(seq_addr));
    assert_memory_not_equal(&k->last_evidence.u.block.a.stmt.block_hash,
                            &k->last_evidence.u.block.b.stmt.block_hash, sizeof(seq_hash));
    cluster_stop();
}

/* Votes with a bad signature, from a non-member, or for another chain are
 * counted and ignored. */
static void test_hostile_votes_are_counted(void **state)
{
    (void)state;
    cluster_start(4);
    wire_msg msg = {.type = WIRE_VOTE};
    wire_block_statement *v = &msg.u.vote.vote;
    v->stmt = (seq_block_stmt){.l2_chain_id = CHAIN_ID, .view = 1, .height = 1};
    v->stmt.block_hash.b[0] = 7;
    v->signer = k->addrs[3];
    seq_hash digest;
    test_fake_vote_digest(NULL, &digest, &v->stmt);
    test_fake_sig(&v->sig, &k->addrs[2], &digest); /* signed by someone else */
    size_t to = cons_committee_leader(&k->committee, 2);
    cons_event e = {.type = CONS_EVENT_MESSAGE, .now_ms = 0};
    e.u.message.from = 3;
    e.u.message.msg = &msg;
    cons_update u;
    assert_int_equal(cons_step(k->r[to], &u, &e), SEQ_OK);
    v->signer.b[7] ^= 1; /* not a member */
    assert_int_equal(cons_step(k->r[to], &u, &e), SEQ_OK);
    v->signer = k->addrs[3];
    v->stmt.l2_chain_id = CHAIN_ID + 1;
    assert_int_equal(cons_step(k->r[to], &u, &e), SEQ_OK);
    cons_status st;
    cons_get_status(k->r[to], &st);
    assert_int_equal(st.stats.rejected_signature, 1);
    assert_int_equal(st.stats.rejected_other, 2);
    assert_int_equal(u.message_count, 0);
    e.u.message.from = k->n; /* the driver's bug, not the peer's */
    assert_int_equal(cons_step(k->r[to], &u, &e), SEQ_ERR_INVALID_ARG);
    cluster_stop();
}

/* ------------------------------------------- equivocation in certificates */

/* Feeds msg to replica to as if from peer from; the update stays valid
 * until the replica's next step. */
static cons_update deliver_direct(size_t to, size_t from, const wire_msg *msg)
{
    cons_update u;
    cons_event e = {.type = CONS_EVENT_MESSAGE, .now_ms = k->now_ms};
    e.u.message.from = from;
    e.u.message.msg = msg;
    assert_int_equal(cons_step(k->r[to], &u, &e), SEQ_OK);
    return u;
}

static seq_block_stmt block_stmt_at(uint64_t view, uint8_t tag)
{
    seq_block_stmt stmt = {.l2_chain_id = CHAIN_ID, .view = view, .height = view};
    memset(stmt.block_hash.b, tag, SEQ_HASH_BYTES);
    return stmt;
}

/* The fake signatures of signer over a vote and a timeout. */
static seq_sig vote_sig(size_t signer, const seq_block_stmt *stmt)
{
    seq_hash digest;
    seq_sig sig;
    test_fake_vote_digest(NULL, &digest, stmt);
    test_fake_sig(&sig, &k->addrs[signer], &digest);
    return sig;
}

static seq_sig timeout_sig(size_t signer, const seq_timeout_stmt *stmt)
{
    seq_hash digest;
    seq_sig sig;
    test_fake_timeout_digest(NULL, &digest, stmt);
    test_fake_sig(&sig, &k->addrs[signer], &digest);
    return sig;
}

static wire_msg vote_msg(size_t signer, const seq_block_stmt *stmt)
{
    wire_msg msg = {.type = WIRE_VOTE};
    msg.u.vote.vote = (wire_block_statement){*stmt, k->addrs[signer], vote_sig(signer, stmt)};
    return msg;
}

/* A timeout of view by signer claiming the genesis certificate. */
static wire_msg timeout_msg(size_t signer, uint64_t view)
{
    seq_timeout_stmt stmt = {.l2_chain_id = CHAIN_ID, .view = view, .high_qc_view = 0};
    cons_config cfg = config_for(0);
    wire_msg msg = {.type = WIRE_TIMEOUT};
    msg.u.timeout.stmt =
        (wire_timeout_statement){stmt, k->addrs[signer], timeout_sig(signer, &stmt)};
    test_fake_block_hash(NULL, &msg.u.timeout.high_qc.block_hash, &cfg.genesis);
    return msg;
}

/* Indices in[0..count) in ascending address order, the order certificates
 * list their signers in. */
static void by_address(size_t *out, const size_t *in, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        size_t j = i;
        for (; j > 0 && seq_addr_compare(&k->addrs[out[j - 1]], &k->addrs[in[i]]) > 0; j--)
            out[j] = out[j - 1];
        out[j] = in[i];
    }
}

/* A valid QC for stmt signed by signers[0..count); sigs is its storage. */
static wire_qc qc_signed(wire_sig *sigs, const seq_block_stmt *stmt, const size_t *signers,
                         size_t count)
{
    size_t order[N_MAX];
    by_address(order, signers, count);
    for (size_t i = 0; i < count; i++)
        sigs[i] = (wire_sig){k->addrs[order[i]], vote_sig(order[i], stmt)};
    return (wire_qc){.view = stmt->view,
                     .height = stmt->height,
                     .block_hash = stmt->block_hash,
                     .sig_count = count,
                     .sigs = sigs};
}

/* A valid TC for view; signers[i] claims high_qc_views[i]. */
static wire_tc tc_signed(wire_timeout_sig *sigs, uint64_t view, const size_t *signers,
                         const uint64_t *high_qc_views, size_t count)
{
    size_t order[N_MAX];
    by_address(order, signers, count);
    for (size_t i = 0; i < count; i++) {
        size_t at = 0;
        while (signers[at] != order[i])
            at++;
        seq_timeout_stmt stmt = {
            .l2_chain_id = CHAIN_ID, .view = view, .high_qc_view = high_qc_views[at]};
        sigs[i] =
            (wire_timeout_sig){k->addrs[order[i]], high_qc_views[at], timeout_sig(order[i], &stmt)};
    }
    return (wire_tc){.view = view, .sig_count = count, .sigs = sigs};
}

static const wire_sig *qc_sig_of(const wire_qc *qc, size_t signer)
{
    for (size_t i = 0; i < qc->sig_count; i++) {
        if (seq_addr_equal(&qc->sigs[i].signer, &k->addrs[signer]))
            return &qc->sigs[i];
    }
    fail();
    return NULL;
}

static void assert_block_statement(const wire_block_statement *got, size_t signer,
                                   const seq_block_stmt *stmt, const seq_sig *sig)
{
    assert_memory_equal(&got->signer, &k->addrs[signer], sizeof(seq_addr));
    assert_memory_equal(&got->stmt, stmt, sizeof *stmt);
    assert_memory_equal(&got->sig, sig, sizeof *sig);
}

/* The roles of the certificate tests: a byzantine validator, a replica
 * that is not the leader of view 2 (so a vote of view 1 is only recorded
 * there, never counted), and the leader of view 2. */
typedef struct {
    size_t byz, replica, leader;
} roles;

static roles roles_pick(void)
{
    roles r = {.leader = cons_committee_leader(&k->committee, 2)};
    r.replica = (r.leader + 1) % k->n;
    r.byz = (r.leader + 2) % k->n;
    return r;
}

/* A QC of view 1 over block A signed by every validator but the replica. */
static wire_qc qc_without(wire_sig *sigs, const seq_block_stmt *a, size_t replica)
{
    size_t signers[N_MAX], count = 0;
    for (size_t i = 0; i < k->n; i++) {
        if (i != replica)
            signers[count++] = i;
    }
    return qc_signed(sigs, a, signers, count);
}

/* A validator votes for block B directly to a replica; the QC the leader
 * made from its vote for block A (same view and height) reaches the
 * replica in a view sync: one Vote evidence, the direct statement first,
 * each statement with its own signature; seeing either again adds none. */
static void test_qc_conflicting_with_direct_vote(void **state)
{
    (void)state;
    cluster_start(4);
    roles r = roles_pick();
    seq_block_stmt a = block_stmt_at(1, 0xaa), b = block_stmt_at(1, 0xbb);
    wire_msg vote = vote_msg(r.byz, &b);
    cons_update u = deliver_direct(r.replica, r.byz, &vote);
    assert_int_equal(u.evidence_count, 0);
    static wire_sig sigs[N_MAX];
    wire_msg sync = {.type = WIRE_VIEW_SYNC};
    sync.u.view_sync.has_qc = true;
    sync.u.view_sync.high_qc = qc_without(sigs, &a, r.replica);
    u = deliver_direct(r.replica, r.leader, &sync);
    assert_int_equal(u.evidence_count, 1);
    assert_int_equal(u.evidence[0].kind, WIRE_EVIDENCE_VOTE);
    assert_block_statement(&u.evidence[0].u.block.a, r.byz, &b, &vote.u.vote.vote.sig);
    assert_block_statement(&u.evidence[0].u.block.b, r.byz, &a,
                           &qc_sig_of(&sync.u.view_sync.high_qc, r.byz)->sig);
    assert_int_equal(cons_view(k->r[r.replica]), 2); /* the QC still counts */
    u = deliver_direct(r.replica, r.leader, &sync);
    assert_int_equal(u.evidence_count, 0);
    u = deliver_direct(r.replica, r.byz, &vote);
    assert_int_equal(u.evidence_count, 0);
    cons_status st;
    cons_get_status(k->r[r.replica], &st);
    assert_int_equal(st.stats.evidence_found, 1);
    cluster_stop();
}

/* The reverse order: the QC first, then the direct vote. */
static void test_direct_vote_conflicting_with_qc(void **state)
{
    (void)state;
    cluster_start(4);
    roles r = roles_pick();
    seq_block_stmt a = block_stmt_at(1, 0xaa), b = block_stmt_at(1, 0xbb);
    static wire_sig sigs[N_MAX];
    wire_msg sync = {.type = WIRE_VIEW_SYNC};
    sync.u.view_sync.has_qc = true;
    sync.u.view_sync.high_qc = qc_without(sigs, &a, r.replica);
    cons_update u = deliver_direct(r.replica, r.leader, &sync);
    assert_int_equal(u.evidence_count, 0);
    wire_msg vote = vote_msg(r.byz, &b);
    u = deliver_direct(r.replica, r.byz, &vote);
    assert_int_equal(u.evidence_count, 1);
    assert_int_equal(u.evidence[0].kind, WIRE_EVIDENCE_VOTE);
    assert_block_statement(&u.evidence[0].u.block.a, r.byz, &a,
                           &qc_sig_of(&sync.u.view_sync.high_qc, r.byz)->sig);
    assert_block_statement(&u.evidence[0].u.block.b, r.byz, &b, &vote.u.vote.vote.sig);
    u = deliver_direct(r.replica, r.leader, &sync);
    assert_int_equal(u.evidence_count, 0);
    cluster_stop();
}

/* A validator's direct Timeout(2, highQcView 0) and its TC entry for view
 * 2 claiming highQcView 1: one Timeout evidence with both signatures. */
static void test_tc_conflicting_with_direct_timeout(void **state)
{
    (void)state;
    cluster_start(4);
    roles r = roles_pick();
    wire_msg timeout = timeout_msg(r.byz, 2);
    cons_update u = deliver_direct(r.replica, r.byz, &timeout);
    assert_int_equal(u.evidence_count, 0);
    size_t signers[N_MAX], count = 0;
    uint64_t high_qc_views[N_MAX];
    for (size_t i = 0; i < k->n; i++) {
        if (i == r.replica)
            continue;
        high_qc_views[count] = i == r.byz ? 1 : 0;
        signers[count++] = i;
    }
    static wire_timeout_sig sigs[N_MAX];
    wire_msg sync = {.type = WIRE_VIEW_SYNC};
    sync.u.view_sync.has_tc = true;
    sync.u.view_sync.high_tc = tc_signed(sigs, 2, signers, high_qc_views, count);
    u = deliver_direct(r.replica, r.leader, &sync);
    assert_int_equal(u.evidence_count, 1);
    const wire_evidence *e = &u.evidence[0];
    assert_int_equal(e->kind, WIRE_EVIDENCE_TIMEOUT);
    assert_memory_equal(&e->u.timeout.a, &timeout.u.timeout.stmt, sizeof e->u.timeout.a);
    seq_timeout_stmt claimed = {.l2_chain_id = CHAIN_ID, .view = 2, .high_qc_view = 1};
    assert_memory_equal(&e->u.timeout.b.stmt, &claimed, sizeof claimed);
    assert_memory_equal(&e->u.timeout.b.signer, &k->addrs[r.byz], sizeof(seq_addr));
    seq_sig sig = timeout_sig(r.byz, &claimed);
    assert_memory_equal(&e->u.timeout.b.sig, &sig, sizeof sig);
    assert_int_equal(cons_view(k->r[r.replica]), 3); /* the TC still counts */
    cluster_stop();
}

/* More conflicts in one step than an update holds: the rest comes in the
 * next steps, which the update's deadline asks for at once. */
static void test_evidence_beyond_one_update(void **state)
{
    (void)state;
    cluster_start(7);
    size_t leader = cons_committee_leader(&k->committee, 2);
    size_t replica = (leader + 1) % k->n;
    size_t byz[3] = {(leader + 2) % k->n, (leader + 3) % k->n, (leader + 4) % k->n};
    seq_block_stmt a = block_stmt_at(1, 0xaa), b = block_stmt_at(1, 0xbb);
    for (size_t i = 0; i < 3; i++) {
        wire_msg vote = vote_msg(byz[i], &b);
        assert_int_equal(deliver_direct(replica, byz[i], &vote).evidence_count, 0);
        wire_msg timeout = timeout_msg(byz[i], 2);
        assert_int_equal(deliver_direct(replica, byz[i], &timeout).evidence_count, 0);
    }
    size_t signers[N_MAX], count = 0;
    uint64_t high_qc_views[N_MAX];
    for (size_t i = 0; i < k->n; i++) {
        if (i == replica)
            continue;
        bool is_byz = i == byz[0] || i == byz[1] || i == byz[2];
        high_qc_views[count] = is_byz ? 1 : 0;
        signers[count++] = i;
    }
    static wire_sig qc_sigs[N_MAX];
    static wire_timeout_sig tc_sigs[N_MAX];
    wire_msg sync = {.type = WIRE_VIEW_SYNC};
    sync.u.view_sync.has_qc = true;
    sync.u.view_sync.high_qc = qc_signed(qc_sigs, &a, signers, count);
    sync.u.view_sync.has_tc = true;
    sync.u.view_sync.high_tc = tc_signed(tc_sigs, 2, signers, high_qc_views, count);
    k->now_ms = 5;
    cons_update u = deliver_direct(replica, leader, &sync);
    assert_int_equal(u.evidence_count, CONS_UPDATE_EVIDENCE_MAX);
    assert_int_equal(u.deadline_ms, k->now_ms);
    size_t votes = 0, timeouts = 0;
    for (size_t i = 0; i < u.evidence_count; i++) {
        votes += u.evidence[i].kind == WIRE_EVIDENCE_VOTE;
        timeouts += u.evidence[i].kind == WIRE_EVIDENCE_TIMEOUT;
    }
    cons_event tick = {.type = CONS_EVENT_TICK, .now_ms = k->now_ms};
    assert_int_equal(cons_step(k->r[replica], &u, &tick), SEQ_OK);
    assert_int_equal(u.evidence_count, 6 - CONS_UPDATE_EVIDENCE_MAX);
    assert_true(u.deadline_ms > k->now_ms);
    for (size_t i = 0; i < u.evidence_count; i++) {
        votes += u.evidence[i].kind == WIRE_EVIDENCE_VOTE;
        timeouts += u.evidence[i].kind == WIRE_EVIDENCE_TIMEOUT;
    }
    assert_int_equal(votes, 3);
    assert_int_equal(timeouts, 3);
    assert_int_equal(cons_step(k->r[replica], &u, &tick), SEQ_OK);
    assert_int_equal(u.evidence_count, 0);
    cluster_stop();
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_new_rejects_bad_config),
        cmocka_unit_test(test_single_validator_commits),
        cmocka_unit_test(test_happy_path_four),
        cmocka_unit_test(test_crash_and_restart),
        cmocka_unit_test(test_hook_rejection_blocks_votes),
        cmocka_unit_test(test_double_proposal_is_evidence),
        cmocka_unit_test(test_hostile_votes_are_counted),
        cmocka_unit_test(test_qc_conflicting_with_direct_vote),
        cmocka_unit_test(test_direct_vote_conflicting_with_qc),
        cmocka_unit_test(test_tc_conflicting_with_direct_timeout),
        cmocka_unit_test(test_evidence_beyond_one_update),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
