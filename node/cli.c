/* cli.c — argument handling of seqd and seqctl: seqd --config/--check (and
 * running the node through runtime.c), seqctl keygen, genesis and
 * genesis-hash (status is in ctl_status.c; submit, tx and block in
 * ctl_query.c; evidence in ctl_evidence.c; forced in ctl_forced.c; fault
 * in ctl_fault.c). The work is done by keys.c, genesis.c and config.c;
 * this file parses arguments and prints. */
#include "internal.h"

#include <curl/curl.h>
#include <jansson.h>
#include <lmdb.h>
#include <nng/nng.h>
#include <protobuf-c/protobuf-c.h>
#include <signal.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zstd.h>

#include "l1.h"
#include "wire.h"

void node_version_line(char *out, size_t out_len)
{
    SEQ_ASSERT(out != NULL && out_len > 0);
    int lmdb_major = 0, lmdb_minor = 0, lmdb_patch = 0;
    mdb_version(&lmdb_major, &lmdb_minor, &lmdb_patch);
    const curl_version_info_data *curl = curl_version_info(CURLVERSION_NOW);
    snprintf(out, out_len,
             "seqd %s (wire v%u; libsodium %s, nng %s, lmdb %d.%d.%d, protobuf-c %s, "
             "zstd %s, curl %s, jansson %s)",
             SEQ_VERSION, WIRE_VERSION, sodium_version_string(), nng_version(), lmdb_major,
             lmdb_minor, lmdb_patch, protobuf_c_version(), ZSTD_versionString(),
             curl ? curl->version : "?", jansson_version_str());
}

/* ------------------------------------------------------------- helpers */

/* Strict decimal: digits only, no sign, no overflow. */
bool node_ctl_decimal_u64(uint64_t *out, const char *text)
{
    uint64_t v = 0;
    if (text[0] == '\0')
        return false;
    for (const char *c = text; *c != '\0'; c++) {
        if (*c < '0' || *c > '9' || v > (UINT64_MAX - (uint64_t)(*c - '0')) / 10u)
            return false;
        v = v * 10u + (uint64_t)(*c - '0');
    }
    *out = v;
    return true;
}

bool node_ctl_u64(uint64_t *out, const char *text)
{
    if (strncmp(text, "0x", 2) != 0)
        return node_ctl_decimal_u64(out, text);
    const char *digits = text + 2;
    size_t n = strlen(digits);
    if (n == 0 || n > 16)
        return false;
    uint64_t v = 0;
    for (const char *c = digits; *c != '\0'; c++) {
        int d = *c >= '0' && *c <= '9'   ? *c - '0'
                : *c >= 'a' && *c <= 'f' ? *c - 'a' + 10
                : *c >= 'A' && *c <= 'F' ? *c - 'A' + 10
                                         : -1;
        if (d < 0)
            return false;
        v = v << 4 | (uint64_t)d;
    }
    *out = v;
    return true;
}

/* If argv[*i] is flag, takes its value from argv[*i + 1] into *value.
 * Returns 1 if taken, 0 if argv[*i] is another flag, -1 if the value is
 * missing. */
static int take_value(int argc, char **argv, int *i, const char *flag, const char **value)
{
    if (strcmp(argv[*i], flag) != 0)
        return 0;
    if (*i + 1 >= argc)
        return -1;
    *value = argv[++*i];
    return 1;
}

static void print_hex(FILE *f, const uint8_t *bytes, size_t len)
{
    fputs("0x", f);
    for (size_t i = 0; i < len; i++)
        fprintf(f, "%02x", bytes[i]);
}

static uint64_t wall_clock_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* ---------------------------------------------------------------- seqd */

static void seqd_usage(FILE *f)
{
    fputs("usage: seqd --config FILE [options] [--check]\n"
          "       seqd --version | --help\n"
          "\n"
          "Runs one seqd committee node. Flags override the config file (node/README.md,\n"
          "\"Config\"); without --config, --data-dir, --genesis and --key-dir are required.\n"
          "\n"
          "  --config FILE           node configuration (JSON)\n"
          "  --check                 load and cross-check config, genesis and keys, print a\n"
          "                          summary and exit\n"
          "  --data-dir DIR          store directory\n"
          "  --genesis FILE          genesis file\n"
          "  --key-dir DIR           key directory (seqctl keygen)\n"
          "  --passphrase-file FILE  passphrase of sealed keys\n"
          "  --insecure-key          accept plaintext keys (devnets only)\n"
          "  --listen URL            peer transport, tcp://HOST:PORT\n"
          "  --rpc-listen URL        JSON-RPC API, http://HOST:PORT\n"
          "  --l1-rpc URL            L1 JSON-RPC endpoint\n"
          "  --log-level LEVEL       debug, info, warn or error\n"
          "  --log-format FORMAT     text or json\n"
          "  --version               print the version and linked library versions\n"
          "  --help                  print this help\n",
          f);
}

typedef struct {
    const char *config_path;
    node_config_flags flags;
    bool check;
    bool any; /* any option besides --version/--help */
} seqd_args;

/* Returns -1 to go on, or the exit code. */
static int seqd_parse(seqd_args *a, int argc, char **argv, FILE *out, FILE *err)
{
    memset(a, 0, sizeof(*a));
    node_config_flags *f = &a->flags;
    const struct {
        const char *flag;
        const char **value;
    } values[] = {
        {"--config", &a->config_path},    {"--data-dir", &f->data_dir},
        {"--genesis", &f->genesis},       {"--key-dir", &f->key_dir},
        {"--listen", &f->listen},         {"--rpc-listen", &f->rpc_listen},
        {"--l1-rpc", &f->l1_rpc},         {"--log-level", &f->log_level},
        {"--log-format", &f->log_format}, {"--passphrase-file", &f->passphrase_file},
    };
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--version") == 0) {
            char version[512];
            node_version_line(version, sizeof version);
            fprintf(out, "%s\n", version);
            return NODE_EXIT_OK;
        }
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            seqd_usage(out);
            return NODE_EXIT_OK;
        }
        int taken = 0;
        for (size_t k = 0; k < SEQ_ARRAY_LEN(values) && taken == 0; k++)
            taken = take_value(argc, argv, &i, values[k].flag, values[k].value);
        if (taken == 0 && strcmp(argv[i], "--check") == 0) {
            a->check = true;
            taken = 1;
        }
        if (taken == 0 && strcmp(argv[i], "--insecure-key") == 0) {
            f->insecure_key = true;
            taken = 1;
        }
        if (taken <= 0) {
            fprintf(err, "seqd: unknown or incomplete argument '%s'\n", argv[i]);
            seqd_usage(err);
            return NODE_EXIT_USAGE;
        }
        a->any = true;
    }
    if (!a->any) {
        fputs("seqd: --config FILE is required (or --data-dir, --genesis and --key-dir)\n", err);
        seqd_usage(err);
        return NODE_EXIT_USAGE;
    }
    return -1;
}

static void seqd_summary(FILE *out, const node_config_resolved *r, const cons_committee *committee,
                         const char *store_state)
{
    const node_config *c = &r->config;
    const node_genesis_validator *self = &r->genesis.validators[r->self_index];
    char addr[43];
    l1_addr_checksum(addr, &r->keys.pub.validator_address);
    fprintf(out, "seqd: configuration OK\n");
    fprintf(out, "  validator    %s (committee[%zu] of %u, weight %u)\n", addr, r->self_index,
            r->genesis.validator_count, self->weight);
    fprintf(out, "  transport    ");
    print_hex(out, r->keys.pub.transport_public_key, WIRE_ED25519_KEY_BYTES);
    fprintf(out, "\n  keys         %s (%s)\n", c->key_dir,
            r->keys.insecure ? "PLAINTEXT, insecure: devnets only" : "sealed");
    fprintf(out, "  committee    %u validators, total weight %u, quorum weight %u\n",
            r->genesis.validator_count, committee->weight_total, committee->weight_quorum);
    fprintf(out, "  genesis      %s\n  genesis hash ", c->genesis);
    print_hex(out, r->genesis_hash.b, SEQ_HASH_BYTES);
    fprintf(out, "\n  chain ids    l2 %llu, l1 %llu\n", (unsigned long long)r->genesis.l2_chain_id,
            (unsigned long long)r->genesis.l1_chain_id);
    fprintf(out, "  data dir     %s (%s)\n", c->data_dir, store_state);
    fprintf(out, "  listen       %s\n", c->listen);
    fprintf(out, "  rpc listen   %s\n", c->rpc_listen[0] != '\0' ? c->rpc_listen : "(none)");
    fprintf(out, "  l1 rpc       %s\n", c->l1_rpc[0] != '\0' ? c->l1_rpc : "(none)");
}

/* An existing store in the data directory must belong to this genesis and
 * be free; --check never creates one. *state describes it for the
 * summary. Returns false (after printing why) if the node could not start
 * on it. */
static bool seqd_check_store(char *state, size_t state_len, const node_config_resolved *r,
                             FILE *err)
{
    char path[NODE_CONFIG_PATH_BYTES_MAX + 16];
    snprintf(state, state_len, "%s",
             r->data_dir_exists ? "exists, no store yet" : "will be created");
    snprintf(path, sizeof path, "%s/data.mdb", r->config.data_dir);
    if (!r->data_dir_exists || access(path, F_OK) != 0)
        return true;
    store *s = NULL;
    seq_err e = store_open(&s, r->config.data_dir, &r->genesis_hash, NULL);
    if (e == SEQ_ERR_EXISTS)
        fprintf(err,
                "seqd: data_dir %s holds the store of another genesis (not %s); give this genesis "
                "a new data_dir\n",
                r->config.data_dir, r->config.genesis);
    else if (e == SEQ_ERR_UNAVAILABLE)
        fprintf(err, "seqd: data_dir %s is in use by another running seqd\n", r->config.data_dir);
    else if (e != SEQ_OK)
        fprintf(err, "seqd: data_dir %s: cannot open the store: %s\n", r->config.data_dir,
                seq_strerror(e));
    if (e != SEQ_OK)
        return false;
    store_tip tip;
    e = store_get_tip(s, &tip);
    snprintf(state, state_len, "store of this genesis, committed height %llu",
             e == SEQ_OK ? (unsigned long long)tip.height : 0ull);
    store_close(s);
    return true;
}

/* The runtime being served, for the signal handler. */
static node_runtime *volatile seqd_running;

static void seqd_on_signal(int signo)
{
    (void)signo;
    node_runtime_stop(seqd_running);
}

/* Runs a node until SIGINT or SIGTERM. */
static int seqd_serve(const node_config *config, FILE *err)
{
    node_diag why = {{0}};
    node_runtime *rt = NULL;
    if (node_runtime_new(&rt, &why, config) != SEQ_OK) {
        fprintf(err, "seqd: %s\n", why.text);
        return NODE_EXIT_FAILURE;
    }
    struct sigaction action, old_int, old_term, old_pipe;
    memset(&action, 0, sizeof action);
    sigemptyset(&action.sa_mask);
    seqd_running = rt;
    action.sa_handler = seqd_on_signal;
    sigaction(SIGINT, &action, &old_int);
    sigaction(SIGTERM, &action, &old_term);
    action.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &action, &old_pipe);
    seq_err e = node_runtime_run(rt);
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    sigaction(SIGPIPE, &old_pipe, NULL);
    seqd_running = NULL;
    node_runtime_free(rt);
    return e == SEQ_OK ? NODE_EXIT_OK : NODE_EXIT_FAILURE;
}

/* Loads, overrides, resolves; then --check prints the summary, or the node
 * runs. */
static int seqd_run(const seqd_args *a, FILE *out, FILE *err)
{
    int code = NODE_EXIT_FAILURE;
    node_diag why = {{0}};
    node_config *config = calloc(1, sizeof(*config));
    node_config_resolved *r = calloc(1, sizeof(*r));
    cons_committee *committee = calloc(1, sizeof(*committee));
    if (config == NULL || r == NULL || committee == NULL) {
        fputs("seqd: out of memory\n", err);
        goto free_all;
    }
    node_config_defaults(config);
    if ((a->config_path != NULL && node_config_load(config, &why, a->config_path) != SEQ_OK) ||
        node_config_apply_flags(config, &why, &a->flags) != SEQ_OK ||
        node_config_resolve(r, &why, config) != SEQ_OK) {
        fprintf(err, "seqd: %s\n", why.text);
        goto free_all;
    }
    seq_log_configure(r->config.log_level, r->config.log_format, NULL);
    if (node_genesis_committee(committee, &r->genesis) != SEQ_OK) {
        fputs("seqd: the genesis committee was refused\n", err); /* validated: unreachable */
        goto release;
    }
    if (a->check) {
        char store_state[96];
        if (seqd_check_store(store_state, sizeof store_state, r, err)) {
            seqd_summary(out, r, committee, store_state);
            code = NODE_EXIT_OK;
        }
        goto release;
    }
    node_config_release(r); /* the runtime resolves again and owns what it loads */
    code = seqd_serve(config, err);
    goto free_all;
release:
    node_config_release(r);
free_all:
    free(committee);
    free(r);
    free(config);
    return code;
}

int node_seqd_main(int argc, char **argv, FILE *out, FILE *err)
{
    seqd_args args;
    int code = seqd_parse(&args, argc, argv, out, err);
    if (code >= 0)
        return code;
    return seqd_run(&args, out, err);
}

/* -------------------------------------------------------- seqctl keygen */

static void keygen_usage(FILE *f)
{
    fputs("usage: seqctl keygen --out DIR (--passphrase-file FILE | --passphrase-env VAR |\n"
          "                     --insecure-key) [--kdf moderate|interactive]\n"
          "\n"
          "Creates DIR (mode 0700) with validator.key (secp256k1) and transport.key\n"
          "(Ed25519), mode 0600, sealed with the passphrase (Argon2id + secretbox).\n"
          "Existing files are never overwritten. --insecure-key writes plaintext keys\n"
          "(devnets only). --kdf interactive uses cheaper Argon2id limits (tests, devnets).\n",
          f);
}

typedef struct {
    const char *dir, *passphrase_file, *passphrase_env, *kdf;
    bool insecure;
} keygen_args;

static int keygen_parse(keygen_args *a, int argc, char **argv, FILE *err)
{
    memset(a, 0, sizeof(*a));
    for (int i = 2; i < argc; i++) {
        int taken = take_value(argc, argv, &i, "--out", &a->dir);
        if (taken == 0)
            taken = take_value(argc, argv, &i, "--passphrase-file", &a->passphrase_file);
        if (taken == 0)
            taken = take_value(argc, argv, &i, "--passphrase-env", &a->passphrase_env);
        if (taken == 0)
            taken = take_value(argc, argv, &i, "--kdf", &a->kdf);
        if (taken == 0 && strcmp(argv[i], "--insecure-key") == 0) {
            a->insecure = true;
            taken = 1;
        }
        if (taken <= 0) {
            fprintf(err, "seqctl keygen: unknown or incomplete argument '%s'\n", argv[i]);
            return NODE_EXIT_USAGE;
        }
    }
    int sources = (a->passphrase_file != NULL) + (a->passphrase_env != NULL) + a->insecure;
    const char *problem =
        a->dir == NULL ? "--out DIR is required"
        : sources == 0 ? "a passphrase is required: --passphrase-file FILE or "
                         "--passphrase-env VAR (or --insecure-key for a devnet)"
        : sources > 1  ? "give one of --passphrase-file, --passphrase-env and "
                         "--insecure-key"
        : a->kdf != NULL && strcmp(a->kdf, "moderate") != 0 && strcmp(a->kdf, "interactive") != 0
            ? "--kdf must be moderate or interactive"
            : NULL;
    if (problem != NULL) {
        fprintf(err, "seqctl keygen: %s\n", problem);
        return NODE_EXIT_USAGE;
    }
    return -1;
}

static int seqctl_keygen(int argc, char **argv, FILE *out, FILE *err)
{
    keygen_args a;
    int code = keygen_parse(&a, argc, argv, err);
    if (code >= 0) {
        keygen_usage(err);
        return code;
    }
    node_diag why = {{0}};
    node_key_passphrase passphrase = {0};
    node_key_public pub;
    node_key_kdf kdf = a.kdf != NULL && strcmp(a.kdf, "interactive") == 0 ? NODE_KEY_KDF_INTERACTIVE
                                                                          : NODE_KEY_KDF_MODERATE;
    if (!a.insecure && node_key_passphrase_read(&passphrase, &why, a.passphrase_file,
                                                a.passphrase_env) != SEQ_OK) {
        fprintf(err, "seqctl keygen: %s\n", why.text);
        return NODE_EXIT_FAILURE;
    }
    seq_err e = node_key_generate(&pub, &why, a.dir, a.insecure ? NULL : &passphrase, kdf);
    node_key_passphrase_free(&passphrase);
    if (e != SEQ_OK) {
        fprintf(err, "seqctl keygen: %s\n", why.text);
        return NODE_EXIT_FAILURE;
    }
    char addr[43];
    l1_addr_checksum(addr, &pub.validator_address);
    fprintf(out, "validator address     %s\ntransport public key  ", addr);
    print_hex(out, pub.transport_public_key, WIRE_ED25519_KEY_BYTES);
    fprintf(out, "\nwrote %s/%s and %s/%s (%s)\n", a.dir, NODE_KEY_FILE_VALIDATOR, a.dir,
            NODE_KEY_FILE_TRANSPORT,
            a.insecure ? "PLAINTEXT: devnets only"
                       : (kdf == NODE_KEY_KDF_INTERACTIVE ? "sealed, argon2id13 interactive"
                                                          : "sealed, argon2id13 moderate"));
    if (a.insecure)
        fputs("seqctl keygen: warning: these keys are not encrypted; seqd accepts them only "
              "with --insecure-key\n",
              err);
    return NODE_EXIT_OK;
}

/* ------------------------------------------------------- seqctl genesis */

static void genesis_usage(FILE *f)
{
    fputs("usage: seqctl genesis --l2-chain-id N --l1-chain-id M --out FILE\n"
          "                      --key-dir DIR --endpoint tcp://HOST:PORT [--weight W]\n"
          "                      [--key-dir DIR --endpoint URL [--weight W]]...\n"
          "                      [--timestamp-ms T] [--timeout-ms-base MS] [--timeout-ms-max MS]\n"
          "                      [--fetch-retry-ms MS] [--blocks-max N] [--block-tx-bytes-max N]\n"
          "                      [--block-txs-max N] [--ordering fifo|priority]\n"
          "                      [--batch-max-blocks N] [--batch-max-bytes N]\n"
          "                      [--batch-max-span-ms MS] [--poster-timeout-ms MS]\n"
          "                      [--committee-address ADDR] [--inbox-address ADDR]\n"
          "                      [--confirmations N] [--inclusion-window-blocks N]\n"
          "\n"
          "Builds a genesis file from the public halves of the key directories, in\n"
          "the order given (that order fixes the leader schedule). --endpoint and\n"
          "--weight (default 1) belong to the --key-dir before them. --timestamp-ms\n"
          "defaults to now. The file is never overwritten.\n"
          "\n"
          "usage: seqctl genesis-hash FILE\n"
          "\n"
          "Checks a genesis file and prints its hash.\n",
          f);
}

typedef struct {
    const char *out;
    const char *key_dirs[CONS_VALIDATORS_MAX];
    bool timestamp_given;
} genesis_args;

/* A numeric option: its flag, where it goes, and whether it is 32-bit. */
typedef struct {
    const char *flag;
    void *field;
    bool u32;
} genesis_number;

/* take_value, reporting a missing value. */
static int take(int argc, char **argv, int *i, const char *flag, const char **value, FILE *err)
{
    int taken = take_value(argc, argv, i, flag, value);
    if (taken < 0)
        fprintf(err, "seqctl: %s needs a value\n", flag);
    return taken;
}

static int genesis_take_number(node_genesis *g, genesis_args *a, int argc, char **argv, int *i,
                               FILE *err)
{
    const genesis_number numbers[] = {
        {"--l2-chain-id", &g->l2_chain_id, false},
        {"--l1-chain-id", &g->l1_chain_id, false},
        {"--timestamp-ms", &g->timestamp_ms, false},
        {"--timeout-ms-base", &g->consensus.timeout_ms_base, true},
        {"--timeout-ms-max", &g->consensus.timeout_ms_max, true},
        {"--fetch-retry-ms", &g->consensus.fetch_retry_ms, true},
        {"--blocks-max", &g->consensus.blocks_max, true},
        {"--block-tx-bytes-max", &g->consensus.block_tx_bytes_max, true},
        {"--block-txs-max", &g->consensus.block_txs_max, true},
        {"--batch-max-blocks", &g->batch.max_blocks, true},
        {"--batch-max-bytes", &g->batch.max_bytes, true},
        {"--batch-max-span-ms", &g->batch.max_span_ms, true},
        {"--poster-timeout-ms", &g->batch.poster_timeout_ms, true},
        {"--confirmations", &g->l1.confirmations, true},
        {"--inclusion-window-blocks", &g->l1.inclusion_window_blocks, false},
    };
    for (size_t k = 0; k < SEQ_ARRAY_LEN(numbers); k++) {
        const char *text = NULL;
        int taken = take(argc, argv, i, numbers[k].flag, &text, err);
        if (taken < 0)
            return -1;
        if (taken == 0)
            continue;
        uint64_t v = 0;
        if (!node_ctl_decimal_u64(&v, text) || (numbers[k].u32 && v > UINT32_MAX)) {
            fprintf(err, "seqctl genesis: %s: '%s' is not a number in range\n", numbers[k].flag,
                    text);
            return -1;
        }
        if (numbers[k].u32)
            *(uint32_t *)numbers[k].field = (uint32_t)v;
        else
            *(uint64_t *)numbers[k].field = v;
        a->timestamp_given = a->timestamp_given || strcmp(numbers[k].flag, "--timestamp-ms") == 0;
        return 1;
    }
    return 0;
}

/* --key-dir, --endpoint, --weight: one validator per --key-dir. */
static int genesis_take_validator(node_genesis *g, genesis_args *a, int argc, char **argv, int *i,
                                  FILE *err)
{
    const char *key_dir = NULL, *endpoint = NULL, *weight = NULL;
    int taken = take(argc, argv, i, "--key-dir", &key_dir, err);
    if (taken == 0)
        taken = take(argc, argv, i, "--endpoint", &endpoint, err);
    if (taken == 0)
        taken = take(argc, argv, i, "--weight", &weight, err);
    if (taken <= 0)
        return taken;
    if (key_dir != NULL) {
        if (g->validator_count == CONS_VALIDATORS_MAX) {
            fprintf(err, "seqctl genesis: more than %u validators\n", CONS_VALIDATORS_MAX);
            return -1;
        }
        a->key_dirs[g->validator_count] = key_dir;
        g->validators[g->validator_count++].weight = 1;
        return 1;
    }
    const char *flag = argv[*i - 1], *value = endpoint != NULL ? endpoint : weight;
    if (g->validator_count == 0) {
        fprintf(err, "seqctl genesis: %s before the first --key-dir\n", flag);
        return -1;
    }
    node_genesis_validator *v = &g->validators[g->validator_count - 1];
    uint64_t w = 0;
    if (endpoint != NULL && strlen(endpoint) < sizeof v->endpoint)
        snprintf(v->endpoint, sizeof v->endpoint, "%s", endpoint);
    else if (weight != NULL && node_ctl_decimal_u64(&w, weight) && w <= UINT32_MAX)
        v->weight = (uint32_t)w;
    else {
        fprintf(err, "seqctl genesis: %s: '%s' is not valid\n", flag, value);
        return -1;
    }
    return 1;
}

/* --out, --ordering and the L1 contract addresses. */
static int genesis_take_other(node_genesis *g, genesis_args *a, int argc, char **argv, int *i,
                              FILE *err)
{
    const char *ordering = NULL, *committee = NULL, *inbox = NULL;
    int taken = take(argc, argv, i, "--out", &a->out, err);
    if (taken == 0)
        taken = take(argc, argv, i, "--ordering", &ordering, err);
    if (taken == 0)
        taken = take(argc, argv, i, "--committee-address", &committee, err);
    if (taken == 0)
        taken = take(argc, argv, i, "--inbox-address", &inbox, err);
    if (taken <= 0)
        return taken;
    bool ok = true;
    if (ordering != NULL)
        ok = mempool_policy_parse(&g->mempool.ordering, ordering);
    if (committee != NULL)
        ok = g->l1.has_committee_address =
            node_config_addr_parse(&g->l1.committee_address, committee) == SEQ_OK;
    if (inbox != NULL)
        ok = g->l1.has_inbox_address =
            node_config_addr_parse(&g->l1.inbox_address, inbox) == SEQ_OK;
    if (!ok) {
        fprintf(err, "seqctl genesis: %s: '%s' is not valid%s\n", argv[*i - 1], argv[*i],
                ordering != NULL ? " (fifo or priority)" : " (an address; mixed case is EIP-55)");
        return -1;
    }
    return 1;
}

static int genesis_parse(node_genesis *g, genesis_args *a, int argc, char **argv, FILE *err)
{
    memset(a, 0, sizeof(*a));
    node_genesis_defaults(g);
    for (int i = 2; i < argc; i++) {
        int taken = genesis_take_validator(g, a, argc, argv, &i, err);
        if (taken == 0)
            taken = genesis_take_number(g, a, argc, argv, &i, err);
        if (taken == 0)
            taken = genesis_take_other(g, a, argc, argv, &i, err);
        if (taken == 0)
            fprintf(err, "seqctl genesis: unknown argument '%s'\n", argv[i]);
        if (taken <= 0)
            return NODE_EXIT_USAGE;
    }
    const char *problem = a->out == NULL            ? "--out FILE is required"
                          : g->l2_chain_id == 0     ? "--l2-chain-id N is required"
                          : g->l1_chain_id == 0     ? "--l1-chain-id N is required"
                          : g->validator_count == 0 ? "at least one --key-dir is required"
                                                    : NULL;
    for (size_t v = 0; problem == NULL && v < g->validator_count; v++)
        if (g->validators[v].endpoint[0] == '\0') {
            fprintf(err, "seqctl genesis: --key-dir %s has no --endpoint\n", a->key_dirs[v]);
            return NODE_EXIT_USAGE;
        }
    if (problem != NULL) {
        fprintf(err, "seqctl genesis: %s\n", problem);
        return NODE_EXIT_USAGE;
    }
    if (!a->timestamp_given)
        g->timestamp_ms = wall_clock_ms();
    return -1;
}

/* Fills addresses and transport keys from the key directories, writes the
 * file and reads it back. */
static int genesis_build(node_genesis *g, const genesis_args *a, FILE *out, FILE *err)
{
    node_diag why = {{0}};
    for (size_t v = 0; v < g->validator_count; v++) {
        node_key_public pub;
        if (node_key_read_public(&pub, &why, a->key_dirs[v]) != SEQ_OK) {
            fprintf(err, "seqctl genesis: %s\n", why.text);
            return NODE_EXIT_FAILURE;
        }
        g->validators[v].address = pub.validator_address;
        memcpy(g->validators[v].transport_public_key, pub.transport_public_key,
               WIRE_ED25519_KEY_BYTES);
    }
    if (node_genesis_write(&why, a->out, g) != SEQ_OK ||
        node_genesis_load(g, &why, a->out) != SEQ_OK) {
        fprintf(err, "seqctl genesis: %s\n", why.text);
        return NODE_EXIT_FAILURE;
    }
    seq_hash hash;
    node_genesis_hash(&hash, g);
    fprintf(out, "wrote %s: l2 chain id %llu, l1 chain id %llu, %u validators\ngenesis hash ",
            a->out, (unsigned long long)g->l2_chain_id, (unsigned long long)g->l1_chain_id,
            g->validator_count);
    print_hex(out, hash.b, SEQ_HASH_BYTES);
    fputc('\n', out);
    return NODE_EXIT_OK;
}

static int seqctl_genesis(int argc, char **argv, FILE *out, FILE *err)
{
    node_genesis *g = calloc(1, sizeof(*g));
    genesis_args *a = calloc(1, sizeof(*a));
    int code = NODE_EXIT_FAILURE;
    if (g == NULL || a == NULL) {
        fputs("seqctl genesis: out of memory\n", err);
        goto free_all;
    }
    code = genesis_parse(g, a, argc, argv, err);
    if (code == NODE_EXIT_USAGE)
        genesis_usage(err);
    if (code < 0)
        code = genesis_build(g, a, out, err);
free_all:
    free(a);
    free(g);
    return code;
}

static int seqctl_genesis_hash(int argc, char **argv, FILE *out, FILE *err)
{
    if (argc != 3 || argv[2][0] == '-') {
        genesis_usage(err);
        return NODE_EXIT_USAGE;
    }
    node_genesis *g = calloc(1, sizeof(*g));
    if (g == NULL) {
        fputs("seqctl genesis-hash: out of memory\n", err);
        return NODE_EXIT_FAILURE;
    }
    node_diag why = {{0}};
    int code = NODE_EXIT_FAILURE;
    if (node_genesis_load(g, &why, argv[2]) != SEQ_OK) {
        fprintf(err, "seqctl genesis-hash: %s\n", why.text);
    } else {
        seq_hash hash;
        node_genesis_hash(&hash, g);
        print_hex(out, hash.b, SEQ_HASH_BYTES);
        fputc('\n', out);
        code = NODE_EXIT_OK;
    }
    free(g);
    return code;
}

/* --------------------------------------------------------------- seqctl */

static void seqctl_usage(FILE *f)
{
    fputs("usage: seqctl COMMAND [ARGS]\n"
          "\n"
          "Commands:\n"
          "  keygen        create a validator and transport key directory\n"
          "  genesis       build a genesis file from key directories\n"
          "  genesis-hash  check a genesis file and print its hash\n"
          "  status        show running nodes (seq_status over their JSON-RPC API)\n"
          "  submit        submit a signed tx or an opaque payload to a node\n"
          "  tx            show a tx's status (pending, soft-confirmed, posted, final)\n"
          "  block         show a committed block by height\n"
          "  liveness      committee liveness over committed heights (slots, misses, gaps)\n"
          "  evidence      a node's equivocation evidence; slash on L1 with it\n"
          "                (evidence list, evidence show, evidence submit)\n"
          "  l1            the L1 contracts: deploy them for a genesis, bond a validator,\n"
          "                show one (l1 deploy, l1 predict, l1 bond, l1 validator)\n"
          "  batch         decode batch data as the Inbox stores it (batch decode)\n"
          "  force-include queue an L2 tx on L1 when the sequencers ignore it\n"
          "  force-advance consume overdue forced txs on L1 (the escape hatch)\n"
          "  forced        show a node's forced-inclusion queue: due, consumed, posted\n"
          "  fault         delay, drop or cut a running node's links (test builds only)\n"
          "  version       print the version and linked library versions\n"
          "  help          print this help\n"
          "\n"
          "'seqctl COMMAND --help' describes a command.\n",
          f);
}

/* True iff argv[2..] asks for help. */
static bool wants_help(int argc, char **argv)
{
    for (int i = 2; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
            return true;
    return false;
}

int node_seqctl_main(int argc, char **argv, FILE *out, FILE *err)
{
    if (argc < 2) {
        seqctl_usage(err);
        return NODE_EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
        seqctl_usage(out);
        return NODE_EXIT_OK;
    }
    if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
        char version[512];
        node_version_line(version, sizeof version);
        fprintf(out, "%s\n", version);
        return NODE_EXIT_OK;
    }
    const struct {
        const char *name;
        int (*run)(int, char **, FILE *, FILE *);
        void (*usage)(FILE *);
    } commands[] = {
        {"keygen", seqctl_keygen, keygen_usage},
        {"genesis", seqctl_genesis, genesis_usage},
        {"genesis-hash", seqctl_genesis_hash, genesis_usage},
        {"status", node_seqctl_status, node_seqctl_status_usage},
        {"submit", node_seqctl_submit, node_seqctl_submit_usage},
        {"tx", node_seqctl_tx, node_seqctl_tx_usage},
        {"block", node_seqctl_block, node_seqctl_block_usage},
        {"liveness", node_seqctl_liveness, node_seqctl_liveness_usage},
        {"evidence", node_seqctl_evidence, node_seqctl_evidence_usage},
        {"l1", node_seqctl_l1, node_seqctl_l1_usage},
        {"batch", node_seqctl_batch, node_seqctl_batch_usage},
        {"force-include", node_seqctl_force_include, node_seqctl_force_usage},
        {"force-advance", node_seqctl_force_advance, node_seqctl_force_usage},
        {"forced", node_seqctl_forced, node_seqctl_forced_usage},
        {"fault", node_seqctl_fault, node_seqctl_fault_usage},
    };
    for (size_t i = 0; i < SEQ_ARRAY_LEN(commands); i++) {
        if (strcmp(cmd, commands[i].name) != 0)
            continue;
        if (wants_help(argc, argv)) {
            commands[i].usage(out);
            return NODE_EXIT_OK;
        }
        return commands[i].run(argc, argv, out, err);
    }
    fprintf(err, "seqctl: unknown command '%s'\n", cmd);
    seqctl_usage(err);
    return NODE_EXIT_USAGE;
}
