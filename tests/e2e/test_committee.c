/* test_committee.c — four real seqd processes on loopback order blocks and
 * transactions.
 *
 * In a fresh directory: seqctl keygen x4 (plaintext keys), seqctl genesis
 * with free loopback ports, one config per node; start four seqd, wait
 * until every node committed 20 blocks with the same hashes at the same
 * heights. Then submit signed EIP-1559 txs (each sender to its own node,
 * through the l1 client's eth_sendRawTransaction) and opaque payloads
 * (seq_sendPayload, spread over the nodes), check the rejections of a
 * duplicate and of a tx for another chain, wait until every tx is soft-
 * confirmed on every node at the same (height, index), each sender's txs in
 * nonce order and no tx committed twice. SIGKILL one node and check that
 * the other three keep committing; restart it and check that it catches up
 * and agrees, txs included. Then SIGTERM every node (each must exit 0: a
 * clean shutdown, and no leak under the sanitizers), remove the
 * directory.
 *
 * Plain C: every check prints what it expected and what it saw, stops all
 * nodes and exits 1. */
#define _XOPEN_SOURCE 700 /* nftw */

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <jansson.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "anvil.h"
#include "clock.h"
#include "l1.h"

#define NODES             4u
#define HEIGHT_FIRST      20u    /* every node reaches this before the kill */
#define HEIGHT_MORE       10u    /* the three survivors commit this many more */
#define PHASE_MS_MAX      20000u /* each phase */
#define POLL_MS           100u
#define STOP_MS_MAX       10000u /* SIGTERM to exit */
#define PORT_BASE         20000u /* probed ports are below the ephemeral range */
#define PORT_SPAN         12000u
#define PORT_TRIES_MAX    200u
#define AGREE_HEIGHTS_MAX 300u /* heights compared block by block */
#define PATH_BYTES        1024u
#define DIR_BYTES         512u /* the test directory; a path in it fits PATH_BYTES */
#define L2_CHAIN_ID       901u
#define SENDERS           NODES /* sender k submits to node k */
#define NONCES            10u   /* txs per sender */
#define PAYLOADS          40u   /* opaque payloads, round robin over the nodes */
#define TXS               (SENDERS * NONCES + PAYLOADS)

typedef struct {
    pid_t pid;
    uint16_t peer_port, rpc_port;
    char rpc_url[64];
    l1_rpc *rpc;
} node;

static char dir[DIR_BYTES];
static const char *seqd_path, *seqctl_path;
static node nodes[NODES];

static void stop_all(int signo);

static void fail(const char *format, ...) __attribute__((format(printf, 1, 2), noreturn));
static void fail(const char *format, ...)
{
    va_list ap;
    va_start(ap, format);
    fputs("test_committee: FAIL: ", stderr);
    vfprintf(stderr, format, ap);
    fputc('\n', stderr);
    va_end(ap);
    fprintf(stderr, "test_committee: node logs are in %s/log*\n", dir);
    stop_all(SIGKILL);
    exit(1);
}

#define CHECK(cond, ...)       \
    do {                       \
        if (!(cond))           \
            fail(__VA_ARGS__); \
    } while (0)

/* ------------------------------------------------------------ processes */

/* Forks and execs argv with stdout and stderr to log (or /dev/null); the
 * child dies with this process. */
static pid_t spawn(char *const argv[], const char *log)
{
    pid_t parent = getpid();
    pid_t pid = fork();
    CHECK(pid >= 0, "fork: %s", strerror(errno));
    if (pid > 0)
        return pid;
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent)
        _exit(127);
    int fd = open(log != NULL ? log : "/dev/null", O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd < 0 || chdir(dir) != 0)
        _exit(127);
    dup2(fd, STDOUT_FILENO);
    dup2(fd, STDERR_FILENO);
    close(fd);
    execv(argv[0], argv);
    _exit(127);
}

static int wait_exit(pid_t pid, uint32_t timeout_ms)
{
    uint64_t until = test_now_ms() + timeout_ms;
    int status = 0;
    for (;;) {
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid)
            return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        if (r < 0 || test_now_ms() > until)
            return -1;
        test_sleep_ms(10);
    }
}

static void run_tool(char *const argv[])
{
    char log[PATH_BYTES];
    snprintf(log, sizeof log, "%s/tools.log", dir);
    int code = wait_exit(spawn(argv, log), PHASE_MS_MAX);
    CHECK(code == 0, "%s %s exited with %d (see tools.log)", argv[0], argv[1], code);
}

static void node_start(size_t i)
{
    char config[PATH_BYTES], log[PATH_BYTES];
    snprintf(config, sizeof config, "%s/node%zu.json", dir, i);
    snprintf(log, sizeof log, "%s/log%zu", dir, i);
    char *argv[] = {(char *)seqd_path, "--config", config, NULL};
    nodes[i].pid = spawn(argv, log);
}

static void node_kill(size_t i, int signo)
{
    if (nodes[i].pid <= 0)
        return;
    kill(nodes[i].pid, signo);
    int code = wait_exit(nodes[i].pid, STOP_MS_MAX);
    if (code < 0) {
        kill(nodes[i].pid, SIGKILL);
        code = wait_exit(nodes[i].pid, STOP_MS_MAX);
    }
    nodes[i].pid = 0;
    if (signo == SIGTERM)
        CHECK(code == 0, "node %zu exited with %d after SIGTERM (see log%zu)", i, code, i);
}

static void stop_all(int signo)
{
    for (size_t i = 0; i < NODES; i++)
        if (nodes[i].pid > 0) {
            kill(nodes[i].pid, signo);
            waitpid(nodes[i].pid, NULL, 0);
            nodes[i].pid = 0;
        }
}

/* ---------------------------------------------------------------- setup */

static uint16_t free_port(uint64_t *rng, const uint16_t *taken, size_t taken_count)
{
    for (uint32_t t = 0; t < PORT_TRIES_MAX; t++) {
        *rng = *rng * 6364136223846793005ull + 1442695040888963407ull;
        uint16_t port = (uint16_t)(PORT_BASE + (uint32_t)(*rng >> 33) % PORT_SPAN);
        bool used = false;
        for (size_t k = 0; k < taken_count; k++)
            used = used || taken[k] == port;
        if (!used && test_port_probe(port, true))
            return port;
    }
    fail("no free loopback port found");
}

static void write_file(const char *name, const char *text)
{
    char path[PATH_BYTES];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    CHECK(f != NULL && fputs(text, f) >= 0 && fclose(f) == 0, "cannot write %s", path);
}

/* ----------------------------------------------------------------- txs */

typedef struct {
    seq_hash hash;
    int sender; /* -1 for a payload */
    uint64_t nonce;
    int64_t height; /* where node 0 committed it */
    int64_t index;
} sent_tx;

static sent_tx sent[TXS];

static void hex_of(char *out, size_t out_len, const uint8_t *in, size_t in_len)
{
    CHECK(l1_hex_encode(out, out_len, in, in_len) == SEQ_OK, "hex encode");
}

/* A signed EIP-1559 tx of sender (a test key) with nonce, for chain_id. */
static size_t signed_tx(uint8_t *raw, size_t cap, seq_hash *hash, unsigned sender, uint64_t nonce,
                        uint64_t chain_id)
{
    uint8_t key[32] = {0};
    key[31] = (uint8_t)(sender + 1);
    l1_tx tx = {.chain_id = chain_id,
                .nonce = nonce,
                .max_priority_fee_per_gas = 1000000000u,
                .max_fee_per_gas = 2000000000u,
                .gas_limit = 21000,
                .has_to = true};
    tx.to.b[19] = 0xaa;
    size_t len = 0;
    CHECK(l1_tx_sign(raw, cap, &len, hash, key, &tx) == SEQ_OK, "l1_tx_sign");
    return len;
}

static void submit_txs(void)
{
    uint8_t raw[512];
    size_t n = 0;
    for (unsigned k = 0; k < SENDERS; k++) {
        for (uint64_t nonce = 0; nonce < NONCES; nonce++, n++) {
            size_t len = signed_tx(raw, sizeof raw, &sent[n].hash, k, nonce, L2_CHAIN_ID);
            seq_hash echoed;
            seq_err err = l1_rpc_send_raw_tx(nodes[k].rpc, &echoed, raw, len);
            CHECK(err == SEQ_OK, "node %u refused sender %u nonce %llu: %s (%s)", k, k,
                  (unsigned long long)nonce, seq_strerror(err),
                  l1_rpc_last_remote(nodes[k].rpc) != NULL
                      ? l1_rpc_last_remote(nodes[k].rpc)->message
                      : "-");
            sent[n].sender = (int)k;
            sent[n].nonce = nonce;
        }
    }
    /* The last tx again, to another node: already known there once gossip
     * delivered it, or admitted, but in no case committed twice; to its own
     * node: refused. */
    size_t len = signed_tx(raw, sizeof raw, &(seq_hash){{0}}, SENDERS - 1, NONCES - 1, L2_CHAIN_ID);
    seq_hash echoed;
    CHECK(l1_rpc_send_raw_tx(nodes[SENDERS - 1].rpc, &echoed, raw, len) != SEQ_OK,
          "a duplicate tx was accepted by its ingress node");
    const l1_rpc_error *remote = l1_rpc_last_remote(nodes[SENDERS - 1].rpc);
    CHECK(remote != NULL && strstr(remote->message, "already known") != NULL,
          "duplicate: expected \"already known\", got %s", remote != NULL ? remote->message : "-");
    /* Another chain's tx. */
    len = signed_tx(raw, sizeof raw, &(seq_hash){{0}}, 0, NONCES, L2_CHAIN_ID + 1);
    CHECK(l1_rpc_send_raw_tx(nodes[0].rpc, &echoed, raw, len) != SEQ_OK,
          "a tx for another chain was accepted");
    for (unsigned p = 0; p < PAYLOADS; p++, n++) {
        uint8_t payload[32];
        memset(payload, (int)p, sizeof payload);
        char data[2 + 2 * sizeof payload + 1], params[128], *result = NULL;
        hex_of(data, sizeof data, payload, sizeof payload);
        snprintf(params, sizeof params, "[%u, \"%s\"]", 7 + p % 3, data);
        l1_rpc *rpc = nodes[p % NODES].rpc;
        CHECK(l1_rpc_call(rpc, &result, "seq_sendPayload", params) == SEQ_OK,
              "seq_sendPayload %u refused", p);
        /* The result is the hash, a JSON string. */
        CHECK(strlen(result) == 68 &&
                  l1_hex_decode_exact(sent[n].hash.b, SEQ_HASH_BYTES,
                                      (result[67] = '\0', result + 1)) == SEQ_OK,
              "seq_sendPayload result %s", result);
        free(result);
        sent[n].sender = -1;
    }
}

/* seq_getTransactionStatus of tx on node i: *height and *index when soft-
 * confirmed (returns true), else false. */
static bool tx_location(size_t i, const sent_tx *tx, int64_t *height, int64_t *index)
{
    char hash[67], params[80], *text = NULL;
    hex_of(hash, sizeof hash, tx->hash.b, SEQ_HASH_BYTES);
    snprintf(params, sizeof params, "[\"%s\"]", hash);
    if (l1_rpc_call(nodes[i].rpc, &text, "seq_getTransactionStatus", params) != SEQ_OK)
        return false;
    json_t *st = json_loads(text, 0, NULL);
    free(text);
    json_t *soft = json_object_get(st, "softConfirmed");
    bool ok = json_is_object(soft);
    if (ok) {
        *height = (int64_t)json_integer_value(json_object_get(soft, "height"));
        *index = (int64_t)json_integer_value(json_object_get(soft, "index"));
        const char *status = json_string_value(json_object_get(st, "status"));
        CHECK(status != NULL && strcmp(status, "softConfirmed") == 0, "status %s",
              status != NULL ? status : "-");
    }
    json_decref(st);
    return ok;
}

/* Waits until every tx is soft-confirmed on every node in mask, at the
 * same place as on node 0. */
static void wait_txs(unsigned mask, const char *phase)
{
    uint64_t start = test_now_ms();
    for (size_t t = 0; t < TXS; t++) {
        for (size_t i = 0; i < NODES; i++) {
            if (!((mask >> i) & 1u))
                continue;
            int64_t h = -1, x = -1;
            while (!tx_location(i, &sent[t], &h, &x)) {
                CHECK(test_now_ms() - start < PHASE_MS_MAX,
                      "%s: tx %zu not soft-confirmed on node %zu in %u ms", phase, t, i,
                      PHASE_MS_MAX);
                test_sleep_ms(POLL_MS / 4);
            }
            if (i == 0) {
                sent[t].height = h;
                sent[t].index = x;
            }
            CHECK(h == sent[t].height && x == sent[t].index,
                  "%s: tx %zu at %lld/%lld on node %zu, %lld/%lld on node 0", phase, t,
                  (long long)h, (long long)x, i, (long long)sent[t].height,
                  (long long)sent[t].index);
        }
    }
    printf("test_committee: %s: %u txs soft-confirmed after %llu ms\n", phase, TXS,
           (unsigned long long)(test_now_ms() - start));
}

/* Each sender's txs commit in nonce order, and no tx twice: the blocks of
 * node 0 hold exactly as many txs as distinct hashes. */
static void check_tx_order(void)
{
    for (size_t t = 1; t < TXS; t++) {
        if (sent[t].sender < 0 || sent[t].sender != sent[t - 1].sender)
            continue;
        CHECK(sent[t].height > sent[t - 1].height ||
                  (sent[t].height == sent[t - 1].height && sent[t].index > sent[t - 1].index),
              "sender %d: nonce %llu committed before nonce %llu", sent[t].sender,
              (unsigned long long)sent[t].nonce, (unsigned long long)sent[t - 1].nonce);
    }
    int64_t top = 0;
    for (size_t t = 0; t < TXS; t++)
        top = SEQ_MAX(top, sent[t].height);
    size_t total = 0;
    for (int64_t h = 1; h <= top; h++) {
        char params[40], *text = NULL;
        snprintf(params, sizeof params, "[%lld, true]", (long long)h);
        CHECK(l1_rpc_call(nodes[0].rpc, &text, "seq_getBlockByHeight", params) == SEQ_OK,
              "block %lld", (long long)h);
        json_t *b = json_loads(text, 0, NULL);
        free(text);
        json_t *txs = json_object_get(b, "transactions");
        CHECK(json_is_array(txs) &&
                  json_array_size(txs) == (size_t)json_integer_value(json_object_get(b, "txCount")),
              "block %lld: transactions do not match txCount", (long long)h);
        total += json_array_size(txs);
        json_decref(b);
    }
    CHECK(total == TXS, "blocks 1..%lld hold %zu txs, %u were submitted once each", (long long)top,
          total, TXS);
}

static void setup(void)
{
    uint16_t taken[2 * NODES];
    uint64_t rng = (uint64_t)getpid() ^ test_now_ms();
    char key_dirs[NODES][16], endpoints[NODES][64];
    char *genesis[10 + 4 * NODES + 1];
    size_t g = 0;
    genesis[g++] = (char *)seqctl_path;
    genesis[g++] = "genesis";
    genesis[g++] = "--l2-chain-id";
    genesis[g++] = "901";
    genesis[g++] = "--l1-chain-id";
    genesis[g++] = "31337";
    genesis[g++] = "--timeout-ms-base";
    genesis[g++] = "300"; /* views led by the killed node time out quickly */
    genesis[g++] = "--out";
    genesis[g++] = "genesis.json";
    for (size_t i = 0; i < NODES; i++) {
        nodes[i].peer_port = taken[2 * i] = free_port(&rng, taken, 2 * i);
        nodes[i].rpc_port = taken[2 * i + 1] = free_port(&rng, taken, 2 * i + 1);
        snprintf(nodes[i].rpc_url, sizeof nodes[i].rpc_url, "http://127.0.0.1:%u",
                 (unsigned)nodes[i].rpc_port);
        snprintf(key_dirs[i], sizeof key_dirs[i], "k%zu", i);
        snprintf(endpoints[i], sizeof endpoints[i], "tcp://127.0.0.1:%u",
                 (unsigned)nodes[i].peer_port);
        char *keygen[] = {(char *)seqctl_path, "keygen",         "--out",
                          key_dirs[i],         "--insecure-key", NULL};
        run_tool(keygen);
        genesis[g++] = "--key-dir";
        genesis[g++] = key_dirs[i];
        genesis[g++] = "--endpoint";
        genesis[g++] = endpoints[i];
        char config[512], name[32];
        snprintf(config, sizeof config,
                 "{\"version\": 1, \"data_dir\": \"data%zu\", \"genesis\": \"genesis.json\",\n"
                 " \"key_dir\": \"k%zu\", \"insecure_key\": true,\n"
                 " \"rpc_listen\": \"%s\"}\n",
                 i, i, nodes[i].rpc_url);
        snprintf(name, sizeof name, "node%zu.json", i);
        write_file(name, config);
        l1_rpc_options options;
        l1_rpc_options_default(&options);
        options.connect_timeout_ms = 1000;
        options.timeout_ms = 1000;
        options.retries = 0;
        CHECK(l1_rpc_new(&nodes[i].rpc, nodes[i].rpc_url, &options) == SEQ_OK, "l1_rpc_new");
    }
    genesis[g] = NULL;
    run_tool(genesis);
}

/* ---------------------------------------------------------------- RPC */

/* seq_status's committed height, or -1 if the node does not answer. */
static int64_t height_of(size_t i)
{
    char *text = NULL;
    if (l1_rpc_call(nodes[i].rpc, &text, "seq_status", NULL) != SEQ_OK)
        return -1;
    json_t *s = json_loads(text, 0, NULL);
    free(text);
    int64_t h = json_is_integer(json_object_get(s, "height"))
                    ? (int64_t)json_integer_value(json_object_get(s, "height"))
                    : -1;
    json_decref(s);
    return h;
}

/* Time a node has to fetch the QC of a block it committed without one. */
#define QC_GRACE_MS 1500u

/* Committed blocks the agreement check found without a stored QC. */
static unsigned blocks_without_qc;

/* The hash of node i's block at height into out ("0x..."); false if none. */
static bool hash_at(char out[67], size_t i, uint64_t height)
{
    char params[32], *text = NULL;
    snprintf(params, sizeof params, "[%llu]", (unsigned long long)height);
    if (l1_rpc_call(nodes[i].rpc, &text, "seq_getBlockByHeight", params) != SEQ_OK)
        return false;
    json_t *b = json_loads(text, 0, NULL);
    free(text);
    const char *hash = json_string_value(json_object_get(b, "hash"));
    bool ok = hash != NULL && strlen(hash) == 66;
    json_int_t signers = json_integer_value(json_object_get(b, "qcSigners"));
    CHECK(signers == 0 || signers >= 3, "node %zu: height %llu has a QC of %lld signers", i,
          (unsigned long long)height, (long long)signers);
    blocks_without_qc += ok && signers == 0;
    if (ok)
        memcpy(out, hash, 67);
    json_decref(b);
    return ok;
}

/* Waits until every node in mask has committed at least target. */
static void wait_heights(unsigned mask, uint64_t target, const char *phase)
{
    uint64_t start = test_now_ms();
    for (;;) {
        bool all = true;
        for (size_t i = 0; i < NODES; i++)
            if ((mask >> i) & 1u)
                all = all && height_of(i) >= (int64_t)target;
        if (all) {
            printf("test_committee: %s: height %llu after %llu ms\n", phase,
                   (unsigned long long)target, (unsigned long long)(test_now_ms() - start));
            return;
        }
        CHECK(test_now_ms() - start < PHASE_MS_MAX, "%s: height %llu not reached in %u ms", phase,
              (unsigned long long)target, PHASE_MS_MAX);
        test_sleep_ms(POLL_MS);
    }
}

/* Every node in mask has the same block at each height 1..up_to. */
static void check_agreement(unsigned mask, uint64_t up_to)
{
    uint64_t from = up_to > AGREE_HEIGHTS_MAX ? up_to - AGREE_HEIGHTS_MAX + 1 : 1;
    for (uint64_t h = from; h <= up_to; h++) {
        char first[67] = "", other[67];
        for (size_t i = 0; i < NODES; i++) {
            if (!((mask >> i) & 1u))
                continue;
            CHECK(hash_at(other, i, h), "node %zu has no committed block at height %llu", i,
                  (unsigned long long)h);
            if (first[0] == '\0')
                memcpy(first, other, sizeof first);
            CHECK(strcmp(first, other) == 0, "height %llu: node %zu has %s, another has %s",
                  (unsigned long long)h, i, other, first);
        }
    }
}

/* Every node in mask stores a QC for each committed height below up_to
 * (the store must prove its chain to serve block sync). A block committed
 * without one has its QC fetched, so a missing one gets QC_GRACE_MS. */
static void check_qcs_stored(unsigned mask, uint64_t up_to)
{
    test_sleep_ms(QC_GRACE_MS);
    unsigned before = blocks_without_qc;
    check_agreement(mask, up_to);
    CHECK(blocks_without_qc == before, "%u committed blocks below height %llu have no stored QC",
          blocks_without_qc - before, (unsigned long long)up_to);
}

static int64_t min_height(unsigned mask)
{
    int64_t least = INT64_MAX;
    for (size_t i = 0; i < NODES; i++)
        if ((mask >> i) & 1u)
            least = SEQ_MIN(least, height_of(i));
    return least;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

int main(void)
{
    uint64_t started = test_now_ms();
    seqd_path = getenv("SEQ_SEQD");
    seqctl_path = getenv("SEQ_SEQCTL");
    CHECK(seqd_path != NULL && seqctl_path != NULL, "SEQ_SEQD and SEQ_SEQCTL must be set");
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/seq-e2e-XXXXXX", tmp != NULL ? tmp : "/tmp");
    CHECK(mkdtemp(dir) != NULL, "mkdtemp: %s", strerror(errno));
    setup();
    const unsigned all = (1u << NODES) - 1u, survivors = all & ~(1u << (NODES - 1));

    for (size_t i = 0; i < NODES; i++)
        node_start(i);
    wait_heights(all, HEIGHT_FIRST, "four nodes");
    check_agreement(all, (uint64_t)min_height(all));
    submit_txs();
    wait_txs(all, "four nodes");
    check_tx_order();

    node_kill(NODES - 1, SIGKILL);
    int64_t at_kill = min_height(survivors);
    CHECK(at_kill >= HEIGHT_FIRST, "survivors answer after the kill");
    wait_heights(survivors, (uint64_t)at_kill + HEIGHT_MORE, "three nodes after SIGKILL");

    node_start(NODES - 1);
    int64_t target = min_height(survivors);
    wait_heights(all, (uint64_t)target, "restarted node caught up");
    check_agreement(all, (uint64_t)min_height(all));
    wait_txs(all, "restarted node caught up");
    check_qcs_stored(all, (uint64_t)min_height(all));

    for (size_t i = 0; i < NODES; i++)
        node_kill(i, SIGTERM);
    for (size_t i = 0; i < NODES; i++)
        l1_rpc_free(nodes[i].rpc);
    CHECK(nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS) == 0, "cannot remove %s", dir);
    printf("test_committee: OK in %llu ms (%u committed blocks seen without a stored QC)\n",
           (unsigned long long)(test_now_ms() - started), blocks_without_qc);
    return 0;
}
