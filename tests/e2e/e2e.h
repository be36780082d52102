/* e2e.h — a committee of real seqd processes on loopback for process-level
 * tests: keys and genesis from seqctl, free ports, one config per node,
 * processes that die with the test (PR_SET_PDEATHSIG) and are stopped by
 * PID, and JSON-RPC reads of their status.
 *
 * Plain C: a failed check prints what it expected and what it saw, kills
 * every node and exits 1 (e2e_fail). Not thread-safe: call from the test's
 * main thread only. */
#ifndef SEQ_E2E_H
#define SEQ_E2E_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "anvil.h"
#include "l1.h"

#define E2E_NODES_MAX  8u
#define E2E_PATH_BYTES 1024u

typedef struct {
    pid_t pid;
    uint16_t peer_port;   /* its genesis endpoint */
    uint16_t listen_port; /* where it listens: peer_port unless a test puts a proxy there */
    uint16_t rpc_port;
    char rpc_url[64];
    l1_rpc *rpc;
} e2e_node;

typedef struct {
    const char *name; /* in messages: "test_adversarial" */
    char dir[512];    /* the test directory (mkdtemp) */
    const char *seqd_path, *seqctl_path;
    size_t count;
    e2e_node nodes[E2E_NODES_MAX];
    uint64_t rng; /* port choice */
    /* NULL: each node logs at its config's level (info); else seqd gets
     * --log-level log_level (set it after e2e_setup, before starting). */
    const char *log_level;
    /* NULL, or called once by e2e_fail before it stops the nodes, so that
     * a test can report what it can still find out (it may call e2e_fail
     * itself: the hook is cleared first). */
    void (*on_fail)(void);
} e2e_committee;

extern e2e_committee *e2e_current; /* what e2e_fail stops */

void e2e_fail(const char *format, ...) __attribute__((format(printf, 1, 2), noreturn));

#define E2E_CHECK(cond, ...)       \
    do {                           \
        if (!(cond))               \
            e2e_fail(__VA_ARGS__); \
    } while (0)

/* A loopback port free now and not in taken[0..taken_count). */
uint16_t e2e_free_port(e2e_committee *c, const uint16_t *taken, size_t taken_count);

/* Makes the test directory, keys (plaintext), a genesis and one config per
 * node: count nodes, timeout_ms_base of the genesis. A node in the bit
 * mask listen_apart listens on a free port of its own (listen_port) rather
 * than on its genesis endpoint (peer_port), so that a test can put a proxy
 * there. Reads SEQ_SEQD and SEQ_SEQCTL. */
void e2e_setup(e2e_committee *c, const char *name, size_t count, uint32_t timeout_ms_base,
               unsigned listen_apart);
/* e2e_setup with the genesis' timeout_ms_max too (0: seqctl's default). */
void e2e_setup_timeouts(e2e_committee *c, const char *name, size_t count, uint32_t timeout_ms_base,
                        uint32_t timeout_ms_max, unsigned listen_apart);

/* e2e_setup_timeouts in two steps, for a test that must learn what goes
 * into the genesis first (e.g. the L1 contract addresses from `seqctl l1
 * predict`): e2e_setup_nodes makes the directory, ports, keys and configs;
 * e2e_genesis then writes genesis.json with the timeouts (timeout_ms_max 0:
 * seqctl's default) and extra `seqctl genesis` arguments (NULL-terminated,
 * at most E2E_GENESIS_EXTRA_MAX; NULL: none), e.g. "--poster-timeout-ms",
 * "3000". */
#define E2E_GENESIS_EXTRA_MAX 24u
void e2e_setup_nodes(e2e_committee *c, const char *name, size_t count, unsigned listen_apart);
void e2e_genesis(e2e_committee *c, uint32_t timeout_ms_base, uint32_t timeout_ms_max,
                 const char *const *extra);

/* Runs argv (a tool, in the test directory, output to tools.log) and fails
 * unless it exits 0 in time. */
void e2e_tool(e2e_committee *c, char *const argv[]);

/* Sets key to value (a new reference, stolen) in the JSON file name of the
 * test directory, inside its member object (NULL: at the top): how a test
 * changes a node's config or the genesis after e2e_setup. */
void e2e_json_set(e2e_committee *c, const char *name, const char *object, const char *key,
                  json_t *value);
/* The JSON file name of the test directory, parsed (json_decref it); fails
 * unless it reads. */
json_t *e2e_json_load(e2e_committee *c, const char *name);

void e2e_node_start(e2e_committee *c, size_t i);
/* Sends signo and waits; with SIGTERM the node must exit 0. */
void e2e_node_stop(e2e_committee *c, size_t i, int signo);
/* Sends signo to node i and returns at once (SIGSTOP, SIGCONT). */
void e2e_node_signal(e2e_committee *c, size_t i, int signo);
void e2e_stop_all(e2e_committee *c, int signo);
/* Stops every node with SIGTERM (each must exit 0), frees the clients and
 * removes the directory (kept, and named, when SEQ_E2E_KEEP is set and not
 * "0": the logs of a passing run, for a closer look). */
void e2e_teardown(e2e_committee *c);

/* Runs the seqctl binary with args (NULL-terminated, at most
 * E2E_SEQCTL_ARGS_MAX) in the test directory; its stdout and stderr
 * together go to out (NUL-terminated, cut at out_cap). Returns its exit
 * code; fails if it does not exit in time. */
#define E2E_SEQCTL_ARGS_MAX 16u
int e2e_seqctl(e2e_committee *c, char *out, size_t out_cap, char *const args[]);

/* seq_status of node i (json_decref it), or NULL if it does not answer. */
json_t *e2e_status(e2e_committee *c, size_t i);
/* Its member l1 (json_decref it), or NULL. */
json_t *e2e_status_l1(e2e_committee *c, size_t i);
/* Its committed height, or -1. */
int64_t e2e_height(e2e_committee *c, size_t i);
/* The highest height any node in mask reports (-1 if none answers). */
int64_t e2e_max_height(e2e_committee *c, unsigned mask);
/* The lowest height of the nodes in mask (-1 if one does not answer). */
int64_t e2e_min_height(e2e_committee *c, unsigned mask);
/* Waits until every node in mask committed target; fails after ms. */
void e2e_wait_heights(e2e_committee *c, unsigned mask, uint64_t target, uint32_t ms,
                      const char *phase);
/* The hash ("0x" + 64 hex) of node i's committed block at height into
 * out; false if it has none or does not answer. */
bool e2e_block_hash(e2e_committee *c, size_t i, uint64_t height, char out[67]);
/* Every node in mask has the same committed block at each height
 * from..to; fails otherwise. */
void e2e_check_agreement(e2e_committee *c, unsigned mask, uint64_t from, uint64_t to);
/* peers[peer].<field> (an integer) of node i's status, or -1. */
int64_t e2e_peer_counter(e2e_committee *c, size_t i, size_t peer, const char *field);

/* The result of JSON-RPC method (params_json a JSON array, NULL: []) at
 * node i, parsed (any JSON value, null included; json_decref it), or NULL
 * if the call failed (l1_rpc_last_error(c->nodes[i].rpc) says why). */
json_t *e2e_call(e2e_committee *c, size_t i, const char *method, const char *params_json);
/* The integer at a dotted path of objects ("l1.batcher.postsSent") in obj,
 * or -1 if a member is missing or not an integer. */
int64_t e2e_int_at(const json_t *obj, const char *path);

/* l1_hex_encode of in[0..in_len) into out (fails the test if it does not
 * fit). */
void e2e_hex(char *out, size_t out_len, const uint8_t *in, size_t in_len);
/* A JSON string "0x" + 64 (40) hex digits into *out; false for anything
 * else. */
bool e2e_hash_from(seq_hash *out, const json_t *v);
bool e2e_addr_from(seq_addr *out, const json_t *v);

/* ------------------------------------------------------ a private L1 */

/* The private key of anvil's first dev account (funded). */
#define E2E_DEV_KEY "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"

/* Starts a from the anvil binary at path on port (0: a random free one;
 * see test_anvil_start_with) with its chain in anvil-state.json of the
 * test directory, so that a stop (SIGTERM: anvil writes the state) and a
 * start on the same port go on with the same chain, and extra anvil
 * arguments (NULL-terminated, at most E2E_ANVIL_EXTRA_MAX; NULL: none).
 * Fails unless anvil starts. The test stops it (test_anvil_stop, also
 * from atexit). */
#define E2E_ANVIL_EXTRA_MAX 6u
void e2e_anvil_start(e2e_committee *c, test_anvil *a, const char *path, uint16_t port,
                     const char *const *extra);
/* Writes E2E_DEV_KEY to dev.key (mode 0600) in the test directory. */
void e2e_dev_key_write(e2e_committee *c);
/* Deploys the contracts from dev.key (e2e_dev_key_write) to the L1 at
 * rpc_url with `seqctl l1 deploy` and the test directory's genesis.json;
 * seqctl writes l1-deployment.json there. Fails unless it exits 0. */
void e2e_l1_deploy(e2e_committee *c, const char *rpc_url);
/* `seqctl l1 predict` at rpc_url from dev.key: where `seqctl l1 deploy`
 * will put the Committee and the Inbox ("0x" + 40 hex digits each). */
void e2e_l1_predict(e2e_committee *c, const char *rpc_url, char committee_out[43],
                    char inbox_out[43]);
/* The genesis committee's addresses (genesis.json of the test directory,
 * c->count of them) into out, in order, each given balance_wei (a "0x"
 * quantity) on the L1 behind rpc with anvil_setBalance. */
void e2e_validators_fund(e2e_committee *c, l1_rpc *rpc, seq_addr *out, const char *balance_wei);
/* Points node i's config at the L1: l1_rpc rpc_url, l1_poll_ms 100. */
void e2e_config_l1(e2e_committee *c, size_t i, const char *rpc_url);

/* VmRSS of pid in KiB (from /proc/PID/status), or -1. */
int64_t e2e_rss_kib(pid_t pid);

/* The size of node i's log file now; e2e_log_has: does its log from offset
 * on contain a line with all of the given fragments? */
long e2e_log_size(e2e_committee *c, size_t i);
bool e2e_log_has(e2e_committee *c, size_t i, long offset, const char *fragment_a,
                 const char *fragment_b);

#endif /* SEQ_E2E_H */
