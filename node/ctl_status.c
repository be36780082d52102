/* ctl_status.c — `seqctl status --rpc URL [--rpc URL...]`: asks each node's
 * API for seq_status and prints one table row per node. Also seqctl's one
 * JSON-RPC call to a node (node_ctl_call), which the query commands of
 * ctl_query.c share. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

#include "l1.h"

#define STATUS_NODES_MAX      CONS_VALIDATORS_MAX
#define STATUS_L1_COLUMNS     24 /* "ok CURSOR/HEAD" */
#define STATUS_BATCH_COLUMNS  18 /* "BATCHES @h HEIGHT" */
#define STATUS_BATCH_CELL_MAX 48 /* two 20-digit numbers and " @h " */
#define STATUS_ADDR_COLUMNS   42

void node_seqctl_status_usage(FILE *f)
{
    fputs("usage: seqctl status --rpc URL [--rpc URL]... [--json]\n"
          "\n"
          "Asks each node's JSON-RPC API (seqd rpc_listen, http://HOST:PORT) for\n"
          "seq_status and prints a table: validator, view, committed height, leader,\n"
          "connected peers, L1 (ok CURSOR/HEAD, or down) and batches (N @h H: N\n"
          "batches on L1, the last ending at L2 height H). --json prints each node's\n"
          "answer as one JSON line. Exits 1 if a node did not answer.\n",
          f);
}

typedef struct {
    const char *urls[STATUS_NODES_MAX];
    size_t count;
    bool json;
} status_args;

static int status_parse(status_args *a, int argc, char **argv, FILE *err)
{
    memset(a, 0, sizeof *a);
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0) {
            a->json = true;
        } else if (strcmp(argv[i], "--rpc") == 0 && i + 1 < argc && a->count < STATUS_NODES_MAX) {
            a->urls[a->count++] = argv[++i];
        } else {
            fprintf(err, "seqctl status: unknown or incomplete argument '%s'\n", argv[i]);
            return NODE_EXIT_USAGE;
        }
    }
    if (a->count == 0) {
        fputs("seqctl status: at least one --rpc URL is required\n", err);
        return NODE_EXIT_USAGE;
    }
    return -1;
}

seq_err node_ctl_client(l1_rpc **out, const char *url)
{
    SEQ_ASSERT(out != NULL && url != NULL);
    l1_rpc_options options;
    l1_rpc_options_default(&options);
    options.connect_timeout_ms = NODE_CTL_TIMEOUT_MS;
    options.timeout_ms = NODE_CTL_TIMEOUT_MS;
    options.retries = 0;
    return l1_rpc_new(out, url, &options);
}

seq_err node_ctl_call(json_t **out, char *why, size_t why_len, const char *url, const char *method,
                      const char *params_json)
{
    SEQ_ASSERT(out != NULL && why != NULL && why_len > 0 && url != NULL && method != NULL);
    *out = NULL;
    why[0] = '\0';
    l1_rpc *c = NULL;
    char *text = NULL;
    seq_err err = node_ctl_client(&c, url);
    if (err != SEQ_OK) {
        snprintf(why, why_len, "bad URL (%s): need http://HOST:PORT", seq_strerror(err));
        return err;
    }
    err = l1_rpc_call(c, &text, method, params_json);
    const l1_rpc_error *remote = l1_rpc_last_remote(c);
    if (err != SEQ_OK && remote != NULL && remote->data[0] != '\0')
        snprintf(why, why_len, "%s [%s]", l1_rpc_last_error(c), remote->data);
    else if (err != SEQ_OK)
        snprintf(why, why_len, "%s", l1_rpc_last_error(c));
    l1_rpc_free(c);
    if (err != SEQ_OK)
        return err;
    *out = json_loads(text, JSON_DECODE_ANY, NULL);
    free(text);
    if (*out == NULL) {
        snprintf(why, why_len, "%s: the answer is not JSON", method);
        return SEQ_ERR_MALFORMED;
    }
    return SEQ_OK;
}

/* Calls seq_status on url; *out is the parsed result (json_decref it). */
static seq_err status_fetch(json_t **out, char *why, size_t why_len, const char *url)
{
    seq_err err = node_ctl_call(out, why, why_len, url, "seq_status", NULL);
    if (err != SEQ_OK)
        return err;
    if (!json_is_object(*out)) {
        json_decref(*out);
        *out = NULL;
        snprintf(why, why_len, "the answer is not a status object");
        return SEQ_ERR_MALFORMED;
    }
    return SEQ_OK;
}

static long long field(const json_t *obj, const char *name)
{
    return (long long)json_integer_value(json_object_get(obj, name));
}

/* The L1 column: "-" without an L1, "ok C/H" (cursor, head) or "down". */
static void l1_cell(char out[STATUS_L1_COLUMNS + 1], const json_t *s)
{
    const json_t *l1 = json_object_get(s, "l1");
    if (!json_is_true(json_object_get(l1, "enabled")))
        snprintf(out, STATUS_L1_COLUMNS + 1, "-");
    else if (!json_is_true(json_object_get(l1, "ok")))
        snprintf(out, STATUS_L1_COLUMNS + 1, "down");
    else
        snprintf(out, STATUS_L1_COLUMNS + 1, "ok %lld/%lld", field(l1, "cursor"),
                 field(l1, "head"));
}

/* The batches column: "-" without an L1 or a batcher (an older node),
 * else "N @h H": N batches on L1 (the stored newest's index + 1, which
 * survives restarts; batchesSeen while none is stored) and H the last L2
 * height they hold. */
static void batch_cell(char out[STATUS_BATCH_CELL_MAX], const json_t *s)
{
    const json_t *l1 = json_object_get(s, "l1");
    const json_t *batcher = json_object_get(l1, "batcher");
    if (!json_is_true(json_object_get(l1, "enabled")) || !json_is_object(batcher)) {
        snprintf(out, STATUS_BATCH_CELL_MAX, "-");
        return;
    }
    const json_t *last = json_object_get(l1, "lastBatch");
    long long batches = field(batcher, "batchesSeen");
    long long height = field(batcher, "postedHeight");
    if (json_is_object(last)) {
        batches = field(last, "index") + 1;
        if (height == 0)
            height = field(last, "lastHeight");
    }
    snprintf(out, STATUS_BATCH_CELL_MAX, "%lld @h %lld", batches, height);
}

void node_ctl_status_header(FILE *out)
{
    fprintf(out, "%-*s %4s %8s %8s %6s %7s %-*s %-*s %s\n", STATUS_ADDR_COLUMNS, "VALIDATOR", "IDX",
            "VIEW", "HEIGHT", "LEADER", "PEERS", STATUS_L1_COLUMNS, "L1", STATUS_BATCH_COLUMNS,
            "BATCHES", "RPC");
}

void node_ctl_status_row(FILE *out, const json_t *s, const char *url)
{
    const char *validator = json_string_value(json_object_get(s, "validator"));
    char l1[STATUS_L1_COLUMNS + 1];
    l1_cell(l1, s);
    char batches[STATUS_BATCH_CELL_MAX];
    batch_cell(batches, s);
    fprintf(out, "%-*s %4lld %8lld %8lld %6lld %3lld/%-3lld %-*s %-*s %s%s\n", STATUS_ADDR_COLUMNS,
            validator != NULL ? validator : "?", field(s, "validatorIndex"), field(s, "view"),
            field(s, "height"), field(s, "leaderIndex"), field(s, "peersConnected"),
            field(s, "committeeSize") - 1, STATUS_L1_COLUMNS, l1, STATUS_BATCH_COLUMNS, batches,
            url,
            json_is_true(json_object_get(s, "halted"))         ? " HALTED"
            : json_is_true(json_object_get(s, "storeFailing")) ? " STORE-FAILING"
                                                               : "");
}

int node_seqctl_status(int argc, char **argv, FILE *out, FILE *err)
{
    status_args a;
    int code = status_parse(&a, argc, argv, err);
    if (code >= 0) {
        node_seqctl_status_usage(err);
        return code;
    }
    code = NODE_EXIT_OK;
    if (!a.json)
        node_ctl_status_header(out);
    for (size_t i = 0; i < a.count; i++) {
        json_t *s = NULL;
        char why[L1_RPC_ERROR_TEXT_BYTES];
        if (status_fetch(&s, why, sizeof why, a.urls[i]) != SEQ_OK) {
            fprintf(err, "seqctl status: %s: %s\n", a.urls[i], why);
            if (!a.json)
                fprintf(out, "%-*s %4s %8s %8s %6s %7s %-*s %-*s %s\n", STATUS_ADDR_COLUMNS,
                        "(unreachable)", "-", "-", "-", "-", "-", STATUS_L1_COLUMNS, "-",
                        STATUS_BATCH_COLUMNS, "-", a.urls[i]);
            code = NODE_EXIT_FAILURE;
            continue;
        }
        if (a.json) {
            char *text = json_dumps(s, JSON_COMPACT);
            fprintf(out, "%s\n", text != NULL ? text : "null");
            free(text);
        } else {
            node_ctl_status_row(out, s, a.urls[i]);
        }
        json_decref(s);
    }
    return code;
}
