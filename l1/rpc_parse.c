/* rpc_parse.c — the JSON-RPC response parser (HTTP body in, typed result
 * out, no I/O; fuzzed by fuzz/fuzz_rpc.c) and the error classifier.
 *
 * Before jansson builds a document, one pass over the bytes bounds what it
 * would build: at most L1_RPC_JSON_VALUES_MAX values and
 * L1_RPC_JSON_DEPTH_MAX levels. Without it a 16 MiB body of "[0,0,0,..."
 * would become hundreds of MiB of JSON nodes. Every string that comes from
 * the node and is kept (error message, data, jansson's own complaint, which
 * quotes the input) is reduced to printable ASCII. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

__attribute__((format(printf, 2, 0))) static void parse_vdetail(l1_rpc_result *out, const char *fmt,
                                                                va_list ap)
{
    vsnprintf(out->detail, sizeof(out->detail), fmt, ap);
}

/* Records why in out->detail (truncated to fit) and returns err. */
__attribute__((format(printf, 3, 4))) static seq_err parse_detail(l1_rpc_result *out, seq_err err,
                                                                  const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    parse_vdetail(out, fmt, ap);
    va_end(ap);
    return err;
}

__attribute__((format(printf, 2, 3))) static seq_err parse_fail(l1_rpc_result *out, const char *fmt,
                                                                ...)
{
    va_list ap;
    va_start(ap, fmt);
    parse_vdetail(out, fmt, ap);
    va_end(ap);
    return SEQ_ERR_MALFORMED;
}

/* Copies src[0..src_len) into dst (truncated, NUL-terminated), every byte
 * outside printable ASCII replaced by '?'. */
static void copy_printable(char *dst, size_t dst_len, const char *src, size_t src_len)
{
    SEQ_ASSERT(dst_len > 0);
    size_t n = SEQ_MIN(src_len, dst_len - 1);
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)src[i];
        dst[i] = (ch >= 0x20 && ch < 0x7f) ? (char)ch : '?';
    }
    dst[n] = '\0';
}

/* ------------------------------------------------------------ classifier */

static char fold(char ch)
{
    if (ch >= 'A' && ch <= 'Z')
        return (char)(ch - 'A' + 'a');
    return ch == '_' ? ' ' : ch;
}

/* Case-insensitive search that also reads '_' as ' ' (Besu writes
 * NONCE_TOO_LOW). */
static bool text_contains(const char *haystack, const char *needle)
{
    size_t n = strlen(needle);
    for (const char *h = haystack; *h != '\0'; h++) {
        size_t i = 0;
        while (i < n && h[i] != '\0' && fold(h[i]) == needle[i])
            i++;
        if (i == n)
            return true;
    }
    return false;
}

typedef struct {
    l1_rpc_kind kind;
    const char *phrase; /* lower case */
} kind_phrase;

/* First match wins; a revert reason may quote any of the later phrases. */
static const kind_phrase kind_phrases[] = {
    {L1_RPC_KIND_REVERTED, "execution reverted"},
    {L1_RPC_KIND_ALREADY_KNOWN, "already known"},
    {L1_RPC_KIND_ALREADY_KNOWN, "alreadyknown"},
    {L1_RPC_KIND_ALREADY_KNOWN, "known transaction"},
    {L1_RPC_KIND_ALREADY_KNOWN, "already imported"},
    {L1_RPC_KIND_NONCE_TOO_LOW, "nonce too low"},
    {L1_RPC_KIND_NONCE_TOO_LOW, "oldnonce"},
    {L1_RPC_KIND_UNDERPRICED, "underpriced"},
    {L1_RPC_KIND_UNDERPRICED, "less than block base fee"},
    {L1_RPC_KIND_UNDERPRICED, "fee too low"},
    {L1_RPC_KIND_UNDERPRICED, "feetoolow"},
    {L1_RPC_KIND_UNDERPRICED, "price too low"},
    {L1_RPC_KIND_INSUFFICIENT_FUNDS, "insufficient funds"},
    {L1_RPC_KIND_INSUFFICIENT_FUNDS, "insufficientfunds"},
    {L1_RPC_KIND_INSUFFICIENT_FUNDS, "upfront cost exceeds balance"},
    {L1_RPC_KIND_METHOD_NOT_FOUND, "method not found"},
    {L1_RPC_KIND_METHOD_NOT_FOUND, "does not exist/is not available"},
    {L1_RPC_KIND_LIMIT, "rate limit"},
    {L1_RPC_KIND_LIMIT, "too many requests"},
    {L1_RPC_KIND_LIMIT, "limit exceeded"},
    {L1_RPC_KIND_LIMIT, "query returned more than"},
    {L1_RPC_KIND_LIMIT, "max results"},
    {L1_RPC_KIND_LIMIT, "block range"},
    {L1_RPC_KIND_LIMIT, "response size"},
};

#define RPC_CODE_REVERTED         3
#define RPC_CODE_METHOD_NOT_FOUND (-32601)
#define RPC_CODE_LIMIT_EXCEEDED   (-32005) /* EIP-1474 */

l1_rpc_kind l1_rpc_error_kind(int64_t code, const char *message)
{
    if (code == RPC_CODE_REVERTED)
        return L1_RPC_KIND_REVERTED;
    for (size_t i = 0; message != NULL && i < SEQ_ARRAY_LEN(kind_phrases); i++) {
        if (text_contains(message, kind_phrases[i].phrase))
            return kind_phrases[i].kind;
    }
    if (code == RPC_CODE_METHOD_NOT_FOUND)
        return L1_RPC_KIND_METHOD_NOT_FOUND;
    if (code == RPC_CODE_LIMIT_EXCEEDED)
        return L1_RPC_KIND_LIMIT;
    return L1_RPC_KIND_OTHER;
}

const char *l1_rpc_kind_name(l1_rpc_kind kind)
{
    switch (kind) {
    case L1_RPC_KIND_NONE:
        return "none";
    case L1_RPC_KIND_OTHER:
        return "other";
    case L1_RPC_KIND_ALREADY_KNOWN:
        return "already_known";
    case L1_RPC_KIND_NONCE_TOO_LOW:
        return "nonce_too_low";
    case L1_RPC_KIND_UNDERPRICED:
        return "underpriced";
    case L1_RPC_KIND_INSUFFICIENT_FUNDS:
        return "insufficient_funds";
    case L1_RPC_KIND_REVERTED:
        return "reverted";
    case L1_RPC_KIND_METHOD_NOT_FOUND:
        return "method_not_found";
    case L1_RPC_KIND_LIMIT:
        return "limit";
    }
    return "unknown";
}

/* -------------------------------------------------------------- envelope */

/* One pass that bounds the values and the nesting jansson would build.
 * Outside strings every value but the first follows '[', '{', ',' or ':',
 * so counting those over-approximates the values. */
static seq_err json_bound(l1_rpc_result *out, const uint8_t *body, size_t body_len)
{
    size_t values = 1, depth = 0;
    bool in_string = false, escaped = false;
    for (size_t i = 0; i < body_len; i++) {
        uint8_t ch = body[i];
        if (in_string) {
            if (escaped)
                escaped = false;
            else if (ch == '\\')
                escaped = true;
            else if (ch == '"')
                in_string = false;
            continue;
        }
        if (ch == '"') {
            in_string = true;
        } else if (ch == '[' || ch == '{') {
            if (++depth > L1_RPC_JSON_DEPTH_MAX)
                return parse_fail(out, "JSON nests deeper than %u levels", L1_RPC_JSON_DEPTH_MAX);
            values++;
        } else if ((ch == ']' || ch == '}') && depth > 0) {
            depth--;
        } else if (ch == ',' || ch == ':') {
            values++;
        }
        if (values > L1_RPC_JSON_VALUES_MAX)
            return parse_fail(out, "more than %u JSON values", L1_RPC_JSON_VALUES_MAX);
    }
    return SEQ_OK;
}

static seq_err envelope_error(l1_rpc_result *out, const json_t *error)
{
    const json_t *code = json_object_get(error, "code");
    const json_t *message = json_object_get(error, "message");
    if (!json_is_object(error) || !json_is_integer(code) || !json_is_string(message))
        return parse_fail(out, "error object without an integer code and a string message");
    l1_rpc_error *e = &out->error;
    e->code = json_integer_value(code);
    copy_printable(e->message, sizeof(e->message), json_string_value(message),
                   json_string_length(message));
    const json_t *data = json_object_get(error, "data");
    if (json_is_string(data)) {
        copy_printable(e->data, sizeof(e->data), json_string_value(data), json_string_length(data));
    } else if (data != NULL && !json_is_null(data)) {
        char *text = json_dumps(data, JSON_COMPACT | JSON_ENCODE_ANY);
        if (text != NULL)
            copy_printable(e->data, sizeof(e->data), text, strlen(text));
        free(text);
    }
    e->kind = l1_rpc_error_kind(e->code, e->message);
    return parse_detail(out, L1_RPC_ERR_REMOTE, "node error %lld: %s", (long long)e->code,
                        e->message);
}

static seq_err envelope_check(l1_rpc_result *out, json_t **result, const json_t *doc, uint64_t id)
{
    if (!json_is_object(doc))
        return parse_fail(out, "the response is not a JSON object");
    const json_t *version = json_object_get(doc, "jsonrpc");
    if (!json_is_string(version) || json_string_length(version) != 3 ||
        strcmp(json_string_value(version), "2.0") != 0)
        return parse_fail(out, "the response is not JSON-RPC 2.0");
    json_t *res = json_object_get(doc, "result");
    const json_t *error = json_object_get(doc, "error");
    if ((res == NULL) == (error == NULL))
        return parse_fail(out, "the response needs exactly one of 'result' and 'error'");
    const json_t *jid = json_object_get(doc, "id");
    bool id_ok = json_is_integer(jid) && json_integer_value(jid) >= 0 &&
                 (uint64_t)json_integer_value(jid) == id;
    /* JSON-RPC answers id null when it could not read the request's id. */
    if (!id_ok && !(error != NULL && json_is_null(jid)))
        return parse_fail(out, "the response is not for request id %llu", (unsigned long long)id);
    if (error != NULL)
        return envelope_error(out, error);
    *result = res;
    return SEQ_OK;
}

seq_err l1_rpc_envelope(json_t **root, json_t **result, l1_rpc_result *out, uint64_t id,
                        const uint8_t *body, size_t body_len)
{
    SEQ_ASSERT(root != NULL && result != NULL && out != NULL);
    SEQ_ASSERT(body != NULL || body_len == 0);
    *root = NULL;
    *result = NULL;
    seq_err err = json_bound(out, body, body_len);
    if (err != SEQ_OK)
        return err;
    json_error_t jerr;
    json_t *doc =
        json_loadb((const char *)body, body_len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &jerr);
    if (doc == NULL) {
        char why[sizeof(jerr.text)];
        copy_printable(why, sizeof(why), jerr.text, strnlen(jerr.text, sizeof(jerr.text)));
        return parse_fail(out, "not JSON: %s (byte %d)", why, jerr.position);
    }
    err = envelope_check(out, result, doc, id);
    if (err != SEQ_OK) {
        json_decref(doc);
        *result = NULL;
        return err;
    }
    *root = doc;
    return SEQ_OK;
}

/* ---------------------------------------------------------------- values */

static seq_err value_u64(l1_rpc_result *out, uint64_t *v, const json_t *value, const char *what)
{
    if (!json_is_string(value))
        return parse_fail(out, "%s: missing or not a quantity string", what);
    seq_err err = l1_quantity_u64(v, json_string_value(value), json_string_length(value));
    if (err == SEQ_ERR_TOO_LARGE)
        return parse_fail(out, "%s: quantity exceeds 64 bits", what);
    if (err != SEQ_OK)
        return parse_fail(out, "%s: not a canonical quantity", what);
    return SEQ_OK;
}

static seq_err value_u256(l1_rpc_result *out, uint8_t v[32], const json_t *value, const char *what)
{
    if (!json_is_string(value))
        return parse_fail(out, "%s: missing or not a quantity string", what);
    seq_err err = l1_quantity_u256(v, json_string_value(value), json_string_length(value));
    if (err != SEQ_OK)
        return parse_fail(out, "%s: not a canonical 256-bit quantity", what);
    return SEQ_OK;
}

/* "0x" and exactly 2 * len hex digits. */
static seq_err value_fixed(l1_rpc_result *out, uint8_t *buf, size_t len, const json_t *value,
                           const char *what)
{
    const char *s = json_string_value(value);
    size_t n = json_string_length(value);
    size_t written = 0;
    if (s == NULL || n != 2 + 2 * len || s[0] != '0' || s[1] != 'x' ||
        l1_hex_decode(buf, len, &written, s, n) != SEQ_OK)
        return parse_fail(out, "%s: not 0x and %zu bytes of hex", what, len);
    return SEQ_OK;
}

static seq_err field_u64(l1_rpc_result *out, uint64_t *v, const json_t *obj, const char *key)
{
    return value_u64(out, v, json_object_get(obj, key), key);
}

static seq_err field_hash(l1_rpc_result *out, seq_hash *h, const json_t *obj, const char *key)
{
    return value_fixed(out, h->b, sizeof(h->b), json_object_get(obj, key), key);
}

static seq_err field_addr(l1_rpc_result *out, seq_addr *a, const json_t *obj, const char *key)
{
    return value_fixed(out, a->b, sizeof(a->b), json_object_get(obj, key), key);
}

/* "0x" and an even number of hex digits, decoded into the arena. */
static seq_err field_data(l1_rpc_result *out, const uint8_t **data, size_t *data_len,
                          seq_arena *arena, const json_t *obj, const char *key)
{
    const json_t *value = json_object_get(obj, key);
    const char *s = json_string_value(value);
    size_t n = json_string_length(value);
    if (s == NULL || n < 2 || s[0] != '0' || s[1] != 'x' || n % 2 != 0)
        return parse_fail(out, "%s: not 0x and hex bytes", key);
    size_t len = (n - 2) / 2;
    uint8_t *p = seq_arena_alloc(arena, len);
    if (p == NULL) {
        return parse_detail(out, SEQ_ERR_NO_SPACE, "%s: %zu bytes exceed the data arena", key, len);
    }
    size_t written = 0;
    if (l1_hex_decode(p, len, &written, s, n) != SEQ_OK)
        return parse_fail(out, "%s: not 0x and hex bytes", key);
    *data = p;
    *data_len = len;
    return SEQ_OK;
}

/* ---------------------------------------------------------------- shapes */

static seq_err parse_block(l1_rpc_result *out, const json_t *r)
{
    if (json_is_null(r)) {
        out->is_null = true;
        return SEQ_OK;
    }
    if (!json_is_object(r))
        return parse_fail(out, "the block is not an object");
    l1_rpc_block *b = &out->v.block;
    seq_err err = field_u64(out, &b->number, r, "number");
    if (err == SEQ_OK)
        err = field_hash(out, &b->hash, r, "hash");
    if (err == SEQ_OK)
        err = field_hash(out, &b->parent_hash, r, "parentHash");
    if (err == SEQ_OK)
        err = field_u64(out, &b->timestamp, r, "timestamp");
    const json_t *fee = json_object_get(r, "baseFeePerGas");
    if (err == SEQ_OK && fee != NULL && !json_is_null(fee)) {
        err = value_u64(out, &b->base_fee_per_gas, fee, "baseFeePerGas");
        b->has_base_fee = err == SEQ_OK;
    }
    return err;
}

static seq_err parse_receipt(l1_rpc_result *out, const json_t *r)
{
    if (json_is_null(r)) {
        out->is_null = true;
        return SEQ_OK;
    }
    if (!json_is_object(r))
        return parse_fail(out, "the receipt is not an object");
    l1_rpc_tx_receipt *rc = &out->v.receipt;
    uint64_t status = 0;
    seq_err err = field_hash(out, &rc->tx_hash, r, "transactionHash");
    if (err == SEQ_OK)
        err = field_u64(out, &status, r, "status");
    if (err == SEQ_OK && status > 1)
        err = parse_fail(out, "status: neither 0x0 nor 0x1");
    rc->success = status == 1;
    if (err == SEQ_OK)
        err = field_u64(out, &rc->block_number, r, "blockNumber");
    if (err == SEQ_OK)
        err = field_hash(out, &rc->block_hash, r, "blockHash");
    if (err == SEQ_OK)
        err = field_u64(out, &rc->tx_index, r, "transactionIndex");
    if (err == SEQ_OK)
        err = field_u64(out, &rc->gas_used, r, "gasUsed");
    if (err == SEQ_OK)
        err = field_u64(out, &rc->effective_gas_price, r, "effectiveGasPrice");
    const json_t *created = json_object_get(r, "contractAddress");
    if (err == SEQ_OK && created != NULL && !json_is_null(created)) {
        err = field_addr(out, &rc->contract_address, r, "contractAddress");
        rc->has_contract_address = err == SEQ_OK;
    }
    return err;
}

static seq_err parse_topics(l1_rpc_result *out, l1_rpc_log *log, const json_t *topics)
{
    if (!json_is_array(topics) || json_array_size(topics) > L1_LOG_TOPICS_MAX)
        return parse_fail(out, "topics: not an array of at most %d hashes", L1_LOG_TOPICS_MAX);
    log->topic_count = json_array_size(topics);
    for (size_t i = 0; i < log->topic_count; i++) {
        seq_err err = value_fixed(out, log->topics[i].b, SEQ_HASH_BYTES, json_array_get(topics, i),
                                  "topics[]");
        if (err != SEQ_OK)
            return err;
    }
    return SEQ_OK;
}

static seq_err parse_log(l1_rpc_result *out, l1_rpc_log *log, seq_arena *arena, const json_t *r)
{
    if (!json_is_object(r))
        return parse_fail(out, "a log is not an object");
    seq_err err = field_addr(out, &log->address, r, "address");
    if (err == SEQ_OK)
        err = parse_topics(out, log, json_object_get(r, "topics"));
    if (err == SEQ_OK)
        err = field_data(out, &log->data, &log->data_len, arena, r, "data");
    if (err == SEQ_OK)
        err = field_u64(out, &log->block_number, r, "blockNumber");
    if (err == SEQ_OK)
        err = field_hash(out, &log->block_hash, r, "blockHash");
    if (err == SEQ_OK)
        err = field_hash(out, &log->tx_hash, r, "transactionHash");
    if (err == SEQ_OK)
        err = field_u64(out, &log->tx_index, r, "transactionIndex");
    if (err == SEQ_OK)
        err = field_u64(out, &log->log_index, r, "logIndex");
    const json_t *removed = json_object_get(r, "removed");
    if (err == SEQ_OK && removed != NULL && !json_is_boolean(removed))
        err = parse_fail(out, "removed: not a boolean");
    log->removed = json_is_true(removed);
    return err;
}

static seq_err parse_logs(l1_rpc_result *out, const l1_rpc_space *space, const json_t *r)
{
    if (!json_is_array(r))
        return parse_fail(out, "the logs are not an array");
    size_t count = json_array_size(r);
    if (count > space->logs_cap) {
        return parse_detail(out, SEQ_ERR_NO_SPACE, "%zu logs exceed the room for %zu", count,
                            space->logs_cap);
    }
    for (size_t i = 0; i < count; i++) {
        memset(&space->logs[i], 0, sizeof(space->logs[i]));
        seq_err err = parse_log(out, &space->logs[i], space->arena, json_array_get(r, i));
        if (err != SEQ_OK) {
            memset(space->logs, 0, (i + 1) * sizeof(space->logs[0]));
            return err;
        }
    }
    out->v.log_count = count;
    return SEQ_OK;
}

static seq_err parse_rewards(l1_rpc_result *out, l1_rpc_fees *fh, const json_t *reward)
{
    if (reward == NULL || json_is_null(reward))
        return SEQ_OK;
    if (!json_is_array(reward) || json_array_size(reward) != fh->block_count)
        return parse_fail(out, "reward: not one row per block");
    for (size_t i = 0; i < fh->block_count; i++) {
        const json_t *row = json_array_get(reward, i);
        size_t n = json_array_size(row);
        if (!json_is_array(row) || n > L1_FEE_PERCENTILES_MAX ||
            (i > 0 && n != fh->percentile_count))
            return parse_fail(out, "reward: rows of different or too many percentiles");
        fh->percentile_count = n;
        for (size_t j = 0; j < n; j++) {
            seq_err err = value_u64(out, &fh->reward[i][j], json_array_get(row, j), "reward[][]");
            if (err != SEQ_OK)
                return err;
        }
    }
    return SEQ_OK;
}

static seq_err parse_fee_history(l1_rpc_result *out, const json_t *r)
{
    if (!json_is_object(r))
        return parse_fail(out, "the fee history is not an object");
    l1_rpc_fees *fh = &out->v.fee_history;
    seq_err err = field_u64(out, &fh->oldest_block, r, "oldestBlock");
    if (err != SEQ_OK)
        return err;
    const json_t *fees = json_object_get(r, "baseFeePerGas");
    size_t n = json_array_size(fees);
    if (!json_is_array(fees) || n == 0 || n > L1_FEE_HISTORY_BLOCKS_MAX + 1)
        return parse_fail(out, "baseFeePerGas: not 1 to %d quantities",
                          L1_FEE_HISTORY_BLOCKS_MAX + 1);
    fh->block_count = n - 1;
    for (size_t i = 0; i < n; i++) {
        err = value_u64(out, &fh->base_fee_per_gas[i], json_array_get(fees, i), "baseFeePerGas[]");
        if (err != SEQ_OK)
            return err;
    }
    fh->base_fee_next = fh->base_fee_per_gas[n - 1];
    return parse_rewards(out, fh, json_object_get(r, "reward"));
}

static seq_err parse_shape(l1_rpc_result *out, const l1_rpc_space *space, l1_rpc_shape shape,
                           const json_t *r)
{
    switch (shape) {
    case L1_RPC_SHAPE_U64:
        return value_u64(out, &out->v.u64, r, "result");
    case L1_RPC_SHAPE_U256:
        return value_u256(out, out->v.u256, r, "result");
    case L1_RPC_SHAPE_HASH:
        return value_fixed(out, out->v.hash.b, SEQ_HASH_BYTES, r, "result");
    case L1_RPC_SHAPE_BLOCK:
        return parse_block(out, r);
    case L1_RPC_SHAPE_RECEIPT:
        return parse_receipt(out, r);
    case L1_RPC_SHAPE_LOGS:
        return parse_logs(out, space, r);
    case L1_RPC_SHAPE_FEE_HISTORY:
        return parse_fee_history(out, r);
    case L1_RPC_SHAPE_COUNT_:
        break;
    }
    SEQ_ASSERT(false);
    return SEQ_ERR_INTERNAL;
}

seq_err l1_rpc_parse(l1_rpc_result *out, const l1_rpc_space *space, l1_rpc_shape shape, uint64_t id,
                     const uint8_t *body, size_t body_len)
{
    SEQ_ASSERT(out != NULL);
    SEQ_ASSERT(shape < L1_RPC_SHAPE_COUNT_);
    SEQ_ASSERT(shape != L1_RPC_SHAPE_LOGS || (space != NULL && space->arena != NULL &&
                                              (space->logs != NULL || space->logs_cap == 0)));
    memset(out, 0, sizeof(*out));
    json_t *root = NULL, *result = NULL;
    seq_err err = l1_rpc_envelope(&root, &result, out, id, body, body_len);
    if (err == SEQ_OK) {
        err = parse_shape(out, space, shape, result);
        json_decref(root);
    }
    if (err != SEQ_OK) {
        out->is_null = false;
        memset(&out->v, 0, sizeof(out->v));
    }
    return err;
}
