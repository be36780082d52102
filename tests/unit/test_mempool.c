/* Tests for the mempool: admission of every tx kind (including txs built
 * by `cast mktx`), every rejection, replacement, lanes and gaps, eviction,
 * fifo and priority selection, caps, commits, in-flight marks, gossip
 * batching, and a randomized property test checking the invariants after
 * every operation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "l1.h"
#include "mempool.h"
#include "test_rng.h"

#define CHAIN_ID  901u
#define GWEI      1000000000ull
#define TX_CAP    1024u
#define KEYS      8u
#define PICKS_MAX 256u

/* ------------------------------------------------------------ tx builder */

typedef struct {
    uint8_t type; /* 0 legacy, 1, 2 */
    uint64_t chain_id;
    uint64_t nonce;
    uint64_t tip;     /* type 2 only */
    uint64_t fee_cap; /* gasPrice for types 0 and 1 */
    uint64_t gas;
    bool create; /* no `to` */
    const uint8_t *data;
    size_t data_len;
    bool access_list; /* one entry with one key (types 1, 2) */
    bool pre155;      /* legacy v = 27/28 */
    bool high_s;      /* s replaced by n - s, parity flipped */
} tb;

static const uint8_t secp_n[32] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                   0xff, 0xff, 0xff, 0xff, 0xfe, 0xba, 0xae, 0xdc, 0xe6, 0xaf, 0x48,
                                   0xa0, 0x3b, 0xbf, 0xd2, 0x5e, 0x8c, 0xd0, 0x36, 0x41, 0x41};

static void key_of(uint8_t key[32], unsigned i)
{
    memset(key, 0, 32);
    key[0] = 0x11;
    key[31] = (uint8_t)(i + 1);
    key[30] = (uint8_t)(i >> 8);
}

static seq_addr addr_of(unsigned i)
{
    uint8_t key[32];
    key_of(key, i);
    seq_addr a;
    assert_int_equal(l1_secp_address(&a, key), SEQ_OK);
    return a;
}

static tb tb_default(uint8_t type, uint64_t nonce)
{
    return (tb){.type = type,
                .chain_id = CHAIN_ID,
                .nonce = nonce,
                .tip = 1 * GWEI,
                .fee_cap = 2 * GWEI,
                .gas = 21000};
}

static void tb_fields(l1_rlp_writer *w, const tb *b)
{
    static const uint8_t to[20] = {[19] = 0xaa};
    if (b->type != 0)
        l1_rlp_put_u64(w, b->chain_id);
    l1_rlp_put_u64(w, b->nonce);
    if (b->type == 2)
        l1_rlp_put_u64(w, b->tip);
    l1_rlp_put_u64(w, b->fee_cap);
    l1_rlp_put_u64(w, b->gas);
    l1_rlp_put_bytes(w, to, b->create ? 0 : 20);
    l1_rlp_put_u64(w, 7); /* value */
    l1_rlp_put_bytes(w, b->data, b->data_len);
    if (b->type == 0)
        return;
    l1_rlp_list_begin(w);
    if (b->access_list) {
        static const uint8_t addr[20] = {[19] = 0xbb}, slot[32] = {[31] = 1};
        l1_rlp_list_begin(w);
        l1_rlp_put_bytes(w, addr, 20);
        l1_rlp_list_begin(w);
        l1_rlp_put_bytes(w, slot, 32);
        l1_rlp_list_end(w);
        l1_rlp_list_end(w);
    }
    l1_rlp_list_end(w);
}

/* s := n - s (big-endian 256-bit). */
static void negate_s(uint8_t s[32])
{
    unsigned borrow = 0;
    for (int i = 31; i >= 0; i--) {
        int d = (int)secp_n[i] - (int)s[i] - (int)borrow;
        borrow = d < 0;
        s[i] = (uint8_t)(d < 0 ? d + 256 : d);
    }
}

/* Builds and signs b with key i into out; returns the length. */
static size_t tb_build(uint8_t *out, size_t cap, const tb *b, unsigned key)
{
    uint8_t buf[TX_CAP + 64], seckey[32];
    key_of(seckey, key);
    size_t at = 0, len = 0;
    if (b->type != 0)
        buf[at++] = b->type;
    l1_rlp_writer w;
    l1_rlp_writer_init(&w, buf + at, sizeof buf - at);
    l1_rlp_list_begin(&w);
    tb_fields(&w, b);
    if (b->type == 0 && !b->pre155) {
        l1_rlp_put_u64(&w, b->chain_id);
        l1_rlp_put_u64(&w, 0);
        l1_rlp_put_u64(&w, 0);
    }
    l1_rlp_list_end(&w);
    assert_int_equal(l1_rlp_writer_finish(&w, &len), SEQ_OK);
    seq_hash digest;
    l1_keccak256(&digest, buf, at + len);
    seq_sig sig;
    assert_int_equal(l1_secp_sign(&sig, seckey, &digest), SEQ_OK);
    uint64_t parity = sig.b[64] - 27u;
    if (b->high_s) {
        negate_s(sig.b + 32);
        parity ^= 1;
    }
    at = 0;
    if (b->type != 0)
        out[at++] = b->type;
    l1_rlp_writer_init(&w, out + at, cap - at);
    l1_rlp_list_begin(&w);
    tb_fields(&w, b);
    if (b->type != 0)
        l1_rlp_put_u64(&w, parity);
    else if (b->pre155)
        l1_rlp_put_u64(&w, 27 + parity);
    else
        l1_rlp_put_u64(&w, b->chain_id * 2 + 35 + parity);
    l1_rlp_put_uint_be(&w, sig.b, 32);
    l1_rlp_put_uint_be(&w, sig.b + 32, 32);
    l1_rlp_list_end(&w);
    assert_int_equal(l1_rlp_writer_finish(&w, &len), SEQ_OK);
    return at + len;
}

typedef struct {
    uint8_t raw[TX_CAP];
    size_t len;
} tx_buf;

static tx_buf tx_make(const tb *b, unsigned key)
{
    tx_buf t;
    t.len = tb_build(t.raw, sizeof t.raw, b, key);
    return t;
}

static tx_buf tx_opaque(uint64_t ns, uint8_t fill, size_t payload_len)
{
    uint8_t payload[TX_CAP];
    memset(payload, fill, payload_len);
    tx_buf t;
    assert_int_equal(mempool_opaque_encode(t.raw, sizeof t.raw, &t.len, ns, payload, payload_len),
                     SEQ_OK);
    return t;
}

static seq_hash hash_of(const tx_buf *t)
{
    seq_hash h;
    l1_keccak256(&h, t->raw, t->len);
    return h;
}

static mempool *pool_new(mempool_policy policy, uint32_t txs_max, uint32_t sender_max)
{
    mempool_config c;
    mempool_config_default(&c, CHAIN_ID);
    c.policy = policy;
    c.pool_txs_max = txs_max;
    c.sender_txs_max = sender_max;
    c.pool_bytes_max = 1u << 20;
    c.nonce_window = 16 > sender_max ? 16 : sender_max;
    c.hash_seed = 42;
    mempool *p = NULL;
    assert_int_equal(mempool_new(&p, &c), SEQ_OK);
    return p;
}

static mempool_reject add(mempool *p, const tx_buf *t)
{
    mempool_reject r = mempool_add(p, NULL, t->raw, t->len, MEMPOOL_ORIGIN_CLIENT, 1000);
    mempool_check(p);
    return r;
}

static size_t select_all(mempool *p, mempool_pick *out, size_t txs_max, size_t bytes_max)
{
    mempool_caps caps = {.bytes_max = bytes_max, .txs_max = txs_max};
    size_t n = 0;
    assert_int_equal(mempool_select(p, out, PICKS_MAX, &n, &caps, NULL, 0, 1000), SEQ_OK);
    mempool_check(p);
    return n;
}

/* ------------------------------------------------------------- admission */

static void hex_to(tx_buf *t, const char *hex)
{
    assert_int_equal(l1_hex_decode(t->raw, sizeof t->raw, &t->len, hex, strlen(hex)), SEQ_OK);
}

/* Built and signed by `cast mktx` (foundry 1.7.1), chain 901, key
 * 0x4c08...2318; the hashes are `cast keccak` of the raw bytes. */
static void test_cast_vectors(void **state)
{
    (void)state;
    static const struct {
        const char *raw, *hash;
        mempool_tx_kind kind;
        uint64_t nonce, fee_cap, tip;
    } v[] = {
        {"0xf86580843b9aca008252089400000000000000000000000000000000000000aa018082072da068d1948f"
         "021730d71e6117e2d66d7166e22c50c0afd8539801a7afda77bf10d4a008ee6a5b1a36c7c70d6bb6f9f4c7"
         "9d2b36dfa66cf46c20de093eae9af17326d7",
         "0x1c3a6ee989c64014f8c80da96092292a82e8fc36fc692486ec5bf0a85aea2b1b", MEMPOOL_TX_LEGACY, 0,
         GWEI, GWEI},
        {"0x01f8a28203850384773594008275309400000000000000000000000000000000000000aa80821234f838"
         "f79400000000000000000000000000000000000000bbe1a000000000000000000000000000000000000000"
         "0000000000000000000000000101a030f6c94e4c5056a95b12559a89698469090c1a2b123203ff7b730555"
         "c27d28eda01cdf3ac5ace6e78f5f0aa242bf2d0c3e8459a3aefa661d34369a3ecf039deebe",
         "0xd7f7aeb85377a65e0fc7a5718a96feeeb7e31e9a2926630014de37b70ea51835", MEMPOOL_TX_EIP2930,
         3, 2 * GWEI, 2 * GWEI},
        {"0x02f8b182038502843b9aca0084b2d05e0082c3509400000000000000000000000000000000000000aa80"
         "b844a9059cbb00000000000000000000000000000000000000000000000000000000000000aa0000000000"
         "000000000000000000000000000000000000000000000000000005c001a09c6d3b9736fb1fd5bf84f0d9c7"
         "4e785d64a5447b594c82d2068b99d3fd07bb0da01e2e061dc6ffb0ca5c99495d342f4f71186063e57832ab"
         "047bca0f98bf7f1a6c",
         "0xff796df1e3f86a4f14ccdc3c384a029c481f01a5680bfaf84f6b7699978d4add", MEMPOOL_TX_EIP1559,
         2, 3 * GWEI, GWEI},
        {"0x02f8a782038501843b9aca0084773594008275309400000000000000000000000000000000000000aa80"
         "821234f838f79400000000000000000000000000000000000000bbe1a00000000000000000000000000000"
         "00000000000000000000000000000000000180a0de1baa119a4b3f5e1228062e1f97b217e80049dfd44182"
         "c550665d4f4838a22ea0681647894be2d89eb96309cd92cfef8d2bf863ae7784327083f0b132b0e74d61",
         "0xc7d585429902c681ca8d9268795e235235f4c95adf2719c83437d73ba5b7b611", MEMPOOL_TX_EIP1559,
         1, 2 * GWEI, GWEI},
    };
    seq_addr sender;
    assert_int_equal(
        l1_hex_decode_exact(sender.b, 20, "0x2c7536E3605D9C16a7a3D7b1898e529396a65c23"), SEQ_OK);
    mempool *p = pool_new(MEMPOOL_POLICY_FIFO, 16, 8);
    for (size_t i = 0; i < SEQ_ARRAY_LEN(v); i++) {
        tx_buf t;
        hex_to(&t, v[i].raw);
        seq_hash want;
        assert_int_equal(l1_hex_decode_exact(want.b, 32, v[i].hash), SEQ_OK);
        mempool_add_result res;
        assert_int_equal(mempool_add(p, &res, t.raw, t.len, MEMPOOL_ORIGIN_CLIENT, 1),
                         MEMPOOL_REJECT_NONE);
        assert_true(seq_hash_equal(&res.info.hash, &want));
        assert_true(seq_addr_equal(&res.info.sender, &sender));
        assert_int_equal(res.info.kind, v[i].kind);
        assert_int_equal(res.info.nonce, v[i].nonce);
        assert_int_equal(res.info.fee_cap, v[i].fee_cap);
        assert_int_equal(res.info.tip, v[i].tip);
        assert_int_equal(res.info.chain_id, CHAIN_ID);
        assert_true(mempool_contains(p, &want));
        mempool_check(p);
    }
    mempool_free(p);
}

static void test_admit_each_kind(void **state)
{
    (void)state;
    mempool *p = pool_new(MEMPOOL_POLICY_FIFO, 16, 8);
    seq_addr a0 = addr_of(0);
    static const uint8_t data[3] = {1, 0, 2};
    tb kinds[] = {tb_default(0, 0), tb_default(1, 1), tb_default(2, 2), tb_default(2, 3)};
    kinds[1].access_list = true;
    kinds[1].data = data;
    kinds[1].data_len = sizeof data;
    kinds[3].access_list = true;
    kinds[3].create = true;
    static const mempool_tx_kind want[] = {MEMPOOL_TX_LEGACY, MEMPOOL_TX_EIP2930,
                                           MEMPOOL_TX_EIP1559, MEMPOOL_TX_EIP1559};
    for (size_t i = 0; i < SEQ_ARRAY_LEN(kinds); i++) {
        tx_buf t = tx_make(&kinds[i], 0);
        mempool_add_result res;
        assert_int_equal(mempool_add(p, &res, t.raw, t.len, MEMPOOL_ORIGIN_CLIENT, 5),
                         MEMPOOL_REJECT_NONE);
        seq_hash h = hash_of(&t);
        assert_true(seq_hash_equal(&res.info.hash, &h));
        assert_true(seq_addr_equal(&res.info.sender, &a0));
        assert_int_equal(res.info.kind, want[i]);
        assert_int_equal(res.info.nonce, i);
        mempool_tx_info info;
        assert_int_equal(mempool_tx_decode(&info, CHAIN_ID, t.raw, t.len), MEMPOOL_REJECT_NONE);
        assert_memory_equal(&info, &res.info, sizeof info);
    }
    /* The hand-built type 2 equals l1's encoder for the same fields. */
    l1_tx tx = {.chain_id = CHAIN_ID,
                .nonce = 2,
                .max_priority_fee_per_gas = GWEI,
                .max_fee_per_gas = 2 * GWEI,
                .gas_limit = 21000,
                .has_to = true};
    tx.to.b[19] = 0xaa;
    tx.value[31] = 7;
    uint8_t key[32], raw[TX_CAP];
    key_of(key, 0);
    size_t len = 0;
    seq_hash h;
    assert_int_equal(l1_tx_sign(raw, sizeof raw, &len, &h, key, &tx), SEQ_OK);
    tx_buf t2 = tx_make(&kinds[2], 0);
    assert_int_equal(len, t2.len);
    assert_memory_equal(raw, t2.raw, len);
    tx_buf o = tx_opaque(42, 0xab, 10);
    mempool_add_result res;
    assert_int_equal(mempool_add(p, &res, o.raw, o.len, MEMPOOL_ORIGIN_CLIENT, 5),
                     MEMPOOL_REJECT_NONE);
    assert_int_equal(res.info.kind, MEMPOOL_TX_OPAQUE);
    assert_int_equal(res.info.namespace_id, 42);
    mempool_stats st;
    mempool_get_stats(p, &st);
    assert_int_equal(st.txs, 5);
    assert_int_equal(st.senders, 1);
    assert_int_equal(st.admitted, 5);
    mempool_free(p);
}

static mempool_reject decode(const uint8_t *raw, size_t len)
{
    mempool_tx_info info;
    memset(&info, 0xee, sizeof info);
    mempool_reject r = mempool_tx_decode(&info, CHAIN_ID, raw, len);
    if (r != MEMPOOL_REJECT_NONE) {
        static const mempool_tx_info zero;
        assert_memory_equal(&info, &zero, sizeof info);
    }
    return r;
}

static mempool_reject decode_tb(const tb *b)
{
    tx_buf t = tx_make(b, 1);
    return decode(t.raw, t.len);
}

static void test_decode_rejections(void **state)
{
    (void)state;
    assert_int_equal(decode(NULL, 0), MEMPOOL_REJECT_EMPTY);
    static uint8_t big[MEMPOOL_TX_BYTES_MAX + 1];
    big[0] = 0xf9;
    assert_int_equal(decode(big, sizeof big), MEMPOOL_REJECT_TOO_LARGE);
    static const uint8_t blob[] = {0x03, 0xc0}, setcode[] = {0x04, 0xc0}, t7f[] = {0x7f};
    assert_int_equal(decode(blob, sizeof blob), MEMPOOL_REJECT_TX_TYPE);
    assert_int_equal(decode(setcode, sizeof setcode), MEMPOOL_REJECT_TX_TYPE);
    assert_int_equal(decode(t7f, sizeof t7f), MEMPOOL_REJECT_TX_TYPE);
    static const uint8_t zero[] = {0x00, 0xc0}, str[] = {0x83, 1, 2, 3}, empty_list[] = {0xc0};
    assert_int_equal(decode(zero, sizeof zero), MEMPOOL_REJECT_MALFORMED);
    assert_int_equal(decode(str, sizeof str), MEMPOOL_REJECT_MALFORMED);
    assert_int_equal(decode(empty_list, sizeof empty_list), MEMPOOL_REJECT_MALFORMED);
    static const uint8_t short_opaque[] = {0xb0, 0, 0, 0, 0, 0, 0, 0, 1};
    assert_int_equal(decode(short_opaque, sizeof short_opaque), MEMPOOL_REJECT_MALFORMED);
    static const uint8_t typed_string[] = {0x02, 0x80};
    assert_int_equal(decode(typed_string, sizeof typed_string), MEMPOOL_REJECT_MALFORMED);

    for (uint8_t type = 0; type <= 2; type++) {
        tb b = tb_default(type, 5);
        assert_int_equal(decode_tb(&b), MEMPOOL_REJECT_NONE);
        b.chain_id = CHAIN_ID + 1;
        assert_int_equal(decode_tb(&b), MEMPOOL_REJECT_CHAIN_ID);
        b = tb_default(type, 5);
        b.gas = MEMPOOL_GAS_LIMIT_MIN - 1;
        assert_int_equal(decode_tb(&b), MEMPOOL_REJECT_INTRINSIC_GAS);
        b.gas = MEMPOOL_GAS_LIMIT_MIN;
        assert_int_equal(decode_tb(&b), MEMPOOL_REJECT_NONE);
        b = tb_default(type, 5);
        b.high_s = true;
        assert_int_equal(decode_tb(&b), MEMPOOL_REJECT_HIGH_S);
        b = tb_default(type, UINT64_MAX);
        assert_int_equal(decode_tb(&b), MEMPOOL_REJECT_FIELD_TOO_LARGE);
        b.nonce = UINT64_MAX - 1;
        assert_int_equal(decode_tb(&b), MEMPOOL_REJECT_NONE);
    }
    tb b = tb_default(0, 1);
    b.pre155 = true;
    assert_int_equal(decode_tb(&b), MEMPOOL_REJECT_PRE_EIP155);
    b = tb_default(2, 1);
    b.tip = b.fee_cap + 1;
    assert_int_equal(decode_tb(&b), MEMPOOL_REJECT_TIP_ABOVE_FEE_CAP);
    b.tip = b.fee_cap;
    assert_int_equal(decode_tb(&b), MEMPOOL_REJECT_NONE);
}

/* t with drop bytes at pos replaced by ins[0..ins_len), the one-byte long
 * list length at len_at adjusted. */
static tx_buf splice(const tx_buf *t, size_t len_at, size_t pos, size_t drop, const uint8_t *ins,
                     size_t ins_len)
{
    tx_buf m;
    memcpy(m.raw, t->raw, pos);
    if (ins_len > 0)
        memcpy(m.raw + pos, ins, ins_len);
    memcpy(m.raw + pos + ins_len, t->raw + pos + drop, t->len - pos - drop);
    m.len = t->len - drop + ins_len;
    m.raw[len_at] = (uint8_t)(m.raw[len_at] + ins_len - drop);
    return m;
}

/* Edits of a valid encoding: each one breaks one rule. */
static void test_decode_mutations(void **state)
{
    (void)state;
    tb b = tb_default(2, 5);
    tx_buf t = tx_make(&b, 1);
    /* 02 f8 LL | 82 03 85 (chain id) | 05 (nonce) | ... */
    assert_int_equal(t.raw[1], 0xf8);
    assert_int_equal(t.raw[6], 0x05);
    tx_buf m = t;
    m.raw[m.len++] = 0x00;
    assert_int_equal(decode(m.raw, m.len), MEMPOOL_REJECT_MALFORMED);     /* trailing */
    assert_int_equal(decode(t.raw, t.len - 1), MEMPOOL_REJECT_MALFORMED); /* cut */
    static const uint8_t wrapped[] = {0x81, 0x05}, padded[] = {0x82, 0x00, 0x05};
    m = splice(&t, 2, 6, 1, wrapped, sizeof wrapped);
    assert_int_equal(decode(m.raw, m.len), MEMPOOL_REJECT_NONCANONICAL);
    m = splice(&t, 2, 6, 1, padded, sizeof padded);
    assert_int_equal(decode(m.raw, m.len), MEMPOOL_REJECT_NONCANONICAL);
    static const uint8_t nine[] = {0x89, 1, 2, 3, 4, 5, 6, 7, 8, 9};
    m = splice(&t, 2, 6, 1, nine, sizeof nine);
    assert_int_equal(decode(m.raw, m.len), MEMPOOL_REJECT_FIELD_TOO_LARGE);
    m = splice(&t, 2, t.len - 33, 33, NULL, 0); /* s missing */
    assert_int_equal(decode(m.raw, m.len), MEMPOOL_REJECT_MALFORMED);
    m = splice(&t, 2, 6, 1, NULL, 0); /* nonce missing: `to` lands on gasLimit */
    assert_int_equal(decode(m.raw, m.len), MEMPOOL_REJECT_NONCANONICAL);
    static const uint8_t list[] = {0xc1, 0x05};
    m = splice(&t, 2, 6, 1, list, sizeof list); /* a list where an integer goes */
    assert_int_equal(decode(m.raw, m.len), MEMPOOL_REJECT_MALFORMED);
    m = t;
    m.raw[4] = 0x04; /* chain id 0x0485 */
    assert_int_equal(decode(m.raw, m.len), MEMPOOL_REJECT_CHAIN_ID);
    static const uint8_t nine_chain[] = {0x89, 1, 2, 3, 4, 5, 6, 7, 8, 9};
    m = splice(&t, 2, 3, 3, nine_chain, sizeof nine_chain);
    assert_int_equal(decode(m.raw, m.len), MEMPOOL_REJECT_CHAIN_ID);
    /* The access list: c0 right before yParity, r (a0 + 32), s (a0 + 32). */
    size_t al = t.len - 68;
    assert_int_equal(t.raw[al], 0xc0);
    static const uint8_t bad_entry[] = {0xc2, 0xc1, 0x80};
    m = splice(&t, 2, al, 1, bad_entry, sizeof bad_entry);
    assert_int_equal(decode(m.raw, m.len), MEMPOOL_REJECT_MALFORMED);
    m = t;
    m.raw[al + 1] = 0x02; /* yParity 2 */
    assert_int_equal(decode(m.raw, m.len), MEMPOOL_REJECT_SIGNATURE);
    static const uint8_t r_zero[] = {0x80};
    m = splice(&t, 2, al + 2, 33, r_zero, sizeof r_zero);
    assert_int_equal(decode(m.raw, m.len), MEMPOOL_REJECT_SIGNATURE);
    m = t;
    m.raw[al + 3] ^= 0x01; /* another r: another signer, or none */
    mempool_tx_info info;
    mempool_reject r = mempool_tx_decode(&info, CHAIN_ID, m.raw, m.len);
    seq_addr a1 = addr_of(1);
    assert_true(r == MEMPOOL_REJECT_SIGNATURE ||
                (r == MEMPOOL_REJECT_NONE && !seq_addr_equal(&info.sender, &a1)));

    /* Legacy: f8 LL ... v (82 07 2d/2e) r s; a v below 35 other than 27/28. */
    b = tb_default(0, 1);
    t = tx_make(&b, 1);
    size_t vpos = t.len - 69;
    assert_int_equal(t.raw[vpos], 0x82);
    static const uint8_t v30[] = {30};
    m = splice(&t, 1, vpos, 3, v30, sizeof v30);
    assert_int_equal(decode(m.raw, m.len), MEMPOOL_REJECT_SIGNATURE);
    static const uint8_t v_huge[] = {0x89, 1, 2, 3, 4, 5, 6, 7, 8, 9};
    m = splice(&t, 1, vpos, 3, v_huge, sizeof v_huge);
    assert_int_equal(decode(m.raw, m.len), MEMPOOL_REJECT_CHAIN_ID);
}

static void test_reject_names(void **state)
{
    (void)state;
    for (int r = 0; r < MEMPOOL_REJECT_COUNT_; r++) {
        assert_non_null(strstr(mempool_reject_name((mempool_reject)r), "MEMPOOL_REJECT_"));
        assert_true(strlen(mempool_reject_rpc_message((mempool_reject)r)) > 0);
        int32_t code = mempool_reject_rpc_code((mempool_reject)r);
        assert_true(r == 0 ? code == 0 : (code <= -32000 && code >= -32700));
    }
    assert_string_equal(mempool_reject_name(MEMPOOL_REJECT_NONCE_TOO_LOW),
                        "MEMPOOL_REJECT_NONCE_TOO_LOW");
    assert_string_equal(mempool_reject_rpc_message(MEMPOOL_REJECT_ALREADY_KNOWN), "already known");
    assert_int_equal(mempool_reject_rpc_code(MEMPOOL_REJECT_POOL_FULL), -32005);
    assert_int_equal(mempool_reject_rpc_code(MEMPOOL_REJECT_MALFORMED), -32602);
    assert_string_equal(mempool_reject_name(MEMPOOL_REJECT_COUNT_), "MEMPOOL_REJECT_UNKNOWN");
    assert_int_equal(mempool_reject_rpc_code(MEMPOOL_REJECT_COUNT_), -32603);
}

static void test_config_bounds(void **state)
{
    (void)state;
    mempool_config c;
    mempool_config_default(&c, CHAIN_ID);
    c.pool_bytes_max = 1u << 20;
    c.pool_txs_max = 64;
    mempool *p = NULL;
    assert_int_equal(mempool_new(&p, &c), SEQ_OK);
    mempool_free(p);
    mempool_free(NULL);
    mempool_config bad[9];
    for (size_t i = 0; i < SEQ_ARRAY_LEN(bad); i++)
        bad[i] = c;
    bad[0].chain_id = 0;
    bad[1].chain_id = MEMPOOL_CHAIN_ID_MAX + 1;
    bad[2].tx_bytes_max = MEMPOOL_TX_BYTES_MAX + 1;
    bad[3].pool_bytes_max = c.tx_bytes_max - 1;
    bad[4].pool_txs_max = 0;
    bad[5].nonce_window = c.sender_txs_max - 1;
    bad[6].policy = (mempool_policy)0;
    bad[7].gossip_delay_ms = MEMPOOL_GOSSIP_DELAY_MS_MAX + 1;
    bad[8].settle_ms = MEMPOOL_SETTLE_MS_MAX + 1;
    for (size_t i = 0; i < SEQ_ARRAY_LEN(bad); i++) {
        p = (mempool *)&c;
        assert_int_equal(mempool_new(&p, &bad[i]), SEQ_ERR_INVALID_ARG);
        assert_null(p);
    }
}

/* ------------------------------------------------------------ pool rules */

static tx_buf tx_fee(unsigned key, uint64_t nonce, uint64_t tip, uint64_t fee_cap)
{
    tb b = tb_default(2, nonce);
    b.tip = tip;
    b.fee_cap = fee_cap;
    return tx_make(&b, key);
}

static void test_duplicates_and_replacement(void **state)
{
    (void)state;
    mempool *p = pool_new(MEMPOOL_POLICY_FIFO, 16, 4);
    tx_buf a = tx_fee(0, 0, 100, 1000);
    assert_int_equal(add(p, &a), MEMPOOL_REJECT_NONE);
    mempool_add_result res;
    assert_int_equal(mempool_add(p, &res, a.raw, a.len, MEMPOOL_ORIGIN_PEER, 1),
                     MEMPOOL_REJECT_ALREADY_KNOWN);
    seq_hash ha = hash_of(&a);
    assert_true(seq_hash_equal(&res.info.hash, &ha));
    /* Both fees must rise by 10%: 109/1100, 110/1099 fail; 110/1100 passes. */
    tx_buf low_tip = tx_fee(0, 0, 109, 1100), low_cap = tx_fee(0, 0, 110, 1099);
    tx_buf same = tx_fee(0, 0, 100, 1000 + 1);
    assert_int_equal(add(p, &low_tip), MEMPOOL_REJECT_UNDERPRICED);
    assert_int_equal(add(p, &low_cap), MEMPOOL_REJECT_UNDERPRICED);
    assert_int_equal(add(p, &same), MEMPOOL_REJECT_UNDERPRICED);
    tx_buf bump = tx_fee(0, 0, 110, 1100);
    assert_int_equal(mempool_add(p, &res, bump.raw, bump.len, MEMPOOL_ORIGIN_CLIENT, 2),
                     MEMPOOL_REJECT_NONE);
    assert_true(res.replaced);
    assert_false(mempool_contains(p, &ha));
    seq_hash hb = hash_of(&bump);
    assert_true(mempool_contains(p, &hb));
    /* A zero fee must still strictly rise. */
    tx_buf z = tx_fee(1, 0, 0, 0), z2 = tx_fee(1, 0, 0, 1), z3 = tx_fee(1, 0, 1, 1);
    assert_int_equal(add(p, &z), MEMPOOL_REJECT_NONE);
    assert_int_equal(add(p, &z2), MEMPOOL_REJECT_UNDERPRICED);
    assert_int_equal(add(p, &z3), MEMPOOL_REJECT_NONE);
    /* An in-flight tx cannot be replaced. */
    mempool_pick picks[PICKS_MAX];
    assert_int_equal(select_all(p, picks, 16, 1u << 20), 2);
    tx_buf bump2 = tx_fee(0, 0, 1000, 10000);
    assert_int_equal(add(p, &bump2), MEMPOOL_REJECT_IN_FLIGHT);
    mempool_release_in_flight(p);
    assert_int_equal(add(p, &bump2), MEMPOOL_REJECT_NONE);
    mempool_stats st;
    mempool_get_stats(p, &st);
    assert_int_equal(st.txs, 2);
    assert_int_equal(st.replaced, 3);
    assert_int_equal(st.rejected[MEMPOOL_REJECT_UNDERPRICED], 4);
    assert_int_equal(st.rejected[MEMPOOL_REJECT_IN_FLIGHT], 1);
    assert_int_equal(st.rejected[MEMPOOL_REJECT_ALREADY_KNOWN], 1);
    mempool_free(p);
}

static void test_lanes_and_gaps(void **state)
{
    (void)state;
    mempool *p = pool_new(MEMPOOL_POLICY_FIFO, 64, 4);
    tx_buf n5 = tx_fee(0, 5, 1, 1), n7 = tx_fee(0, 7, 1, 1), n6 = tx_fee(0, 6, 1, 1);
    assert_int_equal(add(p, &n5), MEMPOOL_REJECT_NONE);
    assert_int_equal(add(p, &n7), MEMPOOL_REJECT_NONE);
    mempool_pick picks[PICKS_MAX];
    assert_int_equal(select_all(p, picks, 16, 1u << 20), 1); /* 7 waits behind the gap */
    seq_hash h5 = hash_of(&n5), h6 = hash_of(&n6), h7 = hash_of(&n7);
    assert_true(seq_hash_equal(&picks[0].hash, &h5));
    assert_int_equal(add(p, &n6), MEMPOOL_REJECT_NONE);
    assert_int_equal(select_all(p, picks, 16, 1u << 20), 2); /* 5 is in flight */
    assert_true(seq_hash_equal(&picks[0].hash, &h6));
    assert_true(seq_hash_equal(&picks[1].hash, &h7));
    /* Below a head in flight: refused; the sender never committed. */
    tx_buf n4 = tx_fee(0, 4, 1, 1);
    assert_int_equal(add(p, &n4), MEMPOOL_REJECT_NONCE_TOO_LOW);
    /* A fresh lane may start lower, while nothing of it is in flight. */
    tx_buf m9 = tx_fee(1, 9, 1, 1), m3 = tx_fee(1, 3, 1, 1);
    assert_int_equal(add(p, &m9), MEMPOOL_REJECT_NONE);
    assert_int_equal(add(p, &m3), MEMPOOL_REJECT_NONE);
    /* The nonce window (16): 3 + 16 is out, 3 + 15 would be in. */
    tx_buf m19 = tx_fee(1, 19, 1, 1), m18 = tx_fee(1, 18, 1, 1);
    assert_int_equal(add(p, &m19), MEMPOOL_REJECT_NONCE_TOO_HIGH);
    assert_int_equal(add(p, &m18), MEMPOOL_REJECT_NONE);
    tx_buf low = tx_fee(1, 2, 1, 1); /* would stretch the lane to 2..18 */
    assert_int_equal(add(p, &low), MEMPOOL_REJECT_NONCE_TOO_HIGH);
    tx_buf m4 = tx_fee(1, 4, 1, 1);
    assert_int_equal(add(p, &m4), MEMPOOL_REJECT_NONE);
    tx_buf m5 = tx_fee(1, 5, 1, 1);
    assert_int_equal(add(p, &m5), MEMPOOL_REJECT_SENDER_FULL); /* 4 per sender */
    /* Per-sender cap: key 2 gets exactly sender_txs_max. */
    for (uint64_t n = 0; n < 4; n++) {
        tx_buf t = tx_fee(2, n, 1, 1);
        assert_int_equal(add(p, &t), MEMPOOL_REJECT_NONE);
    }
    tx_buf over = tx_fee(2, 4, 1, 1);
    assert_int_equal(add(p, &over), MEMPOOL_REJECT_SENDER_FULL);
    tx_buf repl = tx_fee(2, 3, 2, 2); /* replacing stays allowed at the cap */
    assert_int_equal(add(p, &repl), MEMPOOL_REJECT_NONE);
    (void)h7;
    mempool_free(p);
}

/* mempool_settling's deadline; *held gets its count. */
static uint64_t settle_deadline(const mempool *p, uint64_t now_ms, size_t *held)
{
    uint64_t deadline = 0;
    *held = mempool_settling(p, now_ms, &deadline);
    return deadline;
}

static size_t select_at(mempool *p, mempool_pick *out, uint64_t now_ms)
{
    mempool_caps caps = {.bytes_max = 1u << 20, .txs_max = 16};
    size_t n = 0;
    assert_int_equal(mempool_select(p, out, PICKS_MAX, &n, &caps, NULL, 0, now_ms), SEQ_OK);
    mempool_check(p);
    return n;
}

/* A client sends nonce 5 to another node and 6 here: 6 arrives first, 5
 * by gossip a little later. While the sender's lane settles, nothing of it
 * is proposed, so 5 goes first; a sender with a committed nonce and opaque
 * payloads are never held. */
static void test_settle_new_senders(void **state)
{
    (void)state;
    mempool_config c;
    mempool_config_default(&c, CHAIN_ID);
    assert_int_equal(c.settle_ms, MEMPOOL_SETTLE_MS_DEFAULT);
    c.pool_bytes_max = 1u << 20;
    c.pool_txs_max = 64;
    c.settle_ms = 10;
    mempool *p = NULL;
    assert_int_equal(mempool_new(&p, &c), SEQ_OK);
    size_t held = 0;
    assert_int_equal(settle_deadline(p, 0, &held), UINT64_MAX);
    assert_int_equal(held, 0);
    tx_buf n5 = tx_fee(0, 5, 1, 1), n6 = tx_fee(0, 6, 1, 1), o = tx_opaque(1, 1, 8);
    assert_int_equal(mempool_add(p, NULL, n6.raw, n6.len, MEMPOOL_ORIGIN_CLIENT, 100),
                     MEMPOOL_REJECT_NONE);
    assert_int_equal(mempool_add(p, NULL, o.raw, o.len, MEMPOOL_ORIGIN_CLIENT, 100),
                     MEMPOOL_REJECT_NONE);
    mempool_pick picks[PICKS_MAX];
    seq_hash h5 = hash_of(&n5), h6 = hash_of(&n6), ho = hash_of(&o);
    assert_int_equal(select_at(p, picks, 100), 1); /* the opaque payload only */
    assert_true(seq_hash_equal(&picks[0].hash, &ho));
    assert_int_equal(settle_deadline(p, 100, &held), 110);
    assert_int_equal(held, 1);
    assert_int_equal(settle_deadline(p, 109, &held), 110);
    assert_int_equal(settle_deadline(p, 110, &held), UINT64_MAX); /* settled by then */
    assert_int_equal(held, 0);
    assert_int_equal(mempool_add(p, NULL, n5.raw, n5.len, MEMPOOL_ORIGIN_PEER, 104),
                     MEMPOOL_REJECT_NONE);
    assert_int_equal(select_at(p, picks, 109), 0); /* the lane dates from 100, not 104 */
    assert_int_equal(settle_deadline(p, 109, &held), 110);
    assert_int_equal(held, 2);
    assert_int_equal(select_at(p, picks, 110), 2);
    assert_true(seq_hash_equal(&picks[0].hash, &h5));
    assert_true(seq_hash_equal(&picks[1].hash, &h6));
    /* Once committed, the sender's nonce is known: no more holding. */
    assert_int_equal(mempool_committed(p, (seq_hash[]){h5, h6}, 2), 2);
    tx_buf n7 = tx_fee(0, 7, 1, 1);
    assert_int_equal(mempool_add(p, NULL, n7.raw, n7.len, MEMPOOL_ORIGIN_CLIENT, 500),
                     MEMPOOL_REJECT_NONE);
    assert_int_equal(settle_deadline(p, 500, &held), UINT64_MAX);
    assert_int_equal(select_at(p, picks, 500), 1);
    assert_int_equal(mempool_committed(p, (seq_hash[]){hash_of(&n7)}, 1), 1);
    /* Another new sender settles from its own first tx. */
    tx_buf m0 = tx_fee(1, 0, 1, 1), m1 = tx_fee(1, 1, 1, 1);
    assert_int_equal(mempool_add(p, NULL, m0.raw, m0.len, MEMPOOL_ORIGIN_CLIENT, 600),
                     MEMPOOL_REJECT_NONE);
    assert_int_equal(settle_deadline(p, 600, &held), 610);
    assert_int_equal(held, 1);
    assert_int_equal(select_at(p, picks, 609), 0);
    assert_int_equal(select_at(p, picks, 610), 1);
    mempool_free(p);
    /* settle_ms 0 holds nothing. */
    c.settle_ms = 0;
    assert_int_equal(mempool_new(&p, &c), SEQ_OK);
    assert_int_equal(mempool_add(p, NULL, m1.raw, m1.len, MEMPOOL_ORIGIN_CLIENT, 7),
                     MEMPOOL_REJECT_NONE);
    assert_int_equal(settle_deadline(p, 7, &held), UINT64_MAX);
    assert_int_equal(select_at(p, picks, 7), 1);
    mempool_free(p);
}

static void test_commit_and_in_flight(void **state)
{
    (void)state;
    mempool *p = pool_new(MEMPOOL_POLICY_FIFO, 64, 8);
    tx_buf t[4];
    seq_hash h[4];
    for (unsigned i = 0; i < 4; i++) {
        t[i] = tx_fee(0, i, 1, 1);
        h[i] = hash_of(&t[i]);
        assert_int_equal(add(p, &t[i]), MEMPOOL_REJECT_NONE);
    }
    tx_buf o = tx_opaque(1, 0x55, 20);
    seq_hash ho = hash_of(&o);
    assert_int_equal(add(p, &o), MEMPOOL_REJECT_NONE);
    /* Another leader's block carries t[0] and t[1]: we pick t[2], t[3], o. */
    assert_int_equal(mempool_mark_in_flight(p, h, 2), 2);
    assert_int_equal(mempool_mark_in_flight(p, h, 2), 0);
    mempool_pick picks[PICKS_MAX];
    assert_int_equal(select_all(p, picks, 16, 1u << 20), 3);
    assert_true(seq_hash_equal(&picks[0].hash, &h[2]));
    assert_true(seq_hash_equal(&picks[2].hash, &ho));
    assert_int_equal(select_all(p, picks, 16, 1u << 20), 0); /* nothing twice */
    mempool_release_in_flight(p);
    assert_int_equal(select_all(p, picks, 16, 1u << 20), 5);
    /* Committing t[2] also drops t[0], t[1] (below its nonce); t[3] stays. */
    assert_int_equal(mempool_committed(p, &h[2], 1), 3);
    mempool_check(p);
    assert_true(mempool_contains(p, &h[3]));
    mempool_stats st;
    mempool_get_stats(p, &st);
    assert_int_equal(st.txs, 2);
    assert_int_equal(st.committed, 1);
    assert_int_equal(st.in_flight, 2);
    /* A replay of a committed tx is refused by nonce, not only by hash. */
    assert_int_equal(add(p, &t[2]), MEMPOOL_REJECT_NONCE_TOO_LOW);
    assert_int_equal(add(p, &t[0]), MEMPOOL_REJECT_NONCE_TOO_LOW);
    assert_int_equal(mempool_committed(p, &h[3], 1), 1);
    assert_int_equal(mempool_committed(p, &ho, 1), 1);
    assert_int_equal(mempool_committed(p, &ho, 1), 0);
    mempool_get_stats(p, &st);
    assert_int_equal(st.txs, 0);
    assert_int_equal(st.senders, 0);
    assert_int_equal(st.in_flight, 0);
    assert_int_equal(add(p, &t[3]), MEMPOOL_REJECT_NONCE_TOO_LOW); /* idle sender remembered */
    tx_buf next = tx_fee(0, 4, 1, 1);
    assert_int_equal(add(p, &next), MEMPOOL_REJECT_NONE);
    assert_int_equal(select_all(p, picks, 16, 1u << 20), 1);
    mempool_free(p);
}

/* A pool that keeps few txs while many pass through: its storage in use
 * stays within MEMPOOL_COMPACT_MIN_BYTES or twice the live bytes, and
 * every tx keeps its bytes across the compactions. */
static void test_storage_compaction(void **state)
{
    (void)state;
    mempool_config c;
    mempool_config_default(&c, CHAIN_ID);
    c.pool_bytes_max = 64u << 20;
    c.hash_seed = 7;
    mempool *p = NULL;
    assert_int_equal(mempool_new(&p, &c), SEQ_OK);
    enum { LIVE = 48, ROUNDS = 6000, PAYLOAD = 1000 };
    static seq_hash h[ROUNDS];
    size_t peak = 0, tx_len = 0;
    for (unsigned i = 0; i < ROUNDS; i++) {
        tx_buf t = tx_opaque(i, (uint8_t)(i * 7), PAYLOAD);
        h[i] = hash_of(&t);
        tx_len = t.len;
        assert_int_equal(mempool_add(p, NULL, t.raw, t.len, MEMPOOL_ORIGIN_CLIENT, 1000),
                         MEMPOOL_REJECT_NONE);
        if (i >= LIVE)
            assert_int_equal(mempool_committed(p, &h[i - LIVE], 1), 1);
        mempool_stats st;
        mempool_get_stats(p, &st);
        assert_true(st.storage_used >= st.bytes);
        assert_true(st.storage_used <=
                    SEQ_MAX((size_t)MEMPOOL_COMPACT_MIN_BYTES, 2u * st.bytes + t.len));
        peak = SEQ_MAX(peak, st.storage_used);
    }
    mempool_check(p);
    /* About 6 MB passed through a pool holding 48 KB: the storage in use
     * reached the floor and never went past it. */
    assert_true(peak > (size_t)MEMPOOL_COMPACT_MIN_BYTES - tx_len);
    assert_true(peak <= (size_t)MEMPOOL_COMPACT_MIN_BYTES);
    mempool_pick picks[PICKS_MAX];
    size_t n = select_all(p, picks, PICKS_MAX, 1u << 24);
    assert_int_equal(n, LIVE);
    for (size_t k = 0; k < n; k++) {
        unsigned i = ROUNDS - LIVE + (unsigned)k;
        tx_buf want = tx_opaque(i, (uint8_t)(i * 7), PAYLOAD);
        assert_true(seq_hash_equal(&picks[k].hash, &h[i]));
        assert_int_equal(picks[k].raw.len, want.len);
        assert_memory_equal(picks[k].raw.ptr, want.raw, want.len);
    }
    mempool_free(p);
}

/* Decoding outside the pool, with a sender taken on trust, then admission of
 * the decoded tx; and the release of one abandoned block's marks. */
static void test_decoded_and_trusted(void **state)
{
    (void)state;
    mempool *p = pool_new(MEMPOOL_POLICY_FIFO, 64, 8);
    tx_buf t0 = tx_fee(1, 0, 1, 1);
    mempool_tx_info recovered, trusted;
    assert_int_equal(mempool_tx_decode(&recovered, CHAIN_ID, t0.raw, t0.len), MEMPOOL_REJECT_NONE);
    seq_addr sender = addr_of(1);
    assert_int_equal(mempool_tx_decode_trusted(&trusted, CHAIN_ID, t0.raw, t0.len, &sender),
                     MEMPOOL_REJECT_NONE);
    assert_memory_equal(&recovered, &trusted, sizeof trusted);
    /* The sender is not checked against the signature: that is the trust. */
    seq_addr other = addr_of(2);
    assert_int_equal(mempool_tx_decode_trusted(&trusted, CHAIN_ID, t0.raw, t0.len, &other),
                     MEMPOOL_REJECT_NONE);
    assert_true(seq_addr_equal(&trusted.sender, &other));
    /* A signed tx needs a sender, an opaque payload must not have one. */
    seq_addr zero = {{0}};
    assert_int_equal(mempool_tx_decode_trusted(&trusted, CHAIN_ID, t0.raw, t0.len, &zero),
                     MEMPOOL_REJECT_SIGNATURE);
    tx_buf o = tx_opaque(7, 0x11, 8);
    assert_int_equal(mempool_tx_decode_trusted(&trusted, CHAIN_ID, o.raw, o.len, &sender),
                     MEMPOOL_REJECT_SIGNATURE);
    assert_int_equal(mempool_tx_decode_trusted(&trusted, CHAIN_ID, o.raw, o.len, &zero),
                     MEMPOOL_REJECT_NONE);
    assert_int_equal(trusted.namespace_id, 7);
    /* Every other rule still applies. */
    assert_int_equal(mempool_tx_decode_trusted(&trusted, CHAIN_ID + 1, t0.raw, t0.len, &sender),
                     MEMPOOL_REJECT_CHAIN_ID);
    tb low = tb_default(2, 0);
    low.gas = 20999;
    tx_buf low_gas = tx_make(&low, 1);
    assert_int_equal(
        mempool_tx_decode_trusted(&trusted, CHAIN_ID, low_gas.raw, low_gas.len, &sender),
        MEMPOOL_REJECT_INTRINSIC_GAS);

    /* mempool_tx_decode_hashed: the same info, with the caller's hash taken
     * as is, and the same refusals (zeroed output). */
    mempool_tx_info hashed;
    assert_int_equal(mempool_tx_decode_hashed(&hashed, CHAIN_ID, t0.raw, t0.len, &recovered.hash),
                     MEMPOOL_REJECT_NONE);
    assert_memory_equal(&recovered, &hashed, sizeof hashed);
    seq_hash made_up = {{0xab}};
    assert_int_equal(mempool_tx_decode_hashed(&hashed, CHAIN_ID, o.raw, o.len, &made_up),
                     MEMPOOL_REJECT_NONE);
    assert_true(seq_hash_equal(&hashed.hash, &made_up));
    assert_int_equal(
        mempool_tx_decode_hashed(&hashed, CHAIN_ID, low_gas.raw, low_gas.len, &made_up),
        MEMPOOL_REJECT_INTRINSIC_GAS);
    assert_true(seq_hash_is_zero(&hashed.hash));

    /* mempool_add_decoded: the pool rules, on the given info. */
    mempool_add_result res;
    assert_int_equal(
        mempool_add_decoded(p, &res, t0.raw, t0.len, &recovered, MEMPOOL_ORIGIN_PEER, 5),
        MEMPOOL_REJECT_NONE);
    mempool_check(p);
    assert_true(mempool_contains(p, &recovered.hash));
    assert_int_equal(
        mempool_add_decoded(p, &res, t0.raw, t0.len, &recovered, MEMPOOL_ORIGIN_PEER, 5),
        MEMPOOL_REJECT_ALREADY_KNOWN);
    mempool_tx_info foreign = recovered;
    foreign.chain_id = CHAIN_ID + 1;
    foreign.hash.b[0] ^= 1;
    assert_int_equal(mempool_add_decoded(p, NULL, t0.raw, t0.len, &foreign, MEMPOOL_ORIGIN_PEER, 5),
                     MEMPOOL_REJECT_CHAIN_ID);
    assert_int_equal(mempool_add_decoded(p, NULL, t0.raw, 0, &recovered, MEMPOOL_ORIGIN_PEER, 5),
                     MEMPOOL_REJECT_EMPTY);
    mempool_tx_info info_o;
    assert_int_equal(mempool_tx_decode(&info_o, CHAIN_ID, o.raw, o.len), MEMPOOL_REJECT_NONE);
    assert_int_equal(mempool_add_decoded(p, NULL, o.raw, o.len, &info_o, MEMPOOL_ORIGIN_CLIENT, 6),
                     MEMPOOL_REJECT_NONE);
    mempool_stats st;
    mempool_get_stats(p, &st);
    assert_int_equal(st.admitted, 2);
    assert_int_equal(st.rejected[MEMPOOL_REJECT_ALREADY_KNOWN], 1);
    assert_int_equal(st.rejected[MEMPOOL_REJECT_CHAIN_ID], 1);
    assert_int_equal(st.gossip_waiting, 1); /* only the client's */

    /* mempool_release: exactly the given marks. */
    seq_hash both[2] = {recovered.hash, info_o.hash};
    assert_int_equal(mempool_mark_in_flight(p, both, 2), 2);
    mempool_pick picks[PICKS_MAX];
    assert_int_equal(select_all(p, picks, 16, 1u << 20), 0);
    assert_int_equal(mempool_release(p, &both[1], 1), 1);
    assert_int_equal(mempool_release(p, &both[1], 1), 0);
    mempool_check(p);
    assert_int_equal(select_all(p, picks, 16, 1u << 20), 1);
    assert_true(seq_hash_equal(&picks[0].hash, &info_o.hash));
    assert_int_equal(mempool_release(p, both, 2), 2);
    mempool_check(p);
    mempool_free(p);
}

static void test_eviction(void **state)
{
    (void)state;
    /* Priority: a full pool (4 txs) evicts the lowest-tip lane tail. */
    mempool *p = pool_new(MEMPOOL_POLICY_PRIORITY, 4, 4);
    tx_buf a0 = tx_fee(0, 0, 1, 100), a1 = tx_fee(0, 1, 50, 100); /* a0 is no tail */
    tx_buf b0 = tx_fee(1, 0, 5, 100), c0 = tx_fee(2, 0, 3, 100);
    tx_buf list[] = {a0, a1, b0, c0};
    for (size_t i = 0; i < 4; i++)
        assert_int_equal(add(p, &list[i]), MEMPOOL_REJECT_NONE);
    tx_buf d0 = tx_fee(3, 0, 3, 100); /* ties c0's tip: not strictly above */
    assert_int_equal(add(p, &d0), MEMPOOL_REJECT_POOL_FULL);
    tx_buf e0 = tx_fee(4, 0, 4, 100);
    mempool_add_result res;
    assert_int_equal(mempool_add(p, &res, e0.raw, e0.len, MEMPOOL_ORIGIN_CLIENT, 1),
                     MEMPOOL_REJECT_NONE);
    assert_int_equal(res.evicted_count, 1);
    seq_hash hc = hash_of(&c0), ha0 = hash_of(&a0);
    assert_false(mempool_contains(p, &hc));
    assert_true(mempool_contains(p, &ha0)); /* tip 1, but below a1: never a gap */
    /* A tail of the newcomer's own sender below its nonce is not taken. */
    tx_buf e1 = tx_fee(4, 1, 1000, 1000);
    assert_int_equal(add(p, &e1), MEMPOOL_REJECT_POOL_FULL);
    mempool_check(p);
    mempool_free(p);

    /* Fifo: the newcomer ranks last, so a full pool refuses it. */
    p = pool_new(MEMPOOL_POLICY_FIFO, 2, 4);
    tx_buf f[3] = {tx_fee(0, 0, 1, 1), tx_fee(1, 0, 1, 1), tx_fee(2, 0, 1000, 1000)};
    assert_int_equal(add(p, &f[0]), MEMPOOL_REJECT_NONE);
    assert_int_equal(add(p, &f[1]), MEMPOOL_REJECT_NONE);
    assert_int_equal(add(p, &f[2]), MEMPOOL_REJECT_POOL_FULL);
    mempool_free(p);

    /* Bytes: the boundary is inclusive, opaque txs (tip 0) go first. */
    mempool_config c;
    mempool_config_default(&c, CHAIN_ID);
    c.policy = MEMPOOL_POLICY_PRIORITY;
    c.pool_txs_max = 64;
    c.tx_bytes_max = 200;
    c.pool_bytes_max = 200;
    assert_int_equal(mempool_new(&p, &c), SEQ_OK);
    tx_buf o1 = tx_opaque(1, 1, 100 - MEMPOOL_OPAQUE_HEADER_BYTES);
    tx_buf o2 = tx_opaque(1, 2, 100 - MEMPOOL_OPAQUE_HEADER_BYTES);
    tx_buf o3 = tx_opaque(1, 3, 100 - MEMPOOL_OPAQUE_HEADER_BYTES);
    tx_buf huge = tx_opaque(1, 4, 201 - MEMPOOL_OPAQUE_HEADER_BYTES);
    assert_int_equal(add(p, &huge), MEMPOOL_REJECT_TOO_LARGE);
    assert_int_equal(add(p, &o1), MEMPOOL_REJECT_NONE);
    assert_int_equal(add(p, &o2), MEMPOOL_REJECT_NONE); /* exactly 200 bytes */
    assert_int_equal(add(p, &o3), MEMPOOL_REJECT_POOL_FULL);
    tx_buf s0 = tx_fee(0, 0, 1, 1);
    assert_true(s0.len <= 200);
    assert_int_equal(mempool_add(p, &res, s0.raw, s0.len, MEMPOOL_ORIGIN_CLIENT, 1),
                     MEMPOOL_REJECT_NONE);
    assert_int_equal(res.evicted_count, 2); /* the newest opaque tx went first */
    mempool_stats st;
    mempool_get_stats(p, &st);
    assert_int_equal(st.evicted, 2);
    assert_int_equal(st.txs, 1);
    mempool_check(p);
    mempool_free(p);
}

static void test_select_policies(void **state)
{
    (void)state;
    mempool_pick picks[PICKS_MAX];
    for (int policy = MEMPOOL_POLICY_FIFO; policy <= MEMPOOL_POLICY_PRIORITY; policy++) {
        mempool *p = pool_new((mempool_policy)policy, 64, 8);
        /* Arrival: A1 (tip 9), B0 (tip 2), A0 (tip 1), C0 (tip 5), opaque. */
        tx_buf t[5] = {tx_fee(0, 1, 9, 9), tx_fee(1, 0, 2, 2), tx_fee(0, 0, 1, 1),
                       tx_fee(2, 0, 5, 5), tx_opaque(7, 7, 7)};
        seq_hash h[5];
        for (int i = 0; i < 5; i++) {
            h[i] = hash_of(&t[i]);
            assert_int_equal(add(p, &t[i]), MEMPOOL_REJECT_NONE);
        }
        /* A's lane is 0 then 1 (A0 fixes its base, nothing committed yet). */
        size_t n = select_all(p, picks, 16, 1u << 20);
        assert_int_equal(n, 5);
        static const int fifo[] = {1, 2, 0, 3, 4}, prio[] = {3, 1, 2, 0, 4};
        const int *want = policy == MEMPOOL_POLICY_FIFO ? fifo : prio;
        for (int i = 0; i < 5; i++)
            assert_true(seq_hash_equal(&picks[i].hash, &h[want[i]]));
        /* Each pick names its sender; an opaque one none. */
        static const unsigned signer[] = {0, 1, 0, 2};
        for (int i = 0; i < 5; i++) {
            seq_addr want_sender = want[i] == 4 ? (seq_addr){{0}} : addr_of(signer[want[i]]);
            assert_true(seq_addr_equal(&picks[i].sender, &want_sender));
        }
        mempool_free(p);
    }
}

static void test_select_caps_and_forced(void **state)
{
    (void)state;
    mempool *p = pool_new(MEMPOOL_POLICY_FIFO, 64, 8);
    tx_buf big = tx_opaque(1, 1, 300), small[3];
    assert_int_equal(add(p, &big), MEMPOOL_REJECT_NONE);
    for (int i = 0; i < 3; i++) {
        small[i] = tx_opaque(2, (uint8_t)(10 + i), 50 - MEMPOOL_OPAQUE_HEADER_BYTES);
        assert_int_equal(add(p, &small[i]), MEMPOOL_REJECT_NONE);
    }
    mempool_pick picks[PICKS_MAX];
    /* 100 bytes: the big one is skipped, two smalls fit exactly. */
    assert_int_equal(select_all(p, picks, 16, 100), 2);
    assert_int_equal(picks[0].raw.len + picks[1].raw.len, 100);
    assert_memory_equal(picks[0].raw.ptr, small[0].raw, small[0].len);
    mempool_release_in_flight(p);
    assert_int_equal(select_all(p, picks, 1, 1u << 20), 1); /* count cap */
    seq_hash hb = hash_of(&big);
    assert_true(seq_hash_equal(&picks[0].hash, &hb));
    mempool_release_in_flight(p);
    /* Forced txs first, in order; one also pending is not picked twice. */
    tx_buf f = tx_opaque(9, 9, 20);
    seq_bytes forced[2] = {{f.raw, f.len}, {small[1].raw, small[1].len}};
    mempool_caps caps = {.bytes_max = 1u << 20, .txs_max = 16};
    size_t n = 0;
    assert_int_equal(mempool_select(p, picks, PICKS_MAX, &n, &caps, forced, 2, 1000), SEQ_OK);
    assert_int_equal(n, 5);
    assert_true(picks[0].forced && picks[1].forced && !picks[2].forced);
    seq_hash hf = hash_of(&f), hs1 = hash_of(&small[1]);
    assert_true(seq_hash_equal(&picks[0].hash, &hf));
    assert_true(seq_hash_equal(&picks[1].hash, &hs1));
    for (size_t i = 2; i < n; i++)
        assert_false(seq_hash_equal(&picks[i].hash, &hs1));
    /* The version moves when a tx comes or goes or a mark is released,
     * not when txs are marked. */
    uint64_t v = mempool_version(p);
    mempool_release_in_flight(p);
    assert_true(mempool_version(p) > v);
    v = mempool_version(p);
    assert_int_equal(select_all(p, picks, 16, 1u << 20), 4);
    assert_int_equal(mempool_version(p), v);
    mempool_release_in_flight(p);
    v = mempool_version(p);
    mempool_release_in_flight(p); /* nothing in flight: no change */
    assert_int_equal(mempool_version(p), v);
    assert_int_equal(mempool_committed(p, &hb, 1), 1);
    assert_true(mempool_version(p) > v);
    v = mempool_version(p);
    assert_int_equal(add(p, &big), MEMPOOL_REJECT_NONE);
    assert_true(mempool_version(p) > v);
    /* Forced txs that do not fit stop at the first; bad ones are refused. */
    caps.bytes_max = f.len;
    assert_int_equal(mempool_select(p, picks, PICKS_MAX, &n, &caps, forced, 2, 1000), SEQ_OK);
    assert_int_equal(n, 1);
    seq_bytes empty = {f.raw, 0};
    assert_int_equal(mempool_select(p, picks, PICKS_MAX, &n, &caps, &empty, 1, 1000),
                     SEQ_ERR_INVALID_ARG);
    assert_int_equal(n, 0);
    mempool_check(p);
    mempool_free(p);
}

static void test_gossip_batches(void **state)
{
    (void)state;
    mempool_config c;
    mempool_config_default(&c, CHAIN_ID);
    c.pool_txs_max = 64;
    c.pool_bytes_max = 1u << 20;
    c.tx_bytes_max = 1000;
    c.gossip_delay_ms = 20;
    mempool *p = NULL;
    assert_int_equal(mempool_new(&p, &c), SEQ_OK);
    seq_bytes out[16];
    size_t n = 99;
    mempool_gossip_take(p, out, NULL, &n, 4, 1000, 0);
    assert_int_equal(n, 0);
    assert_int_equal(mempool_gossip_deadline(p), UINT64_MAX);
    tx_buf t[6];
    for (int i = 0; i < 6; i++) {
        t[i] = tx_opaque((uint64_t)i, (uint8_t)i, 100);
        assert_int_equal(
            mempool_add(p, NULL, t[i].raw, t[i].len, MEMPOOL_ORIGIN_CLIENT, 100 + (uint64_t)i),
            MEMPOOL_REJECT_NONE);
    }
    tx_buf peer = tx_opaque(99, 99, 100);
    assert_int_equal(mempool_add(p, NULL, peer.raw, peer.len, MEMPOOL_ORIGIN_PEER, 100),
                     MEMPOOL_REJECT_NONE);
    assert_int_equal(mempool_gossip_deadline(p), 120);
    mempool_gossip_take(p, out, NULL, &n, 8, 1000, 110); /* 6 < 8, 654 bytes < 1000, not due */
    assert_int_equal(n, 0);
    mempool_gossip_take(p, out, NULL, &n, 4, 1000, 110); /* 4 wait: a full batch */
    assert_int_equal(n, 4);
    assert_memory_equal(out[0].ptr, t[0].raw, t[0].len);
    assert_memory_equal(out[3].ptr, t[3].raw, t[3].len);
    mempool_gossip_take(p, out, NULL, &n, 4, 1000, 110);
    assert_int_equal(n, 0);
    assert_int_equal(mempool_gossip_deadline(p), 124);
    /* Committed before it went out: never forwarded. */
    seq_hash h4 = hash_of(&t[4]);
    assert_int_equal(mempool_committed(p, &h4, 1), 1);
    mempool_gossip_take(p, out, NULL, &n, 4, 1000, 124); /* t[5] came at 105: not yet */
    assert_int_equal(n, 0);
    mempool_gossip_take(p, out, NULL, &n, 4, 1000, 125);
    assert_int_equal(n, 1);
    assert_memory_equal(out[0].ptr, t[5].raw, t[5].len);
    mempool_stats st;
    mempool_get_stats(p, &st);
    assert_int_equal(st.gossip_waiting, 0);
    /* The byte bound: 10 txs of 109 bytes against 1000 bytes. */
    for (int i = 0; i < 10; i++) {
        tx_buf u = tx_opaque(50 + (uint64_t)i, 1, 100);
        assert_int_equal(mempool_add(p, NULL, u.raw, u.len, MEMPOOL_ORIGIN_CLIENT, 200),
                         MEMPOOL_REJECT_NONE);
    }
    mempool_gossip_take(p, out, NULL, &n, 16, 1000, 200);
    assert_int_equal(n, 9);
    mempool_gossip_take(p, out, NULL, &n, 16, 1000, 219);
    assert_int_equal(n, 0);
    mempool_gossip_take(p, out, NULL, &n, 16, 1000, 220);
    assert_int_equal(n, 1);
    /* Senders travel with the batch: recovered for signed txs, zero for
     * opaque payloads. */
    tx_buf signed_tx = tx_fee(3, 0, 1, 1);
    tx_buf opaque = tx_opaque(77, 7, 10);
    assert_int_equal(add(p, &signed_tx), MEMPOOL_REJECT_NONE);
    assert_int_equal(add(p, &opaque), MEMPOOL_REJECT_NONE);
    seq_addr senders[16];
    memset(senders, 0xee, sizeof senders);
    mempool_gossip_take(p, out, senders, &n, 2, 1000, 1000);
    assert_int_equal(n, 2);
    seq_addr expect = addr_of(3);
    assert_true(seq_addr_equal(&senders[0], &expect));
    assert_true(seq_addr_is_zero(&senders[1]));
    mempool_check(p);
    mempool_free(p);
}

/* ------------------------------------------------------------- property */

#define PROP_OPS    1500u
#define PROP_NONCES 24u
#define PROP_TXS    (PROP_OPS + 8u)

typedef struct {
    seq_hash hash;
    int key; /* -1 opaque */
    uint64_t nonce;
    tx_buf tx;
} prop_tx;

typedef struct {
    bool known;
    uint64_t next;
    uint64_t in_flight; /* bit per nonce */
} prop_sender;

static prop_tx prop_txs[PROP_TXS];
static size_t prop_count;
static prop_sender prop_senders[KEYS];

static const prop_tx *prop_find(const seq_hash *h)
{
    for (size_t i = 0; i < prop_count; i++)
        if (seq_hash_equal(&prop_txs[i].hash, h))
            return &prop_txs[i];
    fail_msg("picked a tx never submitted");
    return NULL;
}

static void prop_add(mempool *p, uint64_t now)
{
    prop_tx *t = &prop_txs[prop_count];
    if (prop_count > 0 && rng_below(10) == 0) { /* resend a known one */
        const prop_tx *old = &prop_txs[rng_below(prop_count)];
        mempool_reject r = mempool_add(p, NULL, old->tx.raw, old->tx.len, MEMPOOL_ORIGIN_PEER, now);
        assert_true(mempool_contains(p, &old->hash) || r != MEMPOOL_REJECT_NONE);
        return;
    }
    if (rng_below(6) == 0) {
        t->key = -1;
        t->nonce = 0;
        t->tx = tx_opaque(rng_next(), (uint8_t)rng_next(), 1 + rng_below(200));
    } else {
        t->key = (int)rng_below(KEYS);
        const prop_sender *s = &prop_senders[t->key];
        uint64_t from = s->known && rng_below(8) != 0 ? s->next : 0;
        tb b = tb_default((uint8_t)rng_below(3), SEQ_MIN(from + rng_below(12), PROP_NONCES + 30));
        b.fee_cap = 1 + rng_below(1000);
        b.tip = b.type == 2 ? rng_below(b.fee_cap + 1) : b.fee_cap;
        b.data_len = rng_below(64);
        static uint8_t data[64];
        rng_fill(data, sizeof data);
        b.data = data;
        t->nonce = b.nonce;
        t->tx = tx_make(&b, (unsigned)t->key);
    }
    t->hash = hash_of(&t->tx);
    for (size_t i = 0; i < prop_count; i++)
        if (seq_hash_equal(&prop_txs[i].hash, &t->hash))
            return;
    prop_count++;
    mempool_reject r = mempool_add(p, NULL, t->tx.raw, t->tx.len,
                                   rng_below(2) ? MEMPOOL_ORIGIN_CLIENT : MEMPOOL_ORIGIN_PEER, now);
    assert_true(r < MEMPOOL_REJECT_COUNT_);
    assert_true((r == MEMPOOL_REJECT_NONE) == mempool_contains(p, &t->hash));
}

/* Checks a selection against the lanes: per sender, the picks and what
 * was in flight before form one run of consecutive nonces from its base. */
static void prop_select(mempool *p, mempool_pick *picks, size_t *n, uint64_t prop_now)
{
    mempool_caps caps = {.bytes_max = 200 + rng_below(4000), .txs_max = 1 + rng_below(40)};
    assert_int_equal(mempool_select(p, picks, PICKS_MAX, n, &caps, NULL, 0, prop_now), SEQ_OK);
    size_t bytes = 0;
    uint64_t last[KEYS];
    bool seen[KEYS] = {false};
    for (size_t i = 0; i < *n; i++) {
        bytes += picks[i].raw.len;
        const prop_tx *t = prop_find(&picks[i].hash);
        if (t->key < 0)
            continue;
        prop_sender *s = &prop_senders[t->key];
        assert_false(s->in_flight & (1ull << t->nonce)); /* never picked twice */
        if (seen[t->key])
            assert_int_equal(t->nonce, last[t->key] + 1); /* n + 1 only after n */
        else if (s->in_flight != 0)
            assert_true(t->nonce > 0 && (s->in_flight & (1ull << (t->nonce - 1))));
        else if (s->known)
            assert_int_equal(t->nonce, s->next);
        seen[t->key] = true;
        last[t->key] = t->nonce;
        s->in_flight |= 1ull << t->nonce;
    }
    assert_true(*n <= caps.txs_max && bytes <= caps.bytes_max);
}

static void prop_commit(mempool *p, const mempool_pick *picks, size_t n)
{
    seq_hash hashes[PICKS_MAX];
    for (size_t i = 0; i < n; i++) {
        hashes[i] = picks[i].hash;
        const prop_tx *t = prop_find(&picks[i].hash);
        if (t->key < 0)
            continue;
        prop_sender *s = &prop_senders[t->key];
        if (!s->known || t->nonce + 1 > s->next)
            s->next = t->nonce + 1;
        s->known = true;
        s->in_flight &= ~((2ull << t->nonce) - 1); /* committed and below: gone */
    }
    mempool_committed(p, hashes, n);
    for (size_t i = 0; i < n; i++)
        assert_false(mempool_contains(p, &hashes[i]));
}

static void prop_check(const mempool *p)
{
    mempool_check(p);
    mempool_stats st;
    mempool_get_stats(p, &st);
    size_t pending = 0;
    for (size_t i = 0; i < prop_count; i++)
        pending += mempool_contains(p, &prop_txs[i].hash);
    assert_int_equal(pending, st.txs);
}

static void test_property_random_ops(void **state)
{
    (void)state;
    rng_seed("test_property_random_ops");
    for (int round = 0; round < 2; round++) {
        mempool_config c;
        mempool_config_default(&c, CHAIN_ID);
        c.policy = round == 0 ? MEMPOOL_POLICY_FIFO : MEMPOOL_POLICY_PRIORITY;
        c.pool_txs_max = 48;
        c.pool_bytes_max = 6000;
        c.tx_bytes_max = 400;
        c.sender_txs_max = 8;
        c.nonce_window = 16;
        c.settle_ms = round == 0 ? 0 : 15; /* new senders' lanes held a while */
        c.hash_seed = rng_next();
        mempool *p = NULL;
        assert_int_equal(mempool_new(&p, &c), SEQ_OK);
        prop_count = 0;
        memset(prop_senders, 0, sizeof prop_senders);
        mempool_pick picks[PICKS_MAX];
        size_t n = 0;
        uint64_t now = 0;
        seq_bytes out[16];
        for (unsigned op = 0; op < PROP_OPS / 2; op++) {
            now += rng_below(10);
            size_t what = rng_below(20);
            if (what < 13) {
                prop_add(p, now);
            } else if (what < 16) {
                prop_select(p, picks, &n, now);
            } else if (what < 18) {
                prop_commit(p, picks, n);
                n = 0;
            } else if (what < 19) {
                mempool_release_in_flight(p);
                for (unsigned k = 0; k < KEYS; k++)
                    prop_senders[k].in_flight = 0;
                n = 0;
            } else {
                size_t got = 0;
                mempool_gossip_take(p, out, NULL, &got, 1 + rng_below(16), 400 + rng_below(2000),
                                    now);
            }
            prop_check(p);
        }
        mempool_stats st;
        mempool_get_stats(p, &st);
        printf("%s: admitted=%" PRIu64 " replaced=%" PRIu64 " evicted=%" PRIu64
               " committed=%" PRIu64 " full=%" PRIu64 " low=%" PRIu64 " high=%" PRIu64
               " sender_full=%" PRIu64 "\n",
               mempool_policy_name(c.policy), st.admitted, st.replaced, st.evicted, st.committed,
               st.rejected[MEMPOOL_REJECT_POOL_FULL], st.rejected[MEMPOOL_REJECT_NONCE_TOO_LOW],
               st.rejected[MEMPOOL_REJECT_NONCE_TOO_HIGH], st.rejected[MEMPOOL_REJECT_SENDER_FULL]);
        assert_true(st.admitted > 0 && st.committed > 0);
        mempool_free(p);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cast_vectors),
        cmocka_unit_test(test_admit_each_kind),
        cmocka_unit_test(test_decode_rejections),
        cmocka_unit_test(test_decode_mutations),
        cmocka_unit_test(test_reject_names),
        cmocka_unit_test(test_config_bounds),
        cmocka_unit_test(test_duplicates_and_replacement),
        cmocka_unit_test(test_lanes_and_gaps),
        cmocka_unit_test(test_settle_new_senders),
        cmocka_unit_test(test_commit_and_in_flight),
        cmocka_unit_test(test_decoded_and_trusted),
        cmocka_unit_test(test_storage_compaction),
        cmocka_unit_test(test_eviction),
        cmocka_unit_test(test_select_policies),
        cmocka_unit_test(test_select_caps_and_forced),
        cmocka_unit_test(test_gossip_batches),
        cmocka_unit_test(test_property_random_ops),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
