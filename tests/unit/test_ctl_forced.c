/* test_ctl_forced.c — seqctl forced (node/ctl_forced.c) against a node
 * API: a fake JSON-RPC server (fake_rpc) that hands each request to
 * node_rpc_handle over a real store holding the forced queue of
 * forced_scene.h, so the table is what seqd would answer. Covered: the
 * summary and table (every kind of row: copied, ordered before, never
 * ordered, posted past the window, forceAdvance, pending), the default
 * range (the newest entries), --from and --count, --json, bad arguments
 * (exit 2, nothing sent), a node without the methods (an older seqd), a
 * node without an L1 link, a dead endpoint; and the row printer on
 * malformed answers.
 *
 * Includes node/internal.h: the functions are internal to node/. */
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
#include "fake_rpc.h"
#include "forced_scene.h"

#define CHAIN_ID 901u

/* Port 9 (discard) on loopback: nothing listens. */
#define NOBODY "http://127.0.0.1:9"

typedef struct {
    char dir[64];
    store *store;
    node_txpool *pool;
    node_rpc rpc;
    fs_scene scene;
    fake_rpc server;
    char url[64];
    bool l1;    /* the status reports an L1 link (window FS_WINDOW) */
    bool older; /* answer the forced methods "method not found" */
} fixture;

static void status_fill(void *ctx, node_status *out)
{
    fixture *f = ctx;
    memset(out, 0, sizeof *out);
    out->running = true;
    out->l1.enabled = f->l1;
    out->l1.inclusion_window = f->l1 ? FS_WINDOW : 0;
}

/* The node: node_rpc_handle on the request's body, or an older seqd's
 * -32601 for the forced methods. */
static void serve(fake_rpc *server, int conn, const fake_rpc_request *request)
{
    fixture *f = server->context;
    if (request->doc == NULL)
        return;
    if (f->older && strncmp(request->method, "seq_getForced", 13) == 0) {
        char body[160];
        snprintf(body, sizeof body,
                 "{\"jsonrpc\":\"2.0\",\"id\":%lld,\"error\":{\"code\":-32601,\"message\":"
                 "\"method not found\"}}",
                 request->id);
        fake_rpc_respond(conn, "200 OK", body);
        return;
    }
    char *text = json_dumps(request->doc, JSON_COMPACT);
    char *reply = NULL;
    size_t len = 0;
    if (text != NULL && node_rpc_handle(&f->rpc, &reply, &len, text, strlen(text)) == SEQ_OK &&
        reply != NULL)
        fake_rpc_respond(conn, "200 OK", reply);
    free(reply);
    free(text);
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    snprintf(f->dir, sizeof f->dir, "/tmp/seq-ctl-forced-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    seq_block_header genesis = {.l2_chain_id = CHAIN_ID, .timestamp_ms = 1000};
    seq_hash genesis_hash;
    l1_block_hash(&genesis_hash, &genesis);
    assert_int_equal(store_open(&f->store, f->dir, &genesis_hash, NULL), SEQ_OK);
    mempool_config c;
    mempool_config_default(&c, CHAIN_ID);
    assert_int_equal(node_txpool_new(&f->pool, &c, f->store, NULL, NULL), SEQ_OK);
    f->rpc = (node_rpc){.status = status_fill,
                        .status_ctx = f,
                        .store = f->store,
                        .pool = f->pool,
                        .genesis = genesis};
    fs_scene_store(&f->scene, f->store, CHAIN_ID);
    f->l1 = true;
    assert_true(fake_rpc_start(&f->server, serve, f));
    snprintf(f->url, sizeof f->url, "http://127.0.0.1:%u", (unsigned)f->server.port);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    fake_rpc_stop(&f->server);
    node_txpool_free(f->pool);
    store_close(f->store);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    assert_int_equal(system(cmd), 0);
    free(f);
    return 0;
}

/* Runs `seqctl forced args...`; *out and *err are what it printed (free
 * them). */
static int run(char **out, char **err, const char *const *args, size_t n)
{
    char *argv[16] = {"seqctl", "forced"};
    assert_true(n + 2 <= SEQ_ARRAY_LEN(argv));
    for (size_t i = 0; i < n; i++)
        argv[2 + i] = (char *)args[i];
    test_capture o, e;
    int code = node_seqctl_main((int)n + 2, argv, test_capture_begin(&o), test_capture_begin(&e));
    *out = test_capture_end(&o);
    *err = test_capture_end(&e);
    return code;
}

#define SUMMARY                                                                           \
    "forced queue: 6 entries; consumed by L2 blocks 5, by L1 batches 4; due 4 L1 blocks " \
    "after queueing, window 16\n"
#define HEADER                                                                         \
    "  INDEX  L1 BLOCK       DUE  L2 HEIGHT  COPY     SOFT        BATCH  POSTED L1   " \
    "POSTED\n"
#define ROW_0 \
    "      0        10        14          2   yes      0.7            0        14         -\n"
#define ROW_1 \
    "      1        11        15          2   yes      0.0            0        14         -\n"
#define ROW_2 \
    "      2        12        16          3    no      3.0            1        30!     18.0\n"
#define ROW_3 \
    "      3        20        24          4    no     21.0    2 advance        40!     20.0\n"
#define ROW_4 \
    "      4        35        39          5   yes      7.0            -         -         -\n"
#define ROW_5 \
    "      5        36        40          -     -        -            -         -         -\n"
#define LATE "! consumed on L1 after the entry's inclusion window\n"

static void test_table(void **state)
{
    fixture *f = *state;
    char *out, *err;
    const char *const all[] = {"--rpc", f->url};
    assert_int_equal(run(&out, &err, all, 2), NODE_EXIT_OK);
    assert_string_equal(err, "");
    assert_string_equal(out, SUMMARY HEADER ROW_0 ROW_1 ROW_2 ROW_3 ROW_4 ROW_5 LATE);
    free(out);
    free(err);

    /* By default the newest --count entries. */
    const char *const newest[] = {"--rpc", f->url, "--count", "2"};
    assert_int_equal(run(&out, &err, newest, 4), NODE_EXIT_OK);
    assert_string_equal(out, SUMMARY HEADER ROW_4 ROW_5);
    free(out);
    free(err);

    /* --from and --count; no "!" row, no legend. */
    const char *const some[] = {"--from", "0x0", "--count", "2", "--rpc", f->url};
    assert_int_equal(run(&out, &err, some, 6), NODE_EXIT_OK);
    assert_string_equal(out, SUMMARY HEADER ROW_0 ROW_1);
    free(out);
    free(err);
    /* It stops at the first entry the node does not store. */
    const char *const tail[] = {"--rpc", f->url, "--from", "3", "--count", "1000"};
    assert_int_equal(run(&out, &err, tail, 6), NODE_EXIT_OK);
    assert_string_equal(out, SUMMARY HEADER ROW_3 ROW_4 ROW_5 LATE);
    free(out);
    free(err);
    const char *const past[] = {"--rpc", f->url, "--from", "6"};
    assert_int_equal(run(&out, &err, past, 4), NODE_EXIT_OK);
    assert_string_equal(out, SUMMARY "no entries from index 6\n");
    free(out);
    free(err);
    const char *const last[] = {"--rpc", f->url, "--from", "18446744073709551615"};
    assert_int_equal(run(&out, &err, last, 4), NODE_EXIT_OK);
    assert_string_equal(out, SUMMARY "no entries from index 18446744073709551615\n");
    free(out);
    free(err);

    /* Without an L1 link the node knows no window: "?" and no mark. */
    f->l1 = false;
    const char *const one[] = {"--rpc", f->url, "--from", "2", "--count", "1"};
    assert_int_equal(run(&out, &err, one, 6), NODE_EXIT_OK);
    assert_string_equal(out, "forced queue: 6 entries; consumed by L2 blocks 5, by L1 batches 4; "
                             "due and window unknown (the node has no L1 link)\n" HEADER
                             "      2        12         ?          3    no      3.0            "
                             "1        30      18.0\n");
    free(out);
    free(err);
}

static void test_json(void **state)
{
    fixture *f = *state;
    char *out, *err;
    const char *const args[] = {"--rpc", f->url, "--json", "--from", "1", "--count", "3"};
    assert_int_equal(run(&out, &err, args, 7), NODE_EXIT_OK);
    assert_string_equal(err, "");
    assert_non_null(strchr(out, '\n'));
    assert_string_equal(strchr(out, '\n'), "\n"); /* one line */
    json_t *doc = test_json_parse(out);
    assert_int_equal(json_object_size(doc), 2);
    json_t *queue = json_object_get(doc, "queue");
    assert_int_equal(json_integer_value(json_object_get(queue, "count")), FS_ENTRIES);
    assert_int_equal(json_integer_value(json_object_get(queue, "windowBlocks")), FS_WINDOW);
    json_t *entries = json_object_get(doc, "entries");
    assert_int_equal(json_array_size(entries), 3);
    json_t *e2 = json_array_get(entries, 1);
    assert_int_equal(json_integer_value(json_object_get(e2, "index")), 2);
    assert_int_equal(json_object_size(e2), 10); /* the node's object as it is */
    assert_true(json_is_false(json_object_get(json_object_get(e2, "posted"), "withinWindow")));
    json_t *e3 = json_array_get(entries, 2);
    assert_true(json_is_true(json_object_get(json_object_get(e3, "posted"), "forceAdvance")));
    json_decref(doc);
    free(out);
    free(err);

    const char *const none[] = {"--rpc", f->url, "--json", "--from", "7"};
    assert_int_equal(run(&out, &err, none, 5), NODE_EXIT_OK);
    doc = test_json_parse(out);
    assert_int_equal(json_array_size(json_object_get(doc, "entries")), 0);
    json_decref(doc);
    free(out);
    free(err);
}

static void test_usage(void **state)
{
    (void)state;
    struct {
        const char *args[8];
        size_t n;
        const char *says;
    } cases[] = {
        {{"--json"}, 1, "--rpc URL is required"},
        {{"--rpc", NOBODY, "--count", "0"}, 4, "--count '0' is not a number from 1 to 1000"},
        {{"--rpc", NOBODY, "--count", "1001"}, 4, "--count '1001' is not a number from 1 to 1000"},
        {{"--rpc", NOBODY, "--count", "-1"}, 4, "--count '-1'"},
        {{"--rpc", NOBODY, "--from", "x"}, 4, "--from 'x' is not an index"},
        {{"--rpc", NOBODY, "--from", "0x"}, 4, "--from '0x' is not an index"},
        {{"--rpc", NOBODY, "--from", "1", "--from", "2"}, 6, "repeated"},
        {{"--rpc", NOBODY, "--json", "--json"}, 4, "repeated"},
        {{"--rpc", NOBODY, "--to", "4"}, 4, "unknown, repeated or incomplete argument '--to'"},
        {{"--rpc", NOBODY, "--count"}, 3, "incomplete argument '--count'"},
    };
    for (size_t k = 0; k < SEQ_ARRAY_LEN(cases); k++) {
        char *out, *err;
        int code = run(&out, &err, cases[k].args, cases[k].n);
        if (code != NODE_EXIT_USAGE || strstr(err, cases[k].says) == NULL)
            fail_msg("case %zu: exit %d, err: %s", k, code, err);
        assert_non_null(strstr(err, "usage: seqctl forced"));
        assert_string_equal(out, "");
        free(out);
        free(err);
    }
    char *out, *err;
    const char *const help[] = {"--help"};
    assert_int_equal(run(&out, &err, help, 1), NODE_EXIT_OK);
    assert_non_null(strstr(out, "usage: seqctl forced --rpc URL [--from INDEX] [--count N]"));
    free(out);
    free(err);
}

/* A dead endpoint, a bad URL and an older seqd: exit 1, one line naming
 * the endpoint or the node's error, nothing on stdout. */
static void test_failures(void **state)
{
    fixture *f = *state;
    char *out, *err;
    const char *const dead[] = {"--rpc", NOBODY, "--count", "1000"};
    assert_int_equal(run(&out, &err, dead, 4), NODE_EXIT_FAILURE);
    assert_non_null(strstr(err, "seqctl forced: seq_getForcedQueue: http://127.0.0.1:9"));
    assert_null(strstr(err, "usage:"));
    assert_string_equal(out, "");
    free(out);
    free(err);

    const char *const bad_url[] = {"--rpc", "ftp://x"};
    assert_int_equal(run(&out, &err, bad_url, 2), NODE_EXIT_FAILURE);
    assert_non_null(strstr(err, "seqctl forced: ftp://x: bad URL"));
    free(out);
    free(err);

    f->older = true;
    const char *const older[] = {"--rpc", f->url, "--json"};
    assert_int_equal(run(&out, &err, older, 3), NODE_EXIT_FAILURE);
    assert_non_null(strstr(err, "seqctl forced: "));
    assert_non_null(strstr(err, "method not found"));
    assert_string_equal(out, "");
    free(out);
    free(err);

    /* The node goes away. */
    f->older = false;
    fake_rpc_stop(&f->server);
    const char *const gone[] = {"--rpc", f->url};
    assert_int_equal(run(&out, &err, gone, 2), NODE_EXIT_FAILURE);
    assert_non_null(strstr(err, f->url));
    assert_string_equal(out, "");
    free(out);
    free(err);
}

/* What print writes for the JSON text, malloc'd. */
static char *row_of(const char *text, bool *late)
{
    json_t *v = test_json_parse(text);
    test_capture c;
    *late = node_ctl_forced_row(test_capture_begin(&c), v);
    char *out = test_capture_end(&c);
    json_decref(v);
    return out;
}

/* Malformed answers print placeholders, never crash. */
static void test_odd_answers(void **state)
{
    (void)state;
    bool late = true;
    char *out = row_of("[]", &late);
    assert_false(late);
    assert_string_equal(out, "      ?         ?         ?          -     -        -            -"
                             "         -         -\n");
    free(out);
    out = row_of("{\"index\":-1,\"consumed\":{\"height\":\"7\",\"copied\":1,\"softLatencyMs\":49},"
                 "\"posted\":{\"batchIndex\":3,\"withinWindow\":false,\"postedLatencyMs\":-5}}",
                 &late);
    assert_false(late); /* no L1 block to mark */
    assert_string_equal(out, "      ?         ?         ?          -     -      0.0            3"
                             "         -         -\n");
    free(out);
    out = row_of("{\"posted\":{\"l1Block\":9,\"withinWindow\":false}}", &late);
    assert_true(late);
    assert_string_equal(out, "      ?         ?         ?          -     -        -            -"
                             "         9!        -\n");
    free(out);
    json_t *v = test_json_parse("{\"count\":\"6\"}");
    test_capture c;
    node_ctl_forced_summary(test_capture_begin(&c), v);
    out = test_capture_end(&c);
    assert_string_equal(out, "forced queue: ? entries; consumed by L2 blocks ?, by L1 batches ?; "
                             "due and window unknown (the node has no L1 link)\n");
    free(out);
    json_decref(v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_table, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json, setup, teardown),
        cmocka_unit_test(test_usage),
        cmocka_unit_test_setup_teardown(test_failures, setup, teardown),
        cmocka_unit_test(test_odd_answers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
