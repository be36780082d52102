/* The transaction Merkle tree against a reference built level by level in
 * the test, with proofs for every leaf and tampered proofs, indices and
 * counts. */
/* cmocka needs these headers before its own, in this order. */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include <string.h>

#include "l1.h"

#define LEAVES_MAX 70

static void ref_leaf(seq_hash *out, const seq_hash *tx)
{
    uint8_t pre[33] = {0x00};
    memcpy(pre + 1, tx->b, 32);
    l1_keccak256(out, pre, sizeof(pre));
}

static void ref_inner(seq_hash *out, const seq_hash *l, const seq_hash *r)
{
    uint8_t pre[65] = {0x01};
    memcpy(pre + 1, l->b, 32);
    memcpy(pre + 33, r->b, 32);
    l1_keccak256(out, pre, sizeof(pre));
}

/* All levels of the tree: level[0] = leaves, each next level pairs the
 * previous one and carries an odd last node over unchanged. */
typedef struct {
    seq_hash node[8][LEAVES_MAX];
    size_t width[8];
    size_t levels;
} ref_tree;

static void ref_build(ref_tree *t, const seq_hash *tx, size_t count)
{
    memset(t, 0, sizeof(*t));
    for (size_t i = 0; i < count; i++)
        ref_leaf(&t->node[0][i], &tx[i]);
    t->width[0] = count;
    t->levels = 1;
    while (t->width[t->levels - 1] > 1) {
        size_t lv = t->levels, w = t->width[lv - 1];
        for (size_t i = 0; i < w / 2; i++)
            ref_inner(&t->node[lv][i], &t->node[lv - 1][2 * i], &t->node[lv - 1][2 * i + 1]);
        if (w % 2)
            t->node[lv][w / 2] = t->node[lv - 1][w - 1];
        t->width[lv] = (w + 1) / 2;
        t->levels++;
    }
}

/* The published root: the tree root wrapped with the count. */
static void ref_wrap(seq_hash *out, size_t count, const seq_hash *tree_root)
{
    uint8_t pre[41] = {0x02};
    for (int i = 0; i < 8; i++)
        pre[1 + i] = (uint8_t)((uint64_t)count >> (56 - 8 * i));
    memcpy(pre + 9, tree_root->b, 32);
    l1_keccak256(out, pre, sizeof(pre));
}

static void ref_root(seq_hash *out, const ref_tree *t)
{
    ref_wrap(out, t->width[0], &t->node[t->levels - 1][0]);
}

/* Sibling sides along the path ('L': sibling on the left, 'R': right). */
static void ref_sides(char *out, size_t index, size_t count)
{
    size_t n = 0;
    for (size_t w = count; w > 1; w = (w + 1) / 2, index /= 2) {
        if (index % 2 == 1)
            out[n++] = 'L';
        else if (index + 1 < w)
            out[n++] = 'R';
    }
    out[n] = '\0';
}

static void make_txs(seq_hash *tx, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        uint8_t raw[8] = {'t', 'x', (uint8_t)i};
        l1_keccak256(&tx[i], raw, sizeof(raw));
    }
}

static void test_roots(void **state)
{
    (void)state;
    seq_hash tx[LEAVES_MAX], work[LEAVES_MAX], root;
    static ref_tree t;
    make_txs(tx, LEAVES_MAX);

    memset(&root, 0xaa, sizeof(root));
    l1_merkle_root(&root, NULL, 0);
    static const seq_hash zero;
    seq_hash expect;
    ref_wrap(&expect, 0, &zero);
    assert_true(seq_hash_equal(&root, &expect));

    for (size_t count = 1; count <= LEAVES_MAX; count++) {
        memcpy(work, tx, sizeof(tx));
        l1_merkle_root(&root, work, count);
        ref_build(&t, tx, count);
        ref_root(&expect, &t);
        assert_true(seq_hash_equal(&root, &expect));
    }
    /* One leaf: the tree root is the leaf hash (not the tx hash), wrapped. */
    memcpy(work, tx, sizeof(tx));
    l1_merkle_root(&root, work, 1);
    seq_hash leaf;
    ref_leaf(&leaf, &tx[0]);
    ref_wrap(&expect, 1, &leaf);
    assert_true(seq_hash_equal(&root, &expect));
    assert_false(seq_hash_equal(&root, &leaf));

    /* Promotion, not duplication: [a,b,c] and [a,b,c,c] differ. */
    seq_hash r3, r4;
    memcpy(work, tx, 3 * sizeof(seq_hash));
    l1_merkle_root(&r3, work, 3);
    memcpy(work, tx, 3 * sizeof(seq_hash));
    work[3] = tx[2];
    l1_merkle_root(&r4, work, 4);
    assert_false(seq_hash_equal(&r3, &r4));
    /* Order matters. */
    memcpy(work, tx, 2 * sizeof(seq_hash));
    work[0] = tx[1];
    work[1] = tx[0];
    l1_merkle_root(&r4, work, 2);
    memcpy(work, tx, 2 * sizeof(seq_hash));
    l1_merkle_root(&r3, work, 2);
    assert_false(seq_hash_equal(&r3, &r4));
}

static void check_tampering(const seq_hash *root, const seq_hash *tx, size_t index, size_t count,
                            const seq_hash *proof, size_t len)
{
    seq_hash bad[L1_MERKLE_DEPTH_MAX + 1];
    memcpy(bad, proof, len * sizeof(seq_hash));
    for (size_t k = 0; k < len; k++) {
        bad[k].b[k % 32] ^= 0x10;
        assert_false(l1_merkle_verify(root, tx, index, count, bad, len));
        bad[k] = proof[k];
    }
    if (len > 0)
        assert_false(l1_merkle_verify(root, tx, index, count, proof, len - 1));
    bad[len] = *root;
    assert_false(l1_merkle_verify(root, tx, index, count, bad, len + 1));
    seq_hash other_tx = *tx, other_root = *root;
    other_tx.b[0] ^= 1;
    other_root.b[31] ^= 1;
    assert_false(l1_merkle_verify(root, &other_tx, index, count, proof, len));
    assert_false(l1_merkle_verify(&other_root, tx, index, count, proof, len));
    /* The root itself (an inner node) never passes for a leaf. */
    assert_false(l1_merkle_verify(root, root, index, count, proof, len));
    for (size_t j = 0; j < count + 2; j++) {
        if (j != index)
            assert_false(l1_merkle_verify(root, tx, j, count, proof, len));
    }
    assert_false(l1_merkle_verify(root, tx, index, 0, proof, len));
    /* The root commits to the count: no other count verifies, including
     * those whose path has the same sibling sides. */
    for (size_t c = index + 1; c <= 2 * count + 2; c++) {
        if (c != count)
            assert_false(l1_merkle_verify(root, tx, index, c, proof, len));
    }
}

static void test_proofs(void **state)
{
    (void)state;
    seq_hash tx[LEAVES_MAX], work[LEAVES_MAX], root;
    seq_hash proof[L1_MERKLE_DEPTH_MAX];
    static ref_tree t;
    make_txs(tx, LEAVES_MAX);

    for (size_t count = 1; count <= LEAVES_MAX; count++) {
        ref_build(&t, tx, count);
        ref_root(&root, &t);
        for (size_t index = 0; index < count; index++) {
            memcpy(work, tx, sizeof(tx));
            size_t len = 99;
            assert_int_equal(l1_merkle_proof(proof, SEQ_ARRAY_LEN(proof), &len, work, count, index),
                             SEQ_OK);
            /* The proof is the reference sibling at each non-promoted level. */
            size_t k = 0, i = index;
            for (size_t lv = 0; lv + 1 < t.levels; lv++, i /= 2) {
                if ((i ^ 1) < t.width[lv])
                    assert_true(seq_hash_equal(&proof[k++], &t.node[lv][i ^ 1]));
            }
            assert_int_equal(len, k);
            char sides[2 * L1_MERKLE_DEPTH_MAX];
            ref_sides(sides, index, count);
            assert_int_equal(strlen(sides), len);
            assert_true(l1_merkle_verify(&root, &tx[index], index, count, proof, len));
            /* Every leaf of the small trees, the edges and middle of the big
             * ones, keep the run short. */
            bool edge = index < 2 || index + 2 >= count || index == count / 2;
            if (count <= 24 || edge)
                check_tampering(&root, &tx[index], index, count, proof, len);
        }
    }
}

static void test_proof_errors(void **state)
{
    (void)state;
    seq_hash tx[8], work[8], proof[4];
    make_txs(tx, 8);
    size_t len = 99;
    memset(proof, 0xaa, sizeof(proof));
    memcpy(work, tx, sizeof(tx));
    assert_int_equal(l1_merkle_proof(proof, 4, &len, work, 8, 8), SEQ_ERR_INVALID_ARG);
    assert_int_equal(len, 0);
    for (size_t i = 0; i < 4; i++)
        assert_true(seq_hash_is_zero(&proof[i]));
    assert_memory_equal(work, tx, sizeof(tx)); /* untouched on failure */
    assert_int_equal(l1_merkle_proof(proof, 4, &len, NULL, 0, 0), SEQ_ERR_INVALID_ARG);
    /* 8 leaves need 3 siblings. */
    len = 99;
    memset(proof, 0xaa, sizeof(proof));
    assert_int_equal(l1_merkle_proof(proof, 2, &len, work, 8, 5), SEQ_ERR_NO_SPACE);
    assert_int_equal(len, 0);
    assert_true(seq_hash_is_zero(&proof[0]) && seq_hash_is_zero(&proof[1]));
    assert_memory_equal(work, tx, sizeof(tx));
    assert_int_equal(l1_merkle_proof(proof, 3, &len, work, 8, 5), SEQ_OK);
    assert_int_equal(len, 3);
    /* One leaf: an empty proof. */
    memcpy(work, tx, sizeof(tx));
    assert_int_equal(l1_merkle_proof(NULL, 0, &len, work, 1, 0), SEQ_OK);
    assert_int_equal(len, 0);
    seq_hash root;
    memcpy(work, tx, sizeof(tx));
    l1_merkle_root(&root, work, 1);
    assert_true(l1_merkle_verify(&root, &tx[0], 0, 1, NULL, 0));
    assert_false(l1_merkle_verify(&root, &tx[1], 0, 1, NULL, 0));
}

/* The root commits to the leaf count: a proof for leaf 2 of 3 has the same
 * sibling shape as one for "leaf 1 of 2", and must not pass for it. */
static void test_count_committed(void **state)
{
    (void)state;
    seq_hash tx[3], work[3], root, proof[2];
    make_txs(tx, 3);
    memcpy(work, tx, sizeof(tx));
    l1_merkle_root(&root, work, 3);
    memcpy(work, tx, sizeof(tx));
    size_t len = 0;
    assert_int_equal(l1_merkle_proof(proof, 2, &len, work, 3, 2), SEQ_OK);
    assert_int_equal(len, 1);
    char sides3[8], sides2[8];
    ref_sides(sides3, 2, 3);
    ref_sides(sides2, 1, 2);
    assert_string_equal(sides3, sides2); /* same shape... */
    assert_true(l1_merkle_verify(&root, &tx[2], 2, 3, proof, len));
    assert_false(l1_merkle_verify(&root, &tx[2], 1, 2, proof, len)); /* ...but bound */
    assert_false(l1_merkle_verify(&root, &tx[2], 0, 2, proof, len));
    assert_false(l1_merkle_verify(&root, &tx[2], 2, 4, proof, len));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roots),
        cmocka_unit_test(test_proofs),
        cmocka_unit_test(test_proof_errors),
        cmocka_unit_test(test_count_committed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
