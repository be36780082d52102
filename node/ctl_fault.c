/* ctl_fault.c — `seqctl fault --rpc URL [--peer I|all] [--delay-ms N]
 * [--jitter-ms N] [--drop-ppm N] [--duplicate-ppm N] [--block-send]
 * [--block-recv] [--show] [--json]`: switches the transport's fault layer
 * of a running seqd (seq_testSetFault) or lists it (--show:
 * seq_testGetFault), then prints the faults in force on each of the node's
 * links. The methods exist only in test builds (-DSEQ_TEST_MODES=ON) and
 * work only on a node whose config says "test": {"faults": true}; the
 * node's refusal is turned into a message that says which of the two is
 * missing.
 *
 * Values are checked here before anything is sent (usage error, exit 2),
 * with the bounds the node enforces (net_fault_valid); one call, one
 * attempt of at most NODE_CTL_TIMEOUT_MS, never retried. */
#include "internal.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "l1.h"

#define FAULT_JSON_RPC_METHOD_NOT_FOUND (-32601)

void node_seqctl_fault_usage(FILE *f)
{
    fprintf(f,
            "usage: seqctl fault --rpc URL [--peer I|all] [--delay-ms N] [--jitter-ms N]\n"
            "                    [--drop-ppm N] [--duplicate-ppm N] [--block-send]\n"
            "                    [--block-recv] [--show] [--json]\n"
            "\n"
            "Sets the faults of a running node's links to its peers (seq_testSetFault),\n"
            "then shows the faults in force on each link. Test builds only: the node must\n"
            "be built with -DSEQ_TEST_MODES=ON (the dev preset) and its config must say\n"
            "\"test\": {\"faults\": true}. The faults given replace those in force on the\n"
            "link; with no fault flag the link is healed (a perfect link). They act on\n"
            "what this node sends to the peer, and with --block-recv on what it receives.\n"
            "  --peer I|all        the link to validator I (committee index) or to every\n"
            "                      peer (default: all)\n"
            "  --delay-ms N        hold each message N ms before sending it, 0..%u\n"
            "  --jitter-ms N       and a uniform 0..N ms more, 0..%u\n"
            "  --drop-ppm N        drop N of every million messages, 0..%u\n"
            "  --duplicate-ppm N   send N of every million messages twice, 0..%u\n"
            "  --block-send        drop every message to the peer\n"
            "  --block-recv        discard every message from the peer\n"
            "  --show              change nothing, only show (seq_testGetFault)\n"
            "  --json              print the node's answer on one line\n"
            "Exits 1 if the node does not answer or refuses.\n",
            NET_FAULT_DELAY_MS_MAX, NET_FAULT_DELAY_MS_MAX, NET_FAULT_PPM, NET_FAULT_PPM);
}

/* The flags with a value, their bounds and where they go in net_fault. */
static const struct {
    const char *flag;
    const char *key; /* in seq_testSetFault's fault object */
    uint32_t max;
    size_t offset;
} FAULT_VALUES[] = {
    {"--delay-ms", "delay_ms", NET_FAULT_DELAY_MS_MAX, offsetof(net_fault, delay_ms)},
    {"--jitter-ms", "jitter_ms", NET_FAULT_DELAY_MS_MAX, offsetof(net_fault, jitter_ms)},
    {"--drop-ppm", "drop_ppm", NET_FAULT_PPM, offsetof(net_fault, drop_ppm)},
    {"--duplicate-ppm", "duplicate_ppm", NET_FAULT_PPM, offsetof(net_fault, duplicate_ppm)},
};

typedef struct {
    const char *rpc, *peer_text;
    const char *values[SEQ_ARRAY_LEN(FAULT_VALUES)];
    bool block_send, block_recv, show, json;
    bool all;      /* --peer all, or no --peer */
    uint32_t peer; /* when not all */
    net_fault fault;
} fault_args;

/* A boolean flag once: *slot set, or false if it was set already. */
static bool fault_flag(bool *slot)
{
    if (*slot)
        return false;
    *slot = true;
    return true;
}

/* argv[*i] (and its value) into a; false if unknown, repeated or without
 * its value. */
static bool fault_arg(fault_args *a, int *i, int argc, char **argv)
{
    const char *arg = argv[*i];
    const char **slot = strcmp(arg, "--rpc") == 0 ? &a->rpc : NULL;
    if (strcmp(arg, "--peer") == 0)
        slot = &a->peer_text;
    for (size_t k = 0; k < SEQ_ARRAY_LEN(FAULT_VALUES); k++)
        if (strcmp(arg, FAULT_VALUES[k].flag) == 0)
            slot = &a->values[k];
    if (slot != NULL) {
        if (*slot != NULL || *i + 1 >= argc)
            return false;
        *slot = argv[++*i];
        return true;
    }
    if (strcmp(arg, "--block-send") == 0)
        return fault_flag(&a->block_send);
    if (strcmp(arg, "--block-recv") == 0)
        return fault_flag(&a->block_recv);
    if (strcmp(arg, "--show") == 0)
        return fault_flag(&a->show);
    if (strcmp(arg, "--json") == 0)
        return fault_flag(&a->json);
    return false;
}

/* The values of a's flags into a->fault and a->peer; the exit code of a
 * usage error (printed to err), or -1. */
static int fault_values(fault_args *a, FILE *err)
{
    for (size_t k = 0; k < SEQ_ARRAY_LEN(FAULT_VALUES); k++) {
        uint64_t v = 0;
        if (a->values[k] == NULL)
            continue;
        if (!node_ctl_decimal_u64(&v, a->values[k]) || v > FAULT_VALUES[k].max) {
            fprintf(err, "seqctl fault: %s '%s' is not a number from 0 to %u\n",
                    FAULT_VALUES[k].flag, a->values[k], (unsigned)FAULT_VALUES[k].max);
            return NODE_EXIT_USAGE;
        }
        *(uint32_t *)(void *)((uint8_t *)&a->fault + FAULT_VALUES[k].offset) = (uint32_t)v;
    }
    a->fault.block_send = a->block_send;
    a->fault.block_recv = a->block_recv;
    a->all = a->peer_text == NULL || strcmp(a->peer_text, "all") == 0;
    uint64_t peer = 0;
    if (!a->all && (!node_ctl_decimal_u64(&peer, a->peer_text) || peer >= NET_PEERS_MAX)) {
        fprintf(err, "seqctl fault: --peer '%s' is not a validator index (0..%u) or 'all'\n",
                a->peer_text, NET_PEERS_MAX - 1u);
        return NODE_EXIT_USAGE;
    }
    a->peer = (uint32_t)peer;
    return -1;
}

/* Returns -1 when the command may run, else the exit code (the reason
 * printed to err). */
static int fault_parse(fault_args *a, int argc, char **argv, FILE *err)
{
    memset(a, 0, sizeof *a);
    for (int i = 2; i < argc; i++) {
        if (!fault_arg(a, &i, argc, argv)) {
            fprintf(err, "seqctl fault: unknown, repeated or incomplete argument '%s'\n", argv[i]);
            return NODE_EXIT_USAGE;
        }
    }
    if (a->rpc == NULL) {
        fputs("seqctl fault: --rpc URL is required\n", err);
        return NODE_EXIT_USAGE;
    }
    bool changes = a->peer_text != NULL || a->block_send || a->block_recv;
    for (size_t k = 0; k < SEQ_ARRAY_LEN(FAULT_VALUES); k++)
        changes = changes || a->values[k] != NULL;
    if (a->show && changes) {
        fputs("seqctl fault: --show changes nothing and shows every link: it takes no --peer "
              "and no fault flag\n",
              err);
        return NODE_EXIT_USAGE;
    }
    return fault_values(a, err);
}

/* ----------------------------------------------------------------- output */

/* Member name of obj as decimal text, "?" when it is not a non-negative
 * integer. */
static const char *fault_number(char *buf, size_t buf_len, const json_t *obj, const char *name)
{
    const json_t *v = json_object_get(obj, name);
    if (!json_is_integer(v) || json_integer_value(v) < 0)
        return "?";
    snprintf(buf, buf_len, "%lld", (long long)json_integer_value(v));
    return buf;
}

static const char *fault_yes_no(const json_t *obj, const char *name)
{
    const json_t *v = json_object_get(obj, name);
    return !json_is_boolean(v) ? "?" : json_is_true(v) ? "yes" : "no";
}

#define FAULT_ROW_FORMAT "%5s %9s %10s %9s %9s %11s %11s\n"

void node_ctl_fault_print(FILE *out, const json_t *listing)
{
    char self[24], n[6][24];
    const json_t *peers = json_object_get(listing, "peers");
    fprintf(out, "faults on the links of validator %s:\n",
            fault_number(self, sizeof self, listing, "self"));
    if (json_array_size(peers) == 0) {
        fputs("no peers\n", out);
        return;
    }
    fprintf(out, FAULT_ROW_FORMAT, "PEER", "DELAY MS", "JITTER MS", "DROP PPM", "DUP PPM",
            "BLOCK SEND", "BLOCK RECV");
    for (size_t i = 0; i < json_array_size(peers); i++) {
        const json_t *p = json_array_get(peers, i);
        fprintf(out, FAULT_ROW_FORMAT, fault_number(n[0], sizeof n[0], p, "peer"),
                fault_number(n[1], sizeof n[1], p, "delay_ms"),
                fault_number(n[2], sizeof n[2], p, "jitter_ms"),
                fault_number(n[3], sizeof n[3], p, "drop_ppm"),
                fault_number(n[4], sizeof n[4], p, "duplicate_ppm"), fault_yes_no(p, "block_send"),
                fault_yes_no(p, "block_recv"));
    }
}

/* ----------------------------------------------------------------- the node */

/* seq_testSetFault's params for a: [peer, {every member}]. NULL when out
 * of memory. */
static char *fault_params(const fault_args *a)
{
    json_t *fault = json_object();
    for (size_t k = 0; fault != NULL && k < SEQ_ARRAY_LEN(FAULT_VALUES); k++) {
        const uint8_t *field = (const uint8_t *)&a->fault + FAULT_VALUES[k].offset;
        json_object_set_new(fault, FAULT_VALUES[k].key,
                            json_integer(*(const uint32_t *)(const void *)field));
    }
    json_object_set_new(fault, "block_send", json_boolean(a->fault.block_send));
    json_object_set_new(fault, "block_recv", json_boolean(a->fault.block_recv));
    json_t *params = json_pack("[o,o]", a->all ? json_string("all") : json_integer(a->peer), fault);
    char *text = params != NULL ? json_dumps(params, JSON_COMPACT) : NULL;
    json_decref(params);
    return text;
}

/* Why the call failed, to err: what a refusal of the test methods means,
 * or the client's line. */
static void fault_call_failed(const l1_rpc *c, const char *url, const char *method, FILE *err)
{
    const l1_rpc_error *remote = l1_rpc_last_remote(c);
    if (remote != NULL && remote->code == FAULT_JSON_RPC_METHOD_NOT_FOUND)
        fprintf(err,
                "seqctl fault: %s has no %s (method not found): fault injection needs a seqd "
                "built with -DSEQ_TEST_MODES=ON (the dev preset) and \"test\": {\"faults\": "
                "true} in its config\n",
                url, method);
    else if (remote != NULL && remote->code == NODE_API_UNAVAILABLE)
        fprintf(err,
                "seqctl fault: %s: %s; add \"test\": {\"faults\": true} to the node's config "
                "and restart it\n",
                url, remote->message);
    else
        fprintf(err, "seqctl fault: %s\n", l1_rpc_last_error(c));
}

/* The call a asks for on c, its result printed to out. */
static seq_err fault_run(l1_rpc *c, const fault_args *a, FILE *out, FILE *err)
{
    const char *method = a->show ? "seq_testGetFault" : "seq_testSetFault";
    char *params = a->show ? NULL : fault_params(a);
    if (!a->show && params == NULL) {
        fputs("seqctl fault: out of memory\n", err);
        return SEQ_ERR_NO_MEMORY;
    }
    char *text = NULL;
    seq_err e = l1_rpc_call(c, &text, method, params);
    free(params);
    if (e != SEQ_OK) {
        fault_call_failed(c, a->rpc, method, err);
        return e;
    }
    json_t *listing = json_loads(text, JSON_DECODE_ANY, NULL);
    if (!json_is_array(json_object_get(listing, "peers"))) {
        fprintf(err, "seqctl fault: %s: the answer is not a list of faults\n", method);
        e = SEQ_ERR_MALFORMED;
    } else if (a->json) {
        char *line = json_dumps(listing, JSON_COMPACT);
        fprintf(out, "%s\n", line != NULL ? line : "null");
        free(line);
    } else {
        node_ctl_fault_print(out, listing);
    }
    json_decref(listing);
    free(text);
    return e;
}

int node_seqctl_fault(int argc, char **argv, FILE *out, FILE *err)
{
    fault_args a;
    int code = fault_parse(&a, argc, argv, err);
    if (code >= 0) {
        node_seqctl_fault_usage(err);
        return code;
    }
    l1_rpc *c = NULL;
    seq_err e = node_ctl_client(&c, a.rpc);
    if (e != SEQ_OK) {
        fprintf(err, "seqctl fault: %s: bad URL (%s): need http://HOST:PORT\n", a.rpc,
                seq_strerror(e));
        return NODE_EXIT_FAILURE;
    }
    e = fault_run(c, &a, out, err);
    l1_rpc_free(c);
    return e == SEQ_OK ? NODE_EXIT_OK : NODE_EXIT_FAILURE;
}
