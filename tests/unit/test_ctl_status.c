/* test_ctl_status.c — seqctl status's table (node_ctl_status_header,
 * node_ctl_status_row, node/ctl_status.c) from seq_status answers built
 * here: the L1 and BATCHES columns with and without the batcher's object
 * (an older node answers without l1.batcher), columns aligned with the
 * header, and answers with missing or mistyped members printed without a
 * crash. The JSON-RPC side is exercised by tests/e2e.
 *
 * Includes node/internal.h: the row functions are internal to node/. */
/* cmocka needs these headers before its own, in this order. */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../node/internal.h"
#include "capture.h"

#define URL "http://127.0.0.1:27100"

/* The row node_ctl_status_row writes for s, malloc'd. */
static char *row_of(const json_t *s)
{
    test_capture c;
    node_ctl_status_row(test_capture_begin(&c), s, URL);
    return test_capture_end(&c);
}

static char *header(void)
{
    test_capture c;
    node_ctl_status_header(test_capture_begin(&c));
    return test_capture_end(&c);
}

/* The whitespace-separated words of line, at most max. */
static size_t words(char out[][64], size_t max, const char *line)
{
    size_t n = 0;
    const char *p = line;
    while (n < max) {
        while (*p == ' ')
            p++;
        if (*p == '\0' || *p == '\n')
            break;
        size_t k = strcspn(p, " \n");
        assert_true(k < 64);
        memcpy(out[n], p, k);
        out[n][k] = '\0';
        n++;
        p += k;
    }
    return n;
}

/* A node's answer: committee of 4, L1 following; with_batcher adds the
 * object the batcher's API reports, last adds l1.lastBatch. */
static json_t *answer(bool with_batcher, bool last)
{
    json_t *s = test_json_parse("{\"validator\": \"0x1111111111111111111111111111111111111111\","
                                " \"validatorIndex\": 1, \"view\": 77, \"height\": 340,"
                                " \"leaderIndex\": 2, \"peersConnected\": 3, \"committeeSize\": 4,"
                                " \"halted\": false, \"storeFailing\": false,"
                                " \"l1\": {\"enabled\": true, \"ok\": true, \"cursor\": 117,"
                                " \"head\": 120, \"lastBatch\": null}}");
    json_t *l1 = json_object_get(s, "l1");
    if (last)
        json_object_set_new(
            l1, "lastBatch",
            test_json_parse("{\"index\": 11, \"firstHeight\": 301, \"lastHeight\": 330}"));
    if (with_batcher)
        json_object_set_new(
            l1, "batcher",
            test_json_parse(
                "{\"enabled\": true, \"hasBatch\": true, \"index\": 12, \"firstHeight\": 331,"
                " \"lastHeight\": 338, \"attestations\": 2, \"attestedWeight\": 2,"
                " \"quorumWeight\": 3, \"poster\": 0, \"attempt\": 0, \"batchesSeen\": 5,"
                " \"failoversSeen\": 0, \"postsSent\": 3, \"postedHeight\": 330,"
                " \"txsPosted\": 20, \"dataBytesPosted\": 900, \"payloadBytesPosted\": 4000,"
                " \"gasUsed\": 300000, \"lastError\": \"\"}"));
    return s;
}

/* With the batcher: "N @h H" under BATCHES, N from the stored newest batch
 * (index 11: 12 batches on L1), H the posted height; every column starts
 * where its header does. */
static void test_batches(void **state)
{
    (void)state;
    json_t *s = answer(true, true);
    char *row = row_of(s);
    char *head = header();
    const char *cell = strstr(row, "12 @h 330 ");
    assert_non_null(cell);
    const char *title = strstr(head, "BATCHES");
    assert_non_null(title);
    assert_int_equal(cell - row, title - head);
    assert_int_equal(strstr(row, "ok 117/120") - row, strstr(head, "L1 ") - head);
    assert_int_equal(strstr(row, URL) - row, strstr(head, "RPC") - head);
    char w[16][64];
    assert_int_equal(words(w, 16, row), 12);
    assert_string_equal(w[0], "0x1111111111111111111111111111111111111111");
    assert_string_equal(w[3], "340"); /* HEIGHT: devnet.sh reads the 4th word */
    assert_string_equal(w[5], "3/3");
    assert_string_equal(w[11], URL);
    assert_int_equal(words(w, 16, head), 9);
    assert_string_equal(w[7], "BATCHES");
    free(row);
    free(head);
    json_decref(s);

    /* No batch stored yet (a fresh chain): the batches seen, and the
     * posted height as the batcher says. */
    s = answer(true, false);
    row = row_of(s);
    assert_non_null(strstr(row, " 5 @h 330 "));
    free(row);
    /* A stored batch but a batcher that has not seen one since start: the
     * height of the stored one. */
    json_object_set_new(json_object_get(json_object_get(s, "l1"), "batcher"), "postedHeight",
                        json_integer(0));
    json_object_set_new(json_object_get(s, "l1"), "lastBatch",
                        test_json_parse("{\"index\": 0, \"lastHeight\": 17}"));
    row = row_of(s);
    assert_non_null(strstr(row, " 1 @h 17 "));
    free(row);
    json_decref(s);
}

/* An older node (no l1.batcher), a node without L1 and one whose L1 is
 * down: the columns they had, "-" under BATCHES. */
static void test_without_batcher(void **state)
{
    (void)state;
    json_t *s = answer(false, true);
    char *row = row_of(s);
    char *head = header();
    assert_non_null(strstr(row, " ok 117/120 "));
    assert_int_equal(strstr(row, "- ") - row, strstr(head, "BATCHES") - head);
    assert_null(strstr(row, "@h"));
    free(row);

    json_object_set_new(s, "l1", test_json_parse("{\"enabled\": false}"));
    row = row_of(s);
    char w[16][64];
    assert_int_equal(words(w, 16, row), 9);
    assert_string_equal(w[6], "-"); /* L1 */
    assert_string_equal(w[7], "-"); /* BATCHES */
    free(row);
    json_decref(s);

    s = answer(true, true);
    json_object_set_new(json_object_get(s, "l1"), "ok", json_false());
    json_object_set_new(s, "halted", json_true());
    row = row_of(s);
    assert_non_null(strstr(row, " down "));
    assert_non_null(strstr(row, " 12 @h 330 ")); /* still what it knows */
    assert_non_null(strstr(row, URL " HALTED\n"));
    free(row);
    free(head);
    json_decref(s);
}

/* Whatever a node answers, the row prints: missing members as 0 or "?",
 * wrong types ignored. */
static void test_malformed(void **state)
{
    (void)state;
    const char *answers[] = {
        "{}",
        "[]",
        "null",
        "{\"validator\": 7, \"l1\": \"yes\"}",
        "{\"l1\": {\"enabled\": true, \"ok\": true, \"batcher\": 5}}",
        "{\"l1\": {\"enabled\": true, \"batcher\": {}, \"lastBatch\": []}}",
        "{\"l1\": {\"enabled\": true, \"batcher\": {\"batchesSeen\": \"many\"},"
        " \"lastBatch\": {\"index\": -1}}}",
    };
    for (size_t i = 0; i < sizeof answers / sizeof answers[0]; i++) {
        json_t *s = test_json_parse(answers[i]);
        char *row = row_of(s);
        assert_true(strlen(row) > 0 && row[strlen(row) - 1] == '\n');
        assert_non_null(strstr(row, URL));
        free(row);
        json_decref(s);
    }
    json_t *s = test_json_parse("{\"l1\": {\"enabled\": true, \"batcher\": {}}}");
    char *row = row_of(s);
    assert_non_null(strstr(row, "? "));
    assert_non_null(strstr(row, " 0 @h 0 "));
    free(row);
    json_decref(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_batches),
        cmocka_unit_test(test_without_batcher),
        cmocka_unit_test(test_malformed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
