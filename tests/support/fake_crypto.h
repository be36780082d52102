/* fake_crypto.h — a fast stand-in for the consensus core's crypto, for
 * tests and benchmarks: BLAKE2b hashes and digests with distinct domains,
 * and a "signature" that is a hash of the digest keyed by the signer's
 * address (v = 27, so the wire codec accepts it). It tells signers and
 * digests apart; it is not unforgeable. */
#ifndef SEQ_TEST_FAKE_CRYPTO_H
#define SEQ_TEST_FAKE_CRYPTO_H

#include "consensus.h"

void test_fake_block_hash(void *ctx, seq_hash *out, const seq_block_header *h);
void test_fake_tx_root(void *ctx, seq_hash *out, const seq_bytes *txs, size_t count);
void test_fake_proposal_digest(void *ctx, seq_hash *out, const seq_block_stmt *s);
void test_fake_vote_digest(void *ctx, seq_hash *out, const seq_block_stmt *s);
void test_fake_timeout_digest(void *ctx, seq_hash *out, const seq_timeout_stmt *s);

/* The fake signature of digest by signer. */
void test_fake_sig(seq_sig *out, const seq_addr *signer, const seq_hash *digest);

/* An ops table signing as *self (borrowed for the table's lifetime). */
cons_ops test_fake_ops(seq_addr *self);

#endif /* SEQ_TEST_FAKE_CRYPTO_H */
