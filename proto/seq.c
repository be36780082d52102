/* seq.c — shared basics: error table, assertions, arena, structured logs. */
#include "seq.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---------------------------------------------------------------- errors */

static const char *const seq_err_text[] = {
#define SEQ_ERR_TEXT_(name, text) [name] = text,
    SEQ_ERR_TABLE(SEQ_ERR_TEXT_)
#undef SEQ_ERR_TEXT_
};

static const char *const seq_err_names[] = {
#define SEQ_ERR_NAME_(name, text) [name] = #name,
    SEQ_ERR_TABLE(SEQ_ERR_NAME_)
#undef SEQ_ERR_NAME_
};

_Static_assert(SEQ_ARRAY_LEN(seq_err_text) == SEQ_ERR_COUNT_, "every error has a text");

const char *seq_strerror(seq_err err)
{
    if ((unsigned)err >= SEQ_ERR_COUNT_)
        return "unknown error";
    return seq_err_text[err];
}

const char *seq_errname(seq_err err)
{
    if ((unsigned)err >= SEQ_ERR_COUNT_)
        return "SEQ_ERR_UNKNOWN";
    return seq_err_names[err];
}

_Noreturn void seq_assert_fail(const char *expr, const char *file, int line)
{
    fprintf(stderr, "level=fatal event=assertion_failed expr=\"%s\" file=%s line=%d\n", expr, file,
            line);
    fflush(stderr);
    abort();
}

/* -------------------------------------------------------- value helpers */

bool seq_hash_equal(const seq_hash *a, const seq_hash *b)
{
    return memcmp(a->b, b->b, sizeof a->b) == 0;
}

bool seq_hash_is_zero(const seq_hash *h)
{
    uint8_t acc = 0;
    for (size_t i = 0; i < sizeof h->b; i++)
        acc |= h->b[i];
    return acc == 0;
}

bool seq_addr_is_zero(const seq_addr *a)
{
    uint8_t acc = 0;
    for (size_t i = 0; i < sizeof a->b; i++)
        acc |= a->b[i];
    return acc == 0;
}

bool seq_addr_equal(const seq_addr *a, const seq_addr *b)
{
    return memcmp(a->b, b->b, sizeof a->b) == 0;
}

int seq_addr_compare(const seq_addr *a, const seq_addr *b)
{
    return memcmp(a->b, b->b, sizeof a->b);
}

/* ----------------------------------------------------------------- arena */

void seq_arena_init(seq_arena *a, void *buf, size_t cap)
{
    SEQ_ASSERT(a != NULL);
    SEQ_ASSERT(buf != NULL || cap == 0);
    a->base = buf;
    a->cap = cap;
    a->used = 0;
}

void *seq_arena_alloc(seq_arena *a, size_t size)
{
    SEQ_ASSERT(a != NULL);
    SEQ_ASSERT(a->used <= a->cap);
    uintptr_t start = (uintptr_t)a->base + a->used;
    size_t pad = (SEQ_ARENA_ALIGN - (start % SEQ_ARENA_ALIGN)) % SEQ_ARENA_ALIGN;
    if (pad > a->cap - a->used || size > a->cap - a->used - pad)
        return NULL;
    a->used += pad;
    void *p = a->base + a->used;
    a->used += size;
    return p;
}

void seq_arena_reset(seq_arena *a)
{
    SEQ_ASSERT(a != NULL);
    a->used = 0;
}

/* ------------------------------------------------------------------ logs */

#define LOG_LINE_BYTES_MAX 4096

static struct {
    seq_log_level level_min;
    seq_log_format format;
    FILE *sink;
} seq_logger = {SEQ_LOG_INFO, SEQ_LOG_TEXT, NULL};

static const char *const level_names[] = {"debug", "info", "warn", "error"};

void seq_log_configure(seq_log_level level_min, seq_log_format format, FILE *sink)
{
    SEQ_ASSERT((unsigned)level_min < SEQ_ARRAY_LEN(level_names));
    seq_logger.level_min = level_min;
    seq_logger.format = format;
    seq_logger.sink = sink;
}

bool seq_log_level_parse(seq_log_level *out, const char *name)
{
    for (size_t i = 0; i < SEQ_ARRAY_LEN(level_names); i++) {
        if (strcmp(name, level_names[i]) == 0) {
            *out = (seq_log_level)i;
            return true;
        }
    }
    return false;
}

bool seq_log_enabled(seq_log_level level)
{
    return level >= seq_logger.level_min;
}

/* A bounded string builder: appends until full, then remembers truncation. */
typedef struct {
    char *buf;
    size_t cap; /* usable bytes, excluding the terminating NUL */
    size_t len;
    bool truncated;
} line_buf;

static void lb_putc(line_buf *lb, char c)
{
    if (lb->len < lb->cap)
        lb->buf[lb->len++] = c;
    else
        lb->truncated = true;
}

static void lb_puts(line_buf *lb, const char *s)
{
    while (*s)
        lb_putc(lb, *s++);
}

static void lb_printf(line_buf *lb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void lb_printf(line_buf *lb, const char *fmt, ...)
{
    char tmp[64];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    lb_puts(lb, tmp);
}

static bool text_needs_quotes(const char *s)
{
    if (*s == '\0')
        return true;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c <= ' ' || c == '"' || c == '=' || c == '\\' || c >= 0x7f)
            return true;
    }
    return false;
}

/* Writes s quoted with JSON-style escapes (valid in both formats). */
static void lb_quoted(line_buf *lb, const char *s)
{
    static const char hexd[] = "0123456789abcdef";
    lb_putc(lb, '"');
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            lb_putc(lb, '\\');
            lb_putc(lb, (char)c);
        } else if (c == '\n') {
            lb_puts(lb, "\\n");
        } else if (c < 0x20 || c == 0x7f) {
            lb_puts(lb, "\\u00");
            lb_putc(lb, hexd[c >> 4]);
            lb_putc(lb, hexd[c & 15]);
        } else {
            lb_putc(lb, (char)c);
        }
    }
    lb_putc(lb, '"');
}

static void lb_value(line_buf *lb, seq_log_format format, const seq_log_field *f)
{
    static const char hexd[] = "0123456789abcdef";
    bool json = format == SEQ_LOG_JSON;
    switch (f->kind) {
    case SEQ_FIELD_STR: {
        const char *s = f->v.str ? f->v.str : "";
        if (json || text_needs_quotes(s))
            lb_quoted(lb, s);
        else
            lb_puts(lb, s);
        break;
    }
    case SEQ_FIELD_U64:
        lb_printf(lb, "%" PRIu64, f->v.u64);
        break;
    case SEQ_FIELD_I64:
        lb_printf(lb, "%" PRId64, f->v.i64);
        break;
    case SEQ_FIELD_BOOL:
        lb_puts(lb, f->v.boolean ? "true" : "false");
        break;
    case SEQ_FIELD_HEX:
        if (json)
            lb_putc(lb, '"');
        lb_puts(lb, "0x");
        for (size_t i = 0; i < f->v.hex.len; i++) {
            lb_putc(lb, hexd[f->v.hex.ptr[i] >> 4]);
            lb_putc(lb, hexd[f->v.hex.ptr[i] & 15]);
        }
        if (json)
            lb_putc(lb, '"');
        break;
    case SEQ_FIELD_ERR:
        if (json)
            lb_quoted(lb, seq_errname(f->v.err));
        else
            lb_puts(lb, seq_errname(f->v.err));
        break;
    }
}

static void lb_field(line_buf *lb, seq_log_format format, const char *key, bool first)
{
    if (format == SEQ_LOG_JSON) {
        if (!first)
            lb_putc(lb, ',');
        lb_quoted(lb, key);
        lb_putc(lb, ':');
    } else {
        if (!first)
            lb_putc(lb, ' ');
        lb_puts(lb, key);
        lb_putc(lb, '=');
    }
}

static void lb_timestamp(line_buf *lb, uint64_t ts_ms)
{
    time_t secs = (time_t)(ts_ms / 1000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    char tmp[32];
    size_t n = strftime(tmp, sizeof tmp, "%Y-%m-%dT%H:%M:%S", &tm);
    tmp[n] = '\0';
    lb_puts(lb, tmp);
    lb_printf(lb, ".%03uZ", (unsigned)(ts_ms % 1000));
}

static void lb_line(line_buf *lb, seq_log_format format, uint64_t ts_ms, seq_log_level level,
                    const char *event, const seq_log_field *fields, size_t count)
{
    bool json = format == SEQ_LOG_JSON;
    if (json)
        lb_putc(lb, '{');
    lb_field(lb, format, "ts", true);
    if (json)
        lb_putc(lb, '"');
    lb_timestamp(lb, ts_ms);
    if (json)
        lb_putc(lb, '"');
    lb_field(lb, format, "level", false);
    seq_log_field lv = SEQ_F_STR("level", level_names[level]);
    lb_value(lb, format, &lv);
    lb_field(lb, format, "event", false);
    seq_log_field ev = SEQ_F_STR("event", event);
    lb_value(lb, format, &ev);
    for (size_t i = 0; i < count; i++) {
        lb_field(lb, format, fields[i].key, false);
        lb_value(lb, format, &fields[i]);
    }
}

size_t seq_log_format_line(char *out, size_t out_len, seq_log_format format, uint64_t ts_ms,
                           seq_log_level level, const char *event, const seq_log_field *fields,
                           size_t count)
{
    SEQ_ASSERT(out != NULL && out_len >= 128);
    SEQ_ASSERT((unsigned)level < SEQ_ARRAY_LEN(level_names));
    /* Keep room for the truncation marker, the closing brace and "\n\0". */
    line_buf lb = {.buf = out, .cap = out_len - 24, .len = 0, .truncated = false};
    lb_line(&lb, format, ts_ms, level, event, fields, count);
    if (lb.truncated && format == SEQ_LOG_JSON) {
        /* A cut JSON object is useless to a parser: keep the head only. */
        lb.len = 0;
        lb.truncated = false;
        lb_line(&lb, format, ts_ms, level, event, NULL, 0);
        lb.cap = out_len - 2;
        lb_puts(&lb, ",\"truncated\":true");
    } else if (lb.truncated) {
        lb.cap = out_len - 2;
        lb_puts(&lb, " truncated=true");
    }
    lb.cap = out_len - 1;
    if (format == SEQ_LOG_JSON)
        lb_putc(&lb, '}');
    lb_putc(&lb, '\n');
    SEQ_ASSERT(lb.len < out_len);
    out[lb.len] = '\0';
    return lb.len;
}

void seq_log_fields(seq_log_level level, const char *event, const seq_log_field *fields,
                    size_t count)
{
    if (!seq_log_enabled(level))
        return;
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    uint64_t ts_ms = (uint64_t)now.tv_sec * 1000u + (uint64_t)now.tv_nsec / 1000000u;
    char line[LOG_LINE_BYTES_MAX];
    size_t len = seq_log_format_line(line, sizeof line, seq_logger.format, ts_ms, level, event,
                                     fields, count);
    FILE *sink = seq_logger.sink ? seq_logger.sink : stderr;
    fwrite(line, 1, len, sink);
    fflush(sink);
}

/* ----------------------------------------------------------------- clocks */

static uint64_t clock_ms(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

uint64_t seq_monotonic_ms(void)
{
    return clock_ms(CLOCK_MONOTONIC);
}

uint64_t seq_wall_ms(void)
{
    return clock_ms(CLOCK_REALTIME);
}

void seq_sleep_ms(uint32_t ms)
{
    struct timespec ts = {.tv_sec = (time_t)(ms / 1000u), .tv_nsec = (long)(ms % 1000u) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        continue;
}
