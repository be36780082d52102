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
