/* hex.c — hex encoding and decoding, EIP-55 address checksums. */
#include <string.h>

#include "l1.h"

static const char hex_digits_lower[] = "0123456789abcdef";

/* Value of one hex digit, or -1 when c is not one. */
static int hex_digit_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* One more than the value of each hex digit; 0 for every other byte. */
static const uint8_t hex_value_plus_one[256] = {
    ['0'] = 1,  ['1'] = 2,  ['2'] = 3,  ['3'] = 4,  ['4'] = 5,  ['5'] = 6,  ['6'] = 7,  ['7'] = 8,
    ['8'] = 9,  ['9'] = 10, ['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16,
    ['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16,
};

static void hex_write_digits(char *out, const uint8_t *in, size_t in_len)
{
    for (size_t i = 0; i < in_len; i++) {
        out[2 * i] = hex_digits_lower[in[i] >> 4];
        out[2 * i + 1] = hex_digits_lower[in[i] & 0x0f];
    }
}

seq_err l1_hex_encode(char *out, size_t out_len, const uint8_t *in, size_t in_len)
{
    SEQ_ASSERT(out != NULL || out_len == 0);
    SEQ_ASSERT(in != NULL || in_len == 0);

    if (in_len > (SIZE_MAX - 3) / 2 || out_len < 2 * in_len + 3) {
        if (out_len > 0)
            out[0] = '\0';
        return SEQ_ERR_NO_SPACE;
    }
    out[0] = '0';
    out[1] = 'x';
    hex_write_digits(out + 2, in, in_len);
    out[2 + 2 * in_len] = '\0';
    return SEQ_OK;
}

seq_err l1_hex_decode(uint8_t *out, size_t out_len, size_t *written, const char *hex,
                      size_t hex_len)
{
    SEQ_ASSERT(out != NULL || out_len == 0);
    SEQ_ASSERT(written != NULL);
    SEQ_ASSERT(hex != NULL || hex_len == 0);

    *written = 0;
    if (hex_len >= 2 && hex[0] == '0' && (hex[1] == 'x' || hex[1] == 'X')) {
        hex += 2;
        hex_len -= 2;
    }
    if (hex_len % 2 != 0)
        goto malformed;
    if (hex_len / 2 > out_len) {
        if (out_len > 0)
            memset(out, 0, out_len);
        return SEQ_ERR_NO_SPACE;
    }
    /* Without a branch per digit (the API decodes every tx it is sent):
     * a non-digit shows as a 0 in the table, checked once at the end. */
    unsigned bad = 0;
    for (size_t i = 0; i < hex_len / 2; i++) {
        unsigned hi = hex_value_plus_one[(unsigned char)hex[2 * i]];
        unsigned lo = hex_value_plus_one[(unsigned char)hex[2 * i + 1]];
        bad |= (hi == 0) | (lo == 0);
        out[i] = (uint8_t)((hi - 1u) << 4 | ((lo - 1u) & 0x0fu));
    }
    if (bad != 0)
        goto malformed;
    *written = hex_len / 2;
    return SEQ_OK;

malformed:
    if (out_len > 0)
        memset(out, 0, out_len);
    return SEQ_ERR_MALFORMED;
}

seq_err l1_hex_decode_exact(uint8_t *out, size_t out_len, const char *hex)
{
    SEQ_ASSERT(out != NULL || out_len == 0);
    SEQ_ASSERT(hex != NULL);

    size_t written = 0;
    seq_err err = l1_hex_decode(out, out_len, &written, hex, strlen(hex));
    if (err == SEQ_OK && written == out_len)
        return SEQ_OK;
    if (out_len > 0)
        memset(out, 0, out_len);
    return SEQ_ERR_MALFORMED;
}

void l1_addr_checksum(char out[43], const seq_addr *addr)
{
    SEQ_ASSERT(out != NULL);
    SEQ_ASSERT(addr != NULL);

    char *digits = out + 2;
    out[0] = '0';
    out[1] = 'x';
    hex_write_digits(digits, addr->b, SEQ_ADDR_BYTES);
    out[42] = '\0';

    /* EIP-55: hash the lowercase hex digits (ASCII, no prefix); a letter is
     * upper-cased when the matching nibble of the hash is 8 or more. */
    seq_hash hash;
    l1_keccak256(&hash, (const uint8_t *)digits, 2 * SEQ_ADDR_BYTES);
    for (size_t i = 0; i < 2 * SEQ_ADDR_BYTES; i++) {
        uint8_t nibble = (i % 2 == 0) ? hash.b[i / 2] >> 4 : hash.b[i / 2] & 0x0f;
        if (digits[i] >= 'a' && digits[i] <= 'f' && nibble >= 8)
            digits[i] = (char)(digits[i] - 'a' + 'A');
    }
}

/* ------------------------------------------------------------ quantities */

/* Checks the form of a quantity of at most digits_max digits; on success
 * *digits points at the first digit and *count is their number. */
static seq_err quantity_digits(const char **digits, size_t *count, const char *text,
                               size_t text_len, size_t digits_max)
{
    if (text_len < 3 || text[0] != '0' || text[1] != 'x')
        return SEQ_ERR_MALFORMED;
    const char *d = text + 2;
    size_t n = text_len - 2;
    for (size_t i = 0; i < n; i++) {
        if (hex_digit_value(d[i]) < 0)
            return SEQ_ERR_MALFORMED;
    }
    if (d[0] == '0' && n > 1)
        return SEQ_ERR_MALFORMED; /* leading zero */
    if (n > digits_max)
        return SEQ_ERR_TOO_LARGE;
    *digits = d;
    *count = n;
    return SEQ_OK;
}

seq_err l1_quantity_u64(uint64_t *out, const char *text, size_t text_len)
{
    SEQ_ASSERT(out != NULL);
    SEQ_ASSERT(text != NULL || text_len == 0);
    *out = 0;
    const char *d = NULL;
    size_t n = 0;
    seq_err err = quantity_digits(&d, &n, text, text_len, 16);
    if (err != SEQ_OK)
        return err;
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++)
        v = v << 4 | (uint64_t)hex_digit_value(d[i]);
    *out = v;
    return SEQ_OK;
}

seq_err l1_quantity_u256(uint8_t out[32], const char *text, size_t text_len)
{
    SEQ_ASSERT(out != NULL);
    SEQ_ASSERT(text != NULL || text_len == 0);
    memset(out, 0, 32);
    const char *d = NULL;
    size_t n = 0;
    seq_err err = quantity_digits(&d, &n, text, text_len, 64);
    if (err != SEQ_OK)
        return err;
    /* Digit i from the right is nibble i of the big-endian number. */
    for (size_t i = 0; i < n; i++) {
        uint8_t nibble = (uint8_t)hex_digit_value(d[n - 1 - i]);
        out[31 - i / 2] |= (uint8_t)(i % 2 == 0 ? nibble : nibble << 4);
    }
    return SEQ_OK;
}

void l1_quantity_format_u256(char out[L1_QUANTITY_U256_CHARS], const uint8_t value[32])
{
    SEQ_ASSERT(out != NULL);
    SEQ_ASSERT(value != NULL);
    char full[65];
    hex_write_digits(full, value, 32);
    full[64] = '\0';
    size_t skip = 0;
    while (skip < 63 && full[skip] == '0')
        skip++;
    out[0] = '0';
    out[1] = 'x';
    memcpy(out + 2, full + skip, 65 - skip);
}

void l1_quantity_format_u64(char out[L1_QUANTITY_U64_CHARS], uint64_t value)
{
    SEQ_ASSERT(out != NULL);
    uint8_t be[32] = {0};
    for (size_t i = 0; i < 8; i++)
        be[24 + i] = (uint8_t)(value >> (8 * (7 - i)));
    char wide[L1_QUANTITY_U256_CHARS];
    l1_quantity_format_u256(wide, be);
    size_t len = strlen(wide);
    SEQ_ASSERT(len < L1_QUANTITY_U64_CHARS);
    memcpy(out, wide, len + 1);
}
