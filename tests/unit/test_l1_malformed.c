/* Hostile input: thousands of random and mutated byte strings into the RLP
 * decoder, the hex decoder and signature recovery. Every call must return a
 * defined error (never crash), zero its outputs on error, and agree with a
 * small reference written here. */
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

static void assert_zero(const void *p, size_t len)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < len; i++)
        assert_int_equal(b[i], 0);
}

/* ------------------------------------------------------------------- RLP */

#define INPUT_MAX 4096

/* Reference canonical check, recursive (the depth is bounded here). */
static bool ref_item(const uint8_t *in, size_t len, size_t *used, int depth)
{
    if (len == 0)
        return false;
    uint8_t b = in[0];
    if (b < 0x80) {
        *used = 1;
        return true;
    }
    bool list = b >= 0xc0;
    unsigned short_len = b - (list ? 0xc0u : 0x80u);
    uint64_t payload;
    size_t hdr;
    if (short_len <= 55) {
        hdr = 1;
        payload = short_len;
        if (!list && payload == 1 && (len < 2 || in[1] < 0x80))
            return false;
    } else {
        size_t ll = short_len - 55;
        if (len < 1 + ll || in[1] == 0)
            return false;
        payload = 0;
        for (size_t i = 0; i < ll; i++)
            payload = payload << 8 | in[1 + i];
        if (payload <= 55)
            return false;
        hdr = 1 + ll;
    }
    if (payload > len - hdr)
        return false;
    *used = hdr + (size_t)payload;
    if (!list)
        return true;
    if (depth == L1_RLP_DEPTH_MAX)
        return false;
    for (size_t pos = hdr; pos < *used;) {
        size_t u = 0;
        if (!ref_item(in + pos, *used - pos, &u, depth + 1))
            return false;
        pos += u;
    }
    return true;
}

/* Re-encodes a decoded tree with the writer. */
static void reencode(l1_rlp_writer *w, const l1_rlp_item *item)
{
    if (!item->is_list) {
        l1_rlp_put_bytes(w, item->payload, item->payload_len);
        return;
    }
    l1_rlp_list_begin(w);
    l1_rlp_iter it;
    l1_rlp_iter_init(&it, item);
    while (!l1_rlp_iter_done(&it)) {
        l1_rlp_item child;
        assert_int_equal(l1_rlp_iter_next(&it, &child), SEQ_OK);
        reencode(w, &child);
    }
    l1_rlp_list_end(w);
}

static void random_tree(l1_rlp_writer *w, int depth)
{
    size_t kind = rng_below(10);
    if (depth >= L1_RLP_DEPTH_MAX || kind < 6) {
        uint8_t data[300];
        static const size_t edges[] = {0, 1, 55, 56, 255, 256};
        size_t len = rng_below(4) == 0   ? rng_below(sizeof(data))
                     : rng_below(4) == 0 ? edges[rng_below(SEQ_ARRAY_LEN(edges))]
                                         : rng_below(4);
        for (size_t i = 0; i < len; i++)
            data[i] = (uint8_t)rng_next();
        l1_rlp_put_bytes(w, data, len);
        return;
    }
    l1_rlp_list_begin(w);
    size_t n = rng_below(kind == 9 ? 8 : 3);
    for (size_t i = 0; i < n; i++)
        random_tree(w, depth + 1);
    l1_rlp_list_end(w);
}

/* Rewrites the item header at in[at], if it is a short one, in a longer
 * form: with a one-byte length, or a two-byte length with a leading zero.
 * A byte below 0x80 gets wrapped as 0x81 xx instead. */
static size_t lengthen_header(uint8_t *in, size_t len, size_t at)
{
    uint8_t h = in[at];
    bool is_short = (h >= 0x80 && h <= 0xb7) || (h >= 0xc0 && h <= 0xf7);
    size_t grow = h < 0x80 ? 1 : 1 + rng_below(2);
    if (len + grow > INPUT_MAX || (h >= 0x80 && !is_short))
        return len;
    memmove(in + at + grow, in + at, len - at);
    if (h < 0x80) {
        in[at] = 0x81;
        return len + 1;
    }
    uint8_t base = h >= 0xc0 ? 0xc0 : 0x80;
    in[at] = (uint8_t)(base + 55 + grow);
    in[at + 1] = 0;
    in[at + grow] = (uint8_t)(h - base);
    return len + grow;
}

static size_t mutate(uint8_t *in, size_t len)
{
    size_t at = rng_below(len);
    switch (rng_below(6)) {
    case 0:
        in[at] ^= (uint8_t)(1u << rng_below(8));
        return len;
    case 1:
        in[at] = (uint8_t)rng_next();
        return len;
    case 2:
        return at; /* truncate */
    case 3:
        if (len < INPUT_MAX)
            in[len++] = (uint8_t)rng_next(); /* trailing byte */
        return len;
    case 4:
        memmove(in + at, in + at + 1, len - at - 1); /* drop a byte */
        return len - 1;
    default:
        return lengthen_header(in, len, at);
    }
}

static size_t make_input(uint8_t *in)
{
    size_t len = 0;
    if (rng_below(8) == 0) { /* pure noise, biased toward header bytes */
        len = rng_below(48);
        for (size_t i = 0; i < len; i++) {
            static const uint8_t hot[] = {0x00, 0x7f, 0x80, 0x81, 0xb7, 0xb8, 0xb9,
                                          0xbf, 0xc0, 0xc1, 0xf7, 0xf8, 0xf9, 0xff};
            in[i] = rng_below(2) ? hot[rng_below(sizeof(hot))] : (uint8_t)rng_next();
        }
        return len;
    }
    l1_rlp_writer w;
    l1_rlp_writer_init(&w, in, INPUT_MAX);
    random_tree(&w, 0);
    if (l1_rlp_writer_finish(&w, &len) != SEQ_OK)
        return 0;
    assert_int_equal(l1_rlp_validate(in, len), SEQ_OK);
    size_t mutations = rng_below(4);
    for (size_t m = 0; m < mutations && len > 0; m++)
        len = mutate(in, len);
    return len;
}

static bool is_decode_err(seq_err e)
{
    return e == SEQ_ERR_TRUNCATED || e == SEQ_ERR_NONCANONICAL || e == SEQ_ERR_TOO_LARGE;
}

static void check_item(const uint8_t *in, size_t len)
{
    l1_rlp_item item;
    size_t consumed = 99;
    memset(&item, 0xaa, sizeof(item));
    seq_err err = l1_rlp_decode_item(&item, &consumed, in, len);
    if (err != SEQ_OK) {
        assert_true(is_decode_err(err));
        assert_int_equal(consumed, 0);
        assert_zero(&item, sizeof(item));
        return;
    }
    assert_true(consumed >= 1 && consumed <= len);
    assert_true(item.payload >= in && item.payload + item.payload_len == in + consumed);
}

static void check_integers(const l1_rlp_item *item)
{
    uint64_t v = 0xdeadbeef;
    seq_err err = l1_rlp_item_u64(&v, item);
    if (err != SEQ_OK) {
        assert_true(err == SEQ_ERR_MALFORMED || err == SEQ_ERR_NONCANONICAL ||
                    err == SEQ_ERR_TOO_LARGE);
        assert_true(v == 0);
    } else {
        assert_true(!item->is_list && item->payload_len <= 8);
    }
    uint8_t word[32];
    memset(word, 0xaa, sizeof(word));
    err = l1_rlp_item_uint_be(word, sizeof(word), item);
    if (err != SEQ_OK) {
        assert_true(err == SEQ_ERR_MALFORMED || err == SEQ_ERR_NONCANONICAL ||
                    err == SEQ_ERR_TOO_LARGE);
        assert_zero(word, sizeof(word));
    } else {
        assert_memory_equal(word + 32 - item->payload_len, item->payload, item->payload_len);
    }
}

/* Walks the children of a (possibly bad) list with the iterator. */
static void check_iter(const l1_rlp_item *list)
{
    l1_rlp_iter it;
    l1_rlp_iter_init(&it, list);
    while (!l1_rlp_iter_done(&it)) {
        l1_rlp_item child;
        memset(&child, 0xaa, sizeof(child));
        size_t left = it.left;
        seq_err err = l1_rlp_iter_next(&it, &child);
        if (err != SEQ_OK) {
            assert_true(is_decode_err(err));
            assert_zero(&child, sizeof(child));
            assert_int_equal(it.left, left);
            return;
        }
        assert_true(it.left < left);
        check_integers(&child);
    }
    l1_rlp_item end;
    assert_int_equal(l1_rlp_iter_next(&it, &end), SEQ_ERR_NOT_FOUND);
}

static void check_rlp_input(const uint8_t *in, size_t len)
{
    check_item(in, len);
    l1_rlp_item top;
    memset(&top, 0xaa, sizeof(top));
    seq_err single = l1_rlp_decode_single(&top, in, len);
    assert_true(single == SEQ_OK || single == SEQ_ERR_TRAILING || is_decode_err(single));
    if (single != SEQ_OK)
        assert_zero(&top, sizeof(top));

    seq_err tree = l1_rlp_validate(in, len);
    size_t used = 0;
    bool ref_ok = ref_item(in, len, &used, 0) && used == len;
    assert_int_equal(tree == SEQ_OK, ref_ok);
    assert_true(tree == SEQ_OK || tree == SEQ_ERR_TRAILING || is_decode_err(tree));
    if (tree == SEQ_OK) {
        /* Canonical: decoding and re-encoding gives the same bytes. */
        assert_int_equal(single, SEQ_OK);
        static uint8_t again[INPUT_MAX];
        l1_rlp_writer w;
        l1_rlp_writer_init(&w, again, sizeof(again));
        reencode(&w, &top);
        size_t again_len = 0;
        assert_int_equal(l1_rlp_writer_finish(&w, &again_len), SEQ_OK);
        assert_int_equal(again_len, len);
        assert_memory_equal(again, in, len);
    }
    if (single == SEQ_OK) {
        if (top.is_list)
            check_iter(&top);
        else
            check_integers(&top);
    }
}

static void test_rlp_hostile(void **state)
{
    (void)state;
    rng_seed("rlp_hostile");
    static uint8_t in[INPUT_MAX + 1];
    size_t accepted = 0;
    for (int round = 0; round < 6000; round++) {
        size_t len = make_input(in);
        /* Copy to the end of a heap block so any overread trips ASan. */
        uint8_t *exact = malloc(len ? len : 1);
        assert_non_null(exact);
        memcpy(exact, in, len);
        check_rlp_input(exact, len);
        accepted += l1_rlp_validate(exact, len) == SEQ_OK;
        free(exact);
    }
    printf("rlp_hostile: 6000 inputs, %zu canonical\n", accepted);
    assert_true(accepted > 500 && accepted < 5500); /* both sides exercised */
}

/* A second encoder, written here, that can put one non-canonical header
 * into an otherwise consistent tree (every enclosing length is right), so
 * the only thing wrong is the form the decoder must refuse. */
typedef enum { DEFECT_NONE, DEFECT_LONG_FORM, DEFECT_LEADING_ZERO, DEFECT_WRAPPED_BYTE } defect;

static size_t put_header(uint8_t *out, bool list, size_t len, defect d)
{
    uint8_t base = list ? 0xc0 : 0x80;
    uint8_t len_bytes[8];
    size_t n = 0;
    for (size_t v = len; v != 0; v >>= 8)
        len_bytes[n++] = (uint8_t)v;
    size_t zeros = d == DEFECT_LEADING_ZERO ? 1 : 0;
    if (len <= 55 && d != DEFECT_LONG_FORM && d != DEFECT_LEADING_ZERO) {
        out[0] = (uint8_t)(base + len);
        return 1;
    }
    if (n == 0) { /* a long form of length 0 */
        len_bytes[0] = 0;
        n = 1;
    }
    out[0] = (uint8_t)(base + 55 + n + zeros);
    if (zeros)
        out[1] = 0;
    for (size_t i = 0; i < n; i++)
        out[1 + zeros + i] = len_bytes[n - 1 - i];
    return 1 + zeros + n;
}

/* Encodes a random tree into out; *budget is the number of defects still
 * to place. Returns the encoded size. */
static size_t encode_tree(uint8_t *out, int depth, int *budget, int *placed)
{
    defect d = DEFECT_NONE;
    if (*budget > 0 && rng_below(4) == 0) {
        d = (defect)(1 + rng_below(3));
        --*budget;
    }
    if (depth < 5 && rng_below(3) == 0) {
        uint8_t payload[INPUT_MAX];
        size_t len = 0, n = rng_below(5);
        for (size_t i = 0; i < n && len < 600; i++) /* bounds the size */
            len += encode_tree(payload + len, depth + 1, budget, placed);
        if (d == DEFECT_WRAPPED_BYTE)
            d = DEFECT_LONG_FORM;
        *placed += d != DEFECT_NONE && (len <= 55 || d == DEFECT_LEADING_ZERO);
        size_t hdr = put_header(out, true, len, d);
        memcpy(out + hdr, payload, len);
        return hdr + len;
    }
    uint8_t data[80];
    static const size_t edges[] = {0, 1, 2, 55, 56, 57};
    size_t len = d == DEFECT_WRAPPED_BYTE ? 1
                 : rng_below(3) == 0      ? rng_below(sizeof(data))
                                          : edges[rng_below(SEQ_ARRAY_LEN(edges))];
    rng_fill(data, len);
    if (d == DEFECT_WRAPPED_BYTE && len == 1) {
        data[0] &= 0x7f;
        out[0] = 0x81;
        out[1] = data[0];
        (*placed)++;
        return 2;
    }
    if (len == 1 && data[0] < 0x80) {
        out[0] = data[0];
        return 1;
    }
    *placed += (d == DEFECT_LONG_FORM && len <= 55) || d == DEFECT_LEADING_ZERO;
    size_t hdr = put_header(out, false, len, d == DEFECT_WRAPPED_BYTE ? DEFECT_NONE : d);
    memcpy(out + hdr, data, len);
    return hdr + len;
}

static void test_rlp_noncanonical_trees(void **state)
{
    (void)state;
    rng_seed("rlp_noncanonical");
    static uint8_t in[4 * INPUT_MAX];
    unsigned refused = 0;
    for (int round = 0; round < 3000; round++) {
        int budget = (int)rng_below(2), placed = 0;
        size_t len = encode_tree(in, 0, &budget, &placed);
        assert_true(len <= sizeof(in));
        check_rlp_input(in, len);
        seq_err err = l1_rlp_validate(in, len);
        assert_int_equal(err, placed ? SEQ_ERR_NONCANONICAL : SEQ_OK);
        refused += placed != 0;
    }
    printf("rlp_noncanonical: 3000 trees, %u with a non-canonical header\n", refused);
    assert_true(refused > 300);
}

/* ------------------------------------------------------------------- hex */

static int ref_digit(char c)
{
    static const char digits[] = "0123456789abcdef";
    for (int i = 0; i < 16; i++) {
        if (c == digits[i] || c == (char)(digits[i] >= 'a' ? digits[i] - 32 : digits[i]))
            return i;
    }
    return -1;
}

static void test_hex_hostile(void **state)
{
    (void)state;
    rng_seed("hex_hostile");
    static const char alphabet[] = "0123456789abcdefABCDEFxXgG \0-z";
    for (int round = 0; round < 4000; round++) {
        char hex[80];
        size_t hex_len = rng_below(sizeof(hex));
        for (size_t i = 0; i < hex_len; i++) {
            bool clean = rng_below(4) != 0;
            hex[i] = alphabet[rng_below(clean ? 22 : sizeof(alphabet) - 1)];
        }
        if (hex_len >= 2 && rng_below(2)) {
            hex[0] = '0';
            hex[1] = rng_below(2) ? 'x' : 'X';
        }
        /* Reference. */
        size_t skip = (hex_len >= 2 && hex[0] == '0' && (hex[1] == 'x' || hex[1] == 'X')) ? 2 : 0;
        size_t digits = hex_len - skip;
        bool ok = digits % 2 == 0;
        uint8_t want[40] = {0};
        for (size_t i = 0; ok && i < digits / 2; i++) {
            int hi = ref_digit(hex[skip + 2 * i]), lo = ref_digit(hex[skip + 2 * i + 1]);
            ok = hi >= 0 && lo >= 0;
            want[i] = (uint8_t)(hi * 16 + lo);
        }
        size_t cap = rng_below(3) == 0 ? rng_below(40) : 40;
        uint8_t out[40];
        memset(out, 0xaa, sizeof(out));
        size_t written = 99;
        seq_err err = l1_hex_decode(out, cap, &written, hex, hex_len);
        /* Odd length first, then room, then the digits. */
        seq_err expect = digits % 2 != 0    ? SEQ_ERR_MALFORMED
                         : digits / 2 > cap ? SEQ_ERR_NO_SPACE
                         : !ok              ? SEQ_ERR_MALFORMED
                                            : SEQ_OK;
        assert_int_equal(err, expect);
        if (err == SEQ_OK) {
            assert_int_equal(written, digits / 2);
            assert_memory_equal(out, want, written);
        } else {
            assert_int_equal(written, 0);
            assert_zero(out, cap);
        }
        for (size_t i = cap; i < sizeof(out) && err != SEQ_OK; i++)
            assert_int_equal(out[i], 0xaa);
    }
}

/* ------------------------------------------------------------- signatures */

static const uint8_t order[32] = {
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe,
    0xba, 0xae, 0xdc, 0xe6, 0xaf, 0x48, 0xa0, 0x3b, 0xbf, 0xd2, 0x5e, 0x8c, 0xd0, 0x36, 0x41, 0x41,
};
static const uint8_t half_order[32] = {
    0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0x5d, 0x57, 0x6e, 0x73, 0x57, 0xa4, 0x50, 0x1d, 0xdf, 0xe9, 0x2f, 0x46, 0x68, 0x1b, 0x20, 0xa0,
};

static bool is_zero32(const uint8_t *p)
{
    for (int i = 0; i < 32; i++) {
        if (p[i] != 0)
            return false;
    }
    return true;
}

/* The error a strict recover must give, or SEQ_OK when the signature is
 * well-formed (recovery may still fail for an r that is no x coordinate). */
static seq_err ref_classify(const seq_sig *sig)
{
    const uint8_t *r = sig->b, *s = sig->b + 32;
    if (sig->b[64] != 27 && sig->b[64] != 28)
        return SEQ_ERR_BAD_SIGNATURE;
    if (is_zero32(r) || is_zero32(s) || memcmp(r, order, 32) >= 0 || memcmp(s, order, 32) >= 0)
        return SEQ_ERR_BAD_SIGNATURE;
    if (memcmp(s, half_order, 32) > 0)
        return SEQ_ERR_HIGH_S;
    return SEQ_OK;
}

static void order_minus(uint8_t out[32], const uint8_t in[32])
{
    int borrow = 0;
    for (int i = 31; i >= 0; i--) {
        int d = order[i] - in[i] - borrow;
        borrow = d < 0;
        out[i] = (uint8_t)(d + (borrow ? 256 : 0));
    }
}

static void random_sig(seq_sig *sig, const seq_sig *valid)
{
    switch (rng_below(6)) {
    case 0: /* pure noise */
        for (int i = 0; i < 65; i++)
            sig->b[i] = (uint8_t)rng_next();
        break;
    case 1: /* plausible r, s; v 27/28 */
        for (int i = 0; i < 64; i++)
            sig->b[i] = (uint8_t)rng_next();
        sig->b[0] &= 0x7f;
        sig->b[32] &= 0x7f;
        sig->b[64] = (uint8_t)(27 + rng_below(2));
        break;
    case 2: /* a valid signature with one bit flipped */
        *sig = *valid;
        sig->b[rng_below(65)] ^= (uint8_t)(1u << rng_below(8));
        break;
    case 3: /* malleated twin */
        *sig = *valid;
        order_minus(sig->b + 32, valid->b + 32);
        sig->b[64] ^= 27 ^ 28;
        break;
    case 4: { /* r or s zero, n, or all ones */
        *sig = *valid;
        size_t off = rng_below(2) * 32;
        if (rng_below(3) == 0)
            memcpy(sig->b + off, order, 32);
        else
            memset(sig->b + off, rng_below(2) ? 0xff : 0x00, 32);
        break;
    }
    default: /* a valid signature with a random v */
        *sig = *valid;
        sig->b[64] = (uint8_t)rng_next();
        break;
    }
}

static void test_recover_hostile(void **state)
{
    (void)state;
    rng_seed("recover_hostile");
    int counts[3] = {0};
    for (int round = 0; round < 2500; round++) {
        uint8_t key[32];
        do {
            for (int i = 0; i < 32; i++)
                key[i] = (uint8_t)rng_next();
        } while (l1_secp_seckey_check(key) != SEQ_OK);
        seq_hash digest;
        for (int i = 0; i < 32; i++)
            digest.b[i] = (uint8_t)rng_next();
        seq_sig valid, sig;
        assert_int_equal(l1_secp_sign(&valid, key, &digest), SEQ_OK);
        random_sig(&sig, &valid);

        seq_err want = ref_classify(&sig);
        seq_addr out;
        memset(&out, 0xaa, sizeof(out));
        seq_err err = l1_secp_recover(&out, &sig, &digest);
        if (want != SEQ_OK)
            assert_int_equal(err, want);
        else
            assert_true(err == SEQ_OK || err == SEQ_ERR_BAD_SIGNATURE);
        if (err != SEQ_OK)
            assert_zero(&out, sizeof(out));
        counts[err == SEQ_OK ? 0 : err == SEQ_ERR_HIGH_S ? 1 : 2]++;

        seq_addr signer;
        assert_int_equal(l1_secp_address(&signer, key), SEQ_OK);
        seq_err verified = l1_secp_verify(&sig, &digest, &signer);
        if (memcmp(sig.b, valid.b, 65) == 0)
            assert_int_equal(verified, SEQ_OK);
        else
            assert_true(verified == (err == SEQ_OK ? SEQ_ERR_BAD_SIGNATURE : err));
    }
    printf("recover_hostile: %d recovered, %d high-s, %d bad\n", counts[0], counts[1], counts[2]);
    assert_true(counts[0] > 0 && counts[1] > 0 && counts[2] > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rlp_hostile),
        cmocka_unit_test(test_rlp_noncanonical_trees),
        cmocka_unit_test(test_hex_hostile),
        cmocka_unit_test(test_recover_hostile),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
