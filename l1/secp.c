/* secp.c — secp256k1 keys and recoverable ECDSA signatures (libsecp256k1).
 *
 * One process-wide context, created and blinded with a random seed on first
 * use. After creation it is only read, which libsecp256k1 allows from many
 * threads at once. */
#include <pthread.h>
#include <string.h>

#include <secp256k1.h>
#include <secp256k1_recovery.h>
#include <sodium.h>

#include "l1.h"

#define SECP_V_BASE 27

/* n / 2 (rounded down), n being the order of the secp256k1 group. A
 * signature is low-s when s <= n / 2. */
static const uint8_t secp_half_order[32] = {
    0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0x5d, 0x57, 0x6e, 0x73, 0x57, 0xa4, 0x50, 0x1d, 0xdf, 0xe9, 0x2f, 0x46, 0x68, 0x1b, 0x20, 0xa0,
};

static pthread_once_t secp_once = PTHREAD_ONCE_INIT;
static secp256k1_context *secp_ctx;

static void secp_context_create(void)
{
    if (sodium_init() < 0)
        return;
    secp256k1_context *ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
    if (ctx == NULL)
        return;
    uint8_t seed[32];
    randombytes_buf(seed, sizeof(seed));
    int ok = secp256k1_context_randomize(ctx, seed);
    sodium_memzero(seed, sizeof(seed));
    if (!ok) {
        secp256k1_context_destroy(ctx);
        return;
    }
    secp_ctx = ctx;
}

/* The shared context, or NULL if it could not be created (out of memory or
 * no randomness at startup); callers report SEQ_ERR_INTERNAL then. */
static const secp256k1_context *secp_context(void)
{
    int rc = pthread_once(&secp_once, secp_context_create);
    SEQ_ASSERT(rc == 0);
    return secp_ctx;
}

static bool secp_is_zero(const uint8_t *p, size_t len)
{
    uint8_t acc = 0;
    for (size_t i = 0; i < len; i++)
        acc |= p[i];
    return acc == 0;
}

static bool secp_is_high_s(const uint8_t s[32])
{
    return memcmp(s, secp_half_order, sizeof(secp_half_order)) > 0;
}

seq_err l1_secp_seckey_check(const uint8_t seckey[32])
{
    SEQ_ASSERT(seckey != NULL);
    const secp256k1_context *ctx = secp_context();
    if (ctx == NULL)
        return SEQ_ERR_INTERNAL;
    return secp256k1_ec_seckey_verify(ctx, seckey) ? SEQ_OK : SEQ_ERR_BAD_KEY;
}

/* Serialises a parsed public key as X || Y. */
static void secp_pubkey_raw(uint8_t out[64], const secp256k1_context *ctx,
                            const secp256k1_pubkey *pk)
{
    uint8_t full[65];
    size_t full_len = sizeof(full);
    int ok = secp256k1_ec_pubkey_serialize(ctx, full, &full_len, pk, SECP256K1_EC_UNCOMPRESSED);
    SEQ_ASSERT(ok == 1);
    SEQ_ASSERT(full_len == sizeof(full) && full[0] == 0x04);
    memcpy(out, full + 1, 64);
}

seq_err l1_secp_pubkey(uint8_t pubkey[64], const uint8_t seckey[32])
{
    SEQ_ASSERT(pubkey != NULL);
    SEQ_ASSERT(seckey != NULL);
    memset(pubkey, 0, 64);
    const secp256k1_context *ctx = secp_context();
    if (ctx == NULL)
        return SEQ_ERR_INTERNAL;
    secp256k1_pubkey pk;
    if (!secp256k1_ec_pubkey_create(ctx, &pk, seckey))
        return SEQ_ERR_BAD_KEY;
    secp_pubkey_raw(pubkey, ctx, &pk);
    return SEQ_OK;
}

void l1_pubkey_address(seq_addr *out, const uint8_t pubkey[64])
{
    SEQ_ASSERT(out != NULL);
    SEQ_ASSERT(pubkey != NULL);
    seq_hash h;
    l1_keccak256(&h, pubkey, 64);
    memcpy(out->b, h.b + SEQ_HASH_BYTES - SEQ_ADDR_BYTES, SEQ_ADDR_BYTES);
}

seq_err l1_secp_address(seq_addr *out, const uint8_t seckey[32])
{
    SEQ_ASSERT(out != NULL);
    memset(out, 0, sizeof(*out));
    uint8_t pubkey[64];
    seq_err err = l1_secp_pubkey(pubkey, seckey);
    if (err != SEQ_OK)
        return err;
    l1_pubkey_address(out, pubkey);
    return SEQ_OK;
}

seq_err l1_secp_sign(seq_sig *out, const uint8_t seckey[32], const seq_hash *digest)
{
    SEQ_ASSERT(out != NULL);
    SEQ_ASSERT(seckey != NULL);
    SEQ_ASSERT(digest != NULL);
    memset(out, 0, sizeof(*out));
    const secp256k1_context *ctx = secp_context();
    if (ctx == NULL)
        return SEQ_ERR_INTERNAL;

    /* NULL nonce function: RFC 6979, deterministic (libsecp256k1 >= 0.2
     * reduces the digest mod n for the nonce, as RFC 6979's bits2octets
     * requires). */
    secp256k1_ecdsa_recoverable_signature sig;
    if (!secp256k1_ecdsa_sign_recoverable(ctx, &sig, digest->b, seckey, NULL, NULL))
        return SEQ_ERR_BAD_KEY;
    int recid = -1;
    int ok = secp256k1_ecdsa_recoverable_signature_serialize_compact(ctx, out->b, &recid, &sig);
    SEQ_ASSERT(ok == 1);
    SEQ_ASSERT(!secp_is_high_s(out->b + 32));
    if (recid != 0 && recid != 1) {
        /* R.x >= n (probability about 2^-127): v cannot express it. */
        memset(out, 0, sizeof(*out));
        return SEQ_ERR_INTERNAL;
    }
    out->b[64] = (uint8_t)(SECP_V_BASE + recid);
    return SEQ_OK;
}

/* Parses r || s || v strictly (see l1_secp_recover). */
static seq_err secp_parse_strict(secp256k1_ecdsa_recoverable_signature *out,
                                 const secp256k1_context *ctx, const seq_sig *sig)
{
    uint8_t v = sig->b[64];
    if (v != SECP_V_BASE && v != SECP_V_BASE + 1)
        return SEQ_ERR_BAD_SIGNATURE;
    if (secp_is_zero(sig->b, 32) || secp_is_zero(sig->b + 32, 32))
        return SEQ_ERR_BAD_SIGNATURE;
    /* Rejects r >= n and s >= n. */
    if (!secp256k1_ecdsa_recoverable_signature_parse_compact(ctx, out, sig->b, v - SECP_V_BASE))
        return SEQ_ERR_BAD_SIGNATURE;
    if (secp_is_high_s(sig->b + 32))
        return SEQ_ERR_HIGH_S;
    return SEQ_OK;
}

seq_err l1_secp_recover(seq_addr *out, const seq_sig *sig, const seq_hash *digest)
{
    SEQ_ASSERT(out != NULL);
    SEQ_ASSERT(sig != NULL);
    SEQ_ASSERT(digest != NULL);
    memset(out, 0, sizeof(*out));
    const secp256k1_context *ctx = secp_context();
    if (ctx == NULL)
        return SEQ_ERR_INTERNAL;

    secp256k1_ecdsa_recoverable_signature parsed;
    seq_err err = secp_parse_strict(&parsed, ctx, sig);
    if (err != SEQ_OK)
        return err;
    secp256k1_pubkey pk;
    if (!secp256k1_ecdsa_recover(ctx, &pk, &parsed, digest->b))
        return SEQ_ERR_BAD_SIGNATURE;
    uint8_t pubkey[64];
    secp_pubkey_raw(pubkey, ctx, &pk);
    l1_pubkey_address(out, pubkey);
    return SEQ_OK;
}

seq_err l1_secp_verify(const seq_sig *sig, const seq_hash *digest, const seq_addr *signer)
{
    SEQ_ASSERT(signer != NULL);
    seq_addr recovered;
    seq_err err = l1_secp_recover(&recovered, sig, digest);
    if (err != SEQ_OK)
        return err;
    return seq_addr_equal(&recovered, signer) ? SEQ_OK : SEQ_ERR_BAD_SIGNATURE;
}
