/* libFuzzer target: the JSON-RPC response parser, for every result shape.
 * The first byte picks the shape (the seed corpus writes it as the digit
 * '0' + shape), the rest is the HTTP body. Oracles: only the documented
 * errors come back; a failure zeroes the value and says why; every kept
 * string is printable ASCII; logs and their data stay inside the caller's
 * memory; parsing is deterministic; and, with the body read as a bare
 * quantity, anything the strict quantity parsers accept is canonical (it
 * formats back to the same text, up to the case of the digits). */
#include <string.h>
#include <strings.h>

#include "fuzz.h"
#include "l1.h"

#define FUZZ_LOGS_MAX    16
#define FUZZ_ARENA_BYTES 4096

static bool printable(const char *s, size_t cap)
{
    for (size_t i = 0; i < cap; i++) {
        if (s[i] == '\0')
            return true;
        if (s[i] < 0x20 || s[i] > 0x7e)
            return false;
    }
    return false; /* no NUL */
}

static void check_logs(const l1_rpc_result *r, const l1_rpc_log *logs, const uint8_t *arena)
{
    SEQ_ASSERT(r->v.log_count <= FUZZ_LOGS_MAX);
    for (size_t i = 0; i < r->v.log_count; i++) {
        const l1_rpc_log *log = &logs[i];
        SEQ_ASSERT(log->topic_count <= L1_LOG_TOPICS_MAX);
        SEQ_ASSERT(log->data != NULL);
        SEQ_ASSERT(log->data >= arena && log->data + log->data_len <= arena + FUZZ_ARENA_BYTES);
    }
}

static void check_result(seq_err err, l1_rpc_shape shape, const l1_rpc_result *r,
                         const l1_rpc_log *logs, const uint8_t *arena)
{
    static const l1_rpc_result zero;
    SEQ_ASSERT(err == SEQ_OK || err == L1_RPC_ERR_REMOTE || err == SEQ_ERR_MALFORMED ||
               err == SEQ_ERR_NO_SPACE);
    SEQ_ASSERT(printable(r->detail, sizeof(r->detail)));
    if (err != SEQ_OK) {
        SEQ_ASSERT(memcmp(&r->v, &zero.v, sizeof(r->v)) == 0);
        SEQ_ASSERT(!r->is_null && r->detail[0] != '\0');
    } else {
        SEQ_ASSERT(r->detail[0] == '\0');
    }
    if (err == L1_RPC_ERR_REMOTE) {
        SEQ_ASSERT(printable(r->error.message, sizeof(r->error.message)));
        SEQ_ASSERT(printable(r->error.data, sizeof(r->error.data)));
        SEQ_ASSERT(r->error.kind == l1_rpc_error_kind(r->error.code, r->error.message));
    }
    if (err != SEQ_OK)
        return;
    SEQ_ASSERT(!r->is_null || shape == L1_RPC_SHAPE_BLOCK || shape == L1_RPC_SHAPE_RECEIPT);
    if (shape == L1_RPC_SHAPE_LOGS)
        check_logs(r, logs, arena);
    if (shape == L1_RPC_SHAPE_FEE_HISTORY) {
        const l1_rpc_fees *fh = &r->v.fee_history;
        SEQ_ASSERT(fh->block_count <= L1_FEE_HISTORY_BLOCKS_MAX);
        SEQ_ASSERT(fh->percentile_count <= L1_FEE_PERCENTILES_MAX);
        SEQ_ASSERT(fh->base_fee_next == fh->base_fee_per_gas[fh->block_count]);
    }
}

/* The body as a bare quantity: accepted means canonical. */
static void check_quantity(const uint8_t *text, size_t len)
{
    uint64_t v;
    if (l1_quantity_u64(&v, (const char *)text, len) == SEQ_OK) {
        char back[L1_QUANTITY_U64_CHARS];
        l1_quantity_format_u64(back, v);
        SEQ_ASSERT(strlen(back) == len && strncasecmp(back, (const char *)text, len) == 0);
    }
    uint8_t be[32];
    if (l1_quantity_u256(be, (const char *)text, len) == SEQ_OK) {
        char back[L1_QUANTITY_U256_CHARS];
        l1_quantity_format_u256(back, be);
        SEQ_ASSERT(strlen(back) == len && strncasecmp(back, (const char *)text, len) == 0);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    static l1_rpc_result first, second;
    static l1_rpc_log logs_a[FUZZ_LOGS_MAX], logs_b[FUZZ_LOGS_MAX];
    static uint8_t arena_a[FUZZ_ARENA_BYTES], arena_b[FUZZ_ARENA_BYTES];
    l1_rpc_shape shape = (l1_rpc_shape)((uint8_t)(data[0] - '0') % L1_RPC_SHAPE_COUNT_);
    const uint8_t *body = data + 1;
    size_t len = size - 1;

    seq_arena arena;
    seq_arena_init(&arena, arena_a, sizeof(arena_a));
    l1_rpc_space space = {.logs = logs_a, .logs_cap = FUZZ_LOGS_MAX, .arena = &arena};
    seq_err err = l1_rpc_parse(&first, &space, shape, 1, body, len);
    check_result(err, shape, &first, logs_a, arena_a);

    seq_arena_init(&arena, arena_b, sizeof(arena_b));
    space.logs = logs_b;
    SEQ_ASSERT(l1_rpc_parse(&second, &space, shape, 1, body, len) == err);
    SEQ_ASSERT(strcmp(first.detail, second.detail) == 0);
    if (shape != L1_RPC_SHAPE_LOGS)
        SEQ_ASSERT(memcmp(&first.v, &second.v, sizeof(first.v)) == 0);
    for (size_t i = 0; err == SEQ_OK && shape == L1_RPC_SHAPE_LOGS && i < first.v.log_count; i++) {
        SEQ_ASSERT(logs_a[i].data_len == logs_b[i].data_len);
        SEQ_ASSERT(memcmp(logs_a[i].data, logs_b[i].data, logs_a[i].data_len) == 0);
        SEQ_ASSERT(logs_a[i].block_number == logs_b[i].block_number);
    }
    check_quantity(body, len);
    return 0;
}
