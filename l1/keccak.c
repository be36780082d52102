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

/* Round constants of the iota step, RC[i] for round i. */
static const uint64_t keccak_round_constants[KECCAK_ROUNDS] = {
    0x0000000000000001ULL, 0x0000000000008082ULL, 0x800000000000808aULL, 0x8000000080008000ULL,
    0x000000000000808bULL, 0x0000000080000001ULL, 0x8000000080008081ULL, 0x8000000000008009ULL,
    0x000000000000008aULL, 0x0000000000000088ULL, 0x0000000080008009ULL, 0x000000008000000aULL,
    0x000000008000808bULL, 0x800000000000008bULL, 0x8000000000008089ULL, 0x8000000000008003ULL,
    0x8000000000008002ULL, 0x8000000000000080ULL, 0x000000000000800aULL, 0x800000008000000aULL,
    0x8000000080008081ULL, 0x8000000000008080ULL, 0x0000000080000001ULL, 0x8000000080008008ULL,
};

/* Rotation offsets of the rho step, indexed like the state (x + 5*y). */
static const unsigned keccak_rho_offsets[25] = {
    0,  1,  62, 28, 27, /* y = 0 */
    36, 44, 6,  55, 20, /* y = 1 */
    3,  10, 43, 25, 39, /* y = 2 */
    41, 45, 15, 21, 8,  /* y = 3 */
    18, 2,  61, 56, 14, /* y = 4 */
};

/* pi moves lane (x, y) to (y, 2x + 3y mod 5); indexed like the state. */
static const unsigned char keccak_pi_dest[25] = {
    0,  10, 20, 5,  15, /* y = 0 */
    16, 1,  11, 21, 6,  /* y = 1 */
    7,  17, 2,  12, 22, /* y = 2 */
    23, 8,  18, 3,  13, /* y = 3 */
    14, 24, 9,  19, 4,  /* y = 4 */
};

/* Rotation by 0..63; the masks keep n = 0 defined without a branch. */
static uint64_t keccak_rotl(uint64_t v, unsigned n)
{
    return (v << (n & 63)) | (v >> ((64 - n) & 63));
}

static void keccak_theta(uint64_t a[25])
{
    uint64_t c[5], d[5];
    for (unsigned x = 0; x < 5; x++)
        c[x] = a[x] ^ a[x + 5] ^ a[x + 10] ^ a[x + 15] ^ a[x + 20];
    d[0] = c[4] ^ keccak_rotl(c[1], 1);
    d[1] = c[0] ^ keccak_rotl(c[2], 1);
    d[2] = c[1] ^ keccak_rotl(c[3], 1);
    d[3] = c[2] ^ keccak_rotl(c[4], 1);
    d[4] = c[3] ^ keccak_rotl(c[0], 1);
    for (unsigned y = 0; y < 25; y += 5) {
        for (unsigned x = 0; x < 5; x++)
            a[y + x] ^= d[x];
    }
}

/* rho and pi together: B[y, 2x + 3y] = rotl(A[x, y], r[x, y]). The
 * destination of each lane is computed once into a table. */
static void keccak_rho_pi(uint64_t b[25], const uint64_t a[25])
{
    for (unsigned i = 0; i < 25; i++)
        b[keccak_pi_dest[i]] = keccak_rotl(a[i], keccak_rho_offsets[i]);
}

/* chi, one row (fixed y) at a time: A[x] = B[x] ^ (~B[x+1] & B[x+2]). */
static void keccak_chi(uint64_t a[25], const uint64_t b[25])
{
    for (unsigned y = 0; y < 25; y += 5) {
        const uint64_t *r = b + y;
        a[y + 0] = r[0] ^ (~r[1] & r[2]);
        a[y + 1] = r[1] ^ (~r[2] & r[3]);
        a[y + 2] = r[2] ^ (~r[3] & r[4]);
        a[y + 3] = r[3] ^ (~r[4] & r[0]);
        a[y + 4] = r[4] ^ (~r[0] & r[1]);
    }
}

static void keccak_f1600(uint64_t a[25])
{
    uint64_t b[25];
    for (unsigned round = 0; round < KECCAK_ROUNDS; round++) {
        keccak_theta(a);
        keccak_rho_pi(b, a);
        keccak_chi(a, b);
        a[0] ^= keccak_round_constants[round];
    }
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
    /* The tail starts a new block. */
    for (size_t i = 0; i < len; i++)
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
