/* Hex encoding and decoding, EIP-55 checksums. */
/* cmocka needs these headers before its own, in this order. */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include <ctype.h>
#include <string.h>

#include "l1.h"

static void assert_all(const uint8_t *p, size_t len, uint8_t v)
{
    for (size_t i = 0; i < len; i++)
        assert_int_equal(p[i], v);
}

static void test_encode(void **state)
{
    (void)state;
    char out[16];
    assert_int_equal(l1_hex_encode(out, sizeof(out), NULL, 0), SEQ_OK);
    assert_string_equal(out, "0x");
    const uint8_t in[] = {0x00, 0x01, 0xab, 0xff, 0x7f};
    assert_int_equal(l1_hex_encode(out, 13, in, sizeof(in)), SEQ_OK);
    assert_string_equal(out, "0x0001abff7f");

    /* One byte short: "" and NO_SPACE. */
    memset(out, 'z', sizeof(out));
    assert_int_equal(l1_hex_encode(out, 12, in, sizeof(in)), SEQ_ERR_NO_SPACE);
    assert_string_equal(out, "");
    assert_int_equal(l1_hex_encode(out, 1, in, 0), SEQ_ERR_NO_SPACE);
    assert_string_equal(out, "");
    assert_int_equal(l1_hex_encode(NULL, 0, in, 1), SEQ_ERR_NO_SPACE);
    /* in_len so large that 2*in_len + 3 overflows. */
    assert_int_equal(l1_hex_encode(out, sizeof(out), in, SIZE_MAX / 2), SEQ_ERR_NO_SPACE);
    assert_string_equal(out, "");
}

static void test_decode(void **state)
{
    (void)state;
    uint8_t out[8];
    size_t written = 99;
    assert_int_equal(l1_hex_decode(out, sizeof(out), &written, "0xABcd01", 8), SEQ_OK);
    assert_int_equal(written, 3);
    assert_memory_equal(out, "\xab\xcd\x01", 3);
    assert_int_equal(l1_hex_decode(out, sizeof(out), &written, "0Xff", 4), SEQ_OK);
    assert_int_equal(written, 1);
    assert_int_equal(out[0], 0xff);
    assert_int_equal(l1_hex_decode(out, sizeof(out), &written, "7e", 2), SEQ_OK);
    assert_int_equal(written, 1);
    assert_int_equal(out[0], 0x7e);
    assert_int_equal(l1_hex_decode(out, sizeof(out), &written, "0x", 2), SEQ_OK);
    assert_int_equal(written, 0);
    assert_int_equal(l1_hex_decode(NULL, 0, &written, "", 0), SEQ_OK);
    assert_int_equal(written, 0);
    /* hex_len bounds the input: the rest of the string is not read. */
    assert_int_equal(l1_hex_decode(out, sizeof(out), &written, "0x12zz", 4), SEQ_OK);
    assert_int_equal(written, 1);
    assert_int_equal(out[0], 0x12);

    /* "0x12\0000" is '0' 'x' '1' '2' NUL '0': a NUL among the digits. */
    static const struct {
        const char *hex;
        size_t len;
    } bad[] = {
        {"0x1", 3},    {"abc", 3}, {"0xg0", 4}, {"0x 1", 4}, {"x12", 3},
        {"0x0x12", 6}, {"-1", 2},  {"12 ", 3},  {"0xx1", 4}, {"0x12\0000", 6},
    };
    for (size_t i = 0; i < SEQ_ARRAY_LEN(bad); i++) {
        memset(out, 0xaa, sizeof(out));
        written = 99;
        assert_int_equal(l1_hex_decode(out, sizeof(out), &written, bad[i].hex, bad[i].len),
                         SEQ_ERR_MALFORMED);
        assert_int_equal(written, 0);
        assert_all(out, sizeof(out), 0);
    }
    memset(out, 0xaa, sizeof(out));
    written = 99;
    assert_int_equal(l1_hex_decode(out, 2, &written, "0x010203", 8), SEQ_ERR_NO_SPACE);
    assert_int_equal(written, 0);
    assert_all(out, 2, 0);
    assert_int_equal(out[2], 0xaa); /* nothing beyond out_len is touched */
}

/* Every byte value, as the high and as the low digit of the last byte of
 * a longer input: a digit decodes to its value, anything else is
 * MALFORMED and leaves the output zeroed. */
static void test_decode_every_byte(void **state)
{
    (void)state;
    for (unsigned c = 0; c < 256; c++) {
        int value = c >= '0' && c <= '9'   ? (int)c - '0'
                    : c >= 'a' && c <= 'f' ? (int)c - 'a' + 10
                    : c >= 'A' && c <= 'F' ? (int)c - 'A' + 10
                                           : -1;
        for (int low = 0; low < 2; low++) {
            char hex[6] = {'0', 'x', 'f', '1', '7', '7'};
            hex[4 + low] = (char)c;
            uint8_t out[2];
            size_t written = 99;
            seq_err err = l1_hex_decode(out, sizeof(out), &written, hex, sizeof(hex));
            if (value < 0) {
                assert_int_equal(err, SEQ_ERR_MALFORMED);
                assert_int_equal(written, 0);
                assert_all(out, sizeof(out), 0);
                continue;
            }
            assert_int_equal(err, SEQ_OK);
            assert_int_equal(written, 2);
            assert_int_equal(out[0], 0xf1);
            assert_int_equal(out[1], low ? 0x70 | value : value << 4 | 7);
        }
    }
}

static void test_decode_exact(void **state)
{
    (void)state;
    uint8_t out[4];
    assert_int_equal(l1_hex_decode_exact(out, sizeof(out), "0xdeadBEEF"), SEQ_OK);
    assert_memory_equal(out, "\xde\xad\xbe\xef", 4);
    assert_int_equal(l1_hex_decode_exact(out, sizeof(out), "cafebabe"), SEQ_OK);
    assert_memory_equal(out, "\xca\xfe\xba\xbe", 4);
    static const char *const bad[] = {"0xdeadbe", "0xdeadbeef00", "0xdeadbeeg",
                                      "",         "0x",           "0xdeadbeef0"};
    for (size_t i = 0; i < SEQ_ARRAY_LEN(bad); i++) {
        memset(out, 0xaa, sizeof(out));
        assert_int_equal(l1_hex_decode_exact(out, sizeof(out), bad[i]), SEQ_ERR_MALFORMED);
        assert_all(out, sizeof(out), 0);
    }
    assert_int_equal(l1_hex_decode_exact(NULL, 0, "0x"), SEQ_OK);
}

/* Vectors from EIP-55, all four groups (all caps, all lower, mixed). */
static void test_checksum(void **state)
{
    (void)state;
    static const char *const vectors[] = {
        "0x52908400098527886E0F7030069857D2E4169EE7", "0x8617E340B3D01FA5F11F306F4090FD50E238070D",
        "0xde709f2102306220921060314715629080e2fb77", "0x27b1fdb04752bbc536007a920d24acb045561c26",
        "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
        "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB", "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
    };
    for (size_t i = 0; i < SEQ_ARRAY_LEN(vectors); i++) {
        seq_addr a;
        assert_int_equal(l1_hex_decode_exact(a.b, sizeof(a.b), vectors[i]), SEQ_OK);
        char out[43];
        memset(out, 'z', sizeof(out));
        l1_addr_checksum(out, &a);
        assert_string_equal(out, vectors[i]);
    }
    /* Digits never change case; the form round-trips through the decoder. */
    seq_addr zero = {{0}};
    char out[43];
    l1_addr_checksum(out, &zero);
    assert_string_equal(out, "0x0000000000000000000000000000000000000000");
    seq_addr back;
    assert_int_equal(l1_hex_decode_exact(back.b, sizeof(back.b), vectors[4]), SEQ_OK);
    l1_addr_checksum(out, &back);
    assert_int_equal(strlen(out), 42);
    for (size_t i = 2; i < 42; i++)
        assert_true(isxdigit((unsigned char)out[i]));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_encode),
        cmocka_unit_test(test_decode),
        cmocka_unit_test(test_decode_every_byte),
        cmocka_unit_test(test_decode_exact),
        cmocka_unit_test(test_checksum),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
