/* test_ctl_liveness.c — seqctl liveness (node/ctl_liveness.c): the
 * figures (node_liveness_compute) over synthetic chains — every slot
 * filled, one leader missing every 4th view, a run of timeouts and the
 * longest gap, a single block, a weighted committee, blocks off the
 * schedule and blocks that are not a chain; the table and the JSON object
 * of a small result; bad arguments (exit 2, nothing sent); and the whole
 * command against a fake node (fake_rpc) answering seq_status and
 * seq_getBlockByHeight: the report, a height above the tip, an
 * unreachable node, a committee with weights the status does not give,
 * and the weights from a genesis file (--genesis), which must be the
 * node's.
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

#include <sodium.h>

#include "../../node/internal.h"
#include "capture.h"
#include "fake_rpc.h"
#include "test_files.h"

#define MEMBERS       4u
#define CHAIN_MAX     64u
#define VIEW_MS       500u  /* a view that commits */
#define TIMEOUT_MS    1000u /* a view that times out */
#define TIMESTAMP_0   1700000000000ull
#define FAKE_BODY_MAX 4096u

/* Validator i's address: 20 bytes of 0x11 * (i + 1). */
static seq_addr member_addr(size_t i)
{
    seq_addr a;
    memset(a.b, (int)(0x11u * (i + 1)), sizeof a.b);
    return a;
}

static void committee_make(cons_committee *c, const uint32_t *weights, size_t n)
{
    cons_validator v[CONS_VALIDATORS_MAX];
    for (size_t i = 0; i < n; i++)
        v[i] = (cons_validator){.addr = member_addr(i), .weight = weights[i]};
    assert_int_equal(cons_committee_init(c, v, n), SEQ_OK);
}

static void committee_equal(cons_committee *c)
{
    static const uint32_t ones[MEMBERS] = {1, 1, 1, 1};
    committee_make(c, ones, MEMBERS);
}

/* A chain over views first..last of c's schedule: a view whose leader is
 * absent[leader] has no block and costs TIMEOUT_MS, another commits a
 * block proposed by its leader and costs VIEW_MS. Returns the blocks. */
static size_t chain_make(node_liveness_block *out, const cons_committee *c, uint64_t first,
                         uint64_t last, const bool *absent)
{
    size_t n = 0;
    uint64_t now = TIMESTAMP_0;
    for (uint64_t v = first; v <= last; v++) {
        size_t leader = cons_committee_leader(c, v);
        if (absent != NULL && absent[leader]) {
            now += TIMEOUT_MS;
            continue;
        }
        assert_true(n < CHAIN_MAX);
        out[n] = (node_liveness_block){
            .height = 1 + n, .view = v, .timestamp_ms = now, .proposer = member_addr(leader)};
        now += VIEW_MS;
        n++;
    }
    return n;
}

/* ------------------------------------------------------------- figures */

/* With equal weights the schedule is plain round robin: view v is led by
 * v mod n. The expectations below rely on it. */
static void test_schedule_round_robin(void **state)
{
    (void)state;
    cons_committee c;
    committee_equal(&c);
    for (uint64_t v = 0; v < 3 * MEMBERS; v++)
        assert_int_equal(cons_committee_leader(&c, v), v % MEMBERS);
}

static void test_every_slot_filled(void **state)
{
    (void)state;
    cons_committee c;
    committee_equal(&c);
    node_liveness_block chain[CHAIN_MAX];
    size_t n = chain_make(chain, &c, 1, 12, NULL);
    assert_int_equal(n, 12);
    node_liveness r;
    assert_int_equal(node_liveness_compute(&r, &c, chain, n), SEQ_OK);
    assert_int_equal(r.height_first, 1);
    assert_int_equal(r.height_last, 12);
    assert_int_equal(r.view_first, 1);
    assert_int_equal(r.view_last, 12);
    assert_int_equal(r.views, 12);
    assert_int_equal(r.blocks, 12);
    assert_int_equal(r.views_empty, 0);
    assert_int_equal(r.off_schedule, 0);
    assert_int_equal(r.validator_count, MEMBERS);
    for (size_t i = 0; i < MEMBERS; i++) {
        assert_int_equal(r.validators[i].slots, 3);
        assert_int_equal(r.validators[i].proposed, 3);
        assert_int_equal(r.validators[i].missed, 0);
        assert_int_equal(r.validators[i].weight, 1);
        assert_memory_equal(r.validators[i].address.b, member_addr(i).b, SEQ_ADDR_BYTES);
    }
    assert_true(r.has_intervals);
    assert_int_equal(r.time_ms, 11 * VIEW_MS);
    assert_true(r.view_ms_avg == VIEW_MS && r.view_ms_max == VIEW_MS);
    assert_true(r.block_interval_ms_avg == VIEW_MS);
    assert_int_equal(r.gap_ms_max, VIEW_MS);
    assert_int_equal(r.gap_height_from, 1); /* the first of equal gaps */
    assert_int_equal(r.gap_height_to, 2);
    assert_false(r.weights_assumed);
}

/* Validator 0 leads views 4, 8, ... and is down: every 4th view times out. */
static void test_leader_misses_every_4th_view(void **state)
{
    (void)state;
    cons_committee c;
    committee_equal(&c);
    bool absent[MEMBERS] = {true, false, false, false};
    node_liveness_block chain[CHAIN_MAX];
    size_t n = chain_make(chain, &c, 1, 39, absent); /* views 1..39: 4, 8, .., 36 missed */
    assert_int_equal(n, 30);
    node_liveness r;
    assert_int_equal(node_liveness_compute(&r, &c, chain, n), SEQ_OK);
    assert_int_equal(r.views, 39);
    assert_int_equal(r.blocks, 30);
    assert_int_equal(r.views_empty, 9);
    assert_int_equal(r.validators[0].slots, 9);
    assert_int_equal(r.validators[0].proposed, 0);
    assert_int_equal(r.validators[0].missed, 9);
    for (size_t i = 1; i < MEMBERS; i++) {
        assert_int_equal(r.validators[i].slots, 10);
        assert_int_equal(r.validators[i].proposed, 10);
        assert_int_equal(r.validators[i].missed, 0);
    }
    /* Across a missed view: 500 + 1000 ms over two views. */
    assert_true(r.view_ms_max == (VIEW_MS + TIMEOUT_MS) / 2.0);
    assert_int_equal(r.view_max_height_from, 3); /* view 3 -> view 5 */
    assert_int_equal(r.view_max_height_to, 4);
    assert_int_equal(r.gap_ms_max, VIEW_MS + TIMEOUT_MS);
    assert_int_equal(r.gap_height_from, 3);
    assert_int_equal(r.gap_height_to, 4);
    assert_int_equal(r.time_ms, 29 * VIEW_MS + 9 * TIMEOUT_MS);
    assert_true(r.view_ms_avg == (double)r.time_ms / 38.0);
    assert_true(r.block_interval_ms_avg == (double)r.time_ms / 29.0);
}

/* Views 1..5 commit, 6..9 time out (15 s: 1, 2, 4 and 8 s), 10..13
 * commit, with one slow view (1.2 s) after; the longest gap is 5 -> 10. */
static void test_timeouts_gap(void **state)
{
    (void)state;
    cons_committee c;
    committee_equal(&c);
    node_liveness_block chain[9];
    uint64_t views[9] = {1, 2, 3, 4, 5, 10, 11, 12, 13};
    uint64_t ts = TIMESTAMP_0;
    for (size_t i = 0; i < 9; i++) {
        if (i == 5)
            ts += VIEW_MS + 15000u; /* view 5's own time, then the timeouts */
        else if (i == 8)
            ts += 1200u;
        else if (i > 0)
            ts += VIEW_MS;
        chain[i] = (node_liveness_block){.height = 100 + i,
                                         .view = views[i],
                                         .timestamp_ms = ts,
                                         .proposer = member_addr(views[i] % MEMBERS)};
    }
    node_liveness r;
    assert_int_equal(node_liveness_compute(&r, &c, chain, 9), SEQ_OK);
    assert_int_equal(r.height_first, 100);
    assert_int_equal(r.height_last, 108);
    assert_int_equal(r.views, 13);
    assert_int_equal(r.views_empty, 4);
    assert_int_equal(r.gap_ms_max, VIEW_MS + 15000u);
    assert_int_equal(r.gap_height_from, 104);
    assert_int_equal(r.gap_height_to, 105);
    assert_true(r.view_ms_max == (VIEW_MS + 15000u) / 5.0);
    assert_int_equal(r.view_max_height_from, 104);
    /* Missed: views 6 (leader 2), 7 (3), 8 (0), 9 (1): one each. */
    uint64_t missed = 0;
    for (size_t i = 0; i < MEMBERS; i++) {
        assert_int_equal(r.validators[i].missed, 1);
        assert_int_equal(r.validators[i].slots, r.validators[i].proposed + r.validators[i].missed);
        missed += r.validators[i].missed;
    }
    assert_int_equal(missed, r.views_empty);
}

static void test_single_block(void **state)
{
    (void)state;
    cons_committee c;
    committee_equal(&c);
    node_liveness_block b = {
        .height = 7, .view = 9, .timestamp_ms = TIMESTAMP_0, .proposer = member_addr(1)};
    node_liveness r;
    assert_int_equal(node_liveness_compute(&r, &c, &b, 1), SEQ_OK);
    assert_int_equal(r.views, 1);
    assert_int_equal(r.blocks, 1);
    assert_int_equal(r.views_empty, 0);
    assert_false(r.has_intervals);
    assert_int_equal(r.time_ms, 0);
    assert_int_equal(r.validators[1].slots, 1);
    assert_int_equal(r.validators[1].proposed, 1);
    for (size_t i = 0; i < MEMBERS; i++)
        assert_int_equal(r.validators[i].missed, 0);
    assert_int_equal(r.validators[0].slots + r.validators[2].slots + r.validators[3].slots, 0);
}

/* Weights 3, 1: in every 4 views validator 0 leads 3 (cons_committee_leader
 * decides which); over 2 rounds and 1 view more the counts follow. */
static void test_weighted_committee(void **state)
{
    (void)state;
    cons_committee c;
    static const uint32_t weights[2] = {3, 1};
    committee_make(&c, weights, 2);
    node_liveness_block chain[CHAIN_MAX];
    size_t n = chain_make(chain, &c, 4, 12, NULL); /* 9 views */
    node_liveness r;
    assert_int_equal(node_liveness_compute(&r, &c, chain, n), SEQ_OK);
    uint64_t extra0 = cons_committee_leader(&c, 12) == 0;
    assert_int_equal(r.validators[0].slots, 6 + extra0);
    assert_int_equal(r.validators[1].slots, 2 + (1 - extra0));
    assert_int_equal(r.validators[0].weight, 3);
    assert_int_equal(r.off_schedule, 0);
    assert_int_equal(r.validators[0].missed + r.validators[1].missed, 0);
}

/* A block by another than its view's leader, and one by a stranger. */
static void test_off_schedule(void **state)
{
    (void)state;
    cons_committee c;
    committee_equal(&c);
    node_liveness_block chain[CHAIN_MAX];
    size_t n = chain_make(chain, &c, 1, 8, NULL);
    chain[2].proposer = member_addr(0);                /* view 3, leader 3 */
    memset(chain[5].proposer.b, 0xee, SEQ_ADDR_BYTES); /* not a member */
    node_liveness r;
    assert_int_equal(node_liveness_compute(&r, &c, chain, n), SEQ_OK);
    assert_int_equal(r.off_schedule, 2);
    assert_int_equal(r.validators[0].proposed, 3);
    assert_int_equal(r.validators[3].proposed, 1);
    assert_int_equal(r.validators[3].missed, 0); /* view 3 has a block all the same */
}

static void test_not_a_chain(void **state)
{
    (void)state;
    cons_committee c;
    committee_equal(&c);
    node_liveness_block chain[CHAIN_MAX];
    size_t n = chain_make(chain, &c, 1, 6, NULL);
    node_liveness r;
    struct {
        size_t at;
        uint64_t height, view, timestamp_ms;
    } bad[] = {
        {3, 5, 4, TIMESTAMP_0 + 3 * VIEW_MS},     /* height skips */
        {3, 4, 3, TIMESTAMP_0 + 3 * VIEW_MS},     /* view repeats */
        {3, 4, 4, TIMESTAMP_0 + 2 * VIEW_MS - 1}, /* time goes back */
    };
    for (size_t k = 0; k < SEQ_ARRAY_LEN(bad); k++) {
        node_liveness_block copy[CHAIN_MAX];
        memcpy(copy, chain, n * sizeof copy[0]);
        copy[bad[k].at].height = bad[k].height;
        copy[bad[k].at].view = bad[k].view;
        copy[bad[k].at].timestamp_ms = bad[k].timestamp_ms;
        memset(&r, 0xab, sizeof r);
        assert_int_equal(node_liveness_compute(&r, &c, copy, n), SEQ_ERR_MALFORMED);
        assert_int_equal(r.blocks, 0);
        assert_int_equal(r.validator_count, 0);
    }
    /* More views than a u64 counts. */
    node_liveness_block wide[2] = {{.height = 1, .view = 0, .proposer = member_addr(0)},
                                   {.height = 2, .view = UINT64_MAX, .proposer = member_addr(3)}};
    assert_int_equal(node_liveness_compute(&r, &c, wide, 2), SEQ_ERR_MALFORMED);
    /* A huge but countable range is counted by rounds, not view by view. */
    wide[0].view = 1;
    assert_int_equal(node_liveness_compute(&r, &c, wide, 2), SEQ_OK);
    assert_int_equal(r.views, UINT64_MAX);
    assert_int_equal(r.views_empty, UINT64_MAX - 2);
}

/* ------------------------------------------------------------ printing */

/* A small result: 2 validators, views 10..13, view 12 timed out. */
static void small_result(node_liveness *r, bool one_block)
{
    cons_committee c;
    static const uint32_t ones[2] = {1, 1};
    committee_make(&c, ones, 2);
    node_liveness_block chain[3] = {
        {.height = 20, .view = 10, .timestamp_ms = 1000, .proposer = member_addr(0)},
        {.height = 21, .view = 11, .timestamp_ms = 1500, .proposer = member_addr(1)},
        {.height = 22, .view = 13, .timestamp_ms = 3000, .proposer = member_addr(1)},
    };
    assert_int_equal(node_liveness_compute(r, &c, chain, one_block ? 1 : 3), SEQ_OK);
    r->weights_assumed = true;
}

static void test_print_table(void **state)
{
    (void)state;
    node_liveness r;
    small_result(&r, false);
    test_capture cap;
    node_liveness_print(test_capture_begin(&cap), &r);
    char *text = test_capture_end(&cap);
    const char *expected =
        "IDX  ADDRESS                                       SLOTS PROPOSED   MISSED MISS RATE\n"
        "  0  0x1111111111111111111111111111111111111111        2        1        1     50.0%\n"
        "  1  0x2222222222222222222222222222222222222222        2        2        0      0.0%\n"
        "\n"
        "views                4 (10..13)\n"
        "committed blocks     3 (heights 20..22)\n"
        "views without block  1 (25.0%; timeouts or forks)\n"
        "view time            avg 666.7 ms, max 750.0 ms (heights 21..22)\n"
        "block interval       avg 1000.0 ms\n"
        "longest gap          1500 ms (heights 21..22)\n"
        "weights              assumed 1 each (seq_status does not report them; --genesis FILE "
        "gives them)\n";
    assert_string_equal(text, expected);
    free(text);

    small_result(&r, true);
    r.weights_assumed = false;
    node_liveness_print(test_capture_begin(&cap), &r);
    text = test_capture_end(&cap);
    assert_non_null(strstr(text, "  1  0x2222222222222222222222222222222222222222        0"
                                 "        0        0         -\n"));
    assert_non_null(strstr(text, "view time            - (one block)\n"));
    assert_non_null(strstr(text, "longest gap          - (one block)\n"));
    assert_non_null(strstr(text, "weights              from genesis\n"));
    free(text);
}

static void test_print_json(void **state)
{
    (void)state;
    node_liveness r;
    small_result(&r, false);
    test_capture cap;
    node_liveness_print_json(test_capture_begin(&cap), &r);
    char *text = test_capture_end(&cap);
    assert_non_null(strchr(text, '\n'));
    assert_ptr_equal(strchr(text, '\n'), text + strlen(text) - 1); /* one line */
    json_t *j = test_json_parse(text);
    assert_int_equal(json_integer_value(json_object_get(j, "from_height")), 20);
    assert_int_equal(json_integer_value(json_object_get(j, "to_height")), 22);
    assert_int_equal(json_integer_value(json_object_get(j, "views")), 4);
    assert_int_equal(json_integer_value(json_object_get(j, "views_empty")), 1);
    assert_true(json_real_value(json_object_get(j, "views_empty_rate")) == 0.25);
    assert_true(json_real_value(json_object_get(j, "view_ms_max")) == 750.0);
    assert_true(json_real_value(json_object_get(j, "view_ms_avg")) == 666.667);
    assert_int_equal(json_integer_value(json_object_get(j, "gap_ms_max")), 1500);
    assert_int_equal(json_integer_value(json_array_get(json_object_get(j, "gap_heights"), 0)), 21);
    assert_string_equal(json_string_value(json_object_get(j, "weights")), "assumed_equal");
    json_t *v0 = json_array_get(json_object_get(j, "validators"), 0);
    assert_int_equal(json_array_size(json_object_get(j, "validators")), 2);
    assert_string_equal(json_string_value(json_object_get(v0, "address")),
                        "0x1111111111111111111111111111111111111111");
    assert_int_equal(json_integer_value(json_object_get(v0, "slots")), 2);
    assert_int_equal(json_integer_value(json_object_get(v0, "missed")), 1);
    assert_true(json_real_value(json_object_get(v0, "miss_rate")) == 0.5);
    json_decref(j);
    free(text);

    small_result(&r, true);
    node_liveness_print_json(test_capture_begin(&cap), &r);
    text = test_capture_end(&cap);
    j = test_json_parse(text);
    assert_true(json_is_null(json_object_get(j, "view_ms_avg")));
    assert_true(json_is_null(json_object_get(j, "gap_heights")));
    v0 = json_array_get(json_object_get(j, "validators"), 1);
    assert_true(json_is_null(json_object_get(v0, "miss_rate"))); /* no slot */
    json_decref(j);
    free(text);
}

/* ----------------------------------------------------------- arguments */

/* Runs seqctl liveness with args (after "seqctl liveness"); returns the
 * exit code, *out and *err what it printed (malloc'd). */
static int run(char **out, char **err, const char *const *args, size_t n)
{
    char *argv[16] = {"seqctl", "liveness"};
    assert_true(n + 2 <= SEQ_ARRAY_LEN(argv));
    for (size_t i = 0; i < n; i++)
        argv[2 + i] = (char *)args[i];
    test_capture o, e;
    int code = node_seqctl_main((int)n + 2, argv, test_capture_begin(&o), test_capture_begin(&e));
    *out = test_capture_end(&o);
    *err = test_capture_end(&e);
    return code;
}

/* Port 9 (discard) on loopback: nothing listens, and nothing may be sent. */
#define NOBODY "http://127.0.0.1:9"

static void test_usage(void **state)
{
    (void)state;
    struct {
        const char *args[8];
        size_t n;
        const char *says;
    } cases[] = {
        {{"--rpc", NOBODY, "--from", "5", "--to", "4"}, 6, "--from 5 is above --to 4"},
        {{"--from", "1", "--to", "4"}, 4, "--rpc URL, --from H1 and --to H2 are required"},
        {{"--rpc", NOBODY, "--to", "4"}, 4, "are required"},
        {{"--rpc", NOBODY, "--from", "1", "--to", "100001"}, 6, "more than 100000 heights"},
        {{"--rpc", NOBODY, "--from", "0x1", "--to", "0x186a1"}, 6, "more than 100000 heights"},
        {{"--rpc", NOBODY, "--from", "1", "--to", "18446744073709551615"},
         6,
         "more than 100000 heights"},
        {{"--rpc", NOBODY, "--from", "0", "--to", "4"}, 6, "at least 1"},
        {{"--rpc", NOBODY, "--from", "1", "--to", "4x"}, 6, "'4x' is not a height"},
        {{"--rpc", NOBODY, "--from", "-1", "--to", "4"}, 6, "'-1' is not a height"},
        {{"--rpc", NOBODY, "--from", "1", "--to", "4", "--bogus"}, 7, "'--bogus'"},
        {{"--rpc", NOBODY, "--rpc", NOBODY, "--from", "1", "--to", "4"}, 8, "repeated"},
        {{"--rpc", NOBODY, "--from", "1", "--to"}, 5, "incomplete argument '--to'"},
    };
    for (size_t k = 0; k < SEQ_ARRAY_LEN(cases); k++) {
        char *out, *err;
        int code = run(&out, &err, cases[k].args, cases[k].n);
        if (code != NODE_EXIT_USAGE || strstr(err, cases[k].says) == NULL)
            fail_msg("case %zu: exit %d, err: %s", k, code, err);
        assert_non_null(strstr(err, "usage: seqctl liveness"));
        assert_string_equal(out, "");
        free(out);
        free(err);
    }
    /* The largest range allowed passes the checks and fails on the node. */
    const char *const max[] = {"--rpc", NOBODY, "--from", "1", "--to", "100000"};
    char *out, *err;
    assert_int_equal(run(&out, &err, max, 6), NODE_EXIT_FAILURE);
    assert_null(strstr(err, "usage:"));
    free(out);
    free(err);
    /* --help */
    const char *const help[] = {"--help"};
    assert_int_equal(run(&out, &err, help, 1), NODE_EXIT_OK);
    assert_non_null(strstr(out, "usage: seqctl liveness --rpc URL --from H1 --to H2"));
    free(out);
    free(err);
}

/* ----------------------------------------------------------- fake node */

/* The chain the fake node serves: heights 1..tip over views of the
 * equal-weight schedule, validator 0 down; weighted makes it a chain of
 * the committee weighing 3, 1, 1, 1 (which seq_status does not say). */
static struct {
    fake_rpc server;
    node_liveness_block chain[CHAIN_MAX];
    size_t tip;
} fake;

static void fake_chain(bool weighted)
{
    cons_committee c;
    static const uint32_t heavy[MEMBERS] = {3, 1, 1, 1};
    if (weighted)
        committee_make(&c, heavy, MEMBERS);
    else
        committee_equal(&c);
    bool absent[MEMBERS] = {!weighted, false, false, false};
    fake.tip = chain_make(fake.chain, &c, 1, 24, absent);
}

static void fake_answer(char *result, size_t len, const char *method, const json_t *params)
{
    char addr[43];
    if (strcmp(method, "seq_status") == 0) {
        int n = snprintf(result, len, "{\"height\":%zu,\"validators\":[", fake.tip);
        for (size_t i = 0; i < MEMBERS; i++) {
            seq_addr a = member_addr(i);
            l1_addr_checksum(addr, &a);
            n += snprintf(result + n, len - (size_t)n,
                          "%s{\"index\":%zu,\"address\":\"%s\",\"proposedCommitted\":0}",
                          i > 0 ? "," : "", i, addr);
        }
        snprintf(result + n, len - (size_t)n, "]}");
        return;
    }
    uint64_t h = 0;
    const char *text = json_string_value(json_array_get(params, 0));
    if (strcmp(method, "seq_getBlockByHeight") != 0 || text == NULL ||
        sscanf(text, "0x%llx", (unsigned long long *)&h) != 1 || h == 0 || h > fake.tip) {
        snprintf(result, len, "null");
        return;
    }
    const node_liveness_block *b = &fake.chain[h - 1];
    l1_addr_checksum(addr, &b->proposer);
    snprintf(result, len,
             "{\"height\":%llu,\"view\":%llu,\"timestampMs\":%llu,\"proposer\":\"%s\","
             "\"hash\":\"0x00\",\"txCount\":0}",
             (unsigned long long)b->height, (unsigned long long)b->view,
             (unsigned long long)b->timestamp_ms, addr);
}

static void fake_serve(fake_rpc *server, int conn, const fake_rpc_request *request)
{
    (void)server;
    if (request->doc == NULL)
        return;
    char result[FAKE_BODY_MAX], body[FAKE_BODY_MAX + 64];
    fake_answer(result, sizeof result, request->method, json_object_get(request->doc, "params"));
    snprintf(body, sizeof body, "{\"jsonrpc\":\"2.0\",\"id\":%lld,\"result\":%s}", request->id,
             result);
    fake_rpc_respond(conn, "200 OK", body);
}

static void test_against_fake_node(void **state)
{
    (void)state;
    fake_chain(false);
    assert_int_equal(fake.tip, 18); /* views 1..24, 4, 8, .., 24 missed */
    assert_true(fake_rpc_start(&fake.server, fake_serve, NULL));
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%u", (unsigned)fake.server.port);
    char *out, *err;

    const char *const json[] = {"--rpc", url, "--from", "2", "--to", "18", "--json"};
    assert_int_equal(run(&out, &err, json, 7), NODE_EXIT_OK);
    assert_string_equal(err, "");
    json_t *j = test_json_parse(out);
    assert_int_equal(json_integer_value(json_object_get(j, "from_view")), 2);
    assert_int_equal(json_integer_value(json_object_get(j, "to_view")), 23);
    assert_int_equal(json_integer_value(json_object_get(j, "blocks")), 17);
    assert_int_equal(json_integer_value(json_object_get(j, "views_empty")), 5); /* 4 .. 20 */
    json_t *v0 = json_array_get(json_object_get(j, "validators"), 0);
    assert_int_equal(json_integer_value(json_object_get(v0, "slots")), 5);
    assert_int_equal(json_integer_value(json_object_get(v0, "missed")), 5);
    assert_true(json_real_value(json_object_get(v0, "miss_rate")) == 1.0);
    assert_int_equal(json_integer_value(json_object_get(j, "gap_ms_max")), VIEW_MS + TIMEOUT_MS);
    json_decref(j);
    free(out);
    free(err);

    const char *const table[] = {"--rpc", url, "--from", "1", "--to", "0x12"};
    assert_int_equal(run(&out, &err, table, 6), NODE_EXIT_OK);
    assert_non_null(strstr(out, "committed blocks     18 (heights 1..18)\n"));
    assert_non_null(strstr(out, "    100.0%\n"));
    free(out);
    free(err);

    const char *const above[] = {"--rpc", url, "--from", "1", "--to", "19"};
    assert_int_equal(run(&out, &err, above, 6), NODE_EXIT_FAILURE);
    assert_non_null(strstr(err, "--to 19 is above the node's committed height 18"));
    assert_string_equal(out, "");
    free(out);
    free(err);

    /* Weights 3, 1, 1, 1 that the status does not give: refused. */
    fake_chain(true);
    const char *const weighted[] = {"--rpc", url, "--from", "1", "--to", "10"};
    assert_int_equal(run(&out, &err, weighted, 6), NODE_EXIT_FAILURE);
    assert_non_null(strstr(err, "not proposed by their view's leader under equal weights"));
    assert_non_null(strstr(err, "--genesis FILE"));
    assert_string_equal(out, "");
    free(out);
    free(err);
    fake_rpc_stop(&fake.server);

    /* The node is gone. */
    assert_int_equal(run(&out, &err, table, 6), NODE_EXIT_FAILURE);
    assert_non_null(strstr(err, "seqctl liveness: "));
    assert_null(strstr(err, "usage:"));
    free(out);
    free(err);
}

/* A genesis file at path with the members in order[] and weights[]. */
static void genesis_write(const char *path, const size_t *order, const uint32_t *weights)
{
    node_genesis *g = malloc(sizeof *g);
    assert_non_null(g);
    node_genesis_defaults(g);
    g->l2_chain_id = 901;
    g->l1_chain_id = 31337;
    g->validator_count = MEMBERS;
    for (size_t i = 0; i < MEMBERS; i++) {
        uint8_t seed[crypto_sign_SEEDBYTES], secret[crypto_sign_SECRETKEYBYTES];
        memset(seed, (int)(order[i] + 1), sizeof seed);
        crypto_sign_seed_keypair(g->validators[i].transport_public_key, secret, seed);
        g->validators[i].address = member_addr(order[i]);
        g->validators[i].weight = weights[i];
        snprintf(g->validators[i].endpoint, sizeof g->validators[i].endpoint, "tcp://127.0.0.1:%zu",
                 7101 + i);
    }
    node_diag why;
    assert_int_equal(node_genesis_write(&why, path, g), SEQ_OK);
    free(g);
}

static void test_genesis_weights(void **state)
{
    (void)state;
    assert_true(sodium_init() >= 0);
    char *dir = tf_mkdtemp();
    char good[TF_PATH_BYTES], swapped[TF_PATH_BYTES], missing[TF_PATH_BYTES];
    static const size_t in_order[MEMBERS] = {0, 1, 2, 3}, out_of_order[MEMBERS] = {1, 0, 2, 3};
    static const uint32_t heavy[MEMBERS] = {3, 1, 1, 1};
    genesis_write(tf_join(good, dir, "genesis.json"), in_order, heavy);
    genesis_write(tf_join(swapped, dir, "swapped.json"), out_of_order, heavy);
    tf_join(missing, dir, "missing.json");
    fake_chain(true);
    assert_true(fake_rpc_start(&fake.server, fake_serve, NULL));
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%u", (unsigned)fake.server.port);
    char *out, *err;

    const char *const args[] = {"--rpc", url,      "--from",    "1", "--to",
                                "24",    "--json", "--genesis", good};
    assert_int_equal(run(&out, &err, args, 9), NODE_EXIT_OK);
    assert_string_equal(err, "");
    json_t *j = test_json_parse(out);
    assert_string_equal(json_string_value(json_object_get(j, "weights")), "genesis");
    assert_int_equal(json_integer_value(json_object_get(j, "views_empty")), 0);
    assert_int_equal(json_integer_value(json_object_get(j, "off_schedule")), 0);
    json_t *v0 = json_array_get(json_object_get(j, "validators"), 0);
    assert_int_equal(json_integer_value(json_object_get(v0, "weight")), 3);
    assert_int_equal(json_integer_value(json_object_get(v0, "slots")), 12); /* 24 views, 3/6 */
    assert_int_equal(json_integer_value(json_object_get(v0, "proposed")), 12);
    json_decref(j);
    free(out);
    free(err);

    const char *other[] = {"--rpc", url, "--from", "1", "--to", "24", "--genesis", swapped};
    assert_int_equal(run(&out, &err, other, 8), NODE_EXIT_FAILURE);
    assert_non_null(strstr(err, "is not this node's genesis"));
    assert_non_null(strstr(err, "at index 0"));
    assert_string_equal(out, "");
    free(out);
    free(err);

    other[7] = missing;
    assert_int_equal(run(&out, &err, other, 8), NODE_EXIT_FAILURE);
    assert_non_null(strstr(err, "missing.json"));
    free(out);
    free(err);
    fake_rpc_stop(&fake.server);
    tf_rmtree(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_schedule_round_robin),
        cmocka_unit_test(test_every_slot_filled),
        cmocka_unit_test(test_leader_misses_every_4th_view),
        cmocka_unit_test(test_timeouts_gap),
        cmocka_unit_test(test_single_block),
        cmocka_unit_test(test_weighted_committee),
        cmocka_unit_test(test_off_schedule),
        cmocka_unit_test(test_not_a_chain),
        cmocka_unit_test(test_print_table),
        cmocka_unit_test(test_print_json),
        cmocka_unit_test(test_usage),
        cmocka_unit_test(test_against_fake_node),
        cmocka_unit_test(test_genesis_weights),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
