/* node_metrics_render: a status snapshot in the Prometheus text format.
 * Every line is checked against the format (HELP and TYPE once per family,
 * before its samples; sample names of the family; label values quoted;
 * integer values), the values against the snapshot, and a buffer too small
 * against SEQ_ERR_NO_SPACE. */
/* cmocka needs these headers before its own, in this order. */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "l1.h"
#include "node.h"

static node_status *snapshot(bool with_l1)
{
    node_status *s = calloc(1, sizeof *s);
    assert_non_null(s);
    s->running = true;
    memset(s->validator.b, 0x11, SEQ_ADDR_BYTES);
    s->self_index = 1;
    s->committee_size = 4;
    s->view = 77;
    s->leader_index = 2;
    s->height_committed = 42;
    s->peers_connected = 2;
    for (size_t i = 0; i < 4; i++) {
        memset(s->peers[i].address.b, (int)(0xa0 + i), SEQ_ADDR_BYTES);
        s->peers[i].connected = i != 3;
        s->peers[i].frames_in = 100 + i;
    }
    memset(&s->peers[1], 0, sizeof s->peers[1]); /* self */
    s->stats.votes_sent = 55;
    s->stats.views_by_tc = 3;
    s->txs_committed = 1234;
    s->txpool.pool.txs = 9;
    s->txpool.pool.rejected[1] = 5;
    s->net.closed[0] = 2;
    s->uptime_ms = 61500;
    if (with_l1) {
        s->l1.enabled = true;
        s->l1.ok = true;
        s->l1.head = 120;
        s->l1.has_cursor = true;
        s->l1.cursor = 117;
        s->l1.last_ok_ms = 5000;
        s->l1.events[L1_EVENT_BATCH_POSTED] = 4;
        s->l1.has_inbox_head = true;
        s->l1.inbox_next_index = 4;
        s->l1.forced_count = 3;
        s->l1.forced_consumed = 1;
    }
    return s;
}

/* Checks the exposition format line by line; returns the sample count. */
static size_t check_format(const char *text)
{
    char family[128] = "";
    char seen[256][128];
    size_t seen_count = 0, samples = 0;
    const char *p = text;
    while (*p != '\0') {
        const char *eol = strchr(p, '\n');
        assert_non_null(eol);
        char line[512];
        size_t n = (size_t)(eol - p);
        assert_true(n > 0 && n < sizeof line);
        memcpy(line, p, n);
        line[n] = '\0';
        p = eol + 1;
        char name[128], type[32];
        if (strncmp(line, "# HELP ", 7) == 0) {
            assert_int_equal(sscanf(line, "# HELP %127s", name), 1);
            for (size_t i = 0; i < seen_count; i++)
                assert_string_not_equal(seen[i], name); /* one family, one block */
            assert_true(seen_count < 256);
            snprintf(seen[seen_count++], sizeof seen[0], "%s", name);
            snprintf(family, sizeof family, "%s", name);
            assert_true(strncmp(name, "seq_", 4) == 0);
            continue;
        }
        if (strncmp(line, "# TYPE ", 7) == 0) {
            assert_int_equal(sscanf(line, "# TYPE %127s %31s", name, type), 2);
            assert_string_equal(name, family);
            assert_true(strcmp(type, "gauge") == 0 || strcmp(type, "counter") == 0);
            if (strcmp(type, "counter") == 0)
                assert_non_null(strstr(name, "_total"));
            continue;
        }
        /* A sample: the family's name, optional {k="v",...}, a space, an
         * unsigned integer. */
        size_t flen = strlen(family);
        assert_true(flen > 0 && strncmp(line, family, flen) == 0);
        const char *q = line + flen;
        if (*q == '{') {
            const char *close = strchr(q, '}');
            assert_non_null(close);
            for (const char *c = q + 1; c < close; c++)
                assert_true(isalnum((unsigned char)*c) || strchr("_=\",", *c) != NULL);
            q = close + 1;
        }
        assert_true(*q == ' ');
        q++;
        assert_true(*q != '\0');
        for (; *q != '\0'; q++)
            assert_true(isdigit((unsigned char)*q));
        samples++;
    }
    return samples;
}

static void test_render(void **state)
{
    (void)state;
    node_status *s = snapshot(true);
    char *out = malloc(NODE_METRICS_BYTES_MAX);
    assert_non_null(out);
    size_t len = 0;
    assert_int_equal(node_metrics_render(out, NODE_METRICS_BYTES_MAX, &len, s, 8000), SEQ_OK);
    assert_int_equal(len, strlen(out));
    assert_true(check_format(out) > 50);
    assert_non_null(strstr(out, "\nseq_view 77\n"));
    assert_non_null(strstr(out, "\nseq_height_committed 42\n"));
    assert_non_null(strstr(out, "\nseq_votes_sent_total 55\n"));
    assert_non_null(strstr(out, "\nseq_views_total{by=\"tc\"} 3\n"));
    assert_non_null(strstr(out, "\nseq_txs_committed_total 1234\n"));
    assert_non_null(strstr(out, "\nseq_uptime_seconds 61\n"));
    assert_non_null(
        strstr(out, "seq_info{validator=\"0x1111111111111111111111111111111111111111\""));
    /* Three peers, self left out. */
    assert_non_null(
        strstr(out, "seq_peer_frames_in_total{peer=\"0xa0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0\"} "
                    "100\n"));
    assert_non_null(
        strstr(out, "seq_peer_connected{peer=\"0xa3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3\"} 0\n"));
    assert_null(strstr(out, "peer=\"0x0000000000000000000000000000000000000000\""));
    assert_non_null(strstr(out, "\nseq_mempool_txs 9\n"));
    char reject[128];
    const char *name = mempool_reject_name((mempool_reject)1) + strlen("MEMPOOL_REJECT_");
    snprintf(reject, sizeof reject, "seq_mempool_rejected_total{reason=\"%s\"} 5\n", name);
    assert_non_null(strstr(out, reject));
    assert_non_null(strstr(out, "\nseq_l1_ok 1\n"));
    assert_non_null(strstr(out, "\nseq_l1_lag_blocks 3\n"));
    assert_non_null(strstr(out, "\nseq_l1_last_ok_age_seconds 3\n"));
    assert_non_null(strstr(out, "seq_l1_events_total{event=\"BatchPosted\"} 4\n"));
    assert_non_null(strstr(out, "\nseq_l1_forced_queue_length 2\n"));
    free(out);
    free(s);
}

static void test_without_l1(void **state)
{
    (void)state;
    node_status *s = snapshot(false);
    char *out = malloc(NODE_METRICS_BYTES_MAX);
    assert_non_null(out);
    size_t len = 0;
    assert_int_equal(node_metrics_render(out, NODE_METRICS_BYTES_MAX, &len, s, 0), SEQ_OK);
    check_format(out);
    assert_non_null(strstr(out, "\nseq_l1_enabled 0\n"));
    assert_null(strstr(out, "seq_l1_head"));
    free(out);
    free(s);
}

/* A full committee fits NODE_METRICS_BYTES_MAX; a small buffer is refused
 * whole. */
static void test_space(void **state)
{
    (void)state;
    node_status *s = snapshot(true);
    s->committee_size = CONS_VALIDATORS_MAX;
    char *out = malloc(NODE_METRICS_BYTES_MAX);
    assert_non_null(out);
    size_t len = 0;
    assert_int_equal(node_metrics_render(out, NODE_METRICS_BYTES_MAX, &len, s, 0), SEQ_OK);
    check_format(out);
    size_t need = len + 1;
    assert_int_equal(node_metrics_render(out, need - 1, &len, s, 0), SEQ_ERR_NO_SPACE);
    assert_int_equal(len, 0);
    assert_string_equal(out, "");
    assert_int_equal(node_metrics_render(out, need, &len, s, 0), SEQ_OK);
    free(out);
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_render),
        cmocka_unit_test(test_without_l1),
        cmocka_unit_test(test_space),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
