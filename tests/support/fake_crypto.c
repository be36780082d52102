/* fake_crypto.c — see fake_crypto.h. */
#include "fake_crypto.h"

#include <sodium.h>
#include <string.h>

static void fake_hash(seq_hash *out, const char *domain, const void *data, size_t len)
{
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, sizeof out->b);
    crypto_generichash_update(&st, (const uint8_t *)domain, strlen(domain));
    crypto_generichash_update(&st, data, len);
    crypto_generichash_final(&st, out->b, sizeof out->b);
}

void test_fake_block_hash(void *ctx, seq_hash *out, const seq_block_header *h)
{
    (void)ctx;
    fake_hash(out, "block", h, sizeof *h);
}

void test_fake_tx_root(void *ctx, seq_hash *out, const seq_bytes *txs, size_t count)
{
    (void)ctx;
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, sizeof out->b);
    for (size_t i = 0; i < count; i++) {
        uint64_t len = txs[i].len;
        crypto_generichash_update(&st, (const uint8_t *)&len, sizeof len);
        crypto_generichash_update(&st, txs[i].ptr, txs[i].len);
    }
    crypto_generichash_final(&st, out->b, sizeof out->b);
}

void test_fake_proposal_digest(void *ctx, seq_hash *out, const seq_block_stmt *s)
{
    (void)ctx;
    fake_hash(out, "proposal", s, sizeof *s);
}

void test_fake_vote_digest(void *ctx, seq_hash *out, const seq_block_stmt *s)
{
    (void)ctx;
    fake_hash(out, "vote", s, sizeof *s);
}

void test_fake_timeout_digest(void *ctx, seq_hash *out, const seq_timeout_stmt *s)
{
    (void)ctx;
    fake_hash(out, "timeout", s, sizeof *s);
}

void test_fake_sig(seq_sig *out, const seq_addr *signer, const seq_hash *digest)
{
    memset(out, 0, sizeof *out);
    crypto_generichash(out->b, 64, digest->b, sizeof digest->b, signer->b, sizeof signer->b);
    out->b[64] = 27;
}

static seq_err fake_sign(void *ctx, seq_sig *out, const seq_hash *digest)
{
    test_fake_sig(out, ctx, digest);
    return SEQ_OK;
}

static bool fake_verify(void *ctx, const seq_addr *signer, const seq_sig *sig,
                        const seq_hash *digest)
{
    (void)ctx;
    seq_sig want;
    test_fake_sig(&want, signer, digest);
    return memcmp(&want, sig, sizeof want) == 0;
}

cons_ops test_fake_ops(seq_addr *self)
{
    return (cons_ops){.ctx = self,
                      .block_hash = test_fake_block_hash,
                      .tx_root = test_fake_tx_root,
                      .proposal_digest = test_fake_proposal_digest,
                      .vote_digest = test_fake_vote_digest,
                      .timeout_digest = test_fake_timeout_digest,
                      .sign = fake_sign,
                      .verify = fake_verify};
}
