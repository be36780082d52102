/* test_contracts.c — the L1 contracts (Committee, Inbox) on a private anvil.
 *
 * The group setup starts anvil on a random free 127.0.0.1 port, funds a
 * handful of deterministic test keys, deploys the contracts compiled into
 * $SEQ_CONTRACTS with `cast send --create` and takes an evm_snapshot; every
 * case starts from that snapshot. Statements and batches are signed with the
 * C primitives of l1/ (EIP-712 digests + libsecp256k1), so every accepted
 * batch or evidence also proves that the C digests equal Solidity's. One
 * evidence case is signed by `cast wallet sign --data` instead, an
 * independent EIP-712 implementation.
 *
 * Expected rejections are checked with `cast call --block pending` (the
 * environment the next transaction would see) and matched on the custom
 * error selector, and on its arguments where they matter. Gas figures are
 * printed as `gas ...` lines. anvil is stopped by PID in the group teardown
 * and by an atexit handler; PR_SET_PDEATHSIG kills it if this process dies. */
/* cmocka needs these headers before its own, in this order. */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "anvil.h"
#include "l1.h"

/* ------------------------------------------------------------ parameters */

#define L2_CHAIN_ID      901u
#define EPOCH_BLOCKS     20u
#define EVIDENCE_WINDOW  30u
#define UNBONDING_DELAY  40u
#define INCLUSION_WINDOW 32u
#define FORCE_GRACE      8u
#define FORCED_TX_MAX    4096u
#define ETHER            1000000000000000000ull
#define MIN_BOND_WEI     ETHER
#define BOND_WEI         (2 * ETHER)
#define FUND_WEI         (15 * ETHER)
#define FORCE_FEE_WEI    10000000000000000ull /* 0.01 ether */

#define VALIDATORS     10
#define BATCH_DATA_MAX 1024
#define GAS_DATA_BYTES 1024

#define OUT_MAX  (1u << 18)
#define ARGS_MAX 40
#define SIGS_MAX 12
#define HASH_HEX 67 /* "0x" + 64 + NUL */
#define ADDR_HEX 43
#define SIGS_HEX (2 * SEQ_SIG_BYTES * SIGS_MAX + 3)

#define POST_SIG \
    "postBatch((uint64,uint64,bytes32,bytes32,uint64,uint64,uint64,bytes32),bytes,bytes)"
#define EVIDENCE_SIG "submitEvidence(uint8,bytes,bytes,bytes,bytes)"
#define DEAD_ADDR    "0x000000000000000000000000000000000000dEaD"

enum { KIND_PROPOSAL = 1, KIND_VOTE = 2, KIND_TIMEOUT = 3, KIND_ATTESTATION = 4 };
enum { STATUS_NONE = 0, STATUS_ACTIVE = 1, STATUS_UNBONDING = 2, STATUS_SLASHED = 3 };

/* --------------------------------------------------------------- fixture */

typedef struct {
    uint8_t seckey[32];
    seq_addr addr;
    char addr_hex[ADDR_HEX];
    char key_hex[HASH_HEX];
} test_key;

typedef struct {
    char committee[ADDR_HEX];
    char inbox[ADDR_HEX];
    seq_hash domain;
    size_t members; /* the committee is val[0..members) */
} deployment;

static struct {
    const char *cast;
    const char *anvil;
    const char *artifacts;
    test_anvil node;
    uint64_t chain_id;
    char *committee_bin;
    char *inbox_bin;
    test_key val[VALIDATORS]; /* sorted by ascending address */
    test_key deployer, reporter, outsider, newcomer;
    deployment d1, d4, dw, d7, d10;
    char snapshot[32];
} fx;

/* stdout and stderr of the last command, NUL-terminated */
static char g_out[OUT_MAX];
static char g_err[OUT_MAX];

/* -------------------------------------------------------------- processes */

typedef struct {
    const char *v[ARGS_MAX + 1];
    size_t n;
} argv_list;

static void args_add(argv_list *a, const char *s)
{
    assert_true(a->n < ARGS_MAX);
    a->v[a->n++] = s;
    a->v[a->n] = NULL;
}

static void args_add_all(argv_list *a, const char *const *params)
{
    for (size_t i = 0; params != NULL && params[i] != NULL; i++)
        args_add(a, params[i]);
}

static void trim(char *s, size_t len)
{
    while (len > 0 && (s[len - 1] == '\n' || s[len - 1] == '\r' || s[len - 1] == ' '))
        s[--len] = '\0';
}

/* Reads both pipes until EOF into g_out / g_err (truncated at OUT_MAX). */
static void drain(int fd_out, int fd_err)
{
    struct pollfd p[2] = {{.fd = fd_out, .events = POLLIN}, {.fd = fd_err, .events = POLLIN}};
    char *bufs[2] = {g_out, g_err};
    size_t lens[2] = {0, 0};
    int open_count = 2;
    while (open_count > 0) {
        if (poll(p, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        for (int i = 0; i < 2; i++) {
            if (p[i].fd < 0 || p[i].revents == 0)
                continue;
            char tmp[4096];
            ssize_t got = read(p[i].fd, tmp, sizeof(tmp));
            if (got <= 0) {
                close(p[i].fd);
                p[i].fd = -1;
                open_count--;
                continue;
            }
            size_t room = OUT_MAX - 1 - lens[i];
            size_t take = SEQ_MIN((size_t)got, room);
            memcpy(bufs[i] + lens[i], tmp, take);
            lens[i] += take;
        }
    }
    for (int i = 0; i < 2; i++) {
        if (p[i].fd >= 0)
            close(p[i].fd);
        bufs[i][lens[i]] = '\0';
        trim(bufs[i], lens[i]);
    }
}

/* Runs argv (argv[0] is a path), capturing stdout and stderr. Returns the
 * exit status, or -1 if the process could not run or was killed. */
static int run_process(const char *const argv[])
{
    int out_pipe[2], err_pipe[2];
    g_out[0] = g_err[0] = '\0';
    if (pipe(out_pipe) != 0)
        return -1;
    if (pipe(err_pipe) != 0) {
        close(out_pipe[0]);
        close(out_pipe[1]);
        return -1;
    }
    pid_t pid = fork();
    if (pid == 0) {
        dup2(out_pipe[1], STDOUT_FILENO);
        dup2(err_pipe[1], STDERR_FILENO);
        close(out_pipe[0]);
        close(out_pipe[1]);
        close(err_pipe[0]);
        close(err_pipe[1]);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    close(out_pipe[1]);
    close(err_pipe[1]);
    if (pid < 0) {
        close(out_pipe[0]);
        close(err_pipe[0]);
        return -1;
    }
    drain(out_pipe[0], err_pipe[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR)
            return -1;
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* ------------------------------------------------------------------ anvil */

static void anvil_stop(void)
{
    test_anvil_stop(&fx.node);
}

/* ------------------------------------------------------------------- cast */

static void cast_begin(argv_list *a, const char *sub, bool rpc)
{
    a->n = 0;
    args_add(a, fx.cast);
    args_add(a, sub);
    if (rpc) {
        args_add(a, "--rpc-url");
        args_add(a, fx.node.url);
    }
}

static const char *cast_ok(argv_list *a)
{
    int rc = run_process(a->v);
    if (rc != 0)
        fail_msg("cast %s failed (%d):\n%s\n%s", a->v[1], rc, g_out, g_err);
    return g_out;
}

static void rpc_call(const char *method, const char *p1, const char *p2)
{
    argv_list a;
    cast_begin(&a, "rpc", true);
    args_add(&a, method);
    if (p1 != NULL)
        args_add(&a, p1);
    if (p2 != NULL)
        args_add(&a, p2);
    cast_ok(&a);
}

static uint64_t parse_u64(const char *s)
{
    errno = 0;
    char *end = NULL;
    unsigned long long v = strtoull(s, &end, 0);
    if (errno != 0 || end == s)
        fail_msg("not a number: '%s'", s);
    return (uint64_t)v;
}

static uint64_t block_number(void)
{
    argv_list a;
    cast_begin(&a, "block-number", true);
    return parse_u64(cast_ok(&a));
}

static void mine(uint64_t blocks)
{
    if (blocks == 0)
        return;
    char n[24];
    snprintf(n, sizeof(n), "0x%" PRIx64, blocks);
    rpc_call("anvil_mine", n, NULL);
}

/* Mines until the latest block is `head`. */
static void mine_to(uint64_t head)
{
    uint64_t now = block_number();
    assert_true(now <= head);
    mine(head - now);
    assert_int_equal(block_number(), head);
}

static uint64_t balance_of(const char *addr)
{
    argv_list a;
    cast_begin(&a, "balance", true);
    args_add(&a, addr);
    return parse_u64(cast_ok(&a));
}

/* A view at the latest block; returns the output lines. */
static const char *view(const char *to, const char *sig, const char *const *params)
{
    argv_list a;
    cast_begin(&a, "call", true);
    args_add(&a, to);
    args_add(&a, sig);
    args_add_all(&a, params);
    return cast_ok(&a);
}

/* The n-th line (0-based) of s, copied into out. */
static void nth_line(char *out, size_t out_len, const char *s, int n)
{
    for (int i = 0; i < n; i++) {
        const char *nl = strchr(s, '\n');
        if (nl == NULL)
            fail_msg("output has no line %d", n);
        s = nl + 1;
    }
    size_t len = strcspn(s, "\n");
    if (len >= out_len)
        fail_msg("line %d too long", n);
    memcpy(out, s, len);
    out[len] = '\0';
}

static uint64_t line_u64(const char *s, int n)
{
    char line[128];
    nth_line(line, sizeof(line), s, n);
    return parse_u64(line);
}

static void line_hash(seq_hash *out, const char *s, int n)
{
    char line[128];
    nth_line(line, sizeof(line), s, n);
    assert_int_equal(l1_hex_decode_exact(out->b, sizeof(out->b), line), SEQ_OK);
}

static uint64_t view_u64(const char *to, const char *sig, const char *const *params)
{
    return line_u64(view(to, sig, params), 0);
}

/* --------------------------------------------------------------- receipts */

typedef struct {
    json_t *json;
    uint64_t gas_used;
    uint64_t gas_price;
    uint64_t block;
} receipt;

static uint64_t json_hex_u64(json_t *obj, const char *key)
{
    const char *s = json_string_value(json_object_get(obj, key));
    if (s == NULL)
        fail_msg("receipt has no %s", key);
    return parse_u64(s);
}

static void receipt_parse(receipt *r, const char *out)
{
    json_error_t err;
    r->json = json_loads(out, 0, &err);
    if (r->json == NULL)
        fail_msg("receipt is not JSON (%s): %s", err.text, out);
    if (json_hex_u64(r->json, "status") != 1)
        fail_msg("transaction failed: %s", out);
    r->gas_used = json_hex_u64(r->json, "gasUsed");
    r->gas_price = json_hex_u64(r->json, "effectiveGasPrice");
    r->block = json_hex_u64(r->json, "blockNumber");
}

static void receipt_free(receipt *r)
{
    json_decref(r->json);
    r->json = NULL;
}

static void topic_of(char out[HASH_HEX], const char *event_sig)
{
    seq_hash h;
    l1_keccak256(&h, (const uint8_t *)event_sig, strlen(event_sig));
    assert_int_equal(l1_hex_encode(out, HASH_HEX, h.b, sizeof(h.b)), SEQ_OK);
}

/* The first log of `event_sig`; fails if there is none. */
static json_t *receipt_log(const receipt *r, const char *event_sig)
{
    char topic[HASH_HEX];
    topic_of(topic, event_sig);
    json_t *logs = json_object_get(r->json, "logs");
    size_t i;
    json_t *log;
    json_array_foreach(logs, i, log)
    {
        const char *t0 = json_string_value(json_array_get(json_object_get(log, "topics"), 0));
        if (t0 != NULL && strcmp(t0, topic) == 0)
            return log;
    }
    fail_msg("no %s log in receipt", event_sig);
    return NULL;
}

static void log_topic(seq_hash *out, json_t *log, size_t i)
{
    const char *t = json_string_value(json_array_get(json_object_get(log, "topics"), i));
    assert_non_null(t);
    assert_int_equal(l1_hex_decode_exact(out->b, sizeof(out->b), t), SEQ_OK);
}

/* Decodes a log's data into out; returns its length. */
static size_t log_data(uint8_t *out, size_t cap, json_t *log)
{
    const char *d = json_string_value(json_object_get(log, "data"));
    assert_non_null(d);
    size_t written = 0;
    assert_int_equal(l1_hex_decode(out, cap, &written, d, strlen(d)), SEQ_OK);
    return written;
}

static uint64_t word_u64(const uint8_t *word)
{
    uint64_t v = 0;
    for (int i = 24; i < 32; i++)
        v = (v << 8) | word[i];
    return v;
}

/* --------------------------------------------------------- transactions */

/* Sends a transaction from `from` and returns its receipt (status 1). */
static void send_tx(receipt *r, const test_key *from, const char *value_wei, const char *to,
                    const char *sig, const char *const *params)
{
    argv_list a;
    cast_begin(&a, "send", true);
    args_add(&a, "--private-key");
    args_add(&a, from->key_hex);
    args_add(&a, "--json");
    if (value_wei != NULL) {
        args_add(&a, "--value");
        args_add(&a, value_wei);
    }
    args_add(&a, to);
    args_add(&a, sig);
    args_add_all(&a, params);
    receipt_parse(r, cast_ok(&a));
}

static uint64_t send_gas(const test_key *from, const char *value_wei, const char *to,
                         const char *sig, const char *const *params)
{
    receipt r;
    send_tx(&r, from, value_wei, to, sig, params);
    uint64_t gas = r.gas_used;
    receipt_free(&r);
    return gas;
}

/* Simulates the call in the next block's environment; returns cast's exit
 * status with its output in g_out / g_err. */
static int call_pending(const test_key *from, const char *value_wei, const char *to,
                        const char *sig, const char *const *params)
{
    argv_list a;
    cast_begin(&a, "call", true);
    args_add(&a, "--block");
    args_add(&a, "pending");
    args_add(&a, "--from");
    args_add(&a, from->addr_hex);
    if (value_wei != NULL) {
        args_add(&a, "--value");
        args_add(&a, value_wei);
    }
    if (to == NULL) {
        args_add(&a, "--create");
        args_add(&a, sig);
    } else {
        args_add(&a, to);
        args_add(&a, sig);
    }
    args_add_all(&a, params);
    return run_process(a.v);
}

/* Fails unless the last call reverted with error_sig and, when args_hex is
 * given, exactly these ABI-encoded arguments (lowercase hex, no 0x). */
static void assert_revert(int rc, const char *error_sig, const char *args_hex)
{
    seq_hash h;
    l1_keccak256(&h, (const uint8_t *)error_sig, strlen(error_sig));
    char sel[11];
    assert_int_equal(l1_hex_encode(sel, sizeof(sel), h.b, 4), SEQ_OK);
    char needle[1100];
    snprintf(needle, sizeof(needle), "data: \"%s%s\"", sel, args_hex != NULL ? args_hex : "");
    if (args_hex == NULL)
        needle[strlen(needle) - 1] = '\0'; /* selector prefix only */
    if (rc == 0)
        fail_msg("expected revert %s, but the call succeeded: %s", error_sig, g_out);
    if (strstr(g_err, needle) == NULL && strstr(g_out, needle) == NULL)
        fail_msg("expected revert %s (%s), got:\n%s\n%s", error_sig, needle, g_out, g_err);
}

static void call_reverts(const test_key *from, const char *value_wei, const char *to,
                         const char *sig, const char *const *params, const char *error_sig,
                         const char *args_hex)
{
    assert_revert(call_pending(from, value_wei, to, sig, params), error_sig, args_hex);
}

static void call_succeeds(const test_key *from, const char *to, const char *sig,
                          const char *const *params)
{
    int rc = call_pending(from, NULL, to, sig, params);
    if (rc != 0)
        fail_msg("expected success of %s, got:\n%s\n%s", sig, g_out, g_err);
}

/* ABI words as lowercase hex (64 chars + NUL), for expected error args. */
static void hex_word_u64(char out[65], uint64_t v)
{
    uint8_t w[32];
    l1_abi_u64(w, v);
    char tmp[67];
    assert_int_equal(l1_hex_encode(tmp, sizeof(tmp), w, 32), SEQ_OK);
    memcpy(out, tmp + 2, 65);
}

static void hex_word_addr(char out[65], const seq_addr *addr)
{
    uint8_t w[32];
    l1_abi_addr(w, addr);
    char tmp[67];
    assert_int_equal(l1_hex_encode(tmp, sizeof(tmp), w, 32), SEQ_OK);
    memcpy(out, tmp + 2, 65);
}

static void hex_hash(char out[HASH_HEX], const seq_hash *h)
{
    assert_int_equal(l1_hex_encode(out, HASH_HEX, h->b, sizeof(h->b)), SEQ_OK);
}

static void u64_str(char out[24], uint64_t v)
{
    snprintf(out, 24, "%" PRIu64, v);
}

/* ------------------------------------------------------------------- keys */

static void key_init(test_key *k, const char *label)
{
    seq_hash h;
    l1_keccak256(&h, (const uint8_t *)label, strlen(label));
    memcpy(k->seckey, h.b, 32);
    assert_int_equal(l1_secp_address(&k->addr, k->seckey), SEQ_OK);
    l1_addr_checksum(k->addr_hex, &k->addr);
    assert_int_equal(l1_hex_encode(k->key_hex, sizeof(k->key_hex), k->seckey, 32), SEQ_OK);
}

static int key_compare(const void *a, const void *b)
{
    return seq_addr_compare(&((const test_key *)a)->addr, &((const test_key *)b)->addr);
}

/* Orders keys[0..n) by ascending address (insertion sort, n is tiny). */
static void sort_keys(const test_key **keys, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        for (size_t j = i; j > 0 && seq_addr_compare(&keys[j - 1]->addr, &keys[j]->addr) > 0; j--) {
            const test_key *t = keys[j];
            keys[j] = keys[j - 1];
            keys[j - 1] = t;
        }
    }
}

static void fund(const test_key *k)
{
    char wei[24];
    snprintf(wei, sizeof(wei), "0x%llx", (unsigned long long)FUND_WEI);
    rpc_call("anvil_setBalance", k->addr_hex, wei);
}

/* ------------------------------------------------------------- deployment */

static char *read_artifact(const char *name)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/%s", fx.artifacts, name);
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    char *buf = malloc(OUT_MAX);
    size_t len = buf != NULL ? fread(buf, 1, OUT_MAX - 1, f) : 0;
    fclose(f);
    if (buf == NULL || len == 0 || len == OUT_MAX - 1) {
        free(buf);
        return NULL;
    }
    buf[len] = '\0';
    trim(buf, len);
    return buf;
}

/* `cast send --create bin||args` from the deployer; returns the address. */
static void deploy(char out[ADDR_HEX], const char *bin, const char *args_hex)
{
    size_t len = 2 + strlen(bin) + strlen(args_hex) + 1;
    char *code = malloc(len);
    assert_non_null(code);
    snprintf(code, len, "0x%s%s", bin, args_hex + 2);
    argv_list a;
    cast_begin(&a, "send", true);
    args_add(&a, "--private-key");
    args_add(&a, fx.deployer.key_hex);
    args_add(&a, "--json");
    args_add(&a, "--create");
    args_add(&a, code);
    receipt r;
    receipt_parse(&r, cast_ok(&a));
    free(code);
    const char *addr = json_string_value(json_object_get(r.json, "contractAddress"));
    assert_non_null(addr);
    seq_addr parsed;
    assert_int_equal(l1_hex_decode_exact(parsed.b, sizeof(parsed.b), addr), SEQ_OK);
    l1_addr_checksum(out, &parsed);
    receipt_free(&r);
}

/* ABI-encodes the Committee constructor arguments into out ("0x..."). */
static void committee_args(char *out, size_t out_len, size_t members, const uint64_t *weights,
                           uint64_t evidence_window, uint64_t unbonding_delay)
{
    char list[VALIDATORS * 44 + 4] = "[", wlist[VALIDATORS * 12 + 4] = "[";
    for (size_t i = 0; i < members; i++) {
        char w[16];
        snprintf(w, sizeof(w), "%s%" PRIu64, i ? "," : "", weights ? weights[i] : 1);
        strcat(list, i ? "," : "");
        strcat(list, fx.val[i].addr_hex);
        strcat(wlist, w);
    }
    strcat(list, "]");
    strcat(wlist, "]");
    char chain[24], epoch[24], window[24], delay[24], bond[24];
    u64_str(chain, L2_CHAIN_ID);
    u64_str(epoch, EPOCH_BLOCKS);
    u64_str(window, evidence_window);
    u64_str(delay, unbonding_delay);
    u64_str(bond, MIN_BOND_WEI);
    argv_list a;
    cast_begin(&a, "abi-encode", false);
    args_add(&a, "f(uint64,uint64,uint64,uint64,uint256,address[],uint64[])");
    const char *p[] = {chain, epoch, window, delay, bond, list, wlist, NULL};
    args_add_all(&a, p);
    const char *enc = cast_ok(&a);
    assert_true(strlen(enc) < out_len);
    strcpy(out, enc);
}

static void deploy_pair(deployment *d, size_t members, const uint64_t *weights)
{
    static char args[8192];
    d->members = members;
    committee_args(args, sizeof(args), members, weights, EVIDENCE_WINDOW, UNBONDING_DELAY);
    deploy(d->committee, fx.committee_bin, args);
    seq_addr committee;
    assert_int_equal(l1_hex_decode_exact(committee.b, sizeof(committee.b), d->committee), SEQ_OK);
    l1_eip712_domain_separator(&d->domain, L1_EIP712_NAME, L1_EIP712_VERSION, fx.chain_id,
                               &committee);

    char window[24], grace[24], fee[24], cap[24];
    u64_str(window, INCLUSION_WINDOW);
    u64_str(grace, FORCE_GRACE);
    u64_str(fee, FORCE_FEE_WEI);
    u64_str(cap, FORCED_TX_MAX);
    argv_list a;
    cast_begin(&a, "abi-encode", false);
    args_add(&a, "f(address,uint64,uint64,uint256,uint256)");
    const char *p[] = {d->committee, window, grace, fee, cap, NULL};
    args_add_all(&a, p);
    snprintf(args, sizeof(args), "%s", cast_ok(&a));
    deploy(d->inbox, fx.inbox_bin, args);
}

static void bond_from(const test_key *k, const deployment *d, uint64_t wei)
{
    char value[24];
    u64_str(value, wei);
    receipt r;
    send_tx(&r, k, value, d->committee, "bond()", NULL);
    receipt_free(&r);
}

/* ---------------------------------------------------------------- batches */

typedef struct {
    l1_attestation_stmt att;
    seq_hash forced_acc;
    uint8_t data[BATCH_DATA_MAX];
    size_t data_len;
} batch;

/* Batch `index` over heights first..last with data_len deterministic bytes,
 * no forced entries consumed. */
static void batch_make(batch *b, uint64_t index, const seq_hash *prev, uint64_t first,
                       uint64_t last, size_t data_len)
{
    assert_true(data_len <= BATCH_DATA_MAX);
    memset(b, 0, sizeof(*b));
    b->att.l2_chain_id = L2_CHAIN_ID;
    b->att.index = index;
    if (prev != NULL)
        b->att.prev_batch_hash = *prev;
    b->att.first_height = first;
    b->att.last_height = last;
    b->data_len = data_len;
    for (size_t i = 0; i < data_len; i++)
        b->data[i] = (uint8_t)(1 + (index * 31 + i * 7) % 251);
    l1_keccak256(&b->att.data_hash, b->data, b->data_len);
}

static void batch_hash(seq_hash *out, const batch *b)
{
    l1_eip712_attestation_hash(out, &b->att);
}

static void sign(seq_sig *sig, const test_key *k, const seq_hash *digest)
{
    assert_int_equal(l1_secp_sign(sig, k->seckey, digest), SEQ_OK);
}

/* Signs b for deployment d with keys[0..n). */
static void batch_sign(seq_sig *sigs, const batch *b, const deployment *d,
                       const test_key *const *keys, size_t n)
{
    seq_hash h, digest;
    batch_hash(&h, b);
    l1_eip712_digest(&digest, &d->domain, &h);
    for (size_t i = 0; i < n; i++)
        sign(&sigs[i], keys[i], &digest);
}

/* Signatures of validators val[first..first+n) (ascending addresses). */
static void batch_sign_range(seq_sig *sigs, const batch *b, const deployment *d, size_t first,
                             size_t n)
{
    const test_key *keys[SIGS_MAX];
    assert_true(n <= SIGS_MAX);
    for (size_t i = 0; i < n; i++)
        keys[i] = &fx.val[first + i];
    batch_sign(sigs, b, d, keys, n);
}

typedef struct {
    char header[640];
    char data[2 * BATCH_DATA_MAX + 3];
    char sigs[SIGS_HEX];
    const char *params[4];
} post_params;

static void sigs_hex(char *out, size_t out_len, const seq_sig *sigs, size_t n)
{
    uint8_t raw[SEQ_SIG_BYTES * SIGS_MAX];
    assert_true(n <= SIGS_MAX);
    for (size_t i = 0; i < n; i++)
        memcpy(raw + i * SEQ_SIG_BYTES, sigs[i].b, SEQ_SIG_BYTES);
    assert_int_equal(l1_hex_encode(out, out_len, raw, n * SEQ_SIG_BYTES), SEQ_OK);
}

static void post_params_fill(post_params *p, const batch *b, const seq_sig *sigs, size_t n)
{
    char prev[HASH_HEX], data_hash[HASH_HEX], acc[HASH_HEX];
    hex_hash(prev, &b->att.prev_batch_hash);
    hex_hash(data_hash, &b->att.data_hash);
    hex_hash(acc, &b->forced_acc);
    snprintf(p->header, sizeof(p->header),
             "(%" PRIu64 ",%" PRIu64 ",%s,%s,%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%s)",
             b->att.l2_chain_id, b->att.index, prev, data_hash, b->att.first_height,
             b->att.last_height, b->att.forced_cursor, acc);
    assert_int_equal(l1_hex_encode(p->data, sizeof(p->data), b->data, b->data_len), SEQ_OK);
    sigs_hex(p->sigs, sizeof(p->sigs), sigs, n);
    p->params[0] = p->header;
    p->params[1] = p->data;
    p->params[2] = p->sigs;
    p->params[3] = NULL;
}

static uint64_t batch_post(const deployment *d, const batch *b, const seq_sig *sigs, size_t n)
{
    static post_params p;
    post_params_fill(&p, b, sigs, n);
    return send_gas(&fx.deployer, NULL, d->inbox, POST_SIG, p.params);
}

/* Signs with the first `signers` members and posts; returns gasUsed. */
static uint64_t batch_post_by(const deployment *d, const batch *b, size_t signers)
{
    seq_sig sigs[SIGS_MAX];
    batch_sign_range(sigs, b, d, 0, signers);
    return batch_post(d, b, sigs, signers);
}

static void batch_reject(const deployment *d, const batch *b, const seq_sig *sigs, size_t n,
                         const char *error_sig, const char *args_hex)
{
    static post_params p;
    post_params_fill(&p, b, sigs, n);
    call_reverts(&fx.deployer, NULL, d->inbox, POST_SIG, p.params, error_sig, args_hex);
}

static void batch_accepts_pending(const deployment *d, const batch *b, size_t signers)
{
    static post_params p;
    seq_sig sigs[SIGS_MAX];
    batch_sign_range(sigs, b, d, 0, signers);
    post_params_fill(&p, b, sigs, signers);
    call_succeeds(&fx.deployer, d->inbox, POST_SIG, p.params);
}

typedef struct {
    uint64_t next_index;
    seq_hash last_hash;
    uint64_t consumed;
    uint64_t count;
    uint64_t next_height;
} inbox_state;

static void inbox_status(inbox_state *s, const deployment *d)
{
    const char *out = view(d->inbox, "status()(uint64,bytes32,uint64,uint64,uint64)", NULL);
    s->next_index = line_u64(out, 0);
    line_hash(&s->last_hash, out, 1);
    s->consumed = line_u64(out, 2);
    s->count = line_u64(out, 3);
    s->next_height = line_u64(out, 4);
}

static void assert_hash_equal(const seq_hash *got, const seq_hash *want)
{
    if (!seq_hash_equal(got, want)) {
        char g[HASH_HEX], w[HASH_HEX];
        hex_hash(g, got);
        hex_hash(w, want);
        fail_msg("hash mismatch: got %s want %s", g, w);
    }
}

/* ------------------------------------------------------------- validators */

typedef struct {
    uint64_t status, weight, weight_next, bond, withdrawable_at;
} validator_info;

static void info_of(validator_info *v, const deployment *d, const test_key *k)
{
    const char *p[] = {k->addr_hex, NULL};
    const char *out =
        view(d->committee, "validatorInfo(address)(uint8,uint64,uint64,uint256,uint64)", p);
    v->status = line_u64(out, 0);
    v->weight = line_u64(out, 1);
    v->weight_next = line_u64(out, 2);
    v->bond = line_u64(out, 3);
    v->withdrawable_at = line_u64(out, 4);
}

static bool is_member(const deployment *d, const test_key *k)
{
    const char *p[] = {k->addr_hex, NULL};
    const char *out = view(d->committee, "isMember(address)(bool)", p);
    return strcmp(out, "true") == 0;
}

static uint64_t current_epoch(const deployment *d)
{
    return view_u64(d->committee, "currentEpoch()(uint64)", NULL);
}

static uint64_t epoch_start(const deployment *d, uint64_t epoch)
{
    char e[24];
    u64_str(e, epoch);
    const char *p[] = {e, NULL};
    return view_u64(d->committee, "epochStartBlock(uint64)(uint256)", p);
}

static uint64_t total_weight_now(const deployment *d)
{
    char e[24];
    u64_str(e, current_epoch(d));
    const char *p[] = {e, NULL};
    return view_u64(d->committee, "totalWeightAt(uint64)(uint64)", p);
}

/* Mines until the latest block is the first block of the next epoch. */
static void mine_to_next_epoch(const deployment *d)
{
    mine_to(epoch_start(d, current_epoch(d) + 1));
}

/* --------------------------------------------------------------- evidence */

typedef struct {
    uint8_t kind;
    uint8_t a[224], b[224];
    size_t a_len, b_len;
    seq_hash digest_a, digest_b;
    uint8_t sig_a[SEQ_SIG_BYTES], sig_b[SEQ_SIG_BYTES];
    size_t sig_a_len, sig_b_len;
} evidence;

/* e from two statements of kind: their ABI encodings and EIP-712 digests
 * as l1/evidence.c computes them (kind must be known). */
static void evidence_make(evidence *e, uint8_t kind, const l1_statement *a, const l1_statement *b,
                          const seq_hash *dom)
{
    memset(e, 0, sizeof(*e));
    e->kind = kind;
    e->a_len = l1_evidence_stmt_encode(e->a, (l1_evidence_kind)kind, a);
    e->b_len = l1_evidence_stmt_encode(e->b, (l1_evidence_kind)kind, b);
    assert_true(e->a_len > 0 && e->a_len == e->b_len);
    l1_evidence_digest(&e->digest_a, dom, (l1_evidence_kind)kind, a);
    l1_evidence_digest(&e->digest_b, dom, (l1_evidence_kind)kind, b);
}

static void evidence_blocks(evidence *e, uint8_t kind, const l1_block_stmt *a,
                            const l1_block_stmt *b, const seq_hash *dom)
{
    l1_statement sa = {.block = *a}, sb = {.block = *b};
    evidence_make(e, kind, &sa, &sb, dom);
}

static void evidence_timeouts(evidence *e, const l1_timeout_stmt *a, const l1_timeout_stmt *b,
                              const seq_hash *dom)
{
    l1_statement sa = {.timeout = *a}, sb = {.timeout = *b};
    evidence_make(e, KIND_TIMEOUT, &sa, &sb, dom);
}

static void evidence_attestations(evidence *e, const l1_attestation_stmt *a,
                                  const l1_attestation_stmt *b, const seq_hash *dom)
{
    l1_statement sa = {.attestation = *a}, sb = {.attestation = *b};
    evidence_make(e, KIND_ATTESTATION, &sa, &sb, dom);
}

/* What l1_evidence_check says of e against fx.d4: returns false when e's
 * bytes have no l1_evidence form (a malformed statement, a signature that
 * is not 65 bytes), else *why is the contract's error name or NULL (then
 * *signer is set). */
static bool evidence_local(const evidence *e, const char **why, seq_addr *signer)
{
    l1_evidence l;
    memset(&l, 0, sizeof(l));
    l.kind = (l1_evidence_kind)e->kind;
    if (l1_evidence_stmt_bytes(l.kind) != 0 &&
        (l1_evidence_stmt_decode(&l.a, l.kind, e->a, e->a_len) != SEQ_OK ||
         l1_evidence_stmt_decode(&l.b, l.kind, e->b, e->b_len) != SEQ_OK))
        return false;
    if (e->sig_a_len != SEQ_SIG_BYTES || e->sig_b_len != SEQ_SIG_BYTES)
        return false;
    memcpy(l.sig_a.b, e->sig_a, SEQ_SIG_BYTES);
    memcpy(l.sig_b.b, e->sig_b, SEQ_SIG_BYTES);
    seq_err err = l1_evidence_check(&l, &fx.d4.domain, L2_CHAIN_ID, signer, why);
    assert_int_equal(err == SEQ_OK, *why == NULL);
    return true;
}

static void evidence_sign(evidence *e, const test_key *ka, const test_key *kb)
{
    seq_sig s;
    sign(&s, ka, &e->digest_a);
    memcpy(e->sig_a, s.b, SEQ_SIG_BYTES);
    sign(&s, kb, &e->digest_b);
    memcpy(e->sig_b, s.b, SEQ_SIG_BYTES);
    e->sig_a_len = e->sig_b_len = SEQ_SIG_BYTES;
}

typedef struct {
    char kind[8];
    char a[2 * 224 + 3], b[2 * 224 + 3];
    char sig_a[2 * SEQ_SIG_BYTES + 3], sig_b[2 * SEQ_SIG_BYTES + 3];
    const char *params[6];
} evidence_params;

static void evidence_params_fill(evidence_params *p, const evidence *e)
{
    snprintf(p->kind, sizeof(p->kind), "%u", (unsigned)e->kind);
    assert_int_equal(l1_hex_encode(p->a, sizeof(p->a), e->a, e->a_len), SEQ_OK);
    assert_int_equal(l1_hex_encode(p->b, sizeof(p->b), e->b, e->b_len), SEQ_OK);
    assert_int_equal(l1_hex_encode(p->sig_a, sizeof(p->sig_a), e->sig_a, e->sig_a_len), SEQ_OK);
    assert_int_equal(l1_hex_encode(p->sig_b, sizeof(p->sig_b), e->sig_b, e->sig_b_len), SEQ_OK);
    const char *v[] = {p->kind, p->a, p->sig_a, p->b, p->sig_b, NULL};
    memcpy(p->params, v, sizeof(v));
}

/* The contract rejects e with error_sig (and args_hex); where e has an
 * l1_evidence form, l1_evidence_check names the same error, or passes it
 * when the error is about the signer's status, which it does not read. */
static void evidence_rejected(const evidence *e, const char *error_sig, const char *args_hex)
{
    static evidence_params p;
    evidence_params_fill(&p, e);
    call_reverts(&fx.reporter, NULL, fx.d4.committee, EVIDENCE_SIG, p.params, error_sig, args_hex);
    const char *why = NULL;
    seq_addr signer;
    if (!evidence_local(e, &why, &signer))
        return;
    size_t name_len = strcspn(error_sig, "(");
    if (why == NULL)
        assert_true(strncmp(error_sig, "NotValidator(", 13) == 0 ||
                    strncmp(error_sig, "AlreadySlashed(", 15) == 0);
    else if (strlen(why) != name_len || strncmp(why, error_sig, name_len) != 0)
        fail_msg("l1_evidence_check says %s, the contract %s", why, error_sig);
}

/* Submits e against fx.d4 from the reporter and checks the whole effect:
 * half the bond burned, half paid to the reporter, the validator marked
 * slashed and gone from the next epoch, events, and no second slashing. */
static void slash_and_check(const evidence *e, const test_key *victim)
{
    const deployment *d = &fx.d4;
    validator_info before, after;
    info_of(&before, d, victim);
    assert_int_equal(before.bond, BOND_WEI);
    uint64_t reporter0 = balance_of(fx.reporter.addr_hex);
    uint64_t dead0 = balance_of(DEAD_ADDR);
    uint64_t committee0 = balance_of(d->committee);

    const char *why = "unset";
    seq_addr signer;
    assert_true(evidence_local(e, &why, &signer));
    assert_null(why);
    assert_memory_equal(signer.b, victim->addr.b, SEQ_ADDR_BYTES);

    static evidence_params p;
    evidence_params_fill(&p, e);
    receipt r;
    send_tx(&r, &fx.reporter, NULL, d->committee, EVIDENCE_SIG, p.params);
    printf("gas submitEvidence kind=%u gasUsed=%" PRIu64 "\n", (unsigned)e->kind, r.gas_used);

    uint64_t half = BOND_WEI / 2;
    assert_int_equal(balance_of(DEAD_ADDR), dead0 + (BOND_WEI - half));
    assert_int_equal(balance_of(d->committee), committee0 - BOND_WEI);
    assert_int_equal(balance_of(fx.reporter.addr_hex) + r.gas_used * r.gas_price, reporter0 + half);
    info_of(&after, d, victim);
    assert_int_equal(after.status, STATUS_SLASHED);
    assert_int_equal(after.bond, 0);
    assert_int_equal(after.weight_next, 0);
    assert_int_equal(after.weight, before.weight); /* this epoch's committee is fixed */

    json_t *log = receipt_log(&r, "EvidenceAccepted(uint8,address,address,bytes32,bytes32)");
    seq_hash t, want;
    log_topic(&t, log, 1);
    l1_abi_u64(want.b, e->kind);
    assert_hash_equal(&t, &want);
    log_topic(&t, log, 2);
    l1_abi_addr(want.b, &victim->addr);
    assert_hash_equal(&t, &want);
    log_topic(&t, log, 3);
    l1_abi_addr(want.b, &fx.reporter.addr);
    assert_hash_equal(&t, &want);
    uint8_t data[512];
    assert_int_equal(log_data(data, sizeof(data), log), 64);
    assert_memory_equal(data, e->digest_a.b, 32);
    assert_memory_equal(data + 32, e->digest_b.b, 32);

    log = receipt_log(&r, "ValidatorSlashed(address,uint256,uint256,uint256,address,uint64)");
    assert_int_equal(log_data(data, sizeof(data), log), 5 * 32);
    assert_int_equal(word_u64(data), BOND_WEI);
    assert_int_equal(word_u64(data + 32), BOND_WEI - half);
    assert_int_equal(word_u64(data + 64), half);
    assert_int_equal(word_u64(data + 128), current_epoch(d) + 1);
    receipt_free(&r);

    /* The same evidence (or any other) cannot slash it again. */
    char arg[65];
    hex_word_addr(arg, &victim->addr);
    evidence_rejected(e, "AlreadySlashed(address)", arg);
}

/* A signature by `cast wallet sign --data` over typed-data JSON. */
static void cast_sign_typed(uint8_t sig[SEQ_SIG_BYTES], const test_key *k, const char *json)
{
    argv_list a;
    cast_begin(&a, "wallet", false);
    args_add(&a, "sign");
    args_add(&a, "--private-key");
    args_add(&a, k->key_hex);
    args_add(&a, "--data");
    args_add(&a, json);
    const char *out = cast_ok(&a);
    assert_int_equal(l1_hex_decode_exact(sig, SEQ_SIG_BYTES, out), SEQ_OK);
}

static void typed_json(char *out, size_t out_len, const deployment *d, const char *primary,
                       const char *fields, const char *message)
{
    snprintf(out, out_len,
             "{\"types\":{\"EIP712Domain\":[{\"name\":\"name\",\"type\":\"string\"},"
             "{\"name\":\"version\",\"type\":\"string\"},{\"name\":\"chainId\",\"type\":"
             "\"uint256\"},{\"name\":\"verifyingContract\",\"type\":\"address\"}],"
             "\"%s\":[%s]},\"primaryType\":\"%s\",\"domain\":{\"name\":\"seqd\",\"version\":"
             "\"1\",\"chainId\":%" PRIu64 ",\"verifyingContract\":\"%s\"},\"message\":{%s}}",
             primary, fields, primary, fx.chain_id, d->committee, message);
}

/* s' = n - s, with v flipped: the same signature, malleated to high-s. */
static void make_high_s(uint8_t sig[SEQ_SIG_BYTES])
{
    static const uint8_t order[32] = {
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xff, 0xff, 0xff, 0xfe, 0xba, 0xae, 0xdc, 0xe6, 0xaf, 0x48,
        0xa0, 0x3b, 0xbf, 0xd2, 0x5e, 0x8c, 0xd0, 0x36, 0x41, 0x41,
    };
    int borrow = 0;
    for (int i = 31; i >= 0; i--) {
        int v = (int)order[i] - (int)sig[32 + i] - borrow;
        borrow = v < 0;
        sig[32 + i] = (uint8_t)(v + (borrow ? 256 : 0));
    }
    sig[64] = sig[64] == 27 ? 28 : 27;
}

/* ------------------------------------------------------------ group setup */

static int group_setup(void **state)
{
    (void)state;
    fx.cast = getenv("SEQ_CAST");
    fx.anvil = getenv("SEQ_ANVIL");
    fx.artifacts = getenv("SEQ_CONTRACTS");
    if (fx.cast == NULL || fx.anvil == NULL || fx.artifacts == NULL) {
        fprintf(stderr, "SEQ_CAST, SEQ_ANVIL and SEQ_CONTRACTS must be set\n");
        return -1;
    }
    fx.committee_bin = read_artifact("Committee_sol_Committee.bin");
    fx.inbox_bin = read_artifact("Inbox_sol_Inbox.bin");
    if (fx.committee_bin == NULL || fx.inbox_bin == NULL) {
        fprintf(stderr, "contract artifacts missing in %s\n", fx.artifacts);
        return -1;
    }
    atexit(anvil_stop);
    if (!test_anvil_start(&fx.node, fx.anvil)) {
        fprintf(stderr, "could not start anvil\n");
        return -1;
    }

    for (int i = 0; i < VALIDATORS; i++) {
        char label[64];
        snprintf(label, sizeof(label), "seqd contracts test validator %d", i);
        key_init(&fx.val[i], label);
    }
    qsort(fx.val, VALIDATORS, sizeof(fx.val[0]), key_compare);
    key_init(&fx.deployer, "seqd contracts test deployer");
    key_init(&fx.reporter, "seqd contracts test reporter");
    key_init(&fx.outsider, "seqd contracts test outsider");
    key_init(&fx.newcomer, "seqd contracts test newcomer");

    argv_list a;
    cast_begin(&a, "chain-id", true);
    fx.chain_id = parse_u64(cast_ok(&a));
    for (int i = 0; i < VALIDATORS; i++)
        fund(&fx.val[i]);
    fund(&fx.deployer);
    fund(&fx.reporter);
    fund(&fx.outsider);
    fund(&fx.newcomer);

    static const uint64_t weighted[4] = {5, 1, 1, 1};
    deploy_pair(&fx.d1, 1, NULL);
    deploy_pair(&fx.d4, 4, NULL);
    deploy_pair(&fx.dw, 4, weighted);
    deploy_pair(&fx.d7, 7, NULL);
    deploy_pair(&fx.d10, 10, NULL);
    for (int i = 0; i < 4; i++)
        bond_from(&fx.val[i], &fx.d4, BOND_WEI);

    cast_begin(&a, "rpc", true);
    args_add(&a, "evm_snapshot");
    snprintf(fx.snapshot, sizeof(fx.snapshot), "%s", cast_ok(&a));
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    anvil_stop();
    free(fx.committee_bin);
    free(fx.inbox_bin);
    fx.committee_bin = fx.inbox_bin = NULL;
    return 0;
}

/* Every case starts from the state right after the group setup. A snapshot
 * is consumed by evm_revert, so a fresh one is taken each time. */
static int case_setup(void **state)
{
    (void)state;
    argv_list a;
    cast_begin(&a, "rpc", true);
    args_add(&a, "evm_revert");
    args_add(&a, fx.snapshot);
    if (strcmp(cast_ok(&a), "true") != 0)
        return -1;
    cast_begin(&a, "rpc", true);
    args_add(&a, "evm_snapshot");
    snprintf(fx.snapshot, sizeof(fx.snapshot), "%s", cast_ok(&a));
    return 0;
}

/* ------------------------------------------------------------------ cases */

/* The C domain separator and digests equal the contracts'. */
static void test_domain_and_digests(void **state)
{
    (void)state;
    const deployment *d = &fx.d4;
    seq_hash got;
    line_hash(&got, view(d->committee, "domainSeparator()(bytes32)", NULL), 0);
    assert_hash_equal(&got, &d->domain);
    line_hash(&got, view(d->inbox, "domainSeparator()(bytes32)", NULL), 0);
    assert_hash_equal(&got, &d->domain);

    batch b;
    batch_make(&b, 7, NULL, 3, 9, 40);
    b.att.forced_cursor = 2;
    static post_params p;
    post_params_fill(&p, &b, NULL, 0);
    const char *hp[] = {p.header, NULL};
    seq_hash want;
    batch_hash(&want, &b);
    line_hash(
        &got,
        view(d->inbox,
             "batchHash((uint64,uint64,bytes32,bytes32,uint64,uint64,uint64,bytes32))(bytes32)",
             hp),
        0);
    assert_hash_equal(&got, &want);
    l1_eip712_digest(&want, &d->domain, &want);
    line_hash(&got,
              view(d->inbox,
                   "attestationDigest((uint64,uint64,bytes32,bytes32,uint64,uint64,uint64,bytes32))"
                   "(bytes32)",
                   hp),
              0);
    assert_hash_equal(&got, &want);

    l1_block_stmt v = {.l2_chain_id = L2_CHAIN_ID, .view = 11, .height = 10};
    memset(v.block_hash.b, 0xab, 32);
    evidence e;
    evidence_blocks(&e, KIND_VOTE, &v, &v, &d->domain);
    char stmt[2 * 128 + 3];
    assert_int_equal(l1_hex_encode(stmt, sizeof(stmt), e.a, e.a_len), SEQ_OK);
    const char *sp[] = {"2", stmt, NULL};
    line_hash(&got, view(d->committee, "statementDigest(uint8,bytes)(bytes32)", sp), 0);
    assert_hash_equal(&got, &e.digest_a);
    sp[0] = "1"; /* the same fields as a Proposal hash differently */
    line_hash(&got, view(d->committee, "statementDigest(uint8,bytes)(bytes32)", sp), 0);
    l1_statement as_proposal = {.block = v};
    l1_evidence_digest(&want, &d->domain, L1_EVIDENCE_PROPOSAL, &as_proposal);
    assert_hash_equal(&got, &want);
    assert_false(seq_hash_equal(&got, &e.digest_a));
}

/* n = 1: the single operator's signature is a quorum; batches chain. */
static void test_batch_single(void **state)
{
    (void)state;
    const deployment *d = &fx.d1;
    batch b0, b1;
    batch_make(&b0, 0, NULL, 1, 5, 100);
    batch_post_by(d, &b0, 1);
    inbox_state st;
    inbox_status(&st, d);
    seq_hash h0;
    batch_hash(&h0, &b0);
    assert_int_equal(st.next_index, 1);
    assert_hash_equal(&st.last_hash, &h0);
    assert_int_equal(st.next_height, 6);

    batch_make(&b1, 1, &h0, 6, 9, 0); /* empty data is allowed */
    batch_post_by(d, &b1, 1);
    inbox_status(&st, d);
    seq_hash h1;
    batch_hash(&h1, &b1);
    assert_int_equal(st.next_index, 2);
    assert_hash_equal(&st.last_hash, &h1);

    /* Replaying either batch reverts: the index is taken. */
    seq_sig sig;
    batch_sign_range(&sig, &b1, d, 0, 1);
    char args[2 * 64 + 1];
    hex_word_u64(args, 2);
    hex_word_u64(args + 64, 1);
    batch_reject(d, &b1, &sig, 1, "BadIndex(uint64,uint64)", args);
    batch_sign_range(&sig, &b0, d, 0, 1);
    batch_reject(d, &b0, &sig, 1, "BadIndex(uint64,uint64)", NULL);
}

/* n = 4: any 3 of 4 in ascending order is a quorum; 4 of 4 too. */
static void test_batch_four(void **state)
{
    (void)state;
    const deployment *d = &fx.d4;
    batch b;
    seq_hash prev;
    batch_make(&b, 0, NULL, 1, 3, 64);
    batch_post_by(d, &b, 3);
    batch_hash(&prev, &b);
    batch_make(&b, 1, &prev, 4, 4, 64);
    batch_post_by(d, &b, 4);
    batch_hash(&prev, &b);
    batch_make(&b, 2, &prev, 5, 8, 64);
    seq_sig sigs[3];
    batch_sign_range(sigs, &b, d, 1, 3); /* val 1, 2, 3 */
    batch_post(d, &b, sigs, 3);
    inbox_state st;
    inbox_status(&st, d);
    batch_hash(&prev, &b);
    assert_int_equal(st.next_index, 3);
    assert_hash_equal(&st.last_hash, &prev);
    assert_int_equal(st.next_height, 9);
}

/* Weights 5,1,1,1 (total 8): quorum needs weight >= 6. */
static void test_batch_weighted(void **state)
{
    (void)state;
    const deployment *d = &fx.dw;
    batch b;
    batch_make(&b, 0, NULL, 1, 2, 32);
    seq_sig sigs[4];
    char args[129];

    batch_sign_range(sigs, &b, d, 1, 3); /* three light members: 3 of 8 */
    hex_word_u64(args, 3);
    hex_word_u64(args + 64, 8);
    batch_reject(d, &b, sigs, 3, "InsufficientQuorum(uint256,uint256)", args);
    batch_sign_range(sigs, &b, d, 0, 1); /* the heavy one alone: 5 of 8 */
    hex_word_u64(args, 5);
    hex_word_u64(args + 64, 8);
    batch_reject(d, &b, sigs, 1, "InsufficientQuorum(uint256,uint256)", args);

    batch_post_by(d, &b, 2); /* heavy + one light: 6 of 8 */
    inbox_state st;
    inbox_status(&st, d);
    assert_int_equal(st.next_index, 1);
}

/* Each way a batch can be wrong, with the error it must produce. */
static void test_batch_rejections(void **state)
{
    (void)state;
    const deployment *d = &fx.d4;
    batch b0, b;
    batch_make(&b0, 0, NULL, 1, 4, 80);
    batch_post_by(d, &b0, 3);
    seq_hash h0;
    batch_hash(&h0, &b0);
    seq_sig sigs[4];
    char args[2 * 64 + 1];

    /* wrong index */
    batch_make(&b, 5, &h0, 5, 6, 80);
    batch_sign_range(sigs, &b, d, 0, 3);
    hex_word_u64(args, 1);
    hex_word_u64(args + 64, 5);
    batch_reject(d, &b, sigs, 3, "BadIndex(uint64,uint64)", args);
    /* replayed batch 0 */
    batch_sign_range(sigs, &b0, d, 0, 3);
    hex_word_u64(args + 64, 0);
    batch_reject(d, &b0, sigs, 3, "BadIndex(uint64,uint64)", args);
    /* wrong prevBatchHash (signed as such) */
    batch_make(&b, 1, NULL, 5, 6, 80);
    memset(b.att.prev_batch_hash.b, 0x11, 32);
    batch_sign_range(sigs, &b, d, 0, 3);
    batch_reject(d, &b, sigs, 3, "BadPrevBatchHash(bytes32,bytes32)", NULL);
    /* wrong dataHash: data differs from what was attested */
    batch_make(&b, 1, &h0, 5, 6, 80);
    b.data[0] ^= 1;
    batch_sign_range(sigs, &b, d, 0, 3);
    batch_reject(d, &b, sigs, 3, "BadDataHash(bytes32,bytes32)", NULL);
    /* wrong l2ChainId */
    batch_make(&b, 1, &h0, 5, 6, 80);
    b.att.l2_chain_id = L2_CHAIN_ID + 1;
    batch_sign_range(sigs, &b, d, 0, 3);
    hex_word_u64(args, L2_CHAIN_ID + 1);
    batch_reject(d, &b, sigs, 3, "WrongChainId(uint64)", args);
    /* heights must continue the previous batch and form a range */
    batch_make(&b, 1, &h0, 6, 7, 80);
    batch_sign_range(sigs, &b, d, 0, 3);
    hex_word_u64(args, 5);
    hex_word_u64(args + 64, 6);
    batch_reject(d, &b, sigs, 3, "HeightGap(uint64,uint64)", args);
    batch_make(&b, 1, &h0, 5, 4, 80);
    batch_sign_range(sigs, &b, d, 0, 3);
    batch_reject(d, &b, sigs, 3, "BadHeightRange(uint64,uint64)", NULL);

    /* From here on the header is right and only the signatures are wrong. */
    batch_make(&b, 1, &h0, 5, 6, 80);
    char arg[65];
    /* short quorum: 2 of 4 */
    batch_sign_range(sigs, &b, d, 0, 2);
    hex_word_u64(args, 2);
    hex_word_u64(args + 64, 4);
    batch_reject(d, &b, sigs, 2, "InsufficientQuorum(uint256,uint256)", args);
    /* duplicated signer */
    const test_key *dup[3] = {&fx.val[0], &fx.val[0], &fx.val[1]};
    batch_sign(sigs, &b, d, dup, 3);
    hex_word_addr(arg, &fx.val[0].addr);
    batch_reject(d, &b, sigs, 3, "DuplicateSigner(address)", arg);
    /* unsorted signers */
    const test_key *unsorted[3] = {&fx.val[1], &fx.val[0], &fx.val[2]};
    batch_sign(sigs, &b, d, unsorted, 3);
    batch_reject(d, &b, sigs, 3, "SignersNotAscending(address,address)", NULL);
    /* a non-member among the first three in ascending order */
    const test_key *sorted[3] = {&fx.outsider, &fx.val[0], &fx.val[1]};
    sort_keys(sorted, 3);
    batch_sign(sigs, &b, d, sorted, 3);
    hex_word_addr(arg, &fx.outsider.addr);
    batch_reject(d, &b, sigs, 3, "NotMember(address)", arg);
    /* high-s: the malleated twin of a valid signature */
    batch_sign_range(sigs, &b, d, 0, 3);
    make_high_s(sigs[1].b);
    batch_reject(d, &b, sigs, 3, "HighS()", "");
    /* bad v */
    batch_sign_range(sigs, &b, d, 0, 3);
    sigs[2].b[64] = 29;
    batch_reject(d, &b, sigs, 3, "BadSignature()", "");
    sigs[2].b[64] = 1; /* a raw recovery id is not accepted either */
    batch_reject(d, &b, sigs, 3, "BadSignature()", "");
    /* zero r */
    batch_sign_range(sigs, &b, d, 0, 3);
    memset(sigs[0].b, 0, 32);
    batch_reject(d, &b, sigs, 3, "BadSignature()", "");
    /* not a whole number of signatures */
    batch_sign_range(sigs, &b, d, 0, 3);
    static post_params p;
    post_params_fill(&p, &b, sigs, 3);
    p.sigs[strlen(p.sigs) - 2] = '\0';
    hex_word_u64(arg, 3 * 65 - 1);
    call_reverts(&fx.deployer, NULL, d->inbox, POST_SIG, p.params, "BadSignaturesLength(uint256)",
                 arg);
    /* signatures over another batch recover to strangers */
    batch batch_other;
    batch_make(&batch_other, 1, &h0, 5, 7, 80);
    batch_sign_range(sigs, &batch_other, d, 0, 3);
    post_params_fill(&p, &b, sigs, 3);
    call_reverts(&fx.deployer, NULL, d->inbox, POST_SIG, p.params, "NotMember(address)", NULL);

    /* And the right batch still goes through afterwards. */
    batch_post_by(d, &b, 3);
}

/* acc_{i+1} = keccak(acc_i || keccak(abi.encode(i, sender, l1Block, l1Time,
 * keccak(tx)))), computed independently of the contract. */
static void forced_entry(seq_hash *acc, const seq_hash *acc_prev, uint64_t index,
                         const seq_addr *sender, uint64_t l1_block, uint64_t l1_time,
                         const uint8_t *tx, size_t tx_len)
{
    uint8_t words[5 * 32];
    seq_hash tx_hash, entry;
    l1_keccak256(&tx_hash, tx, tx_len);
    l1_abi_u64(words, index);
    l1_abi_addr(words + 32, sender);
    l1_abi_u64(words + 64, l1_block);
    l1_abi_u64(words + 96, l1_time);
    memcpy(words + 128, tx_hash.b, 32);
    l1_keccak256(&entry, words, sizeof(words));
    memcpy(words, acc_prev->b, 32);
    memcpy(words + 32, entry.b, 32);
    l1_keccak256(acc, words, 64);
}

static uint64_t block_timestamp(uint64_t number)
{
    char n[24];
    u64_str(n, number);
    argv_list a;
    cast_begin(&a, "block", true);
    args_add(&a, n);
    args_add(&a, "--field");
    args_add(&a, "timestamp");
    return parse_u64(cast_ok(&a));
}

/* forceInclude(tx) from the outsider; checks the stored accumulator and the
 * event against C; returns the L1 block it was queued in. */
static uint64_t force_include(const deployment *d, seq_hash *acc, const seq_hash *acc_prev,
                              uint64_t index, const char *tx)
{
    char tx_hex[256], fee[24];
    size_t tx_len = strlen(tx);
    assert_int_equal(l1_hex_encode(tx_hex, sizeof(tx_hex), (const uint8_t *)tx, tx_len), SEQ_OK);
    u64_str(fee, FORCE_FEE_WEI);
    const char *p[] = {tx_hex, NULL};
    receipt r;
    send_tx(&r, &fx.outsider, fee, d->inbox, "forceInclude(bytes)", p);
    printf("gas forceInclude bytes=%zu gasUsed=%" PRIu64 "\n", tx_len, r.gas_used);
    uint64_t l1_time = block_timestamp(r.block);
    forced_entry(acc, acc_prev, index, &fx.outsider.addr, r.block, l1_time, (const uint8_t *)tx,
                 tx_len);

    char k[24];
    u64_str(k, index + 1);
    const char *kp[] = {k, NULL};
    seq_hash stored;
    line_hash(&stored, view(d->inbox, "forcedAccAt(uint64)(bytes32)", kp), 0);
    assert_hash_equal(&stored, acc);

    json_t *log =
        receipt_log(&r, "ForcedTxQueued(uint64,address,uint256,uint256,bytes32,bytes32,bytes)");
    uint8_t data[1024];
    size_t len = log_data(data, sizeof(data), log);
    assert_true(len >= 6 * 32 + tx_len);
    assert_int_equal(word_u64(data), r.block);
    assert_int_equal(word_u64(data + 32), l1_time);
    assert_memory_equal(data + 96, acc->b, 32);
    assert_int_equal(word_u64(data + 160), tx_len);
    assert_memory_equal(data + 192, tx, tx_len); /* the full tx is in the event */
    seq_hash topic, want;
    log_topic(&topic, log, 1);
    l1_abi_u64(want.b, index);
    assert_hash_equal(&topic, &want);
    uint64_t block = r.block;
    receipt_free(&r);
    return block;
}

/* Queue two forced txs (accumulator as computed in C, full tx in the
 * event); the inclusion window is enforced on the oldest unconsumed entry
 * only; the cursor only moves forward and within the queue. */
static void test_forced_inclusion(void **state)
{
    (void)state;
    const deployment *d = &fx.d4;
    char fee_low[24], arg[2 * 64 + 1];
    u64_str(fee_low, FORCE_FEE_WEI - 1);
    const char *tx_p[] = {"0x01", NULL};
    call_reverts(&fx.outsider, fee_low, d->inbox, "forceInclude(bytes)", tx_p,
                 "FeeTooLow(uint256,uint256)", NULL);
    char fee[24];
    u64_str(fee, FORCE_FEE_WEI);
    const char *empty_p[] = {"0x", NULL};
    call_reverts(&fx.outsider, fee, d->inbox, "forceInclude(bytes)", empty_p,
                 "BadForcedTxSize(uint256,uint256)", NULL);
    static char big[2 * (FORCED_TX_MAX + 1) + 3];
    static uint8_t big_raw[FORCED_TX_MAX + 1];
    memset(big_raw, 0x42, sizeof(big_raw));
    assert_int_equal(l1_hex_encode(big, sizeof(big), big_raw, sizeof(big_raw)), SEQ_OK);
    const char *big_p[] = {big, NULL};
    hex_word_u64(arg, FORCED_TX_MAX + 1);
    hex_word_u64(arg + 64, FORCED_TX_MAX);
    call_reverts(&fx.outsider, fee, d->inbox, "forceInclude(bytes)", big_p,
                 "BadForcedTxSize(uint256,uint256)", arg);

    seq_hash zero = {{0}}, acc1, acc2;
    uint64_t q0 = force_include(d, &acc1, &zero, 0, "forced tx zero");
    uint64_t q1 = force_include(d, &acc2, &acc1, 1, "forced tx one");
    assert_int_equal(q1, q0 + 1);

    /* Not yet due: a batch may leave both entries unconsumed. */
    batch b;
    seq_hash prev;
    batch_make(&b, 0, NULL, 1, 2, 50);
    batch_post_by(d, &b, 3);
    batch_hash(&prev, &b);

    /* Entry 0 is due once a batch lands after block q0 + window. */
    batch_make(&b, 1, &prev, 3, 4, 50);
    mine_to(q0 + INCLUSION_WINDOW - 1);
    batch_accepts_pending(d, &b, 3); /* lands in block q0 + window: still fine */
    mine(1);
    seq_sig sigs[3];
    batch_sign_range(sigs, &b, d, 0, 3);
    hex_word_u64(arg, 0);
    hex_word_u64(arg + 64, q0);
    batch_reject(d, &b, sigs, 3, "ForcedTxOverdue(uint64,uint64)", arg);

    /* A cursor beyond the queue, or with the wrong accumulator, reverts. */
    b.att.forced_cursor = 3;
    b.forced_acc = acc2;
    batch_sign_range(sigs, &b, d, 0, 3);
    batch_reject(d, &b, sigs, 3, "CursorBeyondQueue(uint64,uint64)", NULL);
    b.att.forced_cursor = 1;
    batch_sign_range(sigs, &b, d, 0, 3);
    batch_reject(d, &b, sigs, 3, "BadForcedAcc(bytes32,bytes32)", NULL);

    /* Consuming entry 0 is enough: entry 1 is one block younger. */
    b.forced_acc = acc1;
    batch_post_by(d, &b, 3);
    inbox_state st;
    inbox_status(&st, d);
    assert_int_equal(st.consumed, 1);
    assert_int_equal(st.count, 2);

    /* The cursor never goes back; entry 1 (now due too) is consumed next. */
    batch_hash(&prev, &b);
    batch_make(&b, 2, &prev, 5, 5, 50);
    batch_sign_range(sigs, &b, d, 0, 3);
    hex_word_u64(arg, 1);
    hex_word_u64(arg + 64, 0);
    batch_reject(d, &b, sigs, 3, "CursorBackwards(uint64,uint64)", arg);
    mine(1);
    b.att.forced_cursor = 1;
    b.forced_acc = acc1;
    batch_sign_range(sigs, &b, d, 0, 3);
    hex_word_u64(arg, 1);
    hex_word_u64(arg + 64, q1);
    batch_reject(d, &b, sigs, 3, "ForcedTxOverdue(uint64,uint64)", arg);
    b.att.forced_cursor = 2;
    b.forced_acc = acc2;
    batch_post_by(d, &b, 3);
    inbox_status(&st, d);
    assert_int_equal(st.consumed, 2);
}

/* The escape hatch: forceAdvance only after window + grace, consumes only
 * the overdue entries, and the committee continues from its empty batch. */
static void test_force_advance(void **state)
{
    (void)state;
    const deployment *d = &fx.d4;
    call_reverts(&fx.outsider, NULL, d->inbox, "forceAdvance()", NULL, "NothingToForce()", "");

    batch b;
    seq_hash h0;
    batch_make(&b, 0, NULL, 1, 4, 50);
    batch_post_by(d, &b, 3);
    batch_hash(&h0, &b);

    seq_hash zero = {{0}}, acc1, acc2, acc3;
    uint64_t q0 = force_include(d, &acc1, &zero, 0, "censored tx zero");
    force_include(d, &acc2, &acc1, 1, "censored tx one");
    mine(FORCE_GRACE + 3);
    uint64_t q2 = force_include(d, &acc3, &acc2, 2, "young tx two");
    assert_true(q2 + INCLUSION_WINDOW > q0 + INCLUSION_WINDOW + FORCE_GRACE + 1);

    char arg[65];
    mine_to(q0 + INCLUSION_WINDOW + FORCE_GRACE - 1);
    hex_word_u64(arg, q0 + INCLUSION_WINDOW + FORCE_GRACE + 1);
    call_reverts(&fx.outsider, NULL, d->inbox, "forceAdvance()", NULL,
                 "ForceAdvanceTooEarly(uint64)", arg);
    mine(1);
    receipt r;
    send_tx(&r, &fx.outsider, NULL, d->inbox, "forceAdvance()", NULL);
    printf("gas forceAdvance gasUsed=%" PRIu64 "\n", r.gas_used);
    json_t *log = receipt_log(&r, "ForceAdvanced(uint64,bytes32,uint64,uint64,address)");
    uint8_t data[256];
    assert_int_equal(log_data(data, sizeof(data), log), 4 * 32);
    assert_int_equal(word_u64(data + 32), 0); /* from */
    assert_int_equal(word_u64(data + 64), 2); /* to: entries 0 and 1, not 2 */
    receipt_free(&r);

    /* The empty batch: index 1, after batch 0, no data, no heights. */
    batch empty;
    batch_make(&empty, 1, &h0, 0, 0, 0);
    empty.att.forced_cursor = 2;
    seq_hash he;
    batch_hash(&he, &empty);
    inbox_state st;
    inbox_status(&st, d);
    assert_int_equal(st.next_index, 2);
    assert_int_equal(st.consumed, 2);
    assert_int_equal(st.next_height, 5);
    assert_hash_equal(&st.last_hash, &he);

    /* The committee must chain from it. */
    seq_sig sigs[3];
    batch_make(&b, 1, &h0, 5, 6, 50);
    batch_sign_range(sigs, &b, d, 0, 3);
    batch_reject(d, &b, sigs, 3, "BadIndex(uint64,uint64)", NULL);
    batch_make(&b, 2, &h0, 5, 6, 50);
    batch_sign_range(sigs, &b, d, 0, 3);
    batch_reject(d, &b, sigs, 3, "BadPrevBatchHash(bytes32,bytes32)", NULL);
    batch_make(&b, 2, &he, 5, 6, 50);
    b.att.forced_cursor = 1;
    b.forced_acc = acc1;
    batch_sign_range(sigs, &b, d, 0, 3);
    batch_reject(d, &b, sigs, 3, "CursorBackwards(uint64,uint64)", NULL);
    b.att.forced_cursor = 2;
    b.forced_acc = acc2;
    batch_post_by(d, &b, 3);
    inbox_status(&st, d);
    assert_int_equal(st.next_index, 3);
    assert_int_equal(st.next_height, 7);

    /* Entry 2 is not old enough for the hatch yet. */
    call_reverts(&fx.outsider, NULL, d->inbox, "forceAdvance()", NULL,
                 "ForceAdvanceTooEarly(uint64)", NULL);
}

static l1_block_stmt block_stmt(uint64_t view, uint64_t height, uint8_t fill)
{
    l1_block_stmt s = {.l2_chain_id = L2_CHAIN_ID, .view = view, .height = height};
    memset(s.block_hash.b, fill, 32);
    return s;
}

/* Double vote (C signer); the validator leaves at the next epoch. */
static void test_slash_double_vote(void **state)
{
    (void)state;
    const deployment *d = &fx.d4;
    l1_block_stmt a = block_stmt(7, 7, 0xa1), b = block_stmt(7, 7, 0xb2);
    evidence e;
    evidence_blocks(&e, KIND_VOTE, &a, &b, &d->domain);
    evidence_sign(&e, &fx.val[1], &fx.val[1]);
    slash_and_check(&e, &fx.val[1]);

    /* Still a member until the boundary, gone after it. */
    assert_true(is_member(d, &fx.val[1]));
    mine_to(epoch_start(d, current_epoch(d) + 1) - 1);
    assert_true(is_member(d, &fx.val[1]));
    mine(1);
    assert_false(is_member(d, &fx.val[1]));
    assert_int_equal(total_weight_now(d), 3);

    batch bt;
    batch_make(&bt, 0, NULL, 1, 1, 10);
    seq_sig sigs[3];
    batch_sign_range(sigs, &bt, d, 0, 3);
    char arg[65];
    hex_word_addr(arg, &fx.val[1].addr);
    batch_reject(d, &bt, sigs, 3, "NotMember(address)", arg);
    const test_key *rest[3] = {&fx.val[0], &fx.val[2], &fx.val[3]};
    batch_sign(sigs, &bt, d, rest, 3);
    batch_post(d, &bt, sigs, 3); /* 3 of the remaining 3 */
}

/* Double proposal (C signer); cast's signature of the same typed data is
 * byte-identical (both are RFC 6979 deterministic). */
static void test_slash_double_proposal(void **state)
{
    (void)state;
    const deployment *d = &fx.d4;
    l1_block_stmt a = block_stmt(21, 20, 0x01), b = block_stmt(21, 19, 0x02);
    evidence e;
    evidence_blocks(&e, KIND_PROPOSAL, &a, &b, &d->domain);
    evidence_sign(&e, &fx.val[2], &fx.val[2]);

    char json[2048], msg[256], hash[HASH_HEX];
    hex_hash(hash, &a.block_hash);
    snprintf(msg, sizeof(msg),
             "\"l2ChainId\":%u,\"view\":%" PRIu64 ",\"height\":%" PRIu64 ",\"blockHash\":\"%s\"",
             L2_CHAIN_ID, a.view, a.height, hash);
    typed_json(json, sizeof(json), d, "Proposal",
               "{\"name\":\"l2ChainId\",\"type\":\"uint64\"},{\"name\":\"view\",\"type\":"
               "\"uint64\"},{\"name\":\"height\",\"type\":\"uint64\"},{\"name\":\"blockHash\","
               "\"type\":\"bytes32\"}",
               msg);
    uint8_t cast_sig[SEQ_SIG_BYTES];
    cast_sign_typed(cast_sig, &fx.val[2], json);
    assert_memory_equal(cast_sig, e.sig_a, SEQ_SIG_BYTES);
    slash_and_check(&e, &fx.val[2]);
}

/* Double timeout, both statements signed by `cast wallet sign --data`. */
static void test_slash_double_timeout_cast(void **state)
{
    (void)state;
    const deployment *d = &fx.d4;
    l1_timeout_stmt a = {.l2_chain_id = L2_CHAIN_ID, .view = 12, .high_qc_view = 10};
    l1_timeout_stmt b = {.l2_chain_id = L2_CHAIN_ID, .view = 12, .high_qc_view = 11};
    evidence e;
    evidence_timeouts(&e, &a, &b, &d->domain);
    const char *fields = "{\"name\":\"l2ChainId\",\"type\":\"uint64\"},{\"name\":\"view\","
                         "\"type\":\"uint64\"},{\"name\":\"highQcView\",\"type\":\"uint64\"}";
    char json[2048], msg[128];
    snprintf(msg, sizeof(msg), "\"l2ChainId\":%u,\"view\":12,\"highQcView\":10", L2_CHAIN_ID);
    typed_json(json, sizeof(json), d, "Timeout", fields, msg);
    cast_sign_typed(e.sig_a, &fx.val[3], json);
    snprintf(msg, sizeof(msg), "\"l2ChainId\":%u,\"view\":12,\"highQcView\":11", L2_CHAIN_ID);
    typed_json(json, sizeof(json), d, "Timeout", fields, msg);
    cast_sign_typed(e.sig_b, &fx.val[3], json);
    e.sig_a_len = e.sig_b_len = SEQ_SIG_BYTES;
    /* cast signed what C hashed: the C verifier accepts it for val[3]. */
    seq_sig s;
    memcpy(s.b, e.sig_a, SEQ_SIG_BYTES);
    assert_int_equal(l1_secp_verify(&s, &e.digest_a, &fx.val[3].addr), SEQ_OK);
    slash_and_check(&e, &fx.val[3]);
}

static l1_attestation_stmt attestation(uint64_t index, uint8_t data_fill)
{
    l1_attestation_stmt s = {.l2_chain_id = L2_CHAIN_ID,
                             .index = index,
                             .first_height = 10,
                             .last_height = 19,
                             .forced_cursor = 0};
    memset(s.prev_batch_hash.b, 0x77, 32);
    memset(s.data_hash.b, data_fill, 32);
    return s;
}

/* Double attestation: two different batches with the same index. */
static void test_slash_double_attestation(void **state)
{
    (void)state;
    const deployment *d = &fx.d4;
    l1_attestation_stmt a = attestation(3, 0x31), b = attestation(3, 0x32);
    evidence e;
    evidence_attestations(&e, &a, &b, &d->domain);
    evidence_sign(&e, &fx.val[0], &fx.val[0]);
    slash_and_check(&e, &fx.val[0]);
}

/* Tampered or non-conflicting evidence is rejected with a specific error. */
static void test_slash_rejections(void **state)
{
    (void)state;
    const deployment *d = &fx.d4;
    l1_block_stmt a = block_stmt(7, 7, 0xa1), b = block_stmt(7, 7, 0xb2);
    evidence e;
    char args[2 * 64 + 1];

    /* different signers */
    evidence_blocks(&e, KIND_VOTE, &a, &b, &d->domain);
    evidence_sign(&e, &fx.val[0], &fx.val[1]);
    hex_word_addr(args, &fx.val[0].addr);
    hex_word_addr(args + 64, &fx.val[1].addr);
    evidence_rejected(&e, "SignerMismatch(address,address)", args);
    /* identical content */
    evidence_blocks(&e, KIND_VOTE, &a, &a, &d->domain);
    evidence_sign(&e, &fx.val[0], &fx.val[0]);
    evidence_rejected(&e, "SameContent()", "");
    /* different views */
    l1_block_stmt later = block_stmt(8, 7, 0xb2);
    evidence_blocks(&e, KIND_VOTE, &a, &later, &d->domain);
    evidence_sign(&e, &fx.val[0], &fx.val[0]);
    hex_word_u64(args, 7);
    hex_word_u64(args + 64, 8);
    evidence_rejected(&e, "ViewMismatch(uint64,uint64)", args);
    /* attestations for different batch indexes */
    l1_attestation_stmt t3 = attestation(3, 0x31), t4 = attestation(4, 0x32);
    evidence_attestations(&e, &t3, &t4, &d->domain);
    evidence_sign(&e, &fx.val[0], &fx.val[0]);
    hex_word_u64(args, 3);
    hex_word_u64(args + 64, 4);
    evidence_rejected(&e, "IndexMismatch(uint64,uint64)", args);
    /* bad signatures */
    evidence_blocks(&e, KIND_VOTE, &a, &b, &d->domain);
    evidence_sign(&e, &fx.val[0], &fx.val[0]);
    e.sig_b[64] = 29;
    evidence_rejected(&e, "BadSignature()", "");
    evidence_sign(&e, &fx.val[0], &fx.val[0]);
    memset(e.sig_a, 0, 32);
    evidence_rejected(&e, "BadSignature()", "");
    evidence_sign(&e, &fx.val[0], &fx.val[0]);
    e.sig_a_len = 64;
    evidence_rejected(&e, "BadSignature()", "");
    evidence_sign(&e, &fx.val[0], &fx.val[0]);
    make_high_s(e.sig_a);
    evidence_rejected(&e, "HighS()", "");
    /* another rollup's statements (validly signed) */
    l1_block_stmt xa = a, xb = b;
    xa.l2_chain_id = xb.l2_chain_id = L2_CHAIN_ID + 1;
    evidence_blocks(&e, KIND_VOTE, &xa, &xb, &d->domain);
    evidence_sign(&e, &fx.val[0], &fx.val[0]);
    char arg[65];
    hex_word_u64(arg, L2_CHAIN_ID + 1);
    evidence_rejected(&e, "WrongChainId(uint64)", arg);
    evidence_blocks(&e, KIND_VOTE, &xa, &b, &d->domain); /* only the first one */
    evidence_sign(&e, &fx.val[0], &fx.val[0]);
    evidence_rejected(&e, "WrongChainId(uint64)", arg);
    evidence_blocks(&e, KIND_VOTE, &a, &xb, &d->domain); /* only the second one */
    evidence_sign(&e, &fx.val[0], &fx.val[0]);
    evidence_rejected(&e, "WrongChainId(uint64)", arg);
    /* a signer that never joined */
    evidence_blocks(&e, KIND_VOTE, &a, &b, &d->domain);
    evidence_sign(&e, &fx.outsider, &fx.outsider);
    hex_word_addr(arg, &fx.outsider.addr);
    evidence_rejected(&e, "NotValidator(address)", arg);
    /* votes presented as proposals: the digests differ, so do the signers */
    evidence_sign(&e, &fx.val[0], &fx.val[0]);
    e.kind = KIND_PROPOSAL;
    evidence_rejected(&e, "SignerMismatch(address,address)", NULL);
    /* malformed statements and kinds */
    e.kind = 0;
    hex_word_u64(arg, 0);
    evidence_rejected(&e, "UnknownKind(uint8)", arg);
    e.kind = 5;
    evidence_rejected(&e, "UnknownKind(uint8)", NULL);
    e.kind = KIND_VOTE;
    e.b_len = 127;
    evidence_rejected(&e, "BadStatement()", "");
    e.b_len = 128;
    e.b[32 + 20] = 1; /* a dirty high byte in the uint64 view word */
    evidence_rejected(&e, "BadStatement()", "");

    /* None of this touched the bond. */
    validator_info v;
    info_of(&v, d, &fx.val[0]);
    assert_int_equal(v.status, STATUS_ACTIVE);
    assert_int_equal(v.bond, BOND_WEI);
}

/* Allowlist (owner adds/removes) then the one-way switch to permissionless
 * bonding; changes apply at epoch boundaries. */
static void test_bonding_modes(void **state)
{
    (void)state;
    const deployment *d = &fx.d4;
    char one[24], half[24], two[24], arg[65];
    u64_str(one, MIN_BOND_WEI);
    u64_str(half, MIN_BOND_WEI / 2);
    const char *add_p[] = {fx.outsider.addr_hex, "2", NULL};

    hex_word_addr(arg, &fx.outsider.addr);
    call_reverts(&fx.outsider, one, d->committee, "bond()", NULL, "NotAllowlisted(address)", arg);
    call_reverts(&fx.outsider, NULL, d->committee, "addMember(address,uint64)", add_p,
                 "NotOwner(address)", arg);
    call_reverts(&fx.outsider, NULL, d->committee, "openBonding()", NULL, "NotOwner(address)", arg);
    const char *zero_p[] = {fx.outsider.addr_hex, "0", NULL};
    call_reverts(&fx.deployer, NULL, d->committee, "addMember(address,uint64)", zero_p,
                 "BadWeight(uint64)", NULL);

    /* The owner adds the outsider with weight 2 and removes val[3]. */
    receipt r;
    send_tx(&r, &fx.deployer, NULL, d->committee, "addMember(address,uint64)", add_p);
    receipt_free(&r);
    const char *rm_p[] = {fx.val[3].addr_hex, NULL};
    send_tx(&r, &fx.deployer, NULL, d->committee, "removeMember(address)", rm_p);
    receipt_free(&r);
    validator_info v;
    info_of(&v, d, &fx.outsider);
    assert_int_equal(v.status, STATUS_ACTIVE);
    assert_int_equal(v.weight, 0);
    assert_int_equal(v.weight_next, 2);
    assert_false(is_member(d, &fx.outsider));
    assert_true(is_member(d, &fx.val[3]));
    assert_int_equal(total_weight_now(d), 4);
    /* An allowlisted member may add a bond. */
    u64_str(two, 2 * ETHER);
    send_tx(&r, &fx.outsider, two, d->committee, "bond()", NULL);
    receipt_free(&r);

    mine_to_next_epoch(d);
    assert_true(is_member(d, &fx.outsider));
    assert_false(is_member(d, &fx.val[3]));
    assert_int_equal(total_weight_now(d), 5); /* 1 + 1 + 1 + 2 */

    /* Quorum now means weight > 10/3: three weight-1 members are not enough. */
    batch b;
    batch_make(&b, 0, NULL, 1, 1, 10);
    seq_sig sigs[4];
    batch_sign_range(sigs, &b, d, 0, 3);
    char args[129];
    hex_word_u64(args, 3);
    hex_word_u64(args + 64, 5);
    batch_reject(d, &b, sigs, 3, "InsufficientQuorum(uint256,uint256)", args);

    /* The one-way switch. */
    send_tx(&r, &fx.deployer, NULL, d->committee, "openBonding()", NULL);
    receipt_free(&r);
    call_reverts(&fx.deployer, NULL, d->committee, "openBonding()", NULL, "AlreadyPermissionless()",
                 "");
    call_reverts(&fx.deployer, NULL, d->committee, "addMember(address,uint64)", add_p,
                 "NotAllowlistMode()", "");
    call_reverts(&fx.deployer, NULL, d->committee, "removeMember(address)", rm_p,
                 "NotAllowlistMode()", "");

    /* Anyone may now bond at least minBond. */
    char args2[129];
    hex_word_u64(args2, MIN_BOND_WEI / 2);
    hex_word_u64(args2 + 64, MIN_BOND_WEI);
    call_reverts(&fx.newcomer, half, d->committee, "bond()", NULL, "BondTooSmall(uint256,uint256)",
                 args2);
    send_tx(&r, &fx.newcomer, one, d->committee, "bond()", NULL);
    receipt_free(&r);
    info_of(&v, d, &fx.newcomer);
    assert_int_equal(v.status, STATUS_ACTIVE);
    assert_int_equal(v.weight, 0);
    assert_int_equal(v.weight_next, 1);
    assert_int_equal(v.bond, MIN_BOND_WEI);
    mine_to_next_epoch(d);
    assert_true(is_member(d, &fx.newcomer));
    assert_int_equal(total_weight_now(d), 6);

    /* Exactly 2/3 is not a quorum (4 of 6); more than 2/3 is (5 of 6). */
    batch_make(&b, 0, NULL, 1, 1, 10);
    const test_key *four[4] = {&fx.val[0], &fx.val[1], &fx.val[2], &fx.newcomer};
    sort_keys(four, 4);
    batch_sign(sigs, &b, d, four, 4);
    hex_word_u64(args, 4);
    hex_word_u64(args + 64, 6);
    batch_reject(d, &b, sigs, 4, "InsufficientQuorum(uint256,uint256)", args);
    const test_key *heavy[3] = {&fx.val[0], &fx.val[1], &fx.outsider};
    sort_keys(heavy, 3);
    batch_sign(sigs, &b, d, heavy, 3);
    hex_word_u64(args, 4);
    hex_word_u64(args + 64, 6);
    batch_reject(d, &b, sigs, 3, "InsufficientQuorum(uint256,uint256)", args);
    const test_key *quorum[4] = {&fx.val[0], &fx.val[1], &fx.outsider, &fx.newcomer};
    sort_keys(quorum, 4);
    batch_sign(sigs, &b, d, quorum, 4);
    batch_post(d, &b, sigs, 4);
}

/* Unbonding: member until the boundary, bond locked until
 * exit epoch start + unbondingDelay, slashable meanwhile. */
static void test_unbonding(void **state)
{
    (void)state;
    const deployment *d = &fx.d4;
    uint64_t exit_epoch = current_epoch(d) + 1;
    receipt r;
    send_tx(&r, &fx.val[2], NULL, d->committee, "unbond()", NULL);
    receipt_free(&r);
    uint64_t unlock = epoch_start(d, exit_epoch) + UNBONDING_DELAY;
    validator_info v;
    info_of(&v, d, &fx.val[2]);
    assert_int_equal(v.status, STATUS_UNBONDING);
    assert_int_equal(v.weight, 1);
    assert_int_equal(v.weight_next, 0);
    assert_int_equal(v.withdrawable_at, unlock);
    assert_true(unlock - epoch_start(d, exit_epoch) > EVIDENCE_WINDOW);

    char arg[65], one[24];
    hex_word_u64(arg, unlock);
    call_reverts(&fx.val[2], NULL, d->committee, "withdraw()", NULL, "StillLocked(uint64)", arg);
    u64_str(one, ETHER);
    hex_word_addr(arg, &fx.val[2].addr);
    call_reverts(&fx.val[2], one, d->committee, "bond()", NULL, "IsUnbonding(address)", arg);
    call_reverts(&fx.val[2], NULL, d->committee, "unbond()", NULL, "NotActive(address)", arg);

    /* This epoch's committee still counts val[2]. */
    batch b;
    batch_make(&b, 0, NULL, 1, 2, 10);
    batch_post_by(d, &b, 3);

    /* Unbonding validators stay slashable (val[3] unbonds, then equivocates). */
    send_tx(&r, &fx.val[3], NULL, d->committee, "unbond()", NULL);
    receipt_free(&r);
    l1_block_stmt va = block_stmt(40, 40, 0x0a), vb = block_stmt(40, 40, 0x0b);
    evidence e;
    evidence_blocks(&e, KIND_VOTE, &va, &vb, &d->domain);
    evidence_sign(&e, &fx.val[3], &fx.val[3]);
    slash_and_check(&e, &fx.val[3]);

    /* Quorum is judged against this epoch's total (4), not the next (2). */
    seq_hash prev;
    batch_hash(&prev, &b);
    batch_make(&b, 1, &prev, 3, 4, 10);
    seq_sig sigs[2];
    batch_sign_range(sigs, &b, d, 0, 2);
    char args[129];
    hex_word_u64(args, 2);
    hex_word_u64(args + 64, 4);
    batch_reject(d, &b, sigs, 2, "InsufficientQuorum(uint256,uint256)", args);

    mine_to(unlock - 2);
    call_reverts(&fx.val[2], NULL, d->committee, "withdraw()", NULL, "StillLocked(uint64)", NULL);
    mine(1);
    uint64_t before = balance_of(fx.val[2].addr_hex);
    send_tx(&r, &fx.val[2], NULL, d->committee, "withdraw()", NULL);
    assert_int_equal(balance_of(fx.val[2].addr_hex) + r.gas_used * r.gas_price, before + BOND_WEI);
    receipt_free(&r);
    /* The new epoch's committee is val[0], val[1]: both are a quorum. */
    assert_int_equal(total_weight_now(d), 2);
    batch_post(d, &b, sigs, 2);
    info_of(&v, d, &fx.val[2]);
    assert_int_equal(v.status, STATUS_NONE);
    assert_int_equal(v.bond, 0);
    call_reverts(&fx.val[2], NULL, d->committee, "withdraw()", NULL, "NotUnbonding(address)", NULL);

    /* The last member of a committee cannot walk away. */
    call_reverts(&fx.val[0], NULL, fx.d1.committee, "unbond()", NULL, "EmptyCommittee()", "");
    /* ... but may once a successor has been added for the next epoch. */
    const char *succ_p[] = {fx.val[1].addr_hex, "1", NULL};
    send_tx(&r, &fx.deployer, NULL, fx.d1.committee, "addMember(address,uint64)", succ_p);
    receipt_free(&r);
    send_tx(&r, &fx.val[0], NULL, fx.d1.committee, "unbond()", NULL);
    receipt_free(&r);
    info_of(&v, &fx.d1, &fx.val[1]);
    assert_int_equal(v.weight_next, 1);
    call_reverts(&fx.val[1], NULL, fx.d1.committee, "unbond()", NULL, "EmptyCommittee()", "");

    /* unbondingDelay must exceed the evidence window. */
    static char ctor[8192];
    committee_args(ctor, sizeof(ctor), 1, NULL, 30, 30);
    size_t len = strlen(fx.committee_bin) + strlen(ctor) + 3;
    char *code = malloc(len);
    assert_non_null(code);
    snprintf(code, len, "0x%s%s", fx.committee_bin, ctor + 2);
    int rc = call_pending(&fx.deployer, NULL, NULL, code, NULL);
    free(code);
    assert_revert(rc, "BadConfig()", "");
}

/* postBatch gas for committees of n = 1, 4, 7, 10 (1 KiB of data). */
static void test_gas_report(void **state)
{
    (void)state;
    const deployment *ds[4] = {&fx.d1, &fx.d4, &fx.d7, &fx.d10};
    uint64_t gas_quorum[4], gas_all[4];
    for (int i = 0; i < 4; i++) {
        const deployment *d = ds[i];
        size_t quorum = 2 * d->members / 3 + 1;
        batch b;
        seq_hash prev;
        batch_make(&b, 0, NULL, 1, 10, GAS_DATA_BYTES);
        batch_post_by(d, &b, quorum); /* first batch: fresh storage slots */
        batch_hash(&prev, &b);
        batch_make(&b, 1, &prev, 11, 20, GAS_DATA_BYTES);
        gas_quorum[i] = batch_post_by(d, &b, quorum);
        batch_hash(&prev, &b);
        batch_make(&b, 2, &prev, 21, 30, GAS_DATA_BYTES);
        gas_all[i] = batch_post_by(d, &b, d->members);
        assert_true(gas_quorum[i] > 0 && gas_all[i] >= gas_quorum[i]);
    }
    printf("gas postBatch (data %d bytes; steady state, not the first batch)\n", GAS_DATA_BYTES);
    printf("gas   n  quorum  gasUsed(quorum sigs)  gasUsed(all n sigs)\n");
    for (int i = 0; i < 4; i++)
        printf("gas  %2zu  %6zu  %20" PRIu64 "  %19" PRIu64 "\n", ds[i]->members,
               2 * ds[i]->members / 3 + 1, gas_quorum[i], gas_all[i]);
    /* Each further signature costs an ecrecover and a cold storage read. */
    assert_true(gas_quorum[3] > gas_quorum[0]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_domain_and_digests, case_setup),
        cmocka_unit_test_setup(test_batch_single, case_setup),
        cmocka_unit_test_setup(test_batch_four, case_setup),
        cmocka_unit_test_setup(test_batch_weighted, case_setup),
        cmocka_unit_test_setup(test_batch_rejections, case_setup),
        cmocka_unit_test_setup(test_forced_inclusion, case_setup),
        cmocka_unit_test_setup(test_force_advance, case_setup),
        cmocka_unit_test_setup(test_slash_double_vote, case_setup),
        cmocka_unit_test_setup(test_slash_double_proposal, case_setup),
        cmocka_unit_test_setup(test_slash_double_timeout_cast, case_setup),
        cmocka_unit_test_setup(test_slash_double_attestation, case_setup),
        cmocka_unit_test_setup(test_slash_rejections, case_setup),
        cmocka_unit_test_setup(test_bonding_modes, case_setup),
        cmocka_unit_test_setup(test_unbonding, case_setup),
        cmocka_unit_test_setup(test_gas_report, case_setup),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
