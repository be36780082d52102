/* The L1 link on its own, against a dead endpoint: the status before any
 * poll, failures counted and explained, a stored cursor and batch reported
 * from the store at once, a URL the client refuses, and a prompt stop.
 * Following a live anvil is tested with four seqd in
 * tests/e2e/test_l1_node.c. */
/* cmocka needs these headers before its own, in this order. */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include <sodium.h>

#include "anvil.h"
#include "clock.h"
#include "l1.h"
#include "node.h"
#include "test_files.h"

typedef struct {
    char *root;
    char dir[TF_PATH_BYTES];
    store *s;
    node_genesis genesis;
    node_l1_record record;
    char url[64];
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    f->root = tf_mkdtemp();
    snprintf(f->dir, sizeof f->dir, "%s/data", f->root);
    seq_hash genesis_hash;
    l1_keccak256(&genesis_hash, (const uint8_t *)"genesis", 7);
    assert_int_equal(store_open(&f->s, f->dir, &genesis_hash, NULL), SEQ_OK);
    node_genesis_defaults(&f->genesis);
    f->genesis.l1_chain_id = 31337;
    f->genesis.l2_chain_id = 901;
    f->genesis.validator_count = 1;
    memset(f->genesis.validators[0].address.b, 0x0a, SEQ_ADDR_BYTES);
    f->genesis.validators[0].weight = 1;
    f->record.l1_chain_id = 31337;
    f->record.l2_chain_id = 901;
    f->record.genesis_hash = genesis_hash;
    memset(f->record.committee.b, 0xc0, SEQ_ADDR_BYTES);
    memset(f->record.inbox.b, 0x1b, SEQ_ADDR_BYTES);
    f->record.block_number = 1;
    f->record.epoch_blocks = 20;
    f->record.evidence_window_blocks = 30;
    f->record.unbonding_delay_blocks = 40;
    f->record.inclusion_window_blocks = 32;
    f->record.forced_tx_bytes_max = 4096;
    uint16_t port = test_port_free();
    assert_true(port != 0);
    snprintf(f->url, sizeof f->url, "http://127.0.0.1:%u", (unsigned)port);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    store_close(f->s);
    tf_rmtree(f->root);
    free(f->root);
    free(f);
    return 0;
}

static node_l1link *start(fixture *f, const char *url)
{
    node_l1link_config c = {
        .rpc_url = url, .record = &f->record, .genesis = &f->genesis, .store = f->s, .poll_ms = 50};
    node_l1link *l = NULL;
    node_diag why;
    assert_int_equal(node_l1link_start(&l, &why, &c), SEQ_OK);
    assert_non_null(l);
    return l;
}

static void test_dead_endpoint(void **state)
{
    fixture *f = *state;
    node_l1link *l = start(f, f->url);
    node_l1link_status s;
    node_l1link_status_get(l, &s);
    assert_true(s.enabled);
    assert_int_equal(s.chain_id, 31337);
    assert_true(seq_addr_equal(&s.inbox, &f->record.inbox));
    assert_string_equal(s.url, f->url);
    assert_false(s.has_cursor);
    assert_false(s.has_batch);
    /* Two failed turns (50 ms, then 100 ms apart), each explained. */
    uint64_t until = test_now_ms() + 10000;
    do {
        test_sleep_ms(20);
        node_l1link_status_get(l, &s);
    } while (s.failures_consecutive < 2 && test_now_ms() < until);
    assert_true(s.failures_consecutive >= 2);
    assert_false(s.ok);
    assert_false(s.verified);
    assert_true(s.poll_failures >= 2 && s.polls >= s.poll_failures);
    assert_int_equal(s.last_ok_ms, 0);
    assert_non_null(strstr(s.last_error, "127.0.0.1"));
    uint64_t t0 = test_now_ms();
    node_l1link_free(l);
    assert_true(test_now_ms() - t0 < 5000);
}

/* Parameters the contracts would refuse are reported as a mismatch, before
 * anything is asked of L1. */
static void test_bad_params(void **state)
{
    fixture *f = *state;
    f->record.forced_tx_bytes_max = 0;
    node_l1link *l = start(f, f->url);
    node_l1link_status s;
    uint64_t until = test_now_ms() + 10000;
    do {
        test_sleep_ms(20);
        node_l1link_status_get(l, &s);
    } while (s.failures_consecutive < 1 && test_now_ms() < until);
    assert_non_null(strstr(s.last_error, "does not match L1"));
    assert_false(s.verified);
    node_l1link_free(l);
}

/* What the store holds is reported before the first poll. */
static void test_stored_state(void **state)
{
    fixture *f = *state;
    store_l1_batch b;
    memset(&b, 0, sizeof b);
    b.first_height = 1;
    b.last_height = 9;
    b.l1_block = 4;
    store_l1_change c = {.batches = &b, .batch_count = 1, .cursor_number = 6};
    memset(c.cursor_hash.b, 0x66, SEQ_HASH_BYTES);
    assert_int_equal(store_l1_apply(f->s, &c), SEQ_OK);
    node_l1link *l = start(f, f->url);
    node_l1link_status s;
    node_l1link_status_get(l, &s);
    assert_true(s.has_cursor);
    assert_int_equal(s.cursor, 6);
    assert_int_equal(s.cursor_hash.b[0], 0x66);
    assert_true(s.has_batch);
    assert_int_equal(s.last_batch.last_height, 9);
    node_l1link_free(l);
}

static void test_refused(void **state)
{
    fixture *f = *state;
    node_l1link_config c = {.rpc_url = "ftp://127.0.0.1:1",
                            .record = &f->record,
                            .genesis = &f->genesis,
                            .store = f->s,
                            .poll_ms = 50};
    node_l1link *l = (node_l1link *)&c; /* must come back NULL */
    node_diag why;
    assert_int_equal(node_l1link_start(&l, &why, &c), SEQ_ERR_INVALID_ARG);
    assert_null(l);
    assert_non_null(strstr(why.text, "ftp://"));
    /* No link: a zero status, and free is a no-op. */
    node_l1link_status s;
    memset(&s, 0xff, sizeof s);
    node_l1link_status_get(NULL, &s);
    assert_false(s.enabled);
    assert_int_equal(s.polls, 0);
    node_l1link_free(NULL);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    seq_log_configure(SEQ_LOG_ERROR, SEQ_LOG_TEXT, NULL);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_dead_endpoint, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_params, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stored_state, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refused, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
