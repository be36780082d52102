/* Tests for proto/seq: errors, assertions, value helpers, arena, logs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <time.h>

#include "seq.h"

static void test_error_table(void **state)
{
    (void)state;
    assert_string_equal(seq_strerror(SEQ_OK), "ok");
    assert_string_equal(seq_errname(SEQ_ERR_TRUNCATED), "SEQ_ERR_TRUNCATED");
    for (int e = 0; e < SEQ_ERR_COUNT_; e++) {
        assert_non_null(seq_strerror((seq_err)e));
        assert_true(strlen(seq_strerror((seq_err)e)) > 0);
        assert_true(strncmp(seq_errname((seq_err)e), "SEQ_", 4) == 0);
        for (int f = 0; f < e; f++)
            assert_string_not_equal(seq_errname((seq_err)e), seq_errname((seq_err)f));
    }
    assert_string_equal(seq_strerror((seq_err)SEQ_ERR_COUNT_), "unknown error");
    assert_string_equal(seq_strerror((seq_err)-1), "unknown error");
    assert_string_equal(seq_errname((seq_err)1000), "SEQ_ERR_UNKNOWN");
}

/* SEQ_ASSERT aborts the process, with a one-line report on stderr. */
static void test_assert_aborts(void **state)
{
    (void)state;
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        dup2(fds[1], 2);
        volatile int x = 1;
        SEQ_ASSERT(x == 1); /* holds: no effect */
        SEQ_ASSERT(x == 2);
        _exit(0); /* not reached */
    }
    close(fds[1]);
    char buf[512] = {0};
    ssize_t n = read(fds[0], buf, sizeof buf - 1);
    close(fds[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    assert_true(WIFSIGNALED(status));
    assert_int_equal(WTERMSIG(status), SIGABRT);
    assert_true(n > 0);
    assert_non_null(strstr(buf, "event=assertion_failed"));
    assert_non_null(strstr(buf, "x == 2"));
}

static void test_value_helpers(void **state)
{
    (void)state;
    seq_hash a = {{0}}, b = {{0}};
    assert_true(seq_hash_is_zero(&a));
    assert_true(seq_hash_equal(&a, &b));
    b.b[31] = 1;
    assert_false(seq_hash_is_zero(&b));
    assert_false(seq_hash_equal(&a, &b));

    seq_addr x = {{0}}, y = {{0}};
    assert_true(seq_addr_equal(&x, &y));
    assert_true(seq_addr_is_zero(&x));
    assert_int_equal(seq_addr_compare(&x, &y), 0);
    y.b[0] = 1;
    x.b[19] = 0xff;
    assert_false(seq_addr_equal(&x, &y));
    assert_false(seq_addr_is_zero(&x) || seq_addr_is_zero(&y));
    assert_true(seq_addr_compare(&x, &y) < 0); /* big-endian order */
    assert_true(seq_addr_compare(&y, &x) > 0);
}

static void test_arena(void **state)
{
    (void)state;
    _Alignas(16) uint8_t buf[100];
    seq_arena a;
    seq_arena_init(&a, buf, sizeof buf);
    uint8_t *p1 = seq_arena_alloc(&a, 3);
    uint8_t *p2 = seq_arena_alloc(&a, 16);
    assert_non_null(p1);
    assert_non_null(p2);
    assert_int_equal((uintptr_t)p2 % SEQ_ARENA_ALIGN, 0);
    assert_true(p2 >= p1 + 3);
    assert_non_null(seq_arena_alloc(&a, 0));
    size_t used = a.used;
    assert_null(seq_arena_alloc(&a, 100)); /* does not fit */
    assert_int_equal(a.used, used);        /* failure leaves it unchanged */
    assert_null(seq_arena_alloc(&a, SIZE_MAX));
    seq_arena_reset(&a);
    assert_int_equal(a.used, 0);
    assert_ptr_equal(seq_arena_alloc(&a, 100), buf);
    assert_null(seq_arena_alloc(&a, 1));

    seq_arena empty;
    seq_arena_init(&empty, NULL, 0);
    assert_null(seq_arena_alloc(&empty, 1));
}

static void test_log_text(void **state)
{
    (void)state;
    char line[512];
    static const uint8_t bytes[] = {0xde, 0xad, 0x01};
    seq_log_field f[] = {
        SEQ_F_STR("peer", "node-1"),  SEQ_F_STR("msg", "two words"),
        SEQ_F_U64("height", 42),      SEQ_F_I64("delta", -7),
        SEQ_F_BOOL("ok", true),       SEQ_F_HEX("hash", bytes, sizeof bytes),
        SEQ_F_ERR(SEQ_ERR_TRUNCATED), SEQ_F_STR("q", "a\"b=c"),
    };
    size_t n = seq_log_format_line(line, sizeof line, SEQ_LOG_TEXT, 1764021600123ull, SEQ_LOG_WARN,
                                   "peer_dropped", f, SEQ_ARRAY_LEN(f));
    assert_int_equal(n, strlen(line));
    assert_string_equal(line,
                        "ts=2025-11-24T22:00:00.123Z level=warn event=peer_dropped peer=node-1 "
                        "msg=\"two words\" height=42 delta=-7 ok=true hash=0xdead01 "
                        "err=SEQ_ERR_TRUNCATED q=\"a\\\"b=c\"\n");
}

static void test_log_json(void **state)
{
    (void)state;
    char line[512];
    static const uint8_t bytes[] = {0x00, 0xff};
    seq_log_field f[] = {SEQ_F_STR("s", "x\ny"), SEQ_F_U64("n", 1), SEQ_F_HEX("h", bytes, 2),
                         SEQ_F_ERR(SEQ_OK), SEQ_F_BOOL("b", false)};
    seq_log_format_line(line, sizeof line, SEQ_LOG_JSON, 0, SEQ_LOG_INFO, "e", f, SEQ_ARRAY_LEN(f));
    assert_string_equal(line, "{\"ts\":\"1970-01-01T00:00:00.000Z\",\"level\":\"info\","
                              "\"event\":\"e\",\"s\":\"x\\ny\",\"n\":1,\"h\":\"0x00ff\","
                              "\"err\":\"SEQ_OK\",\"b\":false}\n");
}

static void test_log_truncation(void **state)
{
    (void)state;
    char big[600];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    seq_log_field f[] = {SEQ_F_STR("big", big)};
    char line[256];
    size_t n = seq_log_format_line(line, sizeof line, SEQ_LOG_TEXT, 0, SEQ_LOG_ERROR, "e", f, 1);
    assert_true(n < sizeof line);
    assert_int_equal(line[n - 1], '\n');
    assert_non_null(strstr(line, " truncated=true\n"));
    n = seq_log_format_line(line, sizeof line, SEQ_LOG_JSON, 0, SEQ_LOG_ERROR, "e", f, 1);
    assert_true(n < sizeof line);
    /* A truncated JSON line keeps its head and stays one valid object. */
    assert_string_equal(line, "{\"ts\":\"1970-01-01T00:00:00.000Z\",\"level\":\"error\","
                              "\"event\":\"e\",\"truncated\":true}\n");
}

static void test_log_levels_and_sink(void **state)
{
    (void)state;
    seq_log_level lv;
    assert_true(seq_log_level_parse(&lv, "debug"));
    assert_int_equal(lv, SEQ_LOG_DEBUG);
    assert_true(seq_log_level_parse(&lv, "error"));
    assert_int_equal(lv, SEQ_LOG_ERROR);
    assert_false(seq_log_level_parse(&lv, "verbose"));

    FILE *sink = tmpfile();
    assert_non_null(sink);
    seq_log_configure(SEQ_LOG_WARN, SEQ_LOG_TEXT, sink);
    assert_false(seq_log_enabled(SEQ_LOG_INFO));
    assert_true(seq_log_enabled(SEQ_LOG_ERROR));
    SEQ_LOG(SEQ_LOG_INFO, "hidden", SEQ_F_U64("n", 1));
    SEQ_LOG(SEQ_LOG_ERROR, "shown", SEQ_F_U64("n", 2));
    SEQ_LOG0(SEQ_LOG_WARN, "bare");
    rewind(sink);
    char buf[1024] = {0};
    size_t got = fread(buf, 1, sizeof buf - 1, sink);
    fclose(sink);
    seq_log_configure(SEQ_LOG_INFO, SEQ_LOG_TEXT, NULL);
    assert_true(got > 0);
    assert_null(strstr(buf, "hidden"));
    assert_non_null(strstr(buf, "level=error event=shown n=2\n"));
    assert_non_null(strstr(buf, "level=warn event=bare\n"));
}

/* The clocks: monotonic never goes back and a sleep lasts at least what
 * it was asked; the wall clock is Unix time in ms. */
static void test_clocks(void **state)
{
    (void)state;
    uint64_t a = seq_monotonic_ms();
    seq_sleep_ms(20);
    uint64_t b = seq_monotonic_ms();
    assert_true(b >= a + 20);
    seq_sleep_ms(0);
    assert_true(seq_monotonic_ms() >= b);
    uint64_t wall = seq_wall_ms(), now = (uint64_t)time(NULL);
    assert_true(wall / 1000u + 1u >= now && wall / 1000u <= now + 1u);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_error_table),
        cmocka_unit_test(test_assert_aborts),
        cmocka_unit_test(test_value_helpers),
        cmocka_unit_test(test_arena),
        cmocka_unit_test(test_log_text),
        cmocka_unit_test(test_log_json),
        cmocka_unit_test(test_clocks),
        cmocka_unit_test(test_log_truncation),
        cmocka_unit_test(test_log_levels_and_sink),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
