/* EIP-1559 transactions: fixed vectors, a differential test against
 * Foundry's `cast mktx` (an independent encoder and RFC 6979 signer) over
 * random transactions, and the strictness of the decoder.
 *
 * SEQ_CAST must name a runnable cast binary; the cast test fails without
 * one. `cast mktx` signs offline when chain id, nonce, gas limit and both
 * fees are given. Inputs come from a seeded PRNG (the seed is printed;
 * SEQ_TEST_SEED replays it). cast runs through fork/exec with an argument
 * vector, never through a shell. */
/* cmocka needs these headers before its own, in this order. */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "l1.h"
#include "test_rng.h"

#define CAST_CASES      100
#define CAST_OUT_MAX    (512 * 1024)
#define CAST_DATA_MAX   (24 * 1024) /* hex stays far below the 128 KiB argument limit */
#define ARGS_MAX        24
#define RAW_MAX         (L1_TX_DATA_BYTES_MAX + L1_TX_OVERHEAD_BYTES_MAX)
#define HEX_MAX         (2 * RAW_MAX + 3)
#define ANVIL_KEY_0_HEX "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"

/* The secp256k1 group order n. */
static const uint8_t secp_n[32] = {
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe,
    0xba, 0xae, 0xdc, 0xe6, 0xaf, 0x48, 0xa0, 0x3b, 0xbf, 0xd2, 0x5e, 0x8c, 0xd0, 0x36, 0x41, 0x41,
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void hex_of(char *out, size_t out_len, const uint8_t *p, size_t len)
{
    assert_int_equal(l1_hex_encode(out, out_len, p, len), SEQ_OK);
}

static void key_of(uint8_t key[32], const char *hex)
{
    assert_int_equal(l1_hex_decode_exact(key, 32, hex), SEQ_OK);
}

/* ----------------------------------------------------------------- cast */

static char cast_out[CAST_OUT_MAX];
static unsigned cast_calls;

static const char *cast_path(void)
{
    const char *p = getenv("SEQ_CAST");
    if (p == NULL || p[0] == '\0')
        fail_msg("SEQ_CAST is not set: configure with Foundry's cast installed "
                 "(deploy/node_modules/.bin/cast)");
    if (access(p, X_OK) != 0)
        fail_msg("SEQ_CAST=%s is not executable", p);
    return p;
}

/* Runs argv (argv[0] is the path), returns its trimmed stdout; fails the
 * test when it does not exit 0. */
static const char *cast_run(const char *const argv[])
{
    int out_pipe[2];
    assert_int_equal(pipe(out_pipe), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        dup2(out_pipe[1], STDOUT_FILENO);
        dup2(out_pipe[1], STDERR_FILENO);
        close(out_pipe[0]);
        close(out_pipe[1]);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    close(out_pipe[1]);
    size_t len = 0;
    for (;;) {
        ssize_t got = read(out_pipe[0], cast_out + len, sizeof(cast_out) - 1 - len);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            break;
        len += (size_t)got;
    }
    close(out_pipe[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0)
        assert_int_equal(errno, EINTR);
    cast_out[len] = '\0';
    while (len > 0 && (cast_out[len - 1] == '\n' || cast_out[len - 1] == ' '))
        cast_out[--len] = '\0';
    cast_calls++;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        fail_msg("%s %s failed (status %d): %.600s", argv[0], argv[1], status, cast_out);
    return cast_out;
}

/* ---------------------------------------------------------------- helpers */

static void assert_tx_equal(const l1_tx *a, const l1_tx *b)
{
    assert_int_equal(a->chain_id, b->chain_id);
    assert_int_equal(a->nonce, b->nonce);
    assert_int_equal(a->max_priority_fee_per_gas, b->max_priority_fee_per_gas);
    assert_int_equal(a->max_fee_per_gas, b->max_fee_per_gas);
    assert_int_equal(a->gas_limit, b->gas_limit);
    assert_int_equal(a->has_to, b->has_to);
    if (a->has_to)
        assert_memory_equal(a->to.b, b->to.b, SEQ_ADDR_BYTES);
    assert_memory_equal(a->value, b->value, 32);
    assert_int_equal(a->data_len, b->data_len);
    if (a->data_len > 0)
        assert_memory_equal(a->data, b->data, a->data_len);
}

/* Signs tx with key, decodes the result and checks everything that must
 * agree: hash = keccak(raw), the fields, the signer, the re-encoding. */
static size_t sign_and_check(uint8_t *raw, size_t raw_cap, seq_hash *hash, const uint8_t key[32],
                             const l1_tx *tx)
{
    size_t raw_len = 0;
    assert_int_equal(l1_tx_sign(raw, raw_cap, &raw_len, hash, key, tx), SEQ_OK);
    assert_int_equal(raw[0], L1_TX_TYPE_EIP1559);
    seq_hash h;
    l1_keccak256(&h, raw, raw_len);
    assert_memory_equal(h.b, hash->b, 32);

    l1_tx_signed d;
    assert_int_equal(l1_tx_decode(&d, raw, raw_len), SEQ_OK);
    assert_tx_equal(&d.tx, tx);
    assert_memory_equal(d.hash.b, hash->b, 32);
    seq_addr signer;
    assert_int_equal(l1_secp_address(&signer, key), SEQ_OK);
    assert_memory_equal(d.from.b, signer.b, SEQ_ADDR_BYTES);

    static uint8_t again[RAW_MAX];
    size_t again_len = 0;
    assert_int_equal(l1_tx_encode_signed(again, sizeof(again), &again_len, &d), SEQ_OK);
    assert_int_equal(again_len, raw_len);
    assert_memory_equal(again, raw, raw_len);

    /* The signing hash is keccak of the unsigned encoding. */
    seq_hash sh, sh2;
    assert_int_equal(l1_tx_signing_hash(&sh, tx), SEQ_OK);
    size_t unsigned_len = 0;
    assert_int_equal(l1_tx_encode_unsigned(again, sizeof(again), &unsigned_len, tx), SEQ_OK);
    l1_keccak256(&sh2, again, unsigned_len);
    assert_memory_equal(sh.b, sh2.b, 32);
    return raw_len;
}

/* --------------------------------------------------------------- vectors */

typedef struct {
    l1_tx tx;
    const char *raw_hex;
} tx_vector;

/* Produced by `cast mktx --private-key <anvil key 0> ...` (Foundry 1.7.1). */
static void test_vectors(void **state)
{
    (void)state;
    static const uint8_t deadbeef[] = {0xde, 0xad, 0xbe, 0xef};
    static const uint8_t push0[] = {0x60, 0x00};
    seq_addr dead;
    assert_int_equal(
        l1_hex_decode_exact(dead.b, SEQ_ADDR_BYTES, "0x000000000000000000000000000000000000dEaD"),
        SEQ_OK);
    tx_vector v[3];
    memset(v, 0, sizeof(v));
    /* --chain 31337 --nonce 5 --gas-limit 21000 --gas-price 2000000000
     * --priority-gas-price 1000000000 0x..dEaD 0xdeadbeef --value 12345 */
    v[0].tx = (l1_tx){.chain_id = 31337,
                      .nonce = 5,
                      .max_priority_fee_per_gas = 1000000000,
                      .max_fee_per_gas = 2000000000,
                      .gas_limit = 21000,
                      .has_to = true,
                      .to = dead,
                      .data = deadbeef,
                      .data_len = sizeof(deadbeef)};
    v[0].tx.value[30] = 0x30;
    v[0].tx.value[31] = 0x39;
    v[0].raw_hex =
        "0x02f872827a6905843b9aca00847735940082520894000000000000000000000000000000000000"
        "dead82303984deadbeefc080a036744217a49b4b68ff09012a6cd4d45024178f4e03a81e214b46"
        "473884671795a01bd84d36f5f15bc4ba72dc87bc7ba4d88ecf39855bb9b44da23c58b834faddca";
    /* --chain 31337 --nonce 0 --gas-limit 100000 --gas-price 2000000000
     * --priority-gas-price 0 --create 0x6000 */
    v[1].tx = (l1_tx){.chain_id = 31337,
                      .max_fee_per_gas = 2000000000,
                      .gas_limit = 100000,
                      .data = push0,
                      .data_len = sizeof(push0)};
    v[1].raw_hex = "0x02f857827a6980808477359400830186a08080826000c080a0c721db37d6886faf70e8dc98493"
                   "b2c2eff530b03861ce7d2437b58a8b58139eba0481fec02bb3a436432d560dcfbb67bb797702fe3"
                   "e636daedd6c621f24eb6a13f";
    /* every u64 at its maximum, value 2^256 - 1, tip 0 */
    v[2].tx = (l1_tx){.chain_id = UINT64_MAX,
                      .nonce = UINT64_MAX,
                      .max_fee_per_gas = UINT64_MAX,
                      .gas_limit = UINT64_MAX,
                      .has_to = true,
                      .to = dead};
    memset(v[2].tx.value, 0xff, 32);
    v[2].raw_hex = "0x02f8a088ffffffffffffffff88ffffffffffffffff8088ffffffffffffffff88ffffffffffff"
                   "ffff94000000000000000000000000000000000000deada0ffffffffffffffffffffffffffffff"
                   "ffffffffffffffffffffffffffffffffff80c080a04f4339762555a8b26a18fa195f090e45065d"
                   "febe4c003ff3f4b5f899c07afa78a00ef2ef533319ebe000cc39c6d726b8b6e29209e86a0a6dcb"
                   "46594680d776a8e6";
    uint8_t key[32];
    key_of(key, ANVIL_KEY_0_HEX);
    for (size_t i = 0; i < SEQ_ARRAY_LEN(v); i++) {
        static uint8_t raw[RAW_MAX];
        static char hex[HEX_MAX];
        seq_hash hash;
        size_t raw_len = sign_and_check(raw, sizeof(raw), &hash, key, &v[i].tx);
        hex_of(hex, sizeof(hex), raw, raw_len);
        assert_string_equal(hex, v[i].raw_hex);
    }
}

/* Data lengths around every RLP boundary, and the bare single byte. */
static void test_data_lengths(void **state)
{
    (void)state;
    static const size_t lens[] = {
        0, 1, 2, 55, 56, 57, 255, 256, 65535, 65536, L1_TX_DATA_BYTES_MAX};
    static uint8_t data[L1_TX_DATA_BYTES_MAX];
    static uint8_t raw[RAW_MAX];
    rng_seed("data_lengths");
    rng_fill(data, sizeof(data));
    uint8_t key[32];
    key_of(key, ANVIL_KEY_0_HEX);
    for (size_t i = 0; i < SEQ_ARRAY_LEN(lens); i++) {
        for (int small = 0; small < 2; small++) {
            l1_tx tx = {.chain_id = 1,
                        .nonce = i,
                        .max_fee_per_gas = 7,
                        .gas_limit = 50000,
                        .data = lens[i] > 0 ? data : NULL,
                        .data_len = lens[i]};
            data[0] = small ? 0x05 : 0x85;
            seq_hash hash;
            size_t raw_len = sign_and_check(raw, sizeof(raw), &hash, key, &tx);
            assert_true(raw_len <= L1_TX_BYTES_MAX);
            assert_true(raw_len <= lens[i] + L1_TX_OVERHEAD_BYTES_MAX);
        }
    }
}

static void test_encode_errors(void **state)
{
    (void)state;
    static uint8_t buf[RAW_MAX];
    static uint8_t data[L1_TX_DATA_BYTES_MAX + 1];
    uint8_t key[32];
    key_of(key, ANVIL_KEY_0_HEX);
    size_t len = 99;
    seq_hash h;
    l1_tx tx = {.chain_id = 1, .max_priority_fee_per_gas = 2, .max_fee_per_gas = 1};
    assert_int_equal(l1_tx_encode_unsigned(buf, sizeof(buf), &len, &tx), SEQ_ERR_INVALID_ARG);
    assert_int_equal(len, 0);
    assert_int_equal(l1_tx_signing_hash(&h, &tx), SEQ_ERR_INVALID_ARG);
    assert_true(seq_hash_is_zero(&h));
    assert_int_equal(l1_tx_sign(buf, sizeof(buf), &len, &h, key, &tx), SEQ_ERR_INVALID_ARG);

    tx = (l1_tx){.chain_id = 1, .max_fee_per_gas = 1, .data = data, .data_len = sizeof(data)};
    assert_int_equal(l1_tx_encode_unsigned(buf, sizeof(buf), &len, &tx), SEQ_ERR_INVALID_ARG);

    tx.data_len = 100;
    assert_int_equal(l1_tx_encode_unsigned(buf, 50, &len, &tx), SEQ_ERR_NO_SPACE);
    assert_int_equal(len, 0);
    assert_int_equal(l1_tx_sign(buf, 120, &len, &h, key, &tx), SEQ_ERR_NO_SPACE);
    assert_true(seq_hash_is_zero(&h));

    l1_tx_signed stx = {.tx = tx, .y_parity = 2};
    stx.r[31] = stx.s[31] = 1;
    assert_int_equal(l1_tx_encode_signed(buf, sizeof(buf), &len, &stx), SEQ_ERR_INVALID_ARG);

    uint8_t zero_key[32] = {0};
    assert_int_equal(l1_tx_sign(buf, sizeof(buf), &len, &h, zero_key, &tx), SEQ_ERR_BAD_KEY);
    assert_int_equal(len, 0);
}

/* ------------------------------------------------------------ cast mktx */

static void random_tx(l1_tx *tx, uint8_t *data)
{
    static const int widths[] = {0, 1, 2, 4, 7, 8};
    uint64_t *ints[] = {&tx->chain_id, &tx->nonce, &tx->max_fee_per_gas, &tx->gas_limit};
    memset(tx, 0, sizeof(*tx));
    for (size_t i = 0; i < SEQ_ARRAY_LEN(ints); i++) {
        int w = widths[rng_below(SEQ_ARRAY_LEN(widths))];
        *ints[i] = w == 8 ? rng_next() : rng_next() & ((1ull << (8 * w)) - 1);
    }
    tx->chain_id += tx->chain_id == 0; /* chain 0 is no chain */
    tx->max_priority_fee_per_gas =
        rng_below(4) == 0 ? tx->max_fee_per_gas
                          : (tx->max_fee_per_gas == 0 ? 0 : rng_next() % tx->max_fee_per_gas);
    tx->has_to = rng_below(5) != 0;
    rng_fill(tx->to.b, SEQ_ADDR_BYTES);
    size_t value_bytes = rng_below(33);
    rng_fill(tx->value + 32 - value_bytes, value_bytes);
    static const size_t lens[] = {0, 1, 1, 2, 31, 55, 56, 300};
    size_t len =
        rng_below(10) == 0 ? rng_below(CAST_DATA_MAX + 1) : lens[rng_below(SEQ_ARRAY_LEN(lens))];
    rng_fill(data, len);
    if (len == 1 && rng_below(2))
        data[0] &= 0x7f;
    tx->data = len > 0 ? data : NULL;
    tx->data_len = len;
}

typedef struct {
    char key[67], chain[24], nonce[24], gas[24], fee[24], tip[24], to[43];
    char value[L1_QUANTITY_U256_CHARS];
} mktx_args;

/* Builds `cast mktx` arguments for tx into argv. */
static void mktx_argv(const char *argv[ARGS_MAX], mktx_args *a, char *data_hex,
                      const uint8_t key[32], const l1_tx *tx)
{
    size_t n = 0;
    hex_of(a->key, sizeof(a->key), key, 32);
    snprintf(a->chain, sizeof(a->chain), "%" PRIu64, tx->chain_id);
    snprintf(a->nonce, sizeof(a->nonce), "%" PRIu64, tx->nonce);
    snprintf(a->gas, sizeof(a->gas), "%" PRIu64, tx->gas_limit);
    snprintf(a->fee, sizeof(a->fee), "%" PRIu64, tx->max_fee_per_gas);
    snprintf(a->tip, sizeof(a->tip), "%" PRIu64, tx->max_priority_fee_per_gas);
    l1_quantity_format_u256(a->value, tx->value);
    hex_of(data_hex, HEX_MAX, tx->data, tx->data_len);
    const char *fixed[] = {cast_path(),
                           "mktx",
                           "--private-key",
                           a->key,
                           "--chain",
                           a->chain,
                           "--nonce",
                           a->nonce,
                           "--gas-limit",
                           a->gas,
                           "--gas-price",
                           a->fee,
                           "--priority-gas-price",
                           a->tip,
                           "--value",
                           a->value};
    for (size_t i = 0; i < SEQ_ARRAY_LEN(fixed); i++)
        argv[n++] = fixed[i];
    if (tx->has_to) {
        hex_of(a->to, sizeof(a->to), tx->to.b, SEQ_ADDR_BYTES);
        argv[n++] = a->to;
        if (tx->data_len > 0)
            argv[n++] = data_hex; /* hex in place of a signature is raw calldata */
    } else {
        argv[n++] = "--create";
        argv[n++] = data_hex;
    }
    argv[n] = NULL;
    assert_true(n < ARGS_MAX);
}

static void test_cast_mktx(void **state)
{
    (void)state;
    rng_seed("cast_mktx");
    double t0 = now_s();
    static uint8_t data[CAST_DATA_MAX];
    static uint8_t raw[RAW_MAX];
    static char data_hex[HEX_MAX], ours[HEX_MAX], hash_hex[67];
    unsigned cases = 0, other_type = 0;
    while (cases < CAST_CASES) {
        uint8_t key[32];
        do
            rng_fill(key, sizeof(key));
        while (l1_secp_seckey_check(key) != SEQ_OK);
        l1_tx tx;
        random_tx(&tx, data);
        seq_hash hash;
        size_t raw_len = sign_and_check(raw, sizeof(raw), &hash, key, &tx);
        hex_of(ours, sizeof(ours), raw, raw_len);

        const char *argv[ARGS_MAX];
        mktx_args a;
        mktx_argv(argv, &a, data_hex, key, &tx);
        const char *theirs = cast_run(argv);
        if (strncmp(theirs, "0x02", 4) != 0) {
            other_type++; /* a chain id cast knows as pre-London: not a type-2 case */
            assert_true(other_type < 10);
            continue;
        }
        if (strcmp(ours, theirs) != 0)
            fail_msg("raw tx differs (case %u)\nours: %.300s\ncast: %.300s", cases, ours, theirs);
        const char *kargv[] = {cast_path(), "keccak", ours, NULL};
        hex_of(hash_hex, sizeof(hash_hex), hash.b, 32);
        assert_string_equal(cast_run(kargv), hash_hex);
        cases++;
    }
    printf("cast mktx: %u cases (%u skipped as another tx type), %u cast calls, %.2f s\n", cases,
           other_type, cast_calls, now_s() - t0);
}

/* ------------------------------------------------------------- decoder */

/* The twelve fields of a signed transaction as raw RLP items. */
typedef struct {
    uint8_t item[16][200];
    size_t len[16];
    size_t count;
} fields;

static void split(fields *f, const uint8_t *raw, size_t raw_len)
{
    l1_rlp_item list;
    assert_int_equal(l1_rlp_decode_single(&list, raw + 1, raw_len - 1), SEQ_OK);
    const uint8_t *p = list.payload;
    size_t left = list.payload_len;
    f->count = 0;
    while (left > 0) {
        l1_rlp_item it;
        size_t used = 0;
        assert_int_equal(l1_rlp_decode_item(&it, &used, p, left), SEQ_OK);
        assert_true(used <= sizeof(f->item[0]));
        memcpy(f->item[f->count], p, used);
        f->len[f->count++] = used;
        p += used;
        left -= used;
    }
    assert_int_equal(f->count, 12);
}

static size_t join(uint8_t *out, size_t cap, uint8_t type, const fields *f)
{
    l1_rlp_writer w;
    out[0] = type;
    l1_rlp_writer_init(&w, out + 1, cap - 1);
    l1_rlp_list_begin(&w);
    for (size_t i = 0; i < f->count; i++)
        l1_rlp_put_raw(&w, f->item[i], f->len[i]);
    l1_rlp_list_end(&w);
    size_t len = 0;
    assert_int_equal(l1_rlp_writer_finish(&w, &len), SEQ_OK);
    return len + 1;
}

static void set_item(fields *f, size_t i, const uint8_t *rlp, size_t len)
{
    memcpy(f->item[i], rlp, len);
    f->len[i] = len;
}

static void set_uint(fields *f, size_t i, const uint8_t *be, size_t len)
{
    l1_rlp_writer w;
    l1_rlp_writer_init(&w, f->item[i], sizeof(f->item[i]));
    l1_rlp_put_uint_be(&w, be, len);
    assert_int_equal(l1_rlp_writer_finish(&w, &f->len[i]), SEQ_OK);
}

static void expect_decode(seq_err want, const uint8_t *raw, size_t len)
{
    l1_tx_signed d;
    memset(&d, 0xa5, sizeof(d));
    seq_err got = l1_tx_decode(&d, raw, len);
    if (got != want)
        fail_msg("decode: %s, expected %s", seq_errname(got), seq_errname(want));
    if (got != SEQ_OK) {
        static const l1_tx_signed zero;
        assert_memory_equal(&d, &zero, sizeof(d)); /* outputs zeroed */
    }
}

/* n - s: the other, high, s of the same signature. */
static void negate_s(uint8_t out[32], const uint8_t s[32])
{
    int borrow = 0;
    for (int i = 31; i >= 0; i--) {
        int d = secp_n[i] - s[i] - borrow;
        borrow = d < 0;
        out[i] = (uint8_t)(d + (borrow ? 256 : 0));
    }
}

/* A signed sample transaction to break in various ways. */
static size_t sample_tx(uint8_t *raw, size_t cap)
{
    static const uint8_t data[] = {1, 2, 3};
    uint8_t key[32];
    key_of(key, ANVIL_KEY_0_HEX);
    l1_tx tx = {.chain_id = 31337,
                .nonce = 9,
                .max_priority_fee_per_gas = 5,
                .max_fee_per_gas = 10,
                .gas_limit = 30000,
                .has_to = true,
                .data = data,
                .data_len = sizeof(data)};
    tx.to.b[19] = 0x42;
    tx.value[31] = 1;
    seq_hash hash;
    return sign_and_check(raw, cap, &hash, key, &tx);
}

/* Type byte, list framing and size. */
static void test_decode_framing(void **state)
{
    (void)state;
    uint8_t raw[512], bad[600];
    size_t raw_len = sample_tx(raw, sizeof(raw));
    expect_decode(SEQ_OK, raw, raw_len);
    expect_decode(SEQ_ERR_TRUNCATED, raw, 0);
    expect_decode(SEQ_ERR_TRUNCATED, raw, 1);
    expect_decode(SEQ_ERR_TRUNCATED, raw, raw_len - 1);
    memcpy(bad, raw, raw_len);
    bad[raw_len] = 0x00;
    expect_decode(SEQ_ERR_TRAILING, bad, raw_len + 1);
    bad[0] = 0x01;
    expect_decode(SEQ_ERR_BAD_VERSION, bad, raw_len);
    expect_decode(SEQ_ERR_BAD_VERSION, raw + 1, raw_len - 1); /* untyped = legacy form */
    /* a long-form list header for a one-byte payload (0xc1 is canonical) */
    static const uint8_t longform[] = {0x02, 0xf8, 0x01, 0x80};
    expect_decode(SEQ_ERR_NONCANONICAL, longform, sizeof(longform));
    static const uint8_t string[] = {0x02, 0x83, 1, 2, 3}; /* a string, not a list */
    expect_decode(SEQ_ERR_MALFORMED, string, sizeof(string));
    static uint8_t huge[L1_TX_BYTES_MAX + 1];
    huge[0] = 0x02;
    expect_decode(SEQ_ERR_TOO_LARGE, huge, sizeof(huge));
}

/* Rebuilds the transaction from f and expects want from the decoder. */
static void expect_fields(seq_err want, const fields *f)
{
    static uint8_t bad[2048];
    expect_decode(want, bad, join(bad, sizeof(bad), 0x02, f));
}

/* Each field in a wrong form, the rest intact. */
static void test_decode_fields(void **state)
{
    (void)state;
    uint8_t raw[512], again[512];
    size_t raw_len = sample_tx(raw, sizeof(raw));
    fields f0, f;
    split(&f0, raw, raw_len);
    assert_int_equal(join(again, sizeof(again), 0x02, &f0), raw_len); /* unchanged: same bytes */
    assert_memory_equal(again, raw, raw_len);

    f = f0; /* nonce 9 with a leading zero byte */
    set_item(&f, 1, (const uint8_t[]){0x82, 0x00, 0x09}, 3);
    expect_fields(SEQ_ERR_NONCANONICAL, &f);
    f = f0; /* nonce 9 wrapped as a one-byte string */
    set_item(&f, 1, (const uint8_t[]){0x81, 0x09}, 2);
    expect_fields(SEQ_ERR_NONCANONICAL, &f);
    f = f0; /* a list where the nonce belongs */
    set_item(&f, 1, (const uint8_t[]){0xc1, 0x09}, 2);
    expect_fields(SEQ_ERR_MALFORMED, &f);
    f = f0; /* a fee of 9 bytes */
    set_uint(&f, 3, (const uint8_t[]){1, 0, 0, 0, 0, 0, 0, 0, 0}, 9);
    expect_fields(SEQ_ERR_TOO_LARGE, &f);
    f = f0; /* tip above the fee cap */
    set_uint(&f, 2, (const uint8_t[]){11}, 1);
    expect_fields(SEQ_ERR_MALFORMED, &f);
    uint8_t short_to[20] = {0x80 + 19};
    f = f0; /* a 19-byte `to` */
    set_item(&f, 5, short_to, sizeof(short_to));
    expect_fields(SEQ_ERR_MALFORMED, &f);
    f = f0; /* a non-empty access list */
    set_item(&f, 8, (const uint8_t[]){0xc1, 0xc0}, 2);
    expect_fields(SEQ_ERR_UNSUPPORTED, &f);
    f = f0; /* a string where the access list belongs */
    set_item(&f, 8, (const uint8_t[]){0x80}, 1);
    expect_fields(SEQ_ERR_MALFORMED, &f);
    f = f0; /* eleven and thirteen fields */
    f.count = 11;
    expect_fields(SEQ_ERR_MALFORMED, &f);
    f = f0;
    set_item(&f, 12, (const uint8_t[]){0x80}, 1);
    f.count = 13;
    expect_fields(SEQ_ERR_MALFORMED, &f);
}

/* yParity, r and s out of range, and the high-s twin of a valid signature. */
static void test_decode_signature(void **state)
{
    (void)state;
    uint8_t raw[512];
    size_t raw_len = sample_tx(raw, sizeof(raw));
    fields f0, f;
    split(&f0, raw, raw_len);
    f = f0; /* yParity 2 */
    set_item(&f, 9, (const uint8_t[]){0x02}, 1);
    expect_fields(SEQ_ERR_BAD_SIGNATURE, &f);
    f = f0; /* yParity 0 written as 0x00 */
    set_item(&f, 9, (const uint8_t[]){0x00}, 1);
    expect_fields(SEQ_ERR_NONCANONICAL, &f);
    f = f0; /* r = 0 */
    set_item(&f, 10, (const uint8_t[]){0x80}, 1);
    expect_fields(SEQ_ERR_BAD_SIGNATURE, &f);
    f = f0; /* r = n */
    set_uint(&f, 10, secp_n, 32);
    expect_fields(SEQ_ERR_BAD_SIGNATURE, &f);
    f = f0; /* r of 33 bytes */
    set_uint(&f, 10, (const uint8_t[33]){1}, 33);
    expect_fields(SEQ_ERR_TOO_LARGE, &f);

    /* n - s with the other parity is the same signature: refused */
    l1_tx_signed d;
    assert_int_equal(l1_tx_decode(&d, raw, raw_len), SEQ_OK);
    uint8_t high[32];
    negate_s(high, d.s);
    f = f0;
    set_uint(&f, 11, high, 32);
    set_item(&f, 9, d.y_parity ? (const uint8_t[]){0x80} : (const uint8_t[]){0x01}, 1);
    expect_fields(SEQ_ERR_HIGH_S, &f);
}

/* Any accepted mutation re-encodes to itself; most are refused. */
static void test_decode_mutations(void **state)
{
    (void)state;
    rng_seed("decode_mutations");
    uint8_t key[32];
    key_of(key, ANVIL_KEY_0_HEX);
    static uint8_t data[CAST_DATA_MAX];
    static uint8_t raw[RAW_MAX], again[RAW_MAX];
    unsigned accepted = 0;
    for (int i = 0; i < 3000; i++) {
        l1_tx tx;
        random_tx(&tx, data);
        seq_hash hash;
        size_t len = 0;
        assert_int_equal(l1_tx_sign(raw, sizeof(raw), &len, &hash, key, &tx), SEQ_OK);
        size_t at = rng_below(len);
        raw[at] ^= (uint8_t)(1u << rng_below(8));
        l1_tx_signed d;
        if (l1_tx_decode(&d, raw, len) != SEQ_OK)
            continue;
        accepted++;
        size_t again_len = 0;
        assert_int_equal(l1_tx_encode_signed(again, sizeof(again), &again_len, &d), SEQ_OK);
        assert_int_equal(again_len, len);
        assert_memory_equal(again, raw, len);
    }
    /* A flipped bit in a field other than r or s changes the signer but
     * stays valid; the rest is refused. */
    printf("mutations: %u of 3000 still decode (another signer)\n", accepted);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vectors),          cmocka_unit_test(test_data_lengths),
        cmocka_unit_test(test_encode_errors),    cmocka_unit_test(test_decode_framing),
        cmocka_unit_test(test_decode_fields),    cmocka_unit_test(test_decode_signature),
        cmocka_unit_test(test_decode_mutations), cmocka_unit_test(test_cast_mktx),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
