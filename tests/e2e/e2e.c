/* e2e.c — a committee of real seqd processes on loopback (e2e.h). The
 * process handling follows test_committee.c: fork + exec with stdout and
 * stderr to a log, PR_SET_PDEATHSIG so no node outlives the test, stop by
 * PID only. */
#define _XOPEN_SOURCE 700 /* nftw */

#include "e2e.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "anvil.h"
#include "clock.h"

#define E2E_TOOL_MS_MAX   20000u
#define E2E_STOP_MS_MAX   10000u
#define E2E_POLL_MS       100u
#define E2E_PORT_BASE     20000u /* probed ports are below the ephemeral range */
#define E2E_PORT_SPAN     12000u
#define E2E_PORT_TRIES    200u
#define E2E_LOG_LINE_MAX  4096u
#define E2E_LOG_LINES_MAX 200000u /* lines read by one e2e_log_has */

e2e_committee *e2e_current;

void e2e_fail(const char *format, ...)
{
    e2e_committee *c = e2e_current;
    const char *name = c != NULL ? c->name : "e2e";
    va_list ap;
    va_start(ap, format);
    fprintf(stderr, "%s: FAIL: ", name);
    vfprintf(stderr, format, ap);
    fputc('\n', stderr);
    va_end(ap);
    if (c != NULL && c->on_fail != NULL) {
        void (*hook)(void) = c->on_fail;
        c->on_fail = NULL;
        hook();
    }
    if (c != NULL) {
        fprintf(stderr, "%s: node logs are in %s/log*\n", name, c->dir);
        e2e_stop_all(c, SIGKILL);
    }
    exit(1);
}

/* Forks and execs argv with stdout and stderr to log (or /dev/null) in the
 * test directory; the child dies with this process. */
static pid_t spawn(e2e_committee *c, char *const argv[], const char *log)
{
    pid_t parent = getpid();
    pid_t pid = fork();
    E2E_CHECK(pid >= 0, "fork: %s", strerror(errno));
    if (pid > 0)
        return pid;
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent)
        _exit(127);
    int fd = open(log != NULL ? log : "/dev/null", O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd < 0 || chdir(c->dir) != 0)
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

static void run_tool(e2e_committee *c, char *const argv[])
{
    char log[E2E_PATH_BYTES];
    snprintf(log, sizeof log, "%s/tools.log", c->dir);
    int code = wait_exit(spawn(c, argv, log), E2E_TOOL_MS_MAX);
    E2E_CHECK(code == 0, "%s %s exited with %d (see tools.log)", argv[0], argv[1], code);
}

uint16_t e2e_free_port(e2e_committee *c, const uint16_t *taken, size_t taken_count)
{
    for (uint32_t t = 0; t < E2E_PORT_TRIES; t++) {
        c->rng = c->rng * 6364136223846793005ull + 1442695040888963407ull;
        uint16_t port = (uint16_t)(E2E_PORT_BASE + (uint32_t)(c->rng >> 33) % E2E_PORT_SPAN);
        bool used = false;
        for (size_t k = 0; k < taken_count; k++)
            used = used || taken[k] == port;
        if (!used && test_port_probe(port, true))
            return port;
    }
    e2e_fail("no free loopback port found");
}

static void write_file(e2e_committee *c, const char *name, const char *text)
{
    char path[E2E_PATH_BYTES];
    snprintf(path, sizeof path, "%s/%s", c->dir, name);
    FILE *f = fopen(path, "w");
    E2E_CHECK(f != NULL && fputs(text, f) >= 0 && fclose(f) == 0, "cannot write %s", path);
}

static void node_config(e2e_committee *c, size_t i)
{
    e2e_node *nd = &c->nodes[i];
    char listen[96] = "";
    if (nd->listen_port != nd->peer_port)
        snprintf(listen, sizeof listen, " \"listen\": \"tcp://127.0.0.1:%u\",\n",
                 (unsigned)nd->listen_port);
    char config[768], name[32];
    snprintf(config, sizeof config,
             "{\"version\": 1, \"data_dir\": \"data%zu\", \"genesis\": \"genesis.json\",\n"
             " \"key_dir\": \"k%zu\", \"insecure_key\": true,\n%s"
             " \"rpc_listen\": \"%s\"}\n",
             i, i, listen, nd->rpc_url);
    snprintf(name, sizeof name, "node%zu.json", i);
    write_file(c, name, config);
    l1_rpc_options options;
    l1_rpc_options_default(&options);
    options.connect_timeout_ms = 1000;
    options.timeout_ms = 2000;
    options.retries = 0;
    E2E_CHECK(l1_rpc_new(&nd->rpc, nd->rpc_url, &options) == SEQ_OK, "l1_rpc_new");
}

void e2e_setup(e2e_committee *c, const char *name, size_t count, uint32_t timeout_ms_base,
               unsigned listen_apart)
{
    e2e_setup_timeouts(c, name, count, timeout_ms_base, 0, listen_apart);
}

void e2e_setup_timeouts(e2e_committee *c, const char *name, size_t count, uint32_t timeout_ms_base,
                        uint32_t timeout_ms_max, unsigned listen_apart)
{
    e2e_setup_nodes(c, name, count, listen_apart);
    e2e_genesis(c, timeout_ms_base, timeout_ms_max, NULL);
}

void e2e_setup_nodes(e2e_committee *c, const char *name, size_t count, unsigned listen_apart)
{
    memset(c, 0, sizeof *c);
    e2e_current = c;
    c->name = name;
    c->count = count;
    E2E_CHECK(count >= 1 && count <= E2E_NODES_MAX, "committee of %zu", count);
    c->seqd_path = getenv("SEQ_SEQD");
    c->seqctl_path = getenv("SEQ_SEQCTL");
    E2E_CHECK(c->seqd_path != NULL && c->seqctl_path != NULL,
              "SEQ_SEQD and SEQ_SEQCTL must be set");
    const char *tmp = getenv("TMPDIR");
    snprintf(c->dir, sizeof c->dir, "%s/seq-e2e-XXXXXX", tmp != NULL ? tmp : "/tmp");
    E2E_CHECK(mkdtemp(c->dir) != NULL, "mkdtemp: %s", strerror(errno));
    c->rng = (uint64_t)getpid() ^ test_now_ms();

    uint16_t taken[3 * E2E_NODES_MAX];
    size_t taken_count = 0;
    for (size_t i = 0; i < count; i++) {
        e2e_node *nd = &c->nodes[i];
        nd->peer_port = e2e_free_port(c, taken, taken_count);
        taken[taken_count++] = nd->peer_port;
        nd->rpc_port = e2e_free_port(c, taken, taken_count);
        taken[taken_count++] = nd->rpc_port;
        nd->listen_port = nd->peer_port;
        if ((listen_apart >> i) & 1u) {
            nd->listen_port = e2e_free_port(c, taken, taken_count);
            taken[taken_count++] = nd->listen_port;
        }
        snprintf(nd->rpc_url, sizeof nd->rpc_url, "http://127.0.0.1:%u", (unsigned)nd->rpc_port);
        char key_dir[24];
        snprintf(key_dir, sizeof key_dir, "k%zu", i);
        char *keygen[] = {(char *)c->seqctl_path, "keygen", "--out", key_dir,
                          "--insecure-key",       NULL};
        run_tool(c, keygen);
        node_config(c, i);
    }
}

void e2e_genesis(e2e_committee *c, uint32_t timeout_ms_base, uint32_t timeout_ms_max,
                 const char *const *extra)
{
    char key_dirs[E2E_NODES_MAX][24], endpoints[E2E_NODES_MAX][64], timeout[16], timeout_max[16];
    char *genesis[12 + E2E_GENESIS_EXTRA_MAX + 4 * E2E_NODES_MAX + 1];
    size_t g = 0;
    snprintf(timeout, sizeof timeout, "%u", (unsigned)timeout_ms_base);
    snprintf(timeout_max, sizeof timeout_max, "%u", (unsigned)timeout_ms_max);
    genesis[g++] = (char *)c->seqctl_path;
    genesis[g++] = "genesis";
    genesis[g++] = "--l2-chain-id";
    genesis[g++] = "901";
    genesis[g++] = "--l1-chain-id";
    genesis[g++] = "31337";
    genesis[g++] = "--timeout-ms-base";
    genesis[g++] = timeout;
    genesis[g++] = "--out";
    genesis[g++] = "genesis.json";
    if (timeout_ms_max > 0) {
        genesis[g++] = "--timeout-ms-max";
        genesis[g++] = timeout_max;
    }
    for (size_t k = 0; extra != NULL && extra[k] != NULL; k++) {
        E2E_CHECK(k < E2E_GENESIS_EXTRA_MAX, "genesis: more than %u extra arguments",
                  E2E_GENESIS_EXTRA_MAX);
        genesis[g++] = (char *)extra[k];
    }
    for (size_t i = 0; i < c->count; i++) {
        snprintf(key_dirs[i], sizeof key_dirs[i], "k%zu", i);
        snprintf(endpoints[i], sizeof endpoints[i], "tcp://127.0.0.1:%u",
                 (unsigned)c->nodes[i].peer_port);
        genesis[g++] = "--key-dir";
        genesis[g++] = key_dirs[i];
        genesis[g++] = "--endpoint";
        genesis[g++] = endpoints[i];
    }
    genesis[g] = NULL;
    run_tool(c, genesis);
}

void e2e_node_start(e2e_committee *c, size_t i)
{
    char config[E2E_PATH_BYTES], log[E2E_PATH_BYTES];
    snprintf(config, sizeof config, "%s/node%zu.json", c->dir, i);
    snprintf(log, sizeof log, "%s/log%zu", c->dir, i);
    char *argv[] = {(char *)c->seqd_path, "--config", config, NULL, NULL, NULL};
    if (c->log_level != NULL) {
        argv[3] = "--log-level";
        argv[4] = (char *)c->log_level;
    }
    c->nodes[i].pid = spawn(c, argv, log);
}

void e2e_node_stop(e2e_committee *c, size_t i, int signo)
{
    e2e_node *nd = &c->nodes[i];
    if (nd->pid <= 0)
        return;
    kill(nd->pid, signo);
    int code = wait_exit(nd->pid, E2E_STOP_MS_MAX);
    if (code < 0) {
        kill(nd->pid, SIGKILL);
        code = wait_exit(nd->pid, E2E_STOP_MS_MAX);
    }
    nd->pid = 0;
    if (signo == SIGTERM)
        E2E_CHECK(code == 0, "node %zu exited with %d after SIGTERM (see log%zu)", i, code, i);
}

void e2e_node_signal(e2e_committee *c, size_t i, int signo)
{
    E2E_CHECK(c->nodes[i].pid > 0, "node %zu is not running", i);
    E2E_CHECK(kill(c->nodes[i].pid, signo) == 0, "kill node %zu: %s", i, strerror(errno));
}

void e2e_stop_all(e2e_committee *c, int signo)
{
    for (size_t i = 0; i < c->count; i++)
        if (c->nodes[i].pid > 0) {
            kill(c->nodes[i].pid, signo);
            if (signo == SIGKILL || signo == SIGTERM)
                kill(c->nodes[i].pid, SIGCONT); /* a stopped node acts on SIGTERM only then */
            waitpid(c->nodes[i].pid, NULL, 0);
            c->nodes[i].pid = 0;
        }
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

void e2e_teardown(e2e_committee *c)
{
    for (size_t i = 0; i < c->count; i++)
        e2e_node_stop(c, i, SIGTERM);
    for (size_t i = 0; i < c->count; i++) {
        l1_rpc_free(c->nodes[i].rpc);
        c->nodes[i].rpc = NULL;
    }
    const char *keep = getenv("SEQ_E2E_KEEP");
    if (keep != NULL && keep[0] != '\0' && strcmp(keep, "0") != 0)
        printf("%s: kept %s (SEQ_E2E_KEEP)\n", c->name, c->dir);
    else
        E2E_CHECK(nftw(c->dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS) == 0, "cannot remove %s",
                  c->dir);
    e2e_current = NULL;
}

int e2e_seqctl(e2e_committee *c, char *out, size_t out_cap, char *const args[])
{
    char log[E2E_PATH_BYTES];
    snprintf(log, sizeof log, "%s/seqctl.out", c->dir);
    E2E_CHECK(truncate(log, 0) == 0 || errno == ENOENT, "truncate %s: %s", log, strerror(errno));
    char *argv[E2E_SEQCTL_ARGS_MAX + 2];
    size_t n = 0;
    argv[n++] = (char *)c->seqctl_path;
    for (size_t k = 0; args[k] != NULL; k++) {
        E2E_CHECK(k < E2E_SEQCTL_ARGS_MAX, "seqctl: more than %u arguments", E2E_SEQCTL_ARGS_MAX);
        argv[n++] = args[k];
    }
    argv[n] = NULL;
    int code = wait_exit(spawn(c, argv, log), E2E_TOOL_MS_MAX);
    E2E_CHECK(code >= 0, "seqctl %s did not exit in %u ms", args[0], E2E_TOOL_MS_MAX);
    FILE *f = fopen(log, "r");
    size_t len = f != NULL ? fread(out, 1, out_cap - 1, f) : 0;
    out[len] = '\0';
    if (f != NULL)
        fclose(f);
    return code;
}

/* ---------------------------------------------------------------- RPC */

json_t *e2e_status(e2e_committee *c, size_t i)
{
    char *text = NULL;
    if (l1_rpc_call(c->nodes[i].rpc, &text, "seq_status", NULL) != SEQ_OK)
        return NULL;
    json_t *s = json_loads(text, 0, NULL);
    free(text);
    return s;
}

json_t *e2e_status_l1(e2e_committee *c, size_t i)
{
    json_t *s = e2e_status(c, i);
    json_t *l1 = json_object_get(s, "l1");
    json_incref(l1);
    json_decref(s);
    return l1;
}

int64_t e2e_height(e2e_committee *c, size_t i)
{
    json_t *s = e2e_status(c, i);
    json_t *h = json_object_get(s, "height");
    int64_t out = json_is_integer(h) ? (int64_t)json_integer_value(h) : -1;
    json_decref(s);
    return out;
}

int64_t e2e_min_height(e2e_committee *c, unsigned mask)
{
    int64_t least = INT64_MAX;
    for (size_t i = 0; i < c->count; i++)
        if ((mask >> i) & 1u) {
            int64_t h = e2e_height(c, i);
            least = h < least ? h : least;
        }
    return least;
}

void e2e_wait_heights(e2e_committee *c, unsigned mask, uint64_t target, uint32_t ms,
                      const char *phase)
{
    uint64_t start = test_now_ms();
    for (;;) {
        if (e2e_min_height(c, mask) >= (int64_t)target) {
            printf("%s: %s: height %llu after %llu ms\n", c->name, phase,
                   (unsigned long long)target, (unsigned long long)(test_now_ms() - start));
            return;
        }
        E2E_CHECK(test_now_ms() - start < ms, "%s: height %llu not reached in %u ms", phase,
                  (unsigned long long)target, (unsigned)ms);
        test_sleep_ms(E2E_POLL_MS);
    }
}

bool e2e_block_hash(e2e_committee *c, size_t i, uint64_t height, char out[67])
{
    char params[32], *text = NULL;
    snprintf(params, sizeof params, "[%llu]", (unsigned long long)height);
    if (l1_rpc_call(c->nodes[i].rpc, &text, "seq_getBlockByHeight", params) != SEQ_OK)
        return false;
    json_t *b = json_loads(text, 0, NULL);
    free(text);
    const char *hash = json_string_value(json_object_get(b, "hash"));
    bool ok = hash != NULL && strlen(hash) == 66;
    if (ok)
        memcpy(out, hash, 67);
    json_decref(b);
    return ok;
}

void e2e_check_agreement(e2e_committee *c, unsigned mask, uint64_t from, uint64_t to)
{
    for (uint64_t h = from; h <= to; h++) {
        char first[67] = "", other[67];
        for (size_t i = 0; i < c->count; i++) {
            if (!((mask >> i) & 1u))
                continue;
            E2E_CHECK(e2e_block_hash(c, i, h, other),
                      "node %zu has no committed block at height %llu", i, (unsigned long long)h);
            if (first[0] == '\0')
                memcpy(first, other, sizeof first);
            E2E_CHECK(strcmp(first, other) == 0, "height %llu: node %zu has %s, another has %s",
                      (unsigned long long)h, i, other, first);
        }
    }
}

int64_t e2e_peer_counter(e2e_committee *c, size_t i, size_t peer, const char *field)
{
    json_t *s = e2e_status(c, i);
    json_t *v = json_object_get(json_array_get(json_object_get(s, "peers"), peer), field);
    int64_t out = json_is_integer(v) ? (int64_t)json_integer_value(v) : -1;
    json_decref(s);
    return out;
}

/* ------------------------------------------------------- memory, logs */

int64_t e2e_rss_kib(pid_t pid)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return -1;
    int64_t kib = -1;
    while (fgets(line, sizeof line, f) != NULL) {
        long long v = 0;
        if (sscanf(line, "VmRSS: %lld kB", &v) == 1) {
            kib = v;
            break;
        }
    }
    fclose(f);
    return kib;
}

static FILE *log_open(e2e_committee *c, size_t i)
{
    char path[E2E_PATH_BYTES];
    snprintf(path, sizeof path, "%s/log%zu", c->dir, i);
    return fopen(path, "r");
}

long e2e_log_size(e2e_committee *c, size_t i)
{
    FILE *f = log_open(c, i);
    if (f == NULL)
        return 0;
    long size = fseek(f, 0, SEEK_END) == 0 ? ftell(f) : 0;
    fclose(f);
    return size < 0 ? 0 : size;
}

bool e2e_log_has(e2e_committee *c, size_t i, long offset, const char *fragment_a,
                 const char *fragment_b)
{
    FILE *f = log_open(c, i);
    if (f == NULL)
        return false;
    bool found = false;
    char line[E2E_LOG_LINE_MAX];
    if (fseek(f, offset, SEEK_SET) == 0) {
        for (uint32_t n = 0; !found && n < E2E_LOG_LINES_MAX && fgets(line, sizeof line, f); n++)
            found = strstr(line, fragment_a) != NULL &&
                    (fragment_b == NULL || strstr(line, fragment_b) != NULL);
    }
    fclose(f);
    return found;
}

void e2e_tool(e2e_committee *c, char *const argv[])
{
    run_tool(c, argv);
}

void e2e_json_set(e2e_committee *c, const char *name, const char *object, const char *key,
                  json_t *value)
{
    json_t *root = e2e_json_load(c, name);
    char path[E2E_PATH_BYTES];
    snprintf(path, sizeof path, "%s/%s", c->dir, name);
    json_t *into = object != NULL ? json_object_get(root, object) : root;
    E2E_CHECK(json_is_object(into), "%s: no object %s", path, object);
    json_object_set_new(into, key, value);
    E2E_CHECK(json_dump_file(root, path, JSON_INDENT(2)) == 0, "cannot write %s", path);
    json_decref(root);
}

json_t *e2e_json_load(e2e_committee *c, const char *name)
{
    char path[E2E_PATH_BYTES];
    snprintf(path, sizeof path, "%s/%s", c->dir, name);
    json_error_t error;
    json_t *root = json_load_file(path, 0, &error);
    E2E_CHECK(root != NULL, "%s: %s", path, error.text);
    return root;
}

int64_t e2e_max_height(e2e_committee *c, unsigned mask)
{
    int64_t most = -1;
    for (size_t i = 0; i < c->count; i++)
        if ((mask >> i) & 1u) {
            int64_t h = e2e_height(c, i);
            most = h > most ? h : most;
        }
    return most;
}

json_t *e2e_call(e2e_committee *c, size_t i, const char *method, const char *params)
{
    char *text = NULL;
    if (l1_rpc_call(c->nodes[i].rpc, &text, method, params) != SEQ_OK)
        return NULL;
    json_t *result = json_loads(text, JSON_DECODE_ANY, NULL);
    free(text);
    return result;
}

int64_t e2e_int_at(const json_t *obj, const char *path)
{
    const json_t *v = obj;
    char buf[128];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *save = NULL, *p = strtok_r(buf, ".", &save); p != NULL && v != NULL;
         p = strtok_r(NULL, ".", &save))
        v = json_object_get(v, p);
    return json_is_integer(v) ? (int64_t)json_integer_value(v) : -1;
}

void e2e_anvil_start(e2e_committee *c, test_anvil *a, const char *path, uint16_t port,
                     const char *const *extra)
{
    char state_path[E2E_PATH_BYTES];
    snprintf(state_path, sizeof state_path, "%s/anvil-state.json", c->dir);
    const char *args[2 + E2E_ANVIL_EXTRA_MAX + 1] = {"--state", state_path};
    size_t n = 2;
    for (size_t i = 0; extra != NULL && extra[i] != NULL; i++) {
        E2E_CHECK(i < E2E_ANVIL_EXTRA_MAX, "more than %u anvil arguments", E2E_ANVIL_EXTRA_MAX);
        args[n++] = extra[i];
    }
    args[n] = NULL;
    E2E_CHECK(test_anvil_start_with(a, path, port, args), "anvil did not start");
}

void e2e_hex(char *out, size_t out_len, const uint8_t *in, size_t in_len)
{
    E2E_CHECK(l1_hex_encode(out, out_len, in, in_len) == SEQ_OK, "hex of %zu bytes", in_len);
}

bool e2e_hash_from(seq_hash *out, const json_t *v)
{
    const char *text = json_string_value(v);
    return text != NULL && l1_hex_decode_exact(out->b, SEQ_HASH_BYTES, text) == SEQ_OK;
}

bool e2e_addr_from(seq_addr *out, const json_t *v)
{
    const char *text = json_string_value(v);
    return text != NULL && l1_hex_decode_exact(out->b, SEQ_ADDR_BYTES, text) == SEQ_OK;
}

void e2e_l1_predict(e2e_committee *c, const char *rpc_url, char committee_out[43],
                    char inbox_out[43])
{
    static char out[4096];
    char *args[] = {"l1",    "predict", "--rpc",          (char *)rpc_url,
                    "--key", "dev.key", "--insecure-key", NULL};
    int code = e2e_seqctl(c, out, sizeof out, args);
    E2E_CHECK(code == 0, "seqctl l1 predict exited %d: %s", code, out);
    const char *cm = strstr(out, "committee ");
    const char *in = strstr(out, "inbox ");
    E2E_CHECK(cm != NULL && in != NULL && sscanf(cm, "committee %42s", committee_out) == 1 &&
                  sscanf(in, "inbox %42s", inbox_out) == 1,
              "seqctl l1 predict: %s", out);
}

void e2e_validators_fund(e2e_committee *c, l1_rpc *rpc, seq_addr *out, const char *balance_wei)
{
    json_t *g = e2e_json_load(c, "genesis.json");
    const json_t *list = json_object_get(g, "committee");
    E2E_CHECK(json_array_size(list) == c->count, "genesis.json: no committee of %zu", c->count);
    for (size_t i = 0; i < c->count; i++) {
        const char *addr = json_string_value(json_object_get(json_array_get(list, i), "address"));
        E2E_CHECK(addr != NULL && l1_hex_decode_exact(out[i].b, SEQ_ADDR_BYTES, addr) == SEQ_OK,
                  "genesis.json: committee[%zu].address", i);
        char params[128], *result = NULL;
        snprintf(params, sizeof params, "[\"%s\", \"%s\"]", addr, balance_wei);
        E2E_CHECK(l1_rpc_call(rpc, &result, "anvil_setBalance", params) == SEQ_OK,
                  "anvil_setBalance: %s", l1_rpc_last_error(rpc));
        free(result);
    }
    json_decref(g);
}

void e2e_dev_key_write(e2e_committee *c)
{
    char keyfile[E2E_PATH_BYTES];
    snprintf(keyfile, sizeof keyfile, "%s/dev.key", c->dir);
    FILE *f = fopen(keyfile, "w");
    E2E_CHECK(f != NULL && fputs(E2E_DEV_KEY "\n", f) >= 0 && fclose(f) == 0, "dev.key");
    E2E_CHECK(chmod(keyfile, 0600) == 0, "chmod dev.key");
}

void e2e_l1_deploy(e2e_committee *c, const char *rpc_url)
{
    char *args[] = {(char *)c->seqctl_path,
                    "l1",
                    "deploy",
                    "--rpc",
                    (char *)rpc_url,
                    "--genesis",
                    "genesis.json",
                    "--key",
                    "dev.key",
                    "--insecure-key",
                    NULL};
    run_tool(c, args);
}

void e2e_config_l1(e2e_committee *c, size_t i, const char *rpc_url)
{
    char name[32];
    snprintf(name, sizeof name, "node%zu.json", i);
    e2e_json_set(c, name, NULL, "l1_rpc", json_string(rpc_url));
    e2e_json_set(c, name, NULL, "l1_poll_ms", json_integer(100));
}
