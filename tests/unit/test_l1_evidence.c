/* test_l1_evidence.c — l1/evidence.c: equivocation evidence in the form
 * Committee.submitEvidence takes.
 *
 * The ABI statements round-trip for all four kinds and decode as strictly
 * as the contract (length, canonical uint64 words, known kind);
 * l1_evidence_check names each of the contract's custom errors, in the
 * contract's order (contracts/Committee.sol _conflictingDigests, then
 * SeqdCrypto.recover for sigA before sigB, then the signers); the
 * calldata equals `cast calldata` for the same values; and the digest is
 * the one `cast wallet sign --data` signs for the EIP-712 typed data (the
 * signature cast makes recovers, under our digest, to its key).
 *
 * SEQ_CAST must name a runnable cast binary; without one the cast cases
 * fail (they do not skip). Inputs come from a seeded PRNG (the seed is
 * printed; SEQ_TEST_SEED replays it). */
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
#include <unistd.h>

#include "l1.h"
#include "test_rng.h"

#define L2_CHAIN_ID 901u
#define L1_CHAIN_ID 31337u
#define CMD_MAX     8192u
#define OUT_MAX     8192u
#define JSON_MAX    4096u

static const l1_evidence_kind kinds[] = {L1_EVIDENCE_PROPOSAL, L1_EVIDENCE_VOTE,
                                         L1_EVIDENCE_TIMEOUT, L1_EVIDENCE_ATTESTATION};

/* ------------------------------------------------------------ helpers */

static void key_from_label(uint8_t key[32], seq_addr *addr, const char *label)
{
    seq_hash h;
    l1_keccak256(&h, (const uint8_t *)label, strlen(label));
    memcpy(key, h.b, 32);
    assert_int_equal(l1_secp_seckey_check(key), SEQ_OK);
    assert_int_equal(l1_secp_address(addr, key), SEQ_OK);
}

static void domain_of(seq_hash *out, uint8_t contract_fill)
{
    seq_addr committee;
    memset(committee.b, contract_fill, SEQ_ADDR_BYTES);
    l1_eip712_domain_separator(out, L1_EIP712_NAME, L1_EIP712_VERSION, L1_CHAIN_ID, &committee);
}

/* A uint64 from the edges or at random. */
static uint64_t random_u64(void)
{
    static const uint64_t edges[] = {0, 1, UINT64_MAX, 1ULL << 63, 0xffffffffULL, 0x100000000ULL};
    return rng_below(3) == 0 ? edges[rng_below(SEQ_ARRAY_LEN(edges))] : rng_next();
}

static void random_stmt(l1_statement *s, l1_evidence_kind kind)
{
    memset(s, 0, sizeof *s);
    if (kind == L1_EVIDENCE_TIMEOUT) {
        s->timeout = (l1_timeout_stmt){random_u64(), random_u64(), random_u64()};
    } else if (kind == L1_EVIDENCE_ATTESTATION) {
        l1_attestation_stmt *a = &s->attestation;
        *a = (l1_attestation_stmt){.l2_chain_id = random_u64(),
                                   .index = random_u64(),
                                   .first_height = random_u64(),
                                   .last_height = random_u64(),
                                   .forced_cursor = random_u64()};
        rng_fill(a->prev_batch_hash.b, SEQ_HASH_BYTES);
        rng_fill(a->data_hash.b, SEQ_HASH_BYTES);
    } else {
        s->block = (l1_block_stmt){random_u64(), random_u64(), random_u64(), {{0}}};
        rng_fill(s->block.block_hash.b, SEQ_HASH_BYTES);
    }
}

/* Two conflicting statements of kind for L2_CHAIN_ID at view (index) v. */
static void conflict(l1_evidence *e, l1_evidence_kind kind, uint64_t v)
{
    memset(e, 0, sizeof *e);
    e->kind = kind;
    if (kind == L1_EVIDENCE_TIMEOUT) {
        e->a.timeout = (l1_timeout_stmt){L2_CHAIN_ID, v, v - 2};
        e->b.timeout = (l1_timeout_stmt){L2_CHAIN_ID, v, v - 1};
    } else if (kind == L1_EVIDENCE_ATTESTATION) {
        l1_attestation_stmt t = {.l2_chain_id = L2_CHAIN_ID,
                                 .index = v,
                                 .first_height = 10,
                                 .last_height = 19,
                                 .forced_cursor = 2};
        memset(t.prev_batch_hash.b, 0x77, SEQ_HASH_BYTES);
        memset(t.data_hash.b, 0x31, SEQ_HASH_BYTES);
        e->a.attestation = t;
        memset(t.data_hash.b, 0x32, SEQ_HASH_BYTES);
        e->b.attestation = t;
    } else {
        e->a.block = (l1_block_stmt){L2_CHAIN_ID, v, v - 1, {{0}}};
        e->b.block = e->a.block;
        memset(e->a.block.block_hash.b, 0xa1, SEQ_HASH_BYTES);
        memset(e->b.block.block_hash.b, 0xb2, SEQ_HASH_BYTES);
    }
}

static void sign_stmt(seq_sig *sig, const uint8_t key[32], const seq_hash *domain,
                      l1_evidence_kind kind, const l1_statement *s)
{
    seq_hash d;
    l1_evidence_digest(&d, domain, kind, s);
    assert_int_equal(l1_secp_sign(sig, key, &d), SEQ_OK);
}

static void sign_both(l1_evidence *e, const uint8_t key_a[32], const uint8_t key_b[32],
                      const seq_hash *domain)
{
    sign_stmt(&e->sig_a, key_a, domain, e->kind, &e->a);
    sign_stmt(&e->sig_b, key_b, domain, e->kind, &e->b);
}

/* The contract error l1_evidence_check names for e (NULL on success). */
static const char *check_why(const l1_evidence *e, const seq_hash *domain, seq_addr *signer)
{
    const char *why = "unset";
    seq_err err = l1_evidence_check(e, domain, L2_CHAIN_ID, signer, &why);
    if (err == SEQ_OK) {
        assert_null(why);
        return NULL;
    }
    assert_non_null(why);
    seq_addr zero = {{0}};
    assert_memory_equal(signer->b, zero.b, SEQ_ADDR_BYTES);
    return why;
}

static void expect_why(const l1_evidence *e, const seq_hash *domain, const char *want)
{
    seq_addr signer;
    const char *got = check_why(e, domain, &signer);
    if (got == NULL || strcmp(got, want) != 0)
        fail_msg("l1_evidence_check: %s, want %s", got != NULL ? got : "SEQ_OK", want);
}

/* s := n - s and v flipped: the same signature as its high-s twin. */
static void make_high_s(seq_sig *sig)
{
    static const uint8_t order[32] = {
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xff, 0xff, 0xff, 0xfe, 0xba, 0xae, 0xdc, 0xe6, 0xaf, 0x48,
        0xa0, 0x3b, 0xbf, 0xd2, 0x5e, 0x8c, 0xd0, 0x36, 0x41, 0x41,
    };
    int borrow = 0;
    for (int i = 31; i >= 0; i--) {
        int v = (int)order[i] - (int)sig->b[32 + i] - borrow;
        borrow = v < 0;
        sig->b[32 + i] = (uint8_t)(v + (borrow ? 256 : 0));
    }
    sig->b[64] = sig->b[64] == 27 ? 28 : 27;
}

/* ------------------------------------------------------------------ cast */

static char cmd[CMD_MAX];
static char cast_out[OUT_MAX];

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

/* Runs `cast ARGS` (only hex, digits and JSON made here, inside single
 * quotes) and returns its trimmed stdout. */
__attribute__((format(printf, 1, 2))) static const char *cast_runf(const char *fmt, ...)
{
    char args[CMD_MAX - 256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(args, sizeof args, fmt, ap);
    va_end(ap);
    assert_true(n > 0 && (size_t)n < sizeof args);
    n = snprintf(cmd, sizeof cmd, "'%s' %s 2>&1", cast_path(), args);
    assert_true(n > 0 && (size_t)n < sizeof cmd);
    FILE *p = popen(cmd, "r");
    if (p == NULL)
        fail_msg("cannot run cast");
    size_t len = 0, got;
    while ((got = fread(cast_out + len, 1, sizeof cast_out - 1 - len, p)) > 0)
        len += got;
    int status = pclose(p);
    cast_out[len] = '\0';
    while (len > 0 &&
           (cast_out[len - 1] == '\n' || cast_out[len - 1] == '\r' || cast_out[len - 1] == ' '))
        cast_out[--len] = '\0';
    if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
        fail_msg("cast failed (status %d): %.300s\noutput: %.600s", status, cmd, cast_out);
    return cast_out;
}

static void hex_of(char *dst, size_t dst_len, const uint8_t *b, size_t len)
{
    assert_int_equal(l1_hex_encode(dst, dst_len, b, len), SEQ_OK);
}

/* The EIP-712 typed data of statement s of kind, for cast. */
static void typed_json(char *json, size_t json_len, l1_evidence_kind kind, const l1_statement *s,
                       const seq_addr *committee)
{
    char contract[43], h1[67], h2[67], types[512], message[512];
    l1_addr_checksum(contract, committee);
    const char *primary = kind == L1_EVIDENCE_PROPOSAL  ? "Proposal"
                          : kind == L1_EVIDENCE_VOTE    ? "Vote"
                          : kind == L1_EVIDENCE_TIMEOUT ? "Timeout"
                                                        : "BatchAttestation";
    if (kind == L1_EVIDENCE_TIMEOUT) {
        snprintf(types, sizeof types,
                 "{\"name\":\"l2ChainId\",\"type\":\"uint64\"},{\"name\":\"view\",\"type\":"
                 "\"uint64\"},{\"name\":\"highQcView\",\"type\":\"uint64\"}");
        snprintf(message, sizeof message,
                 "\"l2ChainId\":\"%" PRIu64 "\",\"view\":\"%" PRIu64 "\",\"highQcView\":\"%" PRIu64
                 "\"",
                 s->timeout.l2_chain_id, s->timeout.view, s->timeout.high_qc_view);
    } else if (kind == L1_EVIDENCE_ATTESTATION) {
        const l1_attestation_stmt *a = &s->attestation;
        hex_of(h1, sizeof h1, a->prev_batch_hash.b, SEQ_HASH_BYTES);
        hex_of(h2, sizeof h2, a->data_hash.b, SEQ_HASH_BYTES);
        snprintf(types, sizeof types,
                 "{\"name\":\"l2ChainId\",\"type\":\"uint64\"},{\"name\":\"index\",\"type\":"
                 "\"uint64\"},{\"name\":\"prevBatchHash\",\"type\":\"bytes32\"},{\"name\":"
                 "\"dataHash\",\"type\":\"bytes32\"},{\"name\":\"firstHeight\",\"type\":"
                 "\"uint64\"},{\"name\":\"lastHeight\",\"type\":\"uint64\"},{\"name\":"
                 "\"forcedCursor\",\"type\":\"uint64\"}");
        snprintf(message, sizeof message,
                 "\"l2ChainId\":\"%" PRIu64 "\",\"index\":\"%" PRIu64
                 "\",\"prevBatchHash\":\"%s\",\"dataHash\":\"%s\",\"firstHeight\":\"%" PRIu64
                 "\",\"lastHeight\":\"%" PRIu64 "\",\"forcedCursor\":\"%" PRIu64 "\"",
                 a->l2_chain_id, a->index, h1, h2, a->first_height, a->last_height,
                 a->forced_cursor);
    } else {
        hex_of(h1, sizeof h1, s->block.block_hash.b, SEQ_HASH_BYTES);
        snprintf(types, sizeof types,
                 "{\"name\":\"l2ChainId\",\"type\":\"uint64\"},{\"name\":\"view\",\"type\":"
                 "\"uint64\"},{\"name\":\"height\",\"type\":\"uint64\"},{\"name\":\"blockHash\","
                 "\"type\":\"bytes32\"}");
        snprintf(message, sizeof message,
                 "\"l2ChainId\":\"%" PRIu64 "\",\"view\":\"%" PRIu64 "\",\"height\":\"%" PRIu64
                 "\",\"blockHash\":\"%s\"",
                 s->block.l2_chain_id, s->block.view, s->block.height, h1);
    }
    int n = snprintf(json, json_len,
                     "{\"types\":{\"EIP712Domain\":[{\"name\":\"name\",\"type\":\"string\"},"
                     "{\"name\":\"version\",\"type\":\"string\"},{\"name\":\"chainId\",\"type\":"
                     "\"uint256\"},{\"name\":\"verifyingContract\",\"type\":\"address\"}],"
                     "\"%s\":[%s]},\"primaryType\":\"%s\",\"domain\":{\"name\":\"seqd\","
                     "\"version\":\"1\",\"chainId\":%u,\"verifyingContract\":\"%s\"},"
                     "\"message\":{%s}}",
                     primary, types, primary, L1_CHAIN_ID, contract, message);
    assert_true(n > 0 && (size_t)n < json_len);
}

/* ----------------------------------------------------------- encoding */

/* The statement's words built by hand: big-endian uint64s in the low 8
 * bytes, hashes as they are. */
static size_t hand_encode(uint8_t *w, l1_evidence_kind kind, const l1_statement *s)
{
    uint64_t u[7] = {0};
    const uint8_t *h[7] = {NULL};
    size_t words;
    if (kind == L1_EVIDENCE_TIMEOUT) {
        words = 3;
        u[0] = s->timeout.l2_chain_id, u[1] = s->timeout.view, u[2] = s->timeout.high_qc_view;
    } else if (kind == L1_EVIDENCE_ATTESTATION) {
        const l1_attestation_stmt *a = &s->attestation;
        words = 7;
        u[0] = a->l2_chain_id, u[1] = a->index, h[2] = a->prev_batch_hash.b, h[3] = a->data_hash.b;
        u[4] = a->first_height, u[5] = a->last_height, u[6] = a->forced_cursor;
    } else {
        words = 4;
        u[0] = s->block.l2_chain_id, u[1] = s->block.view, u[2] = s->block.height;
        h[3] = s->block.block_hash.b;
    }
    memset(w, 0, 32 * words);
    for (size_t i = 0; i < words; i++) {
        if (h[i] != NULL)
            memcpy(w + 32 * i, h[i], 32);
        for (int k = 0; k < 8 && h[i] == NULL; k++)
            w[32 * i + 31 - k] = (uint8_t)(u[i] >> (8 * k));
    }
    return 32 * words;
}

static void test_sizes_and_views(void **state)
{
    (void)state;
    assert_int_equal(l1_evidence_stmt_bytes(L1_EVIDENCE_PROPOSAL), 128);
    assert_int_equal(l1_evidence_stmt_bytes(L1_EVIDENCE_VOTE), 128);
    assert_int_equal(l1_evidence_stmt_bytes(L1_EVIDENCE_TIMEOUT), 96);
    assert_int_equal(l1_evidence_stmt_bytes(L1_EVIDENCE_ATTESTATION), 224);
    assert_int_equal(l1_evidence_stmt_bytes((l1_evidence_kind)0), 0);
    assert_int_equal(l1_evidence_stmt_bytes((l1_evidence_kind)5), 0);
    uint8_t buf[L1_EVIDENCE_STMT_BYTES_MAX];
    memset(buf, 0x5a, sizeof buf);
    l1_statement s;
    memset(&s, 0, sizeof s);
    assert_int_equal(l1_evidence_stmt_encode(buf, (l1_evidence_kind)9, &s), 0);
    assert_int_equal(buf[0], 0x5a); /* nothing written */

    l1_evidence e;
    conflict(&e, L1_EVIDENCE_VOTE, 40);
    assert_int_equal(l1_evidence_view(L1_EVIDENCE_VOTE, &e.a), 40);
    conflict(&e, L1_EVIDENCE_TIMEOUT, 41);
    assert_int_equal(l1_evidence_view(L1_EVIDENCE_TIMEOUT, &e.b), 41);
    conflict(&e, L1_EVIDENCE_ATTESTATION, 42);
    assert_int_equal(l1_evidence_view(L1_EVIDENCE_ATTESTATION, &e.a), 42);
}

/* encode(s) is the hand-built ABI and decode(encode(s)) = s, all kinds. */
static void test_round_trip(void **state)
{
    (void)state;
    rng_seed("l1_evidence_round_trip");
    for (int i = 0; i < 400; i++) {
        l1_evidence_kind kind = kinds[i % 4];
        l1_statement s, back;
        random_stmt(&s, kind);
        uint8_t enc[L1_EVIDENCE_STMT_BYTES_MAX], want[L1_EVIDENCE_STMT_BYTES_MAX];
        size_t n = l1_evidence_stmt_encode(enc, kind, &s);
        assert_int_equal(n, l1_evidence_stmt_bytes(kind));
        assert_int_equal(hand_encode(want, kind, &s), n);
        assert_memory_equal(enc, want, n);
        assert_int_equal(l1_evidence_stmt_decode(&back, kind, enc, n), SEQ_OK);
        assert_memory_equal(&back, &s, sizeof s);
    }
}

/* Wrong length, a dirty high byte in any uint64 word, an unknown kind:
 * refused, and the output zeroed. A hash word may hold anything. */
static void test_decode_rejects(void **state)
{
    (void)state;
    rng_seed("l1_evidence_decode_rejects");
    static const l1_statement zero;
    for (size_t k = 0; k < SEQ_ARRAY_LEN(kinds); k++) {
        l1_evidence_kind kind = kinds[k];
        l1_statement s, out;
        random_stmt(&s, kind);
        uint8_t enc[L1_EVIDENCE_STMT_BYTES_MAX + 32] = {0};
        size_t n = l1_evidence_stmt_encode(enc, kind, &s);
        static const size_t lengths[] = {0, 1, 31, 32, 95, 96, 97, 127, 128, 129, 223, 224, 256};
        for (size_t i = 0; i < SEQ_ARRAY_LEN(lengths); i++) {
            if (lengths[i] == n)
                continue;
            memset(&out, 0xee, sizeof out);
            assert_int_equal(l1_evidence_stmt_decode(&out, kind, enc, lengths[i]),
                             SEQ_ERR_MALFORMED);
            assert_memory_equal(&out, &zero, sizeof out);
        }
        /* uint64 words: Proposal/Vote/Timeout 0..2, attestation 0,1,4,5,6
         * (Committee._statement's uintWords masks 0x07 and 0x73). */
        unsigned mask = kind == L1_EVIDENCE_ATTESTATION ? 0x73u : 0x07u;
        for (size_t w = 0; w < n / 32; w++) {
            for (size_t byte = 0; byte < 24; byte += 23) {
                uint8_t dirty[L1_EVIDENCE_STMT_BYTES_MAX];
                memcpy(dirty, enc, n);
                dirty[32 * w + byte] ^= 0x01;
                memset(&out, 0xee, sizeof out);
                seq_err err = l1_evidence_stmt_decode(&out, kind, dirty, n);
                if ((mask >> w & 1u) != 0) {
                    assert_int_equal(err, SEQ_ERR_MALFORMED);
                    assert_memory_equal(&out, &zero, sizeof out);
                } else {
                    assert_int_equal(err, SEQ_OK); /* a bytes32 word */
                }
            }
        }
        memset(&out, 0xee, sizeof out);
        assert_int_equal(l1_evidence_stmt_decode(&out, (l1_evidence_kind)0, enc, n),
                         SEQ_ERR_INVALID_ARG);
        assert_memory_equal(&out, &zero, sizeof out);
        assert_int_equal(l1_evidence_stmt_decode(&out, (l1_evidence_kind)5, enc, n),
                         SEQ_ERR_INVALID_ARG);
        assert_int_equal(l1_evidence_stmt_decode(&out, kind, NULL, 0), SEQ_ERR_MALFORMED);
    }
}

/* --------------------------------------------------------------- check */

/* Valid evidence of every kind is SEQ_OK with the signer; under another
 * domain the same signatures recover to other addresses. */
static void test_check_ok(void **state)
{
    (void)state;
    uint8_t key[32];
    seq_addr addr;
    key_from_label(key, &addr, "test_l1_evidence signer");
    seq_hash domain, other;
    domain_of(&domain, 0x11);
    domain_of(&other, 0x12);
    for (size_t k = 0; k < SEQ_ARRAY_LEN(kinds); k++) {
        l1_evidence e;
        conflict(&e, kinds[k], 7 + k);
        sign_both(&e, key, key, &domain);
        seq_addr signer;
        assert_null(check_why(&e, &domain, &signer));
        assert_memory_equal(signer.b, addr.b, SEQ_ADDR_BYTES);
        const char *why = check_why(&e, &other, &signer);
        assert_non_null(why);
        assert_string_equal(why, "SignerMismatch");
    }
}

/* Each custom error by name, and where two apply, the one the contract
 * reaches first. */
static void test_check_errors_in_order(void **state)
{
    (void)state;
    uint8_t key[32], key2[32];
    seq_addr addr, addr2;
    key_from_label(key, &addr, "test_l1_evidence signer");
    key_from_label(key2, &addr2, "test_l1_evidence other signer");
    seq_hash domain;
    domain_of(&domain, 0x11);
    l1_evidence e;

    /* UnknownKind, before anything else (even a wrong chain). */
    conflict(&e, L1_EVIDENCE_VOTE, 7);
    sign_both(&e, key, key, &domain);
    e.kind = (l1_evidence_kind)0;
    e.a.block.l2_chain_id = 5;
    expect_why(&e, &domain, "UnknownKind");
    e.kind = (l1_evidence_kind)5;
    expect_why(&e, &domain, "UnknownKind");

    /* WrongChainId: a's, b's, and before a view mismatch. */
    conflict(&e, L1_EVIDENCE_VOTE, 7);
    e.a.block.l2_chain_id = L2_CHAIN_ID + 1;
    sign_both(&e, key, key, &domain);
    expect_why(&e, &domain, "WrongChainId");
    conflict(&e, L1_EVIDENCE_TIMEOUT, 7);
    e.b.timeout.l2_chain_id = L2_CHAIN_ID + 1;
    e.b.timeout.view = 8;
    sign_both(&e, key, key, &domain);
    expect_why(&e, &domain, "WrongChainId");
    conflict(&e, L1_EVIDENCE_ATTESTATION, 7);
    e.a.attestation.l2_chain_id = e.b.attestation.l2_chain_id = 0;
    expect_why(&e, &domain, "WrongChainId");

    /* ViewMismatch / IndexMismatch, before the signatures are read. */
    for (size_t k = 0; k < SEQ_ARRAY_LEN(kinds); k++) {
        conflict(&e, kinds[k], 7);
        if (kinds[k] == L1_EVIDENCE_TIMEOUT)
            e.b.timeout.view = 8;
        else if (kinds[k] == L1_EVIDENCE_ATTESTATION)
            e.b.attestation.index = 8;
        else
            e.b.block.view = 8;
        memset(&e.sig_a, 0, sizeof e.sig_a); /* bad, but not reached */
        expect_why(&e, &domain,
                   kinds[k] == L1_EVIDENCE_ATTESTATION ? "IndexMismatch" : "ViewMismatch");
    }

    /* SameContent, before the signatures (here two different signers). */
    for (size_t k = 0; k < SEQ_ARRAY_LEN(kinds); k++) {
        conflict(&e, kinds[k], 7);
        e.b = e.a;
        sign_both(&e, key, key2, &domain);
        expect_why(&e, &domain, "SameContent");
    }

    /* BadSignature: v not 27/28, r = 0, s = 0, r >= n. */
    conflict(&e, L1_EVIDENCE_PROPOSAL, 7);
    sign_both(&e, key, key, &domain);
    l1_evidence good = e;
    e.sig_a.b[64] = 29;
    expect_why(&e, &domain, "BadSignature");
    e = good;
    e.sig_b.b[64] = 0;
    expect_why(&e, &domain, "BadSignature");
    e = good;
    memset(e.sig_a.b, 0, 32);
    expect_why(&e, &domain, "BadSignature");
    e = good;
    memset(e.sig_b.b + 32, 0, 32);
    expect_why(&e, &domain, "BadSignature");
    e = good;
    memset(e.sig_a.b, 0xff, 32); /* r >= n: ecrecover finds nothing */
    expect_why(&e, &domain, "BadSignature");

    /* HighS: the n - s twin of a valid signature (v flipped, so it still
     * recovers the same key); any s above n/2, also s >= n; and on a
     * before a bad b. */
    e = good;
    make_high_s(&e.sig_a);
    expect_why(&e, &domain, "HighS");
    e = good;
    make_high_s(&e.sig_b);
    expect_why(&e, &domain, "HighS");
    e = good;
    memset(e.sig_b.b + 32, 0xff, 32);
    expect_why(&e, &domain, "HighS");
    e = good;
    make_high_s(&e.sig_a);
    e.sig_b.b[64] = 30;
    expect_why(&e, &domain, "HighS");
    e = good;
    e.sig_a.b[64] = 30;
    make_high_s(&e.sig_b);
    expect_why(&e, &domain, "BadSignature");
    /* A high-s signature with a bad v is BadSignature (v is checked first). */
    e = good;
    make_high_s(&e.sig_a);
    e.sig_a.b[64] = 26;
    expect_why(&e, &domain, "BadSignature");

    /* SignerMismatch: two keys; a vote signed as a proposal. */
    for (size_t k = 0; k < SEQ_ARRAY_LEN(kinds); k++) {
        conflict(&e, kinds[k], 7);
        sign_both(&e, key, key2, &domain);
        expect_why(&e, &domain, "SignerMismatch");
    }
    conflict(&e, L1_EVIDENCE_VOTE, 7);
    sign_both(&e, key, key, &domain);
    e.kind = L1_EVIDENCE_PROPOSAL;
    expect_why(&e, &domain, "SignerMismatch");
    e.kind = L1_EVIDENCE_VOTE;
    seq_addr signer;
    assert_null(check_why(&e, &domain, &signer));
    assert_memory_equal(signer.b, addr.b, SEQ_ADDR_BYTES);
    (void)addr2;
}

/* ------------------------------------------------------------ calldata */

static void test_calldata_limits(void **state)
{
    (void)state;
    l1_evidence e;
    conflict(&e, L1_EVIDENCE_ATTESTATION, 3);
    uint8_t buf[L1_EVIDENCE_CALLDATA_BYTES_MAX];
    size_t len = 99;
    assert_int_equal(l1_evidence_calldata(buf, sizeof buf, &len, &e), SEQ_OK);
    assert_int_equal(len, L1_EVIDENCE_CALLDATA_BYTES_MAX); /* the largest kind fills it */
    assert_int_equal(l1_evidence_calldata(buf, sizeof buf - 1, &len, &e), SEQ_ERR_NO_SPACE);
    assert_int_equal(len, 0);
    assert_int_equal(l1_evidence_calldata(NULL, 0, &len, &e), SEQ_ERR_NO_SPACE);
    conflict(&e, L1_EVIDENCE_TIMEOUT, 3);
    assert_int_equal(l1_evidence_calldata(buf, sizeof buf, &len, &e), SEQ_OK);
    assert_int_equal(len, 4 + 5 * 32 + 2 * (32 + 96) + 2 * (32 + 96));
    e.kind = (l1_evidence_kind)0;
    len = 99;
    assert_int_equal(l1_evidence_calldata(buf, sizeof buf, &len, &e), SEQ_ERR_INVALID_ARG);
    assert_int_equal(len, 0);
    uint8_t selector[4];
    l1_abi_selector(selector, "submitEvidence(uint8,bytes,bytes,bytes,bytes)");
    conflict(&e, L1_EVIDENCE_VOTE, 3);
    assert_int_equal(l1_evidence_calldata(buf, sizeof buf, &len, &e), SEQ_OK);
    assert_memory_equal(buf, selector, 4);
}

/* The calldata equals `cast calldata` byte for byte, every kind, random
 * statements and signatures (any 65 bytes: the encoder does not judge). */
static void test_calldata_cast(void **state)
{
    (void)state;
    rng_seed("l1_evidence_calldata_cast");
    for (int i = 0; i < 16; i++) {
        l1_evidence e;
        e.kind = kinds[i % 4];
        random_stmt(&e.a, e.kind);
        random_stmt(&e.b, e.kind);
        rng_fill(e.sig_a.b, SEQ_SIG_BYTES);
        rng_fill(e.sig_b.b, SEQ_SIG_BYTES);
        uint8_t call[L1_EVIDENCE_CALLDATA_BYTES_MAX], a[L1_EVIDENCE_STMT_BYTES_MAX],
            b[L1_EVIDENCE_STMT_BYTES_MAX];
        size_t len = 0;
        assert_int_equal(l1_evidence_calldata(call, sizeof call, &len, &e), SEQ_OK);
        size_t n = l1_evidence_stmt_encode(a, e.kind, &e.a);
        l1_evidence_stmt_encode(b, e.kind, &e.b);
        char ah[2 * 224 + 3], bh[2 * 224 + 3], sa[2 * 65 + 3], sb[2 * 65 + 3];
        char ours[2 * L1_EVIDENCE_CALLDATA_BYTES_MAX + 3];
        hex_of(ah, sizeof ah, a, n);
        hex_of(bh, sizeof bh, b, n);
        hex_of(sa, sizeof sa, e.sig_a.b, SEQ_SIG_BYTES);
        hex_of(sb, sizeof sb, e.sig_b.b, SEQ_SIG_BYTES);
        hex_of(ours, sizeof ours, call, len);
        const char *theirs =
            cast_runf("calldata '" L1_EVIDENCE_SUBMIT_SIGNATURE "' %u '%s' '%s' '%s' '%s'",
                      (unsigned)e.kind, ah, sa, bh, sb);
        if (strcmp(ours, theirs) != 0)
            fail_msg("calldata differs (kind %u)\n ours: %s\ncast: %s", (unsigned)e.kind, ours,
                     theirs);
    }
}

/* The digest is what cast signs for the typed data: cast's signature of
 * each kind recovers, under l1_evidence_digest, to cast's key, and a pair
 * signed by cast passes l1_evidence_check with that signer. */
static void test_digest_cast(void **state)
{
    (void)state;
    rng_seed("l1_evidence_digest_cast");
    uint8_t key[32];
    seq_addr addr;
    key_from_label(key, &addr, "test_l1_evidence cast signer");
    char key_hex[67];
    hex_of(key_hex, sizeof key_hex, key, 32);
    seq_addr committee;
    rng_fill(committee.b, SEQ_ADDR_BYTES);
    seq_hash domain;
    l1_eip712_domain_separator(&domain, L1_EIP712_NAME, L1_EIP712_VERSION, L1_CHAIN_ID, &committee);
    static char json[JSON_MAX];
    for (int i = 0; i < 12; i++) {
        l1_evidence e;
        l1_evidence_kind kind = kinds[i % 4];
        if (i < 4) {
            conflict(&e, kind, 1000 + (uint64_t)i);
        } else { /* random fields, the edges of uint64 among them */
            e.kind = kind;
            random_stmt(&e.a, kind);
            random_stmt(&e.b, kind);
        }
        seq_sig *sigs[2] = {&e.sig_a, &e.sig_b};
        const l1_statement *stmts[2] = {&e.a, &e.b};
        for (int j = 0; j < 2; j++) {
            typed_json(json, sizeof json, kind, stmts[j], &committee);
            const char *theirs =
                cast_runf("wallet sign --private-key '%s' --data '%s'", key_hex, json);
            assert_int_equal(l1_hex_decode_exact(sigs[j]->b, SEQ_SIG_BYTES, theirs), SEQ_OK);
            seq_hash digest;
            seq_addr got;
            l1_evidence_digest(&digest, &domain, kind, stmts[j]);
            assert_int_equal(l1_secp_recover(&got, sigs[j], &digest), SEQ_OK);
            if (!seq_addr_equal(&got, &addr))
                fail_msg("kind %u: cast's signature does not recover to its key under our "
                         "digest\n%s",
                         (unsigned)kind, json);
        }
        if (i < 4) {
            seq_addr signer;
            assert_null(check_why(&e, &domain, &signer));
            assert_memory_equal(signer.b, addr.b, SEQ_ADDR_BYTES);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sizes_and_views),       cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_decode_rejects),        cmocka_unit_test(test_check_ok),
        cmocka_unit_test(test_check_errors_in_order), cmocka_unit_test(test_calldata_limits),
        cmocka_unit_test(test_calldata_cast),         cmocka_unit_test(test_digest_cast),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
