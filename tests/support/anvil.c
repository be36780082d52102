/* anvil.c — see anvil.h. */
#include "anvil.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define ANVIL_START_ATTEMPTS 8
#define ANVIL_WAIT_POLLS     250 /* x 20 ms */
#define ANVIL_STOP_POLLS     100 /* x 20 ms */

static void sleep_20ms(void)
{
    struct timespec ts = {.tv_sec = 0, .tv_nsec = 20 * 1000 * 1000};
    nanosleep(&ts, NULL);
}

bool test_port_probe(uint16_t port, bool by_bind)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    if (s < 0)
        return false;
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const struct sockaddr *addr = (const struct sockaddr *)&sa;
    bool ok = (by_bind ? bind(s, addr, sizeof(sa)) : connect(s, addr, sizeof(sa))) == 0;
    close(s);
    return ok;
}

uint16_t test_port_free(void)
{
    for (uint32_t p = 1031; p < 65000; p += 991) {
        if (test_port_probe((uint16_t)p, true))
            return (uint16_t)p;
    }
    return 0;
}

#define ANVIL_EXTRA_ARGS_MAX 8

static pid_t anvil_spawn(const char *path, uint16_t port, const char *const *extra)
{
    char port_str[8];
    snprintf(port_str, sizeof(port_str), "%u", (unsigned)port);
    const char *argv[10 + ANVIL_EXTRA_ARGS_MAX + 1] = {
        "anvil", "--host", "127.0.0.1", "--port", port_str, "--accounts", "1", "--silent"};
    size_t argc = 8;
    for (size_t i = 0; extra != NULL && extra[i] != NULL && i < ANVIL_EXTRA_ARGS_MAX; i++)
        argv[argc++] = extra[i];
    argv[argc] = NULL;
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
            _exit(1);
        int devnull = open("/dev/null", O_RDWR);
        if (devnull >= 0) {
            dup2(devnull, STDIN_FILENO);
            dup2(devnull, STDOUT_FILENO);
            dup2(devnull, STDERR_FILENO);
        }
        execv(path, (char *const *)argv);
        _exit(127);
    }
    return pid;
}

/* Port choice needs no reproducibility, only spread: pid and clock. */
static uint16_t port_random(uint64_t *state)
{
    *state = *state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (uint16_t)(20000 + (*state >> 33) % 40000);
}

/* Waits until anvil (pid in a) accepts connections on port; false if it
 * exits first or never answers. */
static bool anvil_wait(test_anvil *a, uint16_t port)
{
    for (int i = 0; i < ANVIL_WAIT_POLLS; i++) {
        if (waitpid(a->pid, NULL, WNOHANG) == a->pid) {
            a->pid = 0; /* lost the port, or failed to start */
            return false;
        }
        if (test_port_probe(port, false)) {
            a->port = port;
            snprintf(a->url, sizeof(a->url), "http://127.0.0.1:%u", (unsigned)port);
            return true;
        }
        sleep_20ms();
    }
    test_anvil_stop(a);
    return false;
}

bool test_anvil_start_with(test_anvil *a, const char *path, uint16_t port, const char *const *extra)
{
    uint64_t state = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 20);
    *a = (test_anvil){0};
    for (int attempt = 0; attempt < ANVIL_START_ATTEMPTS; attempt++) {
        uint16_t p = port != 0 ? port : port_random(&state);
        /* A given port is not probed by bind(): connections of an anvil just
         * stopped linger in TIME_WAIT, which anvil's own SO_REUSEADDR
         * ignores. Wait until nothing listens there any more. */
        for (int i = 0; port != 0 && i < ANVIL_WAIT_POLLS && test_port_probe(p, false); i++)
            sleep_20ms();
        if (port == 0 && !test_port_probe(p, true))
            continue;
        a->pid = anvil_spawn(path, p, extra);
        if (a->pid < 0) {
            a->pid = 0;
            return false;
        }
        if (anvil_wait(a, p))
            return true;
    }
    return false;
}

bool test_anvil_start(test_anvil *a, const char *path)
{
    return test_anvil_start_with(a, path, 0, NULL);
}

void test_anvil_stop(test_anvil *a)
{
    if (a->pid <= 0)
        return;
    kill(a->pid, SIGTERM);
    for (int i = 0; i < ANVIL_STOP_POLLS; i++) {
        if (waitpid(a->pid, NULL, WNOHANG) == a->pid) {
            a->pid = 0;
            return;
        }
        sleep_20ms();
    }
    kill(a->pid, SIGKILL);
    waitpid(a->pid, NULL, 0);
    a->pid = 0;
}

bool test_anvil_snapshot(l1_rpc *c, char *snap, size_t snap_cap)
{
    char *id = NULL;
    if (l1_rpc_call(c, &id, "evm_snapshot", NULL) != SEQ_OK)
        return false;
    int n = snprintf(snap, snap_cap, "[%s]", id);
    free(id);
    return n > 0 && (size_t)n < snap_cap;
}

bool test_anvil_rewind(l1_rpc *c, char *snap, size_t snap_cap)
{
    char *result = NULL;
    bool ok = l1_rpc_call(c, &result, "evm_revert", snap) == SEQ_OK && strcmp(result, "true") == 0;
    free(result);
    return ok && test_anvil_snapshot(c, snap, snap_cap);
}
