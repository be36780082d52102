/* node_metrics_render: a status snapshot in the Prometheus text format.
 * Every line is checked against the format (HELP and TYPE once per family,
 * before its samples; sample names of the family; label values quoted;
 * integer values, decimal ones for histograms and timestamps), the values
 * against the snapshot, and a buffer too small against SEQ_ERR_NO_SPACE.
 * Also the commit accounting the runtime feeds it: node_validators_commit
 * (leader slots) and node_commit_latency_observe (the histogram). */
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
    for (size_t i = 0; i < 4; i++) {
        memset(s->validators[i].address.b, (int)(0xa0 + i), SEQ_ADDR_BYTES);
        s->validators[i].proposed_committed = 10 + i;
        s->validators[i].slots_missed = i;
    }
    s->slots_from_view = 12;
    node_commit_latency_observe(&s->commit_latency, 0);
    node_commit_latency_observe(&s->commit_latency, 7);
    node_commit_latency_observe(&s->commit_latency, 2500);
    node_commit_latency_observe(&s->commit_latency, 60000);
    s->last_commit_ms = 1767323045678;
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

/* A batcher with a batch in hand and some history; height_committed is 42. */
static void fill_batcher(node_status *s)
{
    node_batcher_status *b = &s->l1.batcher;
    b->enabled = true;
    b->has_batch = true;
    b->index = 7;
    b->first_height = 31;
    b->last_height = 40;
    b->attestations = 2;
    b->attested_weight = 2;
    b->quorum_weight = 3;
    b->poster = 3;
    b->attempt = 1;
    b->waiting_ms = 12999;
    b->batches_formed = 8;
    b->attestations_signed = 9;
    b->attestations_received = 21;
    b->attestations_dropped = 4;
    b->attestations_rejected = 1;
    b->posts_sent = 2;
    b->posts_refused = 3;
    b->posts_failed = 4;
    b->posts_reverted = 5;
    b->posts_failover = 6;
    b->gas_used = 123456;
    b->batches_seen = 7;
    b->forced_batches_seen = 1;
    b->failovers_seen = 2;
    b->blocks_posted = 30;
    b->txs_posted = 16;
    b->payload_bytes_posted = 10000;
    b->data_bytes_posted = 3000;
    b->posted_height = 30;
    node_post_lag_observe(&b->post_lag, 100, 3);    /* 0.5 s */
    node_post_lag_observe(&b->post_lag, 2000, 1);   /* 2 s, on the bound */
    node_post_lag_observe(&b->post_lag, 45000, 2);  /* 60 s */
    node_post_lag_observe(&b->post_lag, 700000, 1); /* +Inf */
}

static char *render(const node_status *s)
{
    char *out = malloc(NODE_METRICS_BYTES_MAX);
    assert_non_null(out);
    size_t len = 0;
    assert_int_equal(node_metrics_render(out, NODE_METRICS_BYTES_MAX, &len, s, 8000), SEQ_OK);
    assert_int_equal(len, strlen(out));
    return out;
}

/* The value of the sample line that starts with "\n" + sample + " ". */
static const char *sample_value(const char *text, const char *sample)
{
    char key[256];
    snprintf(key, sizeof key, "\n%s ", sample);
    const char *p = strstr(text, key);
    return p != NULL ? p + strlen(key) : NULL;
}

static void assert_sample(const char *text, const char *sample, const char *value)
{
    const char *v = sample_value(text, sample);
    if (v == NULL)
        fail_msg("no sample %s", sample);
    size_t n = strlen(value);
    if (strncmp(v, value, n) != 0 || v[n] != '\n')
        fail_msg("%s: want %s, got %.20s", sample, value, v);
}

/* Checks the exposition format line by line; returns the sample count. */
static size_t check_format(const char *text)
{
    char family[128] = "", type[32] = "";
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
        char name[128];
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
            assert_true(strcmp(type, "gauge") == 0 || strcmp(type, "counter") == 0 ||
                        strcmp(type, "histogram") == 0);
            if (strcmp(type, "counter") == 0)
                assert_non_null(strstr(name, "_total"));
            continue;
        }
        /* A sample: the family's name (a histogram's with _bucket, _sum or
         * _count), optional {k="v",...}, a space, an unsigned integer or
         * a decimal without trailing zeros. */
        size_t flen = strlen(family);
        assert_true(flen > 0 && strncmp(line, family, flen) == 0);
        const char *q = line + flen;
        const char *suffixes[] = {"_bucket", "_sum", "_count"};
        for (size_t i = 0; i < 3 && strcmp(type, "histogram") == 0; i++)
            if (strncmp(q, suffixes[i], strlen(suffixes[i])) == 0)
                q += strlen(suffixes[i]);
        if (*q == '{') {
            const char *close = strchr(q, '}');
            assert_non_null(close);
            for (const char *c = q + 1; c < close; c++)
                assert_true(isalnum((unsigned char)*c) || strchr("_=\",.+", *c) != NULL);
            q = close + 1;
        }
        assert_true(*q == ' ');
        q++;
        assert_true(isdigit((unsigned char)*q));
        const char *dot = strchr(q, '.');
        for (; *q != '\0'; q++)
            assert_true(isdigit((unsigned char)*q) || q == dot);
        if (dot != NULL)
            assert_true(dot[1] != '\0' && q[-1] != '0');
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
    /* Per validator, self included; the histogram is cumulative. */
    assert_non_null(strstr(out, "\nseq_leader_slots_from_view 12\n"));
    assert_non_null(strstr(out, "seq_leader_slots_missed_total{validator=\""
                                "0xa3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3\"} 3\n"));
    assert_non_null(strstr(out, "seq_blocks_proposed_committed_total{validator=\""
                                "0xa1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1\"} 11\n"));
    assert_non_null(strstr(out, "# TYPE seq_commit_latency_seconds histogram\n"
                                "seq_commit_latency_seconds_bucket{le=\"0.001\"} 1\n"
                                "seq_commit_latency_seconds_bucket{le=\"0.002\"} 1\n"
                                "seq_commit_latency_seconds_bucket{le=\"0.005\"} 1\n"
                                "seq_commit_latency_seconds_bucket{le=\"0.01\"} 2\n"));
    assert_non_null(strstr(out, "seq_commit_latency_seconds_bucket{le=\"2.5\"} 3\n"
                                "seq_commit_latency_seconds_bucket{le=\"5\"} 3\n"
                                "seq_commit_latency_seconds_bucket{le=\"10\"} 3\n"
                                "seq_commit_latency_seconds_bucket{le=\"+Inf\"} 4\n"
                                "seq_commit_latency_seconds_sum 62.507\n"
                                "seq_commit_latency_seconds_count 4\n"));
    assert_non_null(strstr(out, "\nseq_last_commit_timestamp_seconds 1767323045.678\n"));
    free(out);
    free(s);
}

/* Every batcher family with its value; the batch in hand; the derived
 * gauges; the posting lag as a cumulative histogram. */
static void test_batcher(void **state)
{
    (void)state;
    node_status *s = snapshot(true);
    fill_batcher(s);
    s->l1.has_finalized = true;
    s->l1.finalized = 112;
    s->l1.head = 130;
    s->l1.forced_stored = 5;
    s->l1.forced_consumed_stored = 3;
    s->l1.has_forced_oldest = true;
    s->l1.forced_oldest_block = 100;
    s->l1.inclusion_window = 32;
    s->l1.has_origin = true;
    s->l1.origin_number = 127;
    s->l1.origin_mismatches = 2;
    s->forced.last_cursor = 4;
    s->forced.consumed = 4;
    s->forced.included = 3;
    node_post_lag_observe(&s->forced.soft_lag, 2500, 3);
    node_post_lag_observe(&s->l1.forced_posted_lag, 8000, 2);
    char *out = render(s);
    check_format(out);
    static const struct {
        const char *sample, *value;
    } want[] = {
        {"seq_l1_finalized_block", "112"},
        {"seq_l1_forced_inclusion_window_blocks", "32"},
        {"seq_l1_origin_newest_block", "127"},
        {"seq_l1_origin_mismatches_total", "2"},
        {"seq_forced_cursor", "4"},
        {"seq_forced_consumed_total", "4"},
        {"seq_forced_included_total", "3"},
        {"seq_forced_soft_latency_seconds_count", "3"},
        {"seq_forced_posted_latency_seconds_count", "2"},
        {"seq_forced_posted_latency_seconds_sum", "16"},
        {"seq_forced_soft_latency_seconds_sum", "7.5"},
        {"seq_forced_soft_latency_seconds_bucket{le=\"2\"}", "0"},
        {"seq_forced_soft_latency_seconds_bucket{le=\"2.5\"}", "3"},
        {"seq_l1_forced_stored", "5"},
        {"seq_l1_forced_waiting", "2"},
        {"seq_l1_forced_oldest_age_blocks", "30"},
        {"seq_batch_formed_total", "8"},
        {"seq_batch_attestations_signed_total", "9"},
        {"seq_batch_attestations_received_total", "21"},
        {"seq_batch_attestations_dropped_total", "4"},
        {"seq_batch_attestations_rejected_total", "1"},
        {"seq_batch_posts_sent_total", "2"},
        {"seq_batch_posts_refused_total", "3"},
        {"seq_batch_posts_failed_total", "4"},
        {"seq_batch_posts_reverted_total", "5"},
        {"seq_batch_posts_failover_total", "6"},
        {"seq_batch_post_gas_used_total", "123456"},
        {"seq_batch_seen_total", "7"},
        {"seq_batch_forced_seen_total", "1"},
        {"seq_batch_failovers_seen_total", "2"},
        {"seq_batch_posted_blocks_total", "30"},
        {"seq_batch_posted_txs_total", "16"},
        {"seq_batch_posted_payload_bytes_total", "10000"},
        {"seq_batch_posted_data_bytes_total", "3000"},
        {"seq_batch_posted_height", "30"},
        {"seq_batch_gap_blocks", "12"},           /* 42 committed - 30 */
        {"seq_batch_compression_ratio", "3.333"}, /* 10000 / 3000 */
        {"seq_batch_l1_bytes_per_tx", "187.5"},   /* 3000 / 16 */
        {"seq_batch_pending", "1"},
        {"seq_batch_pending_index", "7"},
        {"seq_batch_pending_attestations", "2"},
        {"seq_batch_pending_attested_weight", "2"},
        {"seq_batch_pending_quorum_weight", "3"},
        {"seq_batch_pending_poster_index", "3"},
        {"seq_batch_pending_attempt", "1"},
        {"seq_batch_pending_waiting_seconds", "12"},
        {"seq_batch_post_lag_seconds_bucket{le=\"0.5\"}", "3"},
        {"seq_batch_post_lag_seconds_bucket{le=\"1\"}", "3"},
        {"seq_batch_post_lag_seconds_bucket{le=\"2\"}", "4"},
        {"seq_batch_post_lag_seconds_bucket{le=\"20\"}", "4"},
        {"seq_batch_post_lag_seconds_bucket{le=\"60\"}", "6"},
        {"seq_batch_post_lag_seconds_bucket{le=\"600\"}", "6"},
        {"seq_batch_post_lag_seconds_bucket{le=\"+Inf\"}", "7"},
        {"seq_batch_post_lag_seconds_sum", "792.3"},
        {"seq_batch_post_lag_seconds_count", "7"},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        assert_sample(out, want[i].sample, want[i].value);
    assert_non_null(strstr(out, "# TYPE seq_batch_post_lag_seconds histogram\n"
                                "seq_batch_post_lag_seconds_bucket{le=\"0.5\"} 3\n"));
    assert_non_null(strstr(out, "# TYPE seq_batch_posts_failed_total counter\n"));
    assert_non_null(strstr(out, "# TYPE seq_batch_gap_blocks gauge\n"));
    assert_non_null(strstr(out, "# TYPE seq_batch_compression_ratio gauge\n"));
    free(out);
    free(s);
}

/* The buckets, in order, every node_post_lag_bound_ms and then +Inf, never
 * fall, and end at _count; _sum is the observations' total. */
static void test_batcher_histogram(void **state)
{
    (void)state;
    node_status *s = snapshot(true);
    fill_batcher(s);
    uint64_t sum_ms = 0;
    for (size_t i = 0; i < NODE_POST_LAG_BUCKETS; i++) { /* one on each bound, i+1 times */
        node_post_lag_observe(&s->l1.batcher.post_lag, node_post_lag_bound_ms(i), i + 1);
        sum_ms += node_post_lag_bound_ms(i) * (i + 1);
    }
    char *out = render(s);
    check_format(out);
    const node_post_lag *h = &s->l1.batcher.post_lag;
    const char *p = strstr(out, "\nseq_batch_post_lag_seconds_bucket{");
    assert_non_null(p);
    uint64_t prev = 0, expect = 0;
    for (size_t i = 0; i <= NODE_POST_LAG_BUCKETS; i++) {
        char le[32];
        unsigned long long got = 0;
        assert_int_equal(
            sscanf(p, "\nseq_batch_post_lag_seconds_bucket{le=\"%31[^\"]\"} %llu", le, &got), 2);
        if (i < NODE_POST_LAG_BUCKETS) {
            uint64_t bound = node_post_lag_bound_ms(i);
            char text[32];
            if (bound % 1000 == 0)
                snprintf(text, sizeof text, "%llu", (unsigned long long)(bound / 1000));
            else
                snprintf(text, sizeof text, "%g", (double)bound / 1000.0);
            assert_string_equal(le, text);
        } else {
            assert_string_equal(le, "+Inf");
        }
        expect += h->buckets[i];
        assert_true(got >= prev);
        assert_int_equal(got, expect);
        prev = got;
        p = strchr(p + 1, '\n');
        assert_non_null(p);
    }
    assert_int_equal(prev, h->count);
    char count[32];
    snprintf(count, sizeof count, "%llu", (unsigned long long)h->count);
    assert_sample(out, "seq_batch_post_lag_seconds_count", count);
    assert_int_equal(h->sum_ms, sum_ms + 100 * 3 + 2000 + 45000 * 2 + 700000);
    const char *sum = sample_value(out, "seq_batch_post_lag_seconds_sum");
    assert_non_null(sum);
    assert_true(strtod(sum, NULL) * 1000.0 > (double)h->sum_ms - 0.5);
    assert_true(strtod(sum, NULL) * 1000.0 < (double)h->sum_ms + 0.5);
    free(out);
    free(s);
}

/* Nothing of the batcher without an L1 or with the batcher off; no
 * finalized block unless known; the batch in hand only while there is
 * one; no ratio over a zero denominator. */
static void test_batcher_absent(void **state)
{
    (void)state;
    node_status *s = snapshot(true);
    char *out = render(s); /* L1 on, batcher off */
    check_format(out);
    assert_null(strstr(out, "seq_batch_"));
    assert_null(strstr(out, "seq_l1_finalized_block"));
    assert_null(strstr(out, "seq_l1_forced_oldest_age_blocks")); /* nothing waiting */
    assert_non_null(strstr(out, "\nseq_l1_forced_waiting 0\n"));
    free(out);
    free(s);

    s = snapshot(false); /* batcher on, but no L1 */
    fill_batcher(s);
    s->l1.has_finalized = true;
    out = render(s);
    check_format(out);
    assert_null(strstr(out, "seq_batch_"));
    assert_null(strstr(out, "seq_l1_finalized_block"));
    free(out);
    free(s);

    s = snapshot(true);
    fill_batcher(s);
    s->l1.batcher.has_batch = false;
    s->l1.batcher.data_bytes_posted = 0;
    s->l1.batcher.txs_posted = 0;
    s->l1.batcher.posted_height = 50; /* above the committed 42: no negative gap */
    out = render(s);
    check_format(out);
    assert_sample(out, "seq_batch_pending", "0");
    assert_null(strstr(out, "seq_batch_pending_"));
    assert_null(strstr(out, "seq_batch_compression_ratio"));
    assert_null(strstr(out, "seq_batch_l1_bytes_per_tx"));
    assert_sample(out, "seq_batch_gap_blocks", "0");
    assert_sample(out, "seq_batch_posted_payload_bytes_total", "10000");
    free(out);

    /* Txs but no data bytes, and the other way round. */
    s->l1.batcher.txs_posted = 4;
    out = render(s);
    assert_null(strstr(out, "seq_batch_compression_ratio"));
    assert_sample(out, "seq_batch_l1_bytes_per_tx", "0");
    free(out);
    s->l1.batcher.txs_posted = 0;
    s->l1.batcher.data_bytes_posted = 5000;
    out = render(s);
    assert_sample(out, "seq_batch_compression_ratio", "2");
    assert_null(strstr(out, "seq_batch_l1_bytes_per_tx"));
    free(out);
    free(s);
}

/* Bucket i holds latencies in (bound(i-1), bound(i)]; the last is +Inf. */
static void test_commit_latency(void **state)
{
    (void)state;
    assert_int_equal(node_commit_latency_bound_ms(0), 1);
    assert_int_equal(node_commit_latency_bound_ms(NODE_COMMIT_LATENCY_BUCKETS - 1), 10000);
    for (size_t i = 1; i < NODE_COMMIT_LATENCY_BUCKETS; i++)
        assert_true(node_commit_latency_bound_ms(i) > node_commit_latency_bound_ms(i - 1));
    node_commit_latency h;
    memset(&h, 0, sizeof h);
    for (size_t i = 0; i < NODE_COMMIT_LATENCY_BUCKETS; i++) {
        uint64_t bound = node_commit_latency_bound_ms(i);
        node_commit_latency_observe(&h, bound); /* on the bound: this bucket */
        assert_int_equal(h.buckets[i], 1);
        node_commit_latency_observe(&h, bound + 1); /* just above: the next one */
        assert_int_equal(h.buckets[i + 1], 1);
        memset(&h, 0, sizeof h);
    }
    node_commit_latency_observe(&h, 0);
    node_commit_latency_observe(&h, UINT64_MAX / 2);
    assert_int_equal(h.buckets[0], 1);
    assert_int_equal(h.buckets[NODE_COMMIT_LATENCY_BUCKETS], 1);
    assert_int_equal(h.count, 2);
    assert_true(h.sum_ms == UINT64_MAX / 2);
}

/* Missed slots as the definition reads, one view at a time. */
static void slots_brute(node_validator_status *v, const cons_committee *c, uint64_t view_prev,
                        uint64_t view)
{
    for (uint64_t w = view_prev + 1; w < view; w++)
        v[cons_committee_leader(c, w)].slots_missed++;
}

static void test_validators_commit(void **state)
{
    (void)state;
    cons_validator members[4];
    for (size_t i = 0; i < 4; i++)
        members[i] = (cons_validator){.weight = (uint32_t)(1 + i % 3)}; /* 1, 2, 3, 1 */
    for (size_t i = 0; i < 4; i++)
        memset(members[i].addr.b, (int)(0x10 + i), SEQ_ADDR_BYTES);
    cons_committee *c = malloc(sizeof *c);
    assert_non_null(c);
    assert_int_equal(cons_committee_init(c, members, 4), SEQ_OK);
    node_validator_status got[4], want[4];
    memset(got, 0, sizeof got);
    memset(want, 0, sizeof want);

    /* Consecutive views: the proposer counts, nobody missed a slot. */
    node_validators_commit(got, c, 4, 5, &members[2].addr);
    assert_int_equal(got[2].proposed_committed, 1);
    for (size_t i = 0; i < 4; i++)
        assert_int_equal(got[i].slots_missed, 0);
    /* View 7 after view 5: view 6's leader missed its slot. */
    node_validators_commit(got, c, 5, 7, &members[0].addr);
    assert_int_equal(got[cons_committee_leader(c, 6)].slots_missed, 1);
    assert_int_equal(got[0].proposed_committed, 1);
    /* A proposer outside the committee only counts missed slots; a view
     * not above the previous one counts none. */
    seq_addr stranger;
    memset(stranger.b, 0xee, SEQ_ADDR_BYTES);
    memset(got, 0, sizeof got);
    node_validators_commit(got, c, 9, 9, &stranger);
    node_validators_commit(got, c, 9, 3, &stranger);
    assert_memory_equal(got, want, sizeof got);
    /* Gaps of every size up to a few rounds, and a huge one (whole rounds
     * counted at once), agree with the view-by-view count. */
    for (uint64_t gap = 0; gap < 3u * c->weight_total + 2; gap++) {
        memset(got, 0, sizeof got);
        memset(want, 0, sizeof want);
        node_validators_commit(got, c, 100 + gap, 100 + 2 * gap + 1, &stranger);
        slots_brute(want, c, 100 + gap, 100 + 2 * gap + 1);
        assert_memory_equal(got, want, sizeof got);
    }
    memset(got, 0, sizeof got);
    node_validators_commit(got, c, 3, 3 + 1000003, &stranger);
    memset(want, 0, sizeof want);
    slots_brute(want, c, 3, 3 + 1000003);
    assert_memory_equal(got, want, sizeof got);
    uint64_t total = 0;
    for (size_t i = 0; i < 4; i++)
        total += got[i].slots_missed;
    assert_int_equal(total, 1000002);
    free(c);
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
    fill_batcher(s);
    s->l1.has_finalized = true;
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
        cmocka_unit_test(test_render),         cmocka_unit_test(test_without_l1),
        cmocka_unit_test(test_batcher),        cmocka_unit_test(test_batcher_histogram),
        cmocka_unit_test(test_batcher_absent), cmocka_unit_test(test_space),
        cmocka_unit_test(test_commit_latency), cmocka_unit_test(test_validators_commit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
