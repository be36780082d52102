/* cons_crypto.c — the production cons_ops: keccak256 block hashes and tx
 * roots, EIP-712 statement digests under one domain separator, and
 * recoverable secp256k1 signatures, all from l1/ so that what the core signs
 * is exactly what the L1 contracts re-check.
 *
 * The validator key is copied into sodium_malloc'd memory (guard pages,
 * locked, never swapped) that is kept inaccessible except while signing and
 * zeroed on free. */
#include "node.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "l1.h"

#define NODE_SECKEY_BYTES 32u

/* The tx hashes behind one tx root, kept for node_cons_crypto_tx_hashes. */
typedef struct {
    seq_hash root;
    size_t tx_count;
    size_t cap;          /* allocated entries of tx_hashes */
    seq_hash *tx_hashes; /* owned; NULL until first used */
} crypto_memo;

struct node_cons_crypto {
    seq_hash domain_separator;
    uint8_t *seckey;     /* sodium_malloc'd, PROT_NONE when idle; NULL: verify only */
    seq_hash *tx_hashes; /* scratch for tx_root, WIRE_BLOCK_TXS_MAX entries */
    crypto_memo memo[NODE_CONS_CRYPTO_MEMO_BLOCKS];
    size_t memo_next; /* the entry the next new root replaces */
    /* node_cons_crypto_hint: the hashes of the tx list at hint_txs. */
    const seq_bytes *hint_txs;
    const seq_hash *hint_hashes;
    size_t hint_count;
};

_Static_assert(WIRE_BLOCK_TXS_MAX <= ((uint64_t)1 << L1_MERKLE_DEPTH_MAX),
               "every block's tx list fits in a Merkle tree l1 can prove");

/* Copies seckey into guarded memory and locks it away. */
static seq_err seckey_store(node_cons_crypto *c, const uint8_t seckey[32])
{
    seq_err err = l1_secp_seckey_check(seckey);
    if (err != SEQ_OK)
        return err;
    c->seckey = sodium_malloc(NODE_SECKEY_BYTES);
    if (c->seckey == NULL)
        return SEQ_ERR_NO_MEMORY;
    memcpy(c->seckey, seckey, NODE_SECKEY_BYTES);
    if (sodium_mprotect_noaccess(c->seckey) != 0)
        return SEQ_ERR_INTERNAL;
    return SEQ_OK;
}

seq_err node_cons_crypto_new(node_cons_crypto **out, const seq_hash *domain_separator,
                             const uint8_t seckey[32])
{
    SEQ_ASSERT(out != NULL);
    SEQ_ASSERT(domain_separator != NULL);
    *out = NULL;
    /* sodium_malloc needs the page size sodium_init() looks up. */
    if (sodium_init() < 0)
        return SEQ_ERR_INTERNAL;

    node_cons_crypto *c = calloc(1, sizeof(*c));
    if (c == NULL)
        return SEQ_ERR_NO_MEMORY;
    seq_err err = SEQ_ERR_NO_MEMORY;
    c->domain_separator = *domain_separator;
    c->tx_hashes = calloc(WIRE_BLOCK_TXS_MAX, sizeof(*c->tx_hashes));
    if (c->tx_hashes == NULL)
        goto free_object;
    if (seckey != NULL) {
        err = seckey_store(c, seckey);
        if (err != SEQ_OK)
            goto free_object;
    }
    *out = c;
    return SEQ_OK;

free_object:
    node_cons_crypto_free(c);
    return err;
}

void node_cons_crypto_free(node_cons_crypto *c)
{
    if (c == NULL)
        return;
    if (c->seckey != NULL) {
        /* sodium_free() zeroes the region too; wipe explicitly all the same
         * whenever the page can be made writable again. */
        if (sodium_mprotect_readwrite(c->seckey) == 0)
            sodium_memzero(c->seckey, NODE_SECKEY_BYTES);
        sodium_free(c->seckey);
    }
    for (size_t i = 0; i < NODE_CONS_CRYPTO_MEMO_BLOCKS; i++)
        free(c->memo[i].tx_hashes);
    free(c->tx_hashes);
    free(c);
}

/* ------------------------------------------------------------ the ops */

static void ops_block_hash(void *ctx, seq_hash *out, const seq_block_header *header)
{
    SEQ_ASSERT(ctx != NULL);
    l1_block_hash(out, header);
}

static crypto_memo *memo_find(node_cons_crypto *c, const seq_hash *root, size_t tx_count)
{
    for (size_t i = 0; i < NODE_CONS_CRYPTO_MEMO_BLOCKS; i++) {
        crypto_memo *m = &c->memo[i];
        if (m->tx_hashes != NULL && m->tx_count == tx_count && seq_hash_equal(&m->root, root))
            return m;
    }
    return NULL;
}

/* The entry the next new root replaces, with room for tx_count hashes;
 * NULL for no txs or out of memory (nothing is then remembered). Its old
 * content is dropped. */
static crypto_memo *memo_slot(node_cons_crypto *c, size_t tx_count)
{
    crypto_memo *m = &c->memo[c->memo_next];
    m->tx_count = 0;
    if (tx_count == 0)
        return NULL;
    if (m->cap < tx_count) {
        free(m->tx_hashes);
        m->tx_hashes = malloc(tx_count * sizeof *m->tx_hashes);
        m->cap = m->tx_hashes != NULL ? tx_count : 0;
    }
    return m->tx_hashes != NULL ? m : NULL;
}

static void ops_tx_root(void *ctx, seq_hash *out, const seq_bytes *txs, size_t tx_count)
{
    node_cons_crypto *c = ctx;
    SEQ_ASSERT(c != NULL && out != NULL);
    SEQ_ASSERT(tx_count <= WIRE_BLOCK_TXS_MAX);
    SEQ_ASSERT(txs != NULL || tx_count == 0);
    if (tx_count > 0 && txs == c->hint_txs && tx_count == c->hint_count) {
        memcpy(c->tx_hashes, c->hint_hashes, tx_count * sizeof *c->tx_hashes);
    } else {
        for (size_t i = 0; i < tx_count; i++)
            l1_keccak256(&c->tx_hashes[i], txs[i].ptr, txs[i].len);
    }
    /* l1_merkle_root overwrites the scratch: copy the hashes first, key
     * them by the root once it is known. */
    crypto_memo *m = memo_slot(c, tx_count);
    if (m != NULL)
        memcpy(m->tx_hashes, c->tx_hashes, tx_count * sizeof *m->tx_hashes);
    l1_merkle_root(out, c->tx_hashes, tx_count);
    if (m != NULL && memo_find(c, out, tx_count) == NULL) {
        m->root = *out;
        m->tx_count = tx_count;
        c->memo_next = (c->memo_next + 1) % NODE_CONS_CRYPTO_MEMO_BLOCKS;
    }
}

void node_cons_crypto_hint(node_cons_crypto *c, const seq_bytes *txs, const seq_hash *hashes,
                           size_t count)
{
    SEQ_ASSERT(c != NULL && count <= WIRE_BLOCK_TXS_MAX);
    SEQ_ASSERT((txs != NULL && hashes != NULL) || count == 0);
    c->hint_txs = count > 0 ? txs : NULL;
    c->hint_hashes = count > 0 ? hashes : NULL;
    c->hint_count = count;
}

bool node_cons_crypto_tx_hashes(void *crypto, seq_hash *out, const seq_block_header *header,
                                size_t tx_count)
{
    node_cons_crypto *c = crypto;
    SEQ_ASSERT(c != NULL && header != NULL);
    SEQ_ASSERT(out != NULL || tx_count == 0);
    if (tx_count == 0)
        return true;
    const crypto_memo *m = memo_find(c, &header->tx_root, tx_count);
    if (m == NULL)
        return false;
    memcpy(out, m->tx_hashes, tx_count * sizeof *out);
    return true;
}

static void ops_proposal_digest(void *ctx, seq_hash *out, const seq_block_stmt *stmt)
{
    const node_cons_crypto *c = ctx;
    SEQ_ASSERT(c != NULL);
    seq_hash struct_hash;
    l1_eip712_proposal_hash(&struct_hash, stmt);
    l1_eip712_digest(out, &c->domain_separator, &struct_hash);
}

static void ops_vote_digest(void *ctx, seq_hash *out, const seq_block_stmt *stmt)
{
    const node_cons_crypto *c = ctx;
    SEQ_ASSERT(c != NULL);
    seq_hash struct_hash;
    l1_eip712_vote_hash(&struct_hash, stmt);
    l1_eip712_digest(out, &c->domain_separator, &struct_hash);
}

static void ops_timeout_digest(void *ctx, seq_hash *out, const seq_timeout_stmt *stmt)
{
    const node_cons_crypto *c = ctx;
    SEQ_ASSERT(c != NULL);
    seq_hash struct_hash;
    l1_eip712_timeout_hash(&struct_hash, stmt);
    l1_eip712_digest(out, &c->domain_separator, &struct_hash);
}

static seq_err ops_sign(void *ctx, seq_sig *out, const seq_hash *digest)
{
    const node_cons_crypto *c = ctx;
    SEQ_ASSERT(c != NULL && out != NULL);
    SEQ_ASSERT(digest != NULL);
    memset(out, 0, sizeof(*out));
    if (c->seckey == NULL)
        return SEQ_ERR_UNAVAILABLE;
    if (sodium_mprotect_readonly(c->seckey) != 0)
        return SEQ_ERR_INTERNAL;
    seq_err err = l1_secp_sign(out, c->seckey, digest);
    /* Failing to lock the key away again costs hardening, not correctness:
     * keep the signature and say so. */
    if (sodium_mprotect_noaccess(c->seckey) != 0)
        SEQ_LOG0(SEQ_LOG_WARN, "cons_crypto_key_unprotected");
    return err;
}

static bool ops_verify(void *ctx, const seq_addr *signer, const seq_sig *sig,
                       const seq_hash *digest)
{
    SEQ_ASSERT(ctx != NULL);
    SEQ_ASSERT(signer != NULL && sig != NULL && digest != NULL);
    /* Recovers (strictly: v 27/28, r and s in range, low s) and compares
     * with the claimed signer. */
    return l1_secp_verify(sig, digest, signer) == SEQ_OK;
}

void node_cons_crypto_ops(node_cons_crypto *c, cons_ops *out)
{
    SEQ_ASSERT(c != NULL);
    SEQ_ASSERT(out != NULL);
    *out = (cons_ops){
        .ctx = c,
        .block_hash = ops_block_hash,
        .tx_root = ops_tx_root,
        .proposal_digest = ops_proposal_digest,
        .vote_digest = ops_vote_digest,
        .timeout_digest = ops_timeout_digest,
        .sign = ops_sign,
        .verify = ops_verify,
    };
}
