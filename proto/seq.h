/* seq.h — the shared basics every seqd module speaks: error codes, always-on
 * assertions, fixed-size Ethereum values, a bounded arena and structured logs.
 *
 * This header sits at the bottom of the dependency graph (it depends on libc
 * only) so that consensus/, mempool/, l1/ and node/ can all use it without
 * depending on each other. It lives in proto/ because proto/ is the lowest
 * module; see proto/README.md. */
#ifndef SEQ_H
#define SEQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define SEQ_VERSION "0.1.0"

/* ---------------------------------------------------------------- errors */

/* One enum for every failure seqd reports. Hostile input maps to one of the
 * input errors below and never to an assertion. Append new codes at the end
 * of a group; the numeric values are not persisted or sent on the wire. */
#define SEQ_ERR_TABLE(X)                                                  \
    X(SEQ_OK, "ok")                                                       \
    X(SEQ_ERR_INVALID_ARG, "invalid argument")                            \
    X(SEQ_ERR_TRUNCATED, "input truncated")                               \
    X(SEQ_ERR_TOO_LARGE, "input exceeds its size limit")                  \
    X(SEQ_ERR_MALFORMED, "malformed input")                               \
    X(SEQ_ERR_NONCANONICAL, "non-canonical encoding")                     \
    X(SEQ_ERR_TRAILING, "trailing bytes after input")                     \
    X(SEQ_ERR_BAD_VERSION, "unsupported format version")                  \
    X(SEQ_ERR_BAD_SIGNATURE, "invalid signature")                         \
    X(SEQ_ERR_HIGH_S, "signature s value is not in the lower half order") \
    X(SEQ_ERR_BAD_KEY, "invalid key")                                     \
    X(SEQ_ERR_NO_MEMORY, "out of memory")                                 \
    X(SEQ_ERR_NO_SPACE, "output buffer too small")                        \
    X(SEQ_ERR_NOT_FOUND, "not found")                                     \
    X(SEQ_ERR_EXISTS, "already exists")                                   \
    X(SEQ_ERR_IO, "input/output error")                                   \
    X(SEQ_ERR_CORRUPT, "stored data is corrupt")                          \
    X(SEQ_ERR_UNAVAILABLE, "service unavailable")                         \
    X(SEQ_ERR_TIMEOUT, "timed out")                                       \
    X(SEQ_ERR_UNSUPPORTED, "unsupported")                                 \
    X(SEQ_ERR_INTERNAL, "internal error")

typedef enum {
#define SEQ_ERR_ENUM_(name, text) name,
    SEQ_ERR_TABLE(SEQ_ERR_ENUM_)
#undef SEQ_ERR_ENUM_
        SEQ_ERR_COUNT_
} seq_err;

/* Returns a static, human-readable description; never NULL, also for values
 * outside the enum. */
const char *seq_strerror(seq_err err);

/* Returns the enumerator's name ("SEQ_ERR_TRUNCATED"), for logs and JSON-RPC
 * error data; never NULL. */
const char *seq_errname(seq_err err);

#define SEQ_MUST_USE __attribute__((warn_unused_result))

/* ------------------------------------------------------------ assertions */

/* Programmer errors only. Always on, also in release builds: a broken
 * invariant in a consensus node must stop the node, not corrupt its state. */
#define SEQ_ASSERT(cond)                                \
    do {                                                \
        if (__builtin_expect(!(cond), 0))               \
            seq_assert_fail(#cond, __FILE__, __LINE__); \
    } while (0)

_Noreturn void seq_assert_fail(const char *expr, const char *file, int line);

#define SEQ_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define SEQ_MIN(a, b)    ((a) < (b) ? (a) : (b))
#define SEQ_MAX(a, b)    ((a) > (b) ? (a) : (b))

/* -------------------------------------------------- fixed-size values */

#define SEQ_HASH_BYTES 32
#define SEQ_ADDR_BYTES 20
#define SEQ_SIG_BYTES  65 /* r (32) || s (32) || v (1), v in {27, 28} */

typedef struct {
    uint8_t b[SEQ_HASH_BYTES];
} seq_hash;

typedef struct {
    uint8_t b[SEQ_ADDR_BYTES];
} seq_addr;

typedef struct {
    uint8_t b[SEQ_SIG_BYTES];
} seq_sig;

bool seq_hash_equal(const seq_hash *a, const seq_hash *b);
bool seq_hash_is_zero(const seq_hash *h);
bool seq_addr_equal(const seq_addr *a, const seq_addr *b);
bool seq_addr_is_zero(const seq_addr *a);
/* Byte-wise (big-endian) comparison: <0, 0, >0 like memcmp. This is the
 * "ascending address order" L1 expects for signer lists. */
int seq_addr_compare(const seq_addr *a, const seq_addr *b);

/* A borrowed byte slice. The owner is documented at each use. */
typedef struct {
    const uint8_t *ptr;
    size_t len;
} seq_bytes;

/* ------------------------------------------------- signed domain values */

/* The values validators sign and L1 re-checks. Field order is the ABI order
 * of the EIP-712 structs in DESIGN.md; l1/ hashes them, proto/ codes them. */

/* The fields a block hash commits to, in hash order. */
typedef struct {
    uint64_t l2_chain_id;
    uint64_t height;
    uint64_t view;
    seq_hash parent_hash;
    seq_hash tx_root;
    uint64_t l1_origin_number;
    seq_hash l1_origin_hash;
    uint64_t forced_cursor;
    uint64_t timestamp_ms;
    seq_addr proposer;
} seq_block_header;

/* Proposal(uint64 l2ChainId,uint64 view,uint64 height,bytes32 blockHash) and
 * Vote(...) share this shape. */
typedef struct {
    uint64_t l2_chain_id;
    uint64_t view;
    uint64_t height;
    seq_hash block_hash;
} seq_block_stmt;

/* Timeout(uint64 l2ChainId,uint64 view,uint64 highQcView) */
typedef struct {
    uint64_t l2_chain_id;
    uint64_t view;
    uint64_t high_qc_view;
} seq_timeout_stmt;

/* BatchAttestation(uint64 l2ChainId,uint64 index,bytes32 prevBatchHash,
 * bytes32 dataHash,uint64 firstHeight,uint64 lastHeight,uint64 forcedCursor) */
typedef struct {
    uint64_t l2_chain_id;
    uint64_t index;
    seq_hash prev_batch_hash;
    seq_hash data_hash;
    uint64_t first_height;
    uint64_t last_height;
    uint64_t forced_cursor;
} seq_attestation_stmt;

/* ----------------------------------------------------------------- clocks */

/* CLOCK_MONOTONIC and CLOCK_REALTIME (Unix epoch) in milliseconds, and a
 * sleep of ms milliseconds that resumes after a signal. */
uint64_t seq_monotonic_ms(void);
uint64_t seq_wall_ms(void);
void seq_sleep_ms(uint32_t ms);

/* ----------------------------------------------------------------- arena */

/* A bump allocator over caller-owned memory: bounded, no free, reset all at
 * once. Decoders use it so that hostile input can exhaust a fixed budget but
 * never the heap. */
typedef struct {
    uint8_t *base;
    size_t cap;
    size_t used;
} seq_arena;

#define SEQ_ARENA_ALIGN 16

/* Initialises *a over buf[0..cap). buf must outlive every allocation. */
void seq_arena_init(seq_arena *a, void *buf, size_t cap);
/* Returns SEQ_ARENA_ALIGN-aligned memory of size bytes, or NULL when the
 * arena cannot hold it (the arena is unchanged then). size 0 returns a valid
 * non-NULL pointer. */
void *seq_arena_alloc(seq_arena *a, size_t size);
/* Forgets every allocation. */
void seq_arena_reset(seq_arena *a);

/* ------------------------------------------------------------------ logs */

/* One line per event: `ts=... level=info event=name key=value ...`, or one
 * JSON object per line. Values are structured so both formats are exact;
 * strings containing spaces, quotes or '=' are quoted and escaped. Secrets
 * never go to logs: there is deliberately no field type for key material. */
typedef enum { SEQ_LOG_DEBUG, SEQ_LOG_INFO, SEQ_LOG_WARN, SEQ_LOG_ERROR } seq_log_level;
typedef enum { SEQ_LOG_TEXT, SEQ_LOG_JSON } seq_log_format;

typedef enum {
    SEQ_FIELD_STR,
    SEQ_FIELD_U64,
    SEQ_FIELD_I64,
    SEQ_FIELD_BOOL,
    SEQ_FIELD_HEX,
    SEQ_FIELD_ERR,
} seq_field_kind;

typedef struct {
    const char *key;
    seq_field_kind kind;
    union {
        const char *str;
        uint64_t u64;
        int64_t i64;
        bool boolean;
        seq_bytes hex;
        seq_err err;
    } v;
} seq_log_field;

#define SEQ_F_STR(k, s)  ((seq_log_field){.key = (k), .kind = SEQ_FIELD_STR, .v.str = (s)})
#define SEQ_F_U64(k, n)  ((seq_log_field){.key = (k), .kind = SEQ_FIELD_U64, .v.u64 = (n)})
#define SEQ_F_I64(k, n)  ((seq_log_field){.key = (k), .kind = SEQ_FIELD_I64, .v.i64 = (n)})
#define SEQ_F_BOOL(k, b) ((seq_log_field){.key = (k), .kind = SEQ_FIELD_BOOL, .v.boolean = (b)})
#define SEQ_F_HEX(k, p, n) \
    ((seq_log_field){.key = (k), .kind = SEQ_FIELD_HEX, .v.hex = {.ptr = (p), .len = (n)}})
#define SEQ_F_ERR(e) ((seq_log_field){.key = "err", .kind = SEQ_FIELD_ERR, .v.err = (e)})

/* Configures the process-wide logger. Not thread-safe against concurrent
 * logging; call during startup. sink NULL means stderr. */
void seq_log_configure(seq_log_level level_min, seq_log_format format, FILE *sink);
/* Parses "debug"/"info"/"warn"/"error"; returns false for anything else. */
bool seq_log_level_parse(seq_log_level *out, const char *name);
bool seq_log_enabled(seq_log_level level);

/* Writes one line for event with count fields. Lines are written with one
 * fwrite, so concurrent writers do not interleave within a line. */
void seq_log_fields(seq_log_level level, const char *event, const seq_log_field *fields,
                    size_t count);

/* Formats one line into out (NUL-terminated, truncated to out_len with a
 * trailing "..." marker if needed); returns the length written. ts_ms is the
 * wall-clock timestamp in milliseconds since the Unix epoch. */
size_t seq_log_format_line(char *out, size_t out_len, seq_log_format format, uint64_t ts_ms,
                           seq_log_level level, const char *event, const seq_log_field *fields,
                           size_t count);

#define SEQ_LOG(level, event, ...)                                         \
    seq_log_fields((level), (event), (const seq_log_field[]){__VA_ARGS__}, \
                   sizeof((const seq_log_field[]){__VA_ARGS__}) / sizeof(seq_log_field))
#define SEQ_LOG0(level, event) seq_log_fields((level), (event), NULL, 0)

#endif /* SEQ_H */
