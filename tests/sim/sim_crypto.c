/* sim_crypto.c — validator keys and the two ops tables of the simulator.
 *
 * Fake: BLAKE2b-256 with a domain prefix per kind of value; a "signature"
 * is 64 bytes of BLAKE2b keyed with the validator's 32-byte secret over the
 * digest, then v = 27 (canonical on the wire). Verification recomputes it
 * with the claimed signer's secret. Cheap, deterministic, unforgeable
 * within the simulation.
 *
 * Real: production's own ops table (node/cons_crypto.c): keccak256 block
 * hash, the keccak Merkle tx root, EIP-712 digests and recoverable
 * secp256k1, one instance per validator key. */
#include <stdlib.h>
#include <string.h>

#include "l1.h"
#include "node.h"
#include "sim.h"

#define SIM_SECRET_BYTES    32u
#define SIM_KEY_ATTEMPTS    64u /* tries to land a secp256k1 key in [1, n-1] */
#define SIM_FAKE_SIG_BYTES  64u
#define SIM_SIG_V           27u
#define SIM_HEADER_BYTES    (6u * 8u + 3u * SEQ_HASH_BYTES + SEQ_ADDR_BYTES)
#define SIM_BLOCK_STMT_SIZE (3u * 8u + SEQ_HASH_BYTES)

_Static_assert(SIM_FAKE_SIG_BYTES + 1 == SEQ_SIG_BYTES, "r || s || v");
_Static_assert(SIM_FAKE_SIG_BYTES <= crypto_generichash_BYTES_MAX, "one BLAKE2b output");

typedef struct {
    sim_crypto *crypto;
    size_t index;
} sim_signer;

struct sim_crypto {
    bool real;
    size_t n;
    seq_addr addrs[SIM_REPLICAS_MAX];
    uint8_t *secrets; /* sodium_malloc'd [n][SIM_SECRET_BYTES] */
    sim_signer signers[SIM_REPLICAS_MAX];
    node_cons_crypto *real_ops[SIM_REPLICAS_MAX]; /* real crypto: one per key */
};

static const uint8_t *secret_of(const sim_crypto *c, size_t index)
{
    SEQ_ASSERT(index < c->n);
    return c->secrets + index * SIM_SECRET_BYTES;
}

static void put_u64(uint8_t *out, uint64_t v)
{
    for (size_t i = 0; i < 8; i++)
        out[i] = (uint8_t)(v >> (8 * i));
}

/* BLAKE2b-256 of a domain label followed by data. */
static void fake_hash(seq_hash *out, const char *label, const uint8_t *data, size_t len)
{
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, SEQ_HASH_BYTES);
    crypto_generichash_update(&st, (const uint8_t *)label, strlen(label) + 1);
    crypto_generichash_update(&st, data, len);
    crypto_generichash_final(&st, out->b, SEQ_HASH_BYTES);
}

static void fake_block_hash(void *ctx, seq_hash *out, const seq_block_header *h)
{
    (void)ctx;
    uint8_t buf[SIM_HEADER_BYTES];
    uint8_t *p = buf;
    put_u64(p, h->l2_chain_id), p += 8;
    put_u64(p, h->height), p += 8;
    put_u64(p, h->view), p += 8;
    memcpy(p, h->parent_hash.b, SEQ_HASH_BYTES), p += SEQ_HASH_BYTES;
    memcpy(p, h->tx_root.b, SEQ_HASH_BYTES), p += SEQ_HASH_BYTES;
    put_u64(p, h->l1_origin_number), p += 8;
    memcpy(p, h->l1_origin_hash.b, SEQ_HASH_BYTES), p += SEQ_HASH_BYTES;
    put_u64(p, h->forced_cursor), p += 8;
    put_u64(p, h->timestamp_ms), p += 8;
    memcpy(p, h->proposer.b, SEQ_ADDR_BYTES), p += SEQ_ADDR_BYTES;
    SEQ_ASSERT((size_t)(p - buf) == sizeof buf);
    fake_hash(out, "seqsim/block", buf, sizeof buf);
}

static void fake_tx_root(void *ctx, seq_hash *out, const seq_bytes *txs, size_t tx_count)
{
    (void)ctx;
    crypto_generichash_state st;
    uint8_t word[8];
    crypto_generichash_init(&st, NULL, 0, SEQ_HASH_BYTES);
    crypto_generichash_update(&st, (const uint8_t *)"seqsim/txroot", sizeof "seqsim/txroot");
    put_u64(word, tx_count);
    crypto_generichash_update(&st, word, sizeof word);
    for (size_t i = 0; i < tx_count; i++) {
        put_u64(word, txs[i].len);
        crypto_generichash_update(&st, word, sizeof word);
        crypto_generichash_update(&st, txs[i].ptr, txs[i].len);
    }
    crypto_generichash_final(&st, out->b, SEQ_HASH_BYTES);
}

static void fake_block_stmt(seq_hash *out, const char *label, const seq_block_stmt *s)
{
    uint8_t buf[SIM_BLOCK_STMT_SIZE];
    put_u64(buf, s->l2_chain_id);
    put_u64(buf + 8, s->view);
    put_u64(buf + 16, s->height);
    memcpy(buf + 24, s->block_hash.b, SEQ_HASH_BYTES);
    fake_hash(out, label, buf, sizeof buf);
}

static void fake_proposal_digest(void *ctx, seq_hash *out, const seq_block_stmt *stmt)
{
    (void)ctx;
    fake_block_stmt(out, "seqsim/proposal", stmt);
}

static void fake_vote_digest(void *ctx, seq_hash *out, const seq_block_stmt *stmt)
{
    (void)ctx;
    fake_block_stmt(out, "seqsim/vote", stmt);
}

static void fake_timeout_digest(void *ctx, seq_hash *out, const seq_timeout_stmt *stmt)
{
    (void)ctx;
    uint8_t buf[24];
    put_u64(buf, stmt->l2_chain_id);
    put_u64(buf + 8, stmt->view);
    put_u64(buf + 16, stmt->high_qc_view);
    fake_hash(out, "seqsim/timeout", buf, sizeof buf);
}

static void fake_sig(seq_sig *out, const uint8_t *secret, const seq_hash *digest)
{
    crypto_generichash(out->b, SIM_FAKE_SIG_BYTES, digest->b, SEQ_HASH_BYTES, secret,
                       SIM_SECRET_BYTES);
    out->b[SIM_FAKE_SIG_BYTES] = SIM_SIG_V;
}

static seq_err fake_sign(void *ctx, seq_sig *out, const seq_hash *digest)
{
    const sim_signer *s = ctx;
    fake_sig(out, secret_of(s->crypto, s->index), digest);
    return SEQ_OK;
}

static bool find_signer(const sim_crypto *c, size_t *index, const seq_addr *addr)
{
    for (size_t i = 0; i < c->n; i++) {
        if (seq_addr_equal(&c->addrs[i], addr)) {
            *index = i;
            return true;
        }
    }
    return false;
}

static bool fake_verify(void *ctx, const seq_addr *signer, const seq_sig *sig,
                        const seq_hash *digest)
{
    const sim_signer *s = ctx;
    size_t index = 0;
    if (!find_signer(s->crypto, &index, signer))
        return false;
    seq_sig expect;
    fake_sig(&expect, secret_of(s->crypto, index), digest);
    /* Signatures are public: a plain comparison is fine. */
    return memcmp(expect.b, sig->b, SEQ_SIG_BYTES) == 0;
}

/* ------------------------------------------------------------------ keys */

/* secret = BLAKE2b(label, seed, index, attempt): deterministic per seed. */
static void derive_secret(uint8_t *out, uint64_t seed, size_t index, uint32_t attempt)
{
    uint8_t in[20];
    put_u64(in, seed);
    put_u64(in + 8, index);
    for (size_t i = 0; i < 4; i++)
        in[16 + i] = (uint8_t)(attempt >> (8 * i));
    seq_hash h;
    fake_hash(&h, "seqsim/secret", in, sizeof in);
    memcpy(out, h.b, SIM_SECRET_BYTES);
    sodium_memzero(h.b, sizeof h.b);
}

static seq_err real_key(sim_crypto *c, const seq_hash *domain, uint64_t seed, size_t index)
{
    uint8_t *secret = c->secrets + index * SIM_SECRET_BYTES;
    for (uint32_t attempt = 0; attempt < SIM_KEY_ATTEMPTS; attempt++) {
        derive_secret(secret, seed, index, attempt);
        if (l1_secp_seckey_check(secret) != SEQ_OK)
            continue;
        seq_err err = l1_secp_address(&c->addrs[index], secret);
        if (err == SEQ_OK)
            err = node_cons_crypto_new(&c->real_ops[index], domain, secret);
        return err;
    }
    return SEQ_ERR_BAD_KEY;
}

static void fake_key(sim_crypto *c, uint64_t seed, size_t index)
{
    uint8_t *secret = c->secrets + index * SIM_SECRET_BYTES;
    derive_secret(secret, seed, index, 0);
    seq_hash h;
    fake_hash(&h, "seqsim/address", secret, SIM_SECRET_BYTES);
    memcpy(c->addrs[index].b, h.b, SEQ_ADDR_BYTES);
}

static seq_err make_keys(sim_crypto *c, uint64_t seed)
{
    seq_hash domain;
    seq_addr contract;
    memset(contract.b, 0x5e, sizeof contract.b);
    l1_eip712_domain_separator(&domain, L1_EIP712_NAME, L1_EIP712_VERSION, SIM_L1_CHAIN_ID,
                               &contract);
    for (size_t i = 0; i < c->n; i++) {
        c->signers[i] = (sim_signer){.crypto = c, .index = i};
        if (!c->real) {
            fake_key(c, seed, i);
            continue;
        }
        seq_err err = real_key(c, &domain, seed, i);
        if (err != SEQ_OK)
            return err;
    }
    return SEQ_OK;
}

seq_err sim_crypto_new(sim_crypto **out, uint64_t seed, size_t n, bool real)
{
    SEQ_ASSERT(out != NULL);
    SEQ_ASSERT(n >= 1 && n <= SIM_REPLICAS_MAX);
    *out = NULL;
    sim_crypto *c = calloc(1, sizeof *c);
    if (c == NULL)
        return SEQ_ERR_NO_MEMORY;
    c->real = real;
    c->n = n;
    c->secrets = sodium_malloc(n * SIM_SECRET_BYTES);
    seq_err err = SEQ_ERR_NO_MEMORY;
    if (c->secrets == NULL)
        goto fail;
    err = make_keys(c, seed);
    if (err != SEQ_OK)
        goto fail;
    *out = c;
    return SEQ_OK;
fail:
    sim_crypto_free(c);
    return err;
}

void sim_crypto_free(sim_crypto *c)
{
    if (c == NULL)
        return;
    if (c->secrets != NULL) {
        sodium_memzero(c->secrets, c->n * SIM_SECRET_BYTES);
        sodium_free(c->secrets);
    }
    for (size_t i = 0; i < c->n; i++)
        node_cons_crypto_free(c->real_ops[i]);
    free(c);
}

const seq_addr *sim_crypto_addr(const sim_crypto *c, size_t index)
{
    SEQ_ASSERT(c != NULL && index < c->n);
    return &c->addrs[index];
}

void sim_crypto_ops(sim_crypto *c, cons_ops *out, size_t index)
{
    SEQ_ASSERT(c != NULL && out != NULL);
    SEQ_ASSERT(index < c->n);
    if (c->real) {
        node_cons_crypto_ops(c->real_ops[index], out);
        return;
    }
    *out = (cons_ops){.ctx = &c->signers[index],
                      .block_hash = fake_block_hash,
                      .tx_root = fake_tx_root,
                      .proposal_digest = fake_proposal_digest,
                      .vote_digest = fake_vote_digest,
                      .timeout_digest = fake_timeout_digest,
                      .sign = fake_sign,
                      .verify = fake_verify};
}
