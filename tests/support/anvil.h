/* anvil.h — a private anvil (Foundry's L1 devnet) for tests: started on a
 * free 127.0.0.1 port, stopped by PID. The child carries PR_SET_PDEATHSIG,
 * so it dies with the test even when the test is killed by a timeout. */
#ifndef SEQ_TEST_ANVIL_H
#define SEQ_TEST_ANVIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "l1.h"

typedef struct {
    pid_t pid; /* 0 when not running */
    uint16_t port;
    char url[32]; /* http://127.0.0.1:PORT */
} test_anvil;

/* True iff connect() (by_bind false: is anything listening?) or bind()
 * (by_bind true: is the port free?) succeeds on 127.0.0.1:port. */
bool test_port_probe(uint16_t port, bool by_bind);

/* A loopback port nothing listens on right now (a dead endpoint for
 * tests), or 0 if none was found. */
uint16_t test_port_free(void);

/* Starts the anvil binary at path on a random free port with one funded
 * account, silent; tries another port if it loses a race for one or never
 * answers. True once it accepts connections. */
bool test_anvil_start(test_anvil *a, const char *path);

/* test_anvil_start on a given port (0: a random free one; on a given port
 * another listener is waited for up to 5 s to go, e.g. after a stop) with
 * extra anvil arguments (NULL-terminated, at most 8, may be NULL), e.g.
 * {"--state", PATH, NULL} to keep the chain across a stop and a start. */
bool test_anvil_start_with(test_anvil *a, const char *path, uint16_t port,
                           const char *const *extra);

/* SIGTERM, then SIGKILL after 2 s; reaps the child. Idempotent. */
void test_anvil_stop(test_anvil *a);

/* Cases that each start from one chain state: test_anvil_snapshot takes
 * an evm_snapshot through c and keeps it in snap as the JSON params
 * evm_revert takes ("[id]"); test_anvil_rewind reverts to it and takes a
 * new one (anvil forgets a snapshot once it reverted to it). False on any
 * failure (an RPC error, an answer other than true, snap too small). */
bool test_anvil_snapshot(l1_rpc *c, char *snap, size_t snap_cap);
bool test_anvil_rewind(l1_rpc *c, char *snap, size_t snap_cap);

/* In a cmocka test: fails it unless call returns SEQ_OK, naming the call,
 * the error and the last error of the l1_rpc client. */
#define TEST_L1_OK(client, call)                                                         \
    do {                                                                                 \
        seq_err got_ = (call);                                                           \
        if (got_ != SEQ_OK)                                                              \
            fail_msg("%s: %s: %s", #call, seq_errname(got_), l1_rpc_last_error(client)); \
    } while (0)

#endif /* SEQ_TEST_ANVIL_H */
