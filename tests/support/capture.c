/* capture.c — see capture.h. */
/* cmocka needs these headers before its own, in this order. */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include "capture.h"

#include <stdlib.h>
#include <string.h>

json_t *test_json_parse(const char *text)
{
    json_error_t e;
    json_t *j = json_loads(text, JSON_DECODE_ANY, &e);
    if (j == NULL)
        fail_msg("bad test JSON at %d: %s", e.position, e.text);
    return j;
}

FILE *test_capture_begin(test_capture *c)
{
    c->text = NULL;
    c->len = 0;
    c->file = open_memstream(&c->text, &c->len);
    assert_non_null(c->file);
    return c->file;
}

char *test_capture_end(test_capture *c)
{
    assert_int_equal(fclose(c->file), 0);
    c->file = NULL;
    assert_non_null(c->text);
    return c->text;
}

int test_run_captured(test_main_fn fn, const char *argv0, char *out, size_t out_cap, char *err,
                      size_t err_cap, const char *const *args)
{
    char *argv[TEST_RUN_ARGS_MAX + 2];
    int argc = 0;
    argv[argc++] = (char *)argv0;
    for (size_t i = 0; args[i] != NULL; i++) {
        assert_true(i < TEST_RUN_ARGS_MAX);
        argv[argc++] = (char *)args[i];
    }
    argv[argc] = NULL;
    test_capture o, e;
    FILE *fo = test_capture_begin(&o), *fe = test_capture_begin(&e);
    int code = fn(argc, argv, fo, fe);
    char *to = test_capture_end(&o), *te = test_capture_end(&e);
    snprintf(out, out_cap, "%s", to);
    snprintf(err, err_cap, "%s", te);
    free(to);
    free(te);
    return code;
}

void test_expect_in(const char *text, const char *needle)
{
    if (strstr(text, needle) == NULL)
        fail_msg("expected '%s' in:\n%s", needle, text);
}
