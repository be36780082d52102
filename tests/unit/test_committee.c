/* Tests for the consensus committee: validation, quorum rule, leader
 * schedule. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "consensus.h"

static cons_committee committee; /* large: keep off the stack */

static cons_validator val(uint8_t id, uint32_t weight)
{
    cons_validator v = {.weight = weight};
    memset(v.addr.b, 0, sizeof v.addr.b);
    v.addr.b[19] = id;
    v.addr.b[0] = 0x10;
    return v;
}

static void test_init_rejects_bad_committees(void **state)
{
    (void)state;
    cons_validator v[3] = {val(1, 1), val(2, 1), val(3, 1)};
    assert_int_equal(cons_committee_init(&committee, v, 0), SEQ_ERR_INVALID_ARG);
    assert_int_equal(committee.count, 0);
    v[1].weight = 0;
    assert_int_equal(cons_committee_init(&committee, v, 3), SEQ_ERR_INVALID_ARG);
    v[1] = val(1, 1); /* duplicate of v[0] */
    assert_int_equal(cons_committee_init(&committee, v, 3), SEQ_ERR_INVALID_ARG);
    v[1] = val(2, 1);
    memset(v[2].addr.b, 0, sizeof v[2].addr.b); /* zero address */
    assert_int_equal(cons_committee_init(&committee, v, 3), SEQ_ERR_INVALID_ARG);
    v[2] = val(3, CONS_WEIGHT_TOTAL_MAX - 1); /* total one over the cap */
    assert_int_equal(cons_committee_init(&committee, v, 3), SEQ_ERR_INVALID_ARG);
    v[2].weight = CONS_WEIGHT_TOTAL_MAX - 2; /* exactly the cap */
    assert_int_equal(cons_committee_init(&committee, v, 3), SEQ_OK);
    assert_int_equal(committee.weight_total, CONS_WEIGHT_TOTAL_MAX);
    static cons_validator many[CONS_VALIDATORS_MAX + 1];
    for (size_t i = 0; i < SEQ_ARRAY_LEN(many); i++) {
        many[i] = val((uint8_t)i, 1);
        many[i].addr.b[18] = (uint8_t)(i >> 8);
    }
    assert_int_equal(cons_committee_init(&committee, many, CONS_VALIDATORS_MAX + 1),
                     SEQ_ERR_INVALID_ARG);
    assert_int_equal(cons_committee_init(&committee, many, CONS_VALIDATORS_MAX), SEQ_OK);
}

/* Quorum is strictly more than 2/3 of the total weight. */
static void test_quorum_threshold(void **state)
{
    (void)state;
    static const struct {
        size_t n;
        uint32_t quorum;
    } cases[] = {{1, 1}, {2, 2}, {3, 3}, {4, 3}, {5, 4}, {6, 5}, {7, 5}, {10, 7}, {16, 11}};
    cons_validator v[16];
    for (size_t k = 0; k < SEQ_ARRAY_LEN(cases); k++) {
        for (size_t i = 0; i < cases[k].n; i++)
            v[i] = val((uint8_t)(i + 1), 1);
        assert_int_equal(cons_committee_init(&committee, v, cases[k].n), SEQ_OK);
        assert_int_equal(committee.weight_quorum, cases[k].quorum);
        assert_true(cons_committee_is_quorum(&committee, cases[k].quorum));
        assert_false(cons_committee_is_quorum(&committee, cases[k].quorum - 1));
        /* The defining property, checked independently of the formula. */
        assert_true(3u * cases[k].quorum > 2u * cases[k].n);
        assert_false(3u * (cases[k].quorum - 1) > 2u * cases[k].n);
    }
    /* Weighted: total 10 (7 + 1 + 1 + 1): the heavy validator alone is a
     * quorum (7 > 20/3), the three light ones together are not. */
    v[0] = val(1, 7);
    assert_int_equal(cons_committee_init(&committee, v, 4), SEQ_OK);
    assert_true(cons_committee_is_quorum(&committee, 7));
    assert_false(cons_committee_is_quorum(&committee, 3));
}

static void test_find(void **state)
{
    (void)state;
    cons_validator v[4] = {val(9, 1), val(3, 1), val(7, 1), val(1, 1)};
    assert_int_equal(cons_committee_init(&committee, v, 4), SEQ_OK);
    size_t idx = 99;
    assert_true(cons_committee_find(&committee, &idx, &v[2].addr));
    assert_int_equal(idx, 2);
    cons_validator other = val(4, 1);
    assert_false(cons_committee_find(&committee, &idx, &other.addr));
}

static void test_leader_round_robin_equal_weights(void **state)
{
    (void)state;
    cons_validator v[4] = {val(1, 1), val(2, 1), val(3, 1), val(4, 1)};
    assert_int_equal(cons_committee_init(&committee, v, 4), SEQ_OK);
    for (uint64_t view = 0; view < 100; view++)
        assert_int_equal(cons_committee_leader(&committee, view), view % 4);
    assert_int_equal(cons_committee_leader(&committee, UINT64_MAX), UINT64_MAX % 4);
}

static void test_leader_weighted_interleaved(void **state)
{
    (void)state;
    cons_validator v[3] = {val(1, 5), val(2, 2), val(3, 1)};
    assert_int_equal(cons_committee_init(&committee, v, 3), SEQ_OK);
    size_t counts[3] = {0};
    size_t run = 0, run_max = 0, prev = 99;
    for (uint64_t view = 1000; view < 1000 + 8 * 10; view++) {
        size_t l = cons_committee_leader(&committee, view);
        assert_true(l < 3);
        counts[l]++;
        run = l == prev ? run + 1 : 1;
        run_max = run > run_max ? run : run_max;
        prev = l;
    }
    /* Over whole cycles each leads exactly weight times per cycle... */
    assert_int_equal(counts[0], 50);
    assert_int_equal(counts[1], 20);
    assert_int_equal(counts[2], 10);
    /* ...and the heavy one never holds more than two views in a row
     * (a contiguous schedule would give it five). */
    assert_true(run_max <= 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_init_rejects_bad_committees),
        cmocka_unit_test(test_quorum_threshold),
        cmocka_unit_test(test_find),
        cmocka_unit_test(test_leader_round_robin_equal_weights),
        cmocka_unit_test(test_leader_weighted_interleaved),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
