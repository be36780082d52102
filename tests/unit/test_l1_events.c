/* The Inbox and Committee event decoder on logs built word by word as
 * Solidity emits them, then on every way a hostile L1 node could bend one:
 * a topic missing or extra, data short or long, dirt in the high bytes of a
 * uint64 or an address, a bytes offset, length or padding that is not
 * canonical. The same events as anvil emits them are decoded in
 * tests/contracts/test_l1_client.c. */
/* cmocka needs these headers before its own, in this order. */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include <string.h>

#include "l1.h"

#define DATA_MAX 512

typedef struct {
    l1_rpc_log log;
    uint8_t data[DATA_MAX];
} test_log;

static void log_begin(test_log *t, l1_event_kind kind)
{
    memset(t, 0, sizeof *t);
    l1_event_topic(&t->log.topics[0], kind);
    t->log.topic_count = 1;
    t->log.data = t->data;
}

static void topic_u64(test_log *t, uint64_t v)
{
    l1_abi_u64(t->log.topics[t->log.topic_count++].b, v);
}

static void topic_addr(test_log *t, const seq_addr *a)
{
    l1_abi_addr(t->log.topics[t->log.topic_count++].b, a);
}

static void topic_hash(test_log *t, const seq_hash *h)
{
    t->log.topics[t->log.topic_count++] = *h;
}

static void data_u64(test_log *t, uint64_t v)
{
    assert_true(t->log.data_len + 32 <= DATA_MAX);
    l1_abi_u64(t->data + t->log.data_len, v);
    t->log.data_len += 32;
}

static void data_addr(test_log *t, const seq_addr *a)
{
    assert_true(t->log.data_len + 32 <= DATA_MAX);
    l1_abi_addr(t->data + t->log.data_len, a);
    t->log.data_len += 32;
}

static void data_hash(test_log *t, const seq_hash *h)
{
    assert_true(t->log.data_len + 32 <= DATA_MAX);
    memcpy(t->data + t->log.data_len, h->b, 32);
    t->log.data_len += 32;
}

static void data_bytes(test_log *t, const uint8_t *b, size_t len)
{
    size_t padded = (len + 31) / 32 * 32;
    assert_true(t->log.data_len + padded <= DATA_MAX);
    memcpy(t->data + t->log.data_len, b, len);
    t->log.data_len += padded;
}

static seq_hash hash_of(uint8_t fill)
{
    seq_hash h;
    memset(h.b, fill, sizeof h.b);
    return h;
}

static seq_addr addr_of(uint8_t fill)
{
    seq_addr a;
    memset(a.b, fill, sizeof a.b);
    return a;
}

static void expect_malformed(const test_log *t)
{
    l1_event e;
    memset(&e, 0x5a, sizeof e);
    assert_int_equal(l1_event_decode(&e, &t->log), SEQ_ERR_MALFORMED);
    static const l1_event zero;
    assert_memory_equal(&e, &zero, sizeof e);
}

/* ------------------------------------------------------------ BatchPosted */

static void batch_posted_log(test_log *t)
{
    seq_hash bh = hash_of(0xb1), dh = hash_of(0xd1);
    seq_addr poster = addr_of(0x77);
    log_begin(t, L1_EVENT_BATCH_POSTED);
    topic_u64(t, 5);
    topic_hash(t, &bh);
    data_hash(t, &dh);
    data_u64(t, 101);
    data_u64(t, 164);
    data_u64(t, 3);
    data_addr(t, &poster);
}

static void test_batch_posted(void **state)
{
    (void)state;
    test_log t;
    batch_posted_log(&t);
    l1_event e;
    assert_int_equal(l1_event_decode(&e, &t.log), SEQ_OK);
    assert_int_equal(e.kind, L1_EVENT_BATCH_POSTED);
    assert_true(l1_event_from_inbox(e.kind));
    assert_string_equal(l1_event_name(e.kind), "BatchPosted");
    const l1_event_batch_posted *b = &e.batch_posted;
    assert_int_equal(b->index, 5);
    seq_hash bh = hash_of(0xb1), dh = hash_of(0xd1);
    seq_addr poster = addr_of(0x77);
    assert_memory_equal(b->batch_hash.b, bh.b, 32);
    assert_memory_equal(b->data_hash.b, dh.b, 32);
    assert_int_equal(b->first_height, 101);
    assert_int_equal(b->last_height, 164);
    assert_int_equal(b->forced_cursor, 3);
    assert_memory_equal(b->poster.b, poster.b, 20);

    /* Every shape and range violation. */
    batch_posted_log(&t);
    t.log.topic_count = 2;
    expect_malformed(&t);
    batch_posted_log(&t);
    t.log.topic_count = 4;
    expect_malformed(&t);
    batch_posted_log(&t);
    t.log.data_len -= 1;
    expect_malformed(&t);
    batch_posted_log(&t);
    data_u64(&t, 0);
    expect_malformed(&t);
    batch_posted_log(&t);
    t.log.topics[1].b[0] = 1; /* index above 2^64 */
    expect_malformed(&t);
    batch_posted_log(&t);
    t.data[32 + 23] = 1; /* firstHeight above 2^64 */
    expect_malformed(&t);
    batch_posted_log(&t);
    t.data[4 * 32 + 11] = 1; /* dirt above the poster's 20 bytes */
    expect_malformed(&t);
    batch_posted_log(&t);
    t.log.data = NULL;
    expect_malformed(&t);
}

/* --------------------------------------------------------- ForcedTxQueued */

static const uint8_t FORCED_TX[] = "a forced L2 transaction that spans two ABI words.";

static void forced_log(test_log *t, size_t tx_len)
{
    seq_addr sender = addr_of(0x5e);
    seq_hash txh = hash_of(0x71), acc = hash_of(0xac);
    log_begin(t, L1_EVENT_FORCED_TX_QUEUED);
    topic_u64(t, 9);
    topic_addr(t, &sender);
    data_u64(t, 1234);
    data_u64(t, 1700000000);
    data_hash(t, &txh);
    data_hash(t, &acc);
    data_u64(t, 5 * 32);
    data_u64(t, tx_len);
    data_bytes(t, FORCED_TX, tx_len);
}

static void test_forced_tx_queued(void **state)
{
    (void)state;
    size_t full = sizeof FORCED_TX - 1;
    assert_true(full > 32 && full % 32 != 0);
    test_log t;
    const size_t lens[] = {0, 1, 31, 32, 33, full};
    for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
        forced_log(&t, lens[i]);
        l1_event e;
        assert_int_equal(l1_event_decode(&e, &t.log), SEQ_OK);
        assert_int_equal(e.kind, L1_EVENT_FORCED_TX_QUEUED);
        const l1_event_forced_tx_queued *f = &e.forced_tx_queued;
        seq_addr sender = addr_of(0x5e);
        seq_hash txh = hash_of(0x71), acc = hash_of(0xac);
        assert_int_equal(f->index, 9);
        assert_memory_equal(f->sender.b, sender.b, 20);
        assert_int_equal(f->l1_block, 1234);
        assert_int_equal(f->l1_timestamp, 1700000000);
        assert_memory_equal(f->tx_hash.b, txh.b, 32);
        assert_memory_equal(f->acc.b, acc.b, 32);
        assert_int_equal(f->tx_len, lens[i]);
        assert_true(f->tx == t.data + 6 * 32);
        if (lens[i] > 0)
            assert_memory_equal(f->tx, FORCED_TX, lens[i]);
    }

    forced_log(&t, full);
    t.data[4 * 32 + 31] = 6 * 32; /* offset not the canonical one */
    expect_malformed(&t);
    forced_log(&t, full);
    t.data[5 * 32 + 31] = (uint8_t)(full + 32); /* length past the data */
    expect_malformed(&t);
    forced_log(&t, full);
    t.data[5 * 32 + 24] = 0x80; /* length 2^63 + full */
    expect_malformed(&t);
    forced_log(&t, full);
    t.data[6 * 32 + full] = 1; /* dirty padding */
    expect_malformed(&t);
    forced_log(&t, full);
    t.log.data_len += 32; /* a word too many */
    expect_malformed(&t);
    forced_log(&t, 32);
    t.log.data_len -= 1; /* data cut inside the bytes */
    expect_malformed(&t);
    forced_log(&t, 0);
    t.log.data_len -= 32; /* no length word */
    expect_malformed(&t);
    forced_log(&t, full);
    t.data[0] = 1; /* l1Block above 2^64 */
    expect_malformed(&t);
    forced_log(&t, full);
    t.log.topics[2].b[0] = 1; /* dirt above the sender */
    expect_malformed(&t);
}

/* ------------------------------------------------- the other four events */

static void test_force_advanced(void **state)
{
    (void)state;
    test_log t;
    seq_hash bh = hash_of(0x3b);
    seq_addr caller = addr_of(0xca);
    log_begin(&t, L1_EVENT_FORCE_ADVANCED);
    topic_u64(&t, 2);
    data_hash(&t, &bh);
    data_u64(&t, 1);
    data_u64(&t, 4);
    data_addr(&t, &caller);
    l1_event e;
    assert_int_equal(l1_event_decode(&e, &t.log), SEQ_OK);
    assert_int_equal(e.kind, L1_EVENT_FORCE_ADVANCED);
    assert_int_equal(e.force_advanced.index, 2);
    assert_memory_equal(e.force_advanced.batch_hash.b, bh.b, 32);
    assert_int_equal(e.force_advanced.from_cursor, 1);
    assert_int_equal(e.force_advanced.to_cursor, 4);
    assert_memory_equal(e.force_advanced.caller.b, caller.b, 20);
    t.data[2 * 32] = 0xff;
    expect_malformed(&t);
}

static void test_committee_events(void **state)
{
    (void)state;
    test_log t;
    seq_addr v = addr_of(0x11), r = addr_of(0x22);
    log_begin(&t, L1_EVENT_COMMITTEE_CHANGED);
    topic_addr(&t, &v);
    topic_u64(&t, 3);
    data_u64(&t, 10);
    data_u64(&t, 40);
    l1_event e;
    assert_int_equal(l1_event_decode(&e, &t.log), SEQ_OK);
    assert_int_equal(e.kind, L1_EVENT_COMMITTEE_CHANGED);
    assert_false(l1_event_from_inbox(e.kind));
    assert_memory_equal(e.committee_changed.validator.b, v.b, 20);
    assert_int_equal(e.committee_changed.effective_epoch, 3);
    assert_int_equal(e.committee_changed.weight, 10);
    assert_int_equal(e.committee_changed.total_weight, 40);

    seq_hash da = hash_of(0xda), db = hash_of(0xdb);
    log_begin(&t, L1_EVENT_EVIDENCE_ACCEPTED);
    topic_u64(&t, 2);
    topic_addr(&t, &v);
    topic_addr(&t, &r);
    data_hash(&t, &da);
    data_hash(&t, &db);
    assert_int_equal(l1_event_decode(&e, &t.log), SEQ_OK);
    assert_int_equal(e.kind, L1_EVENT_EVIDENCE_ACCEPTED);
    assert_int_equal(e.evidence_accepted.kind, 2);
    assert_memory_equal(e.evidence_accepted.validator.b, v.b, 20);
    assert_memory_equal(e.evidence_accepted.reporter.b, r.b, 20);
    assert_memory_equal(e.evidence_accepted.digest_a.b, da.b, 32);
    assert_memory_equal(e.evidence_accepted.digest_b.b, db.b, 32);
    t.log.topics[1].b[30] = 1; /* kind above 255 */
    expect_malformed(&t);

    log_begin(&t, L1_EVENT_VALIDATOR_SLASHED);
    topic_addr(&t, &v);
    data_u64(&t, 1000);
    data_u64(&t, 500);
    data_u64(&t, 500);
    data_addr(&t, &r);
    data_u64(&t, 7);
    t.data[0] = 0x01; /* a bond above 2^64 wei is fine: uint256 kept whole */
    assert_int_equal(l1_event_decode(&e, &t.log), SEQ_OK);
    assert_int_equal(e.kind, L1_EVENT_VALIDATOR_SLASHED);
    assert_int_equal(e.validator_slashed.bond_wei[0], 0x01);
    assert_int_equal(e.validator_slashed.bond_wei[31], 1000 & 0xff);
    assert_int_equal(e.validator_slashed.burned_wei[30], 500 >> 8);
    assert_memory_equal(e.validator_slashed.reporter.b, r.b, 20);
    assert_int_equal(e.validator_slashed.exit_epoch, 7);
    t.log.topic_count = 1;
    expect_malformed(&t);
}

/* Events seqd does not read, and anonymous logs, are not errors. */
static void test_unknown(void **state)
{
    (void)state;
    test_log t;
    memset(&t, 0, sizeof t);
    t.log.data = t.data;
    l1_event e;
    assert_int_equal(l1_event_decode(&e, &t.log), SEQ_OK);
    assert_int_equal(e.kind, L1_EVENT_UNKNOWN);
    l1_keccak256(&t.log.topics[0], (const uint8_t *)"Bonded(address,uint256,uint256)", 31);
    t.log.topic_count = 2;
    assert_int_equal(l1_event_decode(&e, &t.log), SEQ_OK);
    assert_int_equal(e.kind, L1_EVENT_UNKNOWN);
    assert_string_equal(l1_event_name(e.kind), "unknown");

    /* Topic 0 is keccak256 of the canonical signature. */
    seq_hash want, got;
    const char *sig = "BatchPosted(uint64,bytes32,bytes32,uint64,uint64,uint64,address)";
    l1_keccak256(&want, (const uint8_t *)sig, strlen(sig));
    l1_event_topic(&got, L1_EVENT_BATCH_POSTED);
    assert_memory_equal(got.b, want.b, 32);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_batch_posted),   cmocka_unit_test(test_forced_tx_queued),
        cmocka_unit_test(test_force_advanced), cmocka_unit_test(test_committee_events),
        cmocka_unit_test(test_unknown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
