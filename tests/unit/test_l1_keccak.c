/* Keccak-256: published vectors, block-boundary lengths, and streaming in
 * arbitrary splits against the one-shot form. */
/* cmocka needs these headers before its own, in this order. */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "l1.h"
#include "test_rng.h"

static void assert_hash_hex(const seq_hash *h, const char *hex)
{
    seq_hash want;
    assert_int_equal(l1_hex_decode_exact(want.b, sizeof(want.b), hex), SEQ_OK);
    if (!seq_hash_equal(h, &want)) {
        char got[67];
        assert_int_equal(l1_hex_encode(got, sizeof(got), h->b, sizeof(h->b)), SEQ_OK);
        fail_msg("keccak mismatch: got %s want %s", got, hex);
    }
}

static void hash_repeated(seq_hash *out, uint8_t byte, size_t count)
{
    uint8_t chunk[1000];
    memset(chunk, byte, sizeof(chunk));
    l1_keccak_ctx ctx;
    l1_keccak_init(&ctx);
    while (count > 0) {
        size_t n = SEQ_MIN(count, sizeof(chunk));
        l1_keccak_update(&ctx, chunk, n);
        count -= n;
    }
    l1_keccak_final(&ctx, out);
}

static void test_published_vectors(void **state)
{
    (void)state;
    seq_hash h;
    l1_keccak256(&h, NULL, 0);
    assert_hash_hex(&h, "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");
    l1_keccak256(&h, (const uint8_t *)"abc", 3);
    assert_hash_hex(&h, "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45");
    const char *fox = "The quick brown fox jumps over the lazy dog";
    l1_keccak256(&h, (const uint8_t *)fox, strlen(fox));
    assert_hash_hex(&h, "4d741b6f1eb29cb2a9b9911c82f56fa8d73b04959d3d9d222895df6c0b28aa15");
    /* One million 'a': 7353 blocks, many of them absorbed lane-wise. */
    hash_repeated(&h, 'a', 1000000);
    assert_hash_hex(&h, "fadae6b49f129bbb812be8407b7b2894f34aecf6dbd1f9b0f0c7e9853098fc96");
}

/* Lengths around the 136-byte rate: the padding bytes 0x01 and 0x80 share
 * the last byte at 135, and 136 needs a whole padding block. Reference
 * values from an independent implementation (Foundry's cast keccak). */
static void test_block_boundaries(void **state)
{
    (void)state;
    static const struct {
        size_t len;
        const char *hex;
    } cases[] = {
        {135, "34367dc248bbd832f4e3e69dfaac2f92638bd0bbd18f2912ba4ef454919cf446"},
        {136, "a6c4d403279fe3e0af03729caada8374b5ca54d8065329a3ebcaeb4b60aa386e"},
        {137, "d869f639c7046b4929fc92a4d988a8b22c55fbadb802c0c66ebcd484f1915f39"},
        {272, "cf7fcd4f705ee749930d19ca84561a9bf62516bd90a471545fa2f49fdc7e63c8"},
        {1000, "b6a4ac1f51884d71f30fa397a5e155de3099e11fc0edef5d08b646e621e19de9"},
    };
    for (size_t i = 0; i < SEQ_ARRAY_LEN(cases); i++) {
        uint8_t msg[1000];
        memset(msg, 'a', cases[i].len);
        seq_hash h;
        l1_keccak256(&h, msg, cases[i].len);
        assert_hash_hex(&h, cases[i].hex);
        hash_repeated(&h, 'a', cases[i].len);
        assert_hash_hex(&h, cases[i].hex);
    }
}

/* Lengths whose tail is whole lanes plus 0..7 bytes, over one to eight
 * blocks, of the bytes (7i + 3) mod 256 (not one repeated byte, so a lane
 * absorbed in the wrong place shows). Reference values from Foundry's
 * cast keccak. */
static void test_patterned_lengths(void **state)
{
    (void)state;
    static const struct {
        size_t len;
        const char *hex;
    } cases[] = {
        {8, "ad894215c2106b9dfa2c04022025509974a5eb20b9f4cd27ca716967542ecf6e"},
        {143, "6cd157df2e0156134b4e3f16bd8eeea0fc1f7f3504f1380a06ff94b54142be95"},
        {200, "66d2cdf3ab4c5bd3c75add9b60b14ac5b7789534fa2da3f348853b847359a3a0"},
        {265, "09ae22595f8c6435a20e72cfc1b697e13e881c4746adcf5c82baed400e8daf1e"},
        {280, "cf7162a3d0f8fd204e4d5094f735b90eea7d25d1c66130eb35546c7e09fceaa6"},
        {409, "9ae9ac74fbbcdffdbef67825dfadedfcef4d0b2d3dde7a763d61fb5f96219419"},
        {1024, "659d180a9c2d3536b18946e40dc0bac856f2c03d8cd7b4be2d0af097d854a29b"},
    };
    uint8_t msg[1024];
    for (size_t i = 0; i < sizeof msg; i++)
        msg[i] = (uint8_t)((i * 7 + 3) % 256);
    for (size_t i = 0; i < SEQ_ARRAY_LEN(cases); i++) {
        seq_hash h;
        l1_keccak256(&h, msg, cases[i].len);
        assert_hash_hex(&h, cases[i].hex);
        /* The same in two parts: a partial lane, then the rest. */
        l1_keccak_ctx ctx;
        l1_keccak_init(&ctx);
        l1_keccak_update(&ctx, msg, 5);
        l1_keccak_update(&ctx, msg + 5, cases[i].len - 5);
        l1_keccak_final(&ctx, &h);
        assert_hash_hex(&h, cases[i].hex);
    }
}

/* Every length up to three blocks, fed one byte at a time. */
static void test_bytewise_equals_oneshot(void **state)
{
    (void)state;
    rng_seed("bytewise");
    uint8_t msg[3 * 136 + 8];
    for (size_t i = 0; i < sizeof(msg); i++)
        msg[i] = (uint8_t)rng_next();
    for (size_t len = 0; len <= sizeof(msg); len++) {
        seq_hash one, streamed;
        l1_keccak256(&one, msg, len);
        l1_keccak_ctx ctx;
        l1_keccak_init(&ctx);
        for (size_t i = 0; i < len; i++) {
            l1_keccak_update(&ctx, msg + i, 1);
            assert_true(ctx.absorbed == (i + 1) % 136);
        }
        l1_keccak_update(&ctx, NULL, 0);
        l1_keccak_final(&ctx, &streamed);
        assert_true(seq_hash_equal(&one, &streamed));
    }
}

static void test_random_splits(void **state)
{
    (void)state;
    rng_seed("random_splits");
    static uint8_t msg[5000];
    for (int round = 0; round < 500; round++) {
        size_t len = (size_t)(rng_next() % sizeof(msg));
        for (size_t i = 0; i < len; i++)
            msg[i] = (uint8_t)rng_next();
        seq_hash one, streamed;
        l1_keccak256(&one, msg, len);
        l1_keccak_ctx ctx;
        l1_keccak_init(&ctx);
        size_t pos = 0;
        while (pos < len) {
            size_t max = (rng_next() % 4 == 0) ? 300 : 20;
            size_t want = (size_t)(rng_next() % (max + 1));
            size_t n = SEQ_MIN(len - pos, want);
            l1_keccak_update(&ctx, msg + pos, n);
            pos += n;
        }
        l1_keccak_final(&ctx, &streamed);
        assert_true(seq_hash_equal(&one, &streamed));
    }
}

static void test_distinct_and_wiped(void **state)
{
    (void)state;
    /* Inputs differing in one bit or in a trailing zero byte differ. */
    uint8_t a[137] = {0}, b[137] = {0};
    b[136] = 0x01;
    seq_hash ha, hb, hc;
    l1_keccak256(&ha, a, sizeof(a));
    l1_keccak256(&hb, b, sizeof(b));
    l1_keccak256(&hc, a, sizeof(a) - 1);
    assert_false(seq_hash_equal(&ha, &hb));
    assert_false(seq_hash_equal(&ha, &hc));

    l1_keccak_ctx ctx;
    l1_keccak_init(&ctx);
    l1_keccak_update(&ctx, (const uint8_t *)"secret", 6);
    l1_keccak_final(&ctx, &ha);
    const uint8_t *raw = (const uint8_t *)&ctx;
    for (size_t i = 0; i < sizeof(ctx); i++)
        assert_int_equal(raw[i], 0);
    /* A wiped context is a fresh one once re-initialised. */
    l1_keccak_init(&ctx);
    l1_keccak_update(&ctx, (const uint8_t *)"abc", 3);
    l1_keccak_final(&ctx, &ha);
    assert_hash_hex(&ha, "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_published_vectors), cmocka_unit_test(test_block_boundaries),
        cmocka_unit_test(test_patterned_lengths), cmocka_unit_test(test_bytewise_equals_oneshot),
        cmocka_unit_test(test_random_splits),     cmocka_unit_test(test_distinct_and_wiped),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
