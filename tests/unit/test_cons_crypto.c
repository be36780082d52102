/* node_cons_crypto: the production cons_ops against the l1 primitives they
 * bind the core to; strict verification; key handling. */
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

#include "l1.h"
#include "node.h"

static const char order_hex[] = "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141";

typedef struct {
    seq_hash domain;
    uint8_t key[32];
    seq_addr addr;
    node_cons_crypto *crypto;
    cons_ops ops;
} fixture;

static void unhex(uint8_t *out, size_t len, const char *hex)
{
    assert_int_equal(l1_hex_decode_exact(out, len, hex), SEQ_OK);
}

static void hash_str(seq_hash *out, const char *s)
{
    l1_keccak256(out, (const uint8_t *)s, strlen(s));
}

static void key_from(uint8_t key[32], seq_addr *addr, const char *name)
{
    seq_hash h;
    hash_str(&h, name);
    memcpy(key, h.b, 32);
    assert_int_equal(l1_secp_address(addr, key), SEQ_OK);
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    seq_addr contract;
    unhex(contract.b, 20, "0x5fbdb2315678afecb367f032d93f642f64180aa3");
    l1_eip712_domain_separator(&f->domain, L1_EIP712_NAME, L1_EIP712_VERSION, 31337, &contract);
    key_from(f->key, &f->addr, "alice");
    assert_int_equal(node_cons_crypto_new(&f->crypto, &f->domain, f->key), SEQ_OK);
    assert_non_null(f->crypto);
    node_cons_crypto_ops(f->crypto, &f->ops);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    node_cons_crypto_free(f->crypto);
    free(f);
    return 0;
}

static const seq_block_stmt block_stmt = {
    .l2_chain_id = 901,
    .view = 17,
    .height = 12,
    .block_hash = {{0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4, 5, 6, 7, 8, 9}},
};

static void sign_digest(const fixture *f, seq_sig *sig, seq_hash *digest)
{
    f->ops.vote_digest(f->ops.ctx, digest, &block_stmt);
    assert_int_equal(f->ops.sign(f->ops.ctx, sig, digest), SEQ_OK);
}

static void test_ops_filled(void **state)
{
    fixture *f = *state;
    assert_ptr_equal(f->ops.ctx, f->crypto);
    assert_non_null(f->ops.block_hash);
    assert_non_null(f->ops.tx_root);
    assert_non_null(f->ops.proposal_digest);
    assert_non_null(f->ops.vote_digest);
    assert_non_null(f->ops.timeout_digest);
    assert_non_null(f->ops.sign);
    assert_non_null(f->ops.verify);
    node_cons_crypto_free(NULL);
}

static void test_sign_verify(void **state)
{
    fixture *f = *state;
    seq_hash digest;
    seq_sig sig;
    sign_digest(f, &sig, &digest);
    assert_true(sig.b[64] == 27 || sig.b[64] == 28);
    assert_true(f->ops.verify(f->ops.ctx, &f->addr, &sig, &digest));

    /* Exactly what l1 (and so L1's ecrecover) produces. */
    seq_sig want;
    assert_int_equal(l1_secp_sign(&want, f->key, &digest), SEQ_OK);
    assert_memory_equal(sig.b, want.b, sizeof(sig.b));

    /* A verify-only instance accepts it too. */
    node_cons_crypto *verifier = NULL;
    assert_int_equal(node_cons_crypto_new(&verifier, &f->domain, NULL), SEQ_OK);
    cons_ops ops;
    node_cons_crypto_ops(verifier, &ops);
    assert_true(ops.verify(ops.ctx, &f->addr, &sig, &digest));
    node_cons_crypto_free(verifier);
}

static void test_deterministic(void **state)
{
    fixture *f = *state;
    seq_hash digest;
    seq_sig first, second;
    sign_digest(f, &first, &digest);
    sign_digest(f, &second, &digest);
    assert_memory_equal(first.b, second.b, sizeof(first.b));

    /* A second instance with the same key signs identically. */
    node_cons_crypto *other = NULL;
    assert_int_equal(node_cons_crypto_new(&other, &f->domain, f->key), SEQ_OK);
    cons_ops ops;
    node_cons_crypto_ops(other, &ops);
    seq_sig third;
    assert_int_equal(ops.sign(ops.ctx, &third, &digest), SEQ_OK);
    assert_memory_equal(first.b, third.b, sizeof(first.b));
    node_cons_crypto_free(other);
}

static void test_verify_rejects_wrong_signer(void **state)
{
    fixture *f = *state;
    seq_hash digest;
    seq_sig sig;
    sign_digest(f, &sig, &digest);
    uint8_t bob_key[32];
    seq_addr bob;
    key_from(bob_key, &bob, "bob");
    assert_false(f->ops.verify(f->ops.ctx, &bob, &sig, &digest));
    seq_addr zero = {{0}};
    assert_false(f->ops.verify(f->ops.ctx, &zero, &sig, &digest));
    seq_addr near = f->addr;
    near.b[19] ^= 1;
    assert_false(f->ops.verify(f->ops.ctx, &near, &sig, &digest));
}

static void test_verify_rejects_flipped_digest(void **state)
{
    fixture *f = *state;
    seq_hash digest;
    seq_sig sig;
    sign_digest(f, &sig, &digest);
    for (size_t bit = 0; bit < 8 * sizeof(digest.b); bit += 37) {
        seq_hash flipped = digest;
        flipped.b[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        assert_false(f->ops.verify(f->ops.ctx, &f->addr, &sig, &flipped));
    }
}

static void test_verify_rejects_tampered_sig(void **state)
{
    fixture *f = *state;
    seq_hash digest;
    seq_sig sig;
    sign_digest(f, &sig, &digest);
    /* Every byte of r and s, one bit each. */
    for (size_t i = 0; i < 64; i++) {
        seq_sig bad = sig;
        bad.b[i] ^= (uint8_t)(1u << (i % 8));
        assert_false(f->ops.verify(f->ops.ctx, &f->addr, &bad, &digest));
    }
    /* Zero r, zero s, r = n. */
    seq_sig bad = sig;
    memset(bad.b, 0, 32);
    assert_false(f->ops.verify(f->ops.ctx, &f->addr, &bad, &digest));
    bad = sig;
    memset(bad.b + 32, 0, 32);
    assert_false(f->ops.verify(f->ops.ctx, &f->addr, &bad, &digest));
    bad = sig;
    unhex(bad.b, 32, order_hex);
    assert_false(f->ops.verify(f->ops.ctx, &f->addr, &bad, &digest));
    /* The other recovery id recovers someone else. */
    bad = sig;
    bad.b[64] = sig.b[64] == 27 ? 28 : 27;
    assert_false(f->ops.verify(f->ops.ctx, &f->addr, &bad, &digest));
}

/* 256-bit big-endian out = n - in (in < n). */
static void order_minus(uint8_t out[32], const uint8_t in[32])
{
    uint8_t n[32];
    unhex(n, 32, order_hex);
    int borrow = 0;
    for (int i = 31; i >= 0; i--) {
        int d = n[i] - in[i] - borrow;
        borrow = d < 0;
        out[i] = (uint8_t)(d + (borrow ? 256 : 0));
    }
    assert_int_equal(borrow, 0);
}

static void test_verify_rejects_high_s(void **state)
{
    fixture *f = *state;
    seq_hash digest;
    seq_sig sig;
    sign_digest(f, &sig, &digest);
    /* (r, n - s) with the other recovery id is the same signature's
     * malleated twin: mathematically valid for the same key, refused. */
    seq_sig high = sig;
    order_minus(high.b + 32, sig.b + 32);
    high.b[64] = sig.b[64] == 27 ? 28 : 27;
    seq_addr recovered;
    assert_int_equal(l1_secp_recover(&recovered, &high, &digest), SEQ_ERR_HIGH_S);
    assert_false(f->ops.verify(f->ops.ctx, &f->addr, &high, &digest));
}

static void test_verify_rejects_bad_v(void **state)
{
    fixture *f = *state;
    seq_hash digest;
    seq_sig sig;
    sign_digest(f, &sig, &digest);
    static const uint8_t bad_v[] = {0, 1, 2, 3, 26, 29, 35, 36, 255};
    for (size_t i = 0; i < SEQ_ARRAY_LEN(bad_v); i++) {
        seq_sig bad = sig;
        bad.b[64] = bad_v[i];
        assert_false(f->ops.verify(f->ops.ctx, &f->addr, &bad, &digest));
    }
    /* v as a raw recovery id (0/1) is refused even when it names the right
     * point. */
    seq_sig raw = sig;
    raw.b[64] = (uint8_t)(sig.b[64] - 27);
    assert_false(f->ops.verify(f->ops.ctx, &f->addr, &raw, &digest));
}

static void test_digests(void **state)
{
    fixture *f = *state;
    seq_hash struct_hash, want, got;

    l1_eip712_proposal_hash(&struct_hash, &block_stmt);
    l1_eip712_digest(&want, &f->domain, &struct_hash);
    f->ops.proposal_digest(f->ops.ctx, &got, &block_stmt);
    assert_true(seq_hash_equal(&got, &want));
    seq_hash proposal = got;

    l1_eip712_vote_hash(&struct_hash, &block_stmt);
    l1_eip712_digest(&want, &f->domain, &struct_hash);
    f->ops.vote_digest(f->ops.ctx, &got, &block_stmt);
    assert_true(seq_hash_equal(&got, &want));
    /* A proposal signature can never pass as a vote. */
    assert_false(seq_hash_equal(&proposal, &got));

    const seq_timeout_stmt timeout = {.l2_chain_id = 901, .view = 17, .high_qc_view = 15};
    l1_eip712_timeout_hash(&struct_hash, &timeout);
    l1_eip712_digest(&want, &f->domain, &struct_hash);
    f->ops.timeout_digest(f->ops.ctx, &got, &timeout);
    assert_true(seq_hash_equal(&got, &want));

    /* The domain separator is bound: another deployment digests apart. */
    seq_hash other_domain = f->domain;
    other_domain.b[0] ^= 1;
    node_cons_crypto *other = NULL;
    assert_int_equal(node_cons_crypto_new(&other, &other_domain, NULL), SEQ_OK);
    cons_ops ops;
    node_cons_crypto_ops(other, &ops);
    ops.proposal_digest(ops.ctx, &got, &block_stmt);
    assert_false(seq_hash_equal(&got, &proposal));
    node_cons_crypto_free(other);
}

static void test_block_hash(void **state)
{
    fixture *f = *state;
    seq_block_header h = {
        .l2_chain_id = 901,
        .height = 12,
        .view = 17,
        .parent_hash = {{1, 2, 3}},
        .tx_root = {{4, 5, 6}},
        .l1_origin_number = 19000000,
        .l1_origin_hash = {{7, 8, 9}},
        .forced_cursor = 3,
        .timestamp_ms = 1700000000123ull,
    };
    h.proposer = f->addr;
    seq_hash want, got;
    l1_block_hash(&want, &h);
    f->ops.block_hash(f->ops.ctx, &got, &h);
    assert_true(seq_hash_equal(&got, &want));
}

/* l1_merkle_root over keccak256 of each tx, computed independently. */
static void tx_root_reference(seq_hash *out, const seq_bytes *txs, size_t count)
{
    seq_hash *leaves = calloc(count > 0 ? count : 1, sizeof(*leaves));
    assert_non_null(leaves);
    for (size_t i = 0; i < count; i++)
        l1_keccak256(&leaves[i], txs[i].ptr, txs[i].len);
    l1_merkle_root(out, leaves, count);
    free(leaves);
}

static void test_tx_root(void **state)
{
    fixture *f = *state;
    static const uint8_t a[] = {0x02, 0xf8, 0x6c}, b[] = {0x01}, c[] = {0xc0, 0xff, 0xee, 0x00};
    const seq_bytes txs[] = {{a, sizeof(a)}, {b, sizeof(b)}, {c, sizeof(c)}};
    seq_hash roots[4];
    const size_t counts[] = {0, 1, 3};
    for (size_t i = 0; i < SEQ_ARRAY_LEN(counts); i++) {
        seq_hash want;
        tx_root_reference(&want, txs, counts[i]);
        f->ops.tx_root(f->ops.ctx, &roots[i], counts[i] > 0 ? txs : NULL, counts[i]);
        assert_true(seq_hash_equal(&roots[i], &want));
    }
    /* The scratch is reused: a repeat gives the same root. */
    f->ops.tx_root(f->ops.ctx, &roots[3], txs, 3);
    assert_true(seq_hash_equal(&roots[3], &roots[2]));
    assert_false(seq_hash_equal(&roots[0], &roots[1]));
    assert_false(seq_hash_equal(&roots[1], &roots[2]));
}

/* A hint is taken for that very tx list only, as given (the hashes are
 * not checked: it is the caller's word), until it ends. */
static void test_tx_root_hint(void **state)
{
    fixture *f = *state;
    static const uint8_t a[] = {0x02, 0xf8}, b[] = {0x01, 0x02, 0x03};
    const seq_bytes txs[] = {{a, sizeof(a)}, {b, sizeof(b)}};
    const seq_bytes copy[] = {{a, sizeof(a)}, {b, sizeof(b)}};
    seq_hash real[2], scratch[2], want, got, hinted_root;
    l1_keccak256(&real[0], a, sizeof(a));
    l1_keccak256(&real[1], b, sizeof(b));
    memcpy(scratch, real, sizeof(real)); /* l1_merkle_root works in place */
    l1_merkle_root(&want, scratch, 2);
    node_cons_crypto_hint(f->crypto, txs, real, 2);
    f->ops.tx_root(f->ops.ctx, &got, txs, 2);
    assert_true(seq_hash_equal(&got, &want));
    seq_hash seen[2];
    assert_true(
        node_cons_crypto_tx_hashes(f->crypto, seen, &(seq_block_header){.tx_root = got}, 2));
    assert_memory_equal(seen, real, sizeof(real));
    /* Hashes that are not the txs' show that the hint was used... */
    seq_hash other[2] = {{{7}}, {{8}}};
    memcpy(scratch, other, sizeof(other));
    l1_merkle_root(&hinted_root, scratch, 2);
    node_cons_crypto_hint(f->crypto, txs, other, 2);
    f->ops.tx_root(f->ops.ctx, &got, txs, 2);
    assert_true(seq_hash_equal(&got, &hinted_root));
    /* ...and only for the hinted array with its count. */
    f->ops.tx_root(f->ops.ctx, &got, copy, 2);
    assert_true(seq_hash_equal(&got, &want));
    f->ops.tx_root(f->ops.ctx, &got, txs, 1);
    seq_hash one;
    memcpy(scratch, real, sizeof(real));
    l1_merkle_root(&one, scratch, 1);
    assert_true(seq_hash_equal(&got, &one));
    node_cons_crypto_hint(f->crypto, NULL, NULL, 0);
    f->ops.tx_root(f->ops.ctx, &got, txs, 2);
    assert_true(seq_hash_equal(&got, &want));
}

/* The tx hashes behind the last NODE_CONS_CRYPTO_MEMO_BLOCKS roots are
 * found by a header carrying that root (and count); older ones, other
 * roots and other counts are not. */
static void test_tx_hashes_memo(void **state)
{
    fixture *f = *state;
    enum { BLOCKS = NODE_CONS_CRYPTO_MEMO_BLOCKS + 2, TXS = 5 };
    uint8_t bytes[BLOCKS][TXS][3];
    seq_bytes txs[BLOCKS][TXS];
    seq_block_header headers[BLOCKS];
    memset(headers, 0, sizeof headers);
    for (size_t b = 0; b < BLOCKS; b++) {
        for (size_t i = 0; i < TXS; i++) {
            bytes[b][i][0] = (uint8_t)b, bytes[b][i][1] = (uint8_t)i, bytes[b][i][2] = 0x5a;
            txs[b][i] = (seq_bytes){bytes[b][i], sizeof bytes[b][i]};
        }
        f->ops.tx_root(f->ops.ctx, &headers[b].tx_root, txs[b], TXS);
        if (b == 1) /* a repeat of a known root takes no new entry */
            f->ops.tx_root(f->ops.ctx, &headers[0].tx_root, txs[0], TXS);
    }
    seq_hash got[TXS], want;
    for (size_t b = 0; b < BLOCKS; b++) {
        bool kept = b >= BLOCKS - NODE_CONS_CRYPTO_MEMO_BLOCKS;
        memset(got, 0, sizeof got);
        assert_int_equal(node_cons_crypto_tx_hashes(f->crypto, got, &headers[b], TXS), kept);
        for (size_t i = 0; kept && i < TXS; i++) {
            l1_keccak256(&want, txs[b][i].ptr, txs[b][i].len);
            assert_true(seq_hash_equal(&got[i], &want));
        }
    }
    seq_block_header last = headers[BLOCKS - 1];
    assert_false(node_cons_crypto_tx_hashes(f->crypto, got, &last, TXS - 1));
    last.tx_root.b[0] ^= 1;
    assert_false(node_cons_crypto_tx_hashes(f->crypto, got, &last, TXS));
    assert_true(node_cons_crypto_tx_hashes(f->crypto, NULL, &last, 0)); /* nothing to know */
}

static void test_tx_root_max(void **state)
{
    fixture *f = *state;
    seq_bytes *txs = calloc(WIRE_BLOCK_TXS_MAX, sizeof(*txs));
    uint8_t *bytes = calloc(WIRE_BLOCK_TXS_MAX, 2);
    assert_non_null(txs);
    assert_non_null(bytes);
    for (size_t i = 0; i < WIRE_BLOCK_TXS_MAX; i++) {
        bytes[2 * i] = (uint8_t)(i >> 8);
        bytes[2 * i + 1] = (uint8_t)i;
        txs[i] = (seq_bytes){bytes + 2 * i, 2};
    }
    seq_hash want, got;
    tx_root_reference(&want, txs, WIRE_BLOCK_TXS_MAX);
    f->ops.tx_root(f->ops.ctx, &got, txs, WIRE_BLOCK_TXS_MAX);
    assert_true(seq_hash_equal(&got, &want));
    free(bytes);
    free(txs);
}

static void test_verify_only_cannot_sign(void **state)
{
    fixture *f = *state;
    node_cons_crypto *verifier = NULL;
    assert_int_equal(node_cons_crypto_new(&verifier, &f->domain, NULL), SEQ_OK);
    cons_ops ops;
    node_cons_crypto_ops(verifier, &ops);
    seq_hash digest = {{1}};
    seq_sig sig;
    memset(&sig, 0xaa, sizeof(sig));
    assert_int_equal(ops.sign(ops.ctx, &sig, &digest), SEQ_ERR_UNAVAILABLE);
    seq_sig zero = {{0}};
    assert_memory_equal(sig.b, zero.b, sizeof(sig.b));
    node_cons_crypto_free(verifier);
}

static void test_bad_key(void **state)
{
    fixture *f = *state;
    uint8_t keys[3][32];
    memset(keys[0], 0, 32);
    unhex(keys[1], 32, order_hex);
    memset(keys[2], 0xff, 32);
    for (size_t i = 0; i < SEQ_ARRAY_LEN(keys); i++) {
        node_cons_crypto *c = (node_cons_crypto *)f; /* any non-NULL junk */
        assert_int_equal(node_cons_crypto_new(&c, &f->domain, keys[i]), SEQ_ERR_BAD_KEY);
        assert_null(c);
    }
    /* The boundaries are accepted: 1 and n - 1. */
    uint8_t key[32] = {0};
    key[31] = 1;
    node_cons_crypto *c = NULL;
    assert_int_equal(node_cons_crypto_new(&c, &f->domain, key), SEQ_OK);
    node_cons_crypto_free(c);
    unhex(key, 32, order_hex);
    key[31]--;
    assert_int_equal(node_cons_crypto_new(&c, &f->domain, key), SEQ_OK);
    node_cons_crypto_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_ops_filled, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sign_verify, setup, teardown),
        cmocka_unit_test_setup_teardown(test_deterministic, setup, teardown),
        cmocka_unit_test_setup_teardown(test_verify_rejects_wrong_signer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_verify_rejects_flipped_digest, setup, teardown),
        cmocka_unit_test_setup_teardown(test_verify_rejects_tampered_sig, setup, teardown),
        cmocka_unit_test_setup_teardown(test_verify_rejects_high_s, setup, teardown),
        cmocka_unit_test_setup_teardown(test_verify_rejects_bad_v, setup, teardown),
        cmocka_unit_test_setup_teardown(test_digests, setup, teardown),
        cmocka_unit_test_setup_teardown(test_block_hash, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tx_root, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tx_root_hint, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tx_hashes_memo, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tx_root_max, setup, teardown),
        cmocka_unit_test_setup_teardown(test_verify_only_cannot_sign, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_key, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
