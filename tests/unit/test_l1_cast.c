/* Differential tests against Foundry's cast, an independent implementation
 * of every primitive here: keccak256, RLP (both directions), addresses,
 * RFC 6979 signatures, EIP-712 typed-data signing of seqd's four structs,
 * and the block hash as abi.encode + keccak.
 *
 * SEQ_CAST must name a runnable cast binary; without one every test fails.
 * Inputs come from a seeded PRNG (the seed is printed; SEQ_TEST_SEED
 * replays it). Only hex and JSON generated here reach the shell, always
 * inside single quotes. */
/* cmocka needs these headers before its own, in this order. */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "l1.h"
#include "test_rng.h"

/* ------------------------------------------------------------- harness */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

#define CMD_MAX (96 * 1024) /* below the kernel's 128 KiB per argument */
#define OUT_MAX (512 * 1024)

static char cmd[CMD_MAX + 4096];
static char out[OUT_MAX];
static unsigned cast_calls;

/* The cast binary from SEQ_CAST; fails the test when it is missing. */
static const char *cast_path(void)
{
    const char *p = getenv("SEQ_CAST");
    if (p == NULL || p[0] == '\0')
        fail_msg("SEQ_CAST is not set: configure with Foundry's cast installed "
                 "(deploy/node_modules/.bin/cast)");
    if (strchr(p, '\'') != NULL)
        fail_msg("SEQ_CAST path contains a quote: %s", p);
    if (access(p, X_OK) != 0)
        fail_msg("SEQ_CAST=%s is not executable", p);
    return p;
}

/* Runs `cast <args>` (args already quoted), optionally with stdin from a
 * temporary file holding stdin_text; returns its trimmed stdout in out. */
static const char *cast_run_stdin(const char *args, const char *stdin_text)
{
    const char *bin = cast_path();
    char path[] = "/tmp/seq_l1_cast_XXXXXX";
    int n;
    if (stdin_text != NULL) {
        int fd = mkstemp(path);
        assert_true(fd >= 0);
        FILE *f = fdopen(fd, "w");
        assert_non_null(f);
        assert_int_equal(fputs(stdin_text, f) >= 0, 1);
        assert_int_equal(fclose(f), 0);
        n = snprintf(cmd, sizeof(cmd), "'%s' %s < '%s' 2>&1", bin, args, path);
    } else {
        n = snprintf(cmd, sizeof(cmd), "'%s' %s 2>&1", bin, args);
    }
    assert_true(n > 0 && (size_t)n < sizeof(cmd));
    FILE *p = popen(cmd, "r");
    if (p == NULL)
        fail_msg("cannot run cast: %s", bin);
    size_t len = 0, got;
    while ((got = fread(out + len, 1, sizeof(out) - 1 - len, p)) > 0)
        len += got;
    int status = pclose(p);
    if (stdin_text != NULL)
        unlink(path);
    out[len] = '\0';
    while (len > 0 && (out[len - 1] == '\n' || out[len - 1] == '\r' || out[len - 1] == ' '))
        out[--len] = '\0';
    cast_calls++;
    if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
        fail_msg("cast failed (status %d): %.300s\noutput: %.600s", status, cmd, out);
    return out;
}

static const char *cast_run(const char *args)
{
    return cast_run_stdin(args, NULL);
}

static char args_buf[CMD_MAX];

/* cast_run with printf-style arguments (which must fit one command line). */
__attribute__((format(printf, 1, 2))) static const char *cast_runf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(args_buf, sizeof(args_buf), fmt, ap);
    va_end(ap);
    assert_true(n > 0 && (size_t)n < sizeof(args_buf));
    return cast_run(args_buf);
}

/* A bounded string builder. */
typedef struct {
    char *buf;
    size_t cap, len;
} sb;

__attribute__((format(printf, 2, 3))) static void sb_add(sb *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(s->buf + s->len, s->cap - s->len, fmt, ap);
    va_end(ap);
    assert_true(n >= 0 && (size_t)n < s->cap - s->len);
    s->len += (size_t)n;
}

static void sb_hex(sb *s, const uint8_t *p, size_t len)
{
    assert_true(2 * len + 3 <= s->cap - s->len);
    assert_int_equal(l1_hex_encode(s->buf + s->len, s->cap - s->len, p, len), SEQ_OK);
    s->len += 2 + 2 * len;
}

static void expect_equal(const char *what, const char *ours, const char *theirs)
{
    if (strcmp(ours, theirs) != 0)
        fail_msg("%s differs\n ours: %.400s\ncast: %.400s\ncommand: %.400s", what, ours, theirs,
                 cmd);
}

static void report(const char *what, unsigned cases, unsigned calls, double t0)
{
    printf("%s: %u cases, %u cast calls, %.2f s\n", what, cases, calls, now_s() - t0);
}

/* ------------------------------------------------------------ available */

static void test_cast_available(void **state)
{
    (void)state;
    const char *v = cast_run("--version");
    if (strncmp(v, "cast", 4) != 0)
        fail_msg("unexpected `cast --version` output: %s", v);
    printf("using %s: %.60s\n", cast_path(), v);
}

/* -------------------------------------------------------------- keccak */

static char hexbuf[2 * 200000 + 8];

static void keccak_case(const uint8_t *msg, size_t len)
{
    sb s = {hexbuf, sizeof(hexbuf), 0};
    sb_hex(&s, msg, len);
    const char *theirs;
    if (len <= 20000) {
        theirs = cast_runf("keccak '%s'", hexbuf);
    } else {
        theirs = cast_run_stdin("keccak", hexbuf);
    }
    seq_hash h;
    l1_keccak256(&h, msg, len);
    char ours[67];
    assert_int_equal(l1_hex_encode(ours, sizeof(ours), h.b, sizeof(h.b)), SEQ_OK);
    expect_equal("keccak256", ours, theirs);
}

static void test_cast_keccak(void **state)
{
    (void)state;
    rng_seed("cast_keccak");
    double t0 = now_s();
    unsigned calls0 = cast_calls, cases = 0;
    static uint8_t msg[200000];
    rng_fill(msg, sizeof(msg));
    for (size_t len = 0; len <= 160; len++, cases++) /* every length of the first blocks */
        keccak_case(msg, len);
    for (int i = 0; i < 136; i++, cases++) {
        size_t len = 161 + rng_below(4000);
        rng_fill(msg, len);
        keccak_case(msg, len);
    }
    static const size_t big[] = {65536, 136 * 1000, 200000}; /* through stdin */
    for (size_t i = 0; i < SEQ_ARRAY_LEN(big); i++, cases++) {
        rng_fill(msg, big[i]);
        keccak_case(msg, big[i]);
    }
    report("keccak", cases, cast_calls - calls0, t0);
}

/* ----------------------------------------------------------------- RLP */

/* Writes the same random tree as RLP (writer) and as cast's JSON. */
static void rlp_random_tree(l1_rlp_writer *w, sb *json, int depth, int depth_max)
{
    if (depth < depth_max && (depth == 0 ? rng_below(5) != 0 : rng_below(5) < 2)) {
        l1_rlp_list_begin(w);
        sb_add(json, "[");
        size_t n = rng_below(rng_below(4) == 0 ? 12 : 4);
        for (size_t i = 0; i < n; i++) {
            if (i > 0)
                sb_add(json, ",");
            rlp_random_tree(w, json, depth + 1, depth_max);
        }
        l1_rlp_list_end(w);
        sb_add(json, "]");
        return;
    }
    static const size_t edges[] = {0, 1, 2, 55, 56, 57, 255, 256};
    uint8_t data[1100];
    size_t len;
    switch (rng_below(6)) {
    case 0:
        len = edges[rng_below(SEQ_ARRAY_LEN(edges))];
        break;
    case 1:
    case 2:
        len = 1;
        break;
    case 3:
        len = rng_below(56);
        break;
    case 4:
        len = rng_below(301);
        break;
    default:
        len = rng_below(8) == 0 ? rng_below(sizeof(data) + 1) : rng_below(20);
        break;
    }
    rng_fill(data, len);
    if (len == 1 && rng_below(2))
        data[0] &= 0x7f; /* single bytes that encode as themselves */
    l1_rlp_put_bytes(w, data, len);
    sb_add(json, "\"");
    sb_hex(json, data, len);
    sb_add(json, "\"");
}

/* A chain of nested lists down to the writer's depth limit. */
static void rlp_deep_tree(l1_rlp_writer *w, sb *json)
{
    for (int i = 0; i < L1_RLP_DEPTH_MAX; i++) {
        l1_rlp_list_begin(w);
        sb_add(json, "[");
    }
    uint8_t b = (uint8_t)rng_next();
    l1_rlp_put_bytes(w, &b, 1);
    sb_add(json, "\"0x%02x\"", b);
    for (int i = 0; i < L1_RLP_DEPTH_MAX; i++) {
        l1_rlp_list_end(w);
        sb_add(json, "]");
    }
}

/* Rebuilds cast's JSON from an item with our decoder. */
static void rlp_to_json(sb *json, const l1_rlp_item *item)
{
    if (!item->is_list) {
        sb_add(json, "\"");
        sb_hex(json, item->payload, item->payload_len);
        sb_add(json, "\"");
        return;
    }
    sb_add(json, "[");
    l1_rlp_iter it;
    l1_rlp_iter_init(&it, item);
    for (bool first = true; !l1_rlp_iter_done(&it); first = false) {
        l1_rlp_item child;
        assert_int_equal(l1_rlp_iter_next(&it, &child), SEQ_OK);
        if (!first)
            sb_add(json, ",");
        rlp_to_json(json, &child);
    }
    sb_add(json, "]");
}

static char json_buf[300000], json2_buf[300000];
static uint8_t rlp_buf[150000], cast_rlp[150000];

static void rlp_case(bool deep, bool big, bool check_from_rlp)
{
    l1_rlp_writer w;
    l1_rlp_writer_init(&w, rlp_buf, sizeof(rlp_buf));
    sb json = {json_buf, sizeof(json_buf), 0};
    if (deep) {
        rlp_deep_tree(&w, &json);
    } else if (big) {
        /* A list with a payload over 65535 bytes (three-byte length). */
        sb_add(&json, "[");
        l1_rlp_list_begin(&w);
        for (int i = 0; i < 70; i++) {
            uint8_t data[1000];
            rng_fill(data, sizeof(data));
            l1_rlp_put_bytes(&w, data, sizeof(data));
            sb_add(&json, i ? ",\"" : "\"");
            sb_hex(&json, data, sizeof(data));
            sb_add(&json, "\"");
        }
        l1_rlp_list_end(&w);
        sb_add(&json, "]");
    } else {
        rlp_random_tree(&w, &json, 0, 1 + (int)rng_below(6));
    }
    size_t len = 0;
    assert_int_equal(l1_rlp_writer_finish(&w, &len), SEQ_OK);

    const char *theirs;
    if (json.len + 32 < sizeof(args_buf) / 2) {
        theirs = cast_runf("to-rlp '%s'", json_buf);
    } else {
        theirs = cast_run_stdin("to-rlp", json_buf);
    }
    sb ours = {hexbuf, sizeof(hexbuf), 0};
    sb_hex(&ours, rlp_buf, len);
    expect_equal("RLP encoding", hexbuf, theirs);

    /* cast's bytes through our strict decoder give back the same tree. */
    size_t cast_len = 0;
    assert_int_equal(l1_hex_decode(cast_rlp, sizeof(cast_rlp), &cast_len, theirs, strlen(theirs)),
                     SEQ_OK);
    assert_int_equal(l1_rlp_validate(cast_rlp, cast_len), SEQ_OK);
    l1_rlp_item top;
    assert_int_equal(l1_rlp_decode_single(&top, cast_rlp, cast_len), SEQ_OK);
    sb back = {json2_buf, sizeof(json2_buf), 0};
    rlp_to_json(&back, &top);
    expect_equal("decoded tree", json2_buf, json_buf);

    if (check_from_rlp) {
        if (2 * len + 32 < sizeof(args_buf) / 2) {
            theirs = cast_runf("from-rlp '%s'", hexbuf);
        } else {
            theirs = cast_run_stdin("from-rlp", hexbuf);
        }
        expect_equal("cast from-rlp of our encoding", json_buf, theirs);
    }
}

static void test_cast_rlp(void **state)
{
    (void)state;
    rng_seed("cast_rlp");
    double t0 = now_s();
    unsigned calls0 = cast_calls, cases = 0;
    for (int i = 0; i < 300; i++, cases++)
        rlp_case(i % 25 == 0, i == 150 || i == 299, i % 3 == 0);
    report("rlp", cases, cast_calls - calls0, t0);
}

/* ------------------------------------------------------------ addresses */

static void random_key(uint8_t key[32])
{
    do
        rng_fill(key, 32);
    while (l1_secp_seckey_check(key) != SEQ_OK);
}

static void test_cast_address(void **state)
{
    (void)state;
    rng_seed("cast_address");
    double t0 = now_s();
    unsigned calls0 = cast_calls, cases = 0;
    for (int i = 0; i < 200; i++, cases++) {
        uint8_t key[32];
        random_key(key);
        if (i == 0) { /* the edges: 1 and n - 1 */
            memset(key, 0, 32);
            key[31] = 1;
        } else if (i == 1) {
            assert_int_equal(l1_hex_decode_exact(key, 32,
                                                 "fffffffffffffffffffffffffffffffebaaedce6af48a03bb"
                                                 "fd25e8cd0364140"),
                             SEQ_OK);
        }
        char key_hex[67];
        assert_int_equal(l1_hex_encode(key_hex, sizeof(key_hex), key, 32), SEQ_OK);
        const char *theirs = cast_runf("wallet address --private-key '%s'", key_hex);
        seq_addr addr;
        assert_int_equal(l1_secp_address(&addr, key), SEQ_OK);
        char ours[43];
        l1_addr_checksum(ours, &addr); /* cast prints the EIP-55 form */
        expect_equal("address", ours, theirs);
    }
    report("address", cases, cast_calls - calls0, t0);
}

/* ---------------------------------------------------------- signatures */

static const uint8_t order[32] = {
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe,
    0xba, 0xae, 0xdc, 0xe6, 0xaf, 0x48, 0xa0, 0x3b, 0xbf, 0xd2, 0x5e, 0x8c, 0xd0, 0x36, 0x41, 0x41,
};

static void expect_signature(const seq_sig *sig, const char *theirs)
{
    char ours[2 * SEQ_SIG_BYTES + 3];
    assert_int_equal(l1_hex_encode(ours, sizeof(ours), sig->b, sizeof(sig->b)), SEQ_OK);
    expect_equal("signature", ours, theirs);
}

static void test_cast_sign(void **state)
{
    (void)state;
    rng_seed("cast_sign");
    double t0 = now_s();
    unsigned calls0 = cast_calls, cases = 0, above_order = 0;
    for (int i = 0; i < 300; i++, cases++) {
        uint8_t key[32];
        random_key(key);
        seq_hash digest;
        rng_fill(digest.b, sizeof(digest.b));
        if (i == 0 || i == 1) /* the edges 0, 2^256 - 1, n - 1, n */
            memset(digest.b, i ? 0xff : 0x00, sizeof(digest.b));
        if (i == 2 || i == 3) {
            memcpy(digest.b, order, 32);
            digest.b[31] = (uint8_t)(digest.b[31] - (i == 2));
        }
        char key_hex[67], digest_hex[67];
        assert_int_equal(l1_hex_encode(key_hex, sizeof(key_hex), key, 32), SEQ_OK);
        assert_int_equal(l1_hex_encode(digest_hex, sizeof(digest_hex), digest.b, 32), SEQ_OK);
        const char *theirs =
            cast_runf("wallet sign --no-hash --private-key '%s' '%s'", key_hex, digest_hex);
        seq_sig sig, cast_sig;
        assert_int_equal(l1_secp_sign(&sig, key, &digest), SEQ_OK);
        seq_addr signer;
        assert_int_equal(l1_secp_address(&signer, key), SEQ_OK);
        assert_int_equal(l1_secp_verify(&sig, &digest, &signer), SEQ_OK);
        if (memcmp(digest.b, order, 32) < 0) {
            expect_signature(&sig, theirs);
            continue;
        }
        /* digest >= n: cast derives its nonce from the unreduced digest,
         * not from bits2octets(digest) = digest mod n as RFC 6979 says, so
         * the signatures differ; cast's must still pass our strict check. */
        above_order++;
        assert_int_equal(l1_hex_decode_exact(cast_sig.b, sizeof(cast_sig.b), theirs), SEQ_OK);
        assert_memory_not_equal(cast_sig.b, sig.b, 32);
        assert_int_equal(l1_secp_verify(&cast_sig, &digest, &signer), SEQ_OK);
    }
    report("sign", cases, cast_calls - calls0, t0);
    printf("sign: %u digests >= n (cast's nonce is not RFC 6979 there; both verify)\n",
           above_order);
}

/* ------------------------------------------------------------- EIP-712 */

/* One field of a typed struct: its EIP-712 name and type, and the value. */
typedef struct {
    const char *name;
    const char *type; /* "uint64" or "bytes32" */
    uint64_t u64;
    seq_hash b32;
} field;

static uint64_t random_u64(void)
{
    static const uint64_t edges[] = {0,
                                     1,
                                     UINT64_MAX,
                                     UINT64_MAX - 1,
                                     1ULL << 63,
                                     (1ULL << 53) + 1, /* not a double */
                                     0xffffffffULL,
                                     0x100000000ULL};
    switch (rng_below(4)) {
    case 0:
        return edges[rng_below(SEQ_ARRAY_LEN(edges))];
    case 1:
        return rng_below(1000);
    default:
        return rng_next();
    }
}

/* Writes a uint64 the three ways JSON typed data may carry it. */
static void json_u64(sb *s, uint64_t v)
{
    switch (rng_below(3)) {
    case 0:
        sb_add(s, "%" PRIu64, v);
        break;
    case 1:
        sb_add(s, "\"%" PRIu64 "\"", v);
        break;
    default:
        sb_add(s, "\"0x%" PRIx64 "\"", v);
        break;
    }
}

static void typed_data_json(sb *s, const char *primary, const field *fields, size_t n,
                            uint64_t chain_id, const seq_addr *contract)
{
    sb_add(s,
           "{\"types\":{\"EIP712Domain\":[{\"name\":\"name\",\"type\":\"string\"},"
           "{\"name\":\"version\",\"type\":\"string\"},"
           "{\"name\":\"chainId\",\"type\":\"uint256\"},"
           "{\"name\":\"verifyingContract\",\"type\":\"address\"}],\"%s\":[",
           primary);
    for (size_t i = 0; i < n; i++)
        sb_add(s, "%s{\"name\":\"%s\",\"type\":\"%s\"}", i ? "," : "", fields[i].name,
               fields[i].type);
    sb_add(s,
           "]},\"primaryType\":\"%s\",\"domain\":{\"name\":\"seqd\",\"version\":\"1\",\"chainId\":",
           primary);
    json_u64(s, chain_id);
    /* The contract address either checksummed (EIP-55) or all lowercase. */
    char addr[43];
    if (rng_below(2)) {
        l1_addr_checksum(addr, contract);
    } else {
        assert_int_equal(l1_hex_encode(addr, sizeof(addr), contract->b, 20), SEQ_OK);
    }
    sb_add(s, ",\"verifyingContract\":\"%s\"},\"message\":{", addr);
    for (size_t i = 0; i < n; i++) {
        sb_add(s, "%s\"%s\":", i ? "," : "", fields[i].name);
        if (strcmp(fields[i].type, "uint64") == 0) {
            json_u64(s, fields[i].u64);
        } else {
            sb_add(s, "\"");
            sb_hex(s, fields[i].b32.b, 32);
            sb_add(s, "\"");
        }
    }
    sb_add(s, "}}");
}

static void random_fields(field *f, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        f[i].u64 = random_u64();
        rng_fill(f[i].b32.b, 32);
    }
}

/* Fills the fields of struct kind k and hashes them with l1_eip712_*. */
static const char *eip712_struct(field *f, size_t *n, seq_hash *hash, int k)
{
    static const char *const block_names[] = {"l2ChainId", "view", "height", "blockHash"};
    static const char *const timeout_names[] = {"l2ChainId", "view", "highQcView"};
    static const char *const att_names[] = {"l2ChainId",   "index",       "prevBatchHash",
                                            "dataHash",    "firstHeight", "lastHeight",
                                            "forcedCursor"};
    static const char *const att_types[] = {"uint64", "uint64", "bytes32", "bytes32",
                                            "uint64", "uint64", "uint64"};
    if (k <= 1) {
        *n = 4;
        random_fields(f, *n);
        for (size_t i = 0; i < 4; i++) {
            f[i].name = block_names[i];
            f[i].type = i == 3 ? "bytes32" : "uint64";
        }
        l1_block_stmt s = {f[0].u64, f[1].u64, f[2].u64, f[3].b32};
        if (k == 0)
            l1_eip712_proposal_hash(hash, &s);
        else
            l1_eip712_vote_hash(hash, &s);
        return k == 0 ? "Proposal" : "Vote";
    }
    if (k == 2) {
        *n = 3;
        random_fields(f, *n);
        for (size_t i = 0; i < 3; i++) {
            f[i].name = timeout_names[i];
            f[i].type = "uint64";
        }
        l1_timeout_stmt s = {f[0].u64, f[1].u64, f[2].u64};
        l1_eip712_timeout_hash(hash, &s);
        return "Timeout";
    }
    *n = 7;
    random_fields(f, *n);
    for (size_t i = 0; i < 7; i++) {
        f[i].name = att_names[i];
        f[i].type = att_types[i];
    }
    l1_attestation_stmt s = {f[0].u64, f[1].u64, f[2].b32, f[3].b32, f[4].u64, f[5].u64, f[6].u64};
    l1_eip712_attestation_hash(hash, &s);
    return "BatchAttestation";
}

static void test_cast_eip712(void **state)
{
    (void)state;
    rng_seed("cast_eip712");
    double t0 = now_s();
    unsigned calls0 = cast_calls, cases = 0;
    for (int i = 0; i < 300; i++, cases++) {
        field f[7];
        size_t n = 0;
        seq_hash struct_hash, domain, digest;
        const char *primary = eip712_struct(f, &n, &struct_hash, i % 4);
        uint64_t chain_id = random_u64();
        seq_addr contract;
        rng_fill(contract.b, sizeof(contract.b));
        l1_eip712_domain_separator(&domain, L1_EIP712_NAME, L1_EIP712_VERSION, chain_id, &contract);
        l1_eip712_digest(&digest, &domain, &struct_hash);

        sb json = {json_buf, sizeof(json_buf), 0};
        typed_data_json(&json, primary, f, n, chain_id, &contract);
        uint8_t key[32];
        random_key(key);
        char key_hex[67];
        assert_int_equal(l1_hex_encode(key_hex, sizeof(key_hex), key, 32), SEQ_OK);
        const char *theirs =
            cast_runf("wallet sign --private-key '%s' --data '%s'", key_hex, json_buf);
        seq_sig sig;
        assert_int_equal(l1_secp_sign(&sig, key, &digest), SEQ_OK);
        expect_signature(&sig, theirs);
    }
    report("eip712", cases, cast_calls - calls0, t0);
}

/* ---------------------------------------------------------- block hash */

static void test_cast_block_hash(void **state)
{
    (void)state;
    rng_seed("cast_block_hash");
    double t0 = now_s();
    unsigned calls0 = cast_calls, cases = 0;
    for (int i = 0; i < 40; i++, cases++) {
        l1_block_header h = {
            .l2_chain_id = random_u64(),
            .height = random_u64(),
            .view = random_u64(),
            .l1_origin_number = random_u64(),
            .forced_cursor = random_u64(),
            .timestamp_ms = random_u64(),
        };
        rng_fill(h.parent_hash.b, 32);
        rng_fill(h.tx_root.b, 32);
        rng_fill(h.l1_origin_hash.b, 32);
        rng_fill(h.proposer.b, 20);
        char parent[67], root[67], origin[67], proposer[43];
        assert_int_equal(l1_hex_encode(parent, sizeof(parent), h.parent_hash.b, 32), SEQ_OK);
        assert_int_equal(l1_hex_encode(root, sizeof(root), h.tx_root.b, 32), SEQ_OK);
        assert_int_equal(l1_hex_encode(origin, sizeof(origin), h.l1_origin_hash.b, 32), SEQ_OK);
        l1_addr_checksum(proposer, &h.proposer);
        const char *abi =
            cast_runf("abi-encode 'f(uint64,uint64,uint64,bytes32,bytes32,uint64,bytes32,uint64,"
                      "uint64,address)' %" PRIu64 " %" PRIu64 " %" PRIu64 " '%s' '%s' %" PRIu64
                      " '%s' %" PRIu64 " %" PRIu64 " '%s'",
                      h.l2_chain_id, h.height, h.view, parent, root, h.l1_origin_number, origin,
                      h.forced_cursor, h.timestamp_ms, proposer);
        static char encoded[700];
        assert_true(strlen(abi) < sizeof(encoded));
        strcpy(encoded, abi);

        /* The same ten words from l1_abi_*. */
        uint8_t words[320];
        l1_abi_u64(words, h.l2_chain_id);
        l1_abi_u64(words + 32, h.height);
        l1_abi_u64(words + 64, h.view);
        memcpy(words + 96, h.parent_hash.b, 32);
        memcpy(words + 128, h.tx_root.b, 32);
        l1_abi_u64(words + 160, h.l1_origin_number);
        memcpy(words + 192, h.l1_origin_hash.b, 32);
        l1_abi_u64(words + 224, h.forced_cursor);
        l1_abi_u64(words + 256, h.timestamp_ms);
        l1_abi_addr(words + 288, &h.proposer);
        char ours[2 * 320 + 3];
        assert_int_equal(l1_hex_encode(ours, sizeof(ours), words, sizeof(words)), SEQ_OK);
        expect_equal("abi.encode of the header", ours, encoded);

        const char *theirs = cast_runf("keccak '%s'", encoded);
        seq_hash hash;
        l1_block_hash(&hash, &h);
        char hash_hex[67];
        assert_int_equal(l1_hex_encode(hash_hex, sizeof(hash_hex), hash.b, 32), SEQ_OK);
        expect_equal("block hash", hash_hex, theirs);
    }
    report("block_hash", cases, cast_calls - calls0, t0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cast_available),  cmocka_unit_test(test_cast_keccak),
        cmocka_unit_test(test_cast_rlp),        cmocka_unit_test(test_cast_address),
        cmocka_unit_test(test_cast_sign),       cmocka_unit_test(test_cast_eip712),
        cmocka_unit_test(test_cast_block_hash),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
