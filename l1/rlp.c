/* rlp.c — a bounded RLP writer and a strict, canonical RLP decoder.
 *
 * Encoding (Ethereum Yellow Paper, appendix B):
 *   a single byte < 0x80          itself
 *   a string of 0..55 bytes       0x80 + len, payload
 *   a longer string               0xb7 + len(len), len big-endian, payload
 *   a list payload of 0..55 bytes 0xc0 + len, payload
 *   a longer list payload         0xf7 + len(len), len big-endian, payload
 * Canonical means the shortest of these forms: no wrapped single byte < 0x80,
 * no long form for a short length, no leading zero byte in a long length. */
#include <string.h>

#include "l1.h"

#define RLP_SHORT_MAX     55
#define RLP_STRING_OFFSET 0x80
#define RLP_LIST_OFFSET   0xc0
#define RLP_HEADER_MAX    9 /* one byte plus an 8-byte length */

/* ---------------------------------------------------------------- writer */

/* Number of bytes in the big-endian form of v without leading zeros. */
static size_t rlp_be_len(uint64_t v)
{
    size_t n = 0;
    while (v != 0) {
        n++;
        v >>= 8;
    }
    return n;
}

/* Writes the header for a payload of len bytes into hdr; returns its size. */
static size_t rlp_header(uint8_t hdr[RLP_HEADER_MAX], uint8_t offset, size_t len)
{
    if (len <= RLP_SHORT_MAX) {
        hdr[0] = (uint8_t)(offset + len);
        return 1;
    }
    size_t n = rlp_be_len((uint64_t)len);
    hdr[0] = (uint8_t)(offset + RLP_SHORT_MAX + n);
    for (size_t i = 0; i < n; i++)
        hdr[1 + i] = (uint8_t)((uint64_t)len >> (8 * (n - 1 - i)));
    return 1 + n;
}

static void rlp_fail(l1_rlp_writer *w, seq_err err)
{
    if (w->err == SEQ_OK)
        w->err = err;
}

static bool rlp_has_room(l1_rlp_writer *w, size_t n)
{
    if (n > w->cap - w->len) {
        rlp_fail(w, SEQ_ERR_NO_SPACE);
        return false;
    }
    return true;
}

static void rlp_append(l1_rlp_writer *w, const uint8_t *data, size_t len)
{
    if (len > 0)
        memcpy(w->buf + w->len, data, len);
    w->len += len;
}

void l1_rlp_writer_init(l1_rlp_writer *w, uint8_t *buf, size_t cap)
{
    SEQ_ASSERT(w != NULL);
    SEQ_ASSERT(buf != NULL || cap == 0);
    memset(w, 0, sizeof(*w));
    w->buf = buf;
    w->cap = cap;
    w->err = SEQ_OK;
}

void l1_rlp_put_bytes(l1_rlp_writer *w, const uint8_t *data, size_t len)
{
    SEQ_ASSERT(w != NULL);
    SEQ_ASSERT(data != NULL || len == 0);
    if (w->err != SEQ_OK)
        return;
    if (len == 1 && data[0] < RLP_STRING_OFFSET) {
        if (rlp_has_room(w, 1))
            rlp_append(w, data, 1);
        return;
    }
    uint8_t hdr[RLP_HEADER_MAX];
    size_t hdr_len = rlp_header(hdr, RLP_STRING_OFFSET, len);
    if (len > SIZE_MAX - hdr_len) {
        rlp_fail(w, SEQ_ERR_NO_SPACE);
        return;
    }
    if (!rlp_has_room(w, hdr_len + len))
        return;
    rlp_append(w, hdr, hdr_len);
    rlp_append(w, data, len);
}

void l1_rlp_put_u64(l1_rlp_writer *w, uint64_t value)
{
    uint8_t be[8];
    for (size_t i = 0; i < sizeof(be); i++)
        be[i] = (uint8_t)(value >> (8 * (7 - i)));
    l1_rlp_put_uint_be(w, be, sizeof(be));
}

void l1_rlp_put_uint_be(l1_rlp_writer *w, const uint8_t *be, size_t len)
{
    SEQ_ASSERT(be != NULL || len == 0);
    while (len > 0 && be[0] == 0) {
        be++;
        len--;
    }
    l1_rlp_put_bytes(w, be, len);
}

void l1_rlp_put_raw(l1_rlp_writer *w, const uint8_t *rlp, size_t len)
{
    SEQ_ASSERT(w != NULL);
    SEQ_ASSERT(rlp != NULL || len == 0);
    if (w->err != SEQ_OK)
        return;
    if (rlp_has_room(w, len))
        rlp_append(w, rlp, len);
}

/* A list reserves one header byte (the short form); list_end moves the
 * payload up when the long form needs more. */
void l1_rlp_list_begin(l1_rlp_writer *w)
{
    SEQ_ASSERT(w != NULL);
    if (w->err != SEQ_OK)
        return;
    if (w->depth == L1_RLP_DEPTH_MAX) {
        rlp_fail(w, SEQ_ERR_INVALID_ARG);
        return;
    }
    if (!rlp_has_room(w, 1))
        return;
    w->len++;
    w->open[w->depth++] = w->len;
}

void l1_rlp_list_end(l1_rlp_writer *w)
{
    SEQ_ASSERT(w != NULL);
    if (w->err != SEQ_OK)
        return;
    if (w->depth == 0) {
        rlp_fail(w, SEQ_ERR_INVALID_ARG);
        return;
    }
    size_t start = w->open[w->depth - 1];
    SEQ_ASSERT(start >= 1 && start <= w->len);
    size_t payload_len = w->len - start;
    uint8_t hdr[RLP_HEADER_MAX];
    size_t hdr_len = rlp_header(hdr, RLP_LIST_OFFSET, payload_len);
    if (hdr_len > 1) {
        if (!rlp_has_room(w, hdr_len - 1))
            return;
        memmove(w->buf + start + hdr_len - 1, w->buf + start, payload_len);
        w->len += hdr_len - 1;
    }
    memcpy(w->buf + start - 1, hdr, hdr_len);
    w->depth--;
}

seq_err l1_rlp_writer_finish(l1_rlp_writer *w, size_t *out_len)
{
    SEQ_ASSERT(w != NULL);
    SEQ_ASSERT(out_len != NULL);
    *out_len = 0;
    if (w->err == SEQ_OK && w->depth != 0)
        w->err = SEQ_ERR_INVALID_ARG;
    if (w->err != SEQ_OK)
        return w->err;
    *out_len = w->len;
    return SEQ_OK;
}

/* --------------------------------------------------------------- decoder */

/* Reads the n-byte big-endian long-form length at p (1 <= n <= 8). */
static seq_err rlp_long_len(size_t *out, const uint8_t *p, size_t n)
{
    if (p[0] == 0)
        return SEQ_ERR_NONCANONICAL;
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++)
        v = v << 8 | p[i];
    if (v <= RLP_SHORT_MAX)
        return SEQ_ERR_NONCANONICAL;
    if (v > SIZE_MAX - RLP_HEADER_MAX)
        return SEQ_ERR_TOO_LARGE;
    *out = (size_t)v;
    return SEQ_OK;
}

/* Splits the header at in[0] into header and payload sizes. */
static seq_err rlp_parse_header(size_t *hdr_len, size_t *payload_len, bool *is_list,
                                const uint8_t *in, size_t in_len)
{
    uint8_t b = in[0];
    *is_list = b >= RLP_LIST_OFFSET;
    if (b < RLP_STRING_OFFSET) {
        *hdr_len = 0;
        *payload_len = 1;
        return SEQ_OK;
    }
    uint8_t offset = *is_list ? RLP_LIST_OFFSET : RLP_STRING_OFFSET;
    size_t short_len = (size_t)(b - offset);
    if (short_len <= RLP_SHORT_MAX) {
        *hdr_len = 1;
        *payload_len = short_len;
        if (!*is_list && short_len == 1 && in_len >= 2 && in[1] < RLP_STRING_OFFSET)
            return SEQ_ERR_NONCANONICAL;
        return SEQ_OK;
    }
    size_t n = short_len - RLP_SHORT_MAX;
    if (in_len - 1 < n)
        return SEQ_ERR_TRUNCATED;
    *hdr_len = 1 + n;
    return rlp_long_len(payload_len, in + 1, n);
}

seq_err l1_rlp_decode_item(l1_rlp_item *out, size_t *consumed, const uint8_t *in, size_t in_len)
{
    SEQ_ASSERT(out != NULL);
    SEQ_ASSERT(consumed != NULL);
    SEQ_ASSERT(in != NULL || in_len == 0);

    memset(out, 0, sizeof(*out));
    *consumed = 0;
    if (in_len == 0)
        return SEQ_ERR_TRUNCATED;

    size_t hdr_len = 0, payload_len = 0;
    bool is_list = false;
    seq_err err = rlp_parse_header(&hdr_len, &payload_len, &is_list, in, in_len);
    if (err != SEQ_OK)
        return err;
    if (payload_len > in_len - hdr_len)
        return SEQ_ERR_TRUNCATED;
    out->payload = in + hdr_len;
    out->payload_len = payload_len;
    out->is_list = is_list;
    *consumed = hdr_len + payload_len;
    return SEQ_OK;
}

seq_err l1_rlp_decode_single(l1_rlp_item *out, const uint8_t *in, size_t in_len)
{
    size_t consumed = 0;
    seq_err err = l1_rlp_decode_item(out, &consumed, in, in_len);
    if (err != SEQ_OK)
        return err;
    if (consumed != in_len) {
        memset(out, 0, sizeof(*out));
        return SEQ_ERR_TRAILING;
    }
    return SEQ_OK;
}

/* Walks the tree depth-first with an explicit stack of the end offsets of
 * the open lists; every item must end within its parent. */
seq_err l1_rlp_validate(const uint8_t *in, size_t in_len)
{
    SEQ_ASSERT(in != NULL || in_len == 0);
    if (in_len == 0)
        return SEQ_ERR_TRUNCATED;

    size_t ends[L1_RLP_DEPTH_MAX];
    size_t depth = 0;
    size_t pos = 0;
    size_t end = in_len;

    do {
        if (depth > 0 && pos == end) {
            end = --depth > 0 ? ends[depth - 1] : in_len;
            continue;
        }
        l1_rlp_item item;
        size_t consumed = 0;
        seq_err err = l1_rlp_decode_item(&item, &consumed, in + pos, end - pos);
        if (err != SEQ_OK)
            return err;
        if (depth == 0 && consumed != in_len)
            return SEQ_ERR_TRAILING;
        if (!item.is_list) {
            pos += consumed;
            continue;
        }
        if (depth == L1_RLP_DEPTH_MAX)
            return SEQ_ERR_TOO_LARGE;
        pos = (size_t)(item.payload - in);
        end = pos + item.payload_len;
        ends[depth++] = end;
    } while (depth > 0);
    return SEQ_OK;
}

/* -------------------------------------------------------------- iterator */

void l1_rlp_iter_init(l1_rlp_iter *it, const l1_rlp_item *list)
{
    SEQ_ASSERT(it != NULL);
    SEQ_ASSERT(list != NULL && list->is_list);
    SEQ_ASSERT(list->payload != NULL || list->payload_len == 0);
    it->pos = list->payload;
    it->left = list->payload_len;
}

bool l1_rlp_iter_done(const l1_rlp_iter *it)
{
    SEQ_ASSERT(it != NULL);
    return it->left == 0;
}

seq_err l1_rlp_iter_next(l1_rlp_iter *it, l1_rlp_item *out)
{
    SEQ_ASSERT(it != NULL);
    SEQ_ASSERT(out != NULL);
    if (it->left == 0) {
        memset(out, 0, sizeof(*out));
        return SEQ_ERR_NOT_FOUND;
    }
    size_t consumed = 0;
    seq_err err = l1_rlp_decode_item(out, &consumed, it->pos, it->left);
    if (err != SEQ_OK)
        return err;
    it->pos += consumed;
    it->left -= consumed;
    return SEQ_OK;
}

/* ------------------------------------------------------------- integers */

/* Checks item is a canonical unsigned integer of at most max_len bytes. */
static seq_err rlp_check_uint(const l1_rlp_item *item, size_t max_len)
{
    if (item->is_list)
        return SEQ_ERR_MALFORMED;
    if (item->payload_len > 0 && item->payload[0] == 0)
        return SEQ_ERR_NONCANONICAL;
    if (item->payload_len > max_len)
        return SEQ_ERR_TOO_LARGE;
    return SEQ_OK;
}

seq_err l1_rlp_item_u64(uint64_t *out, const l1_rlp_item *item)
{
    SEQ_ASSERT(out != NULL);
    SEQ_ASSERT(item != NULL);
    *out = 0;
    seq_err err = rlp_check_uint(item, sizeof(uint64_t));
    if (err != SEQ_OK)
        return err;
    uint64_t v = 0;
    for (size_t i = 0; i < item->payload_len; i++)
        v = v << 8 | item->payload[i];
    *out = v;
    return SEQ_OK;
}

seq_err l1_rlp_item_uint_be(uint8_t *out, size_t out_len, const l1_rlp_item *item)
{
    SEQ_ASSERT(out != NULL || out_len == 0);
    SEQ_ASSERT(item != NULL);
    if (out_len > 0)
        memset(out, 0, out_len);
    seq_err err = rlp_check_uint(item, out_len);
    if (err != SEQ_OK)
        return err;
    if (item->payload_len > 0)
        memcpy(out + (out_len - item->payload_len), item->payload, item->payload_len);
    return SEQ_OK;
}
