/* keccak.c — Keccak-256 (Keccak-f[1600], rate 1088 bits, capacity 512 bits)
 * with the original Keccak padding Ethereum uses: a 0x01 byte after the
 * message, 0x80 in the last byte of the block (both in one byte when they
 * coincide).
 *
 * The state is 25 lanes of 64 bits, lane (x, y) at index x + 5*y. Bytes are
 * absorbed into lanes little-endian, as the specification orders them. */
#include <string.h>

#include <sodium.h>

#include "l1.h"

#define KECCAK_RATE_BYTES 136
#define KECCAK_ROUNDS     24

_Static_assert(KECCAK_RATE_BYTES % 8 == 0, "the rate is a whole number of lanes");
_Static_assert(KECCAK_ROUNDS % 2 == 0, "keccak_f1600 runs two rounds per turn");

/* Round constants of the iota step, RC[i] for round i. */
static const uint64_t keccak_round_constants[KECCAK_ROUNDS] = {
    0x0000000000000001ULL, 0x0000000000008082ULL, 0x800000000000808aULL, 0x8000000080008000ULL,
    0x000000000000808bULL, 0x0000000080000001ULL, 0x8000000080008081ULL, 0x8000000000008009ULL,
    0x000000000000008aULL, 0x0000000000000088ULL, 0x0000000080008009ULL, 0x000000008000000aULL,
    0x000000008000808bULL, 0x800000000000008bULL, 0x8000000000008089ULL, 0x8000000000008003ULL,
    0x8000000000008002ULL, 0x8000000000000080ULL, 0x000000000000800aULL, 0x800000008000000aULL,
    0x8000000080008081ULL, 0x8000000000008080ULL, 0x0000000080000001ULL, 0x8000000080008008ULL,
};

/* Rotation by a constant 1..63 (the one lane rotated by 0 is not
 * rotated at all). Compilers turn this into a single rotate. */
#define KECCAK_ROL(v, n) (((v) << (n)) | ((v) >> (64 - (n))))

/* One round, fully unrolled over the 25 lanes, which live in local
 * variables: lane (x, y) is a<x><y> (or e<x><y>). The round is
 *
 *   theta  c[x] = xor of column x;  d[x] = c[x-1] ^ rotl(c[x+1], 1);
 *          every lane of column x is xored with d[x]
 *   rho    lane (x, y) is rotated by its offset r[x, y] (FIPS 202, 3.2.2)
 *   pi     lane (x, y) moves to (y, 2x + 3y mod 5)
 *   chi    out[x, y] = b[x, y] ^ (~b[x+1, y] & b[x+2, y])
 *   iota   out[0, 0] ^= the round constant
 *
 * computed one output row at a time: output row y gathers, for x = 0..4,
 * the input lane (3 (y - 3x) mod 5, x) after theta, rho and pi into
 * b0..b4, then chi writes the row. Theta's xor is folded into the gather,
 * so each input lane is read once per round. Two macros, A -> E and
 * E -> A, let two rounds run per loop turn without copying the state. */
#define KECCAK_ROUND_A_TO_E(rc)                                \
    /* theta: column parities and their effect */              \
    c0 = a00 ^ a01 ^ a02 ^ a03 ^ a04;                          \
    c1 = a10 ^ a11 ^ a12 ^ a13 ^ a14;                          \
    c2 = a20 ^ a21 ^ a22 ^ a23 ^ a24;                          \
    c3 = a30 ^ a31 ^ a32 ^ a33 ^ a34;                          \
    c4 = a40 ^ a41 ^ a42 ^ a43 ^ a44;                          \
    d0 = c4 ^ KECCAK_ROL(c1, 1);                               \
    d1 = c0 ^ KECCAK_ROL(c2, 1);                               \
    d2 = c1 ^ KECCAK_ROL(c3, 1);                               \
    d3 = c2 ^ KECCAK_ROL(c4, 1);                               \
    d4 = c3 ^ KECCAK_ROL(c0, 1);                               \
    /* output row y = 0: rho and pi gather it, chi mixes it */ \
    b0 = a00 ^ d0;                                             \
    b1 = KECCAK_ROL(a11 ^ d1, 44);                             \
    b2 = KECCAK_ROL(a22 ^ d2, 43);                             \
    b3 = KECCAK_ROL(a33 ^ d3, 21);                             \
    b4 = KECCAK_ROL(a44 ^ d4, 14);                             \
    e00 = b0 ^ (~b1 & b2);                                     \
    e10 = b1 ^ (~b2 & b3);                                     \
    e20 = b2 ^ (~b3 & b4);                                     \
    e30 = b3 ^ (~b4 & b0);                                     \
    e40 = b4 ^ (~b0 & b1);                                     \
    /* output row y = 1: rho and pi gather it, chi mixes it */ \
    b0 = KECCAK_ROL(a30 ^ d3, 28);                             \
    b1 = KECCAK_ROL(a41 ^ d4, 20);                             \
    b2 = KECCAK_ROL(a02 ^ d0, 3);                              \
    b3 = KECCAK_ROL(a13 ^ d1, 45);                             \
    b4 = KECCAK_ROL(a24 ^ d2, 61);                             \
    e01 = b0 ^ (~b1 & b2);                                     \
    e11 = b1 ^ (~b2 & b3);                                     \
    e21 = b2 ^ (~b3 & b4);                                     \
    e31 = b3 ^ (~b4 & b0);                                     \
    e41 = b4 ^ (~b0 & b1);                                     \
    /* output row y = 2: rho and pi gather it, chi mixes it */ \
    b0 = KECCAK_ROL(a10 ^ d1, 1);                              \
    b1 = KECCAK_ROL(a21 ^ d2, 6);                              \
    b2 = KECCAK_ROL(a32 ^ d3, 25);                             \
    b3 = KECCAK_ROL(a43 ^ d4, 8);                              \
    b4 = KECCAK_ROL(a04 ^ d0, 18);                             \
    e02 = b0 ^ (~b1 & b2);                                     \
    e12 = b1 ^ (~b2 & b3);                                     \
    e22 = b2 ^ (~b3 & b4);                                     \
    e32 = b3 ^ (~b4 & b0);                                     \
    e42 = b4 ^ (~b0 & b1);                                     \
    /* output row y = 3: rho and pi gather it, chi mixes it */ \
    b0 = KECCAK_ROL(a40 ^ d4, 27);                             \
    b1 = KECCAK_ROL(a01 ^ d0, 36);                             \
    b2 = KECCAK_ROL(a12 ^ d1, 10);                             \
    b3 = KECCAK_ROL(a23 ^ d2, 15);                             \
    b4 = KECCAK_ROL(a34 ^ d3, 56);                             \
    e03 = b0 ^ (~b1 & b2);                                     \
    e13 = b1 ^ (~b2 & b3);                                     \
    e23 = b2 ^ (~b3 & b4);                                     \
    e33 = b3 ^ (~b4 & b0);                                     \
    e43 = b4 ^ (~b0 & b1);                                     \
    /* output row y = 4: rho and pi gather it, chi mixes it */ \
    b0 = KECCAK_ROL(a20 ^ d2, 62);                             \
    b1 = KECCAK_ROL(a31 ^ d3, 55);                             \
    b2 = KECCAK_ROL(a42 ^ d4, 39);                             \
    b3 = KECCAK_ROL(a03 ^ d0, 41);                             \
    b4 = KECCAK_ROL(a14 ^ d1, 2);                              \
    e04 = b0 ^ (~b1 & b2);                                     \
    e14 = b1 ^ (~b2 & b3);                                     \
    e24 = b2 ^ (~b3 & b4);                                     \
    e34 = b3 ^ (~b4 & b0);                                     \
    e44 = b4 ^ (~b0 & b1);                                     \
    e00 ^= (rc)

#define KECCAK_ROUND_E_TO_A(rc)                                \
    /* theta: column parities and their effect */              \
    c0 = e00 ^ e01 ^ e02 ^ e03 ^ e04;                          \
    c1 = e10 ^ e11 ^ e12 ^ e13 ^ e14;                          \
    c2 = e20 ^ e21 ^ e22 ^ e23 ^ e24;                          \
    c3 = e30 ^ e31 ^ e32 ^ e33 ^ e34;                          \
    c4 = e40 ^ e41 ^ e42 ^ e43 ^ e44;                          \
    d0 = c4 ^ KECCAK_ROL(c1, 1);                               \
    d1 = c0 ^ KECCAK_ROL(c2, 1);                               \
    d2 = c1 ^ KECCAK_ROL(c3, 1);                               \
    d3 = c2 ^ KECCAK_ROL(c4, 1);                               \
    d4 = c3 ^ KECCAK_ROL(c0, 1);                               \
    /* output row y = 0: rho and pi gather it, chi mixes it */ \
    b0 = e00 ^ d0;                                             \
    b1 = KECCAK_ROL(e11 ^ d1, 44);                             \
    b2 = KECCAK_ROL(e22 ^ d2, 43);                             \
    b3 = KECCAK_ROL(e33 ^ d3, 21);                             \
    b4 = KECCAK_ROL(e44 ^ d4, 14);                             \
    a00 = b0 ^ (~b1 & b2);                                     \
    a10 = b1 ^ (~b2 & b3);                                     \
    a20 = b2 ^ (~b3 & b4);                                     \
    a30 = b3 ^ (~b4 & b0);                                     \
    a40 = b4 ^ (~b0 & b1);                                     \
    /* output row y = 1: rho and pi gather it, chi mixes it */ \
    b0 = KECCAK_ROL(e30 ^ d3, 28);                             \
    b1 = KECCAK_ROL(e41 ^ d4, 20);                             \
    b2 = KECCAK_ROL(e02 ^ d0, 3);                              \
    b3 = KECCAK_ROL(e13 ^ d1, 45);                             \
    b4 = KECCAK_ROL(e24 ^ d2, 61);                             \
    a01 = b0 ^ (~b1 & b2);                                     \
    a11 = b1 ^ (~b2 & b3);                                     \
    a21 = b2 ^ (~b3 & b4);                                     \
    a31 = b3 ^ (~b4 & b0);                                     \
    a41 = b4 ^ (~b0 & b1);                                     \
    /* output row y = 2: rho and pi gather it, chi mixes it */ \
    b0 = KECCAK_ROL(e10 ^ d1, 1);                              \
    b1 = KECCAK_ROL(e21 ^ d2, 6);                              \
    b2 = KECCAK_ROL(e32 ^ d3, 25);                             \
    b3 = KECCAK_ROL(e43 ^ d4, 8);                              \
    b4 = KECCAK_ROL(e04 ^ d0, 18);                             \
    a02 = b0 ^ (~b1 & b2);                                     \
    a12 = b1 ^ (~b2 & b3);                                     \
    a22 = b2 ^ (~b3 & b4);                                     \
    a32 = b3 ^ (~b4 & b0);                                     \
    a42 = b4 ^ (~b0 & b1);                                     \
    /* output row y = 3: rho and pi gather it, chi mixes it */ \
    b0 = KECCAK_ROL(e40 ^ d4, 27);                             \
    b1 = KECCAK_ROL(e01 ^ d0, 36);                             \
    b2 = KECCAK_ROL(e12 ^ d1, 10);                             \
    b3 = KECCAK_ROL(e23 ^ d2, 15);                             \
    b4 = KECCAK_ROL(e34 ^ d3, 56);                             \
    a03 = b0 ^ (~b1 & b2);                                     \
    a13 = b1 ^ (~b2 & b3);                                     \
    a23 = b2 ^ (~b3 & b4);                                     \
    a33 = b3 ^ (~b4 & b0);                                     \
    a43 = b4 ^ (~b0 & b1);                                     \
    /* output row y = 4: rho and pi gather it, chi mixes it */ \
    b0 = KECCAK_ROL(e20 ^ d2, 62);                             \
    b1 = KECCAK_ROL(e31 ^ d3, 55);                             \
    b2 = KECCAK_ROL(e42 ^ d4, 39);                             \
    b3 = KECCAK_ROL(e03 ^ d0, 41);                             \
    b4 = KECCAK_ROL(e14 ^ d1, 2);                              \
    a04 = b0 ^ (~b1 & b2);                                     \
    a14 = b1 ^ (~b2 & b3);                                     \
    a24 = b2 ^ (~b3 & b4);                                     \
    a34 = b3 ^ (~b4 & b0);                                     \
    a44 = b4 ^ (~b0 & b1);                                     \
    a00 ^= (rc)

/* Keccak-f[1600] on the 25 lanes, indexed x + 5*y. */
static void keccak_f1600(uint64_t s[25])
{
    uint64_t a00 = s[0], a10 = s[1], a20 = s[2], a30 = s[3], a40 = s[4];
    uint64_t a01 = s[5], a11 = s[6], a21 = s[7], a31 = s[8], a41 = s[9];
    uint64_t a02 = s[10], a12 = s[11], a22 = s[12], a32 = s[13], a42 = s[14];
    uint64_t a03 = s[15], a13 = s[16], a23 = s[17], a33 = s[18], a43 = s[19];
    uint64_t a04 = s[20], a14 = s[21], a24 = s[22], a34 = s[23], a44 = s[24];
    uint64_t e00, e10, e20, e30, e40, e01, e11, e21, e31, e41, e02, e12, e22, e32, e42;
    uint64_t e03, e13, e23, e33, e43, e04, e14, e24, e34, e44;
    uint64_t b0, b1, b2, b3, b4, c0, c1, c2, c3, c4, d0, d1, d2, d3, d4;
    for (unsigned round = 0; round < KECCAK_ROUNDS; round += 2) {
        KECCAK_ROUND_A_TO_E(keccak_round_constants[round]);
        KECCAK_ROUND_E_TO_A(keccak_round_constants[round + 1]);
    }
    s[0] = a00, s[1] = a10, s[2] = a20, s[3] = a30, s[4] = a40;
    s[5] = a01, s[6] = a11, s[7] = a21, s[8] = a31, s[9] = a41;
    s[10] = a02, s[11] = a12, s[12] = a22, s[13] = a32, s[14] = a42;
    s[15] = a03, s[16] = a13, s[17] = a23, s[18] = a33, s[19] = a43;
    s[20] = a04, s[21] = a14, s[22] = a24, s[23] = a34, s[24] = a44;
}

static uint64_t keccak_load64_le(const uint8_t *p)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < 8; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

static void keccak_xor_byte(uint64_t state[25], size_t pos, uint8_t byte)
{
    state[pos / 8] ^= (uint64_t)byte << (8 * (pos % 8));
}

void l1_keccak_init(l1_keccak_ctx *ctx)
{
    SEQ_ASSERT(ctx != NULL);
    memset(ctx, 0, sizeof(*ctx));
}

void l1_keccak_update(l1_keccak_ctx *ctx, const uint8_t *data, size_t len)
{
    SEQ_ASSERT(ctx != NULL);
    SEQ_ASSERT(data != NULL || len == 0);
    SEQ_ASSERT(ctx->absorbed < KECCAK_RATE_BYTES);

    /* Fill a partly absorbed block byte by byte. */
    while (len > 0 && ctx->absorbed != 0) {
        keccak_xor_byte(ctx->state, ctx->absorbed, *data);
        data++;
        len--;
        if (++ctx->absorbed == KECCAK_RATE_BYTES) {
            keccak_f1600(ctx->state);
            ctx->absorbed = 0;
        }
    }
    /* Whole blocks, a lane at a time. */
    while (len >= KECCAK_RATE_BYTES) {
        for (size_t lane = 0; lane < KECCAK_RATE_BYTES / 8; lane++)
            ctx->state[lane] ^= keccak_load64_le(data + 8 * lane);
        keccak_f1600(ctx->state);
        data += KECCAK_RATE_BYTES;
        len -= KECCAK_RATE_BYTES;
    }
    /* The tail starts a new block: whole lanes, then bytes. */
    SEQ_ASSERT(ctx->absorbed == 0 || len == 0);
    size_t i = 0;
    for (; i + 8 <= len; i += 8)
        ctx->state[i / 8] ^= keccak_load64_le(data + i);
    for (; i < len; i++)
        keccak_xor_byte(ctx->state, i, data[i]);
    ctx->absorbed += len;
}

void l1_keccak_final(l1_keccak_ctx *ctx, seq_hash *out)
{
    SEQ_ASSERT(ctx != NULL);
    SEQ_ASSERT(out != NULL);
    SEQ_ASSERT(ctx->absorbed < KECCAK_RATE_BYTES);

    keccak_xor_byte(ctx->state, ctx->absorbed, 0x01);
    keccak_xor_byte(ctx->state, KECCAK_RATE_BYTES - 1, 0x80);
    keccak_f1600(ctx->state);
    for (size_t i = 0; i < SEQ_HASH_BYTES; i++)
        out->b[i] = (uint8_t)(ctx->state[i / 8] >> (8 * (i % 8)));
    sodium_memzero(ctx, sizeof(*ctx));
}

void l1_keccak256(seq_hash *out, const uint8_t *data, size_t len)
{
    l1_keccak_ctx ctx;
    l1_keccak_init(&ctx);
    l1_keccak_update(&ctx, data, len);
    l1_keccak_final(&ctx, out);
}
