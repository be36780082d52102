/* Tests for the mempool's transaction envelope and policy names. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "mempool.h"

static void test_classify_every_first_byte(void **state)
{
    (void)state;
    uint8_t raw[16] = {0};
    for (unsigned b = 0; b < 256; b++) {
        raw[0] = (uint8_t)b;
        mempool_tx_kind kind = 0;
        seq_err err = mempool_tx_classify(&kind, raw, sizeof raw);
        if (b >= 0xc0) {
            assert_int_equal(err, SEQ_OK);
            assert_int_equal(kind, MEMPOOL_TX_LEGACY);
        } else if (b == 0x01 || b == 0x02) {
            assert_int_equal(err, SEQ_OK);
            assert_int_equal(kind, b == 1 ? MEMPOOL_TX_EIP2930 : MEMPOOL_TX_EIP1559);
        } else if (b == MEMPOOL_OPAQUE_TAG) {
            assert_int_equal(err, SEQ_OK);
            assert_int_equal(kind, MEMPOOL_TX_OPAQUE);
        } else if (b >= 0x03 && b <= 0x7f) {
            assert_int_equal(err, SEQ_ERR_UNSUPPORTED);
            assert_int_equal(kind, 0);
        } else {
            assert_int_equal(err, SEQ_ERR_MALFORMED);
            assert_int_equal(kind, 0);
        }
    }
    mempool_tx_kind kind;
    assert_int_equal(mempool_tx_classify(&kind, NULL, 0), SEQ_ERR_TRUNCATED);
    raw[0] = MEMPOOL_OPAQUE_TAG; /* header without payload */
    assert_int_equal(mempool_tx_classify(&kind, raw, MEMPOOL_OPAQUE_HEADER_BYTES),
                     SEQ_ERR_TRUNCATED);
}

static void test_opaque_round_trip(void **state)
{
    (void)state;
    static const uint8_t payload[] = {1, 2, 3, 4, 5};
    uint8_t buf[32];
    size_t len = 0;
    assert_int_equal(mempool_opaque_encode(buf, sizeof buf, &len, 0x0102030405060708ull, payload,
                                           sizeof payload),
                     SEQ_OK);
    static const uint8_t expected[] = {0xb0, 1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5};
    assert_int_equal(len, sizeof expected);
    assert_memory_equal(buf, expected, len);

    mempool_tx_kind kind;
    assert_int_equal(mempool_tx_classify(&kind, buf, len), SEQ_OK);
    assert_int_equal(kind, MEMPOOL_TX_OPAQUE);
    uint64_t ns = 0;
    seq_bytes p;
    assert_int_equal(mempool_opaque_decode(&ns, &p, buf, len), SEQ_OK);
    assert_int_equal(ns, 0x0102030405060708ull);
    assert_int_equal(p.len, sizeof payload);
    assert_memory_equal(p.ptr, payload, sizeof payload);
    assert_ptr_equal(p.ptr, buf + 9);
}

static void test_opaque_errors(void **state)
{
    (void)state;
    uint8_t buf[12];
    size_t len = 99;
    static const uint8_t payload[4] = {9, 9, 9, 9};
    assert_int_equal(mempool_opaque_encode(buf, sizeof buf, &len, 1, payload, 0),
                     SEQ_ERR_INVALID_ARG);
    assert_int_equal(len, 0);
    assert_int_equal(mempool_opaque_encode(buf, 12, &len, 1, payload, 4), SEQ_ERR_NO_SPACE);
    assert_int_equal(mempool_opaque_encode(buf, 5, &len, 1, payload, 4), SEQ_ERR_NO_SPACE);
    assert_int_equal(mempool_opaque_encode(buf, 12, &len, 1, payload, 3), SEQ_OK);
    assert_int_equal(len, 12);

    uint64_t ns = 7;
    seq_bytes p = {buf, 1};
    assert_int_equal(mempool_opaque_decode(&ns, &p, buf, 0), SEQ_ERR_TRUNCATED);
    assert_int_equal(ns, 0);
    assert_null(p.ptr);
    assert_int_equal(mempool_opaque_decode(&ns, &p, buf, 9), SEQ_ERR_TRUNCATED);
    buf[0] = 0x02;
    assert_int_equal(mempool_opaque_decode(&ns, &p, buf, 12), SEQ_ERR_MALFORMED);
}

static void test_policy_names(void **state)
{
    (void)state;
    mempool_policy p = 0;
    assert_true(mempool_policy_parse(&p, "fifo"));
    assert_int_equal(p, MEMPOOL_POLICY_FIFO);
    assert_true(mempool_policy_parse(&p, "priority"));
    assert_int_equal(p, MEMPOOL_POLICY_PRIORITY);
    assert_false(mempool_policy_parse(&p, "FIFO"));
    assert_false(mempool_policy_parse(&p, ""));
    assert_string_equal(mempool_policy_name(MEMPOOL_POLICY_FIFO), "fifo");
    assert_string_equal(mempool_policy_name(MEMPOOL_POLICY_PRIORITY), "priority");
    assert_string_equal(mempool_policy_name((mempool_policy)0), "unknown");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_classify_every_first_byte),
        cmocka_unit_test(test_opaque_round_trip),
        cmocka_unit_test(test_opaque_errors),
        cmocka_unit_test(test_policy_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
