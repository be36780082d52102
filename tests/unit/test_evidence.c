/* node/evidence.c: verification as L1 does it (every contract error, and
 * committee membership), the wire <-> L1 form, taking evidence from each
 * source (stored once, counted per accused validator, known pieces and
 * invalid ones not stored, the per-signer cap), and the L1 notes. */
/* cmocka needs these headers before its own, in this order. */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include <stdlib.h>
#include <string.h>

#include "../../node/internal.h"
#include "l1.h"
#include "node.h"
#include "test_files.h"

#define MEMBERS       4u
#define L2_CHAIN      901u
#define OUTSIDER_BYTE 0x09

typedef struct {
    char *root;
    store *store;
    node_genesis genesis;
    seq_hash domain;
    uint8_t keys[MEMBERS][32];
    uint8_t outsider[32];
    node_evidence *ev;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    f->root = tf_mkdtemp();
    node_genesis *g = &f->genesis;
    node_genesis_defaults(g);
    g->l1_chain_id = 31337;
    g->l2_chain_id = L2_CHAIN;
    g->validator_count = MEMBERS;
    for (size_t i = 0; i < MEMBERS; i++) {
        memset(f->keys[i], (int)(i + 1), 32);
        assert_int_equal(l1_secp_address(&g->validators[i].address, f->keys[i]), SEQ_OK);
        g->validators[i].weight = 1;
    }
    memset(f->outsider, OUTSIDER_BYTE, 32);
    g->l1.has_committee_address = true;
    memset(g->l1.committee_address.b, 0xc0, SEQ_ADDR_BYTES);
    node_genesis_domain_separator(&f->domain, g);
    seq_hash genesis_hash;
    l1_keccak256(&genesis_hash, (const uint8_t *)"genesis", 7);
    char dir[TF_PATH_BYTES];
    snprintf(dir, sizeof dir, "%s/data", f->root);
    assert_int_equal(store_open(&f->store, dir, &genesis_hash, NULL), SEQ_OK);
    node_evidence_config c = {.genesis = g, .store = f->store, .net = NULL, .self_index = 0};
    assert_int_equal(node_evidence_new(&f->ev, &c), SEQ_OK);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    node_evidence_free(f->ev);
    store_close(f->store);
    tf_rmtree(f->root);
    free(f->root);
    free(f);
    return 0;
}

static seq_addr address_of(const uint8_t key[32])
{
    seq_addr a;
    assert_int_equal(l1_secp_address(&a, key), SEQ_OK);
    return a;
}

/* Signs s of kind with key into *sig. */
static void sign(const fixture *f, seq_sig *sig, l1_evidence_kind kind, const l1_statement *s,
                 const uint8_t key[32])
{
    seq_hash d;
    l1_evidence_digest(&d, &f->domain, kind, s);
    assert_int_equal(l1_secp_sign(sig, key, &d), SEQ_OK);
}

/* Vote evidence of member m at view, both signed by key_a / key_b. */
static wire_evidence vote_evidence(const fixture *f, uint64_t view, const uint8_t *key_a,
                                   const uint8_t *key_b)
{
    wire_evidence e = {.kind = WIRE_EVIDENCE_VOTE};
    wire_block_statement *a = &e.u.block.a, *b = &e.u.block.b;
    a->stmt = (seq_block_stmt){.l2_chain_id = L2_CHAIN, .view = view, .height = view + 1};
    memset(a->stmt.block_hash.b, 0xa1, SEQ_HASH_BYTES);
    b->stmt = a->stmt;
    memset(b->stmt.block_hash.b, 0xb2, SEQ_HASH_BYTES);
    a->signer = address_of(key_a);
    b->signer = address_of(key_b);
    sign(f, &a->sig, L1_EVIDENCE_VOTE, (const l1_statement *)&a->stmt, key_a);
    sign(f, &b->sig, L1_EVIDENCE_VOTE, (const l1_statement *)&b->stmt, key_b);
    return e;
}

static void expect_invalid(const fixture *f, const wire_evidence *e, const char *why_want)
{
    size_t index = 99;
    const char *why = NULL;
    assert_int_not_equal(node_evidence_verify(f->ev, &index, &why, e), SEQ_OK);
    assert_non_null(why);
    assert_string_equal(why, why_want);
    assert_int_equal(index, 0);
}

/* ------------------------------------------------------------- verify */

static void test_verify(void **state)
{
    fixture *f = *state;
    wire_evidence e = vote_evidence(f, 7, f->keys[2], f->keys[2]);
    size_t index = 0;
    const char *why = NULL;
    assert_int_equal(node_evidence_verify(f->ev, &index, &why, &e), SEQ_OK);
    assert_int_equal(index, 2);

    /* Each way L1 refuses, by the contract's error name. */
    wire_evidence bad = vote_evidence(f, 7, f->keys[2], f->keys[1]);
    expect_invalid(f, &bad, "SignerMismatch");
    bad = e;
    bad.u.block.b = bad.u.block.a;
    expect_invalid(f, &bad, "SameContent");
    bad = e;
    bad.u.block.b.stmt.view = 8;
    sign(f, &bad.u.block.b.sig, L1_EVIDENCE_VOTE, (const l1_statement *)&bad.u.block.b.stmt,
         f->keys[2]);
    expect_invalid(f, &bad, "ViewMismatch");
    bad = e;
    bad.u.block.a.stmt.l2_chain_id = 902;
    expect_invalid(f, &bad, "WrongChainId");
    bad = e;
    bad.u.block.a.sig.b[64] = 29; /* v not 27 or 28 */
    expect_invalid(f, &bad, "BadSignature");
    bad = e;
    bad.u.block.a.sig.b[40] ^= 0x01; /* another s: recovers someone else */
    expect_invalid(f, &bad, "SignerMismatch");
    /* High s: s' = n - s with the other v, the same signature otherwise. */
    static const uint8_t order[32] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                      0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe,
                                      0xba, 0xae, 0xdc, 0xe6, 0xaf, 0x48, 0xa0, 0x3b,
                                      0xbf, 0xd2, 0x5e, 0x8c, 0xd0, 0x36, 0x41, 0x41};
    bad = e;
    uint8_t *s = bad.u.block.a.sig.b + 32;
    int borrow = 0;
    for (int k = 31; k >= 0; k--) {
        int d = (int)order[k] - (int)s[k] - borrow;
        borrow = d < 0;
        s[k] = (uint8_t)(d + (borrow ? 256 : 0));
    }
    bad.u.block.a.sig.b[64] = bad.u.block.a.sig.b[64] == 27 ? 28 : 27;
    expect_invalid(f, &bad, "HighS");
    bad = e;
    bad.kind = (wire_evidence_kind)9;
    expect_invalid(f, &bad, "UnknownKind");
    /* The wire form names a signer: it must be the one that signed. */
    bad = e;
    bad.u.block.a.signer = f->genesis.validators[1].address;
    expect_invalid(f, &bad, "SignerMismatch");
    /* A valid pair by someone outside the committee. */
    bad = vote_evidence(f, 7, f->outsider, f->outsider);
    expect_invalid(f, &bad, "NotMember");
}

/* The four kinds: signer, view, and the L1 form. */
static void test_kinds(void **state)
{
    fixture *f = *state;
    wire_evidence t = {.kind = WIRE_EVIDENCE_TIMEOUT};
    t.u.timeout.a.stmt =
        (seq_timeout_stmt){.l2_chain_id = L2_CHAIN, .view = 12, .high_qc_view = 10};
    t.u.timeout.b.stmt = t.u.timeout.a.stmt;
    t.u.timeout.b.stmt.high_qc_view = 11;
    t.u.timeout.a.signer = t.u.timeout.b.signer = f->genesis.validators[3].address;
    sign(f, &t.u.timeout.a.sig, L1_EVIDENCE_TIMEOUT, (const l1_statement *)&t.u.timeout.a.stmt,
         f->keys[3]);
    sign(f, &t.u.timeout.b.sig, L1_EVIDENCE_TIMEOUT, (const l1_statement *)&t.u.timeout.b.stmt,
         f->keys[3]);
    assert_true(seq_addr_equal(node_evidence_signer(&t), &f->genesis.validators[3].address));
    assert_int_equal(node_evidence_view(&t), 12);
    assert_string_equal(node_evidence_kind_name(WIRE_EVIDENCE_PROPOSAL), "proposal");
    assert_string_equal(node_evidence_kind_name(WIRE_EVIDENCE_VOTE), "vote");
    assert_string_equal(node_evidence_kind_name(WIRE_EVIDENCE_TIMEOUT), "timeout");
    assert_string_equal(node_evidence_kind_name(WIRE_EVIDENCE_ATTESTATION), "attestation");
    assert_string_equal(node_evidence_kind_name((wire_evidence_kind)7), "unknown");
    l1_evidence l;
    node_evidence_to_l1(&l, &t);
    assert_int_equal(l.kind, L1_EVIDENCE_TIMEOUT);
    assert_int_equal(l.b.timeout.high_qc_view, 11);
    assert_memory_equal(l.sig_b.b, t.u.timeout.b.sig.b, SEQ_SIG_BYTES);
    size_t index;
    const char *why;
    assert_int_equal(node_evidence_verify(f->ev, &index, &why, &t), SEQ_OK);
    assert_int_equal(index, 3);

    wire_evidence a = {.kind = WIRE_EVIDENCE_ATTESTATION};
    a.u.attestation.a.stmt = (seq_attestation_stmt){
        .l2_chain_id = L2_CHAIN, .index = 5, .first_height = 1, .last_height = 9};
    a.u.attestation.b.stmt = a.u.attestation.a.stmt;
    a.u.attestation.b.stmt.last_height = 8;
    a.u.attestation.a.signer = a.u.attestation.b.signer = f->genesis.validators[1].address;
    sign(f, &a.u.attestation.a.sig, L1_EVIDENCE_ATTESTATION,
         (const l1_statement *)&a.u.attestation.a.stmt, f->keys[1]);
    sign(f, &a.u.attestation.b.sig, L1_EVIDENCE_ATTESTATION,
         (const l1_statement *)&a.u.attestation.b.stmt, f->keys[1]);
    assert_int_equal(node_evidence_view(&a), 5);
    node_evidence_to_l1(&l, &a);
    assert_int_equal(l.kind, L1_EVIDENCE_ATTESTATION);
    assert_int_equal(l.b.attestation.last_height, 8);
    assert_int_equal(node_evidence_verify(f->ev, &index, &why, &a), SEQ_OK);
    assert_int_equal(index, 1);
    a.u.attestation.b.stmt.index = 6;
    sign(f, &a.u.attestation.b.sig, L1_EVIDENCE_ATTESTATION,
         (const l1_statement *)&a.u.attestation.b.stmt, f->keys[1]);
    expect_invalid(f, &a, "IndexMismatch");

    wire_evidence p = vote_evidence(f, 4, f->keys[0], f->keys[0]);
    p.kind = WIRE_EVIDENCE_PROPOSAL; /* signed as votes: not proposals */
    expect_invalid(f, &p, "SignerMismatch");
    sign(f, &p.u.block.a.sig, L1_EVIDENCE_PROPOSAL, (const l1_statement *)&p.u.block.a.stmt,
         f->keys[0]);
    sign(f, &p.u.block.b.sig, L1_EVIDENCE_PROPOSAL, (const l1_statement *)&p.u.block.b.stmt,
         f->keys[0]);
    assert_int_equal(node_evidence_verify(f->ev, &index, &why, &p), SEQ_OK);
    node_evidence_to_l1(&l, &p);
    assert_int_equal(l.kind, L1_EVIDENCE_PROPOSAL);
    assert_int_equal(node_evidence_view(&p), 4);
}

/* ---------------------------------------------------------------- add */

static void test_add(void **state)
{
    fixture *f = *state;
    node_evidence_stats s;
    wire_evidence e = vote_evidence(f, 20, f->keys[2], f->keys[2]);

    /* From a peer: stored, counted as received against member 2. */
    assert_int_equal(node_evidence_add(f->ev, &e, NODE_EVIDENCE_FROM_PEER, 1), NODE_EVIDENCE_NEW);
    wire_evidence got;
    assert_int_equal(store_get_evidence(f->store, &got, WIRE_EVIDENCE_VOTE,
                                        &f->genesis.validators[2].address, 20),
                     SEQ_OK);
    assert_memory_equal(got.u.block.b.stmt.block_hash.b, e.u.block.b.stmt.block_hash.b,
                        SEQ_HASH_BYTES);
    node_evidence_stats_get(f->ev, &s);
    assert_int_equal(s.received, 1);
    assert_int_equal(s.validators[2].received, 1);
    assert_int_equal(s.detected, 0);
    /* Again, and another pair for the same (kind, signer, view): known. */
    assert_int_equal(node_evidence_add(f->ev, &e, NODE_EVIDENCE_FROM_PEER, 3), NODE_EVIDENCE_KNOWN);
    wire_evidence other = e;
    other.u.block.b.stmt.height++;
    sign(f, &other.u.block.b.sig, L1_EVIDENCE_VOTE, (const l1_statement *)&other.u.block.b.stmt,
         f->keys[2]);
    assert_int_equal(node_evidence_add(f->ev, &other, NODE_EVIDENCE_FROM_PEER, 3),
                     NODE_EVIDENCE_KNOWN);
    assert_int_equal(store_get_evidence(f->store, &got, WIRE_EVIDENCE_VOTE,
                                        &f->genesis.validators[2].address, 20),
                     SEQ_OK);
    assert_int_equal(got.u.block.b.stmt.height, e.u.block.b.stmt.height); /* the first kept */

    /* Invalid: dropped, nothing stored. */
    wire_evidence bad = vote_evidence(f, 21, f->keys[2], f->keys[3]);
    assert_int_equal(node_evidence_add(f->ev, &bad, NODE_EVIDENCE_FROM_PEER, 1),
                     NODE_EVIDENCE_INVALID);
    assert_int_equal(store_get_evidence(f->store, &got, WIRE_EVIDENCE_VOTE,
                                        &f->genesis.validators[2].address, 21),
                     SEQ_ERR_NOT_FOUND);
    bad.kind = (wire_evidence_kind)0;
    assert_int_equal(node_evidence_add(f->ev, &bad, NODE_EVIDENCE_FROM_PEER, 1),
                     NODE_EVIDENCE_INVALID);

    /* From the core: store_apply stored it with the update; it counts as
     * detected, once. */
    wire_evidence mine = vote_evidence(f, 30, f->keys[1], f->keys[1]);
    cons_update u = {.evidence_count = 1, .evidence = &mine};
    assert_int_equal(store_apply(f->store, &u), SEQ_OK);
    assert_int_equal(node_evidence_add(f->ev, &mine, NODE_EVIDENCE_FROM_CORE, 0),
                     NODE_EVIDENCE_NEW);
    assert_int_equal(node_evidence_add(f->ev, &mine, NODE_EVIDENCE_FROM_CORE, 0),
                     NODE_EVIDENCE_KNOWN);
    /* From the batcher: stored here. */
    wire_evidence batch = vote_evidence(f, 31, f->keys[1], f->keys[1]);
    assert_int_equal(node_evidence_add(f->ev, &batch, NODE_EVIDENCE_FROM_BATCHER, 0),
                     NODE_EVIDENCE_NEW);
    node_evidence_stats_get(f->ev, &s);
    assert_int_equal(s.detected, 2);
    assert_int_equal(s.validators[1].detected, 2);
    assert_int_equal(s.invalid, 2);
    assert_int_equal(s.known, 3);
    assert_int_equal(s.gossiped, 0); /* no net */

    /* The cap: member 3's votes past STORE_EVIDENCE_PER_SIGNER_MAX. */
    for (uint64_t v = 0; v < STORE_EVIDENCE_PER_SIGNER_MAX; v++) {
        wire_evidence x = vote_evidence(f, 100 + v, f->keys[3], f->keys[3]);
        assert_int_equal(node_evidence_add(f->ev, &x, NODE_EVIDENCE_FROM_PEER, 2),
                         NODE_EVIDENCE_NEW);
    }
    wire_evidence x = vote_evidence(f, 999, f->keys[3], f->keys[3]);
    assert_int_equal(node_evidence_add(f->ev, &x, NODE_EVIDENCE_FROM_PEER, 2),
                     NODE_EVIDENCE_CAPPED);
    node_evidence_stats_get(f->ev, &s);
    assert_int_equal(s.capped, 1);
    assert_int_equal(s.validators[3].received, STORE_EVIDENCE_PER_SIGNER_MAX);
}

/* ------------------------------------------------------------- L1 notes */

static void test_notes(void **state)
{
    fixture *f = *state;
    const seq_addr *v2 = &f->genesis.validators[2].address;
    assert_false(node_evidence_slashed(f->ev, 2));
    node_evidence_note_submitted(f->ev, v2);
    node_evidence_note_accepted(f->ev, v2);
    node_evidence_note_slashed(f->ev, v2);
    node_evidence_note_refused(f->ev);
    node_evidence_note_failed(f->ev);
    node_evidence_note_failed(f->ev);
    seq_addr stranger = address_of(f->outsider);
    node_evidence_note_slashed(f->ev, &stranger); /* ignored */
    node_evidence_note_accepted(f->ev, &stranger);
    assert_true(node_evidence_slashed(f->ev, 2));
    assert_false(node_evidence_slashed(f->ev, 1));
    assert_false(node_evidence_slashed(f->ev, MEMBERS)); /* out of range */
    node_evidence_stats s;
    node_evidence_stats_get(f->ev, &s);
    assert_int_equal(s.submitted, 1);
    assert_int_equal(s.accepted, 1);
    assert_int_equal(s.validators[2].submitted, 1);
    assert_int_equal(s.validators[2].accepted, 1);
    assert_true(s.validators[2].slashed);
    assert_int_equal(s.submit_refused, 1);
    assert_int_equal(s.submit_failed, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_verify, setup, teardown),
        cmocka_unit_test_setup_teardown(test_kinds, setup, teardown),
        cmocka_unit_test_setup_teardown(test_add, setup, teardown),
        cmocka_unit_test_setup_teardown(test_notes, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
