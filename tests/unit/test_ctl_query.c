/* test_ctl_query.c — seqctl tx's and block's output for a person
 * (node_ctl_tx_print, node_ctl_block_print, node/ctl_query.c) from
 * seq_getTransactionStatus and seq_getBlockByHeight answers built here:
 * the three clocks of a tx (soft-confirmed, posted, final) at every
 * stage, the block's posted and final lines (genesis, not yet, posted,
 * final), an older node's answer without the L1 clocks, and answers with
 * mistyped members printed without a crash. The JSON-RPC side is
 * exercised by tests/unit/test_api.c and tests/e2e.
 *
 * Includes node/internal.h: the print functions are internal to node/. */
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

#define TX_HASH    "0x46c6ab7bdaabbf88ace92317a8a253028cad0331edcb393d463eaaa09284ea36"
#define BLOCK_HASH "0x1111111111111111111111111111111111111111111111111111111111111111"
#define L1_TX_HASH "0x4242424242424242424242424242424242424242424242424242424242424242"

/* What print writes for the JSON text, malloc'd. */
static char *printed(void (*print)(FILE *, const json_t *), const char *text)
{
    json_t *v = test_json_parse(text);
    test_capture c;
    print(test_capture_begin(&c), v);
    char *out = test_capture_end(&c);
    json_decref(v);
    return out;
}

/* The line of out starting with label (and at least one space). */
static char *line_of(const char *out, const char *label, char *line, size_t line_len)
{
    size_t n = strlen(label);
    for (const char *p = out; p != NULL && *p != '\0';) {
        const char *end = strchr(p, '\n');
        size_t len = end != NULL ? (size_t)(end - p) : strlen(p);
        if (len > n && strncmp(p, label, n) == 0 && p[n] == ' ') {
            assert_true(len < line_len);
            memcpy(line, p, len);
            line[len] = '\0';
            return line;
        }
        p = end != NULL ? end + 1 : NULL;
    }
    fail_msg("no line '%s' in:\n%s", label, out);
    return NULL;
}

static void expect_line(const char *out, const char *label, const char *want)
{
    char line[512];
    assert_string_equal(line_of(out, label, line, sizeof line), want);
}

#define SOFT \
    "{\"height\":42,\"index\":3,\"blockHash\":\"" BLOCK_HASH "\",\"timestampMs\":1767323045678}"
#define POSTED                                                                           \
    "{\"batchIndex\":7,\"batchHash\":\"0x12\",\"l1Block\":120,\"l1BlockHash\":\"0x34\"," \
    "\"l1TxHash\":\"" L1_TX_HASH "\",\"poster\":\"0xAa\",\"firstHeight\":40,\"lastHeight\":45}"
#define FINAL "{\"batchIndex\":7,\"l1Block\":120,\"l1Finalized\":130}"

static void test_tx_clocks(void **state)
{
    (void)state;
    /* Unknown (or pending): no clock reached. */
    char *out = printed(node_ctl_tx_print,
                        "{\"hash\":\"" TX_HASH "\",\"status\":\"pending\",\"softConfirmed\":null,"
                        "\"posted\":null,\"final\":null}");
    assert_string_equal(out, "hash            " TX_HASH "\n"
                             "status          pending\n"
                             "soft-confirmed  not yet\n"
                             "posted          not yet\n"
                             "final           not yet\n");
    free(out);

    /* Soft-confirmed only. */
    out = printed(node_ctl_tx_print,
                  "{\"hash\":\"" TX_HASH "\",\"status\":\"softConfirmed\",\"softConfirmed\":" SOFT
                  ",\"posted\":null,\"final\":null}");
    expect_line(out, "status", "status          softConfirmed");
    expect_line(out, "soft-confirmed",
                "soft-confirmed  at height 42 (block " BLOCK_HASH
                ", 2026-01-02T03:04:05.678Z), index 3");
    expect_line(out, "posted", "posted          not yet");
    expect_line(out, "final", "final           not yet");
    free(out);

    /* Posted. */
    out = printed(node_ctl_tx_print,
                  "{\"hash\":\"" TX_HASH "\",\"status\":\"posted\",\"softConfirmed\":" SOFT
                  ",\"posted\":" POSTED ",\"final\":null}");
    expect_line(out, "status", "status          posted");
    expect_line(out, "posted",
                "posted          in batch 7 at L1 block 120 tx " L1_TX_HASH " (heights 40..45)");
    expect_line(out, "final", "final           not yet");
    free(out);

    /* Final: every clock, one line each, in order. */
    out = printed(node_ctl_tx_print,
                  "{\"hash\":\"" TX_HASH "\",\"status\":\"final\",\"softConfirmed\":" SOFT
                  ",\"posted\":" POSTED ",\"final\":" FINAL "}");
    assert_string_equal(out, "hash            " TX_HASH "\n"
                             "status          final\n"
                             "soft-confirmed  at height 42 (block " BLOCK_HASH
                             ", 2026-01-02T03:04:05.678Z), index 3\n"
                             "posted          in batch 7 at L1 block 120 tx " L1_TX_HASH
                             " (heights 40..45)\n"
                             "final           yes (L1 finalized 130)\n");
    free(out);
}

/* An older node answers without the L1 clocks; a broken answer prints
 * placeholders, not a crash. */
static void test_tx_odd_answers(void **state)
{
    (void)state;
    char *out =
        printed(node_ctl_tx_print, "{\"hash\":\"" TX_HASH
                                   "\",\"status\":\"softConfirmed\",\"softConfirmed\":" SOFT "}");
    expect_line(out, "posted", "posted          ? (not reported by this node)");
    expect_line(out, "final", "final           ? (not reported by this node)");
    free(out);
    out = printed(node_ctl_tx_print, "{\"hash\":5,\"softConfirmed\":[],\"posted\":{\"batchIndex\":"
                                     "\"x\"},\"final\":{}}");
    expect_line(out, "hash", "hash            ?");
    expect_line(out, "status", "status          ?");
    expect_line(out, "soft-confirmed", "soft-confirmed  not yet");
    expect_line(out, "posted", "posted          in batch 0 at L1 block 0 tx ? (heights 0..0)");
    expect_line(out, "final", "final           yes (L1 finalized 0)");
    free(out);
    out = printed(node_ctl_tx_print, "[]");
    expect_line(out, "posted", "posted          ? (not reported by this node)");
    free(out);
}

#define BLOCK_MEMBERS                                                                        \
    "\"l2ChainId\":901,\"view\":9,\"hash\":\"" BLOCK_HASH "\",\"parentHash\":\"0x22\","      \
    "\"txRoot\":\"0x33\",\"l1OriginNumber\":5,\"l1OriginHash\":\"0x44\",\"forcedCursor\":1," \
    "\"timestampMs\":1767323045678,\"proposer\":\"0xAb\",\"txCount\":2,\"qcSigners\":3,"     \
    "\"qcView\":10"

static void test_block_clocks(void **state)
{
    (void)state;
    char *out = printed(node_ctl_block_print,
                        "{\"height\":44," BLOCK_MEMBERS ",\"posted\":" POSTED ",\"final\":" FINAL
                        ",\"transactions\":[\"" TX_HASH "\",\"0x55\"]}");
    assert_string_equal(out, "height         44\n"
                             "hash           " BLOCK_HASH "\n"
                             "parent         0x22\n"
                             "view           9\n"
                             "proposer       0xAb\n"
                             "time           2026-01-02T03:04:05.678Z (1767323045678 ms)\n"
                             "tx root        0x33\n"
                             "l1 origin      5 0x44\n"
                             "forced cursor  1\n"
                             "txs            2\n"
                             "qc             view 10, 3 signers\n"
                             "posted         in batch 7 at L1 block 120 tx " L1_TX_HASH
                             " (heights 40..45)\n"
                             "final          yes (L1 finalized 130)\n"
                             "      0  " TX_HASH "\n"
                             "      1  0x55\n");
    free(out);

    out = printed(node_ctl_block_print,
                  "{\"height\":44," BLOCK_MEMBERS ",\"posted\":" POSTED ",\"final\":null}");
    expect_line(out, "posted",
                "posted         in batch 7 at L1 block 120 tx " L1_TX_HASH " (heights 40..45)");
    expect_line(out, "final", "final          not yet");
    free(out);

    out = printed(node_ctl_block_print,
                  "{\"height\":46," BLOCK_MEMBERS ",\"posted\":null,\"final\":null}");
    expect_line(out, "posted", "posted         not yet");
    expect_line(out, "final", "final          not yet");
    free(out);

    /* Genesis is in no batch, ever. */
    out = printed(node_ctl_block_print,
                  "{\"height\":0," BLOCK_MEMBERS ",\"posted\":null,\"final\":null}");
    expect_line(out, "posted", "posted         never (genesis)");
    expect_line(out, "final", "final          never (genesis)");
    free(out);

    /* An older node; a block without a height is not taken for genesis. */
    out = printed(node_ctl_block_print, "{\"height\":46," BLOCK_MEMBERS "}");
    expect_line(out, "posted", "posted         ? (not reported by this node)");
    expect_line(out, "final", "final          ? (not reported by this node)");
    free(out);
    out = printed(node_ctl_block_print, "{\"posted\":null,\"final\":7}");
    expect_line(out, "posted", "posted         not yet");
    expect_line(out, "final", "final          not yet");
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tx_clocks),
        cmocka_unit_test(test_tx_odd_answers),
        cmocka_unit_test(test_block_clocks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
