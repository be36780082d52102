/* merkle.c — the binary Merkle tree over transaction hashes (see l1.h).
 *
 * Levels are built bottom-up in place: node i of the next level is
 * inner(node 2i, node 2i+1); an odd last node moves up unchanged. The shape
 * of the path from a leaf to the root therefore depends only on (index,
 * count), and a proof lists the siblings of the levels where one exists.
 * The published root wraps the tree root with the leaf count, so a proof
 * binds the position as well as the membership. */
#include <string.h>

#include "l1.h"

_Static_assert(sizeof(size_t) * 8 >= L1_MERKLE_DEPTH_MAX, "a proof of 2^32 leaves fits");

static void merkle_leaf(seq_hash *out, const seq_hash *tx_hash)
{
    static const uint8_t prefix = 0x00;
    l1_keccak_ctx ctx;
    l1_keccak_init(&ctx);
    l1_keccak_update(&ctx, &prefix, 1);
    l1_keccak_update(&ctx, tx_hash->b, SEQ_HASH_BYTES);
    l1_keccak_final(&ctx, out);
}

/* out may alias left or right. */
static void merkle_inner(seq_hash *out, const seq_hash *left, const seq_hash *right)
{
    static const uint8_t prefix = 0x01;
    l1_keccak_ctx ctx;
    l1_keccak_init(&ctx);
    l1_keccak_update(&ctx, &prefix, 1);
    l1_keccak_update(&ctx, left->b, SEQ_HASH_BYTES);
    l1_keccak_update(&ctx, right->b, SEQ_HASH_BYTES);
    l1_keccak_final(&ctx, out);
}

/* txRoot = keccak256(0x02 || uint64_be(count) || treeRoot). */
static void merkle_wrap(seq_hash *out, size_t count, const seq_hash *tree_root)
{
    uint8_t pre[1 + 8 + SEQ_HASH_BYTES];
    pre[0] = 0x02;
    for (int i = 0; i < 8; i++)
        pre[1 + i] = (uint8_t)((uint64_t)count >> (56 - 8 * i));
    memcpy(pre + 9, tree_root->b, SEQ_HASH_BYTES);
    l1_keccak256(out, pre, sizeof(pre));
}

/* Size of the level above a level of n nodes, without overflow. */
static size_t merkle_parent_count(size_t n)
{
    return n / 2 + n % 2;
}

/* Replaces nodes[0..n) by the level above it; returns its size. */
static size_t merkle_reduce(seq_hash *nodes, size_t n)
{
    size_t up = 0;
    for (size_t i = 0; i + 1 < n; i += 2)
        merkle_inner(&nodes[up++], &nodes[i], &nodes[i + 1]);
    if (n % 2 == 1)
        nodes[up++] = nodes[n - 1];
    SEQ_ASSERT(up == merkle_parent_count(n));
    return up;
}

static void merkle_leaves(seq_hash *tx_hashes, size_t count)
{
    for (size_t i = 0; i < count; i++)
        merkle_leaf(&tx_hashes[i], &tx_hashes[i]);
}

void l1_merkle_root(seq_hash *root, seq_hash *tx_hashes, size_t count)
{
    SEQ_ASSERT(root != NULL);
    SEQ_ASSERT(tx_hashes != NULL || count == 0);
    seq_hash tree_root = {{0}};
    if (count > 0) {
        merkle_leaves(tx_hashes, count);
        size_t n = count;
        while (n > 1)
            n = merkle_reduce(tx_hashes, n);
        tree_root = tx_hashes[0];
    }
    merkle_wrap(root, count, &tree_root);
}

/* Number of siblings on the path of leaf index in a tree of count leaves. */
static size_t merkle_path_len(size_t index, size_t count)
{
    size_t len = 0;
    for (size_t n = count; n > 1; n = merkle_parent_count(n), index /= 2) {
        if ((index ^ 1) < n)
            len++;
    }
    return len;
}

seq_err l1_merkle_proof(seq_hash *proof, size_t proof_cap, size_t *proof_len, seq_hash *tx_hashes,
                        size_t count, size_t index)
{
    SEQ_ASSERT(proof != NULL || proof_cap == 0);
    SEQ_ASSERT(proof_len != NULL);
    SEQ_ASSERT(tx_hashes != NULL || count == 0);

    *proof_len = 0;
    if (proof_cap > 0)
        memset(proof, 0, proof_cap * sizeof(*proof));
    if (index >= count)
        return SEQ_ERR_INVALID_ARG;
    if (merkle_path_len(index, count) > proof_cap)
        return SEQ_ERR_NO_SPACE;

    merkle_leaves(tx_hashes, count);
    size_t len = 0;
    for (size_t n = count; n > 1; index /= 2) {
        if ((index ^ 1) < n)
            proof[len++] = tx_hashes[index ^ 1];
        n = merkle_reduce(tx_hashes, n);
    }
    *proof_len = len;
    return SEQ_OK;
}

bool l1_merkle_verify(const seq_hash *root, const seq_hash *tx_hash, size_t index, size_t count,
                      const seq_hash *proof, size_t proof_len)
{
    SEQ_ASSERT(root != NULL);
    SEQ_ASSERT(tx_hash != NULL);
    SEQ_ASSERT(proof != NULL || proof_len == 0);

    if (index >= count || proof_len != merkle_path_len(index, count))
        return false;
    seq_hash node;
    merkle_leaf(&node, tx_hash);
    size_t used = 0;
    for (size_t n = count; n > 1; n = merkle_parent_count(n), index /= 2) {
        if ((index ^ 1) >= n)
            continue; /* promoted: the node moves up unchanged */
        if (index % 2 == 0)
            merkle_inner(&node, &node, &proof[used++]);
        else
            merkle_inner(&node, &proof[used++], &node);
    }
    SEQ_ASSERT(used == proof_len);
    seq_hash wrapped;
    merkle_wrap(&wrapped, count, &node);
    return seq_hash_equal(&wrapped, root);
}
