/* RLP: Ethereum vectors through the writer and the decoder, writer limits,
 * and every class of non-canonical or malformed encoding. */
/* cmocka needs these headers before its own, in this order. */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include <string.h>

#include "l1.h"

static uint8_t buf[1 << 20];

static size_t unhex(uint8_t *out, size_t cap, const char *hex)
{
    size_t n = 0;
    assert_int_equal(l1_hex_decode(out, cap, &n, hex, strlen(hex)), SEQ_OK);
    return n;
}

static void assert_written(l1_rlp_writer *w, const char *hex)
{
    uint8_t want[2048];
    size_t want_len = unhex(want, sizeof(want), hex);
    size_t len = 0;
    assert_int_equal(l1_rlp_writer_finish(w, &len), SEQ_OK);
    assert_int_equal(len, want_len);
    assert_memory_equal(w->buf, want, len);
    assert_int_equal(l1_rlp_validate(w->buf, len), SEQ_OK);
}

static void put_str(l1_rlp_writer *w, const char *s)
{
    l1_rlp_put_bytes(w, (const uint8_t *)s, strlen(s));
}

static const char lorem[] = "Lorem ipsum dolor sit amet, consectetur adipisicing elit";

static void test_writer_strings_and_ints(void **state)
{
    (void)state;
    static const struct {
        uint64_t v;
        const char *hex;
    } ints[] = {
        {0, "80"},        {1, "01"},       {0x7f, "7f"},         {0x80, "8180"},
        {1000, "8203e8"}, {256, "820100"}, {100000, "830186a0"}, {UINT64_MAX, "88ffffffffffffffff"},
    };
    l1_rlp_writer w;
    for (size_t i = 0; i < SEQ_ARRAY_LEN(ints); i++) {
        l1_rlp_writer_init(&w, buf, sizeof(buf));
        l1_rlp_put_u64(&w, ints[i].v);
        assert_written(&w, ints[i].hex);
    }
    l1_rlp_writer_init(&w, buf, sizeof(buf));
    put_str(&w, "dog");
    assert_written(&w, "83646f67");
    l1_rlp_writer_init(&w, buf, sizeof(buf));
    put_str(&w, "");
    assert_written(&w, "80");
    l1_rlp_writer_init(&w, buf, sizeof(buf));
    l1_rlp_put_bytes(&w, (const uint8_t *)"\x00", 1);
    assert_written(&w, "00");
    l1_rlp_writer_init(&w, buf, sizeof(buf));
    l1_rlp_put_bytes(&w, (const uint8_t *)"\x04\x00", 2);
    assert_written(&w, "820400");
    l1_rlp_writer_init(&w, buf, sizeof(buf));
    put_str(&w, lorem);
    assert_written(&w,
                   "b8384c6f72656d20697073756d20646f6c6f722073697420616d65742c20636f6e7365637465"
                   "747572206164697069736963696e6720656c6974");

    /* Leading zero bytes of a wide integer are stripped. */
    uint8_t be[32] = {0};
    be[30] = 0x03;
    be[31] = 0xe8;
    l1_rlp_writer_init(&w, buf, sizeof(buf));
    l1_rlp_list_begin(&w);
    l1_rlp_put_uint_be(&w, be, sizeof(be));
    l1_rlp_put_uint_be(&w, be, 0);
    memset(be, 0, sizeof(be));
    l1_rlp_put_uint_be(&w, be, sizeof(be));
    be[0] = 0x80;
    l1_rlp_put_uint_be(&w, be, sizeof(be));
    l1_rlp_list_end(&w);
    assert_written(&w, "e68203e88080a0800000000000000000000000000000000000000000000000000000000000"
                       "0000");
}

static void test_writer_lists(void **state)
{
    (void)state;
    l1_rlp_writer w;
    l1_rlp_writer_init(&w, buf, sizeof(buf));
    l1_rlp_list_begin(&w);
    l1_rlp_list_end(&w);
    assert_written(&w, "c0");

    l1_rlp_writer_init(&w, buf, sizeof(buf));
    l1_rlp_list_begin(&w);
    put_str(&w, "cat");
    put_str(&w, "dog");
    l1_rlp_list_end(&w);
    assert_written(&w, "c88363617483646f67");

    /* [[[],[]],[]] */
    l1_rlp_writer_init(&w, buf, sizeof(buf));
    l1_rlp_list_begin(&w);
    l1_rlp_list_begin(&w);
    l1_rlp_list_begin(&w);
    l1_rlp_list_end(&w);
    l1_rlp_list_begin(&w);
    l1_rlp_list_end(&w);
    l1_rlp_list_end(&w);
    l1_rlp_list_begin(&w);
    l1_rlp_list_end(&w);
    l1_rlp_list_end(&w);
    assert_written(&w, "c4c2c0c0c0");

    /* [[],[[]],[[],[[]]]] */
    l1_rlp_writer_init(&w, buf, sizeof(buf));
    l1_rlp_list_begin(&w);
    l1_rlp_list_begin(&w);
    l1_rlp_list_end(&w);
    l1_rlp_list_begin(&w);
    l1_rlp_list_begin(&w);
    l1_rlp_list_end(&w);
    l1_rlp_list_end(&w);
    l1_rlp_list_begin(&w);
    l1_rlp_list_begin(&w);
    l1_rlp_list_end(&w);
    l1_rlp_list_begin(&w);
    l1_rlp_list_begin(&w);
    l1_rlp_list_end(&w);
    l1_rlp_list_end(&w);
    l1_rlp_list_end(&w);
    l1_rlp_list_end(&w);
    assert_written(&w, "c7c0c1c0c3c0c1c0");

    /* Raw, already-encoded items are copied verbatim: ["dog", [1, 2]]. */
    l1_rlp_writer_init(&w, buf, sizeof(buf));
    l1_rlp_list_begin(&w);
    l1_rlp_put_raw(&w,
                   (const uint8_t *)"\x83"
                                    "dog",
                   4);
    l1_rlp_put_raw(&w, (const uint8_t *)"\xc2\x01\x02", 3);
    l1_rlp_put_raw(&w, NULL, 0);
    l1_rlp_list_end(&w);
    assert_written(&w, "c783646f67c20102");
}

static void test_writer_long_lists(void **state)
{
    (void)state;
    l1_rlp_writer w;
    /* A list whose payload needs the long form: ["Lorem..."] and the
     * 56-byte list payload boundary [55 x 0x01 bytes, 0x01]. */
    l1_rlp_writer_init(&w, buf, sizeof(buf));
    l1_rlp_list_begin(&w);
    put_str(&w, lorem);
    l1_rlp_list_end(&w);
    assert_written(&w, "f83ab8384c6f72656d20697073756d20646f6c6f722073697420616d65742c20636f6e7365"
                       "637465747572206164697069736963696e6720656c6974");
    l1_rlp_writer_init(&w, buf, sizeof(buf));
    l1_rlp_list_begin(&w);
    for (int i = 0; i < 55; i++)
        l1_rlp_put_u64(&w, 1);
    l1_rlp_list_end(&w);
    size_t len = 0;
    assert_int_equal(l1_rlp_writer_finish(&w, &len), SEQ_OK);
    assert_int_equal(len, 56);
    assert_int_equal(buf[0], 0xc0 + 55);
    l1_rlp_writer_init(&w, buf, sizeof(buf));
    l1_rlp_list_begin(&w);
    for (int i = 0; i < 56; i++)
        l1_rlp_put_u64(&w, 1);
    l1_rlp_list_end(&w);
    assert_int_equal(l1_rlp_writer_finish(&w, &len), SEQ_OK);
    assert_int_equal(len, 58);
    assert_memory_equal(buf, "\xf8\x38\x01", 3);
}

static void test_writer_long_payloads(void **state)
{
    (void)state;
    /* [[1024 x 0xab]] : string header b9 0400, list headers f9 0403, f9 0407 */
    static uint8_t payload[70000];
    memset(payload, 0xab, sizeof(payload));
    l1_rlp_writer w;
    l1_rlp_writer_init(&w, buf, sizeof(buf));
    l1_rlp_list_begin(&w);
    l1_rlp_list_begin(&w);
    l1_rlp_put_bytes(&w, payload, 1024);
    l1_rlp_list_end(&w);
    l1_rlp_list_end(&w);
    size_t len = 0;
    assert_int_equal(l1_rlp_writer_finish(&w, &len), SEQ_OK);
    assert_int_equal(len, 1024 + 9);
    assert_memory_equal(buf, "\xf9\x04\x06\xf9\x04\x03\xb9\x04\x00\xab", 10);
    assert_int_equal(l1_rlp_validate(buf, len), SEQ_OK);

    /* A three-byte length. */
    l1_rlp_writer_init(&w, buf, sizeof(buf));
    l1_rlp_list_begin(&w);
    l1_rlp_put_bytes(&w, payload, sizeof(payload));
    l1_rlp_list_end(&w);
    assert_int_equal(l1_rlp_writer_finish(&w, &len), SEQ_OK);
    assert_int_equal(len, sizeof(payload) + 8);
    assert_memory_equal(buf, "\xfa\x01\x11\x74\xba\x01\x11\x70\xab", 9);
    assert_int_equal(l1_rlp_validate(buf, len), SEQ_OK);
}

/* Builds a fixed document with the writer into cap bytes. */
static seq_err write_doc(size_t cap, size_t *len)
{
    static uint8_t big[300];
    memset(big, 0x99, sizeof(big));
    l1_rlp_writer w;
    l1_rlp_writer_init(&w, cap ? buf : NULL, cap);
    l1_rlp_list_begin(&w);
    l1_rlp_put_u64(&w, 9);
    l1_rlp_put_u64(&w, 20000000000ULL);
    l1_rlp_list_begin(&w);
    l1_rlp_put_bytes(&w, big, sizeof(big));
    l1_rlp_list_end(&w);
    l1_rlp_put_raw(&w, (const uint8_t *)"\xc1\x01", 2);
    l1_rlp_put_bytes(&w, (const uint8_t *)"\x05", 1);
    l1_rlp_list_end(&w);
    return l1_rlp_writer_finish(&w, len);
}

static void test_writer_errors(void **state)
{
    (void)state;
    size_t full = 0;
    assert_int_equal(write_doc(sizeof(buf), &full), SEQ_OK);
    assert_int_equal(l1_rlp_validate(buf, full), SEQ_OK);
    /* Every smaller capacity fails cleanly, whichever call runs out. */
    for (size_t cap = 0; cap < full; cap++) {
        size_t len = 99;
        assert_int_equal(write_doc(cap, &len), SEQ_ERR_NO_SPACE);
        assert_int_equal(len, 0);
    }
    size_t len = 99;
    assert_int_equal(write_doc(full, &len), SEQ_OK);
    assert_int_equal(len, full);

    l1_rlp_writer w;
    l1_rlp_writer_init(&w, buf, sizeof(buf));
    l1_rlp_list_end(&w);
    l1_rlp_put_u64(&w, 1); /* sticky: ignored */
    assert_int_equal(l1_rlp_writer_finish(&w, &len), SEQ_ERR_INVALID_ARG);
    assert_int_equal(len, 0);
    assert_int_equal(w.len, 0);

    l1_rlp_writer_init(&w, buf, sizeof(buf));
    l1_rlp_list_begin(&w);
    assert_int_equal(l1_rlp_writer_finish(&w, &len), SEQ_ERR_INVALID_ARG);
    assert_int_equal(len, 0);

    /* L1_RLP_DEPTH_MAX nested lists are fine, one more is refused. */
    for (int extra = 0; extra <= 1; extra++) {
        l1_rlp_writer_init(&w, buf, sizeof(buf));
        for (int i = 0; i < L1_RLP_DEPTH_MAX + extra; i++)
            l1_rlp_list_begin(&w);
        for (int i = 0; i < L1_RLP_DEPTH_MAX + extra; i++)
            l1_rlp_list_end(&w);
        seq_err err = l1_rlp_writer_finish(&w, &len);
        if (extra == 0) {
            assert_int_equal(err, SEQ_OK);
            assert_int_equal(len, L1_RLP_DEPTH_MAX);
            assert_int_equal(l1_rlp_validate(buf, len), SEQ_OK);
        } else {
            assert_int_equal(err, SEQ_ERR_INVALID_ARG);
        }
    }

    /* The first error wins. */
    uint8_t small[2];
    l1_rlp_writer_init(&w, small, sizeof(small));
    put_str(&w, "dog");
    l1_rlp_list_end(&w);
    assert_int_equal(l1_rlp_writer_finish(&w, &len), SEQ_ERR_NO_SPACE);
}

static seq_err decode_hex(l1_rlp_item *item, size_t *consumed, const char *hex, uint8_t *scratch,
                          size_t *scratch_len)
{
    *scratch_len = unhex(scratch, 4096, hex);
    return l1_rlp_decode_item(item, consumed, scratch, *scratch_len);
}

static void test_decode_vectors(void **state)
{
    (void)state;
    static uint8_t in[4096];
    size_t in_len = 0, consumed = 0;
    l1_rlp_item item;

    assert_int_equal(decode_hex(&item, &consumed, "83646f67", in, &in_len), SEQ_OK);
    assert_false(item.is_list);
    assert_int_equal(item.payload_len, 3);
    assert_memory_equal(item.payload, "dog", 3);
    assert_int_equal(consumed, 4);

    assert_int_equal(decode_hex(&item, &consumed, "7f", in, &in_len), SEQ_OK);
    assert_true(item.payload == in && item.payload_len == 1 && consumed == 1);

    assert_int_equal(decode_hex(&item, &consumed, "80ff", in, &in_len), SEQ_OK);
    assert_true(item.payload_len == 0 && consumed == 1 && !item.is_list);

    assert_int_equal(decode_hex(&item, &consumed, "c0", in, &in_len), SEQ_OK);
    assert_true(item.is_list && item.payload_len == 0 && consumed == 1);

    char hex[300] = "b838";
    for (size_t i = 0; i < 56; i++)
        strcat(hex, "61");
    assert_int_equal(decode_hex(&item, &consumed, hex, in, &in_len), SEQ_OK);
    assert_true(item.payload == in + 2 && item.payload_len == 56 && consumed == 58);
    assert_int_equal(l1_rlp_decode_single(&item, in, in_len), SEQ_OK);

    /* [[],[[]],[[],[[]]]] walked with the iterator. */
    in_len = unhex(in, sizeof(in), "c7c0c1c0c3c0c1c0");
    assert_int_equal(l1_rlp_decode_single(&item, in, in_len), SEQ_OK);
    l1_rlp_iter it;
    l1_rlp_iter_init(&it, &item);
    size_t sizes[3], n = 0;
    while (!l1_rlp_iter_done(&it)) {
        l1_rlp_item child;
        assert_int_equal(l1_rlp_iter_next(&it, &child), SEQ_OK);
        assert_true(child.is_list);
        sizes[n++] = child.payload_len;
    }
    assert_int_equal(n, 3);
    assert_true(sizes[0] == 0 && sizes[1] == 1 && sizes[2] == 3);
    memset(&item, 0xaa, sizeof(item));
    assert_int_equal(l1_rlp_iter_next(&it, &item), SEQ_ERR_NOT_FOUND);
    assert_true(item.payload == NULL && item.payload_len == 0 && !item.is_list);
}

struct bad_case {
    const char *hex;
    seq_err item; /* l1_rlp_decode_item */
    seq_err tree; /* l1_rlp_validate */
};

static void check_bad(const struct bad_case *c)
{
    static uint8_t in[1024];
    size_t in_len = unhex(in, sizeof(in), c->hex);
    l1_rlp_item item;
    memset(&item, 0xaa, sizeof(item));
    size_t consumed = 99;
    seq_err err = l1_rlp_decode_item(&item, &consumed, in, in_len);
    if (err != c->item)
        fail_msg("decode_item(%s) = %s, want %s", c->hex, seq_errname(err), seq_errname(c->item));
    if (err != SEQ_OK) {
        assert_true(item.payload == NULL && item.payload_len == 0 && !item.is_list);
        assert_int_equal(consumed, 0);
    }
    err = l1_rlp_validate(in, in_len);
    if (err != c->tree)
        fail_msg("validate(%s) = %s, want %s", c->hex, seq_errname(err), seq_errname(c->tree));
    memset(&item, 0xaa, sizeof(item));
    err = l1_rlp_decode_single(&item, in, in_len);
    if (err != SEQ_OK)
        assert_true(item.payload == NULL && item.payload_len == 0 && !item.is_list);
}

static void test_decode_rejects(void **state)
{
    (void)state;
    static const struct bad_case cases[] = {
        {"", SEQ_ERR_TRUNCATED, SEQ_ERR_TRUNCATED},
        /* a single byte < 0x80 must not be wrapped */
        {"8100", SEQ_ERR_NONCANONICAL, SEQ_ERR_NONCANONICAL},
        {"8105", SEQ_ERR_NONCANONICAL, SEQ_ERR_NONCANONICAL},
        {"817f", SEQ_ERR_NONCANONICAL, SEQ_ERR_NONCANONICAL},
        /* long forms: zero or leading-zero length, or a length <= 55 */
        {"b800", SEQ_ERR_NONCANONICAL, SEQ_ERR_NONCANONICAL},
        {"b80100", SEQ_ERR_NONCANONICAL, SEQ_ERR_NONCANONICAL},
        {"b90001ff", SEQ_ERR_NONCANONICAL, SEQ_ERR_NONCANONICAL},
        {"b837"
         "6161616161616161616161616161616161616161616161616161616161616161616161616161616161"
         "61616161616161616161616161616161616161616161",
         SEQ_ERR_NONCANONICAL, SEQ_ERR_NONCANONICAL},
        {"f800", SEQ_ERR_NONCANONICAL, SEQ_ERR_NONCANONICAL},
        {"f801c0", SEQ_ERR_NONCANONICAL, SEQ_ERR_NONCANONICAL},
        {"f90000", SEQ_ERR_NONCANONICAL, SEQ_ERR_NONCANONICAL},
        {"bf00000000000000ff", SEQ_ERR_NONCANONICAL, SEQ_ERR_NONCANONICAL},
        /* truncated headers and payloads */
        {"81", SEQ_ERR_TRUNCATED, SEQ_ERR_TRUNCATED},
        {"83646f", SEQ_ERR_TRUNCATED, SEQ_ERR_TRUNCATED},
        {"b8", SEQ_ERR_TRUNCATED, SEQ_ERR_TRUNCATED},
        {"b838", SEQ_ERR_TRUNCATED, SEQ_ERR_TRUNCATED},
        {"b90100", SEQ_ERR_TRUNCATED, SEQ_ERR_TRUNCATED},
        {"bf0100000000000000", SEQ_ERR_TRUNCATED, SEQ_ERR_TRUNCATED},
        {"c1", SEQ_ERR_TRUNCATED, SEQ_ERR_TRUNCATED},
        {"f8", SEQ_ERR_TRUNCATED, SEQ_ERR_TRUNCATED},
        {"f838c0", SEQ_ERR_TRUNCATED, SEQ_ERR_TRUNCATED},
        {"ff0000", SEQ_ERR_TRUNCATED, SEQ_ERR_TRUNCATED},
        /* lengths no buffer can hold */
        {"bfffffffffffffffff", SEQ_ERR_TOO_LARGE, SEQ_ERR_TOO_LARGE},
        {"ffffffffffffffffff00", SEQ_ERR_TOO_LARGE, SEQ_ERR_TOO_LARGE},
        /* trailing bytes after one item */
        {"8000", SEQ_OK, SEQ_ERR_TRAILING},
        {"c0c0", SEQ_OK, SEQ_ERR_TRAILING},
        {"0102", SEQ_OK, SEQ_ERR_TRAILING},
        /* valid header, bad inside: only the tree check sees it */
        {"c28100", SEQ_OK, SEQ_ERR_NONCANONICAL},
        {"c3c28105", SEQ_OK, SEQ_ERR_NONCANONICAL},
        {"c3c1b800", SEQ_OK, SEQ_ERR_TRUNCATED}, /* b8 00 overruns its list */
        {"c28361", SEQ_OK, SEQ_ERR_TRUNCATED},   /* child longer than its list */
        {"c181", SEQ_OK, SEQ_ERR_TRUNCATED},
        {"c281", SEQ_ERR_TRUNCATED, SEQ_ERR_TRUNCATED},
        {"c3c2c0", SEQ_ERR_TRUNCATED, SEQ_ERR_TRUNCATED},
        {"c4c0f800c0", SEQ_OK, SEQ_ERR_NONCANONICAL},
    };
    for (size_t i = 0; i < SEQ_ARRAY_LEN(cases); i++)
        check_bad(&cases[i]);
}

/* Nested lists [[[...]]] of the given depth, written innermost first at the
 * end of buf; returns the start. Uses long headers past 55 bytes. */
static uint8_t *nest(size_t depth, size_t *len)
{
    size_t pos = sizeof(buf);
    buf[--pos] = 0xc0;
    for (size_t d = 1; d < depth; d++) {
        size_t payload = sizeof(buf) - pos;
        if (payload <= 55) {
            buf[--pos] = (uint8_t)(0xc0 + payload);
            continue;
        }
        size_t n = 0;
        for (size_t v = payload; v != 0; v >>= 8) {
            buf[--pos] = (uint8_t)v;
            n++;
        }
        buf[--pos] = (uint8_t)(0xf7 + n);
    }
    *len = sizeof(buf) - pos;
    return buf + pos;
}

static void test_depth_limit(void **state)
{
    (void)state;
    size_t len = 0;
    uint8_t *p = nest(L1_RLP_DEPTH_MAX, &len);
    assert_int_equal(l1_rlp_validate(p, len), SEQ_OK);
    p = nest(L1_RLP_DEPTH_MAX + 1, &len);
    assert_int_equal(l1_rlp_validate(p, len), SEQ_ERR_TOO_LARGE);
    /* Hostile depth: rejected without recursion. */
    p = nest(200000, &len);
    assert_true(len > 500000);
    assert_int_equal(l1_rlp_validate(p, len), SEQ_ERR_TOO_LARGE);
    l1_rlp_item item;
    assert_int_equal(l1_rlp_decode_single(&item, p, len), SEQ_OK); /* shallow decode is fine */
    assert_true(item.is_list);

    /* Many siblings at depth 16 are fine: depth counts nesting, not items. */
    l1_rlp_writer w;
    l1_rlp_writer_init(&w, buf, sizeof(buf));
    for (int i = 0; i < L1_RLP_DEPTH_MAX - 1; i++)
        l1_rlp_list_begin(&w);
    for (int i = 0; i < 1000; i++) {
        l1_rlp_list_begin(&w);
        l1_rlp_put_u64(&w, (uint64_t)i);
        l1_rlp_list_end(&w);
    }
    for (int i = 0; i < L1_RLP_DEPTH_MAX - 1; i++)
        l1_rlp_list_end(&w);
    assert_int_equal(l1_rlp_writer_finish(&w, &len), SEQ_OK);
    assert_int_equal(l1_rlp_validate(buf, len), SEQ_OK);
}

static seq_err item_from_hex(l1_rlp_item *item, uint8_t *scratch, const char *hex)
{
    size_t len = unhex(scratch, 64, hex);
    return l1_rlp_decode_single(item, scratch, len);
}

static void test_integers(void **state)
{
    (void)state;
    uint8_t scratch[64];
    l1_rlp_item item;
    uint64_t v = 0;
    static const struct {
        const char *hex;
        seq_err err;
        uint64_t value;
    } u64s[] = {
        {"80", SEQ_OK, 0},
        {"01", SEQ_OK, 1},
        {"7f", SEQ_OK, 127},
        {"8180", SEQ_OK, 128},
        {"8203e8", SEQ_OK, 1000},
        {"88ffffffffffffffff", SEQ_OK, UINT64_MAX},
        {"880100000000000000", SEQ_OK, 1ULL << 56},
        {"00", SEQ_ERR_NONCANONICAL, 0},
        {"820001", SEQ_ERR_NONCANONICAL, 0},
        {"880000000000000001", SEQ_ERR_NONCANONICAL, 0},
        {"89010000000000000000", SEQ_ERR_TOO_LARGE, 0},
        {"c0", SEQ_ERR_MALFORMED, 0},
        {"c101", SEQ_ERR_MALFORMED, 0},
    };
    for (size_t i = 0; i < SEQ_ARRAY_LEN(u64s); i++) {
        assert_int_equal(item_from_hex(&item, scratch, u64s[i].hex), SEQ_OK);
        v = 0xdeadbeef;
        assert_int_equal(l1_rlp_item_u64(&v, &item), u64s[i].err);
        assert_true(v == u64s[i].value);
    }

    uint8_t word[32];
    assert_int_equal(item_from_hex(&item, scratch, "8203e8"), SEQ_OK);
    memset(word, 0xaa, sizeof(word));
    assert_int_equal(l1_rlp_item_uint_be(word, sizeof(word), &item), SEQ_OK);
    for (size_t i = 0; i < 30; i++)
        assert_int_equal(word[i], 0);
    assert_true(word[30] == 0x03 && word[31] == 0xe8);
    assert_int_equal(l1_rlp_item_uint_be(word, 2, &item), SEQ_OK);
    assert_true(word[0] == 0x03 && word[1] == 0xe8);
    memset(word, 0xaa, sizeof(word));
    assert_int_equal(l1_rlp_item_uint_be(word, 1, &item), SEQ_ERR_TOO_LARGE);
    assert_int_equal(word[0], 0);
    assert_int_equal(word[1], 0xaa);
    assert_int_equal(item_from_hex(&item, scratch, "80"), SEQ_OK);
    assert_int_equal(l1_rlp_item_uint_be(NULL, 0, &item), SEQ_OK);
    memset(word, 0xaa, sizeof(word));
    assert_int_equal(l1_rlp_item_uint_be(word, sizeof(word), &item), SEQ_OK);
    for (size_t i = 0; i < sizeof(word); i++)
        assert_int_equal(word[i], 0);

    char hex[80] = "a1"; /* 33 bytes: too wide for a uint256 */
    for (int i = 0; i < 33; i++)
        strcat(hex, "11");
    assert_int_equal(item_from_hex(&item, scratch, hex), SEQ_OK);
    memset(word, 0xaa, sizeof(word));
    assert_int_equal(l1_rlp_item_uint_be(word, sizeof(word), &item), SEQ_ERR_TOO_LARGE);
    for (size_t i = 0; i < sizeof(word); i++)
        assert_int_equal(word[i], 0);
    hex[2] = hex[3] = '0'; /* 33 bytes with a leading zero */
    assert_int_equal(item_from_hex(&item, scratch, hex), SEQ_OK);
    assert_int_equal(l1_rlp_item_uint_be(word, sizeof(word), &item), SEQ_ERR_NONCANONICAL);
    assert_int_equal(item_from_hex(&item, scratch, "c0"), SEQ_OK);
    assert_int_equal(l1_rlp_item_uint_be(word, sizeof(word), &item), SEQ_ERR_MALFORMED);
}

static void test_iter_errors(void **state)
{
    (void)state;
    /* [dog, 0x81 0x05 (non-canonical), ...]: the iterator reports the bad
     * child, zeroes its output and does not move. */
    uint8_t in[16];
    size_t len = unhex(in, sizeof(in), "c683646f678105");
    l1_rlp_item list, child;
    assert_int_equal(l1_rlp_decode_single(&list, in, len), SEQ_OK);
    l1_rlp_iter it;
    l1_rlp_iter_init(&it, &list);
    assert_int_equal(l1_rlp_iter_next(&it, &child), SEQ_OK);
    assert_memory_equal(child.payload, "dog", 3);
    assert_false(l1_rlp_iter_done(&it));
    memset(&child, 0xaa, sizeof(child));
    assert_int_equal(l1_rlp_iter_next(&it, &child), SEQ_ERR_NONCANONICAL);
    assert_true(child.payload == NULL && child.payload_len == 0 && !child.is_list);
    assert_false(l1_rlp_iter_done(&it));
    assert_int_equal(it.left, 2);

    /* An empty list is done at once. */
    l1_rlp_item empty = {.payload = NULL, .payload_len = 0, .is_list = true};
    l1_rlp_iter_init(&it, &empty);
    assert_true(l1_rlp_iter_done(&it));
    assert_int_equal(l1_rlp_iter_next(&it, &child), SEQ_ERR_NOT_FOUND);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_writer_strings_and_ints),
        cmocka_unit_test(test_writer_lists),
        cmocka_unit_test(test_writer_long_lists),
        cmocka_unit_test(test_writer_long_payloads),
        cmocka_unit_test(test_writer_errors),
        cmocka_unit_test(test_decode_vectors),
        cmocka_unit_test(test_decode_rejects),
        cmocka_unit_test(test_depth_limit),
        cmocka_unit_test(test_integers),
        cmocka_unit_test(test_iter_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
